//! The cedc language server (`cedc lsp`), over stdio. It runs the compiler's own
//! pipeline on the open documents, so the editor shows exactly the diagnostics
//! `cedc check` gives, and answers hover, definition, references, rename, completion,
//! document symbols, formatting and semantic tokens from the same analysis.
//!
//! One thread handles messages in order. Changes only mark their project dirty; the
//! project is re-checked once the queue is empty (so a burst of keystrokes costs one
//! check) or when a request needs an up-to-date answer.
//!
//! A re-check has two steps. On the message thread, the front of the pipeline (the
//! edited files parsed again — the others' parses are kept —, names, types): when it
//! finds an error, that is every diagnostic a whole check would give, published at
//! once. Otherwise evaluation and the platform checks run on a thread of their own,
//! at most one per project, and their diagnostics are published when done, unless a
//! newer edit made them stale (the newest text is then checked). Requests are answered
//! meanwhile, from the newest analysis.

mod analysis;
mod completion;
mod features;
mod fixes;
mod stdlib;
mod text;
mod transport;

use analysis::{Analysis, Depth, Documents, ProjectKey};
use cedc_diagnostics::FileId;
use cedc_driver::Kept;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CompletionOptions, InitializeResult, OneOf, PrepareRenameResponse, PublishDiagnosticsParams, RenameOptions,
    SemanticTokens, SemanticTokensFullOptions, SemanticTokensOptions, SemanticTokensResult,
    SemanticTokensServerCapabilities, ServerCapabilities, ServerInfo, TextDocumentPositionParams,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextEdit, Uri, WorkDoneProgressOptions,
};
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use text::{LineIndex, path_to_uri, uri_to_path};

/// Serve LSP over stdin/stdout until the client says `exit`.
pub fn run_stdio() -> Result<(), String> {
    // Analyses recurse over the AST (bounded by the parser's depth limit); give the
    // server thread room, as the compiler's own threads have.
    let worker = std::thread::Builder::new()
        .name("cedc-lsp".into())
        .stack_size(256 << 20)
        .spawn(|| {
            let (connection, writer, read_failure) = transport::stdio();
            let outcome = serve(&connection);
            drop(connection);
            // The reader may still wait on stdin (the client went away without `exit`);
            // only the writer is waited for, to send the last answers.
            writer
                .join()
                .map_err(|_| "the stdout writer stopped unexpectedly".to_string())?
                .map_err(|e| format!("I/O: {e}"))?;
            // The session ended because stdin could not be read: say why, and fail.
            match read_failure.get() {
                Some(reason) => Err(reason.clone()),
                None => outcome,
            }
        })
        .map_err(|e| format!("cannot start the server thread: {e}"))?;
    match worker.join().map_err(|_| "the language server stopped unexpectedly".to_string())? {
        Err(e) if e == EXIT_WITHOUT_SHUTDOWN => {
            // The protocol's exit code for `exit` without `shutdown` first is 1.
            eprintln!("cedc lsp: {e}");
            std::process::exit(1)
        }
        other => other,
    }
}

/// What [`serve`] returns when the client sent `exit` without `shutdown` first.
pub const EXIT_WITHOUT_SHUTDOWN: &str = "the client asked to exit without asking to shut down first";

/// Serve one connection (stdio, or an in-memory one in tests and benchmarks), until
/// the client sends `exit` or goes away. `exit` without `shutdown` before it is an
/// error, [`EXIT_WITHOUT_SHUTDOWN`].
pub fn serve(connection: &Connection) -> Result<(), String> {
    serve_with(connection, Analysis::run)
}

/// How a project is analysed: [`Analysis::run`] (another function in tests).
type Analyzer = fn(ProjectKey, &Documents, Depth, &Kept) -> Analysis;

/// A full analysis done on its own thread: the project, the generation it was started
/// for, and the analysis (`Err` when the compiler panicked).
type Finished = (ProjectKey, u64, std::thread::Result<Analysis>);

fn serve_with(connection: &Connection, analyzer: Analyzer) -> Result<(), String> {
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let result = InitializeResult { capabilities: capabilities(), server_info: Some(server_info()) };
    let result = serde_json::to_value(result).map_err(|e| e.to_string())?;
    connection.initialize_finish(id, result).map_err(|e| e.to_string())?;
    if watches_files(&params) {
        let _ = connection.sender.send(Message::Request(watch_registration()));
    }
    let mut server = Server {
        conn: connection,
        docs: Documents::new(),
        analyses: BTreeMap::new(),
        dirty: BTreeSet::new(),
        published: BTreeMap::new(),
        shut_down: false,
        analyzer,
        kept: Kept::default(),
        generation: BTreeMap::new(),
        wanted: BTreeMap::new(),
        running: BTreeSet::new(),
        front_errors: BTreeSet::new(),
        cleared: BTreeMap::new(),
        finished: crossbeam_channel::unbounded(),
    };
    server.run()
}

/// Whether the client lets the server ask it to watch files (`workspace/
/// didChangeWatchedFiles` with dynamic registration).
fn watches_files(params: &serde_json::Value) -> bool {
    params
        .pointer("/capabilities/workspace/didChangeWatchedFiles/dynamicRegistration")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false)
}

/// The id of the request asking the client to watch the project's files.
pub const WATCH_REGISTRATION: &str = "cedc-watch-files";

/// Ask the client to report changes on disk to `.ced` files, `cedc.toml`, `cedc.lock`
/// (`cedc fetch` in a terminal) and the YAML files CRDs are read from (a `git
/// checkout`, a file written by another tool): every project is then checked again.
fn watch_registration() -> Request {
    let watchers: Vec<lsp_types::FileSystemWatcher> = ["**/*.ced", "**/cedc.toml", "**/cedc.lock", "**/*.{yaml,yml}"]
        .into_iter()
        .map(|glob| lsp_types::FileSystemWatcher {
            glob_pattern: lsp_types::GlobPattern::String(glob.into()),
            kind: None,
        })
        .collect();
    let options = lsp_types::DidChangeWatchedFilesRegistrationOptions { watchers };
    let registration = lsp_types::Registration {
        id: WATCH_REGISTRATION.into(),
        method: notif::DidChangeWatchedFiles::METHOD.into(),
        register_options: serde_json::to_value(options).ok(),
    };
    let params = lsp_types::RegistrationParams { registrations: vec![registration] };
    Request::new(
        lsp_server::RequestId::from(WATCH_REGISTRATION.to_string()),
        req::RegisterCapability::METHOD.into(),
        params,
    )
}

fn server_info() -> ServerInfo {
    ServerInfo { name: "cedc".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), ":".into(), "\"".into()]),
            ..Default::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(lsp_types::CodeActionProviderCapability::Options(lsp_types::CodeActionOptions {
            code_action_kinds: Some(vec![lsp_types::CodeActionKind::QUICKFIX]),
            ..Default::default()
        })),
        signature_help_provider: Some(lsp_types::SignatureHelpOptions {
            trigger_characters: Some(vec!["(".into(), ",".into()]),
            retrigger_characters: Some(vec![":".into()]),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: features::token_legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            },
        )),
        ..Default::default()
    }
}

struct Server<'c> {
    conn: &'c Connection,
    docs: Documents,
    analyses: BTreeMap<ProjectKey, Analysis>,
    dirty: BTreeSet<ProjectKey>,
    /// The diagnostics each analysis found, by file (what was published is, for each
    /// file, their union).
    published: BTreeMap<ProjectKey, BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>>>,
    /// The client sent `shutdown`: only `exit` is expected now.
    shut_down: bool,
    analyzer: Analyzer,
    /// The parses of every file analysed and the fetched dependencies verified, kept
    /// between analyses.
    kept: Kept,
    /// Bumped at each re-check of a project: a full analysis started for an older one
    /// is stale when it ends.
    generation: BTreeMap<ProjectKey, u64>,
    /// Projects whose front analysis was clean: the generation a full one is wanted for.
    wanted: BTreeMap<ProjectKey, u64>,
    /// Projects with a full analysis running (never more than one each).
    running: BTreeSet<ProjectKey>,
    /// Projects whose published diagnostics are a front analysis's errors: when they
    /// are fixed, that is published at once rather than after the full analysis.
    front_errors: BTreeSet<ProjectKey>,
    /// Projects whose front analysis was published because it cleared errors: the
    /// generation it was (its full analysis is published only if it finds more).
    cleared: BTreeMap<ProjectKey, u64>,
    /// Full analyses send themselves here when done.
    finished: (crossbeam_channel::Sender<Finished>, crossbeam_channel::Receiver<Finished>),
}

/// A request's failure, sent back as an LSP error.
struct Failure(ErrorCode, String);

impl Server<'_> {
    fn run(&mut self) -> Result<(), String> {
        loop {
            let done = self.finished.1.clone();
            let msg = crossbeam_channel::select! {
                recv(self.conn.receiver) -> msg => msg,
                recv(done) -> finished => {
                    if let Ok(finished) = finished {
                        self.full_done(finished);
                    }
                    continue;
                }
            };
            let Ok(msg) = msg else { return Ok(()) };
            if self.handle(msg)? {
                return Ok(());
            }
            // Drain what is already queued, then re-check once.
            while let Ok(msg) = self.conn.receiver.try_recv() {
                if self.handle(msg)? {
                    return Ok(());
                }
            }
            if !self.shut_down {
                self.refresh();
            }
        }
    }

    /// Handle one message; `true` when the client asked to exit.
    fn handle(&mut self, msg: Message) -> Result<bool, String> {
        match msg {
            Message::Request(r) => {
                // `shutdown` is answered here, not with `Connection::handle_shutdown`: that
                // one waits for `exit` and ends the session on any other message, and the
                // protocol wants requests after `shutdown` answered with an error.
                if self.shut_down {
                    let msg = format!("the server is shutting down; {} is refused", r.method);
                    self.send(Message::Response(Response::new_err(r.id, ErrorCode::InvalidRequest as i32, msg)));
                    return Ok(false);
                }
                if r.method == req::Shutdown::METHOD {
                    self.shut_down = true;
                    self.send(Message::Response(Response::new_ok(r.id, ())));
                    return Ok(false);
                }
                let id = r.id.clone();
                let method = r.method.clone();
                // A bug must cost one answer, not the session.
                let response = match catch_unwind(AssertUnwindSafe(|| self.request(r))) {
                    Ok(Ok(value)) => Response::new_ok(id, value),
                    Ok(Err(Failure(code, msg))) => Response::new_err(id, code as i32, msg),
                    Err(_) => Response::new_err(
                        id,
                        ErrorCode::InternalError as i32,
                        format!("cedc failed to answer {method}; this is a bug, please report it"),
                    ),
                };
                self.send(Message::Response(response));
            }
            Message::Notification(n) => {
                if n.method == notif::Exit::METHOD {
                    return if self.shut_down { Ok(true) } else { Err(EXIT_WITHOUT_SHUTDOWN.into()) };
                }
                if self.shut_down {
                    return Ok(false);
                }
                let _ = catch_unwind(AssertUnwindSafe(|| self.notification(n)));
            }
            Message::Response(_) => {}
        }
        Ok(false)
    }

    fn send(&self, msg: Message) {
        // The client went away: the receive loop ends on its own.
        let _ = self.conn.sender.send(msg);
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidOpenTextDocumentParams>(notif::DidOpenTextDocument::METHOD)
                    && let Some(path) = uri_to_path(&p.text_document.uri)
                {
                    self.docs.insert(path.clone(), p.text_document.text);
                    self.mark(&path);
                }
            }
            notif::DidChangeTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidChangeTextDocumentParams>(notif::DidChangeTextDocument::METHOD)
                    && let Some(path) = uri_to_path(&p.text_document.uri)
                {
                    for change in p.content_changes {
                        let doc = self.docs.entry(path.clone()).or_default();
                        match change.range {
                            // Full sync is what we ask for, but accept ranges too.
                            Some(range) => {
                                let idx = LineIndex::new(doc);
                                let (s, e) = (idx.offset(range.start), idx.offset(range.end));
                                let (s, e) = (s.min(e), s.max(e));
                                doc.replace_range(s..e, &change.text);
                            }
                            None => *doc = change.text,
                        }
                    }
                    self.mark(&path);
                }
            }
            notif::DidCloseTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidCloseTextDocumentParams>(notif::DidCloseTextDocument::METHOD)
                    && let Some(path) = uri_to_path(&p.text_document.uri)
                {
                    // Its project is re-checked, or dropped with its diagnostics when
                    // nothing of it is open any more.
                    self.docs.remove(&path);
                    self.mark(&path);
                }
            }
            notif::DidSaveTextDocument::METHOD | notif::DidChangeWatchedFiles::METHOD => {
                // Files on disk changed: every project may see them.
                self.dirty.extend(self.analyses.keys().cloned());
            }
            _ => {}
        }
    }

    /// A document changed: its project, and every other analysis that reads it (a file
    /// without `cedc.toml` importing it), must be checked again.
    fn mark(&mut self, path: &Path) {
        self.dirty.insert(ProjectKey::of(path));
        for (key, a) in &self.analyses {
            if a.reads(path) {
                self.dirty.insert(key.clone());
            }
        }
    }

    /// Re-check every dirty project and publish its diagnostics. A bug in the compiler
    /// costs that project's diagnostics (an error is published on its open files
    /// instead), not the session.
    fn refresh(&mut self) {
        while let Some(key) = self.dirty.pop_first() {
            if catch_unwind(AssertUnwindSafe(|| self.analyze(key.clone()))).is_err() {
                self.analysis_failed(&key);
            }
        }
    }

    /// The analysis of `key` panicked: forget it (the next change tries again) and tell
    /// the user on each open file of the project.
    fn analysis_failed(&mut self, key: &ProjectKey) {
        self.analyses.remove(key);
        let message = "cedc failed to check this project; this is a bug, please report it".to_string();
        let diagnostic = lsp_types::Diagnostic {
            severity: Some(lsp_types::DiagnosticSeverity::ERROR),
            source: Some("cedc".into()),
            message,
            ..Default::default()
        };
        let diags =
            self.docs.keys().filter(|p| key.contains(p)).map(|p| (p.clone(), vec![diagnostic.clone()])).collect();
        self.publish_all(key, diags);
    }

    fn analyze(&mut self, key: ProjectKey) {
        let has_open = self.docs.keys().any(|p| key.contains(p));
        if !has_open {
            self.wanted.remove(&key);
            self.front_errors.remove(&key);
            self.cleared.remove(&key);
            self.analyses.remove(&key);
            self.publish_all(&key, BTreeMap::new());
            return;
        }
        let generation = self.generation.entry(key.clone()).or_default();
        *generation += 1;
        let generation = *generation;
        let front = (self.analyzer)(key.clone(), &self.docs, Depth::Front, &self.kept);
        if front.has_errors() {
            // All a full analysis would find: published now, nothing more to run.
            self.wanted.remove(&key);
            self.front_errors.insert(key.clone());
            self.install(key, front);
            return;
        }
        if self.front_errors.remove(&key) {
            // The errors shown are fixed: say so now, the rest follows (unless it adds
            // nothing, see `full_done`).
            self.cleared.insert(key.clone(), generation);
            self.install(key.clone(), front);
        } else {
            self.keep(key.clone(), front);
        }
        self.wanted.insert(key.clone(), generation);
        self.start_full(key);
    }

    /// Make `analysis` the one requests read and publish its diagnostics.
    fn install(&mut self, key: ProjectKey, analysis: Analysis) {
        let mut diags = analysis.diagnostics();
        // Every open document gets an answer, empty or not.
        for p in self.docs.keys().filter(|p| key.contains(p)) {
            diags.entry(p.clone()).or_default();
        }
        self.keep(key.clone(), analysis);
        self.publish_all(&key, diags);
    }

    /// Make `analysis` the one requests read (its diagnostics are not published).
    fn keep(&mut self, key: ProjectKey, analysis: Analysis) {
        if let Some(old) = self.analyses.insert(key, analysis) {
            // Freeing a large analysis takes a while; the editor need not wait for it.
            std::thread::spawn(move || drop(old));
        }
    }

    /// Start the full analysis of a project on its own thread, unless one is running
    /// (it starts again for the newest text when that one ends).
    fn start_full(&mut self, key: ProjectKey) {
        let Some(&generation) = self.wanted.get(&key) else { return };
        if !self.running.insert(key.clone()) {
            return;
        }
        let docs = self.docs.clone();
        let kept = self.kept.clone();
        let analyzer = self.analyzer;
        let sender = self.finished.0.clone();
        let thread_key = key.clone();
        let spawned =
            std::thread::Builder::new().name("cedc-lsp-check".into()).stack_size(256 << 20).spawn(move || {
                let result = catch_unwind(AssertUnwindSafe(|| analyzer(thread_key.clone(), &docs, Depth::Full, &kept)));
                let _ = sender.send((thread_key, generation, result));
            });
        if spawned.is_err() {
            // No thread to be had: check here, the editor waits.
            let result = catch_unwind(AssertUnwindSafe(|| analyzer(key.clone(), &self.docs, Depth::Full, &self.kept)));
            self.full_done((key, generation, result));
        }
    }

    /// A full analysis ended: publish it if it is of the newest text, else check the
    /// newest text.
    fn full_done(&mut self, (key, generation, result): Finished) {
        self.running.remove(&key);
        if self.shut_down || self.wanted.get(&key) != Some(&generation) {
            if !self.shut_down {
                self.start_full(key);
            }
            return;
        }
        self.wanted.remove(&key);
        if !self.docs.keys().any(|p| key.contains(p)) {
            return;
        }
        let cleared = self.cleared.remove(&key) == Some(generation);
        match result {
            // What was published when the errors were cleared still holds: one
            // publication per edit.
            Ok(analysis)
                if cleared && self.analyses.get(&key).map(Analysis::diagnostics) == Some(analysis.diagnostics()) =>
            {
                self.keep(key, analysis)
            }
            Ok(analysis) => self.install(key, analysis),
            Err(_) => self.analysis_failed(&key),
        }
    }

    /// Record the diagnostics of one analysis and publish, for each file they touch (now
    /// or before), what every analysis found on it: files without `cedc.toml` are
    /// analysed one by one, and several of them may import the same file.
    fn publish_all(&mut self, key: &ProjectKey, diags: BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>>) {
        let before = self.published.remove(key).unwrap_or_default();
        let touched: BTreeSet<PathBuf> =
            before.into_keys().chain(diags.keys().cloned()).filter(|p| !stdlib::contains(p)).collect();
        if !diags.is_empty() {
            self.published.insert(key.clone(), diags);
        }
        for path in touched {
            let mut list: Vec<lsp_types::Diagnostic> = Vec::new();
            for d in self.published.values().filter_map(|m| m.get(&path)).flatten() {
                if !list.contains(d) {
                    list.push(d.clone());
                }
            }
            self.publish(&path, list);
        }
    }

    fn publish(&self, path: &Path, diagnostics: Vec<lsp_types::Diagnostic>) {
        let Some(uri) = path_to_uri(path) else { return };
        let params = PublishDiagnosticsParams { uri, diagnostics, version: None };
        self.send(Message::Notification(Notification::new(notif::PublishDiagnostics::METHOD.into(), params)));
    }

    /// Bring a document's project up to date; its key and the document's path.
    fn fresh(&mut self, uri: &Uri) -> Result<(ProjectKey, PathBuf), Failure> {
        let path = uri_to_path(uri)
            .ok_or_else(|| Failure(ErrorCode::InvalidParams, format!("not a file URI: {}", uri.as_str())))?;
        let key = ProjectKey::of(&path);
        if self.dirty.remove(&key) || !self.analyses.contains_key(&key) {
            self.analyze(key.clone());
        }
        Ok((key, path))
    }

    fn get(&self, key: &ProjectKey) -> Result<&Analysis, Failure> {
        self.analyses.get(key).ok_or_else(|| Failure(ErrorCode::RequestFailed, "the document is not open".into()))
    }

    /// The analysis, the file and the byte offset of a position.
    fn at(&mut self, p: &TextDocumentPositionParams) -> Result<Option<(&Analysis, FileId, usize)>, Failure> {
        let (key, path) = self.fresh(&p.text_document.uri)?;
        let a = self.get(&key)?;
        let Some(file) = a.file_id(&path) else { return Ok(None) };
        let offset = a.lines(file).offset(p.position);
        Ok(Some((a, file, offset)))
    }

    fn request(&mut self, r: Request) -> Result<serde_json::Value, Failure> {
        fn params<R: req::Request>(r: Request) -> Result<R::Params, Failure> {
            r.extract::<R::Params>(R::METHOD)
                .map(|(_, p)| p)
                .map_err(|e| Failure(ErrorCode::InvalidParams, format!("{e:?}")))
        }
        fn json<T: serde::Serialize>(v: T) -> Result<serde_json::Value, Failure> {
            serde_json::to_value(v).map_err(|e| Failure(ErrorCode::InternalError, e.to_string()))
        }
        match r.method.as_str() {
            req::HoverRequest::METHOD => {
                let p = params::<req::HoverRequest>(r)?;
                json(self.at(&p.text_document_position_params)?.and_then(|(a, f, o)| a.hover(f, o)))
            }
            req::GotoDefinition::METHOD => {
                let p = params::<req::GotoDefinition>(r)?;
                json(self.at(&p.text_document_position_params)?.and_then(|(a, f, o)| a.definition(f, o)))
            }
            req::References::METHOD => {
                let p = params::<req::References>(r)?;
                let include = p.context.include_declaration;
                json(self.at(&p.text_document_position)?.map(|(a, f, o)| a.references(f, o, include)))
            }
            req::PrepareRenameRequest::METHOD => {
                let p = params::<req::PrepareRenameRequest>(r)?;
                match self.at(&p)? {
                    None => json(None::<PrepareRenameResponse>),
                    Some((a, f, o)) => {
                        let (span, placeholder) =
                            a.prepare_rename(f, o).map_err(|m| Failure(ErrorCode::RequestFailed, m))?;
                        json(PrepareRenameResponse::RangeWithPlaceholder { range: a.range(span), placeholder })
                    }
                }
            }
            req::Rename::METHOD => {
                let p = params::<req::Rename>(r)?;
                match self.at(&p.text_document_position)? {
                    None => json(None::<lsp_types::WorkspaceEdit>),
                    Some((a, f, o)) => {
                        json(a.rename(f, o, &p.new_name).map_err(|m| Failure(ErrorCode::RequestFailed, m))?)
                    }
                }
            }
            req::Completion::METHOD => {
                let p = params::<req::Completion>(r)?;
                let (key, path) = self.fresh(&p.text_document_position.text_document.uri)?;
                let Some(text) = self.docs.get(&path) else { return json(None::<()>) };
                let offset = LineIndex::new(text).offset(p.text_document_position.position);
                json(completion::complete(self.get(&key)?, &self.docs, &path, offset))
            }
            req::SignatureHelpRequest::METHOD => {
                let p = params::<req::SignatureHelpRequest>(r)?;
                let tp = &p.text_document_position_params;
                let (key, path) = self.fresh(&tp.text_document.uri)?;
                let Some(text) = self.docs.get(&path) else { return json(None::<()>) };
                let offset = LineIndex::new(text).offset(tp.position);
                json(completion::signature_help(self.get(&key)?, &self.docs, &path, offset))
            }
            req::CodeActionRequest::METHOD => {
                let p = params::<req::CodeActionRequest>(r)?;
                let (key, path) = self.fresh(&p.text_document.uri)?;
                let a = self.get(&key)?;
                let Some(file) = a.file_id(&path) else { return json(Vec::<()>::new()) };
                let lines = a.lines(file);
                let (start, end) = (lines.offset(p.range.start), lines.offset(p.range.end));
                json(a.code_actions(file, start.min(end), start.max(end)))
            }
            req::WorkspaceSymbolRequest::METHOD => {
                let p = params::<req::WorkspaceSymbolRequest>(r)?;
                let symbols: Vec<lsp_types::SymbolInformation> =
                    self.analyses.values().flat_map(|a| a.workspace_symbols(&p.query)).collect();
                json(lsp_types::WorkspaceSymbolResponse::Flat(dedup_symbols(symbols)))
            }
            req::DocumentSymbolRequest::METHOD => {
                let p = params::<req::DocumentSymbolRequest>(r)?;
                let (key, path) = self.fresh(&p.text_document.uri)?;
                let a = self.get(&key)?;
                json(a.file_id(&path).map(|f| a.document_symbols(f)))
            }
            req::SemanticTokensFullRequest::METHOD => {
                let p = params::<req::SemanticTokensFullRequest>(r)?;
                let (key, path) = self.fresh(&p.text_document.uri)?;
                let a = self.get(&key)?;
                json(a.file_id(&path).map(|f| {
                    SemanticTokensResult::Tokens(SemanticTokens { result_id: None, data: a.semantic_tokens(f) })
                }))
            }
            req::Formatting::METHOD => {
                let p = params::<req::Formatting>(r)?;
                let Some(path) = uri_to_path(&p.text_document.uri) else { return json(None::<()>) };
                let Some(text) = self.docs.get(&path) else { return json(None::<()>) };
                // Text that does not parse is left alone; its diagnostics say why.
                let Ok(formatted) = cedc_format::format_source(text) else { return json(None::<()>) };
                if formatted == *text {
                    return json(Vec::<TextEdit>::new());
                }
                let end = LineIndex::new(text).position(text.len());
                let range = lsp_types::Range { start: lsp_types::Position::default(), end };
                json(vec![TextEdit { range, new_text: formatted }])
            }
            _ => Err(Failure(ErrorCode::MethodNotFound, format!("cedc does not implement {}", r.method))),
        }
    }
}

/// Symbols in the order of their files and positions, each once (a file several
/// analyses read is in each of them).
fn dedup_symbols(mut symbols: Vec<lsp_types::SymbolInformation>) -> Vec<lsp_types::SymbolInformation> {
    let key = |s: &lsp_types::SymbolInformation| {
        (
            s.location.uri.as_str().to_string(),
            s.location.range.start.line,
            s.location.range.start.character,
            s.name.clone(),
        )
    };
    symbols.sort_by_key(key);
    symbols.dedup_by_key(|s| key(s));
    symbols
}

#[doc(hidden)]
pub use lsp_server;

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_server::RequestId;
    use serde_json::json;

    fn panicking_analysis(_: ProjectKey, _: &Documents, _: Depth, _: &Kept) -> Analysis {
        panic!("a compiler bug");
    }

    /// A panic while re-checking a changed file costs that check, not the session.
    #[test]
    fn a_panic_in_a_recheck_is_contained() {
        let (server, client) = Connection::memory();
        let thread = std::thread::spawn(move || serve_with(&server, panicking_analysis));
        let send = |m: Message| client.sender.send(m).unwrap();
        let request = |id: i32, method: &str, params: serde_json::Value| {
            Message::Request(Request::new(RequestId::from(id), method.into(), params))
        };
        send(request(1, "initialize", json!({"processId": null, "capabilities": {}})));
        send(Message::Notification(Notification::new("initialized".into(), json!({}))));
        let dir = std::env::temp_dir().join("cedc-lsp-panic-test");
        let uri = path_to_uri(&dir.join("main.ced")).unwrap();
        let doc = json!({"uri": uri.as_str(), "languageId": "ced", "version": 1, "text": "env prod {}\n"});
        send(Message::Notification(Notification::new("textDocument/didOpen".into(), json!({"textDocument": doc}))));
        // The re-check after didOpen panics: an error is published on the document...
        let published = loop {
            match client.receiver.recv_timeout(std::time::Duration::from_secs(30)).expect("a message") {
                Message::Notification(n) if n.method == notif::PublishDiagnostics::METHOD => break n.params,
                _ => continue,
            }
        };
        assert!(published["diagnostics"][0]["message"].as_str().unwrap().contains("failed to check"), "{published}");
        // ...and the server still answers, then shuts down normally.
        send(request(2, "shutdown", serde_json::Value::Null));
        loop {
            match client.receiver.recv_timeout(std::time::Duration::from_secs(30)).expect("an answer") {
                Message::Response(r) if r.id == RequestId::from(2) => break,
                _ => continue,
            }
        }
        send(Message::Notification(Notification::new("exit".into(), json!(null))));
        assert_eq!(thread.join().expect("the server thread survives"), Ok(()));
    }
}
