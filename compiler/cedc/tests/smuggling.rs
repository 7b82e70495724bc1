//! Smuggling credentials: every kind of credential the scanner knows is put in every
//! place a string can go — a ConfigMap, an environment variable, an annotation, chart
//! values, an interpolation, a function's argument, an override — and each build must be
//! refused with the credential's code, on the line that wrote it, without the value
//! appearing anywhere in what cedc prints (human or JSON diagnostics).

mod common;
use common::{CONFIG, diags, write_project};

/// A credential: its code, a marker naming it, and its text as written in `.ced` (with
/// `\n` escapes for PEM blocks) and as it would appear printed (a distinctive part).
struct Credential {
    code: &'static str,
    ced: &'static str,
    shown: &'static str,
}

/// Credentials found by their content: wherever they are, under any key.
const BY_CONTENT: &[Credential] = &[
    Credential {
        code: "E0490",
        ced: "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----",
        shown: "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
    },
    Credential {
        code: "E0490",
        ced: "-----BEGIN CERTIFICATE REQUEST-----\\nMIICvDCCAaQCAQAwdzELMAkGA1UEBhMC\\n-----END CERTIFICATE REQUEST-----",
        shown: "MIICvDCCAaQCAQAwdzELMAkGA1UEBhMC",
    },
    Credential {
        code: "E0491",
        ced: "ghp_Zx8Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz1Xc3",
        shown: "Zx8Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz1Xc3",
    },
    Credential { code: "E0491", ced: "glpat-Qw3Er5Ty7Ui9Op1As3Df", shown: "Qw3Er5Ty7Ui9Op1As3Df" },
    Credential { code: "E0491", ced: "xoxb-2481632641-Zq8Wx7Ec6Rv5Tb4", shown: "Zq8Wx7Ec6Rv5Tb4" },
    Credential { code: "E0491", ced: "AKIAQ7ZK4XW2PL9MN3BV", shown: "Q7ZK4XW2PL9MN3BV" },
    Credential {
        code: "E0491",
        ced: "AIzaSyQ3e5T7u9W1y3A5c7E9g1I3k5M7o9Q1s3U",
        shown: "SyQ3e5T7u9W1y3A5c7E9g1I3k5M7o9Q1s3U",
    },
    Credential {
        code: "E0491",
        ced: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjZWRpbGxlIn0.Qm9ndXNTaWduYXR1cmVGb3JUZXN0cw",
        shown: "eyJzdWIiOiJjZWRpbGxlIn0",
    },
    Credential {
        code: "E0491",
        ced: "$2y$10$Qw8Er4Ty6Ui8Op0As2Df4uGh6Jk8Lz1Xc3Vb5Nm7Qw9Er1Ty3Ui5O",
        shown: "Qw8Er4Ty6Ui8Op0As2Df4uGh6Jk8Lz1Xc3Vb5Nm7Qw9Er1Ty3Ui5O",
    },
];

/// A literal that is a credential only under a credential key.
const UNDER_KEY: Credential = Credential { code: "E0492", ced: "Tr0ub4dor&3-horse", shown: "Tr0ub4dor&3-horse" };

/// Places a string can go, each a `.ced` program with `@@` where the string goes (the
/// marker line) and `@KEY@` for the key naming it. Each program is one project.
const PLACES: &[(&str, &str)] = &[
    (
        "a ConfigMap",
        r#"import "std/k8s"
env prod {}
component app {
  namespace: "app"
  objects: [k8s.config_map("settings", data: {
    @KEY@: "@@"
  })]
}
"#,
    ),
    (
        "an environment variable",
        r#"import "std/k8s"
env prod {}
component app {
  namespace: "app"
  objects: [k8s.deployment("api", image: "example.org/api:1.0.0", env_vars: {
    @KEY@: "@@"
  })]
}
"#,
    ),
    (
        "an annotation",
        r#"env prod {}
component app {
  namespace: "app"
  objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", annotations: {
    @KEY@: "@@"
  } } }]
}
"#,
    ),
    (
        "chart values",
        r#"env prod {}
component app {
  namespace: "app"
  chart: {
    chart: { repository: "https://charts.example.org", name: "app", version: "1.0.0" }
    version: "1.0.0"
    name: "app"
    values: { auth: {
      @KEY@: "@@"
    } }
  }
  objects: []
}
"#,
    ),
    (
        "an interpolation",
        r#"import "std/k8s"
env prod {}
let part = "@@"
component app {
  namespace: "app"
  objects: [k8s.config_map("settings", data: {
    @KEY@: "{part}"
  })]
}
"#,
    ),
    (
        "a function's argument",
        r#"import "std/k8s"
env prod {}
fn settings(value: String) -> Object = k8s.config_map("settings", data: { @KEY@: value })
component app {
  namespace: "app"
  objects: [settings(
    "@@"
  )]
}
"#,
    ),
    (
        "an override",
        r#"import "std/k8s"
env prod {}
let value = "public"
in prod {
  value = "@@"
}
component app {
  namespace: "app"
  objects: [k8s.config_map("settings", data: { @KEY@: value })]
}
"#,
    ),
];

/// Run `cedc check` on `main`, in human and in JSON form.
fn run(main: &str) -> (std::process::Output, std::process::Output) {
    let dir = tempfile::TempDir::new().expect("temp dir");
    write_project(dir.path(), CONFIG, main);
    let cedc = |json: bool| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_cedc"));
        if json {
            c.args(["--message-format", "json"]);
        }
        c.args(["--color", "never", "check"]).current_dir(dir.path()).output().expect("run cedc")
    };
    (cedc(false), cedc(true))
}

/// The line (1-based) reported: where the emitted string is written — the `@@` line, or
/// for the interpolation the string interpolating it.
fn line_of(program: &str) -> u64 {
    let marker = if program.contains("{part}") { "{part}" } else { "@@" };
    program.lines().position(|l| l.contains(marker)).expect("a place for the credential") as u64 + 1
}

fn smuggle(place: &str, program: &str, key: &str, c: &Credential) {
    let main = program.replace("@KEY@", key).replace("@@", c.ced);
    let (human, json) = run(&main);
    let what = format!("{} in {place} under `{key}`", c.code);
    assert_eq!(human.status.code(), Some(1), "{what}: not refused:\n{}", String::from_utf8_lossy(&human.stderr));
    let found = diags(&json);
    assert!(found.contains(&(c.code.to_string(), line_of(program))), "{what}: got {found:?}");
    for out in [&human.stdout, &human.stderr, &json.stdout, &json.stderr] {
        let text = String::from_utf8_lossy(out);
        // The source line is quoted in the human form's snippet; the value must not be
        // echoed anywhere else (message, label, help).
        let echoes = text.lines().filter(|l| l.contains(c.shown) && !l.contains('│')).count();
        assert_eq!(echoes, 0, "{what}: the value is echoed:\n{text}");
    }
}

#[test]
fn credentials_found_by_content_are_refused_everywhere_without_echo() {
    for (place, program) in PLACES {
        for c in BY_CONTENT {
            smuggle(place, program, "note", c);
        }
    }
}

#[test]
fn literals_under_credential_keys_are_refused_everywhere_without_echo() {
    for (place, program) in PLACES {
        for key in ["password", "client_secret", "apiKey", "DB_PASSWORD", "token", "password_sha256_hex"] {
            smuggle(place, program, key, &UNDER_KEY);
        }
    }
}
