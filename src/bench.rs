//! Benchmarks (issue 6): measured side by side in one run and reported as ratios.

use crate::cli::BenchArgs;

pub fn run(_args: &BenchArgs) -> Result<i32, String> {
    Err("the bench subcommand is not built yet".into())
}
