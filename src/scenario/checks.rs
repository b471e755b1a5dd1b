//! Small checking helpers shared by validation: each turns one raw value into a typed one or an
//! error naming the file, the key path and what is allowed.

use super::error::ScenarioError;
use super::units::{self, UnitError};
use crate::time::SimDuration;

/// The file being validated; builds errors that name it.
pub(crate) struct Checker {
    pub(crate) file: String,
}

impl Checker {
    /// An "expected ..., got ..." error at `key`; `got` is cut to a short excerpt.
    pub(crate) fn invalid(&self, key: &str, expected: &str, got: impl ToString) -> ScenarioError {
        ScenarioError::Invalid {
            file: self.file.clone(),
            key: key.to_string(),
            expected: expected.to_string(),
            got: super::layer::excerpt(&got.to_string()),
        }
    }

    /// Rejects a key that is present but not allowed in this combination.
    pub(crate) fn forbid<T>(
        &self,
        key: &str,
        value: &Option<T>,
        why: &str,
    ) -> Result<(), ScenarioError> {
        match value {
            Some(_) => Err(self.invalid(key, &format!("no value ({why})"), "a value")),
            None => Ok(()),
        }
    }

    /// Requires a key that has no default in this combination.
    pub(crate) fn require<'a, T>(
        &self,
        key: &str,
        value: &'a Option<T>,
        why: &str,
    ) -> Result<&'a T, ScenarioError> {
        value.as_ref().ok_or_else(|| ScenarioError::WrongType {
            file: self.file.clone(),
            key: key.to_string(),
            message: format!("missing required key ({why})"),
        })
    }

    /// An integer in `[min, max]`, `default` when absent.
    pub(crate) fn int(
        &self,
        key: &str,
        value: Option<i64>,
        default: u64,
        min: u64,
        max: u64,
    ) -> Result<u64, ScenarioError> {
        let Some(v) = value else { return Ok(default) };
        match u64::try_from(v) {
            Ok(u) if (min..=max).contains(&u) => Ok(u),
            _ if max == u64::MAX => Err(self.invalid(key, &format!("an integer >= {min}"), v)),
            _ => Err(self.invalid(key, &format!("an integer in [{min}, {max}]"), v)),
        }
    }

    /// A real number accepted by `ok` (described by `allowed`), `default` when absent.
    pub(crate) fn real(
        &self,
        key: &str,
        value: Option<f64>,
        default: f64,
        allowed: &str,
        ok: impl Fn(f64) -> bool,
    ) -> Result<f64, ScenarioError> {
        let Some(v) = value else { return Ok(default) };
        if v.is_finite() && ok(v) {
            Ok(v)
        } else {
            Err(self.invalid(key, allowed, v))
        }
    }

    fn unit<T>(
        &self,
        key: &str,
        value: Option<&String>,
        default: T,
        parse: fn(&str) -> Result<T, UnitError>,
    ) -> Result<T, ScenarioError> {
        match value {
            None => Ok(default),
            Some(s) => parse(s).map_err(|e| {
                self.invalid(
                    key,
                    e.quantity.expected(),
                    format!("{:?} ({})", super::layer::excerpt(&e.got), e.reason),
                )
            }),
        }
    }

    /// A duration string, `default_ns` \[ns\] when absent.
    pub(crate) fn duration(
        &self,
        key: &str,
        value: Option<&String>,
        default_ns: u64,
    ) -> Result<SimDuration, ScenarioError> {
        self.unit(key, value, default_ns, units::parse_duration_ns)
            .map(SimDuration)
    }

    /// A duration string that must be > 0, `default_ns` \[ns\] when absent.
    pub(crate) fn positive_duration(
        &self,
        key: &str,
        value: Option<&String>,
        default_ns: u64,
    ) -> Result<SimDuration, ScenarioError> {
        let d = self.duration(key, value, default_ns)?;
        if d.0 == 0 {
            return Err(self.invalid(
                key,
                "a duration > 0 like \"25ms\"",
                format!("{:?}", value.map_or("", |s| s.as_str())),
            ));
        }
        Ok(d)
    }

    /// A rate string that must be > 0, `default` [bit/s] when absent.
    pub(crate) fn rate(
        &self,
        key: &str,
        value: Option<&String>,
        default: u64,
    ) -> Result<u64, ScenarioError> {
        let r = self.unit(key, value, default, units::parse_rate_bps)?;
        if r == 0 {
            return Err(self.invalid(
                key,
                "a rate > 0 like \"10Mbps\"",
                format!("{:?}", value.map_or("", |s| s.as_str())),
            ));
        }
        Ok(r)
    }

    /// A size string, `default` \[bytes\] when absent.
    pub(crate) fn size(
        &self,
        key: &str,
        value: Option<&String>,
        default: u64,
    ) -> Result<u64, ScenarioError> {
        self.unit(key, value, default, units::parse_size_bytes)
    }

    /// A power string, `default` \[W\] when absent.
    pub(crate) fn power(
        &self,
        key: &str,
        value: Option<&String>,
        default: f64,
    ) -> Result<f64, ScenarioError> {
        self.unit(key, value, default, units::parse_power_w)
    }

    /// An energy string, `default` \[J\] when absent.
    pub(crate) fn energy(
        &self,
        key: &str,
        value: Option<&String>,
        default: f64,
    ) -> Result<f64, ScenarioError> {
        self.unit(key, value, default, units::parse_energy_j)
    }
}
