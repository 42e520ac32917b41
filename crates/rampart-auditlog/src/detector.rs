//! The detection pass: each event judged once (a long-running exec or port-forward at the
//! stage its stream started, everything else when its response completed), by every rule
//! chosen, each hit a [`Finding`] located at the event's line and carrying the event's who,
//! what, where and answer; the detections of one identity close in time share an incident.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use rampart_core::{AuditEvidence, Finding, Location, ResourceRef, ScanError};

use crate::event::{Event, Text};
use crate::reader::LogReader;
use crate::rules::{Context, Hit, Rule, State, kind_of};
use crate::settings::Settings;

/// How many stream-started audit IDs are remembered to skip their completion.
const STREAMS_REMEMBERED: usize = 65_536;

/// What a pass over logs counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub lines: usize,
    pub events: usize,
    /// Events judged (one per request, at the stage that decides).
    pub judged: usize,
    /// Events before `--since`.
    pub skipped_old: usize,
    pub malformed: usize,
}

pub struct Detector {
    rules: Vec<&'static Rule>,
    settings: Settings,
    state: State,
    /// Streams judged when they started, in order, to skip their completion.
    streams: HashSet<String>,
    stream_order: VecDeque<String>,
    /// Per identity: the last detection's time and its incident.
    incidents: HashMap<String, (i64, String)>,
    pub stats: Stats,
    /// Per rule (in the order of `rules`), the events it could judge.
    judged_by_rule: Vec<usize>,
}

impl Detector {
    pub fn new(rules: Vec<&'static Rule>, settings: Settings) -> Detector {
        let rules_len = rules.len();
        Detector {
            rules,
            settings,
            state: State::default(),
            streams: HashSet::new(),
            stream_order: VecDeque::new(),
            incidents: HashMap::new(),
            stats: Stats::default(),
            judged_by_rule: vec![0; rules_len],
        }
    }

    /// Each rule with the events it could judge (a rule reading request objects judges only
    /// the events that carry one).
    pub fn coverage(&self) -> impl Iterator<Item = (&'static Rule, usize)> + '_ {
        self.rules.iter().copied().zip(self.judged_by_rule.iter().copied())
    }

    pub fn rules(&self) -> &[&'static Rule] {
        &self.rules
    }

    /// Whether `event` is judged at its stage: once per request.
    fn decides(&mut self, event: &Event<'_>) -> bool {
        let streaming = matches!(event.subresource(), Some("exec" | "attach" | "portforward"));
        match event.stage.as_str() {
            "RequestReceived" => false,
            "ResponseStarted" if !streaming => false,
            "ResponseStarted" => {
                let id = event.audit_id.as_str().to_string();
                if !id.is_empty() && self.streams.insert(id.clone()) {
                    self.stream_order.push_back(id);
                    if self.stream_order.len() > STREAMS_REMEMBERED
                        && let Some(oldest) = self.stream_order.pop_front()
                    {
                        self.streams.remove(&oldest);
                    }
                }
                true
            }
            "ResponseComplete" if streaming => !self.streams.contains(event.audit_id.as_str()),
            _ => true,
        }
    }

    /// The findings of one event, read from `source` at `line`.
    pub fn observe(&mut self, source: &Arc<str>, line: usize, event: &Event<'_>) -> Vec<Finding> {
        self.stats.events += 1;
        if !self.decides(event) {
            return Vec::new();
        }
        self.stats.judged += 1;
        let mut findings = Vec::new();
        let mut hits: Vec<Hit> = Vec::new();
        let rules = std::mem::take(&mut self.rules);
        for (index, rule) in rules.iter().enumerate() {
            if !rule.needs_request_object || event.request_object.is_some() {
                self.judged_by_rule[index] += 1;
            }
            hits.clear();
            let mut context = Context {
                settings: &self.settings,
                state: &mut self.state,
            };
            (rule.check)(event, &mut context, &mut hits);
            for hit in hits.drain(..) {
                findings.push(self.finding(rule, hit, source, line, event));
            }
        }
        self.rules = rules;
        findings
    }

    /// The incident an identity's detection at `time` belongs to: the one of its last
    /// detection when that was within the window, else a new one.
    fn incident(&mut self, user: &str, time: Option<i64>) -> String {
        let time = time.unwrap_or(0);
        let window = self.settings.incident_window_seconds;
        if let Some((last, incident)) = self.incidents.get_mut(user)
            && (time - *last).abs() <= window
        {
            *last = (*last).max(time);
            return incident.clone();
        }
        let incident = format!("{user}@{}", rampart_core::rfc3339(time));
        self.incidents.insert(user.to_string(), (time, incident.clone()));
        incident
    }

    fn finding(&mut self, rule: &Rule, hit: Hit, source: &Arc<str>, line: usize, event: &Event<'_>) -> Finding {
        let time = event.time();
        let user = event.username().to_string();
        let incident = self.incident(&user, time);
        let mut resource = event.resource().to_string();
        if let Some(subresource) = event.subresource() {
            resource = format!("{resource}/{subresource}");
        }
        if resource.is_empty() {
            resource = event.request_uri.as_str().to_string();
        }
        let evidence = AuditEvidence {
            audit_id: event.audit_id.as_str().to_string(),
            time: time.map(rampart_core::rfc3339),
            user: user.clone(),
            groups: event.user.groups.iter().map(Text::to_string).collect(),
            impersonated_user: event
                .impersonated_user
                .as_ref()
                .map(|impersonated| impersonated.username.to_string()),
            source_ips: event.source_ips.iter().map(Text::to_string).collect(),
            user_agent: event.user_agent.as_ref().map(Text::to_string),
            verb: event.verb.as_str().to_string(),
            resource,
            code: event.code(),
            incident,
        };
        let object = event.name().map(|name| {
            Arc::new(ResourceRef {
                api_version: match event.api_group() {
                    "" => "v1".to_string(),
                    group => format!("{group}/v1"),
                },
                kind: kind_of(event.resource()).to_string(),
                namespace: event.namespace().map(str::to_string),
                name: name.to_string(),
            })
        });
        Finding {
            rule: Cow::Borrowed(rule.meta.id),
            severity: rule.meta.severity,
            message: format!("{user} {}", hit.message),
            location: Location {
                path: Arc::clone(source),
                line,
                column: 1,
            },
            resource: object,
            field: hit.field,
            container: None,
            controls: Cow::Borrowed(rule.meta.controls),
            fix: Cow::Borrowed(rule.meta.fix),
            suppressed: false,
            suppression_reason: None,
            secret: None,
            event: Some(Box::new(evidence)),
        }
    }

    /// Reads a whole log from `reader` (named `source`), events before `since` (Unix
    /// seconds) passed over; each finding goes to `emit` as soon as its event is judged. A
    /// malformed line is an error with its number; the rest goes on. Lines are parsed in
    /// blocks of about [`BLOCK`] bytes on every core and judged in order; `streaming`
    /// judges each line as soon as it is read instead (`--follow`).
    pub fn read_log(
        &mut self,
        reader: &mut LogReader,
        source: &str,
        since: Option<i64>,
        streaming: bool,
        emit: &mut dyn FnMut(Finding),
    ) -> Vec<ScanError> {
        let source: Arc<str> = Arc::from(source);
        let mut errors = Vec::new();
        let limit = if streaming { 1 } else { BLOCK };
        let mut block: Vec<u8> = Vec::with_capacity(limit + (64 << 10));
        let mut spans: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
        let mut ended = false;
        while !ended {
            block.clear();
            spans.clear();
            while block.len() < limit {
                let Some(next) = reader.next_line() else {
                    ended = true;
                    break;
                };
                self.stats.lines += 1;
                match next {
                    Ok((number, line)) => {
                        let start = block.len();
                        block.extend_from_slice(line);
                        spans.push((number, start..block.len()));
                    }
                    Err(error) => {
                        self.stats.malformed += 1;
                        errors.push(ScanError::new(source.to_string(), Some(error.line), error.message));
                    }
                }
            }
            let parsed: Vec<Result<Vec<Event<'_>>, String>> = if spans.len() > 64 {
                use rayon::prelude::*;
                spans
                    .par_iter()
                    .with_min_len(256)
                    .map(|(_, range)| parse_line(&block[range.clone()]))
                    .collect()
            } else {
                spans
                    .iter()
                    .map(|(_, range)| parse_line(&block[range.clone()]))
                    .collect()
            };
            for ((number, _), events) in spans.iter().zip(parsed) {
                let events = match events {
                    Ok(events) => events,
                    Err(error) => {
                        self.stats.malformed += 1;
                        errors.push(ScanError::new(
                            source.to_string(),
                            Some(*number),
                            format!("not an audit event: {error}"),
                        ));
                        continue;
                    }
                };
                for event in &events {
                    if let Some(since) = since
                        && event.time().is_some_and(|time| time < since)
                    {
                        self.stats.skipped_old += 1;
                        continue;
                    }
                    for finding in self.observe(&source, *number, event) {
                        emit(finding);
                    }
                }
            }
        }
        // Lines the reader skipped were reported before the block's parse errors.
        errors.sort_by_key(|error| error.line);
        errors
    }
}

/// About how many bytes of lines are parsed together, on every core.
pub const BLOCK: usize = 4 << 20;

/// The events of a batch the webhook backend posts (an `EventList`, or one `Event`), the
/// items parsed on every core: the list is first cut into its items' raw JSON, then each is
/// read. One item that is not an event refuses the batch.
pub fn parse_batch(body: &[u8]) -> Result<Vec<Event<'_>>, String> {
    #[derive(serde::Deserialize)]
    struct RawList<'a> {
        #[serde(borrow, default)]
        kind: Option<Text<'a>>,
        #[serde(borrow, default)]
        items: Vec<&'a serde_json::value::RawValue>,
    }
    let list: RawList<'_> = serde_json::from_slice(body).map_err(|error| error.to_string())?;
    if list.kind.as_ref().map(Text::as_str) != Some("EventList") {
        return parse_line(body);
    }
    use rayon::prelude::*;
    list.items
        .par_iter()
        .with_min_len(64)
        .enumerate()
        .map(|(index, item)| {
            serde_json::from_str::<Event<'_>>(item.get()).map_err(|error| format!("item {index}: {error}"))
        })
        .collect()
}

/// The events of one line: an `Event`, or the items of an `EventList` (a batch the webhook
/// backend posted, saved as a line).
pub fn parse_line(line: &[u8]) -> Result<Vec<Event<'_>>, String> {
    #[derive(serde::Deserialize)]
    struct List<'a> {
        #[serde(borrow)]
        items: Vec<Event<'a>>,
    }
    let event = Event::parse(line).map_err(|error| error.to_string())?;
    match event.kind.as_ref().map(Text::as_str) {
        Some("EventList") => serde_json::from_slice::<List<'_>>(line)
            .map(|list| list.items)
            .map_err(|error| error.to_string()),
        Some("Event") | None => {
            if event.verb.as_str().is_empty() && event.audit_id.as_str().is_empty() {
                return Err("it has neither a verb nor an auditID".to_string());
            }
            Ok(vec![event])
        }
        Some(other) => Err(format!("its kind is {other}, not Event or EventList")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::event;

    fn detect(lines: &[String]) -> (Vec<Finding>, Vec<ScanError>, Stats) {
        let text = lines.join("\n");
        let mut reader = LogReader::new(Box::new(std::io::Cursor::new(text.into_bytes())), 1 << 20).unwrap();
        let mut detector = Detector::new(crate::rules::all().to_vec(), Settings::default());
        let mut findings = Vec::new();
        let errors = detector.read_log(&mut reader, "audit.log", None, false, &mut |finding| {
            findings.push(finding)
        });
        (findings, errors, detector.stats)
    }

    #[test]
    fn a_stream_is_judged_once_and_findings_carry_the_event() {
        let started =
            event("alice", "create", "pods/exec", "shop/web-1", 101, "").replace("ResponseComplete", "ResponseStarted");
        let completed = event("alice", "create", "pods/exec", "shop/web-1", 101, "");
        let received = started.replace("ResponseStarted", "RequestReceived");
        let (findings, errors, stats) = detect(&[received, started, completed]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(stats.events, 3);
        assert_eq!(stats.judged, 1);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let finding = &findings[0];
        assert_eq!((finding.rule.as_ref(), finding.location.line), ("audit-pod-exec", 2));
        let evidence = finding.event.as_ref().unwrap();
        assert_eq!(evidence.user, "alice");
        assert_eq!(evidence.resource, "pods/exec");
        assert_eq!(evidence.code, Some(101));
        assert_eq!(evidence.source_ips, ["10.0.0.7"]);
        assert_eq!(evidence.time.as_deref(), Some("2026-12-01T10:00:00Z"));
        assert_eq!(finding.resource.as_ref().unwrap().display_name(), "Pod/shop/web-1");
    }

    #[test]
    fn malformed_lines_are_errors_with_their_number_and_the_rest_goes_on() {
        let exec = event("alice", "create", "pods/exec", "shop/web-1", 101, "");
        let list = format!("{{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":[{exec},{exec}]}}");
        let lines = [
            "{\"kind\": 0}".to_string(),
            "{\"truncated\": ".to_string(),
            "\u{0}\u{1}binary".to_string(),
            "{\"kind\":\"Pod\"}".to_string(),
            list,
        ];
        let (findings, errors, stats) = detect(&lines);
        let lines_of_errors: Vec<Option<usize>> = errors.iter().map(|error| error.line).collect();
        assert_eq!(lines_of_errors, [Some(1), Some(2), Some(3), Some(4)], "{errors:?}");
        assert!(errors[3].message.contains("kind is Pod"), "{errors:?}");
        assert_eq!(stats.malformed, 4);
        assert_eq!(findings.len(), 2, "both items of the list");
        assert!(findings.iter().all(|finding| finding.location.line == 5));
    }

    #[test]
    fn a_batch_is_cut_into_its_items_and_each_read() {
        let exec = event("alice", "create", "pods/exec", "shop/web-1", 101, "");
        let list = format!(
            "{{\"kind\":\"EventList\",\"items\":[{}]}}",
            vec![exec.as_str(); 200].join(",")
        );
        let events = parse_batch(list.as_bytes()).unwrap();
        assert_eq!(events.len(), 200);
        assert!(events.iter().all(|event| event.username() == "alice"));
        assert_eq!(parse_batch(exec.as_bytes()).unwrap().len(), 1);
        let broken = format!("{{\"kind\":\"EventList\",\"items\":[{exec},{{\"kind\":0}}]}}");
        assert!(parse_batch(broken.as_bytes()).unwrap_err().starts_with("item 1:"));
        assert!(parse_batch(b"[1]").is_err());
    }

    #[test]
    fn one_identity_close_in_time_is_one_incident() {
        let at = |time: &str, user: &str| {
            event(user, "create", "pods/exec", "shop/web-1", 101, "").replace("2026-12-01T10:00:00.000000Z", time)
        };
        let (findings, _, _) = detect(&[
            at("2026-12-01T10:00:00Z", "alice"),
            at("2026-12-01T10:10:00Z", "alice"),
            at("2026-12-01T10:10:00Z", "bob"),
            at("2026-12-01T11:00:00Z", "alice"),
        ]);
        let incidents: Vec<&str> = findings
            .iter()
            .map(|finding| finding.event.as_ref().unwrap().incident.as_str())
            .collect();
        assert_eq!(
            incidents,
            [
                "alice@2026-12-01T10:00:00Z",
                "alice@2026-12-01T10:00:00Z",
                "bob@2026-12-01T10:10:00Z",
                "alice@2026-12-01T11:00:00Z"
            ]
        );
    }
}
