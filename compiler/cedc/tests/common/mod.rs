//! What several end-to-end test files share.

#![allow(dead_code)]

use cedc_syntax::field;
use std::fmt::Write as _;

/// A YAML value (as JSON) as a `.ced` literal: maps as record literals (keys that are
/// not field names quoted), lists, strings, integers and booleans; nulls and floats
/// (which `.ced` has no literal for) are dropped, and the key paths written are counted
/// in `paths`. `false` when nothing was written for `v`.
pub fn ced_literal(v: &serde_json::Value, indent: usize, paths: &mut usize, out: &mut String) -> bool {
    use serde_json::Value;
    match v {
        Value::Null => false,
        Value::Bool(b) => {
            out.push_str(if *b { "true" } else { "false" });
            true
        }
        Value::Number(n) => match n.as_i64() {
            Some(i) => {
                let _ = write!(out, "{i}");
                true
            }
            None => false,
        },
        Value::String(s) => {
            out.push_str(&field::quote(s));
            true
        }
        Value::Array(items) => {
            let written: Vec<String> = items
                .iter()
                .filter_map(|item| {
                    let mut one = String::new();
                    ced_literal(item, indent + 1, paths, &mut one).then_some(one)
                })
                .collect();
            let _ = write!(out, "[{}]", written.join(", "));
            true
        }
        Value::Object(fields) => {
            out.push_str("{\n");
            for (k, item) in fields {
                let mut one = String::new();
                if ced_literal(item, indent + 1, paths, &mut one) {
                    *paths += 1;
                    let _ = writeln!(out, "{}{}: {one}", "  ".repeat(indent + 1), field::written(k));
                }
            }
            out.push_str(&"  ".repeat(indent));
            out.push('}');
            true
        }
    }
}
