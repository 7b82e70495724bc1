//! Storage (`storage.k8s.io/v1` StorageClasses, core `v1` PersistentVolumeClaims and the
//! claim templates of StatefulSets): the fields the storage checks read, and what each
//! known provisioner can serve.

use crate::view::{ObjectView, View};

/// The API group of StorageClasses.
pub const GROUP: &str = "storage.k8s.io";
pub const STORAGE_CLASS: &str = "StorageClass";
/// A CSI driver's registration: its node plugin runs on the nodes.
pub const CSI_DRIVER: &str = "CSIDriver";
pub const PERSISTENT_VOLUME_CLAIM: &str = "PersistentVolumeClaim";
/// The annotation making a StorageClass the one claims without a class get.
pub const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";

pub const READ_WRITE_ONCE: &str = "ReadWriteOnce";
pub const READ_ONLY_MANY: &str = "ReadOnlyMany";
pub const READ_WRITE_MANY: &str = "ReadWriteMany";
pub const READ_WRITE_ONCE_POD: &str = "ReadWriteOncePod";

crate::object_view!(
    /// A StorageClass: the provisioner that makes its volumes.
    StorageClass, GROUP, [STORAGE_CLASS]
);
crate::object_view!(
    /// A PersistentVolumeClaim.
    PersistentVolumeClaim, crate::views::core::GROUP, [PERSISTENT_VOLUME_CLAIM]
);
crate::part_view!(
    /// What a claim asks for: a PersistentVolumeClaim's `spec`, or a StatefulSet's
    /// `volumeClaimTemplates` entry's `spec`.
    ClaimSpec
);

impl<'a> StorageClass<'a> {
    pub fn provisioner(self) -> Option<&'a str> {
        self.view().str_field("provisioner")
    }
    /// Whether it is annotated as the default class.
    pub fn is_default(self) -> bool {
        self.annotations().and_then(|a| a.field(DEFAULT_CLASS_ANNOTATION)).and_then(View::str) == Some("true")
    }
}

impl<'a> PersistentVolumeClaim<'a> {
    pub fn claim(self) -> Option<ClaimSpec<'a>> {
        self.spec().map(ClaimSpec)
    }
}

impl<'a> ClaimSpec<'a> {
    /// `storageClassName`, with its span (`""` asks for no class: a pre-made volume).
    pub fn class_name(self) -> Option<View<'a>> {
        self.0.field("storageClassName")
    }
    /// `accessModes`, each with its span.
    pub fn access_modes(self) -> crate::Items<'a> {
        self.0.items_of("accessModes")
    }
    /// `volumeMode`, `Filesystem` by default.
    pub fn volume_mode(self) -> &'a str {
        self.0.str_field("volumeMode").unwrap_or("Filesystem")
    }
}

/// The access modes a provisioner serves, for volumes of mode `Filesystem` and `Block`,
/// by provisioner name. Facts from each project's documentation; provisioners not listed
/// are not checked. (`ReadWriteOncePod` narrows `ReadWriteOnce` and is not listed.)
pub const PROVISIONERS: &[(&str, &[&str], &[&str])] = &[
    // Mayastor (OpenEBS replicated PV): one node at a time, over NVMe-oF.
    ("io.openebs.csi-mayastor", &[READ_WRITE_ONCE], &[READ_WRITE_ONCE]),
    // OpenEBS local PVs (hostpath, LVM, ZFS) and Rancher's local-path: a node's disk.
    ("openebs.io/local", &[READ_WRITE_ONCE], &[READ_WRITE_ONCE]),
    ("local.csi.openebs.io", &[READ_WRITE_ONCE], &[READ_WRITE_ONCE]),
    ("zfs.csi.openebs.io", &[READ_WRITE_ONCE], &[READ_WRITE_ONCE]),
    ("rancher.io/local-path", &[READ_WRITE_ONCE], &[READ_WRITE_ONCE]),
    // Ceph RBD: block images; shared only as raw block devices.
    (
        "rook-ceph.rbd.csi.ceph.com",
        &[READ_WRITE_ONCE, READ_ONLY_MANY],
        &[READ_WRITE_ONCE, READ_ONLY_MANY, READ_WRITE_MANY],
    ),
    // CephFS, NFS: shared file systems.
    ("rook-ceph.cephfs.csi.ceph.com", &[READ_WRITE_ONCE, READ_ONLY_MANY, READ_WRITE_MANY], &[]),
    ("nfs.csi.k8s.io", &[READ_WRITE_ONCE, READ_ONLY_MANY, READ_WRITE_MANY], &[]),
    // Longhorn: shared file systems through its share manager (NFS).
    ("driver.longhorn.io", &[READ_WRITE_ONCE, READ_WRITE_MANY], &[READ_WRITE_ONCE]),
    // Cloud block disks.
    ("ebs.csi.aws.com", &[READ_WRITE_ONCE], &[READ_WRITE_ONCE, READ_WRITE_MANY]),
    ("pd.csi.storage.gke.io", &[READ_WRITE_ONCE, READ_ONLY_MANY], &[READ_WRITE_ONCE, READ_ONLY_MANY]),
];

/// The access modes `provisioner` serves for `volume_mode`, when cedc knows them.
pub fn access_modes(provisioner: &str, volume_mode: &str) -> Option<&'static [&'static str]> {
    let (_, fs, block) = PROVISIONERS.iter().find(|(p, _, _)| *p == provisioner)?;
    Some(if volume_mode == "Block" { block } else { fs })
}
