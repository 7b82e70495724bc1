//! [`Last`]: the last result of a computation, kept with what it was computed from.
//!
//! The language server checks the same text twice in a row (its fast check of names and
//! types, then the whole compilation), and each stage that depends only on the modules'
//! syntax trees ([`crate::ModuleKeys`]) and a few other keys can hand the second check
//! what it gave the first. One value is kept, the last: a project has one program at a
//! time, and the memory stays that of one result.
//!
//! Invariant: [`Last::get_or`] returns what `make` would return for `key`, provided
//! `make` depends on nothing but what `key` names (each user states what its key
//! covers); a poisoned lock only means computing afresh.

use std::sync::Mutex;

/// The last `(key, value)` computed.
#[derive(Debug)]
pub struct Last<K, V> {
    last: Mutex<Option<(K, V)>>,
}

impl<K, V> Default for Last<K, V> {
    fn default() -> Self {
        Last { last: Mutex::new(None) }
    }
}

impl<K: PartialEq, V: Clone> Last<K, V> {
    /// The value kept for `key` if the last one was computed for an equal key, else
    /// `make()`, kept for the next call. The lock is not held while `make` runs.
    pub fn get_or(&self, key: K, make: impl FnOnce() -> V) -> V {
        if let Ok(last) = self.last.lock()
            && let Some((k, v)) = last.as_ref()
            && *k == key
        {
            return v.clone();
        }
        let v = make();
        if let Ok(mut last) = self.last.lock() {
            *last = Some((key, v.clone()));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::Last;
    use std::cell::Cell;

    #[test]
    fn the_last_value_is_taken_only_for_an_equal_key() {
        let last = Last::default();
        let made = Cell::new(0);
        let make = |v: u32| {
            made.set(made.get() + 1);
            v
        };
        assert_eq!(last.get_or(1, || make(10)), 10);
        assert_eq!(last.get_or(1, || make(11)), 10, "same key: kept");
        assert_eq!(made.get(), 1);
        assert_eq!(last.get_or(2, || make(20)), 20, "another key: made");
        assert_eq!(last.get_or(1, || make(12)), 12, "only the last is kept");
        assert_eq!(made.get(), 3);
    }
}
