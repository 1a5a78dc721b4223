//! Behaves like photoscrub at its end: says what it knows about its console
//! and, if photoscrub would, says "Press Enter to close this window." and
//! waits. Used by tests/wine/console.sh.

use photoscrub_wine_probe::sys::console;
use std::io::{self, IsTerminal};

fn main() {
    // Asked once, at the start, as photoscrub does: a program that attaches
    // to the console later (console-look, to read the screen) counts too.
    let owned = console::owns_console();
    let (stdin, stdout) = (io::stdin().is_terminal(), io::stdout().is_terminal());
    let pause = console::pause_wanted(owned, stdin, stdout);
    println!("owns_console={owned} stdin_terminal={stdin} stdout_terminal={stdout} pause={pause}");
    if pause {
        console::wait_for_enter(&mut io::stdout(), &mut io::stdin().lock()).unwrap();
        println!("\nclosing");
    }
}
