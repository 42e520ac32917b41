//! Property tests over the snapshot reader (CI's stand-in for
//! `fuzz/fuzz_targets/read_snapshot.rs`): arbitrary bytes and JSON-shaped
//! text never panic and every error points at a line of the input; a List
//! cut item by item gives exactly the objects parsing it whole gives.

use proptest::prelude::*;
use rampart_cluster::{ObjectMaker, stream_snapshot};

/// Every object and error of `data` read as a snapshot.
fn read(data: &[u8]) -> (Vec<serde_json::Value>, Vec<rampart_core::ScanError>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cluster.json");
    std::fs::write(&path, data).unwrap();
    let maker = ObjectMaker::new("fuzz");
    let mut objects = Vec::new();
    let mut errors = Vec::new();
    let read = stream_snapshot(&[path], &mut |piece| {
        let (made, mut failed) = maker.make(piece);
        objects.extend(made.into_iter().map(|made| made.object.root.to_json()));
        errors.append(&mut failed);
    });
    errors.extend(read.errors);
    let _ = maker.take_owners();
    (objects, errors)
}

fn assert_inside(data: &[u8]) {
    let (_, errors) = read(data);
    let lines = data.iter().filter(|&&byte| byte == b'\n').count() + 1;
    for error in &errors {
        assert!(error.line.is_none_or(|line| line >= 1 && line <= lines), "{error:?}");
    }
}

const PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\n",
    "\"",
    "\\",
    "\\\"",
    "\"items\"",
    "\"kind\"",
    "\"List\"",
    "\"Pod\"",
    "\"apiVersion\"",
    "\"v1\"",
    "\"metadata\"",
    "\"name\"",
    "\"a\"",
    "\"data\"",
    "\"Secret\"",
    "null",
    "1",
    "1e999",
    "-0",
    "true",
    "\"}]\\\"[{\"",
    "    ",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        assert_inside(&data);
    }

    #[test]
    fn json_shaped_text_never_panics(pieces in proptest::collection::vec(0..PIECES.len(), 0..120)) {
        let text: String = pieces.into_iter().map(|index| PIECES[index]).collect();
        assert_inside(text.as_bytes());
    }

    #[test]
    fn a_list_cut_item_by_item_is_the_list_parsed_whole(
        names in proptest::collection::vec("[a-z0-9\\-\\]\\[{}\"\\\\ ]{0,12}", 0..20),
        pretty in any::<bool>(),
    ) {
        let items: Vec<serde_json::Value> = names
            .iter()
            .enumerate()
            .map(|(index, name)| serde_json::json!({
                "apiVersion": "v1",
                "kind": if index % 3 == 0 { "ConfigMap" } else { "Pod" },
                // Unique names: an object read twice is judged once.
                "metadata": {"name": format!("{name}-{index}"), "namespace": "ns", "labels": {"x": [index, {"y": name}]}},
                "data": {"k": name}
            }))
            .collect();
        let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {}});
        let text = if pretty { serde_json::to_string_pretty(&list) } else { serde_json::to_string(&list) }.unwrap();
        let (objects, errors) = read(text.as_bytes());
        prop_assert!(errors.is_empty(), "{:?}", errors);
        prop_assert_eq!(objects, items);
    }
}
