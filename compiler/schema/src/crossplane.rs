//! Crossplane's core kinds, built in so that projects composing infrastructure with
//! Crossplane need not import its CRDs: CompositeResourceDefinition
//! (`apiextensions.crossplane.io/v2`, and `v1`), Composition
//! (`apiextensions.crossplane.io/v1`), the packages Provider, Function and Configuration
//! (`pkg.crossplane.io/v1`) and DeploymentRuntimeConfig (`pkg.crossplane.io/v1beta1`),
//! all cluster-scoped; and the input of function-patch-and-transform,
//! `pt.fn.crossplane.io/v1beta1` `Resources` (namespaced, as its CRD says), also
//! available alone as [`patch_and_transform_input`] so that a Composition's pipeline step
//! can be checked against it.
//!
//! The schemas are written here by hand, with the builder: structural facts only (field
//! names, types, required fields, enums, formats, patterns, bounds, defaults and list
//! types), no documentation text. They follow [`PACKAGE`] and [`PT_PACKAGE`]; the test
//! suite compares them, node by node, with the upstream CRDs when those are available
//! (`compiler/schema/tests/crossplane.rs`), so they cannot drift unnoticed.
//! DeploymentRuntimeConfig's `deploymentTemplate` holds a whole Deployment spec, pod
//! spec included, as the Kubernetes API Crossplane is built with has it.
//!
//! The subtrees listed in [`OPEN_PATHS`] accept anything: each kind's `status`, and what
//! upstream leaves free-form (an XRD version's `schema.openAPIV3Schema`, a pipeline
//! step's `input` and a patch-and-transform resource's `base`, the last two whole objects
//! with their own `apiVersion` and `kind`). Upstream's CEL rules (immutable fields, a
//! `package` that is a full image reference, ...) are not carried over.
//!
//! Each kind's top level gets the same envelope as a CRD-loaded kind (`apiVersion`,
//! `kind`, and `metadata` as the shared `ObjectMeta`). A project's own Crossplane CRDs
//! replace these kinds ([`Registry::insert`]).

use crate::builder::*;
use crate::certmanager::QUANTITY_PATTERN;
use crate::model::*;
use crate::{KindSchema, Registry, crd};
use cedc_model::views::crossplane as xp;
use serde_json::json;
use std::sync::Arc;

/// What [`Source::Shipped`] names for the Crossplane kinds.
pub const PACKAGE: &str = "Crossplane v2.3.4";

/// What [`Source::Shipped`] names for function-patch-and-transform's input.
pub const PT_PACKAGE: &str = "function-patch-and-transform v0.10.8";

/// Schema paths (in each kind that has them) whose subtree is open: any value is accepted
/// there and nothing below is checked. `[*]` stands for every item of a list.
pub const OPEN_PATHS: &[&str] =
    &["status", "spec.versions[*].schema.openAPIV3Schema", "spec.pipeline[*].input", "resources[*].base"];

/// Add the Crossplane kinds and function-patch-and-transform's `Resources` to a registry,
/// replacing any it already has.
pub fn add(registry: &mut Registry) {
    let kinds: [(&str, &str, &str, Make); 7] = [
        (xp::APIEXTENSIONS_GROUP, xp::APIEXTENSIONS_V2, xp::COMPOSITE_RESOURCE_DEFINITION, || xrd(XrdVersion::V2)),
        (xp::APIEXTENSIONS_GROUP, xp::APIEXTENSIONS_V1, xp::COMPOSITE_RESOURCE_DEFINITION, || xrd(XrdVersion::V1)),
        (xp::APIEXTENSIONS_GROUP, xp::APIEXTENSIONS_V1, xp::COMPOSITION, composition),
        (xp::PKG_GROUP, xp::PKG_VERSION, xp::PROVIDER, || package(xp::PROVIDER, true)),
        (xp::PKG_GROUP, xp::PKG_VERSION, xp::FUNCTION, || package(xp::FUNCTION, true)),
        (xp::PKG_GROUP, xp::PKG_VERSION, xp::CONFIGURATION, || package(xp::CONFIGURATION, false)),
        (xp::PKG_GROUP, xp::RUNTIME_CONFIG_VERSION, xp::DEPLOYMENT_RUNTIME_CONFIG, runtime_config),
    ];
    for (group, version, kind, schema) in kinds {
        registry.insert(Kind {
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
            scope: Scope::Cluster,
            schema: KindSchema::lazy(schema),
            source: Source::Shipped { package: PACKAGE },
        });
    }
    registry.insert(Kind {
        group: xp::PT_GROUP.to_string(),
        version: xp::PT_VERSION.to_string(),
        kind: xp::RESOURCES.to_string(),
        scope: Scope::Namespaced,
        schema: KindSchema::lazy(patch_and_transform_input),
        source: Source::Shipped { package: PT_PACKAGE },
    });
}

/// A kind's whole schema: the envelope, `spec`, and an open `status` when upstream has
/// one.
fn top_level(api_version: &str, kind: &str, spec: Schema, status: bool) -> Schema {
    let mut object = Object::default();
    object.properties.insert("spec".to_string(), Arc::new(spec));
    if status {
        object.properties.insert("status".to_string(), Arc::new(obj([]).open()));
    }
    crd::add_envelope(&mut object, api_version, kind);
    node(Ty::Object(object))
}

// ---------------------------------------------------------------------------------------
// Builder helpers this family needs besides the shared ones

fn int64() -> Schema {
    int().format("int64")
}

/// A list whose items are unique (`x-kubernetes-list-type: set`).
fn set(items: Schema) -> Schema {
    let mut s = array(items);
    if let Ty::Array(a) = &mut s.ty {
        a.list_type = ListType::Set;
    }
    s
}

/// A list's bounds on its number of items.
fn items_between(mut s: Schema, min: Option<u64>, max: Option<u64>) -> Schema {
    if let Ty::Array(a) = &mut s.ty {
        a.min_items = min;
        a.max_items = max;
    }
    s
}

/// A whole object that may hold anything (`x-kubernetes-embedded-resource` with unknown
/// fields preserved): it needs its own `apiVersion` and `kind`.
fn embedded_object() -> Schema {
    let mut s = obj([]).open();
    if let Ty::Object(o) = &mut s.ty {
        o.embedded_resource = true;
    }
    s
}

/// A Kubernetes quantity (`100m`, `64Mi`): an integer, or a string of that form.
fn quantity() -> Schema {
    let mut rules = IntOrStringRules::default();
    rules.string.pattern = Some(QUANTITY_PATTERN.to_string());
    node(Ty::IntOrString(rules))
}

fn strings() -> Schema {
    array(string())
}

/// The labels and annotations given to what is made from a template.
fn labels_and_annotations() -> Schema {
    obj([("annotations", map(string())), ("labels", map(string()))])
}

// ---------------------------------------------------------------------------------------
// CompositeResourceDefinition

/// The two served versions of an XRD, which differ in their scopes and defaults.
#[derive(Clone, Copy, PartialEq)]
enum XrdVersion {
    V1,
    V2,
}

fn xrd(version: XrdVersion) -> Schema {
    let names = || {
        obj([
            ("categories", strings()),
            ("kind", string()),
            ("listKind", string()),
            ("plural", string()),
            ("shortNames", strings()),
            ("singular", string()),
        ])
        .required(["kind", "plural"])
    };
    let named = || obj([("name", string())]).required(["name"]);
    let service = obj([("name", string()), ("namespace", string()), ("path", string()), ("port", int32())])
        .required(["name", "namespace"]);
    let webhook = obj([
        ("clientConfig", obj([("caBundle", bytes()), ("service", service), ("url", string())])),
        ("conversionReviewVersions", strings()),
    ])
    .required(["conversionReviewVersions"]);
    let mut delete_policy = enum_of(["Background", "Foreground"]);
    let scope = match version {
        XrdVersion::V1 => {
            delete_policy = delete_policy.with_default("Background");
            enum_of([xp::SCOPE_LEGACY_CLUSTER, xp::SCOPE_NAMESPACED, xp::SCOPE_CLUSTER])
                .with_default(xp::SCOPE_LEGACY_CLUSTER)
        }
        XrdVersion::V2 => enum_of([xp::SCOPE_NAMESPACED, xp::SCOPE_CLUSTER]).with_default(xp::SCOPE_NAMESPACED),
    };
    let printer_column = obj([
        ("description", string()),
        ("format", string()),
        ("jsonPath", string()),
        ("name", string()),
        ("priority", int32()),
        ("type", string()),
    ])
    .required(["jsonPath", "name", "type"]);
    let scale =
        obj([("labelSelectorPath", string()), ("specReplicasPath", string()), ("statusReplicasPath", string())])
            .required(["specReplicasPath", "statusReplicasPath"]);
    let version_entry = obj([
        ("additionalPrinterColumns", array(printer_column)),
        ("deprecated", boolean()),
        ("deprecationWarning", string().max_len(256)),
        ("name", string()),
        ("referenceable", boolean()),
        ("schema", obj([("openAPIV3Schema", obj([]).open())])),
        ("served", boolean()),
        ("subresources", obj([("scale", scale)])),
    ])
    .required(["name", "referenceable", "served"]);
    let spec = obj([
        ("claimNames", names()),
        ("connectionSecretKeys", strings()),
        ("conversion", obj([("strategy", string()), ("webhook", webhook)]).required(["strategy"])),
        ("defaultCompositeDeletePolicy", delete_policy),
        ("defaultCompositionRef", named()),
        ("defaultCompositionRevisionSelector", label_selector()),
        ("defaultCompositionUpdatePolicy", enum_of(["Automatic", "Manual"]).with_default("Automatic")),
        ("enforcedCompositionRef", named()),
        ("group", string()),
        ("metadata", labels_and_annotations()),
        ("names", names()),
        ("scope", scope),
        ("versions", array(version_entry)),
    ])
    .required(["group", "names", "versions"]);
    let api_version = match version {
        XrdVersion::V1 => format!("{}/{}", xp::APIEXTENSIONS_GROUP, xp::APIEXTENSIONS_V1),
        XrdVersion::V2 => xp::XRD_API_VERSION.to_string(),
    };
    top_level(&api_version, xp::COMPOSITE_RESOURCE_DEFINITION, spec, true)
}

// ---------------------------------------------------------------------------------------
// Composition

fn composition() -> Schema {
    let type_ref = || obj([("apiVersion", string()), ("kind", string())]).required(["apiVersion", "kind"]);
    let credentials = obj([
        ("name", string()),
        ("secretRef", obj([("name", string()), ("namespace", string())]).required(["name", "namespace"])),
        ("source", enum_of(["None", "Secret"])),
    ])
    .required(["name", "source"]);
    let required_resource = obj([
        ("apiVersion", string()),
        ("kind", string()),
        ("matchLabels", map(string())),
        ("name", string()),
        ("namespace", string()),
        ("requirementName", string()),
    ])
    .required(["apiVersion", "kind", "requirementName"]);
    let required_schema = obj([("apiVersion", string()), ("kind", string()), ("requirementName", string())])
        .required(["apiVersion", "kind", "requirementName"]);
    let step = obj([
        ("credentials", array(credentials).list_map(["name"])),
        ("functionRef", obj([("name", string())]).required(["name"])),
        ("input", embedded_object()),
        (
            "requirements",
            obj([
                ("requiredResources", array(required_resource).list_map(["requirementName"])),
                ("requiredSchemas", array(required_schema).list_map(["requirementName"])),
            ]),
        ),
        ("step", string()),
    ])
    .required(["functionRef", "step"]);
    let spec = obj([
        ("compositeTypeRef", type_ref()),
        ("mode", enum_of([xp::MODE_PIPELINE]).with_default(xp::MODE_PIPELINE)),
        ("pipeline", items_between(array(step).list_map(["step"]), Some(1), Some(99))),
        ("writeConnectionSecretsToNamespace", string()),
    ])
    .required(["compositeTypeRef"]);
    top_level(xp::COMPOSITION_API_VERSION, xp::COMPOSITION, spec, false)
}

// ---------------------------------------------------------------------------------------
// Provider, Function, Configuration

/// A package's spec; Providers and Functions also name the DeploymentRuntimeConfig their
/// pods run with (`runtime`).
fn package(kind: &str, runtime: bool) -> Schema {
    let pull_secret = obj([("name", string().with_default(""))]);
    let mut spec = obj([
        ("commonAnnotations", map(string())),
        ("commonLabels", map(string())),
        ("ignoreCrossplaneConstraints", boolean().with_default_json(json!(false))),
        ("package", string()),
        ("packagePullPolicy", string().with_default("IfNotPresent")),
        ("packagePullSecrets", array(pull_secret)),
        ("revisionActivationPolicy", string().with_default("Automatic")),
        ("revisionHistoryLimit", int64().with_default_json(json!(1))),
        ("skipDependencyResolution", boolean().with_default_json(json!(false))),
    ])
    .required(["package"]);
    if runtime && let Ty::Object(o) = &mut spec.ty {
        let runtime_config_ref = obj([
            ("apiVersion", string().with_default(xp::RUNTIME_CONFIG_API_VERSION)),
            ("kind", string().with_default(xp::DEPLOYMENT_RUNTIME_CONFIG)),
            ("name", string()),
        ])
        .required(["name"])
        .with_default_json(json!({ "name": xp::DEFAULT_RUNTIME_CONFIG }));
        o.properties.insert("runtimeConfigRef".to_string(), Arc::new(runtime_config_ref));
    }
    top_level(xp::PKG_API_VERSION, kind, spec, true)
}

// ---------------------------------------------------------------------------------------
// DeploymentRuntimeConfig

fn runtime_config() -> Schema {
    let object_metadata = || obj([("annotations", map(string())), ("labels", map(string())), ("name", string())]);
    let spec = obj([
        ("deploymentTemplate", obj([("metadata", object_metadata()), ("spec", deployment_spec())])),
        ("serviceAccountTemplate", obj([("metadata", object_metadata())])),
        ("serviceTemplate", obj([("metadata", object_metadata())])),
    ]);
    top_level(xp::RUNTIME_CONFIG_API_VERSION, xp::DEPLOYMENT_RUNTIME_CONFIG, spec, false)
}

fn deployment_spec() -> Schema {
    let rolling_update = obj([("maxSurge", int_or_string()), ("maxUnavailable", int_or_string())]);
    obj([
        ("minReadySeconds", int32()),
        ("paused", boolean()),
        ("progressDeadlineSeconds", int32()),
        ("replicas", int32()),
        ("revisionHistoryLimit", int32()),
        ("selector", label_selector()),
        ("strategy", obj([("rollingUpdate", rolling_update), ("type", string())])),
        ("template", obj([("metadata", template_metadata()), ("spec", pod_spec())])),
    ])
    .required(["selector", "template"])
}

/// The metadata of a pod template (or of a volume claim template).
fn template_metadata() -> Schema {
    obj([
        ("annotations", map(string())),
        ("finalizers", strings()),
        ("labels", map(string())),
        ("name", string()),
        ("namespace", string()),
    ])
}

fn pod_spec() -> Schema {
    let dns_config = obj([
        ("nameservers", strings()),
        ("options", array(obj([("name", string()), ("value", string())]))),
        ("searches", strings()),
    ]);
    let host_alias = obj([("hostnames", strings()), ("ip", string())]).required(["ip"]);
    let image_pull_secret = obj([("name", string().with_default(""))]).required(["name"]);
    let named = || obj([("name", string())]).required(["name"]);
    let resource_claim =
        obj([("name", string()), ("resourceClaimName", string()), ("resourceClaimTemplateName", string())])
            .required(["name"]);
    let toleration = obj([
        ("effect", string()),
        ("key", string()),
        ("operator", string()),
        ("tolerationSeconds", int64()),
        ("value", string()),
    ]);
    let spread = obj([
        ("labelSelector", label_selector()),
        ("matchLabelKeys", strings()),
        ("maxSkew", int32()),
        ("minDomains", int32()),
        ("nodeAffinityPolicy", string()),
        ("nodeTaintsPolicy", string()),
        ("topologyKey", string()),
        ("whenUnsatisfiable", string()),
    ])
    .required(["maxSkew", "topologyKey", "whenUnsatisfiable"]);
    let workload_ref = obj([("name", string()), ("podGroup", string()), ("podGroupReplicaKey", string())])
        .required(["name", "podGroup"]);
    obj([
        ("activeDeadlineSeconds", int64()),
        ("affinity", affinity()),
        ("automountServiceAccountToken", boolean()),
        ("containers", array(container(false)).list_map(["name"])),
        ("dnsConfig", dns_config),
        ("dnsPolicy", string()),
        ("enableServiceLinks", boolean()),
        ("ephemeralContainers", array(container(true)).list_map(["name"])),
        ("hostAliases", array(host_alias).list_map(["ip"])),
        ("hostIPC", boolean()),
        ("hostNetwork", boolean()),
        ("hostPID", boolean()),
        ("hostUsers", boolean()),
        ("hostname", string()),
        ("hostnameOverride", string()),
        ("imagePullSecrets", array(image_pull_secret).list_map(["name"])),
        ("initContainers", array(container(false)).list_map(["name"])),
        ("nodeName", string()),
        ("nodeSelector", map(string())),
        ("os", named()),
        ("overhead", map(quantity())),
        ("preemptionPolicy", string()),
        ("priority", int32()),
        ("priorityClassName", string()),
        ("readinessGates", array(obj([("conditionType", string())]).required(["conditionType"]))),
        ("resourceClaims", array(resource_claim).list_map(["name"])),
        ("resources", resources()),
        ("restartPolicy", string()),
        ("runtimeClassName", string()),
        ("schedulerName", string()),
        ("schedulingGates", array(named()).list_map(["name"])),
        ("securityContext", pod_security_context()),
        ("serviceAccount", string()),
        ("serviceAccountName", string()),
        ("setHostnameAsFQDN", boolean()),
        ("shareProcessNamespace", boolean()),
        ("subdomain", string()),
        ("terminationGracePeriodSeconds", int64()),
        ("tolerations", array(toleration)),
        ("topologySpreadConstraints", array(spread).list_map(["topologyKey", "whenUnsatisfiable"])),
        ("volumes", array(volume()).list_map(["name"])),
        ("workloadRef", workload_ref),
    ])
    .required(["containers"])
}

/// A container; an ephemeral one also names the container it targets.
fn container(ephemeral: bool) -> Schema {
    let port = obj([
        ("containerPort", int32()),
        ("hostIP", string()),
        ("hostPort", int32()),
        ("name", string()),
        ("protocol", string().with_default("TCP")),
    ])
    .required(["containerPort"]);
    let resize_policy =
        obj([("resourceName", string()), ("restartPolicy", string())]).required(["resourceName", "restartPolicy"]);
    let restart_rule = obj([
        ("action", string()),
        ("exitCodes", obj([("operator", string()), ("values", set(int32()))]).required(["operator"])),
    ])
    .required(["action"]);
    let volume_device = obj([("devicePath", string()), ("name", string())]).required(["devicePath", "name"]);
    let volume_mount = obj([
        ("mountPath", string()),
        ("mountPropagation", string()),
        ("name", string()),
        ("readOnly", boolean()),
        ("recursiveReadOnly", string()),
        ("subPath", string()),
        ("subPathExpr", string()),
    ])
    .required(["mountPath", "name"]);
    let mut c = obj([
        ("args", strings()),
        ("command", strings()),
        ("env", array(env_var()).list_map(["name"])),
        ("envFrom", array(env_from())),
        ("image", string()),
        ("imagePullPolicy", string()),
        ("lifecycle", obj([("postStart", handler()), ("preStop", handler()), ("stopSignal", string())])),
        ("livenessProbe", probe()),
        ("name", string()),
        ("ports", array(port).list_map(["containerPort", "protocol"])),
        ("readinessProbe", probe()),
        ("resizePolicy", array(resize_policy)),
        ("resources", resources()),
        ("restartPolicy", string()),
        ("restartPolicyRules", array(restart_rule)),
        ("securityContext", container_security_context()),
        ("startupProbe", probe()),
        ("stdin", boolean()),
        ("stdinOnce", boolean()),
        ("terminationMessagePath", string()),
        ("terminationMessagePolicy", string()),
        ("tty", boolean()),
        ("volumeDevices", array(volume_device).list_map(["devicePath"])),
        ("volumeMounts", array(volume_mount).list_map(["mountPath"])),
        ("workingDir", string()),
    ])
    .required(["name"]);
    if ephemeral && let Ty::Object(o) = &mut c.ty {
        o.properties.insert("targetContainerName".to_string(), Arc::new(string()));
    }
    c
}

fn env_var() -> Schema {
    let file_key_ref = obj([
        ("key", string()),
        ("optional", boolean().with_default_json(json!(false))),
        ("path", string()),
        ("volumeName", string()),
    ])
    .required(["key", "path", "volumeName"]);
    let value_from = obj([
        ("configMapKeyRef", key_ref()),
        ("fieldRef", field_ref()),
        ("fileKeyRef", file_key_ref),
        ("resourceFieldRef", resource_field_ref()),
        ("secretKeyRef", key_ref()),
    ]);
    obj([("name", string()), ("value", string()), ("valueFrom", value_from)]).required(["name"])
}

/// A key of a ConfigMap or Secret.
fn key_ref() -> Schema {
    obj([("key", string()), ("name", string().with_default("")), ("optional", boolean())]).required(["key"])
}

/// A whole ConfigMap or Secret, maybe optional.
fn optional_ref() -> Schema {
    obj([("name", string().with_default("")), ("optional", boolean())])
}

/// An object of the pod's namespace, by name.
fn local_ref() -> Schema {
    obj([("name", string().with_default(""))])
}

fn field_ref() -> Schema {
    obj([("apiVersion", string()), ("fieldPath", string())]).required(["fieldPath"])
}

fn resource_field_ref() -> Schema {
    obj([("containerName", string()), ("divisor", quantity()), ("resource", string())]).required(["resource"])
}

fn env_from() -> Schema {
    obj([("configMapRef", optional_ref()), ("prefix", string()), ("secretRef", optional_ref())])
}

fn exec() -> Schema {
    obj([("command", strings())])
}

fn http_get() -> Schema {
    let header = obj([("name", string()), ("value", string())]).required(["name", "value"]);
    obj([
        ("host", string()),
        ("httpHeaders", array(header)),
        ("path", string()),
        ("port", int_or_string()),
        ("scheme", string()),
    ])
    .required(["port"])
}

fn tcp_socket() -> Schema {
    obj([("host", string()), ("port", int_or_string())]).required(["port"])
}

/// A lifecycle hook.
fn handler() -> Schema {
    obj([
        ("exec", exec()),
        ("httpGet", http_get()),
        ("sleep", obj([("seconds", int64())]).required(["seconds"])),
        ("tcpSocket", tcp_socket()),
    ])
}

fn probe() -> Schema {
    obj([
        ("exec", exec()),
        ("failureThreshold", int32()),
        ("grpc", obj([("port", int32()), ("service", string().with_default(""))]).required(["port"])),
        ("httpGet", http_get()),
        ("initialDelaySeconds", int32()),
        ("periodSeconds", int32()),
        ("successThreshold", int32()),
        ("tcpSocket", tcp_socket()),
        ("terminationGracePeriodSeconds", int64()),
        ("timeoutSeconds", int32()),
    ])
}

/// A container's (or the pod's) resources.
fn resources() -> Schema {
    let claim = obj([("name", string()), ("request", string())]).required(["name"]);
    obj([("claims", array(claim).list_map(["name"])), ("limits", map(quantity())), ("requests", map(quantity()))])
}

/// An AppArmor or seccomp profile.
fn profile() -> Schema {
    obj([("localhostProfile", string()), ("type", string())]).required(["type"])
}

fn se_linux_options() -> Schema {
    obj([("level", string()), ("role", string()), ("type", string()), ("user", string())])
}

fn windows_options() -> Schema {
    obj([
        ("gmsaCredentialSpec", string()),
        ("gmsaCredentialSpecName", string()),
        ("hostProcess", boolean()),
        ("runAsUserName", string()),
    ])
}

fn container_security_context() -> Schema {
    obj([
        ("allowPrivilegeEscalation", boolean()),
        ("appArmorProfile", profile()),
        ("capabilities", obj([("add", strings()), ("drop", strings())])),
        ("privileged", boolean()),
        ("procMount", string()),
        ("readOnlyRootFilesystem", boolean()),
        ("runAsGroup", int64()),
        ("runAsNonRoot", boolean()),
        ("runAsUser", int64()),
        ("seLinuxOptions", se_linux_options()),
        ("seccompProfile", profile()),
        ("windowsOptions", windows_options()),
    ])
}

fn pod_security_context() -> Schema {
    let sysctl = obj([("name", string()), ("value", string())]).required(["name", "value"]);
    obj([
        ("appArmorProfile", profile()),
        ("fsGroup", int64()),
        ("fsGroupChangePolicy", string()),
        ("runAsGroup", int64()),
        ("runAsNonRoot", boolean()),
        ("runAsUser", int64()),
        ("seLinuxChangePolicy", string()),
        ("seLinuxOptions", se_linux_options()),
        ("seccompProfile", profile()),
        ("supplementalGroups", array(int64())),
        ("supplementalGroupsPolicy", string()),
        ("sysctls", array(sysctl)),
        ("windowsOptions", windows_options()),
    ])
}

/// The keys of a ConfigMap or Secret projected into files.
fn key_to_paths() -> Schema {
    array(obj([("key", string()), ("mode", int32()), ("path", string())]).required(["key", "path"]))
}

/// Files of the pod's own fields (downward API).
fn downward_api_items() -> Schema {
    array(
        obj([
            ("fieldRef", field_ref()),
            ("mode", int32()),
            ("path", string()),
            ("resourceFieldRef", resource_field_ref()),
        ])
        .required(["path"]),
    )
}

fn volume() -> Schema {
    let volume_claim_spec = obj([
        ("accessModes", strings()),
        (
            "dataSource",
            obj([("apiGroup", string()), ("kind", string()), ("name", string())]).required(["kind", "name"]),
        ),
        (
            "dataSourceRef",
            obj([("apiGroup", string()), ("kind", string()), ("name", string()), ("namespace", string())])
                .required(["kind", "name"]),
        ),
        ("resources", obj([("limits", map(quantity())), ("requests", map(quantity()))])),
        ("selector", label_selector()),
        ("storageClassName", string()),
        ("volumeAttributesClassName", string()),
        ("volumeMode", string()),
        ("volumeName", string()),
    ]);
    let projected_key_source =
        || obj([("items", key_to_paths()), ("name", string().with_default("")), ("optional", boolean())]);
    let projection = obj([
        (
            "clusterTrustBundle",
            obj([
                ("labelSelector", label_selector()),
                ("name", string()),
                ("optional", boolean()),
                ("path", string()),
                ("signerName", string()),
            ])
            .required(["path"]),
        ),
        ("configMap", projected_key_source()),
        ("downwardAPI", obj([("items", downward_api_items())])),
        (
            "podCertificate",
            obj([
                ("certificateChainPath", string()),
                ("credentialBundlePath", string()),
                ("keyPath", string()),
                ("keyType", string()),
                ("maxExpirationSeconds", int32()),
                ("signerName", string()),
                ("userAnnotations", map(string())),
            ])
            .required(["keyType", "signerName"]),
        ),
        ("secret", projected_key_source()),
        (
            "serviceAccountToken",
            obj([("audience", string()), ("expirationSeconds", int64()), ("path", string())]).required(["path"]),
        ),
    ]);
    obj([
        (
            "awsElasticBlockStore",
            obj([("fsType", string()), ("partition", int32()), ("readOnly", boolean()), ("volumeID", string())])
                .required(["volumeID"]),
        ),
        (
            "azureDisk",
            obj([
                ("cachingMode", string()),
                ("diskName", string()),
                ("diskURI", string()),
                ("fsType", string().with_default("ext4")),
                ("kind", string()),
                ("readOnly", boolean().with_default_json(json!(false))),
            ])
            .required(["diskName", "diskURI"]),
        ),
        (
            "azureFile",
            obj([("readOnly", boolean()), ("secretName", string()), ("shareName", string())])
                .required(["secretName", "shareName"]),
        ),
        (
            "cephfs",
            obj([
                ("monitors", strings()),
                ("path", string()),
                ("readOnly", boolean()),
                ("secretFile", string()),
                ("secretRef", local_ref()),
                ("user", string()),
            ])
            .required(["monitors"]),
        ),
        (
            "cinder",
            obj([("fsType", string()), ("readOnly", boolean()), ("secretRef", local_ref()), ("volumeID", string())])
                .required(["volumeID"]),
        ),
        (
            "configMap",
            obj([
                ("defaultMode", int32()),
                ("items", key_to_paths()),
                ("name", string().with_default("")),
                ("optional", boolean()),
            ]),
        ),
        (
            "csi",
            obj([
                ("driver", string()),
                ("fsType", string()),
                ("nodePublishSecretRef", local_ref()),
                ("readOnly", boolean()),
                ("volumeAttributes", map(string())),
            ])
            .required(["driver"]),
        ),
        ("downwardAPI", obj([("defaultMode", int32()), ("items", downward_api_items())])),
        ("emptyDir", obj([("medium", string()), ("sizeLimit", quantity())])),
        (
            "ephemeral",
            obj([(
                "volumeClaimTemplate",
                obj([("metadata", template_metadata()), ("spec", volume_claim_spec)]).required(["spec"]),
            )]),
        ),
        (
            "fc",
            obj([
                ("fsType", string()),
                ("lun", int32()),
                ("readOnly", boolean()),
                ("targetWWNs", strings()),
                ("wwids", strings()),
            ]),
        ),
        (
            "flexVolume",
            obj([
                ("driver", string()),
                ("fsType", string()),
                ("options", map(string())),
                ("readOnly", boolean()),
                ("secretRef", local_ref()),
            ])
            .required(["driver"]),
        ),
        ("flocker", obj([("datasetName", string()), ("datasetUUID", string())])),
        (
            "gcePersistentDisk",
            obj([("fsType", string()), ("partition", int32()), ("pdName", string()), ("readOnly", boolean())])
                .required(["pdName"]),
        ),
        (
            "gitRepo",
            obj([("directory", string()), ("repository", string()), ("revision", string())]).required(["repository"]),
        ),
        (
            "glusterfs",
            obj([("endpoints", string()), ("path", string()), ("readOnly", boolean())]).required(["endpoints", "path"]),
        ),
        ("hostPath", obj([("path", string()), ("type", string())]).required(["path"])),
        ("image", obj([("pullPolicy", string()), ("reference", string())])),
        (
            "iscsi",
            obj([
                ("chapAuthDiscovery", boolean()),
                ("chapAuthSession", boolean()),
                ("fsType", string()),
                ("initiatorName", string()),
                ("iqn", string()),
                ("iscsiInterface", string().with_default("default")),
                ("lun", int32()),
                ("portals", strings()),
                ("readOnly", boolean()),
                ("secretRef", local_ref()),
                ("targetPortal", string()),
            ])
            .required(["iqn", "lun", "targetPortal"]),
        ),
        ("name", string()),
        ("nfs", obj([("path", string()), ("readOnly", boolean()), ("server", string())]).required(["path", "server"])),
        ("persistentVolumeClaim", obj([("claimName", string()), ("readOnly", boolean())]).required(["claimName"])),
        ("photonPersistentDisk", obj([("fsType", string()), ("pdID", string())]).required(["pdID"])),
        (
            "portworxVolume",
            obj([("fsType", string()), ("readOnly", boolean()), ("volumeID", string())]).required(["volumeID"]),
        ),
        ("projected", obj([("defaultMode", int32()), ("sources", array(projection))])),
        (
            "quobyte",
            obj([
                ("group", string()),
                ("readOnly", boolean()),
                ("registry", string()),
                ("tenant", string()),
                ("user", string()),
                ("volume", string()),
            ])
            .required(["registry", "volume"]),
        ),
        (
            "rbd",
            obj([
                ("fsType", string()),
                ("image", string()),
                ("keyring", string().with_default("/etc/ceph/keyring")),
                ("monitors", strings()),
                ("pool", string().with_default("rbd")),
                ("readOnly", boolean()),
                ("secretRef", local_ref()),
                ("user", string().with_default("admin")),
            ])
            .required(["image", "monitors"]),
        ),
        (
            "scaleIO",
            obj([
                ("fsType", string().with_default("xfs")),
                ("gateway", string()),
                ("protectionDomain", string()),
                ("readOnly", boolean()),
                ("secretRef", local_ref()),
                ("sslEnabled", boolean()),
                ("storageMode", string().with_default("ThinProvisioned")),
                ("storagePool", string()),
                ("system", string()),
                ("volumeName", string()),
            ])
            .required(["gateway", "secretRef", "system"]),
        ),
        (
            "secret",
            obj([
                ("defaultMode", int32()),
                ("items", key_to_paths()),
                ("optional", boolean()),
                ("secretName", string()),
            ]),
        ),
        (
            "storageos",
            obj([
                ("fsType", string()),
                ("readOnly", boolean()),
                ("secretRef", local_ref()),
                ("volumeName", string()),
                ("volumeNamespace", string()),
            ]),
        ),
        (
            "vsphereVolume",
            obj([
                ("fsType", string()),
                ("storagePolicyID", string()),
                ("storagePolicyName", string()),
                ("volumePath", string()),
            ])
            .required(["volumePath"]),
        ),
    ])
    .required(["name"])
}

// ---------------------------------------------------------------------------------------
// function-patch-and-transform's input

/// The whole schema of function-patch-and-transform's input (`pt.fn.crossplane.io/v1beta1`
/// `Resources`), envelope included: what a Composition's pipeline step running that
/// function takes as `input`.
pub fn patch_and_transform_input() -> Schema {
    let resource = obj([
        ("base", embedded_object()),
        ("connectionDetails", array(connection_detail())),
        ("name", string()),
        ("patches", array(patch(&RESOURCE_PATCH_TYPES, true))),
        ("readinessChecks", array(readiness_check()).with_default_json(json!([default_readiness_check()]))),
    ])
    .required(["name"]);
    let patch_set = obj([("name", string()), ("patches", array(patch(&PATCH_SET_PATCH_TYPES, false)))])
        .required(["name", "patches"]);
    let connection_secret = obj([
        ("name", string()),
        ("namespace", string()),
        ("patches", array(patch(&CONNECTION_SECRET_PATCH_TYPES, false))),
    ]);
    let mut object = Object::default();
    let fields = [
        ("environment", obj([("patches", array(patch(&ENVIRONMENT_PATCH_TYPES, false)))])),
        ("patchSets", array(patch_set)),
        ("resources", array(resource)),
        ("writeConnectionSecretToRef", connection_secret),
    ];
    for (name, schema) in fields {
        object.properties.insert(name.to_string(), Arc::new(schema));
    }
    object.required = vec!["resources".to_string()];
    crd::add_envelope(&mut object, xp::PT_API_VERSION, xp::RESOURCES);
    node(Ty::Object(object))
}

/// The patch types of a composed resource's patches.
const RESOURCE_PATCH_TYPES: [&str; 9] = [
    "FromCompositeFieldPath",
    "PatchSet",
    "ToCompositeFieldPath",
    "CombineFromComposite",
    "CombineToComposite",
    "FromEnvironmentFieldPath",
    "ToEnvironmentFieldPath",
    "CombineFromEnvironment",
    "CombineToEnvironment",
];

/// The patch types of a patch set (all but `PatchSet`).
const PATCH_SET_PATCH_TYPES: [&str; 8] = [
    "FromCompositeFieldPath",
    "ToCompositeFieldPath",
    "CombineFromComposite",
    "CombineToComposite",
    "FromEnvironmentFieldPath",
    "ToEnvironmentFieldPath",
    "CombineFromEnvironment",
    "CombineToEnvironment",
];

/// The patch types of the environment's patches.
const ENVIRONMENT_PATCH_TYPES: [&str; 6] = [
    "FromCompositeFieldPath",
    "ToCompositeFieldPath",
    "CombineFromComposite",
    "CombineToComposite",
    "FromEnvironmentFieldPath",
    "ToEnvironmentFieldPath",
];

/// The patch types of the connection Secret's patches.
const CONNECTION_SECRET_PATCH_TYPES: [&str; 2] = ["FromCompositeFieldPath", "CombineFromComposite"];

/// A patch whose `type` is one of `types`; a composed resource's patches may also name a
/// patch set (`patch_set_name`).
fn patch(types: &[&str], patch_set_name: bool) -> Schema {
    let combine = obj([
        ("strategy", enum_of(["string"])),
        ("string", obj([("fmt", string())]).required(["fmt"])),
        (
            "variables",
            items_between(array(obj([("fromFieldPath", string())]).required(["fromFieldPath"])), Some(1), None),
        ),
    ])
    .required(["strategy", "variables"]);
    let policy = obj([
        ("fromFieldPath", enum_of(["Optional", "Required"])),
        (
            "toFieldPath",
            enum_of([
                "Replace",
                "MergeObjects",
                "MergeObjectsAppendArrays",
                "ForceMergeObjects",
                "ForceMergeObjectsAppendArrays",
                "MergeObject",
                "AppendArray",
            ]),
        ),
    ]);
    let type_rules =
        StringRules { enum_values: Some(types.iter().map(|t| (*t).to_string()).collect()), ..StringRules::default() };
    let mut p = obj([
        ("combine", combine),
        ("fromFieldPath", string()),
        ("policy", policy),
        ("toFieldPath", string()),
        ("transforms", array(transform())),
        ("type", node(Ty::String(type_rules)).with_default("FromCompositeFieldPath")),
    ]);
    if patch_set_name && let Ty::Object(o) = &mut p.ty {
        o.properties.insert("patchSetName".to_string(), Arc::new(string()));
    }
    p
}

fn transform() -> Schema {
    let convert = obj([
        ("format", enum_of(["none", "quantity", "json"])),
        ("toType", enum_of(["string", "int", "int64", "bool", "float64", "object", "array"])),
    ])
    .required(["toType"]);
    let pattern = obj([
        ("literal", string()),
        ("regexp", string()),
        ("result", any()),
        ("type", enum_of(["literal", "regexp"]).with_default("literal")),
    ])
    .required(["result", "type"]);
    let matching = obj([
        ("fallbackTo", enum_of(["Value", "Input"]).with_default("Value")),
        ("fallbackValue", any()),
        ("patterns", array(pattern)),
    ]);
    let math = obj([
        ("clampMax", int64()),
        ("clampMin", int64()),
        ("multiply", int64()),
        ("type", enum_of(["Multiply", "ClampMin", "ClampMax"]).with_default("Multiply")),
    ]);
    let string_transform = obj([
        (
            "convert",
            enum_of(["ToUpper", "ToLower", "ToBase64", "FromBase64", "ToJson", "ToSha1", "ToSha256", "ToSha512"]),
        ),
        ("fmt", string()),
        ("join", obj([("separator", string())]).required(["separator"])),
        ("regexp", obj([("group", int()), ("match", string())]).required(["match"])),
        ("replace", obj([("replace", string()), ("search", string())]).required(["replace", "search"])),
        ("trim", string()),
        ("type", enum_of(["Format", "Convert", "TrimPrefix", "TrimSuffix", "Regexp"]).with_default("Format")),
    ])
    .required(["type"]);
    obj([
        ("convert", convert),
        ("map", obj([]).open()),
        ("match", matching),
        ("math", math),
        ("string", string_transform),
        ("type", enum_of(["map", "match", "math", "string", "convert"])),
    ])
    .required(["type"])
}

/// Where a connection detail of a composed resource comes from.
fn connection_detail() -> Schema {
    obj([
        ("fromConnectionSecretKey", string()),
        ("fromFieldPath", string()),
        ("name", string()),
        ("type", enum_of(["FromConnectionSecretKey", "FromFieldPath", "FromValue"])),
        ("value", string()),
    ])
    .required(["name", "type"])
}

fn readiness_check() -> Schema {
    obj([
        ("fieldPath", string()),
        (
            "matchCondition",
            obj([("status", string().with_default("True")), ("type", string().with_default("Ready"))])
                .required(["status", "type"]),
        ),
        ("matchInteger", int64()),
        ("matchString", string()),
        (
            "type",
            enum_of(["MatchString", "MatchInteger", "NonEmpty", "MatchCondition", "MatchTrue", "MatchFalse", "None"]),
        ),
    ])
    .required(["type"])
}

/// What a composed resource is ready by when it names no check: its `Ready` condition.
fn default_readiness_check() -> serde_json::Value {
    json!({ "type": "MatchCondition", "matchCondition": { "type": "Ready", "status": "True" } })
}
