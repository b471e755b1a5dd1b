//! Link rates [bit/s] and transmission times.
//!
//! Rates are whole bits per second so that transmission times are exact integer arithmetic:
//! `tx_time(bits, rate) = ceil(bits * 1e9 / rate)` nanoseconds, computed in `u128`. Rounding is
//! always up (a transmission never finishes early), and saturates at `u64::MAX` ns.

use super::error::NetError;
use crate::time::SimDuration;
use serde::{Deserialize, Serialize};

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// A positive transmission rate [bit/s]. Deserialises from a plain integer, rejecting zero.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct Rate(u64);

impl TryFrom<u64> for Rate {
    type Error = NetError;
    fn try_from(bps: u64) -> Result<Rate, NetError> {
        Rate::from_bps(bps)
    }
}

impl From<Rate> for u64 {
    fn from(rate: Rate) -> u64 {
        rate.0
    }
}

impl Rate {
    /// From whole bits per second [bit/s]; zero is an error.
    pub fn from_bps(bps: u64) -> Result<Rate, NetError> {
        if bps == 0 {
            return Err(NetError::invalid("rate", "bps", bps, "a positive rate"));
        }
        Ok(Rate(bps))
    }

    /// From a floating-point rate [bit/s], rounded to the nearest bit/s; negative, NaN, infinite
    /// or below 0.5 bit/s is an error.
    pub fn from_bps_f64(bps: f64) -> Result<Rate, NetError> {
        if !bps.is_finite() || bps < 0.5 || bps >= u64::MAX as f64 {
            return Err(NetError::invalid(
                "rate",
                "bps",
                bps,
                "a finite rate of at least 1 bit/s",
            ));
        }
        Ok(Rate(bps.round() as u64))
    }

    /// The rate [bit/s].
    pub fn bps(self) -> u64 {
        self.0
    }
}

/// Time to push `bits` through `rate` \[ns\], rounded up to the next nanosecond.
pub fn tx_time(bits: u64, rate: Rate) -> SimDuration {
    tx_time_shared(bits, rate, 1)
}

/// Time to push `bits` through a `1/share` slice of `rate` \[ns\], rounded up:
/// `ceil(bits * share * 1e9 / rate)`. A `share` of zero is treated as one.
pub fn tx_time_shared(bits: u64, rate: Rate, share: u64) -> SimDuration {
    let numerator = bits as u128 * share.max(1) as u128 * NANOS_PER_SEC;
    SimDuration(saturate(numerator.div_ceil(rate.0 as u128)))
}

/// `u128` nanoseconds clamped into a `u64`.
pub(crate) fn saturate(ns: u128) -> u64 {
    u64::try_from(ns).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tx_time_is_exact_when_divisible_and_rounds_up_otherwise() {
        let mbps = Rate::from_bps(1_000_000).expect("positive");
        assert_eq!(tx_time(1_000_000, mbps), SimDuration::from_millis(1_000));
        assert_eq!(tx_time(1, mbps), SimDuration(1_000));
        let odd = Rate::from_bps(3).expect("positive");
        // 1 bit at 3 bit/s = 333_333_333.3 ns -> 333_333_334 ns.
        assert_eq!(tx_time(1, odd), SimDuration(333_333_334));
        assert_eq!(tx_time_shared(1, odd, 3), SimDuration(1_000_000_000));
        assert_eq!(tx_time(0, odd), SimDuration::ZERO);
    }

    #[test]
    fn invalid_rates_are_errors() {
        assert!(Rate::from_bps(0).is_err());
        assert!(Rate::from_bps_f64(-1e6).is_err());
        assert!(Rate::from_bps_f64(f64::NAN).is_err());
        assert!(Rate::from_bps_f64(f64::INFINITY).is_err());
        assert_eq!(Rate::from_bps_f64(2.5e3).map(Rate::bps), Ok(2_500));
    }

    #[test]
    fn deserialising_zero_rate_is_an_error() {
        assert!(serde_json::from_str::<Rate>("0").is_err());
        assert_eq!(
            serde_json::from_str::<Rate>("2500").map(Rate::bps).ok(),
            Some(2_500)
        );
    }

    #[test]
    fn huge_transmissions_saturate() {
        let slow = Rate::from_bps(1).expect("positive");
        assert_eq!(tx_time(u64::MAX, slow), SimDuration(u64::MAX));
    }
}
