//! `rampart fix`: the fixes rules offer, as a diff or written into the files.

use std::path::PathBuf;

use rampart_core::Outcome;
use rampart_scan::{Flags, SecretsMode};

use crate::{config_command, progress};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FixFormat {
    /// The files rewritten in place (a unified diff without --write).
    Diff,
    /// Strategic-merge patches, one per object, for a Kustomize overlay
    /// (what rendered input, Helm output on `-`, gets).
    Kustomize,
    /// A Kustomize component of JSON 6902 patches, one per object, list
    /// indexes guarded by a test of the item's name.
    JsonPatch,
}

#[derive(clap::Args)]
pub struct FixArgs {
    /// Manifest files or folders; `-` reads rendered manifests from standard
    /// input (patches are written for them).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// diff: rewrite the files (shown as a diff unless --write); kustomize:
    /// print strategic-merge patches for an overlay instead; json-patch: print
    /// a Kustomize component of JSON 6902 patches [default: diff, kustomize
    /// for `-`].
    #[arg(long, short = 'f', value_enum)]
    format: Option<FixFormat>,

    /// Write the fixes into the files (without it, print their diff).
    #[arg(long)]
    write: bool,

    /// Also apply the fixes that can change what a workload does
    /// (each named in the output).
    #[arg(long = "unsafe")]
    unsafe_fixes: bool,

    /// Only this rule's fixes (repeatable).
    #[arg(long = "rule", value_name = "RULE")]
    rules: Vec<String>,

    /// The UID to write where a container or pod runs as root
    /// (`runAsUser: 0`); one the image can run as.
    #[arg(long, value_name = "UID", value_parser = clap::value_parser!(u32).range(1..))]
    run_as_user: Option<u32>,

    /// CPU and memory limits to write where a container sets none:
    /// `cpu=500m,memory=256Mi` (measure first).
    #[arg(long, value_name = "QUANTITIES", value_parser = rampart_k8s::fixes::FixInputs::resources)]
    limits: Option<std::collections::BTreeMap<String, String>>,

    /// CPU and memory requests to write where a container sets none:
    /// `cpu=100m,memory=128Mi` (from its observed use).
    #[arg(long, value_name = "QUANTITIES", value_parser = rampart_k8s::fixes::FixInputs::resources)]
    requests: Option<std::collections::BTreeMap<String, String>>,

    /// Ask each image's registry which digest its tag names now and write
    /// `name:tag@sha256:...` (the only fix that reaches the network).
    #[arg(long)]
    pin_digests: bool,

    #[command(flatten)]
    registry: crate::images_command::RegistryArgs,

    /// The configuration file [default: the nearest rampart.toml at or above
    /// the first path].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

impl FixArgs {
    /// The scan's facts and the values given for fixes that need input.
    fn context(&self, objects: &[rampart_k8s::object::Object]) -> rampart_k8s::fixes::FixContext {
        rampart_k8s::fixes::FixContext {
            inputs: rampart_k8s::fixes::FixInputs {
                run_as_user: self.run_as_user,
                limits: self.limits.clone().unwrap_or_default(),
                requests: self.requests.clone().unwrap_or_default(),
            },
            ..rampart_k8s::fixes::FixContext::of(objects)
        }
    }
}

pub fn run(args: &FixArgs) -> Outcome {
    let start = args.paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let Ok(team) = config_command::load(args.config.as_deref(), &start) else {
        return Outcome::Error;
    };
    for rule in &args.rules {
        if rampart_k8s::fixes::fix_for(rule).is_none() {
            let fixable: Vec<&str> = rampart_k8s::fixes::FIXES.iter().map(|fix| fix.rule).collect();
            eprintln!(
                "error: --rule {rule}: no fix; the rules with one are {}",
                fixable.join(", ")
            );
            return Outcome::Error;
        }
    }
    let flags = Flags {
        secrets: SecretsMode::TurnedOff,
        allow_empty: true,
        ..Flags::default()
    };
    let pipeline = match config_command::prepare(team, flags) {
        Ok(pipeline) => pipeline,
        Err(outcome) => return outcome,
    };
    let reads_stdin = args.paths.iter().any(|path| path.as_os_str() == "-");
    let format = args.format.unwrap_or(if reads_stdin {
        FixFormat::Kustomize
    } else {
        FixFormat::Diff
    });
    match format {
        FixFormat::Kustomize => return patches(args, &pipeline, rampart_fix::PatchForm::StrategicMerge),
        FixFormat::JsonPatch => return patches(args, &pipeline, rampart_fix::PatchForm::JsonPatch),
        FixFormat::Diff => {}
    }
    if reads_stdin {
        return rendered_diff(args, &pipeline);
    }
    let scanned = pipeline.scan(&args.paths, &progress::Bars::new());
    for error in &scanned.report.errors {
        eprintln!("error: {error}");
    }
    // The scanned objects, for the digests to resolve and which accounts bindings name.
    let (objects, _) = crate::inventory_input::load_objects(&args.paths);
    let mut pins = std::collections::HashMap::new();
    let mut unresolved = false;
    if args.pin_digests {
        // Images without a digest, or with a placeholder where it goes (`rampart init`'s):
        // written as found, resolved without the placeholder.
        let mut images: Vec<(String, String)> =
            rampart_k8s::workload::image_uses(&objects, &pipeline.kubernetes().workload_kinds)
                .into_iter()
                .map(|image_use| image_use.image)
                .filter(|image| !rampart_core::ImageRef::parse(image).has_valid_digest())
                .map(|image| {
                    let tagged = image.split('@').next().unwrap_or(&image).to_string();
                    (image, tagged)
                })
                .collect();
        images.sort();
        images.dedup();
        let tagged: Vec<String> = images.iter().map(|(_, tagged)| tagged.clone()).collect();
        match crate::images_command::resolve_digests(&args.registry, pipeline.team(), &tagged) {
            Ok(resolved) => {
                for ((image, tagged), (_, digest)) in images.into_iter().zip(resolved) {
                    match digest {
                        Ok(digest) => {
                            pins.insert(image, format!("{tagged}@{digest}"));
                        }
                        Err(error) => {
                            eprintln!("error: --pin-digests: {error}");
                            unresolved = true;
                        }
                    }
                }
            }
            Err(error) => {
                eprintln!("error: --pin-digests: {error}");
                return Outcome::Error;
            }
        }
    }
    let options = rampart_fix::FixOptions {
        unsafe_fixes: args.unsafe_fixes,
        rules: args.rules.clone(),
        pins,
        context: args.context(&objects),
    };
    let files = rampart_fix::fix(&pipeline, &scanned.report.findings, &options);
    let mut out = String::new();
    let (mut applied, mut left) = (0, 0);
    let mut failed = false;
    for file in &files {
        if file.changed() {
            if args.write {
                if let Err(error) = rampart_fix::write(file) {
                    eprintln!("error: {}: {error}", file.path.display());
                    failed = true;
                    continue;
                }
            } else {
                out.push_str(&file.diff());
            }
        }
        let verb = if args.write { "fixed" } else { "would fix" };
        tell(verb, &file.path.display().to_string(), &file.applied, &file.left);
        applied += file.applied.len();
        left += file.left.len();
    }
    if !out.is_empty() {
        use std::io::Write as _;
        if let Err(error) = std::io::stdout().lock().write_all(out.as_bytes()) {
            return crate::output_failed(error);
        }
    }
    eprintln!(
        "{applied} fix{} {}, {left} left for a person{}",
        if applied == 1 { "" } else { "es" },
        if args.write {
            "written"
        } else {
            "to write (--write writes them)"
        },
        if args.unsafe_fixes {
            ""
        } else {
            " (unsafe ones wait for --unsafe)"
        }
    );
    if failed || unresolved || !scanned.report.errors.is_empty() {
        Outcome::Error
    } else if !args.write && applied > 0 {
        Outcome::Fail
    } else {
        Outcome::Pass
    }
}

/// `--format kustomize|json-patch`: patches for the rendered manifests on standard input or
/// in files.
fn patches(args: &FixArgs, pipeline: &rampart_scan::Pipeline, form: rampart_fix::PatchForm) -> Outcome {
    if args.write || args.pin_digests {
        eprintln!("error: --format kustomize and json-patch print patches: --write and --pin-digests do not apply");
        return Outcome::Error;
    }
    let options = rampart_fix::FixOptions {
        unsafe_fixes: args.unsafe_fixes,
        rules: args.rules.clone(),
        ..rampart_fix::FixOptions::default()
    };
    let mut out = String::new();
    let (mut applied, mut left) = (0, 0);
    for path in &args.paths {
        let (name, text) = if path.as_os_str() == "-" {
            let mut text = String::new();
            if let Err(error) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
                eprintln!("error: standard input: {error}");
                return Outcome::Error;
            }
            ("<stdin>".to_string(), text)
        } else {
            match std::fs::read_to_string(path) {
                Ok(text) => (path.display().to_string(), text),
                Err(error) => {
                    eprintln!(
                        "error: {}: {error} (give rendered manifests: a file, or - for standard input)",
                        path.display()
                    );
                    return Outcome::Error;
                }
            }
        };
        let scanned = pipeline.scan_object(&name, text.as_bytes());
        let loaded = rampart_k8s::loader::load_bytes(&name, text.as_bytes(), &Default::default());
        let options = rampart_fix::FixOptions {
            context: args.context(&loaded.objects),
            ..options.clone()
        };
        for error in &scanned.report.errors {
            eprintln!("error: {error}");
        }
        let made = rampart_fix::patches(pipeline, &name, &text, &scanned.report.findings, &options, form);
        out.push_str(&made.yaml);
        tell("patched", &name, &made.applied, &made.left);
        applied += made.applied.len();
        left += made.left.len();
    }
    if form == rampart_fix::PatchForm::JsonPatch {
        out = rampart_fix::component(&out);
    }
    use std::io::Write as _;
    if let Err(error) = std::io::stdout().lock().write_all(out.as_bytes()) {
        return crate::output_failed(error);
    }
    eprintln!(
        "{applied} fix{} as patches, {left} left for a person{}",
        if applied == 1 { "" } else { "es" },
        if args.unsafe_fixes {
            ""
        } else {
            " (unsafe ones wait for --unsafe)"
        }
    );
    Outcome::Pass
}

/// One line on standard error per fix written (`verb`) and per fix left, at its place in
/// `source` (a file, or `<stdin>`).
fn tell(verb: &str, source: &str, applied: &[rampart_fix::Change], left: &[rampart_fix::Left]) {
    for change in applied {
        eprintln!(
            "{verb} {source}:{}: {} {} ({}: {} = {})",
            change.line,
            change.rule,
            change.resource,
            change.safety.as_str(),
            change.field,
            change.value
        );
    }
    for not in left {
        eprintln!(
            "left {source}:{}: {} {} ({}): {}",
            not.change.line,
            not.change.rule,
            not.change.resource,
            not.change.safety.as_str(),
            not.why
        );
    }
}

/// `--format diff` on standard input: rendered manifests fixed in memory, the diff printed
/// for review (exit 1 when there is one); nothing can be written back.
fn rendered_diff(args: &FixArgs, pipeline: &rampart_scan::Pipeline) -> Outcome {
    if args.write || args.pin_digests || args.paths.len() > 1 {
        eprintln!(
            "error: standard input is fixed for review only: give `-` alone, without --write or --pin-digests (or --format kustomize|json-patch for patches)"
        );
        return Outcome::Error;
    }
    let mut text = String::new();
    if let Err(error) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
        eprintln!("error: standard input: {error}");
        return Outcome::Error;
    }
    let name = "<stdin>";
    let scanned = pipeline.scan_object(name, text.as_bytes());
    for error in &scanned.report.errors {
        eprintln!("error: {error}");
    }
    let loaded = rampart_k8s::loader::load_bytes(name, text.as_bytes(), &Default::default());
    let options = rampart_fix::FixOptions {
        unsafe_fixes: args.unsafe_fixes,
        rules: args.rules.clone(),
        context: args.context(&loaded.objects),
        ..rampart_fix::FixOptions::default()
    };
    let fixed = rampart_fix::fix_text(pipeline, name, &text, &scanned.report.findings, &options);
    tell("would fix", name, &fixed.applied, &fixed.left);
    if fixed.changed() {
        use std::io::Write as _;
        if let Err(error) = std::io::stdout().lock().write_all(fixed.diff().as_bytes()) {
            return crate::output_failed(error);
        }
    }
    eprintln!(
        "{} fix{} for review, {} left for a person",
        fixed.applied.len(),
        if fixed.applied.len() == 1 { "" } else { "es" },
        fixed.left.len()
    );
    if !scanned.report.errors.is_empty() {
        Outcome::Error
    } else if fixed.changed() {
        Outcome::Fail
    } else {
        Outcome::Pass
    }
}
