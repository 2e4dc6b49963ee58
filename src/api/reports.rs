//! `/api/v1/laporan`: the reports a token's owner may read (every version), and one report with
//! its figures — the stored ones of a final report, the figures of now for a draft
//! (`frozen: false`). Reading one report is recorded in the export log (format `json`).

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use uuid::Uuid;

use super::error::ApiError;
use super::extract::ApiPath;
use crate::auth::CurrentUser;
use crate::cases::reports::{Download, ReportLine, ReportView};
use crate::db::reports::ReportRow;
use crate::domain::report::{Period, ReportKind, ReportStatus};
use crate::http::AppState;

/// The fields of a report version every answer carries.
fn summary(
    row: &ReportRow,
    kind: ReportKind,
    status: ReportStatus,
    period: &Period,
    due: chrono::NaiveDate,
    overdue: bool,
) -> Value {
    json!({
        "id": row.id,
        "kind": kind.as_str(),
        "hospital_id": row.hospital_id,
        "hospital_code": row.hospital_code,
        "hospital_name": row.hospital_name,
        "period_start": period.start,
        "period_end": period.end,
        "period_label": period.label(),
        "version": row.version,
        "status": status.as_str(),
        "due_date": due,
        "overdue": overdue,
        "reopen_reason": row.reopen_reason,
        "finalised_by": row.finalised_by_name,
        "finalised_at": row.finalised_at,
    })
}

fn line(l: &ReportLine) -> Value {
    summary(&l.row, l.kind, l.status, &l.period, l.due_date, l.overdue)
}

fn report(v: &ReportView) -> Value {
    let mut out = summary(&v.row, v.kind, v.status, &v.period, v.due_date, v.overdue);
    if let Value::Object(m) = &mut out {
        m.insert("problems".into(), json!(v.row.problems));
        m.insert("follow_up".into(), json!(v.row.follow_up));
        m.insert("recommendations".into(), json!(v.row.recommendations));
        m.insert("frozen".into(), json!(v.frozen));
    }
    out
}

/// `GET /api/v1/laporan`.
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    let lines = state.cases.reports(&user).await?;
    Ok(Json(
        json!({ "items": lines.iter().map(line).collect::<Vec<_>>() }),
    ))
}

/// `GET /api/v1/laporan/export`: the same list as CSV or XLSX (`?format=`, else the `Accept`
/// header), recorded in the export log.
pub async fn export_list(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: axum::http::HeaderMap,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<axum::response::Response, ApiError> {
    let format = super::export_format(q.get("format").map(String::as_str), &headers)?;
    Ok(crate::http::export::reports::respond(&state, &user, format).await?)
}

/// `GET /api/v1/laporan/{id}`.
pub async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Value>, ApiError> {
    let view = state.cases.report(&user, id).await?;
    let versions: Vec<Value> = view
        .versions
        .iter()
        .map(|v| {
            json!({
                "id": v.id,
                "version": v.version,
                "status": v.status.as_str(),
                "finalised_at": v.finalised_at,
                "reopen_reason": v.reopen_reason,
            })
        })
        .collect();
    let rows = view.tables().iter().map(|t| t.all_rows().count()).sum();
    let download = Download {
        format: "json",
        table: None,
        rows,
    };
    state
        .cases
        .record_report_download(&user, &view, download)
        .await?;
    Ok(Json(json!({
        "report": report(&view),
        "figures": view.figures,
        "versions": versions,
    })))
}
