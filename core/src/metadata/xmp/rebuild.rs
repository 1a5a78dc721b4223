//! Rebuild: the properties a policy keeps, written as a new packet.
//!
//! Nothing of the input is copied: names are written with their
//! conventional prefixes (or the prefix and namespace as declared, for a
//! field of a private namespace inside a kept structure), values are
//! escaped anew, and only the namespaces actually used are declared.

use super::names::{known_uri, prefix_for_uri, QName};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// `rdf:Bag`, `rdf:Seq` or `rdf:Alt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ArrayKind {
    Bag,
    Seq,
    Alt,
}

impl ArrayKind {
    pub(super) fn of(local: &str) -> ArrayKind {
        match local {
            "Seq" => ArrayKind::Seq,
            "Alt" => ArrayKind::Alt,
            _ => ArrayKind::Bag,
        }
    }

    fn tag(self) -> &'static str {
        match self {
            ArrayKind::Bag => "rdf:Bag",
            ArrayKind::Seq => "rdf:Seq",
            ArrayKind::Alt => "rdf:Alt",
        }
    }
}

/// A property value as read.
#[derive(Debug)]
pub(super) enum Value {
    Text(String),
    /// `rdf:resource="…"`.
    Uri(String),
    /// Items are named `rdf:li`.
    Array(ArrayKind, Vec<Node>),
    Struct(Vec<Node>),
}

/// A property, a structure field or an array item.
#[derive(Debug)]
pub(super) struct Node {
    pub(super) name: QName,
    pub(super) lang: Option<String>,
    pub(super) value: Value,
}

/// Everything a readable packet says, as the rebuild needs it.
#[derive(Debug, Default)]
pub(super) struct Model {
    /// `x:xmptk` and its categories (one bit each).
    pub(super) toolkit: Option<(String, u8)>,
    /// A non-empty `rdf:about` (a `device` value: a file name or id).
    pub(super) about: Option<String>,
    /// Top-level properties in document order, each with the categories
    /// of all the values in it.
    pub(super) props: Vec<(Node, u8)>,
}

const RDF_URI: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";

impl Model {
    /// A new packet with the top-level properties whose categories are all
    /// outside `removed` (a structure with one removed value goes whole),
    /// or `None` if no property is kept. `device` is the bit that keeps
    /// the toolkit name and `rdf:about`.
    pub(super) fn write(&self, removed: u8, device: u8) -> Option<Vec<u8>> {
        let kept = |marks: u8| marks != 0 && marks & removed == 0;
        let mut namespaces = BTreeMap::new();
        let mut body = String::new();
        for (node, marks) in &self.props {
            if !kept(*marks) || node.name.is("xmpNote", "HasExtendedXMP") {
                continue;
            }
            let mut one = Writer::default();
            if one.element(node, 3).is_none() {
                continue;
            }
            let clash = one
                .namespaces
                .iter()
                .any(|(p, uri)| namespaces.get(p).is_some_and(|u| u != uri));
            if !clash {
                namespaces.extend(one.namespaces);
                body.push_str(&one.out);
            }
        }
        if body.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(body.len() + 600);
        out.push_str("<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n");
        out.push_str("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"");
        if let Some((toolkit, marks)) = &self.toolkit {
            if kept(*marks) && valid_text(toolkit) {
                let _ = write!(out, " x:xmptk=\"{}\"", escape(toolkit, true));
            }
        }
        out.push_str(">\n <rdf:RDF xmlns:rdf=\"");
        out.push_str(RDF_URI);
        out.push_str("\">\n  <rdf:Description rdf:about=\"");
        if let Some(about) = &self.about {
            if removed & device == 0 && valid_text(about) {
                out.push_str(&escape(about, true));
            }
        }
        out.push('"');
        for (prefix, uri) in &namespaces {
            let _ = write!(out, "\n    xmlns:{prefix}=\"{}\"", escape(uri, true));
        }
        out.push_str(">\n");
        out.push_str(&body);
        out.push_str("  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>");
        Some(out.into_bytes())
    }
}

/// Writes one property, collecting the namespaces it uses.
#[derive(Default)]
struct Writer {
    out: String,
    namespaces: BTreeMap<String, String>,
}

impl Writer {
    /// `node` as an element at `depth`; `None` if it cannot be written
    /// faithfully (a name without a namespace, a character XML cannot hold).
    fn element(&mut self, node: &Node, depth: usize) -> Option<()> {
        let name = self.name(&node.name)?;
        indent(&mut self.out, depth);
        self.out.push('<');
        self.out.push_str(&name);
        if let Some(lang) = &node.lang {
            if lang.is_empty() || !lang.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return None;
            }
            let _ = write!(self.out, " xml:lang=\"{lang}\"");
        }
        match &node.value {
            Value::Text(text) => {
                if !valid_text(text) {
                    return None;
                }
                let _ = write!(self.out, ">{}</{name}>", escape(text, false));
            }
            Value::Uri(uri) => {
                if !valid_text(uri) {
                    return None;
                }
                let _ = write!(self.out, " rdf:resource=\"{}\"/>", escape(uri, true));
            }
            Value::Array(kind, items) => {
                self.out.push_str(">\n");
                indent(&mut self.out, depth + 1);
                let _ = writeln!(self.out, "<{}>", kind.tag());
                for item in items {
                    self.element(item, depth + 2)?;
                }
                indent(&mut self.out, depth + 1);
                let _ = writeln!(self.out, "</{}>", kind.tag());
                indent(&mut self.out, depth);
                let _ = write!(self.out, "</{name}>");
            }
            Value::Struct(fields) => {
                self.out.push_str(" rdf:parseType=\"Resource\">\n");
                for field in fields {
                    self.element(field, depth + 1)?;
                }
                indent(&mut self.out, depth);
                let _ = write!(self.out, "</{name}>");
            }
        }
        self.out.push('\n');
        Some(())
    }

    /// `prefix:local`, declaring the namespace; `None` for a name that
    /// cannot be written with certainty.
    fn name(&mut self, q: &QName) -> Option<String> {
        if !is_name(&q.prefix) || !is_name(&q.local) {
            return None;
        }
        if q.prefix == "rdf" {
            return matches!(q.local.as_str(), "li" | "value").then(|| q.tag());
        }
        if matches!(q.prefix.as_str(), "x" | "xml" | "xmlns") {
            return None;
        }
        let uri = match q.uri.as_deref() {
            Some(uri) if prefix_for_uri(uri) == Some(q.prefix.as_str()) => known_uri(&q.prefix)?,
            Some(uri) => uri,
            None => known_uri(&q.prefix)?,
        };
        if uri.is_empty() || !valid_text(uri) {
            return None;
        }
        match self.namespaces.get(&q.prefix) {
            Some(bound) if bound != uri => return None,
            Some(_) => {}
            None => {
                self.namespaces.insert(q.prefix.clone(), uri.to_string());
            }
        }
        Some(q.tag())
    }
}

fn indent(out: &mut String, depth: usize) {
    out.extend(std::iter::repeat_n(' ', depth));
}

/// An XML name we write as is: ASCII letters, digits, `_`, `-`, `.`, not
/// starting with a digit, `-` or `.`.
fn is_name(s: &str) -> bool {
    s.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// Only characters XML 1.0 can hold.
fn valid_text(s: &str) -> bool {
    s.chars().all(|c| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}')
    })
}

/// `s` escaped for element content, or (`attribute`) for a quoted value.
fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\r' => out.push_str("&#xD;"),
            '\n' if attribute => out.push_str("&#xA;"),
            '\t' if attribute => out.push_str("&#x9;"),
            c => out.push(c),
        }
    }
    out
}
