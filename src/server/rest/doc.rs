//! The OpenAPI document, generated from the handlers' annotations, with
//! what every authenticated route shares added once: the bearer scheme
//! and the rate limit's answer and headers.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::error;
use super::{audit, revoke, scopes, tokens, user};

/// The OpenAPI document, generated from the handlers' annotations.
#[derive(OpenApi)]
#[openapi(
    info(title = "Account Settings API", version = "1"),
    paths(
        user::get_user,
        user::patch_user,
        tokens::list_tokens,
        tokens::get_token,
        tokens::delete_token,
        tokens::rotate_token,
        tokens::rotate_self,
        revoke::revoke,
        audit::list_audit,
        scopes::list_scopes,
        openapi_json,
        super::meta::healthz,
        super::meta::livez,
    ),
    components(schemas(error::ErrorBody, error::ErrorDetail)),
    modifiers(&BearerScheme, &RateLimits, &SharedAnswers)
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3 document", body = Object)))]
pub async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        let scopes: Vec<String> = crate::model::scope::Scope::ALL
            .iter()
            .map(|s| format!("`{}` ({})", s.as_str(), s.describe().to_lowercase()))
            .collect();
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(format!(
                        "An API token. Each operation names the scope it needs (in its \
                         security requirement and in `x-required-scopes`); a token without \
                         it is refused with 403 `insufficient_scope`. Scopes: {}. Each token may \
                         make a number of requests an hour (set by the server's \
                         `API_RATE_LIMIT_PER_HOUR`, 5,000 unless changed): every answer says \
                         how many are left in `RateLimit-*` headers, and past the limit the \
                         answer is 429 `rate_limited` with `Retry-After`.",
                        scopes.join(", ")
                    )))
                    .build(),
            ),
        );
    }
}

/// Every operation that takes a token: the `RateLimit-*` headers on its
/// successful answers, and its 429 answer.
struct RateLimits;

fn integer_header(description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        )
        .description(Some(description))
        .build()
}

const LIMIT: &str = "Requests the token may make in its current one-hour window \
                     (`API_RATE_LIMIT_PER_HOUR`; absent when the server sets no limit).";
const REMAINING: &str = "Requests left in the window after this one.";
const RESET: &str = "Seconds until the window ends and the count starts again.";

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .flatten()
}

impl Modify for RateLimits {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let refused = ResponseBuilder::new()
            .description("The token has made its requests for this hour")
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .header("Retry-After", integer_header(RESET))
            .header("RateLimit-Limit", integer_header(LIMIT))
            .header("RateLimit-Remaining", integer_header(REMAINING))
            .header("RateLimit-Reset", integer_header(RESET))
            .build();
        for item in doc.paths.paths.values_mut() {
            for op in operations(item) {
                if op.security.as_ref().is_none_or(|s| s.is_empty()) {
                    continue;
                }
                for (status, answer) in op.responses.responses.iter_mut() {
                    if let (true, RefOr::T(answer)) = (status.starts_with('2'), answer) {
                        answer
                            .headers
                            .insert("RateLimit-Limit".into(), integer_header(LIMIT));
                        answer
                            .headers
                            .insert("RateLimit-Remaining".into(), integer_header(REMAINING));
                        answer
                            .headers
                            .insert("RateLimit-Reset".into(), integer_header(RESET));
                    }
                }
                op.responses
                    .responses
                    .insert("429".into(), RefOr::T(refused.clone()));
            }
        }
    }
}

/// What the handlers' annotations leave out because every route of a kind
/// answers it: 401 and 403 where a token is needed; 413, 415 and 422 where
/// a body is read; and the closed set of audit actions as an enum.
struct SharedAnswers;

fn error_answer(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

impl Modify for SharedAnswers {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let with_token = [
            (
                "401",
                "The token is missing, malformed, unknown, expired, deactivated or replaced",
            ),
            ("403", "The token lacks the scope this operation needs"),
        ];
        let with_body = [
            ("413", "The body is larger than the server takes"),
            (
                "415",
                "The body is not sent as `Content-Type: application/json`",
            ),
            (
                "422",
                "The body is not JSON of the documented shape, or a value is refused",
            ),
        ];
        for item in doc.paths.paths.values_mut() {
            for op in operations(item) {
                let mut add = Vec::new();
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    add.extend(with_token);
                }
                if op.request_body.is_some() {
                    add.extend(with_body);
                }
                for (status, description) in add {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error_answer(description));
                }
            }
        }
        let actions: Vec<serde_json::Value> = crate::model::audit::AuditAction::ALL
            .iter()
            .map(|a| a.as_str().into())
            .collect();
        let audit = doc
            .paths
            .paths
            .get_mut("/api/v1/audit-log")
            .and_then(|item| item.get.as_mut())
            .and_then(|op| op.parameters.as_mut());
        for p in audit.into_iter().flatten() {
            if p.name == "action" {
                p.schema = Some(RefOr::T(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some(actions.clone()))
                        .into(),
                ));
            }
        }
    }
}
