//! The page side of [`crate::access`]: its role lists (re-exported) and the guard that applies
//! them to page routers. Anonymous users go to sign-in, users who must change their password go
//! to the change page, users who must enrol a second factor to its page, other roles get the
//! 403 page.

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};

use super::error::AppError;
use crate::auth::CurrentUser;
use crate::domain::Role;

pub use crate::access::*;

/// Paths a user who must change the password may still open.
const PASSWORD_CHANGE_PATHS: &[&str] = &["/akun/kata-sandi", "/keluar"];

/// Paths a user who must enrol a second factor may still open.
const TWO_FACTOR_PATHS: &[&str] = &["/akun/dua-langkah", "/keluar"];

/// Guards a page router with the roles of its area (see [`crate::access`]).
pub fn require<S: Clone + Send + Sync + 'static>(
    router: axum::Router<S>,
    roles: &'static [Role],
) -> axum::Router<S> {
    router.route_layer(middleware::from_fn(move |req: Request, next: Next| {
        check_page(roles, req, next)
    }))
}

async fn check_page(roles: &'static [Role], req: Request, next: Next) -> Response {
    let Some(user) = req.extensions().get::<CurrentUser>() else {
        return Redirect::to("/masuk").into_response();
    };
    if user.must_change_password && !PASSWORD_CHANGE_PATHS.contains(&req.uri().path()) {
        return Redirect::to("/akun/kata-sandi").into_response();
    }
    if !user.must_change_password
        && user.must_enrol_totp()
        && !TWO_FACTOR_PATHS.contains(&req.uri().path())
    {
        return Redirect::to("/akun/dua-langkah").into_response();
    }
    if !roles.contains(&user.role) {
        return AppError::Forbidden.into_response();
    }
    next.run(req).await
}
