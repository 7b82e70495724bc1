//! No plaintext credential reaches the output: every string of every object cedc emits
//! (components' objects and the generated delivery, whose Applications carry the charts'
//! values) and of every chart's values is scanned, and each finding is an error at the
//! `.ced` span of the string, naming the kind of credential — never echoing it.
//!
//! - E0490: a PEM block holding a private key, or a certificate signing request;
//! - E0491: a token of a well-known format (GitHub, GitLab, Slack, AWS access keys,
//!   Google API keys, JSON Web Tokens);
//! - E0492: a literal under a key that names a credential (`password`, `client_secret`,
//!   `token`, `apiKey`, ...), other than a reference that the consuming tool resolves
//!   (`$VAR`, `$__env{...}`, `${...}`, `{{ ... }}`) or an empty string;
//! - E0493: an object exported from a live cluster: `metadata.uid`, `resourceVersion`,
//!   `creationTimestamp`, `managedFields`, `selfLink`, `generation`, or a `status`;
//! - E0494: a Secret whose contents (`data`, `stringData`) are written in the platform —
//!   except Argo CD's declarative Secrets (labelled `argocd.argoproj.io/secret-type`, such
//!   as the cluster registrations cedc generates), whose fields are scanned as above.
//!
//! Certificates and public keys are public material and are not reported.
//!
//! Invariants: values are walked with an explicit stack (no recursion on user data); each
//! distinct object value is scanned once for all environments ([`of_object`]), and each
//! string is reported once per environment, place, text and key (see [`Seen`]); patterns
//! are compiled once.

use cedc_diagnostics::{Diagnostic, Diagnostics, Span};
use cedc_model::views::cluster::SECRET_TYPE_LABEL;
use cedc_model::views::core::Secret;
use cedc_model::views::delivery::Release;
use cedc_model::{Environment, Object, ObjectView, Value, ValueKind, View};
use regex::Regex;
use std::sync::OnceLock;

/// What one scan already reported and walked. A string is reported once per place
/// (span), text and the key it sits under: one place can make many strings (a helper's
/// interpolation, once per call) and one string can sit under several keys, each of
/// which is reported, once. Strings are looked at again when met again (cheaper than
/// remembering every one); only those reported are remembered. Records are remembered
/// by address: what a record's strings are reported under depends on the record alone
/// (its own field names, its own `name` for a `{ name, value }` pair), so a record met
/// again — the same allocation, as interning makes the parts objects share — is not
/// walked again.
#[derive(Default)]
struct Seen<'v> {
    reported: Reported<'v>,
    records: HashSet<usize>,
    /// Whether each key met names a credential ([`credential_key`]): a platform's
    /// strings sit under a few hundred keys.
    credential: Credentials<'v>,
}

/// The (place, text, key) of each string reported.
type Reported<'v> = HashSet<(Span, &'v str, Option<&'v str>)>;

type HashSet<T> = std::collections::HashSet<T, foldhash::fast::FixedState>;

/// A string a scan reports: its place, text and key, and the report.
pub(crate) struct Finding<'v> {
    at: Span,
    text: &'v str,
    key: Option<&'v str>,
    report: Diagnostic,
}

/// What each object cedc writes gives away, by [`Object::value_id`]: only the objects
/// with something to report.
pub(crate) type Findings<'v> = crate::HashMap<usize, Scanned<'v>>;

/// What one object value gives away: its own reports (E0493, E0494: they depend on the
/// value alone), then what its strings do.
pub(crate) struct Scanned<'v> {
    own: Vec<Diagnostic>,
    strings: Vec<Finding<'v>>,
}

/// Whether each key met names a credential.
type Credentials<'v> = std::collections::HashMap<&'v str, bool, foldhash::fast::FixedState>;

/// What one task's scans keep from one object to the next ([`of_object`]): whether each
/// key met names a credential, and the room of the sets each scan empties first (made
/// anew for each object, they grew and were dropped per object).
#[derive(Default)]
pub(crate) struct Scanner<'v> {
    seen: Seen<'v>,
}

/// What the object `o` gives away (its own reports, then its strings'), when anything:
/// what it reports depends on its value alone, so `crate::DistinctPass` scans each
/// distinct value once for all environments. Each object is scanned on its own (no
/// record skipped because another object held it: the environments do not hold the
/// same objects in the same order).
pub(crate) fn of_object<'v>(scanner: &mut Scanner<'v>, o: &'v Object) -> Option<Scanned<'v>> {
    let mut own = Vec::new();
    exported(o, &mut own);
    contents(o, &mut own);
    let seen = &mut scanner.seen;
    seen.reported.clear();
    seen.records.clear();
    let mut strings = Vec::new();
    scan(&o.value, seen, &mut strings);
    Some(Scanned { own, strings }).filter(|f| !f.own.is_empty() || !f.strings.is_empty())
}

/// Scan everything `env` emits; `findings`: what its objects give away, found already.
pub fn check(env: &Environment, findings: &Findings, diags: &mut Diagnostics) {
    let mut out = Vec::new();
    let mut reported = Reported::default();
    for o in env.written_objects() {
        let from = out.len();
        match o.value_id() {
            Some(id) => {
                if let Some(f) = findings.get(&id) {
                    out.extend(f.own.iter().cloned());
                    report_new(&f.strings, &mut reported, &mut out);
                }
            }
            None => {
                exported(o, &mut out);
                contents(o, &mut out);
                scanned(&o.value, &mut reported, &mut out);
            }
        }
        crate::at_input(&mut out[from..], o);
    }
    for c in &env.components {
        if let Some(values) = c.chart.as_deref().and_then(|r| Release(View::new(r)).values()) {
            scanned(values.value(), &mut reported, &mut out);
        }
    }
    diags.extend(out.into_iter().map(|d| d.in_env(&env.name)));
}

/// Scan `v` here and report what `reported` does not hold yet.
fn scanned<'v>(v: &'v Value, reported: &mut Reported<'v>, out: &mut Vec<Diagnostic>) {
    let mut findings = Vec::new();
    scan(v, &mut Seen::default(), &mut findings);
    report_new(&findings, reported, out);
}

/// The reports of `findings` not made already (at the same place, text and key).
fn report_new<'v>(findings: &[Finding<'v>], reported: &mut Reported<'v>, out: &mut Vec<Diagnostic>) {
    for f in findings {
        if reported.insert((f.at, f.text, f.key)) {
            out.push(f.report.clone());
        }
    }
}

/// Every string of `v`, with the record key it sits under (for a list item, its list's;
/// for the `value` of a `{ name, value }` pair such as a container's environment
/// variable, its `name`). A string reached twice is reported once.
fn scan<'v>(v: &'v Value, seen: &mut Seen<'v>, out: &mut Vec<Finding<'v>>) {
    let mut stack: Vec<(&Value, Option<&str>)> = vec![(v, None)];
    while let Some((v, key)) = stack.pop() {
        match &v.kind {
            // Declared public material (`public(text, reason)`) passes, unless it holds
            // a private key: that is never public.
            ValueKind::Named(n) if n.public.is_some() && pem(&n.text).is_some() => {
                report(&n.text, None, v.span(), seen, out);
            }
            ValueKind::Named(n) if n.public.is_some() => {}
            ValueKind::Str(_) | ValueKind::Named(_) => {
                let at = v.span();
                // Text naming a synced Secret is a reference, whatever key holds it; its
                // contents are still scanned.
                let key = if matches!(&v.kind, ValueKind::Named(n) if !n.reads.is_empty()) { None } else { key };
                let text = v.as_str().unwrap_or_default();
                report(text, key, at, seen, out);
            }
            ValueKind::List(items) => stack.extend(items.iter().rev().map(|i| (i, key))),
            ValueKind::Record(fields) if seen.records.insert(fields.addr()) => {
                let pair = name_value_pair(fields);
                stack.extend(fields.iter().rev().map(|(k, v)| {
                    let key = if &**k == "value" && pair.is_some() { pair } else { Some(&**k) };
                    (v, key)
                }));
            }
            _ => {}
        }
    }
}

/// The `name` of a `{ name, value }` pair (a record holding both, `name` a string).
fn name_value_pair(fields: &cedc_model::Fields) -> Option<&str> {
    let (mut name, mut value) = (None, false);
    for (k, v) in fields.iter() {
        match &**k {
            "name" => name = Some(v),
            "value" => value = true,
            _ => {}
        }
    }
    name.and_then(Value::as_str).filter(|_| value)
}

/// What [`string`] finds in `text`, unless it was reported before at the same place and
/// key.
fn report<'v>(text: &'v str, key: Option<&'v str>, at: Span, seen: &mut Seen<'v>, out: &mut Vec<Finding<'v>>) {
    let credential = key.is_some_and(|k| *seen.credential.entry(k).or_insert_with(|| credential_key(k)));
    let mut found = Vec::new();
    string(text, key.filter(|_| credential), at, &mut found);
    if !found.is_empty() && seen.reported.insert((at, text, key)) {
        out.extend(found.into_iter().map(|report| Finding { at, text, key, report }));
    }
}

/// What `s` gives away, if anything; `credential`: the key naming a credential it sits
/// under, if it does.
fn string(s: &str, credential: Option<&str>, at: Span, out: &mut Vec<Diagnostic>) {
    // Almost every string holds no literal of a PEM block or a token: one pass rules
    // both out.
    let suspect = may_hold_a_literal(s) && literals().is_none_or(|all| all.is_match(s));
    if suspect && let Some(what) = pem(s) {
        out.push(
            Diagnostic::error("E0490", format!("a {what} is written in the platform"))
                .at(at, format!("a PEM {what}"))
                .help("keep private keys and certificate requests out of git: let cert-manager or the workload generate them, or read them from a secret store into a Secret"),
        );
        return;
    }
    if suspect && let Some(what) = token(s) {
        let help = if what == "password hash" {
            "change the password (its hash is in git history now, open to an offline attack) and read the new one, or its hash, from a secret store into a Secret the workload references"
        } else {
            "revoke it (it is in git history now) and read it from a secret store into a Secret the workload references"
        };
        out.push(
            Diagnostic::error("E0491", format!("a {what} is written in the platform"))
                .at(at, format!("looks like a {what}"))
                .help(help),
        );
        return;
    }
    if let Some(k) = credential
        && !s.is_empty()
        && !reference(s)
    {
        out.push(
            Diagnostic::error("E0492", format!("`{k}` is given a literal value"))
                .at(at, "a credential written in the platform")
                .help("a credential does not belong in the platform's files, even a placeholder: reference a Secret (`valueFrom.secretKeyRef`, a chart's `existingSecret`), or a variable the tool resolves (`$__env{NAME}`)"),
        );
    }
}

/// The kind of a PEM block in `s` that must stay private.
fn pem(s: &str) -> Option<&'static str> {
    let begin = s.find(PEM_BEGIN)?;
    let label = s[begin + PEM_BEGIN.len()..].split("-----").next()?;
    if label.ends_with("PRIVATE KEY") {
        Some("private key")
    } else if label.ends_with("CERTIFICATE REQUEST") {
        Some("certificate signing request")
    } else {
        None
    }
}

/// Well-known token formats: what each is, literals one of which every match contains,
/// and the pattern. A pattern is compiled the first time a string holds one of its
/// literals (compiling all of them cost every run ~2 ms of start-up).
const TOKENS: &[(&str, &[&str], &str)] = &[
    // (Each prefix whole: `gh` alone let every `ghcr.io` image through to the pattern.)
    (
        "GitHub token",
        &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
        r"\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})\b",
    ),
    ("GitLab token", &["glpat-"], r"\bglpat-[A-Za-z0-9_-]{20,}\b"),
    ("Slack token", &["xox"], r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    ("AWS access key", &["AKIA", "ASIA"], r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    ("Google API key", &["AIza"], r"\bAIza[0-9A-Za-z_-]{35}\b"),
    ("JSON Web Token", &["eyJ"], r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    // crypt(3) hashes: bcrypt, SHA-256/512-crypt, Apache MD5, Argon2.
    (
        "password hash",
        &["$"],
        r"\$(2[abxy]\$[0-9]{2}\$[./A-Za-z0-9]{53}|[56]\$([^$\s]{1,96}\$){1,2}[./A-Za-z0-9]{43,86}|apr1\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}|argon2(id|i|d)\$)",
    ),
];

/// The compiled pattern of `TOKENS[i]` (`None` if it did not compile: a bug the tests
/// catch, `every_token_pattern_compiles`).
fn pattern(i: usize) -> Option<&'static Regex> {
    static COMPILED: [OnceLock<Option<Regex>>; TOKENS.len()] = [const { OnceLock::new() }; TOKENS.len()];
    let (_, _, re) = TOKENS.get(i)?;
    COMPILED.get(i)?.get_or_init(|| Regex::new(re).ok()).as_ref()
}

/// How a PEM block begins.
const PEM_BEGIN: &str = "-----BEGIN ";

/// The format of a token in `s` ([`TOKENS`]).
fn token(s: &str) -> Option<&'static str> {
    TOKENS
        .iter()
        .enumerate()
        .filter(|(_, (_, literals, _))| literals.iter().any(|l| s.contains(l)))
        .find(|(i, _)| pattern(*i).is_some_and(|re| re.is_match(s)))
        .map(|(_, (what, _, _))| *what)
}

/// [`PEM_BEGIN`] and every literal of [`TOKENS`].
fn every_literal() -> impl Iterator<Item = &'static str> {
    std::iter::once(PEM_BEGIN).chain(TOKENS.iter().flat_map(|(_, literals, _)| literals.iter().copied()))
}

/// Whether `s` may hold one of [`every_literal`]: it holds the first two bytes of one
/// (its only byte, for a literal of one). Nearly every string of a platform holds none,
/// and is passed over in one look at each byte, before the automaton (whose set-up cost
/// for a string of a dozen bytes was about 200 instructions).
fn may_hold_a_literal(s: &str) -> bool {
    /// The first two bytes of each literal (`None` for the second of a literal of one).
    type Heads = Vec<(u8, Option<u8>)>;
    static HEADS: OnceLock<([bool; 256], Heads)> = OnceLock::new();
    let (first, heads) = HEADS.get_or_init(|| {
        let heads: Heads =
            every_literal().filter_map(|l| Some((*l.as_bytes().first()?, l.as_bytes().get(1).copied()))).collect();
        let mut first = [false; 256];
        for (b, _) in &heads {
            first[usize::from(*b)] = true;
        }
        (first, heads)
    });
    let bytes = s.as_bytes();
    bytes.iter().enumerate().any(|(i, b)| {
        first[usize::from(*b)]
            && heads.iter().any(|(h, next)| h == b && next.is_none_or(|n| bytes.get(i + 1) == Some(&n)))
    })
}

/// [`PEM_BEGIN`] and every literal of [`TOKENS`] in one automaton: a string holding
/// none of them (almost all) is passed over in one pass rather than a search per
/// literal. `None` if it could not be built (it is plain ASCII text: a bug the tests
/// catch); strings are then searched literal by literal.
fn literals() -> Option<&'static aho_corasick::AhoCorasick> {
    static LITERALS: OnceLock<Option<aho_corasick::AhoCorasick>> = OnceLock::new();
    LITERALS.get_or_init(|| aho_corasick::AhoCorasick::new(every_literal()).ok()).as_ref()
}

/// What keys that name a credential end with, compared lower-cased without `_` and `-`,
/// on the last dotted segment (`dex.github.clientSecret` → `clientsecret`,
/// `AWS_SECRET_ACCESS_KEY` → `awssecretaccesskey`). Keys naming an existing Secret
/// (`existingSecret`) are references, not credentials.
const CREDENTIAL_KEYS: &[&str] = &[
    "password",
    "passwd",
    "token",
    "apikey",
    "accesskey",
    "secretaccesskey",
    "privatekey",
    "clientsecret",
    "webhooksecret",
    "sharedsecret",
    "cookiesecret",
    "sessionsecret",
    "jwtsecret",
];

/// A key that is `secret` alone names a credential too.
const SECRET: &str = "secret";

/// What a password hash's key holds beside `password` (ClickHouse's
/// `<user>/password_sha256_hex`, `password_double_sha1_hex`; `passwordHash`): a hash
/// leaks the password to an offline attack.
const HASH_WORDS: &[&str] = &["hash", "sha1hex", "sha256hex", "bcrypt", "crypt"];

fn credential_key(key: &str) -> bool {
    // The last segment of a dotted or slashed key (`users.alice/password`).
    let last = key.rsplit(['.', '/']).next().unwrap_or(key);
    let normal: String = last.chars().filter(|c| !matches!(c, '_' | '-')).flat_map(char::to_lowercase).collect();
    let names_a_reference =
        normal.contains("existing") || ["ref", "name", "file", "path"].iter().any(|e| normal.ends_with(e));
    let hash =
        (normal.contains("password") || normal.contains("passwd")) && HASH_WORDS.iter().any(|w| normal.ends_with(w));
    !names_a_reference && (hash || normal == SECRET || CREDENTIAL_KEYS.iter().any(|k| normal.ends_with(k)))
}

/// A value the consuming tool replaces: an environment or config variable (`$NAME`,
/// `${NAME}`, `$__env{NAME}`, `$__file{...}`, Argo CD's `$dex.key`) or a template.
fn reference(s: &str) -> bool {
    let t = s.trim();
    t.starts_with('$') || t.starts_with("{{")
}

/// E0494 for a Secret whose contents are written in the platform.
fn contents(o: &Object, out: &mut Vec<Diagnostic>) {
    if Secret::cast(o).is_none() {
        return;
    }
    let v = View::new(&o.value);
    if v.at(&["metadata", "labels", SECRET_TYPE_LABEL]).is_some() {
        return;
    }
    let written = ["stringData", "data"]
        .iter()
        .find_map(|k| v.field(k).filter(|f| f.entries().is_some_and(|mut e| e.next().is_some())));
    if let Some(at) = written {
        out.push(
            Diagnostic::error("E0494", format!("the contents of Secret `{}` are written in the platform", o.name))
                .at(at.span(), "the Secret's contents")
                .help("declare where the Secret comes from instead (a secret store synced into it), or declare the Secret without `data` and `stringData` and create its contents outside the platform's files"),
        );
    }
}

/// The metadata a live cluster writes (E0493), in the order a report prefers them.
const EXPORTED_METADATA: [&str; 6] =
    ["uid", "resourceVersion", "creationTimestamp", "managedFields", "selfLink", "generation"];

/// E0493 for the fields a live cluster adds to an object.
fn exported(o: &Object, out: &mut Vec<Diagnostic>) {
    let v = View::new(&o.value);
    // The first of `EXPORTED_METADATA` the metadata holds, its fields read once.
    let metadata = v.field("metadata").and_then(View::record);
    let rank = |k: &str| EXPORTED_METADATA.iter().position(|m| *m == k);
    // (`none` counts as absent, as `View::field` has it.)
    let first = metadata.and_then(|m| {
        let present = m.iter().filter(|(_, f)| !matches!(f.kind, ValueKind::None));
        present.filter_map(|(k, f)| Some((rank(k)?, k, f))).min_by_key(|(r, ..)| *r)
    });
    let found = first.map(|(_, k, f)| (format!("metadata.{k}"), View::new(f)));
    let found = found.or_else(|| v.field("status").map(|f| ("status".to_string(), f)));
    if let Some((field, at)) = found {
        out.push(
            Diagnostic::error("E0493", format!("{} `{}` carries `{field}`, which a live cluster writes", o.kind, o.name))
                .at(at.span(), "copied from a cluster")
                .help("declare the object as it should be, not as a cluster reports it: remove `status` and the metadata the API server sets (uid, resourceVersion, creationTimestamp, managedFields, selfLink, generation)"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `exported` reports of a ConfigMap with this metadata.
    fn exported_from(metadata: serde_json::Value) -> Vec<String> {
        let json = serde_json::json!({ "apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata });
        let value = Value::from_json(&json, Span::new(cedc_diagnostics::FileId(0), 0, 1));
        let o = Object { api_version: "v1".into(), kind: "ConfigMap".into(), name: "c".into(), namespace: None, value };
        let mut out = Vec::new();
        exported(&o, &mut out);
        out.into_iter().map(|d| d.message).collect()
    }

    #[test]
    fn exported_metadata_is_reported_first_in_its_order_and_none_is_absent() {
        let report = |field: &str| vec![format!("ConfigMap `c` carries `{field}`, which a live cluster writes")];
        // In the metadata's order `generation` comes first; the report prefers `uid`'s
        // order, where `resourceVersion` is before it (`uid`, being none, is absent).
        let both = serde_json::json!({ "name": "c", "generation": 3, "uid": null, "resourceVersion": "9" });
        assert_eq!(exported_from(both), report("metadata.resourceVersion"));
        assert_eq!(exported_from(serde_json::json!({ "name": "c", "uid": null })), Vec::<String>::new());
        assert_eq!(exported_from(serde_json::json!({ "name": "c", "selfLink": "/x" })), report("metadata.selfLink"));
    }

    #[test]
    fn every_token_pattern_compiles_and_contains_one_of_its_literals() {
        for (i, (what, literals, _)) in TOKENS.iter().enumerate() {
            let re = pattern(i);
            assert!(re.is_some(), "{what}");
            // The literals are a prefilter: a pattern that could match without any of
            // them would be skipped. Each alternative of the pattern starts with one.
            let source = re.map(|r| r.as_str()).unwrap_or_default();
            assert!(literals.iter().any(|l| source.contains(&regex::escape(l)) || source.contains(l)), "{what}");
        }
    }

    #[test]
    fn the_literals_automaton_finds_every_literal() {
        let all = literals().expect("the automaton of the token literals");
        for (what, literals, _) in TOKENS {
            for l in *literals {
                assert!(all.is_match(&format!("a {l} b")), "{what}: {l}");
            }
        }
        // The PEM marker too: `string` looks for a PEM block only in what it matches.
        assert!(all.is_match("x\n-----BEGIN RSA PRIVATE KEY-----"));
        assert!(!all.is_match("an ordinary sentence"));
    }

    #[test]
    fn the_look_before_the_automaton_lets_every_literal_through() {
        // Wherever a literal sits, and whatever is next to it, it is looked for.
        for l in every_literal() {
            for text in [l.to_string(), format!("a {l}"), format!("{l} b"), format!("xx{l}yy")] {
                assert!(may_hold_a_literal(&text), "{text:?}");
            }
        }
        // What holds only a literal's first byte, or none, is passed over.
        for text in ["an ordinary sentence", "app-0", "name: app-0", "example.org", "gateway", "", "-", "e", "x"] {
            assert!(!may_hold_a_literal(text), "{text:?}");
        }
        assert!(may_hold_a_literal("costs $5"));
    }

    #[test]
    fn private_material_and_tokens_are_recognised_and_public_material_is_not() {
        assert_eq!(pem("-----BEGIN RSA PRIVATE KEY-----\nabc"), Some("private key"));
        assert_eq!(pem("x\n-----BEGIN PRIVATE KEY-----"), Some("private key"));
        assert_eq!(pem("-----BEGIN CERTIFICATE REQUEST-----"), Some("certificate signing request"));
        assert_eq!(pem("-----BEGIN CERTIFICATE-----\nMIIB"), None);
        assert_eq!(pem("-----BEGIN PUBLIC KEY-----"), None);
        for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
            let t = format!("{prefix}{}", "a1B2".repeat(9));
            assert_eq!(token(&t), Some("GitHub token"), "{t}");
            assert!(literals().is_some_and(|all| all.is_match(&format!("token: {t}"))), "{t}");
        }
        assert_eq!(token(&format!("github_pat_{}", "a1B2_".repeat(13))), Some("GitHub token"));
        // An image of GitHub's registry is not a token, and is not looked at as one.
        assert!(literals().is_some_and(|all| !all.is_match("ghcr.io/example/app:1.0.0")));
        assert_eq!(token("AKIAABCDEFGHIJKLMNOP"), Some("AWS access key"));
        assert_eq!(token("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijkl"), Some("JSON Web Token"));
        assert_eq!(token("ghp_short"), None);
        assert_eq!(token("an ordinary sentence"), None);
    }

    #[test]
    fn credential_keys_and_references() {
        for k in [
            "password",
            "client_secret",
            "dex.github.clientSecret",
            "apiKey",
            "AWS_SECRET_ACCESS_KEY",
            "secret",
            "DB_PASSWORD",
            "k3sToken",
            "grafana/password_sha256_hex",
            "admin/password_double_sha1_hex",
            "passwordHash",
        ] {
            assert!(credential_key(k), "{k}");
        }
        for k in [
            "existingSecret",
            "secretName",
            "passwordSecretRef",
            "tls.key",
            "tokenTTL",
            "name",
            "envFromSecret",
            "existingSecretPasswordKey",
        ] {
            assert!(!credential_key(k), "{k}");
        }
        assert!(reference("$__env{GF_SECRET}") && reference("$dex.github.clientSecret") && reference("{{ .x }}"));
        assert!(!reference("changeme"));
    }

    #[test]
    fn password_hashes_are_found_by_their_format() {
        for h in [
            "$2y$10$abcdefghijklmnopqrstuuVWXYZ0123456789abcdefghijklmnopq",
            "$6$rounds=5000$saltsalt$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghij",
            "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/",
            "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        ] {
            assert_eq!(token(h), Some("password hash"), "{h}");
        }
        assert_eq!(token("$__env{GF_SECRET}"), None);
    }
}
