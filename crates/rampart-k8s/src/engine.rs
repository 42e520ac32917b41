//! Runs the rules over loaded objects.
//!
//! A scan is two steps, so that a large scan never holds every parsed tree
//! at once: each file is checked on its own as soon as it is parsed (in
//! parallel), leaving findings, some of them *conditional* on other objects,
//! plus the few facts about its objects that other files may need (the
//! [`Inventory`]); once every file is in, the conditions are settled against
//! the whole inventory.

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

/// What rules may know about the other objects of the scan: small facts,
/// not trees.
#[derive(Debug, Default, Clone)]
pub struct Inventory {
    /// (namespace, name) of each ServiceAccount -> its
    /// `automountServiceAccountToken`, when set.
    service_accounts: HashMap<(String, String), Option<bool>>,
}

impl Inventory {
    /// Records the facts of one object.
    pub fn record(&mut self, object: &Object, config: &ScanConfig) {
        if object.kind == "ServiceAccount" && object.group().is_empty() {
            let namespace = object
                .namespace
                .clone()
                .unwrap_or_else(|| config.default_namespace.clone());
            let automount = object.root.get("automountServiceAccountToken").and_then(Node::as_bool);
            self.service_accounts
                .insert((namespace, object.name.clone()), automount);
        }
    }

    pub fn merge(&mut self, other: Inventory) {
        self.service_accounts.extend(other.service_accounts);
    }

    /// `Some(automount setting)` when the scan holds that ServiceAccount.
    pub fn service_account(&self, namespace: &str, name: &str) -> Option<Option<bool>> {
        self.service_accounts
            .get(&(namespace.to_string(), name.to_string()))
            .copied()
    }
}

/// A fact about other objects that decides whether a finding stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// The finding stands unless this ServiceAccount, found in the scan,
    /// sets `automountServiceAccountToken: false`.
    UnlessServiceAccountDisablesAutomount { namespace: String, name: String },
}

impl Condition {
    fn holds(&self, inventory: &Inventory) -> bool {
        match self {
            Condition::UnlessServiceAccountDisablesAutomount { namespace, name } => {
                inventory.service_account(namespace, name) != Some(Some(false))
            }
        }
    }
}

/// The findings about some objects, some of them still conditional.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    pub findings: Vec<Finding>,
    /// (index into `findings`, the condition that finding depends on).
    pub conditions: Vec<(usize, Condition)>,
}

impl Checked {
    /// Appends another batch, keeping the order.
    pub fn append(&mut self, other: Checked) {
        let offset = self.findings.len();
        self.findings.extend(other.findings);
        self.conditions.extend(
            other
                .conditions
                .into_iter()
                .map(|(index, condition)| (index + offset, condition)),
        );
    }

    /// Keeps the findings whose conditions hold in the whole scan's
    /// inventory.
    pub fn settle(self, inventory: &Inventory) -> Vec<Finding> {
        let Checked {
            mut findings,
            conditions,
        } = self;
        if conditions.is_empty() {
            return findings;
        }
        let mut keep = vec![true; findings.len()];
        for (index, condition) in &conditions {
            keep[*index] = condition.holds(inventory);
        }
        let mut flags = keep.into_iter();
        findings.retain(|_| flags.next().unwrap_or(true));
        findings
    }
}

/// What a rule's check receives besides the object.
pub struct RuleContext<'a> {
    pub config: &'a ScanConfig,
}

impl RuleContext<'_> {
    /// The namespace an object lands in.
    pub fn namespace_of<'o>(&'o self, object: &'o Object) -> &'o str {
        object.namespace.as_deref().unwrap_or(&self.config.default_namespace)
    }
}

/// Runs `rules` over the objects of one input; the findings come back in
/// object order, each object's sorted by position and rule.
pub fn check_file(objects: &[Object], config: &ScanConfig, rules: &[&'static Rule]) -> Checked {
    let context = RuleContext { config };
    let mut checked = Checked::default();
    for object in objects {
        let first = checked.findings.len();
        let mut reporter_out = Vec::new();
        check_object(object, &context, rules, &mut reporter_out);
        reporter_out.sort_by(|(a, _), (b, _)| {
            (a.location.line, a.location.column, &a.rule, &a.field).cmp(&(
                b.location.line,
                b.location.column,
                &b.rule,
                &b.field,
            ))
        });
        for (offset, (finding, condition)) in reporter_out.into_iter().enumerate() {
            checked.findings.push(finding);
            if let Some(condition) = condition {
                checked.conditions.push((first + offset, condition));
            }
        }
    }
    checked
}

/// Both steps over objects already in memory (tests, the admission webhook,
/// a cluster snapshot).
pub fn check_objects(objects: &[Object], config: &ScanConfig, rules: &[&'static Rule]) -> Vec<Finding> {
    let mut inventory = Inventory::default();
    for object in objects {
        inventory.record(object, config);
    }
    let batches: Vec<Checked> = objects
        .par_chunks(64)
        .map(|chunk| check_file(chunk, config, rules))
        .collect();
    let mut all = Checked::default();
    for batch in batches {
        all.append(batch);
    }
    all.settle(&inventory)
}

fn check_object(
    object: &Object,
    context: &RuleContext<'_>,
    rules: &[&'static Rule],
    out: &mut Vec<(Finding, Option<Condition>)>,
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
