//! The scan worker in headless Chromium: real photos of the demo scene as
//! 720p luma frames, posted to the worker served by `pustaka-server
//! --web-app`; its answers must equal the native scanner's on the same
//! frames, and bad messages must get an error without ending the worker.

use pustaka_browser_tests::scan_worker::{WorkerPage, demo_frames_720p};
use pustaka_markers::Scanner;
use pustaka_markers_wasm::scan_frame;
use serde_json::json;

/// How far a corner may lie from the native scanner's, in pixels: the same
/// code on both sides, but wasm's `f32` maths functions (`sqrt`, `atan2`)
/// are Rust's own libm, the host's are the C library's, and they may differ
/// in the last bit.
const CORNER_TOLERANCE_PX: f32 = 0.01;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_reads_what_the_native_scanner_reads() {
    let Some(page) = WorkerPage::start("scan worker in a browser", true).await else {
        return;
    };
    assert_eq!(page.variant, "simd", "headless Chromium has wasm SIMD");
    let frames = demo_frames_720p();
    let mut problems = Vec::new();
    let mut codes_seen = 0;
    for (i, frame) in frames.iter().enumerate() {
        let (w, h) = (frame.image.width() as u32, frame.image.height() as u32);
        let native = scan_frame(&Scanner::default(), w, h, frame.image.data()).unwrap();
        let index = page.add_frame(frame).await;
        let id = 7 + i as i64;
        let reply = page.scan(id, index, frame).await;
        assert_eq!(
            reply.kind, "detections",
            "{}: {:?}",
            frame.name, reply.message
        );
        assert_eq!(
            (reply.id, reply.width, reply.height),
            (Some(id), Some(w), Some(h))
        );
        assert!(reply.scan_ms.is_some_and(|ms| ms > 0.0));
        let mut wasm: Vec<_> = reply.detections.clone();
        let mut native = native.clone();
        wasm.sort_by(|a, b| a.text.cmp(&b.text));
        native.sort_by(|a, b| a.text.cmp(&b.text));
        let texts = |v: &[String]| v.join(", ");
        let wasm_texts: Vec<String> = wasm.iter().map(|d| d.text.clone()).collect();
        let native_texts: Vec<String> = native.iter().map(|d| d.text.clone()).collect();
        if wasm_texts != native_texts {
            problems.push(format!(
                "{}: worker read [{}], native [{}]",
                frame.name,
                texts(&wasm_texts),
                texts(&native_texts)
            ));
            continue;
        }
        codes_seen += native.len();
        for (a, b) in wasm.iter().zip(&native) {
            assert_eq!((a.mirrored, a.binary), (b.mirrored, b.binary), "{}", a.text);
            for (ca, cb) in a.corners.iter().zip(&b.corners) {
                let off = (ca[0] - cb[0]).hypot(ca[1] - cb[1]);
                if off > CORNER_TOLERANCE_PX {
                    problems.push(format!(
                        "{}: {} corner {ca:?} vs native {cb:?}",
                        frame.name, a.text
                    ));
                }
            }
        }
    }
    // The demo scene holds five codes over the two photos; the native scanner
    // reads them all, so a match above cannot be two empty lists.
    assert!(codes_seen >= 4, "only {codes_seen} codes read");

    // Bad messages: each gets an error (with the frame's id when it has
    // one), and the worker keeps scanning.
    let bad = page
        .post(json!({"type": "frame", "id": 41, "width": 1280, "height": 720}))
        .await;
    assert_eq!((bad.kind.as_str(), bad.id), ("error", Some(41)));
    assert!(bad.message.unwrap().contains("ArrayBuffer"));
    let short = page
        .run(
            "post({type: 'frame', id: 42, width: 1280, height: 720, luma: new ArrayBuffer(99)})\
             .then(done)",
            vec![],
        )
        .await;
    assert_eq!(short["type"], "error");
    assert_eq!(short["id"], 42);
    assert_eq!(
        short["message"],
        "frame of 1280x720 pixels needs 921600 luma bytes, got 99"
    );
    let unknown = page.post(json!({"type": "hello"})).await;
    assert_eq!(unknown.kind, "error");
    assert!(unknown.message.unwrap().contains("hello"));
    let index = page.add_frame(&frames[0]).await;
    let after = page.scan(43, index, &frames[0]).await;
    assert_eq!(after.kind, "detections");
    assert!(!after.detections.is_empty());

    page.close().await;
    assert!(
        problems.is_empty(),
        "{} problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scalar_build_reads_the_same() {
    let Some(page) = WorkerPage::start("scalar scan worker in a browser", false).await else {
        return;
    };
    assert_eq!(page.variant, "scalar");
    let frame = &demo_frames_720p()[1];
    let (w, h) = (frame.image.width() as u32, frame.image.height() as u32);
    let native = scan_frame(&Scanner::default(), w, h, frame.image.data()).unwrap();
    let index = page.add_frame(frame).await;
    let reply = page.scan(1, index, frame).await;
    let mut wasm: Vec<String> = reply.detections.iter().map(|d| d.text.clone()).collect();
    let mut expected: Vec<String> = native.iter().map(|d| d.text.clone()).collect();
    wasm.sort();
    expected.sort();
    page.close().await;
    assert!(!expected.is_empty());
    assert_eq!(wasm, expected);
}
