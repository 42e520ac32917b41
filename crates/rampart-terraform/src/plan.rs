//! `terraform show -json PLAN`: the planned values of every resource,
//! child modules included, with `after_unknown` marking what is known only
//! after apply. Plans are what Terraform will really do (every variable,
//! module and function already resolved), so the same rules read them;
//! findings point at the resource's address in the JSON.

use std::collections::BTreeMap;
use std::sync::Arc;

use rampart_core::ScanError;

use crate::resource::{Body, Resource};
use crate::value::{Unknown, Value, from_json};

/// The resources a plan will leave in place or create.
pub fn read(path: &str, bytes: &[u8]) -> Result<Vec<Resource>, ScanError> {
    let json: serde_json::Value = serde_json::from_slice(bytes).map_err(|error| {
        ScanError::new(
            path,
            Some(error.line()),
            format!("cannot parse the plan's JSON: {error}"),
        )
    })?;
    let Some(root) = json.pointer("/planned_values/root_module") else {
        return Err(ScanError::new(
            path,
            None,
            "a Terraform JSON document without planned_values: scan the output of `terraform show -json PLANFILE`",
        ));
    };
    let text = String::from_utf8_lossy(bytes);
    let unknowns: BTreeMap<&str, &serde_json::Value> = json["resource_changes"]
        .as_array()
        .map(|changes| {
            changes
                .iter()
                .filter_map(|change| Some((change["address"].as_str()?, &change["change"]["after_unknown"])))
                .collect()
        })
        .unwrap_or_default();
    let path: Arc<str> = Arc::from(path);
    let mut resources = Vec::new();
    collect(root, "", &path, &text, &unknowns, &mut resources);
    Ok(resources)
}

fn collect(
    module: &serde_json::Value,
    module_address: &str,
    path: &Arc<str>,
    text: &str,
    unknowns: &BTreeMap<&str, &serde_json::Value>,
    out: &mut Vec<Resource>,
) {
    for resource in module["resources"].as_array().into_iter().flatten() {
        let (Some(address), Some(kind), Some(name)) = (
            resource["address"].as_str(),
            resource["type"].as_str(),
            resource["name"].as_str(),
        ) else {
            continue;
        };
        let data = resource["mode"] == "data";
        if data && kind != "aws_iam_policy_document" {
            continue;
        }
        let mut values = from_json(&resource["values"]);
        if let Some(after_unknown) = unknowns.get(address) {
            mark_unknown(&mut values, after_unknown, address);
        }
        let line = line_of_address(text, address);
        let body = match &values {
            Value::Object(map) => Body::from_object(map, line),
            _ => Body::default(),
        };
        out.push(Resource {
            address: address.to_string(),
            kind: kind.to_string(),
            name: name.to_string(),
            module: module_address.to_string(),
            data,
            path: path.clone(),
            line,
            end_line: line,
            body,
            instances_unknown: None,
        });
    }
    for child in module["child_modules"].as_array().into_iter().flatten() {
        let address = child["address"].as_str().unwrap_or(module_address);
        collect(child, address, path, text, unknowns, out);
    }
}

/// Replaces the values `after_unknown` marks `true` with unknowns naming
/// the resource.
fn mark_unknown(value: &mut Value, after_unknown: &serde_json::Value, address: &str) {
    match (value, after_unknown) {
        (value, serde_json::Value::Bool(true)) => {
            *value = Value::Unknown(Unknown {
                depends_on: Arc::from(format!("{address} (known after apply)")),
                resource: Some(Arc::from(address)),
            });
        }
        (Value::Object(map), serde_json::Value::Object(marks)) => {
            for (key, mark) in marks {
                let entry = map.entry(key.clone()).or_insert(Value::Null);
                mark_unknown(entry, mark, address);
            }
        }
        (Value::List(items), serde_json::Value::Array(marks)) => {
            for (item, mark) in items.iter_mut().zip(marks) {
                mark_unknown(item, mark, address);
            }
        }
        _ => {}
    }
}

/// The line of `"address": "<address>"` in the plan, else 1.
fn line_of_address(text: &str, address: &str) -> usize {
    let quoted = format!("{address:?}");
    let mut from = 0;
    while let Some(at) = text[from..].find(&quoted) {
        let start = from + at;
        let before = &text[start.saturating_sub(24)..start];
        if before.contains("\"address\"") {
            return text[..start].matches('\n').count() + 1;
        }
        from = start + quoted.len();
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planned_values_child_modules_and_unknowns() {
        let plan = r#"{
  "format_version": "1.2",
  "terraform_version": "1.9.0",
  "planned_values": {"root_module": {
    "resources": [{"address": "aws_s3_bucket.logs", "mode": "managed", "type": "aws_s3_bucket", "name": "logs", "values": {"bucket": "logs", "acl": "private"}}],
    "child_modules": [{"address": "module.web", "resources": [
      {"address": "module.web.aws_security_group.this", "mode": "managed", "type": "aws_security_group", "name": "this",
       "values": {"ingress": [{"from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}], "id": null}}
    ]}]
  }},
  "resource_changes": [{"address": "module.web.aws_security_group.this", "change": {"after_unknown": {"id": true}}}]
}"#;
        let resources = read("plan.json", plan.as_bytes()).unwrap();
        assert_eq!(resources.len(), 2);
        let sg = &resources[1];
        assert_eq!(sg.module, "module.web");
        assert_eq!(sg.line, 7);
        assert_eq!(sg.body.blocks("ingress").len(), 1);
        assert!(!sg.body.value("id").unwrap().is_known());
        assert!(read("x.json", b"{\"format_version\": \"1.0\"}").is_err());
    }
}
