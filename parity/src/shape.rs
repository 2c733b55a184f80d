//! The shape of a value, which is what learned noise is made of: a noisy field is one
//! whose value changes from run to run, never one whose type, presence or format does.
//!
//! A shape is the JSON type, or `absent`; for a string, a pattern of character classes
//! with the separators kept: `2026-11-27T05:12:41.123456+00:00` is
//! `dddd-dd-ddTdd:dd:dd.dddddd+dd:dd`. The classes are chosen so that values drawn from
//! one generator share a pattern: `d` a digit; `x` (`X`) a character of a run of lower-
//! (upper-)case hex that holds both digits and letters, as in uuids and hex ids; `a` (`A`) a
//! letter. A single letter between digits (`T`, `Z` of a timestamp) is kept as it is, like
//! a separator. Lengths are kept, so `.123456` is not `.123`.
//!
//! A candidate's value *fits* a learned pattern when it has the same length and each
//! character's class is the learned one or narrower (a digit fits `x`, since a hex run
//! can happen to hold no letter). A field whose samples show more than
//! [`MAX_PATTERNS`] patterns is free text or a random token, and any string fits it.

use std::collections::BTreeSet;

/// Patterns kept per noisy path before its strings are taken to have no format.
pub(crate) const MAX_PATTERNS: usize = 16;

/// The shape of one value, as a difference shows it (compact JSON, or absent).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Shape {
    Absent,
    Null,
    Boolean,
    Number,
    Object,
    Array,
    String(String),
}

impl Shape {
    /// The shape of a value shown as compact JSON (`None` when the side has no value). A
    /// string cut at the comparison's display limit keeps the pattern of what is shown.
    pub(crate) fn of_shown(shown: Option<&str>) -> Self {
        let Some(text) = shown else {
            return Self::Absent;
        };
        match text.as_bytes().first() {
            Some(b'"') => match serde_json::from_str::<String>(text) {
                Ok(string) => Self::String(string_pattern(&string)),
                Err(_) => Self::String(string_pattern(&text[1..])),
            },
            Some(b'{') => Self::Object,
            Some(b'[') => Self::Array,
            Some(b't' | b'f') => Self::Boolean,
            Some(b'n') => Self::Null,
            Some(_) => Self::Number,
            None => Self::Absent,
        }
    }

    /// The shape of a JSON value.
    #[cfg(test)]
    pub(crate) fn of_value(value: Option<&serde_json::Value>) -> Self {
        match value {
            None => Self::Absent,
            Some(serde_json::Value::Null) => Self::Null,
            Some(serde_json::Value::Bool(_)) => Self::Boolean,
            Some(serde_json::Value::Number(_)) => Self::Number,
            Some(serde_json::Value::Object(_)) => Self::Object,
            Some(serde_json::Value::Array(_)) => Self::Array,
            Some(serde_json::Value::String(text)) => Self::String(string_pattern(text)),
        }
    }

    /// How a report shows it: `string dddd-dd-dd`, `number`, `absent`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Absent => "absent".into(),
            Self::Null => "null".into(),
            Self::Boolean => "boolean".into(),
            Self::Number => "number".into(),
            Self::Object => "object".into(),
            Self::Array => "array".into(),
            Self::String(pattern) => format!("string {pattern}"),
        }
    }
}

/// The shapes seen at one noisy path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ShapeSet {
    shapes: BTreeSet<Shape>,
    /// More string patterns were seen than are kept: any string fits.
    any_string: bool,
}

impl ShapeSet {
    pub(crate) fn insert(&mut self, shape: Shape) {
        if let Shape::String(_) = shape {
            if self.any_string {
                return;
            }
            let patterns = self.shapes.iter().filter(|shape| matches!(shape, Shape::String(_))).count();
            if patterns >= MAX_PATTERNS && !self.shapes.contains(&shape) {
                self.shapes.retain(|shape| !matches!(shape, Shape::String(_)));
                self.any_string = true;
                return;
            }
        }
        self.shapes.insert(shape);
    }

    /// Whether a value of `shape` is one the baseline showed against itself.
    pub(crate) fn fits(&self, shape: &Shape) -> bool {
        match shape {
            Shape::String(pattern) => {
                self.any_string
                    || self.shapes.iter().any(|learned| match learned {
                        Shape::String(learned) => pattern_fits(pattern, learned),
                        _ => false,
                    })
            }
            other => self.shapes.contains(other),
        }
    }

    /// The shapes as a report lists them.
    pub(crate) fn describe(&self) -> Vec<String> {
        let mut shown: Vec<String> = self.shapes.iter().map(Shape::describe).collect();
        if self.any_string {
            shown.push("string (any)".into());
        }
        shown
    }
}

/// The pattern of a string: see the module documentation.
pub(crate) fn string_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphanumeric()) {
        pattern.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
        push_run_pattern(&mut pattern, &rest[..end]);
        rest = &rest[end..];
    }
    pattern.push_str(rest);
    pattern
}

/// One run of ASCII letters and digits.
fn push_run_pattern(pattern: &mut String, run: &str) {
    let has_digit = run.bytes().any(|b| b.is_ascii_digit());
    let has_letter = run.bytes().any(|b| b.is_ascii_alphabetic());
    if has_digit && has_letter {
        if run.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            pattern.extend(std::iter::repeat_n('x', run.len()));
            return;
        }
        if run.bytes().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F')) {
            pattern.extend(std::iter::repeat_n('X', run.len()));
            return;
        }
    }
    let bytes = run.as_bytes();
    for (index, &byte) in bytes.iter().enumerate() {
        let class = match byte {
            b'0'..=b'9' => 'd',
            letter => {
                let previous_is_digit = index > 0 && bytes[index - 1].is_ascii_digit();
                let next = bytes.get(index + 1);
                let lone = next.is_none_or(u8::is_ascii_digit) && (index == 0 || previous_is_digit);
                if lone && has_digit {
                    char::from(letter)
                } else if letter.is_ascii_lowercase() {
                    'a'
                } else {
                    'A'
                }
            }
        };
        pattern.push(class);
    }
}

/// Whether a value with pattern `candidate` is of the format `learned` describes.
fn pattern_fits(candidate: &str, learned: &str) -> bool {
    candidate.chars().count() == learned.chars().count()
        && candidate.chars().zip(learned.chars()).all(|(c, l)| {
            c == l
                || match l {
                    // A hex run can happen to hold only digits, or only letters.
                    'x' => c == 'd' || c == 'a',
                    'X' => c == 'd' || c == 'A',
                    // A letter kept as it is (one between digits) is still a letter.
                    'a' => c.is_ascii_lowercase(),
                    'A' => c.is_ascii_uppercase(),
                    _ => false,
                }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn strings_have_patterns_of_classes_and_separators() {
        assert_eq!(string_pattern("2026-11-27T05:12:41.123456+00:00"), "dddd-dd-ddTdd:dd:dd.dddddd+dd:dd");
        assert_eq!(string_pattern("2026-11-27T05:12:41Z"), "dddd-dd-ddTdd:dd:ddZ");
        assert_eq!(string_pattern("0f8fad5b-d9cb-469f-a165-70867728950e"), "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
        assert_eq!(string_pattern("req-42"), "aaa-dd");
        assert_eq!(string_pattern("PENDING"), "AAAAAAA");
        assert_eq!(string_pattern("café 1"), "aaaé d");
    }

    #[test]
    fn a_value_fits_the_format_it_was_drawn_from_and_no_other() {
        let mut learned = ShapeSet::default();
        for sample in ["2026-11-27T05:12:41.123456+00:00", "0f8fad5b-d9cb-469f-a165-70867728950e"] {
            learned.insert(Shape::of_value(Some(&Value::from(sample))));
        }
        let fits = |text: &str| learned.fits(&Shape::of_value(Some(&Value::from(text))));
        assert!(fits("2031-01-02T23:59:59.000001+00:00"));
        assert!(fits("12345678-1234-4321-8765-123456789012"), "a hex run of digits only");
        assert!(fits("deadbeef-cafe-face-abcd-0123456789ab"));
        assert!(!fits("2031-01-02T23:59:59.000001Z"), "another zone designator");
        assert!(!fits("2031-01-02T23:59:59+00:00"), "no fraction");
        assert!(!fits("2031-01-02 23:59:59.000001+00:00"), "another separator");
        assert!(!fits("0F8FAD5B-D9CB-469F-A165-70867728950E"), "upper case");
        assert!(!learned.fits(&Shape::Null));
        assert!(!learned.fits(&Shape::Absent));
        assert!(!learned.fits(&Shape::Number));
    }

    #[test]
    fn many_patterns_mean_any_string() {
        let mut learned = ShapeSet::default();
        for length in 1..=MAX_PATTERNS + 1 {
            learned.insert(Shape::String("a".repeat(length)));
        }
        assert!(learned.fits(&Shape::String("dd:dd".into())));
        assert!(!learned.fits(&Shape::Number));
        assert_eq!(learned.describe(), ["string (any)"]);
    }

    #[test]
    fn shown_values_have_the_shape_of_what_they_show() {
        assert_eq!(Shape::of_shown(None), Shape::Absent);
        assert_eq!(Shape::of_shown(Some("null")), Shape::Null);
        assert_eq!(Shape::of_shown(Some("-1.5")), Shape::Number);
        assert_eq!(Shape::of_shown(Some("[1]")), Shape::Array);
        assert_eq!(Shape::of_shown(Some("\"ab-12\"")), Shape::String("aa-dd".into()));
        assert_eq!(Shape::of_shown(Some("\"ab-12…")), Shape::String("aa-dd…".into()));
    }
}
