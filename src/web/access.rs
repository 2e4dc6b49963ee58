//! Who may open what: every area of the application names its roles here, once. Routers apply
//! [`require`] with these lists, and the menu is built from the same table, so a link is shown
//! exactly when its page would open.

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};

use super::error::{ApiError, AppError};
use crate::auth::CurrentUser;
use crate::domain::Role;

use Role::*;

/// Every role.
pub const EVERYONE: &[Role] = &[
    Rsud,
    DukcapilProv,
    DukcapilKab,
    DinsosProv,
    DinsosKab,
    DinkesProv,
    DinkesKab,
    Bpjs,
    Tim,
    Admin,
];
/// Roles that work on cases (everyone but the administrator, who sees no patient data).
pub const CASE_ROLES: &[Role] = &[
    Rsud,
    DukcapilProv,
    DukcapilKab,
    DinsosProv,
    DinsosKab,
    DinkesProv,
    DinkesKab,
    Bpjs,
    Tim,
];
/// Hospital PICs.
pub const RSUD: &[Role] = &[Rsud];
/// The administrator.
pub const ADMIN: &[Role] = &[Admin];

/// A menu entry.
#[derive(Debug, Clone, Copy)]
pub struct Area {
    pub path: &'static str,
    pub label: &'static str,
    pub roles: &'static [Role],
}

/// The menu, in order. Each area's router is guarded with the same role list.
pub const AREAS: &[Area] = &[
    Area {
        path: "/",
        label: "Beranda",
        roles: EVERYONE,
    },
    Area {
        path: "/antrean",
        label: "Antrean saya",
        roles: CASE_ROLES,
    },
    Area {
        path: "/kasus/baru",
        label: "Daftarkan pasien",
        roles: RSUD,
    },
    Area {
        path: "/kasus-saya",
        label: "Kasus rumah sakit",
        roles: RSUD,
    },
    Area {
        path: "/token-api",
        label: "Token API",
        roles: CASE_ROLES,
    },
    Area {
        path: "/admin/pengguna",
        label: "Pengguna",
        roles: ADMIN,
    },
    Area {
        path: "/admin/rumah-sakit",
        label: "Rumah sakit",
        roles: ADMIN,
    },
    Area {
        path: "/admin/kabkota",
        label: "Kab/Kota",
        roles: ADMIN,
    },
    Area {
        path: "/admin/hari-libur",
        label: "Hari libur",
        roles: ADMIN,
    },
    Area {
        path: "/admin/sla",
        label: "Batas waktu layanan",
        roles: ADMIN,
    },
    Area {
        path: "/akun/kata-sandi",
        label: "Ganti kata sandi",
        roles: EVERYONE,
    },
];

/// The menu entries a role may open.
pub fn menu_for(role: Role) -> Vec<Area> {
    AREAS
        .iter()
        .filter(|a| a.roles.contains(&role))
        .copied()
        .collect()
}

/// Paths a user who must change the password may still open.
const PASSWORD_CHANGE_PATHS: &[&str] = &["/akun/kata-sandi", "/keluar"];

/// Guards a browser router: anonymous users go to sign-in, users who must change their
/// password go to the change page, other roles get the 403 page.
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
    if !roles.contains(&user.role) {
        return AppError::Forbidden.into_response();
    }
    next.run(req).await
}

/// Guards an API router: 401 without a valid token, 403 for other roles.
pub fn require_api<S: Clone + Send + Sync + 'static>(
    router: axum::Router<S>,
    roles: &'static [Role],
) -> axum::Router<S> {
    router.route_layer(middleware::from_fn(move |req: Request, next: Next| {
        check_api(roles, req, next)
    }))
}

async fn check_api(roles: &'static [Role], req: Request, next: Next) -> Response {
    match req.extensions().get::<CurrentUser>() {
        None => ApiError(AppError::Unauthorized).into_response(),
        Some(u) if !roles.contains(&u.role) => ApiError(AppError::Forbidden).into_response(),
        Some(_) => next.run(req).await,
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .ok_or(AppError::Unauthorized)
    }
}
