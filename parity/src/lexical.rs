//! Why two JSON texts that are equal as data differ in bytes: the layout part.
//!
//! Escaping (`\u00e9` against `é`, `\/` against `/`, escaped keys too), number spelling
//! (`1.0` against `1`) and key order are found by the semantic walk in `compare`, which
//! has both sides' raw tokens in hand at each path anyway. What is left here is whitespace,
//! which lies between tokens, where the walk never looks.

use crate::document::{Document, Kind, NodeRef};

/// Whether two documents, equal as data, lay their tokens out with different whitespace.
///
/// When both token streams line up (same structure, same key order) the text between each
/// pair of tokens is compared: it is punctuation, the same on both sides, plus whitespace.
/// Otherwise the whitespace characters of each kind are counted.
pub(crate) fn whitespace_differs(a: &Document<'_>, b: &Document<'_>) -> bool {
    if token_streams_align(a, b) {
        layouts_differ(a, b)
    } else {
        a.whitespace_counts() != b.whitespace_counts()
    }
}

/// Token classes as a tokeniser sees them: `true`, `false` and `null` are one class.
fn class(node: NodeRef<'_>) -> u8 {
    match node.kind() {
        Kind::Null | Kind::True | Kind::False => 0,
        Kind::Number => 1,
        Kind::String => 2,
        Kind::Array => 3,
        Kind::Object => 4,
    }
}

fn token_streams_align(a: &Document<'_>, b: &Document<'_>) -> bool {
    a.node_count() == b.node_count()
        && a.nodes().zip(b.nodes()).all(|(x, y)| {
            class(x) == class(y)
                && x.subtree_end() == y.subtree_end()
                && (!x.is_key() || x.key() == y.key())
        })
}

fn layouts_differ(a: &Document<'_>, b: &Document<'_>) -> bool {
    let (left, right) = (a.text(), b.text());
    let mut previous = (0, 0);
    for (x, y) in a.nodes().zip(b.nodes()) {
        if left[previous.0..x.start()] != right[previous.1..y.start()] {
            return true;
        }
        previous = (x.token_end(), y.token_end());
    }
    left[previous.0..] != right[previous.1..]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{DiffKind, Outcome, ParityRules, compare_outcomes};

    /// The byte-level findings (all but key order) of two bodies equal as data.
    fn run(a: &str, b: &str) -> Vec<(String, DiffKind)> {
        let response = |body: &str| Outcome::Response(json!({"statusCode": 200, "body": body}));
        compare_outcomes(&ParityRules::default(), "*", &response(a), &response(b))
            .differences
            .into_iter()
            .filter(|difference| difference.kind != DiffKind::KeyOrder)
            .map(|difference| (difference.path.to_string(), difference.kind))
            .collect()
    }

    #[test]
    fn escaping_is_found_at_its_path() {
        assert_eq!(
            run(
                r#"{"a":[{"name":"caf\u00e9"}]}"#,
                r#"{"a":[{"name":"café"}]}"#
            ),
            [("$.body.a[0].name".to_owned(), DiffKind::Escaping)]
        );
        assert_eq!(
            run(r#"{"url":"a\/b"}"#, r#"{"url":"a/b"}"#),
            [("$.body.url".to_owned(), DiffKind::Escaping)]
        );
    }

    #[test]
    fn number_spelling_and_whitespace_are_told_apart() {
        let mut found = run(r#"{"n":1.0,"m":[1e3]}"#, r#"{"n":1,"m":[1000]}"#);
        found.sort_by_key(|(path, _)| path != "$.body.n");
        assert_eq!(
            found,
            [
                ("$.body.n".to_owned(), DiffKind::NumberSpelling),
                ("$.body.m[0]".to_owned(), DiffKind::NumberSpelling)
            ]
        );
        assert_eq!(
            run(r#"{"a": 1, "b": [2, 3]}"#, r#"{"a":1,"b":[2,3]}"#),
            [("$.body".to_owned(), DiffKind::Whitespace)]
        );
    }

    #[test]
    fn reordered_keys_fall_back_to_matching_by_path() {
        assert_eq!(run(r#"{"a":1,"b":"x"}"#, r#"{"b":"x","a":1}"#), []);
        assert_eq!(
            run(r#"{"a":1,"b":"\u00e9"}"#, r#"{"b":"é","a":1}"#),
            [("$.body.b".to_owned(), DiffKind::Escaping)]
        );
    }

    #[test]
    fn value_differences_are_left_to_the_semantic_walk() {
        let only_values =
            |found: Vec<(String, DiffKind)>| found.iter().all(|(_, kind)| *kind == DiffKind::Value);
        assert!(only_values(run(r#"{"a":"x"}"#, r#"{"a":"y"}"#)));
        assert!(only_values(run(r#"{"a":1}"#, r#"{"a":2}"#)));
    }

    #[test]
    fn whitespace_is_judged_between_tokens_or_by_counts_when_keys_move() {
        // Same layout, different escaping: no whitespace finding.
        assert_eq!(
            run(r#"{"a": "\u00e9"}"#, r#"{"a": "é"}"#),
            [("$.body.a".to_owned(), DiffKind::Escaping)]
        );
        // A space moved across a comma is whitespace, though the counts are equal.
        assert_eq!(
            run(r#"[1, 2,3]"#, r#"[1,2 ,3]"#),
            [("$.body".to_owned(), DiffKind::Whitespace)]
        );
        // Keys reordered, same whitespace of each kind: nothing but key order.
        assert_eq!(run(r#"{"a": 1, "b": 2}"#, r#"{"b": 2, "a": 1}"#), []);
        assert_eq!(
            run(r#"{"a": 1, "b": 2}"#, r#"{"b":2,"a":1}"#),
            [("$.body".to_owned(), DiffKind::Whitespace)]
        );
    }
}
