//! Validation of `cell.override`: groups of devices that see the cell with some keys of their
//! own, so "ten devices behind a wall" is one line:
//!
//! ```toml
//! [cell]
//! override = [{ devices = [0, 9], extra_loss = "20dB" }]
//! ```
//!
//! Each entry names its devices by `devices = [first, last]` (inclusive) or `class = "name"`, and
//! sets any `[cell]` key that belongs to a device (placement, propagation, shadowing, fading,
//! transmit power, antenna, receiver, rate and error models, mobility). The entry is merged over
//! `[cell]` and the result checked like `[cell]` itself, errors naming `cell.override[i].key`.
//! Keys of the whole cell (the band, scheduling, the aggregation, explicit positions) are
//! refused, and no device may be named by two entries.

use super::checks::Checker;
use super::error::ScenarioError;
use super::raw::RawScenario;
use super::raw_cell::RawCell;
use super::spec::{CellOverride, DeviceClass, DeviceSelector};
use super::validate_cell::validate_one;
use toml::{Table, Value};

/// Keys that belong to the whole cell, not to a device.
const CELL_WIDE: [&str; 11] = [
    "bandwidth",
    "downlink_bandwidth",
    "scheduling",
    "scheduled",
    "aggregation",
    "air_threshold",
    "air_noise",
    "positions",
    "tx_power_by_class",
    "bs_noise_figure",
    "override",
];

/// The entries of `cell.override`, in order.
pub(crate) fn overrides(
    c: &Checker,
    raw: &RawScenario,
    cell: &RawCell,
    devices: u64,
    classes: &[DeviceClass],
) -> Result<Vec<CellOverride>, ScenarioError> {
    let Some(entries) = &cell.overrides else {
        return Ok(Vec::new());
    };
    let base = Value::try_from(RawCell {
        overrides: None,
        ..cell.clone()
    })
    .map_err(|e| c.invalid("cell", "a table", e))?;
    let Value::Table(base) = base else {
        return Err(c.invalid("cell", "a table", "another value"));
    };
    let mut out: Vec<CellOverride> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let prefix = format!("cell.override[{i}]");
        let mut keys = entry.clone();
        let selector = selector(c, &prefix, &mut keys, devices, classes)?;
        if let Some(k) = keys.keys().find(|k| CELL_WIDE.contains(&k.as_str())) {
            return Err(c.invalid(
                &format!("{prefix}.{k}"),
                "a per-device [cell] key (this one is the whole cell's: set it in [cell])",
                k,
            ));
        }
        if keys.is_empty() {
            return Err(c.invalid(&prefix, "at least one [cell] key to override", "none"));
        }
        // The override's own keys, typed strictly, so that errors name the override.
        serde_path_to_error::deserialize::<_, RawCell>(Value::Table(keys.clone())).map_err(
            |e| {
                let message = e.inner().to_string();
                let message = message
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string();
                let path = e.path().to_string();
                let key = if path == "." {
                    prefix.clone()
                } else {
                    format!("{prefix}.{path}")
                };
                super::layer::from_serde(c.file.clone(), key, message)
            },
        )?;
        let mut merged: Table = base.clone();
        if keys.contains_key("tx_power") {
            merged.remove("tx_power_by_class");
        }
        merged.extend(keys.clone());
        let merged: RawCell = Value::Table(merged)
            .try_into()
            .map_err(|e| c.invalid(&prefix, "[cell] keys", e))?;
        let cell = validate_one(c, raw, &merged, devices, classes)
            .map_err(|e| renamed(e, &prefix, &keys))?;
        if let Some(j) = out
            .iter()
            .position(|o| overlap(&o.devices, &selector, devices, classes))
        {
            return Err(c.invalid(
                &format!("{prefix}.devices"),
                &format!("devices that no other override names (cell.override[{j}] does)"),
                format!("{selector:?}"),
            ));
        }
        out.push(CellOverride {
            devices: selector,
            cell,
        });
    }
    Ok(out)
}

/// The entry's `devices` or `class`, taken out of `keys`.
fn selector(
    c: &Checker,
    prefix: &str,
    keys: &mut Table,
    devices: u64,
    classes: &[DeviceClass],
) -> Result<DeviceSelector, ScenarioError> {
    match (keys.remove("devices"), keys.remove("class")) {
        (Some(range), None) => {
            let key = format!("{prefix}.devices");
            let bounds: Option<Vec<u64>> = range.as_array().and_then(|a| {
                a.iter()
                    .map(|v| v.as_integer().and_then(|i| u64::try_from(i).ok()))
                    .collect()
            });
            match bounds.as_deref() {
                Some(&[first, last]) if first <= last && last < devices => {
                    Ok(DeviceSelector::Range { first, last })
                }
                _ => Err(c.invalid(
                    &key,
                    &format!("[first, last]: two device numbers, first <= last < {devices}"),
                    range,
                )),
            }
        }
        (None, Some(name)) => {
            let names: Vec<&str> = classes.iter().map(|k| k.name.as_str()).collect();
            match name
                .as_str()
                .and_then(|n| classes.iter().position(|k| k.name == n))
            {
                Some(k) => Ok(DeviceSelector::Class(k)),
                None => Err(c.invalid(
                    &format!("{prefix}.class"),
                    &format!("a device class name, one of {names:?}"),
                    name,
                )),
            }
        }
        (Some(_), Some(_)) => Err(c.invalid(
            &format!("{prefix}.class"),
            "no class when devices is given (one of devices = [first, last] or class)",
            "both",
        )),
        (None, None) => Err(c.invalid(
            &format!("{prefix}.devices"),
            "devices = [first, last] or class = \"name\"",
            "neither",
        )),
    }
}

/// Whether two selectors name a common device (a class is matched against the devices of the
/// range, assigned as the run assigns them).
fn overlap(a: &DeviceSelector, b: &DeviceSelector, devices: u64, classes: &[DeviceClass]) -> bool {
    use DeviceSelector::{Class, Range};
    match (a, b) {
        (
            Range {
                first: f1,
                last: l1,
            },
            Range {
                first: f2,
                last: l2,
            },
        ) => f1 <= l2 && f2 <= l1,
        (Class(x), Class(y)) => x == y,
        (Range { first, last }, Class(k)) | (Class(k), Range { first, last }) => {
            let assigned = super::class_assignment(classes, (*last + 1).min(devices));
            (*first..=*last).any(|d| assigned.get(d as usize) == Some(k))
        }
    }
}

/// `e` with its key moved under the override when the override set that key.
fn renamed(e: ScenarioError, prefix: &str, keys: &Table) -> ScenarioError {
    let rename = |key: String| match key.strip_prefix("cell.") {
        Some(rest)
            if keys.keys().any(|k| {
                rest == k
                    || rest.starts_with(&format!("{k}."))
                    || rest.starts_with(&format!("{k}["))
            }) =>
        {
            format!("{prefix}.{rest}")
        }
        _ => key,
    };
    match e {
        ScenarioError::Invalid {
            file,
            key,
            expected,
            got,
        } => ScenarioError::Invalid {
            file,
            key: rename(key),
            expected,
            got,
        },
        ScenarioError::WrongType { file, key, message } => ScenarioError::WrongType {
            file,
            key: rename(key),
            message,
        },
        other => other,
    }
}
