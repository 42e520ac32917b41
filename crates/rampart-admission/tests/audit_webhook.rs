//! `POST /audit`: the API server's audit webhook backend posts `EventList` batches; each
//! event is judged by the detection rules in order, each detection handed on, refused
//! bodies answered 400 or 413, and the metrics count events and detections by rule.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rampart_admission::{AuditSink, ServeOptions, start};
use rampart_core::{Config, Finding};
use rampart_scan::{Flags, Pipeline, SecretsMode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn request(addr: std::net::SocketAddr, method: &str, path: &str, body: &[u8]) -> (String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // A refused body may be answered before it is all sent.
    let _ = stream.write_all(body).await;
    let mut text = Vec::new();
    let _ = stream.read_to_end(&mut text).await;
    let text = String::from_utf8_lossy(&text).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (head.lines().next().unwrap_or_default().to_string(), body.to_string())
}

fn event(id: &str, user: &str, verb: &str, resource: &str, subresource: &str, code: u16) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/{resource}/web-1/{subresource}","verb":"{verb}","user":{{"username":"{user}","groups":["system:authenticated"]}},"sourceIPs":["10.1.2.3"],"objectRef":{{"resource":"{resource}","namespace":"shop","name":"web-1","apiVersion":"v1","subresource":"{subresource}"}},"responseStatus":{{"code":{code}}},"requestReceivedTimestamp":"2026-12-01T10:00:00.000000Z"}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_are_judged_in_order_and_bad_ones_refused() {
    let flags = Flags {
        secrets: SecretsMode::TurnedOff,
        ..Flags::default()
    };
    let pipeline = Arc::new(Pipeline::prepare(Config::default(), flags).unwrap().0);
    let found: Arc<Mutex<Vec<Finding>>> = Arc::default();
    let sink = AuditSink {
        detector: Arc::new(Mutex::new(rampart_auditlog::Detector::new(
            rampart_auditlog::rules::all().to_vec(),
            rampart_auditlog::Settings::default(),
        ))),
        emit: {
            let found = found.clone();
            Arc::new(move |finding: &Finding| found.lock().unwrap().push(finding.clone()))
        },
    };
    let records: Arc<Mutex<Vec<rampart_report::store::AdmissionRecord>>> = Arc::default();
    let recorder: rampart_admission::server::Recorder = {
        let records = records.clone();
        Arc::new(move |record| {
            records.lock().unwrap().push(record.clone());
            Ok(())
        })
    };
    let options = ServeOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        log_decisions: false,
        read_timeout: Duration::from_secs(5),
        audit: Some(sink),
        record: Some(recorder),
        ..ServeOptions::default()
    };
    let running = start(options, pipeline).await.unwrap();
    let addr = running.addr;

    let batch = format!(
        "{{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":[{},{},{}]}}",
        event(
            "a",
            "system:serviceaccount:kube-system:generic-garbage-collector",
            "get",
            "pods",
            "",
            200
        ),
        event("b", "mallory", "create", "pods", "exec", 101),
        event("c", "mallory", "get", "secrets", "", 200),
    );
    let (status, body) = request(addr, "POST", "/audit", batch.as_bytes()).await;
    assert!(status.contains(" 200 "), "{status}: {body}");
    assert_eq!(body, "3 events judged");
    let rules: Vec<(String, usize)> = found
        .lock()
        .unwrap()
        .iter()
        .map(|finding| (finding.rule.to_string(), finding.location.line))
        .collect();
    assert_eq!(
        rules,
        [
            ("audit-pod-exec".to_string(), 2),
            ("audit-secret-read-unexpected".to_string(), 3)
        ]
    );
    assert_eq!(
        found.lock().unwrap()[0].event.as_ref().unwrap().source_ips,
        ["10.1.2.3"]
    );

    let (status, _) = request(addr, "POST", "/audit", b"{\"kind\":\"Pod\"}").await;
    assert!(status.contains(" 400 "), "{status}");
    let (status, _) = request(addr, "POST", "/audit", b"not json").await;
    assert!(status.contains(" 400 "), "{status}");
    let huge = vec![b' '; rampart_admission::server::MAX_AUDIT_BODY + 1];
    let (status, _) = request(addr, "POST", "/audit", &huge).await;
    assert!(status.contains(" 413 "), "{status}");

    let (_, metrics) = request(addr, "GET", "/metrics", b"").await;
    assert!(metrics.contains("rampart_admission_audit_events_total 3"), "{metrics}");
    assert!(
        metrics.contains("rampart_admission_audit_detections_total{rule=\"audit-pod-exec\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("rampart_admission_audit_refused_total 3"), "{metrics}");
    running.stop().await.unwrap();
    // The run store gets the detections by rule (`serve --audit --record`).
    let records = records.lock().unwrap();
    let detections: usize = records
        .iter()
        .map(|record| record.detections.values().sum::<usize>())
        .sum();
    assert_eq!(detections, 2);
    assert!(
        records
            .iter()
            .any(|record| record.detections.get("audit-pod-exec") == Some(&1))
    );
}
