//! Issue 12: a synchronous device's full-precision upload shares the learner's model instead
//! of holding a copy of it, and is the same upload on the wire and at the base station.

use flsnn::data::{embedded_data_dir, Encoding, Keep, Prepared, Shard, SharedPool, Source};
use flsnn::fl::compress::{
    analog_values, payload_bytes, Codec, Compression, EncodedUpload, FullValues,
};
use flsnn::fl::{model, DeviceStreams, Job, LocalModel};
use flsnn::snn::{Network, SnnConfig};
use rand::SeedableRng;
use rand_chacha::ChaCha12Rng;
use std::sync::Arc;

/// A 676-0-2 device on a shard of four MNIST 1s and 7s, compressing with `compression`,
/// sharing its full-precision uploads if `shares`.
fn device(compression: Compression, shares: bool) -> LocalModel {
    let source = Source::Mnist(embedded_data_dir());
    let mut rng = ChaCha12Rng::seed_from_u64(3);
    let encoding = Encoding::rate(0.15);
    let prepared =
        Prepared::load(&source, &[1, 7], 4, 40, encoding, Keep::Images, &mut rng).expect("mnist");
    let test = Arc::new(prepared.test.clone());
    let pool = Arc::new(SharedPool::new(prepared));
    let shard = Shard::new(pool, &[0, 1, 2, 3], ChaCha12Rng::seed_from_u64(9));
    let net = Arc::new(Network::new(SnnConfig::paper(676, 0, 2)).expect("network"));
    let init = Arc::new(net.init_params(&mut ChaCha12Rng::seed_from_u64(1)));
    let codec = Arc::new(Codec::new(compression, model::layout(&net)).expect("codec"));
    let streams = DeviceStreams {
        training: ChaCha12Rng::seed_from_u64(5),
        compression: ChaCha12Rng::seed_from_u64(6),
        test: ChaCha12Rng::seed_from_u64(7),
    };
    LocalModel::new(net, init, shard, test, codec, streams, shares).expect("device")
}

/// Trains `steps` steps, then uploads if `upload`.
fn train(dev: &mut LocalModel, steps: u64, upload: bool) -> Option<EncodedUpload> {
    let job = Job::Train {
        adopt: None,
        steps,
        evaluate: 0,
        upload,
        epoch: 0,
    };
    dev.work(job).expect("work").expect("trained").upload
}

fn values(upload: &EncodedUpload) -> &FullValues {
    match upload {
        EncodedUpload::Full { values } => values,
        other => panic!("a full upload, not {}", other.kind()),
    }
}

/// The sharing device's upload reads the learner's model (no copy of it), carries the very
/// values and bytes the copying device's does, and keeps them when the device trains on (its
/// learner copies W before writing to it); learning is the same with and without sharing.
#[test]
fn a_shared_upload_is_the_copied_upload_and_survives_later_training() {
    let mut sharing = device(Compression::None, true);
    let mut copying = device(Compression::None, false);
    let shared = train(&mut sharing, 60, true).expect("upload");
    let copied = train(&mut copying, 60, true).expect("upload");
    assert!(
        values(&shared).is_shared(),
        "the upload reads the learner's model"
    );
    assert!(!values(&copied).is_shared());
    let before: Vec<f32> = values(&copied).values().into_owned();
    assert_eq!(values(&shared).values(), before, "the same values");
    assert_eq!(payload_bytes(&shared), payload_bytes(&copied));
    assert_eq!(analog_values(&shared), analog_values(&copied));
    assert!(before.iter().any(|&x| x != 0.0));

    // Training on writes to W: the upload in flight keeps the values it was made with.
    train(&mut sharing, 60, false);
    train(&mut copying, 60, false);
    assert_eq!(
        values(&shared).values(),
        before,
        "a later write leaves the upload alone"
    );
    let (next_shared, next_copied) = (
        train(&mut sharing, 20, true).expect("upload"),
        train(&mut copying, 20, true).expect("upload"),
    );
    assert_ne!(values(&next_shared).values(), before, "the model moved on");
    assert_eq!(next_shared, next_copied, "sharing changes no result");
    assert_eq!(
        sharing.save(),
        copying.save(),
        "nor the device's saved state"
    );
}

/// Compressions that transform the values, and devices not told to share (non-blocking ones
/// train while their upload is in flight), make the upload they made before.
#[test]
fn only_full_precision_uploads_of_sharing_devices_share() {
    let mut fixed_rate = device(Compression::fixed_rate(4), true);
    let upload = train(&mut fixed_rate, 40, true).expect("upload");
    assert!(
        matches!(upload, EncodedUpload::Slices(_)),
        "{}",
        upload.kind()
    );
    let fp16 = train(&mut device(Compression::Fp16, true), 40, true).expect("upload");
    assert!(
        matches!(fp16, EncodedUpload::Half { .. }),
        "{}",
        fp16.kind()
    );
    let copying = train(&mut device(Compression::None, false), 40, true).expect("upload");
    assert!(!values(&copying).is_shared());
}
