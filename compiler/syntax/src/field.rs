//! How a field name is written in source: bare when it is a valid `field_name` of the
//! grammar (an identifier, keywords allowed: `replicas`, `type`, `argocd-ui`), quoted
//! otherwise (`"grafana.ini"`, `"app.kubernetes.io/name"`).
//!
//! Invariant: [`is_field_name`] accepts exactly the texts the grammar's `field_name` rule
//! matches in full, and [`quote`] returns a string literal that the parser reads back as
//! the same text (no interpolation: braces are escaped). The formatter, the type
//! printer, diagnostics and the language server write field names with these.

/// Whether `s` can be written as a bare field name (`field_name` in `grammar.pest`):
/// `[A-Za-z_][A-Za-z0-9_]*` followed by `-`-separated parts of `[A-Za-z0-9_]+`.
pub fn is_field_name(s: &str) -> bool {
    let mut parts = s.split('-');
    let Some(first) = parts.next() else { return false };
    let mut chars = first.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && parts.all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// `s` as a one-line `.ced` string literal without interpolation: `"grafana.ini"`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A field name as written in a record type or a record literal: bare if it can be,
/// quoted otherwise.
pub fn written(name: &str) -> String {
    if is_field_name(name) { name.to_string() } else { quote(name) }
}

/// A path segment after the first name: `.replicas`, or `["grafana.ini"]`.
pub fn segment(name: &str) -> String {
    if is_field_name(name) { format!(".{name}") } else { format!("[{}]", quote(name)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_names_are_the_grammar_field_names() {
        for ok in ["a", "_x", "type", "in", "argocd-ui", "x-1", "a_b-c_d", "root_url"] {
            assert!(is_field_name(ok), "{ok}");
        }
        for bad in ["", "1a", "a.b", "-a", "a-", "a--b", "grafana.ini", "app.kubernetes.io/name", "é", "a b"] {
            assert!(!is_field_name(bad), "{bad}");
        }
    }

    #[test]
    fn quoting_escapes_what_the_lexer_reads_specially() {
        assert_eq!(quote("grafana.ini"), "\"grafana.ini\"");
        assert_eq!(quote("a\"b\\c{d}\n\u{1}"), "\"a\\\"b\\\\c\\{d\\}\\n\\u{1}\"");
        assert_eq!(written("replicas"), "replicas");
        assert_eq!(written("grafana.ini"), "\"grafana.ini\"");
        assert_eq!(segment("server"), ".server");
        assert_eq!(segment("grafana.ini"), "[\"grafana.ini\"]");
    }

    #[test]
    fn quoted_names_read_back_as_the_same_text() {
        for name in ["grafana.ini", "a\"b", "x{y}", "tab\there", "caf\u{e9}", "", "line\nbreak", "\u{7f}"] {
            let src = format!("type T = {{ {}: Int }}", quote(name));
            let m = crate::parse(cedc_diagnostics::FileId(0), &src).unwrap_or_else(|d| panic!("{src}: {d:?}"));
            let crate::ast::ItemKind::Type(t) = &m.items[0].kind else { panic!("not a type") };
            let crate::ast::TypeExprKind::Record { fields, .. } = &t.ty.kind else { panic!("not a record") };
            assert_eq!(fields[0].name.name, name, "{src}");
        }
    }
}
