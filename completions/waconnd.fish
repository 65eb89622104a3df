complete -c waconnd -l data-dir -d 'Data directory (sessions.json and one credential store per number) [default: ~/.local/share/waconn]' -r -F
complete -c waconnd -l socket -d 'Unix socket to listen on [default: $XDG_RUNTIME_DIR/waconn/waconnd.sock, else /tmp/waconn-UID/waconnd.sock]' -r -F
complete -c waconnd -l pairing-ttl -d 'How long a number may wait for its first scan before it is removed' -r
complete -c waconnd -l logged-out-retention -d 'How long a logged-out number stays listed so scripts notice' -r
complete -c waconnd -l max-backoff -d 'Longest wait between reconnect attempts' -r
complete -c waconnd -l connect-rate -d 'Most connection attempts per second, over all sessions' -r
complete -c waconnd -l login-timeout -d 'How long a connection may take to log in before it is given up and tried again' -r
complete -c waconnd -l presence -d 'The presence every number announces after each login and each change of its name. A linked device that is online makes the phone stop showing its owner notifications, so numbers stay offline unless asked otherwise' -r -f -a "available\t'Online: the phone stops showing its owner notifications while a linked device is online'
unavailable\t'Offline: the phone keeps notifying its owner'"
complete -c waconnd -l wa-version -d 'Use this WhatsApp Web version (X.Y.Z) instead of fetching it, e.g. when WhatsApp\'s page changed before waconnd did' -r
complete -c waconnd -l version-refresh -d 'How often the WhatsApp Web version is fetched again' -r
complete -c waconnd -l version-url -d 'Where the WhatsApp Web version is fetched from (test builds only: a mockwa server\'s `/sw.js`)' -r
complete -c waconnd -l wa-url -d 'WhatsApp Web socket URL (test builds only: a mockwa server)' -r
complete -c waconnd -l http -d 'Also answer HTTP on this address (IP:PORT, e.g. 127.0.0.1:3000): /api/connections, /api/status?numero=N, /api/system-status, /metrics, /healthz and /readyz (see HTTP below). Off by default; an address other than loopback requires --http-token-file' -r
complete -c waconnd -l http-token-file -d 'A file holding the bearer token every HTTP request must carry (`Authorization: Bearer TOKEN`), on one line' -r -F
complete -c waconnd -l notify -d 'POST every state change to this URL as JSON, the object of `wactl events --json`; repeatable (the environment variable holds one URL). Retried with growing waits for --notify-retry-for (see PUSH ALERTS)' -r
complete -c waconnd -l notify-secret-file -d 'Sign each POST with HMAC-SHA256 keyed with the secret in this file (`X-Waconn-Signature`, over `X-Waconn-Timestamp`, a dot and the body)' -r -F
complete -c waconnd -l notify-exec -d 'Run this command (with /bin/sh -c) once per state change, the change as one line of JSON on its standard input; repeatable (the environment variable holds one command)' -r
complete -c waconnd -l notify-retry-for -d 'How long a change a webhook refuses is retried before it is dropped' -r
complete -c waconnd -l notify-backoff -d 'The first wait before a webhook is tried again; each wait after is twice the last, up to --notify-max-backoff' -r
complete -c waconnd -l notify-max-backoff -d 'The longest wait between two tries of a webhook' -r
complete -c waconnd -l notify-timeout -d 'How long one POST or one --notify-exec command may take' -r
complete -c waconnd -l notify-queue -d 'How many changes each webhook or command holds while it catches up; past that the oldest are dropped (and counted in the metrics)' -r
complete -c waconnd -l wa-ca -d 'Trust this certificate (PEM) for a wss:// socket URL (test builds only: a mockwa server\'s self-signed one)' -r -F
complete -c waconnd -s v -l verbose -d 'Log more (-v: debug, -vv: trace); RUST_LOG overrides'
complete -c waconnd -s h -l help -d 'Print help (see more with \'--help\')'
complete -c waconnd -s V -l version -d 'Print version'
