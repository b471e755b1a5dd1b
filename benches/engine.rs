//! The simulation engine alone: device and base-station actors passing fixed-size model payloads
//! through the channel, with almost no SNN work (one SNN step per round on 8x8 UCI digits);
//! reports calendar events per second. Then systems-only runs (`fl.systems_only`, no actors, no
//! training) of the paper-size model: calendar events per second and devices per second (one
//! device-round is one element).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use flsnn::report::NullSink;
use flsnn::run;
use flsnn::scenario;

const ENGINE: &str = r#"
name = "engine-bench"
seed = 1
[data]
source = "uci-digits"
classes = [1, 7]
test_examples = 10
[partition]
scheme = "iid"
examples_per_device = 1
[fl]
devices = 200
tau = 1
steps = 20
[channel.uplink]
rate = "100Mbps"
sharing = "processor-sharing"
latency = { kind = "uniform", min = "1ms", max = "5ms" }
loss = { kind = "bernoulli", p = 0.01 }
[channel.downlink]
rate = "100Mbps"
latency = { kind = "constant", value = "1ms" }
[eval]
every = 1000000
"#;

fn bench_engine(c: &mut Criterion) {
    let sc = scenario::load_str(ENGINE, "engine-bench", &[], &Default::default())
        .expect("bench scenario loads");
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let events = {
        let setup = run::build(&sc).expect("build");
        run::simulate(setup, &mut NullSink, threads)
            .expect("run")
            .events
    };
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    group.throughput(Throughput::Elements(events));
    group.bench_function("200 devices x 20 rounds", |b| {
        b.iter_batched(
            || run::build(&sc).expect("build"),
            |setup| run::simulate(setup, &mut NullSink, threads).expect("run"),
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// The paper-size model over a cell that grows with the devices (200 kbit/s of uplink each).
fn systems_only(devices: u64) -> String {
    format!(
        r#"
name = "systems-bench"
seed = 1
[data]
source = "mnist"
classes = [1, 7]
test_examples = 10
[partition]
scheme = "iid"
examples_per_device = 4
[fl]
devices = {devices}
tau = 80
steps = 800
deadline = "4s"
systems_only = true
[channel.uplink]
rate = "{rate}kbps"
sharing = "processor-sharing"
latency = {{ kind = "uniform", min = "5ms", max = "25ms" }}
loss = {{ kind = "bernoulli", p = 0.01 }}
[channel.downlink]
rate = "100Mbps"
latency = {{ kind = "constant", value = "5ms" }}
"#,
        rate = devices * 200
    )
}

fn bench_systems_only(c: &mut Criterion) {
    let mut group = c.benchmark_group("systems-only");
    group.sample_size(10);
    for devices in [1_000u64, 10_000] {
        let sc = scenario::load_str(
            &systems_only(devices),
            "systems-bench",
            &[],
            &Default::default(),
        )
        .expect("bench scenario loads");
        let events = {
            let setup = run::build(&sc).expect("build");
            run::simulate(setup, &mut NullSink, 1).expect("run").events
        };
        group.throughput(Throughput::Elements(events));
        group.bench_function(format!("events, {devices} devices x 10 rounds"), |b| {
            b.iter_batched(
                || run::build(&sc).expect("build"),
                |setup| run::simulate(setup, &mut NullSink, 1).expect("run"),
                criterion::BatchSize::LargeInput,
            )
        });
        group.throughput(Throughput::Elements(devices * 10));
        group.bench_function(
            format!("device-rounds, {devices} devices x 10 rounds"),
            |b| {
                b.iter_batched(
                    || run::build(&sc).expect("build"),
                    |setup| run::simulate(setup, &mut NullSink, 1).expect("run"),
                    criterion::BatchSize::LargeInput,
                )
            },
        );
    }
    group.finish();
}

/// One fault of every kind on the systems-only cell: 10% of the devices crash and 10% pause, the
/// base station is out for a second, a tenth of the cell is cut off, every upload may be
/// corrupted, half the devices slow down for three rounds.
const FAULTS: &str = r#"
[[faults]]
kind = "crash"
start = "2s"
end = "6s"
fraction = 0.1
[[faults]]
kind = "pause"
start = "1s"
duration = "2s"
fraction = 0.1
[[faults]]
kind = "outage"
start = "5s"
duration = "1s"
[[faults]]
kind = "partition"
start = "3s"
end = "4s"
fraction = 0.1
[[faults]]
kind = "corruption"
start = "0s"
probability = 0.05
undetected = 0.01
[[faults]]
kind = "slowdown"
round = 2
end_round = 5
fraction = 0.5
factor = 2.0
"#;

/// The cost of fault handling: the systems-only cell of 1,000 devices with and without
/// [`FAULTS`].
fn bench_faults(c: &mut Criterion) {
    let mut group = c.benchmark_group("faults");
    group.sample_size(10);
    for (label, faults) in [("without faults", ""), ("with every kind", FAULTS)] {
        let text = format!("{}{faults}", systems_only(1_000));
        let sc = scenario::load_str(&text, "faults-bench", &[], &Default::default())
            .expect("bench scenario loads");
        group.bench_function(format!("1000 devices x 10 rounds, {label}"), |b| {
            b.iter_batched(
                || run::build(&sc).expect("build"),
                |setup| run::simulate(setup, &mut NullSink, 1).expect("run"),
                criterion::BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // Plots off: criterion's plotters output panics with this crate's font-less plotters features.
    config = Criterion::default().without_plots();
    targets = bench_engine, bench_systems_only, bench_faults
}
criterion_main!(benches);
