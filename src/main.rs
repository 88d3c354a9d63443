//! The `accord` binary: parse the command line, load settings, run.

fn main() -> std::process::ExitCode {
    accord::cli::main()
}
