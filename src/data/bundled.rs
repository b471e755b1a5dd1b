//! The data sets that ship with flsnn, built into the binary (about 9.5 MB: the MNIST subset is
//! also carried decoded, by `build.rs`) so that a copied or
//! `cargo install`ed binary runs its default scenario from any folder: the 10,000-digit MNIST
//! subset (CC BY-SA 3.0) and the UCI optical digits (CC BY 4.0), the files of the repository's
//! `data/` folder (licences in `data/LICENSES.md`).

use std::path::{Path, PathBuf};

use super::error::DataError;
use super::idx::{parse_mnist_set, MnistSet};
use super::image::ImageSet;
use super::uci::parse_uci_digits;

/// File name of the MNIST subset's images (IDX, gzip).
pub const MNIST_IMAGES_FILE: &str = "mnist10k-images-idx3-ubyte.gz";
/// File name of the MNIST subset's labels (IDX, gzip).
pub const MNIST_LABELS_FILE: &str = "mnist10k-labels-idx1-ubyte.gz";
/// File name of the UCI digits (CSV, gzip).
pub const UCI_DIGITS_FILE: &str = "uci-digits.csv.gz";

const MNIST_IMAGES: &[u8] = include_bytes!("../../data/mnist10k-images-idx3-ubyte.gz");
const MNIST_LABELS: &[u8] = include_bytes!("../../data/mnist10k-labels-idx1-ubyte.gz");
/// The MNIST files as decoded by `build.rs` (what is read: no 7.8 MB to inflate per run).
const MNIST_IMAGES_DECODED: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/mnist10k-images-idx3-ubyte"));
const MNIST_LABELS_DECODED: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/mnist10k-labels-idx1-ubyte"));
const UCI_DIGITS: &[u8] = include_bytes!("../../data/uci-digits.csv.gz");

/// How a built-in file is named in errors: `(built in) data/<file>`.
fn built_in(file: &str) -> PathBuf {
    Path::new("(built in) data").join(file)
}

/// The built-in MNIST subset (10,000 digits of 28x28).
pub fn bundled_mnist() -> Result<ImageSet, DataError> {
    bundled_mnist_set()?.into_images()
}

/// [`bundled_mnist`], the images not yet decoded.
pub fn bundled_mnist_set() -> Result<MnistSet<'static>, DataError> {
    parse_mnist_set(
        MNIST_IMAGES_DECODED,
        &built_in(MNIST_IMAGES_FILE),
        MNIST_LABELS_DECODED,
        &built_in(MNIST_LABELS_FILE),
    )
}

/// Whether the file at `path` holds exactly the built-in file `name` (one of the `*_FILE`
/// names), read in small pieces; false when it cannot be read (its reader then says why).
pub fn is_built_in_file(path: &Path, name: &str) -> bool {
    let built_in = match name {
        MNIST_IMAGES_FILE => MNIST_IMAGES,
        MNIST_LABELS_FILE => MNIST_LABELS,
        UCI_DIGITS_FILE => UCI_DIGITS,
        _ => return false,
    };
    let Ok(file) = super::read::open_regular(path) else {
        return false;
    };
    same_bytes(file, built_in)
}

/// Whether `reader` yields exactly `expected`.
fn same_bytes(mut reader: impl std::io::Read, mut expected: &[u8]) -> bool {
    let mut buf = [0u8; 1 << 16];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return expected.is_empty(),
            Ok(n) if expected.starts_with(&buf[..n]) => expected = &expected[n..],
            Ok(_) => return false,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

/// The built-in UCI optical digits (8x8).
pub fn bundled_uci_digits() -> Result<ImageSet, DataError> {
    parse_uci_digits(UCI_DIGITS, &built_in(UCI_DIGITS_FILE))
}

#[cfg(test)]
mod tests {
    use super::super::idx::parse_mnist;
    use super::*;

    #[test]
    fn built_in_sets_decode_with_every_digit() {
        for (name, set) in [
            ("mnist", bundled_mnist().expect("mnist")),
            ("uci-digits", bundled_uci_digits().expect("uci")),
        ] {
            assert_eq!(set.images.len(), set.labels.len(), "{name}");
            for digit in 0..=9u8 {
                assert!(set.labels.contains(&digit), "{name} has no {digit}");
            }
        }
        assert_eq!(bundled_mnist().expect("mnist").images.len(), 10_000);
    }

    #[test]
    fn the_repository_files_are_recognised_as_built_in_and_nothing_else_is() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        for name in [MNIST_IMAGES_FILE, MNIST_LABELS_FILE, UCI_DIGITS_FILE] {
            assert!(is_built_in_file(&repo.join(name), name), "{name}");
        }
        assert!(!is_built_in_file(
            &repo.join(MNIST_LABELS_FILE),
            MNIST_IMAGES_FILE
        ));
        let tmp = tempfile::tempdir().expect("tempdir");
        let copy = tmp.path().join(MNIST_IMAGES_FILE);
        let mut bytes = MNIST_IMAGES.to_vec();
        std::fs::write(&copy, &bytes).expect("write");
        assert!(is_built_in_file(&copy, MNIST_IMAGES_FILE));
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&copy, &bytes).expect("write");
        assert!(!is_built_in_file(&copy, MNIST_IMAGES_FILE), "one bit off");
        bytes[last] ^= 1;
        bytes.push(0);
        std::fs::write(&copy, &bytes).expect("write");
        assert!(!is_built_in_file(&copy, MNIST_IMAGES_FILE), "one byte more");
        std::fs::write(&copy, &bytes[..last - 1]).expect("write");
        assert!(!is_built_in_file(&copy, MNIST_IMAGES_FILE), "cut short");
        assert!(!is_built_in_file(
            &tmp.path().join("none"),
            MNIST_IMAGES_FILE
        ));
    }

    #[test]
    fn the_copy_decoded_at_build_time_is_the_compressed_files_content() {
        let decoded = parse_mnist(
            MNIST_IMAGES,
            Path::new("images"),
            MNIST_LABELS,
            Path::new("labels"),
        )
        .expect("compressed");
        assert_eq!(bundled_mnist().expect("decoded"), decoded);
    }
}
