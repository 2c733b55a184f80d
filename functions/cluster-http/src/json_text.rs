//! A JSON string the way Python's `json.dumps` writes it with `ensure_ascii=True`: every
//! character outside printable ASCII as `\uXXXX` (lowercase hex, astral characters as
//! surrogate pairs), with the short escapes for `\" \\ \n \r \t \b \f`.

/// Appends `text` as a Python-style JSON string literal (quotes included) to `out`.
pub fn write_python_json_string(out: &mut String, text: &str) {
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            ' '..='~' => out.push(character),
            _ => {
                let mut units = [0u16; 2];
                for unit in character.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dumped(text: &str) -> String {
        let mut out = String::new();
        write_python_json_string(&mut out, text);
        out
    }

    #[test]
    fn escapes_like_python() {
        assert_eq!(dumped("a\"b\\c\nd\u{7f}"), r#""a\"b\\c\nd\u007f""#);
        assert_eq!(dumped("é😀\u{01}"), r#""\u00e9\ud83d\ude00\u0001""#);
    }
}
