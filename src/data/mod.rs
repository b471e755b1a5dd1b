//! Datasets, spike encoders and partitions (SPEC section 4).
