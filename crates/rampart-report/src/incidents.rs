//! Audit-log detections grouped into incidents: the detections of one identity close in
//! time (they share the `incident` key the detector gave them), as the text and HTML
//! reports list them before the detections themselves.

use std::collections::BTreeSet;

use rampart_core::{Finding, Severity};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    /// `alice@2026-12-01T10:00:00Z`: the identity and its first detection's time.
    pub key: String,
    pub user: String,
    /// Times of the first and last detections, RFC 3339 (when the events had one).
    pub first: Option<String>,
    pub last: Option<String>,
    pub detections: usize,
    pub severity: Severity,
    /// The rules that detected something, once each, in order of first detection.
    pub rules: Vec<String>,
    pub source_ips: BTreeSet<String>,
}

/// The incidents of the open audit-log detections among `findings`, in the order their
/// first detection appears.
pub fn incidents(findings: &[Finding]) -> Vec<Incident> {
    let mut out: Vec<Incident> = Vec::new();
    for finding in findings.iter().filter(|finding| !finding.suppressed) {
        let Some(event) = &finding.event else { continue };
        let index = match out.iter().position(|incident| incident.key == event.incident) {
            Some(index) => index,
            None => {
                out.push(Incident {
                    key: event.incident.clone(),
                    user: event.user.clone(),
                    first: event.time.clone(),
                    last: event.time.clone(),
                    detections: 0,
                    severity: finding.severity,
                    rules: Vec::new(),
                    source_ips: BTreeSet::new(),
                });
                out.len() - 1
            }
        };
        let incident = &mut out[index];
        incident.detections += 1;
        incident.severity = incident.severity.max(finding.severity);
        if let Some(time) = &event.time {
            if incident.first.as_ref().is_none_or(|first| time < first) {
                incident.first = Some(time.clone());
            }
            if incident.last.as_ref().is_none_or(|last| time > last) {
                incident.last = Some(time.clone());
            }
        }
        if !incident.rules.iter().any(|rule| *rule == *finding.rule) {
            incident.rules.push(finding.rule.to_string());
        }
        incident.source_ips.extend(event.source_ips.iter().cloned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_core::{AuditEvidence, Control, Location};
    use std::borrow::Cow;
    use std::sync::Arc;

    fn detection(rule: &'static str, severity: Severity, incident: &str, time: &str, ip: &str) -> Finding {
        Finding {
            rule: Cow::Borrowed(rule),
            severity,
            message: String::new(),
            location: Location {
                path: Arc::from("audit.log"),
                line: 1,
                column: 1,
            },
            resource: None,
            field: String::new(),
            container: None,
            controls: Cow::Borrowed(&[Control::Detection]),
            fix: Cow::Borrowed(""),
            suppressed: false,
            suppression_reason: None,
            secret: None,
            event: Some(Box::new(AuditEvidence {
                audit_id: "a".into(),
                time: Some(time.into()),
                user: incident.split('@').next().unwrap().into(),
                groups: Vec::new(),
                impersonated_user: None,
                source_ips: vec![ip.into()],
                user_agent: None,
                verb: "get".into(),
                resource: "secrets".into(),
                code: Some(200),
                incident: incident.into(),
            })),
        }
    }

    #[test]
    fn detections_of_one_incident_are_counted_together() {
        let mut suppressed = detection(
            "audit-pod-exec",
            Severity::Critical,
            "eve@t0",
            "2026-12-01T09:00:00Z",
            "1.1.1.1",
        );
        suppressed.suppressed = true;
        let findings = [
            detection(
                "audit-secret-read-unexpected",
                Severity::High,
                "mallory@t1",
                "2026-12-01T10:05:00Z",
                "10.0.0.1",
            ),
            detection(
                "audit-pod-exec",
                Severity::Medium,
                "bob@t2",
                "2026-12-01T10:06:00Z",
                "10.0.0.9",
            ),
            detection(
                "audit-pod-exec",
                Severity::Medium,
                "mallory@t1",
                "2026-12-01T10:00:00Z",
                "10.0.0.2",
            ),
            detection(
                "audit-secret-read-unexpected",
                Severity::High,
                "mallory@t1",
                "2026-12-01T10:07:00Z",
                "10.0.0.1",
            ),
            suppressed,
        ];
        let incidents = incidents(&findings);
        assert_eq!(incidents.len(), 2);
        let mallory = &incidents[0];
        assert_eq!((mallory.detections, mallory.severity), (3, Severity::High));
        assert_eq!(mallory.rules, ["audit-secret-read-unexpected", "audit-pod-exec"]);
        assert_eq!(mallory.first.as_deref(), Some("2026-12-01T10:00:00Z"));
        assert_eq!(mallory.last.as_deref(), Some("2026-12-01T10:07:00Z"));
        assert_eq!(mallory.source_ips.len(), 2);
        assert_eq!(incidents[1].user, "bob");
    }
}
