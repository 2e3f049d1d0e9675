//! Media: the content-addressed store, the ingest pipeline, and the
//! `/media/{sha256}.{ext}` route with Range support, served from memory for
//! small blobs (`hot`).

pub mod captions;
pub mod hot;
pub mod ingest;
pub mod serve;
pub mod store;
pub mod sweep;
pub mod widths;
