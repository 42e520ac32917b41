//! Arbitrary bytes as an AdmissionReview body: the decoder, and for what
//! decodes, the decision in enforce mode (the whole pipeline over the
//! object). Nothing may panic; every denial says why; every warning fits
//! the API server's 120 characters.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rampart_admission::review::decode;
use rampart_admission::{Mode, Settings, decide};
use rampart_scan::{Flags, Pipeline, SecretsMode};

fn pipeline() -> &'static Pipeline {
    static PIPELINE: OnceLock<Pipeline> = OnceLock::new();
    PIPELINE.get_or_init(|| {
        let flags = Flags {
            object_rules_only: true,
            allow_empty: true,
            secrets: SecretsMode::TurnedOff,
            ..Flags::default()
        };
        Pipeline::prepare(rampart_core::Config::default(), flags).unwrap().0
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(request) = decode(data) else {
        return;
    };
    let settings = Settings {
        mode: Mode::Enforce,
        ..Settings::default()
    };
    let decision = decide(pipeline(), &settings, &request);
    assert!(decision.allowed || decision.message.is_some());
    assert!(decision.warnings.iter().all(|warning| warning.chars().count() <= 120));
});
