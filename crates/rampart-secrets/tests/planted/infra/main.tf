provider "aws" {
  region     = "eu-west-1"
  access_key = "«aws-access-key-id|AKIA{base32:16}»"
  secret_key = var.aws_secret_key
}

resource "aws_db_instance" "app" {
  identifier = "app"
  username   = "app"
  password   = "«generic-password|{alnum:24}»"
}

resource "kubernetes_secret" "api" {
  metadata { name = "api" }
  data = {
    token = data.vault_generic_secret.api.data["token"]
  }
}

variable "db_password" {
  type      = string
  sensitive = true
  default   = ""
}

output "bucket_arn" {
  value = "arn:aws:s3:::shop-assets-0123456789ab"
}
