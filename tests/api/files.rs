//! Uploaded files: judged by their content, photos stored re-encoded without their metadata,
//! PDFs only when they parse, files private to the service user; hostile files are field
//! errors that store nothing.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::*;

/// A JPEG with an Exif GPS block, as a phone camera writes it.
fn jpeg_with_gps() -> Vec<u8> {
    merajut_sehat::demo::with_exif_gps(&test_jpeg())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Where the store keeps document `id`.
fn stored_path(app: &TestApp, id: &str) -> PathBuf {
    let name = id.replace('-', "");
    app.settings.files_dir().join(&name[..2]).join(name)
}

/// Every file under the documents directory.
fn files_on_disk(app: &TestApp) -> usize {
    let mut count = 0;
    let mut pending = vec![app.settings.files_dir()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.path().is_dir() {
                pending.push(entry.path());
            } else {
                count += 1;
            }
        }
    }
    count
}

#[tokio::test]
async fn a_photo_is_stored_without_its_exif_gps_block_and_private() {
    // Arrange
    let app = spawn_app().await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    let id = rsud.create_case(&intake_woman()).await.case_id();
    let sent = jpeg_with_gps();
    assert!(contains(&sent, b"Exif") && contains(&sent, b"GPS"));

    // Act
    let reply = rsud.upload(id, "ktp", &sent, "ktp.jpg").await;

    // Assert
    reply.expect(StatusCode::CREATED);
    let doc = reply.body["id"].as_str().expect("the document's id");
    let path = stored_path(&app, doc);
    let stored = std::fs::read(&path).expect("the stored file");
    assert!(stored.starts_with(&[0xFF, 0xD8, 0xFF]), "still a JPEG");
    assert!(!contains(&stored, b"Exif"), "an Exif block is left");
    assert!(!contains(&stored, b"GPS"), "a GPS position is left");
    assert!(
        !stored.windows(2).any(|w| w == [0xFF, 0xE1]),
        "an APP1 segment is left"
    );
    let photo = image::load_from_memory(&stored).expect("a photo");
    assert_eq!((photo.width(), photo.height()), (16, 8));
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().expect("its directory")), 0o700);
    // The recorded size and type are those of the stored file.
    let (size, content_type): (i32, String) =
        sqlx::query_as("SELECT size_bytes, content_type FROM documents WHERE id = $1::uuid")
            .bind(doc)
            .fetch_one(&app.pool)
            .await
            .expect("the document row");
    assert_eq!(usize::try_from(size).expect("positive"), stored.len());
    assert_eq!(content_type, "image/jpeg");
}

#[tokio::test]
async fn hostile_files_are_field_errors_that_store_nothing() {
    // Arrange
    let app = spawn_app().await;
    let rsud = actor(&app, "rsud", Some("RSUD-WZJ")).await;
    let id = rsud.create_case(&intake_woman()).await.case_id();
    let before = snapshot(&app, id).await.documents;
    let on_disk = files_on_disk(&app);
    let mut garbage_pdf = b"%PDF-1.7\n".to_vec();
    garbage_pdf.extend(std::iter::repeat_n(0xA7u8, 20_000));
    let mut polyglot = b"%PDF-1.4\n".to_vec();
    polyglot.extend_from_slice(b"<html><body><script>alert(document.cookie)</script></body>");
    let mut png_then_html = PNG[..16].to_vec();
    png_then_html.extend_from_slice(b"<script>alert(1)</script>");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("kosong.png", vec![], "kosong"),
        ("satu.jpg", vec![0xFF], "JPEG/PNG atau PDF"),
        ("nol.pdf", vec![0; 50_000], "JPEG/PNG atau PDF"),
        (
            "teks.pdf",
            "Ini teks biasa.\n".repeat(6_400).into_bytes(),
            "JPEG/PNG atau PDF",
        ),
        ("rusak.pdf", garbage_pdf, "PDF tidak dapat dibaca"),
        ("halaman.pdf", polyglot, "PDF tidak dapat dibaca"),
        ("foto.png", png_then_html, "Foto tidak dapat dibaca"),
        (
            "foto.jpg",
            b"\xFF\xD8\xFF\xE0 bukan JPEG".to_vec(),
            "Foto tidak dapat dibaca",
        ),
    ];

    for (name, bytes, part) in cases {
        // Act
        let reply = rsud.upload(id, "ktp", &bytes, name).await;

        // Assert
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let message = reply.field_message("file");
        assert!(message.contains(part), "{name}: {message}");
    }
    assert_eq!(snapshot(&app, id).await.documents, before);
    assert_eq!(
        files_on_disk(&app),
        on_disk,
        "a refused file was left on disk"
    );
}

#[tokio::test]
async fn a_refused_file_is_named_on_the_page_and_the_intake_keeps_its_fields() {
    // Arrange
    let app = spawn_app().await;
    let (client, pic) = app.signed_in("rsud", Some("RSUD-WZJ")).await;
    let fields = intake_fields("Markus Tefa", "L", "1975-11-02", NIK_MAN, "53.71");
    let id = app.arrange_draft(&pic, &fields).await;
    let mut garbage_pdf = b"%PDF-1.7\n".to_vec();
    garbage_pdf.extend(std::iter::repeat_n(b'x', 2_000));
    let path = format!("/kasus/{id}");

    // Act: a broken PDF on the case page, a broken JPEG as the intake's KTP photo.
    let upload = app
        .post_multipart(
            &client,
            &path,
            &format!("/kasus/{id}/dokumen"),
            &[("kind".into(), "sktm".into())],
            &[("file", "sktm.pdf", garbage_pdf)],
        )
        .await;
    let mut form = intake_fields("Yohana Bria", "P", "1990-05-12", NIK_WOMAN, "53.71");
    form.push(("intent".into(), "draft".into()));
    let intake = app
        .post_multipart(
            &client,
            "/kasus/baru",
            "/kasus/baru",
            &form,
            &[("ktp_file", "ktp.jpg", b"\xFF\xD8\xFF\xE0 rusak".to_vec())],
        )
        .await;

    // Assert
    assert_eq!(upload.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = upload.text().await.expect("page");
    assert_eq!(
        text(&html, "form.upload + .field-error").as_deref(),
        Some("PDF tidak dapat dibaca: berkas rusak, terkunci kata sandi atau bukan PDF.")
    );
    assert_eq!(intake.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = intake.text().await.expect("page");
    assert_eq!(
        text(&html, "#ktp_file + .field-error").as_deref(),
        Some("Foto tidak dapat dibaca: berkas bukan gambar JPEG yang utuh.")
    );
    assert_eq!(
        attr(&html, "#intake-full_name", "value").as_deref(),
        Some("Yohana Bria")
    );
    let cases: i64 = sqlx::query_scalar("SELECT count(*) FROM cases")
        .fetch_one(&app.pool)
        .await
        .expect("counting cases");
    assert_eq!(cases, 1, "the refused intake stored no case");
}

#[tokio::test]
async fn files_written_before_are_made_private_at_start() {
    // Arrange: a file and a directory as the store wrote them before (0644 / 0755).
    let app = spawn_app().await;
    let dir = app.settings.files_dir().join("ab");
    std::fs::create_dir_all(&dir).expect("a directory");
    let file = dir.join(Uuid::new_v4().simple().to_string());
    std::fs::write(&file, TEST_PDF).expect("a file");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");

    // Act: the service starts again on the same data directory.
    let mut settings = app.settings.clone();
    settings.bind = "127.0.0.1:0".parse().expect("an address");
    let _again = merajut_sehat::startup::Application::build(settings, app.pool.clone())
        .await
        .expect("starting again");

    // Assert
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!((mode(&dir), mode(&file)), (0o700, 0o600));
}
