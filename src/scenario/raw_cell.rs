//! The raw `[cell]` section: a radio cell as written, every key optional, unknown keys rejected.
//! Checked and typed by `validate_cell.rs`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Device placements.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawPlacement {
    Disc,
    Annulus,
    Clusters,
    Explicit,
}

/// Path-loss models.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawPathLoss {
    FreeSpace,
    LogDistance,
    #[serde(rename = "3gpp-uma")]
    Uma,
    #[serde(rename = "3gpp-umi")]
    Umi,
}

/// Line-of-sight rules.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawSight {
    Los,
    Nlos,
    Mixed,
}

/// Fading models.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawFading {
    None,
    Rayleigh,
    Rician,
}

/// Rate models.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawRateModel {
    Shannon,
    Cqi,
}

/// Packet-error models.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawErrorModel {
    None,
    Threshold,
    Logistic,
}

/// Scheduling policies.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawScheduling {
    All,
    RandomK,
    BestChannel,
    RoundRobin,
    ProportionalFair,
    AgeOfUpdate,
}

/// Mobility models.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawMobility {
    Static,
    ConstantVelocity,
    RandomWaypoint,
}

/// How the uplink carries the uploads.
#[derive(Copy, Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawCellAggregation {
    Digital,
    OverTheAir,
}

/// `[cell]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawCell {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<RawPlacement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub radius: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inner_radius: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hot_spots: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hot_spot_spread: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub positions: Option<Vec<Vec<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_loss: Option<RawPathLoss>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exponent: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_distance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bs_height: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ue_height: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sight: Option<RawSight>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shadowing: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fading: Option<RawFading>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rician_k: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coherence: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bandwidth: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downlink_bandwidth: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx_power: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx_power_by_class: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pa_efficiency: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bs_tx_power: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bs_antenna_gain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_antenna_gain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noise_density: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bs_noise_figure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_noise_figure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<RawRateModel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snr_gap: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_efficiency: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<RawErrorModel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_snr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_slope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduling: Option<RawScheduling>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_loss: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobility: Option<RawMobility>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_speed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_speed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregation: Option<RawCellAggregation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub air_threshold: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub air_noise: Option<bool>,
    /// `override`: each a table of `devices = [first, last]` or `class = "name"` and per-device
    /// `[cell]` keys (checked by `validate_override.rs`).
    #[serde(rename = "override", skip_serializing_if = "Option::is_none")]
    pub overrides: Option<Vec<toml::Table>>,
}
