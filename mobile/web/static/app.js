// The AR page around the app's wasm (mobile/web): checks what the browser
// can do, loads the app with a progress bar, owns the camera and the scan
// worker, and keeps the hidden DOM mirror and the trailer's <video> as the
// app describes them. Every failure ends in a message in the visitor's
// language with a way on (type the code, choose a photo, the web pages),
// never a blank page.
//
// The app side of each call is in mobile/web/src/shell.rs; the worker's
// protocol is in markers/wasm/js/scan-worker.js.
"use strict";

(function () {
  /** The bundle's hashed file names and sizes (written by `cargo xtask web`). */
  const bundle = JSON.parse(document.getElementById("pustaka-bundle").textContent);
  /** Longest side of the frames the app shows and the worker scans, pixels:
   *  enough for a 5 cm code at arm's length, small enough to copy each frame. */
  const FRAME_MAX_SIDE = 960;
  /** A still photo is shown and scanned again this often, ms (the tracker
   *  drops codes not seen for a while). */
  const PHOTO_INTERVAL_MS = 500;
  /** Shortest time between two camera frames handed over, ms (15 per second:
   *  cards follow smoothly, and a slow phone keeps time for drawing). */
  const FRAME_INTERVAL_MS = 66;

  const params = new URLSearchParams(location.search);
  let lang = params.get("lang") === "en" ? "en" : "id";
  const highlight = (params.get("code") || "").trim().toUpperCase();

  // ---------------------------------------------------------------- texts
  const TEXTS = {
    id: {
      loading: "Memuat aplikasi…",
      "loading-bytes": (a, b) => `${mb(a)} dari ${mb(b)} MB`,
      "camera-choose": "Pilih kamera",
      torch: "Senter",
      "code-label": "Ketik kode di bawah gambar QR",
      "code-open": "Buka",
      "photo-label": "Atau pilih foto kode QR",
      "web-pages": "Buka halaman web perpustakaan (bisa di ponsel apa pun)",
      "other-lang": "English",
      "cards-group": "Kode terlihat",
      "camera-refused-title": "Kamera tidak diizinkan",
      "camera-refused":
        "Pustaka AR perlu kamera untuk membaca kode QR di rak. Izinkan kamera: ketuk ikon gembok atau kamera di sebelah alamat situs, pilih Izin → Kamera → Izinkan, lalu muat ulang halaman ini.",
      "camera-refused-help": "Tanpa kamera, Anda tetap bisa mengetik kodenya atau memilih foto.",
      "no-camera-title": "Tidak ada kamera",
      "no-camera": "Perangkat ini tidak punya kamera yang bisa dipakai. Pilih foto kode QR, atau ketik kodenya.",
      "insecure-title": "Perlu sambungan aman (https)",
      "insecure":
        "Browser hanya mengizinkan kamera di situs https. Perpustakaan perlu menyajikan Pustaka AR lewat https (lihat panduan pemasangan).",
      "no-webgl-title": "Browser ini tidak bisa menampilkan AR",
      "no-webgl": "Browser ini tidak mendukung WebGL2. Halaman web perpustakaan tetap bisa dibuka di ponsel apa pun.",
      "load-failed-title": "Aplikasi gagal dimuat",
      "load-failed": "Aplikasi tidak bisa dimuat (sambungan terputus atau memori ponsel penuh).",
      "scanner-failed": "Pemindai kode gagal dimuat; ketik kodenya atau buka halaman web.",
      "bad-code": "Kode hanya berisi huruf dan angka, misalnya BK0001.",
    },
    en: {
      loading: "Loading the app…",
      "loading-bytes": (a, b) => `${mb(a)} of ${mb(b)} MB`,
      "camera-choose": "Choose a camera",
      torch: "Torch",
      "code-label": "Type the code printed under the QR code",
      "code-open": "Open",
      "photo-label": "Or choose a photo of a QR code",
      "web-pages": "Open the library's web pages (work on any phone)",
      "other-lang": "Bahasa Indonesia",
      "cards-group": "Codes in view",
      "camera-refused-title": "The camera is not allowed",
      "camera-refused":
        "Pustaka AR needs the camera to read the QR codes on the shelves. To allow it: tap the lock or camera icon next to the address, choose Permissions → Camera → Allow, then reload this page.",
      "camera-refused-help": "Without the camera you can still type the code or choose a photo.",
      "no-camera-title": "No camera",
      "no-camera": "This device has no camera the browser can use. Choose a photo of a QR code, or type the code.",
      "insecure-title": "A secure connection (https) is needed",
      "insecure":
        "Browsers allow the camera only on https sites. The library needs to serve Pustaka AR over https (see the deployment guide).",
      "no-webgl-title": "This browser cannot show AR",
      "no-webgl": "This browser has no WebGL2. The library's web pages work on any phone.",
      "load-failed-title": "The app could not load",
      "load-failed": "The app could not be loaded (the connection dropped or the phone ran out of memory).",
      "scanner-failed": "The code scanner could not load; type the code or open the web pages.",
      "bad-code": "A code has only letters and digits, for example BK0001.",
    },
  };
  const t = (key, ...args) => {
    const v = TEXTS[lang][key];
    return typeof v === "function" ? v(...args) : v;
  };
  const mb = (n) => (n / 1e6).toLocaleString(lang, { maximumFractionDigits: 1 });
  const $ = (id) => document.getElementById(id);

  function applyTexts() {
    document.documentElement.lang = lang;
    for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
    for (const id of ["pustaka-lang", "fallback-lang"]) {
      $(id).textContent = t("other-lang");
      $(id).lang = lang === "id" ? "en" : "id";
    }
    $("pustaka-cards").setAttribute("aria-label", t("cards-group"));
    if (fallbackKey) showFallback(fallbackKey, fallbackOptions);
  }

  // ------------------------------------------------------------- fallbacks
  let fallbackKey = null;
  let fallbackOptions = {};
  /** Shows a message screen: `key` names its title and text; options say
   *  whether the code field and the photo input are offered. */
  function showFallback(key, options = {}) {
    fallbackKey = key;
    fallbackOptions = options;
    $("loading").hidden = true;
    $("fallback").hidden = false;
    $("fallback").dataset.reason = key;
    $("fallback-title").textContent = t(key + "-title");
    $("fallback-message").textContent = t(key);
    $("fallback-help").textContent = options.help ? t(options.help) : "";
    $("photo-row").hidden = !options.photo;
  }

  $("code-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const code = $("code-input").value.trim().toUpperCase();
    if (!/^[0-9A-Z]{2,32}$/.test(code)) {
      $("fallback-help").textContent = t("bad-code");
      return;
    }
    location.href = `/m/${encodeURIComponent(code)}` + (lang === "en" ? "?lang=en" : "");
  });
  $("web-pages-link").href = "/" + (lang === "en" ? "?lang=en" : "");

  function switchLang() {
    lang = lang === "id" ? "en" : "id";
    if (app) app.set_lang(lang);
    applyTexts();
  }
  $("pustaka-lang").addEventListener("click", switchLang);
  $("fallback-lang").addEventListener("click", switchLang);

  // ------------------------------------------------------- the DOM mirror
  let lastLive = "";
  let lastCards = "";
  let lastPanel = "";
  /** Called by the app (shell.rs) after a frame that changed what is drawn. */
  function mirror(json) {
    const m = JSON.parse(json);
    if (m.lang !== lang) {
      lang = m.lang;
      applyTexts();
    }
    const live = m.offline ? `${m.live}. ${m.offline}` : m.live;
    if (live !== lastLive) {
      $("pustaka-live").textContent = live;
      lastLive = live;
    }
    const cards = JSON.stringify(m.cards);
    if (cards !== lastCards) {
      lastCards = cards;
      // Buttons are kept by code (only their name and order change), so a
      // screen reader's focus, or a press in progress, survives an update.
      const box = $("pustaka-cards");
      const old = new Map();
      for (const el of box.children) if (el.dataset.code) old.set(el.dataset.code, el);
      const next = m.cards.map((c) => {
        if (!c.code) {
          const p = document.createElement("p");
          p.textContent = c.name;
          return p;
        }
        let b = old.get(c.code);
        if (!b) {
          b = document.createElement("button");
          b.type = "button";
          b.dataset.code = c.code;
          b.addEventListener("click", () => app && app.open_code(c.code));
        }
        if (b.textContent !== c.name) b.textContent = c.name;
        return b;
      });
      next.forEach((el, i) => {
        if (box.children[i] !== el) box.insertBefore(el, box.children[i] || null);
      });
      while (box.children.length > next.length) box.lastChild.remove();
    }
    const panel = JSON.stringify(m.panel);
    if (panel !== lastPanel) {
      lastPanel = panel;
      const box = $("pustaka-panel");
      if (!m.panel) {
        box.hidden = true;
        box.replaceChildren();
      } else {
        box.hidden = false;
        box.dataset.code = m.panel.code;
        box.setAttribute("aria-label", m.panel.title);
        const h = document.createElement("h2");
        h.textContent = m.panel.title;
        const ps = m.panel.paragraphs.map((text) => {
          const p = document.createElement("p");
          p.textContent = text;
          return p;
        });
        const close = document.createElement("button");
        close.type = "button";
        close.textContent = m.panel.close;
        close.addEventListener("click", () => app && app.close_panel());
        box.replaceChildren(h, ...ps, close);
      }
    }
  }

  // ------------------------------------------------------------- the video
  /** Called by the app: lay the <video> over the panel's space, or hide it. */
  function video(json) {
    const v = $("pustaka-video");
    const place = JSON.parse(json);
    if (!place) {
      if (!v.hidden) {
        v.pause();
        v.removeAttribute("src");
        v.load();
        v.hidden = true;
      }
      return;
    }
    Object.assign(v.style, {
      left: place.x + "px", top: place.y + "px",
      width: place.width + "px", height: place.height + "px",
    });
    v.setAttribute("aria-label", place.alt);
    if (v.dataset.url !== place.url) {
      v.dataset.url = place.url;
      v.src = place.url;
      captions(v, place.url);
      // Browsers autoplay only muted video; a tap turns the sound on.
      v.muted = true;
      v.play().catch(() => {});
    }
    v.hidden = false;
  }
  /** Gives the <video> the caption tracks the server lists for its file
   *  (`/media/tracks/{sha256}.mp4.json`, see the backend's media::captions);
   *  the page's language is shown by default. Without captions, none. */
  function captions(v, url) {
    v.querySelectorAll("track").forEach((t) => t.remove());
    const list = url.replace(/\/media\/([0-9a-f]{64}\.mp4)$/, "/media/tracks/$1.json");
    if (list === url) return;
    fetch(list).then((r) => (r.ok ? r.json() : [])).then((tracks) => {
      if (v.dataset.url !== url) return;
      const lang = document.documentElement.lang || "id";
      for (const c of tracks) {
        const t = document.createElement("track");
        t.kind = "captions";
        t.srclang = c.lang;
        t.label = c.lang === "id" ? "Bahasa Indonesia" : "English";
        t.src = c.url;
        t.default = c.lang === lang;
        v.appendChild(t);
      }
    }).catch(() => {});
  }
  $("pustaka-video").addEventListener("click", (e) => {
    const v = e.currentTarget;
    if (v.muted) {
      v.muted = false;
      e.preventDefault();
    }
  });

  window.pustakaPage = { mirror, video };

  // ------------------------------------------------------------ the worker
  let worker = null;
  let workerBusy = false;
  /** How the frame at the worker maps onto the picture the app shows:
   *  `{id, sx, sy, width, height}` (a camera frame is scanned at its own
   *  size, the picture is downscaled), or null when they are the same. */
  let scanToPicture = null;
  function startWorker() {
    worker = new Worker(bundle.worker);
    worker.onmessage = (e) => {
      const m = e.data;
      if (m.type === "ready") {
        document.body.dataset.scanner = "ready";
      } else if (m.type === "detections") {
        workerBusy = false;
        const map = scanToPicture;
        if (map && map.id === m.id) {
          // The app places cards in the picture's pixels.
          for (const d of m.detections) d.corners = d.corners.map(([x, y]) => [x * map.sx, y * map.sy]);
          m.width = map.width;
          m.height = map.height;
        }
        // The app takes the message as JSON (scan::scanning::ExternalScan).
        if (app) app.push_detections(JSON.stringify(m));
        document.body.dataset.scans = String(Number(document.body.dataset.scans || 0) + 1);
      } else if (m.type === "error") {
        workerBusy = false;
        if (m.id == null) {
          document.body.dataset.scanner = "failed";
          console.error("scan worker:", m.message);
          if (app) app.camera_problem(t("scanner-failed"));
        }
      }
    };
    worker.onerror = (e) => {
      workerBusy = false;
      document.body.dataset.scanner = "failed";
      console.error("scan worker failed", e.message);
    };
  }

  /** Hands the worker one frame's luma (an ArrayBuffer of width*height
   *  bytes, transferred); `map` says how it maps onto the picture. */
  function scanLuma(id, width, height, luma, map) {
    workerBusy = true;
    scanToPicture = map;
    worker.postMessage({ type: "frame", id, width, height, luma }, [luma]);
  }

  // ------------------------------------------------------------ the frames
  const grab = document.createElement("canvas");
  const grabCtx = grab.getContext("2d", { willReadFrequently: true });
  let seq = 0;

  /** Draws `source` (a video, a VideoFrame or a decoded photo) downscaled
   *  and hands its pixels to the app (the picture it shows). Returns the
   *  picture: `{seq, width, height, rgba}`, or null for an empty source. */
  function sendPicture(source, width, height) {
    if (!width || !height) return null;
    const scale = Math.min(1, FRAME_MAX_SIDE / Math.max(width, height));
    const w = Math.round(width * scale);
    const h = Math.round(height * scale);
    if (grab.width !== w || grab.height !== h) {
      grab.width = w;
      grab.height = h;
    }
    grabCtx.drawImage(source, 0, 0, w, h);
    const rgba = grabCtx.getImageData(0, 0, w, h).data;
    seq += 1;
    if (app) app.push_frame(seq, w, h, new Uint8Array(rgba.buffer));
    return { seq, width: w, height: h, rgba };
  }

  /** The worker's luma made from the picture's RGBA (the fallback where
   *  the browser gives no YUV planes). */
  function scanPicture(pic) {
    const { rgba, width, height } = pic;
    const luma = new Uint8Array(width * height);
    for (let i = 0, j = 0; i < luma.length; i++, j += 4) {
      // BT.601 in 8.8 fixed point, as the app's Frame::from_rgb.
      luma[i] = (77 * rgba[j] + 150 * rgba[j + 1] + 29 * rgba[j + 2]) >> 8;
    }
    document.body.dataset.luma = "rgba";
    scanLuma(pic.seq, width, height, luma.buffer, null);
  }

  /** Draws `source` for the app, and scans the picture when the worker is
   *  free (newest frame wins): the video fallback and photos. */
  function sendFrame(source, width, height) {
    const pic = sendPicture(source, width, height);
    if (pic && worker && !workerBusy) scanPicture(pic);
  }

  /** VideoFrame formats whose first plane is the 8-bit luma (Y) plane. */
  const PLANAR_YUV = new Set(["I420", "I420A", "I422", "I422A", "I444", "I444A", "NV12"]);

  /** Copies a camera VideoFrame's luma plane and hands it to the worker at
   *  the frame's own size. WebCodecs copies every plane of a frame in one
   *  `copyTo` (there is no copy of one plane); the chroma planes, packed
   *  after the luma, are cut off before the buffer is transferred. */
  async function scanVideoFrame(frame, pic) {
    const rect = frame.visibleRect;
    const w = rect.width;
    const h = rect.height;
    workerBusy = true;
    let buf;
    let layout;
    try {
      buf = new ArrayBuffer(frame.allocationSize({ rect }));
      layout = await frame.copyTo(buf, { rect });
    } catch (e) {
      workerBusy = false;
      throw e;
    }
    const y = layout[0];
    let luma;
    if (y.offset === 0 && y.stride === w) {
      luma = buf.transfer ? buf.transfer(w * h) : buf.slice(0, w * h);
    } else {
      const src = new Uint8Array(buf);
      const out = new Uint8Array(w * h);
      for (let r = 0; r < h; r++) {
        out.set(src.subarray(y.offset + r * y.stride, y.offset + r * y.stride + w), r * w);
      }
      luma = out.buffer;
    }
    document.body.dataset.luma = "plane";
    scanLuma(pic.seq, w, h, luma, {
      id: pic.seq, sx: pic.width / w, sy: pic.height / h, width: pic.width, height: pic.height,
    });
  }

  // ------------------------------------------------------------ the camera
  const cameraVideo = document.createElement("video");
  cameraVideo.playsInline = true;
  cameraVideo.muted = true;
  let stream = null;

  async function openCamera(deviceId) {
    if (stream) stream.getTracks().forEach((tr) => tr.stop());
    // `ideal`, never `exact`: fake and desktop cameras report no facingMode.
    const video = deviceId
      ? { deviceId: { exact: deviceId } }
      : { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } };
    stream = await navigator.mediaDevices.getUserMedia({ video, audio: false });
    const track = stream.getVideoTracks()[0];
    if (!pumpTrack(track)) {
      cameraVideo.srcObject = stream;
      await cameraVideo.play();
      pumpCamera();
    }
    document.body.dataset.camera = "on";
    setupCameraControls();
  }

  /** Reads the camera's VideoFrames straight from the track where the
   *  browser has `MediaStreamTrackProcessor` (Chromium): the luma goes to
   *  the worker without drawing it first. Returns false where it is
   *  missing (Safari < 18, Firefox): the caller plays the track in a
   *  <video> and draws it instead. */
  function pumpTrack(track) {
    if (typeof window.MediaStreamTrackProcessor !== "function" || !track) return false;
    let reader;
    try {
      reader = new window.MediaStreamTrackProcessor({ track }).readable.getReader();
    } catch (e) {
      console.warn("MediaStreamTrackProcessor:", e.message);
      return false;
    }
    document.body.dataset.frames = "processor";
    let last = 0;
    (async () => {
      for (;;) {
        const { done, value: frame } = await reader.read();
        // The track ended (another camera was chosen, or the page closes).
        if (done) return;
        try {
          const now = performance.now();
          if (now - last < FRAME_INTERVAL_MS) continue;
          last = now;
          const pic = sendPicture(frame, frame.displayWidth, frame.displayHeight);
          if (!pic || !worker || workerBusy) continue;
          if (PLANAR_YUV.has(frame.format)) {
            await scanVideoFrame(frame, pic).catch((e) => {
              console.warn("VideoFrame copy:", e.message);
              scanPicture(pic);
            });
          } else {
            scanPicture(pic);
          }
        } catch (e) {
          console.warn("camera frame:", e.message);
        } finally {
          // Every frame holds camera memory until closed.
          frame.close();
        }
      }
    })();
    return true;
  }

  /** The fallback: draws the playing <video> at most every
   *  FRAME_INTERVAL_MS. */
  function pumpCamera() {
    document.body.dataset.frames = "video";
    let last = 0;
    const tick = () => {
      const now = performance.now();
      if (cameraVideo.readyState >= 2 && now - last >= FRAME_INTERVAL_MS) {
        last = now;
        sendFrame(cameraVideo, cameraVideo.videoWidth, cameraVideo.videoHeight);
      }
      if (cameraVideo.requestVideoFrameCallback) cameraVideo.requestVideoFrameCallback(tick);
      else requestAnimationFrame(tick);
    };
    tick();
  }

  async function setupCameraControls() {
    const select = $("camera-select");
    const devices = (await navigator.mediaDevices.enumerateDevices())
      .filter((d) => d.kind === "videoinput");
    const track = stream.getVideoTracks()[0];
    const current = track && track.getSettings ? track.getSettings().deviceId : null;
    // A picker, since facingMode often picks an ultra-wide lens that cannot
    // focus close.
    if (devices.length > 1) {
      select.replaceChildren(...devices.map((d, i) => {
        const o = document.createElement("option");
        o.value = d.deviceId;
        o.textContent = d.label || `${t("camera-choose")} ${i + 1}`;
        o.selected = d.deviceId === current;
        return o;
      }));
      select.hidden = false;
      select.onchange = () => openCamera(select.value).catch(cameraFailed);
    }
    const caps = track && track.getCapabilities ? track.getCapabilities() : {};
    const torch = $("torch");
    torch.hidden = !caps.torch;
    let on = false;
    torch.onclick = () => {
      on = !on;
      torch.setAttribute("aria-pressed", String(on));
      track.applyConstraints({ advanced: [{ torch: on }] }).catch(() => {});
    };
    $("controls").hidden = select.hidden && torch.hidden;
  }

  function cameraFailed(e) {
    console.warn("camera:", e && e.name, e && e.message);
    if (e && (e.name === "NotAllowedError" || e.name === "SecurityError")) {
      showFallback("camera-refused", { help: "camera-refused-help", photo: true });
    } else {
      showFallback("no-camera", { photo: true });
    }
  }

  // ------------------------------------------------------------- a photo
  let photoTimer = null;
  $("photo-input").addEventListener("change", async (e) => {
    const file = e.target.files && e.target.files[0];
    if (!file) return;
    const bitmap = await createImageBitmap(file);
    $("fallback").hidden = true;
    fallbackKey = null;
    document.body.dataset.camera = "photo";
    document.body.dataset.frames = "photo";
    clearInterval(photoTimer);
    const send = () => sendFrame(bitmap, bitmap.width, bitmap.height);
    send();
    photoTimer = setInterval(send, PHOTO_INTERVAL_MS);
  });

  // ------------------------------------------------------------- the app
  let app = null;

  function hasWebGl2() {
    try {
      return !!document.createElement("canvas").getContext("webgl2");
    } catch (_) {
      return false;
    }
  }

  /** Fetches the app's wasm with a progress bar (bytes as they arrive;
   *  the total is the uncompressed size the bundle records). */
  async function fetchWasm() {
    const resp = await fetch(bundle.app_wasm);
    if (!resp.ok) throw new Error(`HTTP ${resp.status} for the app`);
    const total = bundle.app_wasm_bytes || Number(resp.headers.get("content-length")) || 0;
    if (!resp.body || !resp.body.getReader) return new Uint8Array(await resp.arrayBuffer());
    const reader = resp.body.getReader();
    const parts = [];
    let loaded = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      loaded += value.length;
      if (total) $("loading-bar").value = Math.min(1, loaded / total);
      $("loading-bytes").textContent = t("loading-bytes", loaded, Math.max(total, loaded));
    }
    const bytes = new Uint8Array(loaded);
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    return bytes;
  }

  async function main() {
    applyTexts();
    if ("serviceWorker" in navigator && window.isSecureContext) {
      navigator.serviceWorker.register(bundle.service_worker, { scope: "./" })
        .catch((e) => console.warn("service worker:", e.message));
    }
    if (!hasWebGl2()) return showFallback("no-webgl");
    try {
      const bytes = await fetchWasm();
      await wasm_bindgen({ module_or_path: bytes });
    } catch (e) {
      console.error("load:", e);
      return showFallback("load-failed");
    }
    app = wasm_bindgen;
    try {
      app.start(JSON.stringify({
        server_url: location.origin,
        lang,
        code: highlight || null,
        library_hosts: [location.hostname],
      }));
    } catch (e) {
      // winit hands the loop to the browser by throwing on some versions.
      if (!String(e && e.message).includes("control flow")) {
        console.error("start:", e);
        return showFallback("load-failed");
      }
    }
    $("loading").hidden = true;
    document.body.dataset.app = "started";
    try {
      startWorker();
    } catch (e) {
      console.error("worker:", e);
      app.camera_problem(t("scanner-failed"));
    }
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return showFallback("insecure", { photo: true });
    }
    try {
      await openCamera(null);
    } catch (e) {
      cameraFailed(e);
    }
  }

  window.addEventListener("unhandledrejection", (e) => {
    if (!app) {
      console.error(e.reason);
      showFallback("load-failed");
    }
  });
  main();
})();
