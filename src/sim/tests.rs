//! The kernel on a toy system with no FL in it: counters that pass a token around a ring through
//! a medium with a fixed delay, doing timed work in between.

use super::*;
use crate::time::{SimDuration, SimTime};

struct Ring;

impl System for Ring {
    type Msg = u64;
    type Timer = ();
    type Job = u64;
    type Done = u64;
    type Probe = ();
    type Reading = u64;
    type Note = (SimTime, u64);
    type Report = ();
    type Error = String;
    type Saved = Bytes;
    type Event = u64;
}

/// Passes the token on after squaring it on its actor (1 ms of work), until it reaches `stop`.
struct Counter {
    next: NodeId,
    stop: u64,
    squared: u64,
}

impl Model<Ring> for Counter {
    fn handle(
        &mut self,
        ctx: Context,
        input: Input<Ring>,
        out: &mut Vec<Effect<Ring>>,
    ) -> Result<(), String> {
        match input {
            Input::Start if ctx.node == 0 => out.push(Effect::Send {
                to: vec![self.next],
                msg: 2,
            }),
            Input::Start | Input::Timer(()) => {}
            Input::Event(v) => out.push(Effect::Note((ctx.now, 1_000 + v))),
            Input::Message { msg, .. } => {
                out.push(Effect::Note((ctx.now, msg)));
                out.push(Effect::Cue(msg));
                if msg < self.stop {
                    out.push(Effect::Work {
                        duration: SimDuration::from_millis(1),
                        job: msg,
                    });
                }
            }
            Input::Lost { .. } => return Err("nothing is lost here".into()),
            Input::Done(squared) => {
                self.squared = squared;
                out.push(Effect::Send {
                    to: vec![self.next],
                    msg: squared,
                });
            }
        }
        Ok(())
    }

    fn end(&mut self, _ctx: Context, out: &mut Vec<Effect<Ring>>) {
        out.push(Effect::Probe(()));
    }

    fn save(&self) -> Result<Bytes, String> {
        encode(&(self.next, self.stop, self.squared)).map(Bytes)
    }
}

struct Squarer {
    last: u64,
}

impl Worker<Ring> for Squarer {
    fn work(&mut self, job: u64) -> Result<Option<u64>, String> {
        self.last = job * job;
        Ok(Some(self.last))
    }

    fn probe(&mut self, (): ()) -> Result<u64, String> {
        Ok(self.last)
    }

    fn save(&self) -> Result<Bytes, String> {
        encode(&self.last).map(Bytes)
    }
}

/// Every message takes 10 ms.
struct Wire;

impl Medium<Ring> for Wire {
    fn send(
        &mut self,
        now: SimTime,
        from: NodeId,
        to: &[NodeId],
        msg: u64,
        out: &mut dyn Outbox<Ring>,
    ) -> Result<(), String> {
        for &to in to {
            out.transfer(Transfer {
                at: now + SimDuration::from_millis(10),
                from,
                to,
                sent: now,
                delivered: true,
                msg,
            });
            out.report(());
        }
        Ok(())
    }

    fn save(&self) -> Result<Bytes, String> {
        Ok(Bytes::default())
    }

    fn event(&mut self, _now: SimTime, _v: u64, out: &mut dyn Outbox<Ring>) {
        out.report(());
    }
}

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Log {
    notes: Vec<(NodeId, SimTime, u64)>,
    readings: Vec<(NodeId, u64)>,
    reports: usize,
    events: Vec<(SimTime, Target, u64)>,
}

impl Observer<Ring> for Log {
    fn note(&mut self, _now: SimTime, node: NodeId, (t, v): (SimTime, u64)) {
        self.notes.push((node, t, v));
    }
    fn report(&mut self, _now: SimTime, (): ()) {
        self.reports += 1;
    }
    fn arrival(&mut self, _now: SimTime, _transfer: &Transfer<Ring>) {}
    fn reading(&mut self, node: NodeId, reading: u64) {
        self.readings.push((node, reading));
    }
    fn event(&mut self, now: SimTime, target: Target, event: &u64) {
        self.events.push((now, target, *event));
    }

    fn progress(&self) -> u64 {
        self.notes.len() as u64
    }

    fn save(&mut self) -> Result<Bytes, String> {
        encode(&*self).map(Bytes)
    }
}

fn ring(threads: usize) -> (Log, KernelStats) {
    ring_with(threads, Vec::new())
}

/// The ring's three counters and their squarers.
fn ring_nodes() -> Vec<Node<Ring>> {
    (0..3)
        .map(|i| Node {
            model: ring_counter(i),
            worker: Box::new(Squarer { last: 0 }) as Box<dyn Worker<Ring>>,
        })
        .collect()
}

/// Node `i`'s counter in the ring of three.
fn ring_counter(i: NodeId) -> Box<dyn Model<Ring>> {
    Box::new(Counter {
        next: (i + 1) % 3,
        stop: 1_000,
        squared: 0,
    })
}

fn ring_with(threads: usize, timeline: Vec<Scheduled<Ring>>) -> (Log, KernelStats) {
    let nodes = ring_nodes();
    let mut log = Log::default();
    let stats = run(nodes, &mut Wire, &mut log, timeline, threads).expect("the ring runs");
    (log, stats)
}

#[test]
fn messages_cross_the_medium_and_work_takes_its_virtual_time() {
    let (log, stats) = ring(2);
    let ms = |m: u64| SimTime::ZERO + SimDuration::from_millis(m);
    // 2 -> 4 -> 16 -> 256 -> 65536: each hop 10 ms on the wire, each square 1 ms of work.
    assert_eq!(
        log.notes,
        vec![
            (1, ms(10), 2),
            (2, ms(21), 4),
            (0, ms(32), 16),
            (1, ms(43), 256),
            (2, ms(54), 65_536),
        ]
    );
    assert_eq!(log.reports, 5);
    assert_eq!(stats.end, ms(54));
    assert_eq!(log.readings, vec![(0, 256), (1, 65_536), (2, 16)]);
}

#[test]
fn the_outcome_does_not_depend_on_the_thread_count() {
    let (one, stats_one) = ring(1);
    let (three, stats_three) = ring(3);
    assert_eq!(one.notes, three.notes);
    assert_eq!(one.readings, three.readings);
    assert_eq!(stats_one, stats_three);
}

/// Hosts workers "elsewhere": queues what it is handed and computes it only when a result is
/// asked for, all of it at once, as a remote rank computes a batch.
#[derive(Default)]
struct Batching {
    workers: std::collections::BTreeMap<NodeId, Squarer>,
    queued: Vec<(Ticket, NodeId, Option<u64>)>,
    answers: std::collections::BTreeMap<Ticket, u64>,
    next: Ticket,
    batches: u32,
    saves: u32,
}

impl Batching {
    fn hand(&mut self, node: NodeId, job: Option<u64>) -> Ticket {
        self.next += 1;
        self.queued.push((self.next, node, job));
        self.next
    }

    fn answer(&mut self, ticket: Ticket) -> Result<u64, TransportError> {
        self.compute();
        self.answers
            .remove(&ticket)
            .ok_or_else(|| TransportError(format!("no ticket {ticket}")))
    }

    /// Computes everything queued, as one batch.
    fn compute(&mut self) {
        if !self.queued.is_empty() {
            self.batches += 1;
        }
        for (t, node, job) in self.queued.drain(..) {
            let worker = self.workers.get_mut(&node).expect("hosted");
            let answer = match job {
                Some(job) => worker.work(job).expect("works").expect("answers"),
                None => worker.probe(()).expect("reads"),
            };
            self.answers.insert(t, answer);
        }
    }
}

impl Transport<Ring> for Batching {
    fn work(&mut self, node: NodeId, job: u64) -> Result<Ticket, TransportError> {
        Ok(self.hand(node, Some(job)))
    }
    fn post(&mut self, _node: NodeId, _job: u64) -> Result<(), TransportError> {
        Err(TransportError("the ring posts nothing".into()))
    }
    fn probe(&mut self, node: NodeId, (): ()) -> Result<Ticket, TransportError> {
        Ok(self.hand(node, None))
    }
    fn done(&mut self, ticket: Ticket) -> Result<Outcome<Ring>, TransportError> {
        self.answer(ticket).map(|a| Ok(Some(a)))
    }
    fn reading(&mut self, ticket: Ticket) -> Result<Measured<Ring>, TransportError> {
        self.answer(ticket).map(Ok)
    }
    fn save(&mut self, nodes: &[NodeId]) -> Result<Vec<Bytes>, TransportError> {
        self.compute();
        self.saves += 1;
        nodes
            .iter()
            .map(|node| match self.workers.get(node) {
                Some(w) => w.save().map_err(TransportError),
                None => Err(TransportError(format!("node {node} is not hosted here"))),
            })
            .collect()
    }
    fn restore(&mut self, saved: Vec<(NodeId, Bytes)>) -> Result<(), TransportError> {
        for (node, bytes) in saved {
            let last = decode(&bytes.0).map_err(TransportError)?;
            self.workers.insert(node, Squarer { last });
        }
        Ok(())
    }
}

#[test]
fn workers_elsewhere_give_the_same_outcome_as_actors() {
    let (here, stats_here) = ring(2);
    let mut transport = Batching::default();
    transport.workers.insert(1, Squarer { last: 0 });
    let mut log = Log::default();
    let stats = run_spread(
        placed(&[1]),
        &mut Wire,
        &mut log,
        Vec::new(),
        2,
        Some(&mut transport),
        None,
        None,
    )
    .expect("runs");
    assert_eq!(log.notes, here.notes);
    assert_eq!(log.readings, here.readings);
    assert_eq!(stats, stats_here);
    assert!(
        transport.batches >= 2,
        "node 1's jobs and its probe went elsewhere"
    );
}

/// Asks, at start, for work lasting `duration` (node 0 only).
struct Slow {
    duration: SimDuration,
}

impl Model<Ring> for Slow {
    fn handle(
        &mut self,
        ctx: Context,
        input: Input<Ring>,
        out: &mut Vec<Effect<Ring>>,
    ) -> Result<(), String> {
        if matches!(input, Input::Start) && ctx.node == 0 {
            out.push(Effect::Work {
                duration: self.duration,
                job: 2,
            });
        }
        Ok(())
    }
}

fn slow(duration: SimDuration) -> Result<KernelStats, SimError<String>> {
    let nodes = (0..2)
        .map(|_| Node {
            model: Box::new(Slow { duration }) as Box<dyn Model<Ring>>,
            worker: Box::new(Squarer { last: 0 }) as Box<dyn Worker<Ring>>,
        })
        .collect();
    run(nodes, &mut Wire, &mut Log::default(), Vec::new(), 1)
}

#[test]
fn an_event_past_the_end_of_the_clock_is_an_error_naming_its_node() {
    let longest = SimDuration(u64::MAX - 1);
    let stats = slow(longest).expect("the last representable time is reached");
    assert_eq!(stats.end, SimTime::ZERO + longest);
    match slow(SimDuration(u64::MAX)) {
        Err(e @ SimError::ClockOverflow { .. }) => {
            let text = e.to_string();
            assert!(text.contains("node 0"), "{text}");
            assert!(text.contains("virtual clock overflows"), "{text}");
        }
        other => panic!("expected a clock overflow, got {:?}", other.map(|s| s.end)),
    }
}

/// Keeps a snapshot after every event.
#[derive(Default)]
struct EveryEvent {
    snapshots: Vec<(SimTime, Vec<u8>)>,
}

impl Saver<Ring> for EveryEvent {
    fn due(&mut self, _now: SimTime, _progress: u64) -> bool {
        true
    }
    fn keep(&mut self, now: SimTime, write: crate::sim::Encoder) -> Result<(), String> {
        let mut snapshot = Vec::new();
        write(&mut snapshot)?;
        self.snapshots.push((now, snapshot));
        Ok(())
    }
}

#[test]
fn a_run_taken_up_from_any_snapshot_ends_as_if_never_stopped() {
    let (whole, whole_stats) = ring_with(1, timeline());
    assert_eq!(whole.events.len(), 3, "the timeline is part of the run");
    let nodes = ring_nodes;
    // Saved on two threads (work in flight on the actors is awaited into the snapshot) ...
    let mut saver = EveryEvent::default();
    let mut log = Log::default();
    let stats = run_saving(
        nodes(),
        &mut Wire,
        &mut log,
        timeline(),
        2,
        None,
        Some(&mut saver),
    )
    .expect("the ring runs while saving");
    assert_eq!(log.notes, whole.notes, "saving changes nothing");
    assert_eq!(stats, whole_stats);
    assert_eq!(saver.snapshots.len() as u64, whole_stats.events);
    // ... and taken up on one, from each snapshot in turn.
    for (at, bytes) in &saver.snapshots {
        let snapshot = Snapshot::<Ring>::decode(bytes).expect("decodes");
        let mut restored = nodes();
        for (node, (model, worker)) in snapshot.models.iter().zip(&snapshot.workers).enumerate() {
            let (next, stop, squared): (NodeId, u64, u64) = decode(&model.0).expect("model");
            restored[node].model = Box::new(Counter {
                next,
                stop,
                squared,
            });
            restored[node].worker = Box::new(Squarer {
                last: decode(&worker.0).expect("worker"),
            });
        }
        let mut log: Log = decode(&snapshot.observer.0).expect("observer");
        let stats = run_saving(
            restored,
            &mut Wire,
            &mut log,
            timeline(),
            1,
            Some(snapshot.kernel),
            None,
        )
        .expect("the ring runs on");
        assert_eq!(log.notes, whole.notes, "from {at}");
        assert_eq!(log.readings, whole.readings, "from {at}");
        assert_eq!(log.reports, whole.reports, "from {at}");
        assert_eq!(log.events, whole.events, "from {at}");
        assert_eq!(stats, whole_stats, "from {at}");
    }
}

/// The ring's three nodes; the workers of `elsewhere` are not hosted here.
fn placed(elsewhere: &[NodeId]) -> Vec<Placed<Ring>> {
    (0..3)
        .map(|i| {
            let model = ring_counter(i);
            let worker = (!elsewhere.contains(&i))
                .then(|| Box::new(Squarer { last: 0 }) as Box<dyn Worker<Ring>>);
            (model, worker)
        })
        .collect()
}

#[test]
fn snapshots_with_workers_elsewhere_are_those_of_one_process_and_are_taken_up_anywhere() {
    let (whole, whole_stats) = ring_with(1, timeline());
    let saving = |elsewhere: &[NodeId]| {
        let mut transport = Batching::default();
        for &node in elsewhere {
            transport.workers.insert(node, Squarer { last: 0 });
        }
        let mut saver = EveryEvent::default();
        let mut log = Log::default();
        let stats = run_spread(
            placed(elsewhere),
            &mut Wire,
            &mut log,
            timeline(),
            2,
            Some(&mut transport),
            None,
            Some(&mut saver),
        )
        .expect("the ring runs while saving");
        assert_eq!(log.notes, whole.notes, "saving changes nothing");
        assert_eq!(stats, whole_stats);
        let saves = transport.saves as usize;
        (saver.snapshots, saves)
    };
    let (here, none) = saving(&[]);
    assert_eq!(none, 0, "nothing to ask the transport for");
    let (away, saves) = saving(&[1, 2]);
    assert_eq!(saves, away.len(), "every snapshot asked the transport");
    assert!(here.len() > 3);
    assert!(here == away, "the same snapshots, byte for byte");
    // Taken up from each snapshot with another placement: the workers elsewhere get their
    // state through the transport.
    for (at, bytes) in &here {
        let snapshot = Snapshot::<Ring>::decode(bytes).expect("decodes");
        let mut transport = Batching::default();
        let mut nodes = placed(&[0]);
        let mut handed = Vec::new();
        for (node, (model, worker)) in snapshot.models.iter().zip(&snapshot.workers).enumerate() {
            let (next, stop, squared): (NodeId, u64, u64) = decode(&model.0).expect("model");
            nodes[node].0 = Box::new(Counter {
                next,
                stop,
                squared,
            });
            match &mut nodes[node].1 {
                Some(w) => {
                    *w = Box::new(Squarer {
                        last: decode(&worker.0).expect("worker"),
                    })
                }
                None => handed.push((node as NodeId, worker.clone())),
            }
        }
        transport.restore(handed).expect("restores");
        let mut log: Log = decode(&snapshot.observer.0).expect("observer");
        let stats = run_spread(
            nodes,
            &mut Wire,
            &mut log,
            timeline(),
            1,
            Some(&mut transport),
            Some(snapshot.kernel),
            None,
        )
        .expect("the ring runs on");
        assert_eq!(log.notes, whole.notes, "from {at}");
        assert_eq!(log.readings, whole.readings, "from {at}");
        assert_eq!(stats, whole_stats, "from {at}");
    }
}

#[test]
fn a_damaged_snapshot_is_an_error_not_a_panic() {
    let mut saver = EveryEvent::default();
    let nodes = ring_nodes();
    run_saving(
        nodes,
        &mut Wire,
        &mut Log::default(),
        Vec::new(),
        1,
        None,
        Some(&mut saver),
    )
    .expect("runs");
    let (_, bytes) = &saver.snapshots[3];
    for cut in 0..bytes.len() {
        assert!(
            Snapshot::<Ring>::decode(&bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    let err = Snapshot::<Ring>::decode(&longer).err().expect("left over");
    assert!(err.contains("left over"), "{err}");
}

#[test]
fn timeline_events_fall_due_at_their_time_or_after_their_cue_and_only_once() {
    let ms = |m: u64| SimTime::ZERO + SimDuration::from_millis(m);
    for threads in [1, 2] {
        let (log, _) = ring_with(threads, timeline());
        let events: Vec<(NodeId, SimTime, u64)> = log
            .notes
            .iter()
            .copied()
            .filter(|n| (1_000..2_000).contains(&n.2))
            .collect();
        assert_eq!(events, vec![(1, ms(15), 1_009), (0, ms(26), 1_007)]);
        assert_eq!(
            log.events,
            vec![
                (ms(15), Target::Node(1), 9),
                (ms(26), Target::Node(0), 7),
                (ms(30), Target::Medium, 3),
            ]
        );
        assert_eq!(log.reports, 6, "five hops and the medium's event");
    }
}

/// Timeline events at a time (for a node and for the medium), after a cue, and after a cue
/// nobody raises.
fn timeline() -> Vec<Scheduled<Ring>> {
    let ms = |m: u64| SimTime::ZERO + SimDuration::from_millis(m);
    vec![
        Scheduled {
            when: When::At(ms(15)),
            target: Target::Node(1),
            event: 9,
        },
        // Node 2 receives token 4 at 21 ms and raises cue 4; the token comes back as a
        // message worth 4 nowhere else, so the event falls due once, 5 ms later.
        Scheduled {
            when: When::Cue {
                cue: 4,
                delay: SimDuration::from_millis(5),
            },
            target: Target::Node(0),
            event: 7,
        },
        Scheduled {
            when: When::At(ms(30)),
            target: Target::Medium,
            event: 3,
        },
        // Nobody raises cue 5: never due.
        Scheduled {
            when: When::Cue {
                cue: 5,
                delay: SimDuration::ZERO,
            },
            target: Target::Node(2),
            event: 8,
        },
    ]
}

#[test]
fn actors_go_to_arbiters_in_contiguous_even_runs() {
    for (actors, arbiters) in [(1000, 2), (1001, 2), (10, 3), (7, 7), (3, 5), (1, 1)] {
        let of: Vec<usize> = (0..actors)
            .map(|a| arbiter_of(a, actors, arbiters))
            .collect();
        assert!(
            of.windows(2).all(|w| w[0] <= w[1]),
            "{actors} over {arbiters}"
        );
        assert!(of.iter().all(|&a| a < arbiters));
        let mut count = vec![0usize; arbiters];
        of.iter().for_each(|&a| count[a] += 1);
        let (least, most) = (count.iter().min(), count.iter().max());
        assert!(
            most.zip(least).is_some_and(|(m, l)| m - l <= 1),
            "{count:?}"
        );
        // Devices alternating between two kinds: each thread gets both kinds alike.
        if arbiters == 2 && actors >= 1000 {
            let even = |t: usize| (0..actors).filter(|&a| of[a] == t && a % 2 == 0).count();
            assert!(even(0).abs_diff(even(1)) <= 1, "{count:?}");
        }
    }
}

/// Sends its id to node 0 at the start; node 0 notes what it receives.
struct Sender;

impl Model<Ring> for Sender {
    fn handle(
        &mut self,
        ctx: Context,
        input: Input<Ring>,
        out: &mut Vec<Effect<Ring>>,
    ) -> Result<(), String> {
        match input {
            Input::Start if ctx.node > 0 => out.push(Effect::Send {
                to: vec![0],
                msg: u64::from(ctx.node),
            }),
            Input::Message { msg, .. } => out.push(Effect::Note((ctx.now, msg))),
            _ => {}
        }
        Ok(())
    }

    fn save(&self) -> Result<Bytes, String> {
        Ok(Bytes::default())
    }
}

/// Holds every message until [`Gate::OPEN`], then hands them all over at one wake-up.
#[derive(Default)]
struct Gate {
    held: Vec<Transfer<Ring>>,
}

impl Gate {
    const OPEN: SimTime = SimTime(50_000_000);
}

impl Medium<Ring> for Gate {
    fn send(
        &mut self,
        now: SimTime,
        from: NodeId,
        to: &[NodeId],
        msg: u64,
        out: &mut dyn Outbox<Ring>,
    ) -> Result<(), String> {
        for &to in to {
            self.held.push(Transfer {
                at: Gate::OPEN,
                from,
                to,
                sent: now,
                delivered: true,
                msg,
            });
            out.report(());
        }
        Ok(())
    }

    fn next_wake(&self) -> Option<SimTime> {
        (!self.held.is_empty()).then_some(Gate::OPEN)
    }

    fn wake(&mut self, _now: SimTime, out: &mut dyn Outbox<Ring>) {
        // Handed over last first: the calendar, not the medium, puts them in order.
        while let Some(transfer) = self.held.pop() {
            out.transfer(transfer);
        }
    }

    fn save(&self) -> Result<Bytes, String> {
        Ok(Bytes::default())
    }
}

#[test]
fn copies_handed_over_at_one_wake_up_arrive_at_their_time_in_the_order_of_their_senders() {
    let senders = 2_999u64;
    let nodes = (0..=senders)
        .map(|_| Node {
            model: Box::new(Sender) as Box<dyn Model<Ring>>,
            worker: Box::new(Squarer { last: 0 }) as Box<dyn Worker<Ring>>,
        })
        .collect();
    let (mut gate, mut log) = (Gate::default(), Log::default());
    let stats = run(nodes, &mut gate, &mut log, Vec::new(), 1).expect("the gate runs");
    let expected: Vec<_> = (1..=senders).map(|s| (0, Gate::OPEN, s)).collect();
    assert_eq!(log.notes, expected);
    assert_eq!(log.reports, senders as usize, "one report per message sent");
    assert_eq!(stats.end, Gate::OPEN);
}
