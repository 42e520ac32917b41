package main

import rego.v1

deployment(namespace, image) := {
	"kind": "Deployment",
	"metadata": {"name": "web", "namespace": namespace, "labels": {"owner": "t"}},
	"spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}},
}

test_docker_hub_in_prod_is_denied if {
	count(deny) == 1 with input as deployment("prod", "nginx:1.27")
}

test_explicit_docker_io_in_prod_is_denied if {
	count(deny) == 1 with input as deployment("prod", "docker.io/library/nginx:1.27")
}

test_own_registry_in_prod_passes if {
	count(deny) == 0 with input as deployment("prod", "registry.example.org/shop/web:1.4")
}

test_docker_hub_elsewhere_passes if {
	count(deny) == 0 with input as deployment("staging", "nginx:1.27")
}
