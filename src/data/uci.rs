//! The UCI optical-recognition digits (8x8, values 0..=16), as shipped in CSV form.

use std::path::Path;

use super::error::DataError;
use super::idx::{gunzip_maybe, read_maybe_gz};
use super::image::{Image, ImageSet};

/// Side of a UCI digit \[pixels\].
pub const UCI_SIDE: usize = 8;
/// Largest raw UCI pixel value.
pub const UCI_MAX: u32 = 16;

/// Load the UCI digits CSV (plain or gzip): each non-empty line holds 64 integers 0..=16 (row-major
/// 8x8) and then the label 0..=9; no header. Values are scaled to 0..=255 as round(v * 255 / 16).
pub fn load_uci_digits(path: &Path) -> Result<ImageSet, DataError> {
    parse_uci_digits(&read_maybe_gz(path)?, path)
}

/// [`load_uci_digits`] on file contents held in memory (plain or gzip); `path` only names the
/// source in errors.
pub fn parse_uci_digits(bytes: &[u8], path: &Path) -> Result<ImageSet, DataError> {
    let bytes = gunzip_maybe(bytes, path)?;
    let text = std::str::from_utf8(&bytes).map_err(|e| DataError::Format {
        path: path.to_path_buf(),
        offset: e.valid_up_to() as u64,
        expected: "UTF-8 text".into(),
        found: "invalid byte sequence".into(),
    })?;
    let mut set = ImageSet::default();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = |expected: String, found: String| DataError::Line {
            path: path.to_path_buf(),
            line: line_no,
            expected,
            found,
        };
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let want = UCI_SIDE * UCI_SIDE + 1;
        if fields.len() != want {
            return Err(bad(
                format!("{want} comma-separated values"),
                format!("{}", fields.len()),
            ));
        }
        let mut pixels = Vec::with_capacity(UCI_SIDE * UCI_SIDE);
        for (col, field) in fields[..want - 1].iter().enumerate() {
            let value = parse_int(field)
                .filter(|&v| v <= UCI_MAX)
                .ok_or_else(|| bad(format!("value 0..=16 in column {}", col + 1), quote(field)))?;
            pixels.push(((value * 255 + UCI_MAX / 2) / UCI_MAX) as u8);
        }
        let label = parse_int(fields[want - 1])
            .filter(|&v| v <= 9)
            .ok_or_else(|| bad("label 0..=9 in column 65".into(), quote(fields[want - 1])))?;
        set.images.push(Image {
            width: UCI_SIDE,
            height: UCI_SIDE,
            pixels,
        });
        set.labels.push(label as u8);
    }
    Ok(set)
}

/// Parse an unsigned integer, also accepting an integral float such as `3.0`.
fn parse_int(field: &str) -> Option<u32> {
    if let Ok(v) = field.parse::<u32>() {
        return Some(v);
    }
    let f = field.parse::<f64>().ok()?;
    (f.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&f)).then_some(f as u32)
}

fn quote(field: &str) -> String {
    format!("{field:?}")
}
