//! Evidence: bundles written by a scan and checked by `rampart evidence
//! verify`, the run store under concurrent runs and tampering, metrics and
//! stale controls from recorded runs, and the `rampart ci` gate.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{git, git_available, json, rampart_in, repo};

/// `rampart ARGS` in `dir` at a fixed time (`SOURCE_DATE_EPOCH`), outside
/// any CI's variables.
fn rampart_at(dir: &Path, time: i64, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rampart"));
    command
        .args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", time.to_string());
    for variable in [
        "GITHUB_ACTIONS",
        "GITLAB_CI",
        "JENKINS_URL",
        "CIRCLECI",
        "TF_BUILD",
        "BUILDKITE",
    ] {
        command.env_remove(variable);
    }
    command.output().expect("rampart runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

const T0: i64 = 1_795_338_300; // 2026-11-22T09:05:00Z

fn signed_bundle(dir: &Path) -> PathBuf {
    let keygen = rampart_in(dir, &["evidence", "keygen", "--out", "signing"]);
    assert_eq!(keygen.status.code(), Some(0), "{keygen:?}");
    let scan = rampart_at(
        dir,
        T0,
        &[
            "scan",
            &repo("examples/insecure"),
            "-f",
            "json",
            "--evidence",
            "bundle",
            "--sign-key",
            "signing.pem",
            "--record",
            "--store",
            "runs.db",
        ],
    );
    assert_eq!(scan.status.code(), Some(1), "{}", String::from_utf8_lossy(&scan.stderr));
    dir.join("bundle")
}

#[test]
fn a_scan_writes_a_signed_bundle_that_verifies_and_says_what_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = signed_bundle(dir.path());
    let mut names: Vec<String> = std::fs::read_dir(&bundle)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "config.toml",
            "controls.json",
            "controls.txt",
            "exceptions.json",
            "findings.json",
            "findings.sarif",
            "inputs.json",
            "manifest.json",
            "manifest.json.sig",
            "run.json",
            "store.json"
        ]
    );
    // The bundle's findings are the run's findings.
    let findings: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(bundle.join("findings.json")).unwrap()).unwrap();
    let direct = json(&rampart_in(
        dir.path(),
        &["scan", &repo("examples/insecure"), "-f", "json"],
    ));
    assert!(findings["summary"]["findings"]["total"].as_u64().unwrap() > 0);
    assert_eq!(findings["summary"]["findings"], direct["summary"]["findings"]);
    assert_eq!(findings["findings"], direct["findings"]);
    assert_eq!(findings["controls"].as_array().unwrap().len(), 14);
    // Every input with its hash.
    let inputs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(bundle.join("inputs.json")).unwrap()).unwrap();
    let inputs = inputs.as_array().unwrap();
    assert_eq!(
        inputs.len(),
        6,
        "the manifests, the Dockerfile and the Terraform: {inputs:?}"
    );
    assert!(inputs.iter().all(|input| input["sha256"].as_str().unwrap().len() == 64));
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(bundle.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["time"], "2026-11-22T09:05:00Z");
    assert_eq!(run["command"], "scan");
    assert_eq!(run["outcome"], "fail");
    assert!(run["rules"]["per_engine"]["manifests"].as_u64().unwrap() > 50);
    assert_eq!(run["rules"]["catalogue_sha256"].as_str().unwrap().len(), 64);
    assert!(run["ci"]["provider"].is_string());
    let store: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(bundle.join("store.json")).unwrap()).unwrap();
    assert_eq!(store["seq"], 1);

    let verify = rampart_in(
        dir.path(),
        &[
            "evidence",
            "verify",
            "bundle",
            "--key",
            "signing.pub",
            "--store",
            "runs.db",
        ],
    );
    let text = stdout(&verify);
    assert_eq!(verify.status.code(), Some(0), "{text}");
    assert!(text.contains("signature: valid"), "{text}");
    assert!(text.contains("bundle: intact: 9 file(s) match manifest.json"), "{text}");
    assert!(text.contains("runs.db: intact: 1 record(s)"), "{text}");
}

#[test]
fn a_changed_byte_in_the_bundle_or_another_key_fails_verification() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = signed_bundle(dir.path());
    let keygen = rampart_in(dir.path(), &["evidence", "keygen", "--out", "other"]);
    assert_eq!(keygen.status.code(), Some(0));
    let verify = rampart_in(dir.path(), &["evidence", "verify", "bundle", "--key", "other.pub"]);
    assert_eq!(verify.status.code(), Some(1));
    assert!(stdout(&verify).contains("signature: INVALID"), "{}", stdout(&verify));

    let path = bundle.join("findings.json");
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let verify = rampart_in(dir.path(), &["evidence", "verify", "bundle", "--key", "signing.pub"]);
    let text = stdout(&verify);
    assert_eq!(verify.status.code(), Some(1), "{text}");
    assert!(text.contains("bundle: findings.json: changed"), "{text}");
    assert!(text.contains("bundle: NOT intact"), "{text}");
    // A missing bundle is an input error, not a verdict.
    let missing = rampart_in(dir.path(), &["evidence", "verify", "nowhere"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn concurrent_runs_record_one_unbroken_chain() {
    let dir = tempfile::tempdir().unwrap();
    let hardened = repo("examples/hardened");
    let runs: Vec<std::process::Child> = (0..6)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_rampart"))
                .args(["scan", &hardened, "--record", "--store", "runs.db", "-f", "json"])
                .current_dir(dir.path())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for run in runs {
        let output = run.wait_with_output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let verify = rampart_in(dir.path(), &["evidence", "verify", "--store", "runs.db"]);
    assert_eq!(verify.status.code(), Some(0), "{}", stdout(&verify));
    assert!(stdout(&verify).contains("intact: 6 record(s)"), "{}", stdout(&verify));
}

fn record_runs(dir: &Path, count: i64) {
    for run in 0..count {
        let output = rampart_at(
            dir,
            T0 + run,
            &[
                "scan",
                &repo("examples/hardened"),
                "--record",
                "--store",
                "runs.db",
                "--evidence",
                &format!("bundle{run}"),
            ],
        );
        assert_eq!(output.status.code(), Some(0));
    }
}

#[test]
fn changed_removed_and_reordered_records_are_each_detected() {
    let tampers = [
        (
            "UPDATE runs SET body = replace(body, '\"pass\"', '\"fail\"') WHERE seq = 2",
            "record 2: its content does not match its hash",
        ),
        ("DELETE FROM runs WHERE seq = 2", "records 2..2 are missing"),
        (
            "UPDATE runs SET seq = 99 WHERE seq = 2; UPDATE runs SET seq = 2 WHERE seq = 3; UPDATE runs SET seq = 3 WHERE seq = 99",
            "record 2: names",
        ),
    ];
    for (sql, expected) in tampers {
        let dir = tempfile::tempdir().unwrap();
        record_runs(dir.path(), 3);
        let connection = rusqlite::Connection::open(dir.path().join("runs.db")).unwrap();
        connection.execute_batch(sql).unwrap();
        drop(connection);
        let verify = rampart_in(dir.path(), &["evidence", "verify", "--store", "runs.db"]);
        let text = stdout(&verify);
        assert_eq!(verify.status.code(), Some(1), "{sql}: {text}");
        assert!(text.contains(expected), "{sql}: {text}");
    }
}

#[test]
fn a_bundle_anchors_the_store_against_cut_off_records() {
    let dir = tempfile::tempdir().unwrap();
    record_runs(dir.path(), 2);
    let connection = rusqlite::Connection::open(dir.path().join("runs.db")).unwrap();
    connection.execute("DELETE FROM runs WHERE seq = 2", []).unwrap();
    drop(connection);
    // The chain alone still holds...
    let alone = rampart_in(dir.path(), &["evidence", "verify", "--store", "runs.db"]);
    assert_eq!(alone.status.code(), Some(0), "{}", stdout(&alone));
    // ...but the last run's bundle names the record that is gone.
    let anchored = rampart_in(dir.path(), &["evidence", "verify", "bundle1", "--store", "runs.db"]);
    assert_eq!(anchored.status.code(), Some(1));
    assert!(
        stdout(&anchored).contains("record 2: named by the bundle, gone from the store"),
        "{}",
        stdout(&anchored)
    );
}

#[test]
fn metrics_follow_findings_from_a_failing_run_to_a_passing_one() {
    let dir = tempfile::tempdir().unwrap();
    // The same folder, insecure first and hardened two hours later.
    let app = dir.path().join("app");
    std::fs::create_dir(&app).unwrap();
    let copy = |from: &str| {
        for entry in std::fs::read_dir(&app).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
        for entry in std::fs::read_dir(repo(from)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), app.join(entry.file_name())).unwrap();
        }
    };
    copy("examples/insecure");
    let first = rampart_at(
        dir.path(),
        T0,
        &["scan", "app", "--record", "--store", "runs.db", "-f", "json"],
    );
    assert_eq!(first.status.code(), Some(1));
    let open = json(&first)["summary"]["findings"]["total"].as_u64().unwrap();
    copy("examples/hardened");
    let second = rampart_at(
        dir.path(),
        T0 + 7200,
        &["scan", "app", "--record", "--store", "runs.db"],
    );
    assert_eq!(second.status.code(), Some(0));
    let metrics = json(&rampart_in(
        dir.path(),
        &["metrics", "--store", "runs.db", "-f", "json"],
    ));
    assert_eq!(metrics["runs"], 2);
    assert_eq!(metrics["blocked_runs"], 1);
    assert_eq!(metrics["passed_runs"], 1);
    assert_eq!(metrics["fixed_findings"].as_u64().unwrap(), open);
    assert_eq!(metrics["mean_hours_to_fix"], 2.0);
    assert_eq!(metrics["open_findings"], 0);
    assert_eq!(metrics["digest_pinned"]["percent"], 100.0);
    assert_eq!(metrics["series"][0]["digest_pinned_percent"], 0.0);
    assert!(metrics["series"][0]["controls"]["runtime"].as_u64().unwrap() > 0);
    let text = stdout(&rampart_in(dir.path(), &["metrics", "--store", "runs.db"]));
    assert!(text.contains("blocked 1, passed 1"), "{text}");
    assert!(text.contains("Mean time to fix: 2.0 h"), "{text}");
}

#[test]
fn a_control_last_evidenced_longer_ago_than_its_frequency_is_stale() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("all.toml"), "[frequency]\nrbac = \"weekly\"\n").unwrap();
    std::fs::write(
        dir.path().join("no-rbac.toml"),
        "ignore = [\"rbac\"]\n[frequency]\nrbac = \"weekly\"\n",
    )
    .unwrap();
    let hardened = repo("examples/hardened");
    let recorded = rampart_at(
        dir.path(),
        T0,
        &[
            "scan", &hardened, "--config", "all.toml", "--record", "--store", "runs.db",
        ],
    );
    assert_eq!(recorded.status.code(), Some(0));
    let controls = |days: i64| {
        let output = rampart_at(
            dir.path(),
            T0 + days * 86_400,
            &[
                "controls",
                &hardened,
                "--config",
                "no-rbac.toml",
                "--store",
                "runs.db",
                "-f",
                "json",
            ],
        );
        let rows = json(&output);
        let rbac = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["control"] == "rbac")
            .unwrap()
            .clone();
        (output.status.code(), rbac)
    };
    let (code, rbac) = controls(3);
    assert_eq!(code, Some(0));
    assert_eq!(rbac["result"], "pass");
    assert_eq!(rbac["last_evidence"], "2026-11-22T09:05:00Z");
    let (code, rbac) = controls(30);
    assert_eq!(rbac["result"], "stale");
    assert_eq!(code, Some(1), "a stale control fails `rampart controls`");
    // Without the store nothing checked rbac.
    let output = rampart_at(
        dir.path(),
        T0,
        &["controls", &hardened, "--config", "no-rbac.toml", "-f", "json"],
    );
    let rows = json(&output);
    let rbac = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["control"] == "rbac")
        .unwrap();
    assert_eq!(rbac["result"], "not-evaluated");
}

/// A repository whose feature branch added a token and removed it again:
/// the tree is clean, the history is not.
fn leaky_branch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    std::fs::create_dir(root.join("deploy")).unwrap();
    for entry in std::fs::read_dir(repo("examples/hardened")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), root.join("deploy").join(entry.file_name())).unwrap();
    }
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "hardened manifests"]);
    git(root, &["checkout", "-q", "-b", "feature"]);
    let token = format!("ghp_{}", "Qx7Lm2Rt9Vb4Nk8Wp3Zs6Yd1Hc5Jf0Ga2Tu4");
    std::fs::write(root.join("notes.txt"), format!("GITHUB_TOKEN={token}\n")).unwrap();
    git(root, &["add", "notes.txt"]);
    git(root, &["commit", "-q", "-m", "notes"]);
    std::fs::remove_file(root.join("notes.txt")).unwrap();
    git(root, &["commit", "-q", "-am", "remove notes"]);
    dir
}

#[test]
fn the_ci_gate_finds_a_secret_in_the_commits_since_the_base_and_nothing_on_the_tree() {
    if !git_available() {
        eprintln!("skipped: git is not installed");
        return;
    }
    let dir = leaky_branch();
    let out = tempfile::tempdir().unwrap();
    let evidence = out.path().join("evidence");
    let gate = rampart_at(
        dir.path(),
        T0,
        &["ci", "-f", "json", "--evidence", evidence.to_str().unwrap()],
    );
    let report = json(&gate);
    assert_eq!(gate.status.code(), Some(1), "{report}");
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report}");
    assert_eq!(findings[0]["rule"], "github-pat");
    // Named as the search of the working tree names files.
    assert_eq!(findings[0]["location"]["path"], "./notes.txt");
    assert_eq!(findings[0]["secret"]["commit"]["summary"], "notes");
    assert!(
        !findings[0]["secret"]["redacted"]
            .as_str()
            .unwrap()
            .contains("Qx7Lm2Rt9Vb4")
    );
    assert_eq!(report["summary"]["commits"], 2, "the two commits of the branch");
    assert_eq!(report["summary"]["objects"], 13, "the manifests were checked too");
    assert!(evidence.join("manifest.json").exists());
    // The tree alone is clean.
    let tree = rampart_at(dir.path(), T0, &["ci", "--no-history"]);
    assert_eq!(tree.status.code(), Some(0), "{}", stdout(&tree));
    // With the leaky commit as the base, nothing after it leaks.
    let later = rampart_at(dir.path(), T0, &["ci", "--base", "HEAD~1"]);
    assert_eq!(later.status.code(), Some(0), "{}", stdout(&later));
    // A gate over a folder judges that folder's history only.
    let folder = rampart_at(dir.path(), T0, &["ci", "deploy"]);
    assert_eq!(folder.status.code(), Some(0), "{}", stdout(&folder));
    // A secret still in the tree is reported once, there, not again from
    // the commit that added it.
    let token = format!("ghp_{}", "Wd4Hc8Ks2Lp6Rt0Vb3Nm7Qx1Zy5Ja9Fe2Gu6");
    std::fs::write(dir.path().join("keep.txt"), format!("TOKEN={token}\n")).unwrap();
    git(dir.path(), &["add", "keep.txt"]);
    git(dir.path(), &["commit", "-q", "-m", "keep"]);
    let both = json(&rampart_at(dir.path(), T0, &["ci", "-f", "json"]));
    let paths: Vec<&str> = both["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["location"]["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["./keep.txt", "./notes.txt"], "{both}");
    assert!(
        both["findings"][0]["secret"]["commit"].is_null(),
        "the tree's finding, not history's"
    );
    // An unknown base is an input error with a hint.
    let unknown = rampart_at(dir.path(), T0, &["ci", "--base", "origin/nowhere"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stdout(&unknown).contains("fetch the base revision"),
        "{}",
        stdout(&unknown)
    );
}
