//! Keys of text messaging: opt-outs, the SMS numbers' tenants, inbound provider ids,
//! unmatched texts and auto-reply marks.

pub const OPT_OUT_SK: &str = "OPTOUT";

pub const SMS_NUMBER_SK: &str = "SMSNUM";

pub const PROVIDER_MESSAGE_SK: &str = "EXT";

pub const AUTO_REPLY_SK: &str = "AUTOREPLY";

pub fn opt_out_pk(tenant: &str, e164: &str) -> String {
    format!("T#{tenant}#OPTOUT#{e164}")
}

pub fn sms_number_pk(e164: &str) -> String {
    format!("SMSNUM#{e164}")
}

pub fn provider_message_pk(tenant: &str, provider: &str, id: &str) -> String {
    format!("T#{tenant}#EXT#{provider}#{id}")
}

pub fn unmatched_pk(tenant: &str) -> String {
    format!("T#{tenant}#UNMATCHED")
}

pub fn auto_reply_pk(tenant: &str, e164: &str) -> String {
    format!("T#{tenant}#AUTOREPLY#{e164}")
}
