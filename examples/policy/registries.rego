# Production pulls only from registries the team controls.
package main

import rego.v1

public_registries := {"docker.io", "index.docker.io", "registry-1.docker.io"}

pod_spec := input.spec.template.spec if input.spec.template.spec
pod_spec := input.spec if input.kind == "Pod"

containers contains container if {
	some container in pod_spec.containers
}

containers contains container if {
	some container in pod_spec.initContainers
}

# The registry host: the first path part when it looks like a host.
registry(image) := host if {
	parts := split(image, "/")
	count(parts) > 1
	host := parts[0]
	regex.match(`[.:]|^localhost$`, host)
} else := "docker.io"

deny contains result if {
	input.metadata.namespace == "prod"
	some container in containers
	public_registries[registry(container.image)]
	result := {
		"id": "prod-public-registry",
		"msg": sprintf("container %s in prod pulls %s from a public registry", [container.name, container.image]),
		"controls": ["images"],
	}
}
