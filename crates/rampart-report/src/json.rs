//! `--format json`: the versioned document (`version: 1`; keys are only
//! ever added), the report with the controls matrix after its summary.

use std::io::Write;

use rampart_core::Report;
use serde::Serialize;

use crate::matrix::ControlRow;

#[derive(Serialize)]
struct Document<'a> {
    #[serde(flatten)]
    report: &'a Report,
    #[serde(skip_serializing_if = "<[ControlRow]>::is_empty")]
    controls: &'a [ControlRow],
}

/// Writes the document to `out`, indented for a person or compact for the
/// programs that read it (a third of the bytes on large scans).
pub fn write(report: &Report, matrix: &[ControlRow], pretty: bool, out: &mut dyn Write) -> std::io::Result<()> {
    let document = &Document {
        report,
        controls: matrix,
    };
    if pretty {
        serde_json::to_writer_pretty(&mut *out, document).map_err(std::io::Error::other)?;
    } else {
        serde_json::to_writer(&mut *out, document).map_err(std::io::Error::other)?;
    }
    writeln!(out)
}
