//! Argo CD (`argoproj.io`): the kinds cedc generates to deliver a platform
//! (Applications and their AppProject) and the annotations, finalizers and addresses
//! Argo CD reads on them, each named once.

/// The API group of Argo CD's kinds.
pub const GROUP: &str = "argoproj.io";
/// The version cedc writes.
pub const VERSION: &str = "v1alpha1";
/// `apiVersion` of the objects cedc writes.
pub const API_VERSION: &str = "argoproj.io/v1alpha1";

pub const APPLICATION: &str = "Application";
pub const APP_PROJECT: &str = "AppProject";
pub const APPLICATION_SET: &str = "ApplicationSet";

/// The annotation ordering an Application among its siblings of one app-of-apps.
pub const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";
/// The finalizer that makes deleting an Application delete what it deployed.
pub const RESOURCES_FINALIZER: &str = "resources-finalizer.argocd.argoproj.io";
/// The address of the cluster Argo CD runs in.
pub const IN_CLUSTER: &str = "https://kubernetes.default.svc";

crate::object_view!(
    /// An Application: what Argo CD deploys where.
    Application, GROUP, [APPLICATION]
);
