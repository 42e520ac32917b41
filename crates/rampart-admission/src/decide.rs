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
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            mode: Mode::Warn,
            rule_modes: Vec::new(),
            namespace_modes: BTreeMap::new(),
            exempt_namespaces: vec!["kube-system".to_string(), "kube-node-lease".to_string()],
            fail_on: Severity::High,
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

/// Judges `request` with `pipeline` under `settings`.
pub fn decide(pipeline: &Pipeline, settings: &Settings, request: &AdmissionRequest) -> Decision {
    let allow = |skipped| Decision {
        allowed: true,
        skipped: Some(skipped),
        ..Decision::default()
    };
    if matches!(request.operation.as_str(), "DELETE" | "CONNECT") {
        return allow("DELETE and CONNECT are not judged");
    }
    let Some(object) = &request.object else {
        return allow("no object in the request");
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
        return allow("exempt namespace");
    }
    let findings = judge(pipeline, request, object, namespace.as_deref());
    let existing: BTreeSet<(String, String)> = match (&request.operation[..], &request.old_object) {
        ("UPDATE", Some(old)) => judge(pipeline, request, old, namespace.as_deref())
            .into_iter()
            .map(|finding| (finding.rule.to_string(), finding.field))
            .collect(),
        _ => BTreeSet::new(),
    };
    let is_existing = |finding: &Finding| existing.contains(&(finding.rule.to_string(), finding.field.clone()));
    let owner = owner_of(object);
    let mut decision = Decision {
        allowed: true,
        rules: findings.iter().map(|finding| finding.rule.to_string()).collect(),
        existing: findings
            .iter()
            .filter(|finding| is_existing(finding))
            .map(|finding| finding.rule.to_string())
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
            let mode = findings
                .iter()
                .filter(|finding| finding.rule == *rule)
                .map(|finding| settings.mode_for(finding, namespace.as_deref()))
                .max()
                .unwrap_or(settings.mode);
            (rule.clone(), mode)
        })
        .collect();
    decision.existing.sort();
    decision.existing.dedup();
    let mode_of = |finding: &Finding| settings.mode_for(finding, namespace.as_deref());
    let blocking: Vec<&Finding> = findings
        .iter()
        .filter(|finding| {
            mode_of(finding) == Mode::Enforce && finding.severity >= settings.fail_on && !is_existing(finding)
        })
        .collect();
    // The most severe first: the list is cut at MAX_WARNINGS. Findings in
    // audit mode are only logged.
    let mut warned: Vec<&Finding> = findings
        .iter()
        .filter(|finding| mode_of(finding) != Mode::Audit)
        .filter(|finding| !blocking.iter().any(|b| std::ptr::eq(*b, *finding)))
        .collect();
    warned.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
    for finding in warned {
        let existing = if is_existing(finding) { " (already there)" } else { "" };
        decision.warnings.push(shorten(
            &format!("{}: {}{existing}", finding.rule, finding.field),
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
    decision.blocked = blocking.iter().map(|finding| finding.rule.to_string()).collect();
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
        for finding in &blocking {
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
