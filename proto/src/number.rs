//! Phone numbers as the user types them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A phone number in international form, digits only (7 to 15 of them).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Number(String);

/// Why a text is not a phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Something other than digits, `+`, spaces or dashes.
    #[error(
        "`{text}` is not a phone number: `{bad}` is not a digit (write it as 15551234567 or +1 555 123 4567)"
    )]
    NotDigit {
        /// The text as given.
        text: String,
        /// The first offending character.
        bad: char,
    },
    /// Too few or too many digits.
    #[error(
        "`{text}` has {count} digits; a phone number in international form has 7 to 15, country code first"
    )]
    Length {
        /// The text as given.
        text: String,
        /// How many digits it has.
        count: usize,
    },
}

impl Number {
    /// Parses `text` after stripping `+`, spaces and dashes.
    pub fn parse(text: &str) -> Result<Self, NumberError> {
        let mut digits = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '+' | ' ' | '-' => {}
                bad => {
                    return Err(NumberError::NotDigit {
                        text: text.to_string(),
                        bad,
                    });
                }
            }
        }
        if !(7..=15).contains(&digits.len()) {
            return Err(NumberError::Length {
                text: text.to_string(),
                count: digits.len(),
            });
        }
        Ok(Self(digits))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Number {
    type Err = NumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Number {
    type Error = NumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Number> for String {
    fn from(n: Number) -> Self {
        n.0
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_plus_spaces_and_dashes() {
        assert_eq!(
            Number::parse("+1 555-123 4567").expect("valid").as_str(),
            "15551234567"
        );
        assert_eq!(
            Number::parse("1234567").expect("7 digits").as_str(),
            "1234567"
        );
        assert!(Number::parse("123456789012345").is_ok());
    }

    #[test]
    fn says_what_is_wrong() {
        let e = Number::parse("555x1234").expect_err("letter");
        assert!(e.to_string().contains("`x` is not a digit"), "{e}");
        let e = Number::parse("12345").expect_err("short");
        assert!(e.to_string().contains("has 5 digits"), "{e}");
        assert!(Number::parse("1234567890123456").is_err());
        assert!(Number::parse("").is_err());
        assert!(Number::parse("(555) 1234567").is_err());
    }
}
