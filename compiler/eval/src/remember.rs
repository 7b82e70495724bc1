//! What one evaluation leaves for the next (the language server's: a keystroke changes
//! one file, and the components that file cannot affect need not be evaluated again).
//!
//! Invariant: a component is taken from the last evaluation only when a fresh one would
//! make exactly what it made then — every input its evaluation can read is unchanged,
//! and it reported nothing:
//! - each module it can read is the same syntax tree in the same file: its own module,
//!   every module that one imports (transitively), the prelude, and every module that
//!   declares an environment or an `override` (environments' fields and overrides reach
//!   every component). The parse cache gives the same tree (the same `Arc`) only for
//!   the same text in the same file, and names and types are computed from those trees;
//! - the environments are the same, in the same order, and so are the kinds the
//!   compilation knows (`Inputs::kinds`: the project's CRDs decide which kinds are
//!   cluster-scoped);
//! - no diagnostic of the last evaluation points into any of those files (a problem
//!   reported while evaluating one component may belong to another reading the same
//!   `let`), and none had no place at all.
//!
//! What the evaluation budget counts for a component taken is what it cost when last
//! evaluated; a `let` is charged to the first component of a part that reads it, so
//! that count can fall short of a fresh evaluation's by the cost of `let`s. An
//! evaluation taking components is therefore kept only within half the budget's limits
//! (see `Budget::within_half`); past that, everything is evaluated afresh, as the
//! command line does.

use crate::budget::Spent;
use cedc_diagnostics::{Diagnostic, FileId};
use cedc_model::Component;
use cedc_names::{ModuleId, Program};
use cedc_syntax::ast::{ItemKind, Module as Ast};
use cedc_types::Checked;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What an evaluation keeps for the next; shared (behind an `Arc`) by the compilations
/// of one language server. Empty until an evaluation stores into it.
#[derive(Default)]
pub struct Remembered {
    last: Mutex<Option<Memory>>,
}

impl std::fmt::Debug for Remembered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.last.lock().ok().and_then(|m| m.as_ref().map(|m| m.components.len())).unwrap_or(0);
        write!(f, "Remembered({n} components)")
    }
}

/// What else than the program an evaluation reads: the compilation's kinds, as a
/// fingerprint the caller computes (the same fingerprint for the same kinds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inputs {
    pub kinds: u64,
}

/// The last evaluation: its inputs, and each component it could tell was clean.
struct Memory {
    inputs: Inputs,
    /// The environments, by name, in order.
    envs: Vec<String>,
    /// Each module by name: its file and syntax tree (kept alive here, so a tree at the
    /// same address is the same tree).
    modules: HashMap<String, (FileId, Arc<Ast>)>,
    /// Clean components by (module name, component name).
    components: HashMap<(String, String), Stored>,
    /// How many components that evaluation took from the one before.
    taken: usize,
}

/// One component as the last evaluation made it.
#[derive(Clone)]
pub(crate) struct Stored {
    /// What it made in each environment, in order (`None` where it is not deployed).
    pub per_env: Vec<Option<Component>>,
    /// What it cost then.
    pub spent: Spent,
}

impl Stored {
    /// A component evaluated at the cost `spent`, its results still to be added.
    pub fn new(spent: Spent) -> Stored {
        Stored { per_env: Vec::new(), spent }
    }
}

/// What this evaluation may take: per component (by its index in `checked.components`),
/// what the last evaluation made, if it can be taken.
pub(crate) struct Taken {
    pub components: Vec<Option<Stored>>,
}

impl Taken {
    pub fn count(&self) -> usize {
        self.components.iter().filter(|c| c.is_some()).count()
    }
}

impl Remembered {
    /// How many components the last evaluation that stored here took from the one
    /// before (for tests and measurements).
    pub fn taken_last(&self) -> usize {
        self.last.lock().ok().and_then(|m| m.as_ref().map(|m| m.taken)).unwrap_or(0)
    }

    /// What an evaluation of `program` with `inputs` may take from the last one (taken
    /// out: the evaluation stores everything it made, see [`Self::store`]).
    pub(crate) fn take(&self, program: &Program, checked: &Checked, inputs: Inputs) -> Taken {
        let none = || Taken { components: vec![None; checked.components.len()] };
        let Ok(mut last) = self.last.lock() else { return none() };
        let Some(memory) = last.as_mut() else { return none() };
        if memory.inputs != inputs || !checked.envs.iter().map(|e| &e.name).eq(memory.envs.iter()) {
            return none();
        }
        let same: Vec<bool> = program
            .modules
            .iter()
            .map(|m| memory.modules.get(&m.name).is_some_and(|(file, ast)| *file == m.file && Arc::ptr_eq(ast, &m.ast)))
            .collect();
        let reach = Reach::new(program);
        let mut clean: HashMap<ModuleId, bool> = HashMap::new();
        let components = checked
            .components
            .iter()
            .map(|(m, idx)| {
                let ok = *clean.entry(*m).or_insert_with(|| reach.of(*m).iter().all(|r| same[r.0 as usize]));
                let ItemKind::Component(c) = &program.module(*m).ast.items[*idx].kind else { return None };
                let key = (program.module(*m).name.clone(), c.name.name.clone());
                ok.then(|| memory.components.remove(&key)).flatten()
            })
            .collect();
        Taken { components }
    }

    /// Keep what this evaluation made for the next: `made[i]` is component `i`'s result
    /// in each environment, `diags` everything evaluation reported.
    pub(crate) fn store(
        &self,
        program: &Program,
        checked: &Checked,
        inputs: Inputs,
        made: Vec<Stored>,
        diags: &[Diagnostic],
        taken: usize,
    ) {
        let Ok(mut last) = self.last.lock() else { return };
        let mut dirty: Vec<FileId> = Vec::new();
        for d in diags {
            let Some((at, _)) = &d.primary else {
                // A problem with no place: nothing can be told clean.
                *last = None;
                return;
            };
            dirty.push(at.file);
            dirty.extend(d.secondary.iter().map(|(s, _)| s.file));
            dirty.extend(d.uses.iter().map(|s| s.file));
        }
        dirty.sort_unstable();
        dirty.dedup();
        let reach = Reach::new(program);
        let mut clean: HashMap<ModuleId, bool> = HashMap::new();
        let mut components = HashMap::new();
        for ((m, idx), stored) in checked.components.iter().zip(made) {
            let ok = *clean
                .entry(*m)
                .or_insert_with(|| reach.of(*m).iter().all(|r| dirty.binary_search(&program.module(*r).file).is_err()));
            let ItemKind::Component(c) = &program.module(*m).ast.items[*idx].kind else { continue };
            if ok {
                components.insert((program.module(*m).name.clone(), c.name.name.clone()), stored);
            }
        }
        let modules = program.modules.iter().map(|m| (m.name.clone(), (m.file, m.ast.clone()))).collect();
        let envs = checked.envs.iter().map(|e| e.name.clone()).collect();
        *last = Some(Memory { inputs, envs, modules, components, taken });
    }
}

/// Which modules a component's evaluation can read, by the module it is declared in.
struct Reach<'p> {
    program: &'p Program,
    /// Modules every component can read: the prelude, and those declaring an
    /// environment or an override.
    everyone: Vec<ModuleId>,
}

impl<'p> Reach<'p> {
    fn new(program: &'p Program) -> Reach<'p> {
        let mut everyone: Vec<ModuleId> = program
            .modules
            .iter()
            .filter(|m| m.ast.items.iter().any(|i| matches!(i.kind, ItemKind::Env(_) | ItemKind::Override(_))))
            .map(|m| m.id)
            .collect();
        everyone.extend(program.prelude);
        Reach { program, everyone }
    }

    /// `m`, every module it imports (transitively), and [`Self::everyone`]'s.
    fn of(&self, m: ModuleId) -> Vec<ModuleId> {
        let mut seen = vec![false; self.program.modules.len()];
        let mut todo = vec![m];
        todo.extend(&self.everyone);
        let mut out = Vec::new();
        while let Some(x) = todo.pop() {
            let Some(s) = seen.get_mut(x.0 as usize) else { continue };
            if std::mem::replace(s, true) {
                continue;
            }
            out.push(x);
            todo.extend(self.program.module(x).imports.values().map(|(i, _)| *i));
        }
        out
    }
}
