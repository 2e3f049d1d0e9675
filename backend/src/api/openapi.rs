//! `GET /api/v1/openapi.json`: an OpenAPI 3.1 description of the `/api/v1`
//! routes, written by hand next to the router (a test checks that every route
//! in [`super::ROUTES`] is described, and nothing else).
//!
//! Hand-written rather than derived (utoipa) to keep `pustaka-api` serde-only:
//! deriving schemas would put a utoipa dependency on the shared wire crate.

use axum::Json;
use serde_json::{Value, json};

fn lang_param() -> Value {
    json!({"name": "lang", "in": "query", "required": false,
           "description": "Language of visitor texts: `id` (default) or `en`; falls back to `id`.",
           "schema": {"type": "string", "enum": ["id", "en"]}})
}

fn id_param(what: &str) -> Value {
    json!({"name": "id", "in": "path", "required": true, "description": format!("Id of the {what}."),
           "schema": {"type": "integer", "format": "int64"}})
}

fn ok(schema: Value, description: &str) -> Value {
    json!({"description": description, "headers": {
              "ETag": {"schema": {"type": "string"}, "description": "Strong validator for If-None-Match."},
              "Cache-Control": {"schema": {"type": "string"}}},
           "content": {"application/json": {"schema": schema}}})
}

fn error(description: &str) -> Value {
    json!({"description": description,
           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiErrorBody"}}}})
}

fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn get_one(summary: &str, what: &str, schema: &str) -> Value {
    json!({"get": {"summary": summary, "parameters": [id_param(what), lang_param()],
        "responses": {"200": ok(r(schema), "Found."), "304": {"description": "Not modified (If-None-Match)."},
                      "404": error("No such id.")}}})
}

fn get_list(summary: &str, item: &str, extra: Vec<Value>) -> Value {
    let mut params = extra;
    params.push(lang_param());
    json!({"get": {"summary": summary, "parameters": params,
        "responses": {"200": ok(json!({"type": "array", "items": r(item)}), "The list."),
                      "304": {"description": "Not modified (If-None-Match)."}}}})
}

fn media_ref_schema() -> Value {
    json!({"type": "object", "required": ["role", "kind", "url", "mime", "size_bytes"], "properties": {
        "role": {"type": "string", "enum": ["cover", "trailer", "narration", "poster", "promo", "badge"]},
        "kind": {"type": "string", "enum": ["image", "video", "audio"]},
        "url": {"type": "string", "format": "uri", "description": "Immutable /media/{sha256}.{ext} URL."},
        "mime": {"type": "string"}, "size_bytes": {"type": "integer"},
        "width": {"type": ["integer", "null"]}, "height": {"type": ["integer", "null"]},
        "duration_ms": {"type": ["integer", "null"]},
        "preview_url": {"type": ["string", "null"], "description": "Thumbnail (image) or poster frame (video)."},
        "alt": {"type": ["string", "null"]}}})
}

fn schemas() -> Value {
    let s = |t: &str| json!({"type": t});
    let os = || json!({"type": ["string", "null"]});
    let langs = json!({"type": "array", "items": {"type": "string", "enum": ["id", "en"]}});
    let error_codes: Vec<&str> = pustaka_api::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    json!({
        "ApiErrorBody": {"type": "object", "required": ["error"], "properties": {
            "error": {"type": "object", "required": ["code", "message"], "properties": {
                "code": {"type": "string", "enum": error_codes,
                         "description": "Stable machine code; clients localise by it. New codes may be added: treat an unknown one by its HTTP status."},
                "message": {"type": "string", "description": "English explanation for developers; not localised."}}}}},
        "MediaRef": media_ref_schema(),
        "MarkerOverlay": {"type": "object",
            "required": ["code", "kind", "size_m", "title", "languages"], "properties": {
            "code": s("string"),
            "kind": {"type": "string", "enum": ["title", "shelf", "event", "tour_stop"]},
            "size_m": {"type": "number", "description": "Printed side of the code in metres."},
            "title": s("string"), "subtitle": os(), "body": os(), "languages": langs,
            "media": {"type": "array", "items": r("MediaRef")},
            "target_id": {"type": ["integer", "null"]}, "tour_id": {"type": ["integer", "null"]},
            "web_url": os(), "ebook_url": os(),
            "featured": {"type": "array", "items": r("TitleSummary"),
                         "description": "A shelf's featured titles, in order, at most 8; empty for other kinds."}}},
        "TitleSummary": {"type": "object", "required": ["id", "title"], "properties": {
            "id": s("integer"), "title": s("string"), "author": os(), "call_number": os(),
            "isbn13": os(), "age_group": os(), "cover": {"oneOf": [r("MediaRef"), {"type": "null"}]}}},
        "TitlePage": {"type": "object", "required": ["items", "total", "limit", "offset"], "properties": {
            "items": {"type": "array", "items": r("TitleSummary")}, "total": s("integer"),
            "limit": s("integer"), "offset": s("integer")}},
        "TitleDetail": {"type": "object", "required": ["id", "title", "authors", "subjects", "media", "languages"],
            "properties": {
            "id": s("integer"), "title": s("string"), "authors": {"type": "array", "items": s("string")},
            "call_number": os(), "isbn13": os(), "language": os(), "synopsis": os(),
            "subjects": {"type": "array", "items": s("string")}, "age_group": os(), "publisher": os(),
            "year": os(), "ebook_url": os(), "media": {"type": "array", "items": r("MediaRef")},
            "languages": langs}},
        "ShelfResponse": {"type": "object", "required": ["id", "name", "featured", "languages"], "properties": {
            "id": s("integer"), "name": s("string"), "class_range": os(), "location": os(),
            "description": os(), "featured": {"type": "array", "items": r("TitleSummary")},
            "languages": langs}},
        "EventResponse": {"type": "object",
            "required": ["id", "title", "starts_at", "ends_at", "place", "calendar_url", "media", "languages"],
            "properties": {
            "id": s("integer"), "title": s("string"), "description": os(),
            "starts_at": {"type": "string", "format": "date-time", "description": "RFC 3339, +07:00 (WIB)."},
            "ends_at": {"type": "string", "format": "date-time"}, "place": s("string"),
            "audience": os(), "registration_url": os(), "calendar_url": s("string"),
            "media": {"type": "array", "items": r("MediaRef")}, "languages": langs}},
        "TourSummary": {"type": "object", "required": ["id", "name", "stop_count"], "properties": {
            "id": s("integer"), "name": s("string"), "description": os(), "stop_count": s("integer")}},
        "TourResponse": {"type": "object", "required": ["id", "name", "stops", "languages"], "properties": {
            "id": s("integer"), "name": s("string"), "description": os(),
            "stops": {"type": "array", "items": {"type": "object",
                "required": ["id", "position", "clue"], "properties": {
                "id": s("integer"), "position": s("integer"), "marker_code": os(), "clue": s("string"),
                "narration": os(), "narration_audio": {"oneOf": [r("MediaRef"), {"type": "null"}]},
                "question": {"type": ["object", "null"], "properties": {
                    "prompt": s("string"), "choices": {"type": "array", "items": {"type": "object",
                        "properties": {"text": s("string"), "correct": s("boolean"), "feedback": os()}}}}},
                "badge": {"type": ["object", "null"], "properties": {
                    "name": s("string"), "image": {"oneOf": [r("MediaRef"), {"type": "null"}]}}}}}},
            "languages": langs}},
        "ScanBatch": {"type": "object", "required": ["scans"], "properties": {
            "scans": {"type": "array", "maxItems": pustaka_api::MAX_SCANS_PER_BATCH, "items": {
                "type": "object", "required": ["code", "scanned_at", "client"], "properties": {
                "code": s("string"), "scanned_at": {"type": "string", "format": "date-time"},
                "client": {"type": "string", "enum": ["android", "ios", "desktop", "web"]}}}}}},
        "ScanAccepted": {"type": "object", "required": ["accepted", "rejected"], "properties": {
            "accepted": {"type": "integer", "description": "Scans stored (code is a marker of this library)."},
            "rejected": {"type": "integer", "description": "Well-formed scans dropped: code is not a marker here. Do not resend."}}}
    })
}

/// The OpenAPI document of `/api/v1`.
pub fn document(server_url: &str) -> Value {
    let marker = json!({"get": {"summary": "Resolve a marker code to its overlay (the scan hot path).",
        "parameters": [{"name": "code", "in": "path", "required": true,
                        "description": "Marker code (Crockford base-32, case-insensitive).",
                        "schema": {"type": "string"}}, lang_param()],
        "responses": {"200": ok(r("MarkerOverlay"), "The overlay."),
                      "304": {"description": "Not modified (If-None-Match)."},
                      "400": error("Malformed code."), "404": error("Unknown or inactive code.")}}});
    let titles = json!({"get": {"summary": "Titles ordered by title, paged; optional search.",
        "parameters": [
            {"name": "q", "in": "query", "required": false, "schema": {"type": "string"},
             "description": "Substring of title, author or ISBN."},
            {"name": "limit", "in": "query", "required": false,
             "schema": {"type": "integer", "minimum": 1, "maximum": super::content::MAX_PAGE_LIMIT}},
            {"name": "offset", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0}},
            lang_param()],
        "responses": {"200": ok(r("TitlePage"), "A page of titles."), "400": error("Bad limit.")}}});
    let range = |name: &str, d: &str| {
        json!({"name": name, "in": "query", "required": false,
        "description": d, "schema": {"type": "string"}})
    };
    let mut events = get_list(
        "Events overlapping a range (default: upcoming, next 90 days).",
        "EventResponse",
        vec![
            range("from", "WIB date YYYY-MM-DD or RFC 3339; default now."),
            range(
                "to",
                "WIB date (inclusive day) or RFC 3339 (exclusive); default from + 90 days.",
            ),
        ],
    );
    events["get"]["responses"]["400"] = error("Unparseable or empty range.");
    let scans = json!({"post": {"summary": "Report a batch of anonymous scans.",
        "requestBody": {"required": true, "content": {"application/json": {"schema": r("ScanBatch")}}},
        "responses": {"202": {"description": "Scans of known codes stored; the others counted as rejected.",
                              "content": {"application/json": {"schema": r("ScanAccepted")}}},
                      "400": error("Malformed batch (invalid_json, invalid_scan); nothing stored."),
                      "413": error("Body or batch too large."), "429": error("Rate limit exceeded.")}}});
    let openapi = json!({"get": {"summary": "This document.",
        "responses": {"200": {"description": "OpenAPI 3.1 JSON."}}}});
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Pustaka AR content API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "JSON for the Pustaka AR app. Visitor texts in Bahasa Indonesia (default) and English."},
        "servers": [{"url": format!("{server_url}{}", pustaka_api::API_PREFIX)}],
        "paths": {
            "/markers/{code}": marker,
            "/titles": titles,
            "/titles/{id}": get_one("One title in full.", "title", "TitleDetail"),
            "/shelves": get_list("Every shelf with its featured titles.", "ShelfResponse", vec![]),
            "/shelves/{id}": get_one("One shelf with its featured titles.", "shelf", "ShelfResponse"),
            "/events": events,
            "/events/{id}": get_one("One event.", "event", "EventResponse"),
            "/tours": get_list("Active tours.", "TourSummary", vec![]),
            "/tours/{id}": get_one("A tour with all its stops (for offline prefetch).", "tour", "TourResponse"),
            "/scans": scans,
            "/openapi.json": openapi,
        },
        "components": {"schemas": schemas()}
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn get_openapi(
    axum::extract::State(state): axum::extract::State<crate::startup::AppState>,
) -> Json<Value> {
    Json(document(&state.public_url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_described_and_nothing_else() {
        let doc = document("http://x");
        let paths = doc["paths"].as_object().unwrap();
        for (method, path) in super::super::ROUTES {
            assert!(
                paths.get(*path).and_then(|p| p.get(*method)).is_some(),
                "{method} {path} missing from openapi.json"
            );
        }
        let described: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
        assert_eq!(described, super::super::ROUTES.len());
    }

    #[test]
    fn every_schema_reference_resolves() {
        let doc = document("http://x");
        let text = doc.to_string();
        for part in text.split("#/components/schemas/").skip(1) {
            let name: String = part.chars().take_while(|c| c.is_alphanumeric()).collect();
            assert!(
                doc["components"]["schemas"].get(&name).is_some(),
                "dangling $ref {name}"
            );
        }
    }
}
