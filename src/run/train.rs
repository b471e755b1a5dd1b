//! `flsnn train`: one SNN trained centrally on a dataset, to check the SNN alone before
//! federating it.

use crate::data::{embedded_data_dir, Keep, Prepared, Source};
use crate::data::{DataError, Encoding as DataEncoding, EventCamera, Example, Polarity, RateDraws};
use crate::fl::test_example;
use crate::rng::{stream, Node, Purpose};
use crate::snn::{evaluate, Evaluation, Learner, Network, SnnConfig, SnnError, TestExample};
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt;
use std::path::PathBuf;

/// The spike encoding, as chosen on the command line.
#[derive(Clone, Debug, PartialEq)]
pub enum Encoding {
    /// Rate coding with this gain.
    Rate {
        /// P(spike) = gain * pixel / 255.
        gain: f64,
        /// How the spikes are drawn from the data stream.
        draws: RateDraws,
    },
    /// The emulated event camera (merged polarity).
    Events {
        /// Camera settings; [`EventCamera::default`] is tuned for this task.
        camera: EventCamera,
    },
}

impl Encoding {
    /// The learning rate that suits this encoding when none is given [-]: 0.01 for rate coding
    /// (the scenario default, [`SnnConfig::default`]: about 3% of inputs
    /// active per step at gain 0.15), [`EVENTS_ETA`] for the event camera.
    pub fn default_eta(&self) -> f64 {
        match self {
            Encoding::Rate { .. } => SnnConfig::default().eta,
            Encoding::Events { .. } => EVENTS_ETA,
        }
    }
}

/// Default learning rate with the emulated event camera [-].
pub const EVENTS_ETA: f64 = 0.003;

/// What to train.
#[derive(Clone, Debug)]
pub struct TrainOptions {
    /// "mnist" or "uci-digits".
    pub dataset: String,
    /// Folder of the dataset (default: the embedded `data/`).
    pub data_dir: Option<PathBuf>,
    /// Digits to learn.
    pub classes: Vec<u8>,
    /// Training examples (balanced by the shuffle, not forced).
    pub train_examples: usize,
    /// Balanced held-out test examples.
    pub test_examples: usize,
    /// Steps per example (S').
    pub steps_per_example: usize,
    /// Encoding.
    pub encoding: Encoding,
    /// Learning rate.
    pub eta: f64,
    /// Hidden neurons.
    pub hidden: usize,
    /// Passes over the training examples.
    pub epochs: usize,
    /// Evaluate every this many training examples.
    pub eval_every: usize,
    /// Master seed.
    pub seed: u64,
}

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// Bad options.
    #[error("{0}")]
    Input(String),
    /// Unreadable data.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Invalid network.
    #[error(transparent)]
    Snn(#[from] SnnError),
}

/// One evaluation during training.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    /// Training examples seen.
    pub examples: usize,
    /// The evaluation.
    pub evaluation: Evaluation,
}

/// The outcome of a training run.
#[derive(Clone, Debug)]
pub struct TrainReport {
    /// Evaluation before training, then after every `eval_every` examples and at the end.
    pub checkpoints: Vec<Checkpoint>,
    /// Network shape (inputs, hidden, outputs).
    pub shape: (usize, usize, usize),
    /// Training steps taken.
    pub steps: u64,
    /// Wall-clock seconds.
    pub wall_time_s: f64,
}

impl TrainReport {
    /// The last evaluation.
    pub fn final_evaluation(&self) -> Option<&Evaluation> {
        self.checkpoints.last().map(|c| &c.evaluation)
    }
}

impl fmt::Display for TrainReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (i, h, o) = self.shape;
        writeln!(
            f,
            "SNN {i}-{h}-{o}, {} training steps in {:.2} s",
            self.steps, self.wall_time_s
        )?;
        writeln!(
            f,
            "{:>9} {:>9} {:>7} {:>10}",
            "examples", "accuracy", "ties", "test NLL"
        )?;
        for c in &self.checkpoints {
            let e = &c.evaluation;
            writeln!(
                f,
                "{:>9} {:>8.2}% {:>7} {:>10.3}",
                c.examples,
                100.0 * e.accuracy,
                e.ties,
                e.nll
            )?;
        }
        Ok(())
    }
}

/// Largest `--epochs`, `--steps` and `--hidden` accepted: far beyond any useful run, small enough
/// that the work stays bounded.
pub const MAX_EPOCHS: usize = 10_000;
/// Largest `--steps` accepted.
pub const MAX_STEPS: usize = 10_000;
/// Largest `--hidden` accepted.
pub const MAX_HIDDEN: usize = 10_000;
/// Largest `--train` and `--test` accepted.
pub const MAX_EXAMPLES: usize = 1_000_000;

/// Checks every option before any data is read: counts in range, classes distinct digits,
/// rates and camera settings finite and positive.
fn check(opts: &TrainOptions) -> Result<(), TrainError> {
    let bad = |m: String| Err(TrainError::Input(m));
    let mut seen = [false; 10];
    for &c in &opts.classes {
        if c > 9 {
            return bad(format!("--classes: expected digits 0 to 9, got {c}"));
        }
        if std::mem::replace(&mut seen[c as usize], true) {
            return bad(format!("--classes: digit {c} is given twice"));
        }
    }
    for (flag, value, max) in [
        ("--train", opts.train_examples, MAX_EXAMPLES),
        ("--test", opts.test_examples, MAX_EXAMPLES),
        ("--steps", opts.steps_per_example, MAX_STEPS),
        ("--epochs", opts.epochs, MAX_EPOCHS),
        ("--eval-every", opts.eval_every, usize::MAX),
    ] {
        if value == 0 || value > max {
            return bad(format!("{flag}: expected 1 to {max}, got {value}"));
        }
    }
    if opts.hidden > MAX_HIDDEN {
        return bad(format!(
            "--hidden: expected 0 to {MAX_HIDDEN}, got {}",
            opts.hidden
        ));
    }
    let positive = |flag: &str, x: f64| {
        if x.is_finite() && x > 0.0 {
            Ok(())
        } else {
            bad(format!("{flag}: expected a finite number > 0, got {x}"))
        }
    };
    positive("--eta", opts.eta)?;
    match &opts.encoding {
        Encoding::Rate { gain, .. } => {
            positive("--gain", *gain)?;
            if *gain > 1.0 {
                return bad(format!("--gain: expected a number in (0, 1], got {gain}"));
            }
        }
        Encoding::Events { camera } => {
            positive("--threshold", camera.threshold)?;
            positive("--log-eps", camera.log_eps)?;
            // A still camera (no motion) and a noiseless one are allowed.
            for (flag, x) in [
                ("--max-shift", camera.max_shift_px),
                ("--noise-hz", camera.noise_rate_hz),
            ] {
                if !(x.is_finite() && x >= 0.0) {
                    return bad(format!("{flag}: expected a finite number >= 0, got {x}"));
                }
            }
            for (flag, value) in [
                ("--waypoints", camera.waypoints),
                ("--frames-per-bin", camera.frames_per_bin),
            ] {
                if value == 0 || value > 1_000 {
                    return bad(format!("{flag}: expected 1 to 1000, got {value}"));
                }
            }
        }
    }
    Ok(())
}

/// Trains one SNN centrally and evaluates it as it goes; shows a progress bar when `progress`.
pub fn train(opts: &TrainOptions, progress: bool) -> Result<TrainReport, TrainError> {
    if opts.classes.len() < 2 {
        return Err(TrainError::Input(
            "--classes: expected at least two digits".into(),
        ));
    }
    check(opts)?;
    let dir = opts.data_dir.clone().unwrap_or_else(embedded_data_dir);
    let source = match opts.dataset.as_str() {
        "mnist" => Source::Mnist(dir),
        "uci-digits" => Source::UciDigits(dir),
        other => {
            return Err(TrainError::Input(format!(
                "--dataset: expected mnist or uci-digits, got {other:?}"
            )))
        }
    };
    let encoding = match opts.encoding {
        Encoding::Rate { gain, draws } => DataEncoding::Rate { gain, draws },
        Encoding::Events { ref camera } => DataEncoding::Events {
            camera: camera.clone(),
            polarity: Polarity::Merged,
        },
    };
    let mut data_rng = stream(opts.seed, Node::BaseStation, Purpose::Data);
    let prepared = Prepared::load(
        &source,
        &opts.classes,
        opts.test_examples,
        opts.steps_per_example,
        encoding,
        Keep::Images,
        &mut data_rng,
    )?;
    let n = opts.train_examples.min(prepared.pool_labels.len());
    let indices: Vec<usize> = (0..n).collect();
    let train: Vec<Example> = prepared.shard(&indices, &mut data_rng);
    let mut cfg = SnnConfig::paper(prepared.inputs, opts.hidden, opts.classes.len());
    cfg.eta = opts.eta;
    let net = Network::new(cfg)?;
    let mut init_rng = stream(opts.seed, Node::BaseStation, Purpose::Init);
    let mut learner = Learner::new(&net, net.init_params(&mut init_rng))?;
    let mut train_rng = stream(opts.seed, Node::Device(0), Purpose::Training);
    let mut test_rng = stream(opts.seed, Node::BaseStation, Purpose::Test);
    let test: Vec<TestExample<'_>> = prepared.test.iter().map(test_example).collect();

    let total = (n * opts.epochs) as u64;
    let bar = if progress {
        ProgressBar::new(total)
    } else {
        ProgressBar::hidden()
    };
    if let Ok(style) =
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} examples {msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    let started = std::time::Instant::now();
    let mut checkpoints = vec![Checkpoint {
        examples: 0,
        evaluation: evaluate(&net, learner.params(&net), &test, &mut test_rng),
    }];
    let mut seen = 0;
    let mut steps = 0u64;
    for _ in 0..opts.epochs {
        for ex in &train {
            for (t, inputs) in ex.spikes.steps.iter().enumerate() {
                learner.train_step(&net, inputs, ex.label, t, &mut train_rng);
                steps += 1;
            }
            seen += 1;
            bar.inc(1);
            if seen % opts.eval_every.max(1) == 0 || seen == n * opts.epochs {
                let evaluation = evaluate(&net, learner.params(&net), &test, &mut test_rng);
                bar.set_message(format!(
                    "acc {:.1}% nll {:.2}",
                    100.0 * evaluation.accuracy,
                    evaluation.nll
                ));
                bar.println(format!(
                    "{seen:>6} examples: accuracy {:.2}%, ties {}, test NLL {:.3}",
                    100.0 * evaluation.accuracy,
                    evaluation.ties,
                    evaluation.nll
                ));
                checkpoints.push(Checkpoint {
                    examples: seen,
                    evaluation,
                });
            }
        }
    }
    bar.finish_and_clear();
    Ok(TrainReport {
        checkpoints,
        shape: (prepared.inputs, opts.hidden, opts.classes.len()),
        steps,
        wall_time_s: started.elapsed().as_secs_f64(),
    })
}
