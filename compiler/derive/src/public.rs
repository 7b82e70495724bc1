//! Public material is visible in review: every object holding text declared public with
//! `public(text, reason)` (which the plaintext scanner lets pass) says so in its
//! annotation `cedc.dev/public-material`, one line per string: its path in the object and
//! the reason given. A chart's values carried by an Application count as the
//! Application's. It runs after every other generator, so generated objects carrying
//! such text are annotated too.
//!
//! Invariant: values are walked with an explicit stack; lines follow document order.

use crate::{Context, Generator};
use cedc_diagnostics::Diagnostics;
use cedc_model::{Environment, Holds, Object, Value, ValueKind};

/// The annotation naming an object's public material.
pub const ANNOTATION: &str = "cedc.dev/public-material";

pub(crate) struct PublicMaterial;

impl Generator for PublicMaterial {
    fn generate(&self, env: &mut Environment, _cx: &Context) -> Diagnostics {
        let objects = env.components.iter_mut().flat_map(|c| c.objects.iter_mut()).chain(env.delivery.iter_mut());
        for o in objects {
            let lines = public_lines(&o.value);
            if !lines.is_empty() {
                annotate(o, lines.join("\n"));
            }
        }
        Diagnostics::default()
    }
}

/// Whether `v` holds public text anywhere: a walk that builds no paths, so that the
/// objects without any (nearly all) cost no allocation per value.
fn has_public(v: &Value) -> bool {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match &v.kind {
            ValueKind::Named(n) if n.public.is_some() => return true,
            ValueKind::List(items) => stack.extend(items.iter()),
            ValueKind::Record(fields) if fields.lacks(Holds::NAMED) => {}
            ValueKind::Record(fields) => stack.extend(fields.values()),
            _ => {}
        }
    }
    false
}

/// `path: reason` for each public string of `v`, in document order.
fn public_lines(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if !has_public(v) {
        return out;
    }
    let mut stack: Vec<(&Value, String)> = vec![(v, String::new())];
    while let Some((v, path)) = stack.pop() {
        match &v.kind {
            ValueKind::Named(n) => {
                if let Some(why) = &n.public {
                    out.push(format!("{path}: {why}"));
                }
            }
            ValueKind::List(items) => {
                stack.extend(items.iter().enumerate().rev().map(|(i, x)| (x, format!("{path}[{i}]"))));
            }
            ValueKind::Record(fields) => stack.extend(fields.iter().rev().map(|(k, x)| (x, join(&path, k)))),
            _ => {}
        }
    }
    out
}

/// `path.key`, the key quoted when it holds a dot.
fn join(path: &str, key: &str) -> String {
    let key = if key.contains(['.', ' ', '"']) { format!("{key:?}") } else { key.to_string() };
    if path.is_empty() { key } else { format!("{path}.{key}") }
}

fn annotate(o: &mut Object, text: String) {
    let span = o.value.span();
    if let Some(a) = o.annotations_mut() {
        a.insert(ANNOTATION.into(), Value::str(&text, span));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cedc_diagnostics::Span;
    use cedc_model::Named;
    use std::sync::Arc;

    #[test]
    fn public_strings_are_listed_with_their_paths() {
        let mut o = Object::from_json(
            &serde_json::json!({ "apiVersion": "v1", "kind": "ConfigMap", "metadata": { "name": "ca" }, "data": {} }),
            Span::default(),
        );
        let public = Value::new(
            ValueKind::Named(Arc::new(Named { text: "abc".into(), reads: vec![], public: Some("the CA".into()) })),
            Span::default(),
        );
        if let ValueKind::Record(top) = &mut o.value.kind
            && let Some(ValueKind::Record(data)) = top.get_mut("data").map(|d| &mut d.kind)
        {
            data.insert("ca.crt".into(), public);
        }
        let lines = public_lines(&o.value);
        assert_eq!(lines, vec!["data.\"ca.crt\": the CA".to_string()]);
        annotate(&mut o, lines.join("\n"));
        assert_eq!(
            o.value.path(&["metadata", "annotations", ANNOTATION]).and_then(Value::as_str),
            Some("data.\"ca.crt\": the CA")
        );
    }
}
