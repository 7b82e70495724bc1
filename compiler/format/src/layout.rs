//! From the AST (and the source it came from) to a [`Doc`].
//!
//! Comments are not in the tree: the parser lists them, with spans, in
//! `Module.comments`. The builder walks the tree in source order and keeps a cursor in
//! that list; before printing a node, an operator or keyword it finds in the source, or
//! a closing bracket, it emits every comment that comes earlier in the source. So every
//! comment is printed exactly once, in its original order, next to the code it was
//! next to, which is also what makes the output a fixed point: formatting it again
//! finds each comment where it left it. Where a comment's position decides what it
//! documents (`///` above a field or a declaration), the builder makes sure it still
//! documents the same thing (see [`Builder::blocker`] and [`Builder::plan_keeps_docs`]).
//!
//! A comment that shares its line with code before it stays at the end of that line; a
//! comment on its own line stays on its own line (with the blank line above it kept, in
//! lists of declarations, fields and items).
//!
//! Literals are printed verbatim from the source (strings with their escapes and
//! interpolations, `"""` blocks, numbers), as are record keys, patterns and import
//! paths. Field names of record types and keys of override paths are printed bare
//! when they are identifiers (`"replicas": Int` becomes `replicas: Int`, `a["b"]`
//! becomes `a.b`), and as written otherwise (`"grafana.ini"`, `a["grafana.ini"]`).

use crate::doc::{Doc, concat, group, group_forced, indent, text};
use cedc_syntax::ast::*;
use cedc_syntax::field::is_field_name;

/// Lay out a parsed module.
pub(crate) fn module_doc(src: &str, m: &Module) -> Doc {
    let mut b = Builder { src, comments: &m.comments, next: 0, align_chain: false };
    b.module(&m.items)
}

const LINE: Doc = Doc::Line;
const SOFT: Doc = Doc::Softline;
const HARD: Doc = Doc::Hard;
const FRESH: Doc = Doc::FreshLine;

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn start(s: cedc_diagnostics::Span) -> usize {
    s.start as usize
}

fn end(s: cedc_diagnostics::Span) -> usize {
    s.end as usize
}

/// The source extent of an expression inside any parentheses around it.
struct Inner {
    /// Pairs of parentheses written around the expression.
    parens: usize,
    start: usize,
    end: usize,
}

/// How the elements of a bracketed list are separated.
#[derive(Clone, Copy)]
enum Sep {
    /// `a, b` flat; one per line with a trailing comma when broken (lists, arguments,
    /// parameters).
    Comma,
    /// `a, b` flat; one per line without commas when broken (record fields, match arms,
    /// overrides).
    Newline,
}

struct Spec {
    open: &'static str,
    close: &'static str,
    /// Source offset of the opening bracket.
    open_pos: usize,
    /// Source offset of the closing bracket.
    close_pos: usize,
    sep: Sep,
    /// Spaces inside the brackets when flat: `{ a: 1 }`, but `[1]` and `f(1)`.
    pad: bool,
    /// Broken even if it fits.
    force: bool,
    /// Elements take `///` documentation (record fields, record type fields).
    docs: bool,
}

/// One element of a bracketed list: its source extent.
#[derive(Clone, Copy)]
struct Entry {
    start: usize,
    end: usize,
}

/// How a file's items are printed: comment ranges (indices into `Module.comments`)
/// per item, and the order of the items.
struct Plan {
    /// First comment before the item.
    lead: Vec<usize>,
    /// First comment inside the item.
    lead_end: Vec<usize>,
    /// First comment after the item.
    inner_end: Vec<usize>,
    /// First comment after the item's trailing comment.
    trail_end: Vec<usize>,
    order: Vec<usize>,
    /// With imports moved first: the comments of the top of the file that stay there
    /// are `lead[0]..header_end`.
    header_end: usize,
}

struct Builder<'a> {
    src: &'a str,
    comments: &'a [Comment],
    /// Index of the first comment not printed yet.
    next: usize,
    /// The next operator chain is a value on its own line(s): its operators line up
    /// with its first operand instead of being indented further.
    align_chain: bool,
}

impl<'a> Builder<'a> {
    // ------------------------------------------------------------ source helpers

    fn byte(&self, p: usize) -> u8 {
        self.src.as_bytes().get(p).copied().unwrap_or(0)
    }

    fn slice(&self, a: usize, b: usize) -> &'a str {
        self.src.get(a..b).unwrap_or("")
    }

    /// The comment starting exactly at `p`.
    fn comment_at(&self, p: usize) -> Option<&'a Comment> {
        let i = self.comments.binary_search_by_key(&p, |c| start(c.span)).ok()?;
        self.comments.get(i)
    }

    /// The comment whose text covers offset `q`.
    fn comment_covering(&self, q: usize) -> Option<&'a Comment> {
        let i = self.comments.partition_point(|c| start(c.span) <= q);
        self.comments.get(i.checked_sub(1)?).filter(|c| end(c.span) > q)
    }

    /// Whether a comment starts in `a..b`.
    fn has_comment_in(&self, a: usize, b: usize) -> bool {
        let i = self.comments.partition_point(|c| start(c.span) < a);
        self.comments.get(i).is_some_and(|c| start(c.span) < b)
    }

    /// The offset of the first token at or after `p`, past whitespace and comments.
    fn skip_fwd(&self, mut p: usize) -> usize {
        loop {
            while p < self.src.len() && is_ws(self.byte(p)) {
                p += 1;
            }
            match self.comment_at(p) {
                Some(c) if end(c.span) > p => p = end(c.span),
                _ => return p,
            }
        }
    }

    /// The offset just after the last token before `p`, past whitespace and comments.
    fn skip_back(&self, mut p: usize) -> usize {
        loop {
            while p > 0 && is_ws(self.byte(p - 1)) {
                p -= 1;
            }
            match p.checked_sub(1).and_then(|q| self.comment_covering(q)) {
                Some(c) if start(c.span) < p => p = start(c.span),
                _ => return p,
            }
        }
    }

    /// The end of the last token of a node. Spans of rules that end with an optional
    /// part extend over the whitespace and comments after their last token.
    fn end_of(&self, span: cedc_diagnostics::Span) -> usize {
        self.skip_back(end(span)).max(start(span))
    }

    /// Whether only whitespace precedes `pos` on its line.
    fn own_line(&self, pos: usize) -> bool {
        let before = self.slice(0, pos);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        self.slice(line_start, pos).trim().is_empty()
    }

    /// Whether a blank line separates `pos` from the token or comment before it (a
    /// separating comma aside).
    fn blank_before(&self, pos: usize) -> bool {
        let mut p = pos.min(self.src.len());
        let mut newlines = 0;
        while p > 0 && (is_ws(self.byte(p - 1)) || self.byte(p - 1) == b',') {
            if self.byte(p - 1) == b'\n' {
                newlines += 1;
            }
            p -= 1;
        }
        p > 0 && newlines >= 2
    }

    /// Parentheses around `e` in the source, and its extent inside them.
    fn unwrap(&self, e: &Expr) -> Inner {
        let (s, e_end) = (start(e.span), self.end_of(e.span));
        // Where the expression's own first token is, for forms that begin with a child
        // (which may itself start with a parenthesis).
        let bound = match &e.kind {
            ExprKind::Binary(_, l, _) => start(l.span),
            ExprKind::Field(b, _) | ExprKind::Index(b, _) | ExprKind::Call(b, _) => start(b.span),
            ExprKind::Ident(id) => start(id.span),
            _ => e_end,
        };
        let mut parens = 0;
        let mut p = s;
        loop {
            let q = self.skip_fwd(p);
            if q < bound && self.byte(q) == b'(' {
                parens += 1;
                p = q + 1;
            } else {
                break;
            }
        }
        if parens == 0 {
            return Inner { parens, start: s, end: e_end };
        }
        let inner_start = self.skip_fwd(p);
        let mut q = e_end;
        for _ in 0..parens {
            q = self.skip_back(q);
            if q > 0 && self.byte(q - 1) == b')' {
                q -= 1;
            }
        }
        let inner_end = self.skip_back(q).max(inner_start);
        Inner { parens, start: inner_start, end: inner_end }
    }

    fn parens(&self, e: &Expr) -> usize {
        self.unwrap(e).parens
    }

    // ------------------------------------------------------------------ comments

    fn comment_doc(c: &Comment) -> Doc {
        Doc::Comment(c.text.trim_end().to_string())
    }

    /// Every comment before `pos` not printed yet, each where it was: after the code on
    /// its line, or on a line of its own.
    fn leading(&mut self, pos: usize) -> Doc {
        let mut v = Vec::new();
        while let Some(c) = self.comments.get(self.next).filter(|c| start(c.span) < pos) {
            if self.own_line(start(c.span)) {
                v.push(FRESH);
            }
            v.push(Self::comment_doc(c));
            self.next += 1;
        }
        concat(v)
    }

    /// The next comment, if it comes before `limit` and shares its line with code before
    /// it (a trailing comment).
    fn trailing(&mut self, limit: usize) -> Doc {
        match self.comments.get(self.next) {
            Some(c) if start(c.span) < limit && !self.own_line(start(c.span)) => {
                self.next += 1;
                Self::comment_doc(c)
            }
            _ => Doc::Nil,
        }
    }

    /// Comments before `pos`, each on its own line, in a list of declarations, fields or
    /// elements. Blank lines above them (and above `pos` when `blank_at_pos`) are kept,
    /// except at the very start of the list (`printed` false). `blocker`: print a comma
    /// before the n-th comment (or before `pos` when n is the number of comments), so a
    /// `///` comment that did not document the next field in the source does not start
    /// documenting it.
    fn leading_block(
        &mut self,
        pos: usize,
        mut printed: bool,
        blank_at_pos: bool,
        mut force_blank: bool,
        blocker: Option<usize>,
    ) -> Doc {
        let mut v = Vec::new();
        let mut k = 0;
        while let Some(c) = self.comments.get(self.next).filter(|c| start(c.span) < pos) {
            if printed && (force_blank || self.blank_before(start(c.span))) {
                v.extend([FRESH, HARD]);
            }
            force_blank = false;
            v.push(FRESH);
            if blocker == Some(k) {
                v.push(text(","));
            }
            v.push(Self::comment_doc(c));
            self.next += 1;
            printed = true;
            k += 1;
        }
        if printed && blank_at_pos && (force_blank || self.blank_before(pos)) {
            v.extend([FRESH, HARD]);
        }
        if blocker == Some(k) {
            v.extend([FRESH, text(", ")]);
        }
        concat(v)
    }

    /// Print source text as is (a literal), skipping the comments inside it (in the
    /// interpolations of a string): they are part of the text.
    fn verbatim(&mut self, a: usize, b: usize) -> Doc {
        let lead = self.leading(a);
        while self.comments.get(self.next).is_some_and(|c| start(c.span) < b) {
            self.next += 1;
        }
        concat(vec![lead, text(self.slice(a, b))])
    }

    fn ident(&mut self, id: &Ident) -> Doc {
        concat(vec![self.leading(start(id.span)), text(id.name.as_str())])
    }

    /// A field name that may have been written as a string: bare when it can be
    /// (`"replicas"` becomes `replicas`), otherwise the string as written.
    fn field_name(&mut self, id: &Ident) -> Doc {
        if is_field_name(&id.name) { self.ident(id) } else { self.verbatim(start(id.span), end(id.span)) }
    }

    /// Length of the run of `///` lines directly above `pos` in the source (only
    /// whitespace between them): the documentation the parser attaches there.
    fn doc_run_in_source(&self, pos: usize) -> usize {
        let mut n = 0;
        let mut p = pos;
        loop {
            while p > 0 && is_ws(self.byte(p - 1)) {
                p -= 1;
            }
            match p.checked_sub(1).and_then(|q| self.comment_covering(q)) {
                Some(c) if c.doc && start(c.span) < p => {
                    n += 1;
                    p = start(c.span);
                }
                _ => return n,
            }
        }
    }

    // ------------------------------------------------------------------ lists

    /// A bracketed, separated list with the comments around its elements.
    fn seq(&mut self, spec: Spec, entries: &[Entry], f: &mut dyn FnMut(&mut Self, usize) -> Doc) -> Doc {
        let before_open = self.leading(spec.open_pos);
        let n = entries.len();
        let first_pos = entries.first().map_or(spec.close_pos, |e| e.start);
        // A comment on the line of the opening bracket stays there.
        let head = self.trailing(first_pos);
        let empty = n == 0 && matches!(head, Doc::Nil) && !self.has_comment_in(spec.open_pos, spec.close_pos);
        if empty {
            return concat(vec![before_open, text(format!("{}{}", spec.open, spec.close))]);
        }
        let mut inner = Vec::new();
        // Whether the comment printed after the previous element is a `///` one.
        let mut prev_trailing: Option<bool> = None;
        for (i, e) in entries.iter().enumerate() {
            inner.push(if i == 0 && !spec.pad { SOFT } else { LINE });
            let blocker = if spec.docs && i > 0 { self.blocker(e.start, prev_trailing) } else { None };
            inner.push(self.leading_block(e.start, i > 0, true, false, blocker));
            inner.push(f(self, i));
            inner.push(self.leading(e.end));
            let last = i + 1 == n;
            match spec.sep {
                Sep::Comma if last => inner.push(Doc::IfBreak(",", "")),
                Sep::Comma => inner.push(text(",")),
                Sep::Newline if last => {}
                Sep::Newline => inner.push(Doc::IfBreak("", ",")),
            }
            let next = entries.get(i + 1).map_or(spec.close_pos, |x| x.start);
            let before = self.next;
            inner.push(self.trailing(next));
            prev_trailing = (self.next > before).then(|| self.comments.get(before).is_some_and(|c| c.doc));
        }
        inner.push(self.leading_block(spec.close_pos, n > 0, false, false, None));
        let edge = if spec.pad { LINE } else { SOFT };
        let body = group_forced(
            concat(vec![text(spec.open), head, indent(concat(inner)), edge, text(spec.close)]),
            spec.force,
        );
        concat(vec![before_open, body])
    }

    /// Where a documented element needs a comma in front of its comments (see
    /// [`Builder::leading_block`]): when the `///` lines printed right above it would be
    /// more than the ones documenting it in the source.
    fn blocker(&self, pos: usize, prev_trailing: Option<bool>) -> Option<usize> {
        let mut printed: Vec<bool> = prev_trailing.into_iter().collect();
        let lead_from = printed.len();
        let mut i = self.next;
        while let Some(c) = self.comments.get(i).filter(|c| start(c.span) < pos) {
            printed.push(c.doc);
            i += 1;
        }
        let out_run = printed.iter().rev().take_while(|d| **d).count();
        let src_run = self.doc_run_in_source(pos);
        (out_run > src_run).then(|| printed.len() - src_run - lead_from)
    }

    // ------------------------------------------------------------------ module

    /// Which comments go with which item, and in what order the items are printed.
    fn plan(&self, items: &[Item], hoist: bool) -> Plan {
        let n = items.len();
        let is_import = |i: usize| matches!(items.get(i).map(|x| &x.kind), Some(ItemKind::Import(_)));
        let mut p = Plan {
            lead: vec![0; n],
            lead_end: vec![0; n],
            inner_end: vec![0; n],
            trail_end: vec![0; n],
            order: (0..n).collect(),
            header_end: 0,
        };
        // Per item: the comments before it (from the end of the previous one), inside it,
        // and the one at the end of its last line.
        let mut idx = 0;
        for (i, it) in items.iter().enumerate() {
            p.lead[i] = idx;
            while self.comments.get(idx).is_some_and(|c| start(c.span) < start(it.span)) {
                idx += 1;
            }
            p.lead_end[i] = idx;
            while self.comments.get(idx).is_some_and(|c| start(c.span) < self.end_of(it.span)) {
                idx += 1;
            }
            p.inner_end[i] = idx;
            let next_start = items.get(i + 1).map_or(usize::MAX, |x| start(x.span));
            if let Some(c) = self.comments.get(idx)
                && start(c.span) < next_start
                && !self.own_line(start(c.span))
                // When items move, a `///` comment ending an item's line stays with the
                // next item, which it documents.
                && !(hoist && c.doc && i + 1 < n)
            {
                idx += 1;
            }
            p.trail_end[i] = idx;
        }
        if !hoist {
            return p;
        }
        p.order = (0..n).filter(|&i| is_import(i)).chain((0..n).filter(|&i| !is_import(i))).collect();
        // A comment block at the top of the file, separated from the first declaration by
        // a blank line, stays at the top.
        if let Some(first) = items.first()
            && !is_import(0)
        {
            let first_start = start(first.span);
            p.header_end = p.lead[0];
            for k in p.lead[0]..p.lead_end[0] {
                let Some(c) = self.comments.get(k) else { break };
                let next = self.comments.get(k + 1).map_or(first_start, |x| start(x.span)).min(first_start);
                if self.slice(end(c.span), next).matches('\n').count() >= 2 {
                    p.header_end = k + 1;
                }
            }
        }
        p
    }

    /// Whether printing the items in the plan's order keeps every item's documentation:
    /// the `///` lines printed right above each item are the ones above it in the source.
    fn plan_keeps_docs(&self, items: &[Item], p: &Plan) -> bool {
        let doc = |k: usize| self.comments.get(k).is_some_and(|c| c.doc);
        for (k, &i) in p.order.iter().enumerate() {
            let Some(it) = items.get(i) else { return false };
            let mut printed: Vec<bool> = Vec::new();
            if k == 0 {
                printed.extend((p.lead[0]..p.header_end.max(p.lead[0])).map(doc));
            } else if let Some(&prev) = p.order.get(k - 1) {
                printed.extend((p.inner_end[prev]..p.trail_end[prev]).map(doc));
            }
            let from = if i == 0 { p.header_end.max(p.lead[0]) } else { p.lead[i] };
            printed.extend((from..p.lead_end[i]).map(doc));
            let out_run = printed.iter().rev().take_while(|d| **d).count();
            if out_run != self.doc_run_in_source(start(it.span)) {
                return false;
            }
        }
        true
    }

    fn module(&mut self, items: &[Item]) -> Doc {
        let n = items.len();
        let is_import = |i: usize| matches!(items.get(i).map(|x| &x.kind), Some(ItemKind::Import(_)));
        // Imports go first, in source order, unless moving them would change which
        // declaration a `///` comment documents.
        let wants_hoist = (0..n).any(|j| is_import(j) && (0..j).any(|i| !is_import(i)));
        let mut plan = self.plan(items, wants_hoist);
        let hoist = wants_hoist && self.plan_keeps_docs(items, &plan);
        if wants_hoist && !hoist {
            plan = self.plan(items, false);
        }
        let mut parts = Vec::new();
        let mut printed = false;
        if hoist && plan.header_end > plan.lead[0] {
            let first_start = items.first().map_or(usize::MAX, |x| start(x.span));
            let limit = self.comments.get(plan.header_end).map_or(first_start, |c| start(c.span)).min(first_start);
            self.next = plan.lead[0];
            parts.push(self.leading_block(limit, false, false, false, None));
            printed = true;
        }
        for (k, &i) in plan.order.iter().enumerate() {
            let Some(it) = items.get(i) else { continue };
            self.next = if i == 0 { plan.header_end.max(plan.lead[0]) } else { plan.lead[i] };
            let boundary = hoist && k > 0 && plan.order.get(k - 1).is_some_and(|&p| is_import(p) != is_import(i));
            let force_blank = boundary || (hoist && k == 0 && printed);
            parts.push(self.leading_block(start(it.span), printed, true, force_blank, None));
            parts.push(self.item(it));
            parts.push(self.leading(self.end_of(it.span)));
            while self.next < plan.trail_end[i] {
                if let Some(c) = self.comments.get(self.next) {
                    parts.push(Self::comment_doc(c));
                }
                self.next += 1;
            }
            parts.push(HARD);
            printed = true;
        }
        self.next = plan.trail_end.last().copied().unwrap_or(0);
        parts.push(self.leading_block(usize::MAX, printed, false, false, None));
        concat(parts)
    }

    fn item(&mut self, it: &Item) -> Doc {
        match &it.kind {
            ItemKind::Import(i) => {
                let mut v = vec![text("import "), self.verbatim(start(i.path_span), end(i.path_span))];
                if let Some(a) = &i.alias {
                    v.push(text(" as "));
                    v.push(self.ident(a));
                }
                concat(v)
            }
            ItemKind::Let(d) => {
                let mut v = vec![text("let "), self.ident(&d.name)];
                if let Some(t) = &d.ty {
                    // Indented: a comment after `:` pushes the type to a continuation line.
                    v.push(indent(concat(vec![text(": "), self.ty(t)])));
                }
                v.push(text(" ="));
                v.push(self.rhs(&d.value));
                concat(v)
            }
            ItemKind::Type(d) => {
                let name = self.ident(&d.name);
                concat(vec![text("type "), name, text(" ="), self.type_rhs(&d.ty)])
            }
            ItemKind::Fn(d) => self.fn_decl(d),
            ItemKind::Composite(d) => self.composite_decl(d),
            ItemKind::Env(d) => {
                let name = self.ident(&d.name);
                let body = self.record(&d.fields, start(d.body_span), self.end_of(d.body_span).saturating_sub(1));
                concat(vec![text("env "), name, text(" "), body])
            }
            ItemKind::Component(d) => {
                let name = self.ident(&d.name);
                let with_eq = self.byte(self.skip_fwd(end(d.name.span))) == b'=';
                match &d.body.kind {
                    ExprKind::Record(fields) if !with_eq => {
                        let body = self.record(fields, start(d.body.span), self.end_of(d.body.span).saturating_sub(1));
                        concat(vec![text("component "), name, text(" "), body])
                    }
                    _ => concat(vec![text("component "), name, text(" ="), self.rhs(&d.body)]),
                }
            }
            ItemKind::Override(o) => {
                // The environments are indented: a comment among them pushes the rest to a
                // continuation line.
                let mut envs = Vec::new();
                for (i, env) in o.envs.iter().enumerate() {
                    if i > 0 {
                        envs.push(text(", "));
                    }
                    envs.push(self.ident(env));
                }
                let open = self.skip_fwd(o.envs.last().map_or(start(it.span) + 2, |e| end(e.span)));
                envs.push(self.leading(open));
                let mut v = vec![text("in "), indent(concat(envs))];
                v.push(text(" "));
                let entries: Vec<Entry> =
                    o.sets.iter().map(|s| Entry { start: start(s.span), end: self.end_of(s.span) }).collect();
                let spec = Spec {
                    open: "{",
                    close: "}",
                    open_pos: open,
                    close_pos: self.end_of(it.span).saturating_sub(1),
                    sep: Sep::Newline,
                    pad: true,
                    force: true,
                    docs: false,
                };
                v.push(self.seq(spec, &entries, &mut |b, i| match o.sets.get(i) {
                    Some(s) => b.override_set(s),
                    None => Doc::Nil,
                }));
                concat(v)
            }
        }
    }

    fn override_set(&mut self, s: &OverrideSet) -> Doc {
        let mut v = Vec::new();
        for (i, id) in s.path.iter().enumerate() {
            if i == 0 {
                v.push(self.ident(id));
            } else if is_field_name(&id.name) {
                v.extend([text("."), self.ident(id)]);
            } else {
                v.extend([text("["), self.verbatim(start(id.span), end(id.span)), text("]")]);
            }
        }
        v.push(text(" ="));
        v.push(self.rhs(&s.value));
        concat(v)
    }

    fn fn_decl(&mut self, d: &FnDecl) -> Doc {
        let mut v = vec![text("fn "), self.ident(&d.name)];
        let open = self.skip_fwd(end(d.name.span));
        v.push(self.leading(open));
        let arrow_end = self.skip_back(start(d.ret.span));
        let arrow = arrow_end.saturating_sub(2);
        let close = self.skip_back(arrow).saturating_sub(1);
        let entries: Vec<Entry> =
            d.params.iter().map(|p| Entry { start: start(p.span), end: self.end_of(p.span) }).collect();
        let spec = Spec {
            open: "(",
            close: ")",
            open_pos: open,
            close_pos: close,
            sep: Sep::Comma,
            pad: false,
            force: false,
            docs: false,
        };
        v.push(self.seq(spec, &entries, &mut |b, i| match d.params.get(i) {
            Some(p) => b.param(p),
            None => Doc::Nil,
        }));
        v.push(self.leading(arrow));
        v.push(indent(concat(vec![text(" -> "), self.ty(&d.ret)])));
        v.push(text(" ="));
        v.push(self.rhs(&d.body));
        concat(v)
    }

    /// `composite "group/version" Kind(spec: Type) = body`.
    fn composite_decl(&mut self, d: &CompositeDecl) -> Doc {
        let api = self.verbatim(start(d.api_version_span), end(d.api_version_span));
        let before_name = self.leading(start(d.name.span));
        let mut v = vec![text("composite "), api, text(" "), before_name, self.ident(&d.name)];
        let open = self.skip_fwd(end(d.name.span));
        v.push(self.leading(open));
        let eq = self.skip_back(start(d.body.span)).saturating_sub(1);
        let close = self.skip_back(eq).saturating_sub(1);
        let entries = [Entry { start: start(d.param.span), end: self.end_of(d.param.span) }];
        let spec = Spec {
            open: "(",
            close: ")",
            open_pos: open,
            close_pos: close,
            sep: Sep::Comma,
            pad: false,
            force: false,
            docs: false,
        };
        v.push(self.seq(spec, &entries, &mut |b, _| b.param(&d.param)));
        v.push(text(" ="));
        v.push(self.rhs(&d.body));
        concat(v)
    }

    fn param(&mut self, p: &Param) -> Doc {
        let mut v = vec![self.ident(&p.name), text(": "), self.ty(&p.ty)];
        if let Some(d) = &p.default {
            v.push(text(" ="));
            v.push(self.rhs(d));
        }
        concat(v)
    }

    // ------------------------------------------------------------------ types

    /// A type after `type Name =`: unions may break before their `|`s.
    fn type_rhs(&mut self, t: &TypeExpr) -> Doc {
        if let TypeExprKind::Union(members) = &t.kind {
            let lead = self.trailing(start(t.span));
            let before = self.leading(start(t.span));
            let union = self.union(t, members, true);
            group(indent(concat(vec![lead, LINE, before, union])))
        } else {
            concat(vec![text(" "), self.ty(t)])
        }
    }

    fn ty(&mut self, t: &TypeExpr) -> Doc {
        let lead = self.leading(start(t.span));
        let body = match &t.kind {
            TypeExprKind::Named { path, args } => {
                let mut v = Vec::new();
                for (i, id) in path.iter().enumerate() {
                    if i > 0 {
                        v.push(text("."));
                    }
                    v.push(self.ident(id));
                }
                if !args.is_empty() {
                    v.push(text("<"));
                    for (i, a) in args.iter().enumerate() {
                        if i > 0 {
                            v.push(text(", "));
                        }
                        v.push(self.ty(a));
                    }
                    v.push(self.leading(self.end_of(t.span).saturating_sub(1)));
                    v.push(text(">"));
                }
                concat(v)
            }
            TypeExprKind::Record { fields, open } => self.record_type(t, fields, *open),
            TypeExprKind::Union(members) => self.union(t, members, false),
            TypeExprKind::Optional(inner) => {
                let inner = self.ty(inner);
                concat(vec![inner, self.leading(self.end_of(t.span).saturating_sub(1)), text("?")])
            }
        };
        concat(vec![lead, body])
    }

    /// `"a" | "b"`, broken before each `|` when it does not fit; `aligned`: the `|`s line
    /// up with the first member (the union is on lines of its own).
    fn union(&mut self, t: &TypeExpr, members: &[(String, cedc_diagnostics::Span)], aligned: bool) -> Doc {
        let mut first = Doc::Nil;
        let mut rest = Vec::new();
        let mut prev_end = start(t.span);
        for (i, (_, span)) in members.iter().enumerate() {
            if i == 0 {
                first = self.verbatim(start(*span), end(*span));
            } else {
                let bar = self.skip_fwd(prev_end);
                let before_bar = self.leading(bar);
                let m = self.verbatim(start(*span), end(*span));
                rest.push(concat(vec![before_bar, LINE, text("| "), m]));
            }
            prev_end = end(*span);
        }
        let rest = concat(rest);
        group(concat(vec![first, if aligned { rest } else { indent(rest) }]))
    }

    fn record_type(&mut self, t: &TypeExpr, fields: &[TypeField], open: bool) -> Doc {
        let open_pos = start(t.span);
        let close_pos = self.end_of(t.span).saturating_sub(1);
        let mut entries: Vec<Entry> =
            fields.iter().map(|f| Entry { start: start(f.span), end: self.end_of(f.span) }).collect();
        if open {
            let mut p = fields.last().map_or(open_pos + 1, |f| self.end_of(f.span));
            loop {
                p = self.skip_fwd(p);
                if self.byte(p) == b',' {
                    p += 1;
                } else {
                    break;
                }
            }
            entries.push(Entry { start: p, end: p + 2 });
        }
        let first = entries.first().map_or(close_pos, |e| e.start);
        let spec = Spec {
            open: "{",
            close: "}",
            open_pos,
            close_pos,
            sep: Sep::Newline,
            pad: true,
            force: self.slice(open_pos + 1, first).contains('\n'),
            docs: true,
        };
        self.seq(spec, &entries, &mut |b, i| match fields.get(i) {
            Some(f) => b.type_field(f),
            None => text(".."),
        })
    }

    fn type_field(&mut self, f: &TypeField) -> Doc {
        let mut v = vec![self.field_name(&f.name)];
        if f.optional {
            v.push(text("?"));
        }
        v.push(text(": "));
        v.push(self.ty(&f.ty));
        if let Some(d) = &f.default {
            v.push(text(" ="));
            v.push(self.rhs(d));
        }
        concat(v)
    }

    // ------------------------------------------------------------------ expressions

    /// Whether a value after `=`, `:` or `=>` starts on the same line (records, lists,
    /// calls, matches, ...) rather than possibly on the next line, indented (`if`,
    /// `let ... in`, operator chains).
    fn hugs(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::If(..) | ExprKind::LetIn(_) => false,
            ExprKind::Binary(..) => self.binary_hugs(e),
            _ => true,
        }
    }

    /// `base with { ... }`: two operands, the second a record or list literal, which
    /// then breaks on its own.
    fn binary_hugs(&self, e: &Expr) -> bool {
        let ExprKind::Binary(op, l, r) = &e.kind else { return false };
        let chained_left = matches!(&l.kind, ExprKind::Binary(o, ..) if level(*o) == level(*op) && self.parens(l) == 0);
        matches!(r.kind, ExprKind::Record(_) | ExprKind::List(_)) && self.parens(r) == 0 && !chained_left
    }

    /// The value of a declaration, field, argument, default, override or match arm,
    /// after its `=`, `:` or `=>`.
    fn rhs(&mut self, e: &Expr) -> Doc {
        let lead = self.trailing(start(e.span));
        if self.hugs(e) && matches!(lead, Doc::Nil) {
            concat(vec![text(" "), lead, self.expr(e)])
        } else {
            self.align_chain = matches!(e.kind, ExprKind::Binary(..)) && self.parens(e) == 0;
            let value = self.expr(e);
            self.align_chain = false;
            group(indent(concat(vec![lead, LINE, value])))
        }
    }

    fn expr(&mut self, e: &Expr) -> Doc {
        self.expr_p(e, false)
    }

    /// An expression, in parentheses when `need` or when the source has them.
    fn expr_p(&mut self, e: &Expr, need: bool) -> Doc {
        let u = self.unwrap(e);
        let lead = self.leading(start(e.span));
        if u.parens == 0 && !need {
            let body = self.kind(e, &u);
            return concat(vec![lead, body]);
        }
        let inner_lead = self.leading(u.start);
        let body = self.kind(e, &u);
        let tail = if u.parens > 0 { self.leading(end(e.span).saturating_sub(1)) } else { Doc::Nil };
        concat(vec![lead, text("("), inner_lead, body, tail, text(")")])
    }

    /// The base of `.field`, `[index]` or a call: parenthesized unless it is a primary.
    fn postfix_base(&mut self, b: &Expr) -> Doc {
        let need = matches!(b.kind, ExprKind::Binary(..) | ExprKind::Unary(..) | ExprKind::If(..) | ExprKind::LetIn(_));
        self.expr_p(b, need)
    }

    fn kind(&mut self, e: &Expr, u: &Inner) -> Doc {
        match &e.kind {
            ExprKind::Int(_) | ExprKind::Str(_) => self.verbatim(u.start, u.end),
            ExprKind::Bool(b) => text(if *b { "true" } else { "false" }),
            ExprKind::None => text("none"),
            ExprKind::Env => text("env"),
            ExprKind::Ident(id) => self.ident(id),
            ExprKind::List(items) => self.list(items, u),
            ExprKind::Record(fields) => self.record(fields, u.start, u.end.saturating_sub(1)),
            ExprKind::Field(b, id) => {
                let base = self.postfix_base(b);
                let dot = self.skip_fwd(end(b.span));
                let lead = self.leading(dot);
                concat(vec![base, lead, text("."), self.ident(id)])
            }
            ExprKind::Index(b, i) => {
                let base = self.postfix_base(b);
                let open = self.skip_fwd(end(b.span));
                let lead = self.leading(open);
                let index = self.expr(i);
                let tail = self.leading(u.end.saturating_sub(1));
                concat(vec![base, lead, text("["), index, tail, text("]")])
            }
            ExprKind::Call(c, args) => {
                let callee = self.postfix_base(c);
                let open = self.skip_fwd(end(c.span));
                let lead = self.leading(open);
                let args = self.args(args, open, u.end.saturating_sub(1));
                concat(vec![callee, lead, args])
            }
            ExprKind::Unary(op, x) => {
                let op = text(if *op == UnaryOp::Not { "!" } else { "-" });
                let operand = self.expr_p(x, matches!(x.kind, ExprKind::Binary(..)));
                concat(vec![op, operand])
            }
            ExprKind::Binary(..) => self.binary(e),
            ExprKind::If(..) => self.if_chain(e),
            ExprKind::Match(subject, arms) => self.match_expr(subject, arms, u),
            ExprKind::For(f) => self.comprehension(f, u),
            ExprKind::LetIn(_) => self.let_chain(e),
        }
    }

    fn record(&mut self, fields: &[RecordField], open: usize, close: usize) -> Doc {
        let first = fields.first().map_or(close, |f| start(f.span));
        let spec = Spec {
            open: "{",
            close: "}",
            open_pos: open,
            close_pos: close,
            sep: Sep::Newline,
            pad: true,
            // Written with a line break after `{`: keep it broken (as Prettier does for
            // objects), so a record laid out one field per line stays that way.
            force: self.slice(open + 1, first).contains('\n'),
            docs: true,
        };
        let entries: Vec<Entry> =
            fields.iter().map(|f| Entry { start: start(f.span), end: self.end_of(f.span) }).collect();
        self.seq(spec, &entries, &mut |b, i| match fields.get(i) {
            Some(f) => b.field(f),
            None => Doc::Nil,
        })
    }

    fn field(&mut self, f: &RecordField) -> Doc {
        let key = self.verbatim(start(f.key.span()), end(f.key.span()));
        concat(vec![key, text(":"), self.rhs(&f.value)])
    }

    /// Whether a lone element can hug its brackets: `[{` ... `}]`, `f({` ... `})`.
    fn huggable(&self, x: &Expr, open: usize, close: usize, record_only: bool) -> bool {
        let kind_ok = match x.kind {
            ExprKind::Record(_) => true,
            ExprKind::List(_) => !record_only,
            _ => false,
        };
        kind_ok
            && self.parens(x) == 0
            && !self.has_comment_in(open, start(x.span))
            && !self.has_comment_in(end(x.span), close)
    }

    fn list(&mut self, items: &[ListItem], u: &Inner) -> Doc {
        let open = u.start;
        let close = u.end.saturating_sub(1);
        if let [ListItem::Item(x)] = items
            && self.huggable(x, open, close, true)
        {
            let body = self.expr(x);
            return concat(vec![text("["), body, text("]")]);
        }
        let entries: Vec<Entry> = items
            .iter()
            .map(|it| match it {
                ListItem::Item(x) => Entry { start: start(x.span), end: self.end_of(x.span) },
                ListItem::Spread(x) => {
                    Entry { start: self.skip_back(start(x.span)).saturating_sub(3), end: self.end_of(x.span) }
                }
            })
            .collect();
        let spec = Spec {
            open: "[",
            close: "]",
            open_pos: open,
            close_pos: close,
            sep: Sep::Comma,
            pad: false,
            force: false,
            docs: false,
        };
        self.seq(spec, &entries, &mut |b, i| match items.get(i) {
            Some(ListItem::Item(x)) => b.expr(x),
            Some(ListItem::Spread(x)) => concat(vec![text("..."), b.expr(x)]),
            None => Doc::Nil,
        })
    }

    fn args(&mut self, args: &[Arg], open: usize, close: usize) -> Doc {
        if let [Arg { name: None, value }] = args
            && self.huggable(value, open, close, false)
        {
            let body = self.expr(value);
            return concat(vec![text("("), body, text(")")]);
        }
        let entries: Vec<Entry> = args
            .iter()
            .map(|a| Entry {
                start: a.name.as_ref().map_or(start(a.value.span), |n| start(n.span)),
                end: self.end_of(a.value.span),
            })
            .collect();
        let spec = Spec {
            open: "(",
            close: ")",
            open_pos: open,
            close_pos: close,
            sep: Sep::Comma,
            pad: false,
            force: false,
            docs: false,
        };
        self.seq(spec, &entries, &mut |b, i| match args.get(i) {
            Some(Arg { name: Some(n), value }) => {
                let name = b.ident(n);
                concat(vec![name, text(":"), b.rhs(value)])
            }
            Some(Arg { name: None, value }) => b.expr(value),
            None => Doc::Nil,
        })
    }

    /// A chain of operators of one precedence level, `a + b - c`, broken before each
    /// operator when it does not fit.
    fn binary(&mut self, e: &Expr) -> Doc {
        let aligned = std::mem::take(&mut self.align_chain);
        let ExprKind::Binary(top_op, _, _) = &e.kind else { return Doc::Nil };
        let lvl = level(*top_op);
        let right_assoc = *top_op == BinaryOp::Coalesce;
        let mut operands: Vec<&Expr> = Vec::new();
        let mut ops: Vec<BinaryOp> = Vec::new();
        let in_chain = |b: &Self, x: &Expr| std::ptr::eq(x, e) || b.parens(x) == 0;
        if right_assoc {
            let mut cur = e;
            loop {
                match &cur.kind {
                    ExprKind::Binary(o, l, r) if level(*o) == lvl && in_chain(self, cur) => {
                        operands.push(l);
                        ops.push(*o);
                        cur = r;
                    }
                    _ => {
                        operands.push(cur);
                        break;
                    }
                }
            }
        } else {
            let mut cur = e;
            let mut rights = Vec::new();
            loop {
                match &cur.kind {
                    ExprKind::Binary(o, l, r) if level(*o) == lvl && in_chain(self, cur) => {
                        rights.push((*o, &**r));
                        cur = l;
                    }
                    _ => break,
                }
            }
            operands.push(cur);
            for (o, r) in rights.into_iter().rev() {
                ops.push(o);
                operands.push(r);
            }
        }
        let n = operands.len();
        let hug = self.binary_hugs(e);
        let mut first = Doc::Nil;
        let mut rest = Vec::new();
        for (i, x) in operands.iter().enumerate() {
            let p = prec(x);
            let last = i + 1 == n;
            let need = if right_assoc {
                if last { p < lvl } else { p <= lvl || self.open_right(x) }
            } else if i == 0 {
                p < lvl || self.open_right(x)
            } else {
                p <= lvl || (!last && self.open_right(x))
            };
            if i == 0 {
                first = self.expr_p(x, need);
                continue;
            }
            let op_pos = self.skip_fwd(end(operands[i - 1].span));
            let before_op = self.leading(op_pos);
            let sym = ops.get(i - 1).map_or("", |o| o.symbol());
            let operand = self.expr_p(x, need);
            if hug {
                rest.push(concat(vec![before_op, text(format!(" {sym} ")), operand]));
            } else {
                rest.push(concat(vec![before_op, LINE, text(format!("{sym} ")), operand]));
            }
        }
        if hug {
            concat(vec![first, concat(rest)])
        } else if aligned {
            group(concat(vec![first, concat(rest)]))
        } else {
            group(concat(vec![first, indent(concat(rest))]))
        }
    }

    /// Whether an expression printed without parentheses would swallow an operator
    /// written after it (`if`/`let` extend as far right as possible).
    fn open_right(&self, e: &Expr) -> bool {
        let mut cur = e;
        loop {
            if self.parens(cur) > 0 {
                return false;
            }
            match &cur.kind {
                ExprKind::If(..) | ExprKind::LetIn(_) => return true,
                ExprKind::Unary(_, x) if !matches!(x.kind, ExprKind::Binary(..)) => cur = x,
                ExprKind::Binary(_, _, r) => cur = r,
                _ => return false,
            }
        }
    }

    /// `if a then b else if c then d else e`, or one branch per line.
    fn if_chain(&mut self, e: &Expr) -> Doc {
        let mut parts = vec![text("if ")];
        let mut cur = e;
        while let ExprKind::If(c, t, f) = &cur.kind {
            parts.push(self.expr(c));
            let then_pos = self.skip_fwd(end(c.span));
            parts.push(self.leading(then_pos));
            parts.push(text(" then"));
            let then_lead = self.trailing(start(t.span));
            let then_doc = self.expr(t);
            parts.push(indent(concat(vec![then_lead, LINE, then_doc])));
            let else_pos = self.skip_fwd(end(t.span));
            parts.push(self.leading(else_pos));
            parts.push(LINE);
            // `else if`: the parser folds the chain into nested ifs whose span starts at
            // their condition.
            if let ExprKind::If(c2, ..) = &f.kind
                && start(f.span) == start(c2.span)
            {
                parts.push(text("else if "));
                cur = f;
                continue;
            }
            parts.push(text("else"));
            let else_lead = self.trailing(start(f.span));
            let else_doc = self.expr(f);
            parts.push(indent(concat(vec![else_lead, LINE, else_doc])));
            break;
        }
        group(concat(parts))
    }

    /// `let a = 1 in body` when it fits; one binding per line otherwise, and always
    /// when there are several.
    fn let_chain(&mut self, e: &Expr) -> Doc {
        let mut parts = Vec::new();
        let mut cur = e;
        let mut bindings = 0;
        loop {
            match &cur.kind {
                ExprKind::LetIn(l) if std::ptr::eq(cur, e) || self.parens(cur) == 0 => {
                    parts.push(text("let "));
                    parts.push(self.ident(&l.name));
                    if let Some(t) = &l.ty {
                        parts.push(text(": "));
                        parts.push(self.ty(t));
                    }
                    parts.push(text(" ="));
                    parts.push(self.rhs(&l.value));
                    let in_pos = self.skip_fwd(end(l.value.span));
                    parts.push(self.leading(in_pos));
                    parts.push(text(" in"));
                    parts.push(self.trailing(start(l.body.span)));
                    parts.push(LINE);
                    cur = &l.body;
                    bindings += 1;
                }
                _ => {
                    parts.push(self.expr(cur));
                    break;
                }
            }
        }
        group_forced(concat(parts), bindings > 1)
    }

    fn match_expr(&mut self, subject: &Expr, arms: &[Arm], u: &Inner) -> Doc {
        let s = self.expr(subject);
        let open = self.skip_fwd(end(subject.span));
        let lead = self.leading(open);
        let entries: Vec<Entry> =
            arms.iter().map(|a| Entry { start: start(a.span), end: self.end_of(a.span) }).collect();
        let spec = Spec {
            open: "{",
            close: "}",
            open_pos: open,
            close_pos: u.end.saturating_sub(1),
            sep: Sep::Newline,
            pad: true,
            force: true,
            docs: false,
        };
        let body = self.seq(spec, &entries, &mut |b, i| match arms.get(i) {
            Some(a) => b.arm(a),
            None => Doc::Nil,
        });
        concat(vec![text("match "), s, lead, text(" "), body])
    }

    fn arm(&mut self, a: &Arm) -> Doc {
        let mut v = Vec::new();
        for (i, p) in a.patterns.iter().enumerate() {
            if i > 0 {
                v.push(text(" | "));
            }
            let span = p.span();
            v.push(self.verbatim(start(span), end(span)));
        }
        v.push(text(" =>"));
        v.push(self.rhs(&a.body));
        concat(v)
    }

    fn comprehension(&mut self, f: &ForExpr, u: &Inner) -> Doc {
        let mut head = vec![text("[for ")];
        if let Some(k) = &f.key {
            head.push(self.ident(k));
            head.push(text(", "));
        }
        head.push(self.ident(&f.var));
        head.push(text(" in "));
        head.push(self.expr(&f.iter));
        if let Some(c) = &f.cond {
            head.push(text(" if "));
            head.push(self.expr(c));
        }
        let colon = self.skip_fwd(end(f.cond.as_ref().unwrap_or(&f.iter).span));
        head.push(self.leading(colon));
        head.push(text(":"));
        let close = u.end.saturating_sub(1);
        let body_lead = self.trailing(start(f.body.span));
        let hug = matches!(f.body.kind, ExprKind::Record(_) | ExprKind::List(_)) && self.parens(&f.body) == 0;
        let body = self.expr(&f.body);
        let tail = self.leading(close);
        if hug {
            concat(vec![concat(head), text(" "), body_lead, body, tail, text("]")])
        } else {
            group(concat(vec![concat(head), indent(concat(vec![body_lead, LINE, body])), tail, SOFT, text("]")]))
        }
    }
}

/// Binding strength of a binary operator, loosest first.
fn level(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::With => 1,
        BinaryOp::Coalesce => 2,
        BinaryOp::Or => 3,
        BinaryOp::And => 4,
        BinaryOp::Eq | BinaryOp::Ne => 5,
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => 6,
        BinaryOp::Add | BinaryOp::Sub => 7,
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => 8,
    }
}

/// Binding strength of an expression as an operand.
fn prec(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(op, ..) => level(*op),
        ExprKind::Unary(..) => 9,
        _ => 10,
    }
}
