//! Checkpoints of a run (`--checkpoint-every`) and `--resume`: the file `checkpoint.bin` in the
//! folder of a checkpointed run (`.flsnn/NAME.run`), written through a temporary file, fsync and
//! a rename, so that a kill at any moment leaves the previous checkpoint or the new one whole.
//!
//! The file: the magic `FLSNNCKP`, the format number (u32, little-endian), a header block (the
//! [`Meta`]: flsnn version, scenario hash, the first run's command line and threads, where the
//! checkpoint stands), then the snapshot of the simulation cut into blocks of at most 1 MiB,
//! and an empty block that ends the file. Every block is its length (u32), its bytes and their
//! CRC-32 (u32), all little-endian: a truncated or damaged file is refused with the offset of
//! the block at fault. The snapshot is encoded straight into its blocks, once.

use super::wiring::Fl;
use crate::sim::{Saver, Snapshot};
use crate::time::{SimDuration, SimTime};
use serde::{Deserialize, Serialize};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The file's first bytes.
const MAGIC: &[u8; 8] = b"FLSNNCKP";
/// The layout of the file this flsnn writes and reads.
const FORMAT: u32 = 7;
/// Largest block of the snapshot \[bytes\].
const BLOCK: usize = 1 << 20;
/// The checkpoint's name in the run's folder.
pub const FILE: &str = "checkpoint.bin";

/// How often to save.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Every {
    /// Each time this many more rounds have closed.
    Rounds(u64),
    /// Each time this much more virtual time has passed.
    Time(SimDuration),
}

impl Every {
    /// Parses `--checkpoint-every`: a whole number of rounds (`5`) or a virtual time (`30s`).
    pub fn parse(text: &str) -> Result<Every, String> {
        let text = text.trim();
        if let Ok(n) = text.parse::<u64>() {
            return match n {
                0 => Err("expected at least 1 round, or a virtual time like 30s".into()),
                n => Ok(Every::Rounds(n)),
            };
        }
        match crate::scenario::units::parse_duration_ns(text) {
            Ok(0) => Err("expected a virtual time above 0, like 30s".into()),
            Ok(ns) => Ok(Every::Time(SimDuration(ns))),
            Err(e) => Err(format!(
                "expected a number of rounds (5) or a virtual time (30s, 500ms): {e}"
            )),
        }
    }
}

/// What a checkpoint says of itself, beside the snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// The flsnn that wrote it; only the same version takes it up.
    pub flsnn_version: String,
    /// [`scenario_hash`] of the run's scenario.
    pub scenario_hash: u64,
    /// The first run's command line and threads (for its manifest).
    pub command_line: Vec<String>,
    /// Arbiter threads of the first run.
    pub threads: usize,
    /// How often the run saves.
    pub every: Every,
    /// Whether the run writes `events.jsonl`.
    pub events: bool,
    /// Virtual time of the checkpoint.
    pub at: SimTime,
    /// Rounds closed at the checkpoint.
    pub rounds: u64,
}

/// FNV-1a, 64 bits.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A stable hash of a resolved scenario (its file form, every default explicit).
pub fn scenario_hash(scenario: &crate::scenario::Scenario) -> u64 {
    let raw = crate::scenario::resolve::to_raw(scenario);
    fnv(&serde_json::to_vec(&raw).unwrap_or_default())
}

/// A checkpoint file made in memory as the snapshot is encoded into it: the bytes go straight
/// into their block, which is closed (its length and checksum written) when full.
struct Blocks {
    out: Vec<u8>,
    /// Where the open block's length sits.
    open: usize,
}

impl Blocks {
    /// The file's header and `meta`'s block, and a block opened for the snapshot; `capacity`
    /// is the size expected (the last checkpoint's).
    fn new(meta: &Meta, capacity: usize) -> Result<Blocks, String> {
        Blocks::reusing(meta, Vec::with_capacity(capacity))
    }

    /// As [`Blocks::new`], into `out` (emptied first; its memory is reused, already mapped).
    fn reusing(meta: &Meta, mut out: Vec<u8>) -> Result<Blocks, String> {
        out.clear();
        let mut blocks = Blocks { out, open: 0 };
        blocks.out.extend_from_slice(MAGIC);
        blocks.out.extend_from_slice(&FORMAT.to_le_bytes());
        blocks.open_block();
        crate::sim::encode_into(meta, &mut blocks)?;
        blocks.close_block();
        blocks.open_block();
        Ok(blocks)
    }

    fn open_block(&mut self) {
        self.open = self.out.len();
        self.out.extend_from_slice(&[0; 4]);
    }

    /// Bytes in the open block.
    fn filled(&self) -> usize {
        self.out.len() - self.open - 4
    }

    fn close_block(&mut self) {
        let len = self.filled() as u32;
        self.out[self.open..self.open + 4].copy_from_slice(&len.to_le_bytes());
        let sum = crc32fast::hash(&self.out[self.open + 4..]);
        self.out.extend_from_slice(&sum.to_le_bytes());
    }

    /// The whole file: the last block closed, and the empty block that ends the file.
    fn finish(mut self) -> Vec<u8> {
        let last_empty = self.filled() == 0;
        self.close_block();
        if !last_empty {
            self.open_block();
            self.close_block();
        }
        self.out
    }
}

impl Write for Blocks {
    fn write(&mut self, mut bytes: &[u8]) -> std::io::Result<usize> {
        let n = bytes.len();
        while !bytes.is_empty() {
            if self.filled() == BLOCK {
                self.close_block();
                self.open_block();
            }
            let take = (BLOCK - self.filled()).min(bytes.len());
            self.out.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The bytes of a checkpoint file of `meta` and the (encoded) `snapshot`.
pub fn encode(meta: &Meta, snapshot: &[u8]) -> Result<Vec<u8>, String> {
    let mut blocks = Blocks::new(meta, snapshot.len() + 4096)?;
    blocks.write_all(snapshot).map_err(|e| e.to_string())?;
    Ok(blocks.finish())
}

/// Reads the block at `at` of `bytes`: its contents and where the next one starts.
fn block(bytes: &[u8], at: usize) -> Result<(&[u8], usize), String> {
    let total = bytes.len();
    let truncated = |need: usize| {
        format!(
            "truncated: the file ends at byte {total}, inside the block at offset {at} (which \
             needs bytes up to {need})"
        )
    };
    let len_end = at + 4;
    let len = bytes.get(at..len_end).ok_or_else(|| truncated(len_end))?;
    let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
    if len > BLOCK {
        return Err(format!(
            "corrupt at offset {at}: a block of {len} bytes (at most {BLOCK})"
        ));
    }
    let body_end = len_end + len;
    let end = body_end + 4;
    let body = bytes.get(len_end..body_end).ok_or_else(|| truncated(end))?;
    let sum = bytes.get(body_end..end).ok_or_else(|| truncated(end))?;
    if u32::from_le_bytes([sum[0], sum[1], sum[2], sum[3]]) != crc32fast::hash(body) {
        return Err(format!(
            "corrupt: the block at offset {at} (bytes {len_end} to {body_end}) fails its checksum"
        ));
    }
    Ok((body, end))
}

/// Splits a checkpoint file into its meta and its snapshot's bytes, checking every block.
pub fn decode(bytes: &[u8]) -> Result<(Meta, Vec<u8>), String> {
    if bytes.len() < 12 {
        return Err(format!(
            "truncated: {} bytes, fewer than the 12 of the file's header",
            bytes.len()
        ));
    }
    if &bytes[..8] != MAGIC {
        return Err("not an flsnn checkpoint (bytes 0 to 8 are not FLSNNCKP)".into());
    }
    let format = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if format != FORMAT {
        return Err(format!(
            "checkpoint format {format} (at offset 8); this flsnn reads format {FORMAT}"
        ));
    }
    let (head, mut at) = block(bytes, 12)?;
    let meta: Meta = crate::sim::decode(head)
        .map_err(|e| format!("corrupt: the header block at offset 12 does not decode: {e}"))?;
    let mut snapshot = Vec::new();
    loop {
        let (body, next) = block(bytes, at)?;
        if body.is_empty() {
            if next != bytes.len() {
                return Err(format!(
                    "corrupt: {} bytes after the end block (which ends at offset {next})",
                    bytes.len() - next
                ));
            }
            return Ok((meta, snapshot));
        }
        snapshot.extend_from_slice(body);
        at = next;
    }
}

/// Reads the checkpoint in `dir` and checks that it belongs to `scenario_hash` and to this
/// flsnn; every error names the file.
pub fn read(dir: &Path, scenario_hash: u64) -> Result<(Meta, Snapshot<Fl>), String> {
    let path = dir.join(FILE);
    let bytes = fs::read(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!(
            "{}: the run stopped before its first checkpoint; start it again (same command, \
             with --force)",
            path.display()
        ),
        _ => format!("{}: {e}", path.display()),
    })?;
    let bad = |why: String| format!("{}: {why}", path.display());
    let (meta, snapshot) = decode(&bytes).map_err(bad)?;
    let version = env!("CARGO_PKG_VERSION");
    if meta.flsnn_version != version {
        return Err(bad(format!(
            "written by flsnn {}, this is flsnn {version}: a checkpoint is taken up only by the \
             version that wrote it",
            meta.flsnn_version
        )));
    }
    if meta.scenario_hash != scenario_hash {
        return Err(bad(
            "written for another scenario (or other --set values, or another seed): resume \
             with the scenario and settings of the interrupted run"
                .to_string(),
        ));
    }
    let snapshot = Snapshot::<Fl>::decode(&snapshot)
        .map_err(|e| bad(format!("the snapshot does not decode: {e}")))?;
    Ok((meta, snapshot))
}

/// Writes `bytes` to `dir/FILE` through `FILE.tmp`, fsync and a rename (and fsyncs `dir`).
fn write_file(dir: &Path, bytes: &[u8], stall: bool) -> std::io::Result<()> {
    let tmp = dir.join(format!("{FILE}.tmp"));
    let mut file = File::create(&tmp)?;
    if stall {
        // Test hook: half the file written, then wait to be killed.
        file.write_all(&bytes[..bytes.len() / 2])?;
        file.sync_all()?;
        stall_here("during a checkpoint write");
    }
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, dir.join(FILE))?;
    File::open(dir)?.sync_all()
}

/// Test hook (`FLSNNTEST_STALL`): says where it stopped, then waits to be killed.
pub(super) fn stall_here(what: &str) {
    eprintln!("flsnn: test stall {what}");
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

/// Where a test asks a run to stop and wait to be killed (not `FLSNN_*`: those set scenario
/// keys): `FLSNNTEST_STALL=event:N` (after
/// the N-th calendar event of this process), `checkpoint:K` (halfway through writing its
/// K-th checkpoint) or `save:K` (a serving rank of a spread run, on receiving the K-th batch
/// that asks for its workers' states). Only the tests set it.
#[derive(Copy, Clone, Debug, Default)]
enum Stall {
    #[default]
    Never,
    Event(u64),
    Checkpoint(u64),
    Save(u64),
}

/// The `K` of `FLSNNTEST_STALL=save:K`, if set.
pub(super) fn stall_at_save() -> Option<u64> {
    match Stall::from_env() {
        Stall::Save(k) => Some(k),
        _ => None,
    }
}

impl Stall {
    fn from_env() -> Stall {
        let Ok(v) = std::env::var("FLSNNTEST_STALL") else {
            return Stall::Never;
        };
        let parse = |n: &str| n.parse::<u64>().ok();
        match v.split_once(':') {
            Some(("event", n)) => parse(n).map_or(Stall::Never, Stall::Event),
            Some(("checkpoint", n)) => parse(n).map_or(Stall::Never, Stall::Checkpoint),
            Some(("save", n)) => parse(n).map_or(Stall::Never, Stall::Save),
            _ => Stall::Never,
        }
    }
}

/// What the checkpoints of a run cost.
#[derive(Clone, Debug, Default)]
pub struct CheckpointStats {
    /// Checkpoints written.
    pub written: u64,
    /// Size of the last one \[bytes\].
    pub last_bytes: u64,
    /// Time the simulation stood still for them: the snapshot encoded, and waits for the
    /// previous file to be written \[s of wall clock\].
    pub seconds: f64,
    /// Time spent writing the files (write, fsync, rename) beside the simulation \[s of wall
    /// clock\].
    pub writing: f64,
}

/// A checkpoint file being written on its own thread: the time it took, or what went wrong.
/// The writer thread: the time it took and the file's bytes, handed back to be reused.
type Writing = std::thread::JoinHandle<Result<(f64, Vec<u8>), String>>;

/// Saves a run into its folder as `--checkpoint-every` says.
pub struct Checkpointer {
    dir: PathBuf,
    meta: Meta,
    next_rounds: u64,
    next_time: SimTime,
    events: u64,
    stall: Stall,
    since: Option<Instant>,
    /// The file being written, if any.
    writing: Option<Writing>,
    /// The last file's buffer, written: the next checkpoint is encoded into it.
    spare: Vec<u8>,
    /// What the checkpoints cost so far.
    pub stats: CheckpointStats,
}

impl Checkpointer {
    /// Saves into `dir` as `meta.every` says, from the point `meta` describes (the start, or
    /// the checkpoint being resumed).
    pub fn new(dir: PathBuf, meta: Meta) -> Checkpointer {
        let (next_rounds, next_time) = match meta.every {
            Every::Rounds(n) => (meta.rounds.saturating_add(n), SimTime::MAX),
            Every::Time(d) => (u64::MAX, meta.at + d),
        };
        Checkpointer {
            dir,
            meta,
            next_rounds,
            next_time,
            events: 0,
            stall: Stall::from_env(),
            since: None,
            writing: None,
            spare: Vec::new(),
            stats: CheckpointStats::default(),
        }
    }

    /// Waits for the file being written: the run's end calls it, so that its last checkpoint
    /// is whole on disk (or its error known) before the run goes on.
    pub fn finish(&mut self) -> Result<(), String> {
        let Some(writing) = self.writing.take() else {
            return Ok(());
        };
        let (took, spare) = writing
            .join()
            .map_err(|_| format!("{}: the writer stopped", self.dir.join(FILE).display()))??;
        self.spare = spare;
        self.stats.written += 1;
        self.stats.writing += took;
        Ok(())
    }
}

impl Drop for Checkpointer {
    /// A run that stops on an error still leaves its last checkpoint whole (or the one before).
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

impl Saver<Fl> for Checkpointer {
    fn due(&mut self, now: SimTime, progress: u64) -> bool {
        self.events += 1;
        if let Stall::Event(n) = self.stall {
            if self.events == n {
                // As a kill much later would: the checkpoint in the writer's hands is on disk
                // first (the tests then find one to resume from, however fast the run went).
                let _ = self.finish();
                stall_here(&format!("after event {n}"));
            }
        }
        let due = progress >= self.next_rounds || now >= self.next_time;
        if due {
            self.since = Some(Instant::now());
            self.meta.at = now;
            self.meta.rounds = progress;
            match self.meta.every {
                Every::Rounds(n) => self.next_rounds = progress.saturating_add(n),
                Every::Time(d) => {
                    while self.next_time <= now {
                        self.next_time += d;
                    }
                }
            }
        }
        due
    }

    /// Encodes the snapshot into the file's blocks in memory, and hands them to a thread that
    /// writes the file (through its temporary, fsync and rename: a kill at any moment leaves
    /// this checkpoint or the one before whole) while the simulation goes on. One file is
    /// written at a time: a checkpoint first waits for the one before.
    fn keep(&mut self, _now: SimTime, write: crate::sim::Encoder) -> Result<(), String> {
        self.finish()?;
        let mut spare = std::mem::take(&mut self.spare);
        spare.reserve(self.stats.last_bytes as usize + (1 << 16));
        let mut blocks = Blocks::reusing(&self.meta, spare)?;
        write(&mut blocks)?;
        let bytes = blocks.finish();
        self.stats.last_bytes = bytes.len() as u64;
        let stall = matches!(self.stall, Stall::Checkpoint(k) if k == self.stats.written + 1);
        let dir = self.dir.clone();
        self.writing = Some(std::thread::spawn(move || {
            let began = Instant::now();
            write_file(&dir, &bytes, stall)
                .map_err(|e| format!("{}: {e}", dir.join(FILE).display()))?;
            Ok((began.elapsed().as_secs_f64(), bytes))
        }));
        if let Some(since) = self.since.take() {
            self.stats.seconds += since.elapsed().as_secs_f64();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Meta {
        Meta {
            flsnn_version: "0.1.0".into(),
            scenario_hash: 42,
            command_line: vec!["flsnn".into(), "run".into()],
            threads: 2,
            every: Every::Time(SimDuration(5)),
            events: true,
            at: SimTime(7),
            rounds: 3,
        }
    }

    #[test]
    fn a_file_round_trips_over_several_blocks() {
        let snapshot: Vec<u8> = (0..(2 * BLOCK + 17))
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        let bytes = encode(&meta(), &snapshot).unwrap();
        let (m, s) = decode(&bytes).unwrap();
        assert_eq!(m, meta());
        assert_eq!(s, snapshot);
    }

    #[test]
    fn every_truncation_is_refused_with_an_offset() {
        let snapshot: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
        let bytes = encode(&meta(), &snapshot).unwrap();
        for cut in (0..bytes.len()).step_by(97) {
            let err = decode(&bytes[..cut]).unwrap_err();
            assert!(err.contains("truncated"), "cut at {cut}: {err}");
        }
    }

    #[test]
    fn a_flipped_byte_is_refused_naming_its_block() {
        let snapshot = vec![7u8; 5000];
        let mut bytes = encode(&meta(), &snapshot).unwrap();
        let at = bytes.len() - 100;
        bytes[at] ^= 1;
        let err = decode(&bytes).unwrap_err();
        assert!(err.contains("fails its checksum"), "{err}");
        assert!(err.contains("offset"), "{err}");
        bytes[at] ^= 1;
        bytes[0] = b'X';
        assert!(decode(&bytes)
            .unwrap_err()
            .contains("not an flsnn checkpoint"));
    }

    #[test]
    fn checkpoint_every_parses_rounds_and_virtual_time() {
        assert_eq!(Every::parse("5"), Ok(Every::Rounds(5)));
        assert_eq!(
            Every::parse("30s"),
            Ok(Every::Time(SimDuration(30_000_000_000)))
        );
        assert!(Every::parse("0").is_err());
        assert!(Every::parse("soon").is_err());
    }
}
