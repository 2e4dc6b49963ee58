//! The check of an upload's content (type judged by its bytes, photos re-encoded, PDFs parsed)
//! and the modes of the files directory. Storing and reading files is [`crate::storage`]'s
//! ([`FileStore`], re-exported here for the case service).

pub use crate::storage::{FileStore, ReadError};

/// The content type of an accepted upload, judged by its first bytes (not by its name or the
/// browser's claim): JPEG, PNG or PDF.
pub fn sniff_content_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// Largest photo accepted, in pixels (a 40-megapixel photo; a phone takes 12 to 50): a small
/// file that claims more is a decompression bomb.
pub const MAX_PIXELS: u64 = 40_000_000;
/// Longest side of a photo accepted, in pixels.
const MAX_SIDE: u32 = 20_000;
/// Largest stream a PDF may decompress to while it is parsed.
const MAX_PDF_STREAM: usize = 64 * 1024 * 1024;
/// How long the check of one file may take before it is refused.
const CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// Files checked at once (a 40-megapixel photo takes 160 MB to decode); more wait.
static CHECKS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// A file as it will be stored: its type (judged by its content) and its bytes — a photo
/// decoded and encoded again (nothing of the original but its pixels: no EXIF, no GPS
/// position, no trailing data), a PDF as sent once it parsed.
#[derive(Debug, Clone)]
pub struct CheckedFile {
    content_type: &'static str,
    bytes: Vec<u8>,
}

impl CheckedFile {
    /// `image/jpeg`, `image/png` or `application/pdf`.
    pub fn content_type(&self) -> &'static str {
        self.content_type
    }

    /// The bytes to store.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Checks an upload's content on a blocking thread (at most [`CHECKS`] at once, each cut off
/// after [`CHECK_TIMEOUT`]); the refusal is a sentence in Bahasa Indonesia.
pub async fn check(bytes: &[u8], max_bytes: usize) -> Result<CheckedFile, String> {
    let permit = CHECKS
        .acquire()
        .await
        .map_err(|_| "Berkas tidak dapat diperiksa saat ini; coba lagi.".to_string())?;
    let owned = bytes.to_vec();
    // The permit goes with the work: a check cut off by the timeout still holds it until its
    // thread ends.
    let task = tokio::task::spawn_blocking(move || {
        let checked = check_blocking(&owned, max_bytes);
        drop(permit);
        checked
    });
    match tokio::time::timeout(CHECK_TIMEOUT, task).await {
        Ok(Ok(checked)) => checked,
        Ok(Err(_)) | Err(_) => {
            Err("Berkas tidak dapat diperiksa (terlalu rumit atau rusak).".into())
        }
    }
}

/// [`check`] on the calling thread: CPU-bound, up to a few hundred milliseconds for a large
/// photo.
pub fn check_blocking(bytes: &[u8], max_bytes: usize) -> Result<CheckedFile, String> {
    let content_type = sniff_content_type(bytes)
        .ok_or_else(|| "Berkas harus berupa foto JPEG/PNG atau PDF.".to_string())?;
    let bytes = match content_type {
        "image/jpeg" => reencode(bytes, image::ImageFormat::Jpeg, max_bytes)?,
        "image/png" => reencode(bytes, image::ImageFormat::Png, max_bytes)?,
        _ => {
            check_pdf(bytes)?;
            bytes.to_vec()
        }
    };
    Ok(CheckedFile {
        content_type,
        bytes,
    })
}

/// Decodes a photo (bounded by [`MAX_PIXELS`]), turns it as its EXIF orientation says, and
/// encodes its pixels again in the same format, within `max_bytes`.
fn reencode(bytes: &[u8], format: image::ImageFormat, max_bytes: usize) -> Result<Vec<u8>, String> {
    use image::{DynamicImage, ImageDecoder, ImageReader, Limits};

    let unreadable = || {
        let name = if format == image::ImageFormat::Png {
            "PNG"
        } else {
            "JPEG"
        };
        format!("Foto tidak dapat dibaca: berkas bukan gambar {name} yang utuh.")
    };
    let too_large = || {
        format!(
            "Foto terlalu besar (lebih dari {} megapiksel); kecilkan resolusinya.",
            MAX_PIXELS / 1_000_000
        )
    };
    let mut reader = ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => too_large(),
        _ => unreadable(),
    })?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(too_large());
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut photo = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => too_large(),
        _ => unreadable(),
    })?;
    photo.apply_orientation(orientation);
    let encoded = if format == image::ImageFormat::Png {
        encode_png(&photo)
    } else {
        // JPEG holds grey or RGB; anything else (CMYK read as RGB, alpha) becomes RGB.
        let photo = match photo {
            DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) => photo,
            other => DynamicImage::ImageRgb8(other.to_rgb8()),
        };
        // A lower quality only when the first encoding does not fit the limit.
        let mut last = None;
        for quality in [85, 70, 50] {
            let out = encode_jpeg(&photo, quality);
            let fits = out.as_ref().is_some_and(|b| b.len() <= max_bytes);
            last = out;
            if fits {
                break;
            }
        }
        last
    };
    let encoded = encoded.ok_or_else(unreadable)?;
    if encoded.len() > max_bytes {
        return Err(format!(
            "Foto terlalu besar setelah diproses; maksimal {} MB, kecilkan resolusinya.",
            max_bytes / 1_048_576
        ));
    }
    Ok(encoded)
}

fn encode_jpeg(photo: &image::DynamicImage, quality: u8) -> Option<Vec<u8>> {
    let mut out = vec![];
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    photo.write_with_encoder(encoder).ok()?;
    Some(out)
}

fn encode_png(photo: &image::DynamicImage) -> Option<Vec<u8>> {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let mut out = vec![];
    let encoder =
        PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::Adaptive);
    photo.write_with_encoder(encoder).ok()?;
    Some(out)
}

/// Keys and actions of a PDF that run something when it is opened (scripts, launching
/// programs, embedded files, forms that fetch): refused, a scan of a letter has none.
const PDF_ACTIVE_KEYS: &[&[u8]] = &[
    b"JS",
    b"JavaScript",
    b"EmbeddedFiles",
    b"EmbeddedFile",
    b"RichMedia",
    b"XFA",
];
const PDF_ACTIVE_ACTIONS: &[&[u8]] = &[b"JavaScript", b"Launch", b"ImportData", b"SubmitForm"];

/// Parses a PDF (each stream bounded by [`MAX_PDF_STREAM`]): it must have a page and no
/// active content.
fn check_pdf(bytes: &[u8]) -> Result<(), String> {
    use lopdf::{Dictionary, Document, LoadOptions, Object};

    let unreadable =
        || "PDF tidak dapat dibaca: berkas rusak, terkunci kata sandi atau bukan PDF.".to_string();
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_PDF_STREAM),
        ..LoadOptions::default()
    };
    let doc = Document::load_mem_with_options(bytes, options).map_err(|_| unreadable())?;
    if doc.page_iter().next().is_none() {
        return Err(unreadable());
    }
    let active = |d: &Dictionary| {
        PDF_ACTIVE_KEYS.iter().any(|k| d.has(k))
            || matches!(d.get(b"S"), Ok(Object::Name(n)) if PDF_ACTIVE_ACTIONS.contains(&n.as_slice()))
            || matches!(d.get(b"Type"), Ok(Object::Name(n)) if n.as_slice() == b"EmbeddedFile")
    };
    // Every dictionary, nested ones included (an action sits inside the catalog or a page).
    let mut pending: Vec<&Object> = doc.objects.values().collect();
    let mut has_active = false;
    while let Some(object) = pending.pop() {
        let dict = match object {
            Object::Dictionary(d) => d,
            Object::Stream(s) => &s.dict,
            Object::Array(items) => {
                pending.extend(items);
                continue;
            }
            _ => continue,
        };
        if active(dict) {
            has_active = true;
            break;
        }
        pending.extend(dict.iter().map(|(_, v)| v));
    }
    if has_active {
        return Err(
            "PDF berisi skrip, lampiran atau tindakan otomatis; unggah hasil pindaian biasa."
                .into(),
        );
    }
    Ok(())
}

/// Sets the modes of the stored files and their directories to the service user's only
/// (0600 and 0700), for files written before the store did so itself; returns how many it
/// changed.
pub fn restrict_permissions(root: &std::path::Path) -> std::io::Result<u64> {
    use std::os::unix::fs::PermissionsExt;

    let mut changed = 0;
    if !root.is_dir() {
        return Ok(0);
    }
    if std::fs::metadata(root)?.permissions().mode() & 0o777 != 0o700 {
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o700))?;
        changed += 1;
    }
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let meta = entry.metadata()?;
            if meta.file_type().is_symlink() {
                continue;
            }
            let want = if meta.is_dir() {
                pending.push(entry.path());
                0o700
            } else {
                0o600
            };
            if meta.permissions().mode() & 0o777 != want {
                std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(want))?;
                changed += 1;
            }
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use uuid::Uuid;

    use super::*;

    const MAX: usize = 10 * 1024 * 1024;

    use crate::demo::DEMO_PDF as TINY_PDF;

    fn photo() -> image::DynamicImage {
        image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(16, 8, |x, y| {
            image::Rgb([(x * 15) as u8, (y * 30) as u8, 128])
        }))
    }

    fn jpeg() -> Vec<u8> {
        encode_jpeg(&photo(), 90).expect("a JPEG")
    }

    fn jpeg_with_gps() -> Vec<u8> {
        crate::demo::with_exif_gps(&jpeg())
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn photos_lose_their_exif_and_gps_block() {
        let sent = jpeg_with_gps();
        assert!(contains(&sent, b"Exif") && contains(&sent, b"GPS"));
        let checked = check_blocking(&sent, MAX).expect("accepted");
        assert_eq!(checked.content_type(), "image/jpeg");
        let kept = checked.bytes();
        assert!(!contains(kept, b"Exif"), "an Exif block is left");
        assert!(!contains(kept, b"GPS"), "a GPS position is left");
        assert!(
            !kept.windows(2).any(|w| w == [0xFF, 0xE1]),
            "an APP1 segment is left"
        );
        let back = image::load_from_memory(kept).expect("still a photo");
        assert_eq!((back.width(), back.height()), (16, 8));
    }

    #[test]
    fn data_after_a_photo_is_dropped() {
        let mut polyglot = jpeg();
        polyglot.extend_from_slice(b"<html><script>alert(1)</script></html>");
        let checked = check_blocking(&polyglot, MAX).expect("the photo is kept");
        assert!(!contains(checked.bytes(), b"<script>"));
        let mut png = vec![];
        photo()
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .expect("a PNG");
        png.extend_from_slice(b"PK\x03\x04 a zip after the PNG");
        let checked = check_blocking(&png, MAX).expect("the PNG is kept");
        assert_eq!(checked.content_type(), "image/png");
        assert!(!contains(checked.bytes(), b"PK\x03\x04"));
    }

    #[test]
    fn a_photo_claiming_too_many_pixels_is_refused_before_decoding() {
        // A real PNG whose header then claims 10,000 × 10,000 pixels (100 megapixels).
        let mut bomb = vec![];
        photo()
            .write_to(
                &mut std::io::Cursor::new(&mut bomb),
                image::ImageFormat::Png,
            )
            .expect("a PNG");
        bomb[16..20].copy_from_slice(&10_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&10_000u32.to_be_bytes());
        let crc = {
            // CRC-32 of the IHDR chunk's type and data, as PNG requires.
            let mut c = 0xFFFF_FFFFu32;
            for b in &bomb[12..29] {
                c ^= u32::from(*b);
                for _ in 0..8 {
                    c = if c & 1 == 1 {
                        0xEDB8_8320 ^ (c >> 1)
                    } else {
                        c >> 1
                    };
                }
            }
            !c
        };
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        let refusal = check_blocking(&bomb, MAX).expect_err("refused");
        assert!(refusal.contains("40 megapiksel"), "{refusal}");
    }

    #[test]
    fn pdfs_are_accepted_only_when_they_parse() {
        let checked = check_blocking(TINY_PDF, MAX).expect("a real PDF");
        assert_eq!(checked.content_type(), "application/pdf");
        assert_eq!(checked.bytes(), TINY_PDF);
        let mut garbage = b"%PDF-1.7\n".to_vec();
        garbage.extend(std::iter::repeat_n(b'x', 5_000));
        let refusal = check_blocking(&garbage, MAX).expect_err("garbage refused");
        assert!(refusal.starts_with("PDF tidak dapat dibaca"), "{refusal}");
        let html = b"%PDF-1.4\n<html><script>alert(1)</script></html>";
        assert!(check_blocking(html, MAX).is_err());
    }

    #[test]
    fn pdfs_with_scripts_are_refused() {
        let with_script = String::from_utf8_lossy(TINY_PDF).replace(
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (x) >> >>",
        );
        let refusal = check_blocking(with_script.as_bytes(), MAX).expect_err("refused");
        assert!(refusal.contains("skrip"), "{refusal}");
    }

    #[test]
    fn anything_else_is_refused_with_a_message() {
        for bytes in [
            &b""[..],
            &b"\xFF"[..],
            &[0u8; 4096][..],
            "Ini teks biasa, bukan PDF.\n".repeat(4_000).as_bytes(),
            &b"\xFF\xD8\xFF\xE0 bukan JPEG"[..],
            &b"\x89PNG\r\n\x1a\n bukan PNG"[..],
        ] {
            let refusal = check_blocking(bytes, MAX).expect_err("refused");
            assert!(!refusal.is_empty());
        }
    }

    #[test]
    fn restrict_permissions_closes_files_written_before() {
        let root = std::env::temp_dir().join(format!("merajut-modes-{}", Uuid::new_v4()));
        let dir = root.join("ab");
        std::fs::create_dir_all(&dir).expect("dirs");
        let file = dir.join("abcdef");
        std::fs::write(&file, b"x").expect("file");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        assert_eq!(restrict_permissions(&root).expect("walked"), 3);
        let mode = |p: &std::path::Path| {
            std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
        };
        assert_eq!(
            (mode(&root), mode(&dir), mode(&file)),
            (0o700, 0o700, 0o600)
        );
        assert_eq!(restrict_permissions(&root).expect("walked"), 0);
        let _ = std::fs::remove_dir_all(root);
    }
}
