//! What `GET /sw.js` answers: the WhatsApp Web version it announces, and a
//! fault an operator may put on it.

use std::str::FromStr;

use crate::version::AppVersion;

/// How `GET /sw.js` misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum SwFault {
    /// It answers the service worker.
    #[default]
    None,
    /// It answers 404.
    NotFound,
    /// It answers 200 with an HTML anti-bot page instead of the script
    /// (Baileys `Utils/generics.ts` `fetchLatestWaWebVersion` sends
    /// browser headers "to bypass anti-bot detection").
    Challenge,
    /// It accepts the request and never answers.
    Hang,
}

/// Every fault [`SwFault::from_str`] takes, for error messages.
pub(crate) const SW_FAULTS: &str = "none, 404, challenge, hang";

/// A text that names no `/sw.js` fault.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown sw.js fault `{0}`: use one of {SW_FAULTS}")]
pub(crate) struct UnknownSwFault(String);

impl FromStr for SwFault {
    type Err = UnknownSwFault;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text.trim() {
            "none" => Self::None,
            "404" => Self::NotFound,
            "challenge" => Self::Challenge,
            "hang" => Self::Hang,
            other => return Err(UnknownSwFault(other.to_string())),
        })
    }
}

impl SwFault {
    /// The name [`SwFault::from_str`] takes.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::NotFound => "404",
            Self::Challenge => "challenge",
            Self::Hang => "hang",
        }
    }
}

/// A version `/sw.js` cannot announce.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "sw.js announces only a client revision, read as 2.3000.REVISION (wacore `version::parse_sw_js`): `{0}` is not of that form"
)]
pub struct NotAWebVersion(pub AppVersion);

/// The state of `/sw.js`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SwJs {
    revision: u32,
    /// How it misbehaves.
    pub fault: SwFault,
}

impl SwJs {
    /// `/sw.js` announcing `version`, which the caller checked with
    /// [`SwJs::revision_of`].
    pub fn new(version: AppVersion) -> Self {
        Self {
            revision: version.2,
            fault: SwFault::None,
        }
    }

    /// The client revision of a WhatsApp Web version.
    pub fn revision_of(version: AppVersion) -> Result<u32, NotAWebVersion> {
        match version {
            AppVersion(2, 3000, revision) => Ok(revision),
            other => Err(NotAWebVersion(other)),
        }
    }

    /// The version it announces.
    pub fn version(&self) -> AppVersion {
        AppVersion(2, 3000, self.revision)
    }

    /// Announces `version` from now on.
    pub fn set_version(&mut self, version: AppVersion) -> Result<(), NotAWebVersion> {
        self.revision = Self::revision_of(version)?;
        Ok(())
    }
}

impl super::Shared {
    /// What `/sw.js` answers now.
    pub fn sw_js(&self) -> SwJs {
        self.faults().sw_js
    }

    /// Changes what `/sw.js` announces and how it misbehaves; nothing
    /// changes if `version` cannot be announced. Returns the new state.
    pub fn set_sw_js(
        &self,
        version: Option<AppVersion>,
        fault: Option<SwFault>,
    ) -> Result<SwJs, NotAWebVersion> {
        let mut faults = self.faults();
        let mut sw_js = faults.sw_js;
        if let Some(version) = version {
            sw_js.set_version(version)?;
        }
        if let Some(fault) = fault {
            sw_js.fault = fault;
        }
        faults.sw_js = sw_js;
        Ok(sw_js)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_versions_are_announced() {
        let mut sw = SwJs::new(AppVersion::TEST_PIN);
        assert_eq!(sw.version(), AppVersion::TEST_PIN);
        sw.set_version(AppVersion(2, 3000, 7)).expect("web version");
        assert_eq!(sw.version(), AppVersion(2, 3000, 7));
        let err = sw.set_version(AppVersion(2, 2412, 7)).expect_err("not web");
        assert!(err.to_string().contains("2.3000.REVISION"), "{err}");
        for name in SW_FAULTS.split(", ") {
            assert_eq!(name.parse::<SwFault>().expect(name).name(), name);
        }
        assert!("slow".parse::<SwFault>().is_err());
    }
}
