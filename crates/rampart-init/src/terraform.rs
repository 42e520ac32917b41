//! Hardened managed-cluster modules for Terraform (`rampart init terraform eks|gke|aks`):
//! what Rampart's Terraform rules check for, written down. Each passes Rampart's own scan
//! under the `all` profile (tested in the CLI's `tests/init.rs`).

use crate::File;

const EKS: &str = r#"# A hardened EKS cluster (`rampart init terraform eks`): the API endpoint private only,
# Secrets envelope-encrypted with a rotating KMS key, every control-plane log (audit
# included) sent to CloudWatch, access entries instead of the aws-auth ConfigMap, nodes in
# private subnets without SSH, network policy enforced by the VPC CNI, and EKS Pod Identity
# for workloads' AWS access.
variable "name" {
  type    = string
  default = "__NAME__"
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "Private subnets of the cluster's VPC (no route to an internet gateway)."
}

variable "cluster_role_arn" {
  type = string
}

variable "node_role_arn" {
  type = string
}

resource "aws_kms_key" "secrets" {
  description         = "${var.name}: EKS Secrets envelope encryption"
  enable_key_rotation = true
}

resource "aws_eks_cluster" "this" {
  name     = var.name
  role_arn = var.cluster_role_arn

  vpc_config {
    subnet_ids              = var.private_subnet_ids
    endpoint_private_access = true
    endpoint_public_access  = false
  }

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.secrets.arn
    }
  }

  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  access_config {
    authentication_mode = "API"
  }
}

resource "aws_eks_node_group" "default" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "${var.name}-default"
  node_role_arn   = var.node_role_arn
  subnet_ids      = var.private_subnet_ids

  scaling_config {
    desired_size = 3
    min_size     = 3
    max_size     = 6
  }
}

resource "aws_eks_addon" "vpc_cni" {
  cluster_name         = aws_eks_cluster.this.name
  addon_name           = "vpc-cni"
  configuration_values = jsonencode({ enableNetworkPolicy = "true" })
}

resource "aws_eks_addon" "pod_identity" {
  cluster_name = aws_eks_cluster.this.name
  addon_name   = "eks-pod-identity-agent"
}
"#;

const GKE: &str = r#"# A hardened GKE cluster (`rampart init terraform gke`): private nodes and a private
# endpoint reached from one admin range, Secrets encrypted with a rotating Cloud KMS key,
# network policy enforced, Workload Identity, control-plane and workload logs, Binary
# Authorization enforcing the project policy, no client certificate or legacy ABAC, and
# nodes under a dedicated service account with Shielded VM secure boot.
variable "name" {
  type    = string
  default = "__NAME__"
}

variable "project" {
  type = string
}

variable "region" {
  type    = string
  default = "europe-west1"
}

variable "network" {
  type = string
}

variable "subnetwork" {
  type = string
}

variable "admin_cidr" {
  type        = string
  description = "The private range allowed to reach the API server (a bastion or VPN)."
  default     = "10.0.0.0/8"
}

resource "google_kms_key_ring" "cluster" {
  name     = "${var.name}-cluster"
  location = var.region
  project  = var.project
}

resource "google_kms_crypto_key" "secrets" {
  name            = "${var.name}-secrets"
  key_ring        = google_kms_key_ring.cluster.id
  rotation_period = "7776000s"
}

resource "google_service_account" "nodes" {
  account_id   = "${var.name}-nodes"
  display_name = "${var.name} GKE nodes"
  project      = var.project
}

resource "google_container_cluster" "this" {
  name       = var.name
  location   = var.region
  project    = var.project
  network    = var.network
  subnetwork = var.subnetwork

  remove_default_node_pool = true
  initial_node_count       = 1
  enable_legacy_abac       = false

  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = true
    master_ipv4_cidr_block  = "172.16.0.0/28"
  }

  master_authorized_networks_config {
    cidr_blocks {
      cidr_block   = var.admin_cidr
      display_name = "admin"
    }
  }

  master_auth {
    client_certificate_config {
      issue_client_certificate = false
    }
  }

  database_encryption {
    state    = "ENCRYPTED"
    key_name = google_kms_crypto_key.secrets.id
  }

  network_policy {
    enabled  = true
    provider = "CALICO"
  }

  workload_identity_config {
    workload_pool = "${var.project}.svc.id.goog"
  }

  logging_config {
    enable_components = ["SYSTEM_COMPONENTS", "APISERVER", "CONTROLLER_MANAGER", "SCHEDULER", "WORKLOADS"]
  }

  binary_authorization {
    evaluation_mode = "PROJECT_SINGLETON_POLICY_ENFORCE"
  }
}

resource "google_container_node_pool" "default" {
  name     = "${var.name}-default"
  cluster  = google_container_cluster.this.id
  location = var.region

  node_config {
    service_account = google_service_account.nodes.email
    oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]
    workload_metadata_config {
      mode = "GKE_METADATA"
    }
    shielded_instance_config {
      enable_secure_boot = true
    }
  }
}
"#;

const AKS: &str = r#"# A hardened AKS cluster (`rampart init terraform aks`): a private API server, Entra ID
# RBAC with local accounts disabled, Secrets encrypted with a Key Vault key over a private
# link, Azure network policy, Workload Identity, the Azure Policy add-on, logs to a Log
# Analytics workspace, and nodes without public IPs.
variable "name" {
  type    = string
  default = "__NAME__"
}

variable "location" {
  type    = string
  default = "westeurope"
}

variable "resource_group_name" {
  type = string
}

variable "subnet_id" {
  type = string
}

variable "key_vault_key_id" {
  type        = string
  description = "The Key Vault key that encrypts Secrets in etcd."
}

variable "admin_group_object_ids" {
  type        = list(string)
  description = "Entra ID groups administering the cluster."
}

resource "azurerm_log_analytics_workspace" "cluster" {
  name                = "${var.name}-aks"
  location            = var.location
  resource_group_name = var.resource_group_name
  retention_in_days   = 90
}

resource "azurerm_kubernetes_cluster" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
  dns_prefix          = var.name

  private_cluster_enabled   = true
  local_account_disabled    = true
  oidc_issuer_enabled       = true
  workload_identity_enabled = true
  azure_policy_enabled      = true

  default_node_pool {
    name                   = "system"
    vm_size                = "Standard_D4s_v5"
    node_count             = 3
    vnet_subnet_id         = var.subnet_id
    node_public_ip_enabled = false
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin = "azure"
    network_policy = "azure"
  }

  azure_active_directory_role_based_access_control {
    azure_rbac_enabled     = true
    admin_group_object_ids = var.admin_group_object_ids
  }

  key_management_service {
    key_vault_key_id         = var.key_vault_key_id
    key_vault_network_access = "Private"
  }

  oms_agent {
    log_analytics_workspace_id = azurerm_log_analytics_workspace.cluster.id
  }
}
"#;

/// The providers there is a module for.
pub const PROVIDERS: &[&str] = &["eks", "gke", "aks"];

/// The module for `provider`, its cluster named `cluster`.
pub fn render_terraform(provider: &str, cluster: &str) -> Option<Vec<File>> {
    let template = match provider {
        "eks" => EKS,
        "gke" => GKE,
        "aks" => AKS,
        _ => return None,
    };
    Some(vec![File {
        path: "main.tf".to_string(),
        text: template.replace("__NAME__", cluster),
    }])
}
