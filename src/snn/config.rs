//! SNN hyper-parameters (SPEC sections 1, 2) with the paper's defaults.

use super::{SnnError, Topology};

/// Sizes, basis banks and learning-rule constants of one SNN.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SnnConfig {
    /// Exogenous input neurons N_X \[count\].
    pub n_inputs: usize,
    /// Hidden neurons N_H \[count\].
    pub n_hidden: usize,
    /// Output neurons N_Y, one per class \[count\].
    pub n_outputs: usize,
    /// Feedforward basis functions K_a \[count\] (paper: 8).
    pub k_ff: usize,
    /// Feedback basis functions K_b \[count\] (paper: 1).
    pub k_fb: usize,
    /// Memory of both banks tau \[steps\] (paper: 10).
    pub memory: usize,
    /// Raised-cosine stretch mu \[dimensionless\] (paper: 1.5).
    pub mu: f64,
    /// Initial weights are uniform in [-w0, w0] \[dimensionless\] (paper: 0.01).
    pub w0: f64,
    /// Learning rate eta \[dimensionless\] (paper: 0.05).
    pub eta: f64,
    /// Smoothing of eligibility traces and learning signal kappa, in [0, 1) (paper: 0.05).
    pub kappa: f64,
    /// Steps per local update Delta_s \[steps\] (paper: 1).
    pub delta_s: usize,
    /// Weight of the hidden-rate KL term alpha \[dimensionless\] (paper: 1).
    pub alpha: f64,
    /// Target hidden firing probability rho, in (0, 1) (paper: 0.3).
    pub rho: f64,
    /// Synaptic connectivity.
    pub topology: Topology,
}

impl Default for SnnConfig {
    /// The documented defaults (README, scenario reference): the paper's 676-0-2 network with its
    /// bases and constants, except the learning rate: 0.01 suits rate-coded MNIST at gain 0.15
    /// (the paper's original code uses 0.05).
    fn default() -> SnnConfig {
        SnnConfig {
            n_inputs: 676,
            n_hidden: 0,
            n_outputs: 2,
            k_ff: 8,
            k_fb: 1,
            memory: 10,
            mu: 1.5,
            w0: 0.01,
            eta: 0.01,
            kappa: 0.05,
            delta_s: 1,
            alpha: 1.0,
            rho: 0.3,
            topology: Topology::Paper,
        }
    }
}

impl SnnConfig {
    /// The paper's topology and the default constants for the given sizes.
    pub fn paper(n_inputs: usize, n_hidden: usize, n_outputs: usize) -> SnnConfig {
        SnnConfig {
            n_inputs,
            n_hidden,
            n_outputs,
            ..SnnConfig::default()
        }
    }

    /// Checks every range; the first violation is returned.
    pub fn validate(&self) -> Result<(), SnnError> {
        fn bad(key: &'static str, value: impl ToString, expected: &'static str) -> SnnError {
            SnnError::InvalidConfig {
                key,
                value: value.to_string(),
                expected,
            }
        }
        let n = self.n_inputs as u128 + self.n_hidden as u128 + self.n_outputs as u128;
        if self.n_outputs == 0 {
            return Err(bad("n_outputs", self.n_outputs, "at least 1"));
        }
        if n >= u32::MAX as u128 / 2 {
            return Err(bad(
                "n_inputs",
                self.n_inputs,
                "fewer than 2^31 neurons in total",
            ));
        }
        if self.k_ff == 0 {
            return Err(bad("k_ff", self.k_ff, "at least 1"));
        }
        if self.k_fb == 0 {
            return Err(bad("k_fb", self.k_fb, "at least 1"));
        }
        if self.memory == 0 {
            return Err(bad("memory", self.memory, "at least 1 step"));
        }
        if self.delta_s == 0 {
            return Err(bad("delta_s", self.delta_s, "at least 1 step"));
        }
        if !self.mu.is_finite() {
            return Err(bad("mu", self.mu, "a finite number"));
        }
        if !(self.w0.is_finite() && self.w0 >= 0.0) {
            return Err(bad("w0", self.w0, "a finite number >= 0"));
        }
        if !self.eta.is_finite() {
            return Err(bad("eta", self.eta, "a finite number"));
        }
        // 0.999 keeps the ring of learning signals (see `Network::signal_ring_len`) below 70k.
        if !(self.kappa >= 0.0 && self.kappa <= 0.999) {
            return Err(bad("kappa", self.kappa, "a number in [0, 0.999]"));
        }
        if !self.alpha.is_finite() {
            return Err(bad("alpha", self.alpha, "a finite number"));
        }
        if !(self.rho > 0.0 && self.rho < 1.0) {
            return Err(bad("rho", self.rho, "a number in (0, 1)"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_config_is_valid_and_ranges_are_checked() {
        assert_eq!(SnnConfig::paper(676, 0, 2).validate(), Ok(()));
        let mut cfg = SnnConfig::paper(4, 0, 2);
        cfg.kappa = 1.0;
        assert!(matches!(
            cfg.validate(),
            Err(SnnError::InvalidConfig { key: "kappa", .. })
        ));
        let mut cfg = SnnConfig::paper(4, 0, 2);
        cfg.delta_s = 0;
        assert!(matches!(
            cfg.validate(),
            Err(SnnError::InvalidConfig { key: "delta_s", .. })
        ));
        let mut cfg = SnnConfig::paper(4, 0, 2);
        cfg.rho = 1.0;
        assert!(matches!(
            cfg.validate(),
            Err(SnnError::InvalidConfig { key: "rho", .. })
        ));
    }
}
