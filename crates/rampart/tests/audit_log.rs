//! `rampart audit-log` as an operator runs it: a log file (plain or gzip), standard input,
//! `--since`, `--follow`, rampart.toml's `[audit-log]`, and bad input reported line by
//! line while the rest is judged.

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use common::{json, rampart_in, write_file};

/// An event line (its audit ID made of its time): `user` does `verb` on `resource` (`pods/exec`) of `namespace/name` at
/// `time`, answered `code`, with `extra` JSON fields.
fn event(user: &str, verb: &str, resource: &str, target: &str, code: u16, time: &str, extra: &str) -> String {
    let (resource, subresource) = resource.split_once('/').unwrap_or((resource, ""));
    let (namespace, name) = target.split_once('/').unwrap_or(("", target));
    let mut object_ref = format!("\"resource\":\"{resource}\",\"apiVersion\":\"v1\"");
    for (key, value) in [("subresource", subresource), ("namespace", namespace), ("name", name)] {
        if !value.is_empty() {
            object_ref.push_str(&format!(",\"{key}\":\"{value}\""));
        }
    }
    let id = format!("id-{time}");
    format!(
        "{{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Request\",\"auditID\":\"{id}\",\"stage\":\"ResponseComplete\",\"requestURI\":\"/api/v1/{resource}\",\"verb\":\"{verb}\",\"user\":{{\"username\":\"{user}\",\"groups\":[\"system:authenticated\"]}},\"sourceIPs\":[\"203.0.113.9\"],\"userAgent\":\"kubectl/v1.31.0\",\"objectRef\":{{{object_ref}}},\"responseStatus\":{{\"code\":{code}}},\"requestReceivedTimestamp\":\"{time}\"{extra}}}"
    )
}

const PRIVILEGED: &str = r#","requestObject":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"agent","namespace":"monitoring"},"spec":{"containers":[{"name":"a","image":"x","securityContext":{"privileged":true}}]}}"#;

fn log() -> String {
    [
        event(
            "mallory",
            "get",
            "secrets",
            "shop/db-credentials",
            200,
            "2026-12-01T10:00:00Z",
            "",
        ),
        event(
            "mallory",
            "create",
            "pods/exec",
            "shop/web-1",
            101,
            "2026-12-01T10:01:00Z",
            "",
        ),
        event(
            "system:kube-controller-manager",
            "list",
            "secrets",
            "shop/",
            200,
            "2026-12-01T10:02:00Z",
            "",
        ),
        event(
            "alice",
            "create",
            "pods",
            "monitoring/agent",
            201,
            "2026-12-01T11:00:00Z",
            PRIVILEGED,
        ),
    ]
    .join("\n")
        + "\n"
}

#[test]
fn a_log_is_judged_into_a_report_whose_findings_carry_their_events() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "audit.log", &log());
    let output = rampart_in(dir.path(), &["audit-log", "audit.log", "-f", "json"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    let found: Vec<(String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap().to_string(),
                finding["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("audit-secret-read-unexpected".to_string(), 1),
            ("audit-pod-exec".to_string(), 2),
            ("audit-workload-breaks-pod-security".to_string(), 4)
        ]
    );
    let exec = &report["findings"][1];
    assert_eq!(exec["event"]["auditID"], "id-2026-12-01T10:01:00Z");
    assert_eq!(exec["event"]["user"], "mallory");
    assert_eq!(exec["event"]["sourceIPs"][0], "203.0.113.9");
    assert_eq!(exec["event"]["userAgent"], "kubectl/v1.31.0");
    assert_eq!(exec["event"]["resource"], "pods/exec");
    assert_eq!(exec["event"]["code"], 101);
    assert_eq!(exec["event"]["time"], "2026-12-01T10:01:00Z");
    // One identity's detections within the window share an incident.
    assert_eq!(report["findings"][0]["event"]["incident"], exec["event"]["incident"]);
    assert_ne!(report["findings"][2]["event"]["incident"], exec["event"]["incident"]);
    assert_eq!(report["summary"]["audit_events"], 4);
    let detection = report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|control| control["control"] == "detection")
        .unwrap();
    assert_eq!(detection["result"], "fail");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("4 audit events read (4 judged), 0 lines not read"),
        "{stderr}"
    );
    // The text report lists the incidents before the detections, each with its event.
    let text = rampart_in(dir.path(), &["audit-log", "audit.log"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("incidents\n"), "{text}");
    assert!(
        text.contains("mallory  2 detections 2026-12-01T10:00:00Z to 2026-12-01T10:01:00Z"),
        "{text}"
    );
    assert!(
        text.contains("audit-secret-read-unexpected, audit-pod-exec from 203.0.113.9"),
        "{text}"
    );
    assert!(
        text.contains("event: 2026-12-01T10:01:00Z create pods/exec 101 from 203.0.113.9 (kubectl/v1.31.0)"),
        "{text}"
    );

    let html = rampart_in(dir.path(), &["audit-log", "audit.log", "-f", "html"]);
    let html = String::from_utf8_lossy(&html.stdout);
    let incidents = html
        .split("<section id=\"incidents\">")
        .nth(1)
        .expect("an incidents section");
    let incidents = incidents.split("</section>").next().unwrap();
    assert!(
        incidents.contains(
            "<td>mallory</td><td>2026-12-01T10:00:00Z</td><td>2026-12-01T10:01:00Z</td><td class=\"days\">2</td>"
        ),
        "{incidents}"
    );
    assert!(incidents.contains("<td>alice</td>"), "{incidents}");

    // A dated exception for one identity's detections.
    write_file(
        dir.path(),
        ".rampart/exceptions.yaml",
        "exceptions:\n  - id: pentest\n    rules: [audit-pod-exec, audit-secret-read-unexpected]\n    match: {user: \"mall*\"}\n    justification: The December penetration test.\n    compensating_controls: [scoped to the shop namespace]\n    owner: team-security\n    approved_by: ciso@example.org\n    expires: 2099-01-31\n",
    );
    let excepted = json(&rampart_in(dir.path(), &["audit-log", "audit.log", "-f", "json"]));
    let suppressed: Vec<bool> = excepted["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["suppressed"].as_bool().unwrap())
        .collect();
    assert_eq!(suppressed, [true, true, false]);
    std::fs::remove_file(dir.path().join(".rampart/exceptions.yaml")).unwrap();

    // rampart.toml: node agents may run privileged in monitoring; the spike threshold.
    write_file(
        dir.path(),
        "rampart.toml",
        "[audit-log]\nprivileged-namespaces = [\"monitoring\"]\n",
    );
    let exempt = json(&rampart_in(dir.path(), &["audit-log", "audit.log", "-f", "json"]));
    assert_eq!(exempt["findings"].as_array().unwrap().len(), 2);
}

#[test]
fn gzip_since_and_standard_input_read_the_same_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(log().as_bytes()).unwrap();
    std::fs::write(dir.path().join("audit.log.1.gz"), gz.finish().unwrap()).unwrap();
    let all = json(&rampart_in(dir.path(), &["audit-log", "audit.log.1.gz", "-f", "json"]));
    assert_eq!(all["findings"].as_array().unwrap().len(), 3);
    let recent = rampart_in(
        dir.path(),
        &[
            "audit-log",
            "audit.log.1.gz",
            "--since",
            "2026-12-01T10:30:00Z",
            "-f",
            "json",
        ],
    );
    assert_eq!(json(&recent)["findings"].as_array().unwrap().len(), 1);
    assert!(String::from_utf8_lossy(&recent.stderr).contains("3 before --since"));

    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["audit-log", "-", "--follow", "-f", "json"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(log().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "one JSON line per detection");
    assert_eq!(lines[1]["rule"], "audit-pod-exec");
    assert_eq!(lines[1]["location"]["path"], "<stdin>");
}

#[test]
fn bad_lines_are_errors_with_their_number_and_the_rest_is_judged() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("{\"kind\": 0}\n{\"truncated\": \n\u{0}\u{1}\u{2}binary\n");
    text.push_str(&"x".repeat(17 << 20));
    text.push('\n');
    text.push_str(&log());
    write_file(dir.path(), "audit.log", &text);
    let output = rampart_in(dir.path(), &["audit-log", "audit.log", "-f", "json"]);
    assert_eq!(output.status.code(), Some(2), "input errors");
    let report = json(&output);
    let errors: Vec<(u64, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| {
            (
                error["line"].as_u64().unwrap(),
                error["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(errors.iter().map(|(line, _)| *line).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert!(errors[3].1.contains("longer than 16 MiB"), "{errors:?}");
    assert_eq!(report["findings"].as_array().unwrap().len(), 3, "the events after them");
    let missing = rampart_in(dir.path(), &["audit-log", "nope.log"]);
    assert_eq!(missing.status.code(), Some(2));
    let since = rampart_in(dir.path(), &["audit-log", "audit.log", "--since", "soon"]);
    assert_eq!(since.status.code(), Some(2));
}

#[test]
fn the_falco_trace_files_as_one_log() {
    let traces =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/falco-k8saudit/trace_files");
    if !traces.is_dir() {
        println!("skipped: ../shared/corpus is absent");
        return;
    }
    let mut files: Vec<_> = std::fs::read_dir(&traces)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    let text: String = files
        .iter()
        .map(|file| std::fs::read_to_string(file).unwrap())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "falco.log", &text);
    let report = json(&rampart_in(dir.path(), &["audit-log", "falco.log", "-f", "json"]));
    assert_eq!(report["summary"]["audit_events"], 50);
    assert_eq!(report["findings"].as_array().unwrap().len(), 34);
    assert_eq!(
        report["errors"].as_array().unwrap().len(),
        1,
        "fal_01_003's malformed event"
    );
}
