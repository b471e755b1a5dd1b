//! Per-value sparsification: which entries of a vector are sent.

use rand::Rng;

/// Values kept out of `candidates` for a share `fraction`: round(fraction * candidates),
/// clamped to 1..=candidates (0 when there are no candidates) \[count\].
pub fn kept_count(fraction: f64, candidates: usize) -> usize {
    if candidates == 0 {
        return 0;
    }
    let k = (fraction * candidates as f64).round();
    if k.is_finite() && k >= 1.0 {
        (k as usize).min(candidates)
    } else {
        1
    }
}

/// Positions of the `k` entries of `values` with the largest magnitude, ties going to the lower
/// position; returned ascending.
pub fn top_k(values: &[f64], k: usize) -> Vec<usize> {
    let k = k.min(values.len());
    let mut order: Vec<usize> = (0..values.len()).collect();
    if k == 0 {
        return Vec::new();
    }
    if k < order.len() {
        order.select_nth_unstable_by(k - 1, |&a, &b| {
            values[b].abs().total_cmp(&values[a].abs()).then(a.cmp(&b))
        });
        order.truncate(k);
    }
    order.sort_unstable();
    order
}

/// `k` positions out of `0..n` drawn uniformly without replacement from `rng`; ascending.
pub(crate) fn random_k<R: Rng + ?Sized>(n: usize, k: usize, rng: &mut R) -> Vec<usize> {
    let mut picked = rand::seq::index::sample(rng, n, k.min(n)).into_vec();
    picked.sort_unstable();
    picked
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn top_k_by_magnitude_with_ties_to_lower_position() {
        let v = [0.1, -3.0, 2.0, -2.0, 0.0, 3.0];
        assert_eq!(top_k(&v, 2), vec![1, 5]);
        assert_eq!(top_k(&v, 3), vec![1, 2, 5]);
        assert_eq!(top_k(&v, 4), vec![1, 2, 3, 5]);
        assert_eq!(top_k(&v, 10), vec![0, 1, 2, 3, 4, 5]);
        assert!(top_k(&v, 0).is_empty());
    }

    #[test]
    fn kept_count_rounds_and_clamps() {
        assert_eq!(kept_count(0.1, 100), 10);
        assert_eq!(kept_count(0.001, 100), 1);
        assert_eq!(kept_count(1.0, 7), 7);
        assert_eq!(kept_count(0.5, 0), 0);
    }

    #[test]
    fn random_k_is_a_seeded_subset() {
        let mut a = ChaCha8Rng::seed_from_u64(7);
        let mut b = ChaCha8Rng::seed_from_u64(7);
        let x = random_k(50, 10, &mut a);
        assert_eq!(x, random_k(50, 10, &mut b));
        assert_eq!(x.len(), 10);
        assert!(x.windows(2).all(|p| p[0] < p[1]) && x[9] < 50);
    }
}
