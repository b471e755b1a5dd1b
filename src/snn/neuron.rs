//! Scalar neuron maths: sigmoid, log-likelihoods in softplus form, target trains.

/// Output targets fire every `TARGET_PERIOD` steps of an example \[steps\].
pub const TARGET_PERIOD: usize = 5;

/// Logistic function \[probability\].
#[inline]
pub fn sigmoid(u: f64) -> f64 {
    1.0 / (1.0 + (-u).exp())
}

/// `sum_k a[k] b[k]`; for the paper's K = 8 summed as a short tree (pairs of lanes), which
/// vectorises and keeps the dependency chain short.
#[inline(always)]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    if let (Ok(a), Ok(b)) = (<&[f64; 8]>::try_from(a), <&[f64; 8]>::try_from(b)) {
        let mut s = [0.0; 4];
        for k in 0..4 {
            s[k] = a[k] * b[k] + a[k + 4] * b[k + 4];
        }
        (s[0] + s[2]) + (s[1] + s[3])
    } else {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }
}

/// `ln(1 + e^x)`, accurate for any x.
#[inline]
pub(crate) fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// `log p(s | u)` of a Bernoulli(sigmoid(u)) spike `s` \[nats\], in softplus form.
#[inline]
pub fn log_prob(spike: bool, u: f64) -> f64 {
    if spike {
        -softplus(-u)
    } else {
        -softplus(u)
    }
}

/// Hidden neuron's KL term `s ln(sigma/rho) + (1-s) ln((1-sigma)/(1-rho))` \[nats\].
#[inline]
pub(crate) fn hidden_kl_term(spike: bool, u: f64, ln_rho: f64, ln_one_minus_rho: f64) -> f64 {
    if spike {
        -softplus(-u) - ln_rho
    } else {
        -softplus(u) - ln_one_minus_rho
    }
}

/// Whether output `output` is clamped to spike at `step_in_example` when the true class is
/// `label`: the true class's output fires at steps 0, 5, 10, ...; the others stay silent.
#[inline]
pub fn target_spike(output: usize, label: usize, step_in_example: usize) -> bool {
    output == label && step_in_example.is_multiple_of(TARGET_PERIOD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_prob_matches_naive_form() {
        for &u in &[-10.0, -3.0, -0.2, 0.0, 0.7, 4.0, 10.0] {
            let p: f64 = sigmoid(u);
            assert!((log_prob(true, u) - p.ln()).abs() < 1e-12);
            assert!((log_prob(false, u) - (1.0 - p).ln()).abs() < 1e-9);
        }
        // Far tails, where the naive form loses precision: log sigmoid(-x) = -x - ln(1 + e^-x).
        assert!((log_prob(false, 30.0) + 30.0 + (-30.0f64).exp()).abs() < 1e-12);
        assert!((log_prob(true, -30.0) + 30.0 + (-30.0f64).exp()).abs() < 1e-12);
        assert!(log_prob(false, 800.0).is_finite());
        assert!(log_prob(true, -800.0).is_finite());
    }
}
