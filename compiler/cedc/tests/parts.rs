//! Evaluation splits a platform's components into parts, each evaluated in every
//! environment as one task (`cedc_eval`'s `Part`). What a platform makes and reports
//! does not depend on that split: components keep their order in every environment, a
//! problem met by every part is one report, and a part that spends its share of the
//! evaluation budget has everything evaluated again with the whole budget.

use cedc_names::MemoryFs;

fn compile(src: &str) -> cedc::Compilation {
    let mut fs = MemoryFs::default();
    fs.files.insert("main.ced".into(), src.as_bytes().to_vec());
    cedc::compile(&fs, &["main.ced".to_string()], None)
}

/// Three environments, `decls`, and `n` components `c-<i>`, each a ConfigMap whose
/// value is `value`.
fn platform(decls: &str, n: usize, value: &str) -> String {
    let mut src = format!(
        "import \"std/k8s\"\nenv prod {{ domain: \"example.org\" }}\nenv staging {{ domain: \"staging.example.org\" }}\nenv sandbox {{ domain: \"sandbox.example.org\" }}\n{decls}\n"
    );
    for i in 0..n {
        src.push_str(&format!(
            "component c-{i} {{\n  namespace: \"c-{i}\"\n  objects: [k8s.config_map(\"settings\", data: {{ v: {value}, host: \"c-{i}.{{env.domain}}\" }})]\n}}\n"
        ));
    }
    src
}

#[test]
fn components_keep_their_order_and_values_in_every_environment() {
    let n = 300;
    let c = compile(&platform("", n, "\"same\""));
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    let platform = c.platform.expect("evaluated");
    let names: Vec<String> = (0..n).map(|i| format!("c-{i}")).collect();
    for env in &platform.envs {
        let got: Vec<&str> = env.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(got, names, "components of {} in declaration order", env.name);
        let domain = env.attributes.get("domain").and_then(|d| d.as_str()).expect("the environment's domain");
        for (i, component) in env.components.iter().enumerate() {
            let host = component.objects[0].value.get("data").and_then(|d| d.get("host")).and_then(|h| h.as_str());
            assert_eq!(host, Some(format!("c-{i}.{domain}").as_str()), "c-{i} in {}", env.name);
        }
    }
}

#[test]
fn a_problem_every_part_meets_is_reported_once() {
    let c = compile(&platform("let zero = 0\nlet bad = 1 / zero", 300, "string(bad)"));
    let reports: Vec<_> = c.diagnostics.iter().filter(|d| d.code == "E0060").collect();
    assert_eq!(reports.len(), 1, "{:#?}", c.diagnostics);
    assert_eq!(reports[0].envs, vec!["prod", "staging", "sandbox"], "{:#?}", reports[0]);
    assert_eq!(c.diagnostics.len(), 1, "{:#?}", c.diagnostics);
}

#[test]
fn a_part_over_its_share_of_the_budget_is_evaluated_again_with_the_whole() {
    // A list of 2^19 items read by the first component: its doubling and copies charge
    // between 85 and 171 MiB of the 512 MiB budget in each environment (2^20 items cross
    // the whole budget) — more than its part's share of the bytes on a machine with two
    // cores or more (half of them), within the whole budget.
    let decls = "fn dbl(l: List<String>, n: Int) -> List<String> = if n <= 0 then l else dbl(l + l, n - 1)\n\
                 let big = dbl([\"ab\"], 19)";
    let mut src = platform(decls, 1000, "\"small\"");
    src = src.replacen("v: \"small\"", "v: string(len(big))", 1);
    let c = compile(&src);
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
    let platform = c.platform.expect("evaluated");
    for env in &platform.envs {
        assert_eq!(env.components.len(), 1000, "{}", env.name);
        let v = env.components[0].objects[0].value.get("data").and_then(|d| d.get("v")).and_then(|v| v.as_str());
        assert_eq!(v, Some("524288"), "{}", env.name);
    }
}

#[test]
fn parts_within_their_shares_but_over_the_budget_together_report_the_limit() {
    // Each of 300 components builds a list of 2^12 items (between 0.66 and 1.34 MiB
    // charged: a 64th of the 2^19 items above) in each environment: 600 MiB or more in
    // all, over the 512 MiB budget, though no part of 60 components alone crosses half.
    let decls = "fn dbl(l: List<String>, n: Int) -> List<String> = if n <= 0 then l else dbl(l + l, n - 1)";
    let c = compile(&platform(decls, 300, "string(len(dbl([\"ab\"], 12)))"));
    let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, vec!["E0063"], "{:#?}", c.diagnostics);
}
