//! The command line of `wactl`, from which its man pages and completions
//! are generated.

use std::ffi::OsStr;
use std::path::PathBuf;

use clap::builder::{PossibleValue, StringValueParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use waconn_proto::{Number, NumberError, paths};

use crate::exit::Failure;

/// Control waconnd: pair WhatsApp numbers, list them, check their health.
///
/// Exit status: 0 ok; 1 the daemon refused the request; 2 usage error;
/// 3 degraded (recovering on its own); 4 needs a person; 69 waconnd not
/// reachable; 70 internal error; 76 wactl and waconnd versions differ.
#[derive(Debug, Parser)]
#[command(name = "wactl", version)]
pub struct Cli {
    /// The daemon's socket [default: the first that exists of
    /// $XDG_RUNTIME_DIR/waconn/waconnd.sock, /run/user/UID/waconn/waconnd.sock
    /// and /tmp/waconn-UID/waconnd.sock]
    #[arg(long, global = true, env = paths::SOCKET_ENV, value_name = "PATH", value_hint = clap::ValueHint::FilePath)]
    pub socket: Option<PathBuf>,
    /// When to color output: `auto` colors a terminal unless NO_COLOR is
    /// set (CLICOLOR=0 turns it off, CLICOLOR_FORCE=1 on).
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Whether the verb was asked for JSON, so a failure is JSON too.
    pub fn json(&self) -> bool {
        match &self.command {
            Command::List(a) => a.json,
            Command::Status(a) => a.json,
            Command::Inspect(a) => a.json,
            Command::Check(a) => a.json,
            Command::Events(a) => a.json,
            Command::Pair(_)
            | Command::Reconnect(_)
            | Command::Drop(_)
            | Command::Drain
            | Command::Metrics
            | Command::Completions(_) => false,
        }
    }
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
    /// once it is connected. On a terminal each code replaces the last one
    /// and shows how long it stays valid. Ctrl-C stops watching: the number
    /// stays registered (the codes shown stay valid until they run out)
    /// until its deadline, and `wactl pair` again shows fresh codes.
    Pair(PairArgs),
    /// One line per number: NUMBER STATE SINCE NAME.
    List(JsonArg),
    /// A number's state (exit code from it), or the daemon's when no number
    /// is given.
    Status(StatusArgs),
    /// Everything known about a number, with its recent transitions.
    Inspect(InspectArgs),
    /// Reconnect a number now, resetting its backoff.
    Reconnect(NumberArg),
    /// Unlink a number's device from the phone (when connected), delete its
    /// credentials and forget it.
    Drop(NumberArg),
    /// Hand every number of this node to the other nodes sharing its
    /// --database, one at a time (each offline for seconds), for a rolling
    /// upgrade; the node then takes no more until it restarts.
    Drain,
    /// Health check for cron: silent and exit 0 when every number (default:
    /// all) is connected or was disconnected for less than the grace;
    /// otherwise one line per problem, saying what to do, and exit 3
    /// (recovering on its own) or 4 (needs a person).
    Check(CheckArgs),
    /// Follow state changes live until interrupted.
    Events(EventsArgs),
    /// Prometheus text exposition of every session, for node_exporter's
    /// textfile collector. With the daemon down it still prints one,
    /// `waconn_up 0`, and exits 69.
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
    /// Numbers to check, one word each (quote a number written with
    /// spaces: '+1 555 123 4567'); all when none is given.
    #[arg(value_parser = number_per_word, value_name = "NUMBER")]
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
    /// Numbers to follow, one word each (quote a number written with
    /// spaces: '+1 555 123 4567'); all when none is given.
    #[arg(value_parser = number_per_word, value_name = "NUMBER")]
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

/// One phone number, typed in one word or several.
#[derive(Debug, Args)]
pub struct NumberArg {
    /// Phone number in international form, e.g. 15551234567 or
    /// +1 555 123 4567 (several words are joined into one number).
    #[arg(value_name = "NUMBER", required = true, num_args = 1.., value_hint = clap::ValueHint::Other)]
    pub number: Vec<String>,
}

impl NumberArg {
    /// The number the words spell.
    pub fn parse(&self) -> Result<Number, Failure> {
        number_from_words(&self.number)
    }
}

/// A phone number and `--json`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The number.
    #[command(flatten)]
    pub number: NumberArg,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Phone number (several words are joined into one number); without
    /// one, the daemon's status.
    #[arg(value_name = "NUMBER", value_hint = clap::ValueHint::Other)]
    pub number: Vec<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also show where the socket and data are.
    #[arg(short, long)]
    pub verbose: bool,
}

impl StatusArgs {
    /// The number asked about, if any.
    pub fn parse(&self) -> Result<Option<Number>, Failure> {
        if self.number.is_empty() {
            return Ok(None);
        }
        number_from_words(&self.number).map(Some)
    }
}

/// Arguments of `pair`.
#[derive(Debug, Args)]
pub struct PairArgs {
    /// The number.
    #[command(flatten)]
    pub number: NumberArg,
    /// How to show QR codes: `terminal` draws them (one at a time, with
    /// how long it stays valid), `text` prints each raw code on its own
    /// line as it rotates (for scripts), `svg:FILE` and `png:FILE`
    /// (re)write an image file with the current code.
    #[arg(long, default_value = "terminal", value_parser = QrFormatParser, value_name = "FORMAT", hide_possible_values = true)]
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

fn parse_qr_format(text: String) -> Result<QrFormat, String> {
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

/// Parses `--qr` and tells the shells' completions its forms, so `--qr
/// <Tab>` offers them instead of file names.
#[derive(Debug, Clone, Copy)]
struct QrFormatParser;

impl TypedValueParser for QrFormatParser {
    type Value = QrFormat;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<QrFormat, clap::Error> {
        StringValueParser::new()
            .try_map(parse_qr_format)
            .parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            [
                PossibleValue::new("terminal").help("draw each code in the terminal"),
                PossibleValue::new("text").help("print each raw code on its own line"),
                PossibleValue::new("svg:").help("svg:FILE (re)writes an SVG image"),
                PossibleValue::new("png:").help("png:FILE (re)writes a PNG image"),
            ]
            .into_iter(),
        ))
    }
}

fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    waconn_proto::duration::parse(text)
}

/// One number per word (`check`, `events`): a word too short to be a
/// number is likely a number split by spaces.
fn number_per_word(text: &str) -> Result<Number, String> {
    Number::parse(text).map_err(|e| match e {
        NumberError::Length { count, .. } if count < 7 => format!(
            "{e}; here each number is one word: quote a number written with spaces ('+1 555 123 4567')"
        ),
        other => other.to_string(),
    })
}

fn number_from_words(words: &[String]) -> Result<Number, Failure> {
    Number::parse(&words.join(" ")).map_err(|e| Failure::usage(e.to_string()))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("wactl").chain(args.iter().copied()))
    }

    #[test]
    fn one_number_may_take_several_words_with_options_after() {
        let cli = parse(&["pair", "+1", "555", "123", "4567", "--qr", "text"]).expect("parses");
        let Command::Pair(args) = cli.command else {
            panic!("pair")
        };
        assert_eq!(args.number.parse().expect("number").as_str(), "15551234567");
        assert_eq!(args.qr, QrFormat::Text);
        for verb in ["reconnect", "drop"] {
            let cli = parse(&[verb, "+1", "(555)", "123-4567"]).expect(verb);
            let (Command::Reconnect(n) | Command::Drop(n)) = cli.command else {
                panic!("{verb}")
            };
            assert_eq!(n.parse().expect("number").as_str(), "15551234567");
        }
        let cli = parse(&["inspect", "+1", "555", "123", "4567", "--json"]).expect("inspect");
        assert!(cli.json());
        let cli = parse(&["status", "+1", "555", "123", "4567", "-v"]).expect("status");
        let Command::Status(s) = cli.command else {
            panic!("status")
        };
        assert_eq!(
            s.parse().expect("n").map(String::from).as_deref(),
            Some("15551234567")
        );
        let Command::Status(s) = parse(&["status"]).expect("daemon").command else {
            panic!("status")
        };
        assert_eq!(s.parse().expect("none"), None);
    }

    #[test]
    fn a_bad_number_in_words_is_a_usage_error_naming_it() {
        let cli = parse(&["pair", "+1", "555", "12"]).expect("clap takes words");
        let Command::Pair(args) = cli.command else {
            panic!("pair")
        };
        let e = args.number.parse().expect_err("6 digits");
        assert_eq!(e.code, crate::exit::USAGE);
        assert!(e.message.contains("`+1 555 12` has 6 digits"), "{e}");
        assert!(parse(&["pair"]).is_err(), "a number is required");
    }

    #[test]
    fn several_numbers_are_one_word_each() {
        let cli = parse(&["check", "15551234567", "+4420794609", "--grace", "5m"]).expect("check");
        let Command::Check(c) = cli.command else {
            panic!("check")
        };
        assert_eq!(c.numbers.len(), 2);
        let e = parse(&["check", "+1", "555", "123", "4567"]).expect_err("split number");
        assert!(
            e.to_string().contains("quote a number written with spaces"),
            "{e}"
        );
    }

    #[test]
    fn qr_forms_are_offered_and_parsed() {
        let cmd = <Cli as clap::CommandFactory>::command();
        let pair = cmd.find_subcommand("pair").expect("pair");
        let qr = pair
            .get_arguments()
            .find(|a| a.get_id() == "qr")
            .expect("--qr");
        let offered: Vec<String> = qr
            .get_possible_values()
            .iter()
            .map(|v| v.get_name().to_string())
            .collect();
        assert_eq!(offered, ["terminal", "text", "svg:", "png:"]);
        let cli = parse(&["pair", "15551234567", "--qr", "png:/tmp/c.png"]).expect("png");
        let Command::Pair(args) = cli.command else {
            panic!("pair")
        };
        assert_eq!(args.qr, QrFormat::Png("/tmp/c.png".into()));
        let e = parse(&["pair", "15551234567", "--qr", "svg:"]).expect_err("no file");
        assert!(e.to_string().contains("svg:FILE"), "{e}");
    }
}
