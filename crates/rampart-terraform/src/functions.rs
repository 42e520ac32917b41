//! The Terraform functions modules commonly use, over [`Value`]s. An
//! unknown argument makes the result unknown (what it depends on carried
//! through), except where Terraform itself looks past it (`try`,
//! `coalesce`, `can`). A function not implemented here is unknown too,
//! never guessed.

use std::collections::BTreeMap;

use crate::value::{Value, from_json, number_string, to_json};

/// Calls `name` on evaluated arguments. `try` and `can` are handled by the
/// evaluator (they need the arguments unevaluated).
pub fn call(name: &str, args: Vec<Value>) -> Value {
    if let Some(unknown) = args.iter().find(|arg| !arg.is_known())
        && !matches!(
            name,
            "coalesce" | "coalescelist" | "merge" | "concat" | "length" | "tolist" | "toset"
        )
    {
        return unknown.clone();
    }
    let result = match name {
        "jsonencode" => args.first().and_then(|value| {
            value
                .is_wholly_known()
                .then(|| Value::String(to_json(value).to_string()))
        }),
        "jsondecode" => args
            .first()
            .and_then(Value::as_str)
            .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
            .map(|json| from_json(&json)),
        "merge" => merge(&args),
        "concat" => {
            let mut out = Vec::new();
            for arg in &args {
                match arg {
                    Value::List(items) => out.extend(items.iter().cloned()),
                    Value::Unknown(_) => return arg.clone(),
                    _ => return Value::unknown("concat of a non-list"),
                }
            }
            Some(Value::List(out))
        }
        "lookup" => match (args.first(), args.get(1).and_then(Value::as_str)) {
            (Some(Value::Object(map)), Some(key)) => map.get(key).cloned().or_else(|| args.get(2).cloned()),
            _ => None,
        },
        "element" => match (
            args.first().and_then(Value::as_list),
            args.get(1).and_then(Value::as_number),
        ) {
            (Some(items), Some(index)) if !items.is_empty() && index >= 0.0 => {
                Some(items[index as usize % items.len()].clone())
            }
            _ => None,
        },
        "format" => format(&args),
        "join" => match (
            args.first().and_then(Value::as_str),
            args.get(1).and_then(Value::as_list),
        ) {
            (Some(separator), Some(items)) => items
                .iter()
                .map(Value::to_template_string)
                .collect::<Option<Vec<String>>>()
                .map(|parts| Value::String(parts.join(separator))),
            _ => None,
        },
        "split" => match (
            args.first().and_then(Value::as_str),
            args.get(1).and_then(Value::as_str),
        ) {
            (Some(separator), Some(text)) => Some(Value::List(
                text.split(separator)
                    .map(|part| Value::String(part.to_string()))
                    .collect(),
            )),
            _ => None,
        },
        "lower" => string_map(&args, |s| s.to_lowercase()),
        "upper" => string_map(&args, |s| s.to_uppercase()),
        "trimspace" => string_map(&args, |s| s.trim().to_string()),
        "replace" => match (
            args.first().and_then(Value::as_str),
            args.get(1).and_then(Value::as_str),
            args.get(2).and_then(Value::as_str),
        ) {
            // A `/regex/` search is not emulated.
            (Some(text), Some(search), Some(with)) if !(search.starts_with('/') && search.ends_with('/')) => {
                Some(Value::String(text.replace(search, with)))
            }
            _ => None,
        },
        "tostring" => args
            .first()
            .and_then(Value::to_template_string)
            .map(Value::String)
            .or_else(|| args.first().filter(|v| **v == Value::Null).cloned()),
        "tonumber" => args.first().and_then(Value::as_number).map(Value::Number),
        "tobool" => args.first().and_then(Value::as_bool).map(Value::Bool),
        "tolist" | "toset" => match args.first() {
            Some(Value::List(items)) if name == "toset" => {
                let mut unique: Vec<Value> = Vec::new();
                for item in items {
                    if !unique.contains(item) {
                        unique.push(item.clone());
                    }
                }
                Some(Value::List(unique))
            }
            Some(value @ (Value::List(_) | Value::Unknown(_))) => Some(value.clone()),
            _ => None,
        },
        "tomap" => args.first().filter(|value| value.as_object().is_some()).cloned(),
        "length" => match args.first() {
            Some(Value::List(items)) => Some(Value::Number(items.len() as f64)),
            Some(Value::Object(map)) => Some(Value::Number(map.len() as f64)),
            Some(Value::String(text)) => Some(Value::Number(text.chars().count() as f64)),
            Some(unknown @ Value::Unknown(_)) => Some(unknown.clone()),
            _ => None,
        },
        "keys" => args
            .first()
            .and_then(Value::as_object)
            .map(|map| Value::List(map.keys().map(|k| Value::String(k.clone())).collect())),
        "values" => args
            .first()
            .and_then(Value::as_object)
            .map(|map| Value::List(map.values().cloned().collect())),
        "flatten" => args.first().and_then(Value::as_list).map(|items| {
            let mut out = Vec::new();
            flatten(items, &mut out);
            Value::List(out)
        }),
        "distinct" => args.first().and_then(Value::as_list).map(|items| {
            let mut unique: Vec<Value> = Vec::new();
            for item in items {
                if !unique.contains(item) {
                    unique.push(item.clone());
                }
            }
            Value::List(unique)
        }),
        "compact" => args.first().and_then(Value::as_list).map(|items| {
            Value::List(
                items
                    .iter()
                    .filter(|item| !matches!(item, Value::Null) && item.as_str() != Some(""))
                    .cloned()
                    .collect(),
            )
        }),
        "contains" => match (args.first().and_then(Value::as_list), args.get(1)) {
            (Some(items), Some(wanted)) => Some(Value::Bool(items.contains(wanted))),
            _ => None,
        },
        "zipmap" => match (
            args.first().and_then(Value::as_list),
            args.get(1).and_then(Value::as_list),
        ) {
            (Some(keys), Some(values)) => keys
                .iter()
                .zip(values)
                .map(|(key, value)| key.to_template_string().map(|key| (key, value.clone())))
                .collect::<Option<BTreeMap<String, Value>>>()
                .map(Value::Object),
            _ => None,
        },
        "range" => range(&args),
        "coalesce" => args
            .iter()
            .find(|arg| !matches!(arg, Value::Null) && arg.as_str() != Some(""))
            .cloned(),
        "coalescelist" => args
            .iter()
            .find(|arg| arg.as_list().is_some_and(|items| !items.is_empty()) || !arg.is_known())
            .cloned(),
        "min" | "max" => {
            let numbers: Option<Vec<f64>> = args.iter().map(Value::as_number).collect();
            numbers.filter(|n| !n.is_empty()).map(|numbers| {
                let pick = if name == "min" { f64::min } else { f64::max };
                Value::Number(numbers.into_iter().reduce(pick).unwrap_or(0.0))
            })
        }
        "abs" => args.first().and_then(Value::as_number).map(|n| Value::Number(n.abs())),
        "cidrsubnet" => cidrsubnet(&args),
        "cidrhost" => None,
        "substr" => match (
            args.first().and_then(Value::as_str),
            args.get(1).and_then(Value::as_number),
            args.get(2).and_then(Value::as_number),
        ) {
            (Some(text), Some(offset), Some(length)) if offset >= 0.0 => {
                let chars = text.chars().skip(offset as usize);
                Some(Value::String(if length < 0.0 {
                    chars.collect()
                } else {
                    chars.take(length as usize).collect()
                }))
            }
            _ => None,
        },
        "startswith" | "endswith" => match (
            args.first().and_then(Value::as_str),
            args.get(1).and_then(Value::as_str),
        ) {
            (Some(text), Some(affix)) => Some(Value::Bool(if name == "startswith" {
                text.starts_with(affix)
            } else {
                text.ends_with(affix)
            })),
            _ => None,
        },
        _ => None,
    };
    result.unwrap_or_else(|| Value::unknown(format!("{name}(…)")))
}

fn merge(args: &[Value]) -> Option<Value> {
    let mut out = BTreeMap::new();
    for arg in args {
        match arg {
            Value::Object(map) => out.extend(map.iter().map(|(k, v)| (k.clone(), v.clone()))),
            Value::Null => {}
            Value::Unknown(_) => return Some(arg.clone()),
            _ => return None,
        }
    }
    Some(Value::Object(out))
}

fn string_map(args: &[Value], map: impl Fn(&str) -> String) -> Option<Value> {
    args.first()
        .and_then(Value::as_str)
        .map(|text| Value::String(map(text)))
}

fn flatten(items: &[Value], out: &mut Vec<Value>) {
    for item in items {
        match item {
            Value::List(inner) => flatten(inner, out),
            other => out.push(other.clone()),
        }
    }
}

fn range(args: &[Value]) -> Option<Value> {
    let numbers: Vec<f64> = args.iter().map(Value::as_number).collect::<Option<_>>()?;
    let (start, end, step) = match numbers.as_slice() {
        [end] => (0.0, *end, 1.0),
        [start, end] => (*start, *end, if end >= start { 1.0 } else { -1.0 }),
        [start, end, step] => (*start, *end, *step),
        _ => return None,
    };
    if step == 0.0 || ((end - start) / step) > 1024.0 {
        return None;
    }
    let mut out = Vec::new();
    let mut at = start;
    while (step > 0.0 && at < end) || (step < 0.0 && at > end) {
        out.push(Value::Number(at));
        at += step;
    }
    Some(Value::List(out))
}

/// `format` with the verbs modules use: `%s`, `%d`, `%v`, `%q`, `%%`.
fn format(args: &[Value]) -> Option<Value> {
    let spec = args.first()?.as_str()?;
    let mut rest = args[1..].iter();
    let mut out = String::new();
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            's' | 'v' | 'd' => out.push_str(&rest.next()?.to_template_string()?),
            'q' => out.push_str(&format!("{:?}", rest.next()?.to_template_string()?)),
            _ => return None,
        }
    }
    Some(Value::String(out))
}

/// `cidrsubnet(prefix, newbits, netnum)` for IPv4.
fn cidrsubnet(args: &[Value]) -> Option<Value> {
    let prefix = args.first()?.as_str()?;
    let newbits = args.get(1)?.as_number()? as u32;
    let netnum = args.get(2)?.as_number()? as u64;
    let (address, length) = prefix.split_once('/')?;
    let length: u32 = length.parse().ok()?;
    let octets: Vec<u8> = address.split('.').map(|o| o.parse().ok()).collect::<Option<_>>()?;
    let [a, b, c, d] = octets.as_slice() else {
        return None;
    };
    let new_length = length + newbits;
    if new_length > 32 || netnum >= (1u64 << newbits) {
        return None;
    }
    let base = u32::from_be_bytes([*a, *b, *c, *d]);
    let mask = if length == 0 { 0 } else { u32::MAX << (32 - length) };
    let subnet = (base & mask) | ((netnum as u32) << (32 - new_length));
    let [a, b, c, d] = subnet.to_be_bytes();
    Some(Value::String(format!(
        "{a}.{b}.{c}.{d}/{}",
        number_string(f64::from(new_length))
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Value {
        Value::String(text.to_string())
    }

    #[test]
    fn common_functions() {
        assert_eq!(
            call(
                "cidrsubnet",
                vec![s("10.0.0.0/16"), Value::Number(8.0), Value::Number(2.0)]
            ),
            s("10.0.2.0/24")
        );
        assert_eq!(
            call("format", vec![s("%s-%d"), s("web"), Value::Number(3.0)]),
            s("web-3")
        );
        assert_eq!(
            call(
                "jsonencode",
                vec![Value::Object(BTreeMap::from([("a".into(), Value::Number(1.0))]))]
            ),
            s("{\"a\":1}")
        );
        assert_eq!(
            call("lookup", vec![Value::Object(BTreeMap::new()), s("x"), s("d")]),
            s("d")
        );
        assert_eq!(call("coalesce", vec![Value::Null, s(""), s("x")]), s("x"));
        assert!(!call("no_such_function", vec![]).is_known());
        let unknown = Value::unknown("data.x.y");
        assert_eq!(call("upper", vec![unknown.clone()]), unknown);
    }
}
