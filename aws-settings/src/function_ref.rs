//! Lambda function references: `name`, `name:qualifier`, and
//! `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]` (any partition).

use std::fmt;

use serde::Serialize;

/// A function and, optionally, the version or alias a caller names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct FunctionRef {
    /// The bare function name, as Lambda's `FunctionName` and CloudWatch's `FunctionName`
    /// dimension use it.
    pub name: String,
    /// A version number, an alias, or `$LATEST`.
    pub qualifier: Option<String>,
    /// The ARN without its qualifier, when the reference was written as an ARN.
    pub arn: Option<String>,
}

/// Why a text is not a [`FunctionRef`]; the message shows what a reference looks like.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FunctionRefError {
    /// The text was empty or only whitespace.
    #[error("empty function reference")]
    Empty,
    /// Too many `:` parts, an ARN of another service, or a name or qualifier with
    /// characters or a length Lambda refuses.
    #[error(
        "`{reference}` is not a function reference: write `name`, `name:qualifier`, or \
         arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]"
    )]
    Malformed {
        /// The reference as written, trimmed.
        reference: String,
    },
}

impl FunctionRef {
    /// Parses `name`, `name:qualifier` or a Lambda function ARN (any partition, with or
    /// without a qualifier), after trimming whitespace. Names are checked against Lambda's
    /// rules (1–64 of `[A-Za-z0-9_-]`), qualifiers likewise (up to 128, or `$LATEST`).
    pub fn parse(reference: &str) -> Result<FunctionRef, FunctionRefError> {
        let reference = reference.trim();
        if reference.is_empty() {
            return Err(FunctionRefError::Empty);
        }
        let malformed = || FunctionRefError::Malformed { reference: reference.to_string() };
        let parts: Vec<&str> = reference.split(':').collect();
        let (name, qualifier, arn) = if reference.starts_with("arn:") {
            // arn : partition : lambda : region : account : function : name [: qualifier]
            if !(7..=8).contains(&parts.len()) || parts[2] != "lambda" || parts[5] != "function" {
                return Err(malformed());
            }
            let unqualified = parts[..7].join(":");
            (parts[6], parts.get(7).copied(), Some(unqualified))
        } else {
            match parts.as_slice() {
                [name] => (*name, None, None),
                [name, qualifier] => (*name, Some(*qualifier), None),
                _ => return Err(malformed()),
            }
        };
        let valid_name = !name.is_empty()
            && name.len() <= 64
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        let valid_qualifier = qualifier.is_none_or(|qualifier| {
            !qualifier.is_empty()
                && qualifier.len() <= 128
                && (qualifier == "$LATEST"
                    || qualifier.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        });
        if !valid_name || !valid_qualifier {
            return Err(malformed());
        }
        Ok(FunctionRef { name: name.to_string(), qualifier: qualifier.map(str::to_string), arn })
    }

    /// The same function with another qualifier.
    pub fn with_qualifier(&self, qualifier: impl Into<String>) -> FunctionRef {
        FunctionRef { qualifier: Some(qualifier.into()), ..self.clone() }
    }

    /// What Lambda's APIs take as `FunctionName`: the ARN when one was given, else the name.
    pub fn api_name(&self) -> &str {
        self.arn.as_deref().unwrap_or(&self.name)
    }
}

impl fmt::Display for FunctionRef {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.api_name())?;
        if let Some(qualifier) = &self.qualifier {
            write!(formatter, ":{qualifier}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_qualifiers_and_arns_parse_to_the_same_parts() {
        let plain = FunctionRef::parse("orders").expect("name");
        assert_eq!((plain.name.as_str(), plain.qualifier), ("orders", None));
        let aliased = FunctionRef::parse("orders:live").expect("alias");
        assert_eq!(aliased.qualifier.as_deref(), Some("live"));
        let arn = FunctionRef::parse("arn:aws:lambda:eu-west-1:123456789012:function:orders:7").expect("arn");
        assert_eq!(arn.name, "orders");
        assert_eq!(arn.qualifier.as_deref(), Some("7"));
        assert_eq!(arn.api_name(), "arn:aws:lambda:eu-west-1:123456789012:function:orders");
        assert_eq!(arn.to_string(), "arn:aws:lambda:eu-west-1:123456789012:function:orders:7");
        let china = FunctionRef::parse("arn:aws-cn:lambda:cn-north-1:1:function:f").expect("other partition");
        assert_eq!(china.name, "f");
        assert_eq!(FunctionRef::parse("f:$LATEST").expect("latest").qualifier.as_deref(), Some("$LATEST"));
    }

    #[test]
    fn malformed_references_say_what_a_reference_looks_like() {
        for bad in ["a:b:c", "arn:aws:s3:::bucket", "has space", "f:", ":live", "arn:aws:lambda:r:1:function:"] {
            let error = FunctionRef::parse(bad).expect_err(bad);
            assert!(error.to_string().contains("arn:aws:lambda"), "{bad}: {error}");
        }
        assert_eq!(FunctionRef::parse("  "), Err(FunctionRefError::Empty));
    }
}
