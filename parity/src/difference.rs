//! What a comparison finds: differences with a path, a kind and a tier.

use serde::Serialize;

use crate::path::JsonPath;
use crate::rules::RuleId;

/// How much a difference (or a whole record) matters, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Equal, or different only where a rule says so.
    Match,
    /// Equal as data, different in bytes (key order, escaping, whitespace, numbers).
    Cosmetic,
    /// Different where two runs of the baseline differ too.
    Noise,
    /// Different in a way a client sees.
    Mismatch,
}

/// What kind of difference was found at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffKind {
    /// The status codes differ.
    Status,
    /// A client-visible header differs or is on one side only.
    Header,
    /// Two values of the same type differ.
    Value,
    /// The values have different JSON types (or JSON against non-JSON).
    Type,
    /// The baseline has the key, the candidate does not.
    Missing,
    /// The candidate has a key the baseline does not.
    Extra,
    /// One side has the key with `null`, the other has no key.
    NullVsMissing,
    /// The same elements in a different order, in an array that is not a set.
    Order,
    /// Non-JSON bodies differ.
    Bytes,
    /// One side answered, the other raised a function error.
    Outcome,
    /// Same keys and values, different key order.
    KeyOrder,
    /// Same string, escaped differently (`\u00e9` against `é`, `\/` against `/`).
    Escaping,
    /// Same tokens, different whitespace.
    Whitespace,
    /// Same number, spelled differently (`1.0` against `1`, `1e3` against `1000`).
    NumberSpelling,
    /// Same bytes, one side base64-encoded.
    Encoding,
}

impl DiffKind {
    /// Whether this kind is cosmetic (the data is equal).
    pub(crate) fn is_cosmetic(self) -> bool {
        matches!(self, Self::KeyOrder | Self::Escaping | Self::Whitespace | Self::NumberSpelling | Self::Encoding)
    }

    /// The tier of a difference of this kind before noise is learned.
    pub fn tier(self) -> Tier {
        if self.is_cosmetic() { Tier::Cosmetic } else { Tier::Mismatch }
    }

    /// The kind's name in reports (`null_vs_missing`), as it serialises.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Status => "status",
            Self::Header => "header",
            Self::Value => "value",
            Self::Type => "type",
            Self::Missing => "missing",
            Self::Extra => "extra",
            Self::NullVsMissing => "null_vs_missing",
            Self::Order => "order",
            Self::Bytes => "bytes",
            Self::Outcome => "outcome",
            Self::KeyOrder => "key_order",
            Self::Escaping => "escaping",
            Self::Whitespace => "whitespace",
            Self::NumberSpelling => "number_spelling",
            Self::Encoding => "encoding",
        }
    }
}

impl std::fmt::Display for DiffKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One difference between baseline and candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// Where the two answers differ (`$.body.items[3].id`).
    pub path: JsonPath,
    /// What differs there.
    pub kind: DiffKind,
    /// The baseline's value at `path` as compact JSON (normalised), `None` when absent.
    pub baseline: Option<String>,
    /// The candidate's value at `path`, likewise.
    pub candidate: Option<String>,
}

/// The result of comparing two outcomes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparison {
    /// Every difference found, cosmetic ones included; empty when the answers match.
    pub differences: Vec<Difference>,
    /// Rules that hid or explained a difference in this comparison (deduplicated), as
    /// indices into [`ParityRules::rules`](crate::ParityRules::rules).
    pub fired: Vec<RuleId>,
}

impl Comparison {
    /// The tier of the comparison before noise: the worst of its differences.
    pub fn tier(&self) -> Tier {
        self.differences.iter().map(|difference| difference.kind.tier()).max().unwrap_or(Tier::Match)
    }

    /// The differences that are not cosmetic.
    pub(crate) fn semantic(&self) -> impl Iterator<Item = &Difference> {
        self.differences.iter().filter(|d| !d.kind.is_cosmetic())
    }
}
