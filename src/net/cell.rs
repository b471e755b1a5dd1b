//! A radio cell: where each device stands and what its link is worth at any instant.
//!
//! ```text
//! placement --> distance --path loss (sight)--> PL; + shadowing (per device) --> large-scale loss
//! link budget(tx power, gains, noise) --> mean SNR (kept per device, both directions)
//! mean SNR + 10 log10 |h|^2 (fading block at t) --> SNR --> efficiency, packet error rate
//! ```
//!
//! Each device's position, sight (LOS or NLOS) and shadowing are drawn once, from its own
//! placement stream; its fading is a pure function of (seed, device, coherence block), so a
//! device's state is its [`CellDevice`] (24 bytes). Both directions see the same large-scale loss
//! and the same fading block (reciprocity); they differ in transmit power and receiver.

use super::error::NetError;
use super::fading::Fading;
use super::geometry::{Placement, Position};
use super::mobility::{Mobility, Walk};
use super::propagation::{PathLoss, Sight};
use super::radio::{ErrorModel, LinkBudget, RateModel};
use crate::rng::{stream, Node, Purpose};
use crate::time::{SimDuration, SimTime};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// Which devices see the base station.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SightRule {
    /// All of them.
    Los,
    /// None of them.
    Nlos,
    /// Each device draws LOS with the model's probability at its distance.
    Mixed,
}

/// Everything that defines a cell's radio (the per-device transmit powers come separately).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellConfig {
    /// Where devices stand.
    pub placement: Placement,
    /// Path-loss model.
    pub path_loss: PathLoss,
    /// Line of sight.
    pub sight: SightRule,
    /// Log-normal shadowing standard deviation \[dB\]; `None` takes the path-loss model's.
    pub shadowing_db: Option<f64>,
    /// Small-scale fading.
    pub fading: Fading,
    /// Coherence time of the fading blocks \[ns\].
    pub coherence: SimDuration,
    /// Uplink receiver (the base station) and antennas; `bandwidth_hz` is the uplink band.
    pub uplink: LinkBudget,
    /// Downlink receiver (a device) and antennas; `bandwidth_hz` is the downlink band.
    pub downlink: LinkBudget,
    /// Base-station transmit power \[dBm\].
    pub bs_tx_power_dbm: f64,
    /// Spectral efficiency from SNR.
    pub rate: RateModel,
    /// Packet error rate from SNR.
    pub error: ErrorModel,
    /// Loss on top of the path loss, e.g. a wall \[dB\], >= 0.
    pub extra_loss_db: f64,
    /// How devices move.
    pub mobility: Mobility,
}

impl CellConfig {
    /// Check every component.
    pub fn validate(&self) -> Result<(), NetError> {
        self.placement.validate()?;
        self.path_loss.validate()?;
        self.fading.validate()?;
        self.uplink.validate()?;
        self.downlink.validate()?;
        self.rate.validate()?;
        self.error.validate()?;
        self.mobility.validate()?;
        if !(self.extra_loss_db.is_finite() && self.extra_loss_db >= 0.0) {
            return Err(NetError::invalid(
                "cell",
                "extra_loss_db",
                self.extra_loss_db,
                "a finite loss >= 0",
            ));
        }
        if let Some(s) = self.shadowing_db {
            if !(s.is_finite() && s >= 0.0) {
                return Err(NetError::invalid(
                    "cell",
                    "shadowing_db",
                    s,
                    "a finite spread >= 0",
                ));
            }
        }
        if self.coherence.0 == 0 {
            return Err(NetError::invalid(
                "cell",
                "coherence",
                0,
                "a coherence time > 0",
            ));
        }
        if !self.bs_tx_power_dbm.is_finite() {
            return Err(NetError::invalid(
                "cell",
                "bs_tx_power_dbm",
                self.bs_tx_power_dbm,
                "a finite power",
            ));
        }
        Ok(())
    }
}

/// One device's place in the cell.
#[derive(Copy, Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CellDevice {
    /// Ground distance to the base station \[m\].
    pub distance_m: f64,
    /// Uplink SNR without fading \[dB\].
    pub mean_snr_up_db: f64,
    /// Downlink SNR without fading \[dB\].
    pub mean_snr_down_db: f64,
}

/// What one transmission gets from the radio.
#[derive(Copy, Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RadioLink {
    /// SNR at the time of sending \[dB\].
    pub snr_db: f64,
    /// Spectral efficiency used [bit/s/Hz] (the table's lowest in outage).
    pub efficiency: f64,
    /// Rate over the whole band [bit/s].
    pub rate_bps: f64,
    /// Packet error rate (1 in outage).
    pub packet_error_rate: f64,
}

/// A cell: its configuration and every device's place.
///
/// Devices may be split into groups with configurations of their own (a scenario's overrides):
/// group 0 is the cell's configuration, and the band, the base station's receiver and the
/// downlink's band are group 0's for all.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Cell {
    configs: Vec<CellConfig>,
    /// Each device's group (empty: all in group 0).
    group: Vec<u16>,
    devices: Vec<CellDevice>,
    /// Each device's movement (empty when nobody moves).
    moving: Vec<Moving>,
    seed: u64,
}

/// A moving device: where it started, its sight, its path loss there, its current leg.
#[derive(Copy, Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Moving {
    start: Position,
    sight: Sight,
    start_loss_db: f64,
    walk: Walk,
}

impl Cell {
    /// Places one device per entry of `tx_power_dbm` (each device's transmit power \[dBm\]),
    /// drawing from the streams of `seed`.
    pub fn new(config: CellConfig, tx_power_dbm: &[f64], seed: u64) -> Result<Cell, NetError> {
        Cell::grouped(vec![config], Vec::new(), tx_power_dbm, seed)
    }

    /// As [`Cell::new`], device `d` in group `group[d]` with configuration `configs[group[d]]`
    /// (`group` empty: every device in group 0).
    pub fn grouped(
        configs: Vec<CellConfig>,
        group: Vec<u16>,
        tx_power_dbm: &[f64],
        seed: u64,
    ) -> Result<Cell, NetError> {
        if configs.is_empty() || !(group.is_empty() || group.len() == tx_power_dbm.len()) {
            return Err(NetError::invalid(
                "cell",
                "groups",
                group.len(),
                "a configuration, and a group for every device or for none",
            ));
        }
        if let Some(g) = group.iter().find(|&&g| usize::from(g) >= configs.len()) {
            return Err(NetError::invalid(
                "cell",
                "group",
                g,
                "the index of one of the configurations",
            ));
        }
        for config in &configs {
            config.validate()?;
            if let Placement::Explicit(positions) = &config.placement {
                if positions.len() != tx_power_dbm.len() {
                    return Err(NetError::invalid(
                        "placement",
                        "positions",
                        positions.len(),
                        "one position per device",
                    ));
                }
            }
        }
        if let Some(p) = tx_power_dbm.iter().find(|p| !p.is_finite()) {
            return Err(NetError::invalid(
                "cell",
                "tx_power_dbm",
                p,
                "a finite power",
            ));
        }
        let spots: Vec<_> = configs
            .iter()
            .map(|config| {
                config.placement.hot_spots(&mut stream(
                    seed,
                    Node::BaseStation,
                    Purpose::CellPlacement,
                ))
            })
            .collect();
        let mobile = configs.iter().any(|c| c.mobility != Mobility::Static);
        let mut moving = Vec::with_capacity(if mobile { tx_power_dbm.len() } else { 0 });
        let devices = tx_power_dbm
            .iter()
            .enumerate()
            .map(|(d, &power)| {
                let g = group.get(d).map_or(0, |&g| usize::from(g));
                let config = &configs[g];
                let mut rng = stream(seed, Node::Device(d as u32), Purpose::CellPlacement);
                let at = config.placement.position(d as u32, &spots[g], &mut rng);
                let distance_m = at.distance_m();
                let los = config.path_loss.los_probability(distance_m);
                let sight = match config.sight {
                    SightRule::Los => Sight::Los,
                    SightRule::Nlos => Sight::Nlos,
                    SightRule::Mixed if rng.random::<f64>() < los => Sight::Los,
                    SightRule::Mixed => Sight::Nlos,
                };
                let spread = config
                    .shadowing_db
                    .unwrap_or_else(|| config.path_loss.shadowing_std_db(sight));
                let z: f64 = StandardNormal.sample(&mut rng);
                let path_loss = config.path_loss.loss_db(distance_m, sight);
                let loss = path_loss + spread * z + config.extra_loss_db;
                if mobile {
                    moving.push(Moving {
                        start: at,
                        sight,
                        start_loss_db: path_loss,
                        walk: config.mobility.walk(seed, d as u32, at),
                    });
                }
                CellDevice {
                    distance_m,
                    mean_snr_up_db: config.uplink.mean_snr_db(power, loss),
                    mean_snr_down_db: config.downlink.mean_snr_db(config.bs_tx_power_dbm, loss),
                }
            })
            .collect();
        Ok(Cell {
            configs,
            group,
            devices,
            moving,
            seed,
        })
    }

    /// The configuration (group 0's: the cell's own).
    pub fn config(&self) -> &CellConfig {
        &self.configs[0]
    }

    /// Device `d`'s configuration.
    pub fn config_of(&self, d: u32) -> &CellConfig {
        let g = self.group.get(d as usize).map_or(0, |&g| usize::from(g));
        &self.configs[g]
    }

    /// Device `d`'s place.
    pub fn device(&self, d: u32) -> CellDevice {
        self.devices[d as usize]
    }

    /// Number of devices.
    pub fn devices(&self) -> usize {
        self.devices.len()
    }

    /// Device `d`'s fading power gain at `t`.
    pub fn fading_gain(&self, d: u32, t: SimTime) -> f64 {
        let config = self.config_of(d);
        config.fading.gain(self.seed, d, t, config.coherence)
    }

    /// Device `d`'s position and ground distance to the base station at `t` \[m\] (where it was
    /// placed, unless it moves).
    pub fn position_at(&mut self, d: u32, t: SimTime) -> Option<Position> {
        let seed = self.seed;
        let mobility = self.config_of(d).mobility;
        let m = self.moving.get_mut(d as usize)?;
        Some(mobility.position(seed, d, &mut m.walk, m.start, t))
    }

    /// How much device `d`'s path loss at `t` is below its path loss where it was placed \[dB\].
    fn moved_gain_db(&mut self, d: u32, t: SimTime) -> Option<f64> {
        let at = self.position_at(d, t)?;
        let m = self.moving[d as usize];
        let path_loss = self.config_of(d).path_loss;
        Some(m.start_loss_db - path_loss.loss_db(at.distance_m(), m.sight))
    }

    /// Device `d`'s uplink at `t`.
    pub fn uplink(&mut self, d: u32, t: SimTime) -> RadioLink {
        let mut mean = self.devices[d as usize].mean_snr_up_db;
        if let Some(gain) = self.moved_gain_db(d, t) {
            mean += gain;
        }
        self.radio(mean, d, t, self.config().uplink.bandwidth_hz)
    }

    /// Device `d`'s downlink at `t`.
    pub fn downlink(&mut self, d: u32, t: SimTime) -> RadioLink {
        let mut mean = self.devices[d as usize].mean_snr_down_db;
        if let Some(gain) = self.moved_gain_db(d, t) {
            mean += gain;
        }
        self.radio(mean, d, t, self.config().downlink.bandwidth_hz)
    }

    /// Device `d`'s radio link at a given SNR over `bandwidth_hz`.
    pub fn link_at(&self, d: u32, snr_db: f64, bandwidth_hz: f64) -> RadioLink {
        let config = self.config_of(d);
        let (efficiency, packet_error_rate) = match config.rate.efficiency(snr_db) {
            Some(e) => (e, config.error.packet_error_rate(snr_db)),
            None => (config.rate.floor_efficiency(), 1.0),
        };
        RadioLink {
            snr_db,
            efficiency,
            rate_bps: efficiency * bandwidth_hz,
            packet_error_rate,
        }
    }

    fn radio(&self, mean_snr_db: f64, d: u32, t: SimTime, bandwidth_hz: f64) -> RadioLink {
        let gain = self.fading_gain(d, t);
        self.link_at(d, mean_snr_db + 10.0 * gain.log10(), bandwidth_hz)
    }

    /// The highest downlink rate any device can get [bit/s].
    pub fn max_downlink_rate_bps(&self) -> f64 {
        let best = self
            .configs
            .iter()
            .map(|c| c.rate.max_efficiency())
            .fold(0.0, f64::max);
        best * self.config().downlink.bandwidth_hz
    }
}
