//! The channel components against closed forms and statistics.

mod cell;
mod channel;
mod statistics;
