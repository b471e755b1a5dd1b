//! The report reads a run folder back as the types that wrote it: `manifest.json` as
//! [`Manifest`], `summary.json` as [`RunSummary`], with NaN figures (written as `null`) intact.

use flsnn::report::{Manifest, RunData};

const SCENARIO: &str = r#"
name = "read-back"
seed = 11
[data]
classes = [1, 7]
test_examples = 20
[partition]
scheme = "iid"
examples_per_device = 4
[fl]
devices = 2
tau = 8
steps = 32
[eval]
every = 1000
"#;

#[test]
fn a_run_folder_reads_back_as_what_wrote_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let outcome = crate::common::run_toml(tmp.path(), "typed", SCENARIO, &[], 2);
    let file = tmp.path().join("typed.toml");
    let scenario = flsnn::scenario::load(Some(&file), &[]).expect("scenario loads");

    let run = RunData::read(&outcome.dir).expect("run folder reads back");
    assert_eq!(run.manifest, Manifest::of(&scenario, &[], 2));
    assert_eq!(run.manifest.tau(), Some(8));
    let json = |s| serde_json::to_value(s).expect("json");
    assert_eq!(json(&run.summary), json(&outcome.summary));
    assert!(
        run.summary.device_accuracy.is_nan(),
        "device models not evaluated: NaN, written as null, read back as NaN"
    );
}
