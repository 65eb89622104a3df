//! Man pages and shell completions, generated from the clap definitions so
//! they never drift (a test regenerates them and compares).

use clap::CommandFactory;
use clap_complete::Shell;

/// A man page: clap's sections, then hand-written `extra` sections
/// (title, roff body), then the version.
pub fn man_page(command: clap::Command, section: &str, extra: &[(&str, &str)]) -> String {
    let man = clap_mangen::Man::new(command)
        .section(section)
        .source(format!("waconn {}", env!("CARGO_PKG_VERSION")))
        .manual("waconn");
    let mut out = Vec::new();
    let rendered = man
        .render_title(&mut out)
        .and_then(|()| man.render_name_section(&mut out))
        .and_then(|()| man.render_synopsis_section(&mut out))
        .and_then(|()| man.render_description_section(&mut out))
        .and_then(|()| man.render_options_section(&mut out))
        .and_then(|()| man.render_subcommands_section(&mut out));
    rendered.expect("rendering into memory does not fail");
    let mut page = String::from_utf8(out).expect("clap_mangen writes UTF-8");
    for (title, body) in extra {
        page.push_str(&format!(".SH \"{title}\"\n{}\n", body.trim()));
    }
    let mut out = Vec::new();
    man.render_version_section(&mut out)
        .expect("rendering into memory does not fail");
    page.push_str(&String::from_utf8(out).expect("UTF-8"));
    page
}

/// `wactl(1)`.
pub fn wactl_man_page() -> String {
    man_page(crate::cli::Cli::command(), "1", WACTL_SECTIONS)
}

/// The completion script of `command` for `shell`.
pub fn completion(shell: Shell, mut command: clap::Command) -> String {
    let name = command.get_name().to_string();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, name, &mut out);
    String::from_utf8(out).expect("completions are UTF-8")
}

/// The shells completions are generated for.
pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::Elvish,
    Shell::PowerShell,
];

/// The file name a completion script for `shell` is kept under.
pub fn completion_file(shell: Shell, name: &str) -> String {
    match shell {
        Shell::Bash => format!("{name}.bash"),
        Shell::Zsh => format!("_{name}"),
        Shell::Fish => format!("{name}.fish"),
        Shell::Elvish => format!("{name}.elv"),
        _ => format!("_{name}.ps1"),
    }
}

const WACTL_SECTIONS: &[(&str, &str)] = &[
    (
        "EXIT STATUS",
        r#"
.TP
\fB0\fR
Success; for \fBstatus\fR and \fBcheck\fR: connected (or within the grace).
.TP
\fB1\fR
The daemon refused the request (unknown number, a request that does not fit the state).
.TP
\fB2\fR
Usage error (unknown option, invalid phone number).
.TP
\fB3\fR
Degraded: a number is not connected but waconnd is reconnecting it on its own (beyond \fB\-\-grace\fR for \fBcheck\fR).
.TP
\fB4\fR
Needs a person: pairing pending, logged out, replaced, banned, outdated, failed, or (\fBcheck\fR) a number waconnd does not have.
.TP
\fB69\fR
waconnd is not reachable (not running, or another socket).
.TP
\fB70\fR
Internal error.
.TP
\fB76\fR
wactl and waconnd speak different protocol versions.
.PP
A closed standard output (\fBwactl list | head \-1\fR) ends wactl quietly with status 0.
"#,
    ),
    (
        "JSON OUTPUT",
        r#"
\fB\-\-json\fR output is a stable contract: fields may be added, none renamed or removed. Times are Unix epoch milliseconds; absent times are \fBnull\fR.
.PP
\fBstatus\fR \fINUMBER\fR: \fBready\fR (state is CONNECTED), \fBhasQr\fR, \fBstate\fR, \fBconnectedAt\fR, \fBdisconnectedAt\fR, \fBlastSeen\fR, \fBnumber\fR, \fBreason\fR, \fBsince\fR, \fBcreatedAt\fR, \fBpairedAt\fR, \fBjid\fR, \fBpushName\fR, \fBpairingDeadline\fR, \fBretryAt\fR, \fBforgetAt\fR, \fBdisconnects\fR, \fBphoneSeenAt\fR (last sign of life of the phone; WhatsApp unlinks a companion whose phone stays offline 14 days).
.PP
\fBlist\fR: \fBtotalClients\fR, \fBconnectedClients\fR, \fBconnections\fR (an object keyed by number, each value as for \fBstatus\fR).
.PP
\fBstatus\fR without a number: \fBversion\fR, \fBpid\fR, \fBstartedAt\fR, \fBuptimeSeconds\fR, \fBsocket\fR, \fBdataDir\fR, \fBtotalClients\fR, \fBconnectedClients\fR, \fBstates\fR (count per state), \fBwaVersion\fR (the WhatsApp Web version new connections announce, X.Y.Z), \fBwaVersionSource\fR (\fBfetched\fR, \fBpersisted\fR, \fBbuilt\-in\fR or \fBpinned\fR), \fBwaVersionFetchedAt\fR (ms or null), \fBwaVersionError\fR (why the last fetch failed, or null), \fBconnectRate\fR (attempts per second allowed now), \fBconnectRateConfigured\fR, \fBconnectRateReason\fR (why the rate is lowered, or null).
.PP
\fBinspect\fR: the \fBstatus\fR fields plus \fBtransitions\fR (\fBat\fR, \fBfrom\fR, \fBto\fR, \fBreason\fR; oldest first), \fBstorePath\fR, \fBstoreBytes\fR.
.PP
\fBcheck\fR: \fBok\fR, \fBexitCode\fR, \fBchecked\fR, \fBproblems\fR (\fBnumber\fR, \fBstate\fR, \fBsince\fR, \fBreason\fR, \fBaction\fR, \fBexitCode\fR).
.PP
\fBevents\fR: one object per line: \fBnumber\fR, \fBat\fR, \fBtime\fR (RFC 3339), \fBfrom\fR, \fBstate\fR, \fBreason\fR.
.PP
States: PAIRING, CONNECTING, CONNECTED, DISCONNECTED, RECONNECTING, LOGGED_OUT, REPLACED, BANNED, OUTDATED, FAILED.
"#,
    ),
    (
        "ENVIRONMENT",
        r#"
.TP
\fBWACONN_SOCKET\fR
The daemon's socket, as \fB\-\-socket\fR.
.TP
\fBXDG_RUNTIME_DIR\fR
Without \fB\-\-socket\fR, the socket is \fI$XDG_RUNTIME_DIR/waconn/waconnd.sock\fR, else \fI/tmp/waconn\-UID/waconnd.sock\fR.
"#,
    ),
    (
        "FILES",
        r#"
.TP
\fI$XDG_RUNTIME_DIR/waconn/waconnd.sock\fR
The daemon's socket (directory 0700, socket 0600, same user only).
"#,
    ),
    (
        "EXAMPLES",
        r#"
Pair a number (draws QR codes until it is connected):
.PP
.RS
wactl pair +1 555 123 4567
.RE
.PP
Check every number from cron every 5 minutes, mailing only problems:
.PP
.RS
*/5 * * * * wactl check \-\-grace 5m
.RE
.PP
Numbers not connected, for a script:
.PP
.RS
wactl list \-\-json | jq \-r '.connections | to_entries[] | select(.value.ready | not) | .key'
.RE
"#,
    ),
];
