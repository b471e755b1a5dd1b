//! Validation of the network sections: `[channel.uplink]`, `[channel.downlink]`, `[availability]`.

use super::checks::Checker;
use super::error::ScenarioError;
use super::raw::*;
use super::spec::*;
use super::units::format_duration_ns as fmt_ns;
use crate::time::SimDuration;

/// Which link is being validated (defaults and allowed sharing differ).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum LinkDirection {
    Uplink,
    Downlink,
}

/// The uplink's sharing rules, as written.
const UPLINK_SHARINGS: &str =
    "one of \"equal-share\", \"proportional\", \"processor-sharing\", \"fifo\"";

/// Validates one link of a cell of `devices` devices (an uplink's `rate_per_device` scales with
/// them).
pub(crate) fn validate_link(
    c: &Checker,
    l: RawLink,
    dir: LinkDirection,
    devices: u64,
) -> Result<LinkSpec, ScenarioError> {
    let (prefix, default_rate) = match dir {
        LinkDirection::Uplink => ("channel.uplink", 10_000_000),
        LinkDirection::Downlink => ("channel.downlink", 50_000_000),
    };
    let key = |field: &str| format!("{prefix}.{field}");
    let sharing = match dir {
        LinkDirection::Uplink => {
            c.forbid(
                &key("mode"),
                &l.mode,
                "the uplink uses `sharing`; `mode` is for the downlink",
            )?;
            match l.sharing.unwrap_or(RawSharing::EqualShare) {
                RawSharing::EqualShare => LinkSharing::EqualShare,
                RawSharing::Proportional => LinkSharing::Proportional,
                RawSharing::ProcessorSharing => LinkSharing::ProcessorSharing,
                RawSharing::Fifo => LinkSharing::Fifo,
                other => {
                    return Err(c.invalid(&key("sharing"), UPLINK_SHARINGS, format!("{other:?}")))
                }
            }
        }
        LinkDirection::Downlink => {
            c.forbid(
                &key("sharing"),
                &l.sharing,
                "the downlink uses `mode`; `sharing` is for the uplink",
            )?;
            match l.mode.unwrap_or(RawSharing::Broadcast) {
                RawSharing::Broadcast => LinkSharing::Broadcast,
                RawSharing::Unicast => LinkSharing::Unicast,
                other => {
                    return Err(c.invalid(
                        &key("mode"),
                        "one of \"broadcast\", \"unicast\"",
                        format!("{other:?}"),
                    ))
                }
            }
        }
    };
    let mtu_bytes = c.size(&key("mtu"), l.mtu.as_ref(), 1500)?;
    let header_bytes = c.size(&key("header"), l.header.as_ref(), 40)?;
    if mtu_bytes <= header_bytes {
        return Err(c.invalid(
            &key("mtu"),
            &format!("a size larger than {prefix}.header ({header_bytes} B)"),
            format!("{mtu_bytes} B"),
        ));
    }
    let rate_bps = match (&l.rate, &l.rate_per_device) {
        (rate, None) => c.rate(&key("rate"), rate.as_ref(), default_rate)?,
        (rate, Some(per)) => {
            let expected = match (dir, rate) {
                (LinkDirection::Downlink, _) => Some(
                    "no value: only the uplink is shared by the devices (set \
                     channel.downlink.rate)",
                ),
                (LinkDirection::Uplink, Some(_)) => Some(
                    "either channel.uplink.rate (the whole uplink) or \
                     channel.uplink.rate_per_device (times fl.devices), not both",
                ),
                (LinkDirection::Uplink, None) => None,
            };
            if let Some(expected) = expected {
                return Err(c.invalid(&key("rate_per_device"), expected, per));
            }
            let per_bps = c.rate(&key("rate_per_device"), Some(per), default_rate)?;
            let too_fast =
                format!("a rate whose product with fl.devices = {devices} stays below 2^64 bit/s");
            per_bps
                .checked_mul(devices)
                .ok_or_else(|| c.invalid(&key("rate_per_device"), &too_fast, per))?
        }
    };
    Ok(LinkSpec {
        rate_bps,
        sharing,
        latency: validate_latency(c, &key("latency"), l.latency.unwrap_or_default())?,
        mtu_bytes,
        header_bytes,
        loss: validate_loss(c, &key("loss"), l.loss.unwrap_or_default())?,
        retries: c.int(&key("retries"), l.retries, 3, 0, 1000)? as u32,
        retry_delay: c.duration(&key("retry_delay"), l.retry_delay.as_ref(), 0)?,
    })
}

fn validate_latency(c: &Checker, prefix: &str, l: RawLatency) -> Result<Latency, ScenarioError> {
    let kind = l.kind.unwrap_or(RawLatencyKind::Constant);
    let allowed: &[&str] = match kind {
        RawLatencyKind::Constant => &["value"],
        RawLatencyKind::Uniform => &["min", "max"],
        RawLatencyKind::Normal => &["mean", "std"],
        RawLatencyKind::Lognormal => &["median", "sigma"],
        RawLatencyKind::ShiftedExponential => &["shift", "mean"],
        RawLatencyKind::Pareto => &["scale", "shape"],
    };
    let present = [
        ("value", l.value.is_some()),
        ("min", l.min.is_some()),
        ("max", l.max.is_some()),
        ("mean", l.mean.is_some()),
        ("std", l.std.is_some()),
        ("median", l.median.is_some()),
        ("sigma", l.sigma.is_some()),
        ("shift", l.shift.is_some()),
        ("scale", l.scale.is_some()),
        ("shape", l.shape.is_some()),
    ];
    for (name, is_set) in present {
        if is_set && !allowed.contains(&name) {
            return Err(c.invalid(
                &format!("{prefix}.{name}"),
                &format!("only {allowed:?} with kind = {kind:?}"),
                format!("{name} set"),
            ));
        }
    }
    let key = |field: &str| format!("{prefix}.{field}");
    let why = format!("kind {kind:?} needs {allowed:?}");
    let dur = |field: &str, v: &Option<String>| -> Result<SimDuration, ScenarioError> {
        let s = c.require(&key(field), v, &why)?;
        c.duration(&key(field), Some(s), 0)
    };
    let positive = |field: &str, v: Option<f64>| -> Result<f64, ScenarioError> {
        c.require(&key(field), &v, &why)?;
        c.real(&key(field), v, 0.0, "a number > 0", |x| x > 0.0)
    };
    Ok(match kind {
        RawLatencyKind::Constant => {
            Latency::Constant(c.duration(&key("value"), l.value.as_ref(), 10_000_000)?)
        }
        RawLatencyKind::Uniform => {
            let (min, max) = (dur("min", &l.min)?, dur("max", &l.max)?);
            if min > max {
                return Err(c.invalid(
                    &key("min"),
                    &format!("min <= max ({})", fmt_ns(max.0)),
                    fmt_ns(min.0),
                ));
            }
            Latency::Uniform { min, max }
        }
        RawLatencyKind::Normal => Latency::Normal {
            mean: dur("mean", &l.mean)?,
            std: dur("std", &l.std)?,
        },
        RawLatencyKind::Lognormal => Latency::LogNormal {
            median: dur("median", &l.median)?,
            sigma: positive("sigma", l.sigma)?,
        },
        RawLatencyKind::ShiftedExponential => Latency::ShiftedExponential {
            shift: dur("shift", &l.shift)?,
            mean: dur("mean", &l.mean)?,
        },
        RawLatencyKind::Pareto => {
            let scale = dur("scale", &l.scale)?;
            if scale.0 == 0 {
                return Err(c.invalid(&key("scale"), "a duration > 0", "0 ns"));
            }
            Latency::Pareto {
                scale,
                shape: positive("shape", l.shape)?,
            }
        }
    })
}

fn validate_loss(c: &Checker, prefix: &str, l: RawLoss) -> Result<LossModel, ScenarioError> {
    let key = |field: &str| format!("{prefix}.{field}");
    let kind = l.kind.unwrap_or(RawLossKind::None);
    if kind != RawLossKind::Bernoulli {
        c.forbid(&key("p"), &l.p, "only with kind = \"bernoulli\"")?;
    }
    if kind != RawLossKind::GilbertElliott {
        c.forbid(
            &key("mean_loss"),
            &l.mean_loss,
            "only with kind = \"gilbert-elliott\"",
        )?;
        c.forbid(
            &key("mean_burst"),
            &l.mean_burst,
            "only with kind = \"gilbert-elliott\"",
        )?;
    }
    let probability = |field: &str, v: Option<f64>, why: &str| -> Result<f64, ScenarioError> {
        c.require(&key(field), &v, why)?;
        c.real(&key(field), v, 0.0, "a probability in [0, 1)", |x| {
            (0.0..1.0).contains(&x)
        })
    };
    Ok(match kind {
        RawLossKind::None => LossModel::None,
        RawLossKind::Bernoulli => LossModel::Bernoulli {
            p: probability("p", l.p, "kind = \"bernoulli\" needs p")?,
        },
        RawLossKind::GilbertElliott => {
            let why = "kind = \"gilbert-elliott\" needs mean_loss and mean_burst";
            let mean_loss = probability("mean_loss", l.mean_loss, why)?;
            c.require(&key("mean_burst"), &l.mean_burst, why)?;
            let mean_burst = c.real(
                &key("mean_burst"),
                l.mean_burst,
                1.0,
                "a number >= 1 [packets]",
                |x| x >= 1.0,
            )?;
            LossModel::GilbertElliott {
                mean_loss,
                mean_burst,
            }
        }
    })
}

pub(crate) fn validate_availability(
    c: &Checker,
    a: RawAvailability,
    devices: u64,
) -> Result<AvailabilitySpec, ScenarioError> {
    let kind = a.kind.unwrap_or(RawAvailabilityKind::Always);
    if kind != RawAvailabilityKind::OnOff {
        c.forbid(
            "availability.mean_on",
            &a.mean_on,
            "only with kind = \"on-off\"",
        )?;
        c.forbid(
            "availability.mean_off",
            &a.mean_off,
            "only with kind = \"on-off\"",
        )?;
    }
    if kind != RawAvailabilityKind::Schedule {
        c.forbid(
            "availability.schedule",
            &a.schedule,
            "only with kind = \"schedule\"",
        )?;
    }
    Ok(match kind {
        RawAvailabilityKind::Always => AvailabilitySpec::Always,
        RawAvailabilityKind::OnOff => AvailabilitySpec::OnOff {
            mean_on: c.positive_duration(
                "availability.mean_on",
                a.mean_on.as_ref(),
                60_000_000_000,
            )?,
            mean_off: c.positive_duration(
                "availability.mean_off",
                a.mean_off.as_ref(),
                10_000_000_000,
            )?,
        },
        RawAvailabilityKind::Schedule => {
            let raw = c.require(
                "availability.schedule",
                &a.schedule,
                "kind = \"schedule\" needs a schedule",
            )?;
            let mut outages = Vec::with_capacity(raw.len());
            for (i, o) in raw.iter().enumerate() {
                let key = |field: &str| format!("availability.schedule[{i}].{field}");
                let device =
                    *c.require(&key("device"), &o.device, "every outage names a device")?;
                if !(0..devices as i64).contains(&device) {
                    return Err(c.invalid(
                        &key("device"),
                        &format!(
                            "a device id in [0, {}] (fl.devices = {devices})",
                            devices - 1
                        ),
                        device,
                    ));
                }
                let off_from = c.duration(
                    &key("off_from"),
                    Some(c.require(&key("off_from"), &o.off_from, "every outage has off_from")?),
                    0,
                )?;
                let off_to = c.duration(
                    &key("off_to"),
                    Some(c.require(&key("off_to"), &o.off_to, "every outage has off_to")?),
                    0,
                )?;
                if off_from >= off_to {
                    return Err(c.invalid(
                        &key("off_to"),
                        &format!("a time after off_from ({})", fmt_ns(off_from.0)),
                        fmt_ns(off_to.0),
                    ));
                }
                outages.push(Outage {
                    device: device as u64,
                    off_from,
                    off_to,
                });
            }
            outages.sort_by_key(|o| (o.device, o.off_from, o.off_to));
            AvailabilitySpec::Schedule { outages }
        }
    })
}
