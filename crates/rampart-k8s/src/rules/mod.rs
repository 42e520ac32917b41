//! The manifest rules, one file each, and the registry that lists them.
//!
//! A rule file opens with its documentation (`//!`, sections *What it
//! checks*, *Why it matters*, *How to fix*, *Example*), then declares
//! `pub static RULE: Rule` and its check, then its tests: a fixture where it
//! fires and one where it must stay quiet. `rampart rules`, `rampart
//! explain` and `docs/rules/` all read this registry.

mod admission;
mod control_plane;
mod exceptions;
mod exposure;

pub(crate) use admission::webhook_fail_closed_kube_system::covers_pod_creation as webhook_covers_pod_creation;
pub(crate) use control_plane::component as control_plane_component;
pub(crate) use exposure::service_is_public;
pub(crate) mod images;
pub(crate) mod isolation;
mod network;
mod rbac;
pub(crate) mod runtime;
mod secrets;
pub(crate) mod workload;

/// kubectl's last-applied annotation, which a cluster audit empties on
/// Secrets before anything reads them.
pub mod secret_last_applied {
    pub use super::secrets::secret_last_applied_annotation::LAST_APPLIED;
}

/// The lists the Pod Security rules judge by, for what generates their
/// admission policies (the CEL must say exactly what the rules say).
pub mod vocabulary {
    pub use super::runtime::apparmor_not_unconfined::ANNOTATION_PREFIX as APPARMOR_ANNOTATION_PREFIX;
    pub use super::runtime::restricted_volume_types::ALLOWED as RESTRICTED_VOLUME_TYPES;
    pub use super::runtime::selinux_options_restricted::ALLOWED_TYPES as SELINUX_TYPES;
    pub use super::runtime::sysctls_safe::SAFE_SYSCTLS;
    pub use super::runtime::{
        BASELINE_CAPABILITIES, DANGEROUS_CAPABILITIES, ORDINARY_HOST_PATHS, RUNTIME_SOCKETS, SENSITIVE_HOST_PATHS,
    };
}

use std::borrow::Cow;

use rampart_core::{Finding, Location, RuleMeta, Severity};

use crate::engine::{Condition, RuleContext};
use crate::inventory::{Inventory, Site};
use crate::object::Object;
use crate::workload::{Container, PodSpec};
use crate::yaml::Pos;

include!(concat!(env!("OUT_DIR"), "/rule_docs.rs"));

/// What a rule looks at.
#[derive(Clone, Copy)]
pub enum Check {
    /// Every pod spec of a workload object (Pod, Deployment, CronJob, ...).
    Pod(fn(&PodSpec<'_>, &RuleContext<'_>, &mut Reporter<'_>)),
    /// Every object, whatever its kind; the rule judges its `Subjects`.
    Object(Subjects, fn(&Object, &RuleContext<'_>, &mut Reporter<'_>)),
    /// The whole scan's inventory, once every input is read.
    Inventory(Subjects, fn(&Inventory, &RuleContext<'_>, &mut InventoryReporter<'_>)),
}

/// The objects a rule passes judgement on. A control passes only when one
/// of its rules judged at least one subject, so this must name exactly what
/// the check reads: a rule over nothing it applies to proves nothing.
#[derive(Clone, Copy, Debug)]
pub enum Subjects {
    /// Objects of these (API group, kind) pairs; `""` is the core group.
    Kinds(&'static [(&'static str, &'static str)]),
    /// Workload objects (any kind the workload-kinds configuration knows),
    /// with or without a pod spec.
    Workloads,
    /// Objects that carry a waiver annotation.
    Waivers,
    /// Every object (annotations, for instance).
    AnyObject,
    /// Pods that run this control-plane program (`kube-apiserver`): its
    /// static pod manifest, or the mirror pod a cluster shows.
    Component(&'static str),
    /// Objects of these kinds in a cluster audit only: the rule judges
    /// what the cluster lacks, which a repository may keep elsewhere.
    InCluster(&'static [(&'static str, &'static str)]),
    /// Secrets whose values were compared with other clusters'
    /// (`rampart audit --compare-secret-values`).
    ComparedSecrets,
    /// Objects with a pod spec, when rampart.toml or the command line gives
    /// the rule something to judge them by: without it, the rule proves
    /// nothing.
    PodsWhen(Setting),
}

/// A setting that turns a rule on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    /// `[[images.block]]`.
    BlockedImages,
    /// `allowed-registries`, `--allowed-registry`.
    AllowedRegistries,
}

/// Role and ClusterRole.
pub const ROLES: &[(&str, &str)] = &[
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
];
/// RoleBinding and ClusterRoleBinding.
pub const BINDINGS: &[(&str, &str)] = &[
    ("rbac.authorization.k8s.io", "RoleBinding"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
];
/// Every RBAC object.
pub const RBAC_OBJECTS: &[(&str, &str)] = &[
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
];
pub const SERVICES: &[(&str, &str)] = &[("", "Service")];
pub const NETWORK_POLICIES: &[(&str, &str)] = &[("networking.k8s.io", "NetworkPolicy")];
pub const SECRETS: &[(&str, &str)] = &[("", "Secret")];

/// What the engine found out about an object once, for every rule's
/// [`Rule::judges`].
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// The scan reads a cluster (`ScanConfig::cluster`).
    pub in_cluster: bool,
    /// Its Secrets' values were compared with other clusters'.
    pub secrets_compared: bool,
    pub has_pod: bool,
    pub is_workload: bool,
    pub has_waivers: bool,
    /// Images are blocked (`[[images.block]]`).
    pub images_blocked: bool,
    /// Registries are listed as allowed.
    pub registries_listed: bool,
}

impl Rule {
    /// Whether this rule passes judgement on `object` (for a pod rule: the
    /// object has a pod spec).
    pub fn judges(&self, object: &Object, shape: &Shape) -> bool {
        let subjects = match self.check {
            Check::Pod(_) => return shape.has_pod,
            Check::Object(subjects, _) | Check::Inventory(subjects, _) => subjects,
        };
        match subjects {
            Subjects::Kinds(pairs) => {
                let group = object.group();
                pairs.iter().any(|(g, k)| *k == object.kind && *g == group)
            }
            Subjects::Workloads => shape.is_workload,
            Subjects::Waivers => shape.has_waivers,
            Subjects::AnyObject => true,
            Subjects::Component(binary) => control_plane::runs(object, binary),
            Subjects::InCluster(pairs) => {
                let group = object.group();
                shape.in_cluster && pairs.iter().any(|(g, k)| *k == object.kind && *g == group)
            }
            Subjects::ComparedSecrets => shape.secrets_compared && object.kind == "Secret" && object.group().is_empty(),
            Subjects::PodsWhen(setting) => {
                shape.has_pod
                    && match setting {
                        Setting::BlockedImages => shape.images_blocked,
                        Setting::AllowedRegistries => shape.registries_listed,
                    }
            }
        }
    }
}

pub struct Rule {
    pub meta: RuleMeta,
    pub check: Check,
}

/// Cross-object rules that judge only what the objects present say (a
/// binding to cluster-admin, a role that reads Secrets, an RBAC object
/// without an owner): sound on an inventory of one object. The others
/// judge what is missing (a namespace without a default-deny policy, a
/// Service selecting no pod) and would fire on every admission request.
const PRESENCE_RULES: &[&str] = &["rbac-cluster-admin-binding", "rbac-secrets-read", "rbac-owner-review"];

impl Rule {
    /// Whether the rule judges one object alone without false findings:
    /// what the admission webhook, which sees one object, runs.
    pub fn judges_one_object(&self) -> bool {
        match self.check {
            Check::Inventory(..) => PRESENCE_RULES.contains(&self.meta.id),
            Check::Pod(_) | Check::Object(..) => true,
        }
    }

    /// The rule's documentation, from the `//!` comment of its file.
    pub fn doc(&self) -> &'static str {
        let stem = self.meta.id.replace('-', "_");
        RULE_DOCS
            .iter()
            .find(|(file, _)| *file == stem)
            .map(|(_, doc)| *doc)
            .unwrap_or("")
    }
}

/// Every built-in manifest rule, in the order `rampart rules` lists them.
pub fn all() -> &'static [&'static Rule] {
    static ALL: &[&Rule] = &[
        // runtime: Pod Security Standards, baseline
        &runtime::no_privileged::RULE,
        &runtime::no_host_network::RULE,
        &runtime::no_host_pid::RULE,
        &runtime::no_host_ipc::RULE,
        &runtime::no_dangerous_capabilities::RULE,
        &runtime::capabilities_add_baseline::RULE,
        &runtime::no_sensitive_host_path::RULE,
        &runtime::no_host_path::RULE,
        &runtime::no_host_port::RULE,
        &runtime::no_probe_host_override::RULE,
        &runtime::apparmor_not_unconfined::RULE,
        &runtime::selinux_options_restricted::RULE,
        &runtime::proc_mount_default::RULE,
        &runtime::seccomp_not_unconfined::RULE,
        &runtime::sysctls_safe::RULE,
        &runtime::no_windows_host_process::RULE,
        // runtime: Pod Security Standards, restricted
        &runtime::restricted_volume_types::RULE,
        &runtime::no_privilege_escalation::RULE,
        &runtime::run_as_non_root::RULE,
        &runtime::run_as_user_not_zero::RULE,
        &runtime::seccomp_required::RULE,
        &runtime::capabilities_drop_all::RULE,
        &runtime::capabilities_add_restricted::RULE,
        // runtime: checklist
        &runtime::read_only_root_fs::RULE,
        // isolation
        &isolation::no_default_service_account::RULE,
        &isolation::service_account_unused::RULE,
        &isolation::no_automount_sa_token::RULE,
        &isolation::no_default_namespace::RULE,
        // images
        &images::image_tag_not_latest::RULE,
        &images::image_digest_pinned::RULE,
        &images::image_registry_allowed::RULE,
        &images::image_blocked::RULE,
        &images::image_tag_drift::RULE,
        // workload health
        &workload::resource_requests_set::RULE,
        &workload::resource_limits_set::RULE,
        &workload::liveness_probe_set::RULE,
        &workload::readiness_probe_set::RULE,
        &workload::no_naked_pods::RULE,
        &workload::unchecked_pod_template::RULE,
        // secrets
        &secrets::no_literal_secret_env::RULE,
        // network (cross-resource)
        &network::namespace_default_deny_ingress::RULE,
        &network::namespace_default_deny_egress::RULE,
        &network::workload_network_policy::RULE,
        &network::network_policy_allow_all_ingress::RULE,
        &network::network_policy_internet_egress::RULE,
        // namespaces and admission (cross-resource)
        &admission::namespace_pss_enforce::RULE,
        &admission::workload_violates_namespace_pss::RULE,
        &admission::namespace_resource_quota::RULE,
        &admission::webhook_fail_closed_kube_system::RULE,
        &admission::webhook_skips_workload_namespaces::RULE,
        // exposure
        &exposure::service_loadbalancer_restricted::RULE,
        &exposure::service_no_nodeport::RULE,
        &exposure::service_external_ips::RULE,
        &exposure::ingress_tls::RULE,
        &exposure::service_selects_pods::RULE,
        // RBAC
        &rbac::rbac_wildcard::RULE,
        &rbac::rbac_secrets_read::RULE,
        &rbac::rbac_cluster_admin_binding::RULE,
        &rbac::rbac_anonymous_binding::RULE,
        &rbac::rbac_dangerous_permissions::RULE,
        &rbac::rbac_default_sa_binding::RULE,
        &rbac::rbac_owner_review::RULE,
        &rbac::rbac_review_expired::RULE,
        &rbac::rbac_breakglass_expired::RULE,
        &rbac::rbac_binding_missing_subject::RULE,
        &rbac::rbac_role_unused::RULE,
        // secrets in manifests
        &secrets::no_secret_in_manifest::RULE,
        &secrets::no_service_account_token_secret::RULE,
        &secrets::no_credential_in_configmap::RULE,
        &secrets::secret_last_applied_annotation::RULE,
        &secrets::secret_rotation_overdue::RULE,
        &secrets::secret_unused::RULE,
        &secrets::secret_shared_across_clusters::RULE,
        // the control plane's configuration
        &control_plane::apiserver_anonymous_auth::RULE,
        &control_plane::apiserver_authorization_mode::RULE,
        &control_plane::apiserver_audit_log::RULE,
        &control_plane::apiserver_audit_retention::RULE,
        &control_plane::apiserver_encryption_at_rest::RULE,
        &control_plane::apiserver_profiling::RULE,
        &control_plane::apiserver_tls::RULE,
        &control_plane::apiserver_admission_plugins::RULE,
        &control_plane::etcd_tls::RULE,
        &control_plane::controller_manager_service_accounts::RULE,
        &control_plane::controller_manager_exposure::RULE,
        &control_plane::scheduler_exposure::RULE,
        &control_plane::encryption_config_secrets::RULE,
        &control_plane::encryption_provider_strength::RULE,
        &control_plane::audit_policy_secrets::RULE,
        &control_plane::audit_policy_coverage::RULE,
        &control_plane::kubelet_anonymous_auth::RULE,
        &control_plane::kubelet_authorization_mode::RULE,
        &control_plane::kubelet_read_only_port::RULE,
        &control_plane::kubelet_certificate_rotation::RULE,
        &control_plane::kubelet_seccomp_default::RULE,
        &control_plane::node_version_skew::RULE,
        // the exceptions process
        &exceptions::waiver_without_reason::RULE,
    ];
    ALL
}

/// Looks a rule up by id.
pub fn find(id: &str) -> Option<&'static Rule> {
    all().iter().copied().find(|rule| rule.meta.id == id)
}

/// Collects a rule's findings about one object.
pub struct Reporter<'a> {
    meta: &'static RuleMeta,
    object: &'a Object,
    out: &'a mut Vec<(Finding, Option<Condition>)>,
}

impl<'a> Reporter<'a> {
    pub(crate) fn new(
        meta: &'static RuleMeta,
        object: &'a Object,
        out: &'a mut Vec<(Finding, Option<Condition>)>,
    ) -> Self {
        Reporter { meta, object, out }
    }

    /// Reports a finding at `pos` about `field` (its path in the object).
    pub fn report(&mut self, pos: Pos, field: String, container: Option<&Container<'_>>, message: String) {
        let finding = self.finding(pos, field, container, message);
        self.out.push((finding, None));
    }

    /// Reports a finding whose severity differs from the rule's default
    /// (e.g. a binding to cluster-admin is critical for people).
    pub fn report_with_severity(
        &mut self,
        severity: Severity,
        pos: Pos,
        field: String,
        container: Option<&Container<'_>>,
        message: String,
    ) {
        let mut finding = self.finding(pos, field, container, message);
        finding.severity = severity;
        self.out.push((finding, None));
    }

    /// Reports a finding that stands only if `condition` holds once every
    /// input of the scan is known.
    pub fn report_if(
        &mut self,
        condition: Condition,
        pos: Pos,
        field: String,
        container: Option<&Container<'_>>,
        message: String,
    ) {
        let finding = self.finding(pos, field, container, message);
        self.out.push((finding, Some(condition)));
    }

    fn finding(&self, pos: Pos, field: String, container: Option<&Container<'_>>, message: String) -> Finding {
        Finding {
            rule: Cow::Borrowed(self.meta.id),
            severity: self.meta.severity,
            message,
            location: Location {
                path: self.object.path.clone(),
                line: pos.line as usize,
                column: pos.column as usize,
            },
            resource: Some(self.object.resource.clone()),
            field,
            container: container.map(|c| c.name.clone()),
            controls: Cow::Borrowed(self.meta.controls),
            fix: Cow::Borrowed(self.meta.fix),
            suppressed: false,
            suppression_reason: None,
            secret: None,
            event: None,
        }
    }
}

/// Collects a rule's findings about the inventory.
pub struct InventoryReporter<'a> {
    meta: &'static RuleMeta,
    out: &'a mut Vec<Finding>,
}

impl<'a> InventoryReporter<'a> {
    pub(crate) fn new(meta: &'static RuleMeta, out: &'a mut Vec<Finding>) -> Self {
        InventoryReporter { meta, out }
    }

    /// Reports a finding about the object at `site`, at `pos` in its file.
    pub fn report(&mut self, site: &Site, pos: Pos, field: String, message: String) {
        self.report_with_severity(self.meta.severity, site, pos, field, message);
    }

    /// Reports with a severity other than the rule's default.
    pub fn report_with_severity(&mut self, severity: Severity, site: &Site, pos: Pos, field: String, message: String) {
        self.out.push(Finding {
            rule: Cow::Borrowed(self.meta.id),
            severity,
            message,
            location: Location {
                path: site.path.clone(),
                line: pos.line as usize,
                column: pos.column as usize,
            },
            resource: Some(site.resource.clone()),
            field,
            container: None,
            controls: Cow::Borrowed(self.meta.controls),
            fix: Cow::Borrowed(self.meta.fix),
            suppressed: false,
            suppression_reason: None,
            secret: None,
            event: None,
        });
    }
}

/// What every rule file imports.
pub(crate) mod prelude {
    pub use rampart_core::{Control, Date, PssLevel, Reference, RuleMeta, Severity};

    pub use crate::engine::{Condition, RuleContext};
    pub use crate::inventory::Inventory;
    pub use crate::object::Object;
    pub use crate::rules::{
        BINDINGS, Check, InventoryReporter, NETWORK_POLICIES, RBAC_OBJECTS, ROLES, Reporter, Rule, SECRETS, SERVICES,
        Setting, Subjects,
    };
    pub use crate::workload::{Container, PodSpec};
    pub use crate::yaml::Node;
}
