complete -c waconnd -l data-dir -d 'Data directory (sessions.json and one credential store per number) [default: ~/.local/share/waconn]' -r -F
complete -c waconnd -l socket -d 'Unix socket to listen on [default: $XDG_RUNTIME_DIR/waconn/waconnd.sock, else /tmp/waconn-UID/waconnd.sock]' -r -F
complete -c waconnd -l pairing-ttl -d 'How long a number may wait for its first scan before it is removed' -r
complete -c waconnd -l logged-out-retention -d 'How long a logged-out number stays listed so scripts notice' -r
complete -c waconnd -l max-backoff -d 'Longest wait between reconnect attempts' -r
complete -c waconnd -l connect-rate -d 'Most connection attempts per second, over all sessions' -r
complete -c waconnd -l keepalive-window -d 'A session that received nothing for this long is reconnected. The client pings every 15-30 s, so a live socket always beats 45 s' -r
complete -c waconnd -l wa-url -d 'WhatsApp Web socket URL (test builds only: a mockwa server)' -r
complete -c waconnd -s v -l verbose -d 'Log more (-v: debug, -vv: trace); RUST_LOG overrides'
complete -c waconnd -s h -l help -d 'Print help (see more with \'--help\')'
complete -c waconnd -s V -l version -d 'Print version'
