//! `classify` on arbitrary and near-valid input (the fuzz target's property, in CI): a
//! token, certificate or kubeconfig is classified or refused with a message, never a
//! panic, and no classification repeats the token's signature.

use base64::Engine as _;
use proptest::prelude::*;
use rampart_response::credential::classify;

fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_are_classified_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = classify(&bytes);
    }

    #[test]
    fn jwt_shaped_input_never_repeats_its_signature(
        claims in proptest::collection::vec(any::<u8>(), 0..200),
        sub in "[a-z:]{0,40}",
        exp in any::<i64>(),
    ) {
        let signature = "c2lnbmF0dXJlLXRoYXQtbXVzdC1uZXZlci1iZS1zaG93bg";
        for body in [encode(&claims), encode(format!("{{\"sub\":\"{sub}\",\"iss\":\"x\",\"exp\":{exp}}}").as_bytes())] {
            let token = format!("{}.{body}.{signature}", encode(b"{\"alg\":\"RS256\"}"));
            if let Ok(credential) = classify(token.as_bytes()) {
                prop_assert!(!credential.describe().contains(signature));
            }
        }
    }

    #[test]
    fn kubeconfig_shaped_input_is_classified_or_refused(user in "[ -~]{0,60}", data in "[A-Za-z0-9+/=]{0,120}") {
        let text = format!("apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    client-certificate-data: {data}\n    token: {user}\n");
        let _ = classify(text.as_bytes());
    }
}
