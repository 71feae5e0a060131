//! Benchmarks (being rebuilt for contract packs).

use crate::cli::BenchArgs;

pub fn run(_args: &BenchArgs) -> Result<i32, String> {
    Err("the bench subcommand is being rebuilt for contract packs".into())
}
