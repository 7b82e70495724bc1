//! From source text to [`ast::Module`]: the pest parser, a nesting guard that runs
//! first (so deeply nested input gets a diagnostic, not a stack overflow), and the
//! builder that turns pest pairs into AST nodes with spans. Each piece of a file is
//! first given to the fast parser (`crate::fast`), which builds the same module for the
//! inputs it accepts; pest runs on the others, and reports every error.

use crate::ast::*;
use crate::meaning::{self, Docs, INFIX_LEVELS};
use cedc_diagnostics::{Diagnostic, FileId, Span};
use pest::Parser as _;
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use std::sync::OnceLock;

#[derive(pest_derive::Parser)]
#[grammar = "grammar.pest"]
struct CedParser;

/// Deepest bracket / expression nesting accepted. Real configuration stays far below;
/// the limit keeps every recursive phase (parser, checker, evaluator) on a bounded stack.
pub const MAX_NESTING: usize = 128;

/// Parse one file. On a syntax error the module is `None` and the diagnostic says what
/// was expected where.
pub fn parse(file: FileId, text: &str) -> Result<Module, Diagnostic> {
    check_nesting(file, text)?;
    on_big_stack(|| parse_module(file, text))
}

/// Stack for parsing: pest recurses once per nesting level, and a debug build's frames
/// are large. The memory is reserved, not committed, until used.
const PARSE_STACK: usize = 512 << 20;

fn on_big_stack<T: Send>(f: impl FnOnce() -> Result<T, Diagnostic> + Send) -> Result<T, Diagnostic> {
    std::thread::scope(|s| match parser_thread(s, f) {
        Ok(handle) => handle.join().unwrap_or_else(|_| {
            Err(Diagnostic::error("E0001", "the parser failed on this file")
                .help("this is a bug in cedc; please report it with the file"))
        }),
        Err(_) => Err(Diagnostic::error("E0001", "could not start the parser thread")
            .help("the machine is out of memory or threads")),
    })
}

/// A thread of scope `s` with the parser's stack, running `f`.
fn parser_thread<'s, T: Send + 's>(
    s: &'s std::thread::Scope<'s, '_>,
    f: impl FnOnce() -> T + Send + 's,
) -> std::io::Result<std::thread::ScopedJoinHandle<'s, T>> {
    std::thread::Builder::new().name("cedc-parse".into()).stack_size(PARSE_STACK).spawn_scoped(s, f)
}

fn parse_module(file: FileId, text: &str) -> Result<Module, Diagnostic> {
    let pieces = if text.len() >= PIECES_FROM { text.len().div_ceil(PIECES_FROM).min(cores()) } else { 1 };
    let cuts = crate::pieces::cuts(text, pieces);
    if !cuts.is_empty()
        && let Some(module) = parse_pieces(file, text, &cuts)
    {
        return Ok(module);
    }
    parse_piece(file, text, 0..text.len())
}

/// A file this long or longer is parsed in pieces about this long, one per core at most
/// (`crate::pieces`).
const PIECES_FROM: usize = 32 << 10;

/// The cores this process may use, asked once.
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
}

/// `text` cut at `cuts`, each piece parsed on a thread of its own: the module, or
/// `None` when a piece does not parse alone (then the whole file is parsed as one, so
/// that what is reported never depends on the cuts).
fn parse_pieces(file: FileId, text: &str, cuts: &[usize]) -> Option<Module> {
    let bounds: Vec<usize> = std::iter::once(0).chain(cuts.iter().copied()).chain([text.len()]).collect();
    let ranges: Vec<std::ops::Range<usize>> = bounds.windows(2).map(|w| w[0]..w[1]).collect();
    let parsed: Vec<Option<Module>> = std::thread::scope(|s| {
        let (first, rest) = ranges.split_first()?;
        let handles: Vec<_> =
            rest.iter().map(|r| parser_thread(s, move || parse_piece(file, text, r.clone()).ok())).collect();
        let mut parsed = vec![parse_piece(file, text, first.clone()).ok()];
        for h in handles {
            parsed.push(h.ok().and_then(|h| h.join().ok()).flatten());
        }
        Some(parsed)
    })?;
    let mut module = Module { items: Vec::new(), comments: Vec::new() };
    for piece in parsed {
        let piece = piece?;
        module.items.extend(piece.items);
        module.comments.extend(piece.comments);
    }
    Some(module)
}

/// Parse the declarations of `text[range]` (the whole file, or a piece of it that
/// starts at a declaration, `crate::pieces`), with spans in the whole file: by the fast
/// path (`crate::fast`) when it accepts the piece, which gives the very module pest
/// would; by pest otherwise, which also reports every error.
fn parse_piece(file: FileId, text: &str, range: std::ops::Range<usize>) -> Result<Module, Diagnostic> {
    if let Some(module) = crate::fast::parse_piece(file, text, range.clone()) {
        return Ok(module);
    }
    pest_piece(file, text, range)
}

/// [`parse_piece`] by pest and the [`Builder`].
pub(crate) fn pest_piece(file: FileId, text: &str, range: std::ops::Range<usize>) -> Result<Module, Diagnostic> {
    let base = range.start;
    let piece = &text[range];
    let mut pairs = CedParser::parse(Rule::file, piece).map_err(|e| syntax_error(file, base, piece, e))?;
    let Some(root) = pairs.next() else {
        return Ok(Module { items: Vec::new(), comments: Vec::new() });
    };
    let comments: Vec<Comment> = root
        .clone()
        .into_inner()
        .flatten()
        .filter(|p| matches!(p.as_rule(), Rule::doc_comment | Rule::line_comment))
        .map(|p| Comment {
            doc: p.as_rule() == Rule::doc_comment,
            text: p.as_str().to_string(),
            span: span_of(file, base, &p),
        })
        .collect();
    // The `///` lines that end the piece before document this piece's first declaration.
    let mut docs = Docs::above(file, text, base);
    comments.iter().for_each(|c| docs.push(c));
    let mut b = Builder { file, base, depth: 0, docs };
    let items = b.items(root.into_inner())?;
    check_ast_depth(&items)?;
    Ok(Module { items, comments })
}

/// Parse a single expression (used by tests and tools).
pub fn parse_expr(file: FileId, text: &str) -> Result<Expr, Diagnostic> {
    check_nesting(file, text)?;
    let mut pairs = CedParser::parse(Rule::expr, text).map_err(|e| syntax_error(file, 0, text, e))?;
    let pair = pairs.next().ok_or_else(|| {
        Diagnostic::error("E0001", "expected an expression")
            .at(Span::new(file, 0, 0), "here")
            .help("write an expression such as `1`, `\"text\"` or `{ a: 1 }`")
    })?;
    if pair.as_span().end() != text.trim_end().len() {
        let at = pair.as_span().end();
        return Err(Diagnostic::error("E0001", "unexpected input after the expression")
            .at(Span::new(file, at, text.len()), "not part of the expression")
            .help("remove the extra text"));
    }
    Builder { file, base: 0, depth: 0, docs: Docs::none(text) }.expr(pair)
}

/// For tests only (`crate::__parse_with_pest`): [`parse`] of the whole file by pest
/// and the builder, never the fast path. Runs on the caller's thread, which must have
/// a large stack for deeply nested or long-chained input (pest recurses).
pub fn parse_with_pest(file: FileId, text: &str) -> Result<Module, Diagnostic> {
    check_nesting(file, text)?;
    pest_piece(file, text, 0..text.len())
}

/// For tests only (`crate::__parse_fast`): [`parse`] of the whole file by the fast path
/// alone; `None` where it gives up (or the nesting guard rejects the file). Runs on the
/// caller's thread (dropping a rejected deep tree recurses: give it a large stack).
pub fn parse_fast(file: FileId, text: &str) -> Option<Module> {
    check_nesting(file, text).ok()?;
    crate::fast::parse_piece(file, text, 0..text.len())
}

/// For tests only (`crate::__on_parser_stack`): `f` on a thread with the parser's
/// stack; `None` if the thread could not start or `f` panicked.
pub fn on_parser_stack<T: Send>(f: impl FnOnce() -> T + Send) -> Option<T> {
    on_big_stack(|| Ok(f())).ok()
}

/// The span of `p`, parsed from a piece of its file that starts at byte `base`.
fn span_of(file: FileId, base: usize, p: &Pair<Rule>) -> Span {
    Span::new(file, base + p.as_span().start(), base + p.as_span().end())
}

/// Reject input nested deeper than [`MAX_NESTING`] before pest recurses into it.
fn check_nesting(file: FileId, text: &str) -> Result<(), Diagnostic> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'\\' => i += 1,
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(too_deep(Span::new(file, i, i + 1)));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Deepest expression tree accepted. Long chains (`a + b + ...`, `else if`, `let ... in`,
/// `.a.b.c`) are parsed as repetitions, but they still build deep trees that the checker
/// and the evaluator walk recursively; this bounds them.
pub const MAX_AST_DEPTH: usize = 512;

/// Walk every expression without recursion and reject trees deeper than
/// [`MAX_AST_DEPTH`]. Runs on the parser's thread, so a rejected tree is also dropped
/// there (dropping a deep tree recurses too).
pub(crate) fn check_ast_depth(items: &[Item]) -> Result<(), Diagnostic> {
    let mut deepest: Option<&Expr> = None;
    for item in items {
        crate::visit::walk_item(&item.kind, &mut |e, d| {
            if deepest.is_some() {
                return false;
            }
            if d > MAX_AST_DEPTH {
                deepest = Some(e);
                return false;
            }
            true
        });
    }
    match deepest {
        None => Ok(()),
        Some(e) => Err(Diagnostic::error("E0003", format!("expression nested deeper than {MAX_AST_DEPTH} levels"))
            .at(
                Span::new(e.span.file, e.span.start as usize, (e.span.start as usize + 1).min(e.span.end as usize)),
                "too deep here",
            )
            .help("split long chains into named `let` declarations or functions")),
    }
}

fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::error("E0003", format!("nesting deeper than {MAX_NESTING} levels"))
        .at(span, "too deep here")
        .help("split the value into named `let` declarations or functions")
}

/// The diagnostic of a syntax error `e` in `text`, a piece of its file that starts at
/// byte `base`.
fn syntax_error(file: FileId, base: usize, text: &str, e: pest::error::Error<Rule>) -> Diagnostic {
    use pest::error::{ErrorVariant, InputLocation};
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let end = text[pos.min(text.len())..].chars().next().map(|c| pos + c.len_utf8()).unwrap_or(pos);
    let found = text[pos.min(text.len())..]
        .split(|c: char| c.is_whitespace())
        .next()
        .filter(|s| !s.is_empty())
        .map(|s| format!("found `{}`", s.chars().take(20).collect::<String>()))
        .unwrap_or_else(|| "found the end of the file".to_string());
    let expected = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = positives.iter().filter_map(|r| describe(*r)).collect();
            names.sort();
            names.dedup();
            names
        }
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let message = if expected.is_empty() {
        format!("unexpected input: {found}")
    } else {
        format!("expected {}; {found}", join_or(&expected))
    };
    Diagnostic::error("E0001", message)
        .at(Span::new(file, base + pos, base + end), "unexpected here")
        .help("check the syntax in docs/language.md; a common cause is a missing `,`, `:`, `=` or closing bracket on the line before")
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// What a rule means to a user, for "expected ..." messages.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of file",
        Rule::import
        | Rule::let_decl
        | Rule::type_decl
        | Rule::fn_decl
        | Rule::composite_decl
        | Rule::env_decl
        | Rule::component_decl
        | Rule::override_block => {
            "a declaration (`let`, `type`, `fn`, `composite`, `env`, `component`, `import` or `in`)"
        }
        Rule::expr
        | Rule::postfix_expr
        | Rule::if_expr
        | Rule::match_expr
        | Rule::let_in
        | Rule::comprehension
        | Rule::list
        | Rule::record
        | Rule::none_lit
        | Rule::bool_lit
        | Rule::int_lit
        | Rule::string
        | Rule::env_kw
        | Rule::paren
        | Rule::not
        | Rule::neg => "an expression",
        Rule::with
        | Rule::coalesce
        | Rule::or
        | Rule::and
        | Rule::eq
        | Rule::ne
        | Rule::le
        | Rule::ge
        | Rule::lt
        | Rule::gt
        | Rule::add
        | Rule::sub
        | Rule::mul
        | Rule::div
        | Rule::rem => "an operator",
        Rule::call_args | Rule::field_access | Rule::index => "`(`, `.` or `[`",
        Rule::ident | Rule::path => "a name",
        Rule::path_key => "`[\"key\"]`",
        Rule::field_name => "a field name",
        Rule::record_field => "a field (`name: value`)",
        Rule::type_expr | Rule::type_union | Rule::type_optional | Rule::type_named | Rule::type_record => "a type",
        Rule::type_field => "a field type (`name: Type`)",
        Rule::type_args => "type arguments (`<...>`)",
        Rule::optional_mark => "`?`",
        Rule::open_mark => "`..`",
        Rule::params | Rule::param => "a parameter (`name: Type`)",
        Rule::arg => "an argument",
        Rule::arm => "a match arm (`pattern => value`)",
        Rule::pattern | Rule::wildcard => "a pattern",
        Rule::override_set => "an override (`name.field = value`)",
        Rule::plain_string | Rule::quoted_string | Rule::triple_string => "a string",
        Rule::str_text | Rule::triple_text | Rule::escape | Rule::interpolation => "string text",
        Rule::spread => "`...`",
        _ => return None,
    })
}

fn pratt() -> &'static PrattParser<Rule> {
    static P: OnceLock<PrattParser<Rule>> = OnceLock::new();
    P.get_or_init(|| {
        let mut pratt = PrattParser::new();
        for (ops, right) in INFIX_LEVELS {
            let assoc = if right { Assoc::Right } else { Assoc::Left };
            let level = ops.iter().map(|&op| Op::infix(rule_of(op), assoc)).reduce(|a, b| a | b);
            if let Some(level) = level {
                pratt = pratt.op(level);
            }
        }
        pratt.op(Op::prefix(Rule::not) | Op::prefix(Rule::neg))
    })
}

/// The grammar rule of a binary operator.
fn rule_of(op: BinaryOp) -> Rule {
    match op {
        BinaryOp::With => Rule::with,
        BinaryOp::Coalesce => Rule::coalesce,
        BinaryOp::Or => Rule::or,
        BinaryOp::And => Rule::and,
        BinaryOp::Eq => Rule::eq,
        BinaryOp::Ne => Rule::ne,
        BinaryOp::Lt => Rule::lt,
        BinaryOp::Le => Rule::le,
        BinaryOp::Gt => Rule::gt,
        BinaryOp::Ge => Rule::ge,
        BinaryOp::Add => Rule::add,
        BinaryOp::Sub => Rule::sub,
        BinaryOp::Mul => Rule::mul,
        BinaryOp::Div => Rule::div,
        BinaryOp::Rem => Rule::rem,
    }
}

/// The binary operator of a grammar rule, if it is one.
fn binary_of(rule: Rule) -> Option<BinaryOp> {
    INFIX_LEVELS.iter().flat_map(|(ops, _)| ops.iter()).copied().find(|&op| rule_of(op) == rule)
}

type R<T> = Result<T, Diagnostic>;

struct Builder<'t> {
    file: FileId,
    /// Where in the file the piece being built starts: pairs' positions are in the
    /// piece, every span in the whole file.
    base: usize,
    depth: usize,
    /// Every `///` line that may document something in the piece.
    docs: Docs<'t>,
}

/// Children of a pair without comments.
fn kids(p: Pair<Rule>) -> impl Iterator<Item = Pair<Rule>> {
    p.into_inner().filter(|c| !matches!(c.as_rule(), Rule::COMMENT | Rule::doc_comment | Rule::line_comment))
}

impl Builder<'_> {
    /// The `///` lines directly above `start` (only whitespace between them).
    fn doc_before(&self, start: usize) -> Option<String> {
        self.docs.before(start)
    }

    fn span(&self, p: &Pair<Rule>) -> Span {
        span_of(self.file, self.base, p)
    }

    fn ident(&self, p: Pair<Rule>) -> Ident {
        Ident { name: p.as_str().to_string(), span: self.span(&p) }
    }

    fn items(&mut self, pairs: Pairs<Rule>) -> R<Vec<Item>> {
        let mut items = Vec::new();
        for p in pairs {
            if !matches!(p.as_rule(), Rule::COMMENT | Rule::EOI) {
                let doc = self.doc_before(self.base + p.as_span().start());
                items.push(self.item(p, doc)?);
            }
        }
        Ok(items)
    }

    fn item(&mut self, p: Pair<Rule>, doc: Option<String>) -> R<Item> {
        let span = self.span(&p);
        let rule = p.as_rule();
        let mut it = kids(p);
        let kind = match rule {
            Rule::import => {
                let path = next(&mut it)?;
                let path_span = self.span(&path);
                let path_text = self.plain_string(path)?;
                ItemKind::Import(Import { path: path_text, path_span, alias: it.next().map(|a| self.ident(a)) })
            }
            Rule::let_decl => {
                let name = self.ident(next(&mut it)?);
                let (ty, value) = self.annotated(&mut it)?;
                ItemKind::Let(LetDecl { name, ty, value })
            }
            Rule::type_decl => {
                let name = self.ident(next(&mut it)?);
                ItemKind::Type(TypeDecl { name, ty: self.type_expr(next(&mut it)?)? })
            }
            Rule::fn_decl => {
                let name = self.ident(next(&mut it)?);
                let mut params = Vec::new();
                let mut p2 = next(&mut it)?;
                if p2.as_rule() == Rule::params {
                    for param in kids(p2) {
                        params.push(self.param(param)?);
                    }
                    p2 = next(&mut it)?;
                }
                let ret = self.type_expr(p2)?;
                let body = self.expr(next(&mut it)?)?;
                ItemKind::Fn(FnDecl { name, params, ret, body })
            }
            Rule::composite_decl => {
                let api = next(&mut it)?;
                let api_version_span = self.span(&api);
                let api_version = self.plain_string(api)?;
                let name = self.ident(next(&mut it)?);
                let param = self.param(next(&mut it)?)?;
                let body = self.expr(next(&mut it)?)?;
                ItemKind::Composite(CompositeDecl { api_version, api_version_span, name, param, body })
            }
            Rule::env_decl => {
                let name = self.ident(next(&mut it)?);
                let rec = next(&mut it)?;
                let body_span = self.span(&rec);
                ItemKind::Env(EnvDecl { name, fields: self.record_fields(rec)?, body_span })
            }
            Rule::component_decl => {
                let name = self.ident(next(&mut it)?);
                ItemKind::Component(ComponentDecl { name, body: self.expr_or_record(next(&mut it)?)? })
            }
            Rule::override_block => {
                let mut envs = Vec::new();
                let mut sets = Vec::new();
                for c in it {
                    match c.as_rule() {
                        Rule::ident => envs.push(self.ident(c)),
                        Rule::override_set => {
                            let sspan = self.span(&c);
                            let mut si = kids(c);
                            let path = self.override_path(next(&mut si)?)?;
                            let value = self.expr(next(&mut si)?)?;
                            sets.push(OverrideSet { path, value, span: sspan });
                        }
                        _ => {}
                    }
                }
                ItemKind::Override(OverrideBlock { envs, sets })
            }
            _ => return Err(internal(self.file, span, "declaration")),
        };
        Ok(Item { kind, doc, span })
    }

    /// `web.spec["grafana.ini"].root_url`: the declaration's name, then each field.
    fn override_path(&mut self, p: Pair<Rule>) -> R<Vec<Ident>> {
        let mut path = Vec::new();
        for seg in kids(p) {
            if seg.as_rule() == Rule::path_key {
                path.push(self.field_key(next(&mut kids(seg))?, "a key in an override path")?);
            } else {
                path.push(self.ident(seg));
            }
        }
        Ok(path)
    }

    /// A field name written bare (`server`) or as a string (`"grafana.ini"`), where it
    /// must be known when the program is read: a string with interpolation is E0441.
    /// The name's span is the whole literal, quotes included.
    fn field_key(&mut self, p: Pair<Rule>, what: &str) -> R<Ident> {
        if p.as_rule() != Rule::string {
            return Ok(self.ident(p));
        }
        let span = self.span(&p);
        match self.string(p)?.as_plain() {
            Some(name) => Ok(Ident { name, span }),
            None => Err(Diagnostic::error("E0441", format!("{what} cannot be an interpolated string"))
                .at(span, "interpolated")
                .help(
                    "write the name as a plain string (`\"grafana.ini\"`): field names are fixed when the program is read; keys computed from values belong in a `Map<T>`",
                )),
        }
    }

    fn annotated<'a>(&mut self, it: &mut impl Iterator<Item = Pair<'a, Rule>>) -> R<(Option<TypeExpr>, Expr)> {
        let a = next(it)?;
        if a.as_rule() == Rule::type_expr {
            let ty = self.type_expr(a)?;
            Ok((Some(ty), self.expr(next(it)?)?))
        } else {
            Ok((None, self.expr(a)?))
        }
    }

    fn expr_or_record(&mut self, p: Pair<Rule>) -> R<Expr> {
        if p.as_rule() == Rule::record {
            let span = self.span(&p);
            Ok(Expr { kind: ExprKind::Record(self.record_fields(p)?), span })
        } else {
            self.expr(p)
        }
    }

    // ------------------------------------------------------------------ types

    fn type_expr(&mut self, p: Pair<Rule>) -> R<TypeExpr> {
        self.enter(&p)?;
        let r = self.type_expr_inner(p);
        self.depth -= 1;
        r
    }

    fn type_expr_inner(&mut self, p: Pair<Rule>) -> R<TypeExpr> {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::type_expr => self.type_expr(next(&mut kids(p))?),
            Rule::type_union => {
                let mut members = Vec::new();
                for s in kids(p) {
                    let sspan = self.span(&s);
                    members.push((self.plain_string(s)?, sspan));
                }
                Ok(TypeExpr { kind: TypeExprKind::Union(members), span })
            }
            Rule::type_optional => {
                let mut it = kids(p);
                let inner = self.type_expr(next(&mut it)?)?;
                if it.next().is_some() {
                    Ok(TypeExpr { kind: TypeExprKind::Optional(Box::new(inner)), span })
                } else {
                    Ok(inner)
                }
            }
            Rule::type_named => {
                let mut path = Vec::new();
                let mut args = Vec::new();
                for c in kids(p) {
                    match c.as_rule() {
                        Rule::ident => path.push(self.ident(c)),
                        Rule::type_args => {
                            for a in kids(c) {
                                args.push(self.type_expr(a)?);
                            }
                        }
                        _ => {}
                    }
                }
                Ok(TypeExpr { kind: TypeExprKind::Named { path, args }, span })
            }
            Rule::type_record => {
                let mut fields = Vec::new();
                let mut open = false;
                for c in kids(p) {
                    match c.as_rule() {
                        Rule::open_mark => open = true,
                        Rule::type_field => {
                            let fspan = self.span(&c);
                            let mut fi = kids(c);
                            let name = self.field_key(next(&mut fi)?, "a field name in a record type")?;
                            let mut optional = false;
                            let mut t = next(&mut fi)?;
                            if t.as_rule() == Rule::optional_mark {
                                optional = true;
                                t = next(&mut fi)?;
                            }
                            let ty = self.type_expr(t)?;
                            let default = fi.next().map(|d| self.expr(d)).transpose()?;
                            let doc = self.doc_before(fspan.start as usize);
                            fields.push(TypeField { name, optional, ty, default, doc, span: fspan });
                        }
                        _ => {}
                    }
                }
                Ok(TypeExpr { kind: TypeExprKind::Record { fields, open }, span })
            }
            _ => Err(internal(self.file, span, "type")),
        }
    }

    // ------------------------------------------------------------ expressions

    fn enter(&mut self, p: &Pair<Rule>) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            let at = self.base + p.as_span().start();
            return Err(too_deep(Span::new(self.file, at, at + 1)));
        }
        Ok(())
    }

    fn expr(&mut self, p: Pair<Rule>) -> R<Expr> {
        self.enter(&p)?;
        let r = self.expr_inner(p);
        self.depth -= 1;
        r
    }

    fn expr_inner(&mut self, p: Pair<Rule>) -> R<Expr> {
        if p.as_rule() != Rule::expr {
            return self.postfix_or_primary(p);
        }
        // Guard prefix-operator chains, which the Pratt parser handles recursively.
        let prefixes = p.clone().into_inner().filter(|c| matches!(c.as_rule(), Rule::not | Rule::neg)).count();
        if prefixes > MAX_NESTING {
            return Err(too_deep(self.span(&p)));
        }
        let (file, base) = (self.file, self.base);
        let this = std::cell::RefCell::new(self);
        pratt()
            .map_primary(|prim| this.borrow_mut().postfix_or_primary(prim))
            .map_prefix(|op, rhs| {
                let op_span = span_of(file, base, &op);
                Ok(meaning::unary(if op.as_rule() == Rule::not { UnaryOp::Not } else { UnaryOp::Neg }, op_span, rhs?))
            })
            .map_infix(|lhs, op, rhs| {
                let span = span_of(file, base, &op);
                let bin = binary_of(op.as_rule()).ok_or_else(|| internal(file, span, "operator"))?;
                Ok(meaning::binary(bin, lhs?, rhs?))
            })
            .parse(p.into_inner().filter(|c| !matches!(c.as_rule(), Rule::COMMENT)))
    }

    fn postfix_or_primary(&mut self, p: Pair<Rule>) -> R<Expr> {
        if p.as_rule() != Rule::postfix_expr {
            return self.primary(p);
        }
        let mut it = kids(p);
        let mut e = self.primary(next(&mut it)?)?;
        for post in it {
            let pspan = self.span(&post);
            e = match post.as_rule() {
                Rule::call_args => {
                    let mut args = Vec::new();
                    for a in kids(post) {
                        let mut ai = kids(a).collect::<Vec<_>>();
                        let value = ai.pop().ok_or_else(|| internal(self.file, pspan, "argument"))?;
                        let name = ai.pop().map(|n| self.ident(n));
                        args.push(Arg { name, value: self.expr(value)? });
                    }
                    meaning::postfix(e, pspan, |e| ExprKind::Call(e, args))
                }
                Rule::field_access => {
                    let f = self.ident(next(&mut kids(post))?);
                    meaning::postfix(e, pspan, |e| ExprKind::Field(e, f))
                }
                Rule::index => {
                    let i = self.expr(next(&mut kids(post))?)?;
                    meaning::postfix(e, pspan, |e| ExprKind::Index(e, Box::new(i)))
                }
                _ => return Err(internal(self.file, pspan, "postfix")),
            };
        }
        Ok(e)
    }

    fn primary(&mut self, p: Pair<Rule>) -> R<Expr> {
        let span = self.span(&p);
        let kind = match p.as_rule() {
            Rule::paren => return self.expr(next(&mut kids(p))?).map(|e| Expr { kind: e.kind, span }),
            Rule::int_lit => ExprKind::Int(meaning::int_value(p.as_str()).ok_or_else(|| {
                Diagnostic::error("E0004", "integer literal is too large")
                    .at(span, "does not fit in a 64-bit signed integer")
                    .help("integers range from -9223372036854775808 to 9223372036854775807")
            })?),
            Rule::bool_lit => ExprKind::Bool(p.as_str().starts_with("true")),
            Rule::none_lit => ExprKind::None,
            Rule::env_kw => ExprKind::Env,
            Rule::ident => ExprKind::Ident(self.ident(p)),
            Rule::string => ExprKind::Str(self.string(p)?),
            Rule::list => {
                let mut items = Vec::new();
                for c in kids(p) {
                    if c.as_rule() == Rule::spread {
                        items.push(ListItem::Spread(self.expr(next(&mut kids(c))?)?));
                    } else {
                        items.push(ListItem::Item(self.expr(c)?));
                    }
                }
                ExprKind::List(items)
            }
            Rule::record => ExprKind::Record(self.record_fields(p)?),
            Rule::if_expr => {
                // cond, then, (cond, then)*, else — folded from the right into nested Ifs.
                let parts = kids(p).map(|c| self.expr(c)).collect::<R<Vec<_>>>()?;
                return meaning::fold_if(parts, span).ok_or_else(|| internal(self.file, span, "if"));
            }
            Rule::match_expr => {
                let mut it = kids(p);
                let subject = self.expr(next(&mut it)?)?;
                let mut arms = Vec::new();
                for arm in it {
                    let aspan = self.span(&arm);
                    let mut parts: Vec<_> = kids(arm).collect();
                    let body = parts.pop().ok_or_else(|| internal(self.file, aspan, "arm"))?;
                    let patterns = parts.into_iter().map(|pt| self.pattern(pt)).collect::<R<Vec<_>>>()?;
                    arms.push(Arm { patterns, body: self.expr(body)?, span: aspan });
                }
                ExprKind::Match(Box::new(subject), arms)
            }
            Rule::let_in => {
                let mut parts: Vec<_> = kids(p).collect();
                let body = parts.pop().ok_or_else(|| internal(self.file, span, "let"))?;
                let acc = self.expr(body)?;
                let mut bindings = Vec::new();
                for b in parts {
                    let bspan = self.span(&b);
                    let mut it = kids(b);
                    let name = self.ident(next(&mut it)?);
                    let (ty, value) = self.annotated(&mut it)?;
                    bindings.push((name, ty, value, bspan));
                }
                return Ok(meaning::fold_let_in(bindings, acc, span));
            }
            Rule::comprehension => {
                let mut parts: Vec<_> = kids(p).collect();
                let body = parts.pop().ok_or_else(|| internal(self.file, span, "for"))?;
                let mut it = parts.into_iter();
                let first = self.ident(next(&mut it)?);
                let second = next(&mut it)?;
                let (key, var, iter) = if second.as_rule() == Rule::ident {
                    (Some(first), self.ident(second), self.expr(next(&mut it)?)?)
                } else {
                    (None, first, self.expr(second)?)
                };
                let cond = it.next().map(|c| self.expr(c)).transpose()?;
                ExprKind::For(Box::new(ForExpr { key, var, iter, cond, body: self.expr(body)? }))
            }
            Rule::expr | Rule::postfix_expr => return self.expr(p),
            _ => return Err(internal(self.file, span, "expression")),
        };
        Ok(Expr { kind, span })
    }

    fn pattern(&mut self, p: Pair<Rule>) -> R<Pattern> {
        let inner = next(&mut kids(p))?;
        let span = self.span(&inner);
        Ok(match inner.as_rule() {
            Rule::wildcard => Pattern::Wildcard(span),
            Rule::plain_string => Pattern::Str(self.plain_string(inner)?, span),
            Rule::int_lit => Pattern::Int(
                meaning::int_value(inner.as_str()).ok_or_else(|| {
                    Diagnostic::error("E0004", "integer pattern is too large")
                        .at(span, "here")
                        .help("use a smaller integer")
                })?,
                span,
            ),
            Rule::bool_lit => Pattern::Bool(inner.as_str().starts_with("true"), span),
            _ => Pattern::Name(self.ident(inner)),
        })
    }

    fn record_fields(&mut self, p: Pair<Rule>) -> R<Vec<RecordField>> {
        let mut fields = Vec::new();
        for c in kids(p).filter(|c| c.as_rule() == Rule::record_field) {
            let fspan = self.span(&c);
            let mut it = kids(c);
            let k = next(&mut it)?;
            let kspan = self.span(&k);
            let key = if matches!(k.as_rule(), Rule::ident | Rule::field_name) {
                Key::Static(k.as_str().into(), kspan)
            } else {
                meaning::string_key(self.string(k)?, kspan)
            };
            let value = self.expr(next(&mut it)?)?;
            let doc = self.doc_before(fspan.start as usize);
            fields.push(RecordField { key, value, doc, span: fspan });
        }
        Ok(fields)
    }

    /// `name: Type = default` of a function or a composite.
    fn param(&mut self, param: Pair<Rule>) -> R<Param> {
        let span = self.span(&param);
        let mut pi = kids(param);
        let name = self.ident(next(&mut pi)?);
        let ty = self.type_expr(next(&mut pi)?)?;
        let default = pi.next().map(|d| self.expr(d)).transpose()?;
        Ok(Param { name, ty, default, span })
    }

    fn plain_string(&mut self, p: Pair<Rule>) -> R<String> {
        let mut s = String::new();
        for c in kids(p) {
            match c.as_rule() {
                Rule::escape => s.push(self.escape(&c)?),
                _ => s.push_str(c.as_str()),
            }
        }
        Ok(s)
    }

    fn escape(&self, c: &Pair<Rule>) -> R<char> {
        let t = c.as_str();
        meaning::escape_char(t).ok_or_else(|| {
            Diagnostic::error("E0004", format!("`{t}` is not a valid Unicode escape"))
                .at(self.span(c), "invalid code point")
                .help("use `\\u{...}` with a Unicode scalar value in hexadecimal, such as `\\u{e9}`")
        })
    }

    fn string(&mut self, p: Pair<Rule>) -> R<StrExpr> {
        let inner = next(&mut kids(p))?;
        let triple = inner.as_rule() == Rule::triple_string;
        let mut parts: Vec<StrPart> = Vec::new();
        for c in kids(inner) {
            match c.as_rule() {
                Rule::interpolation => parts.push(StrPart::Interp(self.expr(next(&mut kids(c))?)?)),
                Rule::escape => {
                    let ch = self.escape(&c)?;
                    meaning::push_text(&mut parts, &ch.to_string());
                }
                _ => meaning::push_text(&mut parts, c.as_str()),
            }
        }
        Ok(meaning::string(parts, triple))
    }
}

fn next<'a>(it: &mut impl Iterator<Item = Pair<'a, Rule>>) -> R<Pair<'a, Rule>> {
    it.next().ok_or_else(|| {
        Diagnostic::error("E0001", "incomplete syntax").help("this is a bug in cedc's parser; please report it")
    })
}

fn internal(file: FileId, span: Span, what: &str) -> Diagnostic {
    let _ = file;
    Diagnostic::error("E0001", format!("unexpected {what} form"))
        .at(span, "here")
        .help("this is a bug in cedc's parser; please report it")
}

#[cfg(test)]
mod tests {
    use super::{parse_piece, parse_pieces};
    use cedc_diagnostics::FileId;

    /// Every `.ced` file of the repository (the standard library, the examples, the
    /// golden projects, the tests' projects), by path.
    fn repository_files() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        let mut dirs: Vec<std::path::PathBuf> =
            ["stdlib", "examples", "golden", "compiler", "docs", "editors"].iter().map(|d| root.join(d)).collect();
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for e in entries.flatten() {
                let path = e.path();
                if path.is_dir() && !path.ends_with("target") {
                    dirs.push(path);
                } else if path.extension().is_some_and(|x| x == "ced")
                    && let Ok(text) = std::fs::read_to_string(&path)
                {
                    files.push((path.display().to_string(), text));
                }
            }
        }
        files.sort();
        files
    }

    /// Lines that start like declarations but are not between two of them.
    const TRICKY: &str = "/// Docs.\nlet banner = \"\"\"\n  text\ncomponent fake\nlet inside = 1\n\"\"\"\n\nfn f(x: Int) -> Int =\nlet y = x in\n  y\n\ncomponent real {\n  namespace: \"real\"\n// a comment in the first column\n  objects: []\n}\n";

    /// `text` parsed in pieces at `cuts`, which must give what the whole parse gives
    /// (or nothing, when a piece does not parse alone); whether it gave something.
    fn same_in_pieces(name: &str, text: &str, cuts: &[usize]) -> bool {
        let whole = parse_piece(FileId(0), text, 0..text.len());
        match (parse_pieces(FileId(0), text, cuts), whole) {
            (Some(pieces), Ok(whole)) => {
                if pieces != whole {
                    let (a, b) = (format!("{pieces:?}"), format!("{whole:?}"));
                    let at = a.bytes().zip(b.bytes()).position(|(x, y)| x != y).unwrap_or(0);
                    panic!(
                        "{name} cut at {cuts:?}: the pieces' tree differs from the whole's at\n{}\n{}",
                        &a[at.saturating_sub(200)..(at + 100).min(a.len())],
                        &b[at.saturating_sub(200)..(at + 100).min(b.len())]
                    );
                }
                true
            }
            (Some(_), Err(e)) => panic!("{name} cut at {cuts:?}: the pieces parse, the whole does not: {e:?}"),
            (None, _) => false,
        }
    }

    #[test]
    fn a_file_cut_before_its_declarations_parses_as_the_whole() {
        let files = repository_files();
        assert!(files.len() > 50, "the repository's .ced files: {}", files.len());
        let mut cut_and_same = 0;
        for (name, text) in &files {
            let cuts = crate::pieces::cuts(text, text.len());
            // Each cut alone (at most 8 of them, spread over the file), and all at once.
            let step = cuts.len().div_ceil(8).max(1);
            for cut in cuts.iter().step_by(step) {
                cut_and_same += usize::from(same_in_pieces(name, text, &[*cut]));
            }
            if !cuts.is_empty() {
                assert!(same_in_pieces(name, text, &cuts), "{name}: every piece of a repository file parses alone");
            }
        }
        assert!(cut_and_same > 200, "cuts that parsed in pieces: {cut_and_same}");
    }

    #[test]
    fn a_cut_inside_a_declaration_falls_back_to_the_whole_file() {
        let cuts = crate::pieces::cuts(TRICKY, TRICKY.len());
        assert_eq!(cuts.len(), 6, "{cuts:?}");
        for cut in &cuts {
            let fits = same_in_pieces("tricky", TRICKY, &[*cut]);
            // Only these cuts are between two declarations (not inside the string, nor
            // inside `f`).
            let between = ["let banner", "fn f", "component real"].iter().any(|d| TRICKY[*cut..].starts_with(d));
            assert_eq!(fits, between, "cut at {cut}: {:?}", &TRICKY[*cut..]);
        }
        let module = super::parse(FileId(0), TRICKY).map_err(|e| format!("{e:?}"));
        assert_eq!(module.map(|m| m.items.len()), Ok(3));
    }
}
