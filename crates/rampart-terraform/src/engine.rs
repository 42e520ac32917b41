//! Runs the Terraform rules over every evaluated resource instance.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rampart_core::{Coverage, Finding, InlineWaiver, Location, ResourceRef, RuleSelector, ScanError};

use crate::eval::{Options, evaluate};
use crate::resource::Resource;
use crate::rules::{Context, Reporter, Rule};

/// The team's settings for Terraform.
#[derive(Debug, Clone, Default)]
pub struct TerraformConfig {
    /// Variables and files from the command line.
    pub options: Options,
    pub non_waivable: Vec<RuleSelector>,
}

/// The configurations (or plans), checked.
#[derive(Debug, Default)]
pub struct Checked {
    pub findings: Vec<Finding>,
    /// Waiver comments, for the pipeline to apply to every engine's
    /// findings of their files.
    pub waivers: Vec<InlineWaiver>,
    pub errors: Vec<ScanError>,
    /// What was not scanned on purpose (remote modules not fetched).
    pub notices: Vec<ScanError>,
    pub coverage: Coverage,
    /// Resource instances (data sources left out).
    pub resources: usize,
    pub files: usize,
    pub module_calls: usize,
}

/// `*.tf` files.
pub fn is_terraform(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "tf")
}

/// A `terraform show -json` document: JSON with `format_version` and
/// `planned_values` or `terraform_version` near its start.
pub fn is_plan_json(path: &Path, head: &[u8]) -> bool {
    path.extension().is_some_and(|ext| ext == "json")
        && head.windows(16).any(|w| w == b"\"format_version\"")
        && (head.windows(19).any(|w| w == b"\"terraform_version\"")
            || head.windows(16).any(|w| w == b"\"planned_values\""))
}

/// Evaluates the configurations the files belong to and runs `rules`.
pub fn check(tf_files: &[PathBuf], config: &TerraformConfig, rules: &[&'static Rule]) -> Checked {
    let evaluated = evaluate(tf_files, &config.options);
    let mut checked = check_resources(&evaluated.resources, config, rules);
    checked.waivers = crate::waivers::read(&evaluated.comments, &evaluated.resources);
    checked.errors = evaluated.errors;
    checked.notices = evaluated.notices;
    checked.files = evaluated.files;
    checked.module_calls = evaluated.module_calls;
    checked
}

/// Reads a plan's planned values and runs `rules`.
pub fn check_plan(path: &str, bytes: &[u8], config: &TerraformConfig, rules: &[&'static Rule]) -> Checked {
    match crate::plan::read(path, bytes) {
        Ok(resources) => {
            let mut checked = check_resources(&resources, config, rules);
            checked.files = 1;
            checked
        }
        Err(error) => Checked {
            errors: vec![error],
            ..Checked::default()
        },
    }
}

/// Runs `rules` over `resources`.
pub fn check_resources(resources: &[Resource], config: &TerraformConfig, rules: &[&'static Rule]) -> Checked {
    let context = Context { resources, config };
    let mut checked = Checked {
        resources: resources.iter().filter(|resource| !resource.data).count(),
        ..Checked::default()
    };
    for rule in rules {
        checked.coverage.add_rule(rule.meta.id, 0);
    }
    for resource in resources {
        for rule in rules.iter().filter(|rule| rule.judges(resource)) {
            let mut reporter = Reporter::default();
            (rule.check)(resource, &context, &mut reporter);
            checked
                .coverage
                .add_rule(rule.meta.id, usize::from(!reporter.undetermined));
            for hit in reporter.hits {
                checked.findings.push(Finding {
                    rule: rule.meta.id.into(),
                    severity: hit.severity.unwrap_or(rule.meta.severity),
                    message: hit.message,
                    location: Location {
                        path: resource.path.clone(),
                        line: if hit.line == 0 { resource.line } else { hit.line },
                        column: 1,
                    },
                    resource: Some(Arc::new(ResourceRef {
                        api_version: "terraform".to_string(),
                        kind: resource.kind.clone(),
                        namespace: None,
                        name: resource.address.clone(),
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
    }
    checked
}
