//! Phone numbers as the user types them: `+1 555 123 4567`,
//! `+1 (555) 123-4567`, `1.555.123.4567` and `0015551234567` are one
//! number, `15551234567`.

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
    /// A character that is neither an ASCII digit nor a separator.
    #[error("`{}` is not a phone number: {}{EXAMPLE}", shown(text), what(*bad))]
    NotDigit {
        /// The text as given.
        text: String,
        /// The first offending character.
        bad: char,
    },
    /// A single leading `0`: a national number, which WhatsApp cannot tell
    /// apart from another country's.
    #[error(
        "`{}` starts with 0, a national number: include the country code instead of the 0 (e.g. +44 20 7946 0958 for 020 7946 0958)",
        shown(text)
    )]
    National {
        /// The text as given.
        text: String,
    },
    /// Too few or too many digits.
    #[error(
        "`{}` has {count} digit{}; a phone number in international form has 7 to 15, country code first",
        shown(text),
        if *count == 1 { "" } else { "s" }
    )]
    Length {
        /// The text as given.
        text: String,
        /// How many digits it has once the international prefix is off.
        count: usize,
    },
}

const EXAMPLE: &str = " (write it as 15551234567 or +1 555 123 4567)";

/// `text` with control characters escaped, so an error stays on one line.
fn shown(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// What is wrong with `bad`, by name: a digit of another script is still
/// not one that the phone network reads.
fn what(bad: char) -> String {
    let code = format!("U+{:04X}", u32::from(bad));
    let glyph = shown(&bad.to_string());
    if bad.is_numeric() {
        format!("`{glyph}` ({code}) is not an ASCII digit; type the digits 0-9")
    } else if bad.is_control() || bad.is_whitespace() {
        format!("it contains {code} `{glyph}`, which is not a digit, space or separator")
    } else {
        format!(
            "`{glyph}` ({code}) is not a digit; only +, spaces, dashes, dots and parentheses may separate digits"
        )
    }
}

impl Number {
    /// Parses `text` as people write it: `+`, spaces, dashes, dots and
    /// parentheses are separators; a leading `00` is the international
    /// prefix (as `+`); a single leading `0` is a national number and is
    /// refused; 7 to 15 digits remain.
    pub fn parse(text: &str) -> Result<Self, NumberError> {
        let mut digits = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '+' | ' ' | '-' | '.' | '(' | ')' => {}
                bad => {
                    return Err(NumberError::NotDigit {
                        text: text.to_string(),
                        bad,
                    });
                }
            }
        }
        let digits = match digits.strip_prefix("00") {
            Some(international) => international.to_string(),
            None => digits,
        };
        if digits.starts_with('0') {
            return Err(NumberError::National {
                text: text.to_string(),
            });
        }
        Self::checked(text, digits)
    }

    /// A number already in canonical form (digits only), as the wire and
    /// the registry carry it: no prefix is interpreted, so what was stored
    /// reads back unchanged.
    pub fn from_digits(digits: &str) -> Result<Self, NumberError> {
        if let Some(bad) = digits.chars().find(|c| !c.is_ascii_digit()) {
            return Err(NumberError::NotDigit {
                text: digits.to_string(),
                bad,
            });
        }
        Self::checked(digits, digits.to_string())
    }

    fn checked(text: &str, digits: String) -> Result<Self, NumberError> {
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
        Self::from_digits(&s)
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

    fn digits(text: &str) -> String {
        Number::parse(text)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .as_str()
            .to_string()
    }

    #[test]
    fn separators_are_stripped() {
        for text in [
            "15551234567",
            "+1 555-123 4567",
            "+1 555 123 4567",
            "+1 (555) 123-4567",
            "1.555.123.4567",
            "(1) 555.123.4567",
        ] {
            assert_eq!(digits(text), "15551234567", "{text}");
        }
        assert_eq!(digits("1234567"), "1234567");
        assert_eq!(digits("123456789012345"), "123456789012345");
    }

    #[test]
    fn a_leading_00_is_the_international_prefix() {
        assert_eq!(digits("0015551234567"), "15551234567");
        assert_eq!(digits("00 44 20 7946 0958"), "442079460958");
    }

    #[test]
    fn a_national_number_asks_for_the_country_code() {
        for text in [
            "05551234567",
            "020 7946 0958",
            "+0 555 123 4567",
            "000 555 1234",
        ] {
            let e = Number::parse(text).expect_err(text);
            assert!(matches!(e, NumberError::National { .. }), "{text}: {e}");
            assert!(e.to_string().contains("include the country code"), "{e}");
        }
    }

    #[test]
    fn says_what_is_wrong() {
        let e = Number::parse("555x1234").expect_err("letter");
        assert!(e.to_string().contains("`x` (U+0078) is not a digit"), "{e}");
        let e = Number::parse("１５５５１２３４５６７").expect_err("full-width");
        assert!(
            e.to_string()
                .contains("`１` (U+FF11) is not an ASCII digit"),
            "{e}"
        );
        let e = Number::parse("1555\n1234567").expect_err("newline");
        assert!(e.to_string().contains("U+000A `\\n`"), "{e}");
        assert!(!e.to_string().contains('\n'), "one line: {e}");
        let e = Number::parse("12345").expect_err("short");
        assert!(e.to_string().contains("has 5 digits"), "{e}");
        let e = Number::parse("00 12345").expect_err("short after the prefix");
        assert!(e.to_string().contains("has 5 digits"), "{e}");
        assert!(Number::parse("1234567890123456").is_err());
        assert!(Number::parse("").is_err());
    }

    #[test]
    fn the_wire_form_reads_back_unchanged() {
        assert_eq!(
            Number::from_digits("15551234567").map(String::from),
            Ok("15551234567".to_string())
        );
        // Registered before a leading 00 was a prefix: still the same entry.
        assert_eq!(
            Number::try_from("0015551234567".to_string()).map(String::from),
            Ok("0015551234567".to_string())
        );
        assert!(Number::try_from("+15551234567".to_string()).is_err());
    }
}
