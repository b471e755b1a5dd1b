//! Errors of the channel components: invalid parameters and misuse of the uplink state machine.

use crate::time::SimTime;

/// Everything that can go wrong in `net`. Parameter errors name the component, the parameter,
/// the offending value and what is allowed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NetError {
    /// A model parameter is out of its allowed range.
    #[error("{component}: parameter `{parameter}` = {value} is invalid (expected {expected})")]
    InvalidParameter {
        /// The component being configured, e.g. `"loss.gilbert_elliott"`.
        component: &'static str,
        /// The parameter's name, e.g. `"mean_burst"`.
        parameter: &'static str,
        /// The value given, formatted.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// A flow was started with an id not above the latest one started on the same uplink (ids
    /// increase from flow to flow, so each is started once).
    #[error("uplink: flow {id} started at {now} after flow {last} (flow ids must increase)")]
    FlowOutOfOrder {
        /// The flow id.
        id: u64,
        /// The latest id started before it.
        last: u64,
        /// When the start was attempted.
        now: SimTime,
    },
    /// An uplink was asked to act at a time earlier than its last event.
    #[error("uplink: time went backwards: asked for {now}, last event at {last}")]
    TimeWentBackwards {
        /// The requested time.
        now: SimTime,
        /// The uplink's last event time.
        last: SimTime,
    },
    /// A flow was started after a pending completion that was never collected.
    #[error("uplink: flow {id} completes at {pending}, before {now}; complete it first")]
    CompletionPending {
        /// The requested time.
        now: SimTime,
        /// The earliest uncollected completion.
        pending: SimTime,
        /// The flow completing then.
        id: u64,
    },
}

impl NetError {
    /// Shorthand for [`NetError::InvalidParameter`].
    pub fn invalid(
        component: &'static str,
        parameter: &'static str,
        value: impl std::fmt::Display,
        expected: &'static str,
    ) -> NetError {
        NetError::InvalidParameter {
            component,
            parameter,
            value: value.to_string(),
            expected,
        }
    }
}
