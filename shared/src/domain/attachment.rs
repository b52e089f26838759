//! What may be attached, and whether a file is what it claims to be.
//!
//! The allow-list is the marketplace seed's: images (jpg, jpeg, png, gif, webp), documents
//! (pdf, doc, docx, xls, xlsx, ppt, pptx, txt, csv, rtf), archives (zip, rar, 7z), media
//! (mp3, wav, mp4, mov, avi, webm), json, xml and design files (psd, ai, eps, sketch, fig).
//! Nothing a
//! browser would run or render as a page (svg, html, css, js) and no executables. A name's
//! extension must agree with the declared type, and the first bytes of the file with both.

use super::file_kinds::{Kind, Signature, KINDS, ZIP};

/// Bytes to read from the start of a file to recognise it: the signatures need 16, a text
/// file (txt, csv, json, xml) shows it is text in the first few hundred. One ranged GET
/// either way.
pub const SNIFF_BYTES: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentRefusal {
    /// The extension, or the type, is not on the allow-list.
    NotAllowed,
    /// The name's extension does not agree with the declared type.
    ExtensionMismatch,
    /// The file's first bytes are not those of its declared type.
    ContentMismatch,
}

impl AttachmentRefusal {
    pub fn code(self) -> &'static str {
        match self {
            AttachmentRefusal::NotAllowed => "unsupported_attachment_type",
            AttachmentRefusal::ExtensionMismatch => "attachment_type_mismatch",
            AttachmentRefusal::ContentMismatch => "attachment_content_mismatch",
        }
    }
}

fn extension(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty()).then(|| ext.to_ascii_lowercase())
}

fn kind_of(name: &str, content_type: &str) -> Result<&'static Kind, AttachmentRefusal> {
    let ext = extension(name).ok_or(AttachmentRefusal::NotAllowed)?;
    let kind = KINDS
        .iter()
        .find(|k| k.extension == ext)
        .ok_or(AttachmentRefusal::NotAllowed)?;
    if !KINDS
        .iter()
        .any(|k| k.content_types.contains(&content_type))
    {
        return Err(AttachmentRefusal::NotAllowed);
    }
    if !kind.content_types.contains(&content_type) {
        return Err(AttachmentRefusal::ExtensionMismatch);
    }
    Ok(kind)
}

/// Whether a file of this name may be declared as this type.
pub fn check_declared(name: &str, content_type: &str) -> Result<(), AttachmentRefusal> {
    kind_of(name, content_type).map(|_| ())
}

/// Whether the file's first bytes ([`SNIFF_BYTES`] of them, or all of a shorter file) are
/// those of its declared type.
pub fn check_content(
    name: &str,
    content_type: &str,
    first_bytes: &[u8],
) -> Result<(), AttachmentRefusal> {
    let kind = kind_of(name, content_type)?;
    let matches = match kind.signature {
        Signature::Magic(options) => options.iter().any(|(offset, magic)| {
            first_bytes
                .get(*offset..offset + magic.len())
                .is_some_and(|bytes| bytes == *magic)
        }),
        Signature::Riff(form) => {
            first_bytes.starts_with(b"RIFF") && first_bytes.get(8..8 + form.len()) == Some(form)
        }
        Signature::Zip => ZIP.iter().any(|(_, magic)| first_bytes.starts_with(magic)),
        Signature::Text => is_text(first_bytes),
    };
    if matches {
        Ok(())
    } else {
        Err(AttachmentRefusal::ContentMismatch)
    }
}

/// UTF-8 without NUL bytes. A multi-byte character may be cut at the end of the sniffed
/// bytes, but not at the end of a file shorter than them (that is all of it).
fn is_text(first_bytes: &[u8]) -> bool {
    if first_bytes.contains(&0) {
        return false;
    }
    match std::str::from_utf8(first_bytes) {
        Ok(_) => true,
        Err(err) => err.error_len().is_none() && first_bytes.len() >= SNIFF_BYTES,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allow_list_refuses_what_a_browser_would_run() {
        for (name, ty) in [
            ("logo.svg", "image/svg+xml"),
            ("page.html", "text/html"),
            ("style.css", "text/css"),
            ("app.js", "text/javascript"),
            ("setup.exe", "application/x-msdownload"),
            ("noextension", "application/pdf"),
            (".pdf", "application/pdf"),
        ] {
            assert_eq!(
                check_declared(name, ty),
                Err(AttachmentRefusal::NotAllowed),
                "{name}"
            );
        }
        assert_eq!(check_declared("Scan.PDF", "application/pdf"), Ok(()));
        assert_eq!(
            check_declared("scan.pdf", "image/png"),
            Err(AttachmentRefusal::ExtensionMismatch)
        );
    }

    #[test]
    fn bytes_must_be_what_the_type_says() {
        let png = b"\x89PNG\r\n\x1A\n\0\0\0\rIHDR";
        assert_eq!(check_content("a.png", "image/png", png), Ok(()));
        assert_eq!(
            check_content("a.pdf", "application/pdf", b"%PDF-1.7\n"),
            Ok(())
        );
        assert_eq!(
            check_content("a.zip", "application/zip", b"PK\x03\x04\x14\0"),
            Ok(())
        );
        assert_eq!(
            check_content(
                "a.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                b"PK\x03\x04"
            ),
            Ok(())
        );
        assert_eq!(
            check_content("a.webp", "image/webp", b"RIFF\x10\0\0\0WEBPVP8 "),
            Ok(())
        );
        assert_eq!(
            check_content("notes.txt", "text/plain", "héllo".as_bytes()),
            Ok(())
        );
        // 512 bytes of three-byte characters end in the middle of one.
        let cut = "€".repeat(SNIFF_BYTES).into_bytes()[..SNIFF_BYTES].to_vec();
        assert!(std::str::from_utf8(&cut).is_err());
        assert_eq!(check_content("cut.txt", "text/plain", &cut), Ok(()));
        // ...but a file shorter than that is all there, and must be whole characters.
        assert_eq!(
            check_content("cut.csv", "text/csv", &cut[..SNIFF_BYTES - 3]),
            Err(AttachmentRefusal::ContentMismatch)
        );
        for (name, ty, bytes) in [
            ("a.png", "image/png", &b"%PDF-1.7"[..]),
            ("a.pdf", "application/pdf", &b"<html><script>"[..]),
            ("a.zip", "application/zip", &b"MZ\x90\0"[..]),
            ("a.txt", "text/plain", &b"MZ\0\0"[..]),
            ("a.jpg", "image/jpeg", &b""[..]),
        ] {
            assert_eq!(
                check_content(name, ty, bytes),
                Err(AttachmentRefusal::ContentMismatch),
                "{name}"
            );
        }
    }

    #[test]
    fn csv_avi_and_webm_are_recognised_by_their_bytes() {
        let csv = "name,weight\nBella,12.5\nMiró,4\n".as_bytes();
        let avi = b"RIFF\x24\x10\x00\x00AVI LIST\xF4\x03\x00\x00hdrlavih";
        let webm = b"\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\xF7\x81\x01\x42\xF2\x81";
        let wav = b"RIFF\x24\x10\x00\x00WAVEfmt \x10\x00\x00\x00";
        let cases: [(&str, &str, &[u8]); 6] = [
            ("weights.csv", "text/csv", csv),
            ("weights.CSV", "application/vnd.ms-excel", csv),
            ("walk.avi", "video/x-msvideo", avi),
            ("walk.avi", "video/avi", avi),
            ("walk.webm", "video/webm", webm),
            ("bark.webm", "audio/webm", webm),
        ];
        for (name, ty, bytes) in cases {
            assert_eq!(check_declared(name, ty), Ok(()), "{name} {ty}");
            assert_eq!(check_content(name, ty, bytes), Ok(()), "{name} {ty}");
        }
        let refused: [(&str, &str, &[u8]); 6] = [
            ("weights.csv", "text/csv", b"PK\x03\x04\x14\x00\x06\x00"),
            ("weights.csv", "text/csv", b"name\xFF\xFEweight"),
            ("walk.avi", "video/x-msvideo", wav),
            ("walk.avi", "video/x-msvideo", webm),
            ("walk.webm", "video/webm", avi),
            ("walk.webm", "video/webm", b"\x00\x00\x00\x18ftypmp42"),
        ];
        for (name, ty, bytes) in refused {
            assert_eq!(
                check_content(name, ty, bytes),
                Err(AttachmentRefusal::ContentMismatch),
                "{name}"
            );
        }
        assert_eq!(
            check_declared("walk.avi", "video/webm"),
            Err(AttachmentRefusal::ExtensionMismatch)
        );
        assert_eq!(
            check_declared("weights.xls", "text/csv"),
            Err(AttachmentRefusal::ExtensionMismatch)
        );
    }
}
