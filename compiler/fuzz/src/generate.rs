//! The grammar-aware generator: from a [`Rng`], a whole `.ced` program that parses and,
//! most of the time, type-checks — environments, type aliases, functions (recursive ones
//! included), `let`s of every type built from every kind of expression (`if`, `match`,
//! `let … in`, `for`, `with`, spreads, interpolation, unicode strings, built-ins),
//! overrides, and a component that uses every `let` (a ConfigMap of their text and an
//! unchecked `Blob` object holding their values), so that evaluation and emission see
//! all of them. Some programs get type errors injected on purpose, and some get one
//! "stress" feature (long `let` chains, deep records and parentheses, big lists and
//! strings, long names, deep recursion, doubling strings) sized by [`Options::scale`].
//!
//! Invariant: the output depends only on the generator's state and the options.

use crate::rng::Rng;

/// A function template: name, body, parameters with their types, result type.
type Template = (&'static str, &'static str, Vec<(&'static str, Ty)>, Ty);

/// The kind of the extra object the component holds; `scripts/fuzz` and the worker mark
/// it unchecked so that any value can go into its `spec`.
pub const BLOB_KIND: &str = "fuzz.cedc.dev/v1/Blob";

#[derive(Clone, Debug)]
pub struct Options {
    /// Multiplies the size of stress features: 1 for a bounded test, 10 for a long run.
    pub scale: usize,
    /// Percentage of programs with type errors injected.
    pub ill_percent: usize,
    /// Percentage of programs with one stress feature.
    pub stress_percent: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options { scale: 4, ill_percent: 15, stress_percent: 12 }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Ty {
    Int,
    Str,
    Bool,
    ListInt,
    ListStr,
    MapStr,
    Rec(Vec<(String, Ty)>),
}

impl Ty {
    fn written(&self) -> String {
        match self {
            Ty::Int => "Int".into(),
            Ty::Str => "String".into(),
            Ty::Bool => "Bool".into(),
            Ty::ListInt => "List<Int>".into(),
            Ty::ListStr => "List<String>".into(),
            Ty::MapStr => "Map<String>".into(),
            Ty::Rec(fs) => {
                let fields: Vec<String> = fs.iter().map(|(n, t)| format!("{n}: {}", t.written())).collect();
                format!("{{ {} }}", fields.join(", "))
            }
        }
    }
    fn has_map(&self) -> bool {
        match self {
            Ty::MapStr => true,
            Ty::Rec(fs) => fs.iter().any(|(_, t)| t.has_map()),
            _ => false,
        }
    }
    fn simple(rng: &mut Rng) -> Ty {
        match rng.below(5) {
            0 => Ty::Int,
            1 => Ty::Str,
            2 => Ty::Bool,
            3 => Ty::ListInt,
            _ => Ty::ListStr,
        }
    }
}

struct Sig {
    name: String,
    params: Vec<(String, Ty, Option<String>)>,
    ret: Ty,
}

const FIELDS: &[&str] =
    &["a", "b", "name", "spec", "type", "replicas", "x-y", "in", "env", "data", "port", "long_field_name"];
const WORDS: &[&str] = &[
    "web",
    "api",
    "",
    "x",
    "Hello, world",
    "a b",
    "caf\u{e9}",
    "--flag=1",
    "0",
    "true",
    "null",
    "~",
    "- item",
    ": colon",
    "#hash",
    "'q'",
];
const UNICODE: &[&str] = &[
    "é",
    "日本語",
    "🦀",
    "\u{200b}",
    "\u{202e}",
    "مرحبا",
    "a\u{301}",
    "ﷺ",
    "𝔘𝔫𝔦",
    "\u{feff}",
    "Ω",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
];
const ESCAPES: &[&str] =
    &["\\n", "\\t", "\\r", "\\\"", "\\\\", "\\{", "\\}", "\\u{1F600}", "\\u{e9}", "\\u{0}", "\\u{10FFFF}"];
const INTS: &[&str] = &["0", "1", "2", "3", "7", "42", "100", "(-1)", "65535", "1000000"];

struct Gen<'r> {
    rng: &'r mut Rng,
    opts: Options,
    envs: Vec<&'static str>,
    lets: Vec<(String, Ty)>,
    locals: Vec<(String, Ty)>,
    fns: Vec<Sig>,
    ill: bool,
    injected: usize,
    budget: usize,
    fresh: usize,
}

/// A program for `rng` with `opts`.
pub fn program(rng: &mut Rng, opts: &Options) -> String {
    let ill = rng.chance(opts.ill_percent);
    let mut envs = vec!["prod", "staging"];
    if rng.chance(60) {
        envs.push("sandbox");
    }
    let budget = 150 + rng.below(300);
    let mut g = Gen {
        rng,
        opts: opts.clone(),
        envs,
        lets: Vec::new(),
        locals: Vec::new(),
        fns: Vec::new(),
        ill,
        injected: 0,
        budget,
        fresh: 0,
    };
    g.program()
}

impl Gen<'_> {
    fn program(&mut self) -> String {
        let mut head = vec!["import \"std/k8s\"".to_string()];
        if self.rng.chance(10) {
            head.push("import \"std/gateway\" as gw".into());
        }
        let mut items = Vec::new();
        for e in self.envs.clone() {
            let n = self.rng.below(5);
            let tag = self.str_lit(0);
            items.push(format!("env {e} {{ n: {n}, tag: {tag} }}"));
        }
        self.recursive_fns(&mut items);
        for _ in 0..self.rng.below(4) {
            items.push(self.function());
        }
        let mut uses: Vec<(String, Ty)> = Vec::new();
        for _ in 0..1 + self.rng.below(10) {
            items.push(self.let_decl());
        }
        if self.rng.chance(self.opts.stress_percent) {
            let (decls, used) = self.stress();
            items.extend(decls);
            uses.extend(used);
        }
        items.extend(self.overrides());
        uses.extend(self.lets.clone());
        items.push(self.component(&uses));
        if self.rng.chance(10) {
            items.push(
                "fn mk(name: Label) -> Component = { namespace: name, objects: [k8s.config_map(\"c\", data: {})] }\ncomponent other = mk(\"other\")"
                    .into(),
            );
        }
        // Declarations may come in any order.
        if self.rng.chance(30) {
            for i in (1..items.len()).rev() {
                let j = self.rng.below(i + 1);
                items.swap(i, j);
            }
        }
        let mut out = head.join("\n");
        out.push('\n');
        for item in items {
            out.push('\n');
            out.push_str(&self.comment());
            out.push_str(&item);
            out.push('\n');
        }
        out
    }

    fn comment(&mut self) -> String {
        match self.rng.below(12) {
            0 => "// a comment é 🦀\n".into(),
            1 => "/// Documentation.\n/// More of it: `code`.\n".into(),
            2 => "\n\n".into(),
            _ => String::new(),
        }
    }

    fn name(&mut self, prefix: &str) -> String {
        self.fresh += 1;
        format!("{prefix}{}", self.fresh)
    }

    fn recursive_fns(&mut self, items: &mut Vec<String>) {
        let templates: [Template; 4] = [
            (
                "countdown",
                "fn countdown(n: Int) -> List<Int> = if n <= 0 then [] else [n, ...countdown(n - 1)]",
                vec![("n", Ty::Int)],
                Ty::ListInt,
            ),
            (
                "repeat",
                "fn repeat(s: String, n: Int) -> String = if n <= 0 then \"\" else s + repeat(s, n - 1)",
                vec![("s", Ty::Str), ("n", Ty::Int)],
                Ty::Str,
            ),
            (
                "total",
                "fn total(xs: List<Int>, i: Int = 0) -> Int =\n  if i < 0 || i >= len(xs) then 0 else xs[i] + total(xs, i: i + 1)",
                vec![("xs", Ty::ListInt), ("i", Ty::Int)],
                Ty::Int,
            ),
            (
                "even",
                "fn even(n: Int) -> Bool = if n <= 0 then true else odd(n - 1)\nfn odd(n: Int) -> Bool = if n <= 0 then false else even(n - 1)",
                vec![("n", Ty::Int)],
                Ty::Bool,
            ),
        ];
        for (name, text, params, ret) in templates {
            if self.rng.chance(35) {
                items.push(text.to_string());
                let params = params.into_iter().map(|(p, t)| (p.to_string(), t, None)).collect();
                self.fns.push(Sig { name: name.into(), params, ret });
            }
        }
    }

    fn function(&mut self) -> String {
        let name = self.name("f");
        let mut params = Vec::new();
        for i in 0..self.rng.below(4) {
            let ty = Ty::simple(self.rng);
            params.push((format!("p{i}"), ty, None));
        }
        if let Some(last) = params.last_mut()
            && self.rng.chance(40)
        {
            let saved = std::mem::take(&mut self.locals);
            let ty = last.1.clone();
            last.2 = Some(self.expr(&ty, 1));
            self.locals = saved;
        }
        let ret = Ty::simple(self.rng);
        let saved_lets = std::mem::take(&mut self.lets);
        self.locals = params.iter().map(|(n, t, _)| (n.clone(), t.clone())).collect();
        let body = self.expr(&ret, 3);
        self.locals.clear();
        self.lets = saved_lets;
        let ps: Vec<String> = params
            .iter()
            .map(|(n, t, d)| match d {
                Some(d) => format!("{n}: {} = {d}", t.written()),
                None => format!("{n}: {}", t.written()),
            })
            .collect();
        let text = format!("fn {name}({}) -> {} =\n  {body}", ps.join(", "), ret.written());
        self.fns.push(Sig { name, params, ret });
        text
    }

    fn random_ty(&mut self, depth: usize) -> Ty {
        match self.rng.below(if depth == 0 { 6 } else { 8 }) {
            0 => Ty::Int,
            1 => Ty::Str,
            2 => Ty::Bool,
            3 => Ty::ListInt,
            4 => Ty::ListStr,
            5 => Ty::MapStr,
            _ => {
                let mut fields: Vec<(String, Ty)> = Vec::new();
                for _ in 0..1 + self.rng.below(4) {
                    let f = (*self.rng.pick(FIELDS)).to_string();
                    if !fields.iter().any(|(n, _)| *n == f) {
                        let t = self.random_ty(depth - 1);
                        fields.push((f, t));
                    }
                }
                Ty::Rec(fields)
            }
        }
    }

    fn let_decl(&mut self) -> String {
        let name = self.name("x");
        let ty = self.random_ty(2);
        let value = self.expr(&ty, 4);
        // A map literal without an expected type is a record: maps are always annotated.
        let text = if ty.has_map() || self.rng.chance(40) || self.ill && self.rng.chance(30) {
            let annotated = if self.ill && self.rng.chance(30) { self.random_ty(1) } else { ty.clone() };
            format!("let {name}: {} = {value}", annotated.written())
        } else {
            format!("let {name} = {value}")
        };
        self.lets.push((name, ty));
        text
    }

    /// Names (and field paths) of type `ty` in scope.
    fn vars(&self, ty: &Ty) -> Vec<String> {
        fn walk(path: String, t: &Ty, want: &Ty, depth: usize, out: &mut Vec<String>) {
            if t == want {
                out.push(path.clone());
            }
            if let Ty::Rec(fs) = t
                && depth < 4
            {
                for (f, ft) in fs {
                    walk(format!("{path}.{f}"), ft, want, depth + 1, out);
                }
            }
        }
        let mut out = Vec::new();
        for (n, t) in self.locals.iter().chain(&self.lets) {
            walk(n.clone(), t, ty, 0, &mut out);
        }
        out
    }

    fn inject(&mut self) -> bool {
        if self.ill && self.injected < 2 && self.rng.chance(3) {
            self.injected += 1;
            true
        } else {
            false
        }
    }

    fn var(&mut self, ty: &Ty) -> Option<String> {
        let vs = self.vars(ty);
        if vs.is_empty() {
            return None;
        }
        let v = self.rng.pick(&vs).clone();
        if self.inject() {
            return Some(match self.rng.below(3) {
                0 => format!("{v}x"),
                1 => format!("{v}.nope"),
                // Misspelled but still a name: keep the first letter, drop the second.
                _ => v.chars().take(1).chain(v.chars().skip(2)).collect::<String>() + "_",
            });
        }
        Some(v)
    }

    fn int_lit(&mut self) -> String {
        // The largest integer, rarely: arithmetic on it overflows (E0060).
        if self.rng.chance(2) { "9223372036854775807".into() } else { (*self.rng.pick(INTS)).to_string() }
    }

    fn str_content(&mut self, depth: usize) -> String {
        let mut s = String::new();
        for _ in 0..self.rng.below(4) {
            match self.rng.below(8) {
                0..=2 => s.push_str(self.rng.pick::<&str>(WORDS)),
                3 => s.push_str(self.rng.pick::<&str>(UNICODE)),
                4 => s.push_str(self.rng.pick::<&str>(ESCAPES)),
                5 if depth > 0 => {
                    let ty = self.rng.pick(&[Ty::Int, Ty::Str, Ty::Bool]).clone();
                    let e = self.expr(&ty, depth - 1);
                    s.push('{');
                    s.push_str(&e);
                    s.push('}');
                }
                _ => s.push('-'),
            }
        }
        s
    }

    fn str_lit(&mut self, depth: usize) -> String {
        if self.rng.chance(5) {
            let a = self.str_content(depth);
            let b = self.str_content(depth);
            return format!("\"\"\"\n    {a}\n      \"{b}\"\n    \"\"\"");
        }
        format!("\"{}\"", self.str_content(depth))
    }

    fn leaf(&mut self, ty: &Ty) -> String {
        if self.rng.chance(50)
            && let Some(v) = self.var(ty)
        {
            return v;
        }
        match ty {
            Ty::Int => match self.rng.below(6) {
                0 => "env.n".into(),
                _ => self.int_lit(),
            },
            Ty::Str => match self.rng.below(6) {
                0 => "env.name".into(),
                1 => "env.tag".into(),
                _ => self.str_lit(0),
            },
            Ty::Bool => (*self.rng.pick(&["true", "false", "(env == prod)"])).to_string(),
            // No empty literals: without an expected type, `[]` has no item type to
            // combine with.
            Ty::ListInt => (*self.rng.pick(&["[1, 2, 3]", "[0]", "[65535, (-1)]"])).to_string(),
            Ty::ListStr => (*self.rng.pick(&["[\"a\", \"b\"]", "[\"日本\"]"])).to_string(),
            Ty::MapStr => (*self.rng.pick(&["{ \"k.io/y\": \"1\" }", "{ \"k.io/x\": \"v\", b: \"2\" }"])).to_string(),
            Ty::Rec(fs) => {
                let fields: Vec<String> = fs
                    .clone()
                    .iter()
                    .map(|(f, t)| {
                        let v = self.leaf(t);
                        format!("{f}: {v}")
                    })
                    .collect();
                format!("{{ {} }}", fields.join(", "))
            }
        }
    }

    /// An expression of type `ty` (or, when injecting an error, of another type).
    fn expr(&mut self, ty: &Ty, depth: usize) -> String {
        if self.budget == 0 || depth == 0 {
            return self.leaf(ty);
        }
        self.budget -= 1;
        if self.inject() {
            let other = self.random_ty(1);
            return self.leaf(&other);
        }
        let d = depth - 1;
        // Constructs every type has.
        match self.rng.below(12) {
            0 => return self.leaf(ty),
            1 => {
                let c = self.expr(&Ty::Bool, d);
                let a = self.expr(ty, d);
                let b = self.expr(ty, d);
                return format!("(if {c} then {a} else {b})");
            }
            2 => {
                let arms: Vec<String> = if self.rng.chance(50) {
                    let mut arms = Vec::new();
                    for e in self.envs.clone() {
                        arms.push(format!("{e} => {}", self.expr(ty, d)));
                    }
                    arms
                } else {
                    vec![format!("prod => {}", self.expr(ty, d)), format!("_ => {}", self.expr(ty, d))]
                };
                return format!("match env {{\n    {}\n  }}", arms.join("\n    "));
            }
            3 => {
                let vt = Ty::simple(self.rng);
                let v = self.expr(&vt, d);
                let n = self.name("v");
                self.locals.push((n.clone(), vt));
                let body = self.expr(ty, d);
                self.locals.pop();
                return format!("(let {n} = {v} in {body})");
            }
            4 => {
                if let Some(call) = self.call(ty, d) {
                    return call;
                }
            }
            _ => {}
        }
        match ty {
            Ty::Int => self.int_expr(d),
            Ty::Str => self.str_expr(d),
            Ty::Bool => self.bool_expr(d),
            Ty::ListInt => self.list_int(d),
            Ty::ListStr => self.list_str(d),
            Ty::MapStr => self.map_str(d),
            Ty::Rec(fs) => self.record(fs.clone().as_slice(), ty, d),
        }
    }

    fn call(&mut self, ty: &Ty, d: usize) -> Option<String> {
        let candidates: Vec<usize> = (0..self.fns.len()).filter(|i| self.fns[*i].ret == *ty).collect();
        if candidates.is_empty() {
            return None;
        }
        let i = *self.rng.pick(&candidates);
        let name = self.fns[i].name.clone();
        let params = self.fns[i].params.clone();
        let named = self.rng.chance(30);
        let mut args = Vec::new();
        for (p, t, default) in &params {
            if default.is_some() && self.rng.chance(50) {
                continue;
            }
            // Recursive templates get small counts, sometimes near the call limit.
            let v =
                if *t == Ty::Int && self.rng.chance(50) { self.rng.range(0, 205).to_string() } else { self.expr(t, d) };
            args.push(if named { format!("{p}: {v}") } else { v });
        }
        if named {
            for i in (1..args.len()).rev() {
                let j = self.rng.below(i + 1);
                args.swap(i, j);
            }
        }
        if self.inject() {
            args.pop();
        }
        Some(format!("{name}({})", args.join(", ")))
    }

    fn int_expr(&mut self, d: usize) -> String {
        match self.rng.below(7) {
            0 => {
                let op = *self.rng.pick(&["+", "-", "*", "/", "%"]);
                let a = self.expr(&Ty::Int, d);
                // Division by a computed zero is an evaluation error: rarely.
                let b = if matches!(op, "/" | "%") && !self.rng.chance(3) {
                    (*self.rng.pick(&["1", "2", "3", "7", "(-4)"])).to_string()
                } else {
                    self.expr(&Ty::Int, d)
                };
                format!("({a} {op} {b})")
            }
            1 => {
                let t = self.rng.pick(&[Ty::ListInt, Ty::ListStr, Ty::Str, Ty::MapStr]).clone();
                format!("len({})", self.expr(&t, d))
            }
            2 => format!("-{}", self.leaf(&Ty::Int)),
            3 => {
                let s = self.expr(&Ty::Int, d);
                let a = self.expr(&Ty::Int, d);
                let b = self.expr(&Ty::Int, d);
                format!("match {s} {{ 1 => {a}, 2 | 3 => {b}, _ => 0 }}")
            }
            4 => {
                let xs = self.expr(&Ty::ListInt, d);
                let n = self.name("v");
                format!("(let {n} = {xs} in if len({n}) > 0 then {n}[len({n}) - 1] else 0)")
            }
            _ => self.leaf(&Ty::Int),
        }
    }

    fn str_expr(&mut self, d: usize) -> String {
        match self.rng.below(8) {
            0 => format!("{} + {}", self.expr(&Ty::Str, d), self.expr(&Ty::Str, d)),
            1 => format!("string({})", self.expr(&Ty::Int, d)),
            2 => format!("string({})", self.expr(&Ty::Bool, d)),
            3 => format!("{}({})", self.rng.pick(&["upper", "lower"]), self.expr(&Ty::Str, d)),
            4 => format!("join({}, {})", self.expr(&Ty::ListStr, d), self.str_lit(0)),
            5 => match self.var(&Ty::MapStr) {
                // `with` on a literal would see a record type, not a map.
                Some(m) => format!("({m} with {{ zz: \"z\" }})[\"zz\"]"),
                None => self.str_lit(d),
            },
            _ => self.str_lit(d),
        }
    }

    fn bool_expr(&mut self, d: usize) -> String {
        match self.rng.below(7) {
            0 => {
                let op = *self.rng.pick(&["<", "<=", ">", ">=", "==", "!="]);
                format!("({} {op} {})", self.expr(&Ty::Int, d), self.expr(&Ty::Int, d))
            }
            1 => format!("({} == {})", self.expr(&Ty::Str, d), self.expr(&Ty::Str, d)),
            2 => {
                let op = *self.rng.pick(&["&&", "||"]);
                format!("({} {op} {})", self.expr(&Ty::Bool, d), self.expr(&Ty::Bool, d))
            }
            3 => format!("!{}", self.leaf(&Ty::Bool)),
            4 => format!("contains({}, {})", self.expr(&Ty::ListStr, d), self.expr(&Ty::Str, d)),
            5 => format!("contains({}, {})", self.expr(&Ty::Str, d), self.str_lit(0)),
            _ => format!("({} == {})", self.expr(&Ty::ListInt, d), self.expr(&Ty::ListInt, d)),
        }
    }

    fn list_int(&mut self, d: usize) -> String {
        match self.rng.below(6) {
            0 => {
                let items: Vec<String> = (0..1 + self.rng.below(4)).map(|_| self.expr(&Ty::Int, d)).collect();
                format!("[{}]", items.join(", "))
            }
            1 => format!("[...{}, {}]", self.expr(&Ty::ListInt, d), self.expr(&Ty::Int, d)),
            2 => format!("{} + {}", self.expr(&Ty::ListInt, d), self.expr(&Ty::ListInt, d)),
            3 => {
                let xs = self.expr(&Ty::ListInt, d);
                let x = self.name("i");
                self.locals.push((x.clone(), Ty::Int));
                let body = self.expr(&Ty::Int, d);
                self.locals.pop();
                format!("[for {x} in {xs}: {body}]")
            }
            4 => {
                let xs = self.expr(&Ty::ListStr, d);
                let (i, x) = (self.name("i"), self.name("s"));
                self.locals.push((i.clone(), Ty::Int));
                self.locals.push((x.clone(), Ty::Str));
                let cond = self.expr(&Ty::Bool, d);
                let body = self.expr(&Ty::Int, d);
                self.locals.truncate(self.locals.len() - 2);
                format!("[for {i}, {x} in {xs} if {cond}: {body}]")
            }
            _ => self.leaf(&Ty::ListInt),
        }
    }

    fn list_str(&mut self, d: usize) -> String {
        match self.rng.below(6) {
            0 => {
                let items: Vec<String> = (0..1 + self.rng.below(4)).map(|_| self.expr(&Ty::Str, d)).collect();
                format!("[{}]", items.join(", "))
            }
            1 => format!("[{}, ...{}]", self.expr(&Ty::Str, d), self.expr(&Ty::ListStr, d)),
            2 => format!("keys({})", self.expr(&Ty::MapStr, d)),
            3 => {
                let xs = self.expr(&Ty::ListInt, d);
                let x = self.name("i");
                self.locals.push((x.clone(), Ty::Int));
                let body = self.expr(&Ty::Str, d);
                self.locals.pop();
                format!("[for {x} in {xs}: {body}]")
            }
            4 => {
                let m = self.expr(&Ty::MapStr, d);
                let (k, v) = (self.name("k"), self.name("s"));
                self.locals.push((k.clone(), Ty::Str));
                self.locals.push((v.clone(), Ty::Str));
                let body = self.expr(&Ty::Str, d);
                self.locals.truncate(self.locals.len() - 2);
                format!("[for {k}, {v} in {m}: {body}]")
            }
            _ => self.leaf(&Ty::ListStr),
        }
    }

    fn map_str(&mut self, d: usize) -> String {
        match self.rng.below(4) {
            0 if !self.vars(&Ty::MapStr).is_empty() => {
                let base = self.var(&Ty::MapStr).unwrap_or_default();
                let v = self.expr(&Ty::Str, d);
                format!("({base} with {{ \"with.key/x\": {v} }})")
            }
            1 => {
                let k = self.expr(&Ty::Str, d);
                let v = self.expr(&Ty::Str, d);
                format!("{{ \"{{{k}}}-k\": {v} }}")
            }
            _ => {
                let mut entries = Vec::new();
                for i in 0..1 + self.rng.below(4) {
                    let key = match self.rng.below(3) {
                        0 => format!("k{i}"),
                        1 => format!("\"app.kubernetes.io/k{i}\""),
                        _ => format!("\"k {i} é\""),
                    };
                    entries.push(format!("{key}: {}", self.expr(&Ty::Str, d)));
                }
                format!("{{ {} }}", entries.join(", "))
            }
        }
    }

    fn record(&mut self, fs: &[(String, Ty)], ty: &Ty, d: usize) -> String {
        if self.rng.chance(30)
            && let Some(base) = self.var(ty)
        {
            let (f, ft) = self.rng.pick(fs).clone();
            let v = self.expr(&ft, d);
            return format!("({base} with {{ {f}: {v} }})");
        }
        let sep = if self.rng.chance(50) { ", " } else { "\n  " };
        let fields: Vec<String> = fs.iter().map(|(f, t)| format!("{f}: {}", self.expr(t, d))).collect();
        format!("{{ {} }}", fields.join(sep))
    }

    fn overrides(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        let envs = self.envs.clone();
        for (i, e) in envs.iter().enumerate().skip(1) {
            if !self.rng.chance(40) {
                continue;
            }
            let mut lines = Vec::new();
            let mut done = Vec::new();
            for _ in 0..1 + self.rng.below(3) {
                if self.lets.is_empty() {
                    break;
                }
                let k = self.rng.below(self.lets.len());
                if done.contains(&k) && !self.ill {
                    continue;
                }
                done.push(k);
                let (name, ty) = self.lets[k].clone();
                // Only earlier declarations, so an override never makes a cycle.
                let saved = self.lets.split_off(k);
                let line = match &ty {
                    Ty::Rec(fs) if self.rng.chance(50) => {
                        let (f, ft) = self.rng.pick(fs).clone();
                        format!("{name}.{f} = {}", self.expr(&ft, 2))
                    }
                    _ => format!("{name} = {}", self.expr(&ty, 2)),
                };
                self.lets.extend(saved);
                lines.push(line);
            }
            let targets =
                if i + 1 < envs.len() && self.rng.chance(30) { format!("{e}, {}", envs[i + 1]) } else { e.to_string() };
            out.push(format!("in {targets} {{\n  {}\n}}", lines.join("\n  ")));
        }
        out
    }

    /// One stress feature: declarations, and the `let`s the component must use.
    fn stress(&mut self) -> (Vec<String>, Vec<(String, Ty)>) {
        let s = self.opts.scale.max(1);
        let mut decls = Vec::new();
        let mut used = Vec::new();
        match self.rng.below(11) {
            0 => {
                let n = self.rng.range(10, 60 * s);
                decls.push("let chain0 = 1".to_string());
                for i in 1..=n {
                    decls.push(format!("let chain{i} = chain{} + 1", i - 1));
                }
                used.push((format!("chain{n}"), Ty::Int));
            }
            1 => {
                let depth = self.rng.range(5, 14 * s);
                let value = format!("{}1{}", "{ a: ".repeat(depth), " }".repeat(depth));
                decls.push(format!("let deep = {value}"));
                decls.push(format!("let deep_leaf = deep{}", ".a".repeat(depth)));
                used.push(("deep_leaf".into(), Ty::Int));
            }
            2 => {
                let depth = self.rng.range(5, 14 * s);
                decls.push(format!("let parens = {}1{}", "(".repeat(depth), " + 1)".repeat(depth)));
                used.push(("parens".into(), Ty::Int));
            }
            3 => {
                let n = self.rng.range(10, 500 * s);
                let items: Vec<String> = (0..n).map(|i| i.to_string()).collect();
                decls.push(format!("let big_list = [{}]", items.join(", ")));
                decls.push("let big_sum = len([for i, x in big_list if i % 2 == 0: x * 2])".into());
                used.push(("big_list".into(), Ty::ListInt));
                used.push(("big_sum".into(), Ty::Int));
            }
            4 => {
                let n = self.rng.range(100, 8000 * s);
                let unit = *self.rng.pick(UNICODE);
                let text: String = (0..n).map(|i| if i % 7 == 0 { unit } else { "a" }).collect();
                decls.push(format!("let big_string = \"{text}\""));
                used.push(("big_string".into(), Ty::Str));
            }
            5 => {
                // A long name, used misspelled: the "did you mean" search must stay cheap.
                let n = self.rng.range(100, 10_000 * s);
                let long = format!("n{}", "a".repeat(n));
                decls.push(format!("let {long} = 1"));
                decls.push(format!("let misspelled = {long}b"));
            }
            6 => {
                let n = self.rng.range(150, 260);
                decls.push(format!(
                    "fn down(n: Int) -> Int = if n <= 0 then 0 else 1 + down(n - 1)\nlet deep_call = down({n})"
                ));
                used.push(("deep_call".into(), Ty::Int));
            }
            7 => {
                let n = self.rng.range(5, 20 * s);
                decls.push(format!(
                    "fn dbl(s: String, n: Int) -> String = if n <= 0 then s else dbl(s + s, n - 1)\nlet doubled = len(dbl(\"ab\", {n}))"
                ));
                used.push(("doubled".into(), Ty::Int));
            }
            8 => {
                let n = self.rng.range(5, 40 * s);
                decls.push(format!(
                    "let grid = len([for a in [for i in [{}]: i]: len([for b in [{}]: a * b])])",
                    (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join(", "),
                    (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
                ));
                used.push(("grid".into(), Ty::Int));
            }
            9 => {
                // An error far right on a long line.
                let n = self.rng.range(100, 9000 * s);
                decls.push(format!("let long_line = \"{}\" + missing_name", " ".repeat(n)));
            }
            _ => {
                let n = self.rng.range(20, 200 * s);
                for i in 0..n {
                    decls.push(format!("let many{i} = \"{i}\""));
                    used.push((format!("many{i}"), Ty::Str));
                }
            }
        }
        (decls, used)
    }

    /// The text a value of type `ty` named `name` becomes in a ConfigMap.
    fn as_text(name: &str, ty: &Ty) -> Option<String> {
        Some(match ty {
            Ty::Int | Ty::Bool => format!("string({name})"),
            Ty::Str => name.to_string(),
            Ty::ListInt => format!("join([for v in {name}: string(v)], \",\")"),
            Ty::ListStr => format!("join({name}, \",\")"),
            Ty::MapStr => format!("join([for k, v in {name}: \"{{k}}={{v}}\"], \";\")"),
            Ty::Rec(_) => return None,
        })
    }

    fn component(&mut self, uses: &[(String, Ty)]) -> String {
        let mut data = Vec::new();
        let mut spec = Vec::new();
        for (name, ty) in uses {
            if let Some(t) = Self::as_text(name, ty) {
                data.push(format!("{name}: {t}"));
            }
            spec.push(format!("{name}: {name}"));
        }
        let envs =
            if self.rng.chance(15) { format!("\n  envs: [{}]", self.envs[..1].join(", ")) } else { String::new() };
        let labels = if self.rng.chance(15) { "\n  labels: { \"fuzz.cedc.dev/x\": \"y\" }" } else { "" };
        let deployment = match self.vars(&Ty::Int).first() {
            Some(n) if self.rng.chance(20) => {
                format!("\n    k8s.deployment(\"web\", image: \"nginx:1.27\", replicas: {n}),")
            }
            _ => String::new(),
        };
        format!(
            "component fuzz {{\n  namespace: \"fuzz\"{envs}{labels}\n  objects: [\n    k8s.config_map(\"values\", data: {{\n      {}\n    }}),\n    {{\n      apiVersion: \"fuzz.cedc.dev/v1\"\n      kind: \"Blob\"\n      metadata: {{ name: \"blob\" }}\n      spec: {{\n        {}\n      }}\n    }},{deployment}\n  ]\n}}",
            data.join("\n      "),
            spec.join("\n        ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_deterministic_and_parse() {
        let opts = Options::default();
        for i in 0..200 {
            let a = program(&mut Rng::for_input(1, i), &opts);
            let b = program(&mut Rng::for_input(1, i), &opts);
            assert_eq!(a, b);
            if let Err(d) = cedc_syntax::parse(cedc_diagnostics::FileId(0), &a) {
                panic!("program {i} does not parse: {}\n{a}", d.message);
            }
        }
    }
}
