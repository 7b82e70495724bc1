//! The builder of hand-written schemas (the cert-manager and Argo CD kinds): infallible
//! functions over the schema model, so that a schema reads as the structure it states.
//! Invariant: a refinement applied to a node of another type leaves it unchanged.

#![allow(dead_code)]

use crate::model::*;
use std::sync::Arc;

/// How a shipped kind's schema is made, the first time it is read
/// ([`crate::KindSchema::lazy`]).
pub(crate) type Make = fn() -> Schema;

pub(crate) fn node(ty: Ty) -> Schema {
    Schema { ty, ..Schema::default() }
}

/// A closed object with these properties (in this order).
pub(crate) fn obj<const N: usize>(properties: [(&str, Schema); N]) -> Schema {
    let properties = properties.into_iter().map(|(name, schema)| (name.to_string(), Arc::new(schema))).collect();
    node(Ty::Object(Object { properties, ..Object::default() }))
}

/// An object whose keys are free and whose values are all `values`.
pub(crate) fn map(values: Schema) -> Schema {
    node(Ty::Object(Object { additional: Additional::Schema(Arc::new(values)), ..Object::default() }))
}

/// An (atomic) list of `items`.
pub(crate) fn array(items: Schema) -> Schema {
    node(Ty::Array(Array { items: Some(Arc::new(items)), ..Array::default() }))
}

pub(crate) fn string() -> Schema {
    node(Ty::String(StringRules::default()))
}

/// A string that must be one of `values`.
pub(crate) fn enum_of<const N: usize>(values: [&str; N]) -> Schema {
    node(Ty::String(StringRules { enum_values: Some(values.map(str::to_string).to_vec()), ..StringRules::default() }))
}

/// Base64-encoded bytes.
pub(crate) fn bytes() -> Schema {
    string().format("byte")
}

pub(crate) fn int() -> Schema {
    node(Ty::Integer(NumberRules::default()))
}

pub(crate) fn int32() -> Schema {
    int().format("int32")
}

pub(crate) fn boolean() -> Schema {
    node(Ty::Boolean)
}

/// Anything at all.
pub(crate) fn any() -> Schema {
    Schema::default()
}

/// `x-kubernetes-int-or-string`: an integer or a string.
pub(crate) fn int_or_string() -> Schema {
    node(Ty::IntOrString(IntOrStringRules::default()))
}

/// Refinements of a node; each leaves a node of another type unchanged.
pub(crate) trait Refine: Sized {
    /// An object's required fields.
    fn required<const N: usize>(self, names: [&str; N]) -> Self;
    /// An object that accepts undeclared fields too.
    fn open(self) -> Self;
    /// A string's or an integer's `format`.
    fn format(self, format: &str) -> Self;
    fn pattern(self, pattern: &str) -> Self;
    fn min_len(self, n: u64) -> Self;
    fn max_len(self, n: u64) -> Self;
    /// An integer's inclusive bounds.
    fn range(self, min: i64, max: i64) -> Self;
    /// What the API server fills in when the field is left out.
    fn with_default(self, value: &str) -> Self;
    /// The same, for a default that is not a string (a boolean, a number).
    fn with_default_json(self, value: serde_json::Value) -> Self;
    /// An integer's inclusive lower bound.
    fn at_least(self, min: i64) -> Self;
    /// A list whose items are unique by these fields.
    fn list_map<const N: usize>(self, keys: [&str; N]) -> Self;
}

impl Refine for Schema {
    fn required<const N: usize>(mut self, names: [&str; N]) -> Self {
        if let Ty::Object(o) = &mut self.ty {
            o.required = names.map(str::to_string).to_vec();
        }
        self
    }

    fn open(mut self) -> Self {
        if let Ty::Object(o) = &mut self.ty {
            o.additional = Additional::Any;
        }
        self
    }

    fn format(mut self, format: &str) -> Self {
        match &mut self.ty {
            Ty::String(s) => s.format = Some(format.to_string()),
            Ty::Integer(n) => n.format = Some(format.to_string()),
            _ => {}
        }
        self
    }

    fn pattern(mut self, pattern: &str) -> Self {
        if let Ty::String(s) = &mut self.ty {
            s.pattern = Some(pattern.to_string());
        }
        self
    }

    fn min_len(mut self, n: u64) -> Self {
        if let Ty::String(s) = &mut self.ty {
            s.min_length = Some(n);
        }
        self
    }

    fn max_len(mut self, n: u64) -> Self {
        if let Ty::String(s) = &mut self.ty {
            s.max_length = Some(n);
        }
        self
    }

    fn range(mut self, min: i64, max: i64) -> Self {
        if let Ty::Integer(n) = &mut self.ty {
            n.minimum = Some(min as f64);
            n.maximum = Some(max as f64);
        }
        self
    }

    fn with_default(mut self, value: &str) -> Self {
        self.default = Some(serde_json::Value::String(value.to_string()));
        self
    }

    fn with_default_json(mut self, value: serde_json::Value) -> Self {
        self.default = Some(value);
        self
    }

    fn at_least(mut self, min: i64) -> Self {
        if let Ty::Integer(n) = &mut self.ty {
            n.minimum = Some(min as f64);
        }
        self
    }

    fn list_map<const N: usize>(mut self, keys: [&str; N]) -> Self {
        if let Ty::Array(a) = &mut self.ty {
            a.list_type = ListType::Map;
            a.map_keys = keys.map(str::to_string).to_vec();
        }
        self
    }
}

// ---------------------------------------------------------------------------------------
// Parts of Kubernetes' own kinds that custom kinds embed (a solver's or a runtime's pod)

/// A list of strings.
pub(crate) fn strings() -> Schema {
    array(string())
}

/// A label selector (`matchLabels`, `matchExpressions`).
pub(crate) fn label_selector() -> Schema {
    obj([("matchExpressions", array(requirement())), ("matchLabels", map(string()))])
}

/// A `key operator values` requirement of a selector.
pub(crate) fn requirement() -> Schema {
    obj([("key", string()), ("operator", string()), ("values", strings())]).required(["key", "operator"])
}

/// A pod's affinity: node affinity, pod affinity and anti-affinity.
pub(crate) fn affinity() -> Schema {
    let node_selector_term =
        || obj([("matchExpressions", array(requirement())), ("matchFields", array(requirement()))]);
    let node_affinity = obj([
        (
            "preferredDuringSchedulingIgnoredDuringExecution",
            array(obj([("preference", node_selector_term()), ("weight", int32())]).required(["preference", "weight"])),
        ),
        (
            "requiredDuringSchedulingIgnoredDuringExecution",
            obj([("nodeSelectorTerms", array(node_selector_term()))]).required(["nodeSelectorTerms"]),
        ),
    ]);
    let pod_affinity_term = || {
        obj([
            ("labelSelector", label_selector()),
            ("matchLabelKeys", strings()),
            ("mismatchLabelKeys", strings()),
            ("namespaceSelector", label_selector()),
            ("namespaces", strings()),
            ("topologyKey", string()),
        ])
        .required(["topologyKey"])
    };
    let pod_affinity = || {
        obj([
            (
                "preferredDuringSchedulingIgnoredDuringExecution",
                array(
                    obj([("podAffinityTerm", pod_affinity_term()), ("weight", int32())])
                        .required(["podAffinityTerm", "weight"]),
                ),
            ),
            ("requiredDuringSchedulingIgnoredDuringExecution", array(pod_affinity_term())),
        ])
    };
    obj([("nodeAffinity", node_affinity), ("podAffinity", pod_affinity()), ("podAntiAffinity", pod_affinity())])
}
