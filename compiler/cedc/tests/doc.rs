//! `cedc doc` end to end, through the real binary, on the cedille example: the site is
//! deterministic (same bytes from any working directory), every link between its pages
//! lands on a page and anchor it holds, the pages say what the platform is (matrix,
//! hostnames, certificates, sync graph, modules), and a real headless Chromium renders
//! them with the matrix and the graph visible (`CEDC_CHROMIUM`, installed by
//! scripts/install-tools; a loud skip without it, a failure when CEDC_REQUIRE_TOOLS=1).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn site(cwd: &Path) -> (tempfile::TempDir, BTreeMap<String, Vec<u8>>) {
    let out = tempfile::tempdir().expect("tempdir");
    let example = repo().join("examples/cedille");
    let o = Command::new(env!("CARGO_BIN_EXE_cedc"))
        .arg("doc")
        .arg(&example)
        .arg("--out")
        .arg(out.path())
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run cedc doc");
    assert!(o.status.success(), "cedc doc failed:\n{}", String::from_utf8_lossy(&o.stderr));
    let mut files = BTreeMap::new();
    read_dir(out.path(), out.path(), &mut files);
    (out, files)
}

fn read_dir(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            read_dir(root, &p, out);
        } else {
            let rel = p.strip_prefix(root).expect("under root").to_string_lossy().replace('\\', "/");
            out.insert(rel, std::fs::read(&p).expect("read"));
        }
    }
}

/// A page's HTML, with the character references tera writes decoded (`&#x2F;` → `/`).
fn page(files: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    let html = std::str::from_utf8(files.get(path).unwrap_or_else(|| panic!("no page {path}"))).expect("UTF-8");
    html.replace("&#x2F;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The values of `attr="..."` in an HTML page.
fn attributes<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!("{attr}=\"");
    html.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

#[test]
fn the_site_is_deterministic_and_its_links_hold() {
    let (_a, first) = site(&repo());
    let (_b, second) = site(&std::env::temp_dir());
    assert_eq!(first, second, "the same project gives the same site from any working directory");
    let pages: Vec<&String> = first.keys().filter(|k| k.ends_with(".html")).collect();
    assert!(pages.len() > 20, "only {} pages", pages.len());
    let html: BTreeMap<&str, String> = pages.iter().map(|p| (p.as_str(), page(&first, p))).collect();
    let ids: BTreeMap<&str, BTreeSet<&str>> =
        html.iter().map(|(p, h)| (*p, attributes(h, "id").into_iter().collect())).collect();
    let mut checked = 0;
    let mut broken = Vec::new();
    for p in &pages {
        let html = &html[p.as_str()];
        let dir = Path::new(p.as_str()).parent().unwrap_or(Path::new(""));
        for link in attributes(html, "href").into_iter().chain(attributes(html, "src")) {
            if link.starts_with("http") || link.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = link.split_once('#').unwrap_or((link, ""));
            let target = if file.is_empty() { p.to_string() } else { normalize(&dir.join(file)) };
            checked += 1;
            if !first.contains_key(&target) {
                broken.push(format!("{p}: {link} → {target} (no such file)"));
            } else if !anchor.is_empty() && !ids.get(target.as_str()).is_some_and(|i| i.contains(anchor)) {
                broken.push(format!("{p}: {link} (no id `{anchor}` in {target})"));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(checked > 500, "only {checked} links checked");
}

/// `a/../b/./c` → `b/c`.
fn normalize(p: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

#[test]
fn the_pages_say_what_the_platform_is() {
    let (_d, files) = site(&repo());
    let index = &page(&files, "index.html");
    // Every component, with its wave where it is deployed.
    for component in ["argocd", "crossplane-system", "dns", "sandboxes"] {
        assert!(index.contains(&format!("<tr><th>{component}</th>")), "{component} is missing from the matrix");
    }
    assert!(index.contains(r#"<tr><th>dns</th><td class="deployed">wave 2</td><td class="absent"></td>"#));
    let prod = &page(&files, "env/prod.html");
    assert!(prod.contains("host cluster"));
    assert!(prod.contains("argocd.omni.cedille.club"), "the hostnames and their routes");
    assert!(prod.contains("HTTPRoute argocd/argocd"));
    assert!(prod.contains("*.omni.cedille.club"), "the wildcard certificate's names");
    assert!(prod.contains("ClusterIssuer"), "the issuers");
    // The graph: one arrow per wait, as the table lists them.
    let edges = prod.matches(r#"class="edge""#).count();
    let waits = prod.matches("<span title=").count();
    assert!(edges > 10 && edges == waits, "{edges} arrows for {waits} waits");
    assert!(page(&files, "env/staging.html").contains("virtual cluster in prod"));
    // Modules: the project's and the whole standard library, types with their fields.
    let k8s = &page(&files, "modules/std/k8s.html");
    assert!(k8s.contains(r#"id="fn-deployment""#) && k8s.contains("<code>replicas</code>"));
    assert!(k8s.contains(r#"id="type-Resources""#));
    let main = &page(&files, "modules/main.html");
    assert!(main.contains(r#"id="composite-DnsRecord""#) && main.contains("dns.cedille.club/v1alpha1"));
    assert!(main.contains(r#"id="type-DnsRecordSpec""#) && main.contains("<code>ttl</code>"));
    assert!(files.contains_key("modules/std/providers/gcp-dns.html"));
}

/// A real browser's view of a page: a PNG screenshot, decoded to pixels of
/// `channels` bytes (3, RGB, or 4, RGBA).
fn screenshot(chromium: &str, page: &Path, out: &Path) -> (u32, u32, Vec<u8>, usize) {
    let o = Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1400,1400"])
        .arg(format!("--screenshot={}", out.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(o.status.success() && out.exists(), "chromium failed:\n{}", String::from_utf8_lossy(&o.stderr));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(out).expect("open png")));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("chromium wrote a {other:?} PNG"),
    };
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf, channels)
}

/// How many pixels are (nearly) the colour `rgb`.
fn pixels_of((_, _, image, channels): &(u32, u32, Vec<u8>, usize), rgb: [u8; 3]) -> usize {
    image.chunks_exact(*channels).filter(|p| (0..3).all(|i| (i32::from(p[i]) - i32::from(rgb[i])).abs() <= 8)).count()
}

#[test]
fn a_real_browser_shows_the_matrix_and_the_graph() {
    let Some(chromium) =
        cedc_emit::testing::tool_var("CEDC_CHROMIUM", "chromium", "the site was not rendered in a real browser")
    else {
        return;
    };
    let (dir, _) = site(&repo());
    // The matrix: deployed cells are green (#2da44e), and there are many.
    let index = screenshot(&chromium, &dir.path().join("index.html"), &dir.path().join("index.png"));
    assert_eq!((index.0, index.1), (1400, 1400));
    let green = pixels_of(&index, [0x2d, 0xa4, 0x4e]);
    assert!(green > 20_000, "the matrix is not visible: {green} green pixels");
    // The graph: nodes filled #ddf4ff, arrows and borders #0969da.
    let prod = screenshot(&chromium, &dir.path().join("env/prod.html"), &dir.path().join("prod.png"));
    let nodes = pixels_of(&prod, [0xdd, 0xf4, 0xff]);
    let strokes = pixels_of(&prod, [0x09, 0x69, 0xda]);
    assert!(nodes > 30_000, "the graph's nodes are not visible: {nodes} pixels");
    assert!(strokes > 3_000, "the graph's arrows are not visible: {strokes} pixels");
    // And a page without the stylesheet's colours shows neither (the check can fail).
    let plain = dir.path().join("plain.html");
    std::fs::write(&plain, "<!DOCTYPE html><html><body><p>nothing</p></body></html>").expect("write");
    let blank = screenshot(&chromium, &plain, &dir.path().join("plain.png"));
    assert!(pixels_of(&blank, [0x2d, 0xa4, 0x4e]) < 100 && pixels_of(&blank, [0x09, 0x69, 0xda]) < 100);
}
