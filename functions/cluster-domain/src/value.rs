//! A model of the Python values the platform passes around: what `json.loads` gives,
//! what pydantic's `model_dump` gives, and what boto3's DynamoDB resource layer returns.
//!
//! The Python original's answers are `json.dumps` of these values, so the model keeps
//! the distinctions Python makes and serde_json does not: integers of any size,
//! `Decimal` (a number read from DynamoDB, printed as a string), and dicts that keep
//! insertion order with Python's "first position, last value" rule for repeated keys.

use std::cmp::Ordering;
use std::fmt;

/// A Python value as it appears in request bodies, DynamoDB items and responses.
#[derive(Debug, Clone, PartialEq)]
pub enum PyValue {
    /// `None` (JSON `null`).
    None,
    /// `True` or `False`.
    Bool(bool),
    /// An `int` of any size.
    Int(PyInt),
    /// A `float`; JSON's `NaN` and `Infinity` included, as `json.loads` reads them.
    Float(f64),
    /// A `decimal.Decimal`, held as `str(Decimal)`. boto3 returns every DynamoDB number
    /// this way, and the powertools encoder writes it as a JSON string.
    Decimal(String),
    /// A `str`.
    Str(String),
    /// A `list`.
    List(Vec<PyValue>),
    /// A `dict`, in insertion order.
    Dict(PyDict),
}

impl PyValue {
    /// A `str` value.
    pub fn str(text: impl Into<String>) -> Self {
        Self::Str(text.into())
    }

    /// An `int` value from a machine integer.
    pub fn int(number: i64) -> Self {
        Self::Int(PyInt::from(number))
    }

    /// The text of a `str`; `None` for any other type (a `Decimal` included).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(text) => Some(text),
            _ => None,
        }
    }

    /// The dict of a `dict`; `None` for any other type.
    pub fn as_dict(&self) -> Option<&PyDict> {
        match self {
            Self::Dict(dict) => Some(dict),
            _ => None,
        }
    }

    /// The items of a `list`; `None` for any other type.
    pub fn as_list(&self) -> Option<&[PyValue]> {
        match self {
            Self::List(items) => Some(items),
            _ => None,
        }
    }

    /// Python's `value is None`.
    pub fn is_none(&self) -> bool {
        matches!(self, Self::None)
    }

    /// The Python class name, as exception messages print it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::None => "NoneType",
            Self::Bool(_) => "bool",
            Self::Int(_) => "int",
            Self::Float(_) => "float",
            Self::Decimal(_) => "decimal.Decimal",
            Self::Str(_) => "str",
            Self::List(_) => "list",
            Self::Dict(_) => "dict",
        }
    }

    /// Whether a float hides anywhere in the value: boto3's serializer refuses one
    /// (`TypeError: Float types are not supported. Use Decimal types instead.`).
    pub fn contains_float(&self) -> bool {
        match self {
            Self::Float(_) => true,
            Self::List(items) => items.iter().any(PyValue::contains_float),
            Self::Dict(dict) => dict.iter().any(|(_, value)| value.contains_float()),
            _ => false,
        }
    }

    /// Python's `bool(value)`: what `if value:` decides.
    pub fn truthy(&self) -> bool {
        match self {
            Self::None => false,
            Self::Bool(flag) => *flag,
            Self::Int(number) => !number.is_zero(),
            Self::Float(number) => *number != 0.0,
            Self::Decimal(text) => !decimal_text_is_zero(text),
            Self::Str(text) => !text.is_empty(),
            Self::List(items) => !items.is_empty(),
            Self::Dict(dict) => !dict.is_empty(),
        }
    }

    /// Python's `str(value)` for the scalar values that are formatted into messages
    /// (`f"{value}"`): `None`, `True`, numbers and strings.
    pub fn python_str(&self) -> String {
        match self {
            Self::None => "None".to_owned(),
            Self::Bool(true) => "True".to_owned(),
            Self::Bool(false) => "False".to_owned(),
            Self::Int(number) => number.to_string(),
            Self::Float(number) => crate::python_json::float_repr(*number),
            Self::Decimal(text) | Self::Str(text) => text.clone(),
            Self::List(_) | Self::Dict(_) => crate::python_json::dumps_default(self),
        }
    }
}

impl From<&str> for PyValue {
    fn from(text: &str) -> Self {
        Self::Str(text.to_owned())
    }
}

impl From<String> for PyValue {
    fn from(text: String) -> Self {
        Self::Str(text)
    }
}

impl From<bool> for PyValue {
    fn from(flag: bool) -> Self {
        Self::Bool(flag)
    }
}

impl From<PyInt> for PyValue {
    fn from(number: PyInt) -> Self {
        Self::Int(number)
    }
}

impl From<PyDict> for PyValue {
    fn from(dict: PyDict) -> Self {
        Self::Dict(dict)
    }
}

impl From<Vec<PyValue>> for PyValue {
    fn from(items: Vec<PyValue>) -> Self {
        Self::List(items)
    }
}

impl<T: Into<PyValue>> From<Option<T>> for PyValue {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::None, Into::into)
    }
}

fn decimal_text_is_zero(text: &str) -> bool {
    let mantissa = text.split(['e', 'E']).next().unwrap_or("");
    mantissa.chars().all(|character| matches!(character, '0' | '.' | '-' | '+'))
}

/// A dict with string keys in insertion order, as Python 3.7+ keeps it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PyDict {
    entries: Vec<(String, PyValue)>,
}

impl PyDict {
    /// `{}`.
    pub fn new() -> Self {
        Self::default()
    }

    /// `dict[key] = value`: a new key goes to the end, an existing key keeps its
    /// position and takes the new value.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<PyValue>) {
        let key = key.into();
        let value = value.into();
        match self.entries.iter_mut().find(|(existing, _)| *existing == key) {
            Some((_, slot)) => *slot = value,
            None => self.entries.push((key, value)),
        }
    }

    /// Builder form of [`PyDict::insert`].
    pub fn with(mut self, key: impl Into<String>, value: impl Into<PyValue>) -> Self {
        self.insert(key, value);
        self
    }

    /// `dict.get(key)`: the value, `None` for a missing key.
    pub fn get(&self, key: &str) -> Option<&PyValue> {
        self.entries.iter().find(|(existing, _)| existing == key).map(|(_, value)| value)
    }

    /// `dict.get(key)` with a `str` value, `None` for a missing key or another type.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(PyValue::as_str)
    }

    /// `key in dict`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// `dict.pop(key, None)`: the value removed, `None` for a missing key; the other
    /// keys keep their order.
    pub fn remove(&mut self, key: &str) -> Option<PyValue> {
        let position = self.entries.iter().position(|(existing, _)| existing == key)?;
        Some(self.entries.remove(position).1)
    }

    /// `len(dict)`: the number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `not dict`.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `dict.items()`, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &PyValue)> {
        self.entries.iter().map(|(key, value)| (key.as_str(), value))
    }

    /// `dict.keys()`, in insertion order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(key, _)| key.as_str())
    }
}

impl FromIterator<(String, PyValue)> for PyDict {
    fn from_iter<I: IntoIterator<Item = (String, PyValue)>>(iter: I) -> Self {
        let mut dict = Self::new();
        for (key, value) in iter {
            dict.insert(key, value);
        }
        dict
    }
}

impl IntoIterator for PyDict {
    type Item = (String, PyValue);
    type IntoIter = std::vec::IntoIter<(String, PyValue)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

/// A Python `int`: unbounded. Pydantic accepts integers of any size and the rules add
/// and compare them, so a node count of `2**70` must print as Python prints it.
///
/// Held as a sign and base-10⁹ limbs (least significant first, no leading zero limbs;
/// zero has no limbs and is never negative).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PyInt {
    negative: bool,
    limbs: Vec<u32>,
}

const LIMB_BASE: u64 = 1_000_000_000;
const LIMB_DIGITS: usize = 9;

impl PyInt {
    pub(crate) fn zero() -> Self {
        Self::default()
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.limbs.is_empty()
    }

    pub(crate) fn is_negative(&self) -> bool {
        self.negative
    }

    /// Parses `[+-]?[0-9]+` (ASCII digits only; leading zeros allowed). Anything else,
    /// including an empty string, is `None`. Python's looser `int(str)` rules live in
    /// `http_quirks::python_int`.
    pub fn parse_decimal(text: &str) -> Option<Self> {
        let (negative, digits) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        let mut limbs = Vec::with_capacity(digits.len() / LIMB_DIGITS + 1);
        let mut end = digits.len();
        while end > 0 {
            let start = end.saturating_sub(LIMB_DIGITS);
            limbs.push(digits[start..end].parse::<u32>().ok()?);
            end = start;
        }
        Some(Self::normalised(negative, limbs))
    }

    fn normalised(negative: bool, mut limbs: Vec<u32>) -> Self {
        while limbs.last() == Some(&0) {
            limbs.pop();
        }
        let negative = negative && !limbs.is_empty();
        Self { negative, limbs }
    }

    /// The value as an `i64` when it fits.
    pub fn to_i64(&self) -> Option<i64> {
        self.to_string().parse().ok()
    }

    /// The value as an `f64`, like Python's `float(int)` (inf when too large).
    pub fn to_f64(&self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }

    fn compare_magnitude(left: &[u32], right: &[u32]) -> Ordering {
        left.len().cmp(&right.len()).then_with(|| left.iter().rev().cmp(right.iter().rev()))
    }

    fn add_magnitude(left: &[u32], right: &[u32]) -> Vec<u32> {
        let mut sum = Vec::with_capacity(left.len().max(right.len()) + 1);
        let mut carry = 0u64;
        for index in 0..left.len().max(right.len()) {
            let total = u64::from(*left.get(index).unwrap_or(&0)) + u64::from(*right.get(index).unwrap_or(&0)) + carry;
            sum.push((total % LIMB_BASE) as u32);
            carry = total / LIMB_BASE;
        }
        if carry > 0 {
            sum.push(carry as u32);
        }
        sum
    }

    /// `larger - smaller` for magnitudes with `larger >= smaller`.
    fn subtract_magnitude(larger: &[u32], smaller: &[u32]) -> Vec<u32> {
        let mut difference = Vec::with_capacity(larger.len());
        let mut borrow = 0i64;
        for (index, limb) in larger.iter().enumerate() {
            let mut value = i64::from(*limb) - i64::from(*smaller.get(index).unwrap_or(&0)) - borrow;
            borrow = 0;
            if value < 0 {
                value += LIMB_BASE as i64;
                borrow = 1;
            }
            difference.push(value as u32);
        }
        difference
    }

    /// `self + other`, exactly.
    pub fn add(&self, other: &Self) -> Self {
        if self.negative == other.negative {
            return Self::normalised(self.negative, Self::add_magnitude(&self.limbs, &other.limbs));
        }
        match Self::compare_magnitude(&self.limbs, &other.limbs) {
            Ordering::Equal => Self::zero(),
            Ordering::Greater => Self::normalised(self.negative, Self::subtract_magnitude(&self.limbs, &other.limbs)),
            Ordering::Less => Self::normalised(other.negative, Self::subtract_magnitude(&other.limbs, &self.limbs)),
        }
    }

    /// Python's `sum(...)` over integers.
    pub fn sum<'a>(numbers: impl IntoIterator<Item = &'a PyInt>) -> Self {
        numbers.into_iter().fold(Self::zero(), |total, number| total.add(number))
    }
}

impl From<i64> for PyInt {
    fn from(number: i64) -> Self {
        let negative = number < 0;
        let mut magnitude = number.unsigned_abs();
        let mut limbs = Vec::new();
        while magnitude > 0 {
            limbs.push((magnitude % LIMB_BASE) as u32);
            magnitude /= LIMB_BASE;
        }
        Self::normalised(negative, limbs)
    }
}

impl PartialOrd for PyInt {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PyInt {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => Self::compare_magnitude(&self.limbs, &other.limbs),
            (true, true) => Self::compare_magnitude(&other.limbs, &self.limbs),
        }
    }
}

impl fmt::Display for PyInt {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some((most_significant, rest)) = self.limbs.split_last() else {
            return formatter.write_str("0");
        };
        if self.negative {
            formatter.write_str("-")?;
        }
        write!(formatter, "{most_significant}")?;
        for limb in rest.iter().rev() {
            write!(formatter, "{limb:09}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(text: &str) -> PyInt {
        PyInt::parse_decimal(text).expect("a decimal integer")
    }

    #[test]
    fn big_integers_print_add_and_compare_like_python() {
        assert_eq!(int("1180591620717411303424").to_string(), "1180591620717411303424");
        assert_eq!(int("-000").to_string(), "0");
        assert_eq!(int("+0012").to_string(), "12");
        assert_eq!(int("999999999").add(&int("1")).to_string(), "1000000000");
        assert_eq!(int("-1000000000000").add(&int("1")).to_string(), "-999999999999");
        assert_eq!(int("5").add(&int("-7")).to_string(), "-2");
        assert_eq!(int("7").add(&int("-7")), PyInt::zero());
        assert!(int("-5") < int("-4"));
        assert!(int("100000000000000000000") > int("99999999999999999999"));
        assert!(int("-1") < PyInt::zero());
        assert_eq!(
            PyInt::sum([&int("3"), &int("4"), &int("1180591620717411303424")]).to_string(),
            "1180591620717411303431"
        );
        assert_eq!(PyInt::from(i64::MIN).to_string(), "-9223372036854775808");
        assert_eq!(PyInt::parse_decimal("1.0"), None);
        assert_eq!(PyInt::parse_decimal(""), None);
        assert_eq!(PyInt::parse_decimal("-"), None);
    }

    #[test]
    fn dict_keeps_first_position_and_last_value() {
        let mut dict = PyDict::new();
        dict.insert("a", PyValue::int(1));
        dict.insert("b", PyValue::int(2));
        dict.insert("a", PyValue::int(3));
        let keys: Vec<_> = dict.keys().collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(dict.get("a"), Some(&PyValue::int(3)));
    }

    #[test]
    fn truthiness_follows_python() {
        assert!(!PyValue::Decimal("0".into()).truthy());
        assert!(!PyValue::Decimal("-0.00".into()).truthy());
        assert!(PyValue::Decimal("0.1".into()).truthy());
        assert!(!PyValue::str("").truthy());
        assert!(PyValue::str("x").truthy());
        assert!(!PyValue::List(vec![]).truthy());
        assert!(!PyValue::Int(PyInt::zero()).truthy());
    }
}
