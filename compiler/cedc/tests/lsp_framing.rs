//! `cedc lsp` fed broken framing over real stdio (issue 11): huge, absurd, missing,
//! negative, non-numeric and slightly wrong `Content-Length` headers, and header lines
//! that are not UTF-8. After each, the server must answer a following valid request,
//! or exit non-zero with its reason on stderr, within a bounded time; never abort,
//! die silently or hang.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(60);

struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    rx: mpsc::Receiver<Value>,
    stderr: std::thread::JoinHandle<String>,
}

fn frame(body: &str) -> String {
    format!("Content-Length: {}\r\n\r\n{body}", body.len())
}

fn request(id: i64, method: &str, params: Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string()
}

impl Server {
    /// Start the server and initialize it.
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cedc"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start cedc lsp");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
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
                if tx.send(serde_json::from_slice(&body).expect("JSON body")).is_err() {
                    return;
                }
            }
        });
        let mut s = Server { child, stdin: Some(stdin), rx, stderr };
        s.write(frame(&request(1, "initialize", json!({"processId": null, "capabilities": {}}))).as_bytes());
        assert_eq!(s.response(1)["result"]["serverInfo"]["name"], "cedc");
        s.write(frame(&json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}).to_string()).as_bytes());
        s
    }

    fn write(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    /// The response to request `id`, skipping other messages; `None` when none comes.
    fn try_response(&mut self, id: i64) -> Option<Value> {
        loop {
            let v = self.rx.recv_timeout(TIMEOUT).ok()?;
            if v.get("id") == Some(&json!(id)) {
                return Some(v);
            }
        }
    }

    fn response(&mut self, id: i64) -> Value {
        self.try_response(id).unwrap_or_else(|| panic!("no response to request {id}"))
    }

    /// Send a valid `textDocument/hover` for an unopened file as request `id`; it is
    /// answered (with an error: the document is not open).
    fn still_answers(&mut self, id: i64) {
        let params = json!({"textDocument": {"uri": "file:///nowhere/x.ced"}, "position": {"line": 0, "character": 0}});
        self.write(frame(&request(id, "textDocument/hover", params)).as_bytes());
        let r = self.response(id);
        assert!(r.get("result").is_some() || r.get("error").is_some(), "{r}");
    }

    /// Shut down and exit; the exit code.
    fn finish(mut self) -> (Option<i32>, String) {
        self.write(frame(&request(999, "shutdown", Value::Null)).as_bytes());
        self.response(999);
        self.write(frame(&json!({"jsonrpc": "2.0", "method": "exit"}).to_string()).as_bytes());
        self.wait()
    }

    fn wait(mut self) -> (Option<i32>, String) {
        let start = std::time::Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > TIMEOUT {
                self.child.kill().unwrap();
                panic!("cedc lsp did not exit");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        drop(self.stdin);
        (status.code(), self.stderr.join().unwrap())
    }
}

#[test]
fn huge_content_lengths_are_bounded_and_the_session_goes_on() {
    for huge in ["1000000000000", "18446744073709551615", "99999999999999999999999999"] {
        let mut s = Server::start();
        // The JSON body ends long before the stated length: it is answered.
        let body = request(
            2,
            "textDocument/hover",
            json!({"textDocument": {"uri": "file:///n/x.ced"}, "position": {"line": 0, "character": 0}}),
        );
        s.write(format!("Content-Length: {huge}\r\n\r\n{body}").as_bytes());
        let r = s.response(2);
        assert!(r.get("error").is_some() || r.get("result").is_some(), "{r}");
        s.still_answers(3);
        let (code, err) = s.finish();
        assert_eq!(code, Some(0), "{err}");
        assert!(err.contains("over the 67108864-byte limit"), "{err}");
    }
}

#[test]
fn a_body_larger_than_the_limit_is_refused_and_skipped() {
    let mut s = Server::start();
    // 65 MiB of one JSON string, then a valid request.
    let big = format!("{{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"x\",\"params\":\"{}\"}}", "a".repeat(65 << 20));
    s.write(format!("Content-Length: {}\r\n\r\n", big.len()).as_bytes());
    s.write(big.as_bytes());
    s.still_answers(3);
    let (code, err) = s.finish();
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("message too large"), "{err}");
}

#[test]
fn wrong_missing_and_invalid_lengths_resynchronise() {
    let hover = |id| {
        request(
            id,
            "textDocument/hover",
            json!({"textDocument": {"uri": "file:///n/x.ced"}, "position": {"line": 0, "character": 0}}),
        )
    };
    let mut s = Server::start();
    let mut id = 10;
    // A few bytes too long, then the client waits for the answer.
    let body = hover(id);
    s.write(format!("Content-Length: {}\r\n\r\n{body}", body.len() + 3).as_bytes());
    s.response(id);
    s.still_answers(id + 1);
    id += 2;
    // A few bytes too short: that message is lost (answered with a parse error), the
    // next is read.
    let body = hover(id);
    s.write(format!("Content-Length: {}\r\n\r\n{body}", body.len() - 3).as_bytes());
    s.still_answers(id + 1);
    id += 2;
    // Missing, negative and non-numeric lengths: the JSON body is read and answered.
    for header in ["Content-Type: application/json\r\n", "Content-Length: -1\r\n", "Content-Length: abc\r\n"] {
        let body = hover(id);
        s.write(format!("{header}\r\n{body}").as_bytes());
        s.response(id);
        s.still_answers(id + 1);
        id += 2;
    }
    // A header line that is not UTF-8 is ignored.
    let body = hover(id);
    s.write(b"X-Junk: \xff\xfe\x80\r\n");
    s.write(frame(&body).as_bytes());
    s.response(id);
    s.still_answers(id + 1);
    // Garbage with no newline before a header.
    s.write(b"\xff\xff garbage");
    s.still_answers(id + 2);
    let (code, err) = s.finish();
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("without a valid Content-Length"), "{err}");
}

#[test]
fn the_input_ending_inside_a_frame_is_a_logged_failure() {
    let mut s = Server::start();
    s.write(b"Content-Length: 100\r\n\r\n{\"jsonrpc\":");
    s.stdin = None;
    let (code, err) = s.wait();
    assert_ne!(code, Some(0), "{err}");
    assert!(err.contains("the input ended inside a message body"), "{err}");
}
