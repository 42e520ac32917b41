//! Profiles: named rule sets. `pss-baseline` and `pss-restricted` are the
//! Pod Security Standards levels, field by field; `checklist` is the
//! articles' compact deployment gate (own namespace and service account,
//! default-deny network, non-root, read-only root, dropped capabilities,
//! pinned images, secrets kept out, limits, probes, TLS); `all` is every
//! rule. The summary says how many of a profile's controls pass.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Control, PssLevel};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    PssBaseline,
    PssRestricted,
    Checklist,
    #[default]
    All,
}

/// The manifest rules of the checklist profile.
const CHECKLIST: &[&str] = &[
    "no-default-namespace",
    "no-default-service-account",
    "namespace-default-deny-ingress",
    "namespace-default-deny-egress",
    "workload-network-policy",
    "run-as-non-root",
    "run-as-user-not-zero",
    "no-privileged",
    "no-privilege-escalation",
    "read-only-root-fs",
    "capabilities-drop-all",
    "image-digest-pinned",
    "image-tag-not-latest",
    "no-literal-secret-env",
    "no-secret-in-manifest",
    "no-credential-in-configmap",
    "resource-limits-set",
    "liveness-probe-set",
    "readiness-probe-set",
    "ingress-tls",
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
    pub fn includes_rule(self, id: &str, pss: Option<PssLevel>) -> bool {
        match self {
            Profile::PssBaseline => pss == Some(PssLevel::Baseline),
            Profile::PssRestricted => pss.is_some(),
            Profile::Checklist => CHECKLIST.contains(&id),
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
    /// Controls the profile's rules prove.
    pub controls: usize,
    /// Of those, controls with no open finding.
    pub passing: usize,
    pub failing: Vec<Control>,
}

impl Compliance {
    /// `evaluated`: the controls the profile's rules prove; `failing`: the
    /// controls of open findings of those rules.
    pub fn new(profile: Profile, evaluated: &[Control], failing: &[Control]) -> Compliance {
        let mut controls: Vec<Control> = evaluated.to_vec();
        controls.sort_by_key(|control| control.id());
        controls.dedup();
        let failing: Vec<Control> = controls
            .iter()
            .copied()
            .filter(|control| failing.contains(control))
            .collect();
        Compliance {
            profile,
            controls: controls.len(),
            passing: controls.len() - failing.len(),
            failing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_select_by_pss_level_and_the_checklist() {
        assert!(Profile::PssBaseline.includes_rule("no-privileged", Some(PssLevel::Baseline)));
        assert!(!Profile::PssBaseline.includes_rule("run-as-non-root", Some(PssLevel::Restricted)));
        assert!(Profile::PssRestricted.includes_rule("run-as-non-root", Some(PssLevel::Restricted)));
        assert!(Profile::PssRestricted.includes_rule("no-privileged", Some(PssLevel::Baseline)));
        assert!(!Profile::PssRestricted.includes_rule("image-tag-not-latest", None));
        assert!(Profile::Checklist.includes_rule("image-digest-pinned", None));
        assert!(!Profile::Checklist.includes_rule("rbac-owner-review", None));
        assert!(Profile::Checklist.includes_finding(&[Control::Secrets]));
        assert!(!Profile::PssBaseline.includes_finding(&[Control::Secrets]));
        assert_eq!("checklist".parse::<Profile>(), Ok(Profile::Checklist));
        assert!("gold".parse::<Profile>().is_err());
    }

    #[test]
    fn compliance_counts_controls_once() {
        let compliance = Compliance::new(
            Profile::Checklist,
            &[Control::Runtime, Control::Images, Control::Runtime, Control::Network],
            &[Control::Runtime, Control::Rbac],
        );
        assert_eq!((compliance.passing, compliance.controls), (2, 3));
        assert_eq!(compliance.failing, [Control::Runtime]);
    }
}
