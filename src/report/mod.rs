//! What the parent (or a script) reads: human text, JSON Lines, CSV and an
//! HTML page. All of them are built from the same [`Summary`].

pub mod event;
pub mod html;

pub use event::{FileEvent, NoteEvent, SkipEvent, SummaryEvent};

use crate::batch::{Batch, Done, FileReport, Skip, Status};
use crate::i18n::Lang;
use photoscrub_core::findings::{Category, Finding, Location};
use photoscrub_core::geo;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// How much the human report says per file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Failures only.
    Quiet,
    /// One line per category with its values.
    Normal,
    /// Every finding with its block and tag.
    Verbose,
}

/// A name as bytes from which the very same name can be made again.
///
/// On Unix these are the name's bytes. On Windows a name is UTF-16 that
/// may hold unpaired surrogates; its bytes are then its WTF-8 form: UTF-8,
/// with an unpaired surrogate written as the three bytes UTF-8 would give
/// its code point (U+D800 is `ED A0 80`). On both, Python's
/// `os.fsdecode(bytes(value))` gives back the name the system knows.
pub(crate) fn exact_bytes(name: &std::ffi::OsStr) -> Vec<u8> {
    #[cfg(windows)]
    {
        use std::os::windows::ffi::OsStrExt;
        wtf8(name.encode_wide())
    }
    #[cfg(not(windows))]
    {
        name.as_encoded_bytes().to_vec()
    }
}

/// WTF-8: UTF-16 code units (surrogates paired or not) as bytes.
#[cfg_attr(not(windows), allow(dead_code))]
fn wtf8(units: impl IntoIterator<Item = u16>) -> Vec<u8> {
    let mut out = Vec::new();
    for unit in char::decode_utf16(units) {
        // An unpaired surrogate is a code point that is not a char: encode
        // it by hand exactly as UTF-8 would encode any other U+0800..U+FFFF.
        let code = match unit {
            Ok(c) => {
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                continue;
            }
            Err(e) => u32::from(e.unpaired_surrogate()),
        };
        out.extend_from_slice(&[
            0xE0 | (code >> 12) as u8,
            0x80 | ((code >> 6) & 0x3F) as u8,
            0x80 | (code & 0x3F) as u8,
        ]);
    }
    out
}

/// Text for a human report on one line: bytes that are not UTF-8 become
/// U+FFFD, control characters (a newline in a file name) are escaped.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| match c.is_control() {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect()
}

/// The location a file shows: the first valid one, else the first at all.
pub fn main_location(file: &FileReport) -> Option<&Location> {
    file.scan.valid_location().or(file.scan.locations.first())
}

/// Writes the report as JSON Lines: one object per file, then the summary.
pub fn write_json(batch: &Batch, out: &mut impl Write) -> io::Result<()> {
    for file in &batch.files {
        writeln!(out, "{}", FileEvent::of(file).to_line())?;
    }
    writeln!(out, "{}", SummaryEvent::of(&Summary::of(batch)).to_line())
}

/// Writes one CSV row per finding (and one per file without findings).
pub fn write_csv(batch: &Batch, out: &mut impl Write) -> io::Result<()> {
    write_csv_header(out)?;
    for file in &batch.files {
        write_csv_rows(file, out)?;
    }
    Ok(())
}

fn write_csv_header(out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "path,format,status,output,error,lat,lon,place,category,block,tag,value,removed"
    )
}

fn write_csv_rows(file: &FileReport, out: &mut impl Write) -> io::Result<()> {
    let loc = main_location(file).filter(|l| l.invalid.is_none());
    let head = [
        file.path.to_string_lossy().into_owned(),
        file.format
            .map(|f| f.name().to_string())
            .unwrap_or_default(),
        status_code(file.status).to_string(),
        file.output
            .as_ref()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default(),
        file.error
            .as_ref()
            .map(|e| e.message.clone())
            .unwrap_or_default(),
        loc.map(|l| format!("{:.6}", l.lat)).unwrap_or_default(),
        loc.map(|l| format!("{:.6}", l.lon)).unwrap_or_default(),
        loc.and_then(|l| l.place.clone()).unwrap_or_default(),
    ];
    let rows: Vec<[String; 5]> = file
        .scan
        .findings
        .iter()
        .map(|f| {
            [
                f.category.name().into(),
                f.block.clone(),
                f.tag.clone(),
                f.value.clone(),
                f.removed.to_string(),
            ]
        })
        .collect();
    for row in if rows.is_empty() {
        vec![Default::default()]
    } else {
        rows
    } {
        let fields: Vec<String> = head
            .iter()
            .chain(row.iter())
            .map(|v| csv_field(v))
            .collect();
        writeln!(out, "{}", fields.join(","))?;
    }
    Ok(())
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// Terminal colours, off unless writing to a terminal with `NO_COLOR` unset.
#[derive(Clone, Copy, Debug, Default)]
pub struct Colour(pub bool);

impl Colour {
    fn paint(self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }
    fn red(self, text: &str) -> String {
        self.paint("1;31", text)
    }
    fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }
    fn green(self, text: &str) -> String {
        self.paint("32", text)
    }
}

/// The form of the report on standard output.
#[derive(Clone, Copy, Debug)]
pub enum Style {
    /// Text for people, at this detail and with or without colour.
    Human(Detail, Colour),
    /// JSON Lines for scripts.
    Json,
}

/// Writes the report of a run while it runs: each file's block (or JSON
/// line, CSV rows, HTML card) as soon as the file is done, the summary at
/// the end. Only the [`Summary`] grows with the batch, so memory stays
/// bounded whatever the number of files.
///
/// A write error (a closed pipe, a full disk) stops further report output;
/// it is returned by [`Reporter::finish`] and the run itself goes on.
pub struct Reporter<W: Write> {
    out: W,
    style: Style,
    summary: Summary,
    csv: Option<Box<dyn Write>>,
    html: Option<(html::Cards, Box<dyn Write>)>,
    error: Option<io::Error>,
}

impl<W: Write> Reporter<W> {
    /// A report of a `check` (`checked`) or a `clean` written to `out`.
    pub fn new(out: W, style: Style, checked: bool) -> Reporter<W> {
        Reporter {
            out,
            style,
            summary: Summary::new(checked),
            csv: None,
            html: None,
            error: None,
        }
    }

    /// The run writes cleaned copies: the summary says where they are.
    pub fn writing_copies(mut self) -> Reporter<W> {
        self.summary.writes_copies = true;
        self
    }

    /// Also writes the CSV report to `csv`.
    pub fn with_csv(mut self, mut csv: Box<dyn Write>) -> io::Result<Reporter<W>> {
        write_csv_header(&mut csv)?;
        self.csv = Some(csv);
        Ok(self)
    }

    /// Also writes the HTML page to `page` when the run is over.
    pub fn with_html(mut self, page: Box<dyn Write>) -> io::Result<Reporter<W>> {
        self.html = Some((html::Cards::new()?, page));
        Ok(self)
    }

    /// Reports one entry of a run: a file, a skipped path or a note.
    pub fn done(&mut self, done: &Done) {
        match done {
            Done::File(file) => self.file(file),
            Done::Skipped(skip) => self.skipped(skip),
            Done::Note(fallback) => {
                let lang = match self.style {
                    Style::Json => Lang::En,
                    Style::Human(..) => crate::i18n::current(),
                };
                self.note(&fallback.text(lang))
            }
        }
    }

    /// Reports a path that was not processed, with its reason.
    pub fn skipped(&mut self, skip: &Skip) {
        self.summary.skipped += 1;
        let result = match self.style {
            _ if self.error.is_some() => return,
            Style::Json => writeln!(self.out, "{}", SkipEvent::of(skip).to_line()),
            Style::Human(Detail::Quiet, _) => Ok(()),
            Style::Human(_, colour) => writeln!(
                self.out,
                "{}: {} — {}",
                one_line(&skip.path.to_string_lossy()),
                colour.yellow(&t!("status-skipped")),
                skip.reason.describe(crate::i18n::current())
            ),
        };
        if let Err(e) = result {
            self.error = Some(e);
        }
    }

    /// Says something about the files that follow (where their copies go).
    pub fn note(&mut self, note: &str) {
        let result = match self.style {
            _ if self.error.is_some() => return,
            Style::Json => writeln!(self.out, "{}", NoteEvent::of(note).to_line()),
            Style::Human(_, colour) => writeln!(self.out, "{}", colour.bold(note)),
        };
        if let Err(e) = result {
            self.error = Some(e);
        }
    }

    /// Reports one finished file.
    pub fn file(&mut self, file: &FileReport) {
        self.summary.add(file);
        if self.error.is_some() {
            return;
        }
        let result = self.write_file(file);
        if let Err(e) = result {
            self.error = Some(e);
        }
    }

    fn write_file(&mut self, file: &FileReport) -> io::Result<()> {
        match self.style {
            Style::Json => writeln!(self.out, "{}", FileEvent::of(file).to_line())?,
            Style::Human(detail, colour) => write_file(file, detail, colour, &mut self.out)?,
        }
        if let Some(csv) = &mut self.csv {
            write_csv_rows(file, csv)?;
        }
        if let Some((cards, _)) = &mut self.html {
            cards.add(file)?;
        }
        Ok(())
    }

    /// Writes the summary (and the HTML page) and returns the summary.
    pub fn finish(mut self) -> io::Result<Summary> {
        self.summary.finish();
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        match self.style {
            Style::Json => writeln!(self.out, "{}", SummaryEvent::of(&self.summary).to_line())?,
            Style::Human(_, colour) => write_summary(&self.summary, colour, &mut self.out)?,
        }
        self.out.flush()?;
        if let Some(csv) = &mut self.csv {
            csv.flush()?;
        }
        if let Some((cards, mut page)) = self.html.take() {
            cards.finish(&self.summary, &mut page)?;
            page.flush()?;
        }
        Ok(self.summary)
    }
}

/// Writes the human report: a block per file, then the summary.
pub fn write_human(
    batch: &Batch,
    detail: Detail,
    colour: Colour,
    out: &mut impl Write,
) -> io::Result<()> {
    for file in &batch.files {
        write_file(file, detail, colour, out)?;
    }
    write_summary(&Summary::of(batch), colour, out)
}

fn write_file(
    file: &FileReport,
    detail: Detail,
    colour: Colour,
    out: &mut impl Write,
) -> io::Result<()> {
    let path = one_line(&file.path.to_string_lossy());
    let word = status_text(file.status);
    let word = match file.status {
        Status::Failed | Status::Refused => colour.red(&word),
        Status::Leaks => colour.yellow(&word),
        _ => colour.green(&word),
    };
    match (&file.error, &file.output) {
        (Some(error), _) => {
            writeln!(
                out,
                "{path}: {word} — {}",
                error.advice.text(crate::i18n::current())
            )?;
            if detail == Detail::Verbose {
                writeln!(out, "    detail: {}", one_line(&error.message))?;
            }
        }
        _ if detail == Detail::Quiet => return Ok(()),
        (None, Some(output)) => writeln!(
            out,
            "{path}: {word} -> {}",
            one_line(&output.to_string_lossy())
        )?,
        (None, None) => writeln!(out, "{path}: {word}")?,
    }
    if detail == Detail::Quiet {
        return Ok(());
    }
    for note in &file.scan.damage {
        writeln!(out, "    {:<9} {}", "damaged", one_line(note))?;
    }
    if detail == Detail::Verbose {
        for f in &file.scan.findings {
            let fate = if f.removed {
                t!("fate-removed")
            } else {
                t!("fate-kept")
            };
            writeln!(
                out,
                "    {:<9} {} {} = {} ({fate})",
                category_text(f.category),
                f.block,
                f.tag,
                f.value
            )?;
        }
        return Ok(());
    }
    for category in Category::ALL {
        let found: Vec<&Finding> = file
            .scan
            .findings
            .iter()
            .filter(|f| f.category == category)
            .collect();
        if let Some(line) = category_line(category, &found, file) {
            writeln!(out, "    {:<9} {line}", category_text(category))?;
        }
    }
    Ok(())
}

/// A status in the reader's language.
pub(crate) fn status_text(status: Status) -> String {
    match status {
        Status::Cleaned => t!("status-cleaned"),
        Status::AlreadyClean => t!("status-already-clean"),
        Status::Leaks => t!("status-would-leak"),
        Status::Refused => t!("status-refused"),
        Status::Failed => t!("status-failed"),
        Status::Skipped => t!("status-skipped"),
    }
}

/// "3 would leak": how many files ended with a status.
fn status_count(status: Status, files: usize) -> String {
    match status {
        Status::Cleaned => t!("count-cleaned", files = files),
        Status::AlreadyClean => t!("count-already-clean", files = files),
        Status::Leaks => t!("count-would-leak", files = files),
        Status::Refused => t!("count-refused", files = files),
        Status::Failed => t!("count-failed", files = files),
        Status::Skipped => t!("count-skipped", files = files),
    }
}

/// A category's name in the reader's language.
pub(crate) fn category_text(category: Category) -> String {
    match category {
        Category::Location => t!("category-location"),
        Category::People => t!("category-people"),
        Category::Device => t!("category-device"),
        Category::Time => t!("category-time"),
        Category::Preview => t!("category-preview"),
        Category::Text => t!("category-text"),
        Category::Rendering => t!("category-rendering"),
        Category::Unknown => t!("category-unknown"),
    }
}

/// A status as JSON and CSV write it (English and stable: scripts read
/// it): `cleaned`, `already-clean`, `leaks`, `refused`, `failed`, `skipped`.
pub(crate) fn status_code(status: Status) -> &'static str {
    match status {
        Status::Cleaned => "cleaned",
        Status::AlreadyClean => "already-clean",
        Status::Leaks => "leaks",
        Status::Refused => "refused",
        Status::Failed => "failed",
        Status::Skipped => "skipped",
    }
}

/// One line for one category: its values (a location as coordinates and
/// place), and whether they were removed.
fn category_line(category: Category, found: &[&Finding], file: &FileReport) -> Option<String> {
    if found.is_empty() {
        return None;
    }
    let values = if category == Category::Rendering {
        let mut tags: Vec<&str> = Vec::new();
        for f in found {
            if !tags.contains(&f.tag.as_str()) {
                tags.push(&f.tag);
            }
        }
        tags.join(", ")
    } else {
        sample_values(category, found, file)
    };
    Some(format!("{values} [{}]", fate(found, file.status)))
}

/// Up to four values, a location first as coordinates.
fn sample_values(category: Category, found: &[&Finding], file: &FileReport) -> String {
    let mut values: Vec<String> = match (category, main_location(file)) {
        (Category::Location, Some(loc)) => vec![describe_location(loc)],
        _ => Vec::new(),
    };
    let described = !values.is_empty();
    for f in found.iter().take_while(|_| !described) {
        let value = format!("{}: {}", f.tag, f.value);
        if values.len() < 4 && !values.contains(&value) {
            values.push(value);
        }
    }
    let more = found.len().saturating_sub(values.len());
    match more {
        0 => values.join("; "),
        n => t!("and-more", values = values.join("; "), more = n),
    }
}

/// Whether a category's findings were (or would be) removed.
fn fate(found: &[&Finding], status: Status) -> String {
    if matches!(status, Status::Failed | Status::Refused) {
        return "still in the file: no cleaned copy was made".into();
    }
    let removed = found.iter().filter(|f| f.removed).count();
    let checking = matches!(status, Status::Leaks | Status::AlreadyClean);
    let all = found.len();
    match (removed, checking) {
        (0, _) => t!("fate-kept"),
        (n, true) if n == all => t!("fate-would-remove"),
        (n, true) => t!("fate-would-remove-some", removed = n, found = all),
        (n, false) if n == all => t!("fate-removed"),
        (n, false) => t!("fate-removed-some", removed = n, found = all),
    }
}

/// Coordinates with altitude, accuracy and the nearest town.
pub fn describe_location(loc: &Location) -> String {
    if let Some(why) = &loc.invalid {
        return t!("location-invalid", why = why.as_str());
    }
    let mut s = format!("{:.6}, {:.6}", loc.lat, loc.lon);
    if let Some(alt) = loc.alt {
        s += ", ";
        s += &t!("location-altitude", metres = whole_metres(alt));
    }
    if let Some(acc) = loc.accuracy {
        s += ", ";
        s += &t!("location-accuracy", metres = whole_metres(acc));
    }
    if let Some(place) = place_words(loc.lat, loc.lon).or_else(|| loc.place.clone()) {
        s += &format!(" — {place}");
    }
    s
}

/// Metres as a whole number, never "-0".
pub(crate) fn whole_metres(metres: f64) -> String {
    let rounded = metres.round();
    format!("{}", if rounded == 0.0 { 0.0 } else { rounded })
}

/// The place a person would name for a point, in the reader's language
/// ("in Haarlem, Noord-Holland, Nederland"), or `None` without a place
/// table.
pub(crate) fn place_words(lat: f64, lon: f64) -> Option<String> {
    place_words_in(crate::i18n::current(), lat, lon)
}

/// [`place_words`] in `lang`.
pub(crate) fn place_words_in(lang: Lang, lat: f64, lon: f64) -> Option<String> {
    let near = geo::nearest_for(lat, lon, lang.code())?;
    let town = [near.town, near.region, near.country]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    Some(match (near.at_sea, near.said_km) {
        (true, Some(km)) => t!(in lang; "place-at-sea-from", km = km, town = town),
        (true, None) => t!(in lang; "place-at-sea-off", town = town),
        (false, Some(km)) => t!(in lang; "place-from", km = km, town = town),
        (false, None) => t!(in lang; "place-in", town = town),
    })
}

fn write_summary(s: &Summary, colour: Colour, out: &mut impl Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "{}", s.counts_line())?;
    write_findings_summary(s, colour, out)?;
    if s.writes_copies {
        writeln!(
            out,
            "\n{}",
            colour.bold(&crate::messages::copies_are_in(&s.output_folders))
        )?;
    }
    Ok(())
}

fn write_findings_summary(s: &Summary, colour: Colour, out: &mut impl Write) -> io::Result<()> {
    if s.found.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n{}", colour.bold(&t!("summary-heading")))?;
    write_places(s, colour, out)?;
    list_line(out, &t!("summary-names"), &s.names)?;
    if !s.texts.is_empty() {
        let quoted: Vec<String> = s.texts.iter().map(|t| quote(t)).collect();
        list_line(out, &t!("summary-texts"), &quoted)?;
    }
    list_line(out, &t!("summary-serials"), &s.serials)?;
    if s.previews > 0 {
        writeln!(out, "  {}", t!("summary-previews", previews = s.previews))?;
    }
    if s.unreadable > 0 {
        writeln!(out, "  {}", t!("summary-unreadable", blocks = s.unreadable))?;
    }
    if let Some(dates) = dates_line(s) {
        writeln!(out, "  {dates}")?;
    }
    writeln!(out, "  {}", fate_line(s))
}

/// The places you return to, then every place with its photos.
fn write_places(s: &Summary, colour: Colour, out: &mut impl Write) -> io::Result<()> {
    for place in s.places.iter().filter(|p| p.repeated) {
        writeln!(out, "  {}", colour.red(&return_place_line(place)))?;
        writeln!(
            out,
            "      {:.6}, {:.6}  {}",
            place.lat, place.lon, place.link
        )?;
        let details = t!(
            "summary-return-details",
            days = place.days.join(", "),
            files = place.files.join(", ")
        );
        writeln!(out, "      {details}")?;
    }
    if s.with_location > 0 {
        writeln!(out, "  {}", t!("summary-located", photos = s.with_location))?;
        for place in &s.places {
            let count = t!("n-photos", photos = place.files.len());
            writeln!(out, "    {} — {count}", place.name)?;
            writeln!(
                out,
                "      {:.6}, {:.6}  {}",
                place.lat, place.lon, place.link
            )?;
        }
    }
    if s.invalid_locations > 0 {
        writeln!(
            out,
            "  {}",
            t!("summary-invalid", photos = s.invalid_locations)
        )?;
    }
    Ok(())
}

/// "A place you return to — …: 5 photos on 3 different days, in Haarlem".
pub(crate) fn return_place_line(place: &Place) -> String {
    t!(
        "summary-return-place",
        photos = place.files.len(),
        days = place.days.len(),
        place = place.name.as_str()
    )
}

/// "Taken between … and …", or "Taken on …" for one day.
pub(crate) fn dates_line(s: &Summary) -> Option<String> {
    let (first, last) = s.dates.as_ref()?;
    Some(match first == last {
        true => t!("summary-taken-on", day = first.as_str()),
        false => t!(
            "summary-dates",
            first = first.as_str(),
            last = last.as_str()
        ),
    })
}

/// What was, or would be, done with all of it.
pub(crate) fn fate_line(s: &Summary) -> String {
    match s.checked {
        true => t!("summary-fate-check"),
        false => t!("summary-fate-clean"),
    }
}

/// Free text in quotes, shortened to one line.
pub(crate) fn quote(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let short: String = line.chars().take(80).collect();
    let more = if short.len() < line.len() { "…" } else { "" };
    format!("\u{201c}{short}{more}\u{201d}")
}

fn list_line(out: &mut impl Write, label: &str, items: &[String]) -> io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(out, "  {label}: {}", items.join(", "))
}

/// Photos taken at one place (within 150 m of each other).
pub struct Place {
    pub lat: f64,
    pub lon: f64,
    /// The town in the reader's words, or the coordinates.
    pub name: String,
    /// The same in English, for JSON (which is the same in every language).
    pub name_en: String,
    pub link: String,
    pub files: Vec<String>,
    pub days: Vec<String>,
    /// Photos from two or more days: likely home, school or a club.
    pub repeated: bool,
}

/// What the whole run found, for the closing summary of every format.
/// Built one file at a time ([`Summary::add`]), so a batch of any size is
/// summarised without keeping its reports.
#[derive(Default)]
pub struct Summary {
    /// Files reported (not counting skipped ones).
    pub files: usize,
    /// Paths not processed: not photos or videos, symlinks, paths met twice,
    /// folders of cleaned copies.
    pub skipped: usize,
    /// The folders that received cleaned copies (photoscrub's folder of
    /// copies, or the copy's own folder), top-most only after [`Summary::finish`].
    pub output_folders: Vec<String>,
    /// The run writes cleaned copies (not a check, `--in-place` or standard
    /// output): the summary ends by saying where they are.
    pub writes_copies: bool,
    /// Each folder a copy went into, and the folder reported for it.
    copy_folders: BTreeMap<std::path::PathBuf, String>,
    /// A `check` (nothing written) rather than a `clean`.
    pub checked: bool,
    statuses: BTreeMap<&'static str, usize>,
    /// Every valid location, in report order, with the file's path.
    pub located: Vec<(geo::Point, String)>,
    pub with_location: usize,
    pub invalid_locations: usize,
    /// Repeated places first, then by number of photos (set by [`Summary::finish`]).
    pub places: Vec<Place>,
    pub names: Vec<String>,
    pub serials: Vec<String>,
    /// Captions, titles, comments, keywords: free text, quoted as written.
    pub texts: Vec<String>,
    /// Metadata blocks photoscrub could not read (always removed).
    pub unreadable: usize,
    pub dates: Option<(String, String)>,
    pub previews: usize,
    pub found: BTreeMap<String, usize>,
    pub removed: BTreeMap<String, usize>,
    pub kept: BTreeMap<String, usize>,
}

impl Summary {
    /// An empty summary of a `check` (`checked`) or a `clean`.
    pub fn new(checked: bool) -> Summary {
        Summary {
            checked,
            ..Summary::default()
        }
    }

    /// The finished summary of a whole batch.
    pub fn of(batch: &Batch) -> Summary {
        let mut s = Summary::new(batch.checked);
        for file in &batch.files {
            s.add(file);
        }
        s.skipped = batch.skipped;
        s.finish();
        s
    }

    /// Counts one file in.
    pub fn add(&mut self, file: &FileReport) {
        self.files += 1;
        self.add_output(file);
        *self.statuses.entry(status_code(file.status)).or_default() += 1;
        match main_location(file) {
            Some(loc) if loc.invalid.is_none() => {
                let point = geo::Point {
                    lat: loc.lat,
                    lon: loc.lon,
                    day: file.scan.day_taken(),
                };
                self.located
                    .push((point, file.path.to_string_lossy().into_owned()));
            }
            Some(_) => self.invalid_locations += 1,
            None => {}
        }
        for f in &file.scan.findings {
            self.add_finding(f);
        }
    }

    /// Notes the folder of a copy written next to the originals or into
    /// `--out` (not over the original).
    fn add_output(&mut self, file: &FileReport) {
        let written = matches!(file.status, Status::Cleaned | Status::AlreadyClean);
        let Some(folder) = file.output.as_deref().and_then(std::path::Path::parent) else {
            return;
        };
        if !written || file.output.as_deref() == Some(file.path.as_path()) {
            return;
        }
        if !self.copy_folders.contains_key(folder) {
            let shown =
                crate::copies::marked_folder_of(folder).unwrap_or_else(|| folder.to_path_buf());
            let shown = one_line(&shown.to_string_lossy());
            self.copy_folders.insert(folder.to_path_buf(), shown);
        }
    }

    /// Groups the located photos into places, once every file is in.
    pub fn finish(&mut self) {
        let mut folders: Vec<String> = self.copy_folders.values().cloned().collect();
        folders.sort();
        folders.dedup();
        let inside = |f: &String, other: &String| {
            f != other && std::path::Path::new(f).starts_with(std::path::Path::new(other))
        };
        self.output_folders = folders
            .iter()
            .filter(|f| !folders.iter().any(|o| inside(f, o)))
            .cloned()
            .collect();
        self.with_location = self.located.len();
        self.places = places(&self.located);
    }

    fn add_finding(&mut self, f: &Finding) {
        *self.found.entry(f.category.name().to_string()).or_default() += 1;
        let counts = if f.removed {
            &mut self.removed
        } else {
            &mut self.kept
        };
        *counts.entry(f.category.name().to_string()).or_default() += 1;
        match f.category {
            Category::People => push_unique(&mut self.names, &f.value),
            Category::Device if f.tag.contains("Serial") => {
                push_unique(&mut self.serials, &f.value)
            }
            Category::Text => push_unique(&mut self.texts, &f.value),
            Category::Unknown => self.unreadable += 1,
            Category::Time => {
                if let Some(day) = photoscrub_core::findings::day_of(&f.value) {
                    self.dates = Some(match self.dates.take() {
                        None => (day.clone(), day),
                        Some((a, b)) => (a.min(day.clone()), b.max(day)),
                    });
                }
            }
            Category::Preview => self.previews += 1,
            _ => {}
        }
    }

    /// How many files ended with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.statuses.get(status_code(status)).copied().unwrap_or(0)
    }

    pub(crate) fn counts_line(&self) -> String {
        let mut parts = Vec::new();
        for status in [
            Status::Cleaned,
            Status::Leaks,
            Status::AlreadyClean,
            Status::Refused,
            Status::Failed,
        ] {
            let n = self.count(status);
            if n > 0 {
                parts.push(status_count(status, n));
            }
        }
        let mut line = match parts.is_empty() {
            true if self.files == 0 => t!("counts-no-files"),
            true => t!("counts-line", files = self.files, parts = t!("counts-none")),
            false => t!("counts-line", files = self.files, parts = parts.join(", ")),
        };
        if self.skipped > 0 {
            line += "; ";
            line += &t!("counts-skipped", skipped = self.skipped);
        }
        line
    }
}

/// Clusters the located photos and names each place.
fn places(located: &[(geo::Point, String)]) -> Vec<Place> {
    let points: Vec<geo::Point> = located.iter().map(|(p, _)| p.clone()).collect();
    let mut places: Vec<Place> = geo::clusters(&points)
        .into_iter()
        .map(|c| {
            let coordinates = || format!("{:.6}, {:.6}", c.lat, c.lon);
            let name = place_words(c.lat, c.lon).unwrap_or_else(coordinates);
            let name_en = place_words_in(Lang::En, c.lat, c.lon).unwrap_or_else(coordinates);
            let loc = geo::location(c.lat, c.lon, None, "");
            Place {
                lat: c.lat,
                lon: c.lon,
                name,
                name_en,
                link: loc.osm_link(),
                files: c.members.iter().map(|&i| located[i].1.clone()).collect(),
                repeated: c.is_repeated(),
                days: c.days,
            }
        })
        .collect();
    places.sort_by_key(|p| (!p.repeated, std::cmp::Reverse(p.files.len())));
    places
}

/// How many values of one kind a summary lists; the rest are counted.
const LISTED_VALUES: usize = 20;

/// Adds a value a person can read to a summary list, once.
///
/// The rule: empty parts of a comma-separated value are dropped
/// ("022070029137, , , ," → "022070029137"); then a value is left out when
/// it is empty, has no letter or digit (",,,", "`?W"), holds a control
/// character or a decoding's replacement character (binary data), or is a
/// placeholder a camera writes for "nothing" (one character repeated, as
/// "0000000000"; "unknown", "none", "n/a", "null", "true", "false",
/// "default"). A parent cannot act on those, and the file's own line
/// and the JSON still show them.
fn push_unique(list: &mut Vec<String>, value: &str) {
    let parts: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let value = parts.join(", ");
    let listed = is_readable(&value) && !is_placeholder(&value);
    if list.len() < LISTED_VALUES && listed && !list.contains(&value) {
        list.push(value);
    }
}

fn is_placeholder(value: &str) -> bool {
    const WORDS: [&str; 7] = ["unknown", "none", "n/a", "null", "true", "false", "default"];
    let mut chars = value.chars();
    let first = chars.next();
    let repeated = value.chars().count() > 1 && chars.all(|c| Some(c) == first);
    repeated || WORDS.iter().any(|w| value.eq_ignore_ascii_case(w))
}

fn is_readable(value: &str) -> bool {
    !value.is_empty()
        && value.chars().any(char::is_alphanumeric)
        && !value
            .chars()
            .any(|c| c == '\u{fffd}' || (c.is_control() && c != '\n' && c != '\t'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_lists_only_values_a_person_can_read() {
        let mut names = Vec::new();
        for v in [
            "",
            " , , ",
            "`\u{fffd}W",
            "a\u{1}b",
            "Jane Parent",
            " Jane Parent ",
            "Emma",
            "0000000000",
            "Unknown",
            "True",
            "022070029137, , , , ,",
            "0",
        ] {
            push_unique(&mut names, v);
        }
        assert_eq!(names, ["Jane Parent", "Emma", "022070029137", "0"]);
    }

    #[test]
    fn captions_are_quoted_on_one_line() {
        assert_eq!(
            quote("Emma's first day\nat Oak Street School"),
            "\u{201c}Emma's first day at Oak Street School\u{201d}"
        );
        assert!(quote(&"x".repeat(200)).ends_with("…\u{201d}"));
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn wtf8_keeps_unpaired_surrogates_and_pairs_the_others() {
        // a, U+D800 alone, b
        assert_eq!(wtf8([0x61, 0xD800, 0x62]), [0x61, 0xED, 0xA0, 0x80, 0x62]);
        // U+DC00 alone, then a lone high surrogate at the end
        assert_eq!(wtf8([0xDC00, 0xDBFF]), [0xED, 0xB0, 0x80, 0xED, 0xAF, 0xBF]);
        // A pair is one supplementary character, as in UTF-8.
        assert_eq!(wtf8([0xD83D, 0xDE00]), "\u{1F600}".as_bytes());
        assert_eq!(wtf8("Zoë.jpg".encode_utf16()), "Zoë.jpg".as_bytes());
    }

    #[cfg(unix)]
    #[test]
    fn exact_bytes_are_the_unix_name() {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"in/\xff.jpg");
        assert_eq!(exact_bytes(name), b"in/\xff.jpg");
        let path = std::path::Path::new(name);
        assert_eq!(
            event::non_unicode_bytes(path),
            Some(vec![105, 110, 47, 255, 46, 106, 112, 103])
        );
        assert_eq!(
            event::non_unicode_bytes(std::path::Path::new("in/a.jpg")),
            None
        );
    }

    #[cfg(windows)]
    #[test]
    fn exact_bytes_are_the_windows_name_in_wtf8() {
        use std::os::windows::ffi::OsStringExt;
        let name = std::ffi::OsString::from_wide(&[0x69, 0x6E, 0x5C, 0xD800, 0x2E, 0x6A]);
        let path = std::path::Path::new(&name);
        assert_eq!(
            event::non_unicode_bytes(path),
            Some(vec![105, 110, 92, 0xED, 0xA0, 0x80, 46, 106])
        );
        // std keeps such names in WTF-8 too (unspecified, so not relied on).
        assert_eq!(exact_bytes(&name), name.as_encoded_bytes());
        assert_eq!(
            event::non_unicode_bytes(std::path::Path::new("in\\a.jpg")),
            None
        );
    }
}
