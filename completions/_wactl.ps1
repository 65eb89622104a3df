
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'wactl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'wactl'
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
        'wactl' {
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('pair', 'pair', [CompletionResultType]::ParameterValue, 'Register a number (if new) and link it by scanning QR codes; exits 0 once it is connected. On a terminal each code replaces the last one and shows how long it stays valid. Ctrl-C stops watching: the number stays registered (the codes shown stay valid until they run out) until its deadline, and `wactl pair` again shows fresh codes')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'One line per number: NUMBER STATE SINCE NAME')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'A number''s state (exit code from it), or the daemon''s when no number is given')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Everything known about a number, with its recent transitions')
            [CompletionResult]::new('reconnect', 'reconnect', [CompletionResultType]::ParameterValue, 'Reconnect a number now, resetting its backoff')
            [CompletionResult]::new('drop', 'drop', [CompletionResultType]::ParameterValue, 'Unlink a number''s device from the phone (when connected), delete its credentials and forget it')
            [CompletionResult]::new('drain', 'drain', [CompletionResultType]::ParameterValue, 'Hand every number of this node to the other nodes sharing its --database, one at a time (each offline for seconds), for a rolling upgrade; the node then takes no more until it restarts')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Health check for cron: silent and exit 0 when every number (default: all) is connected or was disconnected for less than the grace; otherwise one line per problem, saying what to do, and exit 3 (recovering on its own) or 4 (needs a person)')
            [CompletionResult]::new('events', 'events', [CompletionResultType]::ParameterValue, 'Follow state changes live until interrupted')
            [CompletionResult]::new('metrics', 'metrics', [CompletionResultType]::ParameterValue, 'Prometheus text exposition of every session, for node_exporter''s textfile collector. With the daemon down it still prints one, `waconn_up 0`, and exits 69')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script for a shell')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wactl;pair' {
            [CompletionResult]::new('--qr', '--qr', [CompletionResultType]::ParameterName, 'How to show QR codes: `terminal` draws them (one at a time, with how long it stays valid), `text` prints each raw code on its own line as it rotates (for scripts), `svg:FILE` and `png:FILE` (re)write an image file with the current code')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)')
            [CompletionResult]::new('--code', '--code', [CompletionResultType]::ParameterName, 'Link with an 8-character code typed on the phone instead of a QR scan; the code is printed on its own line (as XXXX-XXXX)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wactl;list' {
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of text')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wactl;status' {
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of text')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also show where the socket and data are')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also show where the socket and data are')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wactl;inspect' {
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of text')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wactl;reconnect' {
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wactl;drop' {
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wactl;drain' {
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wactl;check' {
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'Tolerate a number that left CONNECTED less than this long ago and is recovering on its own (e.g. 30s, 5m)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the facts as JSON (also when all is well)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wactl;events' {
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per line')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wactl;metrics' {
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wactl;completions' {
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wactl;help' {
            [CompletionResult]::new('pair', 'pair', [CompletionResultType]::ParameterValue, 'Register a number (if new) and link it by scanning QR codes; exits 0 once it is connected. On a terminal each code replaces the last one and shows how long it stays valid. Ctrl-C stops watching: the number stays registered (the codes shown stay valid until they run out) until its deadline, and `wactl pair` again shows fresh codes')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'One line per number: NUMBER STATE SINCE NAME')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'A number''s state (exit code from it), or the daemon''s when no number is given')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Everything known about a number, with its recent transitions')
            [CompletionResult]::new('reconnect', 'reconnect', [CompletionResultType]::ParameterValue, 'Reconnect a number now, resetting its backoff')
            [CompletionResult]::new('drop', 'drop', [CompletionResultType]::ParameterValue, 'Unlink a number''s device from the phone (when connected), delete its credentials and forget it')
            [CompletionResult]::new('drain', 'drain', [CompletionResultType]::ParameterValue, 'Hand every number of this node to the other nodes sharing its --database, one at a time (each offline for seconds), for a rolling upgrade; the node then takes no more until it restarts')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Health check for cron: silent and exit 0 when every number (default: all) is connected or was disconnected for less than the grace; otherwise one line per problem, saying what to do, and exit 3 (recovering on its own) or 4 (needs a person)')
            [CompletionResult]::new('events', 'events', [CompletionResultType]::ParameterValue, 'Follow state changes live until interrupted')
            [CompletionResult]::new('metrics', 'metrics', [CompletionResultType]::ParameterValue, 'Prometheus text exposition of every session, for node_exporter''s textfile collector. With the daemon down it still prints one, `waconn_up 0`, and exits 69')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script for a shell')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wactl;help;pair' {
            break
        }
        'wactl;help;list' {
            break
        }
        'wactl;help;status' {
            break
        }
        'wactl;help;inspect' {
            break
        }
        'wactl;help;reconnect' {
            break
        }
        'wactl;help;drop' {
            break
        }
        'wactl;help;drain' {
            break
        }
        'wactl;help;check' {
            break
        }
        'wactl;help;events' {
            break
        }
        'wactl;help;metrics' {
            break
        }
        'wactl;help;completions' {
            break
        }
        'wactl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
