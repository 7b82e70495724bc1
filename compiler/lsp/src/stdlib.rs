//! The standard library lives inside the binary; to let "go to definition" open it, the
//! server writes a read-only copy once per cedc version under the system's temporary
//! directory.

use std::path::PathBuf;
use std::sync::OnceLock;

fn dir() -> Option<&'static PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("cedc-{}-std", env!("CARGO_PKG_VERSION")));
        std::fs::create_dir_all(&dir).ok()?;
        for (name, text) in cedc_names::STDLIB {
            // Names may have folders (`charts/grafana`).
            let path = dir.join(format!("{name}.ced"));
            let parent = path.parent()?;
            std::fs::create_dir_all(parent).ok()?;
            if std::fs::read_to_string(&path).ok().as_deref() != Some(*text) {
                // Write beside and rename, so a concurrent server never reads half a file.
                let stem = path.file_stem()?.to_string_lossy();
                let tmp = parent.join(format!(".{stem}.{}.tmp", std::process::id()));
                std::fs::write(&tmp, text).ok()?;
                std::fs::rename(&tmp, &path).ok()?;
            }
        }
        Some(dir)
    })
    .as_ref()
}

/// Where `std/<name>` (`k8s.ced`) can be opened.
pub fn path(name: &str) -> Option<PathBuf> {
    dir().map(|d| d.join(name))
}

/// Whether a path is inside the copy of the standard library.
pub fn contains(path: &std::path::Path) -> bool {
    dir().is_some_and(|d| path.starts_with(d))
}
