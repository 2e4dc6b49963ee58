//! Snapshots of what other systems depend on: the OpenAPI document that hospital systems (SIMRS)
//! build their clients from is committed as `tests/snapshots/openapi.json`, so every change to
//! the API shows up as a reviewed diff of that file.
//!
//! The live document is compared in a canonical form (keys sorted, pretty-printed, one trailing
//! newline), so only real changes count. To accept a change, rewrite the snapshot and commit it
//! with the code that changed it:
//!
//! ```sh
//! UPDATE_SNAPSHOTS=1 cargo test --test api snapshot
//! ```

use std::path::PathBuf;

use reqwest::StatusCode;
use serde_json::{Map, Value};

use crate::helpers::*;

/// The command that rewrites every snapshot, printed when one differs.
const UPDATE_COMMAND: &str = "UPDATE_SNAPSHOTS=1 cargo test --test api snapshot";
/// Diff lines shown at most; a larger change is better read with `git diff` after updating.
const MAX_DIFF_LINES: usize = 120;

/// `value` with the keys of every object in sorted order, whatever order the map type keeps.
fn canonical(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, canonical(v)))
                    .collect::<Map<String, Value>>(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

/// The text a snapshot file holds for `value`.
fn snapshot_text(value: Value) -> String {
    let mut text =
        serde_json::to_string_pretty(&canonical(value)).expect("a JSON value serialises");
    text.push('\n');
    text
}

/// Compares `actual` with `tests/snapshots/<name>`, or rewrites the file when
/// `UPDATE_SNAPSHOTS=1`. On a difference, fails with a unified diff (`-` snapshot, `+` live) and
/// the command that updates it.
#[track_caller]
fn assert_snapshot(name: &str, what: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    let relative = format!("tests/snapshots/{name}");
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected == actual {
        return;
    }
    if std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, actual)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        eprintln!("snapshot {relative} updated: review it with `git diff {relative}`");
        return;
    }
    let diff = similar::TextDiff::from_lines(expected.as_str(), actual)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{relative} (committed)"),
            &format!("{what} (live)"),
        )
        .to_string();
    let lines: Vec<&str> = diff.lines().collect();
    let shown = lines
        .iter()
        .take(MAX_DIFF_LINES)
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    let more = lines.len().saturating_sub(MAX_DIFF_LINES);
    let more = if more > 0 {
        format!("\n… {more} more diff lines")
    } else {
        String::new()
    };
    let missing = if expected.is_empty() {
        format!("\n({relative} is missing or empty.)")
    } else {
        String::new()
    };
    panic!(
        "\n{what} differs from the committed snapshot {relative}.{missing}\n\n{shown}{more}\n\n\
         If the change is intended, rewrite the snapshot and commit it with the change:\n    \
         {UPDATE_COMMAND}\n"
    );
}

#[tokio::test]
async fn openapi_document_matches_the_committed_snapshot() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let response = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .expect("GET /api/v1/openapi.json");

    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.expect("the OpenAPI document is JSON");
    assert_snapshot(
        "openapi.json",
        "GET /api/v1/openapi.json",
        &snapshot_text(document),
    );
}

#[test]
fn canonical_form_sorts_keys_at_every_depth_and_ends_with_a_newline() {
    // Arrange
    let value = serde_json::json!({"b": {"z": 1, "a": [{"y": 2, "x": 3}]}, "a": true});

    // Act
    let text = snapshot_text(value);

    // Assert
    let order: Vec<usize> = [
        "\"a\": true",
        "\"b\"",
        "\"a\": [",
        "\"x\"",
        "\"y\"",
        "\"z\"",
    ]
    .iter()
    .map(|k| {
        text.find(k)
            .unwrap_or_else(|| panic!("{k} missing in {text}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(text.ends_with("}\n"));
}
