//! Finds the manifest files under the paths a user names, and reads them
//! within the size limit.
//!
//! Folders are walked recursively, honouring `.gitignore` (also outside a
//! git repository) and skipping hidden entries; `*.yaml`, `*.yml` and
//! `*.json` are read. A file named explicitly is read whatever its name.
//! Symbolic links are followed and loops reported. The templates of a Helm
//! chart (a `templates/` folder beside a `Chart.yaml`) are not YAML until
//! rendered: each chart gets one error saying how to render it. The patch
//! files a `kustomization.yaml` lists are not objects: they are passed
//! over, with one notice per Kustomize folder saying how to render it. With
//! rendering on, each chart and each top Kustomize folder is one input: the
//! output of `helm template` or `kubectl kustomize`.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use rampart_core::ScanError;

use crate::render::{KUSTOMIZATION_FILES, Kustomization, Renderer, kustomization_of, normalize, render};

/// The name findings show for standard input.
pub const STDIN_NAME: &str = "<stdin>";

/// A file to load, standard input, or a tree to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Stdin,
    /// A Kustomize folder or Helm chart, read as the program renders it.
    Rendered(PathBuf, Renderer),
}

impl Input {
    pub fn display_name(&self) -> String {
        match self {
            Input::File(path) => path.display().to_string(),
            Input::Stdin => STDIN_NAME.to_string(),
            Input::Rendered(path, Renderer::Kustomize) => format!("{} (kustomize)", path.display()),
            Input::Rendered(path, Renderer::Helm) => format!("{} (helm template)", path.display()),
        }
    }
}

/// The inputs found, the paths that could not be walked, and what was
/// passed over on purpose.
#[derive(Debug, Default)]
pub struct Discovery {
    pub inputs: Vec<Input>,
    pub errors: Vec<ScanError>,
    /// Not errors: what a reader of the report must know was not read as
    /// is (Kustomize patches).
    pub notices: Vec<ScanError>,
}

/// How to discover inputs.
#[derive(Debug, Default, Clone, Copy)]
pub struct DiscoverOptions {
    /// Render Helm charts and Kustomize folders with their programs.
    pub render: bool,
    /// Other engines' files to find in folders besides manifests
    /// (Dockerfiles, Terraform), by name.
    pub also: Option<fn(&Path) -> bool>,
}

const MANIFEST_EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// Expands the user's paths (`-` is standard input) into inputs.
pub fn discover(paths: &[PathBuf]) -> Discovery {
    discover_with(paths, DiscoverOptions::default())
}

/// [`discover`], rendering charts and Kustomize folders when asked.
pub fn discover_with(paths: &[PathBuf], options: DiscoverOptions) -> Discovery {
    let mut discovery = Discovery::default();
    // Each Kustomize folder with its kustomization, read once.
    let mut kustomize_folders: Vec<(PathBuf, Result<Kustomization, ScanError>)> = Vec::new();
    let mut charts: BTreeMap<PathBuf, usize> = BTreeMap::new();
    let mut chart_cache: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
    for path in paths {
        if path.as_os_str() == "-" {
            discovery.inputs.push(Input::Stdin);
            continue;
        }
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) => {
                discovery
                    .errors
                    .push(ScanError::new(path.display().to_string(), None, describe_io(&error)));
                continue;
            }
        };
        if metadata.is_file() {
            discovery.inputs.push(Input::File(path.clone()));
            continue;
        }
        if let Some(read) = kustomization_of(path) {
            kustomize_folders.push((normalize(path), read));
        }
        let walker = ignore::WalkBuilder::new(path)
            .follow_links(true)
            .require_git(false)
            .sort_by_file_name(|a, b| a.cmp(b))
            .build();
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    discovery.errors.push(walk_error(path, &error));
                    continue;
                }
            };
            if entry.file_type().is_some_and(|t| t.is_dir()) {
                if entry.depth() > 0
                    && let Some(read) = kustomization_of(entry.path())
                {
                    kustomize_folders.push((normalize(entry.path()), read));
                }
                continue;
            }
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let file = entry.path();
            if file
                .file_name()
                .is_some_and(|name| KUSTOMIZATION_FILES.iter().any(|k| name == *k))
            {
                continue;
            }
            if options.also.is_some_and(|also| also(file)) {
                discovery.inputs.push(Input::File(file.to_path_buf()));
                continue;
            }
            let is_manifest = file
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| MANIFEST_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
            if !is_manifest {
                continue;
            }
            if let Some(chart) = chart_of_template(file, &mut chart_cache) {
                *charts.entry(chart).or_default() += 1;
                continue;
            }
            discovery.inputs.push(Input::File(file.to_path_buf()));
        }
    }
    kustomize(&mut discovery, kustomize_folders, options);
    for (chart, templates) in charts {
        if options.render {
            let chart = normalize(&chart);
            discovery
                .inputs
                .retain(|input| !matches!(input, Input::File(file) if normalize(file).starts_with(&chart)));
            discovery.inputs.push(Input::Rendered(chart, Renderer::Helm));
            continue;
        }
        discovery.errors.push(ScanError::new(
            chart.display().to_string(),
            None,
            format!(
                "Helm chart with {templates} unrendered template file(s) skipped; render it and scan the output: `helm template RELEASE {} | rampart scan -`",
                chart.display()
            ),
        ));
    }
    discovery
}

/// Passes over the patches the Kustomize folders list, and says once per
/// folder that it is a tree to render; or, rendering, replaces the files
/// of each tree by its top folders' rendered output.
fn kustomize(
    discovery: &mut Discovery,
    read: Vec<(PathBuf, Result<Kustomization, ScanError>)>,
    options: DiscoverOptions,
) {
    let mut patches: Vec<PathBuf> = Vec::new();
    let mut included: Vec<PathBuf> = Vec::new();
    let mut folders: Vec<PathBuf> = Vec::new();
    for (folder, kustomization) in read {
        match kustomization {
            Ok(kustomization) => {
                if !options.render {
                    discovery.notices.push(ScanError::new(
                        folder.display().to_string(),
                        None,
                        format!(
                            "Kustomize folder: its files were checked as they are{}; what it deploys may differ, so render it: `rampart scan --render {dir}` or `kubectl kustomize {dir} | rampart scan -`",
                            match kustomization.patches.len() {
                                0 => String::new(),
                                count => format!(", and its {count} patch file(s) passed over (a patch is not an object)"),
                            },
                            dir = folder.display()
                        ),
                    ));
                }
                patches.extend(kustomization.patches);
                included.extend(kustomization.folders);
            }
            Err(error) => discovery.errors.push(error),
        }
        folders.push(folder);
    }
    if options.render {
        // Every file of a Kustomize folder is part of what it renders.
        discovery.inputs.retain(|input| match input {
            Input::File(file) => {
                let folder_of_file = normalize(file.parent().unwrap_or(Path::new(".")));
                !folders.contains(&folder_of_file)
            }
            _ => true,
        });
        for folder in folders {
            if !included.contains(&folder) {
                discovery.inputs.push(Input::Rendered(folder, Renderer::Kustomize));
            }
        }
    } else {
        discovery.inputs.retain(|input| match input {
            Input::File(file) => !patches.contains(&normalize(file)),
            _ => true,
        });
    }
}

/// The chart folder when `file` sits under a chart's `templates/`.
fn chart_of_template(file: &Path, cache: &mut HashMap<PathBuf, Option<PathBuf>>) -> Option<PathBuf> {
    for ancestor in file.ancestors().skip(1) {
        if ancestor.file_name().is_some_and(|n| n == "templates") {
            let chart = ancestor.parent()?.to_path_buf();
            let is_chart = cache
                .entry(chart.clone())
                .or_insert_with(|| chart.join("Chart.yaml").is_file().then(|| chart.clone()))
                .clone();
            if is_chart.is_some() {
                return is_chart;
            }
        }
    }
    None
}

fn walk_error(root: &Path, error: &ignore::Error) -> ScanError {
    let text = error.to_string();
    let (path, message) = match error {
        ignore::Error::WithPath { path, err } => (path.display().to_string(), err.to_string()),
        ignore::Error::Loop { child, .. } => (
            child.display().to_string(),
            "symbolic link loop; not followed".to_string(),
        ),
        ignore::Error::WithDepth { err, .. } => return walk_error(root, err),
        _ => (root.display().to_string(), text),
    };
    ScanError::new(path, None, message)
}

fn describe_io(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
}

/// Reads an input, refusing more than `max_size` bytes without reading
/// them all.
pub fn read_input(input: &Input, max_size: u64) -> Result<Vec<u8>, ScanError> {
    let name = input.display_name();
    let too_big = |size: u64| {
        ScanError::new(
            name.clone(),
            None,
            format!("file is {size} bytes, over the {max_size}-byte limit (raise it with --max-file-size)"),
        )
    };
    match input {
        Input::File(path) => {
            let file = std::fs::File::open(path).map_err(|e| ScanError::new(name.clone(), None, describe_io(&e)))?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            if size > max_size {
                return Err(too_big(size));
            }
            read_bounded(file, max_size).map_err(|e| match e {
                BoundedReadError::TooBig(size) => too_big(size),
                BoundedReadError::Io(e) => ScanError::new(name.clone(), None, describe_io(&e)),
            })
        }
        Input::Stdin => read_bounded(std::io::stdin().lock(), max_size).map_err(|e| match e {
            BoundedReadError::TooBig(size) => too_big(size),
            BoundedReadError::Io(e) => ScanError::new(name.clone(), None, describe_io(&e)),
        }),
        Input::Rendered(folder, renderer) => {
            let bytes = render(folder, *renderer)?;
            if bytes.len() as u64 > max_size {
                return Err(too_big(bytes.len() as u64));
            }
            Ok(bytes)
        }
    }
}

enum BoundedReadError {
    TooBig(u64),
    Io(std::io::Error),
}

fn read_bounded(reader: impl Read, max_size: u64) -> Result<Vec<u8>, BoundedReadError> {
    let mut bytes = Vec::new();
    reader
        .take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(BoundedReadError::Io)?;
    if bytes.len() as u64 > max_size {
        return Err(BoundedReadError::TooBig(bytes.len() as u64));
    }
    Ok(bytes)
}
