
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
            cand --keepalive-window 'A session that received nothing for this long is reconnected. The client pings every 15-30 s, so a live socket always beats 45 s'
            cand --login-timeout 'How long a connection may take to log in before it is given up and tried again'
            cand --presence 'The presence every number announces after each login and each change of its name. A linked device that is online makes the phone stop showing its owner notifications, so numbers stay offline unless asked otherwise'
            cand --wa-version 'Use this WhatsApp Web version (X.Y.Z) instead of fetching it, e.g. when WhatsApp''s page changed before waconnd did'
            cand --version-refresh 'How often the WhatsApp Web version is fetched again'
            cand --version-url 'Where the WhatsApp Web version is fetched from (test builds only: a mockwa server''s `/sw.js`)'
            cand --wa-url 'WhatsApp Web socket URL (test builds only: a mockwa server)'
            cand --wa-ca 'Trust this certificate (PEM) for a wss:// socket URL (test builds only: a mockwa server''s self-signed one)'
            cand -v 'Log more (-v: debug, -vv: trace); RUST_LOG overrides'
            cand --verbose 'Log more (-v: debug, -vv: trace); RUST_LOG overrides'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
