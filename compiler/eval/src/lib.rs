//! Evaluation: pure and deterministic, once per environment. Produces the platform
//! model — environments → components → objects — where every value keeps the span of
//! the expression that produced it (and, when an override replaced it, the base span).

use cedc_diagnostics::{COMPUTED_HERE, Diagnostic, Diagnostics, Span};
use cedc_model::{
    Component, ComponentInfo, Environment, Fields, Interner, Object, Origin, PatchSource, Platform, SecretSource,
    Value, ValueKind, is_cluster_scoped,
};
use cedc_names::{Builtin, Def, ModuleId, Program};
use cedc_syntax::ast::*;
use cedc_types::{Checked, DeclKey, OverrideInfo, Type};
use std::collections::HashMap;
/// The evaluator's own maps and sets, by declaration: hashed with foldhash (their keys
/// are the program's, looked up at every read of a `let`; never iterated for output).
type Map<K, V> = HashMap<K, V, foldhash::fast::FixedState>;
type Set<K> = std::collections::HashSet<K, foldhash::fast::FixedState>;
use std::sync::Arc;

use cedc_model::views::crossplane as xp_views;

mod budget;
mod composite;
mod memo;
pub mod remember;
mod secrets;

use budget::{Budget, DECL_SLICE, Over, Spent};
pub use remember::{Inputs, Remembered};
use remember::{Stored, Taken};

pub use budget::{MAX_CALL_DEPTH, MAX_ITEMS, MAX_STEPS, MAX_STRING_BYTES, MAX_VALUE_BYTES};

/// Whether a kind (`group`, `kind`) is cluster-scoped: its objects get no namespace.
/// The driver answers from the schema registry (built-in kinds and the project's CRDs).
pub type ClusterScoped<'a> = &'a (dyn Fn(&str, &str) -> bool + Sync);

/// Evaluate every environment. Errors in one component do not stop the others.
pub fn evaluate(program: &Program, checked: &Checked, cluster_scoped: ClusterScoped) -> (Platform, Diagnostics) {
    let out = evaluate_counting(program, checked, cluster_scoped, None);
    (out.platform, out.diags)
}

/// [`evaluate`], taking from the last evaluation `remembered` kept each component it can
/// tell would come out the same (see [`remember`]), and keeping this one's for the next:
/// the language server's, where a keystroke changes one file.
pub fn evaluate_remembering(
    program: &Program,
    checked: &Checked,
    cluster_scoped: ClusterScoped,
    remembered: &Remembered,
    inputs: Inputs,
) -> (Platform, Diagnostics) {
    let taken = remembered.take(program, checked, inputs);
    let out = evaluate_counting(program, checked, cluster_scoped, Some(taken));
    if let Some((made, taken)) = out.made {
        remembered.store(program, checked, inputs, made, &out.diags, taken);
    }
    (out.platform, out.diags)
}

/// How many calls and placed objects environments took from another ([`memo`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Reused {
    calls: usize,
    objects: usize,
}

/// What [`evaluate_counting`] made.
struct Outcome {
    platform: Platform,
    diags: Diagnostics,
    /// What environments took from another ([`memo`]; the tests read it).
    #[cfg_attr(not(test), allow(dead_code))]
    reused: Reused,
    /// When remembering: each component's results, to keep, and how many were taken.
    made: Option<(Vec<Stored>, usize)>,
}

/// [`evaluate`], taking the components `taken` holds from the last evaluation (the
/// others are evaluated), and how many calls an environment took from another
/// ([`memo`]).
fn evaluate_counting(
    program: &Program,
    checked: &Checked,
    cluster_scoped: ClusterScoped,
    taken: Option<Taken>,
) -> Outcome {
    let mut platform = Platform::default();
    for (m, idx) in &checked.components {
        if let ItemKind::Component(c) = &program.module(*m).ast.items[*idx].kind {
            platform.components.push(ComponentInfo { name: c.name.name.clone(), span: c.name.span });
        }
    }
    let n = checked.components.len();
    let remember = taken.is_some();
    let taken = taken.unwrap_or_else(|| Taken { components: vec![None; n] });
    let taken_count = taken.count();
    let taken_at: Vec<bool> = taken.components.iter().map(Option::is_some).collect();
    let fresh: Vec<usize> = (0..n).filter(|i| !taken_at[*i]).collect();
    // Each part (a run of components, in every environment) on a budget of its own, in
    // parallel; if one crosses its limits, or all together the compilation's, all
    // components again in order with one budget (see `budget`).
    let mut parts = Part::split(&fresh);
    let concurrent = cedc_model::parallel::cores().min(parts.len());
    let task = |part: &Part| evaluate_part(program, checked, cluster_scoped, part, Budget::concurrent(concurrent));
    let mut done = cedc_model::parallel::map(&parts, task);
    let budgets = || done.iter().flat_map(|d| &d.envs).map(|d| &d.budget);
    if taken_count > 0 {
        let spent = taken.components.iter().flatten().fold(Spent::default(), |a, s| a.plus(s.spent));
        if !Budget::within_half(budgets(), spent) {
            // Everything afresh, as the command line would.
            let nothing = Taken { components: vec![None; n] };
            return evaluate_counting(program, checked, cluster_scoped, Some(nothing));
        }
    } else if !Budget::within_together(budgets()) {
        parts = vec![Part { components: (0..n).collect() }];
        done = vec![evaluate_part(program, checked, cluster_scoped, &parts[0], Budget::default())];
    }
    // What is kept for the next evaluation: the components taken as they were, the
    // others as they are made (`assemble`).
    let mut made: Vec<Stored> = Vec::new();
    if remember {
        let spent = spent_by_component(&parts, &done, n);
        made = taken.components.into_iter().zip(spent).map(|(t, spent)| t.unwrap_or(Stored::new(spent))).collect();
    }
    let reused = done.iter().flat_map(|d| &d.envs).fold(Reused::default(), |a, d| Reused {
        calls: a.calls + d.reused.calls,
        objects: a.objects + d.reused.objects,
    });
    let (diags, envs) = assemble(checked, &parts, done, &taken_at, remember.then_some(&mut made));
    platform.envs = envs;
    Outcome { platform, diags, reused, made: remember.then_some((made, taken_count)) }
}

/// What each component evaluated in `parts` cost (`done`, what they made), by its index
/// among the `n` components; nothing for the others.
fn spent_by_component(parts: &[Part], done: &[PartDone], n: usize) -> Vec<Spent> {
    let mut spent = vec![Spent::default(); n];
    for (part, d) in parts.iter().zip(done) {
        for (i, s) in part.components.iter().zip(&d.spent) {
            spent[*i] = *s;
        }
    }
    spent
}

/// The environments, each with its components in order — those the `parts` made
/// (`done`) and, where `taken_at`, those `made` holds from the last evaluation — and
/// what the parts reported, environments first, then parts. When remembering (`made`),
/// each component the parts made is added to what is kept.
fn assemble(
    checked: &Checked,
    parts: &[Part],
    done: Vec<PartDone>,
    taken_at: &[bool],
    mut made: Option<&mut Vec<Stored>>,
) -> (Diagnostics, Vec<Environment>) {
    let n = taken_at.len();
    let mut diags = Vec::new();
    let mut envs = Vec::with_capacity(checked.envs.len());
    let mut per_part: Vec<_> = done.into_iter().map(|d| d.envs.into_iter()).collect();
    for (e, info) in checked.envs.iter().enumerate() {
        let mut environment = Environment {
            name: info.name.clone(),
            span: info.span,
            attributes: Value::new(ValueKind::Record(Fields::new()), info.span),
            components: Vec::with_capacity(n),
            delivery: Vec::new(),
        };
        let mut slots: Vec<Option<Component>> = vec![None; n];
        for (i, (part, results)) in parts.iter().zip(&mut per_part).enumerate() {
            let Some(d) = results.next() else { continue };
            // Every part evaluated the environment's fields alike, and reported their
            // problems alike (the driver merges equal reports): the first's are kept.
            if let Some(attributes) = d.attributes.filter(|_| i == 0) {
                environment.attributes = attributes;
            }
            for (at, c) in part.components.iter().zip(d.components) {
                if let Some(made) = made.as_deref_mut() {
                    made[*at].per_env.push(c.clone());
                }
                slots[*at] = c;
            }
            diags.extend(d.diags);
        }
        if let Some(made) = made.as_deref() {
            for (i, slot) in slots.iter_mut().enumerate().filter(|(i, _)| taken_at[*i]) {
                *slot = made[i].per_env.get(e).cloned().flatten();
            }
        }
        environment.components.extend(slots.into_iter().flatten());
        envs.push(environment);
    }
    (diags, envs)
}

/// Components are evaluated in parts of at most this many (or [`MAX_PARTS`] parts), each
/// part one task, so that every core has work to the end whatever the number of
/// environments, and a `let` is evaluated at most [`MAX_PARTS`] times per environment.
/// The split depends on the project alone, never on the machine, so what is reported
/// is the same on every machine.
const PART: usize = 64;
const MAX_PARTS: usize = 16;

/// Components (by their index in `checked.components`, in order), evaluated in every
/// environment as one task. Each part has evaluators of its own (one per environment,
/// each memoizing the `let`s it reads) and an [`Interner`] of its own: a component's
/// objects in the environments share their equal parts, and the tasks share no lock.
struct Part {
    components: Vec<usize>,
}

impl Part {
    /// `components` in runs of at most [`PART`], or [`MAX_PARTS`] runs as even as can
    /// be (one, empty, when there is none: the environments' fields are still evaluated).
    fn split(components: &[usize]) -> Vec<Part> {
        let n = components.len();
        let count = n.div_ceil(PART).clamp(1, MAX_PARTS);
        (0..count).map(|i| Part { components: components[i * n / count..(i + 1) * n / count].to_vec() }).collect()
    }
}

/// What evaluating one [`Part`] made.
struct PartDone {
    /// In each environment.
    envs: Vec<Evaluated>,
    /// What each of its components cost, in all environments together.
    spent: Vec<Spent>,
}

/// What evaluating one [`Part`] made in one environment.
struct Evaluated {
    attributes: Option<Value>,
    /// Each of the part's components, in order (`None` where it made nothing).
    components: Vec<Option<Component>>,
    diags: Diagnostics,
    budget: Budget,
    /// What it took from another environment.
    reused: Reused,
}

/// Evaluate `part` in each environment on `budget`: what it made in each (the last
/// one's budget is what is left). Each component is evaluated in every environment
/// before the next, so the calls one environment stores for another ([`memo`]) are
/// those of one component: the store is emptied after each.
fn evaluate_part(
    program: &Program,
    checked: &Checked,
    cluster_scoped: ClusterScoped,
    part: &Part,
    budget: Budget,
) -> PartDone {
    let mut shared = Shared {
        budget,
        calls: memo::Calls::default(),
        interner: Interner::new(),
        placed: memo::Placed::default(),
        local: Local::default(),
    };
    let mut evaluators: Vec<Evaluator> =
        checked.envs.iter().map(|env| Evaluator::new(program, checked, &env.name, cluster_scoped)).collect();
    let mut done: Vec<Evaluated> = Vec::with_capacity(checked.envs.len());
    for (ev, env) in evaluators.iter_mut().zip(&checked.envs) {
        let attributes =
            ev.with(&mut shared, |ev| ev.unit(|ev| ev.env_attributes(env.module, env.item, env.span)).ok());
        ev.attributes = attributes.clone();
        let components = Vec::with_capacity(part.components.len());
        done.push(Evaluated {
            attributes,
            components,
            diags: Vec::new(),
            budget: Budget::default(),
            reused: Reused::default(),
        });
    }
    let mut spent = Vec::with_capacity(part.components.len());
    for &i in &part.components {
        let (m, idx) = checked.components[i];
        let before = shared.budget.spent();
        for (ev, made) in evaluators.iter_mut().zip(&mut done) {
            ev.with(&mut shared, |ev| {
                let mut c = ev.component(m, idx);
                if let Some(c) = &mut c {
                    c.intern(&mut ev.interner);
                    ev.keep_placed(c);
                }
                ev.placing.clear();
                made.components.push(c);
            });
        }
        spent.push(shared.budget.spent().since(before));
        shared.calls.clear();
        shared.placed.clear();
    }
    for (ev, made) in evaluators.into_iter().zip(&mut done) {
        made.reused = ev.reused;
        made.diags = ev.diags;
    }
    if let Some(last) = done.last_mut() {
        last.budget = shared.budget;
    }
    PartDone { envs: done, spent }
}

/// Which of a component's lists an object is placed in.
#[derive(Clone, Copy)]
enum Placement {
    Objects,
    Installed,
    Outside,
}

/// What the evaluators of one part share, lent to the one evaluating
/// ([`Evaluator::with`]): the budget, the calls stored for the other environments, the
/// interner.
struct Shared {
    budget: Budget,
    calls: memo::Calls,
    interner: Interner,
    placed: memo::Placed,
    local: Local,
}

/// The part's own copies of the texts of the program that evaluation puts in values: the
/// field names of record literals and the plain string literals, by the address of the
/// syntax tree's text. A record made with the tree's own name took a reference to it, an
/// atomic count that the other cores' parts wrote too, the count's cache line passed
/// between cores at every field (perf: two fifths of `expr`'s time, two thirds of the
/// interner's `key`); a plain literal was a new string each time it was evaluated. The
/// part's interner then makes these copies its canonical names and strings.
///
/// Invariant: a copy has the text of the tree's it stands for; the program outlives the
/// part, so an address names one text for the part's whole evaluation.
struct Local {
    keys: Map<usize, cedc_model::Key>,
    strings: Map<usize, Arc<str>>,
    /// The field names evaluation adds to every object's metadata, one allocation each
    /// per part (made per object, each was a string of its own, hashed again by the
    /// interner; one for the whole run was a count both cores wrote).
    labels: cedc_model::Key,
    namespace: cedc_model::Key,
}

impl Default for Local {
    fn default() -> Local {
        Local { keys: Map::default(), strings: Map::default(), labels: "labels".into(), namespace: "namespace".into() }
    }
}

impl Local {
    /// The part's copy of the field name `k` of the program.
    fn key(&mut self, k: &cedc_model::Key) -> cedc_model::Key {
        let at = Arc::as_ptr(k) as *const u8 as usize;
        self.keys.entry(at).or_insert_with(|| Arc::from(&**k)).clone()
    }

    /// The part's copy of the plain string literal `text` of the program.
    fn string(&mut self, text: &String) -> Arc<str> {
        let at = text as *const String as usize;
        self.strings.entry(at).or_insert_with(|| Arc::from(text.as_str())).clone()
    }
}

/// Evaluate one expression of module `m` in the environment `env`, for tools (the
/// language server shows a value in each environment on hover). `None` when it cannot
/// be evaluated alone (it uses a function's parameters or a local) or fails.
pub fn evaluate_expr(program: &Program, checked: &Checked, env: &str, m: ModuleId, e: &Expr) -> Option<Value> {
    let info = checked.envs.iter().find(|x| x.name == env)?;
    let mut ev = Evaluator::new(program, checked, env, &is_cluster_scoped);
    ev.attributes = ev.unit(|ev| ev.env_attributes(info.module, info.item, info.span)).ok();
    ev.unit(|ev| ev.in_module(m, Vec::new(), |ev| ev.expr(e))).ok()
}

/// Why evaluation of an expression stopped.
enum Stop {
    /// It failed; the diagnostic is already recorded.
    Failed,
    /// It needs a declaration demanded [`DECL_SLICE`] declarations deep: evaluation
    /// unwinds to the top, evaluates that one there, and starts over (see `unit`).
    Deeper(Pending),
}
type R = Result<Value, Stop>;

/// What is being evaluated, which `component_name()` answers from. Each component and
/// each `let` sets it while its value is computed and restores it after, so a `let`
/// (memoized per environment) never depends on the component that first needed it.
#[derive(Clone, Debug)]
enum Within {
    /// Neither: the environment's fields, or an expression evaluated for a tool.
    Nothing,
    /// A component's body, its overrides, and every call made from them.
    Component(Arc<str>),
    /// A `let`: its name, where it is declared.
    Let(String, Span),
}

/// A declaration to evaluate from the top of the stack.
#[derive(Clone)]
struct Pending {
    key: DeclKey,
    component: bool,
    env: Arc<str>,
    span: Span,
}

struct Evaluator<'p> {
    p: &'p Program,
    c: &'p Checked,
    cluster_scoped: ClusterScoped<'p>,
    env: Arc<str>,
    attributes: Option<Value>,
    module: ModuleId,
    /// The locals in scope, innermost last, by the span of their binding's name: what
    /// the resolution's `Def::Local` names.
    locals: Vec<(Span, Value)>,
    lets: Map<DeclKey, Option<Value>>,
    components: Map<DeclKey, Option<Value>>,
    decl_stack: Vec<DeclKey>,
    within: Within,
    overrides: Map<DeclKey, Vec<&'p OverrideInfo>>,
    depth: usize,
    /// The bodies of the functions being evaluated, innermost last, and the calls that
    /// entered them.
    bodies: Vec<Span>,
    calls: Vec<Span>,
    budget: Budget,
    diags: Diagnostics,
    /// How many `composite` bodies are being evaluated: while one is, values may read
    /// the composite's spec ([`ValueKind::Patch`], see `composite.rs`).
    composing: usize,
    /// What each call's callee (by its span) names, found at its first call: a
    /// function's signature and declaration were looked up by module and name (a string
    /// made and hashed twice) at every call.
    callees: HashMap<Span, Callee<'p>, foldhash::fast::FixedState>,
    /// What calls returned in the part's other environments ([`memo`]), and this one's
    /// calls for the next.
    calls_made: memo::Calls,
    /// The objects placed in the part's other environments ([`memo::Placed`]).
    placed: memo::Placed,
    /// This component's objects placed from canonical values, for `placed` once the
    /// component is interned: which list, where in it, and what placing read.
    placing: Vec<(Placement, usize, memo::Placing)>,
    /// The part's interner: a stored call's value is made canonical when it is stored,
    /// so the components holding it (in every environment) find it so.
    interner: Interner,
    /// How many reads of what differs between environments evaluation has made: `env`,
    /// `component_name()`, another component, a `let` that reads one or is overridden
    /// ([`memo`]: a call during which this grows is not stored).
    env_reads: u64,
    /// The `let`s whose value read something of the environment ([`Self::env_reads`]).
    env_lets: Set<DeclKey>,
    /// The declarations an override changes, in any environment.
    overridden: Set<DeclKey>,
    /// The deepest call depth reached since the outermost call being stored began.
    peak_depth: usize,
    /// What was taken from another environment.
    reused: Reused,
    /// The part's copies of the program's texts ([`Local`]).
    local: Local,
}

/// A call of a function being evaluated: the call, and the function's module, signature
/// and declaration.
#[derive(Clone, Copy)]
struct Called<'a> {
    call: &'a Expr,
    module: ModuleId,
    sig: &'a cedc_types::FnSig,
    decl: &'a FnDecl,
}

/// What a call's callee names ([`Evaluator::callee`]). Borrowed from the checked
/// program, not counted: the signature was an `Arc` cloned at every call, its count one
/// cache line that both cores' calls wrote in turn (perf: a quarter of `call`'s time).
#[derive(Clone, Copy)]
enum Callee<'p> {
    Fn { module: ModuleId, sig: &'p cedc_types::FnSig, decl: &'p FnDecl },
    Builtin(Builtin),
}

impl<'p> Evaluator<'p> {
    fn new(p: &'p Program, c: &'p Checked, env: &str, cluster_scoped: ClusterScoped<'p>) -> Self {
        let mut overrides: Map<DeclKey, Vec<&OverrideInfo>> = Map::default();
        for o in &c.overrides {
            if o.envs.iter().any(|e| e == env) {
                overrides.entry(o.target.clone()).or_default().push(o);
            }
        }
        Evaluator {
            p,
            c,
            cluster_scoped,
            env: env.into(),
            attributes: None,
            module: ModuleId(0),
            locals: Vec::new(),
            lets: Map::default(),
            components: Map::default(),
            decl_stack: Vec::new(),
            within: Within::Nothing,
            overrides,
            depth: 0,
            bodies: Vec::new(),
            calls: Vec::new(),
            budget: Budget::default(),
            diags: Vec::new(),
            composing: 0,
            callees: HashMap::default(),
            calls_made: memo::Calls::default(),
            placed: memo::Placed::default(),
            placing: Vec::new(),
            interner: Interner::new(),
            env_reads: 0,
            env_lets: Default::default(),
            overridden: c.overrides.iter().map(|o| o.target.clone()).collect(),
            peak_depth: 0,
            reused: Reused::default(),
            local: Local::default(),
        }
    }

    /// Run `f` with what the part's evaluators share ([`Shared`]), then give it back.
    fn with<T>(&mut self, shared: &mut Shared, f: impl FnOnce(&mut Self) -> T) -> T {
        self.lend(shared);
        let r = f(self);
        self.lend(shared);
        r
    }

    /// Swap what the part's evaluators share with this one's.
    fn lend(&mut self, shared: &mut Shared) {
        std::mem::swap(&mut self.budget, &mut shared.budget);
        std::mem::swap(&mut self.calls_made, &mut shared.calls);
        std::mem::swap(&mut self.placed, &mut shared.placed);
        std::mem::swap(&mut self.interner, &mut shared.interner);
        std::mem::swap(&mut self.local, &mut shared.local);
    }

    /// Record a diagnostic found while evaluating this environment.
    /// Report `d`. A problem found in a function's body names where the function is
    /// used (the outermost call), so that one problem of a helper used N times is one
    /// report with its N uses once the reports merge.
    fn fail(&mut self, mut d: Diagnostic) -> Stop {
        if let (Some(at), Some(body), Some(call)) = (d.span(), self.bodies.last(), self.calls.first())
            && body.contains(at)
        {
            d = d.used_at(*call);
        }
        self.diags.push(d.in_env(&*self.env));
        Stop::Failed
    }

    /// Report a crossed budget limit (once).
    fn over(&mut self, o: Over) -> Stop {
        match o {
            Over::Silent => Stop::Failed,
            Over::Report(d) => self.fail(*d),
        }
    }

    /// Spend steps and bytes of the budget on the expression at `span`.
    fn charge(&mut self, span: Span, steps: u64, bytes: u64) -> Result<(), Stop> {
        self.budget.charge(span, steps, bytes).map_err(|o| self.over(o))
    }

    /// Check and charge a list or map of `items` entries, `new` of them new.
    fn charge_items(&mut self, span: Span, items: usize, new: usize) -> Result<(), Stop> {
        self.budget.items(span, items, new).map_err(|o| self.over(o))
    }

    /// Check a string of `len` bytes, and charge `new` new bytes of it.
    fn charge_string(&mut self, span: Span, len: usize, new: usize) -> Result<(), Stop> {
        self.budget.string(span, len, new).map_err(|o| self.over(o))
    }

    /// Run one top-level evaluation (a component, the environment's fields, a hover).
    /// When it needs a declaration too deep in the stack, evaluate that declaration
    /// (and whatever it needs, the deepest first) from here and start over: each round
    /// memoizes at least one declaration, so this ends, and the stack never holds more
    /// than [`DECL_SLICE`] declarations. No diagnostic is recorded by a round that
    /// starts over (`Deeper` is only raised while nothing has failed).
    fn unit<T>(&mut self, mut f: impl FnMut(&mut Self) -> Result<T, Stop>) -> Result<T, Stop> {
        loop {
            match f(self) {
                Err(Stop::Deeper(p)) => self.settle(p)?,
                r => return r,
            }
        }
    }

    /// Evaluate `first` from the top of the stack; when it needs another declaration
    /// too deep, that one first. A declaration needed again while it waits is a cycle.
    fn settle(&mut self, first: Pending) -> Result<(), Stop> {
        let mut pending = vec![first];
        while let Some(p) = pending.last().cloned() {
            let saved = std::mem::replace(&mut self.env, p.env.clone());
            let r = if p.component {
                self.component_value(p.key.0, &p.key.1, p.span)
            } else {
                self.let_value(p.key.0, &p.key.1, p.span)
            };
            self.env = saved;
            match r {
                Ok(_) => {
                    pending.pop();
                }
                Err(Stop::Deeper(q)) if pending.iter().any(|x| x.key == q.key && x.component == q.component) => {
                    let name = q.key.1.clone();
                    let d = Diagnostic::error(
                        "E0024",
                        format!("`{name}` depends on itself in environment `{}`", q.env),
                    )
                    .at(q.span, format!("used inside its own definition, through more than {DECL_SLICE} declarations"))
                    .help(
                        "a declaration cannot use its own value, also not through a long chain of other declarations",
                    );
                    let stop = self.fail(d);
                    self.forget(&pending);
                    return Err(stop);
                }
                Err(Stop::Deeper(q)) => pending.push(q),
                Err(Stop::Failed) => {
                    // Each waiting declaration needs the next one, so all of them fail.
                    self.forget(&pending);
                    return Err(Stop::Failed);
                }
            }
        }
        Ok(())
    }

    /// Memoize the failure of waiting declarations, so each is reported once.
    fn forget(&mut self, pending: &[Pending]) {
        for p in pending {
            let memo = if p.component { &mut self.components } else { &mut self.lets };
            memo.insert(p.key.clone(), None);
        }
    }

    /// Run `f` with `within` as what is being evaluated, then restore the previous one.
    fn within<T>(&mut self, within: Within, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = std::mem::replace(&mut self.within, within);
        let r = f(self);
        self.within = saved;
        r
    }

    fn in_module<T>(&mut self, m: ModuleId, locals: Vec<(Span, Value)>, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved_m = std::mem::replace(&mut self.module, m);
        let saved_l = std::mem::replace(&mut self.locals, locals);
        let r = f(self);
        self.module = saved_m;
        self.locals = saved_l;
        r
    }

    /// The fields of an environment. All of them are evaluated even when one fails
    /// (each failure is reported); `Deeper` is passed on only while none has failed.
    fn env_attributes(&mut self, m: ModuleId, idx: usize, span: Span) -> R {
        let ItemKind::Env(e) = &self.p.module(m).ast.items[idx].kind else { return Err(Stop::Failed) };
        let mut fields = Fields::new();
        fields.insert("name".into(), Value::new(ValueKind::Str(self.env.clone()), e.name.span));
        let mut ok = true;
        let deeper = self.within(Within::Nothing, |ev| {
            ev.in_module(m, Vec::new(), |ev| {
                for f in &e.fields {
                    if let Key::Static(k, _) = &f.key {
                        match ev.expr(&f.value) {
                            Ok(v) => {
                                fields.insert(k.clone(), v);
                            }
                            Err(Stop::Failed) => ok = false,
                            Err(d @ Stop::Deeper(_)) if ok => return Some(d),
                            Err(Stop::Deeper(_)) => break,
                        }
                    }
                }
                None
            })
        });
        if let Some(d) = deeper {
            return Err(d);
        }
        if ok { Ok(Value::new(ValueKind::Record(fields), span)) } else { Err(Stop::Failed) }
    }

    /// Count a read of the `let` `key` as a read of the environment when its value is
    /// known to depend on it, or an override changes it in some environment ([`memo`]).
    fn read_let(&mut self, key: &DeclKey) {
        if self.env_lets.contains(key) || self.overridden.contains(key) {
            self.env_reads += 1;
        }
    }

    /// A charged copy of a memoized declaration's value, if there is one.
    fn memo(&mut self, component: bool, key: &DeclKey, span: Span) -> Option<R> {
        let memo = if component { &self.components } else { &self.lets };
        let cost = match memo.get(key)? {
            Some(v) => budget::copy_cost(v),
            None => return Some(Err(Stop::Failed)),
        };
        if let Err(stop) = self.charge(span, cost.0.max(1), cost.1) {
            return Some(Err(stop));
        }
        let memo = if component { &self.components } else { &self.lets };
        memo.get(key).cloned().flatten().map(Ok)
    }

    // ------------------------------------------------------------ declarations

    fn let_value(&mut self, m: ModuleId, name: &str, use_span: Span) -> R {
        let key = (m, name.to_string());
        self.read_let(&key);
        if let Some(r) = self.memo(false, &key, use_span) {
            return r;
        }
        let reads_before = self.env_reads;
        // A composite's value is memoized and guarded like a `let`'s (its name is unique
        // in its module too).
        let item = self.p.module(m).item(name).map(|i| &i.kind);
        let decl_span = match item {
            Some(ItemKind::Let(d)) => d.name.span,
            Some(ItemKind::Composite(d)) => d.name.span,
            _ => return Err(self.fail(internal(use_span, "let"))),
        };
        if self.decl_stack.len() >= DECL_SLICE && !self.decl_stack.contains(&key) {
            return Err(Stop::Deeper(Pending { key, component: false, env: self.env.clone(), span: use_span }));
        }
        if self.decl_stack.contains(&key) {
            let d = Diagnostic::error("E0024", format!("`{name}` depends on itself in environment `{}`", self.env))
                .at(use_span, "used inside its own definition")
                .help("a declaration cannot use its own value, also not through an environment field");
            return Err(self.fail(d));
        }
        self.decl_stack.push(key.clone());
        let within = Within::Let(name.to_string(), decl_span);
        let r = self.within(within, |ev| {
            let d = match item {
                Some(ItemKind::Let(d)) => d,
                Some(ItemKind::Composite(d)) => return ev.composite(&key, d),
                _ => return Err(ev.fail(internal(use_span, "let"))),
            };
            ev.in_module(m, Vec::new(), |ev| {
                let v = ev.expr(&d.value)?;
                let v = match ev.c.let_annotations.get(&key) {
                    Some(t) => ev.conform(v, t)?,
                    None => v,
                };
                ev.apply_overrides(&key, v)
            })
        });
        self.decl_stack.pop();
        if self.env_reads != reads_before {
            self.env_lets.insert(key.clone());
        }
        match &r {
            Ok(v) => {
                self.lets.insert(key, Some(v.clone()));
            }
            Err(Stop::Failed) => {
                self.lets.insert(key, None);
            }
            Err(Stop::Deeper(_)) => {}
        }
        r
    }

    fn component_value(&mut self, m: ModuleId, name: &str, use_span: Span) -> R {
        self.component_value_kept(m, name, use_span, true)
    }

    /// A component's value; `keep` memoizes a success (a use by another expression
    /// needs it again). Failures are always memoized, so each is reported once.
    fn component_value_kept(&mut self, m: ModuleId, name: &str, use_span: Span, keep: bool) -> R {
        let key = (m, name.to_string());
        // A component's value is its environment's.
        self.env_reads += 1;
        if let Some(r) = self.memo(true, &key, use_span) {
            return r;
        }
        let Some(ItemKind::Component(d)) = self.p.module(m).item(name).map(|i| &i.kind) else {
            return Err(self.fail(internal(use_span, "component")));
        };
        if self.decl_stack.len() >= DECL_SLICE && !self.decl_stack.contains(&key) {
            return Err(Stop::Deeper(Pending { key, component: true, env: self.env.clone(), span: use_span }));
        }
        if let Some(at) = self.decl_stack.iter().position(|k| *k == key) {
            // Name the whole loop when it goes through other declarations.
            let chain: Vec<&str> = self.decl_stack[at..].iter().map(|(_, n)| n.as_str()).chain([name]).collect();
            let (message, help) = if chain.len() > 2 {
                (
                    format!("component `{name}` depends on itself: {}", chain.join(" → ")),
                    "break the loop: write one of the values it reads (such as a namespace) directly",
                )
            } else {
                (format!("component `{name}` depends on itself"), "a component cannot use its own value")
            };
            let d = Diagnostic::error("E0024", message).at(use_span, "used inside its own definition").help(help);
            return Err(self.fail(d));
        }
        self.decl_stack.push(key.clone());
        let ct = self.c.component_type.clone();
        let r = self.within(Within::Component(name.into()), |ev| {
            ev.in_module(m, Vec::new(), |ev| {
                let v = ev.expr(&d.body)?;
                let v = ev.conform(v, &ct)?;
                ev.apply_overrides(&key, v)
            })
        });
        self.decl_stack.pop();
        match &r {
            Ok(v) if keep => {
                self.components.insert(key, Some(v.clone()));
            }
            Ok(_) | Err(Stop::Deeper(_)) => {}
            Err(Stop::Failed) => {
                self.components.insert(key, None);
            }
        }
        r
    }

    fn apply_overrides(&mut self, key: &DeclKey, mut v: Value) -> R {
        let Some(list) = self.overrides.get(key).cloned() else { return Ok(v) };
        for o in list {
            let ItemKind::Override(block) = &self.p.module(o.module).ast.items[o.item].kind else { continue };
            let set = &block.sets[o.set];
            let new = self.in_module(o.module, Vec::new(), |ev| {
                let nv = ev.expr(&set.value)?;
                ev.conform(nv, &o.ty)
            })?;
            set_path(&mut v, &o.path, new);
        }
        Ok(v)
    }

    fn component(&mut self, m: ModuleId, idx: usize) -> Option<Component> {
        let ItemKind::Component(d) = &self.p.module(m).ast.items[idx].kind else { return None };
        // Deploying a component needs its value once: take it from the memo, or compute
        // it without keeping a copy.
        let key = (m, d.name.name.clone());
        let v = match self.components.remove(&key) {
            Some(Some(v)) => v,
            Some(None) => {
                self.components.insert(key, None);
                return None;
            }
            None => self.unit(|ev| ev.component_value_kept(m, &d.name.name, d.name.span, false)).ok()?,
        };
        let mut placed_at = d.name.span;
        if let Some(envs) = v.get("envs").and_then(Value::as_list) {
            let entry = envs.iter().find(|e| matches!(&e.kind, ValueKind::Env(n) if *n == self.env))?;
            placed_at = entry.span();
        }
        let ns_value = v.get("namespace").cloned()?;
        let namespace = ns_value.as_str()?.to_string();
        let labels = v.get("labels").cloned();
        let provides = v
            .get("provides")
            .and_then(Value::as_list)
            .unwrap_or(&[])
            .iter()
            .filter_map(|p| p.as_str().map(str::to_string))
            .collect();
        // The component's value is ours (the memo keeps its own copy): take the objects
        // out rather than copying each.
        let ValueKind::Record(mut fields) = v.kind else { return None };
        let list = take_list(fields.shift_remove("objects"));
        let mut chart = fields.shift_remove("chart").filter(|c| !matches!(c.kind, ValueKind::None));
        let installs = chart.as_mut().and_then(|c| match &mut c.kind {
            ValueKind::Record(f) => f.get_mut("installs").and_then(|i| match &mut i.kind {
                ValueKind::Record(i) => i.shift_remove("objects"),
                _ => None,
            }),
            _ => None,
        });
        let after = take_list(fields.shift_remove("after"));
        let made_outside = take_list(fields.shift_remove("made_outside"));
        let given = |v: Option<Value>| v.filter(|d| !matches!(d.kind, ValueKind::None));
        let delivery = given(fields.shift_remove("delivery"));
        let needs_host = given(fields.shift_remove("needs_host"));
        let quorum = given(fields.shift_remove("quorum"));
        let sandboxes = given(fields.shift_remove("sandboxes"));
        let vault = given(fields.shift_remove("vault"));
        let reader = given(fields.shift_remove("reads_secrets_as"));
        let mut ok = true;
        let objects = self.objects(Placement::Objects, list, &ns_value, labels.as_ref(), &mut ok);
        // What a chart installs or is made outside gets no labels of the component.
        let installed = self.objects(Placement::Installed, take_list(installs), &ns_value, None, &mut ok);
        let outside = self.objects(Placement::Outside, made_outside, &ns_value, None, &mut ok);
        let labels = labels.and_then(|l| l.as_record().cloned()).unwrap_or_default();
        ok.then(|| Component {
            name: d.name.name.clone(),
            span: d.name.span,
            namespace,
            objects,
            provides,
            labels,
            chart: chart.map(Box::new),
            installed,
            outside,
            after,
            delivery: delivery.map(Box::new),
            needs_host: needs_host.map(Box::new),
            quorum: quorum.map(Box::new),
            placed_at,
            sandboxes: sandboxes.map(Box::new),
            vault: vault.map(Box::new),
            reader: reader.map(Box::new),
        })
    }

    /// Each value of `list` as an object of the component (see `object`); `ok` turns
    /// false when one cannot be.
    fn objects(
        &mut self,
        which: Placement,
        list: Vec<Value>,
        ns: &Value,
        labels: Option<&Value>,
        ok: &mut bool,
    ) -> Vec<Object> {
        let mut out = Vec::with_capacity(list.len());
        for o in list {
            match self.object(o, ns, labels) {
                Some((obj, placing)) => {
                    if let Some(p) = placing {
                        self.placing.push((which, out.len(), p));
                    }
                    out.push(obj)
                }
                None => *ok = false,
            }
        }
        out
    }

    /// Keep the objects of `c` (interned) that were placed from canonical values, for
    /// the part's next environments ([`memo::Placed`]).
    fn keep_placed(&mut self, c: &Component) {
        for (which, at, placing) in self.placing.drain(..) {
            let list = match which {
                Placement::Objects => &c.objects,
                Placement::Installed => &c.installed,
                Placement::Outside => &c.outside,
            };
            if let Some(o) = list.get(at) {
                self.placed.store(placing, o.clone());
            }
        }
    }

    /// The object an earlier environment of the part placed as `placing` says, if any
    /// (counted as taken).
    fn placed_before(&mut self, placing: Option<&memo::Placing>) -> Option<Object> {
        let found = self.placed.find(placing?)?.clone();
        self.reused.objects += 1;
        Some(found)
    }

    /// `o` placed in the component's namespace `ns`, with its `labels`; what placing
    /// read when `o` is a canonical value (the same in every environment that made it
    /// by a stored call): an earlier environment's object placed alike is taken as it
    /// is ([`memo::Placed`]).
    fn object(&mut self, mut o: Value, ns: &Value, labels: Option<&Value>) -> Option<(Object, Option<memo::Placing>)> {
        // Without composite kinds an object's scope follows from its value alone: an
        // earlier environment's object is looked for before its identity is read.
        let scope_of_value = self.c.composites.is_empty();
        let placing = |o: &Value, cluster: Option<bool>| match &o.kind {
            ValueKind::Record(fields) if fields.is_canonical() => {
                Some(memo::Placing { value: fields.clone(), cluster, namespace: ns.clone(), labels: labels.cloned() })
            }
            _ => None,
        };
        let early = if scope_of_value { placing(&o, None) } else { None };
        if let Some(found) = self.placed_before(early.as_ref()) {
            return Some((found, None));
        }
        let id = |o: &Value, path: &[&str]| o.path(path).and_then(text);
        let (Some(api_version), Some(kind), Some(name)) =
            (id(&o, &["apiVersion"]), id(&o, &["kind"]), id(&o, &["metadata", "name"]))
        else {
            // Only reachable through `Any`: typed objects always carry their identity.
            self.fail(
                Diagnostic::error("E0071", "this object has no `apiVersion`, `kind` or `metadata.name` string")
                    .at(o.span(), "object without identity")
                    .help("every Kubernetes object needs `apiVersion`, `kind` and `metadata: { name: ... }`; give the value the type `Object` to have this checked at compile time"),
            );
            return None;
        };
        let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
        let cluster = match self.composite_scope(&api_version, &kind) {
            Some(scope) => scope == xp_views::SCOPE_CLUSTER || scope == xp_views::SCOPE_LEGACY_CLUSTER,
            None => (self.cluster_scoped)(group, &kind),
        };
        // With composite kinds, the scope an environment gives a kind is part of what
        // placing reads.
        let placing = if scope_of_value { early } else { placing(&o, Some(cluster)) };
        if let Some(found) = self.placed_before(placing.as_ref().filter(|_| !scope_of_value)) {
            return Some((found, None));
        }
        let ValueKind::Record(fields) = &mut o.kind else { return None };
        let meta = fields.get_mut("metadata")?;
        let ValueKind::Record(meta_fields) = &mut meta.kind else { return None };
        if let Some(l) = labels.and_then(Value::as_record) {
            let span = labels.map(Value::span).unwrap_or_default();
            let entry = meta_fields
                .entry(self.local.labels.clone())
                .or_insert_with(|| Value::new(ValueKind::Record(Fields::new()), span));
            if matches!(entry.kind, ValueKind::None) {
                *entry = Value::new(ValueKind::Record(Fields::new()), span);
            }
            if let ValueKind::Record(own) = &mut entry.kind {
                for (k, v) in l {
                    if !own.contains_key(k) {
                        own.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        let explicit_ns = meta_fields.get("namespace").filter(|v| !matches!(v.kind, ValueKind::None)).cloned();
        let namespace = match (cluster, explicit_ns) {
            (true, _) => None,
            (false, Some(v)) => text(&v),
            (false, None) => {
                let at = 1.min(meta_fields.len());
                meta_fields.shift_insert(at, self.local.namespace.clone(), ns.clone());
                text(ns)
            }
        };
        if let Some(v) = o.unwritable() {
            let d = match v.kind {
                // Kept out of objects by the type checker (E0495); a secret has no text.
                ValueKind::Secret(_) => Diagnostic::error("E0495", "a secret cannot be written into an object")
                    .at(v.span(), "a Secret")
                    .help("name the Kubernetes Secret holding it: `secret_ref(...)`, or `secrets.env_var` / `secrets.volume`"),
                _ => Diagnostic::error("E0072", "an environment value cannot be written into an object")
                    .at(v.span(), "an Env value")
                    .help("write its name instead: `env.name`"),
            };
            self.fail(d);
            return None;
        }
        Some((Object { api_version, kind, name, namespace, value: o }, placing))
    }

    // ------------------------------------------------------------- conformance

    /// Bring a value to a type at a typed boundary: fill record defaults, validate
    /// domain types and unions of computed values (literals were checked already).
    fn conform(&mut self, v: Value, t: &Type) -> R {
        match (t, v.kind) {
            (Type::Optional(_), ValueKind::None) => Ok(Value { kind: ValueKind::None, origin: v.origin }),
            (Type::Optional(inner), kind) => self.conform(Value { kind, origin: v.origin }, inner),
            (Type::Domain(d), ValueKind::Str(s)) => match d.check_str(&s) {
                Ok(()) => Ok(Value { kind: ValueKind::Str(s), origin: v.origin }),
                Err(why) => {
                    Err(self.invalid(v.origin, &format!("\"{s}\" is not a valid {d}: {why}"), d.code(), d.help()))
                }
            },
            (Type::Domain(d), ValueKind::Named(n)) => match d.check_str(&n.text) {
                Ok(()) => Ok(Value { kind: ValueKind::Named(n), origin: v.origin }),
                Err(why) => Err(self.invalid(
                    v.origin,
                    &format!("\"{}\" is not a valid {d}: {why}", n.text),
                    d.code(),
                    d.help(),
                )),
            },
            (Type::Secret, kind) if !matches!(kind, ValueKind::Secret(_)) => {
                Err(self.fail(internal(v.origin.span, "a value that is not a secret where a Secret is expected")))
            }
            (Type::Domain(d), ValueKind::Int(i)) => match d.check_int(i) {
                Ok(()) => Ok(Value { kind: ValueKind::Int(i), origin: v.origin }),
                Err(why) => Err(self.invalid(v.origin, &format!("{i} is not a valid {d}: {why}"), d.code(), d.help())),
            },
            (Type::Enum(members), ValueKind::Str(s)) => {
                if members.contains(&*s) {
                    Ok(Value { kind: ValueKind::Str(s), origin: v.origin })
                } else {
                    let msg = format!("\"{s}\" is not one of {t}");
                    Err(self.invalid(v.origin, &msg, "E0062", &format!("the allowed values are {t}")))
                }
            }
            (Type::List(it), ValueKind::List(items)) => {
                self.charge(v.origin.span, items.len() as u64, 0)?;
                if items.iter().all(|x| conforms_as_is(x, it)) {
                    return Ok(Value { kind: ValueKind::List(items), origin: v.origin });
                }
                let items = Arc::unwrap_or_clone(items)
                    .into_iter()
                    .map(|x| self.conform(x, it))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Value { kind: ValueKind::list(items), origin: v.origin })
            }
            (Type::Map(vt), ValueKind::Record(fields)) => {
                self.charge(v.origin.span, fields.len() as u64, 0)?;
                if !fields.is_typed() && fields.values().all(|x| conforms_as_is(x, vt)) {
                    return Ok(Value { kind: ValueKind::Record(fields), origin: v.origin });
                }
                let mut out = Fields::with_capacity(fields.len());
                for (k, x) in fields {
                    out.insert(k, self.conform(x, vt)?);
                }
                Ok(Value { kind: ValueKind::Record(out), origin: v.origin })
            }
            // Conformed to this very type already, and not changed since: as it is.
            (Type::Record(rt), ValueKind::Record(fields)) if fields.conformed_to(rt) => {
                Ok(Value { kind: ValueKind::Record(fields), origin: v.origin })
            }
            (Type::Record(rt), ValueKind::Record(mut fields)) => {
                self.charge(v.origin.span, rt.fields.len() as u64, 0)?;
                self.own(&fields, v.origin.span)?;
                for (name, ft) in &rt.fields {
                    match fields.get_mut(name.as_str()) {
                        Some(x) => {
                            let taken = std::mem::replace(x, Value::new(ValueKind::None, v.origin.span));
                            // `name?: T` holding `none` keeps it, as conforming to `T?`
                            // does (without making that type for every field).
                            *x = if ft.optional && matches!(taken.kind, ValueKind::None) {
                                taken
                            } else {
                                self.conform(taken, &ft.ty)?
                            };
                        }
                        // Left out without a default: absent, and read as `none`
                        // (`Fields::is_typed`).
                        None => {
                            if let Some(def) = &ft.default {
                                let dv = self.in_module(def.module, Vec::new(), |ev| ev.expr(&def.expr))?;
                                let dv = self.conform(dv, &ft.ty)?;
                                fields.insert(name.as_str().into(), dv);
                            }
                        }
                    }
                }
                fields.set_conformed(rt);
                Ok(Value { kind: ValueKind::Record(fields), origin: v.origin })
            }
            (_, kind) => Ok(Value { kind, origin: v.origin }),
        }
    }

    /// Charge the copy a change to `fields` makes first when they are shared (one level:
    /// the values inside are shared by the copy).
    fn own(&mut self, fields: &Fields, span: Span) -> Result<(), Stop> {
        if fields.is_shared() {
            self.charge_items(span, fields.len(), fields.len())?;
        }
        Ok(())
    }

    /// Where a value used inside the function being evaluated came from, when that is
    /// outside its body: an argument (or what an argument was computed from).
    fn argument_origin(&self, v: &Value) -> Option<Span> {
        let body = *self.bodies.last()?;
        if let Some(i) = v.origin.input() {
            return Some(i);
        }
        (!body.contains(v.origin.span)).then_some(v.origin.span)
    }

    fn invalid(&mut self, origin: Origin, msg: &str, code: &'static str, help: &str) -> Stop {
        let mut d = match origin.input() {
            Some(input) => Diagnostic::error(code, msg.to_string())
                .at(input, "the input it is computed from")
                .also(origin.span, COMPUTED_HERE),
            None => Diagnostic::error(code, msg.to_string()).at(origin.span, COMPUTED_HERE),
        }
        .help(help.to_string());
        if let Some(base) = origin.overrides() {
            d = d.also(base, "base value, overridden for this environment");
        }
        self.fail(d)
    }

    // -------------------------------------------------------------- expressions

    fn expr(&mut self, e: &Expr) -> R {
        let span = e.span;
        self.charge(span, 1, 0)?;
        let v = |k| Ok(Value::new(k, span));
        match &e.kind {
            ExprKind::Int(i) => v(ValueKind::Int(*i)),
            ExprKind::Bool(b) => v(ValueKind::Bool(*b)),
            ExprKind::None => v(ValueKind::None),
            ExprKind::Env => {
                self.env_reads += 1;
                v(ValueKind::Env(self.env.clone()))
            }
            ExprKind::Str(s) if self.composing > 0 => self.string_composing(s, span),
            // Plain text (no interpolation): the part's copy, charged as building it was.
            ExprKind::Str(s) if matches!(s.parts.as_slice(), [] | [StrPart::Text(_)]) => {
                let text = match s.parts.first() {
                    Some(StrPart::Text(t)) => {
                        self.charge_string(span, t.len(), t.len())?;
                        self.local.string(t)
                    }
                    _ => Arc::from(""),
                };
                v(ValueKind::Str(text))
            }
            ExprKind::Str(s) => {
                let mut reads = Vec::new();
                let mut input = None;
                let text = self.string_reading(s, span, &mut reads, &mut input, None)?;
                let mut value = Value::new(secrets::text(text, reads), span);
                value.origin.set_input(input);
                Ok(value)
            }
            ExprKind::Ident(id) => self.ident(id),
            ExprKind::List(items) => {
                // At least as many items as written (a spread or a comprehension may add
                // more): no list grows by doubling only to hold what the source spells.
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        ListItem::Item(x) => {
                            let x = self.expr(x)?;
                            self.charge_items(span, out.len() + 1, 1)?;
                            out.push(x);
                        }
                        ListItem::Spread(x) => {
                            let sv = self.expr(x)?;
                            self.known(&sv, x.span, "a spread")?;
                            match sv.kind {
                                ValueKind::List(xs) => {
                                    self.charge_items(span, out.len().saturating_add(xs.len()), xs.len())?;
                                    out.extend(Arc::unwrap_or_clone(xs));
                                }
                                _ => return Err(self.fail(internal(x.span, "spread"))),
                            }
                        }
                    }
                }
                v(ValueKind::list(out))
            }
            ExprKind::Record(fields) => {
                let mut out = Fields::with_capacity(fields.len());
                for f in fields {
                    let k = match &f.key {
                        Key::Static(k, _) => self.local.key(k),
                        Key::Dynamic(s, ks) => self.string(s, *ks)?.into(),
                    };
                    let val = self.expr(&f.value)?;
                    self.charge_items(span, out.len() + 1, 1)?;
                    self.charge(span, 0, k.len() as u64)?;
                    out.insert(k, val);
                }
                v(ValueKind::Record(out))
            }
            ExprKind::Field(base, f) => self.field(base, f),
            ExprKind::Index(base, idx) => {
                let b = self.expr(base)?;
                let i = self.expr(idx)?;
                self.known(&b, base.span, "an index into it")?;
                self.known(&i, idx.span, "an index")?;
                // `b` is ours: take the item out rather than copying it.
                match (b.kind, &i.kind) {
                    (ValueKind::List(xs), ValueKind::Int(n)) => {
                        let got = usize::try_from(*n).ok().filter(|n| *n < xs.len());
                        match got {
                            Some(n) => {
                                Ok(Arc::try_unwrap(xs)
                                    .map_or_else(|shared| shared[n].clone(), |mut xs| xs.swap_remove(n)))
                            }
                            None => Err(self.fail(
                                Diagnostic::error(
                                    "E0060",
                                    format!("index {n} is out of range for a list of {} items", xs.len()),
                                )
                                .at(idx.span, "out of range")
                                .help("check the length with `len(...)` first"),
                            )),
                        }
                    }
                    (ValueKind::Record(mut fields), ValueKind::Str(k)) => match take_field(&mut fields, k) {
                        Some(x) => Ok(x),
                        None if fields.is_typed() => Ok(Value::new(ValueKind::None, span)),
                        None => Err(self.missing_key(k, &fields, idx.span)),
                    },
                    _ => Err(self.fail(internal(span, "index"))),
                }
            }
            ExprKind::Call(callee, args) => self.call(e, callee, args),
            ExprKind::Unary(op, x) => {
                let xv = self.expr(x)?;
                self.known(&xv, x.span, "this operation")?;
                match (op, xv.kind) {
                    (UnaryOp::Not, ValueKind::Bool(b)) => v(ValueKind::Bool(!b)),
                    (UnaryOp::Neg, ValueKind::Int(i)) => match i.checked_neg() {
                        Some(n) => v(ValueKind::Int(n)),
                        None => Err(self.overflow(span)),
                    },
                    _ => Err(self.fail(internal(span, "unary"))),
                }
            }
            ExprKind::Binary(op, l, r) => self.binary(span, *op, l, r),
            ExprKind::If(c, t, f) => {
                let cv = self.expr(c)?;
                self.known(&cv, c.span, "a condition")?;
                if matches!(cv.kind, ValueKind::Bool(true)) { self.expr(t) } else { self.expr(f) }
            }
            ExprKind::Match(subject, arms) => {
                let sv = self.expr(subject)?;
                if let ValueKind::Patch(p) = &sv.kind {
                    return self.patch_match(p, arms, span);
                }
                for arm in arms {
                    if arm.patterns.iter().any(|p| matches_pattern(p, &sv)) {
                        return self.expr(&arm.body);
                    }
                }
                Err(self.fail(
                    Diagnostic::error("E0034", "no arm of this match applies")
                        .at(subject.span, "value not covered")
                        .help("add a `_ => ...` arm"),
                ))
            }
            ExprKind::For(f) => {
                let it = self.expr(&f.iter)?;
                self.known(&it, f.iter.span, "a `for` over it")?;
                let pairs: Vec<(Value, Value)> = match it.kind {
                    ValueKind::List(xs) => Arc::unwrap_or_clone(xs)
                        .into_iter()
                        .enumerate()
                        .map(|(i, x)| (Value::new(ValueKind::Int(i as i64), f.iter.span), x))
                        .collect(),
                    ValueKind::Record(fields) => {
                        self.charge_items(f.iter.span, fields.len(), fields.len())?;
                        fields.into_iter().map(|(k, x)| (Value::str(&k, f.iter.span), x)).collect()
                    }
                    _ => return Err(self.fail(internal(f.iter.span, "for"))),
                };
                // Room for every item (fewer when the condition leaves some out: then
                // trimmed, as lists live on in the platform's objects).
                let mut out = Vec::with_capacity(pairs.len());
                let n = self.locals.len();
                for (k, x) in pairs {
                    self.locals.truncate(n);
                    if let Some(kn) = &f.key {
                        self.locals.push((kn.span, k));
                    }
                    self.locals.push((f.var.span, x));
                    if let Some(c) = &f.cond {
                        match self.expr(c) {
                            Ok(cv) if matches!(cv.kind, ValueKind::Bool(false)) => continue,
                            Ok(_) => {}
                            Err(s) => {
                                self.locals.truncate(n);
                                return Err(s);
                            }
                        }
                    }
                    match self.expr(&f.body).and_then(|b| self.charge_items(span, out.len() + 1, 1).map(|()| b)) {
                        Ok(b) => out.push(b),
                        Err(s) => {
                            self.locals.truncate(n);
                            return Err(s);
                        }
                    }
                }
                self.locals.truncate(n);
                out.shrink_to_fit();
                v(ValueKind::list(out))
            }
            ExprKind::LetIn(l) => {
                let val = self.expr(&l.value)?;
                self.locals.push((l.name.span, val));
                let r = self.expr(&l.body);
                self.locals.pop();
                r
            }
        }
    }

    fn string(&mut self, s: &StrExpr, span: Span) -> Result<String, Stop> {
        self.string_reading(s, span, &mut Vec::new(), &mut None, None)
    }

    /// A string inside a composite's body: with the composite's fields in it, a patch.
    fn string_composing(&mut self, s: &StrExpr, span: Span) -> R {
        let (mut reads, mut input, mut patches) = (Vec::new(), None, Vec::new());
        let text = self.string_reading(s, span, &mut reads, &mut input, Some(&mut patches))?;
        if patches.is_empty() {
            let mut value = Value::new(secrets::text(text, reads), span);
            value.origin.set_input(input);
            return Ok(value);
        }
        let mut texts = Vec::new();
        let mut at = 0;
        for (pos, _, _) in &patches {
            texts.push(text.get(at..*pos).unwrap_or("").to_string());
            at = *pos;
        }
        texts.push(text.get(at..).unwrap_or("").to_string());
        let reads = patches.into_iter().map(|(_, p, s)| (p, s)).collect();
        self.patch_string(texts, reads, span)
    }

    /// An interpolated string; the secrets named by the parts (`secret_ref(...).name`)
    /// are added to `reads`, and `input` is set to the first part that came into the
    /// function being evaluated through an argument (see [`Origin::input`]).
    fn string_reading(
        &mut self,
        s: &StrExpr,
        span: Span,
        reads: &mut Vec<Arc<SecretSource>>,
        input: &mut Option<Span>,
        mut patches: Option<&mut Vec<(usize, Arc<PatchSource>, Span)>>,
    ) -> Result<String, Stop> {
        let mut out = String::new();
        for p in &s.parts {
            match p {
                StrPart::Text(t) => self.push_str(&mut out, t, span)?,
                StrPart::Interp(x) => {
                    let xv = self.expr(x)?;
                    if input.is_none() {
                        *input = self.argument_origin(&xv);
                    }
                    match &xv.kind {
                        ValueKind::Str(t) => self.push_str(&mut out, t, x.span)?,
                        ValueKind::Int(i) => self.push_str(&mut out, &i.to_string(), x.span)?,
                        ValueKind::Bool(b) => self.push_str(&mut out, if *b { "true" } else { "false" }, x.span)?,
                        ValueKind::Env(n) => self.push_str(&mut out, n, x.span)?,
                        ValueKind::Named(n) => {
                            self.push_str(&mut out, &n.text, x.span)?;
                            reads.extend(n.reads.iter().cloned());
                        }
                        ValueKind::Patch(p) if patches.is_some() => {
                            if let Some(list) = patches.as_deref_mut() {
                                list.push((out.len(), Arc::clone(p), x.span));
                            }
                        }
                        ValueKind::Patch(_) => {
                            return Err(self.not_composable(x.span, "this string"));
                        }
                        _ => {
                            return Err(self.fail(
                                Diagnostic::error("E0303", "this value cannot be put in a string")
                                    .at(x.span, "not a string, integer or boolean")
                                    .help("interpolate strings, integers and booleans"),
                            ));
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// Append `t` to a string being built, within the budget.
    fn push_str(&mut self, out: &mut String, t: &str, span: Span) -> Result<(), Stop> {
        self.charge_string(span, out.len().saturating_add(t.len()), t.len())?;
        out.push_str(t);
        Ok(())
    }

    /// Where in `locals` the local bound at `binding` (a `Def::Local` of the resolution)
    /// is.
    fn local_index(&self, binding: Span) -> Option<usize> {
        self.locals.iter().rposition(|(s, _)| *s == binding)
    }

    fn local(&self, binding: Span) -> Option<&Value> {
        self.local_index(binding).map(|i| &self.locals[i].1)
    }

    fn ident(&mut self, id: &Ident) -> R {
        match self.p.resolution.name(id.span) {
            Some(Def::Local { span }) => {
                let Some(i) = self.local_index(*span) else { return Err(self.fail(internal(id.span, "name"))) };
                // Records share their fields: a copy builds only the items of the lists in
                // it (`copy_cost`); a change to a record later is charged where it copies
                // (`own`).
                let (slots, bytes) = budget::copy_cost(&self.locals[i].1);
                self.charge(id.span, slots.max(1), bytes)?;
                Ok(self.locals[i].1.clone())
            }
            Some(Def::Decl { module, name }) => match self.p.module(*module).item(name).map(|i| &i.kind) {
                Some(ItemKind::Let(_) | ItemKind::Composite(_)) => self.let_value(*module, name, id.span),
                Some(ItemKind::Component(_)) => self.component_value(*module, name, id.span),
                Some(ItemKind::Env(e)) => Ok(Value::new(ValueKind::Env(e.name.name.as_str().into()), id.span)),
                _ => Err(self.fail(internal(id.span, "name"))),
            },
            _ => Err(self.fail(internal(id.span, "name"))),
        }
    }

    fn module_alias(&self, e: &Expr) -> Option<ModuleId> {
        self.p.resolution.module_of(e)
    }

    fn field(&mut self, base: &Expr, f: &Ident) -> R {
        if let Some(m) = self.module_alias(base) {
            return match self.p.module(m).item(&f.name).map(|i| &i.kind) {
                Some(ItemKind::Component(_)) => self.component_value(m, &f.name, f.span),
                _ => self.let_value(m, &f.name, f.span),
            };
        }
        if let Some(r) = self.field_in_place(base, f) {
            return r;
        }
        let b = self.expr(base)?;
        let record_span = b.span();
        // `b` is ours: take the field out rather than copying it.
        match b.kind {
            ValueKind::Record(mut fields) => match take_field(&mut fields, &f.name) {
                Some(x) => Ok(x),
                // An optional field left out of a typed record (see `conform`).
                None if fields.is_typed() => Ok(Value::new(ValueKind::None, record_span)),
                None => Err(self.missing_key(&f.name, &fields, f.span)),
            },
            ValueKind::Env(name) => {
                self.env_reads += 1;
                let found = if *name == *self.env && self.attributes.is_some() {
                    let cost = self.attributes.as_ref().and_then(|a| a.get(&f.name)).map(budget::copy_cost);
                    if let Some((slots, bytes)) = cost {
                        self.charge(f.span, slots, bytes)?;
                    }
                    self.attributes.as_ref().and_then(|a| a.get(&f.name)).cloned()
                } else {
                    match self.other_env_attributes(&name, f.span)?.kind {
                        ValueKind::Record(mut attrs) => attrs.swap_remove(f.name.as_str()),
                        _ => None,
                    }
                };
                match found {
                    Some(x) => Ok(x),
                    None => Err(self.fail(
                        Diagnostic::error(
                            "E0024",
                            format!("`env.{}` is used while the environment itself is being defined", f.name),
                        )
                        .at(f.span, "not available yet")
                        .help("environment fields cannot depend on other environment fields"),
                    )),
                }
            }
            ValueKind::None => Ok(Value::new(ValueKind::None, f.span)),
            ValueKind::Patch(p) => self.patch_field(&p, &f.name, base.span.to(f.span)),
            _ => Err(self.fail(internal(f.span, "field"))),
        }
    }

    /// `x.a.b` where `x` is a local or an already evaluated `let` of this module, and
    /// each step is a record field: copy only the field read, not all of `x`. `None`
    /// when the path does not have that shape (the general case handles it).
    fn field_in_place(&mut self, base: &Expr, f: &Ident) -> Option<R> {
        let mut path = vec![f.name.as_str()];
        let mut cur = base;
        while let ExprKind::Field(b, g) = &cur.kind {
            if self.module_alias(b).is_some() {
                return None;
            }
            path.push(g.name.as_str());
            cur = b;
        }
        let ExprKind::Ident(root) = &cur.kind else { return None };
        path.reverse();
        let (slots, bytes) = budget::copy_cost(self.find_in_place(root, &path)?);
        if let Some(Def::Decl { module, name }) = self.p.resolution.name(root.span)
            && !(self.env_lets.is_empty() && self.overridden.is_empty())
        {
            self.read_let(&(*module, name.clone()));
        }
        if let Err(stop) = self.charge(f.span, path.len() as u64 + slots, bytes) {
            return Some(Err(stop));
        }
        self.find_in_place(root, &path).cloned().map(Ok)
    }

    /// The value at `path` inside the local or evaluated `let` that `root` names.
    fn find_in_place(&self, root: &Ident, path: &[&str]) -> Option<&Value> {
        let mut v = match self.p.resolution.name(root.span)? {
            Def::Local { span } => self.local(*span)?,
            Def::Decl { module, name } => match self.p.module(*module).item(name).map(|i| &i.kind) {
                Some(ItemKind::Let(_)) => self.lets.get(&(*module, name.clone()))?.as_ref()?,
                _ => return None,
            },
            _ => return None,
        };
        for k in path {
            v = v.as_record()?.get(k)?;
        }
        Some(v)
    }

    fn other_env_attributes(&mut self, name: &str, span: Span) -> R {
        let Some(info) = self.c.envs.iter().find(|e| e.name == name) else {
            return Err(self.fail(internal(span, "env")));
        };
        let (m, idx, espan) = (info.module, info.item, info.span);
        let saved = std::mem::replace(&mut self.env, name.into());
        let r = self.env_attributes(m, idx, espan);
        self.env = saved;
        r
    }

    fn missing_key(&mut self, k: &str, fields: &Fields, span: Span) -> Stop {
        let help = match cedc_diagnostics::did_you_mean(k, fields.keys().map(|k| &**k)) {
            Some(s) => format!("did you mean `{s}`?"),
            None if fields.is_empty() => "the map is empty here".to_string(),
            None => format!("the keys are: {}", fields.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")),
        };
        self.fail(Diagnostic::error("E0060", format!("no key `{k}` here")).at(span, "missing key").help(help))
    }

    fn overflow(&mut self, span: Span) -> Stop {
        self.fail(
            Diagnostic::error("E0060", "integer overflow")
                .at(span, "result does not fit in 64 bits")
                .help("use smaller numbers"),
        )
    }

    fn binary(&mut self, span: Span, op: BinaryOp, l: &Expr, r: &Expr) -> R {
        let lv = self.expr(l)?;
        match op {
            BinaryOp::And => {
                return if matches!(lv.kind, ValueKind::Bool(false)) {
                    Ok(Value::new(ValueKind::Bool(false), span))
                } else {
                    self.expr(r)
                };
            }
            BinaryOp::Or => {
                return if matches!(lv.kind, ValueKind::Bool(true)) {
                    Ok(Value::new(ValueKind::Bool(true), span))
                } else {
                    self.expr(r)
                };
            }
            BinaryOp::Coalesce => {
                if let ValueKind::Patch(p) = &lv.kind {
                    let rv = self.expr(r)?;
                    return self.patch_default(p, rv, span);
                }
                if !matches!(lv.kind, ValueKind::None) {
                    return Ok(lv);
                }
                let rv = self.expr(r)?;
                return match self.c.conform_at.get(&r.span) {
                    Some(t) => self.conform(rv, t),
                    None => Ok(rv),
                };
            }
            _ => {}
        }
        let rv = self.expr(r)?;
        if self.composing > 0 {
            match (op, &lv.kind, &rv.kind) {
                (BinaryOp::Mul, ValueKind::Patch(p), ValueKind::Int(n))
                | (BinaryOp::Mul, ValueKind::Int(n), ValueKind::Patch(p)) => {
                    let (p, n) = (Arc::clone(p), *n);
                    return self.patch_multiply(&p, n, span);
                }
                _ => {
                    let what = match op {
                        BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                            "a comparison"
                        }
                        BinaryOp::With => "a `with`",
                        _ => "this operation",
                    };
                    self.known(&lv, l.span, what)?;
                    self.known(&rv, r.span, what)?;
                }
            }
        }
        let out = |k| Ok(Value::new(k, span));
        match (op, &lv.kind, &rv.kind) {
            (BinaryOp::With, _, _) => {
                if let (ValueKind::Record(a), ValueKind::Record(b)) = (&lv.kind, &rv.kind) {
                    // The left side's fields are copied when shared, then the right's added.
                    let new = if a.is_shared() { a.len().saturating_add(b.len()) } else { b.len() };
                    self.charge_items(span, a.len().saturating_add(b.len()), new)?;
                }
                Ok(merge(lv, rv, span))
            }
            (BinaryOp::Eq | BinaryOp::Ne, _, _) => {
                // Comparing looks at up to every item of the smaller side.
                let work = budget::walk_cost(&lv).0.min(budget::walk_cost(&rv).0);
                self.charge(span, work, 0)?;
                out(ValueKind::Bool(same(&lv, &rv) == (op == BinaryOp::Eq)))
            }
            (BinaryOp::Add, ValueKind::Str(_) | ValueKind::Named(_), ValueKind::Str(_) | ValueKind::Named(_)) => {
                let (a, b) = (lv.as_str().unwrap_or(""), rv.as_str().unwrap_or(""));
                let len = a.len().saturating_add(b.len());
                self.charge_string(span, len, len)?;
                let reads = secrets::reads_of(&lv).chain(secrets::reads_of(&rv)).cloned().collect();
                out(secrets::text(format!("{a}{b}"), reads))
            }
            (BinaryOp::Add, ValueKind::List(a), ValueKind::List(b)) => {
                let len = a.len().saturating_add(b.len());
                self.charge_items(span, len, len)?;
                let (ValueKind::List(mut a), ValueKind::List(b)) = (lv.kind, rv.kind) else {
                    return Err(self.fail(internal(span, "operator")));
                };
                Arc::make_mut(&mut a).extend(Arc::unwrap_or_clone(b));
                out(ValueKind::List(a))
            }
            (_, ValueKind::Int(a), ValueKind::Int(b)) => {
                let (a, b) = (*a, *b);
                let k = match op {
                    BinaryOp::Lt => ValueKind::Bool(a < b),
                    BinaryOp::Le => ValueKind::Bool(a <= b),
                    BinaryOp::Gt => ValueKind::Bool(a > b),
                    BinaryOp::Ge => ValueKind::Bool(a >= b),
                    BinaryOp::Div | BinaryOp::Rem if b == 0 => {
                        return Err(self.fail(
                            Diagnostic::error("E0060", "division by zero")
                                .at(r.span, "this is zero")
                                .help("check the divisor before dividing"),
                        ));
                    }
                    _ => {
                        let n = match op {
                            BinaryOp::Add => a.checked_add(b),
                            BinaryOp::Sub => a.checked_sub(b),
                            BinaryOp::Mul => a.checked_mul(b),
                            BinaryOp::Div => a.checked_div(b),
                            BinaryOp::Rem => a.checked_rem(b),
                            _ => None,
                        };
                        match n {
                            Some(n) => ValueKind::Int(n),
                            None => return Err(self.overflow(span)),
                        }
                    }
                };
                out(k)
            }
            _ => Err(self.fail(internal(span, "operator"))),
        }
    }

    /// What `callee` names: a function of the program or a builtin; an internal error
    /// when neither (the checker let no such call through).
    fn callee(&mut self, callee: &Expr) -> Result<Callee<'p>, Stop> {
        if let Some(known) = self.callees.get(&callee.span) {
            return Ok(*known);
        }
        let (m, name) = match &callee.kind {
            ExprKind::Ident(id) => (self.module, id.name.as_str()),
            ExprKind::Field(base, f) => match self.module_alias(base) {
                Some(m) => (m, f.name.as_str()),
                None => return Err(self.fail(internal(callee.span, "call"))),
            },
            _ => return Err(self.fail(internal(callee.span, "call"))),
        };
        let found = match self.c.fns.get(&(m, name.to_string())).map(|sig| &**sig) {
            Some(sig) => match self.p.module(m).item(name).map(|i| &i.kind) {
                Some(ItemKind::Fn(decl)) => Callee::Fn { module: m, sig, decl },
                _ => return Err(self.fail(internal(callee.span, "function"))),
            },
            None => match Builtin::named(name) {
                Some(b) => Callee::Builtin(b),
                None => return Err(self.fail(internal(callee.span, "call"))),
            },
        };
        self.callees.insert(callee.span, found);
        Ok(found)
    }

    fn call(&mut self, e: &Expr, callee: &Expr, args: &[Arg]) -> R {
        let (m, sig, decl) = match self.callee(callee)? {
            Callee::Fn { module, sig, decl } => (module, sig, decl),
            Callee::Builtin(b) => return self.builtin(e, b, args),
        };
        if self.depth >= MAX_CALL_DEPTH {
            return Err(self.fail(
                Diagnostic::error("E0061", format!("function calls nested more than {MAX_CALL_DEPTH} deep"))
                    .at(e.span, "one call too many")
                    .help("a recursive function must reach a case that does not call itself"),
            ));
        }
        let mut values: Vec<Option<Value>> = vec![None; sig.params.len()];
        for (i, a) in args.iter().enumerate() {
            let j = match &a.name {
                Some(n) => sig.params.iter().position(|p| p.name == n.name),
                None => Some(i),
            };
            let v = self.expr(&a.value)?;
            if let Some(j) = j.filter(|j| *j < values.len()) {
                values[j] = Some(v);
            }
        }
        let mut locals = Vec::with_capacity(values.len());
        for ((p, binding), v) in sig.params.iter().zip(&decl.params).zip(values) {
            let v = match (v, &p.default) {
                (Some(v), _) => v,
                (None, Some(def)) => self.in_module(def.module, Vec::new(), |ev| ev.expr(&def.expr))?,
                (None, None) => Value::new(ValueKind::None, e.span),
            };
            let v = self.conform(v, &p.ty)?;
            locals.push((binding.name.span, v));
        }
        let mut v = self.call_body(&Called { call: e, module: m, sig, decl }, locals)?;
        if self.calls.is_empty() {
            made_by_call(&mut v, decl.body.span, e.span);
        }
        Ok(v)
    }

    /// Evaluate the body of the function called on its arguments `locals`, or take what
    /// the same call returned in another environment ([`memo`]).
    fn call_body(&mut self, called: &Called, locals: Vec<(Span, Value)>) -> R {
        // A composite's body reads its spec (patches): never stored.
        if self.composing > 0 {
            return self.run_body(called, locals);
        }
        let function = memo::function_of(called.decl);
        let lookup = match self.calls_made.find(function, locals.iter().map(|(_, v)| v), &self.env) {
            memo::Found::Value(v, below) if self.depth + below < MAX_CALL_DEPTH => {
                let (slots, bytes) = budget::copy_cost(&v);
                self.charge(called.call.span, slots.max(1), bytes)?;
                self.peak_depth = self.peak_depth.max(self.depth + below);
                self.reused.calls += 1;
                return Ok(v);
            }
            memo::Found::Value(..) => return self.run_body(called, locals),
            memo::Found::Missing(lookup) => lookup,
        };
        let args: Vec<Value> = locals.iter().map(|(_, v)| v.clone()).collect();
        let (reads, reported) = (self.env_reads, self.diags.len());
        let outer_peak = std::mem::replace(&mut self.peak_depth, self.depth);
        let mut r = self.run_body(called, locals);
        let below = self.peak_depth - self.depth;
        self.peak_depth = self.peak_depth.max(outer_peak);
        if let Ok(v) = &mut r
            && self.env_reads == reads
            && self.diags.len() == reported
        {
            self.interner.intern(v);
            self.calls_made.store(lookup, function, args, v.clone(), &self.env, below);
        }
        r
    }

    /// Evaluate the body of the function called on `locals`, conformed to its result type.
    fn run_body(&mut self, called: &Called, locals: Vec<(Span, Value)>) -> R {
        let Called { call, module, sig, decl } = *called;
        self.depth += 1;
        self.peak_depth = self.peak_depth.max(self.depth);
        self.bodies.push(decl.body.span);
        self.calls.push(call.span);
        let r = self.in_module(module, locals, |ev| ev.expr(&decl.body));
        self.calls.pop();
        self.bodies.pop();
        self.depth -= 1;
        self.conform(r?, &sig.ret)
    }

    fn builtin(&mut self, e: &Expr, b: Builtin, args: &[Arg]) -> R {
        let span = e.span;
        let mut vals = Vec::new();
        for a in args {
            vals.push(self.expr(&a.value)?);
        }
        // Built-ins Crossplane has a transform for apply to a read of the composite.
        if let Some(ValueKind::Patch(p)) = vals.first().map(|v| &v.kind) {
            let p = Arc::clone(p);
            if let Some(r) = self.patch_builtin(&p, b, &vals[1..], span) {
                return r;
            }
        }
        for (v, a) in vals.iter().zip(args) {
            self.known(v, a.value.span, "a built-in function's argument")?;
        }
        let out = |k| Ok(Value::new(k, span));
        match (b, vals.as_slice()) {
            (Builtin::Len, [x]) => {
                if let ValueKind::Str(s) = &x.kind {
                    self.charge(span, s.len() as u64 / 64, 0)?;
                }
                let n = match &x.kind {
                    ValueKind::List(l) => l.len(),
                    ValueKind::Record(f) => f.len(),
                    _ => x.as_str().map_or(0, |s| s.chars().count()),
                };
                out(ValueKind::Int(n as i64))
            }
            (Builtin::Join, [l, sep]) => {
                let parts: Vec<&str> = l.as_list().unwrap_or(&[]).iter().filter_map(Value::as_str).collect();
                let sep = sep.as_str().unwrap_or("");
                let len = parts
                    .iter()
                    .fold(sep.len().saturating_mul(parts.len().saturating_sub(1)), |n, p| n.saturating_add(p.len()));
                self.charge_string(span, len, len)?;
                out(ValueKind::Str(parts.join(sep).into()))
            }
            (Builtin::Keys, [m]) => {
                let mut ks: Vec<&cedc_model::Key> = m.as_record().map(|f| f.keys().collect()).unwrap_or_default();
                self.charge_items(span, ks.len(), ks.len())?;
                self.charge(span, 0, ks.iter().map(|k| k.len() as u64).sum())?;
                ks.sort();
                out(ValueKind::list(ks.into_iter().map(|k| Value::str(k, span)).collect()))
            }
            (Builtin::Lower | Builtin::Upper, [s]) => {
                let s = s.as_str().unwrap_or("");
                self.charge_string(span, s.len(), s.len())?;
                let t = if b == Builtin::Lower { s.to_lowercase() } else { s.to_uppercase() };
                // A few characters change length with their case.
                self.charge_string(span, t.len(), t.len().saturating_sub(s.len()))?;
                out(ValueKind::Str(t.into()))
            }
            (Builtin::String, [x]) => {
                let s = match &x.kind {
                    ValueKind::Int(i) => i.to_string(),
                    ValueKind::Bool(b) => b.to_string(),
                    ValueKind::Str(_) | ValueKind::Named(_) => return out(x.kind.clone()),
                    ValueKind::Env(n) => n.to_string(),
                    _ => String::new(),
                };
                out(ValueKind::Str(s.into()))
            }
            (Builtin::CompositeName, []) => {
                self.env_reads += 1;
                self.composite_name(span)
            }
            (Builtin::ComponentName, []) => match self.within.clone() {
                Within::Component(name) => {
                    self.env_reads += 1;
                    self.charge_string(span, name.len(), name.len())?;
                    out(ValueKind::Str(name))
                }
                within => Err(self.component_name_undefined(span, within)),
            },
            (Builtin::Contains, [c, item]) => {
                let work = match (&c.kind, &item.kind) {
                    (ValueKind::List(_), _) => budget::walk_cost(c).0,
                    (ValueKind::Str(s), ValueKind::Str(t)) => (s.len() + t.len()) as u64 / 64,
                    _ => 0,
                };
                self.charge(span, work, 0)?;
                let found = match (&c.kind, c.as_str(), item.as_str()) {
                    (ValueKind::List(l), _, _) => l.iter().any(|x| same(x, item)),
                    (_, Some(s), Some(t)) => s.contains(t),
                    _ => false,
                };
                out(ValueKind::Bool(found))
            }
            (Builtin::VaultSecret | Builtin::ExistingSecret, [place, key]) => {
                // Problems are reported at the arguments: the caller's own strings, even
                // through `secrets.vault`.
                let spans = (place.span(), key.span());
                let (place, key) = (place.as_str().unwrap_or(""), key.as_str().unwrap_or(""));
                let made = if b == Builtin::VaultSecret {
                    secrets::vault(place, key, spans)
                } else {
                    secrets::existing(place, key, spans)
                };
                match made {
                    Ok(source) => out(ValueKind::Secret(Arc::new(source))),
                    Err(d) => Err(self.fail(d)),
                }
            }
            (Builtin::SecretRef, [s]) => match &s.kind {
                ValueKind::Secret(source) => Ok(secrets::key_ref(source, span)),
                _ => Err(self.fail(internal(span, "secret_ref of a value that is not a secret"))),
            },
            (Builtin::Public, [text, reason]) => secrets::public(text, reason).map_err(|d| self.fail(d)),
            // The checker gave every call its arity; listing the variants keeps this match
            // exhaustive, so a new builtin does not compile until it has a meaning here.
            (
                Builtin::Len
                | Builtin::Join
                | Builtin::Keys
                | Builtin::Lower
                | Builtin::Upper
                | Builtin::String
                | Builtin::Contains
                | Builtin::ComponentName
                | Builtin::CompositeName
                | Builtin::VaultSecret
                | Builtin::ExistingSecret
                | Builtin::SecretRef
                | Builtin::Public,
                _,
            ) => Err(self.fail(internal(span, "built-in call"))),
        }
    }

    /// E0440: `component_name()` called at `span` while no component is evaluated.
    fn component_name_undefined(&mut self, span: Span, within: Within) -> Stop {
        let help = "`component_name()` can only be used in a component, or in a function called from one \
                    (a default argument included); to use a name in a `let`, write it or pass it as an argument";
        let d = match within {
            Within::Let(name, at) => {
                Diagnostic::error("E0440", format!("`component_name()` is not defined while `let {name}` is evaluated"))
                    .at(span, "called while evaluating a `let`")
                    .also(at, "a `let` has one value per environment, shared by every component")
            }
            _ => Diagnostic::error("E0440", "`component_name()` is only defined while a component is evaluated")
                .at(span, "called outside a component"),
        };
        self.fail(d.help(help))
    }
}

fn matches_pattern(p: &Pattern, v: &Value) -> bool {
    match (p, &v.kind) {
        (Pattern::Wildcard(_), _) => true,
        (Pattern::Name(id), ValueKind::Env(n)) => id.name == **n,
        (Pattern::Str(s, _), ValueKind::Str(_) | ValueKind::Named(_)) => v.as_str() == Some(&**s),
        (Pattern::Str(s, _), ValueKind::Env(t)) => **s == **t,
        (Pattern::Int(i, _), ValueKind::Int(j)) => i == j,
        (Pattern::Bool(a, _), ValueKind::Bool(b)) => a == b,
        _ => false,
    }
}

/// Structural equality, ignoring provenance. A record field holding `none` equals one
/// left out (an optional field left out of a typed record is absent, see `conform`).
fn same(a: &Value, b: &Value) -> bool {
    let none = |v: &Value| matches!(v.kind, ValueKind::None);
    match (&a.kind, &b.kind) {
        (ValueKind::List(x), ValueKind::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| same(p, q))
        }
        (ValueKind::Record(x), ValueKind::Record(y)) => {
            x.iter().all(|(k, v)| y.get(k).map_or(none(v), |w| same(v, w)))
                && y.iter().all(|(k, w)| x.contains_key(k) || none(w))
        }
        (ValueKind::Str(_) | ValueKind::Named(_), ValueKind::Str(_) | ValueKind::Named(_)) => a.as_str() == b.as_str(),
        (x, y) => x == y,
    }
}

/// `base with patch`: records merge recursively; anything else is replaced.
fn merge(base: Value, patch: Value, span: Span) -> Value {
    match (base.kind, patch.kind) {
        (ValueKind::Record(mut b), ValueKind::Record(p)) => {
            let mut added = false;
            for (k, pv) in p {
                match b.get_mut(&k) {
                    Some(bv) if matches!(bv.kind, ValueKind::Record(_)) && matches!(pv.kind, ValueKind::Record(_)) => {
                        let pspan = pv.span();
                        let base = std::mem::replace(bv, Value::new(ValueKind::None, pspan));
                        *bv = merge(base, pv, pspan);
                    }
                    Some(bv) => *bv = pv,
                    None => {
                        b.insert(k, pv);
                        added = true;
                    }
                }
            }
            if added {
                b.shrink_to_fit();
            }
            Value::new(ValueKind::Record(b), span)
        }
        (_, kind) => Value { kind, origin: patch.origin },
    }
}

/// Replace the value at `path` (record fields), creating records for absent optional
/// fields. The new value remembers the span of the value it replaced.
fn set_path(v: &mut Value, path: &[String], mut new: Value) {
    match path.split_first() {
        None => {
            new.origin.set_overrides(Some(v.origin.overrides().unwrap_or(v.origin.span)));
            *v = new;
        }
        Some((k, rest)) => {
            let span = v.span();
            if !matches!(v.kind, ValueKind::Record(_)) {
                // An optional record left out: override paths go through record types.
                let mut fields = Fields::new();
                fields.set_typed();
                *v = Value::new(ValueKind::Record(fields), span);
            }
            if let ValueKind::Record(fields) = &mut v.kind {
                let slot = fields.entry(k.as_str().into()).or_insert_with(|| Value::new(ValueKind::None, span));
                set_path(slot, rest, new);
            }
        }
    }
}

/// A value's text as an object's identity holds it: the string itself, shared, when
/// the value is one (no copy per object).
fn text(v: &Value) -> Option<Arc<str>> {
    match &v.kind {
        ValueKind::Str(s) => Some(s.clone()),
        _ => v.as_str().map(Arc::from),
    }
}

/// Whether [`Evaluator::conform`] gives `v` back as it is for `t`: unchanged, without a
/// report and without charging anything. It follows `conform`'s cases one by one,
/// answering `false` where conforming may change, reject or charge (a list, a map, a
/// record not conformed to `t` yet). A list or map whose every item conforms as it is
/// is then kept, not copied: a shared list (a stored call's value, a canonical part)
/// stays the one part, as `conform` would make it again item by item.
fn conforms_as_is(v: &Value, t: &Type) -> bool {
    match (t, &v.kind) {
        (Type::Optional(_), ValueKind::None) => true,
        (Type::Optional(inner), _) => conforms_as_is(v, inner),
        (Type::Domain(d), ValueKind::Str(s)) => d.check_str(s).is_ok(),
        (Type::Domain(d), ValueKind::Named(n)) => d.check_str(&n.text).is_ok(),
        (Type::Secret, kind) if !matches!(kind, ValueKind::Secret(_)) => false,
        (Type::Domain(d), ValueKind::Int(i)) => d.check_int(*i).is_ok(),
        (Type::Enum(members), ValueKind::Str(s)) => members.contains(&**s),
        (Type::List(_), ValueKind::List(_)) | (Type::Map(_), ValueKind::Record(_)) => false,
        (Type::Record(rt), ValueKind::Record(fields)) => fields.conformed_to(rt),
        _ => true,
    }
}

fn internal(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error("E0060", format!("internal evaluation error ({what})"))
        .at(span, "here")
        .help("the type checker should have rejected this; please report it as a cedc bug")
}

/// The field `name` of a record being taken apart: moved out when the record is ours
/// alone, copied (a reference) when it is shared, rather than copying the record to
/// remove one field from it.
fn take_field(fields: &mut Fields, name: &str) -> Option<Value> {
    if fields.is_shared() { fields.get(name).cloned() } else { fields.swap_remove(name) }
}

/// A record made inside a function's `body` and returned to a call outside any function
/// (or such a list's records) remembers the call, as its [`Origin::input`]: the
/// place a problem found in it later points at besides the function's line.
fn made_by_call(v: &mut Value, body: Span, call: Span) {
    let mut tag = |v: &mut Value| {
        if matches!(v.kind, ValueKind::Record(_)) && v.origin.input().is_none() && body.contains(v.origin.span) {
            v.origin.set_input(Some(call));
        }
    };
    if let ValueKind::List(items) = &mut v.kind {
        Arc::make_mut(items).iter_mut().for_each(&mut tag);
    } else {
        tag(v);
    }
}

/// The items of an optional list field taken out of a record (empty when absent or none).
fn take_list(v: Option<Value>) -> Vec<Value> {
    match v.map(|v| v.kind) {
        Some(ValueKind::List(items)) => Arc::unwrap_or_clone(items),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_PARTS, PART, Part};
    use cedc_model::Platform;

    /// Evaluate `src` (one file): the platform, and how many calls an environment took
    /// from another.
    fn evaluate(src: &str) -> (Platform, usize) {
        let (p, reused) = evaluate_reusing(src);
        (p, reused.calls)
    }

    /// Evaluate `src` (one file): the platform, and what environments took from another.
    fn evaluate_reusing(src: &str) -> (Platform, super::Reused) {
        let mut fs = cedc_names::MemoryFs::default();
        fs.files.insert("main.ced".into(), src.as_bytes().to_vec());
        let (program, diags) = cedc_names::load_project(&fs, &["main.ced".to_string()]);
        assert!(diags.is_empty(), "{diags:#?}");
        let (checked, diags) = cedc_types::check(&program);
        assert!(diags.is_empty(), "{diags:#?}");
        let out = super::evaluate_counting(&program, &checked, &cedc_model::is_cluster_scoped, None);
        assert!(out.diags.is_empty(), "{:#?}", out.diags);
        (out.platform, out.reused)
    }

    /// Three environments, `decls`, and components `a` and `b`, each a ConfigMap whose
    /// `data.v` is `value`.
    fn platform(decls: &str, value: &str) -> String {
        let mut src = String::from(
            "env prod { domain: \"example.org\" }\nenv staging { domain: \"staging.example.org\" }\n\
             env sandbox { domain: \"sandbox.example.org\" }\n",
        );
        src.push_str(decls);
        for c in ["a", "b"] {
            src.push_str(&format!(
                "\ncomponent {c} {{\n  namespace: \"{c}\"\n  objects: [{{ apiVersion: \"v1\", kind: \"ConfigMap\", \
                 metadata: {{ name: \"settings\" }}, data: {{ v: {value} }} }}]\n}}\n"
            ));
        }
        src
    }

    /// `data.v` of each component's ConfigMap, per environment.
    fn values(p: &Platform) -> Vec<Vec<String>> {
        p.envs
            .iter()
            .map(|e| {
                e.components
                    .iter()
                    .filter(|c| !c.objects.is_empty())
                    .map(|c| {
                        let v = c.objects[0].value.get("data").and_then(|d| d.get("v")).and_then(|v| v.as_str());
                        v.unwrap_or("(none)").to_string()
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_call_that_reads_nothing_of_the_environment_is_taken_from_the_first() {
        let decls = "fn tag(n: String) -> String = \"{n}-tag\"\n";
        let (p, reused) = evaluate(&platform(decls, "tag(\"x\")"));
        assert_eq!(values(&p), vec![vec!["x-tag"; 2]; 3]);
        // Each component's call (its argument is its own, by where it is written), in
        // staging and in sandbox.
        assert_eq!(reused, 4);
    }

    #[test]
    fn a_call_that_reads_what_differs_between_environments_is_evaluated_in_each() {
        let prod = ["x.example.org", "x.staging.example.org", "x.sandbox.example.org"];
        let cases: [(&str, &str, [[&str; 2]; 3]); 8] = [
            // `env` itself, and its fields.
            (
                "fn f(n: String) -> String = if env == prod then \"{n}.p\" else \"{n}.o\"\n",
                "f(\"x\")",
                [["x.p"; 2], ["x.o"; 2], ["x.o"; 2]],
            ),
            ("fn f(n: String) -> String = \"{n}.{env.domain}\"\n", "f(\"x\")", prod.map(|v| [v, v])),
            // A default argument reading it.
            ("fn f(n: String, d: String = env.domain) -> String = \"{n}.{d}\"\n", "f(\"x\")", prod.map(|v| [v, v])),
            // A `let` reading it.
            ("let d = env.domain\nfn f(n: String) -> String = \"{n}.{d}\"\n", "f(\"x\")", prod.map(|v| [v, v])),
            // A field of a `let` reading it (read in place).
            (
                "let d = { host: env.domain }\nfn f(n: String) -> String = \"{n}.{d.host}\"\n",
                "f(\"x\")",
                prod.map(|v| [v, v]),
            ),
            // A `let` an override changes in one environment.
            (
                "let d = \"one\"\nin sandbox { d = \"two\" }\nfn f(n: String) -> String = \"{n}.{d}\"\n",
                "f(\"x\")",
                [["x.one"; 2], ["x.one"; 2], ["x.two"; 2]],
            ),
            // The component being evaluated.
            ("fn f(n: String) -> String = \"{n}.{component_name()}\"\n", "f(\"x\")", [["x.a", "x.b"]; 3]),
            // Another component.
            (
                "component base {\n  namespace: \"base\"\n  objects: []\n}\nfn f(n: String) -> String = \"{n}.{base.namespace}\"\n",
                "f(\"x\")",
                [["x.base"; 2]; 3],
            ),
        ];
        for (decls, value, want) in cases {
            let (p, reused) = evaluate(&platform(decls, value));
            let want: Vec<Vec<String>> = want.iter().map(|e| e.iter().map(|v| v.to_string()).collect()).collect();
            assert_eq!(values(&p), want, "{decls}");
            assert_eq!(reused, 0, "{decls}");
        }
    }

    /// `conforms_as_is` answers `true` only where `conform` gives the value back
    /// identical, without a report and without charging: over every pair of a set of
    /// values and types (each arm of `conform`, a record conformed or not, lists and
    /// maps whose items conform as they are or not); a list or map kept as it is stays
    /// the one shared part.
    #[test]
    fn conforming_as_is_is_what_conform_does() {
        use super::{Evaluator, conforms_as_is, memo::identical};
        use cedc_diagnostics::{FileId, Span};
        use cedc_model::{Fields, Value, ValueKind};
        use cedc_types::{Domain, FieldType, RecordType, Type};
        use std::sync::Arc;
        let at = Span::new(FileId(0), 0, 1);
        let fs = cedc_names::MemoryFs::default();
        let (program, _) = cedc_names::load_project(&fs, &[]);
        let (checked, _) = cedc_types::check(&program);
        let field = |ty: Type, optional: bool| FieldType { ty, optional, default: None, doc: None, span: None };
        let rt = Arc::new(RecordType {
            name: Some("Port".into()),
            fields: [
                ("port".to_string(), field(Type::Domain(Domain::Port), false)),
                ("name".into(), field(Type::String, true)),
            ]
            .into_iter()
            .collect(),
            open: false,
        });
        let str_ = |s: &str| Value::str(s, at);
        let int = |i: i64| Value::new(ValueKind::Int(i), at);
        let record = |fields: &[(&str, Value)]| {
            let mut f = Fields::new();
            for (k, v) in fields {
                f.insert((*k).into(), v.clone());
            }
            Value::new(ValueKind::Record(f), at)
        };
        let list = |items: Vec<Value>| Value::new(ValueKind::list(items), at);
        let mut ev = Evaluator::new(&program, &checked, "prod", &cedc_model::is_cluster_scoped);
        let conformed = ev.conform(record(&[("port", int(80))]), &Type::Record(rt.clone())).ok();
        let conformed = conformed.unwrap_or_else(|| panic!("a valid port record does not conform"));
        let values = [
            Value::new(ValueKind::None, at),
            str_("web"),
            str_("Not A Name!"),
            int(80),
            int(-1),
            record(&[("port", int(80))]),
            conformed.clone(),
            list(vec![str_("web"), str_("worker")]),
            list(vec![str_("web"), str_("Not A Name!")]),
            list(vec![conformed.clone(), conformed.clone()]),
            list(vec![record(&[("port", int(80))])]),
            list(vec![list(vec![str_("web")])]),
            record(&[("a", str_("web")), ("b", str_("worker"))]),
            record(&[("a", str_("web")), ("b", int(3))]),
        ];
        let scalars = [
            Type::Any,
            Type::String,
            Type::Int,
            Type::Domain(Domain::Name),
            Type::Domain(Domain::Port),
            Type::Enum(Arc::new(["web".to_string(), "worker".to_string()].into_iter().collect())),
            Type::Optional(Box::new(Type::Domain(Domain::Name))),
            Type::Record(rt.clone()),
            Type::Secret,
        ];
        let types: Vec<Type> = scalars
            .iter()
            .cloned()
            .chain(scalars.iter().map(|t| Type::List(Box::new(t.clone()))))
            .chain(scalars.iter().map(|t| Type::Map(Box::new(t.clone()))))
            .chain([Type::List(Box::new(Type::List(Box::new(Type::Any))))])
            .collect();
        let (mut as_is, mut kept) = (0, 0);
        for t in &types {
            for v in &values {
                let before = ev.budget.spent();
                let got = ev.conform(v.clone(), t);
                let charged = ev.budget.spent() != before;
                let same = got.as_ref().is_ok_and(|w| identical(w, v, 0));
                if conforms_as_is(v, t) {
                    as_is += 1;
                    assert!(same && !charged, "{t:?} of {v:?}: changed, rejected or charged");
                }
                // A list or map whose items all conform as they are is the same part.
                let items_as_is = match (t, &v.kind) {
                    (Type::List(it), ValueKind::List(xs)) => xs.iter().all(|x| conforms_as_is(x, it)),
                    (Type::Map(it), ValueKind::Record(f)) => !f.is_typed() && f.values().all(|x| conforms_as_is(x, it)),
                    _ => false,
                };
                if items_as_is {
                    kept += 1;
                    let shared = match (&v.kind, got.as_ref().map(|w| &w.kind)) {
                        (ValueKind::List(a), Ok(ValueKind::List(b))) => Arc::ptr_eq(a, b),
                        (ValueKind::Record(a), Ok(ValueKind::Record(b))) => a.addr() == b.addr(),
                        _ => false,
                    };
                    assert!(same && shared, "{t:?} of {v:?}: copied");
                }
            }
        }
        // Both answers are met, so the assertions above are exercised.
        assert!(as_is > 20 && kept > 5, "{as_is} values as they are, {kept} lists and maps kept");
        assert!(ev.conform(values[8].clone(), &Type::List(Box::new(Type::Domain(Domain::Name)))).is_err());
    }

    /// Lists and records live on in the platform's objects: a comprehension's list
    /// (with items left out or not) and a record `with` added fields to hold no room
    /// past their items.
    #[test]
    fn made_lists_and_merged_records_keep_no_spare_room() {
        let src = "env prod { domain: \"example.org\" }\n\
                   fn labels(n: String) -> Map<String> = { app: n }\n\
                   component a {\n  namespace: \"a\"\n  objects: [{ apiVersion: \"v1\", kind: \"ConfigMap\", \
                   metadata: { name: \"s\" }, extra: { all: [for x in [\"a\", \"b\", \"c\"]: x], \
                   some: [for x in [\"a\", \"b\", \"c\", \"d\", \"e\"] if x != \"c\": x], \
                   merged: labels(\"web\") with { tier: \"front\" } } }]\n}\n";
        let (p, _) = evaluate(src);
        let object = &p.envs[0].components[0].objects[0].value;
        let extra = object.get("extra").unwrap_or_else(|| panic!("no extra in {object:?}"));
        for (name, len) in [("all", 3), ("some", 4)] {
            match extra.get(name).map(|v| &v.kind) {
                Some(cedc_model::ValueKind::List(xs)) => {
                    assert_eq!((xs.len(), xs.capacity()), (len, len), "{name}: room past its items")
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        match extra.get("merged").map(|v| &v.kind) {
            Some(cedc_model::ValueKind::Record(f)) => assert_eq!((f.len(), f.capacity()), (2, 2), "merged record"),
            other => panic!("merged: {other:?}"),
        }
    }

    /// An object a stored call made is placed (namespace, labels) once and taken as it
    /// is by the next environments, unless what placing reads differs there: a
    /// component's namespace or labels overridden in one environment places it anew
    /// there, with its own namespace and labels.
    #[test]
    fn placed_objects_are_taken_from_the_first_environment_unless_placed_differently() {
        let src = "env prod { domain: \"example.org\" }\nenv staging { domain: \"staging.example.org\" }\n\
                   env sandbox { domain: \"sandbox.example.org\" }\n\
                   fn cm(n: String) -> Object = { apiVersion: \"v1\", kind: \"ConfigMap\", metadata: { name: n }, data: { v: \"x\" } }\n\
                   fn ns(n: String) -> Object = { apiVersion: \"v1\", kind: \"Namespace\", metadata: { name: n } }\n\
                   component a {\n  namespace: \"a\"\n  objects: [cm(\"one\"), cm(\"two\"), ns(\"extra\")]\n}\n\
                   component b {\n  namespace: \"b\"\n  labels: { team: \"b\" }\n  objects: [cm(\"one\")]\n}\n\
                   in staging {\n  a.namespace = \"a-staging\"\n}\n\
                   in sandbox {\n  b.labels = { team: \"sandbox\" }\n}\n";
        let (p, reused) = evaluate_reusing(src);
        let placed = |env: usize, c: usize| -> Vec<(String, String, String)> {
            p.envs[env].components[c]
                .objects
                .iter()
                .map(|o| {
                    let meta = o.value.get("metadata");
                    let text = |v: Option<&cedc_model::Value>| v.and_then(|v| v.as_str()).unwrap_or("-").to_string();
                    let team = meta.and_then(|m| m.get("labels")).and_then(|l| l.get("team"));
                    (text(meta.and_then(|m| m.get("name"))), text(meta.and_then(|m| m.get("namespace"))), text(team))
                })
                .collect()
        };
        let a = |ns: &str| {
            vec![
                ("one".to_string(), ns.to_string(), "-".to_string()),
                ("two".into(), ns.into(), "-".into()),
                ("extra".into(), "-".into(), "-".into()),
            ]
        };
        let b = |team: &str| vec![("one".to_string(), "b".to_string(), team.to_string())];
        assert_eq!([placed(0, 0), placed(1, 0), placed(2, 0)], [a("a"), a("a-staging"), a("a")]);
        assert_eq!([placed(0, 1), placed(1, 1), placed(2, 1)], [b("b"), b("b"), b("sandbox")]);
        // The identity agrees with the value wherever the object was taken from.
        let namespaces: Vec<Option<&str>> =
            p.envs.iter().flat_map(|e| e.components[0].objects.iter().map(|o| o.namespace.as_deref())).collect();
        let want = [Some("a"), Some("a"), None, Some("a-staging"), Some("a-staging"), None, Some("a"), Some("a"), None];
        assert_eq!(namespaces, want);
        // a: sandbox takes prod's three, staging places all three anew (its namespace
        // differs); b: staging takes prod's one, sandbox places it anew (its labels).
        assert_eq!(reused.objects, 3 + 1, "{reused:?}");
    }

    #[test]
    fn parts_cover_every_component_once_in_order() {
        for n in [0, 1, 63, 64, 65, 200, 1000, 1024, 1025, 20_000] {
            let all: Vec<usize> = (0..n).collect();
            let parts = Part::split(&all);
            assert!(!parts.is_empty() && parts.len() <= MAX_PARTS, "{n}: {} parts", parts.len());
            let joined: Vec<usize> = parts.iter().flat_map(|p| p.components.iter().copied()).collect();
            assert_eq!(joined, all, "{n}: every component once, in order");
            let sizes: Vec<usize> = parts.iter().map(|p| p.components.len()).collect();
            let (least, most) = (sizes.iter().min().copied(), sizes.iter().max().copied());
            assert!(n == 0 || least.is_some_and(|l| l > 0), "{n}: no empty part: {sizes:?}");
            // At most PART each while MAX_PARTS parts suffice; as even as can be.
            assert!(n > PART * MAX_PARTS || most.is_some_and(|m| m <= PART), "{n}: {sizes:?}");
            assert!(most.zip(least).is_some_and(|(m, l)| m - l <= 1), "{n}: {sizes:?}");
        }
    }
}
