//! JSON-RPC over stdin/stdout with `Content-Length` framing. `lsp_server` has its own
//! stdio transport, but its reader stops at the first message that is not valid
//! JSON-RPC, which ends the session; this one answers such a message with the JSON-RPC
//! error it calls for (`ParseError`, `InvalidRequest`) and reads on.

use lsp_server::{Connection, ErrorCode, Message};
use std::io::{self, BufRead, Write};

/// A connection over stdio: the server's end, and the thread writing its messages to
/// stdout (join it, after dropping the connection, to flush the last ones).
pub fn stdio() -> (Connection, std::thread::JoinHandle<io::Result<()>>) {
    let (server, client) = Connection::memory();
    let Connection { sender: to_server, receiver: from_server } = client;
    std::thread::Builder::new()
        .name("cedc-lsp-reader".into())
        .spawn(move || {
            let stdin = io::stdin();
            let mut input = stdin.lock();
            // Errors end the reading: the server sees the client go away.
            while let Ok(Some(msg)) = read(&mut input, &mut io::stdout()) {
                let exit = matches!(&msg, Message::Notification(n) if n.method == "exit");
                if to_server.send(msg).is_err() || exit {
                    break;
                }
            }
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
    (server, writer)
}

/// The next well-formed message; malformed ones are answered on `out` and skipped.
/// `None` at the end of the input.
pub fn read(input: &mut impl BufRead, out: &mut impl Write) -> io::Result<Option<Message>> {
    loop {
        let Some(body) = read_frame(input)? else { return Ok(None) };
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

/// One frame's body; `None` at the end of the input. Header lines may end with `\n`
/// alone, and a frame without `Content-Length` is skipped.
fn read_frame(input: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    loop {
        let mut length = None;
        let mut seen_header = false;
        loop {
            let mut line = String::new();
            if input.read_line(&mut line)? == 0 {
                return Ok(None);
            }
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                if seen_header {
                    break;
                }
                continue;
            }
            seen_header = true;
            if let Some((name, value)) = line.split_once(':')
                && name.trim().eq_ignore_ascii_case("Content-Length")
            {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let Some(length) = length else { continue };
        let mut body = vec![0; length];
        input.read_exact(&mut body)?;
        return Ok(Some(body));
    }
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
        let msg = read(&mut input.as_bytes(), &mut out).unwrap();
        assert!(matches!(msg, Some(Message::Request(r)) if r.method == "shutdown"));
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains(r#""id":null"#) && out.contains("-32700"), "{out}");
        assert!(out.contains(r#""id":2"#) && out.contains("-32600"), "{out}");
        assert!(read(&mut "".as_bytes(), &mut Vec::new()).unwrap().is_none());
    }

    #[test]
    fn lenient_headers() {
        let body = r#"{"jsonrpc":"2.0","method":"exit"}"#;
        let input = format!("content-length:{}\nContent-Type: x\n\n{body}", body.len());
        let msg = read(&mut input.as_bytes(), &mut Vec::new()).unwrap();
        assert!(matches!(msg, Some(Message::Notification(n)) if n.method == "exit"));
    }
}
