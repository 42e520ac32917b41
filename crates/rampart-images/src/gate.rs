//! The vulnerability gate: reports turned into findings. One finding per
//! vulnerability of each report (`image-vulnerability`, at its severity),
//! pointing at the line of the report that lists it and naming the image
//! (by digest when the report gives one). What the scanner set aside, what
//! a VEX statement sets aside and, with `--ignore-unfixed`, what has no fix
//! yet are findings too, suppressed with the reason: nothing disappears
//! from the record. A report whose scan is older than the allowed age, or
//! that does not say when it was made, is `image-report-stale`; each
//! `.trivyignore` line is `trivyignore-undated` or, when it has an expiry,
//! still a waiver with no owner (`trivyignore-undated` names it so).

use std::borrow::Cow;
use std::sync::Arc;

use rampart_core::{Control, Date, Finding, Location, ResourceRef, RuleMeta, Severity};

use crate::report::{FixState, ImageReport, VulnSeverity, Vulnerability};
use crate::trivyignore::IgnoreFile;
use crate::vex::{VexDocument, deciding_statement};

pub static VULNERABILITY: RuleMeta = RuleMeta {
    id: "image-vulnerability",
    title: "Images run no vulnerability at or above the threshold",
    severity: Severity::High,
    controls: &[Control::Images],
    pss: None,
    references: &[],
    fix: "Upgrade the package to the fixed version (or rebuild on a patched base image) and scan again; accept a risk only through a dated exception.",
};

pub static REPORT_STALE: RuleMeta = RuleMeta {
    id: "image-report-stale",
    title: "Vulnerability reports are recent",
    severity: Severity::Medium,
    controls: &[Control::Images],
    pss: None,
    references: &[],
    fix: "Scan the image again; new vulnerabilities are published every day.",
};

pub static TRIVYIGNORE: RuleMeta = RuleMeta {
    id: "trivyignore-undated",
    title: "Vulnerabilities are not ignored outside the exceptions file",
    severity: Severity::Low,
    controls: &[Control::Images, Control::Exceptions],
    pss: None,
    references: &[],
    fix: "Move the accepted vulnerability to the exceptions file with an owner, a reason and an expiry.",
};

/// The gate's rules, with their documentation.
pub const RULES: &[(&RuleMeta, &str)] = &[
    (&VULNERABILITY, VULNERABILITY_DOC),
    (&REPORT_STALE, REPORT_STALE_DOC),
    (&TRIVYIGNORE, TRIVYIGNORE_DOC),
    (&NOT_SCANNED, NOT_SCANNED_DOC),
];

const VULNERABILITY_DOC: &str = "## What it checks

`rampart images gate REPORT...`: every vulnerability a Trivy or Grype JSON report lists, one finding each, at the vulnerability's severity (Grype's `Negligible` and both tools' unknown severity count as `info`), naming the package, the installed and fixed versions and the image (by manifest digest when the report says). The run fails for findings at or above `--fail-on`. Set aside, with the reason, not dropped: what the scanner itself set aside (Trivy's VEX results, Grype's ignore rules), what an OpenVEX document given with `--vex` states `not_affected` or `fixed`, and with `--ignore-unfixed` what has no fixed version yet.

## Why it matters

\"Image scanning should happen twice: once during CI ... and again as an admission or release gate so nothing unscanned reaches the cluster.\" A scanner's own exit code either fails on everything or filters the report it writes; reading its JSON lets the gate report everything and fail only on what the team decided, with accepted risks in the exceptions file where they have an owner and an end.

## How to fix

Upgrade the package to the fixed version, or rebuild on a patched base image, and scan again. If the vulnerable code is not reachable, say so in a VEX document; if the risk is accepted, add a dated exception (`match: {vulnerability: CVE-..., image: \"ghcr.io/acme/*\"}`).

## Example

```sh
trivy image --format json -o trivy.json ghcr.io/acme/shop:1.4.2
rampart images gate trivy.json --fail-on critical --vex vex.openvex.json
```

## Fix safety

A package upgrade can change behaviour; run the image's tests on the rebuilt image.
";

const REPORT_STALE_DOC: &str = "## What it checks

That each report given to `rampart images gate` (or `rampart ci --image-report`) was made within `--max-age` days (else rampart.toml's `[images] report-max-age-days`, else 7), by its own time stamp (Trivy `CreatedAt`, Grype `descriptor.timestamp`). A report that does not say when it was made cannot be shown to be recent and is reported too.

## Why it matters

Vulnerabilities are published every day: a report of last month says nothing about what is known today, and \"verification must be continuous\".

## How to fix

Scan the image again in the pipeline that gates it, and pass the fresh report.

## Example

```sh
grype -o json ghcr.io/acme/shop@sha256:... > grype.json && rampart images gate grype.json
```

## Fix safety

None: a new scan changes nothing in the image.
";

const TRIVYIGNORE_DOC: &str = "## What it checks

That vulnerabilities are not accepted in a `.trivyignore` given to `rampart images gate --trivyignore`: each line is reported, with its expiry when it has one. The lines do not suppress Rampart's findings.

## Why it matters

A `.trivyignore` line has no owner and no reason, and most have no end: the risk stays accepted after everyone forgot why. The exceptions file asks for all of it and expires.

## How to fix

Write the acceptance into the exceptions file (`match: {vulnerability: CVE-...}` with owner, justification and expiry) and delete the line.

## Example

```yaml
- id: shop-openssl-2024
  rules: [image-vulnerability]
  match: {vulnerability: CVE-2024-0001, image: \"ghcr.io/acme/shop*\"}
  owner: team-shop
  justification: the TLS path is terminated by the mesh
  expires: 2027-01-31
```

## Fix safety

None.
";

/// How the gate judges.
pub struct GateOptions<'a> {
    pub ignore_unfixed: bool,
    pub vex: &'a [VexDocument],
    pub today: Date,
    /// Days a report stays recent.
    pub max_age_days: i64,
}

fn severity_of(severity: VulnSeverity) -> Severity {
    match severity {
        VulnSeverity::Critical => Severity::Critical,
        VulnSeverity::High => Severity::High,
        VulnSeverity::Medium => Severity::Medium,
        VulnSeverity::Low => Severity::Low,
        VulnSeverity::Negligible | VulnSeverity::Unknown => Severity::Info,
    }
}

fn label(severity: VulnSeverity) -> &'static str {
    match severity {
        VulnSeverity::Critical => "CRITICAL",
        VulnSeverity::High => "HIGH",
        VulnSeverity::Medium => "MEDIUM",
        VulnSeverity::Low => "LOW",
        VulnSeverity::Negligible => "NEGLIGIBLE",
        VulnSeverity::Unknown => "UNKNOWN",
    }
}

/// Finds, from `from`, the line of the JSON string `"value"` written as
/// the value of one of `keys`; returns the line and where to go on from.
fn line_of(text: &str, from: usize, keys: &[&str], value: &str) -> Option<(usize, usize)> {
    let needle = format!("\"{value}\"");
    let mut start = from;
    while let Some(found) = text.get(start..)?.find(&needle) {
        let at = start + found;
        let before = text[..at].trim_end();
        if let Some(before_colon) = before.strip_suffix(':') {
            let key_end = before_colon.trim_end();
            if keys.iter().any(|key| key_end.ends_with(&format!("\"{key}\""))) {
                let line = text[..at].bytes().filter(|byte| *byte == b'\n').count() + 1;
                return Some((line, at + needle.len()));
            }
        }
        start = at + needle.len();
    }
    None
}

/// The image a report is about: its artifact, with the digest when known.
fn image_of(report: &ImageReport) -> String {
    match report.digests.iter().next() {
        Some(digest) if !report.artifact.contains(digest.as_str()) => {
            let repository = report.artifact.split('@').next().unwrap_or(&report.artifact);
            let repository = match repository.rsplit_once(':') {
                Some((name, tag)) if !tag.contains('/') => name,
                _ => repository,
            };
            format!("{repository}@{digest}")
        }
        _ => report.artifact.clone(),
    }
}

fn message_of(vulnerability: &Vulnerability) -> String {
    let fix = match vulnerability.fix {
        FixState::Fixed if !vulnerability.fixed.is_empty() => format!(", fixed in {}", vulnerability.fixed),
        FixState::WontFix => ", which will not be fixed".to_string(),
        FixState::Deferred => ", fix deferred".to_string(),
        _ => ", no fix yet".to_string(),
    };
    let title = if vulnerability.title.is_empty() {
        String::new()
    } else {
        format!(": {}", vulnerability.title.lines().next().unwrap_or(""))
    };
    format!(
        "{} ({}) in {} {}{fix}{title}",
        vulnerability.id,
        label(vulnerability.severity),
        vulnerability.package,
        vulnerability.installed
    )
}

/// The findings of one report read from `path` (whose text is `text`).
pub fn judge_report(path: &str, text: &str, report: &ImageReport, options: &GateOptions<'_>) -> Vec<Finding> {
    let path: Arc<str> = Arc::from(path);
    let resource = Arc::new(ResourceRef {
        api_version: String::new(),
        kind: "Image".to_string(),
        namespace: None,
        name: image_of(report),
    });
    let finding = |meta: &'static RuleMeta, severity: Severity, line: usize, field: String, message: String| Finding {
        rule: Cow::Borrowed(meta.id),
        severity,
        message,
        location: Location {
            path: path.clone(),
            line,
            column: 1,
        },
        resource: Some(resource.clone()),
        field,
        container: None,
        controls: Cow::Borrowed(meta.controls),
        fix: Cow::Borrowed(meta.fix),
        suppressed: false,
        suppression_reason: None,
        secret: None,
        event: None,
    };
    // Native Trivy and Grype, and CycloneDX, name the vulnerability by these keys; SARIF
    // results by `ruleId` (its rules' `id`s come first and would be found instead).
    let keys: &[&str] = match &report.fallback {
        Some(fallback) if fallback.format == "SARIF" => &["ruleId"],
        _ => &["VulnerabilityID", "id"],
    };
    // `CVE-2024-1:openssl in ghcr.io/acme/shop@sha256:...`: what exceptions
    // match (`vulnerability`, `image`), wherever the finding is moved.
    let field_of =
        |vulnerability: &Vulnerability| format!("{}:{} in {}", vulnerability.id, vulnerability.package, resource.name);
    // Each vulnerability at the line that lists it, searched on from the
    // previous one (listed ones first, then the set-aside ones).
    let mut cursor = 0;
    let mut located = |vulnerability: &Vulnerability, from_start: bool| {
        if from_start {
            cursor = 0;
        }
        let line = match line_of(text, cursor, keys, &vulnerability.id) {
            Some((line, next)) => {
                cursor = next;
                line
            }
            None => 1,
        };
        finding(
            &VULNERABILITY,
            severity_of(vulnerability.severity),
            line,
            field_of(vulnerability),
            message_of(vulnerability),
        )
    };
    let mut findings = Vec::new();
    for vulnerability in &report.vulnerabilities {
        let mut found = located(vulnerability, false);
        if let Some((document, statement)) = deciding_statement(options.vex, vulnerability, &report.digests)
            && statement.status.sets_aside()
        {
            let justification = if statement.justification.is_empty() {
                String::new()
            } else {
                format!(" ({})", statement.justification)
            };
            found.suppressed = true;
            found.suppression_reason = Some(format!(
                "VEX {}{justification} by {}",
                statement.status.as_str(),
                if document.author.is_empty() {
                    "an unnamed author"
                } else {
                    &document.author
                }
            ));
        } else if options.ignore_unfixed && vulnerability.fix != FixState::Fixed {
            found.suppressed = true;
            found.suppression_reason = Some("no fix yet (--ignore-unfixed)".to_string());
        }
        findings.push(found);
    }
    for (index, set_aside) in report.set_aside.iter().enumerate() {
        let mut found = located(&set_aside.vulnerability, index == 0);
        found.suppressed = true;
        found.suppression_reason = Some(format!("set aside by the scanner: {}", set_aside.reason));
        findings.push(found);
    }
    let made = report
        .scanned_at
        .as_deref()
        .and_then(|stamp| stamp.get(..10))
        .and_then(|day| day.parse::<Date>().ok());
    let stamp_line = ["CreatedAt", "timestamp", "startTimeUtc"]
        .iter()
        .find_map(|key| {
            let at = text.find(&format!("\"{key}\""))?;
            Some(text[..at].bytes().filter(|byte| *byte == b'\n').count() + 1)
        })
        .unwrap_or(1);
    match made {
        Some(day) if day.days_until(options.today) > options.max_age_days => findings.push(finding(
            &REPORT_STALE,
            REPORT_STALE.severity,
            stamp_line,
            "scanned_at".to_string(),
            format!(
                "the report was made {} days ago ({}), more than the {} allowed",
                day.days_until(options.today),
                report.scanned_at.as_deref().unwrap_or(""),
                options.max_age_days
            ),
        )),
        Some(_) => {}
        None => findings.push(finding(
            &REPORT_STALE,
            REPORT_STALE.severity,
            stamp_line,
            "scanned_at".to_string(),
            "the report does not say when it was made, so it cannot be shown to be recent".to_string(),
        )),
    }
    findings
}

/// The findings of a `.trivyignore` read from `path`.
pub fn judge_trivyignore(path: &str, file: &IgnoreFile) -> Vec<Finding> {
    let path: Arc<str> = Arc::from(path);
    file.lines
        .iter()
        .map(|line| {
            let until = match &line.expires {
                Some(date) => format!("until {date}, with no owner and no reason"),
                None => "with no owner, no reason and no end".to_string(),
            };
            Finding {
                rule: Cow::Borrowed(TRIVYIGNORE.id),
                severity: TRIVYIGNORE.severity,
                message: format!("`{}` is ignored {until}", line.id),
                location: Location {
                    path: path.clone(),
                    line: line.line,
                    column: 1,
                },
                resource: None,
                field: line.id.clone(),
                container: None,
                controls: Cow::Borrowed(TRIVYIGNORE.controls),
                fix: Cow::Borrowed(TRIVYIGNORE.fix),
                suppressed: false,
                suppression_reason: None,
                secret: None,
                event: None,
            }
        })
        .collect()
}

pub static NOT_SCANNED: RuleMeta = RuleMeta {
    id: "image-not-scanned",
    title: "Every image a workload runs has a vulnerability report",
    severity: Severity::Medium,
    controls: &[Control::Images],
    pss: None,
    references: &[],
    fix: "Scan the image in the pipeline that builds or deploys it and give its report to the gate.",
};

pub const NOT_SCANNED_DOC: &str = "## What it checks

With `rampart images gate REPORT... --manifests PATH...`: that every image a workload of the manifests runs has one of the reports. An image pinned by digest matches a report of that digest; an image named by tag matches a report of the same repository and tag (the finding then says the tag may have moved since the scan). The vulnerabilities of a matched report are reported on each workload container that runs the image, at its `image` field.

## Why it matters

\"Image scanning should happen twice: once during CI ... and again as an admission or release gate so nothing unscanned reaches the cluster.\" A gate that only reads the reports it is given passes an image nobody scanned.

## How to fix

Scan the image (by the digest the manifest pins) in the same pipeline and pass the report to the gate.

## Example

```sh
trivy image --format json -o shop.json ghcr.io/acme/shop@sha256:...
rampart images gate shop.json --manifests deploy/
```

## Fix safety

None: scanning changes nothing in the image.
";

/// Which report an image use runs: by digest, else by repository and tag.
fn report_for<'r>(
    image: &str,
    reports: &'r [(ImageReport, Vec<Finding>)],
) -> Option<(&'r (ImageReport, Vec<Finding>), bool)> {
    let reference = rampart_core::ImageRef::parse(image);
    if let Some(digest) = reference.digest {
        return reports
            .iter()
            .find(|(report, _)| report.digests.contains(digest))
            .map(|found| (found, true));
    }
    let wanted = reference.canonical_name();
    let names = |report: &'r ImageReport| {
        std::iter::once(report.artifact.as_str())
            .chain(report.tags.iter().map(String::as_str))
            .map(|name| rampart_core::ImageRef::parse(name).canonical_name())
            .collect::<Vec<_>>()
    };
    reports
        .iter()
        .find(|(report, _)| names(report).contains(&wanted))
        .map(|found| (found, false))
}

/// The reports' findings moved onto the workloads that run their images:
/// each vulnerability finding is repeated at every container image field
/// whose image the report is about; findings of reports no workload runs
/// stay on the report; an image with no report is `image-not-scanned`.
/// Report-level findings of other rules (a stale report) stay as they are.
pub fn onto_workloads(reports: Vec<(ImageReport, Vec<Finding>)>, uses: &[rampart_core::ImageUse]) -> Vec<Finding> {
    let mut used = vec![false; reports.len()];
    let mut findings = Vec::new();
    for image_use in uses {
        let Some(((report, report_findings), by_digest)) = report_for(&image_use.image, &reports) else {
            findings.push(Finding {
                rule: Cow::Borrowed(NOT_SCANNED.id),
                severity: NOT_SCANNED.severity,
                message: format!(
                    "container `{}` runs `{}`, which no report given covers",
                    image_use.container, image_use.image
                ),
                location: Location {
                    path: image_use.path.clone(),
                    line: image_use.line,
                    column: image_use.column,
                },
                resource: Some(image_use.resource.clone()),
                field: image_use.field.clone(),
                container: Some(image_use.container.clone()),
                controls: Cow::Borrowed(NOT_SCANNED.controls),
                fix: Cow::Borrowed(NOT_SCANNED.fix),
                suppressed: false,
                suppression_reason: None,
                secret: None,
                event: None,
            });
            continue;
        };
        if let Some(index) = reports.iter().position(|candidate| std::ptr::eq(&candidate.0, report)) {
            used[index] = true;
        }
        let how = if by_digest {
            String::new()
        } else {
            " (matched by tag: it may name another image than the one scanned)".to_string()
        };
        for finding in report_findings
            .iter()
            .filter(|finding| finding.rule == VULNERABILITY.id)
        {
            let mut moved = finding.clone();
            moved.message = format!(
                "{} (container `{}`, image `{}`){how}",
                finding.message, image_use.container, image_use.image
            );
            moved.location = Location {
                path: image_use.path.clone(),
                line: image_use.line,
                column: image_use.column,
            };
            moved.resource = Some(image_use.resource.clone());
            moved.container = Some(image_use.container.clone());
            // Keep the vulnerability and package where exceptions look.
            findings.push(moved);
        }
    }
    for ((_, report_findings), was_used) in reports.into_iter().zip(used) {
        findings.extend(
            report_findings
                .into_iter()
                .filter(|finding| !was_used || finding.rule != VULNERABILITY.id),
        );
    }
    findings
}

/// What a gate run reads.
pub struct GateInputs<'a> {
    pub reports: &'a [std::path::PathBuf],
    pub vex: &'a [std::path::PathBuf],
    pub trivyignore: Option<&'a std::path::Path>,
    pub ignore_unfixed: bool,
    pub max_age_days: i64,
    pub today: Date,
}

/// What a gate run found, and what it judged.
#[derive(Debug, Default)]
pub struct GateRun {
    pub findings: Vec<Finding>,
    pub errors: Vec<rampart_core::ScanError>,
    /// Reports read.
    pub reports: usize,
    /// Workload containers whose images were looked for (with manifests).
    pub containers: Option<usize>,
    /// Workloads among them.
    pub workloads: usize,
    /// With manifests: the workloads running an image whose report is older than allowed.
    pub stale_workloads: Option<std::collections::BTreeSet<String>>,
    /// What the user should know: reports read as a fallback, and what that lost.
    pub notes: Vec<String>,
    trivyignore: bool,
}

impl GateRun {
    /// The rules that ran.
    pub fn ran(&self) -> Vec<&'static RuleMeta> {
        RULES
            .iter()
            .map(|(meta, _)| *meta)
            .filter(|meta| match meta.id {
                id if id == TRIVYIGNORE.id => self.trivyignore,
                id if id == NOT_SCANNED.id => self.containers.is_some(),
                _ => true,
            })
            .collect()
    }

    /// What each rule that ran judged: every report, the ignore file,
    /// every container.
    pub fn cover(&self, coverage: &mut rampart_core::Coverage) {
        for meta in self.ran() {
            let judged = match meta.id {
                id if id == TRIVYIGNORE.id => 1,
                id if id == NOT_SCANNED.id => self.containers.unwrap_or(0),
                _ => self.reports,
            };
            coverage.add_rule(meta.id, judged);
        }
    }
}

fn read_file(path: &std::path::Path) -> Result<Vec<u8>, rampart_core::ScanError> {
    std::fs::read(path)
        .map_err(|error| rampart_core::ScanError::new(path.display().to_string(), None, error.to_string()))
}

/// Reads the reports, VEX documents and ignore file, and judges them;
/// with `uses` (the workloads' images), onto the workloads.
pub fn run_gate(inputs: &GateInputs<'_>, uses: Option<&[rampart_core::ImageUse]>) -> GateRun {
    use rampart_core::ScanError;
    let mut run = GateRun {
        trivyignore: inputs.trivyignore.is_some(),
        ..GateRun::default()
    };
    let mut documents = Vec::new();
    for path in inputs.vex {
        match read_file(path).and_then(|bytes| {
            crate::vex::read_openvex(&bytes)
                .map_err(|error| ScanError::new(path.display().to_string(), error.line, error.message))
        }) {
            Ok(document) => documents.push(document),
            Err(error) => run.errors.push(error),
        }
    }
    let options = GateOptions {
        ignore_unfixed: inputs.ignore_unfixed,
        vex: &documents,
        today: inputs.today,
        max_age_days: inputs.max_age_days,
    };
    let mut judged = Vec::new();
    for path in inputs.reports {
        let bytes = match read_file(path) {
            Ok(bytes) => bytes,
            Err(error) => {
                run.errors.push(error);
                continue;
            }
        };
        let display = path.display().to_string();
        match crate::read_report(&bytes) {
            Ok(report) => {
                run.reports += 1;
                if let Some(fallback) = &report.fallback {
                    run.notes.push(format!(
                        "{display}: read from {} as a fallback for the scanner's JSON, which it cannot replace: {}",
                        fallback.format, fallback.lost
                    ));
                }
                let found = judge_report(&display, &String::from_utf8_lossy(&bytes), &report, &options);
                judged.push((report, found));
            }
            Err(error) => run.errors.push(ScanError::new(display, error.line, error.message)),
        }
    }
    run.findings = match uses {
        None => judged.into_iter().flat_map(|(_, found)| found).collect(),
        Some(uses) => {
            run.containers = Some(uses.len());
            run.workloads = uses
                .iter()
                .map(|image_use| (image_use.path.clone(), image_use.resource.display_name()))
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            run.stale_workloads = Some(
                uses.iter()
                    .filter(|image_use| {
                        report_for(&image_use.image, &judged)
                            .is_some_and(|((_, found), _)| found.iter().any(|finding| finding.rule == REPORT_STALE.id))
                    })
                    .map(|image_use| image_use.resource.display_name())
                    .collect(),
            );
            onto_workloads(judged, uses)
        }
    };
    if let Some(path) = inputs.trivyignore {
        match read_file(path) {
            Ok(bytes) => {
                let file = crate::trivyignore::read_trivyignore(&String::from_utf8_lossy(&bytes));
                let display = path.display().to_string();
                for (line, why) in &file.refused {
                    run.errors
                        .push(ScanError::new(display.clone(), Some(*line), why.clone()));
                }
                run.findings.extend(judge_trivyignore(&display, &file));
            }
            Err(error) => run.errors.push(error),
        }
    }
    run
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::read_report;

    const REPORT: &str = r#"{
  "SchemaVersion": 2,
  "CreatedAt": "2026-11-30T10:00:00Z",
  "ArtifactName": "ghcr.io/acme/shop:1.4.2",
  "Metadata": {"RepoDigests": ["ghcr.io/acme/shop@sha256:aaaa"]},
  "Results": [{"Target": "shop (debian 12.8)", "Vulnerabilities": [
    {"VulnerabilityID": "CVE-2024-1", "PkgName": "openssl", "PkgIdentifier": {"PURL": "pkg:deb/debian/openssl@3.0.1"},
     "InstalledVersion": "3.0.1", "FixedVersion": "3.0.2", "Status": "fixed", "Severity": "CRITICAL", "Title": "bad"},
    {"VulnerabilityID": "CVE-2024-2", "PkgName": "zlib", "InstalledVersion": "1.2", "Status": "affected", "Severity": "HIGH"},
    {"VulnerabilityID": "CVE-2024-1", "PkgName": "libssl", "PkgIdentifier": {"PURL": "pkg:deb/debian/libssl@3.0.1"},
     "InstalledVersion": "3.0.1", "FixedVersion": "3.0.2", "Status": "fixed", "Severity": "CRITICAL"}
  ]}]
}"#;

    fn options(vex: &[VexDocument], ignore_unfixed: bool) -> GateOptions<'_> {
        GateOptions {
            ignore_unfixed,
            vex,
            today: "2026-12-04".parse().unwrap(),
            max_age_days: 7,
        }
    }

    #[test]
    fn each_vulnerability_is_a_finding_at_its_line_on_the_image_by_digest() {
        let report = read_report(REPORT.as_bytes()).unwrap();
        let findings = judge_report("trivy.json", REPORT, &report, &options(&[], false));
        let seen: Vec<(&str, usize, Severity, bool)> = findings
            .iter()
            .map(|f| (f.field.as_str(), f.location.line, f.severity, f.suppressed))
            .collect();
        assert_eq!(
            seen,
            [
                (
                    "CVE-2024-1:openssl in ghcr.io/acme/shop@sha256:aaaa",
                    7,
                    Severity::Critical,
                    false
                ),
                (
                    "CVE-2024-2:zlib in ghcr.io/acme/shop@sha256:aaaa",
                    9,
                    Severity::High,
                    false
                ),
                (
                    "CVE-2024-1:libssl in ghcr.io/acme/shop@sha256:aaaa",
                    10,
                    Severity::Critical,
                    false
                ),
            ]
        );
        assert_eq!(
            findings[0].resource.as_ref().unwrap().name,
            "ghcr.io/acme/shop@sha256:aaaa"
        );
        assert_eq!(
            findings[0].message,
            "CVE-2024-1 (CRITICAL) in openssl 3.0.1, fixed in 3.0.2: bad"
        );
        assert_eq!(findings[1].message, "CVE-2024-2 (HIGH) in zlib 1.2, no fix yet");
    }

    #[test]
    fn vex_and_unfixed_are_set_aside_with_their_reason_and_age_is_judged() {
        let report = read_report(REPORT.as_bytes()).unwrap();
        let vex = vec![
            crate::vex::read_openvex(
                br#"{"@context": "https://openvex.dev/ns/v0.2.0", "author": "Acme", "statements": [
                {"vulnerability": {"name": "CVE-2024-1"}, "products": [{"@id": "pkg:oci/shop@sha256:aaaa",
                  "subcomponents": [{"@id": "pkg:deb/debian/libssl@3.0.1"}]}],
                 "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}"#,
            )
            .unwrap(),
        ];
        let findings = judge_report("trivy.json", REPORT, &report, &options(&vex, true));
        let reasons: Vec<Option<&str>> = findings.iter().map(|f| f.suppression_reason.as_deref()).collect();
        assert_eq!(
            reasons,
            [
                None,
                Some("no fix yet (--ignore-unfixed)"),
                Some("VEX not_affected (vulnerable_code_not_in_execute_path) by Acme"),
            ]
        );
        // Four days old: recent. Twenty: stale, at the CreatedAt line.
        assert!(!findings.iter().any(|f| f.rule == "image-report-stale"));
        let mut late = options(&vex, false);
        late.today = "2026-12-20".parse().unwrap();
        let stale: Vec<Finding> = judge_report("trivy.json", REPORT, &report, &late)
            .into_iter()
            .filter(|f| f.rule == "image-report-stale")
            .collect();
        assert_eq!(stale.len(), 1);
        assert_eq!(stale[0].location.line, 3);
        assert!(stale[0].message.starts_with("the report was made 20 days ago"));
    }

    #[test]
    fn trivyignore_lines_are_reported_with_their_end() {
        let file = crate::trivyignore::read_trivyignore("CVE-1\nCVE-2 exp:2027-01-01\n");
        let findings = judge_trivyignore(".trivyignore", &file);
        let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`CVE-1` is ignored with no owner, no reason and no end",
                "`CVE-2` is ignored until 2027-01-01, with no owner and no reason"
            ]
        );
    }
}
