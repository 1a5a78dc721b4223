//! PNG: chunks in, chunks out.
//!
//! A PNG is an 8-byte signature and a run of chunks, each `length(4, big
//! endian) type(4) data(length) CRC-32(4 over type and data)`, from `IHDR` to
//! `IEND`. The picture is in the critical chunks (`IHDR`, `PLTE`, `IDAT`,
//! `IEND`) and in the colour, transparency and animation chunks; metadata is
//! in `eXIf` (EXIF), the text chunks `tEXt`/`zTXt`/`iTXt` (free text, XMP in
//! the `XML:com.adobe.xmp` iTXt, and ImageMagick's hex-encoded "Raw profile
//! type exif/iptc/xmp" text, which can hold GPS) and `tIME`.
//!
//! The file is read once, chunk by chunk, and every CRC checked. The cleaned
//! file copies nothing from the input but the compressed image data: the
//! zlib stream of the `IDAT` chunks (and of each APNG frame's `fdAT`s),
//! inflated on the way to find where it ends and to check it holds exactly
//! the picture's rows. Everything else is written new: the header, palette,
//! transparency, colour and animation chunks at their defined lengths from
//! checked values, the ICC profile rebuilt under a neutral name, a minimal
//! `eXIf` when the picture needs its Orientation (salvaged from XMP or a raw
//! profile when there is no `eXIf`), and text the policy keeps. Every other
//! chunk, a chunk of the wrong length, bytes after the end of the image
//! data and anything after `IEND` are removed and reported.

use crate::findings::{Category, Finding, Scan};
use crate::format::Format;
use crate::metadata::exif::{Exif, ImageFacts};
use crate::metadata::{exif, icc, iptc, xmp};
use crate::plan::{Inspection, Pieces, Plan};
use crate::policy::Policy;
use crate::Error;
use std::ops::Range;

const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
/// The largest chunk length the PNG specification allows (2^31 - 1).
const MAX_CHUNK: usize = 0x7FFF_FFFF;
/// Compressed text and ICC profiles are never inflated to more than this.
const MAX_INFLATE: usize = 8 << 20;
const XMP_KEYWORD: &str = "XML:com.adobe.xmp";
const RAW_PROFILE: &str = "Raw profile type ";
const XMP_SIGNATURE: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const PHOTOSHOP_SIGNATURE: &[u8] = b"Photoshop 3.0\0";
/// The name every kept ICC profile gets (the original's is free text).
const ICC_NAME: &[u8] = b"ICC profile";

/// One chunk: `start` is the offset of its length field, `end` is just
/// after its CRC.
#[derive(Clone, Copy, Debug)]
struct Chunk {
    kind: [u8; 4],
    start: usize,
    end: usize,
}

impl Chunk {
    fn payload<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        &data[self.payload_range()]
    }

    fn payload_range(&self) -> Range<usize> {
        self.start + 8..self.end - 4
    }

    fn stored_crc(&self, data: &[u8]) -> u32 {
        be32(&data[self.end - 4..self.end])
    }

    fn name(&self) -> String {
        String::from_utf8_lossy(&self.kind).into_owned()
    }
}

/// The chunks of a PNG after its signature, each read and checked as it is
/// reached, up to and including `IEND` (a file of a million chunks is never
/// held as a list).
struct Chunks<'a> {
    data: &'a [u8],
    pos: usize,
    done: bool,
}

impl Iterator for Chunks<'_> {
    type Item = Result<Chunk, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let chunk = read_chunk(self.data, self.pos);
        match &chunk {
            Ok(c) if &c.kind != b"IEND" => self.pos = c.end,
            _ => self.done = true,
        }
        Some(chunk)
    }
}

/// Reads and checks the chunk whose length field is at `pos`.
fn read_chunk(data: &[u8], pos: usize) -> Result<Chunk, Error> {
    let header = data.get(pos..pos + 8).ok_or_else(|| {
        Error::damaged(format!(
            "truncated: the file ends at byte {} before the IEND chunk",
            data.len()
        ))
    })?;
    let len = be32(&header[0..4]) as usize;
    let kind = [header[4], header[5], header[6], header[7]];
    if !kind.iter().all(u8::is_ascii_alphabetic) {
        return Err(Error::damaged(format!(
            "expected a chunk at byte {pos}, found garbage"
        )));
    }
    let name = String::from_utf8_lossy(&kind).into_owned();
    let end = pos.checked_add(12).and_then(|p| p.checked_add(len));
    let end = match end {
        Some(end) if len <= MAX_CHUNK && end <= data.len() => end,
        _ => {
            return Err(Error::damaged(format!(
                "chunk '{name}' at byte {pos} says it is {len} bytes long, past the end of the file"
            )))
        }
    };
    let stored = be32(&data[end - 4..end]);
    if crc32(&data[pos + 4..end - 4]) != stored {
        return Err(Error::damaged(format!(
            "chunk '{name}' at byte {pos} is damaged (its CRC does not match)"
        )));
    }
    Ok(Chunk {
        kind,
        start: pos,
        end,
    })
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

// ---------------------------------------------------------------------------
// The header and what it implies.

/// The checked values of `IHDR`.
#[derive(Clone, Copy, Debug)]
struct Header {
    width: u32,
    height: u32,
    bit_depth: u8,
    colour: u8,
    interlaced: bool,
}

impl Header {
    fn parse(p: &[u8]) -> Result<Header, Error> {
        let bad = |what: &str| Error::damaged(format!("the IHDR chunk is invalid ({what})"));
        if p.len() != 13 {
            return Err(bad("it is not 13 bytes long"));
        }
        let (width, height) = (be32(&p[0..4]), be32(&p[4..8]));
        if width == 0 || height == 0 || width > MAX_CHUNK as u32 || height > MAX_CHUNK as u32 {
            return Err(bad("picture size"));
        }
        let (bit_depth, colour) = (p[8], p[9]);
        let depths: &[u8] = match colour {
            0 => &[1, 2, 4, 8, 16],
            3 => &[1, 2, 4, 8],
            2 | 4 | 6 => &[8, 16],
            _ => return Err(bad("colour type")),
        };
        if !depths.contains(&bit_depth) {
            return Err(bad("bit depth"));
        }
        if p[10] != 0 || p[11] != 0 || p[12] > 1 {
            return Err(bad("compression, filter or interlace method"));
        }
        Ok(Header {
            width,
            height,
            bit_depth,
            colour,
            interlaced: p[12] == 1,
        })
    }

    fn bytes(&self) -> Vec<u8> {
        let mut p = Vec::with_capacity(13);
        p.extend_from_slice(&self.width.to_be_bytes());
        p.extend_from_slice(&self.height.to_be_bytes());
        p.extend_from_slice(&[self.bit_depth, self.colour, 0, 0, u8::from(self.interlaced)]);
        p
    }

    fn channels(&self) -> u64 {
        match self.colour {
            2 => 3,
            4 => 2,
            6 => 4,
            _ => 1,
        }
    }

    /// The length of the filtered rows of a `width` x `height` picture (the
    /// whole image, or one APNG frame): what its zlib stream must inflate to.
    fn raw_len(&self, width: u32, height: u32) -> u64 {
        let bits = self.channels() * u64::from(self.bit_depth);
        let rows = |w: u64, h: u64| {
            if w == 0 || h == 0 {
                0
            } else {
                h * ((w * bits).div_ceil(8) + 1)
            }
        };
        let (w, h) = (u64::from(width), u64::from(height));
        if !self.interlaced {
            return rows(w, h);
        }
        const PASSES: [(u64, u64, u64, u64); 7] = [
            (0, 0, 8, 8),
            (4, 0, 8, 8),
            (0, 4, 4, 8),
            (2, 0, 4, 4),
            (0, 2, 2, 4),
            (1, 0, 2, 2),
            (0, 1, 1, 2),
        ];
        PASSES
            .iter()
            .map(|&(x0, y0, dx, dy)| {
                rows(
                    w.saturating_sub(x0).div_ceil(dx),
                    h.saturating_sub(y0).div_ceil(dy),
                )
            })
            .sum()
    }

    /// The most significant bits a sample can have (sBIT).
    fn sample_depth(&self) -> u8 {
        if self.colour == 3 {
            8
        } else {
            self.bit_depth
        }
    }
}

// ---------------------------------------------------------------------------
// The zlib stream of the image data.

/// A zlib stream fed in pieces (the payloads of consecutive `IDAT` or
/// `fdAT` chunks), inflated into a small ring buffer only to learn where it
/// ends and how much it holds.
///
/// A stream the verifier compares byte for byte with an input stream that
/// was inflated already is not inflated again ([`Stream::trusted`]).
struct Stream {
    /// `None` for a trusted stream.
    inflater: Option<Box<miniz_oxide::inflate::core::DecompressorOxide>>,
    window: Vec<u8>,
    at: usize,
    total: u64,
    expected: u64,
    ended: bool,
}

impl Stream {
    fn new(expected: u64, inflate: Inflate) -> Stream {
        let trusted = inflate == Inflate::Trusted;
        Stream {
            inflater: (!trusted).then(Box::default),
            window: if trusted {
                Vec::new()
            } else {
                vec![0; 1 << 16]
            },
            at: 0,
            total: 0,
            expected,
            ended: false,
        }
    }

    /// Feeds the next piece; returns how many of its bytes belong to the
    /// stream (fewer than all when the stream ends inside it).
    fn feed(&mut self, mut input: &[u8]) -> Result<usize, Error> {
        use miniz_oxide::inflate::core::{decompress, inflate_flags::*};
        use miniz_oxide::inflate::TINFLStatus;
        let Some(inflater) = self.inflater.as_mut() else {
            return Ok(input.len());
        };
        let damaged = |what: &str| Error::damaged(format!("the PNG image data {what}"));
        let flags =
            TINFL_FLAG_PARSE_ZLIB_HEADER | TINFL_FLAG_HAS_MORE_INPUT | TINFL_FLAG_COMPUTE_ADLER32;
        let len = input.len();
        while !self.ended {
            let (status, read, written) =
                decompress(inflater, input, &mut self.window, self.at, flags);
            input = &input[read..];
            self.at = (self.at + written) & (self.window.len() - 1);
            self.total += written as u64;
            if self.total > self.expected {
                return Err(damaged(
                    "holds more rows than the picture has (hidden data): it cannot be cleaned with certainty",
                ));
            }
            match status {
                TINFLStatus::Done => self.ended = true,
                TINFLStatus::HasMoreOutput => {}
                TINFLStatus::NeedsMoreInput if input.is_empty() => break,
                _ => return Err(damaged("does not inflate")),
            }
        }
        Ok(len - input.len())
    }

    /// The stream must have ended with exactly the picture's rows.
    fn finish(&self) -> Result<(), Error> {
        if self.trusted() {
            return Ok(());
        }
        if !self.ended || self.total != self.expected {
            return Err(Error::damaged(
                "the PNG image data ends before the picture does",
            ));
        }
        Ok(())
    }
}

impl Stream {
    /// Whether this stream is taken as it is (see [`Inflate::Trusted`]).
    fn trusted(&self) -> bool {
        self.inflater.is_none()
    }
}

/// Whether the image data's zlib streams are inflated while parsing.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Inflate {
    /// Always, for an input: to learn where each stream ends and that it
    /// holds exactly the picture's rows.
    Checked,
    /// Not for the verifier's re-parse of a cleaned output: every `IDAT`
    /// and `fdAT` payload is taken as image data whole, and the verifier
    /// then requires those bytes to equal, range for range, the input's
    /// image data, whose streams were inflated and checked ([`plan_output`]).
    Trusted,
}

// ---------------------------------------------------------------------------
// The walk: what every chunk says, and what the cleaned file holds.

/// One chunk of the cleaned file, in order.
enum Out {
    /// A chunk written new from checked values.
    Chunk([u8; 4], Vec<u8>),
    /// Image data: a chunk whose payload is `prefix` (an fdAT sequence
    /// number, written) and then `data`, copied from the input.
    Data {
        kind: [u8; 4],
        prefix: Option<[u8; 4]>,
        data: Range<usize>,
        crc: u32,
    },
    /// Where the EXIF goes, if the cleaned file needs one.
    Exif,
    /// A text chunk, kept rebuilt if the policy keeps all it says.
    Text(Chunk),
    /// A `tIME` chunk (checked), kept if the policy keeps times.
    Time(Chunk),
}

/// Where the image data stands.
enum Idat {
    Before,
    In(Stream),
    Ended,
}

/// An APNG's animation, from `acTL` on.
struct Animation {
    frames: u32,
    /// The next sequence number an `fcTL` or `fdAT` must have.
    sequence: u32,
    controls: u32,
    /// Whether the `IDAT` image is the first frame.
    idat_is_frame: bool,
    /// The zlib stream of the current frame's `fdAT`s.
    frame: Option<Stream>,
}

/// A PNG read once: what it says, where its image data is and what the
/// cleaned file is made of.
struct Png<'a> {
    data: &'a [u8],
    inflate: Inflate,
    header: Header,
    outs: Vec<Out>,
    scan: Scan,
    media: Vec<Range<u64>>,
    /// The payload of the first `eXIf`.
    exif: Option<Range<usize>>,
    /// An Orientation found outside `eXIf` (XMP, a raw EXIF profile).
    salvaged: Option<u32>,
    has_icc: bool,
}

/// The walk's state between chunks.
struct Walk {
    idat: Idat,
    animation: Option<Animation>,
    /// Palette entries, once `PLTE` is read.
    palette: Option<usize>,
    /// Chunks that may appear once, already seen.
    seen: Vec<[u8; 4]>,
    exif_placed: bool,
}

impl<'a> Png<'a> {
    fn parse(data: &'a [u8]) -> Result<Png<'a>, Error> {
        Png::parse_with(data, Inflate::Checked)
    }

    fn parse_with(data: &'a [u8], inflate: Inflate) -> Result<Png<'a>, Error> {
        if !data.starts_with(SIGNATURE) {
            return Err(Error::damaged("not a PNG (no PNG signature)"));
        }
        let mut chunks = Chunks {
            data,
            pos: SIGNATURE.len(),
            done: false,
        };
        let first = chunks.next().expect("the first chunk")?;
        if &first.kind != b"IHDR" {
            return Err(Error::damaged("IHDR is not the first chunk"));
        }
        let header = Header::parse(first.payload(data))?;
        let mut png = Png {
            data,
            inflate,
            header,
            outs: vec![Out::Chunk(*b"IHDR", header.bytes())],
            scan: Scan::default(),
            media: Vec::new(),
            exif: None,
            salvaged: None,
            has_icc: false,
        };
        let mut walk = Walk {
            idat: Idat::Before,
            animation: None,
            palette: None,
            seen: vec![*b"IHDR"],
            exif_placed: false,
        };
        let mut image_end = data.len();
        for chunk in chunks {
            let chunk = chunk?;
            png.read(&mut walk, &chunk)?;
            image_end = chunk.end;
        }
        png.finish(walk)?;
        png.scan_trailer(image_end);
        Ok(png)
    }

    /// Takes in one chunk after `IHDR`.
    fn read(&mut self, walk: &mut Walk, chunk: &Chunk) -> Result<(), Error> {
        let payload = chunk.payload(self.data);
        if let Idat::In(stream) = &walk.idat {
            if stream.trusted() && &chunk.kind != b"IDAT" {
                walk.idat = Idat::Ended;
            }
        }
        if matches!(walk.idat, Idat::In(_)) && &chunk.kind != b"IDAT" {
            return Err(Error::damaged(
                "the PNG image data ends before the picture does",
            ));
        }
        match &chunk.kind {
            b"IHDR" => return Err(Error::damaged("more than one IHDR chunk")),
            b"IEND" => {
                if !payload.is_empty() {
                    self.unknown(chunk, "data in IEND");
                }
                self.outs.push(Out::Chunk(*b"IEND", Vec::new()));
            }
            b"IDAT" => self.idat(walk, chunk)?,
            b"acTL" | b"fcTL" | b"fdAT" => self.animation(walk, chunk)?,
            b"eXIf" => self.read_exif(walk, chunk)?,
            b"tEXt" | b"zTXt" | b"iTXt" => self.text(chunk)?,
            b"tIME" => {
                self.scan
                    .extend(one(Category::Time, "PNG tIME", "ModifyDate", time(payload)));
                if payload.len() == 7 {
                    self.outs.push(Out::Time(*chunk));
                }
            }
            b"iCCP" => {
                if let Some(p) = self.structural(walk, chunk) {
                    self.icc(chunk, p);
                }
            }
            kind if kind[0].is_ascii_uppercase() && kind != b"PLTE" => {
                return Err(Error::damaged(format!(
                    "unknown critical chunk '{}': the picture cannot be shown without it",
                    chunk.name()
                )))
            }
            _ => {
                if let Some(p) = self.structural(walk, chunk) {
                    match self.check_structural(walk, &chunk.kind, p) {
                        // The palette and its transparency are decoder
                        // configuration: image data, copied.
                        Ok(()) if matches!(&chunk.kind, b"PLTE" | b"tRNS") => {
                            self.push_data(chunk, None, chunk.payload_range())
                        }
                        Ok(()) => self.outs.push(Out::Chunk(chunk.kind, p.to_vec())),
                        Err(why) => self.unknown(chunk, &why),
                    }
                }
            }
        }
        Ok(())
    }

    /// Reports a chunk that is removed because it is not understood.
    fn unknown(&mut self, chunk: &Chunk, why: &str) {
        let value = format!("{why}, {} bytes", chunk.end - chunk.start - 12);
        let block = format!("PNG {}", chunk.name());
        let block = if chunk.kind[0].is_ascii_lowercase()
            && !is_known(&chunk.kind)
            && !matches!(&chunk.kind, b"acTL" | b"fcTL" | b"fdAT")
        {
            "PNG chunk".to_string()
        } else {
            block
        };
        self.scan.push(Finding::new(
            Category::Unknown,
            &block,
            &chunk.name(),
            value,
        ));
    }

    /// The payload of a chunk that describes the picture (palette,
    /// transparency, colour), if it may be kept where it is: before the image
    /// data, once. Else it is reported and `None`.
    fn structural(&mut self, walk: &mut Walk, chunk: &Chunk) -> Option<&'a [u8]> {
        if !is_known(&chunk.kind) {
            self.unknown(chunk, "not a chunk photoscrub keeps");
            return None;
        }
        if !matches!(walk.idat, Idat::Before) {
            self.unknown(chunk, "after the image data");
            return None;
        }
        if walk.seen.contains(&chunk.kind) {
            self.unknown(chunk, "repeated");
            return None;
        }
        walk.seen.push(chunk.kind);
        Some(chunk.payload(self.data))
    }

    /// Whether a palette, transparency or colour chunk holds exactly the
    /// values its definition allows; else why not.
    fn check_structural(&self, walk: &mut Walk, kind: &[u8; 4], p: &[u8]) -> Result<(), String> {
        let h = &self.header;
        let len = |n: usize| {
            if p.len() == n {
                Ok(())
            } else {
                Err(format!("{} bytes where {n} are defined", p.len()))
            }
        };
        let fail = |what: &str| Err(what.to_string());
        match kind {
            b"PLTE" => {
                let entries = p.len() / 3;
                if h.colour != 3 {
                    return fail("a palette the picture does not use");
                }
                if p.len() % 3 != 0 || entries == 0 || entries > (1usize << h.bit_depth).min(256) {
                    return fail("a palette of the wrong size");
                }
                walk.palette = Some(entries);
                Ok(())
            }
            b"tRNS" => match h.colour {
                0 => len(2),
                2 => len(6),
                3 if walk.palette.is_some_and(|n| (1..=n).contains(&p.len())) => Ok(()),
                _ => fail("transparency the picture cannot have"),
            },
            b"gAMA" if p.len() == 4 && be32(p) == 0 => fail("a gamma of 0"),
            b"gAMA" => len(4),
            b"cHRM" => len(32),
            b"sRGB" if p.len() == 1 && p[0] > 3 => fail("an unknown rendering intent"),
            b"sRGB" => len(1),
            b"cICP" if p.len() == 4 && (p[2] != 0 || p[3] > 1) => fail("invalid values"),
            b"cICP" => len(4),
            b"mDCv" => len(24),
            b"cLLi" => len(8),
            b"pHYs" if p.len() == 9 && p[8] > 1 => fail("an unknown unit"),
            b"pHYs" => len(9),
            b"sBIT" => {
                let n = match h.colour {
                    0 => 1,
                    4 => 2,
                    6 => 4,
                    _ => 3,
                };
                len(n)?;
                if p.iter().any(|&b| b == 0 || b > h.sample_depth()) {
                    return fail("invalid values");
                }
                Ok(())
            }
            b"bKGD" => match h.colour {
                0 | 4 => len(2),
                2 | 6 => len(6),
                _ if p.len() == 1 && walk.palette.is_some_and(|n| usize::from(p[0]) < n) => Ok(()),
                _ => fail("invalid values"),
            },
            _ => fail("not a chunk photoscrub keeps"),
        }
    }

    /// iCCP: name, 0, compression method 0, the zlib-compressed profile.
    /// Kept rebuilt, under a neutral name; an unreadable one is removed.
    fn icc(&mut self, chunk: &Chunk, payload: &[u8]) {
        let rebuilt = split_nul(payload)
            .filter(|(name, _)| !name.is_empty())
            .and_then(|(name, rest)| Some((name, rest.strip_prefix(&[0])?)))
            .ok_or("no profile name or compression method".to_string())
            .and_then(|(name, compressed)| {
                let profile = match inflate(compressed) {
                    Ok(Ok(p)) => p,
                    Ok(Err(TooLarge)) => return Err("a profile too large to read".to_string()),
                    Err(e) => return Err(e.to_string()),
                };
                let rebuilt = icc::rebuild(&profile).map_err(|e| e.to_string())?;
                Ok((name, profile, rebuilt))
            });
        match rebuilt {
            Ok((name, profile, rebuilt)) => {
                self.scan.extend(icc::scan(&profile, "PNG iCCP"));
                if name != ICC_NAME {
                    self.scan.extend(one(
                        Category::Text,
                        "PNG iCCP name",
                        "ProfileName",
                        latin1(name),
                    ));
                }
                let mut out = ICC_NAME.to_vec();
                out.extend_from_slice(&[0, 0]);
                out.extend(miniz_oxide::deflate::compress_to_vec_zlib(&rebuilt, 9));
                self.has_icc = true;
                self.outs.push(Out::Chunk(*b"iCCP", out));
            }
            Err(why) => self.unknown(chunk, &format!("unreadable ICC profile ({why})")),
        }
    }

    fn idat(&mut self, walk: &mut Walk, chunk: &Chunk) -> Result<(), Error> {
        if matches!(walk.idat, Idat::Before) {
            if self.header.colour == 3 && walk.palette.is_none() {
                return Err(Error::damaged("a palette picture without a PLTE chunk"));
            }
            if let Some(animation) = &walk.animation {
                if animation.controls == 0 {
                    return Err(Error::damaged(
                        "an APNG whose still picture is not part of its animation holds two different pictures: it cannot be cleaned with certainty",
                    ));
                }
            }
            self.place_exif(walk);
            let expected = self.header.raw_len(self.header.width, self.header.height);
            walk.idat = Idat::In(Stream::new(expected, self.inflate));
        }
        let stream = match &mut walk.idat {
            Idat::In(stream) => stream,
            _ => {
                if chunk.end - chunk.start > 12 {
                    self.unknown(chunk, "image data after the picture ended");
                }
                return Ok(());
            }
        };
        let payload = chunk.payload_range();
        let used = stream.feed(&self.data[payload.clone()])?;
        let ended = stream.ended;
        let stream = &*stream;
        self.push_data(chunk, None, payload.start..payload.start + used);
        if used < payload.len() {
            self.tail(chunk, payload.len() - used);
        }
        if ended {
            stream.finish()?;
            walk.idat = Idat::Ended;
        }
        Ok(())
    }

    /// Copies `data` as the image data of a chunk like `chunk`.
    fn push_data(&mut self, chunk: &Chunk, prefix: Option<[u8; 4]>, data: Range<usize>) {
        let whole = data.end == chunk.end - 4;
        let crc = if whole {
            chunk.stored_crc(self.data)
        } else {
            let mut c = chunk.kind.to_vec();
            c.extend(prefix.iter().flatten());
            c.extend_from_slice(&self.data[data.clone()]);
            crc32(&c)
        };
        self.media.push(data.start as u64..data.end as u64);
        self.outs.push(Out::Data {
            kind: chunk.kind,
            prefix,
            data,
            crc,
        });
    }

    fn tail(&mut self, chunk: &Chunk, bytes: usize) {
        self.scan.push(Finding::new(
            Category::Unknown,
            &format!("PNG {}", chunk.name()),
            "DataAfterImage",
            format!("{bytes} bytes after the end of the image data"),
        ));
    }

    /// The EXIF goes before the image data (readers may ignore an eXIf
    /// after it), where the first eXIf was or just before the first frame.
    fn place_exif(&mut self, walk: &mut Walk) {
        if !walk.exif_placed {
            walk.exif_placed = true;
            self.outs.push(Out::Exif);
        }
    }

    fn read_exif(&mut self, walk: &mut Walk, chunk: &Chunk) -> Result<(), Error> {
        let payload = chunk.payload(self.data);
        let exif = Exif::parse(exif::tiff_bytes(payload))?;
        self.scan.extend(exif.scan("EXIF"));
        if self.exif.is_none() {
            self.exif = Some(chunk.payload_range());
            if matches!(walk.idat, Idat::Before)
                && walk.animation.as_ref().is_none_or(|a| a.controls == 0)
            {
                self.place_exif(walk);
            }
        }
        Ok(())
    }

    fn text(&mut self, chunk: &Chunk) -> Result<(), Error> {
        let payload = chunk.payload(self.data);
        let (scan, readable) = scan_text(&chunk.kind, payload)?;
        self.scan.extend(scan);
        if self.salvaged.is_none() {
            self.salvaged = salvage_orientation(&chunk.kind, payload);
        }
        if readable {
            self.outs.push(Out::Text(*chunk));
        }
        Ok(())
    }

    fn finish(&mut self, walk: Walk) -> Result<(), Error> {
        match walk.idat {
            Idat::Ended => {}
            Idat::Before => return Err(Error::damaged("no image data (no IDAT chunk)")),
            Idat::In(stream) => stream.finish()?,
        }
        if let Some(animation) = walk.animation {
            if let Some(frame) = &animation.frame {
                frame.finish()?;
            }
            if animation.controls != animation.frames {
                return Err(Error::damaged(format!(
                    "the APNG says it has {} frames but has {}",
                    animation.frames, animation.controls
                )));
            }
        }
        if !matches!(self.outs.last(), Some(Out::Chunk(k, _)) if k == b"IEND") {
            return Err(Error::damaged("truncated: no IEND chunk"));
        }
        Ok(())
    }

    fn scan_trailer(&mut self, image_end: usize) {
        if image_end < self.data.len() {
            let size = self.data.len() - image_end;
            self.scan.push(Finding::new(
                Category::Preview,
                "PNG trailer",
                "TrailerData",
                format!(
                    "{} after IEND, {size} bytes",
                    describe_trailer(&self.data[image_end..])
                ),
            ));
        }
    }

    fn facts(&self) -> ImageFacts {
        ImageFacts {
            dimensions: Some((self.header.width, self.header.height)),
            has_icc: self.has_icc,
            orientation: self.salvaged,
        }
    }
}

/// The chunks photoscrub keeps when they are well formed.
fn is_known(kind: &[u8; 4]) -> bool {
    const KEPT: [&[u8; 4]; 13] = [
        b"PLTE", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"cICP", b"mDCv", b"cLLi", b"pHYs",
        b"sBIT", b"bKGD", b"tIME",
    ];
    KEPT.contains(&kind)
}

/// An Orientation from an XMP or raw EXIF profile text chunk.
fn salvage_orientation(kind: &[u8; 4], payload: &[u8]) -> Option<u32> {
    let text = decode_text(kind, payload).ok()?;
    let value = text.value.ok()?;
    if text.keyword == XMP_KEYWORD {
        return xmp::orientation(&value);
    }
    let profile = text.keyword.strip_prefix(RAW_PROFILE)?;
    let bytes = decode_raw_profile(&value).ok()?;
    match profile.trim().to_ascii_lowercase().as_str() {
        "exif" | "app1" => Exif::parse(exif::tiff_bytes(&bytes)).ok()?.orientation(),
        "xmp" => xmp::orientation(&bytes),
        _ => None,
    }
    .filter(|o| (1..=8).contains(o))
}

fn describe_trailer(bytes: &[u8]) -> &'static str {
    if bytes.iter().all(|&b| b == 0) {
        "padding"
    } else if memchr::memmem::find(bytes, b"ftyp").is_some() {
        "video"
    } else if bytes.starts_with(&[0xFF, 0xD8]) || bytes.starts_with(SIGNATURE) {
        "appended image"
    } else {
        "unknown data"
    }
}

/// tIME: year(2) month day hour minute second.
fn time(p: &[u8]) -> String {
    match p {
        [y1, y2, mo, d, h, mi, s] => format!(
            "{:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}",
            u16::from_be_bytes([*y1, *y2])
        ),
        _ => format!("{} bytes", p.len()),
    }
}

// ---------------------------------------------------------------------------
// APNG.

impl Png<'_> {
    /// `acTL` (before the image data), `fcTL` and `fdAT`: checked against
    /// each other and the header, their sequence numbers in order. Without
    /// an `acTL` before the image data there is no animation, and frame
    /// chunks are not understood.
    fn animation(&mut self, walk: &mut Walk, chunk: &Chunk) -> Result<(), Error> {
        let p = chunk.payload(self.data);
        if &chunk.kind == b"acTL" {
            let valid = p.len() == 8 && be32(p) > 0 && be32(p) <= MAX_CHUNK as u32;
            if walk.animation.is_some() || !matches!(walk.idat, Idat::Before) || !valid {
                self.unknown(chunk, "an animation control that cannot be used");
                return Ok(());
            }
            walk.animation = Some(Animation {
                frames: be32(p),
                sequence: 0,
                controls: 0,
                idat_is_frame: false,
                frame: None,
            });
            self.outs.push(Out::Chunk(*b"acTL", p.to_vec()));
            return Ok(());
        }
        let Some(animation) = walk.animation.as_mut() else {
            self.unknown(chunk, "an animation frame without an animation");
            return Ok(());
        };
        let damaged = |what: &str| Error::damaged(format!("the APNG {what}"));
        if p.len() < 4 || be32(p) != animation.sequence {
            return Err(damaged("frames are out of sequence"));
        }
        animation.sequence += 1;
        if &chunk.kind == b"fcTL" {
            return self.frame_control(walk, p);
        }
        let before = matches!(walk.idat, Idat::Before);
        let frame = match animation.frame.as_mut() {
            Some(frame) if !before && !frame.ended => frame,
            _ => return Err(damaged("frame data comes where no frame can")),
        };
        let data = chunk.payload_range().start + 4..chunk.payload_range().end;
        let used = frame.feed(&self.data[data.clone()])?;
        let prefix = [p[0], p[1], p[2], p[3]];
        self.push_data(chunk, Some(prefix), data.start..data.start + used);
        if used < data.len() {
            self.tail(chunk, data.len() - used);
        }
        Ok(())
    }

    /// fcTL: sequence(4) width(4) height(4) x(4) y(4) delay(2+2) dispose(1)
    /// blend(1), inside the canvas.
    fn frame_control(&mut self, walk: &mut Walk, p: &[u8]) -> Result<(), Error> {
        let h = self.header;
        let damaged = |what: &str| Error::damaged(format!("the APNG {what}"));
        if p.len() != 26 {
            return Err(damaged("has a frame control of the wrong length"));
        }
        let (w, fh, x, y) = (be32(&p[4..]), be32(&p[8..]), be32(&p[12..]), be32(&p[16..]));
        let inside = w > 0
            && fh > 0
            && u64::from(x) + u64::from(w) <= u64::from(h.width)
            && u64::from(y) + u64::from(fh) <= u64::from(h.height);
        if !inside || p[24] > 2 || p[25] > 1 {
            return Err(damaged("has a frame outside its canvas or invalid values"));
        }
        let before = matches!(walk.idat, Idat::Before);
        let animation = walk.animation.as_mut().expect("checked by the caller");
        if let Some(frame) = &animation.frame {
            frame.finish()?;
        }
        if before {
            if animation.controls > 0 || (w, fh, x, y) != (h.width, h.height, 0, 0) {
                return Err(damaged("first frame is not the whole picture"));
            }
            animation.idat_is_frame = true;
            animation.frame = None;
        } else {
            animation.frame = Some(Stream::new(h.raw_len(w, fh), self.inflate));
        }
        animation.controls += 1;
        if before {
            self.place_exif(walk);
        }
        self.outs.push(Out::Chunk(*b"fcTL", p.to_vec()));
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Text chunks.

/// A text chunk, decoded: its keyword and its text, or why the text was not
/// read.
struct Text {
    keyword: String,
    value: Result<Vec<u8>, TooLarge>,
    /// iTXt and decoded text are UTF-8; tEXt and zTXt are Latin-1.
    utf8: bool,
}

/// Compressed text that would inflate past [`MAX_INFLATE`].
struct TooLarge;

/// Splits a tEXt, zTXt or iTXt payload into keyword and text, inflating
/// compressed text.
fn decode_text(kind: &[u8; 4], payload: &[u8]) -> Result<Text, Error> {
    let damaged = |what: &str| {
        Error::damaged(format!(
            "PNG {} chunk is damaged ({what})",
            String::from_utf8_lossy(kind)
        ))
    };
    let (keyword, rest) = split_nul(payload).ok_or_else(|| damaged("no keyword"))?;
    let keyword = latin1(keyword);
    let (value, utf8) = match kind {
        b"tEXt" => (Ok(rest.to_vec()), false),
        b"zTXt" => match rest.split_first() {
            Some((0, compressed)) => (inflate(compressed).map_err(damaged)?, false),
            _ => return Err(damaged("unknown compression method")),
        },
        _ => {
            let (&flag, rest) = rest.split_first().ok_or_else(|| damaged("cut short"))?;
            let (&method, rest) = rest.split_first().ok_or_else(|| damaged("cut short"))?;
            let (_language, rest) = split_nul(rest).ok_or_else(|| damaged("no language"))?;
            let (_translated, text) = split_nul(rest).ok_or_else(|| damaged("cut short"))?;
            match (flag, method) {
                (0, _) => (Ok(text.to_vec()), true),
                (1, 0) => (inflate(text).map_err(damaged)?, true),
                _ => return Err(damaged("unknown compression")),
            }
        }
    };
    Ok(Text {
        keyword,
        value,
        utf8,
    })
}

fn split_nul(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = memchr::memchr(0, bytes)?;
    Some((&bytes[..at], &bytes[at + 1..]))
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

/// Inflates zlib data, stopping at [`MAX_INFLATE`] bytes of output.
fn inflate(compressed: &[u8]) -> Result<Result<Vec<u8>, TooLarge>, &'static str> {
    use miniz_oxide::inflate::{decompress_to_vec_zlib_with_limit, TINFLStatus};
    match decompress_to_vec_zlib_with_limit(compressed, MAX_INFLATE) {
        Ok(text) => Ok(Ok(text)),
        Err(e) if e.status == TINFLStatus::HasMoreOutput => Ok(Err(TooLarge)),
        Err(_) => Err("its compressed text does not inflate"),
    }
}

/// What a text chunk would tell.
fn scan_text(kind: &[u8; 4], payload: &[u8]) -> Result<(Scan, bool), Error> {
    let text = decode_text(kind, payload)?;
    let block = format!("PNG {}", String::from_utf8_lossy(kind));
    let value = match text.value {
        Ok(value) => value,
        Err(TooLarge) => {
            let what = format!("compressed text of more than {MAX_INFLATE} bytes, not read");
            return Ok((one(Category::Text, &block, &text.keyword, what), false));
        }
    };
    let scan = if text.keyword == XMP_KEYWORD {
        xmp::scan(&value, "XMP")
    } else if let Some(kind) = text.keyword.strip_prefix(RAW_PROFILE) {
        scan_raw_profile(kind, &value)?
    } else {
        let value = if text.utf8 {
            String::from_utf8_lossy(&value).into_owned()
        } else {
            latin1(&value)
        };
        one(
            keyword_category(&text.keyword),
            &block,
            &text.keyword,
            value,
        )
    };
    Ok((scan, true))
}

fn one(category: Category, block: &str, tag: &str, value: String) -> Scan {
    let mut scan = Scan::default();
    scan.push(Finding::new(category, block, tag, value));
    scan
}

/// The category of a free-text keyword: the PNG specification's (`Author`,
/// `Creation Time`, `Source`…) and the property names other writers use
/// (ImageMagick's `exif:GPSLatitude`, `photoshop:City`, `xmp:CreatorTool`…).
fn keyword_category(keyword: &str) -> Category {
    const RULES: [(Category, &[&str]); 6] = [
        (
            Category::Location,
            &[
                "gps",
                "latitude",
                "longitude",
                "location",
                "city",
                "country",
                "address",
                "place",
            ],
        ),
        (Category::Device, &["tool", "serial", "uniqueid"]),
        (
            Category::People,
            &[
                "author",
                "artist",
                "copyright",
                "owner",
                "creator",
                "by-line",
                "credit",
                "person",
            ],
        ),
        (Category::Preview, &["thumbnail"]),
        (Category::Time, &["time", "date"]),
        (
            Category::Device,
            &[
                "software", "source", "make", "model", "device", "camera", "lens",
            ],
        ),
    ];
    let k = keyword.to_ascii_lowercase();
    RULES
        .iter()
        .find(|(_, words)| words.iter().any(|w| k.contains(w)))
        .map_or(Category::Text, |(category, _)| *category)
}

/// ImageMagick's raw profiles: the text is a newline, the profile's name, a
/// decimal byte count, then the profile in hexadecimal.
fn scan_raw_profile(kind: &str, text: &[u8]) -> Result<Scan, Error> {
    let bytes = decode_raw_profile(text)
        .map_err(|e| Error::damaged(format!("PNG raw profile '{kind}' is damaged ({e})")))?;
    let block = "raw profile";
    let kind = kind.trim().to_ascii_lowercase();
    let scan = match kind.as_str() {
        "exif" => Exif::parse(exif::tiff_bytes(&bytes))?.scan(&format!("{block} EXIF")),
        "app1" if bytes.starts_with(exif::JPEG_SIGNATURE) => {
            Exif::parse(exif::tiff_bytes(&bytes))?.scan(&format!("{block} EXIF"))
        }
        "app1" if bytes.starts_with(XMP_SIGNATURE) => {
            xmp::scan(&bytes[XMP_SIGNATURE.len()..], &format!("{block} XMP"))
        }
        "xmp" => xmp::scan(&bytes, &format!("{block} XMP")),
        "iptc" | "8bim" => scan_iptc(&bytes, &format!("{block} IPTC"))?,
        _ => one(
            Category::Device,
            &format!("PNG {block}"),
            &format!("{RAW_PROFILE}{kind}"),
            format!("{} bytes", bytes.len()),
        ),
    };
    Ok(scan)
}

/// IPTC as ImageMagick stores it: bare IIM datasets, or Photoshop resources.
fn scan_iptc(bytes: &[u8], block: &str) -> Result<Scan, Error> {
    let bytes = bytes.strip_prefix(PHOTOSHOP_SIGNATURE).unwrap_or(bytes);
    let result = if bytes.starts_with(b"8BIM") {
        iptc::scan_photoshop(bytes, block)
    } else {
        iptc::scan_iptc(bytes, block)
    };
    result.map_err(|e| Error::damaged(format!("IPTC in a PNG raw profile is damaged ({e})")))
}

fn decode_raw_profile(text: &[u8]) -> Result<Vec<u8>, String> {
    let mut pos = 0;
    let _name = next_line(text, &mut pos).ok_or("empty")?;
    let count: usize = next_line(text, &mut pos)
        .and_then(|l| std::str::from_utf8(l).ok())
        .and_then(|s| s.trim().parse().ok())
        .ok_or("no byte count")?;
    let hex = text.get(pos..).unwrap_or(&[]);
    if count > hex.len() / 2 {
        return Err(format!("says {count} bytes, but holds fewer"));
    }
    let mut out = Vec::with_capacity(count);
    let mut digits = hex
        .iter()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|&b| (b as char).to_digit(16));
    while out.len() < count {
        match (digits.next(), digits.next()) {
            (Some(Some(hi)), Some(Some(lo))) => out.push((hi * 16 + lo) as u8),
            (Some(None), _) | (_, Some(None)) => return Err("not hexadecimal".into()),
            _ => return Err(format!("says {count} bytes, but holds {}", out.len())),
        }
    }
    Ok(out)
}

/// The next line at or after `pos` that is not blank; moves `pos` past it.
fn next_line<'a>(text: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    while *pos < text.len() {
        let start = *pos;
        let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |i| start + i);
        *pos = end + 1;
        let line = &text[start..end];
        if !line.iter().all(u8::is_ascii_whitespace) {
            return Some(line);
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Plan.

/// What a PNG says and where its image data is, from one parse.
pub fn inspect(data: &[u8]) -> Result<Inspection, Error> {
    Ok(Png::parse(data)?.inspection())
}

/// How to clean a PNG under `policy`, from one parse.
pub fn plan(data: &[u8], policy: &Policy) -> Result<Plan, Error> {
    plan_with(data, policy, Inflate::Checked)
}

fn plan_with(data: &[u8], policy: &Policy, inflate: Inflate) -> Result<Plan, Error> {
    let png = Png::parse_with(data, inflate)?;
    let output = png.pieces(policy)?;
    Ok(Plan {
        input: png.inspection(),
        input_len: data.len() as u64,
        output,
    })
}

/// [`plan`] for the verifier's re-parse of a cleaned PNG, whose image data
/// it then compares byte for byte with the input's: the zlib streams are
/// not inflated a second time ([`Inflate::Trusted`]). Inflating dominates
/// the time a PNG takes; this halves it.
pub fn plan_output(data: &[u8], policy: &Policy) -> Result<Plan, Error> {
    plan_with(data, policy, Inflate::Trusted)
}

/// Everything a PNG would tell a stranger.
pub fn scan(data: &[u8]) -> Result<Scan, Error> {
    Ok(Png::parse(data)?.scan)
}

/// The cleaned PNG, in one buffer.
pub fn rebuild(data: &[u8], policy: &Policy) -> Result<Vec<u8>, Error> {
    plan(data, policy)?.output.to_vec(data)
}

/// The image data of a PNG, in order: the zlib stream of the `IDAT`
/// chunks and of each frame's `fdAT` chunks, as far as it goes. Two PNGs
/// show the same picture, frame for frame, if these and their (rebuilt)
/// headers are equal.
pub fn image_data(data: &[u8]) -> Result<Vec<&[u8]>, Error> {
    let png = Png::parse(data)?;
    Ok(png
        .media
        .iter()
        .map(|r| &data[r.start as usize..r.end as usize])
        .collect())
}

impl Png<'_> {
    fn inspection(self) -> Inspection {
        Inspection {
            format: Format::Png,
            scan: self.scan,
            media: self.media,
        }
    }

    /// The cleaned file: the signature, then every kept chunk in order.
    fn pieces(&self, policy: &Policy) -> Result<Pieces, Error> {
        let mut exif = self.exif_for(policy)?;
        let keeps_text = Category::ALL
            .into_iter()
            .any(|c| c != Category::Rendering && policy.keeps(c));
        let mut out = Pieces::default();
        out.push_new(SIGNATURE);
        for item in &self.outs {
            match item {
                Out::Chunk(kind, payload) => write_chunk(&mut out, kind, payload)?,
                Out::Data {
                    kind,
                    prefix,
                    data,
                    crc,
                } => {
                    let len = data.len() + if prefix.is_some() { 4 } else { 0 };
                    out.push_new(&(len as u32).to_be_bytes());
                    out.push_new(kind);
                    out.push_new(prefix.as_ref().map_or(&[][..], |p| &p[..]));
                    out.push_input(data.start as u64..data.end as u64);
                    out.push_new(&crc.to_be_bytes());
                }
                Out::Exif => {
                    if let Some(tiff) = exif.take() {
                        write_chunk(&mut out, b"eXIf", &tiff)?;
                    }
                }
                Out::Text(chunk) if keeps_text => {
                    if let Some((kind, payload)) = rebuilt_text(chunk, self.data, policy) {
                        write_chunk(&mut out, &kind, &payload)?;
                    }
                }
                Out::Time(chunk) if policy.keeps(Category::Time) => {
                    write_chunk(&mut out, b"tIME", chunk.payload(self.data))?;
                }
                Out::Text(_) | Out::Time(_) => {}
            }
        }
        Ok(out)
    }

    /// The EXIF the cleaned file needs: rebuilt from the allowlist when the
    /// picture is turned or the policy keeps some of it, else a minimal one
    /// when an Orientation was salvaged from elsewhere.
    fn exif_for(&self, policy: &Policy) -> Result<Option<Vec<u8>>, Error> {
        let exif = match &self.exif {
            Some(r) => Some(Exif::parse(exif::tiff_bytes(&self.data[r.clone()]))?),
            None => None,
        };
        let facts = self.facts();
        if let Some(tiff) = exif::rebuilt_when_needed(exif.as_ref(), policy, facts)? {
            return Ok(Some(tiff));
        }
        let has_own = exif.as_ref().and_then(Exif::orientation).is_some();
        match self.salvaged {
            Some(o) if o != 1 && !has_own => exif::minimal(o, facts).map(Some),
            _ => Ok(None),
        }
    }
}

/// A text chunk the policy keeps everything of, written new: plain text
/// as `tEXt` (Latin-1) or an uncompressed `iTXt` (UTF-8) without language
/// or translated keyword; XMP cut down to the kept properties. Raw
/// profiles and unreadable text are never kept.
fn rebuilt_text(chunk: &Chunk, data: &[u8], policy: &Policy) -> Option<([u8; 4], Vec<u8>)> {
    let text = decode_text(&chunk.kind, chunk.payload(data)).ok()?;
    let value = text.value.ok()?;
    let keyword: Vec<u8> = text.keyword.chars().map(|c| c as u8).collect();
    if keyword.is_empty() || keyword.len() > 79 || text.keyword.starts_with(RAW_PROFILE) {
        return None;
    }
    let itxt = |body: &[u8]| {
        let mut p = keyword.clone();
        p.extend_from_slice(&[0, 0, 0, 0, 0]);
        p.extend_from_slice(body);
        (*b"iTXt", p)
    };
    if text.keyword == XMP_KEYWORD {
        if !policy.keeps_some(&xmp::scan(&value, "XMP")) {
            return None;
        }
        return xmp::filter(&value, policy).map(|packet| itxt(&packet));
    }
    let shown = if text.utf8 {
        String::from_utf8_lossy(&value).into_owned()
    } else {
        latin1(&value)
    };
    let category = keyword_category(&text.keyword);
    if !policy.keeps_all(&one(category, "PNG text", &text.keyword, shown)) {
        return None;
    }
    if text.utf8 {
        std::str::from_utf8(&value).ok()?;
        Some(itxt(&value))
    } else {
        let mut p = keyword;
        p.push(0);
        p.extend_from_slice(&value);
        Some((*b"tEXt", p))
    }
}

fn write_chunk(out: &mut Pieces, kind: &[u8; 4], payload: &[u8]) -> Result<(), Error> {
    let len = u32::try_from(payload.len())
        .ok()
        .filter(|&l| l as usize <= MAX_CHUNK)
        .ok_or_else(|| Error::damaged("rebuilt chunk is too large for PNG"))?;
    let mut body = Vec::with_capacity(payload.len() + 4);
    body.extend_from_slice(kind);
    body.extend_from_slice(payload);
    out.push_new(&len.to_be_bytes());
    out.push_new(&body);
    out.push_new(&crc32(&body).to_be_bytes());
    Ok(())
}

// ---------------------------------------------------------------------------
// CRC-32 (ISO 3309, as the PNG specification defines it), slicing by 8.

const CRC_TABLES: [[u32; 256]; 8] = crc_tables();

const fn crc_tables() -> [[u32; 256]; 8] {
    let mut tables = [[0u32; 256]; 8];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        tables[0][n] = c;
        n += 1;
    }
    let mut t = 1;
    while t < 8 {
        let mut n = 0;
        while n < 256 {
            let prev = tables[t - 1][n];
            tables[t][n] = (prev >> 8) ^ tables[0][(prev & 0xFF) as usize];
            n += 1;
        }
        t += 1;
    }
    tables
}

/// The CRC-32 of `bytes`.
fn crc32(bytes: &[u8]) -> u32 {
    let t = &CRC_TABLES;
    let mut crc = !0u32;
    let mut blocks = bytes.chunks_exact(8);
    for b in &mut blocks {
        let lo = crc ^ u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        crc = t[7][(lo & 0xFF) as usize]
            ^ t[6][((lo >> 8) & 0xFF) as usize]
            ^ t[5][((lo >> 16) & 0xFF) as usize]
            ^ t[4][(lo >> 24) as usize]
            ^ t[3][b[4] as usize]
            ^ t[2][b[5] as usize]
            ^ t[1][b[6] as usize]
            ^ t[0][b[7] as usize];
    }
    for &b in blocks.remainder() {
        crc = (crc >> 8) ^ t[0][((crc ^ u32::from(b)) & 0xFF) as usize];
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny valid PNG from the `image` crate's encoder.
    fn tiny_png() -> Vec<u8> {
        let img = image::RgbImage::from_fn(8, 4, |x, y| image::Rgb([x as u8 * 30, y as u8, 9]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    /// `png` with a chunk inserted after IHDR.
    fn with_chunk(png: &[u8], kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut out = png[..33].to_vec();
        let mut chunk = Pieces::default();
        write_chunk(&mut chunk, kind, payload).unwrap();
        out.extend(chunk.to_vec(&[][..]).unwrap());
        out.extend_from_slice(&png[33..]);
        out
    }

    fn zlib(bytes: &[u8]) -> Vec<u8> {
        miniz_oxide::deflate::compress_to_vec_zlib(bytes, 6)
    }

    /// The verifier does not inflate a cleaned PNG's image data again, so it
    /// must still refuse any output whose image data is not the input's:
    /// here a payload byte changed (with its CRC fixed), and the same
    /// stream followed by hidden bytes in its last IDAT. (The removed text
    /// chunk moves the image data, so the verifier compares its bytes; data
    /// copied to the same offset is checked by the writer's length check.)
    #[test]
    fn the_verifier_refuses_image_data_that_is_not_the_inputs() {
        let input = with_chunk(&tiny_png(), b"tEXt", b"Comment\0Emma at school");
        let plan = plan(&input, &Policy::default()).unwrap();
        let cleaned = plan.output.to_vec(&input[..]).unwrap();
        assert!(crate::verify(&plan, &input[..], &cleaned[..], &Policy::default()).is_ok());

        let idat = Chunks {
            data: &cleaned,
            pos: 8,
            done: false,
        }
        .map(Result::unwrap)
        .find(|c| &c.kind == b"IDAT")
        .unwrap();
        let payload = idat.payload(&cleaned).to_vec();
        let replace_idat = |new_payload: &[u8]| {
            let mut chunk = Pieces::default();
            write_chunk(&mut chunk, b"IDAT", new_payload).unwrap();
            let mut out = cleaned[..idat.start].to_vec();
            out.extend(chunk.to_vec(&[][..]).unwrap());
            out.extend_from_slice(&cleaned[idat.end..]);
            out
        };
        let mut flipped = payload.clone();
        flipped[payload.len() / 2] ^= 0x10;
        let mut longer = payload.clone();
        longer.extend_from_slice(b"hidden");
        for tampered in [replace_idat(&flipped), replace_idat(&longer)] {
            let err = crate::verify(&plan, &input[..], &tampered[..], &Policy::default());
            assert!(
                matches!(err, Err(Error::Unverified(_))),
                "tampered image data passed the verifier: {err:?}"
            );
        }
    }

    #[test]
    fn crc_matches_the_specification() {
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(&[]), 0);
    }

    #[test]
    fn text_chunks_are_found_and_dropped() {
        let png = with_chunk(&tiny_png(), b"tEXt", b"Author\0Jane Parent");
        let mut z = b"Comment\0\0".to_vec();
        z.extend(zlib(b"Emma at Oak Street School"));
        let png = with_chunk(&png, b"zTXt", &z);
        let mut i = b"Title\0\x01\0en\0\0".to_vec();
        i.extend(zlib("Zoë".as_bytes()));
        let png = with_chunk(&png, b"iTXt", &i);
        let scan = scan(&png).unwrap();
        let has = |c, v: &str| {
            scan.findings
                .iter()
                .any(|f| f.category == c && f.value.contains(v))
        };
        assert!(has(Category::People, "Jane Parent"));
        assert!(has(Category::Text, "Oak Street"));
        assert!(has(Category::Text, "Zoë"));
        let clean = rebuild(&png, &Policy::default()).unwrap();
        assert_eq!(clean, tiny_png());
        // Kept text is written new: uncompressed, without language fields.
        let kept = rebuild(&png, &Policy::keep(&[Category::Text])).unwrap();
        let has = |s: &[u8]| memchr::memmem::find(&kept, s).is_some();
        assert!(has(b"tEXtComment\0Emma at Oak Street School"));
        assert!(has("iTXtTitle\0\0\0\0\0Zoë".as_bytes()));
        assert!(!has(b"Jane Parent"));
    }

    #[test]
    fn raw_profile_hex_is_decoded() {
        let iim = [0x1C, 2, 90, 0, 7, b'H', b'a', b'a', b'r', b'l', b'e', b'm'];
        let hex: String = iim.iter().map(|b| format!("{b:02x}")).collect();
        let text = format!(
            "Raw profile type iptc\0\niptc\n      {}\n{hex}\n",
            iim.len()
        );
        let png = with_chunk(&tiny_png(), b"tEXt", text.as_bytes());
        let scan = scan(&png).unwrap();
        assert!(
            scan.findings
                .iter()
                .any(|f| f.category == Category::Location && f.value == "Haarlem"),
            "{:?}",
            scan.findings
        );
    }

    #[test]
    fn oversized_compressed_text_is_reported_and_always_dropped() {
        let big = vec![b'a'; MAX_INFLATE + 1];
        let mut z = b"Comment\0\0".to_vec();
        z.extend(zlib(&big));
        let png = with_chunk(&tiny_png(), b"zTXt", &z);
        let scan = scan(&png).unwrap();
        assert!(scan.findings[0].value.contains("not read"));
        let everything = Policy::only(&[]);
        assert_eq!(rebuild(&png, &everything).unwrap(), tiny_png());
    }

    #[test]
    fn unknown_chunks_time_and_trailer_are_dropped() {
        let png = with_chunk(&tiny_png(), b"tIME", &[7, 232, 5, 1, 12, 0, 0]);
        let mut png = with_chunk(&png, b"prVt", b"secret");
        png.extend_from_slice(b"VENDORTRAILER");
        let scan = scan(&png).unwrap();
        assert_eq!(scan.findings.len(), 3, "{:?}", scan.findings);
        assert_eq!(rebuild(&png, &Policy::default()).unwrap(), tiny_png());
        assert_eq!(image_data(&png).unwrap(), image_data(&tiny_png()).unwrap());
    }

    #[test]
    fn crc_errors_and_truncations_are_errors() {
        let mut png = tiny_png();
        png[20] ^= 1;
        assert!(scan(&png).unwrap_err().to_string().contains("CRC"));
        let png = tiny_png();
        for len in 0..png.len() {
            assert!(
                rebuild(&png[..len], &Policy::default()).is_err(),
                "cut at {len}"
            );
        }
    }

    #[test]
    fn overflowing_length_is_an_error() {
        let mut png = tiny_png();
        png[33..37].copy_from_slice(&0xFFFF_FFF0u32.to_be_bytes());
        let err = scan(&png).unwrap_err().to_string();
        assert!(err.contains("past the end"), "{err}");
    }

    #[test]
    fn unknown_critical_chunk_is_refused() {
        let png = with_chunk(&tiny_png(), b"ABCD", b"");
        assert!(matches!(scan(&png), Err(Error::Damaged(_))));
    }

    #[test]
    fn keywords_have_categories() {
        use Category::*;
        for (keyword, category) in [
            ("Author", People),
            ("Creation Time", Time),
            ("Source", Device),
            ("Comment", Text),
            ("exif:GPSLatitude", Location),
            ("exif:GPSTimeStamp", Location),
            ("xmp:CreatorTool", Device),
            ("exif:BodySerialNumber", Device),
            ("exif:thumbnail:Compression", Preview),
        ] {
            assert_eq!(keyword_category(keyword), category, "{keyword}");
        }
    }

    #[test]
    fn mutations_with_valid_crcs_never_panic() {
        let mut z = b"Comment\0\0".to_vec();
        z.extend(zlib(b"Raw profile type exif\0\nexif\n 4\n4d4d002a"));
        let png = with_chunk(&tiny_png(), b"zTXt", &z);
        let png = with_chunk(&png, b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0<x/>");
        for i in 8..png.len() {
            for flip in [0x01, 0x80, 0xFF] {
                let mut bad = png.clone();
                bad[i] ^= flip;
                fix_crcs(&mut bad);
                let _ = rebuild(&bad, &Policy::only(&[]));
                let _ = scan(&bad);
            }
        }
    }

    /// Recomputes every CRC that can be reached.
    fn fix_crcs(png: &mut [u8]) {
        let mut p = 8;
        while let Some(len) = png.get(p..p + 4).map(be32) {
            let end = p + 12 + len as usize;
            if end > png.len() {
                return;
            }
            let crc = crc32(&png[p + 4..end - 4]);
            png[end - 4..end].copy_from_slice(&crc.to_be_bytes());
            p = end;
        }
    }
}
