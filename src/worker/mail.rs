//! E-mail notifications: the letters (Bahasa Indonesia, plain text) and the SMTP transport
//! (lettre over rustls, or plain SMTP to a relay). A letter names the case number, the desk and
//! a link to the case page — never a NIK, a name or a diagnosis; the digest gives counts and a
//! link to `/notifikasi/ringkasan`.

use std::time::Duration;

use chrono::{DateTime, Utc};

use anyhow::Context;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::cases::digest::{CaseList, Digest};
use crate::domain::{CaseState, NotificationKind, locale};

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// A message to send: subject and plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub subject: String,
    pub body: String,
}

/// Sends letters through one SMTP server, from one sender, with links to one public address.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    public_url: String,
}

impl Mailer {
    /// A mailer for `smtp_url` (see `config::Settings::smtp_url`) sending as `from`, linking to
    /// `public_url` (no trailing slash).
    pub fn new(smtp_url: &str, from: &str, public_url: &str) -> anyhow::Result<Mailer> {
        // The URL may hold a password: the error names the setting, not the value.
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| anyhow::anyhow!("MERAJUT_SMTP_URL cannot be used: {e}"))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from = from
            .parse()
            .with_context(|| format!("MERAJUT_SMTP_FROM {from:?} is not an e-mail address"))?;
        Ok(Mailer {
            transport,
            from,
            public_url: public_url.trim_end_matches('/').to_string(),
        })
    }

    /// Sends `letter` to `to`, dated `at` (the application's clock). Its `Message-ID` is
    /// derived from `key` (the job's dedupe key), so a copy sent again after a crash is
    /// recognisable as the same message.
    pub async fn send(
        &self,
        to: &str,
        letter: &Letter,
        key: &str,
        at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let to: Mailbox = to
            .parse()
            .context("the user's e-mail address cannot be used")?;
        let id = hex::encode(&Sha256::digest(key.as_bytes())[..16]);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&letter.subject)
            .date(at.into())
            .message_id(Some(format!("<{id}@merajut-sehat>")))
            .header(ContentType::TEXT_PLAIN)
            .body(letter.body.clone())
            .context("building the e-mail")?;
        self.transport
            .send(message)
            .await
            .map_err(|e| anyhow::anyhow!("SMTP: {e}"))?;
        Ok(())
    }

    /// The letter of a case arriving at, returning to or overdue at the user's desk.
    pub fn case_letter(
        &self,
        kind: NotificationKind,
        case_id: Uuid,
        case_number: &str,
        state: CaseState,
    ) -> Letter {
        let desk = state.label();
        let (subject, line) = match kind {
            NotificationKind::Returned => (
                format!("Kasus {case_number} dikembalikan ke rumah sakit Anda"),
                format!(
                    "Kasus {case_number} dikembalikan ke rumah sakit Anda untuk dilengkapi \
                     (meja: {desk})."
                ),
            ),
            NotificationKind::Overdue => (
                format!("Kasus {case_number} terlambat di meja Anda"),
                format!(
                    "Kasus {case_number} telah melewati batas waktu layanan di meja Anda \
                     ({desk})."
                ),
            ),
            NotificationKind::Arrived | NotificationKind::Digest => (
                format!("Kasus {case_number} masuk ke meja Anda"),
                format!("Kasus {case_number} masuk ke meja Anda: {desk}."),
            ),
        };
        let body = format!(
            "{line}\n\nBuka kasus: {base}/kasus/{case_id}\n\n{footer}",
            base = self.public_url,
            footer = self.footer()
        );
        Letter {
            subject: format!("[Merajut Sehat] {subject}"),
            body,
        }
    }

    /// The activation code of a new or reset account: the page to use it on and the code to
    /// type there (not in the link, so that it never reaches a server log or a browser history).
    pub fn activation_letter(&self, username: &str, code: &str, hours: u32) -> Letter {
        let body = format!(
            "Akun Merajut Sehat Anda ({username}) dibuat atau direset oleh administrator.\n\n\
             Buka {base}/aktivasi, lalu masukkan nama pengguna Anda dan kode aktivasi ini:\n\n\
             {code}\n\n\
             Kode hanya berlaku sekali, selama {hours} jam. Setelah itu pilih kata sandi Anda \
             sendiri. Jika Anda tidak mengharapkan email ini, hubungi Dinkes Provinsi NTT.\n\n\
             {footer}",
            base = self.public_url,
            footer = self.footer()
        );
        Letter {
            subject: "[Merajut Sehat] Kode aktivasi akun Anda".to_string(),
            body,
        }
    }

    /// The daily digest: counts only, and the link to the page with the cases.
    pub fn digest_letter(&self, digest: &Digest) -> Letter {
        let since = locale::date(digest.since);
        let mut lines = vec![format!(
            "Ringkasan harian {} untuk {}.",
            locale::date(digest.today),
            digest.scope
        )];
        if let Some(desk) = &digest.desk {
            lines.push(String::new());
            lines.push("Meja Anda:".into());
            lines.push(format!("- Kasus di meja Anda: {}", desk.at_desk.count));
            lines.push(format!("- Terlambat: {}", desk.overdue.count));
            lines.push(format!("- Jatuh tempo hari ini: {}", desk.due_today.count));
            let mut optional = |label: String, list: &Option<CaseList>| {
                if let Some(list) = list {
                    lines.push(format!("- {label}: {}", list.count));
                }
            };
            optional(format!("Masuk sejak {since}"), &desk.arrived);
            optional("Dikembalikan ke rumah sakit".into(), &desk.returned);
        }
        if let Some(scope) = &digest.overview {
            lines.push(String::new());
            lines.push(format!("Cakupan Anda sejak {since}:"));
            lines.push(format!("- Terdaftar: {}", scope.registered.count));
            lines.push(format!("- Diserahkan: {}", scope.handed_over.count));
            lines.push(format!(
                "- Kasus terbuka: {}, terlambat: {}",
                scope.open, scope.overdue
            ));
        }
        let body = format!(
            "{}\n\nLihat rinciannya: {}/notifikasi/ringkasan\n\n{}",
            lines.join("\n"),
            self.public_url,
            self.footer()
        );
        Letter {
            subject: format!(
                "[Merajut Sehat] Ringkasan harian {}",
                locale::date(digest.today)
            ),
            body,
        }
    }

    /// The closing lines of every letter.
    fn footer(&self) -> String {
        format!(
            "Pesan ini dikirim otomatis oleh Merajut Sehat dan tidak memuat data pribadi \
             pasien.\nAtur notifikasi Anda: {}/akun/notifikasi",
            self.public_url
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailer() -> Mailer {
        Mailer::new(
            "smtp://127.0.0.1:2525",
            "Merajut Sehat <noreply@example.go.id>",
            "https://merajut.example.go.id/",
        )
        .expect("a valid mailer")
    }

    #[test]
    fn a_case_letter_names_the_case_the_desk_and_the_link() {
        let id = Uuid::nil();
        let letter = mailer().case_letter(
            NotificationKind::Arrived,
            id,
            "MS-2026-000012",
            CaseState::NikCheck,
        );
        assert_eq!(
            letter.subject,
            "[Merajut Sehat] Kasus MS-2026-000012 masuk ke meja Anda"
        );
        assert!(letter.body.starts_with(&format!(
            "Kasus MS-2026-000012 masuk ke meja Anda: {}.",
            CaseState::NikCheck.label()
        )));
        assert!(
            letter
                .body
                .contains(&format!("https://merajut.example.go.id/kasus/{id}"))
        );
        assert!(
            letter
                .body
                .contains("https://merajut.example.go.id/akun/notifikasi")
        );
    }

    #[test]
    fn a_bad_sender_or_server_is_refused_at_start() {
        assert!(Mailer::new("smtp://127.0.0.1:2525", "bukan alamat", "https://x.id").is_err());
        assert!(Mailer::new("imap://x", "a@b.id", "https://x.id").is_err());
    }
}
