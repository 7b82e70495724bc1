//! The two ends of the worker pipe.
//!
//! The worker (`cedc-fuzz worker`) reads cases from stdin ([`Case::encode`]), checks
//! each in process ([`crate::check::check`]) and answers one line per case on stdout:
//! `ok MICROS` or `fail MICROS KIND\tDETAIL` (DETAIL on one line). Its address space is
//! capped (RLIMIT_AS) so a memory blow-up ends in an allocation failure, not in swap.
//!
//! The [`Worker`] handle is the supervisor's end: it sends one case, waits for the
//! answer with a timeout, and turns a dead worker (signal, abort, out of memory, stack
//! overflow, or exit) or a silent one into a [`Failure`] of that case, restarting the
//! worker for the next one.

use crate::case::Case;
use crate::check::{self, Failure, Flags};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Cap the address space of this process at `mb` MiB (0: no cap).
pub fn limit_memory(mb: u64) {
    if mb == 0 {
        return;
    }
    let bytes = mb.saturating_mul(1 << 20);
    let limit = libc::rlimit { rlim_cur: bytes as libc::rlim_t, rlim_max: bytes as libc::rlim_t };
    // SAFETY: setrlimit reads the struct we pass; no memory is shared.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) };
    if rc != 0 {
        eprintln!("cedc-fuzz: cannot limit memory: {}", std::io::Error::last_os_error());
    }
}

/// The worker's loop: check cases from stdin until it closes.
pub fn serve(memory_mb: u64) -> std::io::Result<()> {
    limit_memory(memory_mb);
    check::install_panic_hook();
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut out = std::io::stdout().lock();
    while let Some((flags, case)) = Case::decode(&mut input)? {
        let start = Instant::now();
        let verdict = check::check(&case, Flags::from_byte(flags));
        let micros = start.elapsed().as_micros();
        drop(case);
        match verdict {
            Ok(clean) => writeln!(out, "ok {micros} {}", u8::from(clean))?,
            Err(f) => writeln!(out, "fail {micros} {}\t{}", f.kind, one_line(&f.detail))?,
        }
        out.flush()?;
    }
    Ok(())
}

fn one_line(s: &str) -> String {
    let s: String = s.chars().take(2000).collect();
    s.replace('\\', "\\\\").replace('\n', "\\n").replace('\t', " ")
}

fn from_one_line(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('n') => out.push('\n'),
                Some(o) => out.push(o),
                None => {}
            },
            (c, false) => out.push(c),
        }
    }
    out
}

/// How to start workers.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// The `cedc-fuzz` executable.
    pub exe: PathBuf,
    pub memory_mb: u64,
    pub timeout: Duration,
}

/// The outcome of one case.
#[derive(Debug)]
pub enum Verdict {
    /// `clean`: the case also compiled without errors.
    Pass {
        micros: u64,
        clean: bool,
    },
    Fail(Failure),
}

/// A running worker process.
pub struct Worker {
    config: WorkerConfig,
    child: Option<Running>,
    /// Workers started so far (restarts included).
    pub starts: u64,
}

struct Running {
    child: Child,
    stdin: BufWriter<ChildStdin>,
    lines: Receiver<String>,
    stderr: Arc<Mutex<Vec<u8>>>,
    stderr_reader: std::thread::JoinHandle<()>,
}

impl Worker {
    pub fn new(config: WorkerConfig) -> Worker {
        Worker { config, child: None, starts: 0 }
    }

    fn start(&mut self) -> std::io::Result<&mut Running> {
        if self.child.is_none() {
            let mut child = Command::new(&self.config.exe)
                .arg("worker")
                .arg("--memory-mb")
                .arg(self.config.memory_mb.to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()?;
            self.starts += 1;
            let stdin = BufWriter::new(child.stdin.take().ok_or_else(|| std::io::Error::other("no stdin"))?);
            let stdout = child.stdout.take().ok_or_else(|| std::io::Error::other("no stdout"))?;
            let err = child.stderr.take().ok_or_else(|| std::io::Error::other("no stderr"))?;
            let (tx, lines) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { return };
                    if tx.send(line).is_err() {
                        return;
                    }
                }
            });
            let (stderr, stderr_reader) = crate::tail::keep_tail(err, 8192);
            self.child = Some(Running { child, stdin, lines, stderr, stderr_reader });
        }
        self.child.as_mut().ok_or_else(|| std::io::Error::other("worker not started"))
    }

    /// Check one case in the worker; a worker that dies or hangs is restarted for the
    /// next case and the case gets the failure.
    pub fn run(&mut self, case: &Case, flags: Flags) -> Verdict {
        let timeout = self.config.timeout;
        let running = match self.start() {
            Ok(r) => r,
            Err(e) => return Verdict::Fail(Failure::new("worker-start", e.to_string())),
        };
        let sent = case.encode(flags.to_byte(), &mut running.stdin).and_then(|()| running.stdin.flush());
        let answer = match sent {
            Ok(()) => running.lines.recv_timeout(timeout),
            Err(_) => Err(RecvTimeoutError::Disconnected),
        };
        match answer {
            Ok(line) => parse_answer(&line),
            Err(RecvTimeoutError::Timeout) => {
                self.stop();
                Verdict::Fail(Failure::new("timeout", format!("no answer in {} s", timeout.as_secs_f64())))
            }
            Err(RecvTimeoutError::Disconnected) => Verdict::Fail(self.death()),
        }
    }

    /// Kill the worker (ours, by its handle) and forget it.
    pub fn stop(&mut self) {
        if let Some(mut r) = self.child.take() {
            let _ = r.child.kill();
            let _ = r.child.wait();
        }
    }

    /// Why the worker died, from its exit status and the end of its stderr.
    fn death(&mut self) -> Failure {
        let Some(mut r) = self.child.take() else { return Failure::new("crash", "the worker is gone") };
        drop(r.stdin);
        let status = r.child.wait();
        let _ = r.stderr_reader.join();
        let tail = r.stderr.lock().map(|t| String::from_utf8_lossy(&t).into_owned()).unwrap_or_default();
        let tail = tail.trim();
        let last: Vec<&str> = tail.lines().rev().take(6).collect::<Vec<_>>().into_iter().rev().collect();
        let status = match status {
            Ok(s) => {
                use std::os::unix::process::ExitStatusExt;
                match (s.code(), s.signal()) {
                    (_, Some(sig)) => format!("killed by signal {sig}"),
                    (Some(c), _) => format!("exited with {c}"),
                    _ => "ended".into(),
                }
            }
            Err(e) => format!("cannot wait: {e}"),
        };
        let kind = if tail.contains("memory allocation of") || tail.contains("capacity overflow") {
            "out-of-memory"
        } else if tail.contains("overflowed its stack") {
            "stack-overflow"
        } else {
            "crash"
        };
        let first = last.iter().find(|l| !l.trim().is_empty()).copied().unwrap_or("");
        Failure::new(kind, format!("{first}\nthe worker {status}; its stderr ends with:\n{}", last.join("\n")))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop();
    }
}

fn parse_answer(line: &str) -> Verdict {
    let mut parts = line.splitn(3, ' ');
    let tag = parts.next().unwrap_or("");
    let micros = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    match tag {
        "ok" => Verdict::Pass { micros, clean: parts.next() == Some("1") },
        "fail" => {
            let rest = parts.next().unwrap_or("");
            let (kind, detail) = rest.split_once('\t').unwrap_or((rest, ""));
            Verdict::Fail(Failure::new(kind, from_one_line(detail)))
        }
        _ => Verdict::Fail(Failure::new("protocol", format!("the worker said {line:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_survive_the_line_encoding() {
        let d = "a\nb\\n\tc";
        assert_eq!(from_one_line(&one_line(d)), "a\nb\\n c");
    }
}
