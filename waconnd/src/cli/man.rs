//! The hand-written sections of `waconnd(8)`: files, HTTP, push alerts,
//! several machines, signals, limits, exit status and examples.

/// Hand-written sections of `waconnd(8)`, after clap's.
pub const MAN_SECTIONS: &[(&str, &str)] = &[
    (
        "FILES",
        r#"
.TP
\fI~/.local/share/waconn/sessions.json\fR
The registry: every number, its state, reason and timestamps. Written atomically within a second of every change (pair and drop answer once it is on disk); a corrupt one is moved aside, never overwritten, and rebuilt from the credential stores.
.TP
\fI~/.local/share/waconn/sessions/NUMBER.db\fR
One credential store (whatsapp\-rust's SQLite store, with its \-wal and \-shm files) per number. Deleted when the phone logs the device out or on \fBwactl drop\fR.
.TP
\fI~/.local/share/waconn/waconnd.lock\fR
Held while a daemon runs on this data directory: a second one refuses to start.
.TP
\fI$XDG_RUNTIME_DIR/waconn/waconnd.sock\fR
The socket \fBwactl\fR talks to (else \fI/tmp/waconn\-UID/waconnd.sock\fR). Its directory must be a real directory, owned by the user, mode 0700.
"#,
    ),
    (
        "HTTP",
        r#"
With \fB\-\-http\fR \fIADDR\fR the daemon also answers HTTP/1.1 on that address, through the same request handlers as the socket. It listens before the sessions are restored.
.TP
\fBGET /api/connections\fR
Every number: the JSON of \fBwactl list \-\-json\fR (\fBtotalClients\fR, \fBconnectedClients\fR, \fBconnections\fR keyed by number).
.TP
\fBGET /api/status?numero=\fR\fINUMBER\fR
One number: the JSON of \fBwactl status\fR \fINUMBER\fR \fB\-\-json\fR (\fBready\fR, \fBhasQr\fR, \fBstate\fR, \fBconnectedAt\fR, \fBdisconnectedAt\fR, \fBlastSeen\fR, ...). The number is written as for wactl (\fB%2B1%20555%20123%204567\fR is +1 555 123 4567). A missing or bad \fBnumero\fR is answered 400, a number waconnd does not have 404.
.TP
\fBGET /api/system\-status\fR
The daemon: the JSON of \fBwactl status \-\-json\fR.
.TP
\fBGET /metrics\fR
The Prometheus text of \fBwactl metrics\fR, for Prometheus to scrape: totals per state, series per number only for numbers that are not connected, and the push alerts' counters.
.TP
\fBGET /healthz\fR
200 while the daemon runs.
.TP
\fBGET /readyz\fR
503 while the sessions are being restored (and while shutting down), then 200. Requests to the other endpoints made during the restore are answered once it ends.
.PP
Every failure is answered with the object \fBwactl \-\-json\fR prints on failure, e.g. \fB{"error": {"code": "unknown_number", "message": "..."}, "exitCode": 1}\fR, with 400 (\fBusage\fR), 404 (\fBunknown_number\fR, or no such endpoint), 405 (a method other than GET or HEAD) or 503 (\fBshutting_down\fR).
.PP
A loopback address (127.0.0.1, ::1, localhost) needs nothing more. Any other address requires \fB\-\-http\-token\-file\fR, and the daemon refuses to start without one. With a token, every request must carry \fBAuthorization: Bearer\fR \fITOKEN\fR; one without it, or with another, is answered 401 with an empty body and nothing else. The token is never logged.
"#,
    ),
    (
        "PUSH ALERTS",
        r#"
Each \fB\-\-notify\fR \fIURL\fR receives every state change as a POST whose body is the JSON object \fBwactl events \-\-json\fR prints for it: \fBnumber\fR, \fBat\fR (epoch ms), \fBtime\fR (RFC 3339), \fBfrom\fR, \fBstate\fR, \fBreason\fR. It never holds a QR payload, a pair code or a key. The headers:
.TP
\fBX\-Waconn\-Delivery\fR
An id unique to the change (the same on each retry of it).
.TP
\fBX\-Waconn\-Timestamp\fR
When this attempt was signed, in Unix seconds.
.TP
\fBX\-Waconn\-Signature: sha256=\fR\fIHEX\fR
With \fB\-\-notify\-secret\-file\fR: the HMAC\-SHA256, keyed with the file's secret, of the timestamp header's value, a dot, and the raw body. A receiver recomputes it over the bytes it received, compares in constant time, and refuses a timestamp more than five minutes from its clock, so a captured request cannot be replayed later.
.PP
Changes reach a URL one at a time, in order. One answered with anything but 2xx (or not answered within \fB\-\-notify\-timeout\fR) is tried again after \fB\-\-notify\-backoff\fR, then after twice as long each time up to \fB\-\-notify\-max\-backoff\fR, until \fB\-\-notify\-retry\-for\fR after the change, when it is dropped; the changes after it wait in a queue of \fB\-\-notify\-queue\fR changes, which drops its oldest when full. No session ever waits for a receiver. Drops, failures and the queue are counted in \fBwactl metrics\fR (\fBwaconn_notifications_*\fR, each sink labelled by kind and position); changes not yet delivered when waconnd stops are lost.
.PP
Each \fB\-\-notify\-exec\fR \fICMD\fR is run by \fB/bin/sh \-c\fR once per change, one at a time, in order, with the same JSON object and a newline on its standard input and \fBWACONN_NUMBER\fR, \fBWACONN_FROM\fR, \fBWACONN_STATE\fR and \fBWACONN_AT\fR in its environment; its standard error goes to the daemon's. One that fails or outlives \fB\-\-notify\-timeout\fR (and is killed) is logged and counted, not run again.
"#,
    ),
    (
        "SEVERAL MACHINES",
        r#"
With \fB\-\-database\fR \fIURL\fR (\fBpostgres://USER:PASSWORD@HOST:PORT/DATABASE\fR) every number's credentials, the registry and the leases live in that PostgreSQL database, shared by every node that names it; the schema is migrated at start. The password is never shown: logs, errors and \fBwactl status\fR print \fBpostgres://USER:***@...\fR. Each node has a \fB\-\-node\fR name (default: the host name) and renews its lease every \fB\-\-lease\-renew\fR.
.TP
\fB\-\-lease\-self\-fence\fR \fIT1\fR
A node that could not renew for T1 closes every session itself (\fBDISCONNECTED\fR, waiting for the database) and connects them again when the database answers. An outage shorter than T1 changes nothing.
.TP
\fB\-\-lease\-takeover\fR \fIT2\fR
The other nodes claim a node's numbers once its lease is T2 old, on the database's clock; at least T1 plus a renewal and a half plus 5 s, so a number has stopped on its node before another starts it.
.PP
Every credential and registry write checks in its transaction that the node still owns the number at its epoch; a node that lost a number writes nothing more for it and lets it go, and a \fBreplaced\fR stream makes a number \fBREPLACED\fR only on the node that owns it. Numbers with no node (new in the database, or of a node that stopped) go to the live nodes with the fewest numbers. \fBwactl drain\fR, or SIGTERM with \fB\-\-handoff\fR, hands a node's numbers to the others one at a time.
.PP
\fBwaconnd migrate \-\-to\fR \fIURL\fR copies the data directory's paired numbers (credentials and registry entries) into the database and says what it copied; the directory is left as it was and must not be in use. The numbers then connect from the database with no QR.
"#,
    ),
    (
        "SIGNALS",
        r#"
.TP
\fBSIGTERM\fR, \fBSIGINT\fR
Stop accepting requests, close every session gracefully (never logging out), save the registry, remove the socket, exit 0. With \fB\-\-handoff\fR, first hand every number to the other nodes sharing the database.
"#,
    ),
    (
        "LIMITS",
        r#"
Each number holds four file descriptors for good: its socket, and its SQLite store's database, WAL and WAL index. The daemon raises its soft limit to the hard one at start and says how many numbers it carries (the limit less 100, divided by 4), warns when the restored sessions will not fit, refuses to pair a new number past it (\fBlimit_reached\fR, with the limit and the fix), keeps the last 16 descriptors for clients and registry writes, and a session that finds no room says \fBout of file descriptors: the limit is N\fR in its reason and the log. Raise \fBLimitNOFILE\fR (or the hard \fBulimit \-n\fR) to 4 per number plus 100; the unit's 65536 carries about 16,000 numbers. With \fB\-\-database\fR a number holds its socket only (one descriptor; the pool's 16 connections are counted once).
.PP
A registry that cannot be written (disk full, read\-only) fails \fBwactl pair\fR and \fBwactl drop\fR with the reason, leaves the previous registry in place and is retried every 2 s.
"#,
    ),
    (
        "EXIT STATUS",
        r#"
0 after a clean shutdown; 1 when it cannot start (data directory locked by another daemon or read\-only, socket in use, a socket directory open to others, a refused setting such as \fB\-\-wa\-url\fR in a release build), or when the registry could not be saved at shutdown; 2 when an option or its value is wrong (the message says which, and what a valid one looks like).
"#,
    ),
    (
        "EXAMPLES",
        r#"
Run in the foreground with debug logs:
.PP
.RS
waconnd \-v
.RE
.PP
Remove numbers that were never paired after 10 minutes instead of an hour:
.PP
.RS
waconnd \-\-pairing\-ttl 10m
.RE
.PP
Answer the old service's monitors where it listened, and page someone on every change:
.PP
.RS
waconnd \-\-http 127.0.0.1:3000 \-\-notify https://alerts.example.com/waconn \-\-notify\-secret\-file ~/.config/waconn/webhook\-secret
.RE
.PP
Mail every logout, the change's JSON as the text (a command that exits non\-zero is logged as failed, hence the \fB||\fR):
.PP
.RS
waconnd \-\-notify\-exec '[ "$WACONN_STATE" != LOGGED_OUT ] || mail \-s "$WACONN_NUMBER logged out" ops'
.RE
"#,
    ),
];
