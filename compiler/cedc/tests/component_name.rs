//! `component_name()`: the name of the component being evaluated, in its body, its
//! overrides and every function (default arguments included) called from them; E0440
//! anywhere else — in a `let` (even one first needed by a component: lets have one
//! value per environment), an override of a `let`, or an environment's field.

use cedc_names::MemoryFs;

fn compile(src: &str) -> cedc::Compilation {
    let mut fs = MemoryFs::default();
    fs.files.insert("main.ced".into(), src.as_bytes().to_vec());
    cedc::compile(&fs, &["main.ced".to_string()], None)
}

fn codes(c: &cedc::Compilation) -> Vec<&'static str> {
    c.diagnostics.iter().map(|d| d.code).collect()
}

/// `(component, namespace, object names)` of every component deployed to `env`.
fn deployed(c: &cedc::Compilation, env: &str) -> Vec<(String, String, Vec<String>)> {
    let platform = c.platform.as_ref().expect("evaluated");
    let env = platform.envs.iter().find(|e| e.name == env).expect("environment");
    env.components
        .iter()
        .map(|x| (x.name.clone(), x.namespace.clone(), x.objects.iter().map(|o| o.name.to_string()).collect()))
        .collect()
}

fn row(component: &str, namespace: &str, objects: &[&str]) -> (String, String, Vec<String>) {
    (component.into(), namespace.into(), objects.iter().map(|o| o.to_string()).collect())
}

const CHART: &str = r#"
import "std/k8s"

env prod {}
env staging {}

fn install(version: String, release: Name = component_name()) -> Object =
  k8s.config_map(release, data: { version: version, component: component_name() })

fn named() -> Component = { namespace: component_name(), objects: [install("2")] }

component grafana {
  namespace: component_name()
  objects: [install("1"), install("1", release: "grafana-extra")]
}

component prometheus = named()

component reader {
  namespace: "{grafana.namespace}-reader"
  objects: [k8s.config_map(component_name(), data: {})]
}
"#;

#[test]
fn a_component_and_the_functions_it_calls_see_its_name() {
    let c = compile(CHART);
    assert!(c.ok(), "{:#?}", c.diagnostics);
    for env in ["prod", "staging"] {
        assert_eq!(
            deployed(&c, env),
            [
                row("grafana", "grafana", &["grafana", "grafana-extra"]),
                row("prometheus", "prometheus", &["prometheus"]),
                // Reading another component's value evaluates it as that component.
                row("reader", "grafana-reader", &["reader"]),
            ]
        );
    }
    let platform = c.platform.as_ref().expect("evaluated");
    let data = &platform.envs[0].components[0].objects[0].value;
    assert_eq!(data.path(&["data", "component"]).and_then(|v| v.as_str()), Some("grafana"));
}

#[test]
fn an_override_of_a_component_field_sees_the_component() {
    let src = format!(
        "{CHART}\nin staging {{\n  prometheus.objects = [install(\"3\")]\n  grafana.namespace = \"{{component_name()}}-staging\"\n}}\n"
    );
    let c = compile(&src);
    assert!(c.ok(), "{:#?}", c.diagnostics);
    let staging = deployed(&c, "staging");
    assert_eq!(staging[0], row("grafana", "grafana-staging", &["grafana", "grafana-extra"]));
    assert_eq!(staging[1], row("prometheus", "prometheus", &["prometheus"]));
    assert_eq!(deployed(&c, "prod")[0], row("grafana", "grafana", &["grafana", "grafana-extra"]));
}

/// The one E0440 of a compilation, and the source text of its primary span.
fn e0440<'c>(c: &'c cedc::Compilation, src: &'c str) -> (&'c cedc_diagnostics::Diagnostic, &'c str) {
    assert_eq!(codes(c), ["E0440"], "{:#?}", c.diagnostics);
    let d = &c.diagnostics[0];
    let span = d.span().expect("located");
    assert!(d.help.as_deref().is_some_and(|h| h.contains("function called from one")), "{d:#?}");
    (d, &src[span.start as usize..span.end as usize])
}

#[test]
fn a_let_has_no_component_name_even_when_a_component_needs_it_first() {
    // `shared` is first needed while `grafana` is evaluated; it still has no component.
    let src = CHART.replace(
        "component prometheus = named()",
        "let shared = install(\"4\")\ncomponent prometheus { namespace: \"p\", objects: [shared] }",
    );
    let c = compile(&src);
    let (d, at) = e0440(&c, &src);
    // The call that failed: the default argument, in the function.
    assert_eq!(at, "component_name()");
    assert_eq!(d.span().map(|s| s.start as usize), src.find("component_name()"), "{d:#?}");
    assert_eq!(d.message, "`component_name()` is not defined while `let shared` is evaluated");
    let secondary = d.secondary.first().map(|(s, _)| &src[s.start as usize..s.end as usize]);
    assert_eq!(secondary, Some("shared"));
    // Reported once, for every environment.
    assert_eq!(d.envs, ["prod", "staging"]);
}

#[test]
fn a_let_calling_it_directly_is_e0440_at_the_call() {
    let src = "env prod {}\nlet who = \"x-{component_name()}\"\ncomponent web { namespace: who, objects: [] }\n";
    let c = compile(src);
    let (_, at) = e0440(&c, src);
    assert_eq!(at, "component_name()");
}

#[test]
fn an_override_of_a_let_is_evaluated_as_the_let() {
    let src = "env prod {}\nlet ns: Label = \"web\"\ncomponent web { namespace: ns, objects: [] }\nin prod {\n  ns = component_name()\n}\n";
    let c = compile(src);
    let (d, _) = e0440(&c, src);
    assert_eq!(d.message, "`component_name()` is not defined while `let ns` is evaluated");
}

#[test]
fn an_environment_field_is_e0440() {
    let src = "env prod { owner: component_name() }\ncomponent web { namespace: env.owner, objects: [] }\n";
    let c = compile(src);
    let (d, _) = e0440(&c, src);
    assert_eq!(d.message, "`component_name()` is only defined while a component is evaluated");
}

#[test]
fn it_is_a_label_and_takes_no_argument() {
    let c = compile("env prod {}\nlet n: Int = component_name()\n");
    assert_eq!(codes(&c), ["E0039"], "{:#?}", c.diagnostics);
    let c = compile("env prod {}\ncomponent web { namespace: component_name(\"x\"), objects: [] }\n");
    assert_eq!(codes(&c), ["E0033"], "{:#?}", c.diagnostics);
}
