//! `--format json`: the versioned document of DESIGN.md.

use std::io::Write;

use rampart_core::Report;

pub fn write(report: &Report) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, report).map_err(std::io::Error::other)?;
    writeln!(out)?;
    out.flush()
}
