//! The motion of the digit in front of the emulated event camera (see [`super::camera`]).

use rand::Rng;

/// How the digit moves in front of the emulated camera.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Motion {
    /// Saccades around a fixed equilateral triangle with side `max_shift_px`, as the N-MNIST
    /// pan-tilt unit does: start at (0, 0), move down-right, then left, then up-right back to the
    /// start, and repeat. The three directions are 60 degrees apart, so every edge orientation
    /// is crossed by at least two of them, and every example sees the same motion. Draws no
    /// random numbers.
    #[default]
    Saccades,
    /// A random path through waypoints drawn uniformly in the disc of radius `max_shift_px`
    /// around the start (2 random numbers per waypoint).
    RandomWaypoints,
}

/// A smooth piecewise path through points, equal time per leg, smoothstep easing (zero velocity
/// at every point, like a saccade); it stays at the last point after its duration.
pub(crate) struct MotionPath {
    points: Vec<(f64, f64)>,
    leg_us: f64,
}

impl MotionPath {
    /// Draw a path of `legs` legs (at least 1) over `duration_us` \[us\]; the size `shift_px`
    /// \[pixels\] is capped at `limit_px` (beyond the image size nothing changes) and a non-finite
    /// size means no motion.
    pub(crate) fn draw(
        motion: Motion,
        shift_px: f64,
        legs: usize,
        duration_us: u64,
        limit_px: f64,
        rng: &mut impl Rng,
    ) -> Self {
        let size = if shift_px.is_finite() {
            shift_px.clamp(0.0, limit_px)
        } else {
            0.0
        };
        let legs = legs.max(1);
        let mut points = vec![(0.0, 0.0)];
        match motion {
            Motion::Saccades => {
                // x = column (right), y = row (down).
                let h = size * 3f64.sqrt() / 2.0;
                let corners = [(size / 2.0, h), (-size / 2.0, h), (0.0, 0.0)];
                points.extend((0..legs).map(|k| corners[k % 3]));
            }
            Motion::RandomWaypoints => {
                for _ in 0..legs {
                    let r = size * rng.random::<f64>().sqrt();
                    let angle = std::f64::consts::TAU * rng.random::<f64>();
                    points.push((r * angle.cos(), r * angle.sin()));
                }
            }
        }
        MotionPath {
            points,
            leg_us: (duration_us.max(1) as f64) / legs as f64,
        }
    }

    /// Largest distance from the start position \[pixels\].
    pub(crate) fn reach(&self) -> f64 {
        self.points
            .iter()
            .map(|p| p.0.hypot(p.1))
            .fold(0.0, f64::max)
    }

    /// Offset (dx, dy) \[pixels\] at time `t_us`.
    pub(crate) fn at(&self, t_us: f64) -> (f64, f64) {
        let legs = self.points.len() - 1;
        if legs == 0 {
            return self.points[0];
        }
        let pos = t_us / self.leg_us;
        let leg = (pos.floor() as usize).min(legs - 1);
        let s = (pos - leg as f64).clamp(0.0, 1.0);
        let s = s * s * (3.0 - 2.0 * s);
        let (a, b) = (self.points[leg], self.points[leg + 1]);
        (a.0 + s * (b.0 - a.0), a.1 + s * (b.1 - a.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn paths_start_still_and_stay_within_the_shift() {
        for motion in [Motion::Saccades, Motion::RandomWaypoints] {
            let mut rng = ChaCha8Rng::seed_from_u64(3);
            let path = MotionPath::draw(motion, 1.5, 6, 2_000_000, 26.0, &mut rng);
            assert_eq!(path.at(0.0), (0.0, 0.0));
            for k in 0..=400 {
                let (dx, dy) = path.at(k as f64 * 6_000.0);
                assert!(dx.hypot(dy) <= 1.5 + 1e-12, "{motion:?} at step {k}");
            }
            assert!(path.reach() > 0.0);
        }
    }

    #[test]
    fn saccades_trace_a_triangle_and_return() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let path = MotionPath::draw(Motion::Saccades, 2.0, 3, 3_000, 26.0, &mut rng);
        let close = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).abs() + (a.1 - b.1).abs() < 1e-9;
        let h = 3f64.sqrt();
        assert!(close(path.at(1_000.0), (1.0, h)));
        assert!(close(path.at(2_000.0), (-1.0, h)));
        assert!(close(path.at(3_000.0), (0.0, 0.0)));
        // Every side is 2 pixels long.
        assert!((path.reach() - 2.0).abs() < 1e-12);
    }
}
