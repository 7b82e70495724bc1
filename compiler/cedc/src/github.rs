//! Diagnostics as GitHub Actions workflow commands (`--message-format github`): one
//! `::error` or `::warning` line per diagnostic, which the runner turns into an
//! annotation on the file and lines it names.
//!
//! Invariant: the `file` of an annotation is relative to the repository's root (the
//! runner's `GITHUB_WORKSPACE`, else the nearest directory above the project holding
//! `.git`, else the current directory), whichever directory `cedc` was run from; a place
//! outside it (the standard library, built into cedc) gets no `file`, and the annotation
//! then names the first place of the report that is in the repository.

use cedc_diagnostics::{Diagnostic, Files, Severity, Span};
use std::path::{Path, PathBuf};

/// The line for `d`, whose file names are relative to `base` (the project directory).
pub fn line(d: &Diagnostic, files: &Files, base: &Path, root: &Path) -> String {
    let located = first_located(d, files, base, root);
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut props = Vec::new();
    if let Some((file, (line, col), (end_line, end_col))) = located {
        props.push(format!("file={}", property(&file)));
        props.push(format!("line={line},col={col},endLine={end_line},endColumn={end_col}"));
    }
    props.push(format!("title={}", property(&format!("{} {}", d.code, d.message))));
    let mut text = message_lines(d);
    text.push(format!("(`cedc explain {}` tells more)", d.code));
    format!("::{kind} {}::{}", props.join(","), data(&text.join("\n")))
}

/// The message of `d` as plain lines: the message, its help, its notes (environments).
pub fn message_lines(d: &Diagnostic) -> Vec<String> {
    let mut text = vec![d.message.clone()];
    text.extend(d.help.iter().map(|h| format!("help: {h}")));
    text.extend(d.shown_notes().into_iter().map(|n| format!("note: {n}")));
    text
}

/// The first place of `d` in the repository: the primary one, else where the function
/// raising it is used, else a secondary one.
pub fn first_located(d: &Diagnostic, files: &Files, base: &Path, root: &Path) -> Option<Located> {
    let places =
        d.primary.iter().map(|(s, _)| *s).chain(d.uses.iter().copied()).chain(d.secondary.iter().map(|(s, _)| *s));
    places.filter_map(|s| locate(s, files, base, root)).next()
}

/// `span`'s file (relative to `root`, with `/`), start and end as (line, column), when
/// the file is in the repository.
pub type Located = (String, (usize, usize), (usize, usize));

pub fn locate(span: Span, files: &Files, base: &Path, root: &Path) -> Option<Located> {
    let file = files.try_get(span.file)?;
    let path = base.join(&file.name);
    if !path.is_file() {
        return None;
    }
    let absolute = std::fs::canonicalize(&path).ok()?;
    let relative = absolute.strip_prefix(root).ok()?;
    let name = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
    Some((name, file.line_col(span.start as usize), file.line_col(span.end as usize)))
}

/// The repository's root as the runner sees it: `GITHUB_WORKSPACE` when set, else the
/// nearest directory holding `.git` above `base`, else the current directory.
pub fn repository_root(base: &Path, workspace: Option<PathBuf>) -> PathBuf {
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    if let Some(w) = workspace.filter(|w| !w.as_os_str().is_empty()) {
        return canonical(&w);
    }
    let start = canonical(base);
    let found = start.ancestors().find(|a| a.join(".git").exists()).map(Path::to_path_buf);
    found.unwrap_or_else(|| canonical(Path::new(".")))
}

/// A command's message, escaped as the runner reads it back.
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A property value: the message escapes, and the separators `:` and `,`.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_newlines_are_escaped_as_the_runner_reads_them() {
        assert_eq!(data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(property("a: b, c"), "a%3A b%2C c");
    }
}
