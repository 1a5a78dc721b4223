use super::iim::{TAG_MARKER, UTF8_DECLARATION};
use super::photoshop::Resource;
use super::*;

fn dataset(record: u8, number: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![TAG_MARKER, record, number];
    out.extend_from_slice(&(value.len() as u16).to_be_bytes());
    out.extend_from_slice(value);
    out
}

fn resource(id: u16, name: &str, data: &[u8]) -> Vec<u8> {
    let mut out = b"8BIM".to_vec();
    out.extend_from_slice(&id.to_be_bytes());
    out.push(name.len() as u8);
    out.extend_from_slice(name.as_bytes());
    if (1 + name.len()) % 2 == 1 {
        out.push(0);
    }
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
    out
}

fn iim() -> Vec<u8> {
    [
        dataset(1, 90, &UTF8_DECLARATION),
        dataset(2, 0, &[0, 4]),
        dataset(2, 90, "Haarlem".as_bytes()),
        dataset(2, 80, "Anna de Vries".as_bytes()),
        dataset(2, 25, b"beach"),
        dataset(2, 25, b"school"),
        dataset(2, 92, "Kleine Houtstraat 1".as_bytes()),
        dataset(2, 55, b"20240501"),
        dataset(2, 65, b"Photo Mechanic"),
        dataset(2, 120, "Emma's first day".as_bytes()),
        dataset(2, 105, b"\0\0 "),
    ]
    .concat()
}

fn irb() -> Vec<u8> {
    let mut thumb = Vec::new();
    for word in [1u32, 160, 120, 480, 57_600, 5] {
        thumb.extend_from_slice(&word.to_be_bytes());
    }
    thumb.extend_from_slice(&[0, 24, 0, 1]);
    thumb.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xD9, 0]);
    let xmp = br#"<rdf:RDF><rdf:Description photoshop:Country="Nederland"/></rdf:RDF>"#;
    [
        resource(
            0x03ED,
            "",
            &[0, 72, 0, 0, 0, 1, 0, 1, 0, 72, 0, 0, 0, 1, 0, 1],
        ),
        resource(0x0404, "", &iim()),
        resource(0x040C, "", &thumb),
        resource(0x0424, "", xmp),
        resource(0x0422, "", b"MM\0*"),
        resource(0x040F, "", &icc()),
        resource(0x0FA5, "odd", &[1, 2, 3]),
    ]
    .concat()
}

/// An ICC profile as far as the resource reader checks it: its length and
/// the `acsp` magic.
fn icc() -> Vec<u8> {
    let mut icc = vec![0u8; 132];
    icc[..4].copy_from_slice(&132u32.to_be_bytes());
    icc[36..40].copy_from_slice(b"acsp");
    icc
}

fn find<'a>(scan: &'a Scan, tag: &str) -> &'a Finding {
    scan.findings
        .iter()
        .find(|f| f.tag == tag)
        .unwrap_or_else(|| panic!("no {tag} in {:#?}", scan.findings))
}

#[test]
fn photoshop_block_with_iptc_thumbnail_and_xmp() {
    let scan = scan_photoshop(&irb(), "IPTC").unwrap();
    let city = find(&scan, "City");
    assert_eq!(
        (city.category, city.value.as_str(), city.block.as_str()),
        (Category::Location, "Haarlem", "IPTC")
    );
    assert_eq!(find(&scan, "By-line").category, Category::People);
    assert_eq!(find(&scan, "By-line").value, "Anna de Vries");
    assert_eq!(find(&scan, "Sub-location").category, Category::Location);
    assert_eq!(find(&scan, "DateCreated").category, Category::Time);
    assert_eq!(find(&scan, "OriginatingProgram").category, Category::Device);
    assert_eq!(find(&scan, "Caption-Abstract").category, Category::Text);
    let keywords: Vec<&str> = scan
        .findings
        .iter()
        .filter(|f| f.tag == "Keywords")
        .map(|f| f.value.as_str())
        .collect();
    assert_eq!(keywords, ["beach", "school"]);
    assert!(scan
        .findings
        .iter()
        .all(|f| !f.tag.contains("Version") && !f.tag.contains("1:90")));
    assert!(scan
        .findings
        .iter()
        .all(|f| f.tag != "Headline" && !f.value.is_empty()));

    let thumb = find(&scan, "Photoshop 0x040C thumbnail");
    assert_eq!(thumb.category, Category::Preview);
    assert_eq!(thumb.value, "160x120 JPEG thumbnail, 5 bytes");
    let country = find(&scan, "photoshop:Country");
    assert_eq!(
        (country.category, country.block.as_str()),
        (Category::Location, "IPTC XMP")
    );
    assert_eq!(
        find(&scan, "Photoshop 0x0422 EXIF data").category,
        Category::Device
    );
    assert_eq!(
        find(&scan, "Photoshop 0x040F ICC profile").category,
        Category::Rendering
    );
    assert_eq!(find(&scan, "Photoshop 0x03ED resolution").value, "16 bytes");
    assert_eq!(
        find(&scan, "Photoshop 0x0FA5 plug-in data").value,
        "3 bytes"
    );
    let name = find(&scan, "Photoshop 0x0FA5 plug-in data name");
    assert_eq!(
        (name.category, name.value.as_str()),
        (Category::Unknown, "odd")
    );
}

/// The `unknown` finding of a damaged block (panics if none).
fn unreadable(scan: &Scan) -> String {
    let f = scan
        .findings
        .iter()
        .find(|f| f.tag.ends_with("(unreadable)"))
        .unwrap_or_else(|| panic!("no unreadable finding in {:#?}", scan.findings));
    assert_eq!(f.category, Category::Unknown);
    f.value.clone()
}

#[test]
fn damaged_photoshop_blocks_are_read_up_to_the_damage() {
    let mut bytes = irb();
    bytes.truncate(bytes.len() - 4);
    let scan = scan_photoshop(&bytes, "IPTC").unwrap();
    assert_eq!(find(&scan, "City").value, "Haarlem");
    let why = unreadable(&scan);
    assert!(
        why.contains("0x0FA5") && why.contains("declares 3 bytes"),
        "{why}"
    );

    let iptc = resource(0x0404, "", &iim());
    let scan = scan_photoshop(&iptc[..iptc.len() - 10], "IPTC").unwrap();
    assert!(unreadable(&scan).contains("0x0404"));

    let bad = [
        resource(0x0404, "", &dataset(2, 90, b"x")),
        b"8BIX\x04\x04CANARY\0\0\0\0\0\0".to_vec(),
    ]
    .concat();
    let scan = scan_photoshop(&bad, "IPTC").unwrap();
    assert_eq!(find(&scan, "City").value, "x");
    assert!(unreadable(&scan).contains("signature \"8BIX\" at offset 18"));
    let mut inner = resource(0x0404, "", &[TAG_MARKER, 2, 90, 0, 50, b'x']);
    inner.extend([0; 6]);
    let why = unreadable(&scan_photoshop(&inner, "IPTC").unwrap());
    assert!(
        why.contains("IPTC dataset 2:90") && why.contains("declares 50 bytes"),
        "{why}"
    );

    let mut padded = irb();
    padded.extend([0; 7]);
    let scan = scan_photoshop(&padded, "IPTC").unwrap();
    assert!(scan
        .findings
        .iter()
        .all(|f| !f.tag.ends_with("(unreadable)")));
    assert_eq!(scan_photoshop(&[], "IPTC").unwrap(), Scan::default());
}

#[test]
fn truncations_never_panic() {
    let bytes = irb();
    for len in 0..bytes.len() {
        let _ = scan_photoshop(&bytes[..len], "IPTC");
        let _ = scan_photoshop(&bytes[len..], "IPTC");
        let _ = scan_iptc(&bytes[len..], "IPTC");
    }
    let mut edited = bytes.clone();
    for i in 0..edited.len() {
        edited[i] ^= 0xA5;
        let _ = scan_photoshop(&edited, "IPTC");
        edited[i] ^= 0xA5;
    }
}

#[test]
fn extended_lengths() {
    let preview = vec![0xAB; 70_000];
    let mut data = vec![TAG_MARKER, 2, 202, 0x80, 0x04];
    data.extend_from_slice(&(preview.len() as u32).to_be_bytes());
    data.extend_from_slice(&preview);
    data.extend(dataset(2, 90, b"Leiden"));
    let scan = scan_iptc(&data, "IPTC").unwrap();
    let preview = find(&scan, "ObjectPreviewData");
    assert_eq!(
        (preview.category, preview.value.as_str()),
        (Category::Preview, "70000 bytes")
    );
    assert_eq!(find(&scan, "City").value, "Leiden");

    let damaged = |bytes: &[u8]| unreadable(&scan_iptc(bytes, "IPTC").unwrap());
    let why = damaged(&[TAG_MARKER, 2, 202, 0x80, 0x05, 0, 0, 0, 0, 1]);
    assert!(why.contains("extended length"), "{why}");
    damaged(&[TAG_MARKER, 2, 202, 0x80, 0x02, 0x01]);
    damaged(&[TAG_MARKER, 2, 202, 0x80, 0x02, 0x01, 0x00]);
    damaged(&[TAG_MARKER, 2, 25]);
    let scan = scan_iptc(b"\x1c\x02\x19\x00\x01x garbage", "IPTC").unwrap();
    assert_eq!(find(&scan, "Keywords").value, "x");
    assert!(unreadable(&scan).contains("0x20"));
}

#[test]
fn character_sets() {
    let latin1 = dataset(2, 90, b"Z\xfcrich");
    assert_eq!(
        find(&scan_iptc(&latin1, "IPTC").unwrap(), "City").value,
        "Zürich"
    );
    let utf8 = dataset(2, 90, "Zürich".as_bytes());
    assert_eq!(
        find(&scan_iptc(&utf8, "IPTC").unwrap(), "City").value,
        "Zürich"
    );
    let declared = [
        dataset(1, 90, &UTF8_DECLARATION),
        dataset(2, 90, b"Z\xfcrich"),
    ]
    .concat();
    assert_eq!(
        find(&scan_iptc(&declared, "IPTC").unwrap(), "City").value,
        "Z\u{fffd}rich"
    );
}

#[test]
fn envelope_and_other_records() {
    let data = [
        dataset(1, 0, &[0, 4]),
        dataset(1, 20, &[0, 1]),
        dataset(1, 70, b"20240501"),
        dataset(3, 20, &[1, 2, 3, 4, 5]),
    ]
    .concat();
    let scan = scan_iptc(&data, "IPTC").unwrap();
    assert_eq!(scan.findings.len(), 3, "{:#?}", scan.findings);
    assert_eq!(find(&scan, "FileFormat").value, "1");
    assert_eq!(find(&scan, "DateSent").category, Category::Time);
    let other = find(&scan, "IPTC 3:20");
    assert_eq!(
        (other.category, other.value.as_str()),
        (Category::Unknown, "5 bytes")
    );
    let contact = scan_iptc(&dataset(2, 118, b"Kerkstraat 1, Haarlem"), "IPTC").unwrap();
    assert_eq!(find(&contact, "Contact").category, Category::Location);
    let unlisted = scan_iptc(&dataset(2, 199, b"CANARY"), "IPTC").unwrap();
    assert_eq!(find(&unlisted, "IPTC 2:199").category, Category::Unknown);
}

#[test]
fn url_resources_are_text() {
    let mut list = 1u32.to_be_bytes().to_vec();
    list.extend([0, 0, 0, 0, 0, 0, 0, 7]);
    let url: Vec<u16> = "https://example.org/x".encode_utf16().collect();
    list.extend((url.len() as u32).to_be_bytes());
    list.extend(url.iter().flat_map(|u| u.to_be_bytes()));
    let bytes = [
        resource(0x041E, "", &list),
        resource(0x040B, "", b"http://a.example/"),
    ]
    .concat();
    let scan = scan_photoshop(&bytes, "IPTC").unwrap();
    let list = find(&scan, "Photoshop 0x041E URL list");
    assert_eq!(
        (list.category, list.value.as_str()),
        (Category::Text, "https://example.org/x")
    );
    assert_eq!(
        find(&scan, "Photoshop 0x040B URL").value,
        "http://a.example/"
    );
}

// -----------------------------------------------------------------------
// filter_photoshop

/// The findings of `scan` whose category `policy` keeps.
fn kept(scan: &Scan, policy: &Policy) -> Vec<Finding> {
    scan.findings
        .iter()
        .filter(|f| policy.keeps(f.category))
        .cloned()
        .collect()
}

/// The resources of a filtered block: id, name and data.
fn resources(irb: &[u8]) -> Vec<(u16, String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < irb.len() {
        let r = Resource::parse(irb, pos).unwrap();
        assert_eq!(pos % 2, 0, "resource at an odd offset");
        out.push((r.id, r.name.clone(), r.data.to_vec()));
        pos = r.next;
    }
    assert_eq!(pos, irb.len(), "no padding after the last resource");
    out
}

fn data_of(irb: &[u8], id: u16) -> Option<Vec<u8>> {
    resources(irb).into_iter().find(|r| r.0 == id).map(|r| r.2)
}

#[test]
fn only_location_keeps_everything_else_exactly() {
    let policy = Policy::only(&[Category::Location]);
    let before = scan_photoshop(&irb(), "IPTC").unwrap();
    let out = filter_photoshop(&irb(), &policy).unwrap();
    let after = scan_photoshop(&out, "IPTC").unwrap();
    assert_eq!(after.findings, kept(&before, &policy));
    let ids: Vec<u16> = resources(&out).iter().map(|r| r.0).collect();
    // The XMP resource held only a place: it is gone.
    assert_eq!(ids, [0x03ED, 0x0404, 0x040C, 0x0422, 0x040F, 0x0FA5]);
    // Names are never written.
    let odd = &resources(&out)[5];
    assert_eq!((odd.1.as_str(), odd.2.as_slice()), ("", &[1u8, 2, 3][..]));
    // The record is written anew: versions, the declaration, kept datasets.
    let iptc = data_of(&out, 0x0404).unwrap();
    let expected = [
        dataset(1, 0, &[0, 4]),
        dataset(1, 90, &UTF8_DECLARATION),
        dataset(2, 0, &[0, 4]),
        dataset(2, 80, "Anna de Vries".as_bytes()),
        dataset(2, 25, b"beach"),
        dataset(2, 25, b"school"),
        dataset(2, 55, b"20240501"),
        dataset(2, 65, b"Photo Mechanic"),
        dataset(2, 120, "Emma's first day".as_bytes()),
    ]
    .concat();
    assert_eq!(iptc, expected);
    // Filtering again changes nothing.
    assert_eq!(filter_photoshop(&out, &policy).unwrap(), out);
}

#[test]
fn keeping_one_category_keeps_it_and_rendering() {
    let policy = Policy::keep(&[Category::People]);
    let out = filter_photoshop(&irb(), &policy).unwrap();
    let after = scan_photoshop(&out, "IPTC").unwrap();
    let tags: Vec<(&str, Category)> = after
        .findings
        .iter()
        .map(|f| (f.tag.as_str(), f.category))
        .collect();
    assert_eq!(
        tags,
        [
            ("Photoshop 0x03ED resolution", Category::Rendering),
            ("By-line", Category::People),
            ("Photoshop 0x040F ICC profile", Category::Rendering),
        ]
    );
}

#[test]
fn nothing_but_rendering_left_is_none() {
    assert_eq!(filter_photoshop(&irb(), &Policy::default()), None);
    let places = [
        resource(0x03ED, "", &[0; 16]),
        resource(0x03ED, "CANARY", &[0; 16]),
        resource(
            0x0404,
            "",
            &[dataset(2, 0, &[0, 4]), dataset(2, 90, b"Haarlem")].concat(),
        ),
    ]
    .concat();
    assert_eq!(
        filter_photoshop(&places, &Policy::only(&[Category::Location])),
        None
    );
    assert_eq!(
        filter_photoshop(&[], &Policy::only(&[Category::Location])),
        None
    );
}

#[test]
fn xmp_inside_is_filtered_too() {
    let xmp =
        br#"<rdf:RDF><rdf:Description photoshop:Country="Nederland" dc:creator="Kim"/></rdf:RDF>"#;
    let bytes = resource(0x0424, "", xmp);
    let out = filter_photoshop(&bytes, &Policy::only(&[Category::Location])).unwrap();
    let packet = String::from_utf8(data_of(&out, 0x0424).unwrap()).unwrap();
    assert!(packet.contains("<dc:creator>Kim</dc:creator>"), "{packet}");
    assert!(!packet.contains("Nederland"), "{packet}");
}

#[test]
fn the_digest_goes_when_the_record_changes() {
    let digest = resource(0x0425, "", &[0xAB; 16]);
    let record = [dataset(2, 80, b"Kim"), dataset(2, 90, b"Leiden")].concat();
    let bytes = [resource(0x0404, "", &record), digest.clone()].concat();
    let out = filter_photoshop(&bytes, &Policy::only(&[Category::Location])).unwrap();
    let rebuilt = [dataset(2, 0, &[0, 4]), dataset(2, 80, b"Kim")].concat();
    assert_eq!(data_of(&out, 0x0404).unwrap(), rebuilt);
    assert_eq!(data_of(&out, 0x0425), None);
    // A record rebuilt to the same bytes keeps its digest (when device is
    // kept).
    let record = [
        dataset(2, 0, &[0, 4]),
        dataset(2, 80, b"Kim"),
        dataset(2, 90, b"Leiden"),
    ]
    .concat();
    let bytes = [resource(0x0404, "", &record), digest].concat();
    let out = filter_photoshop(&bytes, &Policy::only(&[Category::Time])).unwrap();
    assert_eq!(out, bytes);
    let out = filter_photoshop(&bytes, &Policy::only(&[Category::Device])).unwrap();
    assert_eq!(data_of(&out, 0x0404).unwrap(), record);
    assert_eq!(data_of(&out, 0x0425), None);
}

#[test]
fn lengths_and_padding_are_written_anew() {
    // An odd-length record, an odd name, an extended-length dataset,
    // trailing padding, another writer's signature.
    let mut record = [dataset(1, 90, &UTF8_DECLARATION), dataset(2, 90, b"Leiden")].concat();
    record.extend([TAG_MARKER, 2, 202, 0x80, 0x04, 0, 1, 0x11, 0x70]);
    record.extend(vec![0xAB; 70_000]);
    record.extend(dataset(2, 25, b"odd"));
    record.extend([0, 0, 0]);
    let mut bytes = resource(0x0404, "n", &record);
    let mut other = resource(0x0FA5, "abc", &[7; 5]);
    other[..4].copy_from_slice(b"PHUT");
    bytes.extend(other);
    bytes.extend([0; 4]);
    let policy = Policy::only(&[Category::Preview]);
    let out = filter_photoshop(&bytes, &policy).unwrap();
    let list = resources(&out);
    assert_eq!(list.len(), 2);
    assert_eq!((list[0].0, list[0].1.as_str()), (0x0404, ""));
    assert_eq!(
        list[0].2,
        [
            dataset(1, 0, &[0, 4]),
            dataset(1, 90, &UTF8_DECLARATION),
            dataset(2, 0, &[0, 4]),
            dataset(2, 90, b"Leiden"),
            dataset(2, 25, b"odd")
        ]
        .concat()
    );
    assert_eq!(list[1], (0x0FA5, String::new(), vec![7; 5]));
    assert_eq!(&out[out.len() - 18..out.len() - 14], b"PHUT");
    let before = scan_photoshop(&bytes, "IPTC").unwrap();
    let after = scan_photoshop(&out, "IPTC").unwrap();
    let mut expected = kept(&before, &policy);
    expected.retain(|f| f.category != Category::Unknown);
    assert_eq!(after.findings, expected);
    // Keeping previews keeps the long dataset whole.
    let out = filter_photoshop(&bytes, &Policy::only(&[Category::Location])).unwrap();
    assert_eq!(
        data_of(&out, 0x0404).unwrap().len(),
        7 + 8 + 7 + 9 + 70_000 + 8
    );
}

#[test]
fn damaged_blocks_lose_what_is_damaged() {
    let policy = Policy::only(&[Category::Location]);
    let mut bytes = irb();
    bytes.truncate(bytes.len() - 4);
    let out = filter_photoshop(&bytes, &policy).unwrap();
    assert!(!resources(&out).iter().any(|r| r.0 == 0x0FA5));
    let bad = resource(0x0404, "", &[TAG_MARKER, 2, 80, 0, 50, b'x']);
    assert_eq!(filter_photoshop(&bad, &policy), None);
    let bytes = irb();
    for len in 0..bytes.len() {
        for part in [&bytes[..len], &bytes[len..]] {
            if let Some(out) = filter_photoshop(part, &policy) {
                let after = scan_photoshop(&out, "IPTC").unwrap();
                assert!(!after.has_any(|c| c == Category::Location));
            }
        }
    }
    let mut edited = bytes.clone();
    for i in 0..edited.len() {
        edited[i] ^= 0x5A;
        if let Some(out) = filter_photoshop(&edited, &policy) {
            let after = scan_photoshop(&out, "IPTC").unwrap();
            assert!(!after.has_any(|c| c == Category::Location));
        }
        edited[i] ^= 0x5A;
    }
}

/// In a JPEG, resources split over two APP13 segments are filtered
/// joined and written back as one segment where the first was.
#[test]
fn split_jpeg_blocks_are_joined_and_filtered() {
    use crate::container::jpeg;
    let img = image::RgbImage::from_fn(8, 8, |x, y| image::Rgb([x as u8 * 30, y as u8 * 30, 9]));
    let mut tiny = std::io::Cursor::new(Vec::new());
    img.write_to(&mut tiny, image::ImageFormat::Jpeg).unwrap();
    let tiny = tiny.into_inner();
    let irb = irb();
    let (a, b) = irb.split_at(40);
    let mut file = tiny[..2].to_vec();
    for part in [a, b] {
        let len = (2 + 14 + part.len()) as u16;
        file.extend([0xFF, 0xED]);
        file.extend(len.to_be_bytes());
        file.extend(b"Photoshop 3.0\0");
        file.extend(part);
    }
    file.extend(&tiny[2..]);

    let policy = Policy::only(&[Category::Location]);
    let before = jpeg::scan(&file).unwrap();
    let clean = jpeg::rebuild(&file, &policy).unwrap();
    let markers = jpeg::markers(&clean).unwrap();
    assert_eq!(markers.iter().filter(|&&m| m == 0xED).count(), 1);
    assert_eq!(markers[0], 0xED);
    let after = jpeg::scan(&clean).unwrap();
    assert_eq!(after.findings, kept(&before, &policy));
    assert_eq!(
        jpeg::image_data(&clean).unwrap(),
        jpeg::image_data(&file).unwrap()
    );
    // The default policy drops the block.
    let clean = jpeg::rebuild(&file, &Policy::default()).unwrap();
    assert!(!jpeg::markers(&clean).unwrap().contains(&0xED));
}
