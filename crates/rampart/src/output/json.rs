//! `--format json`: the versioned document of DESIGN.md.

use std::io::{IsTerminal, Write};

use rampart_core::Report;
use rampart_report::matrix::ControlRow;
use serde::Serialize;

/// The report with the controls matrix after its summary.
#[derive(Serialize)]
struct Document<'a> {
    #[serde(flatten)]
    report: &'a Report,
    #[serde(skip_serializing_if = "<[ControlRow]>::is_empty")]
    controls: &'a [ControlRow],
}

pub fn write(report: &Report, matrix: &[ControlRow]) -> std::io::Result<()> {
    let report = &Document {
        report,
        controls: matrix,
    };
    // Stdout is line-buffered; a big buffer saves a system call per line.
    let stdout = std::io::stdout();
    // Indented for a person at a terminal; compact for the programs that
    // read it from a pipe or a file (a third of the bytes on large scans).
    let pretty = stdout.is_terminal();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    if pretty {
        serde_json::to_writer_pretty(&mut out, report).map_err(std::io::Error::other)?;
    } else {
        serde_json::to_writer(&mut out, report).map_err(std::io::Error::other)?;
    }
    writeln!(out)?;
    out.flush()
}

/// Writes the document, indented, to a file.
pub fn write_to(report: &Report, matrix: &[ControlRow], out: &mut dyn Write) -> std::io::Result<()> {
    let report = &Document {
        report,
        controls: matrix,
    };
    serde_json::to_writer_pretty(&mut *out, report).map_err(std::io::Error::other)?;
    writeln!(out)
}
