//! The wireless channel: latency, rate, shared uplink, loss + ARQ, availability, energy.
//!
//! Everything here is plain, synchronous and deterministic: no actors, no clocks, no I/O. Each
//! rule is a small component tested alone; [`link`] composes them for one message:
//!
//! ```text
//! payload bytes --packet--> packet sizes --arq(loss)--> Transmission { wire_bits, delivered }
//!   wire_bits --rate or uplink (sharing)--> transmission finish time
//!   finish + retry waits + latency sample --> arrival time (if delivered)
//! ```
//!
//! With a [`cell`], each device's link comes from where it stands: [`geometry`] places it,
//! [`propagation`] and [`fading`] give its path gain at any instant, [`radio`] turns the SNR into
//! a rate and a packet error rate that feed the same ARQ and shared uplink.
//!
//! [`aircomp`] replaces the digital uplink of a cell by over-the-air aggregation.
//!
//! [`availability`] decides whether a device can take part at all, [`energy`] turns airtime and
//! spike counts into joules, [`channel`] composes them
//! into the cell that carries every message between devices and the base station.

pub mod aircomp;
pub mod arq;
pub mod availability;
pub mod cell;
pub mod channel;
pub mod downlink;
pub mod energy;
pub mod error;
pub mod fading;
pub mod faults;
pub mod geometry;
pub mod latency;
pub mod link;
pub mod loss;
pub mod mobility;
pub mod packet;
pub mod propagation;
pub mod radio;
pub mod rate;
pub mod uplink;

pub use aircomp::OverTheAir;
pub use arq::{send_message, Transmission};
pub use availability::{Availability, AvailabilityTrace};
pub use cell::{Cell, CellConfig, CellDevice, RadioLink, SightRule};
pub use channel::{Channel, DownlinkOutcome, UplinkDone, UploadStart};
pub use downlink::DownlinkMode;
pub use energy::{ComputeEnergy, RadioEnergy};
pub use error::NetError;
pub use fading::Fading;
pub use faults::{Cut, Damage, PathFaults, Spells};
pub use geometry::{Placement, Position};
pub use latency::Latency;
pub use link::{Link, LinkConfig, MessagePlan};
pub use loss::{LossModel, LossState};
pub use mobility::{Mobility, Walk};
pub use packet::PacketFormat;
pub use propagation::{PathLoss, Sight};
pub use radio::{ErrorModel, LinkBudget, McsEntry, RateModel, LTE_CQI};
pub use rate::{tx_time, tx_time_shared, Rate};
pub use uplink::{SharedUplink, Sharing};
