//! Health, readiness, metrics and the OpenAPI document.

use crate::support::*;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn health_metrics_and_openapi() {
    let app = TestApp::spawn();
    let get = |p: &str| app.client.get(app.url(p)).send();

    let r = get("/healthz").await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("trace-id"));
    assert_eq!(get("/readyz").await.unwrap().status(), 200);

    let task = app.create(&text_task("metrics")).await.id();
    let done = app.wait_until_terminal(&task, Duration::from_secs(120)).await;
    assert_eq!(done.status, Some(Status::Success), "{}", done.json);
    app.query("123").await;

    let m = get("/metrics").await.unwrap().text().await.unwrap();
    for needle in [
        r#"videoagent_http_requests_total{route="/v1/video_template_generation",status="200",code="0"} 1"#,
        r#"videoagent_http_requests_total{route="/v1/query/video_template_generation",status="200",code="2013"} 1"#,
        r#"videoagent_tasks_finished_total{status="Success",code="0"} 1"#,
        r#"videoagent_tasks{status="Success"} 1"#,
        r#"videoagent_tasks{status="Preparing"} 0"#,
        "videoagent_http_request_duration_seconds",
        "videoagent_render_seconds",
    ] {
        assert!(m.contains(needle), "missing {needle} in\n{m}");
    }

    // The generated document describes MiniMax's two operations as MiniMax names them.
    let doc: Value = get("/openapi.json").await.unwrap().json().await.unwrap();
    assert_eq!(doc["paths"]["/v1/video_template_generation"]["post"]["operationId"], "videoTemplateGeneration");
    assert_eq!(
        doc["paths"]["/v1/query/video_template_generation"]["get"]["operationId"],
        "queryVideoTemplateGenerationTask"
    );
    let schemas = &doc["components"]["schemas"];
    // Every schema and property MiniMax documents exists in ours.
    let yaml =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/minimax-openapi.yaml"))
            .unwrap();
    let section = &yaml[yaml.find("  schemas:\n").unwrap()..yaml.find("  securitySchemes:").unwrap()];
    let (mut schema, mut in_props, mut checked) = (String::new(), false, 0);
    for line in section.lines() {
        let indent = line.len() - line.trim_start().len();
        let Some(name) = line.trim().strip_suffix(':') else {
            continue;
        };
        match indent {
            4 => {
                schema = name.to_string();
                assert!(schemas.get(&schema).is_some(), "schema {schema} missing from /openapi.json");
                checked += 1;
            }
            6 => in_props = name == "properties",
            8 if in_props => {
                assert!(schemas[&schema]["properties"].get(name).is_some(), "{schema}.{name} missing");
                checked += 1;
            }
            _ => {}
        }
    }
    assert!(checked >= 15, "parsed only {checked} items of the MiniMax schema");
    let statuses = &schemas["VideoProcessStatus"]["enum"];
    assert_eq!(statuses, &json!(["Preparing", "Processing", "Success", "Fail"]));
    assert_eq!(doc["components"]["securitySchemes"]["bearerAuth"]["scheme"], "bearer");
}
