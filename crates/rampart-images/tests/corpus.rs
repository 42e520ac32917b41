//! The scanners' own report goldens (`../shared/corpus/vuln-reports/`), with
//! the counts their SOURCE.md gives, read into the one model.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rampart_images::{FixState, Scanner, VulnSeverity, read_report};

fn corpus() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/vuln-reports");
    if path.is_dir() {
        Some(path)
    } else {
        println!("skipped: ../shared/corpus is absent");
        None
    }
}

fn severities(report: &rampart_images::ImageReport) -> Vec<VulnSeverity> {
    let mut found: Vec<VulnSeverity> = report.vulnerabilities.iter().map(|v| v.severity).collect();
    found.sort();
    found
}

#[test]
fn trivy_goldens_read_with_their_documented_counts() {
    let Some(corpus) = corpus() else {
        return;
    };
    let read = |name: &str| read_report(&std::fs::read(corpus.join("trivy").join(name)).unwrap()).unwrap();
    use VulnSeverity::{Critical, Low, Medium, Unknown};

    let alpine = read("alpine-39.json.golden");
    assert!(matches!(alpine.scanner, Scanner::Trivy { .. }));
    assert_eq!(
        severities(&alpine),
        [Medium, Medium, Medium, Medium, Critical, Critical]
    );
    assert!(
        alpine
            .vulnerabilities
            .iter()
            .all(|v| v.fix == FixState::Fixed && !v.fixed.is_empty())
    );
    // A tarball scan: no registry, so no manifest digest (ImageID is the
    // config's and is not taken for one).
    assert!(alpine.digests.is_empty());
    assert_eq!(alpine.scanned_at.as_deref(), Some("2021-08-25T12:20:30.000000005Z"));

    assert_eq!(
        severities(&read("alpine-39-high-critical.json.golden")),
        [Critical, Critical]
    );
    assert_eq!(
        severities(&read("alpine-39-ignore-cveids.json.golden")),
        [Medium, Medium]
    );
    for unfixed_ignored in [
        "centos-7-ignore-unfixed.json.golden",
        "debian-buster-ignore-unfixed.json.golden",
    ] {
        let report = read(unfixed_ignored);
        assert!(!report.vulnerabilities.is_empty(), "{unfixed_ignored}");
        assert!(
            report.vulnerabilities.iter().all(|v| v.fix == FixState::Fixed),
            "{unfixed_ignored}"
        );
    }
    let ubuntu = read("ubuntu-1804.json.golden");
    assert_eq!(severities(&ubuntu), [Low, Medium, Medium, Medium, Medium]);
    assert!(ubuntu.vulnerabilities.iter().any(|v| v.fix == FixState::NotFixed));
    assert_eq!(
        severities(&read("gomod-vex.json.golden")),
        [Unknown, Unknown, Unknown, Unknown]
    );

    let suppressed = read("convert-npm-with-suppressed.json.golden");
    assert_eq!(suppressed.set_aside.len(), 1);
    assert!(
        suppressed.set_aside[0]
            .reason
            .starts_with("not_affected (vulnerable_code_not_in_execute_path)")
    );
}

#[test]
fn grype_goldens_read_with_the_manifest_digest_of_the_image() {
    let Some(corpus) = corpus() else {
        return;
    };
    let path = |name: &str| corpus.join("grype").join(name);
    let bytes = std::fs::read(path("TestJsonImgsPresenter.golden")).unwrap();
    let image = read_report(&bytes).unwrap();
    let raw: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert!(
        matches!(image.scanner, Scanner::Grype { version: None }),
        "`[not provided]` is no version"
    );
    assert_eq!(
        image.digests,
        BTreeSet::from([raw["source"]["target"]["manifestDigest"].as_str().unwrap().to_string()])
    );
    let expected: Vec<(String, VulnSeverity)> = raw["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["vulnerability"]["id"].as_str().unwrap().to_string(),
                VulnSeverity::parse(m["vulnerability"]["severity"].as_str().unwrap()),
            )
        })
        .collect();
    let found: Vec<(String, VulnSeverity)> = image
        .vulnerabilities
        .iter()
        .map(|v| (v.id.clone(), v.severity))
        .collect();
    assert_eq!(found, expected);
    assert!(!found.is_empty());

    let directory = read_report(&std::fs::read(path("TestJsonDirsPresenter.golden")).unwrap()).unwrap();
    assert_eq!(directory.artifact, "/some/path");
    assert!(directory.digests.is_empty());
    let empty = read_report(&std::fs::read(path("TestEmptyJsonPresenter.golden")).unwrap()).unwrap();
    assert!(empty.vulnerabilities.is_empty());
}

#[test]
fn sarif_and_cyclonedx_outputs_are_read_as_a_fallback_that_says_so() {
    use rampart_images::{FixState, VulnSeverity};
    let Some(corpus) = corpus() else {
        return;
    };
    let read = |name: &str| read_report(&std::fs::read(corpus.join(name)).unwrap()).unwrap();
    // Trivy's SARIF of alpine 3.10: four results, each severity and fixed version from the
    // text Trivy writes into the result.
    let sarif = read("trivy/alpine-310.sarif.golden");
    assert_eq!(sarif.fallback.as_ref().unwrap().format, "SARIF");
    assert!(!sarif.fallback.as_ref().unwrap().lost.contains("level alone"));
    assert_eq!(
        sarif.tags,
        ["ghcr.io/aquasecurity/trivy-test-images:alpine-310".to_string()].into()
    );
    assert!(sarif.digests.is_empty(), "repoDigests is null: a tarball");
    let seen: Vec<(&str, &str, VulnSeverity, &str)> = sarif
        .vulnerabilities
        .iter()
        .map(|found| {
            (
                found.id.as_str(),
                found.package.as_str(),
                found.severity,
                found.fixed.as_str(),
            )
        })
        .collect();
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert_eq!(
        seen[0],
        ("CVE-2019-1549", "libcrypto1.1", VulnSeverity::Medium, "1.1.1d-r0")
    );
    assert!(
        sarif
            .vulnerabilities
            .iter()
            .all(|found| found.fix == FixState::Fixed && found.installed == "1.1.1c-r0")
    );
    // Grype's SARIF: the severity from the rule's help text, the fix versions too.
    let grype = read("grype/TestSarifPresenter_image.golden");
    assert_eq!(grype.vulnerabilities.len(), 2);
    assert_eq!(
        (
            grype.vulnerabilities[0].id.as_str(),
            grype.vulnerabilities[0].severity,
            grype.vulnerabilities[0].fixed.as_str()
        ),
        ("CVE-1999-0001", VulnSeverity::Low, "1.2.1,2.1.3,3.4.0")
    );
    // Trivy's CycloneDX: the highest of the sources' ratings, the recommended version.
    let bom = read("trivy/npm-cyclonedx.json.golden");
    assert_eq!(bom.fallback.as_ref().unwrap().format, "CycloneDX");
    assert_eq!(bom.vulnerabilities.len(), 1);
    let jquery = &bom.vulnerabilities[0];
    assert_eq!(
        (
            jquery.id.as_str(),
            jquery.package.as_str(),
            jquery.installed.as_str(),
            jquery.severity,
            jquery.fixed.as_str()
        ),
        ("CVE-2019-11358", "jquery", "3.3.9", VulnSeverity::Medium, "3.4.0")
    );
}

#[test]
fn openvex_documents_of_both_projects_read_and_apply_by_image_and_package() {
    use rampart_images::vex::{VexStatus, deciding_statement, read_openvex};
    let Some(corpus) = corpus() else {
        return;
    };
    let read = |name: &str| read_openvex(&std::fs::read(corpus.join(name)).unwrap()).unwrap();
    for name in [
        "trivy/vex-openvex.json",
        "trivy/result-openvex.json",
        "trivy/repo-vex-trivy.openvex.json",
        "grype/openvex-demo2.json",
    ] {
        assert!(!read(name).statements.is_empty(), "{name}");
    }
    // Grype's demo: CVE-2023-1255 is fixed in libssl3 and libcrypto3 of
    // one alpine image, named by digest.
    let demo = vec![read("grype/openvex-demo1.json")];
    let image = BTreeSet::from(["sha256:124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126".to_string()]);
    let libssl = rampart_images::Vulnerability {
        id: "CVE-2023-1255".to_string(),
        aliases: Vec::new(),
        severity: VulnSeverity::Medium,
        package: "libssl3".to_string(),
        purl: "pkg:apk/alpine/libssl3@3.0.8-r3?arch=x86_64&distro=alpine-3.17.3".to_string(),
        installed: "3.0.8-r3".to_string(),
        fixed: String::new(),
        fix: FixState::NotFixed,
        target: String::new(),
        title: String::new(),
    };
    let status = deciding_statement(&demo, &libssl, &image).map(|(_, statement)| statement.status);
    assert_eq!(status, Some(VexStatus::Fixed));
    assert!(deciding_statement(&demo, &libssl, &BTreeSet::new()).is_none());
}

#[test]
fn trivys_own_ignore_file_reads_with_its_expiries() {
    let Some(corpus) = corpus() else {
        return;
    };
    let text = std::fs::read_to_string(corpus.join("trivy/result-.trivyignore")).unwrap();
    let file = rampart_images::trivyignore::read_trivyignore(&text);
    let expiring: Vec<(&str, &str)> = file
        .lines
        .iter()
        .filter_map(|line| Some((line.id.as_str(), line.expires.as_deref()?)))
        .collect();
    assert_eq!(
        expiring,
        [
            ("CVE-2019-0004", "2020-01-01"),
            ("CVE-2019-0005", "9999-01-01"),
            ("CVE-2019-0006", "9999-01-01")
        ]
    );
    assert!(
        file.lines
            .iter()
            .any(|line| line.id == "CVE-2019-0001" && line.expires.is_none())
    );
    assert!(file.refused.is_empty());
}
