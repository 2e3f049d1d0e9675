//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of `/api/v1`,
//! derived, not written: paths and parameters come from each handler's
//! `#[utoipa::path]` (collected by [`super::routes()`]), schemas from the wire
//! types of `pustaka-api` (its `openapi` feature derives `utoipa::ToSchema`;
//! the app builds that crate without it and stays serde-only).
//!
//! What every content GET shares, conditional GET (`ETag`, `Cache-Control`,
//! `304`), is added here once, by `describe_conditional_get`.

use std::sync::LazyLock;

use axum::Json;
use axum::extract::State;
use utoipa::OpenApi;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{Object, Schema, Type};
use utoipa::openapi::{self, Header, RefOr, Response, Server};

use crate::startup::AppState;

/// The document's head; the paths are added by [`super::routes()`].
#[derive(OpenApi)]
#[openapi(info(
    title = "Pustaka AR content API",
    description = "JSON for the Pustaka AR app. Visitor texts in Bahasa Indonesia (default) and \
                   English. Every error is an `ApiErrorBody` with a stable code."
))]
pub struct ApiDoc;

/// The document without servers, built once from the routes.
static DOCUMENT: LazyLock<openapi::OpenApi> = LazyLock::new(|| {
    let mut doc = super::routes().into_openapi();
    describe_conditional_get(&mut doc);
    drop_unknown_error_code(&mut doc);
    doc
});

/// The OpenAPI document of `/api/v1`, its server being `server_url` + `/api/v1`.
pub fn document(server_url: &str) -> openapi::OpenApi {
    let mut doc = DOCUMENT.clone();
    doc.servers = Some(vec![Server::new(format!(
        "{server_url}{}",
        pustaka_api::API_PREFIX
    ))]);
    doc
}

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    responses((status = 200, description = "OpenAPI 3.1 JSON.", content_type = "application/json"))
)]
pub async fn get_openapi(State(state): State<AppState>) -> Json<openapi::OpenApi> {
    Json(document(&state.public_url))
}

/// Every GET but this document's answers through [`super::conditional_json`]
/// or [`super::conditional_bytes`]: its 200 carries `ETag` and
/// `Cache-Control`, and a matching `If-None-Match` gets a 304.
fn describe_conditional_get(doc: &mut openapi::OpenApi) {
    let string = || RefOr::T(Schema::Object(Object::with_type(Type::String)));
    for (path, item) in doc.paths.paths.iter_mut() {
        let Some(op) = item.get.as_mut().filter(|_| path != "/openapi.json") else {
            continue;
        };
        add_conditional_get(op, &string);
    }
}

fn add_conditional_get(op: &mut Operation, string: &dyn Fn() -> RefOr<Schema>) {
    if let Some(RefOr::T(ok)) = op.responses.responses.get_mut("200") {
        let mut etag = Header::new(string());
        etag.description = Some("Strong validator of the body, for `If-None-Match`.".into());
        ok.headers.insert("ETag".into(), RefOr::T(etag));
        ok.headers
            .insert("Cache-Control".into(), RefOr::T(Header::new(string())));
    }
    op.responses.responses.insert(
        "304".into(),
        RefOr::T(Response::new(
            "Not modified: `If-None-Match` names the current `ETag`.",
        )),
    );
}

/// `ErrorCode::Unknown` is how an older client reads a code it does not know
/// (`#[serde(other)]`); the server never sends it, so the schema lists the
/// codes it does send.
fn drop_unknown_error_code(doc: &mut openapi::OpenApi) {
    let unknown = pustaka_api::ErrorCode::Unknown.as_str();
    let schema = doc
        .components
        .as_mut()
        .and_then(|c| c.schemas.get_mut("ErrorCode"));
    if let Some(RefOr::T(Schema::Object(o))) = schema
        && let Some(values) = o.enum_values.as_mut()
    {
        values.retain(|v| v.as_str() != Some(unknown));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_reference_resolves() {
        let doc = serde_json::to_value(document("http://x")).unwrap();
        let text = doc.to_string();
        let refs = text.split("#/components/schemas/").skip(1).count();
        assert!(refs > 10, "only {refs} references");
        for part in text.split("#/components/schemas/").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            assert!(
                doc["components"]["schemas"].get(&name).is_some(),
                "dangling $ref {name}"
            );
        }
    }

    #[test]
    fn error_codes_are_the_ones_the_server_sends() {
        let doc = serde_json::to_value(document("http://x")).unwrap();
        let listed = &doc["components"]["schemas"]["ErrorCode"]["enum"];
        let expected: Vec<&str> = pustaka_api::ErrorCode::ALL
            .iter()
            .map(|c| c.as_str())
            .collect();
        assert_eq!(listed, &serde_json::json!(expected));
    }
}
