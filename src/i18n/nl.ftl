# De woorden van photoscrub in het Nederlands. Dezelfde sleutels en
# { $variabelen } als en.ftl (tests/i18n.rs controleert dat).
# Schrijf zoals je het tegen een ouder zou zeggen, niet tegen een programmeur.

## Dingen tellen

n-photos = { $photos ->
    [one] { $photos } foto
   *[other] { $photos } foto's
}
n-files = { $files ->
    [one] { $files } bestand
   *[other] { $files } bestanden
}
and-more = { $values } en nog { $more }

## Wat er met een bestand gebeurde

status-cleaned = opgeschoond
status-already-clean = al schoon
status-would-leak = zou iets verraden
status-refused = geweigerd
status-failed = mislukt
status-skipped = overgeslagen

## Soorten metadata, zoals de regels per bestand ze noemen (hooguit 9 letters)

category-location = locatie
category-people = personen
category-device = apparaat
category-time = tijd
category-preview = voorbeeld
category-text = tekst
category-rendering = weergave
category-unknown = onbekend

## Of een soort metadata verdwijnt

fate-kept = blijft
fate-would-remove = zou verwijderd worden
fate-would-remove-some = { $removed } van de { $found } zouden verwijderd worden
fate-removed = verwijderd
fate-removed-some = { $removed } van de { $found } verwijderd

## Waar een foto genomen is

location-invalid = ongeldige coördinaten ({ $why })
location-altitude = hoogte { $metres } m
location-accuracy = nauwkeurig tot op { $metres } m
place-in = in { $town }
place-from = { $km } km van { $town }
place-at-sea-off = op zee, voor de kust van { $town }
place-at-sea-from = op zee, { $km } km van { $town }

## De samenvatting aan het eind

counts-line = { n-files }: { $parts }
counts-none = geen
counts-skipped = { $skipped } overgeslagen (geen foto's, of snelkoppelingen)
summary-heading = Dit zouden deze foto's een vreemde vertellen:
summary-return-place = Een plek waar je vaker komt — vaak thuis, school of een club: { $photos } foto's op { $days } verschillende dagen, { $place }
summary-return-details = dagen: { $days }; foto's: { $files }
summary-located = { $photos ->
    [one] 1 foto liet zien waar hij genomen is:
   *[other] { $photos } foto's lieten zien waar ze genomen zijn:
}
summary-invalid = { $photos ->
    [one] 1 foto had GPS-gegevens die geen echte plek zijn (0,0 of kapotte waarden)
   *[other] { $photos } foto's hadden GPS-gegevens die geen echte plek zijn (0,0 of kapotte waarden)
}
summary-names = Namen van mensen
summary-texts = Bijschriften, titels en opmerkingen
summary-serials = Serienummers van de camera of telefoon
summary-previews = { $previews ->
    [one] 1 verborgen voorbeeld (een miniatuur, tweede foto of bewegende-fotovideo) dat meer kan laten zien dan de foto die je deelt
   *[other] { $previews } verborgen voorbeelden (miniaturen, tweede foto's, bewegende-fotovideo's) die meer kunnen laten zien dan de foto die je deelt
}
summary-unreadable = { $blocks ->
    [one] 1 blok verborgen gegevens dat photoscrub niet kan lezen (verwijderd, wat er ook in staat)
   *[other] { $blocks } blokken verborgen gegevens die photoscrub niet kan lezen (verwijderd, wat er ook in staat)
}
summary-dates = Genomen tussen { $first } en { $last }
summary-taken-on = Genomen op { $day }
summary-fate-check = `photoscrub clean` zou dit allemaal verwijderen en alleen bewaren wat nodig is om de foto goed te tonen (de stand en de kleuren).
summary-fate-clean = Dit is allemaal verwijderd; alleen wat nodig is om de foto goed te tonen (de stand en de kleuren) is bewaard.
