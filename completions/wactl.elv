
use builtin;
use str;

set edit:completion:arg-completer[wactl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'wactl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'wactl'= {
            cand --socket 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]'
            cand --color 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand pair 'Register a number (if new) and link it by scanning QR codes; exits 0 once it is connected. On a terminal each code replaces the last one and shows how long it stays valid. Ctrl-C stops watching: the number stays registered (the codes shown stay valid until they run out) until its deadline, and `wactl pair` again shows fresh codes'
            cand list 'One line per number: NUMBER STATE SINCE NAME'
            cand status 'A number''s state (exit code from it), or the daemon''s when no number is given'
            cand inspect 'Everything known about a number, with its recent transitions'
            cand reconnect 'Reconnect a number now, resetting its backoff'
            cand drop 'Unlink a number''s device from the phone (when connected), delete its credentials and forget it'
            cand drain 'Hand every number of this node to the other nodes sharing its --database, one at a time (each offline for seconds), for a rolling upgrade; the node then takes no more until it restarts'
            cand check 'Health check for cron: silent and exit 0 when every number (default: all) is connected or was disconnected for less than the grace; otherwise one line per problem, saying what to do, and exit 3 (recovering on its own) or 4 (needs a person)'
            cand events 'Follow state changes live until interrupted'
            cand metrics 'Prometheus text exposition of every session, for node_exporter''s textfile collector. With the daemon down it still prints one, `waconn_up 0`, and exits 69'
            cand completions 'Print the completion script for a shell'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'wactl;pair'= {
            cand --qr 'How to show QR codes: `terminal` draws them (one at a time, with how long it stays valid), `text` prints each raw code on its own line as it rotates (for scripts), `svg:FILE` and `png:FILE` (re)write an image file with the current code'
            cand --socket 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]'
            cand --color 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)'
            cand --code 'Link with an 8-character code typed on the phone instead of a QR scan; the code is printed on its own line (as XXXX-XXXX)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'wactl;list'= {
            cand --socket 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]'
            cand --color 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)'
            cand --json 'Print JSON instead of text'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'wactl;status'= {
            cand --socket 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]'
            cand --color 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)'
            cand --json 'Print JSON instead of text'
            cand -v 'Also show where the socket and data are'
            cand --verbose 'Also show where the socket and data are'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'wactl;inspect'= {
            cand --socket 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]'
            cand --color 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)'
            cand --json 'Print JSON instead of text'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'wactl;reconnect'= {
            cand --socket 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]'
            cand --color 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'wactl;drop'= {
            cand --socket 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]'
            cand --color 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'wactl;drain'= {
            cand --socket 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]'
            cand --color 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'wactl;check'= {
            cand --grace 'Tolerate a number that left CONNECTED less than this long ago and is recovering on its own (e.g. 30s, 5m)'
            cand --socket 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]'
            cand --color 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)'
            cand --json 'Print the facts as JSON (also when all is well)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'wactl;events'= {
            cand --socket 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]'
            cand --color 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)'
            cand --json 'One JSON object per line'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'wactl;metrics'= {
            cand --socket 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]'
            cand --color 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'wactl;completions'= {
            cand --socket 'The daemon''s socket [default: the first that exists of $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock and /tmp/waconn-UID/waconnd.sock]'
            cand --color 'When to color output: `auto` colors a terminal unless NO_COLOR is set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'wactl;help'= {
            cand pair 'Register a number (if new) and link it by scanning QR codes; exits 0 once it is connected. On a terminal each code replaces the last one and shows how long it stays valid. Ctrl-C stops watching: the number stays registered (the codes shown stay valid until they run out) until its deadline, and `wactl pair` again shows fresh codes'
            cand list 'One line per number: NUMBER STATE SINCE NAME'
            cand status 'A number''s state (exit code from it), or the daemon''s when no number is given'
            cand inspect 'Everything known about a number, with its recent transitions'
            cand reconnect 'Reconnect a number now, resetting its backoff'
            cand drop 'Unlink a number''s device from the phone (when connected), delete its credentials and forget it'
            cand drain 'Hand every number of this node to the other nodes sharing its --database, one at a time (each offline for seconds), for a rolling upgrade; the node then takes no more until it restarts'
            cand check 'Health check for cron: silent and exit 0 when every number (default: all) is connected or was disconnected for less than the grace; otherwise one line per problem, saying what to do, and exit 3 (recovering on its own) or 4 (needs a person)'
            cand events 'Follow state changes live until interrupted'
            cand metrics 'Prometheus text exposition of every session, for node_exporter''s textfile collector. With the daemon down it still prints one, `waconn_up 0`, and exits 69'
            cand completions 'Print the completion script for a shell'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'wactl;help;pair'= {
        }
        &'wactl;help;list'= {
        }
        &'wactl;help;status'= {
        }
        &'wactl;help;inspect'= {
        }
        &'wactl;help;reconnect'= {
        }
        &'wactl;help;drop'= {
        }
        &'wactl;help;drain'= {
        }
        &'wactl;help;check'= {
        }
        &'wactl;help;events'= {
        }
        &'wactl;help;metrics'= {
        }
        &'wactl;help;completions'= {
        }
        &'wactl;help;help'= {
        }
    ]
    $completions[$command]
}
