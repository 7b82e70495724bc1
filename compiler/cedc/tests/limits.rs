//! Evaluation limits (docs/language.md §11): programs that would build huge values stop
//! with E0063 before their memory grows, and long chains of declarations evaluate
//! without a false cycle report. Invariant checked: each program ends with exactly the
//! documented diagnostic codes, in process (a blow-up would abort or exhaust the test).

use cedc_names::MemoryFs;

fn compile(src: &str) -> cedc::Compilation {
    let mut fs = MemoryFs::default();
    fs.files.insert("main.ced".into(), src.as_bytes().to_vec());
    cedc::compile(&fs, &["main.ced".to_string()], None)
}

fn codes(c: &cedc::Compilation) -> Vec<&'static str> {
    c.diagnostics.iter().map(|d| d.code).collect()
}

/// A project whose only component writes `value` (a `String`) into a ConfigMap.
fn using(decls: &str, value: &str) -> String {
    format!(
        "import \"std/k8s\"\nenv prod {{}}\nenv staging {{}}\n{decls}\ncomponent web {{\n  namespace: \"web\"\n  objects: [k8s.config_map(\"c\", data: {{ v: {value} }})]\n}}\n"
    )
}

#[test]
fn doubling_a_string_stops_at_the_string_limit() {
    let src = using(
        "fn dbl(s: String, n: Int) -> String = if n <= 0 then s else dbl(s + s, n - 1)\nlet y = dbl(\"ab\", 30)",
        "y",
    );
    let c = compile(&src);
    // Once per compilation: the budget is shared by the environments.
    assert_eq!(codes(&c), vec!["E0063"], "{:#?}", c.diagnostics);
    let at = c.diagnostics[0].primary.as_ref().map(|(s, _)| s.start as usize..s.end as usize);
    assert_eq!(at.map(|r| &src[r]), Some("s + s"));
}

#[test]
fn doubling_a_list_stops_at_the_list_limit() {
    let src = using(
        "fn dbl(l: List<String>, n: Int) -> List<String> = if n <= 0 then l else dbl(l + l, n - 1)\nlet y = dbl([\"ab\"], 24)",
        "join(y, \",\")",
    );
    let c = compile(&src);
    assert_eq!(codes(&c), vec!["E0063"], "{:#?}", c.diagnostics);
}

#[test]
fn a_cubic_comprehension_stops_at_the_size_budget() {
    let src = using(
        "let l = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n\
         let l40 = [...l, ...l, ...l, ...l]\n\
         let l400 = [...l40, ...l40, ...l40, ...l40, ...l40, ...l40, ...l40, ...l40, ...l40, ...l40]\n\
         let cube = [for a in l400: [for b in l400: [for c in l400: \"x\"]]]",
        "string(len(cube))",
    );
    let c = compile(&src);
    assert_eq!(codes(&c), vec!["E0063"], "{:#?}", c.diagnostics);
}

#[test]
fn a_long_small_loop_stops_at_the_step_budget() {
    // Small values, much work: six nested loops over ten items, each innermost test
    // adding a hundred numbers (about 2×10⁸ steps, a few MiB of values).
    let sum = vec!["f"; 100].join(" + ");
    let mut body = format!("[for f in k if {sum} < 0: f]");
    for v in ["e", "d", "c", "b", "a"] {
        body = format!("[for {v} in k: len({body})]");
    }
    let src = using(&format!("let k = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\nlet y = len({body})"), "string(y)");
    let c = compile(&src);
    assert_eq!(codes(&c), vec!["E0064"], "{:#?}", c.diagnostics);
}

#[test]
fn other_diagnostics_are_still_reported() {
    // `first` fails before `web` exhausts the budget; after that, evaluation stops
    // without further reports (also in the second environment).
    let src = using(
        "fn dbl(s: String, n: Int) -> String = if n <= 0 then s else dbl(s + s, n - 1)\n\
         let y = dbl(\"ab\", 30)\n\
         let zero = 0\n\
         component first {\n  namespace: \"first\"\n  objects: [k8s.config_map(\"c\", data: { v: string(1 / zero) })]\n}",
        "y",
    );
    let c = compile(&src);
    assert_eq!(codes(&c), vec!["E0060", "E0063"], "{:#?}", c.diagnostics);
}

/// `let x0 = 1`, `let x<i> = x<i-1> + 1`, the last one used by a component.
fn chain(n: usize) -> String {
    let mut decls = String::from("let x0 = 1\n");
    for i in 1..n {
        decls.push_str(&format!("let x{i} = x{} + 1\n", i - 1));
    }
    using(&decls, &format!("string(x{})", n - 1))
}

fn chain_value(n: usize) {
    let c = compile(&chain(n));
    assert!(c.diagnostics.is_empty(), "{n}: {:#?}", c.diagnostics);
    let platform = c.platform.as_ref().expect("a platform");
    let data = platform.envs[0].components[0].objects[0].value.path(&["data", "v"]).and_then(|v| v.as_str());
    assert_eq!(data, Some(n.to_string().as_str()));
}

#[test]
fn a_chain_of_511_declarations_evaluates() {
    chain_value(511);
}

#[test]
fn a_chain_of_512_declarations_evaluates() {
    chain_value(512);
}

#[test]
fn a_chain_of_5000_declarations_evaluates() {
    chain_value(5000);
}

#[test]
fn a_real_cycle_is_still_a_cycle() {
    let c = compile(&using("let a = b + 1\nlet b = a + 1", "string(a)"));
    assert!(codes(&c).contains(&"E0024"), "{:#?}", c.diagnostics);
}

#[test]
fn copies_of_a_list_through_a_parameter_stop_at_the_size_budget() {
    // Records are shared when copied, lists are not: each `l` below copies 65,536 items,
    // 1,024 times over, which the budget must count before the memory is taken.
    let src = using(
        "fn dbl(l: List<String>, n: Int) -> List<String> = if n <= 0 then l else dbl(l + l, n - 1)\n\
         fn keep(l: List<String>, n: Int) -> List<List<String>> = [for i in dbl([\"x\"], n): l]\n\
         let copies = keep(dbl([\"ab\"], 16), 10)",
        "string(len(copies))",
    );
    let c = compile(&src);
    assert_eq!(codes(&c), vec!["E0063"], "{:#?}", c.diagnostics);
}
