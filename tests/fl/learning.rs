//! Federated learning works end to end on real MNIST digits: with one class per device,
//! separate training stays near chance on the balanced test set while FL-SNN learns both classes.

use crate::with_ideal_links;

const FIG4_SMALL: &str = r#"
name = "fig4-small"
seed = 1
[data]
classes = [1, 7]
gain = 0.15
test_examples = 200
[partition]
scheme = "label-per-device"
examples_per_device = 100
[snn]
eta = 0.01
[fl]
devices = 2
tau = 8
aggregation = "plain"
[eval]
every = 1000
"#;

#[test]
fn fl_snn_beats_separate_training_with_one_class_per_device() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fl = crate::common::run_toml(tmp.path(), "fl", &with_ideal_links(FIG4_SMALL), &[], 2);
    let separate = crate::common::run_toml(
        tmp.path(),
        "sep",
        &with_ideal_links(FIG4_SMALL),
        &["fl.mode=separate"],
        2,
    );
    let fl_acc = fl.summary.accuracy;
    let sep_devices: Vec<f64> = separate.result.devices.iter().map(|d| d.accuracy).collect();
    for acc in &sep_devices {
        assert!(
            (0.4..=0.6).contains(acc),
            "a one-class device stays near 50%: {acc}"
        );
    }
    assert!(
        fl_acc > 0.85,
        "the averaged model learns both classes: {fl_acc}"
    );
    assert_eq!(
        separate.summary.bytes_up, 0,
        "separate training sends nothing"
    );
    assert!(fl.summary.bytes_up > 0);
}
