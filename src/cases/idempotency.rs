//! Idempotent requests: a double click, a retry after a lost answer, fifty identical requests at
//! once — one effect, one answer. A request that carries a key (the API's `Idempotency-Key`
//! header, the per-render nonce of a case page's form) claims it, per user, inside the
//! transaction of its effect ([`claim`]); the answer the adapter makes from what that
//! transaction leaves is stored with the key before the commit ([`store`]). A repeat of the
//! same request waits on the key's primary key while the first runs, then gets the stored
//! answer ([`Claim::Replay`]); if the first rolled back, the repeat runs as new. The same key
//! with another request is refused ([`CaseError::KeyReused`]). Keys are kept for [`RETENTION`]
//! (the app clock), then pruned by the daily retention sweep; an older key is taken as new.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::PgConnection;

use super::error::CaseError;
use super::service::{CaseDetail, CaseService};
use crate::auth::CurrentUser;
use crate::db::cases::CaseRow;
use crate::db::idempotency as db_keys;

/// How long a used key answers with its stored answer.
pub const RETENTION: chrono::Duration = chrono::Duration::hours(48);

/// Longest key accepted (the API's header; a page's nonce is a UUID).
pub const MAX_KEY_LEN: usize = 64;

/// A client's key for one request, with the fingerprint of what the request asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestKey {
    key: String,
    fingerprint: [u8; 32],
}

impl RequestKey {
    /// `key` (1 to [`MAX_KEY_LEN`] visible ASCII characters, else `None`) for a request made of
    /// `parts` (method, path, body…): each part is length-prefixed into the fingerprint, so no
    /// two different lists of parts share one.
    pub fn new(key: &str, parts: &[&[u8]]) -> Option<RequestKey> {
        if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return None;
        }
        let mut hash = Sha256::new();
        for part in parts {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part);
        }
        Some(RequestKey {
            key: key.to_string(),
            fingerprint: hash.finalize().into(),
        })
    }

    /// The key as the client sent it.
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// The answer stored with a key and given again to every repeat: a status and a body (the
/// API's JSON; for a page, where it redirects and what it says, [`PageAnswer`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredAnswer {
    pub status: u16,
    pub body: serde_json::Value,
}

/// A page's answer to a form: the redirect after the POST and the flash message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageAnswer {
    pub location: String,
    pub flash: String,
}

impl PageAnswer {
    /// As stored: 303 with the location and the message.
    pub fn stored(&self) -> StoredAnswer {
        StoredAnswer {
            status: 303,
            body: serde_json::json!({"location": self.location, "flash": self.flash}),
        }
    }

    /// Read back from a stored answer.
    pub fn of(answer: &StoredAnswer) -> Option<PageAnswer> {
        serde_json::from_value(answer.body.clone()).ok()
    }
}

/// How an adapter makes its answer from what a case action's transaction leaves (the service
/// calls it before the commit, so the stored answer is the one the first request gets).
pub enum MakeAnswer<'a> {
    /// From the case row as updated (a page: where to redirect and what to say).
    Row(&'a (dyn Fn(&CaseRow) -> StoredAnswer + Send + Sync)),
    /// From the case as the caller reads it, read in the transaction (the API's body); the
    /// read is logged with `via`.
    Detail(
        &'a (dyn Fn(&CaseDetail) -> StoredAnswer + Send + Sync),
        &'static str,
    ),
}

/// A request's key and how to make its answer.
pub struct Once<'a> {
    pub key: &'a RequestKey,
    pub answer: MakeAnswer<'a>,
}

/// What a request with a key got: the answer, and whether it was replayed from an earlier
/// request with the same key (nothing done this time).
#[derive(Debug, Clone, PartialEq)]
pub struct Answered {
    pub answer: StoredAnswer,
    pub replayed: bool,
}

/// What a request's transaction did, with or without a key.
pub(crate) enum Keyed<T> {
    /// Done: its result, and the answer stored with its key (none without a key).
    Done(T, Option<StoredAnswer>),
    /// A repeat of a request with a key: the first's answer; nothing done.
    Replayed(StoredAnswer),
}

impl<T> Keyed<T> {
    /// The answer of a request that had a key.
    pub(crate) fn answered(self) -> Result<Answered, CaseError> {
        match self {
            Keyed::Done(_, Some(answer)) => Ok(Answered {
                answer,
                replayed: false,
            }),
            Keyed::Replayed(answer) => Ok(Answered {
                answer,
                replayed: true,
            }),
            Keyed::Done(_, None) => {
                Err(anyhow::anyhow!("a request with a key stored no answer").into())
            }
        }
    }

    /// The result of a request without a key (which is never replayed).
    pub(crate) fn unkeyed(self) -> Result<T, CaseError> {
        match self {
            Keyed::Done(done, _) => Ok(done),
            Keyed::Replayed(_) => {
                Err(anyhow::anyhow!("a request without a key was replayed").into())
            }
        }
    }
}

/// How the claim of a key went.
pub(crate) enum Claim {
    /// This transaction holds the key: do the effect, then [`store`] the answer.
    Mine,
    /// An earlier request with this key and the same request committed: its answer.
    Replay(StoredAnswer),
}

/// Claims `key` for `user` in `conn` (the transaction of the effect); see the module's docs.
pub(crate) async fn claim(
    conn: &mut PgConnection,
    user: &CurrentUser,
    key: &RequestKey,
    now: DateTime<Utc>,
) -> Result<Claim, CaseError> {
    let fingerprint = key.fingerprint.as_slice();
    if db_keys::claim(
        &mut *conn,
        user.id,
        &key.key,
        fingerprint,
        now,
        now - RETENTION,
    )
    .await?
    {
        return Ok(Claim::Mine);
    }
    // The key was committed by another transaction (the insert waited for it): read it with
    // this statement's fresh snapshot.
    let used = db_keys::used(&mut *conn, user.id, &key.key)
        .await?
        .ok_or_else(|| anyhow::anyhow!("idempotency key vanished after its conflict"))?;
    if used.fingerprint != fingerprint {
        return Err(CaseError::KeyReused);
    }
    match (used.status, used.answer) {
        (Some(status), Some(body)) => Ok(Claim::Replay(StoredAnswer {
            status: u16::try_from(status).unwrap_or(500),
            body,
        })),
        _ => Err(anyhow::anyhow!("idempotency key committed without its answer").into()),
    }
}

/// The stored answer of `key` when it was already used for this very request: for a request
/// refused by a check made before its transaction (a document already replaced — by the first
/// of two clicks), which may be the repeat of a request that was done. `None` when the key is
/// not stored; [`CaseError::KeyReused`] when it was used for another request.
pub(crate) async fn stored(
    db: impl sqlx::PgExecutor<'_>,
    user: &CurrentUser,
    key: &RequestKey,
    now: DateTime<Utc>,
) -> Result<Option<StoredAnswer>, CaseError> {
    let Some(used) = db_keys::used(db, user.id, &key.key).await? else {
        return Ok(None);
    };
    if used.created_at < now - RETENTION {
        return Ok(None);
    }
    if used.fingerprint != key.fingerprint.as_slice() {
        return Err(CaseError::KeyReused);
    }
    Ok(match (used.status, used.answer) {
        (Some(status), Some(body)) => Some(StoredAnswer {
            status: u16::try_from(status).unwrap_or(500),
            body,
        }),
        _ => None,
    })
}

/// Stores the answer of the request holding `key`, in its transaction.
pub(crate) async fn store(
    conn: &mut PgConnection,
    user: &CurrentUser,
    key: &RequestKey,
    answer: &StoredAnswer,
) -> Result<(), CaseError> {
    let status = i16::try_from(answer.status).unwrap_or(500);
    db_keys::answer(&mut *conn, user.id, &key.key, status, &answer.body).await?;
    Ok(())
}

impl CaseService {
    /// Deletes the keys older than [`RETENTION`] (the daily retention sweep); returns how many.
    pub async fn prune_idempotency_keys(&self) -> Result<u64, CaseError> {
        Ok(db_keys::prune(&self.pool, self.clock.now() - RETENTION).await?)
    }
}
