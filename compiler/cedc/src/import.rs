//! `cedc import crd FILE...`: read CRD files, report the kinds they define (and their
//! problems), and record them in the project's `[schemas] crds` list. Files outside
//! the project are copied into its `crds/` directory first, since a project reads only
//! its own files. cedc.toml is edited in place, its comments and layout kept.

use cedc_diagnostics::{Diagnostic, Files};
use cedc_driver::project::{self, CONFIG_FILE};
use cedc_schema::crd;
use std::path::{Path, PathBuf};

/// What an import did, for the command line to print.
pub struct Imported {
    /// One line per file: `crds/x.yaml: 2 CRDs, 3 kinds (...)`.
    pub summary: Vec<String>,
    /// Problems found in the files (errors stop the import of that CRD only).
    pub problems: Vec<Diagnostic>,
    /// The files with their texts, for rendering `problems`.
    pub files: Files,
    /// Whether cedc.toml was changed.
    pub recorded: Vec<String>,
}

/// Import; on failure, the diagnostic and the files it may point into.
pub fn import_crds(dir: &Path, sources: &[PathBuf]) -> Result<Imported, (Files, Diagnostic)> {
    let mut files = Files::new();
    match import_into(dir, sources, &mut files) {
        Ok(i) => Ok(i),
        Err(d) => Err((files, d)),
    }
}

fn import_into(dir: &Path, sources: &[PathBuf], files: &mut Files) -> Result<Imported, Diagnostic> {
    let config_path = dir.join(CONFIG_FILE);
    // The project must be valid before it is changed.
    let project = project::load(dir, files).map_err(|e| e.diagnostic)?;
    let config_text = std::fs::read_to_string(&config_path)
        .map_err(|e| Diagnostic::error("E0080", format!("cannot read {CONFIG_FILE}: {e}")).help("check the file"))?;
    let mut doc: toml_edit::DocumentMut = config_text.parse().map_err(|e: toml_edit::TomlError| {
        Diagnostic::error("E0080", format!("invalid {CONFIG_FILE}: {}", e.message())).help("fix cedc.toml first")
    })?;
    let root = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mut summary = Vec::new();
    let mut problems = Vec::new();
    let mut recorded = Vec::new();
    for source in sources {
        let (text, rel) = if source.as_os_str() == STDIN {
            let text = read_stdin()?;
            let name = stdin_name(&text)?;
            let rel = copy_into(&root, &name, &text)?;
            (text, rel)
        } else {
            // Only regular files: a FIFO or a device would block or never end.
            let text = cedc_names::read_regular_file(source)
                .map_err(|e| io_error(source, &e.to_string()))
                .and_then(|b| String::from_utf8(b).map_err(|_| io_error(source, "not valid UTF-8")))?;
            let rel = project_path(&root, source, &text)?;
            (text, rel)
        };
        let loaded = crd::load_crds(&rel, &text);
        let file = files.add(rel.clone(), text.clone());
        for p in &loaded.problems {
            problems.push(cedc_driver::crd_problem(files, file, p, None));
        }
        let kinds: Vec<String> = loaded.kinds.iter().map(|k| format!("{} {}", k.api_version(), k.kind)).collect();
        if kinds.is_empty() {
            summary.push(format!("{rel}: no CustomResourceDefinition could be read; not recorded"));
            continue;
        }
        summary.push(format!(
            "{rel}: {} CRD{}, {} kind{}: {}",
            loaded.crds,
            if loaded.crds == 1 { "" } else { "s" },
            kinds.len(),
            if kinds.len() == 1 { "" } else { "s" },
            kinds.join(", ")
        ));
        if !project.crds.iter().any(|c| c.path == rel) && record(&mut doc, &rel) {
            recorded.push(rel);
        }
    }
    if !recorded.is_empty() {
        let tmp = dir.join(format!(".{CONFIG_FILE}.tmp"));
        std::fs::write(&tmp, doc.to_string()).and_then(|()| std::fs::rename(&tmp, &config_path)).map_err(|e| {
            Diagnostic::error("E0080", format!("cannot write {CONFIG_FILE}: {e}")).help("check permissions")
        })?;
    }
    Ok(Imported { summary, problems, files: std::mem::take(files), recorded })
}

/// The source naming standard input.
const STDIN: &str = "-";

/// The most standard input is read for CRDs (the largest upstream CRD bundles are a few
/// MiB): more is refused rather than read without end.
const STDIN_MAX: u64 = 64 << 20;

fn read_stdin() -> Result<String, Diagnostic> {
    use std::io::Read;
    let mut bytes = Vec::new();
    let read = std::io::stdin().lock().take(STDIN_MAX + 1).read_to_end(&mut bytes);
    let stdin = Path::new("standard input");
    read.map_err(|e| io_error(stdin, &e.to_string()))?;
    if bytes.len() as u64 > STDIN_MAX {
        return Err(io_error(stdin, &format!("more than {} MiB", STDIN_MAX >> 20)));
    }
    String::from_utf8(bytes).map_err(|_| io_error(stdin, "not valid UTF-8"))
}

/// The file CRDs read from standard input are kept in: `<kind>.<group>.yaml`, after the
/// first kind they define (`widget.example.com.yaml`).
fn stdin_name(text: &str) -> Result<String, Diagnostic> {
    let loaded = crd::load_crds("-", text);
    let first = loaded.kinds.first().ok_or_else(|| {
        Diagnostic::error("E0110", "standard input holds no CustomResourceDefinition cedc can read")
            .help("pipe CRD YAML (`kubectl get crd widgets.example.com -o yaml | cedc import crd -`)")
    })?;
    Ok(format!("{}.{}.yaml", first.kind.to_lowercase(), first.group))
}

fn io_error(path: &Path, why: &str) -> Diagnostic {
    Diagnostic::error("E0110", format!("cannot read `{}`: {why}", project::display(path)))
        .help("pass CRD files (YAML) that exist")
}

/// The project-relative path of a CRD file; files outside the project are copied into
/// `crds/` (refusing to overwrite a different file of the same name).
fn project_path(root: &Path, source: &Path, text: &str) -> Result<String, Diagnostic> {
    let full = source.canonicalize().map_err(|e| io_error(source, &e.to_string()))?;
    if let Ok(rel) = full.strip_prefix(root) {
        return Ok(project::display(rel));
    }
    let name = full.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "crds.yaml".into());
    copy_into(root, &name, text)
}

/// Copy `text` into the project's `crds/name` (refusing to overwrite a different file of
/// that name); its project-relative path.
fn copy_into(root: &Path, name: &str, text: &str) -> Result<String, Diagnostic> {
    let target = root.join("crds").join(name);
    match std::fs::read_to_string(&target) {
        Ok(existing) if existing == text => {}
        Ok(_) => {
            return Err(Diagnostic::error("E0110", format!("`crds/{name}` already exists with other content"))
                .help("rename the file you import, or remove the old copy"));
        }
        Err(_) => {
            std::fs::create_dir_all(root.join("crds"))
                .and_then(|()| std::fs::write(&target, text))
                .map_err(|e| io_error(&target, &e.to_string()))?;
        }
    }
    Ok(format!("crds/{name}"))
}

/// Add `path` to `[schemas] crds`; `false` if it is there already.
fn record(doc: &mut toml_edit::DocumentMut, path: &str) -> bool {
    let schemas = doc.entry("schemas").or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()));
    let Some(table) = schemas.as_table_like_mut() else { return false };
    let crds = table.entry("crds").or_insert(toml_edit::value(toml_edit::Array::new()));
    let Some(list) = crds.as_array_mut() else { return false };
    if list.iter().any(|v| v.as_str() == Some(path)) {
        return false;
    }
    list.push(path);
    true
}
