//! The paper's fixed-rate selective exchange (SPEC section 3): choose basis slices of W by the
//! accumulated |gradient|, send them with V and gamma, average per slice at the BS.

use super::{CompressError, ModelLayout, SliceSet};

/// K' = round(tau * rate), clamped to 1..=k_ff [slices per upload].
pub fn slice_count(rate: f64, tau: usize, k_ff: usize) -> usize {
    let k = (tau as f64 * rate).round();
    if k.is_finite() && k >= 1.0 {
        (k as usize).clamp(1, k_ff.max(1))
    } else {
        1
    }
}

/// The `count` basis indices k with the largest sum of `grad_abs[i][j][k]` over the present
/// synapses, ties going to the lower k; returned ascending. `grad_abs` is shaped like W.
pub fn select_slices(
    layout: &ModelLayout,
    grad_abs: &[f64],
    count: usize,
) -> Result<Vec<usize>, CompressError> {
    if grad_abs.len() != layout.w_len() {
        return Err(CompressError::Length {
            what: "accumulated |g_W|",
            got: grad_abs.len(),
            expected: layout.w_len(),
        });
    }
    if let Some((index, &value)) = grad_abs.iter().enumerate().find(|(_, x)| x.is_nan()) {
        return Err(CompressError::NotFinite {
            what: "accumulated |g_W|",
            index,
            value,
        });
    }
    let scores: Vec<f64> = (0..layout.k_ff)
        .map(|k| layout.slice_positions(k).map(|p| grad_abs[p]).sum())
        .collect();
    let mut order: Vec<usize> = (0..layout.k_ff).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    order.truncate(count.min(layout.k_ff));
    order.sort_unstable();
    // The slices travel with the upload: no room kept for the ones not chosen.
    order.shrink_to_fit();
    Ok(order)
}

/// The slices `slices` of `model` (W ++ V ++ gamma), with V and gamma in full, as f32.
pub(crate) fn gather(layout: &ModelLayout, model: &[f64], slices: Vec<usize>) -> SliceSet {
    // Sized up front: an upload is held in flight as it is sent, with no spare capacity.
    let mut w = Vec::with_capacity(slices.len() * layout.synapse_count());
    w.extend(
        slices
            .iter()
            .flat_map(|&k| layout.slice_positions(k))
            .map(|p| model[p] as f32),
    );
    let v_start = layout.w_len();
    let g_start = v_start + layout.v_len();
    SliceSet {
        basis: layout.k_ff,
        w,
        v: model[v_start..g_start].iter().map(|&x| x as f32).collect(),
        gamma: model[g_start..].iter().map(|&x| x as f32).collect(),
        slices,
    }
}

/// Checks a slice set against the layout (and, when given, the expected slice count).
pub(crate) fn check(
    layout: &ModelLayout,
    set: &SliceSet,
    expected_count: Option<usize>,
) -> Result<(), CompressError> {
    let malformed = |position, reason| CompressError::Malformed {
        section: "slices",
        position,
        reason,
    };
    if set.basis != layout.k_ff {
        return Err(malformed(set.basis, "basis count differs from k_ff"));
    }
    if expected_count.is_some_and(|c| c != set.slices.len()) {
        return Err(malformed(set.slices.len(), "wrong number of slices"));
    }
    for (pos, pair) in set.slices.windows(2).enumerate() {
        if pair[0] >= pair[1] {
            return Err(malformed(pos + 1, "slice indices not strictly ascending"));
        }
    }
    if let Some(pos) = set.slices.iter().position(|&k| k >= layout.k_ff) {
        return Err(malformed(pos, "slice index >= k_ff"));
    }
    let lengths = [
        (
            "slice weights",
            set.w.len(),
            set.slices.len() * layout.synapse_count(),
        ),
        ("V", set.v.len(), layout.v_len()),
        ("gamma", set.gamma.len(), layout.gamma_len()),
    ];
    for (what, got, expected) in lengths {
        if got != expected {
            return Err(CompressError::Length {
                what,
                got,
                expected,
            });
        }
    }
    let values = set.w.iter().chain(&set.v).chain(&set.gamma);
    if let Some((index, &value)) = values.enumerate().find(|(_, x)| !x.is_finite()) {
        return Err(CompressError::NotFinite {
            what: "slice set values",
            index,
            value: f64::from(value),
        });
    }
    Ok(())
}

/// Writes the slice set's values into `model` (W slices, V, gamma); other entries are kept.
/// The set must have passed [`check`].
pub(crate) fn scatter(layout: &ModelLayout, set: &SliceSet, model: &mut [f64]) {
    let positions = set.slices.iter().flat_map(|&k| layout.slice_positions(k));
    for (p, &x) in positions.zip(&set.w) {
        model[p] = f64::from(x);
    }
    let tail = set.v.iter().chain(&set.gamma);
    for (m, &x) in model[layout.w_len()..].iter_mut().zip(tail) {
        *m = f64::from(x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_count_rounds_and_clamps() {
        assert_eq!(slice_count(0.25, 4, 8), 1);
        assert_eq!(slice_count(0.25, 8, 8), 2);
        assert_eq!(slice_count(0.25, 16, 8), 4);
        assert_eq!(slice_count(0.25, 32, 8), 8);
        assert_eq!(slice_count(0.25, 64, 8), 8);
        assert_eq!(slice_count(0.25, 1, 8), 1);
        assert_eq!(slice_count(0.25, 6, 8), 2); // 1.5 rounds half away from zero
    }

    #[test]
    fn nan_gradient_is_an_error() {
        let layout = ModelLayout {
            l: 1,
            n: 1,
            k_ff: 2,
            k_fb: 1,
            mask: vec![true],
        };
        let err = select_slices(&layout, &[1.0, f64::NAN], 1);
        assert!(matches!(
            err,
            Err(CompressError::NotFinite { index: 1, .. })
        ));
        assert!(select_slices(&layout, &[1.0], 1).is_err());
    }
}
