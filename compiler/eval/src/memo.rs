//! [`Calls`]: what a function call returned in one environment, reused by the same
//! call in the others.
//!
//! A platform's environments mostly run the same helpers on the same arguments: the
//! Deployment `k8s.deployment_of(name, …)` makes is the same in prod, staging and
//! sandbox; only what reads the environment (`env.domain`) differs. A call's result
//! depends on its function, its arguments and what it reads of the world: the
//! environment (`env`, its fields), the component being evaluated
//! (`component_name()`), a `let` that reads either or that an override changes, another
//! component. The evaluator counts such reads (`Evaluator::env_reads`); a call that
//! made none, returned a value and reported nothing is stored here with its arguments,
//! and the same function called on identical arguments in *another* environment takes
//! the stored value instead of evaluating its body again.
//!
//! Invariants: a stored value is what evaluating the call again would give, in every
//! respect a diagnostic, an output or the interner can see (arguments are compared
//! with their provenance, record fields in order, typed or not: [`identical`]); within
//! one environment nothing is reused (the first environment evaluated pays for every
//! call, as without this store); an environment that reuses a value is charged for
//! copying it, as for reading a `let`, so the evaluation limits are met no sooner than
//! without it; a call is reused only where the call depth it needed still fits
//! ([`Entry::depth`]). Nothing depends on a hash's order: entries are only looked up.

use cedc_model::{Fields, Object, Value, ValueKind};
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

/// Values nested deeper than this are compared no further: two such arguments are
/// taken as different (the call is evaluated, never wrongly reused). Hashing stops
/// earlier ([`HASH_DEPTH`]): the hash only has to agree for identical values.
const MAX_DEPTH: usize = 128;
const HASH_DEPTH: usize = 3;

type State = foldhash::fast::FixedState;

/// One stored call.
struct Entry {
    hash: u64,
    /// The function (its declaration's address: the program outlives every evaluator).
    function: usize,
    args: Vec<Value>,
    value: Value,
    /// The environment it was evaluated in.
    env: Arc<str>,
    /// How many calls deep the evaluation went below this one: reused only where the
    /// depth left allows as many (else it is evaluated, and meets the limit as before).
    depth: usize,
}

/// The calls stored by the evaluators of one part of the platform, one environment
/// after the other (see the module's doc).
#[derive(Default)]
pub(crate) struct Calls {
    state: State,
    entries: hashbrown::HashTable<Entry>,
}

/// A call looked up: its hash, kept to store it after a miss.
pub(crate) struct Lookup {
    hash: u64,
}

/// What [`Calls::find`] found.
pub(crate) enum Found {
    /// Evaluated in another environment, with this depth below it.
    Value(Value, usize),
    /// Not stored, or only by this environment.
    Missing(Lookup),
}

impl Calls {
    /// The value `function` returned for `args` in an environment other than `env`.
    pub(crate) fn find<'a>(&self, function: usize, args: impl Iterator<Item = &'a Value> + Clone, env: &str) -> Found {
        let mut h = self.state.build_hasher();
        function.hash(&mut h);
        for a in args.clone() {
            hash(a, &mut h, 0);
        }
        let hash = h.finish();
        let found = self.entries.find(hash, |e| {
            e.hash == hash
                && e.function == function
                && *e.env != *env
                && e.args.len() == args.clone().count()
                && e.args.iter().zip(args.clone()).all(|(x, y)| identical(x, y, 0))
        });
        match found {
            Some(e) => Found::Value(e.value.clone(), e.depth),
            None => Found::Missing(Lookup { hash }),
        }
    }

    /// Forget every stored call (after a component), keeping the table's room for the
    /// next component's.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }

    /// Store what `function` returned for `args` in `env` (after a [`Found::Missing`]).
    /// The first environment's value is kept: each later one is identical.
    pub(crate) fn store(
        &mut self,
        at: Lookup,
        function: usize,
        args: Vec<Value>,
        value: Value,
        env: &Arc<str>,
        depth: usize,
    ) {
        let hash = at.hash;
        let known = self.entries.find(hash, |e| {
            e.hash == hash
                && e.function == function
                && e.args.len() == args.len()
                && e.args.iter().zip(&args).all(|(x, y)| identical(x, y, 0))
        });
        if known.is_none() {
            let entry = Entry { hash, function, args, value, env: Arc::clone(env), depth };
            self.entries.insert_unique(hash, entry, |e| e.hash);
        }
    }
}

/// Objects a component placed in its namespace in one environment, by the canonical
/// value they were made from, for the next environments of the same component.
///
/// Placing an object (`Evaluator::object`) writes its namespace and the component's
/// labels into a copy of it, which the component's interning then walks and finds equal
/// to the one the first environment made. An object a stored call made ([`Calls`]) is
/// the same canonical value in every environment; placed with an identical namespace
/// and labels, and the same scope, it is the same object: the next environments take
/// the first one's, already canonical, instead of copying and interning it again.
///
/// Invariants: an entry is what placing its value again would give, interned (the
/// key compares what placing reads: the value by address — canonical parts are
/// immutable and kept alive by the entry —, the namespace and labels as [`identical`],
/// the scope); only successful placements are stored; the store holds one component's
/// objects and is emptied after it, as [`Calls`] is.
#[derive(Default)]
pub(crate) struct Placed {
    by_value: std::collections::HashMap<usize, Vec<PlacedObject>, State>,
}

/// What placing a canonical value read: see [`Placed`].
pub(crate) struct Placing {
    /// The value placed (kept: its address names it).
    pub(crate) value: Fields,
    /// Whether the kind is cluster-scoped, when that depends on more than the value
    /// (a composite kind's scope is evaluated in each environment).
    pub(crate) cluster: Option<bool>,
    pub(crate) namespace: Value,
    pub(crate) labels: Option<Value>,
}

/// One placed object and what it was placed with.
struct PlacedObject {
    placing: Placing,
    object: Object,
}

impl Placing {
    fn same(&self, other: &Placing) -> bool {
        self.value.addr() == other.value.addr()
            && self.cluster == other.cluster
            && identical(&self.namespace, &other.namespace, 0)
            && match (&self.labels, &other.labels) {
                (Some(a), Some(b)) => identical(a, b, 0),
                (None, None) => true,
                _ => false,
            }
    }
}

impl Placed {
    /// The object placing `placing` gave in an earlier environment.
    pub(crate) fn find(&self, placing: &Placing) -> Option<&Object> {
        let found = self.by_value.get(&placing.value.addr())?;
        found.iter().find(|p| p.placing.same(placing)).map(|p| &p.object)
    }

    /// Keep `object` (interned) as what placing `placing` gives.
    pub(crate) fn store(&mut self, placing: Placing, object: Object) {
        if self.find(&placing).is_none() {
            self.by_value.entry(placing.value.addr()).or_default().push(PlacedObject { placing, object });
        }
    }

    /// Forget every placed object (after a component).
    pub(crate) fn clear(&mut self) {
        self.by_value.clear();
    }
}

/// Feed what [`identical`] compares of `v` to `h` (down to [`HASH_DEPTH`]). A canonical
/// record (one the part's interner keeps: a stored call's value, what a component
/// holds) is hashed by its address: no other record of the part is identical to it
/// unless it is a copy made since, which then hashes by content and is merely not
/// found — a call evaluated again, never a wrong one reused ([`identical`] decides).
fn hash(v: &Value, h: &mut impl Hasher, depth: usize) {
    v.origin.hash(h);
    std::mem::discriminant(&v.kind).hash(h);
    match &v.kind {
        ValueKind::None | ValueKind::Secret(_) | ValueKind::Patch(_) => {}
        ValueKind::Bool(b) => b.hash(h),
        ValueKind::Int(i) => i.hash(h),
        ValueKind::Str(s) | ValueKind::Env(s) => s.hash(h),
        ValueKind::Named(n) => n.text.hash(h),
        ValueKind::List(xs) => {
            xs.len().hash(h);
            if depth < HASH_DEPTH {
                xs.iter().for_each(|x| hash(x, h, depth + 1));
            }
        }
        ValueKind::Record(fields) if fields.is_canonical() => fields.addr().hash(h),
        ValueKind::Record(fields) => {
            fields.len().hash(h);
            fields.is_typed().hash(h);
            if depth < HASH_DEPTH {
                for (k, x) in fields.iter() {
                    k.hash(h);
                    hash(x, h, depth + 1);
                }
            }
        }
    }
}

/// Whether `a` and `b` are the same value to everything that reads one: equal
/// content and provenance everywhere inside, record fields in the same order (output
/// keeps it), both typed or both not (a typed record reads a field it lacks as `none`),
/// fields holding `none` included. Shared parts are identical without a look inside.
pub(crate) fn identical(a: &Value, b: &Value, depth: usize) -> bool {
    if depth > MAX_DEPTH || a.origin != b.origin {
        return false;
    }
    match (&a.kind, &b.kind) {
        (ValueKind::List(x), ValueKind::List(y)) => {
            Arc::ptr_eq(x, y) || (x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| identical(p, q, depth + 1)))
        }
        (ValueKind::Record(x), ValueKind::Record(y)) => {
            x.addr() == y.addr()
                || (x.len() == y.len()
                    && x.is_typed() == y.is_typed()
                    && x.iter().zip(y.iter()).all(|((k, p), (l, q))| k == l && identical(p, q, depth + 1)))
        }
        (ValueKind::Str(x), ValueKind::Str(y)) | (ValueKind::Env(x), ValueKind::Env(y)) => x == y,
        (ValueKind::Named(x), ValueKind::Named(y)) => x == y,
        (ValueKind::Secret(x), ValueKind::Secret(y)) => x == y,
        (ValueKind::Patch(x), ValueKind::Patch(y)) => x == y,
        (ValueKind::None, ValueKind::None) => true,
        (ValueKind::Bool(x), ValueKind::Bool(y)) => x == y,
        (ValueKind::Int(x), ValueKind::Int(y)) => x == y,
        _ => false,
    }
}

/// Where a call's result is stored and found: its function's declaration.
pub(crate) fn function_of<T>(decl: &T) -> usize {
    decl as *const T as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use cedc_diagnostics::{FileId, Span};
    use cedc_model::Fields;

    fn at(start: usize) -> Span {
        Span::new(FileId(0), start, start + 1)
    }

    fn record(fields: &[(&str, Value)], typed: bool) -> Value {
        let mut f = Fields::new();
        for (k, v) in fields {
            f.insert((*k).into(), v.clone());
        }
        if typed {
            f.set_typed();
        }
        Value::new(ValueKind::Record(f), at(0))
    }

    #[test]
    fn identical_values_compare_content_provenance_order_and_typing() {
        let a = Value::str("x", at(1));
        let b = Value::new(ValueKind::Int(2), at(2));
        let none = Value::new(ValueKind::None, at(3));
        let ab = record(&[("a", a.clone()), ("b", b.clone())], false);
        assert!(identical(&ab, &record(&[("a", a.clone()), ("b", b.clone())], false), 0));
        // The same fields in another order print in another order.
        assert!(!identical(&ab, &record(&[("b", b.clone()), ("a", a.clone())], false), 0));
        // Typed or not reads a missing field differently.
        assert!(!identical(&ab, &record(&[("a", a.clone()), ("b", b.clone())], true), 0));
        // A field holding `none` is there (an untyped record reads it without an error).
        assert!(!identical(&ab, &record(&[("a", a.clone()), ("b", b.clone()), ("c", none)], false), 0));
        // The same text from elsewhere is another provenance.
        assert!(!identical(&a, &Value::str("x", at(9)), 0));
        assert!(identical(&a, &Value::str("x", at(1)), 0));
    }

    #[test]
    fn a_call_is_found_only_from_another_environment_with_identical_arguments() {
        let (prod, staging): (Arc<str>, Arc<str>) = ("prod".into(), "staging".into());
        let args = vec![Value::str("app-0", at(1)), record(&[("port", Value::new(ValueKind::Int(80), at(2)))], true)];
        let result = Value::str("made", at(5));
        let mut calls = Calls::default();
        let Found::Missing(l) = calls.find(7, args.iter(), &prod) else { panic!("found in an empty store") };
        calls.store(l, 7, args.clone(), result.clone(), &prod, 2);
        // Not in the environment that stored it.
        assert!(matches!(calls.find(7, args.iter(), &prod), Found::Missing(_)));
        match calls.find(7, args.iter(), &staging) {
            Found::Value(v, depth) => assert!(identical(&v, &result, 0) && depth == 2),
            Found::Missing(_) => panic!("not found from another environment"),
        }
        // Another function, or another argument, is another call.
        assert!(matches!(calls.find(8, args.iter(), &staging), Found::Missing(_)));
        let other = [Value::str("app-1", at(1)), args[1].clone()];
        assert!(matches!(calls.find(7, other.iter(), &staging), Found::Missing(_)));
    }
}
