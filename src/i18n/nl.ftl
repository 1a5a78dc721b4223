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

## Voortgang, in een terminal

progress = { $done }/{ $total } bestanden  { $elapsed } (nog ongeveer { $eta })

## De samenvatting aan het eind

counts-line = { n-files }: { $parts }
counts-none = geen
count-cleaned = { $files } opgeschoond
count-already-clean = { $files } al schoon
count-would-leak = { $files ->
    [one] { $files } zou iets verraden
   *[other] { $files } zouden iets verraden
}
count-refused = { $files } geweigerd
count-failed = { $files } mislukt
count-skipped = { $files } overgeslagen
counts-skipped = { $skipped } overgeslagen
counts-no-files = Geen foto's of video's
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

## Het HTML-rapport

html-title = photoscrub-rapport
html-heading = Dit zouden deze foto's een vreemde vertellen
html-photos = Foto's
html-map = Kaart
html-map-link = kaart
html-map-label = kaart van de plekken die de foto's laten zien
html-map-note = Getekend op deze computer met kaartgegevens die in photoscrub zitten; er is niets online opgezocht. Een markering opent de plek op OpenStreetMap (online).
html-no-preview = geen afbeelding: photoscrub kan dit soort bestand niet tekenen
html-no-preview-of = een { $kind }-bestand, zonder afbeelding
html-details = { $findings ->
    [one] Het ene detail
   *[other] Alle { $findings } details
}
html-error-details = Details
html-column-category = soort
html-column-where = waar in het bestand
html-column-tag = label
html-column-value = waarde
fate-would-keep = zou blijven
fate-not-removed = niet verwijderd

## Wat één foto zou vertellen, op een kaartje in het HTML-rapport

told-would-tell = Zou een vreemde vertellen
told-removed = Verwijderd
told-location = waar
told-people = wie
told-device = welke camera
told-time = wanneer
told-preview = verborgen foto's
told-text = teksten
told-unknown = onleesbare gegevens

## photoscrub watch

watch-watching = { $inbox } wordt in de gaten gehouden; opgeschoonde kopieën komen in { $out }
watch-polling = { $inbox } wordt elke { $seconds } s doorzocht; opgeschoonde kopieën komen in { $out }
watch-cannot-follow = kan wijzigingen in { $inbox } niet volgen ({ $error }); de map wordt nu elke 5 s doorzocht (zie --poll)
watch-caught-up = bijgewerkt; wacht op nieuwe bestanden
watch-stopping = { $busy ->
    [0] stopt
    [one] stopt na het bestand dat nog bezig is (geef nog een signaal om het op te geven)
   *[other] stopt na de bestanden die nog bezig zijn ({ $busy } in de wachtrij of bezig; geef nog een signaal om ze op te geven)
}
watch-summary = { $cleaned } opgeschoond, { $already_clean } al schoon, { $refused } geweigerd, { $failed } mislukt, { $skipped } geen foto's
watch-skipped = overgeslagen (geen foto of video)
watch-retry-in = nieuwe poging over { $seconds } s
watch-retry-on-change = nieuwe poging als het bestand verandert
watch-removed = verwijderd: { $what }
watch-leftovers = { $files ->
    [one] 1 onafgemaakt tijdelijk bestand van een gestopte run verwijderd uit { $folder }
   *[other] { $files } onafgemaakte tijdelijke bestanden van een gestopte run verwijderd uit { $folder }
}

## De hulptekst van de opdrachtregel

help-about = Vind en verwijder wat je foto's een vreemde zouden vertellen: waar ze genomen zijn, wie erop staat, met welke camera, en verborgen voorbeeldfoto's.
help-check = Laat zien wat elke foto een vreemde zou vertellen; verandert niets.
help-clean = Maak opgeschoonde kopieën (standaard in `cleaned/` naast de originelen).
help-watch = Schoon elke foto die in INBOX binnenkomt meteen op, naar DIR.
help-web = Open de webpagina van photoscrub: zet foto's neer in de browser (alleen op 127.0.0.1).
help-after =
    Soorten: location (locatie), people (personen), device (apparaat), time (tijd),
    preview (voorbeeld), text (tekst), rendering (weergave).
    Standaard wordt alles behalve rendering (stand, ICC-kleurprofiel) verwijderd;
    gegevens die photoscrub niet kan lezen (`onbekend`) worden altijd verwijderd.

    Afsluitcodes: 0 alles goed (check: niets zou iets verraden), 1 check vond iets,
    2 verkeerde opdracht, 3 een of meer bestanden mislukt of geweigerd.

    Snelkoppelingen (symlinks) in mappen worden overgeslagen (en als overgeslagen
    geteld), tenzij --follow is gegeven; paden die je zelf noemt worden altijd
    gevolgd. Met --in-place wordt het bestand waar een gevolgde koppeling naar
    wijst vervangen; de koppeling blijft een koppeling.
    De eigen bestanden van photoscrub zijn nooit invoer: `.photoscrub-*.tmp`
    (bestanden die geschreven worden; die van een afgebroken run worden bij de
    volgende keer opgeruimd) en `*.photoscrub-backup` (--backup).

    Taal: --lang en|nl, anders LC_ALL, LC_MESSAGES of LANG (nl_NL.UTF-8 is Nederlands).

    Slepen en neerzetten: `photoscrub PAD...` is hetzelfde als `photoscrub clean PAD...`.
start-drop-onto-windows = op photoscrub.exe, of op een snelkoppeling ernaar
start-drop-onto-macos = op de photoscrub-app, in het Dock of in de Finder
start-drop-onto-linux = op het photoscrub-pictogram, of klik er met rechts op en open ze met photoscrub
start-help =
    photoscrub verwijdert wat je foto's en video's een vreemde zouden vertellen:
    waar ze genomen zijn, wie erop staat, met welke camera, en verborgen
    voorbeeldfoto's. Je foto's zelf blijven zoals ze zijn.

    Zo gebruik je het: sleep foto's, of mappen met foto's, naar photoscrub
    ({ $onto }). Opgeschoonde kopieën komen in een map "cleaned" naast de
    foto's, en photoscrub laat zien wat de foto's verteld zouden hebben.

    In een terminal:
      photoscrub check FOTO'S...   laat zien wat de foto's vertellen; verandert niets
      photoscrub FOTO'S...         maak opgeschoonde kopieën in cleaned/ ernaast
      photoscrub --help            alle opties

## Wat er met een geweigerd of mislukt bestand gebeurde, en wat je kunt doen

advice-raw = Dit is een raw-bestand van een camera; dat kan photoscrub niet opschonen. Exporteer het als JPEG of HEIC in je fotoprogramma en sleep dat bestand hierheen.
advice-unsupported = Dit soort bestand kan photoscrub nog niet opschonen, dus er is geen opgeschoonde kopie. Deel het niet zoals het is: er kan nog in staan waar het gemaakt is.
advice-damaged = Deze foto is beschadigd (misschien is het kopiëren halverwege afgebroken). Kopieer hem opnieuw van je telefoon of camera en sleep hem dan nog een keer hierheen.
advice-unverified = photoscrub kon niet controleren dat de opgeschoonde kopie goed was, dus die is niet bewaard; je foto is niet veranderd. Meld dit bestand alsjeblieft.
advice-disk-full = De schijf voor de opgeschoonde kopieën is vol. Maak ruimte vrij en sleep de foto's dan nog een keer hierheen.
advice-read-only = De map voor de opgeschoonde kopieën kan niet worden veranderd (misschien staat hij op een vergrendelde geheugenkaart). Ontgrendel hem, of kopieer de foto's eerst naar je computer.
advice-not-allowed = photoscrub mag deze foto niet lezen of de opgeschoonde kopie niet wegschrijven (de map is misschien van iemand anders). Kopieer de foto's naar je eigen map en sleep ze dan nog een keer hierheen.
advice-gone = De foto was al weg voordat photoscrub hem kon lezen (verplaatst, verwijderd, of de kaart is eruit gehaald). Zet hem terug en sleep hem dan nog een keer hierheen.
advice-name-taken = Bij de opgeschoonde kopieën staat al een ander bestand met deze naam dat photoscrub niet gemaakt heeft (of dat sindsdien veranderd is). Dat is met rust gelaten en er is geen nieuwe kopie gemaakt. Verplaats dat bestand of geef het een andere naam, en sleep de foto's dan nog een keer hierheen.
advice-changed-while-read = De foto veranderde terwijl photoscrub hem las. Wacht tot hij helemaal gekopieerd is en sleep hem dan nog een keer hierheen.
advice-io = photoscrub kon deze foto niet lezen of de opgeschoonde kopie niet wegschrijven. Probeer het nog eens; lukt het steeds niet, dan staat hieronder waarom.
advice-other = Er ging iets mis met dit bestand; hieronder staan de details.

## Waarom een bestand is overgeslagen

skip-not-a-photo-kind = geen foto of video ({ $kind }); met rust gelaten
skip-not-a-photo = geen foto of video die photoscrub kent; met rust gelaten
skip-symlink = een snelkoppeling (symbolische link) in de map; niet gevolgd (--follow volgt ze wel)
skip-duplicate = hetzelfde als { $first }, dat al in deze ronde zat; één keer gedaan
skip-cleaned-folder = opgeschoonde kopieën die photoscrub eerder maakte; die worden niet nog eens opgeschoond (deel ze zoals ze zijn)
skip-in-cleaned-folder = in { $folder }, een map met opgeschoonde kopieën van photoscrub; niet nog eens opgeschoond (sleep de foto uit de map met de originelen om hem op te schonen)
kind-pdf = een PDF-document
kind-zip = een ZIP-archief
kind-rar = een RAR-archief
kind-7z = een 7-Zip-archief
kind-gzip = een ingepakt (gzip-)bestand
kind-office = een Office-document
kind-program = een programma
kind-mp3 = een MP3-geluidsbestand
kind-text = een tekstbestand
kind-web-page = een webpagina
kind-sound = een geluidsbestand
kind-other-picture = een soort afbeelding die photoscrub niet opschoont
kind-other-video = een soort video die photoscrub niet opschoont

## Waar de opgeschoonde kopieën staan

marker-explanation = In deze map staan opgeschoonde kopieën die photoscrub maakte van de foto's in { $folder }; deel deze. photoscrub houdt hieronder bij welke kopieën het maakte, zodat het ze kan bijwerken: laat dit bestand hier alsjeblieft staan.
fallback = De map { $source } kan niet worden veranderd — de opgeschoonde kopieën staan daarom in { $folder }.
fallback-locked = De map { $source } kan niet worden veranderd (misschien staat hij op een vergrendelde geheugenkaart of een telefoon) — de opgeschoonde kopieën staan daarom in { $folder }.
fallback-not-yours = De map { $source } kan niet worden veranderd (hij is van iemand anders, of van een telefoon of camera) — de opgeschoonde kopieën staan daarom in { $folder }.
fallback-full = De map { $source } kan niet worden veranderd (de schijf is vol) — de opgeschoonde kopieën staan daarom in { $folder }.
no-fallback = De map { $source } kan niet worden veranderd, en photoscrub vond geen map Afbeeldingen om de opgeschoonde kopieën in te zetten. Kopieer de foto's eerst naar je computer, of kies een map met --out.
copies-none = Er zijn geen opgeschoonde kopieën gemaakt.
copies-in-one = De opgeschoonde kopieën staan in { $folder }
copies-in-many = De opgeschoonde kopieën staan in:
