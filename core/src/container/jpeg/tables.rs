//! Quantisation (DQT) and Huffman (DHT) tables: which of them the image
//! uses. A table no scan reads is free storage — 64 to 256 bytes a decoder
//! never looks at — so only the tables the image uses are image data; the
//! rest is removed and reported.
//!
//! A table is used when a scan reads it before it is redefined: a
//! quantisation table when the first scan of a component that names it
//! starts (decoders latch it then), a Huffman table when a scan names it for
//! one of its components. This is worked out for a single sequential or
//! progressive Huffman-coded frame (SOF0–SOF2), which is every JPEG a camera
//! or editor writes; in any other frame every table counts as used.

use crate::Error;
use std::collections::HashMap;
use std::ops::Range;

const DHT: u8 = 0xC4;
const DQT: u8 = 0xDB;
const SOS: u8 = 0xDA;

/// Which table a definition fills: quantisation, DC or AC Huffman, and its
/// slot (0–3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Slot {
    Quant(u8),
    Dc(u8),
    Ac(u8),
}

impl Slot {
    pub(super) fn describe(self) -> String {
        match self {
            Slot::Quant(n) => format!("quantisation table {n}"),
            Slot::Dc(n) => format!("DC Huffman table {n}"),
            Slot::Ac(n) => format!("AC Huffman table {n}"),
        }
    }
}

/// One table definition: where it is (inside its segment's payload) and
/// whether the image reads it.
#[derive(Clone, Debug)]
pub(super) struct Table {
    pub range: Range<usize>,
    pub slot: Slot,
    pub used: bool,
}

/// The table definitions of every DQT and DHT segment, in file order, with
/// whether the image uses each. `segments` are the marker and payload range
/// of every image-data segment, in order.
pub(super) fn tables(
    data: &[u8],
    segments: impl Iterator<Item = (u8, Range<usize>)>,
) -> Result<Vec<Table>, Error> {
    let mut tables = Vec::new();
    let mut user = Usage::default();
    for (marker, payload) in segments {
        match marker {
            DQT | DHT => {
                for (slot, range) in definitions(data, marker, payload)? {
                    user.define(slot, tables.len());
                    tables.push(Table {
                        range,
                        slot,
                        used: false,
                    });
                }
            }
            0xC0..=0xCF if !matches!(marker, DHT | 0xC8 | 0xCC) => {
                user.frame(marker, &data[payload])?
            }
            SOS => user.scan(&data[payload], &mut tables)?,
            _ => {}
        }
    }
    if !user.prunable() {
        tables.iter_mut().for_each(|t| t.used = true);
    }
    Ok(tables)
}

fn damaged(what: &str) -> Error {
    Error::damaged(format!("JPEG {what}"))
}

/// The tables one DQT or DHT payload defines; the payload must be exactly
/// a run of well-formed definitions.
fn definitions(
    data: &[u8],
    marker: u8,
    payload: Range<usize>,
) -> Result<Vec<(Slot, Range<usize>)>, Error> {
    let mut out = Vec::new();
    let mut at = payload.start;
    while at < payload.end {
        let head = data[at];
        let (slot, len) = if marker == DQT {
            let len = match head >> 4 {
                0 => 65,
                1 => 129,
                _ => return Err(damaged("quantisation table has an unknown precision")),
            };
            (Slot::Quant(head & 0x0F), len)
        } else {
            let counts = data
                .get(at + 1..at + 17)
                .filter(|_| at + 17 <= payload.end)
                .ok_or_else(|| damaged("Huffman table is cut short"))?;
            let symbols: usize = counts.iter().map(|&c| usize::from(c)).sum();
            let slot = match head >> 4 {
                0 => Slot::Dc(head & 0x0F),
                1 => Slot::Ac(head & 0x0F),
                _ => return Err(damaged("Huffman table has an unknown class")),
            };
            if symbols > 256 {
                return Err(damaged("Huffman table has more than 256 symbols"));
            }
            (slot, 17 + symbols)
        };
        if head & 0x0F > 3 || at + len > payload.end {
            return Err(damaged("table is cut short or has a slot past 3"));
        }
        out.push((slot, at..at + len));
        at += len;
    }
    Ok(out)
}

/// What the frame and scans read so far.
#[derive(Default)]
struct Usage {
    /// The frame markers seen (one, for a prunable image).
    frames: Vec<u8>,
    /// Component id → its quantisation table slot.
    components: HashMap<u8, u8>,
    /// Components whose quantisation table is latched (their first scan).
    latched: Vec<u8>,
    /// The latest definition of each slot (an index into the tables).
    current: HashMap<Slot, usize>,
}

impl Usage {
    fn define(&mut self, slot: Slot, index: usize) {
        self.current.insert(slot, index);
    }

    fn frame(&mut self, marker: u8, p: &[u8]) -> Result<(), Error> {
        self.frames.push(marker);
        let n = usize::from(
            *p.get(5)
                .ok_or_else(|| damaged("frame header is cut short"))?,
        );
        if p.len() != 6 + 3 * n {
            return Err(damaged("frame header has the wrong length"));
        }
        for c in p[6..].chunks_exact(3) {
            self.components.insert(c[0], c[2]);
        }
        Ok(())
    }

    fn scan(&mut self, p: &[u8], tables: &mut [Table]) -> Result<(), Error> {
        let n = usize::from(
            *p.first()
                .ok_or_else(|| damaged("scan header is cut short"))?,
        );
        if p.len() != 1 + 2 * n + 3 {
            return Err(damaged("scan header has the wrong length"));
        }
        for c in p[1..1 + 2 * n].chunks_exact(2) {
            let (id, dc, ac) = (c[0], c[1] >> 4, c[1] & 0x0F);
            let mut slots = vec![Slot::Dc(dc), Slot::Ac(ac)];
            if !self.latched.contains(&id) {
                self.latched.push(id);
                slots.extend(self.components.get(&id).map(|&q| Slot::Quant(q)));
            }
            for slot in slots {
                if let Some(&i) = self.current.get(&slot) {
                    tables[i].used = true;
                }
            }
        }
        Ok(())
    }

    /// Whether usage is known for certain: one Huffman-coded sequential or
    /// progressive frame.
    fn prunable(&self) -> bool {
        matches!(self.frames[..], [0xC0..=0xC2])
    }
}
