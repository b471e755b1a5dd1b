//! The FL-SNN protocol's settings (docs/spec.md section 3), shared by every device and the base
//! station, and the round arithmetic that follows from them.

use crate::fl::{Aggregation, Mode, Participation};
use crate::time::SimDuration;

/// The FL protocol of a run.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Protocol {
    /// Sync, non-blocking or separate training.
    pub mode: Mode,
    /// Global iterations between uploads.
    pub tau: u64,
    /// Local steps per global iteration.
    pub delta_s: u64,
    /// Local steps of a device that takes part in every round (S).
    pub steps: u64,
    /// How long the base station waits for uploads after opening a round.
    pub deadline: Option<SimDuration>,
    /// Which devices take part.
    pub participation: Participation,
    /// How uploads are weighted.
    pub aggregation: Aggregation,
    /// Evaluate every this many rounds (and after the last).
    pub eval_every: u64,
    /// Test examples per periodic evaluation.
    pub eval_examples: usize,
    /// Also evaluate each device's local model at evaluated rounds.
    pub device_models: bool,
    /// Evaluate each device's local model every this many local steps (curves.csv).
    pub curve_steps: Option<u64>,
    /// A device's total uplink bytes may not exceed this \[B\].
    pub budget_bytes: Option<u64>,
    /// One upload's airtime at the uplink's nominal rate (`channel.uplink.rate`) may not exceed
    /// this.
    pub budget_airtime: Option<SimDuration>,
    /// Devices do not train and nothing is evaluated: uploads and broadcasts only have sizes
    /// (a systems-only run).
    pub systems_only: bool,
    /// The shortest time in which a global model can reach a device: a non-blocking device
    /// computes at most this far ahead.
    pub lookahead: SimDuration,
}

impl Default for Protocol {
    /// The paper's setting: synchronous rounds of tau = 1 global iteration of Delta_s = 1 step,
    /// every device, weighted by samples, no deadline, evaluated every round.
    fn default() -> Protocol {
        Protocol {
            mode: Mode::Sync,
            tau: 1,
            delta_s: 1,
            steps: 1,
            deadline: None,
            participation: Participation::All,
            aggregation: Aggregation::Samples,
            eval_every: 1,
            eval_examples: usize::MAX,
            device_models: false,
            curve_steps: None,
            budget_bytes: None,
            budget_airtime: None,
            systems_only: false,
            lookahead: SimDuration::ZERO,
        }
    }
}

impl Protocol {
    /// Local steps between uploads: tau x Delta_s.
    pub fn block_steps(&self) -> u64 {
        (self.tau * self.delta_s).max(1)
    }

    /// Rounds in the run (at least one).
    pub fn rounds(&self) -> u64 {
        self.steps.div_ceil(self.block_steps()).max(1)
    }

    /// Local steps of round `round` for a device that takes part (the last round may be short).
    pub fn round_steps(&self, round: u64) -> u64 {
        let block = self.block_steps();
        block.min(self.steps.saturating_sub(round * block))
    }

    /// Whether round `round` is evaluated (every `eval_every` rounds, and the last; never in a
    /// systems-only run).
    pub fn evaluated(&self, round: u64) -> bool {
        let periodic = (round + 1).is_multiple_of(self.eval_every.max(1));
        !self.systems_only && (periodic || round + 1 == self.rounds())
    }

    /// Whether devices evaluate their local models at evaluated rounds (never in a systems-only
    /// run).
    pub fn evaluates_devices(&self) -> bool {
        !self.systems_only && (self.device_models || self.mode == Mode::Separate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_cover_every_step_and_the_last_is_short() {
        let p = Protocol {
            tau: 3,
            delta_s: 2,
            steps: 20,
            eval_every: 2,
            ..Protocol::default()
        };
        assert_eq!(p.rounds(), 4);
        let steps: Vec<u64> = (0..4).map(|r| p.round_steps(r)).collect();
        assert_eq!(steps, vec![6, 6, 6, 2]);
        let evaluated: Vec<bool> = (0..4).map(|r| p.evaluated(r)).collect();
        assert_eq!(evaluated, vec![false, true, false, true]);
    }
}
