//! Aggregation weights at the base station.

/// How uploads are weighted.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Aggregation {
    /// By each device's number of local examples (FedAvg).
    Samples,
    /// Every upload counts the same (the paper's plain average).
    Plain,
}

impl Aggregation {
    /// The weight of an upload from a device holding `samples` examples.
    pub fn weight(self, samples: usize) -> f64 {
        match self {
            Aggregation::Samples => samples as f64,
            Aggregation::Plain => 1.0,
        }
    }
}
