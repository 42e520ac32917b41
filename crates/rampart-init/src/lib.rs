//! `rampart init`: secure defaults written for a team instead of findings about their
//! absence. Each module is a Kustomize base (`base/`) with `dev` and `prod` overlays, or one
//! YAML stream: a namespace under the restricted Pod Security profile with a quota, a
//! default-deny NetworkPolicy and DNS egress; a dedicated ServiceAccount without an API
//! token; the workload with the full restricted security context, probes, requests and
//! limits, a digest-pinned image and a writable `/tmp` on a read-only root; and what the kind
//! needs besides: a Service, a PodDisruptionBudget, the one ingress allow (web: from the
//! ingress controller's namespace; an internal API: from its named clients), an Ingress with
//! TLS for the web. Everything here passes Rampart's own scan with no finding under the
//! `all` profile (tested, with several inputs, in `tests/init.rs` of the CLI).

use std::fmt::Write as _;

mod terraform;

pub use terraform::{PROVIDERS, render_terraform};

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An HTTP service reached through the ingress controller.
    Web,
    /// A long-running process nothing calls.
    Worker,
    /// A scheduled job.
    CronJob,
    /// An HTTP service for named client apps of the namespace.
    InternalApi,
    /// A namespace for a team: labelled, with a quota, default-deny, DNS, and the team's role.
    Namespace,
    /// The CI gate for a repository: `github` or `gitlab` (the module's name).
    Ci,
}

impl Kind {
    pub fn parse(word: &str) -> Option<Kind> {
        Some(match word {
            "web" => Kind::Web,
            "worker" => Kind::Worker,
            "cronjob" => Kind::CronJob,
            "internal-api" => Kind::InternalApi,
            "namespace" => Kind::Namespace,
            "ci" => Kind::Ci,
            _ => return None,
        })
    }
}

/// The module's inputs.
#[derive(Debug, Clone)]
pub struct Module {
    pub kind: Kind,
    pub name: String,
    /// The namespace [default: the name].
    pub namespace: Option<String>,
    /// The image; without a digest a placeholder digest is written, which the scan flags.
    pub image: Option<String>,
    pub port: u16,
    /// The web host (for the Ingress and its certificate).
    pub host: Option<String>,
    pub schedule: String,
    /// The apps (their `app` labels) allowed to call an internal API.
    pub clients: Vec<String>,
    /// The owning team (the namespace's role binding, the `rampart.dev/owner` annotations).
    pub owner: String,
    /// The namespace the ingress controller runs in.
    pub ingress_namespace: String,
    /// `YYYY-MM-DD`: when the team's role binding must be reviewed.
    pub review_by: String,
}

/// A written file: its path under the output folder, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: String,
    pub text: String,
}

/// The placeholder digest of an image given without one: not a digest, so the scan reports
/// it (`image-digest-pinned`) until `rampart fix --pin-digests` writes the real one.
pub const PLACEHOLDER_DIGEST: &str = "sha256:PIN-ME-rampart-fix-pin-digests";

/// Why the inputs cannot make a module.
pub fn check(module: &Module) -> Result<(), String> {
    let dns_label = |text: &str| {
        !text.is_empty()
            && text.len() <= 63
            && text
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
            && !text.starts_with('-')
            && !text.ends_with('-')
    };
    if !dns_label(&module.name) {
        return Err(format!(
            "{:?} is not a DNS label (lowercase letters, digits, '-')",
            module.name
        ));
    }
    if let Some(namespace) = &module.namespace
        && !dns_label(namespace)
    {
        return Err(format!("namespace {namespace:?} is not a DNS label"));
    }
    if module.kind == Kind::Ci {
        return match module.name.as_str() {
            "github" | "gitlab" => Ok(()),
            other => Err(format!("no CI recipe for {other:?}: github or gitlab")),
        };
    }
    if module.kind != Kind::Namespace && module.image.is_none() {
        return Err("--image is required: the image the workload runs".to_string());
    }
    if module.kind == Kind::Web && module.host.is_none() {
        return Err("--host is required for a web app: the name its Ingress serves".to_string());
    }
    if let Some(client) = module.clients.iter().find(|client| !dns_label(client)) {
        return Err(format!("client {client:?} is not an app label"));
    }
    Ok(())
}

impl Module {
    fn namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or(&self.name)
    }

    /// The image pinned by digest (the placeholder when it names none).
    fn image(&self) -> String {
        let image = self.image.clone().unwrap_or_default();
        if image.contains("@sha256:") {
            image
        } else {
            format!("{image}@{PLACEHOLDER_DIGEST}")
        }
    }

    fn serves(&self) -> bool {
        matches!(self.kind, Kind::Web | Kind::InternalApi)
    }
}

/// The namespace's own objects: labelled restricted, a quota, default-deny, DNS egress.
fn namespace_objects(module: &Module, out: &mut String) {
    let namespace = module.namespace();
    let owner = &module.owner;
    let _ = write!(
        out,
        r#"# The namespace: Pod Security Admission enforces the restricted profile.
apiVersion: v1
kind: Namespace
metadata:
  name: {namespace}
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/audit: restricted
    pod-security.kubernetes.io/warn: restricted
  annotations:
    rampart.dev/owner: {owner}
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: {namespace}
  namespace: {namespace}
spec:
  hard:
    requests.cpu: "4"
    requests.memory: 8Gi
    limits.cpu: "8"
    limits.memory: 16Gi
---
# Nothing reaches or leaves a pod of the namespace unless a policy allows it.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: {namespace}
spec:
  podSelector: {{}}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-dns
  namespace: {namespace}
spec:
  podSelector: {{}}
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: kube-system
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - {{protocol: UDP, port: 53}}
        - {{protocol: TCP, port: 53}}
"#
    );
}

/// The team's role in its namespace: to see its workloads, their pods, logs and events;
/// changes go through the deployment pipeline's own identity, owned and reviewed apart
/// (a role that writes workloads can run anything as any account of the namespace).
/// Owned, and dated for review.
fn team_role(module: &Module, out: &mut String) {
    let namespace = module.namespace();
    let owner = &module.owner;
    let review_by = &module.review_by;
    let _ = write!(
        out,
        r#"---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {owner}-viewer
  namespace: {namespace}
  annotations:
    rampart.dev/owner: {owner}
    rampart.dev/review-by: "{review_by}"
rules:
  - apiGroups: ["apps", "batch"]
    resources: [deployments, statefulsets, replicasets, jobs, cronjobs]
    verbs: [get, list, watch]
  - apiGroups: [""]
    resources: [pods, pods/log, services, configmaps, events]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {owner}-viewer
  namespace: {namespace}
  annotations:
    rampart.dev/owner: {owner}
    rampart.dev/review-by: "{review_by}"
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {owner}-viewer
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: Group
    name: {owner}
"#
    );
}

/// The pod template's spec, indented by `indent` spaces.
fn pod_spec(module: &Module, indent: usize, restart: Option<&str>) -> String {
    let name = &module.name;
    let image = module.image();
    let port = module.port;
    let mut spec = format!(
        r#"serviceAccountName: {name}
automountServiceAccountToken: false
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  fsGroup: 10001
  seccompProfile:
    type: RuntimeDefault
"#
    );
    if let Some(restart) = restart {
        let _ = writeln!(spec, "restartPolicy: {restart}");
    }
    let _ = write!(
        spec,
        r#"containers:
  - name: {name}
    image: {image}
"#
    );
    if module.serves() {
        let _ = write!(
            spec,
            r#"    ports:
      - name: http
        containerPort: {port}
"#
        );
    }
    // Logs go to stdout as JSON lines, which the cluster's collector reads.
    let _ = write!(
        spec,
        r#"    env:
      - name: LOG_FORMAT
        value: json
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities:
        drop: ["ALL"]
    resources:
      requests: {{cpu: 100m, memory: 128Mi}}
      limits: {{cpu: 500m, memory: 256Mi}}
"#
    );
    if module.serves() {
        let _ = write!(
            spec,
            r#"    livenessProbe:
      httpGet: {{path: /healthz, port: http}}
      periodSeconds: 10
    readinessProbe:
      httpGet: {{path: /ready, port: http}}
      periodSeconds: 5
"#
        );
    } else if module.kind == Kind::Worker {
        let _ = write!(
            spec,
            r#"    # A worker serves no port: replace these with a command that fails when it is
    # stuck (the age of a heartbeat file it touches, say).
    livenessProbe:
      exec: {{command: ["/bin/true"]}}
      periodSeconds: 30
    readinessProbe:
      exec: {{command: ["/bin/true"]}}
      periodSeconds: 30
"#
        );
    }
    let _ = write!(
        spec,
        r#"    volumeMounts:
      - name: tmp
        mountPath: /tmp
volumes:
  - name: tmp
    emptyDir: {{sizeLimit: 64Mi}}
"#
    );
    let pad = " ".repeat(indent);
    spec.lines().map(|line| format!("{pad}{line}\n")).collect()
}

/// The workload and what it needs: its account, the workload, and per kind the Service,
/// the disruption budget, the ingress allow and the Ingress.
fn workload_objects(module: &Module, out: &mut String) {
    let name = &module.name;
    let namespace = module.namespace();
    let _ = write!(
        out,
        r#"# {name}: its own service account, without an API token.
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {name}
  namespace: {namespace}
automountServiceAccountToken: false
---
"#
    );
    match module.kind {
        Kind::CronJob => {
            let schedule = &module.schedule;
            let _ = write!(
                out,
                r#"apiVersion: batch/v1
kind: CronJob
metadata:
  name: {name}
  namespace: {namespace}
  labels: {{app: {name}}}
spec:
  schedule: "{schedule}"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      backoffLimit: 2
      template:
        metadata:
          labels: {{app: {name}}}
        spec:
{}"#,
                pod_spec(module, 10, Some("OnFailure"))
            );
        }
        _ => {
            let _ = write!(
                out,
                r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
  labels: {{app: {name}}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
{}---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {name}
  namespace: {namespace}
spec:
  minAvailable: 1
  selector:
    matchLabels: {{app: {name}}}
"#,
                pod_spec(module, 6, None)
            );
        }
    }
    if module.serves() {
        let port = module.port;
        let _ = write!(
            out,
            r#"---
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {namespace}
spec:
  selector: {{app: {name}}}
  ports:
    - name: http
      port: 80
      targetPort: http
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {name}
  namespace: {namespace}
spec:
  podSelector:
    matchLabels: {{app: {name}}}
  policyTypes: [Ingress]
  ingress:
    - from:
"#
        );
        if module.kind == Kind::Web {
            let _ = write!(
                out,
                r#"        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {}
"#,
                module.ingress_namespace
            );
        } else {
            for client in &module.clients {
                let _ = write!(
                    out,
                    "        - podSelector:\n            matchLabels: {{app: {client}}}\n"
                );
            }
            if module.clients.is_empty() {
                // No client named yet: only the API's own pods, until one is.
                let _ = writeln!(out, "        - podSelector:\n            matchLabels: {{app: {name}}}");
            }
        }
        let _ = writeln!(out, "      ports: [{{protocol: TCP, port: {port}}}]");
    }
    if module.kind == Kind::Web {
        let host = module.host.as_deref().unwrap_or_default();
        let _ = write!(
            out,
            r#"---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {name}
  namespace: {namespace}
spec:
  tls:
    - hosts: [{host}]
      secretName: {name}-tls
  rules:
    - host: {host}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {name}
                port: {{name: http}}
"#
        );
    }
}

/// The CI gate's files for `provider` (github or gitlab): `rampart ci` as the README
/// documents it, with SARIF or JUnit for the platform, an HTML report, and a signed
/// evidence bundle kept as an artifact.
pub fn render_ci(provider: &str) -> Vec<File> {
    let install = "cargo install --locked --git https://example.invalid/rampart rampart   # replace with where your team gets rampart";
    match provider {
        "github" => vec![File {
            path: ".github/workflows/rampart.yml".to_string(),
            text: format!(
                r#"# The Rampart gate: secrets, manifests, Terraform and Dockerfiles on every push and
# pull request; code-scanning alerts, a summary on the run, signed evidence kept.
# Pin the actions by commit SHA once you have reviewed them.
name: rampart
on:
  pull_request:
  push:
    branches: [main]
permissions:
  contents: read
  security-events: write
jobs:
  gate:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0          # the history since the base, for secrets in commits
      - run: {install}
      - name: rampart ci
        run: |
          echo "$RAMPART_SIGNING_KEY" > "$RUNNER_TEMP/signing.pem"
          rampart ci -f sarif -o rampart.sarif -f markdown -o "$GITHUB_STEP_SUMMARY" \
            -f html -o rampart.html -f text \
            --evidence evidence --sign-key "$RUNNER_TEMP/signing.pem"
        env:
          RAMPART_SIGNING_KEY: ${{{{ secrets.RAMPART_SIGNING_KEY }}}}
      - uses: github/codeql-action/upload-sarif@v3
        if: always()
        with:
          sarif_file: rampart.sarif
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: rampart-evidence
          path: |
            evidence
            rampart.html
"#
            ),
        }],
        _ => vec![File {
            path: ".gitlab/rampart.yml".to_string(),
            text: format!(
                r#"# The Rampart gate: include it from .gitlab-ci.yml (`include: {{local: .gitlab/rampart.yml}}`).
# JUnit in the merge request's test tab, the HTML report and signed evidence as artifacts.
rampart:
  stage: test
  variables:
    GIT_DEPTH: 0               # the history since the base, for secrets in commits
  before_script:
    - {install}
  script:
    - echo "$RAMPART_SIGNING_KEY" > "$CI_PROJECT_DIR/.signing.pem"
    - rampart ci -f junit -o rampart.xml -f html -o rampart.html -f text --evidence evidence --sign-key "$CI_PROJECT_DIR/.signing.pem"
  after_script:
    - rm -f "$CI_PROJECT_DIR/.signing.pem"
  artifacts:
    when: always
    reports:
      junit: rampart.xml
    paths: [evidence/, rampart.html]
"#
            ),
        }],
    }
}

/// The module as one YAML stream.
pub fn render_yaml(module: &Module) -> String {
    let mut out = String::new();
    namespace_objects(module, &mut out);
    if module.kind == Kind::Namespace {
        team_role(module, &mut out);
    } else {
        out.push_str("---\n");
        workload_objects(module, &mut out);
    }
    out
}

/// The module as a Kustomize base and `dev` and `prod` overlays.
pub fn render_kustomize(module: &Module) -> Vec<File> {
    let mut namespace = String::new();
    namespace_objects(module, &mut namespace);
    let mut files = vec![File {
        path: "base/namespace.yaml".to_string(),
        text: namespace,
    }];
    if module.kind == Kind::Namespace {
        let mut role = String::new();
        team_role(module, &mut role);
        files.push(File {
            path: "base/team.yaml".to_string(),
            text: role.trim_start_matches("---\n").to_string(),
        });
    } else {
        let mut workload = String::new();
        workload_objects(module, &mut workload);
        files.push(File {
            path: format!("base/{}.yaml", module.name),
            text: workload,
        });
    }
    let resources: Vec<String> = files
        .iter()
        .map(|file| format!("  - {}\n", file.path.trim_start_matches("base/")))
        .collect();
    files.push(File {
        path: "base/kustomization.yaml".to_string(),
        text: format!(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n{}",
            resources.concat()
        ),
    });
    for (environment, replicas) in [("dev", 1), ("prod", 3)] {
        let mut text = format!(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\nlabels:\n  - pairs: {{environment: {environment}}}\n"
        );
        if !matches!(module.kind, Kind::Namespace | Kind::CronJob) {
            let _ = write!(text, "replicas:\n  - name: {}\n    count: {replicas}\n", module.name);
        }
        files.push(File {
            path: format!("overlays/{environment}/kustomization.yaml"),
            text,
        });
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(kind: Kind) -> Module {
        Module {
            kind,
            name: "shop".to_string(),
            namespace: None,
            image: Some("ghcr.io/acme/shop:1.4.2".to_string()),
            port: 8080,
            host: Some("shop.example.com".to_string()),
            schedule: "0 3 * * *".to_string(),
            clients: vec!["web".to_string()],
            owner: "team-shop".to_string(),
            ingress_namespace: "ingress-nginx".to_string(),
            review_by: "2027-03-01".to_string(),
        }
    }

    #[test]
    fn inputs_are_checked_before_anything_is_written() {
        assert!(check(&module(Kind::Web)).is_ok());
        let mut bad = module(Kind::Web);
        bad.name = "Shop_1".to_string();
        assert!(check(&bad).unwrap_err().contains("DNS label"));
        let mut hostless = module(Kind::Web);
        hostless.host = None;
        assert!(check(&hostless).unwrap_err().contains("--host"));
        let mut imageless = module(Kind::Worker);
        imageless.image = None;
        assert!(check(&imageless).unwrap_err().contains("--image"));
        let mut namespace = module(Kind::Namespace);
        namespace.image = None;
        assert!(check(&namespace).is_ok());
    }

    #[test]
    fn an_image_without_a_digest_gets_the_marked_placeholder() {
        let yaml = render_yaml(&module(Kind::Worker));
        assert!(yaml.contains(&format!("image: ghcr.io/acme/shop:1.4.2@{PLACEHOLDER_DIGEST}\n")));
        let mut pinned = module(Kind::Worker);
        pinned.image = Some(format!("ghcr.io/acme/shop:1.4.2@sha256:{}", "ab".repeat(32)));
        assert!(render_yaml(&pinned).contains(&format!("@sha256:{}\n", "ab".repeat(32))));
    }

    #[test]
    fn kustomize_bases_list_their_files_and_overlays_set_replicas() {
        let files = render_kustomize(&module(Kind::Web));
        let paths: Vec<&str> = files.iter().map(|file| file.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "base/namespace.yaml",
                "base/shop.yaml",
                "base/kustomization.yaml",
                "overlays/dev/kustomization.yaml",
                "overlays/prod/kustomization.yaml"
            ]
        );
        assert!(
            files[2]
                .text
                .ends_with("resources:\n  - namespace.yaml\n  - shop.yaml\n")
        );
        assert!(files[4].text.contains("replicas:\n  - name: shop\n    count: 3\n"));
        let cron = render_kustomize(&module(Kind::CronJob));
        assert!(!cron[4].text.contains("replicas"));
    }
}
