use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../../../../tests/email/", $name, ".eml")).as_slice()
    };
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

fn parsed(raw: &[u8]) -> ParsedMail {
    parse(raw, Some("someone@example.com")).expect("fixture parses")
}

/// The text a client's HTML part gives, through the same path as HTML-only mail.
fn html_part_text(raw: &[u8]) -> String {
    let message = MessageParser::default().parse(raw).expect("parses");
    let html = message.body_html(0).expect("has an HTML part");
    quotes::reply_text(&quotes::html_to_text(&html))
}

#[test]
fn gmail_reply() {
    let mail = parsed(fixture!("gmail-reply"));
    assert_eq!(
        mail.message_id.as_deref(),
        Some("CAF8sK2pQ7vN3xR1mZ9tY6wL4bH0cJ5dE2gU8iO1aS3fD7hK9jQ@mail.gmail.com")
    );
    assert_eq!(mail.from.as_deref(), Some("anna.berg@gmail.com"));
    assert_eq!(mail.from_name.as_deref(), Some("Anna Berg"));
    assert_eq!(
        mail.subject.as_deref(),
        Some("Re: New message from Happy Paws Clinic")
    );
    assert_eq!(mail.automatic, None);
    assert_eq!(mail.text, "Thanks! We'll be there at 3pm.");
    assert!(mail.attachments.is_empty());
    assert_eq!(
        html_part_text(fixture!("gmail-reply")),
        "Thanks! We'll be there at 3pm."
    );
}

#[test]
fn outlook_reply() {
    let mail = parsed(fixture!("outlook-reply"));
    assert_eq!(
        mail.message_id.as_deref(),
        Some("AM9P195MB1234567890ABCDEF1234567890AB@AM9P195MB1234.EURP195.PROD.OUTLOOK.COM")
    );
    assert_eq!(mail.from.as_deref(), Some("anna.berg@outlook.com"));
    assert_eq!(mail.automatic, None);
    let expected = "Yes, Thursday at 3pm works for us. We'll bring the vaccination booklet.\n\n\
                    Kind regards,\nAnna Berg";
    assert_eq!(mail.text, expected);
    assert_eq!(html_part_text(fixture!("outlook-reply")), expected);
}

#[test]
fn apple_mail_reply() {
    let mail = parsed(fixture!("apple-mail-reply"));
    assert_eq!(
        mail.message_id.as_deref(),
        Some("5E3A9C1F-7B2D-4E8A-9F61-2C4D8B0A7E15@icloud.com")
    );
    assert_eq!(mail.from.as_deref(), Some("tom.becker@icloud.com"));
    assert_eq!(mail.automatic, None);
    assert_eq!(mail.text, "Yes, 3pm works. Rex says woof \u{1f436}");
}

#[test]
fn forward_with_nothing_above_is_kept_whole() {
    let mail = parsed(fixture!("forwarded"));
    assert_eq!(
        mail.message_id.as_deref(),
        Some("CAF8sK2r1Fw9dGm4Zq7xT2bN5vL8cH3jE6kP0aS9fD4gU1iO7yR@mail.gmail.com")
    );
    assert_eq!(mail.from.as_deref(), Some("anna.berg@gmail.com"));
    assert_eq!(mail.automatic, None);
    assert_eq!(
        mail.text,
        "---------- Forwarded message ---------\n\
         From: Happy Paws Clinic <notifications@tidings.example>\n\
         Date: Tue, 1 Dec 2026 at 09:14\n\
         Subject: New message from Happy Paws Clinic\n\
         To: <anna.berg@gmail.com>\n\n\n\
         Happy Paws Clinic sent you a message:\n\n\
         Hi Anna, Rex's check-up is confirmed for Thursday at 3pm."
    );
}

#[test]
fn out_of_office_is_auto_submitted() {
    let mail = parsed(fixture!("auto-reply"));
    assert_eq!(
        mail.message_id.as_deref(),
        Some("7f3c2a9e1b4d4c8f9a6e0d2b5c7a1e3f@EXMBX01.example.de")
    );
    assert_eq!(mail.from.as_deref(), Some("markus.vogel@example.de"));
    assert_eq!(mail.automatic, Some(Automatic::AutoSubmitted));
    assert_eq!(
        mail.text,
        "I am out of the office until 7 December with limited access to email. \
         For urgent matters please call the practice."
    );
    // Header reasons win over the envelope's.
    let mail = parse(fixture!("auto-reply"), Some("<>")).expect("parses");
    assert_eq!(mail.automatic, Some(Automatic::AutoSubmitted));
}

#[test]
fn delivery_report_is_a_bounce() {
    let mail = parsed(fixture!("bounce"));
    assert_eq!(
        mail.message_id.as_deref(),
        Some("20261201091502.4BE3D1C0A9@mx1.mail.example.net")
    );
    assert_eq!(
        mail.from.as_deref(),
        Some("mailer-daemon@mx1.mail.example.net")
    );
    assert_eq!(mail.automatic, Some(Automatic::Bounce));
    assert!(mail.text.starts_with("This is the mail system at host"));
    assert!(mail.attachments.is_empty());
}

#[test]
fn latin1_quoted_printable_reply() {
    let mail = parsed(fixture!("latin1-reply"));
    assert_eq!(
        mail.message_id.as_deref(),
        Some("3b8f1d2e-6a4c-4f9e-8d7b-1c2a3e4f5a6b@example.de")
    );
    assert_eq!(mail.from.as_deref(), Some("juergen.hartmann@example.de"));
    assert_eq!(mail.from_name.as_deref(), Some("Jürgen Hartmann"));
    assert_eq!(
        mail.subject.as_deref(),
        Some("Re: Terminbestätigung für Rex")
    );
    assert_eq!(mail.automatic, None);
    assert_eq!(
        mail.text,
        "Vielen Dank, wir kommen um 15 Uhr. Den Impfpass bringen wir mit, und Rex \
         bekommt vorher nichts zu fressen.\n\nGrüße, Jürgen"
    );
}

#[test]
fn html_only_reply() {
    let mail = parsed(fixture!("html-only"));
    assert_eq!(
        mail.message_id.as_deref(),
        Some("trinity-5a1e2f3b-7c8d-4e9f-a0b1-c2d3e4f5a6b7-1796125210@3c-app-webde-bs12")
    );
    assert_eq!(mail.from.as_deref(), Some("lena.koch@web.example"));
    assert_eq!(mail.from_name.as_deref(), Some("Lena Koch"));
    assert_eq!(mail.automatic, None);
    assert_eq!(
        mail.text,
        "Hello Happy Paws team,\n\n\
         Rex & Bella will both come on Thursday. Is 3pm still OK?\n\n\
         Best,\nLena"
    );
}

#[test]
fn reply_with_attachment() {
    let mail = parsed(fixture!("with-attachment"));
    assert_eq!(
        mail.message_id.as_deref(),
        Some("CAF8sK2t4Hq2xLm7Rv1zP9wN3cB6jT0fG5dK8aE2sU1iO4yQ7vW@mail.gmail.com")
    );
    assert_eq!(mail.from.as_deref(), Some("anna.berg@gmail.com"));
    assert_eq!(mail.automatic, None);
    assert_eq!(mail.text, "Here is the photo of Rex's paw.");
    assert_eq!(mail.attachments.len(), 1);
    let png = &mail.attachments[0];
    assert_eq!(png.name, "paw.png");
    assert_eq!(png.content_type.as_deref(), Some("image/png"));
    assert_eq!(png.data.len(), 70);
    assert!(png.data.starts_with(PNG_SIGNATURE));
    assert!(png.data.ends_with(b"IEND\xae\x42\x60\x82"));
}

#[test]
fn only_a_quote_keeps_the_whole_body() {
    let mail = parsed(fixture!("only-quote"));
    assert_eq!(
        mail.message_id.as_deref(),
        Some("CAF8sK2vB8nM1qW4eR7tY0uI3oP6aS9dF2gH5jK8lZ1xC4vB7nQ@mail.gmail.com")
    );
    assert_eq!(mail.from.as_deref(), Some("anna.berg@gmail.com"));
    assert_eq!(mail.automatic, None);
    assert_eq!(
        mail.text,
        "On Tue, 1 Dec 2026 at 09:14, Happy Paws Clinic <notifications@tidings.example> wrote:\n\n\
         > Happy Paws Clinic sent you a message:\n>\n\
         > Hi Anna, Rex's check-up is confirmed for Thursday at 3pm."
    );
}

#[test]
fn interleaved_answers_are_kept() {
    let mail = parsed(fixture!("interleaved"));
    assert_eq!(
        mail.message_id.as_deref(),
        Some("9c2e4a6b-8d0f-4b1c-a3e5-7f9b1d3c5e7a@posteo.example")
    );
    assert_eq!(mail.from.as_deref(), Some("anna.berg@posteo.example"));
    assert_eq!(mail.automatic, None);
    assert_eq!(
        mail.text,
        "Great, thank you.\n\nWill do.\n\n\
         Yes please, she has been chewing on one side since the weekend and doesn't want her \
         dry food."
    );
}

#[test]
fn signature_is_cut() {
    let mail = parsed(fixture!("signature"));
    assert_eq!(
        mail.message_id.as_deref(),
        Some("e1d2c3b4-a596-4877-8695-a4b3c2d1e0f9@happypaws.example")
    );
    assert_eq!(mail.from.as_deref(), Some("anna.berg@happypaws.example"));
    assert_eq!(mail.from_name.as_deref(), Some("Dr. Anna Berg"));
    assert_eq!(mail.automatic, None);
    assert_eq!(mail.text, "Thursday 3pm is fine, see you then.");
}

fn simple(headers: &str) -> Vec<u8> {
    format!(
        "From: Anna <anna@example.com>\r\nTo: reply+t@reply.tidings.example\r\n\
         Subject: Re: hi\r\n{headers}\r\nHello there\r\n"
    )
    .into_bytes()
}

#[test]
fn missing_message_id_is_none() {
    let mail = parse(&simple(""), None).expect("parses");
    assert_eq!(mail.message_id, None);
    assert_eq!(mail.text, "Hello there");
    assert_eq!(mail.automatic, None);
}

#[test]
fn garbage_never_panics() {
    let inputs: [&[u8]; 8] = [
        b"",
        b"\x00\xff\xfe\x80garbage",
        b"not an email at all",
        b":\r\n\r\n",
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x--",
        b"Content-Type: message/rfc822\r\n\r\nFrom: a\r\n\r\n",
        b"From: <@>\r\nContent-Type: text/html\r\n\r\n<div class=\"gmail_quote\"><<<&#xFFFFFFFF;&#0;",
        b"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; format=flowed; delsp=yes\r\n\r\n> \r\n>>  \r\n--b--",
    ];
    for raw in inputs {
        if let Ok(mail) = parse(raw, Some("<>")) {
            assert_eq!(mail.from, None);
        }
    }
    assert_eq!(parse(b"", None), Err(MailError::Unparseable));
}

#[test]
fn null_return_path() {
    for path in ["", "<>", " <> "] {
        let mail = parse(&simple(""), Some(path)).expect("parses");
        assert_eq!(mail.automatic, Some(Automatic::NullReturnPath), "{path:?}");
    }
    let mail = parse(&simple(""), Some("anna@example.com")).expect("parses");
    assert_eq!(mail.automatic, None);
}

#[test]
fn automatic_headers() {
    let cases = [
        ("Precedence: bulk\r\n", Some(Automatic::Precedence)),
        ("Precedence: list\r\n", Some(Automatic::Precedence)),
        ("Auto-Submitted: no\r\n", None),
        (
            "auto-submitted: Auto-Generated\r\n",
            Some(Automatic::AutoSubmitted),
        ),
        ("X-Autoreply: yes\r\n", Some(Automatic::AutoReplyHeader)),
        (
            "X-Autorespond: Out of office\r\n",
            Some(Automatic::AutoReplyHeader),
        ),
        (
            "X-Auto-Response-Suppress: DR, OOF\r\n",
            Some(Automatic::AutoReplyHeader),
        ),
        ("X-Auto-Response-Suppress: DR, RN\r\n", None),
        (
            "X-Precedence: auto_reply\r\n",
            Some(Automatic::AutoReplyHeader),
        ),
        ("Return-Path: <>\r\n", Some(Automatic::NullReturnPath)),
    ];
    for (headers, expected) in cases {
        let mail = parse(&simple(headers), None).expect("parses");
        assert_eq!(mail.automatic, expected, "{headers}");
    }
}

#[test]
fn postmaster_is_a_bounce() {
    let raw = b"From: postmaster@mail.example.net\r\nSubject: failure\r\n\r\nIt failed.\r\n";
    let mail = parse(raw, None).expect("parses");
    assert_eq!(mail.automatic, Some(Automatic::Bounce));
}

#[test]
fn inline_parts_of_an_alternative_body_are_not_attachments() {
    let raw = b"From: Tom <tom@icloud.com>\r\n\
        Content-Type: multipart/mixed; boundary=m\r\n\r\n\
        --m\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n\
        --a\r\nContent-Type: text/plain\r\n\r\nSee the logo\r\n\
        --a\r\nContent-Type: multipart/related; boundary=r\r\n\r\n\
        --r\r\nContent-Type: text/html\r\n\r\n<p>See the <img src=\"cid:logo\"></p>\r\n\
        --r\r\nContent-Type: image/png; name=logo.png\r\nContent-ID: <logo>\r\n\
        Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--r--\r\n--a--\r\n\
        --m\r\nContent-Type: text/csv; name=\"C:\\\\Users\\\\tom\\\\doses.csv\"\r\n\
        Content-Disposition: attachment\r\n\r\nday,dose\r\n--m\r\n\
        Content-Type: application/pdf\r\nContent-Disposition: attachment\r\n\r\n%PDF\r\n--m--\r\n";
    let mail = parse(raw, None).expect("parses");
    assert_eq!(mail.text, "See the logo");
    let names: Vec<_> = mail.attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["doses.csv", "attachment.pdf"]);
    assert_eq!(
        mail.attachments[0].content_type.as_deref(),
        Some("text/csv; charset=utf-8")
    );
}
