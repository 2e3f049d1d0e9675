//! Server tests over real HTTP on a loopback port (the spawn-app pattern).

mod helpers;
mod markers;
