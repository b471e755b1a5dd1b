//! The report's plots: learning curves (loss and accuracy against global iteration, virtual time
//! and cumulative uplink, with std bands over trials), the local-model loss of Figure 4 on both
//! measures, accuracy against budget and against tau, participation and losses per round, and
//! per-device energy (a distribution per device class past [`MAX_BARS`] devices). Each is
//! written as SVG and PNG.
//!
//! Axis choices: an x axis is logarithmic when its values span more than a decade (Figure 4 keeps
//! the paper's linear local-step axis); accuracy axes stop at 1. Every group keeps its colour
//! (its index) in every chart; reference lines are dark grey.

use super::chart::{Chart, LineChart, Mark, PlotFile, Series, StackedBars, REFERENCE};
use super::labels::{band_note, legend_labels, point_label};
use super::load::RunGroup;
use super::local::{self, Measure, Normalisation};
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

/// Past this many devices, per-device charts show distributions instead of one bar per device.
pub const MAX_BARS: usize = 40;

/// A single group's name for chart titles.
fn legend(group: &RunGroup) -> String {
    point_label(&group.point)
}

/// Separate training is drawn dashed, so that a curve that coincides with it (tau = T at the
/// paper's time scale) stays visible.
fn baseline_mark(group: &RunGroup) -> Mark {
    match local::is_separate(group) {
        true => Mark::DashedBand,
        false => Mark::Band,
    }
}

/// One learning curve chart: `metric` against `axis`, one banded line per group.
pub fn curve_chart(groups: &[RunGroup], metric: Metric, axis: XAxis) -> Chart {
    let labels = legend_labels(groups);
    let series: Vec<Series> = groups
        .iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (g, label))| Series {
            label,
            points: series::curve(g, axis, metric),
            mark: baseline_mark(g),
            color: i,
        })
        .collect();
    let empty = series.iter().all(|s| s.points.is_empty());
    let title = format!(
        "{} vs {}{}",
        metric.slug(),
        axis.slug(),
        if empty {
            " (no evaluated rounds)".to_string()
        } else {
            band_note(groups)
        }
    );
    let chart = LineChart::new(title, axis.label(), metric.label(), series).fit_x();
    Chart::Lines(match metric {
        Metric::Accuracy => chart.capped(1.0),
        Metric::Loss => chart,
    })
}

/// The paper's Figure 4 on one loss measure: the devices' mean local test loss against the local
/// step, one banded line per group that has checkpoints (`curves.csv`), divided as
/// `normalisation` says; with [`Normalisation::Separate`] a line marks 1. `None` without
/// checkpoints on that measure, or without a separate-training group when one is needed.
pub fn local_loss_chart(
    groups: &[RunGroup],
    measure: Measure,
    normalisation: Normalisation,
) -> Option<Chart> {
    let reference = local::separate_reference(groups, measure);
    let labels = legend_labels(groups);
    let mut series: Vec<Series> = groups
        .iter()
        .zip(labels)
        .enumerate()
        .filter_map(|(i, (g, label))| {
            let points = local::local_loss(g, measure);
            Some(Series {
                label,
                points: local::normalised(&points, normalisation, reference)?,
                mark: baseline_mark(g),
                color: i,
            })
        })
        .filter(|s| !s.points.is_empty())
        .collect();
    if series.is_empty() {
        return None;
    }
    let y_label = match normalisation {
        Normalisation::Separate => format!(
            "local loss / separate training's at convergence ({})",
            measure.slug()
        ),
        Normalisation::Initial => format!("local loss / its first checkpoint ({})", measure.slug()),
        Normalisation::Raw => format!("local loss: {} [nats]", measure.label()),
    };
    let title = format!(
        "local-model loss ({}) vs local step{}",
        match measure {
            Measure::TeacherForced => "teacher-forced NLL",
            Measure::Sampled => "own samples, original code",
        },
        band_note(groups)
    );
    if normalisation == Normalisation::Separate {
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
            color: REFERENCE,
        });
    }
    Some(Chart::Lines(LineChart::new(
        title,
        "local step t (global iteration = t / Delta_s)",
        &y_label,
        series,
    )))
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
        let name = line.rsplit('/').next().unwrap_or(&line);
        series.push(Series {
            label: match name {
                "-" => "final accuracy".to_string(),
                _ => point_label(&line.replace('/', "-")),
            },
            points,
            mark: Mark::ErrorBars,
            color: i,
        });
    }
    let title = format!(
        "final accuracy vs communication period tau{}",
        band_note(groups).replace("bands", "whiskers")
    );
    let chart = LineChart::new(
        title,
        "tau [global iterations between uploads]",
        "final test accuracy",
        series,
    );
    Some(Chart::Lines(chart.fit_x().capped(1.0)))
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
    let title = format!(
        "final accuracy vs uplink budget{}",
        band_note(groups).replace("bands", "whiskers")
    );
    let chart = LineChart::new(title, "total uplink [MB]", "final test accuracy", all);
    Chart::Lines(chart.fit_x().capped(1.0))
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
    Chart::Lines(LineChart::new(
        format!("participation and losses per round: {}", legend(group)),
        "round",
        "messages or devices per round",
        series,
    ))
}

/// Per-device energy of one group: stacked bars (radio transmit, radio receive, compute) for up
/// to [`MAX_BARS`] devices, else the distribution of each device's total energy, one cumulative
/// curve per device class.
pub fn energy_chart(group: &RunGroup) -> Chart {
    let devices = series::energy(group);
    if devices.len() > MAX_BARS {
        return energy_distribution(group, &devices);
    }
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

/// The share of devices whose total energy is at most x, one curve per device class.
fn energy_distribution(group: &RunGroup, devices: &[series::DeviceEnergy]) -> Chart {
    let class_of = |id: u32| {
        group
            .runs
            .first()
            .and_then(|r| r.devices.iter().find(|d| d.device == id))
            .map_or_else(String::new, |d| d.class.clone())
    };
    let mut classes: Vec<(String, Vec<f64>)> = Vec::new();
    for d in devices {
        let class = class_of(d.device);
        let total = d.tx_j + d.rx_j + d.compute_j;
        match classes.iter_mut().find(|(c, _)| *c == class) {
            Some((_, totals)) => totals.push(total),
            None => classes.push((class, vec![total])),
        }
    }
    let series = classes
        .into_iter()
        .enumerate()
        .map(|(i, (class, mut totals))| {
            totals.sort_by(f64::total_cmp);
            let n = totals.len() as f64;
            let points = totals
                .iter()
                .enumerate()
                .map(|(k, &x)| series::Point {
                    x,
                    y: (k + 1) as f64 / n,
                    y_std: 0.0,
                    x_std: 0.0,
                    n: 1,
                })
                .collect();
            Series {
                label: format!(
                    "{} ({} devices)",
                    if class.is_empty() { "devices" } else { &class },
                    totals.len()
                ),
                points,
                mark: Mark::Line,
                color: i,
            }
        })
        .collect();
    let chart = LineChart::new(
        format!("energy per device, distribution: {}", legend(group)),
        "total energy of a device [J]",
        "share of devices with at most this energy",
        series,
    );
    Chart::Lines(chart.fit_x().capped(1.0))
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
    for measure in Measure::ALL {
        for normalisation in Normalisation::ALL {
            if let Some(chart) = local_loss_chart(groups, measure, normalisation) {
                let name = format!("local-{}-{}", measure.slug(), normalisation.slug());
                out.push((name, chart));
            }
        }
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
        assert_eq!(plots.len(), 8 + 1 + 2 * 2);
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
        assert_eq!(s.label, "p");
        assert!(chart.title.contains("std over 3 trials"), "{}", chart.title);
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
        let nll = Measure::TeacherForced;
        let Some(Chart::Lines(chart)) = local_loss_chart(&groups, nll, Normalisation::Separate)
        else {
            panic!("a line chart from curves.csv");
        };
        assert!(chart.y_label.contains("separate"), "{}", chart.y_label);
        assert_eq!(chart.series.len(), 3, "two groups and the unit line");
        let separate = &chart.series[0];
        assert_eq!(separate.label, "separate");
        assert_eq!(separate.mark, Mark::DashedBand, "the baseline is dashed");
        assert_eq!(chart.series[1].mark, Mark::Band);
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
        assert_eq!(
            unit.color, REFERENCE,
            "the reference line takes no group's colour"
        );
        assert_eq!(unit.points.len(), 2);
        assert!(unit.points.iter().all(|p| p.y == 1.0));
        assert_eq!((unit.points[0].x, unit.points[1].x), (40.0, 400.0));
        // The sampled measure, per example: separate ends at 200 x (10 + 2 + 0.5) / 200 = 12.5.
        let sampled = Measure::Sampled;
        let Some(Chart::Lines(raw)) = local_loss_chart(&groups, sampled, Normalisation::Raw) else {
            panic!("the sampled measure is plotted");
        };
        assert_eq!(raw.series.len(), 2, "no unit line without normalisation");
        let sep_last = raw.series[0].points.last().expect("points").y;
        assert!((sep_last - 12.5).abs() < 1e-12, "{sep_last}");
        let plots = write_plots(&groups, &tmp.path().join("plots")).expect("plots");
        let names: Vec<&str> = plots.iter().map(|p| p.name.as_str()).collect();
        for measure in ["nll", "sampled"] {
            for norm in ["separate", "initial", "raw"] {
                let name = format!("local-{measure}-{norm}");
                assert!(names.contains(&name.as_str()), "{name} in {names:?}");
            }
        }
        assert_eq!(plots.len(), 8 + 6 + 1 + 2 * 2, "six local-loss charts");
        let svg = &plots[8].svg;
        assert_eq!(plots[8].name, "local-nll-separate");
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
        for measure in Measure::ALL {
            for normalisation in Normalisation::ALL {
                assert!(local_loss_chart(&groups, measure, normalisation).is_none());
            }
        }
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

    /// The axis choices of the issue "figures a researcher trusts", read from the chart data.
    #[test]
    fn axis_choices_follow_the_data() {
        use crate::report::chart::Scale;
        use crate::report::fixture::write_curves;
        let tmp = tempfile::tempdir().expect("tempdir");
        for (i, tau) in [1u64, 8, 400].into_iter().enumerate() {
            for trial in 0..3 {
                let run = tmp.path().join(format!("runs/p{i}-fl.tau={tau}-t{trial}"));
                write_run(&run, "p", trial, tau, 12);
                write_curves(&run, crate::scenario::raw::RawFlMode::Sync, trial, 10.0);
            }
        }
        let groups = read_results(tmp.path()).expect("sweep folder");
        let lines = |chart: Chart| match chart {
            Chart::Lines(c) => c,
            Chart::Bars(_) => panic!("a line chart"),
        };
        // Global iterations run from 2 (tau = 1) to 4800 (tau = 400): decades, so log. Virtual
        // time runs from 2 ms to 12 ms: less than a decade, so linear.
        let iteration = lines(curve_chart(&groups, Metric::Accuracy, XAxis::Iteration));
        assert_eq!(iteration.x_scale, Scale::Log);
        let time = lines(curve_chart(&groups, Metric::Loss, XAxis::VirtualTime));
        assert_eq!(time.x_scale, Scale::Linear);
        // Accuracy axes stop at 1; loss axes do not.
        assert_eq!(iteration.y_max, Some(1.0));
        assert!(iteration.y_range().1 <= 1.0);
        assert_eq!(time.y_max, None);
        // Legends read as settings, one colour per group in every chart, bands named.
        let labels: Vec<&str> = iteration.series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["tau = 1", "tau = 8", "tau = 400"]);
        assert!(
            iteration.title.contains("std over 3 trials"),
            "{}",
            iteration.title
        );
        let local = lines(
            local_loss_chart(&groups, Measure::TeacherForced, Normalisation::Initial)
                .expect("curves"),
        );
        let colours = |c: &LineChart| c.series.iter().map(|s| s.color).collect::<Vec<_>>();
        assert_eq!(colours(&local), colours(&iteration));
        assert_eq!(
            local.x_scale,
            Scale::Linear,
            "Figure 4 keeps the paper's axis"
        );
        // Accuracy against tau 1..400: a log tau axis, capped, with a legend that says what it is.
        let tau = lines(tau_chart(&groups).expect("a tau line"));
        assert_eq!(tau.x_scale, Scale::Log);
        assert_eq!(tau.y_max, Some(1.0));
        let legend: Vec<&str> = tau
            .series
            .iter()
            .map(|s| s.label.as_str())
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(legend, ["final accuracy"]);
    }

    #[test]
    fn many_devices_are_shown_as_a_distribution_per_class() {
        use crate::report::chart::Scale;
        use crate::report::load::{DeviceRow, RunData};
        let devices = |n: u32| -> Vec<DeviceRow> {
            (0..n)
                .map(|d| DeviceRow {
                    device: d,
                    class: if d % 4 == 0 { "wearable" } else { "phone" }.into(),
                    energy_tx_j: 1.0 + d as f64,
                    ..DeviceRow::default()
                })
                .collect()
        };
        let group = |n: u32| RunGroup {
            point: "p0-fl.devices=N".into(),
            runs: vec![RunData {
                name: "p0-t0".into(),
                dir: "p0-t0".into(),
                manifest: crate::report::fixture::manifest("p0", 0, 8, None),
                summary: crate::report::fixture::summary("p0", 0, 1, f64::NAN, f64::NAN),
                rounds: Vec::new(),
                devices: devices(n),
                curves: Vec::new(),
            }],
        };
        assert!(matches!(
            energy_chart(&group(MAX_BARS as u32)),
            Chart::Bars(_)
        ));
        let Chart::Lines(cdf) = energy_chart(&group(100)) else {
            panic!("a distribution past {MAX_BARS} devices");
        };
        let labels: Vec<&str> = cdf.series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["wearable (25 devices)", "phone (75 devices)"]);
        for s in &cdf.series {
            assert!(s
                .points
                .windows(2)
                .all(|w| w[0].x <= w[1].x && w[0].y < w[1].y));
            assert_eq!(s.points.last().map(|p| p.y), Some(1.0));
        }
        assert_eq!(cdf.x_scale, Scale::Log, "1 J to 100 J");
        check_svg(&Chart::Lines(cdf).to_svg().expect("svg")).expect("valid svg");
    }
}
