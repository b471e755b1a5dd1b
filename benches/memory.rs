//! Bytes per device: the heap a run holds at 1,000 and 10,000 devices, systems-only
//! (`scenarios/stress-systems.toml`) and training (`scenarios/stress-500.toml`, one round), through
//! a counting global allocator. For each run it prints the live heap once the run is built and the
//! peak while it runs (the data set's loading peak, before, left out), in all and per device, and the growth per added device between the two
//! sizes (the per-device cost without the fixed part: program, data set, test set). Criterion
//! times the same build and run (training only at 1,000 devices: 10,000 would take minutes per
//! sample).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use flsnn::report::NullSink;
use flsnn::run;
use flsnn::scenario::{self, Scenario};
use std::path::Path;
use std::sync::atomic::Ordering;

#[path = "../tests/support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{LIVE, PEAK};

/// The heap of one run \[bytes\], above what was live before it.
#[derive(Clone, Copy)]
struct Heap {
    built: usize,
    peak: usize,
}

fn measure(sc: &Scenario) -> Heap {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let setup = run::build(sc).expect("build");
    let built = LIVE.load(Ordering::Relaxed) - before;
    // The data set's loading peak is behind us: from here on the peak is the run's.
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    let result = run::simulate(setup, &mut NullSink, 1).expect("run");
    let peak = PEAK.load(Ordering::Relaxed) - before;
    drop(result);
    Heap { built, peak }
}

fn scenario_of(file: &str, devices: u64, extra: &[&str]) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let mut sets = vec![format!("fl.devices={devices}")];
    sets.extend(extra.iter().map(|s| s.to_string()));
    scenario::load(Some(&path), &sets).expect("scenario loads")
}

fn bench_memory(c: &mut Criterion) {
    let mut group = c.benchmark_group("memory");
    group.sample_size(10);
    let runs: [(&str, &str, &[&str]); 2] = [
        ("systems-only", "scenarios/stress-systems.toml", &[]),
        // One round (80 local steps) of the paper-size SNN on every device.
        ("training", "scenarios/stress-500.toml", &["fl.steps=80"]),
    ];
    for (label, file, extra) in runs {
        let mut heaps = Vec::new();
        for devices in [1_000u64, 10_000] {
            let sc = scenario_of(file, devices, extra);
            let heap = measure(&sc);
            println!(
                "memory/{label}/{devices}: built {} B ({} B per device), peak {} B ({} B per \
                 device)",
                heap.built,
                heap.built as u64 / devices,
                heap.peak,
                heap.peak as u64 / devices
            );
            heaps.push((devices, heap));
            if label == "training" && devices > 1_000 {
                continue;
            }
            group.throughput(Throughput::Elements(devices));
            group.bench_function(format!("{label}/{devices} devices, build and run"), |b| {
                b.iter(|| {
                    let setup = run::build(&sc).expect("build");
                    run::simulate(setup, &mut NullSink, 1).expect("run")
                })
            });
        }
        let ((n0, h0), (n1, h1)) = (heaps[0], heaps[1]);
        let per = |a: usize, b: usize| (b as f64 - a as f64) / (n1 - n0) as f64;
        println!(
            "memory/{label}: per added device (1,000 to 10,000): built {:.0} B, peak {:.0} B",
            per(h0.built, h1.built),
            per(h0.peak, h1.peak)
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = bench_memory
}
criterion_main!(benches);
