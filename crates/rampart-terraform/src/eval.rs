//! Terraform configurations evaluated as Terraform plans them, so rules
//! judge what would be created rather than what the text looks like:
//!
//! - variables from their defaults, `TF_VAR_*`, `terraform.tfvars(.json)`,
//!   `*.auto.tfvars(.json)`, then `--var-file` and `--var` (Terraform's
//!   precedence, later wins);
//! - locals, references between resources of a module, `count` and
//!   `for_each` (instances addressed `type.name[0]`, `type.name["key"]`;
//!   `count = 0` creates nothing), `dynamic` blocks, `for` expressions and
//!   the common functions;
//! - local modules, each call evaluated on its own with its inputs (a
//!   module called twice is two sets of resources, addressed
//!   `module.web.…`), and `.terraform/modules` when `terraform init` left
//!   it; a remote module that is not there is a notice, not a guess;
//! - `data.aws_iam_policy_document` rendered to its JSON, since IAM rules
//!   read it; every other data source, computed attribute and unset
//!   variable is an [`Unknown`] naming what it depends on.
//!
//! Every module source folder is parsed once, whatever the number of
//! calls; evaluation is linear in the number of calls and resources.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use hcl_edit::Span;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::structure::{Block, Body as HclBody, Structure};
use hcl_edit::template::{Element, Template};
use rampart_core::ScanError;

use crate::functions;
use crate::resource::{Attr, Body, NestedBlock, Resource};
use crate::value::{Unknown, Value, from_json, to_json};

/// How many elements and string bytes one value may hold.
const MAX_VALUE_SIZE: usize = 1 << 20;

/// Whether a value exceeds [`MAX_VALUE_SIZE`] (counting stops there).
fn too_large(value: &Value, seen: &mut usize) -> bool {
    *seen += match value {
        Value::String(text) => text.len(),
        _ => 1,
    };
    if *seen > MAX_VALUE_SIZE {
        return true;
    }
    match value {
        Value::List(items) => items.iter().any(|item| too_large(item, seen)),
        Value::Object(map) => map.values().any(|item| too_large(item, seen)),
        _ => false,
    }
}

/// How deep module calls may nest.
const MAX_MODULE_DEPTH: usize = 32;

/// What the command line adds to a configuration.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--var-file`, in order.
    pub var_files: Vec<PathBuf>,
    /// `--var name=value`, in order.
    pub vars: Vec<(String, String)>,
    /// `TF_VAR_name` variables from the environment: (name, value).
    pub env: Vec<(String, String)>,
    /// Files larger than this are refused.
    pub max_file_size: u64,
}

/// Every resource instance of the configurations, and what could not be
/// read.
#[derive(Debug, Default)]
pub struct Evaluated {
    pub resources: Vec<Resource>,
    pub errors: Vec<ScanError>,
    pub notices: Vec<ScanError>,
    /// Root modules evaluated.
    pub roots: usize,
    /// Module calls evaluated (each instance of a call counts).
    pub module_calls: usize,
    /// `.tf` files read.
    pub files: usize,
    /// Every comment of every file read: (file, line, text after `#` or `//`).
    pub comments: Vec<(Arc<str>, usize, String)>,
}

/// Evaluates the configurations the `.tf` files belong to: each folder
/// is a module; folders no other scanned folder calls are roots.
pub fn evaluate(tf_files: &[PathBuf], options: &Options) -> Evaluated {
    let loader = Loader::new(options.max_file_size);
    let mut folders: Vec<PathBuf> = tf_files
        .iter()
        .map(|file| match file.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            // `main.tf` named alone: its folder is the current one.
            _ => PathBuf::from("."),
        })
        .collect();
    folders.sort();
    folders.dedup();
    let mut called: HashSet<PathBuf> = HashSet::new();
    let sources: Vec<(PathBuf, Rc<ModuleSource>)> = folders
        .iter()
        .map(|folder| (folder.clone(), loader.load(folder)))
        .collect();
    for (folder, source) in &sources {
        let itself = std::fs::canonicalize(folder).ok();
        for call in &source.modules {
            // A folder calling itself is still a root (and an error below).
            if let Some(local) = call.local_source()
                && let Ok(dir) = std::fs::canonicalize(folder.join(local))
                && Some(&dir) != itself.as_ref()
            {
                called.insert(dir);
            }
        }
    }
    let sink = Sink::default();
    let mut roots = 0;
    for (folder, source) in &sources {
        let canonical = std::fs::canonicalize(folder).unwrap_or_else(|_| folder.clone());
        if called.contains(&canonical) {
            continue;
        }
        roots += 1;
        let vars = root_variables(folder, source, options, &loader, &sink);
        let root = Instance::new(
            &loader,
            &sink,
            source.clone(),
            String::new(),
            vars,
            vec![canonical],
            folder.clone(),
        );
        root.run();
        root.emit();
    }
    let mut errors = loader.errors.into_inner();
    errors.extend(sink.errors.into_inner());
    Evaluated {
        resources: sink.resources.into_inner(),
        errors,
        notices: sink.notices.into_inner(),
        roots,
        module_calls: sink.module_calls.into_inner(),
        files: loader.files.into_inner(),
        comments: loader.comments.into_inner(),
    }
}

/// Where evaluated resources and problems go.
#[derive(Default)]
struct Sink {
    resources: RefCell<Vec<Resource>>,
    errors: RefCell<Vec<ScanError>>,
    notices: RefCell<Vec<ScanError>>,
    module_calls: RefCell<usize>,
}

/// One `.tf` file, parsed.
struct SourceFile {
    path: Arc<str>,
    lines: LineIndex,
}

/// A module's folder: its declarations, each with the file it is in.
#[derive(Default)]
struct ModuleSource {
    dir: PathBuf,
    files: Vec<SourceFile>,
    variables: Vec<(String, Option<Expression>)>,
    locals: HashMap<String, (usize, Expression)>,
    resources: Vec<Declaration>,
    /// (data, type, name) to its index in `resources`.
    index: HashMap<(bool, String, String), usize>,
    resource_types: HashSet<String>,
    modules: Vec<ModuleCall>,
    outputs: Vec<(String, usize, Expression)>,
}

struct Declaration {
    data: bool,
    kind: String,
    name: String,
    file: usize,
    line: usize,
    end_line: usize,
    block: Block,
}

struct ModuleCall {
    name: String,
    file: usize,
    line: usize,
    block: Block,
}

impl ModuleCall {
    fn source(&self) -> Option<String> {
        match &self.block.body.get_attribute("source")?.value {
            Expression::String(text) => Some(text.value().clone()),
            _ => None,
        }
    }

    fn local_source(&self) -> Option<String> {
        self.source()
            .filter(|source| source.starts_with("./") || source.starts_with("../"))
    }
}

/// Parses each module folder once.
struct Loader {
    cache: RefCell<HashMap<PathBuf, Rc<ModuleSource>>>,
    errors: RefCell<Vec<ScanError>>,
    files: RefCell<usize>,
    comments: RefCell<Vec<(Arc<str>, usize, String)>>,
    max_file_size: u64,
}

impl Loader {
    fn new(max_file_size: u64) -> Loader {
        Loader {
            cache: RefCell::new(HashMap::new()),
            errors: RefCell::new(Vec::new()),
            files: RefCell::new(0),
            comments: RefCell::new(Vec::new()),
            max_file_size: if max_file_size == 0 { u64::MAX } else { max_file_size },
        }
    }

    fn load(&self, dir: &Path) -> Rc<ModuleSource> {
        let key = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        if let Some(source) = self.cache.borrow().get(&key) {
            return source.clone();
        }
        let source = Rc::new(self.read(dir));
        self.cache.borrow_mut().insert(key, source.clone());
        source
    }

    fn read(&self, dir: &Path) -> ModuleSource {
        let mut source = ModuleSource {
            dir: dir.to_path_buf(),
            ..ModuleSource::default()
        };
        let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "tf"))
                .collect(),
            Err(error) => {
                self.errors
                    .borrow_mut()
                    .push(ScanError::new(dir.display().to_string(), None, error.to_string()));
                return source;
            }
        };
        paths.sort();
        for path in paths {
            let display = if dir == Path::new(".") {
                display_path(path.strip_prefix(".").unwrap_or(&path))
            } else {
                display_path(&path)
            };
            match std::fs::metadata(&path) {
                Ok(meta) if meta.len() > self.max_file_size => {
                    self.errors.borrow_mut().push(ScanError::new(
                        display,
                        None,
                        format!(
                            "{} bytes, over the {}-byte limit: not scanned",
                            meta.len(),
                            self.max_file_size
                        ),
                    ));
                    continue;
                }
                Err(error) => {
                    self.errors
                        .borrow_mut()
                        .push(ScanError::new(display, None, error.to_string()));
                    continue;
                }
                Ok(_) => {}
            }
            let bytes = match std::fs::read(&path) {
                Ok(bytes) => bytes,
                Err(error) => {
                    self.errors
                        .borrow_mut()
                        .push(ScanError::new(display, None, error.to_string()));
                    continue;
                }
            };
            *self.files.borrow_mut() += 1;
            let Ok(text) = String::from_utf8(bytes) else {
                self.errors
                    .borrow_mut()
                    .push(ScanError::new(display, None, "not UTF-8 text: not a Terraform file"));
                continue;
            };
            match hcl_edit::parser::parse_body(&text) {
                Ok(body) => {
                    let file = source.files.len();
                    let lines = LineIndex::new(&text);
                    declare(&mut source, file, body, &lines);
                    let path: Arc<str> = Arc::from(display.as_str());
                    self.comments.borrow_mut().extend(
                        comments(&text)
                            .into_iter()
                            .map(|(line, text)| (path.clone(), line, text)),
                    );
                    source.files.push(SourceFile { path, lines });
                }
                Err(error) => {
                    let location = error.location();
                    self.errors.borrow_mut().push(ScanError::new(
                        display,
                        Some(location.line()),
                        format!("cannot parse HCL: {}", error.message()),
                    ));
                }
            }
        }
        source
    }
}

/// Records the declarations of one file, taking its blocks.
fn declare(source: &mut ModuleSource, file: usize, body: HclBody, lines: &LineIndex) {
    for structure in body {
        let Structure::Block(block) = structure else {
            continue;
        };
        let labels: Vec<&str> = block.labels.iter().map(|label| label.as_str()).collect();
        let line = lines.line_of_span(block.span());
        let end_line = lines.line_of_end(block.span());
        match (block.ident.as_str(), labels.as_slice()) {
            ("resource" | "data", [kind, name]) => {
                let data = block.ident.as_str() == "data";
                source
                    .index
                    .insert((data, kind.to_string(), name.to_string()), source.resources.len());
                if !data {
                    source.resource_types.insert(kind.to_string());
                }
                source.resources.push(Declaration {
                    data,
                    kind: kind.to_string(),
                    name: name.to_string(),
                    file,
                    line,
                    end_line,
                    block,
                });
            }
            ("variable", [name]) => {
                let default = block.body.get_attribute("default").map(|attr| attr.value.clone());
                source.variables.push((name.to_string(), default));
            }
            ("locals", []) => {
                for attribute in block.body.attributes() {
                    source
                        .locals
                        .insert(attribute.key.as_str().to_string(), (file, attribute.value.clone()));
                }
            }
            ("module", [name]) => source.modules.push(ModuleCall {
                name: name.to_string(),
                file,
                line,
                block,
            }),
            ("output", [name]) => {
                if let Some(value) = block.body.get_attribute("value") {
                    source.outputs.push((name.to_string(), file, value.value.clone()));
                }
            }
            _ => {}
        }
    }
}

/// A root module's variables: defaults, then `TF_VAR_*`, the tfvars files
/// beside it, then the command line's, later winning.
fn root_variables(
    folder: &Path,
    source: &ModuleSource,
    options: &Options,
    loader: &Loader,
    sink: &Sink,
) -> HashMap<String, Value> {
    let declared: HashSet<&str> = source.variables.iter().map(|(name, _)| name.as_str()).collect();
    let mut set: HashMap<String, Value> = HashMap::new();
    for (name, value) in &options.env {
        set.insert(name.clone(), parse_cli_value(value));
    }
    let mut files: Vec<PathBuf> = Vec::new();
    for name in ["terraform.tfvars", "terraform.tfvars.json"] {
        let path = folder.join(name);
        if path.is_file() {
            files.push(path);
        }
    }
    let mut auto: Vec<PathBuf> = std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| {
                    path.file_name()
                        .and_then(|name| name.to_str())
                        .is_some_and(|name| name.ends_with(".auto.tfvars") || name.ends_with(".auto.tfvars.json"))
                })
                .collect()
        })
        .unwrap_or_default();
    auto.sort();
    files.extend(auto);
    files.extend(options.var_files.iter().cloned());
    for file in files {
        match read_tfvars(&file) {
            Ok(values) => set.extend(values),
            Err(error) => sink.errors.borrow_mut().push(error),
        }
    }
    for (name, value) in &options.vars {
        set.insert(name.clone(), parse_cli_value(value));
    }
    let _ = loader;
    let mut vars = HashMap::new();
    for (name, default) in &source.variables {
        let value = match set.remove(name) {
            Some(value) => value,
            None => match default {
                Some(expr) => constant(expr),
                None => Value::unknown(format!(
                    "var.{name} (no value: set it in a .tfvars file, TF_VAR_{name} or --var)"
                )),
            },
        };
        vars.insert(name.clone(), value);
    }
    let _ = declared;
    vars
}

/// A `--var` or `TF_VAR_` value: HCL when it parses as a literal or a
/// collection (`["a"]`, `{a = 1}`, `22`), else the string itself.
fn parse_cli_value(text: &str) -> Value {
    match hcl_edit::parser::parse_expr(text) {
        Ok(expr @ (Expression::Array(_) | Expression::Object(_) | Expression::Number(_) | Expression::Bool(_))) => {
            constant(&expr)
        }
        _ => Value::String(text.to_string()),
    }
}

/// A tfvars file's assignments.
fn read_tfvars(path: &Path) -> Result<HashMap<String, Value>, ScanError> {
    let display = display_path(path);
    let text = std::fs::read_to_string(path).map_err(|error| ScanError::new(&display, None, error.to_string()))?;
    if path.extension().is_some_and(|ext| ext == "json") {
        let json: serde_json::Value = serde_json::from_str(&text)
            .map_err(|error| ScanError::new(&display, Some(error.line()), format!("cannot parse JSON: {error}")))?;
        return Ok(json
            .as_object()
            .map(|map| map.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
            .unwrap_or_default());
    }
    let body = hcl_edit::parser::parse_body(&text).map_err(|error| {
        ScanError::new(
            &display,
            Some(error.location().line()),
            format!("cannot parse HCL: {}", error.message()),
        )
    })?;
    Ok(body
        .attributes()
        .map(|attribute| (attribute.key.as_str().to_string(), constant(&attribute.value)))
        .collect())
}

/// An expression that needs no module to evaluate (defaults, tfvars).
fn constant(expr: &Expression) -> Value {
    let loader = Loader::new(0);
    let sink = Sink::default();
    let instance = Instance::new(
        &loader,
        &sink,
        Rc::new(ModuleSource::default()),
        String::new(),
        HashMap::new(),
        Vec::new(),
        PathBuf::new(),
    );
    instance.eval(expr, &Env::default())
}

/// Names bound inside an expression: `count`, `each`, a `dynamic` block's
/// iterator, a `for` expression's variables.
#[derive(Clone, Default)]
struct Env {
    bindings: Vec<(String, Value)>,
}

impl Env {
    fn with(&self, name: &str, value: Value) -> Env {
        let mut env = self.clone();
        env.bindings.push((name.to_string(), value));
        env
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.bindings
            .iter()
            .rev()
            .find(|(bound, _)| bound == name)
            .map(|(_, value)| value)
    }
}

/// The key of one instance of a resource or module call.
#[derive(Clone, Debug)]
enum InstanceKey {
    Single,
    Index(usize),
    Key(String),
    /// `count` or `for_each` not known.
    Unknown(Unknown),
}

impl InstanceKey {
    fn suffix(&self) -> String {
        match self {
            InstanceKey::Single | InstanceKey::Unknown(_) => String::new(),
            InstanceKey::Index(index) => format!("[{index}]"),
            InstanceKey::Key(key) => format!("[{key:?}]"),
        }
    }
}

/// The instances of a declaration: their keys and the bindings each
/// evaluates with.
fn expand(instance: &Instance<'_>, body: &HclBody, env: &Env) -> Vec<(InstanceKey, Env)> {
    if let Some(count) = body.get_attribute("count") {
        return match instance.eval(&count.value, env) {
            Value::Unknown(unknown) => vec![(
                InstanceKey::Unknown(unknown.clone()),
                env.with("count", object([("index", Value::Unknown(unknown))])),
            )],
            value => {
                let n = value.as_number().unwrap_or(1.0).clamp(0.0, 100_000.0) as usize;
                (0..n)
                    .map(|index| {
                        (
                            InstanceKey::Index(index),
                            env.with("count", object([("index", Value::Number(index as f64))])),
                        )
                    })
                    .collect()
            }
        };
    }
    if let Some(for_each) = body.get_attribute("for_each") {
        let each = |key: &str, value: Value| {
            env.with(
                "each",
                object([("key", Value::String(key.to_string())), ("value", value)]),
            )
        };
        return match instance.eval(&for_each.value, env) {
            Value::Object(map) => map
                .into_iter()
                .map(|(key, value)| (InstanceKey::Key(key.clone()), each(&key, value)))
                .collect(),
            Value::List(items) => items
                .into_iter()
                .filter_map(|item| {
                    item.to_template_string()
                        .map(|key| (InstanceKey::Key(key.clone()), each(&key, item)))
                })
                .collect(),
            Value::Unknown(unknown) => vec![(
                InstanceKey::Unknown(unknown.clone()),
                env.with(
                    "each",
                    object([
                        ("key", Value::Unknown(unknown.clone())),
                        ("value", Value::Unknown(unknown)),
                    ]),
                ),
            )],
            _ => Vec::new(),
        };
    }
    vec![(InstanceKey::Single, env.clone())]
}

fn object<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// One evaluated instance of a resource declaration.
struct Evaluation {
    key: InstanceKey,
    body: Body,
}

/// One module instance being evaluated.
struct Instance<'a> {
    loader: &'a Loader,
    sink: &'a Sink,
    source: Rc<ModuleSource>,
    /// `module.web` or `module.web["a"].module.db`; empty at the root.
    prefix: String,
    vars: HashMap<String, Value>,
    locals: RefCell<HashMap<String, Value>>,
    busy: RefCell<HashSet<String>>,
    resources: RefCell<HashMap<usize, Rc<Vec<Evaluation>>>>,
    modules: RefCell<HashMap<usize, Value>>,
    /// Module folders from the root down to this one.
    stack: Vec<PathBuf>,
    /// The root module's folder (where `.terraform/modules` is).
    root_dir: PathBuf,
}

impl<'a> Instance<'a> {
    fn new(
        loader: &'a Loader,
        sink: &'a Sink,
        source: Rc<ModuleSource>,
        prefix: String,
        vars: HashMap<String, Value>,
        stack: Vec<PathBuf>,
        root_dir: PathBuf,
    ) -> Instance<'a> {
        Instance {
            loader,
            sink,
            source,
            prefix,
            vars,
            locals: RefCell::new(HashMap::new()),
            busy: RefCell::new(HashSet::new()),
            resources: RefCell::new(HashMap::new()),
            modules: RefCell::new(HashMap::new()),
            stack,
            root_dir,
        }
    }

    /// Evaluates every declaration (module calls emit their own resources).
    fn run(&self) {
        for index in 0..self.source.resources.len() {
            let declaration = &self.source.resources[index];
            // Data sources other than policy documents hold nothing to judge.
            if declaration.data && declaration.kind != "aws_iam_policy_document" {
                continue;
            }
            self.resource(index);
        }
        for index in 0..self.source.modules.len() {
            self.module(index);
        }
    }

    /// Hands the evaluated resources to the sink, once nothing refers to
    /// them any more (the module's outputs are evaluated).
    fn emit(self) {
        let mut evaluated: Vec<(usize, Rc<Vec<Evaluation>>)> = self.resources.take().into_iter().collect();
        evaluated.sort_by_key(|(index, _)| *index);
        let mut out = self.sink.resources.borrow_mut();
        for (index, evaluations) in evaluated {
            let declaration = &self.source.resources[index];
            if declaration.data && declaration.kind != "aws_iam_policy_document" {
                continue;
            }
            let file = &self.source.files[declaration.file];
            let evaluations = Rc::try_unwrap(evaluations).unwrap_or_else(|shared| {
                shared
                    .iter()
                    .map(|evaluation| Evaluation {
                        key: evaluation.key.clone(),
                        body: evaluation.body.clone(),
                    })
                    .collect()
            });
            for evaluation in evaluations {
                let local = format!(
                    "{}{}.{}{}",
                    if declaration.data { "data." } else { "" },
                    declaration.kind,
                    declaration.name,
                    evaluation.key.suffix()
                );
                out.push(Resource {
                    address: self.qualified(&local),
                    kind: declaration.kind.clone(),
                    name: declaration.name.clone(),
                    module: self.prefix.clone(),
                    data: declaration.data,
                    path: file.path.clone(),
                    line: declaration.line,
                    end_line: declaration.end_line,
                    body: evaluation.body,
                    instances_unknown: match evaluation.key {
                        InstanceKey::Unknown(unknown) => Some(unknown),
                        _ => None,
                    },
                });
            }
        }
    }

    fn qualified(&self, local: &str) -> String {
        if self.prefix.is_empty() {
            local.to_string()
        } else {
            format!("{}.{local}", self.prefix)
        }
    }

    fn line(&self, file: usize, span: Option<std::ops::Range<usize>>) -> usize {
        self.source.files.get(file).map_or(0, |f| f.lines.line_of_span(span))
    }

    /// The evaluated instances of a resource declaration (memoised).
    fn resource(&self, index: usize) -> Rc<Vec<Evaluation>> {
        if let Some(done) = self.resources.borrow().get(&index) {
            return done.clone();
        }
        let declaration = &self.source.resources[index];
        let busy_key = format!("resource {index}");
        if !self.busy.borrow_mut().insert(busy_key.clone()) {
            return Rc::new(Vec::new());
        }
        let evaluations: Vec<Evaluation> = expand(self, &declaration.block.body, &Env::default())
            .into_iter()
            .map(|(key, env)| {
                let mut body = self.body(&declaration.block.body, &env, declaration.file);
                if declaration.kind == "aws_iam_policy_document" && declaration.data {
                    let json = policy_document_json(&body);
                    body.attributes.insert(
                        "json".to_string(),
                        Attr {
                            value: json,
                            line: declaration.line,
                        },
                    );
                }
                Evaluation { key, body }
            })
            .collect();
        self.busy.borrow_mut().remove(&busy_key);
        let evaluations = Rc::new(evaluations);
        self.resources.borrow_mut().insert(index, evaluations.clone());
        evaluations
    }

    /// A block body, evaluated.
    fn body(&self, body: &HclBody, env: &Env, file: usize) -> Body {
        let mut out = Body::default();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attribute) => {
                    let key = attribute.key.as_str();
                    if matches!(key, "count" | "for_each" | "depends_on" | "provider" | "providers") {
                        continue;
                    }
                    out.attributes.insert(
                        key.to_string(),
                        Attr {
                            value: strip_marks(self.eval(&attribute.value, env)),
                            line: self.line(file, attribute.span()),
                        },
                    );
                }
                Structure::Block(block) => {
                    let ident = block.ident.as_str();
                    if matches!(ident, "lifecycle" | "provisioner" | "connection") {
                        continue;
                    }
                    if ident == "dynamic" {
                        self.dynamic(block, env, file, &mut out);
                        continue;
                    }
                    out.blocks.push(NestedBlock {
                        kind: ident.to_string(),
                        line: self.line(file, block.span()),
                        body: self.body(&block.body, env, file),
                    });
                }
            }
        }
        out
    }

    /// `dynamic "ingress" { for_each = …; content { … } }`: one block per
    /// element, the iterator bound to `{key, value}`.
    fn dynamic(&self, block: &Block, env: &Env, file: usize, out: &mut Body) {
        let Some(kind) = block.labels.first().map(|label| label.as_str().to_string()) else {
            return;
        };
        let iterator = match block.body.get_attribute("iterator").map(|attr| &attr.value) {
            Some(Expression::Variable(name)) => name.as_str().to_string(),
            _ => kind.clone(),
        };
        let Some(content) = block.body.blocks().find(|inner| inner.ident.as_str() == "content") else {
            return;
        };
        let line = self.line(file, block.span());
        let items: Vec<(Value, Value)> = match block
            .body
            .get_attribute("for_each")
            .map(|attr| self.eval(&attr.value, env))
        {
            Some(Value::List(items)) => items
                .into_iter()
                .enumerate()
                .map(|(index, item)| (Value::Number(index as f64), item))
                .collect(),
            Some(Value::Object(map)) => map
                .into_iter()
                .map(|(key, value)| (Value::String(key), value))
                .collect(),
            Some(unknown @ Value::Unknown(_)) => vec![(unknown.clone(), unknown)],
            _ => Vec::new(),
        };
        for (key, value) in items {
            let bound = env.with(&iterator, object([("key", key), ("value", value)]));
            out.blocks.push(NestedBlock {
                kind: kind.clone(),
                line,
                body: self.body(&content.body, &bound, file),
            });
        }
    }

    /// A module call's outputs (memoised); evaluating it emits its
    /// resources.
    fn module(&self, index: usize) -> Value {
        if let Some(done) = self.modules.borrow().get(&index) {
            return done.clone();
        }
        let busy_key = format!("module {index}");
        if !self.busy.borrow_mut().insert(busy_key.clone()) {
            return Value::unknown("a module output that depends on itself");
        }
        let value = self.call_module(index);
        self.busy.borrow_mut().remove(&busy_key);
        self.modules.borrow_mut().insert(index, value.clone());
        value
    }

    fn call_module(&self, index: usize) -> Value {
        let call = &self.source.modules[index];
        let file = &self.source.files[call.file];
        let address = self.qualified(&format!("module.{}", call.name));
        let Some(dir) = self.module_dir(call) else {
            self.sink.notices.borrow_mut().push(ScanError::new(
                file.path.to_string(),
                Some(call.line),
                format!(
                    "{address}: source `{}` is not a local path and `terraform init` has not fetched it into .terraform/modules: its resources were not scanned",
                    call.source().unwrap_or_else(|| "(not a literal string)".to_string())
                ),
            ));
            return Value::unknown(format!("{address} (not scanned)"));
        };
        let canonical = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
        if self.stack.contains(&canonical) {
            self.sink.errors.borrow_mut().push(ScanError::new(
                file.path.to_string(),
                Some(call.line),
                format!(
                    "{address} calls the module it is in (`{}`): Terraform refuses the cycle",
                    display_path(&dir)
                ),
            ));
            return Value::unknown(format!("{address} (a module cycle)"));
        }
        if self.stack.len() >= MAX_MODULE_DEPTH {
            self.sink.errors.borrow_mut().push(ScanError::new(
                file.path.to_string(),
                Some(call.line),
                format!("{address}: modules nested deeper than {MAX_MODULE_DEPTH}: not evaluated"),
            ));
            return Value::unknown(format!("{address} (too deep)"));
        }
        if !dir.is_dir() {
            self.sink.errors.borrow_mut().push(ScanError::new(
                file.path.to_string(),
                Some(call.line),
                format!("{address}: module source `{}` does not exist", display_path(&dir)),
            ));
            return Value::unknown(format!("{address} (missing source)"));
        }
        let child_source = self.loader.load(&dir);
        let mut stack = self.stack.clone();
        stack.push(canonical);
        let instances = expand(self, &call.block.body, &Env::default());
        let has_count = call.block.body.get_attribute("count").is_some();
        let mut outputs: Vec<(InstanceKey, Value)> = Vec::new();
        for (key, env) in instances {
            *self.sink.module_calls.borrow_mut() += 1;
            let mut vars = HashMap::new();
            for (name, default) in &child_source.variables {
                let value = match call.block.body.get_attribute(name) {
                    Some(input) => self.eval(&input.value, &env),
                    None => match default {
                        Some(expr) => constant(expr),
                        None => Value::unknown(format!("var.{name} of {address} (no value)")),
                    },
                };
                vars.insert(name.clone(), value);
            }
            let child = Instance::new(
                self.loader,
                self.sink,
                child_source.clone(),
                format!("{address}{}", key.suffix()),
                vars,
                stack.clone(),
                self.root_dir.clone(),
            );
            child.run();
            let values: BTreeMap<String, Value> = child
                .source
                .outputs
                .iter()
                .map(|(name, _, expr)| (name.clone(), child.eval(expr, &Env::default())))
                .collect();
            child.emit();
            outputs.push((key, Value::Object(values)));
        }
        match outputs.first() {
            Some((InstanceKey::Single | InstanceKey::Unknown(_), value)) if outputs.len() == 1 => value.clone(),
            _ if has_count => Value::List(outputs.into_iter().map(|(_, value)| value).collect()),
            _ => Value::Object(
                outputs
                    .into_iter()
                    .filter_map(|(key, value)| match key {
                        InstanceKey::Key(key) => Some((key, value)),
                        _ => None,
                    })
                    .collect(),
            ),
        }
    }

    /// The folder a module call's source names: a local path, or where
    /// `terraform init` put it.
    fn module_dir(&self, call: &ModuleCall) -> Option<PathBuf> {
        if let Some(local) = call.local_source() {
            return Some(self.source.dir.join(local));
        }
        let manifest = self.root_dir.join(".terraform/modules/modules.json");
        let text = std::fs::read_to_string(manifest).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        // Keys are the call path without instance keys: `web.db`.
        let mut key: Vec<String> = self
            .prefix
            .split('.')
            .collect::<Vec<_>>()
            .chunks(2)
            .filter_map(|pair| {
                pair.get(1)
                    .map(|name| name.split('[').next().unwrap_or(name).to_string())
            })
            .collect();
        key.push(call.name.clone());
        let key = key.join(".");
        json["Modules"]
            .as_array()?
            .iter()
            .find(|module| module["Key"] == key.as_str())
            .and_then(|module| module["Dir"].as_str())
            .map(|dir| self.root_dir.join(dir))
    }

    fn local(&self, name: &str) -> Value {
        if let Some(value) = self.locals.borrow().get(name) {
            return value.clone();
        }
        let Some((_, expr)) = self.source.locals.get(name) else {
            return Value::unknown(format!("local.{name} (not declared)"));
        };
        let busy_key = format!("local.{name}");
        if !self.busy.borrow_mut().insert(busy_key.clone()) {
            return Value::unknown(format!("local.{name} (depends on itself)"));
        }
        let mut value = self.eval(expr, &Env::default());
        // Locals built from locals can double at each step: a value past
        // the budget is not evaluated further.
        if too_large(&value, &mut 0) {
            value = Value::unknown(format!("local.{name} (larger than {MAX_VALUE_SIZE} elements)"));
        }
        self.busy.borrow_mut().remove(&busy_key);
        self.locals.borrow_mut().insert(name.to_string(), value.clone());
        value
    }

    /// Evaluates an expression.
    fn eval(&self, expr: &Expression, env: &Env) -> Value {
        match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => Value::Number(n.value().as_f64().unwrap_or(0.0)),
            Expression::String(s) => Value::String(s.value().clone()),
            Expression::Array(array) => Value::List(array.iter().map(|item| self.eval(item, env)).collect()),
            Expression::Object(obj) => {
                let mut map = BTreeMap::new();
                for (key, value) in obj.iter() {
                    let key = match key {
                        ObjectKey::Ident(ident) => ident.as_str().to_string(),
                        ObjectKey::Expression(expr) => match self.eval(expr, env) {
                            // `(var.x) = …` keys: a bare variable name is the name.
                            Value::String(text) => text,
                            other => match other.to_template_string() {
                                Some(text) => text,
                                None => return Value::unknown("an object key known after apply"),
                            },
                        },
                    };
                    map.insert(key, self.eval(value.expr(), env));
                }
                Value::Object(map)
            }
            Expression::StringTemplate(template) => self.template(template, env),
            Expression::HeredocTemplate(heredoc) => self.template(&heredoc.template, env),
            Expression::Parenthesis(inner) => self.eval(inner.inner(), env),
            Expression::Variable(name) => self.variable(name.as_str(), env),
            Expression::Conditional(conditional) => match self.eval(&conditional.cond_expr, env) {
                Value::Unknown(unknown) => Value::Unknown(unknown),
                cond => {
                    if cond.as_bool().unwrap_or(false) {
                        self.eval(&conditional.true_expr, env)
                    } else {
                        self.eval(&conditional.false_expr, env)
                    }
                }
            },
            Expression::FuncCall(call) => {
                let name = call.name.name.as_str();
                let args: Vec<&Expression> = call.args.iter().collect();
                match name {
                    "try" => args
                        .iter()
                        .map(|arg| self.eval(arg, env))
                        .find(|value| value.is_wholly_known())
                        .unwrap_or_else(|| Value::unknown("try(…)")),
                    "can" => Value::Bool(args.first().is_some_and(|arg| self.eval(arg, env).is_wholly_known())),
                    "file" => self.file_function(args.first().map(|arg| self.eval(arg, env))),
                    _ => {
                        let mut values: Vec<Value> = args.iter().map(|arg| self.eval(arg, env)).collect();
                        if call.args.expand_final()
                            && let Some(Value::List(items)) = values.pop()
                        {
                            values.extend(items);
                        }
                        functions::call(name, values)
                    }
                }
            }
            Expression::Traversal(traversal) => self.traversal(&traversal.expr, &traversal.operators, env),
            Expression::UnaryOp(op) => match (op.operator.value(), self.eval(&op.expr, env)) {
                (_, unknown @ Value::Unknown(_)) => unknown,
                (UnaryOperator::Not, value) => value
                    .as_bool()
                    .map_or_else(|| Value::unknown("!(…)"), |b| Value::Bool(!b)),
                (UnaryOperator::Neg, value) => value
                    .as_number()
                    .map_or_else(|| Value::unknown("-(…)"), |n| Value::Number(-n)),
            },
            Expression::BinaryOp(op) => self.binary(*op.operator.value(), &op.lhs_expr, &op.rhs_expr, env),
            Expression::ForExpr(for_expr) => self.for_expr(for_expr, env),
        }
    }

    fn template(&self, template: &Template, env: &Env) -> Value {
        let mut out = String::new();
        for element in template.iter() {
            match element {
                Element::Literal(literal) => out.push_str(literal.value()),
                Element::Interpolation(interpolation) => match self.eval(&interpolation.expr, env) {
                    Value::Unknown(unknown) => return Value::Unknown(unknown),
                    value => match value.to_template_string() {
                        Some(text) if out.len() + text.len() <= MAX_VALUE_SIZE => out.push_str(&text),
                        Some(_) => return Value::unknown("a string larger than the evaluation budget"),
                        None => return Value::unknown("a template of a non-string value"),
                    },
                },
                Element::Directive(_) => return Value::unknown("a template directive"),
            }
        }
        Value::String(out)
    }

    fn file_function(&self, path: Option<Value>) -> Value {
        let Some(Value::String(path)) = path else {
            return Value::unknown("file(…)");
        };
        let full = self.source.dir.join(&path);
        match std::fs::metadata(&full) {
            Ok(meta) if meta.len() <= 1 << 20 => {
                std::fs::read_to_string(&full).map_or_else(|_| Value::unknown(format!("file({path:?})")), Value::String)
            }
            _ => Value::unknown(format!("file({path:?})")),
        }
    }

    fn binary(&self, operator: BinaryOperator, lhs: &Expression, rhs: &Expression, env: &Env) -> Value {
        let (left, right) = (self.eval(lhs, env), self.eval(rhs, env));
        // `false && x` and `true || x` do not need x.
        match (operator, left.as_bool(), right.as_bool()) {
            (BinaryOperator::And, Some(false), _) | (BinaryOperator::And, _, Some(false)) => return Value::Bool(false),
            (BinaryOperator::Or, Some(true), _) | (BinaryOperator::Or, _, Some(true)) => return Value::Bool(true),
            _ => {}
        }
        if let Value::Unknown(unknown) = &left {
            return Value::Unknown(unknown.clone());
        }
        if let Value::Unknown(unknown) = &right {
            return Value::Unknown(unknown.clone());
        }
        let numbers = || Some((left.as_number()?, right.as_number()?));
        let result = match operator {
            BinaryOperator::Eq => Some(Value::Bool(loosely_equal(&left, &right))),
            BinaryOperator::NotEq => Some(Value::Bool(!loosely_equal(&left, &right))),
            BinaryOperator::And => Some(Value::Bool(
                left.as_bool().unwrap_or(false) && right.as_bool().unwrap_or(false),
            )),
            BinaryOperator::Or => Some(Value::Bool(
                left.as_bool().unwrap_or(false) || right.as_bool().unwrap_or(false),
            )),
            BinaryOperator::Less => numbers().map(|(a, b)| Value::Bool(a < b)),
            BinaryOperator::LessEq => numbers().map(|(a, b)| Value::Bool(a <= b)),
            BinaryOperator::Greater => numbers().map(|(a, b)| Value::Bool(a > b)),
            BinaryOperator::GreaterEq => numbers().map(|(a, b)| Value::Bool(a >= b)),
            BinaryOperator::Plus => numbers().map(|(a, b)| Value::Number(a + b)),
            BinaryOperator::Minus => numbers().map(|(a, b)| Value::Number(a - b)),
            BinaryOperator::Mul => numbers().map(|(a, b)| Value::Number(a * b)),
            BinaryOperator::Div => numbers().filter(|(_, b)| *b != 0.0).map(|(a, b)| Value::Number(a / b)),
            BinaryOperator::Mod => numbers().filter(|(_, b)| *b != 0.0).map(|(a, b)| Value::Number(a % b)),
        };
        result.unwrap_or_else(|| Value::unknown("an operation on values of the wrong type"))
    }

    fn for_expr(&self, for_expr: &hcl_edit::expr::ForExpr, env: &Env) -> Value {
        let intro = &for_expr.intro;
        let items: Vec<(Value, Value)> = match self.eval(&intro.collection_expr, env) {
            Value::List(items) => items
                .into_iter()
                .enumerate()
                .map(|(index, item)| (Value::Number(index as f64), item))
                .collect(),
            Value::Object(map) => map
                .into_iter()
                .map(|(key, value)| (Value::String(key), value))
                .collect(),
            unknown @ Value::Unknown(_) => return unknown,
            _ => return Value::unknown("a for expression over a non-collection"),
        };
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        for (key, value) in items {
            let mut bound = env.with(intro.value_var.as_str(), value);
            if let Some(key_var) = &intro.key_var {
                bound = bound.with(key_var.as_str(), key);
            }
            if let Some(cond) = &for_expr.cond {
                match self.eval(&cond.expr, &bound) {
                    Value::Unknown(unknown) => return Value::Unknown(unknown),
                    keep if !keep.as_bool().unwrap_or(false) => continue,
                    _ => {}
                }
            }
            let value = self.eval(&for_expr.value_expr, &bound);
            match &for_expr.key_expr {
                Some(key_expr) => {
                    let Some(key) = self.eval(key_expr, &bound).to_template_string() else {
                        return Value::unknown("a for expression key known after apply");
                    };
                    if for_expr.grouping {
                        let entry = map.entry(key).or_insert_with(|| Value::List(Vec::new()));
                        if let Value::List(group) = entry {
                            group.push(value);
                        }
                    } else {
                        map.insert(key, value);
                    }
                }
                None => list.push(value),
            }
        }
        if for_expr.key_expr.is_some() {
            Value::Object(map)
        } else {
            Value::List(list)
        }
    }

    fn variable(&self, name: &str, env: &Env) -> Value {
        match env.get(name) {
            Some(value) => value.clone(),
            // Terraform rejects `True`; Checkov, and the people who write
            // it, mean true.
            None if name == "True" => Value::Bool(true),
            None if name == "False" => Value::Bool(false),
            None => Value::unknown(name.to_string()),
        }
    }

    /// `root.op.op…`: variables, locals, modules, data sources, resources,
    /// and the bound names, then attribute, index and splat operators.
    fn traversal(&self, root: &Expression, operators: &[hcl_edit::Decorated<TraversalOperator>], env: &Env) -> Value {
        let attr = |at: usize| match operators.get(at).map(|op| op.value()) {
            Some(TraversalOperator::GetAttr(ident)) => Some(ident.as_str()),
            _ => None,
        };
        let Expression::Variable(name) = root else {
            let base = self.eval(root, env);
            return self.apply(base, operators, env);
        };
        let name = name.as_str();
        if let Some(bound) = env.get(name) {
            return self.apply(bound.clone(), operators, env);
        }
        match name {
            "var" => match attr(0) {
                Some(var) => {
                    let value = self
                        .vars
                        .get(var)
                        .cloned()
                        .unwrap_or_else(|| Value::unknown(format!("var.{var} (not declared)")));
                    self.apply(value, &operators[1..], env)
                }
                None => Value::unknown("var"),
            },
            "local" => match attr(0) {
                Some(local) => {
                    let value = self.local(local);
                    self.apply(value, &operators[1..], env)
                }
                None => Value::unknown("local"),
            },
            "module" => match attr(0) {
                Some(module) => match self.source.modules.iter().position(|call| call.name == module) {
                    Some(index) => {
                        let value = self.module(index);
                        self.apply(value, &operators[1..], env)
                    }
                    None => Value::unknown(format!("module.{module} (not declared)")),
                },
                None => Value::unknown("module"),
            },
            "path" => {
                let dir = display_path(&self.source.dir);
                let value = match attr(0) {
                    Some("module") => Value::String(dir),
                    Some("root") => Value::String(display_path(&self.root_dir)),
                    Some("cwd") => Value::String(".".to_string()),
                    _ => Value::unknown("path"),
                };
                self.apply(value, &operators[1..], env)
            }
            "terraform" => match attr(0) {
                Some("workspace") => Value::String("default".to_string()),
                _ => Value::unknown("terraform"),
            },
            "data" => match (attr(0), attr(1)) {
                (Some(kind), Some(data_name)) => {
                    let reference = format!("data.{kind}.{data_name}");
                    match self.source.index.get(&(true, kind.to_string(), data_name.to_string())) {
                        Some(&index) if kind == "aws_iam_policy_document" => {
                            self.resource_reference(index, &reference, &operators[2..], env)
                        }
                        _ => Value::unknown(reference),
                    }
                }
                _ => Value::unknown("data"),
            },
            kind if self.source.resource_types.contains(kind) => match attr(0) {
                Some(resource_name) => {
                    match self
                        .source
                        .index
                        .get(&(false, kind.to_string(), resource_name.to_string()))
                    {
                        Some(&index) => {
                            let reference = format!("{kind}.{resource_name}");
                            self.resource_reference(index, &reference, &operators[1..], env)
                        }
                        None => Value::unknown(format!("{kind}.{resource_name} (not declared)")),
                    }
                }
                None => Value::unknown(kind.to_string()),
            },
            other => Value::unknown(other.to_string()),
        }
    }

    /// A reference to a resource's instances: an attribute it sets is its
    /// value; one it does not is computed, unknown, and names the resource.
    fn resource_reference(
        &self,
        index: usize,
        reference: &str,
        operators: &[hcl_edit::Decorated<TraversalOperator>],
        env: &Env,
    ) -> Value {
        let evaluations = self.resource(index);
        let declaration = &self.source.resources[index];
        let counted = declaration.block.body.get_attribute("count").is_some()
            || declaration.block.body.get_attribute("for_each").is_some();
        let address = self.qualified(reference);
        let instance_value = |evaluation: &Evaluation| -> Value {
            let mut value = evaluation.body.to_value();
            if let Value::Object(map) = &mut value {
                // Marks the object as a resource's: a missing attribute is
                // computed, not absent.
                map.insert(
                    RESOURCE_MARK.to_string(),
                    Value::String(format!("{address}{}", evaluation.key.suffix())),
                );
            }
            value
        };
        if evaluations
            .iter()
            .any(|evaluation| matches!(evaluation.key, InstanceKey::Unknown(_)))
        {
            return Value::Unknown(Unknown {
                depends_on: Arc::from(format!("{reference} (count or for_each known after apply)")),
                resource: Some(Arc::from(address.as_str())),
            });
        }
        let whole = if !counted {
            evaluations.first().map_or_else(
                || Value::unknown(format!("{reference} (depends on itself)")),
                instance_value,
            )
        } else if declaration.block.body.get_attribute("count").is_some() {
            Value::List(evaluations.iter().map(instance_value).collect())
        } else {
            Value::Object(
                evaluations
                    .iter()
                    .filter_map(|evaluation| match &evaluation.key {
                        InstanceKey::Key(key) => Some((key.clone(), instance_value(evaluation))),
                        _ => None,
                    })
                    .collect(),
            )
        };
        self.apply(whole, operators, env)
    }

    /// Applies attribute, index and splat operators.
    fn apply(&self, mut value: Value, operators: &[hcl_edit::Decorated<TraversalOperator>], env: &Env) -> Value {
        let mut at = 0;
        while at < operators.len() {
            value = match operators[at].value() {
                TraversalOperator::GetAttr(name) => get_attr(&value, name.as_str()),
                TraversalOperator::Index(index) => {
                    let key = self.eval(index, env);
                    get_index(&value, &key)
                }
                TraversalOperator::LegacyIndex(index) => get_index(&value, &Value::Number(*index.value() as f64)),
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let rest = &operators[at + 1..];
                    return match value {
                        Value::List(items) => {
                            Value::List(items.into_iter().map(|item| self.apply(item, rest, env)).collect())
                        }
                        Value::Unknown(unknown) => Value::Unknown(unknown),
                        Value::Null => Value::List(Vec::new()),
                        single => Value::List(vec![self.apply(single, rest, env)]),
                    };
                }
            };
            at += 1;
        }
        strip_mark(value)
    }
}

/// The key marking an object as a resource instance's, with its address.
const RESOURCE_MARK: &str = "\u{0}resource";

/// [`strip_mark`] all the way down: what an attribute keeps of a
/// resource object it was given (`tags = each.value`).
fn strip_marks(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(key, _)| key != RESOURCE_MARK)
                .map(|(key, value)| (key, strip_marks(value)))
                .collect(),
        ),
        Value::List(items) => Value::List(items.into_iter().map(strip_marks).collect()),
        other => other,
    }
}

fn strip_mark(value: Value) -> Value {
    match value {
        Value::Object(mut map) if map.contains_key(RESOURCE_MARK) => {
            map.remove(RESOURCE_MARK);
            Value::Object(map)
        }
        other => other,
    }
}

fn get_attr(value: &Value, name: &str) -> Value {
    match value {
        Value::Object(map) => match map.get(name) {
            Some(found) => found.clone(),
            None => match map.get(RESOURCE_MARK).and_then(Value::as_str) {
                Some(address) => Value::Unknown(Unknown {
                    depends_on: Arc::from(format!("{address}.{name}")),
                    resource: Some(Arc::from(address)),
                }),
                None => Value::Null,
            },
        },
        Value::Unknown(unknown) => Value::Unknown(unknown.clone()),
        _ => Value::unknown(format!("`.{name}` of a value without attributes")),
    }
}

fn get_index(value: &Value, key: &Value) -> Value {
    match (value, key) {
        (Value::Unknown(unknown), _) | (_, Value::Unknown(unknown)) => Value::Unknown(unknown.clone()),
        (Value::List(items), key) => key
            .as_number()
            .and_then(|n| items.get(n as usize))
            .cloned()
            .unwrap_or_else(|| Value::unknown("an index past the end")),
        (Value::Object(_), key) => match key.to_template_string() {
            Some(key) => get_attr(value, &key),
            None => Value::unknown("an index of the wrong type"),
        },
        _ => Value::unknown("an index into a value without elements"),
    }
}

fn loosely_equal(left: &Value, right: &Value) -> bool {
    match (left.as_number(), right.as_number()) {
        (Some(a), Some(b)) if matches!(left, Value::Number(_)) || matches!(right, Value::Number(_)) => a == b,
        _ => left == right,
    }
}

/// The JSON `data.aws_iam_policy_document` renders, or unknown when a
/// part of it is.
fn policy_document_json(body: &Body) -> Value {
    let mut statements = Vec::new();
    for source in ["source_policy_documents", "source_json"] {
        for document in body.value(source).map(|value| value.strings()).unwrap_or_default() {
            if let Ok(json) = serde_json::from_str::<serde_json::Value>(document) {
                statements.extend(json["Statement"].as_array().cloned().unwrap_or_default());
            }
        }
    }
    for statement in body.blocks("statement") {
        let s = &statement.body;
        let mut out = serde_json::Map::new();
        if let Some(sid) = s.str("sid") {
            out.insert("Sid".into(), sid.into());
        }
        out.insert("Effect".into(), s.str("effect").unwrap_or("Allow").into());
        for (attribute, key) in [
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ] {
            if let Some(value) = s.value(attribute) {
                if !value.is_wholly_known() {
                    return value
                        .first_unknown()
                        .map_or_else(|| Value::unknown("a policy document"), |u| Value::Unknown(u.clone()));
                }
                out.insert(key.into(), to_json(value));
            }
        }
        for (block, key) in [("principals", "Principal"), ("not_principals", "NotPrincipal")] {
            let mut principals = serde_json::Map::new();
            for principal in statement.body.blocks(block) {
                let kind = principal.body.str("type").unwrap_or("AWS").to_string();
                let Some(identifiers) = principal.body.value("identifiers") else {
                    continue;
                };
                if !identifiers.is_wholly_known() {
                    return Value::unknown("a policy document's principals");
                }
                if kind == "*" {
                    out.insert(key.into(), "*".into());
                    continue;
                }
                principals.insert(kind, to_json(identifiers));
            }
            if !principals.is_empty() {
                out.insert(key.into(), serde_json::Value::Object(principals));
            }
        }
        let mut conditions = serde_json::Map::new();
        for condition in statement.body.blocks("condition") {
            let (Some(test), Some(variable), Some(values)) = (
                condition.body.str("test"),
                condition.body.str("variable"),
                condition.body.value("values"),
            ) else {
                continue;
            };
            let entry = conditions
                .entry(test.to_string())
                .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
            if let serde_json::Value::Object(tests) = entry {
                tests.insert(variable.to_string(), to_json(values));
            }
        }
        if !conditions.is_empty() {
            out.insert("Condition".into(), serde_json::Value::Object(conditions));
        }
        statements.push(serde_json::Value::Object(out));
    }
    let document = serde_json::json!({"Version": "2012-10-17", "Statement": statements});
    Value::String(document.to_string())
}

/// A path as findings show it: as the user named it, with `dir/..`
/// folded away (a module called as `../modules/web`).
fn display_path(path: &Path) -> String {
    use std::path::Component;
    let mut parts: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let folded: PathBuf = parts.iter().collect();
    folded.display().to_string()
}

/// Comment lines (`#` or `//` first on the line, or after code): the
/// waiver comments live there.
fn comments(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let at = line.find('#').or_else(|| line.find("//"))?;
            let comment = line[at..].trim_start_matches('#').trim_start_matches("//").trim();
            comment.contains(':').then(|| (index + 1, comment.to_string()))
        })
        .collect()
}

/// Byte offset to 1-based line.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        LineIndex {
            starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(at, _)| at + 1))
                .collect(),
        }
    }

    fn line_of_span(&self, span: Option<std::ops::Range<usize>>) -> usize {
        span.map_or(0, |span| self.starts.partition_point(|start| *start <= span.start))
    }

    fn line_of_end(&self, span: Option<std::ops::Range<usize>>) -> usize {
        span.map_or(0, |span| self.starts.partition_point(|start| *start < span.end))
    }
}
