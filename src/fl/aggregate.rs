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
    /// The weight of an upload from a device holding `samples` examples (an integer: the base
    /// station's sums are exact).
    pub fn weight(self, samples: u32) -> u64 {
        match self {
            Aggregation::Samples => u64::from(samples),
            Aggregation::Plain => 1,
        }
    }
}
