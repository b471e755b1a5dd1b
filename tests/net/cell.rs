//! The radio cell checked through the channel against closed forms: path loss and the link
//! budget at given distances, upload time = bits / rate at a given SNR, OFDMA shares adding up to
//! the band and TDMA queueing, the broadcast at the worst receiver's rate, the Rayleigh outage
//! probability and the Rician mean gain over 10^6 fading blocks.

use flsnn::net::propagation::free_space_db;
use flsnn::net::{
    Availability, AvailabilityTrace, Cell, CellConfig, Channel, DownlinkMode, ErrorModel, Fading,
    Latency, LinkBudget, LinkConfig, LossModel, Mobility, PathLoss, Placement, Position, Rate,
    RateModel, SharedUplink, Sharing, SightRule, LTE_CQI,
};
use flsnn::time::{SimDuration, SimTime};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 17;
const BAND_HZ: f64 = 10e6;

fn budget() -> LinkBudget {
    LinkBudget {
        bandwidth_hz: BAND_HZ,
        tx_gain_db: 0.0,
        rx_gain_db: 8.0,
        noise_density_dbm_hz: -174.0,
        noise_figure_db: 5.0,
    }
}

/// A cell with devices at `positions` (ground distances along x) and no shadowing.
fn config(distances: &[f64], fading: Fading, rate: RateModel) -> CellConfig {
    CellConfig {
        placement: Placement::Explicit(
            distances
                .iter()
                .map(|&x_m| Position { x_m, y_m: 0.0 })
                .collect(),
        ),
        path_loss: PathLoss::LogDistance {
            carrier_hz: 3.5e9,
            exponent: 3.0,
            reference_m: 1.0,
        },
        sight: SightRule::Los,
        shadowing_db: Some(0.0),
        fading,
        coherence: SimDuration::from_millis(10),
        uplink: budget(),
        downlink: budget(),
        bs_tx_power_dbm: 40.0,
        rate,
        error: ErrorModel::None,
        extra_loss_db: 0.0,
        mobility: Mobility::Static,
    }
}

fn shannon() -> RateModel {
    RateModel::Shannon {
        gap_db: 0.0,
        max_efficiency: 10.0,
    }
}

fn link() -> LinkConfig {
    LinkConfig {
        latency: Latency::Constant(SimDuration::ZERO),
        rate: Rate::from_bps(1_000_000).expect("positive"),
        mtu_bytes: 1500,
        header_bytes: 40,
        loss: LossModel::None,
        retries: 3,
        retry_delay: SimDuration::ZERO,
    }
}

fn channel(cell: CellConfig, sharing: Sharing, mode: DownlinkMode) -> Channel {
    let n = match &cell.placement {
        Placement::Explicit(p) => p.len(),
        _ => 1,
    };
    let traces = (0..n)
        .map(|d| {
            AvailabilityTrace::new(&Availability::Always, ChaCha8Rng::seed_from_u64(d as u64))
                .expect("always on")
        })
        .collect();
    let shared = SharedUplink::new(link().rate, sharing);
    let powers = vec![23.0; n];
    Channel::new(link(), link(), mode, shared, traces, SEED)
        .and_then(|c| c.with_cell(Cell::new(cell, &powers, SEED)?))
        .expect("valid channel")
}

fn wire_bits(payload: u64) -> u64 {
    let packets = payload.div_ceil(1460).max(1);
    (payload + 40 * packets) * 8
}

fn ns(seconds: f64) -> f64 {
    seconds * 1e9
}

#[test]
fn mean_snr_is_the_link_budget_over_the_path_loss_at_each_distance() {
    let distances = [20.0, 100.0, 400.0];
    let ch = channel(
        config(&distances, Fading::None, shannon()),
        Sharing::EqualShare,
        DownlinkMode::Broadcast,
    );
    let noise = -174.0 + 5.0 + 10.0 * BAND_HZ.log10();
    for (d, &x) in distances.iter().enumerate() {
        let place = ch.cell_device(d as u32).expect("a cell");
        let path_loss = free_space_db(1.0, 3.5e9) + 30.0 * x.log10();
        assert!((place.distance_m - x).abs() < 1e-9);
        let expected = 23.0 + 8.0 - path_loss - noise;
        assert!(
            (place.mean_snr_up_db - expected).abs() < 1e-9,
            "device {d}: {} vs {expected}",
            place.mean_snr_up_db
        );
        assert!((place.mean_snr_down_db - (expected + 17.0)).abs() < 1e-9);
    }
}

#[test]
fn a_lone_upload_takes_its_bits_over_its_shannon_rate() {
    let distances = [50.0, 300.0];
    for sharing in [
        Sharing::EqualShare,
        Sharing::ProcessorSharing,
        Sharing::Fifo,
    ] {
        let mut ch = channel(
            config(&distances, Fading::None, shannon()),
            sharing,
            DownlinkMode::Broadcast,
        );
        let mut t = SimTime(1_000);
        for d in 0..2u32 {
            let snr = ch.cell_device(d).expect("a cell").mean_snr_up_db;
            let rate = BAND_HZ * (1.0 + 10f64.powf(snr / 10.0)).log2().min(10.0);
            let payload = 43_392;
            let start = ch.start_upload(t, d, payload, |_| ()).expect("starts");
            let start = start.expect("device on");
            let expected = ns(wire_bits(payload) as f64 / rate);
            assert!((start.airtime.0 as f64 - expected).abs() <= 1.0);
            let done = ch.complete_uplinks(SimTime(u64::MAX / 2));
            assert_eq!(done.len(), 1);
            let took = done[0].arrival.0 - t.0;
            assert!(
                (took as f64 - expected).abs() <= 2.0,
                "{sharing:?} device {d}: {took} ns vs {expected}"
            );
            t = done[0].arrival;
        }
    }
}

#[test]
fn table_rates_at_given_snrs_set_the_upload_time() {
    let distances = [30.0, 250.0, 700.0];
    let cqi = RateModel::Table {
        entries: LTE_CQI.to_vec(),
    };
    let mut ch = channel(
        config(&distances, Fading::None, cqi.clone()),
        Sharing::Fifo,
        DownlinkMode::Broadcast,
    );
    for d in 0..3u32 {
        let snr = ch.cell_device(d).expect("a cell").mean_snr_up_db;
        let efficiency = LTE_CQI
            .iter()
            .rev()
            .find(|e| snr >= e.snr_db)
            .map_or(LTE_CQI[0].efficiency, |e| e.efficiency);
        let start = ch
            .start_upload(SimTime::ZERO, d, 10_000, |_| ())
            .expect("starts")
            .expect("on");
        let expected = ns(wire_bits(10_000) as f64 / (efficiency * BAND_HZ));
        assert!(
            (start.airtime.0 as f64 - expected).abs() <= 1.0,
            "device {d}"
        );
    }
}

#[test]
fn ofdma_shares_add_up_to_the_band_and_tdma_queues() {
    // Four devices at the same distance start together: each gets a quarter of the band, so all
    // finish when the band has carried the four uploads; under TDMA they finish one after another.
    let distances = [150.0; 4];
    let payload = 20_000;
    let mut lone = channel(
        config(&distances[..1], Fading::None, shannon()),
        Sharing::EqualShare,
        DownlinkMode::Broadcast,
    );
    lone.start_upload(SimTime::ZERO, 0, payload, |_| ())
        .expect("starts");
    let single = lone.complete_uplinks(SimTime(u64::MAX / 2))[0].arrival.0 as f64;
    for sharing in [
        Sharing::EqualShare,
        Sharing::ProcessorSharing,
        Sharing::Fifo,
    ] {
        let mut ch = channel(
            config(&distances, Fading::None, shannon()),
            sharing,
            DownlinkMode::Broadcast,
        );
        for d in 0..4 {
            ch.start_upload(SimTime::ZERO, d, payload, |_| ())
                .expect("starts");
        }
        let done = ch.complete_uplinks(SimTime(u64::MAX / 2));
        let finishes: Vec<f64> = done.iter().map(|u| u.arrival.0 as f64).collect();
        let expected: Vec<f64> = match sharing {
            Sharing::Fifo => (1..=4).map(|k| k as f64 * single).collect(),
            _ => vec![4.0 * single; 4],
        };
        for (got, want) in finishes.iter().zip(&expected) {
            assert!((got - want).abs() <= 4.0, "{sharing:?}: {got} vs {want}");
        }
    }
}

#[test]
fn equal_share_devices_finish_at_their_own_efficiency() {
    // Two devices, one near and one far, split the band in half: each takes twice its lone time.
    let distances = [40.0, 400.0];
    let mut ch = channel(
        config(&distances, Fading::None, shannon()),
        Sharing::EqualShare,
        DownlinkMode::Broadcast,
    );
    let mut lone = Vec::new();
    for d in 0..2 {
        let start = ch
            .start_upload(SimTime::ZERO, d, 30_000, |_| ())
            .expect("starts")
            .expect("on");
        lone.push(start.airtime.0 as f64);
    }
    let done = ch.complete_uplinks(SimTime(u64::MAX / 2));
    for u in done {
        let want = 2.0 * lone[u.device as usize];
        assert!((u.arrival.0 as f64 - want).abs() <= 4.0);
    }
}

#[test]
fn the_broadcast_goes_at_the_worst_receivers_rate_and_unicast_at_each_ones() {
    let distances = [30.0, 600.0];
    let payload = 50_000;
    let bits = wire_bits(payload) as f64;
    let rates: Vec<f64> = {
        let ch = channel(
            config(&distances, Fading::None, shannon()),
            Sharing::EqualShare,
            DownlinkMode::Broadcast,
        );
        (0..2)
            .map(|d| {
                let snr = ch.cell_device(d).expect("a cell").mean_snr_down_db;
                BAND_HZ * (1.0 + 10f64.powf(snr / 10.0)).log2().min(10.0)
            })
            .collect()
    };
    let mut bc = channel(
        config(&distances, Fading::None, shannon()),
        Sharing::EqualShare,
        DownlinkMode::Broadcast,
    );
    for copy in bc.broadcast(SimTime::ZERO, &[0, 1], payload) {
        assert!(copy.delivered);
        assert!((copy.arrival.0 as f64 - ns(bits / rates[1])).abs() <= 1.0);
    }
    let mut uni = channel(
        config(&distances, Fading::None, shannon()),
        Sharing::EqualShare,
        DownlinkMode::Unicast,
    );
    let copies = uni.broadcast(SimTime::ZERO, &[0, 1], payload);
    let first = ns(bits / rates[0]);
    assert!((copies[0].arrival.0 as f64 - first).abs() <= 1.0);
    assert!((copies[1].arrival.0 as f64 - first - ns(bits / rates[1])).abs() <= 2.0);
}

/// The fading gain of device 0 in `n` successive coherence blocks, through the cell's SNR.
fn gains(fading: Fading, n: u64) -> Vec<f64> {
    let cfg = config(&[100.0], fading, shannon());
    let coherence = cfg.coherence;
    let mut cell = Cell::new(cfg, &[23.0], SEED).expect("valid cell");
    let mean = cell.device(0).mean_snr_up_db;
    (0..n)
        .map(|b| {
            let snr = cell.uplink(0, SimTime(b * coherence.0)).snr_db;
            10f64.powf((snr - mean) / 10.0)
        })
        .collect()
}

#[test]
fn rayleigh_outage_matches_one_minus_exp_over_a_million_blocks() {
    let n = 1_000_000;
    let g = gains(Fading::Rayleigh, n);
    // P(SNR < theta) = 1 - exp(-theta / mean SNR): theta as a fraction of the mean.
    for theta in [0.1f64, 0.5, 1.0, 2.0] {
        let p = 1.0 - (-theta).exp();
        let observed = g.iter().filter(|&&x| x < theta).count() as f64 / n as f64;
        let se = (p * (1.0 - p) / n as f64).sqrt();
        assert!(
            (observed - p).abs() < 5.0 * se,
            "theta {theta}: {observed} vs {p} (se {se})"
        );
    }
}

#[test]
fn rician_mean_gain_is_one_over_a_million_blocks() {
    let n = 1_000_000;
    for k in [0.0, 1.0, 10.0] {
        let g = gains(Fading::Rician { k }, n);
        let mean = g.iter().sum::<f64>() / n as f64;
        // Var |h|^2 = (1 + 2K) / (K + 1)^2 for a unit-mean Rician power.
        let se = ((1.0 + 2.0 * k) / ((k + 1.0) * (k + 1.0)) / n as f64).sqrt();
        assert!((mean - 1.0).abs() < 5.0 * se, "K {k}: {mean} (se {se})");
        let var = g.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        let want = (1.0 + 2.0 * k) / ((k + 1.0) * (k + 1.0));
        assert!(
            (var - want).abs() < 0.02 * want.max(0.1),
            "K {k}: var {var}"
        );
    }
}

#[test]
fn below_the_error_threshold_every_packet_is_lost() {
    let mut cfg = config(&[20.0, 2_000.0], Fading::None, shannon());
    cfg.error = ErrorModel::Threshold { snr_db: 10.0 };
    let mut ch = channel(cfg, Sharing::Fifo, DownlinkMode::Broadcast);
    assert!(ch.cell_device(0).expect("cell").mean_snr_up_db > 10.0);
    assert!(ch.cell_device(1).expect("cell").mean_snr_up_db < 10.0);
    let near = ch
        .start_upload(SimTime::ZERO, 0, 5_000, |_| ())
        .expect("ok");
    let far = ch
        .start_upload(SimTime::ZERO, 1, 5_000, |_| ())
        .expect("ok");
    assert_eq!(near.map(|s| s.retransmissions), Some(0));
    // The first packet is tried 1 + 3 times and the message is lost.
    assert_eq!(far.map(|s| s.retransmissions), Some(3));
    let done = ch.complete_uplinks(SimTime(u64::MAX / 2));
    let delivered: Vec<bool> = done.iter().map(|u| u.delivered).collect();
    assert_eq!(delivered, vec![true, false]);
}

#[test]
fn a_device_moving_away_sees_the_path_loss_of_where_it_is_and_a_wall_adds_its_loss() {
    // Two devices start 100 m out at 20 m/s, in directions of their own: at t their SNR is the
    // budget over the path loss at the distance they have reached, their start's SNR plus
    // 30 log10(d0 / d(t)). A 20 dB wall lowers every SNR by 20 dB.
    let mut cfg = config(&[100.0, 100.0], Fading::None, shannon());
    cfg.mobility = Mobility::ConstantVelocity {
        min_speed_mps: 20.0,
        max_speed_mps: 20.0,
    };
    let mut cell = Cell::new(cfg.clone(), &[23.0, 23.0], 3).expect("valid");
    let mut walled = Cell::new(
        CellConfig {
            extra_loss_db: 20.0,
            ..cfg
        },
        &[23.0, 23.0],
        3,
    )
    .expect("valid");
    for d in 0..2 {
        let start = cell.device(d).mean_snr_up_db;
        for s in [0u64, 5, 30] {
            let t = SimTime(s * 1_000_000_000);
            let at = cell.position_at(d, t).expect("moving");
            let moved = (at.x_m - 100.0).hypot(at.y_m);
            assert!(
                (moved - 20.0 * s as f64).abs() < 1e-6,
                "{moved} m after {s} s"
            );
            let expected = start + 30.0 * (100.0 / at.distance_m().max(1.0)).log10();
            let snr = cell.uplink(d, t).snr_db;
            assert!((snr - expected).abs() < 1e-9, "device {d} at {s} s");
            assert!((walled.uplink(d, t).snr_db - (snr - 20.0)).abs() < 1e-9);
        }
    }
    // Seen at 30 s first, the path is the same.
    let mut fresh = Cell::new(
        config(&[100.0, 100.0], Fading::None, shannon()),
        &[23.0; 2],
        3,
    )
    .expect("valid");
    assert!(
        fresh.position_at(0, SimTime(30_000_000_000)).is_none(),
        "static"
    );
}

#[test]
fn proportional_ofdma_shares_add_up_to_the_band_and_end_together() {
    // Four devices at different distances start together. Each one's share of the band is its
    // lone (whole-band) airtime over the time it took; under the proportional split they all
    // end together and their shares add up to the band, as the equal split's quarters do.
    let distances = [60.0, 150.0, 280.0, 420.0];
    let payload = 20_000;
    let lone: Vec<f64> = (0..4)
        .map(|d| {
            let mut ch = channel(
                config(&distances, Fading::None, shannon()),
                Sharing::EqualShare,
                DownlinkMode::Broadcast,
            );
            ch.start_upload(SimTime::ZERO, d, payload, |_| ())
                .expect("starts");
            ch.complete_uplinks(SimTime(u64::MAX / 2))[0].arrival.0 as f64
        })
        .collect();
    for sharing in [Sharing::EqualShare, Sharing::Proportional] {
        let mut ch = channel(
            config(&distances, Fading::None, shannon()),
            sharing,
            DownlinkMode::Broadcast,
        );
        for d in 0..4 {
            ch.start_upload(SimTime::ZERO, d, payload, |_| ())
                .expect("starts");
        }
        let mut done = ch.complete_uplinks(SimTime(u64::MAX / 2));
        done.sort_by_key(|u| u.device);
        let shares: f64 = done
            .iter()
            .map(|u| lone[u.device as usize] / u.arrival.0 as f64)
            .sum();
        assert!(
            (shares - 1.0).abs() < 1e-6,
            "{sharing:?}: shares add to {shares}"
        );
        let first = done[0].arrival.0;
        let together = done.iter().all(|u| u.arrival.0.abs_diff(first) <= 1);
        assert_eq!(together, sharing == Sharing::Proportional, "{sharing:?}");
    }
}
