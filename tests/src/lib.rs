//! End-to-end tests live in `tests/` (and a benchmark in `benches/`); the
//! desktop app they run is built here as `pustaka-ar-e2e` (`src/bin/`).
//! This library is empty.
