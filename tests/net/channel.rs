//! The channel checked against closed forms and hand-worked examples: shared uplink timing,
//! packetisation, ARQ bookkeeping, message arrival, invalid parameters.

use flsnn::net::{
    packet, tx_time_shared, Latency, Link, LinkConfig, LossModel, PacketFormat, Rate, SharedUplink,
    Sharing,
};
use flsnn::time::{SimDuration, SimTime};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const MBPS: u64 = 1_000_000;

fn mbps(n: u64) -> Rate {
    Rate::from_bps(n * MBPS).expect("positive rate")
}

fn secs(s: f64) -> SimTime {
    SimTime((s * 1e9).round() as u64)
}

/// Run every flow to completion, returning `(finish, id)` in completion order.
fn drain(uplink: &mut SharedUplink) -> Vec<(SimTime, u64)> {
    std::iter::from_fn(|| uplink.complete_next()).collect()
}

fn lossless_link(latency: Latency, rate: Rate) -> LinkConfig {
    LinkConfig {
        latency,
        rate,
        mtu_bytes: 1500,
        header_bytes: 40,
        loss: LossModel::None,
        retries: 3,
        retry_delay: SimDuration::from_millis(1),
    }
}

#[test]
fn equal_share_senders_starting_together_finish_at_the_closed_form() {
    let latency = SimDuration::from_millis(25);
    for (n, payload_bytes) in [(1u64, 1_000u64), (2, 43_392), (3, 10_001), (7, 123_457)] {
        let rate = mbps(10);
        let config = lossless_link(Latency::Constant(latency), rate);
        let mut uplink = SharedUplink::new(rate, Sharing::EqualShare);
        let mut rng = ChaCha8Rng::seed_from_u64(n);
        let start = SimTime(5_000);
        let mut plans = Vec::new();
        for id in 0..n {
            let mut link = Link::new(config.clone(), &mut rng).expect("valid link");
            let plan = link.send(payload_bytes, &mut rng.clone(), &mut rng);
            uplink
                .start_flow(start, id, plan.transmission.wire_bits)
                .expect("start");
            plans.push(plan);
        }
        let wire_bits = PacketFormat::new(1500, 40)
            .expect("valid")
            .wire_bytes(payload_bytes)
            * 8;
        // ceil(S * 8 / (rate / n)) in ns, written out independently of the library.
        let expected_ns =
            (wire_bits as u128 * n as u128 * 1_000_000_000).div_ceil(rate.bps() as u128) as u64;
        let done = drain(&mut uplink);
        assert_eq!(done.len() as u64, n);
        for (k, &(finish, id)) in done.iter().enumerate() {
            assert_eq!(id, k as u64, "ties are broken by id");
            assert_eq!(finish, SimTime(start.0 + expected_ns));
            let arrival = plans[id as usize].arrival(finish).expect("lossless");
            assert_eq!(arrival, SimTime(start.0 + expected_ns + latency.0));
        }
    }
}

#[test]
fn equal_share_fixes_each_flows_share_at_its_start() {
    // 1 Mbit/s. A: 1 Mbit at 0 alone -> full rate -> 1 s.
    // B: 0.5 Mbit at 0.25 s, 2 active -> 0.5 Mbit/s -> 1 s -> 1.25 s.
    // C: 0.25 Mbit at 0.5 s, 3 active -> 1/3 Mbit/s -> 0.75 s -> 1.25 s (tie with B: id order).
    // D: 0.1 Mbit at 0.75 s, 4 active -> 0.25 Mbit/s -> 0.4 s -> 1.15 s.
    // E: 0.1 Mbit at 1.25 s after all others finished -> full rate -> 1.35 s.
    let mut uplink = SharedUplink::new(mbps(1), Sharing::EqualShare);
    uplink.start_flow(secs(0.0), 10, 1_000_000).expect("A");
    uplink.start_flow(secs(0.25), 11, 500_000).expect("B");
    uplink.start_flow(secs(0.5), 12, 250_000).expect("C");
    uplink.start_flow(secs(0.75), 14, 100_000).expect("D");
    let early = uplink.advance_to(secs(1.25)).expect("advance");
    assert_eq!(
        early,
        vec![
            (secs(1.0), 10),
            (secs(1.15), 14),
            (secs(1.25), 11),
            (secs(1.25), 12)
        ]
    );
    uplink.start_flow(secs(1.25), 15, 100_000).expect("E");
    assert_eq!(drain(&mut uplink), vec![(secs(1.35), 15)]);
}

#[test]
fn processor_sharing_hand_worked_example() {
    // 1 Mbit/s. A: 1 Mbit at 0; B: 0.5 Mbit at 0.25 s; C: 0.25 Mbit at 0.5 s.
    // [0, 0.25)    A alone at 1 Mbit/s:        A 1 -> 0.75
    // [0.25, 0.5)  A, B at 0.5 Mbit/s each:    A 0.75 -> 0.625, B 0.5 -> 0.375
    // [0.5, 1.25)  A, B, C at 1/3 Mbit/s each: C needs 0.25 Mbit -> 0.75 s -> C done at 1.25 s;
    //              A 0.625 -> 0.375, B 0.375 -> 0.125
    // [1.25, 1.5)  A, B at 0.5 Mbit/s:         B needs 0.125 -> 0.25 s -> B done at 1.5 s;
    //              A 0.375 -> 0.25
    // [1.5, 1.75)  A alone:                    A done at 1.75 s = total work 1.75 Mbit / 1 Mbit/s.
    let mut uplink = SharedUplink::new(mbps(1), Sharing::ProcessorSharing);
    uplink.start_flow(secs(0.0), 1, 1_000_000).expect("A");
    assert_eq!(uplink.next_completion(), Some((secs(1.0), 1)));
    uplink.start_flow(secs(0.25), 2, 500_000).expect("B");
    // B alone would need 0.5 Mbit at 0.5 Mbit/s: 1.25 s if nothing else happened.
    assert_eq!(uplink.next_completion(), Some((secs(1.25), 2)));
    uplink.start_flow(secs(0.5), 3, 250_000).expect("C");
    assert_eq!(
        drain(&mut uplink),
        vec![(secs(1.25), 3), (secs(1.5), 2), (secs(1.75), 1)]
    );
}

#[test]
fn fifo_serves_in_arrival_order_with_ties_by_id() {
    // 1 Mbit/s. A 1 Mbit at 0 -> [0, 1). B 0.5 Mbit at 0.25 -> [1, 1.5).
    // D (id 4) and E (id 9) 0.25 Mbit both at 0.5: D first -> [1.5, 1.75), E -> [1.75, 2).
    // F 0.1 Mbit at 3 s finds the link idle -> [3, 3.1).
    let mut uplink = SharedUplink::new(mbps(1), Sharing::Fifo);
    uplink.start_flow(secs(0.0), 1, 1_000_000).expect("A");
    uplink.start_flow(secs(0.25), 2, 500_000).expect("B");
    uplink.start_flow(secs(0.5), 4, 250_000).expect("D");
    uplink.start_flow(secs(0.5), 9, 250_000).expect("E");
    let done = uplink.advance_to(secs(3.0)).expect("advance");
    assert_eq!(
        done,
        vec![
            (secs(1.0), 1),
            (secs(1.5), 2),
            (secs(1.75), 4),
            (secs(2.0), 9)
        ]
    );
    uplink.start_flow(secs(3.0), 10, 100_000).expect("F");
    assert_eq!(drain(&mut uplink), vec![(secs(3.1), 10)]);
}

#[test]
fn work_conserving_policies_end_the_busy_period_together() {
    // With every flow present from t = 0, PS and FIFO both finish when the total work is done;
    // PS may round up by at most one ns per completion. Rates chosen so shares do not divide.
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    for trial in 0..50 {
        let rate = Rate::from_bps(rng.random_range(1_000..10_000_000)).expect("positive");
        let sizes: Vec<u64> = (0..rng.random_range(1..12))
            .map(|_| rng.random_range(0..2_000_000))
            .collect();
        let mut ps = SharedUplink::new(rate, Sharing::ProcessorSharing);
        let mut fifo = SharedUplink::new(rate, Sharing::Fifo);
        for (id, &bits) in sizes.iter().enumerate() {
            ps.start_flow(SimTime::ZERO, id as u64, bits).expect("ps");
            fifo.start_flow(SimTime::ZERO, id as u64, bits)
                .expect("fifo");
        }
        let total: u64 = sizes.iter().sum();
        let ideal = tx_time_shared(total, rate, 1).0;
        let ps_done = drain(&mut ps);
        let fifo_done = drain(&mut fifo);
        let ps_end = ps_done.last().map_or(0, |d| d.0 .0);
        let fifo_end = fifo_done.last().map_or(0, |d| d.0 .0);
        let n = sizes.len() as u64;
        assert!(ps_end >= ideal && ps_end <= ideal + n, "trial {trial}");
        assert!(fifo_end >= ideal && fifo_end <= ideal + n, "trial {trial}");
        // PS completes in order of size (ties by id).
        let mut by_size: Vec<(u64, u64)> = sizes
            .iter()
            .enumerate()
            .map(|(id, &b)| (b, id as u64))
            .collect();
        by_size.sort();
        let ps_order: Vec<u64> = ps_done.iter().map(|d| d.1).collect();
        let size_order: Vec<u64> = by_size.iter().map(|d| d.1).collect();
        assert_eq!(ps_order, size_order, "trial {trial}");
    }
}

#[test]
fn uplink_misuse_is_an_error() {
    let mut uplink = SharedUplink::new(mbps(1), Sharing::ProcessorSharing);
    uplink.start_flow(secs(0.0), 1, 1_000).expect("first");
    assert!(
        uplink.start_flow(secs(0.0), 1, 1_000).is_err(),
        "duplicate id"
    );
    assert!(
        uplink.start_flow(secs(0.0), 0, 1_000).is_err(),
        "an id below the latest one"
    );
    assert!(
        uplink.start_flow(secs(1.0), 2, 1_000).is_err(),
        "uncollected completion"
    );
    assert_eq!(uplink.complete_next(), Some((SimTime(1_000_000), 1)));
    assert!(
        uplink.start_flow(SimTime(10), 3, 1_000).is_err(),
        "time went backwards"
    );
    uplink
        .start_flow(SimTime(1_000_000), 2, 1_000)
        .expect("a later id once the completion is collected");
    assert!(
        uplink.advance_to(SimTime(10)).is_err(),
        "time went backwards"
    );
    assert_eq!(uplink.complete_next(), Some((SimTime(2_000_000), 2)));
    assert_eq!(uplink.complete_next(), None);
}

#[test]
fn wire_bytes_follow_the_payload_formula() {
    for (payload, mtu, header) in [
        (0u64, 1500u64, 40u64),
        (1, 1500, 40),
        (1460, 1500, 40),
        (1461, 1500, 40),
        (43_392, 1500, 40),
        (10_000, 576, 28),
        (999, 100, 99),
    ] {
        let expected = payload + payload.div_ceil(mtu - header).max(1) * header;
        assert_eq!(packet::wire_bytes(payload, mtu, header), Ok(expected));
    }
}

#[test]
fn lossy_messages_are_counted_once_and_never_arrive_early() {
    let config = LinkConfig {
        latency: Latency::Uniform {
            min: SimDuration::from_millis(5),
            max: SimDuration::from_millis(15),
        },
        rate: mbps(2),
        mtu_bytes: 1000,
        header_bytes: 50,
        loss: LossModel::GilbertElliott {
            mean_loss: 0.2,
            mean_burst: 3.0,
        },
        retries: 2,
        retry_delay: SimDuration::from_millis(2),
    };
    let mut loss_rng = ChaCha8Rng::seed_from_u64(7);
    let mut latency_rng = ChaCha8Rng::seed_from_u64(8);
    let mut link = Link::new(config.clone(), &mut loss_rng).expect("valid");
    let format = config.packet_format().expect("valid");
    let (mut delivered, mut lost) = (0u64, 0u64);
    let sent = 20_000u64;
    let mut send_time = SimTime::ZERO;
    for k in 0..sent {
        let payload = (k * 7_919) % 20_000;
        let plan = link.send(payload, &mut loss_rng, &mut latency_rng);
        let t = plan.transmission;
        assert_eq!(t.wire_bits % 8, 0);
        assert!(
            t.wire_bits
                >= if t.delivered {
                    format.wire_bytes(payload) * 8
                } else {
                    0
                }
        );
        assert_eq!(t.lost_packets, t.retransmissions + u32::from(!t.delivered));
        assert_eq!(
            plan.retry_wait,
            config.retry_delay * u64::from(t.retransmissions)
        );
        let finish = plan.dedicated_finish(send_time, config.rate);
        match plan.arrival(finish) {
            Some(arrival) => {
                delivered += 1;
                assert!(
                    arrival >= send_time + config.latency.min_delay() + plan.airtime(config.rate)
                );
            }
            None => lost += 1,
        }
        send_time = finish;
    }
    assert_eq!(delivered + lost, sent);
    assert!(
        lost > 0 && delivered > 0,
        "both outcomes occur: {delivered} / {lost}"
    );
}

#[test]
fn same_seeds_give_identical_plans() {
    let config = LinkConfig {
        loss: LossModel::Bernoulli { p: 0.3 },
        ..lossless_link(
            Latency::LogNormal {
                median: SimDuration::from_millis(10),
                sigma: 0.5,
            },
            mbps(1),
        )
    };
    let run = || {
        let mut loss_rng = ChaCha8Rng::seed_from_u64(1);
        let mut latency_rng = ChaCha8Rng::seed_from_u64(2);
        let mut link = Link::new(config.clone(), &mut loss_rng).expect("valid");
        (0..200)
            .map(|k| link.send(k * 100, &mut loss_rng, &mut latency_rng))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

#[test]
fn invalid_link_parameters_are_errors() {
    let base = lossless_link(Latency::Constant(SimDuration::ZERO), mbps(1));
    let bad = [
        LinkConfig {
            mtu_bytes: 40,
            ..base.clone()
        },
        LinkConfig {
            loss: LossModel::Bernoulli { p: 1.01 },
            ..base.clone()
        },
        LinkConfig {
            loss: LossModel::GilbertElliott {
                mean_loss: 0.1,
                mean_burst: 0.9,
            },
            ..base.clone()
        },
        LinkConfig {
            latency: Latency::Uniform {
                min: SimDuration(2),
                max: SimDuration(1),
            },
            ..base.clone()
        },
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    for config in bad {
        assert!(Link::new(config.clone(), &mut rng).is_err(), "{config:?}");
    }
    assert!(Rate::from_bps_f64(-5.0).is_err());
    assert!(Link::new(base, &mut rng).is_ok());
}

/// Reference processor-sharing model in `f64` seconds: `(arrival [s], bits)` per flow id, returns
/// each flow's finish time [s].
fn reference_processor_sharing(rate_bps: f64, flows: &[(f64, f64)]) -> Vec<f64> {
    let mut finish = vec![f64::NAN; flows.len()];
    let mut remaining: Vec<(usize, f64)> = Vec::new();
    let mut now = 0.0;
    let mut next_arrival = 0;
    while next_arrival < flows.len() || !remaining.is_empty() {
        let n = remaining.len() as f64;
        let completion = remaining
            .iter()
            .map(|&(_, bits)| now + bits * n / rate_bps)
            .fold(f64::INFINITY, f64::min);
        let arrival = flows.get(next_arrival).map_or(f64::INFINITY, |f| f.0);
        let next = completion.min(arrival);
        let served = if n > 0.0 {
            (next - now) * rate_bps / n
        } else {
            0.0
        };
        for flow in &mut remaining {
            flow.1 -= served;
        }
        now = next;
        remaining.retain(|&(id, bits)| {
            let done = bits <= 1e-6;
            if done {
                finish[id] = now;
            }
            !done
        });
        if arrival <= next {
            remaining.push((next_arrival, flows[next_arrival].1));
            next_arrival += 1;
        }
    }
    finish
}

#[test]
fn processor_sharing_matches_a_reference_model_on_random_arrivals() {
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    for trial in 0..200 {
        let rate = Rate::from_bps(rng.random_range(10_000..5_000_000)).expect("positive");
        let mut t = 0u64;
        let flows: Vec<(u64, u64)> = (0..rng.random_range(1..15))
            .map(|_| {
                t += rng.random_range(0..300_000_000);
                (t, rng.random_range(1..1_000_000))
            })
            .collect();
        let mut uplink = SharedUplink::new(rate, Sharing::ProcessorSharing);
        let mut finish = vec![SimTime::ZERO; flows.len()];
        for (id, &(arrival, bits)) in flows.iter().enumerate() {
            for (time, done) in uplink.advance_to(SimTime(arrival)).expect("in order") {
                finish[done as usize] = time;
            }
            uplink
                .start_flow(SimTime(arrival), id as u64, bits)
                .expect("start");
        }
        for (time, done) in drain(&mut uplink) {
            finish[done as usize] = time;
        }
        let reference = reference_processor_sharing(
            rate.bps() as f64,
            &flows
                .iter()
                .map(|&(a, b)| (a as f64 * 1e-9, b as f64))
                .collect::<Vec<_>>(),
        );
        for (id, (&got, &want)) in finish.iter().zip(&reference).enumerate() {
            // Integer-ns events may each add up to 1 ns; f64 adds relative noise.
            let tolerance = 20e-9 + 1e-9 * want;
            assert!(
                (got.as_secs_f64() - want).abs() <= tolerance,
                "trial {trial}, flow {id}: {} s vs reference {want} s",
                got.as_secs_f64()
            );
        }
    }
}
