//! Very long source lines, cut down for rendering. miette draws a line whole and pads
//! labels to their column, and Rust's formatter refuses widths past 65,535: a label
//! far into a long line would panic the renderer. A file with a line longer than
//! [`MAX_LINE`] bytes is therefore shown through a [`WindowedSource`]: each long line
//! keeps only the text around the label boundaries on it (the rest becomes `…`), and
//! labels are moved to match. Line numbers, and the line and column of the location
//! header, stay those of the original file.
//!
//! Invariant: a file whose lines are all at most [`MAX_LINE`] bytes is not windowed, so
//! ordinary diagnostics render byte for byte as before; a windowed line is at most
//! about `MAX_POINTS * (2 * CONTEXT + 6)` bytes.

use miette::{MietteError, MietteSpanContents, NamedSource, SourceCode, SourceSpan, SpanContents};
use std::ops::Range;

/// Lines up to this many bytes are shown whole.
pub const MAX_LINE: usize = 4096;
/// Bytes of text kept on each side of a label boundary in a long line.
const CONTEXT: usize = 60;
/// Label boundaries of one long line that get their own window; further ones are shown
/// on the nearest `…`.
const MAX_POINTS: usize = 16;
/// What stands for the text left out.
const MARKER: &str = "…";

/// Whether `text` has a line too long to be shown whole. Lines end at `\n` or `\r`, as
/// miette counts them.
pub fn needs_window(text: &str) -> bool {
    text.split(['\n', '\r']).any(|line| line.len() > MAX_LINE)
}

/// A part of the original text: kept as is, or left out and shown as [`MARKER`].
#[derive(Debug)]
struct Piece {
    old: Range<usize>,
    new: Range<usize>,
    kept: bool,
    /// For a piece of a long line: the offset (in the original) of the line's start.
    /// Short lines are unchanged, so their columns need no mapping.
    old_line_start: Option<usize>,
}

/// The windowed text of one file, with what is needed to map offsets into it.
#[derive(Debug)]
pub struct WindowedSource {
    source: NamedSource<String>,
    pieces: Vec<Piece>,
}

impl WindowedSource {
    /// Window the long lines of `text` around `points` (byte offsets of label starts and
    /// ends).
    pub fn new(name: &str, text: &str, points: &[usize]) -> WindowedSource {
        let mut points: Vec<usize> = points.iter().map(|p| (*p).min(text.len())).collect();
        points.sort_unstable();
        points.dedup();
        let mut out = String::with_capacity(text.len().min(1 << 20));
        let mut pieces = Vec::new();
        let mut line_start = 0;
        for line in text.split_inclusive(['\n', '\r']) {
            let body_len = line.trim_end_matches(['\n', '\r']).len();
            let body = line_start..line_start + body_len;
            let end = line_start + line.len();
            if body_len <= MAX_LINE {
                push_short(&mut out, &mut pieces, text, line_start..end);
            } else {
                let first = points.partition_point(|p| *p < body.start);
                let last = points.partition_point(|p| *p <= body.end);
                let keep = keep_ranges(text, body.clone(), &points[first..last]);
                let mut at = body.start;
                for k in keep {
                    if k.start > at {
                        push(&mut out, &mut pieces, text, at..k.start, false, Some(line_start));
                    }
                    at = k.end;
                    push(&mut out, &mut pieces, text, k, true, Some(line_start));
                }
                if body.end > at {
                    push(&mut out, &mut pieces, text, at..body.end, false, Some(line_start));
                }
                push(&mut out, &mut pieces, text, body.end..end, true, Some(line_start));
            }
            line_start = end;
        }
        WindowedSource { source: NamedSource::new(name, out).with_language("ced"), pieces }
    }

    /// Where an original label `(offset, length)` lies in the windowed text.
    pub fn map(&self, offset: usize, len: usize) -> (usize, usize) {
        let start = self.map_offset(offset, false);
        let end = self.map_offset(offset + len, true).max(start);
        (start, end - start)
    }

    /// An original offset in the windowed text; an offset in left-out text lands on its
    /// marker (its start for a label start, its end for a label end).
    fn map_offset(&self, offset: usize, is_end: bool) -> usize {
        // Pieces are contiguous: an offset lies in one, or on the boundary of two.
        let i = self.pieces.partition_point(|p| p.old.end < offset);
        let near = &self.pieces[i..(i + 2).min(self.pieces.len())];
        if let Some(p) = near.iter().find(|p| p.kept && p.old.start <= offset && offset <= p.old.end) {
            return p.new.start + (offset - p.old.start);
        }
        match near.iter().find(|p| p.old.start <= offset && offset < p.old.end) {
            Some(p) if is_end => p.new.end,
            Some(p) => p.new.start,
            None => self.pieces.last().map_or(0, |p| p.new.end),
        }
    }

    /// The column (bytes from the start of its line, as miette counts) in the original
    /// text of a windowed offset on a long line; `None` on a short one (unchanged).
    fn original_column(&self, offset: usize) -> Option<usize> {
        let i = self.pieces.partition_point(|p| p.new.end < offset);
        let near = &self.pieces[i..(i + 2).min(self.pieces.len())];
        let p = near.iter().find(|p| p.kept && p.new.start <= offset && offset <= p.new.end)?;
        Some(p.old.start + (offset - p.new.start) - p.old_line_start?)
    }
}

/// Append a short line of `text` to `out`, as part of the kept piece before it if any.
fn push_short(out: &mut String, pieces: &mut Vec<Piece>, text: &str, old: Range<usize>) {
    out.push_str(&text[old.clone()]);
    match pieces.last_mut() {
        Some(last) if last.kept && last.old_line_start.is_none() => {
            last.old.end = old.end;
            last.new.end = out.len();
        }
        _ => pieces.push(Piece { new: out.len() - old.len()..out.len(), old, kept: true, old_line_start: None }),
    }
}

/// Append a piece of a long line to `out`: the text itself, or a marker for left-out
/// text.
fn push(
    out: &mut String,
    pieces: &mut Vec<Piece>,
    text: &str,
    old: Range<usize>,
    kept: bool,
    old_line_start: Option<usize>,
) {
    let start = out.len();
    out.push_str(if kept { &text[old.clone()] } else { MARKER });
    pieces.push(Piece { old, new: start..out.len(), kept, old_line_start });
}

/// The parts of a long line (`body`, a byte range of `text`) to keep: [`CONTEXT`] bytes
/// around each of the first [`MAX_POINTS`] points on it (the line's start with none),
/// on character boundaries, merged where they meet.
fn keep_ranges(text: &str, body: Range<usize>, points: &[usize]) -> Vec<Range<usize>> {
    let anchors: Vec<usize> = if points.is_empty() { vec![body.start] } else { points.to_vec() };
    let mut keep: Vec<Range<usize>> = Vec::new();
    for p in anchors.into_iter().take(MAX_POINTS) {
        let start = floor_char(text, p.saturating_sub(CONTEXT).max(body.start));
        let end = ceil_char(text, (p + CONTEXT).min(body.end));
        match keep.last_mut() {
            // Merge when the gap between would be no shorter than its marker.
            Some(last) if start <= last.end + MARKER.len() => last.end = last.end.max(end),
            _ => keep.push(start..end),
        }
    }
    keep
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

impl SourceCode for WindowedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.source.read_span(span, context_lines_before, context_lines_after)?;
        // miette reads a label's own span (no context) for the location header: give
        // it the column in the original line.
        let column = match context_lines_before {
            0 => self.original_column(span.offset()).unwrap_or(inner.column()),
            _ => inner.column(),
        };
        let contents = MietteSpanContents::new_named(
            self.source.name().to_string(),
            inner.data(),
            *inner.span(),
            inner.line(),
            column,
            inner.line_count(),
        )
        .with_language("ced");
        Ok(Box::new(contents))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lines_are_left_alone() {
        assert!(!needs_window("let x = 1\nlet y = 2\n"));
        assert!(!needs_window(&"a".repeat(MAX_LINE)));
        assert!(needs_window(&format!("x\n{}\n", "a".repeat(MAX_LINE + 1))));
    }

    #[test]
    fn long_lines_keep_the_text_around_labels() {
        let long = format!("let x = {}y\n", " ".repeat(100_000));
        let text = format!("env prod {{}}\n{long}let z = 1\n");
        let y = text.find('y').unwrap();
        let w = WindowedSource::new("main.ced", &text, &[y, y + 1]);
        let shown = w.source.inner();
        assert!(shown.len() < 500, "{}", shown.len());
        assert!(shown.starts_with("env prod {}\n…"), "{shown}");
        assert!(shown.ends_with(&format!("{}y\nlet z = 1\n", " ".repeat(CONTEXT))), "{shown}");
        let (start, len) = w.map(y, 1);
        assert_eq!((&shown[start..start + len], len), ("y", 1));
        assert_eq!(w.original_column(start), Some(y - 12));
    }

    #[test]
    fn far_apart_points_get_separate_windows_and_extra_points_land_on_markers() {
        let text = "ab".repeat(50_000);
        let points: Vec<usize> = (0..40).map(|i| 1000 + i * 2000).collect();
        let w = WindowedSource::new("f", &text, &points);
        let shown = w.source.inner();
        assert!(shown.len() < MAX_POINTS * (2 * CONTEXT + 6), "{}", shown.len());
        assert_eq!(shown.matches(MARKER).count(), MAX_POINTS + 1);
        for p in points {
            let (s, l) = w.map(p, 0);
            assert!(s + l <= shown.len() && shown.is_char_boundary(s));
        }
    }

    #[test]
    fn windows_fall_on_character_boundaries() {
        let text = "é".repeat(10_000);
        let w = WindowedSource::new("f", &text, &[9_000]);
        let (s, _) = w.map(9_000, 0);
        assert!(w.source.inner().is_char_boundary(s.min(w.source.inner().len())));
    }
}
