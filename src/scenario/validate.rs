//! Stage two: turn a [`RawScenario`] into a checked [`Scenario`], filling in documented defaults.

use super::checks::Checker;
use super::error::ScenarioError;
use super::raw::*;
use super::spec::*;
use super::validate_budget::{validate_budget, validate_compression};
use super::validate_cell::validate_cell;
use super::validate_faults::validate_faults;
use super::validate_net::{validate_availability, validate_link, LinkDirection};
use super::validate_override::overrides;
use crate::snn::SnnConfig;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Upper bound on `fl.devices`: device `d` is node `d + 1` of 32-bit node ids (the base station
/// is node 0). Below it the memory estimate decides (`src/scenario/memory.rs`, `--max-memory`):
/// 1,000,000 systems-only devices take about 3.4 GiB, a training device of the paper's SNN about
/// 250 KiB.
pub const MAX_DEVICES: u64 = u32::MAX as u64 - 1;
/// Upper bound on `data.steps_per_example`.
pub const MAX_STEPS_PER_EXAMPLE: u64 = 100_000;
/// Upper bound on `data.test_examples` and `partition.examples_per_device`.
pub const MAX_EXAMPLES: u64 = 10_000_000;

/// Validates `raw`, read from `file` (used in error messages).
pub fn validate(raw: &RawScenario, file: &str) -> Result<Scenario, ScenarioError> {
    let c = Checker {
        file: file.to_string(),
    };
    let data = validate_data(&c, raw.data.clone().unwrap_or_default())?;
    let partition = validate_partition(&c, raw.partition.clone().unwrap_or_default())?;
    let snn = validate_snn(&c, raw.snn.clone().unwrap_or_default(), data.classes.len())?;
    let default_steps = partition
        .examples_per_device
        .saturating_mul(data.steps_per_example);
    let fl = validate_fl(
        &c,
        raw.fl.clone().unwrap_or_default(),
        default_steps,
        snn.delta_s,
    )?;
    let device_classes = validate_device_classes(&c, raw.device_class.as_deref())?;
    let channel = raw.channel.clone().unwrap_or_default();
    let uplink = validate_link(
        &c,
        channel.uplink.unwrap_or_default(),
        LinkDirection::Uplink,
        fl.devices,
    )?;
    let downlink = validate_link(
        &c,
        channel.downlink.unwrap_or_default(),
        LinkDirection::Downlink,
        fl.devices,
    )?;
    let availability =
        validate_availability(&c, raw.availability.clone().unwrap_or_default(), fl.devices)?;
    check_protocol(&c, &fl, &availability)?;
    let eval = raw.eval.clone().unwrap_or_default();
    let eval = EvalSpec {
        every: c.int("eval.every", eval.every, 1, 1, u64::MAX)?,
        test_examples_per_eval: c.int(
            "eval.test_examples_per_eval",
            eval.test_examples_per_eval,
            0,
            0,
            u64::MAX,
        )?,
        device_models: eval.device_models.unwrap_or(false),
        local_every: match eval.local_every {
            Some(_) => Some(c.int("eval.local_every", eval.local_every, 1, 1, u64::MAX)?),
            None => None,
        },
        local_every_steps: match eval.local_every_steps {
            Some(_) => {
                let why = "eval.local_every_steps is set: choose one cadence";
                c.forbid("eval.local_every", &eval.local_every, why)?;
                Some(c.int(
                    "eval.local_every_steps",
                    eval.local_every_steps,
                    1,
                    1,
                    u64::MAX,
                )?)
            }
            None => None,
        },
    };
    let output = raw.output.clone().unwrap_or_default();
    let output = OutputSpec {
        dir: PathBuf::from(output.dir.unwrap_or_else(|| "runs".to_string())),
        events: output.events.unwrap_or(false),
    };
    let compression =
        validate_compression(&c, raw.compression.clone().unwrap_or_default(), fl.tau)?;
    let budget = validate_budget(&c, raw.budget.clone().unwrap_or_default())?;
    let name = raw.name.clone().unwrap_or_else(|| "unnamed".to_string());
    if let Err(why) = super::name::check(&name) {
        return Err(c.invalid("name", why, format!("{:?}", super::layer::excerpt(&name))));
    }
    let mut cell = validate_cell(&c, raw, fl.devices, &device_classes, &uplink, &downlink)?;
    if let (Some(spec), Some(section)) = (cell.as_mut(), raw.cell.as_ref()) {
        spec.overrides = overrides(&c, raw, section, fl.devices, &device_classes)?;
    }
    let rounds = fl.steps.div_ceil((fl.tau * snn.delta_s).max(1)).max(1);
    let faults = validate_faults(&c, raw.faults.as_deref(), &fl, rounds, &device_classes)?;
    Ok(Scenario {
        name,
        seed: raw.seed.unwrap_or(1),
        data,
        partition,
        snn,
        fl,
        device_classes,
        uplink,
        downlink,
        availability,
        eval,
        output,
        compression,
        budget,
        cell,
        faults,
        source: file.to_string(),
    })
}

fn validate_data(c: &Checker, d: RawData) -> Result<DataSpec, ScenarioError> {
    let source = match d.source.unwrap_or(RawDataSource::Mnist) {
        RawDataSource::Mnist => DataSource::Mnist,
        RawDataSource::UciDigits => DataSource::UciDigits,
        RawDataSource::MnistDvs => DataSource::MnistDvs,
        RawDataSource::NMnist => DataSource::NMnist,
    };
    let path = match (&d.path, source.is_static()) {
        (Some(p), _) => PathBuf::from(p),
        (None, true) => PathBuf::from("data"),
        (None, false) => {
            c.require(
                "data.path",
                &d.path,
                "the recordings' folder is required for mnist-dvs and n-mnist",
            )?;
            PathBuf::new()
        }
    };
    let encoding = match (d.encoding, source.is_static()) {
        (None, true) | (Some(RawEncoding::Rate), true) => Encoding::Rate,
        (Some(RawEncoding::Events), _) | (None, false) => Encoding::Events,
        (Some(RawEncoding::Rate), false) => return Err(c.invalid(
            "data.encoding",
            "\"events\" (recordings are already events; rate coding is for mnist and uci-digits)",
            "\"rate\"",
        )),
    };
    let raw_classes = d.classes.unwrap_or_else(|| vec![1, 7]);
    let mut classes = Vec::with_capacity(raw_classes.len());
    let mut seen = BTreeSet::new();
    for (i, &class) in raw_classes.iter().enumerate() {
        let digit = u8::try_from(class)
            .ok()
            .filter(|&k| k <= 9)
            .ok_or_else(|| c.invalid(&format!("data.classes[{i}]"), "a digit in 0..=9", class))?;
        if !seen.insert(digit) {
            return Err(c.invalid(
                "data.classes",
                "distinct digits",
                format!("{raw_classes:?} ({digit} repeated)"),
            ));
        }
        classes.push(digit);
    }
    if classes.len() < 2 {
        return Err(c.invalid(
            "data.classes",
            "at least 2 distinct digits",
            format!("{raw_classes:?}"),
        ));
    }
    Ok(DataSpec {
        source,
        path,
        encoding,
        gain: c.real("data.gain", d.gain, 0.15, "a number in (0, 1]", |x| {
            x > 0.0 && x <= 1.0
        })?,
        rate_draws: match d.rate_draws {
            None | Some(RawRateDraws::PerStep) => RateDraws::PerStep,
            Some(RawRateDraws::PerSpike) => RateDraws::PerSpike,
        },
        event_threshold: c.real(
            "data.event_threshold",
            d.event_threshold,
            0.2,
            "a number > 0",
            |x| x > 0.0,
        )?,
        classes,
        steps_per_example: c.int(
            "data.steps_per_example",
            d.steps_per_example,
            80,
            1,
            MAX_STEPS_PER_EXAMPLE,
        )?,
        bin: c.positive_duration("data.bin", d.bin.as_ref(), 25_000_000)?,
        polarity: match d.polarity.unwrap_or(RawPolarity::Merged) {
            RawPolarity::Merged => Polarity::Merged,
            RawPolarity::Split => Polarity::Split,
        },
        test_examples: c.int("data.test_examples", d.test_examples, 200, 1, MAX_EXAMPLES)?,
    })
}

fn validate_partition(c: &Checker, p: RawPartition) -> Result<PartitionSpec, ScenarioError> {
    let scheme = p.scheme.unwrap_or(RawScheme::LabelPerDevice);
    if scheme != RawScheme::Dirichlet {
        c.forbid(
            "partition.dirichlet_alpha",
            &p.dirichlet_alpha,
            "only with scheme = \"dirichlet\"",
        )?;
    }
    if scheme != RawScheme::QuantitySkew {
        c.forbid(
            "partition.quantity_sigma",
            &p.quantity_sigma,
            "only with scheme = \"quantity-skew\"",
        )?;
    }
    let scheme = match scheme {
        RawScheme::LabelPerDevice => PartitionScheme::LabelPerDevice,
        RawScheme::Iid => PartitionScheme::Iid,
        RawScheme::Dirichlet => PartitionScheme::Dirichlet {
            alpha: c.real(
                "partition.dirichlet_alpha",
                p.dirichlet_alpha,
                0.5,
                "a number > 0",
                |x| x > 0.0,
            )?,
        },
        RawScheme::QuantitySkew => PartitionScheme::QuantitySkew {
            sigma: c.real(
                "partition.quantity_sigma",
                p.quantity_sigma,
                1.0,
                "a number > 0",
                |x| x > 0.0,
            )?,
        },
    };
    Ok(PartitionSpec {
        scheme,
        examples_per_device: c.int(
            "partition.examples_per_device",
            p.examples_per_device,
            400,
            1,
            MAX_EXAMPLES,
        )?,
    })
}

fn validate_snn(c: &Checker, s: RawSnn, outputs: usize) -> Result<SnnSpec, ScenarioError> {
    let hidden = c.int("snn.hidden", s.hidden, 0, 0, u64::from(u32::MAX))?;
    let topology = match s.topology.unwrap_or(RawTopology::Paper) {
        RawTopology::Paper => {
            c.forbid(
                "snn.adjacency",
                &s.adjacency,
                "only with topology = \"custom\"",
            )?;
            Topology::Paper
        }
        RawTopology::FullyConnected => {
            c.forbid(
                "snn.adjacency",
                &s.adjacency,
                "only with topology = \"custom\"",
            )?;
            Topology::FullyConnected
        }
        RawTopology::Custom => {
            let rows = c.require(
                "snn.adjacency",
                &s.adjacency,
                "topology = \"custom\" needs an adjacency matrix",
            )?;
            Topology::Custom(validate_adjacency(c, rows, hidden as usize + outputs)?)
        }
    };
    let d = SnnConfig::default();
    Ok(SnnSpec {
        hidden,
        k_ff: c.int("snn.k_ff", s.k_ff, d.k_ff as u64, 1, 1024)?,
        k_fb: c.int("snn.k_fb", s.k_fb, d.k_fb as u64, 1, 1024)?,
        memory: c.int("snn.memory", s.memory, d.memory as u64, 1, 1_000_000)?,
        mu: c.real("snn.mu", s.mu, d.mu, "a finite number", |_| true)?,
        w0: c.real("snn.w0", s.w0, d.w0, "a number >= 0", |x| x >= 0.0)?,
        eta: c.real("snn.eta", s.eta, d.eta, "a number > 0", |x| x > 0.0)?,
        kappa: c.real("snn.kappa", s.kappa, d.kappa, "a number in [0, 1)", |x| {
            (0.0..1.0).contains(&x)
        })?,
        delta_s: c.int("snn.delta_s", s.delta_s, d.delta_s as u64, 1, u64::MAX)?,
        alpha: c.real("snn.alpha", s.alpha, d.alpha, "a finite number", |_| true)?,
        rho: c.real("snn.rho", s.rho, d.rho, "a number in (0, 1)", |x| {
            x > 0.0 && x < 1.0
        })?,
        topology,
    })
}

/// Checks the row count (L = hidden + outputs), equal row lengths and 0/1 entries.
fn validate_adjacency(
    c: &Checker,
    rows: &[Vec<i64>],
    learnable: usize,
) -> Result<Vec<Vec<bool>>, ScenarioError> {
    if rows.len() != learnable {
        return Err(c.invalid(
            "snn.adjacency",
            &format!("{learnable} rows (one per hidden and output neuron)"),
            format!("{} rows", rows.len()),
        ));
    }
    let width = rows.first().map_or(0, Vec::len);
    let mut matrix = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        if row.len() != width {
            return Err(c.invalid(
                &format!("snn.adjacency[{i}]"),
                &format!("{width} columns like row 0"),
                format!("{} columns", row.len()),
            ));
        }
        let mut out = Vec::with_capacity(row.len());
        for (j, &v) in row.iter().enumerate() {
            match v {
                0 => out.push(false),
                1 => out.push(true),
                _ => return Err(c.invalid(&format!("snn.adjacency[{i}][{j}]"), "0 or 1", v)),
            }
        }
        matrix.push(out);
    }
    Ok(matrix)
}

fn validate_fl(
    c: &Checker,
    f: RawFl,
    default_steps: u64,
    delta_s: u64,
) -> Result<FlSpec, ScenarioError> {
    let participation = match f.participation.unwrap_or(RawParticipation::All) {
        RawParticipation::All => Participation::All,
        RawParticipation::Available => Participation::Available,
        RawParticipation::Fraction => Participation::Fraction(c.real(
            "fl.fraction",
            f.fraction,
            0.5,
            "a number in (0, 1]",
            |x| x > 0.0 && x <= 1.0,
        )?),
    };
    if !matches!(participation, Participation::Fraction(_)) {
        c.forbid(
            "fl.fraction",
            &f.fraction,
            "only with participation = \"fraction\"",
        )?;
    }
    let steps = c.int("fl.steps", f.steps, default_steps, 1, u64::MAX)?;
    if steps < delta_s {
        return Err(c.invalid(
            "fl.steps",
            &format!("at least snn.delta_s = {delta_s} steps"),
            steps,
        ));
    }
    let tau = c.int("fl.tau", f.tau, 8, 1, u64::MAX)?;
    if tau.checked_mul(delta_s).is_none() {
        return Err(c.invalid(
            "fl.tau",
            &format!("fl.tau x snn.delta_s (= {delta_s}) below 2^64 steps per round"),
            tau,
        ));
    }
    let systems_only = f.systems_only.unwrap_or(false);
    if let Some(n) = f.devices.filter(|&n| n > MAX_DEVICES as i64) {
        return Err(c.invalid(
            "fl.devices",
            &format!(
                "an integer in [1, {MAX_DEVICES}] (device ids are 32-bit; below that the memory \
                 estimate decides, see `flsnn validate` and --max-memory)"
            ),
            n,
        ));
    }
    Ok(FlSpec {
        devices: c.int("fl.devices", f.devices, 2, 1, MAX_DEVICES)?,
        tau,
        mode: match f.mode.unwrap_or(RawFlMode::Sync) {
            RawFlMode::Sync => Mode::Sync,
            RawFlMode::NonBlocking => Mode::NonBlocking,
            RawFlMode::Separate => Mode::Separate,
        },
        steps,
        aggregation: match f.aggregation.unwrap_or(RawAggregation::Samples) {
            RawAggregation::Samples => Aggregation::Samples,
            RawAggregation::Plain => Aggregation::Plain,
        },
        deadline: match &f.deadline {
            None => None,
            Some(d) => Some(c.positive_duration("fl.deadline", Some(d), 0)?),
        },
        participation,
        systems_only,
    })
}

/// Rules across keys of the protocol: participation other than "all" needs a base station that
/// waits for a chosen set (synchronous mode), and a base station whose devices can be off needs a
/// deadline, or it would wait forever for an upload that is never sent.
fn check_protocol(
    c: &Checker,
    fl: &FlSpec,
    availability: &AvailabilitySpec,
) -> Result<(), ScenarioError> {
    if fl.mode != Mode::Sync && fl.participation != Participation::All {
        return Err(c.invalid(
            "fl.participation",
            "\"all\" with fl.mode = \"non-blocking\" or \"separate\"",
            format!("{:?}", fl.participation).to_lowercase(),
        ));
    }
    if fl.mode != Mode::Separate
        && *availability != AvailabilitySpec::Always
        && fl.deadline.is_none()
    {
        return Err(c.invalid(
            "fl.deadline",
            "a deadline when devices can be off (availability.kind is not \"always\"): the base station would wait forever for an upload that is never sent",
            "none",
        ));
    }
    Ok(())
}

/// The implicit class used when the file has no `[[device_class]]`.
pub fn default_device_class() -> DeviceClass {
    DeviceClass {
        name: "default".to_string(),
        share: 1.0,
        step_time: crate::time::SimDuration::from_micros(100),
        tx_power_w: 0.2,
        rx_power_w: 0.1,
        energy_per_spike_j: 5e-12,
        energy_per_synop_j: 1e-12,
    }
}

fn validate_device_classes(
    c: &Checker,
    raw: Option<&[RawDeviceClass]>,
) -> Result<Vec<DeviceClass>, ScenarioError> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok(vec![default_device_class()]);
    };
    let d = default_device_class();
    let mut names = BTreeSet::new();
    let mut classes = Vec::with_capacity(raw.len());
    for (i, rc) in raw.iter().enumerate() {
        let key = |field: &str| format!("device_class[{i}].{field}");
        let name = c
            .require(
                &key("name"),
                &rc.name,
                "every [[device_class]] needs a name",
            )?
            .clone();
        if name.is_empty() || !names.insert(name.clone()) {
            return Err(c.invalid(
                &key("name"),
                "a non-empty name unique among device classes",
                format!("{name:?}"),
            ));
        }
        let power = |field: &str, v: Option<&String>, default: f64| {
            let w = c.power(&key(field), v, default)?;
            Ok::<f64, ScenarioError>(w)
        };
        let energy =
            |field: &str, v: Option<&String>, default: f64| c.energy(&key(field), v, default);
        classes.push(DeviceClass {
            name,
            share: c.real(&key("share"), rc.share, 1.0, "a number > 0", |x| x > 0.0)?,
            step_time: c.positive_duration(
                &key("step_time"),
                rc.step_time.as_ref(),
                d.step_time.0,
            )?,
            tx_power_w: power("tx_power", rc.tx_power.as_ref(), d.tx_power_w)?,
            rx_power_w: power("rx_power", rc.rx_power.as_ref(), d.rx_power_w)?,
            energy_per_spike_j: energy(
                "energy_per_spike",
                rc.energy_per_spike.as_ref(),
                d.energy_per_spike_j,
            )?,
            energy_per_synop_j: energy(
                "energy_per_synop",
                rc.energy_per_synop.as_ref(),
                d.energy_per_synop_j,
            )?,
        });
    }
    let total: f64 = classes.iter().map(|k| k.share).sum();
    if !total.is_finite() {
        return Err(c.invalid("device_class", "shares with a finite sum", total));
    }
    for k in &mut classes {
        k.share /= total;
    }
    Ok(classes)
}
