//! Runs the rules over loaded objects.

use std::collections::HashMap;

use rampart_core::Finding;
use rayon::prelude::*;

use crate::object::Object;
use crate::rules::{Check, Reporter, Rule};
use crate::workload::WorkloadKinds;
use crate::yaml::Node;

/// Settings that change what rules report.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// Registries images may come from (`registry.example.com`,
    /// `ghcr.io/acme`); empty turns the check off.
    pub allowed_registries: Vec<String>,
    /// Namespace of objects that set none, as `kubectl apply -n` would.
    pub default_namespace: String,
    pub workload_kinds: WorkloadKinds,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            allowed_registries: Vec::new(),
            default_namespace: "default".to_string(),
            workload_kinds: WorkloadKinds::default(),
        }
    }
}

/// What rules may know about the other objects of the scan.
#[derive(Debug, Default)]
pub struct Inventory {
    /// (namespace, name) of each ServiceAccount -> its
    /// `automountServiceAccountToken`, when set.
    service_accounts: HashMap<(String, String), Option<bool>>,
}

impl Inventory {
    pub fn build(objects: &[Object], config: &ScanConfig) -> Self {
        let mut inventory = Inventory::default();
        for object in objects {
            if object.kind == "ServiceAccount" && object.group().is_empty() {
                let namespace = object
                    .namespace
                    .clone()
                    .unwrap_or_else(|| config.default_namespace.clone());
                let automount = object
                    .root
                    .get("automountServiceAccountToken")
                    .and_then(Node::as_bool);
                inventory
                    .service_accounts
                    .insert((namespace, object.name.clone()), automount);
            }
        }
        inventory
    }

    /// `Some(automount setting)` when the scan holds that ServiceAccount.
    pub fn service_account(&self, namespace: &str, name: &str) -> Option<Option<bool>> {
        self.service_accounts
            .get(&(namespace.to_string(), name.to_string()))
            .copied()
    }
}

/// What a rule's check receives besides the object.
pub struct RuleContext<'a> {
    pub config: &'a ScanConfig,
    pub inventory: &'a Inventory,
}

impl RuleContext<'_> {
    /// The namespace an object lands in.
    pub fn namespace_of<'o>(&'o self, object: &'o Object) -> &'o str {
        object
            .namespace
            .as_deref()
            .unwrap_or(&self.config.default_namespace)
    }
}

/// Runs `rules` over every object; findings come back sorted by file,
/// position and rule.
pub fn check_objects(
    objects: &[Object],
    config: &ScanConfig,
    rules: &[&'static Rule],
) -> Vec<Finding> {
    let inventory = Inventory::build(objects, config);
    let context = RuleContext {
        config,
        inventory: &inventory,
    };
    let mut findings: Vec<Finding> = objects
        .par_iter()
        .flat_map_iter(|object| {
            let mut out = Vec::new();
            check_object(object, &context, rules, &mut out);
            out
        })
        .collect();
    findings
        .sort_by(|a, b| (&a.location, &a.rule, &a.field).cmp(&(&b.location, &b.rule, &b.field)));
    findings
}

fn check_object(
    object: &Object,
    context: &RuleContext<'_>,
    rules: &[&'static Rule],
    out: &mut Vec<Finding>,
) {
    let pod = context.config.workload_kinds.pod_of(object);
    for rule in rules {
        let mut reporter = Reporter::new(&rule.meta, object, out);
        match rule.check {
            Check::Pod(check) => {
                if let Some(pod) = &pod {
                    check(pod, context, &mut reporter);
                }
            }
            Check::Object(check) => check(object, context, &mut reporter),
        }
    }
}
