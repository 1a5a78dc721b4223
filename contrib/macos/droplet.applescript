-- photoscrub.app: drop photos or folders on it (or on its Dock icon) and
-- photoscrub cleans them in a Terminal window, where the report stays to
-- be read. Double-clicked, it shows the plain-words help there.
-- The program itself is Contents/Resources/photoscrub in the app.

on open droppedItems
	set command to quoted form of my photoscrubPath()
	repeat with anItem in droppedItems
		set command to command & " " & quoted form of POSIX path of anItem
	end repeat
	my runInTerminal(command)
end open

on run
	my runInTerminal(quoted form of my photoscrubPath())
end run

on photoscrubPath()
	return POSIX path of (path to resource "photoscrub")
end photoscrubPath

-- "; exit": the window stays open with the report ("[Process completed]")
-- under Terminal's default setting, and no prompt is left to confuse.
on runInTerminal(command)
	tell application "Terminal"
		activate
		do script "clear; " & command & "; exit"
	end tell
end runInTerminal
