//! Raised-cosine basis functions (SPEC section 1).

use std::f64::consts::PI;

/// Raised-cosine basis bank `[k]\[m\]` for `k` functions over `memory` lags; lag `m = 0` is the step
/// `t-1`. `a_k\[m\] = 1/2 + 1/2 cos(clip(pi mu ln(m+1) - k pi/2, -pi, pi))` \[dimensionless\].
pub fn raised_cosine(k: usize, memory: usize, mu: f64) -> Vec<Vec<f64>> {
    (0..k)
        .map(|kk| {
            (0..memory)
                .map(|m| {
                    let phase = PI * mu * ((m + 1) as f64).ln() - kk as f64 * PI / 2.0;
                    0.5 + 0.5 * phase.clamp(-PI, PI).cos()
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_rows_match() {
        let a = raised_cosine(8, 10, 1.5);
        assert_eq!(a[2][0], 0.0);
        assert!((a[2][1] - 0.9961).abs() < 1e-4);
        assert!((a[2][2] - 0.2759).abs() < 1e-4);
        assert!((a[7][8] - 0.9006).abs() < 1e-4);
        assert!((a[7][9] - 0.9948).abs() < 1e-4);
        let b = raised_cosine(1, 10, 1.5);
        assert_eq!(b[0][0], 1.0);
        assert!(b[0][1..].iter().all(|&x| x.abs() < 1e-12));
    }
}
