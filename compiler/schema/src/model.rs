//! The schema model: what cedc knows about the shape of a Kubernetes kind. Built-in kinds
//! and CRDs are both converted into it (from OpenAPI v3 JSON), so the validator, the type
//! checker and the language server read one representation.

use indexmap::IndexMap;
use std::sync::Arc;

/// One node of a schema.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Schema {
    pub ty: Ty,
    /// `nullable: true`: `null` is accepted (cedc writes none-valued fields as absent).
    pub nullable: bool,
    /// The field's documentation (shown on hover and in completion).
    pub description: Option<String>,
    /// `default`: what the API server fills in when the field is left out.
    pub default: Option<serde_json::Value>,
    /// `x-kubernetes-validations` CEL rules. cedc does not evaluate CEL; `cedc check
    /// --verbose` lists them as not checked.
    pub cel_rules: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub enum Ty {
    /// Anything: no schema, or `x-kubernetes-preserve-unknown-fields` without
    /// properties.
    #[default]
    Any,
    Object(Object),
    Array(Array),
    String(StringRules),
    Integer(NumberRules),
    /// Numbers (cedc has only integers, which are numbers too).
    Number(NumberRules),
    Boolean,
    /// `x-kubernetes-int-or-string`: an integer or a string, each with its own rules
    /// (a quantity's `pattern` applies to the string form, bounds to the integer).
    IntOrString(IntOrStringRules),
    /// A named definition, resolved through the [`crate::Registry`] (built-in kinds
    /// share definitions such as `ObjectMeta`, and some refer to themselves).
    Ref(Arc<str>),
}

/// An object's declared properties by name, in schema order. Hashed with foldhash: the
/// validation looks a property up for every field of every object (SipHash was most
/// of the look-up).
pub type Properties = IndexMap<String, Arc<Schema>, foldhash::fast::FixedState>;

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Object {
    /// Declared properties, in schema order.
    pub properties: Properties,
    pub required: Vec<String>,
    /// What undeclared properties may be.
    pub additional: Additional,
    /// `x-kubernetes-embedded-resource`: a whole object (apiVersion, kind, metadata).
    pub embedded_resource: bool,
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub enum Additional {
    /// A structural object: undeclared fields are rejected (the API server prunes them).
    #[default]
    Forbidden,
    /// `x-kubernetes-preserve-unknown-fields: true`, or `additionalProperties: true`.
    Any,
    /// A map: `additionalProperties: <schema>`.
    Schema(Arc<Schema>),
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Array {
    pub items: Option<Arc<Schema>>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    /// `x-kubernetes-list-type`: `atomic` (default), `set` or `map`.
    pub list_type: ListType,
    /// `x-kubernetes-list-map-keys` of a `map` list: these fields identify an item.
    pub map_keys: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum ListType {
    #[default]
    Atomic,
    /// Items are unique.
    Set,
    /// Items are unique by their `map_keys`.
    Map,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct StringRules {
    /// Allowed values (`enum`), if restricted.
    pub enum_values: Option<Vec<String>>,
    /// `format` (`date-time`, `int-or-string`, `byte`, ...).
    pub format: Option<String>,
    pub pattern: Option<String>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct NumberRules {
    pub enum_values: Option<Vec<i64>>,
    /// `format` (`int32`, `int64`, `double`, ...): `int32` bounds the value.
    pub format: Option<String>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub exclusive_minimum: bool,
    pub exclusive_maximum: bool,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct IntOrStringRules {
    /// Rules for the string form (an `enum` keeps its string members).
    pub string: StringRules,
    /// Rules for the integer form (an `enum` keeps its integer members).
    pub integer: NumberRules,
}

/// Whether a kind's objects live in a namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Namespaced,
    Cluster,
}

/// Where a kind's schema comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Built into Kubernetes (from k8s-openapi, for the target version).
    Builtin,
    /// The Gateway API kinds cedc ships (from the `gateway-api` crate).
    GatewayApi,
    /// Kinds whose schemas cedc ships, written by hand: `package` names the project and
    /// release they follow (`cert-manager v1.21`).
    Shipped { package: &'static str },
    /// A CustomResourceDefinition in a file of the project (project-relative path).
    Crd { file: String },
    /// The CompositeResourceDefinition of a `composite` declaration (its kind's name).
    Composite { kind: String },
}

/// A kind at one version: `apps/v1` `Deployment`.
#[derive(Clone, Debug)]
pub struct Kind {
    /// `""` for the core group.
    pub group: String,
    pub version: String,
    pub kind: String,
    pub scope: Scope,
    pub schema: crate::KindSchema,
    pub source: Source,
}

impl Kind {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.clone() } else { format!("{}/{}", self.group, self.version) }
    }
}
