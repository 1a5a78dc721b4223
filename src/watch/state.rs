//! The state file in the output folder: what was cleaned, at which size
//! and time, under which policy, so a restarted watcher does not clean again.

use super::*;

/// A file's size and modification time: what "changed" means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct Fingerprint {
    pub(super) size: u64,
    pub(super) mtime_ns: i64,
}

impl Fingerprint {
    pub(super) fn of(meta: &fs::Metadata) -> Fingerprint {
        let t = filetime::FileTime::from_last_modification_time(meta);
        Fingerprint {
            size: meta.len(),
            mtime_ns: t
                .unix_seconds()
                .saturating_mul(1_000_000_000)
                .saturating_add(i64::from(t.nanoseconds())),
        }
    }

    /// The file at `path` if it is a regular file with content.
    pub(super) fn read(path: &Path) -> Option<Fingerprint> {
        let meta = fs::metadata(path).ok()?;
        (meta.is_file() && meta.len() > 0).then(|| Fingerprint::of(&meta))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum EntryStatus {
    /// Handed to a worker (or made stale): to be done.
    Pending,
    Cleaned,
    AlreadyClean,
    Refused,
    Failed,
    /// Not a photo or video.
    Skipped,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct Entry {
    pub(super) size: u64,
    pub(super) mtime_ns: i64,
    pub(super) status: EntryStatus,
    /// The output path may hold a file this watcher wrote (so it may be
    /// replaced when the original changes).
    #[serde(default)]
    pub(super) output: bool,
    /// A read or write failure, tried again later.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(super) retry: bool,
}

impl Entry {
    pub(super) fn fingerprint(&self) -> Fingerprint {
        Fingerprint {
            size: self.size,
            mtime_ns: self.mtime_ns,
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct State {
    pub(super) version: u32,
    /// The photoscrub version that wrote the file.
    pub(super) photoscrub: String,
    /// The categories removed (`--keep`/`--only`), comma-separated.
    pub(super) removes: String,
    /// INBOX, for people reading the file.
    #[serde(default)]
    pub(super) inbox: String,
    pub(super) files: BTreeMap<String, Entry>,
}

pub(super) fn policy_signature(policy: &Policy) -> String {
    Category::ALL
        .iter()
        .filter(|c| policy.removes(**c))
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(",")
}

pub(super) fn key(relative: &Path) -> String {
    relative.to_string_lossy().into_owned()
}

impl State {
    /// Loads the state file; a missing one is an empty state. Entries that a
    /// changed policy or version makes stale become `pending`.
    pub(super) fn load(
        path: &Path,
        policy: &Policy,
        inbox: &Path,
        notes: &mut Vec<String>,
    ) -> State {
        let removes = policy_signature(policy);
        let fresh = || State {
            version: STATE_VERSION,
            photoscrub: env!("CARGO_PKG_VERSION").into(),
            removes: removes.clone(),
            inbox: inbox.to_string_lossy().into_owned(),
            files: BTreeMap::new(),
        };
        let text = match fs::read(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return fresh(),
            Err(e) => {
                notes.push(format!(
                    "cannot read {} ({e}); starting afresh",
                    path.display()
                ));
                return fresh();
            }
        };
        let mut state: State = match serde_json::from_slice(&text) {
            Ok(state) => state,
            Err(e) => {
                notes.push(format!(
                    "{} is damaged ({e}); starting afresh (existing cleaned copies are kept)",
                    path.display()
                ));
                return fresh();
            }
        };
        if state.removes != removes {
            notes.push(format!(
                "the categories to remove changed (were: {}; now: {}): cleaning every file again",
                state.removes, removes
            ));
            for entry in state.files.values_mut() {
                entry.status = EntryStatus::Pending;
            }
        } else if state.photoscrub != env!("CARGO_PKG_VERSION") {
            for entry in state.files.values_mut() {
                if matches!(entry.status, EntryStatus::Refused | EntryStatus::Failed) {
                    entry.status = EntryStatus::Pending;
                }
            }
        }
        state.version = STATE_VERSION;
        state.photoscrub = env!("CARGO_PKG_VERSION").into();
        state.removes = removes;
        state.inbox = inbox.to_string_lossy().into_owned();
        state
    }

    /// Whether the file at `relative` with `fp` has been handled for good.
    pub(super) fn is_done(&self, relative: &str, fp: Fingerprint) -> bool {
        self.files
            .get(relative)
            .is_some_and(|e| e.fingerprint() == fp && e.status != EntryStatus::Pending && !e.retry)
    }

    /// Writes the state atomically: a temporary file in `dir`, then a rename.
    pub(super) fn save(&self, dir: &Path, sync: bool) -> io::Result<()> {
        let bytes = serde_json::to_vec_pretty(self).map_err(io::Error::other)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".photoscrub-watch-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        tmp.write_all(&bytes)?;
        tmp.write_all(b"\n")?;
        if sync {
            crate::sys::sync_file(tmp.as_file())?;
        }
        crate::write::put_in_place(tmp, &dir.join(STATE_FILE), true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trip_and_stale_policy() {
        let dir = tempfile::tempdir().unwrap();
        let policy = Policy::default();
        let mut notes = Vec::new();
        let mut state = State::load(
            &dir.path().join(STATE_FILE),
            &policy,
            dir.path(),
            &mut notes,
        );
        assert!(notes.is_empty());
        let fp = Fingerprint {
            size: 10,
            mtime_ns: 5,
        };
        state.files.insert(
            "a.jpg".into(),
            Entry {
                size: 10,
                mtime_ns: 5,
                status: EntryStatus::Cleaned,
                output: true,
                retry: false,
            },
        );
        state.save(dir.path(), true).unwrap();
        let again = State::load(
            &dir.path().join(STATE_FILE),
            &policy,
            dir.path(),
            &mut notes,
        );
        assert!(again.is_done("a.jpg", fp));
        assert!(!again.is_done("a.jpg", Fingerprint { size: 11, ..fp }));
        let keep_time = Policy::keep(&[Category::Time]);
        let stale = State::load(
            &dir.path().join(STATE_FILE),
            &keep_time,
            dir.path(),
            &mut notes,
        );
        assert!(!stale.is_done("a.jpg", fp));
        assert!(stale.files["a.jpg"].output);
        assert_eq!(notes.len(), 1);
    }
}
