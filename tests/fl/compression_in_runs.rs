//! Compression and budgets inside a full simulation: what is sent shrinks, budgets are enforced
//! and counted, and learning still happens.

const BASE: &str = r#"
name = "compression"
seed = 5
[data]
classes = [1, 7]
test_examples = 100
[partition]
scheme = "iid"
examples_per_device = 20
[fl]
devices = 4
tau = 8
steps = 800
[channel.uplink]
rate = "20Mbps"
latency = { kind = "constant", value = "5ms" }
[channel.downlink]
rate = "50Mbps"
latency = { kind = "constant", value = "5ms" }
[eval]
every = 1000
"#;

fn run(tag: &str, sets: &[&str]) -> flsnn::run::RunOutcome {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = crate::common::run_toml(tmp.path(), tag, BASE, sets, 2);
    // Keep the folder alive only as long as needed: results are in memory.
    drop(tmp);
    out
}

#[test]
fn compressed_uploads_are_smaller_and_still_learn() {
    let full = run("full", &[]);
    let uploads = full.summary.uploads[0];
    assert_eq!(uploads, 4 * 100, "4 devices x 100 rounds");
    let per_upload = |o: &flsnn::run::RunOutcome| o.summary.bytes_up / o.summary.uploads[0];
    for (tag, sets, at_most) in [
        ("fixed", &["compression.kind=fixed-rate"][..], 0.3),
        (
            "topk",
            &["compression.kind=top-k", "compression.fraction=0.05"][..],
            0.15,
        ),
        (
            "q4",
            &["compression.kind=quantize", "compression.bits=4"][..],
            0.2,
        ),
        ("fp16", &["compression.kind=fp16"][..], 0.55),
    ] {
        let out = run(tag, sets);
        let ratio = per_upload(&out) as f64 / per_upload(&full) as f64;
        assert!(ratio < at_most, "{tag}: {ratio} of a full upload");
        assert!(
            out.summary.accuracy > 0.8,
            "{tag} still learns: {}",
            out.summary.accuracy
        );
    }
    // Keep-local fixed-rate broadcasts only the slices someone sent; the original code's
    // variant broadcasts the whole model.
    let keep = run("keep", &["compression.kind=fixed-rate"]);
    let orig = run(
        "orig",
        &[
            "compression.kind=fixed-rate",
            "compression.aggregation=original",
        ],
    );
    assert!(keep.summary.bytes_down < orig.summary.bytes_down);
    assert_eq!(orig.summary.bytes_down, full.summary.bytes_down);
}

#[test]
fn budgets_stop_uploads_and_are_counted() {
    let full = run("full", &[]);
    let per_upload = full.summary.bytes_up / full.summary.uploads[0];
    let budget = format!("budget.uplink_bytes={}B", per_upload * 5 / 2);
    let out = run("bytes", &[&budget]);
    for d in &out.result.devices {
        assert_eq!(d.uploads_sent, 2, "two uploads fit in 2.5 uploads' bytes");
        assert_eq!(d.uploads_over_budget, 98);
        assert!(d.bytes_up <= per_upload * 5 / 2);
    }
    let out = run("airtime", &["budget.round_airtime=1ms"]);
    assert_eq!(
        out.summary.uploads[0], 0,
        "no full upload fits in 1 ms at 20 Mbps"
    );
    let skipped: u64 = out
        .result
        .rounds
        .iter()
        .map(|r| r.uploads_over_budget)
        .sum();
    assert_eq!(skipped, 400);
}
