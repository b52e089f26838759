//! Who calls: the identity API Gateway's authorizers passed (JWT claims, or the IAM
//! signer of an operator's route).

use crate::domain::Named;
use lambda_http::request::RequestContext;
use lambda_http::RequestExt;

use super::Request;
use crate::config::ClaimNames;
use crate::domain::ids::is_valid_id;
use crate::domain::{Principal, Role};
use crate::error::ApiError;

/// The operator, on routes API Gateway authorizes with IAM (SigV4): the signer's ARN.
/// A tenant's token never makes an operator, whatever its claims say.
pub fn operator(request: &Request) -> Result<String, ApiError> {
    let refused = || ApiError::forbidden("operator_only", "this route is the platform operator's");
    let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref() else {
        return Err(refused());
    };
    let authorizer = context.authorizer.as_ref().ok_or_else(refused)?;
    if authorizer.jwt.is_some() {
        return Err(refused());
    }
    authorizer
        .iam
        .as_ref()
        .and_then(|iam| iam.user_arn.clone().or_else(|| iam.caller_id.clone()))
        .filter(|arn| !arn.is_empty())
        .ok_or_else(refused)
}

/// The caller, from the JWT claims in the request context. Identity never comes from
/// headers, query or body.
pub fn principal(request: &Request, names: &ClaimNames) -> Result<Principal, ApiError> {
    let claims = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context
            .authorizer
            .as_ref()
            .and_then(|authorizer| authorizer.jwt.as_ref())
            .map(|jwt| &jwt.claims),
        _ => None,
    }
    .ok_or(ApiError::Unauthorized)?;
    let claim = |name: &str| {
        claims
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let user_id = claim(&names.user_id)
        .filter(|v| is_valid_id(v))
        .ok_or(ApiError::Unauthorized)?;
    let tenant_id = claim(&names.tenant_id)
        .filter(|v| is_valid_id(v))
        .ok_or(ApiError::Unauthorized)?;
    let role = claim(&names.role)
        .and_then(Role::parse)
        .ok_or(ApiError::Unauthorized)?;
    let customer_id = match role {
        Role::Customer => Some(
            claim(&names.customer_id)
                .filter(|v| is_valid_id(v))
                .ok_or(ApiError::Unauthorized)?
                .to_owned(),
        ),
        _ => None,
    };
    let name = claim(&names.name)
        .map(|n| {
            n.chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect::<String>()
        })
        .filter(|n| !n.trim().is_empty());
    Ok(Principal {
        tenant_id: tenant_id.into(),
        user_id: user_id.into(),
        role,
        customer_id: customer_id.map(Into::into),
        name,
    })
}
