//! The cell's channel: per-device links over the shared uplink and the base station's downlink,
//! composed from the `net` components, with each device's availability (an off device neither
//! sends nor receives).
//!
//! An upload is packetised, its ARQ outcome drawn from the device's loss process (which decides the
//! airtime: every attempt costs its bits), then its bits flow through the shared uplink; it reaches
//! the base station one propagation latency (plus one retry delay per retransmission) after its
//! last bit. A message whose packet exhausts its retries is lost; the base station learns of the
//! loss at the time the message would have arrived.
//!
//! With a [`Cell`] ([`Channel::with_cell`]) each transmission's rate and packet error rate come
//! from the sender's or receiver's SNR at the time it is sent (held for the whole message, block
//! fading); the links' own rates and loss models are not used. The shared uplink then carries
//! *resource units*: a flow of `b` bits at efficiency `e` [bit/s/Hz] needs `b / e` Hz-seconds of
//! band, so the uplink's rate is the band \[Hz\] and its sharing rule splits the band: equal share
//! is OFDMA with the band split equally among the devices sending at once, processor sharing
//! re-splits it as flows start and end, FIFO is TDMA (one device at a time on the whole band).
//! Each device keeps its power spectral density, so its SNR is that of the whole band and its
//! radio energy is its power times its full-band airtime `b / (e B)`. The downlink broadcast is
//! sent at the rate of the worst receiver, each receiver's retransmissions and unicast copies at
//! its own rate.
//!
//! Over the air ([`Channel::with_over_the_air`], see [`super::aircomp`]) an upload is a block of
//! analog values sent on the whole band, superposed on the others rather than sharing the band
//! with them: it leaves the device `ceil(values / 2) / B` after it starts, whatever the number of
//! devices, at the power that brings it to the threshold SNR; a device whose SNR is below the
//! threshold sits out, and the base station counts its upload as lost when the slot ends. No
//! packets, no ARQ, no packet errors: the noise of the sum is the base station's to add.

use super::{
    tx_time, AvailabilityTrace, Cell, CellDevice, DownlinkMode, Link, LinkConfig, LossModel,
    LossState, NetError, OverTheAir, PathFaults, Rate, SharedUplink, Transmission,
};
use crate::rng::{Node, Purpose, Resumed, StreamPos};
use crate::time::{SimDuration, SimTime};
use std::collections::BTreeMap;

/// One direction of every device's link: the link's configuration, held once, and per device
/// where its loss and latency streams stand and its loss chain's state (24 bytes; the streams'
/// generators are derived again for the draws of each message, see [`Resumed`]).
#[derive(serde::Serialize, serde::Deserialize)]
struct Direction {
    link: Link,
    seed: u64,
    loss: Purpose,
    latency: Purpose,
    devices: Vec<LinkState>,
}

/// One device's state on one direction.
#[derive(Copy, Clone, serde::Serialize, serde::Deserialize)]
struct LinkState {
    loss: StreamPos,
    latency: StreamPos,
    bad: bool,
}

impl Direction {
    fn new(
        cfg: &LinkConfig,
        seed: u64,
        devices: u32,
        loss: Purpose,
        latency: Purpose,
    ) -> Result<Direction, NetError> {
        let mut start = Resumed::new(seed, Node::Device(0), loss, StreamPos::default());
        let link = Link::new(cfg.clone(), &mut start)?;
        // Built with its length (collecting a `Result` would grow it by doubling).
        let mut states = Vec::with_capacity(devices as usize);
        for d in 0..devices {
            // Each device's chain starts from its own loss stream, as its own link would.
            let mut rng = Resumed::new(seed, Node::Device(d), loss, StreamPos::default());
            let chain = LossState::new(cfg.loss.clone(), &mut rng)?;
            states.push(LinkState {
                loss: rng.pos(),
                latency: StreamPos::default(),
                bad: chain.bad(),
            });
        }
        Ok(Direction {
            link,
            seed,
            loss,
            latency,
            devices: states,
        })
    }

    fn config(&self) -> &LinkConfig {
        self.link.config()
    }

    /// Device `d`'s streams, taken up where they stand.
    fn streams(&self, d: u32) -> (Resumed, Resumed) {
        let s = self.devices[d as usize];
        let node = Node::Device(d);
        (
            Resumed::new(self.seed, node, self.loss, s.loss),
            Resumed::new(self.seed, node, self.latency, s.latency),
        )
    }

    /// ARQ outcome, retry wait and latency of one message of `payload` bytes from or to device
    /// `d`; with `packet_error_rate`, each packet is lost with that probability instead of by
    /// the link's loss model.
    fn send(
        &mut self,
        d: u32,
        payload: u64,
        packet_error_rate: Option<f64>,
    ) -> (Transmission, SimDuration) {
        let (mut loss_rng, mut latency_rng) = self.streams(d);
        // Each packet draws a float (two words) when packets can be lost: a message of many
        // packets draws past the first block of its stream.
        if packet_error_rate.is_some() || self.link.config().loss != LossModel::None {
            loss_rng.expect(2 * self.link.packet_count(payload));
        }
        let state = &mut self.devices[d as usize];
        let plan = match packet_error_rate {
            None => {
                self.link.loss_state_mut().set_bad(state.bad);
                let plan = self.link.send(payload, &mut loss_rng, &mut latency_rng);
                state.bad = self.link.loss_state().bad();
                plan
            }
            Some(per) => {
                let model = LossModel::Bernoulli {
                    p: per.clamp(0.0, 1.0),
                };
                let Ok(mut loss) = LossState::new(model, &mut loss_rng) else {
                    unreachable!("a clamped Bernoulli probability is valid")
                };
                self.link
                    .send_with_loss(payload, &mut loss, &mut loss_rng, &mut latency_rng)
            }
        };
        state.loss = loss_rng.pos();
        state.latency = latency_rng.pos();
        (plan.transmission, plan.retry_wait + plan.latency)
    }

    /// One latency sample of device `d`'s link.
    fn latency(&mut self, d: u32) -> SimDuration {
        let (_, mut rng) = self.streams(d);
        let latency = self.link.config().latency.sample(&mut rng);
        self.devices[d as usize].latency = rng.pos();
        latency
    }
}

/// Resource units per Hz-second of band in a cell's shared uplink (finer than a bit, so rounding
/// a flow up to whole units costs under a nanosecond).
const UNITS_PER_HZ_S: f64 = 1000.0;

/// Time to send `bits` at `rate_bps` \[ns\], rounded up.
fn airtime_at(bits: u64, rate_bps: f64) -> SimDuration {
    SimDuration((bits as f64 * 1e9 / rate_bps).ceil() as u64)
}

/// An upload put on the uplink.
#[derive(Clone, Debug)]
pub struct UploadStart {
    /// The flow's id in the shared uplink.
    pub flow: u64,
    /// Bytes on the wire, every attempt \[B\].
    pub wire_bytes: u64,
    /// Time the device's radio transmits at the full link rate.
    pub airtime: SimDuration,
    /// Packet retransmissions.
    pub retransmissions: u32,
    /// Fraction of the device's maximum radiated power it transmits at (1 but over the air).
    pub power_scale: f64,
}

/// An upload whose last bit left the uplink.
#[derive(Clone, Debug)]
pub struct UplinkDone<T = ()> {
    /// The flow.
    pub flow: u64,
    /// What the sender's side keeps with the upload (see [`Channel::start_upload`]).
    pub tag: T,
    /// The sender.
    pub device: u32,
    /// Whether it reaches the base station.
    pub delivered: bool,
    /// When the base station has it (or learns it was lost).
    pub arrival: SimTime,
    /// The SNR it was sent at, as the base station measures it \[dB\] (only in a cell).
    pub snr_db: Option<f64>,
}

/// One device's copy of a broadcast.
#[derive(Clone, Debug)]
pub struct DownlinkOutcome {
    /// The receiver.
    pub device: u32,
    /// Whether it arrived (and found the device on).
    pub delivered: bool,
    /// When it arrived (or was given up).
    pub arrival: SimTime,
    /// Bytes this copy adds on air \[B\]: a broadcast's common copy is counted once (with the first
    /// receiver), each receiver's retransmissions with it.
    pub air_bytes: u64,
    /// Bytes the device receives, every attempt \[B\].
    pub received_bytes: u64,
    /// Time the device's radio receives.
    pub airtime: SimDuration,
    /// Packet retransmissions.
    pub retransmissions: u32,
}

/// An upload on the shared uplink, carried by its flow: what its completion needs (its sender,
/// whether it gets through, the delay after its last bit and the SNR it was sent at) and the
/// sender's side's tag.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct InFlight<T> {
    device: u32,
    delivered: bool,
    delay: SimDuration,
    snr_db: Option<f64>,
    tag: T,
}

/// An over-the-air upload on the air: its sender, whether it is included, its latency, its SNR
/// and the sender's side's tag.
type Analog<T> = (u32, bool, SimDuration, f64, T);

/// The channel of one cell. Each upload carries a tag of type `T` from its start to its
/// completion (the medium's message in flight), held with its flow.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Channel<T = ()> {
    downlink_mode: DownlinkMode,
    shared: SharedUplink<InFlight<T>>,
    up: Direction,
    down: Direction,
    availability: Vec<AvailabilityTrace>,
    next_flow: u64,
    cell: Option<Cell>,
    air: Option<OverTheAir>,
    /// Over-the-air uploads by (last symbol sent, flow).
    analog: BTreeMap<(SimTime, u64), Analog<T>>,
    faults: PathFaults,
}

impl<T> Channel<T> {
    /// A channel for as many devices as `availability` has traces, with streams derived from
    /// `seed`; its uplink has the rate and sharing rule of `shared`.
    pub fn new(
        uplink: LinkConfig,
        downlink: LinkConfig,
        downlink_mode: DownlinkMode,
        shared: SharedUplink,
        availability: Vec<AvailabilityTrace>,
        seed: u64,
    ) -> Result<Channel<T>, NetError> {
        let devices = availability.len() as u32;
        let up = Direction::new(
            &uplink,
            seed,
            devices,
            Purpose::UplinkLoss,
            Purpose::UplinkLatency,
        )?;
        let down = Direction::new(
            &downlink,
            seed,
            devices,
            Purpose::DownlinkLoss,
            Purpose::DownlinkLatency,
        )?;
        Ok(Channel {
            downlink_mode,
            shared: SharedUplink::carrying(shared.rate(), shared.sharing()),
            up,
            down,
            availability,
            next_flow: 0,
            cell: None,
            air: None,
            analog: BTreeMap::new(),
            faults: PathFaults::new(devices as usize, seed),
        })
    }

    /// The same channel in `cell`: rates and packet errors from each device's SNR (see the
    /// module docs). The cell must hold one device per availability trace.
    pub fn with_cell(mut self, cell: Cell) -> Result<Channel<T>, NetError> {
        if cell.devices() != self.availability.len() {
            return Err(NetError::invalid(
                "cell",
                "devices",
                cell.devices(),
                "one device per device of the channel",
            ));
        }
        let band = Rate::from_bps_f64(cell.config().uplink.bandwidth_hz * UNITS_PER_HZ_S)?;
        self.shared = SharedUplink::carrying(band, self.shared.sharing());
        self.cell = Some(cell);
        Ok(self)
    }

    /// The same channel with over-the-air uploads (see the module docs); it must be in a cell.
    pub fn with_over_the_air(mut self, air: OverTheAir) -> Result<Channel<T>, NetError> {
        air.validate()?;
        if self.cell.is_none() {
            return Err(NetError::invalid(
                "over_the_air",
                "cell",
                "none",
                "a cell (the inversion needs each device's SNR)",
            ));
        }
        self.air = Some(air);
        Ok(self)
    }

    /// The over-the-air settings, if uploads go over the air.
    pub fn over_the_air(&self) -> Option<OverTheAir> {
        self.air
    }

    /// The cell, if the channel has one.
    pub fn cell(&self) -> Option<&Cell> {
        self.cell.as_ref()
    }

    /// Device `d`'s place in the cell, if the channel has one.
    pub fn cell_device(&self, d: u32) -> Option<CellDevice> {
        self.cell.as_ref().map(|c| c.device(d))
    }

    fn wire_bits(cfg: &LinkConfig, payload: u64) -> u64 {
        cfg.packet_format()
            .map_or(payload, |f| f.wire_bytes(payload))
            * 8
    }

    /// The smallest possible delay between the base station sending `payload` bytes and a device
    /// having them: the engine's lookahead.
    pub fn min_downlink_delay(&self, payload: u64) -> SimDuration {
        let downlink = self.down.config();
        let bits = Self::wire_bits(downlink, payload);
        let transmission = match &self.cell {
            None => tx_time(bits, downlink.rate),
            Some(cell) => airtime_at(bits, cell.max_downlink_rate_bps()),
        };
        downlink.latency.min_delay() + transmission
    }

    /// The faults on its paths (the fault timeline's outages, partitions, downed radios and
    /// corruptions).
    pub fn faults(&self) -> &PathFaults {
        &self.faults
    }

    /// The faults on its paths, to start or end one.
    pub fn faults_mut(&mut self) -> &mut PathFaults {
        &mut self.faults
    }

    /// Aborts at `now` every upload of `devices` (in id order) still on the uplink (their radios
    /// went down): the flows are removed and their bits stop. Returns their tags, in the order
    /// the uploads started.
    pub fn abort_uploads(&mut self, now: SimTime, devices: &[u32]) -> Vec<T> {
        self.shared
            .cancel_where(now, |_, p| devices.binary_search(&p.device).is_ok())
            .into_iter()
            .map(|(_, p)| p.tag)
            .collect()
    }

    /// Whether device `d` is on at `t`.
    pub fn is_on(&mut self, d: u32, t: SimTime) -> bool {
        self.availability[d as usize].is_on(t)
    }

    /// Puts `payload` bytes from device `d` on the uplink at `now`; `None` when the device is off
    /// (nothing is sent). Once it is sent, `tag` makes the upload's tag from the paths' faults
    /// (it is handed back when the upload completes, [`UplinkDone::tag`]).
    pub fn start_upload(
        &mut self,
        now: SimTime,
        d: u32,
        payload: u64,
        tag: impl FnOnce(&mut PathFaults) -> T,
    ) -> Result<Option<UploadStart>, NetError> {
        if !self.is_on(d, now) {
            return Ok(None);
        }
        let (tx, delay, size, airtime, snr) = match &mut self.cell {
            None => {
                let (tx, delay) = self.up.send(d, payload, None);
                let airtime = tx_time(tx.wire_bits, self.up.config().rate);
                (tx, delay, tx.wire_bits, airtime, None)
            }
            Some(cell) => {
                let radio = cell.uplink(d, now);
                let (tx, delay) = self.up.send(d, payload, Some(radio.packet_error_rate));
                let units = (tx.wire_bits as f64 * UNITS_PER_HZ_S / radio.efficiency).ceil();
                (
                    tx,
                    delay,
                    units as u64,
                    airtime_at(tx.wire_bits, radio.rate_bps),
                    Some(radio.snr_db),
                )
            }
        };
        let flow = self.next_flow;
        self.next_flow += 1;
        let tag = tag(&mut self.faults);
        let carried = InFlight {
            device: d,
            delivered: tx.delivered,
            delay,
            snr_db: snr,
            tag,
        };
        self.shared.start(now, flow, size, carried)?;
        Ok(Some(UploadStart {
            flow,
            wire_bytes: tx.wire_bits / 8,
            airtime,
            retransmissions: tx.retransmissions,
            power_scale: 1.0,
        }))
    }

    /// Puts device `d`'s block of `values` analog values on the air at `now` (over the air only;
    /// `payload` bytes are what it stands for); `None` when the device is off. `tag` as for
    /// [`Channel::start_upload`].
    pub fn start_analog_upload(
        &mut self,
        now: SimTime,
        d: u32,
        values: u64,
        payload: u64,
        tag: impl FnOnce(&mut PathFaults) -> T,
    ) -> Result<Option<UploadStart>, NetError> {
        let (Some(air), Some(cell)) = (self.air, &mut self.cell) else {
            return Err(NetError::invalid(
                "over_the_air",
                "upload",
                d,
                "a channel with over-the-air uploads",
            ));
        };
        if !self.availability[d as usize].is_on(now) {
            return Ok(None);
        }
        let snr_db = cell.uplink(d, now).snr_db;
        let airtime = OverTheAir::airtime(values, cell.config().uplink.bandwidth_hz);
        let latency = self.up.latency(d);
        let scale = air.power_scale(snr_db);
        let flow = self.next_flow;
        self.next_flow += 1;
        let tag = tag(&mut self.faults);
        self.analog.insert(
            (now + airtime, flow),
            (d, scale.is_some(), latency, snr_db, tag),
        );
        Ok(Some(UploadStart {
            flow,
            wire_bytes: if scale.is_some() { payload } else { 0 },
            airtime: if scale.is_some() {
                airtime
            } else {
                SimDuration::ZERO
            },
            retransmissions: 0,
            power_scale: scale.unwrap_or(0.0),
        }))
    }

    /// When the next upload leaves the uplink.
    pub fn next_uplink_completion(&self) -> Option<SimTime> {
        let analog = self.analog.keys().next().map(|&(t, _)| t);
        let digital = self.shared.next_completion().map(|(t, _)| t);
        analog.into_iter().chain(digital).min()
    }

    /// Completes every upload whose last bit leaves the uplink at or before `now`: the over-the-air
    /// ones, then the others, each in the order they leave.
    pub fn complete_uplinks(&mut self, now: SimTime) -> Vec<UplinkDone<T>> {
        let mut done = Vec::new();
        while let Some(d) = self.complete_uplink(now) {
            done.push(d);
        }
        done
    }

    /// Completes the next upload whose last bit leaves the uplink at or before `now` (the
    /// over-the-air ones first), if any: one at a time, so that a caller handing each on holds
    /// no list of them.
    pub fn complete_uplink(&mut self, now: SimTime) -> Option<UplinkDone<T>> {
        if let Some(entry) = self.analog.first_entry() {
            let (t, flow) = *entry.key();
            if t <= now {
                let (device, delivered, latency, snr_db, tag) = entry.remove();
                return Some(UplinkDone {
                    flow,
                    tag,
                    device,
                    delivered,
                    arrival: t + latency,
                    snr_db: Some(snr_db),
                });
            }
        }
        match self.shared.next_completion() {
            Some((t, _)) if t <= now => {}
            _ => return None,
        }
        let (t, flow, p) = self.shared.complete()?;
        Some(UplinkDone {
            flow,
            tag: p.tag,
            device: p.device,
            delivered: p.delivered,
            arrival: t + p.delay,
            snr_db: p.snr_db,
        })
    }

    /// Sends `payload` bytes from the base station to `receivers` at `now`. A receiver that is off
    /// when its copy arrives misses it.
    ///
    /// Broadcast: one transmission at the downlink rate heard by every receiver; a receiver's lost
    /// packets are retransmitted to it alone right after the common copy. Unicast: one copy per
    /// receiver, back to back in the order given, at the full downlink rate.
    pub fn broadcast(
        &mut self,
        now: SimTime,
        receivers: &[u32],
        payload: u64,
    ) -> Vec<DownlinkOutcome> {
        let mut out = Vec::with_capacity(receivers.len());
        self.broadcast_each(now, receivers, payload, |o| out.push(o));
        out
    }

    /// [`Channel::broadcast`], handing each receiver's outcome to `each` in the order given (a
    /// broadcast to every device holds no list of outcomes).
    pub fn broadcast_each(
        &mut self,
        now: SimTime,
        receivers: &[u32],
        payload: u64,
        mut each: impl FnMut(DownlinkOutcome),
    ) {
        if self.cell.is_some() {
            return self.broadcast_in_cell(now, receivers, payload, each);
        }
        let base_bits = Self::wire_bits(self.down.config(), payload);
        let rate = self.down.config().rate;
        let base_time = tx_time(base_bits, rate);
        let mut cursor = now;
        for (i, &d) in receivers.iter().enumerate() {
            let (tx, delay) = self.down.send(d, payload, None);
            let extra_bits = tx.wire_bits.saturating_sub(base_bits);
            let (finish, air_bits) = match self.downlink_mode {
                DownlinkMode::Broadcast => {
                    let common = if i == 0 { base_bits } else { 0 };
                    (
                        now + base_time + tx_time(extra_bits, rate),
                        common + extra_bits,
                    )
                }
                DownlinkMode::Unicast => {
                    cursor += tx_time(tx.wire_bits, rate);
                    (cursor, tx.wire_bits)
                }
            };
            let arrival = finish + delay;
            each(DownlinkOutcome {
                device: d,
                delivered: tx.delivered && self.availability[d as usize].is_on(arrival),
                arrival,
                air_bytes: air_bits / 8,
                received_bytes: tx.wire_bits / 8,
                airtime: tx_time(tx.wire_bits, rate),
                retransmissions: tx.retransmissions,
            });
        }
    }

    /// [`Channel::broadcast`] in a cell: the common copy at the worst receiver's rate, each
    /// receiver's retransmissions (broadcast) or copy (unicast) at its own rate, every packet
    /// lost at the receiver's packet error rate.
    fn broadcast_in_cell(
        &mut self,
        now: SimTime,
        receivers: &[u32],
        payload: u64,
        mut each: impl FnMut(DownlinkOutcome),
    ) {
        let Some(cell) = &mut self.cell else {
            return;
        };
        let base_bits = Self::wire_bits(self.down.config(), payload);
        let radios: Vec<_> = receivers.iter().map(|&d| cell.downlink(d, now)).collect();
        let worst = radios
            .iter()
            .map(|r| r.rate_bps)
            .fold(f64::INFINITY, f64::min);
        let base_time = airtime_at(base_bits, worst);
        let mut cursor = now;
        for (i, (&d, radio)) in receivers.iter().zip(&radios).enumerate() {
            let (tx, delay) = self.down.send(d, payload, Some(radio.packet_error_rate));
            let extra_bits = tx.wire_bits.saturating_sub(base_bits);
            let (finish, air_bits, airtime) = match self.downlink_mode {
                DownlinkMode::Broadcast => {
                    let extra = airtime_at(extra_bits, radio.rate_bps);
                    let common = if i == 0 { base_bits } else { 0 };
                    (
                        now + base_time + extra,
                        common + extra_bits,
                        base_time + extra,
                    )
                }
                DownlinkMode::Unicast => {
                    let own = airtime_at(tx.wire_bits, radio.rate_bps);
                    cursor += own;
                    (cursor, tx.wire_bits, own)
                }
            };
            let arrival = finish + delay;
            each(DownlinkOutcome {
                device: d,
                delivered: tx.delivered && self.availability[d as usize].is_on(arrival),
                arrival,
                air_bytes: air_bits / 8,
                received_bytes: tx.wire_bits / 8,
                airtime,
                retransmissions: tx.retransmissions,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Availability, Latency, LossModel, Rate, Sharing};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn ideal(rate_bps: u64, latency_ms: u64) -> LinkConfig {
        LinkConfig {
            latency: Latency::Constant(SimDuration::from_millis(latency_ms)),
            rate: Rate::from_bps(rate_bps).expect("positive"),
            mtu_bytes: 100_000,
            header_bytes: 0,
            loss: LossModel::None,
            retries: 0,
            retry_delay: SimDuration::ZERO,
        }
    }

    fn cell(mode: DownlinkMode, availability: Vec<AvailabilityTrace>) -> Channel {
        let up = ideal(1_000_000, 0);
        let shared = SharedUplink::new(up.rate, Sharing::EqualShare);
        Channel::new(up, ideal(1_000_000, 2), mode, shared, availability, 1).expect("valid")
    }

    fn always(n: usize) -> Vec<AvailabilityTrace> {
        (0..n).map(|_| AvailabilityTrace::always()).collect()
    }

    #[test]
    fn a_broadcast_reaches_all_at_once_and_unicast_copies_queue() {
        let start = SimTime(1_000);
        // 62,500 B = 500,000 bit = 0.5 s at 1 Mbit/s, then 2 ms of latency.
        let mut broadcast = cell(DownlinkMode::Broadcast, always(3));
        let out = broadcast.broadcast(start, &[0, 1, 2], 62_500);
        let arrivals: Vec<u64> = out.iter().map(|o| o.arrival.0).collect();
        assert_eq!(arrivals, vec![502_001_000; 3]);
        let air: Vec<u64> = out.iter().map(|o| o.air_bytes).collect();
        assert_eq!(air, vec![62_500, 0, 0], "one copy on air");
        let mut unicast = cell(DownlinkMode::Unicast, always(3));
        let out = unicast.broadcast(start, &[0, 1, 2], 62_500);
        let arrivals: Vec<u64> = out.iter().map(|o| o.arrival.0).collect();
        assert_eq!(arrivals, vec![502_001_000, 1_002_001_000, 1_502_001_000]);
        assert!(out.iter().all(|o| o.air_bytes == 62_500 && o.delivered));
    }

    #[test]
    fn an_off_device_neither_sends_nor_receives() {
        let off = Availability::Schedule(vec![(SimTime(0), SimTime(600_000_000))]);
        let traces = vec![
            AvailabilityTrace::always(),
            AvailabilityTrace::new(&off, ChaCha8Rng::seed_from_u64(1)).expect("valid"),
        ];
        let mut ch = cell(DownlinkMode::Broadcast, traces);
        assert!(ch
            .start_upload(SimTime(0), 1, 1_000, |_| ())
            .expect("ok")
            .is_none());
        assert!(ch
            .start_upload(SimTime(0), 0, 1_000, |_| ())
            .expect("ok")
            .is_some());
        // The copy reaches device 1 at 502 ms, while it is still off.
        let out = ch.broadcast(SimTime(0), &[0, 1], 62_500);
        assert!(out[0].delivered && !out[1].delivered);
        let later = ch.broadcast(SimTime(200_000_000), &[1], 62_500);
        assert!(
            later[0].delivered,
            "on again at 600 ms, the copy arrives at 702 ms"
        );
    }
}
