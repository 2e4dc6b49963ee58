//! Offline intake drafts, the server's part. The browser's part is `static/offline.js` (the
//! page script: keeps an intake typed without signal in IndexedDB and sends it when the
//! connection returns) and `static/sw.js` (the service worker: the intake page and the static
//! files offline, and a failed intake POST kept as a draft). Both are optional: every page
//! works without them.
//!
//! Here: the service worker's route at the root (`/sw.js`, so its scope covers the pages), the
//! answer a draft gets when the script sends it ([`draft_reply`]), the tag that ties a draft to
//! its user ([`draft_owner`]) and the `Clear-Site-Data` header of the sign-out responses.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The page script.
/// The service worker.
const SW_JS: &str = include_str!("../../static/sw.js");

/// The request header the page script sends a kept draft with (see [`draft_reply`]).
pub const DRAFT_HEADER: HeaderName = HeaderName::from_static("x-merajut-draft");

/// `Clear-Site-Data` of the sign-out responses: the browser drops its HTTP cache, the service
/// worker with its cached pages, and IndexedDB with any draft still waiting (no personal data
/// stays on the device after sign-out). Browsers honour it over HTTPS and on localhost.
pub const CLEAR_SITE_DATA: (HeaderName, HeaderValue) = (
    HeaderName::from_static("clear-site-data"),
    HeaderValue::from_static("\"cache\", \"storage\""),
);

/// `GET /sw.js`: the service worker, at the root so that its scope is the whole site.
/// `public` keeps the security layer from replacing the header with `no-store`; `no-cache`
/// makes the browser ask for a new version on every check.
pub async fn service_worker() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, no-cache"),
            ),
        ],
        SW_JS,
    )
        .into_response()
}

/// The tag of the signed-in user's drafts on a device: a hash of the user id, so the page
/// carries no id and a draft typed by one user is never sent under another's session (the
/// script drops drafts whose tag is not the current user's).
pub fn draft_owner(user_id: Uuid) -> String {
    let digest = Sha256::digest(format!("merajut-offline-draft:{user_id}"));
    hex::encode(&digest[..16])
}

/// Around `POST /kasus/baru`: when the page script sends a kept draft ([`DRAFT_HEADER`]), the
/// redirect to the new case becomes `200 {"case_id": …}`, so the script can tell "stored" from
/// the redirect to the sign-in page (which it sees as an opaque redirect) without loading the
/// case page. A form sent by the browser itself is answered as always.
pub async fn draft_reply(req: Request, next: Next) -> Response {
    let from_script = req.headers().contains_key(&DRAFT_HEADER);
    let res = next.run(req).await;
    if !from_script || res.status() != StatusCode::SEE_OTHER {
        return res;
    }
    let case_id = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|l| l.strip_prefix("/kasus/"))
        .and_then(|id| id.parse::<Uuid>().ok());
    let Some(case_id) = case_id else {
        return res;
    };
    let (mut parts, _) = res.into_parts();
    parts.status = StatusCode::OK;
    parts.headers.remove(header::LOCATION);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = serde_json::json!({ "case_id": case_id }).to_string();
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_tag_is_stable_per_user() {
        let id = Uuid::new_v4();
        let tag = draft_owner(id);
        assert_eq!(tag, draft_owner(id));
        assert_ne!(tag, draft_owner(Uuid::new_v4()));
        assert_eq!(tag.len(), 32);
    }
}
