//! JSON text as Python's `json.dumps(value)` writes it with its defaults, so the Rust
//! answers' bodies equal the Python ones byte for byte: `", "` between items, `": "`
//! after keys, and every character outside printable ASCII (DEL included) escaped as
//! `\uXXXX`, with surrogate pairs past U+FFFF (`ensure_ascii=True`). Keys keep their
//! insertion order (serde_json's `preserve_order`), as a Python dict does.

use std::io;

use serde_json::Value;
use serde_json::ser::{Formatter, Serializer};

/// `json.dumps(value)`.
pub fn to_python_json(value: &Value) -> String {
    let mut text = Vec::new();
    let mut serializer = Serializer::with_formatter(&mut text, PythonFormatter);
    // Writing a `Value` to a Vec cannot fail: its keys are strings and its numbers finite.
    if serde::Serialize::serialize(value, &mut serializer).is_err() {
        return String::new();
    }
    // Only ASCII was written.
    String::from_utf8(text).unwrap_or_default()
}

struct PythonFormatter;

impl Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { writer.write_all(b", ") }
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { writer.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    // serde_json escapes quotes, backslashes and control characters itself, as Python
    // does (`\n`, `\u001f`); the rest of a string comes here.
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        for character in fragment.chars() {
            if (' '..='~').contains(&character) {
                writer.write_all(&[character as u8])?;
            } else {
                let mut units = [0u16; 2];
                for unit in character.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_what_json_dumps_writes() {
        let value = json!({"b": 1, "a": [1, 2, {}], "text": "crème \"brûlée\" \u{7f}\n😀", "none": null});
        // python3 -c 'import json; print(json.dumps({"b": 1, "a": [1, 2, {}], "text": "crème \"brûlée\" \x7f\n😀", "none": None}))'
        let python = r#"{"b": 1, "a": [1, 2, {}], "text": "cr\u00e8me \"br\u00fbl\u00e9e\" \u007f\n\ud83d\ude00", "none": null}"#;
        assert_eq!(to_python_json(&value), python);
    }
}
