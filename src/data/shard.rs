//! A device's local examples held compactly: indices into one shared pool, encoded step by step
//! as they are consumed from the device's own data stream.
//!
//! The inputs equal those of [`Prepared::shard`] encoded up front with the same stream, bit for
//! bit: an example's encoding starts at the stream position where the previous one's ended, and
//! when the walk wraps around to an example it has met before, the stream is moved back to where
//! that example's encoding started. Rate coding draws one step at a time; emulated events are
//! drawn for a whole example when the walk reaches it; recordings are read from the pool.

use super::prepare::Pool;
use super::{crop_center, emulate_events, rate_plan, rate_start, rate_step};
use super::{Encoding, Prepared, RateCursor, RateDraws, RateTable};
use super::{Example, SpikeTrain};
use rand_chacha::ChaCha12Rng;
use std::sync::Arc;

/// The training pool shared by every device. Under rate coding it keeps, per image, only the
/// channels that can spike and their grey levels (the images themselves are dropped).
pub struct SharedPool {
    prepared: Prepared,
    /// Rate coding's probabilities per grey level.
    table: RateTable,
    /// Per pool image under rate coding: the channels that can spike, with their grey levels.
    rate: Vec<Vec<(u32, u8)>>,
}

impl SharedPool {
    /// Shares `prepared`'s pool (its test set is not used here).
    pub fn new(mut prepared: Prepared) -> SharedPool {
        let table = prepared.encoding.rate_table();
        let crop = prepared.crop;
        let rate = match (&mut prepared.pool, &prepared.encoding) {
            (Pool::Images(set), Encoding::Rate { .. }) => std::mem::take(&mut set.images)
                .iter()
                .map(|img| match crop {
                    Some(size) => rate_plan(&crop_center(img, size), &table),
                    None => rate_plan(img, &table),
                })
                .collect(),
            _ => Vec::new(),
        };
        SharedPool {
            prepared,
            table,
            rate,
        }
    }
}

/// A device's shard: the indices of its examples in the shared pool, and its walk through them.
/// It serialises without the pool ([`ShardState`]), and [`Shard::restore`] takes a saved walk
/// up in a shard built afresh.
#[derive(serde::Serialize)]
pub struct Shard {
    #[serde(skip)]
    pool: Arc<SharedPool>,
    indices: Vec<u32>,
    walk: Walk,
}

/// A saved [`Shard`] without its pool: what [`Shard::restore`] takes up.
#[derive(serde::Deserialize)]
pub struct ShardState {
    indices: Vec<u32>,
    walk: Walk,
}

/// Where a shard's walk stands: its data stream and its place.
#[derive(serde::Serialize, serde::Deserialize)]
struct Walk {
    rng: ChaCha12Rng,
    /// Stream word position at which each example met so far starts its encoding.
    #[serde(with = "crate::snn::capacity")]
    starts: Vec<u128>,
    example: usize,
    step: usize,
    /// Steps of the current example.
    steps: usize,
    /// The current step's active inputs (rate coding). Saved for its capacity, which its
    /// memory figure counts.
    #[serde(with = "crate::snn::capacity")]
    inputs: Vec<u32>,
    /// Rate coding drawn per spike: where the current example stands.
    cursor: RateCursor,
    /// The current example (emulated events).
    #[serde(with = "saved_train")]
    train: Option<SpikeTrain>,
}

/// Serde for the current example's spike train, the capacity of every step kept (the shard's
/// memory figure counts them).
mod saved_train {
    use super::SpikeTrain;
    use crate::snn::capacity::nested;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    struct StepsRef<'a>(&'a Vec<Vec<u32>>);

    impl Serialize for StepsRef<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            nested::serialize(self.0, s)
        }
    }

    struct Steps(Vec<Vec<u32>>);

    impl<'de> Deserialize<'de> for Steps {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Steps, D::Error> {
            nested::deserialize(d).map(Steps)
        }
    }

    pub fn serialize<S: Serializer>(t: &Option<SpikeTrain>, s: S) -> Result<S::Ok, S::Error> {
        t.as_ref()
            .map(|t| (t.channels, StepsRef(&t.steps)))
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SpikeTrain>, D::Error> {
        let saved: Option<(usize, Steps)> = Deserialize::deserialize(d)?;
        Ok(saved.map(|(channels, Steps(steps))| SpikeTrain { channels, steps }))
    }
}

impl Shard {
    /// The pool examples at `indices`, encoded from `rng` (the device's data stream).
    pub fn new(pool: Arc<SharedPool>, indices: &[usize], rng: ChaCha12Rng) -> Shard {
        Shard {
            pool,
            indices: indices.iter().map(|&i| i as u32).collect(),
            walk: Walk {
                rng,
                starts: Vec::new(),
                example: 0,
                step: 0,
                steps: 0,
                inputs: Vec::new(),
                cursor: RateCursor::default(),
                train: None,
            },
        }
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    /// Whether it holds no example.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// The inputs of the next step, with the example's label and the step's place in it; then
    /// moves on (to the next example at the end of one, to the first after the last). `None`
    /// when the shard is empty.
    pub fn next_step(&mut self) -> Option<(&[u32], usize, usize)> {
        if self.indices.is_empty() {
            return None;
        }
        if self.walk.step >= self.walk.steps {
            self.walk.step = 0;
            self.enter();
        }
        let step = self.walk.step;
        self.walk.step += 1;
        let pool = &self.pool;
        let index = self.indices[self.walk.example] as usize;
        let label = pool.prepared.pool_labels[index];
        let inputs = match (&pool.prepared.pool, &self.walk.train) {
            (Pool::Spikes(examples), _) => step_of(&examples[index], step),
            (Pool::Images(_), Some(train)) => train.steps.get(step).map_or(&[][..], |s| &s[..]),
            (Pool::Images(_), None) if step < pool.prepared.steps => {
                rate_step(
                    &pool.rate[index],
                    &pool.table,
                    &mut self.walk.rng,
                    step as u32,
                    &mut self.walk.cursor,
                    &mut self.walk.inputs,
                );
                &self.walk.inputs[..]
            }
            (Pool::Images(_), None) | (Pool::Labels, _) => &[][..],
        };
        if self.walk.step >= self.walk.steps {
            self.walk.example = (self.walk.example + 1) % self.indices.len();
        }
        Some((inputs, label, step))
    }

    /// Starts the current example: positions the stream and encodes what is encoded whole.
    fn enter(&mut self) {
        let e = self.walk.example;
        if e < self.walk.starts.len() {
            self.walk.rng.set_word_pos(self.walk.starts[e]);
        } else {
            self.walk.starts.push(self.walk.rng.get_word_pos());
        }
        let prepared = &self.pool.prepared;
        let index = self.indices[e] as usize;
        self.walk.train = None;
        self.walk.steps = match (&prepared.pool, &prepared.encoding) {
            (Pool::Spikes(examples), _) => examples[index].spikes.steps.len(),
            (Pool::Images(_), Encoding::Rate { .. }) => {
                let pool = &self.pool;
                rate_start(
                    &pool.rate[index],
                    &pool.table,
                    &mut self.walk.rng,
                    &mut self.walk.cursor,
                );
                prepared.steps
            }
            (Pool::Labels, _) => prepared.steps,
            (Pool::Images(set), Encoding::Events { camera, polarity }) => {
                let img = &set.images[index];
                let cropped;
                let img = match prepared.crop {
                    Some(size) => {
                        cropped = crop_center(img, size);
                        &cropped
                    }
                    None => img,
                };
                let train =
                    emulate_events(img, camera, prepared.steps, *polarity, &mut self.walk.rng);
                let steps = train.steps.len();
                self.walk.train = Some(train);
                steps
            }
        };
        // An example of no steps is passed over, as the walk over encoded examples does.
        if self.walk.steps == 0 {
            self.walk.steps = 1;
        }
    }

    /// Takes up the place of a saved shard of the same examples, keeping this shard's pool; an
    /// error says what does not fit (nothing is changed then).
    pub fn restore(&mut self, state: ShardState) -> Result<(), String> {
        if state.indices != self.indices {
            return Err(format!(
                "the saved shard holds other examples ({} of them) than the scenario's ({})",
                state.indices.len(),
                self.indices.len()
            ));
        }
        let fits = state.walk.example < self.indices.len().max(1)
            && state.walk.starts.len() <= self.indices.len()
            && state.walk.step <= state.walk.steps;
        if !fits {
            return Err(format!(
                "the saved place in the shard (example {}, step {} of {}) does not fit its {} examples",
                state.walk.example,
                state.walk.step,
                state.walk.steps,
                self.indices.len()
            ));
        }
        // Within an example rate-coded per spike, one next-spike step per channel of its plan.
        let index = self.indices.get(state.walk.example).map(|&i| i as usize);
        let plan = index.and_then(|i| self.pool.rate.get(i));
        let within = state.walk.step < state.walk.steps;
        let per_spike = self.pool.table.draws() == RateDraws::PerSpike;
        if let Some(plan) = plan.filter(|_| within && per_spike) {
            if state.walk.cursor.len() != plan.len() {
                return Err(format!(
                    "the saved rate-coded example (example {}, step {}) has {} next-spike steps \
                     for its {} channels that can spike",
                    state.walk.example,
                    state.walk.step,
                    state.walk.cursor.len(),
                    plan.len()
                ));
            }
        }
        self.walk = state.walk;
        Ok(())
    }

    /// Heap and inline size \[bytes\] (the shared pool not counted).
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.indices.capacity() * 4
            + self.walk.starts.capacity() * 16
            + self.walk.inputs.capacity() * 4
            + self.walk.cursor.memory_bytes()
            + self.walk.train.as_ref().map_or(0, |t| {
                t.steps.iter().map(|s| s.capacity() * 4 + 24).sum::<usize>()
            })
    }
}

fn step_of(example: &Example, step: usize) -> &[u32] {
    example.spikes.steps.get(step).map_or(&[][..], |s| &s[..])
}
