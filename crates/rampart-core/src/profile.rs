//! Profiles: named rule sets. `pss-baseline` and `pss-restricted` are the
//! Pod Security Standards levels, field by field; `checklist` is the
//! articles' compact deployment gate (own namespace and service account,
//! default-deny network, non-root, read-only root, dropped capabilities,
//! pinned images, secrets kept out, limits, probes, TLS); `all` is every
//! rule. The summary says how many of a profile's controls pass.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Control, ControlResult, PssLevel};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    PssBaseline,
    PssRestricted,
    Checklist,
    #[default]
    All,
}

/// The controls of the articles' compact checklist ("Checklist for
/// Kubernetes-hosted OSS services"): own namespace and service account
/// (isolation, and least-privilege RBAC for that account), default-deny
/// network, non-root with dropped capabilities and no host access
/// (runtime), pinned images, secrets kept out of manifests, limits, health
/// checks and TLS (workload). Every rule of these controls belongs to the
/// profile, so no line of the checklist passes unchecked.
const CHECKLIST_CONTROLS: &[Control] = &[
    Control::Isolation,
    Control::Rbac,
    Control::Network,
    Control::Runtime,
    Control::Images,
    Control::Secrets,
    Control::Workload,
];

impl Profile {
    pub const ALL: [Profile; 4] = [
        Profile::PssBaseline,
        Profile::PssRestricted,
        Profile::Checklist,
        Profile::All,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Profile::PssBaseline => "pss-baseline",
            Profile::PssRestricted => "pss-restricted",
            Profile::Checklist => "checklist",
            Profile::All => "all",
        }
    }

    /// Whether a rule with a metadata entry belongs to the profile.
    pub fn includes_rule(self, controls: &[Control], pss: Option<PssLevel>) -> bool {
        match self {
            Profile::PssBaseline => pss == Some(PssLevel::Baseline),
            Profile::PssRestricted => pss.is_some(),
            Profile::Checklist => controls.iter().any(|control| CHECKLIST_CONTROLS.contains(control)),
            Profile::All => true,
        }
    }

    /// Whether findings of engines without rule metadata (the secrets
    /// engine, team policies) belong to it: the checklist keeps secrets,
    /// `all` keeps everything, the Pod Security levels keep neither.
    pub fn includes_finding(self, controls: &[Control]) -> bool {
        match self {
            Profile::PssBaseline | Profile::PssRestricted => false,
            Profile::Checklist => controls.contains(&Control::Secrets),
            Profile::All => true,
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Profile {
    type Err = String;

    fn from_str(text: &str) -> Result<Profile, String> {
        Profile::ALL
            .into_iter()
            .find(|profile| profile.id() == text)
            .ok_or_else(|| format!("unknown profile `{text}` (pss-baseline, pss-restricted, checklist, all)"))
    }
}

/// How a profile's controls fared in a scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Compliance {
    pub profile: Profile,
    /// Controls this run judged (not `not evaluated`).
    pub controls: usize,
    /// Of those, controls that pass (or whose findings are all excepted).
    pub passing: usize,
    pub failing: Vec<Control>,
    /// Judged without finding anything, but with rules left out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub partial: Vec<Control>,
    /// Controls the profile's rules prove that nothing in this run judged.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_evaluated: Vec<Control>,
}

impl Compliance {
    /// Sums up the verdicts on the controls the profile's rules prove.
    pub fn new(profile: Profile, verdicts: &[(Control, ControlResult)]) -> Compliance {
        let pick = |wanted: &[ControlResult]| -> Vec<Control> {
            verdicts
                .iter()
                .filter(|(_, result)| wanted.contains(result))
                .map(|(control, _)| *control)
                .collect()
        };
        let passing = pick(&[ControlResult::Pass, ControlResult::Excepted]).len();
        let failing = pick(&[ControlResult::Fail]);
        let partial = pick(&[ControlResult::Partial]);
        let not_evaluated = pick(&[ControlResult::NotEvaluated, ControlResult::Stale]);
        Compliance {
            profile,
            controls: passing + failing.len() + partial.len(),
            passing,
            failing,
            partial,
            not_evaluated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_select_by_pss_level_and_the_checklist() {
        assert!(Profile::PssBaseline.includes_rule(&[Control::Runtime], Some(PssLevel::Baseline)));
        assert!(!Profile::PssBaseline.includes_rule(&[Control::Runtime], Some(PssLevel::Restricted)));
        assert!(Profile::PssRestricted.includes_rule(&[Control::Runtime], Some(PssLevel::Restricted)));
        assert!(Profile::PssRestricted.includes_rule(&[Control::Runtime], Some(PssLevel::Baseline)));
        assert!(!Profile::PssRestricted.includes_rule(&[Control::Images], None));
        assert!(Profile::Checklist.includes_rule(&[Control::Images], None));
        assert!(Profile::Checklist.includes_finding(&[Control::Secrets]));
        assert!(!Profile::PssBaseline.includes_finding(&[Control::Secrets]));
        assert_eq!("checklist".parse::<Profile>(), Ok(Profile::Checklist));
        assert!("gold".parse::<Profile>().is_err());
    }

    #[test]
    fn compliance_counts_only_judged_controls_as_passing() {
        let compliance = Compliance::new(
            Profile::Checklist,
            &[
                (Control::Runtime, ControlResult::Fail),
                (Control::Images, ControlResult::Pass),
                (Control::Network, ControlResult::Excepted),
                (Control::Rbac, ControlResult::Partial),
                (Control::Workload, ControlResult::NotEvaluated),
            ],
        );
        assert_eq!((compliance.passing, compliance.controls), (2, 4));
        assert_eq!(compliance.failing, [Control::Runtime]);
        assert_eq!(compliance.partial, [Control::Rbac]);
        assert_eq!(compliance.not_evaluated, [Control::Workload]);
    }

    #[test]
    fn the_checklist_profile_keeps_every_rule_of_its_controls() {
        assert!(Profile::Checklist.includes_rule(&[Control::Rbac], None));
        assert!(Profile::Checklist.includes_rule(&[Control::Runtime], Some(PssLevel::Baseline)));
        assert!(!Profile::Checklist.includes_rule(&[Control::Admission], None));
        assert!(!Profile::Checklist.includes_rule(&[Control::Exceptions], None));
    }
}
