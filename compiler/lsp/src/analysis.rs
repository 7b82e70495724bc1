//! One analysis of a project as the editor sees it: open documents take the place of
//! the files on disk, then the same pipeline as `cedc check` runs — up to the type
//! checker ([`Depth::Front`]) or all of it ([`Depth::Full`]). Every request is answered
//! from the newest analysis of the document's project.

use cedc_diagnostics::{Diagnostic, FileId, Files, Severity, Span};
use cedc_driver::{Compilation, Kept, Options, Settings, compile_opts, project};
use cedc_names::{FileSystem, Resolution};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The open documents, by absolute path.
pub type Documents = HashMap<PathBuf, String>;

/// Reads project files from the open documents first, then from the disk.
pub struct Overlay<'a> {
    pub root: &'a Path,
    pub docs: &'a Documents,
    /// One document's text replaced (completion analyses a repaired copy).
    pub replace: Option<(&'a Path, &'a str)>,
}

impl FileSystem for Overlay<'_> {
    fn read(&self, rel: &str) -> std::io::Result<Vec<u8>> {
        self.read_path(&self.root.join(rel))
    }

    /// A dependency's file open in the editor (a path dependency being edited beside
    /// the project) is read from the editor too.
    fn read_path(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        if let Some((p, text)) = self.replace
            && p == path
        {
            return Ok(text.as_bytes().to_vec());
        }
        match self.docs.get(path) {
            Some(text) => Ok(text.as_bytes().to_vec()),
            None => cedc_names::read_regular_file(path),
        }
    }
}

/// Where a file belongs: the directory holding the nearest `cedc.toml` above it, or,
/// with none, the file alone.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProjectKey {
    Project(PathBuf),
    Single(PathBuf),
}

impl ProjectKey {
    pub fn of(file: &Path) -> ProjectKey {
        for dir in file.ancestors().skip(1) {
            if dir.join(project::CONFIG_FILE).is_file() {
                return ProjectKey::Project(dir.to_path_buf());
            }
        }
        ProjectKey::Single(file.to_path_buf())
    }
    pub fn root(&self) -> &Path {
        match self {
            ProjectKey::Project(root) => root,
            ProjectKey::Single(file) => file.parent().unwrap_or(Path::new("/")),
        }
    }
    pub fn contains(&self, file: &Path) -> bool {
        match self {
            ProjectKey::Project(root) => file.starts_with(root),
            ProjectKey::Single(f) => f == file,
        }
    }
}

/// How far an analysis goes: [`Depth::Front`] stops after the type checker (the
/// diagnostics published at once after a keystroke), [`Depth::Full`] evaluates every
/// environment and checks the platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    Front,
    Full,
}

pub struct Analysis {
    pub key: ProjectKey,
    /// What this analysis reused and added to (the server's, shared by every analysis;
    /// completion's repaired copies use its parses too).
    pub kept: Kept,
    pub compilation: Compilation,
    /// The entry files analysed (project-relative).
    pub entries: Vec<String>,
    /// Line starts of each file, computed on first use: requests convert many spans.
    lines: Vec<std::sync::OnceLock<Vec<usize>>>,
    /// A broken `cedc.toml`: reported on it, and the open files are analysed alone.
    pub config_error: Option<(Files, Diagnostic)>,
}

impl Analysis {
    /// Analyse the project `key` with the open documents in place of the disk.
    pub fn run(key: ProjectKey, docs: &Documents, depth: Depth, kept: &Kept) -> Analysis {
        let root = key.root().to_path_buf();
        let mut config_error = None;
        let mut config = None;
        let mut entries = Vec::new();
        let mut schemas = Settings::default();
        if let ProjectKey::Project(_) = key {
            let mut files = Files::new();
            match project::load(&root, &mut files) {
                Ok(p) => {
                    schemas = Settings::of(&p);
                    entries = p.entry;
                    config = std::fs::read_to_string(root.join(project::CONFIG_FILE))
                        .ok()
                        .map(|t| (project::CONFIG_FILE.to_string(), t));
                }
                Err(e) => config_error = Some((files, e.diagnostic)),
            }
        }
        // Open files of the project that no entry reaches are analysed too, so a library
        // file being written gets its diagnostics before anything imports it.
        let open: Vec<String> = docs.keys().filter(|p| key.contains(p)).filter_map(|p| relative(&root, p)).collect();
        let lone = entries.is_empty();
        if lone {
            entries = open.clone();
        }
        let fs = Overlay { root: &root, docs, replace: None };
        let options = Options { kept: Some(kept.clone()), front_only: depth == Depth::Front, ..Default::default() };
        let mut compilation = compile_opts(&fs, &entries, config.clone(), &schemas, &options);
        let missing: Vec<String> =
            open.iter().filter(|rel| !compilation.program.modules.iter().any(|m| &m.name == *rel)).cloned().collect();
        if !missing.is_empty() {
            entries.extend(missing);
            compilation = compile_opts(&fs, &entries, config, &schemas, &options);
        }
        if lone {
            // A lone file is usually a library: not declaring an environment is fine.
            compilation.diagnostics.retain(|d| d.code != "E0081");
        }
        let lines = (0..compilation.program.files.iter().count()).map(|_| std::sync::OnceLock::new()).collect();
        Analysis { key, kept: kept.clone(), compilation, entries, lines, config_error }
    }

    /// Whether the compilation found an error (a front analysis with one is all a full
    /// one would give: evaluation only runs on a program that type-checks). A broken
    /// `cedc.toml` is not one: the open files are then compiled alone, all the way.
    pub fn has_errors(&self) -> bool {
        self.compilation.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// What every name of the program refers to (resolved once, when it was loaded).
    pub fn resolution(&self) -> &Resolution {
        &self.compilation.program.resolution
    }

    pub fn root(&self) -> &Path {
        self.key.root()
    }

    /// The absolute path of a file of the compilation (`None` for the standard library);
    /// a dependency's file is where the dependency is (its directory, or the cache).
    pub fn path(&self, file: FileId) -> Option<PathBuf> {
        let name = &self.compilation.program.files.get(file).name;
        if let Some(std_name) = name.strip_prefix("std/") {
            return crate::stdlib::path(std_name);
        }
        if let Some(path) = cedc_names::package_file(&self.compilation.program.packages, name) {
            return Some(path);
        }
        Some(self.root().join(name))
    }

    /// Whether the analysis read `path` (a file of the program, or one the project
    /// asked for that could not be read).
    pub fn reads(&self, path: &Path) -> bool {
        self.key.contains(path)
            || self.compilation.program.modules.iter().any(|m| !m.is_std && self.path(m.file).as_deref() == Some(path))
    }

    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        let rel = relative(self.root(), path)?;
        self.compilation.program.modules.iter().find(|m| m.name == rel).map(|m| m.file)
    }

    pub fn module_of(&self, file: FileId) -> Option<&cedc_names::Module> {
        self.compilation.program.modules.iter().find(|m| m.file == file)
    }

    pub fn text(&self, file: FileId) -> &str {
        &self.compilation.program.files.get(file).text
    }

    /// Positions in a file, its line starts computed once per analysis.
    pub fn lines(&self, file: FileId) -> crate::text::LineIndex<'_> {
        let text = self.text(file);
        match self.lines.get(file.0 as usize) {
            Some(cell) => {
                crate::text::LineIndex::with_starts(text, cell.get_or_init(|| crate::text::line_starts(text)))
            }
            None => crate::text::LineIndex::new(text),
        }
    }

    /// Diagnostics by absolute path, for every file that has some.
    pub fn diagnostics(&self) -> BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>> {
        let mut out: BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
        if let Some((files, d)) = &self.config_error {
            let path = self.root().join(project::CONFIG_FILE);
            out.entry(path).or_default().push(to_lsp(files, d, &|_| None));
        }
        let files = &self.compilation.program.files;
        let fallback = self.compilation.program.modules.iter().find(|m| !m.is_std).map(|m| m.file);
        for d in &self.compilation.diagnostics {
            let file = d.primary.as_ref().map(|(s, _)| s.file).or(fallback);
            let Some(file) = file else { continue };
            if files.get(file).name.starts_with("std/") {
                continue;
            }
            let Some(path) = self.path(file) else { continue };
            let lsp = to_lsp(files, d, &|f| self.path(f).and_then(|p| crate::text::path_to_uri(&p)));
            out.entry(path).or_default().push(lsp);
        }
        out
    }
}

impl Analysis {
    /// Quick fixes for the diagnostics of `file` whose span meets `[start, end]` and
    /// whose help names one replacement (`did you mean `replicas`?`): replace the text
    /// the diagnostic points at with it.
    pub fn code_actions(&self, file: FileId, start: usize, end: usize) -> Vec<lsp_types::CodeAction> {
        let mut out = Vec::new();
        for d in &self.compilation.diagnostics {
            let (Some(span), Some(help)) = (d.span(), d.help.as_deref()) else { continue };
            if span.file != file || (span.end as usize) < start || (span.start as usize) > end {
                continue;
            }
            if let Some((title, offset, text)) = crate::fixes::add_missing_fields(self, file, d) {
                out.extend(self.quick_fix(file, d, title, vec![(offset, 0, text)], false));
                continue;
            }
            if let Some((title, edits)) = crate::fixes::move_inside(self, file, d) {
                out.extend(self.quick_fix(file, d, title, edits, true));
                continue;
            }
            let Some(replacement) = suggestion(help) else { continue };
            // Only where the diagnostic points at the misspelt name itself (not at a value
            // whose field is misspelt): the text there is close to the suggestion.
            let written = self.text(file).get(span.start as usize..span.end as usize).unwrap_or("");
            if cedc_diagnostics::did_you_mean(written, [replacement]).as_deref() != Some(replacement) {
                continue;
            }
            out.extend(self.quick_fix(
                file,
                d,
                format!("Replace with `{replacement}`"),
                vec![(span.start as usize, span.len(), replacement.into())],
                true,
            ));
        }
        out
    }

    /// A quick fix for `d`: each `(offset, length, text)` replaces that much of the file.
    fn quick_fix(
        &self,
        file: FileId,
        d: &Diagnostic,
        title: String,
        edits: crate::fixes::Edits,
        preferred: bool,
    ) -> Option<lsp_types::CodeAction> {
        let uri = self.path(file).and_then(|p| crate::text::path_to_uri(&p))?;
        let edits = edits
            .into_iter()
            .map(|(at, len, new_text)| lsp_types::TextEdit {
                range: self.range(Span::new(file, at, at + len)),
                new_text,
            })
            .collect();
        #[allow(clippy::mutable_key_type)] // `Uri` hashes and compares as its text.
        let changes = std::collections::HashMap::from([(uri, edits)]);
        let files = &self.compilation.program.files;
        Some(lsp_types::CodeAction {
            title,
            kind: Some(lsp_types::CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![to_lsp(files, d, &|f| self.path(f).and_then(|p| crate::text::path_to_uri(&p)))]),
            edit: Some(lsp_types::WorkspaceEdit { changes: Some(changes), ..Default::default() }),
            is_preferred: Some(preferred),
            ..Default::default()
        })
    }
}

/// The replacement a help line offers: `did you mean `x`?` → `x`.
fn suggestion(help: &str) -> Option<&str> {
    let rest = help.split("did you mean `").nth(1)?;
    let end = rest.find("`?")?;
    let name = &rest[..end];
    (!name.is_empty() && !name.contains('`')).then_some(name)
}

/// A project-relative path with forward slashes, if `path` lies under `root`.
pub fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    Some(parts.join("/"))
}

fn to_lsp(files: &Files, d: &Diagnostic, uri_of: &dyn Fn(FileId) -> Option<lsp_types::Uri>) -> lsp_types::Diagnostic {
    let range = |s: Span| {
        let text = &files.get(s.file).text;
        crate::text::LineIndex::new(text).range(s.start as usize, s.end as usize)
    };
    let mut message = d.message.clone();
    if let Some((_, label)) = &d.primary
        && !label.is_empty()
    {
        message.push_str(&format!(": {label}"));
    }
    if let Some(h) = &d.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    for n in &d.shown_notes() {
        message.push_str(&format!("\nnote: {n}"));
    }
    // The secondary places, then every place the function raising it is used.
    let uses = d.uses.iter().map(|s| (*s, cedc_diagnostics::USED_HERE.to_string()));
    let related: Vec<lsp_types::DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .cloned()
        .chain(uses)
        .filter_map(|(s, label)| {
            Some(lsp_types::DiagnosticRelatedInformation {
                location: lsp_types::Location { uri: uri_of(s.file)?, range: range(s) },
                message: label,
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range: d.primary.as_ref().map(|(s, _)| range(*s)).unwrap_or_default(),
        severity: Some(match d.severity {
            Severity::Error => lsp_types::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp_types::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp_types::NumberOrString::String(d.code.to_string())),
        source: Some("cedc".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::to_lsp;
    use cedc_diagnostics::{Diagnostic, Files, Span};

    #[test]
    fn the_uses_of_a_helper_are_related_information() {
        let mut files = Files::new();
        let f = files.add("main.ced", "fn f() = 1\nlet a = f()\nlet b = f()\n");
        let d = Diagnostic::error("E0060", "boom")
            .at(Span::new(f, 9, 10), "here")
            .used_at(Span::new(f, 19, 22))
            .used_at(Span::new(f, 31, 34));
        let uri: lsp_types::Uri = "file:///p/main.ced".parse().expect("uri");
        let lsp = to_lsp(&files, &d, &|_| Some(uri.clone()));
        let related = lsp.related_information.expect("related information");
        let lines: Vec<(u32, &str)> =
            related.iter().map(|r| (r.location.range.start.line, r.message.as_str())).collect();
        assert_eq!(lines, [(1, "used here"), (2, "used here")]);
    }
}
