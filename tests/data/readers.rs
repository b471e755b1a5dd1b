//! Readers: IDX (MNIST), UCI digits CSV, AEDAT (MNIST-DVS), N-MNIST, folder loaders.

use std::io::Write;
use std::path::{Path, PathBuf};

use flsnn::data::*;
use proptest::prelude::*;

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn fixture(name: &str) -> PathBuf {
    repo(&format!("tests/fixtures/{name}"))
}

fn mnist() -> ImageSet {
    load_mnist(
        &repo("data/mnist10k-images-idx3-ubyte.gz"),
        &repo("data/mnist10k-labels-idx1-ubyte.gz"),
    )
    .expect("bundled MNIST loads")
}

fn format_offset(err: &DataError) -> Option<(PathBuf, u64)> {
    match err {
        DataError::Format { path, offset, .. } => Some((path.clone(), *offset)),
        _ => None,
    }
}

// ---------- IDX ----------

#[test]
fn real_mnist_loads_with_documented_class_counts() {
    let set = mnist();
    assert_eq!(set.len(), 10_000);
    assert_eq!(set.labels.len(), 10_000);
    assert!(set
        .images
        .iter()
        .all(|i| i.width == 28 && i.height == 28 && i.pixels.len() == 784));
    assert_eq!(
        set.class_counts(),
        vec![1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
    );
    // Real digits: dark background, bright strokes.
    let mean = set.images[0]
        .pixels
        .iter()
        .map(|&p| f64::from(p))
        .sum::<f64>()
        / 784.0;
    assert!(mean > 10.0 && mean < 80.0, "mean grey {mean}");
    assert_eq!(set.images[0].pixels[0], 0);
    assert!(set.images[0].pixels.iter().any(|&p| p > 200));
}

#[test]
fn hand_made_idx_decodes_exactly() {
    let bytes = [0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255];
    let arr = parse_idx(&bytes, Path::new("hand.idx")).expect("valid");
    assert_eq!(arr.dims, vec![2, 3]);
    assert_eq!(arr.data, vec![1, 2, 3, 4, 5, 255]);
}

#[test]
fn idx_reads_plain_and_gzip_files_alike() {
    let bytes = [0u8, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9];
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = dir.path().join("plain.idx");
    std::fs::write(&plain, bytes).expect("write");
    let gz = dir.path().join("packed.idx.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&bytes).expect("gzip");
    std::fs::write(&gz, enc.finish().expect("gzip")).expect("write");
    let a = read_idx(&plain).expect("plain");
    let b = read_idx(&gz).expect("gzip");
    assert_eq!(a, b);
    assert_eq!(a.data, vec![7, 8, 9]);
}

#[test]
fn truncated_idx_names_file_and_offset() {
    let path = Path::new("trunc.idx");
    let err = parse_idx(&[0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2], path).unwrap_err();
    let (p, off) = format_offset(&err).expect("format error");
    assert_eq!(p, path);
    assert_eq!(off, 14);
    let msg = err.to_string();
    assert!(msg.contains("trunc.idx") && msg.contains("14"), "{msg}");
    // Truncated inside the dimension table.
    let err = parse_idx(&[0, 0, 8, 3, 0, 0, 0, 1, 0, 0], path).unwrap_err();
    assert_eq!(format_offset(&err).map(|x| x.1), Some(10));
}

#[test]
fn wrong_magic_and_type_and_dims_are_errors() {
    let path = Path::new("bad.idx");
    let err = parse_idx(&[1, 0, 8, 1, 0, 0, 0, 1, 5], path).unwrap_err();
    assert_eq!(format_offset(&err), Some((path.to_path_buf(), 0)));
    let err = parse_idx(&[0, 0, 0x0d, 1, 0, 0, 0, 1, 5], path).unwrap_err();
    assert_eq!(format_offset(&err), Some((path.to_path_buf(), 2)));
    assert!(err.to_string().contains("0x0d"), "{err}");
    let err = parse_idx(&[0, 0, 8, 0], path).unwrap_err();
    assert_eq!(format_offset(&err), Some((path.to_path_buf(), 3)));
    // Trailing garbage after the data.
    let err = parse_idx(&[0, 0, 8, 1, 0, 0, 0, 1, 5, 6], path).unwrap_err();
    assert_eq!(format_offset(&err), Some((path.to_path_buf(), 9)));
}

#[test]
fn load_mnist_rejects_swapped_files_and_count_mismatch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let images = dir.path().join("img.idx");
    let labels = dir.path().join("lab.idx");
    std::fs::write(
        &images,
        [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 9, 9],
    )
    .expect("w");
    std::fs::write(&labels, [0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3]).expect("w");
    let err = load_mnist(&images, &labels).unwrap_err();
    assert!(matches!(err, DataError::Mismatch { .. }), "{err}");
    let err = load_mnist(&labels, &images).unwrap_err();
    assert!(err.to_string().contains("lab.idx"), "{err}");
    let missing = load_mnist(&dir.path().join("nope"), &labels).unwrap_err();
    assert!(matches!(missing, DataError::Io { .. }) && missing.to_string().contains("nope"));
}

#[test]
fn corrupt_gzip_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken.gz");
    std::fs::write(&path, [0x1f, 0x8b, 8, 0, 1, 2, 3]).expect("w");
    let err = read_idx(&path).unwrap_err();
    assert!(matches!(err, DataError::Gzip { .. }));
    assert!(err.to_string().contains("broken.gz"));
}

// ---------- UCI ----------

#[test]
fn uci_digits_load() {
    let set = load_uci_digits(&repo("data/uci-digits.csv.gz")).expect("UCI loads");
    assert_eq!(set.len(), 1797);
    assert!(set.labels.iter().all(|&l| l <= 9));
    assert_eq!(set.class_counts().len(), 10);
    assert!(set
        .images
        .iter()
        .all(|i| i.width == 8 && i.height == 8 && i.pixels.len() == 64));
    let max = set
        .images
        .iter()
        .flat_map(|i| i.pixels.iter().copied())
        .max();
    assert_eq!(max, Some(255), "16 scales to 255");
    // First row of the file: 0,0,5,13,... label 0. 5 -> round(5*255/16) = 80.
    assert_eq!(set.labels[0], 0);
    assert_eq!(&set.images[0].pixels[..4], &[0, 0, 80, 207]);
}

#[test]
fn uci_bad_row_names_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("digits.csv");
    let good = format!("{}0\n", "1,".repeat(64));
    let bad_value = format!("{}17,3\n", "1,".repeat(63));
    std::fs::write(&path, format!("{good}{good}{bad_value}")).expect("w");
    let err = load_uci_digits(&path).unwrap_err();
    match &err {
        DataError::Line { path: p, line, .. } => {
            assert_eq!(p, &path);
            assert_eq!(*line, 3);
        }
        other => panic!("unexpected {other}"),
    }
    assert!(err.to_string().contains("digits.csv") && err.to_string().contains("line 3"));
    std::fs::write(&path, format!("{good}1,2,3\n")).expect("w");
    let err = load_uci_digits(&path).unwrap_err();
    assert!(matches!(err, DataError::Line { line: 2, .. }), "{err}");
    std::fs::write(&path, format!("{}11\n", "1,".repeat(64))).expect("w");
    assert!(matches!(
        load_uci_digits(&path).unwrap_err(),
        DataError::Line { line: 1, .. }
    ));
}

// ---------- AEDAT ----------

fn ev(t_us: u64, x: u16, y: u16, on: bool) -> DvsEvent {
    DvsEvent { t_us, x, y, on }
}

#[test]
fn tiny_dvs128_decodes_to_the_readme_events() {
    let events = read_aedat(&fixture("tiny_dvs128.aedat")).expect("fixture");
    // Fifth record, bytes 00 00 7F F4 00 1E 84 81: address 0x7FF4 -> y = 0x7F = 127,
    // raw x = (0xF4 >> 1) & 0x7F = 122 -> x = 127 - 122 = 5, bit 0 = 0 -> ON; t = 0x1E8481.
    assert_eq!(
        events,
        vec![
            ev(0, 0, 0, true),
            ev(1, 127, 0, false),
            ev(1000, 60, 61, true),
            ev(2_000_000, 73, 48, false),
            ev(2_000_001, 5, 127, true),
        ]
    );
}

#[test]
fn aedat1_six_byte_records_sync_skip_and_partial_tail() {
    let mut bytes = b"# an AEDAT 1.0 file has no version line\r\n".to_vec();
    // (x=60, y=61, ON) at 1000: address 0x3D86.
    bytes.extend_from_slice(&[0x3D, 0x86, 0, 0, 0x03, 0xE8]);
    // Sync event (bit 15) at 1500: skipped.
    bytes.extend_from_slice(&[0x80, 0x00, 0, 0, 0x05, 0xDC]);
    // (x=127, y=0, OFF) at 500: timestamps going back are kept as recorded.
    bytes.extend_from_slice(&[0x00, 0x01, 0, 0, 0x01, 0xF4]);
    // Partial record.
    bytes.extend_from_slice(&[0x12, 0x34, 0]);
    let events = parse_aedat(&bytes, Path::new("v1.aedat")).expect("v1");
    assert_eq!(events, vec![ev(1000, 60, 61, true), ev(500, 127, 0, false)]);
}

#[test]
fn aedat2_partial_tail_and_sync_are_ignored() {
    let mut bytes = std::fs::read(fixture("tiny_dvs128.aedat")).expect("fixture");
    bytes.extend_from_slice(&[0x00, 0x00, 0x80, 0x00, 0, 0, 0, 9]); // sync
    bytes.extend_from_slice(&[0, 0, 0x3D]); // partial
    let events = parse_aedat(&bytes, Path::new("x.aedat")).expect("parses");
    assert_eq!(events.len(), 5);
}

#[test]
fn aedat_write_read_round_trip() {
    let events = vec![
        ev(10, 3, 4, true),
        ev(20, 127, 127, false),
        ev(5, 0, 64, true),
    ];
    let back = parse_aedat(&write_aedat2(&events), Path::new("rt")).expect("round trip");
    assert_eq!(back, events);
}

#[test]
fn aedat_bad_header_names_file_and_offset() {
    let err = parse_aedat(b"#!AER-DAT3.1\r\nxxxx", Path::new("v3.aedat")).unwrap_err();
    assert_eq!(format_offset(&err), Some((PathBuf::from("v3.aedat"), 9)));
    let err = parse_aedat(b"#!AER-DAT2.0\r\n# unterminated", Path::new("h.aedat")).unwrap_err();
    assert_eq!(format_offset(&err), Some((PathBuf::from("h.aedat"), 14)));
}

#[test]
fn synthetic_mnist_dvs_digits_bin_to_plausible_676_trains() {
    for (name, min_events) in [
        ("synthetic_mnistdvs_digit1.aedat", 5000),
        ("synthetic_mnistdvs_digit7.aedat", 5000),
    ] {
        let events = read_aedat(&fixture(name)).expect("fixture");
        assert!(
            events.len() >= min_events && events.len() <= 9000,
            "{name}: {}",
            events.len()
        );
        assert!(events.iter().all(|e| e.x < 128 && e.y < 128));
        let train = bin_mnist_dvs(&events, 80, MNIST_DVS_BIN_US, Polarity::Merged);
        assert_eq!(train.channels, 676);
        assert_eq!(train.len(), 80);
        let density = train.density();
        assert!(
            density > 0.001 && density < 0.3,
            "{name}: density {density}"
        );
        let active_pixels = train.channel_counts().iter().filter(|&&c| c > 0).count();
        assert!(
            active_pixels > 30 && active_pixels < 676,
            "{name}: {active_pixels}"
        );
        assert!(train
            .steps
            .iter()
            .all(|s| s.windows(2).all(|w| w[0] < w[1])));
        let split = bin_mnist_dvs(&events, 80, MNIST_DVS_BIN_US, Polarity::Split);
        assert_eq!(split.channels, 1352);
        assert!(split.spike_count() >= train.spike_count());
    }
}

// ---------- N-MNIST ----------

#[test]
fn tiny_nmnist_decodes_exactly() {
    let events = read_nmnist(&fixture("tiny_nmnist.bin")).expect("fixture");
    assert_eq!(
        events,
        vec![
            ev(0, 0, 0, true),
            ev(1, 0x21, 0, false),
            ev(305_000, 16, 17, true),
            ev(0x7F_FFFF, 0x21, 0x21, false),
        ]
    );
}

#[test]
fn synthetic_nmnist_digit0_bins_inside_the_sensor() {
    let events = read_nmnist(&fixture("synthetic_nmnist_digit0.bin")).expect("fixture");
    assert_eq!(events.len(), 33645 / 5);
    assert!(events
        .iter()
        .all(|e| e.x < NMNIST_SIDE && e.y < NMNIST_SIDE));
    let train = bin_window(&events, SensorWindow::NMNIST, 60, 5_000, Polarity::Merged);
    assert_eq!(train.channels, 676);
    let counts = train.channel_counts();
    let active = counts.iter().filter(|&&c| c > 0).count();
    assert!(active > 50, "active pixels {active}");
    // A zero is a ring: the centre of the crop is quieter than the ring around it.
    let centre: u32 = (11..15)
        .flat_map(|r| (11..15).map(move |c| (r, c)))
        .map(|(r, c)| counts[r * 26 + c])
        .sum();
    let total: u32 = counts.iter().sum();
    assert!(
        f64::from(centre) / f64::from(total) < 16.0 / 676.0 * 2.0,
        "centre {centre} of {total}"
    );
}

// ---------- folders ----------

#[test]
fn mnist_dvs_folder_loader_filters_digit_and_split() {
    let dir = tempfile::tempdir().expect("tempdir");
    let nested = dir.path().join("grabbed_data/1/scale4");
    std::fs::create_dir_all(&nested).expect("mkdir");
    let seven = dir.path().join("grabbed_data/7/scale4");
    std::fs::create_dir_all(&seven).expect("mkdir");
    let one = std::fs::read(fixture("synthetic_mnistdvs_digit1.aedat")).expect("f");
    let sev = std::fs::read(fixture("synthetic_mnistdvs_digit7.aedat")).expect("f");
    for n in [1, 2, 900, 901] {
        std::fs::write(nested.join(format!("mnist_1_scale04_{n:04}.aedat")), &one).expect("w");
        std::fs::write(seven.join(format!("mnist_7_scale04_{n:04}.aedat")), &sev).expect("w");
    }
    std::fs::write(nested.join("mnist_1_scale08_0001.aedat"), &one).expect("w");
    std::fs::write(nested.join("notes.txt"), b"ignored").expect("w");
    let train = load_mnist_dvs_dir(
        dir.path(),
        &[7, 1],
        DvsSplit::Train,
        80,
        MNIST_DVS_BIN_US,
        Polarity::Merged,
    )
    .expect("train");
    assert_eq!(train.len(), 6);
    assert_eq!(
        train.iter().map(|e| e.label).collect::<Vec<_>>(),
        vec![0, 0, 0, 1, 1, 1]
    );
    let events7 = read_aedat(&fixture("synthetic_mnistdvs_digit7.aedat")).expect("f");
    assert_eq!(
        train[0].spikes,
        bin_mnist_dvs(&events7, 80, 25_000, Polarity::Merged)
    );
    let test = load_mnist_dvs_dir(
        dir.path(),
        &[1],
        DvsSplit::Test,
        80,
        MNIST_DVS_BIN_US,
        Polarity::Split,
    )
    .expect("test");
    assert_eq!(test.len(), 1);
    assert_eq!(test[0].spikes.channels, 1352);
    let none = load_mnist_dvs_dir(
        dir.path(),
        &[3],
        DvsSplit::All,
        80,
        MNIST_DVS_BIN_US,
        Polarity::Merged,
    );
    assert!(matches!(none, Err(DataError::Empty { .. })));
    // The bin width is the caller's: 10 ms bins spread the same recording over more steps.
    let fine = load_mnist_dvs_dir(
        dir.path(),
        &[7],
        DvsSplit::Train,
        80,
        10_000,
        Polarity::Merged,
    )
    .expect("10 ms bins");
    assert_eq!(
        fine[0].spikes,
        bin_mnist_dvs(&events7, 80, 10_000, Polarity::Merged)
    );
    assert_ne!(
        fine[0].spikes, train[0].spikes,
        "the bin width changes the train"
    );
}

#[test]
fn mnist_dvs_folder_with_corrupt_file_reports_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("mnist_1_scale04_0001.aedat");
    std::fs::write(&bad, b"#!AER-DAT9.9\r\n").expect("w");
    let err = load_mnist_dvs_dir(
        dir.path(),
        &[1],
        DvsSplit::All,
        80,
        MNIST_DVS_BIN_US,
        Polarity::Merged,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("mnist_1_scale04_0001.aedat"),
        "{err}"
    );
}

#[test]
fn nmnist_folder_loader_reads_train_digit_folders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zero = std::fs::read(fixture("synthetic_nmnist_digit0.bin")).expect("f");
    let tiny = std::fs::read(fixture("tiny_nmnist.bin")).expect("f");
    for (digit, bytes) in [(0u8, &zero), (3, &tiny)] {
        let folder = dir.path().join("Train").join(digit.to_string());
        std::fs::create_dir_all(&folder).expect("mkdir");
        std::fs::write(folder.join("00002.bin"), bytes).expect("w");
        std::fs::write(folder.join("00001.bin"), bytes).expect("w");
        std::fs::write(folder.join("readme.txt"), b"x").expect("w");
    }
    let set =
        load_nmnist_dir(dir.path(), &[3, 0], true, 30, 10_000, Polarity::Merged).expect("load");
    assert_eq!(set.len(), 4);
    assert_eq!(
        set.iter().map(|e| e.label).collect::<Vec<_>>(),
        vec![0, 0, 1, 1]
    );
    assert!(set
        .iter()
        .all(|e| e.spikes.channels == 676 && e.spikes.len() == 30));
    // tiny_nmnist: (0,0), (33,0), (16,17) at 305 ms, (33,33): only (16,17) is inside the crop,
    // and it is beyond 30 bins of 10 ms, so the train is silent.
    assert_eq!(set[0].spikes.spike_count(), 0);
    assert!(set[2].spikes.spike_count() > 100);
    let missing =
        load_nmnist_dir(dir.path(), &[0], false, 30, 10_000, Polarity::Merged).unwrap_err();
    assert!(missing.to_string().contains("Test"), "{missing}");
}

// ---------- robustness ----------

/// Cases per property: 512, or `FUZZ_CASES` for a long run (issue 8 asks for 10^6 once).
fn fuzz_cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

    #[test]
    fn parse_idx_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = parse_idx(&bytes, Path::new("random.idx"));
    }

    #[test]
    fn parse_idx_never_panics_on_valid_prefix(tail in proptest::collection::vec(any::<u8>(), 0..64), nd in 0u8..5) {
        let mut bytes = vec![0, 0, 8, nd];
        bytes.extend(tail);
        let _ = parse_idx(&bytes, Path::new("random.idx"));
    }

    #[test]
    fn parse_aedat_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..96), header in any::<bool>()) {
        let mut data = if header { b"#!AER-DAT2.0\r\n".to_vec() } else { Vec::new() };
        data.extend(bytes);
        if let Ok(events) = parse_aedat(&data, Path::new("random.aedat")) {
            prop_assert!(events.iter().all(|e| e.x < 128 && e.y < 128));
            let _ = bin_mnist_dvs(&events, 10, 1000, Polarity::Split);
        }
    }

    #[test]
    fn parse_nmnist_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let events = parse_nmnist(&bytes, Path::new("random.bin")).expect("any bytes decode");
        prop_assert_eq!(events.len(), bytes.len() / 5);
        let _ = bin_window(&events, SensorWindow::NMNIST, 10, 1000, Polarity::Merged);
    }
}

#[test]
fn built_in_data_equals_the_repository_files() {
    let from_files = load_mnist(
        &repo("data/mnist10k-images-idx3-ubyte.gz"),
        &repo("data/mnist10k-labels-idx1-ubyte.gz"),
    )
    .expect("files");
    assert_eq!(bundled_mnist().expect("built in"), from_files);
    let uci = load_uci_digits(&repo("data/uci-digits.csv.gz")).expect("file");
    assert_eq!(bundled_uci_digits().expect("built in"), uci);
}

/// Issue 8: readers accept regular files only, so a data path linked to `/dev/zero` is refused
/// before a byte is read.
#[test]
fn a_link_to_a_device_is_not_a_data_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let link = tmp.path().join("images.idx.gz");
    std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
    let err = read_idx(&link).expect_err("a device");
    assert!(matches!(err, DataError::NotRegular { .. }), "{err}");
    assert!(err.to_string().contains("not a regular file"), "{err}");
    let err = read_maybe_gz(&link).expect_err("a device");
    assert!(matches!(err, DataError::NotRegular { .. }), "{err}");
}

/// Issue 8: a small gzip whose IDX header declares gigabytes is refused from its header, before
/// the data are decoded or allocated.
#[test]
fn a_gzip_declaring_gigabytes_is_refused_from_its_header() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("big.idx.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&[0, 0, 8, 3]).expect("magic");
    for d in [100_000u32, 256, 256] {
        enc.write_all(&d.to_be_bytes()).expect("dims");
    }
    enc.write_all(&vec![0u8; 100_000]).expect("some data");
    std::fs::write(&path, enc.finish().expect("gzip")).expect("write");
    let err = read_idx(&path).expect_err("too big");
    let msg = err.to_string();
    assert!(
        msg.contains("6553600000") && msg.contains("at most"),
        "{msg}"
    );
}

/// The images asked for out of a set whose pixels are decoded in one pass are the full decode's,
/// in the order asked, repeats included; and the end of the file is still checked when only the
/// first images are wanted.
#[test]
fn mnist_images_picked_in_one_pass_equal_the_full_decode() {
    let all = mnist();
    let wanted = [9_999, 0, 4_321, 63, 64, 4_321, 1, 9_998];
    let set = load_mnist_set(
        &repo("data/mnist10k-images-idx3-ubyte.gz"),
        &repo("data/mnist10k-labels-idx1-ubyte.gz"),
    )
    .expect("header and labels");
    assert_eq!(set.labels, all.labels);
    let picked = set.images(&wanted).expect("images");
    assert_eq!(picked.len(), wanted.len());
    for (k, &i) in wanted.iter().enumerate() {
        assert_eq!(
            picked[k], all.images[i],
            "image {i}, asked for as number {k}"
        );
    }
    // Three 1x2 images, plain and gzip: the images not asked for are passed over, and the end
    // of the data is still checked (a trailing byte, one byte short).
    let tmp = tempfile::tempdir().expect("tempdir");
    let (images, labels) = (tmp.path().join("img.idx"), tmp.path().join("lab.idx"));
    std::fs::write(&labels, [0, 0, 8, 1, 0, 0, 0, 3, 1, 7, 1]).expect("w");
    let well_formed = vec![
        0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6,
    ];
    for gzip in [false, true] {
        let write = |bytes: &[u8]| {
            let bytes = if gzip {
                let mut enc =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                enc.write_all(bytes).expect("gzip");
                enc.finish().expect("gzip")
            } else {
                bytes.to_vec()
            };
            std::fs::write(&images, bytes).expect("w");
            load_mnist_set(&images, &labels).expect("header and labels")
        };
        let picked = write(&well_formed).images(&[2, 1, 2]).expect("images");
        let pixels: Vec<_> = picked.iter().map(|i| i.pixels.clone()).collect();
        assert_eq!(
            pixels,
            vec![vec![5, 6], vec![3, 4], vec![5, 6]],
            "gzip {gzip}"
        );
        let mut longer = well_formed.clone();
        longer.push(7);
        let err = write(&longer).images(&[0]).expect_err("trailing byte");
        assert_eq!(format_offset(&err), Some((images.clone(), 22)), "{err}");
        assert!(err.to_string().contains("1 extra bytes"), "{err}");
        let err = write(&well_formed[..21])
            .images(&[0])
            .expect_err("one byte short");
        assert_eq!(format_offset(&err), Some((images.clone(), 21)), "{err}");
    }
}
