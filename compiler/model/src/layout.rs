//! The output layout: every path of the generated tree, in one place. The Kustomize
//! emitter writes these paths, and whatever must point at them (the index today; Argo
//! CD Applications next) asks [`Layout`] rather than pasting strings.
//!
//! ```text
//! components/<component>/base/                 objects common to every environment
//! components/<component>/overlays/<env>/       what differs in <env>, over the base
//! envs/<env>/                                  every component overlay of <env>
//! <dir>/kustomization.yaml                     the Kustomization of each directory above
//! cedc-index.json                              the buildable roots and every file
//! ```
//!
//! apps/<env>/                                  the Argo CD app-of-apps of <env>, when
//!                                              a component delivers it
//!
//! Invariant: every path is relative to the output directory, uses `/`, and has no
//! trailing `/`. The names it is built from are DNS-1123 labels (lowercase letters,
//! digits and `-`): the type checker rejects any other component name (E0071) or
//! environment name (E0040) before evaluation, and the emitter checks again before it
//! asks for a path. So a path built here is never absolute, never hidden and never holds
//! `.` or `..` segments; [`Layout`] does not validate names a second time.

/// The paths of the generated tree (see the module documentation).
#[derive(Clone, Copy, Debug)]
pub struct Layout;

impl Layout {
    /// The index of the tree, at its root.
    pub const INDEX_FILE: &str = "cedc-index.json";
    /// The file that makes a directory a Kustomize root.
    pub const KUSTOMIZATION: &str = "kustomization.yaml";

    /// The base of `component`: the objects it has in every environment it is deployed to.
    pub fn component_base(component: &str) -> String {
        format!("components/{component}/base")
    }

    /// The overlay of `component` in `env`: a Kustomize root yielding exactly the
    /// component's objects in that environment.
    pub fn component_overlay(component: &str, env: &str) -> String {
        format!("components/{component}/overlays/{env}")
    }

    /// The root of `env`: a Kustomize root yielding every object of the environment.
    pub fn env_root(env: &str) -> String {
        format!("envs/{env}")
    }

    /// The Argo CD objects delivering `env` (its AppProject and Applications): a
    /// Kustomize root, deployed by the root Application it holds.
    pub fn apps(env: &str) -> String {
        format!("apps/{env}")
    }

    /// The file `name` inside the directory `dir`.
    pub fn file(dir: &str, name: &str) -> String {
        format!("{dir}/{name}")
    }

    /// The Kustomization of the directory `dir`.
    pub fn kustomization(dir: &str) -> String {
        Layout::file(dir, Layout::KUSTOMIZATION)
    }

    /// The path of the directory `to` as seen from the directory `from` (both paths of
    /// this layout), as a Kustomization's `resources` entry writes it:
    /// `relative("envs/prod", "components/web/overlays/prod")` is
    /// `../../components/web/overlays/prod`.
    pub fn relative(from: &str, to: &str) -> String {
        let from: Vec<&str> = from.split('/').collect();
        let to: Vec<&str> = to.split('/').collect();
        let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
        let ups = std::iter::repeat_n("..", from.len() - common);
        let downs = to[common..].iter().copied();
        let parts: Vec<&str> = ups.chain(downs).collect();
        if parts.is_empty() { ".".to_string() } else { parts.join("/") }
    }
}

#[cfg(test)]
mod tests {
    use super::Layout;

    #[test]
    fn directories_of_the_tree() {
        assert_eq!(Layout::component_base("web"), "components/web/base");
        assert_eq!(Layout::component_overlay("web", "prod"), "components/web/overlays/prod");
        assert_eq!(Layout::env_root("prod"), "envs/prod");
        assert_eq!(Layout::apps("prod"), "apps/prod");
        assert_eq!(Layout::INDEX_FILE, "cedc-index.json");
    }

    #[test]
    fn files_inside_directories() {
        assert_eq!(Layout::kustomization("envs/prod"), "envs/prod/kustomization.yaml");
        assert_eq!(
            Layout::file(&Layout::component_base("web"), "deployment-web.yaml"),
            "components/web/base/deployment-web.yaml"
        );
    }

    #[test]
    fn relative_paths_between_directories() {
        let overlay = Layout::component_overlay("web", "prod");
        assert_eq!(Layout::relative(&overlay, &Layout::component_base("web")), "../../base");
        assert_eq!(Layout::relative(&Layout::env_root("prod"), &overlay), "../../components/web/overlays/prod");
        assert_eq!(Layout::relative(&Layout::component_overlay("api", "dev"), &overlay), "../../../web/overlays/prod");
        assert_eq!(Layout::relative(&overlay, &overlay), ".");
    }

    #[test]
    fn a_prefix_of_a_name_is_not_a_common_directory() {
        // `web` and `web-api` share characters, not a directory.
        assert_eq!(
            Layout::relative(&Layout::component_base("web"), &Layout::component_base("web-api")),
            "../../web-api/base"
        );
    }
}
