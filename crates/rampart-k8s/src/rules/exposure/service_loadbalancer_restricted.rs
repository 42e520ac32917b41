//! ## What it checks
//!
//! That a Service of type `LoadBalancer` is not open to the whole internet
//! by accident: it sets `loadBalancerSourceRanges`, or one of the major
//! clouds' internal-load-balancer annotations:
//! `service.beta.kubernetes.io/aws-load-balancer-internal`,
//! `service.beta.kubernetes.io/aws-load-balancer-scheme: internal`,
//! `networking.gke.io/load-balancer-type: Internal`,
//! `cloud.google.com/load-balancer-type: Internal`,
//! `service.beta.kubernetes.io/azure-load-balancer-internal`,
//! `service.beta.kubernetes.io/oci-load-balancer-internal`.
//!
//! ## Why it matters
//!
//! A LoadBalancer Service gets a public address on most clouds by default.
//! Admin consoles, databases and internal APIs published that way are found
//! by internet-wide scanners within hours.
//!
//! ## How to fix
//!
//! Make it internal with the cloud's annotation, restrict
//! `loadBalancerSourceRanges` to the callers, or publish HTTP through the
//! Ingress controller with TLS and authentication.
//!
//! ## Example
//!
//! ```yaml
//! spec:
//!   type: LoadBalancer
//!   loadBalancerSourceRanges: ["203.0.113.0/24"]
//! ```

use super::super::prelude::*;
use super::service_type;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "service-loadbalancer-restricted",
        title: "LoadBalancer Services must be internal or source-restricted",
        severity: Severity::High,
        controls: &[Control::Network],
        pss: None,
        references: &[Reference {
            source: "kube-linter",
            id: "exposed-services",
        }],
        fix: "Add the cloud's internal-load-balancer annotation or `loadBalancerSourceRanges`.",
    },
    check: Check::Object(Subjects::Kinds(SERVICES), check),
};

const INTERNAL_ANNOTATIONS: &[(&str, &str)] = &[
    ("service.beta.kubernetes.io/aws-load-balancer-internal", "true"),
    ("service.beta.kubernetes.io/aws-load-balancer-scheme", "internal"),
    ("networking.gke.io/load-balancer-type", "internal"),
    ("cloud.google.com/load-balancer-type", "internal"),
    ("service.beta.kubernetes.io/azure-load-balancer-internal", "true"),
    ("service.beta.kubernetes.io/oci-load-balancer-internal", "true"),
];

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if service_type(object) != Some("LoadBalancer") {
        return;
    }
    if is_restricted(object) {
        return;
    }
    let open_range = object
        .root
        .get_path("spec.loadBalancerSourceRanges")
        .map(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .find(|(_, range)| range.as_str().is_some_and(is_everywhere));
    if let Some((index, range)) = open_range {
        out.report(
            range.pos,
            format!("spec.loadBalancerSourceRanges[{index}]"),
            None,
            format!(
                "Service `{}` is a LoadBalancer whose source ranges include {}, which restricts nothing: it is open to the internet",
                object.name,
                range.as_str().unwrap_or_default()
            ),
        );
        return;
    }
    let node = object.root.get_path("spec.type").unwrap_or(&object.root);
    out.report(
        node.pos,
        "spec.type".to_string(),
        None,
        format!(
            "Service `{}` is a LoadBalancer with no source ranges and no internal annotation: it is open to the internet",
            object.name
        ),
    );
}

/// The legacy annotation that restricts sources when the field is empty.
const SOURCE_RANGES_ANNOTATION: &str = "service.beta.kubernetes.io/load-balancer-source-ranges";

/// `0.0.0.0/0` and `::/0`: a source range that admits everyone.
fn is_everywhere(range: &str) -> bool {
    matches!(range.trim(), "0.0.0.0/0" | "::/0")
}

/// The source ranges the cloud applies: the field, or when it is empty
/// the legacy annotation (comma-separated).
fn source_ranges(object: &Object) -> Vec<String> {
    let field: Vec<String> = object
        .root
        .get_path("spec.loadBalancerSourceRanges")
        .map(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|range| range.as_str().map(str::to_string))
        .collect();
    if !field.is_empty() {
        return field;
    }
    object
        .annotation(SOURCE_RANGES_ANNOTATION)
        .map(|value| {
            value
                .split(',')
                .map(str::trim)
                .filter(|range| !range.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Source ranges that leave someone out, or an internal-load-balancer
/// annotation.
pub(crate) fn is_restricted(object: &Object) -> bool {
    let ranges = source_ranges(object);
    let ranges = !ranges.is_empty() && !ranges.iter().any(|range| is_everywhere(range));
    // The legacy AWS annotation also took `0.0.0.0/0` to mean internal.
    let internal = INTERNAL_ANNOTATIONS.iter().any(|(key, value)| {
        object
            .annotation(key)
            .is_some_and(|v| v.eq_ignore_ascii_case(value) || (*value == "true" && v == "0.0.0.0/0"))
    });
    ranges || internal
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_an_open_load_balancer() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: LoadBalancer\n  ports: [{port: 80}]\n",
        );
        assert_findings(&findings, &[(5, "spec.type")]);
    }

    #[test]
    fn fires_when_a_source_range_is_everyone() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: LoadBalancer\n  loadBalancerSourceRanges:\n  - 10.0.0.0/8\n  - 0.0.0.0/0\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: t\n  annotations: {service.beta.kubernetes.io/load-balancer-source-ranges: \"::/0\"}\nspec: {type: LoadBalancer}\n",
        );
        assert_findings(&findings, &[(8, "spec.loadBalancerSourceRanges[1]"), (15, "spec.type")]);
        assert!(
            findings[0].message.contains("restricts nothing"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn the_legacy_annotation_restricts_when_the_field_is_empty() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations: {service.beta.kubernetes.io/load-balancer-source-ranges: \"203.0.113.0/24, 198.51.100.0/24\"}\nspec: {type: LoadBalancer}\n",
        );
    }

    #[test]
    fn quiet_when_internal_restricted_or_not_a_load_balancer() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  annotations: {networking.gke.io/load-balancer-type: Internal}\nspec: {type: LoadBalancer}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec:\n  type: LoadBalancer\n  loadBalancerSourceRanges: [10.0.0.0/8]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: c}\nspec: {type: ClusterIP}\n",
        );
    }
}
