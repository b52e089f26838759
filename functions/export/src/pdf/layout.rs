//! Lines on A4 pages: text wrapped to the page's width at spaces (a word longer than a
//! line at any character), a new page when the next line does not fit, a footer on each
//! ("Page n of m", the m drawn from a form written once the last page is known). Each page
//! is written out as soon as it is full.

use super::embed::write_font;
use super::font::font;
use super::writer::{
    text_string, Writer, CATALOG, FIRST_FREE, FONT, INFO, PAGES, RESOURCES, TOTAL,
};

const WIDTH: f32 = 595.28;
const HEIGHT: f32 = 841.89;
const MARGIN: f32 = 50.0;
/// Where the footer's baseline is; text stops a line above it.
const FOOTER: f32 = 28.0;
const BOTTOM: f32 = 48.0;

/// A size, its line height and its grey (0 black).
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub size: f32,
    pub leading: f32,
    pub gray: f32,
}

pub const TITLE: Style = Style {
    size: 16.0,
    leading: 22.0,
    gray: 0.0,
};
pub const BODY: Style = Style {
    size: 10.0,
    leading: 13.0,
    gray: 0.0,
};
pub const META: Style = Style {
    size: 8.5,
    leading: 12.0,
    gray: 0.35,
};
const PAGE_NUMBER: Style = Style {
    size: 8.0,
    leading: 10.0,
    gray: 0.35,
};

pub struct Pages {
    writer: Writer,
    content: Vec<u8>,
    /// The next line's top; below [`BOTTOM`] there is no room.
    y: f32,
    pages: Vec<u32>,
    next_id: u32,
    open: bool,
}

impl Pages {
    pub fn new() -> Self {
        let mut writer = Writer::new();
        write_font(&mut writer);
        Pages {
            writer,
            content: Vec::with_capacity(16 * 1024),
            y: 0.0,
            pages: Vec::new(),
            next_id: FIRST_FREE,
            open: false,
        }
    }

    /// The text width a line has after `indent`.
    pub fn measure() -> f32 {
        WIDTH - 2.0 * MARGIN
    }

    /// Starts a new page unless `height` more fits on this one.
    pub fn room(&mut self, height: f32) {
        if !self.open || self.y - height < BOTTOM {
            self.close_page();
            self.open = true;
            self.y = HEIGHT - MARGIN;
        }
    }

    pub fn gap(&mut self, height: f32) {
        self.y -= height;
    }

    /// One line, which must fit the width.
    pub fn line(&mut self, style: Style, indent: f32, text: &str) {
        self.room(style.leading);
        self.y -= style.leading;
        let baseline = self.y + (style.leading - style.size) / 2.0;
        draw(&mut self.content, style, MARGIN + indent, baseline, text);
    }

    /// `text` wrapped to the width after `indent`, its line breaks kept.
    pub fn paragraph(&mut self, style: Style, indent: f32, text: &str) {
        for line in wrap(text, Self::measure() - indent, style.size) {
            self.line(style, indent, line);
        }
    }

    /// The bytes of the pages finished since the last call.
    pub fn take(&mut self) -> Vec<u8> {
        self.writer.take()
    }

    fn close_page(&mut self) {
        if !self.open {
            return;
        }
        let number = self.pages.len() + 1;
        let label = format!("Page {number} of ");
        draw(&mut self.content, PAGE_NUMBER, MARGIN, FOOTER, &label);
        let after = MARGIN + font().width(&label, PAGE_NUMBER.size);
        self.content.extend_from_slice(
            format!("q 1 0 0 1 {after:.2} {FOOTER:.2} cm /Total Do Q\n").as_bytes(),
        );
        let (page, contents) = (self.next_id, self.next_id + 1);
        self.next_id += 2;
        self.writer.stream(contents, "", &self.content);
        self.content.clear();
        self.writer.object(
            page,
            format!(
                "<< /Type /Page /Parent {PAGES} 0 R /MediaBox [0 0 {WIDTH} {HEIGHT}] \
                 /Resources {RESOURCES} 0 R /Contents {contents} 0 R >>"
            )
            .as_bytes(),
        );
        self.pages.push(page);
        self.open = false;
    }

    /// The last page, the page tree, the page count's form, the document's title and the
    /// cross-reference table: the file's remaining bytes.
    pub fn finish(mut self, title: &str, created: &str) -> Vec<u8> {
        self.room(0.0);
        self.close_page();
        let kids: Vec<String> = self.pages.iter().map(|p| format!("{p} 0 R")).collect();
        let tree = format!(
            "<< /Type /Pages /Count {} /Kids [{}] >>",
            self.pages.len(),
            kids.join(" ")
        );
        self.writer.object(PAGES, tree.as_bytes());
        let mut total = Vec::new();
        draw(
            &mut total,
            PAGE_NUMBER,
            0.0,
            0.0,
            &self.pages.len().to_string(),
        );
        self.writer.stream(
            TOTAL,
            &format!(
                "/Type /XObject /Subtype /Form /BBox [0 -5 200 15] \
                 /Resources << /Font << /F1 {FONT} 0 R >> >> "
            ),
            &total,
        );
        let info = format!(
            "<< /Title {} /Producer (tidings) /CreationDate (D:{created}Z) >>",
            text_string(title)
        );
        self.writer.object(INFO, info.as_bytes());
        self.writer.object(
            CATALOG,
            format!("<< /Type /Catalog /Pages {PAGES} 0 R >>").as_bytes(),
        );
        self.writer.finish()
    }
}

/// A line of text at (x, y), its glyphs two bytes each in a literal string.
fn draw(content: &mut Vec<u8>, style: Style, x: f32, y: f32, text: &str) {
    let head = format!(
        "BT /F1 {} Tf {} g {x:.2} {y:.2} Td (",
        style.size, style.gray
    );
    content.extend_from_slice(head.as_bytes());
    let font = font();
    for c in text.chars() {
        let c = if c.is_control() { ' ' } else { c };
        for byte in font.glyph(c).id.to_be_bytes() {
            match byte {
                b'(' | b')' | b'\\' => content.extend_from_slice(&[b'\\', byte]),
                // A bare end of line in a string is read as a line feed.
                b'\r' => content.extend_from_slice(b"\\r"),
                b'\n' => content.extend_from_slice(b"\\n"),
                _ => content.push(byte),
            }
        }
    }
    content.extend_from_slice(b") Tj ET\n");
}

/// `text` as lines at most `width` points wide at `size`: its own line breaks kept, each
/// broken at its last space that fits, or where it stops fitting when it has none.
pub fn wrap(text: &str, width: f32, size: f32) -> Vec<&str> {
    let limit = (width * 1000.0 / size) as u32;
    let font = font();
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let paragraph = paragraph.strip_suffix('\r').unwrap_or(paragraph);
        let (mut start, mut used) = (0, 0u32);
        // The last space on this line: where it is, and the width up to and past it.
        let mut space: Option<(usize, u32)> = None;
        for (at, c) in paragraph.char_indices() {
            let advance = u32::from(font.glyph(c).advance);
            if used + advance > limit && at > start && c != ' ' {
                if let Some((space_at, past)) = space {
                    lines.push(&paragraph[start..space_at]);
                    start = space_at + 1;
                    used -= past;
                }
                // No space, or the word after it is longer than a line by itself.
                if used + advance > limit && at > start {
                    lines.push(&paragraph[start..at]);
                    start = at;
                    used = 0;
                }
                space = None;
            }
            used += advance;
            if c == ' ' {
                space = Some((at, used));
            }
        }
        lines.push(&paragraph[start..]);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_at_spaces_and_long_words_anywhere() {
        let width = font().width("abcd abcd", 10.0) + 0.1;
        assert_eq!(wrap("abcd abcd abcd", width, 10.0), ["abcd abcd", "abcd"]);
        assert_eq!(wrap("abcdefghijkl", width, 10.0), ["abcdefghi", "jkl"]);
        assert_eq!(wrap("ab\r\n\ncd", width, 10.0), ["ab", "", "cd"]);
        assert_eq!(wrap("", width, 10.0), [""]);
        let long = "Καλημέρα Привет ".repeat(40);
        let lines = wrap(&long, 300.0, 10.0);
        assert!(lines.len() > 3);
        assert!(lines.iter().all(|l| font().width(l, 10.0) <= 300.0));
        assert_eq!(lines.join(" ").split_whitespace().count(), 80);
    }
}
