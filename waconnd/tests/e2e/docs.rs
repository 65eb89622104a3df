//! Man pages and completions are generated from the clap definitions; the
//! checked-in copies must match. `WACONN_REGENERATE_DOCS=1` rewrites them.

use std::path::Path;

use clap::CommandFactory;
use wactl::docs;

fn generated() -> Vec<(String, String)> {
    let mut files = vec![
        ("man/wactl.1".to_string(), docs::wactl_man_page()),
        (
            "man/waconnd.8".to_string(),
            docs::man_page(waconnd::Args::command(), "8", waconnd::cli::MAN_SECTIONS),
        ),
    ];
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
    assert!(
        stale.is_empty(),
        "out of date: {stale:?}; regenerate with `WACONN_REGENERATE_DOCS=1 cargo nextest run --workspace --all-features generated_docs`"
    );
}

#[test]
fn man_pages_render_without_groff_warnings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for page in ["man/wactl.1", "man/waconnd.8"] {
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
