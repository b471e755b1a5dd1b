//! The paper's Figure 4 ordering on a reduced configuration: 2 devices, one class each, the local
//! models' test loss normalised by separate training's. Small tau ends lowest, every FL-SNN curve
//! ends below 1, and rare exchange (large tau) gains less.

use crate::with_ideal_links;
const FIG4: &str = r#"
name = "fig4-reduced"
seed = 2
[data]
classes = [1, 7]
test_examples = 60
[partition]
scheme = "label-per-device"
examples_per_device = 40
[snn]
eta = 0.01
[fl]
devices = 2
aggregation = "plain"
[eval]
every = 100000
local_every = 80
"#;

/// Mean over devices of the local test NLL at the last checkpoint.
fn final_local_nll(dir: &std::path::Path, tag: &str, sets: &[&str]) -> f64 {
    let out = crate::common::run_toml(dir, tag, &with_ideal_links(FIG4), sets, 2);
    let last = out
        .result
        .curves
        .iter()
        .map(|c| c.global_iteration)
        .max()
        .expect("checkpoints recorded");
    assert_eq!(last, 40 * 80, "checkpoints run to the end (S = D x S')");
    let finals: Vec<f64> = out
        .result
        .curves
        .iter()
        .filter(|c| c.global_iteration == last)
        .map(|c| c.test_nll)
        .collect();
    assert_eq!(finals.len(), 2, "both devices evaluated");
    assert!(out.dir.join("curves.csv").exists());
    finals.iter().sum::<f64>() / 2.0
}

#[test]
fn normalised_local_loss_grows_with_tau_and_stays_below_separate_training() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let separate = final_local_nll(tmp.path(), "sep", &["fl.mode=separate", "fl.tau=80"]);
    let small = final_local_nll(tmp.path(), "tau2", &["fl.tau=2"]) / separate;
    let large = final_local_nll(tmp.path(), "tau1600", &["fl.tau=1600"]) / separate;
    assert!(
        small < 1.0 && large < 1.0,
        "FL-SNN beats separate training: {small}, {large}"
    );
    assert!(
        small < large,
        "more frequent exchange ends lower: {small} vs {large}"
    );
}
