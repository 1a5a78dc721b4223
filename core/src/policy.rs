//! Which categories to remove and which to keep.

use crate::findings::{Category, Scan};

/// The user's choice of what to remove.
///
/// The default removes every category but [`Category::Rendering`], which is
/// never removed: it is what shows the picture the right way up and in the
/// right colours. [`Category::Unknown`] is always removed: what photoscrub
/// cannot read, it cannot keep.
///
/// ```
/// use photoscrub_core::{Category, Policy};
/// let keep_time = Policy::keep(&[Category::Time]);
/// assert!(keep_time.removes(Category::Location));
/// assert!(!keep_time.removes(Category::Time));
/// let only_location = Policy::only(&[Category::Location]);
/// assert!(!only_location.removes(Category::Device));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    remove: [bool; Category::ALL.len()],
}

impl Default for Policy {
    fn default() -> Self {
        Policy::keep(&[])
    }
}

impl Policy {
    /// Removes everything except `kept` (and rendering; never unknown).
    pub fn keep(kept: &[Category]) -> Policy {
        Policy::from_fn(|c| !kept.contains(&c))
    }

    /// Removes only `removed` (never rendering; always unknown).
    pub fn only(removed: &[Category]) -> Policy {
        Policy::from_fn(|c| removed.contains(&c))
    }

    fn from_fn(remove: impl Fn(Category) -> bool) -> Policy {
        let mut policy = Policy {
            remove: [false; Category::ALL.len()],
        };
        for c in Category::ALL {
            policy.remove[c as usize] = match c {
                Category::Rendering => false,
                Category::Unknown => true,
                _ => remove(c),
            };
        }
        policy
    }

    /// Whether this policy removes `category`.
    pub fn removes(&self, category: Category) -> bool {
        self.remove[category as usize]
    }

    /// Whether this policy keeps `category`.
    pub fn keeps(&self, category: Category) -> bool {
        !self.removes(category)
    }

    /// Whether a metadata block may be kept whole: it says something, and
    /// all of it is of categories this policy keeps.
    pub fn keeps_all(&self, block: &Scan) -> bool {
        !block.findings.is_empty() && !block.has_any(|c| self.removes(c))
    }

    /// Whether this policy keeps anything in a block beyond rendering, so a
    /// cut-down copy of it is worth writing.
    pub fn keeps_some(&self, block: &Scan) -> bool {
        block.has_any(|c| c != Category::Rendering && self.keeps(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_removes_all_but_rendering() {
        let p = Policy::default();
        for c in Category::ALL {
            assert_eq!(p.removes(c), c != Category::Rendering, "{c}");
        }
    }

    #[test]
    fn unknown_is_always_removed() {
        assert!(Policy::keep(&Category::ALL).removes(Category::Unknown));
        assert!(Policy::only(&[Category::Location]).removes(Category::Unknown));
        assert!(!Policy::only(&[Category::Location]).removes(Category::Device));
    }

    #[test]
    fn rendering_is_never_removed() {
        assert!(Policy::only(&[Category::Rendering]).keeps(Category::Rendering));
    }
}
