//! The server under hostile input and after crashes, over real sockets on
//! loopback (issue 20).

mod connections;
mod headers;
mod login;
mod media;
mod odd_input;
mod sessions;
mod sweep;
