//! The font as PDF objects (9.7, 9.10): a Type 0 font over a CIDFontType2 (the TrueType
//! file whole, compressed), its glyphs addressed by id (Identity-H, two bytes a glyph), each
//! glyph's width, and a ToUnicode map so the text can be copied and searched. Built once
//! per container: they are the same in every export.

use std::sync::OnceLock;

use super::font::{font, Font, TTF};
use super::writer::TO_UNICODE;
use super::writer::{deflate, Writer, CID_FONT, DESCRIPTOR, FONT, FONT_FILE, RESOURCES, TOTAL};

/// The PostScript name the font is known by in the PDF.
const NAME: &str = "DejaVuSans";

struct Embedded {
    font_file: Vec<u8>,
    to_unicode: Vec<u8>,
    widths: String,
}

fn embedded() -> &'static Embedded {
    static EMBEDDED: OnceLock<Embedded> = OnceLock::new();
    EMBEDDED.get_or_init(|| {
        let font = font();
        Embedded {
            font_file: deflate(TTF),
            to_unicode: deflate(to_unicode(font).as_bytes()),
            widths: widths(font),
        }
    })
}

/// The font's objects and the resources every page shares.
pub fn write_font(writer: &mut Writer) {
    let embedded = embedded();
    let font = font();
    writer.object(
        FONT,
        format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /{NAME} /Encoding /Identity-H \
             /DescendantFonts [{CID_FONT} 0 R] /ToUnicode {TO_UNICODE} 0 R >>"
        )
        .as_bytes(),
    );
    writer.object(
        CID_FONT,
        format!(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{NAME} \
             /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
             /FontDescriptor {DESCRIPTOR} 0 R /CIDToGIDMap /Identity /DW 1000 /W {} >>",
            embedded.widths
        )
        .as_bytes(),
    );
    let [x0, y0, x1, y1] = font.bbox;
    writer.object(
        DESCRIPTOR,
        format!(
            "<< /Type /FontDescriptor /FontName /{NAME} /Flags 32 /FontBBox [{x0} {y0} {x1} {y1}] \
             /ItalicAngle 0 /Ascent {} /Descent {} /CapHeight {} /StemV 80 \
             /FontFile2 {FONT_FILE} 0 R >>",
            font.ascent, font.descent, font.ascent
        )
        .as_bytes(),
    );
    writer.compressed(
        FONT_FILE,
        &format!("/Length1 {} ", TTF.len()),
        &embedded.font_file,
    );
    writer.compressed(TO_UNICODE, "", &embedded.to_unicode);
    writer.object(
        RESOURCES,
        format!("<< /Font << /F1 {FONT} 0 R >> /XObject << /Total {TOTAL} 0 R >> >>").as_bytes(),
    );
}

/// Every glyph's advance, as one run from glyph 0.
fn widths(font: &Font) -> String {
    let advances: Vec<String> = font.advances.iter().map(u16::to_string).collect();
    format!("[0 [{}]]", advances.join(" "))
}

/// Glyph id to character, a hundred to a block (the most a `bfchar` block may hold).
fn to_unicode(font: &Font) -> String {
    let mut pairs = Vec::new();
    for (id, c) in font.unicode.iter().enumerate() {
        if let Some(c) = c {
            let mut units = [0u16; 2];
            let hex: String = c
                .encode_utf16(&mut units)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            pairs.push(format!("<{id:04X}> <{hex}>"));
        }
    }
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    for block in pairs.chunks(100) {
        cmap.push_str(&format!(
            "{} beginbfchar\n{}\nendbfchar\n",
            block.len(),
            block.join("\n")
        ));
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    cmap
}
