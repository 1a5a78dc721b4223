//! Categories: what a property path says about the value under it.

use super::names::{conventional_prefix, QName};
use crate::findings::Category;

/// What a name says about the category of the value under it.
pub(super) enum Rule {
    Is(Category),
    /// Structure, not information: not reported.
    Skip,
    /// Decided by the enclosing property (a field of a generic structure).
    Open,
}

/// The category of a value from its property path (outermost first): the
/// innermost name with a definite rule decides. A name no rule knows (a
/// private namespace) is `unknown`: what it reveals cannot be known.
pub(super) fn classify(path: &[QName]) -> Option<Category> {
    for q in path.iter().rev() {
        match rule(q) {
            Rule::Is(category) => return Some(category),
            Rule::Skip => return None,
            Rule::Open => {}
        }
    }
    Some(Category::Unknown)
}

pub(super) fn rule(q: &QName) -> Rule {
    use Category::*;
    let l = q.local.as_str();
    let category = match q.prefix.as_str() {
        "rdf" | "xml" | "xmlns" => return Rule::Skip,
        "x" if l == "xmptk" || l == "xaptk" => Device,
        "x" => return Rule::Skip,
        _ if mentions_place(l) => Location,
        "exif" | "exifEX" | "tiff" => exif_rule(l),
        "xmp" => xmp_rule(l),
        "photoshop" => photoshop_rule(l),
        "Iptc4xmpCore" => iptc_core_rule(l),
        "Iptc4xmpExt" => iptc_ext_rule(l),
        "dc" => dc_rule(l),
        "plus" if is_address(l) => Location,
        "xmpRights" | "plus" => People,
        "aux" if l == "OwnerName" => People,
        "MicrosoftPhoto" => microsoft_rule(l),
        "MPReg" if l.starts_with("Person") => People,
        "mwg-rs" if l == "Name" => People,
        "GCamera" | "Camera" if l.starts_with("MicroVideo") || l.starts_with("MotionPhoto") => {
            Preview
        }
        "Container" | "Item" | "GImage" | "GDepth" | "hdrgm" | "HDRGainMap" => Preview,
        "xmpGImg" if l == "image" => Preview,
        "xmpGImg" => return Rule::Skip,
        "stEvt" if l == "when" => Time,
        "stEvt" if l == "softwareAgent" => Device,
        "stEvt" | "stRef" | "stDim" | "stArea" | "stJob" | "stVer" | "stFnt" | "xmpG"
        | "xmpidq" => return Rule::Open,
        "lr" | "mwg-kw" => Text,
        "digiKam" => digikam_rule(l),
        "drone-dji" if l.contains("Altitude") => Location,
        p if conventional_prefix(p).is_some() => Device,
        _ => return Rule::Open,
    };
    Rule::Is(category)
}

/// Names that are about a place, in any namespace (`GPS*`, `*Latitude`,
/// `LocationCreated`, …). `SubjectLocation` is a point in the picture.
fn mentions_place(local: &str) -> bool {
    let l = local.to_ascii_lowercase();
    l != "subjectlocation"
        && [
            "gps",
            "latitude",
            "longitude",
            "longtitude",
            "location",
            "street",
            "postalcode",
            "postcode",
            "zipcode",
        ]
        .iter()
        .any(|w| l.contains(w))
}

/// The address fields of PLUS licensor and creator structures.
fn is_address(l: &str) -> bool {
    ["City", "Region", "Country", "Address"]
        .iter()
        .any(|w| l.ends_with(w))
}

fn exif_rule(l: &str) -> Category {
    use Category::*;
    match l {
        "Orientation"
        | "ColorSpace"
        | "PixelXDimension"
        | "PixelYDimension"
        | "ImageWidth"
        | "ImageLength"
        | "XResolution"
        | "YResolution"
        | "ResolutionUnit"
        | "BitsPerSample"
        | "Compression"
        | "PhotometricInterpretation"
        | "SamplesPerPixel"
        | "PlanarConfiguration"
        | "YCbCrSubSampling"
        | "YCbCrPositioning"
        | "YCbCrCoefficients"
        | "ReferenceBlackWhite"
        | "WhitePoint"
        | "PrimaryChromaticities"
        | "TransferFunction"
        | "ComponentsConfiguration"
        | "ExifVersion"
        | "FlashpixVersion"
        | "Gamma"
        | "InteroperabilityIndex" => Rendering,
        "Artist" | "Copyright" | "CameraOwnerName" | "OwnerName" | "Photographer"
        | "ImageEditor" => People,
        "UserComment" | "ImageDescription" | "ImageTitle" => Text,
        _ if l.starts_with("DateTime")
            || l.starts_with("SubSecTime")
            || l.starts_with("OffsetTime") =>
        {
            Time
        }
        _ => Device,
    }
}

fn xmp_rule(l: &str) -> Category {
    match l {
        "CreateDate" | "ModifyDate" | "MetadataDate" => Category::Time,
        "Label" | "Rating" | "Nickname" | "BaseURL" => Category::Text,
        "Author" => Category::People,
        "Thumbnails" => Category::Preview,
        _ => Category::Device,
    }
}

fn photoshop_rule(l: &str) -> Category {
    use Category::*;
    match l {
        "City" | "State" | "Country" => Location,
        "AuthorsPosition" | "Credit" | "CaptionWriter" => People,
        "DateCreated" => Time,
        "ICCProfile" | "ColorMode" => Rendering,
        "Headline"
        | "Instructions"
        | "TransmissionReference"
        | "Source"
        | "Category"
        | "SupplementalCategories"
        | "Urgency"
        | "TextLayers" => Text,
        _ => Device,
    }
}

/// Creator Contact Info is an address (`location`: a street, a city, a
/// postcode tell where someone lives) and ways to reach someone (`people`).
fn iptc_core_rule(l: &str) -> Category {
    match l {
        "Location" | "CountryCode" => Category::Location,
        "CiAdrExtadr" | "CiAdrCity" | "CiAdrPcode" | "CiAdrRegion" | "CiAdrCtry" => {
            Category::Location
        }
        _ if l.starts_with("Ci") || l == "CreatorContactInfo" => Category::People,
        _ => Category::Text,
    }
}

fn iptc_ext_rule(l: &str) -> Category {
    use Category::*;
    match l {
        "City" | "ProvinceState" | "ProvinceName" | "CountryName" | "CountryCode"
        | "Sublocation" | "WorldRegion" => Location,
        "AddlModelInfo" | "ModelAge" | "Contributor" | "CopyrightOwner" | "ImageCreator"
        | "Licensor" | "AOCreator" | "AOCreatorId" | "AOCopyrightNotice" => People,
        _ if l.starts_with("Person") => People,
        _ if l.contains("Date") => Time,
        _ => Text,
    }
}

fn dc_rule(l: &str) -> Category {
    match l.to_ascii_lowercase().as_str() {
        "creator" | "rights" | "contributor" | "publisher" => Category::People,
        "date" => Category::Time,
        "coverage" => Category::Location,
        "format" => Category::Rendering,
        _ => Category::Text,
    }
}

fn microsoft_rule(l: &str) -> Category {
    match l {
        "LastKeywordXMP" | "LastKeywordIPTC" | "Rating" | "RatingPercent" => Category::Text,
        "DateAcquired" => Category::Time,
        _ => Category::Device,
    }
}

fn digikam_rule(l: &str) -> Category {
    match l {
        "TagsList" => Category::Text,
        "CaptionsAuthorNames" => Category::People,
        "CaptionsDateTimeStamps" => Category::Time,
        _ => Category::Device,
    }
}
