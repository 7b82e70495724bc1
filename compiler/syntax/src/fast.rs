//! A hand-written parser for the inputs pest accepts, about ten times faster: a
//! recursive-descent parser over the bytes, with precedence climbing for operators.
//!
//! Invariant: `grammar.pest` stays the single source of truth for the syntax and for
//! every syntax error. This parser only accepts, never reports: for every input it
//! returns either exactly the [`Module`] that pest and the builder make (every item,
//! comment, doc and span — trailing whitespace that a pest rule swallows included) or
//! `None`, and on `None` the caller runs pest as if this parser did not exist. So it
//! gives up on anything it does not fully handle: a syntax error, anything the builder
//! reports (E0003, E0004, E0441), a choice pest would settle by backtracking.
//!
//! How it mirrors pest: each grammar rule is a method that skips whitespace and comments
//! ([`Parser::skip`]) exactly where pest's implicit `WHITESPACE`/`COMMENT` skipping goes
//! (between the elements of a sequence, between repetitions; never inside atomic rules:
//! names, strings, numbers, keywords), and ends where pest's rule ends (a rule whose last
//! element is an optional or a repetition that matched nothing ends after the skip
//! before it). Where pest tries alternatives in order, this parser looks at the next
//! token to pick the first one that can match, and gives up if that one fails. The
//! meaning of what is matched (escapes, `"""` dedenting, docs, how chains nest,
//! precedence) comes from `crate::meaning`, shared with the builder.
//!
//! Recursion is bounded: it goes through [`Parser::enter`] at each expression and type,
//! which counts the builder's nesting and gives up beyond [`MAX_NESTING`]; chains
//! (operators, prefixes, postfixes, `else if`, `let ... in`) are loops.

use crate::ast::*;
use crate::meaning::{self, Binding, Docs};
use crate::parser::{MAX_NESTING, check_ast_depth};
use cedc_diagnostics::{FileId, Span};
use std::ops::Range;

/// The module of `text[range]` (a whole file, or a piece of it that starts at a
/// declaration), with spans in the whole file, exactly as `parser::parse_piece` makes
/// it; `None` when this parser does not accept the piece (pest will decide).
pub(crate) fn parse_piece(file: FileId, text: &str, range: Range<usize>) -> Option<Module> {
    let src = text.as_bytes().get(..range.end)?;
    text.get(range.clone())?;
    let mut p = Parser {
        file,
        text,
        src,
        pos: range.start,
        depth: 0,
        comments: Vec::new(),
        docs: Docs::above(file, text, range.start),
        skipped: (usize::MAX, 0),
    };
    let items = p.module()?;
    check_ast_depth(&items).ok()?;
    Some(Module { items, comments: p.comments })
}

/// Whether `b` may start a name (`ident_start` in the grammar).
fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

/// Whether `b` may continue a name (`ident_char` in the grammar).
fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether `w` is a reserved word (the grammar's `keyword`).
fn is_keyword(w: &str) -> bool {
    (2..=9).contains(&w.len()) && crate::KEYWORDS.contains(&w)
}

/// The operands and operators of an expression being climbed: operators wait on the
/// stack while the next one binds tighter (or as tight and groups to the right).
struct Climb {
    operands: Vec<Expr>,
    ops: Vec<BinaryOp>,
}

impl Climb {
    /// Adds `op rhs`, first combining what binds at least as tight as `op`.
    fn push(&mut self, op: BinaryOp, rhs: Expr) -> Option<()> {
        let (level, right) = meaning::precedence(op);
        while let Some(&top) = self.ops.last() {
            let (top_level, _) = meaning::precedence(top);
            if top_level < level || (top_level == level && right) {
                break;
            }
            self.reduce()?;
        }
        self.ops.push(op);
        self.operands.push(rhs);
        Some(())
    }

    /// Combines the last two operands with the last operator.
    fn reduce(&mut self) -> Option<()> {
        let op = self.ops.pop()?;
        let rhs = self.operands.pop()?;
        let lhs = self.operands.pop()?;
        self.operands.push(meaning::binary(op, lhs, rhs));
        Some(())
    }

    /// The whole expression.
    fn finish(mut self) -> Option<Expr> {
        while !self.ops.is_empty() {
            self.reduce()?;
        }
        self.operands.pop()
    }
}

/// The parser's state over one piece.
struct Parser<'t> {
    file: FileId,
    /// The whole file (spans and docs are in it).
    text: &'t str,
    /// The file up to the end of the piece: the end of the input.
    src: &'t [u8],
    pos: usize,
    /// The builder's nesting of expressions and types at this point.
    depth: usize,
    /// Every comment met so far, in source order.
    comments: Vec<Comment>,
    docs: Docs<'t>,
    /// The last [`Parser::skip`]: from where to where (a skip is often redone after a
    /// look ahead).
    skipped: (usize, usize),
}

impl<'t> Parser<'t> {
    // ------------------------------------------------------------------ lexing

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    /// The byte at `pos + ahead`, 0 past the end.
    fn peek_at(&self, ahead: usize) -> u8 {
        self.src.get(self.pos + ahead).copied().unwrap_or(0)
    }

    fn peek(&self) -> u8 {
        self.peek_at(0)
    }

    fn at(&self, s: &[u8]) -> bool {
        self.src.get(self.pos..).is_some_and(|rest| rest.starts_with(s))
    }

    /// Consumes `s`, or gives up.
    fn lit(&mut self, s: &[u8]) -> Option<()> {
        self.at(s).then(|| self.pos += s.len())
    }

    /// Whitespace and comments (pest's implicit skipping), recording each comment once.
    fn skip(&mut self) {
        if self.skipped.0 == self.pos {
            self.pos = self.skipped.1;
            return;
        }
        let from = self.pos;
        loop {
            match self.peek() {
                b' ' | b'\t' | b'\r' | b'\n' => self.pos += 1,
                b'/' if self.peek_at(1) == b'/' => self.comment(),
                _ => break,
            }
        }
        self.skipped = (from, self.pos);
    }

    /// The `//` or `///` comment at `pos`, up to the end of its line.
    fn comment(&mut self) {
        let start = self.pos;
        let len = self.src[start..].iter().position(|&b| b == b'\n').unwrap_or(self.src.len() - start);
        self.pos = start + len;
        if self.comments.last().is_some_and(|c| c.span.start as usize >= start) {
            return;
        }
        let text = self.text.get(start..self.pos).unwrap_or_default().to_string();
        let c = Comment { doc: text.starts_with("///"), text, span: self.span(start, self.pos) };
        self.docs.push(&c);
        self.comments.push(c);
    }

    /// The name-shaped word at `pos` (`ident_start ~ ident_char* ~ ("-" ~ ident_char+)*`),
    /// keyword or not; empty if there is none.
    fn word(&self) -> &'t str {
        let start = self.pos;
        let mut end = start;
        if self.src.get(start).is_some_and(|&b| is_name_start(b)) {
            end += 1;
            loop {
                while self.src.get(end).is_some_and(|&b| is_name_char(b)) {
                    end += 1;
                }
                if self.src.get(end) == Some(&b'-') && self.src.get(end + 1).is_some_and(|&b| is_name_char(b)) {
                    end += 2;
                    continue;
                }
                break;
            }
        }
        self.text.get(start..end).unwrap_or_default()
    }

    /// Consumes the keyword `kw` (ending at a word boundary), or gives up.
    fn keyword(&mut self, kw: &str) -> Option<()> {
        (self.word() == kw).then(|| self.pos += kw.len())
    }

    /// A field name: any name, keywords included (`field_name`).
    fn field_name(&mut self) -> Option<Ident> {
        let w = self.word();
        if w.is_empty() {
            return None;
        }
        let start = self.pos;
        self.pos += w.len();
        Some(Ident { name: w.to_string(), span: self.span(start, self.pos) })
    }

    /// A name that is not a keyword (`ident`).
    fn ident(&mut self) -> Option<Ident> {
        if is_keyword(self.word()) {
            return None;
        }
        self.field_name()
    }

    /// Digits not followed by a name character (`int_lit`): their text.
    fn int_lit(&mut self) -> Option<(&'t str, Span)> {
        let start = self.pos;
        while self.peek().is_ascii_digit() {
            self.pos += 1;
        }
        if self.pos == start || is_name_char(self.peek()) {
            return None;
        }
        Some((self.text.get(start..self.pos)?, self.span(start, self.pos)))
    }

    /// Counts one more level of the builder's nesting; gives up beyond the limit (the
    /// builder reports E0003 there).
    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_NESTING).then_some(())
    }

    fn leave<T>(&mut self, t: Option<T>) -> Option<T> {
        self.depth -= 1;
        t
    }

    /// One more `sep ~ item` of a repetition (`("|" ~ plain_string)*`, `("." ~ ident)*`),
    /// whitespace around `sep` included: the item, or nothing taken when `sep` or the
    /// item is not there (pest ends the repetition before it).
    fn repeated<T>(&mut self, sep: u8, item: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let save = self.pos;
        self.skip();
        if self.peek() == sep {
            self.pos += 1;
            self.skip();
            if let Some(t) = item(self) {
                return Some(t);
            }
        }
        self.pos = save;
        None
    }

    /// `item ~ (sep ~ item)*`, and the whitespace after the last item (`in a, b`,
    /// a match arm's `p | q`).
    fn separated<T>(&mut self, sep: u8, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let mut out = vec![item(self)?];
        loop {
            self.skip();
            if self.peek() != sep {
                return Some(out);
            }
            self.pos += 1;
            self.skip();
            out.push(item(self)?);
        }
    }

    // ------------------------------------------------------------------ lists

    /// `(item ~ ("," ~ item)* ~ ","?)? ~ close`, from just after the opening bracket and
    /// the whitespace after it (`call_args`, `list`, `params`).
    fn comma_list<T>(&mut self, close: u8, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let mut out = Vec::new();
        if self.peek() != close {
            out.push(item(self)?);
            while let Some(next) = self.repeated(b',', |p| if p.peek() == close { None } else { item(p) }) {
                out.push(next);
            }
            self.skip();
            if self.peek() == b',' {
                self.pos += 1;
            }
        }
        self.skip();
        self.lit(&[close])?;
        Some(out)
    }

    /// `(item ~ (","? ~ item)* ~ ","?)?`, items starting where `starts` says (record
    /// fields, type fields, match arms). Ends where pest's group ends.
    fn loose_list<T>(
        &mut self,
        starts: fn(&Self) -> bool,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        let mut out = Vec::new();
        if !starts(self) {
            return Some(out);
        }
        out.push(item(self)?);
        loop {
            let save = self.pos;
            self.skip();
            if self.peek() == b',' {
                self.pos += 1;
                self.skip();
            }
            if !starts(self) {
                self.pos = save;
                break;
            }
            out.push(item(self)?);
        }
        self.skip();
        if self.peek() == b',' {
            self.pos += 1;
        }
        Some(out)
    }

    /// Whether a record key (`field_name | string`) starts here.
    fn key_starts(&self) -> bool {
        is_name_start(self.peek()) || self.peek() == b'"'
    }

    /// Whether a match arm's pattern starts here.
    fn pattern_starts(&self) -> bool {
        let b = self.peek();
        is_name_start(b) || b.is_ascii_digit() || b == b'"'
    }

    // ------------------------------------------------------------------ items

    /// `SOI ~ bom? ~ item* ~ EOI`.
    fn module(&mut self) -> Option<Vec<Item>> {
        self.skip();
        if self.at("\u{FEFF}".as_bytes()) {
            self.pos += 3;
        }
        self.skip();
        let mut items = Vec::new();
        while self.pos < self.src.len() {
            items.push(self.item()?);
            self.skip();
        }
        Some(items)
    }

    fn item(&mut self) -> Option<Item> {
        let start = self.pos;
        let doc = self.docs.before(start);
        let kind = match self.word() {
            "import" => self.import()?,
            "let" => self.let_decl()?,
            "type" => self.type_decl()?,
            "fn" => self.fn_decl()?,
            "composite" => self.composite_decl()?,
            "env" => self.env_decl()?,
            "component" => self.component_decl()?,
            "in" => self.override_block()?,
            _ => return None,
        };
        Some(Item { kind, doc, span: self.span(start, self.pos) })
    }

    /// `kw` and the whitespace after it.
    fn lead(&mut self, kw: &str) -> Option<()> {
        self.keyword(kw)?;
        self.skip();
        Some(())
    }

    fn import(&mut self) -> Option<ItemKind> {
        self.lead("import")?;
        let (path, path_span) = self.plain_string()?;
        self.skip();
        let alias = if self.word() == "as" {
            self.lead("as")?;
            Some(self.ident()?)
        } else {
            None
        };
        Some(ItemKind::Import(Import { path, path_span, alias }))
    }

    fn let_decl(&mut self) -> Option<ItemKind> {
        self.lead("let")?;
        let name = self.ident()?;
        self.skip();
        let (ty, value) = self.annotated()?;
        Some(ItemKind::Let(LetDecl { name, ty, value }))
    }

    /// `(":" ~ type_expr)? ~ "=" ~ expr`, after a name and the whitespace after it.
    fn annotated(&mut self) -> Option<(Option<TypeExpr>, Expr)> {
        let ty = if self.peek() == b':' {
            self.pos += 1;
            self.skip();
            Some(self.type_expr()?)
        } else {
            None
        };
        self.skip();
        self.lit(b"=")?;
        self.skip();
        Some((ty, self.expr()?))
    }

    fn type_decl(&mut self) -> Option<ItemKind> {
        self.lead("type")?;
        let name = self.ident()?;
        self.skip();
        self.lit(b"=")?;
        self.skip();
        Some(ItemKind::Type(TypeDecl { name, ty: self.type_expr()? }))
    }

    fn fn_decl(&mut self) -> Option<ItemKind> {
        self.lead("fn")?;
        let name = self.ident()?;
        self.skip();
        self.lit(b"(")?;
        self.skip();
        let params = self.comma_list(b')', Self::param)?;
        self.skip();
        self.lit(b"->")?;
        self.skip();
        let ret = self.type_expr()?;
        self.skip();
        self.lit(b"=")?;
        self.skip();
        Some(ItemKind::Fn(FnDecl { name, params, ret, body: self.expr()? }))
    }

    /// `ident ~ ":" ~ type_expr ~ ("=" ~ expr)?`.
    fn param(&mut self) -> Option<Param> {
        let start = self.pos;
        let name = self.ident()?;
        self.skip();
        self.lit(b":")?;
        self.skip();
        let ty = self.type_expr()?;
        self.skip();
        let default = self.default()?;
        Some(Param { name, ty, default, span: self.span(start, self.pos) })
    }

    /// `("=" ~ expr)?` at the end of a parameter or a type field.
    fn default(&mut self) -> Option<Option<Expr>> {
        if self.peek() != b'=' {
            return Some(None);
        }
        self.pos += 1;
        self.skip();
        Some(Some(self.expr()?))
    }

    fn composite_decl(&mut self) -> Option<ItemKind> {
        self.lead("composite")?;
        let (api_version, api_version_span) = self.plain_string()?;
        self.skip();
        let name = self.ident()?;
        self.skip();
        self.lit(b"(")?;
        self.skip();
        let param = self.param()?;
        self.skip();
        if self.peek() == b',' {
            self.pos += 1;
        }
        self.skip();
        self.lit(b")")?;
        self.skip();
        self.lit(b"=")?;
        self.skip();
        let body = self.expr()?;
        Some(ItemKind::Composite(CompositeDecl { api_version, api_version_span, name, param, body }))
    }

    fn env_decl(&mut self) -> Option<ItemKind> {
        self.lead("env")?;
        let name = self.ident()?;
        self.skip();
        let (fields, body_span) = self.record()?;
        Some(ItemKind::Env(EnvDecl { name, fields, body_span }))
    }

    fn component_decl(&mut self) -> Option<ItemKind> {
        self.lead("component")?;
        let name = self.ident()?;
        self.skip();
        let body = if self.peek() == b'{' {
            let (fields, span) = self.record()?;
            Expr { kind: ExprKind::Record(fields), span }
        } else {
            self.lit(b"=")?;
            self.skip();
            self.expr()?
        };
        Some(ItemKind::Component(ComponentDecl { name, body }))
    }

    /// `in a, b { path = value ... }`.
    fn override_block(&mut self) -> Option<ItemKind> {
        self.lead("in")?;
        let envs = self.separated(b',', Self::ident)?;
        self.lit(b"{")?;
        self.skip();
        let mut sets = Vec::new();
        while self.peek() != b'}' {
            sets.push(self.override_set()?);
            self.skip();
        }
        self.pos += 1;
        Some(ItemKind::Override(OverrideBlock { envs, sets }))
    }

    /// `path ~ "=" ~ !"=" ~ expr`.
    fn override_set(&mut self) -> Option<OverrideSet> {
        let start = self.pos;
        let path = self.path()?;
        self.skip();
        self.lit(b"=")?;
        self.skip();
        if self.peek() == b'=' {
            return None;
        }
        let value = self.expr()?;
        Some(OverrideSet { path, value, span: self.span(start, self.pos) })
    }

    /// `ident ~ ("." ~ field_name | "[" ~ string ~ "]")*`: the names.
    fn path(&mut self) -> Option<Vec<Ident>> {
        let mut path = vec![self.ident()?];
        loop {
            let save = self.pos;
            self.skip();
            match self.peek() {
                b'.' => {
                    self.pos += 1;
                    self.skip();
                    match self.field_name() {
                        Some(f) => path.push(f),
                        None => {
                            self.pos = save;
                            break;
                        }
                    }
                }
                b'[' => {
                    self.pos += 1;
                    self.skip();
                    if self.peek() != b'"' {
                        return None;
                    }
                    path.push(self.fixed_key()?);
                    self.skip();
                    self.lit(b"]")?;
                }
                _ => {
                    self.pos = save;
                    break;
                }
            }
        }
        Some(path)
    }

    /// A field name written bare or as a string without interpolation (an
    /// interpolated one is E0441: pest's builder reports it).
    fn fixed_key(&mut self) -> Option<Ident> {
        if self.peek() != b'"' {
            return self.field_name();
        }
        let start = self.pos;
        let name = self.string()?.as_plain()?;
        Some(Ident { name, span: self.span(start, self.pos) })
    }

    // ------------------------------------------------------------------ types

    /// `type_union | type_optional`.
    fn type_expr(&mut self) -> Option<TypeExpr> {
        self.enter()?;
        let t = if self.peek() == b'"' { self.type_union() } else { self.type_optional() };
        self.leave(t)
    }

    /// `"a" | "b" | ...`: one plain string or more. Pest's optimizer unrolls
    /// `("|" ~ plain_string)+` into `x ~ x*`, so with two members exactly the union also
    /// takes the whitespace after them (the skip before an empty `x*`).
    fn type_union(&mut self) -> Option<TypeExpr> {
        self.enter()?;
        let start = self.pos;
        let mut members = vec![self.plain_string()?];
        while let Some(member) = self.repeated(b'|', Self::plain_string) {
            members.push(member);
        }
        if members.len() == 2 {
            self.skip();
        }
        let t = TypeExpr { kind: TypeExprKind::Union(members), span: self.span(start, self.pos) };
        self.leave(Some(t))
    }

    /// `type_atom ~ "?"?`: the atom itself when there is no `?`.
    fn type_optional(&mut self) -> Option<TypeExpr> {
        self.enter()?;
        let start = self.pos;
        let atom = self.type_atom();
        let t = atom.map(|inner| {
            self.skip();
            if self.peek() == b'?' {
                self.pos += 1;
                TypeExpr { kind: TypeExprKind::Optional(Box::new(inner)), span: self.span(start, self.pos) }
            } else {
                inner
            }
        });
        self.leave(t)
    }

    fn type_atom(&mut self) -> Option<TypeExpr> {
        self.enter()?;
        let t = if self.peek() == b'{' { self.type_record() } else { self.type_named() };
        self.leave(t)
    }

    /// `k8s.Probe`, `List<Int>`.
    fn type_named(&mut self) -> Option<TypeExpr> {
        let start = self.pos;
        let mut path = vec![self.ident()?];
        while let Some(name) = self.repeated(b'.', Self::ident) {
            path.push(name);
        }
        self.skip();
        let mut args = Vec::new();
        if self.peek() == b'<' {
            self.pos += 1;
            self.skip();
            args.push(self.type_expr()?);
            self.skip();
            while self.peek() == b',' {
                self.pos += 1;
                self.skip();
                args.push(self.type_expr()?);
                self.skip();
            }
            self.lit(b">")?;
        }
        Some(TypeExpr { kind: TypeExprKind::Named { path, args }, span: self.span(start, self.pos) })
    }

    /// `{ name?: Type = default, ..., .. }`.
    fn type_record(&mut self) -> Option<TypeExpr> {
        let start = self.pos;
        self.lit(b"{")?;
        self.skip();
        let fields = self.loose_list(Self::key_starts, Self::type_field)?;
        self.skip();
        let open = self.at(b"..");
        if open {
            self.pos += 2;
        }
        self.skip();
        if self.peek() == b',' {
            self.pos += 1;
        }
        self.skip();
        self.lit(b"}")?;
        Some(TypeExpr { kind: TypeExprKind::Record { fields, open }, span: self.span(start, self.pos) })
    }

    fn type_field(&mut self) -> Option<TypeField> {
        let start = self.pos;
        let doc = self.docs.before(start);
        let name = self.fixed_key()?;
        self.skip();
        let optional = self.peek() == b'?';
        if optional {
            self.pos += 1;
        }
        self.skip();
        self.lit(b":")?;
        self.skip();
        let ty = self.type_expr()?;
        self.skip();
        let default = self.default()?;
        Some(TypeField { name, optional, ty, default, doc, span: self.span(start, self.pos) })
    }

    // ------------------------------------------------------------------ expressions

    /// `prefix* ~ postfix_expr ~ (infix ~ prefix* ~ postfix_expr)*`, climbed.
    fn expr(&mut self) -> Option<Expr> {
        self.enter()?;
        let e = self.binary();
        self.leave(e)
    }

    fn binary(&mut self) -> Option<Expr> {
        let mut prefixes = 0;
        let first = self.operand(&mut prefixes)?;
        self.skip();
        let Some(mut op) = self.infix() else { return Some(first) };
        let mut climb = Climb { operands: vec![first], ops: Vec::new() };
        loop {
            self.pos += op.1;
            self.skip();
            let rhs = self.operand(&mut prefixes)?;
            climb.push(op.0, rhs)?;
            let save = self.pos;
            self.skip();
            match self.infix() {
                Some(next) => op = next,
                None => {
                    self.pos = save;
                    break;
                }
            }
        }
        climb.finish()
    }

    /// The binary operator at `pos` and its length.
    fn infix(&self) -> Option<(BinaryOp, usize)> {
        let two = self.peek_at(1);
        Some(match self.peek() {
            b'w' if self.word() == "with" => (BinaryOp::With, 4),
            b'?' if two == b'?' => (BinaryOp::Coalesce, 2),
            b'|' if two == b'|' => (BinaryOp::Or, 2),
            b'&' if two == b'&' => (BinaryOp::And, 2),
            b'=' if two == b'=' => (BinaryOp::Eq, 2),
            b'!' if two == b'=' => (BinaryOp::Ne, 2),
            b'<' if two == b'=' => (BinaryOp::Le, 2),
            b'>' if two == b'=' => (BinaryOp::Ge, 2),
            b'<' => (BinaryOp::Lt, 1),
            b'>' => (BinaryOp::Gt, 1),
            b'+' => (BinaryOp::Add, 1),
            b'-' => (BinaryOp::Sub, 1),
            b'*' => (BinaryOp::Mul, 1),
            b'/' => (BinaryOp::Div, 1),
            b'%' => (BinaryOp::Rem, 1),
            _ => return None,
        })
    }

    /// `prefix* ~ postfix_expr`; `prefixes` counts the expression's prefix operators,
    /// which the builder bounds.
    fn operand(&mut self, prefixes: &mut usize) -> Option<Expr> {
        let mut ops = Vec::new();
        loop {
            let op = match self.peek() {
                b'!' => UnaryOp::Not,
                b'-' => UnaryOp::Neg,
                _ => break,
            };
            *prefixes += 1;
            if *prefixes > MAX_NESTING {
                return None;
            }
            ops.push((op, self.span(self.pos, self.pos + 1)));
            self.pos += 1;
            self.skip();
        }
        let mut e = self.postfix_expr()?;
        for (op, at) in ops.into_iter().rev() {
            e = meaning::unary(op, at, e);
        }
        Some(e)
    }

    /// `primary ~ (call_args | field_access | index)*`.
    fn postfix_expr(&mut self) -> Option<Expr> {
        let mut e = self.primary()?;
        self.skip();
        let mut save = self.pos;
        loop {
            let start = self.pos;
            e = match self.peek() {
                b'(' => {
                    self.pos += 1;
                    self.skip();
                    let args = self.comma_list(b')', Self::arg)?;
                    meaning::postfix(e, self.span(start, self.pos), |e| ExprKind::Call(e, args))
                }
                b'[' => {
                    self.pos += 1;
                    let i = self.bracketed(b"]")?;
                    meaning::postfix(e, self.span(start, self.pos), |e| ExprKind::Index(e, Box::new(i)))
                }
                b'.' => {
                    self.pos += 1;
                    self.skip();
                    let Some(f) = self.field_name() else { break };
                    meaning::postfix(e, self.span(start, self.pos), |e| ExprKind::Field(e, f))
                }
                _ => break,
            };
            save = self.pos;
            self.skip();
        }
        self.pos = save;
        Some(e)
    }

    /// `expr ~ close` after an opening bracket: the expression.
    fn bracketed(&mut self, close: &[u8]) -> Option<Expr> {
        self.skip();
        let e = self.expr()?;
        self.skip();
        self.lit(close)?;
        Some(e)
    }

    /// `(ident ~ ":")? ~ expr`.
    fn arg(&mut self) -> Option<Arg> {
        let save = self.pos;
        if let Some(name) = self.ident() {
            self.skip();
            if self.peek() == b':' {
                self.pos += 1;
                self.skip();
                return Some(Arg { name: Some(name), value: self.expr()? });
            }
            self.pos = save;
        }
        Some(Arg { name: None, value: self.expr()? })
    }

    fn primary(&mut self) -> Option<Expr> {
        let start = self.pos;
        let kind = match self.peek() {
            b'"' => ExprKind::Str(self.string()?),
            b'[' => return self.list_or_comprehension(),
            b'{' => {
                let (fields, span) = self.record()?;
                return Some(Expr { kind: ExprKind::Record(fields), span });
            }
            b'(' => {
                self.pos += 1;
                let e = self.bracketed(b")")?;
                return Some(Expr { kind: e.kind, span: self.span(start, self.pos) });
            }
            b'0'..=b'9' => ExprKind::Int(meaning::int_value(self.int_lit()?.0)?),
            _ => return self.word_primary(),
        };
        Some(Expr { kind, span: self.span(start, self.pos) })
    }

    /// A primary that starts with a word: a keyword's form, a literal or a name.
    fn word_primary(&mut self) -> Option<Expr> {
        let start = self.pos;
        let w = self.word();
        let kind = match w {
            "if" => return self.if_expr(),
            "match" => return self.match_expr(),
            "let" => return self.let_in(),
            "none" => ExprKind::None,
            "true" => ExprKind::Bool(true),
            "false" => ExprKind::Bool(false),
            "env" => ExprKind::Env,
            _ => ExprKind::Ident(self.ident()?),
        };
        self.pos = start + w.len();
        Some(Expr { kind, span: self.span(start, self.pos) })
    }

    /// `[items]` or `[for ...]`.
    fn list_or_comprehension(&mut self) -> Option<Expr> {
        let start = self.pos;
        self.pos += 1;
        self.skip();
        if self.word() == "for" {
            return self.comprehension(start);
        }
        let items = self.comma_list(b']', Self::list_item)?;
        Some(Expr { kind: ExprKind::List(items), span: self.span(start, self.pos) })
    }

    fn list_item(&mut self) -> Option<ListItem> {
        if self.at(b"...") {
            self.pos += 3;
            self.skip();
            return Some(ListItem::Spread(self.expr()?));
        }
        Some(ListItem::Item(self.expr()?))
    }

    /// `[for k, v in iter if cond: body]`, from `for`.
    fn comprehension(&mut self, start: usize) -> Option<Expr> {
        self.lead("for")?;
        let first = self.ident()?;
        self.skip();
        let (key, var) = if self.peek() == b',' {
            self.pos += 1;
            self.skip();
            let second = self.ident()?;
            self.skip();
            (Some(first), second)
        } else {
            (None, first)
        };
        self.lead("in")?;
        let iter = self.expr()?;
        self.skip();
        let cond = if self.word() == "if" {
            self.lead("if")?;
            let c = self.expr()?;
            self.skip();
            Some(c)
        } else {
            None
        };
        self.lit(b":")?;
        self.skip();
        let body = self.expr()?;
        self.skip();
        self.lit(b"]")?;
        let kind = ExprKind::For(Box::new(ForExpr { key, var, iter, cond, body }));
        Some(Expr { kind, span: self.span(start, self.pos) })
    }

    /// `{ key: value ... }`: the fields and the span.
    fn record(&mut self) -> Option<(Vec<RecordField>, Span)> {
        let start = self.pos;
        self.lit(b"{")?;
        self.skip();
        let fields = self.loose_list(Self::key_starts, Self::record_field)?;
        self.skip();
        self.lit(b"}")?;
        Some((fields, self.span(start, self.pos)))
    }

    fn record_field(&mut self) -> Option<RecordField> {
        let start = self.pos;
        let doc = self.docs.before(start);
        let key = if self.peek() == b'"' {
            let s = self.string()?;
            meaning::string_key(s, self.span(start, self.pos))
        } else {
            let f = self.field_name()?;
            Key::Static(f.name.into(), f.span)
        };
        self.skip();
        self.lit(b":")?;
        self.skip();
        let value = self.expr()?;
        Some(RecordField { key, value, doc, span: self.span(start, self.pos) })
    }

    /// `if c then t (else if c then t)* else e`.
    fn if_expr(&mut self) -> Option<Expr> {
        let start = self.pos;
        self.lead("if")?;
        let mut parts = Vec::new();
        loop {
            parts.push(self.expr()?);
            self.skip();
            self.lead("then")?;
            parts.push(self.expr()?);
            self.skip();
            let save = self.pos;
            self.lead("else")?;
            if self.word() != "if" {
                self.pos = save;
                break;
            }
            self.lead("if")?;
        }
        self.lead("else")?;
        let last = self.expr()?;
        parts.push(last);
        meaning::fold_if(parts, self.span(start, self.pos))
    }

    /// `match subject { pattern | pattern => body ... }`.
    fn match_expr(&mut self) -> Option<Expr> {
        let start = self.pos;
        self.lead("match")?;
        let subject = self.expr()?;
        self.skip();
        self.lit(b"{")?;
        self.skip();
        let arms = self.loose_list(Self::pattern_starts, Self::arm)?;
        self.skip();
        self.lit(b"}")?;
        Some(Expr { kind: ExprKind::Match(Box::new(subject), arms), span: self.span(start, self.pos) })
    }

    fn arm(&mut self) -> Option<Arm> {
        let start = self.pos;
        let patterns = self.separated(b'|', Self::pattern)?;
        self.lit(b"=>")?;
        self.skip();
        let body = self.expr()?;
        Some(Arm { patterns, body, span: self.span(start, self.pos) })
    }

    /// `wildcard | plain_string | int_lit | bool_lit | ident`.
    fn pattern(&mut self) -> Option<Pattern> {
        let start = self.pos;
        let b = self.peek();
        if b == b'_' && !is_name_char(self.peek_at(1)) {
            self.pos += 1;
            return Some(Pattern::Wildcard(self.span(start, self.pos)));
        }
        if b == b'"' {
            let (s, span) = self.plain_string()?;
            return Some(Pattern::Str(s, span));
        }
        if b.is_ascii_digit() {
            let (digits, span) = self.int_lit()?;
            return Some(Pattern::Int(meaning::int_value(digits)?, span));
        }
        let w = self.word();
        if w == "true" || w == "false" {
            self.pos += w.len();
            return Some(Pattern::Bool(w == "true", self.span(start, self.pos)));
        }
        Some(Pattern::Name(self.ident()?))
    }

    /// `(let name: Type = value in)+ body`.
    fn let_in(&mut self) -> Option<Expr> {
        let start = self.pos;
        let mut bindings: Vec<Binding> = Vec::new();
        loop {
            let bstart = self.pos;
            self.lead("let")?;
            let name = self.ident()?;
            self.skip();
            let (ty, value) = self.annotated()?;
            self.skip();
            self.keyword("in")?;
            bindings.push((name, ty, value, self.span(bstart, self.pos)));
            let save = self.pos;
            self.skip();
            if self.word() != "let" {
                self.pos = save;
                break;
            }
        }
        self.skip();
        let body = self.expr()?;
        Some(meaning::fold_let_in(bindings, body, self.span(start, self.pos)))
    }

    // ------------------------------------------------------------------ strings

    /// `\n`, `\u{e9}`, ... at `pos`: its text, consumed.
    fn escape(&mut self) -> Option<char> {
        let start = self.pos;
        let len = match self.peek_at(1) {
            b'"' | b'\\' | b'n' | b't' | b'r' | b'{' | b'}' => 2,
            b'u' if self.peek_at(2) == b'{' => {
                let hex = (3..9).take_while(|&i| self.peek_at(i).is_ascii_hexdigit()).count();
                if hex == 0 || self.peek_at(3 + hex) != b'}' {
                    return None;
                }
                4 + hex
            }
            _ => return None,
        };
        self.pos += len;
        meaning::escape_char(self.text.get(start..self.pos)?)
    }

    /// Literal text up to the next byte `stop` says ends it (at least one byte).
    fn text_run(&mut self, stop: impl Fn(&[u8]) -> bool) -> Option<&'t str> {
        let start = self.pos;
        while self.pos < self.src.len() && !stop(&self.src[self.pos..]) {
            self.pos += 1;
        }
        if self.pos == start {
            return None;
        }
        self.text.get(start..self.pos)
    }

    /// `"..."` or `"""..."""`, with interpolations.
    fn string(&mut self) -> Option<StrExpr> {
        let triple = self.at(b"\"\"\"");
        let close: &[u8] = if triple { b"\"\"\"" } else { b"\"" };
        self.pos += close.len();
        let mut parts = Vec::new();
        while !self.at(close) {
            match self.peek() {
                b'\\' => meaning::push_text(&mut parts, self.escape()?.encode_utf8(&mut [0; 4])),
                b'{' => {
                    self.pos += 1;
                    parts.push(StrPart::Interp(self.bracketed(b"}")?));
                }
                _ if triple => meaning::push_text(&mut parts, self.text_run(triple_stop)?),
                _ => meaning::push_text(&mut parts, self.text_run(quoted_stop)?),
            }
        }
        self.pos += close.len();
        Some(meaning::string(parts, triple))
    }

    /// `"..."` without interpolation: its text and span.
    fn plain_string(&mut self) -> Option<(String, Span)> {
        let start = self.pos;
        self.lit(b"\"")?;
        let mut s = String::new();
        while self.peek() != b'"' {
            match self.peek() {
                b'\\' => s.push(self.escape()?),
                b'{' => return None,
                _ => s.push_str(self.text_run(quoted_stop)?),
            }
        }
        self.pos += 1;
        Some((s, self.span(start, self.pos)))
    }
}

/// Where text in a `"` string stops (`str_text`).
fn quoted_stop(rest: &[u8]) -> bool {
    matches!(rest.first(), Some(b'"' | b'\\' | b'{' | b'\n'))
}

/// Where text in a `"""` string stops (`triple_text`).
fn triple_stop(rest: &[u8]) -> bool {
    matches!(rest.first(), Some(b'\\' | b'{')) || rest.starts_with(b"\"\"\"")
}

#[cfg(test)]
mod tests {
    use crate::ast::Module;
    use crate::parser::{on_parser_stack, parse_fast, parse_with_pest};
    use cedc_diagnostics::{Diagnostic, FileId};

    /// Both parsers on `src`, on the parser's large stack.
    fn both(src: &str) -> (Option<Module>, Result<Module, Diagnostic>) {
        on_parser_stack(|| (parse_fast(FileId(0), src), parse_with_pest(FileId(0), src)))
            .unwrap_or_else(|| panic!("the parsers failed on {src:?}"))
    }

    /// The fast parser accepts `src` and builds pest's module.
    #[track_caller]
    fn same(src: &str) {
        let (fast, pest) = both(src);
        let pest = pest.unwrap_or_else(|d| panic!("pest rejects {src:?}: {d:?}"));
        let fast = fast.unwrap_or_else(|| panic!("the fast parser gives up on {src:?}"));
        assert_eq!(fast, pest, "{src:?}");
    }

    /// The fast parser gives up on `src`; pest reports `code`.
    #[track_caller]
    fn gives_up(src: &str, code: &str) {
        let (fast, pest) = both(src);
        assert_eq!(fast, None, "{src:?}");
        let d = pest.err().unwrap_or_else(|| panic!("pest accepts {src:?}"));
        assert_eq!(d.code, code, "{src:?}: {d:?}");
    }

    #[test]
    fn hyphens_make_names_or_subtractions() {
        for e in ["a-b", "a - b", "a -b", "a- b", "a--b", "a - -b", "1-2", "x-1 - 2", "a-b-c - d-e"] {
            same(&format!("let v = {e}\n"));
        }
        gives_up("let v = a-\n", "E0001");
        gives_up("let v = 1a\n", "E0001");
    }

    #[test]
    fn keywords_end_at_a_word_boundary() {
        same("let letx = 1\nlet let-x = letx\nlet in-x = if-x\nlet v = iffy\n");
        same("let v = a with b with { c: 1 }\nlet w = withb\nlet x = with-y\n");
        same("let v = none\nlet w = none-x\nlet t = true-ish\nlet e = env.domain\nlet f = env-name\n");
        gives_up("letx = 1\n", "E0001");
        gives_up("let with = 1\n", "E0001");
        gives_up("let v = a withb\n", "E0001");
    }

    #[test]
    fn operators_climb_by_precedence_and_associativity() {
        same("let v = -1 + 2 * 3 - x ?? y ?? z || a && b == c != d < e <= f > g >= h % i / j\n");
        same("let v = !a == !b with c\nlet w = --x\nlet x = !-!y.z(1)[2]\nlet y = a ?? b ?? c\n");
        same("let v = a - b - c + d\nlet w = a * b / c % d\nlet x = (a + b) * c\n");
    }

    #[test]
    fn whitespace_and_comments_go_where_pest_skips_them() {
        same("let v = a // trailing\n  . b /// doc\n  ( x : 1 ) [ 0 ] // after\n\n/// item doc\nlet w = 1\n");
        same("\u{FEFF}// c\nlet v = 1\n");
        same("// c\n\u{FEFF}let v = 1\n");
        same("let v = {\r\n  a: 1 // one\r\n  /// b's doc\r\n  b: 2\r\n}\r\n");
        same("");
        same("// only a comment");
        same("let v = \"{ x // inside\n }\"\n");
    }

    #[test]
    fn commas_are_optional_between_fields_and_arms() {
        same("let v = { a: 1 b: 2, c: 3, }\nlet w = {}\n");
        same("type T = { a: Int b?: String, \"c.d\": Int = 1, .., }\n");
        same("type T = { .. }\ntype U = {,}\ntype V = { a: Int,, }\ntype W = { a: Int = x .. }\n");
        same("let v = match x { 1 => a 2 => b, \"s\" | \"t\" => c, true => d, _ => e, }\n");
        same("let v = match env { prod | staging => 1 _ => 2 }\nlet w = match x {}\n");
    }

    #[test]
    fn types() {
        same("type T = \"a\"\ntype U = \"a\" | \"b\"\n\n// c\ntype V = \"a\" | \"b\" | \"c\"  \n");
        same("type T = Map<List<Int>>?\ntype U = k8s . Probe\ntype V = { a: Map<String, Int>? }\n");
        same("type T = \"a\"  // c\nlet x: Int = 1\nlet y: List< Int > = []\n");
    }

    #[test]
    fn lists_comprehensions_and_calls() {
        same("let v = [1, ...xs, [for x in xs: x], [for k, v in m if v != 0: k], [ for x in [1] : x ] ]\n");
        same("let v = f(a, name: b, c,)\nlet w = f()\nlet x = f(a)(b).c[d]\nlet y = [a\n[0]]\n");
        same("let v = [forx, for-y]\n");
    }

    #[test]
    fn chains_of_lets_and_ifs() {
        same("let v = let a = 1 in let b: Int = a in a + b\n");
        same("let v = if a then b else if c then d else if e then f else g\n\n// after\nlet w = 1\n");
        same("let v = if a then if b then c else d else e\n");
    }

    #[test]
    fn declarations() {
        same("import \"std/k8s\"\nimport \"./a.ced\" as a\n\nlet x = 1\n");
        same("fn f(a: Int, b: String = \"x\",) -> Int = a\nfn g() -> Int = 1\n");
        same("composite \"x.org/v1\" X(spec: S,) = { a: spec }\nenv prod { domain: \"p\" }\n");
        same("component web { namespace: \"web\" }\ncomponent api = base with { namespace: \"api\" }\n");
        same("in staging, prod { web.replicas = 1 web[\"grafana.ini\"].x = 2 m [ \"a\" ] = -3 }\n");
        gives_up("in staging { a == 1 }\n", "E0001");
        gives_up("in staging { m[k] = 1 }\n", "E0001");
    }

    #[test]
    fn strings() {
        same("let v = \"a\\n\\t\\r\\\"\\\\\\{\\}\\u{e9}{x}}\"\nlet w = \"{ \"{y}\" }\"\n");
        same("let v = \"\"\"\n    a: {x}\n      b\n    \"\"\"\nlet w = \"\"\"\"q\"\"\"\nlet x = \"\"\"\"\"\"\n");
        same("let v = { \"k\": 1, \"{p}-k\": 2, \"\"\"t\"\"\": 3 }\n");
        gives_up("let v = \"a\nb\"\n", "E0001");
        gives_up("let v = \"\\q\"\n", "E0001");
        gives_up("let v = \"\\u{110000}\"\n", "E0004");
        gives_up("let v = \"\\u{1234567}\"\n", "E0001");
        gives_up("import \"a{b}\"\n", "E0001");
    }

    #[test]
    fn what_the_builder_reports_is_left_to_pest() {
        gives_up("type T = { \"{k}\": Int }\n", "E0441");
        gives_up("in staging { m[\"{k}\"] = 1 }\n", "E0441");
        gives_up("let v = 99999999999999999999\n", "E0004");
        gives_up("let v = match x { 99999999999999999999 => 1 }\n", "E0004");
        gives_up(&format!("let v = {}x\n", "-".repeat(129)), "E0003");
        same(&format!("let v = {}x\n", "!".repeat(128)));
        gives_up(&format!("let v = {}1{}\n", "if c then ".repeat(130), " else 2".repeat(130)), "E0003");
        gives_up(&format!("type T = {}Int{}\n", "List<".repeat(50), ">".repeat(50)), "E0003");
    }

    #[test]
    fn pieces_of_a_file_parse_as_pest_parses_them() {
        // Pieces start at a declaration, with the `///` lines above the cut as docs.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../stdlib");
        let mut compared = 0;
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let Ok(text) = std::fs::read_to_string(e.path()) else { continue };
            let mut bounds = crate::pieces::cuts(&text, text.len());
            bounds.push(text.len());
            for w in bounds.windows(2) {
                let pest = crate::parser::pest_piece(FileId(0), &text, w[0]..w[1]);
                let fast = super::parse_piece(FileId(0), &text, w[0]..w[1]);
                assert_eq!(fast, pest.ok(), "{}: the piece {:?}", e.path().display(), w);
                compared += usize::from(fast.is_some());
            }
        }
        assert!(compared > 80, "pieces both parsed: {compared}");
    }

    #[test]
    fn long_chains_do_not_recurse() {
        let n = 20_000;
        gives_up(&format!("let v = a{}\n", " + a".repeat(n)), "E0003");
        gives_up(&format!("let v = a{}\n", " ?? a".repeat(n)), "E0003");
        gives_up(&format!("let v = a{}\n", ".b".repeat(n)), "E0003");
        gives_up(&format!("let v = {}1\n", "let a = 1 in ".repeat(n)), "E0003");
        gives_up(&format!("let v = if c then 1{} else 2\n", " else if c then 1".repeat(n)), "E0003");
        same(&format!("let v = a{}\n", " + a".repeat(500)));
    }
}
