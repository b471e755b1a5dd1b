//! Errors of the compression layer: bad settings, mismatched shapes, malformed uploads.

use thiserror::Error;

/// Everything that can go wrong while compressing, decoding or aggregating uploads.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CompressError {
    /// A compression setting is out of range.
    #[error("compression setting `{key}` = {value} is invalid: expected {expected}")]
    Setting {
        /// Key path of the setting, e.g. `compression.rate`.
        key: &'static str,
        /// The offending value, printed.
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// The model layout is inconsistent.
    #[error("model layout: {what} is {got}, expected {expected}")]
    Layout {
        /// Which quantity.
        what: &'static str,
        /// Its value.
        got: usize,
        /// What it should be.
        expected: String,
    },
    /// A vector handed in has the wrong length.
    #[error("{what} has length {got}, expected {expected}")]
    Length {
        /// Which vector.
        what: &'static str,
        /// Its length.
        got: usize,
        /// The length the layout implies.
        expected: usize,
    },
    /// A value is NaN or infinite, or does not fit the wire format (f32, f16).
    #[error("{what}[{index}] = {value} is not finite or does not fit the wire format")]
    NotFinite {
        /// Which vector.
        what: &'static str,
        /// Position in it.
        index: usize,
        /// The value.
        value: f64,
    },
    /// An upload or broadcast of another kind than the compression produces.
    #[error("expected a `{expected}` message, got a `{got}` message")]
    WrongKind {
        /// The kind the compression produces.
        expected: &'static str,
        /// The kind received.
        got: &'static str,
    },
    /// A message whose content contradicts the layout or the compression settings.
    #[error("malformed `{section}` section at position {position}: {reason}")]
    Malformed {
        /// Which section of the message.
        section: &'static str,
        /// Position of the first bad entry (or the count that is wrong).
        position: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The same device uploaded twice to one aggregation.
    #[error("device {device} uploaded twice in the same round")]
    DuplicateDevice {
        /// The device id.
        device: u32,
    },
    /// An aggregation weight above 2^32 - 1.
    #[error("device {device}: aggregation weight {weight} must be at most 2^32 - 1")]
    Weight {
        /// The device id.
        device: u32,
        /// The weight.
        weight: u64,
    },
    /// A round takes more than its exact sums can hold.
    #[error("a round's {what} may not exceed {limit}")]
    Capacity {
        /// What overflows: the uploads or their total weight.
        what: &'static str,
        /// The most it may be.
        limit: u64,
    },
}
