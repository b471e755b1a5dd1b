//! jAER AEDAT 1.0 / 2.0 files with DVS128 addresses (the MNIST-DVS recordings).
//!
//! Header: lines starting with `#` (ending in LF or CRLF); `#!AER-DAT2.0` as first line marks
//! version 2.0 (8-byte records: u32 address, u32 timestamp), no version line means 1.0 (6-byte
//! records: u16 address, u32 timestamp). Big-endian, timestamps in 1 us ticks. A trailing partial
//! record is ignored; external/sync events (address bit 15) are skipped; timestamps are returned
//! as recorded, in file order, even when they go back.

use std::path::Path;

use super::error::{format_error, DataError};

/// One address event of a DVS sensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DvsEvent {
    /// Timestamp \[us\], as recorded.
    pub t_us: u64,
    /// Column \[pixels\], 0..128 for the DVS128 (after jAER's x = 127 - raw x).
    pub x: u16,
    /// Row \[pixels\], 0..128 for the DVS128 (not flipped).
    pub y: u16,
    /// True for an ON event (brightness increased).
    pub on: bool,
}

/// AEDAT file format version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AedatVersion {
    /// 6-byte records (u16 address, u32 timestamp).
    V1,
    /// 8-byte records (u32 address, u32 timestamp).
    V2,
}

const SYNC_BIT: u32 = 1 << 15;

/// Decode a DVS128 address; `None` for an external/sync event.
pub fn decode_dvs128_address(address: u32, t_us: u64) -> Option<DvsEvent> {
    if address & SYNC_BIT != 0 {
        return None;
    }
    let y = ((address >> 8) & 0x7f) as u16;
    let raw_x = ((address >> 1) & 0x7f) as u16;
    Some(DvsEvent {
        t_us,
        x: 127 - raw_x,
        y,
        on: address & 1 == 0,
    })
}

/// Read an AEDAT 1.0/2.0 file.
pub fn read_aedat(path: &Path) -> Result<Vec<DvsEvent>, DataError> {
    let bytes = super::read::read_regular(path)?;
    parse_aedat(&bytes, path)
}

/// Skip the `#` header lines; returns the body offset \[bytes\] and the version.
fn parse_header(bytes: &[u8], path: &Path) -> Result<(usize, AedatVersion), DataError> {
    let mut pos = 0;
    let mut version = AedatVersion::V1;
    let mut first = true;
    while bytes.get(pos) == Some(&b'#') {
        let end = bytes[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| {
                format_error(path, pos, "header line ending in a newline", "end of file")
            })?;
        let line = &bytes[pos..pos + end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if first && line.starts_with(b"#!AER-DAT") {
            version = match &line[9..] {
                b"2.0" => AedatVersion::V2,
                b"1.0" => AedatVersion::V1,
                other => {
                    return Err(format_error(
                        path,
                        pos + 9,
                        "AEDAT version 1.0 or 2.0",
                        String::from_utf8_lossy(other).into_owned(),
                    ))
                }
            };
        }
        first = false;
        pos += end + 1;
    }
    Ok((pos, version))
}

/// Decode AEDAT bytes; `path` only names the source in errors.
pub fn parse_aedat(bytes: &[u8], path: &Path) -> Result<Vec<DvsEvent>, DataError> {
    let (body, version) = parse_header(bytes, path)?;
    let record = match version {
        AedatVersion::V1 => 6,
        AedatVersion::V2 => 8,
    };
    let events = bytes[body..]
        .chunks_exact(record)
        .filter_map(|r| {
            let (address, ts) = match version {
                AedatVersion::V1 => (u32::from(u16::from_be_bytes([r[0], r[1]])), &r[2..6]),
                AedatVersion::V2 => (u32::from_be_bytes([r[0], r[1], r[2], r[3]]), &r[4..8]),
            };
            let t_us = u64::from(u32::from_be_bytes([ts[0], ts[1], ts[2], ts[3]]));
            decode_dvs128_address(address, t_us)
        })
        .collect();
    Ok(events)
}

/// Encode events as an AEDAT 2.0 file (header line plus 8-byte records); the inverse of
/// [`parse_aedat`] for events with x, y < 128 and timestamps below 2^32 us.
pub fn write_aedat2(events: &[DvsEvent]) -> Vec<u8> {
    let mut out = b"#!AER-DAT2.0\r\n".to_vec();
    for e in events {
        let raw_x = 127 - u32::from(e.x.min(127));
        let address = (u32::from(e.y & 0x7f) << 8) | (raw_x << 1) | u32::from(!e.on);
        out.extend_from_slice(&address.to_be_bytes());
        out.extend_from_slice(&(e.t_us as u32).to_be_bytes());
    }
    out
}
