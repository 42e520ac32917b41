//! Every engine's rules in one place: which ids exist, how the reports
//! describe them, and which of them a run used or left out.

use std::fmt::Write as _;

use rampart_core::{Config, Control, Finding, RuleMeta, Severity, exceptions, rule_page};
use rampart_report::RuleInfo;

/// The engine names the controls matrix shows.
pub const MANIFESTS_ENGINE: &str = "manifests";
pub const SECRETS_ENGINE: &str = "secrets";
pub const DOCKERFILE_ENGINE: &str = "dockerfiles";
pub const TERRAFORM_ENGINE: &str = "terraform";
pub const EXCEPTIONS_ENGINE: &str = "exceptions file";
pub const IMAGES_ENGINE: &str = "images";
pub const AUDIT_LOG_ENGINE: &str = "audit logs";

/// A rule id of any built-in engine.
pub fn known_rule(id: &str) -> bool {
    rampart_k8s::rules::find(id).is_some()
        || rampart_dockerfile::rules::find(id).is_some()
        || rampart_terraform::rules::find(id).is_some()
        || exceptions::RULES.iter().any(|meta| meta.id == id)
        || id == rampart_secrets::environments::RULE.id
        || rampart_images::gate::RULES.iter().any(|(meta, _)| meta.id == id)
        || rampart_images::signature::RULES.iter().any(|(meta, _)| meta.id == id)
        || rampart_auditlog::rules::find(id).is_some()
        || rampart_secrets::Catalogue::builtin()
            .rules
            .iter()
            .any(|rule| rule.spec.id == id)
}

/// Whether `id` is a rule of some engine: built in, a team policy's
/// (`policy.` ids, or one that reported here), or a secrets rule of
/// rampart.toml.
pub fn is_rule_id(id: &str, findings: &[Finding], team: &Config) -> bool {
    known_rule(id)
        || id.starts_with("policy.")
        || findings.iter().any(|finding| finding.rule == id)
        || team
            .secrets
            .rules
            .iter()
            .any(|rule| rule.get("id").and_then(|value| value.as_str()) == Some(id))
}

/// Every engine's rules, as the reports describe them.
pub fn describe_rules() -> Vec<RuleInfo> {
    let manifests = rampart_k8s::rules::all().iter().map(|rule| RuleInfo {
        id: rule.meta.id.to_string(),
        title: rule.meta.title.to_string(),
        severity: rule.meta.severity,
        controls: rule.meta.controls.to_vec(),
        help: rule.doc().to_string(),
    });
    let documented = documented_rules()
        .into_iter()
        .skip(rampart_k8s::rules::all().len())
        .map(|(_, meta, doc)| RuleInfo {
            id: meta.id.to_string(),
            title: meta.title.to_string(),
            severity: meta.severity,
            controls: meta.controls.to_vec(),
            help: doc.to_string(),
        });
    let process = exceptions::RULES.iter().map(|meta| RuleInfo {
        id: meta.id.to_string(),
        title: meta.title.to_string(),
        severity: meta.severity,
        controls: meta.controls.to_vec(),
        help: exceptions::doc(meta.id).unwrap_or_default(),
    });
    let secrets = rampart_secrets::Catalogue::builtin().rules.iter().map(|rule| RuleInfo {
        id: rule.spec.id.clone(),
        title: rule.spec.title.clone(),
        severity: rule.spec.severity,
        controls: vec![Control::Secrets],
        help: format!(
            "{}.\n\nRevoke and rotate the credential, remove it from the file and its history, and load it at run time from a secret manager.",
            rule.spec.title
        ),
    });
    manifests.chain(documented).chain(process).chain(secrets).collect()
}

/// A rule as the matrix lists it, with its engine (no documentation).
fn listed(engine: &str, id: &str, title: &str, severity: Severity, controls: &[Control]) -> (String, RuleInfo) {
    (
        engine.to_string(),
        RuleInfo {
            id: id.to_string(),
            title: title.to_string(),
            severity,
            controls: controls.to_vec(),
            help: String::new(),
        },
    )
}

/// The rules of each engine a run selected.
#[derive(Default, Clone)]
pub struct Selected {
    pub manifests: Vec<&'static rampart_k8s::Rule>,
    pub dockerfiles: Vec<&'static rampart_dockerfile::Rule>,
    pub terraform: Vec<&'static rampart_terraform::Rule>,
}

impl Selected {
    /// The rules rampart.toml's selection and the profile keep.
    pub fn by(keep: impl Fn(&RuleMeta) -> bool) -> Selected {
        Selected {
            manifests: rampart_k8s::rules::all()
                .iter()
                .copied()
                .filter(|rule| keep(&rule.meta))
                .collect(),
            dockerfiles: rampart_dockerfile::rules::all()
                .iter()
                .copied()
                .filter(|rule| keep(&rule.meta))
                .collect(),
            terraform: rampart_terraform::rules::all()
                .iter()
                .copied()
                .filter(|rule| keep(&rule.meta))
                .collect(),
        }
    }

    /// Every engine's rules listed for the matrix, with their engine.
    fn listed(&self) -> Vec<(String, RuleInfo)> {
        let manifests = self
            .manifests
            .iter()
            .map(|rule| listed_meta(MANIFESTS_ENGINE, &rule.meta));
        let dockerfiles = self
            .dockerfiles
            .iter()
            .map(|rule| listed_meta(DOCKERFILE_ENGINE, &rule.meta));
        let terraform = self
            .terraform
            .iter()
            .map(|rule| listed_meta(TERRAFORM_ENGINE, &rule.meta));
        manifests.chain(dockerfiles).chain(terraform).collect()
    }

    /// The documented rules it leaves out (the secrets engine's run or
    /// not as a whole, see [`rules_left_out`]).
    fn complement(&self) -> Vec<(String, RuleInfo)> {
        let chosen: Vec<&str> = self
            .manifests
            .iter()
            .map(|rule| rule.meta.id)
            .chain(self.dockerfiles.iter().map(|rule| rule.meta.id))
            .chain(self.terraform.iter().map(|rule| rule.meta.id))
            .collect();
        documented_rules()
            .into_iter()
            .filter(|(engine, meta, _)| {
                // Those engines run or not as a whole, in their own commands.
                !matches!(*engine, SECRETS_ENGINE | IMAGES_ENGINE | AUDIT_LOG_ENGINE) && !chosen.contains(&meta.id)
            })
            .map(|(engine, meta, _)| listed_meta(engine, meta))
            .collect()
    }
}

/// A rule of `engine` as the matrix lists it.
pub fn listed_rule(engine: &str, meta: &RuleMeta) -> (String, RuleInfo) {
    listed_meta(engine, meta)
}

fn listed_meta(engine: &str, meta: &RuleMeta) -> (String, RuleInfo) {
    listed(engine, meta.id, meta.title, meta.severity, meta.controls)
}

/// The rules the profile, rampart.toml's ignore list or `--skip` kept
/// from running, and the secrets engine when the user turned it off: the
/// controls they prove are `partial` at best.
pub fn rules_left_out(selected: &Selected, secrets_turned_off: bool) -> Vec<(String, RuleInfo)> {
    let mut left_out = selected.complement();
    if secrets_turned_off {
        left_out.push(listed(
            SECRETS_ENGINE,
            "the secrets engine (--no-secrets)",
            "credentials in any file",
            Severity::High,
            &[Control::Secrets],
        ));
    }
    left_out
}

/// The rules a run used, with their engine, for the controls matrix and
/// the formats that show what passed.
pub fn rules_that_ran(
    selected: &Selected,
    secrets: Option<&rampart_secrets::Catalogue>,
    exceptions_file: bool,
) -> Vec<(String, RuleInfo)> {
    let mut ran = selected.listed();
    if let Some(catalogue) = secrets {
        ran.push(listed_meta(SECRETS_ENGINE, &rampart_secrets::environments::RULE));
        ran.extend(catalogue.rules.iter().map(|rule| {
            let spec = &rule.spec;
            listed(
                SECRETS_ENGINE,
                &spec.id,
                &spec.title,
                spec.severity,
                &[Control::Secrets],
            )
        }));
    }
    if exceptions_file {
        ran.extend(
            exceptions::RULES
                .iter()
                .map(|meta| listed(EXCEPTIONS_ENGINE, meta.id, meta.title, meta.severity, meta.controls)),
        );
    }
    ran
}

/// Every rule with a page of its own, by engine: (engine, metadata, its
/// documentation).
pub fn documented_rules() -> Vec<(&'static str, &'static RuleMeta, &'static str)> {
    let manifests = rampart_k8s::rules::all()
        .iter()
        .map(|rule| (MANIFESTS_ENGINE, &rule.meta, rule.doc()));
    let dockerfiles = rampart_dockerfile::rules::all()
        .iter()
        .map(|rule| (DOCKERFILE_ENGINE, &rule.meta, rule.doc()));
    let terraform = rampart_terraform::rules::all()
        .iter()
        .map(|rule| (TERRAFORM_ENGINE, &rule.meta, rule.doc()));
    let secrets = std::iter::once((
        SECRETS_ENGINE,
        &rampart_secrets::environments::RULE,
        rampart_secrets::environments::DOC,
    ));
    let images = rampart_images::gate::RULES
        .iter()
        .chain(rampart_images::signature::RULES)
        .map(|(meta, doc)| (IMAGES_ENGINE, *meta, *doc));
    let audit_log = rampart_auditlog::rules::all()
        .iter()
        .map(|rule| (AUDIT_LOG_ENGINE, &rule.meta, rule.doc()));
    manifests
        .chain(dockerfiles)
        .chain(terraform)
        .chain(secrets)
        .chain(images)
        .chain(audit_log)
        .collect()
}

/// The page `rampart explain ID` prints and `docs/rules/ID.md` stores.
pub fn rule_page_of(id: &str) -> Option<String> {
    if let Some(doc) = exceptions::doc(id) {
        return Some(format!("# {id}\n\n{doc}"));
    }
    documented_rules()
        .into_iter()
        .find(|(_, meta, _)| meta.id == id)
        .map(|(_, meta, doc)| rule_page(meta, doc))
}

/// `docs/rules/`: (file name, content), the index first.
pub fn docs_pages() -> Vec<(String, String)> {
    let rules = documented_rules();
    let mut index = String::from(
        "# Rules\n\nGenerated from the rules' source by `cargo test` (set `RAMPART_BLESS=1` to rewrite); do not edit by hand. The secrets engine's rules are data: `rampart rules` lists them.\n",
    );
    for (engine, heading) in [
        (MANIFESTS_ENGINE, "Manifest rules"),
        (DOCKERFILE_ENGINE, "Dockerfile rules"),
        (AUDIT_LOG_ENGINE, "Audit-log rules"),
    ] {
        let _ = write!(
            index,
            "\n## {heading}\n\n| id | severity | controls | PSS | title |\n|---|---|---|---|---|\n"
        );
        for (_, meta, _) in rules.iter().filter(|(of, _, _)| *of == engine) {
            let controls: Vec<&str> = meta.controls.iter().map(|c| c.id()).collect();
            let _ = writeln!(
                index,
                "| [{id}]({id}.md) | {} | {} | {} | {} |",
                meta.severity,
                controls.join(", "),
                meta.pss.map(|l| l.as_str()).unwrap_or(""),
                meta.title,
                id = meta.id,
            );
        }
    }
    let mut pages = vec![("README.md".to_string(), index)];
    pages.extend(
        rules
            .iter()
            .map(|(_, meta, doc)| (format!("{}.md", meta.id), rule_page(meta, doc))),
    );
    pages
}
