//! QR codes on a terminal: one code on screen at a time. Each new code
//! replaces the last one in place, under it a line says how long it stays
//! valid (counting down), and a terminal too small for a code says so
//! instead of drawing a code nobody can scan. Notes (state changes) are
//! printed above the code and stay.

use std::io::{self, Write};

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;

/// What is on screen now.
struct Frame {
    /// The lines drawn, label excluded: the code, or why it is not drawn.
    lines: Vec<String>,
    /// The terminal size they were laid out for.
    size: Option<(usize, usize)>,
    /// The code's payload, to lay it out again after a resize.
    code: String,
    /// Which code this is (1 for the first).
    index: usize,
    /// When it stops being valid (epoch ms).
    expires_at: i64,
}

/// The terminal a `wactl pair` draws on.
pub struct QrScreen {
    /// The number being paired, for the hint of a too-small terminal.
    number: String,
    frame: Option<Frame>,
    /// Lines of the frame on screen (code and label), 0 when none.
    drawn: usize,
    shown: usize,
}

impl QrScreen {
    /// A screen for pairing `number`.
    pub fn new(number: &str) -> Self {
        Self {
            number: number.to_string(),
            frame: None,
            drawn: 0,
            shown: 0,
        }
    }

    /// Replaces the code on screen with `code`, valid until `expires_at`.
    pub fn show(&mut self, code: &str, expires_at: i64, now: i64) -> io::Result<()> {
        self.shown += 1;
        let size = terminal_size();
        self.frame = Some(Frame {
            lines: self.layout(code, size),
            size,
            code: code.to_string(),
            index: self.shown,
            expires_at,
        });
        self.redraw(now)
    }

    /// Refreshes the countdown (once a second), and the whole frame when
    /// the terminal was resized.
    pub fn tick(&mut self, now: i64) -> io::Result<()> {
        let Some(frame) = &self.frame else {
            return Ok(());
        };
        let size = terminal_size();
        if size != frame.size {
            let code = frame.code.clone();
            let lines = self.layout(&code, size);
            if let Some(frame) = &mut self.frame {
                frame.lines = lines;
                frame.size = size;
            }
            return self.redraw(now);
        }
        let mut out = io::stdout().lock();
        // The label is the frame's last line; the cursor is below it.
        write!(out, "\x1b[1A\r\x1b[2K{}\n", label(frame, now))?;
        out.flush()
    }

    /// Prints `text` above the code, where it stays.
    pub fn note(&mut self, text: &str, now: i64) -> io::Result<()> {
        self.erase()?;
        let mut err = io::stderr().lock();
        writeln!(err, "{text}")?;
        err.flush()?;
        self.redraw(now)
    }

    /// Removes the code from the screen (it is of no use any more).
    pub fn clear(&mut self) -> io::Result<()> {
        self.frame = None;
        self.erase()
    }

    fn erase(&mut self) -> io::Result<()> {
        if self.drawn == 0 {
            return Ok(());
        }
        let mut out = io::stdout().lock();
        write!(out, "\r\x1b[{}A\x1b[J", self.drawn)?;
        out.flush()?;
        self.drawn = 0;
        Ok(())
    }

    fn redraw(&mut self, now: i64) -> io::Result<()> {
        self.erase()?;
        let Some(frame) = &self.frame else {
            return Ok(());
        };
        let mut text = String::new();
        for line in &frame.lines {
            text.push_str(line);
            text.push('\n');
        }
        text.push_str(&label(frame, now));
        text.push('\n');
        let mut out = io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
        self.drawn = frame.lines.len() + 1;
        Ok(())
    }

    /// The lines for `code` on a terminal of `size` (columns, rows).
    fn layout(&self, code: &str, size: Option<(usize, usize)>) -> Vec<String> {
        let picture = match QrCode::new(code.as_bytes()) {
            Ok(qr) => qr
                .render::<Dense1x2>()
                .dark_color(Dense1x2::Light)
                .light_color(Dense1x2::Dark)
                .quiet_zone(true)
                .build(),
            Err(e) => return vec![format!("cannot draw this QR code: {e}")],
        };
        let lines: Vec<String> = picture.lines().map(str::to_string).collect();
        let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        // The code, its label, and the line the cursor rests on.
        let height = lines.len() + 2;
        match size {
            Some((cols, rows)) if cols < width || rows < height => vec![
                format!("this terminal is {cols}x{rows}; the QR code needs {width}x{height}:"),
                "enlarge the window (or make the font smaller), or write the code".into(),
                format!(
                    "to an image to open elsewhere: `wactl pair {} --qr png:FILE`",
                    self.number
                ),
            ],
            _ => lines,
        }
    }
}

/// The line under a code: which one, and for how long it is valid.
fn label(frame: &Frame, now: i64) -> String {
    let left = (frame.expires_at - now + 999) / 1000;
    if left > 0 {
        format!(
            "code {}: valid for {left}s more; a new one replaces it",
            frame.index
        )
    } else {
        format!("code {} expired; waiting for the next one", frame.index)
    }
}

/// The terminal's size as (columns, rows).
fn terminal_size() -> Option<(usize, usize)> {
    terminal_size::terminal_size_of(io::stdout()).map(|(w, h)| (usize::from(w.0), usize::from(h.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(expires_at: i64) -> Frame {
        Frame {
            lines: Vec::new(),
            size: None,
            code: String::new(),
            index: 2,
            expires_at,
        }
    }

    #[test]
    fn the_label_counts_down_then_says_expired() {
        assert_eq!(
            label(&frame(20_000), 0),
            "code 2: valid for 20s more; a new one replaces it"
        );
        assert!(label(&frame(20_000), 19_500).contains("valid for 1s more"));
        assert_eq!(
            label(&frame(20_000), 20_000),
            "code 2 expired; waiting for the next one"
        );
    }

    #[test]
    fn a_small_terminal_gets_a_hint_instead_of_a_code() {
        let screen = QrScreen::new("15551234567");
        let code = "2@abcdefghijklmnopqrstuvwxyz0123456789,key,key,secret";
        let fits = screen.layout(code, Some((200, 100)));
        assert!(fits.len() > 10 && fits.iter().any(|l| l.contains('▀')));
        let narrow = screen.layout(code, Some((30, 100)));
        let text = narrow.join("\n");
        assert!(text.contains("this terminal is 30x100"), "{text}");
        assert!(
            text.contains("wactl pair 15551234567 --qr png:FILE"),
            "{text}"
        );
        assert!(narrow.iter().all(|l| !l.contains('▀')));
        let short = screen.layout(code, Some((200, 10)));
        assert!(short.join("\n").contains("200x10"));
    }
}
