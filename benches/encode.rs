//! Loading the bundled MNIST subset and encoding 1,000 of its digits into 80-step spike trains,
//! by rate coding (gain 0.15) and by the emulated event camera: what a run pays before its
//! first step. Measured here, not asserted in a test.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use flsnn::data::{bundled_mnist, encode_images, Encoding, EventCamera, ImageSet, Polarity};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

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
    group.finish();
}

criterion_group! {
    name = benches;
    // Criterion's plots need system fonts this machine lacks; the figures are in its text output.
    config = Criterion::default().without_plots();
    targets = encode
}
criterion_main!(benches);
