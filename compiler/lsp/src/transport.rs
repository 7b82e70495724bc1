//! JSON-RPC over stdin/stdout with `Content-Length` framing. `lsp_server` has its own
//! stdio transport, but its reader stops at the first message that is not valid
//! JSON-RPC, which ends the session; this one answers such a message with the JSON-RPC
//! error it calls for (`ParseError`, `InvalidRequest`) and reads on.
//!
//! Broken framing never ends the session silently nor stalls it. A body is at most
//! [`MAX_MESSAGE`] bytes and is read only as it arrives (never allocated from the
//! header). A body that is JSON ends with its JSON value, even when `Content-Length`
//! says more, so a length a few bytes too long does not wait for bytes that never
//! come; a frame without a valid `Content-Length` (missing, `-1`, `abc`) is read up to
//! the end of its JSON value. Header lines are read as bytes (not UTF-8) with bounded
//! memory; one not ending in a `Content-Length` header is ignored, so after garbage the
//! reader resynchronises on the next `Content-Length:`. Every such repair is logged on
//! stderr. Only an I/O error or the input ending inside a frame ends the reading, with
//! the reason logged, and the server then exits with a non-zero code.

use lsp_server::{Connection, ErrorCode, Message};
use std::io::{self, BufRead, Write};
use std::sync::{Arc, OnceLock};

/// The largest message body read (64 MiB); a larger one is answered with an error and
/// skipped.
pub const MAX_MESSAGE: usize = 64 << 20;
/// Bytes of a header line kept (its end): enough for any `Content-Length` header.
const MAX_HEADER_LINE: usize = 1024;

/// Why the reading of stdin ended abnormally, once it has.
pub type ReadFailure = Arc<OnceLock<String>>;

/// A connection over stdio: the server's end, the thread writing its messages to stdout
/// (join it, after dropping the connection, to flush the last ones), and the reason the
/// reader stopped if it failed.
pub fn stdio() -> (Connection, std::thread::JoinHandle<io::Result<()>>, ReadFailure) {
    let (server, client) = Connection::memory();
    let Connection { sender: to_server, receiver: from_server } = client;
    let failure: ReadFailure = Arc::default();
    let failed = failure.clone();
    std::thread::Builder::new()
        .name("cedc-lsp-reader".into())
        .spawn(move || {
            let stdin = io::stdin();
            let mut input = stdin.lock();
            loop {
                match read(&mut input, &mut io::stdout(), &mut io::stderr()) {
                    Ok(Some(msg)) => {
                        let exit = matches!(&msg, Message::Notification(n) if n.method == "exit");
                        if to_server.send(msg).is_err() || exit {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        // Logged by `run_stdio`, which exits with an error.
                        let _ = failed.set(format!("cannot read from the client: {e}"));
                        break;
                    }
                }
            }
            // Dropping `to_server` here tells the server the client went away.
        })
        .expect("start the stdin reader");
    let writer = std::thread::Builder::new()
        .name("cedc-lsp-writer".into())
        .spawn(move || {
            for msg in from_server {
                msg.write(&mut io::stdout().lock())?;
            }
            Ok(())
        })
        .expect("start the stdout writer");
    (server, writer, failure)
}

/// The next well-formed message; malformed ones are answered on `out` (when they can
/// be) and skipped, and broken framing is logged on `log`. `None` at the end of the
/// input between frames; an error when it ends inside one.
pub fn read(input: &mut impl BufRead, out: &mut impl Write, log: &mut impl Write) -> io::Result<Option<Message>> {
    loop {
        let Some(body) = read_frame(input, out, log)? else { return Ok(None) };
        let value: serde_json::Value = match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                reply_error(out, serde_json::Value::Null, ErrorCode::ParseError, &format!("invalid JSON: {e}"))?;
                continue;
            }
        };
        let id = value.get("id").cloned();
        match serde_json::from_value::<Message>(value) {
            Ok(msg) => return Ok(Some(msg)),
            // A malformed notification gets no answer; a malformed request does.
            Err(e) => {
                if let Some(id) = id {
                    let id = if id.is_string() || id.is_number() { id } else { serde_json::Value::Null };
                    reply_error(out, id, ErrorCode::InvalidRequest, &format!("not a JSON-RPC message: {e}"))?;
                }
            }
        }
    }
}

/// What the header of a frame said about its length.
enum Length {
    Valid(usize),
    /// Missing, or not a number of bytes (the text given).
    Invalid(String),
}

/// One frame's body; `None` at the end of the input. Header lines may end with `\n`
/// alone; text before a `Content-Length` header on its line is skipped.
fn read_frame(input: &mut impl BufRead, out: &mut impl Write, log: &mut impl Write) -> io::Result<Option<Vec<u8>>> {
    loop {
        let Some(length) = read_header(input, log)? else { return Ok(None) };
        let limit = match &length {
            Length::Valid(n) if *n <= MAX_MESSAGE => *n,
            Length::Valid(n) => {
                log_line(log, &format!("Content-Length {n} is over the {MAX_MESSAGE}-byte limit"))?;
                MAX_MESSAGE
            }
            Length::Invalid(text) => {
                log_line(log, &format!("frame without a valid Content-Length ({text}); reading its JSON body"))?;
                if !starts_json(input)? {
                    log_line(log, "no JSON body follows; skipping to the next Content-Length header")?;
                    continue;
                }
                MAX_MESSAGE
            }
        };
        let (body, ended) = read_body(input, limit)?;
        let stated = match length {
            Length::Valid(n) => Some(n),
            Length::Invalid(_) => None,
        };
        if !ended && stated.is_none_or(|n| n > MAX_MESSAGE) {
            // Too long to read whole: answer, then skip the rest as header garbage.
            let msg = format!("message too large: the limit is {MAX_MESSAGE} bytes");
            log_line(log, &format!("{msg}; skipping to the next Content-Length header"))?;
            reply_error(out, serde_json::Value::Null, ErrorCode::InvalidRequest, &msg)?;
            continue;
        }
        if stated.is_some_and(|n| n != body.len()) {
            log_line(log, "Content-Length is longer than the JSON body; the body ends with its JSON value")?;
        }
        return Ok(Some(body));
    }
}

/// Read a frame's header lines up to the blank line ending them; `None` at the end of
/// the input before any header.
fn read_header(input: &mut impl BufRead, log: &mut impl Write) -> io::Result<Option<Length>> {
    let mut length = None;
    let mut seen_header = false;
    loop {
        let Some(line) = read_line(input)? else {
            if seen_header {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the input ended inside a message header"));
            }
            return Ok(None);
        };
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() {
            if seen_header {
                return Ok(Some(length.unwrap_or(Length::Invalid("missing".into()))));
            }
            continue;
        }
        match find_content_length(&line) {
            Some(at) => {
                if at > 0 && !line[..at].trim_ascii().is_empty() {
                    log_line(log, &format!("skipped {} bytes before a Content-Length header", at))?;
                }
                let value = String::from_utf8_lossy(line[at + CONTENT_LENGTH.len()..].trim_ascii()).into_owned();
                length = Some(match value.parse::<usize>() {
                    Ok(n) => Length::Valid(n),
                    Err(_) if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                        Length::Valid(usize::MAX)
                    }
                    Err(_) => Length::Invalid(format!("`{}`", value.chars().take(40).collect::<String>())),
                });
                seen_header = true;
            }
            // Another header (`Content-Type`), or garbage: ignored.
            None => seen_header = true,
        }
    }
}

const CONTENT_LENGTH: &[u8] = b"content-length:";

/// Where the last `Content-Length:` (any case) on a line starts.
fn find_content_length(line: &[u8]) -> Option<usize> {
    let n = CONTENT_LENGTH.len();
    (0..line.len().saturating_sub(n - 1)).rev().find(|i| line[*i..*i + n].eq_ignore_ascii_case(CONTENT_LENGTH))
}

/// One line (up to `\n`), of which only the last [`MAX_HEADER_LINE`] bytes are kept;
/// `None` at the end of the input.
fn read_line(input: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let mut any = false;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(any.then_some(line));
        }
        any = true;
        let (chunk, done) = match buf.iter().position(|b| *b == b'\n') {
            Some(i) => (&buf[..=i], true),
            None => (buf, false),
        };
        line.extend_from_slice(chunk);
        let used = chunk.len();
        input.consume(used);
        if line.len() > MAX_HEADER_LINE {
            line.drain(..line.len() - MAX_HEADER_LINE);
        }
        if done {
            return Ok(Some(line));
        }
    }
}

/// Skip whitespace; whether what follows opens a JSON object or array.
fn starts_json(input: &mut impl BufRead) -> io::Result<bool> {
    loop {
        let buf = input.fill_buf()?;
        let Some(&first) = buf.first() else { return Ok(false) };
        if first.is_ascii_whitespace() {
            input.consume(1);
            continue;
        }
        return Ok(first == b'{' || first == b'[');
    }
}

/// Up to `limit` bytes of body, ending early where a JSON object or array that starts
/// it ends; and whether it ended so. The input ending first is an error.
fn read_body(input: &mut impl BufRead, limit: usize) -> io::Result<(Vec<u8>, bool)> {
    let mut body = Vec::with_capacity(limit.min(1 << 16));
    let mut scan = JsonEnd::default();
    while body.len() < limit {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the input ended inside a message body"));
        }
        let room = (limit - body.len()).min(buf.len());
        let (used, ended) = match buf[..room].iter().position(|b| scan.step(*b)) {
            Some(i) => (i + 1, true),
            None => (room, false),
        };
        body.extend_from_slice(&buf[..used]);
        input.consume(used);
        if ended {
            return Ok((body, true));
        }
    }
    Ok((body, false))
}

/// Finds where a JSON object or array ends, byte by byte.
#[derive(Default)]
struct JsonEnd {
    started: bool,
    not_json: bool,
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl JsonEnd {
    /// Feed one byte; `true` when it closes the top-level value.
    fn step(&mut self, b: u8) -> bool {
        if self.not_json {
            return false;
        }
        if !self.started {
            match b {
                b'{' | b'[' => {
                    self.started = true;
                    self.depth = 1;
                }
                b if b.is_ascii_whitespace() => {}
                _ => self.not_json = true,
            }
            return false;
        }
        if self.in_string {
            match (self.escaped, b) {
                (true, _) => self.escaped = false,
                (false, b'\\') => self.escaped = true,
                (false, b'"') => self.in_string = false,
                _ => {}
            }
            return false;
        }
        match b {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => {
                self.depth = self.depth.saturating_sub(1);
                return self.depth == 0;
            }
            _ => {}
        }
        false
    }
}

fn log_line(log: &mut impl Write, text: &str) -> io::Result<()> {
    writeln!(log, "cedc lsp: {text}")
}

fn reply_error(out: &mut impl Write, id: serde_json::Value, code: ErrorCode, message: &str) -> io::Result<()> {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": code as i32, "message": message },
    })
    .to_string();
    write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn malformed_messages_are_answered_and_skipped() {
        let ok = r#"{"jsonrpc":"2.0","id":3,"method":"shutdown"}"#;
        let input = [frame("{\"jsonrpc\":"), frame(r#"{"jsonrpc":"2.0","id":2}"#), frame(ok)].concat();
        let mut out = Vec::new();
        let msg = read(&mut input.as_bytes(), &mut out, &mut Vec::new()).unwrap();
        assert!(matches!(msg, Some(Message::Request(r)) if r.method == "shutdown"));
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains(r#""id":null"#) && out.contains("-32700"), "{out}");
        assert!(out.contains(r#""id":2"#) && out.contains("-32600"), "{out}");
        assert!(read(&mut "".as_bytes(), &mut Vec::new(), &mut Vec::new()).unwrap().is_none());
    }

    #[test]
    fn lenient_headers() {
        let body = r#"{"jsonrpc":"2.0","method":"exit"}"#;
        let input = format!("content-length:{}\nContent-Type: x\n\n{body}", body.len());
        let msg = read(&mut input.as_bytes(), &mut Vec::new(), &mut Vec::new()).unwrap();
        assert!(matches!(msg, Some(Message::Notification(n)) if n.method == "exit"));
    }
}
