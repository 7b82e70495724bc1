//! Mutators: byte-level (delete, duplicate, insert, flip, replace, swap, truncate) and
//! token-level (delete, duplicate, swap, insert or repeat tokens, splice two files) edits
//! of a `.ced` file. Every mutation is a function of the [`Rng`] and its inputs, and the
//! result never exceeds [`MAX_LEN`] bytes.

use crate::rng::Rng;
use cedc_syntax::KEYWORDS;

/// Largest mutant produced.
pub const MAX_LEN: usize = 512 * 1024;

/// A keyword, a punctuation mark or an operator, at random.
fn dictionary_word(rng: &mut Rng) -> &'static str {
    let n = rng.below(KEYWORDS.len() + PUNCTUATION.len());
    KEYWORDS.get(n).copied().unwrap_or_else(|| PUNCTUATION[n - KEYWORDS.len()])
}

/// Punctuation and operators a token mutation may insert (keywords come from
/// `cedc_syntax::KEYWORDS`).
const PUNCTUATION: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ".",
    "..",
    "...",
    "=",
    "=>",
    "->",
    "?",
    "??",
    "|",
    "||",
    "&&",
    "!",
    "-",
    "+",
    "*",
    "/",
    "%",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "\"",
    "\"\"\"",
    "//",
    "///",
    "\n",
    "\r\n",
    "\t",
    " ",
    "\\u{",
    "\\u{110000}",
    "\\u{D800}",
    "{x}",
    "\\",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "0",
    "_",
    "env.name",
    "\"std/k8s\"",
    "\"./x\"",
    "\"../x\"",
    "Int",
    "String",
    "Map<",
    "List<",
    "Any",
    "Object",
    "Component",
    "prod",
    "staging",
    "x-",
    "é",
    "🦀",
    "\u{feff}",
    "\u{0}",
    "\u{202e}",
];

/// Interesting single bytes (including invalid UTF-8).
const BYTES: &[u8] = b"\x00\xff\xc3\xe2\x80{}[]()\"\\\n\r\t ,:.=-_aZ09";

/// Apply 1 to 4 random mutations to `input`; `other` is another file for splicing.
pub fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let next = if rng.chance(50) { byte_mutation(rng, &out, other) } else { token_mutation(rng, &out, other) };
        if next.len() <= MAX_LEN {
            out = next;
        }
    }
    out
}

fn span(rng: &mut Rng, len: usize, max: usize) -> (usize, usize) {
    let start = rng.below(len + 1);
    let n = rng.range(1, max).min(len - start);
    (start, start + n)
}

pub fn byte_mutation(rng: &mut Rng, b: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = b.to_vec();
    let len = v.len();
    match rng.below(8) {
        0 => {
            let (s, e) = span(rng, len, 16);
            v.drain(s..e);
        }
        1 => {
            let (s, e) = span(rng, len, 64);
            let chunk = v[s..e].to_vec();
            let at = rng.below(len + 1);
            v.splice(at..at, chunk);
        }
        2 => {
            let at = rng.below(len + 1);
            let n = rng.range(1, 4);
            let bytes: Vec<u8> = (0..n).map(|_| *rng.pick(BYTES)).collect();
            v.splice(at..at, bytes);
        }
        3 if len > 0 => {
            let i = rng.below(len);
            v[i] ^= 1 << rng.below(8);
        }
        4 if len > 0 => {
            let i = rng.below(len);
            v[i] = *rng.pick(BYTES);
        }
        5 if len > 1 => {
            let (a, b2) = (rng.below(len), rng.below(len));
            v.swap(a, b2);
        }
        6 => v.truncate(rng.below(len + 1)),
        _ => {
            // Splice: a prefix of this file, a suffix of the other.
            let at = rng.below(len + 1);
            let from = rng.below(other.len() + 1);
            v.truncate(at);
            v.extend_from_slice(&other[from..]);
        }
    }
    v
}

/// Byte ranges of rough tokens: identifiers and numbers, runs of whitespace, known
/// multi-character operators, and single other characters (UTF-8 sequences whole).
pub fn tokens(b: &[u8]) -> Vec<(usize, usize)> {
    const OPS: &[&[u8]] =
        &[b"\"\"\"", b"...", b"///", b"..", b"=>", b"->", b"==", b"!=", b"<=", b">=", b"&&", b"||", b"??", b"//"];
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let mut j = i + 1;
        if word(c) {
            while j < b.len() && word(b[j]) {
                j += 1;
            }
        } else if c.is_ascii_whitespace() {
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
        } else if let Some(op) = OPS.iter().find(|op| b[i..].starts_with(op)) {
            j = i + op.len();
        } else if c >= 0x80 {
            while j < b.len() && (b[j] & 0xc0) == 0x80 {
                j += 1;
            }
        }
        out.push((i, j));
        i = j;
    }
    out
}

pub fn token_mutation(rng: &mut Rng, b: &[u8], other: &[u8]) -> Vec<u8> {
    let toks = tokens(b);
    if toks.is_empty() {
        return dictionary_word(rng).as_bytes().to_vec();
    }
    let pick = |rng: &mut Rng| toks[rng.below(toks.len())];
    let mut v = b.to_vec();
    match rng.below(7) {
        0 => {
            let (s, _) = pick(rng);
            let n = rng.range(1, 3);
            let k = toks.iter().position(|t| t.0 == s).unwrap_or(0);
            let e = toks[(k + n - 1).min(toks.len() - 1)].1;
            v.drain(s..e);
        }
        1 => {
            let (s, e) = pick(rng);
            let chunk = v[s..e].to_vec();
            v.splice(s..s, chunk);
        }
        2 => {
            let (mut x, mut y) = (pick(rng), pick(rng));
            if x.0 > y.0 {
                std::mem::swap(&mut x, &mut y);
            }
            if x.1 <= y.0 {
                let mut out = v[..x.0].to_vec();
                out.extend_from_slice(&b[y.0..y.1]);
                out.extend_from_slice(&b[x.1..y.0]);
                out.extend_from_slice(&b[x.0..x.1]);
                out.extend_from_slice(&b[y.1..]);
                v = out;
            }
        }
        3 => {
            let (s, _) = pick(rng);
            let word = dictionary_word(rng);
            let sep = if rng.chance(50) { " " } else { "" };
            v.splice(s..s, format!("{sep}{word}{sep}").into_bytes());
        }
        4 => {
            let (s, e) = pick(rng);
            let replacement = match tokens(other).get(rng.below(tokens(other).len().max(1))) {
                Some(&(os, oe)) if rng.chance(50) => other[os..oe].to_vec(),
                _ => dictionary_word(rng).as_bytes().to_vec(),
            };
            v.splice(s..e, replacement);
        }
        5 => {
            // Repeat a token (or a few) many times: nesting, long names, long lines.
            let (s, e) = pick(rng);
            let times = *rng.pick(&[2usize, 10, 100, 130, 600, 5000]);
            let chunk = b[s..e].repeat(times.min(MAX_LEN / (e - s).max(1)));
            v.splice(s..e, chunk);
        }
        _ => {
            // Replace one token by a token of the same file elsewhere.
            let (s, e) = pick(rng);
            let (os, oe) = pick(rng);
            let chunk = b[os..oe].to_vec();
            v.splice(s..e, chunk);
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_cover_the_input() {
        let src = "let a-b = \"x{y}\" // c\n... é";
        let toks = tokens(src.as_bytes());
        let joined: Vec<u8> = toks.iter().flat_map(|&(s, e)| src.as_bytes()[s..e].to_vec()).collect();
        assert_eq!(joined, src.as_bytes());
        assert!(toks.iter().any(|&(s, e)| &src[s..e] == "a-b"));
        assert!(toks.iter().any(|&(s, e)| &src[s..e] == "é"));
    }

    #[test]
    fn mutation_is_deterministic_and_bounded() {
        let src = b"env prod {}\nlet x = [1, 2, 3]\n";
        for i in 0..500 {
            let a = mutate(&mut Rng::new(i), src, b"let y = 2");
            let b = mutate(&mut Rng::new(i), src, b"let y = 2");
            assert_eq!(a, b);
            assert!(a.len() <= MAX_LEN);
        }
    }
}
