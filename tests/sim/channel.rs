//! The simulated channel checked end to end against closed forms.

use flsnn::report::RoundRecord;
use serde_json::Value;

/// 676-0-2 paper network: every output hears the 676 inputs and the other output.
fn payload_bytes() -> u64 {
    let (inputs, outputs, k_ff, k_fb) = (676u64, 2u64, 8u64, 1u64);
    let synapses = outputs * (inputs + outputs - 1);
    let values = synapses * k_ff + outputs * k_fb + outputs;
    16 + 4 * values
}

fn wire_bytes(payload: u64, mtu: u64, header: u64) -> u64 {
    payload + payload.div_ceil(mtu - header) * header
}

const IDEAL: &str = r#"
name = "closed-form"
seed = 3
[data]
classes = [1, 7]
test_examples = 20
[partition]
scheme = "iid"
examples_per_device = 2
[fl]
devices = 4
tau = 10
steps = 30
[[device_class]]
name = "phone"
share = 1.0
step_time = "100us"
[channel.uplink]
rate = "8Mbps"
sharing = "equal-share"
latency = { kind = "constant", value = "10ms" }
mtu = "1500B"
header = "40B"
[channel.downlink]
rate = "80Mbps"
mode = "broadcast"
latency = { kind = "constant", value = "5ms" }
mtu = "1500B"
header = "40B"
"#;

#[test]
fn round_time_is_compute_plus_shared_transmission_plus_latency() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = crate::common::run_toml(tmp.path(), "ideal", IDEAL, &[], 2);
    let rounds: &[RoundRecord] = &out.result.rounds;
    assert_eq!(rounds.len(), 3);
    let wire = wire_bytes(payload_bytes(), 1500, 40);
    let senders = 4u64;
    let compute_ns = 10 * 100_000;
    // ceil(bits / (rate / senders)) in ns.
    let upload_ns = (wire * 8 * senders * 1_000_000_000).div_ceil(8_000_000);
    let broadcast_ns = (wire * 8 * 1_000_000_000).div_ceil(80_000_000);
    let up_latency = 10_000_000;
    let down_latency = 5_000_000;
    assert_eq!(rounds[0].end_ns, compute_ns + upload_ns + up_latency);
    for r in 1..rounds.len() {
        let expected = rounds[r - 1].end_ns
            + broadcast_ns
            + down_latency
            + compute_ns
            + upload_ns
            + up_latency;
        assert_eq!(rounds[r].end_ns, expected, "round {r}");
    }
    for r in rounds {
        assert_eq!(r.bytes_up, senders * wire, "bytes on the uplink");
        assert_eq!(r.bytes_down, wire, "one broadcast copy");
        assert_eq!(r.uploads_sent, senders);
        assert_eq!(r.uploads_delivered, senders);
        assert_eq!(r.broadcasts_delivered, senders);
    }
}

#[test]
fn lossy_links_conserve_messages_and_respect_latency() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sets = [
        "channel.uplink.loss.kind=gilbert-elliott",
        "channel.uplink.loss.mean_loss=0.2",
        "channel.uplink.loss.mean_burst=3",
        "channel.uplink.retries=1",
        "channel.downlink.loss.kind=bernoulli",
        "channel.downlink.loss.p=0.05",
        "fl.steps=200",
        "fl.deadline=1s",
    ];
    let out = crate::common::run_toml(tmp.path(), "lossy", IDEAL, &sets, 2);
    let mut lost = 0;
    for r in &out.result.rounds {
        assert_eq!(
            r.uploads_delivered + r.uploads_lost + r.uploads_late,
            r.uploads_sent,
            "round {}: delivered + lost = sent",
            r.round
        );
        assert_eq!(r.broadcasts_delivered + r.broadcasts_lost, 4);
        lost += r.uploads_lost;
    }
    assert!(
        lost > 0,
        "20% bursty loss with one retry loses some uploads"
    );
    for d in &out.result.devices {
        assert_eq!(
            d.uploads_delivered + d.uploads_lost + d.uploads_late,
            d.uploads_sent
        );
    }
    // Every uplink delivery comes at least one latency after its send.
    let log = std::fs::read_to_string(out.dir.join("events.jsonl")).expect("events");
    let events: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let mut checked = 0;
    for e in events
        .iter()
        .filter(|e| e["link"] == "up" && e["kind"] != "send")
    {
        let send = events
            .iter()
            .find(|s| {
                s["link"] == "up"
                    && s["kind"] == "send"
                    && s["device"] == e["device"]
                    && s["round"] == e["round"]
            })
            .expect("every outcome has a send");
        let (ts, te) = (send["t_ns"].as_u64(), e["t_ns"].as_u64());
        assert!(
            te >= ts.map(|t| t + 10_000_000),
            "{e} before {send} + latency"
        );
        checked += 1;
    }
    assert!(checked > 0);
}
