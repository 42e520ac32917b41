//! One `audit.k8s.io` Event as the API server writes it, read without copying: strings
//! borrow from the line where JSON wrote them without escapes, and the request object stays
//! raw JSON until a rule asks for it. Unknown fields are passed over; fields a log policy
//! leaves out (the request object below `Request` level, `userAgent`, ...) are `None`.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, Visitor};
use serde_json::value::RawValue;

/// A JSON string, borrowed from the input unless it had escapes (`\u0026` in a request URI,
/// as Go writes `&`).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text<'a>(pub Cow<'a, str>);

impl Text<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(text)))
            }
            fn visit_str<E>(self, text: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text.to_string())))
            }
            fn visit_string<E>(self, text: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserInfo<'a> {
    #[serde(default, borrow)]
    pub username: Text<'a>,
    #[serde(default, borrow)]
    pub groups: Vec<Text<'a>>,
}

impl UserInfo<'_> {
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|candidate| candidate.as_str() == group)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef<'a> {
    #[serde(default, borrow)]
    pub resource: Text<'a>,
    #[serde(default, borrow)]
    pub namespace: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub name: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub api_group: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub api_version: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub subresource: Option<Text<'a>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResponseStatus<'a> {
    #[serde(default)]
    pub code: Option<u16>,
    #[serde(default, borrow)]
    pub reason: Option<Text<'a>>,
}

/// An audit event. `kind` is `Event` in a log line and in each item of the webhook
/// backend's `EventList`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event<'a> {
    #[serde(default, borrow)]
    pub kind: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub level: Option<Text<'a>>,
    #[serde(rename = "auditID", default, borrow)]
    pub audit_id: Text<'a>,
    #[serde(default, borrow)]
    pub stage: Text<'a>,
    #[serde(rename = "requestURI", default, borrow)]
    pub request_uri: Text<'a>,
    #[serde(default, borrow)]
    pub verb: Text<'a>,
    #[serde(default, borrow)]
    pub user: UserInfo<'a>,
    #[serde(default, borrow)]
    pub impersonated_user: Option<UserInfo<'a>>,
    #[serde(rename = "sourceIPs", default, borrow)]
    pub source_ips: Vec<Text<'a>>,
    #[serde(default, borrow)]
    pub user_agent: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub object_ref: Option<ObjectRef<'a>>,
    #[serde(default, borrow)]
    pub response_status: Option<ResponseStatus<'a>>,
    #[serde(default, borrow)]
    pub request_object: Option<&'a RawValue>,
    #[serde(default, borrow)]
    pub annotations: Option<std::collections::BTreeMap<Text<'a>, Text<'a>>>,
    #[serde(default, borrow)]
    pub request_received_timestamp: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub stage_timestamp: Option<Text<'a>>,
    /// The request object parsed, once, for every rule that reads it.
    #[serde(skip)]
    parsed_request: std::sync::OnceLock<Option<serde_json::Value>>,
}

impl<'a> Event<'a> {
    /// Reads one event from a line of a log.
    pub fn parse(line: &'a [u8]) -> Result<Event<'a>, serde_json::Error> {
        serde_json::from_slice(line)
    }

    /// The resource (`pods`), or "" for a non-resource request (`/healthz`).
    pub fn resource(&self) -> &str {
        self.object_ref.as_ref().map_or("", |object| object.resource.as_str())
    }

    pub fn subresource(&self) -> Option<&str> {
        self.object_ref
            .as_ref()
            .and_then(|object| object.subresource.as_ref())
            .map(Text::as_str)
            .filter(|subresource| !subresource.is_empty())
    }

    pub fn namespace(&self) -> Option<&str> {
        self.object_ref
            .as_ref()
            .and_then(|object| object.namespace.as_ref())
            .map(Text::as_str)
            .filter(|namespace| !namespace.is_empty())
    }

    pub fn name(&self) -> Option<&str> {
        self.object_ref
            .as_ref()
            .and_then(|object| object.name.as_ref())
            .map(Text::as_str)
            .filter(|name| !name.is_empty())
    }

    /// The API group ("" for the core group).
    pub fn api_group(&self) -> &str {
        self.object_ref
            .as_ref()
            .and_then(|object| object.api_group.as_ref())
            .map_or("", Text::as_str)
    }

    pub fn code(&self) -> Option<u16> {
        self.response_status.as_ref().and_then(|status| status.code)
    }

    pub fn username(&self) -> &str {
        self.user.username.as_str()
    }

    /// `authorization.k8s.io/decision` (`allow`, `forbid`), when the log carries it.
    pub fn decision(&self) -> Option<&str> {
        self.annotation("authorization.k8s.io/decision")
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations
            .as_ref()?
            .iter()
            .find(|(candidate, _)| candidate.as_str() == key)
            .map(|(_, value)| value.as_str())
    }

    /// Whether the request went through: a 1xx/2xx/3xx response, or, where the stage has
    /// none yet, an `allow` decision.
    pub fn succeeded(&self) -> bool {
        match self.code() {
            Some(code) => code < 400,
            None => self.decision() == Some("allow"),
        }
    }

    /// When the API server received the request, in Unix seconds.
    pub fn time(&self) -> Option<i64> {
        self.request_received_timestamp
            .as_ref()
            .or(self.stage_timestamp.as_ref())
            .and_then(|time| rampart_core::unix_from_rfc3339(time.as_str(), false))
    }

    /// The request object, parsed on first use (`None` below `Request` level or when it is
    /// not JSON).
    pub fn request_json(&self) -> Option<&serde_json::Value> {
        self.parsed_request
            .get_or_init(|| serde_json::from_str(self.request_object?.get()).ok())
            .as_ref()
    }

    /// The values of a query parameter of the request URI, decoded (`command` of an exec).
    pub fn query_values(&self, parameter: &str) -> Vec<String> {
        let Some((_, query)) = self.request_uri.as_str().split_once('?') else {
            return Vec::new();
        };
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .filter(|(key, _)| *key == parameter)
            .map(|(_, value)| {
                percent_encoding::percent_decode_str(&value.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect()
    }

    /// `verb resource[/subresource] namespace/name` as a person reads it.
    pub fn describe_target(&self) -> String {
        let mut out = self.resource().to_string();
        if let Some(subresource) = self.subresource() {
            out.push('/');
            out.push_str(subresource);
        }
        match (self.namespace(), self.name()) {
            (Some(namespace), Some(name)) => out.push_str(&format!(" {namespace}/{name}")),
            (None, Some(name)) => out.push_str(&format!(" {name}")),
            (Some(namespace), None) => out.push_str(&format!(" in {namespace}")),
            (None, None) if out.is_empty() => out.push_str(self.request_uri.as_str()),
            (None, None) => out.push_str(" (all namespaces)"),
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXEC: &str = r#"{"annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""},"auditID":"ca1ed9f4","kind":"Event","level":"Request","objectRef":{"apiVersion":"v1","name":"web-1","namespace":"shop","resource":"pods","subresource":"exec"},"requestReceivedTimestamp":"2018-10-26T13:38:34.867116Z","requestURI":"/api/v1/namespaces/shop/pods/web-1/exec?command=cat\u0026command=%2Fetc%2Fshadow\u0026container=app","responseStatus":{"code":101,"metadata":{}},"sourceIPs":["192.168.99.1"],"stage":"ResponseStarted","user":{"groups":["system:masters","system:authenticated"],"username":"alice"},"verb":"create","responseObject":{"huge":[1,2,3]}}"#;

    #[test]
    fn an_event_is_read_borrowing_its_strings() {
        let event = Event::parse(EXEC.as_bytes()).unwrap();
        assert!(matches!(event.audit_id.0, Cow::Borrowed("ca1ed9f4")));
        assert!(matches!(event.request_uri.0, Cow::Owned(_)), "it had escapes");
        assert_eq!((event.resource(), event.subresource()), ("pods", Some("exec")));
        assert_eq!((event.namespace(), event.name()), (Some("shop"), Some("web-1")));
        assert_eq!(event.code(), Some(101));
        assert!(event.succeeded());
        assert_eq!(event.decision(), Some("allow"));
        assert!(event.user.in_group("system:masters"));
        assert_eq!(event.query_values("command"), ["cat", "/etc/shadow"]);
        assert_eq!(event.time(), Some(1_540_561_114));
        assert_eq!(event.describe_target(), "pods/exec shop/web-1");
        assert!(event.request_object.is_none());
    }

    #[test]
    fn the_request_object_stays_raw_until_asked_for() {
        let line = r#"{"kind":"Event","verb":"create","objectRef":{"resource":"pods","namespace":"a"},"requestObject":{"kind":"Pod","spec":{"hostNetwork":true}},"responseStatus":{"code":403}}"#;
        let event = Event::parse(line.as_bytes()).unwrap();
        assert_eq!(
            event.request_object.unwrap().get(),
            r#"{"kind":"Pod","spec":{"hostNetwork":true}}"#
        );
        assert_eq!(event.request_json().unwrap()["spec"]["hostNetwork"], true);
        assert!(!event.succeeded());
        assert_eq!(event.describe_target(), "pods in a");
        let health = Event::parse(br#"{"requestURI":"/healthz","verb":"get"}"#).unwrap();
        assert_eq!(health.describe_target(), "/healthz");
        assert!(Event::parse(br#"{"kind": 0}"#).is_err());
    }
}
