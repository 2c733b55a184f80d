//! `cutover report prices refresh`: AWS's public price list offer file (the Bulk API's
//! `offers/v1.0/aws/AWSLambda/current/<region>/index.json`, and AmazonApiGateway's,
//! AmazonCloudWatch's) turned into the price table format, with the offer's publication
//! date as "prices as of" and the SKU and rate code as each figure's source.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::prices::{Price, PriceKey, PriceTable, Tier};

/// Why an offer file could not be applied to the price table; the table may already hold
/// part of it, so it is not to be written out.
#[derive(Debug, thiserror::Error)]
pub enum OfferError {
    /// The text is not JSON in the offer file's shape: the user passes the Bulk API's
    /// `index.json` of a service and region.
    #[error("offer file {what}: line {line}, column {column}: not AWS's price list offer format: {message}")]
    Invalid {
        /// The offer file, as named to [`apply_offer`].
        what: String,
        /// 1-based line of the offending text.
        line: usize,
        /// 1-based column of the offending text.
        column: usize,
        /// serde_json's message, without its position.
        message: String,
    },
    /// The offer parses but cannot be used: a rate without a USD price, or no Lambda, API
    /// Gateway or CloudWatch Logs price in it at all.
    #[error("offer file {what}: {message}")]
    Content {
        /// The offer file, as named to [`apply_offer`].
        what: String,
        /// What is wrong with it.
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Offer {
    offer_code: String,
    publication_date: String,
    products: BTreeMap<String, Product>,
    terms: Terms,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Product {
    sku: String,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Terms {
    #[serde(default)]
    on_demand: BTreeMap<String, BTreeMap<String, Term>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Term {
    price_dimensions: BTreeMap<String, PriceDimension>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PriceDimension {
    rate_code: String,
    begin_range: String,
    end_range: String,
    price_per_unit: BTreeMap<String, String>,
}

/// Which price a product is, from its `group` (Lambda) or `usagetype` suffix (API
/// Gateway, CloudWatch Logs). Matched exactly: a substring match would take
/// `Requests-Tier1` of another service, or mix `-ARM` into x86_64.
fn price_key(offer_code: &str, attributes: &BTreeMap<String, String>) -> Option<PriceKey> {
    let usage_type = attributes.get("usagetype").map(String::as_str).unwrap_or_default();
    let suffix = usage_type
        .split_once('-')
        .filter(|(prefix, _)| prefix.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
        .map(|(_, rest)| rest)
        .unwrap_or(usage_type);
    match offer_code {
        "AWSLambda" => match attributes.get("group").map(String::as_str)? {
            "AWS-Lambda-Requests" => Some(PriceKey::LambdaRequests),
            "AWS-Lambda-Duration" => Some(PriceKey::LambdaDurationX86),
            "AWS-Lambda-Duration-ARM" => Some(PriceKey::LambdaDurationArm),
            "AWS-Lambda-Storage-Duration" => Some(PriceKey::LambdaEphemeralStorage),
            "AWS-Lambda-Provisioned-Concurrency" => Some(PriceKey::ProvisionedConcurrencyX86),
            "AWS-Lambda-Provisioned-Concurrency-ARM" => Some(PriceKey::ProvisionedConcurrencyArm),
            "AWS-Lambda-Duration-Provisioned" => Some(PriceKey::ProvisionedDurationX86),
            "AWS-Lambda-Duration-Provisioned-ARM" => Some(PriceKey::ProvisionedDurationArm),
            _ => None,
        },
        "AmazonApiGateway" => match suffix {
            "ApiGatewayRequest" => Some(PriceKey::ApiGatewayRestRequests),
            "ApiGatewayHttpRequest" => Some(PriceKey::ApiGatewayHttpRequests),
            _ => None,
        },
        "AmazonCloudWatch" => match suffix {
            "DataProcessing-Bytes" => Some(PriceKey::LogsIngestion),
            _ => None,
        },
        _ => None,
    }
}

/// Reads an offer file and merges its prices into `table` (region by region, price by
/// price), so a Lambda offer and an API Gateway offer can be applied one after the other.
/// `what` names the file in errors and becomes the table's origin. Returns how many
/// prices (one per product and region) were applied.
pub fn apply_offer(table: &mut PriceTable, text: &str, what: &str) -> Result<usize, OfferError> {
    let offer: Offer = serde_json::from_str(text).map_err(|error| OfferError::Invalid {
        what: what.to_string(),
        line: error.line(),
        column: error.column(),
        message: error
            .to_string()
            .rsplit_once(" at line ")
            .map(|(message, _)| message.to_string())
            .unwrap_or_else(|| error.to_string()),
    })?;
    let source_key = format!(
        "price-list-{}-{}",
        offer.offer_code,
        offer.publication_date.get(..10).unwrap_or(&offer.publication_date)
    );
    let mut applied = 0;
    for product in offer.products.values() {
        let Some(key) = price_key(&offer.offer_code, &product.attributes) else { continue };
        let Some(region) = product.attributes.get("regionCode") else { continue };
        let Some(terms) = offer.terms.on_demand.get(&product.sku) else { continue };
        let mut dimensions: Vec<&PriceDimension> =
            terms.values().flat_map(|term| term.price_dimensions.values()).collect();
        dimensions.sort_by(|a, b| range_value(&a.begin_range).total_cmp(&range_value(&b.begin_range)));
        let mut tiers = Vec::new();
        let mut rate_codes = Vec::new();
        let mut unit = String::new();
        for dimension in dimensions {
            let usd: f64 = dimension.price_per_unit.get("USD").and_then(|usd| usd.parse().ok()).ok_or_else(|| {
                OfferError::Content {
                    what: what.to_string(),
                    message: format!("rate {} has no USD price", dimension.rate_code),
                }
            })?;
            let up_to = (dimension.end_range != "Inf").then(|| range_value(&dimension.end_range));
            tiers.push(Tier { up_to, usd });
            rate_codes.push(dimension.rate_code.clone());
            unit = unit_name(key).to_string();
        }
        if tiers.is_empty() {
            continue;
        }
        table.sources.insert(
            source_key.clone(),
            format!(
                "AWS price list offer {} published {} (SKU and rate codes per figure)",
                offer.offer_code, offer.publication_date
            ),
        );
        table.regions.entry(region.clone()).or_default().insert(key, Price { tiers, unit, source: source_key.clone() });
        table.sources.insert(format!("{source_key}/{}", product.sku), rate_codes.join(", "));
        applied += 1;
    }
    if applied == 0 {
        return Err(OfferError::Content {
            what: what.to_string(),
            message: format!("no Lambda, API Gateway or CloudWatch Logs price in offer {}", offer.offer_code),
        });
    }
    table.prices_as_of = offer.publication_date.get(..10).unwrap_or(&offer.publication_date).to_string();
    table.origin = what.to_string();
    Ok(applied)
}

fn range_value(text: &str) -> f64 {
    text.parse().unwrap_or(f64::INFINITY)
}

fn unit_name(key: PriceKey) -> &'static str {
    match key {
        PriceKey::LambdaRequests | PriceKey::ApiGatewayRestRequests | PriceKey::ApiGatewayHttpRequests => "request",
        PriceKey::LogsIngestion => "GB",
        _ => "GB-second",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offer_tier_list_becomes_tiers_in_order() {
        let mut table = PriceTable::embedded();
        let offer = r#"{"formatVersion":"v1.0","offerCode":"AWSLambda","version":"x","publicationDate":"2026-10-01T00:00:00Z",
"products":{"SKU1":{"sku":"SKU1","productFamily":"Serverless","attributes":{"regionCode":"sa-east-1","group":"AWS-Lambda-Duration","usagetype":"SAE1-Lambda-GB-Second"}}},
"terms":{"OnDemand":{"SKU1":{"SKU1.JRTCKXETXF":{"priceDimensions":{
"SKU1.JRTCKXETXF.B":{"rateCode":"SKU1.JRTCKXETXF.B","unit":"Lambda-GB-Second","beginRange":"6000000000","endRange":"15000000000","pricePerUnit":{"USD":"0.0000150000"}},
"SKU1.JRTCKXETXF.A":{"rateCode":"SKU1.JRTCKXETXF.A","unit":"Lambda-GB-Second","beginRange":"0","endRange":"6000000000","pricePerUnit":{"USD":"0.0000166667"}},
"SKU1.JRTCKXETXF.C":{"rateCode":"SKU1.JRTCKXETXF.C","unit":"Lambda-GB-Second","beginRange":"15000000000","endRange":"Inf","pricePerUnit":{"USD":"0.0000133334"}}}}}}}}"#;
        assert_eq!(apply_offer(&mut table, offer, "offer.json").expect("offer"), 1);
        let price = table.region("sa-east-1").expect("new region").get(PriceKey::LambdaDurationX86).expect("duration");
        assert_eq!(
            price.tiers.iter().map(|tier| tier.usd).collect::<Vec<_>>(),
            vec![0.0000166667, 0.000015, 0.0000133334]
        );
        assert_eq!(price.tiers[0].up_to, Some(6e9));
        assert_eq!(table.prices_as_of, "2026-10-01");
    }
}
