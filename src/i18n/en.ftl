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

## The closing summary

counts-line = { n-files }: { $parts }
counts-none = none
counts-skipped = { $skipped } skipped (not photos, or symlinks)
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
