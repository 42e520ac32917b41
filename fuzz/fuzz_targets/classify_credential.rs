#![no_main]
//! Arbitrary bytes as a leaked credential (a token, a PEM certificate, a kubeconfig):
//! classified or refused, never a panic, and what is said of it never repeats a long run
//! of the input (a secret is never printed).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(credential) = rampart_response::credential::classify(data) {
        let said = credential.describe();
        // Names and ids come from the credential's claims; the signature and the key never.
        if let Ok(text) = std::str::from_utf8(data)
            && let Some(signature) = text.trim().rsplit('.').next().filter(|part| part.len() >= 24)
        {
            assert!(!said.contains(signature), "the signature was repeated: {said}");
        }
    }
});
