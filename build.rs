//! Decodes the built-in MNIST subset (`data/*.gz`) once, at build time, so that a run on the
//! built-in data set reads its images without inflating 7.8 MB first (the binary carries both
//! the decoded copy and the compressed files, which `src/data/bundled.rs` compares against a
//! data folder's files).

use std::io::Read;
use std::path::Path;

fn main() {
    let out = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    for name in [
        "mnist10k-images-idx3-ubyte.gz",
        "mnist10k-labels-idx1-ubyte.gz",
    ] {
        let source = Path::new("data").join(name);
        println!("cargo:rerun-if-changed={}", source.display());
        let gz = std::fs::read(&source).expect("the repository's data folder");
        let mut raw = Vec::new();
        flate2::read::MultiGzDecoder::new(gz.as_slice())
            .read_to_end(&mut raw)
            .expect("a gzip file");
        let decoded = Path::new(&out).join(name.trim_end_matches(".gz"));
        std::fs::write(decoded, raw).expect("OUT_DIR is writable");
    }
}
