//! Validation of `cell.aggregation`: digital uploads, or over-the-air aggregation with its
//! truncation threshold and receiver noise.
//!
//! Over the air, every scheduled device sends its full model as analog symbols in a synchronous
//! round, so it needs `fl.mode = "sync"` and full-model uploads (`compression.kind = "none"`).
//! The uplink's `sharing`, `retries` and the cell's packet-error model only concern digital
//! uploads and are not read.

use super::checks::Checker;
use super::error::ScenarioError;
use super::raw::{RawCompressionKind, RawFlMode, RawScenario};
use super::raw_cell::{RawCell, RawCellAggregation};
use super::units;
use crate::net::OverTheAir;

/// The over-the-air settings of `cell`, `None` for digital uploads.
pub(crate) fn over_the_air(
    c: &Checker,
    raw: &RawScenario,
    cell: &RawCell,
) -> Result<Option<OverTheAir>, ScenarioError> {
    if cell.aggregation.unwrap_or(RawCellAggregation::Digital) == RawCellAggregation::Digital {
        let why = "only with cell.aggregation = \"over-the-air\"";
        c.forbid("cell.air_threshold", &cell.air_threshold, why)?;
        c.forbid("cell.air_noise", &cell.air_noise, why)?;
        return Ok(None);
    }
    let mode = raw.fl.as_ref().and_then(|f| f.mode);
    if mode.is_some_and(|m| m != RawFlMode::Sync) {
        return Err(c.invalid(
            "fl.mode",
            "\"sync\" (over-the-air aggregation needs every round's uploads at once)",
            format!("{mode:?}"),
        ));
    }
    let kind = raw.compression.as_ref().and_then(|k| k.kind);
    if kind.is_some_and(|k| k != RawCompressionKind::None) {
        return Err(c.invalid(
            "compression.kind",
            "\"none\" (over-the-air aggregation sums full models as analog symbols)",
            format!("{kind:?}"),
        ));
    }
    let threshold_db = c.level(
        "cell.air_threshold",
        cell.air_threshold.as_ref(),
        0.0,
        units::parse_db,
    )?;
    Ok(Some(OverTheAir {
        threshold_db,
        noise: cell.air_noise.unwrap_or(true),
    }))
}
