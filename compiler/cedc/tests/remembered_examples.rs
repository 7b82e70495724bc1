//! The language server's compilations keep what they evaluated and checked ([`Kept`]):
//! after an edit of any file of any example, what they make is exactly what a fresh
//! compilation makes, and with nothing changed every component is taken again.

use cedc::{Compilation, Kept, Options};
use cedc_names::FileSystem;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The example's files on disk, with the edited ones in memory.
struct Edited {
    root: PathBuf,
    texts: HashMap<String, Vec<u8>>,
}

impl FileSystem for Edited {
    fn read(&self, rel: &str) -> std::io::Result<Vec<u8>> {
        match self.texts.get(rel) {
            Some(t) => Ok(t.clone()),
            None => cedc_names::read_regular_file(&self.root.join(rel)),
        }
    }
}

fn ced_files(dir: &Path, root: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("readable").flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            ced_files(&p, root, out);
        } else if p.extension().is_some_and(|e| e == "ced") {
            let rel = p.strip_prefix(root).expect("under the root").to_string_lossy().replace('\\', "/");
            out.push(rel);
        }
    }
}

fn same(kept: &Compilation, fresh: &Compilation, what: &str) {
    assert_eq!(format!("{:#?}", kept.diagnostics), format!("{:#?}", fresh.diagnostics), "{what}");
    assert_eq!(format!("{:#?}", kept.platform), format!("{:#?}", fresh.platform), "{what}");
}

#[test]
fn every_edit_of_every_example_compiles_as_a_fresh_compilation_would() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&examples).expect("examples/").flatten().map(|e| e.path()).collect();
    dirs.sort();
    let mut edits = 0;
    for dir in dirs.into_iter().filter(|d| d.join("cedc.toml").is_file()) {
        let mut files = cedc_diagnostics::Files::new();
        let Ok(project) = cedc::project::load(&dir, &mut files) else { panic!("{}: not a project", dir.display()) };
        let config = std::fs::read_to_string(dir.join("cedc.toml")).ok();
        let mut fs = Edited { root: dir.clone(), texts: HashMap::new() };
        let kept = Kept::default();
        let compile = |fs: &Edited, kept: Option<&Kept>| {
            let options = Options { kept: kept.cloned(), ..Default::default() };
            cedc::compile_project_opts(fs, &project, config.clone(), &options)
        };
        let first = compile(&fs, Some(&kept));
        assert!(first.ok(), "{}: {:#?}", dir.display(), first.diagnostics);
        let components = first.checked.as_ref().map_or(0, |c| c.components.len());
        let mut sources = Vec::new();
        ced_files(&dir, &dir, &mut sources);
        for rel in sources {
            let text = std::fs::read_to_string(dir.join(&rel)).expect("readable");
            // A blank line first moves every span of the file; a comment last does not.
            for edited in [format!("\n{text}"), format!("\n{text}// edited\n")] {
                fs.texts.insert(rel.clone(), edited.into_bytes());
                let what = format!("{} after an edit of {rel}", dir.display());
                same(&compile(&fs, Some(&kept)), &compile(&fs, None), &what);
                edits += 1;
            }
            let again = compile(&fs, Some(&kept));
            same(&again, &compile(&fs, None), &format!("{} unchanged", dir.display()));
            assert_eq!(kept.evaluations.taken_last(), components, "{}: nothing changed", dir.display());
        }
    }
    assert!(edits >= 10, "only {edits} edits tried");
}
