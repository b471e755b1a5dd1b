//! Encoders: centre crop, rate coding, event binning, emulated event camera.

use std::path::Path;

use flsnn::data::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn mnist() -> ImageSet {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    load_mnist(
        &root.join("mnist10k-images-idx3-ubyte.gz"),
        &root.join("mnist10k-labels-idx1-ubyte.gz"),
    )
    .expect("bundled MNIST loads")
}

fn ev(t_us: u64, x: u16, y: u16, on: bool) -> DvsEvent {
    DvsEvent { t_us, x, y, on }
}

#[test]
fn crop_center_28_to_26_drops_one_border_pixel() {
    let img = Image {
        width: 28,
        height: 28,
        pixels: (0..784).map(|i| (i % 251) as u8).collect(),
    };
    let crop = crop_center(&img, 26);
    assert_eq!((crop.width, crop.height, crop.pixels.len()), (26, 26, 676));
    for r in 0..26 {
        for c in 0..26 {
            assert_eq!(crop.pixels[r * 26 + c], img.pixels[(r + 1) * 28 + c + 1]);
        }
    }
}

#[test]
fn rate_coding_matches_gain_times_pixel() {
    let img = Image {
        width: 4,
        height: 1,
        pixels: vec![0, 51, 128, 255],
    };
    let gain = 0.5;
    let steps = 40_000;
    for draws in [RateDraws::PerStep, RateDraws::PerSpike] {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let train = rate_encode(&img, steps, &RateTable::new(gain, draws), &mut rng);
        assert_eq!(train.channels, 4);
        let counts = train.channel_counts();
        for (c, &p) in img.pixels.iter().enumerate() {
            let expected = gain * f64::from(p) / 255.0;
            let rate = f64::from(counts[c]) / steps as f64;
            let sd = (expected * (1.0 - expected) / steps as f64).sqrt();
            assert!(
                (rate - expected).abs() <= 5.0 * sd + 1e-12,
                "{draws:?}, channel {c}: {rate} vs {expected}"
            );
        }
        // Gain 4: p = min(1, 4 * 128/255) = 1 for pixel 128, 0.8 for pixel 51.
        let train = rate_encode(&img, 2000, &RateTable::new(4.0, draws), &mut rng);
        let counts = train.channel_counts();
        assert_eq!(counts[2], 2000);
        assert!((f64::from(counts[1]) / 2000.0 - 0.8).abs() < 0.05);
    }
}

#[test]
fn rate_coding_is_seeded_and_row_major() {
    let set = mnist();
    let img = crop_center(&set.images[5], 26);
    let table = RateTable::new(0.15, RateDraws::PerStep);
    let a = rate_encode(&img, 80, &table, &mut ChaCha8Rng::seed_from_u64(3));
    let b = rate_encode(&img, 80, &table, &mut ChaCha8Rng::seed_from_u64(3));
    let c = rate_encode(&img, 80, &table, &mut ChaCha8Rng::seed_from_u64(4));
    assert_eq!(a, b);
    assert_ne!(a, c);
    // The other layout: as seeded, other spikes from the same seed.
    let per_spike = RateTable::new(0.15, RateDraws::PerSpike);
    let d = rate_encode(&img, 80, &per_spike, &mut ChaCha8Rng::seed_from_u64(3));
    assert_eq!(
        d,
        rate_encode(&img, 80, &per_spike, &mut ChaCha8Rng::seed_from_u64(3))
    );
    assert_ne!(a, d);
    for train in [&a, &d] {
        for (ch, &n) in train.channel_counts().iter().enumerate() {
            if img.pixels[ch] == 0 {
                assert_eq!(n, 0, "black pixel {ch} spiked");
            }
        }
    }
}

#[test]
fn binning_is_relative_to_first_event_and_drops_earlier_times() {
    // Window pixel of (x, y) = (x - 48) * 26 + (y - 48).
    let events = vec![
        ev(1_000, 48, 48, true),   // step 0, pixel 0
        ev(1_500, 49, 50, false),  // step 0, pixel 28
        ev(26_000, 49, 50, true),  // step 1 (25 ms after the first event)
        ev(999, 60, 60, true),     // before the first event: dropped
        ev(51_000, 47, 50, true),  // outside the window: dropped
        ev(76_000, 73, 73, false), // step 3 (last), pixel 675
        ev(101_000, 50, 50, true), // beyond 4 steps: dropped
    ];
    let merged = bin_mnist_dvs(&events, 4, 25_000, Polarity::Merged);
    assert_eq!(merged.channels, 676);
    assert_eq!(merged.steps, vec![vec![0, 28], vec![28], vec![], vec![675]]);
    let split = bin_mnist_dvs(&events, 4, 25_000, Polarity::Split);
    assert_eq!(split.channels, 1352);
    assert_eq!(split.steps, vec![vec![0, 57], vec![56], vec![], vec![1351]]);
    let empty = bin_mnist_dvs(&[], 3, 25_000, Polarity::Merged);
    assert_eq!(empty, SpikeTrain::silent(676, 3));
}

#[test]
fn nmnist_window_uses_image_layout() {
    let events = vec![ev(0, 4, 5, true), ev(10, 29, 29, true), ev(20, 30, 4, true)];
    let train = bin_window(&events, SensorWindow::NMNIST, 1, 100, Polarity::Merged);
    assert_eq!(train.steps, vec![vec![26, 675]]);
}

fn camera_counts(img: &Image, seed: u64) -> Vec<u32> {
    let cam = EventCamera::default();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    emulate_events(img, &cam, 80, Polarity::Merged, &mut rng).channel_counts()
}

#[test]
fn event_camera_is_deterministic_given_seed() {
    let set = mnist();
    let img = crop_center(&set.images[1500], 26);
    let cam = EventCamera::default();
    let run = |seed| {
        emulate_events(
            &img,
            &cam,
            80,
            Polarity::Split,
            &mut ChaCha8Rng::seed_from_u64(seed),
        )
    };
    assert_eq!(run(11), run(11));
    assert_ne!(run(11), run(12));
    let split = run(11);
    assert_eq!(split.channels, 1352);
    // A moving bright stroke brightens some pixels (ON, even channels) and darkens others (OFF).
    let on = split
        .steps
        .iter()
        .flatten()
        .filter(|&&c| c % 2 == 0)
        .count();
    let off = split.spike_count() - on;
    assert!(on > 50 && off > 50, "on {on}, off {off}");
}

#[test]
fn event_camera_is_sparse_and_fires_on_edges() {
    let set = mnist();
    let mut edge_rate = 0.0;
    let mut flat_rate = 0.0;
    let mut densities = Vec::new();
    for (k, img) in set.images.iter().step_by(500).enumerate() {
        let img = crop_center(img, 26);
        let cam = EventCamera::default();
        let train = emulate_events(
            &img,
            &cam,
            80,
            Polarity::Merged,
            &mut ChaCha8Rng::seed_from_u64(k as u64),
        );
        densities.push(train.density());
        let counts = train.channel_counts();
        // Edge strength: largest grey difference to a 4-neighbour.
        let (mut edge_n, mut edge_sum, mut flat_n, mut flat_sum) = (0, 0u32, 0, 0u32);
        for r in 0..26usize {
            for c in 0..26usize {
                let p = i32::from(img.at(r, c));
                let grad = [
                    (r.wrapping_sub(1), c),
                    (r + 1, c),
                    (r, c.wrapping_sub(1)),
                    (r, c + 1),
                ]
                .iter()
                .map(|&(rr, cc)| (p - i32::from(img.at(rr, cc))).abs())
                .max()
                .unwrap_or(0);
                if grad > 100 {
                    edge_n += 1;
                    edge_sum += counts[r * 26 + c];
                } else if grad == 0 {
                    flat_n += 1;
                    flat_sum += counts[r * 26 + c];
                }
            }
        }
        edge_rate += f64::from(edge_sum) / f64::from(edge_n.max(1));
        flat_rate += f64::from(flat_sum) / f64::from(flat_n.max(1));
    }
    let mean_density = densities.iter().sum::<f64>() / densities.len() as f64;
    assert!(
        mean_density > 0.005 && mean_density < 0.15,
        "density {mean_density}"
    );
    assert!(
        edge_rate > 10.0 * flat_rate,
        "edge {edge_rate} vs flat {flat_rate}"
    );
}

/// Logistic regression on per-pixel event counts (a GLM, like the SNN's output neurons, but
/// trained offline) on 400 examples, tested on a balanced 400: the digit information survives the
/// event camera if this separates 1s and 7s.
fn ones_vs_sevens_accuracy(encoding: &Encoding) -> (f64, f64) {
    let set = mnist();
    let split =
        train_test_split(&set, &[1, 7], 400, &mut ChaCha8Rng::seed_from_u64(5)).expect("split");
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let few = ImageSet {
        images: split.train.images[..400].to_vec(),
        labels: split.train.labels[..400].to_vec(),
    };
    let train = encode_images(&few, &[1, 7], Some(26), 80, encoding, &mut rng);
    let test = encode_images(&split.test, &[1, 7], Some(26), 80, encoding, &mut rng);
    assert_eq!((train.len(), test.len()), (400, 400));
    let features = |e: &Example| -> Vec<f64> {
        e.spikes
            .channel_counts()
            .iter()
            .map(|&c| f64::from(c) / 80.0)
            .collect()
    };
    let mut sums = [vec![0.0; 676], vec![0.0; 676]];
    for e in &train {
        for (acc, v) in sums[e.label].iter_mut().zip(features(e)) {
            *acc += v;
        }
    }
    let centroid_gap: f64 = sums[0]
        .iter()
        .zip(&sums[1])
        .map(|(a, b)| (a - b).abs())
        .sum::<f64>()
        / 200.0;
    let mut w = vec![0.0; 677];
    for _ in 0..30 {
        for e in &train {
            let x = features(e);
            let u: f64 = w[676] + x.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>();
            let err = e.label as f64 - 1.0 / (1.0 + (-u).exp());
            for (wi, xi) in w.iter_mut().zip(&x) {
                *wi += 0.5 * err * xi;
            }
            w[676] += 0.5 * err;
        }
    }
    let correct = test
        .iter()
        .filter(|e| {
            let u: f64 = w[676] + features(e).iter().zip(&w).map(|(a, b)| a * b).sum::<f64>();
            usize::from(u > 0.0) == e.label
        })
        .count();
    (correct as f64 / test.len() as f64, centroid_gap)
}

#[test]
fn event_camera_separates_ones_and_sevens() {
    let camera = Encoding::Events {
        camera: EventCamera::default(),
        polarity: Polarity::Merged,
    };
    let (accuracy, gap) = ones_vs_sevens_accuracy(&camera);
    let (rate_accuracy, _) = ones_vs_sevens_accuracy(&Encoding::rate(0.15));
    eprintln!(
        "1 vs 7 logistic accuracy: camera {accuracy}, rate coding {rate_accuracy}; gap {gap}"
    );
    // The summed events of a 1 and a 7 differ.
    assert!(gap > 1.0, "mean event maps differ by {gap}");
    assert!(accuracy > 0.95, "camera accuracy {accuracy}");
    assert!(rate_accuracy > 0.95, "rate accuracy {rate_accuracy}");
}

#[test]
fn camera_noise_adds_events_away_from_the_digit() {
    let blank = Image {
        width: 26,
        height: 26,
        pixels: vec![0; 676],
    };
    assert!(
        camera_counts(&blank, 1).iter().all(|&c| c == 0),
        "a still black scene is silent"
    );
    let cam = EventCamera {
        noise_rate_hz: 5.0,
        ..EventCamera::default()
    };
    let train = emulate_events(
        &blank,
        &cam,
        80,
        Polarity::Merged,
        &mut ChaCha8Rng::seed_from_u64(2),
    );
    // Expected 676 pixels * 2 s * 5 Hz = 6760 noise events.
    let n = train.spike_count();
    assert!(n > 5000 && n < 8000, "noise spikes {n}");
}

#[test]
fn event_camera_survives_odd_settings() {
    let img = Image {
        width: 5,
        height: 3,
        pixels: vec![0, 50, 255, 0, 9, 1, 2, 3, 4, 5, 200, 0, 0, 0, 255],
    };
    let odd = [
        EventCamera {
            threshold: f64::NAN,
            log_eps: -1.0,
            max_shift_px: 1e12,
            ..EventCamera::default()
        },
        EventCamera {
            threshold_sigma: f64::INFINITY,
            noise_rate_hz: f64::NAN,
            bin_us: 0,
            frames_per_bin: 0,
            waypoints: 0,
            ..EventCamera::default()
        },
        EventCamera {
            max_shift_px: f64::NEG_INFINITY,
            duration_us: Some(0),
            ..EventCamera::default()
        },
    ];
    for (k, cam) in odd.iter().enumerate() {
        let mut rng = ChaCha8Rng::seed_from_u64(k as u64);
        let train = emulate_events(&img, cam, 20, Polarity::Split, &mut rng);
        assert_eq!((train.channels, train.len()), (30, 20));
        assert!(train.steps.iter().flatten().all(|&c| c < 30));
    }
    let empty = Image {
        width: 0,
        height: 0,
        pixels: vec![],
    };
    let train = emulate_events(
        &empty,
        &EventCamera::default(),
        4,
        Polarity::Merged,
        &mut ChaCha8Rng::seed_from_u64(0),
    );
    assert_eq!(train, SpikeTrain::silent(0, 4));
    // A pixel buffer shorter than width * height reads as black, no panic.
    let short = Image {
        width: 4,
        height: 4,
        pixels: vec![255; 3],
    };
    let train = emulate_events(
        &short,
        &EventCamera::default(),
        10,
        Polarity::Merged,
        &mut ChaCha8Rng::seed_from_u64(0),
    );
    assert_eq!(train.channels, 16);
    assert_eq!(
        rate_encode(
            &short,
            3,
            &RateTable::new(1.0, RateDraws::PerStep),
            &mut ChaCha8Rng::seed_from_u64(0)
        )
        .steps,
        vec![vec![0, 1, 2]; 3]
    );
}
