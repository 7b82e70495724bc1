//! Names: load the project's files and the standard library, resolve `import`s into a
//! module graph (cycles and missing files are diagnostics), and index each module's
//! declarations. Type checking and evaluation look names up here.

mod load;
mod resolve;

pub use load::{FileSystem, MemoryFs, OsFs, load_project};
pub use resolve::{Def, Occurrence, Resolution, resolve};

use cedc_diagnostics::{FileId, Files, Span};
use cedc_syntax::ast;
use indexmap::IndexMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModuleId(pub u32);

/// A loaded, parsed module (one `.ced` file).
#[derive(Debug)]
pub struct Module {
    pub id: ModuleId,
    pub file: FileId,
    /// Project-relative path (`lib/app.ced`) or `std/k8s.ced`.
    pub name: String,
    pub ast: ast::Module,
    /// `alias → (module, span of the import)`.
    pub imports: IndexMap<String, (ModuleId, Span)>,
    /// Declared names → index into `ast.items`.
    pub decls: IndexMap<String, usize>,
    pub is_std: bool,
}

impl Module {
    pub fn item(&self, name: &str) -> Option<&ast::Item> {
        self.decls.get(name).map(|i| &self.ast.items[*i])
    }
}

/// Every module of a compilation: the prelude (module 0), the project's entry files
/// and everything they import.
#[derive(Debug, Default)]
pub struct Program {
    pub files: Files,
    pub modules: Vec<Module>,
    pub prelude: Option<ModuleId>,
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
];
