//! Server tests over real HTTP on a loopback port (the spawn-app pattern).

mod admin;
mod admin_ops;
mod catalog;
mod cli;
mod content;
mod helpers;
mod markers;
mod media;
mod scans;
mod web;
