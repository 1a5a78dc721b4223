//! Which language to speak: `--lang`, else the locale the environment
//! names, else the system's own display language, else English.

use super::Lang;

/// The locale variables in the order POSIX gives them precedence.
const LOCALE_VARIABLES: [&str; 3] = ["LC_ALL", "LC_MESSAGES", "LANG"];

/// The language of this run. `flag` is `--lang`. Otherwise the first of
/// `LC_ALL`, `LC_MESSAGES` and `LANG` that is set and not empty decides,
/// as it does for every program (`nl_NL.UTF-8`, `nl_BE`, `nl` → Dutch; a
/// language photoscrub does not speak, `C` or `POSIX` → English); with
/// none set, the display language of Windows or macOS; else English.
pub fn choose(flag: Option<Lang>) -> Lang {
    flag.or_else(|| from_environment(|name| std::env::var(name).ok()))
        .or_else(|| crate::sys::ui_language().and_then(|tag| from_locale(&tag)))
        .unwrap_or(Lang::En)
}

/// The language the locale variables name (`var` reads one), or `None`
/// when none is set.
fn from_environment(var: impl Fn(&str) -> Option<String>) -> Option<Lang> {
    let value = LOCALE_VARIABLES
        .iter()
        .filter_map(|name| var(name))
        .find(|value| !value.is_empty())?;
    Some(from_locale(&value).unwrap_or(Lang::En))
}

/// The language of a locale name or language tag: `nl_NL.UTF-8`,
/// `nl_BE@euro`, `nl-NL`, `nl`, `en_GB` — or `None` for one photoscrub
/// does not speak.
fn from_locale(locale: &str) -> Option<Lang> {
    let language = locale
        .split(['_', '-', '.', '@'])
        .next()
        .unwrap_or_default();
    Lang::from_code(language)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn locale_names_and_tags() {
        for dutch in ["nl_NL.UTF-8", "nl_BE", "nl", "nl-NL", "nl_BE@euro", "NL"] {
            assert_eq!(from_locale(dutch), Some(Lang::Nl), "{dutch}");
        }
        assert_eq!(from_locale("en_GB.UTF-8"), Some(Lang::En));
        for other in ["C", "POSIX", "C.UTF-8", "de_DE", "", "nld"] {
            assert_eq!(from_locale(other), None, "{other}");
        }
    }

    #[test]
    fn lc_all_then_lc_messages_then_lang() {
        let all = env(&[("LC_ALL", "en_US.UTF-8"), ("LANG", "nl_NL.UTF-8")]);
        assert_eq!(from_environment(all), Some(Lang::En));
        let messages = env(&[("LC_MESSAGES", "nl_BE"), ("LANG", "en_US")]);
        assert_eq!(from_environment(messages), Some(Lang::Nl));
        let empty_all = env(&[("LC_ALL", ""), ("LANG", "nl_NL.UTF-8")]);
        assert_eq!(from_environment(empty_all), Some(Lang::Nl));
    }

    #[test]
    fn a_locale_photoscrub_does_not_speak_means_english() {
        assert_eq!(
            from_environment(env(&[("LANG", "de_DE.UTF-8")])),
            Some(Lang::En)
        );
        assert_eq!(from_environment(env(&[("LC_ALL", "C")])), Some(Lang::En));
        assert_eq!(from_environment(env(&[])), None);
    }

    #[test]
    fn the_flag_wins() {
        assert_eq!(choose(Some(Lang::Nl)), Lang::Nl);
        assert_eq!(choose(Some(Lang::En)), Lang::En);
    }
}
