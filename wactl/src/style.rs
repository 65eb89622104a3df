//! Colors for people: written through anstream, which drops them on pipes,
//! with NO_COLOR, or with `--color never`.

use anstyle::{AnsiColor, Style};
use waconn_proto::SessionState;

/// `text` padded to `width`, colored by how well `state` is.
pub fn state(state: SessionState, width: usize) -> String {
    let color = if state == SessionState::Connected {
        AnsiColor::Green
    } else if state.is_recovering() {
        AnsiColor::Yellow
    } else {
        AnsiColor::Red
    };
    let style = Style::new().fg_color(Some(color.into())).bold();
    format!("{style}{:<width$}{style:#}", state.as_str())
}

/// Dimmed text, for secondary details.
pub fn dim(text: &str) -> String {
    let style = Style::new().dimmed();
    format!("{style}{text}{style:#}")
}
