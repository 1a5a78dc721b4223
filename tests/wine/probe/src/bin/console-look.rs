//! Looks into the console window of another program, as a parent would:
//!   console-look screen NAME.exe   prints the text in its console window
//!   console-look enter NAME.exe    presses Enter in it
//! NAME.exe is found among the running processes (it must be alone in its
//! console, e.g. started with `wine start /wait`). Exit 2: not found.

#[cfg(windows)]
fn main() {
    use windows_sys::Win32::Foundation::*;
    use windows_sys::Win32::Storage::FileSystem::*;
    use windows_sys::Win32::System::Console::*;
    use windows_sys::Win32::System::Diagnostics::ToolHelp::*;

    let args: Vec<String> = std::env::args().collect();
    let (what, name) = (args[1].as_str(), args[2].to_ascii_lowercase());
    // SAFETY: plain Win32 calls on handles this program opens itself.
    unsafe {
        let snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
        let mut entry: PROCESSENTRY32W = std::mem::zeroed();
        entry.dwSize = std::mem::size_of::<PROCESSENTRY32W>() as u32;
        let mut pid = None;
        let mut more = Process32FirstW(snap, &mut entry);
        while more != 0 {
            let len = entry.szExeFile.iter().position(|&c| c == 0).unwrap_or(0);
            if String::from_utf16_lossy(&entry.szExeFile[..len]).to_ascii_lowercase() == name {
                pid = Some(entry.th32ProcessID);
            }
            more = Process32NextW(snap, &mut entry);
        }
        CloseHandle(snap);
        let Some(pid) = pid else {
            eprintln!("console-look: no process {name}");
            std::process::exit(2);
        };
        FreeConsole();
        if AttachConsole(pid) == 0 {
            eprintln!("console-look: cannot attach to {pid}: {}", GetLastError());
            std::process::exit(3);
        }
        let open = |device: &str| {
            let wide: Vec<u16> = device.encode_utf16().chain([0]).collect();
            CreateFileW(
                wide.as_ptr(),
                GENERIC_READ | GENERIC_WRITE,
                FILE_SHARE_READ | FILE_SHARE_WRITE,
                std::ptr::null(),
                OPEN_EXISTING,
                0,
                std::ptr::null_mut(),
            )
        };
        let mut text = String::new();
        match what {
            "enter" => {
                let input = open("CONIN$");
                let mut keys: [INPUT_RECORD; 2] = std::mem::zeroed();
                for (key, down) in keys.iter_mut().zip([1, 0]) {
                    key.EventType = KEY_EVENT as u16;
                    key.Event.KeyEvent.bKeyDown = down;
                    key.Event.KeyEvent.wRepeatCount = 1;
                    key.Event.KeyEvent.wVirtualKeyCode = 0x0D; // VK_RETURN
                    key.Event.KeyEvent.uChar.UnicodeChar = 13;
                }
                let mut written = 0;
                if WriteConsoleInputW(input, keys.as_ptr(), 2, &mut written) == 0 {
                    std::process::exit(4);
                }
            }
            "screen" => {
                let output = open("CONOUT$");
                let mut info: CONSOLE_SCREEN_BUFFER_INFO = std::mem::zeroed();
                GetConsoleScreenBufferInfo(output, &mut info);
                let width = info.dwSize.X as u32;
                for y in 0..=info.dwCursorPosition.Y {
                    let mut line = vec![0u16; width as usize];
                    let mut read = 0;
                    let at = COORD { X: 0, Y: y };
                    ReadConsoleOutputCharacterW(output, line.as_mut_ptr(), width, at, &mut read);
                    text.push_str(String::from_utf16_lossy(&line[..read as usize]).trim_end());
                    text.push('\n');
                }
            }
            _ => std::process::exit(64),
        }
        FreeConsole();
        // Written to a file: this program's own stdout went with its console.
        if let Some(out) = args.get(3) {
            std::fs::write(out, text).unwrap();
        }
    }
}

#[cfg(not(windows))]
fn main() {
    eprintln!("console-look is for Windows (Wine)");
    std::process::exit(64);
}
