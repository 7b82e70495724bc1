//! The one diagnostic type every phase reports, and how it is rendered (through miette)
//! or serialised (JSON lines for CI tooling).
//!
//! Invariant: the environments a diagnostic was found in are data (`envs`), never note
//! text; they are shown as the last note (`in environment `a`` or `in environments `a`,
//! `b``), so one problem found in several environments merges into one report
//! ([`merge_across_envs`]) without reading any text back.

use crate::codes;
use crate::span::{FileId, Files, Span};
use crate::window::{WindowedSource, needs_window};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// A coded, located, explained problem. Build with [`Diagnostic::error`] and the
/// builder methods; every diagnostic should get a primary span and a help line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub primary: Option<(Span, String)>,
    pub secondary: Vec<(Span, String)>,
    /// Where the function that raised it (the primary span is in its body) is called
    /// from, outermost call first: one entry per use, gathered from every report of the
    /// same problem when they merge ([`merge_across_envs`]). Shown as `used here` labels.
    pub uses: Vec<Span>,
    pub help: Option<String>,
    pub notes: Vec<String>,
    /// The environments the problem was found in, in the order it was found there
    /// (declaration order), without repeats; empty for problems of the source itself
    /// (syntax, names, types).
    pub envs: Vec<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        debug_assert!(codes::lookup(code).is_some(), "unregistered diagnostic code {code}");
        debug_assert!(!codes::is_retired(code), "retired diagnostic code {code}");
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            uses: Vec::new(),
            help: None,
            notes: Vec::new(),
            envs: Vec::new(),
        }
    }
    /// A problem that does not stop the build (it is still shown).
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, message) }
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
    pub fn at(mut self, span: Span, label: impl Into<String>) -> Self {
        self.primary = Some((span, label.into()));
        self
    }
    pub fn also(mut self, span: Span, label: impl Into<String>) -> Self {
        self.secondary.push((span, label.into()));
        self
    }
    /// The function raising it is used at `span` (kept once).
    pub fn used_at(mut self, span: Span) -> Self {
        self.add_use(span);
        self
    }
    /// [`Diagnostic::used_at`], in place.
    pub fn add_use(&mut self, span: Span) {
        if !self.uses.contains(&span) {
            self.uses.push(span);
        }
    }
    /// The value reported was computed at the primary place from `input` (an argument
    /// of the function computing it): the report moves to `input`, keeping its label,
    /// and the place it was computed comes second ([`COMPUTED_HERE`]).
    pub fn move_to_input(&mut self, input: Span) {
        if let Some((span, label)) = self.primary.take() {
            self.secondary.insert(0, (span, COMPUTED_HERE.to_string()));
            self.primary = Some((input, label));
        }
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
    /// The problem was found in environment `env` (added once, after those already named).
    pub fn in_env(mut self, env: impl Into<String>) -> Self {
        let env = env.into();
        if !self.envs.contains(&env) {
            self.envs.push(env);
        }
        self
    }
    pub fn span(&self) -> Option<Span> {
        self.primary.as_ref().map(|(s, _)| *s)
    }

    /// The same problem, wherever it was found (and whichever use of a function found
    /// it): equal in everything but `envs` and `uses`.
    pub fn same_problem(&self, other: &Diagnostic) -> bool {
        let Diagnostic { code, severity, message, primary, secondary, uses: _, help, notes, envs: _ } = self;
        *code == other.code
            && *severity == other.severity
            && *message == other.message
            && *primary == other.primary
            && *secondary == other.secondary
            && *help == other.help
            && *notes == other.notes
    }

    /// The notes as shown to users: `notes`, then the note naming the environments.
    pub fn shown_notes(&self) -> Vec<String> {
        let mut notes = self.notes.clone();
        notes.extend(self.env_note());
        notes
    }

    /// "in environment `a`" or "in environments `a`, `b`"; `None` outside environments.
    fn env_note(&self) -> Option<String> {
        match self.envs.as_slice() {
            [] => None,
            [one] => Some(format!("in environment `{one}`")),
            many => Some(format!(
                "in environments {}",
                many.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
            )),
        }
    }

    /// Human rendering through miette's graphical handler. Lines too long to show
    /// whole are cut down around the labels (see `window.rs`).
    pub fn render(&self, files: &Files, color: bool) -> String {
        let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
        let report = Rendered::build(self, files);
        let mut out = String::new();
        if handler.render_report(&mut out, &report).is_err() {
            out = format!("error[{}]: {}\n", self.code, self.message);
        }
        out
    }

    /// One JSON object (a line of `--message-format json`).
    pub fn to_json(&self, files: &Files) -> serde_json::Value {
        let loc = |span: Span, label: &str| {
            let file = files.try_get(span.file);
            let (line, column) = file.map(|f| f.line_col(span.start as usize)).unwrap_or((0, 0));
            let (end_line, end_column) = file.map(|f| f.line_col(span.end as usize)).unwrap_or((0, 0));
            serde_json::json!({
                "file": file.map(|f| f.name.as_str()).unwrap_or(""),
                "byte_start": span.start, "byte_end": span.end,
                "line": line, "column": column, "end_line": end_line, "end_column": end_column,
                "label": label,
            })
        };
        serde_json::json!({
            "code": self.code,
            "severity": match self.severity { Severity::Error => "error", Severity::Warning => "warning" },
            "message": self.message,
            "primary": self.primary.as_ref().map(|(s, l)| loc(*s, l)),
            "secondary": self.secondary.iter().map(|(s, l)| loc(*s, l)).collect::<Vec<_>>(),
            "uses": self.uses.iter().map(|s| loc(*s, USED_HERE)).collect::<Vec<_>>(),
            "help": self.help,
            "notes": self.shown_notes(),
            "environments": self.envs,
        })
    }
}

/// The label of each place a function raising a diagnostic is used.
pub const USED_HERE: &str = "used here";

/// The label of the place a value was computed, when its report is at its input.
pub const COMPUTED_HERE: &str = "computed here";

/// A miette-renderable view of a [`Diagnostic`]: labels in the primary file are drawn
/// on its source; labels in other files become related reports with their own source.
#[derive(Debug)]
struct Rendered {
    code: &'static str,
    severity: miette::Severity,
    message: String,
    source: Option<Source>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
    related: Vec<Rendered>,
}

/// The text labels are drawn on: a file as it is, or with its long lines windowed.
#[derive(Debug)]
enum Source {
    Whole(NamedSource<String>),
    Windowed(WindowedSource),
}

impl Source {
    /// The source of `file` for labels at `spans`, and their `(offset, length)` in it.
    fn of(files: &Files, file: FileId, spans: &[Span]) -> (Option<Source>, Vec<(usize, usize)>) {
        let ranges = spans.iter().map(|s| to_range(*s)).collect::<Vec<_>>();
        let Some(f) = files.try_get(file) else { return (None, ranges) };
        if !needs_window(&f.text) {
            return (
                Some(Source::Whole(NamedSource::new(f.name.clone(), f.text.clone()).with_language("ced"))),
                ranges,
            );
        }
        let points: Vec<usize> = ranges.iter().flat_map(|(o, l)| [*o, o + l]).collect();
        let w = WindowedSource::new(&f.name, &f.text, &points);
        let ranges = ranges.iter().map(|(o, l)| w.map(*o, *l)).collect();
        (Some(Source::Windowed(w)), ranges)
    }

    fn as_dyn(&self) -> &dyn miette::SourceCode {
        match self {
            Source::Whole(s) => s,
            Source::Windowed(s) => s,
        }
    }
}

impl Rendered {
    fn build(d: &Diagnostic, files: &Files) -> Rendered {
        let primary_file = d.primary.as_ref().map(|(s, _)| s.file);
        // Labels on the primary file: the primary one first, then secondary ones there.
        let mut here: Vec<(Span, &str, bool)> = Vec::new();
        let mut related = Vec::new();
        if let Some((span, label)) = &d.primary {
            here.push((*span, label, true));
        }
        let uses = d.uses.iter().map(|s| (s, USED_HERE.to_string()));
        let secondary: Vec<(&Span, String)> = d.secondary.iter().map(|(s, l)| (s, l.clone())).chain(uses).collect();
        for (span, label) in &secondary {
            let (span, label) = (*span, label.as_str());
            if Some(span.file) == primary_file {
                here.push((*span, label, false));
            } else {
                let (source, ranges) = Source::of(files, span.file, &[*span]);
                related.push(Rendered {
                    code: "",
                    severity: miette::Severity::Advice,
                    message: label.to_string(),
                    source,
                    labels: ranges
                        .into_iter()
                        .map(|r| LabeledSpan::new_primary_with_span(Some(label.to_string()), r))
                        .collect(),
                    help: None,
                    related: Vec::new(),
                });
            }
        }
        let (source, ranges) = match primary_file {
            Some(file) => Source::of(files, file, &here.iter().map(|(s, _, _)| *s).collect::<Vec<_>>()),
            None => (None, Vec::new()),
        };
        let labels = here
            .iter()
            .zip(ranges)
            .map(|((_, label, primary), range)| {
                let label = Some(label.to_string());
                if *primary {
                    LabeledSpan::new_primary_with_span(label, range)
                } else {
                    LabeledSpan::new_with_span(label, range)
                }
            })
            .collect();
        let mut help = d.help.clone();
        let shown_notes = d.shown_notes();
        if !shown_notes.is_empty() {
            let notes = shown_notes.iter().map(|n| format!("note: {n}")).collect::<Vec<_>>().join("\n");
            help = Some(match help {
                Some(h) => format!("{h}\n{notes}"),
                None => notes,
            });
        }
        Rendered {
            code: d.code,
            severity: match d.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            },
            message: d.message.clone(),
            source,
            labels,
            help,
            related,
        }
    }
}

fn to_range(span: Span) -> (usize, usize) {
    (span.start as usize, span.len())
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for Rendered {}

impl miette::Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        if self.code.is_empty() { None } else { Some(Box::new(self.code)) }
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(Source::as_dyn)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() { None } else { Some(Box::new(self.labels.iter().cloned())) }
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)))
        }
    }
}

/// One report per problem: diagnostics that are the same problem ([`Diagnostic::same_problem`])
/// merge into the first of them, which then names the environments of all, in the order
/// they were found. Everything else keeps its order.
///
/// Candidates are found through an index keyed by code and primary span, so merging is
/// linear in the number of diagnostics (a platform with many environments and many
/// problems does not pay for every pair).
pub fn merge_across_envs(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::with_capacity(diags.len());
    let mut by_key: std::collections::HashMap<(&'static str, Option<Span>), Vec<usize>> =
        std::collections::HashMap::new();
    for d in diags {
        let key = (d.code, d.primary.as_ref().map(|(s, _)| *s));
        let candidates = by_key.entry(key).or_default();
        match candidates.iter().copied().find(|&i| out[i].same_problem(&d)) {
            Some(i) => {
                let first = &mut out[i];
                for env in d.envs {
                    if !first.envs.contains(&env) {
                        first.envs.push(env);
                    }
                }
                for span in d.uses {
                    if !first.uses.contains(&span) {
                        first.uses.push(span);
                    }
                }
            }
            None => {
                candidates.push(out.len());
                out.push(d);
            }
        }
    }
    out
}

/// `x` with its indefinite article, for messages: "an Int", "a String", "an Env".
pub fn a_or_an(x: &impl std::fmt::Display) -> String {
    let text = x.to_string();
    let vowel = text.chars().next().is_some_and(|c| "AEIOUaeiou".contains(c));
    format!("{} {text}", if vowel { "an" } else { "a" })
}

/// Longest name (in characters) for which a suggestion is looked for: edit distance
/// costs the product of both lengths, so longer names get none.
pub const SUGGEST_MAX_NAME_CHARS: usize = 64;
/// Most candidates whose distance [`did_you_mean`] computes for one name; the others
/// (in the order given) are not considered.
pub const SUGGEST_MAX_CANDIDATES: usize = 10_000;

/// "did you mean `x`?" against a list of candidates (Levenshtein distance, at most a
/// third of the longer name). The work is bounded: names longer than
/// [`SUGGEST_MAX_NAME_CHARS`] get no suggestion, a candidate whose length alone puts it
/// out of reach is skipped without computing its distance, and at most
/// [`SUGGEST_MAX_CANDIDATES`] distances are computed.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let name_chars = bounded_chars(name, SUGGEST_MAX_NAME_CHARS)?;
    let mut best: Option<(usize, &str)> = None;
    let mut computed = 0;
    for c in candidates {
        let limit = (name.len().max(c.len()) / 3).max(1);
        // The difference in length is a lower bound of the distance.
        let reachable = bounded_chars(c, name_chars + limit).is_some_and(|n| n.abs_diff(name_chars) <= limit);
        if !reachable {
            continue;
        }
        if computed == SUGGEST_MAX_CANDIDATES {
            break;
        }
        computed += 1;
        let d = strsim::levenshtein(name, c);
        if d <= limit && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

/// The number of characters of `s`, or `None` when it has more than `max` (counted
/// without reading past them).
fn bounded_chars(s: &str, max: usize) -> Option<usize> {
    let n = s.chars().take(max.saturating_add(1)).count();
    (n <= max).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    fn problem(start: usize) -> Diagnostic {
        Diagnostic::error("E0040", "bad name").at(Span::new(FileId(0), start, start + 3), "here").help("rename it")
    }

    #[test]
    fn one_problem_in_two_environments_is_one_report_naming_both_in_order() {
        let merged = merge_across_envs(vec![problem(0).in_env("prod"), problem(0).in_env("staging")]);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].envs, ["prod", "staging"]);
        assert_eq!(merged[0].shown_notes(), ["in environments `prod`, `staging`"]);
    }

    #[test]
    fn problems_at_different_spans_are_not_merged() {
        let merged = merge_across_envs(vec![problem(0).in_env("prod"), problem(5).in_env("staging")]);
        assert_eq!(merged.iter().map(|d| d.envs.clone()).collect::<Vec<_>>(), [["prod"], ["staging"]]);
    }

    #[test]
    fn merging_keeps_the_order_of_first_appearance_and_names_each_environment_once() {
        let other = Diagnostic::error("E0045", "bad label").in_env("prod");
        let merged = merge_across_envs(vec![
            problem(0).in_env("staging"),
            other.clone(),
            problem(0).in_env("prod"),
            problem(0).in_env("staging"),
        ]);
        assert_eq!(merged, [problem(0).in_env("staging").in_env("prod"), other]);
    }

    #[test]
    fn the_environment_note_comes_after_the_other_notes_in_text_and_json() {
        let d = problem(0).note("in Gateway `public`").in_env("prod");
        assert_eq!(d.shown_notes(), ["in Gateway `public`", "in environment `prod`"]);
        let mut files = Files::new();
        files.add("main.ced", "let x = 1\n");
        let text = d.render(&files, false);
        let notes: Vec<&str> = text.lines().map(str::trim).filter(|l| l.starts_with("note:")).collect();
        assert_eq!(notes, ["note: in Gateway `public`", "note: in environment `prod`"], "{text}");
        let json = d.to_json(&files);
        assert_eq!(json["notes"], serde_json::json!(["in Gateway `public`", "in environment `prod`"]));
        assert_eq!(json["environments"], serde_json::json!(["prod"]));
    }

    #[test]
    fn a_problem_outside_environments_has_no_environment_note() {
        let d = problem(0);
        assert!(d.shown_notes().is_empty());
        assert_eq!(d.to_json(&Files::new())["environments"], serde_json::json!([]));
    }

    #[test]
    fn suggestions_for_ordinary_names() {
        assert_eq!(did_you_mean("replcas", ["replicas", "image", "ports"]), Some("replicas".into()));
        assert_eq!(did_you_mean("x", ["y", "xy"]), Some("xy".into()));
        assert_eq!(did_you_mean("imgae", ["image", "imag"]), None);
        assert_eq!(did_you_mean("zzzz", ["replicas", "image"]), None);
        assert_eq!(did_you_mean("é", ["e", "è"]), Some("e".into()));
    }

    #[test]
    fn long_names_are_bounded() {
        // A name one letter off a candidate, both past the bound: no suggestion (and no
        // million-by-million table).
        let long = "a".repeat(1_000_000);
        let off = format!("{}b", "a".repeat(999_999));
        assert_eq!(did_you_mean(&off, [long.as_str(), "a"]), None);
        // At the bound, suggestions still work.
        let at = "a".repeat(SUGGEST_MAX_NAME_CHARS);
        let at_off = format!("{}b", "a".repeat(SUGGEST_MAX_NAME_CHARS - 1));
        assert_eq!(did_you_mean(&at_off, [at.as_str()]), Some(at.clone()));
        // A short name never reaches a very long candidate.
        assert_eq!(did_you_mean("ab", [long.as_str(), "abc"]), Some("abc".into()));
    }

    #[test]
    fn candidates_are_capped() {
        let many: Vec<String> = (0..SUGGEST_MAX_CANDIDATES + 5).map(|i| format!("n{i:05}")).collect();
        // The closest candidate comes after the cap: it is not considered.
        let mut list: Vec<&str> = many.iter().map(String::as_str).collect();
        list.push("target");
        assert_eq!(did_you_mean("targer", list.iter().copied()), None);
        assert_eq!(did_you_mean("targer", ["target"]), Some("target".into()));
    }
}
