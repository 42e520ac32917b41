//! `rampart audit-log`: Kubernetes audit logs judged by the detection rules, as one report
//! (every format, evidence, the run store), or as a stream of detections (`--follow`).

use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rampart_auditlog::{Detector, LogReader, Settings};
use rampart_core::{Finding, Outcome, Report, Severity, Summary};
use rampart_scan::TOOL;
use rampart_scan::catalogue::{AUDIT_LOG_ENGINE, EXCEPTIONS_ENGINE, listed_rule};
use rampart_scan::proof::Run;

use crate::{config_command, images_command, output, parse_severity, proof};

#[derive(clap::Args)]
pub struct AuditLogArgs {
    /// Audit logs: JSON lines as the API server's log backend writes them
    /// (gzip, such as rotated files, is read as it comes); `-` reads
    /// standard input.
    #[arg(required = true, value_name = "LOG")]
    paths: Vec<PathBuf>,

    /// Only events received at or after this: a duration back from now
    /// (`30m`, `24h`, `7d`) or an RFC 3339 time.
    #[arg(long, value_name = "WHEN")]
    since: Option<String>,

    /// Print each detection as its event is read, one line each (a JSON
    /// line with `-f json`), and keep reading a file as it grows, until
    /// interrupted; no report at the end.
    #[arg(long)]
    follow: bool,

    /// Exit 1 only for detections at or above this severity [default:
    /// high, or rampart.toml's fail-on].
    #[arg(long, value_parser = parse_severity)]
    fail_on: Option<Severity>,

    /// Output format, repeatable: text, json, sarif, junit, markdown or
    /// html [default: text, or rampart.toml's output.format].
    #[arg(long, short = 'f', value_enum)]
    format: Vec<output::ReportFormat>,

    /// Where the --format in the same position is written (repeatable).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Vec<PathBuf>,

    /// The configuration file whose [audit-log] applies [default: the
    /// nearest rampart.toml].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// The exceptions file [default: rampart.toml's, or
    /// .rampart/exceptions.yaml].
    #[arg(long, value_name = "FILE")]
    exceptions: Option<PathBuf>,

    #[command(flatten)]
    proof: proof::ProofArgs,
}

/// `30m`, `24h`, `7d`, `90s` back from `now`, or an RFC 3339 time, as Unix seconds.
fn since_of(text: &str, now: i64) -> Result<i64, String> {
    if let Some(time) = rampart_core::unix_from_rfc3339(text, false) {
        return Ok(time);
    }
    duration_seconds(text)
        .map(|seconds| now - seconds)
        .map_err(|error| format!("--since {text}: {error}, or an RFC 3339 time"))
}

/// `30m`, `24h`, `7d`, `90s` as seconds.
pub fn duration_seconds(text: &str) -> Result<i64, String> {
    let unit_at = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(unit_at);
    let number: i64 = number
        .parse()
        .map_err(|_| "give a duration (30m, 24h, 7d)".to_string())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err("give a duration whose unit is s, m, h or d".to_string()),
    };
    Ok(number * seconds)
}

/// A file read as it grows: at its end, wait and read again (`--follow`).
struct Growing(std::fs::File);

impl Read for Growing {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let read = self.0.read(buffer)?;
            if read > 0 {
                return Ok(read);
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

fn open(path: &Path, follow: bool) -> std::io::Result<LogReader> {
    if follow && path.as_os_str() != "-" {
        return LogReader::new(
            Box::new(Growing(std::fs::File::open(path)?)),
            rampart_auditlog::reader::DEFAULT_MAX_LINE,
        );
    }
    LogReader::open(path)
}

/// One detection as a line: `path:line: rule: message [incident]`.
fn line_of(finding: &Finding) -> String {
    let incident = finding
        .event
        .as_ref()
        .map(|event| format!(" [incident {}]", event.incident))
        .unwrap_or_default();
    format!(
        "{}:{}: {} ({}): {}{incident}",
        finding.location.path, finding.location.line, finding.rule, finding.severity, finding.message
    )
}

pub fn run(args: &AuditLogArgs) -> Outcome {
    let start = Path::new(".");
    let Ok(team) = config_command::load(args.config.as_deref(), start) else {
        return Outcome::Error;
    };
    let since = match args
        .since
        .as_deref()
        .map(|text| since_of(text, rampart_core::unix_now()))
    {
        Some(Err(error)) => {
            eprintln!("error: {error}");
            return Outcome::Error;
        }
        Some(Ok(time)) => Some(time),
        None => None,
    };
    let settings = Settings::from_config(&team.audit_log);
    let mut detector = Detector::new(rampart_auditlog::rules::all().to_vec(), settings);
    let json_lines = args.follow && args.format.contains(&output::ReportFormat::Json);
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    for path in &args.paths {
        let name = if path.as_os_str() == "-" {
            "<stdin>".to_string()
        } else {
            path.display().to_string()
        };
        let mut reader = match open(path, args.follow) {
            Ok(reader) => reader,
            Err(error) => {
                errors.push(rampart_core::ScanError::new(
                    &name,
                    None,
                    format!("cannot read it: {error}"),
                ));
                continue;
            }
        };
        let mut emit = |finding: Finding| {
            if args.follow {
                let line = if json_lines {
                    serde_json::to_string(&finding).unwrap_or_default()
                } else {
                    line_of(&finding)
                };
                // A closed pipe ends the stream quietly.
                let _ = writeln!(std::io::stdout().lock(), "{line}");
            } else {
                findings.push(finding);
            }
        };
        let mut failed = detector.read_log(&mut reader, &name, since, args.follow, &mut emit);
        if args.follow {
            for error in &failed {
                eprintln!("error: {error}");
            }
        }
        errors.append(&mut failed);
    }
    let stats = detector.stats.clone();
    eprintln!(
        "{} audit event{} read ({} judged{}), {} line{} not read",
        stats.events,
        if stats.events == 1 { "" } else { "s" },
        stats.judged,
        if stats.skipped_old > 0 {
            format!(", {} before --since", stats.skipped_old)
        } else {
            String::new()
        },
        stats.malformed,
        if stats.malformed == 1 { "" } else { "s" },
    );
    if args.follow {
        return if errors.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Error
        };
    }
    let exception_set = images_command::accept(&team, args.exceptions.as_deref(), &mut findings, &mut errors);
    let fail_on = args.fail_on.or(team.fail_on).unwrap_or(Severity::High);
    let summary = Summary {
        files: args.paths.len(),
        audit_events: stats.events,
        ..Summary::default()
    };
    let mut report = Report::new(TOOL, findings, errors, summary, Some(fail_on));
    let mut ran = Vec::new();
    for (rule, judged) in detector.coverage() {
        report.coverage.add_rule(rule.meta.id, judged);
        ran.push(listed_rule(AUDIT_LOG_ENGINE, &rule.meta));
    }
    if let Some(set) = &exception_set {
        report
            .coverage
            .add_engine(EXCEPTIONS_ENGINE, set.exceptions.list().len());
        ran.extend(
            rampart_core::exceptions::RULES
                .iter()
                .map(|meta| listed_rule(EXCEPTIONS_ENGINE, meta)),
        );
    }
    let scanned: Vec<PathBuf> = args
        .paths
        .iter()
        .filter(|path| path.as_os_str() != "-")
        .cloned()
        .collect();
    let run = Run {
        command: "audit-log",
        report: &report,
        ran: &ran,
        left_out: &[],
        team: &team,
        exceptions: exception_set.as_ref(),
        scanned: &scanned,
        start,
    };
    proof::conclude(&run, &args.format, &args.output, &args.proof)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_reads_durations_and_times() {
        assert_eq!(since_of("30m", 10_000), Ok(8_200));
        assert_eq!(since_of("2d", 200_000), Ok(27_200));
        assert_eq!(since_of("2026-12-01T00:00:00Z", 0), Ok(1_796_083_200));
        assert!(since_of("soon", 0).is_err());
        assert!(since_of("5w", 0).is_err());
    }
}
