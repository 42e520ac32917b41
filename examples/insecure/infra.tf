# The same cluster the way it often starts out.

resource "aws_eks_cluster" "shop" {
  name     = "shop"
  role_arn = "arn:aws:iam::123456789012:role/shop-eks"

  vpc_config {
    subnet_ids = ["subnet-0a1b2c3d4e5f60718"]
  }
}

resource "aws_security_group" "nodes" {
  name = "shop-nodes"

  dynamic "ingress" {
    for_each = [22, 5432]
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}

resource "aws_s3_bucket" "exports" {
  bucket = "shop-exports"
  acl    = "public-read"
}

resource "aws_iam_policy" "ci" {
  name = "shop-ci"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}

resource "aws_ecr_repository" "checkout" {
  name = "shop/checkout"
}
