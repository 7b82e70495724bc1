//! The checks' reports come in the order of the environments, then of the checks
//! (`CHECKS` in `compiler/checks/src/lib.rs`), whichever task ran first: the checks that
//! read what the distinct pass found (credentials and exported metadata, E0493; each
//! object's identity, E0070) run in a round after the others (a Service selecting
//! nothing, E0141), and still report in their place.

use cedc_names::MemoryFs;

const SRC: &str = r#"env prod {}
env staging {}

fn service(name: String, app: String) -> Object = {
  apiVersion: "v1"
  kind: "Service"
  metadata: { name: name }
  spec: { selector: { app: app }, ports: [{ port: 80 }] }
}

component a {
  namespace: "a"
  objects:
    if env.name == "prod" then
      [
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "exported", uid: "0b1e" } },
        service("front", "frontend"),
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "again" } },
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "again" } },
      ]
    else
      [
        service("back", "backend"),
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "twice" } },
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "twice" } },
      ]
}
"#;

#[test]
fn reports_come_by_environment_then_by_check_whichever_round_ran_them() {
    let mut fs = MemoryFs::default();
    fs.files.insert("main.ced".into(), SRC.as_bytes().to_vec());
    let c = cedc::compile(&fs, &["main.ced".to_string()], None);
    let got: Vec<(&str, String)> = c
        .diagnostics
        .iter()
        .map(|d| (d.code, d.message.split_whitespace().take(2).collect::<Vec<_>>().join(" ")))
        .collect();
    let want = [
        // prod: the exported ConfigMap (a check after the distinct pass) comes before
        // the Service (a check beside it), as in `CHECKS`, and the identities' check last.
        ("E0493", "ConfigMap `exported`"),
        ("E0141", "Service `front`"),
        ("E0070", "ConfigMap a/again"),
        // staging: after every report of prod, though its Service's check ran in the
        // first round and prod's E0493 and E0070 in the second.
        ("E0141", "Service `back`"),
        ("E0070", "ConfigMap a/twice"),
    ];
    let want: Vec<(&str, String)> = want.iter().map(|(c, m)| (*c, m.to_string())).collect();
    assert_eq!(got, want, "{:#?}", c.diagnostics);
}
