use rampart_core::{Control, RuleMeta, Severity};

pub static SIGNATURE_UNMATCHED: RuleMeta = RuleMeta {
    id: "image-signature-policy-unmatched",
    title: "Every image is governed by a signature policy",
    severity: Severity::Medium,
    controls: &[Control::Images],
    pss: None,
    references: &[],
    fix: "Add an [[images.policy]] whose images glob names the image, with the authority that signs it.",
};

pub const DOC: &str = "## What it checks

That each image a verification sees is named by some `[[images.policy]]`. What an unnamed image gets is rampart.toml's `[images] unmatched`: `deny` reports it at high severity (and the webhook refuses it in enforce mode), `warn` (the default) at low severity, `allow` lets it through unreported, though the run's evidence still counts it as not verified.

## Why it matters

A verifier that only checks the images someone remembered to list passes everything else: a new registry, a copied third-party image, a typo in a glob.

## How to fix

Add a policy naming the image (`images = [\"ghcr.io/acme/**\"]`) with the authority that signs it; for third-party images, their publisher's key or identity.

## Example

```toml
[images]
unmatched = \"deny\"
```

## Fix safety

None: a policy changes what is checked, not the image.
";
