//! N-MNIST recordings (Orchard et al. 2015): one file per sample, 5 bytes per event, 34x34 sensor.
//!
//! Byte 0 = x, byte 1 = y, byte 2 bit 7 = polarity (1 = ON), then a 23-bit timestamp \[us\]:
//! t = ((b2 & 0x7F) << 16) | (b3 << 8) | b4. A trailing partial record is ignored.

use std::path::Path;

use super::aedat::DvsEvent;
use super::error::DataError;

/// Side of the N-MNIST sensor \[pixels\].
pub const NMNIST_SIDE: u16 = 34;

/// Read an N-MNIST `.bin` file.
pub fn read_nmnist(path: &Path) -> Result<Vec<DvsEvent>, DataError> {
    let bytes = super::read::read_regular(path)?;
    parse_nmnist(&bytes, path)
}

/// Decode N-MNIST bytes; `path` only names the source in errors. Every 5-byte record is a valid
/// event (coordinates outside the 34x34 sensor are kept; binning drops them).
pub fn parse_nmnist(bytes: &[u8], _path: &Path) -> Result<Vec<DvsEvent>, DataError> {
    Ok(bytes
        .chunks_exact(5)
        .map(|r| DvsEvent {
            t_us: (u64::from(r[2] & 0x7f) << 16) | (u64::from(r[3]) << 8) | u64::from(r[4]),
            x: u16::from(r[0]),
            y: u16::from(r[1]),
            on: r[2] & 0x80 != 0,
        })
        .collect())
}

/// Encode events in the N-MNIST layout (inverse of [`parse_nmnist`] for x, y < 256 and
/// t < 2^23 us).
pub fn write_nmnist(events: &[DvsEvent]) -> Vec<u8> {
    let mut out = Vec::with_capacity(events.len() * 5);
    for e in events {
        let t = (e.t_us & 0x7f_ffff) as u32;
        out.push(e.x as u8);
        out.push(e.y as u8);
        out.push(((t >> 16) as u8) | if e.on { 0x80 } else { 0 });
        out.push((t >> 8) as u8);
        out.push(t as u8);
    }
    out
}
