//! The API's own extractors for what a client puts in the address, so a malformed value is a
//! JSON field error naming the parameter (422, as a bad field in a body), never the framework's
//! plain-text rejection: [`ApiPath`] for path parameters (`/api/v1/cases/{id}`).
//!
//! Handlers of `/api/v1` take `ApiPath`, not `axum::extract::Path`.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, MatchedPath, Path};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::domain::action::FieldError;

/// The path parameters of the API's routes, as the field names of an error (a field name is
/// `'static`); a parameter not listed is reported as `path`.
const PARAMETERS: &[&str] = &["id", "document_id", "action", "tahun", "pembayar"];
/// Those of them that are UUIDs.
const UUIDS: &[&str] = &["id", "document_id"];

/// Path parameters deserialised as `T`, or a 422 naming the parameter that is not what the route
/// takes (`id harus UUID…`).
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => {
                let route = parts
                    .extensions
                    .get::<MatchedPath>()
                    .map(|m| m.as_str().to_string())
                    .unwrap_or_default();
                Err(path_error(&route, &rejection))
            }
        }
    }
}

/// The names of `route`'s parameters in order (`/a/{id}/b/{action}` → `id`, `action`).
fn parameter_names(route: &str) -> Vec<&str> {
    route
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .map(|s| s.trim_start_matches('*'))
        .collect()
}

/// The field error of a path that does not deserialise.
fn path_error(route: &str, rejection: &PathRejection) -> ApiError {
    let names = parameter_names(route);
    let name = match rejection {
        PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
            ErrorKind::ParseErrorAtKey { key, .. }
            | ErrorKind::InvalidUtf8InPathParam { key }
            | ErrorKind::DeserializeError { key, .. } => Some(key.as_str()),
            ErrorKind::ParseErrorAtIndex { index, .. } => names.get(*index).copied(),
            ErrorKind::ParseError { .. } => names.first().copied(),
            _ => None,
        },
        _ => None,
    };
    let field = name
        .and_then(|n| PARAMETERS.iter().find(|p| **p == n).copied())
        .unwrap_or("path");
    let message = if UUIDS.contains(&field) {
        format!(
            "{field} di alamat harus UUID, mis. 3fa85f64-5717-4562-b3fc-2c963f66afa6 \
             (dari jawaban API sebelumnya)."
        )
    } else {
        format!("{field} di alamat tidak dikenali; periksa alamat permintaan.")
    };
    ApiError::validation(vec![FieldError { field, message }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_names_are_read_from_the_route_in_order() {
        assert_eq!(
            parameter_names("/api/v1/cases/{id}/documents/{document_id}"),
            vec!["id", "document_id"]
        );
        assert_eq!(parameter_names("/api/{*rest}"), vec!["rest"]);
        assert!(parameter_names("/api/v1/me").is_empty());
    }
}
