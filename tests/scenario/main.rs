//! Scenario loading, units, validation and bad files.

mod bad_files;
mod fuzz;
mod load;
mod units;
mod validate;
