use serde::Serialize;

use crate::{Compliance, Coverage, Finding, ScanError, Severity};

/// Version of the JSON document. Bump only on an incompatible change.
pub const REPORT_VERSION: u32 = 1;

/// The whole result of a scan: what `--format json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: u32,
    pub tool: Tool,
    pub findings: Vec<Finding>,
    pub errors: Vec<ScanError>,
    /// What was passed over on purpose and a reader must know (Kustomize
    /// patches): not errors, they do not change the exit code.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<ScanError>,
    pub summary: Summary,
    /// What each rule judged: the controls' verdicts rest on it.
    #[serde(skip)]
    pub coverage: Coverage,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

/// Counts over the scan.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub files: usize,
    pub documents: usize,
    pub objects: usize,
    /// Objects with a pod template (Deployments, Pods, CronJobs...).
    #[serde(skip_serializing_if = "is_zero")]
    pub workloads: usize,
    /// Documents that are not Kubernetes objects, passed over.
    pub skipped_documents: usize,
    /// Dockerfiles read (with at least one stage).
    #[serde(skip_serializing_if = "is_zero")]
    pub dockerfiles: usize,
    /// Terraform resource instances evaluated (configurations and plans).
    #[serde(skip_serializing_if = "is_zero")]
    pub terraform_resources: usize,
    /// Files not searched: binary, or over the size limit.
    pub skipped_files: usize,
    /// Commits walked, for a history scan; `files` then counts the unique
    /// blobs searched.
    #[serde(skip_serializing_if = "is_zero")]
    pub commits: usize,
    /// Audit events read, for `rampart audit-log`.
    #[serde(skip_serializing_if = "is_zero")]
    pub audit_events: usize,
    pub findings: SeverityCounts,
    pub suppressed: usize,
    pub errors: usize,
    pub fail_on: Option<Severity>,
    /// How the profile's controls fared (manifest scans).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compliance: Option<Compliance>,
    /// Whether a finding at or above `fail_on` was found.
    pub failed: bool,
    /// What the image checks (signatures, vulnerability reports) found of
    /// the workloads, when they ran over manifests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub images: Option<ImageSummary>,
}

/// Workloads by what their images answer: the articles' "percentage of
/// workloads with signed images", and scanned ones. A count is `None` when
/// the check behind it did not run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ImageSummary {
    /// Workloads (with at least one image) the checks looked at.
    pub workloads: usize,
    /// Every image carries a signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<usize>,
    /// Every image is signed by an authority of each policy governing it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<usize>,
    /// An image's registry could not be asked: neither signed nor unsigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unchecked: Option<usize>,
    /// Every image has a vulnerability report within the allowed age.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanned: Option<usize>,
    /// Scanned, and no open vulnerability at or above the threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clean: Option<usize>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SeverityCounts {
    pub total: usize,
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl SeverityCounts {
    pub fn add(&mut self, severity: Severity) {
        self.total += 1;
        match severity {
            Severity::Critical => self.critical += 1,
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
            Severity::Info => self.info += 1,
        }
    }

    pub fn get(&self, severity: Severity) -> usize {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }
}

/// How the process should exit: the contract in DESIGN.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at or above the threshold.
    Pass = 0,
    /// Findings at or above the threshold.
    Fail = 1,
    /// An input could not be read or parsed, or the command was misused.
    Error = 2,
}

impl Report {
    /// Builds the report and its summary. Suppressed findings are counted
    /// apart and never fail the scan.
    pub fn new(
        tool: Tool,
        findings: Vec<Finding>,
        errors: Vec<ScanError>,
        mut summary: Summary,
        fail_on: Option<Severity>,
    ) -> Report {
        summary.fail_on = fail_on;
        let mut report = Report {
            version: REPORT_VERSION,
            tool,
            findings,
            errors,
            notices: Vec::new(),
            summary,
            coverage: Coverage::default(),
        };
        report.recount();
        report
    }

    /// Counts the findings and errors into the summary again, after
    /// findings were suppressed or errors added.
    pub fn recount(&mut self) {
        let summary = &mut self.summary;
        summary.findings = SeverityCounts::default();
        summary.suppressed = 0;
        for finding in &self.findings {
            if finding.suppressed {
                summary.suppressed += 1;
            } else {
                summary.findings.add(finding.severity);
            }
        }
        summary.errors = self.errors.len();
        summary.failed = summary
            .fail_on
            .is_some_and(|threshold| self.findings.iter().any(|f| !f.suppressed && f.severity >= threshold));
    }

    /// Takes in the report of another run of the same command (another
    /// cluster of one audit): findings, errors, notices, counts and what
    /// each rule judged. The compliance summary is the caller's to set
    /// again from the merged coverage.
    pub fn absorb(&mut self, other: Report) {
        self.findings.extend(other.findings);
        self.errors.extend(other.errors);
        self.notices.extend(other.notices);
        self.coverage.merge(&other.coverage);
        let (mine, theirs) = (&mut self.summary, other.summary);
        mine.files += theirs.files;
        mine.documents += theirs.documents;
        mine.objects += theirs.objects;
        mine.workloads += theirs.workloads;
        mine.skipped_documents += theirs.skipped_documents;
        mine.dockerfiles += theirs.dockerfiles;
        mine.terraform_resources += theirs.terraform_resources;
        mine.skipped_files += theirs.skipped_files;
        mine.commits += theirs.commits;
        self.recount();
    }

    pub fn outcome(&self) -> Outcome {
        if !self.errors.is_empty() {
            Outcome::Error
        } else if self.summary.failed {
            Outcome::Fail
        } else {
            Outcome::Pass
        }
    }
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Control, Location};

    #[test]
    fn absorbing_another_run_adds_its_findings_errors_and_counts() {
        let tool = Tool {
            name: "rampart",
            version: "0",
        };
        let summary = |objects| Summary {
            objects,
            files: 1,
            ..Summary::default()
        };
        let mut first = Report::new(
            tool.clone(),
            vec![finding(Severity::Low, false)],
            Vec::new(),
            summary(3),
            Some(Severity::High),
        );
        let second = Report::new(
            tool,
            vec![finding(Severity::Critical, false), finding(Severity::High, true)],
            vec![ScanError::new("cluster:prod", None, "forbidden")],
            summary(4),
            Some(Severity::High),
        );
        first.absorb(second);
        assert_eq!(first.findings.len(), 3);
        assert_eq!((first.summary.objects, first.summary.files), (7, 2));
        assert_eq!((first.summary.findings.total, first.summary.suppressed), (2, 1));
        assert_eq!(first.summary.errors, 1);
        assert!(first.summary.failed);
    }

    fn finding(severity: Severity, suppressed: bool) -> Finding {
        Finding {
            rule: "r".into(),
            severity,
            message: "m".into(),
            location: Location {
                path: "p".into(),
                line: 1,
                column: 1,
            },
            resource: None,
            field: "f".into(),
            container: None,
            controls: vec![Control::Runtime].into(),
            fix: "x".into(),
            suppressed,
            suppression_reason: None,
            secret: None,
            event: None,
        }
    }

    fn tool() -> Tool {
        Tool {
            name: "rampart",
            version: "0",
        }
    }

    #[test]
    fn fails_only_at_or_above_the_threshold_and_never_on_suppressed() {
        let report = Report::new(
            tool(),
            vec![finding(Severity::Medium, false)],
            vec![],
            Summary::default(),
            Some(Severity::High),
        );
        assert_eq!(report.outcome(), Outcome::Pass);
        let report = Report::new(
            tool(),
            vec![finding(Severity::Medium, false)],
            vec![],
            Summary::default(),
            Some(Severity::Medium),
        );
        assert_eq!(report.outcome(), Outcome::Fail);
        let report = Report::new(
            tool(),
            vec![finding(Severity::Critical, true)],
            vec![],
            Summary::default(),
            Some(Severity::Low),
        );
        assert_eq!(report.outcome(), Outcome::Pass);
        assert_eq!(report.summary.suppressed, 1);
        assert_eq!(report.summary.findings.total, 0);
    }

    #[test]
    fn errors_win_over_findings() {
        let errors = vec![ScanError::new("x.yaml", Some(3), "cannot parse")];
        let report = Report::new(
            tool(),
            vec![finding(Severity::Critical, false)],
            errors,
            Summary::default(),
            Some(Severity::High),
        );
        assert_eq!(report.outcome(), Outcome::Error);
        assert_eq!(report.summary.errors, 1);
    }
}
