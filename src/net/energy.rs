//! Energy accounting \[J\]: radio power times airtime, and SNN compute energy from event counts.

use super::error::NetError;
use crate::time::SimDuration;
use serde::{Deserialize, Serialize};

/// A device's radio power draw.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RadioEnergy {
    /// Power while transmitting \[W\].
    pub tx_power_w: f64,
    /// Power while receiving \[W\].
    pub rx_power_w: f64,
    /// The part of `tx_power_w` the amplifier draws for the radiated power at its maximum \[W\]
    /// (0 outside a cell): a transmission at a fraction of the maximum power draws that fraction
    /// of it.
    pub amplifier_w: f64,
}

impl RadioEnergy {
    /// Check that both powers are finite and non-negative.
    pub fn validate(&self) -> Result<(), NetError> {
        check_non_negative("energy.radio", "tx_power_w", self.tx_power_w)?;
        check_non_negative("energy.radio", "rx_power_w", self.rx_power_w)?;
        check_non_negative("energy.radio", "amplifier_w", self.amplifier_w)
    }

    /// Energy to transmit for `airtime` \[J\].
    pub fn tx_energy(&self, airtime: SimDuration) -> f64 {
        self.tx_power_w * airtime.as_secs_f64()
    }

    /// Energy to transmit for `airtime` at `power_scale` of the maximum radiated power \[J\]
    /// (equal to [`RadioEnergy::tx_energy`] at 1).
    pub fn tx_energy_at(&self, airtime: SimDuration, power_scale: f64) -> f64 {
        (self.tx_power_w - self.amplifier_w * (1.0 - power_scale)) * airtime.as_secs_f64()
    }

    /// Energy to receive for `airtime` \[J\].
    pub fn rx_energy(&self, airtime: SimDuration) -> f64 {
        self.rx_power_w * airtime.as_secs_f64()
    }
}

/// Energy per SNN operation.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComputeEnergy {
    /// Energy per emitted spike \[J\].
    pub per_spike_j: f64,
    /// Energy per synaptic operation (a spike reaching one synapse) \[J\].
    pub per_synop_j: f64,
}

impl ComputeEnergy {
    /// Check that both energies are finite and non-negative.
    pub fn validate(&self) -> Result<(), NetError> {
        check_non_negative("energy.compute", "per_spike_j", self.per_spike_j)?;
        check_non_negative("energy.compute", "per_synop_j", self.per_synop_j)
    }

    /// Energy for `spikes` spikes and `synops` synaptic operations \[J\].
    pub fn energy(&self, spikes: u64, synops: u64) -> f64 {
        self.per_spike_j * spikes as f64 + self.per_synop_j * synops as f64
    }
}

fn check_non_negative(
    component: &'static str,
    parameter: &'static str,
    value: f64,
) -> Result<(), NetError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(NetError::invalid(
            component,
            parameter,
            value,
            "a finite value >= 0",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radio_energy_is_power_times_time() {
        let radio = RadioEnergy {
            tx_power_w: 0.2,
            rx_power_w: 0.1,
            amplifier_w: 0.12,
        };
        let airtime = SimDuration::from_millis(250);
        assert!((radio.tx_energy(airtime) - 0.05).abs() < 1e-15);
        assert_eq!(radio.tx_energy_at(airtime, 1.0), radio.tx_energy(airtime));
        // A tenth of the radiated power: 0.08 + 0.012 W for 0.25 s.
        assert!((radio.tx_energy_at(airtime, 0.1) - 0.023).abs() < 1e-15);
        assert!((radio.rx_energy(airtime) - 0.025).abs() < 1e-15);
    }

    #[test]
    fn compute_energy_counts_events() {
        let compute = ComputeEnergy {
            per_spike_j: 2e-12,
            per_synop_j: 5e-12,
        };
        assert!((compute.energy(1_000, 10_000) - 5.2e-8).abs() < 1e-20);
    }

    #[test]
    fn negative_or_nan_energy_parameters_are_errors() {
        let radio = RadioEnergy {
            tx_power_w: -1.0,
            rx_power_w: 0.1,
            amplifier_w: 0.0,
        };
        assert!(radio.validate().is_err());
        let compute = ComputeEnergy {
            per_spike_j: f64::NAN,
            per_synop_j: 0.0,
        };
        assert!(compute.validate().is_err());
    }
}
