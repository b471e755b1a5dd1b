//! `mpirun -np K flsnn ...` (cargo feature `mpi`; needs Open MPI's `mpirun`): run folders and
//! sweep tables byte-identical to one process for K = 1, 2, 3; a rank that dies fails the run
//! clearly and leaves nothing at the destination. Run by `.ci/run`:
//! `cargo test --release --features mpi --test mpi`.

#[path = "../common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `mpirun` on this machine only: loopback, more ranks than cores allowed, root allowed (CI
/// containers run as root).
fn mpirun(ranks: u32) -> Command {
    mpirun_with(ranks, &[])
}

/// [`mpirun`] with more of `mpirun`'s own options.
fn mpirun_with(ranks: u32, options: &[&str]) -> Command {
    let mut cmd = Command::new("mpirun");
    cmd.args(["--oversubscribe", "-np", &ranks.to_string()])
        .args(options)
        .args(["--mca", "btl", "self,vader"])
        .args(["--mca", "oob_tcp_if_include", "lo"])
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .arg(env!("CARGO_BIN_EXE_flsnn"))
        .current_dir(repo());
    cmd
}

fn flsnn() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flsnn"));
    cmd.current_dir(repo());
    cmd
}

fn ok(out: Output, what: &str) -> Output {
    assert!(
        out.status.success(),
        "{what}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn scenario(dir: &Path) -> PathBuf {
    let file = dir.join("lossy.toml");
    std::fs::write(&file, common::LOSSY).expect("write scenario");
    file
}

#[test]
fn run_folders_are_identical_for_one_two_and_three_ranks() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = scenario(tmp.path());
    let run = |cmd: &mut Command, out: &str, threads: &str, sets: &[&str]| {
        let out = tmp.path().join(out);
        let args = [
            "run",
            file.to_str().expect("utf-8"),
            "--events",
            "--threads",
            threads,
        ];
        ok(
            cmd.args(args)
                .args(sets)
                .arg("--out")
                .arg(&out)
                .output()
                .expect("runs"),
            &out.display().to_string(),
        );
        common::run_files(&out)
    };
    let reference = run(&mut flsnn(), "one", "2", &[]);
    assert!(reference.contains_key("events.jsonl") && reference.contains_key("curves.csv"));
    for (ranks, threads) in [(1, "2"), (2, "1"), (3, "1"), (3, "2")] {
        let files = run(
            &mut mpirun(ranks),
            &format!("k{ranks}-t{threads}"),
            threads,
            &[],
        );
        assert!(
            files == reference,
            "{ranks} ranks x {threads} threads differ from one process"
        );
    }
    let reseeded = run(&mut mpirun(2), "reseeded", "1", &["--set", "seed=22"]);
    assert!(reseeded != reference, "the seed matters");
}

#[test]
fn a_sweep_over_ranks_writes_the_same_table() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = scenario(tmp.path());
    let sweep = |cmd: &mut Command, out: &str| {
        let out = tmp.path().join(out);
        let args = [
            "sweep",
            file.to_str().expect("utf-8"),
            "--grid",
            "fl.tau=20,40",
        ];
        let args = args.iter().chain(&["--trials", "2", "--jobs", "1"]);
        ok(
            cmd.args(args)
                .arg("--out")
                .arg(&out)
                .output()
                .expect("sweeps"),
            "sweep",
        );
        let runs = std::fs::read_dir(out.join("runs")).expect("runs").count();
        assert_eq!(runs, 4, "every run folder written");
        std::fs::read(out.join("sweep.csv")).expect("sweep.csv")
    };
    let one = sweep(&mut flsnn(), "one");
    assert_eq!(sweep(&mut mpirun(2), "k2"), one, "2 ranks");
    assert_eq!(sweep(&mut mpirun(3), "k3"), one, "3 ranks");
}

#[test]
fn a_bad_scenario_fails_on_every_rank_with_exit_2() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let status = mpirun(2)
        .args(["run", "--set", "fl.tau=0", "--out"])
        .arg(&out)
        .output()
        .expect("mpirun");
    let stderr = String::from_utf8_lossy(&status.stderr);
    assert!(!status.status.success(), "{stderr}");
    assert!(stderr.contains("fl.tau"), "names the key: {stderr}");
    assert!(!out.exists());
}

/// The pid of the rank `rank` of the job whose processes carry `XTEST_MARK_OF_FLSNN=mark`.
fn rank_pid(mark: &str, rank: u32) -> Option<u32> {
    let want_mark = format!("XTEST_MARK_OF_FLSNN={mark}");
    let want_rank = format!("OMPI_COMM_WORLD_RANK={rank}");
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(env) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        let vars: Vec<&[u8]> = env.split(|b| *b == 0).collect();
        let has = |v: &str| vars.contains(&v.as_bytes());
        if has(&want_mark) && has(&want_rank) {
            return Some(pid);
        }
    }
    None
}

#[test]
fn a_rank_that_dies_fails_the_run_and_leaves_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = scenario(tmp.path());
    let out = tmp.path().join("out");
    let mark = format!("{}-{:?}", std::process::id(), Instant::now());
    // Long enough to be killed in the middle: many rounds of many devices.
    let mut child = mpirun_with(2, &["-x", "XTEST_MARK_OF_FLSNN"])
        .env("XTEST_MARK_OF_FLSNN", &mark)
        .args(["run", file.to_str().expect("utf-8"), "--threads", "1"])
        .args(["--set", "fl.steps=400000", "--set", "fl.devices=24"])
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mpirun");
    let started = Instant::now();
    let pid = loop {
        if let Some(pid) = rank_pid(&mark, 1) {
            break pid;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "rank 1 never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    // Let it build and serve a few windows, then kill it.
    std::thread::sleep(Duration::from_secs(3));
    let killed = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("kill");
    if !killed.success() {
        let _ = child.kill();
        let output = child.wait_with_output().expect("mpirun ends");
        panic!(
            "rank 1 gone before the kill: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let output = child.wait_with_output().expect("mpirun ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the run failed: {stderr}");
    assert!(
        stderr.contains("rank 1") && stderr.contains("signal 9"),
        "says which rank died and how: {stderr}"
    );
    assert!(!out.exists(), "nothing at the destination");
    let left: Vec<String> = std::fs::read_dir(tmp.path())
        .expect("listing")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left,
        vec!["lossy.toml".to_string()],
        "no temporary folder left"
    );
}

/// Starts `cmd` (a checkpointed run; its processes carry `XTEST_MARK_OF_FLSNN`), waits until a
/// process says it stalled (`FLSNNTEST_STALL`), then kills the process of rank `rank` (or the
/// whole command when `rank` is `None`: a run without mpirun) with SIGKILL. mpirun's stderr.
fn kill_at_stall(mut cmd: Command, log: &Path, rank: Option<u32>) -> String {
    let mark = format!(
        "{}-{:?}-{}",
        std::process::id(),
        Instant::now(),
        log.display()
    );
    let mut child = cmd
        .env("XTEST_MARK_OF_FLSNN", &mark)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("log"))
        .spawn()
        .expect("starts");
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).expect("read log");
        if text.contains("test stall") {
            break;
        }
        if let Some(status) = child.try_wait().expect("poll") {
            panic!("the run ended ({status}) before it stalled: {text}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no stall: {text}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    match rank {
        None => child.kill().expect("SIGKILL"),
        Some(rank) => {
            let pid = rank_pid(&mark, rank).expect("the stalled rank's process");
            let killed = Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status()
                .expect("kill");
            assert!(killed.success(), "rank {rank} killed");
        }
    }
    let status = child.wait().expect("ends");
    assert!(!status.success(), "a killed run fails");
    std::fs::read_to_string(log).expect("read log")
}

#[test]
fn a_checkpointed_run_killed_over_two_ranks_resumes_under_three_or_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = scenario(tmp.path());
    let file = file.to_str().expect("utf-8");
    // The same command line everywhere (it is in the checkpoint's header), in folders of its own.
    let args = [
        "run",
        file,
        "--events",
        "--threads",
        "1",
        "--checkpoint-every",
        "1",
        "--out",
        "run",
    ];
    let folder = |name: &str| {
        let dir = tmp.path().join(name);
        std::fs::create_dir(&dir).expect("mkdir");
        dir
    };
    let checkpoint = |dir: &Path| {
        std::fs::read(dir.join(".flsnn/run.run/checkpoint.bin")).expect("a checkpoint left")
    };
    let reference = {
        let out = tmp.path().join("one");
        let run = ["run", file, "--events", "--threads", "2", "--out"];
        ok(
            flsnn().args(run).arg(&out).output().expect("runs"),
            "one process",
        );
        common::run_files(&out)
    };
    // One process, killed halfway through writing its second checkpoint: the first is left.
    let one = folder("one-killed");
    let mut cmd = flsnn();
    cmd.current_dir(&one)
        .args(args)
        .env("FLSNNTEST_STALL", "checkpoint:2");
    kill_at_stall(cmd, &tmp.path().join("one.log"), None);
    let first = checkpoint(&one);
    // Two ranks, rank 0 killed halfway through writing its second checkpoint.
    let two = folder("two-killed");
    let mut cmd = mpirun_with(2, &["-x", "XTEST_MARK_OF_FLSNN", "-x", "FLSNNTEST_STALL"]);
    cmd.current_dir(&two)
        .args(args)
        .env("FLSNNTEST_STALL", "checkpoint:2");
    let stderr = kill_at_stall(cmd, &tmp.path().join("two.log"), Some(0));
    assert!(stderr.contains("rank 0"), "names the rank: {stderr}");
    assert!(
        checkpoint(&two) == first,
        "the checkpoint of two ranks is one process's, byte for byte"
    );
    assert!(!two.join("run").exists(), "nothing at the destination");
    // Two ranks, rank 1 killed while asked for its workers' states for the second checkpoint:
    // the first checkpoint is left whole.
    let dying = folder("rank-dies");
    let mut cmd = mpirun_with(2, &["-x", "XTEST_MARK_OF_FLSNN", "-x", "FLSNNTEST_STALL"]);
    cmd.current_dir(&dying)
        .args(args)
        .env("FLSNNTEST_STALL", "save:2");
    let stderr = kill_at_stall(cmd, &tmp.path().join("dies.log"), Some(1));
    assert!(
        stderr.contains("rank 1") && stderr.contains("signal 9"),
        "says which rank died and how: {stderr}"
    );
    assert!(
        checkpoint(&dying) == first,
        "the previous checkpoint is left whole"
    );
    assert!(!dying.join("run").exists(), "nothing at the destination");
    // Resumed under three ranks on two threads, and in one process.
    let resume = ["run", file, "--resume", "run", "--threads", "2"];
    ok(
        mpirun(3)
            .current_dir(&two)
            .args(resume)
            .output()
            .expect("runs"),
        "resumed over 3 ranks",
    );
    ok(
        flsnn()
            .current_dir(&dying)
            .args(resume)
            .output()
            .expect("runs"),
        "resumed in one process",
    );
    for dir in [&two, &dying] {
        assert!(
            common::run_files(&dir.join("run")) == reference,
            "{}: the resumed run differs from one uninterrupted process",
            dir.display()
        );
        assert!(!dir.join(".flsnn/run.run").exists(), "no checkpoint left");
    }
}
