//! `GET`/`POST /unsubscribe/{token}`: the link every digest to a person carries in
//! `List-Unsubscribe`, with `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
//! The POST (a mail app's one click, or the page's button) turns the person's email for
//! that conversation off; the GET only shows the button, since mail scanners open links.
//! No login: the token, random and sent only to that person, is the key. A revoked reply
//! address still unsubscribes.

use shared::domain::notify::escape_html;
use shared::http::{self, Request, Response};
use shared::store::{is_reply_token, ReplyStore, ReplyToken};
use shared::{ApiError, App};

pub async fn page<S: ReplyStore>(app: &App<S>, request: &Request) -> Result<Response, ApiError> {
    token_of(app, request).await?;
    Ok(http::html_response(
        200,
        document(
            "Stop these emails?",
            "<p>You will no longer get emails about this conversation. Messages stay in \
             the conversation, and you can turn emails on again in its settings.</p>\n\
             <form method=\"post\"><input type=\"hidden\" name=\"List-Unsubscribe\" \
             value=\"One-Click\"><button type=\"submit\">Unsubscribe</button></form>",
        ),
    ))
}

pub async fn one_click<S: ReplyStore>(
    app: &App<S>,
    request: &Request,
) -> Result<Response, ApiError> {
    let token = token_of(app, request).await?;
    let conversation = token.conversation().ok_or(ApiError::NotFound)?;
    app.store
        .turn_email_off(
            &token.tenant_id.as_str().into(),
            &conversation,
            &token.reader(),
        )
        .await?;
    tracing::info!(tenant = %token.tenant_id, "unsubscribed from a conversation's emails");
    Ok(http::html_response(
        200,
        document(
            "Unsubscribed",
            "<p>You will no longer get emails about this conversation. You can turn them \
             on again in the conversation's settings.</p>",
        ),
    ))
}

/// The token the path names: unknown (or not a token at all) is a 404.
async fn token_of<S: ReplyStore>(app: &App<S>, request: &Request) -> Result<ReplyToken, ApiError> {
    let token = http::path_param(request, "token")
        .map(|t| t.to_ascii_lowercase())
        .filter(|t| is_reply_token(t))
        .ok_or(ApiError::NotFound)?;
    app.store
        .reply_token(&token)
        .await?
        .ok_or(ApiError::NotFound)
}

fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>{0}</title><style>body{{font:16px system-ui,sans-serif;max-width:32rem;\
         margin:4rem auto;padding:0 1rem}}button{{font:inherit;padding:.5rem 1rem}}</style>\
         </head><body><h1>{0}</h1>\n{body}\n</body></html>\n",
        escape_html(title)
    )
}
