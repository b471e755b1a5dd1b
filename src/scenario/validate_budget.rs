//! Stage two for `[compression]` and `[budget]`.

use super::checks::Checker;
use super::error::ScenarioError;
use super::raw::{RawBudget, RawCompression, RawCompressionKind, RawFixedRateAggregation};
use super::spec::{BudgetSpec, Compression, FixedRateAggregation};

/// Validates `[compression]`; the fixed-rate scheme takes its tau from `fl.tau`.
pub fn validate_compression(
    c: &Checker,
    raw: RawCompression,
    tau: u64,
) -> Result<Compression, ScenarioError> {
    let kind = raw.kind.unwrap_or(RawCompressionKind::None);
    let only = |key: &str, present: bool, kinds: &str| {
        if present {
            c.forbid(
                &format!("compression.{key}"),
                &Some(()),
                &format!("only with compression.kind = {kinds}"),
            )
        } else {
            Ok(())
        }
    };
    let sparse = matches!(kind, RawCompressionKind::TopK | RawCompressionKind::RandomK);
    let fixed = kind == RawCompressionKind::FixedRate;
    only("rate", raw.rate.is_some() && !fixed, "\"fixed-rate\"")?;
    only(
        "aggregation",
        raw.aggregation.is_some() && !fixed,
        "\"fixed-rate\"",
    )?;
    only(
        "fraction",
        raw.fraction.is_some() && !sparse,
        "\"top-k\" or \"random-k\"",
    )?;
    only(
        "error_feedback",
        raw.error_feedback.is_some() && !sparse,
        "\"top-k\" or \"random-k\"",
    )?;
    only(
        "bits",
        raw.bits.is_some() && kind != RawCompressionKind::Quantize,
        "\"quantize\"",
    )?;
    let in_unit = |x: f64| x > 0.0 && x <= 1.0;
    let fraction = || {
        c.real(
            "compression.fraction",
            raw.fraction,
            0.1,
            "a fraction in (0, 1]",
            in_unit,
        )
    };
    Ok(match kind {
        RawCompressionKind::None => Compression::None,
        RawCompressionKind::FixedRate => Compression::FixedRate {
            rate: c.real(
                "compression.rate",
                raw.rate,
                0.25,
                "a rate in (0, 1] (basis weights per synapse per global iteration)",
                in_unit,
            )?,
            tau: usize::try_from(tau).unwrap_or(usize::MAX),
            aggregation: match raw.aggregation {
                Some(RawFixedRateAggregation::Original) => FixedRateAggregation::Original,
                Some(RawFixedRateAggregation::KeepLocal) | None => FixedRateAggregation::KeepLocal,
            },
        },
        RawCompressionKind::TopK => Compression::TopK {
            fraction: fraction()?,
            error_feedback: raw.error_feedback.unwrap_or(true),
        },
        RawCompressionKind::RandomK => Compression::RandomK {
            fraction: fraction()?,
            error_feedback: raw.error_feedback.unwrap_or(true),
        },
        RawCompressionKind::Quantize => Compression::Quantize {
            bits: c.int("compression.bits", raw.bits, 4, 1, 16)? as u8,
        },
        RawCompressionKind::Fp16 => Compression::Fp16,
    })
}

/// Validates `[budget]`.
pub fn validate_budget(c: &Checker, raw: RawBudget) -> Result<BudgetSpec, ScenarioError> {
    let uplink_bytes = match &raw.uplink_bytes {
        Some(_) => Some(c.size("budget.uplink_bytes", raw.uplink_bytes.as_ref(), 0)?),
        None => None,
    };
    let round_airtime = match &raw.round_airtime {
        Some(_) => {
            Some(c.positive_duration("budget.round_airtime", raw.round_airtime.as_ref(), 1)?)
        }
        None => None,
    };
    Ok(BudgetSpec {
        uplink_bytes,
        round_airtime,
    })
}
