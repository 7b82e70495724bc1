//! Evaluated values. Every value remembers where it came from ([`Origin`]): the span of
//! the expression that produced it, and for overridden values the span of the base
//! value the override replaced. Checks and the language server report through it.

pub use crate::field_map::FieldMap;
use cedc_diagnostics::Span;
use std::sync::Arc;

/// Where a value came from. Most values have only the span of their expression; the
/// two rarer spans are kept out of line, so that a value stays small (a platform is
/// mostly values).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The expression that produced the value.
    pub span: Span,
    extra: Option<Arc<Extra>>,
}

/// The rarer spans of an [`Origin`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
struct Extra {
    overrides: Option<Span>,
    input: Option<Span>,
}

impl Origin {
    pub fn at(span: Span) -> Origin {
        Origin { span, extra: None }
    }
    /// For a value set by an `in <env> { ... }` override: the base value's span.
    pub fn overrides(&self) -> Option<Span> {
        self.extra.as_ref().and_then(|e| e.overrides)
    }
    /// For a string computed inside a function from a value that came into it through
    /// an argument (a name built from a parameter): that argument's span, the input a
    /// diagnostic about the string points at (with `span` as the place it was computed).
    /// For a record made inside a function and returned to a call outside any function
    /// (an object built by a helper, or each record of a list it returns): that call,
    /// where a problem found in the record is used ([`crate::Object::made_by`]).
    pub fn input(&self) -> Option<Span> {
        self.extra.as_ref().and_then(|e| e.input)
    }
    pub fn set_overrides(&mut self, overrides: Option<Span>) {
        self.change(|e| e.overrides = overrides);
    }
    pub fn set_input(&mut self, input: Option<Span>) {
        self.change(|e| e.input = input);
    }
    fn change(&mut self, f: impl FnOnce(&mut Extra)) {
        let mut extra = self.extra.as_deref().copied().unwrap_or_default();
        f(&mut extra);
        self.extra = (extra != Extra::default()).then(|| Arc::new(extra));
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub origin: Origin,
}

/// A field name. Shared, not copied: the records a program makes use the few names
/// its source spells (a copy of a record, or a record made again for each component,
/// adds a reference to each name rather than a new string).
pub type Key = Arc<str>;

/// A record's fields, shared: copying a record (reading a variable, passing an
/// argument) is a new reference to the same fields, and a change copies one level
/// first when they are shared (`DerefMut` is copy-on-write). Read and changed as a
/// [`FieldMap`] through `Deref`/`DerefMut`.
///
/// A record of a declared record type ([`Fields::is_typed`]) holds only the fields
/// that have a value: an optional field left out is absent, and reads as `none`.
/// Kubernetes kinds declare hundreds of optional fields, almost all left out; storing
/// each as `none` made most of a platform's memory. Equality ignores fields holding
/// `none`, as output does.
///
/// Conforming a record to its type (evaluation does it at every annotated boundary:
/// arguments, results, `let`s) records which type it conformed to
/// ([`Fields::conformed_to`]), so conforming it to that type again is nothing to do; any
/// change through `DerefMut` forgets it.
#[derive(Clone, Default)]
pub struct Fields(Arc<Inner>);

/// What [`Fields`] share: the map and what is known of it (one pointer per record
/// value, so a value stays as small as a list's).
#[derive(Default)]
struct Inner {
    map: FieldMap,
    typed: bool,
    /// The type the map was last conformed to, kept alive here so that its address
    /// names it (compared by address only).
    conformed: Option<Arc<dyn std::any::Any + Send + Sync>>,
    /// What the record is known not to hold anywhere inside it ([`Holds`] bits), found
    /// when it was interned; nothing is known of a record made or changed since. Set
    /// through a shared reference (it describes the content, which cannot change while
    /// shared), so interning a shared record need not copy it.
    absent: std::sync::atomic::AtomicU8,
    /// Whether this record is the canonical one of the [`crate::Interner`] that interned
    /// it (each value is interned by one interner: its part's), which then leaves it as
    /// it is when it meets it again. Set through a shared reference, as `absent`; a copy
    /// or a change is not canonical.
    canonical: std::sync::atomic::AtomicBool,
    /// Which names the map holds, as bits ([`name_bit`]), with [`NAMES_KNOWN`] set; 0
    /// when not known (made, or changed, since they were last looked at). Found at the
    /// first look-up and kept through a shared reference, as `absent` (it describes the
    /// content, which cannot change while shared): a name whose bit is not set is not
    /// there, which a look-up then tells without reading the entries (two thirds of
    /// evaluation's look-ups and a quarter of the checks' find nothing).
    names: std::sync::atomic::AtomicU32,
}

/// The bit of [`Inner::names`] saying the others are known.
const NAMES_KNOWN: u32 = 1 << 31;

/// The bit of `name` among the 31 of [`Inner::names`]: from its length and its first
/// and last bytes, which tell most names of a record apart.
#[inline]
fn name_bit(name: &str) -> u32 {
    let b = name.as_bytes();
    let (first, last) = (b.first().copied().unwrap_or(0) as u32, b.last().copied().unwrap_or(0) as u32);
    let mix = (b.len() as u32).wrapping_mul(0x9E37_79B9) ^ first.wrapping_mul(0x85EB_CA6B) ^ last;
    1 << ((mix >> 7) % 31)
}

impl Clone for Inner {
    fn clone(&self) -> Inner {
        Inner {
            map: self.map.clone(),
            typed: self.typed,
            conformed: self.conformed.clone(),
            absent: std::sync::atomic::AtomicU8::new(self.absent()),
            canonical: std::sync::atomic::AtomicBool::new(false),
            names: std::sync::atomic::AtomicU32::new(self.names.load(std::sync::atomic::Ordering::Relaxed)),
        }
    }
}

impl Inner {
    fn absent(&self) -> u8 {
        self.absent.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// What a value may hold somewhere inside it, for walks that look for it to skip the
/// records known not to ([`Fields::lacks`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holds(pub(crate) u8);

impl Holds {
    /// Text naming secrets or declared public ([`ValueKind::Named`]).
    pub const NAMED: Holds = Holds(1);
    /// What cannot be written into an object: an environment, a secret, a patch
    /// ([`Value::unwritable`]).
    pub const UNWRITABLE: Holds = Holds(2);
    /// Text with a `.` or a `:` ([`Holds::dotted`]): what every in-cluster address, URL
    /// or hostname has, and most other strings (names, labels, ports' names) have not.
    pub const DOTTED: Holds = Holds(4);
    pub(crate) const ALL: u8 = 7;

    /// Whether `text` is [`Holds::DOTTED`].
    pub fn dotted(text: &str) -> bool {
        text.bytes().any(|b| b == b'.' || b == b':')
    }
}

impl std::fmt::Debug for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fields").field("map", &self.0.map).field("typed", &self.0.typed).finish()
    }
}

impl PartialEq for Fields {
    fn eq(&self, other: &Fields) -> bool {
        let given = |f: &Fields| f.0.map.values().filter(|v| !matches!(v.kind, ValueKind::None)).count();
        given(self) == given(other)
            && self
                .0
                .map
                .iter()
                .filter(|(_, v)| !matches!(v.kind, ValueKind::None))
                .all(|(k, v)| other.0.map.get(k).is_some_and(|o| o == v))
    }
}

impl Fields {
    pub fn new() -> Fields {
        Fields::default()
    }
    pub fn with_capacity(n: usize) -> Fields {
        Fields::of(FieldMap::with_capacity(n))
    }
    /// Untyped fields holding `map`, nothing known of them.
    fn of(map: FieldMap) -> Fields {
        Fields(Arc::new(Inner {
            map,
            typed: false,
            conformed: None,
            absent: Default::default(),
            canonical: Default::default(),
            names: Default::default(),
        }))
    }
    /// Whether `name` may be one of the fields: `false` means it is not
    /// ([`Inner::names`]).
    #[inline]
    fn may_hold(&self, name: &str) -> bool {
        let mut names = self.0.names.load(std::sync::atomic::Ordering::Relaxed);
        if names == 0 {
            names = self.0.map.keys().fold(NAMES_KNOWN, |m, k| m | name_bit(k));
            self.0.names.store(names, std::sync::atomic::Ordering::Relaxed);
        }
        names & name_bit(name) != 0
    }
    /// The position of the field named `key` ([`FieldMap::get_index_of`], telling most
    /// names that are not there without reading the entries).
    #[inline]
    pub fn get_index_of(&self, key: &str) -> Option<usize> {
        if !self.may_hold(key) {
            return None;
        }
        self.0.map.get_index_of(key)
    }
    /// The field named `key` ([`FieldMap::get`]; see [`Self::get_index_of`]).
    #[inline]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.get_index_of(key).and_then(|i| self.0.map.get_index(i)).map(|(_, v)| v)
    }
    pub fn contains_key(&self, key: &str) -> bool {
        self.get_index_of(key).is_some()
    }
    pub fn get_key_value(&self, key: &str) -> Option<(&Key, &Value)> {
        self.get_index_of(key).and_then(|i| self.0.map.get_index(i))
    }
    /// The address of the fields (equal for two records sharing them).
    pub fn addr(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }
    /// The fields to make canonical in place ([`crate::Interner`]): copied first when
    /// shared, and still conformed to the type they were (interning changes no content).
    pub(crate) fn entries_for_interning(&mut self) -> &mut [(Key, Value)] {
        Arc::make_mut(&mut self.0).map.entries_mut()
    }
    /// Whether the record is known to hold nothing of `what` anywhere inside (known of
    /// interned records only: see [`crate::Interner`]).
    pub fn lacks(&self, what: Holds) -> bool {
        self.0.absent() & what.0 != 0
    }
    /// What the fields are known not to hold ([`Holds`] bits).
    pub(crate) fn absent(&self) -> u8 {
        self.0.absent()
    }
    /// Record what the fields are known not to hold (the interner, which just walked
    /// them).
    pub(crate) fn set_absent(&self, absent: u8) {
        self.0.absent.store(absent, std::sync::atomic::Ordering::Relaxed);
    }
    /// Whether these are the canonical fields of the interner that interned them (no
    /// other record of that interner is equal to them in content and provenance).
    pub fn is_canonical(&self) -> bool {
        self.0.canonical.load(std::sync::atomic::Ordering::Relaxed)
    }
    /// They became the canonical fields of an interner (which keeps them: a copy or a
    /// change is another record).
    pub(crate) fn set_canonical(&self) {
        self.0.canonical.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    /// Whether changing them would copy them first.
    pub fn is_shared(&self) -> bool {
        Arc::strong_count(&self.0) > 1
    }
    /// Whether these are the fields of a declared record type: a field not there is an
    /// optional one left out (`none`), not a map's missing key.
    pub fn is_typed(&self) -> bool {
        self.0.typed
    }
    /// Mark them as the fields of a declared record type.
    pub fn set_typed(&mut self) {
        Arc::make_mut(&mut self.0).typed = true;
    }
    /// Whether they were conformed to `ty` (the same allocation) and not changed since.
    pub fn conformed_to<T: std::any::Any + Send + Sync>(&self, ty: &Arc<T>) -> bool {
        self.0.conformed.as_ref().is_some_and(|c| std::ptr::addr_eq(Arc::as_ptr(c), Arc::as_ptr(ty)))
    }
    /// Record that they were just conformed to `ty` (which makes them typed).
    pub fn set_conformed<T: std::any::Any + Send + Sync>(&mut self, ty: &Arc<T>) {
        let inner = Arc::make_mut(&mut self.0);
        inner.typed = true;
        inner.conformed = Some(ty.clone());
    }
}

impl std::ops::Deref for Fields {
    type Target = FieldMap;
    fn deref(&self) -> &FieldMap {
        &self.0.map
    }
}

impl std::ops::DerefMut for Fields {
    fn deref_mut(&mut self) -> &mut FieldMap {
        let inner = Arc::make_mut(&mut self.0);
        inner.conformed = None;
        *inner.absent.get_mut() = 0;
        *inner.canonical.get_mut() = false;
        *inner.names.get_mut() = 0;
        &mut inner.map
    }
}

impl<K: Into<Key>> FromIterator<(K, Value)> for Fields {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Fields {
        Fields::of(iter.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl<K: Into<Key>> Extend<(K, Value)> for Fields {
    fn extend<I: IntoIterator<Item = (K, Value)>>(&mut self, iter: I) {
        std::ops::DerefMut::deref_mut(self).extend(iter.into_iter().map(|(k, v)| (k.into(), v)));
    }
}

impl IntoIterator for Fields {
    type Item = (Key, Value);
    type IntoIter = std::vec::IntoIter<(Key, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        Arc::unwrap_or_clone(self.0).map.into_iter()
    }
}

impl<'a> IntoIterator for &'a Fields {
    type Item = (&'a Key, &'a Value);
    type IntoIter = crate::field_map::Iter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.map.iter()
    }
}

impl<'a> IntoIterator for &'a mut Fields {
    type Item = (&'a Key, &'a mut Value);
    type IntoIter = crate::field_map::IterMut<'a>;
    fn into_iter(self) -> Self::IntoIter {
        std::ops::DerefMut::deref_mut(self).iter_mut()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    /// `none`: an absent optional. Record fields holding `none` are left out of output.
    None,
    Bool(bool),
    Int(i64),
    Str(Arc<str>),
    /// The items, shared: copying a list is a new reference to the same items, and a
    /// change copies them first when they are shared (`Arc::make_mut`).
    List(Arc<Vec<Value>>),
    Record(Fields),
    /// An environment, by name (`prod`, or `env` itself).
    Env(Arc<str>),
    /// A secret: where it lives, never its contents. It has no JSON form; the type
    /// checker lets it go only where a `Secret` is expected (docs/secrets.md).
    Secret(Arc<SecretSource>),
    /// Text cedc knows more of than its characters: the Kubernetes Secrets it names (the
    /// `name` that `secret_ref` gives, and any string built from one: wherever it is
    /// emitted, those secrets are read, and derive syncs them there), or that it was
    /// declared public material (`public(text, reason)`). Emitted as its text.
    Named(Arc<Named>),
    /// Only while a `composite` declaration's body is evaluated: a read of the spec of
    /// the composites Crossplane will compose — a patch, whose value cedc never knows.
    /// Evaluating the composite turns each into a patch of its Composition, so none
    /// reaches the platform (docs/crossplane.md).
    Patch(Arc<PatchSource>),
}

/// A read of a composite's fields, with what Crossplane does to it on the way.
#[derive(Clone, Debug, PartialEq)]
pub struct PatchSource {
    /// The composite's field paths read (`spec.name`): one, or several combined.
    pub from: Vec<String>,
    /// For several fields: the format that joins them (`%s.%s`).
    pub combine: Option<String>,
    /// The transforms, in order, each a record in Crossplane's form.
    pub transforms: Vec<Value>,
    /// What the composed resource holds while the field is unset (`x ?? default`).
    pub fallback: Option<Box<Value>>,
}

/// Where a secret lives, and the key of it that is read.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecretSource {
    pub store: SecretStore,
    /// The key read from it (a field of the KV secret, a key of the Kubernetes Secret).
    pub key: String,
    /// The expression that made it (`secrets.vault(...)`): diagnostics about the
    /// secret point here.
    pub span: Span,
}

/// The stores a secret can live in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SecretStore {
    /// A KV version 2 secret in Vault: its mount and its path in the mount (without the
    /// `data/` segment of the API path). cedc syncs it into the Kubernetes Secret
    /// `name`, in each namespace where it is read.
    Vault { mount: String, path: String, name: String },
    /// A Kubernetes Secret created outside the platform's declarations, by its name.
    Kubernetes { name: String },
}

impl SecretSource {
    /// The Kubernetes Secret its readers read: the synced one, or the existing one.
    pub fn secret_name(&self) -> &str {
        match &self.store {
            SecretStore::Vault { name, .. } | SecretStore::Kubernetes { name } => name,
        }
    }
}

/// See [`ValueKind::Named`].
#[derive(Clone, Debug, PartialEq)]
pub struct Named {
    pub text: Arc<str>,
    /// The secrets it names, sorted, each once.
    pub reads: Vec<Arc<SecretSource>>,
    /// Why it is public material, when it was declared so: the plaintext scanner passes
    /// it, and the object holding it says so in an annotation (reviewers see it).
    pub public: Option<Arc<str>>,
}

impl ValueKind {
    /// A list of these items.
    pub fn list(items: Vec<Value>) -> ValueKind {
        ValueKind::List(Arc::new(items))
    }
}

impl Value {
    pub fn new(kind: ValueKind, span: Span) -> Value {
        Value { kind, origin: Origin::at(span) }
    }
    pub fn str(s: &str, span: Span) -> Value {
        Value::new(ValueKind::Str(s.into()), span)
    }
    pub fn span(&self) -> Span {
        self.origin.span
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ValueKind::Str(s) => Some(s),
            ValueKind::Named(n) => Some(&n.text),
            _ => None,
        }
    }
    pub fn as_record(&self) -> Option<&Fields> {
        match &self.kind {
            ValueKind::Record(f) => Some(f),
            _ => None,
        }
    }
    pub fn as_list(&self) -> Option<&[Value]> {
        match &self.kind {
            ValueKind::List(l) => Some(l),
            _ => None,
        }
    }
    /// Field lookup on a record value.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_record().and_then(|f| f.get(key)).filter(|v| !matches!(v.kind, ValueKind::None))
    }
    /// Follow a path of record fields: `value.path(&["metadata", "name"])`.
    pub fn path(&self, path: &[&str]) -> Option<&Value> {
        path.iter().try_fold(self, |v, k| v.get(k))
    }

    /// A value from JSON, every node with origin `span` (tests and data files).
    /// JSON numbers that are not 64-bit integers become strings.
    pub fn from_json(json: &serde_json::Value, span: Span) -> Value {
        let kind = match json {
            serde_json::Value::Null => ValueKind::None,
            serde_json::Value::Bool(b) => ValueKind::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => ValueKind::Int(i),
                None => ValueKind::Str(n.to_string().into()),
            },
            serde_json::Value::String(s) => ValueKind::Str(s.as_str().into()),
            serde_json::Value::Array(a) => ValueKind::list(a.iter().map(|v| Value::from_json(v, span)).collect()),
            serde_json::Value::Object(m) => {
                ValueKind::Record(m.iter().map(|(k, v)| (k.clone(), Value::from_json(v, span))).collect())
            }
        };
        Value::new(kind, span)
    }

    /// The value as JSON, `none` fields dropped. Environments and secrets have no JSON
    /// form; the type checker keeps them out of objects, and this returns `Err(span)` if
    /// one slips.
    pub fn to_json(&self) -> Result<serde_json::Value, Span> {
        Ok(match &self.kind {
            ValueKind::None => serde_json::Value::Null,
            ValueKind::Bool(b) => serde_json::Value::Bool(*b),
            ValueKind::Int(i) => serde_json::Value::from(*i),
            ValueKind::Str(s) => serde_json::Value::String(s.to_string()),
            ValueKind::List(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect::<Result<_, _>>()?)
            }
            ValueKind::Record(fields) => {
                let mut map = serde_json::Map::new();
                for (k, v) in fields {
                    if !matches!(v.kind, ValueKind::None) {
                        map.insert(k.to_string(), v.to_json()?);
                    }
                }
                serde_json::Value::Object(map)
            }
            ValueKind::Named(n) => serde_json::Value::String(n.text.to_string()),
            ValueKind::Env(_) | ValueKind::Secret(_) | ValueKind::Patch(_) => return Err(self.span()),
        })
    }

    /// The first value (in document order) that has no JSON form (an environment, a
    /// secret), found without building the JSON.
    pub fn unwritable(&self) -> Option<&Value> {
        // Iterative: values can be as deep as the user's data.
        let mut stack = vec![self];
        while let Some(v) = stack.pop() {
            match &v.kind {
                ValueKind::Env(_) | ValueKind::Secret(_) | ValueKind::Patch(_) => return Some(v),
                ValueKind::List(items) => stack.extend(items.iter().rev()),
                ValueKind::Record(fields) if fields.lacks(Holds::UNWRITABLE) => {}
                ValueKind::Record(fields) => {
                    stack.extend(fields.values().rev().filter(|f| !matches!(f.kind, ValueKind::None)))
                }
                ValueKind::None | ValueKind::Bool(_) | ValueKind::Int(_) | ValueKind::Str(_) | ValueKind::Named(_) => {}
            }
        }
        None
    }

    /// The secrets the value's strings name ([`ValueKind::Named`]), in document order,
    /// repeats included: what is read where the value is emitted.
    pub fn secrets_named(&self) -> Vec<Arc<SecretSource>> {
        let mut out = Vec::new();
        // Iterative: values can be as deep as the user's data.
        let mut stack = vec![self];
        while let Some(v) = stack.pop() {
            match &v.kind {
                ValueKind::Named(n) => out.extend(n.reads.iter().cloned()),
                ValueKind::List(items) => stack.extend(items.iter().rev()),
                ValueKind::Record(fields) if fields.lacks(Holds::NAMED) => {}
                ValueKind::Record(fields) => stack.extend(fields.values().rev()),
                _ => {}
            }
        }
        out
    }

    /// The origin of the first value (in document order) this value holds, itself
    /// included, whose expression is at `span`.
    pub fn origin_of(&self, span: Span) -> Option<Origin> {
        // Iterative: values can be as deep as the user's data.
        let mut stack = vec![self];
        while let Some(v) = stack.pop() {
            if v.origin.span == span {
                return Some(v.origin.clone());
            }
            match &v.kind {
                ValueKind::List(items) => stack.extend(items.iter().rev()),
                ValueKind::Record(fields) => stack.extend(fields.values().rev()),
                _ => {}
            }
        }
        None
    }

    /// The origin of the value at a JSON-ish path (`["spec", "replicas"]`, list indices
    /// as numbers), falling back to the closest enclosing value. For reporting a problem
    /// found in emitted output at the `.ced` expression that produced it.
    pub fn origin_at(&self, path: &[PathSeg]) -> Origin {
        let mut cur = self;
        for seg in path {
            let next = match (seg, &cur.kind) {
                (PathSeg::Key(k), ValueKind::Record(f)) => f.get(k.as_str()),
                (PathSeg::Index(i), ValueKind::List(l)) => l.get(*i),
                _ => None,
            };
            match next {
                Some(n) => cur = n,
                None => break,
            }
        }
        cur.origin.clone()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSeg {
    Key(String),
    Index(usize),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A platform is mostly values: keep one at 48 bytes (its kind 24: strings, shared
    /// lists and records are pointers; its origin 24, the rare spans out of line).
    #[test]
    fn a_value_stays_small() {
        assert!(std::mem::size_of::<ValueKind>() <= 24, "{}", std::mem::size_of::<ValueKind>());
        assert!(std::mem::size_of::<Value>() <= 48, "{}", std::mem::size_of::<Value>());
        assert!(std::mem::size_of::<Origin>() <= 24, "{}", std::mem::size_of::<Origin>());
        // A record's header: what it knows of its names fits in what was padding.
        assert!(std::mem::size_of::<Inner>() <= 56, "{}", std::mem::size_of::<Inner>());
    }

    #[test]
    fn an_origin_keeps_its_rare_spans() {
        let sp = |n| Span { file: cedc_diagnostics::FileId(0), start: n, end: n + 1 };
        let mut o = Origin::at(sp(1));
        assert_eq!((o.overrides(), o.input()), (None, None));
        o.set_input(Some(sp(2)));
        o.set_overrides(Some(sp(3)));
        assert_eq!((o.overrides(), o.input()), (Some(sp(3)), Some(sp(2))));
        o.set_input(None);
        o.set_overrides(None);
        assert_eq!(o, Origin::at(sp(1)), "no extra spans left: nothing out of line");
    }

    /// What a record knows of its names stays true through every change, shared or
    /// not: each look-up answers as the map itself does.
    #[test]
    fn a_record_finds_what_it_holds_through_every_change() {
        let sp = Span { file: cedc_diagnostics::FileId(0), start: 0, end: 1 };
        let int = |i: i64| Value::new(ValueKind::Int(i), sp);
        let names: Vec<String> = (0..40).map(|i| format!("{}{i}", ["spec", "name", "x", "labels"][i % 4])).collect();
        let mut fields = Fields::new();
        let mut kept = Vec::new();
        let mut state = 7u64;
        for step in 0..2_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let name = &names[(state % names.len() as u64) as usize];
            match step % 5 {
                0 | 1 => {
                    fields.insert(name.as_str().into(), int(step));
                }
                2 => {
                    fields.shift_remove(name);
                }
                3 => kept.push(fields.clone()), // shared: the next change copies
                _ => {}
            }
            for n in &names {
                assert_eq!(Fields::get_index_of(&fields, n), fields.0.map.get_index_of(n), "{n} at step {step}");
                assert_eq!(Fields::contains_key(&fields, n), fields.0.map.contains_key(n));
            }
        }
        for k in &kept {
            for n in &names {
                assert_eq!(k.get(n).is_some(), k.0.map.get(n).is_some(), "a copy kept: {n}");
            }
        }
    }
}
