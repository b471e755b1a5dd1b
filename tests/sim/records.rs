//! The figures of a run agree with each other: the summary, rounds.csv, events.jsonl and the order
//! in which rounds reach the sinks.

use flsnn::report::{EventKind, NetEvent, RoundRecord, Sink};
use flsnn::{run, scenario};
use serde_json::Value;

/// A lossy cell with a deadline that outlives the last round, a device that is off for a while,
/// and evaluations every other round.
const CELL: &str = r#"
name = "records"
seed = 11
[data]
classes = [1, 7]
test_examples = 20
[partition]
scheme = "iid"
examples_per_device = 2
[fl]
devices = 4
tau = 5
steps = 40
deadline = "2s"
[eval]
every = 2
[[device_class]]
name = "phone"
share = 1.0
step_time = "100us"
[channel.uplink]
rate = "8Mbps"
sharing = "processor-sharing"
latency = { kind = "constant", value = "10ms" }
loss = { kind = "bernoulli", p = 0.05 }
retries = 1
[channel.downlink]
rate = "20Mbps"
mode = "unicast"
latency = { kind = "constant", value = "5ms" }
loss = { kind = "bernoulli", p = 0.1 }
retries = 0
[availability]
kind = "schedule"
schedule = [{ device = 2, off_from = "0s", off_to = "300ms" }]
"#;

fn events(dir: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("events.jsonl"))
        .expect("events.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect()
}

#[test]
fn the_run_ends_when_its_last_round_closes_and_reports_one_final_evaluation() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = crate::common::run_toml(tmp.path(), "cell", CELL, &[], 2);
    let rounds = &out.result.rounds;
    let last = rounds.last().expect("rounds");
    // The deadline of the last round (2 s after it opened) is long past its close.
    assert!(last.end_ns < last.start_ns + 2_000_000_000);
    assert_eq!(out.result.virtual_end.0, last.end_ns);
    let summary: Value = serde_json::from_str(
        &std::fs::read_to_string(out.dir.join("summary.json")).expect("summary.json"),
    )
    .expect("JSON");
    let virtual_s = summary["virtual_time_s"].as_f64().expect("virtual_time_s");
    assert!((virtual_s - last.end_ns as f64 * 1e-9).abs() < 1e-12);
    assert!(last.accuracy.is_finite(), "the last round is evaluated");
    assert_eq!(summary["accuracy"].as_f64(), Some(last.accuracy));
    assert_eq!(summary["test_nll"].as_f64(), Some(last.test_nll));
}

#[test]
fn every_message_event_carries_its_bytes_and_skipped_uploads_are_logged() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = crate::common::run_toml(tmp.path(), "cell", CELL, &[], 2);
    let events = events(&out.dir);
    let kind = |e: &Value| e["kind"].as_str().expect("kind").to_string();
    for e in events.iter().filter(|e| e["link"] == "down") {
        let sent = events
            .iter()
            .find(|s| {
                kind(s) == "send"
                    && s["link"] == "down"
                    && s["device"] == e["device"]
                    && s["round"] == e["round"]
            })
            .expect("every downlink copy was sent");
        assert_eq!(e["bytes"], sent["bytes"], "{e}");
        assert!(e["bytes"].as_u64().expect("bytes") > 0);
    }
    let skipped: u64 = out.result.rounds.iter().map(|r| r.uploads_skipped).sum();
    assert!(skipped > 0, "device 2 is off during round 0");
    let logged = events.iter().filter(|e| kind(e) == "skip").count() as u64;
    assert_eq!(logged, skipped);
    let retx_up: u64 = out.result.rounds.iter().map(|r| r.retransmissions_up).sum();
    let retx_down: u64 = out
        .result
        .rounds
        .iter()
        .map(|r| r.retransmissions_down)
        .sum();
    assert!(retx_up > 0 && retx_down == 0, "retries = 0 on the downlink");
}

/// Records what reaches a sink.
#[derive(Default)]
struct Recording {
    rounds: Vec<RoundRecord>,
    events: Vec<NetEvent>,
}

impl Sink for Recording {
    fn round(&mut self, record: &RoundRecord) {
        self.rounds.push(record.clone());
    }
    fn event(&mut self, event: &NetEvent) {
        self.events.push(event.clone());
    }
    fn wants_events(&self) -> bool {
        true
    }
}

#[test]
fn rounds_reach_the_sinks_once_each_in_order_with_their_evaluation() {
    let sc = scenario::load_str(CELL, "records", &[], &Default::default()).expect("loads");
    let setup = run::build(&sc).expect("builds");
    let mut sink = Recording::default();
    let result = run::simulate(setup, &mut sink, 2).expect("runs");
    let order: Vec<u64> = sink.rounds.iter().map(|r| r.round).collect();
    assert_eq!(order, (0..8).collect::<Vec<u64>>());
    // A round reaches the sinks when it closes, with its evaluation (its broadcasts are still
    // on their way, so the downlink figures complete later, in the run's records).
    for (seen, kept) in sink.rounds.iter().zip(&result.rounds) {
        assert_eq!(seen.accuracy.to_bits(), kept.accuracy.to_bits());
        assert_eq!(seen.end_ns, kept.end_ns);
        assert_eq!(seen.uploads_delivered, kept.uploads_delivered);
    }
    assert!(result
        .rounds
        .iter()
        .skip(1)
        .step_by(2)
        .all(|r| r.accuracy.is_finite()));
    assert!(sink.events.windows(2).all(|w| w[0].t_ns <= w[1].t_ns));
    assert!(sink
        .events
        .iter()
        .any(|e| e.kind == EventKind::Late || e.kind == EventKind::Drop));
}
