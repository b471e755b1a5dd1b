//! Large-scale propagation: path loss \[dB\] at a ground distance, the line-of-sight probability,
//! and the default log-normal shadowing spread.
//!
//! Models (d the distance \[m\], f the carrier \[Hz\], f_GHz = f / 1e9, c = 299 792 458 m/s):
//!
//! ```text
//! free space    PL = 20 log10(4 pi d f / c)                       (Friis; d clamped to >= 1 m)
//! log-distance  PL = PL_fs(d0) + 10 n log10(d / d0)               (d clamped to >= d0)
//! ```
//!
//! 3GPP TR 38.901 v17.0.0, Table 7.4.1-1 (d_2D clamped to >= 10 m, the tables' lower bound;
//! d_3D = sqrt(d_2D^2 + (h_BS - h_UT)^2); breakpoint d'_BP = 4 h'_BS h'_UT f / c with
//! h' = h - 1 m, the effective environment height h_E = 1 m):
//!
//! ```text
//! UMa LOS   PL1 = 28.0 + 22 log10(d_3D) + 20 log10(f_GHz)                   d_2D <= d'_BP
//!           PL2 = 28.0 + 40 log10(d_3D) + 20 log10(f_GHz)
//!                 - 9 log10(d'_BP^2 + (h_BS - h_UT)^2)                      d_2D >  d'_BP
//! UMa NLOS  PL  = max(PL_UMa-LOS, 13.54 + 39.08 log10(d_3D) + 20 log10(f_GHz) - 0.6 (h_UT - 1.5))
//! UMi LOS   PL1 = 32.4 + 21 log10(d_3D) + 20 log10(f_GHz)
//!           PL2 = 32.4 + 40 log10(d_3D) + 20 log10(f_GHz) - 9.5 log10(d'_BP^2 + (h_BS - h_UT)^2)
//! UMi NLOS  PL  = max(PL_UMi-LOS, 35.3 log10(d_3D) + 22.4 + 21.3 log10(f_GHz) - 0.3 (h_UT - 1.5))
//! ```
//!
//! Shadowing standard deviations from the same table: UMa 4 dB (LOS) / 6 dB (NLOS), UMi 4 dB /
//! 7.82 dB. LOS probability, TR 38.901 Table 7.4.2-1 (h_UT <= 13 m): UMa
//! `18/d + exp(-d/63) (1 - 18/d)`, UMi `18/d + exp(-d/36) (1 - 18/d)`, 1 within 18 m.

use super::error::NetError;
use serde::{Deserialize, Serialize};

/// Speed of light [m/s].
pub const SPEED_OF_LIGHT: f64 = 299_792_458.0;

/// Whether a device sees the base station.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sight {
    /// Line of sight.
    Los,
    /// No line of sight.
    Nlos,
}

/// A path-loss model.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PathLoss {
    /// Friis free space.
    FreeSpace {
        /// Carrier \[Hz\].
        carrier_hz: f64,
    },
    /// Free space up to `reference_m`, then `10 * exponent` dB per decade.
    LogDistance {
        /// Carrier \[Hz\].
        carrier_hz: f64,
        /// Path-loss exponent n, >= 1.
        exponent: f64,
        /// Reference distance d0 \[m\], > 0.
        reference_m: f64,
    },
    /// 3GPP TR 38.901 urban macro.
    Uma {
        /// Carrier \[Hz\].
        carrier_hz: f64,
        /// Base-station antenna height \[m\].
        bs_height_m: f64,
        /// Device antenna height \[m\].
        ue_height_m: f64,
    },
    /// 3GPP TR 38.901 urban micro, street canyon.
    Umi {
        /// Carrier \[Hz\].
        carrier_hz: f64,
        /// Base-station antenna height \[m\].
        bs_height_m: f64,
        /// Device antenna height \[m\].
        ue_height_m: f64,
    },
}

fn positive(parameter: &'static str, value: f64) -> Result<(), NetError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(NetError::invalid(
            "path_loss",
            parameter,
            value,
            "a finite value > 0",
        ))
    }
}

impl PathLoss {
    /// Check the parameters.
    pub fn validate(&self) -> Result<(), NetError> {
        match *self {
            PathLoss::FreeSpace { carrier_hz } => positive("carrier_hz", carrier_hz),
            PathLoss::LogDistance {
                carrier_hz,
                exponent,
                reference_m,
            } => {
                positive("carrier_hz", carrier_hz)?;
                positive("reference_m", reference_m)?;
                if !(exponent.is_finite() && exponent >= 1.0) {
                    return Err(NetError::invalid(
                        "path_loss",
                        "exponent",
                        exponent,
                        "a finite exponent >= 1",
                    ));
                }
                Ok(())
            }
            PathLoss::Uma {
                carrier_hz,
                bs_height_m,
                ue_height_m,
            }
            | PathLoss::Umi {
                carrier_hz,
                bs_height_m,
                ue_height_m,
            } => {
                positive("carrier_hz", carrier_hz)?;
                // h' = h - 1 m must stay positive for the breakpoint distance.
                if !(bs_height_m.is_finite() && bs_height_m > 1.0) {
                    return Err(NetError::invalid(
                        "path_loss",
                        "bs_height_m",
                        bs_height_m,
                        "a height above 1 m",
                    ));
                }
                if !(ue_height_m.is_finite() && ue_height_m > 1.0 && ue_height_m < bs_height_m) {
                    return Err(NetError::invalid(
                        "path_loss",
                        "ue_height_m",
                        ue_height_m,
                        "a height above 1 m and below the base station's",
                    ));
                }
                Ok(())
            }
        }
    }

    /// Path loss at ground distance `d_m` \[m\] for a device in `sight` \[dB\] (free space and
    /// log-distance ignore `sight`).
    pub fn loss_db(&self, d_m: f64, sight: Sight) -> f64 {
        match *self {
            PathLoss::FreeSpace { carrier_hz } => free_space_db(d_m.max(1.0), carrier_hz),
            PathLoss::LogDistance {
                carrier_hz,
                exponent,
                reference_m,
            } => {
                free_space_db(reference_m, carrier_hz)
                    + 10.0 * exponent * (d_m.max(reference_m) / reference_m).log10()
            }
            PathLoss::Uma {
                carrier_hz,
                bs_height_m: h_bs,
                ue_height_m: h_ut,
            } => {
                let (d3, f_ghz, los) = three_gpp_los(d_m, carrier_hz, h_bs, h_ut, 28.0, 22.0, 9.0);
                match sight {
                    Sight::Los => los,
                    Sight::Nlos => los.max(
                        13.54 + 39.08 * d3.log10() + 20.0 * f_ghz.log10() - 0.6 * (h_ut - 1.5),
                    ),
                }
            }
            PathLoss::Umi {
                carrier_hz,
                bs_height_m: h_bs,
                ue_height_m: h_ut,
            } => {
                let (d3, f_ghz, los) = three_gpp_los(d_m, carrier_hz, h_bs, h_ut, 32.4, 21.0, 9.5);
                match sight {
                    Sight::Los => los,
                    Sight::Nlos => los
                        .max(35.3 * d3.log10() + 22.4 + 21.3 * f_ghz.log10() - 0.3 * (h_ut - 1.5)),
                }
            }
        }
    }

    /// Probability of line of sight at ground distance `d_m` \[m\] (1 for the models without
    /// a LOS/NLOS distinction).
    pub fn los_probability(&self, d_m: f64) -> f64 {
        let decay = match self {
            PathLoss::Uma { .. } => 63.0,
            PathLoss::Umi { .. } => 36.0,
            _ => return 1.0,
        };
        if d_m <= 18.0 {
            1.0
        } else {
            18.0 / d_m + (-d_m / decay).exp() * (1.0 - 18.0 / d_m)
        }
    }

    /// The model's shadowing standard deviation in `sight` \[dB\] (0 for free space and
    /// log-distance, which leave it to the scenario).
    pub fn shadowing_std_db(&self, sight: Sight) -> f64 {
        match (self, sight) {
            (PathLoss::Uma { .. } | PathLoss::Umi { .. }, Sight::Los) => 4.0,
            (PathLoss::Uma { .. }, Sight::Nlos) => 6.0,
            (PathLoss::Umi { .. }, Sight::Nlos) => 7.82,
            _ => 0.0,
        }
    }
}

/// Free-space path loss at `d_m` \[m\] and `carrier_hz` \[Hz\] \[dB\].
pub fn free_space_db(d_m: f64, carrier_hz: f64) -> f64 {
    20.0 * (4.0 * std::f64::consts::PI * d_m * carrier_hz / SPEED_OF_LIGHT).log10()
}

/// The 3GPP LOS formula with intercept `a`, slope `b` before the breakpoint and breakpoint
/// correction `bp`: returns `(d_3D, f_GHz, PL_LOS)`.
fn three_gpp_los(
    d_m: f64,
    carrier_hz: f64,
    h_bs: f64,
    h_ut: f64,
    a: f64,
    b: f64,
    bp: f64,
) -> (f64, f64, f64) {
    let d2 = d_m.max(10.0);
    let dh = h_bs - h_ut;
    let d3 = (d2 * d2 + dh * dh).sqrt();
    let f_ghz = carrier_hz / 1e9;
    let breakpoint = 4.0 * (h_bs - 1.0) * (h_ut - 1.0) * carrier_hz / SPEED_OF_LIGHT;
    let pl = if d2 <= breakpoint {
        a + b * d3.log10() + 20.0 * f_ghz.log10()
    } else {
        a + 40.0 * d3.log10() + 20.0 * f_ghz.log10()
            - bp * (breakpoint * breakpoint + dh * dh).log10()
    };
    (d3, f_ghz, pl)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn free_space_matches_friis() {
        // 20 log10(4 pi 100 m * 2.4 GHz / c) = 80.05 dB; 20 dB more per decade.
        let fs = PathLoss::FreeSpace { carrier_hz: 2.4e9 };
        let at_100 = fs.loss_db(100.0, Sight::Los);
        let lambda = SPEED_OF_LIGHT / 2.4e9;
        let friis = 20.0 * (4.0 * std::f64::consts::PI * 100.0 / lambda).log10();
        assert!(close(at_100, friis));
        assert!((at_100 - 80.05).abs() < 0.01);
        assert!(close(fs.loss_db(1000.0, Sight::Nlos) - at_100, 20.0));
    }

    #[test]
    fn log_distance_adds_ten_n_per_decade_after_the_reference() {
        let ld = PathLoss::LogDistance {
            carrier_hz: 3.5e9,
            exponent: 3.5,
            reference_m: 1.0,
        };
        let ref_loss = free_space_db(1.0, 3.5e9);
        assert!(close(ld.loss_db(1.0, Sight::Los), ref_loss));
        assert!(close(ld.loss_db(100.0, Sight::Los), ref_loss + 70.0));
        assert!(close(ld.loss_db(0.5, Sight::Los), ref_loss));
    }

    #[test]
    fn uma_follows_tr_38_901_on_both_sides_of_the_breakpoint() {
        let uma = PathLoss::Uma {
            carrier_hz: 3.5e9,
            bs_height_m: 25.0,
            ue_height_m: 1.5,
        };
        // d'_BP = 4 * 24 * 0.5 * 3.5e9 / c = 560.4 m.
        let d3 = |d: f64| (d * d + 23.5f64 * 23.5).sqrt();
        let f = 20.0 * 3.5f64.log10();
        let pl1 = 28.0 + 22.0 * d3(200.0).log10() + f;
        assert!(close(uma.loss_db(200.0, Sight::Los), pl1));
        let bp = 4.0 * 24.0 * 0.5 * 3.5e9 / SPEED_OF_LIGHT;
        let pl2 = 28.0 + 40.0 * d3(1000.0).log10() + f - 9.0 * (bp * bp + 23.5 * 23.5).log10();
        assert!(close(uma.loss_db(1000.0, Sight::Los), pl2));
        let nlos = 13.54 + 39.08 * d3(200.0).log10() + f;
        assert!(close(uma.loss_db(200.0, Sight::Nlos), nlos.max(pl1)));
        assert!(uma.loss_db(200.0, Sight::Nlos) > pl1);
        // Below 10 m the 10 m value holds.
        assert!(close(
            uma.loss_db(2.0, Sight::Los),
            uma.loss_db(10.0, Sight::Los)
        ));
    }

    #[test]
    fn umi_follows_tr_38_901() {
        let umi = PathLoss::Umi {
            carrier_hz: 3.5e9,
            bs_height_m: 10.0,
            ue_height_m: 1.5,
        };
        let d3 = (100.0f64 * 100.0 + 8.5 * 8.5).sqrt();
        let los = 32.4 + 21.0 * d3.log10() + 20.0 * 3.5f64.log10();
        let nlos = 35.3 * d3.log10() + 22.4 + 21.3 * 3.5f64.log10();
        assert!(close(umi.loss_db(100.0, Sight::Los), los));
        assert!(close(umi.loss_db(100.0, Sight::Nlos), nlos.max(los)));
        assert_eq!(umi.shadowing_std_db(Sight::Nlos), 7.82);
    }

    #[test]
    fn los_probability_follows_the_tables() {
        let uma = PathLoss::Uma {
            carrier_hz: 3.5e9,
            bs_height_m: 25.0,
            ue_height_m: 1.5,
        };
        assert_eq!(uma.los_probability(10.0), 1.0);
        let p = 18.0 / 200.0 + (-200.0f64 / 63.0).exp() * (1.0 - 18.0 / 200.0);
        assert!(close(uma.los_probability(200.0), p));
        assert_eq!(
            PathLoss::FreeSpace { carrier_hz: 1e9 }.los_probability(1e4),
            1.0
        );
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert!(PathLoss::FreeSpace { carrier_hz: 0.0 }.validate().is_err());
        let ld = PathLoss::LogDistance {
            carrier_hz: 1e9,
            exponent: 0.5,
            reference_m: 1.0,
        };
        assert!(ld.validate().is_err());
        let uma = PathLoss::Uma {
            carrier_hz: 3.5e9,
            bs_height_m: 25.0,
            ue_height_m: 30.0,
        };
        assert!(uma.validate().is_err());
    }
}
