//! Against a real registry (Debian's docker-registry on 127.0.0.1, started here): tags resolve
//! to the pushed digest, both cosign layouts come back and verify, and every registry failure
//! is an error of its kind, never an unsigned image.

use rampart_registry::local::{
    LocalRegistry, plain_client, push_bundle_referrer, push_image, push_index, push_simple_signatures,
};
use rampart_registry::{Credential, ErrorKind, Registry, RegistryOptions};
use rampart_sigstore::{Authority, Failure, ImageSignature, SigningKey, verify_image_signature};

#[tokio::test]
async fn tags_resolve_and_both_layouts_verify_for_their_digest_only() {
    let Some(local) = LocalRegistry::start_or_skip(None) else {
        return;
    };
    let registry = plain_client();
    let shop = local.reference("acme/shop", "1.4.2");
    let pushed = push_image(&registry, &shop, b"shop 1.4.2").await.unwrap();
    assert_eq!(registry.resolve(&shop).await.unwrap(), pushed.digest);
    let other = push_image(&registry, &local.reference("acme/shop", "1.4.3"), b"shop 1.4.3")
        .await
        .unwrap();
    assert_ne!(other.digest, pushed.digest);

    // Unsigned: no signature, and no error.
    assert!(registry.signatures(&shop, &pushed.digest).await.unwrap().is_empty());

    let key = SigningKey::generate();
    let authority = Authority::Key(key.public_key());
    let wrong = Authority::Key(SigningKey::generate().public_key());
    let name = format!("{}/acme/shop", local.address);
    push_simple_signatures(
        &registry,
        &shop,
        &pushed.digest,
        &[key.simple_signing(&name, &pushed.digest)],
    )
    .await
    .unwrap();
    push_bundle_referrer(
        &registry,
        &shop,
        &pushed.digest,
        pushed.size,
        &key.image_bundle(&name, &pushed.digest),
    )
    .await
    .unwrap();
    let found = registry.signatures(&shop, &pushed.digest).await.unwrap();
    assert_eq!(found.len(), 2);
    assert!(matches!(found[0], ImageSignature::SimpleSigning { .. }));
    assert!(matches!(found[1], ImageSignature::Bundle(_)));
    for signature in &found {
        verify_image_signature(signature, &pushed.digest, &authority, None, 0).unwrap();
        let error = verify_image_signature(signature, &pushed.digest, &wrong, None, 0).unwrap_err();
        assert_eq!(error.failure, Failure::Signature);
    }

    // A signature for another digest, placed at this digest's .sig tag, does not count.
    push_simple_signatures(
        &registry,
        &shop,
        &other.digest,
        &[key.simple_signing(&name, &pushed.digest)],
    )
    .await
    .unwrap();
    let misplaced = registry.signatures(&shop, &other.digest).await.unwrap();
    assert_eq!(misplaced.len(), 1);
    let error = verify_image_signature(&misplaced[0], &other.digest, &authority, None, 0).unwrap_err();
    assert_eq!(error.failure, Failure::Artifact, "{error}");

    // A payload changed after signing does not verify.
    let tampered_tag = local.reference("acme/tampered", "1");
    let tampered_image = push_image(&registry, &tampered_tag, b"t").await.unwrap();
    let (payload, annotations) = key.simple_signing(&name, &tampered_image.digest);
    let payload = String::from_utf8(payload)
        .unwrap()
        .replace("acme/shop", "evil/shop")
        .into_bytes();
    push_simple_signatures(
        &registry,
        &tampered_tag,
        &tampered_image.digest,
        &[(payload, annotations)],
    )
    .await
    .unwrap();
    let found = registry
        .signatures(&tampered_tag, &tampered_image.digest)
        .await
        .unwrap();
    let error = verify_image_signature(&found[0], &tampered_image.digest, &authority, None, 0).unwrap_err();
    assert_eq!(error.failure, Failure::Signature, "{error}");

    // A tag that does not exist is "not found", not a digest.
    let missing = registry
        .resolve(&local.reference("acme/shop", "9.9.9"))
        .await
        .unwrap_err();
    assert_eq!(missing.kind, ErrorKind::NotFound, "{missing}");
}

#[tokio::test]
async fn a_multi_platform_tag_resolves_to_its_index_whose_signature_is_the_one_that_counts() {
    let Some(local) = LocalRegistry::start_or_skip(None) else {
        return;
    };
    let registry = plain_client();
    let tag = local.reference("acme/multi", "2.0");
    let (index, platforms) = push_index(&registry, &tag, &[("linux", "amd64"), ("linux", "arm64")])
        .await
        .unwrap();
    // The tag names the index (what cosign signs and the cluster pulls by), not a platform's image.
    let resolved = registry.resolve(&tag).await.unwrap();
    assert_eq!(resolved, index.digest);
    assert!(platforms.iter().all(|platform| platform.digest != resolved));

    let key = SigningKey::generate();
    let authority = Authority::Key(key.public_key());
    push_simple_signatures(
        &registry,
        &tag,
        &index.digest,
        &[key.simple_signing("acme/multi", &index.digest)],
    )
    .await
    .unwrap();
    let found = registry.signatures(&tag, &resolved).await.unwrap();
    assert_eq!(found.len(), 1);
    verify_image_signature(&found[0], &resolved, &authority, None, 0).unwrap();
    // A platform's image is not signed by the index's signature.
    assert!(
        registry
            .signatures(&tag, &platforms[0].digest)
            .await
            .unwrap()
            .is_empty()
    );
    let error = verify_image_signature(&found[0], &platforms[0].digest, &authority, None, 0).unwrap_err();
    assert_eq!(error.failure, Failure::Artifact, "{error}");
}

#[tokio::test]
async fn a_registry_that_is_down_or_refuses_is_an_error_never_unsigned() {
    let Some(mut local) = LocalRegistry::start_or_skip(Some(("rampart", "s3cret"))) else {
        return;
    };
    let anonymous = plain_client();
    let shop = local.reference("acme/shop", "1");
    let refused = anonymous.resolve(&shop).await.unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Unauthorized, "{refused}");
    let digest = "sha256:27221e31fbfeb767aab24c531396972078e8bbcdc5ab984062d9bac589fe4075";
    let refused = anonymous.signatures(&shop, digest).await.unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Unauthorized, "{refused}");
    assert!(!refused.detail.contains("s3cret"));

    let wrong_password = Registry::new(RegistryOptions {
        docker_config: false,
        credentials: [(local.address.clone(), "rampart:nope".parse::<Credential>().unwrap())].into(),
        ..RegistryOptions::default()
    })
    .unwrap();
    assert_eq!(
        wrong_password.resolve(&shop).await.unwrap_err().kind,
        ErrorKind::Unauthorized
    );

    let authorised = Registry::new(RegistryOptions {
        docker_config: false,
        credentials: [(local.address.clone(), "rampart:s3cret".parse::<Credential>().unwrap())].into(),
        ..RegistryOptions::default()
    })
    .unwrap();
    let pushed = push_image(&authorised, &shop, b"private").await.unwrap();
    assert_eq!(authorised.resolve(&shop).await.unwrap(), pushed.digest);
    assert!(authorised.signatures(&shop, &pushed.digest).await.unwrap().is_empty());

    local.stop();
    let down = authorised.signatures(&shop, &pushed.digest).await.unwrap_err();
    assert_eq!(down.kind, ErrorKind::Network, "{down}");
    let down = plain_client()
        .resolve(&local.reference("acme/shop", "2"))
        .await
        .unwrap_err();
    assert_eq!(down.kind, ErrorKind::Network, "{down}");
}
