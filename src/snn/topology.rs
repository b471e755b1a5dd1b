//! Which neurons feed which learnable neuron (SPEC section 1, "Topology").

use super::SnnError;

/// Synaptic connectivity of the learnable neurons.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Topology {
    /// The paper's experiments: hidden rows hear every input and output neuron; output rows hear
    /// every input, every hidden and the other output neurons.
    Paper,
    /// Every learnable neuron hears every neuron but itself.
    FullyConnected,
    /// An explicit `L x N` matrix (learnable row, presynaptic column); self-synapses are removed.
    Custom(Vec<Vec<bool>>),
}

impl Topology {
    /// The `L x N` mask, row-major, self-synapses removed.
    pub(crate) fn mask(
        &self,
        n_inputs: usize,
        n_hidden: usize,
        n_outputs: usize,
    ) -> Result<Vec<bool>, SnnError> {
        let n = n_inputs + n_hidden + n_outputs;
        let l_count = n_hidden + n_outputs;
        let mut mask = vec![false; l_count * n];
        for l in 0..l_count {
            for j in 0..n {
                mask[l * n + j] = match self {
                    Topology::FullyConnected => true,
                    Topology::Paper => {
                        let hidden_row = l < n_hidden;
                        let j_hidden = j >= n_inputs && j < n_inputs + n_hidden;
                        j < n_inputs
                            || (hidden_row != j_hidden)
                            || (!hidden_row && j >= n_inputs + n_hidden)
                    }
                    Topology::Custom(rows) => {
                        if rows.len() != l_count {
                            return Err(SnnError::TopologyShape {
                                expected_rows: l_count,
                                expected_cols: n,
                                row: l_count,
                                found: rows.len(),
                            });
                        }
                        let row = &rows[l];
                        if row.len() != n {
                            return Err(SnnError::TopologyShape {
                                expected_rows: l_count,
                                expected_cols: n,
                                row: l,
                                found: row.len(),
                            });
                        }
                        row[j]
                    }
                };
            }
            mask[l * n + n_inputs + l] = false;
        }
        Ok(mask)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_topology_rows() {
        // 2 inputs, 2 hidden, 2 outputs.
        let m = Topology::Paper.mask(2, 2, 2).expect("valid");
        let row = |l: usize| m[l * 6..(l + 1) * 6].to_vec();
        assert_eq!(row(0), vec![true, true, false, false, true, true]);
        assert_eq!(row(1), vec![true, true, false, false, true, true]);
        assert_eq!(row(2), vec![true, true, true, true, false, true]);
        assert_eq!(row(3), vec![true, true, true, true, true, false]);
    }

    #[test]
    fn custom_shape_is_checked() {
        let bad = Topology::Custom(vec![vec![true; 3]]);
        assert!(matches!(
            bad.mask(1, 0, 2),
            Err(SnnError::TopologyShape { .. })
        ));
        let ok = Topology::Custom(vec![vec![true; 3]; 2])
            .mask(1, 0, 2)
            .expect("valid");
        assert_eq!(ok, vec![true, false, true, true, true, false]);
    }
}
