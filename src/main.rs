//! The `photoscrub` command: parse arguments, run, exit with a code. The
//! engine is the `photoscrub-core` crate; this crate owns all I/O.

#[macro_use]
mod i18n;

mod batch;
mod cli;
mod copies;
mod input;
mod messages;
mod report;
mod sys;
mod thumbnail;
mod walk;
mod watch;
mod web;
mod write;

fn main() {
    std::process::exit(cli::main().code());
}
