//! What the app shows besides text: covers and posters ([`pictures`]), the
//! trailer player ([`trailer`]) and read-aloud ([`speech`]).
//!
//! The downloads themselves are the net stage's ([`crate::net::media`]);
//! this module decodes, plays and speaks them. Each platform's player sits
//! behind its own seam here (ffmpeg or the page's `<video>`, `espeak-ng` or
//! the Web Speech API).

pub mod pictures;
pub mod speech;
pub mod trailer;

use bevy::prelude::*;

/// The media plugin: pictures, trailer and speech.
pub fn plugin(app: &mut App) {
    app.add_plugins((speech::plugin, pictures::plugin, trailer::plugin));
}
