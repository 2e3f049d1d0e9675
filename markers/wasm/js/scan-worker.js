// The scan worker: reads QR codes in camera frames off the page's main thread
// with pustaka-markers' Scanner compiled to wasm (markers/wasm).
//
// A classic worker (`new Worker(url)`, no `type: "module"`), so it runs on
// every browser that runs the app. `cargo xtask` (scanner_worker.rs) puts
// wasm-bindgen's `no-modules` glue in front of this file, wrapped in the
// function `makeScannerGlue()` (each call returns a fresh copy of the glue's
// `wasm_bindgen` object, with its own state), and replaces the wasm
// placeholders below with the hashed file names, which are resolved against
// this script's own URL.
//
// Protocol (every message is a plain object):
//   page → worker  {type: "frame", id, width, height, luma}
//                    luma: an ArrayBuffer of exactly width*height bytes, 8-bit
//                    luma, row-major, no row padding (transfer it).
//   worker → page  {type: "ready", variant} once the wasm is loaded
//                    (variant: "simd" or "scalar", the build in use);
//                  {type: "detections", id, width, height, scan_ms, detections:
//                    [{text, corners: [[x,y] x4], mirrored, binary}]}
//                    corners in frame pixels (origin top-left, y down), in
//                    the order of pustaka_markers::Detection::corners:
//                    top-left, top-right, bottom-right, bottom-left of the
//                    code as printed; scan_ms: the scan alone, measured here;
//                  {type: "error", id?, message} for a frame that cannot be
//                    scanned (with its id) or a wasm that cannot be loaded
//                    (without one). A bad frame never ends the worker.
"use strict";

/** The scanner wasm with SIMD (wasm-opt'd), relative to this script. */
const SCANNER_WASM_SIMD = "__PUSTAKA_SCANNER_WASM_SIMD__";
/** The same scanner without SIMD, for browsers without wasm SIMD (Safari < 16.4). */
const SCANNER_WASM_SCALAR = "__PUSTAKA_SCANNER_WASM_SCALAR__";

/**
 * A one-function module that returns a v128 (`i32.const 0; i8x16.splat;
 * i8x16.popcnt`): it validates only where the browser has wasm SIMD.
 */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1,
  8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** Frames that arrive before the wasm is ready, scanned in order once it is. */
const pending = [];
/** "loading", "ready" or "failed". */
let state = "loading";
/** Why loading failed (answered to every frame after a failure). */
let loadError = "";
/** The compiled scanner (kept to start a fresh instance after a trap). */
let compiled = null;
/** The glue bound to the current instance. */
let scanner = null;

function hasSimd() {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch (_) {
    return false;
  }
}

/**
 * Which wasm this browser runs: `simd` or `scalar`. `?simd=0` on the
 * worker's URL forces the scalar one (the benchmark compares the two).
 */
const variant =
  hasSimd() && new URL(self.location.href).searchParams.get("simd") !== "0"
    ? "simd"
    : "scalar";

/** Compiles the wasm at `url`, streaming when the server says `application/wasm`. */
async function compile(url) {
  try {
    return await WebAssembly.compileStreaming(fetch(url));
  } catch (streamingError) {
    // A server that sends another type (or an HTTP error) fails streaming
    // compilation; fetch again to compile from bytes or name the status.
    const response = await fetch(url);
    if (!response.ok) throw new Error(url + ": HTTP " + response.status);
    return WebAssembly.compile(await response.arrayBuffer());
  }
}

/** A fresh instance of the compiled scanner with its own copy of the glue. */
function instantiate() {
  const glue = makeScannerGlue();
  glue.initSync({ module: compiled });
  return glue;
}

async function load() {
  const file = variant === "simd" ? SCANNER_WASM_SIMD : SCANNER_WASM_SCALAR;
  try {
    compiled = await compile(new URL(file, self.location.href));
    scanner = instantiate();
    state = "ready";
    self.postMessage({ type: "ready", variant });
  } catch (e) {
    state = "failed";
    loadError = "the scanner could not be loaded: " + describe(e);
    self.postMessage({ type: "error", message: loadError });
  }
  while (pending.length > 0) {
    handle(pending.shift());
  }
}

function describe(e) {
  if (e && typeof e.message === "string") return e.message;
  return String(e);
}

/** Checks the shape of a frame message; returns an error text or "". */
function frameProblem(msg) {
  if (!Number.isSafeInteger(msg.id)) return "a frame needs an integer id";
  if (!Number.isSafeInteger(msg.width) || !Number.isSafeInteger(msg.height)) {
    return "width and height must be integers";
  }
  if (!(msg.luma instanceof ArrayBuffer)) {
    return "luma must be an ArrayBuffer of width*height bytes";
  }
  return "";
}

function handle(msg) {
  if (msg === null || typeof msg !== "object" || msg.type !== "frame") {
    const type = msg && typeof msg === "object" ? msg.type : typeof msg;
    self.postMessage({ type: "error", message: "unknown message type: " + String(type) });
    return;
  }
  const problem = frameProblem(msg);
  if (problem) {
    const id = Number.isSafeInteger(msg.id) ? msg.id : null;
    self.postMessage({ type: "error", id, message: problem });
    return;
  }
  if (state === "loading") {
    pending.push(msg);
    return;
  }
  if (state === "failed") {
    self.postMessage({ type: "error", id: msg.id, message: loadError });
    return;
  }
  scan(msg);
}

function scan(msg) {
  const { id, width, height } = msg;
  const start = performance.now();
  let json;
  try {
    json = scanner.scanLuma(width, height, new Uint8Array(msg.luma));
  } catch (e) {
    self.postMessage({ type: "error", id, message: describe(e) });
    // A Rust panic aborts on wasm32 (a RuntimeError) and leaves the
    // instance unusable: start a fresh one from the same compiled module
    // (no download), so the next frame scans.
    if (e instanceof WebAssembly.RuntimeError) {
      try {
        scanner = instantiate();
      } catch (again) {
        state = "failed";
        loadError = "the scanner could not be restarted: " + describe(again);
      }
    }
    return;
  }
  const scan_ms = performance.now() - start;
  const detections = JSON.parse(json);
  self.postMessage({ type: "detections", id, width, height, scan_ms, detections });
}

self.onmessage = (event) => handle(event.data);
load();
