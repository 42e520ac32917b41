//! The files a secrets scan reads: every file under the given paths,
//! hidden ones included (`.env` is where secrets live), honouring
//! `.gitignore`, never inside `.git`. Binary and oversized files are
//! skipped and counted.

use std::io::Read;
use std::path::{Path, PathBuf};

use rampart_core::ScanError;

/// What findings call standard input.
pub const STDIN_NAME: &str = "<stdin>";

/// How many leading bytes decide whether a file is binary.
const BINARY_SNIFF: usize = 8000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Stdin,
}

impl Source {
    pub fn display_name(&self) -> String {
        match self {
            Source::File(path) => path.display().to_string(),
            Source::Stdin => STDIN_NAME.to_string(),
        }
    }
}

/// Expands the user's paths into files; `-` is standard input.
pub fn discover(paths: &[PathBuf]) -> (Vec<Source>, Vec<ScanError>) {
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            sources.push(Source::Stdin);
            continue;
        }
        match std::fs::metadata(path) {
            Ok(metadata) if metadata.is_dir() => walk(path, &mut sources, &mut errors),
            Ok(_) => sources.push(Source::File(path.clone())),
            Err(error) => errors.push(ScanError::new(path.display().to_string(), None, error.to_string())),
        }
    }
    (sources, errors)
}

fn walk(root: &Path, sources: &mut Vec<Source>, errors: &mut Vec<ScanError>) {
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .follow_links(true)
        .filter_entry(|entry| entry.file_name() != ".git")
        .build();
    for entry in walker {
        match entry {
            Ok(entry) if entry.file_type().is_some_and(|kind| kind.is_file()) => {
                sources.push(Source::File(entry.into_path()));
            }
            Ok(_) => {}
            Err(error) => {
                let path = match &error {
                    ignore::Error::WithPath { path, .. } => path.display().to_string(),
                    _ => root.display().to_string(),
                };
                errors.push(ScanError::new(path, None, error.to_string()));
            }
        }
    }
}

/// The content of a source, or why it is passed over.
pub enum Content {
    Text(Vec<u8>),
    Binary,
    TooLarge,
}

/// Reads a source within `max_size` bytes.
pub fn read(source: &Source, max_size: u64) -> Result<Content, ScanError> {
    let name = source.display_name();
    let mut bytes = Vec::new();
    let read = match source {
        Source::File(path) => {
            let size = std::fs::metadata(path)
                .map_err(|error| ScanError::new(&name, None, error.to_string()))?
                .len();
            if size > max_size {
                return Ok(Content::TooLarge);
            }
            std::fs::File::open(path).and_then(|file| file.take(max_size + 1).read_to_end(&mut bytes))
        }
        Source::Stdin => std::io::stdin().lock().take(max_size + 1).read_to_end(&mut bytes),
    };
    read.map_err(|error| ScanError::new(&name, None, error.to_string()))?;
    Ok(classify(bytes, max_size))
}

/// Whether read bytes are text to search, binary, or over the limit.
pub fn classify(bytes: Vec<u8>, max_size: u64) -> Content {
    if bytes.len() as u64 > max_size {
        return Content::TooLarge;
    }
    if memchr::memchr(0, &bytes[..bytes.len().min(BINARY_SNIFF)]).is_some() {
        return Content::Binary;
    }
    Content::Text(bytes)
}
