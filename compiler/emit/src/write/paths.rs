//! A set of relative file paths made for the walks of a directory: whether a path is
//! one of the files, and whether a directory holds one of them at any depth, each in
//! one hash look-up. The walks of the output directory and of the spare ask both of
//! every entry they meet (10,000 and more at platform-1,000); asked of the sorted tree
//! itself, each question was a search of string keys, and the second one a prefix
//! string made and a range searched.
//!
//! Invariant: `dirs` is exactly the set of proper ancestors of the paths in `files`
//! (`a/b/c` gives `a/b` and `a`), so `holds_under(d)` is true exactly when some file
//! lies strictly under `d`, as the prefix search answered.

use super::ancestors;
use std::collections::HashSet;

type Set<'a> = HashSet<&'a str, foldhash::fast::FixedState>;

/// Files, and the directories that hold them.
pub(super) struct Paths<'a> {
    files: Set<'a>,
    dirs: Set<'a>,
}

impl<'a> Paths<'a> {
    pub(super) fn new(paths: impl IntoIterator<Item = &'a str>) -> Self {
        let mut set = Paths { files: Set::default(), dirs: Set::default() };
        for path in paths {
            set.files.insert(path);
            // Deepest first: once a directory is known, so are all of its ancestors.
            for dir in ancestors(path).rev() {
                if !set.dirs.insert(dir) {
                    break;
                }
            }
        }
        set
    }

    /// Whether `path` is one of the files.
    pub(super) fn has(&self, path: &str) -> bool {
        self.files.contains(path)
    }

    /// Whether some file lies strictly under directory `dir`.
    pub(super) fn holds_under(&self, dir: &str) -> bool {
        self.dirs.contains(dir)
    }

    /// Whether `path` or one of its ancestors is one of the files (a file of the set is
    /// where `path` would be, or where one of its directories would be).
    pub(super) fn blocks(&self, path: &str) -> bool {
        self.has(path) || ancestors(path).any(|a| self.has(a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The old answers: a prefix search of a sorted set.
    fn holds_under_by_prefix(set: &BTreeSet<&str>, dir: &str) -> bool {
        let prefix = format!("{dir}/");
        set.range(prefix.as_str()..).next().is_some_and(|k| k.starts_with(&prefix))
    }

    #[test]
    fn answers_as_a_prefix_search_of_the_sorted_paths() {
        let files = ["a/b/c.yaml", "a/b/d.yaml", "a/e.yaml", "ab/x", "top", "deep/1/2/3/4"];
        let set = Paths::new(files);
        let sorted: BTreeSet<&str> = files.into_iter().collect();
        let asked = ["a", "a/b", "a/b/c.yaml", "ab", "a/e", "deep", "deep/1/2", "deep/1/2/3/4", "top", "b", "", "de"];
        for dir in asked {
            assert_eq!(set.holds_under(dir), holds_under_by_prefix(&sorted, dir), "{dir:?}");
            assert_eq!(set.has(dir), sorted.contains(dir), "{dir:?}");
        }
        assert!(set.blocks("top/x/y"));
        assert!(set.blocks("a/e.yaml"));
        assert!(!set.blocks("a/b"));
        assert!(!set.blocks("a/f"));
    }
}
