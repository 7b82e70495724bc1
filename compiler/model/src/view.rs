//! Typed, read-only views over evaluated values: the way checks (and anything else that
//! reads object bodies) look inside a [`Value`]. A [`View`] is a copyable borrow of one
//! value; every step (`field`, `at`, `items`, `entries`) returns another view, so a
//! value read through a view always carries its span and [`Origin`] for reporting.
//!
//! Invariants: views never allocate (navigation borrows the underlying value), never
//! fail (a missing or mistyped field is `None`, a missing list is empty), and treat a
//! field holding `none` as absent, as the emitters do. The per-family views in
//! [`crate::views`] are built on these and hold each family's field names and defaults.

use crate::platform::Object;
use crate::value::{Fields, Origin, Value, ValueKind};
use cedc_diagnostics::Span;
use std::fmt;

/// A borrowed value, with typed accessors that keep its provenance at hand.
#[derive(Clone, Copy, Debug)]
pub struct View<'a> {
    value: &'a Value,
}

impl<'a> View<'a> {
    pub fn new(value: &'a Value) -> View<'a> {
        View { value }
    }
    /// The underlying value.
    pub fn value(self) -> &'a Value {
        self.value
    }
    /// The span of the expression that produced the value.
    pub fn span(self) -> Span {
        self.value.origin.span
    }
    pub fn origin(self) -> Origin {
        self.value.origin.clone()
    }

    /// A record field (`none` counts as absent); `None` when this is not a record.
    pub fn field(self, key: &str) -> Option<View<'a>> {
        self.value.get(key).map(View::new)
    }
    /// Follow record fields: `view.at(&["tls", "mode"])`.
    pub fn at(self, path: &[&str]) -> Option<View<'a>> {
        path.iter().try_fold(self, |v, k| v.field(k))
    }
    /// The span of a field when it is present, else this value's own span (the place to
    /// point at for a problem with the field).
    pub fn span_of(self, key: &str) -> Span {
        self.field(key).map_or(self.span(), View::span)
    }

    pub fn str(self) -> Option<&'a str> {
        self.value.as_str()
    }
    pub fn int(self) -> Option<i64> {
        match self.value.kind {
            ValueKind::Int(i) => Some(i),
            _ => None,
        }
    }
    pub fn bool(self) -> Option<bool> {
        match self.value.kind {
            ValueKind::Bool(b) => Some(b),
            _ => None,
        }
    }
    /// The name of an environment value (`prod`).
    pub fn env(self) -> Option<&'a str> {
        match &self.value.kind {
            ValueKind::Env(name) => Some(name),
            _ => None,
        }
    }
    /// The items of a list value; empty when this is not a list.
    pub fn items(self) -> Items<'a> {
        Items(self.value.as_list().unwrap_or(&[]).iter())
    }
    /// The fields of a record, in source order (`none` fields left out); `None` when this
    /// is not a record.
    pub fn entries(self) -> Option<Entries<'a>> {
        self.value.as_record().map(|f| Entries(f.iter()))
    }
    /// The record's fields, as stored.
    pub fn record(self) -> Option<&'a Fields> {
        self.value.as_record()
    }

    /// A string field.
    pub fn str_field(self, key: &str) -> Option<&'a str> {
        self.field(key).and_then(View::str)
    }
    /// An integer field.
    pub fn int_field(self, key: &str) -> Option<i64> {
        self.field(key).and_then(View::int)
    }
    /// The items of a list field; empty when the field is absent or not a list.
    pub fn items_of(self, key: &str) -> Items<'a> {
        self.field(key).map_or_else(Items::empty, View::items)
    }
    /// The items of the list at a path; empty when it is absent or not a list.
    pub fn items_at(self, path: &[&str]) -> Items<'a> {
        self.at(path).map_or_else(Items::empty, View::items)
    }
}

/// The items of a list, as views.
#[derive(Clone, Debug)]
pub struct Items<'a>(std::slice::Iter<'a, Value>);

impl Items<'_> {
    /// No items (an absent list).
    pub fn empty() -> Self {
        Items([].iter())
    }
}

impl<'a> Iterator for Items<'a> {
    type Item = View<'a>;
    fn next(&mut self) -> Option<View<'a>> {
        self.0.next().map(View::new)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Items<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(View::new)
    }
}

impl ExactSizeIterator for Items<'_> {}

/// The fields of a record, as (name, view), `none` fields left out.
#[derive(Clone, Debug)]
pub struct Entries<'a>(crate::field_map::Iter<'a>);

impl<'a> Iterator for Entries<'a> {
    type Item = (&'a str, View<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.by_ref().find(|(_, v)| !matches!(v.kind, ValueKind::None)).map(|(k, v)| (&**k, View::new(v)))
    }
}

/// The identity of an object within an environment, borrowed: for indexes keyed by the
/// objects that references name, and for the references themselves. Ordered by group,
/// kind, namespace, name (as [`crate::ObjectId`]). `namespace` is `None` for
/// cluster-scoped kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey<'a> {
    pub group: &'a str,
    pub kind: &'a str,
    pub namespace: Option<&'a str>,
    pub name: &'a str,
}

impl<'a> ObjectKey<'a> {
    /// A namespaced object's key.
    pub fn namespaced(group: &'a str, kind: &'a str, namespace: &'a str, name: &'a str) -> ObjectKey<'a> {
        ObjectKey { group, kind, namespace: Some(namespace), name }
    }
    /// A cluster-scoped object's key.
    pub fn cluster(group: &'a str, kind: &'a str, name: &'a str) -> ObjectKey<'a> {
        ObjectKey { group, kind, namespace: None, name }
    }
    /// The namespace, `""` for a cluster-scoped object.
    pub fn namespace_or_empty(&self) -> &'a str {
        self.namespace.unwrap_or("")
    }
}

impl fmt::Display for ObjectKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dot = if self.group.is_empty() { "" } else { "." };
        match self.namespace {
            Some(ns) => write!(f, "{}{dot}{} {ns}/{}", self.kind, self.group, self.name),
            None => write!(f, "{}{dot}{} {}", self.kind, self.group, self.name),
        }
    }
}

/// What every typed object view offers: the object it wraps, a view of its whole value
/// and of its common metadata. Implemented by [`object_view!`](crate::object_view).
pub trait ObjectView<'a>: Copy {
    /// The API group of the kinds this view reads.
    const GROUP: &'static str;
    /// The kinds this view reads (several when they share a shape, like routes).
    const KINDS: &'static [&'static str];

    /// The object, when it is of one of [`Self::KINDS`] in [`Self::GROUP`].
    fn cast(object: &'a Object) -> Option<Self>;
    fn object(self) -> &'a Object;

    /// The whole object value.
    fn view(self) -> View<'a> {
        View::new(&self.object().value)
    }
    fn spec(self) -> Option<View<'a>> {
        self.view().field("spec")
    }
    fn name(self) -> &'a str {
        &self.object().name
    }
    /// The object's namespace, `""` when it has none (cluster-scoped).
    fn namespace(self) -> &'a str {
        self.object().namespace.as_deref().unwrap_or("")
    }
    fn kind(self) -> &'a str {
        &self.object().kind
    }
    /// The span of the object.
    fn span(self) -> Span {
        self.object().span()
    }
    /// `metadata.name`, to point at the object by its name.
    fn name_field(self) -> Option<View<'a>> {
        self.view().at(&["metadata", "name"])
    }
    /// Where to point at the object: its `metadata.name`, else the whole object.
    fn name_span(self) -> Span {
        self.name_field().map_or(self.span(), View::span)
    }
    fn labels(self) -> Option<View<'a>> {
        self.view().at(&["metadata", "labels"])
    }
    fn annotations(self) -> Option<View<'a>> {
        self.view().at(&["metadata", "annotations"])
    }
    /// The object's key (no namespace for a cluster-scoped object).
    fn key(self) -> ObjectKey<'a> {
        let o = self.object();
        ObjectKey { group: Self::GROUP, kind: &o.kind, namespace: o.namespace.as_deref(), name: &o.name }
    }
}

/// Declare a typed view over objects of some kinds of one group:
/// `object_view!(/// docs\n Gateway, GROUP, [GATEWAY]);` makes `Gateway<'a>`, an
/// [`ObjectView`] that [`ObjectView::cast`]s only Gateways.
#[macro_export]
macro_rules! object_view {
    ($(#[$doc:meta])* $name:ident, $group:expr, [$($kind:expr),+ $(,)?]) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name<'a>(&'a $crate::Object);

        impl<'a> $crate::ObjectView<'a> for $name<'a> {
            const GROUP: &'static str = $group;
            const KINDS: &'static [&'static str] = &[$($kind),+];
            fn cast(object: &'a $crate::Object) -> Option<Self> {
                // The kind first: it rules out most objects without finding the group.
                (Self::KINDS.contains(&&*object.kind) && object.group() == Self::GROUP).then_some($name(object))
            }
            fn object(self) -> &'a $crate::Object {
                self.0
            }
        }
    };
}

/// Declare a typed view over a part of an object (a listener, a reference):
/// `part_view!(/// docs\n Listener);` makes `Listener<'a>` wrapping a [`View`].
#[macro_export]
macro_rules! part_view {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name<'a>(pub $crate::View<'a>);

        impl<'a> $name<'a> {
            /// The part as an untyped view.
            pub fn view(self) -> $crate::View<'a> {
                self.0
            }
            pub fn span(self) -> $crate::__private::Span {
                self.0.span()
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(json: serde_json::Value) -> Value {
        Value::from_json(&json, Span::default())
    }

    #[test]
    fn navigation_reads_typed_fields_and_skips_none() {
        let v = value(serde_json::json!({
            "spec": { "port": 443, "name": "https", "tls": null, "hosts": ["a", "b"], "on": true }
        }));
        let root = View::new(&v);
        assert_eq!(root.at(&["spec", "port"]).and_then(View::int), Some(443));
        assert_eq!(root.at(&["spec", "name"]).and_then(View::str), Some("https"));
        assert_eq!(root.at(&["spec", "name"]).and_then(View::int), None, "a string is not an int");
        assert!(root.at(&["spec", "tls"]).is_none(), "`none` is absent");
        assert!(root.at(&["spec", "port", "deeper"]).is_none());
        assert_eq!(root.at(&["spec", "on"]).and_then(View::bool), Some(true));
        let spec = root.field("spec").map(|s| s.items_of("hosts").filter_map(View::str).collect::<Vec<_>>());
        assert_eq!(spec, Some(vec!["a", "b"]));
        assert_eq!(root.items_of("missing").len(), 0);
        let keys: Option<Vec<&str>> = root.field("spec").and_then(View::entries).map(|e| e.map(|(k, _)| k).collect());
        assert_eq!(keys, Some(vec!["port", "name", "hosts", "on"]), "source order, `none` left out");
    }

    #[test]
    fn span_of_falls_back_to_the_value() {
        let mut v = value(serde_json::json!({ "name": "x" }));
        let inner = Span::new(cedc_diagnostics::FileId(0), 3, 4);
        if let ValueKind::Record(f) = &mut v.kind
            && let Some(name) = f.get_mut("name")
        {
            name.origin = Origin::at(inner);
        }
        let root = View::new(&v);
        assert_eq!(root.span_of("name"), inner);
        assert_eq!(root.span_of("other"), root.span());
    }

    #[test]
    fn object_keys_order_and_print_like_object_ids() {
        let a = ObjectKey::namespaced("", "Service", "b", "a");
        let b = ObjectKey::namespaced("", "Service", "a", "z");
        assert!(b < a, "namespace before name");
        assert_eq!(a.to_string(), "Service b/a");
        assert_eq!(
            ObjectKey::cluster("cert-manager.io", "ClusterIssuer", "le").to_string(),
            "ClusterIssuer.cert-manager.io le"
        );
    }
}
