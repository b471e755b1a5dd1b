//! `report.html`: one self-contained page (inline CSS and SVG, no scripts, no external resources)
//! with the scenario, summary tables and every plot. It opens from a file:// URL with no network.

use super::chart::PlotFile;
use super::load::{read_results, RunData, RunGroup};
use super::plots::write_plots;
use super::series::{final_accuracy, mean_std, total_uplink};
use super::ReportError;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What `flsnn report` wrote.
#[derive(Clone, Debug)]
pub struct ReportOutcome {
    /// The page.
    pub html: PathBuf,
    /// The plots (SVG and PNG each), in page order.
    pub plots: Vec<PlotFile>,
    /// Runs read.
    pub runs: usize,
    /// Grid points (groups of trials).
    pub points: usize,
}

const STYLE: &str = "body{font-family:sans-serif;margin:2em auto;max-width:1100px;color:#222}\
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}\
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}\
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:right}\
th{background:#f3f3f3}td.k,th.k{text-align:left}\
figure{margin:1.2em 0;display:inline-block;max-width:100%}\
figure svg{max-width:100%;height:auto;border:1px solid #eee}\
figcaption{font-size:.9em;color:#555}div.wide{overflow-x:auto}pre{background:#f7f7f7;padding:.6em;overflow:auto}";

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn num(v: f64, digits: usize) -> String {
    if v.is_finite() {
        format!("{v:.digits$}")
    } else {
        "&ndash;".into()
    }
}

fn mean_pm_std(values: &[f64], digits: usize) -> String {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let (m, s) = mean_std(&finite);
    if finite.len() > 1 {
        format!("{} &plusmn; {}", num(m, digits), num(s, digits))
    } else {
        num(m, digits)
    }
}

/// Flattens JSON into `a.b.c = value` rows.
fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

fn scenario_of(run: &RunData) -> BTreeMap<String, String> {
    let mut rows = BTreeMap::new();
    let scenario = serde_json::to_value(&run.manifest.scenario).unwrap_or(Value::Null);
    flatten("", &scenario, &mut rows);
    rows
}

fn scenario_section(page: &mut String, groups: &[RunGroup]) {
    let runs: Vec<&RunData> = groups.iter().flat_map(|g| &g.runs).collect();
    let tables: Vec<BTreeMap<String, String>> = runs.iter().map(|r| scenario_of(r)).collect();
    let Some(first) = tables.first() else { return };
    let varying: Vec<&String> = first
        .keys()
        .filter(|k| k.as_str() != "seed" && tables.iter().any(|t| t.get(*k) != first.get(*k)))
        .collect();
    page.push_str("<h2>Scenario</h2>\n");
    if !varying.is_empty() {
        page.push_str(
            "<p>Keys that differ between points:</p>\n<table><tr><th class=\"k\">point</th>",
        );
        for k in &varying {
            let _ = write!(page, "<th>{}</th>", escape(k));
        }
        page.push_str("</tr>\n");
        for g in groups {
            let Some(t) = g.runs.first().map(scenario_of) else {
                continue;
            };
            let _ = write!(page, "<tr><td class=\"k\">{}</td>", escape(&g.point));
            for k in &varying {
                let v = t.get(*k).map_or("", String::as_str);
                let _ = write!(page, "<td>{}</td>", escape(v));
            }
            page.push_str("</tr>\n");
        }
        page.push_str("</table>\n");
    }
    let _ = write!(
        page,
        "<details><summary>Resolved scenario of {} ({} keys)</summary>\n<table>",
        escape(&runs[0].name),
        first.len()
    );
    for (k, v) in first {
        let _ = write!(
            page,
            "<tr><td class=\"k\">{}</td><td class=\"k\">{}</td></tr>",
            escape(k),
            escape(v)
        );
    }
    page.push_str("</table></details>\n");
}

fn points_table(page: &mut String, groups: &[RunGroup]) {
    page.push_str(
        "<h2>Summary per point</h2>\n<table><tr><th class=\"k\">point</th><th>runs</th>\
         <th>final accuracy</th><th>test NLL</th><th>uplink [MB]</th><th>uploads lost</th>\
         <th>energy [J]</th><th>virtual time [s]</th></tr>\n",
    );
    for g in groups {
        let col = |f: &dyn Fn(&RunData) -> f64| g.runs.iter().map(f).collect::<Vec<f64>>();
        let energy = |r: &RunData| r.summary.energy_j.iter().sum::<f64>();
        let _ = writeln!(
            page,
            "<tr><td class=\"k\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td></tr>",
            escape(&g.point),
            g.runs.len(),
            mean_pm_std(&col(&final_accuracy), 4),
            mean_pm_std(&col(&|r| r.summary.test_nll), 3),
            mean_pm_std(&col(&|r| total_uplink(r) as f64 * 1e-6), 3),
            mean_pm_std(&col(&|r| r.summary.uploads[2] as f64), 1),
            mean_pm_std(&col(&energy), 4),
            mean_pm_std(&col(&|r| r.summary.virtual_time_s), 3),
        );
    }
    page.push_str("</table>\n");
}

fn runs_table(page: &mut String, groups: &[RunGroup]) {
    const HEAD: [&str; 18] = [
        "seed",
        "rounds",
        "accuracy",
        "ties",
        "test NLL",
        "uplink [B]",
        "downlink [B]",
        "uploads sent",
        "delivered",
        "lost",
        "late",
        "skipped",
        "broadcasts lost",
        "retransmissions up",
        "retransmissions down",
        "tx [J]",
        "rx [J]",
        "compute [J]",
    ];
    page.push_str("<h2>Runs</h2>\n<div class=\"wide\"><table><tr><th class=\"k\">run</th>");
    for h in HEAD {
        let _ = write!(page, "<th>{h}</th>");
    }
    page.push_str("<th>virtual time [s]</th><th>wall time [s]</th></tr>\n");
    for run in groups.iter().flat_map(|g| &g.runs) {
        let s = &run.summary;
        let count = |n: u64| n.to_string();
        let [sent, delivered, lost, late, skipped] = s.uploads;
        let cells = [
            count(s.seed),
            count(s.rounds as u64),
            num(s.accuracy, 4),
            num(s.tie_rate, 3),
            num(s.test_nll, 3),
            count(s.bytes_up),
            count(s.bytes_down),
            count(sent),
            count(delivered),
            count(lost),
            count(late),
            count(skipped),
            count(s.broadcasts[1]),
            count(s.retransmissions[0]),
            count(s.retransmissions[1]),
            num(s.energy_j[0], 4),
            num(s.energy_j[1], 4),
            num(s.energy_j[2], 6),
            num(s.virtual_time_s, 3),
            num(s.wall_time_s, 2),
        ];
        let _ = write!(page, "<tr><td class=\"k\">{}</td>", escape(&run.name));
        for c in cells {
            let _ = write!(page, "<td>{c}</td>");
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</table></div>\n");
}

/// The SVG element of a plotters document (anything before `<svg` dropped).
fn inline_svg(svg: &str) -> &str {
    svg.find("<svg").map_or(svg, |i| &svg[i..])
}

/// Renders the page for `groups` with `plots` (whose files sit in `plots_rel`, relative to the
/// page).
pub fn render(groups: &[RunGroup], plots: &[PlotFile], plots_rel: &str) -> String {
    let name = groups
        .first()
        .and_then(|g| g.runs.first())
        .and_then(|r| r.manifest.name())
        .unwrap_or("results");
    let runs: usize = groups.iter().map(|g| g.runs.len()).sum();
    let version = groups
        .first()
        .and_then(|g| g.runs.first())
        .map_or("?", |r| r.manifest.flsnn_version.as_str());
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>flsnn report: {n}</title><style>{STYLE}</style></head><body>\n\
         <h1>flsnn report: {n}</h1>\n<p>{runs} run(s) in {points} point(s); flsnn {v}.</p>\n",
        n = escape(name),
        points = groups.len(),
        v = escape(version),
    );
    scenario_section(&mut page, groups);
    points_table(&mut page, groups);
    runs_table(&mut page, groups);
    page.push_str("<h2>Plots</h2>\n");
    for p in plots {
        let _ = writeln!(
            page,
            "<figure id=\"plot-{id}\" class=\"plot\">{svg}<figcaption>{t} \
             (<a href=\"{rel}/{id}.svg\">SVG</a>, <a href=\"{rel}/{id}.png\">PNG</a>)\
             </figcaption></figure>",
            id = escape(&p.name),
            svg = inline_svg(&p.svg),
            t = escape(&p.title),
            rel = escape(plots_rel),
        );
    }
    page.push_str("</body></html>\n");
    page
}

/// `flsnn report DIR`: reads the run or sweep folder `dir`, writes its plots to `dir/plots/` and
/// the page to `dir/report.html` (atomically).
pub fn write_report(dir: &Path) -> Result<ReportOutcome, ReportError> {
    let groups = read_results(dir)?;
    let plots = write_plots(&groups, &dir.join("plots"))?;
    let page = render(&groups, &plots, "plots");
    let html = dir.join("report.html");
    super::files::write_atomic(&html, page.as_bytes())?;
    Ok(ReportOutcome {
        html,
        runs: groups.iter().map(|g| g.runs.len()).sum(),
        points: groups.len(),
        plots,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_inlines_every_plot_and_the_tables() {
        let tmp = tempfile::tempdir().expect("tempdir");
        crate::report::fixture::write_run(tmp.path(), "demo <run>", 3, 5, 10);
        let outcome = write_report(tmp.path()).expect("report");
        assert_eq!((outcome.runs, outcome.points), (1, 1));
        let page = std::fs::read_to_string(&outcome.html).expect("report.html");
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("demo &lt;run&gt;"), "scenario name, escaped");
        assert!(page.contains("fl.tau"), "resolved scenario table");
        assert_eq!(page.matches("<svg").count(), outcome.plots.len());
        for p in &outcome.plots {
            assert!(
                page.contains(&format!("id=\"plot-{}\"", p.name)),
                "{}",
                p.name
            );
            assert!(page.contains(inline_svg(&p.svg)), "{} inlined", p.name);
        }
        for external in ["http://", "https://", "<script", "<link", "src=\""] {
            let hits = page.matches(external).count();
            let svg_ns = page.matches("http://www.w3.org/2000/svg").count();
            let allowed = if external == "http://" { svg_ns } else { 0 };
            assert_eq!(hits, allowed, "{external} in the page");
        }
        let again = std::fs::read_to_string(&outcome.html).expect("report.html");
        write_report(tmp.path()).expect("second report");
        assert_eq!(
            std::fs::read_to_string(&outcome.html).expect("report.html"),
            again
        );
    }

    #[test]
    fn escape_covers_markup_characters() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn flatten_gives_dotted_keys() {
        let mut rows = BTreeMap::new();
        flatten(
            "",
            &serde_json::json!({"fl": {"tau": 8}, "name": "x"}),
            &mut rows,
        );
        assert_eq!(rows.get("fl.tau").map(String::as_str), Some("8"));
        assert_eq!(rows.get("name").map(String::as_str), Some("\"x\""));
    }

    #[test]
    fn inline_svg_drops_the_prolog() {
        assert_eq!(inline_svg("<?xml version=\"1.0\"?>\n<svg a>"), "<svg a>");
    }
}
