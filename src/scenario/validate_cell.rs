//! Validation of `[cell]`: a radio cell whose geometry, propagation and link budget give each
//! device its own link. Produces a [`CellSpec`] holding a ready [`CellConfig`].
//!
//! With a cell, the rates and losses of `[channel.uplink]` / `[channel.downlink]` come from the
//! SNR, so `rate` must not be given there and `loss` must be `none`; `sharing` (uplink) keeps its
//! meaning as the multiple access (equal-share: OFDMA fixed split, processor-sharing: OFDMA
//! re-split, fifo: TDMA), `mode` (downlink) as broadcast or unicast.

use super::checks::Checker;
use super::error::ScenarioError;
use super::raw::{RawFlMode, RawParticipation, RawScenario};
use super::raw_cell::*;
use super::spec::{CellSpec, DeviceClass, LinkSpec};
use super::units::{self, UnitError};
use crate::fl::Scheduling;
use crate::net::{
    CellConfig, ErrorModel, Fading, LinkBudget, LossModel, Mobility, PathLoss, Placement, Position,
    RateModel, SightRule, LTE_CQI,
};

type Parse = fn(&str) -> Result<f64, UnitError>;

impl Checker {
    /// A real unit string parsed by `parse`, `default` when absent.
    pub(crate) fn level(
        &self,
        key: &str,
        value: Option<&String>,
        default: f64,
        parse: Parse,
    ) -> Result<f64, ScenarioError> {
        match value {
            None => Ok(default),
            Some(s) => parse(s).map_err(|e| {
                self.invalid(
                    key,
                    e.quantity.expected(),
                    format!("{:?} ({})", e.got, e.reason),
                )
            }),
        }
    }

    /// As `level`, and `ok` must hold (described by `allowed`).
    fn level_where(
        &self,
        key: &str,
        value: Option<&String>,
        default: f64,
        parse: Parse,
        allowed: &str,
        ok: impl Fn(f64) -> bool,
    ) -> Result<f64, ScenarioError> {
        let v = self.level(key, value, default, parse)?;
        if ok(v) {
            Ok(v)
        } else {
            Err(self.invalid(
                key,
                allowed,
                format!("{:?}", value.map_or("", |s| s.as_str())),
            ))
        }
    }
}

/// `[cell]`, if present, checked against the devices, their classes and the links.
pub(crate) fn validate_cell(
    c: &Checker,
    raw: &RawScenario,
    devices: u64,
    classes: &[DeviceClass],
    uplink: &LinkSpec,
    downlink: &LinkSpec,
) -> Result<Option<CellSpec>, ScenarioError> {
    let Some(cell) = raw.cell.clone() else {
        return Ok(None);
    };
    let channel = raw.channel.clone().unwrap_or_default();
    let why = "with [cell] the rate comes from each device's SNR";
    for (prefix, link) in [
        ("channel.uplink", channel.uplink),
        ("channel.downlink", channel.downlink),
    ] {
        let link = link.unwrap_or_default();
        c.forbid(&format!("{prefix}.rate"), &link.rate, why)?;
        c.forbid(
            &format!("{prefix}.rate_per_device"),
            &link.rate_per_device,
            why,
        )?;
    }
    for (prefix, spec) in [("channel.uplink", uplink), ("channel.downlink", downlink)] {
        if spec.loss != LossModel::None {
            return Err(c.invalid(
                &format!("{prefix}.loss.kind"),
                "\"none\" (with [cell] packets are lost at the error rate of their SNR: cell.error)",
                format!("{:?}", spec.loss),
            ));
        }
    }
    // `cell.override` entries are checked by the caller (validate_override), against this.
    validate_one(c, raw, &cell, devices, classes).map(Some)
}

/// One configuration of the cell: the section itself, or the section merged with an override.
pub(crate) fn validate_one(
    c: &Checker,
    raw: &RawScenario,
    cell: &RawCell,
    devices: u64,
    classes: &[DeviceClass],
) -> Result<CellSpec, ScenarioError> {
    let cell = cell.clone();
    let placement = placement(c, &cell, devices)?;
    let path_loss = path_loss(c, &cell)?;
    let positive = |v: f64| v > 0.0;
    let finite = |v: f64| v.is_finite();
    let bandwidth = c.level_where(
        "cell.bandwidth",
        cell.bandwidth.as_ref(),
        20e6,
        units::parse_frequency_hz,
        "a bandwidth > 0 like \"20MHz\"",
        positive,
    )?;
    let downlink_bandwidth = c.level_where(
        "cell.downlink_bandwidth",
        cell.downlink_bandwidth.as_ref(),
        bandwidth,
        units::parse_frequency_hz,
        "a bandwidth > 0 like \"20MHz\"",
        positive,
    )?;
    let db = |key: &str, v: &Option<String>, default: f64| {
        c.level(&format!("cell.{key}"), v.as_ref(), default, units::parse_db)
    };
    let noise = c.level(
        "cell.noise_density",
        cell.noise_density.as_ref(),
        -174.0,
        units::parse_dbm_per_hz,
    )?;
    let bs_gain = db("bs_antenna_gain", &cell.bs_antenna_gain, 0.0)?;
    let device_gain = db("device_antenna_gain", &cell.device_antenna_gain, 0.0)?;
    let budget = |bandwidth_hz, tx_gain_db, rx_gain_db, noise_figure_db| LinkBudget {
        bandwidth_hz,
        tx_gain_db,
        rx_gain_db,
        noise_density_dbm_hz: noise,
        noise_figure_db,
    };
    let uplink_budget = budget(
        bandwidth,
        device_gain,
        bs_gain,
        db("bs_noise_figure", &cell.bs_noise_figure, 5.0)?,
    );
    let downlink_budget = budget(
        downlink_bandwidth,
        bs_gain,
        device_gain,
        db("device_noise_figure", &cell.device_noise_figure, 9.0)?,
    );
    let fading = match cell.fading.unwrap_or(RawFading::None) {
        RawFading::None => Fading::None,
        RawFading::Rayleigh => Fading::Rayleigh,
        RawFading::Rician => {
            let k_db = db("rician_k", &cell.rician_k, 6.0)?;
            Fading::Rician {
                k: 10f64.powf(k_db / 10.0),
            }
        }
    };
    if cell.fading != Some(RawFading::Rician) {
        c.forbid(
            "cell.rician_k",
            &cell.rician_k,
            "only with fading = \"rician\"",
        )?;
    }
    let coherence = c.positive_duration("cell.coherence", cell.coherence.as_ref(), 10_000_000)?;
    let rate = match cell.rate.unwrap_or(RawRateModel::Shannon) {
        RawRateModel::Shannon => RateModel::Shannon {
            gap_db: c.level_where(
                "cell.snr_gap",
                cell.snr_gap.as_ref(),
                0.0,
                units::parse_db,
                "a gap >= 0dB",
                |v| v >= 0.0,
            )?,
            max_efficiency: c.real(
                "cell.max_efficiency",
                cell.max_efficiency,
                7.4063,
                "an efficiency > 0 [bit/s/Hz]",
                positive,
            )?,
        },
        RawRateModel::Cqi => {
            c.forbid(
                "cell.snr_gap",
                &cell.snr_gap,
                "only with rate = \"shannon\"",
            )?;
            c.forbid(
                "cell.max_efficiency",
                &cell.max_efficiency,
                "only with rate = \"shannon\"",
            )?;
            RateModel::Table {
                entries: LTE_CQI.to_vec(),
            }
        }
    };
    let error_snr = |default| db("error_snr", &cell.error_snr, default);
    let error = match cell.error.unwrap_or(RawErrorModel::None) {
        RawErrorModel::None => {
            c.forbid(
                "cell.error_snr",
                &cell.error_snr,
                "only with an error model",
            )?;
            ErrorModel::None
        }
        RawErrorModel::Threshold => ErrorModel::Threshold {
            snr_db: error_snr(0.0)?,
        },
        RawErrorModel::Logistic => ErrorModel::Logistic {
            snr_db: error_snr(0.0)?,
            slope_db: c.level_where(
                "cell.error_slope",
                cell.error_slope.as_ref(),
                1.0,
                units::parse_db,
                "a slope > 0dB",
                positive,
            )?,
        },
    };
    if cell.error != Some(RawErrorModel::Logistic) {
        c.forbid(
            "cell.error_slope",
            &cell.error_slope,
            "only with error = \"logistic\"",
        )?;
    }
    let tx_power = c.level(
        "cell.tx_power",
        cell.tx_power.as_ref(),
        23.0,
        units::parse_dbm,
    )?;
    let by_class = cell.tx_power_by_class.clone().unwrap_or_default();
    for name in by_class.keys() {
        if !classes.iter().any(|k| &k.name == name) {
            let names: Vec<&str> = classes.iter().map(|k| k.name.as_str()).collect();
            return Err(c.invalid(
                &format!("cell.tx_power_by_class.{name}"),
                &format!("a device class name, one of {names:?}"),
                name,
            ));
        }
    }
    let tx_power_dbm = classes
        .iter()
        .map(|k| {
            let key = format!("cell.tx_power_by_class.{}", k.name);
            c.level(&key, by_class.get(&k.name), tx_power, units::parse_dbm)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let config = CellConfig {
        placement: placement.clone(),
        path_loss,
        sight: match cell.sight.unwrap_or(RawSight::Los) {
            RawSight::Los => SightRule::Los,
            RawSight::Nlos => SightRule::Nlos,
            RawSight::Mixed => SightRule::Mixed,
        },
        shadowing_db: match &cell.shadowing {
            None => None,
            Some(s) => Some(c.level_where(
                "cell.shadowing",
                Some(s),
                0.0,
                units::parse_db,
                "a spread >= 0dB",
                |v| v >= 0.0,
            )?),
        },
        fading,
        coherence,
        uplink: uplink_budget,
        downlink: downlink_budget,
        bs_tx_power_dbm: c.level(
            "cell.bs_tx_power",
            cell.bs_tx_power.as_ref(),
            43.0,
            units::parse_dbm,
        )?,
        rate,
        error,
        extra_loss_db: c.level_where(
            "cell.extra_loss",
            cell.extra_loss.as_ref(),
            0.0,
            units::parse_db,
            "a loss >= 0dB like \"20dB\"",
            |v| v >= 0.0,
        )?,
        mobility: mobility(c, &cell, &placement)?,
    };
    config
        .validate()
        .map_err(|e| c.invalid("cell", "a consistent cell", e))?;
    let pa_efficiency = c.real(
        "cell.pa_efficiency",
        cell.pa_efficiency,
        0.5,
        "an efficiency in (0, 1]",
        |v| v > 0.0 && v <= 1.0 && finite(v),
    )?;
    let scheduling = scheduling(c, raw, &cell, devices)?;
    let over_the_air = super::validate_air::over_the_air(c, raw, &cell)?;
    Ok(CellSpec {
        config,
        tx_power_dbm,
        pa_efficiency,
        scheduling,
        over_the_air,
        overrides: Vec::new(),
        raw: cell,
    })
}

fn scheduling(
    c: &Checker,
    raw: &RawScenario,
    cell: &RawCell,
    devices: u64,
) -> Result<Option<Scheduling>, ScenarioError> {
    let policy = cell.scheduling.unwrap_or(RawScheduling::All);
    let make: fn(u32) -> Scheduling = match policy {
        RawScheduling::All => {
            c.forbid(
                "cell.scheduled",
                &cell.scheduled,
                "only with a scheduling policy",
            )?;
            return Ok(None);
        }
        RawScheduling::RandomK => Scheduling::RandomK,
        RawScheduling::BestChannel => Scheduling::BestChannel,
        RawScheduling::RoundRobin => Scheduling::RoundRobin,
        RawScheduling::ProportionalFair => Scheduling::ProportionalFair,
        RawScheduling::AgeOfUpdate => Scheduling::AgeOfUpdate,
    };
    let fl = raw.fl.clone().unwrap_or_default();
    if fl.participation.is_some_and(|p| p != RawParticipation::All) {
        return Err(c.invalid(
            "fl.participation",
            "\"all\" (cell.scheduling picks the participants)",
            format!("{:?}", fl.participation),
        ));
    }
    if fl.mode.is_some_and(|m| m != RawFlMode::Sync) {
        return Err(c.invalid(
            "cell.scheduling",
            "\"all\" unless fl.mode = \"sync\" (only synchronous rounds are scheduled)",
            format!("{policy:?}"),
        ));
    }
    let k = c.int(
        "cell.scheduled",
        Some(*c.require(
            "cell.scheduled",
            &cell.scheduled,
            "a scheduling policy needs the number of devices per round",
        )?),
        1,
        1,
        devices,
    )? as u32;
    Ok(Some(make(k)))
}

fn mobility(c: &Checker, cell: &RawCell, placement: &Placement) -> Result<Mobility, ScenarioError> {
    let kind = cell.mobility.unwrap_or(RawMobility::Static);
    if kind == RawMobility::Static {
        let why = "only with mobility = \"constant-velocity\" or \"random-waypoint\"";
        c.forbid("cell.min_speed", &cell.min_speed, why)?;
        c.forbid("cell.max_speed", &cell.max_speed, why)?;
        return Ok(Mobility::Static);
    }
    let min = c.level(
        "cell.min_speed",
        Some(c.require(
            "cell.min_speed",
            &cell.min_speed,
            "a moving device needs a speed",
        )?),
        0.0,
        units::parse_speed_mps,
    )?;
    let max = c.level(
        "cell.max_speed",
        cell.max_speed.as_ref(),
        min,
        units::parse_speed_mps,
    )?;
    if max < min {
        return Err(c.invalid(
            "cell.max_speed",
            &format!("a speed >= cell.min_speed ({min} m/s)"),
            format!("{max} m/s"),
        ));
    }
    Ok(match kind {
        RawMobility::Static | RawMobility::ConstantVelocity => Mobility::ConstantVelocity {
            min_speed_mps: min,
            max_speed_mps: max,
        },
        RawMobility::RandomWaypoint => {
            if min <= 0.0 {
                return Err(c.invalid(
                    "cell.min_speed",
                    "a speed > 0 (a random-waypoint leg at 0 m/s never ends)",
                    format!("{min} m/s"),
                ));
            }
            let (inner_m, outer_m) = match *placement {
                Placement::Annulus { inner_m, outer_m }
                | Placement::Clusters {
                    inner_m, outer_m, ..
                } => (inner_m, outer_m),
                Placement::Explicit(_) => {
                    return Err(c.invalid(
                        "cell.mobility",
                        "\"static\" or \"constant-velocity\" with placement = \"explicit\" (random waypoints fill the cell's radius)",
                        "\"random-waypoint\"",
                    ))
                }
            };
            Mobility::RandomWaypoint {
                min_speed_mps: min,
                max_speed_mps: max,
                inner_m,
                outer_m,
            }
        }
    })
}

fn placement(c: &Checker, cell: &RawCell, devices: u64) -> Result<Placement, ScenarioError> {
    let kind = cell.placement.unwrap_or(RawPlacement::Disc);
    let dist = |key: &str, v: &Option<String>, default: f64| {
        c.level(
            &format!("cell.{key}"),
            v.as_ref(),
            default,
            units::parse_distance_m,
        )
    };
    let only = |key: &str, present: bool, kinds: &str| {
        c.forbid(
            &format!("cell.{key}"),
            &present.then_some(()),
            &format!("only with placement = {kinds}"),
        )
    };
    if kind != RawPlacement::Clusters {
        only("hot_spots", cell.hot_spots.is_some(), "\"clusters\"")?;
        only(
            "hot_spot_spread",
            cell.hot_spot_spread.is_some(),
            "\"clusters\"",
        )?;
    }
    if kind != RawPlacement::Explicit {
        only("positions", cell.positions.is_some(), "\"explicit\"")?;
    }
    let annulus = || -> Result<(f64, f64), ScenarioError> {
        let outer = dist("radius", &cell.radius, 500.0)?;
        let inner = dist("inner_radius", &cell.inner_radius, 0.0)?;
        if outer <= inner {
            return Err(c.invalid(
                "cell.radius",
                &format!("a radius above cell.inner_radius ({inner} m)"),
                format!("{outer} m"),
            ));
        }
        Ok((inner, outer))
    };
    Ok(match kind {
        RawPlacement::Disc => {
            only(
                "inner_radius",
                cell.inner_radius.is_some(),
                "\"annulus\" or \"clusters\"",
            )?;
            let (inner_m, outer_m) = annulus()?;
            Placement::Annulus { inner_m, outer_m }
        }
        RawPlacement::Annulus => {
            let (inner_m, outer_m) = annulus()?;
            Placement::Annulus { inner_m, outer_m }
        }
        RawPlacement::Clusters => {
            let (inner_m, outer_m) = annulus()?;
            Placement::Clusters {
                count: c.int("cell.hot_spots", cell.hot_spots, 4, 1, 100_000)? as u32,
                inner_m,
                outer_m,
                spread_m: dist("hot_spot_spread", &cell.hot_spot_spread, 30.0)?,
            }
        }
        RawPlacement::Explicit => {
            only(
                "radius",
                cell.radius.is_some(),
                "\"disc\", \"annulus\" or \"clusters\"",
            )?;
            let rows = c.require(
                "cell.positions",
                &cell.positions,
                "placement = \"explicit\" lists one [x, y] per device",
            )?;
            if rows.len() as u64 != devices {
                return Err(c.invalid(
                    "cell.positions",
                    &format!("one [x, y] per device ({devices}, fl.devices)"),
                    format!("{} positions", rows.len()),
                ));
            }
            let mut positions = Vec::with_capacity(rows.len());
            for (i, row) in rows.iter().enumerate() {
                let [x, y] = row.as_slice() else {
                    return Err(c.invalid(
                        &format!("cell.positions[{i}]"),
                        "two distances [x, y] like [\"100m\", \"-20m\"]",
                        format!("{} values", row.len()),
                    ));
                };
                let coordinate = |key: String, v: &String| {
                    c.level(&key, Some(v), 0.0, |s| match s.trim().strip_prefix('-') {
                        Some(rest) => units::parse_distance_m(rest).map(|v| -v),
                        None => units::parse_distance_m(s),
                    })
                };
                positions.push(Position {
                    x_m: coordinate(format!("cell.positions[{i}][0]"), x)?,
                    y_m: coordinate(format!("cell.positions[{i}][1]"), y)?,
                });
            }
            Placement::Explicit(positions)
        }
    })
}

fn path_loss(c: &Checker, cell: &RawCell) -> Result<PathLoss, ScenarioError> {
    let kind = cell.path_loss.unwrap_or(RawPathLoss::FreeSpace);
    let carrier_hz = c.level_where(
        "cell.carrier",
        cell.carrier.as_ref(),
        3.5e9,
        units::parse_frequency_hz,
        "a carrier > 0 like \"3.5GHz\"",
        |v| v > 0.0,
    )?;
    let dist = |key: &str, v: &Option<String>, default: f64| {
        c.level(
            &format!("cell.{key}"),
            v.as_ref(),
            default,
            units::parse_distance_m,
        )
    };
    let three_gpp = kind == RawPathLoss::Uma || kind == RawPathLoss::Umi;
    if !three_gpp {
        let why = "only with path_loss = \"3gpp-uma\" or \"3gpp-umi\"";
        c.forbid("cell.bs_height", &cell.bs_height, why)?;
        c.forbid("cell.ue_height", &cell.ue_height, why)?;
    }
    if kind != RawPathLoss::LogDistance {
        let why = "only with path_loss = \"log-distance\"";
        c.forbid("cell.exponent", &cell.exponent, why)?;
        c.forbid("cell.reference_distance", &cell.reference_distance, why)?;
    }
    let heights = |default_bs| -> Result<(f64, f64), ScenarioError> {
        let bs = dist("bs_height", &cell.bs_height, default_bs)?;
        let ue = dist("ue_height", &cell.ue_height, 1.5)?;
        if bs <= 1.0 {
            return Err(c.invalid("cell.bs_height", "a height above 1m", format!("{bs} m")));
        }
        if ue <= 1.0 || ue >= bs {
            return Err(c.invalid(
                "cell.ue_height",
                &format!("a height above 1m and below cell.bs_height ({bs} m)"),
                format!("{ue} m"),
            ));
        }
        Ok((bs, ue))
    };
    Ok(match kind {
        RawPathLoss::FreeSpace => PathLoss::FreeSpace { carrier_hz },
        RawPathLoss::LogDistance => PathLoss::LogDistance {
            carrier_hz,
            exponent: c.real(
                "cell.exponent",
                cell.exponent,
                3.0,
                "an exponent >= 1",
                |v| v >= 1.0,
            )?,
            reference_m: {
                let r = dist("reference_distance", &cell.reference_distance, 1.0)?;
                if r <= 0.0 {
                    return Err(c.invalid("cell.reference_distance", "a distance > 0", r));
                }
                r
            },
        },
        RawPathLoss::Uma => {
            let (bs_height_m, ue_height_m) = heights(25.0)?;
            PathLoss::Uma {
                carrier_hz,
                bs_height_m,
                ue_height_m,
            }
        }
        RawPathLoss::Umi => {
            let (bs_height_m, ue_height_m) = heights(10.0)?;
            PathLoss::Umi {
                carrier_hz,
                bs_height_m,
                ue_height_m,
            }
        }
    })
}
