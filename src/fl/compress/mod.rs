//! Compression of uploads (SPEC section 3, "Selective (sparse) exchange at a fixed communication
//! rate", and issue 4): what a device sends to the base station (BS), how the BS decodes and
//! combines it, and how many bytes it costs on the wire.
//!
//! Everything works on flat model vectors W ++ V ++ gamma described by a [`ModelLayout`]. A
//! [`Codec`] (a validated [`Compression`] plus the layout) turns a device's model into an
//! [`EncodedUpload`] using the device's [`CompressorState`]; the BS folds each upload of a round
//! into the round's [`Aggregator`] as it arrives, which returns the [`Broadcast`] every device
//! then adopts.
//!
//! - [`Compression::None`] sends every present value (f32).
//! - [`Compression::FixedRate`] is the paper's scheme: the K' basis slices of W with the largest
//!   accumulated |gradient|, plus V and gamma in full; see [`FixedRateAggregation`].
//! - [`Compression::TopK`], [`Compression::RandomK`], [`Compression::Quantize`] and
//!   [`Compression::Fp16`] compress the *update*: the local model minus the device's reference
//!   (the last global model it adopted). The BS adds the weighted mean update to its global model.
//!
//! Wire sizes are computed from what is really sent: see [`payload_bytes`] and the constants in
//! `wire.rs`.

mod aggregator;
mod codec;
mod error;
mod exact;
mod fixed_rate;
mod full;
mod layout;
mod quantize;
mod sparsify;
mod wire;

pub use aggregator::Aggregator;
pub use codec::{Codec, CompressorState, Decoded};
pub use error::CompressError;
pub use fixed_rate::{select_slices, slice_count};
pub use full::{FullValues, SharedModel};
pub use layout::ModelLayout;
pub use sparsify::{kept_count, top_k};
pub use wire::{
    analog_values, broadcast_bytes, index_bits, index_coding, payload_bytes, Broadcast,
    EncodedUpload, IndexCoding, SliceSet, SparseUpdate, FULL_VALUE_BYTES, HALF_VALUE_BYTES,
    HEADER_BYTES, INDEX_HEADER_BYTES, SCALE_HEADER_BYTES,
};

use serde::{Deserialize, Serialize};

/// How the BS combines fixed-rate uploads (SPEC section 3).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixedRateAggregation {
    /// The original code: the broadcast is the whole model, with zeros in the slices nobody
    /// sent, and every device overwrites its whole W with it.
    Original,
    /// The broadcast carries only the slices someone sent (plus V and gamma); a device keeps its
    /// own values in the other slices.
    #[default]
    KeepLocal,
}

/// What a device sends at each round.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Compression {
    /// The whole model (every present value) as f32.
    #[default]
    None,
    /// The paper's fixed-rate selective exchange.
    FixedRate {
        /// Budget rho_c [feedforward basis weights per synapse per global iteration], in (0, 1];
        /// 0.25 when omitted.
        #[serde(default = "default_rate")]
        rate: f64,
        /// Global iterations between uploads \[count\] >= 1; K' = round(tau * rate).
        tau: usize,
        /// How the BS combines the slices; keep-local when omitted.
        #[serde(default)]
        aggregation: FixedRateAggregation,
    },
    /// The largest-magnitude entries of the update (plus the residual with error feedback).
    TopK {
        /// Share of the sendable values sent \[fraction\] in (0, 1].
        fraction: f64,
        /// Carry what was not sent to the next round.
        error_feedback: bool,
    },
    /// Uniformly random entries of the update (plus the residual with error feedback), not
    /// rescaled.
    RandomK {
        /// Share of the sendable values sent \[fraction\] in (0, 1].
        fraction: f64,
        /// Carry what was not sent to the next round.
        error_feedback: bool,
    },
    /// Stochastic uniform quantisation of the update between its min and max.
    Quantize {
        /// Bits per value \[bits\], 1..=16.
        bits: u8,
    },
    /// The update in IEEE half precision.
    Fp16,
}

impl Compression {
    /// The paper's default fixed-rate setting for a given tau: rate 0.25, keep-local.
    pub fn fixed_rate(tau: usize) -> Compression {
        Compression::FixedRate {
            rate: 0.25,
            tau,
            aggregation: FixedRateAggregation::KeepLocal,
        }
    }

    /// Checks every setting's range.
    pub fn validate(&self) -> Result<(), CompressError> {
        match *self {
            Compression::None | Compression::Fp16 => Ok(()),
            Compression::FixedRate { rate, tau, .. } => {
                check_fraction("compression.rate", rate)?;
                if tau == 0 {
                    return Err(setting("compression.tau", tau, "an integer >= 1"));
                }
                Ok(())
            }
            Compression::TopK { fraction, .. } | Compression::RandomK { fraction, .. } => {
                check_fraction("compression.fraction", fraction)
            }
            Compression::Quantize { bits } => {
                if (1..=16).contains(&bits) {
                    Ok(())
                } else {
                    Err(setting("compression.bits", bits, "an integer in 1..=16"))
                }
            }
        }
    }

    /// Whether uploads are updates (local minus reference) rather than model values.
    pub fn sends_updates(&self) -> bool {
        !matches!(self, Compression::None | Compression::FixedRate { .. })
    }
}

fn default_rate() -> f64 {
    0.25
}

fn check_fraction(key: &'static str, x: f64) -> Result<(), CompressError> {
    if x.is_finite() && x > 0.0 && x <= 1.0 {
        Ok(())
    } else {
        Err(setting(key, x, "a number in (0, 1]"))
    }
}

fn setting(
    key: &'static str,
    value: impl std::fmt::Display,
    expected: &'static str,
) -> CompressError {
    CompressError::Setting {
        key,
        value: value.to_string(),
        expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_key() {
        assert_eq!(Compression::fixed_rate(8).validate(), Ok(()));
        assert_eq!(Compression::default(), Compression::None);
        let bad = [
            (Compression::Quantize { bits: 0 }, "compression.bits"),
            (Compression::Quantize { bits: 17 }, "compression.bits"),
            (
                Compression::TopK {
                    fraction: 0.0,
                    error_feedback: true,
                },
                "compression.fraction",
            ),
            (
                Compression::RandomK {
                    fraction: f64::NAN,
                    error_feedback: false,
                },
                "compression.fraction",
            ),
            (
                Compression::FixedRate {
                    rate: 1.5,
                    tau: 4,
                    aggregation: FixedRateAggregation::Original,
                },
                "compression.rate",
            ),
            (
                Compression::FixedRate {
                    rate: 0.25,
                    tau: 0,
                    aggregation: FixedRateAggregation::Original,
                },
                "compression.tau",
            ),
        ];
        for (c, key) in bad {
            match c.validate() {
                Err(CompressError::Setting { key: k, .. }) => assert_eq!(k, key),
                other => panic!("{c:?}: expected a setting error, got {other:?}"),
            }
        }
        assert!(Compression::Quantize { bits: 1 }.validate().is_ok());
        assert!(Compression::Quantize { bits: 16 }.validate().is_ok());
    }

    #[test]
    fn deserialises_from_toml() {
        let c: Compression = toml::from_str(
            "kind = \"fixed-rate\"\nrate = 0.25\ntau = 8\naggregation = \"original\"",
        )
        .expect("valid toml");
        assert_eq!(
            c,
            Compression::FixedRate {
                rate: 0.25,
                tau: 8,
                aggregation: FixedRateAggregation::Original
            }
        );
        let c: Compression = toml::from_str("kind = \"fixed-rate\"\ntau = 4").expect("defaults");
        assert_eq!(c, Compression::fixed_rate(4));
        let bad: Result<Compression, _> = toml::from_str("kind = \"quantize\"\nbitz = 4");
        assert!(bad.is_err());
    }
}
