//! `/events.ics` and `/events/{id}.ics`, parsed with the `icalendar` crate's
//! parser and checked against RFC 5545's required properties. The same checks
//! run on a real published feed from the shared data (Indonesian holidays) so
//! that the checker itself is known to accept a calendar made by others.

use icalendar::parser::{Component, read_calendar, unfold};

use crate::helpers::spawn_app;

fn prop<'a>(c: &'a Component<'_>, name: &str) -> Option<&'a str> {
    c.find_prop(name).map(|p| p.val.as_str())
}

fn param<'a>(c: &'a Component<'_>, prop: &str, key: &str) -> Option<&'a str> {
    c.find_prop(prop)?
        .params
        .iter()
        .find(|p| p.key == key)
        .and_then(|p| p.val.as_ref().map(|v| v.as_str()))
}

fn is_utc_stamp(s: &str) -> bool {
    chrono::NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ").is_ok()
}

/// RFC 5545 §3.6 / §3.7: VERSION and PRODID on the calendar; UID and DTSTAMP
/// (UTC) on every VEVENT, UIDs unique; every TZID used is defined by a
/// VTIMEZONE. Returns the events.
fn check_rfc5545<'a>(
    props: &[icalendar::parser::Property<'_>],
    components: &'a [Component<'a>],
) -> Vec<&'a Component<'a>> {
    let cal_prop = |n: &str| props.iter().find(|p| p.name == n).map(|p| p.val.as_str());
    assert_eq!(cal_prop("VERSION"), Some("2.0"));
    assert!(cal_prop("PRODID").is_some_and(|p| !p.is_empty()));
    let events: Vec<_> = components.iter().filter(|c| c.name == "VEVENT").collect();
    let zones: Vec<&str> = components
        .iter()
        .filter(|c| c.name == "VTIMEZONE")
        .filter_map(|c| prop(c, "TZID"))
        .collect();
    let mut uids = Vec::new();
    for e in &events {
        let uid = prop(e, "UID").expect("UID on every VEVENT");
        assert!(!uid.is_empty());
        uids.push(uid);
        let stamp = prop(e, "DTSTAMP").expect("DTSTAMP on every VEVENT");
        assert!(is_utc_stamp(stamp), "DTSTAMP {stamp} is not UTC date-time");
        assert!(prop(e, "DTSTART").is_some());
        for p in ["DTSTART", "DTEND"] {
            if let Some(tz) = param(e, p, "TZID") {
                assert!(zones.contains(&tz), "{p};TZID={tz} has no VTIMEZONE");
            }
        }
    }
    let n = uids.len();
    uids.sort_unstable();
    uids.dedup();
    assert_eq!(uids.len(), n, "duplicate UIDs");
    events
}

#[tokio::test]
async fn feed_is_valid_icalendar_in_wib() {
    let app = spawn_app(true).await;
    crate::helpers::demo_events_upcoming(&app).await;
    let resp = app.get("/events.ics").await;
    assert_eq!(resp.status(), 200);
    let before = chrono::Utc::now() - chrono::Duration::minutes(1);
    let text = resp.text().await.unwrap();
    assert!(
        text.lines().all(|l| l.trim_end_matches('\r').len() <= 75),
        "line longer than 75 octets"
    );
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    let unfolded = unfold(&text);
    let cal = read_calendar(&unfolded).expect("parses");
    let events = check_rfc5545(&cal.properties, &cal.components);
    assert_eq!(events.len(), 2);
    let cal_prop = |n: &str| {
        cal.properties
            .iter()
            .find(|p| p.name == n)
            .map(|p| p.val.as_str())
    };
    assert!(cal_prop("PRODID").unwrap().contains("Pustaka AR"));
    assert_eq!(cal_prop("METHOD"), Some("PUBLISH"));

    // One VTIMEZONE: Asia/Jakarta, +07:00 all year, named WIB.
    let zones: Vec<_> = cal
        .components
        .iter()
        .filter(|c| c.name == "VTIMEZONE")
        .collect();
    assert_eq!(zones.len(), 1);
    assert_eq!(prop(zones[0], "TZID"), Some("Asia/Jakarta"));
    assert_eq!(zones[0].components.len(), 1);
    let std = &zones[0].components[0];
    assert_eq!(std.name, "STANDARD");
    assert_eq!(prop(std, "TZOFFSETFROM"), Some("+0700"));
    assert_eq!(prop(std, "TZOFFSETTO"), Some("+0700"));
    assert_eq!(prop(std, "TZNAME"), Some("WIB"));

    // The storytelling event: 09:00–10:30 WIB = 02:00–03:30 UTC.
    let story = events
        .iter()
        .find(|e| prop(e, "SUMMARY") == Some("Dongeng Sabtu Pagi"))
        .expect("demo event");
    assert_eq!(param(story, "DTSTART", "TZID"), Some("Asia/Jakarta"));
    let local =
        chrono::NaiveDateTime::parse_from_str(prop(story, "DTSTART").unwrap(), "%Y%m%dT%H%M%S")
            .unwrap();
    let utc = local - chrono::Duration::hours(7);
    assert_eq!(utc.to_string(), "2037-12-05 02:00:00");
    assert_eq!(prop(story, "DTEND"), Some("20371205T103000"));
    assert!(prop(story, "UID").unwrap().starts_with("event-"));
    assert!(prop(story, "LOCATION").unwrap().contains("Ruang Anak"));
    // DTSTAMP is when the feed was made (METHOD:PUBLISH), not the event's start.
    let stamp =
        chrono::NaiveDateTime::parse_from_str(prop(story, "DTSTAMP").unwrap(), "%Y%m%dT%H%M%SZ")
            .unwrap()
            .and_utc();
    assert!(stamp >= before && stamp <= chrono::Utc::now() + chrono::Duration::minutes(1));

    // UIDs are stable across requests (calendars update instead of duplicating).
    let again = app.get("/events.ics").await.text().await.unwrap();
    let again = unfold(&again);
    let again = read_calendar(&again).unwrap();
    let uids = |c: &[Component<'_>]| -> Vec<String> {
        c.iter()
            .filter_map(|e| prop(e, "UID").map(str::to_owned))
            .collect()
    };
    assert_eq!(uids(&cal.components), uids(&again.components));

    // English texts; the one-event file is a valid calendar too.
    let en = app.get("/events.ics?lang=en").await.text().await.unwrap();
    let en = unfold(&en);
    let en = read_calendar(&en).unwrap();
    assert!(
        check_rfc5545(&en.properties, &en.components)
            .iter()
            .any(|e| prop(e, "SUMMARY") == Some("Saturday Morning Storytelling"))
    );
    let one = app.get("/events/1.ics").await.text().await.unwrap();
    let one = unfold(&one);
    let one = read_calendar(&one).unwrap();
    assert_eq!(check_rfc5545(&one.properties, &one.components).len(), 1);
}

#[tokio::test]
async fn empty_feed_is_still_a_calendar() {
    let app = spawn_app(false).await;
    let text = app.get("/events.ics").await.text().await.unwrap();
    let unfolded = unfold(&text);
    let cal = read_calendar(&unfolded).expect("parses");
    assert!(check_rfc5545(&cal.properties, &cal.components).is_empty());
    // RFC 5545 wants at least one component: the VTIMEZONE.
    assert_eq!(cal.components.len(), 1);
}

#[test]
fn checker_accepts_a_real_published_feed() {
    let Some(path) = pustaka_test_support::data_path(
        "events/indonesia_libur_nasional_cuti_bersama_2025_2026.ics",
    ) else {
        return;
    };
    let text = std::fs::read_to_string(path).unwrap();
    let unfolded = unfold(&text);
    let cal = read_calendar(&unfolded).expect("reference parses");
    assert_eq!(check_rfc5545(&cal.properties, &cal.components).len(), 50);
}

#[tokio::test]
async fn events_carry_their_page_and_android_gets_google_and_webcal_links() {
    let app = spawn_app(true).await;
    crate::helpers::demo_events_upcoming(&app).await;
    // The event with a code: its .ics URL is the event's web page.
    let (id, code): (i64, String) = sqlx::query_as(
        "SELECT target_id, code FROM markers WHERE target_kind = 'event' AND active = 1
          ORDER BY code LIMIT 1",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    let one = app
        .get(&format!("/events/{id}.ics"))
        .await
        .text()
        .await
        .unwrap();
    let one = unfold(&one);
    let one = read_calendar(&one).unwrap();
    let events = check_rfc5545(&one.properties, &one.components);
    let page = format!("{}/m/{code}", app.base);
    assert_eq!(prop(events[0], "URL"), Some(page.as_str()));

    // Its page offers Google Calendar with the times in UTC and the page.
    let html = app.get(&format!("/m/{code}")).await.text().await.unwrap();
    let doc = scraper::Html::parse_document(&html);
    let links: Vec<String> = doc
        .select(&scraper::Selector::parse("a[href]").unwrap())
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .collect();
    let google = links
        .iter()
        .find(|h| h.starts_with("https://calendar.google.com/calendar/render?"))
        .expect("an add-to-Google-Calendar link");
    let query: std::collections::HashMap<String, String> = url::Url::parse(google)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(query["action"], "TEMPLATE");
    assert_eq!(query["ctz"], "Asia/Jakarta");
    assert!(query["details"].contains(&page), "{query:?}");
    let row: (String, String) =
        sqlx::query_as("SELECT starts_at, ends_at FROM events WHERE id = ?")
            .bind(id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let utc = |t: &str| {
        chrono::DateTime::parse_from_rfc3339(t)
            .unwrap()
            .with_timezone(&chrono::Utc)
            .format("%Y%m%dT%H%M%SZ")
            .to_string()
    };
    assert_eq!(query["dates"], format!("{}/{}", utc(&row.0), utc(&row.1)));

    // The landing page: a webcal:// subscription and Google's "from URL" one.
    let home = app.get("/").await.text().await.unwrap();
    let feed = format!(
        "{}/events.ics?lang=id",
        app.base.trim_start_matches("http://")
    );
    assert!(
        home.contains(&format!("href=\"webcal://{feed}\"")),
        "webcal link"
    );
    assert!(
        home.contains("https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2F"),
        "Google subscription link"
    );
}
