//! The one diagnostic type every phase reports, and how it is rendered (through miette)
//! or serialised (JSON lines for CI tooling).

use crate::codes;
use crate::span::{Files, Span};
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
    pub help: Option<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        debug_assert!(codes::lookup(code).is_some(), "unregistered diagnostic code {code}");
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
            notes: Vec::new(),
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
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
    pub fn span(&self) -> Option<Span> {
        self.primary.as_ref().map(|(s, _)| *s)
    }

    /// Human rendering through miette's graphical handler.
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
            "help": self.help,
            "notes": self.notes,
        })
    }
}

/// A miette-renderable view of a [`Diagnostic`]: labels in the primary file are drawn
/// on its source; labels in other files become related reports with their own source.
#[derive(Debug)]
struct Rendered {
    code: &'static str,
    severity: miette::Severity,
    message: String,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
    related: Vec<Rendered>,
}

impl Rendered {
    fn build(d: &Diagnostic, files: &Files) -> Rendered {
        let primary_file = d.primary.as_ref().map(|(s, _)| s.file);
        let source = primary_file
            .and_then(|f| files.try_get(f))
            .map(|f| NamedSource::new(f.name.clone(), f.text.clone()).with_language("ced"));
        let mut labels = Vec::new();
        let mut related = Vec::new();
        if let Some((span, label)) = &d.primary {
            labels.push(LabeledSpan::new_primary_with_span(Some(label.clone()), to_range(*span)));
        }
        for (span, label) in &d.secondary {
            if Some(span.file) == primary_file {
                labels.push(LabeledSpan::new_with_span(Some(label.clone()), to_range(*span)));
            } else {
                related.push(Rendered {
                    code: "",
                    severity: miette::Severity::Advice,
                    message: label.clone(),
                    source: files
                        .try_get(span.file)
                        .map(|f| NamedSource::new(f.name.clone(), f.text.clone()).with_language("ced")),
                    labels: vec![LabeledSpan::new_primary_with_span(Some(label.clone()), to_range(*span))],
                    help: None,
                    related: Vec::new(),
                });
            }
        }
        let mut help = d.help.clone();
        if !d.notes.is_empty() {
            let notes = d.notes.iter().map(|n| format!("note: {n}")).collect::<Vec<_>>().join("\n");
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
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
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

/// `x` with its indefinite article, for messages: "an Int", "a String", "an Env".
pub fn a_or_an(x: &impl std::fmt::Display) -> String {
    let text = x.to_string();
    let vowel = text.chars().next().is_some_and(|c| "AEIOUaeiou".contains(c));
    format!("{} {text}", if vowel { "an" } else { "a" })
}

/// "did you mean `x`?" against a list of candidates (Levenshtein distance).
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = strsim::levenshtein(name, c);
        let limit = (name.len().max(c.len()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}
