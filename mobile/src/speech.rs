//! Read-aloud: speaks a text in Bahasa Indonesia or English.
//!
//! On desktop Linux this runs `espeak-ng` (Debian package `espeak-ng`), which
//! has voices for both languages; when it is missing the button says nothing
//! and a warning is logged. Phone shells will put the platform's TTS
//! (Android `TextToSpeech`, iOS `AVSpeechSynthesizer`) behind the same resource.

use std::process::{Child, Command, Stdio};

use bevy::prelude::*;
use pustaka_api::Lang;

/// The read-aloud engine: at most one utterance at a time.
#[derive(Resource, Default)]
pub struct Speech {
    child: Option<Child>,
}

impl Speech {
    /// Starts speaking `text` in `lang`, stopping anything already spoken.
    pub fn say(&mut self, text: &str, lang: Lang) {
        self.stop();
        let voice = match lang {
            Lang::Id => "id",
            Lang::En => "en",
        };
        match Command::new("espeak-ng")
            .args(["-v", voice, "--", text])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(child) => self.child = Some(child),
            Err(e) => warn!(error = %e, "read-aloud unavailable (install espeak-ng)"),
        }
    }

    /// True while an utterance is playing.
    pub fn is_speaking(&mut self) -> bool {
        match self.child.as_mut().map(Child::try_wait) {
            Some(Ok(None)) => true,
            Some(_) => {
                self.child = None;
                false
            }
            None => false,
        }
    }

    /// Stops speaking.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The speech plugin.
pub fn plugin(app: &mut App) {
    app.init_resource::<Speech>();
}
