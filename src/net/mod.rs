//! The wireless channel: latency, rate, shared uplink, loss + ARQ, availability, energy.
