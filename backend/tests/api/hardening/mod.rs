//! The server under hostile input and after crashes, over real sockets on
//! loopback (issue 20).

mod connections;
mod odd_input;
