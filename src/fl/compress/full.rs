//! The values of a full upload: held by the upload, or read from the device's model, which the
//! upload shares while in flight instead of holding a second copy of it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::sync::Arc;

/// A device's model that a full upload reads its values from when they are read (at the base
/// station), shared with the device: the device copies it before it next changes it while the
/// upload lives.
pub trait SharedModel: Send + Sync + std::fmt::Debug {
    /// Length of the flat model \[values\].
    fn len(&self) -> usize;

    /// Whether it is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value at flat position `p` of the model (W ++ V ++ gamma); `None` past its end.
    fn get(&self, p: usize) -> Option<f64>;

    /// The values at the ascending positions `positions`, each rounded to f32, in a vector of
    /// exactly their number (NaN past the end): [`SharedModel::get`] in bulk.
    fn gather_f32(&self, positions: &[usize]) -> Vec<f32>;

    /// Whether every value of the model is finite once rounded to f32 (a quick check of the
    /// whole model; `false` only asks for the exact check, through
    /// [`SharedModel::gather_f32`]).
    fn fits_f32(&self) -> bool;
}

/// Every sendable value of a model in layout order, f32 on the wire.
#[derive(Clone)]
pub enum FullValues {
    /// The values, held by the upload.
    Own(Vec<f32>),
    /// The model's values at `positions` (ascending flat positions), each rounded to f32 when
    /// read: the same values [`FullValues::Own`] would hold. Saved as those values.
    Shared {
        /// The model, shared with the device.
        model: Arc<dyn SharedModel>,
        /// The sendable positions.
        positions: Arc<[usize]>,
    },
}

impl FullValues {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            FullValues::Own(values) => values.len(),
            FullValues::Shared { positions, .. } => positions.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values (read from the shared model, rounded to f32, if shared; a position past the
    /// model's end reads as NaN, which every check of an upload refuses).
    pub fn values(&self) -> Cow<'_, [f32]> {
        match self {
            FullValues::Own(values) => Cow::Borrowed(values),
            FullValues::Shared { model, positions } => Cow::Owned(model.gather_f32(positions)),
        }
    }

    /// Whether the values are read from a shared model (not held).
    pub fn is_shared(&self) -> bool {
        matches!(self, FullValues::Shared { .. })
    }
}

impl From<Vec<f32>> for FullValues {
    fn from(values: Vec<f32>) -> FullValues {
        FullValues::Own(values)
    }
}

impl PartialEq for FullValues {
    fn eq(&self, other: &FullValues) -> bool {
        self.values() == other.values()
    }
}

impl std::fmt::Debug for FullValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.values().fmt(f)
    }
}

/// Written as the values themselves (a shared model's read now), as a `Vec<f32>` is.
impl Serialize for FullValues {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.values().iter())
    }
}

/// Read back as values of its own.
impl<'de> Deserialize<'de> for FullValues {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FullValues, D::Error> {
        Vec::<f32>::deserialize(d).map(FullValues::Own)
    }
}
