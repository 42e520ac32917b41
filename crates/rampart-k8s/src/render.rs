//! Kustomize and Helm trees: recognising them in a walk, the patch files a
//! kustomization lists (patches are not objects), and rendering a tree with
//! the program its users render it with (`kubectl kustomize` or
//! `kustomize build`, `helm template`) when `--render` asks for it.
//!
//! Rendering is the only place Rampart runs another program; it never does
//! so unless asked.

use std::path::{Component, Path, PathBuf};
use std::process::Command;

use rampart_core::ScanError;

use crate::yaml::{self, Limits, Node};

/// The names `kustomize` looks for in a folder.
pub const KUSTOMIZATION_FILES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// What renders a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renderer {
    Kustomize,
    Helm,
}

/// What a kustomization file says about the files around it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Kustomization {
    /// Files it applies as patches, resolved against its folder.
    pub patches: Vec<PathBuf>,
    /// Folders it includes (`resources`, `bases`, `components` that name a
    /// folder), resolved against its folder.
    pub folders: Vec<PathBuf>,
}

/// Reads the kustomization file of `folder`, if it has one.
pub fn kustomization_of(folder: &Path) -> Option<Result<Kustomization, ScanError>> {
    let file = KUSTOMIZATION_FILES
        .iter()
        .map(|name| folder.join(name))
        .find(|path| path.is_file())?;
    Some(read_kustomization(&file, folder))
}

fn read_kustomization(file: &Path, folder: &Path) -> Result<Kustomization, ScanError> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|error| ScanError::new(name.clone(), None, error.to_string()))?;
    let parsed = yaml::parse_document(&text, 0, Limits::default()).map_err(|error| {
        ScanError::new(
            name.clone(),
            Some(error.line as usize),
            format!("cannot parse the kustomization: {}", error.message),
        )
    })?;
    let Some(root) = parsed.map(|parsed| parsed.root) else {
        return Ok(Kustomization::default());
    };
    let local = |entry: &str| -> Option<PathBuf> {
        // Remote bases (`github.com/...?ref=`) and URLs are not files here.
        (!entry.contains("://") && !entry.contains('?')).then(|| normalize(&folder.join(entry)))
    };
    let strings = |key: &str| -> Vec<&str> {
        root.get(key)
            .map(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::as_str)
            .collect()
    };
    let mut kustomization = Kustomization::default();
    for entry in strings("patchesStrategicMerge") {
        kustomization.patches.extend(local(entry));
    }
    for key in ["patches", "patchesJson6902"] {
        for patch in root.get(key).map(Node::as_seq).unwrap_or(&[]) {
            // `patches: [{path: x.yaml}]`, and the older bare file name.
            let path = patch.get("path").and_then(Node::as_str).or_else(|| patch.as_str());
            kustomization.patches.extend(path.and_then(local));
        }
    }
    for key in ["resources", "bases", "components"] {
        for entry in strings(key) {
            if let Some(path) = local(entry).filter(|path| path.is_dir()) {
                kustomization.folders.push(path);
            }
        }
    }
    Ok(kustomization)
}

/// `a/./b/../c` as `a/c`, without touching the file system (symbolic
/// links aside, which a kustomization does not use to name its files).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// Renders `folder` with `renderer`; the output is the manifests it
/// deploys. Errors name the command and what it printed.
pub fn render(folder: &Path, renderer: Renderer) -> Result<Vec<u8>, ScanError> {
    let name = folder.display().to_string();
    let candidates: &[(&str, &[&str])] = match renderer {
        Renderer::Kustomize => &[("kubectl", &["kustomize"]), ("kustomize", &["build"])],
        Renderer::Helm => &[("helm", &["template"])],
    };
    for (program, arguments) in candidates {
        let output = match Command::new(program).args(*arguments).arg(folder).output() {
            Ok(output) => output,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => {
                return Err(ScanError::new(name, None, format!("cannot run `{program}`: {error}")));
            }
        };
        let command = format!("{program} {} {name}", arguments.join(" "));
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let said: Vec<&str> = stderr.lines().filter(|line| !line.trim().is_empty()).take(5).collect();
            return Err(ScanError::new(
                name,
                None,
                format!("`{command}` failed ({}): {}", output.status, said.join(" / ")),
            ));
        }
        return Ok(output.stdout);
    }
    let (tools, by_hand) = match renderer {
        Renderer::Kustomize => (
            "kubectl or kustomize",
            format!("kubectl kustomize {name} | rampart scan -"),
        ),
        Renderer::Helm => ("helm", format!("helm template RELEASE {name} | rampart scan -")),
    };
    Err(ScanError::new(
        name,
        None,
        format!("cannot render: {tools} is not installed; install it, or render by hand: `{by_hand}`"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_and_included_folders_are_read_from_every_form() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("base")).unwrap();
        std::fs::write(
            dir.path().join("kustomization.yaml"),
            "resources:\n- base\n- extra.yaml\n- github.com/acme/x?ref=v1\npatchesStrategicMerge:\n- replicas.yaml\npatches:\n- path: ./sub/../limits.yaml\n  target: {kind: Deployment}\n- image.yaml\npatchesJson6902:\n- path: json.yaml\n",
        )
        .unwrap();
        let read = kustomization_of(dir.path()).unwrap().unwrap();
        let names: Vec<String> = read
            .patches
            .iter()
            .map(|path| path.strip_prefix(dir.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["replicas.yaml", "limits.yaml", "image.yaml", "json.yaml"]);
        assert_eq!(read.folders, [dir.path().join("base")]);
        assert!(kustomization_of(&dir.path().join("base")).is_none());
    }

    #[test]
    fn a_broken_kustomization_is_an_error_at_its_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kustomization.yml"), "resources:\n- a\npatches: [\n").unwrap();
        let error = kustomization_of(dir.path()).unwrap().unwrap_err();
        assert!(error.path.ends_with("kustomization.yml"), "{error}");
        assert!(error.line.is_some(), "{error}");
    }
}
