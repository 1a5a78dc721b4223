# photoscrub's words in English. Keys are shared with nl.ftl: every key and
# every { $variable } here must be there too (tests/i18n.rs checks it).
# Keep sentences plain: the reader is a parent, not a programmer.

## Counting things

n-photos = { $photos ->
    [one] { $photos } photo
   *[other] { $photos } photos
}
n-files = { $files ->
    [one] { $files } file
   *[other] { $files } files
}
and-more = { $values } and { $more } more

## What happened to a file (the JSON keeps its own English codes)

status-cleaned = cleaned
status-already-clean = already clean
status-would-leak = would leak
status-refused = refused
status-failed = failed
status-skipped = skipped

## Kinds of metadata, as the per-file lines name them (at most 9 letters)

category-location = location
category-people = people
category-device = device
category-time = time
category-preview = preview
category-text = text
category-rendering = rendering
category-unknown = unknown

## Whether a kind of metadata goes

fate-kept = kept
fate-would-remove = would be removed
fate-would-remove-some = { $removed } of { $found } would be removed
fate-removed = removed
fate-removed-some = { $removed } of { $found } removed

## Where a photo was taken

location-invalid = invalid coordinates ({ $why })
location-altitude = altitude { $metres } m
location-accuracy = accurate to { $metres } m
place-in = in { $town }
place-from = { $km } km from { $town }
place-at-sea-off = at sea, off { $town }
place-at-sea-from = at sea, { $km } km from { $town }

## Progress, on a terminal

progress = { $done }/{ $total } files  { $elapsed } (about { $eta } left)

## The closing summary

counts-line = { n-files }: { $parts }
counts-none = none
count-cleaned = { $files } cleaned
count-already-clean = { $files } already clean
count-would-leak = { $files } would leak
count-refused = { $files } refused
count-failed = { $files } failed
count-skipped = { $files } skipped
counts-skipped = { $skipped } skipped
counts-no-files = No photos or videos
summary-heading = What these photos would have told a stranger:
summary-return-place = A place you return to — often home, school or a club: { $photos } photos on { $days } different days, { $place }
summary-return-details = days: { $days }; photos: { $files }
summary-located = { $photos ->
    [one] 1 photo showed where it was taken:
   *[other] { $photos } photos showed where they were taken:
}
summary-invalid = { $photos ->
    [one] 1 photo had GPS data that is not a real place (0,0 or broken values)
   *[other] { $photos } photos had GPS data that is not a real place (0,0 or broken values)
}
summary-names = Names of people
summary-texts = Captions, titles and comments
summary-serials = Serial numbers of the camera or phone
summary-previews = { $previews ->
    [one] 1 hidden preview (a thumbnail, second image or motion-photo video) that can show more than the posted picture
   *[other] { $previews } hidden previews (thumbnails, second images, motion-photo videos) that can show more than the posted picture
}
summary-unreadable = { $blocks ->
    [one] 1 block of hidden data photoscrub cannot read (removed whatever it holds)
   *[other] { $blocks } blocks of hidden data photoscrub cannot read (removed whatever they hold)
}
summary-dates = Taken between { $first } and { $last }
summary-taken-on = Taken on { $day }
summary-fate-check = `photoscrub clean` would remove all of this and keep only what shows the picture right (its orientation and colours).
summary-fate-clean = All of this was removed; only what shows the picture right (its orientation and colours) was kept.

## The HTML report

html-title = photoscrub report
html-heading = What these photos would have told a stranger
html-photos = Photos
html-map = Map
html-map-link = map
html-map-label = map of the places the photos show
html-map-note = Drawn on this computer from map data built into photoscrub; nothing was looked up online. A marker opens the place on OpenStreetMap (online).
html-no-preview = no picture: photoscrub cannot draw this kind of file
html-no-preview-of = a { $kind } file, without a picture
html-details = { $findings ->
    [one] The 1 detail
   *[other] All { $findings } details
}
html-error-details = Details
html-column-category = kind
html-column-where = where in the file
html-column-tag = tag
html-column-value = value
fate-would-keep = would keep
fate-not-removed = not removed

## What one photo would tell, in a card of the HTML report

told-would-tell = Would tell a stranger
told-removed = Removed
told-location = where
told-people = who
told-device = which camera
told-time = when
told-preview = hidden pictures
told-text = captions
told-unknown = unreadable data

## photoscrub watch

watch-watching = watching { $inbox }; cleaned copies go to { $out }
watch-polling = watching { $inbox } (scanning every { $seconds } s); cleaned copies go to { $out }
watch-cannot-follow = cannot follow changes in { $inbox } ({ $error }); scanning it every 5 s instead (see --poll)
watch-caught-up = caught up; waiting for new files
watch-stopping = { $busy ->
    [0] stopping
    [one] stopping after the file in progress (signal again to abandon it)
   *[other] stopping after the files in progress ({ $busy } queued or in flight; signal again to abandon them)
}
watch-summary = { $cleaned } cleaned, { $already_clean } already clean, { $refused } refused, { $failed } failed, { $skipped } not photos
watch-skipped = skipped (not a photo or video)
watch-retry-in = trying again in { $seconds } s
watch-retry-on-change = tried again when it changes
watch-removed = removed { $what }
watch-leftovers = { $files ->
    [one] removed 1 unfinished temporary file left in { $folder } by a stopped run
   *[other] removed { $files } unfinished temporary files left in { $folder } by a stopped run
}

## The command line's help

help-about = Find and remove what your photos would tell a stranger: where they were taken, who is in them, which camera took them, and hidden previews.
help-check = Show what each photo would tell a stranger; change nothing.
help-clean = Write cleaned copies (into `cleaned/` next to the originals by default).
help-watch = Clean every photo that lands in INBOX into DIR, as it arrives.
help-web = Open photoscrub's web page: drop photos in the browser (served on 127.0.0.1 only).
help-after =
    Categories: location, people, device, time, preview, text, rendering.
    By default everything but rendering (Orientation, ICC profile) is removed;
    metadata photoscrub cannot read (`unknown` in reports) is always removed.

    Exit codes: 0 all good (check: nothing would leak), 1 check found a leak,
    2 usage error, 3 one or more files failed or were refused.

    Symlinks found inside folders are skipped (and counted as skipped) unless
    --follow is given; paths you name are always followed. With --in-place a
    followed link's target file is replaced; the link stays a link.
    photoscrub's own files are never inputs: `.photoscrub-*.tmp` (files being
    written; those of a killed run are removed on the next clean) and
    `*.photoscrub-backup` (--backup).

    Language: --lang en|nl, else LC_ALL, LC_MESSAGES or LANG (nl_NL.UTF-8 is Dutch).

    Drag-and-drop: `photoscrub PATH...` is the same as `photoscrub clean PATH...`.
start-drop-onto-windows = onto photoscrub.exe, or onto a shortcut to it
start-drop-onto-macos = onto the photoscrub app, in the Dock or in Finder
start-drop-onto-linux = onto the photoscrub icon, or right-click them and open them with photoscrub
start-help =
    photoscrub removes what your photos and videos would tell a stranger:
    where they were taken, who is in them, which camera took them, and
    hidden previews. Your photos themselves are never changed.

    How to use it: drop photos, or folders of photos, onto photoscrub
    ({ $onto }). Cleaned copies go into a folder called "cleaned" next to
    the photos, and photoscrub shows what the photos would have told.

    In a terminal:
      photoscrub check PHOTOS...   show what the photos would tell; change nothing
      photoscrub PHOTOS...         write cleaned copies into cleaned/ next to them
      photoscrub --help            all the options

## What happened to a file that was refused or failed, and what to do
## (JSON keeps these in English)

advice-raw = This is a camera raw file, which photoscrub does not clean. Export it as a JPEG or HEIC in your photo program, then drop that.
advice-unsupported = photoscrub cannot clean this kind of file yet, so it made no cleaned copy. Don't share it as it is: it may still say where it was taken.
advice-damaged = This photo is damaged (it may have been cut short while it was copied): copy it from your phone or camera again, then drop it again.
advice-unverified = photoscrub could not prove its cleaned copy was right, so it did not keep it; your photo is unchanged. Please report this file.
advice-disk-full = The disk for the cleaned copies is full. Make room on it, then drop the photos again.
advice-read-only = The folder for the cleaned copies can't be changed (it may be on a locked memory card). Unlock it, or copy the photos to your computer first.
advice-not-allowed = photoscrub is not allowed to read this photo or to write its cleaned copy (the folder may belong to someone else). Copy the photos into your own folder, then drop them again.
advice-gone = The photo was gone before photoscrub could read it (moved, deleted, or the card was taken out). Put it back, then drop it again.
advice-name-taken = There is already a different file with this name among the cleaned copies, and photoscrub did not make it (or it was changed since), so it was left as it is and no new copy was made. Move or rename that file, then drop the photos again.
advice-changed-while-read = The photo changed while photoscrub was reading it. Wait until it has been copied completely, then drop it again.
advice-io = photoscrub could not read this photo or write its cleaned copy. Try again; if it keeps failing, the details below say why.
advice-other = Something went wrong with this file; the details are below.

## Why a file was skipped (JSON keeps these in English)

skip-not-a-photo-kind = not a photo or video ({ $kind }); left as it is
skip-not-a-photo = not a photo or video photoscrub knows; left as it is
skip-symlink = a shortcut (symbolic link) inside the folder; not followed (--follow follows them)
skip-duplicate = the same as { $first }, already in this run; done once
skip-cleaned-folder = cleaned copies photoscrub made before; they are not cleaned again (share them as they are)
skip-in-cleaned-folder = in { $folder }, a folder of cleaned copies photoscrub made; not cleaned again (to clean a photo, drop it from the folder with the originals)
kind-pdf = a PDF document
kind-zip = a ZIP archive
kind-rar = a RAR archive
kind-7z = a 7-Zip archive
kind-gzip = a compressed (gzip) file
kind-office = an Office document
kind-program = a program
kind-mp3 = an MP3 sound file
kind-text = a text file
kind-web-page = a web page
kind-sound = a sound file
kind-other-picture = a picture format photoscrub does not clean
kind-other-video = a video format photoscrub does not clean

## Where the cleaned copies go

marker-explanation = This folder holds cleaned copies that photoscrub made of the photos in { $folder }; share these. photoscrub lists its copies below so that it can update them: please leave this file here.
fallback = The folder { $source } can't be changed — the cleaned copies are in { $folder } instead.
fallback-locked = The folder { $source } can't be changed (it may be on a locked memory card or a phone) — the cleaned copies are in { $folder } instead.
fallback-not-yours = The folder { $source } can't be changed (it belongs to someone else, or to a phone or camera) — the cleaned copies are in { $folder } instead.
fallback-full = The folder { $source } can't be changed (its disk is full) — the cleaned copies are in { $folder } instead.
no-fallback = The folder { $source } can't be changed, and photoscrub found no Pictures folder to put the cleaned copies in. Copy the photos to your computer first, or choose a folder with --out.
copies-none = No cleaned copies were made.
copies-in-one = The cleaned copies are in { $folder }
copies-in-many = The cleaned copies are in:
