//! Test-time inference and evaluation (SPEC section 2, "Evaluation").

use super::fixed::FixedPass;
use super::history::{InputTraces, SpikeHistory, Traces};
use super::{
    log_prob, sigmoid, target_spike, Network, Params, RngSampler, SpikeQuery, SpikeSampler,
};

/// One test example.
#[derive(Clone, Copy, Debug)]
pub struct TestExample<'a> {
    /// Active input neurons at each step of the example.
    pub steps: &'a [Vec<u32>],
    /// True class.
    pub label: usize,
}

/// Result of evaluating a model on a set of examples.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Evaluation {
    /// Share of examples whose unique most-spiking output is the label; ties are wrong [0..1].
    pub accuracy: f64,
    /// Examples whose top output count was shared (including all silent) \[count\].
    pub ties: usize,
    /// Examples evaluated \[count\].
    pub examples: usize,
    /// Teacher-forced negative log-likelihood of the target output trains, mean per example \[nats\].
    pub nll: f64,
    /// The original code's measure: log-likelihood of the sampled spikes of all learnable neurons,
    /// summed over examples and steps \[nats\].
    pub sampled_loglik: f64,
    /// Predicted class per example, `None` on a tie.
    pub predictions: Vec<Option<usize>>,
}

/// How outputs are decided during inference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputMode {
    /// Outputs sampled from the model.
    Sampled,
    /// Outputs clamped to the target train of this class (teacher forcing).
    Clamped(usize),
}

/// Forward-only state with fixed parameters: spike history and sparse traces.
#[derive(Clone, Debug)]
pub struct Inference {
    history: SpikeHistory,
    traces: Traces,
    u: Vec<f64>,
    spikes: Vec<bool>,
    log_p: Vec<f64>,
}

impl Inference {
    /// Empty state for `net`.
    pub fn new(net: &Network) -> Inference {
        let l_count = net.n_learnable_neurons();
        Inference {
            history: SpikeHistory::new(net.config().memory),
            traces: Traces::new(net),
            u: vec![0.0; l_count],
            spikes: vec![false; l_count],
            log_p: vec![0.0; l_count],
        }
    }

    /// One step of example `example`; `step_in_example == 0` resets the history. Hidden spikes
    /// (and outputs in [`OutputMode::Sampled`]) come from `sampler`. `params` must have `net`'s
    /// shapes ([`Network::check_params`]).
    #[allow(clippy::too_many_arguments)]
    pub fn step(
        &mut self,
        net: &Network,
        params: &Params,
        inputs: &[u32],
        example: usize,
        step_in_example: usize,
        outputs: OutputMode,
        sampler: &mut impl SpikeSampler,
    ) {
        let cfg = net.config();
        let (k_ff, k_fb, n_in, n_hidden) = (cfg.k_ff, cfg.k_fb, cfg.n_inputs, cfg.n_hidden);
        let n = net.n_neurons();
        if step_in_example == 0 {
            self.history.reset();
        }
        self.traces.compute(net, &self.history, InputTraces::Masks);
        for l in 0..self.u.len() {
            let v = &params.v[l * k_fb..(l + 1) * k_fb];
            let fb = &self.traces.fb[l * k_fb..(l + 1) * k_fb];
            self.u[l] = params.gamma[l] + v.iter().zip(fb).map(|(a, b)| a * b).sum::<f64>();
        }
        for &j in &self.traces.active {
            let j = j as usize;
            let trace = self.traces.ff_of(net, j);
            for &l in net.postsynaptic(j) {
                let row = l as usize * n + j;
                let w = &params.w[row * k_ff..(row + 1) * k_ff];
                self.u[l as usize] += super::neuron::dot(w, trace);
            }
        }
        for l in 0..self.u.len() {
            let probability = sigmoid(self.u[l]);
            let s = match outputs {
                OutputMode::Clamped(label) if l >= n_hidden => {
                    target_spike(l - n_hidden, label, step_in_example)
                }
                _ => sampler.spike(&SpikeQuery {
                    example,
                    step: step_in_example,
                    learnable: l,
                    probability,
                }),
            };
            self.spikes[l] = s;
            self.log_p[l] = log_prob(s, self.u[l]);
        }
        let slot = self.history.push();
        slot.extend(inputs.iter().copied().filter(|&i| (i as usize) < n_in));
        for (l, &s) in self.spikes.iter().enumerate() {
            if s {
                slot.push((n_in + l) as u32);
            }
        }
    }

    /// Potentials of the last step, `[L]`.
    pub fn potentials(&self) -> &[f64] {
        &self.u
    }

    /// Spikes of the learnable neurons at the last step, `[L]`.
    pub fn learnable_spikes(&self) -> &[bool] {
        &self.spikes
    }

    /// log p of the learnable neurons' spikes at the last step, `[L]` \[nats\].
    pub fn log_probas(&self) -> &[f64] {
        &self.log_p
    }
}

/// Evaluates `params` on `examples`, sampling hidden and output spikes from `rng`.
pub fn evaluate(
    net: &Network,
    params: &Params,
    examples: &[TestExample],
    rng: &mut impl rand::Rng,
) -> Evaluation {
    evaluate_with(net, params, examples, &mut RngSampler(rng))
}

/// [`evaluate`] with spikes from any sampler. Per example: a sampled pass (output counts,
/// prediction, sampled log-likelihood), then a teacher-forced pass (NLL of the target trains);
/// the inputs' part of the potentials is computed once and shared by both passes.
/// Parameters of the wrong shape give an empty evaluation (accuracy 0, no predictions).
pub fn evaluate_with(
    net: &Network,
    params: &Params,
    examples: &[TestExample],
    sampler: &mut impl SpikeSampler,
) -> Evaluation {
    let mut eval = Evaluation {
        accuracy: 0.0,
        ties: 0,
        examples: examples.len(),
        nll: 0.0,
        sampled_loglik: 0.0,
        predictions: Vec::with_capacity(examples.len()),
    };
    if net.check_params(params).is_err() || examples.is_empty() {
        eval.examples = 0;
        return eval;
    }
    let n_hidden = net.config().n_hidden;
    let mut pass = FixedPass::new(net);
    let mut counts = vec![0u64; net.config().n_outputs];
    let mut correct = 0usize;
    for (e, example) in examples.iter().enumerate() {
        counts.iter_mut().for_each(|c| *c = 0);
        pass.load(net, params, example.steps);
        pass.restart();
        for t in 0..example.steps.len() {
            pass.step(net, params, e, t, OutputMode::Sampled, sampler);
            eval.sampled_loglik += pass.log_p.iter().sum::<f64>();
            for (c, &s) in counts.iter_mut().zip(&pass.spikes[n_hidden..]) {
                *c += u64::from(s);
            }
        }
        let best = counts.iter().copied().max().unwrap_or(0);
        let prediction = match counts.iter().filter(|&&c| c == best).count() {
            1 => counts.iter().position(|&c| c == best),
            _ => None,
        };
        eval.ties += usize::from(prediction.is_none());
        correct += usize::from(prediction == Some(example.label));
        eval.predictions.push(prediction);
        pass.restart();
        for t in 0..example.steps.len() {
            let mode = OutputMode::Clamped(example.label);
            pass.step(net, params, e, t, mode, sampler);
            eval.nll -= pass.log_p[n_hidden..].iter().sum::<f64>();
        }
    }
    eval.accuracy = correct as f64 / examples.len() as f64;
    eval.nll /= examples.len() as f64;
    eval
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snn::SnnConfig;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The grouped fixed-parameter path of `evaluate` against plain `Inference::step` calls.
    #[test]
    fn evaluate_matches_step_by_step_inference() {
        let net = Network::new(SnnConfig::paper(30, 4, 3)).expect("valid");
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut params = net.init_params(&mut rng);
        params.w.iter_mut().for_each(|w| *w *= 100.0);
        let steps: Vec<Vec<u32>> = (0..6 * 25)
            .map(|_| (0..30).filter(|_| rng.random::<f64>() < 0.2).collect())
            .collect();
        let examples: Vec<TestExample> = steps
            .chunks(25)
            .enumerate()
            .map(|(e, steps)| TestExample {
                steps,
                label: e % 3,
            })
            .collect();
        let fast = evaluate(&net, &params, &examples, &mut ChaCha8Rng::seed_from_u64(9));

        let mut sampler_rng = ChaCha8Rng::seed_from_u64(9);
        let mut sampler = RngSampler(&mut sampler_rng);
        let mut inference = Inference::new(&net);
        let (mut loglik, mut nll) = (0.0, 0.0);
        let mut predictions = Vec::new();
        for (e, example) in examples.iter().enumerate() {
            let mut counts = [0u32; 3];
            for (t, inputs) in example.steps.iter().enumerate() {
                let mode = OutputMode::Sampled;
                inference.step(&net, &params, inputs, e, t, mode, &mut sampler);
                loglik += inference.log_probas().iter().sum::<f64>();
                for (c, &s) in counts.iter_mut().zip(&inference.learnable_spikes()[4..]) {
                    *c += u32::from(s);
                }
            }
            let best = counts.iter().max().copied().unwrap_or(0);
            let winners: Vec<usize> = (0..3).filter(|&o| counts[o] == best).collect();
            predictions.push((winners.len() == 1).then(|| winners[0]));
            for (t, inputs) in example.steps.iter().enumerate() {
                let mode = OutputMode::Clamped(example.label);
                inference.step(&net, &params, inputs, e, t, mode, &mut sampler);
                nll -= inference.log_probas()[4..].iter().sum::<f64>();
            }
        }
        assert_eq!(fast.predictions, predictions);
        assert!((fast.sampled_loglik - loglik).abs() < 1e-9 * loglik.abs().max(1.0));
        assert!((fast.nll - nll / 6.0).abs() < 1e-9 * nll.abs().max(1.0));
        assert!(fast.sampled_loglik < 0.0 && fast.nll > 0.0);
    }
}
