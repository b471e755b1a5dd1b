//! The resolved scenario written back in the file schema: every default made explicit, units as
//! exact strings, so the result loads back into an equal [`Scenario`] (for `manifest.json`).

use super::raw::*;
use super::spec::*;
use super::units::{
    format_duration_ns, format_energy_j, format_power_w, format_rate_bps, format_size_bytes,
};
use crate::time::SimDuration;

fn dur(d: SimDuration) -> Option<String> {
    Some(format_duration_ns(d.0))
}

fn int(v: u64) -> Option<i64> {
    i64::try_from(v).ok()
}

/// The raw form of `s` with every key present (with `[cell]`, the links' rates are left out:
/// the cell sets them).
pub fn to_raw(s: &Scenario) -> RawScenario {
    let mut raw = RawScenario {
        name: Some(s.name.clone()),
        seed: Some(s.seed),
        data: Some(raw_data(&s.data)),
        partition: Some(raw_partition(&s.partition)),
        snn: Some(raw_snn(&s.snn)),
        fl: Some(raw_fl(&s.fl)),
        device_class: Some(s.device_classes.iter().map(raw_device_class).collect()),
        channel: Some(RawChannel {
            uplink: Some(raw_link(&s.uplink)),
            downlink: Some(raw_link(&s.downlink)),
        }),
        availability: Some(raw_availability(&s.availability)),
        eval: Some(RawEval {
            every: int(s.eval.every),
            test_examples_per_eval: int(s.eval.test_examples_per_eval),
            device_models: Some(s.eval.device_models),
            local_every: s.eval.local_every.and_then(int),
            local_every_steps: s.eval.local_every_steps.and_then(int),
        }),
        output: Some(RawOutput {
            dir: Some(s.output.dir.display().to_string()),
            events: Some(s.output.events),
        }),
        compression: Some(raw_compression(&s.compression)),
        budget: Some(RawBudget {
            uplink_bytes: s.budget.uplink_bytes.map(format_size_bytes),
            round_airtime: s.budget.round_airtime.and_then(dur),
        }),
        cell: s.cell.as_ref().map(|c| c.raw.clone()),
        faults: (!s.faults.is_empty()).then(|| s.faults.iter().map(|f| f.raw.clone()).collect()),
    };
    if let (Some(_), Some(channel)) = (&s.cell, raw.channel.as_mut()) {
        for link in [&mut channel.uplink, &mut channel.downlink]
            .into_iter()
            .flatten()
        {
            link.rate = None;
        }
    }
    raw
}

fn raw_compression(c: &Compression) -> RawCompression {
    let kind = |kind| RawCompression {
        kind: Some(kind),
        ..RawCompression::default()
    };
    match *c {
        Compression::None => kind(RawCompressionKind::None),
        Compression::FixedRate {
            rate, aggregation, ..
        } => RawCompression {
            rate: Some(rate),
            aggregation: Some(match aggregation {
                FixedRateAggregation::Original => RawFixedRateAggregation::Original,
                FixedRateAggregation::KeepLocal => RawFixedRateAggregation::KeepLocal,
            }),
            ..kind(RawCompressionKind::FixedRate)
        },
        Compression::TopK {
            fraction,
            error_feedback,
        } => RawCompression {
            fraction: Some(fraction),
            error_feedback: Some(error_feedback),
            ..kind(RawCompressionKind::TopK)
        },
        Compression::RandomK {
            fraction,
            error_feedback,
        } => RawCompression {
            fraction: Some(fraction),
            error_feedback: Some(error_feedback),
            ..kind(RawCompressionKind::RandomK)
        },
        Compression::Quantize { bits } => RawCompression {
            bits: Some(i64::from(bits)),
            ..kind(RawCompressionKind::Quantize)
        },
        Compression::Fp16 => kind(RawCompressionKind::Fp16),
    }
}

fn raw_data(d: &DataSpec) -> RawData {
    RawData {
        source: Some(match d.source {
            DataSource::Mnist => RawDataSource::Mnist,
            DataSource::UciDigits => RawDataSource::UciDigits,
            DataSource::MnistDvs => RawDataSource::MnistDvs,
            DataSource::NMnist => RawDataSource::NMnist,
        }),
        path: Some(d.path.display().to_string()),
        encoding: Some(match d.encoding {
            Encoding::Rate => RawEncoding::Rate,
            Encoding::Events => RawEncoding::Events,
        }),
        gain: Some(d.gain),
        rate_draws: Some(match d.rate_draws {
            RateDraws::PerStep => RawRateDraws::PerStep,
            RateDraws::PerSpike => RawRateDraws::PerSpike,
        }),
        event_threshold: Some(d.event_threshold),
        classes: Some(d.classes.iter().map(|&k| i64::from(k)).collect()),
        steps_per_example: int(d.steps_per_example),
        bin: dur(d.bin),
        polarity: Some(match d.polarity {
            Polarity::Merged => RawPolarity::Merged,
            Polarity::Split => RawPolarity::Split,
        }),
        test_examples: int(d.test_examples),
    }
}

fn raw_partition(p: &PartitionSpec) -> RawPartition {
    let (scheme, dirichlet_alpha, quantity_sigma) = match p.scheme {
        PartitionScheme::LabelPerDevice => (RawScheme::LabelPerDevice, None, None),
        PartitionScheme::Iid => (RawScheme::Iid, None, None),
        PartitionScheme::Dirichlet { alpha } => (RawScheme::Dirichlet, Some(alpha), None),
        PartitionScheme::QuantitySkew { sigma } => (RawScheme::QuantitySkew, None, Some(sigma)),
    };
    RawPartition {
        scheme: Some(scheme),
        examples_per_device: int(p.examples_per_device),
        dirichlet_alpha,
        quantity_sigma,
    }
}

fn raw_snn(s: &SnnSpec) -> RawSnn {
    let (topology, adjacency) = match &s.topology {
        Topology::Paper => (RawTopology::Paper, None),
        Topology::FullyConnected => (RawTopology::FullyConnected, None),
        Topology::Custom(m) => (
            RawTopology::Custom,
            Some(
                m.iter()
                    .map(|row| row.iter().map(|&b| i64::from(b)).collect())
                    .collect(),
            ),
        ),
    };
    RawSnn {
        hidden: int(s.hidden),
        k_ff: int(s.k_ff),
        k_fb: int(s.k_fb),
        memory: int(s.memory),
        mu: Some(s.mu),
        w0: Some(s.w0),
        eta: Some(s.eta),
        kappa: Some(s.kappa),
        delta_s: int(s.delta_s),
        alpha: Some(s.alpha),
        rho: Some(s.rho),
        topology: Some(topology),
        adjacency,
    }
}

fn raw_fl(f: &FlSpec) -> RawFl {
    let (participation, fraction) = match f.participation {
        // A scheduling policy is written back under [cell], where it was given.
        Participation::All | Participation::Scheduled(_) => (RawParticipation::All, None),
        Participation::Available => (RawParticipation::Available, None),
        Participation::Fraction(x) => (RawParticipation::Fraction, Some(x)),
    };
    RawFl {
        devices: int(f.devices),
        tau: int(f.tau),
        mode: Some(match f.mode {
            Mode::Sync => RawFlMode::Sync,
            Mode::NonBlocking => RawFlMode::NonBlocking,
            Mode::Separate => RawFlMode::Separate,
        }),
        steps: int(f.steps),
        aggregation: Some(match f.aggregation {
            Aggregation::Samples => RawAggregation::Samples,
            Aggregation::Plain => RawAggregation::Plain,
        }),
        deadline: f.deadline.and_then(dur),
        participation: Some(participation),
        fraction,
        systems_only: f.systems_only.then_some(true),
    }
}

fn raw_device_class(k: &DeviceClass) -> RawDeviceClass {
    RawDeviceClass {
        name: Some(k.name.clone()),
        share: Some(k.share),
        step_time: dur(k.step_time),
        tx_power: Some(format_power_w(k.tx_power_w)),
        rx_power: Some(format_power_w(k.rx_power_w)),
        energy_per_spike: Some(format_energy_j(k.energy_per_spike_j)),
        energy_per_synop: Some(format_energy_j(k.energy_per_synop_j)),
    }
}

fn raw_link(l: &LinkSpec) -> RawLink {
    let sharing = match l.sharing {
        LinkSharing::EqualShare => RawSharing::EqualShare,
        LinkSharing::Proportional => RawSharing::Proportional,
        LinkSharing::ProcessorSharing => RawSharing::ProcessorSharing,
        LinkSharing::Fifo => RawSharing::Fifo,
        LinkSharing::Broadcast => RawSharing::Broadcast,
        LinkSharing::Unicast => RawSharing::Unicast,
    };
    let downlink = matches!(l.sharing, LinkSharing::Broadcast | LinkSharing::Unicast);
    RawLink {
        rate: Some(format_rate_bps(l.rate_bps)),
        rate_per_device: None,
        sharing: (!downlink).then_some(sharing),
        mode: downlink.then_some(sharing),
        latency: Some(raw_latency(&l.latency)),
        mtu: Some(format_size_bytes(l.mtu_bytes)),
        header: Some(format_size_bytes(l.header_bytes)),
        loss: Some(match l.loss {
            LossModel::None => RawLoss {
                kind: Some(RawLossKind::None),
                ..RawLoss::default()
            },
            LossModel::Bernoulli { p } => RawLoss {
                kind: Some(RawLossKind::Bernoulli),
                p: Some(p),
                ..RawLoss::default()
            },
            LossModel::GilbertElliott {
                mean_loss,
                mean_burst,
            } => RawLoss {
                kind: Some(RawLossKind::GilbertElliott),
                mean_loss: Some(mean_loss),
                mean_burst: Some(mean_burst),
                ..RawLoss::default()
            },
        }),
        retries: Some(i64::from(l.retries)),
        retry_delay: dur(l.retry_delay),
    }
}

fn raw_latency(l: &Latency) -> RawLatency {
    let none = RawLatency::default();
    match *l {
        Latency::Constant(value) => RawLatency {
            kind: Some(RawLatencyKind::Constant),
            value: dur(value),
            ..none
        },
        Latency::Uniform { min, max } => RawLatency {
            kind: Some(RawLatencyKind::Uniform),
            min: dur(min),
            max: dur(max),
            ..none
        },
        Latency::Normal { mean, std } => RawLatency {
            kind: Some(RawLatencyKind::Normal),
            mean: dur(mean),
            std: dur(std),
            ..none
        },
        Latency::LogNormal { median, sigma } => RawLatency {
            kind: Some(RawLatencyKind::Lognormal),
            median: dur(median),
            sigma: Some(sigma),
            ..none
        },
        Latency::ShiftedExponential { shift, mean } => RawLatency {
            kind: Some(RawLatencyKind::ShiftedExponential),
            shift: dur(shift),
            mean: dur(mean),
            ..none
        },
        Latency::Pareto { scale, shape } => RawLatency {
            kind: Some(RawLatencyKind::Pareto),
            scale: dur(scale),
            shape: Some(shape),
            ..none
        },
    }
}

fn raw_availability(a: &AvailabilitySpec) -> RawAvailability {
    match a {
        AvailabilitySpec::Always => RawAvailability {
            kind: Some(RawAvailabilityKind::Always),
            ..RawAvailability::default()
        },
        AvailabilitySpec::OnOff { mean_on, mean_off } => RawAvailability {
            kind: Some(RawAvailabilityKind::OnOff),
            mean_on: dur(*mean_on),
            mean_off: dur(*mean_off),
            schedule: None,
        },
        AvailabilitySpec::Schedule { outages } => RawAvailability {
            kind: Some(RawAvailabilityKind::Schedule),
            schedule: Some(
                outages
                    .iter()
                    .map(|o| RawOutage {
                        device: int(o.device),
                        off_from: dur(o.off_from),
                        off_to: dur(o.off_to),
                    })
                    .collect(),
            ),
            ..RawAvailability::default()
        },
    }
}
