//! Names: prefixes resolved to namespaces, reported with conventional prefixes.

/// Namespaces this module knows, with their conventional prefixes.
pub(super) const NAMESPACES: &[(&str, &str)] = &[
    ("x", "adobe:ns:meta/"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("xml", "http://www.w3.org/XML/1998/namespace"),
    ("exif", "http://ns.adobe.com/exif/1.0/"),
    ("exifEX", "http://cipa.jp/exif/1.0/"),
    ("tiff", "http://ns.adobe.com/tiff/1.0/"),
    ("aux", "http://ns.adobe.com/exif/1.0/aux/"),
    ("xmp", "http://ns.adobe.com/xap/1.0/"),
    ("xmpMM", "http://ns.adobe.com/xap/1.0/mm/"),
    ("xmpRights", "http://ns.adobe.com/xap/1.0/rights/"),
    ("xmpGImg", "http://ns.adobe.com/xap/1.0/g/img/"),
    ("xmpG", "http://ns.adobe.com/xap/1.0/g/"),
    ("xmpTPg", "http://ns.adobe.com/xap/1.0/t/pg/"),
    ("xmpBJ", "http://ns.adobe.com/xap/1.0/bj/"),
    ("xmpNote", "http://ns.adobe.com/xmp/note/"),
    ("xmpDM", "http://ns.adobe.com/xmp/1.0/DynamicMedia/"),
    ("xmpidq", "http://ns.adobe.com/xmp/Identifier/qual/1.0/"),
    ("stEvt", "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"),
    ("stRef", "http://ns.adobe.com/xap/1.0/sType/ResourceRef#"),
    ("stDim", "http://ns.adobe.com/xap/1.0/sType/Dimensions#"),
    ("stArea", "http://ns.adobe.com/xmp/sType/Area#"),
    ("stJob", "http://ns.adobe.com/xap/1.0/sType/Job#"),
    ("stVer", "http://ns.adobe.com/xap/1.0/sType/Version#"),
    ("stFnt", "http://ns.adobe.com/xap/1.0/sType/Font#"),
    ("photoshop", "http://ns.adobe.com/photoshop/1.0/"),
    ("crs", "http://ns.adobe.com/camera-raw-settings/1.0/"),
    ("lr", "http://ns.adobe.com/lightroom/1.0/"),
    ("pdf", "http://ns.adobe.com/pdf/1.3/"),
    ("hdrgm", "http://ns.adobe.com/hdr-gain-map/1.0/"),
    ("dc", "http://purl.org/dc/elements/1.1/"),
    (
        "Iptc4xmpCore",
        "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
    ),
    ("Iptc4xmpExt", "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"),
    ("plus", "http://ns.useplus.org/ldf/xmp/1.0/"),
    (
        "mwg-rs",
        "http://www.metadataworkinggroup.com/schemas/regions/",
    ),
    (
        "mwg-kw",
        "http://www.metadataworkinggroup.com/schemas/keywords/",
    ),
    (
        "mwg-coll",
        "http://www.metadataworkinggroup.com/schemas/collections/",
    ),
    ("MP", "http://ns.microsoft.com/photo/1.2/"),
    ("MPRI", "http://ns.microsoft.com/photo/1.2/t/RegionInfo#"),
    ("MPReg", "http://ns.microsoft.com/photo/1.2/t/Region#"),
    ("MicrosoftPhoto", "http://ns.microsoft.com/photo/1.0/"),
    ("GPano", "http://ns.google.com/photos/1.0/panorama/"),
    ("GCamera", "http://ns.google.com/photos/1.0/camera/"),
    ("Container", "http://ns.google.com/photos/1.0/container/"),
    ("Item", "http://ns.google.com/photos/1.0/container/item/"),
    ("GImage", "http://ns.google.com/photos/1.0/image/"),
    ("GDepth", "http://ns.google.com/photos/1.0/depthmap/"),
    ("GAudio", "http://ns.google.com/photos/1.0/audio/"),
    ("Camera", "http://pix4d.com/camera/1.0/"),
    ("drone-dji", "http://www.dji.com/drone-dji/1.0/"),
    ("digiKam", "http://www.digikam.org/ns/1.0/"),
    ("HDRGainMap", "http://ns.apple.com/HDRGainMap/1.0/"),
    ("apple-fi", "http://ns.apple.com/faceinfo/1.0/"),
];

/// Old prefixes still written by some tools, with their modern names.
const ALIASES: &[(&str, &str)] = &[
    ("xap", "xmp"),
    ("xapMM", "xmpMM"),
    ("xapRights", "xmpRights"),
    ("xapGImg", "xmpGImg"),
];

/// The conventional prefix of a namespace URI (ignoring a trailing `/`).
pub(super) fn prefix_for_uri(uri: &str) -> Option<&'static str> {
    let uri = uri.trim().trim_end_matches('/');
    NAMESPACES
        .iter()
        .find(|(_, known)| known.trim_end_matches('/') == uri)
        .map(|(p, _)| *p)
}

/// `written` if it is a conventional prefix (or a known alias of one).
pub(super) fn conventional_prefix(written: &str) -> Option<&'static str> {
    let alias = ALIASES
        .iter()
        .find(|(old, _)| *old == written)
        .map(|(_, new)| *new);
    alias.or_else(|| {
        NAMESPACES
            .iter()
            .find(|(p, _)| *p == written)
            .map(|(p, _)| *p)
    })
}

/// The namespace URI of a conventional prefix.
pub(super) fn known_uri(prefix: &str) -> Option<&'static str> {
    NAMESPACES
        .iter()
        .find(|(p, _)| *p == prefix)
        .map(|(_, uri)| *uri)
}

/// A property or element name, with the conventional prefix of its
/// namespace when the namespace is known (else the prefix as written).
#[derive(Clone, Debug)]
pub(super) struct QName {
    pub(super) prefix: String,
    pub(super) local: String,
    /// The namespace URI its prefix was bound to, if it was.
    pub(super) uri: Option<String>,
}

impl QName {
    pub(super) fn new(written: &str, local: &str, uri: Option<&str>) -> QName {
        let prefix = uri
            .and_then(prefix_for_uri)
            .or_else(|| conventional_prefix(written))
            .unwrap_or(written);
        QName {
            prefix: prefix.to_string(),
            local: local.to_string(),
            uri: uri.map(str::to_string),
        }
    }

    pub(super) fn is(&self, prefix: &str, local: &str) -> bool {
        self.prefix == prefix && self.local == local
    }

    /// `prefix:Name`, as shown in reports.
    pub(super) fn tag(&self) -> String {
        if self.prefix.is_empty() {
            self.local.clone()
        } else {
            format!("{}:{}", self.prefix, self.local)
        }
    }
}
