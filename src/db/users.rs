//! User accounts.

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgTypeInfo, PgValueRef};
use sqlx::{PgExecutor, Postgres};
use uuid::Uuid;

use crate::domain::Role;

/// A user as stored, with the names of its scope.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: RoleCol,
    pub hospital_id: Option<Uuid>,
    pub hospital_name: Option<String>,
    pub kab_kota_code: Option<String>,
    pub kab_kota_name: Option<String>,
    /// Where e-mail notifications go; `None`: nothing is e-mailed.
    pub email: Option<String>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    /// A confirmed second factor (TOTP): sign-in asks for a code.
    pub totp_enabled: bool,
    /// The generation of the user's sessions: a session started with an older one has ended
    /// (see [`end_sessions`]).
    pub session_epoch: i64,
}

/// A role column read from the database: `user_role` cast to text in the query
/// (`u.role::text AS "role!: RoleCol"`) and parsed with [`Role`]'s `FromStr`, so the domain
/// type stays free of sqlx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleCol(pub Role);

impl sqlx::Type<Postgres> for RoleCol {
    fn type_info() -> PgTypeInfo {
        <String as sqlx::Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <String as sqlx::Type<Postgres>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, Postgres> for RoleCol {
    fn decode(value: PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let code = <&str as sqlx::Decode<Postgres>>::decode(value)?;
        code.parse::<Role>()
            .map(RoleCol)
            .map_err(|()| format!("unknown role {code:?}").into())
    }
}

/// A compile-checked query of [`UserRow`]s: the users with their hospital, kab/kota and second
/// factor, then `$rest` (conditions and order, a string literal) with its arguments.
macro_rules! user_select {
    // `$row` with `$extra` (a string literal: more columns, each after a comma) after the user's.
    (@row $row:ident, $extra:tt, $rest:tt $($args:tt)*) => {
        sqlx::query_as!(
            $row,
            r#"SELECT u.id, u.username, u.display_name, u.role::text AS "role!: RoleCol",
                  u.hospital_id, h.name AS "hospital_name?", u.kab_kota_code,
                  k.name AS "kab_kota_name?", u.email, u.password_hash, u.must_change_password,
                  u.active, u.created_at AS "created_at: DateTime<Utc>",
                  u.last_login_at AS "last_login_at: DateTime<Utc>",
                  EXISTS (SELECT 1 FROM user_totp t
                          WHERE t.user_id = u.id AND t.confirmed_at IS NOT NULL)
                      AS "totp_enabled!",
                  u.session_epoch"# + $extra + r#"
           FROM users u
           LEFT JOIN hospitals h ON h.id = u.hospital_id
           LEFT JOIN kab_kota k ON k.code = u.kab_kota_code "# + $rest
            $($args)*
        )
    };
    ($rest:tt $($args:tt)*) => {
        user_select!(@row UserRow, "", $rest $($args)*)
    };
}

/// One user by id.
pub async fn by_id(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<UserRow>> {
    user_select!("WHERE u.id = $1", id).fetch_optional(db).await
}

/// The user of a signed-in page request, with what every page reads besides: one statement
/// instead of three.
#[derive(Debug, Clone)]
pub struct PageUser {
    pub user: UserRow,
    /// Unread notifications, counted up to 100, one more than
    /// [`super::notifications::UNREAD_SHOWN`] (the partial index answers it): the header is
    /// read on every page, and a desk that leaves thousands unread must not pay for counting
    /// them all each time.
    pub unread: i64,
    /// The reference data's epoch (`reference_epoch`, see `cases::reference`).
    pub reference_epoch: i64,
}

/// [`PageUser`] as read: the user's columns, then the two others.
struct PageUserRecord {
    id: Uuid,
    username: String,
    display_name: String,
    role: RoleCol,
    hospital_id: Option<Uuid>,
    hospital_name: Option<String>,
    kab_kota_code: Option<String>,
    kab_kota_name: Option<String>,
    email: Option<String>,
    password_hash: String,
    must_change_password: bool,
    active: bool,
    created_at: DateTime<Utc>,
    last_login_at: Option<DateTime<Utc>>,
    totp_enabled: bool,
    session_epoch: i64,
    unread: i64,
    reference_epoch: i64,
}

/// One user by id for a page ([`PageUser`]).
pub async fn for_page(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<PageUser>> {
    let r = user_select!(
        @row PageUserRecord,
        r#", (SELECT count(*) FROM (SELECT FROM notifications n
                                     WHERE n.user_id = u.id AND n.read_at IS NULL
                                     LIMIT 100) unread) AS "unread!",
             (SELECT e.n FROM reference_epoch e) AS "reference_epoch!""#,
        "WHERE u.id = $1",
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(r.map(|r| PageUser {
        user: UserRow {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            role: r.role,
            hospital_id: r.hospital_id,
            hospital_name: r.hospital_name,
            kab_kota_code: r.kab_kota_code,
            kab_kota_name: r.kab_kota_name,
            email: r.email,
            password_hash: r.password_hash,
            must_change_password: r.must_change_password,
            active: r.active,
            created_at: r.created_at,
            last_login_at: r.last_login_at,
            totp_enabled: r.totp_enabled,
            session_epoch: r.session_epoch,
        },
        unread: r.unread,
        reference_epoch: r.reference_epoch,
    }))
}

/// One user by username (case-insensitive).
pub async fn by_username(db: impl PgExecutor<'_>, username: &str) -> sqlx::Result<Option<UserRow>> {
    user_select!("WHERE lower(u.username) = lower($1)", username)
        .fetch_optional(db)
        .await
}

/// All users, by username.
pub async fn list(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<UserRow>> {
    user_select!("ORDER BY u.username").fetch_all(db).await
}

/// True when no user exists yet.
pub async fn none_exist(db: impl PgExecutor<'_>) -> sqlx::Result<bool> {
    sqlx::query_scalar!(r#"SELECT NOT EXISTS (SELECT 1 FROM users) AS "none!""#)
        .fetch_one(db)
        .await
}

/// A new account. The hash comes from [`crate::auth::hash_password_async`] (a chosen
/// password) or [`crate::auth::one_time_password`] (a generated one the user must replace).
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub hospital_id: Option<Uuid>,
    pub kab_kota_code: Option<&'a str>,
    pub password_hash: &'a str,
    pub must_change_password: bool,
}

/// Why [`create`] stored no user.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    /// Another user has this username (compared case-insensitively).
    #[error("username {0:?} is taken")]
    UsernameTaken(String),
    /// Anything else, including the database's own checks (`users_scope_fits_role`, the
    /// username pattern) that callers validate before.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Creates a user: the one place that inserts into `users` (pages, command line, first start,
/// demo and tests all come here). The database refuses a role without its scope
/// (`users_scope_fits_role`) and a taken username (`users_username_key`, reported as
/// [`CreateUserError::UsernameTaken`]).
pub async fn create(db: impl PgExecutor<'_>, u: &NewUser<'_>) -> Result<Uuid, CreateUserError> {
    sqlx::query_scalar!(
        "INSERT INTO users (username, display_name, role, hospital_id, kab_kota_code, \
         password_hash, must_change_password) \
         VALUES ($1, $2, $3::text::user_role, $4, $5, $6, $7) RETURNING id",
        u.username,
        u.display_name,
        u.role.as_str(),
        u.hospital_id,
        u.kab_kota_code,
        u.password_hash,
        u.must_change_password,
    )
    .fetch_one(db)
    .await
    .map_err(|e| {
        if super::is_constraint(&e, "users_username_key") {
            CreateUserError::UsernameTaken(u.username.to_string())
        } else {
            CreateUserError::Database(e)
        }
    })
}

/// Replaces a user's password hash.
pub async fn set_password(
    db: impl PgExecutor<'_>,
    id: Uuid,
    password_hash: &str,
    must_change: bool,
) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE users SET password_hash = $2, must_change_password = $3, updated_at = now() \
         WHERE id = $1",
        id,
        password_hash,
        must_change,
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Replaces a password hash by one of the same password made with the current parameters
/// (at sign-in), unless the hash changed meanwhile (a password change wins); true when replaced.
pub async fn replace_password_hash(
    db: impl PgExecutor<'_>,
    id: Uuid,
    old_hash: &str,
    new_hash: &str,
) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2",
        id,
        old_hash,
        new_hash,
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Sets or clears a user's e-mail address (checked by [`crate::domain::Email`] first; the
/// database's `users_email_check` holds the same basic rule).
pub async fn set_email(
    db: impl PgExecutor<'_>,
    id: Uuid,
    email: Option<&crate::domain::Email>,
) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE users SET email = $2, updated_at = now() WHERE id = $1",
        id,
        email.map(|e| e.as_str()),
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Activates or deactivates a user. A deactivated user cannot sign in and its sessions and
/// tokens stop working at their next request.
pub async fn set_active(db: impl PgExecutor<'_>, id: Uuid, active: bool) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE users SET active = $2, updated_at = now() WHERE id = $1",
        id,
        active,
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The generation of a user's sessions (see [`end_sessions`]); `None` for no such user.
pub async fn session_epoch(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!("SELECT session_epoch FROM users WHERE id = $1", id)
        .fetch_optional(db)
        .await
}

/// Ends every session of a user, on every instance: a session carries the generation it was
/// started with and is refused once that is no longer the user's. Returns the new generation
/// (a session that should live on, such as the one changing its own password, takes it).
pub async fn end_sessions(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1 \
         RETURNING session_epoch",
        id
    )
    .fetch_one(db)
    .await
}

/// Ends every session and revokes every API token of a user, in the caller's transaction (a
/// password changed or reset, an account deactivated). Returns the user's new session
/// generation and the number of tokens revoked.
pub async fn end_sessions_and_tokens(
    conn: &mut sqlx::PgConnection,
    id: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<(i64, u64)> {
    let epoch = end_sessions(&mut *conn, id).await?;
    let revoked = super::tokens::revoke_all(&mut *conn, id, now).await?;
    Ok((epoch, revoked))
}

/// Notes a successful sign-in.
pub async fn touch_login(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<()> {
    sqlx::query!("UPDATE users SET last_login_at = now() WHERE id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}

/// Serialises concurrent first starts for the rest of the transaction, so that two servers
/// starting on an empty database create one administrator, not two.
pub async fn lock_first_start(db: impl PgExecutor<'_>) -> sqlx::Result<()> {
    // pg_advisory_xact_lock returns void, which sqlx cannot decode: select no column at all.
    sqlx::query!("SELECT FROM pg_advisory_xact_lock(7142001)")
        .execute(db)
        .await?;
    Ok(())
}
