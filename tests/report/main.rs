//! Reading run folders back, and the HTML report in a browser.

#[path = "../common/mod.rs"]
mod common;

mod browser;
mod read;
