//! `cedc lsp`, driven over stdio like an editor drives it: the real binary, real
//! JSON-RPC framing, and assertions on the replies.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(60);

struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: mpsc::Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for responses.
    notifications: Vec<Value>,
}

impl Client {
    fn start(root: &Path) -> Client {
        Client::start_with(root, json!({}))
    }

    /// Start a session announcing the client `capabilities`.
    fn start_with(root: &Path, capabilities: Value) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cedc"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start cedc lsp");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = None;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = v.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; len.expect("Content-Length header")];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                let v: Value = serde_json::from_slice(&body).expect("JSON body");
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        let mut c = Client { child, stdin, rx, next_id: 0, notifications: Vec::new() };
        let init = c.request(
            "initialize",
            json!({"processId": null, "rootUri": uri(root), "capabilities": capabilities, "workspaceFolders": [{"uri": uri(root), "name": "test"}]}),
        );
        assert_eq!(init["result"]["serverInfo"]["name"], "cedc", "{init}");
        c.notify("initialized", json!({}));
        c
    }

    fn send(&mut self, v: &Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Send a request and wait for its response (`result` or `error` inside).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let v = self.rx.recv_timeout(TIMEOUT).unwrap_or_else(|_| panic!("no response to {method}"));
            if v.get("id") == Some(&json!(id)) && v.get("method").is_none() {
                return v;
            }
            self.notifications.push(v);
        }
    }

    /// The next diagnostics published for `file`.
    fn diagnostics(&mut self, file: &Path) -> Vec<Value> {
        let want = uri(file);
        if let Some(i) = self.notifications.iter().position(|n| is_diags_for(n, &want)) {
            let n = self.notifications.remove(i);
            return n["params"]["diagnostics"].as_array().unwrap().clone();
        }
        loop {
            let v = self.rx.recv_timeout(TIMEOUT).expect("publishDiagnostics");
            if is_diags_for(&v, &want) {
                return v["params"]["diagnostics"].as_array().unwrap().clone();
            }
            self.notifications.push(v);
        }
    }

    fn open(&mut self, file: &Path) {
        let text = std::fs::read_to_string(file).unwrap();
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(file), "languageId": "ced", "version": 1, "text": text}}),
        );
    }

    fn change(&mut self, file: &Path, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(file), "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    fn at(&mut self, method: &str, file: &Path, (line, character): (u32, u32), extra: Value) -> Value {
        let mut params =
            json!({"textDocument": {"uri": uri(file)}, "position": {"line": line, "character": character}});
        if let (Some(p), Some(e)) = (params.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        self.request(method, params)
    }

    fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r["result"], Value::Null, "{r}");
        self.notify("exit", Value::Null);
        let status = wait(&mut self.child);
        assert!(status.success(), "cedc lsp exited with {status}");
    }
}

fn wait(child: &mut Child) -> std::process::ExitStatus {
    for _ in 0..600 {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("cedc lsp did not exit");
}

fn is_diags_for(n: &Value, uri: &str) -> bool {
    n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri
}

fn uri(p: &Path) -> String {
    let s = p.to_str().unwrap().replace(' ', "%20");
    format!("file://{s}")
}

/// Zero-based (line, UTF-16 column) of the `nth` occurrence of `needle` in `text`,
/// plus `delta` bytes (ASCII fixtures).
fn pos(text: &str, needle: &str, nth: usize, delta: usize) -> (u32, u32) {
    let at = text.match_indices(needle).nth(nth).unwrap_or_else(|| panic!("{needle:?} #{nth}")).0 + delta;
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    (line as u32, col as u32)
}

const LIB: &str = "/// Pods per environment.
let replicas = 2

/// The kind of a shop service.
type Tier = \"frontend\" | \"backend\"
";

const MAIN: &str = "import \"std/k8s\"
import \"./lib\"

env prod { domain: \"shop.example.org\" }
env dev { domain: \"dev.example.org\" }

type Shop = {
  /// Which tier the shop runs in.
  tier: lib.Tier
  size: Int
}

let shop: Shop = { tier: \"frontend\", size: lib.replicas }

component web {
  namespace: \"web\"
  objects: [
    k8s.deployment(\"web\", image: \"nginx:1.27\", replicas: shop.size, port: 80),
  ]
}

in dev { shop.size = 1 }
";

fn project() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("cedc.toml"), "[project]\nname = \"shop\"\nentry = [\"main.ced\"]\n").unwrap();
    std::fs::write(root.join("lib.ced"), LIB).unwrap();
    std::fs::write(root.join("main.ced"), MAIN).unwrap();
    (dir, root.join("main.ced"), root.join("lib.ced"))
}

#[test]
fn diagnostics_follow_the_edits() {
    let (_d, main, _) = project();
    let mut c = Client::start(main.parent().unwrap());
    c.open(&main);
    assert_eq!(c.diagnostics(&main), Vec::<Value>::new());

    // A type error: the same diagnostic `cedc check` gives, at the right place.
    let broken = MAIN.replace("size: lib.replicas", "size: \"two\"");
    c.change(&main, 2, &broken);
    let d = c.diagnostics(&main);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "E0039");
    assert_eq!(d[0]["source"], "cedc");
    let (line, col) = pos(&broken, "\"two\"", 0, 0);
    assert_eq!(d[0]["range"]["start"], json!({"line": line, "character": col}), "{d:?}");
    assert!(d[0]["message"].as_str().unwrap().contains("help:"), "{d:?}");

    // An evaluation error (found only when environments are evaluated) shows too.
    let bad_name = MAIN.replace("k8s.deployment(\"web\"", "k8s.deployment(\"Web_1\"");
    c.change(&main, 3, &bad_name);
    let d = c.diagnostics(&main);
    assert!(!d.is_empty(), "expected a diagnostic for an invalid object name");

    // A syntax error, then the fix: diagnostics are cleared.
    c.change(&main, 4, &MAIN.replace("component web {", "component web {{"));
    let d = c.diagnostics(&main);
    assert_eq!(d[0]["code"], "E0001", "{d:?}");
    c.change(&main, 5, MAIN);
    assert_eq!(c.diagnostics(&main), Vec::<Value>::new());

    // A syntax error fixed by an edit that leaves an error only the platform checks
    // find (an unknown field of an object): the syntax error is cleared at once, from
    // names and types, and the checks' diagnostic follows when they are done.
    c.change(&main, 6, &MAIN.replace("component web {", "component web {{"));
    assert_eq!(c.diagnostics(&main)[0]["code"], "E0001");
    let unknown_field = MAIN.replace(
        "k8s.deployment(",
        "{ apiVersion: \"v1\", kind: \"ConfigMap\", metadata: { name: \"c\" }, dta: { a: \"b\" } },\n    k8s.deployment(",
    );
    c.change(&main, 7, &unknown_field);
    assert_eq!(c.diagnostics(&main), Vec::<Value>::new(), "the syntax error is cleared first");
    let d = c.diagnostics(&main);
    assert!(d.iter().any(|d| d["code"] == "E0100"), "{d:?}");
    c.shutdown();
}

#[test]
fn errors_in_an_imported_file_are_published_for_that_file() {
    let (_d, main, lib) = project();
    std::fs::write(&lib, LIB.replace("let replicas = 2", "let replicas = 2 +")).unwrap();
    let mut c = Client::start(main.parent().unwrap());
    c.open(&main);
    let d = c.diagnostics(&lib);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "E0001");
    // Fixing the library in the editor clears its diagnostics.
    c.open(&lib);
    c.change(&lib, 2, LIB);
    loop {
        if c.diagnostics(&lib).is_empty() {
            break;
        }
    }
    c.shutdown();
}

#[test]
fn hover_shows_types_docs_and_values_per_environment() {
    let (_d, main, _) = project();
    let mut c = Client::start(main.parent().unwrap());
    c.open(&main);
    c.diagnostics(&main);

    // A declaration in another module: its type and doc comment.
    let h = c.at("textDocument/hover", &main, pos(MAIN, "lib.replicas", 0, 5), json!({}));
    let text = h["result"]["contents"]["value"].as_str().unwrap_or_default().to_string();
    assert!(text.contains("let replicas: Int"), "{h}");
    assert!(text.contains("Pods per environment."), "{text}");

    // A record field: its declared type and doc.
    let h = c.at("textDocument/hover", &main, pos(MAIN, "tier: \"frontend\"", 0, 1), json!({}));
    let text = h["result"]["contents"]["value"].as_str().unwrap_or_default().to_string();
    assert!(text.contains("tier: \"backend\" | \"frontend\""), "{text}");
    assert!(text.contains("Which tier the shop runs in."), "{text}");

    // An overridden value: what it is in each environment, and where that was set.
    let h = c.at("textDocument/hover", &main, pos(MAIN, "shop.size, port", 0, 6), json!({}));
    let text = h["result"]["contents"]["value"].as_str().unwrap_or_default().to_string();
    assert!(text.contains("`prod`: `2`"), "{text}");
    assert!(text.contains("`dev`: `1` — overridden at `main.ced:22`"), "{text}");

    // A component: its objects in each environment.
    let h = c.at("textDocument/hover", &main, pos(MAIN, "component web", 0, 11), json!({}));
    let text = h["result"]["contents"]["value"].as_str().unwrap_or_default().to_string();
    assert!(text.contains("`prod`: namespace `web`; Deployment/web"), "{text}");
    c.shutdown();
}

#[test]
fn definition_references_and_rename_cross_files() {
    let (_d, main, lib) = project();
    let mut c = Client::start(main.parent().unwrap());
    c.open(&main);
    c.diagnostics(&main);

    let d = c.at("textDocument/definition", &main, pos(MAIN, "lib.replicas", 0, 6), json!({}));
    assert_eq!(d["result"]["uri"], uri(&lib), "{d}");
    assert_eq!(d["result"]["range"]["start"], json!({"line": 1, "character": 4}));

    // An import path leads to the file.
    let d = c.at("textDocument/definition", &main, pos(MAIN, "\"./lib\"", 0, 3), json!({}));
    assert_eq!(d["result"]["uri"], uri(&lib), "{d}");

    // Into the standard library: a real file the editor can open.
    let d = c.at("textDocument/definition", &main, pos(MAIN, "deployment(", 0, 2), json!({}));
    let target = d["result"]["uri"].as_str().unwrap().to_string();
    assert!(target.ends_with("/k8s.ced"), "{d}");
    let std_text = std::fs::read_to_string(target.trim_start_matches("file://")).unwrap();
    let line = d["result"]["range"]["start"]["line"].as_u64().unwrap() as usize;
    assert!(std_text.lines().nth(line).unwrap().contains("fn deployment("), "{d}");

    // `shop`: declared once, read in the component, overridden in `in dev`.
    let r = c.at(
        "textDocument/references",
        &main,
        pos(MAIN, "shop.size", 0, 1),
        json!({"context": {"includeDeclaration": true}}),
    );
    let lines: Vec<u64> =
        r["result"].as_array().unwrap().iter().map(|l| l["range"]["start"]["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, vec![12, 17, 21], "{r}");
    let r = c.at(
        "textDocument/references",
        &main,
        pos(MAIN, "shop.size", 0, 1),
        json!({"context": {"includeDeclaration": false}}),
    );
    assert_eq!(r["result"].as_array().unwrap().len(), 2, "{r}");

    // Rename across files: `replicas` in lib.ced and its use in main.ced.
    let p = c.at("textDocument/prepareRename", &main, pos(MAIN, "lib.replicas", 0, 6), json!({}));
    assert_eq!(p["result"]["placeholder"], "replicas", "{p}");
    let e = c.at("textDocument/rename", &main, pos(MAIN, "lib.replicas", 0, 6), json!({"newName": "pods"}));
    let changes = e["result"]["changes"].as_object().unwrap();
    assert_eq!(changes[&uri(&lib)].as_array().unwrap().len(), 1, "{e}");
    assert_eq!(changes[&uri(&main)].as_array().unwrap().len(), 1, "{e}");
    assert_eq!(changes[&uri(&main)][0]["newText"], "pods");

    // Refused: the standard library, keywords, invalid names.
    let e = c.at("textDocument/rename", &main, pos(MAIN, "deployment(", 0, 2), json!({"newName": "dep"}));
    assert!(e["error"]["message"].as_str().unwrap().contains("standard library"), "{e}");
    let e = c.at("textDocument/rename", &main, pos(MAIN, "shop.size", 0, 1), json!({"newName": "match"}));
    assert!(e["error"]["message"].as_str().unwrap().contains("keyword"), "{e}");
    let e = c.at("textDocument/rename", &main, pos(MAIN, "shop.size", 0, 1), json!({"newName": "9lives"}));
    assert!(e.get("error").is_some(), "{e}");
    c.shutdown();
}

fn labels(r: &Value) -> Vec<String> {
    let items =
        r["result"].as_array().cloned().or_else(|| r["result"]["items"].as_array().cloned()).unwrap_or_default();
    items.iter().map(|i| i["label"].as_str().unwrap().to_string()).collect()
}

#[test]
fn completion_knows_fields_enums_modules_and_scope() {
    let (_d, main, _) = project();
    let mut c = Client::start(main.parent().unwrap());
    c.open(&main);
    c.diagnostics(&main);

    // Half-typed record: the missing field of `Shop` is offered, the given one is not.
    let typing = MAIN.replace("{ tier: \"frontend\", size: lib.replicas }", "{ tier: \"frontend\", si }");
    c.change(&main, 2, &typing);
    let l = labels(&c.at("textDocument/completion", &main, pos(&typing, "si }", 0, 2), json!({})));
    assert_eq!(l, vec!["size"], "{l:?}");

    // An enum-typed field's value: its members.
    let typing = MAIN.replace("tier: \"frontend\", ", "tier: ");
    c.change(&main, 3, &typing);
    let l = labels(&c.at("textDocument/completion", &main, pos(&typing, "{ tier: ", 0, 8), json!({})));
    assert!(l.contains(&"\"frontend\"".to_string()) && l.contains(&"\"backend\"".to_string()), "{l:?}");

    // After a module alias: its declarations.
    let typing = MAIN.replace("size: lib.replicas", "size: lib.");
    c.change(&main, 4, &typing);
    let l = labels(&c.at("textDocument/completion", &main, pos(&typing, "lib. }", 0, 4), json!({})));
    assert_eq!(l, vec!["replicas", "Tier"], "{l:?}");

    // After `env.`: the environments' attributes.
    let typing = MAIN.replace("size: lib.replicas", "size: env.");
    c.change(&main, 5, &typing);
    let l = labels(&c.at("textDocument/completion", &main, pos(&typing, "env. }", 0, 4), json!({})));
    assert!(l.contains(&"domain".to_string()) && l.contains(&"name".to_string()), "{l:?}");

    // Inside a call: the parameters not given yet.
    let typing = MAIN.replace("image: \"nginx:1.27\", replicas: shop.size, port: 80", "image: \"nginx:1.27\", ");
    c.change(&main, 6, &typing);
    let l = labels(&c.at("textDocument/completion", &main, pos(&typing, "1.27\", ", 0, 7), json!({})));
    assert!(l.contains(&"replicas:".to_string()) && l.contains(&"port:".to_string()), "{l:?}");
    assert!(!l.contains(&"image:".to_string()), "{l:?}");

    // Elsewhere: declarations, environments, built-ins, keywords.
    c.change(&main, 7, MAIN);
    let l = labels(&c.at("textDocument/completion", &main, pos(MAIN, "shop.size,", 0, 0), json!({})));
    for want in ["shop", "web", "k8s", "lib", "prod", "dev", "len", "match"] {
        assert!(l.contains(&want.to_string()), "{want} missing from {l:?}");
    }
    c.shutdown();
}

#[test]
fn symbols_tokens_and_formatting() {
    let (_d, main, _) = project();
    let mut c = Client::start(main.parent().unwrap());
    c.open(&main);
    c.diagnostics(&main);
    let s = c.request("textDocument/documentSymbol", json!({"textDocument": {"uri": uri(&main)}}));
    let names: Vec<&str> = s["result"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["k8s", "lib", "prod", "dev", "Shop", "shop", "web", "in dev"]);

    let t = c.request("textDocument/semanticTokens/full", json!({"textDocument": {"uri": uri(&main)}}));
    let data = t["result"]["data"].as_array().unwrap();
    assert!(!data.is_empty() && data.len().is_multiple_of(5), "{t}");
    // The first token is the `k8s` import alias: line 0, a namespace (type 0), declared.
    let first = &data[0..5];
    assert_eq!(first[0], 0);
    assert_eq!(first[3], 0);

    let messy = MAIN.replace("let shop: Shop = { tier", "let   shop :Shop={tier");
    c.change(&main, 2, &messy);
    let f = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri(&main)}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let edits = f["result"].as_array().unwrap();
    assert_eq!(edits.len(), 1, "{f}");
    assert_eq!(edits[0]["newText"].as_str().unwrap(), fmt_stdin(&messy));
    c.shutdown();
}

fn fmt_stdin(text: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cedc"))
        .args(["fmt", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// Mangled and half-typed files, and requests at every kind of position: every
/// request is answered, none with an internal error, and the server stays up.
#[test]
fn survives_malformed_and_half_typed_input() {
    let (_d, main, _) = project();
    let mut c = Client::start(main.parent().unwrap());
    c.open(&main);
    c.diagnostics(&main);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut sources = vec![MAIN.to_string()];
    for f in ["examples/hello/main.ced", "examples/webapp/components.ced", "stdlib/k8s.ced"] {
        sources.push(std::fs::read_to_string(repo.join(f)).unwrap());
    }
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n.max(1) as u64) as usize
    };
    let junk = ["{", "}", "(", "\"", "\"\"\"", ":", ".", "${", "\u{1F600}", "\n", "match", "in", "=", ",", "//", "é"];
    let methods = [
        "textDocument/hover",
        "textDocument/completion",
        "textDocument/definition",
        "textDocument/references",
        "textDocument/prepareRename",
        "textDocument/documentSymbol",
        "textDocument/semanticTokens/full",
        "textDocument/formatting",
    ];
    for version in 2..200 {
        let src = &sources[next(sources.len())];
        let mut text: Vec<char> = src.chars().collect();
        match next(3) {
            0 => text.truncate(next(text.len())),
            1 => {
                let at = next(text.len());
                let j: Vec<char> = junk[next(junk.len())].chars().collect();
                text.splice(at..at, j);
            }
            _ => {
                let a = next(text.len());
                let b = (a + next(40)).min(text.len());
                text.drain(a..b);
            }
        }
        let text: String = text.into_iter().collect();
        c.change(&main, version, &text);
        let lines: Vec<&str> = text.lines().collect();
        let line = next(lines.len().max(1));
        let col = lines.get(line).map_or(0, |l| next(l.encode_utf16().count() + 2));
        let method = methods[next(methods.len())];
        let r = c.at(
            method,
            &main,
            (line as u32, col as u32),
            json!({"context": {"includeDeclaration": true}, "options": {"tabSize": 2, "insertSpaces": true}}),
        );
        if let Some(e) = r.get("error") {
            assert_ne!(e["code"], -32603, "internal error on {method} for:\n{text}\n{r}");
        }
    }
    // Still alive and correct.
    c.change(&main, 1000, MAIN);
    let h = c.at("textDocument/hover", &main, pos(MAIN, "lib.replicas", 0, 5), json!({}));
    assert!(h["result"]["contents"]["value"].as_str().unwrap().contains("let replicas: Int"));
    c.shutdown();
}

impl Client {
    /// Send raw bytes as one frame's body (malformed messages).
    fn send_raw(&mut self, body: &str) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).unwrap();
        self.stdin.flush().unwrap();
    }

    /// Diagnostics published for `file` until some satisfy `done` (earlier ones may
    /// come from an analysis that was already under way).
    fn diagnostics_until(&mut self, file: &Path, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        for _ in 0..20 {
            let d = self.diagnostics(file);
            if done(&d) {
                return d;
            }
        }
        panic!("the expected diagnostics never came for {}", file.display());
    }

    /// The next message that is not a notification.
    fn next_response(&mut self) -> Value {
        loop {
            let v = self.rx.recv_timeout(TIMEOUT).expect("a response");
            if v.get("method").is_none() {
                return v;
            }
            self.notifications.push(v);
        }
    }
}

#[test]
fn shutdown_then_requests_are_refused_and_exit_follows_the_protocol() {
    let (_d, main, _) = project();
    let mut c = Client::start(main.parent().unwrap());
    c.open(&main);
    let r = c.request("shutdown", Value::Null);
    assert_eq!(r["result"], Value::Null, "{r}");
    // After `shutdown`, a request is answered with InvalidRequest, and notifications
    // are ignored: the session waits for `exit`.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&main), "version": 2}, "contentChanges": [{"text": ""}]}),
    );
    let r = c.at("textDocument/hover", &main, (0, 0), json!({}));
    assert_eq!(r["error"]["code"], -32600, "{r}");
    c.notify("exit", Value::Null);
    let status = wait(&mut c.child);
    assert!(status.success(), "cedc lsp exited with {status}");

    // `exit` without `shutdown`: exit code 1.
    let mut c = Client::start(main.parent().unwrap());
    c.notify("exit", Value::Null);
    assert_eq!(wait(&mut c.child).code(), Some(1));
}

#[test]
fn malformed_messages_are_answered_and_the_session_goes_on() {
    let (_d, main, _) = project();
    let mut c = Client::start(main.parent().unwrap());
    c.send_raw("{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": ");
    let r = c.next_response();
    assert_eq!(r["error"]["code"], -32700, "{r}");
    assert_eq!(r["id"], Value::Null, "{r}");
    c.send_raw("{\"jsonrpc\": \"2.0\", \"id\": 77}");
    let r = c.next_response();
    assert_eq!((r["id"].clone(), r["error"]["code"].clone()), (json!(77), json!(-32600)), "{r}");
    c.open(&main);
    assert_eq!(c.diagnostics(&main), Vec::<Value>::new());
    c.shutdown();
}

#[test]
fn files_without_a_project_see_the_changes_of_the_files_they_import() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let (a, b) = (root.join("a.ced"), root.join("b.ced"));
    std::fs::write(&a, "import \"./b.ced\"\nlet x: Int = b.y\n").unwrap();
    std::fs::write(&b, "let y: Int = 1\n").unwrap();
    let mut c = Client::start(&root);
    c.open(&a);
    assert_eq!(c.diagnostics(&a), Vec::<Value>::new());
    c.open(&b);
    assert_eq!(c.diagnostics(&b), Vec::<Value>::new());
    // `b` changes in the editor: `a`, checked on its own, is checked again.
    c.change(&b, 2, "let y: String = \"one\"\n");
    let d = c.diagnostics_until(&a, |d| !d.is_empty());
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "E0039", "{d:?}");
    let h = c.at("textDocument/hover", &a, (1, 15), json!({}));
    assert!(h["result"]["contents"]["value"].as_str().unwrap().contains("let y: String"), "{h}");
    // A syntax error in `b` is reported once on `b`, though both analyses see it.
    c.change(&b, 3, "let y: Int =\n");
    let d = c.diagnostics_until(&b, |d| !d.is_empty());
    assert_eq!(d.len(), 1, "{d:?}");
    // Closing `b`: `a` reads it from the disk again, where it is fine.
    c.notify("textDocument/didClose", json!({"textDocument": {"uri": uri(&b)}}));
    c.diagnostics_until(&a, |d| d.is_empty());
    c.shutdown();
}

#[test]
fn the_standard_library_copy_cannot_be_renamed() {
    let (_d, main, _) = project();
    let mut c = Client::start(main.parent().unwrap());
    c.open(&main);
    c.diagnostics(&main);
    let def = c.at("textDocument/definition", &main, pos(MAIN, "deployment(", 0, 0), json!({}));
    let std_uri = def["result"]["uri"].as_str().unwrap().to_string();
    let start = def["result"]["range"]["start"].clone();
    let std_path = PathBuf::from(std_uri.strip_prefix("file://").unwrap());
    c.open(&std_path);
    let r = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": std_uri}, "position": start, "newName": "deploy"}),
    );
    assert!(r["error"]["message"].as_str().unwrap().contains("standard library"), "{r}");
    c.shutdown();
}

#[test]
fn completion_in_comments_strings_and_unclosed_calls() {
    let (_d, main, _) = project();
    let mut c = Client::start(main.parent().unwrap());
    c.open(&main);
    c.diagnostics(&main);
    let complete =
        |c: &mut Client, _text: &str, at: (u32, u32)| labels(&c.at("textDocument/completion", &main, at, json!({})));

    // In a comment or in a string's text: nothing.
    let text = MAIN.replace("component web {", "// the web sh\ncomponent web {");
    c.change(&main, 2, &text);
    assert_eq!(complete(&mut c, &text, pos(&text, "web sh", 0, 6)), Vec::<String>::new());
    assert_eq!(complete(&mut c, &text, pos(&text, "nginx:1", 0, 3)), Vec::<String>::new());

    // In an enum-typed field's string: its members only.
    let text = MAIN.replace("tier: \"frontend\"", "tier: \"fr\"");
    c.change(&main, 3, &text);
    let mut l = complete(&mut c, &text, pos(&text, "\"fr\"", 0, 3));
    l.sort();
    assert_eq!(l, ["\"backend\"", "\"frontend\""], "{l:?}");

    // A call being typed, its parenthesis not closed yet: its parameters.
    let text = MAIN.replace("replicas: shop.size, port: 80),", "replicas: shop.size, ");
    c.change(&main, 4, &text);
    let l = complete(&mut c, &text, pos(&text, "shop.size, ", 0, 11));
    assert!(l.contains(&"port:".to_string()) && !l.contains(&"replicas:".to_string()), "{l:?}");

    // An interpolation being typed in a string not closed yet: names in scope.
    let text = format!("{MAIN}\nlet greeting = \"hello {{sh");
    c.change(&main, 5, &text);
    let l = complete(&mut c, &text, pos(&text, "{sh", 0, 3));
    assert!(l.contains(&"shop".to_string()), "{l:?}");
    c.shutdown();
}

#[test]
fn signature_help_follows_the_argument_being_written() {
    let (_d, main, _) = project();
    let mut c = Client::start(main.parent().unwrap());
    c.open(&main);
    c.diagnostics(&main);
    // Inside a complete call, on a named argument: that parameter.
    let at = pos(MAIN, "replicas: shop", 0, 10);
    let h = c.at("textDocument/signatureHelp", &main, at, json!({}));
    let sig = &h["result"]["signatures"][0];
    assert!(
        sig["label"].as_str().unwrap().starts_with("deployment(name: Name, image: String, replicas: Int = …"),
        "{h}"
    );
    let active = h["result"]["activeParameter"].as_u64().unwrap() as usize;
    let [from, to] = [0, 1].map(|i| sig["parameters"][active]["label"][i].as_u64().unwrap() as usize);
    // Offsets in UTF-16 code units (here, every character is one).
    let label: String = sig["label"].as_str().unwrap().chars().skip(from).take(to - from).collect();
    assert_eq!(label, "replicas: Int = …");
    // Half typed (the call unclosed): the next positional parameter.
    let typing = MAIN.replace(
        "k8s.deployment(\"web\", image: \"nginx:1.27\", replicas: shop.size, port: 80),",
        "k8s.deployment(\"web\", ",
    );
    c.change(&main, 2, &typing);
    let at = pos(&typing, "deployment(\"web\", ", 0, 19);
    let h = c.at("textDocument/signatureHelp", &main, at, json!({}));
    assert_eq!(h["result"]["activeParameter"], 1, "{h}");
    // Completion offers the parameters not given yet, positionally or by name.
    let r = c.at("textDocument/completion", &main, at, json!({}));
    let l = labels(&r);
    assert!(l.contains(&"image:".to_string()) && !l.contains(&"name:".to_string()), "{l:?}");
    // Nor those named later in the call.
    let later = MAIN.replace(
        "k8s.deployment(\"web\", image: \"nginx:1.27\", replicas: shop.size, port: 80),",
        "k8s.deployment(\"web\", , replicas: shop.size),",
    );
    c.change(&main, 3, &later);
    let r = c.at("textDocument/completion", &main, pos(&later, "\"web\", ", 0, 7), json!({}));
    let l = labels(&r);
    assert!(l.contains(&"image:".to_string()) && !l.contains(&"replicas:".to_string()), "{l:?}");
    // A built-in: its documented signature.
    let with_len = MAIN.replace("let shop: Shop", "let n = len(\nlet shop: Shop");
    c.change(&main, 4, &with_len);
    let at = pos(&with_len, "len(", 0, 4);
    let h = c.at("textDocument/signatureHelp", &main, at, json!({}));
    assert_eq!(h["result"]["signatures"][0]["label"], "len(x) -> Int", "{h}");
    assert_eq!(h["result"]["activeParameter"], 0);
    // Outside any call: nothing.
    let h = c.at("textDocument/signatureHelp", &main, (0, 0), json!({}));
    assert_eq!(h["result"], Value::Null, "{h}");
    c.shutdown();
}

#[test]
fn workspace_symbols_list_the_projects_declarations() {
    let (_d, main, lib) = project();
    let mut c = Client::start(main.parent().unwrap());
    c.open(&main);
    c.diagnostics(&main);
    let names = |c: &mut Client, query: &str| -> Vec<(String, String)> {
        let r = c.request("workspace/symbol", json!({"query": query}));
        r["result"]
            .as_array()
            .unwrap_or_else(|| panic!("{r}"))
            .iter()
            .map(|s| (s["name"].as_str().unwrap().to_string(), s["location"]["uri"].as_str().unwrap().to_string()))
            .collect()
    };
    let all = names(&mut c, "");
    let main_uri = uri(&main);
    let lib_uri = uri(&lib);
    for (name, file) in [("replicas", &lib_uri), ("Tier", &lib_uri), ("Shop", &main_uri), ("web", &main_uri)] {
        assert!(all.iter().any(|(n, u)| n == name && u == file), "{name} in {file}: {all:?}");
    }
    assert!(!all.iter().any(|(n, _)| n == "deployment"), "the standard library is not the workspace: {all:?}");
    let some = names(&mut c, "shp");
    let found: Vec<&str> = some.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(found, ["Shop", "shop"], "a fuzzy query");
    c.shutdown();
}

#[test]
fn the_server_asks_to_watch_the_project_files_when_the_client_can() {
    let (_d, main, _) = project();
    let caps = json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}});
    let mut c = Client::start_with(main.parent().unwrap(), caps);
    c.open(&main);
    c.diagnostics(&main);
    let registration = c
        .notifications
        .iter()
        .find(|m| m["method"] == "client/registerCapability")
        .unwrap_or_else(|| panic!("no registration among {:?}", c.notifications))
        .clone();
    let r = &registration["params"]["registrations"][0];
    assert_eq!(r["method"], "workspace/didChangeWatchedFiles");
    let globs: Vec<&str> = r["registerOptions"]["watchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["globPattern"].as_str().unwrap())
        .collect();
    assert!(globs.contains(&"**/*.ced") && globs.contains(&"**/cedc.toml"), "{globs:?}");
    assert!(globs.contains(&"**/cedc.lock"), "`cedc fetch` writes cedc.lock: {globs:?}");
    // The client answers; a change on disk reported through the watch is checked again.
    c.send(&json!({"jsonrpc": "2.0", "id": registration["id"], "result": null}));
    std::fs::write(main.parent().unwrap().join("lib.ced"), LIB.replace("let replicas = 2", "let replicas = \"two\""))
        .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&main.parent().unwrap().join("lib.ced")), "type": 2}]}),
    );
    let d = c.diagnostics(&main);
    assert!(d.iter().any(|d| d["code"] == "E0030" || d["message"].as_str().unwrap().contains("String")), "{d:?}");
    c.shutdown();

    // A client that cannot register watchers is not asked.
    let mut c = Client::start(main.parent().unwrap());
    c.open(&main);
    c.diagnostics(&main);
    assert!(!c.notifications.iter().any(|m| m["method"] == "client/registerCapability"));
    c.shutdown();
}

#[test]
fn environment_attributes_have_a_definition_references_and_a_rename() {
    let (_d, main, _) = project();
    let text = MAIN
        .replace("let shop: Shop", "let host = \"shop.{env.domain}\"\nlet prod_host = prod.domain\n\nlet shop: Shop");
    std::fs::write(&main, &text).unwrap();
    let mut c = Client::start(main.parent().unwrap());
    c.open(&main);
    assert!(c.diagnostics(&main).is_empty());
    let on_use = pos(&text, "env.domain", 0, 5);
    let d = c.at("textDocument/definition", &main, on_use, json!({}));
    let first_key = pos(&text, "domain:", 0, 0);
    assert_eq!(d["result"]["range"]["start"]["line"], first_key.0, "{d}");
    assert_eq!(d["result"]["range"]["start"]["character"], first_key.1, "{d}");
    // Every environment's key and every read, `prod.domain` included.
    let r = c.at("textDocument/references", &main, on_use, json!({"context": {"includeDeclaration": true}}));
    assert_eq!(r["result"].as_array().unwrap().len(), 4, "{r}");
    let h = c.at("textDocument/hover", &main, pos(&text, "prod.domain", 0, 6), json!({}));
    assert!(h["result"]["contents"]["value"].as_str().unwrap().contains("env.domain: String"), "{h}");
    let e = c.at("textDocument/rename", &main, on_use, json!({"newName": "site"}));
    let edits = e["result"]["changes"][uri(&main)].as_array().unwrap();
    assert_eq!(edits.len(), 4, "{e}");
    c.shutdown();
}

#[test]
fn override_paths_complete_the_fields_of_their_target() {
    let (_d, main, _) = project();
    let mut c = Client::start(main.parent().unwrap());
    c.open(&main);
    c.diagnostics(&main);
    // Half typed in an override block, then in an expression.
    let typing = MAIN.replace("in dev { shop.size = 1 }", "in dev { shop. }");
    c.change(&main, 2, &typing);
    let r = c.at("textDocument/completion", &main, pos(&typing, "shop. }", 0, 5), json!({}));
    let l = labels(&r);
    assert!(l.contains(&"tier".to_string()) && l.contains(&"size".to_string()), "{l:?}");
    let typing = MAIN.replace("replicas: shop.size", "replicas: shop.");
    c.change(&main, 3, &typing);
    let r = c.at("textDocument/completion", &main, pos(&typing, "replicas: shop.", 0, 15), json!({}));
    let l = labels(&r);
    assert!(l.contains(&"size".to_string()), "{l:?}");
    c.shutdown();
}

#[test]
fn hover_on_an_override_target_shows_every_environments_value() {
    let (_d, main, _) = project();
    let mut c = Client::start(main.parent().unwrap());
    c.open(&main);
    c.diagnostics(&main);
    for (needle, delta) in [("shop.size = 1", 0), ("shop.size = 1", 6)] {
        let h = c.at("textDocument/hover", &main, pos(MAIN, needle, 0, delta), json!({}));
        let text = h["result"]["contents"]["value"].as_str().unwrap_or_else(|| panic!("{h}"));
        assert!(text.contains("overridden in `dev`"), "{text}");
        // prod keeps the base value (lib.replicas = 2), dev has its override.
        assert!(text.contains("- `prod`: `2` — set at `lib.ced:2`"), "{text}");
        assert!(text.contains("- `dev`: `1` — overridden at `main.ced:22`"), "{text}");
    }
    c.shutdown();
}

#[test]
fn a_did_you_mean_becomes_a_quick_fix() {
    let (_d, main, _) = project();
    let mut c = Client::start(main.parent().unwrap());
    c.open(&main);
    c.diagnostics(&main);
    let typo = MAIN.replace("size: lib.replicas", "size: lib.replicsa");
    c.change(&main, 2, &typo);
    let d = c.diagnostics(&main);
    assert!(!d.is_empty(), "the typo is reported");
    let (line, character) = pos(&typo, "replicsa", 0, 2);
    let at = json!({"line": line, "character": character});
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&main)}, "range": {"start": at, "end": at}, "context": {"diagnostics": d}}),
    );
    let actions = r["result"].as_array().unwrap_or_else(|| panic!("{r}"));
    assert_eq!(actions.len(), 1, "{r}");
    assert_eq!(actions[0]["title"], "Replace with `replicas`");
    assert_eq!(actions[0]["kind"], "quickfix");
    let edit = &actions[0]["edit"]["changes"][uri(&main)][0];
    assert_eq!(edit["newText"], "replicas");
    let start = pos(&typo, "replicsa", 0, 0);
    assert_eq!(
        (edit["range"]["start"]["line"].as_u64(), edit["range"]["start"]["character"].as_u64()),
        (Some(start.0.into()), Some(start.1.into()))
    );
    // Applying it leaves a project without diagnostics.
    c.change(&main, 3, &typo.replace("replicsa", "replicas"));
    assert!(c.diagnostics(&main).is_empty());
    // A misspelt field of an object: a fix only ever replaces the misspelt key.
    let object = typo.replace("replicsa", "replicas").replace(
        "k8s.deployment(",
        "{ apiVersion: \"v1\", kind: \"ConfigMap\", metadata: { name: \"c\" }, dta: { a: \"b\" } },\n    k8s.deployment(",
    );
    c.change(&main, 4, &object);
    let d = c.diagnostics(&main);
    assert!(d.iter().any(|d| d["code"] == "E0100"), "{d:?}");
    let line = pos(&object, "dta:", 0, 0).0;
    let whole = json!({"start": {"line": line, "character": 0}, "end": {"line": line + 1, "character": 0}});
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&main)}, "range": whole, "context": {"diagnostics": d}}),
    );
    for a in r["result"].as_array().unwrap() {
        let e = &a["edit"]["changes"][uri(&main)][0];
        let (start, end) = (
            e["range"]["start"]["character"].as_u64().unwrap() as usize,
            e["range"]["end"]["character"].as_u64().unwrap() as usize,
        );
        let text = object.lines().nth(line as usize).unwrap();
        assert_eq!(&text[start..end], "dta", "{a}");
    }
    // Elsewhere, no fix is offered.
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&main)}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": []}}),
    );
    assert_eq!(r["result"], json!([]), "{r}");
    c.shutdown();
}

#[test]
fn a_missing_field_is_added_by_a_quick_fix() {
    let (_d, main, _) = project();
    let mut c = Client::start(main.parent().unwrap());
    c.open(&main);
    c.diagnostics(&main);
    // `size` left out of a one-line record, `namespace` out of a component's body.
    let text = MAIN
        .replace("{ tier: \"frontend\", size: lib.replicas }", "{ tier: \"frontend\" }")
        .replace("  namespace: \"web\"\n", "");
    c.change(&main, 2, &text);
    let d = c.diagnostics(&main);
    assert!(d.iter().filter(|d| d["code"] == "E0031").count() == 2, "{d:?}");
    let mut fixed = Vec::new();
    for (needle, want) in [("{ tier: \"frontend\" }", ", size: 0"), ("component web {", "  namespace: \"\"\n")] {
        // On the `{` the diagnostic points at.
        let (line, character) = pos(&text, needle, 0, needle.find('{').unwrap());
        let at = json!({"line": line, "character": character});
        let r = c.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri(&main)}, "range": {"start": at, "end": at}, "context": {"diagnostics": d}}),
        );
        let actions = r["result"].as_array().unwrap_or_else(|| panic!("{r}"));
        let action = actions
            .iter()
            .find(|a| a["title"].as_str().is_some_and(|t| t.starts_with("Add missing field")))
            .unwrap_or_else(|| panic!("no fix at {needle}: {r}"));
        let edit = &action["edit"]["changes"][uri(&main)][0];
        assert_eq!(edit["newText"], want, "{action}");
        fixed.push(edit.clone());
    }
    // Applied, the record and the component have their fields where cedc fmt puts them.
    let applied = apply_edits(&text, &text, &fixed);
    assert!(applied.contains("{ tier: \"frontend\", size: 0 }"), "{applied}");
    assert!(applied.contains("  ]\n  namespace: \"\"\n}\n"), "{applied}");
    c.shutdown();
}

#[test]
fn a_field_one_level_too_high_is_moved_by_a_quick_fix() {
    let (_d, main, _) = project();
    let mut c = Client::start(main.parent().unwrap());
    c.open(&main);
    c.diagnostics(&main);
    let decls = "type Sizing = { spec: { replicas?: Int, memory?: String } }\n\nlet a: Sizing = {\n  replicas: 2\n  spec: { memory: \"1Gi\" }\n}\n\nlet b: Sizing = { replicas: 3 }\n";
    let text = MAIN.replace("let shop: Shop", &format!("{decls}\nlet shop: Shop"));
    c.change(&main, 2, &text);
    let d = c.diagnostics(&main);
    assert_eq!(d.iter().filter(|d| d["code"] == "E0022").count(), 2, "{d:?}");
    let mut applied = text.clone();
    // Fix the later one first, so that the earlier offsets stay right.
    for (needle, title) in
        [("{ replicas: 3 }", "Move `replicas` into `spec`"), ("  replicas: 2\n", "Move `replicas` into `spec`")]
    {
        let (line, character) = pos(&text, needle, 0, needle.find("replicas").unwrap());
        let at = json!({"line": line, "character": character});
        let r = c.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri(&main)}, "range": {"start": at, "end": at}, "context": {"diagnostics": d}}),
        );
        let actions = r["result"].as_array().unwrap_or_else(|| panic!("{r}"));
        let action = actions.iter().find(|a| a["title"] == title).unwrap_or_else(|| panic!("no move at {needle}: {r}"));
        let edits = action["edit"]["changes"][uri(&main)].as_array().unwrap();
        applied = apply_edits(&text, &applied, edits);
    }
    assert!(applied.contains("let a: Sizing = {\n  spec: { memory: \"1Gi\", replicas: 2 }\n}"), "{applied}");
    assert!(applied.contains("let b: Sizing = { spec: { replicas: 3 } }"), "{applied}");
    // The fixed file has no diagnostics left.
    c.change(&main, 3, &applied);
    assert!(c.diagnostics(&main).is_empty(), "{applied}");
    c.shutdown();
}

/// `target` with the LSP text edits applied, their positions read in `original` (the
/// text the server saw), from the last to the first so that earlier offsets hold.
fn apply_edits(original: &str, target: &str, edits: &[serde_json::Value]) -> String {
    let offset = |p: &serde_json::Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        original.split_inclusive('\n').take(line).map(str::len).sum::<usize>()
            + p["character"].as_u64().unwrap() as usize
    };
    let mut edits: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            let (s, t) = (offset(&e["range"]["start"]), offset(&e["range"]["end"]));
            (s, t - s, e["newText"].as_str().unwrap().to_string())
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = target.to_string();
    for (at, len, t) in edits {
        out.replace_range(at..at + len, &t);
    }
    out
}
