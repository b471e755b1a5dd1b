//! Per-message latency (propagation plus processing) drawn from a distribution.
//!
//! Samples are computed in `f64` nanoseconds and rounded to the nearest nanosecond. Each
//! distribution's support starts at [`Latency::min_delay`], which the simulator may use as its
//! lookahead: no sample is ever smaller.

use super::error::NetError;
use crate::time::SimDuration;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// Resampling attempts for the truncated normal before clamping to zero. With `mean >= 0` each
/// attempt succeeds with probability at least 1/2, so the clamp is practically never reached.
const NORMAL_RESAMPLE_LIMIT: u32 = 256;

/// A latency distribution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Latency {
    /// Always the same delay \[ns\].
    Constant(SimDuration),
    /// Uniform over whole nanoseconds in `[min, max]` (both included).
    Uniform {
        /// Smallest delay \[ns\].
        min: SimDuration,
        /// Largest delay \[ns\].
        max: SimDuration,
    },
    /// Normal truncated at zero by **resampling** negative draws (so the sample mean is that of
    /// the truncated distribution, e.g. `std * sqrt(2/pi)` when `mean = 0`).
    Normal {
        /// Mean before truncation \[ns\].
        mean: SimDuration,
        /// Standard deviation before truncation \[ns\].
        std: SimDuration,
    },
    /// `median * exp(sigma * Z)` with `Z` standard normal; mean `median * exp(sigma^2 / 2)`.
    LogNormal {
        /// Median \[ns\].
        median: SimDuration,
        /// Standard deviation of the log \[dimensionless\].
        sigma: f64,
    },
    /// `shift + Exp(mean)`: a fixed part plus an exponential part; total mean `shift + mean`.
    ShiftedExponential {
        /// Fixed part, the minimum \[ns\].
        shift: SimDuration,
        /// Mean of the exponential part \[ns\].
        mean: SimDuration,
    },
    /// Pareto with minimum `scale` and tail index `shape`; mean `shape * scale / (shape - 1)`
    /// when `shape > 1` (infinite otherwise).
    Pareto {
        /// Minimum delay \[ns\].
        scale: SimDuration,
        /// Tail index \[dimensionless\], positive.
        shape: f64,
    },
}

impl Latency {
    /// Check the parameters: `min <= max`, `sigma` finite and non-negative, `shape` finite and
    /// positive.
    pub fn validate(&self) -> Result<(), NetError> {
        match *self {
            Latency::Uniform { min, max } if min > max => Err(NetError::invalid(
                "latency.uniform",
                "min",
                format!("{} ns (max {} ns)", min.0, max.0),
                "min <= max",
            )),
            Latency::LogNormal { sigma, .. } if !(sigma.is_finite() && sigma >= 0.0) => Err(
                NetError::invalid("latency.lognormal", "sigma", sigma, "a finite sigma >= 0"),
            ),
            Latency::Pareto { shape, .. } if !(shape.is_finite() && shape > 0.0) => Err(
                NetError::invalid("latency.pareto", "shape", shape, "a finite shape > 0"),
            ),
            _ => Ok(()),
        }
    }

    /// A lower bound on every sample \[ns\] (the simulator's lookahead).
    pub fn min_delay(&self) -> SimDuration {
        match *self {
            Latency::Constant(d) => d,
            Latency::Uniform { min, .. } => min,
            Latency::Normal { .. } | Latency::LogNormal { .. } => SimDuration::ZERO,
            Latency::ShiftedExponential { shift, .. } => shift,
            Latency::Pareto { scale, .. } => scale,
        }
    }

    /// The distribution's mean \[s\], `None` when infinite (Pareto with `shape <= 1`) or, for the
    /// truncated normal, not in closed form without the normal CDF (only `mean = 0` or `std = 0`
    /// are given).
    pub fn mean_secs(&self) -> Option<f64> {
        match *self {
            Latency::Constant(d) => Some(d.as_secs_f64()),
            Latency::Uniform { min, max } => Some((min.as_secs_f64() + max.as_secs_f64()) / 2.0),
            Latency::Normal { mean, std } if std.0 == 0 => Some(mean.as_secs_f64()),
            Latency::Normal { mean, std } if mean.0 == 0 => {
                Some(std.as_secs_f64() * (2.0 / std::f64::consts::PI).sqrt())
            }
            Latency::Normal { .. } => None,
            Latency::LogNormal { median, sigma } => {
                Some(median.as_secs_f64() * (sigma * sigma / 2.0).exp())
            }
            Latency::ShiftedExponential { shift, mean } => {
                Some(shift.as_secs_f64() + mean.as_secs_f64())
            }
            Latency::Pareto { scale, shape } if shape > 1.0 => {
                Some(shape * scale.as_secs_f64() / (shape - 1.0))
            }
            Latency::Pareto { .. } => None,
        }
    }

    /// Draw one delay \[ns\]. Never below [`Latency::min_delay`].
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        match *self {
            Latency::Constant(d) => d,
            Latency::Uniform { min, max } => {
                SimDuration(rng.random_range(min.0..=max.0.max(min.0)))
            }
            Latency::Normal { mean, std } => {
                for _ in 0..NORMAL_RESAMPLE_LIMIT {
                    let z: f64 = StandardNormal.sample(rng);
                    let ns = mean.0 as f64 + std.0 as f64 * z;
                    if ns >= 0.0 {
                        return from_nanos_f64(ns);
                    }
                }
                SimDuration::ZERO
            }
            Latency::LogNormal { median, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                from_nanos_f64(median.0 as f64 * (sigma * z).exp())
            }
            Latency::ShiftedExponential { shift, mean } => {
                let u: f64 = rng.random();
                shift + from_nanos_f64(-(mean.0 as f64) * (1.0 - u).ln())
            }
            Latency::Pareto { scale, shape } => {
                let u: f64 = rng.random();
                // (1 - u) is in (0, 1], so the factor is >= 1 and the sample >= scale.
                let ns = scale.0 as f64 * (1.0 - u).powf(-1.0 / shape);
                from_nanos_f64(ns).max(scale)
            }
        }
    }
}

/// Nearest whole nanosecond of a non-negative `f64`; saturates, NaN gives zero.
fn from_nanos_f64(ns: f64) -> SimDuration {
    if ns.is_finite() && ns > 0.0 {
        SimDuration(ns.round().min(u64::MAX as f64) as u64)
    } else if ns == f64::INFINITY {
        SimDuration(u64::MAX)
    } else {
        SimDuration::ZERO
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn invalid_parameters_are_errors() {
        let ms = SimDuration::from_millis;
        assert!(Latency::Uniform {
            min: ms(5),
            max: ms(4)
        }
        .validate()
        .is_err());
        assert!(Latency::LogNormal {
            median: ms(5),
            sigma: -1.0
        }
        .validate()
        .is_err());
        assert!(Latency::LogNormal {
            median: ms(5),
            sigma: f64::NAN
        }
        .validate()
        .is_err());
        assert!(Latency::Pareto {
            scale: ms(5),
            shape: 0.0
        }
        .validate()
        .is_err());
        assert!(Latency::Pareto {
            scale: ms(5),
            shape: 2.5
        }
        .validate()
        .is_ok());
    }

    #[test]
    fn constant_is_constant() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let latency = Latency::Constant(SimDuration::from_millis(25));
        for _ in 0..100 {
            assert_eq!(latency.sample(&mut rng), SimDuration::from_millis(25));
        }
        assert_eq!(latency.min_delay(), SimDuration::from_millis(25));
    }
}
