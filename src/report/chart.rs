//! Drawing charts with plotters, to an SVG string and a PNG file, with an embedded font (DejaVu
//! Sans, through plotters' `ab_glyph` feature): no system font is looked up.

use super::series::Point;
use super::ReportError;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Width and height of every chart \[px\].
pub const SIZE: (u32, u32) = (800, 480);

/// Colours, cycled by series (the "tab10" palette).
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Palette index of reference lines (drawn in dark grey, never a series' colour).
pub const REFERENCE: usize = usize::MAX;

/// How an axis maps values to positions.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Evenly spaced values.
    Linear,
    /// Evenly spaced decades.
    Log,
}

impl Scale {
    /// Log when the positive values span more than a decade (the largest is more than ten times
    /// the smallest); linear otherwise. A log axis cannot show zero: such points are left out
    /// (separate training on an uplink axis).
    pub fn fit(values: impl Iterator<Item = f64>) -> Scale {
        let (lo, hi) = values
            .filter(|v| v.is_finite() && *v > 0.0)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        match lo > 0.0 && hi > 10.0 * lo {
            true => Scale::Log,
            false => Scale::Linear,
        }
    }
}

/// How a series is drawn.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Mark {
    /// A line through the means.
    Line,
    /// A line through the means over a shaded mean +- std band.
    Band,
    /// A dashed line through the means over a shaded band: a baseline, visible where another
    /// curve coincides with it.
    DashedBand,
    /// Small dots (individual runs).
    Dots,
    /// A large marker at the mean with +- std whiskers in x and y.
    ErrorBars,
}

/// One series of a line chart.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend entry (empty: none).
    pub label: String,
    /// Its points, in x order for lines.
    pub points: Vec<Point>,
    /// How it is drawn.
    pub mark: Mark,
    /// Palette index.
    pub color: usize,
}

/// Series over shared x and y axes.
#[derive(Clone, Debug)]
pub struct LineChart {
    /// Caption.
    pub title: String,
    /// X axis label, with units.
    pub x_label: String,
    /// Y axis label, with units.
    pub y_label: String,
    /// How the x axis maps values ([`Scale::Log`] drops points with x <= 0).
    pub x_scale: Scale,
    /// The y axis never extends past this (1.0 for accuracies).
    pub y_max: Option<f64>,
    /// The series, drawn in order.
    pub series: Vec<Series>,
}

impl LineChart {
    /// A chart of `series` with a linear x axis and no y limit.
    pub fn new(title: String, x_label: &str, y_label: &str, series: Vec<Series>) -> LineChart {
        LineChart {
            title,
            x_label: x_label.into(),
            y_label: y_label.into(),
            x_scale: Scale::Linear,
            y_max: None,
            series,
        }
    }

    /// The same chart with a log x axis when its x values span more than a decade.
    pub fn fit_x(mut self) -> LineChart {
        let xs = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.x));
        self.x_scale = Scale::fit(xs);
        self
    }

    /// The same chart with its y axis stopping at `y_max`.
    pub fn capped(mut self, y_max: f64) -> LineChart {
        self.y_max = Some(y_max);
        self
    }

    /// The y range drawn: the data's mean +- std, padded, with headroom for the legend, stopped
    /// at `y_max` [y units].
    pub fn y_range(&self) -> (f64, f64) {
        let pts = self.series.iter().flat_map(|s| s.points.iter());
        let (y0, y1) = span(pts.flat_map(|p| [p.y - p.y_std, p.y + p.y_std]));
        let rows = self.series.iter().filter(|s| !s.label.is_empty()).count() as f64;
        let y1 = y1 + (y1 - y0) * (0.04 * rows).min(0.3);
        match self.y_max {
            Some(cap) if y1 > cap => (y0.min(cap - 0.1 * (cap - y0).abs().max(1e-9)), cap),
            _ => (y0, y1),
        }
    }

    /// The x range drawn [x units]: padded linearly, or by a factor on a log axis (positive x
    /// only).
    pub fn x_range(&self) -> (f64, f64) {
        let pts = || self.series.iter().flat_map(|s| s.points.iter());
        match self.x_scale {
            Scale::Linear => span(pts().flat_map(|p| [p.x - p.x_std, p.x + p.x_std])),
            Scale::Log => {
                let xs = pts().flat_map(|p| [p.x - p.x_std, p.x + p.x_std]);
                let (lo, hi) = xs
                    .filter(|x| x.is_finite() && *x > 0.0)
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                        (lo.min(x), hi.max(x))
                    });
                match lo <= hi {
                    true => (lo / 1.25, hi * 1.25),
                    false => (0.1, 10.0),
                }
            }
        }
    }
}

/// Bars stacked by layer, one bar per category.
#[derive(Clone, Debug)]
pub struct StackedBars {
    /// Caption.
    pub title: String,
    /// X axis label.
    pub x_label: String,
    /// Y axis label, with units.
    pub y_label: String,
    /// Bar names, left to right.
    pub categories: Vec<String>,
    /// Layers from the bottom up: name and one value per category.
    pub layers: Vec<(String, Vec<f64>)>,
}

/// A chart to draw.
#[derive(Clone, Debug)]
pub enum Chart {
    /// Lines, bands and markers.
    Lines(LineChart),
    /// Stacked bars.
    Bars(StackedBars),
}

/// A chart written to disk.
#[derive(Clone, Debug)]
pub struct PlotFile {
    /// File stem (`loss-iteration`).
    pub name: String,
    /// Caption.
    pub title: String,
    /// The SVG document.
    pub svg: String,
    /// Where the SVG was written.
    pub svg_path: PathBuf,
    /// Where the PNG was written.
    pub png_path: PathBuf,
}

/// Registers DejaVu Sans as plotters' `sans-serif` family (once per process).
fn font_ready() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| {
        let normal = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
        let bold =
            plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
        normal.is_ok() && bold.is_ok()
    })
}

/// Axis tick text: short, whatever the magnitude.
fn tick(v: &f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e5).contains(&a) {
        format!("{v:.1e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A range covering `values`, padded by 5% (and widened when empty or flat).
fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return (0.0, 1.0);
    }
    let width = if hi > lo {
        hi - lo
    } else {
        lo.abs().max(1.0) * 0.1
    };
    (lo - 0.05 * width, hi + 0.05 * width)
}

fn color(i: usize) -> RGBColor {
    match i {
        REFERENCE => RGBColor(60, 60, 60),
        i => PALETTE[i % PALETTE.len()],
    }
}

type Drawn<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn draw_lines<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &LineChart) -> Drawn<DB> {
    let (x0, x1) = chart.x_range();
    let (y0, y1) = chart.y_range();
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(&chart.title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(64);
    match chart.x_scale {
        Scale::Linear => fill_lines(builder.build_cartesian_2d(x0..x1, y0..y1)?, chart),
        Scale::Log => fill_lines(
            builder.build_cartesian_2d((x0..x1).log_scale(), y0..y1)?,
            chart,
        ),
    }
}

/// Draws the mesh, the series and the legend of `chart` on a built coordinate system.
fn fill_lines<'a, DB: DrawingBackend + 'a, X>(
    mut ctx: ChartContext<'a, DB, Cartesian2d<X, RangedCoordf64>>,
    chart: &LineChart,
) -> Drawn<DB>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    ctx.configure_mesh()
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .label_style(("sans-serif", 13))
        .draw()?;
    let mut legend = false;
    let log_x = chart.x_scale == Scale::Log;
    for s in &chart.series {
        let c = color(s.color);
        let finite: Vec<&Point> = s
            .points
            .iter()
            .filter(|p| p.y.is_finite() && (!log_x || p.x > 0.0))
            .collect();
        let drawn = match s.mark {
            Mark::Line | Mark::Band | Mark::DashedBand => {
                let banded = s.mark != Mark::Line;
                if banded && finite.iter().any(|p| p.y_std > 0.0) {
                    let mut outline: Vec<(f64, f64)> =
                        finite.iter().map(|p| (p.x, p.y + p.y_std)).collect();
                    outline.extend(finite.iter().rev().map(|p| (p.x, p.y - p.y_std)));
                    ctx.draw_series(std::iter::once(Polygon::new(outline, c.mix(0.2).filled())))?;
                }
                let points: Vec<(f64, f64)> = finite.iter().map(|p| (p.x, p.y)).collect();
                if let [only] = points[..] {
                    // A line of one point is invisible: mark it.
                    ctx.draw_series(std::iter::once(Circle::new(only, 4, c.filled())))?;
                }
                match s.mark {
                    Mark::DashedBand => {
                        ctx.draw_series(DashedLineSeries::new(points, 9, 6, c.stroke_width(2)))?
                    }
                    _ => ctx.draw_series(LineSeries::new(points, c.stroke_width(2)))?,
                }
            }
            Mark::Dots => ctx.draw_series(
                finite
                    .iter()
                    .map(|p| Circle::new((p.x, p.y), 3, c.mix(0.6).filled())),
            )?,
            Mark::ErrorBars => {
                ctx.draw_series(finite.iter().flat_map(|p| {
                    let left = match log_x && p.x - p.x_std <= 0.0 {
                        true => p.x,
                        false => p.x - p.x_std,
                    };
                    [
                        PathElement::new(vec![(p.x, p.y - p.y_std), (p.x, p.y + p.y_std)], c),
                        PathElement::new(vec![(left, p.y), (p.x + p.x_std, p.y)], c),
                    ]
                }))?;
                ctx.draw_series(
                    finite
                        .iter()
                        .map(|p| Circle::new((p.x, p.y), 6, c.filled())),
                )?
            }
        };
        if !s.label.is_empty() {
            legend = true;
            drawn
                .label(s.label.as_str())
                .legend(move |(x, y)| Rectangle::new([(x, y - 4), (x + 16, y + 4)], c.filled()));
        }
    }
    if legend {
        let position = match chart.y_max {
            Some(_) => SeriesLabelPosition::LowerRight,
            None => SeriesLabelPosition::UpperRight,
        };
        ctx.configure_series_labels()
            .position(position)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .label_font(("sans-serif", 13))
            .draw()?;
    }
    Ok(())
}

fn draw_bars<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &StackedBars) -> Drawn<DB> {
    let n = chart.categories.len();
    let totals: Vec<f64> = (0..n)
        .map(|i| {
            chart
                .layers
                .iter()
                .map(|(_, v)| v.get(i).copied().unwrap_or(0.0))
                .sum()
        })
        .collect();
    let top = totals.iter().copied().fold(0.0, f64::max);
    let top = if top > 0.0 { top * 1.2 } else { 1.0 };
    let mut ctx = ChartBuilder::on(root)
        .caption(&chart.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5..(n.max(1) as f64 - 0.5), 0.0..top)?;
    let categories = &chart.categories;
    let name = |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 {
            categories.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    ctx.configure_mesh()
        .disable_x_mesh()
        .x_labels(n.clamp(1, 25))
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .x_label_formatter(&name)
        .y_label_formatter(&tick)
        .label_style(("sans-serif", 13))
        .draw()?;
    let mut base = vec![0.0; n];
    for (k, (label, values)) in chart.layers.iter().enumerate() {
        let c = color(k);
        let bars: Vec<_> = (0..n)
            .map(|i| {
                let v = values
                    .get(i)
                    .copied()
                    .filter(|v| v.is_finite())
                    .unwrap_or(0.0);
                let x = i as f64;
                let bar =
                    Rectangle::new([(x - 0.35, base[i]), (x + 0.35, base[i] + v)], c.filled());
                base[i] += v;
                bar
            })
            .collect();
        ctx.draw_series(bars)?
            .label(label.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 4), (x + 16, y + 4)], c.filled()));
    }
    ctx.configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font(("sans-serif", 13))
        .draw()?;
    Ok(())
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, chart: &Chart) -> Drawn<DB> {
    root.fill(&WHITE)?;
    match chart {
        Chart::Lines(c) => draw_lines(&root, c)?,
        Chart::Bars(c) => draw_bars(&root, c)?,
    }
    root.present()
}

impl Chart {
    /// Caption.
    pub fn title(&self) -> &str {
        match self {
            Chart::Lines(c) => &c.title,
            Chart::Bars(c) => &c.title,
        }
    }

    /// Draws the chart as an SVG document.
    pub fn to_svg(&self) -> Result<String, ReportError> {
        let failed = |message: String| ReportError::Plot {
            name: self.title().to_string(),
            message,
        };
        if !font_ready() {
            return Err(failed("the embedded font could not be loaded".into()));
        }
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
            draw(root, self).map_err(|e| failed(e.to_string()))?;
        }
        Ok(svg)
    }

    /// Draws the chart as a PNG file at `path` (written beside it, then renamed).
    pub fn to_png(&self, path: &Path) -> Result<(), ReportError> {
        let failed = |message: String| ReportError::Plot {
            name: path.display().to_string(),
            message,
        };
        if !font_ready() {
            return Err(failed("the embedded font could not be loaded".into()));
        }
        let tmp = super::files::temp_beside(path);
        super::files::clear_temp(&tmp)?;
        {
            let root = BitMapBackend::new(&tmp, SIZE).into_drawing_area();
            draw(root, self).map_err(|e| failed(e.to_string()))?;
        }
        super::files::rename(&tmp, path)
    }

    /// Writes `<dir>/<name>.svg` and `<dir>/<name>.png`.
    pub fn write(&self, dir: &Path, name: &str) -> Result<PlotFile, ReportError> {
        let svg = self.to_svg()?;
        let svg_path = dir.join(format!("{name}.svg"));
        super::files::write_atomic(&svg_path, svg.as_bytes())?;
        let png_path = dir.join(format!("{name}.png"));
        self.to_png(&png_path)?;
        Ok(PlotFile {
            name: name.to_string(),
            title: self.title().to_string(),
            svg,
            svg_path,
            png_path,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_stay_short() {
        assert_eq!(tick(&0.0), "0");
        assert_eq!(tick(&0.25), "0.25");
        assert_eq!(tick(&2.0), "2");
        assert_eq!(tick(&1234.0), "1234");
        assert_eq!(tick(&2.5e7), "2.5e7");
    }

    #[test]
    fn span_pads_and_handles_flat_or_empty_data() {
        assert_eq!(span([].into_iter()), (0.0, 1.0));
        let (lo, hi) = span([2.0, 2.0].into_iter());
        assert!(lo < 2.0 && hi > 2.0);
        let (lo, hi) = span([0.0, 10.0, f64::NAN].into_iter());
        assert_eq!((lo, hi), (-0.5, 10.5));
    }

    #[test]
    fn log_scale_only_for_positive_ranges_past_a_decade() {
        assert_eq!(Scale::fit([1.0, 8.0, 16.0, 400.0].into_iter()), Scale::Log);
        assert_eq!(Scale::fit([1.0, 8.0].into_iter()), Scale::Linear);
        assert_eq!(
            Scale::fit([0.0, 400.0].into_iter()),
            Scale::Linear,
            "one positive"
        );
        assert_eq!(
            Scale::fit([0.0, 2.0, 400.0].into_iter()),
            Scale::Log,
            "zero left out"
        );
        assert_eq!(Scale::fit([].into_iter()), Scale::Linear);
    }

    #[test]
    fn capped_axes_stop_at_the_cap() {
        let point = |y: f64| Point {
            x: 1.0,
            y,
            y_std: 0.05,
            x_std: 0.0,
            n: 3,
        };
        let series = Series {
            label: "tau = 1".into(),
            points: vec![point(0.5), point(0.98)],
            mark: Mark::Band,
            color: 0,
        };
        let chart = LineChart::new("t".into(), "x", "accuracy", vec![series]);
        assert!(chart.y_range().1 > 1.0, "uncapped: padding and legend room");
        let (lo, hi) = chart.capped(1.0).y_range();
        assert_eq!(hi, 1.0);
        assert!(lo < 0.45);
    }
}
