//! IDX files (the MNIST container), plain or gzip-compressed.

use std::io::Read;
use std::path::Path;

use super::error::{format_error, DataError};
use super::image::{Image, ImageSet};
use super::read::{read_at_most, read_regular, MAX_DATA_BYTES};

/// A decoded IDX array of unsigned bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxArray {
    /// Size of each dimension, outermost first.
    pub dims: Vec<usize>,
    /// Elements in row-major order (`dims.iter().product()` of them).
    pub data: Vec<u8>,
}

/// Reads a whole file (at most [`MAX_DATA_BYTES`], regular files only), decompressing it if it
/// starts with the gzip magic (then at most [`MAX_DATA_BYTES`] of content).
pub fn read_maybe_gz(path: &Path) -> Result<Vec<u8>, DataError> {
    let raw = read_regular(path)?;
    gunzip_maybe(&raw, path)
}

/// The bytes, decompressed (at most [`MAX_DATA_BYTES`] of content) when they start with the gzip
/// magic `1f 8b`; `path` only names the source in errors.
pub fn gunzip_maybe(raw: &[u8], path: &Path) -> Result<Vec<u8>, DataError> {
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        let decoder = flate2::read::MultiGzDecoder::new(raw);
        read_at_most(decoder, MAX_DATA_BYTES, &mut out, path)?;
        Ok(out)
    } else {
        Ok(raw.to_vec())
    }
}

/// Reads an IDX file, plain or gzip. A gzip stream is decoded only as far as its header declares
/// (plus one byte, to detect trailing data), and a header declaring more than [`MAX_DATA_BYTES`]
/// is refused before anything is allocated for the data.
pub fn read_idx(path: &Path) -> Result<IdxArray, DataError> {
    let raw = read_regular(path)?;
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return parse_idx(&raw, path);
    }
    let mut decoder = flate2::read::MultiGzDecoder::new(raw.as_slice());
    let mut bytes = Vec::new();
    read_at_most(decoder.by_ref().take(4), 4, &mut bytes, path)?;
    let ndims = bytes.get(3).copied().unwrap_or(0) as u64;
    read_at_most(
        decoder.by_ref().take(4 * ndims),
        4 * ndims,
        &mut bytes,
        path,
    )?;
    let declared = bytes
        .get(4..)
        .unwrap_or_default()
        .chunks_exact(4)
        .try_fold(1u64, |n, c| {
            n.checked_mul(u64::from(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
        });
    match declared {
        Some(total) if total <= MAX_DATA_BYTES => {
            // Room for all of it at once: no copy as the buffer would grow.
            bytes.reserve_exact(total as usize + 1);
            read_at_most(decoder, total + 1, &mut bytes, path)?;
        }
        Some(total) => {
            return Err(format_error(
                path,
                bytes.len(),
                format!("at most {MAX_DATA_BYTES} data bytes"),
                format!("a header declaring {total}"),
            ));
        }
        // The product overflows: parsing the header gives the precise message.
        None => {}
    }
    parse_idx(&bytes, path)
}

/// Decode IDX bytes of u8 elements; `path` only names the source in errors.
pub fn parse_idx(bytes: &[u8], path: &Path) -> Result<IdxArray, DataError> {
    let header = bytes
        .get(0..4)
        .ok_or_else(|| format_error(path, bytes.len(), "4-byte IDX magic", "end of file"))?;
    if header[0] != 0 || header[1] != 0 {
        return Err(format_error(
            path,
            0,
            "IDX magic starting with 00 00",
            format!("{:02x} {:02x}", header[0], header[1]),
        ));
    }
    if header[2] != 0x08 {
        return Err(format_error(
            path,
            2,
            "element type 0x08 (unsigned byte)",
            format!("0x{:02x}", header[2]),
        ));
    }
    let ndims = header[3] as usize;
    if ndims == 0 {
        return Err(format_error(path, 3, "at least one dimension", "0"));
    }
    let mut dims = Vec::with_capacity(ndims);
    let mut total: usize = 1;
    for d in 0..ndims {
        let at = 4 + 4 * d;
        let field = bytes.get(at..at + 4).ok_or_else(|| {
            format_error(
                path,
                bytes.len(),
                format!("size of dimension {d}"),
                "end of file",
            )
        })?;
        let size = u32::from_be_bytes([field[0], field[1], field[2], field[3]]) as usize;
        total = total.checked_mul(size).ok_or_else(|| {
            format_error(
                path,
                at,
                "dimensions whose product fits in memory",
                "overflow",
            )
        })?;
        dims.push(size);
    }
    let start = 4 + 4 * ndims;
    let available = bytes.len() - start;
    if available < total {
        return Err(format_error(
            path,
            bytes.len(),
            format!("{total} data bytes for dims {dims:?}"),
            format!("end of file after {available}"),
        ));
    }
    if available > total {
        return Err(format_error(
            path,
            start + total,
            format!("end of file after {total} data bytes for dims {dims:?}"),
            format!("{} extra bytes", available - total),
        ));
    }
    Ok(IdxArray {
        dims,
        data: bytes[start..].to_vec(),
    })
}

/// MNIST images and labels as decoded and checked, the pixels still in one array: images are cut
/// out of it only where they are used ([`MnistSet::image`]), so that a run that needs a few of
/// them (or only the labels) does not copy all of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MnistSet {
    /// Every image's pixels, image after image (`labels.len() * height * width` bytes).
    pixels: Vec<u8>,
    height: usize,
    width: usize,
    /// Class of each image, 0..=9.
    pub labels: Vec<u8>,
}

impl MnistSet {
    /// Image `i` (a copy of its pixels).
    pub fn image(&self, i: usize) -> Image {
        let size = self.height * self.width;
        Image {
            width: self.width,
            height: self.height,
            pixels: self.pixels[i * size..(i + 1) * size].to_vec(),
        }
    }

    /// Every image, with its label.
    pub fn into_images(self) -> ImageSet {
        ImageSet {
            images: (0..self.labels.len()).map(|i| self.image(i)).collect(),
            labels: self.labels,
        }
    }
}

/// Load MNIST images (IDX, 3 dims) and labels (IDX, 1 dim), plain or gzip.
pub fn load_mnist(images: &Path, labels: &Path) -> Result<ImageSet, DataError> {
    load_mnist_set(images, labels).map(MnistSet::into_images)
}

/// [`load_mnist`], the images left in one array.
pub fn load_mnist_set(images: &Path, labels: &Path) -> Result<MnistSet, DataError> {
    let img = read_idx(images)?;
    let lab = read_idx(labels)?;
    mnist_from_idx(img, images, lab, labels)
}

/// [`load_mnist`] on file contents held in memory (plain or gzip); `images_name` and
/// `labels_name` only name the sources in errors.
pub fn parse_mnist(
    images: &[u8],
    images_name: &Path,
    labels: &[u8],
    labels_name: &Path,
) -> Result<ImageSet, DataError> {
    parse_mnist_set(images, images_name, labels, labels_name).map(MnistSet::into_images)
}

/// [`parse_mnist`], the images left in one array.
pub fn parse_mnist_set(
    images: &[u8],
    images_name: &Path,
    labels: &[u8],
    labels_name: &Path,
) -> Result<MnistSet, DataError> {
    let img = parse_idx(&gunzip_maybe(images, images_name)?, images_name)?;
    let lab = parse_idx(&gunzip_maybe(labels, labels_name)?, labels_name)?;
    mnist_from_idx(img, images_name, lab, labels_name)
}

/// Checks the shapes of decoded MNIST images and labels and pairs them up.
fn mnist_from_idx(
    img: IdxArray,
    images: &Path,
    lab: IdxArray,
    labels: &Path,
) -> Result<MnistSet, DataError> {
    if img.dims.len() != 3 {
        return Err(format_error(
            images,
            3,
            "3 dimensions (count, rows, columns)",
            format!("{}", img.dims.len()),
        ));
    }
    if lab.dims.len() != 1 {
        return Err(format_error(
            labels,
            3,
            "1 dimension (count)",
            format!("{}", lab.dims.len()),
        ));
    }
    let (count, height, width) = (img.dims[0], img.dims[1], img.dims[2]);
    if lab.dims[0] != count {
        return Err(DataError::Mismatch {
            path: images.to_path_buf(),
            other: labels.to_path_buf(),
            detail: format!("{count} images but {} labels", lab.dims[0]),
        });
    }
    let size = height * width;
    if size == 0 && count > 0 {
        return Err(format_error(
            images,
            8,
            "non-empty images",
            format!("{height}x{width}"),
        ));
    }
    Ok(MnistSet {
        pixels: img.data,
        height,
        width,
        labels: lab.data,
    })
}
