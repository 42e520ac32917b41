//! One self-contained HTML page: the verdict and counts, the controls
//! matrix, charts (findings by severity and by control, trend lines from
//! the run store), the exceptions with days left, and the findings with
//! filters by severity, control, namespace and rule.
//!
//! Nothing is fetched: styles, script and data are inside the page. The
//! findings travel as compact JSON (strings interned in tables) and the
//! script draws one page of rows at a time, so 100,000 findings do not
//! freeze the browser.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use rampart_core::{Control, Report, Severity};
use serde::Serialize;

use crate::matrix::{ControlResult, ControlRow};
use crate::metrics::Metrics;
use crate::{ExceptionInfo, RuleInfo};

/// What the page shows.
pub struct HtmlReport<'a> {
    pub report: &'a Report,
    pub rules: &'a [RuleInfo],
    pub matrix: &'a [ControlRow],
    pub exceptions: &'a [ExceptionInfo],
    /// The run store's metrics, this run included; trend lines need two
    /// runs or more.
    pub metrics: Option<&'a Metrics>,
}

/// Rows the script draws per page.
pub const PAGE_SIZE: usize = 100;

/// Writes the page.
pub fn write(page: &HtmlReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let report = page.report;
    let summary = &report.summary;
    let title = format!("Rampart report: {} open finding(s)", summary.findings.total);
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&title)
    )?;
    write_header(page, out)?;
    write_matrix(page.matrix, out)?;
    write_charts(page, out)?;
    write_metrics(page.metrics, out)?;
    write_exceptions(page.exceptions, out)?;
    write_incidents(report, out)?;
    write_findings_shell(page, out)?;
    write_errors(report, out)?;
    out.write_all(b"<script id=\"findings-data\" type=\"application/json\">")?;
    write_data(page, &mut ScriptSafe(out))?;
    write!(out, "</script>\n<script>{SCRIPT}</script>\n</body>\n</html>\n")
}

fn write_header(page: &HtmlReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let report = page.report;
    let summary = &report.summary;
    let (class, verdict) = match (report.errors.is_empty(), summary.failed) {
        (false, _) => ("error", "Some inputs could not be read".to_string()),
        (true, true) => (
            "fail",
            format!(
                "Failed: findings at or above {}",
                summary.fail_on.map(|s| s.to_string()).unwrap_or_default()
            ),
        ),
        (true, false) => ("pass", "Passed: nothing at or above the threshold".to_string()),
    };
    write!(
        out,
        "<header><h1>Rampart report</h1><p class=\"verdict {class}\" id=\"verdict\">{}</p>\n\
         <p class=\"meta\">{} {} &middot; {} file(s), {} object(s)</p>\n<div class=\"counts\">",
        escape(&verdict),
        escape(report.tool.name),
        escape(report.tool.version),
        summary.files,
        summary.objects
    )?;
    write!(
        out,
        "<div class=\"count\"><span id=\"count-total\">{}</span>open</div>",
        summary.findings.total
    )?;
    for severity in Severity::ALL.iter() {
        write!(
            out,
            "<div class=\"count sev-{severity}\"><span id=\"count-{severity}\">{}</span>{severity}</div>",
            summary.findings.get(*severity)
        )?;
    }
    write!(
        out,
        "<div class=\"count\"><span id=\"count-suppressed\">{}</span>suppressed</div>\
         <div class=\"count\"><span id=\"count-errors\">{}</span>errors</div></div></header>",
        summary.suppressed, summary.errors
    )
}

fn write_matrix(matrix: &[ControlRow], out: &mut dyn Write) -> io::Result<()> {
    if matrix.is_empty() {
        return Ok(());
    }
    out.write_all(
        b"<section id=\"controls\"><h2>Controls</h2><table><thead><tr><th>Control</th><th>Result</th>\
          <th>Open</th><th>Excepted</th><th>Automation</th><th>Evidence</th><th>Frequency</th><th>Last evidence</th>\
          </tr></thead><tbody>\n",
    )?;
    for row in matrix {
        let automation = escape(&row.automation_summary());
        write!(
            out,
            "<tr data-control=\"{id}\"><td title=\"{summary}\">{id}</td><td class=\"result {class}\">{result}{reason}</td>\
             <td>{open}</td><td>{excepted}</td><td>{automation}</td><td>{evidence}</td><td>{frequency}</td><td>{last}</td></tr>",
            id = row.control.id(),
            summary = escape(row.summary),
            class = result_class(row.result),
            result = row.result.label(),
            reason = row
                .reason
                .as_deref()
                .map(|reason| format!("<br><small>{}</small>", escape(reason)))
                .unwrap_or_default(),
            open = row.open_findings,
            excepted = row.suppressed_findings,
            evidence = escape(&row.evidence.join("; ")),
            frequency = escape(&row.frequency),
            last = escape(row.last_evidence.as_deref().unwrap_or("")),
        )?;
    }
    out.write_all(b"</tbody></table></section>\n")
}

fn result_class(result: ControlResult) -> &'static str {
    match result {
        ControlResult::Pass => "pass",
        ControlResult::Fail => "fail",
        ControlResult::Excepted => "excepted",
        ControlResult::Partial => "partial",
        ControlResult::NotEvaluated => "none",
        ControlResult::Stale => "stale",
    }
}

fn write_charts(page: &HtmlReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let summary = &page.report.summary;
    let by_severity: Vec<(String, usize, String)> = Severity::ALL
        .iter()
        .map(|severity| {
            (
                severity.to_string(),
                summary.findings.get(*severity),
                format!("sev-{severity}"),
            )
        })
        .collect();
    let mut per_control: BTreeMap<Control, usize> = BTreeMap::new();
    for finding in page.report.findings.iter().filter(|finding| !finding.suppressed) {
        for control in finding.controls.iter() {
            *per_control.entry(*control).or_default() += 1;
        }
    }
    let by_control: Vec<(String, usize, String)> = per_control
        .into_iter()
        .map(|(control, count)| (control.id().to_string(), count, "bar".to_string()))
        .collect();
    out.write_all(b"<section id=\"charts\"><h2>Charts</h2><div class=\"charts\">")?;
    bar_chart(out, "chart-severity", "Open findings by severity", &by_severity)?;
    bar_chart(out, "chart-control", "Open findings by control", &by_control)?;
    if let Some(metrics) = page.metrics.filter(|metrics| metrics.series.len() > 1) {
        let open: Vec<f64> = metrics.series.iter().map(|point| point.open as f64).collect();
        line_chart(out, "trend-open", "Open findings per recorded run", &open, None)?;
        let pinned: Vec<f64> = metrics
            .series
            .iter()
            .filter_map(|point| point.digest_pinned_percent)
            .collect();
        if pinned.len() > 1 {
            line_chart(
                out,
                "trend-digest",
                "Workloads with digest-pinned images (%)",
                &pinned,
                Some(100.0),
            )?;
        }
    }
    out.write_all(b"</div></section>\n")
}

/// A horizontal bar chart as inline SVG.
fn bar_chart(out: &mut dyn Write, id: &str, title: &str, bars: &[(String, usize, String)]) -> io::Result<()> {
    let max = bars.iter().map(|(_, count, _)| *count).max().unwrap_or(0).max(1);
    let height = bars.len() * 22 + 10;
    write!(
        out,
        "<figure id=\"{id}\"><figcaption>{}</figcaption><svg role=\"img\" width=\"360\" height=\"{height}\" viewBox=\"0 0 360 {height}\">",
        escape(title)
    )?;
    if bars.is_empty() {
        out.write_all(b"<text x=\"0\" y=\"20\">no open findings</text>")?;
    }
    for (index, (label, count, class)) in bars.iter().enumerate() {
        let y = index * 22 + 4;
        let width = (*count as f64 / max as f64 * 200.0).round();
        write!(
            out,
            "<text x=\"0\" y=\"{}\" class=\"label\">{}</text><rect class=\"{class}\" x=\"95\" y=\"{y}\" width=\"{width}\" height=\"16\"></rect>\
             <text x=\"{}\" y=\"{}\" class=\"value\">{count}</text>",
            y + 13,
            escape(label),
            100.0 + width,
            y + 13
        )?;
    }
    out.write_all(b"</svg></figure>")
}

/// A line over the recorded runs, oldest at the left.
fn line_chart(out: &mut dyn Write, id: &str, title: &str, values: &[f64], top: Option<f64>) -> io::Result<()> {
    let max = top
        .unwrap_or_else(|| values.iter().copied().fold(0.0, f64::max))
        .max(1.0);
    let (width, height) = (360.0, 120.0);
    let step = width / (values.len().saturating_sub(1).max(1)) as f64;
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(index, value)| {
            format!(
                "{:.1},{:.1}",
                index as f64 * step,
                height - 10.0 - value / max * (height - 20.0)
            )
        })
        .collect();
    write!(
        out,
        "<figure id=\"{id}\"><figcaption>{} (last: {})</figcaption><svg role=\"img\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\
         <polyline fill=\"none\" class=\"trend\" points=\"{}\"></polyline></svg></figure>",
        escape(title),
        values.last().copied().unwrap_or(0.0),
        points.join(" ")
    )
}

fn write_metrics(metrics: Option<&Metrics>, out: &mut dyn Write) -> io::Result<()> {
    let Some(metrics) = metrics.filter(|metrics| metrics.runs > 1) else {
        return Ok(());
    };
    let digest = match &metrics.digest_pinned {
        Some(share) => format!("{} of {} ({}%)", share.count, share.of, share.percent),
        None => "not measured".to_string(),
    };
    let fix = match metrics.mean_hours_to_fix {
        Some(hours) => format!("{hours:.1} h over {} fixed", metrics.fixed_findings),
        None => "no finding fixed yet".to_string(),
    };
    write!(
        out,
        "<section id=\"metrics\"><h2>Metrics ({} recorded runs)</h2><dl>\
         <dt>Blocked runs</dt><dd id=\"metric-blocked\">{}</dd>\
         <dt>Exceptions granted</dt><dd id=\"metric-exceptions\">{}</dd>\
         <dt>Digest-pinned workloads</dt><dd>{}</dd>\
         <dt>Mean time to fix</dt><dd>{}</dd>\
         <dt>Open findings</dt><dd>{}</dd></dl></section>",
        metrics.runs,
        metrics.blocked_runs,
        metrics.exceptions_granted,
        escape(&digest),
        escape(&fix),
        metrics.open_findings
    )
}

fn write_exceptions(exceptions: &[ExceptionInfo], out: &mut dyn Write) -> io::Result<()> {
    if exceptions.is_empty() {
        return Ok(());
    }
    out.write_all(
        b"<section id=\"exceptions\"><h2>Exceptions</h2><table><thead><tr><th>Id</th><th>Rules</th><th>Owner</th>\
          <th>Approved by</th><th>Expires</th><th>Days left</th><th>Status</th><th>Justification</th></tr></thead><tbody>\n",
    )?;
    for exception in exceptions {
        write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"days\">{}</td><td class=\"result {}\">{}</td><td>{}</td></tr>",
            escape(&exception.id),
            escape(&exception.rules.join(", ")),
            escape(&exception.owner),
            escape(&exception.approved_by),
            escape(&exception.expires),
            exception.days_left,
            match exception.status.as_str() {
                "active" => "pass",
                "expiring" => "stale",
                _ => "fail",
            },
            escape(&exception.status),
            escape(&exception.justification)
        )?;
    }
    out.write_all(b"</tbody></table></section>\n")
}

/// Audit-log detections grouped by identity and time, most severe first.
fn write_incidents(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut incidents = crate::incidents::incidents(&report.findings);
    if incidents.is_empty() {
        return Ok(());
    }
    incidents.sort_by(|a, b| b.severity.cmp(&a.severity).then(b.detections.cmp(&a.detections)));
    out.write_all(
        b"<section id=\"incidents\"><h2>Incidents</h2><table><thead><tr><th>Identity</th><th>First</th><th>Last</th>\
          <th>Detections</th><th>Severity</th><th>Rules</th><th>Source IPs</th></tr></thead><tbody>\n",
    )?;
    for incident in &incidents {
        write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"days\">{}</td><td class=\"sev {}\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&incident.user),
            escape(incident.first.as_deref().unwrap_or("")),
            escape(incident.last.as_deref().unwrap_or("")),
            incident.detections,
            incident.severity,
            incident.severity,
            escape(&incident.rules.join(", ")),
            escape(&incident.source_ips.iter().cloned().collect::<Vec<_>>().join(", "))
        )?;
    }
    out.write_all(b"</tbody></table></section>\n")
}

fn write_findings_shell(page: &HtmlReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"<section id=\"findings\"><h2>Findings</h2><div class=\"filters\"><span class=\"chips\">")?;
    for severity in Severity::ALL.iter() {
        write!(
            out,
            "<button type=\"button\" class=\"chip sev-{severity}\" data-severity=\"{severity}\" aria-pressed=\"false\">{severity}</button>"
        )?;
    }
    out.write_all(
        b"</span><label>Control <select id=\"filter-control\"><option value=\"\">all</option></select></label>\
          <label>Namespace <select id=\"filter-namespace\"><option value=\"\">all</option></select></label>\
          <label>Rule <select id=\"filter-rule\"><option value=\"\">all</option></select></label>\
          <label><input type=\"checkbox\" id=\"filter-suppressed\"> suppressed too</label></div>\
          <p class=\"pager\"><button type=\"button\" id=\"page-previous\">&larr;</button> <span id=\"visible-count\"></span> \
          <button type=\"button\" id=\"page-next\">&rarr;</button></p>\
          <table id=\"findings-table\"><thead><tr><th>Severity</th><th>Rule</th><th>Where</th><th>Object</th><th>Finding</th></tr></thead>\
          <tbody></tbody></table>",
    )?;
    if page.report.findings.is_empty() {
        out.write_all(b"<p id=\"no-findings\">No findings.</p>")?;
    }
    out.write_all(b"</section>\n")
}

fn write_errors(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    if report.errors.is_empty() {
        return Ok(());
    }
    out.write_all(b"<section id=\"errors\"><h2>Inputs that could not be read</h2><ul>")?;
    for error in &report.errors {
        write!(out, "<li>{}</li>", escape(&error.to_string()))?;
    }
    out.write_all(b"</ul></section>\n")
}

/// The findings for the script, most severe first: string tables, then one array per finding
/// `[severity, rule, [controls], namespace, path, line, message, object,
/// field, suppressed, reason]`, indices into the tables.
fn write_data(page: &HtmlReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    #[derive(Serialize)]
    struct Data<'a> {
        page_size: usize,
        severities: Vec<String>,
        controls: Vec<&'static str>,
        strings: Vec<&'a str>,
        rules: BTreeMap<&'a str, &'a str>,
    }
    let report = page.report;
    let mut strings: Vec<&str> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    // Interned first, so the table can go before the rows.
    let mut rows: Vec<[usize; 4]> = Vec::with_capacity(report.findings.len());
    for finding in &report.findings {
        let namespace = finding
            .resource
            .as_ref()
            .and_then(|resource| resource.namespace.as_deref())
            .unwrap_or("");
        rows.push([
            intern_into(finding.rule.as_ref(), &mut strings, &mut index),
            intern_into(namespace, &mut strings, &mut index),
            intern_into(&finding.location.path, &mut strings, &mut index),
            intern_into(finding.field.as_str(), &mut strings, &mut index),
        ]);
    }
    let data = Data {
        page_size: PAGE_SIZE,
        severities: Severity::ALL.iter().map(|severity| severity.to_string()).collect(),
        controls: Control::ALL.iter().map(|control| control.id()).collect(),
        strings,
        rules: page
            .rules
            .iter()
            .filter(|rule| index.contains_key(rule.id.as_str()))
            .map(|rule| (rule.id.as_str(), rule.title.as_str()))
            .collect(),
    };
    let json_error = io::Error::other;
    let header = serde_json::to_string(&data).map_err(json_error)?;
    // Reopen the object to add the rows without building them as values.
    out.write_all(&header.as_bytes()[..header.len() - 1])?;
    out.write_all(b",\"findings\":[")?;
    // Sorted here, most severe first, so the page never sorts 100,000 rows.
    let mut order: Vec<usize> = (0..report.findings.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&report.findings[a], &report.findings[b]);
        b.severity.cmp(&a.severity).then_with(|| a.location.cmp(&b.location))
    });
    for (position, at) in order.into_iter().enumerate() {
        let (finding, [rule, namespace, path, field]) = (&report.findings[at], rows[at]);
        if position > 0 {
            out.write_all(b",\n")?;
        }
        let controls: Vec<usize> = finding
            .controls
            .iter()
            .filter_map(|control| Control::ALL.iter().position(|c| c == control))
            .collect();
        let object = finding
            .resource
            .as_ref()
            .map(|resource| resource.display_name())
            .unwrap_or_default();
        let row = (
            Severity::ALL.iter().position(|s| *s == finding.severity).unwrap_or(0),
            rule,
            controls,
            namespace,
            path,
            finding.location.line,
            finding.message.as_str(),
            object,
            field,
            u8::from(finding.suppressed),
            finding.suppression_reason.as_deref().unwrap_or(""),
        );
        serde_json::to_writer(&mut *out, &row).map_err(json_error)?;
    }
    out.write_all(b"]}")
}

fn intern_into<'a>(text: &'a str, strings: &mut Vec<&'a str>, index: &mut HashMap<&'a str, usize>) -> usize {
    *index.entry(text).or_insert_with(|| {
        strings.push(text);
        strings.len() - 1
    })
}

/// Escapes what could end the `<script>` element or start markup inside
/// it: `<`, `>` and `&` become JSON `\u` escapes, which JSON strings read
/// back unchanged. (Outside strings, JSON never holds these bytes.)
struct ScriptSafe<'a>(&'a mut dyn Write);

impl Write for ScriptSafe<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut start = 0;
        for (at, byte) in buf.iter().enumerate() {
            let escaped: &[u8] = match byte {
                b'<' => b"\\u003c",
                b'>' => b"\\u003e",
                b'&' => b"\\u0026",
                _ => continue,
            };
            self.0.write_all(&buf[start..at])?;
            self.0.write_all(escaped)?;
            start = at + 1;
        }
        self.0.write_all(&buf[start..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Text for HTML element content and quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

const STYLE: &str = r##"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;padding:1rem 1.5rem;color:#1d2330}
h1{margin:.2rem 0}h2{margin-top:2rem;border-bottom:1px solid #dde2ea;padding-bottom:.3rem}
.verdict{font-weight:600;font-size:1.1rem}.verdict.pass{color:#1a7f37}.verdict.fail{color:#c62828}.verdict.error{color:#b26a00}
.meta{color:#5b6475}.counts{display:flex;gap:.6rem;flex-wrap:wrap}
.count{border:1px solid #dde2ea;border-radius:6px;padding:.4rem .8rem;min-width:5rem;text-align:center;color:#5b6475}
.count span{display:block;font-size:1.5rem;font-weight:700;color:#1d2330}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eef1f5;vertical-align:top}
th{background:#f6f8fa}.result.pass{color:#1a7f37}.result.fail{color:#c62828;font-weight:600}.result.excepted{color:#6a4fb3}
.result.stale,.result.partial{color:#b26a00;font-weight:600}.result.none{color:#8a93a3}
.charts{display:flex;gap:2rem;flex-wrap:wrap}figure{margin:0}figcaption{font-weight:600;margin-bottom:.3rem}
svg text{font-size:12px;fill:#1d2330}rect.bar{fill:#4f6bd8}.trend{stroke:#4f6bd8;stroke-width:2}
rect.sev-critical,.chip.sev-critical[aria-pressed=true]{fill:#8e0000;background:#8e0000;color:#fff}
rect.sev-high,.chip.sev-high[aria-pressed=true]{fill:#d84315;background:#d84315;color:#fff}
rect.sev-medium,.chip.sev-medium[aria-pressed=true]{fill:#f9a825;background:#f9a825}
rect.sev-low,.chip.sev-low[aria-pressed=true]{fill:#1976d2;background:#1976d2;color:#fff}
rect.sev-info,.chip.sev-info[aria-pressed=true]{fill:#90a4ae;background:#90a4ae}
.filters{display:flex;gap:1rem;flex-wrap:wrap;align-items:center;margin-bottom:.5rem}
.chip{border:1px solid #c5ccd8;border-radius:1rem;background:#fff;padding:.15rem .7rem;cursor:pointer}
td.sev{font-weight:600}#findings-table td:nth-child(3){word-break:break-all;max-width:24rem}tr.suppressed{color:#8a93a3}code{font-size:12px}
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dt{color:#5b6475}dd{margin:0}
"##;

const SCRIPT: &str = r##"
(function(){
"use strict";
var data=JSON.parse(document.getElementById("findings-data").textContent);
var S=data.strings,page=0,shown=[];
var active={};
function el(tag,text,cls){var e=document.createElement(tag);if(text!==undefined)e.textContent=text;if(cls)e.className=cls;return e;}
function fill(id,values){var select=document.getElementById(id);values.forEach(function(v){var o=el("option",v);o.value=v;select.appendChild(o);});select.addEventListener("change",function(){page=0;apply();});}
var rules={},namespaces={},used={};
data.findings.forEach(function(f){rules[S[f[1]]]=1;if(S[f[3]])namespaces[S[f[3]]]=1;f[2].forEach(function(c){used[data.controls[c]]=1;});});
fill("filter-control",Object.keys(used).sort());
fill("filter-namespace",Object.keys(namespaces).sort());
fill("filter-rule",Object.keys(rules).sort());
document.getElementById("filter-suppressed").addEventListener("change",function(){page=0;apply();});
Array.prototype.forEach.call(document.querySelectorAll(".chip"),function(chip){
 chip.addEventListener("click",function(){var s=chip.getAttribute("data-severity");active[s]=!active[s];
  chip.setAttribute("aria-pressed",active[s]?"true":"false");page=0;apply();});});
document.getElementById("page-previous").addEventListener("click",function(){if(page>0){page--;draw();}});
document.getElementById("page-next").addEventListener("click",function(){if((page+1)*data.page_size<shown.length){page++;draw();}});
function apply(){
 var control=document.getElementById("filter-control").value,namespace=document.getElementById("filter-namespace").value,
  rule=document.getElementById("filter-rule").value,suppressed=document.getElementById("filter-suppressed").checked,
  severities=Object.keys(active).filter(function(k){return active[k];});
 shown=data.findings.filter(function(f){
  if(f[9]&&!suppressed)return false;
  if(severities.length&&severities.indexOf(data.severities[f[0]])<0)return false;
  if(rule&&S[f[1]]!==rule)return false;
  if(namespace&&S[f[3]]!==namespace)return false;
  if(control&&!f[2].some(function(c){return data.controls[c]===control;}))return false;
  return true;});
 draw();}
function draw(){
 var body=document.querySelector("#findings-table tbody"),start=page*data.page_size,rows=shown.slice(start,start+data.page_size);
 var fragment=document.createDocumentFragment();
 rows.forEach(function(f){var tr=el("tr");if(f[9])tr.className="suppressed";
  tr.setAttribute("data-severity",data.severities[f[0]]);
  tr.appendChild(el("td",data.severities[f[0]],"sev sev-"+data.severities[f[0]]));
  var rule=el("td");var code=el("code",S[f[1]]);code.title=data.rules[S[f[1]]]||"";rule.appendChild(code);tr.appendChild(rule);
  tr.appendChild(el("td",S[f[4]]+":"+f[5]+(S[f[8]]?" "+S[f[8]]:"")));
  tr.appendChild(el("td",f[7]));
  tr.appendChild(el("td",f[6]+(f[9]?" (suppressed: "+f[10]+")":"")));
  fragment.appendChild(tr);});
 body.textContent="";body.appendChild(fragment);
 document.getElementById("visible-count").textContent=shown.length?(start+1)+"\u2013"+(start+rows.length)+" of "+shown.length:"0 of 0";
 document.getElementById("visible-count").setAttribute("data-total",String(shown.length));}
apply();
})();
"##;

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::sync::Arc;

    use rampart_core::{Finding, Location, ResourceRef, Summary, Tool};

    use super::*;

    fn finding(message: &str, severity: Severity, suppressed: bool) -> Finding {
        Finding {
            rule: Cow::Borrowed("no-privileged"),
            severity,
            message: message.to_string(),
            location: Location {
                path: Arc::from("deploy/web.yaml"),
                line: 7,
                column: 1,
            },
            resource: Some(Arc::new(ResourceRef {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                namespace: Some("shop".into()),
                name: "web".into(),
            })),
            field: "spec.template.spec.containers[0].securityContext.privileged".into(),
            container: None,
            controls: Cow::Borrowed(&[Control::Runtime]),
            fix: Cow::Borrowed(""),
            suppressed,
            suppression_reason: suppressed.then(|| "exception legacy".to_string()),
            secret: None,
            event: None,
        }
    }

    fn page(findings: Vec<Finding>) -> String {
        let report = Report::new(
            Tool {
                name: "rampart",
                version: "0.1.0",
            },
            findings,
            Vec::new(),
            Summary::default(),
            Some(Severity::High),
        );
        let exceptions = [ExceptionInfo {
            id: "legacy<b>".into(),
            rules: vec!["no-privileged".into()],
            owner: "team-a".into(),
            approved_by: "sec".into(),
            justification: "vendor image".into(),
            expires: "2027-01-01".into(),
            days_left: 40,
            status: "active".into(),
        }];
        let mut out = Vec::new();
        write(
            &HtmlReport {
                report: &report,
                rules: &[],
                matrix: &[],
                exceptions: &exceptions,
                metrics: None,
            },
            &mut out,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn counts_are_in_the_page_and_markup_in_messages_stays_text() {
        let html = page(vec![
            finding("</script><script>alert(1)</script>", Severity::Critical, false),
            finding("b & c", Severity::Low, true),
        ]);
        assert!(html.contains("<span id=\"count-total\">1</span>"), "{html}");
        assert!(html.contains("<span id=\"count-critical\">1</span>"));
        assert!(html.contains("<span id=\"count-suppressed\">1</span>"));
        // The message cannot close the data element.
        assert_eq!(html.matches("</script>").count(), 2);
        assert!(html.contains("\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"));
        assert!(html.contains("b \\u0026 c"));
        // Exceptions are escaped element content.
        assert!(html.contains("<td>legacy&lt;b&gt;</td>"));
        assert!(html.contains("<td class=\"days\">40</td>"));
    }

    #[test]
    fn the_data_reads_back_as_json_with_interned_strings() {
        let html = page(vec![
            finding("one", Severity::High, false),
            finding("two", Severity::High, false),
        ]);
        let start = html.find("type=\"application/json\">").unwrap() + "type=\"application/json\">".len();
        let end = start + html[start..].find("</script>").unwrap();
        let data: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
        let strings = data["strings"].as_array().unwrap();
        assert_eq!(
            strings.len(),
            4,
            "rule, namespace, path and field once each: {strings:?}"
        );
        let rows = data["findings"].as_array().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(strings[rows[1][1].as_u64().unwrap() as usize], "no-privileged");
        assert_eq!(strings[rows[1][3].as_u64().unwrap() as usize], "shop");
        assert_eq!(rows[1][6], "two");
        assert_eq!(rows[1][7], "Deployment/shop/web");
        assert_eq!(data["page_size"], PAGE_SIZE);
    }

    #[test]
    fn nothing_is_fetched_from_elsewhere() {
        let html = page(vec![finding("x", Severity::High, false)]);
        for fetch in ["src=", "href=", "url(", "@import", "http://", "https://"] {
            assert!(!html.contains(fetch), "the page must not contain {fetch}");
        }
    }
}
