//! Tokenizer: markup in, start tags / end tags / text out.
//!
//! No XML dependency on purpose: it expands only the five predefined
//! entities and numeric character references (no DTD entities) and runs in
//! one pass in linear time. Whatever well-formed XML would not hold sets
//! [`Tokens::sloppy`]; the reader then reports the packet as unreadable.

use std::borrow::Cow;

/// An attribute: its qualified name as written and its unescaped value.
pub(super) type Attr<'a> = (&'a str, Cow<'a, str>);

/// One piece of XML.
pub(super) enum Token<'a> {
    /// A start tag; `empty` for `<a/>`. Attribute values are unescaped.
    Start {
        name: &'a str,
        attrs: Vec<Attr<'a>>,
        empty: bool,
    },
    /// An end tag with its name.
    End(&'a str),
    /// Character data, unescaped (CDATA sections verbatim).
    Text(Cow<'a, str>),
    /// A comment, processing instruction or declaration.
    Markup(Markup),
}

/// What kind of markup a [`Token::Markup`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Markup {
    /// `<?xpacket …?>` (the packet wrapper) or `<?xml …?>` (the XML
    /// declaration), holding only their usual pseudo-attributes.
    Wrapper,
    /// A comment: text no reader shows as metadata.
    Comment,
    /// Any other processing instruction (or a wrapper with more in it).
    Instruction,
    /// `<!DOCTYPE …>` and the like (may declare entities).
    Declaration,
}

/// Splits text into tokens. Ends at the first truncated tag.
pub(super) struct Tokens<'a> {
    src: &'a str,
    pos: usize,
    /// Set when something was read that well-formed XML would not have: a
    /// truncated or unterminated construct, a stray `<` or `/`, an attribute
    /// without a quoted value, an `&` that is no reference.
    pub(super) sloppy: bool,
}

impl<'a> Tokens<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        Tokens {
            src,
            pos: 0,
            sloppy: false,
        }
    }

    fn truncated(&mut self) {
        self.pos = self.src.len();
        self.sloppy = true;
    }

    fn text(&mut self, raw: &'a str) -> Cow<'a, str> {
        let (text, clean) = unescape(raw);
        self.sloppy |= !clean;
        text
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let rest = self.src.get(self.pos..)?;
        if rest.is_empty() {
            return None;
        }
        let (token, len) = if !rest.starts_with('<') {
            let len = rest.find('<').unwrap_or(rest.len());
            (Token::Text(self.text(&rest[..len])), len)
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
        Some(token)
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
        Some((Markup::Comment, len, closed))
    } else if rest.starts_with("<?") {
        let (len, closed) = until(2, "?>");
        let body = rest[2..len].trim_end_matches("?>");
        Some((instruction_kind(body), len, closed))
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

/// The magic id of every `<?xpacket begin?>`.
const XPACKET_ID: &str = "W5M0MpCehiHzreSzNTczkc9d";

/// [`Markup::Wrapper`] for an `xpacket` or `xml` instruction that holds
/// only its usual pseudo-attributes with their usual values (so it carries
/// nothing: it is never copied, and anything more is reported).
fn instruction_kind(body: &str) -> Markup {
    let (target, rest) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
    let usual = |name: &str, value: &str| match (target, name) {
        ("xpacket", "begin") => value.chars().all(|c| c == '\u{feff}'),
        ("xpacket", "id") => value == XPACKET_ID,
        ("xpacket", "end") => value == "w" || value == "r",
        ("xpacket", "bytes") => value.len() <= 10 && value.bytes().all(|b| b.is_ascii_digit()),
        ("xpacket" | "xml", "encoding") | ("xml", "version" | "standalone") => {
            value.len() <= 16
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        }
        _ => false,
    };
    let mut pairs = PseudoAttributes(rest.trim());
    let wrapper = matches!(target, "xpacket" | "xml")
        && pairs
            .by_ref()
            .all(|pair| pair.is_some_and(|(n, v)| usual(n, v)))
        && pairs.0.is_empty();
    if wrapper {
        Markup::Wrapper
    } else {
        Markup::Instruction
    }
}

/// `name="value"` pairs of a processing instruction; `None` for anything
/// else (then the instruction is not a plain wrapper).
struct PseudoAttributes<'a>(&'a str);

impl<'a> Iterator for PseudoAttributes<'a> {
    type Item = Option<(&'a str, &'a str)>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.0.trim_start();
        if rest.is_empty() {
            return None;
        }
        let pair = (|| {
            let (name, after) = rest.split_once('=')?;
            let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            let end = after[1..].find(quote)?;
            Some((name.trim(), &after[1..1 + end], &after[end + 2..]))
        })();
        match pair {
            Some((name, value, next)) => {
                self.0 = next;
                Some(Some((name, value)))
            }
            None => {
                self.0 = "";
                Some(None)
            }
        }
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
                if let Some(attr) = attr {
                    attrs.push(attr);
                }
                i = next;
            }
        }
    }
}

/// Parses one `name="value"` at `start`; returns it (if it has a name and a
/// value), the position after it and whether it was well-formed (a name and
/// a quoted value with only valid references). `None` if truncated.
fn attribute(rest: &str, start: usize) -> Option<(Option<Attr<'_>>, usize, bool)> {
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
    let (value, clean) = unescape(value);
    let attr = (!name.is_empty()).then_some((name, value));
    Some((attr, next, quoted && clean && !name.is_empty()))
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// Expands `&lt; &gt; &amp; &quot; &apos;` and numeric references; any other
/// `&` is kept as it is, and then the text is not clean (`false`).
pub(super) fn unescape(s: &str) -> (Cow<'_, str>, bool) {
    if !s.contains('&') {
        return (Cow::Borrowed(s), true);
    }
    let mut clean = true;
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
                clean = false;
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    (Cow::Owned(out), clean)
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
