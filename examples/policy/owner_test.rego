package main

import rego.v1

test_a_deployment_without_owner_is_denied if {
	count(deny) == 1 with input as {"kind": "Deployment", "metadata": {"name": "web"}}
}

test_a_deployment_with_owner_passes if {
	count(deny) == 0 with input as {"kind": "Deployment", "metadata": {"name": "web", "labels": {"owner": "team-web"}}}
}

test_other_kinds_are_not_judged if {
	count(deny) == 0 with input as {"kind": "ConfigMap", "metadata": {"name": "web"}}
}
