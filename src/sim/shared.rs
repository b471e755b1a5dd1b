//! A value shared through an `Arc` saved once per snapshot (`#[serde(with =
//! "crate::sim::shared")]`): a broadcast sits in the calendar once for every receiver, all of
//! them the same `Arc`. While [`super::encode`] runs, the first copy is written with a number and
//! the others as that number alone; [`super::decode`] hands every one the same `Arc` again.
//! Outside a snapshot (e.g. on the MPI transport) every copy is written whole.

use serde::{de::Error as _, Deserialize, Deserializer, Serialize, Serializer};
use std::any::Any;
use std::cell::RefCell;
use std::collections::hash_map::{Entry, HashMap};
use std::sync::Arc;

type Taken = HashMap<u64, Arc<dyn Any + Send + Sync>>;

thread_local! {
    /// While encoding a snapshot: the number given to each `Arc` written so far, by address.
    static WRITTEN: RefCell<Option<HashMap<usize, u64>>> = const { RefCell::new(None) };
    /// While decoding a snapshot: the `Arc` read for each number.
    static TAKEN: RefCell<Option<Taken>> = const { RefCell::new(None) };
}

/// Runs `f` with shared values numbered afresh (one snapshot's encoding).
pub(super) fn writing<R>(f: impl FnOnce() -> R) -> R {
    let outer = WRITTEN.with(|w| w.borrow_mut().replace(HashMap::new()));
    let result = f();
    WRITTEN.with(|w| *w.borrow_mut() = outer);
    result
}

/// Runs `f` with shared values taken up afresh (one snapshot's decoding).
pub(super) fn reading<R>(f: impl FnOnce() -> R) -> R {
    let outer = TAKEN.with(|t| t.borrow_mut().replace(HashMap::new()));
    let result = f();
    TAKEN.with(|t| *t.borrow_mut() = outer);
    result
}

/// Writes `(number, Some(value))` the first time, `(number, None)` after; `(0, Some(value))`
/// outside a snapshot.
pub fn serialize<T: Serialize, S: Serializer>(v: &Arc<T>, s: S) -> Result<S::Ok, S::Error> {
    let address = Arc::as_ptr(v) as *const () as usize;
    let seen = WRITTEN.with(|w| {
        w.borrow_mut().as_mut().map(|numbers| {
            let next = numbers.len() as u64 + 1;
            match numbers.entry(address) {
                Entry::Occupied(e) => (*e.get(), true),
                Entry::Vacant(e) => (*e.insert(next), false),
            }
        })
    });
    match seen {
        None => (0u64, Some(&**v)).serialize(s),
        Some((number, false)) => (number, Some(&**v)).serialize(s),
        Some((number, true)) => (number, None::<&T>).serialize(s),
    }
}

/// Reads what [`serialize`] wrote.
pub fn deserialize<'de, T, D>(d: D) -> Result<Arc<T>, D::Error>
where
    T: Deserialize<'de> + Send + Sync + 'static,
    D: Deserializer<'de>,
{
    let (number, value): (u64, Option<T>) = Deserialize::deserialize(d)?;
    match value {
        Some(value) => {
            let value = Arc::new(value);
            if number != 0 {
                TAKEN.with(|t| {
                    if let Some(taken) = t.borrow_mut().as_mut() {
                        taken.insert(number, value.clone());
                    }
                });
            }
            Ok(value)
        }
        None => TAKEN
            .with(|t| {
                let taken = t.borrow();
                taken.as_ref()?.get(&number).cloned()
            })
            .and_then(|any| any.downcast::<T>().ok())
            .ok_or_else(|| {
                D::Error::custom(format!(
                    "shared value {number} referred to before it was written"
                ))
            }),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Copies(Vec<Held>);
    #[derive(serde::Serialize, serde::Deserialize, Debug)]
    struct Held(#[serde(with = "super")] Arc<Vec<u32>>);

    #[test]
    fn a_shared_value_is_written_once_and_shared_again() {
        let big = Arc::new((0..1000).collect::<Vec<u32>>());
        let other = Arc::new(vec![7u32]);
        let copies = Copies(vec![
            Held(big.clone()),
            Held(other.clone()),
            Held(big.clone()),
            Held(big.clone()),
        ]);
        let once = crate::sim::encode(&Copies(vec![Held(big.clone())])).unwrap();
        let bytes = crate::sim::encode(&copies).unwrap();
        assert!(
            bytes.len() < once.len() + 100,
            "{} {}",
            bytes.len(),
            once.len()
        );
        let back: Copies = crate::sim::decode(&bytes).unwrap();
        assert_eq!(*back.0[0].0, *big);
        assert_eq!(*back.0[1].0, *other);
        assert!(Arc::ptr_eq(&back.0[0].0, &back.0[2].0));
        assert!(Arc::ptr_eq(&back.0[0].0, &back.0[3].0));
        // Outside a snapshot every copy is whole.
        let wire = postcard::to_stdvec(&copies).unwrap();
        assert!(wire.len() > 3 * 1000);
        let back: Copies = postcard::from_bytes(&wire).unwrap();
        assert_eq!(*back.0[3].0, *big);
    }

    #[test]
    fn a_reference_to_nothing_is_refused() {
        let bytes = crate::sim::encode(&(5u64, None::<Vec<u32>>)).unwrap();
        let err = crate::sim::decode::<Held>(&bytes).unwrap_err();
        assert!(err.contains("shared value 5"), "{err}");
    }
}
