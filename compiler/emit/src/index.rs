//! `cedc-index.json`: the manifest at the root of every generated tree.
//!
//! It serves two readers. Tools (tests, CI, Argo CD generators) find the buildable
//! Kustomize roots in `roots` without guessing. The writer ([`crate::write_tree`]) reads
//! the previous index to know which files on disk cedc generated: only those may be
//! overwritten or removed; every other file is the user's and is left alone.

use crate::Tree;
use cedc_model::Layout;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// Path of the index inside a tree (see [`Layout`]).
pub const INDEX_FILE: &str = Layout::INDEX_FILE;

/// Format version of the index; bumped on incompatible changes.
pub const INDEX_VERSION: u32 = 1;

/// The parsed form of `cedc-index.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub version: u32,
    pub generator: String,
    /// Kustomize roots, sorted by path.
    pub roots: Vec<IndexRoot>,
    /// Every generated file except the index itself, sorted by path.
    pub files: Vec<IndexFile>,
}

/// A directory on which `kubectl kustomize` yields a meaningful set of objects.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IndexRoot {
    pub path: String,
    pub env: String,
    /// `None` for an environment root (`envs/<env>`), which holds every component, and
    /// for an app-of-apps (`apps/<env>`).
    pub component: Option<String>,
    /// `true` for the app-of-apps of the environment (`apps/<env>`): the Argo CD objects
    /// delivering it, not the environment's own objects.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delivery: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IndexFile {
    pub path: String,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
}

impl Index {
    /// The index describing `tree` (any existing index entry in it is ignored).
    pub fn for_tree(tree: &Tree, roots: &[IndexRoot]) -> Index {
        let mut roots = roots.to_vec();
        roots.sort();
        roots.dedup();
        let files = tree
            .iter()
            .filter(|(path, _)| path.as_str() != INDEX_FILE)
            .map(|(path, bytes)| IndexFile { path: path.clone(), sha256: sha256_hex(bytes) })
            .collect();
        Index { version: INDEX_VERSION, generator: "cedc".to_string(), roots, files }
    }

    /// Pretty-printed JSON with a trailing newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising plain strings and integers into a Vec cannot fail; an empty file
        // (which `parse` rejects) would be the safe outcome if it somehow did.
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// An index read back from disk; `None` if it is not one cedc wrote (unparseable,
    /// another generator, or a newer format) — the caller must then treat every file
    /// as foreign.
    pub fn parse(bytes: &[u8]) -> Option<Index> {
        let index: Index = serde_json::from_slice(bytes).ok()?;
        (index.generator == "cedc" && index.version == INDEX_VERSION).then_some(index)
    }

    /// Add (or replace) the index file of `tree`, describing the tree's other files.
    /// Emitters that add files to a tree after [`crate::kustomize_tree`] call this again.
    ///
    /// The bytes are those of `Index::for_tree(tree, roots).to_bytes()`, made without
    /// the [`Index`] in between: each entry's hash is spelled as it is written, and the
    /// text goes into a buffer sized for it once. At platform-5,000 the index is 10 MB,
    /// and its entries as strings, with the buffer doubling as it grew, held about
    /// 30 MB more at the build's peak.
    pub fn attach(tree: &mut Tree, roots: &[IndexRoot]) {
        let mut roots = roots.to_vec();
        roots.sort();
        roots.dedup();
        let files: Vec<(&str, &[u8])> = tree
            .iter()
            .filter(|(path, _)| path.as_str() != INDEX_FILE)
            .map(|(path, bytes)| (path.as_str(), bytes.as_slice()))
            .collect();
        let hashes = digests(&files);
        let written = Written {
            version: INDEX_VERSION,
            generator: "cedc",
            roots: &roots,
            files: Entries(files.iter().zip(&hashes).map(|((path, _), hash)| (*path, hash)).collect()),
        };
        let mut bytes = Vec::with_capacity(written.size_hint());
        // Serialising strings and integers into a Vec cannot fail; an empty file (which
        // `parse` rejects) would be the safe outcome if it somehow did.
        if serde_json::to_writer_pretty(&mut bytes, &written).is_err() {
            bytes.clear();
        }
        bytes.push(b'\n');
        drop(written);
        tree.insert(INDEX_FILE.to_string(), bytes);
    }
}

/// An index read for its files only, its strings borrowed from the bytes read (copied
/// only where an escape is undone): the writer reads the previous index and the new one
/// on every build, 10 MB each at platform-5,000, and as owned strings they held about
/// 20 MB more at its peak. Accepts exactly what [`Index::parse`] accepts.
#[derive(Deserialize)]
pub(crate) struct Listed<'a> {
    version: u32,
    #[serde(borrow)]
    generator: Cow<'a, str>,
    #[serde(borrow)]
    #[allow(dead_code)] // read to accept what `Index::parse` accepts, not used
    roots: Vec<ListedRoot<'a>>,
    #[serde(borrow)]
    pub files: Vec<ListedFile<'a>>,
}

/// An [`IndexRoot`] as [`Listed`] reads it.
#[derive(Deserialize)]
#[allow(dead_code)] // read to accept what `Index::parse` accepts, not used
struct ListedRoot<'a> {
    #[serde(borrow)]
    path: Cow<'a, str>,
    #[serde(borrow)]
    env: Cow<'a, str>,
    #[serde(borrow)]
    component: Option<Cow<'a, str>>,
    #[serde(default)]
    delivery: bool,
}

/// An [`IndexFile`] as [`Listed`] reads it.
#[derive(Deserialize)]
pub(crate) struct ListedFile<'a> {
    #[serde(borrow)]
    pub path: Cow<'a, str>,
    #[serde(borrow)]
    pub sha256: Cow<'a, str>,
}

impl<'a> Listed<'a> {
    /// `None` if `bytes` are not an index cedc wrote (as [`Index::parse`]).
    pub(crate) fn parse(bytes: &'a [u8]) -> Option<Listed<'a>> {
        let index: Listed = serde_json::from_slice(bytes).ok()?;
        (index.generator == "cedc" && index.version == INDEX_VERSION).then_some(index)
    }
}

/// The SHA-256 of each file's bytes, in order, the files spread over the cores.
fn digests(files: &[(&str, &[u8])]) -> Vec<[u8; 32]> {
    /// Files per task: enough that handing out tasks costs nothing next to hashing them.
    const CHUNK: usize = 1024;
    cedc_model::parallel::map_chunked(files, CHUNK, |(_, bytes)| Sha256::digest(bytes).into())
}

/// [`Index`] as [`Index::attach`] writes it: the same fields in the same order, the
/// files borrowed from the tree with their digests.
#[derive(Serialize)]
struct Written<'a> {
    version: u32,
    generator: &'a str,
    roots: &'a [IndexRoot],
    files: Entries<'a>,
}

impl Written<'_> {
    /// Bytes enough for the pretty-printed text (the fixed part of an entry, its
    /// strings, and room for the odd escape), so the buffer is allocated once.
    fn size_hint(&self) -> usize {
        let roots: usize = self
            .roots
            .iter()
            .map(|r| 160 + r.path.len() + r.env.len() + r.component.as_ref().map_or(0, String::len))
            .sum();
        let files: usize = self.files.0.iter().map(|(path, _)| 128 + path.len() + path.len() / 8).sum();
        256 + roots + files
    }
}

/// The `files` of a [`Written`] index: (path, SHA-256) in path order.
struct Entries<'a>(Vec<(&'a str, &'a [u8; 32])>);

impl Serialize for Entries<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|(path, hash)| Entry { path, sha256: Hex(hash) }))
    }
}

/// One entry of [`Entries`], spelled as an [`IndexFile`].
#[derive(Serialize)]
struct Entry<'a> {
    path: &'a str,
    sha256: Hex<'a>,
}

/// A digest as lowercase hex, spelled on the stack as it is written.
struct Hex<'a>(&'a [u8; 32]);

impl Serialize for Hex<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut text = [0u8; 64];
        for (i, b) in self.0.iter().enumerate() {
            text[2 * i] = HEX[usize::from(b >> 4)];
            text[2 * i + 1] = HEX[usize::from(b & 0xf)];
        }
        // Hex digits are ASCII, so this never fails; an empty string would be caught by
        // the writer's comparison (no file hashes to it).
        s.serialize_str(std::str::from_utf8(&text).unwrap_or_default())
    }
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_empty_input() {
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn index_round_trips_and_excludes_itself() {
        let mut tree = Tree::new();
        tree.insert("b/x.yaml".into(), b"x\n".to_vec());
        tree.insert("a.yaml".into(), b"a\n".to_vec());
        let roots = vec![IndexRoot { path: "envs/prod".into(), env: "prod".into(), component: None, delivery: false }];
        Index::attach(&mut tree, &roots);
        Index::attach(&mut tree, &roots);
        let bytes = &tree[INDEX_FILE];
        let text = std::str::from_utf8(bytes).unwrap();
        assert!(text.ends_with("}\n"));
        assert!(text.starts_with("{\n  \"version\": 1,\n  \"generator\": \"cedc\",\n"));
        let index = Index::parse(bytes).unwrap();
        let paths: Vec<_> = index.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["a.yaml", "b/x.yaml"]);
        assert_eq!(index.roots[0].component, None);
        assert!(text.contains("\"component\": null"));
    }

    #[test]
    fn the_attached_index_is_the_index_of_the_tree_written_out() {
        // Paths that need escaping, many files (several hashing tasks), roots unsorted
        // and repeated: `attach` must write exactly what `for_tree` + `to_bytes` would.
        let mut tree = Tree::new();
        for i in 0..2500 {
            tree.insert(format!("components/app-{i}/base/deployment-\"q\\{i}.yaml"), format!("n: {i}\n").into_bytes());
        }
        tree.insert(INDEX_FILE.into(), b"stale".to_vec());
        let root = |path: &str, component: Option<&str>, delivery| IndexRoot {
            path: path.into(),
            env: "prod".into(),
            component: component.map(String::from),
            delivery,
        };
        let roots = vec![
            root("envs/prod", None, false),
            root("apps/prod", None, true),
            root("components/app-1/overlays/prod", Some("app-1"), false),
            root("envs/prod", None, false),
        ];
        let expected = Index::for_tree(&tree, &roots).to_bytes();
        Index::attach(&mut tree, &roots);
        assert_eq!(String::from_utf8_lossy(&tree[INDEX_FILE]), String::from_utf8_lossy(&expected));
        let mut empty = Tree::new();
        let expected = Index::for_tree(&empty, &[]).to_bytes();
        Index::attach(&mut empty, &[]);
        assert_eq!(empty[INDEX_FILE], expected);
    }

    #[test]
    fn foreign_or_future_indexes_are_rejected() {
        let refused: [&[u8]; 6] = [
            b"not json",
            br#"{"version":2,"generator":"cedc","roots":[],"files":[]}"#,
            br#"{"version":1,"generator":"other","roots":[],"files":[]}"#,
            br#"{"version":1,"generator":"cedc","files":[]}"#,
            br#"{"version":1,"generator":"cedc","roots":[{"path":"x"}],"files":[]}"#,
            br#"{"version":1,"generator":"cedc","roots":[],"files":[{"path":"x"}]}"#,
        ];
        for bytes in refused {
            let text = String::from_utf8_lossy(bytes);
            assert!(Index::parse(bytes).is_none(), "{text}");
            assert!(Listed::parse(bytes).is_none(), "the writer's reading accepted {text}");
        }
    }

    #[test]
    fn the_writers_reading_of_an_index_is_the_index() {
        let mut tree = Tree::new();
        tree.insert("a/\"quoted\"\\é.yaml".into(), b"a\n".to_vec());
        tree.insert("b.yaml".into(), b"b\n".to_vec());
        let roots =
            [IndexRoot { path: "envs/prod".into(), env: "prod".into(), component: Some("c".into()), delivery: true }];
        Index::attach(&mut tree, &roots);
        let bytes = &tree[INDEX_FILE];
        let index = Index::parse(bytes).unwrap();
        let listed = Listed::parse(bytes).unwrap();
        let listed: Vec<(&str, &str)> = listed.files.iter().map(|f| (&*f.path, &*f.sha256)).collect();
        let files: Vec<(&str, &str)> = index.files.iter().map(|f| (f.path.as_str(), f.sha256.as_str())).collect();
        assert_eq!(listed, files);
        assert_eq!(files[0].0, "a/\"quoted\"\\é.yaml");
    }
}
