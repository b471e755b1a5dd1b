//! From a path to a bit pipe: the link budget gives the SNR of a transmission, the rate model its
//! spectral efficiency, the error model its packet error rate.
//!
//! ```text
//! SNR \[dB\] = P_tx + G_tx + G_rx - PL - shadowing + 10 log10(|h|^2) - (N0 + NF + 10 log10(B))
//! Shannon:  efficiency = min(log2(1 + SNR / gap), max)          [bit/s/Hz]
//! table:    efficiency of the highest entry whose SNR threshold the SNR reaches
//! rate      = efficiency * bandwidth                            [bit/s]
//! ```

use super::error::NetError;
use serde::{Deserialize, Serialize};

/// One direction's receiver and antennas (the transmit power is the sender's).
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkBudget {
    /// Bandwidth B \[Hz\].
    pub bandwidth_hz: f64,
    /// Transmit antenna gain \[dBi\].
    pub tx_gain_db: f64,
    /// Receive antenna gain \[dBi\].
    pub rx_gain_db: f64,
    /// Thermal noise density N0 [dBm/Hz] (-174 at 290 K).
    pub noise_density_dbm_hz: f64,
    /// Receiver noise figure NF \[dB\].
    pub noise_figure_db: f64,
}

impl LinkBudget {
    /// Check that the bandwidth is positive and every level finite.
    pub fn validate(&self) -> Result<(), NetError> {
        if !(self.bandwidth_hz.is_finite() && self.bandwidth_hz > 0.0) {
            return Err(NetError::invalid(
                "link_budget",
                "bandwidth_hz",
                self.bandwidth_hz,
                "a finite bandwidth > 0",
            ));
        }
        for (name, v) in [
            ("tx_gain_db", self.tx_gain_db),
            ("rx_gain_db", self.rx_gain_db),
            ("noise_density_dbm_hz", self.noise_density_dbm_hz),
            ("noise_figure_db", self.noise_figure_db),
        ] {
            if !v.is_finite() {
                return Err(NetError::invalid("link_budget", name, v, "a finite level"));
            }
        }
        Ok(())
    }

    /// Noise power in the band \[dBm\].
    pub fn noise_dbm(&self) -> f64 {
        self.noise_density_dbm_hz + self.noise_figure_db + 10.0 * self.bandwidth_hz.log10()
    }

    /// SNR without small-scale fading of a sender at `tx_power_dbm` over `loss_db` of path
    /// loss plus shadowing \[dB\].
    pub fn mean_snr_db(&self, tx_power_dbm: f64, loss_db: f64) -> f64 {
        tx_power_dbm + self.tx_gain_db + self.rx_gain_db - loss_db - self.noise_dbm()
    }
}

/// One row of a modulation-and-coding table.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct McsEntry {
    /// Lowest SNR at which the entry is used \[dB\].
    pub snr_db: f64,
    /// Its spectral efficiency [bit/s/Hz].
    pub efficiency: f64,
}

/// LTE's 4-bit CQI table (3GPP TS 36.213 Table 7.2.3-1: QPSK to 64QAM, efficiencies 0.1523 to
/// 5.5547 bit/s/Hz) with the SNR thresholds for 10 % block error on an AWGN channel commonly
/// used in system-level simulation (e.g. the Vienna LTE simulators; approximate, receiver
/// dependent).
pub const LTE_CQI: [McsEntry; 15] = [
    McsEntry {
        snr_db: -6.7,
        efficiency: 0.1523,
    },
    McsEntry {
        snr_db: -4.7,
        efficiency: 0.2344,
    },
    McsEntry {
        snr_db: -2.3,
        efficiency: 0.3770,
    },
    McsEntry {
        snr_db: 0.2,
        efficiency: 0.6016,
    },
    McsEntry {
        snr_db: 2.4,
        efficiency: 0.8770,
    },
    McsEntry {
        snr_db: 4.3,
        efficiency: 1.1758,
    },
    McsEntry {
        snr_db: 5.9,
        efficiency: 1.4766,
    },
    McsEntry {
        snr_db: 8.1,
        efficiency: 1.9141,
    },
    McsEntry {
        snr_db: 10.3,
        efficiency: 2.4063,
    },
    McsEntry {
        snr_db: 11.7,
        efficiency: 2.7305,
    },
    McsEntry {
        snr_db: 14.1,
        efficiency: 3.3223,
    },
    McsEntry {
        snr_db: 16.3,
        efficiency: 3.9023,
    },
    McsEntry {
        snr_db: 18.7,
        efficiency: 4.5234,
    },
    McsEntry {
        snr_db: 21.0,
        efficiency: 5.1152,
    },
    McsEntry {
        snr_db: 22.7,
        efficiency: 5.5547,
    },
];

/// Below this efficiency Shannon is in outage [bit/s/Hz]: the link would be too slow to finish
/// anything, so the sender transmits at this floor and every packet is lost.
pub const SHANNON_FLOOR: f64 = 0.01;

/// How the SNR sets the spectral efficiency.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RateModel {
    /// Shannon capacity with an SNR gap, capped.
    Shannon {
        /// SNR gap to capacity \[dB\], >= 0.
        gap_db: f64,
        /// Highest efficiency [bit/s/Hz], > 0.
        max_efficiency: f64,
    },
    /// A table of SNR thresholds, increasing in both columns.
    Table {
        /// The entries, lowest first.
        entries: Vec<McsEntry>,
    },
}

impl RateModel {
    /// Check the gap, cap or table.
    pub fn validate(&self) -> Result<(), NetError> {
        match self {
            RateModel::Shannon {
                gap_db,
                max_efficiency,
            } => {
                if !(gap_db.is_finite() && *gap_db >= 0.0) {
                    return Err(NetError::invalid(
                        "rate.shannon",
                        "gap_db",
                        gap_db,
                        ">= 0 dB",
                    ));
                }
                if !(max_efficiency.is_finite() && *max_efficiency > 0.0) {
                    return Err(NetError::invalid(
                        "rate.shannon",
                        "max_efficiency",
                        max_efficiency,
                        "a finite efficiency > 0",
                    ));
                }
                Ok(())
            }
            RateModel::Table { entries } => {
                let increasing = entries
                    .windows(2)
                    .all(|w| w[0].snr_db < w[1].snr_db && w[0].efficiency < w[1].efficiency);
                let finite = entries.iter().all(|e| {
                    e.snr_db.is_finite() && e.efficiency.is_finite() && e.efficiency > 0.0
                });
                if entries.is_empty() || !increasing || !finite {
                    return Err(NetError::invalid(
                        "rate.table",
                        "entries",
                        entries.len(),
                        "a non-empty table, SNR and efficiency strictly increasing, efficiencies > 0",
                    ));
                }
                Ok(())
            }
        }
    }

    /// Spectral efficiency at `snr_db` [bit/s/Hz]; `None` in outage: below the table's first
    /// threshold, or below [`SHANNON_FLOOR`].
    pub fn efficiency(&self, snr_db: f64) -> Option<f64> {
        match self {
            RateModel::Shannon {
                gap_db,
                max_efficiency,
            } => {
                let snr = 10f64.powf((snr_db - gap_db) / 10.0);
                let efficiency = (1.0 + snr).log2().min(*max_efficiency);
                (efficiency >= SHANNON_FLOOR).then_some(efficiency)
            }
            RateModel::Table { entries } => entries
                .iter()
                .rev()
                .find(|e| snr_db >= e.snr_db)
                .map(|e| e.efficiency),
        }
    }

    /// The efficiency of a transmission in outage: the table's first entry, or
    /// [`SHANNON_FLOOR`] (never above the cap).
    pub fn floor_efficiency(&self) -> f64 {
        match self {
            RateModel::Shannon { max_efficiency, .. } => SHANNON_FLOOR.min(*max_efficiency),
            RateModel::Table { entries } => entries.first().map_or(0.0, |e| e.efficiency),
        }
    }

    /// The highest efficiency [bit/s/Hz].
    pub fn max_efficiency(&self) -> f64 {
        match self {
            RateModel::Shannon { max_efficiency, .. } => *max_efficiency,
            RateModel::Table { entries } => entries.last().map_or(0.0, |e| e.efficiency),
        }
    }
}

/// How the SNR sets the packet error rate.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ErrorModel {
    /// No packet is lost (outage apart).
    None,
    /// Every packet is lost below `snr_db`, none at or above.
    Threshold {
        /// The threshold \[dB\].
        snr_db: f64,
    },
    /// A smooth block-error curve: `PER = 1 / (1 + exp((SNR - snr_db) / slope_db))`, one half at
    /// `snr_db`.
    Logistic {
        /// SNR of 50 % packet error \[dB\].
        snr_db: f64,
        /// Width of the waterfall \[dB\], > 0.
        slope_db: f64,
    },
}

impl ErrorModel {
    /// Check the threshold and slope.
    pub fn validate(&self) -> Result<(), NetError> {
        match *self {
            ErrorModel::None => Ok(()),
            ErrorModel::Threshold { snr_db } if snr_db.is_finite() => Ok(()),
            ErrorModel::Logistic { snr_db, slope_db }
                if snr_db.is_finite() && slope_db.is_finite() && slope_db > 0.0 =>
            {
                Ok(())
            }
            other => Err(NetError::invalid(
                "error",
                "snr_db",
                format!("{other:?}"),
                "a finite threshold (and a finite slope > 0)",
            )),
        }
    }

    /// Packet error rate at `snr_db` [0..=1].
    pub fn packet_error_rate(&self, snr_db: f64) -> f64 {
        match *self {
            ErrorModel::None => 0.0,
            ErrorModel::Threshold { snr_db: t } => {
                if snr_db < t {
                    1.0
                } else {
                    0.0
                }
            }
            ErrorModel::Logistic {
                snr_db: mid,
                slope_db,
            } => 1.0 / (1.0 + ((snr_db - mid) / slope_db).exp()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_budget_adds_up_in_decibels() {
        let budget = LinkBudget {
            bandwidth_hz: 10e6,
            tx_gain_db: 0.0,
            rx_gain_db: 8.0,
            noise_density_dbm_hz: -174.0,
            noise_figure_db: 5.0,
        };
        // Noise: -174 + 5 + 70 = -99 dBm; SNR = 23 + 8 - 120 + 99 = 10 dB.
        assert!((budget.noise_dbm() + 99.0).abs() < 1e-9);
        assert!((budget.mean_snr_db(23.0, 120.0) - 10.0).abs() < 1e-9);
        let zero = LinkBudget {
            bandwidth_hz: 0.0,
            ..budget
        };
        assert!(zero.validate().is_err());
    }

    #[test]
    fn shannon_efficiency_at_given_snrs() {
        let ideal = RateModel::Shannon {
            gap_db: 0.0,
            max_efficiency: 10.0,
        };
        // log2(1 + 1) = 1 at 0 dB; log2(1 + 1000) at 30 dB.
        assert!((ideal.efficiency(0.0).unwrap_or(0.0) - 1.0).abs() < 1e-12);
        let at_30 = ideal.efficiency(30.0).unwrap_or(0.0);
        assert!((at_30 - 1001f64.log2()).abs() < 1e-12);
        let gapped = RateModel::Shannon {
            gap_db: 3.0,
            max_efficiency: 4.0,
        };
        // 3 dB gap: log2(1 + 10^0.7) at 10 dB; capped at 4 at 40 dB.
        let at_10 = gapped.efficiency(10.0).unwrap_or(0.0);
        assert!((at_10 - (1.0 + 10f64.powf(0.7)).log2()).abs() < 1e-12);
        assert_eq!(gapped.efficiency(40.0), Some(4.0));
        assert_eq!(gapped.efficiency(-40.0), None);
        assert_eq!(gapped.floor_efficiency(), SHANNON_FLOOR);
    }

    #[test]
    fn table_rates_step_at_the_thresholds() {
        let cqi = RateModel::Table {
            entries: LTE_CQI.to_vec(),
        };
        assert!(cqi.validate().is_ok());
        assert_eq!(cqi.efficiency(-10.0), None);
        assert_eq!(cqi.efficiency(-6.7), Some(0.1523));
        assert_eq!(cqi.efficiency(10.29), Some(1.9141));
        assert_eq!(cqi.efficiency(10.3), Some(2.4063));
        assert_eq!(cqi.efficiency(40.0), Some(5.5547));
        let unordered = RateModel::Table {
            entries: vec![LTE_CQI[3], LTE_CQI[1]],
        };
        assert!(unordered.validate().is_err());
    }

    #[test]
    fn error_curves() {
        let step = ErrorModel::Threshold { snr_db: 2.0 };
        assert_eq!(step.packet_error_rate(1.99), 1.0);
        assert_eq!(step.packet_error_rate(2.0), 0.0);
        let smooth = ErrorModel::Logistic {
            snr_db: 0.0,
            slope_db: 1.0,
        };
        assert!((smooth.packet_error_rate(0.0) - 0.5).abs() < 1e-12);
        assert!((smooth.packet_error_rate(2.0) - 1.0 / (1.0 + 2f64.exp())).abs() < 1e-12);
        assert!(smooth.packet_error_rate(-3.0) > smooth.packet_error_rate(3.0));
        let flat = ErrorModel::Logistic {
            snr_db: 0.0,
            slope_db: 0.0,
        };
        assert!(flat.validate().is_err());
    }
}
