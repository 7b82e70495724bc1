//! The language server's compilations keep what they evaluated and checked
//! (`cedc_driver::Kept`); after any sequence of edits they must give exactly what a fresh
//! compilation gives, and with nothing changed take every component again. Here, two
//! edits of every file of every example, then a few hundred random edits of them, one
//! after the other — a digit or a letter of a string changed, a token moved, dropped or
//! doubled (`cedc_fuzz::mutate`), or the file put back as it was — each compiled keeping
//! and afresh, their diagnostics and platforms compared. Bounded and deterministic (a
//! fixed seed); the fuzzer runs longer campaigns.

use cedc_driver::{Compilation, Kept, Options, Settings, compile_opts};
use cedc_fuzz::rng::Rng;
use cedc_names::FileSystem;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Edits per example.
const EDITS: usize = 40;

/// The example's files: the edited ones in memory, the others on disk.
struct Edited {
    root: PathBuf,
    texts: BTreeMap<String, Vec<u8>>,
}

impl FileSystem for Edited {
    fn read(&self, rel: &str) -> std::io::Result<Vec<u8>> {
        match self.texts.get(rel) {
            Some(t) => Ok(t.clone()),
            None => cedc_names::read_regular_file(&self.root.join(rel)),
        }
    }
}

/// The `.ced` files under `dir`, relative to it, sorted.
fn sources(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for p in std::fs::read_dir(&d).into_iter().flatten().flatten().map(|e| e.path()) {
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|e| e == "ced")
                && let Ok(rel) = p.strip_prefix(dir)
            {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

/// `text` with one random edit: most keep it a program (a digit, a letter inside a
/// string), some break it (a token dropped, moved, doubled, replaced).
fn edit(rng: &mut Rng, text: &str) -> String {
    let bytes = text.as_bytes();
    let mut inside = false;
    let mut digits = Vec::new();
    let mut letters = Vec::new();
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'"' => inside = !inside,
            b'\n' => inside = false,
            b'0'..=b'9' => digits.push(i),
            b'a'..=b'z' if inside => letters.push(i),
            _ => {}
        }
    }
    let mut out = bytes.to_vec();
    match rng.below(10) {
        0..=3 if !digits.is_empty() => out[*rng.pick(&digits)] = b'0' + rng.below(10) as u8,
        4..=6 if !letters.is_empty() => out[*rng.pick(&letters)] = b'a' + rng.below(26) as u8,
        _ => out = cedc_fuzz::mutate::token_mutation(rng, bytes, bytes),
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn rendered(c: &Compilation) -> (String, String) {
    (format!("{:#?}", c.diagnostics), format!("{:#?}", c.platform))
}

/// Each example project: its directory, its settings, and a compilation of it as its
/// files are in `fs`, keeping into `kept` when given.
struct Example {
    dir: PathBuf,
    project: cedc_driver::project::Project,
    config: Option<(String, String)>,
    settings: Settings,
}

impl Example {
    fn all() -> Vec<Example> {
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let mut dirs: Vec<PathBuf> =
            std::fs::read_dir(&examples).expect("examples/").flatten().map(|e| e.path()).collect();
        dirs.sort();
        dirs.into_iter()
            .filter(|d| d.join("cedc.toml").is_file())
            .map(|dir| {
                let mut files = cedc_diagnostics::Files::new();
                let Ok(project) = cedc_driver::project::load(&dir, &mut files) else { panic!("{}", dir.display()) };
                let config = std::fs::read_to_string(dir.join("cedc.toml")).ok().map(|t| ("cedc.toml".to_string(), t));
                let settings = Settings::of(&project);
                Example { dir, project, config, settings }
            })
            .collect()
    }

    fn compile(&self, fs: &Edited, kept: Option<&Kept>) -> Compilation {
        let options = Options { kept: kept.cloned(), ..Default::default() };
        compile_opts(fs, &self.project.entry, self.config.clone(), &self.settings, &options)
    }

    fn files(&self) -> Edited {
        Edited { root: self.dir.clone(), texts: BTreeMap::new() }
    }
}

#[test]
fn every_edit_of_every_example_file_compiles_as_a_fresh_compilation_would() {
    let mut edits = 0;
    for ex in Example::all() {
        let mut fs = ex.files();
        let kept = Kept::default();
        let first = ex.compile(&fs, Some(&kept));
        assert!(first.ok(), "{}: {:#?}", ex.dir.display(), first.diagnostics);
        let components = first.checked.as_ref().map_or(0, |c| c.components.len());
        for rel in sources(&ex.dir) {
            let text = std::fs::read_to_string(ex.dir.join(&rel)).expect("readable");
            // A blank line first moves every span of the file; a comment last does not.
            for edited in [format!("\n{text}"), format!("\n{text}// edited\n")] {
                fs.texts.insert(rel.clone(), edited.into_bytes());
                let what = format!("{} after an edit of {rel}", ex.dir.display());
                assert_eq!(rendered(&ex.compile(&fs, Some(&kept))), rendered(&ex.compile(&fs, None)), "{what}");
                edits += 1;
            }
            let again = ex.compile(&fs, Some(&kept));
            assert_eq!(rendered(&again), rendered(&ex.compile(&fs, None)), "{} unchanged", ex.dir.display());
            assert_eq!(kept.evaluations.taken_last(), components, "{}: nothing changed", ex.dir.display());
        }
    }
    assert!(edits >= 10, "only {edits} edits tried");
}

#[test]
fn random_edits_of_the_examples_compile_as_fresh_compilations_do() {
    let mut rng = Rng::new(17);
    let (mut evaluated, mut taken) = (0, 0);
    for ex in Example::all() {
        let originals: Vec<(String, String)> = sources(&ex.dir)
            .into_iter()
            .filter_map(|r| Some((r.clone(), std::fs::read_to_string(ex.dir.join(&r)).ok()?)))
            .collect();
        let mut fs = ex.files();
        let kept = Kept::default();
        ex.compile(&fs, Some(&kept));
        for step in 0..EDITS {
            let (rel, original) = rng.pick(&originals);
            let text = if rng.chance(30) { original.clone() } else { edit(&mut rng, original) };
            fs.texts.insert(rel.clone(), text.clone().into_bytes());
            let with = ex.compile(&fs, Some(&kept));
            let fresh = ex.compile(&fs, None);
            assert_eq!(rendered(&with), rendered(&fresh), "{}: step {step}, {rel} now:\n{text}", ex.dir.display());
            if with.platform.is_some() {
                evaluated += 1;
                taken += kept.evaluations.taken_last();
            }
        }
    }
    // The edits must have reached evaluation, and components been taken: else this
    // compared nothing kept.
    assert!(evaluated >= 60, "only {evaluated} edits were evaluated");
    assert!(taken > 0, "no component was ever taken");
}
