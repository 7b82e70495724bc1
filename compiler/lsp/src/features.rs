//! Answers to the editor's questions, from one [`Analysis`]: hover, definition,
//! references, rename, document symbols and semantic tokens. Completion has its own
//! module, as it also has to cope with text that does not parse.

use crate::analysis::Analysis;
use crate::text::path_to_uri;
use cedc_diagnostics::{FileId, Span};
use cedc_model::{Value, ValueKind};
use cedc_names::{Def, Module};
use cedc_syntax::ast::{Expr, ExprKind, ItemKind, Key, RecordField};
use cedc_syntax::visit;
use lsp_types::{
    DocumentSymbol, Hover, HoverContents, Location, MarkupContent, MarkupKind, Range, SemanticToken, SymbolKind,
    TextEdit, WorkspaceEdit,
};
use std::collections::HashMap;

pub use cedc_syntax::KEYWORDS;

impl Analysis {
    pub fn location(&self, span: Span) -> Option<Location> {
        let uri = path_to_uri(&self.path(span.file)?)?;
        Some(Location { uri, range: self.range(span) })
    }

    pub fn range(&self, span: Span) -> Range {
        self.lines(span.file).range(span.start as usize, span.end as usize)
    }

    fn line_of(&self, span: Span) -> String {
        let name = &self.compilation.program.files.get(span.file).name;
        let line = self.lines(span.file).position(span.start as usize).line + 1;
        format!("{name}:{line}")
    }

    fn module(&self, id: cedc_names::ModuleId) -> &Module {
        self.compilation.program.module(id)
    }

    /// Where a definition is written.
    pub fn def_span(&self, def: &Def) -> Option<Span> {
        match def {
            Def::Decl { module, name } => self.module(*module).item(name)?.name().map(|i| i.span),
            Def::Local { span } => Some(*span),
            Def::Module(m) => Some(Span::new(self.module(*m).file, 0, 0)),
            // The first environment declaring the attribute.
            Def::EnvField { .. } => self.resolution().definition(def).map(|o| o.span),
        }
    }

    pub fn definition(&self, file: FileId, offset: usize) -> Option<Location> {
        let occ = self.resolution().at(file, offset)?;
        self.location(self.def_span(&occ.def)?)
    }

    pub fn references(&self, file: FileId, offset: usize, include_declaration: bool) -> Vec<Location> {
        let Some(occ) = self.resolution().at(file, offset) else { return Vec::new() };
        self.resolution()
            .references(&occ.def)
            .filter(|o| include_declaration || !o.is_def)
            .filter_map(|o| self.location(o.span))
            .collect()
    }

    /// The name under the cursor, if it can be renamed: a declaration or local of the
    /// project (not the standard library, not a module alias).
    pub fn prepare_rename(&self, file: FileId, offset: usize) -> Result<(Span, String), String> {
        let occ = self.resolution().at(file, offset).ok_or("there is no name here to rename")?;
        let def_span = self.def_span(&occ.def).ok_or("this name has no declaration to rename")?;
        match &occ.def {
            Def::Module(_) => return Err("module aliases are renamed in their `import … as` line".into()),
            // Also when the editor opened the server's copy of the standard library.
            _ if self.compilation.program.files.get(def_span.file).name.starts_with("std/")
                || self.path(def_span.file).is_some_and(|p| crate::stdlib::contains(&p)) =>
            {
                return Err("this name is declared in the standard library".into());
            }
            _ => {}
        }
        let text = self.text(occ.span.file);
        Ok((occ.span, text[occ.span.start as usize..occ.span.end as usize].to_string()))
    }

    pub fn rename(&self, file: FileId, offset: usize, new_name: &str) -> Result<WorkspaceEdit, String> {
        self.prepare_rename(file, offset)?;
        if !is_ident(new_name) {
            return Err(format!("`{new_name}` is not a valid name: use letters, digits, `_` and inner `-`"));
        }
        if KEYWORDS.contains(&new_name) {
            return Err(format!("`{new_name}` is a keyword"));
        }
        let occ = self.resolution().at(file, offset).ok_or("there is no name here to rename")?;
        // `Uri` caches its parse inside (clippy's "mutable key"); its hash and equality
        // are those of the text, so it is a sound map key.
        #[allow(clippy::mutable_key_type)]
        let mut changes: HashMap<lsp_types::Uri, Vec<TextEdit>> = HashMap::new();
        for o in self.resolution().references(&occ.def) {
            let Some(loc) = self.location(o.span) else { continue };
            changes.entry(loc.uri).or_default().push(TextEdit { range: loc.range, new_text: new_name.to_string() });
        }
        Ok(WorkspaceEdit { changes: Some(changes), ..Default::default() })
    }

    // --------------------------------------------------------------------- hover

    pub fn hover(&self, file: FileId, offset: usize) -> Option<Hover> {
        let module = self.module_of(file)?;
        if let Some(h) = self.override_hover(module, offset) {
            return Some(h);
        }
        let mut sections: Vec<String> = Vec::new();
        let mut value_span = None;
        let mut range = None;
        if let Some(occ) = self.resolution().at(file, offset) {
            range = Some(self.range(occ.span));
            sections.push(self.describe(&occ.def));
            if let Def::Decl { module: m, name } = &occ.def
                && let Some(item) = self.module(*m).item(name)
            {
                match &item.kind {
                    ItemKind::Let(d) if occ.is_def => {
                        let e = Expr { kind: ExprKind::Ident(d.name.clone()), span: d.name.span };
                        sections.push(self.evaluated_section(*m, &e));
                    }
                    ItemKind::Let(_) => {
                        if let Some(e) = expr_at(module, offset) {
                            sections.push(self.evaluated_section(module.id, e));
                        }
                    }
                    ItemKind::Component(d) => sections.push(self.component_summary(&d.name.name)),
                    ItemKind::Env(d) => sections.push(self.env_summary(&d.name.name)),
                    _ => {}
                }
            }
        } else if let Some((field, record)) = field_at(module, offset) {
            range = Some(self.range(field.key.span()));
            value_span = Some(field.value.span);
            if let Key::Static(name, _) = &field.key
                && let Some((_, rt)) =
                    self.compilation.checked.as_ref()?.record_literals.iter().find(|(s, _)| *s == record)
                && let Some(ft) = rt.fields.get(&**name)
            {
                let opt = if ft.optional { "?" } else { "" };
                let mut s = format!("```ced\n{}{opt}: {}\n```", cedc_syntax::field::written(name), ft.ty);
                if let Some(owner) = &rt.name {
                    s.push_str(&format!("\nfield of `{owner}`"));
                }
                if let Some(doc) = &ft.doc {
                    s.push_str(&format!("\n\n{}", doc.trim()));
                }
                sections.push(s);
            }
        } else if let Some(e) = expr_at(module, offset)
            && matches!(e.kind, ExprKind::Field(..) | ExprKind::Index(..))
        {
            // `shop.size`: its value in each environment.
            range = Some(self.range(e.span));
            sections.push(self.evaluated_section(module.id, e));
        } else {
            // A value: show what it became, if it reached an object.
            let mut spans = Vec::new();
            exprs_at(module, offset, &mut spans);
            value_span = spans.into_iter().rev().find(|s| !self.values_from(*s).is_empty());
            if let Some(s) = value_span {
                range = Some(self.range(s));
            }
        }
        if let Some(s) = value_span {
            let v = self.values_section(s);
            if !v.is_empty() {
                sections.push(v);
            }
        }
        sections.retain(|s| !s.is_empty());
        if sections.is_empty() {
            return None;
        }
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: sections.join("\n\n---\n\n"),
            }),
            range,
        })
    }

    /// On an override's target path (`shop.size` in `in dev { shop.size = 1 }`): the
    /// path's effective value in every environment, overrides applied, and where each
    /// was set.
    fn override_hover(&self, module: &Module, offset: usize) -> Option<Hover> {
        let in_path = |p: &[cedc_syntax::ast::Ident]| {
            let (first, last) = (p.first()?, p.last()?);
            let span = first.span.to(last.span);
            (span.start as usize <= offset && offset <= span.end as usize).then_some(span)
        };
        let (set, envs, span) = module.ast.items.iter().find_map(|item| match &item.kind {
            ItemKind::Override(o) => o.sets.iter().find_map(|set| Some((set, &o.envs, in_path(&set.path)?))),
            _ => None,
        })?;
        let mut path = set.path.iter();
        let first = path.next()?;
        let mut e = Expr { kind: ExprKind::Ident(first.clone()), span: first.span };
        for segment in path {
            e = Expr { kind: ExprKind::Field(Box::new(e), segment.clone()), span: first.span.to(segment.span) };
        }
        let envs: Vec<&str> = envs.iter().map(|e| e.name.as_str()).collect();
        let head = format!(
            "```ced\n{}\n```\noverridden in {}",
            self.text(span.file).get(span.start as usize..span.end as usize).unwrap_or(""),
            envs.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
        );
        let sections: Vec<String> =
            [head, self.evaluated_section(module.id, &e)].into_iter().filter(|s| !s.is_empty()).collect();
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: sections.join("\n\n---\n\n"),
            }),
            range: Some(self.range(span)),
        })
    }

    fn describe(&self, def: &Def) -> String {
        let checked = self.compilation.checked.as_ref();
        match def {
            Def::Decl { module, name } => {
                let Some(item) = self.module(*module).item(name) else { return format!("`{name}`") };
                let key = (*module, name.clone());
                let head = match &item.kind {
                    ItemKind::Let(_) => match checked.and_then(|c| c.let_types.get(&key)) {
                        Some(t) => format!("let {name}: {t}"),
                        None => format!("let {name}"),
                    },
                    ItemKind::Fn(_) => match checked.and_then(|c| c.fns.get(&key)) {
                        Some(sig) => {
                            let params: Vec<String> = sig
                                .params
                                .iter()
                                .map(|p| {
                                    format!("{}: {}{}", p.name, p.ty, if p.default.is_some() { " = …" } else { "" })
                                })
                                .collect();
                            format!("fn {name}({}) -> {}", params.join(", "), sig.ret)
                        }
                        None => format!("fn {name}(…)"),
                    },
                    ItemKind::Type(_) => {
                        let text = self.text(item.span.file);
                        let src = &text[item.span.start as usize..item.span.end as usize];
                        let lines: Vec<&str> = src.lines().filter(|l| !l.trim_start().starts_with("///")).collect();
                        if lines.len() > 40 { format!("{}\n  …", lines[..40].join("\n")) } else { lines.join("\n") }
                    }
                    ItemKind::Composite(d) => match checked.and_then(|c| c.composites.get(&key)) {
                        Some(info) => {
                            format!("composite \"{}\" {name}({}: {})", d.api_version, d.param.name.name, info.spec)
                        }
                        None => format!("composite \"{}\" {name}", d.api_version),
                    },
                    ItemKind::Env(_) => format!("env {name}"),
                    ItemKind::Component(_) => format!("component {name}"),
                    ItemKind::Import(_) | ItemKind::Override(_) => name.clone(),
                };
                let mut s = format!("```ced\n{head}\n```");
                s.push_str(&format!("\nin `{}`", self.module(*module).name));
                if let Some(doc) = &item.doc {
                    s.push_str(&format!("\n\n{}", doc.trim()));
                }
                s
            }
            Def::Local { span } => {
                let text = self.text(span.file);
                let name = &text[span.start as usize..span.end as usize];
                match checked.and_then(|c| c.local_types.get(span)) {
                    Some(t) => format!("```ced\n{name}: {t}\n```\nlocal"),
                    None => format!("```ced\n{name}\n```\nlocal"),
                }
            }
            Def::Module(m) => {
                let m = self.module(*m);
                let decls: Vec<&str> = m.decls.keys().map(String::as_str).collect();
                format!("module `{}`\n\ndeclares: {}", m.name, decls.join(", "))
            }
            Def::EnvField { name } => {
                let ty = checked.and_then(|c| c.env_fields.get(name)).map_or(String::new(), |t| format!(": {t}"));
                format!("```ced\nenv.{name}{ty}\n```\nan attribute of every environment")
            }
        }
    }

    fn component_summary(&self, name: &str) -> String {
        let Some(p) = &self.compilation.platform else { return String::new() };
        let mut s = String::from("**In each environment**");
        for env in &p.envs {
            match env.components.iter().find(|c| c.name == name) {
                Some(c) => {
                    let objs: Vec<String> = c.objects.iter().map(|o| format!("{}/{}", o.kind, o.name)).collect();
                    s.push_str(&format!("\n- `{}`: namespace `{}`; {}", env.name, c.namespace, objs.join(", ")));
                }
                None => s.push_str(&format!("\n- `{}`: not deployed", env.name)),
            }
        }
        s
    }

    fn env_summary(&self, name: &str) -> String {
        let Some(p) = &self.compilation.platform else { return String::new() };
        let Some(env) = p.envs.iter().find(|e| e.name == name) else { return String::new() };
        let attrs = env.attributes.to_json().map(|j| short_json(&j)).unwrap_or_default();
        format!("attributes: `{attrs}`\n\n{} components", env.components.len())
    }

    /// Every value, in every environment, produced by (or overriding) the expression
    /// at `span`: `(environment, value)`.
    fn values_from(&self, span: Span) -> Vec<(&str, &Value)> {
        let Some(p) = &self.compilation.platform else { return Vec::new() };
        let mut out = Vec::new();
        for env in &p.envs {
            for c in &env.components {
                for o in &c.objects {
                    collect_values(&o.value, span, env.name.as_str(), &mut out);
                }
            }
        }
        out
    }

    /// An expression evaluated in each environment, with where its value was set.
    fn evaluated_section(&self, module: cedc_names::ModuleId, e: &Expr) -> String {
        let (Some(checked), Some(platform)) = (&self.compilation.checked, &self.compilation.platform) else {
            return String::new();
        };
        let mut lines = Vec::new();
        for env in &platform.envs {
            let program = &self.compilation.program;
            let Some(v) = cedc_eval::evaluate_expr(program, checked, &env.name, module, e) else { continue };
            let json = v.to_json().map(|j| short_json(&j)).unwrap_or_else(|_| "…".into());
            let how = if v.origin.overrides().is_some() { "overridden at" } else { "set at" };
            lines.push(format!("- `{}`: `{json}` — {how} `{}`", env.name, self.line_of(v.origin.span)));
        }
        if lines.is_empty() { String::new() } else { format!("**In each environment**\n{}", lines.join("\n")) }
    }

    fn values_section(&self, span: Span) -> String {
        let found = self.values_from(span);
        if found.is_empty() {
            return String::new();
        }
        let mut lines: Vec<String> = Vec::new();
        let mut seen: Vec<(&str, String, Span)> = Vec::new();
        for (env, v) in found {
            let json = v.to_json().map(|j| short_json(&j)).unwrap_or_else(|_| "…".into());
            if seen.iter().any(|(e, j, s)| *e == env && *j == json && *s == v.origin.span) {
                continue;
            }
            seen.push((env, json.clone(), v.origin.span));
            let how = if v.origin.overrides().is_some() { "overridden at" } else { "set at" };
            lines.push(format!("- `{env}`: `{json}` — {how} `{}`", self.line_of(v.origin.span)));
        }
        format!("**In each environment**\n{}", lines.join("\n"))
    }

    // ---------------------------------------------------------- document symbols

    #[allow(deprecated)] // `DocumentSymbol::deprecated` must still be written.
    pub fn document_symbols(&self, file: FileId) -> Vec<DocumentSymbol> {
        let Some(module) = self.module_of(file) else { return Vec::new() };
        module
            .ast
            .items
            .iter()
            .map(|item| {
                let (name, kind, sel) = item_symbol(module, item);
                let full = self.range(item.span);
                DocumentSymbol {
                    name,
                    detail: None,
                    kind,
                    tags: None,
                    deprecated: None,
                    range: full,
                    selection_range: self.range(sel),
                    children: None,
                }
            })
            .collect()
    }

    /// The declarations of the project's own files (not the standard library's) whose
    /// name holds every character of `query` in order (case-insensitive), as the
    /// editor's "go to symbol in workspace" lists them.
    #[allow(deprecated)] // `SymbolInformation::deprecated` must still be written.
    pub fn workspace_symbols(&self, query: &str) -> Vec<lsp_types::SymbolInformation> {
        let query = query.to_lowercase();
        let mut out = Vec::new();
        for module in self.compilation.program.modules.iter().filter(|m| !m.is_std) {
            let container = Some(module.name.clone());
            for item in &module.ast.items {
                let (name, kind, sel) = item_symbol(module, item);
                if matches!(item.kind, ItemKind::Import(_)) || !subsequence(&query, &name.to_lowercase()) {
                    continue;
                }
                let Some(location) = self.location(sel) else { continue };
                out.push(lsp_types::SymbolInformation {
                    name,
                    kind,
                    tags: None,
                    deprecated: None,
                    location,
                    container_name: container.clone(),
                });
            }
        }
        out
    }

    // ----------------------------------------------------------- semantic tokens

    pub fn semantic_tokens(&self, file: FileId) -> Vec<SemanticToken> {
        let idx = self.lines(file);
        // Which locals are parameters (named arguments refer to those of other files
        // too), found once rather than per token.
        let params: std::collections::HashSet<Span> = self
            .compilation
            .program
            .items()
            .map(|(_, i)| i)
            .filter_map(|i| match &i.kind {
                ItemKind::Fn(f) => Some(f.params.iter().map(|p| p.name.span)),
                _ => None,
            })
            .flatten()
            .collect();
        let mut out = Vec::new();
        let (mut prev_line, mut prev_col) = (0u32, 0u32);
        for o in self.resolution().occurrences.iter().filter(|o| o.span.file == file) {
            let Some(kind) = self.token_kind(&o.def, &params) else { continue };
            let start = idx.position(o.span.start as usize);
            let end = idx.position(o.span.end as usize);
            if start.line != end.line {
                continue;
            }
            let mut modifiers = if o.is_def { 1 } else { 0 };
            if let Def::Decl { module, .. } = &o.def
                && self.module(*module).is_std
            {
                modifiers |= 2;
            }
            let delta_line = start.line - prev_line;
            let delta_start = if delta_line == 0 { start.character - prev_col } else { start.character };
            out.push(SemanticToken {
                delta_line,
                delta_start,
                length: end.character - start.character,
                token_type: kind,
                token_modifiers_bitset: modifiers,
            });
            (prev_line, prev_col) = (start.line, start.character);
        }
        out
    }

    /// The token type of a name; `params` are the spans of every function parameter.
    fn token_kind(&self, def: &Def, params: &std::collections::HashSet<Span>) -> Option<u32> {
        Some(match def {
            Def::Module(_) => 0,
            Def::Local { span } => {
                if params.contains(span) {
                    4
                } else {
                    3
                }
            }
            Def::EnvField { .. } => 3,
            Def::Decl { module, name } => match &self.module(*module).item(name)?.kind {
                ItemKind::Type(_) | ItemKind::Composite(_) => 1,
                ItemKind::Fn(_) => 2,
                ItemKind::Let(_) => 3,
                ItemKind::Env(_) => 5,
                ItemKind::Component(_) => 6,
                ItemKind::Import(_) | ItemKind::Override(_) => return None,
            },
        })
    }
}

/// The legend of [`Analysis::semantic_tokens`]; indices match `token_kind`.
pub fn token_legend() -> lsp_types::SemanticTokensLegend {
    use lsp_types::{SemanticTokenModifier as M, SemanticTokenType as T};
    lsp_types::SemanticTokensLegend {
        token_types: vec![T::NAMESPACE, T::TYPE, T::FUNCTION, T::VARIABLE, T::PARAMETER, T::ENUM_MEMBER, T::CLASS],
        token_modifiers: vec![M::DECLARATION, M::DEFAULT_LIBRARY],
    }
}

pub fn is_ident(s: &str) -> bool {
    let mut parts = s.split('-');
    let Some(first) = parts.next() else { return false };
    let mut chars = first.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && parts.all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

fn short_json(j: &serde_json::Value) -> String {
    let s = j.to_string();
    if s.chars().count() > 120 { format!("{}…", s.chars().take(120).collect::<String>()) } else { s }
}

fn collect_values<'a>(v: &'a Value, span: Span, env: &'a str, out: &mut Vec<(&'a str, &'a Value)>) {
    // Iterative: values can be as deep as the user's data.
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        if v.origin.span == span || v.origin.overrides() == Some(span) {
            out.push((env, v));
        }
        match &v.kind {
            ValueKind::List(items) => stack.extend(items.iter().rev()),
            ValueKind::Record(fields) => stack.extend(fields.values().rev()),
            _ => {}
        }
    }
}

/// A declaration's name, symbol kind and the span to select.
fn item_symbol(module: &Module, item: &cedc_syntax::ast::Item) -> (String, SymbolKind, Span) {
    match &item.kind {
        ItemKind::Import(i) => {
            let sel = i.alias.as_ref().map_or(i.path_span, |a| a.span);
            let alias = module.imports.iter().find(|(_, (_, s))| *s == sel).map(|(a, _)| a.clone());
            (alias.unwrap_or_else(|| i.path.clone()), SymbolKind::MODULE, sel)
        }
        ItemKind::Let(d) => (d.name.name.clone(), SymbolKind::CONSTANT, d.name.span),
        ItemKind::Type(d) => (d.name.name.clone(), SymbolKind::STRUCT, d.name.span),
        ItemKind::Fn(d) => (d.name.name.clone(), SymbolKind::FUNCTION, d.name.span),
        ItemKind::Composite(d) => (d.name.name.clone(), SymbolKind::STRUCT, d.name.span),
        ItemKind::Env(d) => (d.name.name.clone(), SymbolKind::NAMESPACE, d.name.span),
        ItemKind::Component(d) => (d.name.name.clone(), SymbolKind::CLASS, d.name.span),
        ItemKind::Override(o) => {
            let envs: Vec<&str> = o.envs.iter().map(|e| e.name.as_str()).collect();
            let first = o.envs.first().map_or(item.span, |e| e.span);
            (format!("in {}", envs.join(", ")), SymbolKind::EVENT, first)
        }
    }
}

/// Whether every character of `query` appears in `name`, in order.
fn subsequence(query: &str, name: &str) -> bool {
    let mut chars = name.chars();
    query.chars().all(|q| chars.any(|c| c == q))
}

// --------------------------------------------------------------- AST locating

/// Calls `f` on every expression of a module, outer before inner.
pub fn walk_module<'a>(module: &'a Module, f: &mut dyn FnMut(&'a Expr)) {
    for item in &module.ast.items {
        visit::walk_item(&item.kind, &mut |e, _| {
            f(e);
            true
        });
    }
}

fn contains(span: Span, offset: usize) -> bool {
    span.start as usize <= offset && offset <= span.end as usize
}

/// Spans of the expressions containing `offset`, outermost first.
pub fn exprs_at(module: &Module, offset: usize, out: &mut Vec<Span>) {
    walk_module(module, &mut |e| {
        if contains(e.span, offset) {
            out.push(e.span);
        }
    });
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// The innermost expression containing `offset`.
pub fn expr_at(module: &Module, offset: usize) -> Option<&Expr> {
    let mut best: Option<&Expr> = None;
    walk_module(module, &mut |e| {
        if contains(e.span, offset) && best.is_none_or(|b| e.span.len() <= b.span.len()) {
            best = Some(e);
        }
    });
    best
}

/// The record field whose key is under the cursor, and the span of its record literal
/// (`None` span for an `env` block's fields).
pub fn field_at(module: &Module, offset: usize) -> Option<(RecordField, Span)> {
    let mut found = None;
    walk_module(module, &mut |e| {
        if let ExprKind::Record(fields) = &e.kind
            && let Some(f) = fields.iter().find(|f| contains(f.key.span(), offset))
        {
            found = Some((f.clone(), e.span));
        }
    });
    found
}
