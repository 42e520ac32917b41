//! ## What it checks
//!
//! A spike of refused requests (403) from one identity: at least
//! `[audit-log] forbidden-threshold` (20) within `forbidden-window-seconds` (300). One
//! finding when the spike starts, at the request that reached the threshold; the identity
//! is reported again only once its refusals within the window have fallen below the
//! threshold and reached it anew.
//!
//! ## Why it matters
//!
//! "Monitor audit logs for forbidden errors": a stolen credential is tried against
//! everything to see what it opens, and each miss is a 403. Applications with a missing
//! permission fail the same request at their own pace; a burst across resources is
//! someone probing.
//!
//! ## How to fix
//!
//! Look at what the identity asked for (the incident groups its requests). If it is an
//! application missing a permission, grant the one it needs; if not, revoke the
//! credential.
//!
//! ## Example
//!
//! ```text
//! audit.log:4410: audit-forbidden-spike: system:serviceaccount:shop:web was refused 20 requests within 300 s (list secrets (all namespaces))
//! ```

use super::{Context, Hit, Rule};
use crate::event::Event;
use rampart_core::{Control, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-forbidden-spike",
        title: "One identity was refused many requests in a short time",
        severity: Severity::High,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Look at what the identity asked for; grant an application the one permission it lacks, or revoke a credential that is probing.",
    },
    check,
    source: include_str!("forbidden_spike.rs"),
    falco: &["K8s Secret Get Unsuccessfully Tried"],
    needs_request_object: false,
};

/// Identities tracked at most; the quietest are let go first.
const IDENTITIES: usize = 100_000;

fn check(event: &Event<'_>, context: &mut Context<'_>, out: &mut Vec<Hit>) {
    // Only refusals are timed: reading every event's time would cost more than the rule.
    if event.code() != Some(403) {
        return;
    }
    let Some(time) = event.time() else {
        return;
    };
    let window = context.settings.forbidden_window_seconds;
    let threshold = context.settings.forbidden_threshold.max(1);
    let state = &mut *context.state;
    state.latest = state.latest.max(time);
    state.since_pruned += 1;
    if state.since_pruned >= 10_000 || state.refusals.len() > IDENTITIES {
        let horizon = state.latest - window;
        state
            .refusals
            .retain(|_, times| times.back().is_some_and(|last| *last >= horizon));
        state.since_pruned = 0;
    }
    let times = state.refusals.entry(event.username().to_string()).or_default();
    // A request older than the window behind the latest seen is too late to count.
    if time < state.latest - window {
        return;
    }
    while times.front().is_some_and(|first| *first < time - window) {
        times.pop_front();
    }
    times.push_back(time);
    if times.len() == threshold {
        out.push(Hit::new(
            "responseStatus.code",
            format!(
                "was refused {threshold} requests within {window} s ({} {})",
                event.verb,
                event.describe_target()
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Context, State};
    use crate::event::Event;
    use crate::rules::testing::event;
    use crate::settings::Settings;

    fn run(lines: &[String], settings: &Settings) -> Vec<usize> {
        let mut state = State::default();
        let mut fired = Vec::new();
        for (index, line) in lines.iter().enumerate() {
            let event = Event::parse(line.as_bytes()).unwrap();
            let mut context = Context {
                settings,
                state: &mut state,
            };
            let mut out = Vec::new();
            (super::RULE.check)(&event, &mut context, &mut out);
            if !out.is_empty() {
                fired.push(index);
            }
        }
        fired
    }

    fn refused(user: &str, second: u32) -> String {
        event(user, "get", "secrets", "shop/db", 403, "").replace(
            "10:00:00.000000Z",
            &format!("10:{:02}:{:02}Z", second / 60, second % 60),
        )
    }

    #[test]
    fn fires_once_when_the_threshold_is_reached_in_the_window() {
        let settings = Settings {
            forbidden_threshold: 5,
            forbidden_window_seconds: 60,
            ..Settings::default()
        };
        let mut lines: Vec<String> = (0..8).map(|second| refused("mallory", second)).collect();
        lines.push(refused("mallory", 500));
        assert_eq!(run(&lines, &settings), [4]);
    }

    #[test]
    fn quiet_below_the_threshold_spread_out_or_out_of_order() {
        let settings = Settings {
            forbidden_threshold: 5,
            forbidden_window_seconds: 60,
            ..Settings::default()
        };
        let below: Vec<String> = (0..4).map(|second| refused("app", second)).collect();
        assert!(run(&below, &settings).is_empty());
        let spread: Vec<String> = (0..10).map(|step| refused("app", step * 30)).collect();
        assert!(run(&spread, &settings).is_empty());
        let mut late: Vec<String> = vec![refused("app", 600)];
        late.extend((0..6).map(|second| refused("app", second)));
        assert!(
            run(&late, &settings).is_empty(),
            "older than the window behind the latest"
        );
        let two: Vec<String> = (0..3)
            .flat_map(|second| [refused("a", second), refused("b", second)])
            .collect();
        assert!(run(&two, &settings).is_empty(), "counted per identity");
    }
}
