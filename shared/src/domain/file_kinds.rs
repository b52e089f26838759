//! The allow-list of attachment files: each extension, the content types it may be
//! declared as, and how its first bytes look (see [`super::attachment`]).

/// An allowed extension, the content types it may be declared as, and how to recognise
/// its bytes.
pub(super) struct Kind {
    pub(super) extension: &'static str,
    pub(super) content_types: &'static [&'static str],
    pub(super) signature: Signature,
}

/// How a file type shows in its first bytes.
#[derive(Clone, Copy)]
pub(super) enum Signature {
    /// These bytes at this offset (any of the list).
    Magic(&'static [(usize, &'static [u8])]),
    /// A RIFF container of this form type (`RIFF`, the size, then the form).
    Riff(&'static [u8]),
    /// A zip container (docx, xlsx, pptx, sketch, fig files are zips too).
    Zip,
    /// Text: UTF-8 without NUL bytes (txt, csv, json, xml; rtf has its own check).
    Text,
}

pub(super) const ZIP: &[(usize, &[u8])] = &[(0, b"PK\x03\x04"), (0, b"PK\x05\x06")];
const OLE: &[(usize, &[u8])] = &[(0, b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")];

pub(super) const KINDS: &[Kind] = &[
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
