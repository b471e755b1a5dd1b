//! The report's plots: learning curves (loss and accuracy against global iteration, virtual time
//! and cumulative uplink, with std bands over trials), accuracy against budget, participation and
//! losses per round, and per-device energy. Each is written as SVG and PNG.

use super::chart::{Chart, LineChart, Mark, PlotFile, Series, StackedBars};
use super::load::RunGroup;
use super::local;
use super::series::{self, Count, Metric, XAxis};
use super::tau;
use super::ReportError;
use std::fs;
use std::path::Path;

/// A file-name-safe version of a point name.
fn slug(point: &str) -> String {
    point
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn legend(group: &RunGroup) -> String {
    match group.runs.len() {
        1 => group.point.clone(),
        n => format!("{} ({n} trials)", group.point),
    }
}

/// One learning curve chart: `metric` against `axis`, one banded line per group.
pub fn curve_chart(groups: &[RunGroup], metric: Metric, axis: XAxis) -> Chart {
    let series: Vec<Series> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| Series {
            label: legend(g),
            points: series::curve(g, axis, metric),
            mark: Mark::Band,
            color: i,
        })
        .collect();
    let empty = series.iter().all(|s| s.points.is_empty());
    let title = format!(
        "{} vs {}{}",
        metric.slug(),
        axis.slug(),
        if empty { " (no evaluated rounds)" } else { "" }
    );
    Chart::Lines(LineChart {
        title,
        x_label: axis.label().into(),
        y_label: metric.label().into(),
        series,
    })
}

/// The paper's Figure 4: the devices' mean local test loss against the global iteration, one
/// banded line per group that has checkpoints (`curves.csv`). With a separate-training group,
/// every curve is divided by its final loss and a line marks 1. `None` without checkpoints.
pub fn local_loss_chart(groups: &[RunGroup]) -> Option<Chart> {
    let reference = local::separate_reference(groups);
    let mut series: Vec<Series> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let points = local::local_loss(g);
            Series {
                label: legend(g),
                points: match reference {
                    Some(r) => local::normalise(&points, r),
                    None => points,
                },
                mark: Mark::Band,
                color: i,
            }
        })
        .filter(|s| !s.points.is_empty())
        .collect();
    if series.is_empty() {
        return None;
    }
    let (y_label, title) = match reference {
        Some(_) => (
            "local test loss / separate-training loss at convergence",
            "local-model loss vs iteration, normalised by separate training",
        ),
        None => (
            "local test loss (NLL per example, mean over devices)",
            "local-model loss vs iteration",
        ),
    };
    if reference.is_some() {
        let xs = series.iter().flat_map(|s| s.points.iter().map(|p| p.x));
        let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
        let unit = |x| series::Point {
            x,
            y: 1.0,
            y_std: 0.0,
            x_std: 0.0,
            n: 1,
        };
        series.push(Series {
            label: "separate training at convergence".into(),
            points: vec![unit(lo), unit(hi)],
            mark: Mark::Line,
            color: 7,
        });
    }
    Some(Chart::Lines(LineChart {
        title: title.into(),
        x_label: XAxis::Iteration.label().into(),
        y_label: y_label.into(),
        series,
    }))
}

/// Final accuracy against `fl.tau`, one line with std whiskers per set of groups that differ
/// only in tau. `None` when no two groups do.
pub fn tau_chart(groups: &[RunGroup]) -> Option<Chart> {
    let lines = tau::accuracy_by_tau(groups);
    if lines.is_empty() {
        return None;
    }
    let mut series = Vec::new();
    for (i, (line, points)) in lines.into_iter().enumerate() {
        series.push(Series {
            label: String::new(),
            points: points.clone(),
            mark: Mark::Line,
            color: i,
        });
        series.push(Series {
            label: line,
            points,
            mark: Mark::ErrorBars,
            color: i,
        });
    }
    Some(Chart::Lines(LineChart {
        title: "final accuracy vs communication period tau".into(),
        x_label: "tau [global iterations between uploads]".into(),
        y_label: "final test accuracy".into(),
        series,
    }))
}

/// The family of a group: the subfolder before `/` when read from a parent of sweeps (each
/// sweep is one family), else the group itself.
fn family(point: &str) -> &str {
    point.split_once('/').map_or(point, |(family, _)| family)
}

/// Final accuracy against total uplink: every run as a dot, every group's mean with std whiskers.
/// Groups from one sweep of a parent folder share a colour and a legend entry, and their means
/// are joined by a line in uplink order.
pub fn budget_chart(groups: &[RunGroup]) -> Chart {
    let mut families: Vec<&str> = Vec::new();
    let mut all = Vec::new();
    let mut lines: Vec<Vec<series::Point>> = Vec::new();
    for g in groups {
        let f = family(&g.point);
        let nested = f.len() < g.point.len();
        let color = match families.iter().position(|&x| x == f) {
            Some(i) if nested => i,
            _ => {
                families.push(f);
                lines.push(Vec::new());
                families.len() - 1
            }
        };
        let first = lines[color].is_empty();
        let (runs, mean) = series::budget(g);
        all.push(Series {
            label: String::new(),
            points: runs,
            mark: Mark::Dots,
            color,
        });
        lines[color].extend(mean);
        all.push(Series {
            label: match (nested, first) {
                (false, _) => legend(g),
                (true, true) => f.to_string(),
                (true, false) => String::new(),
            },
            points: mean.into_iter().collect(),
            mark: Mark::ErrorBars,
            color,
        });
    }
    for (color, mut points) in lines.into_iter().enumerate() {
        if points.len() > 1 {
            points.sort_by(|a, b| a.x.total_cmp(&b.x));
            all.push(Series {
                label: String::new(),
                points,
                mark: Mark::Line,
                color,
            });
        }
    }
    Chart::Lines(LineChart {
        title: "final accuracy vs uplink budget".into(),
        x_label: "total uplink [MB]".into(),
        y_label: "final test accuracy".into(),
        series: all,
    })
}

/// Participation and losses per round of one group (means over its trials).
pub fn participation_chart(group: &RunGroup) -> Chart {
    let series = Count::ALL
        .iter()
        .enumerate()
        .map(|(i, &c)| Series {
            label: c.label().into(),
            points: series::per_round(group, c),
            mark: Mark::Line,
            color: i,
        })
        .collect();
    Chart::Lines(LineChart {
        title: format!("participation and losses per round: {}", legend(group)),
        x_label: "round".into(),
        y_label: "messages or devices per round".into(),
        series,
    })
}

/// Per-device energy of one group, stacked: radio transmit, radio receive, compute.
pub fn energy_chart(group: &RunGroup) -> Chart {
    let devices = series::energy(group);
    let layer = |f: fn(&series::DeviceEnergy) -> f64| devices.iter().map(f).collect::<Vec<f64>>();
    Chart::Bars(StackedBars {
        title: format!("energy per device: {}", legend(group)),
        x_label: "device".into(),
        y_label: "energy [J]".into(),
        categories: devices.iter().map(|d| d.device.to_string()).collect(),
        layers: vec![
            ("radio tx".into(), layer(|d| d.tx_j)),
            ("radio rx".into(), layer(|d| d.rx_j)),
            ("compute".into(), layer(|d| d.compute_j)),
        ],
    })
}

/// Every chart of the report, with its file stem, in report order.
pub fn charts(groups: &[RunGroup]) -> Vec<(String, Chart)> {
    let mut out = Vec::new();
    for metric in Metric::ALL {
        for axis in XAxis::ALL {
            let name = format!("{}-{}", metric.slug(), axis.slug());
            out.push((name, curve_chart(groups, metric, axis)));
        }
    }
    if let Some(chart) = local_loss_chart(groups) {
        out.push(("local-loss-iteration".into(), chart));
    }
    out.push(("accuracy-budget".into(), budget_chart(groups)));
    if let Some(chart) = tau_chart(groups) {
        out.push(("accuracy-tau".into(), chart));
    }
    for (i, g) in groups.iter().enumerate() {
        let point = slug(&g.point);
        out.push((format!("participation-{i}-{point}"), participation_chart(g)));
    }
    for (i, g) in groups.iter().enumerate() {
        let point = slug(&g.point);
        out.push((format!("energy-{i}-{point}"), energy_chart(g)));
    }
    out
}

/// Writes every chart as SVG and PNG into `dir` (created if needed). A `dir` that is a symbolic
/// link (or not a folder) is refused, never written through.
pub fn write_plots(groups: &[RunGroup], dir: &Path) -> Result<Vec<PlotFile>, ReportError> {
    match fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() || !m.is_dir() => {
            return Err(ReportError::Destination {
                path: dir.to_path_buf(),
                why: "is a symbolic link or not a folder; flsnn does not write plots through it \
                      (remove it to let report recreate it)"
                    .into(),
            })
        }
        _ => {}
    }
    fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    charts(groups)
        .iter()
        .map(|(name, chart)| chart.write(dir, name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture::{check_png, check_svg, write_run};
    use crate::report::load::read_results;

    #[test]
    fn every_plot_is_written_as_valid_svg_and_png() {
        let tmp = tempfile::tempdir().expect("tempdir");
        for (point, tau) in [("tau2", 2), ("tau10", 10)] {
            for trial in 0..3 {
                let run = tmp.path().join("runs").join(format!("{point}-t{trial}"));
                write_run(&run, point, trial, tau, 12);
            }
        }
        let groups = read_results(tmp.path()).expect("sweep folder");
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].point, "tau2");
        assert_eq!(groups[1].runs.len(), 3);
        let out = tmp.path().join("plots");
        let plots = write_plots(&groups, &out).expect("plots");
        // 6 curves, the budget plot, then participation and energy per point.
        assert_eq!(plots.len(), 6 + 1 + 2 * 2);
        for p in &plots {
            let svg = std::fs::read_to_string(&p.svg_path).expect("svg file");
            assert_eq!(svg, p.svg);
            let elements = check_svg(&svg).unwrap_or_else(|e| panic!("{}: {e}", p.name));
            assert!(elements > 20, "{}: only {elements} elements", p.name);
            assert!(svg.contains("<text"), "{}: no text", p.name);
            let png = std::fs::read(&p.png_path).expect("png file");
            let (w, h, distinct) = check_png(&png).unwrap_or_else(|e| panic!("{}: {e}", p.name));
            assert_eq!((w, h), crate::report::chart::SIZE);
            assert!(distinct > 16, "{}: {distinct} distinct bytes", p.name);
        }
        let leftovers = std::fs::read_dir(&out)
            .expect("list")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .count();
        assert_eq!(leftovers, 0, "temporary files left behind");
    }

    #[test]
    fn curves_carry_std_bands_over_trials() {
        let tmp = tempfile::tempdir().expect("tempdir");
        for trial in 0..3 {
            write_run(
                &tmp.path().join(format!("runs/p-t{trial}")),
                "p",
                trial,
                4,
                8,
            );
        }
        let groups = read_results(tmp.path()).expect("sweep folder");
        let Chart::Lines(chart) = curve_chart(&groups, Metric::Accuracy, XAxis::Iteration) else {
            panic!("a line chart");
        };
        let s = &chart.series[0];
        assert_eq!(s.mark, Mark::Band);
        assert_eq!(s.label, "p (3 trials)");
        assert_eq!(s.points.len(), 4, "only the evaluated rounds");
        assert!(s.points.iter().all(|p| p.y_std > 0.0 && p.n == 3));
        // A band is a filled polygon: the SVG has one per series with spread.
        let svg = Chart::Lines(chart).to_svg().expect("svg");
        assert!(svg.contains("<polygon"), "band drawn");
    }

    #[test]
    fn local_loss_is_normalised_by_separate_training_with_a_line_at_one() {
        use crate::report::fixture::write_curves;
        use crate::scenario::raw::RawFlMode;
        let tmp = tempfile::tempdir().expect("tempdir");
        for (point, mode, floor) in [
            ("sync", RawFlMode::Sync, 10.0),
            ("separate", RawFlMode::Separate, 20.0),
        ] {
            for trial in 0..2 {
                let run = tmp.path().join(format!("runs/{point}-t{trial}"));
                write_run(&run, point, trial, 8, 6);
                write_curves(&run, mode, trial, floor);
            }
        }
        let groups = read_results(tmp.path()).expect("sweep folder");
        let Some(Chart::Lines(chart)) = local_loss_chart(&groups) else {
            panic!("a line chart from curves.csv");
        };
        assert!(chart.title.contains("normalised"), "{}", chart.title);
        assert_eq!(chart.series.len(), 3, "two groups and the unit line");
        let separate = &chart.series[0];
        assert_eq!(separate.label, "separate (2 trials)");
        let last = separate.points.last().expect("points");
        assert!(
            (last.y - 1.0).abs() < 1e-12,
            "separate ends at 1: {}",
            last.y
        );
        // Separate ends at 20 + 4 + 0.5 + 0.5 = 25; sync at 15.
        let sync_last = chart.series[1].points.last().expect("points");
        assert!((sync_last.y - 15.0 / 25.0).abs() < 1e-12, "{}", sync_last.y);
        assert!(chart.series[1]
            .points
            .iter()
            .all(|p| p.y_std > 0.0 && p.n == 2));
        let unit = &chart.series[2];
        assert_eq!(unit.points.len(), 2);
        assert!(unit.points.iter().all(|p| p.y == 1.0));
        assert_eq!((unit.points[0].x, unit.points[1].x), (40.0, 400.0));
        let plots = write_plots(&groups, &tmp.path().join("plots")).expect("plots");
        assert_eq!(
            plots.len(),
            6 + 1 + 1 + 2 * 2,
            "the local-loss chart is added"
        );
        let svg = &plots[6].svg;
        assert_eq!(plots[6].name, "local-loss-iteration");
        check_svg(svg).expect("valid svg");
        assert!(svg.contains("<polygon"), "std bands drawn");
    }

    #[test]
    fn accuracy_against_tau_joins_points_that_differ_only_in_tau() {
        let tmp = tempfile::tempdir().expect("tempdir");
        for (i, tau) in [4u64, 8, 16].into_iter().enumerate() {
            for trial in 0..2 {
                let run = tmp.path().join(format!("runs/p{i}-fl.tau={tau}-t{trial}"));
                write_run(&run, "p", trial, tau, 6);
            }
        }
        let groups = read_results(tmp.path()).expect("sweep folder");
        let Some(chart) = tau_chart(&groups) else {
            panic!("a tau chart");
        };
        let Chart::Lines(lines) = &chart else {
            panic!("a line chart");
        };
        assert_eq!(lines.series.len(), 2, "a line and its error bars");
        let xs: Vec<f64> = lines.series[1].points.iter().map(|p| p.x).collect();
        assert_eq!(xs, [4.0, 8.0, 16.0]);
        check_svg(&chart.to_svg().expect("svg")).expect("valid svg");
        assert!(tau_chart(&groups[..1]).is_none(), "one point is no line");
    }

    #[test]
    fn no_curves_no_local_loss_chart() {
        let tmp = tempfile::tempdir().expect("tempdir");
        write_run(&tmp.path().join("runs/p-t0"), "p", 0, 4, 8);
        let groups = read_results(tmp.path()).expect("sweep folder");
        assert!(local_loss_chart(&groups).is_none());
    }

    #[test]
    fn budget_colours_and_joins_the_points_of_one_sweep() {
        let tmp = tempfile::tempdir().expect("tempdir");
        for sweep in ["full", "top-k"] {
            for (i, tau) in [4u64, 8].into_iter().enumerate() {
                let run = tmp
                    .path()
                    .join(format!("{sweep}/runs/p{i}-fl.tau={tau}-t0"));
                write_run(&run, "p", 0, tau, 6);
            }
        }
        let groups = read_results(tmp.path()).expect("parent folder");
        let Chart::Lines(chart) = budget_chart(&groups) else {
            panic!("a line chart");
        };
        let legends: Vec<&str> = chart
            .series
            .iter()
            .map(|s| s.label.as_str())
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(legends, ["full", "top-k"], "one legend entry per sweep");
        let joined: Vec<&Series> = chart
            .series
            .iter()
            .filter(|s| s.mark == Mark::Line)
            .collect();
        assert_eq!(joined.len(), 2);
        assert_eq!(joined[1].color, 1);
        assert!(joined.iter().all(|s| s.points.len() == 2));
    }

    #[test]
    fn slugs_are_file_safe() {
        assert_eq!(slug("fl.tau=8,rate=0.25"), "fl.tau_8_rate_0.25");
        assert_eq!(slug("a/b c"), "a_b_c");
    }
}
