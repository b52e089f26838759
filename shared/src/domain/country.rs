//! The country a phone number is in, from its E.164 calling code, for the SMS country
//! allow-list. The North American Numbering Plan shares `+1` between the United States,
//! Canada and a score of Caribbean and Pacific countries whose numbers cost many times a
//! US text (the usual target of SMS pumping), so `+1` is told apart by area code.

/// Area codes of `+1` outside the United States' 50 states.
const NANP_AREAS: &[(&str, &[&str])] = &[
    (
        "CA",
        &[
            "204", "226", "236", "249", "250", "257", "263", "289", "306", "343", "354", "365",
            "367", "368", "382", "387", "403", "416", "418", "428", "431", "437", "438", "450",
            "460", "468", "474", "506", "514", "519", "548", "579", "581", "584", "587", "600",
            "604", "613", "622", "639", "647", "672", "683", "705", "709", "742", "753", "778",
            "780", "782", "807", "819", "825", "867", "873", "879", "902", "905", "942",
        ],
    ),
    ("AG", &["268"]),
    ("AI", &["264"]),
    ("AS", &["684"]),
    ("BB", &["246"]),
    ("BM", &["441"]),
    ("BS", &["242"]),
    ("DM", &["767"]),
    ("DO", &["809", "829", "849"]),
    ("GD", &["473"]),
    ("GU", &["671"]),
    ("JM", &["658", "876"]),
    ("KN", &["869"]),
    ("KY", &["345"]),
    ("LC", &["758"]),
    ("MP", &["670"]),
    ("MS", &["664"]),
    ("PR", &["787", "939"]),
    ("SX", &["721"]),
    ("TC", &["649"]),
    ("TT", &["868"]),
    ("VC", &["784"]),
    ("VG", &["284"]),
    ("VI", &["340"]),
];

/// Calling codes other than `+1` (ITU-T E.164 assignments), longest match first.
const CALLING_CODES: &[(&str, &str)] = &[
    ("7", "RU"),
    ("20", "EG"),
    ("27", "ZA"),
    ("30", "GR"),
    ("31", "NL"),
    ("32", "BE"),
    ("33", "FR"),
    ("34", "ES"),
    ("36", "HU"),
    ("39", "IT"),
    ("40", "RO"),
    ("41", "CH"),
    ("43", "AT"),
    ("44", "GB"),
    ("45", "DK"),
    ("46", "SE"),
    ("47", "NO"),
    ("48", "PL"),
    ("49", "DE"),
    ("51", "PE"),
    ("52", "MX"),
    ("53", "CU"),
    ("54", "AR"),
    ("55", "BR"),
    ("56", "CL"),
    ("57", "CO"),
    ("58", "VE"),
    ("60", "MY"),
    ("61", "AU"),
    ("62", "ID"),
    ("63", "PH"),
    ("64", "NZ"),
    ("65", "SG"),
    ("66", "TH"),
    ("81", "JP"),
    ("82", "KR"),
    ("84", "VN"),
    ("86", "CN"),
    ("90", "TR"),
    ("91", "IN"),
    ("92", "PK"),
    ("93", "AF"),
    ("94", "LK"),
    ("95", "MM"),
    ("98", "IR"),
    ("211", "SS"),
    ("212", "MA"),
    ("213", "DZ"),
    ("216", "TN"),
    ("218", "LY"),
    ("220", "GM"),
    ("221", "SN"),
    ("222", "MR"),
    ("223", "ML"),
    ("224", "GN"),
    ("225", "CI"),
    ("226", "BF"),
    ("227", "NE"),
    ("228", "TG"),
    ("229", "BJ"),
    ("230", "MU"),
    ("231", "LR"),
    ("232", "SL"),
    ("233", "GH"),
    ("234", "NG"),
    ("235", "TD"),
    ("236", "CF"),
    ("237", "CM"),
    ("238", "CV"),
    ("239", "ST"),
    ("240", "GQ"),
    ("241", "GA"),
    ("242", "CG"),
    ("243", "CD"),
    ("244", "AO"),
    ("245", "GW"),
    ("248", "SC"),
    ("249", "SD"),
    ("250", "RW"),
    ("251", "ET"),
    ("252", "SO"),
    ("253", "DJ"),
    ("254", "KE"),
    ("255", "TZ"),
    ("256", "UG"),
    ("257", "BI"),
    ("258", "MZ"),
    ("260", "ZM"),
    ("261", "MG"),
    ("263", "ZW"),
    ("264", "NA"),
    ("265", "MW"),
    ("266", "LS"),
    ("267", "BW"),
    ("268", "SZ"),
    ("269", "KM"),
    ("291", "ER"),
    ("297", "AW"),
    ("298", "FO"),
    ("299", "GL"),
    ("350", "GI"),
    ("351", "PT"),
    ("352", "LU"),
    ("353", "IE"),
    ("354", "IS"),
    ("355", "AL"),
    ("356", "MT"),
    ("357", "CY"),
    ("358", "FI"),
    ("359", "BG"),
    ("370", "LT"),
    ("371", "LV"),
    ("372", "EE"),
    ("373", "MD"),
    ("374", "AM"),
    ("375", "BY"),
    ("376", "AD"),
    ("377", "MC"),
    ("378", "SM"),
    ("380", "UA"),
    ("381", "RS"),
    ("382", "ME"),
    ("383", "XK"),
    ("385", "HR"),
    ("386", "SI"),
    ("387", "BA"),
    ("389", "MK"),
    ("420", "CZ"),
    ("421", "SK"),
    ("423", "LI"),
    ("501", "BZ"),
    ("502", "GT"),
    ("503", "SV"),
    ("504", "HN"),
    ("505", "NI"),
    ("506", "CR"),
    ("507", "PA"),
    ("509", "HT"),
    ("591", "BO"),
    ("592", "GY"),
    ("593", "EC"),
    ("595", "PY"),
    ("597", "SR"),
    ("598", "UY"),
    ("670", "TL"),
    ("673", "BN"),
    ("675", "PG"),
    ("676", "TO"),
    ("677", "SB"),
    ("678", "VU"),
    ("679", "FJ"),
    ("685", "WS"),
    ("686", "KI"),
    ("691", "FM"),
    ("692", "MH"),
    ("852", "HK"),
    ("853", "MO"),
    ("855", "KH"),
    ("856", "LA"),
    ("880", "BD"),
    ("886", "TW"),
    ("960", "MV"),
    ("961", "LB"),
    ("962", "JO"),
    ("963", "SY"),
    ("964", "IQ"),
    ("965", "KW"),
    ("966", "SA"),
    ("967", "YE"),
    ("968", "OM"),
    ("970", "PS"),
    ("971", "AE"),
    ("972", "IL"),
    ("973", "BH"),
    ("974", "QA"),
    ("975", "BT"),
    ("976", "MN"),
    ("977", "NP"),
    ("992", "TJ"),
    ("993", "TM"),
    ("994", "AZ"),
    ("995", "GE"),
    ("996", "KG"),
    ("998", "UZ"),
];

/// The ISO 3166-1 alpha-2 country of an E.164 number; `None` for a code not listed (a
/// number the allow-list then refuses, whatever it holds).
pub fn country_of(e164: &str) -> Option<&'static str> {
    let digits = e164.strip_prefix('+')?;
    if let Some(national) = digits.strip_prefix('1') {
        let area = national.get(..3)?;
        return Some(
            NANP_AREAS
                .iter()
                .find(|(_, areas)| areas.contains(&area))
                .map_or("US", |(country, _)| country),
        );
    }
    (1..=3).rev().find_map(|len| {
        let code = digits.get(..len)?;
        CALLING_CODES
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, country)| *country)
    })
}

/// Whether `code` is a country this table knows, so that an allow-list names only
/// countries a number can be in.
pub fn is_known_country(code: &str) -> bool {
    code == "US"
        || NANP_AREAS.iter().any(|(c, _)| *c == code)
        || CALLING_CODES.iter().any(|(_, c)| *c == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_the_countries_of_plus_one_apart() {
        assert_eq!(country_of("+15551230000"), Some("US"));
        assert_eq!(country_of("+14165550100"), Some("CA"));
        assert_eq!(country_of("+18765550100"), Some("JM"));
        assert_eq!(country_of("+18095550100"), Some("DO"));
        assert_eq!(country_of("+12845550100"), Some("VG"));
    }

    #[test]
    fn finds_calling_codes_of_one_to_three_digits() {
        assert_eq!(country_of("+447700900123"), Some("GB"));
        assert_eq!(country_of("+79161234567"), Some("RU"));
        assert_eq!(country_of("+37120000000"), Some("LV"));
        assert_eq!(country_of("+2348012345678"), Some("NG"));
        assert_eq!(country_of("+8823456789"), None);
        assert_eq!(country_of("15551230000"), None);
        assert!(is_known_country("GB") && is_known_country("US") && !is_known_country("ZZ"));
    }
}
