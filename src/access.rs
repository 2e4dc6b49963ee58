//! Who may open what: every area of the application names its roles here, once. The page
//! routers (`web::guard::require`) and the API routers (`api::require_api`) apply these lists,
//! and the menu is built from the same table, so a link is shown exactly when its page would
//! open.

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
    Auditor,
];
/// Roles that work on cases (everyone but the administrator, who sees no patient data).
/// `cases::policy` cuts its field groups from this list: keep `Bpjs` and then `Tim` last.
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
/// Roles with a desk of their own: their "Antrean saya" lists the cases waiting for them.
pub const QUEUE_ROLES: &[Role] = &[
    Rsud,
    DukcapilProv,
    DukcapilKab,
    DinsosProv,
    DinsosKab,
    DinkesProv,
    Bpjs,
];
/// Roles that watch the cases rather than act on them (the program team, the kab/kota
/// Dinkes): their list is the monitoring list (`/pemantauan`), closed cases included. Their
/// `/antrean` leads there.
pub const MONITORS: &[Role] = &[Tim, DinkesKab];
/// Roles that see claims (`/klaim`): the hospital records them, Dinkes prov verifies and pays
/// them, Dinkes kab/kota and the program team read them (each within its scope).
pub const CLAIM_ROLES: &[Role] = &[Rsud, DinkesProv, DinkesKab, Tim];
/// Who sees the yearly quota per payer (`/kuota`): Dinkes (the kab/kota Dinkes the province's
/// and its own kab/kota's) and the program team, read only.
pub const QUOTA_READERS: &[Role] = &[DinkesProv, DinkesKab, Tim];
/// Who sets the quotas: Dinkes prov every payer's, Dinkes kab/kota only its own kab/kota's
/// (checked per payer by `cases::quota`).
pub const QUOTA_EDITORS: &[Role] = &[DinkesProv, DinkesKab];
/// Who reads the daftar nominatif (`/nominatif`): Dinkes (the kab/kota one only the cases
/// of its kab/kota) and the program team (NIK masked).
pub const NOMINATIF_READERS: &[Role] = &[DinkesProv, DinkesKab, Tim];
/// Who builds batches, adds and removes cases, records the decree or cancels: Dinkes prov
/// (the Governor's decree is the province's; a kab/kota Dinkes only reads and exports its
/// own cases).
pub const NOMINATIF_BUILDERS: &[Role] = &[DinkesProv];
/// Who exports and prints the decree annex (full NIK and KK, as the annex needs them).
pub const NOMINATIF_EXPORTERS: &[Role] = &[DinkesProv, DinkesKab];
/// Hospital PICs.
pub const RSUD: &[Role] = &[Rsud];
/// The administrator.
pub const ADMIN: &[Role] = &[Admin];
/// Who reads the daily counts of the families' status page (`/kode-status`): the program
/// team and the administrator (aggregate numbers only, no case).
pub const STATUS_COUNT_READERS: &[Role] = &[Tim, Admin];
/// The data protection officer: the access log, the per-patient access history and the audit
/// events (`web::audit`); no case content.
pub const AUDITORS: &[Role] = &[Auditor];

/// The pages anyone may open without signing in and without a session (besides sign-in itself
/// — `/masuk`, `/masuk/kode`, `/aktivasi`, whose forms need one — and the health checks): the public verification page of a guarantee letter, whose link is the QR code on
/// the letter, and the families' status page (its form carries only the CSRF cookie's value).
/// Neither shows personal data (see `web::verification`, `web::family_status`).
pub const PUBLIC_PAGES: &[&str] = &["/verifikasi/surat/{token}", "/status"];

/// An area of the application: a menu entry, or a page reached from another one.
#[derive(Debug, Clone, Copy)]
pub struct Area {
    pub path: &'static str,
    pub label: &'static str,
    pub roles: &'static [Role],
    /// Whether the main menu links it; the API tokens are not there but on "Akun saya" (few
    /// users need them, and the menu is short on a phone).
    pub in_menu: bool,
}

/// The areas, in menu order. Each area's router is guarded with the same role list.
pub const AREAS: &[Area] = &[
    Area {
        path: "/",
        label: "Beranda",
        roles: EVERYONE,
        in_menu: true,
    },
    Area {
        path: "/antrean",
        label: "Antrean saya",
        roles: QUEUE_ROLES,
        in_menu: true,
    },
    Area {
        path: "/pemantauan",
        label: "Pemantauan kasus",
        roles: MONITORS,
        in_menu: true,
    },
    Area {
        path: "/dasbor",
        label: "Dasbor",
        roles: CASE_ROLES,
        in_menu: true,
    },
    Area {
        path: "/hambatan",
        label: "Hambatan",
        roles: CASE_ROLES,
        in_menu: true,
    },
    Area {
        path: "/notifikasi/ringkasan",
        label: "Ringkasan harian",
        roles: CASE_ROLES,
        in_menu: true,
    },
    Area {
        path: "/kuota",
        label: "Kuota",
        roles: QUOTA_READERS,
        in_menu: true,
    },
    Area {
        path: "/nominatif",
        label: "Daftar nominatif",
        roles: NOMINATIF_READERS,
        in_menu: true,
    },
    Area {
        path: "/kasus/baru",
        label: "Daftarkan pasien",
        roles: RSUD,
        in_menu: true,
    },
    Area {
        path: "/kasus-saya",
        label: "Kasus rumah sakit",
        roles: RSUD,
        in_menu: true,
    },
    Area {
        path: "/klaim",
        label: "Klaim",
        roles: CLAIM_ROLES,
        in_menu: true,
    },
    Area {
        path: "/laporan",
        label: "Laporan",
        roles: CASE_ROLES,
        in_menu: true,
    },
    Area {
        path: "/kode-status",
        label: "Cek status keluarga",
        roles: STATUS_COUNT_READERS,
        in_menu: true,
    },
    Area {
        path: "/token-api",
        label: "Token API",
        roles: CASE_ROLES,
        in_menu: false,
    },
    Area {
        path: "/admin/pengguna",
        label: "Pengguna",
        roles: ADMIN,
        in_menu: true,
    },
    Area {
        path: "/admin/rumah-sakit",
        label: "Rumah sakit",
        roles: ADMIN,
        in_menu: true,
    },
    Area {
        path: "/admin/kabkota",
        label: "Kab/Kota",
        roles: ADMIN,
        in_menu: true,
    },
    Area {
        path: "/admin/hari-libur",
        label: "Hari libur",
        roles: ADMIN,
        in_menu: true,
    },
    Area {
        path: "/admin/sla",
        label: "Batas waktu layanan",
        roles: ADMIN,
        in_menu: true,
    },
    Area {
        path: "/admin/retensi",
        label: "Masa retensi",
        roles: ADMIN,
        in_menu: true,
    },
    Area {
        path: "/admin/tugas-latar",
        label: "Tugas latar",
        roles: ADMIN,
        in_menu: true,
    },
    Area {
        path: "/audit/akses",
        label: "Log akses",
        roles: AUDITORS,
        in_menu: true,
    },
    Area {
        path: "/audit/pasien",
        label: "Riwayat akses pasien",
        roles: AUDITORS,
        in_menu: true,
    },
    Area {
        path: "/audit/peristiwa",
        label: "Peristiwa audit",
        roles: AUDITORS,
        in_menu: true,
    },
    Area {
        path: "/akun",
        label: "Akun saya",
        roles: EVERYONE,
        in_menu: true,
    },
];

/// The menu entries a role may open.
pub fn menu_for(role: Role) -> Vec<Area> {
    AREAS
        .iter()
        .filter(|a| a.in_menu && a.roles.contains(&role))
        .copied()
        .collect()
}

/// Whether `role` may open the area at `path`: its pages and their downloads (a list's
/// `…/unduh` sits in the list's area and is guarded with the same roles).
pub fn may_open(role: Role, path: &str) -> bool {
    AREAS
        .iter()
        .any(|a| a.path == path && a.roles.contains(&role))
}
