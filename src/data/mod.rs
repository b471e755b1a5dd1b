//! Datasets, spike encoders and partitions (SPEC section 4).
//!
//! - Readers: [`read_idx`]/[`load_mnist`] (IDX, plain or gzip), [`load_uci_digits`] (CSV),
//!   [`read_aedat`] (jAER AEDAT 1.0/2.0, MNIST-DVS), [`read_nmnist`] (N-MNIST `.bin`); the file
//!   readers have in-memory twins ([`parse_mnist`], [`parse_uci_digits`], ...), which
//!   [`bundled_mnist`] and [`bundled_uci_digits`] use on the copies built into the binary.
//! - Encoders: [`rate_encode`] (Bernoulli rate coding), [`emulate_events`] (emulated event camera),
//!   both on [`crop_center`]ed images; [`bin_mnist_dvs`] and [`bin_events_from`] turn events into
//!   [`SpikeTrain`]s (the same core for recordings and the emulated camera).
//! - Sets: [`train_test_split`], [`encode_images`], [`load_mnist_dvs_dir`], [`load_nmnist_dir`].
//! - [`partition`] spreads example indices over devices; [`reused_examples`] counts repeats.
//! - [`Prepared`]: a data source loaded, split into a balanced test set and a training pool, and
//!   encoded into spike trains, ready to be shared out.
//!
//! Everything random takes an explicit RNG; nothing here reads the clock or the environment.

mod aedat;
mod bundled;
mod camera;
mod dataset;
mod encode;
mod error;
mod folders;
mod idx;
mod image;
mod motion;
mod nmnist;
mod partition;
mod prepare;
pub mod read;
mod shard;
mod spikes;
mod uci;

pub use aedat::{
    decode_dvs128_address, parse_aedat, read_aedat, write_aedat2, AedatVersion, DvsEvent,
};
pub use bundled::{
    bundled_mnist, bundled_mnist_set, bundled_uci_digits, is_built_in_file, MNIST_IMAGES_FILE,
    MNIST_LABELS_FILE, UCI_DIGITS_FILE,
};
pub use camera::{camera_events, emulate_events, EventCamera};
pub use dataset::{encode_images, split_indices, train_test_split, Encoding, Example, TrainTest};
pub use encode::{rate_encode, rate_plan, rate_start, rate_step};
pub use encode::{RateCursor, RateDraws, RateTable};
pub use error::DataError;
pub use folders::{
    load_mnist_dvs_dir, load_nmnist_dir, parse_mnist_dvs_name, DvsSplit, MNIST_DVS_BIN_US,
    MNIST_DVS_LAST_TRAIN,
};
pub use idx::{
    gunzip_maybe, load_mnist, load_mnist_set, parse_idx, parse_mnist, parse_mnist_set, read_idx,
    read_maybe_gz, IdxArray, MnistSet,
};
pub use image::{crop_center, Image, ImageSet};
pub use motion::Motion;
pub use nmnist::{parse_nmnist, read_nmnist, write_nmnist, NMNIST_SIDE};
pub use partition::{partition, reused_examples, PartitionScheme};
pub use prepare::{embedded_data_dir, Keep, Prepared, Source};
pub use shard::{Shard, ShardState, SharedPool};
pub use spikes::{bin_events_from, bin_mnist_dvs, bin_window, Polarity, SensorWindow, SpikeTrain};
pub use uci::{load_uci_digits, parse_uci_digits, UCI_MAX, UCI_SIDE};
