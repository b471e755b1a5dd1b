//! The paper's Figure 4 from `curves.csv`: the devices' mean local-model test loss against the
//! global iteration, with std over trials, optionally normalised by the separate-training loss
//! at convergence (the final mean loss of the group run with `fl.mode = separate`).

use super::load::{RunData, RunGroup};
use super::series::{mean_std, Point};
use crate::scenario::raw::RawFlMode;
use std::collections::BTreeMap;

/// One run's devices' mean local test NLL per checkpoint: (global iteration, mean NLL), in
/// iteration order. Checkpoints with a non-finite NLL are left out.
pub fn device_mean_loss(run: &RunData) -> Vec<(u64, f64)> {
    let mut by_iteration: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
    for row in run.curves.iter().filter(|r| r.test_nll.is_finite()) {
        by_iteration
            .entry(row.global_iteration)
            .or_default()
            .push(row.test_nll);
    }
    by_iteration
        .into_iter()
        .map(|(it, losses)| (it, losses.iter().sum::<f64>() / losses.len() as f64))
        .collect()
}

/// A group's curve: per checkpoint, the mean and std over trials of the devices' mean local NLL.
pub fn local_loss(group: &RunGroup) -> Vec<Point> {
    let mut by_iteration: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
    for run in &group.runs {
        for (it, loss) in device_mean_loss(run) {
            by_iteration.entry(it).or_default().push(loss);
        }
    }
    by_iteration
        .into_iter()
        .map(|(it, losses)| {
            let (y, y_std) = mean_std(&losses);
            Point {
                x: it as f64,
                y,
                y_std,
                x_std: 0.0,
                n: losses.len(),
            }
        })
        .collect()
}

/// Whether every run of `group` is separate training (`fl.mode = separate`).
pub fn is_separate(group: &RunGroup) -> bool {
    !group.runs.is_empty()
        && group
            .runs
            .iter()
            .all(|r| r.fl_mode() == Some(RawFlMode::Separate))
}

/// The separate-training loss at convergence: the last checkpoint's mean loss of the first
/// separate-training group with checkpoints and a positive final loss [nats].
pub fn separate_reference(groups: &[RunGroup]) -> Option<f64> {
    groups
        .iter()
        .filter(|g| is_separate(g))
        .filter_map(|g| local_loss(g).last().map(|p| p.y))
        .find(|y| y.is_finite() && *y > 0.0)
}

/// `points` divided by `reference` (means and stds alike).
pub fn normalise(points: &[Point], reference: f64) -> Vec<Point> {
    points
        .iter()
        .map(|p| Point {
            y: p.y / reference,
            y_std: p.y_std / reference,
            ..*p
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;
    use crate::report::load::CurveRow;

    fn run(mode: &str, losses: &[(u64, [f64; 2])]) -> RunData {
        let fl_mode = match mode {
            "separate" => RawFlMode::Separate,
            _ => RawFlMode::Sync,
        };
        let curves = losses
            .iter()
            .flat_map(|&(it, pair)| {
                (0..2).map(move |d| CurveRow {
                    device: d,
                    global_iteration: it,
                    test_nll: pair[d as usize],
                    ..CurveRow::default()
                })
            })
            .collect();
        RunData {
            name: mode.into(),
            dir: mode.into(),
            manifest: fixture::manifest(mode, 1, 8, Some(fl_mode)),
            summary: fixture::summary(mode, 1, 2, f64::NAN, f64::NAN),
            rounds: Vec::new(),
            devices: Vec::new(),
            curves,
        }
    }

    fn group(point: &str, runs: Vec<RunData>) -> RunGroup {
        RunGroup {
            point: point.into(),
            runs,
        }
    }

    #[test]
    fn curve_averages_devices_then_trials() {
        let g = group(
            "sync",
            vec![
                run("sync", &[(40, [10.0, 20.0]), (80, [8.0, f64::NAN])]),
                run("sync", &[(40, [20.0, 30.0]), (80, [4.0, 6.0])]),
            ],
        );
        let points = local_loss(&g);
        assert_eq!(points.len(), 2);
        assert_eq!((points[0].x, points[0].y, points[0].n), (40.0, 20.0, 2));
        // Trial means 15 and 25: sample std sqrt(50).
        assert!((points[0].y_std - 50f64.sqrt()).abs() < 1e-12);
        // A NaN checkpoint is skipped: trial means 8 and 5.
        assert_eq!(points[1].y, 6.5);
    }

    #[test]
    fn separate_training_final_loss_is_the_unit() {
        let groups = [
            group(
                "tau8",
                vec![run("sync", &[(40, [30.0, 30.0]), (80, [9.0, 11.0])])],
            ),
            group(
                "separate",
                vec![
                    run("separate", &[(40, [40.0, 40.0]), (80, [19.0, 21.0])]),
                    run("separate", &[(40, [40.0, 40.0]), (80, [10.0, 10.0])]),
                ],
            ),
        ];
        let reference = separate_reference(&groups).expect("a separate group");
        assert_eq!(reference, 15.0);
        let fl = normalise(&local_loss(&groups[0]), reference);
        assert_eq!(fl[0].y, 2.0);
        assert!((fl[1].y - 10.0 / 15.0).abs() < 1e-12);
        let sep = normalise(&local_loss(&groups[1]), reference);
        assert_eq!(sep.last().map(|p| p.y), Some(1.0), "separate ends at 1");
        assert!((sep[1].y_std - 50f64.sqrt() / 15.0).abs() < 1e-12);
    }

    #[test]
    fn no_separate_group_means_no_reference() {
        let groups = [group("tau8", vec![run("sync", &[(40, [1.0, 2.0])])])];
        assert_eq!(separate_reference(&groups), None);
        let mixed = [group(
            "mixed",
            vec![
                run("sync", &[(40, [1.0, 1.0])]),
                run("separate", &[(40, [1.0, 1.0])]),
            ],
        )];
        assert_eq!(
            separate_reference(&mixed),
            None,
            "every run must be separate"
        );
    }
}
