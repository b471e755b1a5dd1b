//! A run's device workers spread over ranks (processes, possibly on other machines).
//!
//! Rank 0 runs everything that decides what happens and when: the kernel (clock, calendar), the
//! channel, the base station and every node *model*; it also hosts the workers of its own share
//! of the devices. Ranks 1.. host only the *workers* (learning state) of their share and compute
//! the jobs and probes rank 0 hands them. So the kernel's determinism argument is unchanged: a
//! job's virtual duration is known when it is asked for, rank 0 hands it over at once and needs
//! its result only when the calendar reaches its end; each worker runs its jobs in the order they
//! were asked for, wherever it lives.
//!
//! Per window, rank 0 batches what it handed each rank (one copy of each global model the jobs
//! adopt, then per job its device, steps and flags) and, when the calendar first needs a result
//! of that rank, sends the batch and collects the rank's answers (per job its compute totals,
//! evaluation and compressed upload). A rank has at most one batch outstanding, so no rank ever
//! waits on another but rank 0.
//!
//! Placement ([`assignment`]): the device ids are shuffled by a permutation drawn from the run's
//! seed and dealt round-robin to the ranks, so each rank holds `devices / ranks` devices (one
//! more for the first `devices % ranks`) and a mix of every device class. Placement never changes
//! the outputs, only the load.

use super::wiring::{node_of, Fl, FlWorker};
use crate::fl::compress::{Broadcast, EncodedUpload};
use crate::fl::{ComputeTotals, Job, Probe, Reading, Trained};
use crate::sim::{self, Bytes, Measured, NodeId, Outcome, Ticket, TransportError};
use crate::snn::Evaluation;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha12Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Moves messages between ranks: the only thing a cluster transport (MPI) implements.
pub trait Link {
    /// This process's rank.
    fn rank(&self) -> u32;
    /// How many ranks there are.
    fn ranks(&self) -> u32;
    /// Sends `bytes` to rank `to`.
    fn send(&mut self, to: u32, bytes: &[u8]) -> Result<(), String>;
    /// The next message from rank `from` (waits for it).
    fn recv(&mut self, from: u32) -> Result<Vec<u8>, String>;
}

/// The stream of the run's seed the placement is drawn from (no node's stream: see `rng.rs`).
const PLACEMENT_STREAM: u64 = u64::MAX;

/// The rank of each device, by device id: the ids shuffled by a permutation drawn from `seed`,
/// dealt round-robin over `ranks` ranks (at least one).
pub fn assignment(seed: u64, devices: u32, ranks: u32) -> Vec<u32> {
    let ranks = ranks.max(1);
    let mut order: Vec<u32> = (0..devices).collect();
    let mut rng = ChaCha12Rng::seed_from_u64(seed);
    rng.set_stream(PLACEMENT_STREAM);
    order.shuffle(&mut rng);
    let mut rank = vec![0; devices as usize];
    for (i, &d) in order.iter().enumerate() {
        rank[d as usize] = i as u32 % ranks;
    }
    rank
}

/// What rank 0 tells a serving rank.
#[derive(Serialize, Deserialize)]
enum Order<M, O> {
    /// Compute these and answer.
    Batch {
        /// The global models the jobs adopt, each once.
        models: Vec<M>,
        /// The jobs and probes, in the order they were asked for.
        ops: O,
    },
    /// The run is over.
    Stop,
}

/// A batch as rank 0 sends it (borrowed) and as a serving rank reads it (owned); the same bytes.
type OrderOut<'a> = Order<&'a Broadcast, &'a [Op]>;
type OrderIn = Order<Broadcast, Vec<Op>>;

/// One job or probe of a node.
#[derive(Serialize, Deserialize, Debug)]
struct Op {
    /// Where its answer goes (`None`: a posted job, nobody awaits it).
    ticket: Option<Ticket>,
    node: NodeId,
    task: Task,
}

#[derive(Serialize, Deserialize, Debug)]
enum Task {
    Train {
        /// Index of the model to adopt first in the batch's models.
        adopt: Option<u32>,
        steps: u64,
        evaluate: u64,
        upload: bool,
        epoch: u64,
    },
    Adopt(u32),
    /// Back to the initial model (a crash).
    Reset,
    Final {
        evaluate: bool,
    },
    /// Answer with the worker's saved state (a snapshot).
    Save,
    /// Take this saved state (a run taken up from a snapshot).
    Restore(Bytes),
}

/// A job's result or a probe's reading, or the worker's error.
#[derive(Serialize, Deserialize, Debug)]
struct Answer {
    ticket: Ticket,
    reply: Result<Reply, String>,
}

#[derive(Serialize, Deserialize, Debug)]
enum Reply {
    Trained(Option<TrainedWire>),
    Final {
        evaluation: Option<Evaluation>,
        learner_bytes: u64,
    },
    Saved(Bytes),
    Restored,
}

#[derive(Serialize, Deserialize, Debug)]
struct TrainedWire {
    compute: ComputeTotals,
    evaluation: Option<Evaluation>,
    upload: Option<EncodedUpload>,
    epoch: u64,
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
    postcard::to_stdvec(value).map_err(|e| format!("encoding a message between ranks: {e}"))
}

fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8], from: u32) -> Result<T, String> {
    postcard::from_bytes(bytes).map_err(|e| format!("a garbled message from rank {from}: {e}"))
}

/// What crossed between rank 0 and the serving ranks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Batches sent (one per rank per window with work for it).
    pub batches: u64,
    /// Jobs and probes sent.
    pub ops: u64,
    /// Bytes sent to serving ranks \[B\].
    pub bytes_out: u64,
    /// Bytes received from serving ranks \[B\].
    pub bytes_in: u64,
    /// Wall-clock time rank 0 waited for answers.
    pub waited: std::time::Duration,
    /// Bytes of worker state carried for snapshots and resumes (counted in `bytes_in` and
    /// `bytes_out` too) \[B\].
    pub state_bytes: u64,
}

/// Work for one rank, not sent yet.
#[derive(Default)]
struct Queue {
    models: Vec<Arc<Broadcast>>,
    ops: Vec<Op>,
}

impl Queue {
    fn model(&mut self, model: Arc<Broadcast>) -> u32 {
        match self.models.iter().position(|m| Arc::ptr_eq(m, &model)) {
            Some(i) => i as u32,
            None => {
                self.models.push(model);
                self.models.len() as u32 - 1
            }
        }
    }
}

/// Rank 0's side: the kernel's transport to the workers on other ranks.
pub struct Dispatch<'l> {
    link: &'l mut dyn Link,
    /// Rank of each node (node id = index).
    rank_of: Vec<u32>,
    next: Ticket,
    queues: Vec<Queue>,
    /// Whether a batch is out at each rank, its answers not collected yet.
    waiting: Vec<bool>,
    answers: HashMap<Ticket, Result<Reply, String>>,
    /// The rank each unanswered ticket is at.
    pending: HashMap<Ticket, u32>,
    traffic: Traffic,
}

impl<'l> Dispatch<'l> {
    /// A transport over `link` for devices placed by `device_rank` (device id -> rank).
    pub fn new(link: &'l mut dyn Link, device_rank: &[u32]) -> Dispatch<'l> {
        let ranks = link.ranks() as usize;
        let rank_of = std::iter::once(0)
            .chain(device_rank.iter().copied())
            .collect();
        Dispatch {
            link,
            rank_of,
            next: 0,
            queues: (0..ranks).map(|_| Queue::default()).collect(),
            waiting: vec![false; ranks],
            answers: HashMap::new(),
            pending: HashMap::new(),
            traffic: Traffic::default(),
        }
    }

    /// What crossed so far.
    pub fn traffic(&self) -> Traffic {
        self.traffic
    }

    fn push(
        &mut self,
        node: NodeId,
        answered: bool,
        task: impl FnOnce(&mut Queue) -> Task,
    ) -> Ticket {
        let rank = self.rank_of.get(node as usize).copied().unwrap_or(0);
        let ticket = self.next;
        self.next += 1;
        let queue = &mut self.queues[rank as usize];
        let task = task(queue);
        queue.ops.push(Op {
            ticket: answered.then_some(ticket),
            node,
            task,
        });
        if answered {
            self.pending.insert(ticket, rank);
        }
        ticket
    }

    fn job(&mut self, node: NodeId, job: Job, answered: bool) -> Ticket {
        self.push(node, answered, |queue| match job {
            Job::Train {
                adopt,
                steps,
                evaluate,
                upload,
                epoch,
            } => Task::Train {
                adopt: adopt.map(|m| queue.model(m)),
                steps,
                evaluate: evaluate as u64,
                upload,
                epoch,
            },
            Job::Adopt(model) => Task::Adopt(queue.model(model)),
            Job::Reset => Task::Reset,
        })
    }

    /// Sends every rank its queued work (collecting its previous answers first).
    fn flush(&mut self) -> Result<(), String> {
        for rank in 1..self.queues.len() {
            if self.queues[rank].ops.is_empty() {
                continue;
            }
            if self.waiting[rank] {
                self.collect(rank)?;
            }
            let queue = std::mem::take(&mut self.queues[rank]);
            let order: OrderOut = Order::Batch {
                models: queue.models.iter().map(|m| &**m).collect(),
                ops: &queue.ops,
            };
            let bytes = encode(&order)?;
            self.link.send(rank as u32, &bytes)?;
            self.traffic.batches += 1;
            self.traffic.ops += queue.ops.len() as u64;
            self.traffic.bytes_out += bytes.len() as u64;
            self.waiting[rank] = true;
        }
        Ok(())
    }

    fn collect(&mut self, rank: usize) -> Result<(), String> {
        let asked = std::time::Instant::now();
        let bytes = self.link.recv(rank as u32)?;
        self.traffic.waited += asked.elapsed();
        self.waiting[rank] = false;
        self.traffic.bytes_in += bytes.len() as u64;
        let answers: Vec<Answer> = decode(&bytes, rank as u32)?;
        for answer in answers {
            self.answers.insert(answer.ticket, answer.reply);
        }
        Ok(())
    }

    fn answer(&mut self, ticket: Ticket) -> Result<Reply, TransportError> {
        loop {
            if let Some(reply) = self.answers.remove(&ticket) {
                let rank = self.pending.remove(&ticket).unwrap_or(0);
                return reply.map_err(|e| TransportError(format!("rank {rank}: {e}")));
            }
            let Some(&rank) = self.pending.get(&ticket) else {
                return Err(TransportError(format!(
                    "no work handed over as ticket {ticket}"
                )));
            };
            let rank = rank as usize;
            let outcome = if self.waiting[rank] {
                self.collect(rank)
            } else if self.queues[rank].ops.is_empty() {
                Err(format!("rank {rank} answered without ticket {ticket}"))
            } else {
                self.flush()
            };
            outcome.map_err(TransportError)?;
        }
    }
}

/// Worker states asked for or handed over per batch at most, so that a snapshot of many devices
/// crosses in several bounded messages rather than one.
const STATES_PER_BATCH: usize = 64;

impl Dispatch<'_> {
    /// Queues `task` of each node (on a serving rank), sending the queues every
    /// [`STATES_PER_BATCH`] nodes, and collects the answers in order.
    fn each(
        &mut self,
        tasks: impl IntoIterator<Item = (NodeId, Task)>,
    ) -> Result<Vec<(NodeId, Reply)>, TransportError> {
        let mut tickets = Vec::new();
        let mut tasks = tasks.into_iter().peekable();
        while tasks.peek().is_some() {
            for (node, task) in tasks.by_ref().take(STATES_PER_BATCH) {
                if self.rank_of.get(node as usize).is_none_or(|&r| r == 0) {
                    return Err(TransportError(format!(
                        "node {node}'s worker is not hosted on another rank"
                    )));
                }
                tickets.push((node, self.push(node, true, |_| task)));
            }
            Dispatch::flush(self).map_err(TransportError)?;
        }
        tickets
            .into_iter()
            .map(|(node, ticket)| match self.answer(ticket) {
                Ok(reply) => Ok((node, reply)),
                Err(e) => Err(TransportError(format!("node {node}'s worker: {}", e.0))),
            })
            .collect()
    }
}

impl Drop for Dispatch<'_> {
    /// Collects the answers still out, so every serving rank is back waiting for orders.
    fn drop(&mut self) {
        for rank in 1..self.waiting.len() {
            if self.waiting[rank] && self.collect(rank).is_err() {
                self.waiting[rank] = false;
            }
        }
    }
}

impl sim::Transport<Fl> for Dispatch<'_> {
    fn work(&mut self, node: NodeId, job: Job) -> Result<Ticket, TransportError> {
        Ok(self.job(node, job, true))
    }

    fn post(&mut self, node: NodeId, job: Job) -> Result<(), TransportError> {
        self.job(node, job, false);
        Ok(())
    }

    fn probe(&mut self, node: NodeId, probe: Probe) -> Result<Ticket, TransportError> {
        match probe {
            Probe::Final { evaluate } => Ok(self.push(node, true, |_| Task::Final { evaluate })),
            Probe::Global { .. } => Err(TransportError(format!(
                "node {node}: a global probe is taken at the base station, never on another rank"
            ))),
        }
    }

    fn done(&mut self, ticket: Ticket) -> Result<Outcome<Fl>, TransportError> {
        match self.answer(ticket)? {
            Reply::Trained(trained) => Ok(Ok(trained.map(|t| Trained {
                compute: t.compute,
                evaluation: t.evaluation.map(Box::new),
                upload: t.upload,
                epoch: t.epoch,
            }))),
            _ => Err(TransportError(format!(
                "another answer came back for the job of ticket {ticket}"
            ))),
        }
    }

    fn flush(&mut self) -> Result<(), TransportError> {
        Dispatch::flush(self).map_err(TransportError)
    }

    fn save(&mut self, nodes: &[NodeId]) -> Result<Vec<Bytes>, TransportError> {
        let replies = self.each(nodes.iter().map(|&node| (node, Task::Save)))?;
        replies
            .into_iter()
            .map(|(node, reply)| match reply {
                Reply::Saved(bytes) => {
                    self.traffic.state_bytes += bytes.0.len() as u64;
                    Ok(bytes)
                }
                _ => Err(TransportError(format!(
                    "node {node}'s worker answered a save with something else"
                ))),
            })
            .collect()
    }

    fn restore(&mut self, saved: Vec<(NodeId, Bytes)>) -> Result<(), TransportError> {
        self.traffic.state_bytes += saved.iter().map(|(_, b)| b.0.len() as u64).sum::<u64>();
        let tasks = saved
            .into_iter()
            .map(|(node, bytes)| (node, Task::Restore(bytes)));
        for (node, reply) in self.each(tasks)? {
            if !matches!(reply, Reply::Restored) {
                return Err(TransportError(format!(
                    "node {node}'s worker answered a restore with something else"
                )));
            }
        }
        Ok(())
    }

    fn reading(&mut self, ticket: Ticket) -> Result<Measured<Fl>, TransportError> {
        match self.answer(ticket)? {
            Reply::Final {
                evaluation,
                learner_bytes,
            } => Ok(Ok(Reading::Final {
                evaluation,
                learner_bytes: learner_bytes as usize,
            })),
            _ => Err(TransportError(format!(
                "another answer came back for the probe of ticket {ticket}"
            ))),
        }
    }
}

/// Tells every serving rank that the run is over: each one still there, when some are gone
/// (the first failure is returned).
pub fn stop(link: &mut dyn Link) -> Result<(), String> {
    let bytes = encode(&OrderOut::Stop)?;
    let mut failed = Ok(());
    for rank in 1..link.ranks() {
        if let Err(e) = link.send(rank, &bytes) {
            failed = failed.and(Err(e));
        }
    }
    failed
}

/// A worker hosted on a serving rank, with the first error of a posted job (reported with its
/// next answer, as an actor does).
struct Hosted {
    worker: FlWorker,
    fault: Option<String>,
}

impl Hosted {
    fn run(&mut self, task: Task, models: &[Arc<Broadcast>]) -> Result<Reply, String> {
        if let Some(fault) = self.fault.take() {
            return Err(fault);
        }
        let model = |i: u32| {
            models
                .get(i as usize)
                .cloned()
                .ok_or_else(|| format!("model {i} of a batch of {}", models.len()))
        };
        use sim::Worker;
        let job = match task {
            Task::Train {
                adopt,
                steps,
                evaluate,
                upload,
                epoch,
            } => Job::Train {
                adopt: adopt.map(model).transpose()?,
                steps,
                evaluate: usize::try_from(evaluate).unwrap_or(usize::MAX),
                upload,
                epoch,
            },
            Task::Adopt(i) => Job::Adopt(model(i)?),
            Task::Reset => Job::Reset,
            Task::Save => return self.worker.save().map(Reply::Saved),
            Task::Restore(saved) => return self.worker.restore(&saved.0).map(|()| Reply::Restored),
            Task::Final { evaluate } => {
                return match self
                    .worker
                    .probe(Probe::Final { evaluate })
                    .map_err(|e| e.to_string())?
                {
                    Reading::Final {
                        evaluation,
                        learner_bytes,
                    } => Ok(Reply::Final {
                        evaluation,
                        learner_bytes: learner_bytes as u64,
                    }),
                    Reading::Global { .. } => Err("a global reading from a device".into()),
                };
            }
        };
        let trained = self.worker.work(job).map_err(|e| e.to_string())?;
        Ok(Reply::Trained(trained.map(|t| TrainedWire {
            compute: t.compute,
            evaluation: t.evaluation.map(|e| *e),
            upload: t.upload,
            epoch: t.epoch,
        })))
    }
}

/// What a serving rank did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Served {
    /// Batches computed.
    pub batches: u64,
    /// Jobs and probes computed.
    pub ops: u64,
}

/// A serving rank's side: hosts `workers` (by device id) and computes the batches rank 0 sends,
/// each node's work in order and different nodes' work over `threads` threads, until told to
/// stop. With `broken` (this rank could not build its workers), every answer is that error, so
/// rank 0 fails with it instead of waiting.
pub fn serve(
    link: &mut dyn Link,
    workers: Vec<(u32, FlWorker)>,
    broken: Option<String>,
    threads: usize,
) -> Result<Served, String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| format!("starting {threads} threads: {e}"))?;
    let mut hosted: BTreeMap<NodeId, Hosted> = workers
        .into_iter()
        .map(|(device, worker)| {
            let fault = None;
            (node_of(device), Hosted { worker, fault })
        })
        .collect();
    let rank = link.rank();
    let mut served = Served::default();
    let stall_at_save = super::checkpoint::stall_at_save();
    let mut saves = 0;
    loop {
        let bytes = link.recv(0)?;
        let (models, ops) = match decode::<OrderIn>(&bytes, 0)? {
            Order::Stop => return Ok(served),
            Order::Batch { models, ops } => (models, ops),
        };
        if ops.iter().any(|op| matches!(op.task, Task::Save)) {
            saves += 1;
            if stall_at_save == Some(saves) {
                super::checkpoint::stall_here(&format!("on rank {rank}, asked to save ({saves})"));
            }
        }
        served.batches += 1;
        served.ops += ops.len() as u64;
        let models: Vec<Arc<Broadcast>> = models.into_iter().map(Arc::new).collect();
        let mut answers = Vec::with_capacity(ops.len());
        let mut groups: BTreeMap<NodeId, Vec<Op>> = BTreeMap::new();
        for op in ops {
            groups.entry(op.node).or_default().push(op);
        }
        let mut work = Vec::with_capacity(groups.len());
        for (node, ops) in groups {
            match (&broken, hosted.remove(&node)) {
                (None, Some(h)) => work.push((node, h, ops)),
                (broken, h) => {
                    let why = broken
                        .clone()
                        .unwrap_or_else(|| format!("rank {rank} does not host node {node}"));
                    if let Some(h) = h {
                        hosted.insert(node, h);
                    }
                    answers.extend(ops.iter().filter_map(|op| {
                        op.ticket.map(|ticket| Answer {
                            ticket,
                            reply: Err(why.clone()),
                        })
                    }));
                }
            }
        }
        let computed: Vec<Vec<Answer>> = pool.install(|| {
            work.par_iter_mut()
                .map(|(_, h, ops)| {
                    let mut out = Vec::new();
                    for op in ops.drain(..) {
                        let reply = h.run(op.task, &models);
                        match op.ticket {
                            Some(ticket) => out.push(Answer { ticket, reply }),
                            None => {
                                if let Err(e) = reply {
                                    h.fault.get_or_insert(e);
                                }
                            }
                        }
                    }
                    out
                })
                .collect()
        });
        for (node, h, _) in work {
            hosted.insert(node, h);
        }
        answers.extend(computed.into_iter().flatten());
        answers.sort_by_key(|a| a.ticket);
        link.send(0, &encode(&answers)?)?;
    }
}

/// One end of an in-process [`Link`]: ranks as threads of one process, messages over channels.
/// For tests and benches of the spread protocol without MPI.
pub struct ChannelLink {
    rank: u32,
    to: Vec<std::sync::mpsc::Sender<Vec<u8>>>,
    from: Vec<std::sync::mpsc::Receiver<Vec<u8>>>,
}

impl ChannelLink {
    /// The `ranks` ends of a fully connected in-process link, rank order.
    pub fn mesh(ranks: u32) -> Vec<ChannelLink> {
        let n = ranks.max(1) as usize;
        let mut senders: Vec<Vec<_>> = (0..n).map(|_| Vec::with_capacity(n)).collect();
        let mut receivers: Vec<Vec<_>> = (0..n).map(|_| Vec::with_capacity(n)).collect();
        // Channel (i -> j): its sender goes to rank i, its receiver to rank j.
        for sender in senders.iter_mut() {
            for receiver in receivers.iter_mut() {
                let (tx, rx) = std::sync::mpsc::channel();
                sender.push(tx);
                receiver.push(rx);
            }
        }
        senders
            .into_iter()
            .zip(receivers)
            .enumerate()
            .map(|(rank, (to, from))| ChannelLink {
                rank: rank as u32,
                to,
                from,
            })
            .collect()
    }
}

impl Link for ChannelLink {
    fn rank(&self) -> u32 {
        self.rank
    }

    fn ranks(&self) -> u32 {
        self.to.len() as u32
    }

    fn send(&mut self, to: u32, bytes: &[u8]) -> Result<(), String> {
        self.to[to as usize]
            .send(bytes.to_vec())
            .map_err(|_| format!("rank {to} is gone"))
    }

    fn recv(&mut self, from: u32) -> Result<Vec<u8>, String> {
        self.from[from as usize]
            .recv()
            .map_err(|_| format!("rank {from} is gone"))
    }
}
