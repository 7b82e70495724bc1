//! Loading files and following imports.

use crate::{Module, ModuleId, NameMap, Program, STDLIB};
use cedc_diagnostics::{Diagnostic, Diagnostics, Span, did_you_mean};
use cedc_syntax::ast::{self, ItemKind};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Longest chain of imports followed from an entry file.
pub const MAX_IMPORT_DEPTH: usize = 64;

/// Where project files come from: the disk, or memory (tests, the language server).
pub trait FileSystem {
    /// Read a project-relative path (forward slashes).
    fn read(&self, rel: &str) -> std::io::Result<Vec<u8>>;
    /// Read a file of a dependency (a path under one of the [`Packages`]' roots).
    fn read_path(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        read_regular_file(path)
    }
}

/// The project's dependencies as the loader sees them: name → the directory holding the
/// library's files (a path dependency's directory, or a fetched copy in the cache).
/// `import "name/path"` loads `path.ced` there, as the module `@name/path.ced`.
pub type Packages = std::collections::BTreeMap<String, PathBuf>;

/// The prefix of a dependency's module names (`@netlib/dns.ced`): no project path
/// starts with it, so modules of the project and of its dependencies never share a name.
pub const PACKAGE_PREFIX: char = '@';

pub struct OsFs {
    pub root: PathBuf,
}

impl FileSystem for OsFs {
    fn read(&self, rel: &str) -> std::io::Result<Vec<u8>> {
        read_regular_file(&self.root.join(rel))
    }
}

/// Read a file that must be a regular file (a symbolic link to one is followed). A
/// FIFO would block the read forever, and a directory, device or socket is no source
/// either: they are refused before being read, with an error whose message says what
/// the path is instead (its inner error is a [`NotRegularFile`]).
pub fn read_regular_file(path: &Path) -> std::io::Result<Vec<u8>> {
    check_regular(&std::fs::metadata(path)?)?;
    let mut file = std::fs::File::open(path)?;
    // Checked again on what was opened, in case the path changed in between.
    let meta = file.metadata()?;
    check_regular(&meta)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).min(1 << 26));
    std::io::Read::read_to_end(&mut file, &mut bytes)?;
    Ok(bytes)
}

/// Why [`read_regular_file`] refused a path: what it is instead of a regular file.
#[derive(Debug)]
pub struct NotRegularFile(pub &'static str);

impl std::fmt::Display for NotRegularFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "it is {}, not a regular file; cedc reads only regular files", self.0)
    }
}

impl std::error::Error for NotRegularFile {}

fn check_regular(meta: &std::fs::Metadata) -> std::io::Result<()> {
    if meta.is_file() {
        return Ok(());
    }
    let what = kind_of(&meta.file_type());
    Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, NotRegularFile(what)))
}

fn kind_of(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    if t.is_dir() { "a directory" } else { "a special file" }
}

/// Whether an I/O error is [`read_regular_file`] refusing a path that is not a regular
/// file.
pub fn is_not_regular(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<NotRegularFile>())
}

#[derive(Default)]
pub struct MemoryFs {
    pub files: HashMap<String, Vec<u8>>,
}

impl FileSystem for MemoryFs {
    fn read(&self, rel: &str) -> std::io::Result<Vec<u8>> {
        self.files.get(rel).cloned().ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    }
    /// Dependencies' files are keyed by their whole path (`/libs/net/dns.ced`).
    fn read_path(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.read(&path.to_string_lossy())
    }
}

/// Load the prelude, the entry files (project-relative paths) and all their imports.
/// Returns the program (with every module that could be loaded) and the diagnostics.
pub fn load_project(fs: &dyn FileSystem, entries: &[String]) -> (Program, Diagnostics) {
    load_project_with(fs, entries, Packages::new(), &[])
}

/// [`load_project`] for a project with dependencies: `import "name/path"` reads from
/// `packages[name]`. `unavailable` names the dependencies that are declared but cannot
/// be read (reported on cedc.toml): importing them is E0014 at the import.
pub fn load_project_with(
    fs: &dyn FileSystem,
    entries: &[String],
    packages: Packages,
    unavailable: &[String],
) -> (Program, Diagnostics) {
    load_project_cached(fs, entries, packages, unavailable, None)
}

/// [`load_project_with`], taking the parse of a file from `cache` when the same text was
/// parsed before under the same name and file id (the language server re-checks a
/// project after each keystroke; only the edited file needs parsing again).
pub fn load_project_cached(
    fs: &dyn FileSystem,
    entries: &[String],
    packages: Packages,
    unavailable: &[String],
    cache: Option<&ParseCache>,
) -> (Program, Diagnostics) {
    let mut l = Loader {
        cache,
        fs,
        program: Program::default(),
        diags: Vec::new(),
        by_name: HashMap::new(),
        stack: Vec::new(),
        unavailable,
    };
    l.program.packages = packages;
    l.program.prelude = l.load_std("prelude", None);
    for e in entries {
        match normalize(e).filter(|p| !p.starts_with(PACKAGE_PREFIX)) {
            Some(p) => {
                l.load_file(&p, None);
            }
            None => l.diags.push(
                Diagnostic::error("E0080", format!("entry file `{e}` is not a path inside the project"))
                    .help("entry files in cedc.toml are relative paths inside the project directory"),
            ),
        }
    }
    l.program.resolution = match cache {
        Some(c) => c.resolution(&l.program),
        None => Arc::new(crate::resolve(&l.program)),
    };
    (l.program, l.diags)
}

/// Parses kept between loads, by module name: the text, the file id its spans use, and
/// what parsing it gave. A load takes a parse only when the text and the file id are
/// the same (file ids follow the order files are loaded in, which only changes when
/// imports do), so a parse taken from the cache is exactly the one a parse would give.
/// One entry per module name: the cache holds at most the modules of the project.
#[derive(Default)]
pub struct ParseCache {
    parses: Mutex<HashMap<String, Parse>>,
    /// The last program's resolution, and its modules (name, file, syntax tree) in order:
    /// a program of the same modules resolves alike (names are resolved from the trees
    /// and the import graph alone), so the language server's whole check, after the
    /// first check of the same text, does not resolve again.
    resolved: crate::Last<crate::ModuleKeys, Arc<crate::Resolution>>,
}

struct Parse {
    file: cedc_diagnostics::FileId,
    text: Arc<str>,
    ast: Arc<ast::Module>,
    error: Option<Diagnostic>,
}

impl std::fmt::Debug for ParseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.parses.lock().map_or(0, |p| p.len());
        write!(f, "ParseCache({n} files)")
    }
}

impl ParseCache {
    /// `program`'s resolution: the last one if it had the same modules, else resolved
    /// now (and kept).
    fn resolution(&self, program: &Program) -> Arc<crate::Resolution> {
        self.resolved.get_or(crate::ModuleKeys::of(program), || Arc::new(crate::resolve(program)))
    }

    fn get(
        &self,
        name: &str,
        file: cedc_diagnostics::FileId,
        text: &str,
    ) -> Option<(Arc<ast::Module>, Option<Diagnostic>)> {
        let parses = self.parses.lock().ok()?;
        let p = parses.get(name).filter(|p| p.file == file && &*p.text == text)?;
        Some((p.ast.clone(), p.error.clone()))
    }

    fn put(
        &self,
        name: &str,
        file: cedc_diagnostics::FileId,
        text: &str,
        ast: &Arc<ast::Module>,
        error: &Option<Diagnostic>,
    ) {
        if let Ok(mut parses) = self.parses.lock() {
            let parse = Parse { file, text: Arc::from(text), ast: ast.clone(), error: error.clone() };
            parses.insert(name.to_string(), parse);
        }
    }
}

struct Loader<'a> {
    cache: Option<&'a ParseCache>,
    fs: &'a dyn FileSystem,
    program: Program,
    diags: Diagnostics,
    /// Module name → id, for modules loaded (or being loaded).
    by_name: HashMap<String, ModuleId>,
    /// Import chain being followed: (module name, import span).
    stack: Vec<(String, Option<Span>)>,
    unavailable: &'a [String],
}

impl Loader<'_> {
    fn load_std(&mut self, name: &str, from: Option<Span>) -> Option<ModuleId> {
        let key = format!("std/{name}.ced");
        if let Some(id) = self.by_name.get(&key) {
            return Some(*id);
        }
        let Some((_, text)) = STDLIB.iter().find(|(n, _)| *n == name) else {
            let mut d = Diagnostic::error("E0010", format!("there is no standard library module `std/{name}`"));
            if let Some(s) = from {
                d = d.at(s, "not in the standard library");
            }
            let names = STDLIB.iter().map(|(n, _)| *n).filter(|n| *n != "prelude");
            let help = match did_you_mean(name, names) {
                Some(m) => format!("did you mean `std/{m}`?"),
                None => format!(
                    "the standard library has: {}",
                    STDLIB
                        .iter()
                        .filter(|(n, _)| *n != "prelude")
                        .map(|(n, _)| format!("std/{n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            self.diags.push(d.help(help));
            return None;
        };
        self.add_module(key, text.to_string(), true, from)
    }

    fn load_file(&mut self, rel: &str, from: Option<Span>) -> Option<ModuleId> {
        if let Some(id) = self.by_name.get(rel) {
            if let Some(pos) = self.stack.iter().position(|(n, _)| n == rel) {
                let cycle: Vec<&str> =
                    self.stack[pos..].iter().map(|(n, _)| n.as_str()).chain(std::iter::once(rel)).collect();
                let mut d = Diagnostic::error("E0011", format!("import cycle: {}", cycle.join(" → ")));
                if let Some(s) = from {
                    d = d.at(s, format!("`{rel}` is already being imported"));
                }
                for (_, span) in &self.stack[pos + 1..] {
                    if let Some(s) = span {
                        d = d.also(*s, "imported here");
                    }
                }
                self.diags
                    .push(d.help("break the cycle: move what both files need into a third file that both import"));
                return None;
            }
            return Some(*id);
        }
        let read = match package_file(&self.program.packages, rel) {
            Some(path) => self.fs.read_path(&path),
            None => self.fs.read(rel),
        };
        let bytes = match read {
            Ok(b) => b,
            Err(e) => {
                let what = if e.kind() == std::io::ErrorKind::NotFound {
                    "not found"
                } else if is_not_regular(&e) {
                    "is not a regular file"
                } else {
                    "could not be read"
                };
                let mut d = Diagnostic::error("E0010", format!("file `{rel}` {what}"));
                d = match from {
                    Some(s) => d.at(s, what),
                    None => d.note(format!("`{rel}` is an entry file named in cedc.toml")),
                };
                self.diags.push(d.help(if e.kind() == std::io::ErrorKind::NotFound {
                    match rel.split_once('/').filter(|(p, _)| p.starts_with(PACKAGE_PREFIX)) {
                        Some((pkg, path)) => format!(
                            "`{}` has no file `{path}`; import paths inside a dependency are relative to its directory",
                            &pkg[1..]
                        ),
                        None => "check the path; import paths are relative to the importing file".to_string(),
                    }
                } else if is_not_regular(&e) {
                    format!("{e}: replace `{rel}` with a regular .ced file")
                } else {
                    format!("the operating system said: {e}")
                }));
                return None;
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let file = self.program.files.add(rel, lossy);
                let mut d = Diagnostic::error("E0002", format!("`{rel}` is not valid UTF-8"))
                    .at(Span::new(file, at, at + char::REPLACEMENT_CHARACTER.len_utf8()), "invalid byte here")
                    .help("save the file as UTF-8");
                if let Some(s) = from {
                    d = d.also(s, "imported here");
                }
                self.diags.push(d);
                return None;
            }
        };
        self.add_module(rel.to_string(), text, false, from)
    }

    fn add_module(&mut self, name: String, text: String, is_std: bool, from: Option<Span>) -> Option<ModuleId> {
        if self.stack.len() >= MAX_IMPORT_DEPTH {
            let mut d =
                Diagnostic::error("E0013", format!("imports are nested more than {MAX_IMPORT_DEPTH} files deep"));
            if let Some(s) = from {
                d = d.at(s, "one import too many");
            }
            self.diags.push(d.help("flatten the import chain: import shared files from fewer levels"));
            return None;
        }
        let file = self.program.files.add(name.clone(), text);
        let parsed = self.parse(&name, file);
        let id = ModuleId(self.program.modules.len() as u32);
        self.by_name.insert(name.clone(), id);
        let decls = self.index_decls(&parsed);
        self.program.modules.push(Module {
            id,
            file,
            name: name.clone(),
            ast: parsed,
            imports: NameMap::default(),
            decls,
            is_std,
        });
        self.stack.push((name.clone(), from));
        let imports: Vec<ast::Import> = self.program.modules[id.0 as usize]
            .ast
            .items
            .iter()
            .filter_map(|i| match &i.kind {
                ItemKind::Import(imp) => Some(imp.clone()),
                _ => None,
            })
            .collect();
        let mut resolved = NameMap::default();
        for imp in imports {
            self.import(&name, &imp, &mut resolved);
        }
        self.stack.pop();
        self.clashes_with_imports(id, &resolved);
        self.program.modules[id.0 as usize].imports = resolved;
        Some(id)
    }

    /// The syntax tree of a file just added (from the cache when it has this parse).
    fn parse(&mut self, name: &str, file: cedc_diagnostics::FileId) -> Arc<ast::Module> {
        let text = &self.program.files.get(file).text;
        if let Some((ast, error)) = self.cache.and_then(|c| c.get(name, file, text)) {
            self.diags.extend(error);
            return ast;
        }
        let (ast, error) = match cedc_syntax::parse(file, text) {
            Ok(m) => (Arc::new(m), None),
            Err(d) => (Arc::new(ast::Module { items: Vec::new(), comments: Vec::new() }), Some(d)),
        };
        if let Some(cache) = self.cache {
            cache.put(name, file, text, &ast, &error);
        }
        self.diags.extend(error);
        ast
    }

    /// E0021 for a declaration named like an import of its file: inside the file the
    /// declaration would hide the module (`component grafana { chart: grafana.install() }`
    /// would read the component, not the chart module), so neither is chosen silently.
    fn clashes_with_imports(&mut self, id: ModuleId, imports: &NameMap<(ModuleId, Span)>) {
        let m = &self.program.modules[id.0 as usize];
        for (name, &(_, import_span)) in imports {
            let Some(&item) = m.decls.get(name) else { continue };
            let Some(decl) = m.ast.items[item].name() else { continue };
            self.diags.push(
                Diagnostic::error("E0021", format!("`{name}` is both imported and declared in this file"))
                    .at(decl.span, "declared here")
                    .also(import_span, "imported with this name")
                    .help(format!(
                        "inside this file `{name}` would name only one of them: import the module under another name (`as {name}_module`, `as {name}_chart`) or rename the declaration"
                    )),
            );
        }
    }

    fn import(&mut self, from_module: &str, imp: &ast::Import, resolved: &mut NameMap<(ModuleId, Span)>) {
        let span = imp.path_span;
        let target = match self.target(from_module, &imp.path) {
            Ok(t) => t,
            Err((d, label)) => {
                self.diags.push(d.at(span, label));
                return;
            }
        };
        let stem = imp.path.trim_end_matches(".ced").rsplit('/').next().unwrap_or("").to_string();
        let alias = match &imp.alias {
            Some(a) => a.name.clone(),
            None => stem.clone(),
        };
        if imp.alias.is_none() && !is_ident(&alias) {
            self.diags.push(
                Diagnostic::error("E0012", format!("`{stem}` cannot be used as a module name"))
                    .at(span, "no valid name for this import")
                    .help("give the import a name: `import \"...\" as name`"),
            );
            return;
        }
        let id = match target {
            Target::Std(n) => self.load_std(&n, Some(span)),
            Target::File(p) => self.load_file(&p, Some(span)),
        };
        let Some(id) = id else { return };
        let alias_span = imp.alias.as_ref().map(|a| a.span).unwrap_or(span);
        if let Some((_, prev)) = resolved.get(&alias) {
            self.diags.push(
                Diagnostic::error("E0021", format!("`{alias}` is imported twice"))
                    .at(alias_span, "second import with this name")
                    .also(*prev, "first imported here")
                    .help("give one of the imports another name with `as`"),
            );
            return;
        }
        resolved.insert(alias, (id, alias_span));
    }

    fn index_decls(&mut self, m: &ast::Module) -> NameMap<usize> {
        let mut decls: NameMap<usize> = NameMap::default();
        for (i, item) in m.items.iter().enumerate() {
            let Some(name) = item.name() else { continue };
            if let Some(prev) = decls.get(&name.name) {
                let prev_span = m.items[*prev].name().map(|n| n.span).unwrap_or(name.span);
                self.diags.push(
                    Diagnostic::error("E0021", format!("`{}` is declared twice in this file", name.name))
                        .at(name.span, "declared again here")
                        .also(prev_span, "first declared here")
                        .help("rename one of the declarations"),
                );
                continue;
            }
            decls.insert(name.name.clone(), i);
        }
        decls
    }
}

enum Target {
    Std(String),
    File(String),
}

impl Loader<'_> {
    /// What `import "path"` written in `from_module` names: a standard library module,
    /// a file of the project, or a file of a dependency (`name/path`). A relative path
    /// stays inside the project, or inside the dependency the importing file belongs to.
    fn target(&self, from_module: &str, path: &str) -> Result<Target, (Diagnostic, &'static str)> {
        if let Some(std_name) = path.strip_prefix("std/") {
            return Ok(Target::Std(std_name.to_string()));
        }
        let with_ext = |p: String| if p.ends_with(".ced") { p } else { format!("{p}.ced") };
        if path.starts_with("./") || path.starts_with("../") {
            let (dir, package) = match from_module.rsplit_once('/') {
                _ if from_module.starts_with("std/") => (String::new(), None),
                Some((d, _)) => (format!("{d}/"), from_module.split_once('/').map(|(p, _)| p)),
                None => (String::new(), None),
            };
            let package = package.filter(|p| p.starts_with(PACKAGE_PREFIX));
            let inside = |n: &String| match package {
                Some(p) => n.strip_prefix(p).is_some_and(|rest| rest.starts_with('/')),
                None => !n.starts_with(PACKAGE_PREFIX),
            };
            return match normalize(&with_ext(format!("{dir}{path}"))) {
                Some(n) if !from_module.starts_with("std/") && inside(&n) => Ok(Target::File(n)),
                _ => Err((match package {
                    Some(p) => Diagnostic::error("E0012", format!("import path `{path}` leaves the dependency `{}`", &p[1..]))
                        .help("a dependency's files may import only files inside its own directory, the standard library and other dependencies"),
                    None => Diagnostic::error("E0012", format!("import path `{path}` leaves the project directory"))
                        .help("a project imports only files inside its own directory; to share files between projects, declare a dependency in cedc.toml's `[dependencies]`"),
                }, "outside the project")),
            };
        }
        if let Some((name, rest)) = path.split_once('/')
            && self.program.packages.contains_key(name)
        {
            return match normalize(&with_ext(rest.to_string())) {
                Some(n) => Ok(Target::File(format!("{PACKAGE_PREFIX}{name}/{n}"))),
                None => Err((
                    Diagnostic::error("E0012", format!("import path `{path}` leaves the dependency `{name}`"))
                        .help(format!("write the path of a file inside `{name}`: `\"{name}/<file>\"`")),
                    "outside the dependency",
                )),
            };
        }
        let head = path.split('/').next().unwrap_or(path);
        if self.unavailable.iter().any(|u| u == head) {
            return Err((
                Diagnostic::error("E0014", format!("the dependency `{head}` is not available"))
                    .help("see the error on its line in cedc.toml (most often: run `cedc fetch`)"),
                "not available",
            ));
        }
        let mut d = Diagnostic::error("E0012", format!("`{path}` is not an import path cedc understands"));
        d = match did_you_mean(head, self.program.packages.keys().map(String::as_str)) {
            Some(m) if path.contains('/') => d.help(format!("did you mean the dependency `{m}`?")),
            _ if self.program.packages.contains_key(path) => d.help(format!(
                "name a file of the dependency: `\"{path}/<file>\"`"
            )),
            _ => d.help(format!(
                "write `\"./{path}\"` for a file next to this one, `\"std/<name>\"` for the standard library, or `\"<dependency>/<file>\"` for a file of a dependency declared in cedc.toml's `[dependencies]`"
            )),
        };
        Err((d, "invalid import path"))
    }
}

/// Where a dependency's module (`@netlib/dns.ced`) is on disk; `None` for a project file.
pub fn package_file(packages: &Packages, module: &str) -> Option<PathBuf> {
    let rest = module.strip_prefix(PACKAGE_PREFIX)?;
    let (name, path) = rest.split_once('/')?;
    Some(packages.get(name)?.join(path))
}

/// Normalize a project-relative path: resolve `.` and `..`, reject paths that leave
/// the project (or are absolute).
pub(crate) fn normalize(p: &str) -> Option<String> {
    if p.starts_with('/') || p.contains('\\') || Path::new(p).is_absolute() {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() { None } else { Some(parts.join("/")) }
}

/// Whether `s` can name a module (an import without `as` binds its stem) or a
/// dependency (what `import "<name>/…"` starts with): letters, digits, `_` and inner `-`.
pub fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !s.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fs(files: &[(&str, &str)]) -> MemoryFs {
        MemoryFs { files: files.iter().map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())).collect() }
    }

    #[test]
    fn follows_imports_and_binds_aliases() {
        let fs = fs(&[
            ("main.ced", "import \"./lib/a.ced\"\nimport \"./lib/b\" as bee\nimport \"std/k8s\""),
            ("lib/a.ced", "import \"../shared.ced\"\nlet x = 1"),
            ("lib/b.ced", "let y = 2"),
            ("shared.ced", "let z = 3"),
        ]);
        let (p, d) = load_project(&fs, &["main.ced".into()]);
        assert!(d.is_empty(), "{d:?}");
        let main = p.modules.iter().find(|m| m.name == "main.ced").unwrap();
        assert_eq!(main.imports.keys().collect::<Vec<_>>(), ["a", "bee", "k8s"]);
        assert!(p.modules.iter().any(|m| m.name == "shared.ced"));
        assert_eq!(p.module(p.prelude.unwrap()).name, "std/prelude.ced");
    }

    #[test]
    fn import_cycle_shows_the_cycle() {
        let fs = fs(&[("main.ced", "import \"./a\""), ("a.ced", "import \"./b\""), ("b.ced", "import \"./a\"")]);
        let (_, d) = load_project(&fs, &["main.ced".into()]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, "E0011");
        assert_eq!(d[0].message, "import cycle: a.ced → b.ced → a.ced");
    }

    #[test]
    fn bad_paths_are_diagnostics() {
        let fs =
            fs(&[("main.ced", "import \"../outside\"\nimport \"lib/x\"\nimport \"./missing\"\nimport \"std/nope\"")]);
        let (_, d) = load_project(&fs, &["main.ced".into()]);
        let codes: Vec<_> = d.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["E0012", "E0012", "E0010", "E0010"]);
        assert!(d.iter().all(|d| d.span().is_some() && d.help.is_some()));
    }

    #[test]
    fn long_import_chains_stop() {
        let mut files = vec![];
        for i in 0..100 {
            files.push((format!("f{i}.ced"), format!("import \"./f{}\"", i + 1)));
        }
        files.push(("f100.ced".into(), String::new()));
        let fs = MemoryFs { files: files.into_iter().map(|(k, v)| (k, v.into_bytes())).collect() };
        let (_, d) = load_project(&fs, &["f0.ced".into()]);
        assert_eq!(d.iter().map(|d| d.code).collect::<Vec<_>>(), ["E0013"]);
    }

    #[test]
    fn non_utf8_is_located() {
        let mut fs = MemoryFs::default();
        fs.files.insert("main.ced".into(), b"let a = \"\xff\"".to_vec());
        let (_, d) = load_project(&fs, &["main.ced".into()]);
        assert_eq!(d[0].code, "E0002");
        assert_eq!(d[0].span().unwrap().start, 9);
    }
}
