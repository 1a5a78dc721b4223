//! ISO base media file format boxes (ISO/IEC 14496-12), shared by the HEIF
//! image container and the MP4/MOV video container.
//!
//! A file is a sequence of boxes. Each box starts with a 32-bit big-endian
//! size (header included) and a four-character type; size 1 means a 64-bit
//! size follows the type, size 0 means "to the end of the file" (allowed for
//! the last top-level box only); type `uuid` adds a 16-byte extended type.
//! Container boxes hold more boxes after their header; "full" boxes start
//! their payload with a version byte and 24 bits of flags.
//!
//! Everything here works on untrusted bytes: every size is checked against
//! the enclosing box before it is used, every loop is bounded by
//! [`MAX_BOXES`], every descent by [`MAX_DEPTH`], and nothing panics.

use crate::source::Source;
use crate::Error;
use std::ops::Range;

/// Deepest nesting [`walk`] descends into.
pub const MAX_DEPTH: usize = 32;
/// Most boxes read from one parent (and by one [`walk`]).
pub const MAX_BOXES: usize = 1 << 20;
/// Most bytes a box header takes: size, type, 64-bit size, extended type.
pub const MAX_HEADER: usize = 32;

/// Where one box is, in offsets from the start of the data it was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BoxHeader {
    /// The four-character type, e.g. `*b"meta"`.
    pub kind: [u8; 4],
    /// Offset of the size field (the start of the box).
    pub start: u64,
    /// Offset of the payload, just after the header.
    pub body: u64,
    /// Offset just after the box.
    pub end: u64,
    /// The extended type of a `uuid` box.
    pub uuid: Option<[u8; 16]>,
}

impl BoxHeader {
    /// The whole box as a range of offsets.
    pub fn range(&self) -> Range<usize> {
        to_usize(self.start)..to_usize(self.end)
    }

    /// The payload as a range of offsets.
    pub fn body_range(&self) -> Range<usize> {
        to_usize(self.body)..to_usize(self.end)
    }

    /// The payload bytes, from the data the box was read from (empty if
    /// `data` is not that data).
    pub fn body<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        data.get(self.body_range()).unwrap_or(&[])
    }

    /// The whole box's bytes, from the data it was read from.
    pub fn bytes<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        data.get(self.range()).unwrap_or(&[])
    }

    /// The header's length in bytes.
    pub fn header_len(&self) -> u64 {
        self.body - self.start
    }

    /// The payload's length in bytes.
    pub fn body_len(&self) -> u64 {
        self.end - self.body
    }

    /// The offset of the type field (to rename a box in place).
    pub fn kind_offset(&self) -> u64 {
        self.start + 4
    }

    /// Whether this box is of type `kind`.
    pub fn is(&self, kind: &[u8; 4]) -> bool {
        &self.kind == kind
    }

    /// The type as printable text (`©xyz`, `meta`, `0x00000000`…).
    pub fn name(&self) -> String {
        kind_name(self.kind)
    }
}

/// Offsets inside a slice always fit in `usize`; anything else maps to an
/// empty range rather than a wrong one.
fn to_usize(v: u64) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

/// A four-character code as text; bytes outside printable ASCII are shown
/// as `©` for 0xA9 (QuickTime) or as hex for the whole code.
pub fn kind_name(kind: [u8; 4]) -> String {
    if kind
        .iter()
        .all(|&b| b.is_ascii_graphic() || b == b' ' || b == 0xA9)
    {
        kind.iter()
            .map(|&b| if b == 0xA9 { '©' } else { b as char })
            .collect()
    } else {
        format!("0x{:08X}", u32::from_be_bytes(kind))
    }
}

/// Reads the header of the box at `start`, whose parent ends at `limit`.
///
/// `head` holds the file's bytes from `start` on (at least [`MAX_HEADER`] of
/// them, or all up to `limit` if fewer): this lets a caller that streams a
/// large file read a header from a small buffer. Size 0 is accepted only if
/// `top_level` (it then extends the box to `limit`, the end of the file).
///
/// Errors for a header cut short, a size smaller than the header (which
/// would loop), and a box that runs past `limit`.
pub fn parse_header(
    head: &[u8],
    start: u64,
    limit: u64,
    top_level: bool,
) -> Result<BoxHeader, Error> {
    let room = limit.saturating_sub(start);
    let avail = &head[..head.len().min(usize::try_from(room).unwrap_or(usize::MAX))];
    let mut r = Reader::new(avail);
    let cut = |_| Error::damaged(format!("box header at byte {start} is cut short"));
    let size32 = r.u32().map_err(cut)?;
    let kind: [u8; 4] = r.array().map_err(cut)?;
    let name = kind_name(kind);
    let size = match size32 {
        0 if top_level => room,
        0 => {
            return Err(Error::damaged(format!(
                "box '{name}' at byte {start} has size 0, allowed only for the last box of a file"
            )))
        }
        1 => r.u64().map_err(cut)?,
        n => u64::from(n),
    };
    let uuid = if &kind == b"uuid" {
        Some(r.array::<16>().map_err(cut)?)
    } else {
        None
    };
    let header_len = r.position() as u64;
    if size < header_len {
        return Err(Error::damaged(format!(
            "box '{name}' at byte {start} says it is {size} bytes long, shorter than its header"
        )));
    }
    if size > room {
        let parent = if top_level {
            "the file"
        } else {
            "its parent box"
        };
        return Err(Error::damaged(format!(
            "box '{name}' at byte {start} says it is {size} bytes long, past the end of {parent} (byte {limit})"
        )));
    }
    Ok(BoxHeader {
        kind,
        start,
        body: start + header_len,
        end: start + size,
        uuid,
    })
}

/// Reads the box at `pos` in `data`, inside a parent that ends at `end`.
pub fn read_box(data: &[u8], pos: usize, end: usize, top_level: bool) -> Result<BoxHeader, Error> {
    let end = end.min(data.len());
    let head = data.get(pos..end).unwrap_or(&[]);
    parse_header(head, pos as u64, end as u64, top_level)
}

/// The boxes in a range of a slice, in order. Yields at most one error, and
/// nothing after it.
pub struct Boxes<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
    top_level: bool,
    count: usize,
    done: bool,
}

impl<'a> Boxes<'a> {
    /// Where the next box would start.
    pub fn position(&self) -> usize {
        self.pos
    }
}

/// The top-level boxes of a file (size 0 allowed for the last one).
pub fn top_level(data: &[u8]) -> Boxes<'_> {
    Boxes {
        data,
        pos: 0,
        end: data.len(),
        top_level: true,
        count: 0,
        done: false,
    }
}

/// The boxes inside `range` of `data` (for a container's payload, or the
/// part of it after a full box's version and flags).
///
/// Fewer than 8 bytes left at the end are accepted if they are all zero
/// (QuickTime ends some lists with a 32-bit zero); anything else that is not
/// a whole box is an error.
pub fn boxes_in(data: &[u8], range: Range<usize>) -> Boxes<'_> {
    let end = range.end.min(data.len());
    Boxes {
        data,
        pos: range.start.min(end),
        end,
        top_level: false,
        count: 0,
        done: false,
    }
}

/// The child boxes of `parent`, skipping `skip` bytes of its payload first
/// (4 for a full box's version and flags).
pub fn children<'a>(data: &'a [u8], parent: &BoxHeader, skip: usize) -> Boxes<'a> {
    let body = parent.body_range();
    let start = body.start.saturating_add(skip).min(body.end);
    boxes_in(data, start..body.end)
}

impl Iterator for Boxes<'_> {
    type Item = Result<BoxHeader, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.pos >= self.end {
            return None;
        }
        let rest = self.data.get(self.pos..self.end).unwrap_or(&[]);
        if !self.top_level && rest.len() < 8 && rest.iter().all(|&b| b == 0) {
            self.done = true;
            return None;
        }
        self.count += 1;
        if self.count > MAX_BOXES {
            self.done = true;
            return Some(Err(Error::damaged(format!(
                "more than {MAX_BOXES} boxes in one place"
            ))));
        }
        match read_box(self.data, self.pos, self.end, self.top_level) {
            Ok(header) => {
                self.pos = to_usize(header.end);
                Some(Ok(header))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// The first child of type `kind`, if any (errors in the children are
/// returned).
pub fn find(mut boxes: Boxes<'_>, kind: &[u8; 4]) -> Result<Option<BoxHeader>, Error> {
    boxes.try_fold(None, |found, b| {
        let b = b?;
        Ok(found.or((&b.kind == kind).then_some(b)))
    })
}

/// A full box's version and flags, and the rest of its payload.
#[derive(Clone, Copy, Debug)]
pub struct FullBox<'a> {
    pub version: u8,
    pub flags: u32,
    pub rest: &'a [u8],
}

/// Splits a full box's payload into version, flags and the rest.
pub fn full_box(body: &[u8]) -> Result<FullBox<'_>, Error> {
    match body {
        [version, a, b, c, rest @ ..] => Ok(FullBox {
            version: *version,
            flags: u32::from_be_bytes([0, *a, *b, *c]),
            rest,
        }),
        _ => Err(Error::damaged(
            "a box is too short for its version and flags",
        )),
    }
}

/// How many bytes of a `meta` box's payload come before its children: 4 for
/// the ISO full box (version and flags), 0 for QuickTime's plain container,
/// told apart by where the `hdlr` box (always first) sits.
pub fn meta_header_len(body: &[u8]) -> usize {
    if body.get(4..8) == Some(b"hdlr") {
        0
    } else {
        4
    }
}

/// What [`walk`] does after visiting a box.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Descend {
    /// Do not look inside.
    No,
    /// Read the payload as child boxes after skipping this many bytes.
    Children(usize),
}

/// Visits every box in `range` depth-first; `visit` gets each header and its
/// depth (0 for the boxes directly in `range`) and says whether to descend.
/// Stops at the first error. `top_level` allows size 0 at depth 0.
pub fn walk<F>(
    data: &[u8],
    range: Range<usize>,
    top_level: bool,
    visit: &mut F,
) -> Result<(), Error>
where
    F: FnMut(&BoxHeader, usize) -> Result<Descend, Error>,
{
    let mut budget = MAX_BOXES;
    let mut first = boxes_in(data, range);
    first.top_level = top_level;
    walk_level(data, first, 0, &mut budget, visit)
}

fn walk_level<F>(
    data: &[u8],
    boxes: Boxes<'_>,
    depth: usize,
    budget: &mut usize,
    visit: &mut F,
) -> Result<(), Error>
where
    F: FnMut(&BoxHeader, usize) -> Result<Descend, Error>,
{
    if depth > MAX_DEPTH {
        return Err(Error::damaged(format!(
            "boxes are nested more than {MAX_DEPTH} deep"
        )));
    }
    for header in boxes {
        let header = header?;
        *budget = budget
            .checked_sub(1)
            .ok_or_else(|| Error::damaged(format!("more than {MAX_BOXES} boxes")))?;
        if let Descend::Children(skip) = visit(&header, depth)? {
            walk_level(
                data,
                children(data, &header, skip),
                depth + 1,
                budget,
                visit,
            )?;
        }
    }
    Ok(())
}

/// The error for a failed read of a source.
pub fn read_error(at: u64, e: std::io::Error) -> Error {
    Error::io_because(format!("cannot read at byte {at}"), e)
}

/// Reads the header of the box at `start` of `src`, whose parent ends at
/// `limit` (see [`parse_header`]); only the header's bytes are read.
pub fn header_at<R: Source + ?Sized>(
    src: &R,
    start: u64,
    limit: u64,
    top_level: bool,
) -> Result<BoxHeader, Error> {
    let limit = limit.min(src.size());
    let n = limit.saturating_sub(start).min(MAX_HEADER as u64) as usize;
    let mut head = [0u8; MAX_HEADER];
    src.read_exact_at(&mut head[..n], start)
        .map_err(|e| read_error(start, e))?;
    parse_header(&head[..n], start, limit, top_level)
}

/// The top-level boxes of `src`, read header by header (the payloads are
/// not read). Errors for anything after the last box that is not a whole
/// box, and for more than [`MAX_BOXES`] boxes.
pub fn top_level_at<R: Source + ?Sized>(src: &R) -> Result<Vec<BoxHeader>, Error> {
    let mut boxes = Vec::new();
    let mut pos = 0;
    while pos < src.size() {
        if boxes.len() == MAX_BOXES {
            return Err(Error::damaged(format!(
                "more than {MAX_BOXES} top-level boxes"
            )));
        }
        let header = header_at(src, pos, src.size(), true)?;
        pos = header.end;
        boxes.push(header);
    }
    Ok(boxes)
}

/// Reads the whole box `header` of `src` into memory, refusing boxes larger
/// than `max` bytes.
pub fn read_whole<R: Source + ?Sized>(
    src: &R,
    header: &BoxHeader,
    max: u64,
) -> Result<Vec<u8>, Error> {
    let len = header.end - header.start;
    if len > max {
        return Err(Error::Unsupported(format!(
            "the '{}' box is {len} bytes long, more than the {max} bytes photoscrub reads into memory",
            header.name()
        )));
    }
    let mut buf = vec![0; len as usize];
    src.read_exact_at(&mut buf, header.start)
        .map_err(|e| read_error(header.start, e))?;
    Ok(buf)
}

impl BoxHeader {
    /// This header with every offset moved by `base` (for a box read from a
    /// buffer that starts at byte `base` of the file).
    pub fn shifted(&self, base: u64) -> BoxHeader {
        BoxHeader {
            start: self.start + base,
            body: self.body + base,
            end: self.end + base,
            ..*self
        }
    }

    /// The whole box as a range of `u64` offsets.
    pub fn span(&self) -> Range<u64> {
        self.start..self.end
    }

    /// The payload as a range of `u64` offsets.
    pub fn body_span(&self) -> Range<u64> {
        self.body..self.end
    }
}

/// A big-endian reader over a box's payload. Every read checks the bytes
/// that are left and returns a [`Short`] error instead of panicking.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

/// A read went past the end of the bytes given to a [`Reader`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Short;

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data, pos: 0 }
    }

    /// Bytes read so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], Short> {
        let end = self.pos.checked_add(n).ok_or(Short)?;
        let out = self.data.get(self.pos..end).ok_or(Short)?;
        self.pos = end;
        Ok(out)
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> Result<(), Short> {
        self.bytes(n).map(|_| ())
    }

    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], Short> {
        let b = self.bytes(N)?;
        let mut out = [0; N];
        out.copy_from_slice(b);
        Ok(out)
    }

    pub fn u8(&mut self) -> Result<u8, Short> {
        Ok(self.array::<1>()?[0])
    }

    pub fn u16(&mut self) -> Result<u16, Short> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub fn u32(&mut self) -> Result<u32, Short> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub fn u64(&mut self) -> Result<u64, Short> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// An unsigned integer of `size` bytes (0 to 8; 0 reads nothing and
    /// gives 0), as used by `iloc`'s variable-size fields.
    pub fn uint(&mut self, size: usize) -> Result<u64, Short> {
        if size > 8 {
            return Err(Short);
        }
        Ok(self
            .bytes(size)?
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    /// A NUL-terminated string; a string that runs to the end of the data
    /// without a NUL is accepted (some writers omit the last one).
    pub fn cstr(&mut self) -> Result<&'a [u8], Short> {
        let rest = self.data.get(self.pos..).ok_or(Short)?;
        match rest.iter().position(|&b| b == 0) {
            Some(n) => {
                self.pos += n + 1;
                Ok(&rest[..n])
            }
            None => {
                self.pos = self.data.len();
                Ok(rest)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn reads_32_and_64_bit_sizes_and_size_zero() {
        let mut data = boxed(b"ftyp", b"heic\0\0\0\0");
        let large_at = data.len();
        data.extend_from_slice(&1u32.to_be_bytes());
        data.extend_from_slice(b"free");
        data.extend_from_slice(&20u64.to_be_bytes());
        data.extend_from_slice(b"abcd");
        data.extend_from_slice(&0u32.to_be_bytes());
        data.extend_from_slice(b"mdat");
        data.extend_from_slice(b"pixels");
        let boxes: Vec<BoxHeader> = top_level(&data).collect::<Result<_, _>>().unwrap();
        assert_eq!(boxes.len(), 3);
        assert_eq!(boxes[1].start, large_at as u64);
        assert_eq!(boxes[1].header_len(), 16);
        assert_eq!(boxes[1].body(&data), b"abcd");
        assert_eq!(boxes[2].body(&data), b"pixels");
    }

    #[test]
    fn bad_sizes_are_errors() {
        let past_end = boxed(b"meta", b"xx");
        let mut cut = past_end.clone();
        cut[3] = 200;
        assert!(top_level(&cut).next().unwrap().is_err());
        let mut small = past_end.clone();
        small[3] = 4;
        assert!(top_level(&small).next().unwrap().is_err());
        let mut huge = 1u32.to_be_bytes().to_vec();
        huge.extend_from_slice(b"mdat");
        huge.extend_from_slice(&u64::MAX.to_be_bytes());
        assert!(top_level(&huge).next().unwrap().is_err());
        let nested_zero = boxed(b"meta", &[0, 0, 0, 0, 0, 0, 0, 0, b'i', b'i', b'n', b'f']);
        let meta = top_level(&nested_zero).next().unwrap().unwrap();
        assert!(children(&nested_zero, &meta, 4).next().unwrap().is_err());
    }

    #[test]
    fn truncations_never_panic() {
        let mut data = boxed(b"ftyp", b"heic\0\0\0\0");
        data.extend(boxed(b"meta", &[0; 40]));
        for len in 0..data.len() {
            let _ = top_level(&data[..len]).count();
            let mut n = 0;
            let _ = walk(&data[..len], 0..len, true, &mut |_, _| {
                n += 1;
                Ok(Descend::Children(4))
            });
        }
    }

    #[test]
    fn walk_limits_depth() {
        let mut data = boxed(b"free", b"");
        for _ in 0..(MAX_DEPTH + 5) {
            data = boxed(b"dinf", &data);
        }
        let err = walk(&data, 0..data.len(), true, &mut |_, _| {
            Ok(Descend::Children(0))
        });
        assert!(err.unwrap_err().to_string().contains("nested"));
    }

    #[test]
    fn headers_are_read_from_a_source_without_the_payloads() {
        let mut data = boxed(b"ftyp", b"isom\0\0\0\0");
        data.extend_from_slice(&1u32.to_be_bytes());
        data.extend_from_slice(b"mdat");
        data.extend_from_slice(&20u64.to_be_bytes());
        data.extend_from_slice(b"abcd");
        data.extend(boxed(b"moov", &boxed(b"mvhd", &[0; 8])));
        let src: &[u8] = &data;
        let tops = top_level_at(src).unwrap();
        let direct: Vec<BoxHeader> = top_level(&data).collect::<Result<_, _>>().unwrap();
        assert_eq!(tops, direct);
        assert_eq!(tops[1].header_len(), 16);
        let moov = read_whole(src, &tops[2], 1 << 20).unwrap();
        assert_eq!(moov, tops[2].bytes(&data));
        assert!(read_whole(src, &tops[2], 4).is_err());
        let inner = read_box(&moov, 8, moov.len(), false)
            .unwrap()
            .shifted(tops[2].start);
        assert_eq!(inner.span(), 44..60);
        assert_eq!(inner.body_span(), 52..60);
        for len in 0..data.len() {
            let cut: &[u8] = &data[..len];
            assert!(top_level_at(cut).is_err() || [0, 16, 36].contains(&len));
        }
        let mut zero = data.clone();
        zero[36..40].copy_from_slice(&0u32.to_be_bytes());
        let tops = top_level_at(&zero[..]).unwrap();
        assert_eq!(tops[2].end, zero.len() as u64);
    }

    #[test]
    fn reader_checks_bounds() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(r.uint(2), Ok(0x0102));
        assert_eq!(r.u16(), Err(Short));
        assert_eq!(r.uint(9), Err(Short));
        assert_eq!(r.cstr(), Ok(&[3u8][..]));
        assert_eq!(meta_header_len(b"\0\0\0\0\0\0\0\x21hdlr"), 4);
        assert_eq!(meta_header_len(b"\0\0\0\x21hdlr"), 0);
    }
}
