use super::tokenizer::unescape;
use super::values::parse_coordinate;
use super::*;
use crate::findings::Finding;

const SAMPLE: &str = r#"<?xpacket begin="﻿" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 6.0.0">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
xmlns:exif="http://ns.adobe.com/exif/1.0/"
xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
xmlns:dc="http://purl.org/dc/elements/1.1/"
xmlns:xmp="http://ns.adobe.com/xap/1.0/"
xmlns:xmpGImg="http://ns.adobe.com/xap/1.0/g/img/"
xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"
xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"
xmlns:exifEX="http://cipa.jp/exif/1.0/"
xmlns:acme="http://example.com/acme/1.0/"
exif:GPSLatitude="52,22.2N"
exif:GPSAltitude="1234/10"
exif:GPSAltitudeRef="1"
tiff:Orientation="6"
tiff:Make="Canon"
exifEX:CameraOwnerName="Jan Jansen"
xmp:CreateDate="2024-05-01T10:00:00+02:00"
xmpMM:DocumentID="xmp.did:0f1e2d3c"
acme:Widget="frobnicated">
   <exif:GPSLongitude>4,53.712W</exif:GPSLongitude>
   <exif:GPSHPositioningError>5/1</exif:GPSHPositioningError>
   <photoshop:City>Haarlem &amp; Bloemendaal</photoshop:City>
   <dc:creator><rdf:Seq><rdf:li>Anna de Vries</rdf:li><rdf:li>Piet</rdf:li></rdf:Seq></dc:creator>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">First day of school</rdf:li></rdf:Alt></dc:title>
   <xmpMM:InstanceID>xmp.iid:9a8b7c</xmpMM:InstanceID>
   <xmpMM:History><rdf:Seq>
 <rdf:li stEvt:action="saved" stEvt:when="2024-05-02T09:00:00" stEvt:softwareAgent="Editor 1.0"/>
   </rdf:Seq></xmpMM:History>
   <mwg-rs:Regions rdf:parseType="Resource">
<mwg-rs:RegionList><rdf:Bag>
 <rdf:li><rdf:Description mwg-rs:Name="Emma" mwg-rs:Type="Face">
   <mwg-rs:Area stArea:x="0.5" stArea:y="0.5" stArea:w="0.1" stArea:h="0.1"/>
 </rdf:Description></rdf:li>
 <rdf:li rdf:parseType="Resource"><mwg-rs:Name>Noah</mwg-rs:Name><mwg-rs:Type>Face</mwg-rs:Type></rdf:li>
</rdf:Bag></mwg-rs:RegionList>
   </mwg-rs:Regions>
   <xmp:Thumbnails><rdf:Alt><rdf:li rdf:parseType="Resource">
 <xmpGImg:format>JPEG</xmpGImg:format>
 <xmpGImg:image>/9j/4AAQSkZJRgABAgEASABIAAD/7QAsUGhvdG9zaG9wIDMuMAA4QklNA+0AAAAAABAASAAAAAEA&#xA;AQBIAAAAAQABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</xmpGImg:image>
   </rdf:li></rdf:Alt></xmp:Thumbnails>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#;

fn find<'a>(scan: &'a Scan, tag: &str) -> &'a Finding {
    scan.findings
        .iter()
        .find(|f| f.tag == tag)
        .unwrap_or_else(|| panic!("no {tag} in {:#?}", scan.findings))
}

#[test]
fn gps_is_decoded_from_attributes_and_elements() {
    let scan = scan(SAMPLE.as_bytes(), "XMP");
    assert_eq!(scan.locations.len(), 1, "{:?}", scan.locations);
    let loc = &scan.locations[0];
    assert!((loc.lat - 52.37).abs() < 1e-9, "{}", loc.lat);
    assert!(
        (loc.lon + (4.0 + 53.712 / 60.0)).abs() < 1e-9,
        "{}",
        loc.lon
    );
    assert_eq!(loc.alt, Some(-123.4));
    assert_eq!(loc.accuracy, Some(5.0));
    assert_eq!(loc.source, "XMP");
    assert!(loc.invalid.is_none());
    for tag in [
        "exif:GPSLatitude",
        "exif:GPSLongitude",
        "exif:GPSAltitude",
        "exif:GPSAltitudeRef",
    ] {
        assert_eq!(find(&scan, tag).category, Category::Location);
    }
    assert_eq!(find(&scan, "exif:GPSLatitude").value, "52,22.2N");
    assert_eq!(find(&scan, "exif:GPSLatitude").block, "XMP");
}

#[test]
fn properties_get_their_categories() {
    let scan = scan(SAMPLE.as_bytes(), "XMP");
    let city = find(&scan, "photoshop:City");
    assert_eq!(
        (city.category, city.value.as_str()),
        (Category::Location, "Haarlem & Bloemendaal")
    );
    let creator = find(&scan, "dc:creator");
    assert_eq!(
        (creator.category, creator.value.as_str()),
        (Category::People, "Anna de Vries, Piet")
    );
    assert_eq!(find(&scan, "dc:title").category, Category::Text);
    assert_eq!(
        find(&scan, "exifEX:CameraOwnerName").category,
        Category::People
    );
    assert_eq!(
        find(&scan, "tiff:Orientation").category,
        Category::Rendering
    );
    assert_eq!(find(&scan, "tiff:Make").category, Category::Device);
    assert_eq!(find(&scan, "xmp:CreateDate").category, Category::Time);
    assert_eq!(find(&scan, "acme:Widget").category, Category::Unknown);
    assert!(
        scan.has_any(|c| c != Category::Unknown),
        "no packet-level unknown"
    );
    assert!(scan.findings.iter().all(|f| f.tag != "XMP packet"));
    let toolkit = find(&scan, "x:xmptk");
    assert_eq!(
        (toolkit.category, toolkit.value.as_str()),
        (Category::Device, "XMP Core 6.0.0")
    );
    assert!(scan
        .findings
        .iter()
        .all(|f| !f.tag.starts_with("rdf:") && !f.tag.starts_with("xmlns")));
}

#[test]
fn ids_history_regions_and_thumbnails() {
    let scan = scan(SAMPLE.as_bytes(), "XMP");
    assert_eq!(find(&scan, "xmpMM:DocumentID").value, "xmp.did:0f1e2d3c");
    assert_eq!(find(&scan, "xmpMM:InstanceID").category, Category::Device);
    let when = find(&scan, "stEvt:when");
    assert_eq!(
        (when.category, when.value.as_str()),
        (Category::Time, "2024-05-02T09:00:00")
    );
    assert_eq!(find(&scan, "stEvt:action").category, Category::Device);

    let names: Vec<&str> = scan
        .findings
        .iter()
        .filter(|f| f.tag == "mwg-rs:Name")
        .map(|f| f.value.as_str())
        .collect();
    assert_eq!(names, ["Emma", "Noah"]);
    assert!(scan
        .findings
        .iter()
        .filter(|f| f.tag == "mwg-rs:Name")
        .all(|f| f.category == Category::People));
    assert!(scan
        .findings
        .iter()
        .all(|f| !f.tag.starts_with("stArea") && f.tag != "mwg-rs:Type"));
    assert_eq!(
        find(&scan, "mwg-rs:Regions").value,
        "2 image regions (2 faces)"
    );

    let thumb = find(&scan, "xmpGImg:image");
    assert_eq!(thumb.category, Category::Preview);
    assert!(
        thumb.value.starts_with("embedded JPEG image, about "),
        "{}",
        thumb.value
    );
    assert!(!thumb.value.contains("/9j/"));
    assert!(scan.findings.iter().all(|f| f.tag != "xmpGImg:format"));
}

#[test]
fn prefixes_are_resolved_through_their_namespaces() {
    let xmp = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
      <rdf:Description xmlns:g="http://ns.adobe.com/exif/1.0/" xmlns:who="http://purl.org/dc/elements/1.1/"
          xmlns:dc="http://ns.adobe.com/photoshop/1.0/" xmlns:Camera="http://ns.google.com/photos/1.0/camera/"
          g:GPSLatitude="33,52.0S" g:GPSLongitude="151,12.5E" dc:City="Sydney" Camera:MotionPhoto="1">
        <who:creator><rdf:Seq><rdf:li>Kim</rdf:li></rdf:Seq></who:creator>
      </rdf:Description></rdf:RDF></x:xmpmeta>"#;
    let scan = scan(xmp.as_bytes(), "XMP");
    assert_eq!(find(&scan, "exif:GPSLatitude").category, Category::Location);
    assert_eq!(find(&scan, "photoshop:City").category, Category::Location);
    assert_eq!(find(&scan, "dc:creator").value, "Kim");
    assert_eq!(
        find(&scan, "GCamera:MotionPhoto").category,
        Category::Preview
    );
    let loc = &scan.locations[0];
    assert!((loc.lat + (33.0 + 52.0 / 60.0)).abs() < 1e-9, "{}", loc.lat);
    assert!(
        (loc.lon - (151.0 + 12.5 / 60.0)).abs() < 1e-9,
        "{}",
        loc.lon
    );
}

#[test]
fn iptc_extension_microsoft_regions_and_contact_info() {
    let xmp = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
      <rdf:Description xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
          xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"
          xmlns:MP="http://ns.microsoft.com/photo/1.2/"
          xmlns:MPRI="http://ns.microsoft.com/photo/1.2/t/RegionInfo#"
          xmlns:MPReg="http://ns.microsoft.com/photo/1.2/t/Region#"
          xmlns:GCamera="http://ns.google.com/photos/1.0/camera/">
        <Iptc4xmpExt:LocationShown><rdf:Bag>
          <rdf:li Iptc4xmpExt:City="Haarlem" Iptc4xmpExt:GPSLatitude="52,22.2N" Iptc4xmpExt:GPSLongitude="4,38.4E"/>
          <rdf:li rdf:parseType="Resource"><Iptc4xmpExt:Sublocation>Grote Markt</Iptc4xmpExt:Sublocation>
            <Iptc4xmpExt:GPSLatitude>51,55.2N</Iptc4xmpExt:GPSLatitude><Iptc4xmpExt:GPSLongitude>4,28.8E</Iptc4xmpExt:GPSLongitude></rdf:li>
        </rdf:Bag></Iptc4xmpExt:LocationShown>
        <Iptc4xmpExt:PersonInImage><rdf:Bag><rdf:li>Emma</rdf:li></rdf:Bag></Iptc4xmpExt:PersonInImage>
        <Iptc4xmpCore:CreatorContactInfo Iptc4xmpCore:CiAdrCity="Leiden" Iptc4xmpCore:CiEmailWork="a@b.example"/>
        <MP:RegionInfo rdf:parseType="Resource"><MPRI:Regions><rdf:Bag>
          <rdf:li MPReg:PersonDisplayName="Noah" MPReg:Rectangle="0.1, 0.2, 0.3, 0.4"/>
        </rdf:Bag></MPRI:Regions></MP:RegionInfo>
        <GCamera:HdrPlusMakernote>QUJD</GCamera:HdrPlusMakernote>
      </rdf:Description></rdf:RDF></x:xmpmeta>"#;
    let scan = scan(xmp.as_bytes(), "XMP");
    assert_eq!(find(&scan, "Iptc4xmpExt:City").category, Category::Location);
    assert_eq!(
        find(&scan, "Iptc4xmpExt:Sublocation").category,
        Category::Location
    );
    assert_eq!(scan.locations.len(), 2, "{:?}", scan.locations);
    assert!(
        (scan.locations[1].lat - 51.92).abs() < 1e-9 && (scan.locations[1].lon - 4.48).abs() < 1e-9
    );
    let person = find(&scan, "Iptc4xmpExt:PersonInImage");
    assert_eq!(
        (person.category, person.value.as_str()),
        (Category::People, "Emma")
    );
    assert_eq!(
        find(&scan, "Iptc4xmpCore:CiAdrCity").category,
        Category::Location
    );
    assert_eq!(
        find(&scan, "Iptc4xmpCore:CiEmailWork").category,
        Category::People
    );
    let name = find(&scan, "MPReg:PersonDisplayName");
    assert_eq!(
        (name.category, name.value.as_str()),
        (Category::People, "Noah")
    );
    assert!(scan.findings.iter().all(|f| f.tag != "MPReg:Rectangle"));
    assert_eq!(find(&scan, "MP:RegionInfo").value, "1 image region");
    assert_eq!(
        find(&scan, "GCamera:HdrPlusMakernote").category,
        Category::Device
    );
}

#[test]
fn unbound_prefixes_fall_back_to_convention() {
    let xmp = r#"<rdf:RDF><rdf:Description photoshop:Country="Nederland" xap:CreatorTool="Tool 2"/></rdf:RDF>"#;
    let scan = scan(xmp.as_bytes(), "XMP");
    assert_eq!(
        find(&scan, "photoshop:Country").category,
        Category::Location
    );
    assert_eq!(find(&scan, "xmp:CreatorTool").category, Category::Device);
}

#[test]
fn motion_photo_directory_and_develop_settings_are_summarised() {
    let mut crs = String::new();
    for i in 0..150 {
        crs.push_str(&format!(" crs:Setting{i}=\"{i}\""));
    }
    let xmp = format!(
        r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
        <rdf:Description xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"
          xmlns:Container="http://ns.google.com/photos/1.0/container/"
          xmlns:Item="http://ns.google.com/photos/1.0/container/item/" {crs}>
        <Container:Directory><rdf:Seq>
          <rdf:li rdf:parseType="Resource"><Container:Item Item:Semantic="Primary" Item:Mime="image/jpeg"/></rdf:li>
          <rdf:li rdf:parseType="Resource"><Container:Item Item:Semantic="MotionPhoto" Item:Mime="video/mp4" Item:Length="123456"/></rdf:li>
        </rdf:Seq></Container:Directory>
        <crs:ToneCurve><rdf:Seq><rdf:li>0, 0</rdf:li><rdf:li>255, 255</rdf:li></rdf:Seq></crs:ToneCurve>
        </rdf:Description></rdf:RDF></x:xmpmeta>"#
    );
    let scan = scan(xmp.as_bytes(), "XMP");
    let dirs: Vec<&Finding> = scan
        .findings
        .iter()
        .filter(|f| f.tag == "Container:Directory")
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    assert_eq!(dirs[0].category, Category::Preview);
    assert_eq!(
        dirs[0].value,
        "Semantic=MotionPhoto, Mime=video/mp4, Length=123456"
    );
    let crs: Vec<&Finding> = scan
        .findings
        .iter()
        .filter(|f| f.tag.starts_with("crs"))
        .collect();
    assert_eq!(crs.len(), 1);
    assert!(crs[0].value.starts_with("151 "), "{}", crs[0].value);
}

#[test]
fn long_lists_are_capped() {
    let mut body = String::new();
    for i in 0..100 {
        body.push_str(&format!("<rdf:li stEvt:instanceID=\"id{i}\"/>"));
    }
    let xmp = format!(
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description>\
         <xmpMM:History><rdf:Seq>{body}</rdf:Seq></xmpMM:History></rdf:Description></rdf:RDF>"
    );
    let scan = scan(xmp.as_bytes(), "XMP");
    let ids: Vec<&Finding> = scan
        .findings
        .iter()
        .filter(|f| f.tag == "stEvt:instanceID")
        .collect();
    assert_eq!(ids.len(), MAX_PER_TAG + 1);
    assert_eq!(
        ids[MAX_PER_TAG].value,
        format!("and {} more values", 100 - MAX_PER_TAG)
    );
}

#[test]
fn findings_per_packet_are_capped() {
    let attrs: String = (0..3000)
        .map(|i| format!(" xmlns:p{i}=\"urn:p{i}\" p{i}:Serial=\"{i}\""))
        .collect();
    let xmp = format!("<rdf:RDF><rdf:Description{attrs} photoshop:City=\"Haarlem\"/></rdf:RDF>");
    let scan = scan(xmp.as_bytes(), "XMP");
    assert_eq!(scan.findings.len(), MAX_FINDINGS + 2);
    let device = scan
        .findings
        .iter()
        .find(|f| f.tag == "(more properties)" && f.category == Category::Unknown)
        .unwrap();
    assert_eq!(
        (device.category, device.value.as_str()),
        (Category::Unknown, "and 2000 more unknown properties")
    );
    let location = scan
        .findings
        .iter()
        .find(|f| f.category == Category::Location)
        .unwrap();
    assert_eq!(location.value, "and 1 more location properties");
}

#[test]
fn coordinate_forms() {
    assert!((parse_coordinate("52,22,12.72N").unwrap() - 52.3702).abs() < 1e-9);
    assert!((parse_coordinate("4,53.712W").unwrap() + 4.8952).abs() < 1e-9);
    assert_eq!(parse_coordinate("-33.5"), Some(-33.5));
    assert_eq!(parse_coordinate("+52.37"), Some(52.37));
    assert!((parse_coordinate("52/1,30/1,0/1S").unwrap() + 52.5).abs() < 1e-9);
    assert_eq!(parse_coordinate("N"), None);
    assert_eq!(parse_coordinate("1,2,3,4N"), None);
    assert_eq!(parse_coordinate(""), None);
}

#[test]
fn only_predefined_entities_are_expanded() {
    let (text, clean) = unescape("a &lt;b&gt; &amp;&quot;&apos; &#65;&#x42;");
    assert_eq!((text.as_ref(), clean), ("a <b> &\"' AB", true));
    let (text, clean) = unescape("&bomb; & &#xFFFFFFFF; &#;");
    assert_eq!((text.as_ref(), clean), ("&bomb; & &#xFFFFFFFF; &#;", false));
    let xmp = r#"<!DOCTYPE x [<!ENTITY a "PLACE">]><rdf:RDF><rdf:Description><photoshop:City>&a;</photoshop:City></rdf:Description></rdf:RDF>"#;
    let scan = scan(xmp.as_bytes(), "XMP");
    assert_eq!(find(&scan, "photoshop:City").value, "&a;");
    assert_eq!(find(&scan, "XMP packet").category, Category::Unknown);
}

#[test]
fn utf16_packets_are_read() {
    let text = r#"<rdf:RDF><rdf:Description photoshop:City="Zürich"/></rdf:RDF>"#;
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for bytes in [le, be] {
        assert_eq!(find(&scan(&bytes, "XMP"), "photoshop:City").value, "Zürich");
    }
}

#[test]
fn truncations_and_garbage_do_not_panic() {
    let bytes = SAMPLE.as_bytes();
    for len in 0..=bytes.len() {
        let scan = scan(&bytes[..len], "XMP");
        assert!(scan.findings.len() <= 64);
    }
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for round in 0..300 {
        let len = (round * 37) % 2000;
        let alphabet = b"<>/=\"' :&;#xrdf:li!-[]?Description\n\xff\xc3";
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                if round % 2 == 0 {
                    state as u8
                } else {
                    alphabet[(state % alphabet.len() as u64) as usize]
                }
            })
            .collect();
        scan(&bytes, "XMP");
        // Random edits of the real packet.
        let mut edited = SAMPLE.as_bytes().to_vec();
        for b in bytes.iter().take(20) {
            let at = (state as usize ^ *b as usize) % edited.len();
            edited[at] = *b;
            state = state.rotate_left(7);
        }
        scan(&edited, "XMP");
    }
}

#[test]
fn deep_nesting_and_huge_values_stay_bounded() {
    let deep = "<a>".repeat(200_000) + &"</a>".repeat(200_000);
    let why = unreadable(deep.as_bytes());
    assert!(why.contains("nested too deep"), "{why}");
    let deep_rdf = format!(
        "<rdf:RDF><rdf:Description>{}x{}<dc:title>after</dc:title></rdf:Description></rdf:RDF>",
        "<dc:subject><rdf:Bag><rdf:li>".repeat(50_000),
        "</rdf:li></rdf:Bag></dc:subject>".repeat(50_000)
    );
    assert_eq!(
        find(&scan(deep_rdf.as_bytes(), "XMP"), "dc:title").value,
        "after"
    );
    let amps = format!(
        "<rdf:RDF><rdf:Description dc:title=\"{}\"/></rdf:RDF>",
        "&".repeat(1_000_000)
    );
    let found = scan(amps.as_bytes(), "XMP");
    assert_eq!(tags(&found), ["dc:title", "XMP packet"]);
    let unclosed = "<!--".to_string() + &"<a ".repeat(100_000);
    let found = scan(unclosed.as_bytes(), "XMP");
    assert_eq!(tags(&found), ["XMP packet"]);
}

#[test]
fn minimal_packet_is_exact_and_empty() {
    assert_eq!(minimal_packet(10), None);
    let smallest = (0..400).find(|&n| minimal_packet(n).is_some()).unwrap();
    for len in [
        smallest,
        smallest + 1,
        smallest + 99,
        smallest + 100,
        4096,
        65_536,
    ] {
        let packet = minimal_packet(len).unwrap();
        assert_eq!(packet.len(), len);
        let text = std::str::from_utf8(&packet).unwrap();
        assert!(text.starts_with("<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"));
        assert!(text.ends_with("<?xpacket end=\"w\"?>"));
        assert!(
            text.contains("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"/>")
        );
        assert_eq!(scan(&packet, "XMP"), Scan::default());
    }
}

/// The value of the packet's "unreadable XMP" finding (panics if none).
fn unreadable(packet: &[u8]) -> String {
    let scan = scan(packet, "XMP");
    let f = find(&scan, "XMP packet");
    assert_eq!(f.category, Category::Unknown);
    assert!(
        f.value.starts_with("unreadable XMP, removed ("),
        "{}",
        f.value
    );
    f.value.clone()
}

fn tags(scan: &Scan) -> Vec<&str> {
    scan.findings.iter().map(|f| f.tag.as_str()).collect()
}

const GPS: &str = r#"<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" exif:GPSLatitude="52,19.4N" exif:GPSLongitude="4,36.9E"><photoshop:City>CANARY-city</photoshop:City></rdf:Description>"#;

/// A packet around `inner` (inside rdf:RDF), with `before` ahead of it.
fn packet(before: &str, inner: &str) -> String {
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>{before}<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">{inner}</rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>"
    )
}

/// The packet is read (coordinates and city), said unreadable for `why`,
/// and never rewritten.
fn assert_unreadable(bytes: &[u8], why: &str) {
    let found = scan(bytes, "XMP");
    assert_eq!(found.locations.len(), 1, "{:?}", found.findings);
    assert!((found.locations[0].lat - (52.0 + 19.4 / 60.0)).abs() < 1e-9);
    assert_eq!(find(&found, "photoshop:City").value, "CANARY-city");
    let value = unreadable(bytes);
    assert!(value.contains(why), "{value} lacks {why}");
    for policy in [Policy::default(), Policy::only(&[Category::Location])] {
        assert_eq!(filter(bytes, &policy), None, "{why}");
    }
}

#[test]
fn odd_encodings_are_read_and_said_unreadable() {
    let text = packet("", GPS);
    let utf32 = |big: bool, bom: bool| -> Vec<u8> {
        let bom = if bom { "\u{feff}" } else { "" };
        format!("{bom}{text}")
            .chars()
            .flat_map(|c| {
                let c = c as u32;
                if big {
                    c.to_be_bytes()
                } else {
                    c.to_le_bytes()
                }
            })
            .collect()
    };
    for (big, bom) in [(true, true), (false, true), (true, false), (false, false)] {
        assert_unreadable(&utf32(big, bom), "UTF-32");
    }
    let mut latin1 = text.clone().into_bytes();
    latin1.insert(text.find("CANARY").unwrap() - 1, 0xE9);
    let found = scan(&latin1, "XMP");
    assert_eq!(found.locations.len(), 1);
    assert!(unreadable(&latin1).contains("not valid UTF-8"));
    assert_eq!(filter(&latin1, &Policy::default()), None);
}

#[test]
fn utf16_is_read_and_rebuilt_as_utf8() {
    let text = packet(
        "",
        r#"<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6" photoshop:City="CANARY-city"/>"#,
    );
    for big in [true, false] {
        for bom in [true, false] {
            let mut bytes: Vec<u8> = Vec::new();
            let units = if bom { "\u{feff}" } else { "" }
                .encode_utf16()
                .chain(text.encode_utf16());
            for u in units {
                bytes.extend(if big {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                });
            }
            let found = scan(&bytes, "XMP");
            assert_eq!(find(&found, "photoshop:City").value, "CANARY-city");
            assert!(found
                .findings
                .iter()
                .all(|f| f.category != Category::Unknown));
            let out = filter(&bytes, &Policy::default()).unwrap();
            let out = String::from_utf8(out).unwrap();
            assert!(
                out.contains("<tiff:Orientation>6</tiff:Orientation>"),
                "{out}"
            );
            assert!(!out.contains("CANARY"), "{out}");
        }
    }
}

#[test]
fn xml_tricks_are_unreadable() {
    let doctype = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY home "CANARY-dtd">]>"#;
    assert_unreadable(packet(doctype, GPS).as_bytes(), "DOCTYPE");
    assert_unreadable(packet("<!-- CANARY-comment -->", GPS).as_bytes(), "comment");
    assert_unreadable(
        packet("<?app CANARY-pi?>", GPS).as_bytes(),
        "processing instruction",
    );
    let odd_wrapper = packet("", GPS).replace("W5M0MpCehiHzreSzNTczkc9d", "CANARY-id");
    assert_unreadable(odd_wrapper.as_bytes(), "processing instruction");
    assert_unreadable(
        format!("{}CANARY-after", packet("", GPS)).as_bytes(),
        "text outside",
    );
    let padding =
        packet("", GPS).replace("</x:xmpmeta>", "</x:xmpmeta>\n  52.3241 4.6159 CANARY  \n");
    assert_unreadable(padding.as_bytes(), "text outside");
    let cdata = packet("", &format!("<![CDATA[CANARY-cdata]]>{GPS}"));
    assert_unreadable(cdata.as_bytes(), "text outside");
    let typed = GPS.replace("<rdf:Description", "<exif:GPSInfo").replace(
        "</rdf:Description>",
        "<rdf:type rdf:resource=\"CANARY-type\"/></exif:GPSInfo>",
    );
    assert_unreadable(packet("", &typed).as_bytes(), "typed node");
    let rdf_type = GPS.replace("rdf:about=\"\"", "rdf:type=\"CANARY-type\"");
    assert_unreadable(packet("", &rdf_type).as_bytes(), "RDF syntax");
    let literal = GPS.replace(
        "</rdf:Description>",
        "<dc:title rdf:parseType=\"Literal\"><b>CANARY</b></dc:title></rdf:Description>",
    );
    assert_unreadable(packet("", &literal).as_bytes(), "RDF syntax");
    let outside = packet("<acme:note>CANARY-note</acme:note>", GPS);
    assert_unreadable(outside.as_bytes(), "outside rdf:RDF");
    let mismatched = packet("", GPS).replace("</x:xmpmeta>", "</x:xmpmetaX>");
    assert_unreadable(mismatched.as_bytes(), "mismatched");
    let truncated = packet("", GPS);
    assert_unreadable(&truncated.as_bytes()[..truncated.len() - 40], "left open");
    let entity = GPS.replace("CANARY-city", "CANARY-city &home;");
    let found = scan(packet("", &entity).as_bytes(), "XMP");
    assert_eq!(find(&found, "XMP packet").category, Category::Unknown);
}

#[test]
fn nesting_beyond_the_limit_is_unreadable() {
    let deep = format!(
        "{}<dc:description>CANARY-deep</dc:description>{}",
        "<xmpMM:Pantry><rdf:Bag><rdf:li rdf:parseType=\"Resource\">".repeat(40),
        "</rdf:li></rdf:Bag></xmpMM:Pantry>".repeat(40)
    );
    let inner = GPS.replace("</rdf:Description>", &format!("{deep}</rdf:Description>"));
    assert_unreadable(packet("", &inner).as_bytes(), "nested too deep");
}

#[test]
fn minimal_and_rebuilt_packets_are_readable() {
    assert!(scan(&minimal_packet(512).unwrap(), "XMP")
        .findings
        .is_empty());
    let out = filter(SAMPLE.as_bytes(), &Policy::only(&[Category::Location])).unwrap();
    assert!(scan(&out, "XMP")
        .findings
        .iter()
        .all(|f| f.category != Category::Unknown));
}

#[test]
fn orientation_in_both_forms() {
    let attr = packet(
        "",
        r#"<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"/>"#,
    );
    assert_eq!(orientation(attr.as_bytes()), Some(6));
    let element = packet(
        "",
        r#"<rdf:Description><tiff:Orientation> 8 </tiff:Orientation></rdf:Description>"#,
    );
    assert_eq!(orientation(element.as_bytes()), Some(8));
    for bad in ["0", "9", "six", ""] {
        let p = packet(
            "",
            &format!("<rdf:Description tiff:Orientation=\"{bad}\"/>"),
        );
        assert_eq!(orientation(p.as_bytes()), None, "{bad}");
    }
    assert_eq!(orientation(GPS.as_bytes()), None);
    assert_eq!(orientation(SAMPLE.as_bytes()), Some(6));
}

#[test]
fn contact_info_address_is_location() {
    let xmp = packet(
        "",
        r#"<rdf:Description xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <Iptc4xmpCore:CreatorContactInfo rdf:parseType="Resource">
   <Iptc4xmpCore:CiAdrExtadr>CANARY-street</Iptc4xmpCore:CiAdrExtadr><Iptc4xmpCore:CiAdrCity>CANARY-town</Iptc4xmpCore:CiAdrCity>
   <Iptc4xmpCore:CiAdrPcode>CANARY-code</Iptc4xmpCore:CiAdrPcode><Iptc4xmpCore:CiAdrRegion>R</Iptc4xmpCore:CiAdrRegion>
   <Iptc4xmpCore:CiAdrCtry>C</Iptc4xmpCore:CiAdrCtry><Iptc4xmpCore:CiEmailWork>a@b.example</Iptc4xmpCore:CiEmailWork>
  </Iptc4xmpCore:CreatorContactInfo>
  <dc:creator><rdf:Seq><rdf:li>Kim</rdf:li></rdf:Seq></dc:creator></rdf:Description>"#,
    );
    let found = scan(xmp.as_bytes(), "XMP");
    for tag in [
        "CiAdrExtadr",
        "CiAdrCity",
        "CiAdrPcode",
        "CiAdrRegion",
        "CiAdrCtry",
    ] {
        assert_eq!(
            find(&found, &format!("Iptc4xmpCore:{tag}")).category,
            Category::Location
        );
    }
    assert_eq!(
        find(&found, "Iptc4xmpCore:CiEmailWork").category,
        Category::People
    );
    let out = filter(xmp.as_bytes(), &Policy::keep(&[Category::People])).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(
        !out.contains("CANARY") && !out.contains("a@b.example"),
        "{out}"
    );
    assert!(out.contains("<rdf:li>Kim</rdf:li>"), "{out}");
}

#[test]
fn hostile_packets_stay_bounded() {
    // A million tiny properties: the remembered values stay capped.
    let props = "<dc:subject>x</dc:subject>".repeat(10);
    let many: String = (0..60_000)
        .map(|i| format!("<exif:S{i}>{i}</exif:S{i}>"))
        .collect();
    let xmp = packet(
        "",
        &format!("<rdf:Description>{props}{many}</rdf:Description>"),
    );
    let found = scan(xmp.as_bytes(), "XMP");
    assert!(
        found.findings.len() <= MAX_FINDINGS + 8,
        "{}",
        found.findings.len()
    );
    let more = find(&found, "(more properties)");
    assert!(more.value.starts_with("and 5"), "{}", more.value);
    // Filtering it stays bounded too (and keeps what it may).
    let out = filter(xmp.as_bytes(), &Policy::keep(&[Category::Text])).unwrap();
    assert!(String::from_utf8(out)
        .unwrap()
        .contains("<dc:subject>x</dc:subject>"));
}

// -----------------------------------------------------------------------
// filter

use crate::policy::Policy;

/// The findings of `scan` whose category `policy` keeps.
fn kept(scan: &Scan, policy: &Policy) -> Vec<Finding> {
    scan.findings
        .iter()
        .filter(|f| policy.keeps(f.category))
        .cloned()
        .collect()
}

fn filtered(xmp: &str, policy: &Policy) -> (String, Scan) {
    let out = filter(xmp.as_bytes(), policy).expect("something is kept");
    let text = String::from_utf8(out).unwrap();
    let rescan = scan(text.as_bytes(), "XMP");
    (text, rescan)
}

#[test]
fn only_location_keeps_everything_else() {
    let policy = Policy::only(&[Category::Location]);
    let before = scan(SAMPLE.as_bytes(), "XMP");
    let (text, after) = filtered(SAMPLE, &policy);
    let mut expected = kept(&before, &policy);
    expected.retain(|f| f.category != Category::Unknown);
    assert_eq!(after.findings, expected, "{text}");
    assert!(after.locations.is_empty());
    for gone in ["GPS", "Haarlem", "52,22", "acme", "frobnicated"] {
        assert!(!text.contains(gone), "{gone} left in\n{text}");
    }
    for left in [
        "Anna de Vries",
        "Emma",
        "Jan Jansen",
        "/9j/4AAQ",
        "xmlns:tiff=",
    ] {
        assert!(text.contains(left), "{left} gone from\n{text}");
    }
    assert!(text.starts_with("<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"));
    assert!(text.ends_with("<?xpacket end=\"w\"?>"));
    assert!(text.contains("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"XMP Core 6.0.0\">"));
    // Cleaning twice changes nothing.
    assert_eq!(filter(text.as_bytes(), &policy).unwrap(), text.as_bytes());
}

#[test]
fn structures_go_whole_if_any_value_in_them_is_removed() {
    let policy = Policy::keep(&[Category::People]);
    let (text, after) = filtered(SAMPLE, &policy);
    let mut found = tags(&after);
    found.sort_unstable();
    assert_eq!(
        found,
        ["dc:creator", "exifEX:CameraOwnerName", "tiff:Orientation"],
        "{text}"
    );
    for gone in [
        "Emma",
        "Noah",
        "mwg-rs:Regions",
        "xmpMM:History",
        "XMP Core",
        "Canon",
    ] {
        assert!(!text.contains(gone), "{gone} left in\n{text}");
    }
    let xmp = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
 <rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" xmlns:dc="http://purl.org/dc/elements/1.1/"
   xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/">
  <Iptc4xmpExt:ArtworkOrObject><rdf:Bag><rdf:li rdf:parseType="Resource">
    <Iptc4xmpExt:AOTitle>Sunflowers</Iptc4xmpExt:AOTitle><Iptc4xmpExt:AOCreator>Kim Painter</Iptc4xmpExt:AOCreator>
  </rdf:li></rdf:Bag></Iptc4xmpExt:ArtworkOrObject>
  <Iptc4xmpCore:CreatorContactInfo Iptc4xmpCore:CiAdrCity="Leiden" Iptc4xmpCore:CiEmailWork="a@b.example"/>
  <dc:description><rdf:Alt><rdf:li xml:lang="x-default">At the beach</rdf:li></rdf:Alt></dc:description>
 </rdf:Description></rdf:RDF></x:xmpmeta>"#;
    let (text, after) = filtered(xmp, &Policy::only(&[Category::People]));
    assert_eq!(tags(&after), ["dc:description"], "{text}");
    assert!(
        text.contains("<rdf:li xml:lang=\"x-default\">At the beach</rdf:li>"),
        "{text}"
    );
    assert!(
        !text.contains("Sunflowers") && !text.contains("Leiden"),
        "{text}"
    );
    // Keeping people, location and text keeps both structures, rebuilt.
    let policy = Policy::keep(&[Category::People, Category::Location, Category::Text]);
    let (text, after) = filtered(xmp, &policy);
    assert_eq!(after.findings, kept(&scan(xmp.as_bytes(), "XMP"), &policy));
    assert!(
        text.contains("<Iptc4xmpCore:CreatorContactInfo rdf:parseType=\"Resource\">"),
        "{text}"
    );
    assert!(
        text.contains("<Iptc4xmpCore:CiAdrCity>Leiden</Iptc4xmpCore:CiAdrCity>"),
        "{text}"
    );
}

#[test]
fn values_are_escaped_anew_and_only_used_namespaces_declared() {
    let xmp = packet(
        "",
        r#"<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:unused="urn:x:CANARY-ns"
      xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="3" dc:title="a &lt; b &amp; &quot;c&quot;">
      <dc:source rdf:resource="http://example.com/?a=1&amp;b=&quot;2&quot;"/></rdf:Description>"#,
    );
    let (text, after) = filtered(&xmp, &Policy::keep(&[Category::Text]));
    assert!(
        text.contains("<dc:title>a &lt; b &amp; \"c\"</dc:title>"),
        "{text}"
    );
    assert!(
        text.contains("<dc:source rdf:resource=\"http://example.com/?a=1&amp;b=&quot;2&quot;\"/>"),
        "{text}"
    );
    assert!(!text.contains("CANARY"), "{text}");
    assert_eq!(
        find(&after, "dc:title").value,
        find(&scan(xmp.as_bytes(), "XMP"), "dc:title").value
    );
}

#[test]
fn nothing_left_is_none() {
    let policy = Policy::only(&[Category::Location]);
    let only_places = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Tool"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
        <rdf:Description photoshop:City="Haarlem"><exif:GPSLatitude>52,22.2N</exif:GPSLatitude></rdf:Description></rdf:RDF></x:xmpmeta>"#;
    assert_eq!(filter(only_places.as_bytes(), &policy), None);
    assert_eq!(filter(b"", &policy), None);
    assert_eq!(filter(&minimal_packet(400).unwrap(), &policy), None);
    let (_, after) = filtered(SAMPLE, &Policy::default());
    assert_eq!(tags(&after), ["tiff:Orientation"]);
}

#[test]
fn extended_xmp_pointer_always_goes() {
    let xmp = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description
        xmlns:xmpNote="http://ns.adobe.com/xmp/note/" xmpNote:HasExtendedXMP="0123456789ABCDEF0123456789ABCDEF"
        dc:title="Beach"/>
        <rdf:Description><xmpNote:HasExtendedXMP>0123456789ABCDEF0123456789ABCDEF</xmpNote:HasExtendedXMP></rdf:Description></rdf:RDF>"#;
    assert!(tags(&scan(xmp.as_bytes(), "XMP")).contains(&"xmpNote:HasExtendedXMP"));
    let (text, after) = filtered(xmp, &Policy::only(&[]));
    assert_eq!(tags(&after), ["dc:title"], "{text}");
    assert!(!text.contains("0123456789"), "{text}");
}

#[test]
fn embedded_previews_follow_the_preview_category() {
    let before = scan(SAMPLE.as_bytes(), "XMP");
    let policy = Policy::only(&[Category::Preview]);
    let (text, after) = filtered(SAMPLE, &policy);
    assert!(
        !text.contains("/9j/") && !text.contains("Thumbnails"),
        "{text}"
    );
    let mut expected = kept(&before, &policy);
    expected.retain(|f| f.category != Category::Unknown);
    assert_eq!(after.findings, expected);
    let motion = r#"<rdf:RDF><rdf:Description GCamera:MotionPhoto="1" GCamera:MotionPhotoPresentationTimestampUs="0" dc:title="x">
        <Container:Directory><rdf:Seq><rdf:li rdf:parseType="Resource"><Container:Item Item:Semantic="MotionPhoto" Item:Length="9"/></rdf:li></rdf:Seq></Container:Directory>
        </rdf:Description></rdf:RDF>"#;
    let (text, after) = filtered(motion, &policy);
    assert_eq!(tags(&after), ["dc:title"], "{text}");
    let (_, after) = filtered(motion, &Policy::only(&[Category::Text]));
    assert_eq!(after.findings.len(), 3, "{:?}", after.findings);
}

#[test]
fn filtering_damaged_packets_never_panics_or_leaks() {
    let bytes = SAMPLE.as_bytes();
    let policies = [
        Policy::only(&[Category::Location]),
        Policy::keep(&[Category::People]),
        Policy::only(&[Category::Time, Category::Preview]),
    ];
    let check = |bytes: &[u8]| {
        for policy in &policies {
            if let Some(out) = filter(bytes, policy) {
                let rescan = scan(&out, "XMP");
                assert!(!rescan.has_any(|c| policy.removes(c)));
                assert_eq!(filter(&out, policy).as_deref(), Some(&out[..]));
            }
        }
    };
    for len in (0..=bytes.len()).step_by(7) {
        check(&bytes[..len]);
    }
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..300 {
        let mut edited = bytes.to_vec();
        for _ in 0..3 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let at = (state as usize) % edited.len();
            edited[at] = b"<>/=\"' :&;x\n"[(state >> 32) as usize % 12];
        }
        check(&edited);
    }
}
