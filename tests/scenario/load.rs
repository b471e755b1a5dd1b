//! Loading and layering: file < FLSNN_ environment < --set; defaults; the embedded default.

use flsnn::scenario::{
    load_str, load_with_env, AvailabilitySpec, DataSource, Encoding, Latency, LinkSharing,
    LossModel, Participation, PartitionScheme, RateDraws, Scenario, ScenarioError, Topology,
    EMBEDDED_NAME,
};
use flsnn::time::SimDuration;
use std::collections::BTreeMap;
use std::io::Write;

fn no_env() -> BTreeMap<String, String> {
    BTreeMap::new()
}

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn sets(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

fn load_text(
    text: &str,
    env: &BTreeMap<String, String>,
    args: &[&str],
) -> Result<Scenario, ScenarioError> {
    load_str(text, "test.toml", &sets(args), env)
}

#[test]
fn embedded_default_loads_as_quickstart() {
    let s = load_with_env(None, &[], &no_env()).expect("embedded default is valid");
    assert_eq!(s.source, EMBEDDED_NAME);
    assert_eq!(s.name, "quickstart");
    assert_eq!(s.fl.devices, 4);
    assert_eq!(s.data.source, DataSource::Mnist);
    assert_eq!(s.data.classes, vec![1, 7]);
    assert_eq!(s.data.encoding, Encoding::Rate);
    assert_eq!(s.partition.examples_per_device, 60);
    assert_eq!(s.fl.steps, 60 * 80, "steps default to D * S'");
}

#[test]
fn empty_file_gives_documented_defaults() {
    let s = load_text("", &no_env(), &[]).expect("empty scenario is valid");
    assert_eq!(s.name, "unnamed");
    assert_eq!(s.seed, 1);
    assert_eq!(s.data.path, std::path::PathBuf::from("data"));
    assert_eq!(s.data.gain, 0.15);
    assert_eq!(s.data.bin, SimDuration::from_millis(25));
    assert_eq!(s.partition.scheme, PartitionScheme::LabelPerDevice);
    assert_eq!(s.partition.examples_per_device, 400);
    assert_eq!(s.snn.k_ff, 8);
    assert_eq!(s.snn.memory, 10);
    assert_eq!(s.snn.topology, Topology::Paper);
    assert_eq!(s.fl.devices, 2);
    assert_eq!(s.fl.tau, 8);
    assert_eq!(
        s.fl.steps, 32_000,
        "400 examples * 80 steps, as in the paper"
    );
    assert_eq!(s.fl.deadline, None);
    assert_eq!(s.fl.participation, Participation::All);
    assert_eq!(s.device_classes.len(), 1);
    assert_eq!(s.device_classes[0].name, "default");
    assert_eq!(s.uplink.rate_bps, 10_000_000);
    assert_eq!(s.uplink.sharing, LinkSharing::EqualShare);
    assert_eq!(
        s.uplink.latency,
        Latency::Constant(SimDuration::from_millis(10))
    );
    assert_eq!((s.uplink.mtu_bytes, s.uplink.header_bytes), (1500, 40));
    assert_eq!(s.uplink.loss, LossModel::None);
    assert_eq!(s.downlink.rate_bps, 50_000_000);
    assert_eq!(s.downlink.sharing, LinkSharing::Broadcast);
    assert_eq!(s.availability, AvailabilitySpec::Always);
    assert_eq!(s.eval.every, 1);
    assert_eq!(s.output.dir, std::path::PathBuf::from("runs"));
}

#[test]
fn layering_order_is_file_then_env_then_set() {
    let file = "[fl]\ntau = 4\ndevices = 3\n[channel.uplink]\nrate = \"1Mbps\"\n";
    let from_file = load_text(file, &no_env(), &[]).expect("valid");
    assert_eq!((from_file.fl.tau, from_file.fl.devices), (4, 3));

    let e = env(&[
        ("FLSNN_FL__TAU", "16"),
        ("FLSNN_CHANNEL__UPLINK__RATE", "2Mbps"),
        ("OTHER_FL__TAU", "99"),
    ]);
    let from_env = load_text(file, &e, &[]).expect("valid");
    assert_eq!(from_env.fl.tau, 16, "env beats file");
    assert_eq!(from_env.fl.devices, 3, "untouched keys keep the file value");
    assert_eq!(from_env.uplink.rate_bps, 2_000_000);

    let from_set = load_text(file, &e, &["fl.tau=32", "channel.uplink.rate=5Mbps"]).expect("valid");
    assert_eq!(from_set.fl.tau, 32, "--set beats env");
    assert_eq!(from_set.uplink.rate_bps, 5_000_000);
}

#[test]
fn set_values_are_parsed_as_toml() {
    let s = load_text(
        "",
        &no_env(),
        &[
            "data.classes=[0, 3, 8]",
            "name=my run",
            "channel.uplink.latency={ kind = \"uniform\", min = \"1ms\", max = \"3ms\" }",
            "eval.device_models=true",
            "snn.eta=0.003",
        ],
    )
    .expect("valid");
    assert_eq!(s.data.classes, vec![0, 3, 8]);
    assert_eq!(s.name, "my run");
    assert_eq!(
        s.uplink.latency,
        Latency::Uniform {
            min: SimDuration::from_millis(1),
            max: SimDuration::from_millis(3)
        }
    );
    assert!(s.eval.device_models);
    assert_eq!(s.snn.eta, 0.003);
}

#[test]
fn env_lists_and_nested_keys() {
    let e = env(&[
        ("FLSNN_DATA__CLASSES", "2,5"),
        ("FLSNN_CHANNEL__DOWNLINK__LATENCY__VALUE", "7ms"),
        ("FLSNN_EVAL__DEVICE_MODELS", "true"),
    ]);
    let s = load_text("", &e, &[]).expect("valid");
    assert_eq!(s.data.classes, vec![2, 5]);
    assert_eq!(
        s.downlink.latency,
        Latency::Constant(SimDuration::from_millis(7))
    );
    assert!(s.eval.device_models);
}

#[test]
fn unknown_keys_from_env_and_set_name_their_origin() {
    let err = load_text("", &env(&[("FLSNN_FL__TAUX", "3")]), &[]).expect_err("unknown key");
    let msg = err.to_string();
    assert!(
        msg.contains("fl.taux") && msg.contains("FLSNN_FL__TAUX") && msg.contains("test.toml"),
        "{msg}"
    );

    let err = load_text("", &no_env(), &["channel.uplink.sharng=fifo"]).expect_err("unknown key");
    let msg = err.to_string();
    assert!(
        msg.contains("channel.uplink.sharng") && msg.contains("--set"),
        "{msg}"
    );
}

#[test]
fn malformed_set_argument_is_rejected() {
    for bad in ["fl.tau", "=3", "fl tau=3"] {
        let err = load_text("", &no_env(), &[bad]).expect_err("malformed --set");
        assert!(
            matches!(err, ScenarioError::BadOverride { .. }),
            "{bad}: {err}"
        );
        assert!(err.to_string().contains("test.toml"), "{err}");
    }
}

#[test]
fn missing_file_names_the_file() {
    let err = load_with_env(
        Some(std::path::Path::new("/nonexistent/x.toml")),
        &[],
        &no_env(),
    )
    .expect_err("missing");
    assert!(err.to_string().contains("/nonexistent/x.toml"), "{err}");
}

#[test]
fn full_scenario_parses_every_section() {
    let text = r#"
name = "full"
seed = 7
[data]
source = "n-mnist"
path = "/data/nmnist"
classes = [0, 1, 2]
bin = "10ms"
polarity = "split"
[partition]
scheme = "dirichlet"
dirichlet_alpha = 0.1
examples_per_device = 10
[snn]
hidden = 1
topology = "custom"
adjacency = [[1, 1, 0, 1, 1, 1], [1, 1, 1, 0, 1, 1], [1, 1, 1, 1, 0, 1], [1, 1, 1, 1, 1, 0]]
[fl]
devices = 10
participation = "fraction"
fraction = 0.3
deadline = "1.5s"
mode = "sync"
[[device_class]]
name = "phone"
share = 3
step_time = "50us"
tx_power = "200mW"
energy_per_spike = "5pJ"
[[device_class]]
name = "sensor"
share = 1
step_time = "1ms"
[channel.uplink]
rate = "2.5kbps"
sharing = "processor-sharing"
latency = { kind = "pareto", scale = "2ms", shape = 1.5 }
mtu = "1KiB"
loss = { kind = "gilbert-elliott", mean_loss = 0.05, mean_burst = 3 }
retries = 0
[channel.downlink]
mode = "unicast"
loss = { kind = "bernoulli", p = 0.01 }
[availability]
kind = "schedule"
schedule = [ { device = 9, off_from = "2s", off_to = "3s" }, { device = 0, off_from = "1s", off_to = "2min" } ]
"#;
    let s = load_text(text, &no_env(), &[]).expect("valid");
    assert_eq!(
        s.data.encoding,
        Encoding::Events,
        "recordings default to events"
    );
    assert_eq!(
        s.partition.scheme,
        PartitionScheme::Dirichlet { alpha: 0.1 }
    );
    assert_eq!(s.fl.deadline, Some(SimDuration::from_millis(1500)));
    assert_eq!(s.fl.participation, Participation::Fraction(0.3));
    assert_eq!(s.device_classes[0].share, 0.75);
    assert_eq!(s.device_classes[1].energy_per_spike_j, 5e-12);
    assert_eq!(s.uplink.rate_bps, 2500);
    assert_eq!(s.uplink.mtu_bytes, 1024);
    assert_eq!(s.uplink.retries, 0);
    assert_eq!(s.downlink.loss, LossModel::Bernoulli { p: 0.01 });
    let AvailabilitySpec::Schedule { outages } = &s.availability else {
        panic!("schedule expected")
    };
    assert_eq!(outages[0].device, 0, "outages sorted by device");
    assert_eq!(outages[0].off_to, SimDuration(120_000_000_000));
    // 2 inputs + 1 hidden + 3 outputs = 6 columns, diagonal at column 2 + i.
    s.check_adjacency(2).expect("shape fits 2 inputs");
    let err = s.check_adjacency(3).expect_err("wrong width");
    assert!(err.to_string().contains("snn.adjacency[0]"), "{err}");
    let classes = s.device_class_assignment();
    assert_eq!(classes.len(), 10);
    let phones = classes.iter().filter(|&&k| k == 0).count();
    assert!(
        (7..=8).contains(&phones),
        "75% of 10 devices, got {phones}: {classes:?}"
    );
    assert!(
        classes[..4].contains(&1),
        "classes interleave rather than form blocks: {classes:?}"
    );
}

#[test]
fn self_synapse_in_custom_adjacency_is_rejected() {
    let text = "[snn]\ntopology = \"custom\"\nadjacency = [[1, 0, 1], [1, 1, 1]]\n";
    let s = load_text(text, &no_env(), &[]).expect("valid at load time");
    let err = s
        .check_adjacency(1)
        .expect_err("row 1 feeds itself at column 2");
    assert!(err.to_string().contains("snn.adjacency[1][2]"), "{err}");
}

#[test]
fn resolved_toml_loads_back_equal() {
    let base = load_with_env(None, &[], &no_env()).expect("valid");
    let again =
        load_text(&base.to_resolved_toml(), &no_env(), &[]).expect("resolved TOML is valid");
    assert_eq!(
        Scenario {
            source: base.source.clone(),
            ..again
        },
        base
    );

    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    let text = "[fl]\ndeadline = \"1s\"\n[availability]\nkind = \"on-off\"\nmean_on = \"1.5s\"\n[channel.uplink]\nlatency = { kind = \"lognormal\", median = \"3ms\", sigma = 0.4 }\n[[device_class]]\nname = \"a\"\nshare = 2\n[[device_class]]\nname = \"b\"\ntx_power = \"1.2W\"\n";
    file.write_all(text.as_bytes()).expect("write");
    let s = load_with_env(Some(file.path()), &[], &no_env()).expect("valid");
    let again = load_text(&s.to_resolved_toml(), &no_env(), &[]).expect("resolved TOML is valid");
    assert_eq!(
        Scenario {
            source: s.source.clone(),
            ..again
        },
        s
    );
}

/// Issue 8: a value of the wrong type is an error naming the key and where it came from, from the
/// file, from `FLSNN_*` and from `--set` alike; nothing is rounded, parsed from a string or
/// saturated.
#[test]
fn wrong_types_are_errors_from_every_source() {
    let file_cases = [
        ("[fl]\ntau = 4.7\n", "fl.tau", "4.7"),
        ("[fl]\ntau = \"8\"\n", "fl.tau", "\"8\""),
        ("[fl]\ntau = true\n", "fl.tau", "true"),
        ("name = 42\n", "name", "42"),
    ];
    for (text, key, value) in file_cases {
        let msg = load_text(text, &no_env(), &[]).expect_err(text).to_string();
        assert!(
            msg.contains("test.toml") && msg.contains(key) && msg.contains(value),
            "{text:?}: {msg}"
        );
    }
    for arg in [
        "fl.tau=inf",
        "fl.tau=nan",
        "fl.tau=4.7",
        "fl.tau=\"8\"",
        "name=42",
    ] {
        let msg = load_text("", &no_env(), &[arg]).expect_err(arg).to_string();
        let key = arg.split('=').next().unwrap_or_default();
        assert!(
            msg.contains(key) && msg.contains(&format!("--set {arg}")),
            "{arg}: {msg}"
        );
    }
    for (var, value) in [("FLSNN_FL__TAU", "2.5"), ("FLSNN_FL__TAU", "true")] {
        let msg = load_text("", &env(&[(var, value)]), &[])
            .expect_err(value)
            .to_string();
        assert!(
            msg.contains("fl.tau") && msg.contains(&format!("environment variable {var}")),
            "{var}={value}: {msg}"
        );
    }
}

#[test]
fn quoted_override_is_a_string_and_bare_words_stay_strings() {
    let s = load_text(
        "",
        &env(&[("FLSNN_NAME", "\"42\"")]),
        &["channel.uplink.rate=3Mbps", "fl.mode=sync"],
    )
    .expect("valid");
    assert_eq!(s.name, "42");
    assert_eq!(s.uplink.rate_bps, 3_000_000);
}

#[test]
fn indexed_set_reaches_array_elements() {
    let file = "[[device_class]]\nname = \"a\"\nshare = 0.5\n[[device_class]]\nname = \"b\"\nshare = 0.5\n";
    let s = load_text(file, &no_env(), &["device_class[1].name=c"]).expect("valid");
    assert_eq!(s.device_classes[1].name, "c");
    let msg = load_text(file, &no_env(), &["device_class[5].name=c"])
        .expect_err("gap")
        .to_string();
    assert!(
        msg.contains("device_class") && msg.contains("index 5"),
        "{msg}"
    );
}

#[test]
fn long_values_are_quoted_short() {
    let long = "y".repeat(10_000);
    for arg in [
        format!("fl.tau=\"{long}\""),
        format!("channel.uplink.rate={}Mbps", "9".repeat(10_000)),
        format!("name={long}"),
    ] {
        let msg = load_text("", &no_env(), &[arg.as_str()])
            .expect_err("bad value")
            .to_string();
        assert!(msg.len() < 400, "{} chars: {msg:.200}", msg.len());
    }
}

#[test]
fn an_uplink_rate_per_device_scales_with_fl_devices_and_is_strict() {
    let text = "[fl]\ndevices = 500\n[channel.uplink]\nrate_per_device = \"100kbps\"\n";
    let s = load_text(text, &no_env(), &[]).expect("loads");
    assert_eq!(s.uplink.rate_bps, 50_000_000, "500 x 100 kbit/s");
    let s = load_text(text, &no_env(), &["fl.devices=3000"]).expect("loads");
    assert_eq!(s.uplink.rate_bps, 300_000_000, "3,000 x 100 kbit/s");
    let invalid = |args: &[&str], extra: &str| {
        let e = load_text(&format!("{text}{extra}"), &no_env(), args)
            .expect_err("invalid")
            .to_string();
        assert!(e.contains("rate_per_device"), "{e}");
        e
    };
    let both = invalid(&["channel.uplink.rate=\"1Gbps\""], "");
    assert!(both.contains("channel.uplink.rate"), "{both}");
    invalid(&["channel.uplink.rate_per_device=\"0kbps\""], "");
    let in_file = invalid(&[], "rate = \"1Gbps\"\n");
    assert!(in_file.contains("not both"), "{in_file}");
    let down = invalid(&[], "[channel.downlink]\nrate_per_device = \"1Mbps\"\n");
    assert!(down.contains("channel.downlink.rate_per_device"), "{down}");
    let huge = invalid(
        &[
            "fl.devices=4000000000",
            "fl.systems_only=true",
            "channel.uplink.rate_per_device=\"10000Gbps\"",
        ],
        "",
    );
    assert!(huge.contains("2^64"), "{huge}");
}

#[test]
fn rate_draws_default_to_per_step_and_refuse_other_words() {
    let s = load_text("", &no_env(), &[]).expect("empty scenario is valid");
    assert_eq!(s.data.rate_draws, RateDraws::PerStep);
    let s = load_text("[data]\nrate_draws = \"per-spike\"\n", &no_env(), &[]).expect("valid");
    assert_eq!(s.data.rate_draws, RateDraws::PerSpike);
    let msg = load_text("[data]\nrate_draws = \"fast\"\n", &no_env(), &[])
        .expect_err("an unknown layout")
        .to_string();
    assert!(
        msg.contains("test.toml") && msg.contains("data.rate_draws") && msg.contains("per-spike"),
        "{msg}"
    );
    let msg = load_text("", &no_env(), &["data.rate_draws=3"])
        .expect_err("a number")
        .to_string();
    assert!(msg.contains("--set data.rate_draws=3"), "{msg}");
}
