//! Loading the bundled MNIST subset and encoding 1,000 of its digits into 80-step spike trains,
//! by rate coding (gain 0.15) and by the emulated event camera: what a run pays before its
//! first step. And rate coding step by step, as a device draws it while it trains (ChaCha12,
//! one reused buffer), per step and per spike. Measured here, not asserted in a test.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use flsnn::data::{bundled_mnist, crop_center, encode_images, rate_plan, rate_start, rate_step};
use flsnn::data::{Encoding, EventCamera, ImageSet, Polarity, RateCursor, RateDraws, RateTable};
use rand::SeedableRng;
use rand_chacha::{ChaCha12Rng, ChaCha8Rng};

fn mnist() -> ImageSet {
    bundled_mnist().expect("bundled MNIST loads")
}

fn encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("data");
    group.sample_size(10);
    group.bench_function("load bundled MNIST (10,000 digits)", |b| b.iter(mnist));
    let set = mnist();
    let subset = ImageSet {
        images: set.images[..1000].to_vec(),
        labels: set.labels[..1000].to_vec(),
    };
    let classes: Vec<u8> = (0..10).collect();
    group.throughput(Throughput::Elements(1000));
    for (name, encoding) in [
        ("rate-encode 1,000 digits", Encoding::rate(0.15)),
        (
            "camera-encode 1,000 digits",
            Encoding::Events {
                camera: EventCamera::default(),
                polarity: Polarity::Merged,
            },
        ),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut rng = ChaCha8Rng::seed_from_u64(1);
                encode_images(&subset, &classes, Some(26), 80, &encoding, &mut rng)
            })
        });
    }
    // Step by step: 1,000 digits x 80 steps, the spikes counted.
    group.throughput(Throughput::Elements(1000 * 80));
    for (name, draws) in [
        (
            "rate-step 1,000 digits x 80 steps, per step",
            RateDraws::PerStep,
        ),
        (
            "rate-step 1,000 digits x 80 steps, per spike",
            RateDraws::PerSpike,
        ),
    ] {
        let table = RateTable::new(0.15, draws);
        let plans: Vec<_> = subset
            .images
            .iter()
            .map(|img| rate_plan(&crop_center(img, 26), &table))
            .collect();
        let mut rng = ChaCha12Rng::seed_from_u64(1);
        let (mut next, mut out) = (RateCursor::default(), Vec::new());
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut spikes = 0;
                for plan in &plans {
                    rate_start(plan, &table, &mut rng, &mut next);
                    for step in 0..80 {
                        rate_step(plan, &table, &mut rng, step, &mut next, &mut out);
                        spikes += out.len();
                    }
                }
                spikes
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // Criterion's plots need system fonts this machine lacks; the figures are in its text output.
    config = Criterion::default().without_plots();
    targets = encode
}
criterion_main!(benches);
