//! Aggregation of uploaded models at the base station.

use crate::snn::Params;

/// How uploads are weighted.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Aggregation {
    /// By each device's number of local examples (FedAvg).
    Samples,
    /// Every upload counts the same (the paper's plain average).
    Plain,
}

/// One model that reached the base station.
pub struct Upload<'a> {
    /// The sender.
    pub device: u32,
    /// Its local examples.
    pub samples: usize,
    /// Its parameters.
    pub params: &'a Params,
}

/// Element-wise weighted mean of the uploads, summed in device-id order so that the result does
/// not depend on arrival order. `None` when nothing arrived.
pub fn average(uploads: &mut [Upload<'_>], aggregation: Aggregation) -> Option<Params> {
    uploads.sort_by_key(|u| u.device);
    let first = uploads.first()?;
    let weight = |u: &Upload<'_>| match aggregation {
        Aggregation::Samples => u.samples as f64,
        Aggregation::Plain => 1.0,
    };
    let total: f64 = uploads.iter().map(weight).sum();
    if total <= 0.0 {
        return None;
    }
    let mut mean = Params {
        w: vec![0.0; first.params.w.len()],
        v: vec![0.0; first.params.v.len()],
        gamma: vec![0.0; first.params.gamma.len()],
    };
    for u in uploads.iter() {
        let a = weight(u) / total;
        let pairs = [
            (&mut mean.w, &u.params.w),
            (&mut mean.v, &u.params.v),
            (&mut mean.gamma, &u.params.gamma),
        ];
        for (acc, x) in pairs {
            acc.iter_mut().zip(x).for_each(|(m, x)| *m += a * x);
        }
    }
    Some(mean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(x: f64) -> Params {
        Params {
            w: vec![x; 4],
            v: vec![x],
            gamma: vec![2.0 * x],
        }
    }

    #[test]
    fn plain_and_weighted_means() {
        let (a, b) = (params(1.0), params(4.0));
        let mut ups = vec![
            Upload {
                device: 1,
                samples: 3,
                params: &b,
            },
            Upload {
                device: 0,
                samples: 1,
                params: &a,
            },
        ];
        let plain = average(&mut ups, Aggregation::Plain).expect("two uploads");
        assert_eq!(plain.w, vec![2.5; 4]);
        assert_eq!(plain.gamma, vec![5.0]);
        let weighted = average(&mut ups, Aggregation::Samples).expect("two uploads");
        assert_eq!(weighted.v, vec![0.25 * 1.0 + 0.75 * 4.0]);
        assert!(average(&mut [], Aggregation::Plain).is_none());
    }
}
