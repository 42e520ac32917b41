use rampart_core::{Control, RuleMeta, Severity};

pub static SIGNATURE_INVALID: RuleMeta = RuleMeta {
    id: "image-signature-invalid",
    title: "Image signatures verify",
    severity: Severity::High,
    controls: &[Control::Images],
    pss: None,
    references: &[],
    fix: "Sign the image's current digest again; find out how a signature for another image, or a broken one, came to be attached.",
};

pub const DOC: &str = "## What it checks

That a signature attached to the image's digest holds: its payload names this digest (a signature copied from another image does not), its bundle is well formed, and for a keyless signature that the certificate chains to the trust root's authority at the time a transparency log or timestamp authority vouched for, that the log entry records this signature, and that its inclusion proof and checkpoint verify. A bundle whose statement is an attestation (another predicate than cosign's signature) is not a signature. It fires when every signature the policy could accept is broken in one of these ways.

## Why it matters

A signature that does not verify proves nothing, and one for another digest is what a replayed or mis-copied signature looks like. Treating either as signed is how verifiers get bypassed.

## How to fix

Sign the image's current digest again (`cosign sign ...@sha256:...`) and find out why the attached one is broken: a retag, a registry copy that changed the manifest, or tampering.

## Example

```sh
rampart images verify ghcr.io/acme/shop:1.4.2 --key cosign.pub
# image-signature-invalid: the signature is for sha256:aaaa…, not sha256:bbbb…
```

## Fix safety

None: re-signing adds an artifact and changes nothing in the image.
";
