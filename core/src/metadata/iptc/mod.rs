//! Photoshop image resources (the JPEG APP13 `Photoshop 3.0` block, TIFF
//! tag 34377) and the IPTC IIM records inside them, turned into findings;
//! and the resources a policy keeps, written anew.
//!
//! Both readers check every length against the bytes that are there and
//! never panic. Trailing zero padding after the last resource or dataset is
//! accepted, as writers commonly leave it; anything else they cannot read
//! (a bad signature, a resource or dataset that runs past the end, bytes
//! after the last one) is reported as one `unknown` finding and never
//! written back. [`photoshop`] reads resources, [`iim`] datasets.

mod iim;
mod photoshop;

#[cfg(test)]
mod tests;

use crate::findings::{Category, Finding, Scan};
use crate::policy::Policy;
use photoshop::Resource;

/// Image resource ids with a meaning of their own when filtering.
const IPTC_RESOURCE: u16 = 0x0404;
const XMP_RESOURCE: u16 = 0x0424;
const IPTC_DIGEST: u16 = 0x0425;

/// Reads a sequence of Photoshop image resource blocks (`irb` is the APP13
/// payload after its `Photoshop 3.0\0` signature) into findings: IPTC
/// (resource 0x0404) and XMP (0x0424) are decoded, thumbnails are reported
/// as `preview`, a resource's name as `unknown` (never written back),
/// everything else briefly, one finding per resource.
///
/// Bytes it cannot read as resources (from a bad signature or a block that
/// runs past the end on) are one `unknown` finding; it does not fail (the
/// `Result` is kept for callers).
pub fn scan_photoshop(irb: &[u8], block: &str) -> Result<Scan, String> {
    let (resources, rest) = photoshop::parse_all(irb);
    let mut scan = Scan::default();
    for resource in &resources {
        scan.extend(resource.scan(block));
    }
    if let Some(problem) = rest {
        scan.push(unreadable(block, "Photoshop resources", &problem));
    }
    Ok(scan)
}

/// Reads IPTC IIM datasets (`0x1C`, record, dataset, length, value) into
/// findings, one per dataset (so one per keyword). Text is UTF-8 when
/// dataset 1:90 declares it or when it is valid UTF-8, else Latin-1.
///
/// What it cannot read (a byte where a tag marker should be, a header cut
/// short, an extended length of more than 4 bytes, a value that runs past
/// the end) is one `unknown` finding, with the datasets before it read; it
/// does not fail (the `Result` is kept for callers).
pub fn scan_iptc(data: &[u8], block: &str) -> Result<Scan, String> {
    let (record, rest) = iim::Record::parse(data);
    let mut scan = Scan::default();
    for finding in record.findings(block) {
        scan.push(finding);
    }
    if let Some(problem) = rest {
        scan.push(unreadable(block, "IPTC", &problem));
    }
    Ok(scan)
}

/// New Photoshop image resources with only what `policy` keeps, or `None`
/// if nothing but rendering would be left.
///
/// Nothing is copied whole: every kept resource is written with an empty
/// name, its length and padding anew, and nothing after the last one. A
/// resource is kept if everything its data says is of a kept category —
/// rendering resources (the resolution, a checked ICC profile) always are.
/// The IPTC record (0x0404) is rebuilt from its kept datasets
/// ([`iim::Record::rebuild`]); the XMP resource (0x0424) with
/// [`xmp::filter`](crate::metadata::xmp::filter). The IPTC digest (0x0425,
/// a hash of the original record) goes whenever the record changed.
/// Unreadable bytes are never written. The result is read again before it
/// is returned: it must hold no finding of a removed category.
pub fn filter_photoshop(irb: &[u8], policy: &Policy) -> Option<Vec<u8>> {
    let (resources, _) = photoshop::parse_all(irb);
    let mut kept: Vec<(&Resource, Vec<u8>)> = Vec::new();
    let mut iptc_changed = false;
    for resource in &resources {
        let data = match resource.id {
            IPTC_RESOURCE => {
                let rebuilt = iim::Record::parse(resource.data).0.rebuild(policy);
                iptc_changed |= rebuilt.as_deref() != Some(resource.data);
                rebuilt
            }
            XMP_RESOURCE => crate::metadata::xmp::filter(resource.data, policy),
            _ => policy
                .keeps_all(&resource.scan_data("IPTC"))
                .then(|| resource.data.to_vec()),
        };
        if let Some(data) = data {
            kept.push((resource, data));
        }
    }
    if iptc_changed {
        kept.retain(|(r, _)| r.id != IPTC_DIGEST);
    }
    let mut out = Vec::new();
    for (resource, data) in &kept {
        resource.write(&mut out, data)?;
    }
    let rescan = scan_photoshop(&out, "IPTC").ok()?;
    let informative = rescan.has_any(|c| c != Category::Rendering);
    (informative && !rescan.has_any(|c| policy.removes(c))).then_some(out)
}

/// The `unknown` finding for bytes a reader could not read.
fn unreadable(block: &str, what: &str, problem: &str) -> Finding {
    Finding::new(
        Category::Unknown,
        block,
        &format!("{what} (unreadable)"),
        format!("unreadable {what}, removed: {problem}"),
    )
}
