//! [`Interner`]: equal parts of the platform's values stored once.
//!
//! A platform repeats itself: every Deployment a helper makes carries the same security
//! context, the same port record, the same labels' names; each environment makes the
//! same objects again. Values are immutable once evaluated (a change copies first:
//! records and lists are copy-on-write), so two equal parts can be one shared part.
//! Interning an object's value makes each string, record and list in it the one already
//! seen that is equal to it — equal in content *and* in provenance (the same
//! [`Origin`](crate::Origin) everywhere inside), so no diagnostic can tell the
//! difference — and keeps the first of each kind seen.
//!
//! Invariants: interning never changes a value as [`Value`]'s equality, output or
//! provenance see it, only which allocation holds it; a part is interned after its
//! children, so the parts it is compared by are already canonical and a record or list
//! is hashed and compared one level deep (children by address). Parts nested deeper than
//! [`MAX_DEPTH`] are left as they are (not shared), which bounds the recursion. Which of
//! two equal parts becomes canonical may depend on the order environments are
//! interned in; nothing observable does.

use crate::value::{Fields, Holds, Key, Value, ValueKind};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

/// Parts nested deeper than this inside a value are not interned.
pub const MAX_DEPTH: usize = 128;

type State = foldhash::fast::FixedState;
type List = Arc<Vec<Value>>;

/// The canonical parts seen so far (see the module's doc). One interner may serve many
/// values (every object of every environment), one at a time.
#[derive(Default)]
pub struct Interner {
    state: State,
    strings: HashSet<Arc<str>, State>,
    /// Field names by address (a program's records use the few names its source
    /// spells, each one allocation): the name (kept, so that its address keeps naming
    /// it) and its canonical string.
    keys: HashMap<usize, (Key, Key), State>,
    /// The canonical records (each knows it is: [`Fields::is_canonical`], and is left
    /// as it is, unwalked, when met again).
    /// Each with its hash: growing a table moves every entry, and hashing a record
    /// again for it (its fields, one level deep) cost more than the look-ups.
    records: hashbrown::HashTable<(u64, Fields)>,
    lists: hashbrown::HashTable<(u64, List)>,
    /// Shared records already interned, by address: the original (kept, so that its
    /// address keeps naming it) and its canonical part — met again through another
    /// reference, it is replaced without being copied and walked again.
    records_seen: HashMap<usize, (Fields, Fields), State>,
    lists_seen: HashMap<usize, (List, List), State>,
    /// What each canonical list's items may hold ([`Holds`] bits), by its address.
    list_holds: HashMap<usize, u8, State>,
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interner")
            .field("strings", &self.strings.len())
            .field("records", &self.records.len())
            .field("lists", &self.lists.len())
            .finish()
    }
}

impl Interner {
    pub fn new() -> Interner {
        Interner::default()
    }

    /// Make every part of `v` the canonical part equal to it; each record inside then
    /// knows what it does not hold ([`Fields::lacks`]).
    pub fn intern(&mut self, v: &mut Value) {
        self.value(v, 0);
    }

    /// Forget the shared parts met so far by address, and the originals that keeps
    /// alive (a shared part replaced by an equal canonical one would otherwise live as
    /// long as the interner): called once the values that could share a part are all
    /// interned — after each component. A part met again later is walked again and
    /// becomes the same canonical part.
    pub fn forget_shared(&mut self) {
        self.records_seen.clear();
        self.lists_seen.clear();
    }

    /// Intern `v`; what it may hold ([`Holds`] bits).
    fn value(&mut self, v: &mut Value, depth: usize) -> u8 {
        match &mut v.kind {
            ValueKind::Str(s) => {
                self.share(s);
                dotted(s)
            }
            ValueKind::Env(s) => {
                self.share(s);
                Holds::UNWRITABLE.0
            }
            ValueKind::List(items) if depth < MAX_DEPTH => self.list(items, depth),
            ValueKind::Record(fields) if depth < MAX_DEPTH => self.record(fields, depth),
            ValueKind::List(_) | ValueKind::Record(_) => Holds::ALL,
            ValueKind::None | ValueKind::Bool(_) | ValueKind::Int(_) => 0,
            ValueKind::Named(n) => Holds::NAMED.0 | dotted(&n.text),
            ValueKind::Secret(_) | ValueKind::Patch(_) => Holds::UNWRITABLE.0,
        }
    }

    /// Make `s` the canonical string equal to it.
    pub fn share(&mut self, s: &mut Arc<str>) {
        match self.strings.get(&**s) {
            Some(c) => {
                if !Arc::ptr_eq(c, s) {
                    *s = c.clone();
                }
            }
            None => {
                self.strings.insert(s.clone());
            }
        }
    }

    fn key(&mut self, k: &mut Key) {
        if let Some((_, canon)) = self.keys.get(&key_addr(k)) {
            if !Arc::ptr_eq(canon, k) {
                *k = canon.clone();
            }
            return;
        }
        // A name nothing else holds (made by a helper, not spelled in the source) dies
        // once replaced: remembering its address would keep it alive for nothing.
        let shared = Arc::strong_count(k) > 1;
        let original = k.clone();
        self.share(k);
        if shared {
            self.keys.insert(key_addr(&original), (original, k.clone()));
        }
    }

    fn record(&mut self, fields: &mut Fields, depth: usize) -> u8 {
        // Only a shared record can have been met before (the table keeps a reference).
        let original = if fields.is_shared() {
            if fields.is_canonical() {
                return holds(fields);
            }
            if let Some((_, canon)) = self.records_seen.get(&fields.addr()) {
                *fields = canon.clone();
                return holds(fields);
            }
            Some(fields.clone())
        } else {
            None
        };
        let mut held = 0;
        if original.is_some() {
            // Shared: its parts are made canonical on the side, and the record copied
            // only when one of them is not already.
            let mut changed = Vec::new();
            for (i, (k, v)) in fields.iter().enumerate() {
                let (mut k2, mut v2) = (k.clone(), v.clone());
                self.key(&mut k2);
                held |= self.value(&mut v2, depth + 1);
                if !Arc::ptr_eq(k, &k2) || identity(v) != identity(&v2) {
                    changed.push((i, k2, v2));
                }
            }
            if !changed.is_empty() {
                let entries = fields.entries_for_interning();
                for (i, k, v) in changed {
                    entries[i] = (k, v);
                }
            }
        } else {
            for (k, v) in fields.entries_for_interning() {
                self.key(k);
                held |= self.value(v, depth + 1);
            }
        }
        fields.set_absent(Holds::ALL & !held);
        let (canon, new) = canonical(&mut self.records, &self.state, fields, record_hash, record_eq);
        if new {
            canon.set_canonical();
        }
        if let Some(o) = original {
            self.records_seen.insert(o.addr(), (o, canon.clone()));
        }
        *fields = canon;
        held
    }

    fn list(&mut self, items: &mut List, depth: usize) -> u8 {
        let original = if Arc::strong_count(items) > 1 {
            // A canonical list (only those have their holds recorded) is left as it is.
            if let Some(held) = self.list_holds.get(&(Arc::as_ptr(items) as usize)) {
                return *held;
            }
            if let Some((_, canon)) = self.lists_seen.get(&(Arc::as_ptr(items) as usize)) {
                *items = canon.clone();
                return self.list_holds(items);
            }
            Some(items.clone())
        } else {
            None
        };
        let mut held = 0;
        if original.is_some() {
            // Shared: copied only when an item is not canonical already (as records).
            let mut changed = Vec::new();
            for (i, v) in items.iter().enumerate() {
                let mut v2 = v.clone();
                held |= self.value(&mut v2, depth + 1);
                if identity(v) != identity(&v2) {
                    changed.push((i, v2));
                }
            }
            if !changed.is_empty() {
                let own = Arc::make_mut(items);
                for (i, v) in changed {
                    own[i] = v;
                }
            }
        } else {
            for v in Arc::make_mut(items).iter_mut() {
                held |= self.value(v, depth + 1);
            }
        }
        let (canon, new) = canonical(&mut self.lists, &self.state, items, list_hash, list_eq);
        if new {
            self.list_holds.insert(Arc::as_ptr(items) as usize, held);
        }
        if let Some(o) = original {
            self.lists_seen.insert(Arc::as_ptr(&o) as usize, (o, canon.clone()));
        }
        *items = canon;
        held
    }

    /// What a canonical list may hold.
    fn list_holds(&self, items: &List) -> u8 {
        self.list_holds.get(&(Arc::as_ptr(items) as usize)).copied().unwrap_or(Holds::ALL)
    }
}

/// The part of `table` equal to `part`, or `part` itself, which becomes canonical (then
/// `true`).
fn canonical<T: Clone>(
    table: &mut hashbrown::HashTable<(u64, T)>,
    state: &State,
    part: &T,
    hash: fn(&State, &T) -> u64,
    eq: fn(&T, &T) -> bool,
) -> (T, bool) {
    let h = hash(state, part);
    if let Some((_, c)) = table.find(h, |(ch, c)| *ch == h && eq(c, part)) {
        return (c.clone(), false);
    }
    table.insert_unique(h, (h, part.clone()), |(ch, _)| *ch);
    (part.clone(), true)
}

/// [`Holds::DOTTED`] if `text` is.
fn dotted(text: &str) -> u8 {
    if Holds::dotted(text) { Holds::DOTTED.0 } else { 0 }
}

/// What an interned record may hold.
fn holds(fields: &Fields) -> u8 {
    Holds::ALL & !fields.absent()
}

fn record_hash(state: &State, fields: &Fields) -> u64 {
    let mut h = state.build_hasher();
    fields.is_typed().hash(&mut h);
    fields.len().hash(&mut h);
    for (k, v) in fields.iter() {
        key_addr(k).hash(&mut h);
        part_hash(v, &mut h);
    }
    h.finish()
}

fn list_hash(state: &State, items: &List) -> u64 {
    let mut h = state.build_hasher();
    items.len().hash(&mut h);
    for v in items.iter() {
        part_hash(v, &mut h);
    }
    h.finish()
}

fn record_eq(a: &Fields, b: &Fields) -> bool {
    a.is_typed() == b.is_typed()
        && a.len() == b.len()
        && a.iter().zip(b.iter()).all(|((ka, va), (kb, vb))| Arc::ptr_eq(ka, kb) && part_eq(va, vb))
}

fn list_eq(a: &List, b: &List) -> bool {
    a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| part_eq(x, y))
}

fn key_addr(k: &Key) -> usize {
    Arc::as_ptr(k) as *const u8 as usize
}

/// A child's identity, one level deep: its kind, and a scalar's value or a shared
/// part's address (children are canonical when this is asked). With its provenance,
/// what a child is compared and hashed by.
fn identity(v: &Value) -> (std::mem::Discriminant<ValueKind>, u64) {
    let addr = |p: *const u8| p as usize as u64;
    let payload = match &v.kind {
        ValueKind::None => 0,
        ValueKind::Bool(b) => u64::from(*b),
        ValueKind::Int(i) => *i as u64,
        ValueKind::Str(s) | ValueKind::Env(s) => addr(Arc::as_ptr(s).cast()),
        ValueKind::List(l) => addr(Arc::as_ptr(l).cast()),
        ValueKind::Record(f) => f.addr() as u64,
        ValueKind::Secret(s) => addr(Arc::as_ptr(s).cast()),
        ValueKind::Named(n) => addr(Arc::as_ptr(n).cast()),
        ValueKind::Patch(p) => addr(Arc::as_ptr(p).cast()),
    };
    (std::mem::discriminant(&v.kind), payload)
}

fn part_hash(v: &Value, h: &mut impl Hasher) {
    v.origin.hash(h);
    identity(v).hash(h);
}

fn part_eq(a: &Value, b: &Value) -> bool {
    a.origin == b.origin && identity(a) == identity(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cedc_diagnostics::{FileId, Span};

    fn at(start: usize) -> Span {
        Span::new(FileId(0), start, start + 1)
    }

    /// A record as a helper makes it: `{ name: <name>, port: 80, tls: { on: true } }`,
    /// each part made anew (its own allocations).
    fn made(name: &str, span_of_name: Span) -> Value {
        let tls: Fields = [("on", Value::new(ValueKind::Bool(true), at(3)))].into_iter().collect();
        let fields: Fields = [
            ("name", Value::new(ValueKind::Str(name.into()), span_of_name)),
            ("port", Value::new(ValueKind::Int(80), at(2))),
            ("tls", Value::new(ValueKind::Record(tls), at(4))),
            ("ports", Value::new(ValueKind::list(vec![Value::new(ValueKind::Int(1), at(5))]), at(6))),
        ]
        .into_iter()
        .collect();
        Value::new(ValueKind::Record(fields), at(7))
    }

    /// [`made`] with `text` deep inside: `deep: [{ text: <text> }]`.
    fn holding_deep(name: &str, text: Value) -> Value {
        let mut v = made(name, at(1));
        if let ValueKind::Record(f) = &mut v.kind {
            let inner: Fields = [("text", text)].into_iter().collect();
            f.insert(
                "deep".into(),
                Value::new(ValueKind::list(vec![Value::new(ValueKind::Record(inner), at(21))]), at(22)),
            );
        }
        v
    }

    fn record(v: &Value) -> &Fields {
        v.as_record().expect("a record")
    }

    #[test]
    fn equal_parts_become_one_and_values_stay_equal() {
        let mut i = Interner::new();
        let (mut a, mut b, mut c) = (made("x", at(1)), made("x", at(1)), made("y", at(1)));
        let (a0, b0, c0) = (a.clone(), b.clone(), c.clone());
        for v in [&mut a, &mut b, &mut c] {
            i.intern(v);
        }
        assert_eq!((&a, &b, &c), (&a0, &b0, &c0), "interning changes no value");
        // The same content and provenance: one record.
        assert_eq!(record(&a).addr(), record(&b).addr());
        // Another name: another record, but its unchanged parts are shared.
        assert_ne!(record(&a).addr(), record(&c).addr());
        let part = |v: &Value, k: &str| match &record(v).get(k).expect("field").kind {
            ValueKind::Record(f) => f.addr(),
            ValueKind::List(l) => Arc::as_ptr(l) as usize,
            _ => 0,
        };
        assert_eq!(part(&a, "tls"), part(&c, "tls"));
        assert_eq!(part(&a, "ports"), part(&c, "ports"));
    }

    #[test]
    fn provenance_keeps_parts_apart() {
        let mut i = Interner::new();
        let (mut a, mut b) = (made("x", at(1)), made("x", at(9)));
        i.intern(&mut a);
        i.intern(&mut b);
        assert_ne!(record(&a).addr(), record(&b).addr(), "the same text from two places is two values");
        assert_eq!(a.get("name").map(Value::span), Some(at(1)));
        assert_eq!(b.get("name").map(Value::span), Some(at(9)));
    }

    #[test]
    fn a_shared_part_is_replaced_not_copied_again() {
        let mut i = Interner::new();
        let shared = made("x", at(1));
        let list = |v: &Value| Value::new(ValueKind::list(vec![v.clone(), v.clone()]), at(8));
        let (mut a, mut b) = (list(&shared), list(&shared));
        i.intern(&mut a);
        let (records, lists) = (i.records.len(), i.lists.len());
        i.intern(&mut b);
        assert_eq!((i.records.len(), i.lists.len()), (records, lists), "nothing new in the second list");
        let items = |v: &Value| v.as_list().expect("a list").iter().map(|x| record(x).addr()).collect::<Vec<_>>();
        let (ia, ib) = (items(&a), items(&b));
        assert!(ia.iter().chain(&ib).all(|p| *p == ia[0]), "every copy of the record is one: {ia:?} {ib:?}");
        assert!(i.records_seen.contains_key(&record(&shared).addr()), "the shared original is remembered");
    }

    #[test]
    fn a_shared_part_already_canonical_is_not_copied() {
        let mut i = Interner::new();
        let kept = made("x", at(1));
        let mut v = Value::new(ValueKind::list(vec![kept.clone()]), at(8));
        let list = v.as_list().map(|l| l.as_ptr() as usize);
        let also = v.clone();
        i.intern(&mut v);
        assert_eq!(
            record(&v.as_list().expect("a list")[0]).addr(),
            record(&kept).addr(),
            "the record stays where it is"
        );
        assert_eq!(v.as_list().map(|l| l.as_ptr() as usize), list, "and so does the shared list");
        assert!(record(&kept).lacks(Holds::NAMED), "it still learns what it lacks");
        drop(also);
    }

    #[test]
    fn a_canonical_part_met_again_is_not_walked() {
        let mut i = Interner::new();
        let mut first = made("x", at(1));
        i.intern(&mut first);
        i.forget_shared();
        // A new list holding the canonical record, and a record holding its canonical
        // list (as a value evaluation took from another environment holds them).
        let ports = record(&first).get("ports").cloned().expect("ports");
        let mut v = Value::new(ValueKind::list(vec![first.clone()]), at(8));
        let mut w = Value::new(ValueKind::Record([("ports", ports.clone())].into_iter().collect()), at(9));
        let records = i.records.len();
        let (list_holds, record_holds) = (i.value(&mut v, 0), i.value(&mut w, 0));
        assert!(i.records_seen.is_empty() && i.lists_seen.is_empty(), "neither was walked as a shared part");
        assert_eq!(record(&v.as_list().expect("a list")[0]).addr(), record(&first).addr());
        assert_eq!(i.records.len(), records + 1, "only the new record is new");
        // What they hold is still known: nothing named anywhere inside.
        assert_eq!(list_holds & Holds::NAMED.0, 0);
        assert_eq!(record_holds & Holds::NAMED.0, 0);
        assert!(record(&w).lacks(Holds::NAMED));
    }

    #[test]
    fn a_name_only_one_record_holds_is_not_remembered() {
        let mut i = Interner::new();
        let (mut a, mut b) = (made("x", at(1)), made("x", at(1)));
        i.intern(&mut a);
        i.intern(&mut b);
        assert!(i.keys.is_empty(), "each name was made for its record alone: nothing to find by address again");
        let names = |v: &Value| record(v).iter().map(|(k, _)| key_addr(k)).collect::<Vec<_>>();
        assert_eq!(names(&a), names(&b), "the names are still made one");
        let spelled: Key = "name".into();
        let mut c = Value::new(
            ValueKind::Record([(spelled.clone(), Value::new(ValueKind::Int(1), at(2)))].into_iter().collect()),
            at(3),
        );
        i.intern(&mut c);
        assert_eq!(i.keys.len(), 1, "a name held elsewhere too (as the source's are) is remembered");
        drop(spelled);
    }

    #[test]
    fn a_shared_part_forgotten_becomes_the_same_canonical_part_again() {
        let mut i = Interner::new();
        let mut first = made("x", at(1));
        i.intern(&mut first);
        let shared = made("x", at(1));
        let (mut a, mut b) = (shared.clone(), shared.clone());
        i.intern(&mut a);
        assert!(!i.records_seen.is_empty(), "the shared records are remembered by address");
        i.forget_shared();
        assert!(i.records_seen.is_empty() && i.lists_seen.is_empty());
        i.intern(&mut b);
        assert_eq!(record(&a).addr(), record(&first).addr());
        assert_eq!(record(&b).addr(), record(&first).addr(), "walked again, it is made the same part");
        drop(shared);
    }

    #[test]
    fn typed_and_untyped_records_stay_apart() {
        let mut i = Interner::new();
        let (mut a, mut b) = (made("x", at(1)), made("x", at(1)));
        if let ValueKind::Record(f) = &mut b.kind {
            f.set_typed();
        }
        i.intern(&mut a);
        i.intern(&mut b);
        assert_ne!(record(&a).addr(), record(&b).addr());
        assert!(record(&b).is_typed() && !record(&a).is_typed());
    }

    /// Interned records know what they do not hold; the walks that look for it skip
    /// them, and a change forgets it.
    #[test]
    fn interned_records_know_what_they_lack() {
        use crate::value::Named;
        let mut i = Interner::new();
        let named = Value::new(
            ValueKind::Named(Arc::new(Named { text: "db-password".into(), reads: vec![], public: None })),
            at(20),
        );
        let mut with = holding_deep("x", named);
        let mut without = made("y", at(1));
        assert!(!record(&without).lacks(Holds::NAMED), "nothing is known before interning");
        i.intern(&mut with);
        i.intern(&mut without);
        assert!(!record(&with).lacks(Holds::NAMED) && record(&with).lacks(Holds::UNWRITABLE));
        assert!(record(&without).lacks(Holds::NAMED) && record(&without).lacks(Holds::UNWRITABLE));
        // A second record equal to the first, and one sharing its list, know it too.
        let mut again = with.clone();
        i.intern(&mut again);
        assert!(!record(&again).lacks(Holds::NAMED));
        // A change forgets what was known.
        if let ValueKind::Record(f) = &mut without.kind {
            f.insert("env".into(), Value::new(ValueKind::Env("prod".into()), at(30)));
        }
        assert!(!record(&without).lacks(Holds::UNWRITABLE));
        assert!(without.unwritable().is_some(), "the walk does not skip a changed record");
    }

    /// A record knows whether text with a dot or a colon is inside it, however deep, in
    /// a string or in named text.
    #[test]
    fn interned_records_know_whether_they_hold_dotted_text() {
        use crate::value::Named;
        let mut i = Interner::new();
        let deep = |text: Value| holding_deep("app", text);
        let named = |text: &str| ValueKind::Named(Arc::new(Named { text: text.into(), reads: vec![], public: None }));
        let mut plain = deep(Value::new(ValueKind::Str("app-settings".into()), at(20)));
        let mut url = deep(Value::new(ValueKind::Str("http://api.web.svc:80".into()), at(20)));
        let mut port = deep(Value::new(ValueKind::Str("host:8080".into()), at(20)));
        let mut named_plain = deep(Value::new(named("db-password"), at(20)));
        let mut named_dotted = deep(Value::new(named("db.web.svc"), at(20)));
        assert!(!record(&plain).lacks(Holds::DOTTED), "nothing is known before interning");
        for v in [&mut plain, &mut url, &mut port, &mut named_plain, &mut named_dotted] {
            i.intern(v);
        }
        assert!(record(&plain).lacks(Holds::DOTTED) && record(&named_plain).lacks(Holds::DOTTED));
        assert!(!record(&url).lacks(Holds::DOTTED) && !record(&port).lacks(Holds::DOTTED));
        assert!(!record(&named_dotted).lacks(Holds::DOTTED));
    }

    #[test]
    fn deep_values_are_left_below_the_limit() {
        let mut i = Interner::new();
        let mut v = Value::new(ValueKind::Int(0), at(0));
        for _ in 0..(MAX_DEPTH * 4) {
            v = Value::new(ValueKind::list(vec![v]), at(0));
        }
        let before = v.clone();
        i.intern(&mut v);
        assert_eq!(v, before);
        assert!(i.lists.len() <= MAX_DEPTH, "{} lists interned", i.lists.len());
    }
}
