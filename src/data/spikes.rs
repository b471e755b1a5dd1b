//! Spike trains and the event binning shared by MNIST-DVS, N-MNIST and the emulated event camera.

use super::aedat::DvsEvent;

/// Spike train of one example: for each time step, the sorted list of active channel indices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpikeTrain {
    /// Number of input channels (neurons) the indices refer to.
    pub channels: usize,
    /// One entry per time step: the active channels, sorted ascending, no duplicates.
    pub steps: Vec<Vec<u32>>,
}

impl SpikeTrain {
    /// A train of `steps` silent steps over `channels` channels.
    pub fn silent(channels: usize, steps: usize) -> Self {
        SpikeTrain {
            channels,
            steps: vec![Vec::new(); steps],
        }
    }

    /// Number of time steps.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// True when the train has no time step.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Total number of spikes over all steps and channels.
    pub fn spike_count(&self) -> usize {
        self.steps.iter().map(Vec::len).sum()
    }

    /// Fraction of (step, channel) slots holding a spike, 0..=1.
    pub fn density(&self) -> f64 {
        let slots = self.channels * self.steps.len();
        if slots == 0 {
            0.0
        } else {
            self.spike_count() as f64 / slots as f64
        }
    }

    /// Spikes per channel summed over time (length `channels`).
    pub fn channel_counts(&self) -> Vec<u32> {
        let mut counts = vec![0; self.channels];
        for step in &self.steps {
            for &c in step {
                if let Some(slot) = counts.get_mut(c as usize) {
                    *slot += 1;
                }
            }
        }
        counts
    }

    /// Step `t` as a dense 0/1 vector of length `channels` (all zero past the end).
    pub fn dense_step(&self, t: usize) -> Vec<f64> {
        let mut out = vec![0.0; self.channels];
        for &c in self.steps.get(t).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(slot) = out.get_mut(c as usize) {
                *slot = 1.0;
            }
        }
        out
    }
}

/// How event polarity maps to input channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Polarity {
    /// ON and OFF events share one channel per pixel (`pixels` channels).
    #[default]
    Merged,
    /// Two channels per pixel: `2 * pixel` for ON, `2 * pixel + 1` for OFF (`2 * pixels` channels).
    Split,
}

impl Polarity {
    /// Number of channels for `pixels` pixels.
    pub fn channels(self, pixels: usize) -> usize {
        match self {
            Polarity::Merged => pixels,
            Polarity::Split => 2 * pixels,
        }
    }

    fn channel(self, pixel: usize, on: bool) -> usize {
        match self {
            Polarity::Merged => pixel,
            Polarity::Split => 2 * pixel + usize::from(!on),
        }
    }
}

/// The binning core: events -> binary spike train.
///
/// Step `k` covers times `[t0 + k * bin_us, t0 + (k + 1) * bin_us)`; a channel is active in a step
/// when at least one of its events falls in it. Events before `t0` (timestamps that went back) and
/// events after the last step are dropped, as the original FL-SNN windows do; `pixel_of` returns
/// the pixel of an event inside the window, or `None` to drop it. `bin_us = 0` is treated as 1 us.
pub fn bin_events_from(
    events: &[DvsEvent],
    t0_us: u64,
    steps: usize,
    bin_us: u64,
    pixels: usize,
    polarity: Polarity,
    pixel_of: impl Fn(&DvsEvent) -> Option<usize>,
) -> SpikeTrain {
    let channels = polarity.channels(pixels);
    let bin_us = bin_us.max(1);
    let mut rows: Vec<Vec<u32>> = vec![Vec::new(); steps];
    for event in events {
        let Some(offset) = event.t_us.checked_sub(t0_us) else {
            continue;
        };
        let step = offset / bin_us;
        if step >= steps as u64 {
            continue;
        }
        let Some(pixel) = pixel_of(event).filter(|&p| p < pixels) else {
            continue;
        };
        rows[step as usize].push(polarity.channel(pixel, event.on) as u32);
    }
    for row in &mut rows {
        row.sort_unstable();
        row.dedup();
    }
    SpikeTrain {
        channels,
        steps: rows,
    }
}

/// A square crop window of the sensor: keeps `x0 <= x < x0 + side` and `y0 <= y < y0 + side`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SensorWindow {
    /// First kept column \[pixels\].
    pub x0: u16,
    /// First kept row \[pixels\].
    pub y0: u16,
    /// Side of the window \[pixels\].
    pub side: u16,
    /// Pixel numbering: true gives `(x - x0) * side + (y - y0)` (the FL-SNN MNIST-DVS layout),
    /// false gives the image layout `(y - y0) * side + (x - x0)`.
    pub x_major: bool,
}

impl SensorWindow {
    /// The FL-SNN MNIST-DVS window: 48 <= x, y <= 73, pixel (x - 48) * 26 + (y - 48).
    pub const MNIST_DVS: SensorWindow = SensorWindow {
        x0: 48,
        y0: 48,
        side: 26,
        x_major: true,
    };
    /// The central 26x26 of the 34x34 N-MNIST sensor, image layout (y - 4) * 26 + (x - 4).
    pub const NMNIST: SensorWindow = SensorWindow {
        x0: 4,
        y0: 4,
        side: 26,
        x_major: false,
    };

    /// Number of pixels in the window.
    pub fn pixels(self) -> usize {
        usize::from(self.side) * usize::from(self.side)
    }

    /// Pixel index of an event, or `None` outside the window.
    pub fn pixel_of(self, event: &DvsEvent) -> Option<usize> {
        let dx = usize::from(event.x.checked_sub(self.x0)?);
        let dy = usize::from(event.y.checked_sub(self.y0)?);
        let side = usize::from(self.side);
        if dx >= side || dy >= side {
            return None;
        }
        Some(if self.x_major {
            dx * side + dy
        } else {
            dy * side + dx
        })
    }
}

/// Bin events inside `window`, time relative to the first event of the slice (file order).
pub fn bin_window(
    events: &[DvsEvent],
    window: SensorWindow,
    steps: usize,
    bin_us: u64,
    polarity: Polarity,
) -> SpikeTrain {
    let t0 = events.first().map_or(0, |e| e.t_us);
    bin_events_from(events, t0, steps, bin_us, window.pixels(), polarity, |e| {
        window.pixel_of(e)
    })
}

/// FL-SNN preprocessing of an MNIST-DVS recording: keep 48 <= x, y <= 73, pixel
/// (x - 48) * 26 + (y - 48), `steps` bins of `bin_us` relative to the first event (in file order;
/// later events with an earlier timestamp are dropped).
pub fn bin_mnist_dvs(
    events: &[DvsEvent],
    steps: usize,
    bin_us: u64,
    polarity: Polarity,
) -> SpikeTrain {
    bin_window(events, SensorWindow::MNIST_DVS, steps, bin_us, polarity)
}
