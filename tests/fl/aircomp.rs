//! Over-the-air aggregation at the base station: the received aggregate's error has the variance
//! of the noise model, `(A / W)^2 / SNR` on each entry with `A = max_k w_k rms(x_k)`, and
//! without noise it is digital FedAvg.

use flsnn::fl::compress::{Aggregator, Codec, Compression, EncodedUpload, ModelLayout};
use flsnn::fl::AirReceiver;
use flsnn::net::OverTheAir;
use rand::SeedableRng;
use rand_chacha::ChaCha12Rng;
use rand_distr::{Distribution, Normal};

fn codec() -> Codec {
    // 10 x 1000 x 5 + 10 + 10 = 50,020 values.
    let layout = ModelLayout {
        l: 10,
        n: 1000,
        k_ff: 5,
        k_fb: 1,
        mask: vec![true; 10_000],
    };
    Codec::new(Compression::None, layout).expect("valid layout")
}

/// Five devices' models, each around its own offset with its own spread, and their weights.
fn uploads(len: usize) -> Vec<(u32, f64, Vec<f32>)> {
    let mut rng = ChaCha12Rng::seed_from_u64(3);
    [
        (10.0, 0.2, 0.5),
        (20.0, -0.1, 1.0),
        (30.0, 0.0, 0.3),
        (5.0, 1.0, 2.0),
        (35.0, 0.3, 0.1),
    ]
    .iter()
    .enumerate()
    .map(|(d, &(w, offset, spread))| {
        let n = Normal::new(offset, spread).expect("valid");
        let values = (0..len).map(|_| n.sample(&mut rng) as f32).collect();
        (d as u32, w, values)
    })
    .collect()
}

/// The aggregate of `uploads` received over `air` (noise drawn with `seed`).
fn received(codec: &Codec, uploads: &[(u32, f64, Vec<f32>)], air: Option<OverTheAir>) -> Vec<f64> {
    let mut global = vec![0.0; codec.layout().len()];
    let encoded: Vec<EncodedUpload> = uploads
        .iter()
        .map(|(_, _, values)| EncodedUpload::Full {
            values: values.clone().into(),
        })
        .collect();
    let mut aggregator = Aggregator::default();
    for ((d, w, _), upload) in uploads.iter().zip(&encoded) {
        aggregator.add(codec, *d, *w as u64, upload).expect("adds");
        if air.is_some() {
            aggregator.measure(codec, *w as u64, upload);
        }
    }
    match air {
        None => aggregator.finish(codec, &mut global),
        Some(air) => {
            let mut rx = AirReceiver::new(air, ChaCha12Rng::seed_from_u64(9));
            aggregator.finish_with(codec, &mut global, |mean, a| rx.perturb(mean, a))
        }
    }
    .expect("aggregates");
    global
}

#[test]
fn the_error_variance_matches_the_noise_model_at_two_snrs() {
    let codec = codec();
    let len = codec.layout().len();
    let ups = uploads(len);
    let exact = received(&codec, &ups, None);
    // A = max_k w_k rms(x_k), W = sum_k w_k.
    let total: f64 = ups.iter().map(|u| u.1).sum();
    let amplitude = ups
        .iter()
        .map(|(_, w, x)| {
            let power = x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / len as f64;
            w * power.sqrt()
        })
        .fold(0.0, f64::max);
    let mut variances = Vec::new();
    for snr_db in [5.0, 15.0] {
        let air = OverTheAir {
            threshold_db: snr_db,
            noise: true,
        };
        let noisy = received(&codec, &ups, Some(air));
        let errors: Vec<f64> = noisy.iter().zip(&exact).map(|(a, b)| a - b).collect();
        let n = errors.len() as f64;
        let mean = errors.iter().sum::<f64>() / n;
        let var = errors.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let model = (amplitude / total).powi(2) / 10f64.powf(snr_db / 10.0);
        // The sample variance of n Gaussian draws has standard error var sqrt(2 / n).
        let se = model * (2.0 / n).sqrt();
        assert!(
            (var - model).abs() < 5.0 * se,
            "SNR {snr_db} dB: variance {var} against the model's {model} (se {se})"
        );
        assert!(mean.abs() < 5.0 * (model / n).sqrt(), "unbiased: {mean}");
        variances.push(var);
    }
    // 10 dB more SNR, a tenth of the error variance.
    let ratio = variances[0] / variances[1];
    assert!((ratio - 10.0).abs() < 0.5, "ratio {ratio}");
}

#[test]
fn without_noise_the_aggregate_is_digital_fedavg() {
    let codec = codec();
    let ups = uploads(codec.layout().len());
    let ideal = OverTheAir {
        threshold_db: -100.0,
        noise: false,
    };
    let digital = received(&codec, &ups, None);
    assert_eq!(received(&codec, &ups, Some(ideal)), digital);
    // And FedAvg it is: the weighted mean of the uploads, to f32 rounding.
    let total: f64 = ups.iter().map(|u| u.1).sum();
    for i in [0, 17, 40_000, 50_019] {
        let mean: f64 = ups.iter().map(|(_, w, x)| w * f64::from(x[i])).sum::<f64>() / total;
        assert!(
            (digital[i] - mean).abs() < 1e-6 * (1.0 + mean.abs()),
            "entry {i}"
        );
    }
}
