//! `cedc import chart PATH`: write the `.ced` chart module of a Helm chart: its identity
//! (`chart`), its values type (`Values`), what it installs (`installs`) and a typed
//! `install` function returning a `Release`. Invariant: the module is a function of the
//! chart's files, the flags and helm's output only (no path, time or hash order in it),
//! and is in `cedc fmt` style; no input makes this panic or run unbounded.

mod comments;
mod helm;
mod read;
mod types;
pub(crate) mod write;

use cedc_diagnostics::{Diagnostic, Files, Span};
use serde_json::Value;
use std::path::PathBuf;

/// A problem of the import: a diagnostic (spans into the import's [`Files`]).
pub type Problem = Diagnostic;

pub(crate) fn err(code: &'static str, message: impl Into<String>) -> Problem {
    Diagnostic::error(code, message)
}

/// The default of `install`'s `release` parameter, as `.ced` source: the name of the
/// component installing the chart (`None` would be the chart's name as a string).
const RELEASE_DEFAULT: Option<&str> = Some("component_name()");

/// What the command was asked.
pub struct Request {
    pub chart: PathBuf,
    pub repository: Option<String>,
    pub helm: Option<PathBuf>,
}

/// The generated module and what to tell the user.
pub struct Generated {
    pub module: String,
    /// Warnings (the repository placeholder), rendered against `files`.
    pub warnings: Vec<Diagnostic>,
    /// Lines for stderr (which helm, what was found).
    pub notes: Vec<String>,
    pub files: Files,
}

/// The chart's identity, from Chart.yaml.
pub struct Identity {
    pub name: String,
    pub version: String,
    pub app_version: Option<String>,
}

/// Generate the module; on failure, the diagnostic and the files it points into.
pub fn import_chart(req: &Request) -> Result<Generated, (Files, Diagnostic)> {
    let mut files = Files::new();
    match generate(req, &mut files) {
        Ok(g) => Ok(g),
        Err(d) => Err((files, d)),
    }
}

fn generate(req: &Request, files: &mut Files) -> Result<Generated, Problem> {
    let chart_files = read::read_chart(&req.chart)?;
    let mut warnings = Vec::new();
    let mut notes = Vec::new();
    let chart_id = files.add("Chart.yaml", chart_files.chart_yaml.clone());
    let identity = identity(&chart_files.chart_yaml, files, chart_id)?;
    let repository = match &req.repository {
        Some(r) => check_repository(r)?,
        None => {
            warnings.push(
                Diagnostic::warning("E0436", "no chart repository given: the module holds a placeholder")
                    .help("pass --repository https://... (or oci://...), or fill `repository` in the module"),
            );
            write::REPOSITORY_PLACEHOLDER.to_string()
        }
    };
    let values_text = chart_files.values_yaml.unwrap_or_default();
    let values_id = files.add("values.yaml", values_text.clone());
    let defaults = parse_values(&values_text, files, values_id)?;
    let docs = comments::docs(&values_text);
    let values = match &chart_files.schema_json {
        Some(schema) => {
            let schema: Value = serde_json::from_str(schema).map_err(|e| {
                err("E0429", format!("values.schema.json is not valid JSON: {e}"))
                    .help("fix the chart's schema, or remove it to type the values from values.yaml")
            })?;
            notes.push("values typed from values.schema.json".to_string());
            types::from_schema(&schema, &Value::Object(defaults), &docs)?
        }
        None => {
            let map = defaults;
            types::from_values(&map, &docs)?
        }
    };
    let installs = match helm::find(req.helm.as_deref()) {
        Some(h) => {
            notes.push(format!("using helm {} (from {})", h.path.display(), h.from));
            let found = helm::installs(&h, &req.chart, &identity.name)?;
            notes.push(format!(
                "helm template: {} CRD kind{}, {} object{} recorded in `installs`",
                found.crds.len(),
                plural(found.crds.len()),
                found.objects.len(),
                plural(found.objects.len())
            ));
            Some(found)
        }
        None => {
            notes.push(
                "no helm found (--helm, CEDC_HELM, PATH): `installs` is left empty; fill it by hand or regenerate with helm"
                    .to_string(),
            );
            None
        }
    };
    let module = write::module(&write::Module {
        identity: &identity,
        repository: &repository,
        values: &values,
        installs: installs.as_ref(),
        release_default: RELEASE_DEFAULT,
    });
    Ok(Generated { module, warnings, notes, files: std::mem::take(files) })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Parse one YAML document of a chart file; duplicate keys are errors.
fn parse_yaml(
    text: &str,
    file: &str,
    code: &'static str,
    files: &Files,
    id: cedc_diagnostics::FileId,
) -> Result<Value, Problem> {
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
        budget: serde_saphyr::budget! {
            max_depth: 200,
            max_documents: 1,
        },
    };
    // The command runs on a thread with a large stack (main.rs), so the parser's
    // recursion, bounded by `max_depth`, fits.
    serde_saphyr::from_str_with_options::<Value>(text, options).map_err(|e| {
        let line = e.location().map(|l| l.line() as usize).filter(|&l| l > 0);
        let message = e.to_string();
        let first = message.lines().next().unwrap_or_default();
        // `error: line 4 column 3: duplicate mapping key: tag, set DuplicateKeyPolicy ...`
        let what = first.split_once(" column ").and_then(|(_, r)| r.split_once(": ")).map_or(first, |(_, w)| w);
        let d = match what.strip_prefix("duplicate mapping key: ") {
            Some(rest) => {
                let key = rest.split(", set ").next().unwrap_or(rest);
                err(code, format!("{file} has the key `{}` twice in one mapping", shown(key)))
                    .help("remove one of the two: YAML would silently keep only one of them")
            }
            None => err(code, format!("{file} is not valid YAML: {what}")).help(format!("fix {file}")),
        };
        match line {
            Some(l) => d.at(files.line_span(id, l), "here"),
            None => d,
        }
    })
}

fn parse_values(
    text: &str,
    files: &Files,
    id: cedc_diagnostics::FileId,
) -> Result<serde_json::Map<String, Value>, Problem> {
    match parse_yaml(text, "values.yaml", "E0428", files, id)? {
        Value::Null => Ok(serde_json::Map::new()),
        Value::Object(m) => Ok(m),
        _ => Err(err("E0428", "values.yaml is not a mapping")
            .at(files.line_span(id, 1), "here")
            .help("a chart's values.yaml maps keys to values")),
    }
}

/// The line of the top-level `key:` of a YAML file, for pointing at it.
fn key_span(files: &Files, id: cedc_diagnostics::FileId, key: &str) -> Option<Span> {
    let text = &files.get(id).text;
    let line = text.lines().position(|l| l.starts_with(&format!("{key}:")))?;
    Some(files.line_span(id, line + 1))
}

/// The text after `key:` on its top-level line, quotes and comment removed: the
/// version as written, where YAML would read `1.10` as a number.
fn raw_scalar(text: &str, key: &str) -> Option<String> {
    let line = text.lines().find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))?;
    let v = line.split(" #").next().unwrap_or_default().trim();
    let v = v.trim_matches(|c| c == '"' || c == '\'');
    (!v.is_empty()).then(|| v.to_string())
}

fn identity(text: &str, files: &Files, id: cedc_diagnostics::FileId) -> Result<Identity, Problem> {
    let doc = parse_yaml(text, "Chart.yaml", "E0426", files, id)?;
    let at = |d: Diagnostic, key: &str| match key_span(files, id, key) {
        Some(s) => d.at(s, "here"),
        None => d,
    };
    let name = doc.get("name").and_then(Value::as_str).unwrap_or_default();
    if !valid_chart_name(name) {
        return Err(at(
            err("E0426", format!("Chart.yaml: `name` must be a chart name, found `{}`", shown(name))),
            "name",
        )
        .help("a chart name is lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit"));
    }
    let version = match doc.get("version") {
        Some(Value::String(s)) => s.clone(),
        Some(v) if !v.is_null() => raw_scalar(text, "version").unwrap_or_default(),
        _ => String::new(),
    };
    if let Err(why) = cedc_checks::exact_version(&version) {
        return Err(at(
            err(
                "E0427",
                format!("Chart.yaml: `version` must be an exact SemVer version, found `{}`: {why}", shown(&version)),
            ),
            "version",
        )
        .help("a chart version is MAJOR.MINOR.PATCH (a leading `v` allowed, as Helm allows it), optionally with -prerelease and +build (`1.21.1`)"));
    }
    let app_version = match doc.get("appVersion") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) if !v.is_null() => raw_scalar(text, "appVersion"),
        _ => None,
    };
    Ok(Identity { name: name.to_string(), version, app_version: app_version.filter(|a| !a.is_empty()) })
}

/// A value for a message: control characters shown escaped, at most 80 characters.
fn shown(s: &str) -> String {
    s.chars().flat_map(char::escape_debug).take(80).collect()
}

fn valid_chart_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 200
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b'.')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// `MAJOR.MINOR.PATCH[-pre][+build]`, numbers without leading zeros (SemVer 2.0), as
/// the `semver` crate reads it.
fn check_repository(r: &str) -> Result<String, Problem> {
    let ok = ["https://", "http://", "oci://"].iter().any(|p| r.starts_with(p) && r.len() > p.len())
        && !r.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(r.to_string())
    } else {
        Err(err("E0435", format!("`{}` is not a chart repository", shown(r)))
            .help("give the repository as `https://...` (a Helm repository) or `oci://...` (an OCI registry)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `v` is an exact chart version, by the rule the checks apply to releases.
    fn is_semver(v: &str) -> bool {
        cedc_checks::exact_version(v).is_ok()
    }

    #[test]
    fn semver_is_exact() {
        for ok in ["1.2.3", "0.0.0", "10.20.30", "1.0.0-rc.1", "1.0.0-alpha-1+build.5", "8.5.1+abc", "v1.16.2"] {
            assert!(is_semver(ok), "{ok}");
        }
        for bad in ["1.2", "1.2.3.4", "vv1.2.3", "01.2.3", "1.2.x", "^1.2.3", "1.2.3-", "1.2.3-01", "", "1.2.3+"] {
            assert!(!is_semver(bad), "{bad}");
        }
    }

    #[test]
    fn raw_scalar_keeps_what_yaml_would_turn_into_a_number() {
        assert_eq!(raw_scalar("name: x\nappVersion: 1.10 # app\n", "appVersion").as_deref(), Some("1.10"));
        assert_eq!(raw_scalar("appVersion: \"2.0\"\n", "appVersion").as_deref(), Some("2.0"));
    }
}
