//! The `pustaka-server` command line: import report, markers list, bad flags.

use std::process::Command;

fn server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pustaka-server"))
}

#[test]
fn import_reports_json_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("slims.csv");
    std::fs::write(
        &csv,
        "title,isbn_issn,call_number,authors\nLaskar Pelangi,979-3062-79-7,899.221 HIR l,\"<Hirata, Andrea>\"\n,,,\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let run = || {
        let out = server()
            .args(["import", "--json", "--data-dir"])
            .arg(&data)
            .arg(&csv)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let r = &v[0];
        (
            r["imported"].as_u64().unwrap(),
            r["updated"].as_u64().unwrap(),
            r["skipped"][0]["reason"].as_str().unwrap().to_owned(),
        )
    };
    assert_eq!(run(), (1, 0, "empty title".to_owned()));
    assert_eq!(run(), (0, 1, "empty title".to_owned()));
}

#[test]
fn markers_lists_codes_with_urls() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pool = pustaka_backend::db::connect_and_migrate(dir.path())
            .await
            .unwrap();
        let store: std::sync::Arc<dyn pustaka_backend::media::store::BlobStore> =
            std::sync::Arc::new(
                pustaka_backend::media::store::MediaStore::local(&dir.path().join("media"))
                    .unwrap(),
            );
        pustaka_backend::demo::seed_once(&pool, store)
            .await
            .unwrap();
    });
    let out = server()
        .args([
            "markers",
            "--json",
            "--public-url",
            "https://perpus.example.id/",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let first: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(first["code"], "BK0001");
    assert_eq!(first["url"], "https://perpus.example.id/m/BK0001");
    assert_eq!(first["target_kind"], "title");
}

#[test]
fn bad_flags_and_missing_files_are_clear_errors() {
    let out = server().args(["serve", "--bogus"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bogus"));
    let dir = tempfile::tempdir().unwrap();
    let out = server()
        .args(["import", "--data-dir"])
        .arg(dir.path())
        .arg(dir.path().join("tidak-ada.mrc"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

#[test]
fn unreadable_import_file_fails_and_bad_public_url_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.mrc");
    std::fs::write(&junk, b"this is not a catalogue record at all").unwrap();
    let out = server()
        .args(["import", "--data-dir"])
        .arg(dir.path().join("data"))
        .arg(&junk)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "a file with no readable record must fail the import"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no catalogue record could be read"));

    let out = server()
        .args(["serve", "--public-url", "notaurl", "--data-dir"])
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("must start with https://"));
}

#[test]
fn unblock_login_forgets_an_accounts_failed_logins() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pool = rt.block_on(async {
        let pool = pustaka_backend::db::connect_and_migrate(dir.path())
            .await
            .unwrap();
        for address in ["10.0.0.1", "10.0.0.2", "10.0.0.3"] {
            sqlx::query(
                "INSERT INTO login_failures (username, address, failed_at) VALUES ('siti', ?, ?)",
            )
            .bind(address)
            .bind(chrono::Utc::now().to_rfc3339())
            .execute(&pool)
            .await
            .unwrap();
        }
        pool
    });
    let out = server()
        .args(["unblock-login", "--username", " Siti ", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("3 failed logins"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (left, audited): (i64, String) = rt.block_on(async {
        let left = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures")
            .fetch_one(&pool)
            .await
            .unwrap();
        let by = sqlx::query_scalar(
            "SELECT username FROM audit_log WHERE action = 'staff.unblock' AND target = 'staff:siti'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        (left, by)
    });
    assert_eq!(left, 0);
    assert_eq!(
        audited,
        pustaka_backend::db::COMMAND_LINE_USER,
        "audited as the command line"
    );
}
