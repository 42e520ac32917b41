#!/bin/sh
set -eu
curl -fsS -H "Authorization: Bearer ${CI_TOKEN}" https://api.example.org/deploy
«curl-user-password|curl -u admin:{alnum:16}» https://nexus.internal/service/rest
curl -fsS -u "$NEXUS_USER:$NEXUS_PASSWORD" https://nexus.internal/
export VAULT_TOKEN=«vault-service-token|hvs.{b64url:90}»
export TF_TOKEN=$(vault read -field=token secret/tf)
git clone https://x-access-token:${GITHUB_TOKEN}@github.com/example/app.git
