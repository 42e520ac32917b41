//! Property tests: the loader and the rules never panic, whatever the
//! bytes, and every position they report lies inside the input.

use proptest::prelude::*;
use rampart_k8s::loader::{LoadOptions, load_bytes};
use rampart_k8s::{Inventory, ScanConfig, check_objects, rules};

/// Pieces of YAML and Kubernetes manifests, glued at random: more likely to
/// reach deep into the parser and the rules than uniform bytes.
fn yamlish() -> impl Strategy<Value = String> {
    let token = prop::sample::select(vec![
        "---\n",
        "...\n",
        "apiVersion: v1\n",
        "kind: Pod\n",
        "kind: Deployment\n",
        "kind: List\n",
        "items:\n",
        "metadata:\n",
        "  name: x\n",
        "  namespace: default\n",
        "spec:\n",
        "  template:\n",
        "    spec:\n",
        "  containers:\n",
        "  - name: a\n",
        "    image: nginx\n",
        "    securityContext:\n",
        "      privileged: true\n",
        "      capabilities: {add: [SYS_ADMIN], drop: [ALL]}\n",
        "  volumes: [{name: v, hostPath: {path: /}}]\n",
        "&a ",
        "*a",
        "<<: *a\n",
        "{",
        "}",
        "[",
        "]",
        ", ",
        ": ",
        "- ",
        "  ",
        "\t",
        "\n",
        "|\n",
        ">-\n",
        "'",
        "\"",
        "\\",
        "#",
        "%YAML 1.2\n",
        "!!str ",
        "!tag ",
        "? ",
        "{{ .Values.x }}",
        "0x1F",
        "yes",
        "~",
        "\u{feff}",
        "é",
        "\r\n",
    ]);
    prop::collection::vec(token, 0..80).prop_map(|parts| parts.concat())
}

fn check_positions(text: &[u8]) {
    let loaded = load_bytes("fuzz.yaml", text, &LoadOptions::default());
    let lines = text.iter().filter(|&&b| b == b'\n').count() + 1;
    for error in &loaded.errors {
        assert!(!error.message.is_empty());
        if let Some(line) = error.line {
            assert!(
                line >= 1 && line <= lines,
                "error line {line} outside 1..={lines}: {error:?}"
            );
        }
    }
    let config = ScanConfig::default();
    let findings = check_objects(&loaded.objects, &config, rules::all());
    // The inventory-only paths: the trust map and who-can.
    let inventory = Inventory::of_objects(&loaded.objects, &config);
    let map = rampart_k8s::map::build(&inventory);
    let _ = (rampart_k8s::map::to_dot(&map), rampart_k8s::map::to_mermaid(&map));
    let _ = inventory.rbac.who_can("create", None, "pods/exec", None);
    for finding in findings {
        assert!(
            finding.location.line >= 1 && finding.location.line <= lines,
            "{finding:?}"
        );
        assert!(finding.location.column >= 1);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn yamlish_text_never_panics(text in yamlish()) {
        check_positions(text.as_bytes());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check_positions(&bytes);
    }
}
