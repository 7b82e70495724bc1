//! Positions and addresses: LSP speaks lines and UTF-16 columns and `file://` URIs; the
//! compiler speaks byte offsets and project-relative paths.

use lsp_types::{Position, Range, Uri};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Converts between byte offsets and LSP positions in one text.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Cow<'a, [usize]>,
}

/// The byte offset where each line of `text` starts.
pub fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    starts
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        LineIndex { text, starts: Cow::Owned(line_starts(text)) }
    }

    /// An index over line starts computed before (see [`line_starts`]), so that a text
    /// asked about many times is scanned once.
    pub fn with_starts(text: &'a str, starts: &'a [usize]) -> Self {
        LineIndex { text, starts: Cow::Borrowed(starts) }
    }

    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|s| *s <= offset).saturating_sub(1);
        let col: usize = self.text[self.starts[line]..offset].chars().map(char::len_utf16).sum();
        Position { line: line as u32, character: col as u32 }
    }

    /// The byte offset of a position; positions past a line's end clamp to it.
    pub fn offset(&self, pos: Position) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else { return self.text.len() };
        let end = self.starts.get(pos.line as usize + 1).map_or(self.text.len(), |e| e - 1);
        let mut units = 0usize;
        for (i, c) in self.text[start..end].char_indices() {
            if units >= pos.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }

    pub fn range(&self, start: usize, end: usize) -> Range {
        Range { start: self.position(start), end: self.position(end) }
    }
}

pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    url::Url::parse(uri.as_str()).ok()?.to_file_path().ok()
}

pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let url = url::Url::from_file_path(path).ok()?;
    Uri::from_str(url.as_str()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_round_trip() {
        let text = "let a = \"é𝄞x\"\nb\n";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap();
        // `é` is one UTF-16 unit, `𝄞` two.
        assert_eq!(idx.position(x), Position { line: 0, character: 12 });
        assert_eq!(idx.offset(Position { line: 0, character: 12 }), x);
        assert_eq!(idx.position(text.find('b').unwrap()), Position { line: 1, character: 0 });
        // Past the end of a line or of the text: clamped.
        assert_eq!(idx.offset(Position { line: 1, character: 99 }), text.find('b').unwrap() + 1);
        assert_eq!(idx.offset(Position { line: 99, character: 0 }), text.len());
        // Inside a multi-byte character: rounded down.
        assert_eq!(idx.position(text.find('é').unwrap() + 1).character, 9);
    }

    #[test]
    fn file_uris() {
        let p = Path::new("/tmp/my project/main.ced");
        let uri = path_to_uri(p).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/my%20project/main.ced");
        assert_eq!(uri_to_path(&uri).unwrap(), p);
    }
}
