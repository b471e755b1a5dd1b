//! Stochastic uniform quantisation and half precision.

use super::CompressError;
use half::f16;
use rand::Rng;

/// The largest f32 not above `x` (`None` if it is not finite).
fn f32_below(x: f64) -> Option<f32> {
    let y = x as f32;
    let y = if f64::from(y) > x { y.next_down() } else { y };
    y.is_finite().then_some(y)
}

/// The smallest f32 not below `x` (`None` if it is not finite).
fn f32_above(x: f64) -> Option<f32> {
    let y = x as f32;
    let y = if f64::from(y) < x { y.next_up() } else { y };
    y.is_finite().then_some(y)
}

/// Spacing of the levels between `lo` and `hi` for `bits` bits [value units].
fn step(lo: f32, hi: f32, bits: u8) -> f64 {
    (f64::from(hi) - f64::from(lo)) / f64::from(max_level(bits))
}

/// The highest level for `bits` bits: 2^bits - 1.
pub(crate) fn max_level(bits: u8) -> u16 {
    ((1u32 << bits) - 1) as u16
}

/// Quantises `values` to `bits` bits between their min and max (rounded outwards to f32): each
/// value goes to one of its two neighbouring levels at random, with the probabilities that make
/// the decoded value unbiased. Returns (lo, hi, levels).
pub(crate) fn quantize<R: Rng + ?Sized>(
    values: &[f64],
    bits: u8,
    rng: &mut R,
) -> Result<(f32, f32, Vec<u16>), CompressError> {
    let not_finite = |index, value| CompressError::NotFinite {
        what: "update",
        index,
        value,
    };
    if let Some((i, &x)) = values.iter().enumerate().find(|(_, x)| !x.is_finite()) {
        return Err(not_finite(i, x));
    }
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if values.is_empty() {
        return Ok((0.0, 0.0, Vec::new()));
    }
    let lo = f32_below(min).ok_or(not_finite(0, min))?;
    let hi = f32_above(max).ok_or(not_finite(0, max))?;
    let top = max_level(bits);
    let step = step(lo, hi, bits);
    let levels = values
        .iter()
        .map(|&x| {
            if step <= 0.0 {
                return 0;
            }
            let pos = ((x - f64::from(lo)) / step).clamp(0.0, f64::from(top));
            let floor = pos.floor();
            let up = rng.random::<f64>() < pos - floor;
            (floor as u16 + u16::from(up)).min(top)
        })
        .collect();
    Ok((lo, hi, levels))
}

/// The values that `levels` stand for.
pub(crate) fn dequantize(lo: f32, hi: f32, bits: u8, levels: &[u16]) -> Vec<f64> {
    level_values(lo, hi, bits, levels).collect()
}

/// The values that `levels` stand for, one at a time.
pub(crate) fn level_values(
    lo: f32,
    hi: f32,
    bits: u8,
    levels: &[u16],
) -> impl Iterator<Item = f64> + '_ {
    let step = step(lo, hi, bits);
    levels
        .iter()
        .map(move |&q| f64::from(lo) + f64::from(q) * step)
}

/// `values` in half precision (round to nearest); an error if one overflows f16.
pub(crate) fn to_half(values: &[f64]) -> Result<Vec<f16>, CompressError> {
    convert_exact(values.iter().copied(), |index, x| {
        let h = f16::from_f64(x);
        if h.is_finite() {
            Ok(h)
        } else {
            Err(CompressError::NotFinite {
                what: "update",
                index,
                value: x,
            })
        }
    })
}

/// `values` converted one by one (`convert` is handed each one's position), in a vector of
/// exactly their number: an upload is held in flight as it is sent, with no spare capacity (a
/// vector collected through `Result` grows by doubling, to up to twice its length). The first
/// error stops it.
pub(crate) fn convert_exact<T>(
    values: impl ExactSizeIterator<Item = f64>,
    mut convert: impl FnMut(usize, f64) -> Result<T, CompressError>,
) -> Result<Vec<T>, CompressError> {
    let mut out = Vec::with_capacity(values.len());
    for (index, value) in values.enumerate() {
        out.push(convert(index, value)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn bounds_bracket_the_values() {
        let x = 0.1_f64; // not an f32
        let (lo, hi) = (f32_below(x).expect("finite"), f32_above(x).expect("finite"));
        assert!(f64::from(lo) <= x && x <= f64::from(hi) && lo < hi);
        assert_eq!(f32_below(0.5), Some(0.5));
        assert_eq!(f32_above(1e300), None);
    }

    #[test]
    fn extremes_and_constant_vectors() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let (lo, hi, q) = quantize(&[-1.0, 0.5, 1.0], 2, &mut rng).expect("finite");
        assert_eq!((lo, hi), (-1.0, 1.0));
        assert_eq!((q[0], q[2]), (0, 3));
        let (lo, hi, q) = quantize(&[0.25; 4], 3, &mut rng).expect("finite");
        assert_eq!(dequantize(lo, hi, 3, &q), vec![0.25; 4]);
        assert!(quantize(&[f64::NAN], 3, &mut rng).is_err());
        assert!(to_half(&[1e6]).is_err());
    }
}
