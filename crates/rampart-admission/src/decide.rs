//! What the webhook answers: one request judged by the scan pipeline, and
//! the mode turning findings into an answer.
//!
//! Each finding gets the mode rampart.toml's `[admission]` gives its rule
//! or namespace, else the global one:
//!
//! - `audit`: always allow; the decision log says what would have happened.
//! - `warn`: allow, with a warning per finding (rule id and field).
//! - `enforce`: deny when a finding is at or above `fail-on`, listing each
//!   rule id, field and fix; below it, warn.
//!
//! DELETE and CONNECT are allowed unjudged, as are exempt namespaces. On
//! UPDATE, a finding the old object already had is allowed with a warning
//! (an unrelated change to a legacy workload must not break a deploy); one
//! the update adds is judged by the mode.

use std::collections::BTreeSet;
use std::str::FromStr;

use std::collections::BTreeMap;

use rampart_core::{Finding, RuleSelector, Severity};
use rampart_scan::Pipeline;
use serde_json::Value;

use crate::review::{AdmissionRequest, MAX_MESSAGE, MAX_WARNING, shorten};

/// How findings turn into answers, from the mildest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    Audit,
    Warn,
    Enforce,
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(text: &str) -> Result<Mode, String> {
        match text {
            "audit" => Ok(Mode::Audit),
            "warn" => Ok(Mode::Warn),
            "enforce" => Ok(Mode::Enforce),
            other => Err(format!("`{other}` is not a mode (audit, warn or enforce)")),
        }
    }
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Audit => "audit",
            Mode::Warn => "warn",
            Mode::Enforce => "enforce",
        }
    }
}

/// The webhook's choices.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The mode of findings no rule or namespace entry names.
    pub mode: Mode,
    /// Modes by rule selector (id, `prefix-*`, control, severity).
    pub rule_modes: Vec<(RuleSelector, Mode)>,
    /// Modes by namespace.
    pub namespace_modes: BTreeMap<String, Mode>,
    /// Namespaces never judged.
    pub exempt_namespaces: Vec<String>,
    /// In `enforce`, findings at or above this severity deny.
    pub fail_on: Severity,
    /// Image signature verification (rampart.toml's `[[images.policy]]`), when configured.
    pub images: Option<ImageChecks>,
}

/// The signature checker the webhook asks about each admitted workload's images.
#[derive(Clone)]
pub struct ImageChecks(pub std::sync::Arc<rampart_images::signature::SignatureChecker>);

impl std::fmt::Debug for ImageChecks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ImageChecks({} policies)", self.0.policies().policies.len())
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            mode: Mode::Warn,
            rule_modes: Vec::new(),
            namespace_modes: BTreeMap::new(),
            exempt_namespaces: vec!["kube-system".to_string(), "kube-node-lease".to_string()],
            fail_on: Severity::High,
            images: None,
        }
    }
}

impl Settings {
    /// The mode for one finding: the most specific rule entry (an id over
    /// a prefix over a control over a severity), else the namespace's,
    /// else the global one.
    pub fn mode_for(&self, finding: &Finding, namespace: Option<&str>) -> Mode {
        self.rule_mode(&finding.rule, &finding.controls, finding.severity)
            .or_else(|| namespace.and_then(|namespace| self.namespace_modes.get(namespace).copied()))
            .unwrap_or(self.mode)
    }

    /// The mode `[admission.rules]` gives a rule, by its most specific
    /// entry (an id over a prefix over a control over a severity).
    pub fn rule_mode(&self, rule: &str, controls: &[rampart_core::Control], severity: Severity) -> Option<Mode> {
        let specificity = |selector: &RuleSelector| match selector {
            RuleSelector::Id(_) => 0,
            RuleSelector::Prefix(_) => 1,
            RuleSelector::Control(_) => 2,
            RuleSelector::Severity(_) => 3,
            RuleSelector::All => 4,
        };
        self.rule_modes
            .iter()
            .filter(|(selector, _)| selector.matches(rule, controls, severity))
            .min_by_key(|(selector, _)| specificity(selector))
            .map(|(_, mode)| *mode)
    }
}

/// The answer to one request, and what the decision log records.
#[derive(Debug, Clone, Default)]
pub struct Decision {
    pub allowed: bool,
    /// Shown to the user when denied.
    pub message: Option<String>,
    pub warnings: Vec<String>,
    /// Rule ids of the open findings.
    pub rules: Vec<String>,
    /// Each of those rules with the mode it was judged in (the strictest,
    /// when its findings differ).
    pub rule_modes: Vec<(String, Mode)>,
    /// Rule ids the old object already broke (UPDATE).
    pub existing: Vec<String>,
    /// Rule ids whose findings denied the request.
    pub blocked: Vec<String>,
    /// Why the request was not judged, when it was not.
    pub skipped: Option<&'static str>,
    /// The controller that owns the object (`ReplicaSet/web-5d9c`).
    pub owner: Option<String>,
}

/// How many warnings one answer carries; the rest are counted.
const MAX_WARNINGS: usize = 12;

/// A finding judged outside the pipeline (an image's signature check), with the mildest of
/// its own policy's mode and the webhook's that applies, and whether the old object (UPDATE)
/// already had it.
#[derive(Debug, Clone)]
pub struct Judged {
    pub finding: Finding,
    pub cap: Mode,
    pub existing: bool,
}

/// One finding as the answer weighs it.
struct Entry<'a> {
    finding: &'a Finding,
    cap: Mode,
    existing: bool,
}

/// Judges `request` with `pipeline` under `settings`.
pub fn decide(pipeline: &Pipeline, settings: &Settings, request: &AdmissionRequest) -> Decision {
    decide_with(pipeline, settings, request, &[])
}

/// Whether a request is judged at all, and the namespace it is judged in: `Err` says why not.
pub fn judged_namespace(settings: &Settings, request: &AdmissionRequest) -> Result<Option<String>, &'static str> {
    if matches!(request.operation.as_str(), "DELETE" | "CONNECT") {
        return Err("DELETE and CONNECT are not judged");
    }
    let Some(object) = &request.object else {
        return Err("no object in the request");
    };
    let namespace = request.namespace.clone().or_else(|| {
        object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .map(String::from)
    });
    if namespace
        .as_ref()
        .is_some_and(|ns| settings.exempt_namespaces.contains(ns))
    {
        return Err("exempt namespace");
    }
    Ok(namespace)
}

/// Judges `request` with `pipeline` under `settings`, with `extra` findings judged elsewhere.
pub fn decide_with(pipeline: &Pipeline, settings: &Settings, request: &AdmissionRequest, extra: &[Judged]) -> Decision {
    let namespace = match judged_namespace(settings, request) {
        Ok(namespace) => namespace,
        Err(skipped) => {
            return Decision {
                allowed: true,
                skipped: Some(skipped),
                ..Decision::default()
            };
        }
    };
    let Some(object) = &request.object else {
        return Decision::default();
    };
    let findings = judge(pipeline, request, object, namespace.as_deref());
    let existing: BTreeSet<(String, String)> = match (&request.operation[..], &request.old_object) {
        ("UPDATE", Some(old)) => judge(pipeline, request, old, namespace.as_deref())
            .into_iter()
            .map(|finding| (finding.rule.to_string(), finding.field))
            .collect(),
        _ => BTreeSet::new(),
    };
    let entries: Vec<Entry<'_>> = findings
        .iter()
        .map(|finding| Entry {
            finding,
            cap: Mode::Enforce,
            existing: existing.contains(&(finding.rule.to_string(), finding.field.clone())),
        })
        .chain(
            extra
                .iter()
                .filter(|judged| !judged.finding.suppressed && judged.finding.severity > Severity::Info)
                .map(|judged| Entry {
                    finding: &judged.finding,
                    cap: judged.cap,
                    existing: judged.existing,
                }),
        )
        .collect();
    let mode_of = |entry: &Entry<'_>| settings.mode_for(entry.finding, namespace.as_deref()).min(entry.cap);
    let owner = owner_of(object);
    let mut decision = Decision {
        allowed: true,
        rules: entries.iter().map(|entry| entry.finding.rule.to_string()).collect(),
        existing: entries
            .iter()
            .filter(|entry| entry.existing)
            .map(|entry| entry.finding.rule.to_string())
            .collect(),
        owner: owner.clone(),
        ..Decision::default()
    };
    decision.rules.sort();
    decision.rules.dedup();
    decision.rule_modes = decision
        .rules
        .iter()
        .map(|rule| {
            let mode = entries
                .iter()
                .filter(|entry| entry.finding.rule == *rule)
                .map(mode_of)
                .max()
                .unwrap_or(settings.mode);
            (rule.clone(), mode)
        })
        .collect();
    decision.existing.sort();
    decision.existing.dedup();
    let blocking: Vec<&Entry<'_>> = entries
        .iter()
        .filter(|entry| {
            mode_of(entry) == Mode::Enforce && entry.finding.severity >= settings.fail_on && !entry.existing
        })
        .collect();
    // The most severe first: the list is cut at MAX_WARNINGS. Findings in
    // audit mode are only logged.
    let mut warned: Vec<&Entry<'_>> = entries
        .iter()
        .filter(|entry| mode_of(entry) != Mode::Audit)
        .filter(|entry| !blocking.iter().any(|b| std::ptr::eq(*b, *entry)))
        .collect();
    warned.sort_by_key(|entry| std::cmp::Reverse(entry.finding.severity));
    for entry in warned {
        let existing = if entry.existing { " (already there)" } else { "" };
        decision.warnings.push(shorten(
            &format!("{}: {}{existing}", entry.finding.rule, entry.finding.field),
            MAX_WARNING,
        ));
    }
    if decision.warnings.len() > MAX_WARNINGS {
        let more = decision.warnings.len() - (MAX_WARNINGS - 1);
        decision.warnings.truncate(MAX_WARNINGS - 1);
        decision.warnings.push(format!(
            "rampart: {more} more finding(s); `rampart scan` lists them all"
        ));
    }
    decision.blocked = blocking.iter().map(|entry| entry.finding.rule.to_string()).collect();
    decision.blocked.sort();
    decision.blocked.dedup();
    if !blocking.is_empty() {
        decision.allowed = false;
        let whose = owner.map(|owner| format!(" (owned by {owner})")).unwrap_or_default();
        let mut message = format!(
            "rampart denied this {}{whose}: {} finding(s) at or above {}",
            request.kind.kind,
            blocking.len(),
            settings.fail_on
        );
        for entry in &blocking {
            let finding = entry.finding;
            message.push_str(&format!(
                "\n- {} ({}): {} Fix: {}",
                finding.rule, finding.field, finding.message, finding.fix
            ));
        }
        decision.message = Some(shorten(&message, MAX_MESSAGE));
    }
    decision
}

/// The open findings (info left out) of one object, with its namespace
/// filled in from the request.
fn judge(pipeline: &Pipeline, request: &AdmissionRequest, object: &Value, namespace: Option<&str>) -> Vec<Finding> {
    let mut object = object.clone();
    if let Some(namespace) = namespace
        && object.pointer("/metadata/namespace").is_none()
        && let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut)
    {
        metadata.insert("namespace".to_string(), Value::String(namespace.to_string()));
    }
    let Ok(bytes) = serde_json::to_vec(&object) else {
        return Vec::new();
    };
    let name = format!(
        "admission/{}/{}/{}",
        request.kind.kind,
        namespace.unwrap_or("-"),
        request.name.as_deref().unwrap_or("-")
    );
    pipeline
        .scan_object(&name, &bytes)
        .report
        .findings
        .into_iter()
        .filter(|finding| !finding.suppressed && finding.severity > Severity::Info)
        .collect()
}

/// `Kind/name` of the controller that owns the object.
fn owner_of(object: &Value) -> Option<String> {
    object
        .pointer("/metadata/ownerReferences")?
        .as_array()?
        .iter()
        .find(|owner| owner["controller"] == Value::Bool(true))
        .and_then(|owner| Some(format!("{}/{}", owner["kind"].as_str()?, owner["name"].as_str()?)))
}
