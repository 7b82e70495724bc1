//! The fast parser (`compiler/syntax/src/fast.rs`) against pest, which defines the
//! language: on every `.ced` file of the repository and every ```ced block of the docs,
//! then on thousands of mutations of them. Wherever the fast parser accepts an input,
//! pest must accept it too and build the very same module (items, comments, docs,
//! spans); on the real files it must accept everything pest accepts. (Here rather than
//! in the syntax crate for the fuzzer's generator, `cedc_fuzz::rng`.)

use cedc_diagnostics::FileId;
use cedc_fuzz::rng::Rng;
use cedc_syntax::ast::Module;
use cedc_syntax::{
    __on_parser_stack as on_parser_stack, __parse_fast as parse_fast, __parse_with_pest as parse_with_pest,
};
use std::path::{Path, PathBuf};

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.ced` file under the standard library, the examples and the compiler (test
/// fixtures), and every ```ced block of `docs/*.md`: `(name, text)`, sorted by name.
fn corpus() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = ["stdlib", "examples", "compiler"].iter().map(|d| root().join(d)).collect();
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for path in entries.flatten().map(|e| e.path()) {
            if path.is_dir() && !path.ends_with("target") {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "ced")
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                out.push((path.display().to_string(), text));
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir(root().join("docs")) {
        for path in entries.flatten().map(|e| e.path()) {
            if path.extension().is_some_and(|x| x == "md")
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                out.extend(ced_blocks(&text).into_iter().map(|(line, b)| (format!("{}:{line}", path.display()), b)));
            }
        }
    }
    out.sort();
    out
}

/// The ```ced blocks of a Markdown text, with the line each starts on.
fn ced_blocks(text: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    let mut in_other = false;
    for (i, line) in text.lines().enumerate() {
        let fence = line.trim_start().strip_prefix("```");
        match (fence, current.as_mut()) {
            (Some(_), Some(_)) => blocks.extend(current.take()),
            (None, Some((_, body))) => {
                body.push_str(line);
                body.push('\n');
            }
            (Some(info), None) if !in_other && info.split_whitespace().next() == Some("ced") => {
                current = Some((i + 2, String::new()));
            }
            (Some(_), None) => in_other = !in_other,
            (None, None) => {}
        }
    }
    blocks
}

/// Where the debug forms of two modules first differ, with some context.
fn first_difference(a: &Module, b: &Module) -> String {
    let (a, b) = (format!("{a:?}"), format!("{b:?}"));
    let at = a.bytes().zip(b.bytes()).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
    let window = |s: &str| s.get(at.saturating_sub(300)..(at + 200).min(s.len())).unwrap_or_default().to_string();
    format!("fast:\n{}\npest:\n{}", window(&a), window(&b))
}

/// What the two parsers made of one input.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// Both accept it, with the same module.
    Same,
    /// Pest accepts it; the fast parser gives up.
    FastGaveUp,
    /// Pest rejects it (and so does the fast parser).
    Rejected,
}

/// Both parsers on `text`; panics where the fast parser accepts what pest rejects or
/// builds another module. Runs on the caller's thread (see [`on_parser_stack`]).
fn compare(name: &str, text: &str) -> Outcome {
    let fast = parse_fast(FileId(0), text);
    match (fast, parse_with_pest(FileId(0), text)) {
        (Some(f), Ok(p)) => {
            assert!(f == p, "{name}: the fast parser's module differs from pest's\n{}\n--- input:\n{text}", {
                first_difference(&f, &p)
            });
            Outcome::Same
        }
        (Some(_), Err(d)) => panic!("{name}: the fast parser accepts what pest rejects ({d:?})\n--- input:\n{text}"),
        (None, Ok(_)) => Outcome::FastGaveUp,
        (None, Err(_)) => Outcome::Rejected,
    }
}

#[test]
fn the_fast_parser_builds_pest_s_module_for_every_file_of_the_repository() {
    assert!(on_parser_stack(every_file_of_the_repository).is_some(), "failed (see the panic above)");
}

fn every_file_of_the_repository() {
    let corpus = corpus();
    assert!(corpus.len() > 300, "files and blocks: {}", corpus.len());
    let mut gave_up = Vec::new();
    let mut same = 0;
    for (name, text) in &corpus {
        match compare(name, text) {
            Outcome::Same => same += 1,
            Outcome::FastGaveUp => gave_up.push(name.as_str()),
            Outcome::Rejected => {}
        }
    }
    assert!(gave_up.is_empty(), "the fast parser gave up on {} inputs pest accepts: {gave_up:#?}", gave_up.len());
    assert!(same > 300, "inputs both accepted: {same}");
}

/// `text` cut into tokens: runs of name characters, of digits, of whitespace, and
/// single other characters (a string or a comment spans several tokens, which is
/// what the mutations should break too).
fn tokens(text: &str) -> Vec<&str> {
    let class = |c: char| match c {
        c if c.is_ascii_alphanumeric() || c == '_' || c == '-' => 0,
        c if c.is_whitespace() => 1,
        _ => 2,
    };
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<u8> = None;
    for (i, c) in text.char_indices() {
        let k = class(c);
        if i > start && (k == 2 || prev != Some(k)) {
            out.push(&text[start..i]);
            start = i;
        }
        prev = Some(k);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// What mutations insert: separators, operators, keywords, brackets, comments.
const INSERTS: &[&str] = &[
    " ",
    "\n",
    "\t",
    "// c\n",
    "/// d\n",
    "//\n",
    ",",
    ":",
    ".",
    "..",
    "...",
    "=",
    "==",
    "=>",
    "-",
    " - ",
    "!",
    "?",
    "??",
    "|",
    "||",
    "&&",
    "<",
    ">",
    "<=",
    "+",
    "*",
    "/",
    "%",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "\"\"\"",
    "\\",
    "\\n",
    "\\u{e9}",
    "{x}",
    "with",
    " with ",
    "in",
    "let",
    "if",
    "then",
    "else",
    "else if",
    "for",
    "match",
    "none",
    "true",
    "env",
    "_",
    "x",
    "a-b",
    "0",
    "12",
    "9999999999999999999",
    "\u{FEFF}",
    "é",
    "type",
    "fn",
    "component",
];

/// `text` with one random change to its tokens.
fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut toks: Vec<String> = tokens(text).into_iter().map(String::from).collect();
    if toks.is_empty() {
        return rng.pick(INSERTS).to_string();
    }
    let i = rng.below(toks.len());
    match rng.below(8) {
        0 => {
            toks.remove(i);
        }
        1 => {
            let t = toks[i].clone();
            toks.insert(i, t);
        }
        2 if i + 1 < toks.len() => toks.swap(i, i + 1),
        3 => {
            let j = rng.below(toks.len());
            toks[i] = toks[j].clone();
        }
        4 => {
            // Drop one character of the token.
            let t = &toks[i];
            let cut = t.char_indices().nth(rng.below(t.chars().count())).map_or(0, |(k, _)| k);
            let mut s = t.clone();
            s.remove(cut);
            toks[i] = s;
        }
        5 => toks.insert(i, rng.pick(&[" ", "\n", "// c\n", "/// doc\n", "  // x\n  ", "\r\n"]).to_string()),
        _ => toks.insert(i, rng.pick(INSERTS).to_string()),
    }
    toks.concat()
}

/// Sources to mutate: the corpus' small inputs whole, and runs of one to three
/// declarations of its large ones (cut at lines that start a declaration).
fn seeds(corpus: &[(String, String)], rng: &mut Rng) -> Vec<String> {
    let mut seeds = Vec::new();
    for (_, text) in corpus {
        if text.len() <= 1200 {
            seeds.push(text.clone());
            continue;
        }
        let starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .filter(|&i| {
                ["let ", "fn ", "type ", "component ", "env ", "in ", "import "]
                    .iter()
                    .any(|k| text[i..].starts_with(k))
            })
            .collect();
        for _ in 0..4 {
            if starts.len() < 2 {
                break;
            }
            let a = rng.below(starts.len() - 1);
            let b = (a + 1 + rng.below(3)).min(starts.len() - 1);
            if starts[b] - starts[a] <= 1500 {
                seeds.push(text[starts[a]..starts[b]].to_string());
            }
        }
    }
    seeds
}

#[test]
fn on_mutated_inputs_the_fast_parser_accepts_only_what_pest_accepts_and_builds_the_same() {
    assert!(on_parser_stack(mutated_inputs).is_some(), "failed (see the panic above)");
}

fn mutated_inputs() {
    let corpus = corpus();
    let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
    let seeds = seeds(&corpus, &mut rng);
    assert!(seeds.len() > 300, "seeds: {}", seeds.len());
    let (mut accepted, mut gave_up, mut rejected) = (0usize, 0usize, 0usize);
    let mut gave_up_on = Vec::new();
    for round in 0..4000 {
        let seed = &seeds[rng.below(seeds.len())];
        let mut text = mutate(&mut rng, seed);
        for _ in 0..rng.below(3) {
            text = mutate(&mut rng, &text);
        }
        match compare(&format!("mutation {round}"), &text) {
            Outcome::Same => accepted += 1,
            Outcome::FastGaveUp => {
                gave_up += 1;
                if gave_up_on.len() < 5 {
                    gave_up_on.push(text);
                }
            }
            Outcome::Rejected => rejected += 1,
        }
    }
    let pest_accepted = accepted + gave_up;
    println!("mutations: pest accepted {pest_accepted} (the fast parser gave up on {gave_up}), rejected {rejected}");
    for t in &gave_up_on {
        println!("--- the fast parser gave up on:\n{t}");
    }
    assert!(pest_accepted > 1000, "too few mutations parse to test anything: {pest_accepted}");
    assert!(rejected > 500, "too few mutations are syntax errors: {rejected}");
    assert!(gave_up * 100 <= pest_accepted, "the fast parser gave up on {gave_up} of {pest_accepted} accepted inputs");
}
