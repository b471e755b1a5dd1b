//! The report's plots: learning curves (loss and accuracy against global iteration, virtual time
//! and cumulative uplink, with std bands over trials), accuracy against budget, participation and
//! losses per round, and per-device energy. Each is written as SVG and PNG.

use super::chart::{Chart, LineChart, Mark, PlotFile, Series, StackedBars};
use super::load::RunGroup;
use super::series::{self, Count, Metric, XAxis};
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

/// Final accuracy against total uplink: every run as a dot, every group's mean with std whiskers.
pub fn budget_chart(groups: &[RunGroup]) -> Chart {
    let mut all = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        let (runs, mean) = series::budget(g);
        all.push(Series {
            label: String::new(),
            points: runs,
            mark: Mark::Dots,
            color: i,
        });
        all.push(Series {
            label: legend(g),
            points: mean.into_iter().collect(),
            mark: Mark::ErrorBars,
            color: i,
        });
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
    out.push(("accuracy-budget".into(), budget_chart(groups)));
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

/// Writes every chart as SVG and PNG into `dir` (created if needed).
pub fn write_plots(groups: &[RunGroup], dir: &Path) -> Result<Vec<PlotFile>, ReportError> {
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
    fn slugs_are_file_safe() {
        assert_eq!(slug("fl.tau=8,rate=0.25"), "fl.tau_8_rate_0.25");
        assert_eq!(slug("a/b c"), "a_b_c");
    }
}
