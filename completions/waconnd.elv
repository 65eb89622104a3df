
use builtin;
use str;

set edit:completion:arg-completer[waconnd] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'waconnd'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'waconnd'= {
            cand --data-dir 'Data directory (sessions.json and one credential store per number) [default: ~/.local/share/waconn]'
            cand --socket 'Unix socket to listen on [default: $XDG_RUNTIME_DIR/waconn/waconnd.sock, else /tmp/waconn-UID/waconnd.sock]'
            cand --pairing-ttl 'How long a number may wait for its first scan before it is removed'
            cand --logged-out-retention 'How long a logged-out number stays listed so scripts notice'
            cand --max-backoff 'Longest wait between reconnect attempts'
            cand --connect-rate 'Most connection attempts per second, over all sessions'
            cand --login-timeout 'How long a connection may take to log in before it is given up and tried again'
            cand --pairing-settle 'Longest wait, after the first login that follows a pairing, for the phone''s key share and push name before the number reopens its credential store from disk (a freshly written store otherwise keeps every page the pairing wrote in memory). Once they arrive it reopens within 5 s'
            cand --silence-window 'How long a connection may receive nothing before it is left for a new one. whatsapp-rust''s keepalive finds most silent connections sooner, but not one that fell silent while requests awaited answers. A healthy idle connection receives something at least every 45 s'
            cand --presence 'The presence every number announces after each login and each change of its name. A linked device that is online makes the phone stop showing its owner notifications, so numbers stay offline unless asked otherwise'
            cand --wa-version 'Use this WhatsApp Web version (X.Y.Z) instead of fetching it, e.g. when WhatsApp''s page changed before waconnd did'
            cand --version-refresh 'How often the WhatsApp Web version is fetched again'
            cand --version-url 'Where the WhatsApp Web version is fetched from (test builds only: a mockwa server''s `/sw.js`)'
            cand --wa-url 'WhatsApp Web socket URL (test builds only: a mockwa server)'
            cand --http 'Also answer HTTP on this address (IP:PORT, e.g. 127.0.0.1:3000): /api/connections, /api/status?numero=N, /api/system-status, /metrics, /healthz and /readyz (see HTTP below). Off by default; an address other than loopback requires --http-token-file'
            cand --http-token-file 'A file holding the bearer token every HTTP request must carry (`Authorization: Bearer TOKEN`), on one line'
            cand --notify 'POST every state change to this URL as JSON, the object of `wactl events --json`; repeatable (the environment variable holds one URL). Retried with growing waits for --notify-retry-for (see PUSH ALERTS)'
            cand --notify-secret-file 'Sign each POST with HMAC-SHA256 keyed with the secret in this file (`X-Waconn-Signature`, over `X-Waconn-Timestamp`, a dot and the body)'
            cand --notify-exec 'Run this command (with /bin/sh -c) once per state change, the change as one line of JSON on its standard input; repeatable (the environment variable holds one command)'
            cand --notify-retry-for 'How long a change a webhook refuses is retried before it is dropped'
            cand --notify-backoff 'The first wait before a webhook is tried again; each wait after is twice the last, up to --notify-max-backoff'
            cand --notify-max-backoff 'The longest wait between two tries of a webhook'
            cand --notify-timeout 'How long one POST or one --notify-exec command may take'
            cand --notify-queue 'How many changes each webhook or command holds while it catches up; past that the oldest are dropped (and counted in the metrics)'
            cand --wa-ca 'Trust this certificate (PEM) for a wss:// socket URL (test builds only: a mockwa server''s self-signed one)'
            cand --database 'Keep every number''s credentials and the registry in this PostgreSQL database instead of the data directory, shared by every node that names it (see SEVERAL MACHINES). The password is never shown'
            cand --node 'This node''s name among those sharing --database [default: the host name]'
            cand --lease-renew 'How often a node renews its lease in --database'
            cand --lease-self-fence 'A node that could not renew its lease for this long closes all its sessions itself (T1)'
            cand --lease-takeover 'Peers take a node''s numbers once its lease is this old (T2); at least T1 plus a renewal and a half plus 5s'
            cand --handoff 'On SIGTERM, hand every number to the other nodes, one by one, before stopping (as `wactl drain` does)'
            cand -v 'Log more (-v: debug, -vv: trace); RUST_LOG overrides'
            cand --verbose 'Log more (-v: debug, -vv: trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand migrate 'Copy the data directory''s numbers (credentials and registry) into a PostgreSQL database, then run waconnd with --database URL: they connect from it with no QR. The data directory is left as it was'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'waconnd;migrate'= {
            cand --to 'The database to copy into'
            cand -v 'Log more (-v: debug, -vv: trace); RUST_LOG overrides'
            cand --verbose 'Log more (-v: debug, -vv: trace); RUST_LOG overrides'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'waconnd;help'= {
            cand migrate 'Copy the data directory''s numbers (credentials and registry) into a PostgreSQL database, then run waconnd with --database URL: they connect from it with no QR. The data directory is left as it was'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'waconnd;help;migrate'= {
        }
        &'waconnd;help;help'= {
        }
    ]
    $completions[$command]
}
