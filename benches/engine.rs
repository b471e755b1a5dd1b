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

criterion_group! {
    name = benches;
    // Plots off: criterion's plotters output panics with this crate's font-less plotters features.
    config = Criterion::default().without_plots();
    targets = bench_engine, bench_systems_only
}
criterion_main!(benches);
