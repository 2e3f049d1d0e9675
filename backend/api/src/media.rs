//! Media on the wire: what a file is ([`MediaKind`]) and is for
//! ([`MediaRole`]), the references content carries ([`MediaRef`]), and the
//! one name a stored file has, `{sha256}.{ext}` ([`MediaName`]), which the
//! server serves under `/media/` and the app caches under.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ParseWireError;

wire_enum! {
    /// The broad type of a media asset (`image`, `video`, `audio` on the wire
    /// and in the database).
    pub enum MediaKind {
        /// A still image (JPEG or PNG, re-encoded on ingest).
        Image = "image",
        /// A video (H.264 MP4 with faststart, normalised on ingest).
        Video = "video",
        /// An audio file (narration).
        Audio = "audio",
    }
}

wire_enum! {
    /// What a media asset is for on its target (`cover`, `trailer`, … on the
    /// wire and in the database).
    pub enum MediaRole {
        /// The cover of a title.
        Cover = "cover",
        /// A title's trailer video.
        Trailer = "trailer",
        /// An audio narration (title or tour stop).
        Narration = "narration",
        /// An event's poster.
        Poster = "poster",
        /// An event's promotional video.
        Promo = "promo",
        /// A tour badge's picture.
        Badge = "badge",
    }
}

wire_enum! {
    /// The extension of a stored media file: the formats ingest writes (it
    /// re-encodes images to JPEG or PNG and video to MP4, and keeps MP3, M4A
    /// and Ogg audio), and so the only ones the server can serve and the app
    /// accepts.
    pub enum MediaExt {
        /// JPEG image (also WebP uploads, re-encoded).
        Jpg = "jpg",
        /// PNG image (kept lossless: line art, transparency).
        Png = "png",
        /// H.264/AAC MP4 video.
        Mp4 = "mp4",
        /// AAC audio in an MP4 container.
        M4a = "m4a",
        /// MP3 audio.
        Mp3 = "mp3",
        /// Ogg (Vorbis or Opus) audio.
        Ogg = "ogg",
    }
}

impl MediaExt {
    /// The MIME type files of this extension are served as.
    pub fn mime(self) -> &'static str {
        match self {
            MediaExt::Jpg => "image/jpeg",
            MediaExt::Png => "image/png",
            MediaExt::Mp4 => "video/mp4",
            MediaExt::M4a => "audio/mp4",
            MediaExt::Mp3 => "audio/mpeg",
            MediaExt::Ogg => "audio/ogg",
        }
    }

    /// The kind of media files of this extension hold.
    pub fn kind(self) -> MediaKind {
        match self {
            MediaExt::Jpg | MediaExt::Png => MediaKind::Image,
            MediaExt::Mp4 => MediaKind::Video,
            MediaExt::M4a | MediaExt::Mp3 | MediaExt::Ogg => MediaKind::Audio,
        }
    }
}

/// One media asset as the app downloads it from `/media/{sha256}.{ext}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediaRef {
    /// What the asset is for.
    pub role: MediaRole,
    /// Image, video or audio.
    pub kind: MediaKind,
    /// Absolute URL of the file (immutable: the name is its SHA-256).
    #[cfg_attr(feature = "openapi", schema(format = "uri"))]
    pub url: String,
    /// MIME type, e.g. `image/jpeg`, `video/mp4`.
    pub mime: String,
    /// File size in bytes.
    pub size_bytes: u64,
    /// Width in pixels (images and videos).
    pub width: Option<u32>,
    /// Height in pixels (images and videos).
    pub height: Option<u32>,
    /// Duration in milliseconds (videos and audio), when known.
    pub duration_ms: Option<u64>,
    /// A small JPEG preview (images) or the poster frame (videos), when there is one.
    #[cfg_attr(feature = "openapi", schema(format = "uri"))]
    pub preview_url: Option<String>,
    /// Text alternative for the asset, in the requested language.
    pub alt: Option<String>,
    /// Captions of a video (`WebVTT`), Indonesian first; empty for other
    /// media and for videos without captions. Absent in older answers.
    #[serde(default)]
    pub captions: Vec<CaptionTrack>,
}

/// One captions track of a video.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaptionTrack {
    /// The language of the captions.
    pub lang: crate::Lang,
    /// Absolute URL of the `WebVTT` file (`text/vtt`; immutable: the name is
    /// the SHA-256 of its text).
    #[cfg_attr(feature = "openapi", schema(format = "uri"))]
    pub url: String,
}

/// Length of a SHA-256 digest in lowercase hex digits.
const SHA256_HEX_LEN: usize = 64;

/// The name of a stored media file, `{sha256}.{ext}`: the SHA-256 of its bytes
/// (64 lowercase hex digits) and a [`MediaExt`]. The content of a name never
/// changes, so it can be cached forever. Nothing but a value of this type
/// becomes a path, on the server or in the app's cache, which rules out path
/// traversal (no slash, no dot but one, no upper case, no other extension).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MediaName {
    sha256: String,
    ext: MediaExt,
}

/// Why a string is not a [`MediaName`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaNameError {
    /// The part before the dot is not 64 lowercase hex digits.
    NotSha256,
    /// No `.` separates the hash and an extension.
    NoExtension,
    /// The extension is not one of [`MediaExt`].
    Extension(ParseWireError),
}

impl fmt::Display for MediaNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MediaNameError::NotSha256 => f.write_str("not a lowercase SHA-256 hex digest"),
            MediaNameError::NoExtension => f.write_str("no extension"),
            MediaNameError::Extension(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for MediaNameError {}

impl MediaName {
    /// A name from a hex digest and an extension.
    ///
    /// # Errors
    /// [`MediaNameError::NotSha256`] when `sha256` is not 64 lowercase hex digits.
    pub fn new(sha256: &str, ext: MediaExt) -> Result<Self, MediaNameError> {
        let ok = sha256.len() == SHA256_HEX_LEN
            && sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !ok {
            return Err(MediaNameError::NotSha256);
        }
        Ok(Self {
            sha256: sha256.to_owned(),
            ext,
        })
    }

    /// The name of content whose SHA-256 digest is `digest`.
    pub fn from_digest(digest: [u8; 32], ext: MediaExt) -> Self {
        use fmt::Write;
        let mut sha256 = String::with_capacity(SHA256_HEX_LEN);
        for b in digest {
            // Writing to a String cannot fail.
            let _ = write!(sha256, "{b:02x}");
        }
        Self { sha256, ext }
    }

    /// The name at the end of a media URL, e.g. `https://host/media/3a…f9.jpg`
    /// (query and fragment ignored). Case-insensitive: the digest and the
    /// extension are folded to lower case, as a URL's host may have been.
    ///
    /// # Errors
    /// As [`MediaName::from_str`] on the last path segment.
    pub fn from_url(url: &str) -> Result<Self, MediaNameError> {
        let path = url.split(['?', '#']).next().unwrap_or("");
        let file = path.rsplit('/').next().unwrap_or("");
        file.to_ascii_lowercase().parse()
    }

    /// The lowercase hex digest.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The extension.
    pub fn ext(&self) -> MediaExt {
        self.ext
    }

    /// `{sha256}.{ext}`, as in `/media/` URLs and file names.
    pub fn file_name(&self) -> String {
        self.to_string()
    }
}

impl FromStr for MediaName {
    type Err = MediaNameError;

    /// Parses exactly `{64 lowercase hex}.{ext}`.
    fn from_str(file: &str) -> Result<Self, MediaNameError> {
        let (hash, ext) = file.split_once('.').ok_or(MediaNameError::NoExtension)?;
        let ext = ext.parse().map_err(MediaNameError::Extension)?;
        Self::new(hash, ext)
    }
}

impl fmt::Display for MediaName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.sha256, self.ext)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn names_are_hash_dot_known_extension_only() {
        let name: MediaName = format!("{H}.jpg").parse().unwrap();
        assert_eq!((name.sha256(), name.ext()), (H, MediaExt::Jpg));
        assert_eq!(name.file_name(), format!("{H}.jpg"));
        for bad in [
            format!("{H}.JPG"),
            format!("{H}.exe"),
            format!("{H}.webp"),
            format!("{H}.jpeg"),
            format!("../{H}.jpg"),
            format!("{}.jpg", H.to_uppercase()),
            format!("{H}.jpg\0"),
            format!("{H}.jpg/.."),
            format!("{H}.jpg.mp4"),
            format!("{}.jpg", &H[..63]),
            format!("{}.jpg", "g".repeat(64)),
            H.to_owned(),
            String::new(),
        ] {
            assert!(bad.parse::<MediaName>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn urls_give_their_last_segment_case_folded() {
        let url = format!("http://h/media/{}.JPG?x=1#y", H.to_uppercase());
        let name = MediaName::from_url(&url).unwrap();
        assert_eq!(name.file_name(), format!("{H}.jpg"));
        for bad in [
            format!("http://h/media/../{H}/.jpg"),
            "http://h/media/".to_owned(),
            format!("http://h/media/{H}.jpg.mp4/.."),
        ] {
            assert!(MediaName::from_url(&bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_digest_names_its_hex() {
        let mut d = [0u8; 32];
        d[0] = 0xab;
        d[31] = 0x01;
        let name = MediaName::from_digest(d, MediaExt::Png);
        assert_eq!(
            name.to_string(),
            format!("ab{}01.png", "0".repeat(60)),
            "lowercase, two digits a byte"
        );
        assert_eq!(name.to_string().parse::<MediaName>().unwrap(), name);
    }

    /// The words of each mapping are what serde writes, and they read back.
    #[test]
    fn wire_words_agree_with_serde() {
        fn check<T>(all: &[T])
        where
            T: Copy + fmt::Display + FromStr + Serialize + PartialEq + fmt::Debug,
            <T as FromStr>::Err: fmt::Debug,
        {
            for v in all {
                let word = v.to_string();
                assert_eq!(serde_json::to_string(v).unwrap(), format!("\"{word}\""));
                assert_eq!(word.parse::<T>().unwrap(), *v);
            }
        }
        check(MediaKind::ALL);
        check(MediaRole::ALL);
        check(MediaExt::ALL);
        assert_eq!(MediaRole::Cover.as_str(), "cover");
        assert!("Cover".parse::<MediaRole>().is_err());
        for ext in MediaExt::ALL {
            assert!(ext.mime().starts_with(ext.kind().as_str()), "{ext}");
        }
    }
}
