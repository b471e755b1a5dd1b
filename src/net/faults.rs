//! What the timeline's faults do to the paths between the devices and the base station: when a
//! device's radio is down (crash, pause), when a device is cut off (partition), when the base
//! station is out (outage), and which uploads are damaged (corruption).
//!
//! A copy is cut when any fault on its path was in force at some instant between its sending
//! and its arrival (an interval of faults is half open: a fault that ends as a copy is sent does
//! not touch it).

use crate::rng::{Node, Purpose, Resumed, StreamPos};
use crate::time::SimTime;
use rand::Rng;

/// The spells of one fault on one path: the one in force (faults may overlap) and those past.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Spells {
    open: u32,
    began: SimTime,
    past: Vec<(SimTime, SimTime)>,
}

impl Spells {
    /// A fault starts at `now`.
    pub fn start(&mut self, now: SimTime) {
        if self.open == 0 {
            self.began = now;
        }
        self.open += 1;
    }

    /// A fault ends at `now`.
    pub fn end(&mut self, now: SimTime) {
        if self.open == 0 {
            return;
        }
        self.open -= 1;
        if self.open == 0 && now > self.began {
            self.past.push((self.began, now));
        }
    }

    /// Whether a fault is in force now.
    pub fn active(&self) -> bool {
        self.open > 0
    }

    /// Whether a fault was in force at some instant of `[from, to]` (as known at `to`).
    pub fn touches(&self, from: SimTime, to: SimTime) -> bool {
        (self.open > 0 && self.began <= to) || self.past.iter().any(|&(b, e)| b <= to && e > from)
    }
}

/// Why a copy did not arrive.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Cut {
    /// The base station was out.
    Outage,
    /// The device was cut off from it.
    Partition,
    /// The device's radio was down (crash or pause).
    Radio,
}

/// What corruption did to an upload.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Damage {
    /// None.
    Clean,
    /// Damaged, and the checksum caught it: the upload counts as lost.
    Detected,
    /// Damaged unseen: it reaches aggregation.
    Undetected,
}

/// A corruption fault in force.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Corruption {
    fault: u32,
    devices: Vec<u32>,
    detected: f64,
    undetected: f64,
}

/// The faults on a cell's paths.
///
/// The per-device parts are made when a fault first concerns a device, so a run without faults
/// holds none of them.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PathFaults {
    seed: u64,
    devices: usize,
    outage: Spells,
    radio: Vec<Spells>,
    partition: Vec<Spells>,
    corruption: Vec<Corruption>,
    /// Where each device's damage stream stands.
    damage: Vec<StreamPos>,
}

/// `v`, grown to one entry per device at the first use.
fn per_device<T: Clone + Default>(v: &mut Vec<T>, devices: usize) -> &mut Vec<T> {
    if v.is_empty() {
        v.resize(devices, T::default());
    }
    v
}

impl PathFaults {
    /// No faults yet on the paths of `devices` devices; damage is drawn from streams of `seed`.
    pub fn new(devices: usize, seed: u64) -> PathFaults {
        PathFaults {
            seed,
            devices,
            outage: Spells::default(),
            radio: Vec::new(),
            partition: Vec::new(),
            corruption: Vec::new(),
            damage: Vec::new(),
        }
    }

    /// The base station's outages.
    pub fn outage(&mut self) -> &mut Spells {
        &mut self.outage
    }

    /// Device `d`'s radio being down.
    pub fn radio(&mut self, d: u32) -> Option<&mut Spells> {
        per_device(&mut self.radio, self.devices).get_mut(d as usize)
    }

    /// Device `d` being cut off.
    pub fn partition(&mut self, d: u32) -> Option<&mut Spells> {
        per_device(&mut self.partition, self.devices).get_mut(d as usize)
    }

    /// Fault `fault` damages the uploads of `devices` (in id order) from now on.
    pub fn corrupt(&mut self, fault: u32, devices: Vec<u32>, detected: f64, undetected: f64) {
        self.corruption.push(Corruption {
            fault,
            devices,
            detected,
            undetected,
        });
    }

    /// Fault `fault` stops damaging uploads.
    pub fn stop_corrupting(&mut self, fault: u32) {
        if let Some(i) = self.corruption.iter().position(|c| c.fault == fault) {
            self.corruption.remove(i);
        }
    }

    /// What the corruptions in force do to an upload device `d` sends now (each draws from the
    /// device's own stream, in the order the faults started).
    pub fn damage(&mut self, d: u32) -> Damage {
        let mut damage = Damage::Clean;
        for c in &self.corruption {
            if c.devices.binary_search(&d).is_err() {
                continue;
            }
            let Some(at) = per_device(&mut self.damage, self.devices).get_mut(d as usize) else {
                return damage;
            };
            let mut rng = Resumed::new(self.seed, Node::Device(d), Purpose::Corruption, *at);
            let u: f64 = rng.random();
            *at = rng.pos();
            if u < c.detected {
                return Damage::Detected;
            }
            if u < c.detected + (1.0 - c.detected) * c.undetected {
                damage = Damage::Undetected;
            }
        }
        damage
    }

    /// Whether a copy between the base station and device `d`, sent at `sent` and arriving at
    /// `now`, is cut, and why. `uplink`: a device's radio going down only cuts downlink copies
    /// (an upload in progress is aborted instead, and one whose last bit left is on its way).
    pub fn cut(&self, d: u32, sent: SimTime, now: SimTime, uplink: bool) -> Option<Cut> {
        if self.outage.touches(sent, now) {
            return Some(Cut::Outage);
        }
        if self
            .partition
            .get(d as usize)
            .is_some_and(|s| s.touches(sent, now))
        {
            return Some(Cut::Partition);
        }
        let radio = self.radio.get(d as usize);
        if !uplink && radio.is_some_and(|s| s.touches(sent, now)) {
            return Some(Cut::Radio);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ns: u64) -> SimTime {
        SimTime(ns)
    }

    #[test]
    fn a_copy_is_cut_by_a_fault_in_force_at_any_instant_of_its_flight() {
        let mut f = PathFaults::new(2, 1);
        f.outage().start(t(10));
        f.outage().end(t(20));
        assert_eq!(f.cut(0, t(0), t(9), true), None, "before");
        assert_eq!(
            f.cut(0, t(0), t(10), true),
            Some(Cut::Outage),
            "arrives as it starts"
        );
        assert_eq!(f.cut(0, t(12), t(15), false), Some(Cut::Outage), "inside");
        assert_eq!(f.cut(0, t(5), t(30), true), Some(Cut::Outage), "across");
        assert_eq!(f.cut(0, t(20), t(30), true), None, "sent as it ends");
        if let Some(p) = f.partition(1) {
            p.start(t(40));
        }
        assert_eq!(
            f.cut(1, t(50), t(60), true),
            Some(Cut::Partition),
            "still open"
        );
        assert_eq!(f.cut(0, t(50), t(60), true), None, "only device 1");
        if let Some(r) = f.radio(0) {
            r.start(t(70));
            r.end(t(80));
        }
        assert_eq!(f.cut(0, t(65), t(75), false), Some(Cut::Radio));
        assert_eq!(f.cut(0, t(65), t(75), true), None, "aborted instead");
    }

    #[test]
    fn overlapping_faults_end_with_the_last() {
        let mut s = Spells::default();
        s.start(t(0));
        s.start(t(5));
        s.end(t(10));
        assert!(s.active());
        s.end(t(15));
        assert!(!s.active());
        assert!(s.touches(t(12), t(13)));
        assert!(!s.touches(t(15), t(16)));
    }

    #[test]
    fn damage_follows_its_probabilities_and_only_on_the_targets() {
        let mut f = PathFaults::new(3, 7);
        f.corrupt(0, vec![0, 2], 0.3, 0.5);
        let n = 20_000;
        let draws: Vec<Damage> = (0..n).map(|_| f.damage(0)).collect();
        let detected = draws.iter().filter(|&&d| d == Damage::Detected).count() as f64 / n as f64;
        let unseen = draws.iter().filter(|&&d| d == Damage::Undetected).count() as f64 / n as f64;
        assert!((detected - 0.3).abs() < 0.02, "{detected}");
        assert!((unseen - 0.35).abs() < 0.02, "0.7 x 0.5, got {unseen}");
        assert_eq!(f.damage(1), Damage::Clean, "not a target");
        f.stop_corrupting(0);
        assert!((0..100).all(|_| f.damage(0) == Damage::Clean));
    }
}
