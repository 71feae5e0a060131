//! The one integration binary: every module talks to a real server on loopback.

mod abuse;
mod generate;
mod hostile;
mod reports;
mod service;
mod suite;
