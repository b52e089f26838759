//! What may be attached, and whether a file is what it claims to be.
//!
//! The allow-list is the marketplace seed's: images (jpg, jpeg, png, gif, webp), documents
//! (pdf, doc, docx, xls, xlsx, ppt, pptx, txt, rtf), archives (zip, rar, 7z), media (mp3,
//! mp4, mov, wav), json, xml and design files (psd, ai, eps, sketch, fig). Nothing a
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
    /// A zip container (docx, xlsx, pptx, sketch, fig files are zips too).
    Zip,
    /// Text: UTF-8 without NUL bytes (txt, json, xml, rtf with its own check).
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

/// Bytes to read from the start of a file to recognise it.
pub const SNIFF_BYTES: usize = 16;

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
        Signature::Zip => ZIP.iter().any(|(_, magic)| first_bytes.starts_with(magic)),
        Signature::Text => {
            !first_bytes.contains(&0)
                && match std::str::from_utf8(first_bytes) {
                    Ok(_) => true,
                    // A multi-byte character cut at the end of the sniffed bytes.
                    Err(err) => err.error_len().is_none(),
                }
        }
    };
    if matches {
        Ok(())
    } else {
        Err(AttachmentRefusal::ContentMismatch)
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
        assert_eq!(
            check_content("cut.txt", "text/plain", &"é".as_bytes()[..1]),
            Ok(())
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
}
