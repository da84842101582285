//! What text in the user's files may hold. Whatever a file says can be
//! echoed to a terminal, a report page or JUnit XML, so characters a
//! terminal acts on, or that reorder or hide what a reader sees, are
//! refused where the file is read, with a located error. One policy per
//! class of field (README "Input limits"):
//!
//! - every scalar of every file, keys and values: no C0 control character
//!   but tab and line feed, no DEL, no C1 control (U+0080–U+009F), no
//!   Unicode bidirectional control (UAX #9 §2.1–2.7: ALM, LRM, RLM,
//!   LRE/RLE/PDF/LRO/RLO, LRI/RLI/FSI/PDI), no line or paragraph separator
//!   (U+2028/U+2029) and no U+FEFF after the start of the file (a BOM there
//!   is accepted and dropped). Checked in the spans pass, before serde.
//! - names and one-line text (plan, test, rig, device, profile and region
//!   names, clauses, identities, site text): also no tab or line break,
//!   at most [`MAX_LINE_CHARS`] characters.
//!
//! Error messages escape whatever they quote as well ([`escape`]), so a
//! path given on the command line cannot reach the terminal raw either.

use super::check::Checker;
use std::borrow::Cow;

/// Longest name or one-line text: keeps report titles, table cells and
/// terminal lines bounded (our choice; an address line fits easily).
pub const MAX_LINE_CHARS: usize = 200;

/// Unicode bidirectional formatting characters (UAX #9 §2, Bidi_Control=Yes).
const BIDI_CONTROLS: [char; 12] = [
    '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}',
    '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
];

/// Refused anywhere in a file's text (tab and line feed are allowed).
pub fn is_refused(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n')
        || BIDI_CONTROLS.contains(&c)
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

/// The first refused character of `text` and its 1-based position.
pub fn first_refused(text: &str) -> Option<(usize, char)> {
    text.chars()
        .enumerate()
        .find(|&(_, c)| is_refused(c))
        .map(|(i, c)| (i + 1, c))
}

/// `control character U+001B (ESC)`: how a message names a character it refuses.
pub fn describe(c: char) -> String {
    let name = match c {
        '\0' => "NUL",
        '\u{7}' => "BEL",
        '\u{8}' => "BACKSPACE",
        '\t' => "TAB",
        '\n' => "LINE FEED",
        '\r' => "CARRIAGE RETURN",
        '\u{1B}' => "ESC",
        '\u{7F}' => "DEL",
        '\u{9B}' => "CSI",
        '\u{061C}' => "ARABIC LETTER MARK",
        '\u{200E}' => "LEFT-TO-RIGHT MARK",
        '\u{200F}' => "RIGHT-TO-LEFT MARK",
        '\u{202A}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202B}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202C}' => "POP DIRECTIONAL FORMATTING",
        '\u{202D}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202E}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        '\u{2069}' => "POP DIRECTIONAL ISOLATE",
        '\u{2028}' => "LINE SEPARATOR",
        '\u{2029}' => "PARAGRAPH SEPARATOR",
        '\u{FEFF}' => "ZERO WIDTH NO-BREAK SPACE (BOM)",
        c if c.is_control() => "control character",
        _ => "",
    };
    let class = if c.is_control() {
        "control character"
    } else if BIDI_CONTROLS.contains(&c) {
        "bidirectional control"
    } else {
        "character"
    };
    if name.is_empty() || name == class {
        format!("{class} U+{:04X}", c as u32)
    } else {
        format!("{class} U+{:04X} ({name})", c as u32)
    }
}

/// `text` with refused characters, tabs and line breaks written as `\u{…}`:
/// for messages that quote what a file or command line said.
pub fn escape(text: &str) -> Cow<'_, str> {
    let bad = |c: char| is_refused(c) || c == '\t' || c == '\n';
    if !text.contains(bad) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if bad(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A name or one-line text: no tab or line break (the refused characters
/// are already refused for the whole file), at most [`MAX_LINE_CHARS`].
/// Emptiness is the caller's to word. Returns whether it passed.
pub(crate) fn one_line(c: &mut Checker, key: &str, value: &str) -> bool {
    let hint = format!("expected one line of text, 1 to {MAX_LINE_CHARS} characters");
    if let Some((pos, ch)) = value
        .chars()
        .enumerate()
        .find(|&(_, ch)| ch.is_control() || is_refused(ch))
    {
        c.invalid(
            key,
            format!("{} at position {} of the text", describe(ch), pos + 1),
            format!("{hint}, no line breaks or tabs"),
        );
        false
    } else if value.chars().count() > MAX_LINE_CHARS {
        c.invalid(
            key,
            format!("{} characters is too long", value.chars().count()),
            hint,
        );
        false
    } else {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_and_bidi_controls_are_refused_tab_and_newline_are_not() {
        for c in [
            '\u{1b}', '\u{7}', '\r', '\0', '\u{7f}', '\u{85}', '\u{9b}', '\u{202e}', '\u{2067}',
            '\u{feff}',
        ] {
            assert!(is_refused(c), "{c:?}");
        }
        for c in ['\t', '\n', 'a', 'é', '§', '–', '\u{200d}', '€'] {
            assert!(!is_refused(c), "{c:?}");
        }
        assert_eq!(first_refused("ab\u{202e}c"), Some((3, '\u{202e}')));
        assert_eq!(describe('\u{1b}'), "control character U+001B (ESC)");
        assert_eq!(
            describe('\u{202e}'),
            "bidirectional control U+202E (RIGHT-TO-LEFT OVERRIDE)"
        );
        assert_eq!(describe('\u{85}'), "control character U+0085");
    }

    #[test]
    fn escape_quotes_what_it_must() {
        assert_eq!(escape("plain §5.10"), "plain §5.10");
        assert_eq!(escape("a\u{1b}[31m\n"), "a\\u{1b}[31m\\u{a}");
    }
}
