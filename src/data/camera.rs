//! An emulated event camera (DVS) looking at a still image that moves slightly.
//!
//! Choices, in order of use of the random stream:
//! 1. **Motion path** ([`Motion`]). By default the image makes `waypoints` saccades around a
//!    fixed equilateral triangle of side `max_shift_px`, as the N-MNIST pan-tilt unit does (no
//!    random numbers); [`Motion::RandomWaypoints`] instead visits points drawn uniformly in the
//!    disc of radius `max_shift_px`. It starts at offset (0, 0), spends equal time on each leg
//!    with smoothstep easing (zero velocity at each corner, like a saccade) and stays at the last
//!    point after `duration_us`. The defaults (6 saccades of 1 pixel over the whole train, i.e.
//!    the triangle twice) keep the digit moving through all 80 steps of a 2 s example, in three
//!    directions 60 degrees apart so that every stroke orientation produces events, at about 4%
//!    of the pixels per step (rate coding at gain 0.15: about 3%).
//! 2. **Pixel mismatch.** Each pixel gets its own contrast threshold
//!    `threshold * (1 + threshold_sigma * N(0, 1))`, floored at 10% of `threshold`.
//! 3. **Sensing.** Every `bin_us / frames_per_bin` the shifted image is resampled by bilinear
//!    interpolation (zero outside the image). Each pixel holds a reference log intensity
//!    `ln(log_eps + I)`, I in 0..=1, initialised from the unshifted image at t = 0; when the current
//!    log intensity differs from it by at least the pixel's threshold, the pixel emits one event
//!    (ON when brighter) stamped at the start of the frame and moves its reference by the whole
//!    number of thresholds crossed (several crossings inside one frame merge into one event, which
//!    binary binning could not tell apart anyway).
//! 4. **Background noise.** Optionally each pixel fires a random-polarity event per frame with
//!    probability `noise_rate_hz * frame duration`.
//!
//! The events then go through [`bin_events_from`] (the MNIST-DVS binning core) with t0 = 0; pixel
//! (row, col) is channel `row * width + col`, as in rate coding. Edges of the digit produce events
//! whenever the motion moves them, so the summed events trace the digit's outline.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::aedat::DvsEvent;
use super::image::Image;
use super::motion::{Motion, MotionPath};
use super::spikes::{bin_events_from, Polarity, SpikeTrain};

/// Settings of the emulated event camera. Non-finite or out-of-range values (a threshold or
/// `log_eps` <= 0, negative rates or spreads) fall back to the defaults or to zero, never panic.
#[derive(Clone, Debug, PartialEq)]
pub struct EventCamera {
    /// Contrast threshold [log-intensity units]; typical DVS values are 0.1-0.4.
    pub threshold: f64,
    /// Relative per-pixel threshold mismatch (standard deviation) [-].
    pub threshold_sigma: f64,
    /// Largest displacement of the image from its start position \[pixels\] (capped at the image
    /// size).
    pub max_shift_px: f64,
    /// Width of one output time step \[us\].
    pub bin_us: u64,
    /// Duration of the motion \[us\]; `None` means the whole train (`steps * bin_us`).
    pub duration_us: Option<u64>,
    /// Sensing frames per output step (time resolution of the emulation) [-].
    pub frames_per_bin: usize,
    /// Shape of the motion path.
    pub motion: Motion,
    /// Number of legs (saccades) of the motion path [-].
    pub waypoints: usize,
    /// Offset inside the logarithm, ln(log_eps + I) with I in 0..=1 [-].
    pub log_eps: f64,
    /// Rate of spurious background events per pixel \[Hz\].
    pub noise_rate_hz: f64,
}

impl Default for EventCamera {
    fn default() -> Self {
        EventCamera {
            threshold: 0.3,
            threshold_sigma: 0.03,
            max_shift_px: 1.0,
            bin_us: 25_000,
            duration_us: None,
            frames_per_bin: 1,
            motion: Motion::Saccades,
            waypoints: 6,
            log_eps: 0.1,
            noise_rate_hz: 0.0,
        }
    }
}

/// Pixels that can ever see light: within `reach` pixels (Chebyshev) of a non-black pixel.
fn lit_pixels(img: &Image, reach: usize) -> Vec<usize> {
    let (w, h) = (img.width, img.height);
    let mut lit = vec![false; w * h];
    for row in 0..h {
        for col in 0..w {
            if img.at(row, col) == 0 {
                continue;
            }
            for r in row.saturating_sub(reach)..(row + reach + 1).min(h) {
                for c in col.saturating_sub(reach)..(col + reach + 1).min(w) {
                    lit[r * w + c] = true;
                }
            }
        }
    }
    (0..w * h).filter(|&p| lit[p]).collect()
}

/// The image as intensities 0..=1 with a black margin of `margin` pixels on every side, so that
/// bilinear sampling at shifts up to `margin - 1` pixels needs no bounds checks.
struct PaddedImage {
    values: Vec<f64>,
    stride: usize,
    margin: usize,
    width: usize,
}

impl PaddedImage {
    fn new(img: &Image, margin: usize) -> Self {
        let stride = img.width + 2 * margin;
        let mut values = vec![0.0; stride * (img.height + 2 * margin)];
        for row in 0..img.height {
            for col in 0..img.width {
                values[(row + margin) * stride + col + margin] =
                    f64::from(img.at(row, col)) / 255.0;
            }
        }
        PaddedImage {
            values,
            stride,
            margin,
            width: img.width,
        }
    }

    /// Bilinear stencil of a shift (dx, dy), |dx|, |dy| < margin: the same for every pixel.
    fn stencil(&self, dx: f64, dy: f64) -> Stencil {
        let (sx, sy) = (self.margin as f64 - dx, self.margin as f64 - dy);
        let (fx, fy) = (sx - sx.floor(), sy - sy.floor());
        Stencil {
            offset: sy.floor() as usize * self.stride + sx.floor() as usize,
            weights: [
                (1.0 - fx) * (1.0 - fy),
                fx * (1.0 - fy),
                (1.0 - fx) * fy,
                fx * fy,
            ],
        }
    }

    /// Intensity seen by pixel `p` through `stencil`.
    fn sample(&self, p: usize, stencil: &Stencil) -> f64 {
        self.sample_at(self.base(p), stencil)
    }

    /// Index of pixel `p`'s unshifted top-left corner relative to the stencil offset.
    fn base(&self, p: usize) -> usize {
        (p / self.width) * self.stride + p % self.width
    }

    /// Intensity at `base` (from [`PaddedImage::base`]) through `stencil`.
    fn sample_at(&self, base: usize, stencil: &Stencil) -> f64 {
        let at = base + stencil.offset;
        let v = &self.values;
        let w = &stencil.weights;
        w[0] * v[at]
            + w[1] * v[at + 1]
            + w[2] * v[at + self.stride]
            + w[3] * v[at + self.stride + 1]
    }
}

/// Where and with which weights a shifted image is sampled.
struct Stencil {
    offset: usize,
    weights: [f64; 4],
}

/// Per-pixel reference log intensity, with the intensities that would cross a threshold, so
/// that most frames need no logarithm.
struct Reference {
    log: f64,
    upper: f64,
    lower: f64,
}

impl Reference {
    fn new(log: f64, threshold: f64, eps: f64) -> Self {
        Reference {
            log,
            upper: (log + threshold).exp() - eps,
            lower: (log - threshold).exp() - eps,
        }
    }
}

/// Raw events of the emulated camera over `steps * cam.bin_us` \[us\]; x = column, y = row.
pub fn camera_events(
    img: &Image,
    cam: &EventCamera,
    steps: usize,
    rng: &mut impl Rng,
) -> Vec<DvsEvent> {
    let pixels = img.width * img.height;
    let total_us = (steps as u64).saturating_mul(cam.bin_us.max(1));
    let frames_per_bin = cam.frames_per_bin.max(1);
    let frame_us = (cam.bin_us.max(1) as f64) / frames_per_bin as f64;
    let frames = steps.saturating_mul(frames_per_bin);
    let defaults = EventCamera::default();
    let eps = if cam.log_eps.is_finite() && cam.log_eps > 0.0 {
        cam.log_eps
    } else {
        defaults.log_eps
    };
    let limit = img.width.max(img.height) as f64;
    let path = MotionPath::draw(
        cam.motion,
        cam.max_shift_px,
        cam.waypoints,
        cam.duration_us.unwrap_or(total_us),
        limit,
        rng,
    );
    let base = if cam.threshold.is_finite() && cam.threshold > 0.0 {
        cam.threshold
    } else {
        defaults.threshold
    };
    let sigma = if cam.threshold_sigma.is_finite() {
        cam.threshold_sigma.max(0.0)
    } else {
        0.0
    };
    let thresholds: Vec<f64> = (0..pixels)
        .map(|_| {
            let z: f64 = StandardNormal.sample(rng);
            (base * (1.0 + sigma * z)).max(0.1 * base)
        })
        .collect();
    let noise_p = if cam.noise_rate_hz.is_finite() {
        (cam.noise_rate_hz.max(0.0) * frame_us * 1e-6).min(1.0)
    } else {
        0.0
    };
    let reach = path.reach().ceil() as usize + 1;
    let image = PaddedImage::new(img, reach + 1);
    // Pixels that stay black whatever the shift never cross a threshold: only noise can fire them.
    let lit = lit_pixels(img, reach);
    let mut is_lit = vec![false; pixels];
    for &p in &lit {
        is_lit[p] = true;
    }
    let scan: Vec<usize> = if noise_p > 0.0 {
        (0..pixels).collect()
    } else {
        lit
    };
    let still = image.stencil(0.0, 0.0);
    let mut reference: Vec<Reference> = (0..pixels)
        .map(|p| {
            let start = if is_lit[p] {
                image.sample(p, &still)
            } else {
                0.0
            };
            Reference::new((eps + start).ln(), thresholds[p], eps)
        })
        .collect();
    let bases: Vec<usize> = (0..pixels).map(|p| image.base(p)).collect();
    let mut events = Vec::new();
    for frame in 1..=frames {
        let stamp = ((frame - 1) as f64 * frame_us) as u64;
        let (dx, dy) = path.at(frame as f64 * frame_us);
        let stencil = image.stencil(dx, dy);
        for &p in &scan {
            let (x, y) = ((p % img.width) as u16, (p / img.width) as u16);
            let r = &mut reference[p];
            let intensity = if is_lit[p] {
                image.sample_at(bases[p], &stencil)
            } else {
                0.0
            };
            if intensity > r.upper || intensity < r.lower {
                let diff = (eps + intensity).ln() - r.log;
                let crossings = (diff.abs() / thresholds[p]).floor().max(1.0);
                *r = Reference::new(
                    r.log + diff.signum() * crossings * thresholds[p],
                    thresholds[p],
                    eps,
                );
                events.push(DvsEvent {
                    t_us: stamp,
                    x,
                    y,
                    on: diff > 0.0,
                });
            } else if noise_p > 0.0 && rng.random::<f64>() < noise_p {
                events.push(DvsEvent {
                    t_us: stamp,
                    x,
                    y,
                    on: rng.random::<bool>(),
                });
            }
        }
    }
    events
}

/// Emulate an event camera watching `img` (see the module notes) and bin its events into `steps`
/// steps of `cam.bin_us` with the MNIST-DVS binning core; channel = row * width + col (times 2,
/// plus 1 for OFF, with [`Polarity::Split`]).
pub fn emulate_events(
    img: &Image,
    cam: &EventCamera,
    steps: usize,
    polarity: Polarity,
    rng: &mut impl Rng,
) -> SpikeTrain {
    let events = camera_events(img, cam, steps, rng);
    let width = img.width;
    bin_events_from(
        &events,
        0,
        steps,
        cam.bin_us,
        img.width * img.height,
        polarity,
        |e| Some(usize::from(e.y) * width + usize::from(e.x)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bilinear_sampling_interpolates_between_pixels() {
        let img = Image {
            width: 2,
            height: 1,
            pixels: vec![0, 255],
        };
        let padded = PaddedImage::new(&img, 2);
        let still = padded.stencil(0.0, 0.0);
        assert_eq!(padded.sample(1, &still), 1.0);
        // Shift right by a quarter pixel: pixel 1 sees 3/4 of itself and 1/4 of pixel 0.
        let quarter = padded.stencil(0.25, 0.0);
        assert!((padded.sample(1, &quarter) - 0.75).abs() < 1e-12);
        assert!((padded.sample(0, &quarter) - 0.0).abs() < 1e-12);
    }

    #[test]
    fn reference_bounds_sit_one_threshold_away_in_log_space() {
        let (eps, thr) = (0.1, 0.3);
        let r = Reference::new((eps + 0.5f64).ln(), thr, eps);
        assert!(((eps + r.upper).ln() - (r.log + thr)).abs() < 1e-12);
        assert!(((eps + r.lower).ln() - (r.log - thr)).abs() < 1e-12);
    }
}
