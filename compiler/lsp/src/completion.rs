//! Completion. The text being typed rarely parses, so the context comes from the text
//! around the cursor (a record key? a field's value? after `alias.`?) and the types come
//! from checking a repaired copy: the word at the cursor replaced by a placeholder that
//! makes the file parse (`__cedc__: none` where a key is expected, `none` for a value).
//! Offsets before the cursor are unchanged by the repair, so spans line up.

use crate::analysis::{Analysis, Documents, Overlay, relative};
use crate::features::KEYWORDS;
use cedc_diagnostics::FileId;
use cedc_names::{Def, Program};
use cedc_syntax::ast::{ExprKind, ItemKind, Key};
use cedc_types::{Checked, RecordType, Type};
use lsp_types::{
    CompletionItem, CompletionItemKind, Documentation, MarkupContent, MarkupKind, ParameterInformation, ParameterLabel,
    SignatureHelp, SignatureInformation,
};
use std::path::Path;
use std::sync::Arc;

const PLACEHOLDER: &str = "__cedc__";

/// Where the cursor is, read from the text alone.
#[derive(Debug, PartialEq)]
enum Position {
    /// After `name.`: the declarations of a module, or the attributes of `env`.
    Qualified(String),
    /// Where a record key goes.
    Key,
    /// After `key:`.
    Value(String),
    /// Anywhere else an expression goes.
    Expr,
}

/// The program completion looks at: a repaired copy, or the last analysis when no
/// repair parses.
struct View<'a> {
    program: &'a Program,
    checked: Option<&'a Checked>,
    file: Option<&'a cedc_names::Module>,
}

pub fn complete(last: &Analysis, docs: &Documents, path: &Path, offset: usize) -> Vec<CompletionItem> {
    let Some(text) = docs.get(path) else { return Vec::new() };
    let offset = floor_boundary(text, offset.min(text.len()));
    let start = word_start(text, offset);
    let pos = context(text, start);
    // Nothing to complete in a comment; in a string, only the members of an enum.
    match lexical(&text[..offset]) {
        Lexical::Comment => return Vec::new(),
        Lexical::Str if !matches!(pos, Position::Value(_)) => return Vec::new(),
        _ => {}
    }
    let in_string = lexical(&text[..start]) == Lexical::Str;
    let repaired = repaired_check(last, docs, path, text, start, offset, &pos);
    let rel = relative(last.root(), path);
    let view = match &repaired {
        Some((program, checked)) => View { program, checked: Some(checked), file: None },
        None => View { program: &last.compilation.program, checked: last.compilation.checked.as_deref(), file: None },
    };
    let view = View { file: view.program.modules.iter().find(|m| Some(&m.name) == rel.as_ref()), ..view };
    let mut items = Vec::new();
    match &pos {
        Position::Qualified(q) => qualified(&view, q, &mut items),
        Position::Key => record_fields(&view, start, &mut items),
        Position::Value(key) => {
            field_values(&view, start, key, &mut items);
            if !in_string {
                scope(&view, start, &mut items);
            }
        }
        Position::Expr => {
            call_params(&view, text, start, &mut items);
            scope(&view, start, &mut items);
        }
    }
    items
}

/// What the end of a text is inside of.
#[derive(Debug, PartialEq)]
enum Lexical {
    Code,
    Comment,
    /// The text of a string (not an interpolation in it).
    Str,
}

/// What is left open at the end of a text, outermost first.
#[derive(Debug, PartialEq)]
enum Frame {
    /// A bracket, at this offset.
    Open(usize),
    Str {
        triple: bool,
    },
    /// `{…}` in a string.
    Interp,
}

/// Read `before` as the lexer would: the frames left open at its end, and whether it
/// ends in a comment.
fn scan(before: &str) -> (Vec<Frame>, bool) {
    scan_with(before, &mut |_, _| {})
}

/// [`scan`], calling `comma(at, depth)` for each comma of the code (not in a string or
/// a comment), with the number of frames open there.
fn scan_with(before: &str, comma: &mut dyn FnMut(usize, usize)) -> (Vec<Frame>, bool) {
    let b = before.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match stack.last() {
            Some(Frame::Str { triple }) => {
                let triple = *triple;
                match b[i] {
                    b'\\' => i += 1,
                    b'{' => stack.push(Frame::Interp),
                    b'"' if triple && b[i..].starts_with(b"\"\"\"") => {
                        stack.pop();
                        i += 2;
                    }
                    // A quoted string ends at its line's end, closed or not.
                    b'"' | b'\n' if !triple => {
                        stack.pop();
                    }
                    _ => {}
                }
            }
            top => match b[i] {
                b'/' if b.get(i + 1) == Some(&b'/') => match b[i..].iter().position(|c| *c == b'\n') {
                    Some(n) => i += n,
                    None => return (stack, true),
                },
                b'"' => {
                    let triple = b[i..].starts_with(b"\"\"\"");
                    if triple {
                        i += 2;
                    }
                    stack.push(Frame::Str { triple });
                }
                b'{' | b'[' | b'(' => stack.push(Frame::Open(i)),
                b',' => comma(i, stack.len()),
                // A closing bracket closes the innermost bracket, or the interpolation.
                b'}' | b']' | b')' if matches!(top, Some(Frame::Open(_))) => {
                    stack.pop();
                }
                b'}' if top == Some(&Frame::Interp) => {
                    stack.pop();
                }
                _ => {}
            },
        }
        i += 1;
    }
    (stack, false)
}

fn lexical(before: &str) -> Lexical {
    match scan(before) {
        (_, true) => Lexical::Comment,
        (stack, false) if matches!(stack.last(), Some(Frame::Str { .. })) => Lexical::Str,
        _ => Lexical::Code,
    }
}

/// Inside `f(…)`: the parameters of `f` not given yet, as named arguments — neither
/// named already nor taken by the positional arguments before the cursor.
fn call_params(view: &View, text: &str, at: usize, items: &mut Vec<CompletionItem>) {
    let Some(call) = call_at(&text[..at]) else { return };
    let Some((target, name)) = callee(view, call.callee) else { return };
    let Some(ItemKind::Fn(f)) = target.item(name).map(|i| &i.kind) else { return };
    let sig = view.checked.and_then(|c| c.fns.get(&(target.id, name.to_string())));
    let later = named_after(&text[at..]);
    for (i, p) in f.params.iter().enumerate() {
        let given = |n: &&str| *n == p.name.name;
        if i < call.positional || call.named.iter().any(given) || later.iter().any(given) {
            continue;
        }
        items.push(CompletionItem {
            label: format!("{}:", p.name.name),
            kind: Some(CompletionItemKind::PROPERTY),
            detail: sig.and_then(|s| s.params.get(i)).map(|ps| ps.ty.to_string()),
            insert_text: Some(format!("{}: ", p.name.name)),
            sort_text: Some(format!("0{i:03}")),
            ..Default::default()
        });
    }
}

/// A call the cursor is inside of, read from the text before the cursor.
#[derive(Debug, PartialEq)]
struct Call<'a> {
    /// `f` or `alias.f`.
    callee: &'a str,
    /// Arguments before the one at the cursor: how many are positional, and the names of
    /// the named ones.
    positional: usize,
    named: Vec<&'a str>,
    /// The name of the argument at the cursor, when it is written `name: …`.
    current: Option<&'a str>,
}

fn call_at(before: &str) -> Option<Call<'_>> {
    let open = innermost_open_at(before)?;
    if !before[open..].starts_with('(') {
        return None;
    }
    let callee_end = before[..open].trim_end().len();
    let callee_start = before[..callee_end]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c) || *c == '.')
        .last()
        .map_or(callee_end, |(i, _)| i);
    let callee = &before[callee_start..callee_end];
    if callee.is_empty() {
        return None;
    }
    let mut args = split_args(&before[open + 1..]);
    let current = args.pop().and_then(arg_name);
    let named: Vec<&str> = args.iter().filter_map(|a| arg_name(a)).collect();
    Some(Call { callee, positional: args.len() - named.len(), named, current })
}

/// The names of the named arguments after the cursor, up to the call's `)`: the text
/// after it is read up to the first closing bracket no bracket after the cursor opened
/// (strings skipped).
fn named_after(after: &str) -> Vec<&str> {
    let b = after.as_bytes();
    let (mut depth, mut in_str, mut start) = (0usize, false, 0usize);
    let mut args = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if in_str => i += 1,
            b'"' => in_str = !in_str,
            b'\n' if in_str => in_str = false,
            _ if in_str => {}
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth == 0 => {
                args.push(&after[start..i]);
                break;
            }
            b')' | b']' | b'}' => depth -= 1,
            b',' if depth == 0 => {
                args.push(&after[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    // The first piece is the argument being written (the cursor is in it).
    args.into_iter().skip(1).filter_map(arg_name).collect()
}

/// `name: value` → `name`.
fn arg_name(arg: &str) -> Option<&str> {
    let (name, _) = arg.split_once(':')?;
    let name = name.trim();
    (!name.is_empty() && name.chars().all(is_word)).then_some(name)
}

/// The arguments of a call's text after `(`, split at its top-level commas (strings,
/// comments and brackets inside an argument are skipped by the same scanner that finds
/// the call).
fn split_args(args: &str) -> Vec<&str> {
    let mut commas = Vec::new();
    scan_with(args, &mut |at, depth| {
        if depth == 0 {
            commas.push(at);
        }
    });
    let mut out = Vec::with_capacity(commas.len() + 1);
    let mut start = 0;
    for at in commas {
        out.push(&args[start..at]);
        start = at + 1;
    }
    out.push(&args[start..]);
    out
}

/// The module and name a callee names (`f` in `module`, or `alias.f`).
fn callee<'v>(view: &View<'v>, callee: &'v str) -> Option<(&'v cedc_names::Module, &'v str)> {
    let module = view.file?;
    match callee.split_once('.') {
        Some((alias, name)) => module.imports.get(alias).map(|(m, _)| (view.program.module(*m), name)),
        None => Some((module, callee)),
    }
}

/// Signature help inside a call: the function's parameters, the one being written
/// highlighted (by name when it is named, else by position).
pub fn signature_help(last: &Analysis, docs: &Documents, path: &Path, offset: usize) -> Option<SignatureHelp> {
    let text = docs.get(path)?;
    let offset = floor_boundary(text, offset.min(text.len()));
    if lexical(&text[..offset]) != Lexical::Code {
        return None;
    }
    let call = call_at(&text[..offset])?;
    // A built-in: its documented signature, its parameters by position.
    if !call.callee.contains('.')
        && let Some(b) = cedc_names::Builtin::named(call.callee)
    {
        let spec = b.spec();
        let params: Vec<(String, Option<String>)> = spec.params.iter().map(|p| ((*p).to_string(), None)).collect();
        return Some(signature(spec.signature, Some(spec.doc.to_string()), &params, &call));
    }
    let start = word_start(text, offset);
    let repaired = repaired_check(last, docs, path, text, start, offset, &Position::Expr);
    let rel = relative(last.root(), path);
    let view = match &repaired {
        Some((program, checked)) => View { program, checked: Some(checked), file: None },
        None => View { program: &last.compilation.program, checked: last.compilation.checked.as_deref(), file: None },
    };
    let view = View { file: view.program.modules.iter().find(|m| Some(&m.name) == rel.as_ref()), ..view };
    let (target, name) = callee(&view, call.callee)?;
    let item = target.item(name)?;
    let ItemKind::Fn(f) = &item.kind else { return None };
    let sig = view.checked.and_then(|c| c.fns.get(&(target.id, name.to_string())));
    let params: Vec<(String, Option<String>)> = f
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let ty = sig.and_then(|s| s.params.get(i)).map(|ps| ps.ty.to_string());
            let default = if p.default.is_some() { " = …" } else { "" };
            (format!("{}: {}{default}", p.name.name, ty.unwrap_or_else(|| "?".into())), Some(p.name.name.clone()))
        })
        .collect();
    let ret = sig.map_or_else(|| "?".to_string(), |s| s.ret.to_string());
    let label = format!("{}({}) -> {ret}", name, params.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>().join(", "));
    Some(signature(&label, item.doc.clone(), &params, &call))
}

/// One signature: `label`, whose parameters are `params` (their text in the label, and
/// their names for named arguments), the active one found from `call`.
fn signature(label: &str, doc: Option<String>, params: &[(String, Option<String>)], call: &Call) -> SignatureHelp {
    let open = label.find('(').map_or(0, |i| i + 1);
    let mut from = open;
    let parameters: Vec<ParameterInformation> = params
        .iter()
        .map(|(text, _)| {
            let at = label[from..].find(text.as_str()).map_or(from, |i| from + i);
            from = at + text.len();
            ParameterInformation {
                label: ParameterLabel::LabelOffsets([utf16(&label[..at]), utf16(&label[..at + text.len()])]),
                documentation: None,
            }
        })
        .collect();
    let active = match call.current {
        Some(name) => params.iter().position(|(_, n)| n.as_deref() == Some(name)),
        None if call.named.is_empty() => Some(call.positional),
        // After a named argument, the next unnamed one fills the first parameter left.
        None => params
            .iter()
            .enumerate()
            .position(|(i, (_, n))| i >= call.positional && !n.as_deref().is_some_and(|n| call.named.contains(&n))),
    }
    .filter(|i| *i < params.len());
    let active = active.map(|i| i as u32);
    SignatureHelp {
        signatures: vec![SignatureInformation {
            label: label.to_string(),
            documentation: doc
                .map(|d| Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value: d })),
            parameters: Some(parameters),
            active_parameter: active,
        }],
        active_signature: Some(0),
        active_parameter: active,
    }
}

fn utf16(s: &str) -> u32 {
    s.encode_utf16().count() as u32
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn word_start(text: &str, offset: usize) -> usize {
    text[..offset].char_indices().rev().take_while(|(_, c)| is_word(*c)).last().map_or(offset, |(i, _)| i)
}

fn context(text: &str, start: usize) -> Position {
    let before = &text[..start];
    if let Some(q) = before.strip_suffix('.') {
        // The whole dotted path before the dot: `k8s`, `shop`, `sizing.limits`.
        let qs =
            q.char_indices().rev().take_while(|(_, c)| is_word(*c) || *c == '.').last().map_or(q.len(), |(i, _)| i);
        if qs < q.len() && !q[qs..].starts_with('.') {
            return Position::Qualified(q[qs..].to_string());
        }
    }
    let trimmed = before.trim_end_matches([' ', '\t', '\r', '\n', '"']);
    let newline_between = before[trimmed.len()..].contains('\n');
    match trimmed.chars().last() {
        Some(':') => {
            let k = trimmed[..trimmed.len() - 1].trim_end();
            let ks = word_start(k, k.len());
            Position::Value(k[ks..].trim_matches('"').to_string())
        }
        Some('{') | Some(',') if innermost_open(before) == Some('{') => Position::Key,
        Some(_) if newline_between && innermost_open(before) == Some('{') => {
            let t = before.trim_end();
            // After a complete field on an earlier line (records need no commas).
            if t.ends_with(['=', '(', '[', '+', '-', '*', '/', '?', '|', '&', '<', '>']) {
                Position::Expr
            } else {
                Position::Key
            }
        }
        _ => Position::Expr,
    }
}

/// The innermost bracket left open before `before`'s end (strings and comments skipped).
fn innermost_open(before: &str) -> Option<char> {
    innermost_open_at(before).and_then(|i| before[i..].chars().next())
}

/// Where the innermost bracket left open is (none inside a string or interpolation).
fn innermost_open_at(before: &str) -> Option<usize> {
    match scan(before).0.last() {
        Some(Frame::Open(i)) => Some(*i),
        _ => None,
    }
}

/// What closes the strings, interpolations and brackets left open at the end of
/// `before`: the innermost one, then the two innermost ones, and so on.
fn closers(before: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut closing = String::new();
    for frame in scan(before).0.iter().rev() {
        closing.push_str(match frame {
            Frame::Open(i) => match before.as_bytes()[*i] {
                b'{' => "}",
                b'[' => "]",
                _ => ")",
            },
            Frame::Str { triple: true } => "\"\"\"",
            Frame::Str { triple: false } => "\"",
            Frame::Interp => "}",
        });
        out.push(closing.clone());
    }
    out
}

/// Check a copy of the project with the word at the cursor replaced so that the file
/// parses. Only names and types run: evaluation is not needed to complete.
fn repaired_check(
    last: &Analysis,
    docs: &Documents,
    path: &Path,
    text: &str,
    start: usize,
    offset: usize,
    pos: &Position,
) -> Option<(Program, Checked)> {
    let word = &text[start..offset];
    let fills: Vec<String> = match pos {
        Position::Key => vec![format!("{PLACEHOLDER}: none "), format!("{PLACEHOLDER}: none, ")],
        // In an override path, the set needs its value too.
        Position::Qualified(_) => vec![
            word.to_string(),
            format!("{PLACEHOLDER} "),
            format!("{PLACEHOLDER}, "),
            format!("{PLACEHOLDER} = none "),
        ],
        _ => vec![word.to_string(), "none ".into(), "none, ".into()],
    };
    // Half-typed code usually leaves brackets open (`f(a, ` at the end of a line):
    // closing the innermost one, then two, and so on, after the placeholder is tried
    // next (the brackets further out may be closed further down).
    let closers = closers(&text[..start]);
    let candidate = std::iter::once("")
        .chain(closers.iter().map(String::as_str))
        .flat_map(|close| fills.iter().map(move |f| (f, close)))
        .map(|(f, close)| {
            let sep = if close.is_empty() { "" } else { "\n" };
            format!("{}{f}{close}{sep}{}", &text[..start], &text[offset..])
        })
        .find(|t| cedc_syntax::parse(FileId(0), t).is_ok())?;
    let root = last.root();
    let fs = Overlay { root, docs, replace: Some((path, &candidate)) };
    let mut entries = last.entries.clone();
    if let Some(rel) = relative(root, path)
        && !entries.contains(&rel)
    {
        entries.push(rel);
    }
    let packages = cedc_names::Packages::new();
    let (program, _) = cedc_names::load_project_cached(&fs, &entries, packages, &[], Some(&last.kept.parses));
    let (checked, _) = cedc_types::check(&program);
    Some((program, checked))
}

/// The record literal around the cursor, its type and the keys it already has.
fn innermost_record(view: &View, at: usize) -> Option<(Arc<RecordType>, Vec<String>)> {
    let at = at as u32;
    let module = view.file?;
    let (span, rt) = view
        .checked?
        .record_literals
        .iter()
        .filter(|(s, _)| s.file == module.file && s.start < at && at < s.end)
        .min_by_key(|(s, _)| s.len())?;
    let mut given = Vec::new();
    crate::features::walk_module(module, &mut |e| {
        if e.span == *span
            && let ExprKind::Record(fields) = &e.kind
        {
            given = fields
                .iter()
                .filter_map(|f| match &f.key {
                    Key::Static(k, _) if &**k != PLACEHOLDER => Some(k.to_string()),
                    _ => None,
                })
                .collect();
        }
    });
    Some((rt.clone(), given))
}

fn record_fields(view: &View, at: usize, items: &mut Vec<CompletionItem>) {
    let Some((rt, given)) = innermost_record(view, at) else { return };
    for (name, ft) in &rt.fields {
        if given.contains(name) {
            continue;
        }
        let needs_quotes = !crate::features::is_ident(name) || KEYWORDS.contains(&name.as_str());
        let key = if needs_quotes { cedc_syntax::field::quote(name) } else { name.clone() };
        items.push(CompletionItem {
            label: name.clone(),
            kind: Some(CompletionItemKind::FIELD),
            detail: Some(format!("{}{}", if ft.optional || ft.default.is_some() { "optional " } else { "" }, ft.ty)),
            documentation: ft.doc.as_ref().map(|d| markdown(d.trim())),
            insert_text: Some(format!("{key}: ")),
            // Required fields first.
            sort_text: Some(format!("{}{name}", if ft.optional || ft.default.is_some() { 1 } else { 0 })),
            ..Default::default()
        });
    }
}

fn field_values(view: &View, at: usize, key: &str, items: &mut Vec<CompletionItem>) {
    let Some((rt, _)) = innermost_record(view, at) else { return };
    let Some(ft) = rt.fields.get(key) else { return };
    let ty = match &ft.ty {
        Type::Optional(t) => t.as_ref(),
        t => t,
    };
    match ty {
        Type::Enum(members) => {
            for m in members.iter() {
                items.push(CompletionItem {
                    label: format!("{m:?}"),
                    kind: Some(CompletionItemKind::ENUM_MEMBER),
                    detail: Some(format!("{key}: {}", ft.ty)),
                    filter_text: Some(m.clone()),
                    sort_text: Some(format!("0{m}")),
                    ..Default::default()
                });
            }
        }
        Type::Bool => {
            for b in ["true", "false"] {
                items.push(CompletionItem {
                    label: b.into(),
                    kind: Some(CompletionItemKind::VALUE),
                    sort_text: Some(format!("0{b}")),
                    ..Default::default()
                });
            }
        }
        _ => {}
    }
}

fn qualified(view: &View, q: &str, items: &mut Vec<CompletionItem>) {
    if q.contains('.') || view.file.is_some_and(|m| !m.imports.contains_key(q)) && q != "env" {
        return path_fields(view, q, items);
    }
    if q == "env" {
        for (name, ty) in view.checked.map(|c| &c.env_fields).into_iter().flatten() {
            items.push(CompletionItem {
                label: name.clone(),
                kind: Some(CompletionItemKind::FIELD),
                detail: Some(ty.to_string()),
                ..Default::default()
            });
        }
        return;
    }
    let Some(module) = view.file else { return };
    let Some((target, _)) = module.imports.get(q) else { return };
    let target = view.program.module(*target);
    for (name, idx) in &target.decls {
        if name == PLACEHOLDER {
            continue;
        }
        let item = &target.ast.items[*idx];
        items.push(decl_item(view, target.id, name, &item.kind, item.doc.as_deref()));
    }
}

/// After `decl.a.b.` (in an expression or an override path): the fields of the record
/// type the path leads to, from the declaration's type.
fn path_fields(view: &View, path: &str, items: &mut Vec<CompletionItem>) {
    let (Some(module), Some(checked)) = (view.file, view.checked) else { return };
    let mut segments = path.split('.');
    let Some(first) = segments.next() else { return };
    let mut ty = match module.item(first).map(|i| &i.kind) {
        Some(ItemKind::Let(_)) => match checked.let_types.get(&(module.id, first.to_string())) {
            Some(t) => t.clone(),
            None => return,
        },
        Some(ItemKind::Component(_)) => checked.component_type.clone(),
        _ => return,
    };
    for segment in segments {
        let Some(field) = record_of(&ty).and_then(|r| r.fields.get(segment)) else { return };
        ty = field.ty.clone();
    }
    let Some(record) = record_of(&ty) else { return };
    for (i, (name, field)) in record.fields.iter().enumerate() {
        items.push(CompletionItem {
            label: name.clone(),
            kind: Some(CompletionItemKind::FIELD),
            detail: Some(field.ty.to_string()),
            documentation: field
                .doc
                .as_ref()
                .map(|d| Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value: d.clone() })),
            sort_text: Some(format!("0{i:03}")),
            ..Default::default()
        });
    }
}

/// The record type `t` is, or holds as an optional.
fn record_of(t: &Type) -> Option<&RecordType> {
    match t {
        Type::Record(r) => Some(r),
        Type::Optional(inner) => record_of(inner),
        _ => None,
    }
}

fn decl_item(
    view: &View,
    module: cedc_names::ModuleId,
    name: &str,
    kind: &ItemKind,
    doc: Option<&str>,
) -> CompletionItem {
    let key = (module, name.to_string());
    let (kind, detail) = match kind {
        ItemKind::Let(_) => {
            (CompletionItemKind::CONSTANT, view.checked.and_then(|c| c.let_types.get(&key)).map(|t| t.to_string()))
        }
        ItemKind::Fn(_) => (
            CompletionItemKind::FUNCTION,
            view.checked.and_then(|c| c.fns.get(&key)).map(|sig| {
                let ps: Vec<String> = sig.params.iter().map(|p| format!("{}: {}", p.name, p.ty)).collect();
                format!("fn({}) -> {}", ps.join(", "), sig.ret)
            }),
        ),
        ItemKind::Type(_) => (CompletionItemKind::STRUCT, Some("type".into())),
        ItemKind::Composite(d) => (CompletionItemKind::STRUCT, Some(format!("composite {}", d.api_version))),
        ItemKind::Env(_) => (CompletionItemKind::ENUM_MEMBER, Some("environment".into())),
        ItemKind::Component(_) => (CompletionItemKind::CLASS, Some("component".into())),
        ItemKind::Import(_) | ItemKind::Override(_) => (CompletionItemKind::TEXT, None),
    };
    CompletionItem {
        label: name.to_string(),
        kind: Some(kind),
        detail,
        documentation: doc.map(|d| markdown(d.trim())),
        ..Default::default()
    }
}

/// Names visible at the cursor: locals, the module's declarations, imports,
/// environments, built-ins and keywords.
fn scope(view: &View, at: usize, items: &mut Vec<CompletionItem>) {
    let mut seen = std::collections::HashSet::new();
    let mut push = |item: CompletionItem, items: &mut Vec<CompletionItem>| {
        if item.label != PLACEHOLDER && seen.insert(item.label.clone()) {
            items.push(item);
        }
    };
    if let Some(m) = view.file {
        // Locals: bindings of the enclosing declaration that start before the cursor.
        if let Some(item) = m.ast.items.iter().find(|i| i.span.start as usize <= at && at <= i.span.end as usize) {
            let res = &view.program.resolution;
            let text = &view.program.files.get(m.file).text;
            for o in res.occurrences.iter().filter(|o| o.is_def && o.span.file == m.file) {
                if let Def::Local { span } = o.def
                    && span.start >= item.span.start
                    && (span.end as usize) < at
                    && span.end <= item.span.end
                {
                    let item = CompletionItem {
                        label: text[span.start as usize..span.end as usize].to_string(),
                        kind: Some(CompletionItemKind::VARIABLE),
                        detail: view.checked.and_then(|c| c.local_types.get(&span)).map(|t| t.to_string()),
                        sort_text: Some("0".into()),
                        ..Default::default()
                    };
                    push(item, items);
                }
            }
        }
        for (name, idx) in &m.decls {
            let item = &m.ast.items[*idx];
            push(decl_item(view, m.id, name, &item.kind, item.doc.as_deref()), items);
        }
        for alias in m.imports.keys() {
            let item =
                CompletionItem { label: alias.clone(), kind: Some(CompletionItemKind::MODULE), ..Default::default() };
            push(item, items);
        }
    }
    for e in view.checked.map(|c| c.envs.as_slice()).unwrap_or_default() {
        let item = CompletionItem {
            label: e.name.clone(),
            kind: Some(CompletionItemKind::ENUM_MEMBER),
            detail: Some("environment".into()),
            ..Default::default()
        };
        push(item, items);
    }
    for f in cedc_names::builtins::FUNCTIONS {
        let item = CompletionItem {
            label: f.name.to_string(),
            kind: Some(CompletionItemKind::FUNCTION),
            detail: Some(f.signature.to_string()),
            documentation: Some(Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value: f.doc.to_string(),
            })),
            ..Default::default()
        };
        push(item, items);
    }
    for k in KEYWORDS {
        let item = CompletionItem {
            label: k.to_string(),
            kind: Some(CompletionItemKind::KEYWORD),
            sort_text: Some(format!("9{k}")),
            ..Default::default()
        };
        push(item, items);
    }
}

fn markdown(s: &str) -> Documentation {
    Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value: s.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_from_text() {
        let ctx = |s: &str| context(s, word_start(s, s.len()));
        assert_eq!(ctx("let a = k8s."), Position::Qualified("k8s".into()));
        assert_eq!(ctx("in dev { sizing.limits.mem"), Position::Qualified("sizing.limits".into()));
        assert_eq!(ctx("let a = k8s.dep"), Position::Qualified("k8s".into()));
        assert_eq!(ctx("component web {\n  rep"), Position::Key);
        assert_eq!(ctx("let a = { x: 1, "), Position::Key);
        assert_eq!(ctx("let a = { x: 1\n  y"), Position::Key);
        assert_eq!(ctx("let a = { type: \""), Position::Value("type".into()));
        assert_eq!(ctx("let a = { type: Clu"), Position::Value("type".into()));
        assert_eq!(ctx("let a = f(x, "), Position::Expr);
        assert_eq!(ctx("let a = { x: \"{\" + "), Position::Expr);
        assert_eq!(innermost_open("{ \"a{\" // {\n ["), Some('['));
    }

    #[test]
    fn calls_from_text() {
        let call = call_at("let a = k8s.deployment(\"web\", image: \"x, y\", replicas: f(1, 2), ").unwrap();
        assert_eq!(
            call,
            Call { callee: "k8s.deployment", positional: 1, named: vec!["image", "replicas"], current: None }
        );
        let call = call_at("let a = f(1, 2, port: 8").unwrap();
        assert_eq!((call.positional, call.current), (2, Some("port")));
        assert_eq!(call_at("let a = [1, "), None);
        assert_eq!(named_after(", image: \"a, b\", args: [1, 2]) + f(port: 1)"), vec!["image", "args"]);
        assert_eq!(named_after("x, port: g(a: 1))"), vec!["port"]);
        assert_eq!(call_at("let a = (1 + "), None);
    }

    #[test]
    fn comments_and_strings() {
        assert_eq!(lexical("let a = 1 // see b"), Lexical::Comment);
        assert_eq!(lexical("let a = 1 // see b\nlet c = "), Lexical::Code);
        assert_eq!(lexical("let a = \"http://x"), Lexical::Str);
        assert_eq!(lexical("let a = \"x\" + "), Lexical::Code);
        assert_eq!(lexical("let a = \"a\\\"b"), Lexical::Str);
        assert_eq!(lexical("let a = \"{f(\"x\") + sh"), Lexical::Code);
        assert_eq!(lexical("let a = \"{ {a: 1}.a }"), Lexical::Str);
        assert_eq!(lexical("let a = \"\"\"\n \" x"), Lexical::Str);
        assert_eq!(lexical("let a = \"\"\"\n x \"\"\" + "), Lexical::Code);
        assert_eq!(lexical("let a = \"unclosed\nlet b = "), Lexical::Code);
    }
}
