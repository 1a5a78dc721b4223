//! Which bytes of a structural box the cleaned video keeps: its fields,
//! by the layouts of ISO/IEC 14496-12 and the QuickTime file format. What
//! no layout here names (reserved bytes, bytes after the last field,
//! free-text names) is written as zeros, so nothing unread is copied.

use super::*;

/// A full box's version and flags.
const VF: Range<u64> = 0..4;

/// The fields of a structural leaf box `kind` (offsets into its payload
/// `body`), or `None` if `kind` is not one. Creation and modification
/// times are left out (they are metadata, kept by their own block).
pub(super) fn leaf_fields(kind: &[u8; 4], body: &[u8]) -> Option<Vec<Range<u64>>> {
    let v1 = body.first() == Some(&1);
    let count = |at: usize| u64::from(be32(body, at));
    let whole = 0..body.len() as u64;
    Some(match kind {
        // timescale, duration, rate, volume | matrix | next track id
        b"mvhd" if v1 => vec![VF, 20..38, 48..84, 108..112],
        b"mvhd" => vec![VF, 12..26, 36..72, 96..100],
        // track id | duration | layer, group, volume | matrix, width, height
        b"tkhd" if v1 => vec![VF, 20..24, 28..36, 44..50, 52..96],
        b"tkhd" => vec![VF, 12..16, 20..24, 32..38, 40..84],
        // timescale, duration, language, quality
        b"mdhd" if v1 => vec![VF, 20..36],
        b"mdhd" => vec![VF, 12..24],
        // component type and handler type; the name is not kept
        b"hdlr" => vec![VF, 4..12],
        b"vmhd" => vec![VF, 4..12],
        b"smhd" => vec![VF, 4..6],
        b"hmhd" => vec![VF, 4..20],
        b"nmhd" | b"sthd" => vec![VF],
        b"gmin" => vec![VF, 4..14],
        // QuickTime timecode media info: everything but the font name
        b"tcmi" => vec![VF, 4..24],
        b"elst" => vec![VF, 4..8 + count(4) * if v1 { 20 } else { 12 }],
        b"stts" | b"ctts" => vec![VF, 4..8 + count(4) * 8],
        b"stss" | b"stps" => vec![VF, 4..8 + count(4) * 4],
        b"stsc" => vec![VF, 4..8 + count(4) * 12],
        b"stsz" if count(4) == 0 => vec![VF, 4..12 + count(8) * 4],
        b"stsz" => vec![VF, 4..12],
        b"stz2" => vec![
            VF,
            7..12 + (count(8) * u64::from(*body.get(7)?)).div_ceil(8),
        ],
        b"stco" => vec![VF, 4..8 + count(4) * 4],
        b"co64" => vec![VF, 4..8 + count(4) * 8],
        b"cslg" => vec![VF, 4..if v1 { 44 } else { 24 }],
        // Numbers only: sample dependencies, groups, sub-samples,
        // auxiliary information, shadow syncs, padding, track references,
        // object descriptors, protection, the extended language tag
        b"sdtp" | b"sgpd" | b"sbgp" | b"subs" | b"saiz" | b"saio" | b"stsh" | b"padb" | b"iods"
        | b"pssh" | b"mvex" | b"elng" | b"tapt" | b"load" | b"imap" | b"matt" | b"clip"
        | b"kmat" | b"txas" | b"trgr" | b"ttyp" | b"meco" => vec![whole],
        _ => return None,
    })
}

/// Boxes inside a sample entry that a decoder needs (codec configuration,
/// colour, aspect, bit rate): kept, all of their fields.
pub(super) const CODEC_BOXES: &[&[u8; 4]] = &[
    b"hvcC", b"av1C", b"vpcC", b"dvcC", b"dvvC", b"dvwC", b"lhvC", b"hvcE", b"colr", b"pasp",
    b"btrt", b"clap", b"fiel", b"gama", b"mdcv", b"clli", b"CoLL", b"SmDm", b"esds", b"glbl",
    b"st3d", b"sv3d", b"ccst", b"chrm", b"dOps", b"dac3", b"dec3", b"dac4", b"alac", b"chan",
    b"wave", b"dfLa", b"dmlp", b"ddts", b"SA3D", b"srat", b"mhaC", b"ftab", b"vttC", b"keys",
    b"jpgC", b"d263", b"damr", b"dvc1", b"av3c", b"pcmC", b"chnl", b"ACLR", b"APRG", b"ARES",
];

/// Where a sample entry's own fields end and its child boxes start, and
/// which fields are kept (offsets into its payload): the data reference
/// index, and by handler the picture, sound, text or timecode fields.
/// Vendor, quality, data size and compressor name are not kept.
pub(super) fn sample_entry_fields(
    handler: &[u8; 4],
    kind: &[u8; 4],
    body: &[u8],
) -> (u64, Vec<Range<u64>>) {
    let dref = 6..8;
    match (handler, kind) {
        (b"vide", _) => (78, vec![dref, 8..12, 24..36, 40..42, 74..78]),
        (b"soun", _) => {
            let end = match body.get(8..10) {
                Some([0, 1]) => 44,
                Some([0, 2]) => 64,
                _ => 28,
            };
            (end, vec![dref, 8..12, 16..28, 28..end])
        }
        (_, b"tx3g") => (38, vec![dref, 8..38]),
        // QuickTime text: everything up to the font name
        (_, b"text") => (body.len() as u64, vec![dref, 8..51]),
        (_, b"tmcd") => (26, vec![dref, 8..26]),
        // Timed metadata and captions whose configuration is all boxes
        _ => (8, vec![dref]),
    }
}

/// The length of an `avcC` record's fields (ISO/IEC 14496-15 5.3.3.1),
/// parameter sets included; bytes after them are not part of it.
pub(super) fn avcc_len(body: &[u8]) -> Option<u64> {
    let mut r = Reader::new(body);
    let profile = {
        r.u8().ok()?;
        r.u8().ok()?
    };
    r.skip(3).ok()?;
    let sets = |r: &mut Reader, n: usize| -> Option<()> {
        for _ in 0..n {
            let len = r.u16().ok()?;
            r.skip(usize::from(len)).ok()?;
        }
        Some(())
    };
    let n = r.u8().ok()? & 0x1F;
    sets(&mut r, usize::from(n))?;
    let n = r.u8().ok()?;
    sets(&mut r, usize::from(n))?;
    if matches!(profile, 100 | 110 | 122 | 144) && r.remaining() >= 4 {
        r.skip(3).ok()?;
        let n = r.u8().ok()?;
        sets(&mut r, usize::from(n))?;
    }
    Some(r.position() as u64)
}
