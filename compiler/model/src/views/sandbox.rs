//! Sandboxes: a component's `sandboxes` (prelude `Sandboxes`, `Member`,
//! `SandboxQuota`), the field names read once, and the one rule deriving a sandbox's
//! name from its member.

use crate::view::View;

crate::part_view!(
    /// A component's `sandboxes`.
    Sandboxes
);
crate::part_view!(
    /// One entry of `members`.
    Member
);
crate::part_view!(
    /// `quota`.
    SandboxQuota
);

/// A sandbox that is a namespace.
pub const NAMESPACE_KIND: &str = "namespace";
/// A sandbox that is a virtual cluster in its namespace.
pub const VCLUSTER_KIND: &str = "vcluster";
/// The label naming the member a sandbox's objects belong to.
pub const MEMBER_LABEL: &str = "cedc.dev/sandbox-member";
/// The name of each sandbox's administrator Role and RoleBinding, quota and limit range.
pub const OBJECT_NAME: &str = "sandbox";

impl<'a> Sandboxes<'a> {
    pub fn members(self) -> impl Iterator<Item = Member<'a>> + use<'a> {
        self.0.items_of("members").map(Member)
    }
    /// `kind`, `namespace` when absent.
    pub fn kind(self) -> &'a str {
        self.0.str_field("kind").unwrap_or(NAMESPACE_KIND)
    }
    /// `prefix`, with its span.
    pub fn prefix(self) -> Option<View<'a>> {
        self.0.field("prefix")
    }
    pub fn quota(self) -> Option<SandboxQuota<'a>> {
        self.0.field("quota").map(SandboxQuota)
    }
    /// The vcluster chart (a prelude `Chart`), for `vcluster` sandboxes.
    pub fn chart(self) -> Option<crate::views::delivery::Chart<'a>> {
        self.0.field("chart").map(crate::views::delivery::Chart)
    }
    pub fn values(self) -> Option<View<'a>> {
        self.0.field("values")
    }
}

impl<'a> Member<'a> {
    /// `name`, with its span: where a problem with the member's sandbox is reported.
    pub fn name(self) -> Option<View<'a>> {
        self.0.field("name")
    }
    pub fn user(self) -> Option<View<'a>> {
        self.0.field("user")
    }
}

impl<'a> SandboxQuota<'a> {
    /// A quota setting, as written or defaulted by the prelude.
    pub fn get(self, key: &str) -> Option<View<'a>> {
        self.0.field(key)
    }
}

/// The name of `member`'s sandbox: `<prefix>-<member>`. Derived here only.
pub fn sandbox_name(prefix: &str, member: &str) -> String {
    format!("{prefix}-{member}")
}
