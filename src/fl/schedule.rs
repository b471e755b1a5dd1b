//! Device scheduling at the base station: which `k` devices take part in the next round.
//!
//! The base station uses only what it knows: the SNR it measured on each device's last upload
//! that reached it (a device it never heard from counts as best, so every device is heard once;
//! one whose last upload was lost counts as worst until it is heard again),
//! which rounds each device was asked to and delivered in, and its own random stream. Ties are
//! broken by device id (smaller first).
//!
//! - random k: k devices sampled uniformly without replacement;
//! - best channel: the k highest last measured SNRs;
//! - round robin: the next k devices in id order after the last one scheduled, wrapping around;
//! - proportional fair: the k highest `r / T`, `r = log2(1 + SNR)` the achievable efficiency at the
//!   last measured SNR and `T` the device's average served efficiency, an exponential average
//!   over rounds with weight 1/10 (a device not scheduled is served 0 that round);
//! - age of update: the k devices whose last delivered update is oldest.

use rand::seq::index::sample;
use rand::Rng;
use std::cmp::Ordering;

/// Weight of the newest round in the proportional-fair average.
const FAIRNESS_WEIGHT: f64 = 0.1;

/// A scheduling policy and the number of devices it picks per round.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Scheduling {
    /// `k` devices at random.
    RandomK(u32),
    /// The `k` best measured channels.
    BestChannel(u32),
    /// `k` devices in turn.
    RoundRobin(u32),
    /// The `k` highest ratios of achievable to average served efficiency.
    ProportionalFair(u32),
    /// The `k` devices whose last delivered update is oldest.
    AgeOfUpdate(u32),
}

impl Scheduling {
    /// Devices picked per round.
    pub fn k(self) -> u32 {
        match self {
            Scheduling::RandomK(k)
            | Scheduling::BestChannel(k)
            | Scheduling::RoundRobin(k)
            | Scheduling::ProportionalFair(k)
            | Scheduling::AgeOfUpdate(k) => k,
        }
    }
}

/// What the base station remembers to schedule: per device 20 bytes.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Scheduler {
    policy: Scheduling,
    /// Last SNR measured on an upload \[dB\]; `None` until the device is heard.
    measured_db: Vec<Option<f32>>,
    /// Average served efficiency [bit/s/Hz] (proportional fair).
    served: Vec<f32>,
    /// Round after the last one a device's update was delivered in (0: never).
    delivered_after: Vec<u64>,
    /// Round robin: the next device to consider.
    cursor: u32,
}

impl Scheduler {
    /// A scheduler of `devices` devices following `policy`.
    pub fn new(policy: Scheduling, devices: u32) -> Scheduler {
        let n = devices as usize;
        Scheduler {
            policy,
            measured_db: vec![None; n],
            served: vec![0.0; n],
            delivered_after: vec![0; n],
            cursor: 0,
        }
    }

    /// Device `device`'s upload of `round` arrived, measured at `snr_db` (if the channel
    /// measures).
    pub fn delivered(&mut self, device: u32, round: u64, snr_db: Option<f64>) {
        let d = device as usize;
        if let Some(snr) = snr_db {
            self.measured_db[d] = Some(snr as f32);
        }
        self.delivered_after[d] = self.delivered_after[d].max(round + 1);
    }

    /// Device `device`'s last upload was lost: its channel counts as the worst until it is heard
    /// again.
    pub fn lost(&mut self, device: u32) {
        self.measured_db[device as usize] = Some(f32::NEG_INFINITY);
    }

    /// Efficiency achievable at the last measured SNR [bit/s/Hz]; infinite if never heard.
    fn achievable(&self, d: usize) -> f64 {
        self.measured_db[d].map_or(f64::INFINITY, |db| {
            (1.0 + 10f64.powf(f64::from(db) / 10.0)).log2()
        })
    }

    /// The devices of round `round`, in id order.
    pub fn pick<R: Rng + ?Sized>(&mut self, round: u64, rng: &mut R) -> Vec<u32> {
        let n = self.measured_db.len();
        let k = (self.policy.k() as usize).min(n);
        let by_score = |score: &dyn Fn(usize) -> f64| {
            let mut ids: Vec<usize> = (0..n).collect();
            ids.sort_by(|&a, &b| {
                score(b)
                    .partial_cmp(&score(a))
                    .unwrap_or(Ordering::Equal)
                    .then(a.cmp(&b))
            });
            ids.truncate(k);
            ids
        };
        let mut picked: Vec<usize> = match self.policy {
            Scheduling::RandomK(_) => sample(rng, n, k).into_iter().collect(),
            Scheduling::BestChannel(_) => {
                by_score(&|d| self.measured_db[d].map_or(f64::INFINITY, f64::from))
            }
            Scheduling::RoundRobin(_) => {
                let start = self.cursor as usize;
                self.cursor = ((start + k) % n.max(1)) as u32;
                (0..k).map(|i| (start + i) % n).collect()
            }
            Scheduling::ProportionalFair(_) => {
                by_score(&|d| self.achievable(d) / f64::from(self.served[d]).max(1e-9))
            }
            Scheduling::AgeOfUpdate(_) => {
                by_score(&|d| round.saturating_sub(self.delivered_after[d]) as f64)
            }
        };
        picked.sort_unstable();
        if self.policy == Scheduling::ProportionalFair(self.policy.k()) {
            let achievable: Vec<f64> = (0..n).map(|d| self.achievable(d)).collect();
            for (d, served) in self.served.iter_mut().enumerate() {
                let now = if picked.binary_search(&d).is_ok() && achievable[d].is_finite() {
                    achievable[d]
                } else {
                    0.0
                };
                *served =
                    ((1.0 - FAIRNESS_WEIGHT) * f64::from(*served) + FAIRNESS_WEIGHT * now) as f32;
            }
        }
        picked.into_iter().map(|d| d as u32).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(1)
    }

    #[test]
    fn best_channel_hears_everyone_once_then_keeps_the_best() {
        let mut s = Scheduler::new(Scheduling::BestChannel(2), 4);
        // Nobody heard yet: all tie at "best", so the smallest ids go first.
        assert_eq!(s.pick(0, &mut rng()), vec![0, 1]);
        s.delivered(0, 0, Some(3.0));
        s.delivered(1, 0, Some(20.0));
        // 2 and 3 are still unheard, so they come next.
        assert_eq!(s.pick(1, &mut rng()), vec![2, 3]);
        s.delivered(2, 1, Some(-5.0));
        s.delivered(3, 1, Some(12.0));
        assert_eq!(s.pick(2, &mut rng()), vec![1, 3]);
        // A newer, worse measurement replaces the old one.
        s.delivered(1, 2, Some(0.0));
        assert_eq!(s.pick(3, &mut rng()), vec![0, 3]);
        // A lost upload puts its device last.
        s.lost(0);
        assert_eq!(s.pick(4, &mut rng()), vec![1, 3]);
    }

    #[test]
    fn round_robin_takes_turns_and_wraps() {
        let mut s = Scheduler::new(Scheduling::RoundRobin(3), 5);
        let rounds: Vec<Vec<u32>> = (0..3).map(|r| s.pick(r, &mut rng())).collect();
        assert_eq!(rounds, vec![vec![0, 1, 2], vec![0, 3, 4], vec![1, 2, 3]]);
    }

    #[test]
    fn age_of_update_picks_the_longest_unheard() {
        let mut s = Scheduler::new(Scheduling::AgeOfUpdate(2), 4);
        s.delivered(0, 4, None);
        s.delivered(1, 2, None);
        s.delivered(3, 4, None);
        // Ages at round 6: device 2 never (6), 1 since round 3 (3), 0 and 3 since round 5 (1).
        assert_eq!(s.pick(6, &mut rng()), vec![1, 2]);
    }

    #[test]
    fn proportional_fair_shares_turns_between_unequal_channels() {
        let mut s = Scheduler::new(Scheduling::ProportionalFair(1), 2);
        s.delivered(0, 0, Some(20.0));
        s.delivered(1, 0, Some(0.0));
        let mut turns = [0u32; 2];
        for r in 1..=200 {
            for d in s.pick(r, &mut rng()) {
                turns[d as usize] += 1;
            }
        }
        // Best channel would always pick device 0. With channels that do not change,
        // proportional fair equalises achievable / served, i.e. shares the turns equally.
        assert!(turns[0].abs_diff(turns[1]) <= 2, "{turns:?}");
    }

    #[test]
    fn random_k_draws_k_distinct_devices_from_the_stream() {
        let mut s = Scheduler::new(Scheduling::RandomK(3), 10);
        let a = s.pick(0, &mut rng());
        let b = s.pick(0, &mut rng());
        assert_eq!(a, b);
        assert_eq!(a.len(), 3);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        let c = s.pick(0, &mut ChaCha8Rng::seed_from_u64(2));
        assert_ne!(a, c);
    }
}
