//! Checks over the evaluated platform model, run for every environment. Each problem is
//! reported at the `.ced` span that produced the offending value (provenance).

mod addresses;
mod argocd;
mod crossplane;
mod delivery;
mod ingress;
mod placement;
mod plaintext;
mod secret_refs;
mod storage;
mod traffic;
mod versions;
mod workloads;

pub use delivery::exact_version;
pub use traffic::hostnames_intersect;

use cedc_diagnostics::{Diagnostic, Diagnostics};
use cedc_model::{Environment, Object, ObjectId, PathSeg, Platform, is_cluster_scoped};
use cedc_schema::validate::{Validator, Violation, ViolationKind};
use cedc_schema::{Registry, Scope};
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// Check every object of every environment: its schema (unless its kind is listed in
/// `unchecked`, as `apiVersion/Kind`), its identity, name, labels and scope.
pub fn check(platform: &Platform, registry: &Registry, unchecked: &[String]) -> Diagnostics {
    check_remembering(platform, registry, unchecked, None)
}

/// [`check`], skipping the objects in which the last check that `remembered` kept found
/// nothing (when `kinds`, the fingerprint of the kinds known, is the same), and keeping
/// this one's for the next: the language server's, where most objects are the values
/// the last evaluation made ([`Remembered`]).
///
/// Two rounds of parallel tasks: first every environment's checks that read the model
/// alone ([`Check::Model`]), each one task, handed out first, then the distinct pass
/// ([`DistinctPass`]), whose objects every free core takes a few at a time until none
/// are left, so that the cores end the round together whatever the checks cost; then
/// the checks that read what the pass found ([`Check::Found`]). The reports come in the
/// order of the environments, then of [`CHECKS`], whatever ran when.
pub fn check_remembering(
    platform: &Platform,
    registry: &Registry,
    unchecked: &[String],
    remembered: Option<(&Remembered, u64)>,
) -> Diagnostics {
    let dirs = argocd::OutputDirs::new(platform);
    let cx = Cx { platform, registry, unchecked, dirs: &dirs };
    let pass = DistinctPass::new(platform, unchecked, remembered);
    let of = |reads: fn(&Check) -> bool| {
        let envs = platform.envs.iter().enumerate();
        envs.flat_map(move |(e, env)| {
            CHECKS.iter().enumerate().filter(move |(_, c)| reads(c)).map(move |(i, _)| (e, env, i))
        })
    };
    let first: Vec<Task> = of(|c| matches!(c, Check::Model(_)))
        .map(|(e, env, i)| Task::Check(e, env, i))
        .chain((0..pass.runs.takers()).map(|_| Task::Distinct))
        .collect();
    let mut reports: HashMap<(usize, usize), Diagnostics> = HashMap::default();
    let mut findings = Vec::new();
    for done in cedc_model::parallel::map(&first, |t| pass.run(t, &cx)) {
        match done {
            Done::Reports(at, d) => {
                reports.insert(at, d);
            }
            Done::Found(found) => findings.extend(found),
        }
    }
    let found = pass.finish(findings, remembered);
    let second: Vec<(usize, &Environment, usize)> = of(|c| matches!(c, Check::Found(_))).collect();
    let done = cedc_model::parallel::map(&second, |(_, env, i)| {
        let mut diags = Vec::new();
        if let Check::Found(check) = &CHECKS[*i] {
            check(&cx, &found, env, &mut diags);
        }
        diags
    });
    for ((e, _, i), d) in second.iter().zip(done) {
        reports.insert((*e, *i), d);
    }
    let order = (0..platform.envs.len()).flat_map(|e| (0..CHECKS.len()).map(move |i| (e, i)));
    order.filter_map(|at| reports.remove(&at)).flatten().collect()
}

/// What every check may read besides its environment.
struct Cx<'a> {
    platform: &'a Platform,
    registry: &'a Registry,
    unchecked: &'a [String],
    dirs: &'a argocd::OutputDirs<'a>,
}

/// One task of [`check_remembering`]'s first round.
enum Task<'p> {
    /// Distinct objects, taken a few at a time until none are left
    /// ([`DistinctPass::take`]).
    Distinct,
    /// The check at this index of [`CHECKS`] in the environment at this index.
    Check(usize, &'p Environment, usize),
}

/// What a [`Task`] gives: the findings in the objects it took, or a check's reports
/// with where they go (environment, check).
enum Done<'p> {
    Found(Vec<(usize, Finding<'p>)>),
    Reports((usize, usize), Diagnostics),
}

/// What [`object_rules`] reports of each object cedc writes, by [`Object::value_id`]
/// (see [`DistinctPass`]), in no environment and not yet pointed at the input
/// ([`at_input`], per object): only the objects with something to report.
type Rules = HashMap<usize, Vec<Diagnostic>>;

/// How many distinct objects a core takes at a time ([`DistinctPass::take`]): a run of
/// neighbours (one component's objects, whose shared parts one validator then walks
/// once) and about a tenth of a millisecond of work, so that the cores end the pass
/// within that of each other. (Stripes of every n-th object, as before, gave a stripe
/// one kind of object when components made n objects each: at platform-1,000 the four
/// stripes took 3.5 to 9 ms.)
const TAKEN: usize = 32;

/// Every distinct object cedc writes in any environment, by [`Object::value_id`], in
/// the order first met. Evaluation stores equal values once ([`cedc_model::Interner`]),
/// so an object every environment makes alike (most of a platform) is one value: for
/// what depends on the value alone, it is computed once ([`DistinctPass`]), and each
/// environment's check then reads its objects' results in its own order.
fn distinct_objects(platform: &Platform) -> Vec<(usize, &Object)> {
    let mut distinct = std::collections::HashSet::<usize, foldhash::fast::FixedState>::default();
    platform
        .envs
        .iter()
        .flat_map(Environment::written_objects)
        .filter_map(|o| o.value_id().filter(|id| distinct.insert(*id)).map(|id| (id, o)))
        .collect()
}

/// What each distinct object written gives away, whatever the environment.
struct Distinct<'p> {
    rules: Rules,
    plaintext: plaintext::Findings<'p>,
    addresses: addresses::Found<'p>,
}

/// What [`DistinctPass::take`] found in one object: its rules' reports, what it gives
/// away, the addresses in it (at least one of them).
type Finding<'p> = (Option<Vec<Diagnostic>>, Option<plaintext::Scanned<'p>>, Option<Vec<addresses::Address<'p>>>);

/// Every object cedc writes in any environment, once per distinct value (whatever the
/// environment, what these give depends on the value alone): validated against its
/// kind's schema (unless the project asked not to), its strings scanned for credentials
/// ([`plaintext::of_object`]) and for in-cluster addresses ([`addresses::in_object`]) —
/// one after the other while the value is in the cache. By one task per core, each with
/// its own validator, taking [`TAKEN`] objects at a time ([`runs`](Self::runs));
/// only the objects with something to report are kept, and each environment's checks
/// report their objects' findings in their own order. What an object gives depends on
/// it alone (a validator only remembers the parts it found valid), so which worker took
/// it changes nothing.
struct DistinctPass<'p> {
    /// The distinct objects not known clean from the last check ([`Remembered`]).
    todo: Vec<(usize, &'p Object)>,
    /// Those known clean, kept for the next check.
    still_clean: HashMap<usize, cedc_model::Value>,
    fingerprint: Option<u64>,
    /// The runs of [`TAKEN`] objects of `todo` not taken yet.
    runs: cedc_model::parallel::Runs,
}

impl<'p> DistinctPass<'p> {
    fn new(platform: &'p Platform, unchecked: &[String], remembered: Option<(&Remembered, u64)>) -> DistinctPass<'p> {
        let mut todo = distinct_objects(platform);
        let fingerprint = remembered.map(|(_, kinds)| fingerprint(kinds, unchecked));
        let mut clean = remembered.zip(fingerprint).map(|((r, _), f)| r.take(f)).unwrap_or_default();
        let mut still_clean = HashMap::default();
        todo.retain(|(id, _)| match clean.remove(id) {
            Some(v) => {
                still_clean.insert(*id, v);
                false
            }
            None => true,
        });
        let runs = cedc_model::parallel::Runs::new(todo.len(), TAKEN);
        DistinctPass { todo, still_clean, fingerprint, runs }
    }

    /// The first round's task `task` ([`check_remembering`]).
    fn run(&self, task: &Task<'p>, cx: &Cx) -> Done<'p> {
        match task {
            Task::Distinct => Done::Found(self.take(cx.registry, cx.unchecked)),
            Task::Check(e, env, i) => {
                let mut diags = Vec::new();
                if let Check::Model(check) = &CHECKS[*i] {
                    check(cx, env, &mut diags);
                }
                Done::Reports((*e, *i), diags)
            }
        }
    }

    /// What the objects this task takes give: [`TAKEN`] at a time, the next ones not
    /// taken by another task, until none are left.
    fn take(&self, registry: &Registry, unchecked: &[String]) -> Vec<(usize, Finding<'p>)> {
        let (mut validator, mut scanner) = (Validator::new(registry), plaintext::Scanner::default());
        let mut of = |(id, o): &(usize, &'p Object)| {
            let violations = match registry.lookup(&o.api_version, &o.kind) {
                Some(kind) if !is_unchecked(o, unchecked) => validator.validate(&kind.schema, &o.value),
                _ => Vec::new(),
            };
            let mut rules = Vec::new();
            object_rules(o, registry, unchecked, &violations, &mut rules);
            let rules = Some(rules).filter(|r| !r.is_empty());
            let scanned = plaintext::of_object(&mut scanner, o);
            let addresses = addresses::in_object(o);
            (rules.is_some() || scanned.is_some() || addresses.is_some()).then_some((*id, (rules, scanned, addresses)))
        };
        let mut found = Vec::new();
        while let Some(run) = self.runs.take() {
            found.extend(self.todo[run].iter().filter_map(&mut of));
        }
        found
    }

    /// What every task found, by object, keeping the objects found clean for the next
    /// check when `remembered`.
    fn finish(self, found: Vec<(usize, Finding<'p>)>, remembered: Option<(&Remembered, u64)>) -> Distinct<'p> {
        if let Some(((r, _), f)) = remembered.zip(self.fingerprint) {
            let flagged: std::collections::HashSet<usize, foldhash::fast::FixedState> =
                found.iter().map(|(id, _)| *id).collect();
            let mut still_clean = self.still_clean;
            still_clean
                .extend(self.todo.iter().filter(|(id, _)| !flagged.contains(id)).map(|(id, o)| (*id, o.value.clone())));
            r.store(f, still_clean);
        }
        let mut d =
            Distinct { rules: HashMap::default(), plaintext: HashMap::default(), addresses: HashMap::default() };
        for (id, (rules, scanned, addresses)) in found {
            if let Some(r) = rules {
                d.rules.insert(id, r);
            }
            if let Some(s) = scanned {
                d.plaintext.insert(id, s);
            }
            if let Some(a) = addresses {
                d.addresses.insert(id, a);
            }
        }
        d
    }
}

/// What one check keeps for the next (the language server's): the distinct objects in
/// which [`DistinctPass`] found nothing, by [`Object::value_id`], each with a copy of its
/// value. The copy keeps the value alive, so no other value can have its address, and
/// records are copied before they are changed while shared, so the value at that address
/// is the same value: what depends on the value alone (its schema's violations, what it
/// gives away, the addresses in it) is the same too, as long as the kinds and the
/// unchecked kinds are ([`fingerprint`]).
#[derive(Default)]
pub struct Remembered {
    last: std::sync::Mutex<Option<(u64, HashMap<usize, cedc_model::Value>)>>,
}

impl std::fmt::Debug for Remembered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.last.lock().ok().and_then(|l| l.as_ref().map(|(_, c)| c.len())).unwrap_or(0);
        write!(f, "Remembered({n} clean objects)")
    }
}

impl Remembered {
    /// The clean objects the last check kept, if it checked with the same `fingerprint`.
    fn take(&self, fingerprint: u64) -> HashMap<usize, cedc_model::Value> {
        let Ok(mut last) = self.last.lock() else { return HashMap::default() };
        match last.take() {
            Some((f, clean)) if f == fingerprint => clean,
            _ => HashMap::default(),
        }
    }
    fn store(&self, fingerprint: u64, clean: HashMap<usize, cedc_model::Value>) {
        if let Ok(mut last) = self.last.lock() {
            *last = Some((fingerprint, clean));
        }
    }
}

/// What besides an object's value decides what [`DistinctPass`] finds in it: the kinds known
/// (`kinds`, the caller's fingerprint of the registry) and the kinds left unchecked.
fn fingerprint(kinds: u64, unchecked: &[String]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    (kinds, unchecked).hash(&mut h);
    h.finish()
}

/// Whether `o`'s kind is one the project asked not to validate (`apiVersion/Kind`).
fn is_unchecked(o: &Object, unchecked: &[String]) -> bool {
    !unchecked.is_empty() && {
        let id = format!("{}/{}", o.api_version, o.kind);
        unchecked.contains(&id)
    }
}

/// A check of one environment.
enum Check {
    /// Reads the model alone: runs beside the distinct pass ([`check_remembering`]).
    Model(fn(&Cx, &Environment, &mut Diagnostics)),
    /// Reads what the distinct pass found ([`Distinct`]): runs after it.
    Found(fn(&Cx, &Distinct, &Environment, &mut Diagnostics)),
}

/// The checks of an environment, in the order their reports come.
const CHECKS: &[Check] = &[
    Check::Model(|cx, env, d| traffic::check(cx.platform, env, d)),
    Check::Model(|cx, env, d| ingress::check(cx.platform, env, d)),
    Check::Model(|_, env, d| versions::check(env, d)),
    Check::Model(|cx, env, d| placement::check(cx.platform, env, d)),
    Check::Model(|cx, env, d| storage::check(cx.platform, env, d)),
    Check::Found(|_, found, env, d| plaintext::check(env, &found.plaintext, d)),
    Check::Model(|_, env, d| secret_refs::check(env, d)),
    Check::Model(|_, env, d| workloads::check(env, d)),
    Check::Found(|_, found, env, d| addresses::check(env, &found.addresses, d)),
    Check::Model(|cx, env, d| delivery::check(env, cx.platform.host_of(env), cx.registry, d)),
    Check::Model(|cx, env, d| argocd::check(env, cx.dirs, d)),
    Check::Model(|cx, env, d| crossplane::check(env, cx.registry, d)),
    Check::Found(|cx, found, env, d| objects(env, cx, &found.rules, d)),
];

/// Each object's own rules (name, schema, scope, labels) and its identity: one object
/// (group, kind, namespace, name) per environment (E0070).
fn objects(env: &Environment, cx: &Cx, rules: &Rules, diags: &mut Diagnostics) {
    // By identity borrowed from each object (group, kind, namespace, name); an
    // `ObjectId` is made only for a report.
    type Identity<'a> = (&'a str, &'a str, Option<&'a str>, &'a str);
    // The first object of each identity (its name's span is read only for a report:
    // reading it for every object walked each one's metadata once more).
    let count = env.delivery.len()
        + env.components.iter().map(|c| c.installed.len() + c.outside.len() + c.objects.len()).sum::<usize>();
    let mut seen: HashMap<Identity, (&str, &Object, Written)> =
        HashMap::with_capacity_and_hasher(count, Default::default());
    let owned = env.components.iter().flat_map(|c| {
        // What the chart installs first: an object of the component clashing with
        // one is then the one pointed at.
        let installed = c.installed.iter().map(move |o| (c.name.as_str(), o, Written::ByHelm));
        let outside = c.outside.iter().map(move |o| (c.name.as_str(), o, Written::Outside));
        installed.chain(outside).chain(c.objects.iter().map(move |o| (c.name.as_str(), o, Written::ByCedc)))
    });
    // The generated objects first: a hand-written object of the same identity is
    // then the one pointed at.
    let delivery = env.delivery.iter().map(|o| (DELIVERY, o, Written::ByCedc));
    for (owner, o, written) in delivery.chain(owned) {
        if written == Written::ByCedc {
            let mut found = match o.value_id() {
                Some(id) => rules.get(&id).cloned().unwrap_or_default(),
                None => {
                    // Not a record (no distinct value found it): no schema to hold it to.
                    let mut found = Vec::new();
                    object_rules(o, cx.registry, cx.unchecked, &[], &mut found);
                    found
                }
            };
            // Where the object was made is the object's own, not its value's (objects
            // of one value may come from different calls).
            at_input(&mut found, o);
            diags.extend(found.into_iter().map(|d| d.in_env(&env.name)));
        }
        let id = (o.group(), o.kind.as_ref(), o.namespace.as_deref(), o.name.as_ref());
        match seen.entry(id) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let (other, first_object, first) = e.get();
                if *first == Written::Outside && written == Written::Outside {
                    continue; // two components reading the same object made outside
                }
                let (span, name_span) = (first_object.name_span(), o.name_span());
                if *first == Written::Outside || written == Written::Outside {
                    diags.push(made_and_outside(&o.id(), (other, span, *first), (owner, name_span)).in_env(&env.name));
                    continue;
                }
                let where_ = if *other == owner {
                    format!("twice in {}", owner_name(owner))
                } else if *other != DELIVERY && owner != DELIVERY {
                    format!("in components `{other}` and `{owner}`")
                } else {
                    format!("in {} and {}", owner_name(other), owner_name(owner))
                };
                diags.push(
                    Diagnostic::error("E0070", format!("{} is defined {where_}", o.id()))
                        .at(name_span, "second definition")
                        .also(span, "first definition")
                        .help("each object (group, kind, namespace, name) exists once per environment: rename one or remove it")
                        .in_env(&env.name),
                );
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert((owner, o, written));
            }
        }
    }
}

/// Who writes an object: cedc (into the emitted tree), Helm (a chart's installs,
/// declared with the chart), or someone outside the platform (a component's
/// `made_outside`). Only what cedc writes is held to the object rules; all of them to
/// their identity.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Written {
    ByCedc,
    ByHelm,
    Outside,
}

/// E0070 for an object declared made outside the platform (`made_outside`) that the
/// platform also makes.
fn made_and_outside(
    id: &ObjectId,
    first: (&str, cedc_diagnostics::Span, Written),
    second: (&str, cedc_diagnostics::Span),
) -> Diagnostic {
    let (other, span, how) = first;
    let (label, also) = if how == Written::Outside {
        ("made here", format!("declared made outside the platform by {}", owner_name(other)))
    } else {
        ("declared made outside the platform here", format!("made by {}", owner_name(other)))
    };
    Diagnostic::error("E0070", format!("{id} is both made by the platform and declared made outside it"))
        .at(second.1, label)
        .also(span, also)
        .help("`made_outside` lists only what the platform's declarations do not make: remove the entry, or the object")
}

/// Point the reports `out`, found in object `o`, at the `.ced` input: one at a string
/// computed inside a function from an argument moves to that argument (the function's
/// line second, "computed here"); one found inside the function that built `o` names
/// the call that did as where it is used. Checks call it on the reports of each object
/// they look at, so a helper used N times with one mistake is one report with N uses.
pub(crate) fn at_input(out: &mut [Diagnostic], o: &Object) {
    let call = o.made_by();
    for d in out {
        let Some(span) = d.span() else { continue };
        if let Some(input) = o.value.origin_of(span).and_then(|origin| origin.input()).filter(|i| *i != span) {
            d.move_to_input(input);
        }
        if let Some(call) = call.filter(|c| !d.span().is_some_and(|at| c.contains(at))) {
            d.add_use(call);
        }
    }
}

/// The owner of the objects delivering an environment (its Argo CD Applications).
const DELIVERY: &str = "";

fn owner_name(owner: &str) -> String {
    if owner == DELIVERY { "the Argo CD delivery cedc generates".to_string() } else { format!("component `{owner}`") }
}

/// The rules every object cedc writes obeys: a valid name, its schema (`violations`,
/// what the validator found), a namespace only where its kind is namespaced, valid
/// labels. They depend on the object's value alone: [`DistinctPass`] applies them once per
/// distinct value, and each environment reports them in its objects' order.
fn object_rules(
    o: &Object,
    registry: &Registry,
    unchecked: &[String],
    violations: &[Violation],
    diags: &mut Diagnostics,
) {
    if let Err((why, help)) = name_rule(o) {
        diags.push(
            Diagnostic::error("E0040", format!("`{}` is not a valid {} name: {why}", o.name, o.kind))
                .at(o.name_span(), "invalid name")
                .help(help),
        );
    }
    schema(o, registry, unchecked, violations, diags);
    let cluster = match registry.scope_of(o.group(), &o.kind) {
        Some(scope) => scope == Scope::Cluster,
        None => is_cluster_scoped(o.group(), &o.kind),
    };
    if cluster && let Some(ns) = o.value.path(&["metadata", "namespace"]) {
        diags.push(
            Diagnostic::error("E0071", format!("{} is cluster-scoped and cannot have a namespace", o.kind))
                .at(ns.span(), "namespace given here")
                .help(format!("remove `namespace` from this {}", o.kind)),
        );
    }
    check_labels(o, diags);
}

/// Each kind's naming rule, as the API server applies it: namespaces are DNS-1123
/// labels, services DNS-1035 labels (they become DNS names and environment variable
/// prefixes), every other kind a DNS-1123 subdomain.
fn name_rule(o: &Object) -> Result<(), (String, String)> {
    use cedc_types::domain::{dns_label, dns_subdomain};
    match (o.group(), o.kind.as_ref()) {
        ("", "Namespace") => dns_label(&o.name).map_err(|why| {
            (why, "a namespace name is a DNS-1123 label: at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit".into())
        }),
        ("", "Service") => dns_label(&o.name)
            .and_then(|()| match o.name.chars().next() {
                Some(c) if c.is_ascii_lowercase() => Ok(()),
                _ => Err("it does not start with a letter".to_string()),
            })
            .map_err(|why| {
                (why, "a Service name is a DNS-1035 label: at most 63 lowercase letters, digits and `-`, starting with a letter and ending with a letter or digit".into())
            }),
        _ => dns_subdomain(&o.name).map_err(|why| (why, cedc_types::Domain::Name.help().to_string())),
    }
}

/// An object against its kind's schema; every violation (`violations`, what the
/// validator found) at the span of the value.
fn schema(o: &Object, registry: &Registry, unchecked: &[String], violations: &[Violation], diags: &mut Diagnostics) {
    if is_unchecked(o, unchecked) {
        return;
    }
    if registry.lookup(&o.api_version, &o.kind).is_none() {
        diags.push(unknown_kind(o, registry));
        return;
    }
    diags.extend(violations.iter().map(|v| violation(o, v)));
}

pub(crate) fn violation(o: &Object, v: &Violation) -> Diagnostic {
    let label = match &v.kind {
        ViolationKind::UnknownField { .. } => "not a field here".to_string(),
        ViolationKind::MissingField { field } => format!("`{field}` is missing here"),
        ViolationKind::WrongType { expected, .. } => format!("expected {expected}"),
        ViolationKind::NotInEnum { .. } => "not an allowed value".to_string(),
        _ => "does not satisfy the schema".to_string(),
    };
    let mut d = Diagnostic::error(v.code(), v.message()).at(v.span, label);
    if let ViolationKind::Duplicate { first_span, .. } = &v.kind {
        d = d.also(*first_span, "first here");
    }
    if let Some(base) = v.base {
        d = d.also(base, "the value this environment overrides");
    }
    d = d.help(v.help().unwrap_or_else(|| format!("see the schema of {} for what this field takes", o.kind)));
    let at = if v.path.is_empty() { String::new() } else { format!(", at `{}`", v.path) };
    d.note(format!("in {} `{}` ({}){at}", o.kind, o.name, o.api_version))
}

fn unknown_kind(o: &Object, registry: &Registry) -> Diagnostic {
    let help = registry.suggest(&o.kind).unwrap_or_else(|| {
        format!(
            "add the CRD of this kind to `[schemas] crds` in cedc.toml, or list `{}/{}` in `[schemas] unchecked` to emit it unchecked",
            o.api_version, o.kind
        )
    });
    let kind_origin = o.value.origin_at(&[PathSeg::Key("kind".into())]);
    Diagnostic::error("E0105", format!("no schema for kind `{}` in `{}`", o.kind, o.api_version))
        .at(kind_origin.span, "unknown kind")
        .help(help)
        .note(format!("in {} `{}`", o.kind, o.name))
}

/// Label keys (`[prefix/]name`) and values follow Kubernetes' syntax rules: the API
/// server would reject the object otherwise.
fn check_labels(o: &cedc_model::Object, diags: &mut Diagnostics) {
    let Some(labels) = o.value.path(&["metadata", "labels"]).and_then(|l| l.as_record()) else { return };
    for (k, v) in labels {
        let problem = label_key(k).map(|why| format!("label key `{k}` is invalid: {why}")).or_else(|| {
            v.as_str()
                .and_then(|s| label_value(s).map(|why| format!("label value \"{s}\" (key `{k}`) is invalid: {why}")))
        });
        if let Some(msg) = problem {
            diags.push(
                Diagnostic::error("E0045", msg)
                    .at(v.span(), "used as a label here")
                    .help("label values are at most 63 characters of letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit (or empty); keys are an optional DNS prefix and `/`, then a name of the same form"),
            );
        }
    }
}

fn label_value(s: &str) -> Option<String> {
    if s.is_empty() {
        return None;
    }
    if s.len() > 63 {
        return Some(format!("it is {} characters long; the limit is 63", s.len()));
    }
    if let Some(c) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
        return Some(format!("it contains `{c}`"));
    }
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge(s.chars().next()) || !edge(s.chars().last()) {
        return Some("it must start and end with a letter or digit".into());
    }
    None
}

fn label_key(k: &str) -> Option<String> {
    let (prefix, name) = match k.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    if let Some(p) = prefix
        && let Err(why) = cedc_types::domain::dns_subdomain(p)
    {
        return Some(format!("prefix `{p}`: {why}"));
    }
    if name.is_empty() {
        return Some("the name part is empty".into());
    }
    label_value(name)
}
