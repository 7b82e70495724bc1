//! `composite` declarations (docs/crossplane.md): a Crossplane composite resource type
//! and how it is composed. The declaration's name is two things: a type, the record of
//! the composite's objects (`apiVersion` and `kind` filled in, `metadata`, and `spec` of
//! the parameter's type), for instances; and a value, the prelude's `Composite` (its
//! CompositeResourceDefinition and Composition), for a component to deliver. The body is
//! checked against the prelude's `Composition` with the parameter bound to the spec type,
//! so a patch — a read of the spec inside a composed resource — is typed at both ends by
//! the ordinary rules.
//!
//! Invariant: every composite that checks without error has its [`CompositeInfo`] in
//! [`super::Checked::composites`], which evaluation reads to build the definition's schema.

use super::{Checker, Decl, Local};
use crate::ty::{FieldType, RecordType, Type};
use cedc_diagnostics::{Diagnostic, Span, a_or_an};
use cedc_names::ModuleId;
use cedc_syntax::ast::{CompositeDecl, ExprKind, Key, StrPart};
use std::collections::BTreeSet;
use std::sync::Arc;

/// What evaluation needs of a checked `composite` declaration.
#[derive(Clone, Debug)]
pub struct CompositeInfo {
    /// `group/version`, as written.
    pub api_version: String,
    pub kind: String,
    /// The type of the composite's `spec` (the parameter's type).
    pub spec: Type,
    /// The kind of its claims (the body's `claim`), for the v1 form.
    pub claim: Option<String>,
    /// The prelude's `Composition`: the type of the body's value.
    pub composition: Type,
    /// The declaration's doc comment: the definition's description.
    pub doc: Option<String>,
    /// The declaration's name.
    pub span: Span,
}

impl CompositeInfo {
    pub fn group(&self) -> &str {
        self.api_version.split_once('/').map_or("", |(g, _)| g)
    }
    pub fn version(&self) -> &str {
        self.api_version.split_once('/').map_or(self.api_version.as_str(), |(_, v)| v)
    }
}

impl Checker<'_> {
    /// The composite declared as `name` in `m`, its spec type resolved (once).
    pub(super) fn composite_info(&mut self, m: ModuleId, name: &str) -> Option<CompositeInfo> {
        let key = (m, name.to_string());
        if let Some(i) = self.out.composites.get(&key) {
            return Some(i.clone());
        }
        let (idx, Decl::Composite(d)) = self.decl(m, name)? else { return None };
        let spec = self.with_module(m, |c| c.resolve_type(&d.param.ty));
        let doc = self.p.module(m).ast.items[idx].doc.clone();
        let composition = self.prelude_type("Composition");
        let claim = claim_literal(d).and_then(|c| c.ok()).map(|(k, _)| k);
        let info = CompositeInfo {
            api_version: d.api_version.clone(),
            kind: d.name.name.clone(),
            claim,
            spec,
            composition,
            doc,
            span: d.name.span,
        };
        self.out.composites.insert(key, info.clone());
        Some(info)
    }

    /// The type `Kind` names: the record of the composite's objects.
    pub(super) fn composite_type(&mut self, m: ModuleId, name: &str) -> Type {
        let Some(info) = self.composite_info(m, name) else { return Type::Error };
        let mut fields = indexmap::IndexMap::new();
        for (field, value) in [("apiVersion", info.api_version.as_str()), ("kind", info.kind.as_str())] {
            // A composite with claims: its objects are composites or claims.
            let mut values = BTreeSet::from([value.to_string()]);
            if field == "kind"
                && let Some(claim) = &info.claim
            {
                values.insert(claim.clone());
            }
            fields.insert(
                field.to_string(),
                FieldType {
                    ty: Type::Enum(Arc::new(values)),
                    optional: false,
                    default: Some(Arc::new(crate::kinds::string_default(value))),
                    doc: Some(format!("Always `{value}` for a {}.", info.kind)),
                    span: None,
                },
            );
        }
        let metadata = self.prelude_type("Metadata");
        let field = |ty, doc: &str| FieldType { ty, optional: false, default: None, doc: Some(doc.into()), span: None };
        fields.insert("metadata".into(), field(metadata, "The composite's name, namespace, labels and annotations."));
        fields.insert("spec".into(), field(info.spec.clone(), "What the composite asks for."));
        Type::Record(Arc::new(RecordType { name: Some(info.kind.clone()), fields, open: false }))
    }

    pub(super) fn check_composite(&mut self, m: ModuleId, d: &CompositeDecl) {
        self.composite_names(d);
        match claim_literal(d) {
            Some(Err(span)) => self.err(
                Diagnostic::error("E0166", "a composite's claim kind is written out")
                    .at(span, "computed")
                    .help("the claim kind is a type name too: write it as a plain string, `claim: \"DnsRecordClaim\"`"),
            ),
            Some(Ok((claim, span))) if !is_kind(&claim) || claim == d.name.name => self.err(
                Diagnostic::error("E0154", format!("`{claim}` cannot be the kind of the claims"))
                    .at(span, "not an UpperCamelCase kind of its own")
                    .help("a claim kind starts with an upper-case letter, holds only letters and digits, and differs from the composite's: `DnsRecordClaim`"),
            ),
            _ => {}
        }
        if let Some(default) = &d.param.default {
            self.err(
                Diagnostic::error("E0155", "a composite's parameter has no default")
                    .at(default.span, "default value")
                    .help("the parameter stands for each composite's `spec`; give defaults to its fields instead"),
            );
        }
        let Some(info) = self.composite_info(m, &d.name.name) else { return };
        self.composite_spec(&info.spec, d.param.ty.span);
        self.out.local_types.insert(d.param.name.span, info.spec.clone());
        self.with_module(m, |c| {
            c.locals = vec![Local::new(&d.param.name, info.spec.clone())];
            c.check(&d.body, &info.composition);
        });
    }

    /// Crossplane's and Kubernetes' rules for the names a definition is made of.
    fn composite_names(&mut self, d: &CompositeDecl) {
        let span = d.api_version_span;
        let bad = |why: String| {
            Diagnostic::error("E0154", format!("`{}` cannot be a composite's apiVersion: {why}", d.api_version))
                .at(span, "not `group/version`")
                .help("write the API group (a DNS subdomain with at least one dot) and a version such as `v1alpha1`: `\"dns.example.org/v1alpha1\"`")
        };
        match d.api_version.split_once('/') {
            None => self.err(bad("it has no `/` between the group and the version".into())),
            Some((group, version)) => {
                if let Err(why) = crate::domain::dns_subdomain(group) {
                    self.err(bad(format!("the group {why}")));
                } else if !group.contains('.') {
                    self.err(bad("the group has no dot (Kubernetes requires a domain-like group)".into()));
                }
                if !is_version(version) {
                    self.err(bad(format!("`{version}` is not a Kubernetes API version (`v1`, `v1alpha1`, `v2beta3`)")));
                }
            }
        }
        let kind = &d.name.name;
        if !is_kind(kind) {
            self.err(
                Diagnostic::error("E0154", format!("`{kind}` cannot be a kind"))
                    .at(d.name.span, "not an UpperCamelCase kind")
                    .help("a kind starts with an upper-case letter and holds only letters and digits: `DnsRecord`"),
            );
        }
    }

    /// A spec holds data a definition's schema can describe: no secrets, environments
    /// or other values only cedc knows.
    fn composite_spec(&mut self, spec: &Type, span: Span) {
        if !matches!(spec, Type::Record(_) | Type::Error) {
            self.err(
                Diagnostic::error("E0155", "a composite's spec is a record type")
                    .at(span, "not a record type")
                    .help("declare the spec's fields: `type DnsRecordSpec = { name: Hostname, ttl: Int = 300 }`"),
            );
            return;
        }
        let mut stack = vec![(spec, String::from("spec"))];
        while let Some((t, path)) = stack.pop() {
            match t {
                Type::Record(r) => {
                    for (k, f) in &r.fields {
                        stack.push((&f.ty, format!("{path}.{k}")));
                    }
                }
                Type::List(x) | Type::Map(x) | Type::Optional(x) => stack.push((x, format!("{path}[]"))),
                Type::Bool | Type::Int | Type::String | Type::Domain(_) | Type::Enum(_) | Type::Any | Type::Error => {}
                other => self.err(
                    Diagnostic::error("E0155", format!("`{path}` cannot be part of a composite's spec"))
                        .at(span, format!("{} has no place in a Kubernetes schema", a_or_an(other)))
                        .help("a spec holds strings, integers, booleans, lists and records: the definition's schema describes it to the API server"),
                ),
            }
        }
    }
}

/// An UpperCamelCase kind: a capital first, then letters and digits.
fn is_kind(k: &str) -> bool {
    k.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && k.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The body's `claim: "Kind"`, when the body is a record literal that has one: the
/// kind and its span, or the span of a value that is not a plain string.
fn claim_literal(d: &CompositeDecl) -> Option<Result<(String, Span), Span>> {
    let ExprKind::Record(fields) = &d.body.kind else { return None };
    let field = fields.iter().find(|f| matches!(&f.key, Key::Static(k, _) if &**k == "claim"))?;
    Some(match &field.value.kind {
        ExprKind::Str(s) => match s.parts.as_slice() {
            [StrPart::Text(t)] => Ok((t.clone(), field.value.span)),
            _ => Err(field.value.span),
        },
        _ => Err(field.value.span),
    })
}

/// `v1`, `v1alpha1`, `v2beta3`: Kubernetes' API version form.
fn is_version(v: &str) -> bool {
    let Some(rest) = v.strip_prefix('v') else { return false };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || rest.starts_with('0') {
        return false;
    }
    let tail = &rest[digits..];
    let stage = tail.strip_prefix("alpha").or_else(|| tail.strip_prefix("beta"));
    match stage {
        None => tail.is_empty(),
        Some(n) => !n.is_empty() && !n.starts_with('0') && n.chars().all(|c| c.is_ascii_digit()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn versions() {
        for ok in ["v1", "v1alpha1", "v2beta3", "v10"] {
            assert!(super::is_version(ok), "{ok}");
        }
        for bad in ["1", "v0", "v1alpha", "v1gamma1", "V1", "v1alpha01", "v01"] {
            assert!(!super::is_version(bad), "{bad}");
        }
    }
}
