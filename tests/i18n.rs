//! The message files: every key in both languages with the same values
//! asked for, every key the code uses present with the values the code
//! gives, and the language chosen as `--lang` and the locale say.

mod common;

use fluent_syntax::ast;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each message of one `.ftl` file with the variables it uses, those of
/// the messages it refers to included.
fn messages(lang: &str) -> BTreeMap<String, BTreeSet<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("src/i18n/{lang}.ftl"));
    let text = std::fs::read_to_string(&path).unwrap();
    let resource = fluent_syntax::parser::parse(text.as_str())
        .unwrap_or_else(|(_, errors)| panic!("{lang}.ftl does not parse: {errors:?}"));
    let mut own: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for entry in &resource.body {
        match entry {
            ast::Entry::Message(m) => {
                let mut found = (BTreeSet::new(), BTreeSet::new());
                for pattern in m.value.iter().chain(m.attributes.iter().map(|a| &a.value)) {
                    pattern_refs(pattern, &mut found);
                }
                let fresh = own.insert(m.id.name.to_string(), found).is_none();
                assert!(fresh, "{lang}.ftl has {} twice", m.id.name);
            }
            ast::Entry::Junk { content } => panic!("{lang}.ftl: cannot read {content:?}"),
            _ => {}
        }
    }
    own.keys()
        .map(|key| (key.clone(), variables_of(key, &own, 0)))
        .collect()
}

type Refs = (BTreeSet<String>, BTreeSet<String>);

fn variables_of(key: &str, own: &BTreeMap<String, Refs>, depth: usize) -> BTreeSet<String> {
    assert!(depth < 8, "{key}: messages refer to each other in a circle");
    let (vars, refs) = &own[key];
    let mut all = vars.clone();
    for r in refs {
        assert!(
            own.contains_key(r),
            "{key} refers to {r}, which does not exist"
        );
        all.extend(variables_of(r, own, depth + 1));
    }
    all
}

fn pattern_refs(pattern: &ast::Pattern<&str>, found: &mut Refs) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_refs(expression, found);
        }
    }
}

fn expression_refs(expression: &ast::Expression<&str>, found: &mut Refs) {
    match expression {
        ast::Expression::Inline(inline) => inline_refs(inline, found),
        ast::Expression::Select { selector, variants } => {
            inline_refs(selector, found);
            for v in variants {
                pattern_refs(&v.value, found);
            }
        }
    }
}

fn inline_refs(inline: &ast::InlineExpression<&str>, found: &mut Refs) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            found.0.insert(id.name.to_string());
        }
        ast::InlineExpression::MessageReference { id, .. } => {
            found.1.insert(id.name.to_string());
        }
        ast::InlineExpression::Placeable { expression } => expression_refs(expression, found),
        _ => {}
    }
}

#[test]
fn both_languages_have_every_key_with_the_same_variables() {
    let en = messages("en");
    let nl = messages("nl");
    assert!(en.len() > 40, "only {} messages", en.len());
    let en_keys: BTreeSet<_> = en.keys().collect();
    let nl_keys: BTreeSet<_> = nl.keys().collect();
    assert_eq!(
        en_keys.symmetric_difference(&nl_keys).collect::<Vec<_>>(),
        Vec::<&&String>::new(),
        "keys in one language only"
    );
    for (key, vars) in &en {
        assert_eq!(vars, &nl[key], "{key}: the variables differ");
    }
}

/// Every `t!("key", name = value, …)` in the program's source, as the key
/// and the names it gives.
fn uses_in_source() -> Vec<(String, String, BTreeSet<String>)> {
    let mut uses = Vec::new();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            let file = entry
                .path()
                .strip_prefix(&src)
                .unwrap()
                .display()
                .to_string();
            for (key, names) in macro_calls(&text) {
                uses.push((file.clone(), key, names));
            }
        }
    }
    uses
}

/// The calls of `t!` with a literal key in `text`.
fn macro_calls(text: &str) -> Vec<(String, BTreeSet<String>)> {
    let mut calls = Vec::new();
    for (at, _) in text.match_indices("t!(") {
        let another = text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let comment = text[line_start..at].trim_start().starts_with("//");
        // t!(in lang; "key", …) names the language first.
        let rest = text[at + 3..].trim_start();
        let skip = match rest.strip_prefix("in ") {
            Some(after) => rest.len() - after.len() + after.find(';').map_or(0, |i| i + 1),
            None => 0,
        };
        if another || comment || !rest[skip..].trim_start().starts_with('"') {
            continue; // print!, assert!…, a comment, or a key that is not a literal
        }
        let args = balanced(&text[at + 2..]);
        let args = args.trim_start();
        let args = match args.strip_prefix("in ") {
            Some(after) => &after[after.find(';').map_or(0, |i| i + 1)..],
            None => args,
        };
        let mut parts = split_top_level(args).into_iter();
        let key = parts.next().unwrap().trim().trim_matches('"').to_string();
        let names = parts
            .filter_map(|p| p.split_once('=').map(|(n, _)| n.trim().to_string()))
            .filter(|n| !n.is_empty())
            .collect();
        calls.push((key, names));
    }
    calls
}

/// The text inside the parentheses that open `text`'s first character.
fn balanced(text: &str) -> &str {
    let mut depth = 0;
    let mut in_string = false;
    let mut prev = ' ';
    for (i, c) in text.char_indices() {
        match c {
            '"' if prev != '\\' => in_string = !in_string,
            '(' | '[' | '{' if !in_string => depth += 1,
            ')' | ']' | '}' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return &text[1..i];
                }
            }
            _ => {}
        }
        prev = c;
    }
    panic!("unbalanced t!( call: {}", &text[..text.len().min(80)]);
}

fn split_top_level(args: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start, mut in_string, mut prev) = (vec![], 0, 0, false, ' ');
    for (i, c) in args.char_indices() {
        match c {
            '"' if prev != '\\' => in_string = !in_string,
            '(' | '[' | '{' | '<' if !in_string => depth += 1,
            ')' | ']' | '}' | '>' if !in_string && prev != '=' && prev != '-' => depth -= 1,
            ',' if !in_string && depth == 0 => {
                parts.push(&args[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        prev = c;
    }
    parts.push(&args[start..]);
    parts.retain(|p| !p.trim().is_empty());
    parts
}

#[test]
fn every_key_the_code_uses_exists_with_the_values_the_code_gives() {
    let en = messages("en");
    let uses = uses_in_source();
    assert!(uses.len() > 40, "only {} uses of t! found", uses.len());
    for (file, key, names) in &uses {
        let vars = en
            .get(key)
            .unwrap_or_else(|| panic!("{file}: t!(\"{key}\") is in no message file"));
        assert_eq!(
            names, vars,
            "{file}: t!(\"{key}\") gives other values than it asks for"
        );
    }
}

#[test]
fn every_message_is_used() {
    let en = messages("en");
    let used: BTreeSet<String> = uses_in_source().into_iter().map(|(_, k, _)| k).collect();
    let referenced: BTreeSet<String> = {
        let text =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/i18n/en.ftl"))
                .unwrap();
        en.keys()
            .filter(|k| text.contains(&format!("{{ {k} }}")))
            .cloned()
            .collect()
    };
    let unused: Vec<&String> = en
        .keys()
        .filter(|k| !used.contains(*k) && !referenced.contains(*k))
        .collect();
    assert!(unused.is_empty(), "messages no code uses: {unused:?}");
}

/// `photoscrub ARGS` with only `vars` of the locale variables set.
fn run_with_locale(vars: &[(&str, &str)], args: &[&str]) -> common::Run {
    let mut cmd = common::photoscrub();
    for name in ["LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"] {
        cmd.env_remove(name);
    }
    cmd.envs(vars.iter().copied())
        .current_dir(common::crate_dir())
        .args(args);
    let out = cmd.output().expect("photoscrub runs");
    common::Run {
        code: out.status.code().expect("photoscrub exits"),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        args: args.iter().map(|a| a.to_string()).collect(),
    }
}

const DUTCH_HEADING: &str = "Dit zouden deze foto's een vreemde vertellen:";
const ENGLISH_HEADING: &str = "What these photos would have told a stranger:";

#[test]
fn lang_nl_nl_utf8_prints_the_summary_in_dutch() {
    let run = run_with_locale(&[("LANG", "nl_NL.UTF-8")], &["check", "fixtures/samples"]);
    run.assert_code(1);
    let text = run.stdout_str();
    assert!(text.contains(DUTCH_HEADING), "{text}");
    assert!(!text.contains(ENGLISH_HEADING), "{text}");
    // The places too: Dutch town and country names, Dutch plurals.
    assert!(
        text.contains("in Parijs, Île-de-France, Frankrijk — 1 foto\n"),
        "{text}"
    );
    assert!(
        text.contains("in Haarlem, Noord-Holland, Nederland — 2 foto's"),
        "{text}"
    );
    assert!(
        text.contains("4 bestanden: 4 zouden iets verraden"),
        "{text}"
    );
    assert!(text.contains(": zou iets verraden\n"), "{text}");
}

#[test]
fn lang_en_switches_back_to_english() {
    let run = run_with_locale(
        &[("LANG", "nl_NL.UTF-8")],
        &["check", "--lang", "en", "fixtures/samples"],
    );
    let text = run.stdout_str();
    assert!(text.contains(ENGLISH_HEADING), "{text}");
    assert!(
        text.contains("in Paris, Île-de-France, France — 1 photo\n"),
        "{text}"
    );
    assert!(!text.contains(DUTCH_HEADING), "{text}");
    // Before the command too.
    let first = run_with_locale(
        &[("LANG", "nl_NL.UTF-8")],
        &["--lang=en", "check", "fixtures/samples"],
    );
    assert!(
        first.stdout_str().contains(ENGLISH_HEADING),
        "{}",
        first.describe()
    );
}

#[test]
fn lang_nl_works_under_an_english_locale() {
    for vars in [&[("LANG", "en_US.UTF-8")][..], &[][..]] {
        let run = run_with_locale(vars, &["check", "--lang", "nl", "fixtures/samples"]);
        assert!(
            run.stdout_str().contains(DUTCH_HEADING),
            "{}",
            run.describe()
        );
    }
}

#[test]
fn lc_all_wins_over_lang_and_unknown_locales_mean_english() {
    let run = run_with_locale(
        &[("LC_ALL", "nl_BE.UTF-8"), ("LANG", "en_GB.UTF-8")],
        &["check", "fixtures/samples"],
    );
    assert!(
        run.stdout_str().contains(DUTCH_HEADING),
        "{}",
        run.describe()
    );
    let german = run_with_locale(&[("LANG", "de_DE.UTF-8")], &["check", "fixtures/samples"]);
    assert!(
        german.stdout_str().contains(ENGLISH_HEADING),
        "{}",
        german.describe()
    );
    let bad = run_with_locale(&[], &["check", "--lang", "de", "fixtures/samples"]);
    bad.assert_code(2);
}

#[test]
fn json_stays_english_in_dutch() {
    let run = run_with_locale(
        &[("LANG", "nl_NL.UTF-8")],
        &["check", "--json", "fixtures/samples"],
    );
    let (files, summary) = common::parse_json_lines(&run.stdout_str(), &run.describe());
    assert!(files.iter().all(|f| f["status"] == "leaks"), "{files:?}");
    let places: Vec<&str> = summary["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["place"].as_str().unwrap())
        .collect();
    assert!(
        places.contains(&"in Paris, Île-de-France, France"),
        "{places:?}"
    );
    assert!(files
        .iter()
        .all(|f| f["findings"][0]["category"].is_string()));
}

#[test]
fn the_html_report_in_dutch_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("rapport.html");
    let page_arg = page.to_str().unwrap();
    let run = run_with_locale(
        &[("LANG", "nl_NL.UTF-8")],
        &["check", "--html", page_arg, "fixtures/samples"],
    );
    run.assert_code(1);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<html lang=\"nl\">"), "{}", &html[..200]);
    assert!(html.contains("<h1>Dit zouden deze foto&#39;s een vreemde vertellen</h1>"));
    assert!(html.contains("Zou een vreemde vertellen: "));
    assert!(!html.contains("Would tell a stranger"));
    run_with_locale(&[], &["check", "--html", page_arg, "fixtures/samples"]);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<html lang=\"en\">"), "{}", &html[..200]);
}

#[test]
fn help_and_the_start_text_in_dutch() {
    let help = run_with_locale(&[("LANG", "nl_NL.UTF-8")], &["check", "--help"]);
    help.assert_code(0);
    assert!(
        help.stdout_str().starts_with("Laat zien wat elke foto"),
        "{}",
        help.describe()
    );
    let start = run_with_locale(&[], &["--lang", "nl"]);
    assert!(
        start.stdout_str().contains("Zo gebruik je het"),
        "{}",
        start.describe()
    );
}
