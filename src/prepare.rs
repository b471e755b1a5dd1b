//! From a data description to spike-train examples: load the source, keep the chosen classes,
//! set aside a balanced test set, and encode images as spikes (rate coding or an emulated event
//! camera). Shared by `flsnn run` and `flsnn train`.

use crate::data::{
    crop_center, emulate_events, load_mnist, load_uci_digits, rate_encode, DataError, EventCamera,
    Example, Image, Polarity,
};
use rand::seq::SliceRandom;
use rand::Rng;
use std::path::{Path, PathBuf};

/// Where the images come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// The embedded MNIST subset (IDX, gzip): `mnist10k-*-idx?-ubyte.gz` in the folder.
    Mnist(PathBuf),
    /// The embedded UCI optical digits: `uci-digits.csv.gz` in the folder.
    UciDigits(PathBuf),
}

/// How images become spike trains.
#[derive(Clone, Debug, PartialEq)]
pub enum Encoding {
    /// Bernoulli rate coding, P(spike) = gain * pixel / 255 at every step.
    Rate {
        /// The gain.
        gain: f64,
    },
    /// An emulated event camera watching the digit move, binned like MNIST-DVS.
    Events(EventCamera),
}

/// A dataset ready to be split over devices.
pub struct Prepared {
    /// Training images of the chosen classes, shuffled.
    pub pool: Vec<Image>,
    /// Their labels as class indices (position in the class list).
    pub pool_labels: Vec<usize>,
    /// The encoded, balanced test set.
    pub test: Vec<Example>,
    /// Input channels of every example.
    pub inputs: usize,
    /// Steps per example (S').
    pub steps: usize,
    /// The encoding.
    pub encoding: Encoding,
}

/// The folder that holds the embedded datasets of this repository.
pub fn embedded_data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

impl Prepared {
    /// Loads `source`, keeps `classes` (digits), sets aside `test_examples` balanced over the
    /// classes, shuffles with `rng`.
    pub fn load(
        source: &Source,
        classes: &[u8],
        test_examples: usize,
        steps: usize,
        encoding: Encoding,
        rng: &mut impl Rng,
    ) -> Result<Prepared, DataError> {
        let set = match source {
            Source::Mnist(dir) => load_mnist(
                &dir.join("mnist10k-images-idx3-ubyte.gz"),
                &dir.join("mnist10k-labels-idx1-ubyte.gz"),
            )?,
            Source::UciDigits(dir) => load_uci_digits(&dir.join("uci-digits.csv.gz"))?,
        };
        let mut chosen: Vec<(Image, usize)> = set
            .images
            .into_iter()
            .zip(set.labels)
            .filter_map(|(img, label)| {
                let class = classes.iter().position(|&c| c == label)?;
                let img = if img.width == 28 && img.height == 28 {
                    crop_center(&img, 26)
                } else {
                    img
                };
                Some((img, class))
            })
            .collect();
        chosen.shuffle(rng);
        let mut per_class = vec![0usize; classes.len()];
        let quota = |c: usize| test_examples / classes.len() + usize::from(c < test_examples % classes.len());
        let mut test_images = Vec::new();
        let mut pool = Vec::new();
        let mut pool_labels = Vec::new();
        for (img, class) in chosen {
            if per_class[class] < quota(class) {
                per_class[class] += 1;
                test_images.push((img, class));
            } else {
                pool.push(img);
                pool_labels.push(class);
            }
        }
        let inputs = pool.first().or(test_images.first().map(|(i, _)| i)).map_or(0, |img| {
            channels(img, &encoding)
        });
        let mut prepared = Prepared {
            pool,
            pool_labels,
            test: Vec::new(),
            inputs,
            steps,
            encoding,
        };
        prepared.test = test_images
            .iter()
            .map(|(img, class)| prepared.encode(img, *class, rng))
            .collect();
        Ok(prepared)
    }

    /// Encodes one image of class index `label`.
    pub fn encode(&self, img: &Image, label: usize, rng: &mut impl Rng) -> Example {
        let spikes = match &self.encoding {
            Encoding::Rate { gain } => rate_encode(img, self.steps, *gain, rng),
            Encoding::Events(cam) => emulate_events(img, cam, self.steps, cam_polarity(cam), rng),
        };
        Example { spikes, label }
    }
}

fn cam_polarity(cam: &EventCamera) -> Polarity {
    cam.polarity
}

fn channels(img: &Image, encoding: &Encoding) -> usize {
    let pixels = img.width * img.height;
    match encoding {
        Encoding::Events(cam) if cam.polarity == Polarity::Split => 2 * pixels,
        _ => pixels,
    }
}
