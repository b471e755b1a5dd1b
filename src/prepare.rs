//! From a data description to spike-train examples: load the source, keep the chosen classes,
//! set aside a balanced test set, and encode images as spikes. Shared by `flsnn run` and
//! `flsnn train`.

use crate::data::{
    encode_images, load_mnist, load_mnist_dvs_dir, load_nmnist_dir, load_uci_digits,
    train_test_split, DataError, DvsSplit, Encoding, Example, ImageSet, Polarity,
};
use rand::seq::SliceRandom;
use rand::Rng;
use std::path::{Path, PathBuf};

/// Where the examples come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// MNIST as IDX files `mnist10k-images-idx3-ubyte.gz` / `mnist10k-labels-idx1-ubyte.gz` in the
    /// folder (the embedded 10k subset by default); centre-cropped to 26x26.
    Mnist(PathBuf),
    /// The UCI optical digits, `uci-digits.csv.gz` in the folder (8x8 images).
    UciDigits(PathBuf),
    /// MNIST-DVS recordings (`grabbed_data` folder of `mnist_<d>_scale04_<NNNN>.aedat`).
    MnistDvs(PathBuf),
    /// N-MNIST recordings (`Train/<d>/*.bin`, `Test/<d>/*.bin`).
    NMnist(PathBuf),
}

/// The training pool before it is shared out.
pub enum Pool {
    /// Raw images, encoded per device when its shard is known (so that only used images are
    /// encoded, each device with its own random stream).
    Images(ImageSet),
    /// Recorded spike trains.
    Spikes(Vec<Example>),
}

/// A dataset ready to be split over devices.
pub struct Prepared {
    /// The training pool.
    pub pool: Pool,
    /// Class index of every pool example (position in the class list).
    pub pool_labels: Vec<usize>,
    /// The balanced test set, encoded.
    pub test: Vec<Example>,
    /// Input channels of every example.
    pub inputs: usize,
    /// Steps per example (S').
    pub steps: usize,
    classes: Vec<u8>,
    crop: Option<usize>,
    encoding: Encoding,
}

/// The folder that holds the embedded datasets of this repository.
pub fn embedded_data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

impl Prepared {
    /// Loads `source`, keeps `classes` (digits), sets aside `test_examples` balanced over the
    /// classes (recordings: from the source's own test part), shuffles with `rng`.
    pub fn load(
        source: &Source,
        classes: &[u8],
        test_examples: usize,
        steps: usize,
        encoding: Encoding,
        rng: &mut impl Rng,
    ) -> Result<Prepared, DataError> {
        let images = |set: ImageSet, crop: Option<usize>, rng: &mut _| {
            let split = train_test_split(&set, classes, test_examples, rng)?;
            let test = encode_images(&split.test, classes, crop, steps, &encoding, rng);
            let pool_labels = class_indices(&split.train.labels, classes);
            let inputs = test.first().map_or(0, |e| e.spikes.channels);
            Ok::<_, DataError>((Pool::Images(split.train), pool_labels, test, inputs, crop))
        };
        let polarity = match &encoding {
            Encoding::Events { polarity, .. } => *polarity,
            Encoding::Rate { .. } => Polarity::Merged,
        };
        let (pool, pool_labels, test, inputs, crop) = match source {
            Source::Mnist(dir) => images(
                load_mnist(
                    &dir.join("mnist10k-images-idx3-ubyte.gz"),
                    &dir.join("mnist10k-labels-idx1-ubyte.gz"),
                )?,
                Some(26),
                rng,
            )?,
            Source::UciDigits(dir) => {
                images(load_uci_digits(&dir.join("uci-digits.csv.gz"))?, None, rng)?
            }
            Source::MnistDvs(dir) => {
                let train = load_mnist_dvs_dir(dir, classes, DvsSplit::Train, steps, polarity)?;
                let test = load_mnist_dvs_dir(dir, classes, DvsSplit::Test, steps, polarity)?;
                recordings(train, test, test_examples, classes.len(), rng)
            }
            Source::NMnist(dir) => {
                let bin = crate::data::MNIST_DVS_BIN_US;
                let train = load_nmnist_dir(dir, classes, true, steps, bin, polarity)?;
                let test = load_nmnist_dir(dir, classes, false, steps, bin, polarity)?;
                recordings(train, test, test_examples, classes.len(), rng)
            }
        };
        Ok(Prepared {
            pool,
            pool_labels,
            test,
            inputs,
            steps,
            classes: classes.to_vec(),
            crop,
            encoding,
        })
    }

    /// The examples at `indices` of the pool, encoded with `rng` when they are images.
    pub fn shard(&self, indices: &[usize], rng: &mut impl Rng) -> Vec<Example> {
        match &self.pool {
            Pool::Images(set) => {
                let subset = ImageSet {
                    images: indices.iter().map(|&i| set.images[i].clone()).collect(),
                    labels: indices.iter().map(|&i| set.labels[i]).collect(),
                };
                encode_images(
                    &subset,
                    &self.classes,
                    self.crop,
                    self.steps,
                    &self.encoding,
                    rng,
                )
            }
            Pool::Spikes(examples) => indices.iter().map(|&i| examples[i].clone()).collect(),
        }
    }
}

fn class_indices(raw: &[u8], classes: &[u8]) -> Vec<usize> {
    raw.iter()
        .filter_map(|r| classes.iter().position(|c| c == r))
        .collect()
}

/// Shuffles recorded examples and keeps a balanced test set from the source's test part.
fn recordings(
    mut train: Vec<Example>,
    mut test: Vec<Example>,
    test_examples: usize,
    classes: usize,
    rng: &mut impl Rng,
) -> (Pool, Vec<usize>, Vec<Example>, usize, Option<usize>) {
    train.shuffle(rng);
    test.shuffle(rng);
    let mut taken = vec![0usize; classes];
    let quota = |c: usize| test_examples / classes + usize::from(c < test_examples % classes);
    test.retain(|e| {
        let keep = taken[e.label] < quota(e.label);
        taken[e.label] += usize::from(keep);
        keep
    });
    let labels = train.iter().map(|e| e.label).collect();
    let inputs = train
        .first()
        .or(test.first())
        .map_or(0, |e| e.spikes.channels);
    (Pool::Spikes(train), labels, test, inputs, None)
}
