//! Host-derived text made safe to print: logs and config files may hold escape sequences
//! or other control characters meant to rewrite an operator's terminal.

use std::borrow::Cow;

/// Replaces every control character (C0, DEL, C1) except the ordinary space with a
/// visible `\xNN` / `\u{…}` escape; tabs become a space. Pure.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' => out.push(' '),
            c if (c as u32) < 0x80 && is_unsafe(c) => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn is_unsafe(c: char) -> bool {
    c.is_control()
        // Bidirectional overrides can make a log line read differently than it is.
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// At most `max` characters of `text`, with an ellipsis when cut.
pub fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => Cow::Owned(format!("{}…", &text[..cut])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("plain text"), "plain text");
        assert_eq!(printable("a\x1b[31mred"), "a\\x1b[31mred");
        assert_eq!(printable("line\r\nnext\0"), "line\\x0d\\x0anext\\x00");
        assert_eq!(printable("tab\there"), "tab here");
        assert_eq!(printable("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(printable("evil\u{202e}txt"), "evil\\u{202e}txt");
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate("héllo", 2), "hé…");
        assert_eq!(truncate("hi", 5), "hi");
    }
}
