//! `rampart admission vap`: the rules CEL can express, as
//! `ValidatingAdmissionPolicy` and `ValidatingAdmissionPolicyBinding`
//! objects (`admissionregistration.k8s.io/v1`, GA in Kubernetes 1.30), so a
//! cluster can enforce them with no webhook running.
//!
//! One policy per rule, so that each binding carries the action the
//! team's `[admission]` modes give that rule (enforce at or above
//! `fail-on`: `Deny`; below it, and warn: `Warn`; audit: `Audit`), and
//! namespaces with a mode of their own get a binding of their own. Each
//! validation's message starts with the rule id.
//!
//! The expressions must say exactly what the Rust rules say: the parity
//! tests evaluate them with the Kubernetes CEL libraries over every object
//! the rules' fixtures and the corpus hold. A rule CEL cannot express
//! exactly (it needs other objects, rampart.toml's lists, or has not been
//! translated) is left out and listed with why.
//!
//! Differences from the webhook, said in the output's header: the
//! exceptions file is not read (an exception is dated; a VAP is not), only
//! our own `rampart.dev/ignore` waiver is honoured (on the object or its
//! pod template; not per container, not the peers' annotations), and an
//! UPDATE is judged like a CREATE (no allowance for a violation the old
//! object already had).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use rampart_core::{RuleMeta, Severity};
use rampart_k8s::rules::vocabulary as lists;

use crate::decide::{Mode, Settings};

/// A rule's CEL: true when the object passes.
#[derive(Debug, Clone)]
pub struct Expressed {
    pub rule: &'static str,
    pub expression: String,
}

/// The variables every policy declares, in order (each may use the ones
/// before it): the pod spec and metadata whatever the kind, the containers,
/// the pod's security context, and the waivers.
pub fn variables() -> Vec<(&'static str, String)> {
    let template = |field: &str| {
        format!(
            "object.kind == 'Pod' ? object.{field} : (object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.{field} : object.spec.template.{field})"
        )
    };
    let metadata = "object.kind == 'Pod' ? object.metadata : (object.kind == 'CronJob' ? (has(object.spec.jobTemplate.spec.template.metadata) ? object.spec.jobTemplate.spec.template.metadata : {}) : (has(object.spec.template.metadata) ? object.spec.template.metadata : {}))";
    let optional = |list: &str| format!("(has(variables.spec.{list}) ? variables.spec.{list} : [])");
    let waivers_in = |annotations: &str| {
        format!(
            "('{ignore}' in {annotations} ? {annotations}['{ignore}'].replace(' ', ',').split(',').map(w, w.trim()) : [])",
            ignore = rampart_k8s::waivers::IGNORE
        )
    };
    vec![
        ("spec", template("spec")),
        ("metadata", metadata.to_string()),
        (
            "annotations",
            "has(variables.metadata.annotations) ? variables.metadata.annotations : {}".to_string(),
        ),
        (
            "containers",
            format!(
                "{} + variables.spec.containers + {}",
                optional("initContainers"),
                optional("ephemeralContainers")
            ),
        ),
        (
            "runningContainers",
            format!("{} + variables.spec.containers", optional("initContainers")),
        ),
        (
            "podSecurity",
            "has(variables.spec.securityContext) ? variables.spec.securityContext : {}".to_string(),
        ),
        (
            "windows",
            "has(variables.spec.os) && has(variables.spec.os.name) && variables.spec.os.name == 'windows'".to_string(),
        ),
        (
            "userNamespace",
            "has(variables.spec.hostUsers) && variables.spec.hostUsers == false".to_string(),
        ),
        (
            "waived",
            format!(
                "{} + {}",
                waivers_in("(has(object.metadata.annotations) ? object.metadata.annotations : {})"),
                waivers_in("variables.annotations")
            ),
        ),
    ]
}

/// A CEL list literal of strings.
fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("'{item}'")).collect();
    format!("[{}]", quoted.join(", "))
}

/// `has()` down a dotted path from `root`: `has(c.a) && has(c.a.b)`.
fn has_path(root: &str, path: &str) -> String {
    let mut out = Vec::new();
    let mut at = root.to_string();
    for part in path.split('.') {
        at = format!("{at}.{part}");
        out.push(format!("has({at})"));
    }
    out.join(" && ")
}

/// `root.path == value`, false when any step is missing.
fn equals(root: &str, path: &str, value: &str) -> String {
    format!("({} && {root}.{path} == {value})", has_path(root, path))
}

/// Text matched literally by an RE2 pattern inside a CEL string: a
/// metacharacter goes in a class (`[.]`), which needs no backslash (CEL
/// would read one as its own escape).
fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\\' | '^' | ']' => format!("\\\\{c}"),
            c if ".+*?()|[{}$".contains(c) => format!("[{c}]"),
            c => c.to_string(),
        })
        .collect()
}

/// Whether a host path is one that hands over the node, as
/// `sensitive_host_path` decides it (trailing slashes ignored; exactly or
/// below; CA bundles and the syslog socket are ordinary).
fn sensitive(path: &str) -> String {
    let alternatives = |items: &mut dyn Iterator<Item = &str>| items.map(escape).collect::<Vec<_>>().join("|");
    let sockets = alternatives(&mut lists::RUNTIME_SOCKETS.iter().copied());
    let ordinary = alternatives(&mut lists::ORDINARY_HOST_PATHS.iter().copied());
    let paths = alternatives(&mut lists::SENSITIVE_HOST_PATHS.iter().map(|(path, _)| *path));
    format!(
        "({path}.matches('^.*({sockets})/*$') || {path}.matches('^/*$') || (!{path}.matches('^({ordinary})(/.*)?$') && {path}.matches('^({paths})(/.*)?$')))"
    )
}

/// A capability name as runtimes read it: trimmed, upper case, no `CAP_`.
fn capability(name: &str) -> String {
    let upper = format!("{name}.trim().upperAscii()");
    format!("({upper}.startsWith('CAP_') ? {upper}.substring(4) : {upper})")
}

/// Whether some container adds a capability for which `test` (over `x`) holds.
fn adds(test: impl Fn(&str) -> String) -> String {
    format!(
        "variables.containers.exists(c, {} && c.securityContext.capabilities.add.exists(n, {}))",
        has_path("c", "securityContext.capabilities.add"),
        test(&capability("n"))
    )
}

/// A security field set to `value` on the pod or any container.
fn pod_or_container(path: &str, value: &str) -> String {
    format!(
        "{} || variables.containers.exists(c, {})",
        equals("variables.podSecurity", path, value),
        equals("c", &format!("securityContext.{path}"), value)
    )
}

/// An SELinux options object that the baseline allows.
fn selinux_allowed(options: &str) -> String {
    format!(
        "!(has({options}.type) && {options}.type != '' && !({options}.type in {types})) && !(has({options}.user) && {options}.user != '') && !(has({options}.role) && {options}.role != '')",
        types = list(lists::SELINUX_TYPES)
    )
}

/// Every rule CEL expresses exactly, with its expression.
pub fn expressed() -> Vec<Expressed> {
    let rule = |rule: &'static str, expression: String| Expressed { rule, expression };
    let seccomp_types = list(&["RuntimeDefault", "Localhost", "Unconfined"]);
    let seccomp_annotation_ok = |value: &str| {
        format!("({value} == 'runtime/default' || {value} == 'docker/default' || {value}.startsWith('localhost/'))")
    };
    let container_seccomp = "'container.seccomp.security.alpha.kubernetes.io/' + c.name";
    let pod_seccomp = "'seccomp.security.alpha.kubernetes.io/pod'";
    let apparmor_types = list(&["RuntimeDefault", "Localhost"]);
    let image = "c.image.trim()";
    let has_image = format!("has(c.image) && {image} != ''");
    vec![
        rule(
            "no-privileged",
            format!(
                "!variables.containers.exists(c, {})",
                equals("c", "securityContext.privileged", "true")
            ),
        ),
        rule("no-host-pid", format!("!{}", equals("variables.spec", "hostPID", "true"))),
        rule("no-host-ipc", format!("!{}", equals("variables.spec", "hostIPC", "true"))),
        rule(
            "no-host-network",
            format!("!{}", equals("variables.spec", "hostNetwork", "true")),
        ),
        rule(
            "no-host-port",
            "!variables.containers.exists(c, has(c.ports) && c.ports.exists(p, has(p.hostPort) && p.hostPort != 0))"
                .to_string(),
        ),
        rule(
            "no-privilege-escalation",
            format!(
                "variables.windows || variables.containers.all(c, {})",
                equals("c", "securityContext.allowPrivilegeEscalation", "false")
            ),
        ),
        rule(
            "read-only-root-fs",
            format!(
                "variables.containers.all(c, {})",
                equals("c", "securityContext.readOnlyRootFilesystem", "true")
            ),
        ),
        rule(
            "no-dangerous-capabilities",
            format!(
                "!{}",
                adds(|x| format!("{x} in {}", list(lists::DANGEROUS_CAPABILITIES)))
            ),
        ),
        rule(
            "capabilities-add-baseline",
            format!(
                "!{}",
                adds(|x| format!(
                    "!({x} in {}) && !({x} in {})",
                    list(lists::BASELINE_CAPABILITIES),
                    list(lists::DANGEROUS_CAPABILITIES)
                ))
            ),
        ),
        rule(
            "capabilities-add-restricted",
            format!(
                "variables.windows || !{}",
                adds(|x| format!(
                    "{x} != 'NET_BIND_SERVICE' && {x} in {}",
                    list(lists::BASELINE_CAPABILITIES)
                ))
            ),
        ),
        rule(
            "capabilities-drop-all",
            format!(
                "variables.windows || variables.containers.all(c, {} && 'ALL' in c.securityContext.capabilities.drop)",
                has_path("c", "securityContext.capabilities.drop")
            ),
        ),
        rule(
            "run-as-user-not-zero",
            format!("variables.userNamespace || !({})", pod_or_container("runAsUser", "0")),
        ),
        rule(
            "run-as-non-root",
            format!(
                "variables.userNamespace || variables.containers.all(c, {} ? c.securityContext.runAsNonRoot == true : {})",
                has_path("c", "securityContext.runAsNonRoot"),
                equals("variables.podSecurity", "runAsNonRoot", "true")
            ),
        ),
        rule(
            "seccomp-not-unconfined",
            format!(
                "!({}) && !variables.annotations.exists(k, (k == {pod_seccomp} || k.startsWith('container.seccomp.security.alpha.kubernetes.io/')) && variables.annotations[k] == 'unconfined')",
                pod_or_container("seccompProfile.type", "'Unconfined'")
            ),
        ),
        rule(
            "seccomp-required",
            format!(
                "variables.windows || variables.containers.all(c, {} ? c.securityContext.seccompProfile.type in {seccomp_types} : ({} ? variables.podSecurity.seccompProfile.type in {seccomp_types} : (({container_seccomp}) in variables.annotations ? {} : ({pod_seccomp} in variables.annotations && {}))))",
                has_path("c", "securityContext.seccompProfile.type"),
                has_path("variables.podSecurity", "seccompProfile.type"),
                seccomp_annotation_ok(&format!("variables.annotations[{container_seccomp}]")),
                seccomp_annotation_ok(&format!("variables.annotations[{pod_seccomp}]")),
            ),
        ),
        rule(
            "no-windows-host-process",
            format!("!({})", pod_or_container("windowsOptions.hostProcess", "true")),
        ),
        rule(
            "proc-mount-default",
            format!(
                "!variables.containers.exists(c, {} && c.securityContext.procMount != 'Default')",
                has_path("c", "securityContext.procMount")
            ),
        ),
        rule(
            "sysctls-safe",
            format!(
                "!has(variables.podSecurity.sysctls) || variables.podSecurity.sysctls.all(s, !has(s.name) || s.name.replace('/', '.') in {})",
                list(lists::SAFE_SYSCTLS)
            ),
        ),
        rule(
            "restricted-volume-types",
            // A volume has exactly one source: naming the allowed ones
            // says the same as refusing every other, and a volume is an
            // object to Kubernetes' CEL, whose fields cannot be iterated.
            format!(
                "!has(variables.spec.volumes) || variables.spec.volumes.all(v, {})",
                std::iter::once("hostPath")
                    .chain(lists::RESTRICTED_VOLUME_TYPES.iter().copied())
                    .map(|source| format!("has(v.{source})"))
                    .collect::<Vec<_>>()
                    .join(" || ")
            ),
        ),
        rule(
            "no-host-path",
            format!(
                "!has(variables.spec.volumes) || variables.spec.volumes.all(v, !has(v.hostPath) || {})",
                sensitive("(has(v.hostPath.path) ? v.hostPath.path : '')")
            ),
        ),
        rule(
            "no-sensitive-host-path",
            format!(
                "!has(variables.spec.volumes) || variables.spec.volumes.all(v, !has(v.hostPath) || !has(v.hostPath.path) || !{})",
                sensitive("v.hostPath.path")
            ),
        ),
        rule(
            "apparmor-not-unconfined",
            format!(
                "!({} && !(variables.podSecurity.appArmorProfile.type in {apparmor_types})) && variables.containers.all(c, !({} && !(c.securityContext.appArmorProfile.type in {apparmor_types}))) && variables.annotations.all(k, !k.startsWith('{prefix}') || variables.annotations[k] == '' || variables.annotations[k] == 'runtime/default' || variables.annotations[k].startsWith('localhost/'))",
                has_path("variables.podSecurity", "appArmorProfile.type"),
                has_path("c", "securityContext.appArmorProfile.type"),
                prefix = lists::APPARMOR_ANNOTATION_PREFIX
            ),
        ),
        rule(
            "selinux-options-restricted",
            format!(
                "(!has(variables.podSecurity.seLinuxOptions) || ({})) && variables.containers.all(c, !({}) || ({}))",
                selinux_allowed("variables.podSecurity.seLinuxOptions"),
                has_path("c", "securityContext.seLinuxOptions"),
                selinux_allowed("c.securityContext.seLinuxOptions")
            ),
        ),
        rule(
            "image-tag-not-latest",
            format!(
                "variables.containers.all(c, !({has_image}) || ({image}.indexOf('@') >= 0 && {image}.indexOf('@') < size({image}) - 1) || ({image}.split('@')[0].matches(':[^/:]+$') && !{image}.split('@')[0].endsWith(':latest')))"
            ),
        ),
        rule(
            "image-digest-pinned",
            format!("variables.containers.all(c, !({has_image}) || {image}.matches('^[^@]*@[^:]+:[0-9A-Fa-f]{{32,}}$'))"),
        ),
        rule(
            "resource-limits-set",
            "variables.runningContainers.all(c, has(c.resources) && has(c.resources.limits) && 'cpu' in c.resources.limits && 'memory' in c.resources.limits)".to_string(),
        ),
        rule(
            "resource-requests-set",
            "variables.runningContainers.all(c, ['cpu', 'memory'].all(r, has(c.resources) && ((has(c.resources.requests) && r in c.resources.requests) || (has(c.resources.limits) && r in c.resources.limits))))".to_string(),
        ),
        rule(
            "liveness-probe-set",
            "object.kind in ['Job', 'CronJob'] || variables.spec.containers.all(c, has(c.livenessProbe))".to_string(),
        ),
        rule(
            "readiness-probe-set",
            "object.kind in ['Job', 'CronJob'] || variables.spec.containers.all(c, has(c.readinessProbe))".to_string(),
        ),
    ]
}

/// Why a pod rule has no policy.
fn left_out_because(rule: &str) -> &'static str {
    match rule {
        "no-automount-sa-token" => "needs the ServiceAccount object (automount may be off there)",
        "workload-network-policy" | "workload-violates-namespace-pss" => "needs other objects of the namespace",
        "image-registry-allowed" => "reads rampart.toml's allowed registries; not translated yet",
        "image-blocked" => {
            "reads rampart.toml's blocked images: rampart respond plan vulnerable-image writes a policy for each block"
        }
        "unchecked-pod-template" => "judges custom resources by rampart.toml's workload kinds",
        _ => "not translated to CEL yet; the webhook judges it",
    }
}

/// The API resources the policies match: the kinds whose pod template the
/// variables know.
const MATCHED: &[(&str, &[&str])] = &[
    ("", &["pods", "replicationcontrollers"]),
    ("apps", &["deployments", "replicasets", "daemonsets", "statefulsets"]),
    ("batch", &["jobs", "cronjobs"]),
];

/// What `rampart admission vap` writes, and what it left out.
#[derive(Debug, Clone)]
pub struct Generated {
    pub yaml: String,
    pub included: Vec<&'static str>,
    pub left_out: Vec<(&'static str, &'static str)>,
}

/// How the bindings act.
#[derive(Debug, Clone)]
pub struct VapOptions {
    /// One action for every binding (`Deny`, `Warn` or `Audit`), instead
    /// of the modes the settings give.
    pub action: Option<&'static str>,
    pub settings: Settings,
}

/// The binding action for a rule in `mode`.
fn action_for(mode: Mode, severity: Severity, fail_on: Severity) -> &'static str {
    match mode {
        Mode::Enforce if severity >= fail_on => "Deny",
        Mode::Enforce | Mode::Warn => "Warn",
        Mode::Audit => "Audit",
    }
}

/// Policies and bindings for the pod rules among `rules` that CEL
/// expresses; `severity_of` gives a rule's severity as rampart.toml sets
/// it, `waivable` whether its waivers count.
pub fn generate(
    rules: &[&'static rampart_k8s::Rule],
    options: &VapOptions,
    severity_of: impl Fn(&RuleMeta) -> Severity,
    waivable: impl Fn(&RuleMeta) -> bool,
) -> Generated {
    let expressions: BTreeMap<&str, String> = expressed()
        .into_iter()
        .map(|expressed| (expressed.rule, expressed.expression))
        .collect();
    let mut yaml = String::new();
    let mut included = Vec::new();
    let mut left_out = Vec::new();
    let mut documents = String::new();
    for rule in rules {
        if !matches!(rule.check, rampart_k8s::rules::Check::Pod(_)) {
            continue;
        }
        let meta = &rule.meta;
        let Some(expression) = expressions.get(meta.id) else {
            left_out.push((meta.id, left_out_because(meta.id)));
            continue;
        };
        included.push(meta.id);
        let expression = if waivable(meta) {
            format!(
                "variables.waived.exists(w, w in ['{}', '*', 'all']) || ({expression})",
                meta.id
            )
        } else {
            expression.clone()
        };
        let severity = severity_of(meta);
        policy(&mut documents, meta, severity, &expression);
        bindings(&mut documents, meta, severity, options);
    }
    let _ = writeln!(
        yaml,
        "# ValidatingAdmissionPolicies generated by `rampart admission vap` (admissionregistration.k8s.io/v1, Kubernetes 1.30+)."
    );
    let _ = writeln!(yaml, "# {} rule(s) as CEL: {}.", included.len(), included.join(", "));
    if !left_out.is_empty() {
        let _ = writeln!(yaml, "# Left out (the webhook judges them):");
        for (rule, why) in &left_out {
            let _ = writeln!(yaml, "#   {rule}: {why}");
        }
    }
    let _ = writeln!(
        yaml,
        "# Unlike the webhook: no exceptions file, only `{}` waivers (object or pod template), UPDATEs judged like CREATEs.",
        rampart_k8s::waivers::IGNORE
    );
    yaml.push_str(&documents);
    Generated {
        yaml,
        included,
        left_out,
    }
}

/// A string as a YAML scalar (JSON's quoting is valid YAML).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

fn policy(out: &mut String, meta: &RuleMeta, severity: Severity, expression: &str) {
    let _ = writeln!(out, "---");
    let _ = writeln!(out, "apiVersion: admissionregistration.k8s.io/v1");
    let _ = writeln!(out, "kind: ValidatingAdmissionPolicy");
    let _ = writeln!(out, "metadata:");
    let _ = writeln!(out, "  name: rampart-{}", meta.id);
    let _ = writeln!(out, "  labels:");
    let _ = writeln!(out, "    app.kubernetes.io/managed-by: rampart");
    let _ = writeln!(out, "  annotations:");
    let _ = writeln!(out, "    rampart.dev/rule: {}", meta.id);
    let _ = writeln!(out, "    rampart.dev/severity: {severity}");
    let _ = writeln!(out, "spec:");
    // Fail-open, as the webhook: a policy that cannot be evaluated must
    // not stop the cluster.
    let _ = writeln!(out, "  failurePolicy: Ignore");
    let _ = writeln!(out, "  matchConstraints:");
    let _ = writeln!(out, "    resourceRules:");
    for (group, resources) in MATCHED {
        let _ = writeln!(out, "      - apiGroups: [{}]", quoted(group));
        let _ = writeln!(out, "        apiVersions: [\"*\"]");
        let _ = writeln!(out, "        operations: [CREATE, UPDATE]");
        let _ = writeln!(out, "        resources: [{}]", resources.join(", "));
    }
    let _ = writeln!(out, "  variables:");
    for (name, variable) in variables() {
        let _ = writeln!(out, "    - name: {name}");
        let _ = writeln!(out, "      expression: {}", quoted(&variable));
    }
    let _ = writeln!(out, "  validations:");
    let _ = writeln!(out, "    - expression: {}", quoted(expression));
    let _ = writeln!(
        out,
        "      message: {}",
        quoted(&format!("{}: {}. Fix: {}", meta.id, meta.title, meta.fix))
    );
    let _ = writeln!(out, "      reason: Forbidden");
}

fn bindings(out: &mut String, meta: &RuleMeta, severity: Severity, options: &VapOptions) {
    let settings = &options.settings;
    let exempt: BTreeSet<&str> = settings.exempt_namespaces.iter().map(String::as_str).collect();
    let mut binding = |name: String, action: &str, operator: &str, namespaces: &BTreeSet<&str>| {
        let _ = writeln!(out, "---");
        let _ = writeln!(out, "apiVersion: admissionregistration.k8s.io/v1");
        let _ = writeln!(out, "kind: ValidatingAdmissionPolicyBinding");
        let _ = writeln!(out, "metadata:");
        let _ = writeln!(out, "  name: {name}");
        let _ = writeln!(out, "  labels:");
        let _ = writeln!(out, "    app.kubernetes.io/managed-by: rampart");
        let _ = writeln!(out, "spec:");
        let _ = writeln!(out, "  policyName: rampart-{}", meta.id);
        let _ = writeln!(out, "  validationActions: [{action}]");
        if !namespaces.is_empty() {
            let _ = writeln!(out, "  matchResources:");
            let _ = writeln!(out, "    namespaceSelector:");
            let _ = writeln!(out, "      matchExpressions:");
            let _ = writeln!(out, "        - key: kubernetes.io/metadata.name");
            let _ = writeln!(out, "          operator: {operator}");
            let list: Vec<String> = namespaces.iter().map(|namespace| quoted(namespace)).collect();
            let _ = writeln!(out, "          values: [{}]", list.join(", "));
        }
    };
    let base = format!("rampart-{}", meta.id);
    if let Some(action) = options.action {
        binding(base, action, "NotIn", &exempt);
        return;
    }
    let action = |mode| action_for(mode, severity, settings.fail_on);
    if let Some(mode) = settings.rule_mode(meta.id, meta.controls, severity) {
        binding(base, action(mode), "NotIn", &exempt);
        return;
    }
    // Namespaces with a mode of their own leave the default binding for
    // one of theirs.
    let mut by_mode: BTreeMap<&'static str, BTreeSet<&str>> = BTreeMap::new();
    for (namespace, mode) in &settings.namespace_modes {
        if !exempt.contains(namespace.as_str()) {
            by_mode.entry(mode.as_str()).or_default().insert(namespace);
        }
    }
    let mut outside = exempt.clone();
    outside.extend(by_mode.values().flatten());
    binding(base.clone(), action(settings.mode), "NotIn", &outside);
    for (mode, namespaces) in &by_mode {
        let mode: Mode = mode.parse().unwrap_or(settings.mode);
        binding(format!("{base}-{}", mode.as_str()), action(mode), "In", namespaces);
    }
}
