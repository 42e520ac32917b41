//! The RBAC model: roles with their rules (ClusterRole aggregation
//! resolved), bindings with their subjects, and the "who can" question
//! answered with the chain binding -> role -> rule that grants it.
//!
//! Matching follows the API server's authorizer: `*` matches any verb,
//! group or resource; `pods/exec` names a subresource and `*/scale` any
//! resource's subresource; `resourceNames` narrows a rule to named objects.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde::Serialize;

use crate::inventory::Site;
use crate::object::Object;
use crate::selector::{LabelSelector, Labels, labels_of};
use crate::yaml::{Node, Pos};

/// One entry of a role's `rules`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRule {
    #[serde(rename = "apiGroups")]
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
    #[serde(rename = "resourceNames", skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
    #[serde(rename = "nonResourceURLs", skip_serializing_if = "Vec::is_empty")]
    pub non_resource_urls: Vec<String>,
    /// Index in the role's `rules` and position of the entry.
    #[serde(skip)]
    pub index: usize,
    #[serde(skip)]
    pub pos: Pos,
}

impl PolicyRule {
    pub(crate) fn from_node(index: usize, node: &Node) -> PolicyRule {
        let list = |key: &str| -> Vec<String> {
            node.get(key)
                .map(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|v| v.scalar_text().map(|t| t.into_owned()))
                .collect()
        };
        PolicyRule {
            api_groups: list("apiGroups"),
            resources: list("resources"),
            verbs: list("verbs"),
            resource_names: list("resourceNames"),
            non_resource_urls: list("nonResourceURLs"),
            index,
            pos: node.pos,
        }
    }

    pub fn allows_verb(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == "*" || v == verb)
    }

    /// Whether the rule covers `resource` (`pods`, `pods/exec`) in any API
    /// group the rule names.
    pub fn covers_resource(&self, resource: &str) -> bool {
        let subresource = resource.split_once('/').map(|(_, sub)| sub);
        self.resources
            .iter()
            .any(|r| r == "*" || r == resource || subresource.is_some_and(|sub| r.strip_prefix("*/") == Some(sub)))
    }

    /// Whether the rule covers `resource` in `group` (`""` is the core
    /// group).
    pub fn covers(&self, group: &str, resource: &str) -> bool {
        self.api_groups.iter().any(|g| g == "*" || g == group) && self.covers_resource(resource)
    }

    pub fn allows(&self, verb: &str, group: &str, resource: &str) -> bool {
        self.allows_verb(verb) && self.covers(group, resource)
    }

    /// Limited to named objects.
    pub fn is_named(&self) -> bool {
        !self.resource_names.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum RoleKind {
    Role,
    ClusterRole,
}

#[derive(Debug, Clone)]
pub struct RoleFact {
    pub kind: RoleKind,
    /// `None` for a ClusterRole.
    pub namespace: Option<String>,
    pub name: String,
    pub labels: Labels,
    pub rules: Vec<PolicyRule>,
    /// `aggregationRule.clusterRoleSelectors`.
    pub aggregation: Vec<LabelSelector>,
    pub review: ReviewFacts,
    pub site: Site,
    /// Where `metadata.name` is.
    pub name_pos: Pos,
}

/// What an RBAC object says about who owns it and when it is reviewed.
#[derive(Debug, Clone, Default)]
pub struct ReviewFacts {
    /// `metadata.annotations`, as text, with where each value is.
    pub annotations: BTreeMap<String, (String, Pos)>,
    /// Where the annotations are, or would go.
    pub annotations_pos: Pos,
    /// One of the API server's own defaults (labelled
    /// `kubernetes.io/bootstrapping: rbac-defaults`, as every `system:`
    /// role and binding in a live cluster is): Kubernetes owns it.
    pub built_in: bool,
}

impl ReviewFacts {
    fn of(object: &Object) -> ReviewFacts {
        let metadata = object.root.get("metadata");
        let annotations = metadata.and_then(|m| m.get("annotations"));
        ReviewFacts {
            annotations: annotations
                .map(Node::entries)
                .unwrap_or(&[])
                .iter()
                .filter_map(|entry| {
                    let text = entry.value.scalar_text()?.into_owned();
                    Some((entry.key.to_string(), (text, entry.value.pos)))
                })
                .collect(),
            annotations_pos: annotations.or(metadata).unwrap_or(&object.root).pos,
            built_in: metadata
                .and_then(|m| m.get_path("labels"))
                .and_then(|labels| labels.get("kubernetes.io/bootstrapping"))
                .and_then(Node::as_str)
                == Some("rbac-defaults"),
        }
    }

    /// The keys of `wanted` the object does not set (or sets empty).
    pub fn missing<'k>(&self, wanted: &[&'k str]) -> Vec<&'k str> {
        wanted
            .iter()
            .copied()
            .filter(|key| {
                self.annotations
                    .get(*key)
                    .is_none_or(|(value, _)| value.trim().is_empty())
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Subject {
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

impl Subject {
    /// `User alice`, `Group system:masters`, `ServiceAccount ci/deployer`.
    pub fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) if self.kind == "ServiceAccount" => format!("ServiceAccount {ns}/{}", self.name),
            _ => format!("{} {}", self.kind, self.name),
        }
    }
}

#[derive(Debug, Clone)]
pub struct BindingFact {
    /// `RoleBinding` or `ClusterRoleBinding`.
    pub kind: String,
    /// `None` for a ClusterRoleBinding.
    pub namespace: Option<String>,
    pub name: String,
    pub role_kind: RoleKind,
    pub role_name: String,
    pub subjects: Vec<Subject>,
    /// Where each subject is written, in the same order.
    pub subject_positions: Vec<Pos>,
    pub review: ReviewFacts,
    pub site: Site,
}

pub(crate) fn role_fact(object: &Object, kind: RoleKind, namespace: Option<String>, site: Site) -> RoleFact {
    let rules = object
        .root
        .get("rules")
        .map(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .map(|(index, node)| PolicyRule::from_node(index, node))
        .collect();
    let aggregation = object
        .root
        .get_path("aggregationRule.clusterRoleSelectors")
        .map(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .map(LabelSelector::from_node)
        .collect();
    RoleFact {
        kind,
        namespace,
        name: object.name.clone(),
        labels: labels_of(object.root.get_path("metadata.labels")),
        rules,
        aggregation,
        review: ReviewFacts::of(object),
        name_pos: object.root.get_path("metadata.name").map_or(site.pos, |name| name.pos),
        site,
    }
}

pub(crate) fn binding_fact(object: &Object, namespace: Option<String>, site: Site) -> BindingFact {
    let role_kind = match object.root.get_path("roleRef.kind").and_then(Node::as_str) {
        Some("Role") => RoleKind::Role,
        _ => RoleKind::ClusterRole,
    };
    let subject_nodes = object.root.get("subjects").map(Node::as_seq).unwrap_or(&[]);
    let subject_positions = subject_nodes.iter().map(|s| s.pos).collect();
    let subjects = subject_nodes
        .iter()
        .map(|s| {
            let text = |key: &str| s.get(key).and_then(|v| v.scalar_text()).map(|t| t.into_owned());
            let kind = text("kind").unwrap_or_default();
            // A ServiceAccount subject without a namespace is in the binding's.
            let subject_namespace =
                text("namespace").or_else(|| (kind == "ServiceAccount").then(|| namespace.clone()).flatten());
            Subject {
                kind,
                name: text("name").unwrap_or_default(),
                namespace: subject_namespace,
            }
        })
        .collect();
    BindingFact {
        kind: object.kind.clone(),
        namespace,
        name: object.name.clone(),
        role_kind,
        role_name: object
            .root
            .get_path("roleRef.name")
            .and_then(|n| n.scalar_text())
            .map(|t| t.into_owned())
            .unwrap_or_default(),
        subjects,
        subject_positions,
        review: ReviewFacts::of(object),
        site,
    }
}

/// Roles and bindings of a scan, with aggregation resolved on demand.
#[derive(Debug, Default, Clone)]
pub struct Rbac {
    pub roles: Vec<RoleFact>,
    pub bindings: Vec<BindingFact>,
    /// Which ClusterRoles aggregate which, found once on first use.
    graph: OnceLock<AggregationGraph>,
}

/// Aggregation edges between ClusterRoles, by index in `Rbac::roles`.
/// Bounded so that a hostile file of mutually aggregating roles costs
/// linear time: at most [`MAX_AGGREGATORS`] aggregating roles are resolved,
/// each with at most [`MAX_MEMBERS`] members.
#[derive(Debug, Clone, Default)]
struct AggregationGraph {
    /// Role address -> its index.
    index_of: HashMap<usize, usize>,
    /// For each role, the roles it aggregates.
    members: Vec<Vec<usize>>,
    /// For each role, the roles that aggregate it.
    aggregators: Vec<Vec<usize>>,
}

const MAX_AGGREGATORS: usize = 1_000;
const MAX_MEMBERS: usize = 4_096;
const MAX_EDGE_VISITS: usize = 65_536;

/// A rule as it applies: the role it belongs to (after aggregation, the
/// ClusterRole it was aggregated from), and the rule.
#[derive(Debug, Clone)]
pub struct EffectiveRule<'a> {
    pub source: &'a RoleFact,
    pub rule: &'a PolicyRule,
}

/// One way a subject gets a permission.
#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    pub subject: Subject,
    /// `ClusterRoleBinding/name` or `RoleBinding/namespace/name`.
    pub binding: String,
    /// `ClusterRole/name` or `Role/namespace/name`.
    pub role: String,
    /// The role the rule comes from, when aggregated into `role`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregated_from: Option<String>,
    pub rule: PolicyRule,
    #[serde(rename = "ruleIndex")]
    pub rule_index: usize,
    /// The namespace the grant is limited to; `None` for cluster-wide.
    pub namespace: Option<String>,
}

impl Rbac {
    pub fn find_role(&self, kind: RoleKind, namespace: Option<&str>, name: &str) -> Option<&RoleFact> {
        self.roles.iter().find(|r| {
            r.kind == kind && r.name == name && (kind == RoleKind::ClusterRole || r.namespace.as_deref() == namespace)
        })
    }

    /// The role a binding names: from the scan, else, for `cluster-admin`,
    /// `admin`, `edit` and `view`, the role every cluster bootstraps.
    pub fn resolve_role(&self, kind: RoleKind, namespace: Option<&str>, name: &str) -> Option<&RoleFact> {
        self.find_role(kind, namespace, name).or_else(|| match kind {
            RoleKind::ClusterRole => crate::builtin_roles::builtin_cluster_role(name),
            RoleKind::Role => None,
        })
    }

    /// Bindings whose role is neither in the scan nor built in: what they
    /// grant is unknown, and `who-can` says so.
    pub fn unresolved_bindings(&self) -> Vec<(String, String)> {
        self.bindings
            .iter()
            .filter(|b| {
                self.resolve_role(b.role_kind, b.namespace.as_deref(), &b.role_name)
                    .is_none()
            })
            .map(|b| {
                (
                    binding_name(b),
                    role_path(b.role_kind, b.namespace.as_deref(), &b.role_name),
                )
            })
            .collect()
    }

    pub fn add_role(&mut self, role: RoleFact) {
        self.roles.push(role);
        self.graph = OnceLock::new();
    }

    pub fn add_binding(&mut self, binding: BindingFact) {
        self.bindings.push(binding);
    }

    /// Adds another input's roles and bindings.
    pub fn extend(&mut self, other: Rbac) {
        self.roles.extend(other.roles);
        self.bindings.extend(other.bindings);
        self.graph = OnceLock::new();
    }

    fn graph(&self) -> &AggregationGraph {
        self.graph.get_or_init(|| {
            let count = self.roles.len();
            let mut graph = AggregationGraph {
                index_of: self
                    .roles
                    .iter()
                    .enumerate()
                    .map(|(index, role)| (role as *const RoleFact as usize, index))
                    .collect(),
                members: vec![Vec::new(); count],
                aggregators: vec![Vec::new(); count],
            };
            let aggregating = self
                .roles
                .iter()
                .enumerate()
                .filter(|(_, r)| r.kind == RoleKind::ClusterRole && !r.aggregation.is_empty())
                .take(MAX_AGGREGATORS);
            for (index, role) in aggregating {
                let members: Vec<usize> = self
                    .roles
                    .iter()
                    .enumerate()
                    .filter(|(other, r)| {
                        *other != index
                            && r.kind == RoleKind::ClusterRole
                            && role.aggregation.iter().any(|s| s.matches(&r.labels))
                    })
                    .map(|(other, _)| other)
                    .take(MAX_MEMBERS)
                    .collect();
                for &member in &members {
                    graph.aggregators[member].push(index);
                }
                graph.members[index] = members;
            }
            graph
        })
    }

    fn index_of(&self, role: &RoleFact) -> Option<usize> {
        self.graph().index_of.get(&(role as *const RoleFact as usize)).copied()
    }

    /// Breadth-first over an edge list, from `start`: at most
    /// [`MAX_MEMBERS`] roles and [`MAX_EDGE_VISITS`] edges, and no further
    /// once every role is reached.
    fn reach(&self, start: usize, edges: &[Vec<usize>]) -> Vec<usize> {
        let mut seen = vec![false; edges.len()];
        seen[start] = true;
        let mut order = vec![start];
        let mut next = 0;
        let mut visits = 0usize;
        'search: while next < order.len() {
            for &neighbour in &edges[order[next]] {
                visits += 1;
                if order.len() >= MAX_MEMBERS.min(edges.len()) || visits > MAX_EDGE_VISITS {
                    break 'search;
                }
                if !seen[neighbour] {
                    seen[neighbour] = true;
                    order.push(neighbour);
                }
            }
            next += 1;
        }
        order
    }

    /// The rules a role grants: its own and, for an aggregated ClusterRole,
    /// those of every ClusterRole its selectors match (recursively).
    pub fn effective_rules<'a>(&'a self, role: &'a RoleFact) -> Vec<EffectiveRule<'a>> {
        let Some(start) = self.index_of(role) else {
            return role
                .rules
                .iter()
                .map(|rule| EffectiveRule { source: role, rule })
                .collect();
        };
        self.reach(start, &self.graph().members)
            .into_iter()
            .flat_map(|index| {
                let source = &self.roles[index];
                source.rules.iter().map(move |rule| EffectiveRule { source, rule })
            })
            .collect()
    }

    /// Every subject that can `verb` `resource` (in `group`; `None` for any
    /// group), in `namespace` (`None`: anywhere), with the chain that grants
    /// it.
    pub fn who_can(&self, verb: &str, group: Option<&str>, resource: &str, namespace: Option<&str>) -> Vec<Grant> {
        let mut grants = Vec::new();
        for binding in &self.bindings {
            let scope = binding.namespace.as_deref();
            if let (Some(wanted), Some(bound)) = (namespace, scope)
                && wanted != bound
            {
                continue;
            }
            let Some(role) = self.resolve_role(binding.role_kind, scope, &binding.role_name) else {
                continue;
            };
            for effective in self.effective_rules(role) {
                let rule = effective.rule;
                let group_ok = match group {
                    Some(g) => rule.api_groups.iter().any(|a| a == "*" || a == g),
                    None => true,
                };
                if !(group_ok && rule.allows_verb(verb) && rule.covers_resource(resource)) {
                    continue;
                }
                for subject in &binding.subjects {
                    grants.push(Grant {
                        subject: subject.clone(),
                        binding: binding_name(binding),
                        role: role_name(role),
                        aggregated_from: (!std::ptr::eq(effective.source, role)).then(|| role_name(effective.source)),
                        rule: rule.clone(),
                        rule_index: rule.index,
                        namespace: scope.map(str::to_string),
                    });
                }
            }
        }
        grants.sort_by(|a, b| (&a.subject, &a.binding, &a.role).cmp(&(&b.subject, &b.binding, &b.role)));
        grants
    }

    /// Whether `role` amounts to cluster-admin: it is `cluster-admin`, or
    /// one of its effective rules grants every verb (`*`, or all seven
    /// read and write verbs) on every resource of every group.
    pub fn is_admin(&self, role: &RoleFact) -> bool {
        (role.kind == RoleKind::ClusterRole && role.name == "cluster-admin")
            || self.effective_rules(role).iter().any(|e| {
                let all = |values: &[String]| values.iter().any(|v| v == "*");
                // Listing every write and read verb is `*` in all but name.
                let every_verb = all(&e.rule.verbs)
                    || ["get", "list", "watch", "create", "update", "patch", "delete"]
                        .iter()
                        .all(|verb| e.rule.verbs.iter().any(|v| v == verb));
                every_verb && all(&e.rule.resources) && all(&e.rule.api_groups)
            })
    }

    /// The ClusterRoles that aggregate `role` (directly or through other
    /// aggregated roles), `role` itself included.
    pub fn granting_roles<'a>(&'a self, role: &'a RoleFact) -> Vec<&'a RoleFact> {
        match self.index_of(role) {
            Some(start) => self
                .reach(start, &self.graph().aggregators)
                .into_iter()
                .map(|index| &self.roles[index])
                .collect(),
            None => vec![role],
        }
    }

    /// The bindings that grant `role` (a ClusterRole is granted cluster-wide
    /// by a ClusterRoleBinding, in one namespace by a RoleBinding).
    pub fn bindings_of<'a>(&'a self, role: &'a RoleFact) -> impl Iterator<Item = &'a BindingFact> + 'a {
        self.bindings.iter().filter(move |b| {
            b.role_kind == role.kind
                && b.role_name == role.name
                && (role.kind == RoleKind::ClusterRole || b.namespace == role.namespace)
        })
    }
}

pub fn role_name(role: &RoleFact) -> String {
    let name = role_path(role.kind, role.namespace.as_deref(), &role.name);
    if &*role.site.path == crate::builtin_roles::BUILTIN_PATH {
        format!("{name} (built-in)")
    } else {
        name
    }
}

/// `Role/namespace/name` or `ClusterRole/name`.
fn role_path(kind: RoleKind, namespace: Option<&str>, name: &str) -> String {
    match (kind, namespace) {
        (RoleKind::Role, Some(ns)) => format!("Role/{ns}/{name}"),
        (RoleKind::Role, None) => format!("Role/{name}"),
        (RoleKind::ClusterRole, _) => format!("ClusterRole/{name}"),
    }
}

pub fn binding_name(binding: &BindingFact) -> String {
    match &binding.namespace {
        Some(ns) => format!("{}/{ns}/{}", binding.kind, binding.name),
        None => format!("{}/{}", binding.kind, binding.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        PolicyRule {
            api_groups: strings(groups),
            resources: strings(resources),
            verbs: strings(verbs),
            resource_names: vec![],
            non_resource_urls: vec![],
            index: 0,
            pos: Pos::default(),
        }
    }

    #[test]
    fn mutually_aggregating_roles_resolve_once_and_stay_bounded() {
        // 600 ClusterRoles that all aggregate one another, plus one with a
        // wildcard rule; every binding must still see the wildcard.
        let mut yaml = String::new();
        for i in 0..600 {
            yaml.push_str(&format!(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: r{i}, labels: {{ring: \"x\"}}}}\naggregationRule: {{clusterRoleSelectors: [{{matchLabels: {{ring: \"x\"}}}}]}}\nrules: []\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: b{i}}}\nroleRef: {{kind: ClusterRole, name: r{i}}}\nsubjects: [{{kind: User, name: u{i}}}]\n---\n"
            ));
        }
        yaml.push_str("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: all, labels: {ring: \"x\"}}\nrules: [{apiGroups: [\"*\"], resources: [\"*\"], verbs: [\"*\"]}]\n");
        let loaded = crate::loader::load_bytes("ring.yaml", yaml.as_bytes(), &crate::loader::LoadOptions::default());
        let config = crate::engine::ScanConfig::default();
        let mut inventory = crate::inventory::Inventory::default();
        for object in &loaded.objects {
            inventory.record(object, &config, None);
        }
        let rbac = &inventory.rbac;
        let first = rbac.find_role(RoleKind::ClusterRole, None, "r0").unwrap();
        assert!(rbac.is_admin(first));
        assert_eq!(rbac.who_can("delete", None, "nodes", None).len(), 600);
        let wildcard = rbac.find_role(RoleKind::ClusterRole, None, "all").unwrap();
        assert_eq!(rbac.granting_roles(wildcard).len(), 601);
    }

    #[test]
    fn rule_matching_follows_the_authorizer() {
        let exec = rule(&[""], &["pods/exec"], &["create"]);
        assert!(exec.allows("create", "", "pods/exec"));
        assert!(!exec.allows("create", "", "pods"));
        assert!(!exec.allows("get", "", "pods/exec"));
        let scale = rule(&["apps"], &["*/scale"], &["update"]);
        assert!(scale.allows("update", "apps", "deployments/scale"));
        assert!(!scale.allows("update", "apps", "deployments"));
        assert!(!scale.allows("update", "", "deployments/scale"));
        let everything = rule(&["*"], &["*"], &["*"]);
        assert!(everything.allows("delete", "rbac.authorization.k8s.io", "clusterroles"));
        assert!(everything.allows("create", "", "pods/exec"));
    }
}
