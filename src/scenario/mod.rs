//! Scenario files: typed schema, loading and layering, validation.
//!
//! Two stages: [`raw`] is the file as written (every key optional, unknown keys rejected), layered
//! by [`load()`] from the file, `FLSNN_*` environment variables and `--set key=value` arguments, strictly
//! typed (no coercion); [`validate`] turns it into a [`Scenario`] with checked, typed values (time
//! in \[ns\] as [`crate::time::SimDuration`], rates in [bit/s], sizes in \[bytes\], power in \[W\], energy
//! in \[J\]). Every error names the file, the key path and what is allowed.

mod checks;
pub mod error;
mod layer;
pub mod load;
pub mod memory;
pub mod name;
pub mod raw;
pub mod raw_cell;
pub mod raw_faults;
pub mod resolve;
pub mod spec;
pub mod units;
pub mod validate;
mod validate_air;
mod validate_budget;
mod validate_cell;
mod validate_faults;
mod validate_net;
mod validate_override;

pub use error::ScenarioError;
pub use load::{load, load_str, load_with_env, DEFAULT_SCENARIO, EMBEDDED_NAME};
pub use spec::*;

impl Scenario {
    /// The resolved scenario as TOML in the file schema, every default explicit; loading it back
    /// gives an equal scenario (apart from `source`).
    pub fn to_resolved_toml(&self) -> String {
        toml::to_string(&resolve::to_raw(self))
            .unwrap_or_else(|e| format!("# cannot serialise the scenario: {e}\n"))
    }

    /// Number of output neurons N_Y (one per class).
    pub fn outputs(&self) -> usize {
        self.data.classes.len()
    }

    /// Checks a custom adjacency matrix against the input count known once data are loaded:
    /// N = `n_inputs` + hidden + outputs columns, and no neuron may feed itself (its own past
    /// enters only through the feedback kernel). Other topologies always pass.
    pub fn check_adjacency(&self, n_inputs: usize) -> Result<(), ScenarioError> {
        let Topology::Custom(rows) = &self.snn.topology else {
            return Ok(());
        };
        let columns = n_inputs + rows.len();
        for (i, row) in rows.iter().enumerate() {
            if row.len() != columns {
                return Err(ScenarioError::Invalid {
                    file: self.source.clone(),
                    key: format!("snn.adjacency[{i}]"),
                    expected: format!(
                        "{columns} columns ({n_inputs} inputs + {} hidden + {} outputs)",
                        self.snn.hidden,
                        self.outputs()
                    ),
                    got: format!("{} columns", row.len()),
                });
            }
            if row[n_inputs + i] {
                return Err(ScenarioError::Invalid {
                    file: self.source.clone(),
                    key: format!("snn.adjacency[{i}][{}]", n_inputs + i),
                    expected: "0 (no self-synapse; a neuron's own past enters through the feedback kernel)".to_string(),
                    got: "1".to_string(),
                });
            }
        }
        Ok(())
    }

    /// Device class index of every device, deterministic and interleaved: device `d` goes to the
    /// class furthest behind its share after `d + 1` devices (ties to the lower index), so each
    /// class gets its share of devices to within one.
    pub fn device_class_assignment(&self) -> Vec<usize> {
        class_assignment(&self.device_classes, self.fl.devices)
    }
}

/// The class of each of the first `devices` devices (see [`Scenario::device_class_assignment`]).
pub(crate) fn class_assignment(classes: &[spec::DeviceClass], devices: u64) -> Vec<usize> {
    let mut counts = vec![0u64; classes.len()];
    let mut out = Vec::with_capacity(devices as usize);
    for d in 0..devices {
        let n = (d + 1) as f64;
        let mut best = 0;
        let mut best_deficit = f64::NEG_INFINITY;
        for (k, class) in classes.iter().enumerate() {
            let deficit = class.share * n - counts[k] as f64;
            if deficit > best_deficit {
                best = k;
                best_deficit = deficit;
            }
        }
        counts[best] += 1;
        out.push(best);
    }
    out
}
