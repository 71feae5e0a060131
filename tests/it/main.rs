//! The one integration binary: every module talks to a real server on loopback.

mod abuse;
mod action;
mod conformance;
mod generate;
mod hostile;
mod import;
mod ladders;
mod naive;
mod packs;
mod reports;
mod service;
mod slow;
mod suite;
mod support;
mod verdict;
