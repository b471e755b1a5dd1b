//! What the recorder keeps per device while a run goes on, held small: a run of a million
//! devices keeps a million of each. The counts are 32-bit (validation keeps a run under 10^9
//! rounds, and a device counts each at most a few times a round), the learning columns are
//! made only once a device reports learning figures (never in a systems-only run), and the
//! energy models are held once per distinct model, with an index per device.

use crate::net::{ComputeEnergy, RadioEnergy};
use std::collections::HashMap;

/// A device's energy models.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DeviceEnergy {
    /// Radio powers.
    pub radio: RadioEnergy,
    /// Energy per spike and per synaptic operation.
    pub compute: ComputeEnergy,
}

/// A device's running columns of `devices.csv` that every run has (104 bytes).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct DeviceTally {
    pub steps: u64,
    pub bytes_up: u64,
    pub bytes_down: u64,
    pub airtime_up_s: f64,
    pub airtime_down_s: f64,
    pub energy_tx_j: f64,
    pub energy_rx_j: f64,
    /// The final local model's test accuracy and NLL (NaN when it was not evaluated, 0 until
    /// it reports).
    pub accuracy: f64,
    pub test_nll: f64,
    pub uploads_sent: u32,
    pub uploads_delivered: u32,
    pub uploads_lost: u32,
    pub uploads_late: u32,
    pub uploads_skipped: u32,
    pub uploads_over_budget: u32,
    pub broadcasts_received: u32,
    pub broadcasts_missed: u32,
}

/// A device's learning columns: zero until it reports learning figures.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct LearningTally {
    pub spikes: u64,
    pub synaptic_ops: u64,
    pub energy_compute_j: f64,
    pub learner_bytes: u64,
}

/// Every device's learning columns, made for all devices when the first one has figures to
/// add (a systems-only run never does).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct Learning {
    devices: Vec<LearningTally>,
}

impl Learning {
    /// Device `d`'s columns, the table made for `n` devices first if it is not yet.
    pub fn of(&mut self, d: u32, n: usize) -> &mut LearningTally {
        if self.devices.is_empty() {
            self.devices = vec![LearningTally::default(); n];
        }
        &mut self.devices[d as usize]
    }

    /// Device `d`'s columns as they stand (zero when none were made).
    pub fn get(&self, d: usize) -> LearningTally {
        self.devices.get(d).cloned().unwrap_or_default()
    }
}

/// The devices' energy models, each distinct one held once.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct EnergyModels {
    models: Vec<DeviceEnergy>,
    /// Per device, its model's index.
    of: Vec<u32>,
}

impl EnergyModels {
    /// The models of `devices`, in id order.
    pub fn new(devices: Vec<DeviceEnergy>) -> EnergyModels {
        let mut index: HashMap<[u64; 5], u32> = HashMap::new();
        let mut models = EnergyModels {
            models: Vec::new(),
            of: Vec::with_capacity(devices.len()),
        };
        for energy in devices {
            let key = [
                energy.radio.tx_power_w,
                energy.radio.rx_power_w,
                energy.radio.amplifier_w,
                energy.compute.per_spike_j,
                energy.compute.per_synop_j,
            ]
            .map(f64::to_bits);
            let i = *index.entry(key).or_insert_with(|| {
                models.models.push(energy);
                (models.models.len() - 1) as u32
            });
            models.of.push(i);
        }
        models
    }

    /// Device `d`'s model.
    pub fn device(&self, d: u32) -> &DeviceEnergy {
        &self.models[self.of[d as usize] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn energy(tx: f64, per_spike: f64) -> DeviceEnergy {
        DeviceEnergy {
            radio: RadioEnergy {
                tx_power_w: tx,
                rx_power_w: 0.5,
                amplifier_w: 0.0,
            },
            compute: ComputeEnergy {
                per_spike_j: per_spike,
                per_synop_j: 1e-12,
            },
        }
    }

    #[test]
    fn each_device_finds_its_own_energy_model_held_once() {
        let devices = vec![
            energy(1.0, 1e-9),
            energy(2.0, 1e-9),
            energy(1.0, 1e-9),
            energy(1.0, 2e-9),
            energy(2.0, 1e-9),
        ];
        let models = EnergyModels::new(devices.clone());
        assert_eq!(models.models.len(), 3);
        for (d, e) in devices.iter().enumerate() {
            let m = models.device(d as u32);
            assert_eq!(m.radio.tx_power_w, e.radio.tx_power_w, "device {d}");
            assert_eq!(m.compute.per_spike_j, e.compute.per_spike_j, "device {d}");
        }
    }

    #[test]
    fn learning_columns_are_zero_until_made_and_made_for_every_device() {
        let mut learning = Learning::default();
        assert_eq!(learning.get(3).spikes, 0);
        assert!(learning.devices.is_empty());
        learning.of(3, 5).spikes += 7;
        assert_eq!(learning.devices.len(), 5);
        assert_eq!(learning.get(3).spikes, 7);
        assert_eq!(learning.get(4).spikes, 0);
    }
}
