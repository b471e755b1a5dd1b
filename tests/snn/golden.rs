//! Golden vectors from the original FL-SNN code (tests/golden/README.md): every `g*.json` file in
//! `tests/golden/` is checked, dispatched on its content, against both the sparse `Learner` and
//! the `DenseLearner` reference.
//!
//! The reference writes `log p = s log(1e-7 + sig) + (1-s) log(1 + 1e-7 - sig)` and the hidden
//! KL term with `log(1e-12 + .)`; we use exact softplus forms. The two differ by about
//! `1e-7 / p(observed spike)`, which the tolerances below add explicitly, per entry.

use flsnn::snn::{
    evaluate_with, raised_cosine, sigmoid, target_spike, DenseLearner, Inference, Learner, Network,
    OnlineLearner, OutputMode, Params, SnnConfig, SnnError, SpikeQuery, TestExample, Topology,
};
use serde_json::Value;
use std::path::PathBuf;

fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    let mut cur = v;
    for key in path.split('.') {
        cur = match key.parse::<usize>() {
            Ok(i) => &cur[i],
            Err(_) => &cur[key],
        };
        assert!(
            !cur.is_null() || key == "hidden_spikes",
            "missing key path `{path}` (at `{key}`)"
        );
    }
    cur
}

fn flat(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(items) => items.iter().flat_map(flat).collect(),
        Value::Number(x) => vec![x.as_f64().expect("number")],
        other => panic!("expected numbers, found {other}"),
    }
}

fn num(v: &Value, path: &str) -> f64 {
    at(v, path)
        .as_f64()
        .unwrap_or_else(|| panic!("`{path}` is not a number"))
}

fn int(v: &Value, path: &str) -> usize {
    at(v, path)
        .as_u64()
        .unwrap_or_else(|| panic!("`{path}` is not an integer")) as usize
}

fn close(what: &str, ours: f64, golden: f64, abs: f64, rel: f64) {
    let tol = abs.max(rel * golden.abs());
    assert!(
        (ours - golden).abs() <= tol,
        "{what}: ours {ours} golden {golden} (tol {tol:e})"
    );
}

fn all_close(what: &str, ours: &[f64], golden: &[f64], abs: f64, rel: f64) {
    assert_eq!(ours.len(), golden.len(), "{what}: length");
    for (i, (&a, &b)) in ours.iter().zip(golden).enumerate() {
        close(&format!("{what}[{i}]"), a, b, abs, rel);
    }
}

/// Network of a golden case: sizes and constants from `config`, mask from `topology` (which
/// must also equal our `Topology::Paper`).
fn network(case: &Value) -> Network {
    let c = at(case, "config");
    let (n_in, n_hid, n_out) = (int(c, "n_in"), int(c, "n_hid"), int(c, "n_out"));
    let mut cfg = SnnConfig::paper(n_in, n_hid, n_out);
    cfg.k_ff = int(c, "K_ff");
    cfg.k_fb = int(c, "K_fb");
    cfg.memory = int(c, "tau_ff");
    assert_eq!(cfg.memory, int(c, "tau_fb"), "one memory for both banks");
    cfg.mu = num(c, "mu");
    let get = |key: &str| c.get(key).and_then(Value::as_f64);
    cfg.eta = get("learning_rate").unwrap_or(cfg.eta);
    cfg.kappa = get("kappa").unwrap_or(cfg.kappa);
    cfg.alpha = get("alpha").unwrap_or(cfg.alpha);
    cfg.rho = get("r").unwrap_or(cfg.rho);
    cfg.delta_s = c
        .get("deltas")
        .and_then(Value::as_u64)
        .map_or(1, |d| d as usize);
    let rows: Vec<Vec<bool>> = at(case, "topology")
        .as_array()
        .expect("topology rows")
        .iter()
        .map(|r| flat(r).iter().map(|&x| x != 0.0).collect())
        .collect();
    let paper = Network::new(cfg.clone()).expect("paper network");
    for (l, row) in rows.iter().enumerate() {
        for (j, &m) in row.iter().enumerate() {
            assert_eq!(
                paper.is_synapse(l, j),
                m,
                "Topology::Paper differs at ({l}, {j})"
            );
        }
    }
    cfg.topology = Topology::Custom(rows);
    Network::new(cfg).expect("golden network")
}

fn params_at(v: &Value, prefix: &str, index: Option<usize>) -> Params {
    let get = |name: &str| {
        let arr = at(v, &format!("{prefix}.{name}"));
        flat(index.map_or(arr, |i| &arr[i]))
    };
    Params {
        w: get("W"),
        v: get("V"),
        gamma: get("bias"),
    }
}

/// Input spike lists per global step: `inputs[e][i][t]` -> steps `e * S' + t`.
fn input_steps(inputs: &Value) -> Vec<Vec<u32>> {
    let mut steps = Vec::new();
    for example in inputs.as_array().expect("examples") {
        let rows: Vec<Vec<f64>> = example.as_array().expect("rows").iter().map(flat).collect();
        for t in 0..rows[0].len() {
            steps.push(
                (0..rows.len())
                    .filter(|&i| rows[i][t] != 0.0)
                    .map(|i| i as u32)
                    .collect(),
            );
        }
    }
    steps
}

fn check_targets(targets: &Value, classes: &[usize]) {
    for (e, example) in targets.as_array().expect("targets").iter().enumerate() {
        for (o, row) in example.as_array().expect("rows").iter().enumerate() {
            for (t, &x) in flat(row).iter().enumerate() {
                assert_eq!(
                    x != 0.0,
                    target_spike(o, classes[e], t),
                    "target e{e} o{o} t{t}"
                );
            }
        }
    }
}

/// Slack of the reference's `log(1e-7 + p)` form against the exact log for spike `s` at `u`.
fn log_slack(s: bool, u: f64) -> f64 {
    let p = sigmoid(u);
    2e-7 / if s { p } else { 1.0 - p }
}

fn check_log_probas(what: &str, learner_u: &[f64], spikes: &[bool], ours: &[f64], golden: &[f64]) {
    for l in 0..ours.len() {
        let slack = log_slack(spikes[l], learner_u[l]);
        close(
            &format!("{what} l{l}"),
            ours[l],
            golden[l],
            2e-5 + slack,
            0.0,
        );
    }
}

fn single_device<L: OnlineLearner>(
    name: &str,
    g: &Value,
    make: fn(&Network, Params) -> Result<L, SnnError>,
) {
    let net = network(g);
    let cfg = net.config().clone();
    let s_prime = int(g, "config.S_prime");
    let classes: Vec<usize> = flat(at(g, "data.classes"))
        .iter()
        .map(|&c| c as usize)
        .collect();
    check_targets(at(g, "data.targets"), &classes);
    let inputs = input_steps(at(g, "data.inputs"));
    let n_l = net.n_learnable_neurons();
    let (u_gold, lp_gold) = (flat(at(g, "steps.u")), flat(at(g, "steps.log_proba")));
    let spikes_gold = flat(at(g, "steps.spikes_learnable"));
    let uniforms = g.get("hidden_uniforms").filter(|v| !v.is_null()).map(flat);
    let trace_steps: Vec<usize> = flat(at(g, "traces_at.t"))
        .iter()
        .map(|&t| t as usize)
        .collect();
    let blocks = at(g, "blocks");
    let full_w: Vec<usize> = flat(at(blocks, "full_W_blocks"))
        .iter()
        .map(|&b| b as usize)
        .collect();
    let has_signal = blocks.get("R").is_some();
    let mut learner = make(&net, params_at(g, "init", None)).expect("init has the shapes");
    for (s, step_inputs) in inputs.iter().enumerate() {
        let (e, t) = (s / s_prime, s % s_prime);
        let mut sampler = |q: &SpikeQuery| match &uniforms {
            Some(un) => un[s * cfg.n_hidden + q.learnable] < q.probability,
            None => spikes_gold[s * n_l + q.learnable] != 0.0,
        };
        learner.train_step_with(&net, step_inputs, classes[e], t, &mut sampler);
        let what = format!("{name} step {s}");
        let spikes = learner.learnable_spikes().to_vec();
        let gold_spikes: Vec<bool> = spikes_gold[s * n_l..(s + 1) * n_l]
            .iter()
            .map(|&x| x != 0.0)
            .collect();
        assert_eq!(spikes, gold_spikes, "{what}: spikes");
        all_close(
            &format!("{what} u"),
            learner.potentials(),
            &u_gold[s * n_l..(s + 1) * n_l],
            2e-5,
            0.0,
        );
        let u = learner.potentials().to_vec();
        check_log_probas(
            &what,
            &u,
            &spikes,
            learner.log_probas(),
            &lp_gold[s * n_l..(s + 1) * n_l],
        );
        if has_signal {
            let slack: f64 = (cfg.n_hidden..n_l)
                .map(|l| log_slack(spikes[l], u[l]))
                .sum::<f64>();
            let r_gold = num(g, &format!("steps.r_t.{s}"));
            close(
                &format!("{what} r_t"),
                learner.step_signal(),
                r_gold,
                2e-5 + slack,
                1e-5,
            );
        }
        if let Some(i) = trace_steps.iter().position(|&ts| ts == s) {
            let ff = flat(&at(g, "traces_at.ff_trace")[i]);
            let fb = flat(&at(g, "traces_at.fb_trace")[i]);
            for j in 0..net.n_neurons() {
                let k = cfg.k_ff;
                all_close(
                    &format!("{what} ff_trace j{j}"),
                    &learner.ff_trace(j),
                    &ff[j * k..(j + 1) * k],
                    1e-6,
                    1e-6,
                );
            }
            for l in 0..n_l {
                let j = cfg.n_inputs + l;
                let k = cfg.k_fb;
                all_close(
                    &format!("{what} fb_trace l{l}"),
                    &learner.fb_trace(l),
                    &fb[j * k..(j + 1) * k],
                    1e-6,
                    1e-6,
                );
            }
        }
        if (s + 1) % cfg.delta_s == 0 {
            let b = s / cfg.delta_s;
            assert_eq!(learner.blocks(), b as u64 + 1);
            let what = format!("{name} block {b}");
            if has_signal {
                close(
                    &format!("{what} R"),
                    learner.block_signal(),
                    num(blocks, &format!("R.{b}")),
                    1e-4,
                    1e-5,
                );
                let l_gold = num(blocks, &format!("learning_signal.{b}"));
                close(
                    &format!("{what} l_b"),
                    learner.learning_signal(),
                    l_gold,
                    1e-4,
                    1e-5,
                );
            }
            let elig = learner.eligibility(&net);
            let params = learner.current_params(&net);
            all_close(
                &format!("{what} e_V"),
                &elig.v,
                &flat(&at(blocks, "elig.V")[b]),
                2e-5,
                0.0,
            );
            all_close(
                &format!("{what} e_bias"),
                &elig.gamma,
                &flat(&at(blocks, "elig.bias")[b]),
                2e-5,
                0.0,
            );
            all_close(
                &format!("{what} V"),
                &params.v,
                &flat(&at(blocks, "params.V")[b]),
                2e-6,
                1e-4,
            );
            all_close(
                &format!("{what} bias"),
                &params.gamma,
                &flat(&at(blocks, "params.bias")[b]),
                2e-6,
                1e-4,
            );
            if let Some(i) = full_w.iter().position(|&fb| fb == b) {
                all_close(
                    &format!("{what} e_W"),
                    &elig.w,
                    &flat(&at(blocks, "elig.W")[i]),
                    2e-5,
                    0.0,
                );
                all_close(
                    &format!("{what} W"),
                    &params.w,
                    &flat(&at(blocks, "params.W")[i]),
                    2e-6,
                    1e-4,
                );
            }
        }
    }
    let fin = learner.current_params(&net);
    assert!(
        fin.max_abs_diff(&params_at(g, "final", None)) < 2e-6,
        "{name}: final params"
    );
}

fn fedavg<L: OnlineLearner>(
    name: &str,
    g: &Value,
    make: fn(&Network, Params) -> Result<L, SnnError>,
) {
    let net = network(g);
    let s_prime = int(g, "config.S_prime");
    let rounds: Vec<usize> = flat(at(g, "config.round_t_end"))
        .iter()
        .map(|&t| t as usize)
        .collect();
    let devices = at(g, "devices").as_array().expect("devices");
    let n_l = net.n_learnable_neurons();
    let mut learners: Vec<L> = devices
        .iter()
        .map(|_| make(&net, params_at(g, "init", None)).expect("init has the shapes"))
        .collect();
    let data: Vec<(Vec<Vec<u32>>, Vec<usize>)> = devices
        .iter()
        .map(|d| {
            let classes: Vec<usize> = flat(at(d, "classes")).iter().map(|&c| c as usize).collect();
            check_targets(at(d, "targets"), &classes);
            (input_steps(at(d, "inputs")), classes)
        })
        .collect();
    let w_rounds: Vec<usize> = flat(at(&devices[0], "pre_avg.W_rounds"))
        .iter()
        .map(|&r| r as usize)
        .collect();
    let steps = data[0].0.len();
    for s in 0..steps {
        for (d, learner) in learners.iter_mut().enumerate() {
            let (inputs, classes) = &data[d];
            let mut silent = |_: &SpikeQuery| false;
            learner.train_step_with(
                &net,
                &inputs[s],
                classes[s / s_prime],
                s % s_prime,
                &mut silent,
            );
            let what = format!("{name} device {d} step {s}");
            let u_gold = flat(&at(&devices[d], "u")[s]);
            all_close(
                &format!("{what} u"),
                learner.potentials(),
                &u_gold,
                2e-5,
                0.0,
            );
            let (u, spikes) = (
                learner.potentials().to_vec(),
                learner.learnable_spikes().to_vec(),
            );
            let lp_gold = flat(&at(&devices[d], "log_proba")[s]);
            check_log_probas(&what, &u, &spikes, learner.log_probas(), &lp_gold[..n_l]);
        }
        if let Some(r) = rounds.iter().position(|&t| t == s) {
            let local: Vec<Params> = learners
                .iter_mut()
                .map(|l| l.current_params(&net))
                .collect();
            for (d, p) in local.iter().enumerate() {
                let what = format!("{name} device {d} round {r} pre_avg");
                let dev = &devices[d];
                all_close(
                    &format!("{what} V"),
                    &p.v,
                    &flat(&at(dev, "pre_avg.V")[r]),
                    2e-6,
                    1e-4,
                );
                all_close(
                    &format!("{what} bias"),
                    &p.gamma,
                    &flat(&at(dev, "pre_avg.bias")[r]),
                    2e-6,
                    1e-4,
                );
                if let Some(i) = w_rounds.iter().position(|&wr| wr == r) {
                    all_close(
                        &format!("{what} W"),
                        &p.w,
                        &flat(&at(dev, "pre_avg.W")[i]),
                        2e-6,
                        1e-4,
                    );
                }
            }
            let refs: Vec<&Params> = local.iter().collect();
            let avg = Params::mean(&refs).expect("same shapes");
            assert!(
                avg.max_abs_diff(&params_at(g, "post_avg", Some(r))) < 2e-6,
                "{name} round {r} post_avg"
            );
            for l in &mut learners {
                l.adopt_params(&net, &avg).expect("average has the shapes");
            }
        }
    }
}

fn evaluation_case(name: &str, case: &Value) {
    let net = network(case);
    let cfg = net.config().clone();
    let params = params_at(case, "params", None);
    let n_l = net.n_learnable_neurons();
    let s_prime = int(case, "config.S_prime");
    let classes: Vec<usize> = flat(at(case, "data.classes"))
        .iter()
        .map(|&c| c as usize)
        .collect();
    let steps = input_steps(at(case, "data.inputs"));
    let outputs = at(case, "injected.output_spikes");
    let hidden = at(case, "injected.hidden_spikes");
    let mut injected = |q: &SpikeQuery| {
        let (src, i) = match q.learnable.checked_sub(cfg.n_hidden) {
            Some(o) => (outputs, o),
            None => (hidden, q.learnable),
        };
        src[q.example][i][q.step].as_f64().expect("spike") != 0.0
    };
    // Per-step potentials and log-probabilities of the injected (sampled) spikes.
    let (u_gold, lp_gold) = (flat(at(case, "steps.u")), flat(at(case, "steps.log_proba")));
    let mut inference = Inference::new(&net);
    let mut counts = vec![vec![0usize; cfg.n_outputs]; classes.len()];
    let mut loss = 0.0;
    for (s, inputs) in steps.iter().enumerate() {
        let (e, t) = (s / s_prime, s % s_prime);
        inference.step(
            &net,
            &params,
            inputs,
            e,
            t,
            OutputMode::Sampled,
            &mut injected,
        );
        let what = format!("{name} step {s}");
        all_close(
            &format!("{what} u"),
            inference.potentials(),
            &u_gold[s * n_l..(s + 1) * n_l],
            2e-5,
            0.0,
        );
        let (u, spikes) = (
            inference.potentials().to_vec(),
            inference.learnable_spikes().to_vec(),
        );
        check_log_probas(
            &what,
            &u,
            &spikes,
            inference.log_probas(),
            &lp_gold[s * n_l..(s + 1) * n_l],
        );
        loss += inference.log_probas().iter().sum::<f64>();
        for (o, c) in counts[e].iter_mut().enumerate() {
            *c += usize::from(spikes[cfg.n_hidden + o]);
        }
    }
    let counts_gold = flat(at(case, "output_spike_counts"));
    let flat_counts: Vec<f64> = counts.iter().flatten().map(|&c| c as f64).collect();
    assert_eq!(flat_counts, counts_gold, "{name}: output spike counts");
    let examples: Vec<TestExample> = (0..classes.len())
        .map(|e| TestExample {
            steps: &steps[e * s_prime..(e + 1) * s_prime],
            label: classes[e],
        })
        .collect();
    let eval = evaluate_with(&net, &params, &examples, &mut injected);
    let torch = flat(at(case, "predictions_torch_max_indices"));
    let mut correct_torch = 0;
    for (e, c) in counts.iter().enumerate() {
        let best = c.iter().copied().max().unwrap_or(0);
        let tied = c.iter().filter(|&&x| x == best).count() > 1;
        // The reference gives ties to index 0; we report them as `None`.
        let expected = if tied { None } else { Some(torch[e] as usize) };
        assert_eq!(
            eval.predictions[e], expected,
            "{name}: prediction of example {e}"
        );
        correct_torch += usize::from(torch[e] as usize == classes[e]);
    }
    close(
        &format!("{name} torch accuracy"),
        correct_torch as f64 / classes.len() as f64,
        num(case, "accuracy"),
        1e-12,
        0.0,
    );
    let ties = eval.predictions.iter().filter(|p| p.is_none()).count();
    assert_eq!(eval.ties, ties);
    close(
        &format!("{name} loss (sum)"),
        loss,
        num(case, "loss"),
        1e-3,
        0.0,
    );
    close(
        &format!("{name} sampled_loglik"),
        eval.sampled_loglik,
        loss,
        1e-9,
        1e-12,
    );
    assert!(
        eval.nll > 0.0 && eval.nll.is_finite(),
        "{name}: nll {}",
        eval.nll
    );
}

fn basis(g: &Value) {
    let (tau, mu) = (int(g, "params.tau"), num(g, "params.mu"));
    let obj = g.as_object().expect("object");
    let mut checked = 0;
    for (key, bank) in obj {
        if !(key.starts_with("feedforward_") || key.starts_with("feedback_")) {
            continue;
        }
        let rows = bank.as_array().expect("rows");
        let (k, m) = (rows.len(), rows[0].as_array().expect("row").len());
        let ours: Vec<f64> = raised_cosine(k, m, mu).into_iter().flatten().collect();
        // Files hold 8 significant digits; float32 banks differ from float64 by up to 2.8e-8.
        let tol = if key.contains("float64") { 1e-8 } else { 1e-7 };
        all_close(key, &ours, &flat(bank), tol, 0.0);
        assert!(m == tau || key.contains("tau"), "{key}: memory {m}");
        checked += 1;
    }
    assert!(checked >= 4, "basis banks checked: {checked}");
}

#[test]
fn golden_files() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/golden")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with('g') && name.ends_with(".json")
        })
        .collect();
    files.sort();
    assert!(files.len() >= 5, "golden files: {files:?}");
    for path in &files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let g: Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
        if g.get("feedforward_float32").is_some() {
            basis(&g);
        } else if g.get("devices").is_some() {
            fedavg(&format!("{name} sparse"), &g, Learner::new);
            fedavg(&format!("{name} dense"), &g, DenseLearner::new);
        } else if g.get("steps").is_some() && g.get("blocks").is_some() {
            single_device(&format!("{name} sparse"), &g, Learner::new);
            single_device(&format!("{name} dense"), &g, DenseLearner::new);
        } else {
            let cases: Vec<(&String, &Value)> = g
                .as_object()
                .expect("object")
                .iter()
                .filter(|(_, v)| v.get("injected").is_some())
                .collect();
            assert!(!cases.is_empty(), "{name}: unrecognised golden file");
            for (case, v) in cases {
                evaluation_case(&format!("{name} {case}"), v);
            }
        }
        eprintln!("checked {name}");
    }
}
