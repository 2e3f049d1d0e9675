//! The one rule for text typed into back-office forms, and the length limits
//! the sections check it against.

/// Longest name, classification range, place or audience of a shelf or an
/// event, in characters: one line in the back office's lists and on a phone card.
pub const MAX_NAME_CHARS: usize = 200;

/// Longest tour name, clue, question, answer choice or badge name, in
/// characters: a sentence or two that the app reads out at a stop.
pub const MAX_TOUR_LINE_CHARS: usize = 300;

/// Longest synopsis, introduction, description, narration or feedback, in
/// characters: a few paragraphs, what a visitor reads on one screen.
pub const MAX_PROSE_CHARS: usize = 5000;

/// A form value as stored: surrounding white space removed and Windows line
/// ends (browsers send `\r\n` from a textarea) made `\n`.
pub fn clean(s: &str) -> String {
    s.trim().replace("\r\n", "\n")
}

/// Whether any of `texts` has more than `max` characters (not bytes).
pub fn any_too_long<'a>(texts: impl IntoIterator<Item = &'a String>, max: usize) -> bool {
    texts.into_iter().any(|s| s.chars().count() > max)
}

/// A nullable text column's value: `NULL` for an empty form field.
pub fn null_if_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning_trims_and_unifies_line_ends() {
        assert_eq!(
            clean("  Baris satu\r\nbaris dua \n"),
            "Baris satu\nbaris dua"
        );
        assert_eq!(clean(""), "");
    }

    #[test]
    fn limits_count_characters_not_bytes() {
        let two = "éé".to_owned();
        assert!(!any_too_long([&two], 2));
        assert!(any_too_long([&two, &"abc".to_owned()], 2));
    }
}
