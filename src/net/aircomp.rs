//! Over-the-air aggregation (AirComp): the scheduled devices send their model entries as analog
//! symbols on the same resource at once, and the base station receives their sum plus noise.
//!
//! ```text
//! device k, full-power SNR s_k at the time it sends:
//!   s_k <  threshold  -> sits out (truncated): sends nothing, costs nothing
//!   s_k >= threshold  -> channel inversion: transmits at 10^((threshold - s_k) / 10) of its
//!                        maximum power, so every device arrives at SNR = threshold
//! received:  y = sum_k w_k x_k / A + n,   n ~ N(0, 1 / SNR) per entry
//! estimate:  A y / W = mean_w(x) + e,     e ~ N(0, A^2 / (W^2 SNR)),   W = sum_k w_k
//! airtime:   ceil(values / 2) complex channel uses of 1 / B each, whatever the number of devices
//! ```
//!
//! `A = max_k w_k rms(x_k)` normalises the symbols to unit mean power at the strongest sender
//! (each device learns it in the slot's set-up, a scalar). This is truncated channel inversion
//! as in G. Zhu, Y. Wang, K. Huang, "Broadband analog aggregation for low-latency federated
//! edge learning", IEEE Trans. Wireless Commun. 19(1), 2020: the threshold trades devices
//! that sit out against the noise of the sum.

use super::error::NetError;
use crate::time::SimDuration;
use serde::{Deserialize, Serialize};

/// The over-the-air uplink's settings.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OverTheAir {
    /// Truncation threshold on a device's full-power SNR, and the SNR at which every included
    /// device arrives \[dB\].
    pub threshold_db: f64,
    /// Whether the receiver adds noise (off: an ideal receiver, for checks).
    pub noise: bool,
}

impl OverTheAir {
    /// Check that the threshold is finite.
    pub fn validate(&self) -> Result<(), NetError> {
        if !self.threshold_db.is_finite() {
            return Err(NetError::invalid(
                "over_the_air",
                "threshold_db",
                self.threshold_db,
                "a finite threshold",
            ));
        }
        Ok(())
    }

    /// The fraction of its maximum power a device whose full-power SNR is `snr_db` transmits at,
    /// `None` when it is below the threshold (it sits out).
    pub fn power_scale(&self, snr_db: f64) -> Option<f64> {
        (snr_db >= self.threshold_db).then(|| 10f64.powf((self.threshold_db - snr_db) / 10.0))
    }

    /// Time to send `values` real values over `bandwidth_hz`: two per complex channel use, one
    /// channel use per `1 / bandwidth_hz` \[ns\], rounded up.
    pub fn airtime(values: u64, bandwidth_hz: f64) -> SimDuration {
        let uses = values.div_ceil(2) as f64;
        SimDuration((uses * 1e9 / bandwidth_hz).ceil() as u64)
    }

    /// Standard deviation of the error on each entry of the weighted mean, for a normalising
    /// amplitude over total weight `amplitude_per_weight` (`A / W`); 0 without noise.
    pub fn noise_std(&self, amplitude_per_weight: f64) -> f64 {
        if self.noise {
            amplitude_per_weight / 10f64.powf(self.threshold_db / 20.0)
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inversion_aligns_every_included_device_at_the_threshold() {
        let air = OverTheAir {
            threshold_db: 5.0,
            noise: true,
        };
        assert_eq!(air.power_scale(4.99), None);
        assert_eq!(air.power_scale(5.0), Some(1.0));
        // 15 dB of headroom: a tenth of the power.
        let scale = air.power_scale(15.0).unwrap_or(0.0);
        assert!((scale - 0.1).abs() < 1e-12);
        // 10,836 values = 5,418 channel uses = 1.0836 ms at 5 MHz.
        assert_eq!(OverTheAir::airtime(10_836, 5e6), SimDuration(1_083_600));
        // SNR 5 dB: std = (A / W) / 10^(5/20).
        assert!((air.noise_std(2.0) - 2.0 / 10f64.powf(0.25)).abs() < 1e-12);
        let ideal = OverTheAir {
            noise: false,
            ..air
        };
        assert_eq!(ideal.noise_std(2.0), 0.0);
        let bad = OverTheAir {
            threshold_db: f64::NAN,
            noise: true,
        };
        assert!(bad.validate().is_err());
    }
}
