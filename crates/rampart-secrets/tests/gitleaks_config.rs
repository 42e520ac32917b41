//! gitleaks configurations: gitleaks' own valid and invalid test configs
//! and its default configuration (from `../shared/corpus/gitleaks`), and
//! the behaviour of rules and allowlists read from one.

use std::path::{Path, PathBuf};

use rampart_secrets::{Detector, GitleaksConfig};

fn corpus() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/gitleaks");
    path.is_dir().then_some(path)
}

fn load_text(dir: &Path, text: &str) -> Result<GitleaksConfig, rampart_core::ConfigError> {
    let path = dir.join(".gitleaks.toml");
    std::fs::write(&path, text).unwrap();
    GitleaksConfig::load(&path, dir)
}

/// (rule id, line) of each finding in `text` at `path`.
fn found(config: &GitleaksConfig, path: &str, text: &str) -> Vec<(String, usize)> {
    let detector = Detector::new(&config.catalogue);
    detector
        .detect(path, text.as_bytes())
        .into_iter()
        .map(|found| (config.catalogue.rules[found.rule].spec.id.clone(), found.line))
        .collect()
}

#[test]
fn gitleaks_valid_configs_load_and_invalid_ones_are_refused() {
    let Some(corpus) = corpus() else {
        eprintln!("skipped: ../shared/corpus is absent");
        return;
    };
    // Their `[extend] path`s are relative to gitleaks' own config/ folder.
    let base = corpus.join("testdata");
    let mut loaded = 0;
    for entry in std::fs::read_dir(corpus.join("testdata/config/valid")).unwrap() {
        let path = entry.unwrap().path();
        // Bases are read through the files that extend them; loaded on
        // their own, some extend a file that does not exist, as in gitleaks.
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("extend_base_") || name.ends_with("_base.toml") {
            continue;
        }
        let config = GitleaksConfig::load(&path, &base).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // An allowlist-only file has no rules: gitleaks' classic mistake.
        if config.catalogue.rules.is_empty() {
            assert!(
                config.warnings.iter().any(|w| w.contains("useDefault")),
                "{}",
                path.display()
            );
        }
        loaded += 1;
    }
    assert_eq!(loaded, 25);

    let expected = [
        ("allowlist_global_empty.toml", "needs at least one of"),
        ("allowlist_global_old_and_new.toml", "[allowlist] or [[allowlists]]"),
        ("allowlist_global_regextarget.toml", "unknown regexTarget 'mtach'"),
        ("allowlist_global_target_rule_id.toml", "targets rule 'github-pat'"),
        ("allowlist_rule_empty.toml", "needs at least one of"),
        (
            "allowlist_rule_old_and_new.toml",
            "[rules.allowlist] or [[rules.allowlists]]",
        ),
        ("allowlist_rule_regextarget.toml", "unknown regexTarget 'mtach'"),
        ("extend_invalid_base.toml", "does not exist"),
        ("extend_invalid_ruleid.toml", "has no `id`"),
        (
            "rule_bad_entropy_group.toml",
            "secret_group 5 but the regex has 3 groups",
        ),
        ("rule_missing_id.toml", "has no `id`"),
        ("rule_no_regex_or_path.toml", "neither `regex` nor `path`"),
    ];
    let invalid = corpus.join("testdata/config/invalid");
    assert_eq!(std::fs::read_dir(&invalid).unwrap().count(), expected.len());
    for (file, message) in expected {
        let error = GitleaksConfig::load(&invalid.join(file), &base).unwrap_err();
        assert!(error.message.contains(message), "{file}: {error}");
        assert!(
            error.path.ends_with(file) || file == "extend_invalid_base.toml",
            "{file}: {error}"
        );
    }
}

#[test]
fn the_gitleaks_default_configuration_runs_as_a_custom_one() {
    let Some(corpus) = corpus() else {
        eprintln!("skipped: ../shared/corpus is absent");
        return;
    };
    let config = GitleaksConfig::load(&corpus.join("reference/gitleaks.toml"), &corpus).unwrap();
    // 222 rules; none is composite in this version.
    assert_eq!(config.catalogue.rules.len(), 222, "{:?}", config.warnings);
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    assert!(!config.catalogue.allowlists.is_empty());
    let token = format!("ghp_{}", "Zq3kV9pL2xR7mN4tB8wYc5Hj6Df1Gs0Ka9Qe");
    let hits = found(&config, "deploy/.env", &format!("A=1\nGITHUB_TOKEN={token}\n"));
    assert!(hits.contains(&("github-pat".to_string(), 2)), "{hits:?}");
    // Its global allowlist passes over lock files and images.
    assert!(found(&config, "package-lock.json", &format!("GITHUB_TOKEN={token}\n")).is_empty());
}

#[test]
fn custom_rules_replace_the_catalogue_unless_they_extend_it() {
    let dir = tempfile::tempdir().unwrap();
    let custom = r#"
title = "acme"

[[rules]]
id = "acme_internal_token"
description = "ACME internal token"
regex = '''acme_(?:live|test)_([a-z0-9]{24})'''
secretGroup = 1
entropy = 3.0
keywords = ["ACME_"]
"#;
    let token = "acme_live_q8w7e6r5t4y3u2i1o9p8a7s6";
    let github = format!("ghp_{}", "Zq3kV9pL2xR7mN4tB8wYc5Hj6Df1Gs0Ka9Qe");
    let text = format!("x = \"{token}\"\ny = \"{github}\"\nz = \"acme_live_aaaaaaaaaaaaaaaaaaaaaaaa\"\n");

    let alone = load_text(dir.path(), custom).unwrap();
    assert_eq!(alone.catalogue.rules.len(), 1);
    assert_eq!(alone.catalogue.rules[0].spec.title, "ACME internal token");
    // Low entropy on line 3 is dropped; the built-in GitHub rule is gone.
    assert_eq!(found(&alone, "a.txt", &text), [("acme-internal-token".to_string(), 1)]);

    let extended = load_text(
        dir.path(),
        &format!("{custom}\n[extend]\nuseDefault = true\ndisabledRules = [\"github-oauth\"]\n"),
    )
    .unwrap();
    assert!(extended.catalogue.rules.len() > 200);
    assert!(
        !extended
            .catalogue
            .rules
            .iter()
            .any(|rule| rule.spec.id == "github-oauth")
    );
    let hits = found(&extended, "a.txt", &text);
    assert!(hits.contains(&("acme-internal-token".to_string(), 1)), "{hits:?}");
    assert!(hits.contains(&("github-pat".to_string(), 2)), "{hits:?}");
}

#[test]
fn allowlists_global_per_rule_targeted_and_all_of() {
    let dir = tempfile::tempdir().unwrap();
    let config = load_text(
        dir.path(),
        r#"
[[rules]]
id = "acme-token"
regex = '''acme_[a-z0-9]{24}'''
keywords = ["acme_"]
  [[rules.allowlists]]
  regexTarget = "line"
  regexes = ['''#\s*test-fixture''']
  [[rules.allowlists]]
  condition = "AND"
  paths = ['''^docs/''']
  stopwords = ["orchid"]

[[rules]]
id = "beta-token"
regex = '''beta_[a-z0-9]{24}'''
keywords = ["beta_"]

[[allowlists]]
description = "vendored code"
paths = ['''(^|/)vendor/''']

[[allowlists]]
targetRules = ["beta-token"]
stopwords = ["qqqq"]
"#,
    )
    .unwrap();
    let acme = "acme_q8w7e6r5t4y3u2i1o9p8a7s6";
    let sample = "acme_orchid5t4y3u2i1o9p8a7s6x";
    let beta = "beta_q8w7e6r5t4y3u2i1o9p8a7s6";
    let beta_allowed = "beta_q8w7qqqq4y3u2i1o9p8a7s6x";
    let text = format!("a {acme}\nb {acme} # test-fixture\nc {sample}\nd {beta}\ne {beta_allowed}\n");

    let ids = |hits: Vec<(String, usize)>| {
        hits.into_iter()
            .map(|(id, line)| format!("{id}:{line}"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(found(&config, "src/a.txt", &text)),
        ["acme-token:1", "acme-token:3", "beta-token:4"]
    );
    // Under docs/, the AND allowlist lets the sample go: path and stop-word.
    assert_eq!(
        ids(found(&config, "docs/a.txt", &text)),
        ["acme-token:1", "beta-token:4"]
    );
    assert!(found(&config, "third/vendor/a.txt", &text).is_empty());
}

#[test]
fn errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let error = load_text(dir.path(), "[[rules]]\nid = \"x\"\nregex = '''(unclosed'''\n").unwrap_err();
    assert_eq!(error.line, Some(2), "{error}");
    assert!(error.message.contains("regex"), "{error}");
    assert!(error.path.ends_with(".gitleaks.toml"));

    let error = load_text(dir.path(), "[[rules]]\nid = \"x\"\nregexx = 'a'\n").unwrap_err();
    assert_eq!(error.line, Some(3), "{error}");
    assert!(error.message.contains("regexx"), "{error}");

    let error = load_text(dir.path(), "[extend]\nuseDefault = true\npath = 'base.toml'\n").unwrap_err();
    assert!(error.message.contains("not both"), "{error}");

    let composite = load_text(
        dir.path(),
        "[[rules]]\nid = \"a\"\nregex = 'a{3}'\n[[rules.required]]\nid = \"b\"\n[[rules]]\nid = \"b\"\nregex = 'b{3}'\n",
    )
    .unwrap();
    assert_eq!(composite.catalogue.rules.len(), 1);
    assert!(composite.warnings[0].contains("composite"), "{:?}", composite.warnings);
}
