//! The `wactl` binary.

fn main() -> std::process::ExitCode {
    wactl::main()
}
