use rampart_core::{Control, RuleMeta, Severity};

pub static SIGNED_BY_UNTRUSTED: RuleMeta = RuleMeta {
    id: "image-signed-by-untrusted",
    title: "Images are signed by whom their policy trusts",
    severity: Severity::High,
    controls: &[Control::Images],
    pss: None,
    references: &[],
    fix: "Sign with a key or identity the policy names, or add the signer to the policy's authorities if it is trusted.",
};

pub const DOC: &str = "## What it checks

That the image is signed by one of its policy's authorities: a public key (`key = \"cosign.pub\"`), or a keyless identity (`issuer` and `subject` or `subject-regex`, the identity Fulcio certified for the signer's OIDC token). It fires when the image carries signatures but none by an authority the policy names: another key, another workflow or person, another issuer. A key signature that does not verify under the policy's keys is reported here: without a key hint in the signature, another key and a payload changed after signing look the same. Every policy whose globs match an image must be satisfied (Sigstore policy-controller's rule); within one policy, any authority suffices.

## Why it matters

Anyone can sign an image with their own key or their own GitHub account: a signature only means something when it is by the pipeline the team trusts.

## How to fix

Sign in the release pipeline with the key or identity the policy names. If the signer is legitimate, add it as another `[[images.policy.authority]]`.

## Example

```toml
[[images.policy]]
name = \"acme-releases\"
images = [\"ghcr.io/acme/**\"]
[[images.policy.authority]]
issuer = \"https://token.actions.githubusercontent.com\"
subject-regex = \"^https://github.com/acme/shop/[.]github/workflows/release[.]yml@refs/tags/.*$\"
trust-root = \"trusted_root.json\"
```

## Fix safety

None: signing changes nothing in the image; widening a policy's authorities widens whom it trusts, so review it as such.
";
