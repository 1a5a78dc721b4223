//! The `photoscrub` command: parse arguments, run, exit with a code. The
//! engine is the `photoscrub-core` crate; this crate owns all I/O.

mod batch;
mod cli;
mod input;
mod report;
mod watch;
mod write;

fn main() {
    let code = match cli::run() {
        Ok(code) => code,
        // A closed pipe (`photoscrub check … | head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => cli::OK,
        Err(e) => {
            eprintln!("photoscrub: {e}");
            cli::FAILED
        }
    };
    std::process::exit(code);
}
