//! Signature policies against a real registry (Debian's docker-registry on 127.0.0.1, started
//! here): each outcome is the exact rule on the exact image, modes apply, verified results are
//! reused from the cache, and a registry failure is an error, never a verdict.

use std::path::Path;
use std::sync::Arc;

use rampart_core::{Config, Severity};
use rampart_images::signature::{
    ImageOutcome, PolicyResult, SignatureChecker, SignaturePolicies, VerdictCache, on_references,
};
use rampart_registry::local::{LocalRegistry, plain_client, push_bundle_referrer, push_image, push_simple_signatures};
use rampart_sigstore::{KeylessIssuer, SigningKey};

fn policies(folder: &Path, text: &str) -> SignaturePolicies {
    let path = folder.join("rampart.toml");
    std::fs::write(&path, text).unwrap();
    let config = Config::load(&path).unwrap();
    SignaturePolicies::from_config(&config.images, "rampart.toml", &|relative| config.resolve(relative)).unwrap()
}

#[tokio::test]
async fn each_image_gets_its_rule_and_modes_and_the_cache_apply() {
    let Some(mut local) = LocalRegistry::start_or_skip(None) else {
        return;
    };
    let folder = tempfile::tempdir().unwrap();
    let release = SigningKey::generate();
    let stranger = SigningKey::generate();
    std::fs::write(folder.path().join("release.pub"), release.public_pem()).unwrap();
    let pusher = plain_client();
    let address = local.address.clone();
    let name = |repository: &str| format!("{address}/{repository}");

    let legacy = push_image(&pusher, &local.reference("acme/legacy", "1"), b"legacy")
        .await
        .unwrap();
    push_simple_signatures(
        &pusher,
        &local.reference("acme/legacy", "1"),
        &legacy.digest,
        &[release.simple_signing(&name("acme/legacy"), &legacy.digest)],
    )
    .await
    .unwrap();
    let bundled = push_image(&pusher, &local.reference("acme/bundled", "1"), b"bundled")
        .await
        .unwrap();
    push_bundle_referrer(
        &pusher,
        &local.reference("acme/bundled", "1"),
        &bundled.digest,
        bundled.size,
        &release.image_bundle(&name("acme/bundled"), &bundled.digest),
    )
    .await
    .unwrap();
    let unsigned = push_image(&pusher, &local.reference("acme/unsigned", "1"), b"unsigned")
        .await
        .unwrap();
    let foreign = push_image(&pusher, &local.reference("acme/foreign", "1"), b"foreign")
        .await
        .unwrap();
    push_simple_signatures(
        &pusher,
        &local.reference("acme/foreign", "1"),
        &foreign.digest,
        &[stranger.simple_signing(&name("acme/foreign"), &foreign.digest)],
    )
    .await
    .unwrap();
    let copied = push_image(&pusher, &local.reference("acme/copied", "1"), b"copied")
        .await
        .unwrap();
    // A valid signature of another image, placed at this one's .sig tag.
    push_simple_signatures(
        &pusher,
        &local.reference("acme/copied", "1"),
        &copied.digest,
        &[release.simple_signing(&name("acme/legacy"), &legacy.digest)],
    )
    .await
    .unwrap();
    push_image(&pusher, &local.reference("tools/debug", "1"), b"debug")
        .await
        .unwrap();
    push_image(&pusher, &local.reference("audited/app", "1"), b"audited")
        .await
        .unwrap();

    let config = format!(
        "[images]\nunmatched = \"deny\"\n\n[[images.policy]]\nname = \"acme\"\nimages = [\"{address}/acme/**\"]\n[[images.policy.authority]]\nkey = \"release.pub\"\n\n[[images.policy]]\nname = \"audited\"\nimages = [\"{address}/audited/*\"]\nmode = \"audit\"\n[[images.policy.authority]]\nkey = \"release.pub\"\n"
    );
    let checker = Arc::new(SignatureChecker::new(
        plain_client(),
        policies(folder.path(), &config),
        Arc::new(VerdictCache::in_memory(3600)),
    ));
    let pinned_legacy = format!("{address}/acme/legacy@{}", legacy.digest);
    let images: Vec<String> = vec![
        pinned_legacy.clone(),
        name("acme/bundled") + ":1",
        name("acme/unsigned") + ":1",
        name("acme/foreign") + ":1",
        name("acme/copied") + ":1",
        name("tools/debug") + ":1",
        name("audited/app") + ":1",
    ];
    let now = rampart_core::unix_now();
    let verdicts = checker.check_all(&images, now).await;
    assert_eq!(verdicts.len(), images.len());
    assert!(verdicts[0].verified() && verdicts[1].verified(), "{verdicts:#?}");
    assert_eq!(verdicts[1].digest.as_deref(), Some(bundled.digest.as_str()));
    assert_eq!(verdicts[2].digest.as_deref(), Some(unsigned.digest.as_str()));

    let found = on_references(&verdicts, checker.policies().unmatched);
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    assert_eq!((found.judged, found.verified), (7, 2));
    let rule_of = |image: &str| -> Vec<(String, Severity, bool)> {
        found
            .findings
            .iter()
            .filter(|finding| finding.location.path.as_ref() == image)
            .map(|finding| (finding.rule.to_string(), finding.severity, finding.suppressed))
            .collect()
    };
    assert!(rule_of(&images[0]).is_empty());
    assert!(rule_of(&images[1]).is_empty());
    assert_eq!(
        rule_of(&images[2]),
        [("image-signature-missing".to_string(), Severity::High, false)]
    );
    assert_eq!(
        rule_of(&images[3]),
        [("image-signed-by-untrusted".to_string(), Severity::High, false)]
    );
    assert_eq!(
        rule_of(&images[4]),
        [("image-signature-invalid".to_string(), Severity::High, false)]
    );
    assert_eq!(
        rule_of(&images[5]),
        [("image-signature-policy-unmatched".to_string(), Severity::High, false)]
    );
    assert_eq!(
        rule_of(&images[6]),
        [("image-signature-missing".to_string(), Severity::High, true)]
    );
    let copied_finding = found
        .findings
        .iter()
        .find(|finding| finding.location.path.as_ref() == images[4])
        .unwrap();
    assert!(
        copied_finding.message.contains(&legacy.digest),
        "{}",
        copied_finding.message
    );
    assert_eq!(copied_finding.field, format!("signature:acme in {}", images[4]));

    // Verified results come from the cache, even with the registry gone; the rest are errors.
    local.stop();
    let again = checker.check_all(&images, now + 10).await;
    for verdict in &again[..2] {
        let ImageOutcome::Checked(policies) = &verdict.outcome else {
            panic!("{verdict:?}")
        };
        assert!(
            matches!(policies[0].result, PolicyResult::Verified { cached: true, .. }),
            "{verdict:?}"
        );
    }
    let down = on_references(&again, checker.policies().unmatched);
    assert_eq!(down.errors.len(), 4, "{:?}", down.errors);
    assert!(
        down.errors
            .iter()
            .all(|error| error.message.contains("could not be checked")),
        "{:?}",
        down.errors
    );
    assert!(
        down.findings
            .iter()
            .all(|finding| finding.rule == "image-signature-policy-unmatched")
    );
    // A tag's digest is reused for minutes only.
    let later = checker.check_all(&images[1..2], now + 400).await;
    assert!(matches!(later[0].outcome, ImageOutcome::Failed(_)), "{later:?}");
}

#[tokio::test]
async fn a_warn_policy_reports_at_low_severity_and_the_file_cache_survives_a_restart() {
    let Some(local) = LocalRegistry::start_or_skip(None) else {
        return;
    };
    let folder = tempfile::tempdir().unwrap();
    let key = SigningKey::generate();
    std::fs::write(folder.path().join("k.pub"), key.public_pem()).unwrap();
    let pusher = plain_client();
    let signed = push_image(&pusher, &local.reference("app/signed", "1"), b"s")
        .await
        .unwrap();
    push_simple_signatures(
        &pusher,
        &local.reference("app/signed", "1"),
        &signed.digest,
        &[key.simple_signing("x", &signed.digest)],
    )
    .await
    .unwrap();
    push_image(&pusher, &local.reference("app/unsigned", "1"), b"u")
        .await
        .unwrap();
    let config = format!(
        "[images]\nunmatched = \"allow\"\n[[images.policy]]\nname = \"app\"\nimages = [\"{}/app/*\"]\nmode = \"warn\"\n[[images.policy.authority]]\nkey = \"k.pub\"\n",
        local.address
    );
    let images = vec![
        format!("{}/app/signed:1", local.address),
        format!("{}/app/unsigned:1", local.address),
        "nginx:1.27".to_string(),
    ];
    let cache_file = folder.path().join(".rampart/image-signatures.json");
    let now = rampart_core::unix_now();
    let checker = Arc::new(SignatureChecker::new(
        plain_client(),
        policies(folder.path(), &config),
        Arc::new(VerdictCache::in_file(cache_file.clone(), 3600, now)),
    ));
    let verdicts = checker.check_all(&images, now).await;
    let found = on_references(&verdicts, checker.policies().unmatched);
    assert_eq!(found.findings.len(), 1, "{:?}", found.findings);
    assert_eq!(
        (found.findings[0].rule.as_ref(), found.findings[0].severity),
        ("image-signature-missing", Severity::Low)
    );
    // allow: the unmatched image is judged but not reported.
    assert_eq!(found.judged, 3);
    checker.cache().save().unwrap();

    let reloaded = Arc::new(VerdictCache::in_file(cache_file, 3600, now + 5));
    let checker = Arc::new(SignatureChecker::new(
        plain_client(),
        policies(folder.path(), &config),
        reloaded,
    ));
    drop(local);
    let verdicts = checker.check_all(&images[..1], now + 5).await;
    assert!(verdicts[0].verified(), "{verdicts:?}");
}

#[tokio::test]
async fn keyless_signatures_verify_for_the_identity_the_policy_names() {
    let Some(local) = LocalRegistry::start_or_skip(None) else {
        return;
    };
    let folder = tempfile::tempdir().unwrap();
    let issuer = KeylessIssuer::new();
    std::fs::write(folder.path().join("trusted_root.json"), issuer.trusted_root_json()).unwrap();
    let actions = "https://token.actions.githubusercontent.com";
    let release = "https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/v1.4.2";
    let fork = "https://github.com/mallory/shop/.github/workflows/release.yml@refs/tags/v1.4.2";
    let pusher = plain_client();
    let now = rampart_core::unix_now();
    let mut images = Vec::new();
    for (repository, subject) in [("acme/shop", release), ("acme/forked", fork)] {
        let reference = local.reference(repository, "1");
        let pushed = push_image(&pusher, &reference, repository.as_bytes()).await.unwrap();
        let name = format!("{}/{repository}", local.address);
        push_simple_signatures(
            &pusher,
            &reference,
            &pushed.digest,
            &[issuer.simple_signing(subject, actions, &name, &pushed.digest, now)],
        )
        .await
        .unwrap();
        images.push(format!("{name}:1"));
    }
    let config = format!(
        "[images]\ntrust-root = \"trusted_root.json\"\n[[images.policy]]\nname = \"acme-ci\"\nimages = [\"{}/acme/*\"]\n[[images.policy.authority]]\nissuer = \"{actions}\"\nsubject-regex = \"^https://github[.]com/acme/[^/]+/[.]github/workflows/release[.]yml@refs/tags/.*$\"\n",
        local.address
    );
    let checker = Arc::new(SignatureChecker::new(
        plain_client(),
        policies(folder.path(), &config),
        Arc::new(VerdictCache::in_memory(3600)),
    ));
    let verdicts = checker.check_all(&images, now).await;
    assert!(verdicts[0].verified(), "{verdicts:#?}");
    let ImageOutcome::Checked(results) = &verdicts[0].outcome else {
        panic!("{verdicts:?}")
    };
    let PolicyResult::Verified { verification, .. } = &results[0].result else {
        panic!("{results:?}")
    };
    assert_eq!(
        (verification.signer.as_str(), verification.issuer.as_deref()),
        (release, Some(actions))
    );

    let found = on_references(&verdicts, checker.policies().unmatched);
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    assert_eq!(found.findings.len(), 1, "{:?}", found.findings);
    let untrusted = &found.findings[0];
    assert_eq!(
        (
            untrusted.rule.as_ref(),
            untrusted.location.path.as_ref(),
            untrusted.severity
        ),
        ("image-signed-by-untrusted", images[1].as_str(), Severity::High)
    );
    assert_eq!(untrusted.field, format!("signature:acme-ci in {}", images[1]));
    assert!(untrusted.message.contains(fork), "{}", untrusted.message);
}
