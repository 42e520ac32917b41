//! `rampart admission manifests`: everything a cluster needs to run the
//! webhook, written so that Rampart's own scan of it finds nothing.
//!
//! A namespace labelled Pod Security `restricted` with a resource quota; a
//! service account
//! without a token; two replicas spread over nodes, digest-pinned, with the
//! restricted security context, probes, requests and limits, and a
//! PodDisruptionBudget; a Service; default-deny NetworkPolicies with the
//! one allow the API server needs (port 8443 from the private address
//! ranges control planes call from; narrow it to yours); the
//! ValidatingWebhookConfiguration (`failurePolicy: Ignore`, a 3 s timeout,
//! the exempt namespaces excluded, node and leader-election noise skipped);
//! with `--pin-image-digests`, the MutatingWebhookConfiguration for the
//! workloads whose verified images the server pins to their digests; and the
//! certificate, from cert-manager or a CA bundle given.

use std::fmt::Write as _;

/// What the manifests are made from.
#[derive(Debug, Clone)]
pub struct Manifests {
    pub namespace: String,
    /// The server image, pinned by digest.
    pub image: String,
    pub mode: String,
    /// A CA bundle (PEM) to embed instead of asking cert-manager.
    pub ca_bundle: Option<String>,
    /// Run `--pin-image-digests` and add the MutatingWebhookConfiguration that calls it.
    pub pin_image_digests: bool,
}

/// The workloads whose images `/mutate` pins.
const PINNED: &[(&str, &[&str])] = &[
    ("", &["pods"]),
    ("apps", &["deployments", "statefulsets", "daemonsets", "replicasets"]),
    ("batch", &["jobs", "cronjobs"]),
];

/// The image reference the manifests carry until a team sets its own
/// (`kustomize edit set image`): pinned by digest, like every image must be.
pub const PLACEHOLDER_IMAGE: &str = "registry.example.com/rampart/rampart:0.1.0@sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// The resources the webhook asks to see: the kinds its rules judge.
const WATCHED: &[(&str, &[&str])] = &[
    ("", &["pods", "services", "configmaps", "serviceaccounts", "namespaces"]),
    ("apps", &["deployments", "statefulsets", "daemonsets", "replicasets"]),
    ("batch", &["jobs", "cronjobs"]),
    ("networking.k8s.io", &["networkpolicies", "ingresses"]),
    (
        "rbac.authorization.k8s.io",
        &["roles", "clusterroles", "rolebindings", "clusterrolebindings"],
    ),
];

impl Manifests {
    /// The YAML stream.
    pub fn render(&self) -> String {
        let ns = &self.namespace;
        let mut out = String::new();
        let _ = write!(
            out,
            r#"# The Rampart admission webhook: `rampart admission manifests --namespace {ns}`.
# Set the image you built (by digest), then `kubectl apply -f` this file.
apiVersion: v1
kind: Namespace
metadata:
  name: {ns}
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/audit: restricted
    pod-security.kubernetes.io/warn: restricted
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: rampart-webhook
  namespace: {ns}
spec:
  hard:
    pods: "10"
    requests.cpu: "2"
    requests.memory: 1Gi
    limits.cpu: "4"
    limits.memory: 2Gi
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: rampart-webhook
  namespace: {ns}
automountServiceAccountToken: false
---
# The server's rampart.toml. Edit the mode to roll out in phases (audit,
# then warn, then enforce): the server reloads it when the ConfigMap
# changes, without a restart. Rule and namespace modes, the exceptions and
# policies go here too (README).
apiVersion: v1
kind: ConfigMap
metadata:
  name: rampart-webhook-config
  namespace: {ns}
data:
  rampart.toml: |
    [admission]
    mode = "{mode}"
    exempt-namespaces = ["kube-system", "kube-node-lease"]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: rampart-webhook
  namespace: {ns}
  labels:
    app.kubernetes.io/name: rampart-webhook
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: rampart-webhook
  template:
    metadata:
      labels:
        app.kubernetes.io/name: rampart-webhook
    spec:
      serviceAccountName: rampart-webhook
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: rampart-webhook
      containers:
        - name: webhook
          image: {image}
          args: ["serve", "--tls-cert", "/tls/tls.crt", "--tls-key", "/tls/tls.key", "--config", "/etc/rampart/rampart.toml"{pin}]
          env:
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
          ports:
            - name: https
              containerPort: 8443
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          resources:
            requests: {{cpu: 100m, memory: 64Mi}}
            limits: {{cpu: "1", memory: 128Mi}}
          livenessProbe:
            httpGet: {{path: /healthz, port: https, scheme: HTTPS}}
            periodSeconds: 10
          readinessProbe:
            httpGet: {{path: /readyz, port: https, scheme: HTTPS}}
            periodSeconds: 5
          volumeMounts:
            - name: tls
              mountPath: /tls
              readOnly: true
            - name: config
              mountPath: /etc/rampart
              readOnly: true
      volumes:
        - name: tls
          secret:
            secretName: rampart-webhook-tls
        - name: config
          configMap:
            name: rampart-webhook-config
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: rampart-webhook
  namespace: {ns}
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: rampart-webhook
---
apiVersion: v1
kind: Service
metadata:
  name: rampart-webhook
  namespace: {ns}
spec:
  selector:
    app.kubernetes.io/name: rampart-webhook
  ports:
    - name: https
      port: 443
      targetPort: https
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: {ns}
spec:
  podSelector: {{}}
  policyTypes: [Ingress, Egress]
---
# The API server calls from the control plane's addresses, which are not
# pods; narrow these private ranges to your control plane's.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: rampart-webhook-from-api-server
  namespace: {ns}
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: rampart-webhook
  policyTypes: [Ingress]
  ingress:
    - from:
        - ipBlock: {{cidr: 10.0.0.0/8}}
        - ipBlock: {{cidr: 172.16.0.0/12}}
        - ipBlock: {{cidr: 192.168.0.0/16}}
      ports:
        - port: 8443
          protocol: TCP
"#,
            image = self.image,
            mode = self.mode,
            pin = if self.pin_image_digests {
                r#", "--pin-image-digests""#
            } else {
                ""
            },
        );
        self.webhook_configuration(&mut out, "ValidatingWebhookConfiguration", "validate", WATCHED);
        if self.pin_image_digests {
            self.webhook_configuration(&mut out, "MutatingWebhookConfiguration", "mutate", PINNED);
        }
        if self.ca_bundle.is_none() {
            let _ = write!(
                out,
                r#"---
apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: rampart-selfsigned
  namespace: {ns}
spec:
  selfSigned: {{}}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: rampart-webhook
  namespace: {ns}
spec:
  secretName: rampart-webhook-tls
  duration: 2160h
  renewBefore: 360h
  dnsNames:
    - rampart-webhook.{ns}.svc
    - rampart-webhook.{ns}.svc.cluster.local
  issuerRef:
    name: rampart-selfsigned
    kind: Issuer
"#
            );
        }
        out
    }

    /// One webhook configuration: `kind` calls `/<path>` for `resources`.
    fn webhook_configuration(&self, out: &mut String, kind: &str, path: &str, resources: &[(&str, &[&str])]) {
        let ns = &self.namespace;
        let _ = write!(
            out,
            "---\napiVersion: admissionregistration.k8s.io/v1\nkind: {kind}\nmetadata:\n  name: rampart\n"
        );
        if self.ca_bundle.is_none() {
            let _ = writeln!(
                out,
                "  annotations:\n    cert-manager.io/inject-ca-from: {ns}/rampart-webhook"
            );
        }
        // A mutation another webhook undoes (a tag set back) is pinned again.
        let reinvocation = if path == "mutate" {
            "\n    reinvocationPolicy: IfNeeded"
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"webhooks:
  - name: {path}.rampart.dev
    admissionReviewVersions: ["v1"]
    sideEffects: None
    timeoutSeconds: 3
    matchPolicy: Equivalent{reinvocation}
    # A webhook that cannot answer must not stop the cluster (README).
    failurePolicy: Ignore
    namespaceSelector:
      matchExpressions:
        - key: kubernetes.io/metadata.name
          operator: NotIn
          values: [kube-system, kube-node-lease, {ns}]
    matchConditions:
      - name: skip-nodes
        expression: "!request.userInfo.username.startsWith('system:node:')"
      - name: skip-leader-election
        expression: "!(request.resource.resource == 'configmaps' && request.name.endsWith('-lock'))"
    clientConfig:
      service:
        namespace: {ns}
        name: rampart-webhook
        path: /{path}
        port: 443
"#
        );
        if let Some(bundle) = &self.ca_bundle {
            use base64::Engine as _;
            let encoded = base64::engine::general_purpose::STANDARD.encode(bundle.as_bytes());
            let _ = writeln!(out, "      caBundle: {encoded}");
        }
        out.push_str("    rules:\n");
        for (group, resources) in resources {
            let _ = write!(
                out,
                "      - apiGroups: [\"{group}\"]\n        apiVersions: [\"*\"]\n        operations: [CREATE, UPDATE]\n        resources: [{}]\n        scope: \"*\"\n",
                resources.join(", ")
            );
        }
    }
}
