//! XMP packets: a small, tolerant RDF/XML reader that turns every property
//! into a [`Finding`], and a filter that cuts the properties a policy
//! removes out of a packet.
//!
//! [`scan`] *explains* what a packet would have told a stranger. It never
//! fails: bytes that are not XML give fewer findings, not an error.
//! [`filter`] is strict instead: it rewrites only packets it reads with
//! certainty, and its callers drop the whole packet otherwise. It has no XML
//! dependency on purpose: it expands only the five predefined entities and
//! numeric character references (no DTD entities), runs in one pass in linear
//! time, and never nests deeper than [`MAX_DEPTH`] elements.
//!
//! Properties are found both in attribute form
//! (`<rdf:Description exif:GPSLatitude="52,22.2N">`) and in element form,
//! including arrays (`rdf:Bag`/`rdf:Seq`/`rdf:Alt`, whose simple items are
//! joined with ", ") and structures (`rdf:parseType="Resource"`, nested
//! `rdf:Description`, or fields written as attributes). Prefixes are resolved
//! through their `xmlns` declarations, and every tag is reported with the
//! conventional prefix of its namespace (`exif:`, `dc:`, `photoshop:`, …).

use crate::findings::{Category, Finding, Scan};
use crate::geo;
use crate::policy::Policy;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

/// Elements nested deeper than this are skipped (their end tags are still
/// counted, so the rest of the packet is read normally).
const MAX_DEPTH: usize = 100;
/// At most this many findings per tag; the rest are counted in one summary.
const MAX_PER_TAG: usize = 32;
/// At most this many findings per packet; the rest are counted by category.
const MAX_FINDINGS: usize = 1000;
/// At most this many coordinate sets are decoded from one packet.
const MAX_FIXES: usize = 64;

/// Turns an XMP packet (RDF/XML, from a JPEG APP1, a PNG iTXt chunk, a HEIF
/// item, …) into findings, one per property value, and decodes
/// `exif:GPSLatitude`/`GPSLongitude` (and the like) into locations.
///
/// Never panics: invalid UTF-8 is read lossily (UTF-16 packets are
/// recognised), and a truncated or broken packet yields whatever could be
/// read before the damage.
pub fn scan(packet: &[u8], block: &str) -> Scan {
    let text = decode_text(packet);
    let mut walker = Walker::new(Sink::new(block), None);
    for (token, span) in Tokens::new(&text) {
        match token {
            Token::Start { name, attrs, empty } => walker.start(name, &attrs, empty, span),
            Token::End(_) => walker.end(span.end),
            Token::Text(text) => walker.text(&text, span),
            Token::Markup(_) => {}
        }
    }
    walker.sink.finish()
}

/// The `tiff:Orientation` a packet gives (1–8), for a photo whose EXIF has
/// none. (Not read yet: `None`.)
pub fn orientation(_packet: &[u8]) -> Option<u32> {
    None
}

/// A valid XMP packet without any property, padded with whitespace to
/// exactly `len` bytes, or `None` if `len` is too small to hold one. Used to
/// overwrite an XMP item in place (whitespace alone is not valid XMP).
pub fn minimal_packet(len: usize) -> Option<Vec<u8>> {
    const HEAD: &str = concat!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n",
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">",
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"/>",
        "</x:xmpmeta>\n"
    );
    const TAIL: &str = "<?xpacket end=\"w\"?>";
    let padding = len.checked_sub(HEAD.len() + TAIL.len())?;
    let mut packet = Vec::with_capacity(len);
    packet.extend_from_slice(HEAD.as_bytes());
    packet.extend((0..padding).map(|i| {
        if i % 100 == 99 || i + 1 == padding {
            b'\n'
        } else {
            b' '
        }
    }));
    packet.extend_from_slice(TAIL.as_bytes());
    Some(packet)
}

/// The packet with only the properties that `policy` keeps, or `None` if
/// none would be left or the packet cannot be rewritten with certainty (the
/// caller then drops the whole packet).
///
/// Each top-level property — an attribute of a top-level `rdf:Description`
/// (or of the `x:xmpmeta` wrapper, like `x:xmptk`), or a property element
/// with everything inside it — is kept as written only if every value in it
/// is of a category the policy keeps: a structure with one removed value
/// (a face region with a name, a contact address with a city) goes whole.
/// `xmpNote:HasExtendedXMP` always goes (extended XMP is always dropped).
/// Namespace declarations, `rdf:about=""`, white space and the `xpacket`
/// wrapper stay; comments, other processing instructions, stray text and
/// anything the reader does not understand go.
///
/// Only well-formed UTF-8 packets are rewritten: balanced tags, quoted
/// attributes, no DOCTYPE, nothing nested too deep. The result is read again
/// before it is returned: it must hold the same properties as planned and no
/// finding of a removed category.
pub fn filter(packet: &[u8], policy: &Policy) -> Option<Vec<u8>> {
    let Cow::Borrowed(text) = decode_text(packet) else {
        return None;
    };
    let tracker = properties(text)?;
    let removed = Category::ALL
        .into_iter()
        .filter(|&c| policy.removes(c))
        .fold(0, |set, c| set | bit(c));
    let mut cuts = tracker.cuts;
    let mut kept = false;
    for unit in tracker.units {
        if unit.kept(removed) {
            kept |= !unit.wrapper;
        } else if unit.element {
            cuts.push(with_line(text, unit.range));
        } else {
            cuts.push(unit.range);
        }
    }
    if !kept {
        return None;
    }
    let out = cut(text, cuts);
    let check = properties(&out)?;
    if !check.cuts.is_empty() || !check.units.iter().all(|u| u.kept(removed)) {
        return None;
    }
    let rescan = scan(out.as_bytes(), "XMP");
    let left_over = rescan
        .findings
        .iter()
        .any(|f| policy.removes(f.category) || f.tag == "xmpNote:HasExtendedXMP");
    if rescan.findings.is_empty() || left_over {
        return None;
    }
    Some(out.into_bytes())
}

/// The bit of `category` in a set of categories.
fn bit(category: Category) -> u8 {
    1 << category as u8
}

/// Where the top-level properties of a packet are and what they hold, or
/// `None` if the packet is not well-formed enough to be cut with certainty.
fn properties(text: &str) -> Option<Tracker> {
    let mut walker = Walker::new(Sink::new("XMP"), Some(Tracker::default()));
    let mut tokens = Tokens::new(text);
    let mut open: Vec<&str> = Vec::new();
    for (token, span) in tokens.by_ref() {
        match token {
            Token::Start { name, attrs, empty } => {
                if !empty {
                    open.push(name);
                }
                walker.start(name, &attrs, empty, span);
            }
            Token::End(name) => {
                if open.pop() != Some(name) {
                    return None;
                }
                walker.end(span.end);
            }
            Token::Text(value) => walker.text(&value, span),
            Token::Markup(Markup::XPacket) => {}
            Token::Markup(Markup::Other) => walker.tracker.as_mut()?.cuts.push(span),
            Token::Markup(Markup::Declaration) => return None,
        }
    }
    let tracker = walker.tracker.take()?;
    let certain = !tokens.sloppy && open.is_empty() && !tracker.doubtful;
    (certain && tracker.open.is_none()).then_some(tracker)
}

/// `range` with the blanks before it and the line break before those, so
/// that cutting an element does not leave an empty line.
fn with_line(text: &str, range: Range<usize>) -> Range<usize> {
    let bytes = text.as_bytes();
    let mut start = range.start;
    while start > 0 && matches!(bytes[start - 1], b' ' | b'\t') {
        start -= 1;
    }
    if start > 0 && bytes[start - 1] == b'\n' {
        start -= 1;
        if start > 0 && bytes[start - 1] == b'\r' {
            start -= 1;
        }
    }
    start..range.end
}

/// `text` without the (possibly overlapping) `cuts`.
fn cut(text: &str, mut cuts: Vec<Range<usize>>) -> String {
    cuts.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in cuts {
        if r.start > at {
            out.push_str(&text[at..r.start]);
        }
        at = at.max(r.end);
    }
    out.push_str(&text[at.min(text.len())..]);
    out
}

/// The top-level properties of a packet being filtered, and what else is
/// cut from it whatever the policy.
#[derive(Default)]
struct Tracker {
    units: Vec<Unit>,
    /// The property being read.
    open: Option<usize>,
    /// Text, attributes and markup outside every property that the reader
    /// ignores: cut.
    cuts: Vec<Range<usize>>,
    /// Something outside every property could not be read (nested too deep).
    doubtful: bool,
}

/// One top-level property.
struct Unit {
    /// Its bytes (for an attribute, with the white space before it).
    range: Range<usize>,
    /// An element (else an attribute).
    element: bool,
    /// The categories of its values, one bit each.
    marks: u8,
    /// Cut whatever the policy: not a property, `xmpNote:HasExtendedXMP`,
    /// or not wholly read.
    forced: bool,
    /// An attribute of the `x:xmpmeta` wrapper (`x:xmptk`).
    wrapper: bool,
}

impl Unit {
    /// Whether it stays when the categories in `removed` are removed: it
    /// says something, and nothing it says is removed.
    fn kept(&self, removed: u8) -> bool {
        !self.forced && self.marks != 0 && self.marks & removed == 0
    }
}

impl Tracker {
    fn open(&mut self, range: Range<usize>, element: bool, forced: bool) {
        self.units.push(Unit {
            range,
            element,
            marks: 0,
            forced,
            wrapper: false,
        });
        self.open = Some(self.units.len() - 1);
    }

    /// Ends the open property (at `end`, for an element) with the
    /// categories of its values.
    fn close(&mut self, end: Option<usize>, marks: u8, wrapper: bool) {
        if let Some(unit) = self.open.take().and_then(|i| self.units.get_mut(i)) {
            if let Some(end) = end {
                unit.range.end = end;
            }
            unit.marks = marks;
            unit.wrapper = wrapper;
        }
    }

    /// Something could not be read: the open property goes whole, and
    /// outside any property the packet is not rewritten.
    fn doubt(&mut self) {
        match self.open.and_then(|i| self.units.get_mut(i)) {
            Some(unit) => unit.forced = true,
            None => self.doubtful = true,
        }
    }
}

/// The packet as text: UTF-16 if it starts like UTF-16, else lossy UTF-8.
fn decode_text(bytes: &[u8]) -> Cow<'_, str> {
    let units = |big_endian: bool| {
        bytes
            .chunks_exact(2)
            .map(|p| {
                if big_endian {
                    u16::from_be_bytes([p[0], p[1]])
                } else {
                    u16::from_le_bytes([p[0], p[1]])
                }
            })
            .collect::<Vec<u16>>()
    };
    match bytes {
        [0xFE, 0xFF, ..] | [0, b'<', ..] => Cow::Owned(String::from_utf16_lossy(&units(true))),
        [0xFF, 0xFE, ..] | [b'<', 0, ..] => Cow::Owned(String::from_utf16_lossy(&units(false))),
        _ => String::from_utf8_lossy(bytes),
    }
}

// ---------------------------------------------------------------------------
// Tokenizer: markup in, start tags / end tags / text out.

/// An attribute: its qualified name as written, its unescaped value, and
/// its place in the start tag (relative to the tag's `<`, with the white
/// space before it).
type Attr<'a> = (&'a str, Cow<'a, str>, Range<usize>);
/// An attribute's name and unescaped value.
type NameValue<'a> = (&'a str, Cow<'a, str>);

/// One piece of XML.
enum Token<'a> {
    /// A start tag; `empty` for `<a/>`. Attribute values are unescaped.
    Start {
        name: &'a str,
        attrs: Vec<Attr<'a>>,
        empty: bool,
    },
    /// An end tag with its name (the reader does not check it: tags are
    /// popped in order).
    End(&'a str),
    /// Character data, unescaped (CDATA sections verbatim).
    Text(Cow<'a, str>),
    /// A comment, processing instruction or declaration (skipped).
    Markup(Markup),
}

/// What kind of markup a [`Token::Markup`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Markup {
    /// `<?xpacket …?>`, the packet wrapper.
    XPacket,
    /// Any other processing instruction, or a comment.
    Other,
    /// `<!DOCTYPE …>` and the like (may declare entities).
    Declaration,
}

/// Splits text into tokens, each with its byte range. Comments, processing
/// instructions and declarations (DOCTYPE with its internal subset) are
/// returned as [`Token::Markup`]. Ends at the first truncated tag.
struct Tokens<'a> {
    src: &'a str,
    pos: usize,
    /// Set when something was read that well-formed XML would not have: a
    /// truncated or unterminated construct, a stray `<` or `/`, an attribute
    /// without a quoted value.
    sloppy: bool,
}

impl<'a> Tokens<'a> {
    fn new(src: &'a str) -> Self {
        Tokens {
            src,
            pos: 0,
            sloppy: false,
        }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = (Token<'a>, Range<usize>);

    fn next(&mut self) -> Option<(Token<'a>, Range<usize>)> {
        let at = self.pos;
        let rest = self.src.get(at..)?;
        if rest.is_empty() {
            return None;
        }
        let (token, len) = if !rest.starts_with('<') {
            let len = rest.find('<').unwrap_or(rest.len());
            (Token::Text(unescape(&rest[..len])), len)
        } else if let Some(body) = rest.strip_prefix("<![CDATA[") {
            let len = body.find("]]>").unwrap_or(body.len());
            self.sloppy |= len == body.len();
            (
                Token::Text(Cow::Borrowed(&body[..len])),
                9 + (len + 3).min(body.len()),
            )
        } else if let Some((kind, len, closed)) = markup_len(rest) {
            self.sloppy |= !closed;
            (Token::Markup(kind), len)
        } else if let Some(body) = rest.strip_prefix("</") {
            let Some(len) = body.find('>') else {
                self.truncated();
                return None;
            };
            (Token::End(body[..len].trim_end()), len + 3)
        } else {
            let Some((token, len, sloppy)) = start_tag(rest) else {
                self.truncated();
                return None;
            };
            self.sloppy |= sloppy;
            (token, len)
        };
        self.pos += len;
        Some((token, at..at + len))
    }
}

impl Tokens<'_> {
    fn truncated(&mut self) {
        self.pos = self.src.len();
        self.sloppy = true;
    }
}

/// Kind and length of a comment, processing instruction or declaration at
/// the start of `rest` (to its end if unterminated, then `false`), or `None`
/// if it is none of them.
fn markup_len(rest: &str) -> Option<(Markup, usize, bool)> {
    let until = |open: usize, close: &str| {
        rest[open..]
            .find(close)
            .map_or((rest.len(), false), |i| (open + i + close.len(), true))
    };
    if rest.starts_with("<!--") {
        let (len, closed) = until(4, "-->");
        Some((Markup::Other, len, closed))
    } else if rest.starts_with("<?") {
        let (len, closed) = until(2, "?>");
        let kind = if rest.starts_with("<?xpacket") {
            Markup::XPacket
        } else {
            Markup::Other
        };
        Some((kind, len, closed))
    } else if rest.starts_with("<!") {
        let mut depth = 0usize;
        for (i, b) in rest.bytes().enumerate().skip(2) {
            match b {
                b'[' => depth += 1,
                b']' => depth = depth.saturating_sub(1),
                b'>' if depth == 0 => return Some((Markup::Declaration, i + 1, true)),
                _ => {}
            }
        }
        Some((Markup::Declaration, rest.len(), false))
    } else {
        None
    }
}

/// Parses the start tag at the start of `rest` into a token, its length and
/// whether it was sloppy. A `<` not followed by a name is returned as text
/// (sloppy); `None` if truncated.
fn start_tag(rest: &str) -> Option<(Token<'_>, usize, bool)> {
    let bytes = rest.as_bytes();
    let name_len = rest[1..]
        .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
        .unwrap_or(rest.len() - 1);
    if name_len == 0 {
        return Some((Token::Text(Cow::Borrowed("<")), 1, true));
    }
    let name = &rest[1..1 + name_len];
    let mut attrs = Vec::new();
    let mut sloppy = false;
    let mut i = 1 + name_len;
    loop {
        let before = i;
        i = skip_space(bytes, i);
        match *bytes.get(i)? {
            b'>' => {
                let token = Token::Start {
                    name,
                    attrs,
                    empty: false,
                };
                return Some((token, i + 1, sloppy));
            }
            b'/' if bytes.get(i + 1) == Some(&b'>') => {
                let token = Token::Start {
                    name,
                    attrs,
                    empty: true,
                };
                return Some((token, i + 2, sloppy));
            }
            b'/' => {
                sloppy = true;
                i += 1;
            }
            _ => {
                sloppy |= i == before;
                let (attr, next, strict) = attribute(rest, i)?;
                sloppy |= !strict;
                if let Some((name, value)) = attr {
                    attrs.push((name, value, before..next));
                }
                i = next;
            }
        }
    }
}

/// Parses one `name="value"` at `start`; returns it (if it has a name and a
/// value), the position after it and whether it was well-formed (a name and
/// a quoted value). `None` if truncated.
fn attribute(rest: &str, start: usize) -> Option<(Option<NameValue<'_>>, usize, bool)> {
    let bytes = rest.as_bytes();
    let mut i = start;
    while i < bytes.len()
        && !matches!(bytes[i], b'=' | b'>' | b'/')
        && !bytes[i].is_ascii_whitespace()
    {
        i += 1;
    }
    let name = &rest[start..i];
    i = skip_space(bytes, i);
    if bytes.get(i) != Some(&b'=') {
        return Some((None, i, false));
    }
    i = skip_space(bytes, i + 1);
    let quote = *bytes.get(i)?;
    let quoted = quote == b'"' || quote == b'\'';
    let (value, next) = if quoted {
        let end = i + 1 + rest[i + 1..].find(quote as char)?;
        (&rest[i + 1..end], end + 1)
    } else {
        let end = rest[i..]
            .find(|c: char| c.is_ascii_whitespace() || c == '>')
            .map_or(rest.len(), |n| i + n);
        (&rest[i..end], end)
    };
    let attr = (!name.is_empty()).then(|| (name, unescape(value)));
    Some((attr, next, quoted && !name.is_empty()))
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// Expands `&lt; &gt; &amp; &quot; &apos;` and numeric references; any other
/// `&` is kept as it is.
fn unescape(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let name_len = rest.bytes().skip(1).take(12).position(|b| b == b';');
        match name_len.and_then(|n| entity(&rest[1..1 + n]).map(|c| (c, n))) {
            Some((c, n)) => {
                out.push(c);
                rest = &rest[n + 2..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn entity(name: &str) -> Option<char> {
    let code = match name {
        "lt" => return Some('<'),
        "gt" => return Some('>'),
        "amp" => return Some('&'),
        "quot" => return Some('"'),
        "apos" => return Some('\''),
        _ => match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => name.strip_prefix('#')?.parse().ok()?,
        },
    };
    char::from_u32(code)
}

// ---------------------------------------------------------------------------
// Names: prefixes resolved to namespaces, reported with conventional prefixes.

/// Namespaces this module knows, with their conventional prefixes.
const NAMESPACES: &[(&str, &str)] = &[
    ("x", "adobe:ns:meta/"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("xml", "http://www.w3.org/XML/1998/namespace"),
    ("exif", "http://ns.adobe.com/exif/1.0/"),
    ("exifEX", "http://cipa.jp/exif/1.0/"),
    ("tiff", "http://ns.adobe.com/tiff/1.0/"),
    ("aux", "http://ns.adobe.com/exif/1.0/aux/"),
    ("xmp", "http://ns.adobe.com/xap/1.0/"),
    ("xmpMM", "http://ns.adobe.com/xap/1.0/mm/"),
    ("xmpRights", "http://ns.adobe.com/xap/1.0/rights/"),
    ("xmpGImg", "http://ns.adobe.com/xap/1.0/g/img/"),
    ("xmpG", "http://ns.adobe.com/xap/1.0/g/"),
    ("xmpTPg", "http://ns.adobe.com/xap/1.0/t/pg/"),
    ("xmpBJ", "http://ns.adobe.com/xap/1.0/bj/"),
    ("xmpNote", "http://ns.adobe.com/xmp/note/"),
    ("xmpDM", "http://ns.adobe.com/xmp/1.0/DynamicMedia/"),
    ("xmpidq", "http://ns.adobe.com/xmp/Identifier/qual/1.0/"),
    ("stEvt", "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"),
    ("stRef", "http://ns.adobe.com/xap/1.0/sType/ResourceRef#"),
    ("stDim", "http://ns.adobe.com/xap/1.0/sType/Dimensions#"),
    ("stArea", "http://ns.adobe.com/xmp/sType/Area#"),
    ("stJob", "http://ns.adobe.com/xap/1.0/sType/Job#"),
    ("stVer", "http://ns.adobe.com/xap/1.0/sType/Version#"),
    ("stFnt", "http://ns.adobe.com/xap/1.0/sType/Font#"),
    ("photoshop", "http://ns.adobe.com/photoshop/1.0/"),
    ("crs", "http://ns.adobe.com/camera-raw-settings/1.0/"),
    ("lr", "http://ns.adobe.com/lightroom/1.0/"),
    ("pdf", "http://ns.adobe.com/pdf/1.3/"),
    ("hdrgm", "http://ns.adobe.com/hdr-gain-map/1.0/"),
    ("dc", "http://purl.org/dc/elements/1.1/"),
    (
        "Iptc4xmpCore",
        "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
    ),
    ("Iptc4xmpExt", "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"),
    ("plus", "http://ns.useplus.org/ldf/xmp/1.0/"),
    (
        "mwg-rs",
        "http://www.metadataworkinggroup.com/schemas/regions/",
    ),
    (
        "mwg-kw",
        "http://www.metadataworkinggroup.com/schemas/keywords/",
    ),
    (
        "mwg-coll",
        "http://www.metadataworkinggroup.com/schemas/collections/",
    ),
    ("MP", "http://ns.microsoft.com/photo/1.2/"),
    ("MPRI", "http://ns.microsoft.com/photo/1.2/t/RegionInfo#"),
    ("MPReg", "http://ns.microsoft.com/photo/1.2/t/Region#"),
    ("MicrosoftPhoto", "http://ns.microsoft.com/photo/1.0/"),
    ("GPano", "http://ns.google.com/photos/1.0/panorama/"),
    ("GCamera", "http://ns.google.com/photos/1.0/camera/"),
    ("Container", "http://ns.google.com/photos/1.0/container/"),
    ("Item", "http://ns.google.com/photos/1.0/container/item/"),
    ("GImage", "http://ns.google.com/photos/1.0/image/"),
    ("GDepth", "http://ns.google.com/photos/1.0/depthmap/"),
    ("GAudio", "http://ns.google.com/photos/1.0/audio/"),
    ("Camera", "http://pix4d.com/camera/1.0/"),
    ("drone-dji", "http://www.dji.com/drone-dji/1.0/"),
    ("digiKam", "http://www.digikam.org/ns/1.0/"),
    ("HDRGainMap", "http://ns.apple.com/HDRGainMap/1.0/"),
    ("apple-fi", "http://ns.apple.com/faceinfo/1.0/"),
];

/// Old prefixes still written by some tools, with their modern names.
const ALIASES: &[(&str, &str)] = &[
    ("xap", "xmp"),
    ("xapMM", "xmpMM"),
    ("xapRights", "xmpRights"),
    ("xapGImg", "xmpGImg"),
];

/// The conventional prefix of a namespace URI (ignoring a trailing `/`).
fn prefix_for_uri(uri: &str) -> Option<&'static str> {
    let uri = uri.trim().trim_end_matches('/');
    NAMESPACES
        .iter()
        .find(|(_, known)| known.trim_end_matches('/') == uri)
        .map(|(p, _)| *p)
}

/// `written` if it is a conventional prefix (or a known alias of one).
fn conventional_prefix(written: &str) -> Option<&'static str> {
    let alias = ALIASES
        .iter()
        .find(|(old, _)| *old == written)
        .map(|(_, new)| *new);
    alias.or_else(|| {
        NAMESPACES
            .iter()
            .find(|(p, _)| *p == written)
            .map(|(p, _)| *p)
    })
}

/// A property or element name, with the conventional prefix of its
/// namespace when the namespace is known (else the prefix as written).
#[derive(Clone, Debug)]
struct QName {
    prefix: String,
    local: String,
}

impl QName {
    fn new(written: &str, local: &str, uri: Option<&str>) -> QName {
        let prefix = uri
            .and_then(prefix_for_uri)
            .or_else(|| conventional_prefix(written))
            .unwrap_or(written);
        QName {
            prefix: prefix.to_string(),
            local: local.to_string(),
        }
    }

    fn is(&self, prefix: &str, local: &str) -> bool {
        self.prefix == prefix && self.local == local
    }

    /// `prefix:Name`, as shown in reports.
    fn tag(&self) -> String {
        if self.prefix.is_empty() {
            self.local.clone()
        } else {
            format!("{}:{}", self.prefix, self.local)
        }
    }
}

// ---------------------------------------------------------------------------
// Walker: the RDF structure, without recursion.

/// What an open element is in the RDF grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Around `rdf:RDF` (`x:xmpmeta`, or unknown wrappers).
    Outer,
    /// `rdf:RDF`.
    Rdf,
    /// A node (`rdf:Description`): its attributes and children are properties.
    Node,
    /// A property element: holds a value, an array or a structure.
    Prop,
    /// `rdf:Bag`, `rdf:Seq` or `rdf:Alt`.
    Array,
    /// `rdf:li`: holds a value or a structure.
    Item,
    /// Ignored with all its content (`rdf:type` and other RDF terms).
    Skip,
}

/// One open element.
struct Frame {
    role: Role,
    /// Whether its name was pushed onto the property path.
    named: bool,
    /// `rdf:parseType="Resource"`: children are structure fields.
    fields: bool,
    /// Has child elements or field attributes, so its text is not a value.
    structured: bool,
    /// Prefixes declared on it, unbound when it closes.
    bound: Vec<String>,
    value: String,
    /// Simple values of an array's items.
    items: Vec<String>,
    /// Whether it opened a [`Unit`] (when tracking).
    unit: bool,
}

impl Frame {
    fn new(role: Role, named: bool, bound: Vec<String>) -> Frame {
        Frame {
            role,
            named,
            fields: false,
            structured: false,
            bound,
            value: String::new(),
            items: Vec::new(),
            unit: false,
        }
    }

    /// The role of a child element named `q`.
    fn child_role(&self, q: &QName) -> Role {
        match self.role {
            Role::Outer if q.is("rdf", "RDF") => Role::Rdf,
            Role::Outer if q.is("rdf", "Description") => Role::Node,
            Role::Outer => Role::Outer,
            Role::Rdf => Role::Node,
            Role::Node => property_role(q),
            Role::Prop | Role::Item if self.fields => property_role(q),
            Role::Prop | Role::Item
                if q.prefix == "rdf" && matches!(q.local.as_str(), "Bag" | "Seq" | "Alt") =>
            {
                Role::Array
            }
            Role::Prop | Role::Item => Role::Node,
            Role::Array => Role::Item,
            Role::Skip => Role::Skip,
        }
    }
}

/// Properties are anything but RDF terms, except `rdf:value` (the value of
/// a property that has qualifiers).
fn property_role(q: &QName) -> Role {
    if q.prefix != "rdf" || q.local == "value" {
        Role::Prop
    } else {
        Role::Skip
    }
}

/// Follows the element structure and hands every property value, with the
/// path of property names leading to it, to the [`Sink`].
struct Walker<'b> {
    /// Prefix → stack of namespace URIs bound to it.
    ns: HashMap<String, Vec<String>>,
    /// Open elements; the bottom one is a virtual root that is never closed.
    stack: Vec<Frame>,
    /// Names of the open properties, outermost first.
    path: Vec<QName>,
    /// Open elements below [`MAX_DEPTH`] that are being skipped.
    skipped: usize,
    sink: Sink<'b>,
    /// Where each top-level property is, when a packet is being filtered.
    tracker: Option<Tracker>,
}

impl<'b> Walker<'b> {
    fn new(sink: Sink<'b>, tracker: Option<Tracker>) -> Self {
        let root = Frame::new(Role::Outer, false, Vec::new());
        Walker {
            ns: HashMap::new(),
            stack: vec![root],
            path: Vec::new(),
            skipped: 0,
            sink,
            tracker,
        }
    }

    fn start(&mut self, name: &str, attrs: &[Attr<'_>], empty: bool, span: Range<usize>) {
        if self.skipped > 0 || self.stack.len() > MAX_DEPTH {
            self.skipped += usize::from(!empty);
            if let Some(tracker) = &mut self.tracker {
                tracker.doubt();
            }
            return;
        }
        let bound = self.bind(attrs);
        let q = self.resolve(name);
        let Some(parent) = self.stack.last_mut() else {
            return;
        };
        parent.structured = true;
        let role = parent.child_role(&q);
        let parent_role = parent.role;
        let named = role == Role::Prop && !q.is("rdf", "value");
        let mut frame = Frame::new(role, named, bound);
        if let Some(tracker) = &mut self.tracker {
            // Every element directly in a top-level node is one property;
            // unknown wrappers around the RDF are cut.
            let wrapper = q.is("x", "xmpmeta") || q.is("x", "xapmeta");
            if tracker.open.is_none()
                && (parent_role == Role::Node || (role == Role::Outer && !wrapper))
            {
                let forced = role != Role::Prop || q.is("xmpNote", "HasExtendedXMP");
                tracker.open(span.start..span.end, true, forced);
                self.sink.mark = Some(0);
                frame.unit = true;
            }
        }
        if named {
            self.path.push(q);
        }
        for (raw, value, at) in attrs {
            let at = span.start + at.start..span.start + at.end;
            self.attribute(&mut frame, raw, value, at);
        }
        self.stack.push(frame);
        if empty {
            self.end(span.end);
        }
    }

    /// An attribute of a new element: a property of a node, a field of a
    /// structure written in short form, or RDF syntax. `at` is where it is.
    fn attribute(&mut self, frame: &mut Frame, raw: &str, value: &str, at: Range<usize>) {
        if raw == "xmlns" || raw.starts_with("xmlns:") {
            return;
        }
        let q = self.resolve(raw);
        if let Some(tracker) = &mut self.tracker {
            if tracker.open.is_none() {
                // An attribute of a top-level element: a property of its own
                // (`x:xmptk`, a node's `exif:GPSLatitude="…"`), `rdf:about`,
                // or something not understood (cut).
                let property = match frame.role {
                    Role::Outer => q.prefix == "x",
                    Role::Node => q.prefix != "rdf" && q.prefix != "xml",
                    _ => false,
                };
                if property {
                    let forced = q.is("xmpNote", "HasExtendedXMP");
                    tracker.open(at, false, forced);
                    self.sink.mark = Some(0);
                    self.field(q, value);
                    let marks = self.sink.mark.take().unwrap_or(0);
                    if let Some(tracker) = &mut self.tracker {
                        tracker.close(None, marks, frame.role == Role::Outer);
                    }
                } else if !(frame.role == Role::Node && q.is("rdf", "about") && value.is_empty()) {
                    tracker.cuts.push(at);
                }
                return;
            }
        }
        match frame.role {
            Role::Outer if q.prefix == "x" => self.field(q, value),
            Role::Node => self.field(q, value),
            Role::Prop | Role::Item => match (q.prefix.as_str(), q.local.as_str()) {
                ("rdf", "resource") => frame.value = value.to_string(),
                ("rdf", "parseType") => frame.fields = value == "Resource",
                ("rdf", _) | ("xml", _) => {}
                _ => {
                    frame.structured = true;
                    self.field(q, value);
                }
            },
            _ => {}
        }
    }

    fn field(&mut self, q: QName, value: &str) {
        self.path.push(q);
        self.sink.leaf(&self.path, value);
        self.path.pop();
    }

    /// An end tag (or the end of an empty element) that ends at `at`.
    fn end(&mut self, at: usize) {
        if self.skipped > 0 {
            self.skipped -= 1;
            return;
        }
        if self.stack.len() <= 1 {
            return;
        }
        let Some(frame) = self.stack.pop() else {
            return;
        };
        for prefix in &frame.bound {
            if let Some(uris) = self.ns.get_mut(prefix) {
                uris.pop();
            }
        }
        match frame.role {
            Role::Prop if !frame.structured => self.sink.leaf(&self.path, &frame.value),
            Role::Item if frame.structured => self.sink.item_end(&self.path),
            Role::Item => self.list_item(&frame.value),
            Role::Array => self.sink.leaf(&self.path, &frame.items.join(", ")),
            _ => {}
        }
        if frame.named {
            self.path.pop();
        }
        if frame.unit {
            let marks = self.sink.mark.take().unwrap_or(0);
            if let Some(tracker) = &mut self.tracker {
                tracker.close(Some(at), marks, false);
            }
        }
    }

    /// A simple array item: kept to be joined with its siblings.
    fn list_item(&mut self, value: &str) {
        let value = value.trim();
        match self.stack.last_mut() {
            Some(parent) if parent.role == Role::Array => {
                if !value.is_empty() {
                    parent.items.push(value.to_string());
                }
            }
            _ => self.sink.leaf(&self.path, value),
        }
    }

    fn text(&mut self, text: &str, span: Range<usize>) {
        if self.skipped > 0 {
            return;
        }
        if let Some(tracker) = &mut self.tracker {
            // Text between top-level elements is not part of any property:
            // the reader ignores it, so it is cut.
            if tracker.open.is_none() && !text.trim().is_empty() {
                tracker.cuts.push(span.clone());
            }
        }
        if let Some(top) = self.stack.last_mut() {
            if matches!(top.role, Role::Prop | Role::Item) && !top.structured {
                top.value.push_str(text);
            }
        }
    }

    /// Declares the `xmlns` attributes of a new element; returns the prefixes.
    fn bind(&mut self, attrs: &[Attr<'_>]) -> Vec<String> {
        let mut bound = Vec::new();
        for (raw, uri, _) in attrs {
            let prefix = match raw.strip_prefix("xmlns") {
                Some("") => "",
                Some(p) if p.starts_with(':') => &p[1..],
                _ => continue,
            };
            self.ns
                .entry(prefix.to_string())
                .or_default()
                .push(uri.to_string());
            bound.push(prefix.to_string());
        }
        bound
    }

    fn resolve(&self, raw: &str) -> QName {
        let (prefix, local) = raw.split_once(':').unwrap_or(("", raw));
        let uri = self.ns.get(prefix).and_then(|uris| uris.last());
        QName::new(prefix, local, uri.map(String::as_str))
    }
}

// ---------------------------------------------------------------------------
// Categories.

/// What a name says about the category of the value under it.
enum Rule {
    Is(Category),
    /// Structure, not information: not reported.
    Skip,
    /// Decided by the enclosing property (a field of a generic structure).
    Open,
}

/// The category of a value from its property path (outermost first): the
/// innermost name with a definite rule decides; unknown vendors are `device`.
fn classify(path: &[QName]) -> Option<Category> {
    for q in path.iter().rev() {
        match rule(q) {
            Rule::Is(category) => return Some(category),
            Rule::Skip => return None,
            Rule::Open => {}
        }
    }
    Some(Category::Device)
}

fn rule(q: &QName) -> Rule {
    use Category::*;
    let l = q.local.as_str();
    let category = match q.prefix.as_str() {
        "rdf" | "xml" | "xmlns" => return Rule::Skip,
        "x" if l == "xmptk" || l == "xaptk" => Device,
        "x" => return Rule::Skip,
        _ if mentions_place(l) => Location,
        "exif" | "exifEX" | "tiff" => exif_rule(l),
        "xmp" => xmp_rule(l),
        "photoshop" => photoshop_rule(l),
        "Iptc4xmpCore" => iptc_core_rule(l),
        "Iptc4xmpExt" => iptc_ext_rule(l),
        "dc" => dc_rule(l),
        "xmpRights" | "plus" => People,
        "aux" if l == "OwnerName" => People,
        "MicrosoftPhoto" => microsoft_rule(l),
        "MPReg" if l.starts_with("Person") => People,
        "mwg-rs" if l == "Name" => People,
        "GCamera" | "Camera" if l.starts_with("MicroVideo") || l.starts_with("MotionPhoto") => {
            Preview
        }
        "Container" | "Item" | "GImage" | "GDepth" | "hdrgm" | "HDRGainMap" => Preview,
        "xmpGImg" if l == "image" => Preview,
        "xmpGImg" => return Rule::Skip,
        "stEvt" if l == "when" => Time,
        "stEvt" if l == "softwareAgent" => Device,
        "stEvt" | "stRef" | "stDim" | "stArea" | "stJob" | "stVer" | "stFnt" | "xmpG"
        | "xmpidq" => return Rule::Open,
        "lr" | "mwg-kw" => Text,
        "digiKam" => digikam_rule(l),
        "drone-dji" if l.contains("Altitude") => Location,
        p if conventional_prefix(p).is_some() => Device,
        _ => return Rule::Open,
    };
    Rule::Is(category)
}

/// Names that are about a place, in any namespace (`GPS*`, `*Latitude`,
/// `LocationCreated`, …). `SubjectLocation` is a point in the picture.
fn mentions_place(local: &str) -> bool {
    let l = local.to_ascii_lowercase();
    l != "subjectlocation"
        && ["gps", "latitude", "longitude", "longtitude", "location"]
            .iter()
            .any(|w| l.contains(w))
}

fn exif_rule(l: &str) -> Category {
    use Category::*;
    match l {
        "Orientation"
        | "ColorSpace"
        | "PixelXDimension"
        | "PixelYDimension"
        | "ImageWidth"
        | "ImageLength"
        | "XResolution"
        | "YResolution"
        | "ResolutionUnit"
        | "BitsPerSample"
        | "Compression"
        | "PhotometricInterpretation"
        | "SamplesPerPixel"
        | "PlanarConfiguration"
        | "YCbCrSubSampling"
        | "YCbCrPositioning"
        | "YCbCrCoefficients"
        | "ReferenceBlackWhite"
        | "WhitePoint"
        | "PrimaryChromaticities"
        | "TransferFunction"
        | "ComponentsConfiguration"
        | "ExifVersion"
        | "FlashpixVersion"
        | "Gamma"
        | "InteroperabilityIndex" => Rendering,
        "Artist" | "Copyright" | "CameraOwnerName" | "OwnerName" | "Photographer"
        | "ImageEditor" => People,
        "UserComment" | "ImageDescription" | "ImageTitle" => Text,
        _ if l.starts_with("DateTime")
            || l.starts_with("SubSecTime")
            || l.starts_with("OffsetTime") =>
        {
            Time
        }
        _ => Device,
    }
}

fn xmp_rule(l: &str) -> Category {
    match l {
        "CreateDate" | "ModifyDate" | "MetadataDate" => Category::Time,
        "Label" | "Rating" | "Nickname" | "BaseURL" => Category::Text,
        "Author" => Category::People,
        "Thumbnails" => Category::Preview,
        _ => Category::Device,
    }
}

fn photoshop_rule(l: &str) -> Category {
    use Category::*;
    match l {
        "City" | "State" | "Country" => Location,
        "AuthorsPosition" | "Credit" | "CaptionWriter" => People,
        "DateCreated" => Time,
        "ICCProfile" | "ColorMode" => Rendering,
        "Headline"
        | "Instructions"
        | "TransmissionReference"
        | "Source"
        | "Category"
        | "SupplementalCategories"
        | "Urgency"
        | "TextLayers" => Text,
        _ => Device,
    }
}

fn iptc_core_rule(l: &str) -> Category {
    match l {
        "Location" | "CountryCode" => Category::Location,
        _ if l.starts_with("Ci") || l == "CreatorContactInfo" => Category::People,
        _ => Category::Text,
    }
}

fn iptc_ext_rule(l: &str) -> Category {
    use Category::*;
    match l {
        "City" | "ProvinceState" | "ProvinceName" | "CountryName" | "CountryCode"
        | "Sublocation" | "WorldRegion" => Location,
        "AddlModelInfo" | "ModelAge" | "Contributor" | "CopyrightOwner" | "ImageCreator"
        | "Licensor" | "AOCreator" | "AOCreatorId" | "AOCopyrightNotice" => People,
        _ if l.starts_with("Person") => People,
        _ if l.contains("Date") => Time,
        _ => Text,
    }
}

fn dc_rule(l: &str) -> Category {
    match l.to_ascii_lowercase().as_str() {
        "creator" | "rights" | "contributor" | "publisher" => Category::People,
        "date" => Category::Time,
        "coverage" => Category::Location,
        "format" => Category::Rendering,
        _ => Category::Text,
    }
}

fn microsoft_rule(l: &str) -> Category {
    match l {
        "LastKeywordXMP" | "LastKeywordIPTC" | "Rating" | "RatingPercent" => Category::Text,
        "DateAcquired" => Category::Time,
        _ => Category::Device,
    }
}

fn digikam_rule(l: &str) -> Category {
    match l {
        "TagsList" => Category::Text,
        "CaptionsAuthorNames" => Category::People,
        "CaptionsDateTimeStamps" => Category::Time,
        _ => Category::Device,
    }
}

// ---------------------------------------------------------------------------
// Sink: values in, findings out.

/// Coordinates gathered from the fields of one structure (or the top level).
#[derive(Default)]
struct Fix {
    /// The property path of the enclosing structure.
    key: String,
    lat: Option<f64>,
    lon: Option<f64>,
    alt: Option<f64>,
    below_sea_level: bool,
    accuracy: Option<f64>,
}

/// Collects findings: deduplicated, capped per tag, with summaries for
/// develop settings, regions and motion-photo directories.
struct Sink<'b> {
    block: &'b str,
    scan: Scan,
    seen: HashSet<(Category, String, String)>,
    /// Tag → (category, findings seen), to cap and summarise long lists.
    per_tag: BTreeMap<String, (Category, usize)>,
    /// Findings left out because the packet had more than [`MAX_FINDINGS`].
    dropped: BTreeMap<Category, usize>,
    fixes: Vec<Fix>,
    develop_settings: usize,
    /// Region property (`mwg-rs:Regions`, `MP:RegionInfo`) → regions and
    /// face regions seen.
    regions: BTreeMap<String, (usize, usize)>,
    /// Fields of the open `Container:Directory` item.
    container_item: Vec<String>,
    /// When filtering: the categories (one bit each) of the values of the
    /// property being read, including those left out of the findings.
    mark: Option<u8>,
}

impl<'b> Sink<'b> {
    fn new(block: &'b str) -> Self {
        Sink {
            block,
            scan: Scan::default(),
            seen: HashSet::new(),
            per_tag: BTreeMap::new(),
            dropped: BTreeMap::new(),
            fixes: Vec::new(),
            develop_settings: 0,
            regions: BTreeMap::new(),
            container_item: Vec::new(),
            mark: None,
        }
    }

    /// Notes that the property being read holds a value of `category`.
    fn mark(&mut self, category: Category) {
        if let Some(mark) = &mut self.mark {
            *mark |= bit(category);
        }
    }

    /// One property value; `path` runs from the top-level property to it.
    fn leaf(&mut self, path: &[QName], value: &str) {
        let value = value.trim();
        let (Some(top), Some(leaf)) = (path.first(), path.last()) else {
            return;
        };
        if value.is_empty() {
            return;
        }
        if top.prefix == "crs" {
            self.mark(Category::Device);
            self.develop_settings += 1;
        } else if top.is("Container", "Directory") {
            self.mark(Category::Preview);
            self.container_item
                .push(format!("{}={}", leaf.local, value));
        } else if top.is("mwg-rs", "Regions") || top.is("MP", "RegionInfo") {
            // The region count is reported as `device`.
            self.mark(Category::Device);
            if let Rule::Is(Category::People) = rule(leaf) {
                self.push(Category::People, &leaf.tag(), value);
            } else if leaf.is("mwg-rs", "Type") && value.eq_ignore_ascii_case("face") {
                self.regions.entry(top.tag()).or_default().1 += 1;
            }
        } else if let Some(image) = embedded_image(value) {
            self.push(Category::Preview, &leaf.tag(), &image);
        } else if let Some(category) = classify(path) {
            if category == Category::Location {
                self.note_coordinate(path, value);
            }
            match binary_size(value) {
                Some(size) => self.push(
                    category,
                    &leaf.tag(),
                    &format!("binary data, about {size} bytes"),
                ),
                None => self.push(category, &leaf.tag(), value),
            }
        }
    }

    /// The end of an array item that was a structure.
    fn item_end(&mut self, path: &[QName]) {
        let (Some(top), Some(list)) = (path.first(), path.last()) else {
            return;
        };
        if top.is("Container", "Directory") {
            self.flush_container_item();
        }
        if list.is("mwg-rs", "RegionList") || list.is("MPRI", "Regions") {
            self.regions.entry(top.tag()).or_default().0 += 1;
        }
    }

    /// One item of a Google/Android container directory (motion-photo
    /// video, gain map, depth map, …); the primary image itself is skipped.
    fn flush_container_item(&mut self) {
        let fields = std::mem::take(&mut self.container_item);
        if !fields.is_empty() && !fields.iter().any(|f| f == "Semantic=Primary") {
            self.push(Category::Preview, "Container:Directory", &fields.join(", "));
        }
    }

    fn push(&mut self, category: Category, tag: &str, value: &str) {
        self.mark(category);
        let finding = Finding::new(category, self.block, tag, value);
        let key = (category, finding.tag.clone(), finding.value.clone());
        if finding.value.is_empty() || !self.seen.insert(key) {
            return;
        }
        let count = &mut self
            .per_tag
            .entry(finding.tag.clone())
            .or_insert((category, 0))
            .1;
        *count += 1;
        if *count > MAX_PER_TAG {
            return;
        }
        if self.scan.findings.len() < MAX_FINDINGS {
            self.scan.push(finding);
        } else {
            *self.dropped.entry(category).or_default() += 1;
        }
    }

    /// Remembers a coordinate part (latitude, longitude, altitude, …).
    fn note_coordinate(&mut self, path: &[QName], value: &str) {
        let Some(leaf) = path.last() else { return };
        let name = leaf.local.to_ascii_lowercase();
        let part = name.strip_prefix("gps").unwrap_or(&name);
        let key: Vec<String> = path[..path.len() - 1].iter().map(QName::tag).collect();
        let key = key.join("/");
        let is_lat = part == "latitude";
        let is_lon = part == "longitude" || part == "longtitude";
        let is_alt = part == "altitude" || part == "absolutealtitude";
        let is_ref = part == "altituderef";
        let is_acc = part == "hpositioningerror";
        if !(is_lat || is_lon || is_alt || is_ref || is_acc) {
            return;
        }
        let Some(fix) = self.fix_for(&key, is_lat, is_lon) else {
            return;
        };
        if is_lat {
            fix.lat = parse_coordinate(value);
        } else if is_lon {
            fix.lon = parse_coordinate(value);
        } else if is_alt {
            fix.alt = parse_number(value);
        } else if is_ref {
            fix.below_sea_level = value.trim() == "1";
        } else {
            fix.accuracy = parse_number(value);
        }
    }

    /// The open coordinate set for `key`; a second latitude (or longitude)
    /// for the same key starts a new set.
    fn fix_for(&mut self, key: &str, is_lat: bool, is_lon: bool) -> Option<&mut Fix> {
        let open = self.fixes.iter().rposition(|f| f.key == key);
        let taken = open.is_some_and(|i| {
            (is_lat && self.fixes[i].lat.is_some()) || (is_lon && self.fixes[i].lon.is_some())
        });
        match open {
            Some(i) if !taken => self.fixes.get_mut(i),
            _ if self.fixes.len() < MAX_FIXES => {
                self.fixes.push(Fix {
                    key: key.to_string(),
                    ..Fix::default()
                });
                self.fixes.last_mut()
            }
            _ => None,
        }
    }

    fn finish(mut self) -> Scan {
        self.flush_container_item();
        if self.develop_settings > 0 {
            let value = format!(
                "{} Camera Raw / Lightroom develop settings",
                self.develop_settings
            );
            self.push(Category::Device, "crs:*", &value);
        }
        for (tag, (regions, faces)) in std::mem::take(&mut self.regions) {
            let noun = if regions == 1 { "region" } else { "regions" };
            let value = match faces {
                0 => format!("{regions} image {noun}"),
                _ => format!("{regions} image {noun} ({faces} faces)"),
            };
            self.push(Category::Device, &tag, &value);
        }
        for fix in std::mem::take(&mut self.fixes) {
            let (Some(lat), Some(lon)) = (fix.lat, fix.lon) else {
                continue;
            };
            let alt = fix
                .alt
                .map(|a| if fix.below_sea_level { -a.abs() } else { a });
            let mut location = geo::location(lat, lon, alt, self.block);
            location.accuracy = fix.accuracy.filter(|a| a.is_finite());
            self.scan.locations.push(location);
        }
        for (tag, (category, count)) in std::mem::take(&mut self.per_tag) {
            if count > MAX_PER_TAG {
                let more = format!("and {} more values", count - MAX_PER_TAG);
                self.scan
                    .push(Finding::new(category, self.block, &tag, more));
            }
        }
        for (category, count) in std::mem::take(&mut self.dropped) {
            let more = format!("and {count} more {category} properties");
            self.scan.push(Finding::new(
                category,
                self.block,
                "(more properties)",
                more,
            ));
        }
        self.scan
    }
}

// ---------------------------------------------------------------------------
// Values.

/// `"52,22.2N"`, `"52,22,12.72N"`, `"4,53.712W"`, `"+52.3702"` or
/// `"52/1,22/1,12/1"` to signed decimal degrees.
fn parse_coordinate(value: &str) -> Option<f64> {
    let value = value.trim();
    let last = value.chars().last()?;
    let (body, reference) = if "NSEWnsew".contains(last) {
        (&value[..value.len() - 1], Some(last))
    } else {
        (value, None)
    };
    let mut parts = body
        .split([',', ' '])
        .filter(|p| !p.is_empty())
        .map(parse_number);
    let deg = parts.next()??;
    let min = parts.next().unwrap_or(Some(0.0))?;
    let sec = parts.next().unwrap_or(Some(0.0))?;
    if parts.next().is_some() {
        return None;
    }
    Some(geo::from_dms(deg, min, sec, reference))
}

/// A decimal (`"12.5"`, `"+3"`) or a rational (`"1234/10"`).
fn parse_number(value: &str) -> Option<f64> {
    let value = value.trim();
    match value.split_once('/') {
        Some((n, d)) => Some(n.trim().parse::<f64>().ok()? / d.trim().parse::<f64>().ok()?),
        None => value.parse().ok(),
    }
}

/// "JPEG image, about 5120 bytes" if `value` is base64 of an image or video.
fn embedded_image(value: &str) -> Option<String> {
    if value.len() < 64 {
        return None;
    }
    let head = base64_prefix(value, 12)?;
    let kind = match head.as_slice() {
        [0xFF, 0xD8, 0xFF, ..] => "JPEG image",
        [0x89, b'P', b'N', b'G', ..] => "PNG image",
        [b'G', b'I', b'F', b'8', ..] => "GIF image",
        [b'R', b'I', b'F', b'F', ..] => "RIFF (WebP) image",
        [b'I', b'I', 42, 0, ..] | [b'M', b'M', 0, 42, ..] => "TIFF image",
        [_, _, _, _, b'f', b't', b'y', b'p', ..] => "HEIF/AVIF image or MP4 video",
        _ => return None,
    };
    Some(format!(
        "embedded {kind}, about {} bytes",
        base64_decoded_len(value)
    ))
}

/// The decoded size of a long value that looks like base64 data.
fn binary_size(value: &str) -> Option<usize> {
    let base64 = value.len() > 512
        && value
            .bytes()
            .all(|b| base64_digit(b).is_some() || b == b'=' || b.is_ascii_whitespace());
    base64.then(|| base64_decoded_len(value))
}

fn base64_decoded_len(value: &str) -> usize {
    value.bytes().filter(|&b| base64_digit(b).is_some()).count() * 3 / 4
}

/// The first `n` bytes that the base64 text `value` decodes to (whitespace
/// ignored); `None` if it is not base64.
fn base64_prefix(value: &str, n: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(n);
    let (mut bits, mut count) = (0u32, 0u32);
    for b in value.bytes().filter(|b| !b.is_ascii_whitespace()) {
        if out.len() >= n || b == b'=' {
            break;
        }
        bits = (bits << 6) | u32::from(base64_digit(b)?);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

fn base64_digit(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xpacket begin="﻿" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 6.0.0">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpGImg="http://ns.adobe.com/xap/1.0/g/img/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"
    xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
    xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"
    xmlns:exifEX="http://cipa.jp/exif/1.0/"
    xmlns:acme="http://example.com/acme/1.0/"
    exif:GPSLatitude="52,22.2N"
    exif:GPSAltitude="1234/10"
    exif:GPSAltitudeRef="1"
    tiff:Orientation="6"
    tiff:Make="Canon"
    exifEX:CameraOwnerName="Jan Jansen"
    xmp:CreateDate="2024-05-01T10:00:00+02:00"
    xmpMM:DocumentID="xmp.did:0f1e2d3c"
    acme:Widget="frobnicated">
   <exif:GPSLongitude>4,53.712W</exif:GPSLongitude>
   <exif:GPSHPositioningError>5/1</exif:GPSHPositioningError>
   <photoshop:City>Haarlem &amp; Bloemendaal</photoshop:City>
   <dc:creator><rdf:Seq><rdf:li>Anna de Vries</rdf:li><rdf:li>Piet</rdf:li></rdf:Seq></dc:creator>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">First day of school</rdf:li></rdf:Alt></dc:title>
   <xmpMM:InstanceID>xmp.iid:9a8b7c</xmpMM:InstanceID>
   <xmpMM:History><rdf:Seq>
     <rdf:li stEvt:action="saved" stEvt:when="2024-05-02T09:00:00" stEvt:softwareAgent="Editor 1.0"/>
   </rdf:Seq></xmpMM:History>
   <mwg-rs:Regions rdf:parseType="Resource">
    <mwg-rs:RegionList><rdf:Bag>
     <rdf:li><rdf:Description mwg-rs:Name="Emma" mwg-rs:Type="Face">
       <mwg-rs:Area stArea:x="0.5" stArea:y="0.5" stArea:w="0.1" stArea:h="0.1"/>
     </rdf:Description></rdf:li>
     <rdf:li rdf:parseType="Resource"><mwg-rs:Name>Noah</mwg-rs:Name><mwg-rs:Type>Face</mwg-rs:Type></rdf:li>
    </rdf:Bag></mwg-rs:RegionList>
   </mwg-rs:Regions>
   <xmp:Thumbnails><rdf:Alt><rdf:li rdf:parseType="Resource">
     <xmpGImg:format>JPEG</xmpGImg:format>
     <xmpGImg:image>/9j/4AAQSkZJRgABAgEASABIAAD/7QAsUGhvdG9zaG9wIDMuMAA4QklNA+0AAAAAABAASAAAAAEA&#xA;AQBIAAAAAQABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</xmpGImg:image>
   </rdf:li></rdf:Alt></xmp:Thumbnails>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#;

    fn find<'a>(scan: &'a Scan, tag: &str) -> &'a Finding {
        scan.findings
            .iter()
            .find(|f| f.tag == tag)
            .unwrap_or_else(|| panic!("no {tag} in {:#?}", scan.findings))
    }

    #[test]
    fn gps_is_decoded_from_attributes_and_elements() {
        let scan = scan(SAMPLE.as_bytes(), "XMP");
        assert_eq!(scan.locations.len(), 1, "{:?}", scan.locations);
        let loc = &scan.locations[0];
        assert!((loc.lat - 52.37).abs() < 1e-9, "{}", loc.lat);
        assert!(
            (loc.lon + (4.0 + 53.712 / 60.0)).abs() < 1e-9,
            "{}",
            loc.lon
        );
        assert_eq!(loc.alt, Some(-123.4));
        assert_eq!(loc.accuracy, Some(5.0));
        assert_eq!(loc.source, "XMP");
        assert!(loc.invalid.is_none());
        for tag in [
            "exif:GPSLatitude",
            "exif:GPSLongitude",
            "exif:GPSAltitude",
            "exif:GPSAltitudeRef",
        ] {
            assert_eq!(find(&scan, tag).category, Category::Location);
        }
        assert_eq!(find(&scan, "exif:GPSLatitude").value, "52,22.2N");
        assert_eq!(find(&scan, "exif:GPSLatitude").block, "XMP");
    }

    #[test]
    fn properties_get_their_categories() {
        let scan = scan(SAMPLE.as_bytes(), "XMP");
        let city = find(&scan, "photoshop:City");
        assert_eq!(
            (city.category, city.value.as_str()),
            (Category::Location, "Haarlem & Bloemendaal")
        );
        let creator = find(&scan, "dc:creator");
        assert_eq!(
            (creator.category, creator.value.as_str()),
            (Category::People, "Anna de Vries, Piet")
        );
        assert_eq!(find(&scan, "dc:title").category, Category::Text);
        assert_eq!(
            find(&scan, "exifEX:CameraOwnerName").category,
            Category::People
        );
        assert_eq!(
            find(&scan, "tiff:Orientation").category,
            Category::Rendering
        );
        assert_eq!(find(&scan, "tiff:Make").category, Category::Device);
        assert_eq!(find(&scan, "xmp:CreateDate").category, Category::Time);
        assert_eq!(find(&scan, "acme:Widget").category, Category::Device);
        let toolkit = find(&scan, "x:xmptk");
        assert_eq!(
            (toolkit.category, toolkit.value.as_str()),
            (Category::Device, "XMP Core 6.0.0")
        );
        assert!(scan
            .findings
            .iter()
            .all(|f| !f.tag.starts_with("rdf:") && !f.tag.starts_with("xmlns")));
    }

    #[test]
    fn ids_history_regions_and_thumbnails() {
        let scan = scan(SAMPLE.as_bytes(), "XMP");
        assert_eq!(find(&scan, "xmpMM:DocumentID").value, "xmp.did:0f1e2d3c");
        assert_eq!(find(&scan, "xmpMM:InstanceID").category, Category::Device);
        let when = find(&scan, "stEvt:when");
        assert_eq!(
            (when.category, when.value.as_str()),
            (Category::Time, "2024-05-02T09:00:00")
        );
        assert_eq!(find(&scan, "stEvt:action").category, Category::Device);

        let names: Vec<&str> = scan
            .findings
            .iter()
            .filter(|f| f.tag == "mwg-rs:Name")
            .map(|f| f.value.as_str())
            .collect();
        assert_eq!(names, ["Emma", "Noah"]);
        assert!(scan
            .findings
            .iter()
            .filter(|f| f.tag == "mwg-rs:Name")
            .all(|f| f.category == Category::People));
        assert!(scan
            .findings
            .iter()
            .all(|f| !f.tag.starts_with("stArea") && f.tag != "mwg-rs:Type"));
        assert_eq!(
            find(&scan, "mwg-rs:Regions").value,
            "2 image regions (2 faces)"
        );

        let thumb = find(&scan, "xmpGImg:image");
        assert_eq!(thumb.category, Category::Preview);
        assert!(
            thumb.value.starts_with("embedded JPEG image, about "),
            "{}",
            thumb.value
        );
        assert!(!thumb.value.contains("/9j/"));
        assert!(scan.findings.iter().all(|f| f.tag != "xmpGImg:format"));
    }

    #[test]
    fn prefixes_are_resolved_through_their_namespaces() {
        let xmp = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
          <rdf:Description xmlns:g="http://ns.adobe.com/exif/1.0/" xmlns:who="http://purl.org/dc/elements/1.1/"
              xmlns:dc="http://ns.adobe.com/photoshop/1.0/" xmlns:Camera="http://ns.google.com/photos/1.0/camera/"
              g:GPSLatitude="33,52.0S" g:GPSLongitude="151,12.5E" dc:City="Sydney" Camera:MotionPhoto="1">
            <who:creator><rdf:Seq><rdf:li>Kim</rdf:li></rdf:Seq></who:creator>
          </rdf:Description></rdf:RDF></x:xmpmeta>"#;
        let scan = scan(xmp.as_bytes(), "XMP");
        assert_eq!(find(&scan, "exif:GPSLatitude").category, Category::Location);
        assert_eq!(find(&scan, "photoshop:City").category, Category::Location);
        assert_eq!(find(&scan, "dc:creator").value, "Kim");
        assert_eq!(
            find(&scan, "GCamera:MotionPhoto").category,
            Category::Preview
        );
        let loc = &scan.locations[0];
        assert!((loc.lat + (33.0 + 52.0 / 60.0)).abs() < 1e-9, "{}", loc.lat);
        assert!(
            (loc.lon - (151.0 + 12.5 / 60.0)).abs() < 1e-9,
            "{}",
            loc.lon
        );
    }

    #[test]
    fn iptc_extension_microsoft_regions_and_contact_info() {
        let xmp = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
          <rdf:Description xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
              xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"
              xmlns:MP="http://ns.microsoft.com/photo/1.2/"
              xmlns:MPRI="http://ns.microsoft.com/photo/1.2/t/RegionInfo#"
              xmlns:MPReg="http://ns.microsoft.com/photo/1.2/t/Region#"
              xmlns:GCamera="http://ns.google.com/photos/1.0/camera/">
            <Iptc4xmpExt:LocationShown><rdf:Bag>
              <rdf:li Iptc4xmpExt:City="Haarlem" Iptc4xmpExt:GPSLatitude="52,22.2N" Iptc4xmpExt:GPSLongitude="4,38.4E"/>
              <rdf:li rdf:parseType="Resource"><Iptc4xmpExt:Sublocation>Grote Markt</Iptc4xmpExt:Sublocation>
                <Iptc4xmpExt:GPSLatitude>51,55.2N</Iptc4xmpExt:GPSLatitude><Iptc4xmpExt:GPSLongitude>4,28.8E</Iptc4xmpExt:GPSLongitude></rdf:li>
            </rdf:Bag></Iptc4xmpExt:LocationShown>
            <Iptc4xmpExt:PersonInImage><rdf:Bag><rdf:li>Emma</rdf:li></rdf:Bag></Iptc4xmpExt:PersonInImage>
            <Iptc4xmpCore:CreatorContactInfo Iptc4xmpCore:CiAdrCity="Leiden" Iptc4xmpCore:CiEmailWork="a@b.example"/>
            <MP:RegionInfo rdf:parseType="Resource"><MPRI:Regions><rdf:Bag>
              <rdf:li MPReg:PersonDisplayName="Noah" MPReg:Rectangle="0.1, 0.2, 0.3, 0.4"/>
            </rdf:Bag></MPRI:Regions></MP:RegionInfo>
            <GCamera:HdrPlusMakernote>QUJD</GCamera:HdrPlusMakernote>
          </rdf:Description></rdf:RDF></x:xmpmeta>"#;
        let scan = scan(xmp.as_bytes(), "XMP");
        assert_eq!(find(&scan, "Iptc4xmpExt:City").category, Category::Location);
        assert_eq!(
            find(&scan, "Iptc4xmpExt:Sublocation").category,
            Category::Location
        );
        assert_eq!(scan.locations.len(), 2, "{:?}", scan.locations);
        assert!(
            (scan.locations[1].lat - 51.92).abs() < 1e-9
                && (scan.locations[1].lon - 4.48).abs() < 1e-9
        );
        let person = find(&scan, "Iptc4xmpExt:PersonInImage");
        assert_eq!(
            (person.category, person.value.as_str()),
            (Category::People, "Emma")
        );
        assert_eq!(
            find(&scan, "Iptc4xmpCore:CiAdrCity").category,
            Category::People
        );
        assert_eq!(
            find(&scan, "Iptc4xmpCore:CiEmailWork").category,
            Category::People
        );
        let name = find(&scan, "MPReg:PersonDisplayName");
        assert_eq!(
            (name.category, name.value.as_str()),
            (Category::People, "Noah")
        );
        assert!(scan.findings.iter().all(|f| f.tag != "MPReg:Rectangle"));
        assert_eq!(find(&scan, "MP:RegionInfo").value, "1 image region");
        assert_eq!(
            find(&scan, "GCamera:HdrPlusMakernote").category,
            Category::Device
        );
    }

    #[test]
    fn unbound_prefixes_fall_back_to_convention() {
        let xmp = r#"<rdf:RDF><rdf:Description photoshop:Country="Nederland" xap:CreatorTool="Tool 2"/></rdf:RDF>"#;
        let scan = scan(xmp.as_bytes(), "XMP");
        assert_eq!(
            find(&scan, "photoshop:Country").category,
            Category::Location
        );
        assert_eq!(find(&scan, "xmp:CreatorTool").category, Category::Device);
    }

    #[test]
    fn motion_photo_directory_and_develop_settings_are_summarised() {
        let mut crs = String::new();
        for i in 0..150 {
            crs.push_str(&format!(" crs:Setting{i}=\"{i}\""));
        }
        let xmp = format!(
            r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
            <rdf:Description xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"
              xmlns:Container="http://ns.google.com/photos/1.0/container/"
              xmlns:Item="http://ns.google.com/photos/1.0/container/item/" {crs}>
            <Container:Directory><rdf:Seq>
              <rdf:li rdf:parseType="Resource"><Container:Item Item:Semantic="Primary" Item:Mime="image/jpeg"/></rdf:li>
              <rdf:li rdf:parseType="Resource"><Container:Item Item:Semantic="MotionPhoto" Item:Mime="video/mp4" Item:Length="123456"/></rdf:li>
            </rdf:Seq></Container:Directory>
            <crs:ToneCurve><rdf:Seq><rdf:li>0, 0</rdf:li><rdf:li>255, 255</rdf:li></rdf:Seq></crs:ToneCurve>
            </rdf:Description></rdf:RDF></x:xmpmeta>"#
        );
        let scan = scan(xmp.as_bytes(), "XMP");
        let dirs: Vec<&Finding> = scan
            .findings
            .iter()
            .filter(|f| f.tag == "Container:Directory")
            .collect();
        assert_eq!(dirs.len(), 1, "{dirs:?}");
        assert_eq!(dirs[0].category, Category::Preview);
        assert_eq!(
            dirs[0].value,
            "Semantic=MotionPhoto, Mime=video/mp4, Length=123456"
        );
        let crs: Vec<&Finding> = scan
            .findings
            .iter()
            .filter(|f| f.tag.starts_with("crs"))
            .collect();
        assert_eq!(crs.len(), 1);
        assert!(crs[0].value.starts_with("151 "), "{}", crs[0].value);
    }

    #[test]
    fn long_lists_are_capped() {
        let mut body = String::new();
        for i in 0..100 {
            body.push_str(&format!("<rdf:li stEvt:instanceID=\"id{i}\"/>"));
        }
        let xmp = format!(
            "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description>\
             <xmpMM:History><rdf:Seq>{body}</rdf:Seq></xmpMM:History></rdf:Description></rdf:RDF>"
        );
        let scan = scan(xmp.as_bytes(), "XMP");
        let ids: Vec<&Finding> = scan
            .findings
            .iter()
            .filter(|f| f.tag == "stEvt:instanceID")
            .collect();
        assert_eq!(ids.len(), MAX_PER_TAG + 1);
        assert_eq!(
            ids[MAX_PER_TAG].value,
            format!("and {} more values", 100 - MAX_PER_TAG)
        );
    }

    #[test]
    fn findings_per_packet_are_capped() {
        let attrs: String = (0..3000)
            .map(|i| format!(" xmlns:p{i}=\"urn:p{i}\" p{i}:Serial=\"{i}\""))
            .collect();
        let xmp =
            format!("<rdf:RDF><rdf:Description{attrs} photoshop:City=\"Haarlem\"/></rdf:RDF>");
        let scan = scan(xmp.as_bytes(), "XMP");
        assert_eq!(scan.findings.len(), MAX_FINDINGS + 2);
        let device = scan
            .findings
            .iter()
            .find(|f| f.tag == "(more properties)" && f.category == Category::Device)
            .unwrap();
        assert_eq!(
            (device.category, device.value.as_str()),
            (Category::Device, "and 2000 more device properties")
        );
        let location = scan
            .findings
            .iter()
            .find(|f| f.category == Category::Location)
            .unwrap();
        assert_eq!(location.value, "and 1 more location properties");
    }

    #[test]
    fn coordinate_forms() {
        assert!((parse_coordinate("52,22,12.72N").unwrap() - 52.3702).abs() < 1e-9);
        assert!((parse_coordinate("4,53.712W").unwrap() + 4.8952).abs() < 1e-9);
        assert_eq!(parse_coordinate("-33.5"), Some(-33.5));
        assert_eq!(parse_coordinate("+52.37"), Some(52.37));
        assert!((parse_coordinate("52/1,30/1,0/1S").unwrap() + 52.5).abs() < 1e-9);
        assert_eq!(parse_coordinate("N"), None);
        assert_eq!(parse_coordinate("1,2,3,4N"), None);
        assert_eq!(parse_coordinate(""), None);
    }

    #[test]
    fn only_predefined_entities_are_expanded() {
        assert_eq!(
            unescape("a &lt;b&gt; &amp;&quot;&apos; &#65;&#x42;"),
            "a <b> &\"' AB"
        );
        assert_eq!(
            unescape("&bomb; & &#xFFFFFFFF; &#;"),
            "&bomb; & &#xFFFFFFFF; &#;"
        );
        let xmp = r#"<!DOCTYPE x [<!ENTITY a "PLACE">]><rdf:RDF><rdf:Description><photoshop:City>&a;</photoshop:City></rdf:Description></rdf:RDF>"#;
        assert_eq!(
            find(&scan(xmp.as_bytes(), "XMP"), "photoshop:City").value,
            "&a;"
        );
    }

    #[test]
    fn utf16_packets_are_read() {
        let text = r#"<rdf:RDF><rdf:Description photoshop:City="Zürich"/></rdf:RDF>"#;
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for bytes in [le, be] {
            assert_eq!(find(&scan(&bytes, "XMP"), "photoshop:City").value, "Zürich");
        }
    }

    #[test]
    fn truncations_and_garbage_do_not_panic() {
        let bytes = SAMPLE.as_bytes();
        for len in 0..=bytes.len() {
            let scan = scan(&bytes[..len], "XMP");
            assert!(scan.findings.len() <= 64);
        }
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for round in 0..300 {
            let len = (round * 37) % 2000;
            let alphabet = b"<>/=\"' :&;#xrdf:li!-[]?Description\n\xff\xc3";
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    if round % 2 == 0 {
                        state as u8
                    } else {
                        alphabet[(state % alphabet.len() as u64) as usize]
                    }
                })
                .collect();
            scan(&bytes, "XMP");
            // Random edits of the real packet.
            let mut edited = SAMPLE.as_bytes().to_vec();
            for b in bytes.iter().take(20) {
                let at = (state as usize ^ *b as usize) % edited.len();
                edited[at] = *b;
                state = state.rotate_left(7);
            }
            scan(&edited, "XMP");
        }
    }

    #[test]
    fn deep_nesting_and_huge_values_stay_bounded() {
        let deep = "<a>".repeat(200_000) + &"</a>".repeat(200_000);
        assert!(scan(deep.as_bytes(), "XMP").findings.is_empty());
        let deep_rdf = format!(
            "<rdf:RDF><rdf:Description>{}x{}<dc:title>after</dc:title></rdf:Description></rdf:RDF>",
            "<dc:subject><rdf:Bag><rdf:li>".repeat(50_000),
            "</rdf:li></rdf:Bag></dc:subject>".repeat(50_000)
        );
        assert_eq!(
            find(&scan(deep_rdf.as_bytes(), "XMP"), "dc:title").value,
            "after"
        );
        let amps = format!(
            "<rdf:RDF><rdf:Description dc:title=\"{}\"/></rdf:RDF>",
            "&".repeat(1_000_000)
        );
        assert_eq!(scan(amps.as_bytes(), "XMP").findings.len(), 1);
        let unclosed = "<!--".to_string() + &"<a ".repeat(100_000);
        assert!(scan(unclosed.as_bytes(), "XMP").findings.is_empty());
    }

    #[test]
    fn minimal_packet_is_exact_and_empty() {
        assert_eq!(minimal_packet(10), None);
        let smallest = (0..400).find(|&n| minimal_packet(n).is_some()).unwrap();
        for len in [
            smallest,
            smallest + 1,
            smallest + 99,
            smallest + 100,
            4096,
            65_536,
        ] {
            let packet = minimal_packet(len).unwrap();
            assert_eq!(packet.len(), len);
            let text = std::str::from_utf8(&packet).unwrap();
            assert!(
                text.starts_with("<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>")
            );
            assert!(text.ends_with("<?xpacket end=\"w\"?>"));
            assert!(text
                .contains("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"/>"));
            assert_eq!(scan(&packet, "XMP"), Scan::default());
        }
    }

    // -----------------------------------------------------------------------
    // filter

    use crate::policy::Policy;

    /// The findings of `scan` whose category `policy` keeps.
    fn kept(scan: &Scan, policy: &Policy) -> Vec<Finding> {
        scan.findings
            .iter()
            .filter(|f| policy.keeps(f.category))
            .cloned()
            .collect()
    }

    fn filtered(xmp: &str, policy: &Policy) -> (String, Scan) {
        let out = filter(xmp.as_bytes(), policy).expect("something is kept");
        let text = String::from_utf8(out).unwrap();
        let rescan = scan(text.as_bytes(), "XMP");
        (text, rescan)
    }

    fn tags(scan: &Scan) -> Vec<&str> {
        scan.findings.iter().map(|f| f.tag.as_str()).collect()
    }

    #[test]
    fn only_location_keeps_everything_else_exactly() {
        let policy = Policy::only(&[Category::Location]);
        let before = scan(SAMPLE.as_bytes(), "XMP");
        let (text, after) = filtered(SAMPLE, &policy);
        assert_eq!(after.findings, kept(&before, &policy), "{text}");
        assert!(after.locations.is_empty());
        for gone in ["GPS", "Haarlem", "52,22"] {
            assert!(!text.contains(gone), "{gone} left in\n{text}");
        }
        for left in [
            "Anna de Vries",
            "Emma",
            "Jan Jansen",
            "/9j/4AAQ",
            "xmlns:exif=",
        ] {
            assert!(text.contains(left), "{left} gone from\n{text}");
        }
        // The wrapper is intact and the packet reads the same again.
        assert!(text.starts_with("<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"));
        assert!(text.ends_with("<?xpacket end=\"w\"?>"));
        assert!(text.contains("<rdf:Description rdf:about=\"\""));
        assert_eq!(filter(text.as_bytes(), &policy).unwrap(), text.as_bytes());
    }

    #[test]
    fn structures_go_whole_if_any_value_in_them_is_removed() {
        // Keeping people removes device: the face regions carry a device
        // summary (the region count), so they go with their names; the
        // history (time and device) goes whole.
        let policy = Policy::keep(&[Category::People]);
        let (text, after) = filtered(SAMPLE, &policy);
        let mut found = tags(&after);
        found.sort_unstable();
        assert_eq!(
            found,
            ["dc:creator", "exifEX:CameraOwnerName", "tiff:Orientation"],
            "{text}"
        );
        for gone in [
            "Emma",
            "Noah",
            "mwg-rs:Regions",
            "xmpMM:History",
            "XMP Core",
            "Canon",
        ] {
            assert!(!text.contains(gone), "{gone} left in\n{text}");
        }

        // A structure whose fields are people and text goes whole when
        // people go; the text next to it stays.
        let xmp = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
 <rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" xmlns:dc="http://purl.org/dc/elements/1.1/"
   xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/">
  <Iptc4xmpExt:ArtworkOrObject><rdf:Bag><rdf:li rdf:parseType="Resource">
    <Iptc4xmpExt:AOTitle>Sunflowers</Iptc4xmpExt:AOTitle><Iptc4xmpExt:AOCreator>Kim Painter</Iptc4xmpExt:AOCreator>
  </rdf:li></rdf:Bag></Iptc4xmpExt:ArtworkOrObject>
  <Iptc4xmpCore:CreatorContactInfo Iptc4xmpCore:CiAdrCity="Leiden" Iptc4xmpCore:CiEmailWork="a@b.example"/>
  <dc:description><rdf:Alt><rdf:li xml:lang="x-default">At the beach</rdf:li></rdf:Alt></dc:description>
 </rdf:Description></rdf:RDF></x:xmpmeta>"#;
        let (text, after) = filtered(xmp, &Policy::only(&[Category::People]));
        assert_eq!(tags(&after), ["dc:description"], "{text}");
        assert!(
            !text.contains("Sunflowers") && !text.contains("Leiden"),
            "{text}"
        );
        // Keeping people and text keeps both structures as written.
        let policy = Policy::keep(&[Category::People, Category::Text]);
        let (text, after) = filtered(xmp, &policy);
        assert_eq!(after.findings, kept(&scan(xmp.as_bytes(), "XMP"), &policy));
        assert!(text.contains("<Iptc4xmpCore:CreatorContactInfo Iptc4xmpCore:CiAdrCity=\"Leiden\""));
    }

    #[test]
    fn attribute_and_element_forms() {
        let xmp = r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Tool 1.0">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
 <rdf:Description rdf:about="" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
   xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
   xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
   photoshop:City='Haarlem' tiff:Orientation="6"
   xmp:CreateDate="2024-05-01" photoshop:State="Noord-Holland">
  <photoshop:Country>Netherlands</photoshop:Country>
  <dc:rights/>
  <xmp:ModifyDate>2024-05-02</xmp:ModifyDate>
 </rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#;
        let (text, after) = filtered(xmp, &Policy::keep(&[Category::Time]));
        assert_eq!(
            tags(&after),
            ["tiff:Orientation", "xmp:CreateDate", "xmp:ModifyDate"],
            "{text}"
        );
        assert!(
            text.contains("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">"),
            "{text}"
        );
        assert!(
            text.contains(
                "xmlns:tiff=\"http://ns.adobe.com/tiff/1.0/\" tiff:Orientation=\"6\"\n   xmp:CreateDate=\"2024-05-01\">"
            ),
            "{text}"
        );
        // Removed elements leave no blank lines; an empty property (which
        // says nothing) goes too.
        assert!(
            text.contains(">\n  <xmp:ModifyDate>2024-05-02</xmp:ModifyDate>\n </rdf:Description>"),
            "{text}"
        );
        assert!(!text.contains("dc:rights"), "{text}");

        let (text, after) = filtered(xmp, &Policy::only(&[Category::Location]));
        assert_eq!(
            tags(&after),
            [
                "x:xmptk",
                "tiff:Orientation",
                "xmp:CreateDate",
                "xmp:ModifyDate"
            ],
            "{text}"
        );
    }

    #[test]
    fn nothing_left_is_none() {
        let policy = Policy::only(&[Category::Location]);
        let only_places = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Tool"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
            <rdf:Description photoshop:City="Haarlem"><exif:GPSLatitude>52,22.2N</exif:GPSLatitude></rdf:Description></rdf:RDF></x:xmpmeta>"#;
        assert_eq!(filter(only_places.as_bytes(), &policy), None);
        assert_eq!(filter(b"", &policy), None);
        assert_eq!(filter(&minimal_packet(400).unwrap(), &policy), None);
        // Rendering alone is something left.
        let orientation = r#"<rdf:RDF><rdf:Description tiff:Orientation="6" photoshop:City="Haarlem"/></rdf:RDF>"#;
        let (_, after) = filtered(SAMPLE, &Policy::default());
        assert_eq!(tags(&after), ["tiff:Orientation"]);
        let (text, _) = filtered(orientation, &Policy::default());
        assert_eq!(
            text,
            r#"<rdf:RDF><rdf:Description tiff:Orientation="6"/></rdf:RDF>"#
        );
    }

    #[test]
    fn extended_xmp_pointer_always_goes() {
        let xmp = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description
            xmlns:xmpNote="http://ns.adobe.com/xmp/note/" xmpNote:HasExtendedXMP="0123456789ABCDEF0123456789ABCDEF"
            dc:title="Beach"/>
            <rdf:Description><xmpNote:HasExtendedXMP>0123456789ABCDEF0123456789ABCDEF</xmpNote:HasExtendedXMP></rdf:Description></rdf:RDF>"#;
        assert!(tags(&scan(xmp.as_bytes(), "XMP")).contains(&"xmpNote:HasExtendedXMP"));
        let (text, after) = filtered(xmp, &Policy::only(&[]));
        assert_eq!(tags(&after), ["dc:title"], "{text}");
        assert!(!text.contains("0123456789"), "{text}");
    }

    #[test]
    fn embedded_previews_follow_the_preview_category() {
        let before = scan(SAMPLE.as_bytes(), "XMP");
        let (text, after) = filtered(SAMPLE, &Policy::only(&[Category::Preview]));
        assert!(
            !text.contains("/9j/") && !text.contains("Thumbnails"),
            "{text}"
        );
        assert_eq!(
            after.findings,
            kept(&before, &Policy::only(&[Category::Preview]))
        );
        let motion = r#"<rdf:RDF><rdf:Description GCamera:MotionPhoto="1" GCamera:MotionPhotoPresentationTimestampUs="0" dc:title="x">
            <Container:Directory><rdf:Seq><rdf:li rdf:parseType="Resource"><Container:Item Item:Semantic="MotionPhoto" Item:Length="9"/></rdf:li></rdf:Seq></Container:Directory>
            </rdf:Description></rdf:RDF>"#;
        let (text, after) = filtered(motion, &Policy::only(&[Category::Preview]));
        assert_eq!(tags(&after), ["dc:title"], "{text}");
        let (_, after) = filtered(motion, &Policy::only(&[Category::Text]));
        assert_eq!(after.findings.len(), 3, "{:?}", after.findings);
    }

    #[test]
    fn comments_stray_text_and_unknown_wrappers_are_cut() {
        let xmp = r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><!-- shot at home, Haarlem -->
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:secret="Haarlem" foo="Haarlem"><acme:note>Haarlem</acme:note><rdf:RDF rdf:ID="Haarlem">
 Haarlem <rdf:Description rdf:about="file:///Haarlem/img.jpg" dc:title="Beach" xml:lang="nl"><?app Haarlem?>
  <dc:creator><!-- Haarlem --><rdf:Seq><rdf:li>Kim</rdf:li></rdf:Seq></dc:creator>
  <rdf:type rdf:resource="Haarlem"/><rdf:value>Haarlem</rdf:value>
 </rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>"#;
        let before = scan(xmp.as_bytes(), "XMP");
        assert!(before.findings.iter().all(|f| !f.value.contains("Haarlem")));
        let (text, after) = filtered(xmp, &Policy::only(&[Category::Location]));
        assert!(!text.contains("Haarlem"), "{text}");
        assert_eq!(after.findings, before.findings, "{text}");
    }

    #[test]
    fn packets_not_read_with_certainty_are_not_rewritten() {
        let policy = Policy::only(&[Category::Location]);
        let good =
            r#"<rdf:RDF><rdf:Description dc:title="Beach" photoshop:City="Haarlem"/></rdf:RDF>"#;
        assert!(filter(good.as_bytes(), &policy).is_some());
        for bad in [
            // Unbalanced or mismatched tags, truncation.
            r#"<rdf:RDF><rdf:Description dc:title="Beach" photoshop:City="Haarlem"/></rdf:RDX>"#,
            r#"<rdf:RDF><rdf:Description dc:title="Beach" photoshop:City="Haarlem"/>"#,
            r#"<rdf:RDF><rdf:Description dc:title="Beach" photoshop:City="Haarlem"/></rdf:RDF></x>"#,
            r#"<rdf:RDF><rdf:Description dc:title="Beach" photoshop:City="Haarl"#,
            // Unquoted or valueless attributes, stray characters.
            r#"<rdf:RDF><rdf:Description dc:title=Beach photoshop:City="Haarlem"/></rdf:RDF>"#,
            r#"<rdf:RDF><rdf:Description dc:title photoshop:City="Haarlem"/></rdf:RDF>"#,
            r#"<rdf:RDF><rdf:Description dc:title="Beach"photoshop:City="Haarlem"/></rdf:RDF>"#,
            r#"<rdf:RDF><rdf:Description dc:title="Beach" / photoshop:City="Haarlem"/></rdf:RDF>"#,
            r#"<rdf:RDF>< <rdf:Description dc:title="Beach" photoshop:City="Haarlem"/></rdf:RDF>"#,
            r#"<rdf:RDF><!-- <rdf:Description dc:title="Beach" photoshop:City="Haarlem"/></rdf:RDF>"#,
            r#"<rdf:RDF><rdf:Description><dc:title><![CDATA[Beach</dc:title></rdf:Description></rdf:RDF>"#,
            // Entities declared in a DOCTYPE.
            r#"<!DOCTYPE x [<!ENTITY a "Haarlem">]><rdf:RDF><rdf:Description dc:title="Beach" photoshop:City="&a;"/></rdf:RDF>"#,
        ] {
            assert_eq!(filter(bad.as_bytes(), &policy), None, "{bad}");
        }
        // Not UTF-8.
        let utf16: Vec<u8> = good.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(filter(&utf16, &policy), None);
        let mut latin1 = good.as_bytes().to_vec();
        latin1.insert(35, 0xE9);
        assert_eq!(filter(&latin1, &policy), None);
    }

    #[test]
    fn properties_nested_too_deep_go_whole() {
        let deep = format!(
            "<rdf:RDF><rdf:Description>{}Haarlem{}<dc:title>after</dc:title></rdf:Description></rdf:RDF>",
            "<dc:subject><rdf:Bag><rdf:li>".repeat(60),
            "</rdf:li></rdf:Bag></dc:subject>".repeat(60)
        );
        let (text, after) = filtered(&deep, &Policy::only(&[Category::Location]));
        assert_eq!(
            text,
            "<rdf:RDF><rdf:Description><dc:title>after</dc:title></rdf:Description></rdf:RDF>"
        );
        assert_eq!(tags(&after), ["dc:title"]);
    }

    #[test]
    fn filtering_damaged_packets_never_panics_or_leaks() {
        let bytes = SAMPLE.as_bytes();
        let policies = [
            Policy::only(&[Category::Location]),
            Policy::keep(&[Category::People]),
            Policy::only(&[Category::Time, Category::Preview]),
        ];
        let check = |bytes: &[u8]| {
            for policy in &policies {
                if let Some(out) = filter(bytes, policy) {
                    let rescan = scan(&out, "XMP");
                    assert!(!rescan.has_any(|c| policy.removes(c)));
                    assert!(out.len() <= bytes.len());
                }
            }
        };
        for len in 0..=bytes.len() {
            check(&bytes[..len]);
        }
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..300 {
            let mut edited = bytes.to_vec();
            for _ in 0..3 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = (state as usize) % edited.len();
                edited[at] = b"<>/=\"' :&;x\n"[(state >> 32) as usize % 12];
            }
            check(&edited);
        }
    }
}
