//! The generated ValidatingAdmissionPolicies say what the Rust rules say:
//! each rule's CEL, evaluated with the Kubernetes CEL libraries (kube-cel),
//! must pass exactly the objects the rule stays quiet on and fail exactly
//! those it fires on. The objects: a hardened pod changed one field at a
//! time (and two at a time), as a Pod, a Deployment and a CronJob; and
//! every workload in the corpus (`../shared/corpus`) the API server would
//! accept.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use kube_cel::KubeCelExt;
use kube_cel::cel::{Context, Program, Value as Cel};
use rampart_admission::vap::{VapOptions, expressed, generate, variables};
use rampart_admission::{Mode, Settings};
use rampart_core::Config;
use rampart_scan::{Flags, Pipeline, SecretsMode};
use serde_json::{Value, json};

fn to_cel(value: &Value) -> Cel {
    match value {
        Value::Null => Cel::Null,
        Value::Bool(b) => Cel::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Cel::Int(i),
            None => Cel::Float(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => Cel::String(s.clone().into()),
        Value::Array(items) => Cel::List(items.iter().map(to_cel).collect::<Vec<_>>().into()),
        Value::Object(map) => {
            let map: HashMap<String, Cel> = map.iter().map(|(k, v)| (k.clone(), to_cel(v))).collect();
            map.into()
        }
    }
}

/// The compiled variables and validations.
struct Policies {
    variables: Vec<(&'static str, Program)>,
    rules: Vec<(&'static str, Program)>,
}

impl Policies {
    fn compile(rules: Vec<(&'static str, String)>) -> Policies {
        let compile = |text: &str| {
            Program::compile(text).unwrap_or_else(|error| {
                let first = error.errors.first().map(|e| format!("{:?}: {}", e.pos, e.msg));
                panic!("{text}: {first:?}")
            })
        };
        Policies {
            variables: variables()
                .into_iter()
                .map(|(name, text)| (name, compile(&text)))
                .collect(),
            rules: rules.into_iter().map(|(rule, text)| (rule, compile(&text))).collect(),
        }
    }

    /// Each rule's verdict: `Ok(true)` passes; `Err` when evaluation failed.
    fn judge(&self, object: &Value) -> BTreeMap<&'static str, Result<bool, String>> {
        let base = || {
            let mut context = Context::default().with_all();
            context.add_variable_from_value("object", to_cel(object));
            context.add_variable_from_value("oldObject", Cel::Null);
            context
        };
        let mut values: HashMap<String, Cel> = HashMap::new();
        for (name, program) in &self.variables {
            let mut context = base();
            context.add_variable_from_value("variables", values.clone());
            // Kubernetes evaluates variables lazily: one that fails only
            // matters if a validation reads it (then that one fails too).
            if let Ok(value) = program.execute(&context) {
                values.insert(name.to_string(), value);
            }
        }
        let mut context = base();
        context.add_variable_from_value("variables", values);
        self.rules
            .iter()
            .map(|(rule, program)| {
                let verdict = match program.execute(&context) {
                    Ok(Cel::Bool(passes)) => Ok(passes),
                    Ok(other) => Err(format!("not a bool: {other:?}")),
                    Err(error) => Err(error.to_string()),
                };
                (*rule, verdict)
            })
            .collect()
    }
}

fn pipeline() -> Pipeline {
    let flags = Flags {
        object_rules_only: true,
        allow_empty: true,
        secrets: SecretsMode::TurnedOff,
        ..Flags::default()
    };
    Pipeline::prepare(Config::default(), flags).unwrap().0
}

/// The rules that fired on `object` (waived or not), or `None` when the
/// pipeline could not read it as the API server would have.
fn fired(pipeline: &Pipeline, object: &Value) -> Option<BTreeSet<String>> {
    let report = pipeline
        .scan_object("parity.json", &serde_json::to_vec(object).unwrap())
        .report;
    if !report.errors.is_empty() {
        return None;
    }
    Some(report.findings.iter().map(|finding| finding.rule.to_string()).collect())
}

/// Compares every rule's CEL verdict with the Rust one over `objects`;
/// returns the disagreements, and marks which rules fired and stayed quiet.
fn compare(
    policies: &Policies,
    pipeline: &Pipeline,
    objects: &[(String, Value)],
    seen: &mut BTreeMap<&'static str, (usize, usize)>,
) -> Vec<String> {
    let mut disagreements = Vec::new();
    for (name, object) in objects {
        let Some(fired) = fired(pipeline, object) else {
            continue;
        };
        for (rule, verdict) in policies.judge(object) {
            let rust_passes = !fired.contains(rule);
            let counts = seen.entry(rule).or_default();
            if rust_passes {
                counts.0 += 1;
            } else {
                counts.1 += 1;
            }
            match verdict {
                Ok(passes) if passes == rust_passes => {}
                Ok(passes) => disagreements.push(format!(
                    "{rule} on {name}: CEL {}, the rule {}",
                    if passes { "passes" } else { "fails" },
                    if rust_passes { "is quiet" } else { "fires" }
                )),
                Err(error) => disagreements.push(format!("{rule} on {name}: CEL error {error}")),
            }
        }
    }
    disagreements
}

fn hardened_pod() -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {
            "automountServiceAccountToken": false,
            "serviceAccountName": "web",
            "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{
                "name": "web",
                "image": "registry.example.com/web:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
                "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "128Mi"}},
                "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
                "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
                "ports": [{"containerPort": 8080}]
            }],
            "volumes": [{"name": "tmp", "emptyDir": {}}]
        }
    })
}

/// Sets `value` at a `/`-separated path, creating maps on the way.
fn set(object: &mut Value, path: &str, value: Value) {
    let mut at = object;
    let parts: Vec<&str> = path.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i == parts.len() - 1;
        if let Ok(index) = part.parse::<usize>() {
            at = &mut at[index];
            if last {
                *at = value;
                return;
            }
            continue;
        }
        if last {
            at[*part] = value;
            return;
        }
        if at.get(*part).is_none() {
            at[*part] = json!({});
        }
        at = &mut at[*part];
    }
}

fn remove(object: &mut Value, path: &str) {
    let (parent, key) = path.rsplit_once('/').unwrap();
    if let Some(map) = object.pointer_mut(&format!("/{parent}")).and_then(Value::as_object_mut) {
        map.remove(key);
    }
}

type Mutation = (&'static str, Box<dyn Fn(&mut Value)>);

/// One field changed each: every value the rules tell apart.
fn mutations() -> Vec<Mutation> {
    let c = "spec/containers/0";
    let sc = "spec/containers/0/securityContext";
    let psc = "spec/securityContext";
    let digest = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let mut all: Vec<Mutation> = Vec::new();
    let mut put = |name: &'static str, path: String, value: Value| {
        all.push((name, Box::new(move |pod: &mut Value| set(pod, &path, value.clone()))));
    };
    put("privileged", format!("{sc}/privileged"), json!(true));
    put("not privileged", format!("{sc}/privileged"), json!(false));
    put("hostPID", "spec/hostPID".into(), json!(true));
    put("hostIPC", "spec/hostIPC".into(), json!(true));
    put("hostNetwork", "spec/hostNetwork".into(), json!(true));
    put("hostNetwork false", "spec/hostNetwork".into(), json!(false));
    put(
        "hostPort",
        format!("{c}/ports"),
        json!([{"containerPort": 80, "hostPort": 8080}]),
    );
    put(
        "hostPort 0",
        format!("{c}/ports"),
        json!([{"containerPort": 80, "hostPort": 0}]),
    );
    put("escalation", format!("{sc}/allowPrivilegeEscalation"), json!(true));
    put("windows", "spec/os".into(), json!({"name": "windows"}));
    put("linux", "spec/os".into(), json!({"name": "linux"}));
    put("writable root", format!("{sc}/readOnlyRootFilesystem"), json!(false));
    for (name, caps) in [
        ("add SYS_ADMIN", json!(["SYS_ADMIN"])),
        ("add cap_sys_admin", json!(["cap_sys_admin"])),
        ("add CHOWN", json!(["CHOWN"])),
        ("add chown spaced", json!([" chown "])),
        ("add NET_BIND_SERVICE", json!(["NET_BIND_SERVICE"])),
        ("add CAP_NET_BIND_SERVICE", json!(["CAP_NET_BIND_SERVICE"])),
        ("add IPC_LOCK", json!(["IPC_LOCK"])),
        ("add ALL", json!(["ALL"])),
        ("add BPF and KILL", json!(["BPF", "KILL"])),
    ] {
        put(name, format!("{sc}/capabilities/add"), caps);
    }
    put("drop all lowercase", format!("{sc}/capabilities/drop"), json!(["all"]));
    put("drop NET_RAW", format!("{sc}/capabilities/drop"), json!(["NET_RAW"]));
    put("drop nothing", format!("{sc}/capabilities/drop"), json!([]));
    put("container root", format!("{sc}/runAsUser"), json!(0));
    put("pod root", format!("{psc}/runAsUser"), json!(0));
    put("container user 1000", format!("{sc}/runAsUser"), json!(1000));
    put("user namespace", "spec/hostUsers".into(), json!(false));
    put("host users", "spec/hostUsers".into(), json!(true));
    put(
        "container runAsNonRoot false",
        format!("{sc}/runAsNonRoot"),
        json!(false),
    );
    put("container runAsNonRoot true", format!("{sc}/runAsNonRoot"), json!(true));
    put("pod runAsNonRoot false", format!("{psc}/runAsNonRoot"), json!(false));
    put(
        "pod seccomp unconfined",
        format!("{psc}/seccompProfile"),
        json!({"type": "Unconfined"}),
    );
    put(
        "container seccomp unconfined",
        format!("{sc}/seccompProfile"),
        json!({"type": "Unconfined"}),
    );
    put(
        "container seccomp localhost",
        format!("{sc}/seccompProfile"),
        json!({"type": "Localhost", "localhostProfile": "p.json"}),
    );
    put(
        "seccomp annotation unconfined",
        "metadata/annotations".into(),
        json!({"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}),
    );
    put(
        "container seccomp annotation unconfined",
        "metadata/annotations".into(),
        json!({"container.seccomp.security.alpha.kubernetes.io/web": "unconfined"}),
    );
    put(
        "pod hostProcess",
        format!("{psc}/windowsOptions"),
        json!({"hostProcess": true}),
    );
    put(
        "container hostProcess",
        format!("{sc}/windowsOptions"),
        json!({"hostProcess": true}),
    );
    put(
        "container hostProcess false",
        format!("{sc}/windowsOptions"),
        json!({"hostProcess": false}),
    );
    put("procMount Unmasked", format!("{sc}/procMount"), json!("Unmasked"));
    put("procMount Default", format!("{sc}/procMount"), json!("Default"));
    put(
        "safe sysctl",
        format!("{psc}/sysctls"),
        json!([{"name": "kernel.shm_rmid_forced", "value": "1"}]),
    );
    put(
        "slashed safe sysctl",
        format!("{psc}/sysctls"),
        json!([{"name": "net/ipv4/tcp_syncookies", "value": "1"}]),
    );
    put(
        "unsafe sysctl",
        format!("{psc}/sysctls"),
        json!([{"name": "kernel.msgmax", "value": "1"}]),
    );
    for (name, path) in [
        ("docker socket", "/var/run/docker.sock"),
        ("containerd socket", "/run/containerd/containerd.sock/"),
        ("ca bundle", "/etc/ssl/certs/"),
        ("ca bundle below", "/etc/ssl/certs/extra"),
        ("data", "/data"),
        ("root", "/"),
        ("root slashes", "///"),
        ("empty", ""),
        ("etc", "/etc/"),
        ("etcetera", "/etcetera"),
        ("kubelet pods", "/var/lib/kubelet/pods"),
        ("dev log", "/dev/log"),
        ("dev", "/dev"),
    ] {
        put(
            name,
            "spec/volumes/0".into(),
            json!({"name": "host", "hostPath": {"path": path}}),
        );
    }
    put(
        "hostPath without path",
        "spec/volumes/0".into(),
        json!({"name": "host", "hostPath": {"type": "Directory"}}),
    );
    put(
        "nfs volume",
        "spec/volumes/0".into(),
        json!({"name": "n", "nfs": {"server": "s", "path": "/x"}}),
    );
    put(
        "configMap volume",
        "spec/volumes/0".into(),
        json!({"name": "c", "configMap": {"name": "c"}}),
    );
    put(
        "pod apparmor unconfined",
        format!("{psc}/appArmorProfile"),
        json!({"type": "Unconfined"}),
    );
    put(
        "container apparmor unconfined",
        format!("{sc}/appArmorProfile"),
        json!({"type": "Unconfined"}),
    );
    put(
        "container apparmor localhost",
        format!("{sc}/appArmorProfile"),
        json!({"type": "Localhost", "localhostProfile": "p"}),
    );
    put(
        "apparmor annotation unconfined",
        "metadata/annotations".into(),
        json!({"container.apparmor.security.beta.kubernetes.io/web": "unconfined"}),
    );
    put(
        "apparmor annotation localhost",
        "metadata/annotations".into(),
        json!({"container.apparmor.security.beta.kubernetes.io/web": "localhost/p"}),
    );
    put(
        "selinux spc_t",
        format!("{sc}/seLinuxOptions"),
        json!({"type": "spc_t"}),
    );
    put(
        "selinux container_t",
        format!("{sc}/seLinuxOptions"),
        json!({"type": "container_t", "level": "s0:c1"}),
    );
    put(
        "selinux user",
        format!("{psc}/seLinuxOptions"),
        json!({"user": "system_u"}),
    );
    put(
        "selinux empty role",
        format!("{psc}/seLinuxOptions"),
        json!({"role": ""}),
    );
    for (name, image) in [
        ("image untagged", "nginx".to_string()),
        ("image latest", "nginx:latest".to_string()),
        ("image tagged", "nginx:1.27".to_string()),
        ("image empty tag", "nginx:".to_string()),
        ("image port untagged", "localhost:5000/app".to_string()),
        ("image port tagged", "registry:5000/team/app:1.2".to_string()),
        ("image digest", format!("nginx@sha256:{digest}")),
        ("image latest digest", format!("ghcr.io/a/b:latest@sha256:{digest}")),
        ("image short digest", "nginx:1@sha256:abc".to_string()),
        ("image empty digest", "nginx:1.2@".to_string()),
        ("image spaced", "  nginx:1.2  ".to_string()),
        ("image blank", "   ".to_string()),
    ] {
        put(name, format!("{c}/image"), json!(image));
    }
    put(
        "requests only",
        format!("{c}/resources"),
        json!({"requests": {"cpu": "1", "memory": "1Gi"}}),
    );
    put(
        "limits only",
        format!("{c}/resources"),
        json!({"limits": {"cpu": "1", "memory": "1Gi"}}),
    );
    put(
        "cpu request only",
        format!("{c}/resources"),
        json!({"requests": {"cpu": "1"}}),
    );
    put("no resources", format!("{c}/resources"), json!({}));
    put(
        "init container",
        "spec/initContainers".into(),
        json!([{"name": "init", "image": "busybox:1.36", "securityContext": {"privileged": true}}]),
    );
    put(
        "ephemeral container",
        "spec/ephemeralContainers".into(),
        json!([{"name": "debug", "image": "busybox", "securityContext": {"capabilities": {"add": ["SYS_PTRACE"]}}}]),
    );
    let mut drop_field = |name: &'static str, path: String| {
        all.push((name, Box::new(move |pod: &mut Value| remove(pod, &path))));
    };
    drop_field("no escalation field", format!("{sc}/allowPrivilegeEscalation"));
    drop_field("no container context", format!("{c}/securityContext"));
    drop_field("no pod context", psc.to_string());
    drop_field("no pod seccomp", format!("{psc}/seccompProfile"));
    drop_field("no pod runAsNonRoot", format!("{psc}/runAsNonRoot"));
    drop_field("no drop", format!("{sc}/capabilities/drop"));
    drop_field("no liveness", format!("{c}/livenessProbe"));
    drop_field("no readiness", format!("{c}/readinessProbe"));
    drop_field("no image", format!("{c}/image"));
    drop_field("no volumes", "spec/volumes".to_string());
    all.push((
        "pod seccomp by annotation",
        Box::new(|pod: &mut Value| {
            remove(pod, "spec/securityContext/seccompProfile");
            set(
                pod,
                "metadata/annotations",
                json!({"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}),
            );
        }),
    ));
    all.push((
        "container seccomp by annotation",
        Box::new(|pod: &mut Value| {
            remove(pod, "spec/securityContext/seccompProfile");
            set(
                pod,
                "metadata/annotations",
                json!({"container.seccomp.security.alpha.kubernetes.io/web": "localhost/p.json", "seccomp.security.alpha.kubernetes.io/pod": "unconfined"}),
            );
        }),
    ));
    all
}

/// The pod as each kind carries it.
fn as_kinds(pod: &Value) -> Vec<(&'static str, Value)> {
    let template = json!({"metadata": pod["metadata"], "spec": pod["spec"]});
    let selector = json!({"matchLabels": {"app": "web"}});
    vec![
        ("Pod", pod.clone()),
        (
            "Deployment",
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
                "spec": {"replicas": 2, "selector": selector, "template": template}}),
        ),
        (
            "CronJob",
            json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "web", "namespace": "shop"},
                "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": template}}}}),
        ),
    ]
}

fn raw_rules() -> Vec<(&'static str, String)> {
    expressed()
        .into_iter()
        .map(|expressed| (expressed.rule, expressed.expression))
        .collect()
}

#[test]
fn every_expressed_rule_agrees_with_its_rust_rule_field_by_field() {
    let policies = Policies::compile(raw_rules());
    let pipeline = pipeline();
    let mutations = mutations();
    let mut objects = Vec::new();
    let base = hardened_pod();
    for (kind, object) in as_kinds(&base) {
        objects.push((format!("hardened {kind}"), object));
    }
    for (name, mutate) in &mutations {
        let mut pod = base.clone();
        mutate(&mut pod);
        for (kind, object) in as_kinds(&pod) {
            objects.push((format!("{name} ({kind})"), object));
        }
    }
    // Two changes at once, as a Pod: interactions (windows and escalation,
    // user namespaces and root, annotations and fields).
    for (i, (first, mutate_first)) in mutations.iter().enumerate() {
        for (second, mutate_second) in &mutations[i + 1..] {
            let mut pod = base.clone();
            mutate_first(&mut pod);
            mutate_second(&mut pod);
            objects.push((format!("{first} + {second}"), pod));
        }
    }
    let mut seen = BTreeMap::new();
    let disagreements = compare(&policies, &pipeline, &objects, &mut seen);
    let verdicts: usize = seen.values().map(|(quiet, fired)| quiet + fired).sum();
    eprintln!("{} objects, {verdicts} verdicts compared", objects.len());
    assert!(
        disagreements.is_empty(),
        "{} disagreement(s):\n{}",
        disagreements.len(),
        disagreements[..disagreements.len().min(40)].join("\n")
    );
    // Every rule was seen both firing and quiet: the comparison could fail.
    for (rule, _) in raw_rules() {
        let (quiet, fired) = seen.get(rule).copied().unwrap_or_default();
        assert!(quiet > 0 && fired > 0, "{rule}: quiet {quiet}, fired {fired}");
    }
    // The hardened objects pass every policy.
    for (kind, object) in as_kinds(&base) {
        for (rule, verdict) in policies.judge(&object) {
            assert_eq!(verdict, Ok(true), "{rule} on the hardened {kind}");
        }
    }
}

/// `value` as the API server hands it to admission: a field set to null is
/// a field not set, and a volume with no source is an emptyDir (the API
/// server's defaulting, `SetDefaults_Volume`).
fn as_admitted(value: &Value) -> Value {
    let mut value = without_nulls(value);
    for pointer in [
        "/spec/volumes",
        "/spec/template/spec/volumes",
        "/spec/jobTemplate/spec/template/spec/volumes",
    ] {
        if let Some(volumes) = value.pointer_mut(pointer).and_then(Value::as_array_mut) {
            for volume in volumes.iter_mut().filter_map(Value::as_object_mut) {
                if volume.len() == 1 && volume.contains_key("name") {
                    volume.insert("emptyDir".to_string(), json!({}));
                }
            }
        }
    }
    value
}

fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// The corpus's workloads the API server would take: the kinds the
/// policies match under their own API group, read without error, with
/// named containers, as the API server admits them.
fn corpus_workloads(root: &Path) -> Vec<(String, Value)> {
    const KINDS: &[(&str, &str)] = &[
        ("Pod", ""),
        ("ReplicationController", ""),
        ("Deployment", "apps"),
        ("ReplicaSet", "apps"),
        ("DaemonSet", "apps"),
        ("StatefulSet", "apps"),
        ("Job", "batch"),
        ("CronJob", "batch"),
    ];
    let mut files = Vec::new();
    let mut stack: Vec<PathBuf> = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml" || ext == "json")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    let options = rampart_k8s::LoadOptions::default();
    let mut objects = Vec::new();
    for file in files {
        let Ok(bytes) = std::fs::read(&file) else { continue };
        let loaded = rampart_k8s::load_bytes(&file.display().to_string(), &bytes, &options);
        for object in loaded.objects {
            let group = object.api_version.rsplit_once('/').map_or("", |(group, _)| group);
            if !KINDS.contains(&(object.kind.as_str(), group)) {
                continue;
            }
            let json = as_admitted(&object.root.to_json());
            let spec = match object.kind.as_str() {
                "Pod" => json.pointer("/spec"),
                "CronJob" => json.pointer("/spec/jobTemplate/spec/template/spec"),
                _ => json.pointer("/spec/template/spec"),
            };
            let named = |list: &str| {
                spec.and_then(|spec| spec.get(list))
                    .and_then(Value::as_array)
                    .is_none_or(|containers| containers.iter().all(|c| c["name"].is_string()))
            };
            let has_containers = spec
                .and_then(|spec| spec.get("containers"))
                .is_some_and(Value::is_array);
            if has_containers
                && ["initContainers", "containers", "ephemeralContainers"]
                    .into_iter()
                    .all(named)
            {
                objects.push((format!("{} {}/{}", file.display(), object.kind, object.name), json));
            }
        }
    }
    objects
}

#[test]
fn every_expressed_rule_agrees_with_its_rust_rule_on_the_corpus() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if !corpus.is_dir() {
        eprintln!("skipped: {} is absent", corpus.display());
        return;
    }
    let objects = corpus_workloads(&corpus);
    assert!(objects.len() > 100, "only {} workloads in the corpus", objects.len());
    let policies = Policies::compile(raw_rules());
    let mut seen = BTreeMap::new();
    let disagreements = compare(&policies, &pipeline(), &objects, &mut seen);
    let verdicts: usize = seen.values().map(|(quiet, fired)| quiet + fired).sum();
    eprintln!("{} corpus workloads, {verdicts} verdicts compared", objects.len());
    assert!(
        disagreements.is_empty(),
        "{} disagreement(s) over {} workloads:\n{}",
        disagreements.len(),
        objects.len(),
        disagreements[..disagreements.len().min(40)].join("\n")
    );
}

#[test]
fn the_generated_policies_honour_waivers_and_the_team_modes() {
    let pipeline = pipeline();
    let mut settings = Settings {
        mode: Mode::Enforce,
        ..Settings::default()
    };
    settings
        .rule_modes
        .push((rampart_core::RuleSelector::parse("read-only-root-fs"), Mode::Audit));
    settings.namespace_modes.insert("legacy".to_string(), Mode::Warn);
    let generated = generate(
        pipeline.manifest_rules(),
        &VapOptions { action: None, settings },
        |meta| meta.severity,
        |meta| meta.id != "no-privileged",
    );
    let text = &generated.yaml;
    assert!(generated.included.contains(&"no-privileged"));
    assert!(
        generated
            .left_out
            .iter()
            .any(|(rule, why)| *rule == "no-automount-sa-token" && why.contains("ServiceAccount")),
        "{:?}",
        generated.left_out
    );
    // Read back with our own loader: every document is an object, and
    // our own scan of them finds nothing.
    let loaded = rampart_k8s::load_bytes("vap.yaml", text.as_bytes(), &rampart_k8s::LoadOptions::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    // A policy, its binding and the legacy namespace's binding per rule;
    // read-only-root-fs has a mode of its own, so no namespace binding.
    assert_eq!(loaded.objects.len(), generated.included.len() * 3 - 1);
    let find = |kind: &str, name: &str| {
        loaded
            .objects
            .iter()
            .find(|object| object.kind == kind && object.name == name)
            .unwrap_or_else(|| panic!("no {kind} {name}"))
            .root
            .to_json()
    };
    // Critical in enforce: Deny; medium in enforce (below high): Warn;
    // a rule set to audit: Audit; the legacy namespace warns.
    let actions = |name: &str| find("ValidatingAdmissionPolicyBinding", name)["spec"]["validationActions"].clone();
    assert_eq!(actions("rampart-no-privileged"), json!(["Deny"]));
    assert_eq!(actions("rampart-capabilities-drop-all"), json!(["Warn"]));
    assert_eq!(actions("rampart-read-only-root-fs"), json!(["Audit"]));
    assert_eq!(actions("rampart-no-privileged-warn"), json!(["Warn"]));
    let default_binding = find("ValidatingAdmissionPolicyBinding", "rampart-no-host-pid");
    assert_eq!(
        default_binding["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"][0]["values"],
        json!(["kube-node-lease", "kube-system", "legacy"])
    );
    // The policy's own expression, read back from the YAML, honours
    // `rampart.dev/ignore` unless the rule is non-waivable.
    let rule_of = |name: &str| {
        let policy = find("ValidatingAdmissionPolicy", name);
        let validation = &policy["spec"]["validations"][0];
        assert!(
            validation["message"]
                .as_str()
                .unwrap()
                .starts_with(name.trim_start_matches("rampart-"))
        );
        validation["expression"].as_str().unwrap().to_string()
    };
    let policies = Policies::compile(vec![
        ("no-host-pid", rule_of("rampart-no-host-pid")),
        ("no-privileged", rule_of("rampart-no-privileged")),
    ]);
    let mut pod = hardened_pod();
    set(&mut pod, "spec/hostPID", json!(true));
    set(&mut pod, "spec/containers/0/securityContext/privileged", json!(true));
    let verdicts = policies.judge(&pod);
    assert_eq!(verdicts["no-host-pid"], Ok(false));
    set(
        &mut pod,
        "metadata/annotations",
        json!({"rampart.dev/ignore": "no-host-pid, no-privileged", "rampart.dev/ignore-reason": "node agent"}),
    );
    let verdicts = policies.judge(&pod);
    assert_eq!(verdicts["no-host-pid"], Ok(true));
    // no-privileged was made non-waivable.
    assert_eq!(verdicts["no-privileged"], Ok(false));
    // On a Deployment, the pod template's annotation waives too.
    let deployment = &as_kinds(&pod)[1].1;
    assert_eq!(policies.judge(deployment)["no-host-pid"], Ok(true));
    // The Rust pipeline agrees on the waiver.
    let report = pipeline
        .scan_object("waived.json", &serde_json::to_vec(&pod).unwrap())
        .report;
    assert!(
        report
            .findings
            .iter()
            .any(|finding| finding.rule.as_ref() == "no-host-pid" && finding.suppressed)
    );
}

#[test]
fn every_expressed_rule_agrees_with_its_rust_rule_on_the_examples() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let objects = corpus_workloads(&examples);
    assert!(objects.len() >= 5, "only {} workloads in examples/", objects.len());
    let policies = Policies::compile(raw_rules());
    let mut seen = BTreeMap::new();
    let disagreements = compare(&policies, &pipeline(), &objects, &mut seen);
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    // The hardened example passes every policy; the insecure one does not.
    for (name, object) in &objects {
        let failing: Vec<&str> = policies
            .judge(object)
            .into_iter()
            .filter(|(_, verdict)| *verdict != Ok(true))
            .map(|(rule, _)| rule)
            .collect();
        if name.contains("/hardened/") {
            assert!(failing.is_empty(), "{name}: {failing:?}");
        }
    }
    assert!(objects.iter().any(|(name, object)| name.contains("/insecure/")
        && policies.judge(object).values().any(|verdict| *verdict == Ok(false))));
}
