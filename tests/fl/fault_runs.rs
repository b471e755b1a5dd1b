//! Every fault kind through a full run (systems-only: the network and the protocol are the
//! subject), each checking the exact accounting: every upload started is delivered, lost, late,
//! corrupted or aborted, per round and per device, and `events.jsonl` agrees; and the same faults
//! give the same outputs on one thread or two.

use flsnn::report::{DeviceRecord, RoundRecord};
use flsnn::run::RunOutcome;
use serde_json::Value;

/// 8 devices, 20 synchronous rounds of one step; uploads take most of a round on a 2 Mbit/s
/// uplink, so a fault that starts at a given time catches some of them in flight.
const BASE: &str = r#"
name = "fault-runs"
seed = 9
[data]
classes = [1, 7]
test_examples = 20
[partition]
scheme = "iid"
examples_per_device = 4
[snn]
delta_s = 1
[fl]
devices = 8
tau = 1
steps = 20
deadline = "2s"
systems_only = true
[channel.uplink]
rate = "2Mbps"
latency = { kind = "constant", value = "5ms" }
[channel.downlink]
rate = "50Mbps"
latency = { kind = "constant", value = "5ms" }
"#;

const S: u64 = 1_000_000_000;

struct Run {
    out: RunOutcome,
    events: Vec<Value>,
}

fn run(tag: &str, faults: &str, sets: &[&str]) -> Run {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = crate::common::run_toml(tmp.path(), tag, &format!("{BASE}{faults}"), sets, 2);
    let text = std::fs::read_to_string(out.dir.join("events.jsonl")).expect("events.jsonl");
    let events = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    let run = Run { out, events };
    check_accounting(&run);
    run
}

fn n(v: Option<u64>) -> u64 {
    v.expect("fault columns are counted in a run with faults")
}

/// Outcomes of uploads: (delivered, lost, late, corrupted, aborted).
fn outcomes_round(r: &RoundRecord) -> [u64; 5] {
    [
        r.uploads_delivered,
        r.uploads_lost,
        r.uploads_late,
        n(r.uploads_corrupted),
        n(r.uploads_aborted),
    ]
}

fn outcomes_device(d: &DeviceRecord) -> [u64; 5] {
    [
        d.uploads_delivered,
        d.uploads_lost,
        d.uploads_late,
        n(d.uploads_corrupted),
        n(d.uploads_aborted),
    ]
}

/// The accounting closes per round, per device, over the run and in the event log.
fn check_accounting(run: &Run) {
    let r = &run.out.result;
    for round in &r.rounds {
        let o = outcomes_round(round);
        assert_eq!(
            round.uploads_sent,
            o.iter().sum::<u64>(),
            "round {}: {o:?}",
            round.round
        );
    }
    for dev in &r.devices {
        let o = outcomes_device(dev);
        assert_eq!(
            dev.uploads_sent,
            o.iter().sum::<u64>(),
            "device {}: {o:?}",
            dev.device
        );
    }
    let mut by_round = [0u64; 5];
    let mut by_device = [0u64; 5];
    for (i, x) in r
        .rounds
        .iter()
        .flat_map(|round| outcomes_round(round).into_iter().enumerate())
    {
        by_round[i] += x;
    }
    for (i, x) in r
        .devices
        .iter()
        .flat_map(|d| outcomes_device(d).into_iter().enumerate())
    {
        by_device[i] += x;
    }
    assert_eq!(by_round, by_device, "rounds and devices add up alike");
    let events = |kind: &str| count(&run.events, kind, "up", |_| true);
    let sent: u64 = r.devices.iter().map(|d| d.uploads_sent).sum();
    assert_eq!(events("send"), sent);
    assert_eq!(
        [
            events("deliver"),
            events("drop"),
            events("late"),
            events("corrupt"),
            events("abort")
        ],
        by_device,
        "events.jsonl agrees"
    );
}

fn count(events: &[Value], kind: &str, link: &str, keep: impl Fn(&Value) -> bool) -> u64 {
    events
        .iter()
        .filter(|e| e["kind"] == kind && e["link"] == link && keep(e))
        .count() as u64
}

fn t_ns(e: &Value) -> u64 {
    e["t_ns"].as_u64().expect("t_ns")
}

fn device(e: &Value) -> u64 {
    e["device"].as_u64().expect("device")
}

/// Uploads of `devices` on the uplink at `t`: sent before, not resolved before.
fn in_flight(events: &[Value], devices: &[u64], t: u64) -> u64 {
    let sent = |e: &Value| devices.contains(&device(e)) && t_ns(e) < t;
    let resolved: u64 = ["deliver", "drop", "late", "corrupt"]
        .iter()
        .map(|k| count(events, k, "up", |e| sent(e)))
        .sum();
    count(events, "send", "up", sent) - resolved
}

/// Fault events of `kind` starting (`start`) at `t`, by device.
fn fault_events(events: &[Value], kind: &str, start: bool, t: u64) -> Vec<u64> {
    let which = if start { "fault-start" } else { "fault-end" };
    events
        .iter()
        .filter(|e| e["kind"] == which && e["link"] == kind && t_ns(e) == t)
        .map(device)
        .collect()
}

#[test]
fn a_crash_silences_its_devices_aborts_their_uploads_and_they_rejoin() {
    let targets = [2u64, 5];
    let r = run(
        "crash",
        "[[faults]]\nkind = \"crash\"\nstart = \"1s\"\nend = \"3s\"\ndevices = [2, 5]\n",
        &[],
    );
    let devs = &r.out.result.devices;
    for d in devs {
        let expected = u64::from(targets.contains(&u64::from(d.device)));
        assert_eq!(n(d.crashes), expected, "device {}", d.device);
        assert_eq!(n(d.pauses) + n(d.partitions) + n(d.slowdowns), 0);
    }
    assert_eq!(fault_events(&r.events, "crash", true, S), targets);
    assert_eq!(fault_events(&r.events, "crash", false, 3 * S), targets);
    let flying = in_flight(&r.events, &targets, S);
    assert!(flying > 0, "the test means to catch an upload in flight");
    let aborted: u64 = targets
        .iter()
        .map(|&d| n(devs[d as usize].uploads_aborted))
        .sum();
    assert_eq!(
        aborted, flying,
        "every upload in flight at the crash is aborted"
    );
    assert_eq!(
        devs.iter().map(|d| n(d.uploads_aborted)).sum::<u64>(),
        aborted
    );
    let down = |e: &Value| targets.contains(&device(e)) && (S..3 * S).contains(&t_ns(e));
    assert_eq!(
        count(&r.events, "send", "up", down),
        0,
        "sends nothing while down"
    );
    let after = |e: &Value| targets.contains(&device(e)) && t_ns(e) >= 3 * S;
    assert!(
        count(&r.events, "deliver", "up", after) > 0,
        "back after the crash"
    );
    let others = devs
        .iter()
        .filter(|d| !targets.contains(&u64::from(d.device)));
    for d in others {
        assert!(d.uploads_sent > devs[2].uploads_sent, "device {}", d.device);
    }
}

#[test]
fn a_pause_silences_its_devices_for_a_while_and_aborts_their_uploads_in_flight() {
    let r = run(
        "pause",
        "[[faults]]\nkind = \"pause\"\nstart = \"1s\"\nduration = \"1500ms\"\nranges = [[0, 1]]\n",
        &[],
    );
    let targets = [0u64, 1];
    let devs = &r.out.result.devices;
    assert!(devs.iter().all(|d| n(d.pauses) == u64::from(d.device < 2)));
    assert_eq!(
        fault_events(&r.events, "pause", false, 2_500_000_000),
        targets
    );
    let flying = in_flight(&r.events, &targets, S);
    assert!(flying > 0);
    assert_eq!(
        n(devs[0].uploads_aborted) + n(devs[1].uploads_aborted),
        flying
    );
    let paused = |e: &Value| targets.contains(&device(e)) && (S..2_500_000_000).contains(&t_ns(e));
    assert_eq!(count(&r.events, "send", "up", paused), 0);
    assert_eq!(count(&r.events, "deliver", "down", paused), 0, "no radio");
}

#[test]
fn an_outage_loses_what_is_on_its_way_and_its_round_logic_decides_the_round() {
    let outage = |logic: &str| {
        format!(
            "[[faults]]\nkind = \"outage\"\nstart = \"1200ms\"\nduration = \"1s\"\n\
             round_logic = \"{logic}\"\n"
        )
    };
    let window = 1_200_000_000..2_200_000_000u64;
    for logic in ["deadline", "wait", "close"] {
        let r = run(logic, &outage(logic), &[]);
        let inside = |e: &Value| window.contains(&t_ns(e));
        assert_eq!(
            count(&r.events, "deliver", "up", inside),
            0,
            "{logic}: nothing received"
        );
        assert_eq!(
            count(&r.events, "deliver", "down", inside),
            0,
            "{logic}: nothing sent"
        );
        let rounds = &r.out.result.rounds;
        let starts: u64 = rounds.iter().map(|x| n(x.fault_starts)).sum();
        assert_eq!(starts, 1, "{logic}: one outage");
        assert_eq!(
            fault_events(&r.events, "outage", true, window.start).len(),
            8,
            "{logic}"
        );
        let closed_inside = rounds.iter().filter(|x| window.contains(&x.end_ns)).count();
        let closed_at_end = rounds.iter().filter(|x| x.end_ns == window.end).count();
        match logic {
            "wait" => assert_eq!(closed_inside, 0, "wait: nothing closes inside"),
            "close" => {
                assert_eq!(closed_inside, 0);
                assert_eq!(closed_at_end, 1, "close: the open round closes as it ends");
            }
            _ => {}
        }
        let lost: u64 = rounds.iter().map(|x| x.uploads_lost).sum();
        assert!(lost > 0, "{logic}: uploads in flight are lost");
    }
}

#[test]
fn a_partition_cuts_its_devices_off_both_ways() {
    let r = run(
        "partition",
        "[[faults]]\nkind = \"partition\"\nstart = \"1s\"\nend = \"3s\"\ndevices = [0, 1]\n",
        &[],
    );
    let cut = |e: &Value| device(e) < 2 && (S..=3 * S).contains(&t_ns(e));
    assert_eq!(count(&r.events, "deliver", "up", cut), 0);
    assert_eq!(count(&r.events, "deliver", "down", cut), 0);
    assert!(
        count(&r.events, "drop", "up", cut) > 0,
        "their uploads are lost"
    );
    let devs = &r.out.result.devices;
    assert!(devs
        .iter()
        .all(|d| n(d.partitions) == u64::from(d.device < 2)));
    assert!(devs[0].uploads_lost > 0 && devs[7].uploads_lost == 0);
    let others = |e: &Value| device(e) >= 2 && (S..=3 * S).contains(&t_ns(e));
    assert!(
        count(&r.events, "deliver", "up", others) > 0,
        "the others are heard"
    );
}

#[test]
fn corruption_is_caught_by_the_checksum_or_reaches_aggregation_unseen() {
    let r = run(
        "corruption",
        "[[faults]]\nkind = \"corruption\"\nstart = \"0s\"\ndevices = [3]\nprobability = 1.0\n\
         [[faults]]\nkind = \"corruption\"\nstart = \"0s\"\ndevices = [4]\nprobability = 0.0\n\
         undetected = 1.0\n",
        &[],
    );
    let devs = &r.out.result.devices;
    assert_eq!(n(devs[3].uploads_corrupted), devs[3].uploads_sent);
    assert_eq!(devs[3].uploads_delivered, 0);
    assert!(devs[3].uploads_sent > 0);
    assert_eq!(
        n(devs[4].uploads_tampered),
        devs[4].uploads_delivered + devs[4].uploads_late
    );
    assert_eq!(n(devs[4].uploads_corrupted), 0);
    for d in [0, 1, 2, 5, 6, 7] {
        assert_eq!(
            n(devs[d].uploads_corrupted) + n(devs[d].uploads_tampered),
            0
        );
    }
    assert_eq!(
        count(&r.events, "tamper", "up", |_| true),
        n(devs[4].uploads_tampered)
    );
}

#[test]
fn a_slowdown_from_a_round_to_a_round_stretches_those_rounds() {
    // Compute-bound: 20 steps of 1 ms a round over fast links, slowed 4x from round 3 to round 6.
    let sets = [
        "channel.uplink.rate=\"1Gbps\"",
        "fl.tau=20",
        "fl.steps=400",
        "device_class=[{name = \"phone\", step_time = \"1ms\"}]",
    ];
    let r = run(
        "slowdown",
        "[[faults]]\nkind = \"slowdown\"\nround = 3\nend_round = 6\nclasses = [\"phone\"]\n\
         factor = 4.0\n",
        &sets,
    );
    let rounds = &r.out.result.rounds;
    let length = |i: usize| rounds[i].end_ns - rounds[i].start_ns;
    // Each slowed round computes 20 steps of 4 ms instead of 1 ms: 60 ms longer, the network
    // time unchanged.
    for i in [3, 4, 5] {
        assert_eq!(length(i), length(1) + 60_000_000, "round {i}");
    }
    for i in [2, 6, 7] {
        assert_eq!(length(i), length(1), "round {i} runs at full speed");
    }
    assert_eq!(
        n(rounds[3].fault_starts),
        8,
        "every device slowed as round 3 opened"
    );
    assert!(r.out.result.devices.iter().all(|d| n(d.slowdowns) == 1));
}

#[test]
fn faults_give_the_same_outputs_on_one_thread_or_two() {
    let toml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/faults.toml"
    ))
    .expect("scenarios/faults.toml");
    let tmp = tempfile::tempdir().expect("tempdir");
    let sets = ["fl.steps=640"];
    let one = crate::common::run_toml(tmp.path(), "one", &toml, &sets, 1);
    let two = crate::common::run_toml(tmp.path(), "two", &toml, &sets, 2);
    for file in ["rounds.csv", "devices.csv", "events.jsonl"] {
        let a = std::fs::read(one.dir.join(file)).expect("read");
        let b = std::fs::read(two.dir.join(file)).expect("read");
        assert!(a == b, "{file} differs between 1 and 2 threads");
    }
    let starts: u64 = one.result.rounds.iter().map(|r| n(r.fault_starts)).sum();
    assert!(starts > 0, "the faults happened");
}
