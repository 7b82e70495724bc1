//! Documentation for the values type from the comments of `values.yaml`: the run of
//! comment lines directly above a key (no blank line between) documents it. Lines that
//! are commented-out YAML (`# key: value`, `# - item`, `# key:`) are dropped, so are
//! helm-docs markers (`# --` is stripped, `# @...` lines dropped). Invariant: a line
//! scanner, linear in the file, that never fails: a layout it does not follow (flow
//! collections over several lines) only loses documentation.

use super::types::Docs;

/// The documentation of every key path (list items are `[]`).
pub fn docs(text: &str) -> Docs {
    let mut out = Docs::new();
    // Open keys: (indent, key); a list item pushes (indent, "[]").
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut pending: Vec<String> = Vec::new();
    // Inside a block scalar (`|`, `>`): lines indented more than this are its text.
    let mut block: Option<usize> = None;
    for raw in text.lines() {
        let line = raw.trim_end();
        let indent = line.len() - line.trim_start().len();
        let body = line.trim_start();
        if let Some(b) = block {
            if body.is_empty() || indent > b {
                continue;
            }
            block = None;
        }
        if body.is_empty() || body == "---" {
            pending.clear();
            continue;
        }
        if let Some(comment) = body.strip_prefix('#') {
            if let Some(text) = prose(comment) {
                pending.push(text);
            }
            continue;
        }
        let (mut indent, mut body) = (indent, body);
        while let Some(rest) = body.strip_prefix("- ").or_else(|| (body == "-").then_some("")) {
            pop_to(&mut stack, indent);
            stack.push((indent, "[]".to_string()));
            let skipped = body.len() - rest.len() + (rest.len() - rest.trim_start().len());
            indent += skipped;
            body = rest.trim_start();
        }
        let Some((key, value)) = split_key(body) else {
            pending.clear();
            continue;
        };
        pop_to(&mut stack, indent);
        stack.push((indent, key));
        let path: Vec<String> = stack.iter().map(|(_, k)| k.clone()).collect();
        if !pending.is_empty() {
            out.entry(path).or_insert_with(|| std::mem::take(&mut pending));
        }
        pending.clear();
        let value = strip_comment(value);
        if value.starts_with('|') || value.starts_with('>') {
            block = Some(indent);
        }
    }
    out
}

fn pop_to(stack: &mut Vec<(usize, String)>, indent: usize) {
    while stack.last().is_some_and(|(i, _)| *i >= indent) {
        stack.pop();
    }
}

/// `key` and the rest of a `key: value` line; quotes around the key are removed.
fn split_key(body: &str) -> Option<(String, &str)> {
    if let Some(q @ ('"' | '\'')) = body.chars().next() {
        let end = body[1..].find(q)? + 1;
        let rest = body[end + 1..].strip_prefix(':')?;
        return (rest.is_empty() || rest.starts_with(' ')).then(|| (body[1..end].to_string(), rest.trim_start()));
    }
    let colon = body.find(": ").or_else(|| body.strip_suffix(':').map(|b| b.len()))?;
    let key = &body[..colon];
    if key.is_empty() || key.contains(" #") || key.starts_with(['{', '[', '&', '*', '!', '|', '>']) {
        return None;
    }
    Some((key.to_string(), body[colon + 1..].trim_start()))
}

fn strip_comment(value: &str) -> &str {
    match value.find(" #") {
        Some(i) => value[..i].trim_end(),
        None => value,
    }
}

/// The text of a comment line, or `None` for commented-out YAML and markers.
fn prose(comment: &str) -> Option<String> {
    let text = comment.trim_start_matches('#');
    let text = text.strip_prefix(' ').unwrap_or(text).trim_end();
    let text = text.strip_prefix("-- ").or_else(|| (text == "--").then_some("")).unwrap_or(text);
    let t = text.trim_start();
    if t.starts_with('@') || t.starts_with("- ") || t == "-" || t == "---" || looks_like_yaml(t) {
        return None;
    }
    Some(text.to_string())
}

/// `key:` alone, or `key: value` with a key of one word and a value of one token (or a
/// quoted string, or a flow collection): what commenting out YAML leaves; prose such as
/// `Note: see the docs` has several words after the colon.
fn looks_like_yaml(t: &str) -> bool {
    let Some((key, value)) = split_key(t) else { return false };
    if key.contains(' ') {
        return false;
    }
    let value = value.trim();
    value.is_empty() || !value.contains(' ') || value.starts_with(['"', '\'', '{', '[', '|', '>'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(d: &Docs, path: &[&str]) -> Vec<String> {
        let p: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        d.get(&p).cloned().unwrap_or_default()
    }

    #[test]
    fn comments_directly_above_a_key_document_it() {
        let d = docs(
            "# Number of pods.\nreplicas: 1\n\n# Lost: a blank line follows.\n\nimage:\n  ## The tag.\n  # -- Defaults to appVersion.\n  tag: \"\"\n  # pullPolicy: Always\n  # Note: see the docs\n  policy: IfNotPresent\nlist:\n  # The name.\n  - name: a\n    # Port.\n    port: 1\n",
        );
        assert_eq!(doc(&d, &["replicas"]), ["Number of pods."]);
        assert!(doc(&d, &["image"]).is_empty());
        assert_eq!(doc(&d, &["image", "tag"]), ["The tag.", "Defaults to appVersion."]);
        assert_eq!(doc(&d, &["image", "policy"]), ["Note: see the docs"]);
        assert_eq!(doc(&d, &["list", "[]", "name"]), ["The name."]);
        assert_eq!(doc(&d, &["list", "[]", "port"]), ["Port."]);
    }

    #[test]
    fn block_scalars_are_skipped() {
        let d = docs("script: |\n  # not a comment\n  key: no\n# Real.\nkey: 1\n");
        assert_eq!(doc(&d, &["key"]), ["Real."]);
        assert_eq!(d.len(), 1);
    }
}
