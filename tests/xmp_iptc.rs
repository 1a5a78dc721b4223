//! XMP packets and Photoshop/IPTC blocks, judged by ExifTool: what the
//! readers say is unreadable ExifTool can still read (so it must be
//! reported and removed), and what the filters write anew ExifTool reads
//! as valid metadata holding exactly the kept values and none of the
//! planted canaries.

mod common;

use common::{exiftool, read, require_exiftool, Tags};
use photoscrub_core::metadata::{iptc, xmp};
use photoscrub_core::{Category, Policy};
use std::path::Path;

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";

/// A packet whose GPS, city, contact address and private property carry
/// canaries, beside an orientation, a creator and a title that may stay.
fn packet(before: &str) -> String {
    format!(
        r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>{before}
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF}">
 <rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/"
   xmlns:tiff="http://ns.adobe.com/tiff/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"
   xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmlns:acme="urn:acme:CANARYNS"
   xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"
   exif:GPSLatitude="52,19.446N" exif:GPSLongitude="4,36.955E" tiff:Orientation="6"
   acme:Secret="CANARY-acme">
  <photoshop:City>CANARY-city</photoshop:City>
  <dc:creator><rdf:Seq><rdf:li>Kim de Vries</rdf:li></rdf:Seq></dc:creator>
  <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Beach &amp; dunes</rdf:li></rdf:Alt></dc:title>
  <Iptc4xmpCore:CreatorContactInfo rdf:parseType="Resource">
   <Iptc4xmpCore:CiAdrExtadr>CANARY-street 1</Iptc4xmpCore:CiAdrExtadr>
   <Iptc4xmpCore:CiAdrCity>CANARY-town</Iptc4xmpCore:CiAdrCity>
   <Iptc4xmpCore:CiAdrPcode>CANARY-code</Iptc4xmpCore:CiAdrPcode>
  </Iptc4xmpCore:CreatorContactInfo>
 </rdf:Description>
</rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>"#
    )
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Tags {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    exiftool(&path)
}

/// Every place `needle` appears in what ExifTool shows.
fn shown(tags: &Tags, needle: &str) -> Vec<String> {
    tags.find(|t| t.value.to_string().contains(needle))
        .iter()
        .map(|t| t.key.clone())
        .collect()
}

fn contains(hay: &[u8], needle: &str) -> bool {
    let forms: Vec<Vec<u8>> = vec![
        needle.as_bytes().to_vec(),
        needle.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        needle.encode_utf16().flat_map(u16::to_be_bytes).collect(),
    ];
    forms
        .iter()
        .any(|f| hay.windows(f.len()).any(|w| w == f.as_slice()))
}

fn utf32(text: &str, big_endian: bool) -> Vec<u8> {
    format!("\u{feff}{text}")
        .chars()
        .flat_map(|c| {
            if big_endian {
                (c as u32).to_be_bytes()
            } else {
                (c as u32).to_le_bytes()
            }
        })
        .collect()
}

#[test]
fn rebuilt_packets_read_by_exiftool_hold_only_what_is_kept() {
    require_exiftool();
    let dir = tempfile::tempdir().unwrap();
    let input = packet("");
    let before = write(dir.path(), "in.xmp", input.as_bytes());
    for canary in ["CANARY-city", "CANARY-street", "CANARY-town", "CANARY-acme"] {
        assert!(
            !shown(&before, canary).is_empty(),
            "ExifTool misses {canary}"
        );
    }
    let cases: [(&str, Policy, &[&str], &[&str]); 3] = [
        (
            "default",
            Policy::default(),
            &["Orientation"],
            &["Creator", "Title"],
        ),
        (
            "keep-people",
            Policy::keep(&[Category::People]),
            &["Orientation", "Creator"],
            &["Title", "CreatorAddress"],
        ),
        (
            "keep-people-text",
            Policy::keep(&[Category::People, Category::Text]),
            &["Orientation", "Creator", "Title"],
            &["GPSLatitude", "City"],
        ),
    ];
    for (name, policy, kept, gone) in cases {
        let out = xmp::filter(input.as_bytes(), &policy).expect(name);
        let after = write(dir.path(), &format!("{name}.xmp"), &out);
        for tag in kept {
            assert!(
                after.has("XMP", tag),
                "{name}: {tag} lost\n{}",
                after.dump()
            );
        }
        for tag in gone {
            assert!(
                !after.has("XMP", tag),
                "{name}: {tag} kept\n{}",
                after.dump()
            );
        }
        assert_eq!(after.get("XMP", "Orientation").unwrap().as_i64(), Some(6));
        if kept.contains(&"Title") {
            assert_eq!(
                after.get("XMP", "Title").unwrap().as_str(),
                Some("Beach & dunes")
            );
        }
        assert!(
            !contains(&out, "CANARY"),
            "{name}: {}",
            String::from_utf8_lossy(&out)
        );
        assert!(shown(&after, "CANARY").is_empty(), "{name}");
        assert!(
            after.find(|t| t.name == "Warning").is_empty(),
            "{name}: {}",
            after.dump()
        );
    }
}

#[test]
fn packets_exiftool_reads_but_we_cannot_are_reported_and_dropped() {
    require_exiftool();
    let dir = tempfile::tempdir().unwrap();
    let comment = packet("<!-- CANARY-comment -->");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("utf32be", utf32(&packet(""), true)),
        ("utf32le", utf32(&packet(""), false)),
        ("comment", comment.clone().into_bytes()),
        (
            "padding",
            packet("")
                .replace("</x:xmpmeta>", "</x:xmpmeta> CANARY-pad 52.324 ")
                .into_bytes(),
        ),
        (
            "doctype",
            packet("<!DOCTYPE x:xmpmeta [<!ENTITY e \"CANARY-dtd\">]>").into_bytes(),
        ),
    ];
    for (name, bytes) in cases {
        let found = xmp::scan(&bytes, "XMP");
        let why = found
            .findings
            .iter()
            .find(|f| f.tag == "XMP packet")
            .unwrap_or_else(|| panic!("{name}: not said unreadable: {:#?}", found.findings));
        assert_eq!(why.category, Category::Unknown, "{name}");
        assert!(why.value.starts_with("unreadable XMP, removed"), "{name}");
        // What can be read is still reported, the coordinates included.
        assert_eq!(found.locations.len(), 1, "{name}");
        assert!((found.locations[0].lat - 52.3241).abs() < 1e-3, "{name}");
        for policy in [Policy::default(), Policy::keep(&Category::ALL)] {
            assert_eq!(xmp::filter(&bytes, &policy), None, "{name}");
        }
        if name.starts_with("utf32") {
            let tags = write(dir.path(), &format!("{name}.jpg"), &jpeg_with_xmp(&bytes));
            assert!(
                !shown(&tags, "CANARY-city").is_empty(),
                "ExifTool cannot read {name}"
            );
        }
    }
}

#[test]
fn orientation_from_xmp_alone() {
    let input = packet("");
    assert_eq!(xmp::orientation(input.as_bytes()), Some(6));
    let element = input.replace(r#"tiff:Orientation="6""#, "").replace(
        "<photoshop:City>",
        "<tiff:Orientation>3</tiff:Orientation><photoshop:City>",
    );
    assert_eq!(xmp::orientation(element.as_bytes()), Some(3));
}

// ---------------------------------------------------------------------------
// Photoshop / IPTC in a JPEG APP13, read by ExifTool.

fn dataset(record: u8, number: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1C, record, number];
    out.extend((value.len() as u16).to_be_bytes());
    out.extend(value);
    out
}

fn resource(id: u16, name: &str, data: &[u8]) -> Vec<u8> {
    let mut out = b"8BIM".to_vec();
    out.extend(id.to_be_bytes());
    out.push(name.len() as u8);
    out.extend(name.as_bytes());
    if name.len() % 2 == 0 {
        out.push(0);
    }
    out.extend((data.len() as u32).to_be_bytes());
    out.extend(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
    out
}

/// The clean fixture JPEG with an XMP APP1 right after SOI.
fn jpeg_with_xmp(packet: &[u8]) -> Vec<u8> {
    const SIGNATURE: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
    let base = read(&common::fixture("jpeg/clean.jpg"));
    let mut file = base[..2].to_vec();
    file.extend([0xFF, 0xE1]);
    file.extend(((2 + SIGNATURE.len() + packet.len()) as u16).to_be_bytes());
    file.extend(SIGNATURE);
    file.extend(packet);
    file.extend(&base[2..]);
    file
}

/// The clean fixture JPEG with `irb` as an APP13 right after SOI.
fn jpeg_with(irb: &[u8]) -> Vec<u8> {
    let base = read(&common::fixture("jpeg/clean.jpg"));
    let mut file = base[..2].to_vec();
    file.extend([0xFF, 0xED]);
    file.extend(((2 + 14 + irb.len()) as u16).to_be_bytes());
    file.extend(b"Photoshop 3.0\0");
    file.extend(irb);
    file.extend(&base[2..]);
    file
}

#[test]
fn photoshop_blocks_are_written_anew() {
    require_exiftool();
    let dir = tempfile::tempdir().unwrap();
    let record = [
        dataset(2, 0, &[0, 4]),
        dataset(2, 80, b"Kim de Vries"),
        dataset(2, 118, b"CANARY-contact street 1"),
        dataset(2, 90, b"CANARY-iptc-city"),
        dataset(2, 25, b"beach"),
        dataset(2, 199, b"CANARY-unlisted"),
    ]
    .concat();
    let mut irb = [
        resource(
            0x03ED,
            "CANARY-name",
            &[0, 72, 0, 0, 0, 1, 0, 1, 0, 72, 0, 0, 0, 1, 0, 1],
        ),
        resource(0x0404, "", &record),
    ]
    .concat();
    irb.extend(b"CANARY-trailer");
    let input = jpeg_with(&irb);
    let before = write(dir.path(), "in.jpg", &input);
    for canary in ["CANARY-contact", "CANARY-iptc-city"] {
        assert!(
            !shown(&before, canary).is_empty(),
            "ExifTool misses {canary}"
        );
    }
    let found = iptc::scan_photoshop(&irb, "IPTC").unwrap();
    let category = |tag: &str| {
        found
            .findings
            .iter()
            .find(|f| f.tag == tag)
            .map(|f| f.category)
    };
    assert_eq!(category("Contact"), Some(Category::Location));
    assert_eq!(category("IPTC 2:199"), Some(Category::Unknown));
    assert_eq!(
        category("Photoshop 0x03ED resolution name"),
        Some(Category::Unknown)
    );
    assert_eq!(
        category("Photoshop resources (unreadable)"),
        Some(Category::Unknown)
    );

    let out = iptc::filter_photoshop(&irb, &Policy::keep(&[Category::People, Category::Text]))
        .expect("people and text are kept");
    assert!(
        !contains(&out, "CANARY"),
        "{}",
        String::from_utf8_lossy(&out)
    );
    let after = write(dir.path(), "out.jpg", &jpeg_with(&out));
    assert_eq!(
        after.get("IPTC", "By-line").and_then(|v| v.as_str()),
        Some("Kim de Vries")
    );
    assert_eq!(
        after.get("IPTC", "Keywords").and_then(|v| v.as_str()),
        Some("beach")
    );
    assert!(after.has("Photoshop", "XResolution"), "{}", after.dump());
    assert!(!after.has("IPTC", "Contact") && !after.has("IPTC", "City"));
    assert!(shown(&after, "CANARY").is_empty(), "{}", after.dump());
    assert!(
        after.find(|t| t.name == "Warning").is_empty(),
        "{}",
        after.dump()
    );
    // Nothing but rendering kept: no block.
    assert_eq!(iptc::filter_photoshop(&irb, &Policy::default()), None);
}
