//! Turning runs into plottable series: curves with mean and std over trials, budget points,
//! per-round participation and per-device energy.

use super::load::{RoundRow, RunData, RunGroup};

/// What a learning curve is plotted against.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum XAxis {
    /// Global iterations (blocks of Delta_s steps).
    Iteration,
    /// Virtual time at the end of the round \[s\].
    VirtualTime,
    /// Cumulative uplink bytes [MB = 1e6 B].
    UplinkBytes,
    /// Cumulative energy of all devices: radio tx and rx and compute \[J\].
    Energy,
}

impl XAxis {
    /// Every axis, in plot order.
    pub const ALL: [XAxis; 4] = [
        XAxis::Iteration,
        XAxis::VirtualTime,
        XAxis::UplinkBytes,
        XAxis::Energy,
    ];

    /// Axis label, with units.
    pub fn label(self) -> &'static str {
        match self {
            XAxis::Iteration => "global iteration",
            XAxis::VirtualTime => "virtual time [s]",
            XAxis::UplinkBytes => "cumulative uplink [MB]",
            XAxis::Energy => "cumulative device energy [J]",
        }
    }

    /// Short name, for file names.
    pub fn slug(self) -> &'static str {
        match self {
            XAxis::Iteration => "iteration",
            XAxis::VirtualTime => "time",
            XAxis::UplinkBytes => "uplink",
            XAxis::Energy => "energy",
        }
    }
}

/// A learning metric.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Test accuracy \[fraction\].
    Accuracy,
    /// Teacher-forced test NLL per example \[nats\].
    Loss,
}

impl Metric {
    /// Both metrics, in plot order.
    pub const ALL: [Metric; 2] = [Metric::Loss, Metric::Accuracy];

    /// Axis label, with units.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Accuracy => "test accuracy",
            Metric::Loss => "test loss (NLL per example)",
        }
    }

    /// Short name, for file names.
    pub fn slug(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::Loss => "loss",
        }
    }

    fn of(self, row: &RoundRow) -> f64 {
        match self {
            Metric::Accuracy => row.accuracy,
            Metric::Loss => row.test_nll,
        }
    }
}

/// One point of a series: x, and y as a mean with its spread over trials.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Point {
    /// Mean x over the trials.
    pub x: f64,
    /// Mean y over the trials.
    pub y: f64,
    /// Sample standard deviation of y over the trials (0 for one trial).
    pub y_std: f64,
    /// Sample standard deviation of x over the trials (0 for one trial).
    pub x_std: f64,
    /// Trials that contributed.
    pub n: usize,
}

/// Mean and sample standard deviation (n - 1 in the denominator; 0 for fewer than two values).
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, var.sqrt())
}

fn point(xs: &[f64], ys: &[f64]) -> Point {
    let (x, x_std) = mean_std(xs);
    let (y, y_std) = mean_std(ys);
    Point {
        x,
        y,
        y_std,
        x_std,
        n: ys.len(),
    }
}

/// The x value of every round of a run, in row order.
fn xs_of(run: &RunData, axis: XAxis) -> Vec<f64> {
    let mut uplink = 0u64;
    let mut energy = 0.0;
    run.rounds
        .iter()
        .map(|r| {
            uplink += r.bytes_up;
            energy += r.energy_tx_j + r.energy_rx_j + r.energy_compute_j;
            match axis {
                XAxis::Iteration => r.global_iteration as f64,
                XAxis::VirtualTime => r.end_ns as f64 * 1e-9,
                XAxis::UplinkBytes => uplink as f64 * 1e-6,
                XAxis::Energy => energy,
            }
        })
        .collect()
}

/// The learning curve of a group: at each round index, the mean and std of `metric` and of the x
/// value over the trials that evaluated that round. Rounds no trial evaluated are left out.
pub fn curve(group: &RunGroup, axis: XAxis, metric: Metric) -> Vec<Point> {
    let xs: Vec<Vec<f64>> = group.runs.iter().map(|r| xs_of(r, axis)).collect();
    let rounds = group.runs.iter().map(|r| r.rounds.len()).max().unwrap_or(0);
    let mut points = Vec::new();
    for i in 0..rounds {
        let mut px = Vec::new();
        let mut py = Vec::new();
        for (run, x) in group.runs.iter().zip(&xs) {
            if let Some(row) = run.rounds.get(i) {
                let y = metric.of(row);
                if y.is_finite() {
                    px.push(x[i]);
                    py.push(y);
                }
            }
        }
        if !py.is_empty() {
            points.push(point(&px, &py));
        }
    }
    points
}

/// Final accuracy of a run: `summary.json`'s `accuracy`, else its last evaluated round.
pub fn final_accuracy(run: &RunData) -> f64 {
    Some(run.summary.accuracy)
        .filter(|a| a.is_finite())
        .or_else(|| {
            run.rounds
                .iter()
                .rev()
                .map(|r| r.accuracy)
                .find(|a| a.is_finite())
        })
        .unwrap_or(f64::NAN)
}

/// Total uplink bytes of a run \[B\].
pub fn total_uplink(run: &RunData) -> u64 {
    run.rounds.iter().map(|r| r.bytes_up).sum()
}

/// Final accuracy against total uplink \[MB\]: one point per run, and the group's mean with its
/// spread. Runs without a final accuracy are left out.
pub fn budget(group: &RunGroup) -> (Vec<Point>, Option<Point>) {
    let runs: Vec<Point> = group
        .runs
        .iter()
        .map(|r| point(&[total_uplink(r) as f64 * 1e-6], &[final_accuracy(r)]))
        .filter(|p| p.y.is_finite())
        .collect();
    if runs.is_empty() {
        return (runs, None);
    }
    let xs: Vec<f64> = runs.iter().map(|p| p.x).collect();
    let ys: Vec<f64> = runs.iter().map(|p| p.y).collect();
    let mean = point(&xs, &ys);
    (runs, Some(mean))
}

/// A per-round count, for the participation plot.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Count {
    /// Devices asked to take part.
    Participants,
    /// Uploads lost on the uplink.
    UploadsLost,
    /// Uploads that arrived late.
    UploadsLate,
    /// Uploads skipped while the device was off.
    UploadsSkipped,
    /// Broadcast copies lost.
    BroadcastsLost,
}

impl Count {
    /// Every count, in legend order.
    pub const ALL: [Count; 5] = [
        Count::Participants,
        Count::UploadsLost,
        Count::UploadsLate,
        Count::UploadsSkipped,
        Count::BroadcastsLost,
    ];

    /// Legend label.
    pub fn label(self) -> &'static str {
        match self {
            Count::Participants => "participants",
            Count::UploadsLost => "uploads lost",
            Count::UploadsLate => "uploads late",
            Count::UploadsSkipped => "uploads skipped (off)",
            Count::BroadcastsLost => "broadcasts lost",
        }
    }

    fn of(self, row: &RoundRow) -> u64 {
        match self {
            Count::Participants => row.participants,
            Count::UploadsLost => row.uploads_lost,
            Count::UploadsLate => row.uploads_late,
            Count::UploadsSkipped => row.uploads_skipped,
            Count::BroadcastsLost => row.broadcasts_lost,
        }
    }
}

/// `count` per round index (x = round), mean and std over the group's trials.
pub fn per_round(group: &RunGroup, count: Count) -> Vec<Point> {
    let rounds = group.runs.iter().map(|r| r.rounds.len()).max().unwrap_or(0);
    (0..rounds)
        .map(|i| {
            let ys: Vec<f64> = group
                .runs
                .iter()
                .filter_map(|r| r.rounds.get(i))
                .map(|row| count.of(row) as f64)
                .collect();
            point(&vec![i as f64; ys.len()], &ys)
        })
        .collect()
}

/// Mean energy of one device over the trials \[J\].
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceEnergy {
    /// Device id.
    pub device: u32,
    /// Radio transmit \[J\].
    pub tx_j: f64,
    /// Radio receive \[J\].
    pub rx_j: f64,
    /// SNN compute \[J\].
    pub compute_j: f64,
}

/// Per-device energy, averaged over the group's trials, in device-id order.
pub fn energy(group: &RunGroup) -> Vec<DeviceEnergy> {
    let mut ids: Vec<u32> = group
        .runs
        .iter()
        .flat_map(|r| r.devices.iter().map(|d| d.device))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .map(|id| {
            let rows: Vec<_> = group
                .runs
                .iter()
                .filter_map(|r| r.devices.iter().find(|d| d.device == id))
                .collect();
            let n = rows.len().max(1) as f64;
            DeviceEnergy {
                device: id,
                tx_j: rows.iter().map(|d| d.energy_tx_j).sum::<f64>() / n,
                rx_j: rows.iter().map(|d| d.energy_rx_j).sum::<f64>() / n,
                compute_j: rows.iter().map(|d| d.energy_compute_j).sum::<f64>() / n,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;
    use crate::report::load::DeviceRow;

    fn run(name: &str, acc: &[f64], bytes: u64) -> RunData {
        let rounds = acc
            .iter()
            .enumerate()
            .map(|(i, &a)| RoundRow {
                round: i as u64,
                global_iteration: 10 * (i as u64 + 1),
                end_ns: 1_000_000_000 * (i as u64 + 1),
                participants: 2,
                bytes_up: bytes,
                accuracy: a,
                test_nll: 1.0 - a,
                ..RoundRow::default()
            })
            .collect();
        RunData {
            name: name.into(),
            dir: name.into(),
            manifest: fixture::manifest(name, 1, 10, None),
            summary: fixture::summary(
                name,
                1,
                acc.len(),
                acc.last().copied().unwrap_or(f64::NAN),
                f64::NAN,
            ),
            rounds,
            devices: vec![DeviceRow {
                device: 0,
                energy_tx_j: 1.0,
                ..DeviceRow::default()
            }],
            curves: Vec::new(),
        }
    }

    #[test]
    fn mean_std_uses_the_sample_deviation() {
        let (m, s) = mean_std(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(m, 2.5);
        assert!((s - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(mean_std(&[7.0]), (7.0, 0.0));
        assert!(mean_std(&[]).0.is_nan());
    }

    #[test]
    fn curve_averages_trials_and_skips_unevaluated_rounds() {
        let group = RunGroup {
            point: "p".into(),
            runs: vec![
                run("p-t0", &[f64::NAN, 0.5, 0.7], 100),
                run("p-t1", &[f64::NAN, 0.7, 0.9], 300),
            ],
        };
        let acc = curve(&group, XAxis::Iteration, Metric::Accuracy);
        assert_eq!(acc.len(), 2);
        assert_eq!(acc[0].x, 20.0);
        assert!((acc[0].y - 0.6).abs() < 1e-12);
        assert!((acc[0].y_std - 0.02f64.sqrt()).abs() < 1e-12);
        let up = curve(&group, XAxis::UplinkBytes, Metric::Loss);
        assert!(
            (up[1].x - 600e-6).abs() < 1e-12,
            "cumulative bytes: {}",
            up[1].x
        );
        assert!((up[1].y - 0.2).abs() < 1e-12);
        let (runs, mean) = budget(&group);
        assert_eq!(runs.len(), 2);
        let mean = mean.expect("mean point");
        assert!((mean.y - 0.8).abs() < 1e-12);
        assert!((mean.x - 600e-6).abs() < 1e-12);
    }

    #[test]
    fn per_device_energy_is_averaged_over_trials() {
        let mut a = run("p-t0", &[0.5], 1);
        a.devices[0].energy_rx_j = 2.0;
        let b = run("p-t1", &[0.5], 1);
        let group = RunGroup {
            point: "p".into(),
            runs: vec![a, b],
        };
        let e = energy(&group);
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].tx_j, e[0].rx_j), (1.0, 1.0));
        let p = per_round(&group, Count::Participants);
        assert_eq!(p[0].y, 2.0);
    }
}
