//! Final metrics of a run, and their mean and standard deviation over the trials of a grid point.

use crate::report::DeviceRecord;
use crate::report::RunSummary;

/// Names of the final metrics, in the order of [`metrics_of`]'s values and of `sweep.csv`'s
/// columns. Units: accuracy and device_accuracy \[fraction\], test_nll and device_nll [nats per
/// example], bytes \[B\], energy \[J\], time \[s\], uploads_lost \[uploads\].
pub const METRICS: [&str; 12] = [
    "accuracy",
    "test_nll",
    "device_accuracy",
    "device_nll",
    "bytes_up",
    "bytes_down",
    "airtime_up_s",
    "energy_tx_j",
    "energy_rx_j",
    "energy_compute_j",
    "virtual_time_s",
    "uploads_lost",
];

/// The final metrics of one run, in the order of [`METRICS`]. `airtime_up_s` is the devices'
/// uplink airtime summed.
pub fn metrics_of(summary: &RunSummary, devices: &[DeviceRecord]) -> Vec<f64> {
    let [tx, rx, compute] = summary.energy_j;
    vec![
        summary.accuracy,
        summary.test_nll,
        summary.device_accuracy,
        summary.device_nll,
        summary.bytes_up as f64,
        summary.bytes_down as f64,
        devices.iter().map(|d| d.airtime_up_s).sum(),
        tx,
        rx,
        compute,
        summary.virtual_time_s,
        summary.uploads[2] as f64,
    ]
}

/// Mean and sample standard deviation (divisor n - 1; 0 for a single value) of `xs`, summed in
/// order. NaN when `xs` is empty or holds a NaN (a metric that was not evaluated).
pub fn mean_std(xs: &[f64]) -> (f64, f64) {
    if xs.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() == 1 {
        return (mean, if mean.is_nan() { f64::NAN } else { 0.0 });
    }
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// Per metric, the mean and std over the trials `trials` (each a [`metrics_of`] vector).
pub fn summarise(trials: &[Vec<f64>]) -> Vec<(f64, f64)> {
    (0..METRICS.len())
        .map(|m| {
            let column: Vec<f64> = trials
                .iter()
                .map(|t| t.get(m).copied().unwrap_or(f64::NAN))
                .collect();
            mean_std(&column)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_sample_std() {
        let (m, s) = mean_std(&[1.0, 2.0, 3.0, 4.0]);
        assert!((m - 2.5).abs() < 1e-12);
        // sum of squared deviations 5, n - 1 = 3
        assert!((s - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(mean_std(&[7.0]), (7.0, 0.0));
        assert!(mean_std(&[]).0.is_nan());
        assert!(mean_std(&[1.0, f64::NAN]).0.is_nan());
    }

    #[test]
    fn summarise_is_per_metric() {
        let a: Vec<f64> = (0..METRICS.len()).map(|i| i as f64).collect();
        let b: Vec<f64> = (0..METRICS.len()).map(|i| 3.0 * i as f64).collect();
        let s = summarise(&[a, b]);
        assert_eq!(s.len(), METRICS.len());
        assert_eq!(s[2].0, 4.0);
        assert!((s[2].1 - 8f64.sqrt()).abs() < 1e-12);
    }
}
