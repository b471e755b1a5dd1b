//! `summary.json` and the one-screen summary printed at the end of a run. The report and
//! `flsnn compare` read `summary.json` back as the same [`RunSummary`].

use super::records::{DeviceRecord, RoundRecord, RunResult};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// Headline figures of a run. JSON has no NaN: a NaN figure (not evaluated) is written as `null`
/// and read back as NaN.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSummary {
    /// Scenario name.
    pub name: String,
    /// Master seed.
    pub seed: u64,
    /// Devices.
    pub devices: usize,
    /// Rounds recorded.
    pub rounds: usize,
    /// Final global model's test accuracy (separate training: mean of the devices' local models).
    #[serde(deserialize_with = "nan_if_null")]
    pub accuracy: f64,
    /// Final global model's tie rate.
    #[serde(deserialize_with = "nan_if_null")]
    pub tie_rate: f64,
    /// Final global model's teacher-forced test NLL per example.
    #[serde(deserialize_with = "nan_if_null")]
    pub test_nll: f64,
    /// Mean final test accuracy of the devices' local models.
    #[serde(deserialize_with = "nan_if_null")]
    pub device_accuracy: f64,
    /// Mean final test NLL of the devices' local models.
    #[serde(deserialize_with = "nan_if_null")]
    pub device_nll: f64,
    /// Uplink bytes, every attempt \[B\].
    pub bytes_up: u64,
    /// Downlink bytes \[B\].
    pub bytes_down: u64,
    /// Uploads sent / delivered / lost / late / skipped while off.
    pub uploads: [u64; 5],
    /// Uploads skipped to stay within budget.
    pub uploads_over_budget: u64,
    /// Broadcast copies delivered / lost.
    pub broadcasts: [u64; 2],
    /// Packet retransmissions: uplink, downlink.
    pub retransmissions: [u64; 2],
    /// Radio transmit, radio receive and compute energy of all devices \[J\].
    #[serde(deserialize_with = "nans_if_null")]
    pub energy_j: [f64; 3],
    /// Virtual time at the end \[s\].
    #[serde(deserialize_with = "nan_if_null")]
    pub virtual_time_s: f64,
    /// Wall-clock time of the simulation \[s\].
    #[serde(deserialize_with = "nan_if_null")]
    pub wall_time_s: f64,
    /// Calendar events processed.
    pub events: u64,
    /// Calendar events per wall-clock second.
    #[serde(deserialize_with = "nan_if_null")]
    pub events_per_s: f64,
}

/// A number written by serde_json, which writes NaN as `null`.
fn nan_if_null<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// [`nan_if_null`] for each of three numbers.
fn nans_if_null<'de, D: Deserializer<'de>>(d: D) -> Result<[f64; 3], D::Error> {
    let values = <[Option<f64>; 3]>::deserialize(d)?;
    Ok(values.map(|v| v.unwrap_or(f64::NAN)))
}

/// Builds summaries.
pub struct Summary;

impl Summary {
    /// Summarises a finished run.
    pub fn of(name: &str, seed: u64, result: &RunResult, wall_time_s: f64) -> RunSummary {
        let sum = |f: fn(&RoundRecord) -> u64| result.rounds.iter().map(f).sum::<u64>();
        let fsum = |f: fn(&DeviceRecord) -> f64| result.devices.iter().map(f).sum::<f64>();
        let n = result.devices.len().max(1) as f64;
        let device_accuracy = fsum(|d| d.accuracy) / n;
        let device_nll = fsum(|d| d.test_nll) / n;
        // One evaluation, reported everywhere: the last evaluated row of rounds.csv.
        let (accuracy, tie_rate, test_nll) = result
            .last_evaluated()
            .map_or((f64::NAN, f64::NAN, f64::NAN), |r| {
                (r.accuracy, r.tie_rate, r.test_nll)
            });
        RunSummary {
            name: name.to_string(),
            seed,
            devices: result.devices.len(),
            rounds: result.rounds.len(),
            accuracy,
            tie_rate,
            test_nll,
            device_accuracy,
            device_nll,
            bytes_up: sum(|r| r.bytes_up),
            bytes_down: sum(|r| r.bytes_down),
            uploads: [
                sum(|r| r.uploads_sent),
                sum(|r| r.uploads_delivered),
                sum(|r| r.uploads_lost),
                sum(|r| r.uploads_late),
                sum(|r| r.uploads_skipped),
            ],
            uploads_over_budget: sum(|r| r.uploads_over_budget),
            broadcasts: [sum(|r| r.broadcasts_delivered), sum(|r| r.broadcasts_lost)],
            retransmissions: [
                sum(|r| r.retransmissions_up),
                sum(|r| r.retransmissions_down),
            ],
            energy_j: [
                fsum(|d| d.energy_tx_j),
                fsum(|d| d.energy_rx_j),
                fsum(|d| d.energy_compute_j),
            ],
            virtual_time_s: result.virtual_end.as_secs_f64(),
            wall_time_s,
            events: result.events,
            events_per_s: result.events as f64 / wall_time_s.max(1e-9),
        }
    }
}

fn bytes(b: u64) -> String {
    match b {
        b if b >= 1 << 30 => format!("{:.2} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.2} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.2} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

impl fmt::Display for RunSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [sent, delivered, lost, late, skipped] = self.uploads;
        let [tx, rx, compute] = self.energy_j;
        writeln!(
            f,
            "run {} (seed {}): {} devices, {} rounds",
            self.name, self.seed, self.devices, self.rounds
        )?;
        if self.tie_rate.is_finite() {
            writeln!(
                f,
                "  global model    accuracy {:.2}%  ties {:.1}%  test NLL {:.3}",
                100.0 * self.accuracy,
                100.0 * self.tie_rate,
                self.test_nll
            )?;
        } else if self.accuracy.is_finite() {
            writeln!(f, "  global model    none (separate training)")?;
        } else {
            writeln!(f, "  global model    not evaluated (systems-only run)")?;
        }
        if self.device_accuracy.is_finite() {
            writeln!(
                f,
                "  device models   accuracy {:.2}%  test NLL {:.3} (mean)",
                100.0 * self.device_accuracy,
                self.device_nll
            )?;
        } else {
            writeln!(
                f,
                "  device models   not evaluated (set eval.device_models = true)"
            )?;
        }
        writeln!(f, "  uplink          {} in {sent} uploads: {delivered} delivered, {lost} lost, {late} late, {skipped} skipped (off), {} over budget; {} retransmissions", bytes(self.bytes_up), self.uploads_over_budget, self.retransmissions[0])?;
        writeln!(
            f,
            "  downlink        {}: {} copies delivered, {} lost; {} retransmissions",
            bytes(self.bytes_down),
            self.broadcasts[0],
            self.broadcasts[1],
            self.retransmissions[1]
        )?;
        writeln!(
            f,
            "  energy          radio tx {tx:.4} J, radio rx {rx:.4} J, compute {compute:.6} J"
        )?;
        write!(
            f,
            "  time            virtual {:.3} s, wall {:.2} s ({} events, {:.0} events/s)",
            self.virtual_time_s, self.wall_time_s, self.events, self.events_per_s
        )
    }
}
