//! A compact Wadler/Prettier-style document printer.
//!
//! A [`Doc`] describes text with optional line breaks; [`print`] lays it out in a given
//! width. A `Group` is printed flat (every `Line` a space, every `Softline` nothing) when
//! it fits in what is left of the line — counting the text that follows it up to the
//! next possible break — and broken (every `Line` a newline) otherwise. A group holding
//! a hard break (`Hard`, a comment, multi-line text) is always broken, and so are the
//! groups around it.
//!
//! Why not the `pretty` crate: the formatter needs three things that crate does not
//! offer as such — line comments that end the line wherever they land (`Comment`),
//! "newline unless at the start of a line" (`FreshLine`) for comments on their own
//! line, and verbatim multi-line text (`"""` strings) that must not be re-indented —
//! and it must print documents as deep as the deepest input the parser accepts. Both
//! `print` and its `fits` check use explicit stacks, never recursion, and the whole
//! printer is about 150 lines with no dependency.

/// Spaces per indentation level.
pub(crate) const INDENT: usize = 2;

#[derive(Debug)]
pub(crate) enum Doc {
    Nil,
    /// Text printed as is. Verbatim source (strings) may hold newlines; such text is a
    /// hard break for the groups around it, and its lines are never re-indented.
    Text(String),
    /// A space when flat, a newline when broken.
    Line,
    /// Nothing when flat, a newline when broken.
    Softline,
    /// Always a newline.
    Hard,
    /// A newline, unless nothing but indentation is on the current line yet.
    FreshLine,
    /// A line comment: printed after a space (unless at the start of a line), and
    /// whatever follows it goes to the next line.
    Comment(String),
    /// `.0` when the enclosing group is broken, `.1` when it is flat.
    IfBreak(&'static str, &'static str),
    Indent(Box<Doc>),
    /// Contents, and whether the group must break (it holds a hard break).
    Group(Box<Doc>, bool),
    Concat(Vec<Doc>),
}

pub(crate) fn text(s: impl Into<String>) -> Doc {
    Doc::Text(s.into())
}

pub(crate) fn concat(parts: Vec<Doc>) -> Doc {
    Doc::Concat(parts)
}

pub(crate) fn indent(d: Doc) -> Doc {
    Doc::Indent(Box::new(d))
}

pub(crate) fn group(d: Doc) -> Doc {
    group_forced(d, false)
}

/// A group that breaks when `force` or when its contents hold a hard break.
pub(crate) fn group_forced(d: Doc, force: bool) -> Doc {
    let broken = force || d.breaks();
    Doc::Group(Box::new(d), broken)
}

impl Doc {
    /// Whether printing this document certainly produces a newline. Stops at nested
    /// groups (whose flag was computed when they were built), so building a document
    /// costs time linear in its size.
    fn breaks(&self) -> bool {
        match self {
            Doc::Hard | Doc::FreshLine | Doc::Comment(_) => true,
            Doc::Text(s) => s.contains('\n'),
            Doc::Group(_, b) => *b,
            Doc::Indent(d) => d.breaks(),
            Doc::Concat(v) => v.iter().any(Doc::breaks),
            Doc::Nil | Doc::Line | Doc::Softline | Doc::IfBreak(..) => false,
        }
    }
}

struct Printer {
    out: String,
    /// Characters on the current line.
    col: usize,
    /// Whether the current line holds more than indentation.
    content: bool,
    /// A line comment was printed: the next text starts a new line.
    need_newline: bool,
}

impl Printer {
    fn newline(&mut self, indent: usize) {
        while self.out.ends_with(' ') {
            self.out.pop();
        }
        self.out.push('\n');
        self.out.extend(std::iter::repeat_n(' ', indent));
        self.col = indent;
        self.content = false;
        self.need_newline = false;
    }

    fn text(&mut self, s: &str, indent: usize) {
        let mut s = s;
        if self.need_newline && !s.is_empty() {
            self.newline(indent);
            s = s.trim_start_matches(' ');
        }
        if s.is_empty() {
            return;
        }
        self.out.push_str(s);
        match s.rfind('\n') {
            Some(i) => self.col = s[i + 1..].chars().count(),
            None => self.col += s.chars().count(),
        }
        self.content = true;
    }

    fn comment(&mut self, c: &str, indent: usize) {
        if self.need_newline {
            self.newline(indent);
        }
        if self.content && !self.out.ends_with(' ') {
            self.out.push(' ');
            self.col += 1;
        }
        self.out.push_str(c);
        self.col += c.chars().count();
        self.content = true;
        self.need_newline = true;
    }
}

/// Lay `doc` out in `width` columns.
pub(crate) fn print(doc: &Doc, width: usize) -> String {
    let mut p = Printer { out: String::new(), col: 0, content: false, need_newline: false };
    // (indentation, flat, document), the next to print on top.
    let mut stack: Vec<(usize, bool, &Doc)> = vec![(0, false, doc)];
    while let Some((ind, flat, d)) = stack.pop() {
        match d {
            Doc::Nil => {}
            Doc::Text(s) => p.text(s, ind),
            Doc::Line if flat => {
                if !p.need_newline {
                    p.text(" ", ind);
                }
            }
            Doc::Softline if flat => {}
            Doc::Line | Doc::Softline | Doc::Hard => p.newline(ind),
            Doc::FreshLine => {
                if p.content {
                    p.newline(ind);
                }
            }
            Doc::Comment(c) => p.comment(c, ind),
            Doc::IfBreak(broken, flat_text) => p.text(if flat { flat_text } else { broken }, ind),
            Doc::Indent(inner) => stack.push((ind + INDENT, flat, inner)),
            Doc::Group(inner, forced) => {
                let rem = width as isize - p.col as isize;
                let flat = !forced && (flat || fits(inner, &stack, rem));
                stack.push((ind, flat, inner));
            }
            Doc::Concat(parts) => stack.extend(parts.iter().rev().map(|x| (ind, flat, x))),
        }
    }
    p.out
}

/// Whether `first`, printed flat, and what follows it up to the next line break fit in
/// `rem` columns. `rest` is the printer's stack (the next document on top).
fn fits(first: &Doc, rest: &[(usize, bool, &Doc)], mut rem: isize) -> bool {
    let mut todo: Vec<(bool, &Doc)> = vec![(true, first)];
    let mut next_rest = rest.len();
    loop {
        if rem < 0 {
            return false;
        }
        let (flat, d) = match todo.pop() {
            Some(x) => x,
            None => {
                if next_rest == 0 {
                    return true;
                }
                next_rest -= 1;
                let (_, f, d) = rest[next_rest];
                (f, d)
            }
        };
        match d {
            Doc::Nil => {}
            Doc::Text(s) => match s.split_once('\n') {
                Some((first_line, _)) => return rem >= first_line.chars().count() as isize,
                None => rem -= s.chars().count() as isize,
            },
            Doc::Line if flat => rem -= 1,
            Doc::Softline if flat => {}
            // A line break ends the line being measured; comments do not count.
            Doc::Line | Doc::Softline | Doc::Hard | Doc::FreshLine | Doc::Comment(_) => return true,
            Doc::IfBreak(broken, flat_text) => rem -= if flat { flat_text } else { broken }.chars().count() as isize,
            Doc::Indent(inner) => todo.push((flat, inner)),
            Doc::Group(inner, forced) => todo.push((flat && !forced, inner)),
            Doc::Concat(parts) => todo.extend(parts.iter().rev().map(|x| (flat, x))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Doc {
        let mut inner = vec![Doc::Softline];
        for (i, it) in items.iter().enumerate() {
            if i > 0 {
                inner.push(text(","));
                inner.push(Doc::Line);
            }
            inner.push(text(*it));
        }
        inner.push(Doc::IfBreak(",", ""));
        group(concat(vec![text("["), indent(concat(inner)), Doc::Softline, text("]")]))
    }

    #[test]
    fn groups_stay_flat_when_they_fit() {
        assert_eq!(print(&list(&["a", "b"]), 10), "[a, b]");
    }

    #[test]
    fn groups_break_when_they_do_not_fit() {
        assert_eq!(print(&list(&["aaaa", "bbbb"]), 10), "[\n  aaaa,\n  bbbb,\n]");
    }

    #[test]
    fn text_after_a_group_counts_against_the_width() {
        let d = concat(vec![list(&["a", "b"]), text(" + something long")]);
        assert_eq!(print(&d, 12), "[\n  a,\n  b,\n] + something long");
    }

    #[test]
    fn a_comment_breaks_its_group_and_ends_the_line() {
        let d = group(concat(vec![
            text("["),
            indent(concat(vec![Doc::Softline, text("a,"), Doc::Comment("// one".into()), Doc::Line, text("b")])),
            Doc::Softline,
            text("]"),
        ]));
        assert_eq!(print(&d, 100), "[\n  a, // one\n  b\n]");
    }

    #[test]
    fn text_after_a_comment_goes_to_the_next_line() {
        let d = concat(vec![text("x ="), Doc::Comment("// c".into()), text(" 1")]);
        assert_eq!(print(&d, 100), "x = // c\n1");
    }

    #[test]
    fn fresh_line_only_breaks_a_line_with_content() {
        let d = concat(vec![
            Doc::FreshLine,
            Doc::Comment("// a".into()),
            Doc::FreshLine,
            Doc::Comment("// b".into()),
            Doc::Hard,
            text("x"),
        ]);
        assert_eq!(print(&d, 100), "// a\n// b\nx");
    }

    #[test]
    fn multi_line_text_is_verbatim_and_breaks_groups() {
        let d = group(concat(vec![
            text("f("),
            indent(concat(vec![Doc::Softline, text("\"\"\"\n  a\n\"\"\"")])),
            text(")"),
        ]));
        assert_eq!(print(&d, 100), "f(\n  \"\"\"\n  a\n\"\"\")");
    }

    #[test]
    fn no_trailing_spaces() {
        let d = concat(vec![text("a "), Doc::Hard, Doc::Hard, text("b")]);
        assert_eq!(print(&d, 100), "a\n\nb");
    }

    #[test]
    fn very_deep_documents_print_without_recursion() {
        let mut d = text("x");
        for _ in 0..100_000 {
            d = group(indent(concat(vec![text("("), d, text(")")])));
        }
        let out = print(&d, 100);
        assert_eq!(out.len(), 200_001);
        // Dropping a deep document recurses; leak it instead of overflowing the test thread.
        std::mem::forget(d);
    }
}
