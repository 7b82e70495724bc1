//! The properties checked on one case, in process (the worker runs this; a crash, an
//! abort or a hang is caught by the supervisor around it):
//!
//! - compiling finishes with diagnostics or success, never a panic; a failed compile has
//!   at least one error, and every code is documented (`cedc explain` knows it);
//! - every diagnostic renders (miette's graphical report, and JSON);
//! - a platform that compiled emits its Kustomize tree (or a clean emit error);
//! - the formatter: on text that parses, it succeeds, its output parses to the same tree
//!   (spans aside) with the same comments, formatting again changes nothing, and the
//!   formatted file compiles to the same diagnostics codes and the same output; on text
//!   that does not parse, it refuses;
//! - determinism (when asked): a second compile gives byte-identical diagnostics and
//!   output.

use crate::case::Case;
use crate::generate::BLOB_KIND;
use cedc_diagnostics::{Diagnostic, FileId, codes};
use cedc_driver::{Compilation, Settings};
use cedc_names::MemoryFs;
use cedc_syntax::ast::Module;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;

/// What to check beyond the basics.
#[derive(Clone, Copy, Debug, Default)]
pub struct Flags {
    /// Compile twice and compare; compile the formatted file and compare.
    pub deep: bool,
}

impl Flags {
    pub fn to_byte(self) -> u8 {
        u8::from(self.deep)
    }
    pub fn from_byte(b: u8) -> Flags {
        Flags { deep: b & 1 != 0 }
    }
}

/// A broken property: a short kind (`panic`, `fmt-not-idempotent`, ...) and details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub kind: String,
    pub detail: String,
}

impl Failure {
    pub fn new(kind: &str, detail: impl Into<String>) -> Failure {
        Failure { kind: kind.to_string(), detail: detail.into() }
    }
    /// What identifies "the same bug": the kind and the first line of the details with
    /// digits erased (sizes and positions vary between inputs hitting one bug).
    /// Whether `other` is the same bug (used while minimising): same kind and, for
    /// panics and crashes, the same signature.
    pub fn same_bug(&self, other: &Failure) -> bool {
        self.kind == other.kind
            && (!matches!(self.kind.as_str(), "panic" | "crash" | "out-of-memory" | "stack-overflow")
                || self.signature() == other.signature())
    }
    pub fn signature(&self) -> String {
        let first = self.detail.lines().next().unwrap_or("");
        let first: String = first.chars().filter(|c| !c.is_ascii_digit()).take(160).collect();
        format!("{}: {first}", self.kind)
    }
}

static PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Record panics (message and place) instead of printing them: the compiler catches
/// the panics of its own threads, so the hook is where the fuzzer learns of them.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(non-string payload)".into());
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let thread = std::thread::current().name().unwrap_or("?").to_string();
        if let Ok(mut slot) = PANIC.lock()
            && slot.is_none()
        {
            *slot = Some(format!("{msg}{at} (thread {thread})"));
        }
    }));
}

fn take_panic() -> Option<String> {
    PANIC.lock().ok().and_then(|mut s| s.take())
}

/// Check every property on `case`; `Ok(true)` when it also compiled without errors.
pub fn check(case: &Case, flags: Flags) -> Result<bool, Failure> {
    take_panic();
    let result = catch_unwind(AssertUnwindSafe(|| properties(case, flags)));
    if let Some(p) = take_panic() {
        return Err(Failure::new("panic", p));
    }
    match result {
        Ok(r) => r,
        Err(_) => Err(Failure::new("panic", "a panic without a message")),
    }
}

/// The fuzzer's project file: the generator's `Blob` kind is unchecked.
pub fn config_text() -> String {
    format!("[project]\nname = \"fuzz\"\n\n[schemas]\nunchecked = [\"{BLOB_KIND}\"]\n")
}

fn compile(case: &Case) -> Compilation {
    let mut fs = MemoryFs::default();
    for (name, bytes) in &case.files {
        fs.files.insert(name.clone(), bytes.clone());
    }
    let schemas = Settings { unchecked: vec![BLOB_KIND.to_string()], ..Default::default() };
    cedc_driver::compile_with(&fs, &case.entries, Some(("cedc.toml".into(), config_text())), &schemas)
}

/// What a compile shows the user: rendered diagnostics, and the emitted tree or the
/// emit error. Checks the per-compile properties on the way.
fn outcome(c: &Compilation) -> Result<Seen, Failure> {
    let errors = c.diagnostics.iter().filter(|d| d.is_error()).count();
    if !c.ok() && errors == 0 {
        return Err(Failure::new("silent-failure", "the compile failed without an error diagnostic"));
    }
    let mut codes_seen = Vec::new();
    let mut shown = String::new();
    for d in &c.diagnostics {
        if d.message.contains("stopped unexpectedly") {
            return Err(Failure::new("panic", format!("{}: {}", d.code, d.message)));
        }
        if codes::lookup(d.code).is_none() {
            return Err(Failure::new("undocumented-code", format!("{} is not documented: {}", d.code, d.message)));
        }
        shown.push_str(&d.render(c.files(), false));
        shown.push_str(&d.to_json(c.files()).to_string());
        codes_seen.push(format!("{}{}", if d.is_error() { "" } else { "warning " }, d.code));
    }
    codes_seen.sort();
    if let (Some(p), true) = (&c.platform, c.ok()) {
        two_ways(p)?;
    }
    let emitted = match (&c.platform, c.ok()) {
        (Some(p), true) => match cedc_emit::kustomize_tree(p) {
            Ok(tree) => {
                let mut all = String::new();
                for (path, bytes) in tree {
                    all.push_str(&format!("== {path}\n{}\n", String::from_utf8_lossy(&bytes)));
                }
                all
            }
            Err(e) => format!("emit error: {e}"),
        },
        _ => String::new(),
    };
    Ok(Seen { codes: codes_seen, rendered: shown, emitted })
}

/// Every object's YAML is the same written from the model (`object_yaml`, as text when
/// it can be) and through its JSON and the serialiser: the two ways a build writes an
/// object (`compiler/cedc/tests/yaml_direct.rs` holds the examples to it; this, every
/// generated platform).
fn two_ways(p: &cedc_model::Platform) -> Result<(), Failure> {
    for o in p.envs.iter().flat_map(|e| &e.components).flat_map(|c| &c.objects) {
        let via_json = cedc_emit::object_json(o).map(|j| cedc_emit::to_yaml(&j));
        let direct = cedc_emit::object_yaml(o);
        if direct != via_json {
            let (a, b) = (direct.unwrap_or_default(), via_json.unwrap_or_default());
            let differ = first_difference(&a, &b);
            return Err(Failure::new("yaml-two-ways", format!("{} {}: the two ways differ: {differ}", o.kind, o.name)));
        }
    }
    Ok(())
}

/// What one compile showed.
#[derive(PartialEq)]
struct Seen {
    /// Diagnostic codes (warnings marked), sorted.
    codes: Vec<String>,
    /// Every diagnostic rendered, for people and as JSON.
    rendered: String,
    /// The emitted tree, or the emit error.
    emitted: String,
}

fn properties(case: &Case, flags: Flags) -> Result<bool, Failure> {
    let compiled = compile(case);
    let clean = compiled.ok();
    let seen = outcome(&compiled)?;
    drop(compiled);
    if flags.deep {
        let again = outcome(&compile(case))?;
        if again.rendered != seen.rendered {
            return Err(Failure::new("nondeterministic", first_difference(&seen.rendered, &again.rendered)));
        }
        if again.emitted != seen.emitted {
            return Err(Failure::new("nondeterministic", first_difference(&seen.emitted, &again.emitted)));
        }
    }
    let Ok(text) = std::str::from_utf8(case.main()) else { return Ok(clean) };
    let Some(formatted) = formatter(text)? else { return Ok(clean) };
    if flags.deep && formatted != text {
        let after = outcome(&compile(&case.with_main(formatted.into_bytes())))?;
        if after.codes != seen.codes {
            return Err(Failure::new(
                "fmt-changed-diagnostics",
                format!("codes {:?} became {:?} after formatting", seen.codes, after.codes),
            ));
        }
        if after.emitted != seen.emitted {
            return Err(Failure::new("fmt-changed-output", first_difference(&seen.emitted, &after.emitted)));
        }
    }
    Ok(clean)
}

/// The formatter's properties; the formatted text when the input parses.
fn formatter(text: &str) -> Result<Option<String>, Failure> {
    let before = match cedc_syntax::parse(FileId(0), text) {
        Ok(m) => m,
        Err(_) => {
            return match cedc_format::format_source(text) {
                Ok(_) => Err(Failure::new("fmt-accepts-invalid", "the formatter formatted text that does not parse")),
                Err(_) => Ok(None),
            };
        }
    };
    let once = cedc_format::format_source(text).map_err(|d| Failure::new("fmt-failed", fmt_error(&d)))?;
    let after = cedc_syntax::parse(FileId(0), &once)
        .map_err(|d| Failure::new("fmt-unparseable", format!("formatted text does not parse: {}", d.message)))?;
    let (k1, k2) = (tree_key(&before), tree_key(&after));
    if k1 != k2 {
        return Err(Failure::new("fmt-changed-meaning", first_difference(&k1, &k2)));
    }
    if comments(&before) != comments(&after) {
        return Err(Failure::new("fmt-changed-comments", "the formatted text has other comments"));
    }
    let twice = cedc_format::format_source(&once).map_err(|d| Failure::new("fmt-failed-twice", fmt_error(&d)))?;
    if twice != once {
        return Err(Failure::new("fmt-not-idempotent", first_difference(&once, &twice)));
    }
    Ok(Some(once))
}

fn fmt_error(d: &Diagnostic) -> String {
    format!("{}: {}", d.code, d.message)
}

/// Where two texts first differ, with a little context.
pub fn first_difference(a: &str, b: &str) -> String {
    let at = a.bytes().zip(b.bytes()).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
    let around = |s: &str| {
        let (mut from, mut to) = (at.saturating_sub(60).min(s.len()), (at + 60).min(s.len()));
        while !s.is_char_boundary(from) {
            from -= 1;
        }
        while !s.is_char_boundary(to) {
            to += 1;
        }
        s[from..to].to_string()
    };
    format!("differ at byte {at}: {:?} vs {:?}", around(a), around(b))
}

fn comments(m: &Module) -> Vec<(bool, String)> {
    let mut v: Vec<(bool, String)> = m.comments.iter().map(|c| (c.doc, c.text.trim_end().to_string())).collect();
    v.sort();
    v
}

/// The items, imports first, printed without spans (the formatter's own key).
fn tree_key(m: &Module) -> String {
    cedc_format::tree_key(&m.items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_program_passes_and_signatures_ignore_numbers() {
        let case = Case::single("import \"std/k8s\"\nenv prod {}\nlet x = 1\n");
        assert_eq!(check(&case, Flags { deep: true }), Ok(true));
        let a = Failure::new("panic", "index out of range: 70000 at x.rs:12");
        let b = Failure::new("panic", "index out of range: 65999 at x.rs:12");
        assert_eq!(a.signature(), b.signature());
    }
}
