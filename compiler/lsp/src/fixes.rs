//! Quick fixes that write code, beside the "did you mean" replacement in
//! `analysis.rs`:
//!
//! - "Add missing fields" for E0031: each required field the record literal leaves
//!   out, with a placeholder of its type, where `cedc fmt` would put it (a line of its
//!   own in a multi-line record, `, name: value` in a one-line one);
//! - "Move into `spec`" for a field written one level too high (a diagnostic whose help
//!   says "move it inside `spec`"): the field leaves its record and joins the `spec`
//!   record beside it, or a new `spec: { … }` takes its place.
//!
//! Invariant: a fix only edits the record literal the diagnostic points at (found by its
//! span among the checker's record literals, or in the module's syntax tree).

use crate::analysis::Analysis;
use cedc_diagnostics::{Diagnostic, FileId, Span};
use cedc_syntax::ast::{ExprKind, Key, RecordField};
use cedc_types::Type;

/// Edits of one fix: (offset, length replaced, new text), in the diagnostic's file.
pub type Edits = Vec<(usize, usize, String)>;

/// "Move into `inner`": the field the diagnostic points at, out of its record and into
/// the record `inner` beside it (created when there is none).
pub fn move_inside(a: &Analysis, file: FileId, d: &Diagnostic) -> Option<(String, Edits)> {
    let help = d.help.as_deref()?;
    let inner = help.split("move it inside `").nth(1)?.split('`').next()?;
    let at = d.span()?;
    let module = a.module_of(file)?;
    let text = a.text(file);
    let (field, record) = crate::features::field_at(module, at.start as usize)?;
    if field.key.span() != at {
        return None;
    }
    let start = field.key.span().start as usize;
    let end = field.value.span.end as usize;
    let moved = text.get(start..end)?.to_string();
    let target =
        record_fields(a, file, record)?.into_iter().find(|f| matches!(&f.key, Key::Static(k, _) if &**k == inner));
    let title = format!("Move `{}` into `{inner}`", text.get(start..field.key.span().end as usize)?);
    let Some(target) = target else {
        // No `inner` yet: the field becomes `inner: { field }`.
        let key = cedc_syntax::field::written(inner);
        return Some((title, vec![(start, end - start, format!("{key}: {{ {moved} }}"))]));
    };
    if !matches!(target.value.kind, ExprKind::Record(_)) {
        return None;
    }
    let (offset, insert) = insertion(text, target.value.span, &[moved])?;
    let (del_at, del_len) = removal(text, start, end);
    // Edits must not overlap: the insertion is inside the other field.
    if offset >= del_at && offset <= del_at + del_len {
        return None;
    }
    Some((title, vec![(del_at, del_len, String::new()), (offset, 0, insert)]))
}

/// The fields of the record literal at `record` in `file`.
fn record_fields(a: &Analysis, file: FileId, record: Span) -> Option<Vec<RecordField>> {
    let mut fields = None;
    crate::features::walk_module(a.module_of(file)?, &mut |e| {
        if e.span == record
            && let ExprKind::Record(f) = &e.kind
        {
            fields = Some(f.clone());
        }
    });
    fields
}

/// What to delete to take the field `start..end` out of its record: its whole line when
/// it stands alone on one, else the field and the comma joining it to the next (or the
/// previous) field.
fn removal(text: &str, start: usize, end: usize) -> (usize, usize) {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let rest = text[end..line_end].trim();
    if text[line_start..start].trim().is_empty() && (rest.is_empty() || rest == ",") {
        let through = if line_end < text.len() { line_end + 1 } else { line_end };
        return (line_start, through - line_start);
    }
    let after = &text[end..];
    let comma = after.len() - after.trim_start().len();
    if after.trim_start().starts_with(',') {
        let skip = comma + 1;
        let spaces = after[skip..].len() - after[skip..].trim_start_matches(' ').len();
        return (start, end - start + skip + spaces);
    }
    let before = text[..start].trim_end();
    if before.ends_with(',') {
        let from = before.len() - 1;
        return (from, end - from);
    }
    (start, end - start)
}

/// The edit adding the fields E0031 reports missing: (title, offset, text to insert).
pub fn add_missing_fields(a: &Analysis, file: FileId, d: &Diagnostic) -> Option<(String, usize, String)> {
    if d.code != "E0031" {
        return None;
    }
    let at = d.span()?;
    let (record, rt) =
        a.compilation.checked.as_ref()?.record_literals.iter().find(|(s, _)| s.file == file && s.start == at.start)?;
    // Required fields of the type the literal does not give (as the checker found them).
    let given: Vec<String> = record_fields(a, file, *record)?
        .iter()
        .filter_map(|f| match &f.key {
            Key::Static(k, _) => Some(k.to_string()),
            Key::Dynamic(..) => None,
        })
        .collect();
    let missing: Vec<(&String, &cedc_types::FieldType)> =
        rt.fields.iter().filter(|(k, f)| f.required() && !given.contains(k)).collect();
    let fields: Vec<String> = missing
        .iter()
        .map(|(name, f)| format!("{}: {}", cedc_syntax::field::written(name), placeholder(&f.ty)))
        .collect();
    if fields.is_empty() {
        return None;
    }
    let title = format!(
        "Add missing field{} {}",
        if fields.len() == 1 { "" } else { "s" },
        missing.iter().map(|(m, _)| format!("`{m}`")).collect::<Vec<_>>().join(", ")
    );
    let (offset, text) = insertion(a.text(file), *record, &fields)?;
    Some((title, offset, text))
}

/// Where and what to insert, so that the record reads as `cedc fmt` writes it.
fn insertion(text: &str, record: Span, fields: &[String]) -> Option<(usize, String)> {
    let (start, end) = (record.start as usize, record.end as usize);
    let literal = text.get(start..end)?;
    if !literal.ends_with('}') {
        return None;
    }
    let close = end - 1;
    let inner = &literal[1..literal.len() - 1];
    if inner.contains('\n') {
        // Before the line holding the closing brace, indented one level more than it.
        let line_start = text[..close].rfind('\n').map_or(0, |i| i + 1);
        let before = &text[line_start..close];
        if !before.trim().is_empty() {
            return None;
        }
        let pad = format!("{before}  ");
        let lines: String = fields.iter().map(|f| format!("{pad}{f}\n")).collect();
        return Some((line_start, lines));
    }
    if inner.trim().is_empty() {
        let joined = fields.join(", ");
        return Some((start + 1, if inner.is_empty() { format!(" {joined} ") } else { format!(" {joined}") }));
    }
    let trimmed = inner.trim_end();
    let offset = start + 1 + trimmed.len();
    let comma = if trimmed.ends_with(',') { " " } else { ", " };
    Some((offset, format!("{comma}{}", fields.join(", "))))
}

/// A value of the type for the user to replace: the empty one, the first choice of an
/// enum, `none` for an optional.
fn placeholder(ty: &Type) -> String {
    match ty {
        Type::Bool => "false".into(),
        Type::Int => "0".into(),
        Type::Enum(choices) => choices.iter().next().map_or("\"\"".into(), |c| cedc_syntax::field::quote(c)),
        Type::List(_) => "[]".into(),
        Type::Map(_) | Type::Record(_) => "{}".into(),
        Type::Optional(_) => "none".into(),
        Type::Env => "env".into(),
        _ => "\"\"".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert(text: &str, fields: &[&str]) -> String {
        let start = text.find('{').unwrap();
        let end = text.rfind('}').unwrap() + 1;
        let span = Span::new(FileId(0), start, end);
        let fields: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
        let (at, t) = insertion(text, span, &fields).expect("an insertion");
        format!("{}{t}{}", &text[..at], &text[at..])
    }

    #[test]
    fn a_moved_field_leaves_no_gap() {
        let cut = |text: &str, field: &str| {
            let start = text.find(field).unwrap();
            let (at, len) = removal(text, start, start + field.len());
            format!("{}{}", &text[..at], &text[at + len..])
        };
        assert_eq!(cut("x = {\n  a: 1\n  b: 2\n}\n", "a: 1"), "x = {\n  b: 2\n}\n");
        assert_eq!(cut("x = { a: 1, b: 2 }", "a: 1"), "x = { b: 2 }");
        assert_eq!(cut("x = { a: 1, b: 2 }", "b: 2"), "x = { a: 1 }");
    }

    #[test]
    fn fields_go_where_cedc_fmt_puts_them() {
        assert_eq!(insert("x = {\n  a: 1\n}\n", &["b: 2"]), "x = {\n  a: 1\n  b: 2\n}\n");
        assert_eq!(insert("x = { a: 1 }", &["b: 2"]), "x = { a: 1, b: 2 }");
        assert_eq!(insert("x = {}", &["b: 2"]), "x = { b: 2 }");
        assert_eq!(
            insert("component web {\n}\n", &["namespace: \"\"", "objects: []"]),
            "component web {\n  namespace: \"\"\n  objects: []\n}\n"
        );
    }
}
