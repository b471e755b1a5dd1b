//! IDX files (the MNIST container), plain or gzip-compressed.

use std::borrow::Cow;
use std::io::{Cursor, Read};
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
    match unpack(raw) {
        gzip @ Source::Gzip(_) => {
            let mut out = Vec::new();
            read_at_most(gzip, MAX_DATA_BYTES, &mut out, path)?;
            Ok(out)
        }
        Source::Plain(_) => Ok(raw.to_vec()),
    }
}

/// Reads an IDX file, plain or gzip. A header declaring more than [`MAX_DATA_BYTES`] is refused
/// before anything is allocated for the data, and a gzip stream is decoded only as far as its
/// header declares (then counted, never kept, to report trailing data).
pub fn read_idx(path: &Path) -> Result<IdxArray, DataError> {
    IdxStream::open(unpack(read_regular(path)?), path)?.into_array()
}

/// Decode IDX bytes of u8 elements (plain or gzip); `path` only names the source in errors.
pub fn parse_idx(bytes: &[u8], path: &Path) -> Result<IdxArray, DataError> {
    IdxStream::open(unpack(bytes), path)?.into_array()
}

/// The bytes as a [`Source`]: through a gzip decoder when they start with the gzip magic
/// `1f 8b`, as they are otherwise.
fn unpack<'a>(bytes: impl Into<Cow<'a, [u8]>>) -> Source<'a> {
    let bytes = Cursor::new(bytes.into());
    if bytes.get_ref().starts_with(&[0x1f, 0x8b]) {
        Source::Gzip(Box::new(flate2::read::MultiGzDecoder::new(bytes)))
    } else {
        Source::Plain(bytes)
    }
}

/// Bytes to decode: held in memory as they are (skipped without being read), or through a
/// gzip decoder (skipped by decoding).
enum Source<'a> {
    Plain(Cursor<Cow<'a, [u8]>>),
    Gzip(Box<flate2::read::MultiGzDecoder<Cursor<Cow<'a, [u8]>>>>),
}

impl Read for Source<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Source::Plain(bytes) => bytes.read(buf),
            Source::Gzip(decoder) => decoder.read(buf),
        }
    }
}

impl Source<'_> {
    /// Passes over at most `n` bytes; how many there were.
    fn skip(&mut self, n: u64) -> std::io::Result<u64> {
        match self {
            Source::Plain(bytes) => {
                let len = bytes.get_ref().len() as u64;
                let skipped = n.min(len.saturating_sub(bytes.position()));
                bytes.set_position(bytes.position() + skipped);
                Ok(skipped)
            }
            Source::Gzip(decoder) => std::io::copy(&mut decoder.take(n), &mut std::io::sink()),
        }
    }
}

/// A failure to read (decode) `path`'s bytes.
fn read_error(path: &Path, source: std::io::Error) -> DataError {
    DataError::Gzip {
        path: path.to_path_buf(),
        source,
    }
}

/// Reads from `reader` until `buf` is full or the input ends; how many bytes it read.
fn fill(reader: &mut dyn Read, buf: &mut [u8], path: &Path) -> Result<usize, DataError> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(source) => return Err(read_error(path, source)),
        }
    }
    Ok(got)
}

/// An IDX array of unsigned bytes read as a stream: the header read and checked when it is
/// opened, the elements then read in order ([`IdxStream::read`]) and the end checked
/// ([`IdxStream::finish`]). Nothing but the caller's buffers holds the elements.
struct IdxStream<'a> {
    reader: Source<'a>,
    path: std::path::PathBuf,
    /// Size of each dimension, outermost first.
    dims: Vec<usize>,
    /// Header length = offset of the first element.
    start: usize,
    /// Elements declared.
    total: usize,
    /// Elements read so far.
    done: usize,
}

impl<'a> IdxStream<'a> {
    /// Reads and checks the header: the magic, element type u8, at least one dimension, and at
    /// most [`MAX_DATA_BYTES`] elements declared.
    fn open(mut reader: Source<'a>, path: &Path) -> Result<Self, DataError> {
        let mut header = [0u8; 4];
        let got = fill(&mut reader, &mut header, path)?;
        if got < 4 {
            return Err(format_error(path, got, "4-byte IDX magic", "end of file"));
        }
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
        let mut total: u64 = 1;
        for d in 0..ndims {
            let at = 4 + 4 * d;
            let mut field = [0u8; 4];
            let got = fill(&mut reader, &mut field, path)?;
            if got < 4 {
                return Err(format_error(
                    path,
                    at + got,
                    format!("size of dimension {d}"),
                    "end of file",
                ));
            }
            let size = u32::from_be_bytes(field);
            total = total.checked_mul(u64::from(size)).ok_or_else(|| {
                format_error(
                    path,
                    at,
                    "dimensions whose product fits in memory",
                    "overflow",
                )
            })?;
            dims.push(size as usize);
        }
        let start = 4 + 4 * ndims;
        if total > MAX_DATA_BYTES {
            return Err(format_error(
                path,
                start,
                format!("at most {MAX_DATA_BYTES} data bytes"),
                format!("a header declaring {total}"),
            ));
        }
        Ok(IdxStream {
            reader,
            path: path.to_path_buf(),
            dims,
            start,
            total: total as usize,
            done: 0,
        })
    }

    /// Fills `buf` with the next elements; an error if the data end first.
    fn read(&mut self, buf: &mut [u8]) -> Result<(), DataError> {
        let got = fill(&mut self.reader, buf, &self.path)?;
        self.advanced(got, buf.len())
    }

    /// Passes over the next `n` elements; an error if the data end first.
    fn skip(&mut self, n: usize) -> Result<(), DataError> {
        let got = self
            .reader
            .skip(n as u64)
            .map_err(|e| read_error(&self.path, e))?;
        self.advanced(got as usize, n)
    }

    /// Counts `got` elements of the `wanted` just read or passed over.
    fn advanced(&mut self, got: usize, wanted: usize) -> Result<(), DataError> {
        self.done += got;
        if got < wanted || self.done > self.total {
            return Err(format_error(
                &self.path,
                self.start + self.done.min(self.total),
                format!("{} data bytes for dims {:?}", self.total, self.dims),
                format!("end of file after {}", self.done.min(self.total)),
            ));
        }
        Ok(())
    }

    /// Checks that every element was read and nothing follows them (the rest is counted, at
    /// most [`MAX_DATA_BYTES`] of it, never kept).
    fn finish(mut self) -> Result<(), DataError> {
        debug_assert_eq!(self.done, self.total);
        let extra = self
            .reader
            .skip(MAX_DATA_BYTES)
            .map_err(|e| read_error(&self.path, e))?;
        if extra > 0 {
            return Err(format_error(
                &self.path,
                self.start + self.total,
                format!(
                    "end of file after {} data bytes for dims {:?}",
                    self.total, self.dims
                ),
                format!("{extra} extra bytes"),
            ));
        }
        Ok(())
    }

    /// Every element, the end checked.
    fn into_array(mut self) -> Result<IdxArray, DataError> {
        let mut data = vec![0u8; self.total];
        self.read(&mut data)?;
        let dims = std::mem::take(&mut self.dims);
        self.finish()?;
        Ok(IdxArray { dims, data })
    }
}

/// MNIST labels decoded and checked against the images' header, the images' pixels not yet
/// decoded: [`MnistSet::images`] decodes them in one pass and keeps only the images asked for,
/// so a run that needs a few of them (or only the labels) never holds all of them.
pub struct MnistSet<'a> {
    images: IdxStream<'a>,
    height: usize,
    width: usize,
    /// Class of each image, 0..=9.
    pub labels: Vec<u8>,
}

impl MnistSet<'_> {
    /// The images at `indices`, in that order (an index may repeat), decoded in one pass over
    /// the images' data, whose end is then checked as the whole file's would be.
    pub fn images(mut self, indices: &[usize]) -> Result<Vec<Image>, DataError> {
        let size = self.height * self.width;
        let count = self.labels.len();
        if let Some(&bad) = indices.iter().find(|&&i| i >= count) {
            return Err(DataError::Invalid(format!(
                "{}: image {bad} asked for, the file has {count}",
                self.images.path.display()
            )));
        }
        let mut order: Vec<usize> = (0..indices.len()).collect();
        order.sort_by_key(|&k| indices[k]);
        let mut out: Vec<Image> = vec![Image::default(); indices.len()];
        // The images asked for decoded in file order, those between passed over (in memory:
        // never read; gzip: decoded and dropped).
        let mut at = 0;
        let mut previous: Option<usize> = None;
        for &k in &order {
            let i = indices[k];
            if let Some(p) = previous.filter(|&p| indices[p] == i) {
                out[k] = out[p].clone();
                continue;
            }
            self.images.skip((i - at) * size)?;
            let mut pixels = vec![0u8; size];
            self.images.read(&mut pixels)?;
            out[k] = Image {
                width: self.width,
                height: self.height,
                pixels,
            };
            at = i + 1;
            previous = Some(k);
        }
        self.images.skip((count - at) * size)?;
        self.images.finish()?;
        Ok(out)
    }

    /// Every image, with its label.
    pub fn into_images(self) -> Result<ImageSet, DataError> {
        let all: Vec<usize> = (0..self.labels.len()).collect();
        let labels = self.labels.clone();
        Ok(ImageSet {
            images: self.images(&all)?,
            labels,
        })
    }
}

/// Load MNIST images (IDX, 3 dims) and labels (IDX, 1 dim), plain or gzip.
pub fn load_mnist(images: &Path, labels: &Path) -> Result<ImageSet, DataError> {
    load_mnist_set(images, labels)?.into_images()
}

/// [`load_mnist`], the images not yet decoded: their header is read and checked, and the labels.
pub fn load_mnist_set(images: &Path, labels: &Path) -> Result<MnistSet<'static>, DataError> {
    let img = IdxStream::open(unpack(read_regular(images)?), images)?;
    let lab = read_idx(labels)?;
    mnist_from_idx(img, lab, labels)
}

/// [`load_mnist`] on file contents held in memory (plain or gzip); `images_name` and
/// `labels_name` only name the sources in errors.
pub fn parse_mnist(
    images: &[u8],
    images_name: &Path,
    labels: &[u8],
    labels_name: &Path,
) -> Result<ImageSet, DataError> {
    parse_mnist_set(images, images_name, labels, labels_name)?.into_images()
}

/// [`parse_mnist`], the images not yet decoded.
pub fn parse_mnist_set<'a>(
    images: &'a [u8],
    images_name: &Path,
    labels: &[u8],
    labels_name: &Path,
) -> Result<MnistSet<'a>, DataError> {
    let img = IdxStream::open(unpack(images), images_name)?;
    let lab = parse_idx(labels, labels_name)?;
    mnist_from_idx(img, lab, labels_name)
}

/// Checks the shapes of MNIST images (their header) and decoded labels and pairs them up.
fn mnist_from_idx<'a>(
    img: IdxStream<'a>,
    lab: IdxArray,
    labels: &Path,
) -> Result<MnistSet<'a>, DataError> {
    let images = img.path.clone();
    let images = images.as_path();
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
        images: img,
        height,
        width,
        labels: lab.data,
    })
}
