//! What must hold after years of cases, checked on counts and rows, not on time: case numbers
//! past 999,999 in a year, and reading pages or the API without writing the session or the
//! token on every request.

use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn case_numbers_grow_past_six_digits_without_repeating() {
    // Arrange: the running number just below a million.
    let app = spawn_app().await;
    let team = Team::new(&app).await;
    sqlx::query("SELECT setval('case_number_seq', 999998)")
        .execute(&app.pool)
        .await
        .expect("setting the sequence");

    // Act: three intakes across the millionth.
    let mut numbers = vec![];
    for serial in 1..=3 {
        let reply = team.rsud.create_case(&intake_serial(serial, "53.71")).await;
        reply.expect(StatusCode::CREATED);
        numbers.push(
            reply.body["case"]["number"]
                .as_str()
                .expect("a case number")
                .to_string(),
        );
    }

    // Assert: padded to six digits, then longer; never cut, never repeated.
    let ends: Vec<&str> = numbers
        .iter()
        .map(|n| n.rsplit('-').next().unwrap_or_default())
        .collect();
    assert_eq!(ends, ["999999", "1000000", "1000001"], "{numbers:?}");
}

/// What `sql` reads of row versions (`xmin`, which changes with every write of a row).
async fn row_version(app: &TestApp, sql: &str) -> String {
    sqlx::query_scalar::<_, String>(sql)
        .fetch_one(&app.pool)
        .await
        .expect("reading a row version")
}

#[tokio::test]
async fn reading_pages_does_not_write_the_session() {
    // Arrange: a hospital PIC signed in, with a case; the app's clock stands still (the
    // session notes its use at most once a minute by that clock).
    let app = spawn_app_at(Utc.with_ymd_and_hms(2026, 11, 10, 2, 0, 0).unwrap()).await;
    let (client, _) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let team = Team::new(&app).await;
    let case = team.create(&intake_woman()).await;
    let pages = ["/antrean", &format!("/kasus/{case}"), "/kasus-saya", "/"];
    for page in pages {
        assert_eq!(
            app.get(&client, page).await.status(),
            StatusCode::OK,
            "{page}"
        );
    }
    let sessions = "SELECT string_agg(xmin::text, ',' ORDER BY id) FROM tower_sessions.session";
    let before = row_version(&app, sessions).await;

    // Act: the same pages again, several times.
    for _ in 0..3 {
        for page in pages {
            assert_eq!(
                app.get(&client, page).await.status(),
                StatusCode::OK,
                "{page}"
            );
        }
    }

    // Assert: no session row was written.
    assert_eq!(row_version(&app, sessions).await, before);
}

#[tokio::test]
async fn the_api_marks_a_token_used_at_most_once_in_five_minutes() {
    // Arrange
    let app = spawn_app_at(Utc.with_ymd_and_hms(2026, 11, 10, 2, 0, 0).unwrap()).await;
    let bpjs = actor(&app, "bpjs", None).await;
    let token_row = format!(
        "SELECT xmin::text || '/' || coalesce(last_used_at::text, '-') FROM api_tokens \
         WHERE user_id = '{}'",
        bpjs.user.id
    );
    bpjs.queue(None, None).await.expect(StatusCode::OK);
    let first = row_version(&app, &token_row).await;
    assert!(
        !first.ends_with("/-"),
        "marked used by the first call: {first}"
    );

    // Act: more calls within five minutes.
    for _ in 0..5 {
        bpjs.queue(None, None).await.expect(StatusCode::OK);
    }
    app.clock.advance(Duration::minutes(4));
    bpjs.queue(None, None).await.expect(StatusCode::OK);

    // Assert: not written again…
    assert_eq!(row_version(&app, &token_row).await, first);

    // …until five minutes have passed.
    app.clock.advance(Duration::minutes(1));
    bpjs.queue(None, None).await.expect(StatusCode::OK);
    assert_ne!(row_version(&app, &token_row).await, first);
}
