//! Device availability: always on, random on/off periods, or an explicit schedule of outages.
//!
//! An [`Availability`] is realised per device into an [`AvailabilityTrace`], a list of switch
//! times. On/off traces are generated lazily from the device's own RNG as queries reach further
//! into the future, so the trace is the same whatever the query pattern. Off intervals are
//! half-open: a device off over `[a, b)` is off at `a` and on again at `b`.

use super::error::NetError;
use crate::time::{SimDuration, SimTime};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// How a device goes on and off.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Availability {
    /// Never off.
    Always,
    /// Alternating exponential on and off periods; the state at time zero is drawn from the
    /// stationary distribution (on with probability `mean_on / (mean_on + mean_off)`), and by
    /// memorylessness the first period is then exponential too.
    OnOff {
        /// Mean on period \[ns\], positive.
        mean_on: SimDuration,
        /// Mean off period \[ns\], positive.
        mean_off: SimDuration,
    },
    /// Off exactly during these `[start, end)` intervals \[ns\], sorted and not overlapping.
    Schedule(Vec<(SimTime, SimTime)>),
}

impl Availability {
    /// Check the parameters: positive means; schedule intervals non-empty, sorted, disjoint.
    pub fn validate(&self) -> Result<(), NetError> {
        match self {
            Availability::Always => Ok(()),
            Availability::OnOff { mean_on, mean_off } => {
                for (name, mean) in [("mean_on", mean_on), ("mean_off", mean_off)] {
                    if mean.0 == 0 {
                        return Err(NetError::invalid(
                            "availability.on_off",
                            name,
                            "0 ns",
                            "a positive mean period",
                        ));
                    }
                }
                Ok(())
            }
            Availability::Schedule(off) => {
                let mut previous_end = SimTime::ZERO;
                for (index, &(start, end)) in off.iter().enumerate() {
                    if start >= end || (index > 0 && start < previous_end) {
                        return Err(NetError::invalid(
                            "availability.schedule",
                            "off",
                            format!("interval {index}: [{}, {}) ns", start.0, end.0),
                            "non-empty [start, end) intervals, sorted and not overlapping",
                        ));
                    }
                    previous_end = end;
                }
                Ok(())
            }
        }
    }
}

/// Lazy generator of exponential on/off periods.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct OnOffGenerator {
    rng: ChaCha8Rng,
    mean_on: SimDuration,
    mean_off: SimDuration,
    /// State after the last generated switch.
    on: bool,
}

impl OnOffGenerator {
    fn period<R: Rng>(rng: &mut R, mean: SimDuration) -> SimDuration {
        let u: f64 = rng.random();
        let ns = -(mean.0 as f64) * (1.0 - u).ln();
        // `as` saturates; (1 - u) > 0 keeps `ns` finite.
        SimDuration((ns.round() as u64).max(1))
    }
}

/// One device's realised availability.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct AvailabilityTrace {
    on_at_zero: bool,
    /// Strictly increasing times at which the state flips \[ns\].
    switches: Vec<SimTime>,
    /// Boxed: an always-on device (the common case of a large cell) does not carry room for a
    /// generator of some 350 bytes.
    generator: Option<Box<OnOffGenerator>>,
}

impl AvailabilityTrace {
    /// Realise `availability` for one device, drawing from that device's `rng`.
    pub fn new(
        availability: &Availability,
        rng: ChaCha8Rng,
    ) -> Result<AvailabilityTrace, NetError> {
        availability.validate()?;
        Ok(match availability {
            Availability::Always => AvailabilityTrace {
                on_at_zero: true,
                switches: Vec::new(),
                generator: None,
            },
            Availability::Schedule(off) => {
                let mut switches = Vec::with_capacity(off.len() * 2);
                for &(start, end) in off {
                    // Touching intervals merge: drop the switch back on at `start`.
                    if switches.last() == Some(&start) {
                        switches.pop();
                    } else {
                        switches.push(start);
                    }
                    switches.push(end);
                }
                let on_at_zero = switches.first() != Some(&SimTime::ZERO);
                if !on_at_zero {
                    switches.remove(0);
                }
                AvailabilityTrace {
                    on_at_zero,
                    switches,
                    generator: None,
                }
            }
            &Availability::OnOff { mean_on, mean_off } => {
                let mut rng = rng;
                let p_on = mean_on.0 as f64 / (mean_on.0 as f64 + mean_off.0 as f64);
                let on = rng.random::<f64>() < p_on;
                AvailabilityTrace {
                    on_at_zero: on,
                    switches: Vec::new(),
                    generator: Some(Box::new(OnOffGenerator {
                        rng,
                        mean_on,
                        mean_off,
                        on,
                    })),
                }
            }
        })
    }

    /// A trace that is always on (no RNG needed).
    pub fn always() -> AvailabilityTrace {
        AvailabilityTrace {
            on_at_zero: true,
            switches: Vec::new(),
            generator: None,
        }
    }

    /// Whether the device is on at `t`.
    pub fn is_on(&mut self, t: SimTime) -> bool {
        self.extend_past(t);
        let flips = self.switches.partition_point(|&s| s <= t);
        self.on_at_zero ^ (flips % 2 == 1)
    }

    /// The first switch strictly after `t`, `None` if the state never changes again.
    pub fn next_change(&mut self, t: SimTime) -> Option<SimTime> {
        self.extend_past(t);
        let index = self.switches.partition_point(|&s| s <= t);
        self.switches.get(index).copied()
    }

    /// Total on time within `[from, to)` \[ns\].
    pub fn on_duration(&mut self, from: SimTime, to: SimTime) -> SimDuration {
        let mut total = SimDuration::ZERO;
        let mut t = from;
        while t < to {
            let on = self.is_on(t);
            let next = self.next_change(t).map_or(to, |s| s.min(to));
            if on {
                total += next - t;
            }
            t = next;
        }
        total
    }

    /// Generate switches until one lies strictly after `t` (lazy on/off traces only).
    fn extend_past(&mut self, t: SimTime) {
        let Some(generator) = self.generator.as_mut() else {
            return;
        };
        let mut last = self.switches.last().copied().unwrap_or(SimTime::ZERO);
        while self.switches.is_empty() || last <= t {
            let mean = if generator.on {
                generator.mean_on
            } else {
                generator.mean_off
            };
            let period = OnOffGenerator::period(&mut generator.rng, mean);
            last += period;
            if last.0 == u64::MAX {
                break;
            }
            self.switches.push(last);
            generator.on = !generator.on;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn trace_rng(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    #[test]
    fn schedule_is_exact_and_touching_outages_merge() {
        let off = vec![
            (SimTime(10), SimTime(20)),
            (SimTime(20), SimTime(30)),
            (SimTime(50), SimTime(60)),
        ];
        let mut trace = AvailabilityTrace::new(&Availability::Schedule(off), trace_rng(0))
            .expect("valid schedule");
        let expected_on = |t: u64| !((10..30).contains(&t) || (50..60).contains(&t));
        for t in 0..80 {
            assert_eq!(trace.is_on(SimTime(t)), expected_on(t), "t = {t}");
        }
        assert_eq!(trace.next_change(SimTime(0)), Some(SimTime(10)));
        assert_eq!(trace.next_change(SimTime(10)), Some(SimTime(30)));
        assert_eq!(trace.next_change(SimTime(55)), Some(SimTime(60)));
        assert_eq!(trace.next_change(SimTime(60)), None);
        assert_eq!(trace.on_duration(SimTime(0), SimTime(100)), SimDuration(70));
    }

    #[test]
    fn schedule_starting_off() {
        let off = vec![(SimTime(0), SimTime(5))];
        let mut trace = AvailabilityTrace::new(&Availability::Schedule(off), trace_rng(0))
            .expect("valid schedule");
        assert!(!trace.is_on(SimTime(0)));
        assert!(!trace.is_on(SimTime(4)));
        assert!(trace.is_on(SimTime(5)));
        assert_eq!(trace.next_change(SimTime(0)), Some(SimTime(5)));
    }

    #[test]
    fn invalid_availability_is_an_error() {
        let overlapping = vec![(SimTime(0), SimTime(10)), (SimTime(5), SimTime(20))];
        assert!(Availability::Schedule(overlapping).validate().is_err());
        let empty = vec![(SimTime(5), SimTime(5))];
        assert!(Availability::Schedule(empty).validate().is_err());
        let zero_mean = Availability::OnOff {
            mean_on: SimDuration::ZERO,
            mean_off: SimDuration(1),
        };
        assert!(AvailabilityTrace::new(&zero_mean, trace_rng(0)).is_err());
    }
}
