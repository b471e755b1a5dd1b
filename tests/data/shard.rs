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
    let prepared =
        Prepared::load(&source, &[1, 7], 10, 40, encoding, Keep::Images, &mut rng).expect("mnist");
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
    walk_matches_up_front(Encoding::rate(0.15), &[4, 0, 17, 4], 3);
    let per_spike = Encoding::Rate {
        gain: 0.15,
        draws: RateDraws::PerSpike,
    };
    walk_matches_up_front(per_spike, &[4, 0, 17, 4], 3);
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
    let encoding = Encoding::rate(0.15);
    let prepared =
        Prepared::load(&source, &[1, 7], 10, 40, encoding, Keep::Images, &mut rng).expect("mnist");
    let mut shard = Shard::new(
        Arc::new(SharedPool::new(prepared)),
        &[],
        ChaCha12Rng::seed_from_u64(9),
    );
    assert!(shard.is_empty());
    assert!(shard.next_step().is_none());
}

/// A run that does not train loads only the training labels of a set of images
/// (`Keep::Labels`); everything else must be what the full load gives, down to the
/// draws taken from the data stream, whose next user (the partition) must see the same numbers.
#[test]
fn loading_the_labels_only_gives_the_labels_test_set_and_stream_of_the_full_load() {
    let rate = Encoding::rate(0.15);
    let events = Encoding::Events {
        camera: EventCamera::default(),
        polarity: Polarity::Merged,
    };
    let sources = [
        (Source::Mnist(embedded_data_dir()), &[1u8, 7][..]),
        (Source::UciDigits(embedded_data_dir()), &[0, 3, 8][..]),
    ];
    for (source, classes) in &sources {
        let per_spike = Encoding::Rate {
            gain: 0.15,
            draws: RateDraws::PerSpike,
        };
        for encoding in [rate.clone(), per_spike, events.clone()] {
            let what = format!("{source:?}, {encoding:?}");
            let load = |keep: Keep| {
                let mut rng = ChaCha12Rng::seed_from_u64(5);
                let encoding = encoding.clone();
                let prepared = Prepared::load(source, classes, 7, 30, encoding, keep, &mut rng)
                    .expect("loads");
                (prepared, rng)
            };
            let (full, mut full_rng) = load(Keep::Images);
            let (labels, mut labels_rng) = load(Keep::Labels);
            assert_eq!(labels.pool_labels, full.pool_labels, "{what}: labels");
            assert_eq!(labels.test, full.test, "{what}: test set");
            assert_eq!(labels.inputs, full.inputs, "{what}: inputs");
            assert_eq!(labels.steps, full.steps, "{what}: steps");
            assert_eq!(full.test.len(), 7, "{what}");
            assert!(
                full.test.iter().any(|e| e.spikes.spike_count() > 0),
                "{what}: the test set was encoded, drawing from the stream"
            );
            assert_eq!(
                labels_rng.get_word_pos(),
                full_rng.get_word_pos(),
                "{what}: the stream stands at the same place"
            );
            let partition = |rng: &mut ChaCha12Rng, pool_labels: &[usize]| {
                let scheme = PartitionScheme::QuantitySkew { sigma: 1.0 };
                partition(pool_labels, 40, 5, &scheme, rng).expect("partition")
            };
            assert_eq!(
                partition(&mut labels_rng, &labels.pool_labels),
                partition(&mut full_rng, &full.pool_labels),
                "{what}: the shards"
            );
            // The full pool shares out examples; the labels-only pool none.
            assert_eq!(full.shard(&[0, 1], &mut full_rng).len(), 2, "{what}");
            assert!(labels.shard(&[0, 1], &mut labels_rng).is_empty(), "{what}");
        }
    }
}
