//! The command line of `wactl`, from which its man page and completions are
//! generated.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use waconn_proto::{Number, paths};

/// Control waconnd: pair WhatsApp numbers, list them, check their health.
///
/// Exit status: 0 ok; 1 the daemon refused the request; 2 usage error;
/// 3 degraded (recovering on its own); 4 needs a person; 69 waconnd not
/// reachable; 70 internal error; 76 wactl and waconnd versions differ.
#[derive(Debug, Parser)]
#[command(name = "wactl", version)]
pub struct Cli {
    /// The daemon's socket [default: $XDG_RUNTIME_DIR/waconn/waconnd.sock,
    /// else /tmp/waconn-UID/waconnd.sock]
    #[arg(long, global = true, env = paths::SOCKET_ENV, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// When to color output: `auto` colors a terminal unless NO_COLOR is
    /// set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on).
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// When to color output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless the environment says otherwise.
    Auto,
    /// Always, even into a pipe.
    Always,
    /// Never.
    Never,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Register a number (if new) and link it by scanning QR codes; exits 0
    /// once it is connected. Ctrl-C stops watching: the number stays
    /// registered (the codes shown stay valid until they run out) until its
    /// deadline, and `wactl pair` again shows fresh codes.
    Pair(PairArgs),
    /// One line per number: NUMBER STATE SINCE NAME.
    List(JsonArg),
    /// A number's state (exit code from it), or the daemon's when no number
    /// is given.
    Status(StatusArgs),
    /// Everything known about a number, with its recent transitions.
    Inspect(NumberJsonArgs),
    /// Reconnect a number now, resetting its backoff.
    Reconnect(NumberArg),
    /// Unlink a number's device from the phone (when connected), delete its
    /// credentials and forget it.
    Drop(NumberArg),
    /// Health check for cron: silent and exit 0 when every number (default:
    /// all) is connected or was disconnected for less than the grace;
    /// otherwise one line per problem and exit 3 (recovering) or 4 (needs a
    /// person).
    Check(CheckArgs),
    /// Follow state changes live until interrupted.
    Events(EventsArgs),
    /// Prometheus text exposition of every session, for node_exporter's
    /// textfile collector.
    Metrics,
    /// Print the completion script for a shell.
    Completions(CompletionsArgs),
}

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Numbers to check; all when none is given.
    #[arg(value_parser = parse_number)]
    pub numbers: Vec<Number>,
    /// Tolerate a number that left CONNECTED less than this long ago and is
    /// recovering on its own (e.g. 30s, 5m).
    #[arg(long, default_value = "2m", value_parser = parse_duration, value_name = "DURATION")]
    pub grace: std::time::Duration,
    /// Print the facts as JSON (also when all is well).
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Numbers to follow; all when none is given.
    #[arg(value_parser = parse_number)]
    pub numbers: Vec<Number>,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

/// `--json` alone.
#[derive(Debug, Args)]
pub struct JsonArg {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// A phone number.
#[derive(Debug, Args)]
pub struct NumberArg {
    /// Phone number in international form, e.g. 15551234567 or +1 555 123 4567.
    #[arg(value_parser = parse_number)]
    pub number: Number,
}

/// A phone number and `--json`.
#[derive(Debug, Args)]
pub struct NumberJsonArgs {
    /// Phone number in international form.
    #[arg(value_parser = parse_number)]
    pub number: Number,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Phone number; without one, the daemon's status.
    #[arg(value_parser = parse_number)]
    pub number: Option<Number>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also show where the socket and data are.
    #[arg(short, long)]
    pub verbose: bool,
}

/// Arguments of `pair`.
#[derive(Debug, Args)]
pub struct PairArgs {
    /// Phone number in international form.
    #[arg(value_parser = parse_number)]
    pub number: Number,
    /// How to show QR codes: `terminal` draws them, `text` prints each raw
    /// code on its own line as it rotates (for scripts), `svg:FILE` and
    /// `png:FILE` (re)write an image file with the current code.
    #[arg(long, default_value = "terminal", value_parser = parse_qr_format, value_name = "FORMAT")]
    pub qr: QrFormat,
    /// Link with an 8-character code typed on the phone instead of a QR
    /// scan; the code is printed on its own line (as XXXX-XXXX).
    #[arg(long, conflicts_with = "qr")]
    pub code: bool,
}

/// How QR codes are shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrFormat {
    /// Drawn with block characters.
    Terminal,
    /// The raw payload, one per line.
    Text,
    /// An SVG file, rewritten as codes rotate.
    Svg(PathBuf),
    /// A PNG file, rewritten as codes rotate.
    Png(PathBuf),
}

fn parse_qr_format(text: &str) -> Result<QrFormat, String> {
    match text.split_once(':') {
        None if text == "terminal" => Ok(QrFormat::Terminal),
        None if text == "text" => Ok(QrFormat::Text),
        Some(("svg", file)) if !file.is_empty() => Ok(QrFormat::Svg(file.into())),
        Some(("png", file)) if !file.is_empty() => Ok(QrFormat::Png(file.into())),
        _ => Err(format!(
            "`{text}`: use terminal, text, svg:FILE or png:FILE"
        )),
    }
}

fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    waconn_proto::duration::parse(text)
}

fn parse_number(text: &str) -> Result<Number, String> {
    Number::parse(text).map_err(|e| e.to_string())
}
