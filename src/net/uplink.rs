//! The shared uplink of a cell: an event-driven state machine over flows (messages in flight).
//!
//! A caller starts flows with [`SharedUplink::start_flow`], asks for the next completion with
//! [`SharedUplink::next_completion`] and collects it with [`SharedUplink::complete_next`] (or all
//! completions up to a time with [`SharedUplink::advance_to`]). Calls must come in non-decreasing
//! time, and every completion earlier than a new flow's start must be collected first (a
//! completion at exactly the start time may still be pending; such a flow has no work left, so
//! it takes no share of the rate while pending).
//!
//! Exactness: times are integer nanoseconds; equal-share and FIFO finish times are
//! `ceil(bits * share * 1e9 / rate)` in integer arithmetic. Processor sharing tracks the service
//! every active flow has received in **nano-bits** (`u128`, 1e-9 bit): over `dt` ns with `n`
//! flows each receives `floor(rate * dt / n)` nano-bits, and a flow finishes at the first whole
//! nanosecond at which its service reaches its size. When `n` divides `rate * dt` (as in the
//! hand-worked examples in the tests) this is exact; otherwise each rate change costs a flow
//! under 1e-9 bit and a finish time is at most 1 ns late per event.
//!
//! Ties are broken by time, then flow id (smaller first). Flow ids increase from flow to flow.
//! A flow is held in a slot (see [`crate::slab`]) and found by it, not through a map by id.

use super::error::NetError;
use super::rate::{saturate, tx_time, tx_time_shared, Rate};
use crate::slab::Slab;
use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// How concurrent senders share the uplink rate.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sharing {
    /// A flow gets `rate / n`, `n` the number of flows active when it starts (itself and any
    /// flow starting at the same instant included), fixed for its lifetime (an FDMA/TDMA slot).
    EqualShare,
    /// The flows starting at one instant take `m / n` of the rate (`m` of them among the `n`
    /// active), split in proportion to their sizes, fixed for their lifetime: they all finish
    /// together, `sum(bits) n / (m rate)` after they start (an OFDMA split that equalises the
    /// senders' latencies).
    Proportional,
    /// At every instant the rate is split equally among all active flows.
    ProcessorSharing,
    /// One flow at a time at the full rate, in arrival order (ties by id).
    Fifo,
}

/// One flow on the uplink, and what its owner keeps with it until it completes.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Flow<T> {
    /// Its id: ties are broken by id.
    id: u64,
    arrival: SimTime,
    bits: u64,
    /// Sort key in `order`: finish time \[ns\] (equal share), finish tag [nano-bit] (processor
    /// sharing) or arrival time \[ns\] (FIFO), as high and low halves (a `u128` field would align
    /// the whole flow to 16 bytes).
    key: [u64; 2],
    payload: T,
}

impl<T> Flow<T> {
    fn key(&self) -> u128 {
        (u128::from(self.key[0]) << 64) | u128::from(self.key[1])
    }

    fn set_key(&mut self, key: u128) {
        // The halves of a u128.
        self.key = [(key >> 64) as u64, key as u64];
    }
}

/// A cell's shared uplink; each flow carries a payload of type `T` for its owner, handed back
/// when the flow completes or is cancelled.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct SharedUplink<T = ()> {
    rate: Rate,
    sharing: Sharing,
    /// Time of the last event \[ns\].
    now: SimTime,
    /// The active flows, by slot.
    flows: Slab<Flow<T>>,
    /// `(key, id, slot)` of every active flow, smallest first.
    order: BTreeSet<(u128, u64, u32)>,
    /// The id of the latest flow started (ids increase from flow to flow).
    last_id: Option<u64>,
    /// Processor sharing: service each active flow has received since the start [nano-bit].
    service: u128,
    /// FIFO: when the last completed flow left the link \[ns\].
    free_at: SimTime,
}

impl SharedUplink {
    /// An idle uplink of `rate` shared by `sharing`, whose flows carry nothing.
    pub fn new(rate: Rate, sharing: Sharing) -> SharedUplink {
        SharedUplink::carrying(rate, sharing)
    }

    /// Start flow `id` of `bits` \[bit\] at `now` (see [`SharedUplink::start`]).
    pub fn start_flow(&mut self, now: SimTime, id: u64, bits: u64) -> Result<(), NetError> {
        self.start(now, id, bits, ())
    }
}

impl<T> SharedUplink<T> {
    /// An idle uplink of `rate` shared by `sharing`, whose flows carry a `T` each.
    pub fn carrying(rate: Rate, sharing: Sharing) -> SharedUplink<T> {
        SharedUplink {
            rate,
            sharing,
            now: SimTime::ZERO,
            flows: Slab::default(),
            order: BTreeSet::new(),
            last_id: None,
            service: 0,
            free_at: SimTime::ZERO,
        }
    }

    /// The uplink rate [bit/s].
    pub fn rate(&self) -> Rate {
        self.rate
    }

    /// The sharing rule.
    pub fn sharing(&self) -> Sharing {
        self.sharing
    }

    /// Flows started and not yet collected.
    pub fn active_flows(&self) -> usize {
        self.flows.len()
    }

    /// Start flow `id` of `bits` \[bit\] at `now`, carrying `payload`. Ids must increase from
    /// flow to flow (so each is started once).
    pub fn start(&mut self, now: SimTime, id: u64, bits: u64, payload: T) -> Result<(), NetError> {
        if let Some(last) = self.last_id.filter(|&last| id <= last) {
            return Err(NetError::FlowOutOfOrder { id, last, now });
        }
        self.check_time(now)?;
        self.advance_service(now);
        let key = match self.sharing {
            Sharing::EqualShare => {
                let share = self.reshare_simultaneous(now, bits);
                (now + tx_time_shared(bits, self.rate, share)).0 as u128
            }
            Sharing::Proportional => self.reshare_proportional(now, bits),
            Sharing::ProcessorSharing => self.service + bits as u128 * NANOS_PER_SEC,
            Sharing::Fifo => now.0 as u128,
        };
        let mut flow = Flow {
            id,
            arrival: now,
            bits,
            key: [0; 2],
            payload,
        };
        flow.set_key(key);
        let slot = self.flows.insert(flow);
        self.order.insert((key, id, slot));
        self.last_id = Some(id);
        Ok(())
    }

    /// The next flow to finish and when, without changing anything.
    pub fn next_completion(&self) -> Option<(SimTime, u64)> {
        self.next().map(|(time, id, _)| (time, id))
    }

    /// The next flow to finish: when, its id and its slot.
    fn next(&self) -> Option<(SimTime, u64, u32)> {
        let &(key, id, slot) = self.order.first()?;
        let time = match self.sharing {
            Sharing::EqualShare | Sharing::Proportional => SimTime(saturate(key)),
            Sharing::ProcessorSharing => {
                let left = key.saturating_sub(self.service);
                let ns = (left * self.flows.len() as u128).div_ceil(self.rate.bps() as u128);
                SimTime(saturate(self.now.0 as u128 + ns))
            }
            Sharing::Fifo => {
                let flow = self.flows.get(slot)?;
                flow.arrival.max(self.free_at) + tx_time(flow.bits, self.rate)
            }
        };
        Some((time, id, slot))
    }

    /// Collect the next completion, moving the uplink's clock to it.
    pub fn complete_next(&mut self) -> Option<(SimTime, u64)> {
        self.complete().map(|(time, id, _)| (time, id))
    }

    /// Collect the next completion, moving the uplink's clock to it: when, the flow's id and its
    /// payload.
    pub fn complete(&mut self) -> Option<(SimTime, u64, T)> {
        let (time, id, slot) = self.next()?;
        self.advance_service(time);
        let flow = self.flows.remove(slot)?;
        self.order.remove(&(flow.key(), id, slot));
        self.free_at = time;
        Some((time, id, flow.payload))
    }

    /// Removes flow `id` at `now`, its sender having stopped; `false` if there is no such flow.
    /// The other flows go on: under processor sharing and FIFO they have the link to themselves
    /// from now, under equal share they keep the finish times their start gave them.
    pub fn cancel_flow(&mut self, now: SimTime, id: u64) -> bool {
        !self.cancel_where(now, |f, _| f == id).is_empty()
    }

    /// Removes at `now` every flow whose id and payload `stopped` picks (their senders having
    /// stopped, see [`SharedUplink::cancel_flow`]); returns their ids and payloads, by id.
    pub fn cancel_where(
        &mut self,
        now: SimTime,
        mut stopped: impl FnMut(u64, &T) -> bool,
    ) -> Vec<(u64, T)> {
        self.advance_service(now);
        let mut picked: Vec<(u64, u32)> = self
            .flows
            .iter()
            .filter(|(_, f)| stopped(f.id, &f.payload))
            .map(|(slot, f)| (f.id, slot))
            .collect();
        picked.sort_unstable();
        let mut cancelled = Vec::with_capacity(picked.len());
        for (id, slot) in picked {
            let head = self.order.first().is_some_and(|&(_, h, _)| h == id);
            let Some(flow) = self.flows.remove(slot) else {
                continue;
            };
            self.order.remove(&(flow.key(), id, slot));
            if self.sharing == Sharing::Fifo && head {
                self.free_at = self.free_at.max(now);
            }
            cancelled.push((id, flow.payload));
        }
        cancelled
    }

    /// Collect every completion at or before `now`, in order, and move the clock to `now`.
    pub fn advance_to(&mut self, now: SimTime) -> Result<Vec<(SimTime, u64)>, NetError> {
        if now < self.now {
            return Err(NetError::TimeWentBackwards {
                now,
                last: self.now,
            });
        }
        let mut done = Vec::new();
        while let Some((time, _)) = self.next_completion() {
            if time > now {
                break;
            }
            done.extend(self.complete_next());
        }
        self.advance_service(now);
        Ok(done)
    }

    /// The flows that started at `now` with bits to send: slot, id, bits and key.
    fn simultaneous(&self, now: SimTime) -> Vec<(u32, u64, u64, u128)> {
        self.flows
            .iter()
            .filter(|(_, flow)| flow.arrival == now && flow.bits > 0)
            .map(|(slot, flow)| (slot, flow.id, flow.bits, flow.key()))
            .collect()
    }

    /// Moves flow `id` in `slot` from `old` to `key`.
    fn rekey(&mut self, slot: u32, id: u64, old: u128, key: u128) {
        self.order.remove(&(old, id, slot));
        self.order.insert((key, id, slot));
        if let Some(flow) = self.flows.get_mut(slot) {
            flow.set_key(key);
        }
    }

    /// Equal share: the share `n` of a flow of `bits` starting at `now` counts every flow still
    /// busy at `now` (finishing later) plus itself; flows that started at this same instant
    /// are moved to the same `n`, so senders starting together share alike whatever the call
    /// order (no time has passed, so nothing they did changes).
    fn reshare_simultaneous(&mut self, now: SimTime, bits: u64) -> u64 {
        let busy = self
            .order
            .iter()
            .filter(|(finish, _, _)| *finish > now.0 as u128)
            .count() as u64;
        let share = busy + u64::from(bits > 0);
        for (slot, id, flow_bits, old) in self.simultaneous(now) {
            let key = (now + tx_time_shared(flow_bits, self.rate, share)).0 as u128;
            self.rekey(slot, id, old, key);
        }
        share
    }

    /// Proportional split: the finish time of a flow of `bits` starting at `now`, shared with
    /// the flows that started at this same instant (moved to it), `n` counting every flow busy
    /// at `now` plus itself, `m` the flows of this instant.
    fn reshare_proportional(&mut self, now: SimTime, bits: u64) -> u128 {
        if bits == 0 {
            return now.0 as u128;
        }
        let busy = self
            .order
            .iter()
            .filter(|(finish, _, _)| *finish > now.0 as u128)
            .count() as u128;
        let simultaneous = self.simultaneous(now);
        let m = simultaneous.len() as u128 + 1;
        let total = simultaneous
            .iter()
            .map(|&(_, _, b, _)| b as u128)
            .sum::<u128>()
            + bits as u128;
        let ns = (total * (busy + 1) * NANOS_PER_SEC).div_ceil(m * self.rate.bps() as u128);
        let key = now.0 as u128 + u128::from(saturate(ns));
        for (slot, id, _, old) in simultaneous {
            self.rekey(slot, id, old, key);
        }
        key
    }

    /// `now` must not precede the last event nor an uncollected completion.
    fn check_time(&self, now: SimTime) -> Result<(), NetError> {
        if now < self.now {
            return Err(NetError::TimeWentBackwards {
                now,
                last: self.now,
            });
        }
        match self.next_completion() {
            Some((pending, id)) if pending < now => {
                Err(NetError::CompletionPending { now, pending, id })
            }
            _ => Ok(()),
        }
    }

    /// Move the clock to `now`, crediting processor-sharing service for the elapsed time.
    fn advance_service(&mut self, now: SimTime) {
        if now <= self.now {
            return;
        }
        let active = self.flows.len() as u128;
        if self.sharing == Sharing::ProcessorSharing && active > 0 {
            let elapsed = (now.0 - self.now.0) as u128;
            self.service += self.rate.bps() as u128 * elapsed / active;
        }
        self.now = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kbps(n: u64) -> Rate {
        Rate::from_bps(n * 1_000).expect("positive")
    }

    #[test]
    fn a_cancelled_flow_frees_the_link_for_the_others() {
        let ms = |m: u64| SimTime::ZERO + crate::time::SimDuration::from_millis(m);
        // 1 kbit/s; two flows of 100 bits: FIFO serves the first in 100 ms, then the second.
        let mut fifo = SharedUplink::new(kbps(1), Sharing::Fifo);
        fifo.start_flow(ms(0), 1, 100).expect("start");
        fifo.start_flow(ms(0), 2, 100).expect("start");
        assert!(fifo.cancel_flow(ms(40), 1));
        assert!(!fifo.cancel_flow(ms(40), 1), "already gone");
        assert_eq!(fifo.next_completion(), Some((ms(140), 2)));
        // Processor sharing: each gets half until 40 ms (20 bits), then the survivor all of it.
        let mut ps = SharedUplink::new(kbps(1), Sharing::ProcessorSharing);
        ps.start_flow(ms(0), 1, 100).expect("start");
        ps.start_flow(ms(0), 2, 100).expect("start");
        assert!(ps.cancel_flow(ms(40), 1));
        assert_eq!(ps.next_completion(), Some((ms(120), 2)));
        assert_eq!(ps.active_flows(), 1);
    }

    #[test]
    fn zero_bit_flows_complete_at_once_and_take_no_share() {
        for sharing in [
            Sharing::EqualShare,
            Sharing::Proportional,
            Sharing::ProcessorSharing,
            Sharing::Fifo,
        ] {
            let mut uplink = SharedUplink::new(kbps(1), sharing);
            // FIFO would queue an empty flow behind a same-instant flow with a smaller id: the
            // empty flow starts first.
            uplink.start_flow(SimTime(7), 0, 0).expect("empty flow");
            uplink.start_flow(SimTime(7), 1, 1_000).expect("real flow");
            assert_eq!(uplink.complete_next(), Some((SimTime(7), 0)), "{sharing:?}");
            assert_eq!(
                uplink.complete_next(),
                Some((SimTime(1_000_000_007), 1)),
                "{sharing:?}"
            );
            assert_eq!(uplink.active_flows(), 0);
        }
    }

    #[test]
    fn equal_share_does_not_depend_on_call_order_at_one_instant() {
        // Flow k of k kbit, started in the order given (ids increase with the calls): finish
        // times by k.
        let finish = |order: &[u64]| {
            let mut uplink = SharedUplink::new(kbps(3), Sharing::EqualShare);
            for (id, &k) in order.iter().enumerate() {
                uplink
                    .start_flow(SimTime::ZERO, id as u64, 1_000 * k)
                    .expect("start");
            }
            let mut done: Vec<(SimTime, u64)> = std::iter::from_fn(|| uplink.complete_next())
                .map(|(t, id)| (t, order[id as usize]))
                .collect();
            done.sort_by_key(|d| d.1);
            done
        };
        let forward = finish(&[1, 2, 3]);
        assert_eq!(forward, finish(&[3, 1, 2]));
        // Three flows at 1 kbit/s each: flow k needs k seconds.
        let expected: Vec<(SimTime, u64)> =
            (1..=3).map(|k| (SimTime(k * 1_000_000_000), k)).collect();
        assert_eq!(forward, expected);
    }

    #[test]
    fn a_proportional_split_ends_simultaneous_flows_together() {
        // 1, 2 and 3 kbit on 3 kbit/s: shares 1/6, 2/6, 3/6 of the rate, all done at 2 s. A flow
        // starting at 1 s while they are busy gets 1/4 of the rate (1 of 4 active): its 1.5 kbit
        // take 2 s.
        let mut uplink = SharedUplink::new(kbps(3), Sharing::Proportional);
        for id in 1..=3 {
            uplink
                .start_flow(SimTime::ZERO, id, 1_000 * id)
                .expect("start");
        }
        uplink
            .start_flow(SimTime(1_000_000_000), 4, 1_500)
            .expect("start");
        let done: Vec<(SimTime, u64)> = std::iter::from_fn(|| uplink.complete_next()).collect();
        let s = |k: u64| SimTime(k * 1_000_000_000);
        assert_eq!(done, vec![(s(2), 1), (s(2), 2), (s(2), 3), (s(3), 4)]);
    }
}
