//! Saving a simulation between two events and taking it up again.
//!
//! At a point a [`Saver`] chooses, the kernel awaits the work its actors are computing (their
//! results become part of the snapshot, still handed back at the end of their virtual duration),
//! asks every node model, worker, the medium and the observer for its state, and encodes all of
//! it with the kernel's own state (calendar, work and probe slots, clock, counters) as one
//! binary value in CBOR ([`encode`]; self-describing, so that every serde shape of the parts,
//! internally tagged enums and skipped fields included, comes back as it went). A run taken up from a snapshot pops the same events in the
//! same order as one that never stopped, on any number of threads.

use super::model::System;
use crate::time::SimTime;
use serde::{Deserialize, Serialize};

/// Decides when the kernel saves the simulation, and keeps what it saves.
pub trait Saver<S: System> {
    /// Asked after every event: whether to save now, at virtual time `now`, the observer having
    /// come to `progress` ([`super::Observer::progress`]).
    fn due(&mut self, now: SimTime, progress: u64) -> bool;
    /// Keeps a snapshot: `write` encodes it (the bytes of a [`super::Snapshot`]) into the
    /// writer it is handed, once; an error stops the run.
    fn keep(&mut self, now: SimTime, write: Encoder) -> Result<(), String>;
}

/// Encodes a snapshot into the writer it is handed ([`Saver::keep`]).
pub type Encoder<'a> = &'a mut dyn FnMut(&mut dyn std::io::Write) -> Result<(), String>;

/// A saved simulation: the kernel's own state `K` and the saved state of every part. The parts
/// are restored by whoever builds the nodes, the kernel's state by [`super::run_saving`]
/// ([`super::Snapshot`] names it with the kernel's state).
#[derive(Deserialize)]
#[serde(bound = "K: Deserialize<'de>")]
pub struct Parts<S: System, K> {
    /// The kernel's state.
    pub kernel: K,
    /// Node models, by node id.
    pub models: Vec<S::Saved>,
    /// Workers, by node id.
    pub workers: Vec<S::Saved>,
    /// The medium.
    pub medium: S::Saved,
    /// The observer.
    pub observer: S::Saved,
}

/// The same fields as [`Parts`], the kernel's `K` borrowed where the kernel keeps it, for
/// encoding.
#[derive(Serialize)]
#[serde(bound = "K: Serialize")]
pub(super) struct PartsView<S: System, K> {
    pub kernel: K,
    pub models: Vec<S::Saved>,
    pub workers: Vec<S::Saved>,
    pub medium: S::Saved,
    pub observer: S::Saved,
}

impl<S: System, K: serde::de::DeserializeOwned> Parts<S, K> {
    /// Decodes the bytes a [`Saver`] was handed; an error says what does not fit.
    pub fn decode(bytes: &[u8]) -> Result<Parts<S, K>, String> {
        decode(bytes)
    }
}

/// Encodes `value` in the snapshots' format (CBOR).
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    encode_into(value, &mut out)?;
    Ok(out)
}

/// Encodes `value` as [`encode`] does, straight into `out`.
pub fn encode_into<T: Serialize + ?Sized>(
    value: &T,
    out: &mut dyn std::io::Write,
) -> Result<(), String> {
    super::shared::writing(|| ciborium::into_writer(value, out)).map_err(|e| e.to_string())
}

/// Decodes what [`encode`] made; an error says where it does not fit, and bytes left over are
/// an error too.
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let mut rest = bytes;
    let value =
        super::shared::reading(|| ciborium::from_reader(&mut rest)).map_err(|e| match e {
            ciborium::de::Error::Io(e) => format!("truncated ({e})"),
            ciborium::de::Error::Syntax(at) => format!("malformed at byte {at}"),
            ciborium::de::Error::Semantic(at, what) => match at {
                Some(at) => format!("at byte {at}: {what}"),
                None => what,
            },
            ciborium::de::Error::RecursionLimitExceeded => "nested too deeply".to_string(),
        })?;
    if !rest.is_empty() {
        return Err(format!(
            "{} bytes left over after byte {}",
            rest.len(),
            bytes.len() - rest.len()
        ));
    }
    Ok(value)
}

/// Bytes saved as one CBOR byte string (a part a system encoded itself): serde would otherwise
/// write a `Vec<u8>` as a list of numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<Z: serde::Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Bytes, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Bytes;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Bytes, E> {
                Ok(Bytes(v))
            }
        }
        deserializer.deserialize_byte_buf(Visitor)
    }
}
