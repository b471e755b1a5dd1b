//! Checks `[[faults]]`: each entry's kind, start, end and targets, typed, with errors naming the
//! entry's key (`faults[2].end`) and what it takes.

use super::checks::Checker;
use super::error::ScenarioError;
use super::raw_faults::{RawFault, RawFaultKind, RawRoundLogic};
use super::spec::{DeviceClass, FaultSpec, FaultTargets, FlSpec, Mode};
use crate::fl::{FaultKind, FaultTime, OutagePolicy};
use crate::time::{SimDuration, SimTime};

/// Most `[[faults]]` entries.
pub const MAX_FAULTS: usize = 10_000;

/// Most device slots over all entries' targets (each entry counts the devices it may name: every
/// device when it names classes, a fraction or nothing).
pub const MAX_FAULT_TARGETS: u64 = 1_000_000;

/// The devices an entry may name, at most.
fn target_bound(f: &FaultSpec, devices: u64) -> u64 {
    match (
        &f.kind,
        f.targets.devices.is_empty(),
        f.targets.classes.is_empty(),
    ) {
        (FaultKind::Outage(_), _, _) => 0,
        (_, false, true) => f.targets.devices.len() as u64,
        _ => devices,
    }
}

/// The device slots of all of `faults` in a run of `devices` devices, at most (for the memory
/// estimate).
pub(crate) fn fault_targets(faults: &[FaultSpec], devices: u64) -> u64 {
    faults
        .iter()
        .map(|f| target_bound(f, devices))
        .fold(0, u64::saturating_add)
}

/// Validates `raw` for a run of `fl` with `rounds` rounds and `classes`.
pub(crate) fn validate_faults(
    c: &Checker,
    raw: Option<&[RawFault]>,
    fl: &FlSpec,
    rounds: u64,
    classes: &[DeviceClass],
) -> Result<Vec<FaultSpec>, ScenarioError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    if raw.len() > MAX_FAULTS {
        return Err(c.invalid(
            "faults",
            &format!("at most {MAX_FAULTS} entries"),
            raw.len(),
        ));
    }
    let mut slots = 0u64;
    let mut out = Vec::with_capacity(raw.len());
    for (i, f) in raw.iter().enumerate() {
        let spec = fault(c, i, f, fl, rounds, classes)?;
        slots = slots.saturating_add(target_bound(&spec, fl.devices));
        if slots > MAX_FAULT_TARGETS {
            return Err(c.invalid(
                &format!("faults[{i}]"),
                &format!(
                    "targets naming at most {MAX_FAULT_TARGETS} devices over all entries \
                     (an entry with classes, a fraction or no targets names every device)"
                ),
                slots,
            ));
        }
        out.push(spec);
    }
    Ok(out)
}

fn fault(
    c: &Checker,
    i: usize,
    f: &RawFault,
    fl: &FlSpec,
    rounds: u64,
    classes: &[DeviceClass],
) -> Result<FaultSpec, ScenarioError> {
    let key = |field: &str| format!("faults[{i}].{field}");
    let raw_kind = *c.require(
        &key("kind"),
        &f.kind,
        "one of \"crash\", \"pause\", \"outage\", \"partition\", \"corruption\", \"slowdown\"",
    )?;
    let only = |field: &str, present: bool, kinds: &str| {
        if present {
            Err(c.invalid(
                &key(field),
                &format!("no value (it applies to kind {kinds} only)"),
                "a value",
            ))
        } else {
            Ok(())
        }
    };
    let is = |k: RawFaultKind| raw_kind == k;
    only(
        "round_logic",
        f.round_logic.is_some() && !is(RawFaultKind::Outage),
        "\"outage\"",
    )?;
    let corruption = is(RawFaultKind::Corruption);
    only(
        "probability",
        f.probability.is_some() && !corruption,
        "\"corruption\"",
    )?;
    only(
        "undetected",
        f.undetected.is_some() && !corruption,
        "\"corruption\"",
    )?;
    only(
        "factor",
        f.factor.is_some() && !is(RawFaultKind::Slowdown),
        "\"slowdown\"",
    )?;
    let probability = |field: &str, v: Option<f64>| {
        c.real(&key(field), v, 0.0, "a probability in [0, 1]", |p| {
            (0.0..=1.0).contains(&p)
        })
    };
    let kind = match raw_kind {
        RawFaultKind::Crash => FaultKind::Crash,
        RawFaultKind::Pause => FaultKind::Pause,
        RawFaultKind::Partition => FaultKind::Partition,
        RawFaultKind::Outage => FaultKind::Outage(match f.round_logic {
            None | Some(RawRoundLogic::Deadline) => OutagePolicy::Deadline,
            Some(RawRoundLogic::Wait) => OutagePolicy::Wait,
            Some(RawRoundLogic::Close) => OutagePolicy::Close,
        }),
        RawFaultKind::Corruption => {
            c.require(
                &key("probability"),
                &f.probability,
                "a corruption fault needs the probability that an upload is damaged and caught",
            )?;
            FaultKind::Corruption {
                detected: probability("probability", f.probability)?,
                undetected: probability("undetected", f.undetected)?,
            }
        }
        RawFaultKind::Slowdown => {
            c.require(
                &key("factor"),
                &f.factor,
                "a slowdown needs its step-time factor",
            )?;
            FaultKind::Slowdown {
                factor: c.real(
                    &key("factor"),
                    f.factor,
                    1.0,
                    "a number in (0, 1000]",
                    |x| x > 0.0 && x <= 1000.0,
                )?,
            }
        }
    };
    let (start, end) = timing(c, i, f, fl, rounds)?;
    if matches!(kind, FaultKind::Crash | FaultKind::Pause) {
        if fl.mode != Mode::Separate && fl.deadline.is_none() {
            return Err(c.invalid(
                "fl.deadline",
                &format!(
                    "a deadline with a {} fault (faults[{i}]): the base station would wait \
                     forever for the upload of a device that is down",
                    kind.name()
                ),
                "none",
            ));
        }
        if fl.mode == Mode::Separate && end.is_none() && kind == FaultKind::Crash {
            c.require(
                &key("end"),
                &f.end,
                "in separate training a crashed device must rejoin (end, end_round or \
                 duration), or its rounds never finish",
            )?;
        }
    }
    let targets = targets(c, i, f, fl.devices, classes, &kind)?;
    Ok(FaultSpec {
        kind,
        start,
        end,
        targets,
        raw: f.clone(),
    })
}

/// The start and end of entry `i`.
fn timing(
    c: &Checker,
    i: usize,
    f: &RawFault,
    fl: &FlSpec,
    rounds: u64,
) -> Result<(FaultTime, Option<FaultTime>), ScenarioError> {
    let key = |field: &str| format!("faults[{i}].{field}");
    let round = |field: &str, v: Option<i64>| {
        if fl.mode == Mode::Separate {
            return Err(c.invalid(
                &key(field),
                "no value in separate training (no base station opens rounds): give a time",
                v.unwrap_or_default(),
            ));
        }
        c.int(&key(field), v, 0, 0, rounds.saturating_sub(1))
    };
    let at = |field: &str, v: &String| {
        c.duration(&key(field), Some(v), 0)
            .map(|d| FaultTime::At(SimTime::ZERO + d))
    };
    let start = match (&f.start, f.round) {
        (Some(_), Some(_)) => {
            return Err(c.invalid(
                &key("round"),
                "no value (start is set: give the start as a time or a round, not both)",
                "a value",
            ))
        }
        (Some(s), None) => at("start", s)?,
        (None, Some(r)) => FaultTime::Round {
            round: round("round", Some(r))?,
            delay: SimDuration::ZERO,
        },
        (None, None) => {
            c.require(
                &key("start"),
                &f.start,
                "a fault starts at a time (start = \"2s\") or when a round opens (round = 3)",
            )?;
            unreachable!("require fails on a missing start")
        }
    };
    let given = [f.end.is_some(), f.end_round.is_some(), f.duration.is_some()];
    if given.iter().filter(|&&g| g).count() > 1 {
        return Err(c.invalid(
            &key("end"),
            "one of end, end_round and duration",
            "more than one",
        ));
    }
    let end = match (start, &f.end, f.end_round, &f.duration) {
        (_, None, None, None) => None,
        (FaultTime::At(s), Some(e), _, _) => match at("end", e)? {
            FaultTime::At(e) if e > s => Some(FaultTime::At(e)),
            _ => return Err(c.invalid(&key("end"), "a time after the start", e)),
        },
        (FaultTime::Round { .. }, Some(_), _, _) => {
            return Err(c.invalid(
                &key("end"),
                "no value when the fault starts at a round: give end_round or duration",
                "a value",
            ))
        }
        (FaultTime::Round { round: r, .. }, None, Some(e), _) => {
            let e = round("end_round", Some(e))?;
            if e <= r {
                return Err(c.invalid(&key("end_round"), "a round after the start's round", e));
            }
            Some(FaultTime::Round {
                round: e,
                delay: SimDuration::ZERO,
            })
        }
        (FaultTime::At(_), None, Some(_), _) => {
            return Err(c.invalid(
                &key("end_round"),
                "no value when the fault starts at a time: give end or duration",
                "a value",
            ))
        }
        (start, None, None, Some(d)) => {
            let d = c.positive_duration(&key("duration"), Some(d), 0)?;
            Some(match start {
                FaultTime::At(s) => FaultTime::At(s + d),
                FaultTime::Round { round, .. } => FaultTime::Round { round, delay: d },
            })
        }
    };
    Ok((start, end))
}

/// The targets of entry `i`.
fn targets(
    c: &Checker,
    i: usize,
    f: &RawFault,
    devices: u64,
    classes: &[DeviceClass],
    kind: &FaultKind,
) -> Result<FaultTargets, ScenarioError> {
    let key = |field: &str| format!("faults[{i}].{field}");
    if matches!(kind, FaultKind::Outage(_)) {
        let why = "an outage concerns the base station, not chosen devices";
        c.forbid(&key("devices"), &f.devices, why)?;
        c.forbid(&key("ranges"), &f.ranges, why)?;
        c.forbid(&key("classes"), &f.classes, why)?;
        c.forbid(&key("fraction"), &f.fraction, why)?;
        return Ok(FaultTargets::default());
    }
    let last = devices.saturating_sub(1);
    let mut ids = Vec::new();
    for (j, &d) in f.devices.iter().flatten().enumerate() {
        ids.push(c.int(&format!("faults[{i}].devices[{j}]"), Some(d), 0, 0, last)? as u32);
    }
    for (j, r) in f.ranges.iter().flatten().enumerate() {
        let k = format!("faults[{i}].ranges[{j}]");
        let (&[lo, hi], true) = (r.as_slice(), true) else {
            return Err(c.invalid(&k, "a pair [first, last] of device ids", format!("{r:?}")));
        };
        let lo = c.int(&k, Some(lo), 0, 0, last)?;
        let hi = c.int(&k, Some(hi), 0, lo, last)?;
        if ids.len() as u64 + (hi - lo + 1) > MAX_FAULT_TARGETS {
            return Err(c.invalid(
                &k,
                &format!("ranges naming at most {MAX_FAULT_TARGETS} devices in all"),
                format!("{r:?}"),
            ));
        }
        ids.extend((lo..=hi).map(|d| d as u32));
    }
    ids.sort_unstable();
    ids.dedup();
    let mut class_ids = Vec::new();
    for (j, name) in f.classes.iter().flatten().enumerate() {
        match classes.iter().position(|k| &k.name == name) {
            Some(k) => class_ids.push(k),
            None => {
                let names: Vec<&str> = classes.iter().map(|k| k.name.as_str()).collect();
                return Err(c.invalid(
                    &format!("faults[{i}].classes[{j}]"),
                    &format!("the name of a [[device_class]] ({})", names.join(", ")),
                    format!("{name:?}"),
                ));
            }
        }
    }
    let fraction = match f.fraction {
        None => None,
        Some(_) => Some(c.real(
            &key("fraction"),
            f.fraction,
            1.0,
            "a number in (0, 1]",
            |x| x > 0.0 && x <= 1.0,
        )?),
    };
    Ok(FaultTargets {
        devices: ids,
        classes: class_ids,
        fraction,
    })
}
