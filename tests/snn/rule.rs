//! The sparse learner against the dense reference, finite differences of the per-step
//! gradients, and a learning sanity check on a synthetic two-class task.

use flsnn::snn::{
    evaluate, DenseLearner, Inference, Learner, Network, OnlineLearner, OutputMode, Params,
    SnnConfig, SpikeQuery, TestExample, Topology,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Random active-input lists: neuron i fires with probability `density` (x 0.1 for the second
/// half of the inputs, so some synapses stay silent for long stretches).
fn random_inputs(
    rng: &mut ChaCha8Rng,
    n_inputs: usize,
    steps: usize,
    density: f64,
) -> Vec<Vec<u32>> {
    (0..steps)
        .map(|_| {
            (0..n_inputs as u32)
                .filter(|&i| {
                    let p = if (i as usize) < n_inputs / 2 {
                        density
                    } else {
                        density * 0.1
                    };
                    rng.random::<f64>() < p
                })
                .collect()
        })
        .collect()
}

/// One sparse-vs-dense comparison: network, steps, example length \[steps\], input density and
/// an optional model adoption every so many steps.
#[derive(Debug)]
pub(super) struct Case {
    pub(super) cfg: SnnConfig,
    pub(super) steps: usize,
    pub(super) s_prime: usize,
    pub(super) density: f64,
    pub(super) average_every: Option<usize>,
    /// Largest difference allowed in potentials, signal, eligibility and parameters.
    pub(super) tol: f64,
}

/// Runs both learners on the same random inputs and sampled spikes and checks every step.
pub(super) fn compare(case: &Case, seed: u64) {
    let net = Network::new(case.cfg.clone()).expect("valid config");
    let n_l = net.n_learnable_neurons();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut init = net.init_params(&mut rng);
    init.w.iter_mut().for_each(|w| *w *= 20.0);
    let inputs = random_inputs(&mut rng, case.cfg.n_inputs, case.steps, case.density);
    let uniforms: Vec<f64> = (0..case.steps * n_l).map(|_| rng.random()).collect();
    let labels: Vec<usize> = (0..case.steps / case.s_prime + 1)
        .map(|_| rng.random_range(0..case.cfg.n_outputs))
        .collect();
    let other = net.init_params(&mut rng);
    let mut sparse = Learner::new(&net, init.clone()).expect("shapes");
    let mut dense = DenseLearner::new(&net, init).expect("shapes");
    let what = format!("seed {seed} cfg {:?}", case.cfg);
    for (s, step_inputs) in inputs.iter().enumerate() {
        let (label, t) = (labels[s / case.s_prime], s % case.s_prime);
        let mut a = |q: &SpikeQuery| uniforms[s * n_l + q.learnable] < q.probability;
        let stats_sparse = sparse.train_step_with(&net, step_inputs, label, t, &mut a);
        let mut b = |q: &SpikeQuery| uniforms[s * n_l + q.learnable] < q.probability;
        let stats_dense = dense.train_step_with(&net, step_inputs, label, t, &mut b);
        assert_eq!(
            sparse.learnable_spikes(),
            dense.learnable_spikes(),
            "{what} step {s}"
        );
        assert_eq!(stats_sparse, stats_dense, "{what} step {s}: stats");
        for l in 0..n_l {
            let (x, y) = (sparse.potentials()[l], dense.potentials()[l]);
            assert!(
                (x - y).abs() < case.tol,
                "{what} step {s} u[{l}]: {x} vs {y}"
            );
        }
        assert!(
            (sparse.step_signal() - dense.step_signal()).abs() < case.tol,
            "{what} step {s}: r"
        );
        let boundary = (s + 1) % case.cfg.delta_s == 0;
        if boundary && (s % 97 == 0 || s + 1 == case.steps) {
            let diff = sparse
                .eligibility(&net)
                .max_abs_diff(&dense.eligibility(&net));
            assert!(
                diff < case.tol,
                "{what} step {s}: eligibility differs by {diff}"
            );
            let diff = sparse
                .current_params(&net)
                .max_abs_diff(&dense.current_params(&net));
            assert!(diff < case.tol, "{what} step {s}: params differ by {diff}");
        }
        if let Some(every) = case.average_every {
            if (s + 1) % every == 0 {
                let mine = sparse.current_params(&net);
                let avg = Params::mean(&[&mine, &other]).expect("shapes");
                sparse.adopt_params(&net, &avg).expect("shapes");
                dense.adopt_params(&net, &avg).expect("shapes");
            }
        }
    }
    assert_eq!(sparse.blocks(), dense.blocks());
    assert_eq!(
        sparse.global_iterations(),
        (case.steps / case.cfg.delta_s) as u64
    );
}

fn config(n_in: usize, n_hid: usize, n_out: usize, delta_s: usize, kappa: f64) -> SnnConfig {
    let mut cfg = SnnConfig::paper(n_in, n_hid, n_out);
    cfg.delta_s = delta_s;
    cfg.kappa = kappa;
    cfg.eta = 0.02;
    cfg
}

#[test]
fn sparse_matches_dense_without_hidden() {
    for (seed, (delta_s, kappa)) in [(1, 0.05), (3, 0.05), (1, 0.0), (5, 0.5), (2, 0.9)]
        .into_iter()
        .enumerate()
    {
        let case = Case {
            cfg: config(12, 0, 2, delta_s, kappa),
            steps: 600,
            s_prime: 40,
            density: 0.1,
            average_every: None,
            tol: 1e-9,
        };
        compare(&case, seed as u64);
    }
}

#[test]
fn sparse_matches_dense_with_hidden() {
    // Hidden learning expands rounding differences (tests/golden/README.md, "Conditioning"):
    // with eta = 0.02 the 1e-16 differences reach 1e-9 after ~500 steps, so use a smaller eta.
    // The 14-7-2 networks have nine rows per input, which the fused step walks as one span (the
    // paper's 676-64-2 path), with and without model adoptions in between.
    let small = [(1, 0.05), (4, 0.05), (1, 0.0), (3, 0.5), (1, 0.8)]
        .map(|(delta_s, kappa)| (config(10, 4, 3, delta_s, kappa), 600, 33, None));
    let wide = [None, Some(9)].map(|every| (config(14, 7, 2, 1, 0.05), 500, 40, every));
    for (seed, (mut cfg, steps, s_prime, average_every)) in
        small.into_iter().chain(wide).enumerate()
    {
        cfg.eta = 0.005;
        let case = Case {
            cfg,
            steps,
            s_prime,
            density: 0.15,
            average_every,
            tol: 1e-9,
        };
        compare(&case, 100 + seed as u64);
    }
}

#[test]
fn sparse_matches_dense_over_long_silences() {
    // Very sparse inputs: hidden rows go untouched for more blocks than the signal ring holds.
    let case = Case {
        cfg: config(16, 3, 2, 1, 0.05),
        steps: 3000,
        s_prime: 80,
        density: 0.01,
        average_every: None,
        tol: 1e-9,
    };
    compare(&case, 7);
    let case = Case {
        cfg: config(16, 3, 2, 2, 0.3),
        steps: 3000,
        s_prime: 80,
        density: 0.005,
        average_every: None,
        tol: 1e-9,
    };
    compare(&case, 8);
}

#[test]
fn sparse_matches_dense_with_averaging_and_full_topology() {
    let mut cfg = config(9, 3, 2, 2, 0.05);
    cfg.topology = Topology::FullyConnected;
    compare(
        &Case {
            cfg,
            steps: 500,
            s_prime: 25,
            density: 0.2,
            average_every: Some(7),
            tol: 1e-9,
        },
        21,
    );
    compare(
        &Case {
            cfg: config(9, 0, 2, 3, 0.2),
            steps: 500,
            s_prime: 25,
            density: 0.2,
            average_every: Some(12),
            tol: 1e-9,
        },
        22,
    );
}

/// Output-neuron log-likelihood at step `t`, replaying `inputs[..=t]` with outputs clamped and
/// fixed hidden spikes.
fn output_loglik(
    net: &Network,
    p: &Params,
    inputs: &[Vec<u32>],
    label: usize,
    t: usize,
    l: usize,
    hidden: &[bool],
) -> f64 {
    let n_l = net.n_learnable_neurons();
    let mut inference = Inference::new(net);
    let mut inject = |q: &SpikeQuery| hidden[q.step * n_l + q.learnable];
    for (s, step_inputs) in inputs[..=t].iter().enumerate() {
        inference.step(
            net,
            p,
            step_inputs,
            0,
            s,
            OutputMode::Clamped(label),
            &mut inject,
        );
    }
    inference.log_probas()[l]
}

#[test]
fn output_gradients_match_finite_differences() {
    let mut cfg = config(8, 2, 2, 1, 0.0);
    cfg.eta = 0.0;
    let net = Network::new(cfg).expect("valid");
    let n_l = net.n_learnable_neurons();
    let (n, k_ff) = (net.n_neurons(), 8);
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    let mut init = net.init_params(&mut rng);
    init.w.iter_mut().for_each(|w| *w *= 30.0);
    let inputs = random_inputs(&mut rng, 8, 30, 0.4);
    let hidden: Vec<bool> = (0..30 * n_l).map(|_| rng.random::<f64>() < 0.4).collect();
    let label = 1;
    for t in [3usize, 7, 12, 20] {
        let mut learner = Learner::new(&net, init.clone()).expect("shapes");
        let mut inject = |q: &SpikeQuery| hidden[q.step * n_l + q.learnable];
        for (s, step_inputs) in inputs[..=t].iter().enumerate() {
            learner.train_step_with(&net, step_inputs, label, s, &mut inject);
        }
        // kappa = 0, delta_s = 1: the eligibility after step t is that step's gradient.
        let grad = learner.eligibility(&net);
        let h = 1e-5;
        for l in 2..n_l {
            let mut checked = 0;
            let fd = |field: usize, idx: usize| {
                let mut plus = init.clone();
                let mut minus = init.clone();
                for (p, sign) in [(&mut plus, 1.0), (&mut minus, -1.0)] {
                    let v = match field {
                        0 => &mut p.w,
                        1 => &mut p.v,
                        _ => &mut p.gamma,
                    };
                    v[idx] += sign * h;
                }
                let f = |p: &Params| output_loglik(&net, p, &inputs, label, t, l, &hidden);
                (f(&plus) - f(&minus)) / (2.0 * h)
            };
            let g = fd(2, l);
            assert!(
                (g - grad.gamma[l]).abs() < 1e-7,
                "t {t} l {l} gamma: fd {g} vs {}",
                grad.gamma[l]
            );
            let g = fd(1, l);
            assert!(
                (g - grad.v[l]).abs() < 1e-7,
                "t {t} l {l} V: fd {g} vs {}",
                grad.v[l]
            );
            for j in 0..n {
                if !net.is_synapse(l, j) {
                    continue;
                }
                for k in 0..k_ff {
                    let idx = (l * n + j) * k_ff + k;
                    let g = fd(0, idx);
                    assert!(
                        (g - grad.w[idx]).abs() < 1e-7,
                        "t {t} l {l} W[{j}][{k}]: fd {g} vs {}",
                        grad.w[idx]
                    );
                    checked += usize::from(g.abs() > 1e-3);
                }
            }
            assert!(checked > 0, "t {t} l {l}: no non-zero W gradient checked");
        }
    }
}

/// Two classes of input patterns: class c drives inputs of its half at 30%, the rest at 2%.
fn synthetic_example(
    rng: &mut ChaCha8Rng,
    class: usize,
    n_inputs: usize,
    steps: usize,
) -> Vec<Vec<u32>> {
    (0..steps)
        .map(|_| {
            (0..n_inputs as u32)
                .filter(|&i| {
                    let mine = (i as usize) * 2 / n_inputs == class;
                    rng.random::<f64>() < if mine { 0.3 } else { 0.02 }
                })
                .collect()
        })
        .collect()
}

#[test]
fn learning_raises_accuracy_on_a_synthetic_task() {
    for n_hidden in [0, 4] {
        let mut cfg = SnnConfig::paper(20, n_hidden, 2);
        cfg.eta = 0.01;
        let net = Network::new(cfg).expect("valid");
        let mut rng = ChaCha8Rng::seed_from_u64(5 + n_hidden as u64);
        let s_prime = 40;
        let test: Vec<(Vec<Vec<u32>>, usize)> = (0..100)
            .map(|i| (synthetic_example(&mut rng, i % 2, 20, s_prime), i % 2))
            .collect();
        let examples: Vec<TestExample> = test
            .iter()
            .map(|(s, l)| TestExample {
                steps: s,
                label: *l,
            })
            .collect();
        let mut learner = Learner::new(&net, net.init_params(&mut rng)).expect("shapes");
        let before = evaluate(&net, learner.params(&net), &examples, &mut rng);
        for _ in 0..200 {
            let class = rng.random_range(0..2);
            let example = synthetic_example(&mut rng, class, 20, s_prime);
            for (t, inputs) in example.iter().enumerate() {
                learner.train_step(&net, inputs, class, t, &mut rng);
            }
        }
        let after = evaluate(&net, learner.params(&net), &examples, &mut rng);
        eprintln!(
            "hidden {n_hidden}: accuracy {} -> {}, nll {} -> {}",
            before.accuracy, after.accuracy, before.nll, after.nll
        );
        assert!(
            before.accuracy < 0.7,
            "hidden {n_hidden}: already {} before training",
            before.accuracy
        );
        assert!(
            after.accuracy > 0.9,
            "hidden {n_hidden}: only {} after training",
            after.accuracy
        );
        assert!(
            after.nll < before.nll,
            "hidden {n_hidden}: nll {} -> {}",
            before.nll,
            after.nll
        );
    }
}

#[test]
fn silent_outputs_are_ties_not_class_zero() {
    let net = Network::new(SnnConfig::paper(6, 0, 2)).expect("valid");
    let mut p = net.zero_params();
    p.gamma.iter_mut().for_each(|g| *g = -60.0);
    let steps = vec![vec![0u32, 3]; 20];
    let examples: Vec<TestExample> = (0..4)
        .map(|i| TestExample {
            steps: &steps,
            label: i % 2,
        })
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let eval = evaluate(&net, &p, &examples, &mut rng);
    assert_eq!(eval.predictions, vec![None; 4]);
    assert_eq!((eval.ties, eval.examples, eval.accuracy), (4, 4, 0.0));
    // Teacher forcing: each target spike costs about 60 nats; 4 target spikes per 20 steps.
    assert!((eval.nll - 4.0 * 60.0).abs() < 1e-6, "nll {}", eval.nll);
}

#[test]
fn per_basis_abs_gradient_equals_the_sum_of_the_full_tracker() {
    let net = Network::new(SnnConfig::paper(10, 3, 2)).expect("valid");
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let mut learner = Learner::new(&net, net.init_params(&mut rng)).expect("shapes");
    learner.track_abs_grad_full(true);
    let inputs = random_inputs(&mut rng, 10, 200, 0.2);
    for (s, step_inputs) in inputs.iter().enumerate() {
        learner.train_step(&net, step_inputs, s / 50 % 2, s % 50, &mut rng);
        if s == 120 {
            learner.reset_abs_grad();
        }
    }
    let full = learner.abs_grad_w_full().expect("enabled").to_vec();
    let per_k = learner.abs_grad_w();
    for (k, &total) in per_k.iter().enumerate() {
        let sum: f64 = full.iter().skip(k).step_by(8).sum();
        assert!(
            total > 0.0 && (total - sum).abs() < 1e-9 * sum,
            "k {k}: {total} vs {sum}"
        );
    }
    assert!(learner.memory_bytes() > full.len() * 8);
}

#[test]
fn adopting_a_flat_model_equals_adopting_its_params() {
    let net = Network::new(config(9, 3, 2, 2, 0.2)).expect("valid config");
    let mut rng = ChaCha8Rng::seed_from_u64(31);
    let mut init = net.init_params(&mut rng);
    init.w.iter_mut().for_each(|w| *w *= 20.0);
    let inputs = random_inputs(&mut rng, 9, 300, 0.3);
    let mut by_params = Learner::new(&net, init.clone()).expect("shapes");
    let mut by_flat = Learner::new(&net, init).expect("shapes");
    let (mut rng_a, mut rng_b) = (ChaCha8Rng::seed_from_u64(5), ChaCha8Rng::seed_from_u64(5));
    for (s, step) in inputs.iter().enumerate() {
        let (label, t) = ((s / 25) % 2, s % 25);
        by_params.train_step(&net, step, label, t, &mut rng_a);
        by_flat.train_step(&net, step, label, t, &mut rng_b);
        if s % 11 == 10 {
            let global = net.init_params(&mut rng);
            let flat: Vec<f64> = [&global.w[..], &global.v, &global.gamma].concat();
            by_params.set_params(&net, &global).expect("shapes");
            by_flat.set_params_flat(&net, &flat).expect("length");
        }
    }
    let bits = |p: &Params| {
        [&p.w[..], &p.v, &p.gamma]
            .concat()
            .iter()
            .map(|x| x.to_bits())
            .collect::<Vec<_>>()
    };
    let a = bits(by_params.params(&net));
    assert_eq!(a, bits(by_flat.params(&net)));
    assert!(by_flat.set_params_flat(&net, &[0.0; 3]).is_err());
    assert_eq!(
        a,
        bits(by_flat.params(&net)),
        "a refused model changes nothing"
    );
}
