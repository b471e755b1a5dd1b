//! The cell's channel as the engine sees it: per-device links over the shared uplink and the
//! base station's downlink, composed from the `net` components.
//!
//! An upload is packetised, its ARQ outcome drawn from the device's loss process (which decides the
//! airtime: every attempt costs its bits), then its bits flow through the shared uplink; it reaches
//! the base station one propagation latency (plus one retry delay per retransmission) after its
//! last bit. A message whose packet exhausts its retries is lost; the base station learns of the
//! loss at the time the message would have arrived.

use crate::net::{
    DownlinkMode, LinkConfig, LossState, SharedUplink, Transmission,
};
use crate::sim::rng::{stream, Node, Purpose};
use crate::time::{SimDuration, SimTime};
use rand_chacha::ChaCha12Rng;
use std::collections::BTreeMap;

/// Per-device state of one direction of its link.
struct LinkState {
    loss: LossState,
    loss_rng: ChaCha12Rng,
    latency_rng: ChaCha12Rng,
}

/// An upload put on the uplink.
#[derive(Clone, Debug)]
pub struct UploadStart {
    /// The flow's id in the shared uplink.
    pub flow: u64,
    /// Bytes on the wire, every attempt [B].
    pub wire_bytes: u64,
    /// Time the device's radio transmits at the full link rate.
    pub airtime: SimDuration,
    /// Packet retransmissions.
    pub retransmissions: u32,
}

/// An upload whose last bit left the uplink.
#[derive(Clone, Debug)]
pub struct UplinkDone {
    /// The flow.
    pub flow: u64,
    /// The sender.
    pub device: u32,
    /// Whether it reaches the base station.
    pub delivered: bool,
    /// When the base station has it (or learns it was lost).
    pub arrival: SimTime,
}

/// One device's copy of a broadcast.
#[derive(Clone, Debug)]
pub struct DownlinkOutcome {
    /// The receiver.
    pub device: u32,
    /// Whether it arrived.
    pub delivered: bool,
    /// When it arrived (or was given up).
    pub arrival: SimTime,
    /// Bytes on the wire for this device [B] (its share of a broadcast plus its retransmissions).
    pub wire_bytes: u64,
    /// Time the device's radio receives.
    pub airtime: SimDuration,
    /// Packet retransmissions.
    pub retransmissions: u32,
}

/// The channel of one cell.
pub struct Channel {
    uplink: LinkConfig,
    downlink: LinkConfig,
    downlink_mode: DownlinkMode,
    shared: SharedUplink,
    up: Vec<LinkState>,
    down: Vec<LinkState>,
    pending: BTreeMap<u64, (u32, Transmission)>,
    next_flow: u64,
}

impl Channel {
    /// A channel for `devices` devices, with streams derived from `seed`.
    pub fn new(
        uplink: LinkConfig,
        downlink: LinkConfig,
        downlink_mode: DownlinkMode,
        shared: SharedUplink,
        devices: u32,
        seed: u64,
    ) -> Channel {
        let link = |cfg: &LinkConfig, d: u32, loss: Purpose, latency: Purpose| LinkState {
            loss: cfg.loss.state(),
            loss_rng: stream(seed, Node::Device(d), loss),
            latency_rng: stream(seed, Node::Device(d), latency),
        };
        let up = (0..devices)
            .map(|d| link(&uplink, d, Purpose::UplinkLoss, Purpose::UplinkLatency))
            .collect();
        let down = (0..devices)
            .map(|d| link(&downlink, d, Purpose::DownlinkLoss, Purpose::DownlinkLatency))
            .collect();
        Channel {
            uplink,
            downlink,
            downlink_mode,
            shared,
            up,
            down,
            pending: BTreeMap::new(),
            next_flow: 0,
        }
    }

    /// The smallest possible delay between the base station sending `payload` bytes and a device
    /// having them: the engine's lookahead.
    pub fn min_downlink_delay(&self, payload: u64) -> SimDuration {
        let bits = self.downlink.wire_bytes(payload) * 8;
        self.downlink.latency.min_delay() + self.downlink.tx_time(bits)
    }

    /// Puts `payload` bytes from device `d` on the uplink at `now`.
    pub fn start_upload(&mut self, now: SimTime, d: u32, payload: u64) -> UploadStart {
        let link = &mut self.up[d as usize];
        let tx = self
            .uplink
            .transmit(payload, &mut link.loss, &mut link.loss_rng);
        let flow = self.next_flow;
        self.next_flow += 1;
        self.shared.start_flow(now, flow, tx.wire_bits);
        let start = UploadStart {
            flow,
            wire_bytes: tx.wire_bits / 8,
            airtime: self.uplink.tx_time(tx.wire_bits),
            retransmissions: tx.retransmissions,
        };
        self.pending.insert(flow, (d, tx));
        start
    }

    /// When the next upload leaves the shared uplink.
    pub fn next_uplink_completion(&self) -> Option<SimTime> {
        self.shared.next_completion().map(|(t, _)| t)
    }

    /// Completes every upload whose last bit leaves the uplink at or before `now`.
    pub fn complete_uplinks(&mut self, now: SimTime) -> Vec<UplinkDone> {
        let mut done = Vec::new();
        while let Some((t, flow)) = self.shared.next_completion() {
            if t > now {
                break;
            }
            self.shared.complete_next();
            let Some((device, tx)) = self.pending.remove(&flow) else {
                continue;
            };
            let link = &mut self.up[device as usize];
            let delay = self.uplink.latency.sample(&mut link.latency_rng)
                + self.uplink.retry_delay * u64::from(tx.retransmissions);
            done.push(UplinkDone {
                flow,
                device,
                delivered: tx.delivered,
                arrival: t + delay,
            });
        }
        done
    }

    /// Sends `payload` bytes from the base station to `receivers` at `now`.
    ///
    /// Broadcast: one transmission at the downlink rate heard by every receiver; each receiver's
    /// lost packets are retransmitted to it alone after the common copy. Unicast: one copy per
    /// receiver, one after another in id order, at the full downlink rate.
    pub fn broadcast(&mut self, now: SimTime, receivers: &[u32], payload: u64) -> Vec<DownlinkOutcome> {
        let base_bits = self.downlink.wire_bytes(payload) * 8;
        let base_time = self.downlink.tx_time(base_bits);
        let mut cursor = now;
        let mut out = Vec::with_capacity(receivers.len());
        for (i, &d) in receivers.iter().enumerate() {
            let link = &mut self.down[d as usize];
            let tx = self
                .downlink
                .transmit(payload, &mut link.loss, &mut link.loss_rng);
            let extra_bits = tx.wire_bits.saturating_sub(base_bits);
            let (finish, wire_bits) = match self.downlink_mode {
                DownlinkMode::Broadcast => {
                    let own = if i == 0 { base_bits } else { 0 };
                    (now + base_time + self.downlink.tx_time(extra_bits), own + extra_bits)
                }
                DownlinkMode::Unicast => {
                    cursor += self.downlink.tx_time(tx.wire_bits);
                    (cursor, tx.wire_bits)
                }
            };
            let delay = self.downlink.latency.sample(&mut link.latency_rng)
                + self.downlink.retry_delay * u64::from(tx.retransmissions);
            out.push(DownlinkOutcome {
                device: d,
                delivered: tx.delivered,
                arrival: finish + delay,
                wire_bytes: wire_bits / 8,
                airtime: self.downlink.tx_time(tx.wire_bits),
                retransmissions: tx.retransmissions,
            });
        }
        out
    }
}
