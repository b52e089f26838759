//! CSV as spreadsheets read it: RFC 4180 quoting, and cells a spreadsheet would take for a
//! formula neutralised.

/// UTF-8's byte order mark: Excel reads the file as UTF-8 only with it.
pub const BOM: &str = "\u{FEFF}";

/// One cell: a leading `=`, `+`, `-`, `@`, tab or carriage return gets a `'` first (so a
/// spreadsheet shows it as text, never runs it), and a cell with a comma, quote or line
/// break is quoted with its quotes doubled.
pub fn cell(value: &str) -> String {
    let neutral = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// One record, CRLF-terminated.
pub fn row(cells: &[&str]) -> String {
    let mut line = cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_neutralises() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("=SUM(A1:A9)"), "'=SUM(A1:A9)");
        assert_eq!(cell("+1 555"), "'+1 555");
        assert_eq!(cell("-2"), "'-2");
        assert_eq!(cell("@cmd"), "'@cmd");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(
            cell("=HYPERLINK(\"x\",\"y\")"),
            "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""
        );
        assert_eq!(row(&["a", "b,c", ""]), "a,\"b,c\",\r\n");
    }
}
