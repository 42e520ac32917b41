//! ## What it checks
//!
//! In a cluster audit, that every pod running an image by the same tag
//! (`shop/web:1.4`, as the pod spec writes it) runs the same image: the
//! digests the nodes pulled (`status.containerStatuses[].imageID`) agree.
//! Images the spec pins by digest cannot drift and are not judged. One
//! finding per image, at a pod running a digest other than the most
//! common one, counting the pods on each digest.
//!
//! ## Why it matters
//!
//! A tag is a name that can be moved. When it was pushed again between two
//! pulls, replicas of one workload run different code: a rollback
//! restores neither, the scan report of "the" image describes only some
//! pods, and a tag overwritten by an attacker reaches exactly the nodes
//! that pulled after the push. The running digests are the only record of
//! what is really deployed.
//!
//! ## How to fix
//!
//! Pin the image by the digest you mean to run (`image:tag@sha256:...`) and
//! roll the workload out again, so every pod runs it; make tags immutable
//! in the registry.
//!
//! ## Example
//!
//! ```yaml
//! image: registry.example.com/shop/web:1.4@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//! ```
//!
//! ## Fix safety
//!
//! Rolling out a pinned digest restarts the pods that ran the other image;
//! check which of the digests is the one you tested.

use crate::cluster_facts::RunningDigest;

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "image-tag-drift",
        title: "Pods running one tag run one image",
        severity: Severity::Medium,
        controls: &[Control::Images],
        pss: None,
        references: &[],
        fix: "Pin the image by the digest you mean to run and roll the workload out again; make tags immutable.",
    },
    check: Check::Inventory(Subjects::InCluster(&[("", "Pod")]), check),
};

/// The first characters of a digest, enough to tell digests apart.
fn short(digest: &str) -> &str {
    let end = digest.find(':').map_or(0, |colon| colon + 1) + 12;
    digest.get(..end).unwrap_or(digest)
}

fn check(inventory: &Inventory, _context: &RuleContext<'_>, out: &mut InventoryReporter<'_>) {
    for (image, digests) in &inventory.cluster.running_images {
        if digests.len() < 2 {
            continue;
        }
        let mut counted: Vec<(&String, &RunningDigest)> = digests.iter().collect();
        // Most pods first; the digest breaks ties so the output is stable.
        counted.sort_by(|a, b| b.1.pods.cmp(&a.1.pods).then(a.0.cmp(b.0)));
        let summary: Vec<String> = counted
            .iter()
            .map(|(digest, running)| {
                let plural = if running.pods == 1 { "" } else { "s" };
                format!("{} ({} pod{plural})", short(digest), running.pods)
            })
            .collect();
        let (odd_digest, odd) = (counted[1].0, &counted[1].1.first);
        let owner = odd
            .owner
            .as_deref()
            .map(|owner| format!(" of {owner}"))
            .unwrap_or_default();
        out.report(
            &odd.site,
            odd.site.pos,
            odd.field.clone(),
            format!(
                "image `{image}` runs as {} different images: {}; container `{}` of pod {}/{}{owner} runs {}",
                counted.len(),
                summary.join(", "),
                odd.container,
                odd.namespace,
                odd.pod,
                short(odd_digest),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    fn pod(name: &str, image: &str, image_id: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: shop\n  ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: u, controller: true}}]\nspec:\n  containers: [{{name: web, image: '{image}'}}]\nstatus:\n  containerStatuses:\n  - name: web\n    image: docker.io/shop/{image}\n    imageID: '{image_id}'\n---\n"
        )
    }

    #[test]
    fn fires_when_one_tag_runs_as_two_digests() {
        let objects = [
            pod("web-a", "web:1.4", "docker.io/shop/web@sha256:aaaaaaaaaaaaaaaaaaaa"),
            pod("web-b", "web:1.4", "docker.io/shop/web@sha256:bbbbbbbbbbbbbbbbbbbb"),
            pod("web-c", "web:1.4", "docker.io/shop/web@sha256:aaaaaaaaaaaaaaaaaaaa"),
        ]
        .concat();
        let findings = run_with(&super::RULE, &objects, &in_cluster(&[]));
        assert_findings(&findings, &[(27, "status.containerStatuses[0].imageID")]);
        assert_eq!(
            findings[0].message,
            "image `web:1.4` runs as 2 different images: sha256:aaaaaaaaaaaa (2 pods), sha256:bbbbbbbbbbbb (1 pod); container `web` of pod shop/web-b of ReplicaSet/web-1 runs sha256:bbbbbbbbbbbb"
        );
    }

    #[test]
    fn quiet_when_digests_agree_or_the_spec_pins_one() {
        let agreeing = [
            pod("web-a", "web:1.4", "docker-pullable://web@sha256:aaaa"),
            pod("web-b", "web:1.4", "docker.io/shop/web@sha256:aaaa"),
            pod("web-c", "web:1.5", "docker.io/shop/web@sha256:cccc"),
        ]
        .concat();
        assert!(run_with(&super::RULE, &agreeing, &in_cluster(&[])).is_empty());
        let pinned = [
            pod("web-a", "web:1.4@sha256:aaaa", "docker.io/shop/web@sha256:aaaa"),
            pod("web-b", "web:1.4@sha256:bbbb", "docker.io/shop/web@sha256:bbbb"),
        ]
        .concat();
        assert!(run_with(&super::RULE, &pinned, &in_cluster(&[])).is_empty());
        let drifting = [
            pod("web-a", "web:1.4", "docker.io/shop/web@sha256:aaaa"),
            pod("web-b", "web:1.4", "docker.io/shop/web@sha256:bbbb"),
        ]
        .concat();
        assert_quiet(&super::RULE, &drifting);
    }
}
