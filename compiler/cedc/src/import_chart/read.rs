//! Reading a chart's own files (`Chart.yaml`, `values.yaml`, `values.schema.json`) from
//! a chart directory or a `.tgz` made by `helm pull`. Invariant: every read is capped
//! ([`FILE_CAP`], [`ARCHIVE_CAP`], [`MAX_ENTRIES`]); in an archive only regular files
//! whose path is `<dir>/<name>` with plain components are read (no `..`, no absolute
//! path, no link), so a hostile archive can neither escape nor exhaust anything.

use super::{Problem, err};
use std::io::Read;
use std::path::Path;

/// The largest chart file read (Chart.yaml, values.yaml, values.schema.json).
pub const FILE_CAP: u64 = 4 << 20;
/// The most bytes decompressed from an archive.
pub const ARCHIVE_CAP: u64 = 256 << 20;
/// The most entries read from an archive.
pub const MAX_ENTRIES: usize = 20_000;

/// The chart files cedc reads, as text; `None` when the chart has no such file.
#[derive(Default)]
pub struct ChartFiles {
    pub chart_yaml: String,
    pub values_yaml: Option<String>,
    pub schema_json: Option<String>,
}

/// Read a chart from a directory or a `.tgz` file.
pub fn read_chart(path: &Path) -> Result<ChartFiles, Problem> {
    let shown = cedc_driver::project::display(path);
    let meta = std::fs::metadata(path).map_err(|e| cannot_read(&shown, &e.to_string()))?;
    if meta.is_dir() {
        return read_dir(path, &shown);
    }
    if meta.is_file() {
        return read_archive(path, &shown);
    }
    Err(cannot_read(&shown, "not a directory or a file"))
}

fn cannot_read(shown: &str, why: &str) -> Problem {
    err("E0425", format!("cannot read the chart `{shown}`: {why}"))
        .help("give a chart directory (holding Chart.yaml) or a .tgz made by `helm pull`")
}

fn too_large(what: &str, cap: u64) -> Problem {
    err("E0430", format!("{what} is larger than {} MiB", cap >> 20))
        .help("cedc reads charts of ordinary size; check that this is the chart you meant")
}

fn read_dir(dir: &Path, shown: &str) -> Result<ChartFiles, Problem> {
    let chart_yaml = read_file(dir, "Chart.yaml")?.ok_or_else(|| cannot_read(shown, "it has no Chart.yaml"))?;
    Ok(ChartFiles {
        chart_yaml,
        values_yaml: read_file(dir, "values.yaml")?,
        schema_json: read_file(dir, "values.schema.json")?,
    })
}

/// A regular file of the chart directory (a symbolic link counts as absent).
fn read_file(dir: &Path, name: &str) -> Result<Option<String>, Problem> {
    let path = dir.join(name);
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_file() => {}
        _ => return Ok(None),
    }
    let file = std::fs::File::open(&path).map_err(|e| cannot_read(name, &e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(FILE_CAP + 1).read_to_end(&mut bytes).map_err(|e| cannot_read(name, &e.to_string()))?;
    if bytes.len() as u64 > FILE_CAP {
        return Err(too_large(&format!("`{name}`"), FILE_CAP));
    }
    String::from_utf8(bytes).map(Some).map_err(|_| cannot_read(name, "not valid UTF-8"))
}

fn bad_archive(shown: &str, why: &str) -> Problem {
    err("E0433", format!("`{shown}` is not a chart archive: {why}"))
        .help("give a .tgz made by `helm pull` or `helm package`, or the chart's directory")
}

fn read_archive(path: &Path, shown: &str) -> Result<ChartFiles, Problem> {
    let mut file = std::fs::File::open(path).map_err(|e| cannot_read(shown, &e.to_string()))?;
    let mut magic = [0u8; 2];
    if file.read_exact(&mut magic).is_err() || magic != [0x1f, 0x8b] {
        return Err(bad_archive(shown, "it is not gzip-compressed"));
    }
    std::io::Seek::rewind(&mut file).map_err(|e| cannot_read(shown, &e.to_string()))?;
    let gz = flate2::read::GzDecoder::new(std::io::BufReader::new(file));
    let mut archive = tar::Archive::new(gz.take(ARCHIVE_CAP));
    let entries = archive.entries().map_err(|e| bad_archive(shown, &e.to_string()))?;
    let mut top: Option<String> = None;
    let mut found: [Option<String>; 3] = [None, None, None];
    for (n, entry) in entries.enumerate() {
        if n >= MAX_ENTRIES {
            return Err(err("E0430", format!("`{shown}` has more than {MAX_ENTRIES} entries"))
                .help("cedc reads charts of ordinary size; check that this is the chart you meant"));
        }
        let mut entry = entry.map_err(|e| archive_error(shown, &e))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let Some((dir, name)) = entry.path().ok().and_then(|p| chart_file(&p)) else { continue };
        let Some(slot) = ["Chart.yaml", "values.yaml", "values.schema.json"].iter().position(|f| *f == name) else {
            continue;
        };
        match &top {
            Some(t) if *t != dir => continue,
            _ => top = Some(dir),
        }
        let mut bytes = Vec::new();
        (&mut entry).take(FILE_CAP + 1).read_to_end(&mut bytes).map_err(|e| archive_error(shown, &e))?;
        if bytes.len() as u64 > FILE_CAP {
            return Err(too_large(&format!("`{name}` in `{shown}`"), FILE_CAP));
        }
        let text = String::from_utf8(bytes).map_err(|_| bad_archive(shown, &format!("{name} is not valid UTF-8")))?;
        found[slot] = Some(text);
    }
    let [chart, values, schema] = found;
    let chart_yaml = chart.ok_or_else(|| bad_archive(shown, "it holds no <chart>/Chart.yaml"))?;
    Ok(ChartFiles { chart_yaml, values_yaml: values, schema_json: schema })
}

fn archive_error(shown: &str, e: &std::io::Error) -> Problem {
    // Reading stops at the cap as if the archive ended there.
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        return bad_archive(shown, &format!("it is truncated, or larger than {} MiB unpacked", ARCHIVE_CAP >> 20));
    }
    bad_archive(shown, &e.to_string())
}

/// `(dir, name)` for an archive path `dir/name` of two plain components.
fn chart_file(path: &Path) -> Option<(String, String)> {
    let mut parts = Vec::new();
    for c in path.components() {
        match c {
            std::path::Component::Normal(s) => parts.push(s.to_str()?.to_string()),
            std::path::Component::CurDir => {}
            _ => return None,
        }
    }
    match <[String; 2]>::try_from(parts) {
        Ok([dir, name]) => Some((dir, name)),
        Err(_) => None,
    }
}
