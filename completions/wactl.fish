# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_wactl_global_optspecs
    string join \n socket= color= h/help V/version
end

function __fish_wactl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_wactl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_wactl_using_subcommand
    set -l cmd (__fish_wactl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c wactl -n "__fish_wactl_needs_command" -l socket -d 'The daemon\'s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]' -r -F
complete -c wactl -n "__fish_wactl_needs_command" -l color -d 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)' -r -f -a "auto\t'On a terminal, unless the environment says otherwise'
always\t'Always, even into a pipe'
never\t'Never'"
complete -c wactl -n "__fish_wactl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wactl -n "__fish_wactl_needs_command" -s V -l version -d 'Print version'
complete -c wactl -n "__fish_wactl_needs_command" -f -a "pair" -d 'Register a number (if new) and link it by scanning QR codes; exits 0 once it is connected. On a terminal each code replaces the last one and shows how long it stays valid. Ctrl-C stops watching: the number stays registered (the codes shown stay valid until they run out) until its deadline, and `wactl pair` again shows fresh codes'
complete -c wactl -n "__fish_wactl_needs_command" -f -a "list" -d 'One line per number: NUMBER STATE SINCE NAME'
complete -c wactl -n "__fish_wactl_needs_command" -f -a "status" -d 'A number\'s state (exit code from it), or the daemon\'s when no number is given'
complete -c wactl -n "__fish_wactl_needs_command" -f -a "inspect" -d 'Everything known about a number, with its recent transitions'
complete -c wactl -n "__fish_wactl_needs_command" -f -a "reconnect" -d 'Reconnect a number now, resetting its backoff'
complete -c wactl -n "__fish_wactl_needs_command" -f -a "drop" -d 'Unlink a number\'s device from the phone (when connected), delete its credentials and forget it'
complete -c wactl -n "__fish_wactl_needs_command" -f -a "drain" -d 'Hand every number of this node to the other nodes sharing its --database, one at a time (each offline for seconds), for a rolling upgrade; the node then takes no more until it restarts'
complete -c wactl -n "__fish_wactl_needs_command" -f -a "check" -d 'Health check for cron: silent and exit 0 when every number (default: all) is connected or was disconnected for less than the grace; otherwise one line per problem, saying what to do, and exit 3 (recovering on its own) or 4 (needs a person)'
complete -c wactl -n "__fish_wactl_needs_command" -f -a "events" -d 'Follow state changes live until interrupted'
complete -c wactl -n "__fish_wactl_needs_command" -f -a "metrics" -d 'Prometheus text exposition of every session, for node_exporter\'s textfile collector. With the daemon down it still prints one, `waconn_up 0`, and exits 69'
complete -c wactl -n "__fish_wactl_needs_command" -f -a "completions" -d 'Print the completion script for a shell'
complete -c wactl -n "__fish_wactl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wactl -n "__fish_wactl_using_subcommand pair" -l qr -d 'How to show QR codes: `terminal` draws them (one at a time, with how long it stays valid), `text` prints each raw code on its own line as it rotates (for scripts), `svg:FILE` and `png:FILE` (re)write an image file with the current code' -r -f -a "terminal\t'draw each code in the terminal'
text\t'print each raw code on its own line'
svg:\t'svg:FILE (re)writes an SVG image'
png:\t'png:FILE (re)writes a PNG image'"
complete -c wactl -n "__fish_wactl_using_subcommand pair" -l socket -d 'The daemon\'s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]' -r -F
complete -c wactl -n "__fish_wactl_using_subcommand pair" -l color -d 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)' -r -f -a "auto\t'On a terminal, unless the environment says otherwise'
always\t'Always, even into a pipe'
never\t'Never'"
complete -c wactl -n "__fish_wactl_using_subcommand pair" -l code -d 'Link with an 8-character code typed on the phone instead of a QR scan; the code is printed on its own line (as XXXX-XXXX)'
complete -c wactl -n "__fish_wactl_using_subcommand pair" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wactl -n "__fish_wactl_using_subcommand list" -l socket -d 'The daemon\'s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]' -r -F
complete -c wactl -n "__fish_wactl_using_subcommand list" -l color -d 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)' -r -f -a "auto\t'On a terminal, unless the environment says otherwise'
always\t'Always, even into a pipe'
never\t'Never'"
complete -c wactl -n "__fish_wactl_using_subcommand list" -l json -d 'Print JSON instead of text'
complete -c wactl -n "__fish_wactl_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wactl -n "__fish_wactl_using_subcommand status" -l socket -d 'The daemon\'s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]' -r -F
complete -c wactl -n "__fish_wactl_using_subcommand status" -l color -d 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)' -r -f -a "auto\t'On a terminal, unless the environment says otherwise'
always\t'Always, even into a pipe'
never\t'Never'"
complete -c wactl -n "__fish_wactl_using_subcommand status" -l json -d 'Print JSON instead of text'
complete -c wactl -n "__fish_wactl_using_subcommand status" -s v -l verbose -d 'Also show where the socket and data are'
complete -c wactl -n "__fish_wactl_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wactl -n "__fish_wactl_using_subcommand inspect" -l socket -d 'The daemon\'s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]' -r -F
complete -c wactl -n "__fish_wactl_using_subcommand inspect" -l color -d 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)' -r -f -a "auto\t'On a terminal, unless the environment says otherwise'
always\t'Always, even into a pipe'
never\t'Never'"
complete -c wactl -n "__fish_wactl_using_subcommand inspect" -l json -d 'Print JSON instead of text'
complete -c wactl -n "__fish_wactl_using_subcommand inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wactl -n "__fish_wactl_using_subcommand reconnect" -l socket -d 'The daemon\'s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]' -r -F
complete -c wactl -n "__fish_wactl_using_subcommand reconnect" -l color -d 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)' -r -f -a "auto\t'On a terminal, unless the environment says otherwise'
always\t'Always, even into a pipe'
never\t'Never'"
complete -c wactl -n "__fish_wactl_using_subcommand reconnect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wactl -n "__fish_wactl_using_subcommand drop" -l socket -d 'The daemon\'s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]' -r -F
complete -c wactl -n "__fish_wactl_using_subcommand drop" -l color -d 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)' -r -f -a "auto\t'On a terminal, unless the environment says otherwise'
always\t'Always, even into a pipe'
never\t'Never'"
complete -c wactl -n "__fish_wactl_using_subcommand drop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wactl -n "__fish_wactl_using_subcommand drain" -l socket -d 'The daemon\'s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]' -r -F
complete -c wactl -n "__fish_wactl_using_subcommand drain" -l color -d 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)' -r -f -a "auto\t'On a terminal, unless the environment says otherwise'
always\t'Always, even into a pipe'
never\t'Never'"
complete -c wactl -n "__fish_wactl_using_subcommand drain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wactl -n "__fish_wactl_using_subcommand check" -l grace -d 'Tolerate a number that left CONNECTED less than this long ago and is recovering on its own (e.g. 30s, 5m)' -r
complete -c wactl -n "__fish_wactl_using_subcommand check" -l socket -d 'The daemon\'s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]' -r -F
complete -c wactl -n "__fish_wactl_using_subcommand check" -l color -d 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)' -r -f -a "auto\t'On a terminal, unless the environment says otherwise'
always\t'Always, even into a pipe'
never\t'Never'"
complete -c wactl -n "__fish_wactl_using_subcommand check" -l json -d 'Print the facts as JSON (also when all is well)'
complete -c wactl -n "__fish_wactl_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wactl -n "__fish_wactl_using_subcommand events" -l socket -d 'The daemon\'s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]' -r -F
complete -c wactl -n "__fish_wactl_using_subcommand events" -l color -d 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)' -r -f -a "auto\t'On a terminal, unless the environment says otherwise'
always\t'Always, even into a pipe'
never\t'Never'"
complete -c wactl -n "__fish_wactl_using_subcommand events" -l json -d 'One JSON object per line'
complete -c wactl -n "__fish_wactl_using_subcommand events" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wactl -n "__fish_wactl_using_subcommand metrics" -l socket -d 'The daemon\'s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]' -r -F
complete -c wactl -n "__fish_wactl_using_subcommand metrics" -l color -d 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)' -r -f -a "auto\t'On a terminal, unless the environment says otherwise'
always\t'Always, even into a pipe'
never\t'Never'"
complete -c wactl -n "__fish_wactl_using_subcommand metrics" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wactl -n "__fish_wactl_using_subcommand completions" -l socket -d 'The daemon\'s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]' -r -F
complete -c wactl -n "__fish_wactl_using_subcommand completions" -l color -d 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)' -r -f -a "auto\t'On a terminal, unless the environment says otherwise'
always\t'Always, even into a pipe'
never\t'Never'"
complete -c wactl -n "__fish_wactl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wactl -n "__fish_wactl_using_subcommand help; and not __fish_seen_subcommand_from pair list status inspect reconnect drop drain check events metrics completions help" -f -a "pair" -d 'Register a number (if new) and link it by scanning QR codes; exits 0 once it is connected. On a terminal each code replaces the last one and shows how long it stays valid. Ctrl-C stops watching: the number stays registered (the codes shown stay valid until they run out) until its deadline, and `wactl pair` again shows fresh codes'
complete -c wactl -n "__fish_wactl_using_subcommand help; and not __fish_seen_subcommand_from pair list status inspect reconnect drop drain check events metrics completions help" -f -a "list" -d 'One line per number: NUMBER STATE SINCE NAME'
complete -c wactl -n "__fish_wactl_using_subcommand help; and not __fish_seen_subcommand_from pair list status inspect reconnect drop drain check events metrics completions help" -f -a "status" -d 'A number\'s state (exit code from it), or the daemon\'s when no number is given'
complete -c wactl -n "__fish_wactl_using_subcommand help; and not __fish_seen_subcommand_from pair list status inspect reconnect drop drain check events metrics completions help" -f -a "inspect" -d 'Everything known about a number, with its recent transitions'
complete -c wactl -n "__fish_wactl_using_subcommand help; and not __fish_seen_subcommand_from pair list status inspect reconnect drop drain check events metrics completions help" -f -a "reconnect" -d 'Reconnect a number now, resetting its backoff'
complete -c wactl -n "__fish_wactl_using_subcommand help; and not __fish_seen_subcommand_from pair list status inspect reconnect drop drain check events metrics completions help" -f -a "drop" -d 'Unlink a number\'s device from the phone (when connected), delete its credentials and forget it'
complete -c wactl -n "__fish_wactl_using_subcommand help; and not __fish_seen_subcommand_from pair list status inspect reconnect drop drain check events metrics completions help" -f -a "drain" -d 'Hand every number of this node to the other nodes sharing its --database, one at a time (each offline for seconds), for a rolling upgrade; the node then takes no more until it restarts'
complete -c wactl -n "__fish_wactl_using_subcommand help; and not __fish_seen_subcommand_from pair list status inspect reconnect drop drain check events metrics completions help" -f -a "check" -d 'Health check for cron: silent and exit 0 when every number (default: all) is connected or was disconnected for less than the grace; otherwise one line per problem, saying what to do, and exit 3 (recovering on its own) or 4 (needs a person)'
complete -c wactl -n "__fish_wactl_using_subcommand help; and not __fish_seen_subcommand_from pair list status inspect reconnect drop drain check events metrics completions help" -f -a "events" -d 'Follow state changes live until interrupted'
complete -c wactl -n "__fish_wactl_using_subcommand help; and not __fish_seen_subcommand_from pair list status inspect reconnect drop drain check events metrics completions help" -f -a "metrics" -d 'Prometheus text exposition of every session, for node_exporter\'s textfile collector. With the daemon down it still prints one, `waconn_up 0`, and exits 69'
complete -c wactl -n "__fish_wactl_using_subcommand help; and not __fish_seen_subcommand_from pair list status inspect reconnect drop drain check events metrics completions help" -f -a "completions" -d 'Print the completion script for a shell'
complete -c wactl -n "__fish_wactl_using_subcommand help; and not __fish_seen_subcommand_from pair list status inspect reconnect drop drain check events metrics completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
