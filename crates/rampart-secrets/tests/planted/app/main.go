package main

import "os"

const (
	defaultTimeout = 30
	tokenEnv       = "GITLAB_TOKEN"
	gitlabToken    = "«gitlab-pat|glpat-{b64url:20}»"
	sampleUUID     = "123e4567-e89b-12d3-a456-426614174000"
	datadogAPIKey  = "«datadog-api-key|{hex:32}»"
)

func main() {
	token := os.Getenv(tokenEnv)
	password := flag.String("password", "", "the database password")
	_ = token
	_ = password
}
