//! The cost of a window's exchange between rank 0 and a serving rank (`run::spread`), apart from
//! any SNN work: the serving rank's devices are systems-only stand-ins that compute nothing.
//!
//! - `exchange/devices/N`: one window of N training jobs (one shared global model of 100
//!   values, per job its device, steps and flags; per answer a size-only upload): the per-device
//!   cost of batching, encoding, carrying and decoding.
//! - `exchange/bytes/N`: one window of one job adopting a global model of N f32 values (4N bytes
//!   cross): the per-byte cost.
//!
//! Over the in-process link (ranks as threads, channels) by default. Built with `--features mpi`
//! and started under `mpirun -np 2` (see the README), the same windows cross MPI between two
//! processes: rank 1 serves, rank 0 measures.

use criterion::{BenchmarkId, Criterion, Throughput};
use flsnn::fl::compress::Broadcast;
use flsnn::fl::Job;
use flsnn::run::spread::{self, ChannelLink, Dispatch, Link};
use flsnn::run::FlWorker;
use flsnn::sim::Transport;
use std::sync::Arc;

/// Devices the serving rank hosts (all of them: rank 0 hosts none).
const DEVICES: u32 = 10_000;

/// The placement: every device on rank 1.
fn placement() -> Vec<u32> {
    vec![1; DEVICES as usize]
}

fn workers() -> Vec<(u32, FlWorker)> {
    (0..DEVICES)
        .map(|d| (d, FlWorker::SizeOnly { upload_bytes: 1000 }))
        .collect()
}

/// One window: `jobs` handed over, then every result awaited.
fn window(dispatch: &mut Dispatch, jobs: &[(u32, Job)]) {
    let tickets: Vec<_> = jobs
        .iter()
        .map(|(node, job)| dispatch.work(*node, job.clone()).expect("handed over"))
        .collect();
    for t in tickets {
        dispatch.done(t).expect("answered").expect("computed");
    }
}

fn model(values: usize) -> Arc<Broadcast> {
    Arc::new(Broadcast::Full {
        values: (0..values).map(|i| i as f32 * 0.5).collect(),
    })
}

fn bench(c: &mut Criterion, link: &mut dyn Link, transport: &str) {
    let placement = placement();
    let mut dispatch = Dispatch::new(link, &placement);
    let mut group = c.benchmark_group(format!("exchange-{transport}"));
    group.sample_size(20);
    let global = model(100);
    for devices in [100u32, 1_000, 10_000] {
        let jobs: Vec<(u32, Job)> = (0..devices)
            .map(|d| {
                let job = Job::Train {
                    adopt: Some(global.clone()),
                    steps: 80,
                    evaluate: 0,
                    upload: true,
                    epoch: 0,
                };
                (d + 1, job)
            })
            .collect();
        group.throughput(Throughput::Elements(u64::from(devices)));
        group.bench_with_input(BenchmarkId::new("devices", devices), &jobs, |b, jobs| {
            b.iter(|| window(&mut dispatch, jobs))
        });
    }
    for values in [1_000usize, 100_000, 1_000_000] {
        let jobs = vec![(1, Job::Adopt(model(values)))];
        group.throughput(Throughput::Bytes(4 * values as u64));
        group.bench_with_input(BenchmarkId::new("bytes", 4 * values), &jobs, |b, jobs| {
            b.iter(|| {
                // A posted job has no answer: follow it with one that has, to close the window.
                let (node, job) = &jobs[0];
                dispatch.post(*node, job.clone()).expect("handed over");
                window(&mut dispatch, &[(1, train())]);
            })
        });
    }
    group.finish();
    let t = dispatch.traffic();
    eprintln!(
        "{transport}: {} batches, {} ops, {} B out, {} B in",
        t.batches, t.ops, t.bytes_out, t.bytes_in
    );
}

fn train() -> Job {
    Job::Train {
        adopt: None,
        steps: 1,
        evaluate: 0,
        upload: true,
        epoch: 0,
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    #[cfg(feature = "mpi")]
    if let Some(link) = flsnn::mpi::MpiLink::launched() {
        let mut link = link.expect("MPI starts");
        if link.rank() == 0 {
            bench(&mut c, &mut link, "mpi");
            spread::stop(&mut link).expect("stop");
            c.final_summary();
        } else {
            spread::serve(&mut link, workers(), None, 1).expect("serves");
        }
        return;
    }
    let mut links = ChannelLink::mesh(2);
    let mut served = links.pop().expect("rank 1");
    let server = std::thread::spawn(move || spread::serve(&mut served, workers(), None, 1));
    let mut link = links.pop().expect("rank 0");
    bench(&mut c, &mut link, "threads");
    spread::stop(&mut link).expect("stop");
    server.join().expect("joins").expect("serves");
    c.final_summary();
}
