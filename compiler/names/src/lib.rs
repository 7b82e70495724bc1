//! Names: load the project's files and the standard library, resolve `import`s into a
//! module graph (cycles and missing files are diagnostics), and index each module's
//! declarations. Type checking and evaluation look names up here.

pub mod builtins;
mod last;
mod load;
mod resolve;

pub use builtins::Builtin;
pub use last::Last;
pub use load::{
    FileSystem, MemoryFs, NotRegularFile, OsFs, PACKAGE_PREFIX, Packages, ParseCache, is_ident, is_not_regular,
    load_project, load_project_cached, load_project_with, package_file, read_regular_file,
};
pub use resolve::{Def, Occurrence, Resolution, resolve};

use cedc_diagnostics::{FileId, Files, Span};
use cedc_syntax::ast;
/// The maps of a module's names, in declaration order, hashed with foldhash (looked up
/// at every reference).
pub type NameMap<V> = indexmap::IndexMap<String, V, foldhash::fast::FixedState>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModuleId(pub u32);

/// A loaded, parsed module (one `.ced` file).
#[derive(Debug)]
pub struct Module {
    pub id: ModuleId,
    pub file: FileId,
    /// Project-relative path (`lib/app.ced`), `std/k8s.ced`, or a dependency's file
    /// (`@netlib/dns.ced`, see [`PACKAGE_PREFIX`]).
    pub name: String,
    /// Shared with the [`ParseCache`] that gave it, if any: an AST is never changed.
    pub ast: std::sync::Arc<ast::Module>,
    /// `alias → (module, span of the import)`.
    pub imports: NameMap<(ModuleId, Span)>,
    /// Declared names → index into `ast.items`.
    pub decls: NameMap<usize>,
    pub is_std: bool,
}

impl Module {
    pub fn item(&self, name: &str) -> Option<&ast::Item> {
        self.decls.get(name).map(|i| &self.ast.items[*i])
    }
}

/// A program's modules as their syntax trees made them, in order: each one's name, file
/// and tree (kept alive, so that a tree at the same address is the same tree). Two
/// programs with equal keys are one program to names and types (a [`ParseCache`] gives
/// the same tree only for the same text in the same file): what a compilation keeps
/// for the next is keyed by them.
#[derive(Clone, Debug)]
pub struct ModuleKeys(Vec<(String, FileId, std::sync::Arc<ast::Module>)>);

impl ModuleKeys {
    pub fn of(program: &Program) -> ModuleKeys {
        ModuleKeys(program.modules.iter().map(|m| (m.name.clone(), m.file, m.ast.clone())).collect())
    }
}

impl PartialEq for ModuleKeys {
    fn eq(&self, other: &ModuleKeys) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|((n, f, a), (n2, f2, a2))| n == n2 && f == f2 && std::sync::Arc::ptr_eq(a, a2))
    }
}

/// Every module of a compilation: the prelude (module 0), the project's entry files
/// and everything they import.
#[derive(Debug, Default)]
pub struct Program {
    pub files: Files,
    pub modules: Vec<Module>,
    pub prelude: Option<ModuleId>,
    /// The project's dependencies: name → directory (see [`load_project_with`]).
    pub packages: Packages,
    /// What every identifier names, resolved once when the program is loaded (shared with
    /// the [`ParseCache`] that gave every module's parse, if any: the same modules resolve
    /// alike).
    pub resolution: std::sync::Arc<Resolution>,
}

impl Program {
    pub fn module(&self, id: ModuleId) -> &Module {
        &self.modules[id.0 as usize]
    }
    /// Declarations across all modules, in load order: `(module, item)`.
    pub fn items(&self) -> impl Iterator<Item = (&Module, &ast::Item)> {
        self.modules.iter().flat_map(|m| m.ast.items.iter().map(move |i| (m, i)))
    }
}

/// The standard library, compiled into the binary: `std/<name>` → source.
pub const STDLIB: &[(&str, &str)] = &[
    ("prelude", include_str!("../../../stdlib/prelude.ced")),
    ("k8s", include_str!("../../../stdlib/k8s.ced")),
    ("gateway", include_str!("../../../stdlib/gateway.ced")),
    ("clusters", include_str!("../../../stdlib/clusters.ced")),
    ("secrets", include_str!("../../../stdlib/secrets.ced")),
    ("crossplane", include_str!("../../../stdlib/crossplane.ced")),
    ("charts/vault", include_str!("../../../stdlib/charts/vault.ced")),
    ("charts/vault-secrets-operator", include_str!("../../../stdlib/charts/vault-secrets-operator.ced")),
    ("charts/vault-config-operator", include_str!("../../../stdlib/charts/vault-config-operator.ced")),
    ("charts/crossplane", include_str!("../../../stdlib/charts/crossplane.ced")),
    ("charts/mayastor", include_str!("../../../stdlib/charts/mayastor.ced")),
    ("charts/vcluster", include_str!("../../../stdlib/charts/vcluster.ced")),
    ("charts/clickhouse-operator", include_str!("../../../stdlib/charts/clickhouse-operator.ced")),
    ("charts/opentelemetry-operator", include_str!("../../../stdlib/charts/opentelemetry-operator.ced")),
    ("charts/argo-cd", include_str!("../../../stdlib/charts/argo-cd.ced")),
    ("charts/cert-manager", include_str!("../../../stdlib/charts/cert-manager.ced")),
    ("charts/grafana", include_str!("../../../stdlib/charts/grafana.ced")),
    ("charts/external-dns", include_str!("../../../stdlib/charts/external-dns.ced")),
    ("charts/external-secrets", include_str!("../../../stdlib/charts/external-secrets.ced")),
    ("charts/contour", include_str!("../../../stdlib/charts/contour.ced")),
    ("charts/kuma", include_str!("../../../stdlib/charts/kuma.ced")),
    ("providers/gcp-dns", include_str!("../../../stdlib/providers/gcp-dns.ced")),
];
