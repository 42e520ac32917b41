#![no_main]
//! Arbitrary bytes as a Kubernetes audit log (plain, or gzip when they start with its
//! magic bytes): read line by line and judged by every detection rule, never a panic, and
//! every error's and finding's line lies inside the input.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut reader) = rampart_auditlog::LogReader::new(Box::new(std::io::Cursor::new(data.to_vec())), 4096) else {
        return;
    };
    let mut detector = rampart_auditlog::Detector::new(
        rampart_auditlog::rules::all().to_vec(),
        rampart_auditlog::Settings::default(),
    );
    let mut lines_of_findings = Vec::new();
    let errors = detector.read_log(&mut reader, "fuzz.log", None, false, &mut |finding| {
        lines_of_findings.push(finding.location.line);
    });
    // A gzip input inflates to more lines than it has: the bound is then the inflated one.
    if !data.starts_with(&[0x1f, 0x8b]) {
        let lines = data.iter().filter(|byte| **byte == b'\n').count() + 1;
        for line in errors.iter().filter_map(|error| error.line).chain(lines_of_findings) {
            assert!(line >= 1 && line <= lines, "line {line} of {lines}");
        }
    }
});
