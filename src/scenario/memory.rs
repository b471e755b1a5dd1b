//! A run's memory, estimated from the validated scenario before anything is loaded or allocated,
//! and the limit a run must fit (`--max-memory`, default a fraction of physical memory).
//!
//! The model is calibrated against peak RSS (`/usr/bin/time -v flsnn run ...`) on the shipped
//! scenarios and on 1,000-device and systems-only runs (README, "Safety"): a fixed base (program,
//! the bundled data set and its decoded images), the test set's spike trains, and per device its
//! shard (pool indices and one example's spike train) plus the copies of its model (weights,
//! eligibility, lazy-row stamps, the upload waiting for its round to close).

use super::spec::{DataSource, Encoding, Polarity, RateDraws, Scenario};
use crate::fl::compress::Compression;
use std::fmt;

/// A training run's steady base: program, runtime, the evaluator \[bytes\].
const BASE_BYTES: u64 = 17 * MIB;
/// A run's peak while the data set is read and decoded, before devices exist \[bytes\].
const LOAD_PEAK_BYTES: u64 = 24 * MIB;
/// A systems-only run's base (no data set, no models) \[bytes\].
const SYSTEMS_BASE_BYTES: u64 = 19 * MIB / 2;
/// Per spike-train time step: the step's vector \[bytes\]...
const SPIKE_STEP_BYTES: u64 = 24;
/// ...plus, per input channel, the active channels at the rate of the shipped encoders [bytes,
/// 1 / `CHANNEL_DIV`].
const CHANNEL_DIV: u64 = 10;
/// Copies of the model's weights a training device holds, as a fraction (numerator /
/// `COPIES_DIV`): the weights and their eligibility traces (2), the lazy rows' stamps (1/8), its
/// upload waiting at the base station for the round to close (1/2, f32), and allocator slack.
const MODEL_COPIES: u64 = 15;
/// One more copy for compressions that send updates (the reference model), one for error
/// feedback (the residual), one for fixed-rate (the per-weight |g_W| accumulator).
const EXTRA_COPY: u64 = 5;
const COPIES_DIV: u64 = 5;
/// Per local example: its pool index and the stream position its encoding starts at \[bytes\].
const SHARD_EXAMPLE_BYTES: u64 = 24;
/// Copies of the test set's spike trains (encoded set, evaluator), as a fraction (numerator /
/// `COPIES_DIV`).
const TEST_COPIES: u64 = 8;
/// A systems-only device: its state machine, link and channel state, records \[bytes\].
const SYSTEMS_DEVICE_BYTES: u64 = 2400;
/// A training device's fixed state besides its model and shard \[bytes\].
const TRAINING_DEVICE_BYTES: u64 = 16 * KIB;
/// A moving device's walk in the cell (`cell.mobility`) \[bytes\].
const MOBILITY_DEVICE_BYTES: u64 = 64;
/// A device's override group (`cell.override`) \[bytes\].
const OVERRIDE_DEVICE_BYTES: u64 = 2;

/// One device a fault concerns, for each of its start and end: the timeline entries for the
/// channel and the device, and their calendar slots \[bytes\].
const FAULT_TARGET_BYTES: u64 = 400;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// Default limit: this share of physical memory \[percent\].
pub const DEFAULT_SHARE_PERCENT: u64 = 80;

/// The estimated peak memory of a run, by part \[bytes\].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryEstimate {
    /// Program, runtime, data set.
    pub base: u64,
    /// The test set's spike trains.
    pub test_set: u64,
    /// One device (shard, model copies, state).
    pub per_device: u64,
    /// Number of devices.
    pub devices: u64,
    /// The whole run.
    pub total: u64,
}

/// Input channels N_X the data source gives, without reading it: 26x26 cropped MNIST (676), 8x8
/// UCI digits (64), 34x34 N-MNIST (1156), MNIST-DVS binned to 28x28 (784); twice that with split
/// polarity.
pub fn inputs(scenario: &Scenario) -> u64 {
    let pixels: u64 = match scenario.data.source {
        DataSource::Mnist => 26 * 26,
        DataSource::UciDigits => 8 * 8,
        DataSource::NMnist => 34 * 34,
        DataSource::MnistDvs => 28 * 28,
    };
    let split = match scenario.data.encoding {
        Encoding::Events => scenario.data.polarity == Polarity::Split,
        Encoding::Rate => false,
    };
    if split {
        2 * pixels
    } else {
        pixels
    }
}

/// A device's state in the cell beyond its link: its walk and its override group.
fn cell_device_bytes(scenario: &Scenario) -> u64 {
    scenario.cell.as_ref().map_or(0, |cell| {
        let moving = !matches!(cell.config.mobility, crate::net::Mobility::Static);
        MOBILITY_DEVICE_BYTES * u64::from(moving)
            + OVERRIDE_DEVICE_BYTES * u64::from(!cell.overrides.is_empty())
    })
}

/// The estimate of `scenario`'s peak memory. Saturates at `u64::MAX` (always refused).
pub fn estimate(scenario: &Scenario) -> MemoryEstimate {
    let m = |a: u64, b: u64| a.saturating_mul(b);
    let devices = scenario.fl.devices;
    let faults = m(
        super::validate_faults::fault_targets(&scenario.faults, devices),
        FAULT_TARGET_BYTES,
    );
    let cell = cell_device_bytes(scenario);
    if scenario.fl.systems_only {
        let base = SYSTEMS_BASE_BYTES.saturating_add(faults);
        let per_device = SYSTEMS_DEVICE_BYTES + cell;
        let total = base
            .saturating_add(m(devices, per_device))
            .max(LOAD_PEAK_BYTES);
        return MemoryEstimate {
            base,
            test_set: 0,
            per_device,
            devices,
            total,
        };
    }
    let inputs = inputs(scenario);
    let train = m(
        scenario.data.steps_per_example,
        SPIKE_STEP_BYTES.saturating_add(inputs / CHANNEL_DIV),
    );
    let test_set = m(m(scenario.data.test_examples, train), TEST_COPIES) / COPIES_DIV;
    // The weights w: one row of k_ff basis weights per learnable neuron (hidden and outputs)
    // and neuron (inputs, hidden, outputs), 8 bytes each.
    let learnable = scenario
        .snn
        .hidden
        .saturating_add(scenario.outputs() as u64);
    let weights = m(
        m(
            m(learnable, inputs.saturating_add(learnable)),
            scenario.snn.k_ff,
        ),
        8,
    );
    let c = &scenario.compression;
    let copies = MODEL_COPIES
        + EXTRA_COPY * u64::from(c.sends_updates())
        + EXTRA_COPY
            * u64::from(matches!(
                c,
                Compression::TopK {
                    error_feedback: true,
                    ..
                } | Compression::RandomK {
                    error_feedback: true,
                    ..
                } | Compression::FixedRate { .. }
            ));
    // The shard is indices into the shared pool, encoded as consumed: one example's spike
    // train at a time (emulated events) and its place in the walk; drawing rate coding per
    // spike, each channel's next spike step (4 bytes).
    let next_spikes = match (scenario.data.encoding, scenario.data.rate_draws) {
        (Encoding::Rate, RateDraws::PerSpike) => m(inputs, 4),
        _ => 0,
    };
    // With Delta_s > 1 the learner counts its inputs' trace entries instead of shifting their
    // lag masks: each input's last spike step (2 bytes).
    let spike_stamps = if scenario.snn.delta_s > 1 {
        m(inputs, 2)
    } else {
        0
    };
    let per_device = (TRAINING_DEVICE_BYTES + cell)
        .saturating_add(m(weights, copies) / COPIES_DIV)
        .saturating_add(train)
        .saturating_add(next_spikes)
        .saturating_add(spike_stamps)
        .saturating_add(m(
            scenario.partition.examples_per_device,
            SHARD_EXAMPLE_BYTES,
        ));
    let base = BASE_BYTES.saturating_add(faults);
    let total = base
        .saturating_add(test_set)
        .saturating_add(m(devices, per_device))
        .max(LOAD_PEAK_BYTES);
    MemoryEstimate {
        base,
        test_set,
        per_device,
        devices,
        total,
    }
}

/// Bytes shown with a binary unit, one decimal (`23.4 MiB`).
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

impl fmt::Display for MemoryEstimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} base + {} test set + {} devices x {})",
            human(self.total),
            human(self.base),
            human(self.test_set),
            self.devices,
            human(self.per_device)
        )
    }
}

/// Physical memory from `/proc/meminfo` (`MemTotal`), if readable.
pub fn physical_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    meminfo_total(&text)
}

fn meminfo_total(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let mut words = line.split_whitespace().skip(1);
    let value: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") => value.checked_mul(1024),
        None => Some(value),
        Some(_) => None,
    }
}

/// The default limit: [`DEFAULT_SHARE_PERCENT`] of physical memory (no limit when unknown).
pub fn default_limit() -> u64 {
    physical_memory().map_or(u64::MAX, |total| total / 100 * DEFAULT_SHARE_PERCENT)
}

/// Refuses a run of `scenario` whose estimate exceeds `limit` \[bytes\], naming the keys that drive
/// the size and `flag`, the option that changes the limit.
pub fn check_limit(scenario: &Scenario, limit: u64, flag: &str) -> Result<MemoryEstimate, String> {
    let estimate = estimate(scenario);
    if estimate.total <= limit {
        return Ok(estimate);
    }
    let keys = if scenario.fl.systems_only {
        format!(
            "fl.devices = {} with fl.systems_only = true",
            scenario.fl.devices
        )
    } else {
        format!(
            "fl.devices = {} x (snn.hidden = {}, partition.examples_per_device = {}), \
             data.test_examples = {} x data.steps_per_example = {}; fl.systems_only = true needs \
             no model or data per device",
            scenario.fl.devices,
            scenario.snn.hidden,
            scenario.partition.examples_per_device,
            scenario.data.test_examples,
            scenario.data.steps_per_example
        )
    };
    Err(format!(
        "{}: the run needs an estimated {estimate}, more than the limit of {} ({flag}); the size \
         is driven by {keys}",
        scenario.source,
        human(limit)
    ))
}

/// Most SNN work a training run may ask for: devices x local steps x weights per step
/// (`(hidden + outputs) x (inputs + hidden + outputs)`). The 676-0-2 network does about 2 x 10^8
/// of these per second and core, so the bound is about a week of computing.
pub const MAX_WORK: u128 = 100_000_000_000_000;

/// Virtual time a run may span: half the clock (2^63 ns, about 292 years), so that every sum of
/// times stays inside it.
pub const MAX_VIRTUAL_NS: u128 = 1 << 63;

/// Most rounds a run may have: a round costs a few events per device, so more would not finish
/// in days even with one device (and a device's counts stay within 32 bits).
pub const MAX_ROUNDS: u128 = 1_000_000_000;

/// Most device-rounds (devices x rounds) a run may have: a few events each, at about a million
/// events per second, the bound is about four days of simulating.
pub const MAX_DEVICE_ROUNDS: u128 = 100_000_000_000;

/// Refuses work that cannot finish: SNN work past [`MAX_WORK`], rounds past [`MAX_ROUNDS`] or
/// [`MAX_DEVICE_ROUNDS`], and local computing or round deadlines that alone run the virtual
/// clock past [`MAX_VIRTUAL_NS`]. Names the keys.
pub fn check_work(scenario: &Scenario) -> Result<(), String> {
    let fl = &scenario.fl;
    let file = &scenario.source;
    if !fl.systems_only {
        let learnable = u128::from(scenario.snn.hidden) + scenario.outputs() as u128;
        let neurons = u128::from(inputs(scenario)) + learnable;
        let work = u128::from(fl.devices)
            .saturating_mul(u128::from(fl.steps))
            .saturating_mul(learnable.saturating_mul(neurons));
        if work > MAX_WORK {
            return Err(format!(
                "{file}: fl.devices = {} x fl.steps = {} local steps of a network with snn.hidden \
                 = {} is about {work:.1e} synaptic weight updates, more than the {MAX_WORK:.0e} \
                 that finish in about a week; lower fl.devices, fl.steps or snn.hidden (or set \
                 fl.systems_only = true to simulate the network alone)",
                fl.devices, fl.steps, scenario.snn.hidden
            ));
        }
    }
    for (i, class) in scenario.device_classes.iter().enumerate() {
        let ns = u128::from(class.step_time.0).saturating_mul(u128::from(fl.steps));
        if ns >= MAX_VIRTUAL_NS {
            return Err(format!(
                "{file}: device_class[{i}].step_time x fl.steps = {} x {} ns of local computing \
                 runs the virtual clock past 2^63 ns (about 292 years); lower either",
                class.step_time.0, fl.steps
            ));
        }
    }
    let per_round = u128::from(fl.tau).saturating_mul(u128::from(scenario.snn.delta_s));
    let rounds = u128::from(fl.steps).div_ceil(per_round.max(1));
    for (key, link) in [
        ("channel.uplink.latency", &scenario.uplink),
        ("channel.downlink.latency", &scenario.downlink),
    ] {
        let least = u128::from(least_latency(&link.latency).0);
        if least.saturating_mul(rounds) >= MAX_VIRTUAL_NS {
            return Err(format!(
                "{file}: {key} x rounds (fl.steps / (fl.tau x snn.delta_s)) = at least {least} ns \
                 x {rounds} runs the virtual clock past 2^63 ns (about 292 years); lower {key} \
                 or fl.steps"
            ));
        }
    }
    if let Some(deadline) = fl.deadline {
        if u128::from(deadline.0).saturating_mul(rounds) >= MAX_VIRTUAL_NS {
            return Err(format!(
                "{file}: fl.deadline x rounds (fl.steps / (fl.tau x snn.delta_s)) = {} ns x {rounds} \
                 runs the virtual clock past 2^63 ns (about 292 years); lower fl.deadline or \
                 fl.steps",
                deadline.0
            ));
        }
    }
    if rounds > MAX_ROUNDS {
        return Err(format!(
            "{file}: fl.steps / (fl.tau x snn.delta_s) = {} / ({} x {}) is {rounds} rounds, more \
             than the {MAX_ROUNDS:.0e} a run may have; raise fl.tau or lower fl.steps",
            fl.steps, fl.tau, scenario.snn.delta_s
        ));
    }
    let device_rounds = u128::from(fl.devices).saturating_mul(rounds);
    if device_rounds > MAX_DEVICE_ROUNDS {
        return Err(format!(
            "{file}: fl.devices = {} x {rounds} rounds (fl.steps / (fl.tau x snn.delta_s)) is \
             {device_rounds:.1e} device-rounds, more than the {MAX_DEVICE_ROUNDS:.0e} that finish \
             in about four days; lower fl.devices or fl.steps, or raise fl.tau",
            fl.devices
        ));
    }
    Ok(())
}

/// The least delay `latency` can draw.
fn least_latency(latency: &super::spec::Latency) -> crate::time::SimDuration {
    use super::spec::Latency;
    match *latency {
        Latency::Constant(d) => d,
        Latency::Uniform { min, .. } => min,
        Latency::ShiftedExponential { shift, .. } => shift,
        Latency::Pareto { scale, .. } => scale,
        Latency::Normal { .. } | Latency::LogNormal { .. } => crate::time::SimDuration::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(sets: &[&str]) -> Scenario {
        let env = std::collections::BTreeMap::new();
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        crate::scenario::load_str(crate::scenario::DEFAULT_SCENARIO, "default", &sets, &env)
            .expect("default scenario")
    }

    #[test]
    fn the_estimate_grows_with_each_driving_key() {
        let base = estimate(&scenario(&[])).total;
        for set in [
            "fl.devices=400",
            "data.steps_per_example=800",
            "snn.hidden=100",
            "data.test_examples=1000",
        ] {
            assert!(estimate(&scenario(&[set])).total > base, "{set}");
        }
        // A local example is an index into the shared pool: a few bytes per device, below the
        // loading peak that floors the total of a small run.
        let many = scenario(&["partition.examples_per_device=500", "fl.devices=10000"]);
        let few = scenario(&["fl.devices=10000"]);
        assert!(estimate(&many).per_device > estimate(&few).per_device);
        assert!(estimate(&many).total > estimate(&few).total);
        let systems = estimate(&scenario(&["fl.systems_only=true", "fl.devices=100000"]));
        assert!(systems.per_device < estimate(&scenario(&[])).per_device);
        assert!(systems.total > base);
    }

    #[test]
    fn a_moving_or_overridden_cell_costs_more_per_device() {
        let cell = |sets: &[&str]| {
            let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
            let file =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/cell-edge.toml");
            estimate(&crate::scenario::load(Some(&file), &sets).expect("cell-edge loads"))
                .per_device
        };
        let still = cell(&[]);
        let moving = cell(&[
            "cell.mobility=\"random-waypoint\"",
            "cell.min_speed=\"1m/s\"",
            "cell.max_speed=\"2m/s\"",
        ]);
        assert_eq!(moving, still + MOBILITY_DEVICE_BYTES);
        let walled = cell(&["cell.override=[{devices=[0,4],extra_loss=\"20dB\"}]"]);
        assert_eq!(walled, still + OVERRIDE_DEVICE_BYTES);
    }

    #[test]
    fn split_polarity_doubles_the_inputs() {
        let merged = scenario(&["data.encoding=events"]);
        let split = scenario(&["data.encoding=events", "data.polarity=split"]);
        assert_eq!(inputs(&merged), 676);
        assert_eq!(inputs(&split), 2 * 676);
        assert_eq!(inputs(&scenario(&["data.source=uci-digits"])), 64);
    }

    #[test]
    fn past_the_limit_the_refusal_names_the_keys() {
        let s = scenario(&[]);
        assert!(check_limit(&s, u64::MAX, "--max-memory").is_ok());
        let e = check_limit(&s, 1024, "--max-memory").unwrap_err();
        for key in [
            "fl.devices",
            "data.steps_per_example",
            "snn.hidden",
            "--max-memory",
        ] {
            assert!(e.contains(key), "{e}");
        }
    }

    #[test]
    fn work_that_cannot_finish_is_refused_naming_the_keys() {
        assert_eq!(check_work(&scenario(&[])), Ok(()));
        let e = check_work(&scenario(&["fl.devices=100000", "fl.steps=100000000"])).unwrap_err();
        for key in ["fl.devices", "fl.steps", "snn.hidden"] {
            assert!(e.contains(key), "{e}");
        }
        let systems = scenario(&[
            "fl.devices=100000",
            "fl.steps=100000000",
            "fl.tau=100000",
            "fl.systems_only=true",
        ]);
        assert_eq!(check_work(&systems), Ok(()));
        // Systems-only runs are bounded by their rounds.
        let many = scenario(&["fl.steps=2000000000", "fl.tau=1", "fl.systems_only=true"]);
        let e = check_work(&many).unwrap_err();
        assert!(e.contains("rounds") && e.contains("fl.tau"), "{e}");
        let crowded = scenario(&[
            "fl.devices=1000000",
            "fl.steps=100000000",
            "fl.tau=1",
            "fl.systems_only=true",
        ]);
        let e = check_work(&crowded).unwrap_err();
        assert!(
            e.contains("device-rounds") && e.contains("fl.devices"),
            "{e}"
        );
        let slow = scenario(&["fl.steps=1000000000000000", "fl.systems_only=true"]);
        let e = check_work(&slow).unwrap_err();
        assert!(e.contains("device_class[0].step_time"), "{e}");
        let late = scenario(&[
            "fl.deadline=\"100000000s\"",
            "fl.steps=1000000000",
            "fl.tau=1",
            "fl.systems_only=true",
        ]);
        let e = check_work(&late).unwrap_err();
        assert!(e.contains("fl.deadline"), "{e}");
        let far = scenario(&[
            "channel.uplink.latency={kind=\"constant\",value=\"100000000s\"}",
            "fl.steps=1000000000",
            "fl.tau=1",
            "fl.systems_only=true",
        ]);
        let e = check_work(&far).unwrap_err();
        assert!(e.contains("channel.uplink.latency"), "{e}");
    }

    #[test]
    fn meminfo_total_reads_kilobytes() {
        let text = "MemTotal:       16318412 kB\nMemFree: 1 kB\n";
        assert_eq!(meminfo_total(text), Some(16318412 * 1024));
        assert_eq!(meminfo_total("MemFree: 1 kB\n"), None);
        assert_eq!(meminfo_total("MemTotal: x kB\n"), None);
    }
}
