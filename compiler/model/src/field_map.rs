//! [`FieldMap`]: a record's fields, in the order they were written, looked up by name.
//!
//! Most records are small (a container, a port, `metadata`: a handful of fields), and a
//! platform holds tens of thousands of them: the fields are one vector of
//! (name, value), searched in order while there are at most [`INDEXED_FROM`] of them —
//! faster than hashing the name, and one allocation per record instead of a vector and
//! a hash table. A larger record (a ConfigMap's data, a map of labels) gets an index by
//! name beside the vector, so a lookup stays constant-time and building a record of n
//! fields is never quadratic.
//!
//! Invariant: `index`, when present, maps each field's name to its position in
//! `entries`; it is present exactly when there are more than [`INDEXED_FROM`] fields
//! (every change that moves entries rebuilds it, as moving them is linear anyway).
//! Names are unique.

use crate::value::{Key, Value};
use std::collections::HashMap;

/// Past this many fields a record gets an index by name.
pub const INDEXED_FROM: usize = 12;

type Index = HashMap<Key, usize, foldhash::fast::FixedState>;

/// The fields of a record in the order they were written (see the module's doc).
#[derive(Clone, Default)]
pub struct FieldMap {
    entries: Vec<(Key, Value)>,
    index: Option<Box<Index>>,
}

impl std::fmt::Debug for FieldMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl PartialEq for FieldMap {
    /// The same fields with equal values, in any order (as `IndexMap`'s equality).
    fn eq(&self, other: &FieldMap) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k).is_some_and(|o| o == v))
    }
}

impl FieldMap {
    pub fn new() -> FieldMap {
        FieldMap::default()
    }

    pub fn with_capacity(n: usize) -> FieldMap {
        FieldMap { entries: Vec::with_capacity(n), index: None }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// How many fields it has room for without growing.
    pub fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The position of the field named `key`.
    pub fn get_index_of(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.entries.iter().position(|(k, _)| same_name(k, key)),
        }
    }

    /// The field at position `i`.
    #[inline]
    pub fn get_index(&self, i: usize) -> Option<(&Key, &Value)> {
        self.entries.get(i).map(|(k, v)| (k, v))
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get_index_of(key).is_some()
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.get_index_of(key).map(|i| &self.entries[i].1)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        let i = self.get_index_of(key)?;
        Some(&mut self.entries[i].1)
    }

    pub fn get_key_value(&self, key: &str) -> Option<(&Key, &Value)> {
        self.get_index_of(key).map(|i| {
            let (k, v) = &self.entries[i];
            (k, v)
        })
    }

    /// Set the field `key` to `value`: in its place if it is there (returning the value
    /// it had), else last.
    pub fn insert(&mut self, key: Key, value: Value) -> Option<Value> {
        match self.get_index_of(&key) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            None => {
                self.push(key, value);
                None
            }
        }
    }

    /// Set the field `key` to `value` at position `at` (moving it there if it is
    /// already present).
    ///
    /// A new field takes exactly one more place, not a doubled vector: the one use that
    /// counts (an object's `metadata` given its namespace, in every object of a
    /// platform) kept 5 MB of spare places at platform-5,000; the insertion moves the
    /// fields after `at` anyway.
    pub fn shift_insert(&mut self, at: usize, key: Key, value: Value) -> Option<Value> {
        let old = match self.get_index_of(&key) {
            Some(i) => Some(self.entries.remove(i).1),
            None => {
                self.entries.reserve_exact(1);
                None
            }
        };
        let at = at.min(self.entries.len());
        self.entries.insert(at, (key, value));
        self.reindex();
        old
    }

    /// Remove the field `key`, keeping the others' order.
    pub fn shift_remove(&mut self, key: &str) -> Option<Value> {
        let i = self.get_index_of(key)?;
        let (_, v) = self.entries.remove(i);
        self.reindex();
        Some(v)
    }

    /// Remove the field `key`, moving the last field to its place.
    pub fn swap_remove(&mut self, key: &str) -> Option<Value> {
        let i = self.get_index_of(key)?;
        let (_, v) = self.entries.swap_remove(i);
        self.reindex();
        Some(v)
    }

    /// The fields themselves, for [`crate::Interner`] to swap a name for an equal one
    /// (which keeps the index true: it is by content).
    pub(crate) fn entries_mut(&mut self) -> &mut [(Key, Value)] {
        &mut self.entries
    }

    /// Give back the room past the fields (a record built field by field keeps what
    /// its growth left over for as long as it lives).
    pub fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
    }

    /// Take every field out, in order.
    pub fn drain(&mut self, all: std::ops::RangeFull) -> std::vec::Drain<'_, (Key, Value)> {
        self.index = None;
        self.entries.drain(all)
    }

    /// The field `key`, to read or fill in place.
    pub fn entry(&mut self, key: Key) -> Entry<'_> {
        match self.get_index_of(&key) {
            Some(i) => Entry::Occupied(OccupiedEntry { map: self, i }),
            None => Entry::Vacant(VacantEntry { map: self, key }),
        }
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    pub fn iter_mut(&mut self) -> IterMut<'_> {
        IterMut(self.entries.iter_mut())
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Key> + ExactSizeIterator + Clone {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator + Clone {
        self.entries.iter().map(|(_, v)| v)
    }

    fn push(&mut self, key: Key, value: Value) {
        let i = self.entries.len();
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), i);
        }
        self.entries.push((key, value));
        if self.index.is_none() && self.entries.len() > INDEXED_FROM {
            self.reindex();
        }
    }

    /// Make the index again from the entries (or drop it for a small record).
    fn reindex(&mut self) {
        if self.entries.len() <= INDEXED_FROM {
            self.index = None;
            return;
        }
        let index = self.index.get_or_insert_with(Default::default);
        index.clear();
        index.extend(self.entries.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)));
    }
}

/// A field of a [`FieldMap`], there or not (see [`FieldMap::entry`]).
pub enum Entry<'a> {
    Occupied(OccupiedEntry<'a>),
    Vacant(VacantEntry<'a>),
}

pub struct OccupiedEntry<'a> {
    map: &'a mut FieldMap,
    i: usize,
}

pub struct VacantEntry<'a> {
    map: &'a mut FieldMap,
    key: Key,
}

impl<'a> Entry<'a> {
    pub fn or_insert_with(self, make: impl FnOnce() -> Value) -> &'a mut Value {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(make()),
        }
    }
}

impl<'a> OccupiedEntry<'a> {
    pub fn into_mut(self) -> &'a mut Value {
        &mut self.map.entries[self.i].1
    }
}

impl<'a> VacantEntry<'a> {
    pub fn insert(self, value: Value) -> &'a mut Value {
        self.map.push(self.key, value);
        let last = self.map.entries.len() - 1;
        &mut self.map.entries[last].1
    }
}

/// The fields in order, as (name, value).
#[derive(Clone, Debug)]
pub struct Iter<'a>(std::slice::Iter<'a, (Key, Value)>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a Key, &'a Value);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// The fields in order, each value to change in place.
#[derive(Debug)]
pub struct IterMut<'a>(std::slice::IterMut<'a, (Key, Value)>);

impl<'a> Iterator for IterMut<'a> {
    type Item = (&'a Key, &'a mut Value);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (&*k, v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for IterMut<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (&*k, v))
    }
}

impl ExactSizeIterator for IterMut<'_> {}

impl IntoIterator for FieldMap {
    type Item = (Key, Value);
    type IntoIter = std::vec::IntoIter<(Key, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a FieldMap {
    type Item = (&'a Key, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut FieldMap {
    type Item = (&'a Key, &'a mut Value);
    type IntoIter = IterMut<'a>;
    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

impl FromIterator<(Key, Value)> for FieldMap {
    fn from_iter<I: IntoIterator<Item = (Key, Value)>>(iter: I) -> FieldMap {
        let mut map = FieldMap::new();
        map.extend(iter);
        map
    }
}

impl Extend<(Key, Value)> for FieldMap {
    /// Each field as [`FieldMap::insert`]: a name already there keeps its place and
    /// takes the new value.
    fn extend<I: IntoIterator<Item = (Key, Value)>>(&mut self, iter: I) {
        let iter = iter.into_iter();
        self.entries.reserve(iter.size_hint().0);
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

/// Whether field name `k` is `key`: the same text (often the same allocation, the
/// source's name), else told apart by length and first byte before the bytes are
/// compared — the names of one record mostly differ there, and comparing whole slices
/// calls `memcmp`, a fifth of all field look-ups' time.
#[inline]
fn same_name(k: &str, key: &str) -> bool {
    k.len() == key.len() && (k.as_ptr() == key.as_ptr() || (k.as_bytes().first() == key.as_bytes().first() && k == key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cedc_diagnostics::Span;

    fn int(i: i64) -> Value {
        Value::new(crate::ValueKind::Int(i), Span::default())
    }

    fn names(m: &FieldMap) -> Vec<String> {
        m.keys().map(|k| k.to_string()).collect()
    }

    fn check_index(m: &FieldMap) {
        assert_eq!(m.index.is_some(), m.len() > INDEXED_FROM, "index present exactly past INDEXED_FROM");
        for (i, (k, _)) in m.entries.iter().enumerate() {
            assert_eq!(m.get_index_of(k), Some(i), "{k} at {i}");
        }
    }

    /// Every operation, on a record that crosses the size at which it gets an index,
    /// against a plain vector searched in order (the model of what a record is).
    #[test]
    fn behaves_as_an_ordered_map_small_and_large() {
        let mut m = FieldMap::new();
        let mut model: Vec<(String, i64)> = Vec::new();
        for step in 0..200i64 {
            let name = format!("f{}", (step * 7) % 31);
            match step % 5 {
                0 | 1 => {
                    let old = m.insert(name.as_str().into(), int(step));
                    match model.iter_mut().find(|(k, _)| *k == name) {
                        Some(e) => {
                            assert_eq!(old, Some(int(e.1)));
                            e.1 = step;
                        }
                        None => {
                            assert_eq!(old, None);
                            model.push((name, step));
                        }
                    }
                }
                2 => {
                    let at = (step as usize) % (model.len() + 1);
                    m.shift_insert(at, name.as_str().into(), int(step));
                    model.retain(|(k, _)| *k != name);
                    model.insert(at.min(model.len()), (name, step));
                }
                3 => {
                    let old = m.shift_remove(&name);
                    let pos = model.iter().position(|(k, _)| *k == name);
                    assert_eq!(old, pos.map(|p| int(model.remove(p).1)));
                }
                _ => {
                    *m.entry(name.as_str().into()).or_insert_with(|| int(-1)) = int(step);
                    match model.iter_mut().find(|(k, _)| *k == name) {
                        Some(e) => e.1 = step,
                        None => model.push((name, step)),
                    }
                }
            }
            check_index(&m);
            assert_eq!(names(&m), model.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>());
            for (k, v) in &model {
                assert_eq!(m.get(k), Some(&int(*v)));
            }
            assert_eq!(m.get("absent"), None);
        }
        // Shrinking below the threshold drops the index.
        let names: Vec<Key> = m.keys().filter(|k| !k.ends_with('1')).cloned().collect();
        for k in names {
            m.shift_remove(&k);
        }
        check_index(&m);
        assert!(m.len() <= INDEXED_FROM);
    }

    #[test]
    fn names_are_compared_by_text() {
        let (a, b) = (String::from("name"), String::from("name"));
        assert!(super::same_name(&a, &b), "equal texts in two allocations");
        assert!(super::same_name(&a, &a));
        assert!(
            !super::same_name("name", "nams")
                && !super::same_name("name", "kind")
                && !super::same_name("name", "names")
        );
        assert!(super::same_name("", "") && !super::same_name("", "a"));
    }

    #[test]
    fn equality_ignores_order() {
        let a: FieldMap = [("a".into(), int(1)), ("b".into(), int(2))].into_iter().collect();
        let b: FieldMap = [("b".into(), int(2)), ("a".into(), int(1))].into_iter().collect();
        let c: FieldMap = [("a".into(), int(1))].into_iter().collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
