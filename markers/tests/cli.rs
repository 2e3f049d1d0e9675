//! The `pustaka-markers` command-line tool, run as a process.
#![cfg(feature = "cli")]

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_pustaka-markers");

#[test]
fn generate_then_scan_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args([
            "generate",
            "--host",
            "perpustakaan.metrokota.go.id",
            "--format",
            "png",
        ])
        .arg("--out-dir")
        .arg(dir.path())
        .args(["7K3M9Q", "bk0001"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = dir.path().join("7K3M9Q.png");
    assert!(png.exists() && dir.path().join("BK0001.png").exists());

    let out = Command::new(BIN)
        // A generous budget: this test checks the output, not the speed,
        // and must not fail on a loaded machine.
        .args(["scan", "--json", "--budget-ms", "60000"])
        .arg(&png)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one JSON line per file");
    let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(v["file"], png.display().to_string());
    assert!(v["decode_ms"].as_f64().unwrap() > 0.0);
    let code = &v["codes"][0];
    assert_eq!(
        code["text"],
        "https://perpustakaan.metrokota.go.id/m/7K3M9Q"
    );
    assert_eq!(code["mirrored"], false);
    assert_eq!(code["corners"].as_array().unwrap().len(), 4);
    assert!(
        code["bytes_hex"]
            .as_str()
            .unwrap()
            .starts_with("68747470733a2f2f")
    );
}

#[test]
fn unreadable_files_are_reported_and_fail_the_run() {
    let out = Command::new(BIN)
        .args(["scan", "--json", "/nonexistent/none.png"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["error"].is_string());
}

#[test]
fn sheet_and_poster_write_pdfs() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = dir.path().join("sheet.pdf");
    let ok = Command::new(BIN)
        .args(["sheet", "--host", "perpustakaan.metrokota.go.id", "--out"])
        .arg(&sheet)
        .args(["7K3M9Q|Laskar Pelangi|899.221 HIR l", "BK0001"])
        .status()
        .unwrap();
    assert!(ok.success());
    assert!(std::fs::read(&sheet).unwrap().starts_with(b"%PDF"));
    let poster = dir.path().join("poster.pdf");
    let ok = Command::new(BIN)
        .args([
            "poster",
            "--host",
            "perpustakaan.metrokota.go.id",
            "--title",
            "Festival",
        ])
        .arg("--out")
        .arg(&poster)
        .arg("EV0001")
        .status()
        .unwrap();
    assert!(ok.success());
    let bad = Command::new(BIN)
        .args(["sheet", "--host", "h", "--out"])
        .arg(dir.path().join("x.pdf"))
        .arg("NOT-A-CODE-U")
        .output()
        .unwrap();
    assert!(!bad.status.success());
}

/// Runs the tool and returns (success, stderr).
fn run(args: &[&str], dir: &std::path::Path) -> (bool, String) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn out_of_range_options_are_refused_with_a_message_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (args, says) in [
        (
            &[
                "generate",
                "--host",
                "h.id",
                "--format",
                "png",
                "--module-px",
                "100000",
                "7K3M9Q",
            ][..],
            "pixels per module",
        ),
        (
            &["generate", "--host", "h.id", "--size-mm", "NaN", "7K3M9Q"][..],
            "millimetres",
        ),
        (
            &["generate", "--host", "h.id", "--size-mm=-5", "7K3M9Q"][..],
            "millimetres",
        ),
        (&["generate", "--host", "", "7K3M9Q"][..], "not a host name"),
        (
            &["generate", "--host", "a b<c", "7K3M9Q"][..],
            "not a host name",
        ),
        (
            &[
                "sheet",
                "--host",
                "h.id",
                "--out",
                "s.pdf",
                "--columns",
                "0",
                "--rows",
                "0",
                "7K3M9Q",
            ][..],
            "at least one column",
        ),
        (
            &[
                "sheet",
                "--host",
                "h.id",
                "--out",
                "s.pdf",
                "--columns",
                "50",
                "--rows",
                "80",
                "7K3M9Q",
            ][..],
            "fewer columns or rows",
        ),
    ] {
        let (ok, stderr) = run(args, d);
        assert!(!ok, "{args:?} succeeded");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    assert!(!d.join("s.pdf").exists() && !d.join("7K3M9Q.svg").exists());
    // A host with a port is fine.
    let (ok, stderr) = run(&["generate", "--host", "127.0.0.1:8080", "7K3M9Q"], d);
    assert!(ok, "{stderr}");
}
