//! The state of one worker's engine: the file being cleaned, its plan, and
//! the place table once loaded.

use crate::blob::BlobSource;
use crate::planned::Planned;
use crate::report::{FileReport, Refusal};
use crate::summary;
use photoscrub_core::mapdata::MapData;
use photoscrub_core::places::Places;
use photoscrub_core::{Error, Format, Piece, Plan, Policy, Source, MAX_PHOTO};
use serde::Serialize;

#[derive(Default)]
pub struct Engine {
    /// A photo, read whole (as the command line reads it) into a buffer
    /// kept from file to file; videos are read in ranges and never whole.
    photo: Vec<u8>,
    /// How much of `photo` is the current file; `None` for a video.
    photo_len: Option<usize>,
    /// A photo's cleaned form, assembled here from its plan.
    cleaned: Vec<u8>,
    input_size: u64,
    plan: Option<Plan>,
    /// The plan's new bytes, one after another.
    pub new_bytes: Vec<u8>,
    /// The last answer, as JSON.
    pub text: String,
    /// Where the page writes what it hands over (the place table, bytes to
    /// checksum).
    pub scratch: Vec<u8>,
    places: Option<Places<'static>>,
    map: Option<MapData<'static>>,
    report: Option<FileReport>,
}

/// The plan as the page needs it: `["n", offset, len]` into the new
/// bytes, `["i", start, end]` of the file, `["z", len]` zeros.
#[derive(Serialize)]
struct PlanJson {
    format: String,
    size: u64,
    pieces: Vec<(&'static str, u64, u64)>,
}

impl Engine {
    /// The cleaning policy: the command line's default (everything that
    /// identifies goes; rendering stays).
    fn policy() -> Policy {
        Policy::default()
    }

    /// Plans the cleaning of the page's file of `size` bytes; true on
    /// success (`text` is then the plan, else the refusal).
    pub fn plan(&mut self, size: u64) -> bool {
        self.photo_len = None;
        self.plan = None;
        self.report = None;
        self.new_bytes.clear();
        self.input_size = size;
        let result = self.plan_input(size);
        self.answer(result)
    }

    fn plan_input(&mut self, size: u64) -> Result<PlanJson, Refusal> {
        let input = BlobSource::new(size);
        if photoscrub_core::detect_source(&input)? != Format::Video {
            self.read_photo(&input)?;
        }
        let plan = match self.photo_len {
            Some(len) => photoscrub_core::plan(&self.photo[..len], &Self::policy())?,
            None => photoscrub_core::plan(&input, &Self::policy())?,
        };
        let mut pieces = Vec::with_capacity(plan.output.pieces().len());
        for piece in plan.output.pieces() {
            pieces.push(match piece {
                Piece::New(bytes) => {
                    let at = self.new_bytes.len() as u64;
                    self.new_bytes.extend_from_slice(bytes);
                    ("n", at, bytes.len() as u64)
                }
                Piece::Input(range) => ("i", range.start, range.end),
                Piece::Zeros(n) => ("z", *n, 0),
            });
        }
        let answer = PlanJson {
            format: plan.input.format.to_string(),
            size: plan.output.len(),
            pieces,
        };
        self.plan = Some(plan);
        Ok(answer)
    }

    /// Reads the whole photo into `photo`, growing it only when a photo is
    /// larger than any before (no zeroing of 4 MB per photo).
    fn read_photo(&mut self, input: &BlobSource) -> Result<(), Refusal> {
        if input.size() > MAX_PHOTO {
            return Err(Error::Unsupported(format!(
                "photos larger than {} MB are not supported",
                MAX_PHOTO >> 20
            ))
            .into());
        }
        let len = input.size() as usize;
        if self.photo.len() < len {
            self.photo.resize(len, 0);
        }
        input
            .read_exact_at(&mut self.photo[..len], 0)
            .map_err(|e| Error::io_because("cannot read the file", e))?;
        self.photo_len = Some(len);
        Ok(())
    }

    /// Verifies the cleaned file the page assembled from the plan (a Blob
    /// of `size` bytes); true on success (`text` is then the report).
    pub fn verify(&mut self, size: u64) -> bool {
        let result = self.verify_output(size);
        if let Ok(report) = &result {
            self.report = Some(report.clone());
        }
        self.answer(result)
    }

    /// The checks of `photoscrub_core::verify` on the plan's output: a
    /// photo's assembled here from the bytes read, a video's read in ranges
    /// through [`Planned`] — the very pieces the page's Blob is made of.
    fn verify_output(&mut self, size: u64) -> Result<FileReport, Refusal> {
        let plan = self
            .plan
            .as_ref()
            .ok_or_else(|| Error::io("nothing was planned"))?;
        if size != plan.output.len() {
            return Err(Error::Unverified(format!(
                "the page put together {size} bytes, not the {} planned",
                plan.output.len()
            ))
            .into());
        }
        let policy = Self::policy();
        let (after, crc, unchanged) = match self.photo_len {
            Some(len) => {
                let photo = &self.photo[..len];
                assemble(plan, photo, &mut self.cleaned)?;
                let after = photoscrub_core::verify(plan, photo, &self.cleaned[..], &policy)?;
                let crc = crate::crc32::of(&self.cleaned);
                (after, Some(crc), plan.is_identity(photo))
            }
            None => {
                let input = BlobSource::new(self.input_size);
                let output = Planned::new(&plan.output, &input);
                let after = photoscrub_core::verify(plan, &input, &output, &policy)?;
                (after, None, plan.is_identity(&input))
            }
        };
        let scan = plan.input.scan.clone().marked_against(&after);
        let report = FileReport {
            format: plan.input.format.to_string(),
            status: if unchanged {
                "already clean"
            } else {
                "cleaned"
            },
            size,
            crc32: crc,
            day: scan.day_taken(),
            needs_places: false,
            scan,
        };
        Ok(report.with_places(self.places.as_ref(), self.map.as_ref()))
    }

    /// The last report again, with place names if a table is now loaded.
    pub fn report(&mut self) -> bool {
        let result = self
            .report
            .clone()
            .map(|r| r.with_places(self.places.as_ref(), self.map.as_ref()))
            .ok_or_else(|| Refusal::from(Error::io("nothing was verified")));
        self.answer(result)
    }

    /// Takes the scratch bytes as the place table (`map` false) or the map
    /// outlines (`map` true); true if they parse.
    pub fn load_data(&mut self, map: bool) -> bool {
        // Loaded once per worker and kept for its life.
        let data: &'static [u8] = Box::leak(std::mem::take(&mut self.scratch).into_boxed_slice());
        let result = if map {
            MapData::parse(data)
                .map(|m| self.map = Some(m))
                .map_err(|e| e.to_string())
        } else {
            Places::parse(data)
                .map(|p| self.places = Some(p))
                .map_err(|e| e.to_string())
        };
        let ok = result.is_ok();
        self.text = serde_json::json!({ "error": result.err() }).to_string();
        ok
    }

    /// The places of the located photos the page wrote to scratch as JSON.
    pub fn places(&mut self) -> bool {
        let result = serde_json::from_slice::<Vec<summary::Located>>(&self.scratch)
            .map(|points| summary::places(&points, self.places.as_ref(), self.map.as_ref()))
            .map_err(|e| Refusal {
                status: "failed",
                error: e.to_string(),
            });
        self.answer(result)
    }

    fn answer<T: Serialize>(&mut self, result: Result<T, Refusal>) -> bool {
        let (text, ok) = match result {
            Ok(value) => (serde_json::to_string(&value), true),
            Err(refusal) => (serde_json::to_string(&refusal), false),
        };
        self.text = text.unwrap_or_else(|e| format!("{{\"status\":\"failed\",\"error\":\"{e}\"}}"));
        ok
    }
}

/// A photo's cleaned form: the plan's pieces over the photo, into `out`
/// (kept from photo to photo).
fn assemble(plan: &Plan, photo: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
    out.clear();
    for piece in plan.output.pieces() {
        match piece {
            Piece::New(bytes) => out.extend_from_slice(bytes),
            Piece::Input(r) => {
                let range = (r.start as usize)..(r.end as usize);
                // A photo is at most MAX_PHOTO bytes: its offsets fit.
                let bytes = photo.get(range).ok_or_else(|| {
                    Error::Unverified(format!("the plan reads past the photo ({r:?})"))
                })?;
                out.extend_from_slice(bytes);
            }
            Piece::Zeros(n) => out.resize(out.len() + *n as usize, 0),
        }
    }
    Ok(())
}
