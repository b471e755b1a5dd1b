//! Final accuracy against the communication period `fl.tau`: groups that differ only in tau
//! (their point names equal once the sweep index `pNN-` and `fl.tau=N` are removed) form one
//! line, e.g. one per aggregation variant of a fixed-rate sweep.

use super::load::RunGroup;
use super::series::{final_accuracy, mean_std, Point};
use std::collections::BTreeMap;

/// `fl.tau` of the group's first run, from its manifest [global iterations].
pub fn tau_of(group: &RunGroup) -> Option<u64> {
    group.runs.first()?.manifest.tau()
}

/// A point name without its sweep index (`p03-`) and its `fl.tau=N` value; what is left names
/// the line the group belongs to (`-` when nothing is left).
pub fn line_of(point: &str) -> String {
    let mut parts: Vec<&str> = point.split('/').collect();
    let last = parts.pop().unwrap_or_default();
    let body = match last.split_once('-') {
        Some((index, rest))
            if index.len() > 1
                && index.starts_with('p')
                && index[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            rest
        }
        _ => last,
    };
    let mut kept = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        match rest.find("fl.tau=") {
            Some(at) => {
                kept.push(&rest[..at]);
                let value = &rest[at + "fl.tau=".len()..];
                let digits = value.bytes().take_while(u8::is_ascii_digit).count();
                rest = &value[digits..];
            }
            None => {
                kept.push(rest);
                rest = "";
            }
        }
    }
    let body = kept
        .concat()
        .trim_matches(|c| c == '-' || c == ' ')
        .to_string();
    parts.push(if body.is_empty() { "-" } else { &body });
    parts.join("/")
}

/// Lines of (tau, final accuracy mean and std over trials), in tau order, keyed by
/// [`line_of`]. Only lines with two or more tau values are kept; groups without a recorded tau
/// or final accuracy are left out.
pub fn accuracy_by_tau(groups: &[RunGroup]) -> BTreeMap<String, Vec<Point>> {
    let mut lines: BTreeMap<String, BTreeMap<u64, Point>> = BTreeMap::new();
    for group in groups {
        let Some(tau) = tau_of(group) else { continue };
        let accuracies: Vec<f64> = group
            .runs
            .iter()
            .map(final_accuracy)
            .filter(|a| a.is_finite())
            .collect();
        if accuracies.is_empty() {
            continue;
        }
        let (y, y_std) = mean_std(&accuracies);
        let point = Point {
            x: tau as f64,
            y,
            y_std,
            x_std: 0.0,
            n: accuracies.len(),
        };
        lines
            .entry(line_of(&group.point))
            .or_default()
            .insert(tau, point);
    }
    lines
        .into_iter()
        .filter(|(_, points)| points.len() >= 2)
        .map(|(line, points)| (line, points.into_values().collect()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::load::RunData;

    fn group(point: &str, tau: u64, accuracies: &[f64]) -> RunGroup {
        let runs = accuracies
            .iter()
            .map(|&a| RunData {
                name: point.into(),
                dir: point.into(),
                manifest: crate::report::fixture::manifest(point, 1, tau, None),
                summary: crate::report::fixture::summary(point, 1, 1, a, f64::NAN),
                rounds: Vec::new(),
                devices: Vec::new(),
                curves: Vec::new(),
            })
            .collect();
        RunGroup {
            point: point.into(),
            runs,
        }
    }

    #[test]
    fn line_names_drop_the_index_and_tau() {
        assert_eq!(
            line_of("p3-compression.aggregation=original-fl.tau=32"),
            "compression.aggregation=original"
        );
        assert_eq!(line_of("fl/p10-fl.tau=400"), "fl/-");
        assert_eq!(line_of("fl.tau=8-data.gain=0.1"), "data.gain=0.1");
        assert_eq!(line_of("tau8"), "tau8");
    }

    #[test]
    fn groups_differing_only_in_tau_form_one_line() {
        let groups = [
            group("p0-agg=original-fl.tau=16", 16, &[0.8, 0.9]),
            group("p1-agg=original-fl.tau=4", 4, &[0.9, 0.9]),
            group("p2-agg=keep-local-fl.tau=4", 4, &[0.7]),
            group("p3-agg=keep-local-fl.tau=16", 16, &[0.6, f64::NAN]),
            group("p4-alone-fl.tau=8", 8, &[0.5]),
        ];
        let lines = accuracy_by_tau(&groups);
        let names: Vec<&str> = lines.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["agg=keep-local", "agg=original"],
            "single points dropped"
        );
        let original = &lines["agg=original"];
        assert_eq!(
            original.iter().map(|p| p.x).collect::<Vec<_>>(),
            [4.0, 16.0]
        );
        assert!((original[1].y - 0.85).abs() < 1e-12);
        assert!(original[1].y_std > 0.0 && original[1].n == 2);
        assert_eq!(lines["agg=keep-local"][1].n, 1, "NaN accuracy left out");
    }
}
