//! Writing TIFF directories from scratch: every entry, value and pointer
//! is bytes photoscrub wrote, at offsets it chose.

use crate::metadata::ifd::Order;
use crate::Error;

/// One entry to write, with its value bytes (already in the file's order).
#[derive(Clone, Debug)]
pub struct OutEntry {
    pub tag: u16,
    pub typ: u16,
    pub count: u32,
    pub bytes: Vec<u8>,
}

/// A directory to write, with the sub-directories it points to.
#[derive(Clone, Debug, Default)]
pub struct OutIfd {
    pub entries: Vec<OutEntry>,
    pub children: Vec<(u16, OutIfd)>,
}

/// What one entry of a directory being written holds.
enum Payload<'b> {
    Bytes(&'b [u8]),
    Child(&'b OutIfd),
}

/// One entry of a directory being written.
struct Slot<'b> {
    tag: u16,
    typ: u16,
    count: u32,
    payload: Payload<'b>,
}

/// The entries of `ifd` and the pointers to its sub-directories (LONG),
/// sorted by tag as TIFF requires.
fn slots(ifd: &OutIfd) -> Vec<Slot<'_>> {
    let values = ifd.entries.iter().map(|e| Slot {
        tag: e.tag,
        typ: e.typ,
        count: e.count,
        payload: Payload::Bytes(&e.bytes),
    });
    let children = ifd.children.iter().map(|(tag, child)| Slot {
        tag: *tag,
        typ: 4,
        count: 1,
        payload: Payload::Child(child),
    });
    let mut slots: Vec<Slot> = values.chain(children).collect();
    slots.sort_by_key(|s| s.tag);
    slots
}

/// Directories written to a buffer that will sit at byte `base` of the
/// file: offsets inside it are `base` plus the position in the buffer.
pub struct Writer {
    base: usize,
    order: Order,
    pub out: Vec<u8>,
}

impl Writer {
    pub fn new(base: usize, order: Order) -> Writer {
        Writer {
            base,
            order,
            out: Vec::new(),
        }
    }

    /// The file offset of the next byte written.
    fn here(&self) -> Result<u32, Error> {
        u32::try_from(self.base + self.out.len()).map_err(|_| {
            Error::damaged(
                "the cleaned TIFF would be larger than 4 GB, past what a TIFF can address",
            )
        })
    }

    fn align(&mut self) {
        if (self.base + self.out.len()) % 2 == 1 {
            self.out.push(0);
        }
    }

    fn patch_u32(&mut self, at: usize, value: u32) {
        if let Some(slot) = self.out.get_mut(at..at + 4) {
            slot.copy_from_slice(&self.order.u32_bytes(value));
        }
    }

    /// Writes one 12-byte entry; returns where (in the buffer) its value
    /// field is if the value is written later (out of line, or a
    /// sub-directory).
    fn entry(&mut self, slot: &Slot) -> Option<usize> {
        let order = self.order;
        self.out.extend_from_slice(&order.u16_bytes(slot.tag));
        self.out.extend_from_slice(&order.u16_bytes(slot.typ));
        self.out.extend_from_slice(&order.u32_bytes(slot.count));
        let field = self.out.len();
        let mut inline = [0u8; 4];
        let later = match slot.payload {
            Payload::Bytes(bytes) if bytes.len() <= 4 => {
                inline[..bytes.len()].copy_from_slice(bytes);
                None
            }
            _ => Some(field),
        };
        self.out.extend_from_slice(&inline);
        later
    }

    /// Appends `ifd` (table, values, then sub-directories), word-aligned.
    /// Returns its offset and where (in the buffer) its next-IFD field is.
    fn ifd(&mut self, ifd: &OutIfd) -> Result<(u32, usize), Error> {
        let slots = slots(ifd);
        let count = u16::try_from(slots.len()).map_err(|_| Error::damaged("too many TIFF tags"))?;
        self.align();
        let start = self.here()?;
        self.out.extend_from_slice(&self.order.u16_bytes(count));
        let later: Vec<(usize, &Slot)> = slots
            .iter()
            .filter_map(|slot| Some((self.entry(slot)?, slot)))
            .collect();
        let next = self.out.len();
        self.out.extend_from_slice(&[0; 4]);
        for (field, slot) in later {
            let at = match slot.payload {
                Payload::Bytes(bytes) => {
                    self.align();
                    let at = self.here()?;
                    self.out.extend_from_slice(bytes);
                    at
                }
                Payload::Child(child) => self.ifd(child)?.0,
            };
            self.patch_u32(field, at);
        }
        Ok((start, next))
    }

    /// Appends `ifds` as a chain; returns the offset of the first (0 for
    /// none), for the header.
    pub fn chain(&mut self, ifds: &[OutIfd]) -> Result<u32, Error> {
        let mut first = 0;
        let mut link: Option<usize> = None;
        for ifd in ifds {
            let (at, next) = self.ifd(ifd)?;
            match link {
                Some(field) => self.patch_u32(field, at),
                None => first = at,
            }
            link = Some(next);
        }
        Ok(first)
    }
}

/// The 8-byte header: byte order, 42, the offset of the first directory.
pub fn header(order: Order, first: u32) -> [u8; 8] {
    let mut h = [0u8; 8];
    h[..2].copy_from_slice(order.mark());
    h[2..4].copy_from_slice(&order.u16_bytes(42));
    h[4..].copy_from_slice(&order.u32_bytes(first));
    h
}

/// A whole TIFF holding only `ifds` (no image data): how the EXIF reader is
/// handed one directory of a file, and how tests build small files.
pub fn directories_only(ifds: &[OutIfd], order: Order) -> Result<Vec<u8>, Error> {
    let mut w = Writer::new(8, order);
    let first = w.chain(ifds)?;
    let mut out = header(order, first).to_vec();
    out.extend_from_slice(&w.out);
    Ok(out)
}
