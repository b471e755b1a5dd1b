//! The scenario's `[[faults]]` resolved to devices and laid down as the kernel's timeline: each
//! fault's start and end go to the channel (every kind) and to the node models they concern (the
//! devices for crash, pause and slowdown, the base station for an outage).

use super::wiring::{node_of, Fl, BASE_STATION};
use crate::fl::{Fault, FaultEvent, FaultKind, FaultTime};
use crate::rng::{stream, Node, Purpose};
use crate::scenario::FaultSpec;
use crate::sim::{Scheduled, Target, When};
use rand::seq::index::sample;

/// The faults of `specs` with their devices chosen: `classes[d]` is device `d`'s class; random
/// fractions are drawn, entry after entry, from the base station's fault-target stream of `seed`.
pub fn resolve(specs: &[FaultSpec], classes: &[usize], seed: u64) -> Vec<Fault> {
    let mut rng = stream(seed, Node::BaseStation, Purpose::FaultTargets);
    specs
        .iter()
        .map(|spec| {
            let t = &spec.targets;
            let devices = if matches!(spec.kind, FaultKind::Outage(_)) {
                Vec::new()
            } else {
                let listed = !t.devices.is_empty() || !t.classes.is_empty();
                let mut pool: Vec<u32> = (0..classes.len() as u32)
                    .filter(|&d| {
                        !listed
                            || t.devices.binary_search(&d).is_ok()
                            || t.classes.contains(&classes[d as usize])
                    })
                    .collect();
                if let (Some(f), false) = (t.fraction, pool.is_empty()) {
                    let n = pool.len();
                    let k = ((f * n as f64).ceil() as usize).clamp(1, n);
                    let mut picked: Vec<u32> = sample(&mut rng, n, k)
                        .into_iter()
                        .map(|i| pool[i])
                        .collect();
                    picked.sort_unstable();
                    pool = picked;
                }
                pool
            };
            Fault {
                kind: spec.kind.clone(),
                start: spec.start,
                end: spec.end,
                devices,
            }
        })
        .collect()
}

fn when(t: FaultTime) -> When {
    match t {
        FaultTime::At(at) => When::At(at),
        FaultTime::Round { round, delay } => When::Cue { cue: round, delay },
    }
}

/// The kernel's timeline for `faults` (fault `i` is entry `i` of `[[faults]]`).
pub fn timeline(faults: &[Fault]) -> Vec<Scheduled<Fl>> {
    let mut out = Vec::new();
    for (i, fault) in faults.iter().enumerate() {
        let phases = [(fault.start, true)]
            .into_iter()
            .chain(fault.end.map(|e| (e, false)));
        for (time, start) in phases {
            let event = |devices: Vec<u32>| FaultEvent {
                fault: i as u32,
                kind: fault.kind.clone(),
                start,
                devices,
            };
            out.push(Scheduled {
                when: when(time),
                target: Target::Medium,
                event: event(fault.devices.clone()),
            });
            match fault.kind {
                FaultKind::Crash | FaultKind::Pause | FaultKind::Slowdown { .. } => {
                    for &d in &fault.devices {
                        out.push(Scheduled {
                            when: when(time),
                            target: Target::Node(node_of(d)),
                            event: event(Vec::new()),
                        });
                    }
                }
                FaultKind::Outage(_) => out.push(Scheduled {
                    when: when(time),
                    target: Target::Node(BASE_STATION),
                    event: event(Vec::new()),
                }),
                FaultKind::Partition | FaultKind::Corruption { .. } => {}
            }
        }
    }
    out
}
