//! What may be attached, and whether a file is what it claims to be.
//!
//! The allow-list is the marketplace seed's: images (jpg, jpeg, png, gif, webp), documents
//! (pdf, doc, docx, xls, xlsx, ppt, pptx, txt, csv, rtf), archives (zip, rar, 7z), media
//! (mp3, wav, mp4, mov, avi, webm), json, xml and design files (psd, ai, eps, sketch, fig).
//! Nothing a
//! browser would run or render as a page (svg, html, css, js) and no executables. A name's
//! extension must agree with the declared type, and the first bytes of the file with both.

/// An allowed extension, the content types it may be declared as, and how to recognise
/// its bytes.
struct Kind {
    extension: &'static str,
    content_types: &'static [&'static str],
    signature: Signature,
}

/// How a file type shows in its first bytes.
#[derive(Clone, Copy)]
enum Signature {
    /// These bytes at this offset (any of the list).
    Magic(&'static [(usize, &'static [u8])]),
    /// A RIFF container of this form type (`RIFF`, the size, then the form).
    Riff(&'static [u8]),
    /// A zip container (docx, xlsx, pptx, sketch, fig files are zips too).
    Zip,
    /// Text: UTF-8 without NUL bytes (txt, csv, json, xml; rtf has its own check).
    Text,
}

const ZIP: &[(usize, &[u8])] = &[(0, b"PK\x03\x04"), (0, b"PK\x05\x06")];
const OLE: &[(usize, &[u8])] = &[(0, b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")];

const KINDS: &[Kind] = &[
    Kind {
        extension: "jpg",
        content_types: &["image/jpeg"],
        signature: Signature::Magic(&[(0, b"\xFF\xD8\xFF")]),
    },
    Kind {
        extension: "jpeg",
        content_types: &["image/jpeg"],
        signature: Signature::Magic(&[(0, b"\xFF\xD8\xFF")]),
    },
    Kind {
        extension: "png",
        content_types: &["image/png"],
        signature: Signature::Magic(&[(0, b"\x89PNG\r\n\x1A\n")]),
    },
    Kind {
        extension: "gif",
        content_types: &["image/gif"],
        signature: Signature::Magic(&[(0, b"GIF87a"), (0, b"GIF89a")]),
    },
    Kind {
        extension: "webp",
        content_types: &["image/webp"],
        signature: Signature::Magic(&[(8, b"WEBP")]),
    },
    Kind {
        extension: "pdf",
        content_types: &["application/pdf"],
        signature: Signature::Magic(&[(0, b"%PDF-")]),
    },
    Kind {
        extension: "doc",
        content_types: &["application/msword"],
        signature: Signature::Magic(OLE),
    },
    Kind {
        extension: "docx",
        content_types: &["application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
        signature: Signature::Zip,
    },
    Kind {
        extension: "xls",
        content_types: &["application/vnd.ms-excel"],
        signature: Signature::Magic(OLE),
    },
    Kind {
        extension: "xlsx",
        content_types: &["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
        signature: Signature::Zip,
    },
    Kind {
        extension: "ppt",
        content_types: &["application/vnd.ms-powerpoint"],
        signature: Signature::Magic(OLE),
    },
    Kind {
        extension: "pptx",
        content_types: &[
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ],
        signature: Signature::Zip,
    },
    Kind {
        extension: "txt",
        content_types: &["text/plain"],
        signature: Signature::Text,
    },
    Kind {
        extension: "csv",
        // Browsers on Windows with Excel installed declare a .csv as Excel's type.
        content_types: &["text/csv", "application/vnd.ms-excel"],
        signature: Signature::Text,
    },
    Kind {
        extension: "rtf",
        content_types: &["application/rtf", "text/rtf"],
        signature: Signature::Magic(&[(0, b"{\\rtf")]),
    },
    Kind {
        extension: "zip",
        content_types: &["application/zip", "application/x-zip-compressed"],
        signature: Signature::Zip,
    },
    Kind {
        extension: "rar",
        content_types: &["application/vnd.rar", "application/x-rar-compressed"],
        signature: Signature::Magic(&[(0, b"Rar!\x1A\x07")]),
    },
    Kind {
        extension: "7z",
        content_types: &["application/x-7z-compressed"],
        signature: Signature::Magic(&[(0, b"7z\xBC\xAF\x27\x1C")]),
    },
    Kind {
        extension: "mp3",
        content_types: &["audio/mpeg"],
        signature: Signature::Magic(&[
            (0, b"ID3"),
            (0, b"\xFF\xFB"),
            (0, b"\xFF\xF3"),
            (0, b"\xFF\xF2"),
        ]),
    },
    Kind {
        extension: "mp4",
        content_types: &["video/mp4"],
        signature: Signature::Magic(&[(4, b"ftyp")]),
    },
    Kind {
        extension: "mov",
        content_types: &["video/quicktime"],
        signature: Signature::Magic(&[(4, b"ftyp"), (4, b"moov"), (4, b"wide"), (4, b"mdat")]),
    },
    Kind {
        extension: "wav",
        content_types: &["audio/wav", "audio/x-wav", "audio/wave"],
        signature: Signature::Magic(&[(8, b"WAVE")]),
    },
    Kind {
        extension: "avi",
        content_types: &["video/x-msvideo", "video/avi", "video/msvideo"],
        signature: Signature::Riff(b"AVI "),
    },
    Kind {
        extension: "webm",
        content_types: &["video/webm", "audio/webm"],
        // EBML, as Matroska: the "webm" doctype comes later than the sniffed bytes.
        signature: Signature::Magic(&[(0, b"\x1A\x45\xDF\xA3")]),
    },
    Kind {
        extension: "json",
        content_types: &["application/json"],
        signature: Signature::Text,
    },
    Kind {
        extension: "xml",
        content_types: &["application/xml", "text/xml"],
        signature: Signature::Text,
    },
    Kind {
        extension: "psd",
        content_types: &["image/vnd.adobe.photoshop", "application/x-photoshop"],
        signature: Signature::Magic(&[(0, b"8BPS")]),
    },
    Kind {
        extension: "ai",
        content_types: &["application/postscript", "application/illustrator"],
        signature: Signature::Magic(&[(0, b"%PDF-"), (0, b"%!PS")]),
    },
    Kind {
        extension: "eps",
        content_types: &["application/postscript"],
        signature: Signature::Magic(&[(0, b"%!PS"), (0, b"\xC5\xD0\xD3\xC6")]),
    },
    Kind {
        extension: "sketch",
        content_types: &["application/zip", "application/octet-stream"],
        signature: Signature::Zip,
    },
    Kind {
        extension: "fig",
        content_types: &["application/octet-stream"],
        signature: Signature::Magic(&[(0, b"fig-kiwi")]),
    },
];

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
