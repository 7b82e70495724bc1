//! `cedc doc`: a static documentation site of a project and of the standard library,
//! rendered with `tera` templates shipped in the binary (`templates/`).
//!
//! - `index.html`: the platform at a glance — every environment, the environment ×
//!   component matrix (each cell the component's sync wave there), and the modules;
//! - `env/<env>.html`: per environment, the hostnames served and the routes and backends
//!   behind them, the certificates and their issuers, and the sync order drawn as an SVG
//!   graph (`graph.rs`);
//! - `modules/<path>.html`: per module of the project, then of the standard library,
//!   its types (fields, defaults, doc comments), functions (parameters, defaults),
//!   composites, constants and components, written as the source writes them.
//!
//! Invariant: the site is a function of the compilation — no clock, no absolute path,
//! no hash-map order — so the same project gives the same bytes, and every link between
//! its pages points at a page (or an anchor) it holds (the tests check both).

mod graph;

use cedc_diagnostics::Span;
use cedc_emit::{INDEX_FILE, Index, Tree};
use cedc_model::views::certmanager::{Certificate, Issuer};
use cedc_model::views::gateway::Route;
use cedc_model::{Environment, ObjectView, Platform, View};
use cedc_names::{Program, STDLIB};
use cedc_syntax::ast::{self, ItemKind, TypeExprKind};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("index.html", include_str!("templates/index.html")),
    ("env.html", include_str!("templates/env.html")),
    ("module.html", include_str!("templates/module.html")),
];
const STYLE: &str = include_str!("templates/style.css");

/// The site of a compiled project named `name`. `Err` says what stopped a page.
pub fn site(c: &crate::Compilation, name: &str) -> Result<Tree, String> {
    let mut tera = tera::Tera::default();
    tera.add_raw_templates(TEMPLATES.iter().copied()).map_err(|e| format!("the site's templates: {e}"))?;
    tera.autoescape_on(vec![".html"]);
    let modules = modules(&c.program);
    let mut tree = Tree::new();
    let links: Vec<ModuleLink> = modules.iter().map(|m| m.link.clone()).collect();
    let envs: Vec<EnvPage> =
        c.platform.as_ref().map(|p| p.envs.iter().map(|e| env_page(p, e)).collect()).unwrap_or_default();
    let nav: Vec<String> = c.platform.iter().flat_map(|p| p.envs.iter().map(|e| e.name.clone())).collect();
    let overview = Overview {
        project: name.to_string(),
        root: String::new(),
        nav: nav.clone(),
        matrix: c.platform.as_ref().map(|p| matrix(p, &envs)).unwrap_or_default(),
        envs,
        modules: links.clone(),
    };
    tree.insert("index.html".into(), render(&tera, "index.html", &overview)?);
    for e in &overview.envs {
        let page = EnvContext { project: name.to_string(), root: "../".into(), nav: &nav, env: e, modules: &links };
        tree.insert(format!("env/{}.html", e.name), render(&tera, "env.html", &page)?);
    }
    for m in &modules {
        let root = "../".repeat(m.link.path.matches('/').count());
        let page = ModuleContext { project: name.to_string(), root, nav: &nav, module: m, modules: &links };
        tree.insert(m.link.path.clone(), render(&tera, "module.html", &page)?);
    }
    tree.insert("style.css".into(), STYLE.as_bytes().to_vec());
    let index = Index::for_tree(&tree, &[]);
    tree.insert(INDEX_FILE.into(), index.to_bytes());
    Ok(tree)
}

fn render(tera: &tera::Tera, template: &str, data: &impl Serialize) -> Result<Vec<u8>, String> {
    let cx = tera::Context::from_serialize(data).map_err(|e| format!("{template}: {e}"))?;
    tera.render(template, &cx).map(String::into_bytes).map_err(|e| format!("{template}: {e:?}"))
}

// ------------------------------------------------------------------------ overview

#[derive(Serialize)]
struct Overview {
    project: String,
    /// The way from the page to the site's root (`""`, `"../"`).
    root: String,
    /// The environments, for every page's navigation bar.
    nav: Vec<String>,
    matrix: Matrix,
    envs: Vec<EnvPage>,
    modules: Vec<ModuleLink>,
}

/// Environments across, components down; a cell is the component's sync wave in the
/// environment, or `None` where it is not deployed.
#[derive(Default, Serialize)]
struct Matrix {
    envs: Vec<String>,
    rows: Vec<MatrixRow>,
}

#[derive(Serialize)]
struct MatrixRow {
    component: String,
    cells: Vec<Option<u32>>,
}

/// The matrix of the environments' pages (each holds its components' waves, computed
/// once).
fn matrix(p: &Platform, envs: &[EnvPage]) -> Matrix {
    let waves: Vec<BTreeMap<&str, u32>> =
        envs.iter().map(|e| e.components.iter().map(|n| (n.name.as_str(), n.wave)).collect()).collect();
    let rows = p
        .components
        .iter()
        .map(|c| MatrixRow {
            component: c.name.clone(),
            cells: waves.iter().map(|w| w.get(c.name.as_str()).copied()).collect(),
        })
        .collect();
    Matrix { envs: envs.iter().map(|e| e.name.clone()).collect(), rows }
}

fn order(p: &Platform, e: &Environment) -> cedc_derive::order::Order {
    let cx = cedc_derive::Context { components: &p.components, hosted: &[], remote: &[], vaults: &[] };
    cedc_derive::order::order(e, &cx, &mut Vec::new())
}

// --------------------------------------------------------------------- environments

#[derive(Serialize)]
struct EnvPage {
    name: String,
    /// `host cluster`, `virtual cluster in prod`, or empty.
    cluster: String,
    hostnames: Vec<Hostname>,
    certificates: Vec<Cert>,
    issuers: Vec<IssuerRow>,
    components: Vec<Node>,
    /// The sync order, an SVG document (safe: built from escaped names only).
    graph: String,
}

#[derive(Serialize)]
struct EnvContext<'a> {
    project: String,
    root: String,
    nav: &'a [String],
    env: &'a EnvPage,
    modules: &'a [ModuleLink],
}

/// A hostname and the routes serving it.
#[derive(Serialize)]
struct Hostname {
    name: String,
    anchor: String,
    routes: Vec<RouteRow>,
}

#[derive(Serialize)]
struct RouteRow {
    kind: String,
    namespace: String,
    name: String,
    component: String,
    backends: Vec<String>,
}

#[derive(Serialize)]
struct Cert {
    namespace: String,
    name: String,
    dns_names: Vec<String>,
    issuer: String,
    secret: String,
}

#[derive(Serialize)]
struct IssuerRow {
    kind: String,
    name: String,
    namespace: String,
    how: String,
}

/// A component in the sync order.
#[derive(Serialize)]
pub(crate) struct Node {
    pub(crate) name: String,
    pub(crate) wave: u32,
    /// The components it waits for, with why.
    pub(crate) waits: Vec<(String, String)>,
}

fn env_page(p: &Platform, e: &Environment) -> EnvPage {
    let cluster = match (e.virtual_cluster().is_some(), e.host_name(), e.cluster().is_some()) {
        (true, Some(host), _) => format!("virtual cluster in {host}"),
        (_, _, true) => "host cluster".to_string(),
        _ => String::new(),
    };
    let order = order(p, e);
    let components: Vec<Node> = e
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| Node {
            name: c.name.clone(),
            wave: order.waves.get(i).copied().unwrap_or(0),
            waits: order
                .waits
                .get(i)
                .into_iter()
                .flatten()
                .filter_map(|w| Some((e.components.get(w.on)?.name.clone(), w.why.clone())))
                .collect(),
        })
        .collect();
    let graph = graph::svg(&components);
    EnvPage {
        name: e.name.clone(),
        cluster,
        hostnames: hostnames(e),
        certificates: certificates(e),
        issuers: issuers(e),
        components,
        graph,
    }
}

/// Every hostname a route of `e` serves, sorted, with its routes.
fn hostnames(e: &Environment) -> Vec<Hostname> {
    let mut by_name: BTreeMap<String, Vec<RouteRow>> = BTreeMap::new();
    for c in &e.components {
        for o in &c.objects {
            let Some(r) = Route::cast(o) else { continue };
            let backends: BTreeSet<String> = r
                .rules()
                .flat_map(|rule| rule.backend_refs())
                .filter_map(|b| {
                    let name = b.name()?.str()?;
                    let port = b.port().and_then(View::int).map_or(String::new(), |p| format!(":{p}"));
                    let ns = b.namespace().map_or(String::new(), |n| format!("{n}/"));
                    Some(format!("{ns}{name}{port}"))
                })
                .collect();
            let names: Vec<String> = r.hostnames().filter_map(|h| h.str().map(str::to_string)).collect();
            let names = if names.is_empty() { vec!["(any hostname)".to_string()] } else { names };
            for h in names {
                by_name.entry(h).or_default().push(RouteRow {
                    kind: o.kind.to_string(),
                    namespace: o.namespace.clone().unwrap_or_default().to_string(),
                    name: o.name.to_string(),
                    component: c.name.clone(),
                    backends: backends.iter().cloned().collect(),
                });
            }
        }
    }
    by_name.into_iter().map(|(name, routes)| Hostname { anchor: anchor(&name), name, routes }).collect()
}

fn certificates(e: &Environment) -> Vec<Cert> {
    let mut out: Vec<Cert> = e
        .components
        .iter()
        .flat_map(|c| c.objects.iter())
        .filter_map(|o| {
            let cert = Certificate::cast(o)?;
            let issuer = cert
                .issuer_ref()
                .map_or(String::new(), |r| format!("{} {}", r.kind(), r.name().and_then(View::str).unwrap_or("")));
            Some(Cert {
                namespace: o.namespace.clone().unwrap_or_default().to_string(),
                name: o.name.to_string(),
                dns_names: cert.dns_names().filter_map(|d| d.str().map(str::to_string)).collect(),
                issuer,
                secret: cert.secret_name().and_then(View::str).unwrap_or("").to_string(),
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    out
}

fn issuers(e: &Environment) -> Vec<IssuerRow> {
    let mut out: Vec<IssuerRow> = e
        .components
        .iter()
        .flat_map(|c| c.objects.iter())
        .filter_map(|o| {
            let i = Issuer::cast(o)?;
            let spec = o.value.path(&["spec"]).and_then(|s| s.as_record());
            let how =
                spec.and_then(|s| s.keys().find(|k| &***k != "selector").map(|k| k.to_string())).unwrap_or_default();
            let how = match i.acme().and_then(|a| a.view().str_field("server")) {
                Some(server) => format!("{how} ({server})"),
                None => how,
            };
            Some(IssuerRow {
                kind: o.kind.to_string(),
                name: o.name.to_string(),
                namespace: o.namespace.clone().unwrap_or_default().to_string(),
                how,
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.kind, &a.namespace, &a.name).cmp(&(&b.kind, &b.namespace, &b.name)));
    out
}

/// An HTML anchor for a hostname (`*.example.org` → `wildcard.example.org`).
fn anchor(name: &str) -> String {
    let name = name.replace('*', "wildcard");
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '-' }).collect()
}

// ------------------------------------------------------------------------- modules

#[derive(Clone, Serialize)]
struct ModuleLink {
    name: String,
    /// The page, from the site's root.
    path: String,
    is_std: bool,
}

#[derive(Serialize)]
struct ModulePage {
    link: ModuleLink,
    types: Vec<TypeDoc>,
    functions: Vec<FnDoc>,
    composites: Vec<CompositeDoc>,
    lets: Vec<LetDoc>,
    components: Vec<Named>,
    environments: Vec<Named>,
}

#[derive(Serialize)]
struct ModuleContext<'a> {
    project: String,
    root: String,
    nav: &'a [String],
    module: &'a ModulePage,
    modules: &'a [ModuleLink],
}

#[derive(Serialize)]
struct TypeDoc {
    name: String,
    doc: String,
    /// A record type's fields; empty for other types, whose source is `definition`.
    fields: Vec<FieldDoc>,
    definition: String,
}

#[derive(Serialize)]
struct FieldDoc {
    name: String,
    optional: bool,
    ty: String,
    default: String,
    doc: String,
}

#[derive(Serialize)]
struct FnDoc {
    name: String,
    doc: String,
    params: Vec<FieldDoc>,
    ret: String,
}

#[derive(Serialize)]
struct CompositeDoc {
    name: String,
    doc: String,
    api_version: String,
    param: String,
    spec: String,
}

#[derive(Serialize)]
struct LetDoc {
    name: String,
    doc: String,
    ty: String,
}

#[derive(Serialize)]
struct Named {
    name: String,
    doc: String,
}

/// The project's modules (in load order), then every module of the standard library.
fn modules(p: &Program) -> Vec<ModulePage> {
    let mut out = Vec::new();
    for m in p.modules.iter().filter(|m| !m.is_std) {
        let text = p.files.try_get(m.file).map_or("", |f| f.text.as_str());
        out.push(module_page(&m.name, false, &m.ast, text));
    }
    for (name, source) in STDLIB {
        let mut files = cedc_diagnostics::Files::new();
        let file = files.add(format!("std/{name}.ced"), *source);
        if let Ok(ast) = cedc_syntax::parse(file, source) {
            out.push(module_page(&format!("std/{name}.ced"), true, &ast, source));
        }
    }
    out
}

fn module_page(name: &str, is_std: bool, m: &ast::Module, text: &str) -> ModulePage {
    let path = format!("modules/{}.html", name.strip_suffix(".ced").unwrap_or(name));
    let src = |span: Span| text.get(span.start as usize..span.end as usize).unwrap_or("").trim().to_string();
    let doc = |d: &Option<String>| d.clone().unwrap_or_default();
    let mut page = ModulePage {
        link: ModuleLink { name: name.to_string(), path, is_std },
        types: Vec::new(),
        functions: Vec::new(),
        composites: Vec::new(),
        lets: Vec::new(),
        components: Vec::new(),
        environments: Vec::new(),
    };
    for item in &m.items {
        match &item.kind {
            ItemKind::Type(t) => {
                let fields = match &t.ty.kind {
                    TypeExprKind::Record { fields, .. } => fields
                        .iter()
                        .map(|f| FieldDoc {
                            name: f.name.name.clone(),
                            optional: f.optional,
                            ty: src(f.ty.span),
                            default: f.default.as_ref().map(|d| src(d.span)).unwrap_or_default(),
                            doc: doc(&f.doc),
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                let definition = if fields.is_empty() { src(t.ty.span) } else { String::new() };
                page.types.push(TypeDoc { name: t.name.name.clone(), doc: doc(&item.doc), fields, definition });
            }
            ItemKind::Fn(f) => page.functions.push(FnDoc {
                name: f.name.name.clone(),
                doc: doc(&item.doc),
                params: f
                    .params
                    .iter()
                    .map(|p| FieldDoc {
                        name: p.name.name.clone(),
                        optional: false,
                        ty: src(p.ty.span),
                        default: p.default.as_ref().map(|d| src(d.span)).unwrap_or_default(),
                        doc: String::new(),
                    })
                    .collect(),
                ret: src(f.ret.span),
            }),
            ItemKind::Composite(d) => page.composites.push(CompositeDoc {
                name: d.name.name.clone(),
                doc: doc(&item.doc),
                api_version: d.api_version.clone(),
                param: d.param.name.name.clone(),
                spec: src(d.param.ty.span),
            }),
            ItemKind::Let(l) => page.lets.push(LetDoc {
                name: l.name.name.clone(),
                doc: doc(&item.doc),
                ty: l.ty.as_ref().map(|t| src(t.span)).unwrap_or_default(),
            }),
            ItemKind::Component(c) => page.components.push(Named { name: c.name.name.clone(), doc: doc(&item.doc) }),
            ItemKind::Env(e) => page.environments.push(Named { name: e.name.name.clone(), doc: doc(&item.doc) }),
            ItemKind::Import(_) | ItemKind::Override(_) => {}
        }
    }
    page
}
