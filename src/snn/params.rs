//! Learnable parameters of one SNN.

/// W, V and gamma of every learnable neuron, flat and row-major.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Params {
    /// Feedforward weights `[L][N][K_a]`; masked entries are 0 \[dimensionless\].
    pub w: Vec<f64>,
    /// Feedback weights `[L][K_b]` \[dimensionless\].
    pub v: Vec<f64>,
    /// Biases `[L]` \[dimensionless\].
    pub gamma: Vec<f64>,
}

impl Params {
    /// Element-wise mean of equally shaped parameter sets, summed in the given order.
    /// Returns `None` for an empty slice or mismatched shapes.
    pub fn mean(all: &[&Params]) -> Option<Params> {
        let first = all.first()?;
        let same = |p: &&Params| {
            p.w.len() == first.w.len()
                && p.v.len() == first.v.len()
                && p.gamma.len() == first.gamma.len()
        };
        if !all.iter().all(same) {
            return None;
        }
        let scale = 1.0 / all.len() as f64;
        let avg = |get: fn(&Params) -> &Vec<f64>| -> Vec<f64> {
            (0..get(first).len())
                .map(|i| all.iter().map(|p| get(p)[i]).sum::<f64>() * scale)
                .collect()
        };
        Some(Params {
            w: avg(|p| &p.w),
            v: avg(|p| &p.v),
            gamma: avg(|p| &p.gamma),
        })
    }

    /// Largest absolute element-wise difference over W, V and gamma (infinite on shape mismatch).
    pub fn max_abs_diff(&self, other: &Params) -> f64 {
        if self.w.len() != other.w.len()
            || self.v.len() != other.v.len()
            || self.gamma.len() != other.gamma.len()
        {
            return f64::INFINITY;
        }
        let pairs = self.w.iter().zip(&other.w);
        let pairs = pairs.chain(self.v.iter().zip(&other.v));
        let pairs = pairs.chain(self.gamma.iter().zip(&other.gamma));
        pairs.map(|(a, b)| (a - b).abs()).fold(0.0, f64::max)
    }
}
