//! The shape of a model as flat vectors: W ++ V ++ gamma.

use super::CompressError;

/// Shape of a model. W is `[l][n][k_ff]` row-major (entries whose synapse is absent are never
/// sent), V is `[l][k_fb]`, gamma is `[l]`. The flat model vector is W ++ V ++ gamma.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModelLayout {
    /// Learnable (hidden and output) neurons \[count\].
    pub l: usize,
    /// All neurons, the possible presynaptic ones \[count\].
    pub n: usize,
    /// Feedforward basis functions \[count\].
    pub k_ff: usize,
    /// Feedback basis functions \[count\].
    pub k_fb: usize,
    /// `[l][n]` row-major: whether the synapse from neuron j to learnable neuron i exists.
    pub mask: Vec<bool>,
}

impl ModelLayout {
    /// Checks that the mask matches `l * n` and that there is at least one learnable neuron and
    /// one feedforward basis function.
    pub fn validate(&self) -> Result<(), CompressError> {
        if self.l == 0 {
            return Err(layout_error("l", self.l, ">= 1".into()));
        }
        if self.k_ff == 0 {
            return Err(layout_error("k_ff", self.k_ff, ">= 1".into()));
        }
        if self.mask.len() != self.l * self.n {
            let expected = format!("l * n = {}", self.l * self.n);
            return Err(layout_error("mask length", self.mask.len(), expected));
        }
        Ok(())
    }

    /// Length of W \[values\].
    pub fn w_len(&self) -> usize {
        self.l * self.n * self.k_ff
    }

    /// Length of V \[values\].
    pub fn v_len(&self) -> usize {
        self.l * self.k_fb
    }

    /// Length of gamma \[values\].
    pub fn gamma_len(&self) -> usize {
        self.l
    }

    /// Length of the flat model W ++ V ++ gamma \[values\].
    pub fn len(&self) -> usize {
        self.w_len() + self.v_len() + self.gamma_len()
    }

    /// Whether the flat model is empty (never, for a valid layout).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Synapses present in the mask \[count\].
    pub fn synapse_count(&self) -> usize {
        self.mask.iter().filter(|&&m| m).count()
    }

    /// Values that can be sent: every present synapse's `k_ff` weights, V and gamma \[count\].
    pub fn candidate_count(&self) -> usize {
        self.synapse_count() * self.k_ff + self.v_len() + self.gamma_len()
    }

    /// Flat positions of the values that can be sent, ascending: present W entries, V, gamma.
    pub fn candidates(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.candidate_count());
        for (ij, _) in self.mask.iter().enumerate().filter(|(_, &m)| m) {
            out.extend(ij * self.k_ff..(ij + 1) * self.k_ff);
        }
        out.extend(self.w_len()..self.len());
        out
    }

    /// Flat positions of basis slice `k` of W: the present synapses in `(i, j)` row-major order.
    pub fn slice_positions(&self, k: usize) -> impl Iterator<Item = usize> + '_ {
        let k_ff = self.k_ff;
        self.mask
            .iter()
            .enumerate()
            .filter(|(_, &m)| m)
            .map(move |(ij, _)| ij * k_ff + k)
    }
}

fn layout_error(what: &'static str, got: usize, expected: String) -> CompressError {
    CompressError::Layout {
        what,
        got,
        expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> ModelLayout {
        ModelLayout {
            l: 2,
            n: 3,
            k_ff: 2,
            k_fb: 1,
            mask: vec![true, false, true, false, true, true],
        }
    }

    #[test]
    fn lengths_and_candidates() {
        let lay = layout();
        assert_eq!(lay.validate(), Ok(()));
        assert_eq!((lay.w_len(), lay.v_len(), lay.gamma_len()), (12, 2, 2));
        assert_eq!(lay.synapse_count(), 4);
        assert_eq!(lay.candidate_count(), 12);
        assert_eq!(
            lay.candidates(),
            vec![0, 1, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15]
        );
        assert_eq!(
            lay.slice_positions(1).collect::<Vec<_>>(),
            vec![1, 5, 9, 11]
        );
    }

    #[test]
    fn bad_layouts_are_rejected() {
        let mut lay = layout();
        lay.mask.pop();
        assert!(matches!(
            lay.validate(),
            Err(CompressError::Layout { got: 5, .. })
        ));
        let lay = ModelLayout {
            k_ff: 0,
            ..layout()
        };
        assert!(lay.validate().is_err());
    }
}
