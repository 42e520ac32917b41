//! Writers for `--format`.

pub mod json;
pub mod text;
