//! The confirmation step before anything is thrown away (a draft discarded,
//! an item deleted): a page of its own that says what will go and posts the
//! action only when its button is pressed. It works without JavaScript (no
//! `confirm()` dialog), and the edit page's typing guard (`keep.js`) asks
//! before the link to it drops unsaved text.

use askama::Template;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::page::{Page, render};

/// What a confirmation page says and where its button posts.
#[derive(Debug, Clone)]
pub struct Confirm {
    /// The page's heading, e.g. "Hapus judul «Kancil»?".
    pub heading: String,
    /// One sentence on what happens.
    pub message: String,
    /// Further facts, one per list item (what goes with it, what stays).
    pub details: Vec<String>,
    /// The `POST` target that does it.
    pub action: String,
    /// The button's text, e.g. "Ya, hapus".
    pub button: String,
    /// Where "Batal" leads (the item's page).
    pub cancel: String,
    /// This page's own address (where a language switch returns).
    pub here: String,
}

impl Confirm {
    /// The confirmation of deleting the item whose page is `href`: the
    /// button posts to `{href}/delete`. When `refused` (something still uses
    /// the item), `message` says why and there is no button; `details` are
    /// shown either way (what goes with it, or what still uses it).
    pub fn delete(
        p: &Page,
        href: String,
        heading: String,
        message: String,
        details: Vec<String>,
        refused: bool,
    ) -> Self {
        let here = format!("{href}/delete");
        Self {
            heading,
            message,
            details,
            action: if refused { String::new() } else { here.clone() },
            button: if refused {
                String::new()
            } else {
                p.t("delete-button")
            },
            here,
            cancel: href,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/confirm.html")]
struct ConfirmPage {
    p: Page,
    c: Confirm,
}

/// Renders the confirmation page.
pub fn page(p: Page, c: Confirm) -> Response {
    render(&ConfirmPage { p, c })
}

/// The back office's own script (`GET /admin/keep.js`): the typing guard
/// described in its first lines. Served from the binary, cached for an hour.
pub async fn keep_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/admin/keep.js"),
    )
        .into_response()
}
