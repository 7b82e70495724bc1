//! Diagnostics as a SARIF 2.1.0 log (`--message-format sarif`), the format code-scanning
//! services (GitHub's among them) read: one run of the tool `cedc`, a rule per code
//! reported (its title, and its section of docs/diagnostics.md as `cedc explain` prints
//! it), a result per diagnostic.
//!
//! Invariant: locations are relative to the repository's root (`%SRCROOT%`), found as
//! for GitHub annotations ([`crate::github`]); a place outside it (the standard library)
//! is left out, and a result whose primary place is outside names its first place inside.
//! The log is printed on stdout when the command ends; nothing in it depends on the
//! machine (no absolute path, no time).

use crate::github::{Located, first_located, locate, message_lines};
use cedc_diagnostics::{Diagnostic, Files, Severity, codes};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// The result for `d`, whose file names are relative to `base`.
pub fn result(d: &Diagnostic, files: &Files, base: &Path, root: &Path) -> Value {
    let at = |span| locate(span, files, base, root);
    let locations: Vec<Value> = first_located(d, files, base, root).iter().map(location).collect();
    let related = d
        .secondary
        .iter()
        .map(|(s, label)| (*s, label.as_str()))
        .chain(d.uses.iter().map(|s| (*s, cedc_diagnostics::USED_HERE)))
        .filter_map(|(s, label)| Some((at(s)?, label)))
        .enumerate()
        .map(|(i, (l, label))| {
            let mut v = location(&l);
            v["id"] = json!(i);
            v["message"] = json!({ "text": label });
            v
        })
        .collect::<Vec<_>>();
    let mut r = json!({
        "ruleId": d.code,
        "level": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
        "message": { "text": message_lines(d).join("\n") },
        "locations": locations,
    });
    if !related.is_empty() {
        r["relatedLocations"] = json!(related);
    }
    r
}

fn location((file, (line, col), (end_line, end_col)): &Located) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": file, "uriBaseId": "%SRCROOT%" },
            "region": { "startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col },
        }
    })
}

/// The log of `results` (in the order reported), with a rule for each code they use.
pub fn log(mut results: Vec<Value>) -> Value {
    let used: BTreeMap<String, usize> = results
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .map(str::to_string)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .enumerate()
        .map(|(i, c)| (c, i))
        .collect();
    for r in &mut results {
        if let Some(i) = r["ruleId"].as_str().and_then(|c| used.get(c)) {
            r["ruleIndex"] = json!(i);
        }
    }
    let rules: Vec<Value> = used.keys().map(|code| rule(code)).collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "cedc",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            } },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// A code's rule: its title, the first paragraph of its explanation, and the whole of it.
fn rule(code: &str) -> Value {
    let title = codes::lookup(code).unwrap_or("");
    let explained = codes::explain(code).unwrap_or_default();
    let first = explained
        .lines()
        .skip(1)
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut r = json!({
        "id": code,
        "shortDescription": { "text": if title.is_empty() { code.to_string() } else { title.to_string() } },
        "help": { "text": format!("cedc explain {code}"), "markdown": if explained.is_empty() { format!("`cedc explain {code}`") } else { explained.clone() } },
    });
    if !first.is_empty() {
        r["fullDescription"] = json!({ "text": first });
    }
    r
}
