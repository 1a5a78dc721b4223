//! The terminal window photoscrub runs in, for drag-and-drop.
//!
//! Dropped onto `photoscrub.exe` (Windows) or started by a desktop entry
//! with `Terminal=true` (Linux), photoscrub gets a window of its own, which
//! closes the moment it exits: the parent would never see the report. Then
//! (and only then) photoscrub ends with "Press Enter to close this
//! window." Run from a shell, or with its input or output redirected (a
//! script, a pipe, a scheduled task), it never waits.

use std::io::{self, BufRead, IsTerminal, Write};

/// Whether photoscrub is alone in its terminal window (see the system's
/// `owns_console`): no shell will be left when it exits.
///
/// Windows: `GetConsoleProcessList` counts only photoscrub. Unix:
/// photoscrub leads the session of the terminal on standard input
/// (`tcgetsid(0) == getpid()`), as when a terminal emulator runs it
/// directly instead of a shell.
pub fn owns_console() -> bool {
    super::os::owns_console()
}

/// Whether to end with [`PRESS_ENTER`]: the window is photoscrub's own and
/// both standard input and standard output are that terminal.
pub fn should_pause() -> bool {
    pause_wanted(
        owns_console(),
        io::stdin().is_terminal(),
        io::stdout().is_terminal(),
    )
}

/// The rule behind [`should_pause`].
pub fn pause_wanted(owns_console: bool, stdin_terminal: bool, stdout_terminal: bool) -> bool {
    owns_console && stdin_terminal && stdout_terminal
}

/// What photoscrub says before it waits.
pub const PRESS_ENTER: &str = "Press Enter to close this window.";

/// Shows [`PRESS_ENTER`] on `out` and waits for a line (or the end of the
/// input) on `input`.
pub fn wait_for_enter(out: &mut dyn Write, input: &mut dyn BufRead) -> io::Result<()> {
    write!(out, "\n{PRESS_ENTER}")?;
    out.flush()?;
    let mut line = Vec::new();
    input.read_until(b'\n', &mut line)?;
    Ok(())
}

/// Lets ANSI colours through to the terminal of standard output (`true`)
/// or standard error (`false`); `false` where they would show as garbage.
/// Unix terminals always take them; the Windows console needs
/// `ENABLE_VIRTUAL_TERMINAL_PROCESSING` switched on (Windows 10 and later;
/// Windows Terminal has it on already).
pub fn enable_ansi(stdout: bool) -> bool {
    super::os::enable_ansi(stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_only_in_its_own_window_with_nothing_redirected() {
        assert!(pause_wanted(true, true, true));
        for (owned, stdin, stdout) in [
            (false, true, true), // from a shell
            (true, false, true), // input from a file or /dev/null
            (true, true, false), // output into a file or a pipe
            (false, false, false),
        ] {
            assert!(!pause_wanted(owned, stdin, stdout));
        }
    }

    #[test]
    fn waits_for_a_line_or_the_end_of_input() {
        let mut out = Vec::new();
        let mut input = io::Cursor::new(b"\r\nmore".to_vec());
        wait_for_enter(&mut out, &mut input).unwrap();
        assert_eq!(input.position(), 2, "reads one line, no more");
        assert!(String::from_utf8(out).unwrap().ends_with(PRESS_ENTER));
        let mut empty = io::Cursor::new(Vec::new());
        wait_for_enter(&mut Vec::new(), &mut empty).unwrap();
    }

    #[test]
    fn a_test_run_does_not_own_its_console() {
        // cargo test runs with its output captured or under a shell, never
        // alone in a window of its own.
        assert!(!should_pause());
    }
}
