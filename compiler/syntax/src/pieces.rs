//! Where a long file may be cut into pieces that parse on their own, so that the pieces
//! of one file are parsed on several cores (`parser::parse`).
//!
//! A cut is at the start of a line that begins, in its first column, with the keyword of
//! a declaration (`component`, `fn`, `let`, …): the blank and comment lines above it end
//! the piece before, as they end the declaration before in a whole parse (its span runs
//! up to the next declaration), and the piece after is given the `///` lines among them
//! ([`docs_above`]), which document its first declaration. Invariant: cuts are only
//! proposals. A cut that is not between two declarations (a
//! line of a `"""` string, say) leaves a piece that does not parse; the parser then
//! parses the whole file as one, so a file's syntax tree and its diagnostics never
//! depend on where it was cut, or whether it was.

/// What a declaration starts with, followed by a space.
const KEYWORDS: [&str; 8] = ["component ", "composite ", "env ", "fn ", "import ", "let ", "override ", "type "];

/// Up to `pieces - 1` cuts of `text`, in increasing order, each at about an equal share
/// of its length (fewer when fewer lines qualify).
pub fn cuts(text: &str, pieces: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = Vec::new();
    let mut from = 0;
    for i in 1..pieces {
        let Some((cut, line)) = declaration_from(text, from.max(text.len() * i / pieces)) else { break };
        if cut > cuts.last().copied().unwrap_or(0) {
            cuts.push(cut);
        }
        from = line + 1;
    }
    cuts
}

/// The first line starting at or after byte `from` that starts a declaration (and has
/// no `///` comment ending a line of code above its comments, which would document it):
/// where to cut, the start of that line, twice.
fn declaration_from(text: &str, from: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut at = match from {
        0 => 0,
        _ => from + newline(bytes.get(from - 1..)?)?,
    };
    while at < bytes.len() {
        if KEYWORDS.iter().any(|k| text[at..].starts_with(k)) && !documented_from_code(text, above(text, at)) {
            return Some((at, at));
        }
        at += newline(&bytes[at..])? + 1;
    }
    None
}

/// The start of the run of blank and comment lines directly above the line at `at`.
fn above(text: &str, mut at: usize) -> usize {
    while at > 0 {
        let line_start = text[..at - 1].rfind('\n').map_or(0, |i| i + 1);
        let line = text[line_start..at - 1].trim();
        if !(line.is_empty() || line.starts_with("//")) {
            break;
        }
        at = line_start;
    }
    at
}

/// Whether the line that ends before `at` holds a `///` (after code: a line that is
/// only a comment is not the line before the run [`above`] gives).
fn documented_from_code(text: &str, at: usize) -> bool {
    at > 0 && text[..at - 1].rsplit('\n').next().is_some_and(|line| line.contains("///"))
}

/// The `///` comments among the blank and comment lines directly above the line at
/// `at`, as byte ranges (from the slashes to the end of the line).
pub fn docs_above(text: &str, at: usize) -> Vec<std::ops::Range<usize>> {
    let mut docs = Vec::new();
    let mut start = above(text, at);
    while start < at {
        let end = start + newline(&text.as_bytes()[start..at]).unwrap_or(at - start);
        let line = &text[start..end];
        let indent = line.len() - line.trim_start().len();
        if line[indent..].starts_with("///") {
            docs.push(start + indent..end);
        }
        start = end + 1;
    }
    docs
}

/// Where the first `\n` of `bytes` is.
fn newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

#[cfg(test)]
mod tests {
    use super::{cuts, docs_above};

    #[test]
    fn cuts_fall_at_declarations_and_the_docs_above_them_are_found() {
        let text = "let a = 1\n\n/// The web app.\n// (not a doc)\n  /// Serves.\ncomponent web {\n  namespace: \"web\"\n}\n\nfn f(x: Int) -> Int =\n  x\nlet b = 2 /// b's doc\nlet c = 3\n";
        let all = cuts(text, text.len());
        let starts: Vec<&str> = all.iter().map(|&c| text[c..].lines().next().unwrap_or("")).collect();
        // Not `let c`: the `///` after `let b = 2` documents it.
        assert_eq!(starts, vec!["component web {", "fn f(x: Int) -> Int =", "let b = 2 /// b's doc"], "{all:?}");
        let docs: Vec<&str> = docs_above(text, all[0]).into_iter().map(|r| &text[r]).collect();
        assert_eq!(docs, vec!["/// The web app.", "/// Serves."]);
        assert!(docs_above(text, all[1]).is_empty());
    }

    #[test]
    fn no_cut_without_a_declaration_line() {
        assert!(cuts("let a = [\n  1,\n  2,\n]\n", 4).is_empty());
        assert!(cuts("", 4).is_empty());
    }
}
