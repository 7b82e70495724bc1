use cedc_diagnostics::FileId;
use cedc_syntax::ast::*;
use cedc_syntax::parse;

const SAMPLE: &str = r#"
// A sample platform.
import "std/k8s"
import "./lib/common.ced" as common

/// Production.
env prod { domain: "omni.cedille.club", production: true }
env staging { domain: "staging.omni.cedille.club", production: false }

type Tier = "web" | "worker"

/// Sizing of a workload.
type Size = {
  /// CPU request.
  cpu: Quantity = "100m",
  memory?: Quantity
  extra: Map<String> = {},
  ..
}

let replicas: Int = match env { prod => 3, staging | sandbox => 1, _ => 1 }
let host = "app.{env.domain}"

fn web(name: Name, port: Port = 8080, tier: Tier = "web") -> Object = {
  apiVersion: "apps/v1"
  kind: "Deployment"
  metadata: { name: name, labels: { "app.kubernetes.io/name": name } }
  spec: { replicas: if env.production then replicas else 1 }
}

component hello {
  namespace: "hello"
  objects: [
    web(name: "hello", port: 80),
    ...[for x in ["a", "b"] if x != "b": k8s.config_map(name: "cm-{x}", data: { k: x })],
  ]
}

in staging, sandbox {
  replicas = 1
  common.size.memory = "256Mi"
}

let text = """
    a: 1
      b: {host}
    """
let n = -1 + 2 * 3 - x-y ?? 4
let m = base with { a: 1 } with { b: 2 }
let li = let a = 1 in a + 1
"#;

#[test]
fn parses_every_construct() {
    let m = parse(FileId(0), SAMPLE).unwrap_or_else(|d| panic!("{d:?}"));
    let names: Vec<_> = m.items.iter().map(|i| i.name().map(|n| n.name.clone()).unwrap_or_default()).collect();
    assert_eq!(
        names,
        ["", "", "prod", "staging", "Tier", "Size", "replicas", "host", "web", "hello", "", "text", "n", "m", "li"]
    );
    assert_eq!(m.items[2].doc.as_deref(), Some("Production."));
    let ItemKind::Type(size) = &m.items[5].kind else { panic!() };
    assert_eq!(m.items[5].doc.as_deref(), Some("Sizing of a workload."));
    let TypeExprKind::Record { fields, open } = &size.ty.kind else { panic!() };
    assert!(*open);
    assert_eq!(fields.len(), 3);
    assert_eq!(fields[0].doc.as_deref(), Some("CPU request."));
    assert!(fields[1].optional);
    let ItemKind::Let(text) = &m.items[11].kind else { panic!() };
    let ExprKind::Str(s) = &text.value.kind else { panic!() };
    assert_eq!(s.parts.len(), 3);
    assert_eq!(s.parts[0], StrPart::Text("a: 1\n  b: ".into()));
    assert_eq!(s.parts[2], StrPart::Text("\n".into()));
    let ItemKind::Let(n) = &m.items[12].kind else { panic!() };
    // `??` binds loosest: (-1 + 2*3 - x-y) ?? 4
    let ExprKind::Binary(BinaryOp::Coalesce, lhs, _) = &n.value.kind else { panic!("{:?}", n.value.kind) };
    let ExprKind::Binary(BinaryOp::Sub, _, r) = &lhs.kind else { panic!() };
    assert!(matches!(&r.kind, ExprKind::Ident(i) if i.name == "x-y"));
    let ItemKind::Override(o) = &m.items[10].kind else { panic!() };
    assert_eq!(o.envs.len(), 2);
    assert_eq!(o.sets[1].path.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["common", "size", "memory"]);
    assert!(m.comments.iter().any(|c| c.doc && c.text == "/// CPU request."));
    assert!(m.comments.iter().any(|c| !c.doc && c.text == "// A sample platform."));
}

#[test]
fn syntax_error_says_what_was_expected_where() {
    let src = "let a = {\n  b: 1,\n  c 2\n}\n";
    let d = parse(FileId(0), src).unwrap_err();
    assert_eq!(d.code, "E0001");
    let span = d.span().unwrap();
    assert_eq!(&src[span.start as usize..], "2\n}\n");
    assert!(d.message.contains("expected"), "{}", d.message);
}

#[test]
fn deep_nesting_is_a_diagnostic_not_a_crash() {
    let src = format!("let a = {}1{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(parse(FileId(0), &src).unwrap_err().code, "E0003");
    let src = format!("let a = {}1", "-".repeat(10_000));
    assert_eq!(parse(FileId(0), &src).unwrap_err().code, "E0003");
    let src = format!("let a = {}1{}", "if true then ".repeat(1_000), " else 2".repeat(1_000));
    assert_eq!(parse(FileId(0), &src).unwrap_err().code, "E0003");
}

/// The depth limit reaches every expression, including interpolations inside a
/// computed record key.
#[test]
fn deep_expression_in_a_computed_key_is_caught() {
    let deep = format!("{}1", "-".repeat(1_000));
    let src = format!("let a: Map<Int> = {{ \"k{{{deep}}}\": 1 }}\n");
    let d = parse(FileId(0), &src).unwrap_err();
    assert_eq!(d.code, "E0003", "{d:?}");
    let shallow = format!("let a: Map<Int> = {{ \"k{{{}1}}\": 1 }}\n", "-".repeat(10));
    assert!(parse(FileId(0), &shallow).is_ok());
}

/// Keywords end at a word boundary: a keyword glued to the next word is a name.
#[test]
fn keywords_need_a_word_boundary() {
    for glued in [
        "letx = 1",
        "typeT = Int",
        "fnf() -> Int = 1",
        "envprod {}",
        "componentweb {}",
        "inprod { a = 1 }",
        "import \"./a\" asb",
        "let a = if b then 1 elseif c then 2 else 3",
        "let a = [for x inxs: x]",
        "let a = let b = 1 inb",
        "let a = matchenv { _ => 1 }",
    ] {
        assert_eq!(parse(FileId(0), glued).map(|_| ()).map_err(|d| d.code), Err("E0001"), "{glued}");
    }
    // Names that begin with a keyword are names.
    let m = parse(
        FileId(0),
        "let letter = iffy\nlet types = input\nlet fnord = for-each\nlet x = if elsewhere then infra else matching",
    )
    .unwrap();
    let names: Vec<&str> = m.items.iter().filter_map(|i| i.name()).map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["letter", "types", "fnord", "x"]);
}

/// Some editors start files with a UTF-8 byte-order mark; it is not part of the program.
#[test]
fn a_byte_order_mark_may_start_a_file() {
    let m = parse(FileId(0), "\u{FEFF}let a = 1\n").unwrap();
    assert_eq!(m.items.len(), 1);
    assert_eq!(m.items[0].span.start, 3, "spans stay byte offsets into the file");
    assert_eq!(
        parse(FileId(0), "let a = \u{FEFF}1\n").map(|_| ()).map_err(|d| d.code),
        Err("E0001"),
        "only at the start"
    );
}

fn record_type_fields(src: &str) -> Vec<(String, bool, usize, usize)> {
    let m = parse(FileId(0), src).unwrap_or_else(|d| panic!("{d:?}"));
    let ItemKind::Type(t) = &m.items[0].kind else { panic!("not a type") };
    let TypeExprKind::Record { fields, .. } = &t.ty.kind else { panic!("not a record") };
    fields
        .iter()
        .map(|f| (f.name.name.clone(), f.optional, f.name.span.start as usize, f.name.span.end as usize))
        .collect()
}

#[test]
fn record_type_fields_may_be_quoted() {
    let src = r#"type Values = { "grafana.ini"?: { server?: { root_url?: String } }, replicas: Int = 1, "a\"b": Int, "": Int }"#;
    let fields = record_type_fields(src);
    let names: Vec<_> = fields.iter().map(|f| (f.0.as_str(), f.1)).collect();
    assert_eq!(names, [("grafana.ini", true), ("replicas", false), ("a\"b", false), ("", false)]);
    // The span is the whole literal, quotes included.
    let (_, _, s, e) = &fields[0];
    assert_eq!(&src[*s..*e], "\"grafana.ini\"");
}

#[test]
fn an_interpolated_field_name_in_a_type_is_e0441_at_the_string() {
    let src = "type T = { \"{x}.ini\": String }";
    let d = parse(FileId(0), src).expect_err("interpolated name");
    assert_eq!(d.code, "E0441");
    let span = d.primary.as_ref().map(|(s, _)| *s).expect("located");
    assert_eq!(&src[span.start as usize..span.end as usize], "\"{x}.ini\"");
    assert!(d.help.is_some());
}

#[test]
fn override_paths_take_quoted_keys() {
    let src = "in staging {\n  grafana[\"grafana.ini\"].server[ \"root_url\" ] = \"x\"\n  m[\"a\"][\"b\"] = 1\n}";
    let m = parse(FileId(0), src).unwrap_or_else(|d| panic!("{d:?}"));
    let ItemKind::Override(o) = &m.items[0].kind else { panic!("not an override") };
    let paths: Vec<Vec<&str>> = o.sets.iter().map(|s| s.path.iter().map(|i| i.name.as_str()).collect()).collect();
    assert_eq!(paths, [vec!["grafana", "grafana.ini", "server", "root_url"], vec!["m", "a", "b"]]);
    let key = &o.sets[0].path[1];
    assert_eq!(&src[key.span.start as usize..key.span.end as usize], "\"grafana.ini\"");
}

#[test]
fn an_interpolated_override_key_is_e0441() {
    let d = parse(FileId(0), "in staging { m[\"{k}\"] = 1 }").expect_err("interpolated key");
    assert_eq!(d.code, "E0441");
    // A computed index is not a key at all: a syntax error.
    let d = parse(FileId(0), "in staging { m[k] = 1 }").expect_err("computed key");
    assert_eq!(d.code, "E0001");
}
