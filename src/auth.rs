//! Credentials: Argon2id password hashes, generated one-time passwords and API tokens, and the
//! signed-in user as the rest of the application sees it.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub mod totp;

use crate::db::users::UserRow;
use crate::domain::Role;

fn argon2() -> Argon2<'static> {
    // OWASP's Argon2id recommendation: 19 MiB, 2 iterations, 1 lane.
    #[expect(clippy::unwrap_used, reason = "constant, valid parameters")]
    let params = Params::new(19 * 1024, 2, 1, None).unwrap();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with Argon2id (CPU-heavy: call from a blocking thread).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))?
        .to_string())
}

/// Checks a password against a stored hash (CPU-heavy: call from a blocking thread).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// True when a stored hash was made with other Argon2 parameters, another algorithm or version
/// than [`hash_password`] uses now (or cannot be read): after the password has been verified,
/// it is hashed again and stored.
pub fn needs_rehash(hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return true;
    };
    let current = argon2();
    let current = current.params();
    parsed.algorithm != Algorithm::Argon2id.ident()
        || parsed.version != Some(Version::V0x13.into())
        || Params::try_from(&parsed).map_or(true, |p| {
            (p.m_cost(), p.t_cost(), p.p_cost())
                != (current.m_cost(), current.t_cost(), current.p_cost())
        })
}

/// A hash of a random password, verified against when the username is unknown so that an
/// unknown user and a wrong password take the same time.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&generate_password()).unwrap_or_default())
}

/// Password hashes computed at once: one per core. Each Argon2 run holds 19 MiB and a core's
/// worth of work; more at the same time only wait for the cores anyway while holding their
/// memory (32 sign-ins at once: 608 MiB of Argon2 blocks). The others queue here.
fn hashing_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| tokio::sync::Semaphore::new(hashing_capacity()))
}

/// Runs `work` (a hash or a verification) on the blocking pool once a hashing permit is free.
async fn hashing<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let _permit = hashing_permits()
        .acquire()
        .await
        .map_err(|e| anyhow::anyhow!("hashing permits closed: {e}"))?;
    Ok(tokio::task::spawn_blocking(work).await?)
}

/// How many password hashes may run at once (the number of cores).
pub fn hashing_capacity() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Hashes on the blocking pool, at most [`hashing_capacity`] at once.
pub async fn hash_password_async(password: String) -> anyhow::Result<String> {
    hashing(move || hash_password(&password)).await?
}

/// Verifies on the blocking pool, at most [`hashing_capacity`] at once.
pub async fn verify_password_async(password: String, hash: String) -> bool {
    hashing(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false)
}

/// A generated one-time password (shown once) and its hash, for a new account or a reset;
/// the account must be stored with `must_change_password`.
pub async fn one_time_password() -> anyhow::Result<(String, String)> {
    let password = generate_password();
    let hash = hash_password_async(password.clone()).await?;
    Ok((password, hash))
}

mod password_policy;
pub mod throttle;
pub use password_policy::{MAX_PASSWORD_LEN, MIN_PASSWORD_LEN, PROGRAM_WORDS, password_problem};

/// Longest username; the database holds the same rule (`users_username_check`).
pub const MAX_USERNAME_LEN: usize = 64;

/// Longest display name ("Maria Bria").
pub const MAX_DISPLAY_NAME_LEN: usize = 100;

/// Longest name of an API token ("SIMRS RSUD W.Z. Johannes").
pub const MAX_TOKEN_NAME_LEN: usize = 100;

/// True for a username of 3–64 characters: lowercase letters, digits, `_ . -`, starting with
/// a letter or digit (the database's `users_username_check`, checked first for a readable
/// message).
pub fn valid_username(username: &str) -> bool {
    let len = username.chars().count();
    (3..=MAX_USERNAME_LEN).contains(&len)
        && username
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && username
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c))
}

/// A random password that is easy to read out and type: four groups of four characters without
/// look-alikes (e.g. `k7pq-x3mz-9tcw-h4rf`).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = OsRng;
    (0..4)
        .map(|_| {
            (0..4)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// A new API token (`ms_` + 43 url-safe characters) and the hash to store.
pub fn generate_token() -> (String, Vec<u8>) {
    use base64::Engine;
    let bytes: [u8; 32] = OsRng.r#gen();
    let token = format!(
        "ms_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let hash = token_hash(&token);
    (token, hash)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A random url-safe string for session-bound secrets (CSRF tokens).
pub fn random_secret() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = OsRng.r#gen();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The user behind a request, with the scope of its role.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub hospital_id: Option<Uuid>,
    pub hospital_name: Option<String>,
    pub kab_kota_code: Option<String>,
    pub kab_kota_name: Option<String>,
    /// The address e-mail notifications go to, if the user gave one.
    pub email: Option<String>,
    pub must_change_password: bool,
    /// A confirmed second factor (TOTP).
    pub totp_enabled: bool,
    /// The request this user acts through, for the access log: set by the request extractor
    /// (`http`), `None` outside a request.
    pub request: Option<RequestInfo>,
    /// What a page request read with the user (`db::users::for_page`): the unread
    /// notifications and the reference epoch. `None` elsewhere (the API, tasks).
    pub page: Option<PageReads>,
}

/// What a signed-in page request reads with its user ([`CurrentUser::page`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageReads {
    /// Unread notifications, counted up to one more than the header shows.
    pub unread: i64,
    /// The epoch of the reference data when the request began (`cases::reference`).
    pub reference_epoch: i64,
}

/// Where a request came from, as the access log records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestInfo {
    /// The client's address (see `http::client::ClientIp`).
    pub client_ip: std::net::IpAddr,
    /// `web` or `api`.
    pub via: &'static str,
}

impl From<UserRow> for CurrentUser {
    fn from(u: UserRow) -> Self {
        CurrentUser {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role.0,
            hospital_id: u.hospital_id,
            hospital_name: u.hospital_name,
            kab_kota_code: u.kab_kota_code,
            kab_kota_name: u.kab_kota_name,
            email: u.email,
            must_change_password: u.must_change_password,
            totp_enabled: u.totp_enabled,
            request: None,
            page: None,
        }
    }
}

impl CurrentUser {
    /// The role requires a second factor and the user has none yet: every page but the
    /// enrolment leads there ([`totp::is_mandatory`]).
    pub fn must_enrol_totp(&self) -> bool {
        totp::is_mandatory(self.role) && !self.totp_enabled
    }

    /// The scope in words ("RSUD …", "Kab/Kota Kupang (53.03)", "Provinsi NTT").
    pub fn scope_label(&self) -> String {
        match (
            &self.hospital_name,
            &self.kab_kota_name,
            &self.kab_kota_code,
        ) {
            (Some(h), _, _) => h.clone(),
            (None, Some(k), Some(code)) => format!("{k} ({code})"),
            _ if self.role == Role::Admin => "—".to_string(),
            _ => "Provinsi Nusa Tenggara Timur".to_string(),
        }
    }
}
