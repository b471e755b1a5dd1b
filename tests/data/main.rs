//! Data readers, spike encoders and partitions.

mod encoders;
mod partition;
mod readers;
mod shard;
