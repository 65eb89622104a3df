//! Man pages and completions are generated from the clap definitions; the
//! checked-in copies must match. `WACONN_REGENERATE_DOCS=1` rewrites them.

use std::path::Path;

use clap::CommandFactory;
use wactl::docs;

fn generated() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = docs::wactl_man_pages()
        .into_iter()
        .map(|(name, page)| (format!("man/{name}"), page))
        .collect();
    files.push((
        "man/waconnd.8".to_string(),
        docs::man_page(waconnd::Args::command(), "8", waconnd::cli::MAN_SECTIONS),
    ));
    for shell in docs::SHELLS {
        for (name, command) in [
            ("wactl", wactl::cli::Cli::command()),
            ("waconnd", waconnd::Args::command()),
        ] {
            files.push((
                format!("completions/{}", docs::completion_file(shell, name)),
                docs::completion(shell, command),
            ));
        }
    }
    files
}

#[test]
fn generated_docs_have_no_drift() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let regenerate = std::env::var_os("WACONN_REGENERATE_DOCS").is_some();
    let mut stale = Vec::new();
    for (path, content) in generated() {
        let file = root.join(&path);
        if regenerate {
            std::fs::create_dir_all(file.parent().expect("dir")).expect("mkdir");
            std::fs::write(&file, &content).expect("write");
        } else if std::fs::read_to_string(&file).ok().as_deref() != Some(content.as_str()) {
            stale.push(path);
        }
    }
    let expected: Vec<String> = generated().into_iter().map(|(path, _)| path).collect();
    for dir in ["man", "completions"] {
        for entry in std::fs::read_dir(root.join(dir))
            .expect("read dir")
            .flatten()
        {
            let path = format!("{dir}/{}", entry.file_name().to_string_lossy());
            if !expected.contains(&path) {
                if regenerate {
                    std::fs::remove_file(entry.path()).expect("remove a stale page");
                } else {
                    stale.push(path);
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "out of date or no longer generated: {stale:?}; regenerate with `WACONN_REGENERATE_DOCS=1 cargo nextest run --workspace --all-features generated_docs`"
    );
}

/// Every `wactl-VERB(1)` or `waconnd(8)` a page mentions is a page, and every
/// page mentions no empty section.
#[test]
fn man_pages_refer_to_pages_that_exist() {
    let pages = generated()
        .into_iter()
        .filter(|(path, _)| path.starts_with("man/"))
        .collect::<Vec<_>>();
    let names: Vec<String> = pages
        .iter()
        .map(|(path, _)| path.trim_start_matches("man/").to_string())
        .collect();
    for (path, page) in &pages {
        let text = page
            .replace("\\-", "-")
            .replace("\\fB", "")
            .replace("\\fR", "");
        for (at, _) in text.match_indices('(') {
            let before = &text[..at];
            let name: String = before
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let section = text[at + 1..].chars().next().unwrap_or(' ');
            let ours = name == "wactl" || name == "waconnd" || name.starts_with("wactl-");
            if ours && section.is_ascii_digit() && text[at + 2..].starts_with(')') {
                let file = format!("{name}.{section}");
                assert!(
                    names.contains(&file),
                    "{path} refers to {name}({section}), which is no page"
                );
            }
        }
        let lines: Vec<&str> = page.lines().collect();
        for pair in lines.windows(2) {
            assert!(
                !(pair[0].starts_with(".SH") && pair[1].starts_with(".SH")),
                "{path}: empty section {}",
                pair[0]
            );
        }
    }
    let pair = &pages
        .iter()
        .find(|(path, _)| path == "man/wactl-pair.1")
        .expect("a page for pair")
        .1;
    for option in ["\\-\\-qr", "\\-\\-code"] {
        assert!(pair.contains(option), "wactl-pair(1) documents {option}");
    }
    let check = &pages
        .iter()
        .find(|(p, _)| p == "man/wactl-check.1")
        .expect("check")
        .1;
    assert!(
        check.contains("\\-\\-grace"),
        "wactl-check(1) documents --grace"
    );
}

#[test]
fn man_pages_render_without_groff_warnings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let pages: Vec<String> = generated()
        .into_iter()
        .map(|(path, _)| path)
        .filter(|path| path.starts_with("man/"))
        .collect();
    for page in &pages {
        let out = match std::process::Command::new("groff")
            .args(["-man", "-ww", "-z"])
            .arg(root.join(page))
            .output()
        {
            Ok(out) => out,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("groff is not installed: {page} not linted");
                return;
            }
            Err(e) => panic!("groff: {e}"),
        };
        let warnings = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && warnings.is_empty(),
            "{page}:\n{warnings}"
        );
    }
}
