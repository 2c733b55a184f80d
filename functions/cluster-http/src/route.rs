//! Powertools' route matching for one `APIGatewayRestResolver` route.
//!
//! A rule such as `/clusters/<cluster_id>/events` becomes the regular expression
//! `^/clusters/(?P<cluster_id>[-._~()'!*:@,;=+&$%<> \[\]{}|^\w]+)/events/*$`, matched
//! against the event's `path` (not its `resource` or `pathParameters`) for the event's
//! `httpMethod` upper-cased. This module matches the same strings without a regex engine.

/// One route: an HTTP method and a powertools rule with `<name>` parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub(crate) method: &'static str,
    pub(crate) rule: &'static str,
}

// The characters powertools allows in a path parameter besides `\w`.
const SAFE_PARAMETER_CHARACTERS: &str = "-._~()'!*:@,;=+&$%<> []{}|^";

fn is_parameter_character(character: char) -> bool {
    // Python's `\w` on str patterns: Unicode letters and digits, and the underscore.
    character.is_alphanumeric() || character == '_' || SAFE_PARAMETER_CHARACTERS.contains(character)
}

impl Route {
    /// A route for `method` (upper case) and a rule such as `/clusters/<cluster_id>`.
    pub const fn new(method: &'static str, rule: &'static str) -> Self {
        Route { method, rule }
    }

    /// The route's parameters, in rule order, when `method` and `path` select this route.
    pub fn matches(&self, method: &str, path: &str) -> Option<Vec<(&'static str, String)>> {
        if !method.to_uppercase().eq(self.method) {
            return None;
        }
        let mut parameters = Vec::new();
        let mut rest = path;
        let mut rule = self.rule;
        while !rule.is_empty() {
            match rule.find('<') {
                Some(0) => {
                    let end = rule.find('>')?;
                    let name = &rule[1..end];
                    rule = &rule[end + 1..];
                    // A greedy character class followed by a literal: the parameter can
                    // only end where the literal that follows begins (it contains `/`,
                    // which the parameter cannot).
                    let taken = rest.find(|character: char| !is_parameter_character(character)).unwrap_or(rest.len());
                    if taken == 0 {
                        return None;
                    }
                    parameters.push((name, rest[..taken].to_owned()));
                    rest = &rest[taken..];
                }
                Some(start) => {
                    rest = rest.strip_prefix(&rule[..start])?;
                    rule = &rule[start..];
                }
                None => {
                    rest = rest.strip_prefix(rule)?;
                    rule = "";
                }
            }
        }
        rest.chars().all(|character| character == '/').then_some(parameters)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENTS: Route = Route::new("GET", "/clusters/<cluster_id>/events");
    const LIST: Route = Route::new("GET", "/clusters");

    #[test]
    fn matches_parameters_and_trailing_slashes() {
        assert_eq!(EVENTS.matches("get", "/clusters/a-1/events//"), Some(vec![("cluster_id", "a-1".to_owned())]));
        assert_eq!(LIST.matches("GET", "/clusters/"), Some(vec![]));
        assert_eq!(
            Route::new("GET", "/clusters/<cluster_id>").matches("GET", "/clusters/ü x%2F"),
            Some(vec![("cluster_id", "ü x%2F".to_owned())])
        );
    }

    #[test]
    fn refuses_other_methods_paths_and_empty_parameters() {
        assert_eq!(EVENTS.matches("POST", "/clusters/a/events"), None);
        assert_eq!(EVENTS.matches("GET", "/clusters//events"), None);
        assert_eq!(EVENTS.matches("GET", "/clusters/a/b/events"), None);
        assert_eq!(LIST.matches("GET", "/clusters/x"), None);
        assert_eq!(LIST.matches("GET", "/prod/clusters"), None);
    }
}
