package main

import rego.v1

shop := {"kind": "Namespace", "metadata": {"name": "shop"}}

policy := {"kind": "NetworkPolicy", "metadata": {"name": "deny", "namespace": "shop"}}

test_a_namespace_without_policy_is_denied if {
	count(deny) == 1 with input as shop with data.rampart.objects as {"Namespace": {"": {"shop": shop}}}
}

test_a_namespace_with_a_policy_passes if {
	count(deny) == 0 with input as shop with data.rampart.objects as {"NetworkPolicy": {"shop": {"deny": policy}}}
}
