//! The last bytes a child process wrote to a stream (its stderr), kept by a thread that
//! reads the stream to its end, so that a failure report can quote what the child said
//! last. Invariant: at most `cap` bytes are kept, whatever the child writes.

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Read `stream` to its end on a thread of its own; keep its last `cap` bytes in the
/// returned buffer.
pub fn keep_tail(mut stream: impl Read + Send + 'static, cap: usize) -> (Arc<Mutex<Vec<u8>>>, JoinHandle<()>) {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let tail = buffer.clone();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stream.read(&mut buf) {
            if n == 0 {
                return;
            }
            if let Ok(mut t) = tail.lock() {
                t.extend_from_slice(&buf[..n]);
                let excess = t.len().saturating_sub(cap);
                t.drain(..excess);
            }
        }
    });
    (buffer, reader)
}
