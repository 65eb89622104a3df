
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'waconnd' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'waconnd'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'waconnd' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory (sessions.json and one credential store per number) [default: ~/.local/share/waconn]')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Unix socket to listen on [default: $XDG_RUNTIME_DIR/waconn/waconnd.sock, else /tmp/waconn-UID/waconnd.sock]')
            [CompletionResult]::new('--pairing-ttl', '--pairing-ttl', [CompletionResultType]::ParameterName, 'How long a number may wait for its first scan before it is removed')
            [CompletionResult]::new('--logged-out-retention', '--logged-out-retention', [CompletionResultType]::ParameterName, 'How long a logged-out number stays listed so scripts notice')
            [CompletionResult]::new('--max-backoff', '--max-backoff', [CompletionResultType]::ParameterName, 'Longest wait between reconnect attempts')
            [CompletionResult]::new('--connect-rate', '--connect-rate', [CompletionResultType]::ParameterName, 'Most connection attempts per second, over all sessions')
            [CompletionResult]::new('--login-timeout', '--login-timeout', [CompletionResultType]::ParameterName, 'How long a connection may take to log in before it is given up and tried again')
            [CompletionResult]::new('--pairing-settle', '--pairing-settle', [CompletionResultType]::ParameterName, 'Longest wait, after the first login that follows a pairing, for the phone''s key share and push name before the number reopens its credential store from disk (a freshly written store otherwise keeps every page the pairing wrote in memory). Once they arrive it reopens within 5 s')
            [CompletionResult]::new('--silence-window', '--silence-window', [CompletionResultType]::ParameterName, 'How long a connection may receive nothing before it is left for a new one. whatsapp-rust''s keepalive finds most silent connections sooner, but not one that fell silent while requests awaited answers. A healthy idle connection receives something at least every 45 s')
            [CompletionResult]::new('--presence', '--presence', [CompletionResultType]::ParameterName, 'The presence every number announces after each login and each change of its name. A linked device that is online makes the phone stop showing its owner notifications, so numbers stay offline unless asked otherwise')
            [CompletionResult]::new('--wa-version', '--wa-version', [CompletionResultType]::ParameterName, 'Use this WhatsApp Web version (X.Y.Z) instead of fetching it, e.g. when WhatsApp''s page changed before waconnd did')
            [CompletionResult]::new('--version-refresh', '--version-refresh', [CompletionResultType]::ParameterName, 'How often the WhatsApp Web version is fetched again')
            [CompletionResult]::new('--version-url', '--version-url', [CompletionResultType]::ParameterName, 'Where the WhatsApp Web version is fetched from (test builds only: a mockwa server''s `/sw.js`)')
            [CompletionResult]::new('--wa-url', '--wa-url', [CompletionResultType]::ParameterName, 'WhatsApp Web socket URL (test builds only: a mockwa server)')
            [CompletionResult]::new('--http', '--http', [CompletionResultType]::ParameterName, 'Also answer HTTP on this address (IP:PORT, e.g. 127.0.0.1:3000): /api/connections, /api/status?numero=N, /api/system-status, /metrics, /healthz and /readyz (see HTTP below). Off by default; an address other than loopback requires --http-token-file')
            [CompletionResult]::new('--http-token-file', '--http-token-file', [CompletionResultType]::ParameterName, 'A file holding the bearer token every HTTP request must carry (`Authorization: Bearer TOKEN`), on one line')
            [CompletionResult]::new('--notify', '--notify', [CompletionResultType]::ParameterName, 'POST every state change to this URL as JSON, the object of `wactl events --json`; repeatable (the environment variable holds one URL). Retried with growing waits for --notify-retry-for (see PUSH ALERTS)')
            [CompletionResult]::new('--notify-secret-file', '--notify-secret-file', [CompletionResultType]::ParameterName, 'Sign each POST with HMAC-SHA256 keyed with the secret in this file (`X-Waconn-Signature`, over `X-Waconn-Timestamp`, a dot and the body)')
            [CompletionResult]::new('--notify-exec', '--notify-exec', [CompletionResultType]::ParameterName, 'Run this command (with /bin/sh -c) once per state change, the change as one line of JSON on its standard input; repeatable (the environment variable holds one command)')
            [CompletionResult]::new('--notify-retry-for', '--notify-retry-for', [CompletionResultType]::ParameterName, 'How long a change a webhook refuses is retried before it is dropped')
            [CompletionResult]::new('--notify-backoff', '--notify-backoff', [CompletionResultType]::ParameterName, 'The first wait before a webhook is tried again; each wait after is twice the last, up to --notify-max-backoff')
            [CompletionResult]::new('--notify-max-backoff', '--notify-max-backoff', [CompletionResultType]::ParameterName, 'The longest wait between two tries of a webhook')
            [CompletionResult]::new('--notify-timeout', '--notify-timeout', [CompletionResultType]::ParameterName, 'How long one POST or one --notify-exec command may take')
            [CompletionResult]::new('--notify-queue', '--notify-queue', [CompletionResultType]::ParameterName, 'How many changes each webhook or command holds while it catches up; past that the oldest are dropped (and counted in the metrics)')
            [CompletionResult]::new('--wa-ca', '--wa-ca', [CompletionResultType]::ParameterName, 'Trust this certificate (PEM) for a wss:// socket URL (test builds only: a mockwa server''s self-signed one)')
            [CompletionResult]::new('--database', '--database', [CompletionResultType]::ParameterName, 'Keep every number''s credentials and the registry in this PostgreSQL database instead of the data directory, shared by every node that names it (see SEVERAL MACHINES). The password is never shown')
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'This node''s name among those sharing --database [default: the host name]')
            [CompletionResult]::new('--lease-renew', '--lease-renew', [CompletionResultType]::ParameterName, 'How often a node renews its lease in --database')
            [CompletionResult]::new('--lease-self-fence', '--lease-self-fence', [CompletionResultType]::ParameterName, 'A node that could not renew its lease for this long closes all its sessions itself (T1)')
            [CompletionResult]::new('--lease-takeover', '--lease-takeover', [CompletionResultType]::ParameterName, 'Peers take a node''s numbers once its lease is this old (T2); at least T1 plus a renewal and a half plus 5s')
            [CompletionResult]::new('--handoff', '--handoff', [CompletionResultType]::ParameterName, 'On SIGTERM, hand every number to the other nodes, one by one, before stopping (as `wactl drain` does)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Copy the data directory''s numbers (credentials and registry) into a PostgreSQL database, then run waconnd with --database URL: they connect from it with no QR. The data directory is left as it was')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'waconnd;migrate' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The database to copy into')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'waconnd;help' {
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Copy the data directory''s numbers (credentials and registry) into a PostgreSQL database, then run waconnd with --database URL: they connect from it with no QR. The data directory is left as it was')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'waconnd;help;migrate' {
            break
        }
        'waconnd;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
