//! Probabilistic spiking neural network (SPEC sections 1, 2).
