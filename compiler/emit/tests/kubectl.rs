//! The real Kustomize agrees with cedc: every root of the generated tree builds, with
//! `kubectl kustomize`, to exactly the objects cedc computed; and strings that YAML 1.1
//! readers misread come back unchanged. Skipped (loudly) without `CEDC_KUBECTL`;
//! required when `CEDC_REQUIRE_TOOLS=1`.

mod common;

use cedc_emit::testing::{self, assert_same_objects};
use cedc_emit::{kustomize_tree, render_objects};
use cedc_model::Platform;
use common::*;
use serde_json::{Map, Value, json};
use std::fs;

fn assert_invariant(platform: &Platform, what: &str) {
    let Some(kubectl) = testing::kubectl() else { return };
    let tree = kustomize_tree(platform).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let roots = testing::build_roots(&kubectl, &tmp.path().join("out"), &tree);
    assert!(!roots.is_empty());
    for (path, env, component, objects) in roots {
        let want = expected(platform, &env, component.as_deref());
        assert_same_objects(&objects, &want, &format!("{what}: kubectl kustomize {path}"));
    }
}

#[test]
fn every_root_of_the_reference_tree_builds_to_exactly_its_objects() {
    assert_invariant(&reference(), "reference");
}

#[test]
fn mixed_shapes_and_ties_build_exactly() {
    let thing = |spec: Value| {
        obj(
            json!({"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t.x", "namespace": "n"}, "spec": spec}),
        )
    };
    let lookalike = || {
        obj(
            json!({"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "tax", "namespace": "n"}, "spec": {"keep": "me"}}),
        )
    };
    let p = platform(vec![
        env(
            "a",
            vec![comp(
                "c",
                "n",
                vec![thing(json!({"x": {"y": 1}, "l": [1, 2], "only_a": true, "k/e~y": "1"})), lookalike()],
            )],
        ),
        env("b", vec![comp("c", "n", vec![thing(json!({"x": "str", "l": [1], "n": [null]})), lookalike()])]),
        env(
            "c",
            vec![comp("c", "n", vec![thing(json!({"x": [1], "l": [], "n": [null, {}], "k/e~y": "2"})), lookalike()])],
        ),
        env("d", vec![comp("c", "n", vec![thing(json!({"l": [[], {}], "x": {"y": 2, "z": []}})), lookalike()])]),
    ]);
    assert_invariant(&p, "mixed");
}

/// Strings a YAML 1.1 reader (go-yaml v2 behind Kustomize and kubectl) would turn into
/// something else if written plain, plus YAML syntax characters and odd whitespace.
///
/// Not here: U+0085, U+2028, U+2029. cedc writes them escaped (`\N`, `\L`, `\P`) and
/// Kustomize reads them correctly, but Kustomize's own YAML output mangles them (NEL
/// comes out as a space), so no file-based check can see them intact. The unit tests
/// cover them through serde-saphyr.
fn tricky_strings() -> Vec<String> {
    let mut v: Vec<String> = [
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "Y",
        "N",
        "Yes",
        "NO",
        "On",
        "OFF",
        "~",
        "null",
        "Null",
        "NULL",
        "true",
        "True",
        "FALSE",
        "1.10",
        "0777",
        "0o17",
        "0x1F",
        "0b101",
        "1e3",
        "1E3",
        ".5",
        "5.",
        "+1",
        "-1",
        "1_000",
        "12:30",
        "1:20:30",
        "190:20:30",
        ".inf",
        "-.Inf",
        ".nan",
        "2024-01-01",
        "2024-01-01T12:30:00Z",
        "2001-12-14 21:59:43.10 -5",
        "=",
        "<<",
        "",
        " ",
        " lead",
        "trail ",
        "#",
        "# not a comment",
        "a #b",
        "a: b",
        ": ",
        "x:",
        "- x",
        "-",
        "--",
        "---",
        "...",
        "? x",
        "*a",
        "&a",
        "!tag",
        "!!str",
        "%x",
        "%YAML 1.2",
        "@x",
        "`x",
        "{",
        "}",
        "[",
        "]",
        "{a: 1}",
        "[1, 2]",
        ",",
        "|",
        ">",
        "'single'",
        "\"double\"",
        "\\back",
        "line1\nline2",
        "line1\nline2\n",
        "line1\n\n",
        "\n",
        "\n\nlead",
        "  indented\nx\n",
        "trailing  \nspace\n",
        "tab\there",
        "\tlead tab",
        "cr\r\nlf",
        "ünïcödé ✓ 日本 🚀",
        "\u{a0}nbsp",
        "\u{feff}bom",
        "key: value\nother: - x\n",
        "#!/bin/sh\necho yes\n",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push(format!("{} {}", "long".repeat(30), "word ".repeat(40)));
    v
}

#[test]
fn yaml_1_1_ambiguous_strings_survive_kustomize() {
    let Some(kubectl) = testing::kubectl() else { return };
    let strings = tricky_strings();
    let data = |offset: usize| -> Value {
        let mut m = Map::new();
        for i in 0..strings.len() {
            m.insert(format!("k{i:03}"), Value::String(strings[(i + offset) % strings.len()].clone()));
        }
        // Keys too (ConfigMap keys allow these spellings). Not `<<`: Kustomize drops a
        // `<<` key even when quoted (it takes it for a YAML merge key).
        for k in [
            "yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            "Y",
            "null",
            "true",
            "1.10",
            "0777",
            "0x1F",
            "1e3",
            ".5",
            "2024-01-01",
            "1_000",
            "=",
        ] {
            m.insert(k.to_string(), Value::String(k.to_string()));
        }
        Value::Object(m)
    };
    let cm = |offset: usize| {
        obj(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "tricky", "namespace": "t"}, "data": data(offset)}),
        )
    };
    // Two envs with the values shifted: every value of the second env travels through a
    // JSON 6902 patch, the first env's through the base file.
    let p =
        platform(vec![env("one", vec![comp("t", "t", vec![cm(0)])]), env("two", vec![comp("t", "t", vec![cm(1)])])]);
    let tree = kustomize_tree(&p).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    for (path, env, _, objects) in testing::build_roots(&kubectl, &tmp.path().join("out"), &tree) {
        let offset = if env == "one" { 0 } else { 1 };
        assert_eq!(objects.len(), 1, "{path}");
        let got = objects[0]["data"].as_object().unwrap();
        let want = data(offset);
        for (k, v) in want.as_object().unwrap() {
            assert_eq!(got.get(k), Some(v), "{path}: key {k:?}");
        }
        assert_eq!(got.len(), want.as_object().unwrap().len(), "{path}");
    }

    // `cedc render` output read by kubectl directly.
    let object = cm(0);
    let rendered = render_objects(&[&object]).unwrap();
    let dir = tmp.path().join("render");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("objects.yaml"), rendered).unwrap();
    fs::write(dir.join("kustomization.yaml"), "resources:\n- objects.yaml\n").unwrap();
    let built = testing::kustomize_with(&kubectl, &dir);
    assert_same_objects(&built, &[object.to_json().unwrap()], "render");
}
