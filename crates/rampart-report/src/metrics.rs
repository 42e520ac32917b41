//! The articles' metrics, computed from the run store: the share of
//! workloads with digest-pinned images, findings per control over time,
//! blocked runs against exceptions granted, exceptions near expiry, and
//! the mean time from a finding's first appearance to its disappearance.
//!
//! Runs are read in the order they were recorded; a store should hold one
//! pipeline's runs (one repository, one branch), which the default store
//! under the repository's `.rampart/` does.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rampart_core::rfc3339;
use serde::Serialize;

use crate::store::{AdmissionRecord, ExceptionRecord, RuleTally, RunRecord};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Metrics {
    pub runs: usize,
    pub first_run: Option<String>,
    pub last_run: Option<String>,
    /// Runs the gate failed (findings at or above the threshold).
    pub blocked_runs: usize,
    pub passed_runs: usize,
    pub error_runs: usize,
    /// Distinct exceptions in force at some run of the period.
    pub exceptions_granted: usize,
    /// Findings suppressed by an exception at the last run.
    pub excepted_findings: usize,
    /// The last run's workloads that pin every image by digest.
    pub digest_pinned: Option<Share>,
    /// Workloads whose every image carries a signature, from the latest run
    /// that verified signatures (`images verify`, `ci --verify-images`).
    pub signed: Option<Share>,
    /// ... whose every image is signed by an authority of its policies.
    pub verified: Option<Share>,
    /// Workloads whose every image has a report within the allowed age, from
    /// the latest run that gated reports over manifests.
    pub scanned: Option<Share>,
    /// ... scanned, with no open vulnerability at or above the threshold.
    pub vulnerability_free: Option<Share>,
    /// The last run's exceptions that are expiring or expired.
    pub exceptions_near_expiry: Vec<ExceptionRecord>,
    /// Open findings that disappeared, and the mean hours they lived.
    pub fixed_findings: usize,
    pub mean_hours_to_fix: Option<f64>,
    /// Findings open at the last run.
    pub open_findings: usize,
    /// One point per run, for the trend lines.
    pub series: Vec<Point>,
    /// The admission webhook's decisions by UTC day (`serve --record`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub admission: Vec<AdmissionDay>,
    /// Incidents and drills per playbook (`respond`, `drill`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub response: Vec<PlaybookTimes>,
}

/// One playbook's incidents and drills over time.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct PlaybookTimes {
    pub playbook: String,
    pub incidents: usize,
    pub drills: usize,
    pub contained: usize,
    pub mean_seconds_to_contain: Option<f64>,
    pub mean_seconds_to_detect: Option<f64>,
    /// Each contained incident's time to contain, oldest first.
    pub trend: Vec<i64>,
    #[serde(skip)]
    detect: Vec<i64>,
    /// Unix time of the newest drill.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_drill: Option<i64>,
}

/// One day of the webhook's decisions, summed over its records.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AdmissionDay {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub allowed: usize,
    pub warned: usize,
    pub denied: usize,
    pub skipped: usize,
    pub failed: usize,
    pub rules: BTreeMap<String, RuleTally>,
    /// Audit-log detections by rule (`serve --audit --record`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub detections: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Share {
    pub count: usize,
    pub of: usize,
    pub percent: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Point {
    pub time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    pub outcome: String,
    pub open: usize,
    /// Open findings per control.
    pub controls: BTreeMap<String, usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest_pinned_percent: Option<f64>,
}

/// Computes the metrics over `records`, oldest first: the scans' runs,
/// and the webhook's decisions by day.
pub fn compute(records: &[RunRecord]) -> Metrics {
    let runs: Vec<RunRecord> = records
        .iter()
        .filter(|record| record.admission.is_none() && record.incident.is_none() && record.breakglass.is_none())
        .cloned()
        .collect();
    let runs = runs.as_slice();
    let last = runs.last();
    let count = |outcome: &str| runs.iter().filter(|run| run.outcome == outcome).count();
    let granted: BTreeSet<&str> = runs
        .iter()
        .flat_map(|run| run.exceptions.iter())
        .filter(|exception| exception.status != "expired")
        .map(|exception| exception.id.as_str())
        .collect();
    let (fixed, lifetimes, open) = lifetimes(runs);
    Metrics {
        runs: runs.len(),
        first_run: runs.first().map(|run| rfc3339(run.time)),
        last_run: last.map(|run| rfc3339(run.time)),
        blocked_runs: count("fail"),
        passed_runs: count("pass"),
        error_runs: count("error"),
        exceptions_granted: granted.len(),
        excepted_findings: last.map_or(0, |run| run.excepted),
        digest_pinned: last.and_then(digest_share),
        signed: image_share(runs, |images| images.signed),
        verified: image_share(runs, |images| images.verified),
        scanned: image_share(runs, |images| images.scanned),
        vulnerability_free: image_share(runs, |images| images.clean),
        exceptions_near_expiry: last
            .map(|run| {
                run.exceptions
                    .iter()
                    .filter(|exception| exception.status != "active")
                    .cloned()
                    .collect()
            })
            .unwrap_or_default(),
        fixed_findings: fixed,
        mean_hours_to_fix: (fixed > 0).then(|| lifetimes / fixed as f64 / 3600.0),
        open_findings: open,
        series: runs
            .iter()
            .map(|run| Point {
                time: rfc3339(run.time),
                commit: run.commit.clone(),
                outcome: run.outcome.clone(),
                open: run.open.len(),
                controls: run
                    .controls
                    .iter()
                    .map(|(control, record)| (control.clone(), record.open))
                    .collect(),
                digest_pinned_percent: digest_share(run).map(|share| share.percent),
            })
            .collect(),
        admission: admission_days(records.iter().filter_map(|record| record.admission.as_ref())),
        response: response_times(records),
    }
}

/// Each incident (dry runs left out) at its newest record, oldest incident first.
pub fn latest_incidents(records: &[RunRecord]) -> Vec<&crate::store::IncidentRecord> {
    let mut latest: BTreeMap<&str, &crate::store::IncidentRecord> = BTreeMap::new();
    for incident in records
        .iter()
        .filter_map(|record| record.incident.as_ref())
        .filter(|incident| !incident.dry_run)
    {
        latest.insert(incident.id.as_str(), incident);
    }
    let mut incidents: Vec<&crate::store::IncidentRecord> = latest.into_values().collect();
    incidents.sort_by_key(|incident| (incident.declared.or(incident.started), incident.id.clone()));
    incidents
}

/// Times to contain and detect, per playbook, from each incident's newest record (dry
/// runs left out), oldest incident first.
pub fn response_times(records: &[RunRecord]) -> Vec<PlaybookTimes> {
    let incidents = latest_incidents(records);
    let mut playbooks: BTreeMap<String, PlaybookTimes> = BTreeMap::new();
    for incident in incidents {
        let times = playbooks
            .entry(incident.playbook.clone())
            .or_insert_with(|| PlaybookTimes {
                playbook: incident.playbook.clone(),
                ..PlaybookTimes::default()
            });
        times.incidents += 1;
        if incident.drill.is_some() {
            times.drills += 1;
            let when = incident.declared.or(incident.started).unwrap_or_default();
            times.last_drill = Some(times.last_drill.map_or(when, |last: i64| last.max(when)));
        }
        if let Some(seconds) = incident.time_to_contain() {
            times.contained += 1;
            times.trend.push(seconds);
        }
        if let Some(seconds) = incident.time_to_detect() {
            times.detect.push(seconds);
        }
    }
    playbooks
        .into_values()
        .map(|mut times| {
            times.mean_seconds_to_contain = mean(&times.trend);
            times.mean_seconds_to_detect = mean(&times.detect);
            times
        })
        .collect()
}

fn mean(values: &[i64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<i64>() as f64 / values.len() as f64)
}

/// `4m 12s`, `1h 3m`, `45s`.
pub fn duration_text(seconds: f64) -> String {
    let seconds = seconds.round() as i64;
    match seconds {
        s if s >= 3600 => format!("{}h {}m", s / 3600, (s % 3600) / 60),
        s if s >= 60 => format!("{}m {}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}

/// The response section of the metrics.
pub fn response_text(playbooks: &[PlaybookTimes]) -> String {
    if playbooks.is_empty() {
        return String::new();
    }
    let mut out = "Response (time to contain, per playbook; drills included):\n".to_string();
    for times in playbooks {
        let mean = |value: Option<f64>| value.map_or_else(|| "-".to_string(), duration_text);
        out.push_str(&format!(
            "  {:<22} {} incident{} ({} drill{}), contained {}, mean time to contain {}, to detect {}\n",
            times.playbook,
            times.incidents,
            if times.incidents == 1 { "" } else { "s" },
            times.drills,
            if times.drills == 1 { "" } else { "s" },
            times.contained,
            mean(times.mean_seconds_to_contain),
            mean(times.mean_seconds_to_detect),
        ));
        if times.trend.len() > 1 {
            let trend: Vec<String> = times
                .trend
                .iter()
                .map(|seconds| duration_text(*seconds as f64))
                .collect();
            out.push_str(&format!("    trend: {}\n", trend.join(" -> ")));
        }
        if times.playbook == "namespace-compromise"
            && let Some(seconds) = times.mean_seconds_to_contain
        {
            out.push_str(&format!(
                "    mean time to isolate a compromised namespace: {}\n",
                duration_text(seconds)
            ));
        }
    }
    out
}

/// The webhook's records summed by the UTC day each began.
fn admission_days<'a>(records: impl Iterator<Item = &'a AdmissionRecord>) -> Vec<AdmissionDay> {
    let mut days: BTreeMap<String, AdmissionDay> = BTreeMap::new();
    for record in records {
        let day = rfc3339(record.since).chars().take(10).collect::<String>();
        let entry = days.entry(day.clone()).or_insert_with(|| AdmissionDay {
            day,
            allowed: 0,
            warned: 0,
            denied: 0,
            skipped: 0,
            failed: 0,
            rules: BTreeMap::new(),
            detections: BTreeMap::new(),
        });
        entry.allowed += record.allowed;
        entry.warned += record.warned;
        entry.denied += record.denied;
        entry.skipped += record.skipped;
        entry.failed += record.failed;
        for (rule, tally) in &record.rules {
            let sum = entry.rules.entry(rule.clone()).or_default();
            sum.blocked += tally.blocked;
            sum.warned += tally.warned;
            sum.audited += tally.audited;
        }
        for (rule, count) in &record.detections {
            *entry.detections.entry(rule.clone()).or_default() += count;
        }
    }
    days.into_values().collect()
}

/// A share of the image summary of the latest run that measured it.
fn image_share(runs: &[RunRecord], count: impl Fn(&rampart_core::ImageSummary) -> Option<usize>) -> Option<Share> {
    runs.iter().rev().find_map(|run| {
        let images = run.images.as_ref()?;
        let counted = count(images)?;
        (images.workloads > 0).then(|| Share {
            count: counted,
            of: images.workloads,
            percent: (counted as f64 * 1000.0 / images.workloads as f64).round() / 10.0,
        })
    })
}

fn digest_share(run: &RunRecord) -> Option<Share> {
    let pinned = run.digest_pinned?;
    (run.workloads > 0).then(|| Share {
        count: pinned,
        of: run.workloads,
        percent: (pinned as f64 * 1000.0 / run.workloads as f64).round() / 10.0,
    })
}

/// Follows each open finding from the run it appeared in to the first run
/// without it: (how many disappeared, their summed lifetimes in seconds,
/// how many are open at the last run). A finding that comes back later
/// counts as new.
fn lifetimes(runs: &[RunRecord]) -> (usize, f64, usize) {
    let mut first_seen: HashMap<&str, i64> = HashMap::new();
    let (mut fixed, mut total) = (0usize, 0f64);
    for run in runs {
        let now: BTreeSet<&str> = run.open.iter().map(String::as_str).collect();
        first_seen.retain(|fingerprint, since| {
            if now.contains(fingerprint) {
                return true;
            }
            fixed += 1;
            total += (run.time - *since).max(0) as f64;
            false
        });
        for fingerprint in now {
            first_seen.entry(fingerprint).or_insert(run.time);
        }
    }
    (fixed, total, first_seen.len())
}

/// The metrics as text.
pub fn to_text(metrics: &Metrics) -> String {
    runs_text(metrics) + &admission_text(&metrics.admission) + &response_text(&metrics.response)
}

/// The webhook's days: totals, then the rules that blocked or warned most.
fn admission_text(days: &[AdmissionDay]) -> String {
    let mut out = String::new();
    if days.is_empty() {
        return out;
    }
    out.push_str("Admission decisions by day (UTC):\n");
    for day in days {
        out.push_str(&format!(
            "  {}  denied {}, warned {}, allowed {}, not judged {}, failure policy {}\n",
            day.day, day.denied, day.warned, day.allowed, day.skipped, day.failed
        ));
        let mut rules: Vec<(&String, &RuleTally)> = day.rules.iter().collect();
        rules.sort_by_key(|(rule, tally)| (std::cmp::Reverse((tally.blocked, tally.warned, tally.audited)), *rule));
        for (rule, tally) in rules.into_iter().take(10) {
            out.push_str(&format!(
                "    {rule:<32} blocked {}, warned {}, audited {}\n",
                tally.blocked, tally.warned, tally.audited
            ));
        }
        if !day.detections.is_empty() {
            let mut detections: Vec<(&String, &usize)> = day.detections.iter().collect();
            detections.sort_by_key(|(rule, count)| (std::cmp::Reverse(**count), *rule));
            let listed: Vec<String> = detections
                .iter()
                .map(|(rule, count)| format!("{rule} {count}"))
                .collect();
            out.push_str(&format!("    audit-log detections: {}\n", listed.join(", ")));
        }
    }
    out
}

fn runs_text(metrics: &Metrics) -> String {
    let mut out = String::new();
    let (Some(first), Some(last)) = (&metrics.first_run, &metrics.last_run) else {
        return "No runs recorded yet: run `rampart scan --record` or `rampart ci` first.\n".to_string();
    };
    out.push_str(&format!("Runs: {} from {first} to {last}\n", metrics.runs));
    out.push_str(&format!(
        "  blocked {}, passed {}, errors {}\n",
        metrics.blocked_runs, metrics.passed_runs, metrics.error_runs
    ));
    out.push_str(&format!(
        "Exceptions granted: {} (findings under exception at the last run: {})\n",
        metrics.exceptions_granted, metrics.excepted_findings
    ));
    match &metrics.digest_pinned {
        Some(share) => out.push_str(&format!(
            "Workloads with digest-pinned images: {} of {} ({}%)\n",
            share.count, share.of, share.percent
        )),
        None => {
            out.push_str("Workloads with digest-pinned images: not measured (no workload, or the rule did not run)\n")
        }
    }
    let shares = [
        (
            "Workloads with signed images",
            &metrics.signed,
            "no run verified signatures (`rampart images verify`, `ci --verify-images`)",
        ),
        (
            "Workloads with verified images",
            &metrics.verified,
            "no run verified signatures",
        ),
        (
            "Workloads with recently scanned images",
            &metrics.scanned,
            "no run gated reports over manifests (`images gate --manifests`, `ci --image-report`)",
        ),
        (
            "Workloads free of vulnerabilities at the threshold",
            &metrics.vulnerability_free,
            "no run gated reports over manifests",
        ),
    ];
    for (what, share, missing) in shares {
        match share {
            Some(share) => out.push_str(&format!(
                "{what}: {} of {} ({}%)\n",
                share.count, share.of, share.percent
            )),
            None => out.push_str(&format!("{what}: not measured ({missing})\n")),
        }
    }
    match metrics.mean_hours_to_fix {
        Some(hours) => out.push_str(&format!(
            "Mean time to fix: {hours:.1} h over {} fixed finding(s); {} open\n",
            metrics.fixed_findings, metrics.open_findings
        )),
        None => out.push_str(&format!(
            "Mean time to fix: no finding fixed yet; {} open\n",
            metrics.open_findings
        )),
    }
    if metrics.exceptions_near_expiry.is_empty() {
        out.push_str("Exceptions near expiry: none\n");
    } else {
        out.push_str("Exceptions near expiry:\n");
        for exception in &metrics.exceptions_near_expiry {
            out.push_str(&format!(
                "  {:<24} {:<9} {} day(s) left\n",
                exception.id, exception.status, exception.days_left
            ));
        }
    }
    let controls: BTreeSet<&String> = metrics.series.iter().flat_map(|point| point.controls.keys()).collect();
    if !controls.is_empty() {
        out.push_str("Open findings per control (first run -> last run):\n");
        for control in controls {
            let values: Vec<usize> = metrics
                .series
                .iter()
                .map(|point| point.controls.get(control).copied().unwrap_or(0))
                .collect();
            if values.iter().all(|value| *value == 0) {
                continue;
            }
            let shown: Vec<String> = values.iter().rev().take(12).rev().map(usize::to_string).collect();
            out.push_str(&format!("  {control:<11} {}\n", shown.join(" ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ControlRecord;

    #[test]
    fn admission_records_are_summed_by_day_and_kept_out_of_the_runs() {
        let day = 86_400;
        let record = |since: i64, denied: usize, blocked: usize, warned: usize| RunRecord {
            time: since + 300,
            command: "serve".to_string(),
            outcome: "pass".to_string(),
            admission: Some(AdmissionRecord {
                since,
                denied,
                allowed: 3,
                rules: [(
                    "no-privileged".to_string(),
                    RuleTally {
                        blocked,
                        warned,
                        audited: 0,
                    },
                )]
                .into(),
                detections: [("audit-pod-exec".to_string(), denied)].into(),
                ..AdmissionRecord::default()
            }),
            ..RunRecord::default()
        };
        let records = [
            record(20_000 * day, 2, 2, 0),
            run(20_000 * day + 100, "fail", &["a"]),
            record(20_000 * day + 600, 1, 1, 4),
            record(20_001 * day, 0, 0, 1),
        ];
        let metrics = compute(&records);
        // The scan's one run alone counts as a run.
        assert_eq!((metrics.runs, metrics.blocked_runs, metrics.passed_runs), (1, 1, 0));
        assert_eq!(metrics.admission.len(), 2);
        let first = &metrics.admission[0];
        assert_eq!(first.day, "2024-10-04");
        assert_eq!((first.denied, first.allowed), (3, 6));
        assert_eq!(
            first.rules["no-privileged"],
            RuleTally {
                blocked: 3,
                warned: 4,
                audited: 0
            }
        );
        assert_eq!(metrics.admission[1].rules["no-privileged"].warned, 1);
        let text = to_text(&metrics);
        assert!(text.contains("2024-10-04  denied 3, warned 0, allowed 6"), "{text}");
        assert!(text.contains("no-privileged"), "{text}");
        assert_eq!(first.detections["audit-pod-exec"], 3);
        assert!(text.contains("    audit-log detections: audit-pod-exec 3\n"), "{text}");
        // A store with only the webhook's records still shows them.
        let text = to_text(&compute(&records[3..]));
        assert!(
            text.contains("No runs recorded yet") && text.contains("2024-10-05"),
            "{text}"
        );
    }

    fn run(time: i64, outcome: &str, open: &[&str]) -> RunRecord {
        RunRecord {
            time,
            command: "ci".to_string(),
            outcome: outcome.to_string(),
            open: open.iter().map(|f| f.to_string()).collect(),
            ..RunRecord::default()
        }
    }

    #[test]
    fn time_to_fix_follows_each_finding_until_it_disappears() {
        let hour = 3600;
        let runs = [
            run(0, "fail", &["a", "b"]),
            run(2 * hour, "fail", &["a", "b", "c"]),
            run(4 * hour, "pass", &["c"]),
            run(10 * hour, "pass", &[]),
        ];
        let metrics = compute(&runs);
        // a and b lived 4 h, c lived 8 h (from 2 h to 10 h).
        assert_eq!(metrics.fixed_findings, 3);
        assert_eq!(metrics.mean_hours_to_fix, Some(16.0 / 3.0));
        assert_eq!(metrics.open_findings, 0);
        assert_eq!((metrics.blocked_runs, metrics.passed_runs), (2, 2));
        assert_eq!(metrics.series.iter().map(|p| p.open).collect::<Vec<_>>(), [2, 3, 1, 0]);
        assert_eq!(metrics.last_run.as_deref(), Some("1970-01-01T10:00:00Z"));
    }

    #[test]
    fn a_finding_that_returns_counts_as_new() {
        let runs = [run(0, "fail", &["a"]), run(100, "pass", &[]), run(300, "fail", &["a"])];
        let metrics = compute(&runs);
        assert_eq!(metrics.fixed_findings, 1);
        assert_eq!(metrics.mean_hours_to_fix, Some(100.0 / 3600.0));
        assert_eq!(metrics.open_findings, 1);
    }

    #[test]
    fn image_shares_come_from_the_latest_run_that_measured_them() {
        let mut verified = run(0, "fail", &[]);
        verified.images = Some(rampart_core::ImageSummary {
            workloads: 8,
            signed: Some(6),
            verified: Some(5),
            unchecked: Some(1),
            ..Default::default()
        });
        let mut gated = run(10, "pass", &[]);
        gated.images = Some(rampart_core::ImageSummary {
            workloads: 4,
            scanned: Some(3),
            clean: Some(1),
            ..Default::default()
        });
        let plain = run(20, "pass", &[]);
        let metrics = compute(&[verified, gated, plain]);
        let share = |share: &Option<Share>| share.as_ref().map(|share| (share.count, share.of, share.percent));
        assert_eq!(share(&metrics.signed), Some((6, 8, 75.0)));
        assert_eq!(share(&metrics.verified), Some((5, 8, 62.5)));
        assert_eq!(share(&metrics.scanned), Some((3, 4, 75.0)));
        assert_eq!(share(&metrics.vulnerability_free), Some((1, 4, 25.0)));
        let text = to_text(&metrics);
        assert!(text.contains("Workloads with signed images: 6 of 8 (75%)"), "{text}");
        assert!(
            text.contains("Workloads free of vulnerabilities at the threshold: 1 of 4 (25%)"),
            "{text}"
        );
        let none = to_text(&compute(&[run(0, "pass", &[])]));
        assert!(
            none.contains("Workloads with signed images: not measured (no run verified signatures"),
            "{none}"
        );
    }

    #[test]
    fn digest_share_exceptions_and_controls_come_from_the_runs() {
        let mut first = run(0, "fail", &["x"]);
        first.workloads = 4;
        first.digest_pinned = Some(1);
        first.controls.insert(
            "images".into(),
            ControlRecord {
                result: "fail".into(),
                open: 3,
                suppressed: 0,
            },
        );
        first.exceptions = vec![ExceptionRecord {
            id: "legacy".into(),
            status: "active".into(),
            days_left: 40,
        }];
        let mut second = run(86_400, "pass", &[]);
        second.workloads = 3;
        second.digest_pinned = Some(2);
        second.excepted = 2;
        second.exceptions = vec![
            ExceptionRecord {
                id: "legacy".into(),
                status: "expiring".into(),
                days_left: 5,
            },
            ExceptionRecord {
                id: "old".into(),
                status: "expired".into(),
                days_left: -3,
            },
        ];
        let metrics = compute(&[first, second]);
        let share = metrics.digest_pinned.clone().unwrap();
        assert_eq!((share.count, share.of, share.percent), (2, 3, 66.7));
        assert_eq!(metrics.series[0].digest_pinned_percent, Some(25.0));
        assert_eq!(metrics.exceptions_granted, 1, "an expired exception is not granted");
        assert_eq!(metrics.excepted_findings, 2);
        assert_eq!(metrics.exceptions_near_expiry.len(), 2);
        assert_eq!(metrics.series[0].controls["images"], 3);
        assert_eq!(metrics.signed, None);
        let text = to_text(&metrics);
        assert!(text.contains("digest-pinned images: 2 of 3 (66.7%)"), "{text}");
        assert!(
            text.contains("legacy                   expiring  5 day(s) left"),
            "{text}"
        );
        assert!(text.contains("images      3 0"), "{text}");
    }

    #[test]
    fn an_empty_store_says_so() {
        let metrics = compute(&[]);
        assert_eq!(metrics.runs, 0);
        assert!(metrics.mean_hours_to_fix.is_none());
        assert!(to_text(&metrics).starts_with("No runs recorded yet"));
    }
}

#[cfg(test)]
mod response_tests {
    use super::*;
    use crate::store::IncidentRecord;

    fn incident(time: i64, id: &str, playbook: &str, drill: bool, declared: i64, contained: Option<i64>) -> RunRecord {
        RunRecord {
            time,
            command: "respond".to_string(),
            outcome: "pass".to_string(),
            incident: Some(IncidentRecord {
                id: id.to_string(),
                playbook: playbook.to_string(),
                target: "Namespace/shop".to_string(),
                drill: drill.then(|| id.to_string()),
                declared: Some(declared),
                detected: Some(declared + 30),
                started: Some(declared + 60),
                contained,
                ..IncidentRecord::default()
            }),
            ..RunRecord::default()
        }
    }

    #[test]
    fn each_incident_counts_once_at_its_newest_record() {
        let records = [
            incident(100, "D-1", "namespace-compromise", true, 0, None),
            incident(400, "D-1", "namespace-compromise", true, 0, Some(360)),
            incident(1000, "D-2", "namespace-compromise", true, 900, Some(1020)),
            incident(2000, "INC-9", "credential-leak", false, 1900, None),
        ];
        let times = response_times(&records);
        assert_eq!(times.len(), 2);
        assert_eq!(
            (times[0].playbook.as_str(), times[0].incidents, times[0].contained),
            ("credential-leak", 1, 0)
        );
        let namespace = &times[1];
        assert_eq!((namespace.incidents, namespace.drills, namespace.contained), (2, 2, 2));
        assert_eq!(namespace.trend, [360, 120]);
        assert_eq!(namespace.mean_seconds_to_contain, Some(240.0));
        assert_eq!(namespace.mean_seconds_to_detect, Some(30.0));
        let metrics = compute(&records);
        assert_eq!(metrics.runs, 0, "incident records are not scan runs");
        let text = to_text(&metrics);
        assert!(text.contains("  namespace-compromise   2 incidents (2 drills), contained 2, mean time to contain 4m 0s, to detect 30s\n    trend: 6m 0s -> 2m 0s\n    mean time to isolate a compromised namespace: 4m 0s\n"), "{text}");
        assert_eq!(duration_text(3_725.0), "1h 2m");
    }
}
