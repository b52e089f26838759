//! PDF's file structure (ISO 32000-1, 7.5): numbered objects written one after another,
//! then the cross-reference table of where each begins. Bytes are handed out as they are
//! written ([`Writer::take`]), so a document of thousands of pages is never held whole:
//! only the offsets are kept, eight bytes an object.

/// Objects whose numbers are fixed; pages and their contents follow from [`FIRST_FREE`].
pub const CATALOG: u32 = 1;
pub const PAGES: u32 = 2;
pub const FONT: u32 = 3;
pub const CID_FONT: u32 = 4;
pub const DESCRIPTOR: u32 = 5;
pub const FONT_FILE: u32 = 6;
pub const TO_UNICODE: u32 = 7;
/// The page count, a form every page's footer draws: known only once the last page is.
pub const TOTAL: u32 = 8;
pub const INFO: u32 = 9;
pub const RESOURCES: u32 = 10;
pub const FIRST_FREE: u32 = 11;

/// zlib level for streams: text compresses about fivefold at 6; higher buys little.
const LEVEL: u8 = 6;

pub struct Writer {
    out: Vec<u8>,
    /// Bytes handed out before `out`.
    taken: usize,
    /// Where each object begins, by number (index 0 is the free list's head).
    offsets: Vec<usize>,
}

impl Writer {
    pub fn new() -> Self {
        let mut writer = Writer {
            out: Vec::with_capacity(64 * 1024),
            taken: 0,
            offsets: vec![0; FIRST_FREE as usize],
        };
        // A comment of bytes above 127 marks the file as binary for transfer programs.
        writer
            .out
            .extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
        writer
    }

    fn position(&self) -> usize {
        self.taken + self.out.len()
    }

    fn begin(&mut self, id: u32) {
        let id = id as usize;
        if self.offsets.len() <= id {
            self.offsets.resize(id + 1, 0);
        }
        self.offsets[id] = self.position();
        self.out
            .extend_from_slice(format!("{id} 0 obj\n").as_bytes());
    }

    /// An object whose body is a dictionary, array or other direct value.
    pub fn object(&mut self, id: u32, body: &[u8]) {
        self.begin(id);
        self.out.extend_from_slice(body);
        self.out.extend_from_slice(b"\nendobj\n");
    }

    /// A stream, compressed (FlateDecode); `entries` go in its dictionary.
    pub fn stream(&mut self, id: u32, entries: &str, data: &[u8]) {
        self.compressed(id, entries, &deflate(data));
    }

    /// A stream whose data is already zlib data.
    pub fn compressed(&mut self, id: u32, entries: &str, data: &[u8]) {
        self.begin(id);
        let head = format!(
            "<< /Length {} /Filter /FlateDecode {entries}>>\nstream\n",
            data.len()
        );
        self.out.extend_from_slice(head.as_bytes());
        self.out.extend_from_slice(data);
        self.out.extend_from_slice(b"\nendstream\nendobj\n");
    }

    /// What was written since the last call.
    pub fn take(&mut self) -> Vec<u8> {
        self.taken += self.out.len();
        std::mem::take(&mut self.out)
    }

    /// The cross-reference table and the trailer: the file's last bytes.
    pub fn finish(mut self) -> Vec<u8> {
        let start = self.position();
        let mut xref = format!("xref\n0 {}\n0000000000 65535 f \n", self.offsets.len());
        for &offset in &self.offsets[1..] {
            match offset {
                0 => xref.push_str("0000000000 65535 f \n"),
                _ => xref.push_str(&format!("{offset:010} 00000 n \n")),
            }
        }
        xref.push_str(&format!(
            "trailer\n<< /Size {} /Root {CATALOG} 0 R /Info {INFO} 0 R >>\nstartxref\n{start}\n%%EOF\n",
            self.offsets.len()
        ));
        self.out.extend_from_slice(xref.as_bytes());
        self.take()
    }
}

pub fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, LEVEL)
}

/// A text string (7.9.2.2): UTF-16BE with its byte order mark, as hex.
pub fn text_string(text: &str) -> String {
    let mut hex = String::from("<FEFF");
    for unit in text.encode_utf16() {
        hex.push_str(&format!("{unit:04X}"));
    }
    hex.push('>');
    hex
}
