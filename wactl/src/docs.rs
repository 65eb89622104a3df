//! Man pages and shell completions, generated from the clap definitions so
//! they never drift (a test regenerates them and compares): `wactl(1)`, one
//! `wactl-VERB(1)` per verb with its options, `waconnd(8)`.

use clap::CommandFactory;
use clap_complete::Shell;

/// Hand-written sections of a page: (title, roff body).
pub type Sections<'a> = &'a [(&'a str, &'a str)];

/// A man page: clap's sections (those the command has), then the
/// hand-written `extra` sections, then the version (a verb's page has it in
/// its title only).
pub fn man_page(command: clap::Command, section: &str, extra: Sections<'_>) -> String {
    let mut command = command;
    command.build();
    let has_options = command.get_arguments().any(|a| !a.is_hide_set());
    let has_verbs = command.get_subcommands().any(|c| !c.is_hide_set());
    let has_version = command.get_version().is_some();
    let man = clap_mangen::Man::new(command)
        .section(section)
        .source(format!("waconn {}", env!("CARGO_PKG_VERSION")))
        .manual("waconn");
    let mut out = Vec::new();
    let mut rendered = man
        .render_title(&mut out)
        .and_then(|()| man.render_name_section(&mut out))
        .and_then(|()| man.render_synopsis_section(&mut out))
        .and_then(|()| man.render_description_section(&mut out));
    if has_options {
        rendered = rendered.and_then(|()| man.render_options_section(&mut out));
    }
    if has_verbs {
        rendered = rendered.and_then(|()| man.render_subcommands_section(&mut out));
    }
    rendered.expect("rendering into memory does not fail");
    let mut page = String::from_utf8(out).expect("clap_mangen writes UTF-8");
    for (title, body) in extra {
        page.push_str(&format!(".SH \"{title}\"\n{}\n", body.trim()));
    }
    if has_version {
        let mut out = Vec::new();
        man.render_version_section(&mut out)
            .expect("rendering into memory does not fail");
        page.push_str(&String::from_utf8(out).expect("UTF-8"));
    }
    page
}

/// `wactl`'s command as the man pages show it: without clap's `help` verb,
/// which has no page of its own (`wactl help VERB` still works).
fn documented_command() -> clap::Command {
    let mut command = crate::cli::Cli::command().disable_help_subcommand(true);
    command.build();
    command
}

/// `wactl(1)`.
pub fn wactl_man_page() -> String {
    man_page(documented_command(), "1", WACTL_SECTIONS)
}

/// Every page of `wactl`: (file name, content), `wactl.1` first, then
/// `wactl-VERB.1` for each verb that `wactl(1)` lists.
pub fn wactl_man_pages() -> Vec<(String, String)> {
    let command = documented_command();
    let mut pages = vec![("wactl.1".to_string(), wactl_man_page())];
    for verb in command.get_subcommands().filter(|c| !c.is_hide_set()) {
        let extra = verb_sections(verb.get_name());
        let mut sections: Vec<(&str, &str)> = extra.to_vec();
        sections.push(("SEE ALSO", SEE_ALSO));
        pages.push((
            format!("wactl-{}.1", verb.get_name()),
            man_page(verb.clone(), "1", &sections),
        ));
    }
    pages
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

const SEE_ALSO: &str = r#"
\fBwactl\fR(1) for the exit status, the JSON output, how phone numbers are written and where the socket is found; \fBwaconnd\fR(8).
"#;

/// The hand-written sections of `wactl-VERB(1)`.
fn verb_sections(verb: &str) -> Sections<'static> {
    match verb {
        "pair" => PAIR_SECTIONS,
        "check" => CHECK_SECTIONS,
        "metrics" => METRICS_SECTIONS,
        _ => &[],
    }
}

const PAIR_SECTIONS: Sections<'static> = &[(
    "EXAMPLES",
    r#"
Pair a number, written as you would say it (the words are one number):
.PP
.RS
wactl pair +1 555 123 4567
.RE
.PP
Pair a phone that is elsewhere: write each code to an image to send or open there:
.PP
.RS
wactl pair +1 555 123 4567 \-\-qr png:/tmp/code.png
.RE
"#,
)];

const CHECK_SECTIONS: Sections<'static> = &[
    (
        "OUTPUT",
        r#"
Nothing while all is well. Otherwise one line per number: the number, its state and for how long, why, then what a person should do and what waconnd does meanwhile, e.g.
.PP
.RS
15551234567 REPLACED for 5m: another client took over this session; stop the other client using this number, then run `wactl reconnect 15551234567`; waconnd does not retry on its own
.RE
.PP
The exit status is the worst line's: 3 when waconnd is recovering every number on its own, 4 when a person must act (a banned or outdated number too, even though waconnd also tries again on its own later).
"#,
    ),
    (
        "EXAMPLES",
        r#"
From cron, every 5 minutes (cron's PATH is /usr/bin:/bin: give wactl's full path, as \fBcommand \-v wactl\fR prints it):
.PP
.RS
*/5 * * * * $HOME/.cargo/bin/wactl check \-\-grace 5m
.RE
.PP
Two numbers only, one word each:
.PP
.RS
wactl check +15551234567 '+1 555 765 4321'
.RE
"#,
    ),
];

const METRICS_SECTIONS: Sections<'static> = &[(
    "OUTPUT",
    r#"
Prometheus text exposition format 0.0.4. \fBwaconn_up\fR is 1 when waconnd answered; with the daemon down wactl still prints a valid exposition, \fBwaconn_up 0\fR and the timestamp, and exits 69, so the textfile collector stops showing the last good values. \fBwaconn_metrics_generated_timestamp_seconds\fR is when the exposition was written: alert on \fBwaconn_up == 0\fR and on \fBtime() \- waconn_metrics_generated_timestamp_seconds > 300\fR (the job stopped writing).
.PP
\fBwaconn_sessions\fR counts the numbers in each state. Only numbers that are not connected have series of their own, so ten thousand healthy numbers stay a few lines: \fBwaconn_session_up\fR (0, with the state as a label), \fBwaconn_session_state_since_timestamp_seconds\fR, \fBwaconn_session_last_connected_timestamp_seconds\fR, \fBwaconn_session_last_seen_timestamp_seconds\fR. For the daemon: \fBwaconn_daemon_uptime_seconds\fR, \fBwaconn_build_info\fR, and with push alerts (\fBwaconnd\fR(8)) \fBwaconn_notifications_delivered_total\fR, \fBwaconn_notifications_failures_total\fR, \fBwaconn_notifications_dropped_total\fR (\fBreason\fR full, missed or expired) and \fBwaconn_notifications_queued\fR, labelled \fBsink\fR (webhook or exec) and \fBindex\fR. waconnd \fB\-\-http\fR serves the same text at \fB/metrics\fR.
"#,
)];

const WACTL_SECTIONS: Sections<'static> = &[
    (
        "PHONE NUMBERS",
        r#"
In international form, country code first: \fB15551234567\fR, \fB+1 555 123 4567\fR, \fB+1 (555) 123\-4567\fR, \fB1.555.123.4567\fR and \fB0015551234567\fR are one number (\fB+\fR, spaces, dashes, dots and parentheses separate digits; a leading \fB00\fR is the international prefix). A number with a single leading 0 is a national number and is refused: write the country code instead of the 0. 7 to 15 digits, ASCII only.
.PP
\fBpair\fR, \fBstatus\fR, \fBinspect\fR, \fBreconnect\fR and \fBdrop\fR take one number, in one word or several: \fBwactl pair +1 555 123 4567 \-\-qr text\fR. \fBcheck\fR and \fBevents\fR take several numbers, one word each: quote a number written with spaces.
"#,
    ),
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
\fBstatus\fR \fINUMBER\fR: \fBready\fR (state is CONNECTED), \fBhasQr\fR, \fBstate\fR, \fBconnectedAt\fR, \fBdisconnectedAt\fR, \fBlastSeen\fR, \fBnumber\fR, \fBreason\fR, \fBsince\fR, \fBcreatedAt\fR, \fBpairedAt\fR, \fBjid\fR, \fBpushName\fR, \fBpairingDeadline\fR, \fBretryAt\fR, \fBforgetAt\fR, \fBdisconnects\fR, \fBphoneSeenAt\fR (last sign of life of the account's own phone: what it sent, its change of name; contacts' traffic does not count; WhatsApp unlinks a companion whose phone stays offline 14 days), \fBmessagesReceived\fR (messages received and decrypted since registration), \fBlastMessageAt\fR (when the last arrived, or null), \fBnode\fR (the node that runs it when nodes share a \fB\-\-database\fR, else null). No message content ever appears in any output.
.PP
\fBlist\fR: \fBtotalClients\fR, \fBconnectedClients\fR, \fBconnections\fR (an object keyed by number, each value as for \fBstatus\fR).
.PP
\fBstatus\fR without a number: \fBversion\fR, \fBpid\fR, \fBstartedAt\fR, \fBuptimeSeconds\fR, \fBsocket\fR, \fBdataDir\fR, \fBtotalClients\fR, \fBconnectedClients\fR, \fBstates\fR (count per state), \fBwaVersion\fR (the WhatsApp Web version new connections announce, X.Y.Z), \fBwaVersionSource\fR (\fBfetched\fR, \fBpersisted\fR, \fBbuilt\-in\fR or \fBpinned\fR), \fBwaVersionFetchedAt\fR (ms or null), \fBwaVersionError\fR (why the last fetch failed, or null), \fBconnectRate\fR (attempts per second allowed now), \fBconnectRateConfigured\fR, \fBconnectRateReason\fR (why the rate is lowered, or null), \fBengine\fR (\fBfiles\fR, or \fBpostgres\fR with \fB\-\-database\fR), \fBdatabase\fR (its URL without the password, or null), \fBnode\fR (this node's name, or null), \fBnodes\fR (every node sharing the database: \fBname\fR, \fBheartbeatAgeMs\fR, \fBnumbers\fR, \fBstatus\fR: \fBlive\fR, \fBdraining\fR, \fBstopped\fR or \fBlapsed\fR).
.PP
\fBinspect\fR: the \fBstatus\fR fields plus \fBtransitions\fR (\fBat\fR, \fBfrom\fR, \fBto\fR, \fBreason\fR; oldest first), \fBstorePath\fR, \fBstoreBytes\fR.
.PP
\fBcheck\fR: \fBok\fR, \fBexitCode\fR, \fBchecked\fR, \fBproblems\fR (\fBnumber\fR, \fBstate\fR, \fBsince\fR, \fBreason\fR, \fBaction\fR, \fBexitCode\fR).
.PP
\fBevents\fR: one object per line: \fBnumber\fR, \fBat\fR, \fBtime\fR (RFC 3339), \fBfrom\fR, \fBstate\fR, \fBreason\fR.
.PP
On failure every \fB\-\-json\fR command prints one object on standard output, with the message also on standard error and the same exit status: \fB{"error": {"code": "unknown_number", "message": "..."}, "exitCode": 1}\fR. The codes are stable: \fBusage\fR (2), \fBunknown_number\fR, \fBinvalid_state\fR, \fBbad_request\fR, \fBlimit_reached\fR (1; the daemon's open files limit carries no more numbers), \fBpairing_failed\fR (4), \fBdaemon_unreachable\fR, \fBshutting_down\fR (69), \fBinternal\fR (70), \fBprotocol_mismatch\fR (76).
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
Without \fB\-\-socket\fR, wactl talks to the first socket that exists of \fI$XDG_RUNTIME_DIR/waconn/waconnd.sock\fR, \fI/run/user/UID/waconn/waconnd.sock\fR (where systemd puts \fBXDG_RUNTIME_DIR\fR, for jobs started without it, such as cron's) and \fI/tmp/waconn\-UID/waconnd.sock\fR; when none exists the error names each. The daemon binds at \fI$XDG_RUNTIME_DIR/waconn/waconnd.sock\fR, else in \fI/tmp\fR.
"#,
    ),
    (
        "FILES",
        r#"
.TP
\fI$XDG_RUNTIME_DIR/waconn/waconnd.sock\fR, \fI/run/user/UID/waconn/waconnd.sock\fR, \fI/tmp/waconn\-UID/waconnd.sock\fR
Where the daemon's socket is looked for (directory 0700, socket 0600, same user only).
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
Check every number from cron every 5 minutes, mailing only problems (cron's PATH lacks \fI~/.cargo/bin\fR: give the full path):
.PP
.RS
*/5 * * * * $HOME/.cargo/bin/wactl check \-\-grace 5m
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
