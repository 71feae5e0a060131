//! Thin entry point: parse the command line, hand it to `app` (or to `bench`, a consumer of
//! the library like this one); a panic still ends with exit code 2, never 101.

use graph_conformance::app::{self, EXIT_OK, EXIT_UNUSABLE};
use graph_conformance::cli::{self, Command};

fn main() {
    let code = std::panic::catch_unwind(|| {
        let cli = match cli::parse() {
            Ok(cli) => cli,
            Err(e) => {
                let _ = e.print();
                return if e.use_stderr() {
                    EXIT_UNUSABLE
                } else {
                    EXIT_OK
                };
            }
        };
        match &cli.command {
            Some(Command::Bench(args)) => graph_conformance::bench::run(args).unwrap_or_else(|e| {
                eprintln!("error: {e}");
                EXIT_UNUSABLE
            }),
            _ => app::main(cli),
        }
    })
    .unwrap_or(EXIT_UNUSABLE);
    std::process::exit(code);
}
