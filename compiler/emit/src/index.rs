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
    pub fn attach(tree: &mut Tree, roots: &[IndexRoot]) {
        let index = Index::for_tree(tree, roots);
        tree.insert(INDEX_FILE.to_string(), index.to_bytes());
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
    fn foreign_or_future_indexes_are_rejected() {
        assert!(Index::parse(b"not json").is_none());
        assert!(Index::parse(br#"{"version":2,"generator":"cedc","roots":[],"files":[]}"#).is_none());
        assert!(Index::parse(br#"{"version":1,"generator":"other","roots":[],"files":[]}"#).is_none());
    }
}
