//! How long the language server takes to re-check a 10,000-line workspace after one
//! keystroke, and to answer hover and completion there. Run with
//! `cargo bench -p cedc_lsp`; the numbers go into docs/editors.md.
//!
//! The workspace: 3 environments and 1,000 components (each a Namespace, Deployment and
//! Service from std/k8s) in 10 files of about 1,000 lines. A keystroke changes a replica
//! count in one file: the server parses that file again, checks names and types, then
//! evaluates every environment and checks the platform on a thread of its own, and
//! publishes the diagnostics. A keystroke making a type error (and the one fixing it) is
//! published from names and types alone.

/// The allocator `cedc lsp` runs with, its one definition included here: the numbers
/// are the server's as users run it.
#[path = "../../cedc/src/allocator.rs"]
mod allocator;
#[global_allocator]
static ALLOCATOR: allocator::Allocator = allocator::Allocator;

use cedc_lsp::lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

const FILES: usize = 10;
const PER_FILE: usize = 100;
const KEYSTROKES: usize = 30;

fn component(f: usize, i: usize, replicas: usize) -> String {
    let n = format!("svc-{f}-{i}");
    format!(
        "/// Service {n}.
component {n} {{
  namespace: \"{n}\"
  labels: {{ team: \"team-{f}\" }}
  objects: [
    k8s.namespace(\"{n}\"),
    k8s.deployment(\"{n}\", image: \"registry.example.org/{n}:1.0\", replicas: {replicas}, port: 8080),
    k8s.service(\"{n}\", port: 80, target_port: 8080),
  ]
}}
"
    )
}

fn file_text(f: usize, replicas: usize) -> String {
    let mut s = String::from("import \"std/k8s\"\n\n");
    for i in 0..PER_FILE {
        s.push_str(&component(f, i, if i == 0 { replicas } else { 2 }));
    }
    s
}

fn uri(p: &Path) -> String {
    format!("file://{}", p.display())
}

struct Bench {
    client: Connection,
    next: i32,
}

impl Bench {
    fn notify(&self, method: &str, params: Value) {
        self.client.sender.send(Message::Notification(Notification::new(method.into(), params))).unwrap();
    }
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = RequestId::from(self.next);
        self.client.sender.send(Message::Request(Request::new(id.clone(), method.into(), params))).unwrap();
        loop {
            match self.client.receiver.recv_timeout(Duration::from_secs(120)).unwrap() {
                Message::Response(r) if r.id == id => return r.response_result.unwrap_or(Value::Null),
                _ => {}
            }
        }
    }
    /// Wait for the diagnostics of `file`; how many there are.
    fn diagnostics(&self, file: &str) -> usize {
        loop {
            if let Message::Notification(n) = self.client.receiver.recv_timeout(Duration::from_secs(120)).unwrap()
                && n.method == "textDocument/publishDiagnostics"
                && n.params["uri"] == file
            {
                return n.params["diagnostics"].as_array().map_or(0, Vec::len);
            }
        }
    }
}

fn stats(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = times[times.len() / 2];
    let p90 = times[(times.len() * 9) / 10];
    println!(
        "{name:<40} median {:>8.1} ms   p90 {:>8.1} ms   min {:>8.1} ms   ({} runs)",
        ms(median),
        ms(p90),
        ms(times[0]),
        times.len()
    );
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let mut entries = vec!["\"main.ced\"".to_string()];
    std::fs::write(
        root.join("main.ced"),
        "env prod { domain: \"example.org\" }\nenv staging { domain: \"staging.example.org\" }\nenv dev { domain: \"dev.example.org\" }\n",
    )
    .unwrap();
    let mut lines = 3;
    for f in 0..FILES {
        let text = file_text(f, 2);
        lines += text.lines().count();
        std::fs::write(root.join(format!("svc{f}.ced")), text).unwrap();
        entries.push(format!("\"svc{f}.ced\""));
    }
    std::fs::write(root.join("cedc.toml"), format!("[project]\nname = \"bench\"\nentry = [{}]\n", entries.join(", ")))
        .unwrap();
    println!("workspace: {lines} lines, {} components, 3 environments", FILES * PER_FILE);

    let (server, client) = Connection::memory();
    let thread = std::thread::Builder::new().stack_size(256 << 20).spawn(move || cedc_lsp::serve(&server)).unwrap();
    let mut b = Bench { client, next: 0 };
    b.request("initialize", json!({"processId": null, "rootUri": uri(&root), "capabilities": {}}));
    b.notify("initialized", json!({}));

    let edited = root.join("svc0.ced");
    let edited_uri = uri(&edited);
    let t = Instant::now();
    b.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": edited_uri, "languageId": "ced", "version": 1, "text": file_text(0, 2)}}),
    );
    assert_eq!(b.diagnostics(&edited_uri), 0);
    println!("{:<40} {:>8.1} ms", "open (first full check)", t.elapsed().as_secs_f64() * 1000.0);

    let change = |b: &Bench, version: usize, text: String| {
        b.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": edited_uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    };
    let mut recheck = Vec::new();
    for k in 0..KEYSTROKES {
        // Type one digit into a replica count: `replicas: 2` → `replicas: 23` → ….
        let t = Instant::now();
        change(&b, k + 2, file_text(0, 2 + k));
        assert_eq!(b.diagnostics(&edited_uri), 0);
        recheck.push(t.elapsed());
    }
    stats("keystroke → diagnostics (whole check)", recheck);

    // Keystrokes that make a type error, each followed by the one that fixes it: the
    // error is published from the front of the pipeline (parse of the edited file,
    // names, types), and so is its fix (the whole check follows on its own thread and,
    // finding nothing more, publishes nothing more).
    let (mut broken, mut fixed) = (Vec::new(), Vec::new());
    for k in 0..KEYSTROKES {
        let version = 100 + 2 * k;
        let t = Instant::now();
        change(&b, version, file_text(0, 2).replacen("replicas: 2,", "replicas: 2x,", 1).replace("2x", "\"2x\""));
        assert_eq!(b.diagnostics(&edited_uri), 1);
        broken.push(t.elapsed());
        let t = Instant::now();
        change(&b, version + 1, file_text(0, 2));
        assert_eq!(b.diagnostics(&edited_uri), 0);
        fixed.push(t.elapsed());
    }
    stats("keystroke making a type error → published", broken);
    stats("keystroke fixing it → published", fixed);

    // A request right after a keystroke, while the whole check of that keystroke runs.
    let mut during = Vec::new();
    let probe = json!({"textDocument": {"uri": edited_uri}, "position": {"line": 0, "character": 0}});
    for k in 0..KEYSTROKES {
        change(&b, 200 + k, file_text(0, 3 + k));
        let t = Instant::now();
        b.request("textDocument/documentSymbol", probe.clone());
        during.push(t.elapsed());
        assert_eq!(b.diagnostics(&edited_uri), 0);
    }
    stats("symbols asked right after a keystroke", during);

    let text = file_text(0, 2);
    b.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": edited_uri, "version": 300}, "contentChanges": [{"text": text.clone()}]}),
    );
    b.diagnostics(&edited_uri);
    let at = text.find("k8s.deployment").unwrap() + 5;
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    let pos = json!({"textDocument": {"uri": edited_uri}, "position": {"line": line, "character": col}});
    let mut hover = Vec::new();
    let mut completion = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        assert!(!b.request("textDocument/hover", pos.clone()).is_null());
        hover.push(t.elapsed());
        let t = Instant::now();
        b.request("textDocument/completion", pos.clone());
        completion.push(t.elapsed());
    }
    stats("hover (analysis up to date)", hover);
    stats("completion (re-checks a repaired copy)", completion);

    b.request("shutdown", Value::Null);
    b.notify("exit", Value::Null);
    thread.join().unwrap().unwrap();
}
