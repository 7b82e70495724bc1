//! What recognised syntax means: the rules that turn what a parser matched into AST
//! values (escape decoding, `"""` dedenting, doc comments, how `else if` and `let ... in`
//! chains nest, operator precedence, the spans of compound nodes).
//!
//! Invariant: both parsers — pest with its builder (`parser.rs`) and the hand-written
//! fast path (`fast.rs`) — call these, and nothing else decides these meanings, so the
//! two build the same tree from the same match by construction.

use crate::ast::*;
use cedc_diagnostics::{FileId, Span};

/// The binary operators by precedence, loosest first, each level with whether it groups
/// to the right (`a ?? b ?? c` is `a ?? (b ?? c)`). Prefix `!` and `-` bind tighter than
/// all of them, postfix calls, fields and indexes tighter still.
pub(crate) const INFIX_LEVELS: [(&[BinaryOp], bool); 8] = [
    (&[BinaryOp::With], false),
    (&[BinaryOp::Coalesce], true),
    (&[BinaryOp::Or], false),
    (&[BinaryOp::And], false),
    (&[BinaryOp::Eq, BinaryOp::Ne], false),
    (&[BinaryOp::Lt, BinaryOp::Le, BinaryOp::Gt, BinaryOp::Ge], false),
    (&[BinaryOp::Add, BinaryOp::Sub], false),
    (&[BinaryOp::Mul, BinaryOp::Div, BinaryOp::Rem], false),
];

/// The level of `op` in [`INFIX_LEVELS`] (higher binds tighter) and whether it groups to
/// the right.
pub(crate) fn precedence(op: BinaryOp) -> (usize, bool) {
    INFIX_LEVELS
        .iter()
        .enumerate()
        .find(|(_, (ops, _))| ops.contains(&op))
        .map_or((0, false), |(level, (_, right))| (level, *right))
}

/// `lhs op rhs`, spanning both operands.
pub(crate) fn binary(op: BinaryOp, lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.to(rhs.span);
    Expr { kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span }
}

/// `op rhs`, from the operator at `op_span` to the end of the operand.
pub(crate) fn unary(op: UnaryOp, op_span: Span, rhs: Expr) -> Expr {
    let span = op_span.to(rhs.span);
    Expr { kind: ExprKind::Unary(op, Box::new(rhs)), span }
}

/// `e` followed by a postfix (a call's arguments, `.field`, `[index]`) written at
/// `postfix`: the node spans both.
pub(crate) fn postfix(e: Expr, postfix: Span, kind: impl FnOnce(Box<Expr>) -> ExprKind) -> Expr {
    let span = e.span.to(postfix);
    Expr { kind: kind(Box::new(e)), span }
}

/// The character an escape such as `\n` or `\u{e9}` stands for (`t` is the whole
/// escape, backslash included); `None` for a `\u{...}` that is not a Unicode scalar
/// value (E0004).
pub(crate) fn escape_char(t: &str) -> Option<char> {
    Some(match t {
        "\\n" => '\n',
        "\\t" => '\t',
        "\\r" => '\r',
        "\\\"" => '"',
        "\\\\" => '\\',
        "\\{" => '{',
        "\\}" => '}',
        _ => {
            let hex = t.trim_start_matches("\\u{").trim_end_matches('}');
            return u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
        }
    })
}

/// The value of an integer literal (its digits); `None` when it does not fit in an
/// `i64` (E0004).
pub(crate) fn int_value(digits: &str) -> Option<i64> {
    digits.parse().ok()
}

/// Appends literal text to a string's parts, merging it with text before it.
pub(crate) fn push_text(parts: &mut Vec<StrPart>, t: &str) {
    if let Some(StrPart::Text(last)) = parts.last_mut() {
        last.push_str(t);
    } else {
        parts.push(StrPart::Text(t.to_string()));
    }
}

/// A string literal from its parts as written: `"""` strings are dedented.
pub(crate) fn string(mut parts: Vec<StrPart>, triple: bool) -> StrExpr {
    if triple {
        dedent(&mut parts);
    }
    StrExpr { parts, triple }
}

/// `"""` strings: drop the line break after the opening quotes, the indentation of the
/// closing quotes' line, and the common indentation of all lines.
fn dedent(parts: &mut [StrPart]) {
    // Gather the literal text to find the common indent of lines that start in text.
    let mut full = String::new();
    for p in parts.iter() {
        match p {
            StrPart::Text(t) => full.push_str(t),
            StrPart::Interp(_) => full.push('\u{0}'),
        }
    }
    let body = full.strip_prefix('\n').unwrap_or(&full);
    let indent = body
        .split('\n')
        .filter(|l| !l.trim().is_empty() || l.contains('\u{0}'))
        .map(|l| l.len() - l.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    let n = parts.len();
    for (i, p) in parts.iter_mut().enumerate() {
        if let StrPart::Text(t) = p {
            let mut out = String::new();
            let mut text = t.as_str();
            if i == 0 {
                text = text.strip_prefix('\n').unwrap_or(text);
            }
            for (j, line) in text.split('\n').enumerate() {
                if j > 0 {
                    out.push('\n');
                }
                let at_line_start = j > 0 || i == 0;
                if at_line_start {
                    let ws = line.len() - line.trim_start_matches([' ', '\t']).len();
                    out.push_str(&line[ws.min(indent)..]);
                } else {
                    out.push_str(line);
                }
            }
            if i == n - 1 {
                // The closing `"""` on its own line: drop that line's indentation.
                if let Some(pos) = out.rfind('\n').filter(|p| out[p + 1..].trim().is_empty()) {
                    out.truncate(pos + 1);
                }
            }
            *t = out;
        }
    }
}

/// A record field's key written as a string at `span`: fixed when it has no
/// interpolation, computed otherwise.
pub(crate) fn string_key(s: StrExpr, span: Span) -> Key {
    match s.as_plain() {
        Some(text) => Key::Static(text.into(), span),
        None => Key::Dynamic(s, span),
    }
}

/// `if c0 then t0 else if c1 then t1 ... else e` from its parts in source order
/// (`[c0, t0, c1, t1, ..., e]`), nested from the right; each inner `if` spans its
/// condition to the end of the chain, the outermost `span`. `None` for an even count.
pub(crate) fn fold_if(mut parts: Vec<Expr>, span: Span) -> Option<Expr> {
    let mut acc = parts.pop()?;
    if !parts.len().is_multiple_of(2) {
        return None;
    }
    while let Some(then) = parts.pop() {
        let cond = parts.pop()?;
        let s = cond.span.to(acc.span);
        acc = Expr { kind: ExprKind::If(Box::new(cond), Box::new(then), Box::new(acc)), span: s };
    }
    Some(Expr { kind: acc.kind, span })
}

/// One `let name: Type = value in` of a chain, with its span.
pub(crate) type Binding = (Ident, Option<TypeExpr>, Expr, Span);

/// `let a = x in let b = y in body`, nested from the right; each inner `let` spans its
/// binding to the end of the body, the outermost `span`.
pub(crate) fn fold_let_in(bindings: Vec<Binding>, body: Expr, span: Span) -> Expr {
    let mut acc = body;
    for (name, ty, value, bspan) in bindings.into_iter().rev() {
        let s = bspan.to(acc.span);
        acc = Expr { kind: ExprKind::LetIn(Box::new(LetIn { name, ty, value, body: acc })), span: s };
    }
    Expr { kind: acc.kind, span }
}

/// The `///` lines a piece of a file can be documented by, in source order: those
/// above the piece (`crate::pieces::docs_above`), then its own as they are found.
pub(crate) struct Docs<'t> {
    /// The whole file.
    text: &'t str,
    /// `(start, end, text)` of every `///` line, in source order.
    lines: Vec<(usize, usize, String)>,
}

impl<'t> Docs<'t> {
    /// The `///` lines directly above the piece of `text` that starts at byte `base`.
    pub(crate) fn above(file: FileId, text: &'t str, base: usize) -> Self {
        let mut docs = Docs { text, lines: Vec::new() };
        for r in crate::pieces::docs_above(text, base) {
            docs.push(&Comment { doc: true, text: text[r.clone()].to_string(), span: Span::new(file, r.start, r.end) });
        }
        docs
    }

    /// No doc lines (a lone expression).
    pub(crate) fn none(text: &'t str) -> Self {
        Docs { text, lines: Vec::new() }
    }

    /// Records `c` if it is a `///` line; comments come in source order.
    pub(crate) fn push(&mut self, c: &Comment) {
        if c.doc {
            let t = c.text.trim_start_matches("///");
            let line = t.strip_prefix(' ').unwrap_or(t).trim_end().to_string();
            self.lines.push((c.span.start as usize, c.span.end as usize, line));
        }
    }

    /// The `///` lines directly above `start` (only whitespace between them), joined.
    pub(crate) fn before(&self, start: usize) -> Option<String> {
        let mut idx = self.lines.partition_point(|d| d.1 <= start);
        let mut at = start;
        let mut lines = Vec::new();
        while idx > 0 {
            let (s, e, t) = &self.lines[idx - 1];
            if !self.text.get(*e..at).is_some_and(|gap| gap.trim().is_empty()) {
                break;
            }
            lines.push(t.as_str());
            at = *s;
            idx -= 1;
        }
        if lines.is_empty() {
            return None;
        }
        lines.reverse();
        Some(lines.join("\n"))
    }
}
