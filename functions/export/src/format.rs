//! What a `format` asks for, and what writes it: the CSV's records, or the PDF's pages.

use shared::domain::edits::MessageVersion;
use shared::domain::Message;
use shared::http::{self, Request};
use shared::store::readers::ReadFrontier;
use shared::ApiError;

use crate::spool::Encoding;
use crate::{csv, pdf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Pdf,
}

impl Format {
    pub(crate) fn of(request: &Request) -> Result<Format, ApiError> {
        match http::query_param(request, "format").as_deref() {
            None | Some("csv") => Ok(Format::Csv),
            Some("pdf") => Ok(Format::Pdf),
            Some(_) => Err(ApiError::bad_request(
                "invalid_format",
                "format must be csv or pdf",
            )),
        }
    }

    pub(crate) fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Pdf => "pdf",
        }
    }

    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Format::Csv => csv::CONTENT_TYPE,
            Format::Pdf => pdf::CONTENT_TYPE,
        }
    }

    pub(crate) fn encoding(self) -> Encoding {
        match self {
            Format::Csv => Encoding::Text,
            Format::Pdf => Encoding::Binary,
        }
    }
}

/// What turns messages into the file's bytes.
pub(crate) enum Writer {
    /// Who has read how far, for each record's `read_by`.
    Csv(Vec<ReadFrontier>),
    Pdf(Box<pdf::PdfExport>),
}

impl Writer {
    pub(crate) fn start(&mut self) -> Vec<u8> {
        match self {
            Writer::Csv(_) => csv::head().into_bytes(),
            Writer::Pdf(pdf) => pdf.take(),
        }
    }

    /// A message, with the texts its edits replaced.
    pub(crate) fn message(&mut self, message: &Message, versions: &[MessageVersion]) -> Vec<u8> {
        match self {
            Writer::Csv(frontiers) => csv::record(frontiers, message, versions).into_bytes(),
            Writer::Pdf(pdf) => {
                pdf.message(message, versions);
                pdf.take()
            }
        }
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        match self {
            Writer::Csv(_) => Vec::new(),
            Writer::Pdf(pdf) => pdf.finish(),
        }
    }
}
