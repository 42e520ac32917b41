//! `rampart fix` against Polaris' own fix outputs (`../shared/corpus/polaris`, the
//! `mutated*.yaml` expected from each `failure*.yaml`): where both fix, the same value is
//! written and the finding is gone, without Polaris' re-indentation of the whole file; where
//! Rampart differs, the difference is deliberate and asserted here, one reason per check.

mod common;

use std::path::{Path, PathBuf};

use common::{json, rampart_in};

fn corpus() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/polaris/test/checks");
    if path.is_dir() {
        Some(path.canonicalize().unwrap())
    } else {
        println!("skipped: ../shared/corpus is absent");
        None
    }
}

/// What Rampart does where Polaris mutates.
enum Expect {
    /// Rampart fixes it too (`--unsafe` where the rule says so), writing `text`.
    Same { rule: &'static str, text: &'static str },
    /// Rampart lists it, needing a value it will not guess (Polaris writes guesses such as
    /// `100m`, `512Mi`, `cat /tmp/healthy`).
    NeedsInput(&'static str),
    /// Rampart fixes it only with `--unsafe` (node agents need host namespaces and ports),
    /// leaving `gone` out of the file and writing `text`; Polaris deletes the key, which
    /// means the same as Rampart's explicit `false`.
    Unsafe {
        rule: &'static str,
        gone: &'static str,
        text: &'static str,
    },
    /// Rampart reports it but writes no fix: a probe needs the path or command the
    /// application answers on.
    Reported(&'static str),
    /// Not a Rampart rule: replicas are availability, and `imagePullPolicy: Always` adds
    /// nothing once images are pinned by digest.
    NotARule,
    /// Polaris deletes the added capability; Rampart drops `ALL` instead and never removes
    /// an `add` silently (the added capability may be what the program needs).
    DropsAllKeepsAdd,
}

fn expectation(check: &str) -> Expect {
    match check {
        "runAsRootAllowed" => Expect::Same {
            rule: "run-as-non-root",
            text: "runAsNonRoot: true",
        },
        // Polaris replaces the drop list by [ALL]; Rampart appends ALL to it in its style.
        "insecureCapabilities" => Expect::Same {
            rule: "capabilities-drop-all",
            text: "ALL",
        },
        "dangerousCapabilities" => Expect::DropsAllKeepsAdd,
        "cpuLimitsMissing" | "memoryLimitsMissing" => Expect::NeedsInput("resource-limits-set"),
        "cpuRequestsMissing" | "memoryRequestsMissing" => Expect::NeedsInput("resource-requests-set"),
        "readinessProbeMissing" => Expect::Reported("readiness-probe-set"),
        "livenessProbeMissing" => Expect::Reported("liveness-probe-set"),
        "hostPIDSet" => Expect::Unsafe {
            rule: "no-host-pid",
            gone: "hostPID: true",
            text: "hostPID: false",
        },
        "hostIPCSet" => Expect::Unsafe {
            rule: "no-host-ipc",
            gone: "hostIPC: true",
            text: "hostIPC: false",
        },
        "hostNetworkSet" => Expect::Unsafe {
            rule: "no-host-network",
            gone: "hostNetwork: true",
            text: "hostNetwork: false",
        },
        "hostPortSet" => Expect::Unsafe {
            rule: "no-host-port",
            gone: "hostPort",
            text: "- containerPort: 80",
        },
        "deploymentMissingReplicas" | "pullPolicyNotAlways" => Expect::NotARule,
        other => panic!("no expectation for Polaris check {other}"),
    }
}

fn rules_in(dir: &Path, file: &str) -> Vec<String> {
    let report = json(&rampart_in(dir, &["scan", file, "--profile", "all", "-f", "json"]));
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn polaris_mutations_compared_case_by_case() {
    let Some(corpus) = corpus() else { return };
    let mut compared = 0;
    for check in std::fs::read_dir(&corpus).unwrap() {
        let check = check.unwrap().path();
        let name = check.file_name().unwrap().to_string_lossy().to_string();
        for mutated in std::fs::read_dir(&check).unwrap() {
            let mutated = mutated.unwrap().path();
            let file = mutated.file_name().unwrap().to_string_lossy().to_string();
            let Some(suffix) = file.strip_prefix("mutated") else {
                continue;
            };
            let failure = check.join(format!("failure{suffix}"));
            // Some fixtures declare `apiVersion: v1` for a Deployment, which no API server
            // serves and Rampart does not take for a workload: corrected, so both tools judge
            // the same object.
            let original = std::fs::read_to_string(&failure).unwrap().replace(
                "apiVersion: v1\nkind: Deployment",
                "apiVersion: apps/v1\nkind: Deployment",
            );
            let polaris = std::fs::read_to_string(&mutated).unwrap();
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("app.yaml"), &original).unwrap();
            let before = rules_in(dir.path(), "app.yaml");
            let output = rampart_in(dir.path(), &["fix", "app.yaml", "--write", "--unsafe"]);
            let stderr = String::from_utf8_lossy(&output.stderr).to_string();
            let fixed = std::fs::read_to_string(dir.path().join("app.yaml")).unwrap();
            let after = rules_in(dir.path(), "app.yaml");
            let case = format!("{name}/{file}");
            match expectation(&name) {
                Expect::Same { rule, text } => {
                    assert!(before.iter().any(|found| found == rule), "{case}: {before:?}");
                    assert!(!after.iter().any(|found| found == rule), "{case}: {after:?}\n{fixed}");
                    assert!(fixed.contains(text), "{case}: {fixed}");
                    // Polaris wrote the same value, re-indenting the file around it.
                    let polaris_value = text.split(": ").last().unwrap();
                    assert!(polaris.contains(polaris_value), "{case}: {polaris}");
                    // Rampart changed only what it fixed: every original line is still there.
                    let kept: Vec<&str> = fixed.lines().collect();
                    for line in original.lines() {
                        let key = line.split(": ").next().unwrap_or(line);
                        assert!(
                            kept.iter()
                                .any(|kept| *kept == line || kept.starts_with(&format!("{key}: "))),
                            "{case}: {line:?} changed"
                        );
                    }
                }
                Expect::NeedsInput(rule) => {
                    assert!(before.iter().any(|found| found == rule), "{case}: {before:?}");
                    assert!(after.iter().any(|found| found == rule), "{case}: {after:?}");
                    assert!(
                        stderr.contains(&format!("{rule} ")) && stderr.contains("(needs input)"),
                        "{case}: {stderr}"
                    );
                    assert!(
                        !fixed.contains("resources:") || original.contains("resources:"),
                        "{case}: guessed\n{fixed}"
                    );
                }
                Expect::Unsafe { rule, gone, text } => {
                    assert!(before.iter().any(|found| found == rule), "{case}: {before:?}");
                    assert!(!after.iter().any(|found| found == rule), "{case}: {after:?}");
                    assert!(!fixed.contains(gone) && fixed.contains(text), "{case}: {fixed}");
                    assert!(!polaris.contains(gone), "{case}: {polaris}");
                    // Without --unsafe it is listed, not written.
                    std::fs::write(dir.path().join("app.yaml"), &original).unwrap();
                    let safe = rampart_in(dir.path(), &["fix", "app.yaml", "--write", "--rule", rule]);
                    let stderr = String::from_utf8_lossy(&safe.stderr);
                    assert!(
                        stderr.contains(&format!("{rule} ")) && stderr.contains("(unsafe)"),
                        "{case}: {stderr}"
                    );
                    let unchanged = std::fs::read_to_string(dir.path().join("app.yaml")).unwrap();
                    assert_eq!(unchanged, original, "{case}");
                }
                Expect::Reported(rule) => {
                    assert!(before.iter().any(|found| found == rule), "{case}: {before:?}");
                    assert!(after.iter().any(|found| found == rule), "{case}: {after:?}");
                    let refused = rampart_in(dir.path(), &["fix", "app.yaml", "--rule", rule]);
                    assert_eq!(refused.status.code(), Some(2), "{case}");
                }
                Expect::NotARule => {}
                Expect::DropsAllKeepsAdd => {
                    assert!(fixed.contains("drop: [ALL]"), "{case}: {fixed}");
                    assert!(
                        fixed.contains("NET_ADMIN"),
                        "{case}: the added capability stays\n{fixed}"
                    );
                    assert!(
                        after.iter().any(|found| found == "no-dangerous-capabilities"),
                        "{case}: {after:?}"
                    );
                }
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 20, "Polaris' 20 mutation outputs");
}
