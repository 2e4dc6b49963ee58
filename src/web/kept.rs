//! Filter forms kept on the server, so that a search (a NIK, a name) never travels in a URL:
//! the form is POSTed, kept in the session under an opaque random id (per user and list, with
//! an expiry), and the page is answered with a 303 to `GET <list>?cari=<id>`. The case lists
//! and the auditor's pages use it.

use chrono::{DateTime, Duration, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

use crate::web::error::AppError;

/// How long a kept search answers: a working day.
const TTL_HOURS: i64 = 12;
/// How many searches a session keeps per key (oldest dropped first).
const KEPT: usize = 20;

/// A form kept on the server: its id is all the address holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Kept<T> {
    /// Opaque random id (128 bits, hex).
    id: String,
    /// Who searched: another user's id finds nothing even in the same browser.
    user_id: Uuid,
    /// The page it belongs to (`/antrean`, `/audit/akses`, …).
    list: String,
    form: T,
    expires_at: DateTime<Utc>,
}

async fn stored<T: DeserializeOwned>(
    session: &Session,
    key: &str,
) -> Result<Vec<Kept<T>>, AppError> {
    Ok(session
        .get::<Vec<Kept<T>>>(key)
        .await
        .map_err(anyhow::Error::from)?
        .unwrap_or_default())
}

/// Keeps `form` of `user_id` for `list` under the session `key`, and returns its id.
pub async fn keep<T: Serialize + DeserializeOwned>(
    session: &Session,
    key: &str,
    now: DateTime<Utc>,
    user_id: Uuid,
    list: &str,
    form: T,
) -> Result<String, AppError> {
    let mut kept = stored::<T>(session, key).await?;
    kept.retain(|s| s.expires_at > now && s.user_id == user_id);
    let id = Uuid::new_v4().simple().to_string();
    kept.push(Kept {
        id: id.clone(),
        user_id,
        list: list.to_string(),
        form,
        expires_at: now + Duration::hours(TTL_HOURS),
    });
    let excess = kept.len().saturating_sub(KEPT);
    kept.drain(..excess);
    session
        .insert(key, kept)
        .await
        .map_err(anyhow::Error::from)?;
    Ok(id)
}

/// The kept form `id` of this user and list, if it has not expired.
pub async fn find<T: DeserializeOwned>(
    session: &Session,
    key: &str,
    now: DateTime<Utc>,
    user_id: Uuid,
    list: &str,
    id: &str,
) -> Result<Option<T>, AppError> {
    Ok(stored::<T>(session, key)
        .await?
        .into_iter()
        .find(|s| s.id == id && s.user_id == user_id && s.list == list && s.expires_at > now)
        .map(|s| s.form))
}
