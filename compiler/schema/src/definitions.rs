//! Named schema definitions ([`Ty::Ref`](crate::Ty::Ref) targets) and kinds' schemas that
//! are converted the first time they are read (built-in kinds' definitions; the Gateway
//! API's CRDs, through [`KindSchema::lazy`]).
//!
//! The built-in Kubernetes kinds share about 700 definitions (`ObjectMeta`, `PodSpec`, …),
//! compiled into the binary as JSON text by build.rs. Converting all of them took most of
//! a run's start-up, while a project uses a handful of kinds: a [`Table`] keeps one
//! cell per definition, filled on first read and shared by every clone of the registry
//! (the language server clones it per compilation), so each is converted at most once
//! per process.
//!
//! Invariant: reading a definition gives the same schema whether or not it was read
//! before; only when it is converted differs.

use crate::{Schema, convert};
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

/// Definitions compiled into the binary: `(name, JSON)`, sorted by name.
pub(crate) struct Table {
    entries: &'static [(&'static str, &'static str)],
    cells: Box<[OnceLock<Arc<Schema>>]>,
}

impl Table {
    pub(crate) fn new(entries: &'static [(&'static str, &'static str)]) -> Table {
        Table { entries, cells: entries.iter().map(|_| OnceLock::new()).collect() }
    }

    fn index_of(&self, name: &str) -> Option<usize> {
        self.entries.binary_search_by(|(n, _)| (*n).cmp(name)).ok()
    }

    pub(crate) fn name(&self, index: usize) -> &'static str {
        self.entries.get(index).map_or("", |(n, _)| n)
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The definition at `index`, converted on first read. The text is compiled in and
    /// the tests convert every entry (`every_builtin_kind_converts`); were one broken
    /// anyway, it reads as a schema that accepts anything rather than stopping a run.
    pub(crate) fn at(&self, index: usize) -> &Arc<Schema> {
        static ANY: OnceLock<Arc<Schema>> = OnceLock::new();
        match (self.cells.get(index), self.entries.get(index)) {
            (Some(cell), Some((name, json))) => {
                cell.get_or_init(|| Arc::new(convert_entry(name, json).unwrap_or_default()))
            }
            _ => ANY.get_or_init(Arc::default),
        }
    }
}

/// One compiled-in definition, converted (errors are for the tests to report).
pub(crate) fn convert_entry(name: &str, json: &str) -> Result<Schema, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("{name}: {e}"))?;
    convert::from_openapi_at(&value, name).map_err(|e| format!("{name}: {e}"))
}

/// Every named definition a registry knows: the compiled-in ones and any added.
#[derive(Clone, Default)]
pub struct Definitions {
    builtin: Option<Arc<Table>>,
    added: HashMap<Arc<str>, Arc<Schema>>,
}

impl Definitions {
    pub(crate) fn with_table(table: Arc<Table>) -> Definitions {
        Definitions { builtin: Some(table), added: HashMap::new() }
    }

    /// The definition called `name` (an added one first), converted on first read.
    pub fn get(&self, name: &str) -> Option<&Arc<Schema>> {
        // Most projects add none: no hashing of the name then.
        if !self.added.is_empty()
            && let Some(s) = self.added.get(name)
        {
            return Some(s);
        }
        let table = self.builtin.as_ref()?;
        table.index_of(name).map(|i| table.at(i))
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.added.contains_key(name) || self.builtin.as_ref().is_some_and(|t| t.index_of(name).is_some())
    }

    /// Add (or replace) a definition.
    pub fn insert(&mut self, name: Arc<str>, schema: Arc<Schema>) -> Option<Arc<Schema>> {
        self.added.insert(name, schema)
    }
}

impl fmt::Debug for Definitions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Definitions")
            .field("builtin", &self.builtin.as_ref().map_or(0, |t| t.len()))
            .field("added", &self.added.len())
            .finish()
    }
}

/// A kind's schema: given when the kind is made (CRDs, shipped kinds), or a compiled-in
/// definition converted the first time it is read (built-in kinds). Reads as a
/// [`Schema`] either way.
#[derive(Clone)]
pub struct KindSchema(Repr);

#[derive(Clone)]
enum Repr {
    Given(Arc<Schema>),
    Definition(Arc<Table>, usize),
    Lazy(Arc<Lazy>),
}

/// A schema made by a function the first time it is read.
struct Lazy {
    cell: OnceLock<Arc<Schema>>,
    make: Box<dyn Fn() -> Schema + Send + Sync>,
}

impl KindSchema {
    pub(crate) fn definition(table: Arc<Table>, index: usize) -> KindSchema {
        KindSchema(Repr::Definition(table, index))
    }

    /// A schema `make` gives the first time it is read.
    pub(crate) fn lazy(make: impl Fn() -> Schema + Send + Sync + 'static) -> KindSchema {
        KindSchema(Repr::Lazy(Arc::new(Lazy { cell: OnceLock::new(), make: Box::new(make) })))
    }

    /// The schema, shared.
    pub fn arc(&self) -> &Arc<Schema> {
        match &self.0 {
            Repr::Given(s) => s,
            Repr::Definition(table, i) => table.at(*i),
            Repr::Lazy(lazy) => lazy.cell.get_or_init(|| Arc::new((lazy.make)())),
        }
    }
}

impl Deref for KindSchema {
    type Target = Schema;
    fn deref(&self) -> &Schema {
        self.arc()
    }
}

impl From<Arc<Schema>> for KindSchema {
    fn from(schema: Arc<Schema>) -> KindSchema {
        KindSchema(Repr::Given(schema))
    }
}

impl From<Schema> for KindSchema {
    fn from(schema: Schema) -> KindSchema {
        KindSchema(Repr::Given(Arc::new(schema)))
    }
}

impl fmt::Debug for KindSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Given(s) => s.fmt(f),
            // Not converted just to be printed.
            Repr::Definition(table, i) => write!(f, "KindSchema(definition {})", table.name(*i)),
            Repr::Lazy(lazy) => match lazy.cell.get() {
                Some(s) => s.fmt(f),
                None => write!(f, "KindSchema(not read yet)"),
            },
        }
    }
}
