//! Read-aloud: speaks a text in Bahasa Indonesia or English.
//!
//! On desktop Linux this runs `espeak-ng` (Debian package `espeak-ng`), which
//! has voices for both languages; when it is missing the button says nothing
//! and a warning is logged. In the browser it is the Web Speech API
//! (`speechSynthesis`) with a voice of the language when the phone has one
//! ([`Speech::has_voice`] says so). Native phone shells will put the
//! platform's TTS (Android `TextToSpeech`, iOS `AVSpeechSynthesizer`) behind
//! the same resource.

#[cfg(not(target_arch = "wasm32"))]
use std::process::{Child, Command, Stdio};

use bevy::prelude::*;
use pustaka_api::Lang;

/// The read-aloud engine: at most one utterance at a time.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Resource, Default)]
pub struct Speech {
    child: Option<Child>,
}

#[cfg(not(target_arch = "wasm32"))]
impl Speech {
    /// Starts speaking `text` in `lang`, stopping anything already spoken.
    pub fn say(&mut self, text: &str, lang: Lang) {
        self.stop();
        // espeak-ng names its voices by BCP 47 tag.
        let voice = lang.tag();
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

#[cfg(not(target_arch = "wasm32"))]
impl Speech {
    /// Whether a voice for `lang` is there (espeak-ng has both languages;
    /// whether espeak-ng itself is installed shows only when speaking).
    pub fn has_voice(&self, _lang: Lang) -> bool {
        true
    }
}

/// The read-aloud engine: at most one utterance at a time (the browser's
/// `speechSynthesis` queue, cancelled before each new one).
#[cfg(target_arch = "wasm32")]
#[derive(Resource, Default)]
pub struct Speech;

#[cfg(target_arch = "wasm32")]
impl Speech {
    fn synth() -> Option<web_sys::SpeechSynthesis> {
        web_sys::window()?.speech_synthesis().ok()
    }

    /// The phone's voice for `lang`, if it has one (a BCP 47 tag starting with
    /// `id` or `en`).
    fn voice(lang: Lang) -> Option<web_sys::SpeechSynthesisVoice> {
        use wasm_bindgen::JsCast;
        let prefix = lang.tag();
        Self::synth()?
            .get_voices()
            .iter()
            .filter_map(|v| v.dyn_into::<web_sys::SpeechSynthesisVoice>().ok())
            .find(|v| v.lang().to_ascii_lowercase().starts_with(prefix))
    }

    /// Whether the phone has a voice for `lang` (the panel says so when not).
    pub fn has_voice(&self, lang: Lang) -> bool {
        Self::voice(lang).is_some()
    }

    /// Starts speaking `text` in `lang`, stopping anything already spoken.
    pub fn say(&mut self, text: &str, lang: Lang) {
        self.stop();
        let (Some(synth), Ok(utterance)) = (
            Self::synth(),
            web_sys::SpeechSynthesisUtterance::new_with_text(text),
        ) else {
            warn!("read-aloud unavailable: no speechSynthesis in this browser");
            return;
        };
        utterance.set_lang(match lang {
            Lang::Id => "id-ID",
            Lang::En => "en-US",
        });
        if let Some(v) = Self::voice(lang) {
            utterance.set_voice(Some(&v));
        }
        synth.speak(&utterance);
    }

    /// True while an utterance is playing.
    pub fn is_speaking(&mut self) -> bool {
        Self::synth().is_some_and(|s| s.speaking())
    }

    /// Stops speaking.
    pub fn stop(&mut self) {
        if let Some(s) = Self::synth() {
            s.cancel();
        }
    }
}

/// The speech plugin.
pub fn plugin(app: &mut App) {
    app.init_resource::<Speech>();
}
