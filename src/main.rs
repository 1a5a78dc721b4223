//! The `photoscrub` command: parse arguments, run, exit with a code.

mod cli;
mod sys;

fn main() {
    std::process::exit(cli::main());
}
