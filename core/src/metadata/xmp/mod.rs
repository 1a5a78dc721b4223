//! XMP packets: a small RDF/XML reader that turns every property into a
//! [`Finding`], and a filter that writes a new packet with the properties a
//! policy keeps.
//!
//! [`scan`] *explains* what a packet would have told a stranger. It never
//! fails: it reads what it can, and when part of the packet is not RDF it
//! models — another encoding than UTF-8 or UTF-16, a DOCTYPE, a comment or
//! processing instruction, stray text, a typed node, nesting deeper than
//! [`MAX_DEPTH`], malformed or truncated XML — it adds one `unknown`
//! finding, "unreadable XMP, removed". [`filter`] rebuilds only packets
//! without such a finding, from the parsed values: nothing of the input is
//! copied.
//!
//! Properties are found both in attribute form
//! (`<rdf:Description exif:GPSLatitude="52,22.2N">`) and in element form,
//! including arrays (`rdf:Bag`/`rdf:Seq`/`rdf:Alt`, whose simple items are
//! joined with ", ") and structures (`rdf:parseType="Resource"`, nested
//! `rdf:Description`, or fields written as attributes). Prefixes are resolved
//! through their `xmlns` declarations, and every tag is reported with the
//! conventional prefix of its namespace (`exif:`, `dc:`, `photoshop:`, …).
//!
//! The parts: [`encoding`] (bytes to text), [`tokenizer`] (text to tags),
//! [`walker`] (tags to RDF properties), [`rules`] (a property's category),
//! [`sink`] (values to findings and locations), [`values`] (coordinates and
//! base64), [`rebuild`] (kept properties to a new packet).

mod encoding;
mod names;
mod rebuild;
mod rules;
mod sink;
mod tokenizer;
mod values;
mod walker;

#[cfg(test)]
mod tests;

use crate::findings::{Category, Scan};
use crate::policy::Policy;
use rebuild::Model;
use sink::Sink;
use tokenizer::{Token, Tokens};
use walker::Walker;

/// Elements nested deeper than this are skipped (their end tags are still
/// counted, so the rest of the packet is read normally) and the packet is
/// unreadable.
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
/// Never panics. A packet that cannot be read with certainty yields
/// whatever could be read, coordinates included, and one `unknown` finding
/// (tag `XMP packet`) that says why.
pub fn scan(packet: &[u8], block: &str) -> Scan {
    read(packet, block, false).0
}

/// The `tiff:Orientation` a packet gives (1–8), for a photo whose EXIF has
/// none; attribute or element form.
pub fn orientation(packet: &[u8]) -> Option<u32> {
    scan(packet, "XMP")
        .findings
        .iter()
        .find(|f| f.tag == "tiff:Orientation" && f.category == Category::Rendering)?
        .value
        .parse()
        .ok()
        .filter(|o| (1..=8).contains(o))
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

/// A new packet with only the properties that `policy` keeps, or `None` if
/// none would be left or the packet cannot be read with certainty (its
/// scan has an `unknown` "unreadable XMP" finding; the caller then drops
/// the whole packet).
///
/// Each top-level property — an attribute or a property element of a
/// top-level `rdf:Description`, with everything inside it — is kept only if
/// every value in it is of a category the policy keeps: a structure with one
/// removed value (a face region with a name, a contact address with a city)
/// goes whole. A property of a private namespace is `unknown`, so it always
/// goes; so does `xmpNote:HasExtendedXMP` (extended XMP is always dropped).
/// The packet is written anew from the parsed values ([`rebuild`]): the
/// `xpacket` wrapper, `x:xmpmeta` (with `x:xmptk` when `device` is kept),
/// one `rdf:Description`, the namespaces the kept properties use and the
/// properties in element form. The result is read again before it is
/// returned: it must hold no finding of a removed category.
pub fn filter(packet: &[u8], policy: &Policy) -> Option<Vec<u8>> {
    let (_, model) = read(packet, "XMP", true);
    let removed = Category::ALL
        .into_iter()
        .filter(|&c| policy.removes(c) || c == Category::Unknown)
        .fold(0, |set, c| set | bit(c));
    let out = model?.write(removed, bit(Category::Device))?;
    let rescan = scan(&out, "XMP");
    let left_over = rescan
        .findings
        .iter()
        .any(|f| policy.removes(f.category) || f.category == Category::Unknown);
    (!rescan.findings.is_empty() && !left_over && rescan.omitted.is_empty()).then_some(out)
}

/// The bit of `category` in a set of categories.
fn bit(category: Category) -> u8 {
    1 << category as u8
}

/// Reads a packet: its findings, and (when `rebuild`) the model of its
/// properties, `None` if the packet is unreadable.
fn read(packet: &[u8], block: &str, rebuild: bool) -> (Scan, Option<Model>) {
    let (text, problem) = encoding::decode(packet);
    let mut walker = Walker::new(Sink::new(block), rebuild);
    if let Some(problem) = problem {
        walker.problem(problem);
    }
    let mut tokens = Tokens::new(&text);
    for token in tokens.by_ref() {
        match token {
            Token::Start { name, attrs, empty } => walker.start(name, &attrs, empty),
            Token::End(name) => walker.end(Some(name)),
            Token::Text(text) => walker.text(&text),
            Token::Markup(markup) => walker.markup(markup),
        }
    }
    walker.finish(tokens.sloppy)
}
