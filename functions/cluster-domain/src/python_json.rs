//! Python's JSON and text formats, byte for byte.
//!
//! - [`dumps`]: `json.dumps(obj, separators=(",", ":"), cls=powertools Encoder)`, what
//!   every response body is: `ensure_ascii` escapes, Python float `repr`, `Decimal` as a
//!   JSON string, dict insertion order.
//! - [`dumps_default`]: `json.dumps(obj)` with the default `", "` and `": "`
//!   separators (the paging token is built from it).
//! - [`dumps_pydantic`]: pydantic's `model_dump_json()` (compact, UTF-8 unescaped).
//! - [`loads`]: `json.loads`, including `NaN`/`Infinity`, integers of any size and
//!   repeated keys.
//! - [`str_repr`] and [`float_repr`]: `repr()` of a `str` and of a `float`.

use crate::unicode_tables::NON_PRINTABLE;
use crate::value::{PyDict, PyInt, PyValue};

/// `json.dumps(value, separators=(",", ":"), cls=Encoder)`.
pub fn dumps(value: &PyValue) -> String {
    let mut out = String::new();
    write_value(&mut out, value, Style::COMPACT_ASCII);
    out
}

/// `json.dumps(value)`: separators `", "` and `": "`, ASCII escapes.
pub fn dumps_default(value: &PyValue) -> String {
    let mut out = String::new();
    write_value(&mut out, value, Style::DEFAULT_ASCII);
    out
}

/// pydantic v2's `model_dump_json()`: compact, non-ASCII written as UTF-8.
pub fn dumps_pydantic(value: &PyValue) -> String {
    let mut out = String::new();
    write_value(&mut out, value, Style::PYDANTIC);
    out
}

#[derive(Clone, Copy)]
struct Style {
    item_separator: &'static str,
    key_separator: &'static str,
    ensure_ascii: bool,
}

impl Style {
    const COMPACT_ASCII: Self = Self { item_separator: ",", key_separator: ":", ensure_ascii: true };
    const DEFAULT_ASCII: Self = Self { item_separator: ", ", key_separator: ": ", ensure_ascii: true };
    const PYDANTIC: Self = Self { item_separator: ",", key_separator: ":", ensure_ascii: false };
}

fn write_value(out: &mut String, value: &PyValue, style: Style) {
    match value {
        PyValue::None => out.push_str("null"),
        PyValue::Bool(true) => out.push_str("true"),
        PyValue::Bool(false) => out.push_str("false"),
        PyValue::Int(number) => out.push_str(&number.to_string()),
        PyValue::Float(number) => out.push_str(&float_json(*number)),
        // The powertools encoder turns a Decimal into `str(decimal)`, which json then
        // writes as a string (a NaN Decimal becomes the float NaN).
        PyValue::Decimal(text) if text.eq_ignore_ascii_case("nan") => out.push_str("NaN"),
        PyValue::Decimal(text) | PyValue::Str(text) => write_string(out, text, style.ensure_ascii),
        PyValue::List(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push_str(style.item_separator);
                }
                write_value(out, item, style);
            }
            out.push(']');
        }
        PyValue::Dict(dict) => {
            out.push('{');
            for (index, (key, item)) in dict.iter().enumerate() {
                if index > 0 {
                    out.push_str(style.item_separator);
                }
                write_string(out, key, style.ensure_ascii);
                out.push_str(style.key_separator);
                write_value(out, item, style);
            }
            out.push('}');
        }
    }
}

/// A float as `json.dumps` writes it: `repr`, or `NaN`/`Infinity`/`-Infinity`.
fn float_json(number: f64) -> String {
    if number.is_nan() {
        "NaN".to_owned()
    } else if number.is_infinite() {
        if number > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else {
        float_repr(number)
    }
}

/// A JSON string literal. With `ensure_ascii` (Python's json) every character outside
/// printable ASCII becomes `\uXXXX` (lowercase hex, astral characters as surrogate
/// pairs); without it (pydantic) only `"`, `\` and control characters are escaped.
fn write_string(out: &mut String, text: &str, ensure_ascii: bool) {
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(character),
            _ if (character as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", character as u32)),
            _ if !ensure_ascii => out.push(character),
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

/// `repr(float)`: the shortest string that round-trips, in fixed notation when the
/// decimal exponent is in `-4..16`, else `1e+16`-style scientific notation.
pub fn float_repr(number: f64) -> String {
    if number.is_nan() {
        return "nan".to_owned();
    }
    if number.is_infinite() {
        return if number > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    // Rust's `{:e}` gives the same shortest round-trip digits as Python's repr.
    let scientific = format!("{:e}", number.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let decimal_point = exponent + 1;
    let sign = if number.is_sign_negative() { "-" } else { "" };
    let body = if -4 < decimal_point && decimal_point <= 16 {
        let digit_count = digits.len() as i32;
        if decimal_point <= 0 {
            format!("0.{}{digits}", "0".repeat((-decimal_point) as usize))
        } else if decimal_point >= digit_count {
            format!("{digits}{}.0", "0".repeat((decimal_point - digit_count) as usize))
        } else {
            let (whole, fraction) = digits.split_at(decimal_point as usize);
            format!("{whole}.{fraction}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let exponent_sign = if exponent < 0 { '-' } else { '+' };
        format!("{first}{fraction}e{exponent_sign}{:02}", exponent.abs())
    };
    format!("{sign}{body}")
}

/// `repr(text)`: single quotes unless the text holds `'` and no `"`; backslash, the
/// quote, `\t`, `\n`, `\r` escaped; other non-printable characters as `\xhh`, `\uhhhh`
/// or `\Uhhhhhhhh`; printable non-ASCII kept as is.
pub fn str_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for character in text.chars() {
        match character {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ if character == quote => {
                out.push('\\');
                out.push(character);
            }
            _ if is_printable(character) => out.push(character),
            _ => {
                let code = character as u32;
                if code < 0x100 {
                    out.push_str(&format!("\\x{code:02x}"));
                } else if code < 0x10000 {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
        }
    }
    out.push(quote);
    out
}

/// Python's `str.isprintable()` for one character (Unicode 14.0, as Python 3.11).
pub fn is_printable(character: char) -> bool {
    let code = character as u32;
    if (0x20..0x7f).contains(&code) {
        return true;
    }
    NON_PRINTABLE
        .binary_search_by(|&(low, high)| {
            if high < code {
                std::cmp::Ordering::Less
            } else if low > code {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_err()
}

/// Why `json.loads` refused a text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadsError {
    /// A `json.JSONDecodeError`: the handlers answer BODY_NOT_JSON.
    #[error("{message}: line {line} column {column} (char {position})")]
    Decode {
        /// The error without its position (`Expecting value`).
        message: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error, in characters.
        column: usize,
        /// 0-based character offset of the error (Python's `pos`).
        position: usize,
    },
    /// Python raises a plain `ValueError` (not a `JSONDecodeError`) for an integer of
    /// more than 4300 digits; the Python handlers let it escape.
    #[error(
        "Exceeds the limit (4300 digits) for integer string conversion: value has {digits} digits; use sys.set_int_max_str_digits() to increase the limit"
    )]
    IntegerTooLong {
        /// The digits the integer had.
        digits: usize,
    },
    /// Python raises `RecursionError` for very deep nesting; the handlers let it escape.
    #[error("maximum recursion depth exceeded while decoding a JSON document")]
    TooDeep,
    /// A `\ud800`-style lone surrogate: Python keeps it in the `str`, Rust strings
    /// cannot hold it.
    #[error("lone surrogate \\u{code:04x} at char {position}")]
    LoneSurrogate {
        /// The surrogate code unit (`0xd800..=0xdfff`).
        code: u32,
        /// 0-based character offset of its `\u` escape.
        position: usize,
    },
}

impl LoadsError {
    /// Whether Python reports this as a `json.JSONDecodeError` (what the handlers catch).
    pub fn is_decode_error(&self) -> bool {
        matches!(self, Self::Decode { .. })
    }
}

/// How deep `json.loads` can nest before Python's recursion limit (1000 frames, minus
/// the frames of the Lambda runtime and handler) stops it.
const MAX_DEPTH: usize = 900;

/// `json.loads(text)`.
pub fn loads(text: &str) -> Result<PyValue, LoadsError> {
    let characters: Vec<char> = text.chars().collect();
    let mut parser = Parser { characters: &characters, position: 0, depth: 0 };
    parser.skip_whitespace();
    let value = parser.value()?;
    parser.skip_whitespace();
    if parser.position != characters.len() {
        return Err(parser.decode_error("Extra data"));
    }
    Ok(value)
}

struct Parser<'a> {
    characters: &'a [char],
    position: usize,
    depth: usize,
}

impl Parser<'_> {
    fn decode_error(&self, message: &str) -> LoadsError {
        self.decode_error_at(message, self.position)
    }

    fn decode_error_at(&self, message: &str, position: usize) -> LoadsError {
        let before = &self.characters[..position.min(self.characters.len())];
        let line = before.iter().filter(|character| **character == '\n').count() + 1;
        let column = match before.iter().rposition(|character| *character == '\n') {
            Some(newline) => position - newline,
            None => position + 1,
        };
        LoadsError::Decode { message: message.to_owned(), line, column, position }
    }

    fn peek(&self) -> Option<char> {
        self.characters.get(self.position).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.position += 1;
        }
    }

    fn starts_with(&self, word: &str) -> bool {
        (self.position..).zip(word.chars()).all(|(index, expected)| self.characters.get(index) == Some(&expected))
    }

    fn value(&mut self) -> Result<PyValue, LoadsError> {
        let Some(character) = self.peek() else {
            return Err(self.decode_error("Expecting value"));
        };
        match character {
            '"' => {
                self.position += 1;
                self.string().map(PyValue::Str)
            }
            '{' => self.nested(Self::object),
            '[' => self.nested(Self::array),
            'n' if self.starts_with("null") => self.word(4, PyValue::None),
            't' if self.starts_with("true") => self.word(4, PyValue::Bool(true)),
            'f' if self.starts_with("false") => self.word(5, PyValue::Bool(false)),
            'N' if self.starts_with("NaN") => self.word(3, PyValue::Float(f64::NAN)),
            'I' if self.starts_with("Infinity") => self.word(8, PyValue::Float(f64::INFINITY)),
            '-' if self.starts_with("-Infinity") => self.word(9, PyValue::Float(f64::NEG_INFINITY)),
            '-' | '0'..='9' => self.number(),
            _ => Err(self.decode_error("Expecting value")),
        }
    }

    fn word(&mut self, length: usize, value: PyValue) -> Result<PyValue, LoadsError> {
        self.position += length;
        Ok(value)
    }

    fn nested(&mut self, parse: fn(&mut Self) -> Result<PyValue, LoadsError>) -> Result<PyValue, LoadsError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(LoadsError::TooDeep);
        }
        let value = parse(self);
        self.depth -= 1;
        value
    }

    /// Python's number pattern: `-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?`; an integer
    /// when there is neither fraction nor exponent.
    fn number(&mut self) -> Result<PyValue, LoadsError> {
        let start = self.position;
        let mut index = start;
        let digit_at = |index: usize| self.characters.get(index).is_some_and(char::is_ascii_digit);
        if self.characters.get(index) == Some(&'-') {
            index += 1;
        }
        match self.characters.get(index) {
            Some('0') => index += 1,
            Some('1'..='9') => {
                while digit_at(index) {
                    index += 1;
                }
            }
            _ => return Err(self.decode_error("Expecting value")),
        }
        let mut is_float = false;
        if self.characters.get(index) == Some(&'.') && digit_at(index + 1) {
            index += 1;
            while digit_at(index) {
                index += 1;
            }
            is_float = true;
        }
        if matches!(self.characters.get(index), Some('e' | 'E')) {
            let mut exponent = index + 1;
            if matches!(self.characters.get(exponent), Some('+' | '-')) {
                exponent += 1;
            }
            if digit_at(exponent) {
                while digit_at(exponent) {
                    exponent += 1;
                }
                index = exponent;
                is_float = true;
            }
        }
        let text: String = self.characters[start..index].iter().collect();
        self.position = index;
        if is_float {
            return Ok(PyValue::Float(text.parse().unwrap_or(f64::NAN)));
        }
        let digits = text.trim_start_matches('-').len();
        if digits > 4300 {
            return Err(LoadsError::IntegerTooLong { digits });
        }
        PyInt::parse_decimal(&text).map(PyValue::Int).ok_or_else(|| self.decode_error_at("Expecting value", start))
    }

    /// The rest of a string after its opening quote (strict: no raw control characters).
    fn string(&mut self) -> Result<String, LoadsError> {
        let start = self.position - 1;
        let mut text = String::new();
        loop {
            let Some(character) = self.peek() else {
                return Err(self.decode_error_at("Unterminated string starting at", start));
            };
            self.position += 1;
            match character {
                '"' => return Ok(text),
                '\\' => {
                    let Some(escape) = self.peek() else {
                        return Err(self.decode_error_at("Unterminated string starting at", start));
                    };
                    match escape {
                        '"' => text.push('"'),
                        '\\' => text.push('\\'),
                        '/' => text.push('/'),
                        'b' => text.push('\u{8}'),
                        'f' => text.push('\u{c}'),
                        'n' => text.push('\n'),
                        'r' => text.push('\r'),
                        't' => text.push('\t'),
                        'u' => {
                            let escape_start = self.position - 1;
                            self.position += 1;
                            let code = self.hex4(escape_start)?;
                            text.push(self.unicode_escape(code, escape_start)?);
                            continue;
                        }
                        _ => return Err(self.decode_error_at("Invalid \\escape", self.position - 1)),
                    }
                    self.position += 1;
                }
                _ if (character as u32) < 0x20 => {
                    return Err(self.decode_error_at("Invalid control character at", self.position - 1));
                }
                _ => text.push(character),
            }
        }
    }

    fn hex4(&mut self, escape_start: usize) -> Result<u32, LoadsError> {
        let digits = self.characters.get(self.position..self.position + 4);
        let code = digits.and_then(|digits| {
            let text: String = digits.iter().collect();
            if text.chars().all(|character| character.is_ascii_hexdigit()) {
                u32::from_str_radix(&text, 16).ok()
            } else {
                None
            }
        });
        match code {
            Some(code) => {
                self.position += 4;
                Ok(code)
            }
            None => Err(self.decode_error_at("Invalid \\uXXXX escape", escape_start)),
        }
    }

    /// A `\uXXXX` code, joined with a following `\uDCxx` when it is a high surrogate.
    fn unicode_escape(&mut self, code: u32, escape_start: usize) -> Result<char, LoadsError> {
        if (0xd800..0xdc00).contains(&code) && self.starts_with("\\u") {
            let saved = self.position;
            self.position += 2;
            let low = self.hex4(saved)?;
            if (0xdc00..0xe000).contains(&low) {
                let combined = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                return char::from_u32(combined).ok_or(LoadsError::LoneSurrogate { code, position: escape_start });
            }
            self.position = saved;
        }
        char::from_u32(code).ok_or(LoadsError::LoneSurrogate { code, position: escape_start })
    }

    fn object(&mut self) -> Result<PyValue, LoadsError> {
        self.position += 1;
        let mut dict = PyDict::new();
        self.skip_whitespace();
        if self.peek() == Some('}') {
            self.position += 1;
            return Ok(PyValue::Dict(dict));
        }
        loop {
            if self.peek() != Some('"') {
                return Err(self.decode_error("Expecting property name enclosed in double quotes"));
            }
            self.position += 1;
            let key = self.string()?;
            self.skip_whitespace();
            if self.peek() != Some(':') {
                return Err(self.decode_error("Expecting ':' delimiter"));
            }
            self.position += 1;
            self.skip_whitespace();
            let value = self.value()?;
            dict.insert(key, value);
            self.skip_whitespace();
            match self.peek() {
                Some('}') => {
                    self.position += 1;
                    return Ok(PyValue::Dict(dict));
                }
                Some(',') => {
                    self.position += 1;
                    self.skip_whitespace();
                }
                _ => return Err(self.decode_error("Expecting ',' delimiter")),
            }
        }
    }

    fn array(&mut self) -> Result<PyValue, LoadsError> {
        self.position += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(']') {
            self.position += 1;
            return Ok(PyValue::List(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_whitespace();
            match self.peek() {
                Some(']') => {
                    self.position += 1;
                    return Ok(PyValue::List(items));
                }
                Some(',') => {
                    self.position += 1;
                    self.skip_whitespace();
                }
                _ => return Err(self.decode_error("Expecting ',' delimiter")),
            }
        }
    }
}

/// A `serde_json::Value` (an API Gateway event field) as a Python value. serde_json
/// numbers that are integers become `int`, others `float`.
pub fn from_serde(value: &serde_json::Value) -> PyValue {
    match value {
        serde_json::Value::Null => PyValue::None,
        serde_json::Value::Bool(flag) => PyValue::Bool(*flag),
        serde_json::Value::Number(number) => match number.as_i64() {
            Some(integer) => PyValue::int(integer),
            None => match number.as_u64() {
                Some(unsigned) => PyInt::parse_decimal(&unsigned.to_string()).map_or(PyValue::None, PyValue::Int),
                None => PyValue::Float(number.as_f64().unwrap_or(f64::NAN)),
            },
        },
        serde_json::Value::String(text) => PyValue::Str(text.clone()),
        serde_json::Value::Array(items) => PyValue::List(items.iter().map(from_serde).collect()),
        serde_json::Value::Object(map) => {
            PyValue::Dict(map.iter().map(|(key, value)| (key.clone(), from_serde(value))).collect())
        }
    }
}
