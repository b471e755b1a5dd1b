//! The SNN: golden numbers from the original code, the learning rule, learning on real data.

mod equivalence;
mod golden;
mod learning;
mod rule;
