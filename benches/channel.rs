//! The cell's channel alone: the cost of one transmission (an upload started and completed, or
//! one device's copy of a broadcast) in a cell of 100 to 100,000 devices, with 3GPP UMa path loss,
//! Rayleigh fading, the CQI table and a random-waypoint walk, over an OFDMA uplink holding 16
//! uploads in flight. One element is one transmission; the cost should not grow with the cell.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use flsnn::net::{
    AvailabilityTrace, Cell, CellConfig, Channel, DownlinkMode, ErrorModel, Fading, Latency,
    LinkBudget, LinkConfig, LossModel, Mobility, PathLoss, Placement, Rate, RateModel,
    SharedUplink, Sharing, SightRule, LTE_CQI,
};
use flsnn::time::{SimDuration, SimTime};

fn budget() -> LinkBudget {
    LinkBudget {
        bandwidth_hz: 20e6,
        tx_gain_db: 0.0,
        rx_gain_db: 15.0,
        noise_density_dbm_hz: -174.0,
        noise_figure_db: 5.0,
    }
}

fn channel(devices: usize) -> Channel {
    let link = LinkConfig {
        latency: Latency::Constant(SimDuration::from_millis(5)),
        rate: Rate::from_bps(1_000_000).expect("positive"),
        mtu_bytes: 1460,
        header_bytes: 40,
        loss: LossModel::None,
        retries: 3,
        retry_delay: SimDuration::ZERO,
    };
    let shared = SharedUplink::new(link.rate, Sharing::ProcessorSharing);
    let availability = (0..devices).map(|_| AvailabilityTrace::always()).collect();
    let channel = Channel::new(
        link.clone(),
        link,
        DownlinkMode::Broadcast,
        shared,
        availability,
        1,
    )
    .expect("valid channel");
    let config = CellConfig {
        placement: Placement::Annulus {
            inner_m: 35.0,
            outer_m: 400.0,
        },
        path_loss: PathLoss::Uma {
            carrier_hz: 3.5e9,
            bs_height_m: 25.0,
            ue_height_m: 1.5,
        },
        sight: SightRule::Mixed,
        shadowing_db: None,
        fading: Fading::Rayleigh,
        coherence: SimDuration::from_millis(5),
        uplink: budget(),
        downlink: budget(),
        bs_tx_power_dbm: 46.0,
        rate: RateModel::Table {
            entries: LTE_CQI.to_vec(),
        },
        error: ErrorModel::Logistic {
            snr_db: -8.0,
            slope_db: 1.0,
        },
        extra_loss_db: 0.0,
        mobility: Mobility::RandomWaypoint {
            min_speed_mps: 1.0,
            max_speed_mps: 3.0,
            inner_m: 35.0,
            outer_m: 400.0,
        },
    };
    let cell = Cell::new(config, &vec![23.0; devices], 1).expect("valid cell");
    channel.with_cell(cell).expect("one device per trace")
}

fn bench_channel(c: &mut Criterion) {
    let mut group = c.benchmark_group("channel");
    group.sample_size(20);
    group.throughput(Throughput::Elements(1));
    for devices in [100usize, 1_000, 10_000, 100_000] {
        let mut ch = channel(devices);
        let mut now = SimTime::ZERO;
        let mut next = 0u64;
        // Keep 16 uploads in flight.
        for _ in 0..16 {
            ch.start_upload(now, (next % devices as u64) as u32, 5_000, |_| ())
                .expect("starts");
            next = next
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
        }
        group.bench_with_input(BenchmarkId::new("upload", devices), &devices, |b, &n| {
            b.iter(|| {
                let (t, _) = ch
                    .next_uplink_completion()
                    .map(|t| (t, ()))
                    .expect("a flow in flight");
                now = t;
                let done = ch.complete_uplinks(now);
                for _ in done {
                    let d = ((next >> 17) % n as u64) as u32;
                    next = next
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    ch.start_upload(now, d, 5_000, |_| ()).expect("starts");
                }
            })
        });
        group.bench_with_input(
            BenchmarkId::new("downlink_copy", devices),
            &devices,
            |b, &n| {
                b.iter(|| {
                    let d = ((next >> 17) % n as u64) as u32;
                    next = next
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    now += SimDuration::from_millis(1);
                    ch.broadcast(now, &[d], 5_000)
                })
            },
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = bench_channel
}
criterion_main!(benches);
