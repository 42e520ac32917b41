//! Runs the Dockerfile rules over one file.

use std::path::Path;
use std::sync::Arc;

use rampart_core::{Coverage, Finding, InlineWaiver, Location, ResourceRef, RuleSelector, ScanError};

use crate::model::parse;
use crate::rules::{Reporter, Rule};

/// The team's settings the rules read.
#[derive(Debug, Clone, Default)]
pub struct DockerfileConfig {
    /// Registries base images may come from (host or host/path prefix);
    /// empty: not checked. The same setting as the manifests' images.
    pub allowed_registries: Vec<String>,
    pub non_waivable: Vec<RuleSelector>,
}

/// One Dockerfile, checked.
#[derive(Debug, Default)]
pub struct Checked {
    pub findings: Vec<Finding>,
    /// Its waiver comments, for the pipeline to apply to every engine's
    /// findings in the file (a secret on an `ENV` line included).
    pub waivers: Vec<InlineWaiver>,
    pub errors: Vec<ScanError>,
    pub coverage: Coverage,
    pub stages: usize,
}

/// `Dockerfile`, `Containerfile`, `*.dockerfile`, `Dockerfile.*` and
/// `*.Dockerfile` (any case).
pub fn is_dockerfile(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        return false;
    };
    let name = name.to_ascii_lowercase();
    name == "dockerfile"
        || name == "containerfile"
        || name.ends_with(".dockerfile")
        || name.ends_with(".containerfile")
        || name.starts_with("dockerfile.")
        || name.starts_with("containerfile.")
}

/// Parses `bytes` and runs `rules` over it.
pub fn check(path: &str, bytes: &[u8], config: &DockerfileConfig, rules: &[&'static Rule]) -> Checked {
    let file = parse(path, bytes);
    let mut checked = Checked {
        waivers: crate::waivers::read(&file),
        errors: file.errors.clone(),
        stages: file.stages.len(),
        ..Checked::default()
    };
    if file.stages.is_empty() {
        return checked;
    }
    let path: Arc<str> = file.path.clone();
    for rule in rules {
        let mut reporter = Reporter::default();
        (rule.check)(&file, config, &mut reporter);
        checked
            .coverage
            .add_rule(rule.meta.id, usize::from(!reporter.nothing_to_judge));
        for hit in reporter.hits {
            checked.findings.push(Finding {
                rule: rule.meta.id.into(),
                severity: hit.severity.unwrap_or(rule.meta.severity),
                message: hit.message,
                location: Location {
                    path: path.clone(),
                    line: hit.line,
                    column: 1,
                },
                resource: Some(Arc::new(ResourceRef {
                    api_version: "dockerfile".to_string(),
                    kind: "Stage".to_string(),
                    namespace: None,
                    name: hit.stage,
                })),
                field: hit.field,
                container: None,
                controls: rule.meta.controls.into(),
                fix: rule.meta.fix.into(),
                suppressed: false,
                suppression_reason: None,
                secret: None,
                event: None,
            });
        }
    }
    checked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_dockerfiles() {
        for name in [
            "Dockerfile",
            "dockerfile",
            "Containerfile",
            "api.dockerfile",
            "Dockerfile.prod",
            "x.Dockerfile",
        ] {
            assert!(is_dockerfile(Path::new(name)), "{name}");
        }
        for name in ["Dockerfile-notes.md", "docker-compose.yaml", "README"] {
            assert!(!is_dockerfile(Path::new(name)), "{name}");
        }
    }

    #[test]
    fn every_rule_judges_a_dockerfile_and_none_an_empty_file() {
        let rules = crate::rules::all();
        // With every setting given, so that no rule is left without something to judge by.
        let config = DockerfileConfig {
            allowed_registries: vec!["docker.io".to_string()],
            ..DockerfileConfig::default()
        };
        let checked = check("Dockerfile", b"FROM alpine:3.20\nUSER 10001\n", &config, rules);
        for rule in rules {
            assert_eq!(
                checked.coverage.judged("dockerfiles", rule.meta.id),
                1,
                "{}",
                rule.meta.id
            );
        }
        let empty = check("Dockerfile", b"", &DockerfileConfig::default(), rules);
        assert_eq!(empty.coverage.judged("dockerfiles", rules[0].meta.id), 0);
        assert_eq!(empty.errors.len(), 1);
        // Without a registry list the registry rule judges nothing.
        let unlisted = check(
            "Dockerfile",
            b"FROM alpine:3.20\nUSER 10001\n",
            &DockerfileConfig::default(),
            rules,
        );
        assert_eq!(
            unlisted.coverage.judged("dockerfiles", "base-image-registry-allowed"),
            0
        );
    }
}
