//! Devices that move: where a device stands at virtual time `t`.
//!
//! - Constant velocity: from its placed position the device heads in a uniform direction at a
//!   speed uniform in `[min, max]`, for ever (it may leave the cell, its link fading with the
//!   distance).
//! - Random waypoint: the device walks in straight legs to waypoints uniform over the annulus
//!   `inner..outer`, each leg at a speed uniform in `[min, max]`, without pausing.
//!
//! Leg `k`'s draws come from the device's mobility stream positioned at one ChaCha block per leg,
//! so a device's path is a pure function of (seed, device) and never depends on when it is looked
//! at; a [`Walk`] (64 bytes) caches the current leg, moved forward as the clock advances.

use super::error::NetError;
use super::geometry::{uniform_in_annulus, Position};
use crate::rng::{stream, Node, Purpose};
use crate::time::SimTime;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::f64::consts::TAU;

/// 32-bit words of the stream reserved per leg (one ChaCha block).
const WORDS_PER_LEG: u128 = 16;

/// How devices move.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mobility {
    /// They stay where they were placed.
    Static,
    /// A straight line at a constant speed.
    ConstantVelocity {
        /// Lowest speed \[m/s\], >= 0.
        min_speed_mps: f64,
        /// Highest speed \[m/s\], >= min.
        max_speed_mps: f64,
    },
    /// Legs between random waypoints.
    RandomWaypoint {
        /// Lowest speed \[m/s\], > 0.
        min_speed_mps: f64,
        /// Highest speed \[m/s\], >= min.
        max_speed_mps: f64,
        /// Inner radius of the waypoints' annulus \[m\].
        inner_m: f64,
        /// Outer radius of the waypoints' annulus \[m\], > inner.
        outer_m: f64,
    },
}

impl Mobility {
    /// Check speeds and radii.
    pub fn validate(&self) -> Result<(), NetError> {
        let speeds = |min: f64, max: f64, floor_ok: bool| {
            let min_ok = min.is_finite() && (min > 0.0 || (floor_ok && min == 0.0));
            if !min_ok {
                return Err(NetError::invalid(
                    "mobility",
                    "min_speed_mps",
                    min,
                    "a finite speed (> 0 for random waypoint)",
                ));
            }
            if !(max.is_finite() && max >= min) {
                return Err(NetError::invalid(
                    "mobility",
                    "max_speed_mps",
                    max,
                    "a finite speed >= the lowest",
                ));
            }
            Ok(())
        };
        match *self {
            Mobility::Static => Ok(()),
            Mobility::ConstantVelocity {
                min_speed_mps,
                max_speed_mps,
            } => speeds(min_speed_mps, max_speed_mps, true),
            Mobility::RandomWaypoint {
                min_speed_mps,
                max_speed_mps,
                inner_m,
                outer_m,
            } => {
                speeds(min_speed_mps, max_speed_mps, false)?;
                if !(inner_m.is_finite()
                    && inner_m >= 0.0
                    && outer_m.is_finite()
                    && outer_m > inner_m)
                {
                    return Err(NetError::invalid(
                        "mobility",
                        "outer_m",
                        outer_m,
                        "radii 0 <= inner < outer",
                    ));
                }
                Ok(())
            }
        }
    }

    /// Device `d`'s walk from `start`, its position at time 0, in a run with `seed`.
    pub fn walk(&self, seed: u64, d: u32, start: Position) -> Walk {
        let mut walk = Walk {
            leg: 0,
            leg_start: SimTime::ZERO,
            leg_end: SimTime::ZERO,
            from: start,
            to: start,
            speed_mps: 0.0,
        };
        self.begin_leg(seed, d, &mut walk);
        walk
    }

    /// Draws leg `walk.leg`, starting at `walk.from` at `walk.leg_start`.
    fn begin_leg(&self, seed: u64, d: u32, walk: &mut Walk) {
        let mut rng = stream(seed, Node::Device(d), Purpose::Mobility);
        rng.set_word_pos(u128::from(walk.leg) * WORDS_PER_LEG);
        match *self {
            Mobility::Static => {
                walk.to = walk.from;
                walk.leg_end = SimTime(u64::MAX);
            }
            Mobility::ConstantVelocity {
                min_speed_mps,
                max_speed_mps,
            } => {
                walk.speed_mps =
                    min_speed_mps + rng.random::<f64>() * (max_speed_mps - min_speed_mps);
                let angle = TAU * rng.random::<f64>();
                walk.to = Position {
                    x_m: walk.from.x_m + angle.cos(),
                    y_m: walk.from.y_m + angle.sin(),
                };
                walk.leg_end = SimTime(u64::MAX);
            }
            Mobility::RandomWaypoint {
                min_speed_mps,
                max_speed_mps,
                inner_m,
                outer_m,
            } => {
                walk.to = uniform_in_annulus(inner_m, outer_m, &mut rng);
                walk.speed_mps =
                    min_speed_mps + rng.random::<f64>() * (max_speed_mps - min_speed_mps);
                let length = (walk.to.x_m - walk.from.x_m).hypot(walk.to.y_m - walk.from.y_m);
                let ns = (length / walk.speed_mps * 1e9).ceil().max(1.0);
                walk.leg_end = SimTime(walk.leg_start.0.saturating_add(ns as u64));
            }
        }
    }

    /// Where `walk`'s device is at `t`, moving the walk on to the leg that holds `t` (from the
    /// start when `t` is before its leg: the path is the same).
    pub fn position(
        &self,
        seed: u64,
        d: u32,
        walk: &mut Walk,
        start: Position,
        t: SimTime,
    ) -> Position {
        if t < walk.leg_start {
            *walk = self.walk(seed, d, start);
        }
        while t >= walk.leg_end {
            walk.leg += 1;
            walk.leg_start = walk.leg_end;
            walk.from = walk.to;
            self.begin_leg(seed, d, walk);
        }
        let (dx, dy) = (walk.to.x_m - walk.from.x_m, walk.to.y_m - walk.from.y_m);
        let length = dx.hypot(dy);
        if length == 0.0 {
            return walk.from;
        }
        let travelled = walk.speed_mps * (t.0 - walk.leg_start.0) as f64 * 1e-9;
        let f = match self {
            Mobility::RandomWaypoint { .. } => (travelled / length).min(1.0),
            _ => travelled / length,
        };
        Position {
            x_m: walk.from.x_m + f * dx,
            y_m: walk.from.y_m + f * dy,
        }
    }
}

/// One device's current leg.
#[derive(Copy, Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Walk {
    leg: u32,
    leg_start: SimTime,
    leg_end: SimTime,
    from: Position,
    to: Position,
    speed_mps: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(m: &Mobility, t_s: f64) -> Position {
        let start = Position {
            x_m: 100.0,
            y_m: 0.0,
        };
        let mut w = m.walk(4, 2, start);
        m.position(4, 2, &mut w, start, SimTime((t_s * 1e9) as u64))
    }

    #[test]
    fn constant_velocity_moves_in_a_straight_line_at_its_speed() {
        let m = Mobility::ConstantVelocity {
            min_speed_mps: 1.5,
            max_speed_mps: 1.5,
        };
        let (p0, p10, p20) = (at(&m, 0.0), at(&m, 10.0), at(&m, 20.0));
        let d = |a: Position, b: Position| (a.x_m - b.x_m).hypot(a.y_m - b.y_m);
        assert!((d(p0, p10) - 15.0).abs() < 1e-6);
        assert!((d(p0, p20) - 30.0).abs() < 1e-6);
        assert!((d(p10, p20) - 15.0).abs() < 1e-6, "straight");
    }

    #[test]
    fn random_waypoints_stay_in_the_annulus_and_the_path_does_not_depend_on_lookups() {
        let m = Mobility::RandomWaypoint {
            min_speed_mps: 1.0,
            max_speed_mps: 3.0,
            inner_m: 20.0,
            outer_m: 200.0,
        };
        assert!(m.validate().is_ok());
        let start = Position {
            x_m: 100.0,
            y_m: 0.0,
        };
        let mut stepped = m.walk(4, 2, start);
        let mut moved = 0.0;
        let mut last = start;
        for s in 0..2_000 {
            let p = m.position(4, 2, &mut stepped, start, SimTime(s * 1_000_000_000));
            assert!(p.distance_m() <= 200.0 + 1e-9);
            let step = (p.x_m - last.x_m).hypot(p.y_m - last.y_m);
            assert!(step <= 3.0 + 1e-6, "at most the top speed for 1 s: {step}");
            moved += step;
            last = p;
        }
        assert!(moved > 1_000.0, "it walks: {moved} m");
        // A fresh walk looked up once at the end is at the same place.
        assert_eq!(at(&m, 1_999.0), last);
        let bad = Mobility::RandomWaypoint {
            min_speed_mps: 0.0,
            max_speed_mps: 1.0,
            inner_m: 0.0,
            outer_m: 10.0,
        };
        assert!(bad.validate().is_err());
    }
}
