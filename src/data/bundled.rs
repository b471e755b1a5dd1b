//! The data sets that ship with flsnn, built into the binary (about 1.7 MB) so that a copied or
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
        MNIST_IMAGES,
        &built_in(MNIST_IMAGES_FILE),
        MNIST_LABELS,
        &built_in(MNIST_LABELS_FILE),
    )
}

/// The built-in UCI optical digits (8x8).
pub fn bundled_uci_digits() -> Result<ImageSet, DataError> {
    parse_uci_digits(UCI_DIGITS, &built_in(UCI_DIGITS_FILE))
}

#[cfg(test)]
mod tests {
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
}
