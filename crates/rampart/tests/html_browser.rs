//! The HTML report in a real browser: headless Chromium driven through
//! chromedriver (WebDriver) on 127.0.0.1. The counts the page shows must
//! equal the JSON report's; a severity filter click must change the rows;
//! a long list must page.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs
//! them). Without them the test says it skipped, unless
//! `RAMPART_BROWSER_TESTS=require` (set by `.ci/run`) makes that a failure.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{rampart_in, repo};
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver, stopped when dropped (also when an assertion fails).
struct Driver {
    child: Child,
    base: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start() -> Driver {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = ureq::get(format!("{}/status", driver.base))
                .call()
                .ok()
                .and_then(|mut response| response.body_mut().read_json::<Value>().ok())
                .is_some_and(|status| status["value"]["ready"] == true);
            if ready {
                return driver;
            }
            assert!(Instant::now() < deadline, "chromedriver did not become ready");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn post(&self, path: &str, body: Value) -> Value {
        let mut response = ureq::post(format!("{}{path}", self.base))
            .send_json(body)
            .unwrap_or_else(|error| panic!("POST {path}: {error}"));
        response.body_mut().read_json::<Value>().unwrap()["value"].clone()
    }

    fn session(&self, profile: &Path) -> Session<'_> {
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        }}});
        let created = self.post("/session", capabilities);
        Session {
            driver: self,
            id: created["sessionId"].as_str().expect("a session id").to_string(),
        }
    }
}

struct Session<'a> {
    driver: &'a Driver,
    id: String,
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let _ = ureq::delete(format!("{}/session/{}", self.driver.base, self.id)).call();
    }
}

impl Session<'_> {
    fn open(&self, file: &Path) {
        self.driver.post(
            &format!("/session/{}/url", self.id),
            json!({"url": format!("file://{}", file.display())}),
        );
    }

    fn run(&self, script: &str) -> Value {
        self.driver.post(
            &format!("/session/{}/execute/sync", self.id),
            json!({"script": script, "args": []}),
        )
    }

    fn click(&self, selector: &str) {
        let element = self.driver.post(
            &format!("/session/{}/element", self.id),
            json!({"using": "css selector", "value": selector}),
        );
        let id = element
            .as_object()
            .and_then(|object| object.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {selector}: {element}"))
            .to_string();
        self.driver
            .post(&format!("/session/{}/element/{id}/click", self.id), json!({}));
    }
}

/// What the page shows: its counters, the rows drawn and the total the
/// filters let through.
const READ_PAGE: &str = r#"
    const text = (id) => document.getElementById(id).textContent;
    const rows = Array.from(document.querySelectorAll('#findings-table tbody tr'));
    return {
        total: Number(text('count-total')),
        critical: Number(text('count-critical')),
        high: Number(text('count-high')),
        medium: Number(text('count-medium')),
        low: Number(text('count-low')),
        suppressed: Number(text('count-suppressed')),
        rows: rows.length,
        severities: rows.map((row) => row.getAttribute('data-severity')),
        filtered: Number(document.getElementById('visible-count').getAttribute('data-total')),
        pager: text('visible-count'),
        controls: document.querySelectorAll('#controls tbody tr').length,
    };
"#;

fn browser_available() -> bool {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !present && std::env::var("RAMPART_BROWSER_TESTS").as_deref() == Ok("require") {
        panic!("RAMPART_BROWSER_TESTS=require, but {CHROMIUM} or {CHROMEDRIVER} is missing");
    }
    if !present {
        eprintln!("skipped: the browser test needs {CHROMIUM} and {CHROMEDRIVER} (Debian's chromium, chromium-driver)");
    }
    present
}

/// Forty copies of a privileged Deployment: hundreds of findings.
fn many_findings(dir: &Path) -> PathBuf {
    let mut yaml = String::new();
    for index in 0..40 {
        yaml.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{index}\n  namespace: shop\n\
             spec:\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n\
             \x20   spec:\n      containers:\n      - name: web\n        image: nginx\n        securityContext:\n          privileged: true\n"
        ));
    }
    let path = dir.join("many.yaml");
    std::fs::write(&path, yaml).unwrap();
    path
}

#[test]
fn the_html_report_shows_the_json_counts_and_its_filters_and_pages_work() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let insecure = repo("examples/insecure");
    let scan = rampart_in(
        dir.path(),
        &[
            "scan",
            &insecure,
            "-f",
            "json",
            "-o",
            "report.json",
            "-f",
            "html",
            "-o",
            "report.html",
        ],
    );
    assert_eq!(scan.status.code(), Some(1), "{}", String::from_utf8_lossy(&scan.stderr));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap()).unwrap();
    let counts = &report["summary"]["findings"];

    let driver = Driver::start();
    let session = driver.session(&dir.path().join("profile"));
    session.open(&dir.path().join("report.html"));
    let page = session.run(READ_PAGE);
    for key in ["total", "critical", "high", "medium", "low"] {
        assert_eq!(page[key], counts[key], "{key}: page {page}");
    }
    assert_eq!(page["suppressed"], report["summary"]["suppressed"]);
    let total = counts["total"].as_u64().unwrap();
    assert_eq!(page["filtered"], total, "all open findings pass the default filters");
    assert_eq!(page["rows"], total.min(100));
    assert_eq!(page["controls"], 14, "the controls matrix has a row per control");

    // One click on the critical chip leaves only the critical findings.
    session.click("button[data-severity=critical]");
    let page = session.run(READ_PAGE);
    let critical = counts["critical"].as_u64().unwrap();
    assert!(critical > 0 && critical < total);
    assert_eq!(page["filtered"], critical, "{page}");
    assert_eq!(page["rows"], critical);
    assert!(
        page["severities"].as_array().unwrap().iter().all(|s| s == "critical"),
        "{page}"
    );
    // A second click lifts the filter.
    session.click("button[data-severity=critical]");
    assert_eq!(session.run(READ_PAGE)["filtered"], total);

    // A long list is drawn a page at a time.
    let many = many_findings(dir.path());
    let scan = rampart_in(
        dir.path(),
        &[
            "scan",
            many.to_str().unwrap(),
            "--no-secrets",
            "-f",
            "json",
            "-o",
            "many.json",
            "-f",
            "html",
            "-o",
            "many.html",
        ],
    );
    assert_eq!(scan.status.code(), Some(1));
    let many_report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("many.json")).unwrap()).unwrap();
    let many_total = many_report["summary"]["findings"]["total"].as_u64().unwrap();
    assert!(many_total > 200, "{many_total}");
    session.open(&dir.path().join("many.html"));
    let page = session.run(READ_PAGE);
    assert_eq!(page["total"], many_total);
    assert_eq!(page["rows"], 100);
    assert_eq!(page["pager"], format!("1\u{2013}100 of {many_total}"));
    session.click("#page-next");
    let page = session.run(READ_PAGE);
    assert_eq!(page["rows"], 100);
    assert_eq!(page["pager"], format!("101\u{2013}200 of {many_total}"));
}
