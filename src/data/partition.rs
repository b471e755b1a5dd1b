//! Splitting a labelled pool of examples among devices.
//!
//! Every scheme returns, per device, indices into the label slice. Indices are drawn without
//! replacement from per-class pools shared by all devices, so shards are disjoint while a pool
//! lasts. When a pool runs out it is refilled with a fresh shuffle of the whole class, the indices
//! already in the requesting device's shard placed last: an index repeats across devices only
//! once its class pool is exhausted, and within one device only when the device asks for more
//! examples of a class than the class holds. [`reused_examples`] counts the repeats, so that a
//! run can say its shards are not disjoint.

use rand::seq::SliceRandom;
use rand::Rng;
use rand_distr::{Distribution, Gamma, StandardNormal};

use super::error::DataError;

/// How examples are spread over devices.
#[derive(Clone, Debug, PartialEq)]
pub enum PartitionScheme {
    /// Device i holds only class `classes[i % n_classes]` (classes sorted ascending).
    LabelPerDevice,
    /// Each device draws class proportions from Dirichlet(alpha, ..., alpha); small alpha is skewed.
    Dirichlet {
        /// Concentration [-], > 0.
        alpha: f64,
    },
    /// Every device gets the same number of examples of each class (up to one for remainders).
    Iid,
    /// Shard sizes proportional to lognormal(0, sigma) weights, labels balanced as in `Iid`; the
    /// mean size stays `per_device` and every device gets at least one example.
    QuantitySkew {
        /// Standard deviation of the log size [-], >= 0.
        sigma: f64,
    },
}

/// Per-class pool drawing without replacement, refilled as the module notes describe.
struct ClassPool {
    members: Vec<usize>,
    remaining: Vec<usize>,
}

impl ClassPool {
    fn take(&mut self, shard: &[usize], rng: &mut impl Rng) -> usize {
        if self.remaining.is_empty() {
            let mut fresh = self.members.clone();
            fresh.shuffle(rng);
            // Items popped from the end: put those the shard already holds at the front.
            let held: std::collections::BTreeSet<usize> = shard.iter().copied().collect();
            fresh.sort_by_key(|i| !held.contains(i));
            self.remaining = fresh;
        }
        self.remaining.pop().unwrap_or(self.members[0])
    }
}

/// Assign `per_device` examples (on average, for quantity skew) to each of `devices` devices.
/// `labels[i]` is the class of example i; results are indices into `labels`, reproducible for a
/// given RNG state.
pub fn partition(
    labels: &[usize],
    devices: usize,
    per_device: usize,
    scheme: &PartitionScheme,
    rng: &mut impl Rng,
) -> Result<Vec<Vec<usize>>, DataError> {
    if labels.is_empty() || devices == 0 || per_device == 0 {
        return Err(DataError::Invalid(format!(
            "partition needs examples, devices and a shard size (got {} labels, {devices} devices, {per_device} per device)",
            labels.len()
        )));
    }
    let classes: Vec<usize> = {
        let mut c = labels.to_vec();
        c.sort_unstable();
        c.dedup();
        c
    };
    let mut pools: Vec<ClassPool> = classes
        .iter()
        .map(|&c| {
            let mut members: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == c).collect();
            members.shuffle(rng);
            ClassPool {
                remaining: members.iter().rev().copied().collect(),
                members,
            }
        })
        .collect();
    let k = classes.len();
    let counts: Vec<Vec<usize>> = match scheme {
        PartitionScheme::LabelPerDevice => (0..devices)
            .map(|d| {
                let mut row = vec![0; k];
                row[d % k] = per_device;
                row
            })
            .collect(),
        PartitionScheme::Iid => (0..devices).map(|d| balanced(per_device, k, d)).collect(),
        PartitionScheme::Dirichlet { alpha } => {
            let gamma = Gamma::new(*alpha, 1.0)
                .ok()
                .filter(|_| alpha.is_finite() && *alpha > 0.0)
                .ok_or_else(|| {
                    DataError::Invalid(format!(
                        "Dirichlet alpha must be finite and > 0, got {alpha}"
                    ))
                })?;
            (0..devices)
                .map(|_| {
                    let w: Vec<f64> = (0..k).map(|_| gamma.sample(rng)).collect();
                    let w = if w.iter().sum::<f64>() > 0.0 {
                        w
                    } else {
                        let mut one = vec![0.0; k];
                        one[rng.random_range(0..k)] = 1.0;
                        one
                    };
                    apportion(per_device, &w)
                })
                .collect()
        }
        PartitionScheme::QuantitySkew { sigma } => {
            if !(sigma.is_finite() && *sigma >= 0.0) {
                return Err(DataError::Invalid(format!(
                    "quantity-skew sigma must be finite and >= 0, got {sigma}"
                )));
            }
            let log_w: Vec<f64> = (0..devices)
                .map(|_| {
                    let z: f64 = StandardNormal.sample(rng);
                    sigma * z
                })
                .collect();
            let top = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let w: Vec<f64> = log_w.iter().map(|l| (l - top).exp()).collect();
            let spare = devices
                .checked_mul(per_device)
                .ok_or_else(|| DataError::Invalid("devices * per_device overflows".into()))?
                - devices;
            apportion(spare, &w)
                .into_iter()
                .enumerate()
                .map(|(d, extra)| balanced(extra + 1, k, d))
                .collect()
        }
    };
    let shards = counts
        .iter()
        .map(|row| {
            let mut shard = Vec::with_capacity(row.iter().sum());
            for (class, &n) in row.iter().enumerate() {
                for _ in 0..n {
                    let index = pools[class].take(&shard, rng);
                    shard.push(index);
                }
            }
            shard.shuffle(rng);
            shard
        })
        .collect();
    Ok(shards)
}

/// How many entries of `shards` repeat an example already placed in a shard (the same device's or
/// another's): the total shard size minus the number of distinct examples. Zero when the shards
/// are disjoint and no device holds an example twice.
pub fn reused_examples(shards: &[Vec<usize>]) -> usize {
    let placed: usize = shards.iter().map(Vec::len).sum();
    let distinct: std::collections::BTreeSet<usize> = shards.iter().flatten().copied().collect();
    placed - distinct.len()
}

/// `n` spread over `k` classes as evenly as possible; the remainder goes to the classes after
/// `offset` (rotating, so devices share it out).
fn balanced(n: usize, k: usize, offset: usize) -> Vec<usize> {
    (0..k)
        .map(|c| n / k + usize::from((c + k - offset % k) % k < n % k))
        .collect()
}

/// Split `n` in proportion to the weights `w` (largest remainders, ties to the lower index).
fn apportion(n: usize, w: &[f64]) -> Vec<usize> {
    let total: f64 = w.iter().sum();
    let shares: Vec<f64> = w.iter().map(|x| n as f64 * x / total).collect();
    let mut out: Vec<usize> = shares.iter().map(|s| s.floor() as usize).collect();
    let assigned: usize = out.iter().sum();
    let mut order: Vec<usize> = (0..w.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (shares[a] - shares[a].floor(), shares[b] - shares[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().take(n.saturating_sub(assigned)) {
        out[i] += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_sums_to_n() {
        assert_eq!(apportion(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(apportion(7, &[0.0, 2.0]), vec![0, 7]);
    }

    #[test]
    fn balanced_rotates_remainder() {
        assert_eq!(balanced(5, 2, 0), vec![3, 2]);
        assert_eq!(balanced(5, 2, 1), vec![2, 3]);
        assert_eq!(balanced(4, 3, 2).iter().sum::<usize>(), 4);
    }
}
