# Every workload names the team that owns it, so findings and pages reach
# someone.
package main

import rego.v1

workload_kinds := {"Deployment", "StatefulSet", "DaemonSet"}

deny contains result if {
	workload_kinds[input.kind]
	not input.metadata.labels.owner
	result := {
		"id": "team-owner-label",
		"msg": sprintf("%s %s has no `owner` label", [input.kind, input.metadata.name]),
		"severity": "medium",
		"controls": ["evidence"],
	}
}
