
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
            [CompletionResult]::new('--keepalive-window', '--keepalive-window', [CompletionResultType]::ParameterName, 'A session that received nothing for this long is reconnected. The client pings every 15-30 s, so a live socket always beats 45 s')
            [CompletionResult]::new('--login-timeout', '--login-timeout', [CompletionResultType]::ParameterName, 'How long a connection may take to log in before it is given up and tried again')
            [CompletionResult]::new('--presence', '--presence', [CompletionResultType]::ParameterName, 'The presence every number announces after each login and each change of its name. A linked device that is online makes the phone stop showing its owner notifications, so numbers stay offline unless asked otherwise')
            [CompletionResult]::new('--wa-version', '--wa-version', [CompletionResultType]::ParameterName, 'Use this WhatsApp Web version (X.Y.Z) instead of fetching it, e.g. when WhatsApp''s page changed before waconnd did')
            [CompletionResult]::new('--version-refresh', '--version-refresh', [CompletionResultType]::ParameterName, 'How often the WhatsApp Web version is fetched again')
            [CompletionResult]::new('--version-url', '--version-url', [CompletionResultType]::ParameterName, 'Where the WhatsApp Web version is fetched from (test builds only: a mockwa server''s `/sw.js`)')
            [CompletionResult]::new('--wa-url', '--wa-url', [CompletionResultType]::ParameterName, 'WhatsApp Web socket URL (test builds only: a mockwa server)')
            [CompletionResult]::new('--wa-ca', '--wa-ca', [CompletionResultType]::ParameterName, 'Trust this certificate (PEM) for a wss:// socket URL (test builds only: a mockwa server''s self-signed one)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace); RUST_LOG overrides')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace); RUST_LOG overrides')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
