//! Kubernetes label selectors: `matchLabels` and `matchExpressions` with
//! `In`, `NotIn`, `Exists`, `DoesNotExist`, as NetworkPolicies, Services and
//! aggregated ClusterRoles use them.

use std::collections::BTreeMap;

use crate::yaml::Node;

pub type Labels = BTreeMap<String, String>;

/// Reads a `labels` mapping (values of other types are read as text).
pub fn labels_of(node: Option<&Node>) -> Labels {
    node.map(|n| {
        n.entries()
            .iter()
            .filter_map(|e| e.value.scalar_text().map(|v| (e.key.to_string(), v.into_owned())))
            .collect()
    })
    .unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    operator: Operator,
    values: Vec<String>,
}

/// A parsed label selector. The empty selector selects everything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelSelector {
    match_labels: Vec<(String, String)>,
    requirements: Vec<Requirement>,
    /// An operator Kubernetes does not know: the API server rejects the
    /// object, so the selector selects nothing here.
    invalid: bool,
}

impl LabelSelector {
    /// A `LabelSelector` object (`matchLabels`, `matchExpressions`).
    pub fn from_node(node: &Node) -> LabelSelector {
        let mut selector = LabelSelector {
            match_labels: labels_of(node.get("matchLabels")).into_iter().collect(),
            ..LabelSelector::default()
        };
        for expression in node.get("matchExpressions").map(Node::as_seq).unwrap_or(&[]) {
            let key = expression.get("key").and_then(Node::as_str).unwrap_or("").to_string();
            let values: Vec<String> = expression
                .get("values")
                .map(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|v| v.scalar_text().map(|t| t.into_owned()))
                .collect();
            let operator = match expression.get("operator").and_then(Node::as_str) {
                Some("In") if !values.is_empty() => Operator::In,
                Some("NotIn") if !values.is_empty() => Operator::NotIn,
                Some("Exists") => Operator::Exists,
                Some("DoesNotExist") => Operator::DoesNotExist,
                _ => {
                    selector.invalid = true;
                    continue;
                }
            };
            selector.requirements.push(Requirement { key, operator, values });
        }
        selector
    }

    /// A Service's `selector`: a plain map of labels.
    pub fn from_map(labels: Labels) -> LabelSelector {
        LabelSelector {
            match_labels: labels.into_iter().collect(),
            ..LabelSelector::default()
        }
    }

    /// The labels every selected set must carry (`matchLabels`): lets
    /// callers look candidates up in an index.
    pub fn required_labels(&self) -> impl Iterator<Item = (&str, &str)> {
        self.match_labels.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The value `matchLabels` requires for `key`, if it requires one.
    pub fn required_label(&self, key: &str) -> Option<&str> {
        self.match_labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Selects every set of labels.
    pub fn is_empty(&self) -> bool {
        !self.invalid && self.match_labels.is_empty() && self.requirements.is_empty()
    }

    /// Only leaves things out (`NotIn`, `DoesNotExist`): meant to select
    /// everything but exceptions, as policy engines' webhooks do.
    pub fn only_excludes(&self) -> bool {
        !self.invalid
            && self.match_labels.is_empty()
            && !self.requirements.is_empty()
            && self
                .requirements
                .iter()
                .all(|r| matches!(r.operator, Operator::NotIn | Operator::DoesNotExist))
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        if self.invalid {
            return false;
        }
        let labels_match = self
            .match_labels
            .iter()
            .all(|(key, value)| labels.get(key) == Some(value));
        labels_match
            && self.requirements.iter().all(|r| {
                let value = labels.get(&r.key);
                match r.operator {
                    Operator::In => value.is_some_and(|v| r.values.contains(v)),
                    Operator::NotIn => value.is_none_or(|v| !r.values.contains(v)),
                    Operator::Exists => value.is_some(),
                    Operator::DoesNotExist => value.is_none(),
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_document};

    fn selector(yaml: &str) -> LabelSelector {
        LabelSelector::from_node(&parse_document(yaml, 0, Limits::default()).unwrap().unwrap().root)
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn only_excluding_selectors_are_told_apart() {
        assert!(
            selector("matchExpressions: [{key: a, operator: NotIn, values: [x]}, {key: b, operator: DoesNotExist}]")
                .only_excludes()
        );
        assert!(!selector("{}").only_excludes());
        assert!(!selector("matchLabels: {a: x}").only_excludes());
        assert!(
            !selector("matchExpressions: [{key: a, operator: NotIn, values: [x]}, {key: b, operator: Exists}]")
                .only_excludes()
        );
    }

    #[test]
    fn selector_semantics_table() {
        let web = labels(&[("app", "web"), ("tier", "front")]);
        let db = labels(&[("app", "db")]);
        let none = labels(&[]);
        // (selector, selects web, selects db, selects unlabelled)
        let table: &[(&str, bool, bool, bool)] = &[
            ("{}", true, true, true),
            ("matchLabels: {app: web}", true, false, false),
            ("matchLabels: {app: web, tier: back}", false, false, false),
            (
                "matchExpressions: [{key: app, operator: In, values: [web, db]}]",
                true,
                true,
                false,
            ),
            (
                "matchExpressions: [{key: app, operator: NotIn, values: [web]}]",
                false,
                true,
                true,
            ),
            ("matchExpressions: [{key: tier, operator: Exists}]", true, false, false),
            (
                "matchExpressions: [{key: tier, operator: DoesNotExist}]",
                false,
                true,
                true,
            ),
            (
                "matchLabels: {app: web}\nmatchExpressions: [{key: tier, operator: In, values: [front]}]",
                true,
                false,
                false,
            ),
            (
                "matchExpressions: [{key: app, operator: Near, values: [web]}]",
                false,
                false,
                false,
            ),
            (
                "matchExpressions: [{key: app, operator: In, values: []}]",
                false,
                false,
                false,
            ),
        ];
        for (yaml, selects_web, selects_db, selects_none) in table {
            let s = selector(yaml);
            assert_eq!(s.matches(&web), *selects_web, "{yaml} on web");
            assert_eq!(s.matches(&db), *selects_db, "{yaml} on db");
            assert_eq!(s.matches(&none), *selects_none, "{yaml} on unlabelled");
        }
        assert!(selector("{}").is_empty());
        assert!(!selector("matchExpressions: [{key: a, operator: Bad}]").is_empty());
    }

    #[test]
    fn service_selectors_are_plain_maps() {
        let s = LabelSelector::from_map(labels(&[("app", "web")]));
        assert!(s.matches(&labels(&[("app", "web"), ("x", "y")])));
        assert!(!s.matches(&labels(&[("app", "db")])));
    }
}
