//! Microseconds per training step, sparse learner vs dense reference, on the paper's sizes
//! (676 inputs, 0 or 64 hidden, 2 outputs, Delta_s = 1) with about 2% of inputs active per step
//! (MNIST rate coding at gain 0.15); 676-0-2 with Delta_s = 80 (paper-throughput's setting);
//! and `evaluate` on 200 test examples of 80 steps.

use criterion::{criterion_group, criterion_main, Criterion};
use flsnn::snn::{
    evaluate, DenseLearner, Learner, Network, Params, SnnConfig, StepStats, TestExample,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;
use std::time::Duration;

const INPUT_DENSITY: f64 = 0.02;
const S_PRIME: usize = 80;
const EVAL_EXAMPLES: usize = 200;

fn inputs(rng: &mut ChaCha8Rng, n_inputs: usize, steps: usize) -> Vec<Vec<u32>> {
    (0..steps)
        .map(|_| {
            (0..n_inputs as u32)
                .filter(|_| rng.random::<f64>() < INPUT_DENSITY)
                .collect()
        })
        .collect()
}

fn bench_steps(c: &mut Criterion) {
    for n_hidden in [0usize, 64] {
        let net = Network::new(SnnConfig::paper(676, n_hidden, 2)).expect("paper config");
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let data = inputs(&mut rng, 676, 40 * S_PRIME);
        let init = net.init_params(&mut rng);
        let name = format!("676-{n_hidden}-2");

        let mut sparse = warmed_up(&net, init.clone(), &data, &mut rng);
        eprintln!("{name}: Learner::memory_bytes = {}", sparse.memory_bytes());
        let mut group = c.benchmark_group(name.clone());
        let mut s = 0usize;
        group.bench_function("sparse", |b| {
            b.iter(|| sparse_step(&net, &mut sparse, &data, &mut s, &mut rng))
        });
        let mut dense = DenseLearner::new(&net, init).expect("shapes");
        let mut s = 0usize;
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(5));
        group.bench_function("dense", |b| {
            b.iter(|| {
                let t = s % S_PRIME;
                let label = (s / S_PRIME) % 2;
                let stats = dense.train_step(&net, &data[s % data.len()], label, t, &mut rng);
                s += 1;
                black_box(stats)
            })
        });
        group.finish();
    }
}

/// The paper-throughput setting: 676-0-2 with Delta_s = 80 (weights held within an example),
/// sparse learner only.
fn bench_block_steps(c: &mut Criterion) {
    let mut cfg = SnnConfig::paper(676, 0, 2);
    cfg.delta_s = S_PRIME;
    let net = Network::new(cfg).expect("paper config");
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let data = inputs(&mut rng, 676, 40 * S_PRIME);
    let init = net.init_params(&mut rng);
    let mut sparse = warmed_up(&net, init, &data, &mut rng);
    let mut s = 0usize;
    c.benchmark_group("676-0-2-ds80")
        .bench_function("sparse", |b| {
            b.iter(|| sparse_step(&net, &mut sparse, &data, &mut s, &mut rng))
        });
}

/// A sparse learner after one example, so that its traces and lazy rows are in a steady state.
fn warmed_up(net: &Network, init: Params, data: &[Vec<u32>], rng: &mut ChaCha8Rng) -> Learner {
    let mut learner = Learner::new(net, init).expect("shapes");
    for (t, inputs) in data[..S_PRIME].iter().enumerate() {
        learner.train_step(net, inputs, 0, t, rng);
    }
    learner
}

/// Step `s` of the cycle through `data` (examples of S' steps, labels alternating).
fn sparse_step(
    net: &Network,
    learner: &mut Learner,
    data: &[Vec<u32>],
    s: &mut usize,
    rng: &mut ChaCha8Rng,
) -> StepStats {
    let (t, label) = (*s % S_PRIME, (*s / S_PRIME) % 2);
    let stats = learner.train_step(net, &data[*s % data.len()], label, t, rng);
    *s += 1;
    black_box(stats)
}

fn bench_evaluate(c: &mut Criterion) {
    for n_hidden in [0usize, 64] {
        let net = Network::new(SnnConfig::paper(676, n_hidden, 2)).expect("paper config");
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let steps = inputs(&mut rng, 676, EVAL_EXAMPLES * S_PRIME);
        let examples: Vec<TestExample> = steps
            .chunks(S_PRIME)
            .enumerate()
            .map(|(e, steps)| TestExample {
                steps,
                label: e % 2,
            })
            .collect();
        let params = net.init_params(&mut rng);
        let mut group = c.benchmark_group(format!("676-{n_hidden}-2"));
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(5));
        group.bench_function("evaluate_200x80", |b| {
            b.iter(|| black_box(evaluate(&net, &params, &examples, &mut rng)))
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    // Plots off: criterion's plotters output panics with this crate's font-less plotters features.
    config = Criterion::default().without_plots();
    targets = bench_steps, bench_block_steps, bench_evaluate
}
criterion_main!(benches);
