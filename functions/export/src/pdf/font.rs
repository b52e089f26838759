//! The one font a PDF export is set in: DejaVu Sans cut down to Latin, Greek and Cyrillic
//! (`fonts/README.md` says how), read once per container. Only what layout and the PDF's
//! font objects need is read from it: the character map (format 4, the BMP), each glyph's
//! advance and the vertical metrics. There is no shaping: these scripts need none.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The TrueType file, embedded whole in every PDF (it is already a subset).
pub const TTF: &[u8] = include_bytes!("../../fonts/DejaVuSans-LGC.ttf");

/// Characters below this are looked up in a table, not a map: all of Latin, Greek and
/// Cyrillic, the bulk of any text.
const DIRECT: usize = 0x0530;

/// A glyph, and its advance in thousandths of the font size (PDF's glyph space).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Glyph {
    pub id: u16,
    pub advance: u16,
}

#[derive(Debug)]
pub struct Font {
    direct: Vec<Option<Glyph>>,
    other: HashMap<char, Glyph>,
    /// Drawn for a character the font lacks (U+FFFD).
    replacement: Glyph,
    /// By glyph id, in thousandths.
    pub advances: Vec<u16>,
    /// The lowest character each glyph shows, for the ToUnicode map.
    pub unicode: Vec<Option<char>>,
    pub ascent: i32,
    pub descent: i32,
    pub bbox: [i32; 4],
}

/// The font, parsed at its first use.
pub fn font() -> &'static Font {
    static FONT: OnceLock<Font> = OnceLock::new();
    FONT.get_or_init(|| Font::parse(TTF).expect("the shipped font is a TrueType font"))
}

impl Font {
    pub fn glyph(&self, c: char) -> Glyph {
        let found = match (c as usize) < DIRECT {
            true => self.direct[c as usize],
            false => self.other.get(&c).copied(),
        };
        found.unwrap_or(self.replacement)
    }

    /// The width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text.chars().map(|c| u32::from(self.glyph(c).advance)).sum();
        units as f32 * size / 1000.0
    }

    fn parse(data: &[u8]) -> Option<Font> {
        let tables = Tables::read(data)?;
        let head = tables.get(b"head")?;
        let units_per_em = i32::from(u16_at(head, 18)?);
        let scale = |v: i32| (v as f32 * 1000.0 / units_per_em as f32).round() as i32;
        let bbox = [36, 38, 40, 42].map(|at| i16_at(head, at).map_or(0, |v| scale(v.into())));
        let hhea = tables.get(b"hhea")?;
        let metrics = usize::from(u16_at(hhea, 34)?);
        let glyphs = usize::from(u16_at(tables.get(b"maxp")?, 4)?);
        let hmtx = tables.get(b"hmtx")?;
        let mut advances = Vec::with_capacity(glyphs);
        for id in 0..glyphs {
            let advance = u16_at(hmtx, 4 * id.min(metrics.checked_sub(1)?))?;
            advances.push(scale(advance.into()) as u16);
        }
        let map = character_map(tables.get(b"cmap")?)?;
        let mut font = Font {
            direct: vec![None; DIRECT],
            other: HashMap::new(),
            replacement: Glyph {
                id: 0,
                advance: advances.first().copied().unwrap_or(0),
            },
            unicode: vec![None; glyphs],
            advances,
            ascent: scale(i16_at(hhea, 4)?.into()),
            descent: scale(i16_at(hhea, 6)?.into()),
            bbox,
        };
        for (c, id) in map {
            let Some(&advance) = font.advances.get(usize::from(id)) else {
                continue;
            };
            let glyph = Glyph { id, advance };
            match (c as usize) < DIRECT {
                true => font.direct[c as usize] = Some(glyph),
                false => {
                    font.other.insert(c, glyph);
                }
            }
            let shown = &mut font.unicode[usize::from(id)];
            if shown.is_none_or(|s| c < s) {
                *shown = Some(c);
            }
        }
        font.replacement = font
            .other
            .get(&'\u{FFFD}')
            .copied()
            .unwrap_or(font.replacement);
        Some(font)
    }
}

/// The table directory of a TrueType file.
struct Tables<'a> {
    data: &'a [u8],
    records: &'a [u8],
}

impl<'a> Tables<'a> {
    fn read(data: &'a [u8]) -> Option<Self> {
        let count = usize::from(u16_at(data, 4)?);
        let records = data.get(12..12 + 16 * count)?;
        Some(Tables { data, records })
    }

    fn get(&self, tag: &[u8; 4]) -> Option<&'a [u8]> {
        self.records.chunks_exact(16).find_map(|record| {
            if &record[..4] != tag {
                return None;
            }
            let offset = u32_at(record, 8)? as usize;
            let length = u32_at(record, 12)? as usize;
            self.data.get(offset..offset.checked_add(length)?)
        })
    }
}

/// Every (character, glyph) of the Unicode BMP subtable (format 4).
fn character_map(cmap: &[u8]) -> Option<Vec<(char, u16)>> {
    let count = usize::from(u16_at(cmap, 2)?);
    let subtable = (0..count).find_map(|i| {
        let record = 4 + 8 * i;
        let platform = (u16_at(cmap, record)?, u16_at(cmap, record + 2)?);
        let offset = u32_at(cmap, record + 4)? as usize;
        let unicode = matches!(platform, (3, 1) | (0, 3));
        (unicode && u16_at(cmap, offset)? == 4).then(|| cmap.get(offset..))?
    })?;
    let segments = usize::from(u16_at(subtable, 6)? / 2);
    let (ends, starts) = (14, 16 + 2 * segments);
    let (deltas, ranges) = (starts + 2 * segments, starts + 4 * segments);
    let mut map = Vec::new();
    for s in 0..segments {
        let end = u16_at(subtable, ends + 2 * s)?;
        let start = u16_at(subtable, starts + 2 * s)?;
        let delta = u16_at(subtable, deltas + 2 * s)?;
        let range = usize::from(u16_at(subtable, ranges + 2 * s)?);
        for code in start..=end.min(0xFFFE) {
            let id = match range {
                0 => code.wrapping_add(delta),
                _ => {
                    let at = ranges + 2 * s + range + 2 * usize::from(code - start);
                    match u16_at(subtable, at)? {
                        0 => 0,
                        id => id.wrapping_add(delta),
                    }
                }
            };
            if let (Some(c), true) = (char::from_u32(code.into()), id != 0) {
                map.push((c, id));
            }
        }
    }
    Some(map)
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn i16_at(data: &[u8], at: usize) -> Option<i16> {
    u16_at(data, at).map(|v| v as i16)
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_greek_and_cyrillic_have_glyphs_and_the_rest_a_replacement() {
        let font = font();
        for c in "AzéßŁΚαλημέραПриветёЖ€–…".chars() {
            let glyph = font.glyph(c);
            assert!(glyph.id != 0 && glyph != font.glyph('\u{FFFD}'), "{c}");
            assert_eq!(font.unicode[usize::from(glyph.id)], Some(c), "{c}");
        }
        assert_eq!(font.glyph('写'), font.glyph('\u{FFFD}'));
        assert_eq!(
            font.glyph('i').advance,
            278,
            "DejaVu Sans's i, in thousandths"
        );
        assert!(font.width("MMMM", 10.0) > font.width("iiii", 10.0));
        assert!(font.ascent > 0 && font.descent < 0);
    }
}
