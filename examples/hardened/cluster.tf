# The shop's cluster and registry: a private EKS API endpoint, Secrets
# encrypted with a rotating KMS key, the audit log collected, immutable and
# scanned images, and a state bucket nobody outside the account can open.

variable "private_subnets" {
  type    = list(string)
  default = ["subnet-0a1b2c3d4e5f60718", "subnet-0a1b2c3d4e5f60719"]
}

resource "aws_kms_key" "eks" {
  description         = "EKS Secrets envelope encryption"
  enable_key_rotation = true
}

resource "aws_eks_cluster" "shop" {
  name     = "shop"
  role_arn = "arn:aws:iam::123456789012:role/shop-eks"

  vpc_config {
    subnet_ids              = var.private_subnets
    endpoint_private_access = true
    endpoint_public_access  = false
  }

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.eks.arn
    }
  }

  enabled_cluster_log_types = ["api", "audit", "authenticator"]
}

resource "aws_ecr_repository" "checkout" {
  name                 = "shop/checkout"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.eks.arn
  }
}

resource "aws_s3_bucket" "state" {
  bucket = "shop-terraform-state"
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_security_group" "nodes" {
  name = "shop-nodes"

  ingress {
    description     = "kubelet from the control plane only"
    from_port       = 10250
    to_port         = 10250
    protocol        = "tcp"
    security_groups = ["sg-0123456789abcdef0"]
  }
}
