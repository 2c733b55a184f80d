//! `parity.toml`: the rules that say which differences are expected, each with its reason.
//!
//! ```toml
//! [[ignore]]
//! route = "GET /clusters/{cluster_id}"   # or "*", the default
//! path = "$.body.updated_at"
//! reason = "set from the wall clock on each side"
//!
//! [[set]]
//! path = "$.body.findings"
//! reason = "findings come from a dict iteration; order is not part of the contract"
//!
//! [[tolerance]]
//! path = "$.body.monthly_cost"
//! absolute = 0.01
//! reason = "Decimal vs f64 rounding"
//!
//! [[normalise]]
//! builtin = "uuid"          # or: regex = '...', replacement = '...'
//! reason = "ids are generated"
//!
//! [[id]]
//! route = "POST /clusters"
//! path = "$.body.cluster_id"
//! reason = "each side generates its own cluster id"
//!
//! [headers]
//! volatile = ["date", "x-amzn-requestid"]
//! reason = "set by API Gateway per request"
//!
//! [[redact]]
//! route = "GET /clusters/{cluster_id}"
//! path = "$.body.kubeconfig"
//! reason = "embeds the cluster's client certificate under an innocent name"
//! ```
//!
//! `[[redact]]` only changes what reports show (see `crate::redact`); values are compared
//! as they are.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::path::{PathPattern, Seg};

/// Headers that differ on every request and are never compared unless `[headers]` says
/// otherwise. The transport headers are there because the HTTP stack, not the function,
/// writes them.
pub(crate) const DEFAULT_VOLATILE_HEADERS: &[&str] = &[
    "date",
    "x-amzn-requestid",
    "x-amzn-trace-id",
    "x-amz-apigw-id",
    "x-amz-cf-id",
    "x-amz-cf-pop",
    "x-cache",
    "via",
    "connection",
    "keep-alive",
    "content-length",
    "transfer-encoding",
];

/// The id paths used when a rules file names none: the id a create answers with.
pub(crate) const DEFAULT_ID_PATHS: &[&str] = &["$.body.cluster_id", "$.body.id"];

/// Why a rules file was refused. Messages name the file and, where known, the line.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The rules file could not be read.
    #[error("cannot read rules file {path}")]
    Io {
        /// The rules file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The file is not TOML of the rules' shape (an unknown table or key included).
    #[error("{path}: {message}")]
    Syntax {
        /// The rules file.
        path: PathBuf,
        /// The TOML reader's message, on one line, with its position.
        message: String,
    },
    /// A rule that parses but cannot work: a bad path or regex, no reason, an id path
    /// with a wildcard, a route that matches nothing.
    #[error("{path}:{line}: {message}")]
    Invalid {
        /// The rules file.
        path: PathBuf,
        /// 1-based line of the rule.
        line: usize,
        /// What is wrong with the rule.
        message: String,
    },
}

/// What a rule does, for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// `[[ignore]]`: differences at or below a path are not compared.
    Ignore,
    /// `[[set]]`: an array compared as a multiset, its order not part of the contract.
    Set,
    /// `[[tolerance]]`: numbers within an absolute or a relative tolerance are equal.
    Tolerance,
    /// `[[normalise]]`: both sides' strings rewritten before comparing (a regex, or the
    /// built-in for uuids or timestamps, which keeps the value's format visible).
    Normalise,
    /// `[[id]]`: where a create answers with the id each side generates, to be mapped.
    Id,
    /// `[headers]`: the headers never compared (the built-in list, or the file's).
    VolatileHeaders,
    /// `[[redact]]`: a path whose values reports never show.
    Redact,
}

/// A rule as the report lists it when it fired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleInfo {
    /// What the rule does.
    pub kind: RuleKind,
    /// The route it applies to, or `*` for every route.
    pub route: String,
    /// The path pattern it applies at; `None` for a normaliser of every value.
    pub path: Option<String>,
    /// Why the rule exists, as its `reason` says.
    pub reason: String,
    /// Line of the rule in the rules file (0 for built-in defaults).
    pub line: usize,
}

/// Index of a rule in [`ParityRules::rules`].
pub type RuleId = usize;

#[derive(Debug, Clone)]
pub(crate) struct PathRule {
    pub(crate) id: RuleId,
    pub(crate) route: String,
    pub(crate) pattern: PathPattern,
}

#[derive(Debug, Clone)]
pub(crate) struct ToleranceRule {
    pub(crate) rule: PathRule,
    pub(crate) absolute: f64,
    pub(crate) relative: f64,
}

#[derive(Debug, Clone)]
pub(crate) struct Normaliser {
    pub(crate) id: RuleId,
    pub(crate) route: String,
    pub(crate) pattern: Option<PathPattern>,
    pub(crate) regex: Regex,
    pub(crate) replacement: Replacement,
}

/// What a normaliser puts in place of a match. The built-ins replace the value and keep
/// its format, so that a normalised time with `+00:00` is still not one with `Z`.
#[derive(Debug, Clone)]
pub(crate) enum Replacement {
    /// A regex replacement (`$1` and `${name}` expand).
    Text(String),
    /// `<timestamp dddd-dd-ddTdd:dd:dd.dddddd+00:00>`: every digit of the date, the time
    /// and the fraction becomes `d`; the separators and the zone stay as written.
    Timestamp,
    /// `<uuid>`, or `<UUID>` in upper case (`<uuid mixed case>`): the case stays visible.
    Uuid,
}

impl Replacement {
    fn apply<'t>(&self, regex: &Regex, text: &'t str) -> Cow<'t, str> {
        match self {
            Self::Text(replacement) => regex.replace_all(text, replacement.as_str()),
            Self::Timestamp => regex.replace_all(text, |captures: &regex::Captures<'_>| {
                format!("<timestamp {}>", timestamp_format(&captures[0]))
            }),
            Self::Uuid => regex.replace_all(text, |captures: &regex::Captures<'_>| {
                let uuid = &captures[0];
                let upper = uuid.bytes().any(|b| b.is_ascii_uppercase());
                let lower = uuid.bytes().any(|b| b.is_ascii_lowercase());
                match (upper, lower) {
                    (true, true) => "<uuid mixed case>",
                    (true, false) => "<UUID>",
                    _ => "<uuid>",
                }
            }),
        }
    }
}

/// The format of an ISO 8601 time the built-in regex matched: digits of the date, time
/// and fraction as `d`, everything else (separators, `T`, the zone) as written.
fn timestamp_format(matched: &str) -> String {
    // `dddd-dd-ddTdd:dd:dd` is 19 ASCII characters; a fraction follows, then the zone.
    let (date_time, rest) = matched.split_at(19.min(matched.len()));
    let fraction_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',')).unwrap_or(rest.len());
    let (fraction, zone) = rest.split_at(fraction_end);
    let digits_as_d =
        |part: &str| -> String { part.chars().map(|c| if c.is_ascii_digit() { 'd' } else { c }).collect() };
    format!("{}{}{zone}", digits_as_d(date_time), digits_as_d(fraction))
}

/// The compiled rules. [`ParityRules::default`] has no rules beyond the volatile headers.
#[derive(Debug, Clone)]
pub struct ParityRules {
    /// The file the rules came from, for errors found after parsing.
    origin: PathBuf,
    catalogue: Vec<RuleInfo>,
    pub(crate) ignores: Vec<PathRule>,
    pub(crate) sets: Vec<PathRule>,
    pub(crate) tolerances: Vec<ToleranceRule>,
    pub(crate) normalisers: Vec<Normaliser>,
    pub(crate) ids: Vec<PathRule>,
    /// Paths whose values reports never show, besides what names and shapes redact.
    pub(crate) redactions: Vec<PathRule>,
    pub(crate) volatile_headers: Vec<String>,
    pub(crate) volatile_headers_rule: RuleId,
}

impl Default for ParityRules {
    fn default() -> Self {
        Self {
            origin: PathBuf::new(),
            catalogue: vec![default_volatile_rule()],
            ignores: Vec::new(),
            sets: Vec::new(),
            tolerances: Vec::new(),
            normalisers: Vec::new(),
            ids: Vec::new(),
            redactions: Vec::new(),
            volatile_headers: DEFAULT_VOLATILE_HEADERS.iter().map(|h| (*h).to_owned()).collect(),
            volatile_headers_rule: 0,
        }
    }
}

fn default_volatile_rule() -> RuleInfo {
    RuleInfo {
        kind: RuleKind::VolatileHeaders,
        route: "*".into(),
        path: Some("$.headers".into()),
        reason: "built-in: headers set per request by API Gateway or the HTTP stack".into(),
        line: 0,
    }
}

const BUILTIN_UUID: &str = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const BUILTIN_TIMESTAMP: &str = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    ignore: Vec<toml::Spanned<PathRuleToml>>,
    #[serde(default)]
    set: Vec<toml::Spanned<PathRuleToml>>,
    #[serde(default)]
    tolerance: Vec<toml::Spanned<ToleranceToml>>,
    #[serde(default)]
    normalise: Vec<toml::Spanned<NormaliseToml>>,
    #[serde(default)]
    id: Vec<toml::Spanned<PathRuleToml>>,
    #[serde(default)]
    headers: Option<toml::Spanned<HeadersToml>>,
    #[serde(default)]
    redact: Vec<toml::Spanned<PathRuleToml>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PathRuleToml {
    #[serde(default = "any_route")]
    route: String,
    path: String,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToleranceToml {
    #[serde(default = "any_route")]
    route: String,
    path: String,
    #[serde(default)]
    absolute: f64,
    #[serde(default)]
    relative: f64,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NormaliseToml {
    #[serde(default = "any_route")]
    route: String,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    builtin: Option<String>,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    replacement: Option<String>,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeadersToml {
    volatile: Vec<String>,
    reason: String,
}

fn any_route() -> String {
    "*".into()
}

impl ParityRules {
    /// Reads and compiles a rules file.
    pub fn load(path: &Path) -> Result<Self, RulesError> {
        let text = std::fs::read_to_string(path).map_err(|source| RulesError::Io { path: path.to_owned(), source })?;
        Self::parse(&text, path)
    }

    /// Compiles rules from text; `origin` names the file in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Self, RulesError> {
        let file: RulesFile = toml::from_str(text).map_err(|error| RulesError::Syntax {
            path: origin.to_owned(),
            message: error.to_string().trim_end().replace('\n', " "),
        })?;
        let line_of = |span: std::ops::Range<usize>| text[..span.start.min(text.len())].matches('\n').count() + 1;
        let invalid = |line: usize, message: String| RulesError::Invalid { path: origin.to_owned(), line, message };
        let mut rules = Self { origin: origin.to_owned(), catalogue: Vec::new(), ..Self::default() };

        let path_rule = |rules: &mut Self,
                         kind: RuleKind,
                         spanned: &toml::Spanned<PathRuleToml>|
         -> Result<PathRule, RulesError> {
            let line = line_of(spanned.span());
            let rule = spanned.get_ref();
            let pattern: PathPattern =
                rule.path.parse().map_err(|error: crate::path::PathPatternError| invalid(line, error.to_string()))?;
            let id = rules.push(kind, &rule.route, Some(&rule.path), &rule.reason, line);
            check_reason(&rule.reason, line, &invalid)?;
            Ok(PathRule { id, route: rule.route.clone(), pattern })
        };

        for spanned in &file.ignore {
            let rule = path_rule(&mut rules, RuleKind::Ignore, spanned)?;
            rules.ignores.push(rule);
        }
        for spanned in &file.set {
            let rule = path_rule(&mut rules, RuleKind::Set, spanned)?;
            rules.sets.push(rule);
        }
        for spanned in &file.id {
            let rule = path_rule(&mut rules, RuleKind::Id, spanned)?;
            if !rule.pattern.is_concrete() {
                return Err(invalid(
                    line_of(spanned.span()),
                    format!("id path `{}` must name one field (no `*`)", rule.pattern),
                ));
            }
            rules.ids.push(rule);
        }
        for spanned in &file.redact {
            let rule = path_rule(&mut rules, RuleKind::Redact, spanned)?;
            rules.redactions.push(rule);
        }
        for spanned in &file.tolerance {
            let line = line_of(spanned.span());
            let tolerance = spanned.get_ref();
            check_reason(&tolerance.reason, line, &invalid)?;
            let pattern: PathPattern = tolerance
                .path
                .parse()
                .map_err(|error: crate::path::PathPatternError| invalid(line, error.to_string()))?;
            let valid = |value: f64| value.is_finite() && value >= 0.0;
            if !valid(tolerance.absolute) || !valid(tolerance.relative) {
                return Err(invalid(line, "`absolute` and `relative` must be finite and >= 0".into()));
            }
            if tolerance.absolute == 0.0 && tolerance.relative == 0.0 {
                return Err(invalid(line, "a tolerance needs `absolute` or `relative` above 0".into()));
            }
            let id = rules.push(RuleKind::Tolerance, &tolerance.route, Some(&tolerance.path), &tolerance.reason, line);
            rules.tolerances.push(ToleranceRule {
                rule: PathRule { id, route: tolerance.route.clone(), pattern },
                absolute: tolerance.absolute,
                relative: tolerance.relative,
            });
        }
        for spanned in &file.normalise {
            let line = line_of(spanned.span());
            let normalise = spanned.get_ref();
            check_reason(&normalise.reason, line, &invalid)?;
            let (source, builtin_replacement) = match (&normalise.builtin, &normalise.regex) {
                (Some(builtin), None) => match builtin.as_str() {
                    "uuid" => (BUILTIN_UUID.to_owned(), Some(Replacement::Uuid)),
                    "timestamp" => (BUILTIN_TIMESTAMP.to_owned(), Some(Replacement::Timestamp)),
                    other => {
                        return Err(invalid(
                            line,
                            format!("unknown builtin normaliser {other:?} (known: uuid, timestamp)"),
                        ));
                    }
                },
                (None, Some(regex)) => (regex.clone(), None),
                _ => {
                    return Err(invalid(line, "a normaliser needs exactly one of `builtin` or `regex`".into()));
                }
            };
            if normalise.regex.is_some() && normalise.replacement.is_none() {
                return Err(invalid(line, "a `regex` normaliser needs a `replacement`".into()));
            }
            if normalise.builtin.is_some() && normalise.replacement.is_some() {
                return Err(invalid(
                    line,
                    "a `builtin` normaliser has its own replacement, which keeps the value's format; remove `replacement`".into(),
                ));
            }
            let regex = Regex::new(&source).map_err(|error| invalid(line, format!("invalid regex: {error}")))?;
            let pattern = normalise
                .path
                .as_deref()
                .map(str::parse::<PathPattern>)
                .transpose()
                .map_err(|error| invalid(line, error.to_string()))?;
            let id =
                rules.push(RuleKind::Normalise, &normalise.route, normalise.path.as_deref(), &normalise.reason, line);
            rules.normalisers.push(Normaliser {
                id,
                route: normalise.route.clone(),
                pattern,
                regex,
                replacement: builtin_replacement
                    .unwrap_or_else(|| Replacement::Text(normalise.replacement.clone().unwrap_or_default())),
            });
        }
        match &file.headers {
            Some(spanned) => {
                let line = line_of(spanned.span());
                let headers = spanned.get_ref();
                check_reason(&headers.reason, line, &invalid)?;
                rules.volatile_headers = headers.volatile.iter().map(|h| h.to_ascii_lowercase()).collect();
                rules.volatile_headers_rule =
                    rules.push(RuleKind::VolatileHeaders, "*", Some("$.headers"), &headers.reason, line);
            }
            None => {
                rules.catalogue.push(default_volatile_rule());
                rules.volatile_headers_rule = rules.catalogue.len() - 1;
            }
        }
        Ok(rules)
    }

    fn push(&mut self, kind: RuleKind, route: &str, path: Option<&str>, reason: &str, line: usize) -> RuleId {
        self.catalogue.push(RuleInfo {
            kind,
            route: route.to_owned(),
            path: path.map(str::to_owned),
            reason: reason.to_owned(),
            line,
        });
        self.catalogue.len() - 1
    }

    /// Checks that every rule scoped to a route names a route that exists: one of the
    /// `routes` (read only until every scoped route was seen, so a corpus is read whole
    /// only when a rule names a route it lacks) or of `declared` (the config's, where
    /// `ANY /path` stands for every method). A rule for a route that never comes hides
    /// nothing, and is most often a typo: the error names the rule's file and line.
    pub fn check_routes(
        &self,
        routes: impl IntoIterator<Item = String>,
        declared: &[String],
    ) -> Result<(), RulesError> {
        let declares = |route: &str| {
            declared.iter().any(|known| {
                known == route
                    || match (known.split_once(' '), route.split_once(' ')) {
                        (Some(("ANY", path)), Some((_, wanted))) => path == wanted,
                        _ => false,
                    }
            })
        };
        let mut unseen: std::collections::BTreeSet<&str> = self
            .catalogue
            .iter()
            .filter(|rule| rule.line > 0)
            .map(|rule| rule.route.as_str())
            .filter(|route| *route != "*" && *route != crate::side_effects::SIDE_EFFECTS_ROUTE && !declares(route))
            .collect();
        if unseen.is_empty() {
            return Ok(());
        }
        let mut seen = std::collections::BTreeSet::new();
        for route in routes {
            unseen.remove(route.as_str());
            if unseen.is_empty() {
                return Ok(());
            }
            seen.insert(route);
        }
        let rule = self
            .catalogue
            .iter()
            .filter(|rule| rule.line > 0 && unseen.contains(rule.route.as_str()))
            .min_by_key(|rule| rule.line)
            .expect("an unseen route comes from a rule");
        let mut known: Vec<String> = seen.into_iter().chain(declared.iter().cloned()).collect();
        known.sort();
        known.dedup();
        const SHOWN: usize = 12;
        let mut listed = known.iter().take(SHOWN).map(|route| format!("`{route}`")).collect::<Vec<_>>().join(", ");
        if known.len() > SHOWN {
            listed.push_str(&format!(" and {} more", known.len() - SHOWN));
        }
        if known.is_empty() {
            listed = "none".into();
        }
        Err(RulesError::Invalid {
            path: self.origin.clone(),
            line: rule.line,
            message: format!(
                "route `{}` matches no route of the corpus or the config, so the rule can never apply (known routes: {listed}; `*` applies to every route, `side-effects` to the writes)",
                rule.route
            ),
        })
    }

    /// The rule behind an id, for reports.
    pub(crate) fn rule(&self, id: RuleId) -> &RuleInfo {
        &self.catalogue[id]
    }

    /// Every rule, in file order.
    pub fn rules(&self) -> &[RuleInfo] {
        &self.catalogue
    }

    /// The id paths in force for `route`: the `[[id]]` rules, else the defaults
    /// (`$.body.cluster_id`, `$.body.id`).
    pub fn id_paths(&self, route: &str) -> Vec<PathPattern> {
        if self.ids.is_empty() {
            return DEFAULT_ID_PATHS.iter().filter_map(|path| path.parse().ok()).collect();
        }
        self.ids.iter().filter(|rule| route_applies(&rule.route, route)).map(|rule| rule.pattern.clone()).collect()
    }

    pub(crate) fn is_volatile_header(&self, lowercase_name: &str) -> bool {
        self.volatile_headers.iter().any(|header| header == lowercase_name)
    }

    /// The rules that apply to one route, borrowed for one comparison.
    pub(crate) fn for_route<'r>(&'r self, route: &str) -> RouteRules<'r> {
        RouteRules {
            ignores: self.ignores.iter().filter(|r| route_applies(&r.route, route)).collect(),
            sets: self.sets.iter().filter(|r| route_applies(&r.route, route)).collect(),
            tolerances: self.tolerances.iter().filter(|r| route_applies(&r.rule.route, route)).collect(),
            normalisers: self.normalisers.iter().filter(|r| route_applies(&r.route, route)).collect(),
        }
    }
}

fn check_reason(reason: &str, line: usize, invalid: &impl Fn(usize, String) -> RulesError) -> Result<(), RulesError> {
    if reason.trim().is_empty() {
        return Err(invalid(line, "`reason` must say why the rule exists".into()));
    }
    Ok(())
}

fn route_applies(rule_route: &str, route: &str) -> bool {
    rule_route == "*" || rule_route == route
}

/// The rules of one route, resolved once per comparison.
#[derive(Debug, Default)]
pub(crate) struct RouteRules<'r> {
    pub(crate) ignores: Vec<&'r PathRule>,
    pub(crate) sets: Vec<&'r PathRule>,
    pub(crate) tolerances: Vec<&'r ToleranceRule>,
    pub(crate) normalisers: Vec<&'r Normaliser>,
}

impl RouteRules<'_> {
    pub(crate) fn ignore_covering(&self, path: &[Seg<'_>]) -> Option<RuleId> {
        self.ignores.iter().find(|rule| rule.pattern.covers(path)).map(|rule| rule.id)
    }

    pub(crate) fn set_at(&self, path: &[Seg<'_>]) -> Option<RuleId> {
        self.sets.iter().find(|rule| rule.pattern.matches(path)).map(|rule| rule.id)
    }

    pub(crate) fn tolerance_at(&self, path: &[Seg<'_>]) -> Option<&ToleranceRule> {
        self.tolerances.iter().copied().find(|rule| rule.rule.pattern.matches(path))
    }

    /// Applies every normaliser that covers `path` to `text`, noting which changed it.
    pub(crate) fn normalise<'t>(&self, path: &[Seg<'_>], text: &'t str, fired: &mut Vec<RuleId>) -> Cow<'t, str> {
        let mut current = Cow::Borrowed(text);
        for normaliser in &self.normalisers {
            if normaliser.pattern.as_ref().is_some_and(|pattern| !pattern.covers(path)) {
                continue;
            }
            if let Cow::Owned(replaced) = normaliser.replacement.apply(&normaliser.regex, &current) {
                fired.push(normaliser.id);
                current = Cow::Owned(replaced);
            }
        }
        current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ParityRules, RulesError> {
        ParityRules::parse(text, Path::new("parity.toml"))
    }

    #[test]
    fn without_a_volatile_headers_table_the_built_in_rule_is_the_one_credited() {
        // The built-in rule goes after the file's own: a difference in volatile headers is
        // credited to it, not to a rule of the file or past the end.
        let rules = parse("[[set]]\npath = \"$.body.items\"\nreason = \"dict order\"\n").expect("parses");
        assert_eq!(rules.rules().len(), 2);
        let credited = rules.rule(rules.volatile_headers_rule);
        assert_eq!((credited.kind, credited.line), (RuleKind::VolatileHeaders, 0), "{credited:?}");
        assert_eq!(credited.route, "*");
    }

    #[test]
    fn a_full_file_compiles() {
        let rules = parse(
            r#"
[[ignore]]
route = "GET /clusters/{cluster_id}"
path = "$.body.updated_at"
reason = "wall clock"

[[set]]
path = "$.body.findings"
reason = "dict order"

[[tolerance]]
path = "$.body.cost"
absolute = 0.01
reason = "rounding"

[[normalise]]
builtin = "uuid"
reason = "generated ids"

[[normalise]]
regex = 'eks-\w+'
replacement = "eks-<id>"
reason = "pipeline names carry the id"

[[id]]
route = "POST /clusters"
path = "$.body.cluster_id"
reason = "generated per side"

[[redact]]
route = "GET /clusters/{cluster_id}"
path = "$.body.kubeconfig"
reason = "a client certificate"
"#,
        )
        .expect("valid rules");
        assert_eq!(rules.rules().len(), 8);
        assert_eq!(rules.redactions.len(), 1);
        assert_eq!(rules.rule(rules.redactions[0].id).kind, RuleKind::Redact);
        assert_eq!(rules.rule(0).line, 2);
        assert_eq!(rules.rule(0).kind, RuleKind::Ignore);
        assert_eq!(rules.for_route("GET /clusters/{cluster_id}").ignores.len(), 1);
        assert_eq!(rules.for_route("GET /clusters").ignores.len(), 0);
        assert_eq!(rules.id_paths("POST /clusters").len(), 1);
        assert!(rules.is_volatile_header("date"));
    }

    #[test]
    fn missing_reason_is_an_error_with_its_line() {
        let error = parse("[[ignore]]\npath = \"$.body.x\"\n").expect_err("no reason");
        let message = error.to_string();
        assert!(message.contains("reason"), "{message}");
        assert!(message.contains("line 1"), "{message}");
        let error = parse("\n[[set]]\npath = \"$.body.x\"\nreason = \" \"\n").expect_err("blank");
        assert!(error.to_string().starts_with("parity.toml:2:"), "{error}");
    }

    #[test]
    fn unknown_keys_are_errors_naming_the_key_and_line() {
        let error = parse("[[ignore]]\npath = \"$.a\"\nreason = \"r\"\npaht = \"$.b\"\n").expect_err("unknown key");
        let message = error.to_string();
        assert!(message.contains("paht"), "{message}");
        assert!(message.contains("line 4"), "{message}");
        let error = parse("[[ignroe]]\npath = \"$.a\"\n").expect_err("unknown table");
        assert!(error.to_string().contains("ignroe"), "{error}");
    }

    #[test]
    fn bad_values_are_explained() {
        let bad_path = parse("[[ignore]]\npath = \"body.x\"\nreason = \"r\"\n").expect_err("path");
        assert!(bad_path.to_string().contains("parity.toml:1: invalid path"), "{bad_path}");
        let bad_regex =
            parse("[[normalise]]\nregex = \"(\"\nreplacement = \"x\"\nreason = \"r\"\n").expect_err("regex");
        assert!(bad_regex.to_string().contains("invalid regex"), "{bad_regex}");
        let unknown = parse("[[normalise]]\nbuiltin = \"ulid\"\nreason = \"r\"\n").expect_err("builtin");
        assert!(unknown.to_string().contains("\"ulid\""), "{unknown}");
        let zero = parse("[[tolerance]]\npath = \"$.a\"\nreason = \"r\"\n").expect_err("zero");
        assert!(zero.to_string().contains("above 0"), "{zero}");
    }

    #[test]
    fn builtin_normalisers_replace_uuids_and_timestamps() {
        let rules = parse(
            "[[normalise]]\nbuiltin = \"uuid\"\nreason = \"r\"\n[[normalise]]\nbuiltin = \"timestamp\"\nreason = \"r\"\n",
        )
        .expect("rules");
        let route = rules.for_route("GET /x");
        let mut fired = Vec::new();
        let text = "c-0f8fad5b-d9cb-469f-a165-70867728950e at 2026-11-27T05:12:41.123456+00:00";
        let normalised = route.normalise(&[], text, &mut fired);
        assert_eq!(normalised, "c-<uuid> at <timestamp dddd-dd-ddTdd:dd:dd.dddddd+00:00>");
        assert_eq!(fired, vec![0, 1]);
        let mut fired = Vec::new();
        assert_eq!(route.normalise(&[], "plain", &mut fired), "plain");
        assert!(fired.is_empty());
    }

    #[test]
    fn a_rule_for_a_route_that_never_comes_is_an_error_with_its_line() {
        let rules = parse(
            "[[ignore]]\nroute = \"*\"\npath = \"$.a\"\nreason = \"r\"\n\n[[ignore]]\nroute = \"GET /clusters/{id}\"\npath = \"$.a\"\nreason = \"r\"\n[[normalise]]\nroute = \"side-effects\"\nbuiltin = \"uuid\"\nreason = \"r\"\n",
        )
        .expect("rules");
        let corpus = || ["GET /clusters".to_owned(), "GET /clusters/{cluster_id}".to_owned()];
        let error = rules.check_routes(corpus(), &[]).expect_err("a typo");
        let message = error.to_string();
        assert!(message.starts_with("parity.toml:6: route `GET /clusters/{id}`"), "{message}");
        assert!(message.contains("`GET /clusters/{cluster_id}`"), "{message}");
        rules.check_routes(corpus(), &["GET /clusters/{id}".to_owned()]).expect("declared in the config");
        rules.check_routes(corpus(), &["ANY /clusters/{id}".to_owned()]).expect("ANY declares every method");
        rules.check_routes(["GET /clusters/{id}".to_owned()], &[]).expect("in the corpus");
        // Reading stops once every scoped route was seen.
        let endless = std::iter::repeat("GET /clusters/{id}".to_owned());
        rules.check_routes(endless, &[]).expect("stops");
    }

    #[test]
    fn builtin_normalisers_keep_the_format_visible() {
        let rules = parse(
            "[[normalise]]\nbuiltin = \"uuid\"\nreason = \"r\"\n[[normalise]]\nbuiltin = \"timestamp\"\nreason = \"r\"\n",
        )
        .expect("rules");
        let route = rules.for_route("GET /x");
        let normal = |text: &str| route.normalise(&[], text, &mut Vec::new()).into_owned();
        let same_format = [
            ("2026-11-27T05:12:41.123456+00:00", "2031-01-02T23:59:59.000001+00:00"),
            ("2026-11-27T05:12:41Z", "2031-01-02T23:59:59Z"),
            ("0f8fad5b-d9cb-469f-a165-70867728950e", "1f8fad5b-d9cb-469f-a165-70867728950e"),
        ];
        for (a, b) in same_format {
            assert_eq!(normal(a), normal(b), "{a} and {b}");
        }
        let other_format = [
            ("2026-11-27T05:12:41.123456+00:00", "2026-11-27T05:12:41.123456Z"),
            ("2026-11-27T05:12:41.123456+00:00", "2026-11-27T05:12:41+00:00"),
            ("2026-11-27T05:12:41.123456+00:00", "2026-11-27T05:12:41.123+00:00"),
            ("2026-11-27T05:12:41.123456+00:00", "2026-11-27 05:12:41.123456+00:00"),
            ("2026-11-27T05:12:41.123456+00:00", "2026-11-27T05:12:41.123456+01:00"),
            ("0f8fad5b-d9cb-469f-a165-70867728950e", "0F8FAD5B-D9CB-469F-A165-70867728950E"),
        ];
        for (a, b) in other_format {
            assert_ne!(normal(a), normal(b), "{a} and {b} must stay apart");
        }
    }

    // ---- tests asked for by the mutants that survived (docs/testing.md) ----

    #[test]
    fn a_regex_normaliser_replaces_with_its_text_and_only_on_its_path() {
        let rules = parse(
            "[[normalise]]\npath = \"$.body.request\"\nregex = \"req-[0-9]+\"\nreplacement = \"req-N\"\nreason = \"r\"\n",
        )
        .expect("rules");
        let route = rules.for_route("GET /x");
        let request = [Seg::Key("body"), Seg::Key("request")];
        let mut fired = Vec::new();
        assert_eq!(route.normalise(&request, "id req-41 and req-7", &mut fired), "id req-N and req-N");
        assert_eq!(fired, vec![0]);
        // Another path: the rule does not apply, and does not fire.
        let other = [Seg::Key("body"), Seg::Key("name")];
        let mut fired = Vec::new();
        assert_eq!(route.normalise(&other, "req-41", &mut fired), "req-41");
        assert!(fired.is_empty());
    }

    #[test]
    fn uuids_of_each_case_normalise_to_their_own_marker() {
        let rules = parse("[[normalise]]\nbuiltin = \"uuid\"\nreason = \"r\"\n").expect("rules");
        let route = rules.for_route("GET /x");
        let normal = |text: &str| route.normalise(&[], text, &mut Vec::new()).into_owned();
        assert_eq!(normal("0f8fad5b-d9cb-469f-a165-70867728950e"), "<uuid>");
        assert_eq!(normal("0F8FAD5B-D9CB-469F-A165-70867728950E"), "<UUID>");
        assert_eq!(normal("0F8fad5b-d9cb-469f-a165-70867728950e"), "<uuid mixed case>");
    }

    #[test]
    fn load_reads_the_file_it_is_given() {
        let folder = tempfile::tempdir().expect("temp dir");
        let file = folder.path().join("rules.toml");
        std::fs::write(&file, "\n[[ignore]]\npath = \"$.body.x\"\nreason = \"r\"\n").expect("write");
        let rules = ParityRules::load(&file).expect("loads");
        assert_eq!(rules.rule(0).kind, RuleKind::Ignore);
        assert_eq!(rules.rule(0).line, 2);
        assert_eq!(rules.for_route("GET /x").ignores.len(), 1);
        let missing = ParityRules::load(&folder.path().join("absent.toml")).expect_err("no such file");
        assert!(missing.to_string().contains("absent.toml"), "{missing}");
    }

    #[test]
    fn tolerances_must_be_finite_non_negative_and_one_above_zero() {
        let tolerance = |absolute: &str, relative: &str| {
            parse(&format!(
                "[[tolerance]]\npath = \"$.a\"\nabsolute = {absolute}\nrelative = {relative}\nreason = \"r\"\n"
            ))
        };
        for (absolute, relative) in [("-1.0", "0.0"), ("0.0", "-0.5"), ("inf", "0.0"), ("0.0", "nan"), ("-inf", "1.0")]
        {
            let error = tolerance(absolute, relative).expect_err("refused");
            assert!(error.to_string().contains("finite and >= 0"), "{absolute} {relative}: {error}");
        }
        for (absolute, relative) in [("0.5", "0.0"), ("0.0", "0.1"), ("2.0", "0.3")] {
            let rules = tolerance(absolute, relative).expect("accepted");
            assert_eq!(rules.for_route("GET /x").tolerances.len(), 1, "{absolute} {relative}");
        }
        assert!(tolerance("0.0", "0.0").expect_err("both zero").to_string().contains("above 0"));
    }

    #[test]
    fn an_error_on_a_later_line_names_that_line() {
        let text = "[[ignore]]\npath = \"$.a\"\nreason = \"r\"\n\n\n[[tolerance]]\npath = \"$.b\"\nabsolute = -1.0\nreason = \"r\"\n";
        let error = parse(text).expect_err("negative");
        assert!(error.to_string().starts_with("parity.toml:6:"), "{error}");
    }

    #[test]
    fn check_routes_lists_at_most_twelve_known_routes_and_counts_the_rest() {
        let rules = parse("[[ignore]]\nroute = \"GET /typo\"\npath = \"$.a\"\nreason = \"r\"\n").expect("rules");
        let routes = |count: usize| (0..count).map(|index| format!("GET /r{index:02}")).collect::<Vec<_>>();
        let twelve = rules.check_routes(routes(12), &[]).expect_err("typo").to_string();
        assert!(!twelve.contains("more"), "{twelve}");
        assert!(twelve.contains("`GET /r11`"), "{twelve}");
        let thirteen = rules.check_routes(routes(13), &[]).expect_err("typo").to_string();
        assert!(thirteen.contains(" and 1 more"), "{thirteen}");
        assert!(!thirteen.contains("`GET /r12`"), "{thirteen}");
        let none = rules.check_routes(Vec::new(), &[]).expect_err("typo").to_string();
        assert!(none.contains("known routes: none"), "{none}");
        // Built-in rules (line 0) are never checked: the default rules pass with no routes at all.
        ParityRules::default().check_routes(Vec::new(), &[]).expect("nothing scoped");
    }
}
