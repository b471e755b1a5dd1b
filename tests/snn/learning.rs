//! One SNN (676 inputs, 2 outputs, no hidden neurons, the FL-SNN online rule) learns to tell
//! MNIST 1s from 7s in one epoch over 400 examples of 80 steps, tested on 200 held-out examples,
//! with rate coding and with the emulated event camera (issue 2).

use flsnn::data::{EventCamera, RateDraws};
use flsnn::run::train::{train, Encoding, TrainOptions, TrainReport};

fn options(encoding: Encoding, seed: u64) -> TrainOptions {
    TrainOptions {
        dataset: "mnist".into(),
        data_dir: None,
        classes: vec![1, 7],
        train_examples: 400,
        test_examples: 200,
        steps_per_example: 80,
        eta: encoding.default_eta(),
        encoding,
        hidden: 0,
        epochs: 1,
        eval_every: 400,
        seed,
    }
}

/// Accuracy before training and after the epoch.
fn before_after(report: &TrainReport) -> (f64, f64) {
    let first = report.checkpoints.first().map(|c| c.evaluation.accuracy);
    let last = report.final_evaluation().map(|e| e.accuracy);
    (first.unwrap_or(f64::NAN), last.unwrap_or(f64::NAN))
}

fn check(name: &str, encoding: Encoding, seed: u64) -> (f64, f64) {
    let report = train(&options(encoding, seed), false).expect("training runs");
    assert_eq!(report.shape, (676, 0, 2));
    assert_eq!(
        report.steps,
        400 * 80,
        "one epoch of 400 examples of 80 steps"
    );
    let (before, after) = before_after(&report);
    eprintln!("{name} seed {seed}: accuracy {before:.3} before, {after:.3} after one epoch");
    assert!(
        before <= 0.65,
        "untrained accuracy {before} should be near chance"
    );
    assert!(after >= 0.9, "accuracy after one epoch {after}");
    (before, after)
}

#[test]
fn rate_coded_snn_learns_ones_and_sevens_in_one_epoch() {
    for draws in [RateDraws::PerStep, RateDraws::PerSpike] {
        for seed in [1, 2] {
            check(
                &format!("rate {draws:?}"),
                Encoding::Rate { gain: 0.15, draws },
                seed,
            );
        }
    }
}

#[test]
fn event_camera_snn_learns_ones_and_sevens_in_one_epoch() {
    for seed in [1, 2] {
        check(
            "events",
            Encoding::Events {
                camera: EventCamera::default(),
            },
            seed,
        );
    }
}

#[test]
fn a_still_camera_gives_nothing_to_learn() {
    // Without motion a still image produces no events: the same network stays at chance.
    let still = Encoding::Events {
        camera: EventCamera {
            max_shift_px: 0.0,
            ..EventCamera::default()
        },
    };
    let report = train(&options(still, 1), false).expect("training runs");
    let (_, after) = before_after(&report);
    assert!(after <= 0.65, "accuracy {after} without any input events");
}
