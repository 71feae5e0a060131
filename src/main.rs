//! Thin entry point: parse the command line, hand it to `app` (or to `bench`, a consumer of
//! the library like this one); a panic still ends with exit code 2, never 101.

use graph_conformance::app::{self, EXIT_OK, EXIT_UNUSABLE};
use graph_conformance::cli::{self, Command};
use graph_conformance::pack::{builtins, DEFAULT_PACK};

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
        if cli.version {
            print!("{}", version_text());
            return EXIT_OK;
        }
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

/// `--version`: the version on the first line (what installers compare), then each built-in
/// pack's digest, the one its runs write into report.json's `pack.digest`.
fn version_text() -> String {
    let mut text = format!("graph-conformance {}\n", env!("CARGO_PKG_VERSION"));
    for pack in builtins() {
        let default = if pack.name == DEFAULT_PACK {
            " (default)"
        } else {
            ""
        };
        text.push_str(&format!(
            "pack {} sha256:{}{default}\n",
            pack.name,
            pack.digest()
        ));
    }
    text
}
