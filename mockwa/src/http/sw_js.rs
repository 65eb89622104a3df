//! `GET /sw.js`: the WhatsApp Web service worker, which clients read the
//! current version from, or the fault an operator put on it.

use crate::wire::stream::Stream;
use tokio::io::{AsyncReadExt, BufReader};

use super::request::respond;
use crate::state::Shared;
use crate::state::stats::bump;
use crate::state::sw_js::SwFault;

/// An anti-bot page in place of the script: 200, HTML, no version.
const CHALLENGE: &str = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>WhatsApp</title></head>\n<body><noscript>Please enable JavaScript and cookies to continue.</noscript>\n<script>/* verifying your browser */</script></body></html>\n";

/// Serves one fetch of `/sw.js`.
pub(super) async fn serve(shared: &Shared, reader: &mut BufReader<Stream>) -> anyhow::Result<()> {
    bump(&shared.stats.sw_js_fetches);
    let sw_js = shared.sw_js();
    match sw_js.fault {
        SwFault::None => {
            let body = script(sw_js.version().2);
            respond(reader, 200, "application/javascript", body.as_bytes(), None).await
        }
        SwFault::NotFound => respond(reader, 404, "text/html", b"Not Found\n", None).await,
        SwFault::Challenge => respond(reader, 200, "text/html", CHALLENGE.as_bytes(), None).await,
        SwFault::Hang => {
            hang(shared, reader).await;
            Ok(())
        }
    }
}

/// The service worker announcing `revision`, shaped as the real one is
/// read: the version sits in a JSON string inside the script, as
/// `client_revision\":REVISION,` (Baileys `proto-extract/index.js` matches
/// `client_revision\\":([\d\.]+),`, strips `/*BTDS*/` and follows the
/// escaped `importScripts` URL; its `Utils/generics.ts` matches
/// `\\?"client_revision\\?":\s*(\d+)`). wacore's `version::parse_sw_js`
/// takes the first number after `client_revision` as 2.3000.REVISION.
fn script(revision: u32) -> String {
    format!(
        "self.__swData=JSON.parse(/*BTDS*/\"{{\\\"client_revision\\\":{revision},\\\"server_revision\\\":{revision}}}\");\nimportScripts(\"https:\\/\\/static.whatsapp.net\\/rsrc.php\\/v4\\/mockwa\\/sw-main.js\");\n"
    )
}

/// Holds the request unanswered until the client gives up or the mock
/// stops.
async fn hang(shared: &Shared, reader: &mut BufReader<Stream>) {
    let mut shutdown = shared.shutdown.clone();
    let mut sink = [0u8; 1024];
    loop {
        tokio::select! {
            read = reader.read(&mut sink) => if !matches!(read, Ok(n) if n > 0) { return },
            _ = shutdown.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_parses_as_the_clients_read_it() {
        let body = script(1_026_131_876);
        assert_eq!(
            wacore::version::parse_sw_js(&body),
            Some((2, 3000, 1_026_131_876))
        );
        assert!(body.contains(r#"client_revision\":1026131876,"#), "{body}");
        assert!(body.contains("/*BTDS*/") && body.contains("importScripts(\""));
        assert_eq!(wacore::version::parse_sw_js(CHALLENGE), None);
    }
}
