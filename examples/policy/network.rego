# Every namespace of the system has at least one NetworkPolicy. Judged
# across the whole scan, through data.rampart.inventory.
package main

import rego.v1

policy_namespaces contains namespace if {
	some object in data.rampart.inventory
	object.kind == "NetworkPolicy"
	namespace := object.metadata.namespace
}

deny contains result if {
	input.kind == "Namespace"
	not policy_namespaces[input.metadata.name]
	result := {
		"id": "namespace-has-network-policy",
		"msg": sprintf("namespace %s has no NetworkPolicy in the scan", [input.metadata.name]),
		"controls": ["network"],
	}
}
