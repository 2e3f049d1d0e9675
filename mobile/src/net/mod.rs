//! The resolver: asks the content server what each library code stands for.
//!
//! reqwest needs a tokio reactor, which Bevy's task pools are not, so this
//! module owns one small runtime for the whole app ([`runtime`](crate::net::runtime): tokio on
//! native targets, the page's event loop in the browser) and talks to it
//! through channels (the reqwest maintainers' advice for non-tokio hosts).
//!
//! Each request revalidates the disk cache with `If-None-Match`, retries
//! network failures and 5xx answers with exponential backoff, and falls back to
//! the cached overlay when the server cannot be reached (offline mode).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use bevy::platform::time::Instant;
use bevy::prelude::*;
use crossbeam_channel::{Receiver, Sender, unbounded};
use pustaka_api::{ApiErrorBody, ErrorCode, Lang, MarkerOverlay};
use pustaka_markers::payload::ScannedContent;
use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_NONE_MATCH};

use crate::config::NetTimeouts;
use crate::i18n::Locale;
use crate::scan::tracking::TrackedCodes;
use crate::{AppConfig, AppSystems};

pub mod cache;
pub mod media;
pub mod runtime;
pub mod scans;

use cache::{CachedOverlay, OverlayCache};

/// Attempts per resolve before falling back to the cache.
pub const MAX_ATTEMPTS: u32 = 3;

/// Header a cache between the app and the server adds to an answer that is
/// its saved copy, not the server's (the browser build's service worker,
/// `mobile/web/static/sw.js`, when the server cannot be reached): the app
/// shows it as [`Resolution::Offline`], with the offline banner.
pub const SAVED_COPY_HEADER: &str = "x-pustaka-saved-copy";

/// What the app knows about one code.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// Asked, no answer yet.
    Pending,
    /// Asked, no answer yet; meanwhile this is the copy saved on this device,
    /// shown at once so that a slow network does not hold the card back.
    Cached(MarkerOverlay),
    /// The server's current overlay for it.
    Ready(MarkerOverlay),
    /// The server could not be reached; this is the overlay cached earlier.
    Offline(MarkerOverlay),
    /// The server does not know the code, or it is inactive (its 404
    /// `marker_not_found`; any other 404 is not about the code).
    NotFound,
    /// The server could not be reached or failed, and nothing is cached; retried later.
    Failed(String),
}

impl Resolution {
    /// The overlay to show, fresh or cached.
    pub fn overlay(&self) -> Option<&MarkerOverlay> {
        match self {
            Resolution::Ready(o) | Resolution::Offline(o) | Resolution::Cached(o) => Some(o),
            _ => None,
        }
    }
}

/// Resolutions by canonical marker code.
#[derive(Resource, Debug, Default)]
pub struct Resolutions(pub HashMap<String, Resolution>);

/// Whether the last answer came from the network (drives the offline banner).
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct NetStatus {
    /// True after a request failed to reach the server, until one succeeds.
    pub offline: bool,
}

/// When each code was last asked for.
#[derive(Resource, Debug, Default)]
struct AskedAt(HashMap<String, Instant>);

/// Codes (in a language) whose resolve has not finished: never asked twice at
/// once, however long a stalled server takes.
#[derive(Resource, Debug, Default)]
struct InFlight(HashSet<(String, Lang)>);

/// The net plugin's runtime, client, cache and channels.
#[derive(Resource)]
pub struct Net {
    runtime: runtime::Runtime,
    client: reqwest::Client,
    cache: Option<OverlayCache>,
    timeouts: NetTimeouts,
    tx: Sender<Answer>,
    rx: Receiver<Answer>,
}

/// One resolve's answer: the code, the result, and whether the server was
/// reached. A [`Resolution::Cached`] answer comes first when a saved copy
/// exists, before the server's; it says nothing about the network.
#[derive(Debug)]
struct Answer {
    code: String,
    /// The language asked for; answers in another language than the
    /// visitor's current one are dropped.
    lang: Lang,
    resolution: Resolution,
    reached_server: bool,
}

impl Net {
    /// Starts the runtime (one worker thread) and the HTTP client with
    /// `timeouts`; `cache_dir` enables the disk cache capped at `cache_max_bytes`.
    ///
    /// # Errors
    /// When the runtime or the TLS client cannot be built.
    pub fn new(
        cache_dir: Option<PathBuf>,
        cache_max_bytes: u64,
        timeouts: NetTimeouts,
    ) -> anyhow::Result<Self> {
        // reqwest is built without a bundled crypto provider; use ring's on
        // desktop (phone shells install their own before starting the app).
        #[cfg(any(target_os = "linux", target_os = "windows", target_os = "macos"))]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = runtime::Runtime::new()?;
        let client = http_client(&timeouts)?;
        let cache = cache_dir.map(|d| OverlayCache::new(&d, cache_max_bytes));
        let (tx, rx) = unbounded();
        Ok(Self {
            runtime,
            client,
            cache,
            timeouts,
            tx,
            rx,
        })
    }

    /// Starts resolving `code` in `lang` against `server_url`; the answer arrives
    /// through `collect_resolutions`.
    pub fn resolve(&self, server_url: &str, code: &str, lang: Lang) {
        let url = format!(
            "{server_url}{}/markers/{code}?lang={}",
            pustaka_api::API_PREFIX,
            lang.tag()
        );
        let client = self.client.clone();
        let cache = self.cache.clone();
        let tx = self.tx.clone();
        let code = code.to_string();
        let timeouts = self.timeouts;
        self.runtime.spawn(async move {
            if let Some(saved) = cache.as_ref().and_then(|c| saved_copy(c, &code, lang)) {
                let _ = tx.send(Answer {
                    code: code.clone(),
                    lang,
                    resolution: Resolution::Cached(saved.overlay),
                    reached_server: true,
                });
            }
            let (resolution, reached_server) =
                resolve_with_cache(&client, &timeouts, cache.as_ref(), &code, lang, &url).await;
            let _ = tx.send(Answer {
                code,
                lang,
                resolution,
                reached_server,
            });
        });
    }

    /// Runs a future on the net runtime (used by the scan-event sender).
    pub fn spawn<F: Future<Output = ()> + runtime::MaybeSend + 'static>(&self, fut: F) {
        self.runtime.spawn(fut);
    }

    /// The shared HTTP client.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The timeouts the client and the retries use.
    pub fn timeouts(&self) -> &NetTimeouts {
        &self.timeouts
    }
}

/// The app's HTTP client: the connect, read and request `timeouts` and a
/// `pustaka-ar/{version}` user agent. Needs a rustls crypto provider
/// installed first (see [`Net::new`]).
///
/// # Errors
/// When the TLS backend cannot be set up.
///
/// In the browser, `fetch` sets the user agent and has no connect or read
/// timeout of its own: each request carries [`NetTimeouts::request`] instead
/// (see `attempt`).
pub fn http_client(timeouts: &NetTimeouts) -> reqwest::Result<reqwest::Client> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .read_timeout(timeouts.read)
            .timeout(timeouts.request)
            .user_agent(concat!("pustaka-ar/", env!("CARGO_PKG_VERSION")))
            .build()
    }
    #[cfg(target_arch = "wasm32")]
    {
        let _ = timeouts;
        reqwest::Client::builder().build()
    }
}

/// The outcome of one HTTP attempt.
enum Attempt {
    Fresh(Option<String>, Box<MarkerOverlay>),
    /// A copy saved by a cache in between ([`SAVED_COPY_HEADER`]): the
    /// server was not reached.
    Saved(Box<MarkerOverlay>),
    NotModified,
    NotFound,
    /// Worth retrying: network error, 5xx, 408 or 429.
    Transient(String),
    /// No answer within the timeouts (a stalled link): retried with the
    /// next ask of the code ([`NetTimeouts::retry_failed_after`]), not at once, so the
    /// visitor hears "cannot connect" after one timeout instead of three.
    TimedOut(String),
    /// Not worth retrying: another 4xx, or a body that is not an overlay (a
    /// Wi-Fi login page or a proxy's error page answering in the server's place).
    Permanent(String),
}

async fn attempt(
    client: &reqwest::Client,
    timeouts: &NetTimeouts,
    url: &str,
    etag: Option<&str>,
) -> Attempt {
    let mut req = client.get(url);
    if cfg!(target_arch = "wasm32") {
        req = req.timeout(timeouts.request);
    }
    if let Some(etag) = etag {
        req = req.header(IF_NONE_MATCH, etag);
    }
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) if e.is_timeout() => return Attempt::TimedOut(e.to_string()),
        Err(e) => return Attempt::Transient(e.to_string()),
    };
    match resp.status() {
        StatusCode::NOT_MODIFIED => Attempt::NotModified,
        // Only the server's own "marker not found" forgets a code: a 404 from
        // anything else (a proxy, another web server at the --server address,
        // an older or newer server without this route) says nothing about it.
        StatusCode::NOT_FOUND => match resp.json::<ApiErrorBody>().await {
            Ok(body) if body.error.code == ErrorCode::MarkerNotFound => Attempt::NotFound,
            Ok(body) => Attempt::Permanent(format!(
                "server answered 404 {:?}: {}",
                body.error.code, body.error.message
            )),
            Err(_) => Attempt::Permanent(
                "404 that is not a Pustaka server's answer (wrong --server, or a proxy)".into(),
            ),
        },
        s if s.is_success() && resp.headers().contains_key(SAVED_COPY_HEADER) => {
            match resp.json::<MarkerOverlay>().await {
                Ok(o) => Attempt::Saved(Box::new(o)),
                Err(e) => Attempt::Permanent(format!("bad saved copy: {e}")),
            }
        }
        s if s.is_success() => {
            let etag = resp
                .headers()
                .get(ETAG)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            match resp.json::<MarkerOverlay>().await {
                Ok(o) => Attempt::Fresh(etag, Box::new(o)),
                Err(e) if e.is_timeout() => Attempt::TimedOut(e.to_string()),
                Err(e) => Attempt::Permanent(format!("bad answer: {e}")),
            }
        }
        s if s.is_server_error()
            || s == StatusCode::REQUEST_TIMEOUT
            || s == StatusCode::TOO_MANY_REQUESTS =>
        {
            Attempt::Transient(format!("server answered {s}"))
        }
        s => Attempt::Permanent(format!("server answered {s}")),
    }
}

/// Resolves one code: revalidates the cached copy, retries transient failures
/// with backoff (up to [`MAX_ATTEMPTS`]; a timeout ends the attempts, since a
/// stalled link rarely recovers within seconds), and falls back to the cache
/// when the server stays unreachable or something else answers in its place
/// (a captive portal's login page, a proxy's 403, another server's 404). Returns the resolution and whether the server answered at all
/// (`false` for those stand-ins too, so the offline banner shows).
/// `timeouts` must be the ones `client` was made with ([`http_client`]).
pub async fn resolve_with_cache(
    client: &reqwest::Client,
    timeouts: &NetTimeouts,
    cache: Option<&OverlayCache>,
    code: &str,
    lang: Lang,
    url: &str,
) -> (Resolution, bool) {
    let cached = cache.and_then(|c| c.get(code, lang));
    let etag = cached.as_ref().and_then(|c| c.etag.as_deref());
    let mut last_error = String::new();
    for n in 0..MAX_ATTEMPTS {
        if n > 0 {
            runtime::sleep(timeouts.retry_backoff * 2u32.pow(n - 1)).await;
        }
        match attempt(client, timeouts, url, etag).await {
            Attempt::Fresh(etag, overlay) => {
                if let Some(c) = cache
                    && let Err(e) = c.put(
                        code,
                        lang,
                        &CachedOverlay {
                            etag,
                            overlay: (*overlay).clone(),
                        },
                    )
                {
                    warn!(marker.code = %code, error = %e, "cannot cache overlay");
                }
                return (Resolution::Ready(*overlay), true);
            }
            Attempt::Saved(overlay) => {
                return (Resolution::Offline(*overlay), false);
            }
            Attempt::NotModified => {
                return match cached {
                    Some(c) => (Resolution::Ready(c.overlay), true),
                    None => (Resolution::Failed("304 without a cached copy".into()), true),
                };
            }
            Attempt::NotFound => {
                if let Some(c) = cache {
                    c.remove(code, lang);
                }
                return (Resolution::NotFound, true);
            }
            Attempt::Permanent(e) => {
                return match or_other_lang(cached, cache, code, lang) {
                    Some(c) => {
                        warn!(marker.code = %code, error = %e, "showing the cached copy");
                        (Resolution::Offline(c.overlay), false)
                    }
                    None => (Resolution::Failed(e), true),
                };
            }
            Attempt::Transient(e) => last_error = e,
            Attempt::TimedOut(e) => {
                last_error = e;
                break;
            }
        }
    }
    match or_other_lang(cached, cache, code, lang) {
        Some(c) => {
            warn!(marker.code = %code, error = %last_error, "server unreachable, showing the saved copy");
            (Resolution::Offline(c.overlay), false)
        }
        None => (Resolution::Failed(last_error), false),
    }
}

/// The saved copy of `code` to show while the server is asked or cannot
/// answer: the one in `lang`, else the one in the other language (content
/// in Bahasa Indonesia beats an empty card for a visitor who chose English
/// while offline; the server falls back the same way).
fn saved_copy(cache: &OverlayCache, code: &str, lang: Lang) -> Option<CachedOverlay> {
    or_other_lang(cache.get(code, lang), Some(cache), code, lang)
}

/// `in_lang` (the saved copy in `lang`, already read), else the saved copy
/// in the other language.
fn or_other_lang(
    in_lang: Option<CachedOverlay>,
    cache: Option<&OverlayCache>,
    code: &str,
    lang: Lang,
) -> Option<CachedOverlay> {
    in_lang.or_else(|| cache?.get(code, lang.other()))
}

/// Fetches one overlay without cache or retries (tests and tools), with the
/// default [`NetTimeouts`] in the browser.
pub async fn fetch_overlay(client: &reqwest::Client, url: &str) -> Resolution {
    match attempt(client, &NetTimeouts::default(), url, None).await {
        Attempt::Fresh(_, o) => Resolution::Ready(*o),
        Attempt::Saved(o) => Resolution::Offline(*o),
        Attempt::NotFound => Resolution::NotFound,
        Attempt::NotModified => Resolution::Failed("unexpected 304".into()),
        Attempt::Transient(e) | Attempt::TimedOut(e) | Attempt::Permanent(e) => {
            Resolution::Failed(e)
        }
    }
}

/// The net plugin. Without a working runtime the app still runs, showing codes unresolved.
pub fn plugin(app: &mut App) {
    let (cache_dir, cache_max, timeouts) = app
        .world()
        .get_resource::<AppConfig>()
        .map(|c| (c.cache_dir.clone(), c.cache_max_bytes, c.timeouts))
        .unwrap_or_default();
    match Net::new(cache_dir, cache_max, timeouts) {
        Ok(net) => {
            app.insert_resource(net);
        }
        Err(e) => error!(error = %e, "network disabled"),
    }
    app.add_plugins((scans::plugin, media::plugin));
    app.init_resource::<Resolutions>()
        .init_resource::<NetStatus>()
        .init_resource::<AskedAt>()
        .init_resource::<InFlight>()
        .add_systems(
            Update,
            (request_resolutions, collect_resolutions)
                .chain()
                .in_set(AppSystems::Resolve),
        );
}

/// Asks for every library code in view (the scan stage's [`TrackedCodes`])
/// that is new, due for a retry or a revalidation; after a language switch,
/// for every code known.
fn request_resolutions(
    tracked: Res<TrackedCodes>,
    net: Option<Res<Net>>,
    config: Res<AppConfig>,
    mut resolutions: ResMut<Resolutions>,
    mut asked: ResMut<AskedAt>,
    mut in_flight: ResMut<InFlight>,
    locale: Res<Locale>,
    mut last_lang: Local<Option<Lang>>,
) {
    let Some(net) = net else { return };
    let switched = *last_lang != Some(locale.lang);
    if switched {
        // The visitor switched language: everything is asked again in the
        // new one. What shows stays until its answer arrives, so an open
        // panel keeps its cover and its trailer keeps playing.
        *last_lang = Some(locale.lang);
        asked.0.clear();
    } else if !tracked.is_changed() {
        return;
    }
    let mut codes: Vec<String> = tracked
        .codes
        .iter()
        .filter(|seen| seen.visible)
        .filter_map(|seen| match &seen.content {
            ScannedContent::Library { code, .. } => Some(code.as_str().to_string()),
            _ => None,
        })
        .collect();
    if switched {
        // Codes out of view too: an open panel's code may be one of them.
        let known: Vec<String> = resolutions
            .0
            .keys()
            .filter(|k| !codes.contains(k))
            .cloned()
            .collect();
        codes.extend(known);
    }
    let now = Instant::now();
    for code in &codes {
        let code = code.as_str();
        if in_flight.0.contains(&(code.to_string(), locale.lang)) {
            continue;
        }
        let due = match (resolutions.0.get(code), asked.0.get(code)) {
            (None, _) | (Some(_), None) => true,
            (Some(Resolution::Pending | Resolution::Cached(_)), _) => false,
            (Some(Resolution::Failed(_) | Resolution::Offline(_)), Some(t)) => {
                now - *t >= config.timeouts.retry_failed_after
            }
            (Some(_), Some(t)) => now - *t >= config.timeouts.revalidate_after,
        };
        if due {
            asked.0.insert(code.to_string(), now);
            in_flight.0.insert((code.to_string(), locale.lang));
            // Keep showing what we have while revalidating.
            resolutions
                .0
                .entry(code.to_string())
                .or_insert(Resolution::Pending);
            net.resolve(&config.server_url, code, locale.lang);
        }
    }
}

/// Moves finished answers from the runtime into [`Resolutions`] and [`NetStatus`].
fn collect_resolutions(
    net: Option<Res<Net>>,
    mut resolutions: ResMut<Resolutions>,
    mut status: ResMut<NetStatus>,
    mut in_flight: ResMut<InFlight>,
    locale: Res<Locale>,
) {
    let Some(net) = net else { return };
    while let Ok(answer) = net.rx.try_recv() {
        let cached = matches!(answer.resolution, Resolution::Cached(_));
        if !cached {
            in_flight.0.remove(&(answer.code.clone(), answer.lang));
        }
        if answer.lang != locale.lang {
            // Asked before the visitor switched language.
            continue;
        }
        if let Resolution::Failed(e) = &answer.resolution {
            warn!(marker.code = %answer.code, error = %e, "resolve failed");
        }
        if cached {
            // Only fills the wait for a first answer; a card already showing
            // the server's copy keeps it while that is revalidated.
            if let Some(r @ Resolution::Pending) = resolutions.0.get_mut(&answer.code) {
                *r = answer.resolution;
            }
            continue;
        }
        status.set_if_neq(NetStatus {
            offline: !answer.reached_server,
        });
        resolutions.0.insert(answer.code, answer.resolution);
    }
}
