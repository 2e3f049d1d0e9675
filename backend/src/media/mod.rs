//! Media: the content-addressed store, the ingest pipeline, and the
//! `/media/{sha256}.{ext}` route with Range support.

pub mod ingest;
pub mod serve;
pub mod store;
pub mod sweep;
