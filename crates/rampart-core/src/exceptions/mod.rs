//! Exceptions: accepted risks with a justification, compensating controls,
//! an owner, an approver and an expiry date (`.rampart/exceptions.yaml`).
//!
//! An active exception suppresses the findings it matches, from any
//! scanner. An expired one suppresses nothing and raises
//! `exception-expired`; one close to its date raises `exception-expiring`;
//! one that matched nothing raises `exception-unused`. Rules named
//! `non-waivable` in rampart.toml cannot be excepted.

pub mod exception_expired;
pub mod exception_expiring;
pub mod exception_unused;

use std::borrow::Cow;
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Serialize;

use crate::{Control, Date, Finding, Location, RuleMeta, RuleSelector};

/// The rules of the exceptions process itself.
pub const RULES: [&RuleMeta; 3] = [
    &exception_expired::META,
    &exception_expiring::META,
    &exception_unused::META,
];

/// A process rule's documentation: the `//!` comment of its file.
pub fn doc(id: &str) -> Option<String> {
    const SOURCES: [(&str, &str); 3] = [
        ("exception-expired", include_str!("exception_expired.rs")),
        ("exception-expiring", include_str!("exception_expiring.rs")),
        ("exception-unused", include_str!("exception_unused.rs")),
    ];
    let (_, source) = SOURCES.iter().find(|(rule, _)| *rule == id)?;
    let lines: Vec<&str> = source
        .lines()
        .take_while(|line| line.starts_with("//!"))
        .map(|line| {
            line.trim_start_matches("//!")
                .strip_prefix(' ')
                .unwrap_or(line.trim_start_matches("//!"))
        })
        .collect();
    Some(lines.join("\n") + "\n")
}

/// Where the exceptions file is when rampart.toml does not say.
pub const DEFAULT_FILE: &str = ".rampart/exceptions.yaml";
/// Days before expiry that an exception starts to warn.
pub const DEFAULT_WARN_DAYS: u32 = 14;

/// What an exception covers: every field given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExceptionMatch {
    pub kind: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub container: Option<String>,
    /// Globs over the finding's file path (`deploy/legacy/**`).
    pub paths: Vec<String>,
    /// A vulnerability id (`CVE-2024-0001`): the vulnerability gate's
    /// findings of it.
    pub vulnerability: Option<String>,
    /// A glob over an image's name (`ghcr.io/acme/*`: `*` stays within a
    /// path segment, `**` crosses them, as Sigstore's policy-controller
    /// reads them).
    pub image: Option<String>,
    /// The identity of an audit-log detection: a username, or a prefix ending in `*`
    /// (`system:serviceaccount:backup:*`).
    pub user: Option<String>,
    /// A group the audit-log detection's identity is in (a trailing `*` matches a prefix).
    pub group: Option<String>,
}

/// Whether `pattern` (a name, or a prefix ending in `*`) matches `text`.
fn identity_matches(pattern: &str, text: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => text.starts_with(prefix),
        None => pattern == text,
    }
}

/// One accepted risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exception {
    pub id: String,
    /// Rule ids, `prefix-*`, controls or severities.
    pub rules: Vec<String>,
    #[serde(rename = "match")]
    pub matcher: ExceptionMatch,
    pub justification: String,
    pub compensating_controls: Vec<String>,
    pub owner: String,
    pub approved_by: String,
    pub ticket: Option<String>,
    pub expires: Date,
    /// The file and line it is written at.
    pub file: String,
    pub line: usize,
}

/// An exception's state on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    Expiring,
    Expired,
}

impl Status {
    /// `active`, `expiring` or `expired`, as in the JSON.
    pub fn label(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Expiring => "expiring",
            Status::Expired => "expired",
        }
    }
}

/// How the reason of a finding an exception suppresses starts.
const EXCEPTED_REASON: &str = "exception ";

/// Whether an exception of the exceptions file suppressed `finding` (not
/// a waiver or the baseline).
pub fn is_excepted(finding: &Finding) -> bool {
    finding.suppressed
        && finding
            .suppression_reason
            .as_deref()
            .is_some_and(|reason| reason.starts_with(EXCEPTED_REASON))
}

impl Exception {
    /// Days from `today` to the expiry date (negative once past).
    pub fn days_left(&self, today: Date) -> i64 {
        today.days_until(self.expires)
    }

    pub fn status(&self, today: Date, warn_days: u32) -> Status {
        match self.days_left(today) {
            left if left < 0 => Status::Expired,
            left if left <= i64::from(warn_days) => Status::Expiring,
            _ => Status::Active,
        }
    }
}

/// The exceptions of a scan, ready to match.
pub struct Exceptions {
    list: Vec<Exception>,
    selectors: Vec<Vec<RuleSelector>>,
    paths: Vec<Option<GlobSet>>,
    images: Vec<Option<globset::GlobMatcher>>,
}

/// What applying the exceptions did, per exception (same order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    /// Findings each exception matched (suppressed, or that it would have
    /// suppressed had it not expired).
    pub matched: Vec<usize>,
}

impl Exceptions {
    /// Compiles the path globs; a bad glob is an error naming the exception.
    pub fn new(list: Vec<Exception>) -> Result<Exceptions, String> {
        let mut paths = Vec::with_capacity(list.len());
        for exception in &list {
            if exception.matcher.paths.is_empty() {
                paths.push(None);
                continue;
            }
            let mut builder = GlobSetBuilder::new();
            for pattern in &exception.matcher.paths {
                let glob = Glob::new(pattern).map_err(|error| {
                    format!(
                        "{}:{}: exception `{}`: path glob `{pattern}`: {error}",
                        exception.file, exception.line, exception.id
                    )
                })?;
                builder.add(glob);
            }
            paths.push(Some(builder.build().map_err(|error| error.to_string())?));
        }
        let mut images = Vec::with_capacity(list.len());
        for exception in &list {
            let Some(pattern) = &exception.matcher.image else {
                images.push(None);
                continue;
            };
            let glob = globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|error| {
                    format!(
                        "{}:{}: exception `{}`: image glob `{pattern}`: {error}",
                        exception.file, exception.line, exception.id
                    )
                })?;
            images.push(Some(glob.compile_matcher()));
        }
        let selectors = list
            .iter()
            .map(|exception| exception.rules.iter().map(|rule| RuleSelector::parse(rule)).collect())
            .collect();
        Ok(Exceptions {
            list,
            selectors,
            paths,
            images,
        })
    }

    pub fn list(&self) -> &[Exception] {
        &self.list
    }

    fn matches(&self, index: usize, finding: &Finding) -> bool {
        let exception = &self.list[index];
        let rules = &self.selectors[index];
        if !rules.is_empty()
            && !rules
                .iter()
                .any(|s| s.matches(&finding.rule, &finding.controls, finding.severity))
        {
            return false;
        }
        let wanted = &exception.matcher;
        let resource = finding.resource.as_deref();
        let field_matches = |wanted: &Option<String>, actual: Option<&str>| {
            wanted.as_deref().is_none_or(|wanted| actual == Some(wanted))
        };
        field_matches(&wanted.kind, resource.map(|r| r.kind.as_str()))
            && field_matches(&wanted.namespace, resource.and_then(|r| r.namespace.as_deref()))
            && field_matches(&wanted.name, resource.map(|r| r.name.as_str()))
            && field_matches(&wanted.container, finding.container.as_deref())
            && self.paths[index]
                .as_ref()
                .is_none_or(|globs| globs.is_match(finding.location.path.as_ref()))
            // The gate's findings name `CVE-...:package` in their field.
            && wanted.vulnerability.as_deref().is_none_or(|id| {
                finding
                    .field
                    .split_once(':')
                    .is_some_and(|(vulnerability, _)| vulnerability == id)
            })
            // ... and the scanned image after ` in `, on the image or on a
            // workload running it.
            && self.images[index].as_ref().is_none_or(|glob| {
                finding
                    .field
                    .split_once(" in ")
                    .is_some_and(|(_, image)| glob.is_match(image))
            })
            // An audit-log detection's identity.
            && wanted.user.as_deref().is_none_or(|user| {
                finding
                    .event
                    .as_ref()
                    .is_some_and(|event| identity_matches(user, &event.user))
            })
            && wanted.group.as_deref().is_none_or(|group| {
                finding
                    .event
                    .as_ref()
                    .is_some_and(|event| event.groups.iter().any(|candidate| identity_matches(group, candidate)))
            })
    }

    /// Suppresses the findings active exceptions match, except those of
    /// `non_waivable` rules, and counts every exception's matches.
    pub fn apply(&self, findings: &mut [Finding], today: Date, non_waivable: &[RuleSelector]) -> Usage {
        let mut usage = Usage {
            matched: vec![0; self.list.len()],
        };
        if self.list.is_empty() {
            return usage;
        }
        for finding in findings.iter_mut() {
            if RULES.iter().any(|meta| meta.id == finding.rule) {
                continue;
            }
            let waivable = !non_waivable
                .iter()
                .any(|selector| selector.matches(&finding.rule, &finding.controls, finding.severity));
            for index in 0..self.list.len() {
                if !waivable || !self.matches(index, finding) {
                    continue;
                }
                usage.matched[index] += 1;
                let exception = &self.list[index];
                if exception.days_left(today) >= 0 && !finding.suppressed {
                    finding.suppressed = true;
                    finding.suppression_reason = Some(format!(
                        "{EXCEPTED_REASON}{} (owner {}, expires {})",
                        exception.id, exception.owner, exception.expires
                    ));
                }
            }
        }
        usage
    }

    /// `exception-expired`, `exception-expiring` and `exception-unused`
    /// findings, at each exception's line.
    pub fn findings(&self, usage: &Usage, today: Date, warn_days: u32) -> Vec<Finding> {
        let mut out = Vec::new();
        for (index, exception) in self.list.iter().enumerate() {
            let left = exception.days_left(today);
            let (meta, message) = match exception.status(today, warn_days) {
                Status::Expired => (
                    &exception_expired::META,
                    format!(
                        "exception `{}` expired on {} ({} day{} ago) and no longer suppresses anything; owner: {}",
                        exception.id,
                        exception.expires,
                        -left,
                        if left == -1 { "" } else { "s" },
                        exception.owner
                    ),
                ),
                Status::Expiring => (
                    &exception_expiring::META,
                    format!(
                        "exception `{}` expires on {} (in {left} day{}); owner: {}",
                        exception.id,
                        exception.expires,
                        if left == 1 { "" } else { "s" },
                        exception.owner
                    ),
                ),
                Status::Active => (&exception_unused::META, String::new()),
            };
            if meta.id != exception_unused::META.id {
                out.push(governance_finding(meta, exception, message));
            }
            if usage.matched.get(index) == Some(&0) && left >= 0 {
                out.push(governance_finding(
                    &exception_unused::META,
                    exception,
                    format!(
                        "exception `{}` matched no finding in this scan; owner: {}",
                        exception.id, exception.owner
                    ),
                ));
            }
        }
        out
    }
}

fn governance_finding(meta: &'static RuleMeta, exception: &Exception, message: String) -> Finding {
    Finding {
        rule: Cow::Borrowed(meta.id),
        severity: meta.severity,
        message,
        location: Location {
            path: Arc::from(exception.file.as_str()),
            line: exception.line,
            column: 1,
        },
        resource: None,
        field: format!("exceptions[{}]", exception.id),
        container: None,
        controls: Cow::Borrowed(&[Control::Exceptions]),
        fix: Cow::Borrowed(meta.fix),
        suppressed: false,
        suppression_reason: None,
        secret: None,
        event: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ResourceRef, Severity};

    fn exception(id: &str, rules: &[&str], expires: &str) -> Exception {
        Exception {
            id: id.into(),
            rules: rules.iter().map(|rule| rule.to_string()).collect(),
            matcher: ExceptionMatch::default(),
            justification: "why".into(),
            compensating_controls: vec!["network policy".into()],
            owner: "team-a".into(),
            approved_by: "security".into(),
            ticket: None,
            expires: expires.parse().unwrap(),
            file: ".rampart/exceptions.yaml".into(),
            line: 3,
        }
    }

    fn finding(rule: &'static str, kind: &str, name: &str, container: Option<&str>) -> Finding {
        Finding {
            rule: Cow::Borrowed(rule),
            severity: Severity::High,
            message: String::new(),
            location: Location {
                path: Arc::from("deploy/app.yaml"),
                line: 1,
                column: 1,
            },
            resource: Some(Arc::new(ResourceRef {
                api_version: "apps/v1".into(),
                kind: kind.into(),
                namespace: Some("shop".into()),
                name: name.into(),
            })),
            field: String::new(),
            container: container.map(str::to_string),
            controls: Cow::Borrowed(&[Control::Runtime]),
            fix: Cow::Borrowed(""),
            suppressed: false,
            suppression_reason: None,
            secret: None,
            event: None,
        }
    }

    #[test]
    fn an_exception_expired_yesterday_no_longer_suppresses() {
        let today: Date = "2026-11-22".parse().unwrap();
        let mut yesterday = exception("old", &["run-as-non-root"], "2026-11-21");
        yesterday.matcher.name = Some("legacy".into());
        let exceptions = Exceptions::new(vec![yesterday]).unwrap();
        let mut findings = vec![finding("run-as-non-root", "Deployment", "legacy", Some("app"))];
        let usage = exceptions.apply(&mut findings, today, &[]);
        assert!(!findings[0].suppressed);
        assert!(!is_excepted(&findings[0]));
        assert_eq!(usage.matched, [1]);
        let raised = exceptions.findings(&usage, today, 14);
        assert_eq!(raised.len(), 1);
        assert_eq!(raised[0].rule, "exception-expired");
        assert_eq!(raised[0].severity, Severity::High);
        assert!(raised[0].message.contains("1 day ago") && raised[0].message.contains("team-a"));
        assert_eq!(raised[0].location.line, 3);

        // The same exception on its last day still suppresses, and warns.
        let today: Date = "2026-11-21".parse().unwrap();
        let mut findings = vec![finding("run-as-non-root", "Deployment", "legacy", Some("app"))];
        let usage = exceptions.apply(&mut findings, today, &[]);
        assert!(findings[0].suppressed);
        assert!(
            findings[0]
                .suppression_reason
                .as_deref()
                .unwrap()
                .contains("exception old (owner team-a")
        );
        assert!(is_excepted(&findings[0]));
        assert_eq!(exceptions.list()[0].status(today, 14).label(), "expiring");
        let raised = exceptions.findings(&usage, today, 14);
        assert_eq!(
            raised.iter().map(|f| &*f.rule).collect::<Vec<_>>(),
            ["exception-expiring"]
        );
    }

    #[test]
    fn vulnerabilities_match_by_id_and_image_glob_within_path_segments() {
        let today: Date = "2026-01-01".parse().unwrap();
        let mut accepted = exception("openssl", &["image-vulnerability"], "2026-12-31");
        accepted.matcher.vulnerability = Some("CVE-2024-1".into());
        accepted.matcher.image = Some("ghcr.io/acme/*".into());
        let exceptions = Exceptions::new(vec![accepted]).unwrap();
        let vulnerable = |field: &str, image: &str| {
            let mut finding = finding("image-vulnerability", "Image", image, None);
            finding.field = format!("{field} in {image}");
            finding
        };
        let mut findings = vec![
            vulnerable("CVE-2024-1:openssl", "ghcr.io/acme/shop@sha256:aa"),
            vulnerable("CVE-2024-1:openssl", "ghcr.io/acme/team/shop@sha256:aa"),
            vulnerable("CVE-2024-10:openssl", "ghcr.io/acme/shop@sha256:aa"),
            vulnerable("CVE-2024-1:openssl", "docker.io/acme/shop"),
        ];
        exceptions.apply(&mut findings, today, &[]);
        assert_eq!(
            findings.iter().map(|f| f.suppressed).collect::<Vec<_>>(),
            [true, false, false, false]
        );
    }

    #[test]
    fn audit_detections_are_matched_by_user_and_group() {
        let today: Date = "2026-01-01".parse().unwrap();
        let mut backup = exception("backup", &["audit-secret-read-unexpected"], "2026-12-31");
        backup.matcher.user = Some("system:serviceaccount:backup:*".into());
        let mut oncall = exception("oncall", &["audit-pod-exec"], "2026-12-31");
        oncall.matcher.group = Some("oncall".into());
        let exceptions = Exceptions::new(vec![backup, oncall]).unwrap();
        let detection = |rule: &'static str, user: &str, groups: &[&str]| {
            let mut finding = finding(rule, "Secret", "db", None);
            finding.event = Some(Box::new(crate::AuditEvidence {
                audit_id: "a".into(),
                time: None,
                user: user.into(),
                groups: groups.iter().map(|group| group.to_string()).collect(),
                impersonated_user: None,
                source_ips: Vec::new(),
                user_agent: None,
                verb: "get".into(),
                resource: "secrets".into(),
                code: Some(200),
                incident: "x".into(),
            }));
            finding
        };
        let mut findings = vec![
            detection(
                "audit-secret-read-unexpected",
                "system:serviceaccount:backup:velero",
                &[],
            ),
            detection("audit-secret-read-unexpected", "mallory", &[]),
            detection("audit-pod-exec", "bob", &["system:authenticated", "oncall"]),
            detection("audit-pod-exec", "eve", &["system:authenticated"]),
            finding("audit-pod-exec", "Pod", "web", None),
        ];
        exceptions.apply(&mut findings, today, &[]);
        assert_eq!(
            findings.iter().map(|f| f.suppressed).collect::<Vec<_>>(),
            [true, false, true, false, false]
        );
    }

    #[test]
    fn matches_by_rule_kind_name_container_and_path_and_reports_unused() {
        let today: Date = "2026-01-01".parse().unwrap();
        let mut by_container = exception("sidecar", &["runtime"], "2026-12-31");
        by_container.matcher.container = Some("cache".into());
        let mut by_path = exception("paths", &["image-*"], "2026-12-31");
        by_path.matcher.paths = vec!["deploy/**".into()];
        let unused = exception("typo", &["no-such-rule"], "2026-12-31");
        let exceptions = Exceptions::new(vec![by_container, by_path, unused]).unwrap();
        let mut findings = vec![
            finding("read-only-root-fs", "Deployment", "web", Some("cache")),
            finding("read-only-root-fs", "Deployment", "web", Some("web")),
            finding("image-tag-not-latest", "Deployment", "web", Some("web")),
        ];
        let usage = exceptions.apply(&mut findings, today, &[]);
        assert_eq!(
            findings.iter().map(|f| f.suppressed).collect::<Vec<_>>(),
            [true, false, true]
        );
        assert_eq!(usage.matched, [1, 1, 0]);
        let raised = exceptions.findings(&usage, today, 14);
        assert_eq!(raised.len(), 1);
        assert_eq!(raised[0].rule, "exception-unused");
        assert!(raised[0].message.contains("`typo`"));

        // Non-waivable rules stand.
        let mut findings = vec![finding("read-only-root-fs", "Deployment", "web", Some("cache"))];
        exceptions.apply(&mut findings, today, &[RuleSelector::parse("read-only-root-fs")]);
        assert!(!findings[0].suppressed);
    }

    #[test]
    fn every_process_rule_is_documented() {
        for meta in RULES {
            let doc = doc(meta.id).unwrap();
            for section in ["## What it checks", "## Why it matters", "## How to fix", "## Example"] {
                assert!(doc.contains(section), "{}: {section}", meta.id);
            }
        }
        assert!(doc("nope").is_none());
    }

    #[test]
    fn bad_globs_name_the_exception() {
        let mut bad = exception("globs", &[], "2026-12-31");
        bad.matcher.paths = vec!["deploy/[".into()];
        let error = Exceptions::new(vec![bad]).err().unwrap();
        assert!(
            error.contains(".rampart/exceptions.yaml:3") && error.contains("globs"),
            "{error}"
        );
    }
}
