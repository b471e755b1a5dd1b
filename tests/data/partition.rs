//! Partitions of example indices over devices, and the class-restricted train/test split.

use std::collections::BTreeSet;
use std::path::Path;

use flsnn::data::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// 10 classes, `per_class` examples each, sorted by class like the bundled MNIST file.
fn sorted_labels(per_class: usize) -> Vec<usize> {
    (0..10)
        .flat_map(|c| std::iter::repeat_n(c, per_class))
        .collect()
}

fn class_histogram(labels: &[usize], shard: &[usize]) -> Vec<usize> {
    let mut h = vec![0; 10];
    for &i in shard {
        h[labels[i]] += 1;
    }
    h
}

fn run(
    labels: &[usize],
    devices: usize,
    per: usize,
    scheme: &PartitionScheme,
    seed: u64,
) -> Vec<Vec<usize>> {
    partition(
        labels,
        devices,
        per,
        scheme,
        &mut ChaCha8Rng::seed_from_u64(seed),
    )
    .expect("partition")
}

#[test]
fn label_per_device_holds_only_its_class() {
    let labels: Vec<usize> = sorted_labels(100)
        .into_iter()
        .filter(|&l| l == 1 || l == 7)
        .collect();
    let shards = run(&labels, 4, 60, &PartitionScheme::LabelPerDevice, 1);
    assert_eq!(shards.len(), 4);
    for (d, shard) in shards.iter().enumerate() {
        assert_eq!(shard.len(), 60);
        let want = if d % 2 == 0 { 1 } else { 7 };
        assert!(shard.iter().all(|&i| labels[i] == want), "device {d}");
        let distinct: BTreeSet<_> = shard.iter().collect();
        assert_eq!(distinct.len(), 60, "no repeats within a shard");
    }
    // Devices 0 and 2 share class 1 (100 examples, 120 requested): the first 100 are disjoint,
    // reuse starts only when the pool is exhausted.
    let overlap = shards[0].iter().filter(|i| shards[2].contains(i)).count();
    assert_eq!(overlap, 20);
}

#[test]
fn shard_larger_than_class_pool_repeats_only_after_exhaustion() {
    let labels = vec![0, 0, 0, 1, 1, 1];
    let shards = run(&labels, 1, 5, &PartitionScheme::LabelPerDevice, 3);
    let shard = &shards[0];
    assert_eq!(shard.len(), 5);
    let distinct: BTreeSet<_> = shard.iter().collect();
    assert_eq!(
        distinct.len(),
        3,
        "all three class-0 examples used before repeating"
    );
}

/// Mean over devices of the largest class share of a shard (1 = one class only).
fn skew(labels: &[usize], shards: &[Vec<usize>]) -> f64 {
    shards
        .iter()
        .map(|s| *class_histogram(labels, s).iter().max().unwrap_or(&0) as f64 / s.len() as f64)
        .sum::<f64>()
        / shards.len() as f64
}

#[test]
fn dirichlet_small_alpha_is_more_skewed_than_large_alpha() {
    let labels = sorted_labels(500);
    let small = run(
        &labels,
        20,
        100,
        &PartitionScheme::Dirichlet { alpha: 0.1 },
        4,
    );
    let large = run(
        &labels,
        20,
        100,
        &PartitionScheme::Dirichlet { alpha: 100.0 },
        4,
    );
    let (s, l) = (skew(&labels, &small), skew(&labels, &large));
    eprintln!("largest class share: alpha 0.1 -> {s:.3}, alpha 100 -> {l:.3}");
    assert!(s > 0.6, "alpha 0.1 skew {s}");
    assert!(l < 0.25, "alpha 100 skew {l}");
    assert!(small.iter().chain(&large).all(|s| s.len() == 100));
}

#[test]
fn iid_shards_have_balanced_labels_and_are_disjoint() {
    let labels = sorted_labels(100);
    let shards = run(&labels, 5, 43, &PartitionScheme::Iid, 5);
    let mut seen = BTreeSet::new();
    for shard in &shards {
        assert_eq!(shard.len(), 43);
        let h = class_histogram(&labels, shard);
        assert!(h.iter().all(|&n| n == 4 || n == 5), "{h:?}");
        for &i in shard {
            assert!(seen.insert(i), "index {i} used twice");
        }
    }
}

#[test]
fn quantity_skew_sizes_vary_and_keep_the_total() {
    let labels = sorted_labels(200);
    let shards = run(
        &labels,
        10,
        100,
        &PartitionScheme::QuantitySkew { sigma: 1.0 },
        6,
    );
    let sizes: Vec<usize> = shards.iter().map(Vec::len).collect();
    assert_eq!(sizes.iter().sum::<usize>(), 1000);
    assert!(sizes.iter().all(|&n| n >= 1));
    let (min, max) = (sizes.iter().min().copied(), sizes.iter().max().copied());
    eprintln!("quantity-skew sizes {sizes:?}");
    assert!(max.unwrap_or(0) > 2 * min.unwrap_or(0), "{sizes:?}");
    let flat = run(
        &labels,
        10,
        100,
        &PartitionScheme::QuantitySkew { sigma: 0.0 },
        6,
    );
    assert!(flat.iter().all(|s| s.len() == 100));
}

#[test]
fn partitions_are_reproducible_and_seed_dependent() {
    let labels = sorted_labels(50);
    for scheme in [
        PartitionScheme::LabelPerDevice,
        PartitionScheme::Iid,
        PartitionScheme::Dirichlet { alpha: 0.5 },
        PartitionScheme::QuantitySkew { sigma: 0.5 },
    ] {
        let a = run(&labels, 6, 30, &scheme, 9);
        assert_eq!(a, run(&labels, 6, 30, &scheme, 9), "{scheme:?}");
        assert_ne!(a, run(&labels, 6, 30, &scheme, 10), "{scheme:?}");
        assert!(a.iter().flatten().all(|&i| i < labels.len()));
    }
}

#[test]
fn bad_partition_requests_are_errors() {
    let labels = sorted_labels(5);
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    assert!(partition(&[], 2, 5, &PartitionScheme::Iid, &mut rng).is_err());
    assert!(partition(&labels, 0, 5, &PartitionScheme::Iid, &mut rng).is_err());
    assert!(partition(&labels, 2, 0, &PartitionScheme::Iid, &mut rng).is_err());
    for alpha in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let err = partition(
            &labels,
            2,
            5,
            &PartitionScheme::Dirichlet { alpha },
            &mut rng,
        );
        assert!(matches!(err, Err(DataError::Invalid(_))), "alpha {alpha}");
    }
    let err = partition(
        &labels,
        2,
        5,
        &PartitionScheme::QuantitySkew { sigma: -0.1 },
        &mut rng,
    );
    assert!(matches!(err, Err(DataError::Invalid(_))));
}

#[test]
fn train_test_split_is_balanced_seeded_and_disjoint() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let set = load_mnist(
        &root.join("mnist10k-images-idx3-ubyte.gz"),
        &root.join("mnist10k-labels-idx1-ubyte.gz"),
    )
    .expect("MNIST");
    let split =
        train_test_split(&set, &[1, 7], 201, &mut ChaCha8Rng::seed_from_u64(1)).expect("split");
    assert_eq!(split.test.len(), 201);
    let ones = split.test.labels.iter().filter(|&&l| l == 1).count();
    assert_eq!((ones, 201 - ones), (101, 100));
    assert!(split.test.labels.iter().all(|&l| l == 1 || l == 7));
    assert_eq!(split.train.len(), 1127 + 1070 - 201);
    assert!(split.train.labels.iter().all(|&l| l == 1 || l == 7));
    // Shuffled: the sorted source does not leave a block of 1s first.
    assert!(split.train.labels[..50].contains(&7) && split.train.labels[..50].contains(&1));
    // Disjoint: no test image appears in train.
    let train_images: BTreeSet<&Vec<u8>> = split.train.images.iter().map(|i| &i.pixels).collect();
    let shared = split
        .test
        .images
        .iter()
        .filter(|i| train_images.contains(&i.pixels))
        .count();
    assert_eq!(shared, 0);
    let again =
        train_test_split(&set, &[1, 7], 201, &mut ChaCha8Rng::seed_from_u64(1)).expect("split");
    assert_eq!(split, again);
    let too_many = train_test_split(&set, &[5], 900, &mut ChaCha8Rng::seed_from_u64(1));
    assert!(
        matches!(too_many, Err(DataError::Invalid(_))),
        "class 5 has 863 images"
    );
    assert!(train_test_split(&set, &[], 10, &mut ChaCha8Rng::seed_from_u64(1)).is_err());
}

#[test]
fn encode_images_maps_labels_to_class_positions() {
    let set = ImageSet {
        images: vec![
            Image {
                width: 2,
                height: 2,
                pixels: vec![255; 4],
            },
            Image {
                width: 2,
                height: 2,
                pixels: vec![0; 4],
            },
            Image {
                width: 2,
                height: 2,
                pixels: vec![255, 0, 0, 0],
            },
        ],
        labels: vec![7, 3, 1],
    };
    let ex = encode_images(
        &set,
        &[1, 7],
        None,
        5,
        &Encoding::rate(1.0),
        &mut ChaCha8Rng::seed_from_u64(0),
    );
    assert_eq!(ex.iter().map(|e| e.label).collect::<Vec<_>>(), vec![1, 0]);
    assert_eq!(ex[0].spikes.spike_count(), 20);
    assert_eq!(ex[1].spikes.steps, vec![vec![0]; 5]);
}

#[test]
fn reused_examples_counts_what_a_pool_could_not_supply() {
    // 100 examples per class; the label-per-device devices of one class draw from one pool.
    let labels = sorted_labels(100);
    for (devices, per) in [(10, 100), (20, 60), (30, 50), (3, 150)] {
        let shards = run(&labels, devices, per, &PartitionScheme::LabelPerDevice, 3);
        // Devices d, d + 10, ... share class d; a class's pool supplies 100 distinct examples.
        let expected: usize = (0..10)
            .map(|class| {
                let asked = per * (0..devices).filter(|d| d % 10 == class).count();
                asked.saturating_sub(100)
            })
            .sum();
        assert_eq!(reused_examples(&shards), expected, "{devices} x {per}");
    }
    let iid = run(&labels, 4, 50, &PartitionScheme::Iid, 4);
    assert_eq!(reused_examples(&iid), 0, "200 of 1000 examples: disjoint");
    assert_eq!(reused_examples(&[vec![1, 2], vec![2, 3], vec![3, 3]]), 3);
}
