//! The infrastructure rules, one file each, and the registry that lists
//! them.
//!
//! A rule file opens with its documentation (`//!`: *What it checks*,
//! *Why it matters*, *How to fix*, *Example*, *Fix safety*), declares
//! `pub static RULE: Rule` with the resource types it judges and the
//! Checkov, Trivy and tfsec ids it answers for, then its tests: a
//! configuration where it fires and its hardened twin.

mod aws_cloudtrail_coverage;
mod aws_cloudtrail_encryption;
mod aws_default_security_group_rules;
mod aws_ebs_encryption;
mod aws_ecr_immutable_tags;
mod aws_ecr_kms_encryption;
mod aws_ecr_repository_policy_public;
mod aws_ecr_scan_on_push;
mod aws_eks_audit_logging;
mod aws_eks_node_ssh;
mod aws_eks_public_endpoint;
mod aws_eks_secrets_encryption;
mod aws_iam_admin_managed_policy;
mod aws_iam_admin_policy;
mod aws_iam_privilege_escalation;
mod aws_iam_role_trust_any;
mod aws_iam_user_policy;
mod aws_instance_metadata_v1;
mod aws_instance_public_ip;
mod aws_kms_key_policy_public;
mod aws_kms_key_rotation;
mod aws_lb_internet_facing;
mod aws_lb_plain_http;
mod aws_lb_tls_policy;
mod aws_network_acl_open_ingress;
mod aws_rds_encryption;
mod aws_rds_public_access;
mod aws_s3_public_access_block;
mod aws_s3_public_acl;
mod aws_s3_public_policy;
mod aws_security_group_open_ingress;
mod aws_vpc_flow_logs;
mod azure_acr_admin_user;
mod azure_acr_anonymous_pull;
mod azure_acr_content_trust;
mod azure_aks_azure_policy;
mod azure_aks_local_accounts;
mod azure_aks_monitoring;
mod azure_aks_network_policy;
mod azure_aks_node_public_ip;
mod azure_aks_public_api_server;
mod azure_aks_secrets_encryption;
mod azure_key_vault_key_expiry;
mod azure_managed_disk_encryption;
mod azure_nic_public_ip;
mod azure_nsg_open_ingress;
mod azure_role_definition_wildcard;
mod azure_storage_network_default_deny;
mod azure_storage_public_access;
mod azure_storage_secure_transfer;
mod gcp_cloudsql_public_ip;
mod gcp_compute_public_ip;
mod gcp_disk_raw_key;
mod gcp_firewall_open_ingress;
mod gcp_gke_binary_authorization;
mod gcp_gke_legacy_authorization;
mod gcp_gke_logging;
mod gcp_gke_network_policy;
mod gcp_gke_node_service_account;
mod gcp_gke_private_nodes;
mod gcp_gke_public_endpoint;
mod gcp_gke_secrets_encryption;
mod gcp_gke_workload_identity;
mod gcp_iam_basic_roles;
mod gcp_iam_default_service_account;
mod gcp_iam_impersonation;
mod gcp_kms_key_rotation;
mod gcp_public_iam_member;
mod gcp_storage_public_access_prevention;
mod gcp_storage_uniform_access;

pub(crate) mod iam;

pub(crate) mod network;

use rampart_core::{RuleMeta, Severity};

use crate::engine::TerraformConfig;
use crate::resource::Resource;
use crate::value::{Unknown, Value};

pub struct Rule {
    pub meta: RuleMeta,
    /// The resource types it passes judgement on.
    pub kinds: &'static [&'static str],
    pub check: fn(&Resource, &Context<'_>, &mut Reporter),
    /// The rule's source file, whose `//!` comment is its documentation.
    pub source: &'static str,
}

impl Rule {
    /// The rule's documentation, from the `//!` comment of its file.
    pub fn doc(&self) -> &'static str {
        rampart_core::rule_doc(self.meta.id, self.source)
    }

    /// The peer ids this rule answers for: `source` is `Checkov`, `Trivy`
    /// or `tfsec`.
    pub fn peer_ids(&self, source: &str) -> impl Iterator<Item = &'static str> {
        self.meta
            .references
            .iter()
            .filter(move |reference| reference.source == source)
            .map(|reference| reference.id)
    }

    pub fn judges(&self, resource: &Resource) -> bool {
        self.kinds.contains(&resource.kind.as_str())
    }
}

static ALL: &[&Rule] = &[
    &aws_security_group_open_ingress::RULE,
    &gcp_firewall_open_ingress::RULE,
    &azure_nsg_open_ingress::RULE,
    &aws_s3_public_acl::RULE,
    &aws_s3_public_policy::RULE,
    &aws_s3_public_access_block::RULE,
    &aws_iam_admin_policy::RULE,
    &aws_iam_privilege_escalation::RULE,
    &aws_iam_admin_managed_policy::RULE,
    &aws_ebs_encryption::RULE,
    &aws_rds_encryption::RULE,
    &aws_kms_key_rotation::RULE,
    &aws_eks_public_endpoint::RULE,
    &aws_eks_secrets_encryption::RULE,
    &aws_eks_audit_logging::RULE,
    &gcp_gke_public_endpoint::RULE,
    &gcp_public_iam_member::RULE,
    &aws_instance_public_ip::RULE,
    &azure_nic_public_ip::RULE,
    &azure_key_vault_key_expiry::RULE,
    &azure_storage_network_default_deny::RULE,
    &aws_ecr_kms_encryption::RULE,
    &aws_lb_tls_policy::RULE,
    &gcp_gke_binary_authorization::RULE,
    &azure_aks_monitoring::RULE,
    &azure_aks_azure_policy::RULE,
    &gcp_storage_public_access_prevention::RULE,
    &aws_default_security_group_rules::RULE,
    &aws_network_acl_open_ingress::RULE,
    &gcp_kms_key_rotation::RULE,
    &gcp_disk_raw_key::RULE,
    &azure_managed_disk_encryption::RULE,
    &aws_iam_user_policy::RULE,
    &aws_iam_role_trust_any::RULE,
    &gcp_iam_basic_roles::RULE,
    &gcp_iam_impersonation::RULE,
    &gcp_iam_default_service_account::RULE,
    &azure_role_definition_wildcard::RULE,
    &gcp_gke_logging::RULE,
    &gcp_gke_node_service_account::RULE,
    &azure_aks_node_public_ip::RULE,
    &aws_ecr_repository_policy_public::RULE,
    &aws_cloudtrail_encryption::RULE,
    &aws_rds_public_access::RULE,
    &gcp_cloudsql_public_ip::RULE,
    &gcp_compute_public_ip::RULE,
    &gcp_storage_uniform_access::RULE,
    &aws_kms_key_policy_public::RULE,
    &aws_lb_internet_facing::RULE,
    &aws_instance_metadata_v1::RULE,
    &aws_lb_plain_http::RULE,
    &aws_cloudtrail_coverage::RULE,
    &aws_vpc_flow_logs::RULE,
    &aws_eks_node_ssh::RULE,
    &gcp_gke_network_policy::RULE,
    &gcp_gke_secrets_encryption::RULE,
    &gcp_gke_private_nodes::RULE,
    &gcp_gke_legacy_authorization::RULE,
    &gcp_gke_workload_identity::RULE,
    &azure_aks_public_api_server::RULE,
    &azure_aks_network_policy::RULE,
    &azure_aks_secrets_encryption::RULE,
    &azure_aks_local_accounts::RULE,
    &aws_ecr_immutable_tags::RULE,
    &aws_ecr_scan_on_push::RULE,
    &azure_acr_admin_user::RULE,
    &azure_acr_anonymous_pull::RULE,
    &azure_acr_content_trust::RULE,
    &azure_storage_public_access::RULE,
    &azure_storage_secure_transfer::RULE,
];

/// Every Terraform rule.
pub fn all() -> &'static [&'static Rule] {
    ALL
}

pub fn find(id: &str) -> Option<&'static Rule> {
    all().iter().copied().find(|rule| rule.meta.id == id)
}

/// What every rule may read besides its resource: every other resource of
/// the configuration (to link a bucket to its access block, say).
pub struct Context<'a> {
    pub resources: &'a [Resource],
    pub config: &'a TerraformConfig,
}

impl<'a> Context<'a> {
    /// The resources of a type in the same module instance as `resource`.
    pub fn beside(&self, resource: &'a Resource, kind: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
        let resources = self.resources;
        resources
            .iter()
            .filter(move |other| other.kind == kind && other.module == resource.module && !other.data)
    }

    /// The resources of a type anywhere in the configuration.
    pub fn anywhere(&self, kind: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
        let resources = self.resources;
        resources.iter().filter(move |other| other.kind == kind && !other.data)
    }
}

/// Whether `value` names `target`: a reference to one of its attributes
/// (`aws_s3_bucket.logs.id`), or the literal it sets for `name_attribute`
/// (`bucket = "logs"`).
pub fn refers_to(value: &Value, target: &Resource, name_attribute: &str) -> bool {
    match value {
        Value::Unknown(Unknown {
            resource: Some(address),
            ..
        }) => **address == target.address,
        Value::String(text) => target.body.str(name_attribute) == Some(text.as_str()),
        _ => false,
    }
}

/// One thing a rule found.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub line: usize,
    pub field: String,
    pub message: String,
    pub severity: Option<Severity>,
}

/// Collects a rule's hits over one resource.
#[derive(Default)]
pub struct Reporter {
    pub hits: Vec<Hit>,
    /// The verdict depended on a value not known before apply: this
    /// resource does not count as judged.
    pub undetermined: bool,
}

impl Reporter {
    pub fn report(&mut self, line: usize, field: impl Into<String>, message: String) {
        self.hits.push(Hit {
            line,
            field: field.into(),
            message,
            severity: None,
        });
    }

    pub fn report_with_severity(&mut self, severity: Severity, line: usize, field: impl Into<String>, message: String) {
        self.report(line, field, message);
        if let Some(hit) = self.hits.last_mut() {
            hit.severity = Some(severity);
        }
    }

    /// The verdict depends on `unknown`: say so (info) instead of passing.
    pub fn could_not_evaluate(&mut self, line: usize, field: impl Into<String>, unknown: &Unknown) {
        let field = field.into();
        let message = format!("could not evaluate `{field}`: depends on {}", unknown.depends_on);
        self.report_with_severity(Severity::Info, line, field, message);
        self.undetermined = true;
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::{Hit, Rule};
    use crate::engine::{TerraformConfig, check_resources};

    /// Evaluates `files` (name, text) as one root module and runs `rule`.
    pub fn run(rule: &'static Rule, files: &[(&str, &str)]) -> Vec<Hit> {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            if name.ends_with(".tf") && !name.contains('/') {
                paths.push(path);
            }
        }
        let evaluated = crate::eval::evaluate(&paths, &crate::eval::Options::default());
        assert!(evaluated.errors.is_empty(), "{:?}", evaluated.errors);
        check_resources(&evaluated.resources, &TerraformConfig::default(), &[rule])
            .findings
            .into_iter()
            .map(|finding| Hit {
                line: finding.location.line,
                field: finding.field,
                message: finding.message,
                severity: Some(finding.severity),
            })
            .collect()
    }

    pub fn lines_and_fields(hits: &[Hit]) -> Vec<(usize, &str)> {
        hits.iter().map(|hit| (hit.line, hit.field.as_str())).collect()
    }

    pub fn assert_hits(rule: &'static Rule, text: &str, expected: &[(usize, &str)]) {
        let hits = run(rule, &[("main.tf", text)]);
        assert_eq!(lines_and_fields(&hits), expected, "{hits:#?}");
    }

    pub fn assert_quiet(rule: &'static Rule, text: &str) {
        let hits = run(rule, &[("main.tf", text)]);
        assert!(hits.is_empty(), "{} fired: {hits:#?}", rule.meta.id);
    }
}
