//! A run with its device workers spread over ranks (here threads of this process, over the
//! in-process link; `tests/mpi` does the same over MPI) writes the same run folder, byte for byte,
//! as one process; a rank that dies fails the run and leaves nothing at the destination.

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
        force: false,
        threads,
        events: true,
        progress: false,
        command_line: vec![],
        max_memory: u64::MAX,
        checkpoint_every: None,
        resume: false,
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

#[test]
fn checkpoints_are_refused_with_devices_spread_over_ranks() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sc = scenario(tmp.path());
    let mut links = ChannelLink::mesh(2);
    let _rank1 = links.pop().expect("rank 1");
    let mut link = links.pop().expect("rank 0");
    let out = tmp.path().join("out");
    let mut opts = options(out.clone(), 1);
    opts.checkpoint_every = Some(run::checkpoint::Every::Rounds(2));
    let Err(err) = run::run_on(&sc, &opts, Some(&mut link)) else {
        panic!("a checkpointed run over 2 ranks was not refused");
    };
    assert!(
        matches!(err, ExperimentError::Checkpoint(_)) && err.is_input_error(),
        "{err}"
    );
    assert!(err.to_string().contains("ranks"), "{err}");
    assert!(!out.exists(), "nothing written");
}
