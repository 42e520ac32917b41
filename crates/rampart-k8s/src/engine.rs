//! Runs the rules over loaded objects.
//!
//! A scan is two steps, so that a large scan never holds every parsed tree
//! at once: each file is checked on its own as soon as it is parsed (in
//! parallel), leaving findings, some of them *conditional* on other objects,
//! plus the few facts about its objects that other files may need (the
//! [`Inventory`]); once every file is in, the conditions are settled against
//! the whole inventory.

use rampart_core::{Coverage, Date, Finding, PssLevel, RuleSelector, ScanError};
use rayon::prelude::*;

use crate::inventory::Inventory;
use crate::object::Object;
use crate::rules::{Check, InventoryReporter, Reporter, Rule, Shape};
use crate::workload::{PodSpec, WorkloadKinds};

/// Settings that change what rules report.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// Registries images may come from (`registry.example.com`,
    /// `ghcr.io/acme`); empty turns the check off.
    pub allowed_registries: Vec<String>,
    /// Images no workload may run (rampart.toml `[[images.block]]`); empty turns
    /// `image-blocked` off.
    pub blocked_images: Vec<rampart_core::BlockedImage>,
    /// Namespace of objects that set none, as `kubectl apply -n` would.
    pub default_namespace: String,
    pub workload_kinds: WorkloadKinds,
    /// Annotation naming who owns an RBAC object.
    pub owner_annotation: String,
    /// Annotation giving the date an RBAC object must be reviewed by.
    pub review_annotation: String,
    /// The date expiry is judged against (today, unless a test says).
    pub today: Date,
    /// The time (Unix seconds) expiries to the minute are judged against (break-glass
    /// bindings).
    pub now: i64,
    /// Rules no waiver annotation can suppress (rampart.toml `non-waivable`).
    pub non_waivable: Vec<RuleSelector>,
    /// Days a Secret may go unwritten (rampart.toml `[secrets]
    /// max-age-days`).
    pub secret_max_age_days: u32,
    /// The objects are a cluster as it runs (`rampart audit`), not files
    /// of a repository: what is missing is missing, not kept elsewhere.
    /// Rules about absent objects (`Subjects::InCluster`) judge only then.
    pub cluster: bool,
    /// The namespaces a cluster audit was limited to (`-n`); empty for
    /// all. Rules about what nothing uses judge only a whole cluster.
    pub cluster_namespaces: Vec<String>,
    /// The API server's version (`v1.29.3`) as its `/version` says, when
    /// a live audit read it.
    pub cluster_version: Option<String>,
    /// The Secret values this cluster shares with the other clusters of
    /// the audit, when `--compare-secret-values` compared them; `None`
    /// when nothing was compared (the rule that reports them judges
    /// nothing then).
    pub shared_secret_values: Option<std::sync::Arc<Vec<crate::cluster_facts::SharedValue>>>,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            allowed_registries: Vec::new(),
            blocked_images: Vec::new(),
            default_namespace: "default".to_string(),
            workload_kinds: WorkloadKinds::default(),
            owner_annotation: "rampart.dev/owner".to_string(),
            review_annotation: "rampart.dev/review-by".to_string(),
            today: Date::today(),
            now: rampart_core::unix_now(),
            non_waivable: Vec::new(),
            secret_max_age_days: 90,
            cluster: false,
            cluster_namespaces: Vec::new(),
            cluster_version: None,
            shared_secret_values: None,
        }
    }
}

/// A fact about other objects that decides whether a finding stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// The finding stands unless this ServiceAccount, found in the scan,
    /// sets `automountServiceAccountToken: false`.
    UnlessServiceAccountDisablesAutomount { namespace: String, name: String },
    /// The finding stands; when the cluster's pods run this unpinned image
    /// by one digest, its fix names that digest.
    NameRunningDigest { image: String },
}

impl Condition {
    /// Whether the finding stands, amended with what the inventory knows.
    fn settle(&self, finding: &mut Finding, inventory: &Inventory) -> bool {
        match self {
            Condition::UnlessServiceAccountDisablesAutomount { namespace, name } => {
                inventory.service_account(namespace, name) != Some(Some(false))
            }
            Condition::NameRunningDigest { image } => {
                if let Some(digests) = inventory.cluster.running_images.get(image)
                    && digests.len() == 1
                    && let Some((digest, running)) = digests.iter().next()
                {
                    let plural = if running.pods == 1 { "" } else { "s" };
                    finding.fix = std::borrow::Cow::Owned(format!(
                        "Pin it to the image the cluster runs ({} pod{plural}): `{image}@{digest}`.",
                        running.pods
                    ));
                }
                true
            }
        }
    }
}

/// The findings about some objects, some of them still conditional.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    pub findings: Vec<Finding>,
    /// What each rule judged.
    pub coverage: Coverage,
    /// Fields of the wrong type, which the API server would reject.
    pub errors: Vec<ScanError>,
    /// (index into `findings`, the condition that finding depends on).
    pub conditions: Vec<(usize, Condition)>,
}

impl Checked {
    /// Appends another batch, keeping the order.
    pub fn append(&mut self, other: Checked) {
        let offset = self.findings.len();
        self.findings.extend(other.findings);
        self.coverage.merge(&other.coverage);
        self.errors.extend(other.errors);
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
            ..
        } = self;
        if conditions.is_empty() {
            return findings;
        }
        let mut keep = vec![true; findings.len()];
        for (index, condition) in &conditions {
            keep[*index] = condition.settle(&mut findings[*index], inventory);
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
    /// Where a rule about something missing looked: a repository's files,
    /// or a whole cluster.
    pub fn looked_in(&self) -> &'static str {
        if self.config.cluster {
            "in the cluster"
        } else {
            "in the scanned manifests"
        }
    }

    /// The namespace an object lands in.
    pub fn namespace_of<'o>(&'o self, object: &'o Object) -> &'o str {
        object.namespace.as_deref().unwrap_or(&self.config.default_namespace)
    }
}

/// Runs `rules` over the objects of one input; the findings come back in
/// object order, each object's sorted by position and rule. Also returns the
/// input's facts for the inventory.
pub fn check_file(objects: &[Object], config: &ScanConfig, rules: &[&'static Rule]) -> (Checked, Inventory) {
    let context = RuleContext { config };
    let mut checked = Checked::default();
    let mut inventory = Inventory::default();
    let mut judged = vec![0usize; rules.len()];
    for object in objects {
        let pod = config.workload_kinds.pod_of(object);
        let is_workload = config.workload_kinds.find(object).is_some();
        for error in pod.iter().flat_map(|pod| pod.type_errors()) {
            checked.errors.push(ScanError::new(
                object.path.to_string(),
                Some(error.pos.line as usize),
                error.message,
            ));
        }
        let first = checked.findings.len();
        let mut reported = Vec::new();
        let pss_violations = check_object(object, pod.as_ref(), is_workload, &context, rules, &mut reported);
        let shape = Shape {
            in_cluster: config.cluster,
            secrets_compared: config.shared_secret_values.is_some(),
            has_pod: pod.is_some(),
            is_workload,
            has_waivers: inventory.record(object, config, pss_violations),
            images_blocked: !config.blocked_images.is_empty(),
            registries_listed: !config.allowed_registries.is_empty(),
        };
        for (count, rule) in judged.iter_mut().zip(rules) {
            *count += usize::from(rule.judges(object, &shape));
        }
        reported.sort_by(|(a, _), (b, _)| {
            (a.location.line, a.location.column, &a.rule, &a.field).cmp(&(
                b.location.line,
                b.location.column,
                &b.rule,
                &b.field,
            ))
        });
        for (offset, (finding, condition)) in reported.into_iter().enumerate() {
            checked.findings.push(finding);
            if let Some(condition) = condition {
                checked.conditions.push((first + offset, condition));
            }
        }
    }
    for (count, rule) in judged.into_iter().zip(rules) {
        checked.coverage.add_rule(rule.meta.id, count);
    }
    (checked, inventory)
}

/// What a scan of manifests comes to.
#[derive(Debug, Default)]
pub struct Finished {
    pub findings: Vec<Finding>,
    /// What each rule judged.
    pub coverage: Coverage,
    /// Every waiver annotation read, for the caller to check the rule ids
    /// they name against every engine's.
    pub waivers: Vec<crate::waivers::Waiver>,
}

/// The second step, once every input is in: settles conditional findings
/// and runs the rules that judge the inventory as a whole. The findings
/// come with what each rule judged.
pub fn finish(
    mut checked: Checked,
    mut inventory: Inventory,
    config: &ScanConfig,
    rules: &[&'static Rule],
) -> Finished {
    inventory.build_indexes();
    let inventory = &inventory;
    let coverage = std::mem::take(&mut checked.coverage);
    let mut findings = checked.settle(inventory);
    let context = RuleContext { config };
    let mut whole = Vec::new();
    for rule in rules {
        if let Check::Inventory(_, check) = rule.check {
            let mut reporter = InventoryReporter::new(&rule.meta, &mut whole);
            check(inventory, &context, &mut reporter);
        }
    }
    whole.sort_by(|a: &Finding, b: &Finding| (&a.location, &a.rule, &a.field).cmp(&(&b.location, &b.rule, &b.field)));
    findings.extend(whole);
    crate::waivers::apply(&mut findings, &inventory.waivers, &config.non_waivable);
    let mut waivers: Vec<crate::waivers::Waiver> = inventory.waivers.values().flatten().cloned().collect();
    waivers.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    Finished {
        findings,
        coverage,
        waivers,
    }
}

/// Both steps over objects already in memory (tests, the admission webhook,
/// a cluster snapshot).
pub fn check_objects(objects: &[Object], config: &ScanConfig, rules: &[&'static Rule]) -> Vec<Finding> {
    let batches: Vec<(Checked, Inventory)> = objects
        .par_chunks(64)
        .map(|chunk| check_file(chunk, config, rules))
        .collect();
    let mut all = Checked::default();
    let mut inventory = Inventory::default();
    for (batch, facts) in batches {
        all.append(batch);
        inventory.merge(facts);
    }
    finish(all, inventory, config, rules).findings
}

/// Runs the rules on one object; for a workload, also returns the Pod
/// Security Standards rules its pod breaks (every PSS rule is evaluated for
/// that, selected or not, so admission checks see the whole picture).
fn check_object(
    object: &Object,
    pod: Option<&PodSpec<'_>>,
    is_workload: bool,
    context: &RuleContext<'_>,
    rules: &[&'static Rule],
    out: &mut Vec<(Finding, Option<Condition>)>,
) -> Option<Vec<(PssLevel, &'static str)>> {
    // Every workload kind gets a list, even without a pod spec: the
    // inventory still needs its labels.
    let mut violations = is_workload.then(Vec::new);
    for rule in rules {
        let before = out.len();
        let mut reporter = Reporter::new(&rule.meta, object, out);
        match rule.check {
            Check::Pod(check) => {
                if let Some(pod) = pod {
                    check(pod, context, &mut reporter);
                }
            }
            Check::Object(_, check) => check(object, context, &mut reporter),
            Check::Inventory(..) => {}
        }
        if let (Some(level), Some(violations)) = (rule.meta.pss, violations.as_mut())
            && out.len() > before
        {
            violations.push((level, rule.meta.id));
        }
    }
    if let (Some(pod), Some(violations)) = (pod, violations.as_mut()) {
        for rule in crate::rules::all() {
            let (Some(level), Check::Pod(check)) = (rule.meta.pss, rule.check) else {
                continue;
            };
            if rules.iter().any(|r| std::ptr::eq(*r, *rule)) {
                continue;
            }
            let mut scratch = Vec::new();
            check(pod, context, &mut Reporter::new(&rule.meta, object, &mut scratch));
            if !scratch.is_empty() {
                violations.push((level, rule.meta.id));
            }
        }
    }
    violations
}
