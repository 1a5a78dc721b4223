//! The words a person reads, in their language (English or Dutch).
//!
//! Every sentence lives in a Project Fluent message file compiled into the
//! program (`en.ftl`, `nl.ftl` beside this file); code asks for a message
//! by its key with [`t!`](crate::t), giving the values it needs by name:
//!
//! ```ignore
//! let line = t!("n-files", files = 3);
//! ```
//!
//! The language is chosen once, at start ([`choose`], then [`set`]); JSON,
//! CSV and the keys and status codes inside them stay English whatever it
//! is. A key missing from the Dutch file falls back to the English one; a
//! key missing from both comes out as the key itself (a test checks that
//! every key used in the code exists in both files).

mod choose;

pub use choose::choose;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

/// A language photoscrub speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Nl,
}

impl Lang {
    /// Every language, English (the fallback) first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Nl];

    /// The language's BCP 47 tag: `en`, `nl` (for `<html lang>` and for
    /// the place table's names).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
        }
    }

    /// `en` or `nl` (any case), as `--lang` takes it.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(code))
    }

    /// The message file, as written.
    pub fn source(self) -> &'static str {
        match self {
            Lang::En => include_str!("en.ftl"),
            Lang::Nl => include_str!("nl.ftl"),
        }
    }

    fn bundle(self) -> &'static FluentBundle<FluentResource> {
        static BUNDLES: [OnceLock<FluentBundle<FluentResource>>; 2] =
            [OnceLock::new(), OnceLock::new()];
        BUNDLES[self as usize].get_or_init(|| bundle_of(self))
    }
}

/// The bundle of one language's messages. The files are part of the
/// program and tested, so an error in them is a bug, not an input error.
fn bundle_of(lang: Lang) -> FluentBundle<FluentResource> {
    let resource = FluentResource::try_new(lang.source().to_string())
        .unwrap_or_else(|(_, errors)| panic!("{}.ftl does not parse: {errors:?}", lang.code()));
    let id = lang.code().parse().expect("en and nl are language tags");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Plain text for terminals and HTML: no Unicode isolation marks
    // around the values put into a sentence.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .unwrap_or_else(|errors| panic!("{}.ftl repeats a key: {errors:?}", lang.code()));
    bundle
}

static CURRENT: AtomicU8 = AtomicU8::new(Lang::En as u8);

/// Makes `lang` the language of everything said from now on.
pub fn set(lang: Lang) {
    CURRENT.store(lang as u8, Ordering::Relaxed);
}

/// The language chosen with [`set`] (English until then).
pub fn current() -> Lang {
    match CURRENT.load(Ordering::Relaxed) {
        1 => Lang::Nl,
        _ => Lang::En,
    }
}

/// The message `key` in `lang` with `args` filled in; the English one when
/// `lang` lacks it, the key itself when both do.
pub fn message(lang: Lang, key: &str, args: Option<&FluentArgs>) -> String {
    [lang, Lang::En]
        .into_iter()
        .find_map(|l| format_in(l, key, args))
        .unwrap_or_else(|| key.to_string())
}

fn format_in(lang: Lang, key: &str, args: Option<&FluentArgs>) -> Option<String> {
    let bundle = lang.bundle();
    let pattern = bundle.get_message(key)?.value()?;
    let mut errors = Vec::new();
    Some(
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned(),
    )
}

/// The message `key` in the current language (see [`t!`](crate::t)).
pub fn text(key: &str, args: Option<&FluentArgs>) -> String {
    message(current(), key, args)
}

/// A message in the current language: `t!("key")`, or with values,
/// `t!("key", photos = 3, place = name)` for the message's `$photos` and
/// `$place`. Numbers choose plural forms (`[one]`/`*[other]`).
/// `t!(in lang; "key", …)` says it in `lang` instead.
#[macro_export]
macro_rules! t {
    (in $lang:expr; $key:expr $(, $name:ident = $value:expr)* $(,)?) => {{
        #[allow(unused_mut)]
        let mut args = fluent_bundle::FluentArgs::new();
        $( args.set(stringify!($name), $value); )*
        $crate::i18n::message($lang, $key, Some(&args))
    }};
    ($key:expr) => {
        $crate::i18n::text($key, None)
    };
    ($key:expr, $($name:ident = $value:expr),+ $(,)?) => {{
        let mut args = fluent_bundle::FluentArgs::new();
        $( args.set(stringify!($name), $value); )+
        $crate::i18n::text($key, Some(&args))
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(lang: Lang, key: &str, args: &[(&str, usize)]) -> String {
        let mut fluent = FluentArgs::new();
        for &(name, value) in args {
            fluent.set(name, value);
        }
        message(lang, key, Some(&fluent))
    }

    #[test]
    fn plurals_follow_the_number_in_both_languages() {
        assert_eq!(with(Lang::En, "n-photos", &[("photos", 1)]), "1 photo");
        assert_eq!(with(Lang::En, "n-photos", &[("photos", 3)]), "3 photos");
        assert_eq!(with(Lang::Nl, "n-photos", &[("photos", 1)]), "1 foto");
        assert_eq!(with(Lang::Nl, "n-photos", &[("photos", 3)]), "3 foto's");
    }

    #[test]
    fn a_missing_key_says_its_name() {
        assert_eq!(message(Lang::Nl, "no-such-key", None), "no-such-key");
    }

    #[test]
    fn language_codes() {
        assert_eq!(Lang::from_code("NL"), Some(Lang::Nl));
        assert_eq!(Lang::from_code("en"), Some(Lang::En));
        assert_eq!(Lang::from_code("de"), None);
    }
}
