//! Statistical checks of the random channel components against their closed forms: loss rates
//! and burst lengths, latency means and minima, availability fractions. Fixed seeds; tolerances
//! are several standard errors computed from the model, not fitted to the output.

use flsnn::net::{Availability, AvailabilityTrace, Latency, LossModel, LossState};
use flsnn::time::{SimDuration, SimTime};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const PACKETS: u64 = 1_000_000;

/// Empirical loss rate and mean length of runs of consecutive losses.
fn loss_statistics(model: LossModel, seed: u64) -> (f64, f64, u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut state = LossState::new(model, &mut rng).expect("valid model");
    let (mut lost, mut bursts, mut previous) = (0u64, 0u64, false);
    for _ in 0..PACKETS {
        let now = state.packet_lost(&mut rng);
        if now {
            lost += 1;
            if !previous {
                bursts += 1;
            }
        }
        previous = now;
    }
    (
        lost as f64 / PACKETS as f64,
        lost as f64 / bursts.max(1) as f64,
        bursts,
    )
}

/// Assert `|observed - expected| <= 5 * standard_error`.
fn assert_within(what: &str, observed: f64, expected: f64, standard_error: f64) {
    assert!(
        (observed - expected).abs() <= 5.0 * standard_error,
        "{what}: observed {observed}, expected {expected} +- 5 * {standard_error}"
    );
}

#[test]
fn gilbert_elliott_matches_mean_loss_and_mean_burst() {
    for (seed, (loss, burst)) in [(0.1, 2.0), (0.05, 5.0), (0.3, 3.0), (0.01, 1.5), (0.5, 1.0)]
        .into_iter()
        .enumerate()
    {
        let model = LossModel::GilbertElliott {
            mean_loss: loss,
            mean_burst: burst,
        };
        let (p, r) = model.transition_probabilities().expect("valid");
        let (rate, mean_burst, bursts) = loss_statistics(model, seed as u64);
        // Two-state chain: lag-1 correlation rho = 1 - p - r inflates the variance of the mean
        // by (1 + rho) / (1 - rho).
        let rho = 1.0 - p - r;
        let inflation = if rho > -1.0 {
            (1.0 + rho) / (1.0 - rho)
        } else {
            1.0
        };
        let rate_se = (loss * (1.0 - loss) / PACKETS as f64 * inflation.max(1e-3)).sqrt();
        assert_within("GE loss rate", rate, loss, rate_se.max(1e-6));
        // Burst lengths are geometric with success probability r: variance (1 - r) / r^2.
        let burst_se = ((1.0 - r) / (r * r) / bursts as f64).sqrt();
        assert_within("GE mean burst", mean_burst, burst, burst_se.max(1e-6));
    }
}

#[test]
fn bernoulli_matches_p_with_geometric_bursts() {
    for (seed, p) in [0.01, 0.1, 0.3].into_iter().enumerate() {
        let (rate, mean_burst, bursts) =
            loss_statistics(LossModel::Bernoulli { p }, 100 + seed as u64);
        assert_within(
            "Bernoulli loss rate",
            rate,
            p,
            (p * (1.0 - p) / PACKETS as f64).sqrt(),
        );
        // Independent losses: a burst ends with probability 1 - p, mean length 1 / (1 - p).
        let burst_se = (p / ((1.0 - p) * (1.0 - p)) / bursts as f64).sqrt();
        assert_within(
            "Bernoulli mean burst",
            mean_burst,
            1.0 / (1.0 - p),
            burst_se,
        );
    }
}

#[test]
fn latency_sample_means_and_minima_match_closed_forms() {
    let ms = SimDuration::from_millis;
    let samples = 200_000usize;
    // (distribution, standard deviation [s] for the mean's standard error)
    let cases: Vec<(Latency, f64)> = vec![
        (Latency::Constant(ms(25)), 0.0),
        (
            Latency::Uniform {
                min: ms(10),
                max: ms(30),
            },
            0.020 / 12f64.sqrt(),
        ),
        // Half-normal: mean std * sqrt(2 / pi), variance std^2 (1 - 2 / pi).
        (
            Latency::Normal {
                mean: SimDuration::ZERO,
                std: ms(10),
            },
            0.010 * (1.0 - 2.0 / std::f64::consts::PI).sqrt(),
        ),
        (
            Latency::LogNormal {
                median: ms(20),
                sigma: 0.5,
            },
            0.020 * ((0.25f64.exp() - 1.0) * 0.25f64.exp()).sqrt(),
        ),
        (
            Latency::ShiftedExponential {
                shift: ms(5),
                mean: ms(15),
            },
            0.015,
        ),
        // Pareto shape 3: variance scale^2 * shape / ((shape - 1)^2 (shape - 2)) = 0.75 scale^2.
        (
            Latency::Pareto {
                scale: ms(10),
                shape: 3.0,
            },
            0.010 * 0.75f64.sqrt(),
        ),
    ];
    for (seed, (latency, std)) in cases.into_iter().enumerate() {
        latency.validate().expect("valid");
        let mut rng = ChaCha8Rng::seed_from_u64(seed as u64);
        let draws: Vec<SimDuration> = (0..samples).map(|_| latency.sample(&mut rng)).collect();
        let min = draws.iter().copied().min().expect("non-empty");
        let mean = draws.iter().map(|d| d.as_secs_f64()).sum::<f64>() / samples as f64;
        let expected = latency.mean_secs().expect("finite closed-form mean");
        let se = std / (samples as f64).sqrt();
        // 1 ns of rounding per sample is allowed on top of the statistical error.
        assert!(
            (mean - expected).abs() <= 5.0 * se + 1e-9,
            "{latency:?}: mean {mean}, expected {expected} +- 5 * {se}"
        );
        assert!(
            min >= latency.min_delay(),
            "{latency:?}: min {min:?} below bound"
        );
        // Where the density is positive at the bound, it is tight: some sample comes within
        // 0.2% of the mean above it. (The lognormal's bound 0 is true but not tight.)
        if matches!(latency, Latency::LogNormal { .. }) {
            continue;
        }
        let gap = min.as_secs_f64() - latency.min_delay().as_secs_f64();
        assert!(
            gap <= 0.002 * expected,
            "{latency:?}: min {min:?} far above the bound"
        );
    }
}

#[test]
fn truncated_normal_with_mean_far_from_zero_keeps_its_mean() {
    let latency = Latency::Normal {
        mean: SimDuration::from_millis(30),
        std: SimDuration::from_millis(10),
    };
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let samples = 200_000;
    let mean = (0..samples)
        .map(|_| latency.sample(&mut rng).as_secs_f64())
        .sum::<f64>()
        / samples as f64;
    // Truncation at 3 std shifts the mean by std * phi(3) / Phi(3) = 0.0443 ms.
    let expected = 0.030 + 0.010 * 0.004_432 / 0.998_65;
    assert_within(
        "truncated normal mean",
        mean,
        expected,
        0.010 / (samples as f64).sqrt(),
    );
}

#[test]
fn on_off_long_run_fraction_matches_mean_on_over_cycle() {
    let s = |x: u64| SimDuration::from_millis(1_000 * x);
    for (seed, (on, off)) in [(3, 1), (1, 1), (1, 9), (20, 5)].into_iter().enumerate() {
        let availability = Availability::OnOff {
            mean_on: s(on),
            mean_off: s(off),
        };
        let fraction = on as f64 / (on + off) as f64;
        // Horizon of 20,000 mean cycles.
        let horizon = SimTime(s(on + off).0 * 20_000);
        let mut trace =
            AvailabilityTrace::new(&availability, ChaCha8Rng::seed_from_u64(seed as u64))
                .expect("valid");
        let on_time = trace.on_duration(SimTime::ZERO, horizon).as_secs_f64();
        let observed = on_time / horizon.as_secs_f64();
        // Renewal-reward: per-cycle variance of on-time - f * cycle length, over the cycles.
        let (m_on, m_off) = (on as f64, off as f64);
        let cycle_var = m_on * m_on * (1.0 - fraction).powi(2) + m_off * m_off * fraction.powi(2);
        let se = (cycle_var * 20_000.0).sqrt() / horizon.as_secs_f64();
        assert_within("on-off fraction", observed, fraction, se);
    }
}

#[test]
fn on_off_starting_state_is_stationary() {
    let availability = Availability::OnOff {
        mean_on: SimDuration::from_millis(3_000),
        mean_off: SimDuration::from_millis(1_000),
    };
    let devices = 20_000u64;
    let on_at_zero = (0..devices)
        .filter(|&seed| {
            AvailabilityTrace::new(&availability, ChaCha8Rng::seed_from_u64(seed))
                .map(|mut trace| trace.is_on(SimTime::ZERO))
                .unwrap_or(false)
        })
        .count();
    let observed = on_at_zero as f64 / devices as f64;
    assert_within(
        "P(on at 0)",
        observed,
        0.75,
        (0.75 * 0.25 / devices as f64).sqrt(),
    );
}

#[test]
fn on_off_trace_is_independent_of_query_order() {
    let availability = Availability::OnOff {
        mean_on: SimDuration::from_millis(50),
        mean_off: SimDuration::from_millis(20),
    };
    let rng = ChaCha8Rng::seed_from_u64(5);
    let mut forward = AvailabilityTrace::new(&availability, rng.clone()).expect("valid");
    let mut jump = AvailabilityTrace::new(&availability, rng).expect("valid");
    jump.is_on(SimTime(10_000_000_000));
    for t in (0..10_000u64).map(|k| SimTime(k * 1_000_000)) {
        assert_eq!(forward.is_on(t), jump.is_on(t));
        assert_eq!(forward.next_change(t), jump.next_change(t));
    }
}
