//! The language-server driver. A session starts the server (`cedc lsp`, or this binary's
//! `lsp-server`, which runs the same `cedc_lsp::run_stdio`) on a temporary project,
//! opens `main.ced`, then plays random steps: full and ranged edits (mutants, generated
//! programs), requests at random positions (hover, completion, definition, references,
//! rename, symbols, semantic tokens, formatting), and now and then a malformed frame
//! (invalid JSON, bad or missing `Content-Length`, non-UTF-8 header, huge lengths,
//! lengths off by a few bytes, truncated bodies). It ends with `shutdown` and `exit`.
//!
//! Properties: every well-formed request gets its answer within the timeout; after a
//! malformed frame the server answers again (probed with up to three requests) or exits
//! with a reason on stderr; the server never dies by a signal, never panics (no
//! "panicked" on stderr), and exits 0 after `shutdown` and `exit`.
//! A session is a list of [`Step`]s, so a failing one is replayed and shrunk by
//! dropping steps.

use crate::check::Failure;
use crate::generate::{self, Options};
use crate::mutate;
use crate::rng::Rng;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The placeholder for the session's `main.ced` URI in recorded steps.
const URI: &str = "@URI@";
/// The document URI of a written reproducer's `.stdin`.
const REPLAY_URI: &str = "file:///tmp/cedc-fuzz-lsp/main.ced";

/// One thing the client does.
#[derive(Clone, Debug)]
pub struct Step {
    /// Bytes written to the server's stdin ([`URI`] replaced by the document's URI).
    pub bytes: Vec<u8>,
    /// The request id whose answer must come (well-formed requests).
    pub expect: Option<i64>,
    /// A malformed frame: the server may answer later requests or exit with a reason.
    pub malformed: bool,
    /// Close stdin after this step (the client goes away).
    pub close: bool,
}

/// How to start the server.
#[derive(Clone, Debug)]
pub struct ServerCommand {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub memory_mb: u64,
    pub timeout: Duration,
}

fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn request(id: i64, method: &str, params: Value) -> Step {
    let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string();
    Step { bytes: frame(&body), expect: Some(id), malformed: false, close: false }
}

fn notify(method: &str, params: Value) -> Step {
    let body = json!({"jsonrpc": "2.0", "method": method, "params": params}).to_string();
    Step { bytes: frame(&body), expect: None, malformed: false, close: false }
}

fn malformed(bytes: Vec<u8>) -> Step {
    Step { bytes, expect: None, malformed: true, close: false }
}

/// A random session on a document that starts as `text`.
pub fn session(rng: &mut Rng, text: &str, seeds: &[Vec<u8>], steps: usize) -> Vec<Step> {
    let mut out = vec![
        request(1, "initialize", json!({"processId": null, "rootUri": null, "capabilities": {}})),
        notify("initialized", json!({})),
        notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": URI, "languageId": "ced", "version": 1, "text": text}}),
        ),
    ];
    let mut doc = text.to_string();
    let mut id = 2;
    let mut version = 1;
    let mut malformed_left = if rng.chance(50) { 1 + rng.below(2) } else { 0 };
    for _ in 0..steps {
        id += 1;
        match rng.below(20) {
            0..=4 => {
                version += 1;
                let other = seeds.get(rng.below(seeds.len().max(1))).cloned().unwrap_or_default();
                doc = if rng.chance(15) {
                    generate::program(rng, &Options { scale: 1, ..Options::default() })
                } else {
                    String::from_utf8_lossy(&mutate::mutate(rng, doc.as_bytes(), &other)).into_owned()
                };
                out.push(notify(
                    "textDocument/didChange",
                    json!({"textDocument": {"uri": URI, "version": version}, "contentChanges": [{"text": doc}]}),
                ));
            }
            5 => {
                version += 1;
                let (a, b) = (position(rng, &doc), position(rng, &doc));
                let insert = *rng.pick(&["", "x", "let", "{", "}\n", "\"", "é🦀", "\n\n", "import \"std/k8s\"\n"]);
                out.push(notify(
                    "textDocument/didChange",
                    json!({"textDocument": {"uri": URI, "version": version},
                           "contentChanges": [{"range": {"start": a, "end": b}, "text": insert}]}),
                ));
            }
            6 if malformed_left > 0 => {
                malformed_left -= 1;
                out.push(malformed_frame(rng, id));
            }
            7 => out.push(notify("textDocument/didClose", json!({"textDocument": {"uri": URI}}))),
            8 => out.push(notify(
                "textDocument/didOpen",
                json!({"textDocument": {"uri": URI, "languageId": "ced", "version": version, "text": doc}}),
            )),
            _ => {
                let pos = position(rng, &doc);
                let doc_id = json!({"uri": URI});
                let (method, params) = match rng.below(10) {
                    0 => ("textDocument/hover", json!({"textDocument": doc_id, "position": pos})),
                    1 => ("textDocument/completion", json!({"textDocument": doc_id, "position": pos})),
                    2 => ("textDocument/definition", json!({"textDocument": doc_id, "position": pos})),
                    3 => (
                        "textDocument/references",
                        json!({"textDocument": doc_id, "position": pos, "context": {"includeDeclaration": rng.chance(50)}}),
                    ),
                    4 => ("textDocument/prepareRename", json!({"textDocument": doc_id, "position": pos})),
                    5 => {
                        let name = *rng.pick(&["renamed", "x", "let", "9bad", "a-b", "é", ""]);
                        ("textDocument/rename", json!({"textDocument": doc_id, "position": pos, "newName": name}))
                    }
                    6 => ("textDocument/documentSymbol", json!({"textDocument": doc_id})),
                    7 => ("textDocument/semanticTokens/full", json!({"textDocument": doc_id})),
                    8 => (
                        "textDocument/formatting",
                        json!({"textDocument": doc_id, "options": {"tabSize": 2, "insertSpaces": true}}),
                    ),
                    _ => ("cedc/unknownMethod", json!({})),
                };
                out.push(request(id, method, params));
            }
        }
    }
    if rng.chance(5) {
        // The client goes away in the middle of a frame.
        let mut s = malformed(b"Content-Length: 100\r\n\r\n{\"jsonrpc\":".to_vec());
        s.close = true;
        out.push(s);
    } else {
        out.push(request(id + 1, "shutdown", Value::Null));
        let mut exit = notify("exit", Value::Null);
        exit.close = true;
        out.push(exit);
    }
    out
}

/// A random position: mostly in the document, sometimes past its end or huge.
fn position(rng: &mut Rng, doc: &str) -> Value {
    let lines: Vec<&str> = doc.lines().collect();
    if rng.chance(5) {
        return json!({"line": *rng.pick(&[0u64, 4_294_967_295, 100_000]), "character": *rng.pick(&[0u64, 4_294_967_295, 7])});
    }
    let line = rng.below(lines.len() + 2);
    let len = lines.get(line).map(|l| l.encode_utf16().count()).unwrap_or(0);
    json!({"line": line, "character": rng.below(len + 3)})
}

fn malformed_frame(rng: &mut Rng, id: i64) -> Step {
    // A fixed URI, not the placeholder: these frames are sent byte for byte.
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/hover",
                      "params": {"textDocument": {"uri": "file:///nonexistent/main.ced"}, "position": {"line": 0, "character": 0}}})
    .to_string();
    let bytes = match rng.below(12) {
        0 => frame("{\"jsonrpc\": \"2.0\", \"id\": "),
        1 => frame("[1, 2, 3]"),
        2 => format!("Content-Length: abc\r\n\r\n{body}").into_bytes(),
        3 => format!("Content-Length: -1\r\n\r\n{body}").into_bytes(),
        4 => format!("\r\n{body}").into_bytes(),
        5 => format!("Content-Length: {}\r\n\r\n{body}", body.len() + 1 + rng.below(5)).into_bytes(),
        6 => format!("Content-Length: {}\r\n\r\n{body}", body.len() - 1 - rng.below(5)).into_bytes(),
        7 => b"Content-Length: 1000000000000\r\n\r\n{}".to_vec(),
        8 => b"Content-Length: 18446744073709551615\r\n\r\n{}".to_vec(),
        9 => {
            let mut b = b"Content-Length: 2\xff\xfe\r\n\r\n{}".to_vec();
            b.extend(frame("{}"));
            b
        }
        10 => {
            let mut b = b"X-Garbage: \xc3\x28\r\n".to_vec();
            b.extend(frame(&body));
            b
        }
        _ => frame(&"[".repeat(100_000)),
    };
    malformed(bytes)
}

/// The result of playing a session.
#[derive(Debug)]
pub struct Played {
    pub requests: u64,
    pub answered: u64,
    /// The server ended the session itself after a malformed frame, with this reason.
    pub exited_with_reason: Option<String>,
}

struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Server {
    fn start(cmd: &ServerCommand, dir: &Path) -> std::io::Result<Server> {
        use std::os::unix::process::CommandExt;
        let memory = cmd.memory_mb;
        let mut command = Command::new(&cmd.program);
        command.args(&cmd.args).current_dir(dir).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        // SAFETY: only async-signal-safe setrlimit runs between fork and exec.
        unsafe {
            command.pre_exec(move || {
                if memory > 0 {
                    let bytes = memory.saturating_mul(1 << 20) as libc::rlim_t;
                    let limit = libc::rlimit { rlim_cur: bytes, rlim_max: bytes };
                    libc::setrlimit(libc::RLIMIT_AS, &limit);
                }
                Ok(())
            });
        }
        let mut child = command.spawn()?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or_else(|| std::io::Error::other("no stdout"))?;
        let err = child.stderr.take().ok_or_else(|| std::io::Error::other("no stderr"))?;
        let (tx, messages) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = None;
                loop {
                    let mut line = Vec::new();
                    if r.read_until(b'\n', &mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = String::from_utf8_lossy(&line);
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = v.parse::<usize>().ok();
                    }
                }
                let Some(len) = len.filter(|n| *n < 1 << 30) else {
                    let _ = tx.send(json!({"cedc-fuzz": "a frame from the server without a usable Content-Length"}));
                    return;
                };
                let mut body = vec![0; len];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                let v = serde_json::from_slice(&body)
                    .unwrap_or_else(|_| json!({"cedc-fuzz": "a frame from the server that is not JSON"}));
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        let (stderr, _) = crate::tail::keep_tail(err, 16384);
        Ok(Server { child, stdin, messages, stderr })
    }

    fn stderr(&self) -> String {
        self.stderr.lock().map(|t| String::from_utf8_lossy(&t).into_owned()).unwrap_or_default()
    }

    /// Wait for the answer to `id`; `Err(true)` if the server is gone, `Err(false)` on
    /// timeout.
    fn answer(&mut self, id: i64, timeout: Duration) -> Result<Value, bool> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(v) if v.get("cedc-fuzz").is_some() => return Ok(v),
                Ok(v) if v.get("id") == Some(&json!(id)) && v.get("method").is_none() => return Ok(v),
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => return Err(false),
                Err(RecvTimeoutError::Disconnected) => return Err(true),
            }
        }
    }

    /// Wait for the process to end, up to `timeout`; its status text, or None.
    fn wait(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(s)) = self.child.try_wait() {
                return Some(s);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn status_text(s: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (s.code(), s.signal()) {
        (_, Some(sig)) => format!("killed by signal {sig}"),
        (Some(c), _) => format!("exited with {c}"),
        _ => "ended".into(),
    }
}

/// Play `steps` against a fresh server on a project holding `files` (`main.ced` first).
pub fn play(cmd: &ServerCommand, files: &[(String, Vec<u8>)], steps: &[Step]) -> Result<Played, (usize, Failure)> {
    let dir = tempfile::tempdir().map_err(|e| (0, Failure::new("lsp-setup", e.to_string())))?;
    std::fs::write(dir.path().join("cedc.toml"), crate::check::config_text())
        .map_err(|e| (0, Failure::new("lsp-setup", e.to_string())))?;
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).map_err(|e| (0, Failure::new("lsp-setup", e.to_string())))?;
    }
    let uri = format!("file://{}", dir.path().join("main.ced").display());
    let mut server = Server::start(cmd, dir.path()).map_err(|e| (0, Failure::new("lsp-setup", e.to_string())))?;
    let mut played = Played { requests: 0, answered: 0, exited_with_reason: None };
    let mut probe_id = 1_000_000;
    for (i, step) in steps.iter().enumerate() {
        let bytes = if step.malformed { step.bytes.clone() } else { reframe(&step.bytes, &uri) };
        let wrote = server.stdin.as_mut().map(|s| s.write_all(&bytes).and_then(|()| s.flush()));
        if step.close {
            server.stdin = None;
        }
        if let Some(id) = step.expect {
            played.requests += 1;
            match server.answer(id, cmd.timeout) {
                Ok(v) if v.get("cedc-fuzz").is_some() => {
                    return Err((i, Failure::new("lsp-bad-frame", v["cedc-fuzz"].as_str().unwrap_or("").to_string())));
                }
                Ok(_) => played.answered += 1,
                Err(gone) => return Err((i, lost(&mut server, gone, &format!("request {id}"), cmd.timeout))),
            }
        }
        if step.malformed && !step.close {
            // The server must answer again, or end with a reason.
            let mut recovered = false;
            for _ in 0..3 {
                probe_id += 1;
                let probe = request(probe_id, "textDocument/documentSymbol", json!({"textDocument": {"uri": uri}}));
                if let Some(s) = server.stdin.as_mut() {
                    let _ = s.write_all(&probe.bytes).and_then(|()| s.flush());
                }
                match server.answer(probe_id, cmd.timeout.min(Duration::from_secs(5))) {
                    Ok(_) => {
                        recovered = true;
                        break;
                    }
                    Err(true) => break,
                    Err(false) => {}
                }
            }
            if !recovered {
                let what = format!("after the malformed frame {:?}", String::from_utf8_lossy(&head(&bytes)));
                match server.wait(Duration::from_secs(2)) {
                    Some(s) => {
                        let err = server.stderr();
                        if s.code().is_some() && !err.trim().is_empty() && !err.contains("panicked") {
                            played.exited_with_reason = Some(err.trim().lines().last().unwrap_or("").to_string());
                            return Ok(played);
                        }
                        return Err((i, death(&server, &s, &what)));
                    }
                    None => {
                        return Err((
                            i,
                            Failure::new(
                                "lsp-hang",
                                format!("no answer and no exit {what}; stderr: {}", server.stderr().trim()),
                            ),
                        ));
                    }
                }
            }
        }
        if wrote.is_some_and(|w| w.is_err()) && !step.malformed {
            return Err((i, lost(&mut server, true, "writing a message", cmd.timeout)));
        }
    }
    // The session is over: the server must exit on its own, cleanly after `exit`.
    let ended_by_exit = steps.last().is_some_and(|s| !s.malformed);
    match server.wait(cmd.timeout) {
        Some(s) => {
            let err = server.stderr();
            if err.contains("panicked") {
                return Err((steps.len(), Failure::new("lsp-panic", panic_line(&err))));
            }
            if s.code().is_none() || (ended_by_exit && !s.success()) {
                return Err((steps.len(), death(&server, &s, "at the end of the session")));
            }
            Ok(played)
        }
        None => Err((steps.len(), Failure::new("lsp-hang", "the server did not exit at the end of the session"))),
    }
}

fn panic_line(err: &str) -> String {
    let lines: Vec<&str> = err.lines().collect();
    let i = lines.iter().position(|l| l.contains("panicked")).unwrap_or(0);
    lines[i..].iter().take(3).copied().collect::<Vec<_>>().join("\n")
}

fn death(server: &Server, s: &std::process::ExitStatus, what: &str) -> Failure {
    let err = server.stderr();
    let kind = if err.contains("panicked") {
        "lsp-panic"
    } else if s.code().is_none() {
        "lsp-crash"
    } else if err.trim().is_empty() {
        "lsp-silent-exit"
    } else {
        "lsp-exit"
    };
    let detail =
        if kind == "lsp-panic" { panic_line(&err) } else { err.trim().lines().last().unwrap_or("").to_string() };
    Failure::new(kind, format!("{detail}\nthe server {} {what}", status_text(s)))
}

/// The server stopped answering (`gone`: it closed its output).
fn lost(server: &mut Server, gone: bool, what: &str, timeout: Duration) -> Failure {
    if !gone {
        return Failure::new("lsp-hang", format!("no answer to {what} in {} s", timeout.as_secs_f64()));
    }
    match server.wait(Duration::from_secs(5)) {
        Some(s) => death(server, &s, &format!("while waiting for {what}")),
        None => Failure::new("lsp-hang", format!("the server closed its output but did not exit ({what})")),
    }
}

/// A well-formed step's frame with the placeholder replaced, its length recomputed.
pub fn reframe(bytes: &[u8], uri: &str) -> Vec<u8> {
    let at = bytes.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4).unwrap_or(0);
    let body = replace(&bytes[at..], URI.as_bytes(), uri.as_bytes());
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend(body);
    out
}

fn head(b: &[u8]) -> Vec<u8> {
    b.iter().take(60).copied().collect()
}

fn replace(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

/// Lsp-session statistics of a run.
#[derive(Debug, Default)]
pub struct LspSummary {
    pub sessions: u64,
    pub requests: u64,
    pub answered: u64,
    pub exits_with_reason: u64,
    pub found: Vec<(Failure, u64, Option<PathBuf>)>,
    pub elapsed: Duration,
}

/// Run `sessions` sessions (or until `deadline`), writing reproducers to `out`.
#[allow(clippy::too_many_arguments)]
pub fn run(
    cmd: &ServerCommand,
    seed: u64,
    sessions: Option<u64>,
    deadline: Option<Instant>,
    steps: usize,
    seeds: &[Vec<u8>],
    out: &Path,
    shrink_budget: Duration,
) -> LspSummary {
    let start = Instant::now();
    let mut s = LspSummary::default();
    let mut i = 0u64;
    while sessions.is_none_or(|n| i < n) && deadline.is_none_or(|d| Instant::now() < d) {
        let mut rng = Rng::for_input(seed ^ 0x15f0, i);
        let text = if rng.chance(50) || seeds.is_empty() {
            generate::program(&mut rng, &Options { scale: 1, ..Options::default() })
        } else {
            String::from_utf8_lossy(&seeds[rng.below(seeds.len())]).into_owned()
        };
        let n = rng.range(steps / 2, steps);
        let script = session(&mut rng, &text, seeds, n);
        let files = vec![("main.ced".to_string(), text.clone().into_bytes())];
        match play(cmd, &files, &script) {
            Ok(p) => {
                s.requests += p.requests;
                s.answered += p.answered;
                s.exits_with_reason += u64::from(p.exited_with_reason.is_some());
            }
            Err((at, f)) => {
                let sig = f.signature();
                if let Some(found) = s.found.iter_mut().find(|(g, _, _)| g.signature() == sig) {
                    found.1 += 1;
                } else {
                    let small = shrink(cmd, &files, &script[..(at + 1).min(script.len())], &f, shrink_budget);
                    let path = write_session(out, &f, &files, &small, seed, i).ok();
                    s.found.push((f, 1, path));
                }
            }
        }
        s.sessions += 1;
        i += 1;
    }
    s.elapsed = start.elapsed();
    s
}

/// Drop steps (never the first three, which open the document) while the session still
/// fails the same way, for at most `budget`.
fn shrink(
    cmd: &ServerCommand,
    files: &[(String, Vec<u8>)],
    steps: &[Step],
    f: &Failure,
    budget: Duration,
) -> Vec<Step> {
    let deadline = Instant::now() + budget;
    let mut best = steps.to_vec();
    let mut tries = 0;
    let mut i = best.len().saturating_sub(2);
    while i >= 3 && tries < 40 && Instant::now() < deadline {
        let mut candidate = best.clone();
        candidate.remove(i);
        tries += 1;
        if let Err((_, g)) = play(cmd, files, &candidate)
            && g.kind == f.kind
        {
            best = candidate;
        }
        i -= 1;
    }
    best
}

fn write_session(
    out: &Path,
    f: &Failure,
    files: &[(String, Vec<u8>)],
    steps: &[Step],
    seed: u64,
    index: u64,
) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(out)?;
    let stem = format!("{}-{:016x}", f.kind, crate::campaign::hash(&f.signature()));
    let mut stdin = Vec::new();
    for s in steps {
        let bytes = if s.malformed { s.bytes.clone() } else { reframe(&s.bytes, REPLAY_URI) };
        stdin.extend_from_slice(&bytes);
        if s.malformed && !s.close {
            // The request the driver sends next, whose answer never came.
            let probe = request(1_000_001, "textDocument/documentSymbol", json!({"textDocument": {"uri": URI}}));
            stdin.extend(reframe(&probe.bytes, REPLAY_URI));
        }
    }
    let main = files.first().map(|f| f.1.clone()).unwrap_or_default();
    std::fs::write(out.join(format!("{stem}.ced")), &main)?;
    std::fs::write(out.join(format!("{stem}.stdin")), &stdin)?;
    let text = format!(
        "kind: {}\nfound: LSP session #{index} of seed {seed}, shrunk to {} steps\n\n{}\n\nreproduce:\n  mkdir -p /tmp/cedc-fuzz-lsp && cp {stem}.ced /tmp/cedc-fuzz-lsp/main.ced\n  printf '[project]\\nname = \"t\"\\n' > /tmp/cedc-fuzz-lsp/cedc.toml\n  cedc lsp < {stem}.stdin\n(or `cedc-fuzz lsp-replay {stem}.session.json {stem}.ced`, which also checks the answers)\n",
        f.kind,
        steps.len(),
        f.detail
    );
    std::fs::write(out.join(format!("{stem}.txt")), text)?;
    let steps_json: Vec<Value> = steps
        .iter()
        .map(|s| {
            json!({"bytes": s.bytes.iter().map(|b| u32::from(*b)).collect::<Vec<_>>(), "expect": s.expect,
                   "malformed": s.malformed, "close": s.close})
        })
        .collect();
    std::fs::write(out.join(format!("{stem}.session.json")), Value::Array(steps_json).to_string())?;
    Ok(out.join(format!("{stem}.txt")))
}

/// Read back a session written by [`write_session`].
pub fn read_session(path: &Path) -> Option<Vec<Step>> {
    let v: Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    v.as_array()?
        .iter()
        .map(|s| {
            Some(Step {
                bytes: s["bytes"].as_array()?.iter().map(|b| b.as_u64().map(|b| b as u8)).collect::<Option<_>>()?,
                expect: s["expect"].as_i64(),
                malformed: s["malformed"].as_bool()?,
                close: s["close"].as_bool()?,
            })
        })
        .collect()
}
