//! Thin entry point: everything happens in `app`; a panic still ends with exit code 2, never 101.

fn main() {
    let code = std::panic::catch_unwind(graph_conformance::app::main)
        .unwrap_or(graph_conformance::app::EXIT_UNUSABLE);
    std::process::exit(code);
}
