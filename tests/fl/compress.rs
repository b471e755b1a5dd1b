//! Upload compression (issue 4, SPEC section 3): round trips, error feedback, unbiased
//! quantisation, exact wire sizes, fixed-rate selection and both fixed-rate aggregations.

use flsnn::fl::compress::{
    analog_values, payload_bytes, select_slices, Aggregator, Broadcast, Codec, CompressError,
    Compression, Decoded, EncodedUpload, FixedRateAggregation, FullValues, ModelLayout,
    SharedModel, SparseUpdate,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

/// l = 2 learnable neurons, n = 3 neurons, k_ff = 4, k_fb = 1; synapses (0,0), (0,2), (1,1),
/// (1,2): 4 synapses, 4 * 4 + 2 + 2 = 20 sendable values out of 24 + 2 + 2 = 28.
fn small_layout() -> ModelLayout {
    ModelLayout {
        l: 2,
        n: 3,
        k_ff: 4,
        k_fb: 1,
        mask: vec![true, false, true, false, true, true],
    }
}

/// l = 2, n = 12, every synapse present, k_ff = 4, k_fb = 1: 96 + 2 + 2 = 100 sendable values.
fn hundred_layout() -> ModelLayout {
    ModelLayout {
        l: 2,
        n: 12,
        k_ff: 4,
        k_fb: 1,
        mask: vec![true; 24],
    }
}

fn codec(c: Compression, layout: ModelLayout) -> Codec {
    Codec::new(c, layout).expect("valid settings")
}

/// A flat model with distinct values exactly representable in f32, 0 at absent synapses.
fn model(layout: &ModelLayout, offset: f64) -> Vec<f64> {
    let mut m: Vec<f64> = (0..layout.len()).map(|i| offset + i as f64 / 8.0).collect();
    for (ij, _) in layout.mask.iter().enumerate().filter(|(_, &p)| !p) {
        m[ij * layout.k_ff..(ij + 1) * layout.k_ff].fill(0.0);
    }
    m
}

fn w_index(layout: &ModelLayout, i: usize, j: usize, k: usize) -> usize {
    (i * layout.n + j) * layout.k_ff + k
}

#[test]
fn full_model_round_trip_and_bytes() {
    let layout = small_layout();
    let c = codec(Compression::None, layout.clone());
    let m = model(&layout, 0.5);
    let mut state = c.state(&vec![0.0; layout.len()]).expect("length");
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let up = c.encode(&mut state, &m, &[], &mut rng).expect("encode");
    assert_eq!(c.decode(&up).expect("decode"), Decoded::Model(m.clone()));
    // 16 header + 20 values * 4 bytes.
    assert_eq!(payload_bytes(&up), 96);
    assert_eq!(c.full_payload_bytes(), 96);
    // A value that is not an f32 comes back as its f32 rounding.
    let mut m2 = m.clone();
    m2[0] = 0.1;
    let up = c.encode(&mut state, &m2, &[], &mut rng).expect("encode");
    let Decoded::Model(d) = c.decode(&up).expect("decode") else {
        panic!("full model expected");
    };
    assert_eq!(d[0], f64::from(0.1_f32));
}

#[test]
fn fixed_rate_picks_the_slices_with_the_largest_accumulated_gradient() {
    let layout = small_layout();
    let mut grad = vec![0.0; layout.w_len()];
    // Slice sums over present synapses: k0 = 1, k1 = 5, k2 = 5, k3 = 2. An absent synapse
    // (0, 1) carries a huge value in slice 0 that must be ignored.
    grad[w_index(&layout, 0, 0, 0)] = 1.0;
    grad[w_index(&layout, 0, 1, 0)] = 100.0;
    grad[w_index(&layout, 0, 2, 1)] = 2.0;
    grad[w_index(&layout, 1, 1, 1)] = 3.0;
    grad[w_index(&layout, 1, 2, 2)] = 5.0;
    grad[w_index(&layout, 1, 1, 3)] = 2.0;
    assert_eq!(select_slices(&layout, &grad, 1).expect("ok"), vec![1]); // tie 1/2: lower k
    assert_eq!(select_slices(&layout, &grad, 2).expect("ok"), vec![1, 2]);
    assert_eq!(select_slices(&layout, &grad, 3).expect("ok"), vec![1, 2, 3]);
    assert_eq!(
        select_slices(&layout, &grad, 9).expect("ok"),
        vec![0, 1, 2, 3]
    );

    // Through the codec: tau 8 at rate 0.25 sends K' = 2 slices.
    let c = codec(Compression::fixed_rate(8), layout.clone());
    let m = model(&layout, 1.0);
    let mut state = c.state(&m).expect("length");
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let up = c.encode(&mut state, &m, &grad, &mut rng).expect("encode");
    let EncodedUpload::Slices(set) = &up else {
        panic!("slices expected, got {up:?}");
    };
    assert_eq!(set.slices, vec![1, 2]);
    let expected_w: Vec<f32> = [1, 2]
        .iter()
        .flat_map(|&k| [(0, 0), (0, 2), (1, 1), (1, 2)].map(|(i, j)| w_index(&layout, i, j, k)))
        .map(|p| m[p] as f32)
        .collect();
    assert_eq!(set.w, expected_w);
    assert_eq!(set.v, vec![m[24] as f32, m[25] as f32]);
    assert_eq!(set.gamma, vec![m[26] as f32, m[27] as f32]);
    // Decoding gives exactly the sent slices, V and gamma; zeros elsewhere.
    let Decoded::Slices { slices, model: d } = c.decode(&up).expect("decode") else {
        panic!("slices expected");
    };
    assert_eq!(slices, vec![1, 2]);
    for (p, (&got, &want)) in d.iter().zip(&m).enumerate() {
        let sent = p >= layout.w_len() || [1, 2].contains(&(p % layout.k_ff));
        assert_eq!(got, if sent { want } else { 0.0 }, "position {p}");
    }
    // Bytes: 16 header + 4 index header + 1 (a list of 2 * 2 bits ties with the 4-bit bitmap,
    // which wins) + (2 slices * 4 synapses + 2 + 2) * 4.
    assert_eq!(payload_bytes(&up), 16 + 4 + 1 + 48);
}

#[test]
fn fixed_rate_bytes_for_the_paper_basis() {
    // k_ff = 8: K' = 2 slices as a list (2 * 3 = 6 bits < 8), K' = 4 as a bitmap (12 > 8 bits).
    let layout = ModelLayout {
        k_ff: 8,
        ..small_layout()
    };
    let grad = vec![1.0; layout.w_len()];
    let m = model(&layout, 0.0);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for (tau, bytes) in [
        (8, 16 + 4 + 1 + 4 * (2 * 4 + 4)),
        (16, 16 + 4 + 1 + 4 * (4 * 4 + 4)),
    ] {
        let c = codec(Compression::fixed_rate(tau), layout.clone());
        let mut state = c.state(&m).expect("length");
        let up = c.encode(&mut state, &m, &grad, &mut rng).expect("encode");
        assert_eq!(payload_bytes(&up), bytes, "tau {tau}");
    }
}

/// Two devices with different chosen slices: device 0 sends {0, 1}, device 1 sends {1, 2};
/// nobody sends slice 3. Returns (codec, models, uploads).
fn two_fixed_rate_devices(
    aggregation: FixedRateAggregation,
) -> (Codec, Vec<Vec<f64>>, Vec<EncodedUpload>) {
    let layout = small_layout();
    let c = codec(
        Compression::FixedRate {
            rate: 0.25,
            tau: 8,
            aggregation,
        },
        layout.clone(),
    );
    let models = vec![model(&layout, 1.0), model(&layout, 3.0)];
    let mut grads = [vec![0.0; layout.w_len()], vec![0.0; layout.w_len()]];
    for (d, ks) in [(0, [0, 1]), (1, [1, 2])] {
        for k in ks {
            grads[d][w_index(&layout, 0, 0, k)] = 1.0;
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let uploads = (0..2)
        .map(|d| {
            let mut state = c.state(&models[d]).expect("length");
            c.encode(&mut state, &models[d], &grads[d], &mut rng)
                .expect("encode")
        })
        .collect();
    (c, models, uploads)
}

#[test]
fn fixed_rate_original_zeroes_unsent_slices() {
    let (c, models, uploads) = two_fixed_rate_devices(FixedRateAggregation::Original);
    let layout = c.layout().clone();
    let mut agg = Aggregator::default();
    // Weights 1 and 3: a slice sent by one device takes its values as they are.
    agg.add(&c, 1, 3, &uploads[1]).expect("add");
    agg.add(&c, 0, 1, &uploads[0]).expect("add");
    let mut global = vec![7.0; layout.len()];
    let broadcast = agg
        .finish(&c, &mut global)
        .expect("finish")
        .expect("uploads");
    assert!(matches!(broadcast, Broadcast::Full { .. }));
    for p in 0..layout.w_len() {
        let want = if !layout.mask[p / layout.k_ff] {
            0.0
        } else {
            match p % layout.k_ff {
                0 => models[0][p],
                1 => 0.25 * models[0][p] + 0.75 * models[1][p],
                2 => models[1][p],
                _ => 0.0,
            }
        };
        assert_eq!(global[p], want, "W position {p}");
    }
    for p in layout.w_len()..layout.len() {
        assert_eq!(global[p], 0.25 * models[0][p] + 0.75 * models[1][p]);
    }
    // Every device overwrites its whole model, so slice 3 becomes zero everywhere.
    let mut local = models[0].clone();
    let mut state = c.state(&local).expect("length");
    c.adopt(&mut state, &broadcast, &mut local).expect("adopt");
    assert_eq!(local, global);
    assert!(
        state.reference().is_empty(),
        "fixed-rate sends model values: no reference kept"
    );
}

#[test]
fn fixed_rate_keep_local_keeps_unsent_slices() {
    let (c, models, uploads) = two_fixed_rate_devices(FixedRateAggregation::KeepLocal);
    let layout = c.layout().clone();
    let mut agg = Aggregator::default();
    agg.add(&c, 0, 1, &uploads[0]).expect("add");
    agg.add(&c, 1, 1, &uploads[1]).expect("add");
    let mut global = vec![7.0; layout.len()];
    let broadcast = agg
        .finish(&c, &mut global)
        .expect("finish")
        .expect("uploads");
    let Broadcast::Slices(set) = &broadcast else {
        panic!("slices expected, got {broadcast:?}");
    };
    assert_eq!(set.slices, vec![0, 1, 2]);
    // 16 + 4 + 1 (bitmap of 4 bits; a list would take 3 * 2 = 6) + (3 * 4 + 4) * 4.
    assert_eq!(
        flsnn::fl::compress::broadcast_bytes(&broadcast),
        16 + 4 + 1 + 64
    );
    for d in 0..2 {
        let mut local = models[d].clone();
        let mut state = c.state(&local).expect("length");
        c.adopt(&mut state, &broadcast, &mut local).expect("adopt");
        for p in 0..layout.len() {
            let want = if p >= layout.w_len() {
                0.5 * (models[0][p] + models[1][p])
            } else {
                match p % layout.k_ff {
                    _ if !layout.mask[p / layout.k_ff] => 0.0,
                    0 => models[0][p],
                    1 => 0.5 * (models[0][p] + models[1][p]),
                    2 => models[1][p],
                    _ => models[d][p],
                }
            };
            assert_eq!(local[p], want, "device {d} position {p}");
        }
    }
    // The BS keeps its own values in slice 3.
    assert_eq!(global[w_index(&layout, 0, 0, 3)], 7.0);
}

/// Several rounds of one device with error feedback against a BS: what was sent plus the final
/// residual equals the sum of the true updates; each round is exact.
fn error_feedback_conserves(compression: Compression) {
    let layout = hundred_layout();
    let c = codec(compression.clone(), layout.clone());
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut global = vec![0.0; layout.len()];
    let mut local = global.clone();
    let mut state = c.state(&global).expect("length");
    let mut true_total = vec![0.0; layout.len()];
    let mut sent_total = vec![0.0; layout.len()];
    for round in 0..20 {
        let update: Vec<f64> = (0..layout.len())
            .map(|_| rng.random_range(-1.0..1.0) * 0.1)
            .collect();
        local.iter_mut().zip(&update).for_each(|(x, u)| *x += u);
        true_total
            .iter_mut()
            .zip(&update)
            .for_each(|(t, u)| *t += u);
        let before: Vec<f64> = state.residual().to_vec();
        // The update as the device measures it: local model minus the adopted global model.
        let measured: Vec<f64> = local
            .iter()
            .zip(state.reference())
            .map(|(l, r)| l - r)
            .collect();
        let up = c.encode(&mut state, &local, &[], &mut rng).expect("encode");
        let EncodedUpload::Sparse(sparse) = &up else {
            panic!("sparse expected");
        };
        let (indices, values) = (&sparse.indices, &sparse.values);
        assert_eq!(indices.len(), 10);
        let Decoded::Update(sent) = c.decode(&up).expect("decode") else {
            panic!("update expected");
        };
        // Decoding gives exactly the selected values, zero elsewhere.
        let nonzero = sent.iter().filter(|&&x| x != 0.0).count();
        assert!(nonzero <= 10);
        for (&i, &v) in indices.iter().zip(values) {
            assert_eq!(sent[i as usize], f64::from(v));
        }
        for p in 0..layout.len() {
            assert_eq!(
                sent[p] + state.residual()[p],
                before[p] + measured[p],
                "round {round} position {p}"
            );
        }
        if matches!(compression, Compression::TopK { .. }) {
            let smallest_sent = indices
                .iter()
                .map(|&i| (before[i as usize] + measured[i as usize]).abs())
                .fold(f64::INFINITY, f64::min);
            let largest_kept = (0..layout.len())
                .filter(|p| !indices.contains(&(*p as u32)))
                .map(|p| state.residual()[p].abs())
                .fold(0.0, f64::max);
            assert!(
                smallest_sent >= largest_kept,
                "round {round}: not the top k"
            );
        }
        sent_total.iter_mut().zip(&sent).for_each(|(t, s)| *t += s);
        let mut agg = Aggregator::default();
        agg.add(&c, 0, 1, &up).expect("add");
        let broadcast = agg
            .finish(&c, &mut global)
            .expect("finish")
            .expect("one upload");
        c.adopt(&mut state, &broadcast, &mut local).expect("adopt");
    }
    for p in 0..layout.len() {
        let err = (sent_total[p] + state.residual()[p] - true_total[p]).abs();
        assert!(err <= 1e-12, "position {p}: error {err}");
    }
}

#[test]
fn top_k_error_feedback_conserves_the_update() {
    error_feedback_conserves(Compression::TopK {
        fraction: 0.1,
        error_feedback: true,
    });
}

#[test]
fn random_k_error_feedback_conserves_the_update() {
    error_feedback_conserves(Compression::RandomK {
        fraction: 0.1,
        error_feedback: true,
    });
}

#[test]
fn sparse_bytes_list_or_bitmap() {
    let layout = hundred_layout();
    let m = model(&layout, 0.0);
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    // 5 of 100: list 5 * 7 = 35 bits (5 bytes); 20 of 100: bitmap 100 bits (13 bytes).
    for (fraction, bytes) in [(0.05, 16 + 4 + 5 + 20), (0.2, 16 + 4 + 13 + 80)] {
        for c in [
            Compression::TopK {
                fraction,
                error_feedback: false,
            },
            Compression::RandomK {
                fraction,
                error_feedback: true,
            },
        ] {
            let c = codec(c, layout.clone());
            let mut state = c.state(&vec![0.0; layout.len()]).expect("length");
            let up = c.encode(&mut state, &m, &[], &mut rng).expect("encode");
            assert_eq!(payload_bytes(&up), bytes, "{:?}", c.compression());
        }
    }
}

#[test]
fn sparse_updates_are_averaged_with_unsent_entries_as_zero() {
    let layout = hundred_layout();
    let c = codec(
        Compression::TopK {
            fraction: 0.01,
            error_feedback: false,
        },
        layout.clone(),
    );
    let global0 = vec![1.0; layout.len()];
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut uploads = Vec::new();
    for (d, (pos, delta)) in [(3, 0.5), (40, -2.0)].into_iter().enumerate() {
        let mut local = global0.clone();
        local[pos] += delta;
        let mut state = c.state(&global0).expect("length");
        uploads.push((
            d as u32,
            c.encode(&mut state, &local, &[], &mut rng).expect("encode"),
        ));
    }
    let mut global = global0.clone();
    let mut agg = Aggregator::default();
    for (d, up) in &uploads {
        agg.add(&c, *d, 1, up).expect("add");
    }
    agg.finish(&c, &mut global)
        .expect("finish")
        .expect("uploads");
    for (p, &g) in global.iter().enumerate() {
        let want = match p {
            3 => 1.25,
            40 => 0.0,
            _ => 1.0,
        };
        assert_eq!(g, want, "position {p}");
    }
}

#[test]
fn quantisation_is_unbiased() {
    let layout = hundred_layout();
    let n = layout.len();
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let x: Vec<f64> = (0..n).map(|_| rng.random_range(-0.3..0.7)).collect();
    let trials = 4000;
    for bits in [1u8, 2, 4] {
        let c = codec(Compression::Quantize { bits }, layout.clone());
        let mut mean = vec![0.0; n];
        let mut step = 0.0;
        for _ in 0..trials {
            let mut state = c.state(&vec![0.0; n]).expect("length");
            let up = c.encode(&mut state, &x, &[], &mut rng).expect("encode");
            let EncodedUpload::Quantized { lo, hi, .. } = up else {
                panic!("quantized expected");
            };
            step = (f64::from(hi) - f64::from(lo)) / f64::from((1u32 << bits) - 1);
            let Decoded::Update(d) = c.decode(&up).expect("decode") else {
                panic!("update expected");
            };
            for p in 0..n {
                // Each value goes to one of its two neighbouring levels.
                assert!((d[p] - x[p]).abs() <= step * (1.0 + 1e-12), "bits {bits}");
                mean[p] += d[p] / trials as f64;
            }
        }
        // Var of one draw = p (1 - p) step^2 <= step^2 / 4, so the mean of `trials` draws has
        // a standard deviation of at most step / (2 sqrt(trials)). Allow 5 of them per value,
        // and 4 for the standardised sum over the values.
        let sd = step / (2.0 * (trials as f64).sqrt());
        let mut z_sum = 0.0;
        for p in 0..n {
            assert!(
                (mean[p] - x[p]).abs() <= 5.0 * sd,
                "bits {bits} position {p}"
            );
            z_sum += (mean[p] - x[p]) / sd;
        }
        assert!(
            (z_sum / (n as f64).sqrt()).abs() <= 4.0,
            "bits {bits}: bias {z_sum}"
        );
    }
}

#[test]
fn quantised_and_half_bytes() {
    let layout = hundred_layout();
    let m = model(&layout, 0.0);
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    // 100 values: 16 + 8 + ceil(100 b / 8) bytes; fp16 16 + 200.
    let cases = [
        (Compression::Quantize { bits: 4 }, 16 + 8 + 50),
        (Compression::Quantize { bits: 3 }, 16 + 8 + 38),
        (Compression::Quantize { bits: 1 }, 16 + 8 + 13),
        (Compression::Quantize { bits: 16 }, 16 + 8 + 200),
        (Compression::Fp16, 16 + 200),
        (Compression::None, 16 + 400),
    ];
    for (comp, bytes) in cases {
        let c = codec(comp, layout.clone());
        let mut state = c.state(&vec![0.0; layout.len()]).expect("length");
        let up = c.encode(&mut state, &m, &[], &mut rng).expect("encode");
        assert_eq!(payload_bytes(&up), bytes, "{:?}", c.compression());
    }
}

#[test]
fn half_precision_round_trip() {
    let layout = hundred_layout();
    let n = layout.len();
    let c = codec(Compression::Fp16, layout);
    let mut rng = ChaCha8Rng::seed_from_u64(10);
    let reference: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
    let local: Vec<f64> = reference
        .iter()
        .map(|r| r + rng.random_range(-0.05..0.05))
        .collect();
    let mut state = c.state(&reference).expect("length");
    let up = c.encode(&mut state, &local, &[], &mut rng).expect("encode");
    let Decoded::Update(d) = c.decode(&up).expect("decode") else {
        panic!("update expected");
    };
    for p in 0..n {
        let u = local[p] - reference[p];
        // Half a unit in the last place: 2^-11 relative for normal values, 2^-25 absolute
        // in the subnormal range.
        let tol = (u.abs() * 2f64.powi(-11)).max(2f64.powi(-25));
        assert!((d[p] - u).abs() <= tol, "position {p}: {} vs {u}", d[p]);
    }
    assert_eq!(state.reference(), &local[..]);
}

#[test]
fn malformed_uploads_are_errors() {
    let layout = hundred_layout();
    let c = codec(
        Compression::TopK {
            fraction: 0.02,
            error_feedback: false,
        },
        layout.clone(),
    );
    let sparse = |indices: Vec<u32>| {
        EncodedUpload::Sparse(Box::new(SparseUpdate {
            candidates: 100,
            indices,
            values: vec![1.0, 2.0],
        }))
    };
    assert!(c.decode(&sparse(vec![3, 99])).is_ok());
    for bad in [vec![3, 100], vec![5, 5], vec![7, 3]] {
        assert!(matches!(
            c.decode(&sparse(bad)),
            Err(CompressError::Malformed { .. })
        ));
    }
    assert!(c.decode(&sparse(vec![1])).is_err());
    let wrong = EncodedUpload::Half { values: vec![] };
    assert!(matches!(
        c.decode(&wrong),
        Err(CompressError::WrongKind { .. })
    ));

    let q = codec(Compression::Quantize { bits: 2 }, layout.clone());
    let quantized = |levels: Vec<u16>, bits| EncodedUpload::Quantized {
        bits,
        lo: 0.0,
        hi: 1.0,
        levels,
    };
    assert!(q.decode(&quantized(vec![3; 100], 2)).is_ok());
    assert!(q.decode(&quantized(vec![4; 100], 2)).is_err());
    assert!(q.decode(&quantized(vec![1; 100], 3)).is_err());
    assert!(q.decode(&quantized(vec![1; 99], 2)).is_err());

    let mut state = c.state(&vec![0.0; layout.len()]).expect("length");
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut nan_model = vec![0.0; layout.len()];
    nan_model[5] = f64::NAN;
    assert!(c.encode(&mut state, &nan_model, &[], &mut rng).is_err());
    assert!(c.encode(&mut state, &[0.0; 3], &[], &mut rng).is_err());
    assert!(c.state(&[0.0]).is_err());
    let mut agg = Aggregator::default();
    let ok = sparse(vec![3, 99]);
    assert!(agg.add(&c, 0, 1 << 32, &ok).is_err());
    agg.add(&c, 0, 1, &ok).expect("add");
    assert_eq!(
        agg.add(&c, 0, 1, &ok),
        Err(CompressError::DuplicateDevice { device: 0 })
    );
}

#[test]
fn aggregation_does_not_depend_on_arrival_order() {
    let layout = hundred_layout();
    let c = codec(Compression::Quantize { bits: 3 }, layout.clone());
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let uploads: Vec<EncodedUpload> = (0..5)
        .map(|_| {
            let m: Vec<f64> = (0..layout.len())
                .map(|_| rng.random_range(-1.0..1.0))
                .collect();
            let mut state = c.state(&vec![0.0; layout.len()]).expect("length");
            c.encode(&mut state, &m, &[], &mut rng).expect("encode")
        })
        .collect();
    let run = |order: &[usize]| {
        let mut agg = Aggregator::default();
        for &d in order {
            agg.add(&c, d as u32, 1 + d as u64, &uploads[d])
                .expect("add");
        }
        let mut global = vec![0.1; layout.len()];
        let b = agg.finish(&c, &mut global).expect("finish");
        (b, global)
    };
    let (b1, g1) = run(&[0, 1, 2, 3, 4]);
    let (b2, g2) = run(&[4, 2, 0, 3, 1]);
    assert_eq!(b1, b2);
    assert_eq!(
        g1.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        g2.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
    let mut empty = vec![0.1; layout.len()];
    assert_eq!(Aggregator::default().finish(&c, &mut empty), Ok(None));
    assert_eq!(empty, vec![0.1; layout.len()]);
}

/// Systems-only runs send stand-ins of `Codec::upload_bytes`: it must be the size of every real
/// upload, for every setting, and a round of stand-ins must aggregate to a stand-in broadcast of
/// the size a real round gives.
#[test]
fn size_only_uploads_have_the_size_of_real_ones() {
    let settings = [
        Compression::None,
        Compression::fixed_rate(8),
        Compression::FixedRate {
            rate: 0.5,
            tau: 3,
            aggregation: FixedRateAggregation::Original,
        },
        Compression::TopK {
            fraction: 0.03,
            error_feedback: true,
        },
        Compression::RandomK {
            fraction: 0.4,
            error_feedback: false,
        },
        Compression::Quantize { bits: 3 },
        Compression::Fp16,
    ];
    for layout in [small_layout(), hundred_layout()] {
        for setting in &settings {
            let c = codec(setting.clone(), layout.clone());
            let mut rng = ChaCha8Rng::seed_from_u64(21);
            let mut state = c.state(&vec![0.0; layout.len()]).expect("length");
            let grad: Vec<f64> = (0..layout.w_len()).map(|_| rng.random()).collect();
            let ups: Vec<EncodedUpload> = (0..3)
                .map(|device| {
                    c.encode(&mut state, &model(&layout, device as f64), &grad, &mut rng)
                        .expect("encode")
                })
                .collect();
            let stand_ins = vec![
                EncodedUpload::SizeOnly {
                    bytes: c.upload_bytes()
                };
                3
            ];
            let mut real = Aggregator::default();
            let mut stand_in = Aggregator::default();
            for (device, (up, stand)) in (0..).zip(ups.iter().zip(&stand_ins)) {
                assert_eq!(payload_bytes(up), c.upload_bytes(), "{setting:?}");
                real.add(&c, device, 1, up).expect("add");
                stand_in.add(&c, device, 1, stand).expect("add");
            }
            let mut global = vec![0.0; layout.len()];
            let before = global.clone();
            let broadcast = real
                .finish(&c, &mut global)
                .expect("finish")
                .expect("a model");
            let mut untouched = before.clone();
            let sized = stand_in.finish(&c, &mut untouched).expect("finish");
            assert_eq!(untouched, before, "{setting:?}: stand-ins change nothing");
            let Some(Broadcast::SizeOnly { bytes }) = sized else {
                panic!("{setting:?}: stand-ins give a stand-in broadcast, got {sized:?}");
            };
            // Same slices everywhere (one gradient): the keep-local union is K' slices.
            assert_eq!(
                flsnn::fl::compress::broadcast_bytes(&broadcast),
                bytes,
                "{setting:?}"
            );
            assert_ne!(
                global, before,
                "{setting:?}: the real round changed the model"
            );
        }
    }
}

/// The base station's sums are exact: uploads that cancel in f64 arithmetic (1e30 + 1 - 1e30 = 0
/// in f64) still give the correctly rounded weighted mean, in any arrival order, and a round's
/// state saved and restored mid-way (a checkpoint) ends the same.
#[test]
fn aggregation_is_exact_and_survives_a_checkpoint() {
    let layout = hundred_layout();
    let c = codec(Compression::None, layout.clone());
    let upload = |x: f32| EncodedUpload::Full {
        values: vec![x; layout.candidate_count()].into(),
    };
    let uploads = [(0, 1e30f32), (1, 1.0), (2, -1e30)];
    let mut results = Vec::new();
    for order in [[0, 1, 2], [2, 0, 1], [1, 2, 0]] {
        let mut agg = Aggregator::default();
        for (i, &d) in order.iter().enumerate() {
            let (device, x) = uploads[d];
            agg.add(&c, device, 1, &upload(x)).expect("add");
            if i == 1 {
                // Saved and restored between two uploads, as a checkpoint does.
                let json = serde_json::to_string(&agg).expect("serialise");
                agg = serde_json::from_str(&json).expect("deserialise");
            }
        }
        let mut global = vec![0.0; layout.len()];
        agg.finish(&c, &mut global)
            .expect("finish")
            .expect("uploads");
        results.push(global);
    }
    let third = f64::from((1.0f64 / 3.0) as f32);
    for global in &results {
        assert!(global.iter().all(|&g| g == third), "{:?}", &global[..3]);
    }
    // What f64 arithmetic in arrival order gives instead: 0.
    let naive: f64 = uploads.iter().map(|&(_, x)| f64::from(x) / 3.0).sum();
    assert_eq!(naive, 0.0);
}

/// Spare capacity \[elements\] of the vectors an upload holds.
fn spare(upload: &EncodedUpload) -> usize {
    fn s<T>(v: &Vec<T>) -> usize {
        v.capacity() - v.len()
    }
    match upload {
        EncodedUpload::Full {
            values: FullValues::Own(values),
        } => s(values),
        EncodedUpload::Full { .. } => 0,
        EncodedUpload::Slices(set) => s(&set.slices) + s(&set.w) + s(&set.v) + s(&set.gamma),
        EncodedUpload::Sparse(sparse) => s(&sparse.indices) + s(&sparse.values),
        EncodedUpload::Quantized { levels, .. } => s(levels),
        EncodedUpload::Half { values } => s(values),
        EncodedUpload::SizeOnly { .. } => 0,
    }
}

/// An upload is held in flight as it is sent: every vector it carries is exactly as long as
/// what it sends (100 values collected by doubling would take room for 128).
#[test]
fn an_upload_holds_no_spare_capacity() {
    let layout = hundred_layout();
    let settings = [
        Compression::None,
        Compression::fixed_rate(2),
        Compression::TopK {
            fraction: 0.3,
            error_feedback: true,
        },
        Compression::RandomK {
            fraction: 0.3,
            error_feedback: false,
        },
        Compression::Quantize { bits: 4 },
        Compression::Fp16,
    ];
    for compression in settings {
        let c = codec(compression.clone(), layout.clone());
        let mut state = c.state(&model(&layout, 0.0)).expect("length");
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let grad: Vec<f64> = (0..layout.w_len()).map(|i| (i % 7) as f64).collect();
        let up = c
            .encode(&mut state, &model(&layout, 0.25), &grad, &mut rng)
            .expect("encode");
        assert!(payload_bytes(&up) > 16, "{compression:?}: values sent");
        assert_eq!(spare(&up), 0, "{compression:?}: {up:?}");
    }
}

/// A device's flat model, read in place by a full upload that shares it.
#[derive(Debug)]
struct Flat(Vec<f64>);

impl SharedModel for Flat {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn get(&self, p: usize) -> Option<f64> {
        self.0.get(p).copied()
    }

    fn gather_f32(&self, positions: &[usize]) -> Vec<f32> {
        let value = |p| self.get(p).unwrap_or(f64::NAN) as f32;
        positions.iter().map(|&p| value(p)).collect()
    }

    fn fits_f32(&self) -> bool {
        self.0.iter().all(|&x| (x as f32).is_finite())
    }
}

/// A full upload that reads a shared model is the upload that holds its values: the same
/// values (rounded to f32), bytes, decoding, aggregate, corruption and saved form (read back as
/// values of its own, as a checkpoint reads it); it refuses what `encode` refuses.
#[test]
fn a_shared_full_upload_is_the_upload_that_holds_its_values() {
    let layout = hundred_layout();
    let c = codec(Compression::None, layout.clone());
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    // Values that f32 rounds.
    let m: Vec<f64> = (0..layout.len()).map(|i| 0.1 + i as f64 / 3.0).collect();
    let mut state = c.state(&m).expect("length");
    let held = c.encode(&mut state, &m, &[], &mut rng).expect("encode");
    let shared = c.encode_shared(Arc::new(Flat(m.clone()))).expect("encode");
    let EncodedUpload::Full { values } = &shared else {
        panic!("a full upload");
    };
    assert!(values.is_shared());
    assert_eq!(values.len(), layout.candidate_count());
    assert_eq!(shared, held);
    assert_eq!(payload_bytes(&shared), payload_bytes(&held));
    assert_eq!(analog_values(&shared), analog_values(&held));
    assert_eq!(c.decode(&shared), c.decode(&held));
    assert_eq!(shared.negated(), held.negated());
    let sums = |upload: &EncodedUpload| {
        let mut agg = Aggregator::default();
        agg.add(&c, 0, 3, upload).expect("add");
        agg.measure(&c, 3, upload);
        let mut global = vec![0.0; layout.len()];
        agg.finish(&c, &mut global).expect("finish");
        global
    };
    assert_eq!(sums(&shared), sums(&held));
    let saved = serde_json::to_string(&shared).expect("serialise");
    assert_eq!(saved, serde_json::to_string(&held).expect("serialise"));
    let back: EncodedUpload = serde_json::from_str(&saved).expect("deserialise");
    assert!(matches!(&back, EncodedUpload::Full { values } if !values.is_shared()));
    assert_eq!(back, held);

    // What encode refuses: a value f32 cannot hold, a model of the wrong length, a compression
    // that transforms the values.
    let mut big = m.clone();
    big[c.candidates()[5]] = 1e300;
    let refused = c.encode(&mut state, &big, &[], &mut rng).err();
    assert!(matches!(
        refused,
        Some(CompressError::NotFinite { index: 5, .. })
    ));
    assert_eq!(c.encode_shared(Arc::new(Flat(big))).err(), refused);
    let short = Arc::new(Flat(m[1..].to_vec()));
    assert!(matches!(
        c.encode_shared(short).err(),
        Some(CompressError::Length { .. })
    ));
    let fp16 = codec(Compression::Fp16, layout);
    assert!(fp16.encode_shared(Arc::new(Flat(m))).is_err());
}
