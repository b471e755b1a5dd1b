//! Where the devices stand: the base station at the origin, each device at a point on the ground.
//!
//! Placements: uniform over an annulus (a disc when the inner radius is zero), around hot spots
//! (clusters) whose centres are uniform over the annulus, or an explicit list. A device's position
//! is drawn from its own stream, so adding a device never moves another; hot-spot centres come
//! from the base station's stream. Distances are ground (2-D) distances \[m\]; antenna heights enter
//! in [`super::propagation`].

use super::error::NetError;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};
use std::f64::consts::TAU;

/// A point on the ground, the base station at the origin \[m\].
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// East \[m\].
    pub x_m: f64,
    /// North \[m\].
    pub y_m: f64,
}

impl Position {
    /// Ground distance to the base station \[m\].
    pub fn distance_m(&self) -> f64 {
        self.x_m.hypot(self.y_m)
    }
}

/// How devices are placed in the cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Placement {
    /// Uniform over the area between `inner_m` and `outer_m` (a disc when `inner_m` is 0).
    Annulus {
        /// Inner radius \[m\], >= 0.
        inner_m: f64,
        /// Outer radius \[m\], > inner.
        outer_m: f64,
    },
    /// `count` hot spots with centres uniform over the annulus; device `d` joins hot spot
    /// `d % count` at a Gaussian offset of standard deviation `spread_m` on each axis.
    Clusters {
        /// Number of hot spots, >= 1.
        count: u32,
        /// Inner radius of the centres' annulus \[m\].
        inner_m: f64,
        /// Outer radius of the centres' annulus \[m\].
        outer_m: f64,
        /// Offset standard deviation per axis \[m\], >= 0.
        spread_m: f64,
    },
    /// Device `d` stands at `positions[d]` (one position per device).
    Explicit(Vec<Position>),
}

impl Placement {
    /// Check the radii, counts and positions.
    pub fn validate(&self) -> Result<(), NetError> {
        let annulus = |inner: f64, outer: f64| {
            if !(inner.is_finite() && inner >= 0.0) {
                return Err(NetError::invalid(
                    "placement",
                    "inner_m",
                    inner,
                    "a finite radius >= 0",
                ));
            }
            if !(outer.is_finite() && outer > inner) {
                return Err(NetError::invalid(
                    "placement",
                    "outer_m",
                    outer,
                    "a finite radius above the inner radius",
                ));
            }
            Ok(())
        };
        match self {
            Placement::Annulus { inner_m, outer_m } => annulus(*inner_m, *outer_m),
            Placement::Clusters {
                count,
                inner_m,
                outer_m,
                spread_m,
            } => {
                annulus(*inner_m, *outer_m)?;
                if *count == 0 {
                    return Err(NetError::invalid(
                        "placement",
                        "count",
                        count,
                        "at least one hot spot",
                    ));
                }
                if !(spread_m.is_finite() && *spread_m >= 0.0) {
                    return Err(NetError::invalid(
                        "placement",
                        "spread_m",
                        spread_m,
                        "a finite spread >= 0",
                    ));
                }
                Ok(())
            }
            Placement::Explicit(positions) => {
                match positions
                    .iter()
                    .find(|p| !(p.x_m.is_finite() && p.y_m.is_finite()))
                {
                    Some(p) => Err(NetError::invalid(
                        "placement",
                        "positions",
                        format!("({}, {})", p.x_m, p.y_m),
                        "finite coordinates",
                    )),
                    None => Ok(()),
                }
            }
        }
    }

    /// The hot-spot centres (empty unless clustered), drawn from the base station's stream.
    pub fn hot_spots<R: Rng + ?Sized>(&self, cell_rng: &mut R) -> Vec<Position> {
        match self {
            Placement::Clusters {
                count,
                inner_m,
                outer_m,
                ..
            } => (0..*count)
                .map(|_| uniform_in_annulus(*inner_m, *outer_m, cell_rng))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Device `d`'s position; `hot_spots` from [`Placement::hot_spots`], `device_rng` the
    /// device's own placement stream.
    pub fn position<R: Rng + ?Sized>(
        &self,
        d: u32,
        hot_spots: &[Position],
        device_rng: &mut R,
    ) -> Position {
        match self {
            Placement::Annulus { inner_m, outer_m } => {
                uniform_in_annulus(*inner_m, *outer_m, device_rng)
            }
            Placement::Clusters { spread_m, .. } => {
                let centre = hot_spots
                    .get(d as usize % hot_spots.len().max(1))
                    .copied()
                    .unwrap_or(Position { x_m: 0.0, y_m: 0.0 });
                let dx: f64 = StandardNormal.sample(device_rng);
                let dy: f64 = StandardNormal.sample(device_rng);
                Position {
                    x_m: centre.x_m + spread_m * dx,
                    y_m: centre.y_m + spread_m * dy,
                }
            }
            Placement::Explicit(positions) => positions
                .get(d as usize)
                .copied()
                .unwrap_or(Position { x_m: 0.0, y_m: 0.0 }),
        }
    }
}

/// A point uniform over the annulus `inner..outer` \[m\]: the radius is `sqrt` of a uniform draw
/// between `inner^2` and `outer^2` (area grows with the radius squared), the angle uniform.
pub fn uniform_in_annulus<R: Rng + ?Sized>(inner: f64, outer: f64, rng: &mut R) -> Position {
    let u: f64 = rng.random();
    let angle = TAU * rng.random::<f64>();
    let r = (inner * inner + u * (outer * outer - inner * inner)).sqrt();
    Position {
        x_m: r * angle.cos(),
        y_m: r * angle.sin(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn annulus_points_stay_inside_and_fill_the_area_evenly() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let (inner, outer) = (100.0, 500.0);
        let n = 100_000;
        let mut inside_300 = 0;
        for _ in 0..n {
            let r = uniform_in_annulus(inner, outer, &mut rng).distance_m();
            assert!((inner - 1e-9..=outer + 1e-9).contains(&r));
            if r < 300.0 {
                inside_300 += 1;
            }
        }
        // P(r < 300) = (300^2 - 100^2) / (500^2 - 100^2) = 1/3.
        let p = 1.0 / 3.0;
        let se = (p * (1.0 - p) / n as f64).sqrt();
        assert!((inside_300 as f64 / n as f64 - p).abs() < 5.0 * se);
    }

    #[test]
    fn cluster_members_gather_around_their_hot_spot() {
        let placement = Placement::Clusters {
            count: 3,
            inner_m: 200.0,
            outer_m: 400.0,
            spread_m: 5.0,
        };
        assert!(placement.validate().is_ok());
        let spots = placement.hot_spots(&mut ChaCha8Rng::seed_from_u64(1));
        assert_eq!(spots.len(), 3);
        for d in 0..30u32 {
            let p = placement.position(d, &spots, &mut ChaCha8Rng::seed_from_u64(d as u64));
            let c = spots[d as usize % 3];
            assert!(((p.x_m - c.x_m).hypot(p.y_m - c.y_m)) < 40.0);
        }
    }

    #[test]
    fn bad_radii_are_errors() {
        let bad = Placement::Annulus {
            inner_m: 50.0,
            outer_m: 50.0,
        };
        assert!(bad.validate().is_err());
        let clusters = Placement::Clusters {
            count: 0,
            inner_m: 0.0,
            outer_m: 10.0,
            spread_m: 1.0,
        };
        assert!(clusters.validate().is_err());
        let explicit = Placement::Explicit(vec![Position {
            x_m: f64::NAN,
            y_m: 0.0,
        }]);
        assert!(explicit.validate().is_err());
    }
}
