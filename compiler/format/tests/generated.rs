//! Generated programs: a seeded generator writes random valid `.ced` files (nested
//! records, lists, calls, matches, ifs, `let ... in`, comprehensions, strings of every
//! kind, comments and doc comments between any two tokens, random whitespace and
//! optional commas) and each one must format to the same tree and comments, and
//! idempotently.

mod common;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const NAMES: &[&str] = &[
    "a",
    "b",
    "web",
    "api_v2",
    "argocd-ui",
    "x-1",
    "_tmp",
    "envs",
    "in-cluster",
    "types",
    "replicas",
    "long_identifier_name_for_width",
    "another_quite_long_name_here",
];
const FIELDS: &[&str] = &["name", "spec", "type", "in", "env", "if", "replicas", "metadata", "x-y"];
/// Field names written as strings: some must stay quoted, some become bare.
const QUOTED_FIELDS: &[&str] = &[
    r#""grafana.ini""#,
    r#""app.kubernetes.io/name""#,
    r#""replicas""#,
    r#""in""#,
    r#""a\"b""#,
    r#""caf\u{e9}""#,
    r#""\{x\}""#,
    r#""""#,
];
const TYPES: &[&str] = &["Int", "String", "Bool", "Name", "Port", "Sizing", "Any"];
const ENVS: &[&str] = &["prod", "staging", "sandbox"];
const STRINGS: &[&str] = &[
    r#""web""#,
    r#""""#,
    r#""a\nb\t\"q\"""#,
    r#""caf\u{e9}""#,
    r#""x{a}y""#,
    r#""{a.b}-{c}""#,
    r#""\{lit\}""#,
    r#""a very long string literal that takes quite some room on any line of code""#,
    "\"x{ a // inside an interpolation\n }y\"",
    "\"\"\"\n  line one {a}\n    two \"quoted\"\n  \"\"\"",
    r#""""inline triple""""#,
    r#""app.kubernetes.io/name""#,
    r#""Montréal — 日本語 ✓""#,
];
const INTS: &[&str] = &["0", "1", "42", "8080", "007", "9223372036854775807"];
const OPS: &[&str] = &["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "??", "with"];

/// Tokens that may touch their neighbours without a space.
fn tight(t: &str) -> bool {
    matches!(t, "(" | ")" | "[" | "]" | "{" | "}" | "," | ":" | ".")
}

struct Gen {
    rng: Rng,
    out: String,
    last: String,
    comments: usize,
    /// Percentage of separators that hold a comment.
    comment_rate: usize,
    indent: usize,
}

impl Gen {
    fn sep(&mut self, next: &str) {
        if self.out.is_empty() {
            return;
        }
        let r = self.rng.below(100);
        if r < self.comment_rate {
            self.comments += 1;
            let n = self.comments;
            let ind = " ".repeat(self.rng.below(6));
            let s = match self.rng.below(7) {
                0 => format!(" // trailing {n}\n{ind}"),
                1 => format!("\n{ind}// own line {n}\n{ind}"),
                2 => format!("\n\n{ind}// after a blank line {n}\n\n{ind}"),
                3 => format!(" /// doc trailing {n}\n{ind}"),
                4 => format!("\n{ind}/// doc {n}\n{ind}/// doc {n} continued\n{ind}"),
                5 => format!("\n// a//b {n}   \n"),
                _ => format!(" // é ✓ 日本 {n}\n"),
            };
            self.out.push_str(&s);
            return;
        }
        let can_touch = (tight(&self.last) || tight(next)) && self.last != "-" && next != "-";
        let s = match r % 10 {
            0 | 1 if can_touch => String::new(),
            2 => format!("\n{}", " ".repeat(self.indent)),
            3 => "\n\n   ".to_string(),
            4 => "\t".to_string(),
            5 => "\r\n".to_string(),
            _ => " ".to_string(),
        };
        self.out.push_str(&s);
    }

    fn t(&mut self, tok: &str) {
        self.sep(tok);
        self.out.push_str(tok);
        self.last = tok.to_string();
    }

    fn name(&mut self) {
        let n = self.rng.pick(NAMES);
        self.t(n);
    }

    fn program(&mut self) {
        if self.rng.chance(40) {
            self.t("import");
            self.t(r#""std/k8s""#);
            if self.rng.chance(50) {
                self.t("import");
                self.t(r#""./lib/apps.ced""#);
                self.t("as");
                self.t("apps");
            }
        }
        for _ in 0..1 + self.rng.below(4) {
            self.item();
        }
    }

    fn item(&mut self) {
        if self.rng.chance(5) {
            // An import after other declarations: the formatter moves it up.
            self.t("import");
            self.t(r#""./lib/late.ced""#);
            return;
        }
        match self.rng.below(7) {
            0 | 1 => {
                self.t("let");
                self.name();
                if self.rng.chance(30) {
                    self.t(":");
                    self.ty(2);
                }
                self.t("=");
                self.expr(3);
            }
            2 => {
                self.t("type");
                let n = self.rng.pick(TYPES);
                self.t(n);
                self.t("=");
                if self.rng.chance(30) {
                    self.union();
                } else {
                    self.ty(3);
                }
            }
            3 => {
                self.t("fn");
                self.name();
                self.t("(");
                let n = self.rng.below(4);
                for i in 0..n {
                    if i > 0 {
                        self.t(",");
                    }
                    self.name();
                    self.t(":");
                    self.ty(2);
                    if self.rng.chance(40) {
                        self.t("=");
                        self.expr(2);
                    }
                }
                if n > 0 && self.rng.chance(40) {
                    self.t(",");
                }
                self.t(")");
                self.t("->");
                self.ty(2);
                self.t("=");
                self.expr(3);
            }
            4 => {
                self.t("env");
                let e = self.rng.pick(ENVS);
                self.t(e);
                self.record(2);
            }
            5 => {
                self.t("component");
                self.name();
                if self.rng.chance(60) {
                    self.record(3);
                } else {
                    self.t("=");
                    self.expr(3);
                }
            }
            _ => {
                self.t("in");
                for i in 0..1 + self.rng.below(3) {
                    if i > 0 {
                        self.t(",");
                    }
                    let e = self.rng.pick(ENVS);
                    self.t(e);
                }
                self.t("{");
                for _ in 0..self.rng.below(4) {
                    self.name();
                    for _ in 0..self.rng.below(3) {
                        if self.rng.chance(30) {
                            self.t("[");
                            let f = self.rng.pick(QUOTED_FIELDS);
                            self.t(f);
                            self.t("]");
                        } else {
                            self.t(".");
                            let f = self.rng.pick(FIELDS);
                            self.t(f);
                        }
                    }
                    self.t("=");
                    self.expr(3);
                }
                self.t("}");
            }
        }
    }

    fn union(&mut self) {
        for i in 0..2 + self.rng.below(4) {
            if i > 0 {
                self.t("|");
            }
            let s = self.rng.pick(&[r#""ClusterIP""#, r#""NodePort""#, r#""a""#, r#""LoadBalancer""#]);
            self.t(s);
        }
    }

    fn ty(&mut self, depth: usize) {
        let k = if depth == 0 { 0 } else { self.rng.below(6) };
        match k {
            0 | 1 => {
                let n = self.rng.pick(TYPES);
                self.t(n);
            }
            2 => {
                let n = self.rng.pick(&["List", "Map"]);
                self.t(n);
                self.t("<");
                self.ty(depth - 1);
                if self.rng.chance(20) {
                    self.t(",");
                    self.ty(depth - 1);
                }
                self.t(">");
            }
            3 => {
                self.t("k8s");
                self.t(".");
                self.t("Resources");
            }
            4 => {
                self.t("{");
                let n = self.rng.below(4);
                for i in 0..n {
                    if i > 0 && self.rng.chance(50) {
                        self.t(",");
                    }
                    let f = if self.rng.chance(25) { self.rng.pick(QUOTED_FIELDS) } else { self.rng.pick(FIELDS) };
                    self.t(f);
                    if self.rng.chance(30) {
                        self.t("?");
                    }
                    self.t(":");
                    self.ty(depth - 1);
                    if self.rng.chance(30) {
                        self.t("=");
                        self.expr(2);
                    }
                }
                if self.rng.chance(30) {
                    if n > 0 && self.rng.chance(50) {
                        self.t(",");
                    }
                    self.t("..");
                }
                if n > 0 && self.rng.chance(30) {
                    self.t(",");
                }
                self.t("}");
            }
            _ => {
                self.ty(depth - 1);
                if !self.last.ends_with('"') && self.last != "?" {
                    self.t("?");
                }
            }
        }
    }

    fn atom(&mut self) {
        match self.rng.below(8) {
            0 | 1 => {
                let i = self.rng.pick(INTS);
                self.t(i);
            }
            2 | 3 => self.name(),
            4 | 5 => {
                let s = self.rng.pick(STRINGS);
                self.t(s);
            }
            _ => {
                let k = self.rng.pick(&["true", "false", "none", "env"]);
                self.t(k);
            }
        }
    }

    /// An expression that can take `.field`, `[i]` or `(...)` after it.
    fn postfix_base(&mut self, depth: usize) {
        if depth == 0 || self.rng.chance(50) {
            self.atom();
        } else {
            self.t("(");
            self.expr(depth - 1);
            self.t(")");
        }
    }

    /// An operand of an operator: a primary or a parenthesized expression.
    fn operand(&mut self, depth: usize) {
        match self.rng.below(4) {
            0 if depth > 0 => self.postfix(depth - 1),
            1 if depth > 0 => self.collection(depth - 1),
            _ => self.postfix_base(depth),
        }
    }

    fn postfix(&mut self, depth: usize) {
        self.postfix_base(depth);
        for _ in 0..1 + self.rng.below(3) {
            match self.rng.below(3) {
                0 => {
                    self.t(".");
                    let f = self.rng.pick(FIELDS);
                    self.t(f);
                }
                1 => {
                    self.t("[");
                    self.expr(depth.saturating_sub(1));
                    self.t("]");
                }
                _ => self.call_args(depth.saturating_sub(1)),
            }
        }
    }

    fn call_args(&mut self, depth: usize) {
        self.t("(");
        let positional = self.rng.below(3);
        let named = self.rng.below(3);
        for i in 0..positional + named {
            if i > 0 {
                self.t(",");
            }
            if i >= positional {
                self.name();
                self.t(":");
            }
            self.expr(depth);
        }
        if positional + named > 0 && self.rng.chance(30) {
            self.t(",");
        }
        self.t(")");
    }

    fn collection(&mut self, depth: usize) {
        if self.rng.chance(50) { self.list(depth) } else { self.record(depth) }
    }

    fn list(&mut self, depth: usize) {
        self.t("[");
        let n = self.rng.below(5);
        for i in 0..n {
            if i > 0 {
                self.t(",");
            }
            if self.rng.chance(15) {
                self.t("...");
            }
            self.expr(depth);
        }
        if n > 0 && self.rng.chance(40) {
            self.t(",");
        }
        self.t("]");
    }

    fn record(&mut self, depth: usize) {
        self.t("{");
        let n = self.rng.below(5);
        for i in 0..n {
            if i > 0 && self.rng.chance(50) {
                self.t(",");
            }
            match self.rng.below(5) {
                0 => {
                    let k = self.rng.pick(&[r#""type""#, r#""app.kubernetes.io/name""#, r#""{a}-key""#]);
                    self.t(k);
                }
                _ => self.name(),
            }
            self.t(":");
            self.expr(depth);
        }
        if n > 0 && self.rng.chance(30) {
            self.t(",");
        }
        self.t("}");
    }

    fn expr(&mut self, depth: usize) {
        if depth == 0 {
            return self.atom();
        }
        let d = depth - 1;
        match self.rng.below(14) {
            0 => self.atom(),
            1 => self.list(d),
            2 | 3 => self.record(d),
            4 => self.postfix(d),
            5 => {
                for _ in 0..1 + self.rng.below(3) {
                    let op = self.rng.pick(&["!", "-"]);
                    self.t(op);
                }
                self.operand(d);
            }
            6 | 7 => {
                self.operand(d);
                for _ in 0..1 + self.rng.below(4) {
                    let op = self.rng.pick(OPS);
                    self.t(op);
                    if self.rng.chance(10) {
                        self.t("-");
                    }
                    self.operand(d);
                }
            }
            8 => {
                self.t("if");
                self.operand(d);
                self.t("then");
                self.expr(d);
                for _ in 0..self.rng.below(3) {
                    self.t("else");
                    self.t("if");
                    self.operand(d);
                    self.t("then");
                    self.expr(d);
                }
                self.t("else");
                self.expr(d);
            }
            9 => {
                self.t("match");
                self.postfix_base(d);
                self.t("{");
                let n = self.rng.below(4);
                for i in 0..n {
                    if i > 0 && self.rng.chance(50) {
                        self.t(",");
                    }
                    for j in 0..1 + self.rng.below(3) {
                        if j > 0 {
                            self.t("|");
                        }
                        let p = self.rng.pick(&["_", r#""web""#, "3", "true", "prod", "staging"]);
                        self.t(p);
                    }
                    self.t("=>");
                    self.expr(d);
                }
                if n > 0 && self.rng.chance(30) {
                    self.t(",");
                }
                self.t("}");
            }
            10 => {
                self.t("[");
                self.t("for");
                self.name();
                if self.rng.chance(40) {
                    self.t(",");
                    self.name();
                }
                self.t("in");
                self.postfix_base(d);
                if self.rng.chance(40) {
                    self.t("if");
                    self.operand(d);
                }
                self.t(":");
                self.expr(d);
                self.t("]");
            }
            11 => {
                for _ in 0..1 + self.rng.below(3) {
                    self.t("let");
                    self.name();
                    if self.rng.chance(30) {
                        self.t(":");
                        self.ty(1);
                    }
                    self.t("=");
                    self.expr(d);
                    self.t("in");
                }
                self.expr(d);
            }
            12 => {
                self.t("(");
                self.expr(d);
                self.t(")");
            }
            _ => {
                let s = self.rng.pick(STRINGS);
                self.t(s);
            }
        }
    }
}

fn generate(seed: u64, comment_rate: usize) -> String {
    let mut g = Gen {
        rng: Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1),
        out: String::new(),
        last: String::new(),
        comments: 0,
        comment_rate,
        indent: 2,
    };
    g.program();
    if g.rng.chance(30) {
        g.out.push_str("\n// the end\n");
    }
    g.out
}

const CASES: u64 = 300;

/// How many programs to try: `CASES`, or `CEDC_FMT_CASES` for a longer hunt.
fn cases() -> u64 {
    std::env::var("CEDC_FMT_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(CASES)
}

fn comment_rate(seed: u64) -> usize {
    [0, 5, 15, 30][(seed % 4) as usize]
}

#[test]
fn generated_programs_keep_their_meaning_and_format_idempotently() {
    // Spread over a few threads: pest is slow in debug builds.
    let workers = 4;
    let total = cases();
    let results: Vec<(u64, String, Result<String, String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                s.spawn(move || {
                    (0..total)
                        .filter(|seed| seed % workers == w)
                        .map(|seed| {
                            let src = generate(seed, comment_rate(seed));
                            let r = common::check_formatting(&src);
                            (seed, src, r)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    assert_eq!(results.len() as u64, total);
    let mut failures = Vec::new();
    let mut changed = 0;
    for (seed, src, r) in results {
        match r {
            Ok(out) => changed += usize::from(out != src),
            Err(e) => {
                if let Ok(dir) = std::env::var("CEDC_FMT_DUMP") {
                    let _ = std::fs::write(format!("{dir}/seed{seed}.ced"), &src);
                }
                failures.push(format!("seed {seed}: {e}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} failed (set CEDC_FMT_DUMP=dir to save them); first:\n{}",
        failures.len(),
        failures[..failures.len().min(3)].join("\n\n")
    );
    // The inputs are messy on purpose: nearly all of them must have been rewritten.
    assert!(changed as u64 > total * 9 / 10, "only {changed} inputs changed");
}

#[test]
fn the_generator_covers_comments_and_every_construct() {
    let all: String = (0..CASES).map(|s| generate(s, comment_rate(s))).collect();
    for needle in
        ["// trailing", "/// doc", "match", "[for", "let ", "else if", "with", "...", "\"\"\"", "..", "?", "in "]
    {
        assert!(all.contains(needle), "the generator never writes {needle}");
    }
}
