//! The deepest inputs the parser accepts format without overflowing the stack, even
//! when `format_source` is called from a thread with a small stack, and what the
//! parser rejects comes back as its diagnostic.

mod common;

fn on_stack<T: Send>(size: usize, f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        std::thread::Builder::new().stack_size(size).spawn_scoped(s, f).expect("spawn").join().expect("join")
    })
}

/// Run `f` on a thread with a small stack: the formatter must use its own.
fn on_small_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    on_stack(256 << 10, f)
}

/// The test's own checks (parsing, printing trees) recurse on the input's depth.
fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    on_stack(512 << 20, f)
}

/// A name, and the program of a given depth.
type Shape = (&'static str, Box<dyn Fn(usize) -> String + Sync>);

fn nested(open: &str, close: &str, depth: usize, core: &str) -> String {
    format!("let a = {}{core}{}\n", open.repeat(depth), close.repeat(depth))
}

/// The largest `n` below `upper` for which `make(n)` parses (parsing is monotone in
/// `n`): a binary search.
fn deepest_accepted(upper: usize, make: impl Fn(usize) -> String) -> (usize, String) {
    let (mut ok, mut bad) = (1, upper);
    assert!(common::parse(&make(ok)).is_ok(), "nothing of this shape parses");
    assert!(common::parse(&make(bad)).is_err(), "{upper} levels parse");
    while bad - ok > 1 {
        let mid = (ok + bad) / 2;
        if common::parse(&make(mid)).is_ok() { ok = mid } else { bad = mid }
    }
    (ok, make(ok))
}

#[test]
fn the_deepest_accepted_inputs_format_on_a_small_stack() {
    on_big_stack(deepest_inputs);
}

fn deepest_inputs() {
    let limit = cedc_syntax::MAX_NESTING;
    let shapes: Vec<Shape> = vec![
        ("lists", Box::new(|n| nested("[", "]", n, "1"))),
        ("records", Box::new(|n| nested("{ a: ", " }", n, "1"))),
        ("parentheses", Box::new(|n| nested("(", ")", n, "1"))),
        ("calls", Box::new(|n| nested("f(", ")", n, "x"))),
        ("call arguments with comments", Box::new(|n| nested("f( // c\n x, ", ")", n, "y"))),
        ("negations", Box::new(|n| format!("let a = {}1\n", "-".repeat(n)))),
        ("matches", Box::new(|n| nested("match x { _ => ", " }", n, "1"))),
        ("operator chain", Box::new(|n| format!("let a = 1{}\n", " + 1".repeat(n)))),
        ("field chain", Box::new(|n| format!("let a = x{}\n", ".b".repeat(n)))),
        ("else if chain", Box::new(|n| format!("let a = {}0\n", "if c then 1 else ".repeat(n)))),
        ("let chain", Box::new(|n| format!("let a = {}x\n", "let x = 1 in ".repeat(n)))),
        ("right-nested operators", Box::new(|n| format!("let a = {}1\n", "1 ?? ".repeat(n)))),
    ];
    for (name, make) in shapes {
        let (n, src) = deepest_accepted(1000, &make);
        assert!(n >= limit / 2, "{name}: only {n} levels parse");
        let formatted = on_small_stack(|| cedc_format::format_source(&src).map(|_| ()));
        assert!(formatted.is_ok(), "{name} ({n} levels): {formatted:?}");
        if let Err(e) = common::check_formatting(&src) {
            panic!("{name} ({n} levels): {}", &e[..e.len().min(2000)]);
        }
        // One level more is rejected by the parser, and the formatter says so.
        let deeper = make(n + 1);
        let err = on_small_stack(|| cedc_format::format_source(&deeper)).expect_err(name);
        assert!(err.code == "E0003" || err.code == "E0001", "{name}: {err:?}");
    }
}

#[test]
fn a_parse_error_is_the_parsers_diagnostic_unchanged() {
    let src = "let a = [1, 2\nlet b = 3\n";
    let expected = cedc_syntax::parse(cedc_format::FILE, src).expect_err("invalid");
    let got = cedc_format::format_source(src).expect_err("invalid");
    assert_eq!(got, expected);
    assert_eq!(got.code, "E0001");
}
