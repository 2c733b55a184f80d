//! Prices: the table embedded in the binary (`prices/aws-prices.toml`, each figure with its
//! source and one "prices as of" date), or a file in the same format from `--prices`.
//! A region that is not in the table, or a price a report needs that the region lacks, is
//! an error that names it; nothing is ever priced at $0 for want of a figure.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::usage::{ApiKind, Architecture};

/// The embedded table.
const EMBEDDED_PRICES: &str = include_str!("../prices/aws-prices.toml");

/// Every price the bill model can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceKey {
    /// `lambda_requests`: USD per request, both architectures.
    LambdaRequests,
    /// `lambda_duration_x86_64`: USD per on-demand GB-second on x86_64, tiered.
    #[serde(rename = "lambda_duration_x86_64")]
    LambdaDurationX86,
    /// `lambda_duration_arm64`: USD per on-demand GB-second on arm64, tiered.
    #[serde(rename = "lambda_duration_arm64")]
    LambdaDurationArm,
    /// `lambda_ephemeral_storage`: USD per GB-second of storage above the included 512 MB.
    LambdaEphemeralStorage,
    /// `lambda_provisioned_concurrency_x86_64`: USD per GB-second of provisioned
    /// concurrency configured on x86_64.
    #[serde(rename = "lambda_provisioned_concurrency_x86_64")]
    ProvisionedConcurrencyX86,
    /// `lambda_provisioned_concurrency_arm64`: USD per GB-second of provisioned
    /// concurrency configured on arm64.
    #[serde(rename = "lambda_provisioned_concurrency_arm64")]
    ProvisionedConcurrencyArm,
    /// `lambda_provisioned_duration_x86_64`: USD per GB-second of invocations served by
    /// provisioned instances on x86_64.
    #[serde(rename = "lambda_provisioned_duration_x86_64")]
    ProvisionedDurationX86,
    /// `lambda_provisioned_duration_arm64`: USD per GB-second of invocations served by
    /// provisioned instances on arm64.
    #[serde(rename = "lambda_provisioned_duration_arm64")]
    ProvisionedDurationArm,
    /// `api_gateway_rest_requests`: USD per REST API call, tiered.
    ApiGatewayRestRequests,
    /// `api_gateway_http_requests`: USD per HTTP API call, tiered.
    ApiGatewayHttpRequests,
    /// `logs_ingestion`: USD per GB (2^30 bytes) of CloudWatch Logs ingested.
    LogsIngestion,
}

impl PriceKey {
    /// Every key the bill model can ask for.
    pub(crate) const ALL: [PriceKey; 11] = [
        PriceKey::LambdaRequests,
        PriceKey::LambdaDurationX86,
        PriceKey::LambdaDurationArm,
        PriceKey::LambdaEphemeralStorage,
        PriceKey::ProvisionedConcurrencyX86,
        PriceKey::ProvisionedConcurrencyArm,
        PriceKey::ProvisionedDurationX86,
        PriceKey::ProvisionedDurationArm,
        PriceKey::ApiGatewayRestRequests,
        PriceKey::ApiGatewayHttpRequests,
        PriceKey::LogsIngestion,
    ];

    /// The key as the price file spells it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            PriceKey::LambdaRequests => "lambda_requests",
            PriceKey::LambdaDurationX86 => "lambda_duration_x86_64",
            PriceKey::LambdaDurationArm => "lambda_duration_arm64",
            PriceKey::LambdaEphemeralStorage => "lambda_ephemeral_storage",
            PriceKey::ProvisionedConcurrencyX86 => "lambda_provisioned_concurrency_x86_64",
            PriceKey::ProvisionedConcurrencyArm => "lambda_provisioned_concurrency_arm64",
            PriceKey::ProvisionedDurationX86 => "lambda_provisioned_duration_x86_64",
            PriceKey::ProvisionedDurationArm => "lambda_provisioned_duration_arm64",
            PriceKey::ApiGatewayRestRequests => "api_gateway_rest_requests",
            PriceKey::ApiGatewayHttpRequests => "api_gateway_http_requests",
            PriceKey::LogsIngestion => "logs_ingestion",
        }
    }

    /// The on-demand duration price of `architecture`.
    pub(crate) fn duration(architecture: Architecture) -> PriceKey {
        match architecture {
            Architecture::X86_64 => PriceKey::LambdaDurationX86,
            Architecture::Arm64 => PriceKey::LambdaDurationArm,
        }
    }

    /// The price of provisioned concurrency configured on `architecture`.
    pub(crate) fn provisioned_concurrency(architecture: Architecture) -> PriceKey {
        match architecture {
            Architecture::X86_64 => PriceKey::ProvisionedConcurrencyX86,
            Architecture::Arm64 => PriceKey::ProvisionedConcurrencyArm,
        }
    }

    /// The duration price of invocations served by provisioned instances on `architecture`.
    pub(crate) fn provisioned_duration(architecture: Architecture) -> PriceKey {
        match architecture {
            Architecture::X86_64 => PriceKey::ProvisionedDurationX86,
            Architecture::Arm64 => PriceKey::ProvisionedDurationArm,
        }
    }

    /// The per-call price of the `api` kind of API Gateway API.
    pub(crate) fn api_gateway(api: ApiKind) -> PriceKey {
        match api {
            ApiKind::Rest => PriceKey::ApiGatewayRestRequests,
            ApiKind::Http => PriceKey::ApiGatewayHttpRequests,
        }
    }
}

impl fmt::Display for PriceKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// One tier of a price: `usd` per unit until the monthly quantity reaches `up_to`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// The monthly quantity, in the price's unit, where this tier ends and the next
    /// begins; None for the last, open tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up_to: Option<f64>,
    /// USD per unit within this tier.
    pub usd: f64,
}

/// A price: one or more tiers, its unit, and where the figure comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Price {
    /// At least one tier, ascending, the last one open.
    pub tiers: Vec<Tier>,
    /// What one unit is: `request`, `GB-second` or `GB`.
    pub unit: String,
    /// Keys of the table's `[sources]` that the figure comes from, joined by `+`.
    pub source: String,
}

impl Price {
    /// The first tier's rate: the list price of the first unit.
    pub fn list_rate(&self) -> f64 {
        self.tiers.first().map(|tier| tier.usd).unwrap_or_default()
    }

    /// The cost of `quantity` units in one month, tier by tier.
    pub fn tiered_cost(&self, quantity: f64) -> f64 {
        let mut cost = 0.0;
        let mut floor = 0.0;
        for tier in &self.tiers {
            let ceiling = tier.up_to.unwrap_or(f64::INFINITY);
            if quantity <= floor {
                break;
            }
            cost += (quantity.min(ceiling) - floor) * tier.usd;
            floor = ceiling;
        }
        cost
    }
}

/// Every price per region, with where each figure comes from: the embedded table, a
/// `--prices` file, or either refreshed from AWS's price list ([`crate::apply_offer`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceTable {
    /// The table's "prices as of" date (`YYYY-MM-DD`), shown in every report.
    pub(crate) prices_as_of: String,
    /// The currency of every figure (`USD`).
    pub(crate) currency: String,
    /// Where the table came from: `embedded` or a file path.
    pub(crate) origin: String,
    /// Source key → its citation (a page, an offer file and its SKU and rate codes).
    pub(crate) sources: BTreeMap<String, String>,
    /// Region code → the prices that region has.
    pub(crate) regions: BTreeMap<String, BTreeMap<PriceKey, Price>>,
}

/// The prices of one region, as the bill model asks for them.
#[derive(Debug, Clone, Copy)]
pub struct RegionPrices<'table> {
    region: &'table str,
    prices: &'table BTreeMap<PriceKey, Price>,
    table: &'table PriceTable,
}

impl<'table> RegionPrices<'table> {
    /// The price of `key` in this region. A missing one is [`PriceError::Missing`], naming
    /// the regions of the table that have it, so the error can say which `--region` would
    /// work, besides `--prices FILE`.
    pub fn get(&self, key: PriceKey) -> Result<&'table Price, PriceError> {
        self.prices.get(&key).ok_or_else(|| {
            let priced: Vec<&str> = self
                .table
                .regions
                .iter()
                .filter(|(_, prices)| prices.contains_key(&key))
                .map(|(region, _)| region.as_str())
                .collect();
            PriceError::Missing {
                region: self.region.to_string(),
                price: key,
                origin: self.table.origin.clone(),
                priced_in: if priced.is_empty() { "no region of this table".to_string() } else { priced.join(", ") },
            }
        })
    }
}

/// Why a price table could not be read, or lacks a price a report needs. A missing price
/// is always an error, never $0.
#[derive(Debug, thiserror::Error)]
pub enum PriceError {
    /// The table has no prices at all for the region: the user gives `--prices FILE` with
    /// one that has, or another `--region`.
    #[error(
        "no prices for region `{region}` in the price table ({origin}); it has {known}. Give one with --prices FILE"
    )]
    UnknownRegion {
        /// The region asked for.
        region: String,
        /// The table's origin: `embedded` or its file path.
        origin: String,
        /// The table's regions, comma-separated.
        known: String,
    },
    /// The region lacks a price this report needs: the user picks a `--region` from
    /// `priced_in`, or gives a table that has it (`cutover report prices refresh`).
    #[error(
        "the price table ({origin}) has no `{price}` for region `{region}`; it is needed by this report and is never assumed to be $0. \
         Two ways out: --region with a region that has it ({priced_in}), or --prices FILE with a table that has it \
         (`cutover report prices refresh --offer FILE` builds one from AWS's price list offer files)"
    )]
    Missing {
        /// The region being priced.
        region: String,
        /// The price that is missing.
        price: PriceKey,
        /// The table's origin: `embedded` or its file path.
        origin: String,
        /// The table's regions that have the price, comma-separated, or `no region of this
        /// table`.
        priced_in: String,
    },
    /// The price file is not valid TOML or breaks a rule of the format (an unknown key,
    /// tiers out of order, a negative amount, a source not in `[sources]`).
    #[error("price file {}: line {line}, column {column}: {message}", path.display())]
    Invalid {
        /// The file, or `embedded`.
        path: PathBuf,
        /// 1-based line of the offending text.
        line: usize,
        /// 1-based column of the offending text, in characters.
        column: usize,
        /// What is wrong there.
        message: String,
    },
    /// The price file could not be read from disk.
    #[error("could not read price file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl PriceTable {
    /// The table built into the binary (`prices/aws-prices.toml`).
    pub fn embedded() -> PriceTable {
        // The embedded table is checked by a unit test; a failure here is a build defect.
        PriceTable::parse(EMBEDDED_PRICES, Path::new("embedded"))
            .unwrap_or_else(|error| panic!("embedded prices: {error}"))
    }

    /// Reads and checks the price file at `path` (`--prices FILE`), as [`PriceTable::parse`] does.
    pub fn load(path: &Path) -> Result<PriceTable, PriceError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| PriceError::Read { path: path.to_path_buf(), source })?;
        PriceTable::parse(&text, path)
    }

    /// Parses and checks a price file: known keys, tiers ascending with an open last tier,
    /// non-negative amounts, every source named in `[sources]`.
    pub fn parse(text: &str, path: &Path) -> Result<PriceTable, PriceError> {
        let invalid = |span: Option<std::ops::Range<usize>>, message: String| {
            let (line, column) = line_and_column(text, span.map(|span| span.start).unwrap_or_default());
            PriceError::Invalid { path: path.to_path_buf(), line, column, message }
        };
        let raw: RawTable = toml::from_str(text).map_err(|error| {
            let message = error.message().to_string();
            invalid(error.span(), message)
        })?;
        let mut regions = BTreeMap::new();
        for (region, prices) in raw.regions {
            let mut checked = BTreeMap::new();
            for (key, spanned) in prices {
                let span = spanned.span();
                let raw_price = spanned.into_inner();
                let here =
                    |message: String| invalid(Some(span.clone()), format!("[regions.{region}] {key}: {message}"));
                let tiers = match (raw_price.usd, raw_price.tiers) {
                    (Some(usd), None) => vec![Tier { up_to: None, usd }],
                    (None, Some(tiers)) if !tiers.is_empty() => tiers,
                    _ => return Err(here("give either `usd` or a non-empty `tiers`".into())),
                };
                let mut floor = 0.0;
                for (index, tier) in tiers.iter().enumerate() {
                    if !(tier.usd >= 0.0 && tier.usd.is_finite()) {
                        return Err(here(format!(
                            "tier {} has a negative or non-finite amount {}",
                            index + 1,
                            tier.usd
                        )));
                    }
                    let last = index + 1 == tiers.len();
                    match (tier.up_to, last) {
                        (None, true) => {}
                        (None, false) => {
                            return Err(here(format!("tier {} has no `up_to` but is not the last", index + 1)));
                        }
                        (Some(_), true) => return Err(here("the last tier must be open (no `up_to`)".into())),
                        (Some(up_to), false) if up_to <= floor => {
                            return Err(here(format!(
                                "tier {} ends at {up_to}, not above the previous tier's end",
                                index + 1
                            )));
                        }
                        (Some(up_to), false) => floor = up_to,
                    }
                }
                for source in raw_price.source.split('+') {
                    if !raw.sources.contains_key(source) {
                        return Err(here(format!("source `{source}` is not in [sources]")));
                    }
                }
                checked.insert(key, Price { tiers, unit: raw_price.unit, source: raw_price.source });
            }
            regions.insert(region, checked);
        }
        let origin = if path == Path::new("embedded") { "embedded".to_string() } else { path.display().to_string() };
        Ok(PriceTable { prices_as_of: raw.prices_as_of, currency: raw.currency, origin, sources: raw.sources, regions })
    }

    /// The prices of `region`; [`PriceError::UnknownRegion`] when the table has none.
    pub fn region(&self, region: &str) -> Result<RegionPrices<'_>, PriceError> {
        let (name, prices) = self.regions.get_key_value(region).ok_or_else(|| PriceError::UnknownRegion {
            region: region.to_string(),
            origin: self.origin.clone(),
            known: self.regions.keys().cloned().collect::<Vec<_>>().join(", "),
        })?;
        Ok(RegionPrices { region: name, prices, table: self })
    }

    /// The file form of this table, for `prices refresh`.
    pub fn to_toml(&self) -> String {
        let mut text = String::new();
        text.push_str(&format!(
            "prices_as_of = {}\ncurrency = {}\n\n[sources]\n",
            quote(&self.prices_as_of),
            quote(&self.currency)
        ));
        for (key, value) in &self.sources {
            text.push_str(&format!("{} = {}\n", quote(key), quote(value)));
        }
        for (region, prices) in &self.regions {
            text.push_str(&format!("\n[regions.{region}]\n"));
            for (key, price) in prices {
                let tiers: Vec<String> = price
                    .tiers
                    .iter()
                    .map(|tier| match tier.up_to {
                        Some(up_to) => format!("{{ up_to = {up_to:?}, usd = {:?} }}", tier.usd),
                        None => format!("{{ usd = {:?} }}", tier.usd),
                    })
                    .collect();
                text.push_str(&format!(
                    "{key} = {{ tiers = [{}], unit = {}, source = {} }}\n",
                    tiers.join(", "),
                    quote(&price.unit),
                    quote(&price.source)
                ));
            }
        }
        text
    }
}

fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map(|last| last.chars().count()).unwrap_or_default() + 1;
    (line, column)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    prices_as_of: String,
    currency: String,
    #[serde(default)]
    sources: BTreeMap<String, String>,
    regions: BTreeMap<String, BTreeMap<PriceKey, toml::Spanned<RawPrice>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrice {
    usd: Option<f64>,
    tiers: Option<Vec<Tier>>,
    unit: String,
    source: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_parses_and_names_a_source_for_every_figure() {
        let table = PriceTable::embedded();
        for region in ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1"] {
            let prices = table.region(region).expect(region);
            assert_eq!(prices.get(PriceKey::LambdaRequests).expect("requests").list_rate(), 0.0000002);
            assert_eq!(prices.get(PriceKey::LambdaDurationArm).expect("arm").list_rate(), 0.0000133334);
        }
        assert_eq!(table.prices_as_of, "2026-11-30");
    }

    #[test]
    fn tiers_charge_each_slice_at_its_rate() {
        let price = Price {
            tiers: vec![
                Tier { up_to: Some(6e9), usd: 0.0000166667 },
                Tier { up_to: Some(15e9), usd: 0.000015 },
                Tier { up_to: None, usd: 0.0000133334 },
            ],
            unit: "GB-second".into(),
            source: "test".into(),
        };
        // 7e9 GB-s: 6e9 × 0.0000166667 = 100,000.2 plus 1e9 × 0.000015 = 15,000.
        assert!((price.tiered_cost(7e9) - 115_000.2).abs() < 1e-6);
        // 16e9: 100,000.2 + 9e9 × 0.000015 = 135,000 + 1e9 × 0.0000133334 = 13,333.4.
        assert!((price.tiered_cost(16e9) - 248_333.6).abs() < 1e-6);
        assert_eq!(price.tiered_cost(0.0), 0.0);
    }

    #[test]
    fn an_unknown_region_and_a_missing_price_are_named_errors() {
        let table = PriceTable::embedded();
        let error = table.region("mars-north-1").expect_err("unknown");
        assert!(error.to_string().contains("`mars-north-1`") && error.to_string().contains("us-east-1"), "{error}");
        let error =
            table.region("eu-central-1").expect("region").get(PriceKey::ApiGatewayRestRequests).expect_err("missing");
        assert!(error.to_string().contains("api_gateway_rest_requests") && error.to_string().contains("$0"), "{error}");
    }

    #[test]
    fn a_bad_price_file_names_its_line() {
        let text = "prices_as_of = \"2026-01-01\"\ncurrency = \"USD\"\n[sources]\nme = \"me\"\n[regions.us-east-1]\n\
lambda_requests = { usd = 0.0000002, unit = \"request\", source = \"me\" }\n\
lambda_duration_x86_64 = { tiers = [{ up_to = 10, usd = 1 }, { up_to = 5, usd = 1 }, { usd = 1 }], unit = \"GB-second\", source = \"me\" }\n";
        let error = PriceTable::parse(text, Path::new("p.toml")).expect_err("descending tiers");
        assert!(error.to_string().contains("line 7") && error.to_string().contains("tier 2"), "{error}");
        let error = PriceTable::parse("prices_as_of = \"x\"\ncurrency = \"USD\"\n[regions.us-east-1]\nlambda_request = { usd = 1, unit = \"r\", source = \"s\" }\n", Path::new("p.toml"))
            .expect_err("unknown key");
        assert!(error.to_string().contains("line 4"), "{error}");
        let error = PriceTable::parse("prices_as_of = \"x\"\ncurrency = \"USD\"\n[sources]\n[regions.us-east-1]\nlambda_requests = { usd = 1, unit = \"r\", source = \"nowhere\" }\n", Path::new("p.toml"))
            .expect_err("unknown source");
        assert!(error.to_string().contains("line 5") && error.to_string().contains("nowhere"), "{error}");
    }

    #[test]
    fn the_file_form_round_trips() {
        let table = PriceTable::embedded();
        let again = PriceTable::parse(&table.to_toml(), Path::new("again.toml")).expect("round trip");
        assert_eq!(again.regions, table.regions);
        assert_eq!(again.sources, table.sources);
    }
}
