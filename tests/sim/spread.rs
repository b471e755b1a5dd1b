//! A run with its device workers spread over ranks (here threads of this process, over the
//! in-process link; `tests/mpi` does the same over MPI) writes the same run folder, byte for byte,
//! as one process; a rank that dies fails the run and leaves nothing at the destination. Its
//! checkpoints are those of one process, byte for byte, and are taken up under any number of
//! ranks.

use flsnn::run::spread::{self, ChannelLink, Link};
use flsnn::run::{self, ExperimentError, RunOptions};
use flsnn::scenario::{self, Scenario};
use std::path::{Path, PathBuf};

fn scenario(dir: &Path) -> Scenario {
    scenario_of(dir, crate::common::LOSSY)
}

fn scenario_of(dir: &Path, text: &str) -> Scenario {
    let file = dir.join("scenario.toml");
    std::fs::write(&file, text).expect("write scenario");
    scenario::load(Some(&file), &[]).expect("scenario loads")
}

/// The lossy scenario with faults on its timeline: a crash of half the devices (the crash
/// resets cross ranks), a pause, an outage and corrupted uploads.
const FAULTS: &str = r#"
[[faults]]
kind = "crash"
round = 1
end_round = 3
fraction = 0.5
[[faults]]
kind = "pause"
round = 2
end_round = 4
devices = [1]
[[faults]]
kind = "outage"
round = 4
duration = "100ms"
round_logic = "close"
[[faults]]
kind = "corruption"
start = "0s"
classes = ["slow"]
probability = 0.3
undetected = 0.1
"#;

fn options(out: PathBuf, threads: usize) -> RunOptions {
    RunOptions {
        out: Some(out),
        threads,
        events: true,
        ..RunOptions::default()
    }
}

/// Runs `sc` over `ranks` in-process ranks with `threads` threads each.
fn spread_run(sc: &Scenario, out: PathBuf, ranks: u32, threads: usize) -> PathBuf {
    let mut links = ChannelLink::mesh(ranks);
    let servers: Vec<_> = links
        .drain(1..)
        .map(|mut link| {
            let sc = sc.clone();
            std::thread::spawn(move || run::serve(&sc, &mut link, threads))
        })
        .collect();
    let mut link = links.pop().expect("rank 0");
    let outcome = run::run_on(sc, &options(out, threads), Some(&mut link));
    spread::stop(&mut link).expect("stop");
    let mut ops = 0;
    for server in servers {
        ops += server.join().expect("joins").expect("serves").ops;
    }
    assert_eq!(ops > 0, ranks > 1, "other ranks computed work");
    outcome.expect("runs").dir
}

/// Runs `sc` in one process and over 1, 2 and 3 ranks; every run folder is the same, byte for
/// byte. Returns the one-process folder's files.
fn same_folder_over_ranks(
    tmp: &Path,
    sc: &Scenario,
) -> std::collections::BTreeMap<String, Vec<u8>> {
    let one = run::run(sc, &options(tmp.join("one"), 2))
        .expect("runs")
        .dir;
    let reference = crate::common::run_files(&one);
    assert!(reference.contains_key("events.jsonl") && reference.contains_key("curves.csv"));
    for (ranks, threads) in [(1, 1), (2, 1), (3, 2)] {
        let dir = spread_run(sc, tmp.join(format!("k{ranks}")), ranks, threads);
        assert!(
            crate::common::run_files(&dir) == reference,
            "{ranks} ranks x {threads} threads differ from one process"
        );
    }
    reference
}

#[test]
fn spread_over_ranks_writes_the_same_folder_as_one_process() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sc = scenario(tmp.path());
    let reference = same_folder_over_ranks(tmp.path(), &sc);
    let mut other = sc.clone();
    other.seed += 1;
    let dir = spread_run(&other, tmp.path().join("reseeded"), 2, 1);
    assert!(
        crate::common::run_files(&dir) != reference,
        "the seed matters"
    );
}

#[test]
fn a_faulty_run_spread_over_ranks_writes_the_same_folder_as_one_process() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sc = scenario_of(tmp.path(), &format!("{}{FAULTS}", crate::common::LOSSY));
    let files = same_folder_over_ranks(tmp.path(), &sc);
    let events = String::from_utf8_lossy(&files["events.jsonl"]);
    for kind in ["crash", "pause", "outage", "corruption"] {
        assert!(
            events.contains(&format!("\"link\":\"{kind}\"")),
            "{kind} is on the timeline"
        );
    }
    let devices = String::from_utf8_lossy(&files["devices.csv"]);
    assert!(devices
        .lines()
        .next()
        .is_some_and(|h| h.contains("crashes")));
}

#[test]
fn placement_is_balanced_seeded_and_mixed() {
    let a = spread::assignment(7, 100, 3);
    let count = |r| a.iter().filter(|&&x| x == r).count();
    assert_eq!((count(0), count(1), count(2)), (34, 33, 33));
    assert_eq!(
        a,
        spread::assignment(7, 100, 3),
        "the same seed, the same placement"
    );
    assert_ne!(
        a,
        spread::assignment(8, 100, 3),
        "another seed, another placement"
    );
    assert_ne!(a[..3], [0, 1, 2], "not a plain round-robin of the ids");
}

/// A rank that answers nothing: it takes its first batch and dies.
struct Dies(ChannelLink);

#[test]
fn a_rank_that_dies_fails_the_run_and_leaves_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sc = scenario(tmp.path());
    let mut links = ChannelLink::mesh(2);
    let Dies(mut dying) = Dies(links.pop().expect("rank 1"));
    let server = std::thread::spawn(move || {
        let first = dying.recv(0);
        drop(dying);
        first.map(|bytes| bytes.len())
    });
    let mut link = links.pop().expect("rank 0");
    let out = tmp.path().join("out");
    let err = match run::run_on(&sc, &options(out.clone(), 1), Some(&mut link)) {
        Err(e) => e,
        Ok(_) => panic!("a run with a dead rank succeeded"),
    };
    assert!(server.join().expect("joins").expect("got a batch") > 0);
    assert!(matches!(err, ExperimentError::Sim(_)), "{err}");
    let message = err.to_string();
    assert!(message.contains("rank 1 is gone"), "{message}");
    assert!(!out.exists(), "nothing at the destination");
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("listing")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("scenario.toml")],
        "no leftovers"
    );
}

/// A serving rank that dies (its link gone) on the first order it is to receive once `file`
/// exists: after the run's first checkpoint.
struct DiesAfter {
    link: ChannelLink,
    file: PathBuf,
}

impl Link for DiesAfter {
    fn rank(&self) -> u32 {
        self.link.rank()
    }
    fn ranks(&self) -> u32 {
        self.link.ranks()
    }
    fn send(&mut self, to: u32, bytes: &[u8]) -> Result<(), String> {
        self.link.send(to, bytes)
    }
    fn recv(&mut self, from: u32) -> Result<Vec<u8>, String> {
        match self.file.exists() {
            true => Err(format!("rank {} dies", self.rank())),
            false => self.link.recv(from),
        }
    }
}

/// Runs `sc` with `opts` over `ranks` in-process ranks (`threads` each); with `dies_after`,
/// rank 1 dies once that file exists. The run's outcome, and whether rank 1 served to the end.
fn run_over(
    sc: &Scenario,
    opts: &RunOptions,
    ranks: u32,
    dies_after: Option<PathBuf>,
) -> (Result<run::RunOutcome, ExperimentError>, bool) {
    let mut links = ChannelLink::mesh(ranks);
    let servers: Vec<_> = links
        .drain(1..)
        .map(|link| {
            let sc = sc.clone();
            let threads = opts.threads;
            let dies = dies_after.clone().filter(|_| link.rank() == 1);
            std::thread::spawn(move || match dies {
                Some(file) => run::serve(&sc, &mut DiesAfter { link, file }, threads),
                None => run::serve(&sc, &mut { link }, threads),
            })
        })
        .collect();
    let mut link = links.pop().expect("rank 0");
    let outcome = run::run_on(sc, opts, Some(&mut link));
    let stopped = spread::stop(&mut link);
    let mut served = Vec::new();
    for server in servers {
        served.push(server.join().expect("joins").is_ok());
    }
    assert!(
        stopped.is_ok() || served.contains(&false),
        "only a dead rank is out of reach"
    );
    let rank1_served = served.first().copied().unwrap_or(true);
    (outcome, rank1_served)
}

/// Keeps a copy of every checkpoint file the [`run::checkpoint::Checkpointer`] writes.
struct Copies {
    checkpointer: run::checkpoint::Checkpointer,
    file: PathBuf,
    copies: Vec<Vec<u8>>,
}

impl flsnn::sim::Saver<run::Fl> for Copies {
    fn due(&mut self, now: flsnn::time::SimTime, progress: u64) -> bool {
        self.checkpointer.due(now, progress)
    }
    fn keep(
        &mut self,
        now: flsnn::time::SimTime,
        write: flsnn::sim::Encoder,
    ) -> Result<(), String> {
        self.checkpointer.keep(now, write)?;
        // The file is written on the checkpointer's own thread: wait for it before copying.
        self.checkpointer.finish()?;
        self.copies
            .push(std::fs::read(&self.file).map_err(|e| e.to_string())?);
        Ok(())
    }
}

/// Every checkpoint file a one-process run of `sc` writes, checkpointing every `every` rounds
/// with the options of a run on `threads` threads writing `events.jsonl` (so that the header
/// is the one [`run::run_on`] writes).
fn one_process_checkpoints(
    tmp: &Path,
    sc: &Scenario,
    every: run::checkpoint::Every,
    threads: usize,
) -> Vec<Vec<u8>> {
    let dir = tmp.join("one-process-checkpoints");
    std::fs::create_dir(&dir).expect("mkdir");
    let meta = run::checkpoint::Meta {
        flsnn_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_hash: run::checkpoint::scenario_hash(sc),
        command_line: vec![],
        threads,
        every,
        events: true,
        at: flsnn::time::SimTime::ZERO,
        rounds: 0,
    };
    let mut saver = Copies {
        checkpointer: run::checkpoint::Checkpointer::new(dir.clone(), meta),
        file: dir.join(run::checkpoint::FILE),
        copies: Vec::new(),
    };
    let mut events =
        flsnn::report::EventLog::create(&dir.join("events.jsonl")).expect("events.jsonl");
    let setup = run::build(sc).expect("builds");
    run::simulate_saving(setup, &mut events, threads, None, Some(&mut saver)).expect("runs");
    saver.copies
}

#[test]
fn checkpoints_over_ranks_are_those_of_one_process_and_resume_under_any_ranks() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sc = scenario_of(tmp.path(), &format!("{}{FAULTS}", crate::common::LOSSY));
    let reference = crate::common::run_files(
        &run::run(&sc, &options(tmp.path().join("one"), 2))
            .expect("runs")
            .dir,
    );
    let every = run::checkpoint::Every::Rounds(1);
    let checkpoints = one_process_checkpoints(tmp.path(), &sc, every, 1);
    assert!(checkpoints.len() >= 3, "{} checkpoints", checkpoints.len());
    // (ranks of the interrupted run, then ranks and threads of the resumed one; 0: one process)
    for (before, after, threads) in [(2, 3, 2), (3, 0, 2), (3, 2, 1)] {
        let name = format!("k{before}-k{after}t{threads}");
        let out = tmp.path().join(&name);
        let left = tmp.path().join(format!(".flsnn/{name}.run"));
        let file = left.join(run::checkpoint::FILE);
        let mut opts = options(out.clone(), 1);
        opts.checkpoint_every = Some(every);
        let (outcome, served) = run_over(&sc, &opts, before, Some(file.clone()));
        let err = match outcome {
            Err(e) => e,
            Ok(_) => panic!("{name}: the run ended although rank 1 died"),
        };
        assert!(!served, "{name}: rank 1 died");
        assert!(
            matches!(err, ExperimentError::Sim(_)) && !err.is_input_error(),
            "{name}: {err}"
        );
        assert!(err.to_string().contains("rank 1"), "{name}: {err}");
        assert!(!out.exists(), "{name}: nothing at the destination");
        // The checkpoint left is whole, and the one one process writes at the same point.
        let written = std::fs::read(&file).expect("a checkpoint left");
        assert!(
            checkpoints.contains(&written),
            "{name}: the checkpoint over {before} ranks is none of one process's"
        );
        let mut resume = options(out.clone(), threads);
        resume.resume = true;
        let dir = match after {
            0 => run::run(&sc, &resume).expect("resumes").dir,
            k => run_over(&sc, &resume, k, None).0.expect("resumes").dir,
        };
        assert!(
            crate::common::run_files(&dir) == reference,
            "{name}: resumed over {after} ranks x {threads} threads differs from one process"
        );
        assert!(
            !left.exists(),
            "{name}: the finished run leaves no checkpoint behind"
        );
    }
}
