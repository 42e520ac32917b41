//! Property test for reading and judging audit logs: generated logs mixing real events
//! (every rule's kind), truncated and binary lines, blank lines, CRLF, `EventList` lines
//! and gzip: nothing panics, each bad line is one error at its number, and the good events
//! give the same detections wherever the bad lines fall.

use proptest::prelude::*;
use rampart_auditlog::{Detector, LogReader, Settings};

fn event(user: &str, verb: &str, resource: &str, subresource: &str, code: u16, extra: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"x","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/{resource}/a/{subresource}?command=sh\u0026container=c","verb":"{verb}","user":{{"username":"{user}","groups":["system:authenticated"]}},"sourceIPs":["10.0.0.1"],"objectRef":{{"resource":"{resource}","namespace":"shop","name":"a","apiVersion":"v1","subresource":"{subresource}"}},"responseStatus":{{"code":{code}}},"requestReceivedTimestamp":"2026-12-01T10:00:00.123456Z"{extra}}}"#
    )
}

fn good() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(event("mallory", "create", "pods", "exec", 101, "")),
        Just(event("mallory", "get", "secrets", "", 200, "")),
        Just(event("system:kube-controller-manager", "list", "secrets", "", 200, "")),
        Just(event("alice", "get", "pods", "log", 200, "")),
        Just(event(
            "alice",
            "create",
            "pods",
            "",
            201,
            r#","requestObject":{"spec":{"hostPID":true,"containers":[{"name":"c","image":"x","securityContext":{"privileged":true}}]}}"#
        )),
        Just(event(
            "alice",
            "create",
            "configmaps",
            "",
            201,
            r#","requestObject":{"data":{"DB_PASSWORD":"s3cr3t-value-1"}}"#
        )),
        Just(event("mallory", "get", "nodes", "proxy", 403, "")),
    ]
}

fn bad() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{\"kind\": 0}".to_string()),
        Just("{\"auditID\": \"truncated".to_string()),
        Just("\u{0}\u{1}\u{2}\u{fffd}".to_string()),
        Just("[1, 2, 3]".to_string()),
        Just("{\"kind\":\"Pod\",\"apiVersion\":\"v1\"}".to_string()),
        "[a-z{}\":,]{1,40}".prop_map(|noise| format!("{{{noise}")),
    ]
}

fn judge(bytes: Vec<u8>) -> (Vec<String>, Vec<usize>) {
    let mut reader = LogReader::new(Box::new(std::io::Cursor::new(bytes)), 1 << 20).unwrap();
    let mut detector = Detector::new(rampart_auditlog::rules::all().to_vec(), Settings::default());
    let mut rules = Vec::new();
    let errors = detector.read_log(&mut reader, "log", None, false, &mut |finding| {
        rules.push(finding.rule.to_string());
    });
    (rules, errors.iter().filter_map(|error| error.line).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn bad_lines_cost_only_themselves(
        lines in proptest::collection::vec((any::<bool>(), good(), bad()), 1..12),
        crlf in any::<bool>(),
        gzip in any::<bool>(),
        as_list in any::<bool>(),
    ) {
        let ending = if crlf { "\r\n" } else { "\n" };
        let goods: Vec<&String> = lines.iter().map(|(_, good, _)| good).collect();
        let clean: String = if as_list {
            format!("{{\"kind\":\"EventList\",\"items\":[{}]}}\n", goods.iter().map(|line| line.as_str()).collect::<Vec<_>>().join(","))
        } else {
            goods.iter().map(|line| format!("{line}{ending}")).collect()
        };
        let mut mixed = String::new();
        let mut bad_lines = Vec::new();
        let mut number = 0;
        for (bad_first, good, bad) in &lines {
            for (is_bad, text) in [(*bad_first, bad), (false, good), (!*bad_first, bad)] {
                if is_bad {
                    number += 1;
                    bad_lines.push(number);
                    mixed.push_str(text);
                    mixed.push_str(ending);
                } else if text == good {
                    number += 1;
                    mixed.push_str(text);
                    mixed.push_str(ending);
                    mixed.push_str(ending);
                    number += 1;
                }
            }
        }
        let encode = |text: &str| -> Vec<u8> {
            if !gzip {
                return text.as_bytes().to_vec();
            }
            use std::io::Write as _;
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(text.as_bytes()).unwrap();
            encoder.finish().unwrap()
        };
        let (expected, none) = judge(encode(&clean));
        prop_assert!(none.is_empty(), "{:?}", none);
        let (found, errors) = judge(encode(&mixed));
        prop_assert_eq!(found, expected);
        prop_assert_eq!(errors, bad_lines);
    }
}
