//! One link's rules composed for one message.
//!
//! ```text
//! 1. packetise  payload bytes -> packets of at most `mtu` bytes, `header` bytes each
//! 2. ARQ        each packet sent until it gets through or `retries` retransmissions are spent;
//!               the loss state advances once per packet transmission   -> Transmission
//! 3. airtime    transmission.wire_bits at the link rate (dedicated link: `dedicated_finish`),
//!               or as a flow on a SharedUplink whose sharing rule decides the finish time
//! 4. arrival    finish + retransmissions * retry_delay + one latency sample
//! ```
//!
//! Retry waits are added after the transmission's finish rather than interleaved with it, so
//! on a shared uplink the flow's size includes every retransmitted bit and the waits do not
//! hold any of the shared rate. Latency is drawn once per message (propagation and processing
//! are not per packet). Lost messages still cost their airtime and have no arrival time.

use super::arq::{send_message, Transmission};
use super::error::NetError;
use super::latency::Latency;
use super::loss::{LossModel, LossState};
use super::packet::PacketFormat;
use super::rate::{tx_time, Rate};
use crate::time::{SimDuration, SimTime};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Everything that defines one direction of one link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkConfig {
    /// Per-message delay after the transmission.
    pub latency: Latency,
    /// Transmission rate [bit/s] (for a shared uplink: the cell's total rate).
    pub rate: Rate,
    /// Maximum packet size, header included \[bytes\].
    pub mtu_bytes: u64,
    /// Header per packet \[bytes\].
    pub header_bytes: u64,
    /// Packet loss model.
    pub loss: LossModel,
    /// Retransmissions allowed per packet.
    pub retries: u32,
    /// Wait before each retransmission \[ns\].
    pub retry_delay: SimDuration,
}

impl LinkConfig {
    /// Check every component's parameters.
    pub fn validate(&self) -> Result<(), NetError> {
        self.latency.validate()?;
        self.loss.validate()?;
        self.packet_format().map(|_| ())
    }

    /// The validated packet format.
    pub fn packet_format(&self) -> Result<PacketFormat, NetError> {
        PacketFormat::new(self.mtu_bytes, self.header_bytes)
    }
}

/// What happens to one message on a link, before the medium decides its finish time.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct MessagePlan {
    /// ARQ outcome: delivered or not, attempts, bits on the air.
    pub transmission: Transmission,
    /// Total wait between retransmissions \[ns\].
    pub retry_wait: SimDuration,
    /// Latency drawn for this message \[ns\].
    pub latency: SimDuration,
}

impl MessagePlan {
    /// Airtime on a dedicated link of `rate` \[ns\].
    pub fn airtime(&self, rate: Rate) -> SimDuration {
        tx_time(self.transmission.wire_bits, rate)
    }

    /// Transmission end on a dedicated link of `rate` when sending starts at `start`.
    pub fn dedicated_finish(&self, start: SimTime, rate: Rate) -> SimTime {
        start + self.airtime(rate)
    }

    /// Arrival at the receiver given the transmission's end (from `dedicated_finish` or a
    /// shared uplink); `None` when the message was lost.
    pub fn arrival(&self, transmission_finish: SimTime) -> Option<SimTime> {
        self.transmission
            .delivered
            .then(|| transmission_finish + self.retry_wait + self.latency)
    }
}

/// A link: its configuration plus its loss state (the Gilbert-Elliott chain persists between
/// messages).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Link {
    config: LinkConfig,
    format: PacketFormat,
    loss: LossState,
}

impl Link {
    /// Validate `config`; `loss_rng` draws the loss chain's starting state.
    pub fn new<R: Rng + ?Sized>(config: LinkConfig, loss_rng: &mut R) -> Result<Link, NetError> {
        config.validate()?;
        let format = config.packet_format()?;
        let loss = LossState::new(config.loss.clone(), loss_rng)?;
        Ok(Link {
            config,
            format,
            loss,
        })
    }

    /// The link's configuration.
    pub fn config(&self) -> &LinkConfig {
        &self.config
    }

    /// Packets a message of `payload` bytes is cut into.
    pub fn packet_count(&self, payload: u64) -> u64 {
        self.format.packet_count(payload)
    }

    /// Its loss chain's state (see [`LossState::bad`]).
    pub fn loss_state(&self) -> &LossState {
        &self.loss
    }

    /// Its loss chain's state, to set it: one link's configuration serving many devices that
    /// each keep their own chain's state.
    pub fn loss_state_mut(&mut self) -> &mut LossState {
        &mut self.loss
    }

    /// Packetise and send `payload` bytes through ARQ (losses from `loss_rng`) and draw its
    /// latency (from `latency_rng`). Both streams advance the same way whatever the medium.
    pub fn send<L: Rng + ?Sized, D: Rng + ?Sized>(
        &mut self,
        payload: u64,
        loss_rng: &mut L,
        latency_rng: &mut D,
    ) -> MessagePlan {
        let transmission = send_message(
            payload,
            &self.format,
            self.config.retries,
            &mut self.loss,
            loss_rng,
        );
        self.plan(transmission, latency_rng)
    }

    /// As [`Link::send`], with packets lost by `loss` instead of the link's own loss state (a
    /// cell's packet error rate at the time of sending).
    pub fn send_with_loss<L: Rng + ?Sized, D: Rng + ?Sized>(
        &mut self,
        payload: u64,
        loss: &mut LossState,
        loss_rng: &mut L,
        latency_rng: &mut D,
    ) -> MessagePlan {
        let transmission = send_message(payload, &self.format, self.config.retries, loss, loss_rng);
        self.plan(transmission, latency_rng)
    }

    fn plan<D: Rng + ?Sized>(
        &self,
        transmission: Transmission,
        latency_rng: &mut D,
    ) -> MessagePlan {
        MessagePlan {
            transmission,
            retry_wait: self.config.retry_delay * u64::from(transmission.retransmissions),
            latency: self.config.latency.sample(latency_rng),
        }
    }
}
