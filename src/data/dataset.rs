//! Labelled spike-train examples, class-restricted train/test splits and image encoding.

use rand::seq::SliceRandom;
use rand::Rng;

use super::camera::{emulate_events, EventCamera};
use super::encode::{rate_encode, RateDraws, RateTable};
use super::error::DataError;
use super::image::{crop_center, ImageSet};
use super::spikes::{Polarity, SpikeTrain};

/// One labelled example.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// Input spikes.
    pub spikes: SpikeTrain,
    /// Class index within the experiment's class list (0..n_classes), not the raw digit.
    pub label: usize,
}

/// A train set and a class-balanced test set drawn from one image set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainTest {
    /// Training images (every remaining image of the chosen classes, shuffled); raw labels.
    pub train: ImageSet,
    /// Test images, `n_test / n_classes` per class (the first `n_test % n_classes` classes get
    /// one more), shuffled; raw labels.
    pub test: ImageSet,
}

/// Seeded split of the images of `classes` into a balanced test set of `n_test` images and a
/// training set holding all the others. Fails when a class lacks the images its test share needs.
pub fn train_test_split(
    set: &ImageSet,
    classes: &[u8],
    n_test: usize,
    rng: &mut impl Rng,
) -> Result<TrainTest, DataError> {
    let count = set.labels.len().min(set.images.len());
    let (train_idx, test_idx) = split_indices(&set.labels[..count], classes, n_test, rng)?;
    Ok(TrainTest {
        train: set.subset(&train_idx),
        test: set.subset(&test_idx),
    })
}

/// [`train_test_split`] on the labels alone: the positions of the training images and of the
/// test images, drawn from `rng` exactly as the split draws them.
pub fn split_indices(
    labels: &[u8],
    classes: &[u8],
    n_test: usize,
    rng: &mut impl Rng,
) -> Result<(Vec<usize>, Vec<usize>), DataError> {
    if classes.is_empty() {
        return Err(DataError::Invalid(
            "train_test_split needs at least one class".into(),
        ));
    }
    let k = classes.len();
    let mut train_idx = Vec::new();
    let mut test_idx = Vec::new();
    for (position, &class) in classes.iter().enumerate() {
        let mut members: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        members.shuffle(rng);
        let want = n_test / k + usize::from(position < n_test % k);
        if members.len() < want {
            return Err(DataError::Invalid(format!(
                "class {class} has {} images, the test set needs {want}",
                members.len()
            )));
        }
        test_idx.extend_from_slice(&members[..want]);
        train_idx.extend_from_slice(&members[want..]);
    }
    train_idx.shuffle(rng);
    test_idx.shuffle(rng);
    Ok((train_idx, test_idx))
}

/// How grey-level images become spike trains.
#[derive(Clone, Debug, PartialEq)]
pub enum Encoding {
    /// Bernoulli rate coding, P(spike) = min(1, gain * pixel / 255) per step.
    Rate {
        /// Gain [-]; 0.1-0.2 gives DVS-like sparsity.
        gain: f64,
        /// How the spikes are drawn from the stream.
        draws: RateDraws,
    },
    /// Emulated event camera.
    Events {
        /// Camera settings.
        camera: EventCamera,
        /// Polarity handling of the events.
        polarity: Polarity,
    },
}

impl Encoding {
    /// Rate coding at `gain`, drawing per step (the default layout).
    pub fn rate(gain: f64) -> Encoding {
        Encoding::Rate {
            gain,
            draws: RateDraws::default(),
        }
    }

    /// Rate coding's table (silent for the event camera, which draws no rate code).
    pub fn rate_table(&self) -> RateTable {
        match self {
            Encoding::Rate { gain, draws } => RateTable::new(*gain, *draws),
            Encoding::Events { .. } => RateTable::new(0.0, RateDraws::default()),
        }
    }
}

/// Encode every image of `set` whose label is in `classes`: optional centre crop to `crop` x `crop`
/// (26 for the 676-input setting), then `encoding` over `steps` steps. Labels become positions in
/// `classes`; images of other classes are skipped; order is kept.
pub fn encode_images(
    set: &ImageSet,
    classes: &[u8],
    crop: Option<usize>,
    steps: usize,
    encoding: &Encoding,
    rng: &mut impl Rng,
) -> Vec<Example> {
    let table = encoding.rate_table();
    set.images
        .iter()
        .zip(&set.labels)
        .filter_map(|(img, raw)| {
            let label = classes.iter().position(|c| c == raw)?;
            let cropped;
            let img = match crop {
                Some(size) => {
                    cropped = crop_center(img, size);
                    &cropped
                }
                None => img,
            };
            let spikes = match encoding {
                Encoding::Rate { .. } => rate_encode(img, steps, &table, rng),
                Encoding::Events { camera, polarity } => {
                    emulate_events(img, camera, steps, *polarity, rng)
                }
            };
            Some(Example { spikes, label })
        })
        .collect()
}
