//! The CBOR of Smithy RPC v2 that the CloudWatch front door speaks. Requests decode with
//! ciborium into serde structs (it reads the SDK's indefinite-length maps and tagged
//! timestamps); answers are written here, because ciborium writes every float in its
//! shortest lossless form (5.0 becomes the half-precision `f9 4500`), while the protocol
//! asks servers not to send half-precision and the SDK reads `Values` as doubles. So every
//! float goes out as a 64-bit `fb`, and every timestamp as tag 1 around one.

use serde::{Deserialize, Deserializer};

/// A value to encode. Map keys are Smithy member names, so they are static.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cbor {
    Text(String),
    Float(f64),
    /// Seconds since the epoch, written as tag 1 around a float.
    Timestamp(f64),
    Array(Vec<Cbor>),
    Map(Vec<(&'static str, Cbor)>),
}

impl Cbor {
    pub(crate) fn text(text: impl Into<String>) -> Cbor {
        Cbor::Text(text.into())
    }

    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        self.write(&mut bytes);
        bytes
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Cbor::Text(text) => {
                head(out, 3, text.len() as u64);
                out.extend_from_slice(text.as_bytes());
            }
            Cbor::Float(value) => {
                out.push(0xfb);
                out.extend_from_slice(&value.to_be_bytes());
            }
            Cbor::Timestamp(seconds) => {
                out.push(0xc1);
                Cbor::Float(*seconds).write(out);
            }
            Cbor::Array(items) => {
                head(out, 4, items.len() as u64);
                for item in items {
                    item.write(out);
                }
            }
            Cbor::Map(entries) => {
                head(out, 5, entries.len() as u64);
                for (key, value) in entries {
                    Cbor::text(*key).write(out);
                    value.write(out);
                }
            }
        }
    }
}

/// A major type and its length, in the shortest form CBOR allows.
fn head(out: &mut Vec<u8>, major: u8, length: u64) {
    let major = major << 5;
    match length {
        0..=23 => out.push(major | length as u8),
        24..=0xff => out.extend_from_slice(&[major | 24, length as u8]),
        0x100..=0xffff => {
            out.push(major | 25);
            out.extend_from_slice(&(length as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(major | 26);
            out.extend_from_slice(&(length as u32).to_be_bytes());
        }
        _ => {
            out.push(major | 27);
            out.extend_from_slice(&length.to_be_bytes());
        }
    }
}

/// A Smithy timestamp in a request: tag 1 around seconds since the epoch, an integer or a
/// float (the Rust SDK sends a float; the protocol allows both, and an untagged number).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct EpochSeconds(pub f64);

impl<'de> Deserialize<'de> for EpochSeconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = ciborium::Value::deserialize(deserializer)?;
        let number = match value {
            ciborium::Value::Tag(1, inner) => *inner,
            other => other,
        };
        match number {
            ciborium::Value::Float(seconds) if seconds.is_finite() => Ok(EpochSeconds(seconds)),
            ciborium::Value::Integer(seconds) => Ok(EpochSeconds(i128::from(seconds) as f64)),
            other => Err(serde::de::Error::custom(format!("a timestamp must be tag 1 around a number, got {other:?}"))),
        }
    }
}

/// Decodes a request body; an empty body is an empty structure, as Smithy allows.
pub(crate) fn decode<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, String> {
    if body.is_empty() {
        return Ok(T::default());
    }
    ciborium::de::from_reader(body).map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_always_doubles_and_timestamps_are_tagged() {
        assert_eq!(Cbor::Float(5.0).to_bytes(), [0xfb, 0x40, 0x14, 0, 0, 0, 0, 0, 0]);
        assert_eq!(Cbor::Timestamp(1.0).to_bytes(), [0xc1, 0xfb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn what_is_written_reads_back_with_ciborium() {
        let long = "x".repeat(300);
        let value = Cbor::Map(vec![
            ("Id", Cbor::text("m1")),
            ("Values", Cbor::Array(vec![Cbor::Float(1.5), Cbor::Float(2.0)])),
            ("Timestamps", Cbor::Array(vec![Cbor::Timestamp(1_796_000_000.0)])),
            ("Long", Cbor::text(long.clone())),
        ]);
        let read: ciborium::Value = ciborium::de::from_reader(&value.to_bytes()[..]).expect("valid CBOR");
        let map = read.as_map().expect("a map");
        assert_eq!(map[0], (ciborium::Value::from("Id"), ciborium::Value::from("m1")));
        assert_eq!(map[1].1, ciborium::Value::Array(vec![ciborium::Value::Float(1.5), ciborium::Value::Float(2.0)]));
        assert_eq!(
            map[2].1,
            ciborium::Value::Array(vec![ciborium::Value::Tag(1, Box::new(ciborium::Value::Float(1_796_000_000.0)))])
        );
        assert_eq!(map[3].1, ciborium::Value::from(long));
    }

    #[test]
    fn timestamps_read_from_tagged_floats_and_integers() {
        let tagged_float = [0xc1, 0xfb, 0x41, 0xda, 0xc3, 0x32, 0x40, 0, 0, 0];
        let read: EpochSeconds = ciborium::de::from_reader(&tagged_float[..]).expect("tagged float");
        assert_eq!(read, EpochSeconds(1_796_000_000.0));
        let tagged_integer = [0xc1, 0x1a, 0x6b, 0x0d, 0xd9, 0x00];
        let read: EpochSeconds = ciborium::de::from_reader(&tagged_integer[..]).expect("tagged integer");
        assert_eq!(read, EpochSeconds(f64::from(0x6b0d_d900_u32)));
        let text = [0x61, 0x78];
        assert!(ciborium::de::from_reader::<EpochSeconds, _>(&text[..]).is_err());
    }
}
