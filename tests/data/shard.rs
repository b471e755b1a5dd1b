//! A device's shard walked step by step, encoded as consumed, gives exactly the spike trains
//! encoded up front with the same stream, pass after pass.

use std::sync::Arc;

use flsnn::data::*;
use rand::SeedableRng;
use rand_chacha::ChaCha12Rng;

/// Walks `passes` times through a shard of `indices` of MNIST 1s and 7s and compares every
/// step with the examples `Prepared::shard` encodes from the same stream.
fn walk_matches_up_front(encoding: Encoding, indices: &[usize], passes: usize) {
    let source = Source::Mnist(embedded_data_dir());
    let mut rng = ChaCha12Rng::seed_from_u64(3);
    let prepared = Prepared::load(&source, &[1, 7], 10, 40, encoding, &mut rng).expect("mnist");
    let up_front = prepared.shard(indices, &mut ChaCha12Rng::seed_from_u64(9));
    let pool = Arc::new(SharedPool::new(prepared));
    let mut shard = Shard::new(pool, indices, ChaCha12Rng::seed_from_u64(9));
    assert_eq!(shard.len(), indices.len());
    let mut spikes = 0;
    for pass in 0..passes {
        for (e, ex) in up_front.iter().enumerate() {
            for (s, want) in ex.spikes.steps.iter().enumerate() {
                let (inputs, label, step) = shard.next_step().expect("examples");
                assert_eq!(inputs, &want[..], "pass {pass}, example {e}, step {s}");
                assert_eq!((label, step), (ex.label, s));
                spikes += inputs.len();
            }
        }
    }
    assert!(spikes > 100, "the walk saw spikes: {spikes}");
}

#[test]
fn rate_coded_walk_equals_the_trains_encoded_up_front() {
    walk_matches_up_front(Encoding::Rate { gain: 0.15 }, &[4, 0, 17, 4], 3);
}

#[test]
fn emulated_event_walk_equals_the_trains_encoded_up_front() {
    let events = Encoding::Events {
        camera: EventCamera::default(),
        polarity: Polarity::Merged,
    };
    walk_matches_up_front(events, &[2, 11, 5], 3);
}

#[test]
fn an_empty_shard_gives_no_step() {
    let source = Source::Mnist(embedded_data_dir());
    let mut rng = ChaCha12Rng::seed_from_u64(3);
    let encoding = Encoding::Rate { gain: 0.15 };
    let prepared = Prepared::load(&source, &[1, 7], 10, 40, encoding, &mut rng).expect("mnist");
    let mut shard = Shard::new(
        Arc::new(SharedPool::new(prepared)),
        &[],
        ChaCha12Rng::seed_from_u64(9),
    );
    assert!(shard.is_empty());
    assert!(shard.next_step().is_none());
}
