//! Secrets the daemon reads from files (the HTTP bearer token, the webhook
//! signing key): their content never reaches a log line, an error or a
//! `Debug` output, only the path they came from does.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use anyhow::bail;

/// A secret's bytes; `Debug` shows none of them.
#[derive(Clone)]
pub struct Secret(Arc<str>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(hidden)")
    }
}

impl Secret {
    /// Reads the secret in `path` (`what` names it in errors, e.g.
    /// `--http-token-file`): the whole file less surrounding whitespace, so
    /// `echo TOKEN > file` works. An empty file is refused.
    pub fn read(path: &Path, what: &str) -> anyhow::Result<Self> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) => bail!(
                "cannot read {what} `{}`: {}; write the secret to it (readable by you only) or give another path",
                path.display(),
                e.kind()
            ),
        };
        let Ok(text) = String::from_utf8(bytes) else {
            bail!(
                "{what} `{}` is not text: write the secret as one line of printable characters",
                path.display()
            );
        };
        let text = text.trim();
        if text.is_empty() {
            bail!(
                "{what} `{}` is empty: write the secret to it, e.g. `openssl rand -hex 32 > {}`",
                path.display(),
                path.display()
            );
        }
        if text.chars().any(char::is_control) {
            bail!(
                "{what} `{}` holds more than one line or control characters: keep the secret on one line",
                path.display()
            );
        }
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                "{what} `{}` can be read by other users (mode {:o}); `chmod 600 {}` keeps the secret yours",
                path.display(),
                meta.permissions().mode() & 0o777,
                path.display()
            );
        }
        Ok(Self(Arc::from(text)))
    }

    /// The secret's bytes, for the one place that uses them.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_trimmed_line_and_hides_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("token");
        std::fs::write(&path, "s3cret-token\n").expect("write");
        let secret = Secret::read(&path, "--http-token-file").expect("read");
        assert_eq!(secret.expose(), b"s3cret-token");
        assert!(!format!("{secret:?}").contains("s3cret"));
    }

    #[test]
    fn refusals_name_the_path_never_the_content() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("token");
        for (content, says) in [("\n \n", "is empty"), ("line-one\nhunter2\n", "one line")] {
            std::fs::write(&path, content).expect("write");
            let e = Secret::read(&path, "--http-token-file")
                .expect_err("refused")
                .to_string();
            assert!(e.contains(says) && e.contains("token`"), "{e}");
            assert!(!e.contains("hunter2") && !e.contains("line-one"), "{e}");
        }
        let e = Secret::read(&dir.path().join("missing"), "--http-token-file")
            .expect_err("missing")
            .to_string();
        assert!(e.contains("cannot read --http-token-file"), "{e}");
    }
}
