//! The one reader of TIFF-structured directories (IFDs), shared by the
//! TIFF container and the EXIF guard: a header, a chain of directories, and
//! the directories their entries point to.
//!
//! An IFD is an entry count, that many 12-byte entries (tag, type, count,
//! then the value itself if it fits in 4 bytes, else the offset of the
//! value) and the offset of the next IFD. Entries point to more directories
//! (EXIF, GPS, Interop, SubIFDs) and to data anywhere in the block.
//!
//! The walk is bounded: every directory is read once (a second visit is a
//! loop), at most [`Limits::max_ifds`] of them, SubIFDs at most
//! [`MAX_DEPTH`] deep, every value inside the block, and the values of all
//! entries together at most the block plus [`SHARED_VALUE_SLACK`]
//! (readers copy values once per entry). kamadak-exif still reads the
//! values of EXIF tags; this walker only says where things are.

use crate::Error;
use std::collections::HashSet;
use std::ops::Range;

pub const SUB_IFDS: u16 = 0x014A;
pub const EXIF_IFD: u16 = 0x8769;
pub const GPS_IFD: u16 = 0x8825;
pub const INTEROP_IFD: u16 = 0xA005;

/// SubIFDs inside SubIFDs are followed this deep.
pub const MAX_DEPTH: usize = 4;

/// Readers copy a tag's value once per entry, so entries that point at the
/// same bytes multiply them: a 1 MB TIFF of 40,000 entries over one 500 KB
/// value asked for 20 GB, 63 KB of JPEG EXIF made kamadak-exif allocate
/// 73 MB. Distinct values cannot add up to more than the block; this much
/// more is allowed for entries that share a small value (two resolutions
/// pointing at one rational, say).
pub const SHARED_VALUE_SLACK: usize = 1 << 20;

/// How much of a block the walker reads.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Most directories read, in the chain and below it.
    pub max_ifds: usize,
    /// Whether SubIFDs (tag 330) are followed, as images of a TIFF.
    pub sub_ifds: bool,
}

/// A TIFF file: many pages, SubIFD images.
pub const TIFF_LIMITS: Limits = Limits {
    max_ifds: 4096,
    sub_ifds: true,
};

/// An EXIF block: IFD0, IFD1 and the EXIF, GPS and Interop directories in
/// real files; kamadak-exif reads no SubIFDs.
pub const EXIF_LIMITS: Limits = Limits {
    max_ifds: 64,
    sub_ifds: false,
};

// ---------------------------------------------------------------------------
// Bytes in either order.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    Little,
    Big,
}

impl Order {
    pub fn u16(self, data: &[u8], at: usize) -> Option<u16> {
        let b: [u8; 2] = data.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(match self {
            Order::Little => u16::from_le_bytes(b),
            Order::Big => u16::from_be_bytes(b),
        })
    }

    pub fn u32(self, data: &[u8], at: usize) -> Option<u32> {
        let b: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(match self {
            Order::Little => u32::from_le_bytes(b),
            Order::Big => u32::from_be_bytes(b),
        })
    }

    pub fn u16_bytes(self, v: u16) -> [u8; 2] {
        match self {
            Order::Little => v.to_le_bytes(),
            Order::Big => v.to_be_bytes(),
        }
    }

    pub fn u32_bytes(self, v: u32) -> [u8; 4] {
        match self {
            Order::Little => v.to_le_bytes(),
            Order::Big => v.to_be_bytes(),
        }
    }

    /// The two bytes that name this order in a header.
    pub fn mark(self) -> &'static [u8; 2] {
        match self {
            Order::Little => b"II",
            Order::Big => b"MM",
        }
    }
}

/// The byte order of a TIFF header (`II` or `MM`), if it has one.
pub fn order_of(data: &[u8]) -> Option<Order> {
    match data.get(..2)? {
        b"II" => Some(Order::Little),
        b"MM" => Some(Order::Big),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Entries and directories.

/// The size of one value of a TIFF field type, if the type is known.
pub fn type_size(typ: u16) -> Option<usize> {
    match typ {
        1 | 2 | 6 | 7 => Some(1),
        3 | 8 => Some(2),
        4 | 9 | 11 | 13 => Some(4),
        5 | 10 | 12 => Some(8),
        _ => None,
    }
}

/// One directory entry, with where its value lies in the block.
#[derive(Clone, Debug)]
pub struct Entry {
    pub tag: u16,
    pub typ: u16,
    pub count: u32,
    /// The value bytes: inside the entry if they fit in 4 bytes, else where
    /// the entry points. For a type this reader does not know, the entry's
    /// 4-byte value field.
    pub value: Range<usize>,
    pub known_type: bool,
}

impl Entry {
    /// The value bytes (the range was checked when the entry was read).
    pub fn bytes<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        data.get(self.value.clone()).unwrap_or(&[])
    }

    pub fn out_of_line(&self) -> bool {
        self.known_type && self.value.len() > 4
    }

    /// The values of an integer entry (BYTE, SHORT, LONG or IFD).
    pub fn uints(&self, data: &[u8], order: Order) -> Result<Vec<u64>, Error> {
        let bytes = self.bytes(data);
        let values = match self.typ {
            1 => bytes.iter().map(|&b| u64::from(b)).collect(),
            3 => (0..bytes.len() / 2)
                .filter_map(|i| order.u16(bytes, i * 2).map(u64::from))
                .collect(),
            4 | 13 => (0..bytes.len() / 4)
                .filter_map(|i| order.u32(bytes, i * 4).map(u64::from))
                .collect(),
            t => {
                return Err(Error::damaged(format!(
                    "TIFF tag {} has type {t}, where a number is needed",
                    self.tag
                )))
            }
        };
        Ok(values)
    }
}

/// One directory as read from the block.
#[derive(Clone, Debug)]
pub struct Ifd {
    pub offset: usize,
    pub entries: Vec<Entry>,
    pub next: u32,
}

impl Ifd {
    pub fn get(&self, tag: u16) -> Option<&Entry> {
        self.entries.iter().find(|e| e.tag == tag)
    }

    /// The bytes of the entry table, count and next-IFD offset included.
    pub fn table(&self) -> Range<usize> {
        self.offset..self.offset + 6 + 12 * self.entries.len()
    }

    /// Every byte the directory itself accounts for: its entry table and
    /// its out-of-line values.
    pub fn ranges(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        std::iter::once(self.table()).chain(
            self.entries
                .iter()
                .filter(|e| e.out_of_line())
                .map(|e| e.value.clone()),
        )
    }

    pub fn first(&self, data: &[u8], order: Order, tag: u16) -> Option<u64> {
        self.get(tag)?.uints(data, order).ok()?.first().copied()
    }
}

/// A directory with the directories it points to, by the pointing tag
/// (EXIF, GPS, Interop; SubIFDs once per sub-image).
#[derive(Clone, Debug)]
pub struct Node {
    pub ifd: Ifd,
    pub children: Vec<(u16, Node)>,
}

impl Node {
    pub fn child(&self, tag: u16) -> Option<&Node> {
        self.children.iter().find(|c| c.0 == tag).map(|c| &c.1)
    }

    pub fn sub_ifds(&self) -> impl Iterator<Item = &Node> {
        self.children
            .iter()
            .filter(|c| c.0 == SUB_IFDS)
            .map(|c| &c.1)
    }

    /// This directory and every one below it.
    pub fn all(&self) -> Vec<&Node> {
        let mut out = vec![self];
        for (_, child) in &self.children {
            out.extend(child.all());
        }
        out
    }
}

/// Which directories a directory may point to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Image,
    Exif,
    Other,
}

/// A parsed block: its byte order and the chain of top-level directories
/// with everything below them.
#[derive(Clone, Debug)]
pub struct Directories {
    pub order: Order,
    pub chain: Vec<Node>,
}

impl Directories {
    /// Every directory, top-level ones in chain order, each followed by the
    /// ones below it.
    pub fn all(&self) -> Vec<&Node> {
        self.chain.iter().flat_map(Node::all).collect()
    }

    /// The bytes the directories account for: the header, every entry
    /// table and every out-of-line value.
    pub fn structure(&self) -> Vec<Range<usize>> {
        let mut out: Vec<Range<usize>> = std::iter::once(0..8).collect();
        for node in self.all() {
            out.extend(node.ifd.ranges());
        }
        out
    }
}

/// Reads the header — byte order, magic number 42 (or one of `extra_magic`),
/// first directory offset — and walks every directory.
pub fn read(data: &[u8], extra_magic: &[u16], limits: Limits) -> Result<Directories, Error> {
    walk(data, extra_magic, limits, false)
}

/// Reads what can still be read of a damaged block, for the report only
/// (nothing read this way is ever written): an entry whose value lies
/// outside the block is skipped, a directory cut short keeps the entries
/// that fit, and a pointer or next-directory offset that leads nowhere
/// (outside the block, into the header, round a loop) ends that branch.
/// The limits still hold: a block that asks for more directories or value
/// bytes than they allow is an error.
pub fn read_lenient(data: &[u8], limits: Limits) -> Result<Directories, Error> {
    walk(data, &[], limits, true)
}

fn walk(
    data: &[u8],
    extra_magic: &[u16],
    limits: Limits,
    lenient: bool,
) -> Result<Directories, Error> {
    let (order, first) = header(data, extra_magic)?;
    let mut walker = Walker {
        data,
        order,
        limits,
        seen: HashSet::new(),
        value_bytes: 0,
        lenient,
    };
    let mut chain = Vec::new();
    let mut next = first;
    while next != 0 {
        let node = match walker.node(next, Kind::Image, 0) {
            Ok(node) => node,
            Err(_) if walker.forgives() => break,
            Err(e) => return Err(e),
        };
        next = node.ifd.next;
        chain.push(node);
    }
    Ok(Directories { order, chain })
}

/// Reads the header: byte order, magic number, first directory offset.
fn header(data: &[u8], extra_magic: &[u16]) -> Result<(Order, u32), Error> {
    let truncated = || Error::damaged("truncated: the file ends inside the TIFF header");
    let order = match order_of(data) {
        Some(order) => order,
        None if data.len() < 8 => return Err(truncated()),
        None => return Err(Error::damaged("not a TIFF (no II/MM byte order mark)")),
    };
    let (Some(magic), Some(first)) = (order.u16(data, 2), order.u32(data, 4)) else {
        return Err(truncated());
    };
    match magic {
        42 => Ok((order, first)),
        43 => Err(Error::Unsupported(
            "BigTIFF files are not supported: save the picture as a regular TIFF, JPEG or PNG"
                .into(),
        )),
        m if extra_magic.contains(&m) => Ok((order, first)),
        m => Err(Error::damaged(format!(
            "not a TIFF (magic number {m}, not 42)"
        ))),
    }
}

/// Reads directories, refusing loops and any value outside the block.
struct Walker<'a> {
    data: &'a [u8],
    order: Order,
    limits: Limits,
    seen: HashSet<usize>,
    /// The value bytes of every entry read so far, once per entry.
    value_bytes: usize,
    /// Skip what is damaged instead of failing (see [`read_lenient`]).
    lenient: bool,
}

impl Walker<'_> {
    /// Whether a damaged part may be skipped: reading leniently, and
    /// within the limits.
    fn forgives(&self) -> bool {
        self.lenient
            && self.seen.len() <= self.limits.max_ifds
            && self.value_bytes <= self.data.len().saturating_add(SHARED_VALUE_SLACK)
    }

    fn ifd(&mut self, offset: u32) -> Result<Ifd, Error> {
        let at = offset as usize;
        if at < 8 {
            return Err(Error::damaged(format!(
                "a TIFF directory offset ({at}) points into the header"
            )));
        }
        if !self.seen.insert(at) {
            return Err(Error::damaged(format!(
                "the TIFF directory at byte {at} is reached twice (a loop)"
            )));
        }
        if self.seen.len() > self.limits.max_ifds {
            return Err(Error::damaged(format!(
                "more than {} TIFF directories",
                self.limits.max_ifds
            )));
        }
        let past_end = || {
            Error::damaged(format!(
                "the TIFF directory at byte {at} runs past the end of the file"
            ))
        };
        let mut count = usize::from(self.order.u16(self.data, at).ok_or_else(past_end)?);
        if self.lenient {
            count = count.min(self.data.len().saturating_sub(at + 2) / 12);
        }
        let end = at + 2 + 12 * count;
        let next = match self.order.u32(self.data, end) {
            Some(next) => next,
            None if self.lenient => 0,
            None => return Err(past_end()),
        };
        let mut entries = Vec::with_capacity(count);
        for i in 0..count {
            match self.entry(at + 2 + 12 * i) {
                Ok(entry) => entries.push(entry),
                Err(_) if self.forgives() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Ifd {
            offset: at,
            entries,
            next,
        })
    }

    fn entry(&mut self, pos: usize) -> Result<Entry, Error> {
        let (o, d) = (self.order, self.data);
        let field = pos + 8..pos + 12;
        let (tag, typ, count) = match (o.u16(d, pos), o.u16(d, pos + 2), o.u32(d, pos + 4)) {
            (Some(t), Some(y), Some(c)) => (t, y, c),
            _ => return Err(Error::damaged("a TIFF directory entry is cut short")),
        };
        let size = type_size(typ).and_then(|s| s.checked_mul(count as usize));
        let (value, known_type) = match size {
            None if type_size(typ).is_some() => {
                return Err(Error::damaged(format!(
                    "TIFF tag {tag} has an impossible count"
                )))
            }
            None => (field, false),
            Some(n) if n <= 4 => (pos + 8..pos + 8 + n, true),
            Some(n) => {
                let start = o.u32(d, pos + 8).unwrap_or(u32::MAX) as usize;
                match start.checked_add(n) {
                    Some(end) if end <= d.len() && start >= 8 => (start..end, true),
                    _ => {
                        return Err(Error::damaged(format!(
                            "the value of TIFF tag {tag} ({n} bytes at byte {start}) lies outside the file"
                        )))
                    }
                }
            }
        };
        self.value_bytes = self.value_bytes.saturating_add(value.len());
        if self.value_bytes > d.len().saturating_add(SHARED_VALUE_SLACK) {
            return Err(Error::damaged(format!(
                "its tags point at more than {} bytes of values in {} bytes: many entries share the same bytes",
                self.value_bytes,
                d.len()
            )));
        }
        Ok(Entry {
            tag,
            typ,
            count,
            value,
            known_type,
        })
    }

    fn node(&mut self, offset: u32, kind: Kind, depth: usize) -> Result<Node, Error> {
        let ifd = self.ifd(offset)?;
        let mut children = Vec::new();
        for e in &ifd.entries {
            let child_kind = match (kind, e.tag) {
                (Kind::Image, EXIF_IFD) => Kind::Exif,
                (Kind::Image, GPS_IFD) | (Kind::Exif, INTEROP_IFD) => Kind::Other,
                (Kind::Image, SUB_IFDS) if self.limits.sub_ifds && depth < MAX_DEPTH => Kind::Image,
                _ => continue,
            };
            match self.children(e, child_kind, depth) {
                Ok(found) => children.extend(found),
                Err(_) if self.forgives() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Node { ifd, children })
    }

    /// The directories the pointer entry `e` leads to.
    fn children(&mut self, e: &Entry, kind: Kind, depth: usize) -> Result<Vec<(u16, Node)>, Error> {
        let offsets = e.uints(self.data, self.order)?;
        if e.tag != SUB_IFDS && offsets.len() != 1 {
            return Err(Error::damaged(format!(
                "TIFF pointer tag {} holds {} values",
                e.tag,
                offsets.len()
            )));
        }
        let mut children = Vec::new();
        for off in offsets {
            let off = u32::try_from(off).map_err(|_| Error::damaged("bad TIFF pointer"))?;
            children.push((e.tag, self.node(off, kind, depth + 1)?));
        }
        Ok(children)
    }
}

// ---------------------------------------------------------------------------
// Bytes nobody points to.

/// How many bytes of `data` lie outside every range of `referenced` and are
/// not zero: data the directories no longer reach (an old GPS directory, an
/// old thumbnail left by an in-place editor, text appended after the
/// block). Zeros are padding and say nothing.
pub fn unreferenced_nonzero(data: &[u8], referenced: &[Range<usize>]) -> usize {
    let mut sorted: Vec<Range<usize>> = referenced
        .iter()
        .filter(|r| r.start < r.end)
        .cloned()
        .collect();
    sorted.sort_unstable_by_key(|r| r.start);
    let mut at = 0;
    let mut count = 0;
    let mut gap = |from: usize, to: usize| {
        let to = to.min(data.len());
        if from < to {
            count += data[from..to].iter().filter(|&&b| b != 0).count();
        }
    };
    for r in sorted {
        if r.start > at {
            gap(at, r.start);
        }
        at = at.max(r.end);
    }
    gap(at, data.len());
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_count_only_nonzero_bytes() {
        let data = b"\x01\x02\0\0XY\0Z";
        assert_eq!(unreferenced_nonzero(data, &[0..2, 4..6]), 1);
        assert_eq!(unreferenced_nonzero(data, &[0..4, 4..8]), 0);
        assert_eq!(unreferenced_nonzero(data, &[3..5, 0..4]), 2);
    }
}
