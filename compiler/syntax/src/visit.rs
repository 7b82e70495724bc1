//! The one description of the syntax tree's shape for walks: which expressions an item
//! holds ([`item_exprs`]) and which child expressions an expression has
//! ([`for_each_child`]), in source order. Every walk that only has to go through the tree
//! — the parser's depth check, name resolution (for the forms it has no special rule
//! for), the language server's locating — is written on these, so a new expression form
//! is taught to all of them here, once.
//!
//! Invariant: every expression reachable from an item is yielded exactly once by
//! [`walk_item`], including string interpolations inside computed record keys and
//! parameter defaults. [`walk`] and [`walk_item`] use an explicit stack, never the call
//! stack, so they are safe on any tree the parser builds.

use crate::ast::{Expr, ExprKind, ItemKind, Key, ListItem, StrExpr, StrPart};

/// The expressions an item holds directly, in source order: a `let`'s value, a
/// function's parameter defaults then its body, an environment's field values, a
/// component's body, an override's values. Types and imports hold none.
pub fn item_exprs<'a>(item: &'a ItemKind, mut f: impl FnMut(&'a Expr)) {
    match item {
        ItemKind::Let(d) => f(&d.value),
        ItemKind::Fn(d) => {
            d.params.iter().filter_map(|p| p.default.as_ref()).for_each(&mut f);
            f(&d.body);
        }
        ItemKind::Composite(d) => {
            d.param.default.iter().for_each(&mut f);
            f(&d.body);
        }
        ItemKind::Env(d) => d.fields.iter().for_each(|x| f(&x.value)),
        ItemKind::Component(d) => f(&d.body),
        ItemKind::Override(o) => o.sets.iter().for_each(|s| f(&s.value)),
        ItemKind::Type(_) | ItemKind::Import(_) => {}
    }
}

/// Calls `f` on each direct child of `e`, in source order.
pub fn for_each_child<'a>(e: &'a Expr, mut f: impl FnMut(&'a Expr)) {
    match &e.kind {
        ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::None | ExprKind::Ident(_) | ExprKind::Env => {}
        ExprKind::Str(s) => interpolations(s, f),
        ExprKind::List(items) => items.iter().for_each(|i| match i {
            ListItem::Item(x) | ListItem::Spread(x) => f(x),
        }),
        ExprKind::Record(fields) => {
            for field in fields {
                if let Key::Dynamic(s, _) = &field.key {
                    interpolations(s, &mut f);
                }
                f(&field.value);
            }
        }
        ExprKind::Field(b, _) | ExprKind::Unary(_, b) => f(b),
        ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
            f(a);
            f(b);
        }
        ExprKind::Call(c, args) => {
            f(c);
            args.iter().for_each(|a| f(&a.value));
        }
        ExprKind::If(c, t, el) => {
            f(c);
            f(t);
            f(el);
        }
        ExprKind::Match(s, arms) => {
            f(s);
            arms.iter().for_each(|a| f(&a.body));
        }
        ExprKind::For(x) => {
            f(&x.iter);
            if let Some(c) = &x.cond {
                f(c);
            }
            f(&x.body);
        }
        ExprKind::LetIn(l) => {
            f(&l.value);
            f(&l.body);
        }
    }
}

/// The interpolated expressions of a string, in order.
pub fn interpolations<'a>(s: &'a StrExpr, mut f: impl FnMut(&'a Expr)) {
    for part in &s.parts {
        if let StrPart::Interp(x) = part {
            f(x);
        }
    }
}

/// Pre-order walk of `e` and everything below it (a parent before its children,
/// children in source order), with each expression's depth (`e` itself is at `depth`).
/// `f` returns whether to go below the expression it was given.
pub fn walk<'a>(e: &'a Expr, depth: usize, f: &mut dyn FnMut(&'a Expr, usize) -> bool) {
    let mut stack = vec![(e, depth)];
    let mut kids = Vec::new();
    while let Some((e, d)) = stack.pop() {
        if !f(e, d) {
            continue;
        }
        for_each_child(e, |k| kids.push((k, d + 1)));
        stack.extend(kids.drain(..).rev());
    }
}

/// [`walk`] over every expression of an item, each top-level one at depth 1.
pub fn walk_item<'a>(item: &'a ItemKind, f: &mut dyn FnMut(&'a Expr, usize) -> bool) {
    item_exprs(item, |e| walk(e, 1, f));
}

#[cfg(test)]
mod tests {
    use super::*;
    use cedc_diagnostics::FileId;

    fn spans_of(src: &str) -> Vec<String> {
        let m = crate::parse(FileId(0), src).expect("test source parses");
        let mut out = Vec::new();
        for item in &m.items {
            walk_item(&item.kind, &mut |e, d| {
                out.push(format!("{d}:{}", &src[e.span.start as usize..e.span.end as usize]));
                true
            });
        }
        out
    }

    #[test]
    fn pre_order_in_source_order_with_depths() {
        assert_eq!(
            spans_of("let a = f(1, x: 2) + 3\n"),
            ["1:f(1, x: 2) + 3", "2:f(1, x: 2)", "3:f", "3:1", "3:2", "2:3"]
        );
    }

    #[test]
    fn reaches_computed_keys_parameter_defaults_and_for_conditions() {
        let got = spans_of("fn f(n: Int = 1) -> Map<Int> = { \"k{n}\": n }\nlet b = [for x in [1] if x > 0: x]\n");
        for want in ["1:1", "2:n", "1:[for x in [1] if x > 0: x]", "2:x > 0", "3:0"] {
            assert!(got.iter().any(|g| g == want), "{want} not in {got:?}");
        }
    }

    #[test]
    fn returning_false_skips_the_subtree() {
        let m = crate::parse(FileId(0), "let a = [[1, 2], 3]\n").expect("test source parses");
        let mut seen = Vec::new();
        walk_item(&m.items[0].kind, &mut |_, d| {
            seen.push(d);
            d < 2
        });
        // The outer list, then the inner list (not entered) and `3`.
        assert_eq!(seen, [1, 2, 2]);
    }
}
