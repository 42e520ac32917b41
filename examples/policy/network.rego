# Every namespace of the system has at least one NetworkPolicy. Judged
# across the whole scan: data.rampart.objects indexes every object by kind,
# namespace and name (a lookup per object, not a walk of the inventory).
package main

import rego.v1

deny contains result if {
	input.kind == "Namespace"
	count(object.get(data.rampart.objects, ["NetworkPolicy", input.metadata.name], {})) == 0
	result := {
		"id": "namespace-has-network-policy",
		"msg": sprintf("namespace %s has no NetworkPolicy in the scan", [input.metadata.name]),
		"controls": ["network"],
	}
}
