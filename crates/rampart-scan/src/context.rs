//! Where and when a run happens: the CI system's commit, branch and
//! pipeline from its usual variables, else the local repository's HEAD;
//! and the run's time (`SOURCE_DATE_EPOCH` when set, for reproducible
//! evidence).

use std::path::Path;

use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct CiContext {
    /// github-actions, gitlab-ci, jenkins, circleci, azure-pipelines,
    /// buildkite, or local.
    pub provider: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pipeline_url: Option<String>,
}

/// (provider, marker variable, commit, branch, pipeline id)
const PROVIDERS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "github-actions",
        "GITHUB_ACTIONS",
        "GITHUB_SHA",
        "GITHUB_REF_NAME",
        "GITHUB_RUN_ID",
    ),
    (
        "gitlab-ci",
        "GITLAB_CI",
        "CI_COMMIT_SHA",
        "CI_COMMIT_REF_NAME",
        "CI_PIPELINE_ID",
    ),
    ("jenkins", "JENKINS_URL", "GIT_COMMIT", "GIT_BRANCH", "BUILD_ID"),
    (
        "circleci",
        "CIRCLECI",
        "CIRCLE_SHA1",
        "CIRCLE_BRANCH",
        "CIRCLE_BUILD_NUM",
    ),
    (
        "azure-pipelines",
        "TF_BUILD",
        "BUILD_SOURCEVERSION",
        "BUILD_SOURCEBRANCHNAME",
        "BUILD_BUILDID",
    ),
    (
        "buildkite",
        "BUILDKITE",
        "BUILDKITE_COMMIT",
        "BUILDKITE_BRANCH",
        "BUILDKITE_BUILD_ID",
    ),
];

impl CiContext {
    /// The CI system's variables, else the repository at or above `start`.
    pub fn detect(start: &Path) -> CiContext {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        for (provider, marker, commit, branch, pipeline) in PROVIDERS {
            if var(marker).is_none() {
                continue;
            }
            let pipeline_url = match *provider {
                "github-actions" => match (var("GITHUB_SERVER_URL"), var("GITHUB_REPOSITORY"), var("GITHUB_RUN_ID")) {
                    (Some(server), Some(repository), Some(run)) => {
                        Some(format!("{server}/{repository}/actions/runs/{run}"))
                    }
                    _ => None,
                },
                "gitlab-ci" => var("CI_PIPELINE_URL"),
                "jenkins" => var("BUILD_URL"),
                "circleci" => var("CIRCLE_BUILD_URL"),
                "buildkite" => var("BUILDKITE_BUILD_URL"),
                _ => None,
            };
            let mut context = CiContext {
                provider: provider.to_string(),
                commit: var(commit),
                branch: var(branch),
                pipeline: var(pipeline),
                pipeline_url,
            };
            if context.commit.is_none() {
                context.fill_from_git(start);
            }
            return context;
        }
        let mut context = CiContext {
            provider: "local".to_string(),
            ..CiContext::default()
        };
        context.fill_from_git(start);
        context
    }

    fn fill_from_git(&mut self, start: &Path) {
        if let Some((commit, branch)) = rampart_secrets::head_of(start) {
            self.commit = Some(commit);
            self.branch = self.branch.take().or(branch);
        }
    }
}

/// The run's time: `SOURCE_DATE_EPOCH` when it holds a Unix time, else now.
pub fn run_time() -> i64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(rampart_core::unix_now)
}
