//! A progress bar over rounds, drawn only on a terminal.

use super::records::{NetEvent, RoundRecord, Sink};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Shows rounds done and the latest accuracy; forwards every call to an inner sink.
pub struct ProgressSink<'a> {
    bar: ProgressBar,
    inner: Option<&'a mut dyn Sink>,
}

impl<'a> ProgressSink<'a> {
    /// A bar over `rounds` rounds (hidden when stderr is not a terminal), wrapping `inner`.
    pub fn new(rounds: u64, inner: Option<&'a mut dyn Sink>) -> ProgressSink<'a> {
        let bar = if std::io::stderr().is_terminal() {
            ProgressBar::with_draw_target(Some(rounds), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        if let Ok(style) =
            ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} rounds {msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        ProgressSink { bar, inner }
    }

    /// Starts the bar at `rounds` done (a resumed run).
    pub fn resume_at(&self, rounds: u64) {
        self.bar.set_position(rounds);
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Sink for ProgressSink<'_> {
    fn round(&mut self, record: &RoundRecord) {
        self.bar.set_position(record.round + 1);
        if record.accuracy.is_finite() {
            self.bar.set_message(format!(
                "acc {:.3} nll {:.2} t={:.2}s",
                record.accuracy,
                record.test_nll,
                record.end_ns as f64 * 1e-9
            ));
        }
        if let Some(inner) = self.inner.as_deref_mut() {
            inner.round(record);
        }
    }

    fn event(&mut self, event: &NetEvent) {
        if let Some(inner) = self.inner.as_deref_mut() {
            inner.event(event);
        }
    }

    fn wants_events(&self) -> bool {
        self.inner.as_deref().is_some_and(|s| s.wants_events())
    }

    fn mark(&mut self) -> u64 {
        self.inner.as_deref_mut().map_or(0, |s| s.mark())
    }
}
