//! Strict parsing and formatting of unit strings: durations, rates, sizes, power and energy.
//!
//! A value is a plain decimal number (digits with at most one `.`, no sign, no exponent) followed
//! directly by a unit suffix, e.g. `"25ms"`, `"2.5kbps"`, `"1KiB"`, `"200mW"`, `"5pJ"`. Bare numbers,
//! negative values, unknown suffixes, `NaN`, `inf` and values that overflow are rejected.
//! Integer quantities (time \[ns\], rate [bit/s], size \[bytes\]) are computed exactly in integer
//! arithmetic and rounded to the nearest unit (halves round up), so `"1.5ns"` is 2 ns and
//! `"0.3B"` is 0 bytes; range checks (e.g. "> 0") happen in validation.

use std::fmt;

/// The physical quantity a unit string describes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// A span of virtual time, parsed to \[ns\].
    Duration,
    /// A data rate, parsed to [bit/s] (SI prefixes, 1k = 1000).
    Rate,
    /// A data size, parsed to \[bytes\] (kB = 1000 B, KiB = 1024 B).
    Size,
    /// A power, parsed to \[W\].
    Power,
    /// An energy, parsed to \[J\].
    Energy,
    /// A ratio in decibels, parsed to \[dB\] (may be negative).
    Decibel,
    /// A power level, parsed to \[dBm\] (may be negative).
    PowerLevel,
    /// A noise density, parsed to [dBm/Hz] (may be negative).
    NoiseDensity,
    /// A distance, parsed to \[m\].
    Distance,
    /// A frequency or bandwidth, parsed to \[Hz\].
    Frequency,
    /// A speed, parsed to [m/s].
    Speed,
}

impl Quantity {
    /// What a valid string looks like, for error messages.
    pub fn expected(self) -> &'static str {
        match self {
            Quantity::Duration => "a duration like \"25ms\" (units: ns, us, ms, s, min, h)",
            Quantity::Rate => "a rate like \"10Mbps\" (units: bps, kbps, Mbps, Gbps)",
            Quantity::Size => "a size like \"1500B\" (units: B, kB, MB, GB, KiB, MiB, GiB)",
            Quantity::Power => "a power like \"200mW\" (units: nW, uW, mW, W, kW)",
            Quantity::Energy => "an energy like \"5pJ\" (units: fJ, pJ, nJ, uJ, mJ, J)",
            Quantity::Decibel => "a ratio like \"7dB\" or \"-3dB\" (unit: dB)",
            Quantity::PowerLevel => "a power level like \"23dBm\" (unit: dBm)",
            Quantity::NoiseDensity => "a noise density like \"-174dBm/Hz\" (unit: dBm/Hz)",
            Quantity::Distance => "a distance like \"500m\" (units: m, km)",
            Quantity::Frequency => "a frequency like \"3.5GHz\" (units: Hz, kHz, MHz, GHz)",
            Quantity::Speed => "a speed like \"1.5m/s\" (unit: m/s)",
        }
    }

    /// Integer suffixes and their multiplier (exact quantities).
    fn integer_units(self) -> &'static [(&'static str, u128)] {
        match self {
            Quantity::Duration => &[
                ("ns", 1),
                ("us", 1_000),
                ("ms", 1_000_000),
                ("s", 1_000_000_000),
                ("min", 60_000_000_000),
                ("h", 3_600_000_000_000),
            ],
            Quantity::Rate => &[
                ("bps", 1),
                ("kbps", 1_000),
                ("Mbps", 1_000_000),
                ("Gbps", 1_000_000_000),
            ],
            Quantity::Size => &[
                ("B", 1),
                ("kB", 1_000),
                ("MB", 1_000_000),
                ("GB", 1_000_000_000),
                ("KiB", 1 << 10),
                ("MiB", 1 << 20),
                ("GiB", 1 << 30),
            ],
            _ => &[],
        }
    }

    /// Real-valued suffixes and their decimal exponent.
    fn real_units(self) -> &'static [(&'static str, i32)] {
        match self {
            Quantity::Power => &[("nW", -9), ("uW", -6), ("mW", -3), ("W", 0), ("kW", 3)],
            Quantity::Energy => &[
                ("fJ", -15),
                ("pJ", -12),
                ("nJ", -9),
                ("uJ", -6),
                ("mJ", -3),
                ("J", 0),
            ],
            Quantity::Decibel => &[("dB", 0)],
            Quantity::PowerLevel => &[("dBm", 0)],
            Quantity::NoiseDensity => &[("dBm/Hz", 0)],
            Quantity::Distance => &[("m", 0), ("km", 3)],
            Quantity::Frequency => &[("Hz", 0), ("kHz", 3), ("MHz", 6), ("GHz", 9)],
            Quantity::Speed => &[("m/s", 0)],
            Quantity::Duration | Quantity::Rate | Quantity::Size => &[],
        }
    }
}

/// A unit string that could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitError {
    /// What was expected.
    pub quantity: Quantity,
    /// The offending input, verbatim.
    pub got: String,
    /// Why it was rejected.
    pub reason: &'static str,
}

impl fmt::Display for UnitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "expected {}, got {:?} ({})",
            self.quantity.expected(),
            self.got,
            self.reason
        )
    }
}

impl std::error::Error for UnitError {}

/// Most significant digits accepted in a number (keeps the integer arithmetic far from overflow).
const MAX_DIGITS: usize = 30;

/// A non-negative decimal split into its digits: value = `mantissa` / 10^`scale`.
struct Decimal<'a> {
    number: &'a str,
    mantissa: u128,
    scale: u32,
}

/// Splits `input` into a decimal number and its suffix.
fn split(input: &str, quantity: Quantity) -> Result<(Decimal<'_>, &str), UnitError> {
    let err = |reason| UnitError {
        quantity,
        got: input.to_string(),
        reason,
    };
    let s = input.trim();
    if s.starts_with('-') {
        return Err(err("negative values are not allowed"));
    }
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(end);
    if number.is_empty() {
        return Err(err("no number"));
    }
    if suffix.is_empty() {
        return Err(err("a unit suffix is required"));
    }
    let mut parts = number.split('.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next().unwrap_or("");
    if parts.next().is_some() || (int.is_empty() && frac.is_empty()) || number.ends_with('.') {
        return Err(err("malformed number"));
    }
    let digits = int.trim_start_matches('0').len() + frac.len();
    if digits > MAX_DIGITS {
        return Err(err("too many digits"));
    }
    let mut mantissa: u128 = 0;
    for c in int.chars().chain(frac.chars()) {
        mantissa = mantissa * 10 + u128::from(c as u8 - b'0');
    }
    let scale = frac.len() as u32;
    Ok((
        Decimal {
            number,
            mantissa,
            scale,
        },
        suffix,
    ))
}

/// Parses an integer quantity (duration \[ns\], rate [bit/s], size \[bytes\]), rounding to nearest.
fn parse_integer(input: &str, quantity: Quantity) -> Result<u64, UnitError> {
    let (decimal, suffix) = split(input, quantity)?;
    let err = |reason| UnitError {
        quantity,
        got: input.to_string(),
        reason,
    };
    let multiplier = quantity
        .integer_units()
        .iter()
        .find(|(name, _)| *name == suffix)
        .map(|(_, m)| *m)
        .ok_or_else(|| err("unknown unit suffix"))?;
    let divisor = 10u128.pow(decimal.scale);
    let scaled = decimal
        .mantissa
        .checked_mul(multiplier)
        .ok_or_else(|| err("value too large"))?;
    let rounded = (scaled + divisor / 2) / divisor;
    u64::try_from(rounded).map_err(|_| err("value too large"))
}

/// Parses a real quantity (power \[W\], energy \[J\]) correctly rounded to the nearest `f64`.
fn parse_real(input: &str, quantity: Quantity) -> Result<f64, UnitError> {
    let (decimal, suffix) = split(input, quantity)?;
    let exponent = quantity
        .real_units()
        .iter()
        .find(|(name, _)| *name == suffix)
        .map(|(_, e)| *e)
        .ok_or_else(|| UnitError {
            quantity,
            got: input.to_string(),
            reason: "unknown unit suffix",
        })?;
    let number = if decimal.number.starts_with('.') {
        format!("0{}e{exponent}", decimal.number)
    } else {
        format!("{}e{exponent}", decimal.number)
    };
    number
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or(UnitError {
            quantity,
            got: input.to_string(),
            reason: "malformed number",
        })
}

/// Parses a duration such as `"25ms"` or `"1.5s"` into \[ns\].
pub fn parse_duration_ns(input: &str) -> Result<u64, UnitError> {
    parse_integer(input, Quantity::Duration)
}

/// Parses a rate such as `"10Mbps"` into [bit/s].
pub fn parse_rate_bps(input: &str) -> Result<u64, UnitError> {
    parse_integer(input, Quantity::Rate)
}

/// Parses a size such as `"1500B"`, `"2.5kB"` or `"1KiB"` into \[bytes\].
pub fn parse_size_bytes(input: &str) -> Result<u64, UnitError> {
    parse_integer(input, Quantity::Size)
}

/// Parses a power such as `"200mW"` into \[W\].
pub fn parse_power_w(input: &str) -> Result<f64, UnitError> {
    parse_real(input, Quantity::Power)
}

/// Parses an energy such as `"5pJ"` into \[J\].
pub fn parse_energy_j(input: &str) -> Result<f64, UnitError> {
    parse_real(input, Quantity::Energy)
}

/// Parses a level that may be negative (dB, dBm, dBm/Hz): an optional `-` then a real quantity.
fn parse_signed(input: &str, quantity: Quantity) -> Result<f64, UnitError> {
    let trimmed = input.trim();
    let (sign, rest) = match trimmed.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, trimmed),
    };
    parse_real(rest, quantity)
        .map(|v| sign * v)
        .map_err(|e| UnitError {
            got: input.to_string(),
            ..e
        })
}

/// Parses a ratio such as `"7dB"` or `"-3dB"` into \[dB\].
pub fn parse_db(input: &str) -> Result<f64, UnitError> {
    parse_signed(input, Quantity::Decibel)
}

/// Parses a power level such as `"23dBm"` into \[dBm\].
pub fn parse_dbm(input: &str) -> Result<f64, UnitError> {
    parse_signed(input, Quantity::PowerLevel)
}

/// Parses a noise density such as `"-174dBm/Hz"` into [dBm/Hz].
pub fn parse_dbm_per_hz(input: &str) -> Result<f64, UnitError> {
    parse_signed(input, Quantity::NoiseDensity)
}

/// Parses a distance such as `"500m"` or `"1.2km"` into \[m\].
pub fn parse_distance_m(input: &str) -> Result<f64, UnitError> {
    parse_real(input, Quantity::Distance)
}

/// Parses a frequency such as `"3.5GHz"` or `"20MHz"` into \[Hz\].
pub fn parse_frequency_hz(input: &str) -> Result<f64, UnitError> {
    parse_real(input, Quantity::Frequency)
}

/// Parses a speed such as `"1.5m/s"` into [m/s].
pub fn parse_speed_mps(input: &str) -> Result<f64, UnitError> {
    parse_real(input, Quantity::Speed)
}

/// Formats an integer with the largest unit that divides it exactly.
fn format_integer(value: u64, quantity: Quantity) -> String {
    let units = quantity.integer_units();
    let best = units
        .iter()
        .filter(|(_, m)| value != 0 && u128::from(value) % m == 0)
        .max_by_key(|(_, m)| *m)
        .unwrap_or(&units[0]);
    format!("{}{}", u128::from(value) / best.1, best.0)
}

/// Formats \[ns\] as a duration string that [`parse_duration_ns`] reads back exactly.
pub fn format_duration_ns(ns: u64) -> String {
    format_integer(ns, Quantity::Duration)
}

/// Formats [bit/s] as a rate string that [`parse_rate_bps`] reads back exactly.
pub fn format_rate_bps(bps: u64) -> String {
    format_integer(bps, Quantity::Rate)
}

/// Formats \[bytes\] as a size string that [`parse_size_bytes`] reads back exactly.
pub fn format_size_bytes(bytes: u64) -> String {
    format_integer(bytes, Quantity::Size)
}

/// Formats a finite, non-negative \[W\] value so that [`parse_power_w`] reads it back exactly.
pub fn format_power_w(watts: f64) -> String {
    format!("{watts}W")
}

/// Formats a finite, non-negative \[J\] value so that [`parse_energy_j`] reads it back exactly.
pub fn format_energy_j(joules: f64) -> String {
    format!("{joules}J")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fraction_rounds_to_nearest() {
        assert_eq!(parse_duration_ns("1.5ns"), Ok(2));
        assert_eq!(parse_duration_ns("1.4ns"), Ok(1));
        assert_eq!(parse_size_bytes("2.5kB"), Ok(2500));
        assert_eq!(parse_size_bytes(".5KiB"), Ok(512));
    }

    #[test]
    fn radio_units_parse_strictly() {
        assert_eq!(parse_dbm("23dBm"), Ok(23.0));
        assert_eq!(parse_dbm_per_hz("-174dBm/Hz"), Ok(-174.0));
        assert_eq!(parse_db("-3.5dB"), Ok(-3.5));
        assert_eq!(parse_distance_m("1.2km"), Ok(1200.0));
        assert_eq!(parse_frequency_hz("3.5GHz"), Ok(3.5e9));
        assert_eq!(parse_frequency_hz("20MHz"), Ok(20e6));
        assert_eq!(parse_speed_mps("1.5m/s"), Ok(1.5));
        for bad in ["23", "23dB", "--3dBm", "-dBm", "23 dBm", "nandBm"] {
            let err = parse_dbm(bad).expect_err(bad);
            assert_eq!(err.got, bad);
        }
        assert!(parse_distance_m("-5m").is_err());
        assert!(parse_frequency_hz("3.5Ghz").is_err());
        assert!(parse_db("7dBm").is_err());
    }

    #[test]
    fn format_picks_largest_exact_unit() {
        assert_eq!(format_duration_ns(120_000_000_000), "2min");
        assert_eq!(format_duration_ns(1_500_000_000), "1500ms");
        assert_eq!(format_duration_ns(0), "0ns");
        assert_eq!(format_size_bytes(2048), "2KiB");
        assert_eq!(format_rate_bps(10_000_000), "10Mbps");
    }
}
