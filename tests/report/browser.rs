//! End to end: two runs of the embedded scenario laid out as a sweep folder, `flsnn report` on it,
//! and the page opened in headless Chromium from a file:// URL with the network features off.
//!
//! The test is `#[ignore]`d so that `cargo test --release` passes on a machine without Chromium.
//! `.ci/run` installs Debian's `chromium` and then runs it with
//! `cargo test --release --test report_e2e -- --ignored`; run that way, it fails (never skips)
//! when Chromium is missing.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn flsnn(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flsnn"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the binary runs")
}

fn ok(out: &Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} failed\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Runs headless Chromium on `url` with `extra` arguments, killing it after 120 s; returns what it
/// printed on stdout (collected in a file, so a large DOM cannot fill a pipe and stall it).
fn chromium(url: &str, extra: &[String]) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let stdout_path = profile.path().join("stdout.txt");
    let stdout = std::fs::File::create(&stdout_path).expect("stdout file");
    let mut args: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    args.extend_from_slice(extra);
    args.push(url.to_string());
    let child = Command::new("chromium")
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(stdout))
        .stderr(Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => panic!(
            "chromium could not be started ({e}): install it with \
             `apt-get update && apt-get install -y chromium` (.ci/run does)"
        ),
    };
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                assert!(status.success(), "chromium exited with {status}");
                break;
            }
            Ok(None) if start.elapsed() > Duration::from_secs(120) => {
                let _ = child.kill();
                panic!("chromium did not finish within 120 s");
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!("waiting for chromium: {e}"),
        }
    }
    std::fs::read_to_string(&stdout_path).expect("chromium's stdout")
}

#[test]
#[ignore = "needs headless Chromium; .ci/run installs it and runs this test with --ignored"]
fn report_renders_with_its_plots_in_headless_chromium() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sweep = tmp.path().join("sweep");
    for (trial, seed) in [(0, 1), (1, 2)] {
        let out = sweep.join(format!("runs/quick-t{trial}"));
        let out = out.to_string_lossy().into_owned();
        let seed = format!("seed={seed}");
        ok(
            &flsnn(
                &[
                    "run",
                    "--set",
                    &seed,
                    "--set",
                    "eval.local_every=800",
                    "--out",
                    &out,
                ],
                tmp.path(),
            ),
            "run",
        );
    }
    let started = Instant::now();
    let stdout = ok(&flsnn(&["report", "sweep"], tmp.path()), "report");
    eprintln!("flsnn report took {:.2} s", started.elapsed().as_secs_f64());
    assert!(stdout.contains("2 run(s) in 1 point(s)"), "{stdout}");

    let html = sweep
        .join("report.html")
        .canonicalize()
        .expect("report.html");
    let plots: Vec<String> = std::fs::read_dir(sweep.join("plots"))
        .expect("plots folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".svg"))
        .collect();
    assert_eq!(
        plots.len(),
        15,
        "8 curves (loss and accuracy against iteration, time, uplink and energy), local-model \
         loss (2 measures x raw, initial), budget, participation, energy: {plots:?}"
    );
    let url = format!("file://{}", html.display());

    let dom = chromium(&url, &["--dump-dom".to_string()]);
    assert!(dom.contains("flsnn report: quickstart"), "title rendered");
    assert_eq!(
        dom.matches("<figure").count(),
        plots.len(),
        "one figure per plot"
    );
    // Each inline chart is a live SVG element with drawn content.
    assert_eq!(dom.matches("<svg").count(), plots.len());
    assert!(dom.matches("<polyline").count() >= 6, "curves drawn");
    assert!(
        dom.matches("<rect").count() > 50,
        "bars, legends and grids drawn"
    );
    for name in &plots {
        let id = format!("id=\"plot-{}\"", name.trim_end_matches(".svg"));
        assert!(dom.contains(&id), "{id} in the rendered page");
    }
    assert!(
        dom.contains("quick-t0") && dom.contains("quick-t1"),
        "runs table"
    );

    let shot = tmp.path().join("shot.png");
    chromium(
        &url,
        &[
            "--window-size=1200,2400".to_string(),
            format!("--screenshot={}", shot.display()),
        ],
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "screenshot is a PNG");
    // A blank 1200x2400 page compresses to a few kB; tables and charts make it far larger.
    assert!(png.len() > 50_000, "screenshot only {} bytes", png.len());
}
