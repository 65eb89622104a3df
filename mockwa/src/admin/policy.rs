//! The requests that set the server's policies: the login cap, the minimum
//! client version, and what `/sw.js` answers.

use serde_json::json;

use super::bodies::{LoginCapBody, MinVersionBody, SwJsBody};
use super::{Answer, parse};
use crate::state::Shared;
use crate::state::sw_js::SwFault;
use crate::version::AppVersion;

/// Serves `POST /admin/{name}`.
pub(super) fn serve(shared: &Shared, name: &str, body: &[u8]) -> Answer {
    let answer = match name {
        "login-cap" => parse::<LoginCapBody>(name, body).map(|b| {
            shared.set_login_cap(b.per_second);
            Answer::ok(json!({ "per_second": shared.login_cap() }))
        }),
        "min-version" => parse::<MinVersionBody>(name, body).and_then(|b| min_version(shared, b)),
        _ => parse::<SwJsBody>(name, body).and_then(|b| sw_js(shared, b)),
    };
    answer.unwrap_or_else(|answer| answer)
}

fn min_version(shared: &Shared, b: MinVersionBody) -> Result<Answer, Answer> {
    let Some(version) = b.version else {
        return Err(Answer::error(
            400,
            "`version` is required: \"X.Y.Z\", or null to accept every version",
        ));
    };
    let min = version.as_deref().map(version_of).transpose()?;
    let affected = shared.set_min_version(min);
    Ok(Answer::ok(json!({
        "version": min.map(|v| v.to_string()),
        "affected": affected,
    })))
}

fn sw_js(shared: &Shared, b: SwJsBody) -> Result<Answer, Answer> {
    let version = b.version.as_deref().map(version_of).transpose()?;
    let fault = b
        .fault
        .as_deref()
        .map(str::parse::<SwFault>)
        .transpose()
        .map_err(|e| Answer::error(400, &e.to_string()))?;
    let state = shared
        .set_sw_js(version, fault)
        .map_err(|e| Answer::error(400, &e.to_string()))?;
    Ok(Answer::ok(json!({
        "version": state.version().to_string(),
        "fault": state.fault.name(),
    })))
}

fn version_of(text: &str) -> Result<AppVersion, Answer> {
    text.parse()
        .map_err(|e: crate::version::BadVersion| Answer::error(400, &e.to_string()))
}
