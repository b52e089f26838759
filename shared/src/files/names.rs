//! What S3 takes in a header: values in ISO-8859-1 only (a download's file name), and
//! keys percent-encoded where they travel in one (`x-amz-copy-source`).

/// `attachment` with the file's name as every browser reads it: `filename="…"` with an
/// ASCII stand-in (each other character `_`), and when that is not the name itself, RFC
/// 6266's `filename*=UTF-8''…` with the name percent-encoded (RFC 5987), which browsers
/// prefer. The whole value is ASCII, so S3 serves it (it refuses anything outside
/// ISO-8859-1 in a `response-content-disposition`).
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if fallback == name {
        format!("attachment; filename=\"{fallback}\"")
    } else {
        format!(
            "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
            percent_encode(name, is_attr_char)
        )
    }
}

/// RFC 5987's `attr-char`: what a `filename*` value keeps as it is.
fn is_attr_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
        || matches!(
            byte,
            b'!' | b'#' | b'$' | b'&' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
        )
}

/// `bucket/key` as `x-amz-copy-source` takes it: each segment of the key percent-encoded
/// (S3 decodes the header, so a raw `+` would read as a space), the `/` between kept.
pub fn copy_source(bucket: &str, key: &str) -> String {
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~');
    let segments: Vec<String> = key
        .split('/')
        .map(|segment| percent_encode(segment, unreserved))
        .collect();
    format!("{bucket}/{}", segments.join("/"))
}

fn percent_encode(value: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if keep(byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_ascii_with_the_original_in_filename_star() {
        assert_eq!(
            content_disposition("Bloodwork.pdf"),
            "attachment; filename=\"Bloodwork.pdf\""
        );
        assert_eq!(
            content_disposition("Отчёт.pdf"),
            "attachment; filename=\"_____.pdf\"; \
             filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82.pdf"
        );
        assert_eq!(
            content_disposition("report – final.pdf"),
            "attachment; filename=\"report _ final.pdf\"; \
             filename*=UTF-8''report%20%E2%80%93%20final.pdf"
        );
        assert_eq!(
            content_disposition("say \"hi\".pdf"),
            "attachment; filename=\"say _hi_.pdf\"; filename*=UTF-8''say%20%22hi%22.pdf"
        );
        for name in ["写真.jpg", "a\r\nb.txt", "x\\y.txt"] {
            assert!(content_disposition(name).is_ascii(), "{name}");
        }
    }

    #[test]
    fn a_copy_source_encodes_each_segment_of_the_key() {
        assert_eq!(
            copy_source("files", "uploads/acme+eu/Yz/up_1"),
            "files/uploads/acme%2Beu/Yz/up_1"
        );
        assert_eq!(
            copy_source("b", "uploads/auth0|x@y:z/a b"),
            "b/uploads/auth0%7Cx%40y%3Az/a%20b"
        );
    }
}
