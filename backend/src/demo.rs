//! The demo library seeded by `serve --demo`: a few titles, a shelf, an event
//! and a marker for each, written by us so it ships with the project.

use sqlx::SqlitePool;

/// Marker codes of the demo library, in seed order (the demo scene prints these).
pub const DEMO_CODES: [&str; 4] = ["BK0001", "BK0002", "RK0001", "EV0001"];

/// Seeds the demo library in one transaction, unless markers already exist.
/// Returns whether it seeded.
///
/// # Errors
/// Database errors; on error nothing is written.
pub async fn seed_once(pool: &SqlitePool) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM markers")
        .fetch_one(&mut *tx)
        .await?;
    if n > 0 {
        return Ok(false);
    }
    let t1 = sqlx::query(
        "INSERT INTO titles (isbn13, title, author, call_number, synopsis_id, synopsis_en, age_group)
         VALUES (?, ?, ?, ?, ?, ?, 'children')",
    )
    .bind("9786020000011")
    .bind("Si Kancil dan Buaya")
    .bind("Cerita Rakyat Nusantara")
    .bind("398.2 KAN s")
    .bind("Kancil yang cerdik ingin menyeberangi sungai yang penuh buaya. Dengan akal, ia menghitung para buaya sambil melompat di punggung mereka sampai tiba di seberang.")
    .bind("Clever Mouse-deer wants to cross a river full of crocodiles. With a trick, he counts the crocodiles while hopping across their backs to the other side.")
    .execute(&mut *tx)
    .await?
    .last_insert_rowid();
    let t2 = sqlx::query(
        "INSERT INTO titles (isbn13, title, author, call_number, synopsis_id, synopsis_en, age_group)
         VALUES (?, ?, ?, ?, ?, ?, 'children')",
    )
    .bind("9786020000028")
    .bind("Malin Kundang")
    .bind("Cerita Rakyat Sumatra Barat")
    .bind("398.2 MAL m")
    .bind("Malin merantau dan menjadi kaya, lalu malu mengakui ibunya yang miskin. Kisah tentang rasa hormat kepada orang tua.")
    .bind("Malin sails away and grows rich, then is ashamed of his poor mother. A tale about respecting one's parents.")
    .execute(&mut *tx)
    .await?
    .last_insert_rowid();
    let shelf = sqlx::query(
        "INSERT INTO shelves (name_id, name_en, class_range, location) VALUES (?, ?, ?, ?)",
    )
    .bind("Cerita Rakyat")
    .bind("Folk Tales")
    .bind("398")
    .bind("Lantai 1, Ruang Anak")
    .execute(&mut *tx)
    .await?
    .last_insert_rowid();
    let event = sqlx::query(
        "INSERT INTO events (title_id, title_en, description_id, description_en, starts_at, ends_at, place)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind("Dongeng Sabtu Pagi")
    .bind("Saturday Morning Storytelling")
    .bind("Mendongeng bersama pustakawan untuk anak usia 5–10 tahun.")
    .bind("Storytelling with a librarian for children aged 5–10.")
    .bind("2026-12-05T09:00:00+07:00")
    .bind("2026-12-05T10:30:00+07:00")
    .bind("Ruang Anak, Perpustakaan Kota Metro")
    .execute(&mut *tx)
    .await?
    .last_insert_rowid();
    let rows = [
        (DEMO_CODES[0], "title", t1, "Buku: Si Kancil"),
        (DEMO_CODES[1], "title", t2, "Buku: Malin Kundang"),
        (DEMO_CODES[2], "shelf", shelf, "Rak Cerita Rakyat"),
        (DEMO_CODES[3], "event", event, "Poster Dongeng Sabtu"),
    ];
    for (code, kind, id, label) in rows {
        sqlx::query("INSERT INTO markers (code, target_kind, target_id, label, size_m) VALUES (?, ?, ?, ?, 0.05)")
            .bind(code)
            .bind(kind)
            .bind(id)
            .bind(label)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(true)
}
