//! The composition functions an environment's Compositions run, installed once: for each
//! Composition step naming a function cedc knows the package of (function-patch-and-
//! transform, which every Composition of a `composite` declaration runs) that no
//! `Function` object of the environment installs (a virtual cluster's Crossplane does
//! not see its host's), this generator adds the `Function` to the component of the first such
//! Composition, at the version cedc's Compositions are written for. A platform that
//! declares the Function itself (`crossplane.patch_and_transform()`, any version) gets
//! none.
//!
//! Invariant: at most one Function per name per environment is added, with the span of
//! the first step that runs it.

use crate::{Context, Generator};
use cedc_diagnostics::{Diagnostics, Span};
use cedc_model::views::crossplane::{self as xp, Composition, Function};
use cedc_model::{Environment, Object, ObjectView};
use std::collections::BTreeSet;

pub(crate) struct Functions;

impl Generator for Functions {
    fn generate(&self, env: &mut Environment, _cx: &Context) -> Diagnostics {
        let installed: BTreeSet<String> = functions(env).collect();
        let mut added = BTreeSet::new();
        let mut new: Vec<(usize, Object)> = Vec::new();
        for (i, c) in env.components.iter().enumerate() {
            for step in c.objects.iter().filter_map(Composition::cast).flat_map(|c| c.pipeline()) {
                let Some(name) = step.function_name() else { continue };
                let Some(n) = name.str() else { continue };
                let Some(package) = xp::function_package(n) else { continue };
                if installed.contains(n) || !added.insert(n.to_string()) {
                    continue;
                }
                new.push((i, function(n, &package, name.span())));
            }
        }
        for (i, o) in new {
            env.components[i].objects.push(o);
        }
        Diagnostics::default()
    }
}

/// The names of the Functions an environment's components install.
fn functions(env: &Environment) -> impl Iterator<Item = String> + '_ {
    env.components
        .iter()
        .flat_map(|c| c.objects.iter())
        .filter_map(|o| Function::cast(o).map(|f| f.object().name.to_string()))
}

fn function(name: &str, package: &str, span: Span) -> Object {
    let json = serde_json::json!({
        "apiVersion": xp::PKG_API_VERSION,
        "kind": xp::FUNCTION,
        "metadata": { "name": name },
        "spec": { "package": package },
    });
    Object::from_json(&json, span)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cedc_model::{Component, Fields, Value, ValueKind};
    use serde_json::json;

    fn env(name: &str, components: Vec<Component>) -> Environment {
        Environment {
            name: name.into(),
            span: Span::default(),
            attributes: Value::new(ValueKind::Record(Fields::new()), Span::default()),
            components,
            delivery: Vec::new(),
        }
    }

    fn composition(name: &str, function: &str) -> Object {
        Object::from_json(
            &json!({
                "apiVersion": xp::COMPOSITION_API_VERSION, "kind": xp::COMPOSITION, "metadata": { "name": name },
                "spec": { "pipeline": [{ "step": "s", "functionRef": { "name": function } }] }
            }),
            Span::default(),
        )
    }

    fn functions_of(env: &Environment) -> Vec<(String, String)> {
        env.components
            .iter()
            .flat_map(|c| c.objects.iter().map(move |o| (c, o)))
            .filter_map(|(c, o)| {
                let f = Function::cast(o)?;
                Some((c.name.clone(), f.package().and_then(cedc_model::View::str)?.to_string()))
            })
            .collect()
    }

    #[test]
    fn a_function_the_compositions_run_is_installed_once() {
        let a = Component::new("a", Span::default(), "a", vec![composition("one", xp::PATCH_AND_TRANSFORM)]);
        let b = Component::new(
            "b",
            Span::default(),
            "b",
            vec![composition("two", xp::PATCH_AND_TRANSFORM), composition("three", "function-unknown")],
        );
        let mut env = env("prod", vec![a, b]);
        Functions.generate(&mut env, &Context { components: &[], hosted: &[], remote: &[], vaults: &[] });
        let package = format!("{}:{}", xp::PATCH_AND_TRANSFORM_PACKAGE, xp::PATCH_AND_TRANSFORM_VERSION);
        assert_eq!(functions_of(&env), [("a".to_string(), package)], "once, in the first component; none unknown");
    }

    #[test]
    fn a_declared_function_is_kept_whatever_its_version() {
        let declared = Object::from_json(
            &json!({
                "apiVersion": xp::PKG_API_VERSION, "kind": xp::FUNCTION,
                "metadata": { "name": xp::PATCH_AND_TRANSFORM }, "spec": { "package": "example.org/pt:v0.9.0" }
            }),
            Span::default(),
        );
        let a = Component::new("a", Span::default(), "a", vec![composition("one", xp::PATCH_AND_TRANSFORM)]);
        let x = Component::new("x", Span::default(), "x", vec![declared]);
        let mut env = env("prod", vec![a, x]);
        Functions.generate(&mut env, &Context { components: &[], hosted: &[], remote: &[], vaults: &[] });
        assert_eq!(functions_of(&env), [("x".to_string(), "example.org/pt:v0.9.0".to_string())]);
    }
}
