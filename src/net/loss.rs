//! Packet loss: none, independent (Bernoulli) or bursty (Gilbert-Elliott).
//!
//! Gilbert-Elliott is used in its *simple Gilbert* form: a two-state Markov chain (good, bad)
//! stepped once per packet, where a packet is lost exactly when the chain is in the bad state.
//! It is given by its mean loss rate `L` and mean burst length `B` (mean number of consecutive
//! lost packets) and converted to
//!
//! ```text
//! r = P(bad -> good)  = 1 / B
//! p = P(good -> bad)  = r * L / (1 - L)      (so the stationary P(bad) = p / (p + r) = L)
//! ```
//!
//! which needs `0 <= L < 1`, `B >= 1` and `p <= 1`, i.e. `L / (1 - L) <= B`.
//! The chain's starting state is drawn from its stationary distribution.

use super::error::NetError;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// A packet loss model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LossModel {
    /// No packet is ever lost.
    None,
    /// Each packet is lost independently with probability `p` [dimensionless, 0..=1].
    Bernoulli {
        /// Loss probability per packet.
        p: f64,
    },
    /// Bursty loss (simple Gilbert chain, see the module docs).
    GilbertElliott {
        /// Long-run fraction of packets lost [dimensionless, 0..1).
        mean_loss: f64,
        /// Mean number of consecutive lost packets [packets, >= 1].
        mean_burst: f64,
    },
}

impl LossModel {
    /// Check the parameters (see the module docs for the Gilbert-Elliott constraints).
    pub fn validate(&self) -> Result<(), NetError> {
        self.transition_probabilities().map(|_| ())
    }

    /// For Gilbert-Elliott, `(P(good -> bad), P(bad -> good))`; for the others `(0, 1)`, after
    /// validating the parameters.
    pub fn transition_probabilities(&self) -> Result<(f64, f64), NetError> {
        match *self {
            LossModel::None => Ok((0.0, 1.0)),
            LossModel::Bernoulli { p } => {
                if !(0.0..=1.0).contains(&p) {
                    return Err(NetError::invalid("loss.bernoulli", "p", p, "0 <= p <= 1"));
                }
                Ok((0.0, 1.0))
            }
            LossModel::GilbertElliott {
                mean_loss,
                mean_burst,
            } => {
                const COMPONENT: &str = "loss.gilbert_elliott";
                if !(0.0..1.0).contains(&mean_loss) {
                    return Err(NetError::invalid(
                        COMPONENT,
                        "mean_loss",
                        mean_loss,
                        "0 <= mean_loss < 1",
                    ));
                }
                if !(mean_burst.is_finite() && mean_burst >= 1.0) {
                    return Err(NetError::invalid(
                        COMPONENT,
                        "mean_burst",
                        mean_burst,
                        "a finite mean burst length >= 1 packet",
                    ));
                }
                let bad_to_good = 1.0 / mean_burst;
                let good_to_bad = bad_to_good * mean_loss / (1.0 - mean_loss);
                if good_to_bad > 1.0 {
                    return Err(NetError::invalid(
                        COMPONENT,
                        "mean_loss",
                        format!("{mean_loss} (mean_burst {mean_burst})"),
                        "mean_loss / (1 - mean_loss) <= mean_burst",
                    ));
                }
                Ok((good_to_bad, bad_to_good))
            }
        }
    }
}

/// Per-link loss state: the model plus, for Gilbert-Elliott, the chain's current state.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LossState {
    model: LossModel,
    good_to_bad: f64,
    bad_to_good: f64,
    bad: bool,
}

impl LossState {
    /// Validate `model` and start its chain in a state drawn from the stationary distribution.
    pub fn new<R: Rng + ?Sized>(model: LossModel, rng: &mut R) -> Result<LossState, NetError> {
        let (good_to_bad, bad_to_good) = model.transition_probabilities()?;
        let bad = match model {
            LossModel::GilbertElliott { mean_loss, .. } => rng.random::<f64>() < mean_loss,
            _ => false,
        };
        Ok(LossState {
            model,
            good_to_bad,
            bad_to_good,
            bad,
        })
    }

    /// The model this state follows.
    pub fn model(&self) -> &LossModel {
        &self.model
    }

    /// Whether the chain is in its bad state (always false but for Gilbert-Elliott).
    pub fn bad(&self) -> bool {
        self.bad
    }

    /// Puts the chain in its bad (`true`) or good state: one model's state shared by links that
    /// each keep only their chain's state.
    pub fn set_bad(&mut self, bad: bool) {
        self.bad = bad && matches!(self.model, LossModel::GilbertElliott { .. });
    }

    /// Whether the next packet is lost; advances the chain by one packet.
    pub fn packet_lost<R: Rng + ?Sized>(&mut self, rng: &mut R) -> bool {
        match self.model {
            LossModel::None => false,
            LossModel::Bernoulli { p } => rng.random::<f64>() < p,
            LossModel::GilbertElliott { .. } => {
                let lost = self.bad;
                let u: f64 = rng.random();
                self.bad = if self.bad {
                    u >= self.bad_to_good
                } else {
                    u < self.good_to_bad
                };
                lost
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn invalid_parameters_are_errors() {
        let ge = |mean_loss, mean_burst| LossModel::GilbertElliott {
            mean_loss,
            mean_burst,
        };
        assert!(LossModel::Bernoulli { p: 1.5 }.validate().is_err());
        assert!(LossModel::Bernoulli { p: -0.1 }.validate().is_err());
        assert!(LossModel::Bernoulli { p: f64::NAN }.validate().is_err());
        assert!(ge(0.1, 0.5).validate().is_err());
        assert!(ge(1.0, 2.0).validate().is_err());
        assert!(ge(0.6, 1.0).validate().is_err());
        assert!(ge(0.1, f64::INFINITY).validate().is_err());
        assert!(ge(0.5, 1.0).validate().is_ok());
        assert!(ge(0.0, 3.0).validate().is_ok());
    }

    #[test]
    fn burst_one_at_half_loss_alternates_deterministically_once_started() {
        // p = r = 1: the chain flips every packet.
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let model = LossModel::GilbertElliott {
            mean_loss: 0.5,
            mean_burst: 1.0,
        };
        let mut state = LossState::new(model, &mut rng).expect("valid");
        let first = state.packet_lost(&mut rng);
        for i in 1..100 {
            assert_eq!(state.packet_lost(&mut rng), (i % 2 == 0) == first);
        }
    }

    #[test]
    fn no_loss_never_loses() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut state = LossState::new(LossModel::None, &mut rng).expect("valid");
        assert!((0..1000).all(|_| !state.packet_lost(&mut rng)));
    }
}
