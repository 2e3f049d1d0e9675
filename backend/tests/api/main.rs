//! Server tests over real HTTP on a loopback port (the spawn-app pattern).

mod admin;
mod admin_content;
mod admin_ops;
mod admin_reports;
mod admin_trust;
mod ar;
mod calendar;
mod captions;
mod catalog;
mod cli;
mod content;
mod demo;
mod errors;
mod hardening;
mod helpers;
mod home;
mod markers;
mod media;
mod picker;
mod plain_words;
mod print_labels;
mod scans;
mod web;
mod widths;
