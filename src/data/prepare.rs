//! From a data description to spike-train examples: load the source, keep the chosen classes,
//! set aside a balanced test set, and encode images as spikes. Shared by `flsnn run` and
//! `flsnn train`.
//!
//! MNIST and the UCI digits are read from the folder named by `data.path` when it holds their
//! files. The default folder, `data`, falls back to the copies built into the binary
//! ([`crate::data::bundled_mnist`]), so the default scenario runs from any working folder.

use crate::data::{
    bundled_mnist_set, bundled_uci_digits, encode_images, is_built_in_file, load_mnist_dvs_dir,
    load_mnist_set, load_nmnist_dir, load_uci_digits, split_indices, DataError, DvsSplit, Encoding,
    Example, Image, ImageSet, Polarity, MNIST_IMAGES_FILE, MNIST_LABELS_FILE, UCI_DIGITS_FILE,
};
use rand::seq::SliceRandom;
use rand::Rng;
use std::path::{Path, PathBuf};

/// Where the examples come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// MNIST as IDX files `mnist10k-images-idx3-ubyte.gz` / `mnist10k-labels-idx1-ubyte.gz` in the
    /// folder (the built-in 10k subset when the folder is [`embedded_data_dir`] without them);
    /// centre-cropped to 26x26.
    Mnist(PathBuf),
    /// The UCI optical digits, `uci-digits.csv.gz` in the folder (built in as for MNIST; 8x8
    /// images).
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
    /// No examples, only their labels ([`Prepared::pool_labels`]): what a systems-only run needs
    /// of a set of images ([`Keep::Labels`]). It is never walked: such a run builds no
    /// [`crate::data::Shard`].
    Labels,
}

/// What [`Prepared::load`] keeps of the training part of a set of images.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// The images, to be encoded for training as devices consume them.
    Images,
    /// Only their labels, no examples: for a run that does not train (systems-only).
    Labels,
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
    pub(super) crop: Option<usize>,
    pub(super) encoding: Encoding,
}

/// The folder that stands for the built-in data sets: `data`, relative to the working folder.
/// [`Prepared::load`] reads the MNIST and UCI files from it when it holds them (as in the
/// repository), and otherwise uses the copies built into the binary.
pub fn embedded_data_dir() -> PathBuf {
    PathBuf::from("data")
}

/// The files `names` in `dir`, read by `from_files`; when `dir` is [`embedded_data_dir`] and
/// holds none of them, or holds them exactly as built in (as a clone of the repository does), the
/// built-in copies, read by `built_in` (the same data, decoded at build time).
fn folder_or_built_in<T>(
    dir: &Path,
    names: &[&str],
    from_files: impl FnOnce(&[PathBuf]) -> Result<T, DataError>,
    built_in: impl FnOnce() -> Result<T, DataError>,
) -> Result<T, DataError> {
    let files: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).collect();
    let as_built_in = || {
        names
            .iter()
            .zip(&files)
            .all(|(name, file)| is_built_in_file(file, name))
    };
    if dir == embedded_data_dir() && (!files.iter().any(|f| f.exists()) || as_built_in()) {
        built_in()
    } else {
        from_files(&files)
    }
}

/// The bin width of recorded events \[us\]: `data.bin`, carried by the events encoding.
fn recording_bin_us(encoding: &Encoding) -> Result<u64, DataError> {
    match encoding {
        Encoding::Events { camera, .. } if camera.bin_us > 0 => Ok(camera.bin_us),
        Encoding::Events { .. } => Err(DataError::Invalid(
            "data.bin: recordings are binned in whole microseconds; expected at least \"1us\""
                .into(),
        )),
        Encoding::Rate { .. } => Err(DataError::Invalid(
            "data.encoding: recordings are already events; expected \"events\", got \"rate\""
                .into(),
        )),
    }
}

impl Prepared {
    /// Loads `source`, keeps `classes` (digits), sets aside `test_examples` balanced over the
    /// classes (recordings: from the source's own test part), shuffles with `rng`.
    ///
    /// With [`Keep::Labels`] (a run that does not train) a set of images keeps only its training
    /// labels (`Pool::Labels`), its training images neither copied nor prepared for encoding.
    /// Everything else is as with [`Keep::Images`], bit for bit: the labels, the test set, the
    /// input width, and the draws taken from `rng` (the test images are still encoded, as the
    /// stream's later users, the partition first, start where they end). Recordings are kept
    /// whole either way.
    pub fn load(
        source: &Source,
        classes: &[u8],
        test_examples: usize,
        steps: usize,
        encoding: Encoding,
        keep: Keep,
        rng: &mut impl Rng,
    ) -> Result<Prepared, DataError> {
        // A set of images, given by its labels and a way to decode the images at some indices.
        let images = |labels: &[u8], fetch: Fetch, crop, rng: &mut _| {
            let (train, test) = split_indices(labels, classes, test_examples, rng)?;
            let mut wanted = test.clone();
            if keep == Keep::Images {
                wanted.extend_from_slice(&train);
            }
            let mut decoded = fetch(&wanted)?;
            let kept = decoded.split_off(test.len());
            let set = |images, idx: &[usize]| ImageSet {
                images,
                labels: idx.iter().map(|&i| labels[i]).collect(),
            };
            let test = encode_images(&set(decoded, &test), classes, crop, steps, &encoding, rng);
            let train_labels: Vec<u8> = train.iter().map(|&i| labels[i]).collect();
            let pool_labels = class_indices(&train_labels, classes);
            let inputs = test.first().map_or(0, |e| e.spikes.channels);
            let pool = match keep {
                Keep::Images => Pool::Images(set(kept, &train)),
                Keep::Labels => Pool::Labels,
            };
            Ok::<_, DataError>((pool, pool_labels, test, inputs, crop))
        };
        let polarity = match &encoding {
            Encoding::Events { polarity, .. } => *polarity,
            Encoding::Rate { .. } => Polarity::Merged,
        };
        let (pool, pool_labels, test, inputs, crop) = match source {
            Source::Mnist(dir) => {
                let set = folder_or_built_in(
                    dir,
                    &[MNIST_IMAGES_FILE, MNIST_LABELS_FILE],
                    |f| load_mnist_set(&f[0], &f[1]),
                    bundled_mnist_set,
                )?;
                let labels = set.labels.clone();
                images(&labels, Box::new(|idx| set.images(idx)), Some(26), rng)?
            }
            Source::UciDigits(dir) => {
                let set = folder_or_built_in(
                    dir,
                    &[UCI_DIGITS_FILE],
                    |f| load_uci_digits(&f[0]),
                    bundled_uci_digits,
                )?;
                let count = set.labels.len().min(set.images.len());
                let labels = &set.labels[..count];
                let copy = |idx: &[usize]| Ok(idx.iter().map(|&i| set.images[i].clone()).collect());
                images(labels, Box::new(copy), None, rng)?
            }
            Source::MnistDvs(dir) => {
                let bin = recording_bin_us(&encoding)?;
                let (train, test) = (DvsSplit::Train, DvsSplit::Test);
                let train = load_mnist_dvs_dir(dir, classes, train, steps, bin, polarity)?;
                let test = load_mnist_dvs_dir(dir, classes, test, steps, bin, polarity)?;
                recordings(train, test, test_examples, classes.len(), rng)
            }
            Source::NMnist(dir) => {
                let bin = recording_bin_us(&encoding)?;
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

    /// The examples at `indices` of the pool, encoded with `rng` when they are images (none from
    /// a `Pool::Labels`).
    pub fn shard(&self, indices: &[usize], rng: &mut impl Rng) -> Vec<Example> {
        match &self.pool {
            Pool::Images(set) => encode_images(
                &set.subset(indices),
                &self.classes,
                self.crop,
                self.steps,
                &self.encoding,
                rng,
            ),
            Pool::Spikes(examples) => indices.iter().map(|&i| examples[i].clone()).collect(),
            Pool::Labels => Vec::new(),
        }
    }
}

/// Decodes (or copies) the images at some indices, in that order.
type Fetch<'a> = Box<dyn FnOnce(&[usize]) -> Result<Vec<Image>, DataError> + 'a>;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{
        bin_mnist_dvs, bin_window, parse_aedat, parse_nmnist, write_aedat2, write_nmnist, DvsEvent,
        EventCamera, SensorWindow,
    };
    use rand::SeedableRng;

    /// Events inside the MNIST-DVS window at 0, 12, 30 and 61 ms: 10 ms bins put them in steps
    /// 0, 1, 3 and 6, 25 ms bins in steps 0, 0, 1 and 2.
    fn events() -> Vec<DvsEvent> {
        [0, 12_000, 30_000, 61_000]
            .into_iter()
            .map(|t_us| DvsEvent {
                t_us,
                x: 50,
                y: 50 + (t_us / 10_000) as u16,
                on: true,
            })
            .collect()
    }

    /// The same times inside the N-MNIST window.
    fn nmnist_events() -> Vec<DvsEvent> {
        events()
            .into_iter()
            .map(|e| DvsEvent { x: 10, y: 12, ..e })
            .collect()
    }

    fn events_encoding(bin_us: u64) -> Encoding {
        Encoding::Events {
            camera: EventCamera {
                bin_us,
                ..EventCamera::default()
            },
            polarity: Polarity::Merged,
        }
    }

    fn load(source: &Source, encoding: Encoding) -> Result<Prepared, DataError> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        Prepared::load(source, &[1, 7], 2, 8, encoding, Keep::Images, &mut rng)
    }

    fn pool(prepared: &Prepared) -> &[Example] {
        match &prepared.pool {
            Pool::Spikes(examples) => examples,
            Pool::Images(_) | Pool::Labels => panic!("recordings give spike trains"),
        }
    }

    /// An MNIST-DVS folder and an N-MNIST folder, each with one training and one test recording
    /// of digits 1 and 7.
    fn recording_folders() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dvs = tmp.path().join("dvs");
        std::fs::create_dir_all(&dvs).expect("mkdir");
        for digit in [1, 7] {
            for number in [1, 901] {
                let name = format!("mnist_{digit}_scale04_{number:04}.aedat");
                std::fs::write(dvs.join(name), write_aedat2(&events())).expect("aedat");
            }
            for part in ["Train", "Test"] {
                let folder = tmp.path().join(format!("nmnist/{part}/{digit}"));
                std::fs::create_dir_all(&folder).expect("mkdir");
                std::fs::write(folder.join("00001.bin"), write_nmnist(&nmnist_events()))
                    .expect("bin");
            }
        }
        tmp
    }

    #[test]
    fn recordings_are_binned_with_data_bin() {
        let tmp = recording_folders();
        let dvs = Source::MnistDvs(tmp.path().join("dvs"));
        let nmnist = Source::NMnist(tmp.path().join("nmnist"));
        let dvs_events = parse_aedat(&write_aedat2(&events()), Path::new("dvs")).expect("aedat");
        let nm_events = parse_nmnist(&write_nmnist(&nmnist_events()), Path::new("n")).expect("n");
        let mut trains = Vec::new();
        for bin_us in [10_000, 25_000] {
            let expected = bin_mnist_dvs(&dvs_events, 8, bin_us, Polarity::Merged);
            let prepared = load(&dvs, events_encoding(bin_us)).expect("mnist-dvs");
            assert_eq!(pool(&prepared).len(), 2);
            assert!(
                pool(&prepared).iter().all(|e| e.spikes == expected),
                "{bin_us} us"
            );
            assert!(prepared.test.iter().all(|e| e.spikes == expected));

            let expected = bin_window(
                &nm_events,
                SensorWindow::NMNIST,
                8,
                bin_us,
                Polarity::Merged,
            );
            let prepared = load(&nmnist, events_encoding(bin_us)).expect("n-mnist");
            assert_eq!(pool(&prepared).len(), 2);
            assert!(
                pool(&prepared).iter().all(|e| e.spikes == expected),
                "{bin_us} us"
            );
            trains.push(expected);
        }
        assert_ne!(
            trains[0], trains[1],
            "the two bin widths give different trains"
        );
    }

    #[test]
    fn recordings_refuse_a_zero_bin_and_rate_coding_naming_the_key() {
        let tmp = recording_folders();
        for source in [
            Source::MnistDvs(tmp.path().join("dvs")),
            Source::NMnist(tmp.path().join("nmnist")),
        ] {
            let zero = load(&source, events_encoding(0)).err().expect("zero bin");
            assert!(zero.to_string().contains("data.bin"), "{zero}");
            let rate = load(&source, Encoding::rate(0.1))
                .err()
                .expect("rate coding");
            assert!(rate.to_string().contains("data.encoding"), "{rate}");
        }
    }

    #[test]
    fn an_explicit_folder_without_the_files_is_an_error_naming_them() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let rate = || Encoding::rate(0.1);
        let err = load(&Source::Mnist(tmp.path().into()), rate())
            .err()
            .expect("no MNIST files");
        assert!(err.to_string().contains(MNIST_IMAGES_FILE), "{err}");
        let err = load(&Source::UciDigits(tmp.path().into()), rate())
            .err()
            .expect("no UCI file");
        assert!(err.to_string().contains(UCI_DIGITS_FILE), "{err}");
    }
}
