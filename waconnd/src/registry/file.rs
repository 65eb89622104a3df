//! `sessions.json` on disk: `{"version": 2, "sessions": [...]}`, one entry
//! a line, replaced atomically. Version 1 is read forever; a newer version
//! is refused and never overwritten; a file that is no registry is moved
//! aside, never overwritten.

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use super::entry::Entry;

/// The format this daemon writes.
pub const VERSION: u32 = 2;

#[derive(Deserialize)]
struct File {
    version: u32,
    sessions: Vec<Entry>,
}

/// Reads the entries at `path`; none if it does not exist yet.
pub fn load(path: &Path) -> anyhow::Result<Vec<Entry>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read `{}`", path.display())),
    };
    #[derive(Deserialize)]
    struct Versioned {
        version: u32,
    }
    if let Ok(Versioned { version }) = serde_json::from_slice::<Versioned>(&bytes)
        && version > VERSION
    {
        anyhow::bail!(
            "`{}` is registry version {version}, newer than this waconnd understands ({VERSION}); it is left untouched: run the waconnd that wrote it, or upgrade this one",
            path.display()
        );
    }
    match serde_json::from_slice::<File>(&bytes) {
        Ok(file) => {
            if file.version < VERSION {
                tracing::info!(
                    "`{}` is registry version {}: read, and written as version {VERSION} from now on",
                    path.display(),
                    file.version
                );
            }
            Ok(file.sessions)
        }
        Err(e) => {
            let aside = path.with_extension(format!("json.corrupt-{}", crate::time::now_ms()));
            std::fs::rename(path, &aside)
                .with_context(|| format!("cannot move corrupt `{}` aside", path.display()))?;
            tracing::error!(
                "`{}` is not a valid registry ({e}); moved it to `{}` and started empty",
                path.display(),
                aside.display()
            );
            Ok(Vec::new())
        }
    }
}

/// The bytes of a registry holding `entries`, one entry a line.
pub fn encode<'a>(entries: impl Iterator<Item = &'a Entry>) -> serde_json::Result<Vec<u8>> {
    let mut out = format!("{{\"version\": {VERSION}, \"sessions\": [").into_bytes();
    for (i, entry) in entries.enumerate() {
        out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
        serde_json::to_writer(&mut out, entry)?;
    }
    out.extend_from_slice(b"\n]}\n");
    Ok(out)
}

/// Replaces the registry at `path` with `bytes`.
pub fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    crate::fsutil::write_atomically(path, bytes)
}
