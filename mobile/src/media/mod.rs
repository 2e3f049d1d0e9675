//! What the app shows besides text: covers and posters ([`pictures`](crate::media::pictures)), the
//! trailer player ([`trailer`](crate::media::trailer)) and read-aloud ([`speech`](crate::media::speech)).
//!
//! The downloads themselves are the net stage's ([`crate::net::media`]);
//! this module decodes, plays and speaks them. Each platform's player sits
//! behind its own seam here (ffmpeg or the page's `<video>`, `espeak-ng` or
//! the Web Speech API).

pub mod pictures;
pub mod speech;
pub mod trailer;

use bevy::prelude::*;

/// The code whose overlay's full media are wanted now: its large picture
/// and its trailer. The ui's detail panel sets it to the open panel's code
/// (`ui::detail`); [`pictures`] and [`trailer`] read it. Media
/// never reads the ui's state, so imports run one way: ui → media.
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub struct Spotlight(pub Option<String>);

/// The per-frame media systems (in [`crate::AppSystems::Present`]); what
/// sets [`Spotlight`] runs before them.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MediaSystems;

/// The media plugin: pictures, trailer and speech.
pub fn plugin(app: &mut App) {
    app.init_resource::<Spotlight>().add_plugins((
        speech::plugin,
        pictures::plugin,
        trailer::plugin,
    ));
}
