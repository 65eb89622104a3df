# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_waconnd_global_optspecs
    string join \n data-dir= socket= pairing-ttl= logged-out-retention= max-backoff= connect-rate= login-timeout= pairing-settle= silence-window= presence= wa-version= version-refresh= version-url= wa-url= http= http-token-file= notify= notify-secret-file= notify-exec= notify-retry-for= notify-backoff= notify-max-backoff= notify-timeout= notify-queue= wa-ca= database= node= lease-renew= lease-self-fence= lease-takeover= handoff v/verbose h/help V/version
end

function __fish_waconnd_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_waconnd_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_waconnd_using_subcommand
    set -l cmd (__fish_waconnd_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c waconnd -n "__fish_waconnd_needs_command" -l data-dir -d 'Data directory (sessions.json and one credential store per number) [default: ~/.local/share/waconn]' -r -F
complete -c waconnd -n "__fish_waconnd_needs_command" -l socket -d 'Unix socket to listen on [default: $XDG_RUNTIME_DIR/waconn/waconnd.sock, else /tmp/waconn-UID/waconnd.sock]' -r -F
complete -c waconnd -n "__fish_waconnd_needs_command" -l pairing-ttl -d 'How long a number may wait for its first scan before it is removed' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l logged-out-retention -d 'How long a logged-out number stays listed so scripts notice' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l max-backoff -d 'Longest wait between reconnect attempts' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l connect-rate -d 'Most connection attempts per second, over all sessions' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l login-timeout -d 'How long a connection may take to log in before it is given up and tried again' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l pairing-settle -d 'Longest wait, after the first login that follows a pairing, for the phone\'s key share and push name before the number reopens its credential store from disk (a freshly written store otherwise keeps every page the pairing wrote in memory). Once they arrive it reopens within 5 s' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l silence-window -d 'How long a connection may receive nothing before it is left for a new one. whatsapp-rust\'s keepalive finds most silent connections sooner, but not one that fell silent while requests awaited answers. A healthy idle connection receives something at least every 45 s' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l presence -d 'The presence every number announces after each login and each change of its name. A linked device that is online makes the phone stop showing its owner notifications, so numbers stay offline unless asked otherwise' -r -f -a "available\t'Online: the phone stops showing its owner notifications while a linked device is online'
unavailable\t'Offline: the phone keeps notifying its owner'"
complete -c waconnd -n "__fish_waconnd_needs_command" -l wa-version -d 'Use this WhatsApp Web version (X.Y.Z) instead of fetching it, e.g. when WhatsApp\'s page changed before waconnd did' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l version-refresh -d 'How often the WhatsApp Web version is fetched again' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l version-url -d 'Where the WhatsApp Web version is fetched from (test builds only: a mockwa server\'s `/sw.js`)' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l wa-url -d 'WhatsApp Web socket URL (test builds only: a mockwa server)' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l http -d 'Also answer HTTP on this address (IP:PORT, e.g. 127.0.0.1:3000): /api/connections, /api/status?numero=N, /api/system-status, /metrics, /healthz and /readyz (see HTTP below). Off by default; an address other than loopback requires --http-token-file' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l http-token-file -d 'A file holding the bearer token every HTTP request must carry (`Authorization: Bearer TOKEN`), on one line' -r -F
complete -c waconnd -n "__fish_waconnd_needs_command" -l notify -d 'POST every state change to this URL as JSON, the object of `wactl events --json`; repeatable (the environment variable holds one URL). Retried with growing waits for --notify-retry-for (see PUSH ALERTS)' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l notify-secret-file -d 'Sign each POST with HMAC-SHA256 keyed with the secret in this file (`X-Waconn-Signature`, over `X-Waconn-Timestamp`, a dot and the body)' -r -F
complete -c waconnd -n "__fish_waconnd_needs_command" -l notify-exec -d 'Run this command (with /bin/sh -c) once per state change, the change as one line of JSON on its standard input; repeatable (the environment variable holds one command)' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l notify-retry-for -d 'How long a change a webhook refuses is retried before it is dropped' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l notify-backoff -d 'The first wait before a webhook is tried again; each wait after is twice the last, up to --notify-max-backoff' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l notify-max-backoff -d 'The longest wait between two tries of a webhook' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l notify-timeout -d 'How long one POST or one --notify-exec command may take' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l notify-queue -d 'How many changes each webhook or command holds while it catches up; past that the oldest are dropped (and counted in the metrics)' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l wa-ca -d 'Trust this certificate (PEM) for a wss:// socket URL (test builds only: a mockwa server\'s self-signed one)' -r -F
complete -c waconnd -n "__fish_waconnd_needs_command" -l database -d 'Keep every number\'s credentials and the registry in this PostgreSQL database instead of the data directory, shared by every node that names it (see SEVERAL MACHINES). The password is never shown' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l node -d 'This node\'s name among those sharing --database [default: the host name]' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l lease-renew -d 'How often a node renews its lease in --database' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l lease-self-fence -d 'A node that could not renew its lease for this long closes all its sessions itself (T1)' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l lease-takeover -d 'Peers take a node\'s numbers once its lease is this old (T2); at least T1 plus a renewal and a half plus 5s' -r
complete -c waconnd -n "__fish_waconnd_needs_command" -l handoff -d 'On SIGTERM, hand every number to the other nodes, one by one, before stopping (as `wactl drain` does)'
complete -c waconnd -n "__fish_waconnd_needs_command" -s v -l verbose -d 'Log more (-v: debug, -vv: trace); RUST_LOG overrides'
complete -c waconnd -n "__fish_waconnd_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c waconnd -n "__fish_waconnd_needs_command" -s V -l version -d 'Print version'
complete -c waconnd -n "__fish_waconnd_needs_command" -f -a "migrate" -d 'Copy the data directory\'s numbers (credentials and registry) into a PostgreSQL database, then run waconnd with --database URL: they connect from it with no QR. The data directory is left as it was'
complete -c waconnd -n "__fish_waconnd_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c waconnd -n "__fish_waconnd_using_subcommand migrate" -l to -d 'The database to copy into' -r
complete -c waconnd -n "__fish_waconnd_using_subcommand migrate" -s v -l verbose -d 'Log more (-v: debug, -vv: trace); RUST_LOG overrides'
complete -c waconnd -n "__fish_waconnd_using_subcommand migrate" -s h -l help -d 'Print help'
complete -c waconnd -n "__fish_waconnd_using_subcommand help; and not __fish_seen_subcommand_from migrate help" -f -a "migrate" -d 'Copy the data directory\'s numbers (credentials and registry) into a PostgreSQL database, then run waconnd with --database URL: they connect from it with no QR. The data directory is left as it was'
complete -c waconnd -n "__fish_waconnd_using_subcommand help; and not __fish_seen_subcommand_from migrate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
