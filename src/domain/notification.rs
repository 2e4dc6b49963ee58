//! Kinds of notification a user can be sent, and which of them make sense for a role: the
//! choices the preferences page offers. The defaults of each choice live in the database
//! (view `effective_notification_preferences`), not here.

use super::{CaseState, Role};

super::reference::code_enum! {
    /// What a notification is about (the `kind` of `notifications` and
    /// `notification_preferences`).
    pub enum NotificationKind {
        /// A case arrived at a desk of the user.
        Arrived => ("arrived", "Kasus masuk ke meja saya"),
        /// A case at a desk of the user passed its due date.
        Overdue => ("overdue", "Kasus terlambat"),
        /// A case was sent back to the user's hospital to be completed.
        Returned => ("returned", "Kasus dikembalikan ke RS saya"),
        /// The daily summary (page `/notifikasi/ringkasan`, by e-mail if chosen).
        Digest => ("digest", "Ringkasan harian"),
    }
}

impl NotificationKind {
    /// Whether the kind has an in-application channel. The digest has none: its page is
    /// always there.
    pub fn has_in_app(&self) -> bool {
        *self != NotificationKind::Digest
    }

    /// What the user is told under the kind's name on the preferences page.
    pub fn help(&self) -> &'static str {
        match self {
            NotificationKind::Arrived => "Setiap kali sebuah kasus tiba di meja Anda.",
            NotificationKind::Overdue => {
                "Sekali per kasus, ketika kasus di meja Anda melewati batas waktu layanan."
            }
            NotificationKind::Returned => {
                "Ketika sebuah kasus dikembalikan ke rumah sakit Anda untuk dilengkapi."
            }
            NotificationKind::Digest => {
                "Setiap pagi hari kerja: ringkasan kasus di cakupan Anda (nomor kasus saja)."
            }
        }
    }

    /// The kinds a user of `role` can receive, in the order the page shows them. Arrivals and
    /// overdue notices go to the roles that own a desk in some state; returns to the hospital
    /// (`rsud`); the digest to every case role. The roles that watch rather than act (`tim`,
    /// `dinkes_kab`) and the parallel desk of `dinsos_kab` have no desk of a state, so they get
    /// the digest only; the administrator sees no cases and gets nothing.
    pub fn for_role(role: Role) -> Vec<NotificationKind> {
        if matches!(role, Role::Admin | Role::Auditor) {
            return vec![];
        }
        let owns_a_desk = CaseState::ALL.iter().any(|s| s.desk() == Some(role));
        NotificationKind::ALL
            .iter()
            .copied()
            .filter(|kind| match kind {
                NotificationKind::Arrived | NotificationKind::Overdue => owns_a_desk,
                NotificationKind::Returned => role == Role::Rsud,
                NotificationKind::Digest => true,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::NotificationKind::*;
    use super::*;

    #[test]
    fn each_role_is_offered_what_it_can_receive() {
        assert_eq!(
            NotificationKind::for_role(Role::Rsud),
            vec![Arrived, Overdue, Returned, Digest]
        );
        for role in [
            Role::DukcapilProv,
            Role::DukcapilKab,
            Role::DinsosProv,
            Role::DinkesProv,
            Role::Bpjs,
        ] {
            assert_eq!(
                NotificationKind::for_role(role),
                vec![Arrived, Overdue, Digest],
                "{role}"
            );
        }
        for role in [Role::Tim, Role::DinkesKab, Role::DinsosKab] {
            assert_eq!(NotificationKind::for_role(role), vec![Digest], "{role}");
        }
        assert!(NotificationKind::for_role(Role::Admin).is_empty());
    }

    #[test]
    fn only_the_digest_lacks_an_in_app_channel() {
        assert!(!Digest.has_in_app());
        assert!(Arrived.has_in_app() && Overdue.has_in_app() && Returned.has_in_app());
    }
}
