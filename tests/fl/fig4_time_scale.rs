//! The paper's claim about Figure 4 at its own time scale, on a reduced configuration: one global
//! iteration per example (Delta_s = S' = 80), so the largest tau (= T, the number of global
//! iterations) is a single averaging at the very end. "For tau = 400, after a number of local
//! iterations without communication, the individual devices are not able to make use of their
//! data": the largest tau follows separate training at every checkpoint (local models are
//! evaluated before any averaging due at that step), while tau = 1 leaves it early and ends
//! lower. Orderings and identities only, no fitted numbers.

use crate::with_ideal_links;
use flsnn::report::CurvePoint;

/// D = 60 examples of S' = 80 steps per device: S = 4800 steps, T = 60 global iterations at
/// Delta_s = 80; eta = 0.05 / 80 (the original default over the block length); checkpoints every
/// 400 local steps on 60 test examples.
const PAPER_TIME_SCALE: &str = r#"
name = "fig4-time-scale"
seed = 3
[data]
classes = [1, 7]
test_examples = 60
[partition]
scheme = "label-per-device"
examples_per_device = 60
[snn]
delta_s = 80
eta = 0.000625
[fl]
devices = 2
aggregation = "plain"
[eval]
every = 100000
local_every_steps = 400
"#;

const STEPS: u64 = 60 * 80;

/// The devices' checkpoints of one run, by (local step, device).
fn curves(dir: &std::path::Path, tag: &str, sets: &[&str]) -> Vec<CurvePoint> {
    let out = crate::common::run_toml(dir, tag, &with_ideal_links(PAPER_TIME_SCALE), sets, 2);
    let mut curves = out.result.curves;
    curves.sort_by_key(|c| (c.local_step, c.device));
    let steps: Vec<u64> = curves.iter().map(|c| c.local_step).collect();
    let expected: Vec<u64> = (1..=STEPS / 400).flat_map(|k| [400 * k; 2]).collect();
    assert_eq!(
        steps, expected,
        "{tag}: both devices every 400 local steps to S"
    );
    for c in &curves {
        assert_eq!(c.global_iteration, c.local_step / 80, "{tag}: Delta_s = 80");
        assert_eq!(c.examples, 60);
        assert!(
            c.sampled_loglik < 0.0 && c.test_nll > 0.0,
            "{tag}: both measures"
        );
    }
    curves
}

/// Mean over devices of the teacher-forced NLL at each checkpoint.
fn mean_nll(curves: &[CurvePoint]) -> Vec<f64> {
    curves
        .chunks(2)
        .map(|pair| (pair[0].test_nll + pair[1].test_nll) / 2.0)
        .collect()
}

#[test]
fn largest_tau_tracks_separate_training_until_its_only_averaging_small_tau_does_not() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let separate = curves(tmp.path(), "separate", &["fl.mode=separate"]);
    let once = curves(tmp.path(), "tau60", &["fl.tau=60"]);
    let every = curves(tmp.path(), "tau1", &["fl.tau=1"]);

    // tau = T: no exchange before the last step, and the last checkpoint precedes the averaging,
    // so every checkpoint is separate training's, on both measures.
    for (a, b) in once.iter().zip(&separate) {
        assert_eq!(
            (a.test_nll, a.sampled_loglik, a.accuracy),
            (b.test_nll, b.sampled_loglik, b.accuracy),
            "tau = T left separate training at step {}",
            a.local_step
        );
    }

    // tau = 1 leaves separate training from the first checkpoints on and ends lower.
    let (sep, small) = (mean_nll(&separate), mean_nll(&every));
    let half = sep.len() / 2;
    assert!(
        small[half..].iter().zip(&sep[half..]).all(|(s, r)| s < r),
        "tau = 1 below separate training over the second half: {small:?} vs {sep:?}"
    );
    let last = sep.len() - 1;
    assert!(
        small[last] / sep[last] < mean_nll(&once)[last] / sep[last],
        "final normalised loss: tau = 1 below tau = T"
    );
}
