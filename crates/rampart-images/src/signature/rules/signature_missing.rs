use rampart_core::{Control, RuleMeta, Severity};

pub static SIGNATURE_MISSING: RuleMeta = RuleMeta {
    id: "image-signature-missing",
    title: "Images a signature policy governs are signed",
    severity: Severity::High,
    controls: &[Control::Images],
    pss: None,
    references: &[],
    fix: "Sign the image's digest in the pipeline that builds it (cosign sign --key or keyless) and push the signature to the image's repository.",
};

pub const DOC: &str = "## What it checks

`rampart images verify`, `rampart ci --verify-images` and the admission webhook: for each image a `[[images.policy]]` in rampart.toml names (or every image, with `--key`), the registry is asked for the cosign signatures of the digest the image names (a tag is resolved to its digest first): the `sha256-<digest>.sig` tag cosign v2 writes and the Sigstore bundles cosign v3 attaches as OCI 1.1 referrers (read through the referrers tag schema where the registry has no referrers API). This rule fires when there is none. A registry that refuses (401, 403), limits (429), fails (5xx) or does not answer is an error of the run, never \"no signature\".

## Why it matters

\"Sign images in CI and verify those signatures in the cluster\": a signature by the build pipeline is the proof that the image running is the one the pipeline built from reviewed source, not one pushed by hand or by someone holding a stolen registry token.

## How to fix

Sign the digest in the pipeline that builds the image and push the signature with it:

```sh
cosign sign --key cosign.key ghcr.io/acme/shop@sha256:...
```

## Example

```toml
[[images.policy]]
name = \"acme-releases\"
images = [\"ghcr.io/acme/**\"]
[[images.policy.authority]]
key = \"cosign.pub\"
```

```sh
rampart images verify deploy/          # image-signature-missing for an unsigned ghcr.io/acme image
```

## Fix safety

None: signing adds an artifact next to the image and changes nothing in it.
";
