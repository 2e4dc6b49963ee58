//! The outgoing webhook: every case transition POSTed as JSON to one address, signed so the
//! receiver knows it came from this service.
//!
//! The body is the job's payload ([`WebhookEvent`]: event, case id and number, from and to
//! state, time, delivery id — no personal data). Headers:
//! - `X-Merajut-Signature: sha256=<hex>`: HMAC-SHA256 of the raw body with the shared secret;
//! - `X-Merajut-Delivery: <uuid>`: the same on every retry of one delivery (idempotency key);
//! - `X-Merajut-Event: case.transition`.
//!
//! Any answer other than 2xx (redirects included, which are not followed), a timeout or a
//! connection error is a failed attempt, retried with backoff.

use std::time::Duration;

use anyhow::Context;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::cases::notify::WebhookEvent;

/// How long one delivery may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The signature header's value for `body`: `sha256=` and the hex HMAC-SHA256 with `secret`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Delivers events to one address with one secret.
pub struct Webhook {
    client: reqwest::Client,
    url: reqwest::Url,
    secret: Vec<u8>,
}

impl Webhook {
    /// A webhook for `url` signed with `secret` (both checked at start).
    pub fn new(url: &str, secret: &str) -> anyhow::Result<Webhook> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("merajut-sehat/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("building the webhook client")?;
        let url = url.parse().context("MERAJUT_WEBHOOK_URL is not a URL")?;
        Ok(Webhook {
            client,
            url,
            secret: secret.as_bytes().to_vec(),
        })
    }

    /// POSTs `event`; an error for anything but a 2xx answer.
    pub async fn deliver(&self, event: &WebhookEvent) -> anyhow::Result<()> {
        let body = serde_json::to_vec(event).context("writing the webhook body")?;
        let response = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Merajut-Signature", signature(&self.secret, &body))
            .header("X-Merajut-Delivery", event.delivery_id.to_string())
            .header("X-Merajut-Event", event.event.as_str())
            .body(body)
            .send()
            .await
            // The address may carry a token of the receiver's: never in the error.
            .map_err(|e| anyhow::anyhow!("webhook: {}", e.without_url()))?;
        let status = response.status();
        if !status.is_success() {
            anyhow::bail!("webhook: penerima menjawab HTTP {}", status.as_u16());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CaseState;

    #[test]
    fn the_documented_example_is_what_is_sent() {
        // docs/operations.md verifies this body and signature with openssl and Python.
        let event = WebhookEvent {
            event: "case.transition".into(),
            case_id: "0b5c3c1e-6a0f-4a53-9d8e-2f1f0c7a9b10"
                .parse()
                .expect("a uuid"),
            case_number: "MS-2026-000012".into(),
            from_state: CaseState::NikCheck,
            to_state: CaseState::DesilCheck,
            at: "2026-12-01T01:30:00Z".parse().expect("a time"),
            delivery_id: "7d0f6c52-1c1e-4a3b-8f5e-9a2b3c4d5e6f"
                .parse()
                .expect("a uuid"),
        };
        let body = serde_json::to_vec(&event).expect("JSON");
        assert_eq!(
            String::from_utf8_lossy(&body),
            r#"{"event":"case.transition","case_id":"0b5c3c1e-6a0f-4a53-9d8e-2f1f0c7a9b10","case_number":"MS-2026-000012","from_state":"nik_check","to_state":"desil_check","at":"2026-12-01T01:30:00Z","delivery_id":"7d0f6c52-1c1e-4a3b-8f5e-9a2b3c4d5e6f"}"#
        );
        assert_eq!(
            signature(b"contoh-rahasia-webhook-0123456789", &body),
            "sha256=260e8477a31e79610954d3c105ccbecb03d740813b36edc754b851998d137680"
        );
    }

    #[test]
    fn signature_is_the_hex_hmac_of_the_body() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
