//! The Neovim setup of docs/editors.md, run exactly as documented in a real headless
//! Neovim (`CEDC_NVIM`, installed by scripts/install-tools; a loud skip without it, a
//! failure when CEDC_REQUIRE_TOOLS=1).
//!
//! The test takes the section's two blocks from docs/editors.md: it runs the `sh` block
//! (which builds the tree-sitter parser into `~/.local/share/nvim/site/parser/`) with a
//! temporary HOME, and writes the `lua` block as that HOME's `~/.config/nvim/init.lua`.
//! The only change to either is the checkout's path put in for `/path/to/cedc`; `cedc`
//! is found on the PATH, where it is this build's binary. A Lua script then opens `.ced`
//! files in Neovim and checks: the file type and buffer settings (`commentstring`,
//! spaces), tree-sitter highlighting (captures at known positions, a highlight group for
//! every capture name), commenting with `gcc`, the indentation of typed lines and of
//! `gg=G` (cedc fmt's), and the language server (attach, hover, go to definition,
//! rename, a diagnostic with its code, format on save giving cedc fmt's text).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The checkout's path in the documented snippets.
const PLACEHOLDER: &str = "/path/to/cedc";

/// How long Neovim may run before the test kills it.
const NVIM_TIMEOUT: Duration = Duration::from_secs(120);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository's root")
}

/// The bodies of the fenced blocks of the `## Neovim` section of docs/editors.md, with
/// their info strings.
fn neovim_blocks() -> Vec<(String, String)> {
    let doc = std::fs::read_to_string(repo().join("docs/editors.md")).expect("docs/editors.md is readable");
    let section = doc.split("\n## Neovim\n").nth(1).expect("docs/editors.md has a `## Neovim` section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut blocks = Vec::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        if let Some(info) = line.strip_prefix("```") {
            let body: Vec<&str> = lines.by_ref().take_while(|l| !l.starts_with("```")).collect();
            blocks.push((info.trim().to_string(), body.join("\n") + "\n"));
        }
    }
    blocks
}

/// The one block of the Neovim section whose info string is `lang`.
fn block(lang: &str) -> String {
    let blocks = neovim_blocks();
    let found: Vec<&String> = blocks.iter().filter(|(info, _)| info == lang).map(|(_, body)| body).collect();
    assert_eq!(
        found.len(),
        1,
        "expected one ```{lang} block in the Neovim section of docs/editors.md, found {blocks:?}"
    );
    assert!(found[0].contains(PLACEHOLDER), "the ```{lang} block does not name the checkout as {PLACEHOLDER}");
    found[0].clone()
}

/// `cedc fmt -` on `text`.
fn cedc_fmt(text: &str) -> String {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_cedc"))
        .args(["fmt", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cedc fmt");
    child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write to cedc fmt");
    let out = child.wait_with_output().expect("cedc fmt ends");
    assert!(out.status.success(), "cedc fmt failed on:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// The project the language server checks. The Lua script refers to its lines.
const MAIN: &str = r#"// Sizing of the web tier.
env prod { domain: "example.org" }

/// How many pods run.
let replicas = 3

let size = { replicas: replicas, ready: true }

let doubled = replicas * 2
"#;

/// `MAIN` after renaming the declaration `replicas` to `pods` (the field keeps its name).
const RENAMED: &str = r#"// Sizing of the web tier.
env prod { domain: "example.org" }

/// How many pods run.
let pods = 3

let size = { replicas: pods, ready: true }

let doubled = pods * 2
"#;

/// Saved in Neovim: format on save must write `cedc fmt`'s text.
const UNFORMATTED: &str = "env prod {domain:\"example.org\"}\nlet   pods=3\nlet size={replicas:pods,\nready:true}\n";

/// A file as `cedc fmt` writes it; `gg=G` on it, every line's indentation spoilt except
/// in its `"""` string, must give it back.
const REINDENT: &str = r#"import "std/k8s"

// The web tier.
env prod { domain: "example.org" }

let hosts = [
  "web.example.org",
  "api.example.org", // the API
  "static.example.org",
  "downloads.example.org",
]

/// The proxy's configuration, whose text keeps its own indentation.
let conf = """
  server \{
    listen 8080;
  }
  """

let rules = [for h in hosts: {
  host: h
  paths: ["/", "/api"]
}]

component web {
  namespace: "web"
  objects: [
    k8s.deployment(
      "web",
      image: "docker.io/library/nginx:1.27",
      port: 8080,
      args: [for h in hosts: "--server-name={h}"],
    ),
  ]
}

let replicas = match env {
  prod => 3
}
"#;

/// `text` with each line's indentation replaced by a tab and a space, except in `"""`
/// strings (whose text `=` keeps) and on blank lines.
fn spoil_indentation(text: &str) -> String {
    let mut in_string = false;
    let mut out = String::new();
    for line in text.lines() {
        let starts_in_string = in_string;
        if line.matches(r#"""""#).count() % 2 == 1 {
            in_string = !in_string;
        }
        if starts_in_string || line.trim().is_empty() {
            out.push_str(line);
        } else {
            out.push_str("\t ");
            out.push_str(line.trim_start());
        }
        out.push('\n');
    }
    out
}

/// The checks the Lua script reports, each of which must have run and passed.
const CHECKS: &[&str] = &[
    "filetype",
    "commentstring",
    "expandtab, shiftwidth, softtabstop",
    "parser found on 'runtimepath'",
    "highlight query from editors/neovim/queries/ced",
    "highlighter active",
    "capture of `// Sizing` (line 1)",
    "capture of `env` (line 2)",
    "capture of `\"example.org\"` (line 2)",
    "capture of `/// How many` (line 4)",
    "capture of `let` (line 5)",
    "capture of `3` (line 5)",
    "capture of `true` (line 7)",
    "capture of `ready` (line 7)",
    "every capture has a highlight group",
    "gcc comments the line",
    "server attached",
    "server's root is the project",
    "hover shows the declaration and its doc",
    "go to definition",
    "rename edits the declaration and the uses",
    "diagnostic E0039 on line 9",
    "format on save writes cedc fmt's text",
    "typed lines are indented with spaces",
    "gg=G gives cedc fmt's indentation",
];

/// Run inside Neovim with `-c "luafile …"`, after the documented init.lua. Reads its
/// files from $CEDC_NEOVIM_TEST, writes report.json there (one record per check), and
/// quits. Every wait is bounded.
const CHECK_LUA: &str = r##"
local dir = assert(os.getenv("CEDC_NEOVIM_TEST"), "CEDC_NEOVIM_TEST is unset")
local results = {}

local function check(name, ok, expected, seen)
  table.insert(results, {
    name = name,
    ok = ok and true or false,
    expected = type(expected) == "string" and expected or vim.inspect(expected),
    seen = type(seen) == "string" and seen or vim.inspect(seen),
  })
end

local function read(path)
  local f = assert(io.open(path, "r"))
  local text = f:read("*a")
  f:close()
  return text
end

local function text_of(buf)
  return table.concat(vim.api.nvim_buf_get_lines(buf or 0, 0, -1, false), "\n") .. "\n"
end

-- Runs one step; a Lua error fails the step instead of ending the script.
local function step(name, f)
  local ok, err = xpcall(f, debug.traceback)
  if not ok then
    check(name, false, "no Lua error", err)
  end
end

local function cedc_client(buf)
  return vim.lsp.get_clients({ bufnr = buf, name = "cedc" })[1]
end

local main = dir .. "/project/main.ced"
local buf

step("file type and buffer settings", function()
  vim.cmd.edit(main)
  buf = vim.api.nvim_get_current_buf()
  check("filetype", vim.bo.filetype == "ced", "ced", vim.bo.filetype)
  check("commentstring", vim.bo.commentstring == "// %s", "// %s", vim.bo.commentstring)
  local layout = { expandtab = vim.bo.expandtab, shiftwidth = vim.bo.shiftwidth, softtabstop = vim.bo.softtabstop }
  check("expandtab, shiftwidth, softtabstop",
    layout.expandtab and layout.shiftwidth == 2 and layout.softtabstop == 2,
    { expandtab = true, shiftwidth = 2, softtabstop = 2 }, layout)
end)

step("tree-sitter highlighting", function()
  local parsers = vim.api.nvim_get_runtime_file("parser/ced.so", true)
  check("parser found on 'runtimepath'", #parsers == 1, "one parser/ced.so", parsers)
  local queries = vim.treesitter.query.get_files("ced", "highlights")
  check("highlight query from editors/neovim/queries/ced",
    #queries == 1 and queries[1]:find("/editors/neovim/queries/ced/highlights.scm", 1, true) ~= nil,
    "…/editors/neovim/queries/ced/highlights.scm", queries)
  check("highlighter active", vim.treesitter.highlighter.active[buf] ~= nil, "active", "not active")
  vim.treesitter.get_parser(buf, "ced"):parse()
  local expect = {
    { 1, "// Sizing", "comment" },
    { 2, "env", "keyword" },
    { 2, '"example.org"', "string" },
    { 4, "/// How many", "comment.line.documentation" },
    { 5, "let", "keyword" },
    { 5, "3", "constant.numeric.integer" },
    { 7, "true", "constant.builtin.boolean" },
    { 7, "ready", "variable.other.member" },
  }
  for _, e in ipairs(expect) do
    local line = vim.api.nvim_buf_get_lines(buf, e[1] - 1, e[1], false)[1]
    local col = assert(line:find(e[2], 1, true), e[2] .. " is not on line " .. e[1]) - 1
    local names = vim.tbl_map(function(c) return c.capture end, vim.treesitter.get_captures_at_pos(buf, e[1] - 1, col))
    check(("capture of `%s` (line %d)"):format(e[2], e[1]), vim.tbl_contains(names, e[3]), "@" .. e[3], names)
  end
  -- Every capture name of the query has a highlight group: its own, a parent's
  -- (@keyword for @keyword.conditional), or a link of plugin/ced.lua.
  local unknown = {}
  for _, name in ipairs(vim.treesitter.query.get("ced", "highlights").captures) do
    local group = "@" .. name .. ".ced"
    if next(vim.api.nvim_get_hl(0, { name = group, link = false })) == nil then
      table.insert(unknown, group)
    end
  end
  check("every capture has a highlight group", #unknown == 0, "no capture without a group", unknown)
end)

step("commenting", function()
  vim.api.nvim_win_set_cursor(0, { 5, 0 })
  vim.cmd("normal gcc")
  local line = vim.api.nvim_get_current_line()
  check("gcc comments the line", line == "// let replicas = 3", "// let replicas = 3", line)
  vim.cmd("normal! u")
end)

step("language server", function()
  local attached = vim.wait(20000, function() return cedc_client(buf) ~= nil end, 50)
  check("server attached", attached, "a client named cedc",
    vim.tbl_map(function(c) return c.name end, vim.lsp.get_clients()))
  local client = cedc_client(buf)
  if not client then
    return
  end
  check("server's root is the project", client.root_dir == dir .. "/project", dir .. "/project", client.root_dir)

  -- Hover on the use of `replicas` on line 9.
  vim.api.nvim_win_set_cursor(0, { 9, 14 })
  vim.lsp.buf.hover()
  local hover
  vim.wait(10000, function()
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(win).relative ~= "" then
        hover = text_of(vim.api.nvim_win_get_buf(win))
        return true
      end
    end
  end, 50)
  check("hover shows the declaration and its doc",
    hover ~= nil and hover:find("let replicas", 1, true) ~= nil and hover:find("How many pods run.", 1, true) ~= nil,
    "a hover window with `let replicas` and `How many pods run.`", hover or "no hover window")
  vim.cmd("fclose!")

  -- Go to definition from the same use: the cursor lands on `replicas` of line 5.
  vim.api.nvim_win_set_cursor(0, { 9, 14 })
  vim.lsp.buf.definition()
  vim.wait(10000, function() return vim.api.nvim_win_get_cursor(0)[1] == 5 end, 50)
  local cursor = vim.api.nvim_win_get_cursor(0)
  check("go to definition", cursor[1] == 5 and cursor[2] == 4, "line 5, column 4 (`replicas` of `let replicas`)",
    ("line %d, column %d"):format(cursor[1], cursor[2]))

  -- Rename the declaration `replicas` (not the field of `size`).
  vim.api.nvim_win_set_cursor(0, { 9, 14 })
  local before = text_of(buf)
  vim.lsp.buf.rename("pods")
  vim.wait(10000, function() return text_of(buf) ~= before end, 50)
  local renamed = read(dir .. "/renamed.ced")
  check("rename edits the declaration and the uses", text_of(buf) == renamed, renamed, text_of(buf))

  -- A type error: its diagnostic arrives, with its code.
  vim.api.nvim_buf_set_lines(buf, 8, 9, false, { 'let doubled: Int = "two"' })
  vim.wait(15000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
  local seen = vim.tbl_map(function(d) return ("line %d: %s %s"):format(d.lnum + 1, d.code, d.message) end,
    vim.diagnostic.get(buf))
  local found = vim.tbl_filter(function(d) return d.code == "E0039" and d.lnum == 8 end, vim.diagnostic.get(buf))
  check("diagnostic E0039 on line 9", #found == 1, "one E0039 on line 9", seen)

  -- Format on save writes `cedc fmt`'s text.
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split(read(dir .. "/unformatted.ced"), "\n", { trimempty = true }))
  vim.cmd.write()
  local formatted = read(dir .. "/formatted.ced")
  local saved = read(main)
  check("format on save writes cedc fmt's text", saved == formatted, formatted, saved)
end)

step("indentation of typed lines", function()
  vim.cmd.edit(dir .. "/edit/typed.ced")
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { "component web {" })
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  -- Four levels deep: with 'noexpandtab', the 8 columns of the deepest line would be a tab.
  vim.api.nvim_feedkeys('oobjects: [\27ok8s.deployment(\27o"web",\27oargs: [\27o"--verbose",\27o],\27o),\27o]\27o}\27',
    "xt", false)
  local want = 'component web {\n  objects: [\n    k8s.deployment(\n      "web",\n      args: [\n        "--verbose",\n'
    .. '      ],\n    ),\n  ]\n}\n'
  check("typed lines are indented with spaces", text_of() == want, want, text_of())
end)

step("reindenting", function()
  vim.cmd.edit(dir .. "/edit/reindent.ced")
  vim.cmd("normal! gg=G")
  local want = read(dir .. "/reindented.ced")
  check("gg=G gives cedc fmt's indentation", text_of() == want, want, text_of())
end)

local f = assert(io.open(dir .. "/report.json", "w"))
f:write(vim.json.encode(results))
f:close()
vim.cmd("qall!")
"##;

/// Runs `cmd`, killing it after `limit`; returns whether it exited in time, and its
/// exit status.
fn run_with_timeout(cmd: &mut Command, limit: Duration) -> (bool, Option<std::process::ExitStatus>) {
    let mut child = cmd.spawn().expect("start nvim");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for nvim") {
            return (true, Some(status));
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return (false, None);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let start = text.len().saturating_sub(4000);
    let start = (start..=text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len());
    text[start..].to_string()
}

#[test]
fn the_documented_setup_is_one_sh_and_one_lua_block() {
    // The test below runs these two blocks: a third, or a renamed placeholder, must be
    // a deliberate change of both.
    let blocks = neovim_blocks();
    let infos: Vec<&str> = blocks.iter().map(|(info, _)| info.as_str()).collect();
    assert_eq!(infos, ["sh", "lua"], "the Neovim section of docs/editors.md should hold one sh and one lua block");
    assert!(block("sh").contains("parser/ced.so"), "the sh block does not build parser/ced.so");
    assert!(block("lua").contains("vim.lsp.enable(\"cedc\")"), "the lua block does not enable the server");
}

#[test]
fn the_neovim_queries_are_the_grammars() {
    // editors/neovim/queries/ced is a link to the grammar's queries, not a copy.
    let root = repo();
    let link = root.join("editors/neovim/queries/ced");
    let meta = std::fs::symlink_metadata(&link).expect("editors/neovim/queries/ced exists");
    assert!(meta.file_type().is_symlink(), "editors/neovim/queries/ced should be a symbolic link");
    assert_eq!(
        link.canonicalize().expect("the link resolves"),
        root.join("editors/tree-sitter-ced/queries").canonicalize().expect("the grammar's queries"),
    );
}

#[test]
fn the_documented_neovim_setup_works() {
    let Some(nvim) = cedc_emit::testing::tool_var(
        "CEDC_NVIM",
        "nvim",
        "the Neovim setup of docs/editors.md was not run in a real Neovim",
    ) else {
        return;
    };
    let root = repo();
    // A path such as target/tools/bin/nvim is relative to the checkout; a bare name is
    // looked up on the PATH.
    let nvim = if nvim.contains('/') {
        root.join(&nvim).canonicalize().unwrap_or_else(|e| panic!("CEDC_NVIM={nvim}: {e}"))
    } else {
        PathBuf::from(nvim)
    };
    let checkout = root.to_str().expect("a UTF-8 checkout path");
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().canonicalize().expect("the temporary directory");
    let home = dir.join("home");
    std::fs::create_dir_all(home.join(".config/nvim")).expect("mkdir");

    // `cedc` on the PATH is this build's.
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_cedc"), bin.join("cedc")).expect("link cedc");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());

    // The documented parser build, into the temporary HOME.
    let build = Command::new("sh")
        .args(["-e", "-c", &block("sh").replace(PLACEHOLDER, checkout)])
        .env("HOME", &home)
        .env("PATH", &path)
        .current_dir(&dir)
        .output()
        .expect("run sh");
    assert!(
        build.status.success(),
        "the parser build of docs/editors.md failed:\n{}{}",
        String::from_utf8_lossy(&build.stdout),
        String::from_utf8_lossy(&build.stderr)
    );
    // The documented init.lua.
    std::fs::write(home.join(".config/nvim/init.lua"), block("lua").replace(PLACEHOLDER, checkout)).expect("write");

    // The files the Lua script works on.
    std::fs::create_dir_all(dir.join("project")).expect("mkdir");
    std::fs::create_dir_all(dir.join("edit")).expect("mkdir");
    std::fs::write(dir.join("project/cedc.toml"), "[project]\nname = \"neovim\"\nentry = [\"main.ced\"]\n")
        .expect("write");
    assert_eq!(cedc_fmt(MAIN), MAIN, "the sample is not formatted");
    std::fs::write(dir.join("project/main.ced"), MAIN).expect("write");
    std::fs::write(dir.join("renamed.ced"), RENAMED).expect("write");
    let formatted = cedc_fmt(UNFORMATTED);
    assert_ne!(formatted, UNFORMATTED, "the unformatted sample is formatted already");
    std::fs::write(dir.join("unformatted.ced"), UNFORMATTED).expect("write");
    std::fs::write(dir.join("formatted.ced"), &formatted).expect("write");
    assert_eq!(cedc_fmt(REINDENT), REINDENT, "the sample to reindent is not cedc fmt's text");
    let spoilt = spoil_indentation(REINDENT);
    assert_ne!(spoilt, REINDENT);
    std::fs::write(dir.join("edit/reindent.ced"), spoilt).expect("write");
    std::fs::write(dir.join("reindented.ced"), REINDENT).expect("write");
    let script = dir.join("check.lua");
    std::fs::write(&script, CHECK_LUA).expect("write");

    // Neovim with nothing but the temporary HOME.
    let stdout = dir.join("nvim.stdout");
    let stderr = dir.join("nvim.stderr");
    let started = Instant::now();
    let (in_time, status) = run_with_timeout(
        Command::new(&nvim)
            .args(["--headless", "-n", "-i", "NONE", "-c"])
            .arg(format!("luafile {}", script.display()))
            .env_clear()
            .env("HOME", &home)
            .env("PATH", &path)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_STATE_HOME", home.join(".local/state"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_CONFIG_DIRS", dir.join("no-config-dirs"))
            .env("XDG_DATA_DIRS", dir.join("no-data-dirs"))
            .env("CEDC_NEOVIM_TEST", &dir)
            .current_dir(dir.join("project"))
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).expect("create"))
            .stderr(std::fs::File::create(&stderr).expect("create")),
        NVIM_TIMEOUT,
    );
    let output = format!("--- nvim stdout:\n{}\n--- nvim stderr:\n{}", tail(&stdout), tail(&stderr));
    assert!(in_time, "Neovim ran over {NVIM_TIMEOUT:?} and was killed\n{output}");
    eprintln!("Neovim ran the checks in {:.1} s", started.elapsed().as_secs_f64());

    let report = std::fs::read_to_string(dir.join("report.json"))
        .unwrap_or_else(|e| panic!("Neovim ({status:?}) wrote no report ({e})\n{output}"));
    let report: Vec<serde_json::Value> = serde_json::from_str(&report).expect("the report is JSON");
    let mut failures = Vec::new();
    for name in CHECKS {
        match report.iter().find(|r| r["name"] == *name) {
            None => failures.push(format!("{name}: did not run")),
            Some(r) if r["ok"] != true => failures.push(format!(
                "{name}:\n  expected: {}\n  seen:     {}",
                r["expected"].as_str().unwrap_or_default(),
                r["seen"].as_str().unwrap_or_default()
            )),
            Some(_) => {}
        }
    }
    for r in &report {
        let name = r["name"].as_str().unwrap_or_default();
        if !CHECKS.contains(&name) {
            failures.push(format!(
                "{name}: not a known check (ok: {}; expected {}; seen {})",
                r["ok"],
                r["expected"].as_str().unwrap_or_default(),
                r["seen"].as_str().unwrap_or_default()
            ));
        }
    }
    assert!(failures.is_empty(), "{} Neovim check(s) failed:\n{}\n{output}", failures.len(), failures.join("\n"));
}
