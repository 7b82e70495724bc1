//! The Altinity ClickHouse operator's installations (`clickhouse.altinity.com/v1`
//! ClickHouseInstallation, `clickhouse-keeper.altinity.com/v1`
//! ClickHouseKeeperInstallation): the clusters, shards and replicas the operator makes
//! one StatefulSet, Service and ConfigMap per host for, and how it names them.
//!
//! Facts from the operator's namer (0.25): per host it makes the StatefulSet and
//! Service `<prefix>-<name>-<cluster>-<host>` and the ConfigMap
//! `<prefix>-<name>-deploy-confd-<cluster>-<host>`, which it also mounts as a volume of
//! that name (a volume name is a DNS label: at most 63 characters). `<prefix>` is `chi`
//! or `chk`; `<host>` is `<shard>-<replica>`, each a name given in the layout or an
//! index from 0; the operator cuts the installation's name to 60 characters and the
//! cluster's and host's to 15 before joining them. It does not shorten further: a longer
//! name is refused by the API server, and the operator retries without saying why.

use crate::view::{ObjectView, View};

pub const GROUP: &str = "clickhouse.altinity.com";
pub const KEEPER_GROUP: &str = "clickhouse-keeper.altinity.com";
pub const INSTALLATION: &str = "ClickHouseInstallation";
pub const KEEPER_INSTALLATION: &str = "ClickHouseKeeperInstallation";

/// What the operator cuts an installation's name to in the names it derives.
pub const NAME_PART_MAX: usize = 60;
/// What it cuts a cluster's, shard's, replica's or host's name to.
pub const PART_MAX: usize = 15;
/// What joins the installation's and the cluster's names in a host's ConfigMap.
pub const CONFIG_MAP_INFIX: &str = "-deploy-confd-";

crate::object_view!(
    /// A ClickHouseInstallation.
    Installation, GROUP, [INSTALLATION]
);
crate::object_view!(
    /// A ClickHouseKeeperInstallation.
    KeeperInstallation, KEEPER_GROUP, [KEEPER_INSTALLATION]
);
crate::part_view!(
    /// One entry of `spec.configuration.clusters`.
    Cluster
);

/// Either installation, as the operator names what it makes for it.
#[derive(Clone, Copy, Debug)]
pub struct Named<'a> {
    /// `chi` or `chk`.
    pub prefix: &'static str,
    pub object: &'a crate::Object,
}

impl<'a> Named<'a> {
    pub fn cast(o: &'a crate::Object) -> Option<Named<'a>> {
        let prefix = if Installation::cast(o).is_some() {
            "chi"
        } else if KeeperInstallation::cast(o).is_some() {
            "chk"
        } else {
            return None;
        };
        Some(Named { prefix, object: o })
    }

    pub fn clusters(self) -> impl Iterator<Item = Cluster<'a>> {
        View::new(&self.object.value).items_at(&["spec", "configuration", "clusters"]).map(Cluster)
    }

    /// The ConfigMap (and volume) the operator makes for host `host` of `cluster`.
    pub fn config_map_name(self, cluster: &str, host: &str) -> String {
        format!(
            "{}-{}{CONFIG_MAP_INFIX}{}-{}",
            self.prefix,
            head(&self.object.name, NAME_PART_MAX),
            head(cluster, PART_MAX),
            head(host, PART_MAX)
        )
    }
}

impl<'a> Cluster<'a> {
    /// Its `name`, with its span.
    pub fn name(self) -> Option<View<'a>> {
        self.0.field("name")
    }

    /// Its longest host name, `<shard>-<replica>`, from the layout's names and counts
    /// (one shard of one replica when the layout says nothing).
    pub fn longest_host(self) -> String {
        let layout = self.0.field("layout");
        let count = |v: Option<View<'a>>, key: &str| v.and_then(|v| v.int_field(key)).filter(|n| *n > 0);
        let shards: Vec<View<'a>> = layout.map(|l| l.items_of("shards").collect()).unwrap_or_default();
        let default_replicas = count(layout, "replicasCount");
        let mut longest = String::new();
        let mut consider = |shard: String, replica: String| {
            let host = format!("{shard}-{replica}");
            if host.len() > longest.len() {
                longest = host;
            }
        };
        if shards.is_empty() {
            let n = count(layout, "shardsCount").unwrap_or(1);
            let replicas: Vec<String> = layout
                .map(|l| l.items_of("replicas").collect::<Vec<_>>())
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(i, r)| named(r, i))
                .collect();
            let replica = longest_of(replicas).unwrap_or_else(|| last_index(default_replicas.unwrap_or(1)));
            consider(last_index(n), replica);
        } else {
            for (i, s) in shards.into_iter().enumerate() {
                let replicas: Vec<String> = s.items_of("replicas").enumerate().map(|(j, r)| named(r, j)).collect();
                let n = count(Some(s), "replicasCount").or(default_replicas).unwrap_or(1);
                let replica = longest_of(replicas).unwrap_or_else(|| last_index(n));
                consider(named(s, i), replica);
            }
        }
        longest
    }
}

/// An entry's `name`, else its index.
fn named(v: View, index: usize) -> String {
    v.str_field("name").map_or_else(|| index.to_string(), str::to_string)
}

/// The widest index of `n` entries.
fn last_index(n: i64) -> String {
    (n.max(1) - 1).to_string()
}

fn longest_of(names: Vec<String>) -> Option<String> {
    names.into_iter().max_by_key(String::len)
}

/// The first `n` characters of `s`, without the `-`, `_` and `.` the cut leaves at
/// either end (as the operator's namer does).
fn head(s: &str, n: usize) -> String {
    let cut: String = s.chars().take(n).collect();
    cut.trim_matches(|c| c == '-' || c == '_' || c == '.').to_string()
}

#[cfg(test)]
mod tests {
    use super::head;

    #[test]
    fn parts_are_cut_and_trimmed_like_the_operator_does() {
        assert_eq!(head("abcdefghijklmn-pq", 15), "abcdefghijklmn");
        assert_eq!(head("short", 15), "short");
    }
}
