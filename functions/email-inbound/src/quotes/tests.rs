use super::*;

const REPLY: &str = "Thanks, see you then.";
const QUOTE: &str = "> Hi Anna, Rex's check-up is confirmed.\n> See you on Thursday.";

/// The reply, then `history`, must come back as the reply alone.
fn assert_cut(history: &str) {
    let mail = format!("{REPLY}\n\n{history}\n{QUOTE}\n");
    assert_eq!(reply_text(&mail), REPLY, "history: {history:?}");
}

#[test]
fn attribution_lines_in_many_languages() {
    for line in [
        "On Tue, 1 Dec 2026 at 09:14, Happy Paws Clinic <notifications@tidings.example> wrote:",
        "On Tue, Dec 1, 2026 at 9:14 AM Happy Paws Clinic <notifications@tidings.example> wrote:",
        "On 1 Dec 2026, at 09:14, Happy Paws Clinic <notifications@tidings.example> wrote:",
        "Le mar. 1 déc. 2026 à 09:14, Happy Paws Clinic <notifications@tidings.example> a écrit :",
        "Le mar. 1 déc. 2026 à 09:14, Happy Paws Clinic a\u{a0}écrit\u{a0}:",
        "Am Di., 1. Dez. 2026 um 09:14 Uhr schrieb Happy Paws Clinic <notifications@tidings.example>:",
        "Am 01.12.2026 um 09:14 schrieb Happy Paws Clinic:",
        "El mar, 1 dic 2026 a las 9:14, Happy Paws Clinic (<notifications@tidings.example>) escribió:",
        "Em ter., 1 de dez. de 2026 às 09:14, Happy Paws Clinic <notifications@tidings.example> escreveu:",
        "Il giorno mar 1 dic 2026 alle ore 09:14 Happy Paws Clinic <notifications@tidings.example> ha scritto:",
        "Op di 1 dec 2026 om 09:14 schreef Happy Paws Clinic <notifications@tidings.example>:",
        "Den 1 dec. 2026 kl. 09:14 skrev Happy Paws Clinic <notifications@tidings.example>:",
        "tir. 1. des. 2026 kl. 09:14 skrev Happy Paws Clinic <notifications@tidings.example>:",
        "Den tir. 1. dec. 2026 kl. 09.14 skrev Happy Paws Clinic <notifications@tidings.example>:",
        "Happy Paws Clinic <notifications@tidings.example> wrote:",
    ] {
        assert_cut(line);
    }
}

#[test]
fn gmail_wraps_the_attribution() {
    assert_cut(
        "On Tue, 1 Dec 2026 at 09:14, Happy Paws Clinic <\nnotifications@tidings.example> wrote:",
    );
    assert_cut("Am Di., 1. Dez. 2026 um 09:14 Uhr schrieb Happy Paws Clinic <\nnotifications@tidings.example>:");
    assert_cut("Le mar. 1 déc. 2026 à 09:14, Happy Paws Clinic <\nnotifications@tidings.example> a écrit :");
}

#[test]
fn a_reply_line_is_never_glued_to_the_attribution() {
    let mail = "On Thursday we come at 3.\nOn Tue, 1 Dec 2026 at 09:14, Happy Paws <n@tidings.example> wrote:\n> hi";
    assert_eq!(reply_text(mail), "On Thursday we come at 3.");
    let mail =
        "We come at 3.\ntir. 1. des. 2026 kl. 09:14 skrev Happy Paws <n@tidings.example>:\n> hi";
    assert_eq!(reply_text(mail), "We come at 3.");
}

#[test]
fn outlook_separators() {
    for history in [
        "-----Original Message-----\nFrom: Happy Paws Clinic\nSent: Tuesday, December 1, 2026 9:14 AM",
        "-----Ursprüngliche Nachricht-----\nVon: Happy Paws Clinic",
        "-----Message d'origine-----\nDe : Happy Paws Clinic",
        "________________________________\nFrom: Happy Paws Clinic <notifications@tidings.example>\nSent: Tuesday, December 1, 2026 9:14 AM",
        "________________________________\n\nVon: Happy Paws Clinic <notifications@tidings.example>",
        "From: Happy Paws Clinic <notifications@tidings.example>\nSent: Tuesday, December 1, 2026 9:14 AM\nTo: Anna",
        "From: Happy Paws Clinic\nTo: Anna Berg\nCc: Tom\nSubject: Rex\nDate: Tue, 1 Dec 2026",
        "*From:* Happy Paws Clinic <notifications@tidings.example>\n*Sent:* Tuesday, December 1, 2026",
        "De : Happy Paws Clinic <notifications@tidings.example>\nEnvoyé : mardi 1 décembre 2026 09:14",
        "Von: Happy Paws Clinic <notifications@tidings.example>\nGesendet: Dienstag, 1. Dezember 2026 09:14",
    ] {
        assert_cut(history);
    }
}

#[test]
fn a_from_line_alone_is_not_history() {
    let mail = "From: the front desk, with love.\nSee you Thursday.";
    assert_eq!(reply_text(mail), mail);
}

#[test]
fn forwards() {
    let forward = "---------- Forwarded message ---------\nFrom: Happy Paws Clinic <n@tidings.example>\n\
                   Date: Tue, 1 Dec 2026 at 09:14\nSubject: Rex\n\nHi Anna\n\nOn Mon, 30 Nov 2026, Tom <t@x.example> wrote:\n> old";
    assert_eq!(reply_text(forward), forward);
    assert_eq!(reply_text(&format!("\n\n{forward}\n\n")), forward);
    assert_eq!(
        reply_text(&format!("FYI, see below.\n\n{forward}")),
        "FYI, see below."
    );
    let apple =
        "Begin forwarded message:\n\nFrom: Happy Paws Clinic <n@tidings.example>\nSubject: Rex";
    assert_eq!(reply_text(apple), apple);
    assert_eq!(reply_text(&format!("Look:\n\n{apple}")), "Look:");
    let text = "I forwarded message details to Tom.";
    assert_eq!(reply_text(text), text);
}

#[test]
fn trailing_quote_block_is_removed() {
    let mail = "Yes, 3pm works.\n\n> Hi Anna\n> See you\n>\n\n";
    assert_eq!(reply_text(mail), "Yes, 3pm works.");
    let crlf = "Yes, 3pm works.\r\n\r\n> Hi Anna\r\n";
    assert_eq!(reply_text(crlf), "Yes, 3pm works.");
}

#[test]
fn interleaved_quotes_keep_the_answers() {
    let mail = "> Can you come at 3?\nYes.\n\n> Bring the booklet.\n\nWill do.\n> Thanks\n";
    assert_eq!(reply_text(mail), "Yes.\n\nWill do.");
    let bottom = "On Tue, 1 Dec 2026 at 09:14, Happy Paws <n@tidings.example> wrote:\n> Can you come at 3?\n\nYes.";
    assert_eq!(reply_text(bottom), "Yes.");
}

#[test]
fn signatures() {
    let cases = [
        ("See you!\n\n-- \nDr. Anna Berg\nHappy Paws", "See you!"),
        ("See you!\n--\nAnna", "See you!"),
        ("See you!\n\nSent from my iPad", "See you!"),
        (
            "See you!\n\nSent from my iPhone\n\n> On 1 Dec wrote:\n> hi",
            "See you!",
        ),
        (
            "See you!\n\nGet Outlook for iOS<https://aka.ms/o0ukef>",
            "See you!",
        ),
        ("See you!\n\nGet Outlook for Android", "See you!"),
        ("À jeudi !\n\nEnvoyé de mon iPhone", "À jeudi !"),
        (
            "Bis Donnerstag!\n\nVon meinem iPhone gesendet",
            "Bis Donnerstag!",
        ),
        (
            "¡Hasta el jueves!\n\nEnviado desde mi iPhone",
            "¡Hasta el jueves!",
        ),
        (
            "Sent from my iPhone was a phrase.\nReally.",
            "Sent from my iPhone was a phrase.\nReally.",
        ),
        ("Yes -- 3pm.", "Yes -- 3pm."),
    ];
    for (mail, expected) in cases {
        assert_eq!(reply_text(mail), expected, "{mail:?}");
    }
}

#[test]
fn never_blank() {
    let only_quote =
        "On Tue, 1 Dec 2026 at 09:14, Happy Paws <n@tidings.example> wrote:\n\n> Hi Anna";
    assert_eq!(reply_text(&format!("\n{only_quote}\n\n")), only_quote);
    assert_eq!(reply_text("-- \nDr. Anna Berg"), "-- \nDr. Anna Berg");
    assert_eq!(reply_text("Sent from my iPhone\n"), "Sent from my iPhone");
    assert_eq!(reply_text("> just a quote"), "> just a quote");
    assert_eq!(reply_text("  \n\t\n"), "");
    assert_eq!(reply_text(""), "");
}

#[test]
fn reply_text_trims_but_keeps_inner_layout() {
    let mail = "\n\n  Dear team,   \n\n    - Rex\n    - Bella  \n\n\n";
    assert_eq!(reply_text(mail), "  Dear team,\n\n    - Rex\n    - Bella");
}

#[test]
fn html_entities() {
    let html = "<p>Rex &amp; Bella &lt;3 &quot;treats&quot; &#39;now&#39;&nbsp;&#8364;5 &#x1F436; &eacute; &bogus; &amp</p>";
    assert_eq!(
        html_to_text(html),
        "Rex & Bella <3 \"treats\" 'now' €5 \u{1f436} é &bogus; &amp"
    );
    assert_eq!(
        html_to_text("&#0;&#xD800;&#99999999999;"),
        "\u{fffd}\u{fffd}&#99999999999;"
    );
}

#[test]
fn html_blocks_become_lines() {
    let html = "<html><head><title>Re: Rex</title><style>p { color: red; }</style>\
                <script>if (a < b) alert('x');</script></head><body>\
                <h1>Rex</h1><p>First   paragraph\n  wraps.</p><div>One<br>Two<br/>Three</div>\
                <ul><li>Bath</li><li>Nails</li></ul><table><tr><td>Mon</td><td>3pm</td></tr>\
                <tr><td>Tue</td><td>4pm</td></tr></table><blockquote>Cited</blockquote>\
                <div><br></div><div><br></div><div><br></div><div>End</div></body></html>";
    assert_eq!(
        html_to_text(html),
        "Rex\n\nFirst paragraph wraps.\n\nOne\nTwo\nThree\nBath\nNails\nMon 3pm\nTue 4pm\nCited\n\nEnd"
    );
}

#[test]
fn html_quotes_are_dropped_before_conversion() {
    let gmail = "<div dir=\"ltr\">Yes!</div><br><div class=\"gmail_quote\"><div class=\"gmail_attr\">\
                 On Tue wrote:</div><blockquote class=\"gmail_quote\"><div>old <div>nested</div></div>\
                 </blockquote></div>";
    assert_eq!(html_to_text(gmail), "Yes!");
    let outlook = "<div>Yes!</div><div id=\"appendonsend\"></div><hr><div id=\"divRplyFwdMsg\">\
                   <b>From:</b> Clinic</div><div>old body</div>";
    assert_eq!(html_to_text(outlook), "Yes!");
    let outlook_only_marker =
        "<div>Yes!</div><hr><div id='divRplyFwdMsg'><b>From:</b> X</div><p>old</p>";
    assert_eq!(html_to_text(outlook_only_marker), "Yes!");
    let apple = "<div>Yes!<br><div><br><blockquote type=\"cite\">On 1 Dec 2026 wrote:<br><br></blockquote></div>\
                 <blockquote type=\"cite\"><div>old</div></blockquote></div>";
    assert_eq!(html_to_text(apple), "Yes!");
    let yahoo = "<div>Yes!</div><div id=\"yahoo_quoted_123\" class=\"yahoo_quoted\"><div>old</div></div><div>PS</div>";
    assert_eq!(html_to_text(yahoo), "Yes!\nPS");
    let thunderbird = "<p>Yes!</p><div class=\"moz-cite-prefix\">On 01/12/2026 wrote:<br></div>\
                       <blockquote type=\"cite\">old</blockquote><p>More</p>";
    assert_eq!(html_to_text(thunderbird), "Yes!\n\nMore");
}

#[test]
fn html_blank_lines_collapse() {
    let html = "<p>A</p><p>&nbsp;</p><p> </p><div><br><br><br><br></div><p>B</p>";
    assert_eq!(html_to_text(html), "A\n\nB");
}

#[test]
fn broken_html_never_panics() {
    for html in [
        "",
        "<",
        "</",
        "<div",
        "<div class=\"gmail_quote",
        "a < b > c",
        "<!-- never closed",
        "<style>never closed",
        "<p attr='>'>x</p>",
        "<blockquote type=cite><blockquote type=cite>x</blockquote>",
        "&#x;&#;&;&#xZZ;",
        "<div =\"x\" class>é<ü>",
    ] {
        let _ = html_to_text(html);
    }
    assert_eq!(html_to_text("a < b and c > d"), "a < b and c > d");
    assert_eq!(html_to_text("<p attr='>'>x</p>"), "x");
}
