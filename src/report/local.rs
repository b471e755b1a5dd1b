//! The paper's Figure 4 from `curves.csv`: the devices' mean local-model test loss against the
//! local step, with std over trials, on either loss measure, raw or normalised (by the
//! separate-training loss at convergence on the same measure, or by each curve's first
//! checkpoint).

use super::load::{CurveRow, RunData, RunGroup};
use super::series::{mean_std, Point};
use crate::scenario::raw::RawFlMode;
use std::collections::BTreeMap;

/// Which loss of a local model.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Measure {
    /// Teacher-forced NLL of the target output trains, per example \[nats\].
    TeacherForced,
    /// The original code's measure: minus the log-likelihood of the model's own free-running
    /// samples (every learnable neuron), per example \[nats\].
    Sampled,
}

impl Measure {
    /// Both measures, in report order.
    pub const ALL: [Measure; 2] = [Measure::TeacherForced, Measure::Sampled];

    /// The loss of a checkpoint row; `None` when the row does not carry it.
    pub fn of(self, row: &CurveRow) -> Option<f64> {
        let loss = match self {
            Measure::TeacherForced => row.test_nll,
            Measure::Sampled => -row.sampled_loglik? / row.examples.filter(|&n| n > 0)? as f64,
        };
        loss.is_finite().then_some(loss)
    }

    /// Short name, for file names.
    pub fn slug(self) -> &'static str {
        match self {
            Measure::TeacherForced => "nll",
            Measure::Sampled => "sampled",
        }
    }

    /// What the loss is, for axis labels.
    pub fn label(self) -> &'static str {
        match self {
            Measure::TeacherForced => "teacher-forced NLL per example",
            Measure::Sampled => "-log-likelihood of own samples per example",
        }
    }
}

/// What a loss curve is divided by.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Normalisation {
    /// The separate-training group's final mean loss on the same measure (the paper's choice).
    Separate,
    /// Each curve's own first checkpoint.
    Initial,
    /// Nothing: nats per example.
    Raw,
}

impl Normalisation {
    /// Every normalisation, in report order.
    pub const ALL: [Normalisation; 3] = [
        Normalisation::Separate,
        Normalisation::Initial,
        Normalisation::Raw,
    ];

    /// Short name, for file names.
    pub fn slug(self) -> &'static str {
        match self {
            Normalisation::Separate => "separate",
            Normalisation::Initial => "initial",
            Normalisation::Raw => "raw",
        }
    }
}

/// The local step of a checkpoint row (the global iteration in runs older than the column).
pub fn local_step(row: &CurveRow) -> u64 {
    row.local_step.unwrap_or(row.global_iteration)
}

/// One run's devices' mean local test loss per checkpoint: (local step, mean loss), in step
/// order. Checkpoints without a finite loss on `measure` are left out.
pub fn device_mean_loss(run: &RunData, measure: Measure) -> Vec<(u64, f64)> {
    let mut by_step: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
    for row in &run.curves {
        if let Some(loss) = measure.of(row) {
            by_step.entry(local_step(row)).or_default().push(loss);
        }
    }
    by_step
        .into_iter()
        .map(|(step, losses)| (step, losses.iter().sum::<f64>() / losses.len() as f64))
        .collect()
}

/// A group's curve: per checkpoint, the mean and std over trials of the devices' mean local loss.
pub fn local_loss(group: &RunGroup, measure: Measure) -> Vec<Point> {
    let mut by_step: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
    for run in &group.runs {
        for (step, loss) in device_mean_loss(run, measure) {
            by_step.entry(step).or_default().push(loss);
        }
    }
    by_step
        .into_iter()
        .map(|(step, losses)| {
            let (y, y_std) = mean_std(&losses);
            Point {
                x: step as f64,
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

/// The separate-training loss at convergence on `measure`: the last checkpoint's mean loss of
/// the first separate-training group with checkpoints and a positive final loss \[nats\].
pub fn separate_reference(groups: &[RunGroup], measure: Measure) -> Option<f64> {
    groups
        .iter()
        .filter(|g| is_separate(g))
        .filter_map(|g| local_loss(g, measure).last().map(|p| p.y))
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

/// `points` divided as `normalisation` says (`separate`: the separate-training reference, when
/// there is one); `None` when the divisor is missing or not positive.
pub fn normalised(
    points: &[Point],
    normalisation: Normalisation,
    separate: Option<f64>,
) -> Option<Vec<Point>> {
    let divisor = match normalisation {
        Normalisation::Raw => return Some(points.to_vec()),
        Normalisation::Separate => separate?,
        Normalisation::Initial => points.first()?.y,
    };
    (divisor.is_finite() && divisor > 0.0).then(|| normalise(points, divisor))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

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
        let points = local_loss(&g, Measure::TeacherForced);
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
        let reference =
            separate_reference(&groups, Measure::TeacherForced).expect("a separate group");
        assert_eq!(reference, 15.0);
        let fl = normalise(&local_loss(&groups[0], Measure::TeacherForced), reference);
        assert_eq!(fl[0].y, 2.0);
        assert!((fl[1].y - 10.0 / 15.0).abs() < 1e-12);
        let sep = normalise(&local_loss(&groups[1], Measure::TeacherForced), reference);
        assert_eq!(sep.last().map(|p| p.y), Some(1.0), "separate ends at 1");
        assert!((sep[1].y_std - 50f64.sqrt() / 15.0).abs() < 1e-12);
    }

    #[test]
    fn no_separate_group_means_no_reference() {
        let groups = [group("tau8", vec![run("sync", &[(40, [1.0, 2.0])])])];
        assert_eq!(separate_reference(&groups, Measure::TeacherForced), None);
        let mixed = [group(
            "mixed",
            vec![
                run("sync", &[(40, [1.0, 1.0])]),
                run("separate", &[(40, [1.0, 1.0])]),
            ],
        )];
        assert_eq!(
            separate_reference(&mixed, Measure::TeacherForced),
            None,
            "every run must be separate"
        );
    }

    #[test]
    fn sampled_measure_is_per_example_and_missing_columns_leave_rows_out() {
        let row = CurveRow {
            local_step: Some(40),
            global_iteration: 0,
            test_nll: 30.0,
            sampled_loglik: Some(-1000.0),
            examples: Some(200),
            ..CurveRow::default()
        };
        assert_eq!(Measure::Sampled.of(&row), Some(5.0));
        assert_eq!(Measure::TeacherForced.of(&row), Some(30.0));
        assert_eq!(local_step(&row), 40, "local step, not the global iteration");
        let old = CurveRow {
            global_iteration: 80,
            test_nll: 30.0,
            ..CurveRow::default()
        };
        assert_eq!(Measure::Sampled.of(&old), None, "an older curves.csv");
        assert_eq!(local_step(&old), 80);
    }

    #[test]
    fn normalisations_divide_by_separate_by_the_first_point_or_not_at_all() {
        let g = group(
            "sync",
            vec![run("sync", &[(40, [10.0, 30.0]), (80, [5.0, 5.0])])],
        );
        let points = local_loss(&g, Measure::TeacherForced);
        let initial = normalised(&points, Normalisation::Initial, None).expect("a first point");
        assert_eq!((initial[0].y, initial[1].y), (1.0, 0.25));
        let raw = normalised(&points, Normalisation::Raw, None).expect("raw");
        assert_eq!(raw, points);
        assert!(normalised(&points, Normalisation::Separate, None).is_none());
        let by_separate = normalised(&points, Normalisation::Separate, Some(10.0)).expect("ref");
        assert_eq!(by_separate[0].y, 2.0);
        assert!(normalised(&points, Normalisation::Separate, Some(0.0)).is_none());
    }
}
