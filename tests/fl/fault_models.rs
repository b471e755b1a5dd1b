//! Each fault kind on the node models alone, with hand-made timelines: the device and base
//! station state machines are handed fault events and the inputs around them, and their actions
//! are checked (no data, no kernel).

use flsnn::fl::compress::{Broadcast, Codec, Compression, EncodedUpload, ModelLayout};
use flsnn::fl::{
    Action, BaseStation, BaseStationInput, ComputeTotals, Device, DeviceInput, DeviceSetup,
    FaultEvent, FaultKind, GlobalModel, Job, Mode, Msg, OutagePolicy, Protocol, Timer, Trained,
    Upload,
};
use flsnn::net::{AvailabilityTrace, Latency, LinkConfig, LossModel, Rate};
use flsnn::time::{SimDuration, SimTime};
use rand::SeedableRng;
use rand_chacha::ChaCha12Rng;
use std::sync::Arc;

/// One SNN step \[us\].
const STEP_US: u64 = 10;

fn t(us: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_micros(us)
}

fn link() -> LinkConfig {
    LinkConfig {
        latency: Latency::Constant(SimDuration::ZERO),
        rate: Rate::from_bps(8_000_000).expect("positive"),
        mtu_bytes: 1_500,
        header_bytes: 40,
        loss: LossModel::None,
        retries: 0,
        retry_delay: SimDuration::ZERO,
    }
}

/// A round of 10 steps (tau 2 x Delta_s 5), 3 rounds.
fn protocol(mode: Mode) -> Protocol {
    Protocol {
        mode,
        tau: 2,
        delta_s: 5,
        steps: 30,
        deadline: Some(SimDuration::from_micros(1_000)),
        ..Protocol::default()
    }
}

fn device(mode: Mode) -> Device {
    Device::new(
        DeviceSetup {
            id: 3,
            samples: 40,
            step_time: SimDuration::from_micros(STEP_US),
            uplink: Arc::new(link()),
            first_round: true,
        },
        Arc::new(Protocol {
            lookahead: SimDuration::from_micros(1_000),
            ..protocol(mode)
        }),
    )
}

fn fault(kind: FaultKind, start: bool) -> DeviceInput {
    DeviceInput::Fault(FaultEvent {
        fault: 0,
        kind,
        start,
        devices: Vec::new(),
    })
}

fn trained(epoch: u64, upload: bool) -> DeviceInput {
    DeviceInput::Trained(Trained {
        compute: ComputeTotals::default(),
        evaluation: None,
        upload: upload.then(|| EncodedUpload::Full {
            values: vec![0.5; 8].into(),
        }),
        epoch,
    })
}

fn global(round: u64, next: Vec<u32>) -> DeviceInput {
    DeviceInput::Global(Arc::new(GlobalModel {
        round,
        model: Arc::new(Broadcast::Full {
            values: vec![1.0; 8],
        }),
        next_participants: next,
    }))
}

/// (duration \[us\], steps, epoch, adopts) of the training work asked for.
fn work(actions: &[Action]) -> Vec<(u64, u64, u64, bool)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Work {
                duration,
                job:
                    Job::Train {
                        steps,
                        epoch,
                        adopt,
                        ..
                    },
            } => Some((duration.0 / 1_000, *steps, *epoch, adopt.is_some())),
            _ => None,
        })
        .collect()
}

fn uploads(actions: &[Action]) -> Vec<u64> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::ToBaseStation(Msg::Upload(u)) => Some(u.round),
            _ => None,
        })
        .collect()
}

fn release_timers(actions: &[Action]) -> Vec<(SimTime, u64)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Timer {
                at,
                timer: Timer::Release { ticket },
            } => Some((*at, *ticket)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_crash_drops_the_work_in_progress_forgets_the_model_and_rejoins_from_the_next_global() {
    let mut dev = device(Mode::Sync);
    assert_eq!(
        work(&dev.handle(t(0), None, DeviceInput::Start)),
        vec![(100, 10, 0, false)]
    );
    let crash = dev.handle(t(40), None, fault(FaultKind::Crash, true));
    assert!(matches!(crash[..], [Action::Post(Job::Reset)]), "{crash:?}");
    assert!(dev.is_down());
    // The aborted chunk's result comes back at 100 us: dropped, nothing uploaded.
    assert!(dev.handle(t(100), None, trained(0, true)).is_empty());
    // A global model while down is not received.
    assert!(dev.handle(t(150), None, global(0, vec![3])).is_empty());
    assert!(dev
        .handle(t(200), None, fault(FaultKind::Crash, false))
        .is_empty());
    assert!(!dev.is_down());
    // Back up: the next global model that selects it starts its round, in a new epoch.
    let back = dev.handle(t(300), None, global(1, vec![3]));
    assert!(
        matches!(back[0], Action::Post(Job::Adopt(_))),
        "adopts first"
    );
    assert_eq!(work(&back), vec![(100, 10, 1, false)]);
    // A stale result of epoch 0 is dropped; the epoch-1 result uploads round 2.
    assert!(dev.handle(t(350), None, trained(0, true)).is_empty());
    assert_eq!(
        uploads(&dev.handle(t(400), None, trained(1, true))),
        vec![2]
    );
}

#[test]
fn a_non_blocking_device_rejoins_at_the_round_after_the_global_it_receives() {
    let mut dev = device(Mode::NonBlocking);
    dev.handle(t(0), None, DeviceInput::Start);
    dev.handle(t(5), None, fault(FaultKind::Crash, true));
    dev.handle(t(50), None, fault(FaultKind::Crash, false));
    let missed = DeviceInput::GlobalMissed(Arc::new(GlobalModel {
        round: 0,
        model: Arc::new(Broadcast::Full {
            values: vec![1.0; 8],
        }),
        next_participants: vec![],
    }));
    assert!(
        work(&dev.handle(t(60), None, missed)).is_empty(),
        "it waits for a model"
    );
    let back = dev.handle(t(70), None, global(0, vec![]));
    assert!(matches!(back[0], Action::Post(Job::Adopt(_))));
    // Round 1 (the base station's next), cut at the lookahead (1 ms = 100 steps: whole round).
    assert_eq!(work(&back), vec![(100, 10, 1, false)]);
    assert_eq!(
        uploads(&dev.handle(t(170), None, trained(1, true))),
        vec![1]
    );
}

#[test]
fn in_separate_training_a_crashed_device_redoes_its_round_from_scratch() {
    let mut dev = device(Mode::Separate);
    dev.handle(t(0), None, DeviceInput::Start);
    dev.handle(t(100), None, trained(0, false)); // round 0 done, round 1 under way
    let crash = dev.handle(t(150), None, fault(FaultKind::Crash, true));
    assert!(matches!(crash[..], [Action::Post(Job::Reset)]));
    let back = dev.handle(t(400), None, fault(FaultKind::Crash, false));
    assert_eq!(work(&back), vec![(100, 10, 1, false)]);
    let done = dev.handle(t(500), None, trained(1, false));
    let rounds: Vec<u64> = done
        .iter()
        .filter_map(|a| match a {
            Action::Note(flsnn::fl::Note::RoundDone { round }) => Some(*round),
            _ => None,
        })
        .collect();
    assert_eq!(rounds, vec![1], "round 1 done once, after the rejoin");
}

#[test]
fn a_pause_holds_the_work_back_by_its_length_and_keeps_the_state() {
    let mut dev = device(Mode::Sync);
    dev.handle(t(0), None, DeviceInput::Start); // 10 steps, nominal end at 100 us
    assert!(dev
        .handle(t(30), None, fault(FaultKind::Pause, true))
        .is_empty());
    // The result comes back at its nominal end during the pause: held, nothing sent.
    assert!(dev.handle(t(100), None, trained(0, true)).is_empty());
    // 50 us of pause: due at 150 us.
    let resumed = dev.handle(t(80), None, fault(FaultKind::Pause, false));
    let timers = release_timers(&resumed);
    assert_eq!(timers.iter().map(|x| x.0).collect::<Vec<_>>(), vec![t(150)]);
    assert!(uploads(&resumed).is_empty());
    let ticket = timers[0].1;
    let done = dev.handle(t(150), None, DeviceInput::Timer(Timer::Release { ticket }));
    assert_eq!(
        uploads(&done),
        vec![0],
        "state kept: the round's upload goes out"
    );
    assert!(!dev.is_down());
}

#[test]
fn a_pause_before_the_nominal_end_delays_the_result_when_it_comes_back() {
    let mut dev = device(Mode::Sync);
    dev.handle(t(0), None, DeviceInput::Start);
    dev.handle(t(20), None, fault(FaultKind::Pause, true));
    dev.handle(t(45), None, fault(FaultKind::Pause, false));
    // 25 us owed: the result at 100 us is due at 125 us.
    let back = dev.handle(t(100), None, trained(0, true));
    assert!(uploads(&back).is_empty());
    let timers = release_timers(&back);
    assert_eq!(timers.iter().map(|x| x.0).collect::<Vec<_>>(), vec![t(125)]);
    // A stale ticket does nothing; the right one releases.
    let stale = Timer::Release {
        ticket: timers[0].1 + 7,
    };
    assert!(dev
        .handle(t(125), None, DeviceInput::Timer(stale))
        .is_empty());
    let ticket = timers[0].1;
    let done = dev.handle(t(125), None, DeviceInput::Timer(Timer::Release { ticket }));
    assert_eq!(uploads(&done), vec![0]);
}

#[test]
fn a_slowdown_multiplies_the_step_time_of_work_started_meanwhile() {
    let mut dev = device(Mode::Sync);
    let slow = FaultKind::Slowdown { factor: 3.0 };
    dev.handle(t(0), None, fault(slow.clone(), true));
    assert_eq!(
        work(&dev.handle(t(0), None, DeviceInput::Start)),
        vec![(300, 10, 0, false)]
    );
    dev.handle(t(300), None, trained(0, true));
    dev.handle(t(310), None, fault(slow, false));
    let next = dev.handle(t(320), None, global(0, vec![3]));
    assert_eq!(
        work(&next),
        vec![(100, 10, 0, false)],
        "back to 10 us a step"
    );
}

// --- the base station ---------------------------------------------------------------------

fn station(devices: u32) -> BaseStation {
    let layout = ModelLayout {
        l: 1,
        n: 2,
        k_ff: 1,
        k_fb: 1,
        mask: vec![true, true],
    };
    let codec = Codec::new(Compression::None, layout).expect("valid layout");
    BaseStation::new(
        Arc::new(Protocol {
            tau: 1,
            delta_s: 1,
            steps: 5,
            deadline: Some(SimDuration::from_micros(100)),
            ..Protocol::default()
        }),
        devices,
        Arc::new(codec),
        vec![0.0; 4],
        (0..devices).map(|_| AvailabilityTrace::always()).collect(),
        ChaCha12Rng::seed_from_u64(1),
    )
}

fn outage(policy: OutagePolicy, start: bool) -> BaseStationInput {
    BaseStationInput::Fault(FaultEvent {
        fault: 0,
        kind: FaultKind::Outage(policy),
        start,
        devices: Vec::new(),
    })
}

fn upload(device: u32, round: u64) -> BaseStationInput {
    BaseStationInput::Upload(Arc::new(Upload {
        device,
        round,
        samples: 1,
        payload: EncodedUpload::Full {
            values: vec![1.0; 4].into(),
        },
        channel_quality_db: None,
    }))
}

fn closed(actions: &[Action]) -> Vec<u64> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::ToDevices(Msg::Global(g)) => Some(g.round),
            _ => None,
        })
        .collect()
}

fn deadlines(actions: &[Action]) -> Vec<(SimTime, u64)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Timer {
                at,
                timer: Timer::Deadline { round },
            } => Some((*at, *round)),
            _ => None,
        })
        .collect()
}

fn deadline(round: u64) -> BaseStationInput {
    BaseStationInput::Timer(Timer::Deadline { round })
}

#[test]
fn an_outage_with_round_logic_deadline_lets_the_deadline_close_the_round() {
    let mut bs = station(2);
    let start = bs.handle(t(0), BaseStationInput::Start).expect("start");
    assert!(
        start.iter().any(|a| matches!(a, Action::Cue(0))),
        "round 0 cues the timeline"
    );
    bs.handle(t(50), outage(OutagePolicy::Deadline, true))
        .expect("outage");
    let out = bs.handle(t(100), deadline(0)).expect("deadline");
    assert_eq!(closed(&out), vec![0], "closes with what arrived (nothing)");
    assert!(out.iter().any(|a| matches!(a, Action::Cue(1))));
}

#[test]
fn an_outage_with_round_logic_wait_pushes_the_deadline_back_by_what_it_had_left() {
    let mut bs = station(2);
    bs.handle(t(0), BaseStationInput::Start).expect("start");
    bs.handle(t(10), upload(0, 0)).expect("upload");
    bs.handle(t(60), outage(OutagePolicy::Wait, true))
        .expect("outage");
    // Device 1's upload is lost in the outage: the round is complete but must not close.
    let lost = BaseStationInput::UploadLost {
        device: 1,
        round: 0,
    };
    assert!(closed(&bs.handle(t(70), lost).expect("lost")).is_empty());
    assert!(closed(&bs.handle(t(100), deadline(0)).expect("deadline")).is_empty());
    // The outage ends at 160 us: the deadline had 40 us left, and the complete round closes.
    let end = bs
        .handle(t(160), outage(OutagePolicy::Wait, false))
        .expect("end");
    assert_eq!(deadlines(&end)[0], (t(200), 0));
    assert_eq!(closed(&end), vec![0]);
}

#[test]
fn an_outage_with_round_logic_close_closes_the_open_round_when_it_ends() {
    let mut bs = station(2);
    bs.handle(t(0), BaseStationInput::Start).expect("start");
    bs.handle(t(10), upload(0, 0)).expect("upload");
    bs.handle(t(20), outage(OutagePolicy::Close, true))
        .expect("outage");
    assert!(closed(&bs.handle(t(100), deadline(0)).expect("deadline")).is_empty());
    let end = bs
        .handle(t(150), outage(OutagePolicy::Close, false))
        .expect("end");
    assert_eq!(closed(&end), vec![0], "at once, with device 0's upload");
    // Round 1 opened at 150 us with its own deadline.
    assert!(deadlines(&end).contains(&(t(250), 1)));
}

#[test]
fn overlapping_outages_end_with_the_last() {
    let mut bs = station(1);
    bs.handle(t(0), BaseStationInput::Start).expect("start");
    bs.handle(t(10), outage(OutagePolicy::Close, true))
        .expect("outage");
    bs.handle(t(20), outage(OutagePolicy::Close, true))
        .expect("outage");
    let first = bs
        .handle(t(30), outage(OutagePolicy::Close, false))
        .expect("end");
    assert!(closed(&first).is_empty(), "one outage still in force");
    let last = bs
        .handle(t(40), outage(OutagePolicy::Close, false))
        .expect("end");
    assert_eq!(closed(&last), vec![0]);
}
