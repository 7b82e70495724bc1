//! Parse `.ced` files, and the ```ced blocks of Markdown files, and print syntax
//! diagnostics. Exit 1 if anything fails to parse as expected.
//!
//!     cargo run -q -p cedc_syntax --example parse_check -- FILE...
//!
//! In a `.md` file, every block tagged `ced` must parse; a block tagged
//! `ced error=E0001` (or E0003, E0004: the codes the parser reports) must fail with
//! that code. Blocks expecting any other code must parse: their error comes later.

use cedc_diagnostics::{FileId, Files};
use cedc_syntax::parse;

const PARSER_CODES: &[&str] = &["E0001", "E0003", "E0004"];

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: parse_check FILE...");
        std::process::exit(2);
    }
    let mut files = Files::new();
    let mut failed = 0;
    let mut checked = 0;
    for path in &paths {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{path}: {e}");
                std::process::exit(2);
            }
        };
        let units = if path.ends_with(".md") { ced_blocks(path, &text) } else { vec![(path.clone(), text, None)] };
        for (name, source, expected) in units {
            checked += 1;
            let id: FileId = files.add(name.clone(), source.clone());
            let expected = expected.filter(|c| PARSER_CODES.contains(&c.as_str()));
            match (parse(id, &source), expected) {
                (Ok(_), None) => {}
                (Ok(_), Some(code)) => {
                    failed += 1;
                    eprintln!("{name}: parsed, but the block expects {code}");
                }
                (Err(d), Some(code)) if d.code == code => {}
                (Err(d), _) => {
                    failed += 1;
                    eprint!("{}", d.render(&files, false));
                }
            }
        }
    }
    eprintln!("parse_check: {checked} checked, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}

/// The ```ced blocks of a Markdown file: `(name, source, expected error code)`, the
/// name being `file.md:LINE` of the block's first line.
fn ced_blocks(path: &str, text: &str) -> Vec<(String, String, Option<String>)> {
    enum State {
        Outside,
        Ced(usize, String, Option<String>),
        Other,
    }
    let mut out = Vec::new();
    let mut state = State::Outside;
    for (i, line) in text.lines().enumerate() {
        let fence = line.trim_start().strip_prefix("```");
        state = match (state, fence) {
            (State::Outside, Some(info)) => {
                let mut words = info.split_whitespace();
                if words.next() == Some("ced") {
                    let code = words.find_map(|w| w.strip_prefix("error="));
                    State::Ced(i + 2, String::new(), code.map(String::from))
                } else {
                    State::Other
                }
            }
            (State::Ced(start, body, code), Some(_)) => {
                out.push((format!("{path}:{start}"), body, code));
                State::Outside
            }
            (State::Ced(start, mut body, code), None) => {
                body.push_str(line);
                body.push('\n');
                State::Ced(start, body, code)
            }
            (State::Other, Some(_)) => State::Outside,
            (s, _) => s,
        };
    }
    out
}
