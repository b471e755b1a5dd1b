//! The channel components against closed forms and statistics.

mod channel;
mod statistics;
