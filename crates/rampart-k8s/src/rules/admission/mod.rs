//! Namespace and admission rules: Pod Security Admission labels, what they
//! would reject, quotas.

pub mod namespace_pss_enforce;
pub mod namespace_resource_quota;
pub mod webhook_fail_closed_kube_system;
pub mod webhook_skips_workload_namespaces;
pub mod workload_violates_namespace_pss;

/// The label Pod Security Admission enforces.
pub(crate) const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";
