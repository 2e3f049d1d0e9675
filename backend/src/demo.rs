//! The demo library seeded by `serve --demo`: folk-tale titles with synopses in
//! Bahasa Indonesia and English, generated covers, a shelf that features them,
//! events in WIB, a three-stop reading tour, and a marker for each. Written by
//! us so it ships with the project; needs no network.
//!
//! The first title also gets a trailer: a few seconds of a title card made by
//! ffmpeg from the title's generated cover and its name (set in the project's
//! own Atkinson Hyperlegible font, SIL OFL), then run through the normal video
//! ingest (H.264 MP4 faststart, poster, duration). Without ffmpeg the seed
//! still succeeds: it logs a warning and the title has no trailer.

use std::ffi::OsString;
use std::io::Cursor;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use image::{ImageFormat, Rgb, RgbImage};
use pustaka_api::MediaKind;
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::media::ingest::{IngestError, StoredAsset, ingest};
use crate::media::store::BlobStore;

/// Marker codes of the demo library, in seed order (the demo scene prints these).
pub const DEMO_CODES: [&str; 4] = ["BK0001", "BK0002", "RK0001", "EV0001"];

/// Further demo markers: two more books, a second event, and the tour's stops.
pub const DEMO_EXTRA_CODES: [&str; 6] =
    ["BK0003", "BK0004", "EV0002", "TR0001", "TR0002", "TR0003"];

/// Marker code of the demo title that gets the generated trailer.
pub const TRAILER_CODE: &str = "BK0001";

/// Length of the generated trailer in seconds: long enough to show the title
/// card, short enough that seeding stays quick (it is encoded twice).
pub const TRAILER_SECS: u32 = 4;

/// Frame size of the generated trailer in pixels: the covers' 2:3, small,
/// because it is a title card (the ingest keeps it, being under 1280 wide).
const TRAILER_W: u32 = 360;
const TRAILER_H: u32 = 540;

/// Frames per second of the generated trailer.
const TRAILER_FPS: u32 = 24;

/// The title-card font: Atkinson Hyperlegible Bold, SIL Open Font License
/// (`assets/fonts/OFL-AtkinsonHyperlegible.txt`), shipped with the project.
const TRAILER_FONT: &[u8] = include_bytes!("../../assets/fonts/AtkinsonHyperlegible-Bold.ttf");

/// Options of [`seed_once_with`].
#[derive(Debug, Clone)]
pub struct SeedOptions {
    /// The ffmpeg program used to make the trailer (`ffmpeg` on `PATH` by
    /// default). When it cannot run, the demo is seeded without a trailer.
    pub ffmpeg: OsString,
    /// Whether to make the trailer at all (`serve --no-demo-trailer` turns it off).
    pub trailer: bool,
}

impl Default for SeedOptions {
    fn default() -> Self {
        Self {
            ffmpeg: "ffmpeg".into(),
            trailer: true,
        }
    }
}

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// Writing the database failed (nothing of the content was written).
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    /// Storing a generated picture failed.
    #[error(transparent)]
    Media(#[from] IngestError),
}

struct DemoTitle {
    code: &'static str,
    isbn13: &'static str,
    title: &'static str,
    author: &'static str,
    call_number: &'static str,
    synopsis_id: &'static str,
    synopsis_en: &'static str,
    subjects: &'static [&'static str],
    colours: ([u8; 3], [u8; 3]),
}

const TITLES: [DemoTitle; 4] = [
    DemoTitle {
        code: "BK0001",
        isbn13: "9786020000011",
        title: "Si Kancil dan Buaya",
        author: "Cerita Rakyat Nusantara",
        call_number: "398.2 KAN s",
        synopsis_id: "Kancil yang cerdik ingin menyeberangi sungai yang penuh buaya. Dengan akal, ia menghitung para buaya sambil melompat di punggung mereka sampai tiba di seberang.",
        synopsis_en: "Clever Mouse-deer wants to cross a river full of crocodiles. With a trick, he counts the crocodiles while hopping across their backs to the other side.",
        subjects: &["Cerita rakyat -- Indonesia", "Fabel"],
        colours: ([34, 120, 74], [240, 200, 80]),
    },
    DemoTitle {
        code: "BK0002",
        isbn13: "9786020000028",
        title: "Malin Kundang",
        author: "Cerita Rakyat Sumatra Barat",
        call_number: "398.2 MAL m",
        synopsis_id: "Malin merantau dan menjadi kaya, lalu malu mengakui ibunya yang miskin. Kisah tentang rasa hormat kepada orang tua.",
        synopsis_en: "Malin sails away and grows rich, then is ashamed of his poor mother. A tale about respecting one's parents.",
        subjects: &["Cerita rakyat -- Sumatra Barat"],
        colours: ([20, 70, 140], [230, 230, 240]),
    },
    DemoTitle {
        code: "BK0003",
        isbn13: "9786020000035",
        title: "Timun Mas",
        author: "Cerita Rakyat Jawa Tengah",
        call_number: "398.2 TIM t",
        synopsis_id: "Seorang anak perempuan yang lahir dari biji timun emas dikejar raksasa. Dengan garam, terasi, jarum dan biji mentimun dari seorang pertapa, ia berusaha menyelamatkan diri.",
        synopsis_en: "A girl born from a golden cucumber seed is chased by a giant. With salt, shrimp paste, needles and cucumber seeds from a hermit, she tries to escape.",
        subjects: &["Cerita rakyat -- Jawa Tengah"],
        colours: ([180, 120, 20], [250, 240, 190]),
    },
    DemoTitle {
        code: "BK0004",
        isbn13: "9786020000042",
        title: "Asal Mula Danau Toba",
        author: "Cerita Rakyat Sumatra Utara",
        call_number: "398.2 ASA a",
        synopsis_id: "Seorang petani menikahi putri ikan dengan satu janji: tidak pernah menyebut asal-usulnya. Ketika janji itu dilanggar, air meluap dan menjadi danau besar.",
        synopsis_en: "A farmer marries a fish princess on one promise: never to speak of where she came from. When the promise is broken, water wells up and becomes a great lake.",
        subjects: &["Cerita rakyat -- Sumatra Utara", "Danau Toba"],
        colours: ([10, 90, 110], [160, 220, 230]),
    },
];

/// A 600×900 (2:3) cover: two colour bands and a stripe pattern, so each demo
/// title has a recognisable picture without shipping image files.
fn cover_png(top: [u8; 3], bottom: [u8; 3]) -> Vec<u8> {
    const W: u32 = 600;
    const H: u32 = 900;
    let img = RgbImage::from_fn(W, H, |x, y| {
        let t = y as f32 / H as f32;
        let mix = |a: u8, b: u8| (a as f32 * (1.0 - t) + b as f32 * t) as u8;
        let stripe = ((x / 40 + y / 40) % 2 == 0) && (H / 3..H / 3 + 120).contains(&y);
        if stripe {
            Rgb([255, 255, 255])
        } else {
            Rgb([
                mix(top[0], bottom[0]),
                mix(top[1], bottom[1]),
                mix(top[2], bottom[2]),
            ])
        }
    });
    let mut buf = Cursor::new(Vec::new());
    // Encoding an in-memory RGB image as PNG cannot fail short of OOM.
    let _ = img.write_to(&mut buf, ImageFormat::Png);
    buf.into_inner()
}

/// Gives a demo file a readable name in the media library (what the picker
/// and the library show), unless a librarian named it already.
async fn name_asset(
    tx: &mut Transaction<'_, Sqlite>,
    sha: &str,
    label: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE media_assets SET label = ? WHERE sha256 = ? AND label IS NULL")
        .bind(label)
        .bind(sha)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn attach(
    tx: &mut Transaction<'_, Sqlite>,
    kind: &str,
    id: i64,
    role: &str,
    sha: &str,
    alt: (&str, &str),
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO content_media (target_kind, target_id, role, sha256, alt_id, alt_en)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(kind)
    .bind(id)
    .bind(role)
    .bind(sha)
    .bind(alt.0)
    .bind(alt.1)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn marker(
    tx: &mut Transaction<'_, Sqlite>,
    code: &str,
    kind: &str,
    id: i64,
    label: &str,
    placement: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO markers (code, target_kind, target_id, label, size_m, placement)
         VALUES (?, ?, ?, ?, 0.05, ?)",
    )
    .bind(code)
    .bind(kind)
    .bind(id)
    .bind(label)
    .bind(placement)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Makes the trailer's source clip in `dir`: the cover, slowly zooming, with
/// the title and a tagline on a dark band, fading in and out, over a soft
/// two-note chime (so the clip has an audio track like a real trailer).
/// Returns the MP4 bytes (the ingest re-encodes them).
///
/// The text is drawn with ffmpeg's `drawtext`; an ffmpeg built without
/// freetype gets a second try without the text.
///
/// # Errors
/// A message when ffmpeg cannot run or fails.
fn trailer_clip(
    ffmpeg: &OsString,
    dir: &Path,
    cover_png: &[u8],
    title: &str,
    tagline: &str,
) -> Result<Vec<u8>, String> {
    let io = |e: std::io::Error| format!("cannot prepare the trailer: {e}");
    std::fs::write(dir.join("cover.png"), cover_png).map_err(io)?;
    std::fs::write(dir.join("font.ttf"), TRAILER_FONT).map_err(io)?;
    std::fs::write(dir.join("title.txt"), title).map_err(io)?;
    std::fs::write(dir.join("tagline.txt"), tagline).map_err(io)?;
    let (w, h, fps, secs) = (TRAILER_W, TRAILER_H, TRAILER_FPS, TRAILER_SECS);
    let frames = fps * secs;
    // Paths in the filter are relative (ffmpeg runs in `dir`), so no escaping.
    let picture = format!(
        "[0:v]scale={w}:{h},zoompan=z='1+0.12*on/{frames}':x='iw/2-iw/zoom/2':\
         y='ih/2-ih/zoom/2':d=1:s={w}x{h}:fps={fps}"
    );
    let text = "drawtext=fontfile=font.ttf:textfile=title.txt:expansion=none:fontsize=30:\
         fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=12:x=(w-tw)/2:y=h*0.62,\
         drawtext=fontfile=font.ttf:textfile=tagline.txt:expansion=none:fontsize=16:\
         fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=8:x=(w-tw)/2:y=h*0.62+52";
    let ending = format!(
        "fade=t=in:st=0:d=0.5,fade=t=out:st={}:d=0.5,format=yuv420p[v]",
        f64::from(secs) - 0.5
    );
    // C5 and E5 alternating every half second, each note decaying.
    let chime = format!(
        "aevalsrc=0.08*sin(2*PI*if(lt(mod(t\\,1)\\,0.5)\\,523.25\\,659.25)*t)\
         *exp(-4*mod(t\\,0.5)):s=44100:d={secs}"
    );
    let run = |filter: String| -> Result<(), String> {
        let out = Command::new(ffmpeg)
            .current_dir(dir)
            .args(["-nostdin", "-v", "error", "-y", "-loop", "1", "-framerate"])
            .arg(fps.to_string())
            .args([
                "-t",
                &secs.to_string(),
                "-i",
                "cover.png",
                "-f",
                "lavfi",
                "-i",
            ])
            .arg(&chime)
            .args(["-filter_complex", &filter, "-map", "[v]", "-map", "1:a"])
            .args(["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"])
            .args(["-t", &secs.to_string(), "trailer.mp4"])
            .output()
            .map_err(|e| format!("cannot run {ffmpeg:?}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            Err(format!(
                "{ffmpeg:?} failed: {}",
                err.lines().last().unwrap_or("")
            ))
        }
    };
    if let Err(e) = run(format!("{picture},{text},{ending}")) {
        tracing::debug!(error = %e, "trailer with text failed; trying without drawtext");
        run(format!("{picture},{ending}"))?;
    }
    std::fs::read(dir.join("trailer.mp4")).map_err(io)
}

/// Makes and ingests the demo trailer; `None` (with a warning) when ffmpeg is
/// missing or anything fails, since the demo is complete without it.
async fn demo_trailer(
    pool: &SqlitePool,
    store: Arc<dyn BlobStore>,
    options: &SeedOptions,
    t: &DemoTitle,
) -> Option<StoredAsset> {
    let ffmpeg = options.ffmpeg.clone();
    let cover = cover_png(t.colours.0, t.colours.1);
    let title = t.title.to_owned();
    let clip = tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().map_err(|e| format!("no temp dir: {e}"))?;
        trailer_clip(
            &ffmpeg,
            dir.path(),
            &cover,
            &title,
            "Cuplikan · Perpustakaan Kota Metro",
        )
    })
    .await
    .map_err(|e| format!("trailer task failed: {e}"))
    .and_then(|r| r);
    let result = match clip {
        Ok(bytes) => ingest(pool, store, bytes, MediaKind::Video)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    match result {
        Ok(asset) => Some(asset),
        Err(e) => {
            tracing::warn!(
                error = %e,
                "demo seeded without a trailer (install ffmpeg for one)"
            );
            None
        }
    }
}

/// Seeds the demo library unless markers already exist, with the default
/// [`SeedOptions`]. Returns whether it seeded.
///
/// # Errors
/// See [`seed_once_with`].
pub async fn seed_once(pool: &SqlitePool, store: Arc<dyn BlobStore>) -> Result<bool, SeedError> {
    seed_once_with(pool, store, &SeedOptions::default()).await
}

/// Seeds the demo library unless markers already exist. Returns whether it seeded.
///
/// Pictures and the trailer are ingested first (each ingest is
/// all-or-nothing; a failed trailer is left out with a warning); the content
/// rows are then written in one transaction.
///
/// # Errors
/// Database or media errors; on error no content row is written.
pub async fn seed_once_with(
    pool: &SqlitePool,
    store: Arc<dyn BlobStore>,
    options: &SeedOptions,
) -> Result<bool, SeedError> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM markers")
        .fetch_one(pool)
        .await?;
    if n > 0 {
        return Ok(false);
    }
    let mut covers = Vec::new();
    for t in &TITLES {
        let a = ingest(
            pool,
            store.clone(),
            cover_png(t.colours.0, t.colours.1),
            MediaKind::Image,
        )
        .await?;
        covers.push(a.name.sha256().to_owned());
    }
    let poster = ingest(
        pool,
        store.clone(),
        cover_png([150, 30, 60], [250, 180, 120]),
        MediaKind::Image,
    )
    .await?;
    let badge = ingest(
        pool,
        store.clone(),
        cover_png([200, 160, 20], [120, 60, 10]),
        MediaKind::Image,
    )
    .await?;
    let trailer_title = TITLES
        .iter()
        .find(|t| t.code == TRAILER_CODE)
        .filter(|_| options.trailer);
    let trailer = match trailer_title {
        Some(t) => demo_trailer(pool, store.clone(), options, t).await,
        None => None,
    };

    let mut tx = pool.begin().await?;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM markers")
        .fetch_one(&mut *tx)
        .await?;
    if n > 0 {
        return Ok(false);
    }
    for (t, cover) in TITLES.iter().zip(&covers) {
        name_asset(&mut tx, cover, &format!("Sampul {}", t.title)).await?;
    }
    name_asset(&mut tx, poster.name.sha256(), "Poster Dongeng Sabtu Pagi").await?;
    name_asset(&mut tx, badge.name.sha256(), "Lencana tur Cerita Rakyat").await?;
    if let (Some(v), Some(t)) = (&trailer, trailer_title) {
        name_asset(&mut tx, v.name.sha256(), &format!("Cuplikan {}", t.title)).await?;
    }
    let mut title_ids = Vec::new();
    for (t, cover) in TITLES.iter().zip(&covers) {
        let subjects = serde_json::to_string(t.subjects).unwrap_or_else(|_| "[]".into());
        let id = sqlx::query(
            "INSERT INTO titles (isbn13, title, author, call_number, synopsis_id, synopsis_en,
                                 age_group, language, subjects, source)
             VALUES (?, ?, ?, ?, ?, ?, 'children', 'ind', ?, 'demo')",
        )
        .bind(t.isbn13)
        .bind(t.title)
        .bind(t.author)
        .bind(t.call_number)
        .bind(t.synopsis_id)
        .bind(t.synopsis_en)
        .bind(subjects)
        .execute(&mut *tx)
        .await?
        .last_insert_rowid();
        attach(
            &mut tx,
            "title",
            id,
            "cover",
            cover,
            (
                &format!("Sampul buku {}", t.title),
                &format!("Cover of {}", t.title),
            ),
        )
        .await?;
        if let Some(v) = trailer.as_ref().filter(|_| t.code == TRAILER_CODE) {
            attach(
                &mut tx,
                "title",
                id,
                "trailer",
                v.name.sha256(),
                (
                    &format!("Cuplikan video {}", t.title),
                    &format!("Trailer of {}", t.title),
                ),
            )
            .await?;
        }
        marker(
            &mut tx,
            t.code,
            "title",
            id,
            &format!("Buku: {}", t.title),
            "sampul belakang",
        )
        .await?;
        title_ids.push(id);
    }
    let shelf = sqlx::query(
        "INSERT INTO shelves (name_id, name_en, class_range, location, description_id, description_en)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind("Cerita Rakyat")
    .bind("Folk Tales")
    .bind("398")
    .bind("Lantai 1, Ruang Anak")
    .bind("Dongeng dan legenda dari seluruh Nusantara: kancil yang cerdik, anak yang durhaka, dan asal-usul danau serta gunung.")
    .bind("Tales and legends from across the archipelago: the clever mouse-deer, the ungrateful son, and how lakes and mountains came to be.")
    .execute(&mut *tx)
    .await?
    .last_insert_rowid();
    for (pos, id) in title_ids.iter().enumerate() {
        sqlx::query("INSERT INTO shelf_titles (shelf_id, title_id, position) VALUES (?, ?, ?)")
            .bind(shelf)
            .bind(id)
            .bind(pos as i64 + 1)
            .execute(&mut *tx)
            .await?;
    }
    marker(
        &mut tx,
        "RK0001",
        "shelf",
        shelf,
        "Rak Cerita Rakyat",
        "tiang rak, setinggi mata anak",
    )
    .await?;

    let events = [
        (
            "EV0001",
            "Dongeng Sabtu Pagi",
            "Saturday Morning Storytelling",
            "Mendongeng bersama pustakawan untuk anak usia 5–10 tahun.",
            "Storytelling with a librarian for children aged 5–10.",
            "2026-12-05T09:00:00+07:00",
            "2026-12-05T10:30:00+07:00",
            "Ruang Anak, Perpustakaan Kota Metro",
            (
                "Anak 5–10 tahun dan pendamping",
                "Children aged 5–10 with a grown-up",
            ),
        ),
        (
            "EV0002",
            "Lomba Mewarnai Tokoh Cerita Rakyat",
            "Folk-Tale Colouring Contest",
            "Warnai tokoh cerita rakyat favoritmu. Alat mewarnai disediakan; pemenang diumumkan pukul 11.30.",
            "Colour your favourite folk-tale character. Crayons provided; winners announced at 11:30.",
            "2026-12-12T09:00:00+07:00",
            "2026-12-12T12:00:00+07:00",
            "Aula Perpustakaan Kota Metro",
            ("Anak 4–12 tahun", "Children aged 4–12"),
        ),
    ];
    for (i, (code, t_id, t_en, d_id, d_en, starts, ends, place, aud)) in events.iter().enumerate() {
        let id = sqlx::query(
            "INSERT INTO events (title_id, title_en, description_id, description_en, starts_at,
                                 ends_at, place, audience_id, audience_en)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(t_id)
        .bind(t_en)
        .bind(d_id)
        .bind(d_en)
        .bind(starts)
        .bind(ends)
        .bind(place)
        .bind(aud.0)
        .bind(aud.1)
        .execute(&mut *tx)
        .await?
        .last_insert_rowid();
        if i == 0 {
            attach(
                &mut tx,
                "event",
                id,
                "poster",
                poster.name.sha256(),
                (
                    "Poster Dongeng Sabtu Pagi",
                    "Saturday Morning Storytelling poster",
                ),
            )
            .await?;
        }
        marker(
            &mut tx,
            code,
            "event",
            id,
            &format!("Poster {t_id}"),
            "papan pengumuman",
        )
        .await?;
    }

    let tour = sqlx::query(
        "INSERT INTO tours (name_id, name_en, description_id, description_en) VALUES (?, ?, ?, ?)",
    )
    .bind("Jejak Cerita Rakyat")
    .bind("Folk-Tale Trail")
    .bind("Ikuti petunjuk, temukan tiga kode di Ruang Anak, jawab pertanyaannya, dan kumpulkan lencana.")
    .bind("Follow the clues, find three codes in the Children's Room, answer the questions and collect badges.")
    .execute(&mut *tx)
    .await?
    .last_insert_rowid();
    type Choice = (&'static str, &'static str, bool, &'static str, &'static str);
    /// Marker code; clue, narration and question (id, en); choices; badge name (id, en).
    type DemoStop = (
        &'static str,
        [&'static str; 6],
        [Choice; 3],
        Option<(&'static str, &'static str)>,
    );
    let stops: [DemoStop; 3] = [
        (
            "TR0001",
            [
                "Cari rak tempat kancil dan buaya tinggal.",
                "Find the shelf where the mouse-deer and the crocodiles live.",
                "Cerita rakyat diberi nomor 398. Semua dongeng di rak ini berasal dari Nusantara.",
                "Folk tales are numbered 398. Every tale on this shelf comes from the archipelago.",
                "Nomor berapa yang dipakai untuk cerita rakyat?",
                "Which number is used for folk tales?",
            ],
            [
                (
                    "398",
                    "398",
                    true,
                    "Betul! 398 adalah cerita rakyat.",
                    "Right! 398 is folklore.",
                ),
                (
                    "500",
                    "500",
                    false,
                    "Belum tepat, 500 adalah ilmu pengetahuan alam.",
                    "Not quite, 500 is natural science.",
                ),
                (
                    "800",
                    "800",
                    false,
                    "Belum tepat, 800 adalah sastra.",
                    "Not quite, 800 is literature.",
                ),
            ],
            Some(("Penjelajah Rak", "Shelf Explorer")),
        ),
        (
            "TR0002",
            [
                "Temukan meja tempat pustakawan membaca dongeng setiap Sabtu.",
                "Find the table where the librarian reads stories every Saturday.",
                "Di sini anak-anak mendengarkan dongeng setiap Sabtu pagi pukul 09.00 WIB.",
                "Children listen to stories here every Saturday at 09:00 WIB.",
                "Kapan dongeng dibacakan?",
                "When are the stories read?",
            ],
            [
                (
                    "Sabtu pagi",
                    "Saturday morning",
                    true,
                    "Betul, sampai jumpa Sabtu!",
                    "Right, see you on Saturday!",
                ),
                (
                    "Senin sore",
                    "Monday afternoon",
                    false,
                    "Coba lihat poster acara.",
                    "Look at the event poster.",
                ),
                (
                    "Setiap malam",
                    "Every night",
                    false,
                    "Perpustakaan tutup pada malam hari.",
                    "The library is closed at night.",
                ),
            ],
            None,
        ),
        (
            "TR0003",
            [
                "Cari buku tentang danau terbesar di Sumatra.",
                "Look for the book about the largest lake in Sumatra.",
                "Danau Toba terbentuk dari letusan gunung api purba. Ceritanya berbeda, tetapi sama-sama menakjubkan.",
                "Lake Toba formed from an ancient volcanic eruption. The legend tells it differently, but both are amazing.",
                "Janji apa yang dilanggar dalam cerita ini?",
                "Which promise is broken in the story?",
            ],
            [
                (
                    "Tidak menyebut asal-usul istrinya",
                    "Never to speak of his wife's origin",
                    true,
                    "Tepat sekali!",
                    "Exactly!",
                ),
                (
                    "Tidak memancing lagi",
                    "Never to fish again",
                    false,
                    "Bukan itu; baca lagi sinopsisnya.",
                    "Not that; read the synopsis again.",
                ),
                (
                    "Tidak pergi ke kota",
                    "Never to go to town",
                    false,
                    "Bukan itu; baca lagi sinopsisnya.",
                    "Not that; read the synopsis again.",
                ),
            ],
            Some(("Sahabat Dongeng", "Friend of Stories")),
        ),
    ];
    for (pos, (code, texts, choices, badge_name)) in stops.iter().enumerate() {
        let stop = sqlx::query(
            "INSERT INTO tour_stops (tour_id, position, clue_id, clue_en, narration_id, narration_en,
                                     question_id, question_en, badge_name_id, badge_name_en)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(tour)
        .bind(pos as i64 + 1)
        .bind(texts[0])
        .bind(texts[1])
        .bind(texts[2])
        .bind(texts[3])
        .bind(texts[4])
        .bind(texts[5])
        .bind(badge_name.map(|b| b.0))
        .bind(badge_name.map(|b| b.1))
        .execute(&mut *tx)
        .await?
        .last_insert_rowid();
        for (cpos, (t_id, t_en, correct, f_id, f_en)) in choices.iter().enumerate() {
            sqlx::query(
                "INSERT INTO tour_stop_choices (stop_id, position, text_id, text_en, correct,
                                                feedback_id, feedback_en)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(stop)
            .bind(cpos as i64 + 1)
            .bind(t_id)
            .bind(t_en)
            .bind(correct)
            .bind(f_id)
            .bind(f_en)
            .execute(&mut *tx)
            .await?;
        }
        if let Some((b_id, b_en)) = badge_name {
            attach(
                &mut tx,
                "tour_stop",
                stop,
                "badge",
                badge.name.sha256(),
                (&format!("Lencana {b_id}"), &format!("{b_en} badge")),
            )
            .await?;
        }
        marker(
            &mut tx,
            code,
            "tour_stop",
            stop,
            &format!("Tur: perhentian {}", pos + 1),
            "Ruang Anak",
        )
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}
