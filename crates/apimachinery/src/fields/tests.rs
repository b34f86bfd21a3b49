//! Table and property tests for field selectors.

use std::borrow::Cow;

use proptest::prelude::*;

use super::*;
use crate::fields;
use crate::{DynamicObject, Object, ObjectMeta};

/// An object supporting `metadata.name`, `metadata.namespace` and `status.phase`.
#[derive(Default)]
struct Pod {
    metadata: ObjectMeta,
    phase: String,
}

impl Object for Pod {
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }

    fn field(&self, path: &str) -> Option<Cow<'_, str>> {
        match path {
            "metadata.name" => Some(Cow::Borrowed(self.name())),
            "metadata.namespace" => Some(Cow::Borrowed(self.metadata.namespace.as_deref().unwrap_or(""))),
            "status.phase" => Some(Cow::Borrowed(&self.phase)),
            _ => None,
        }
    }
}

fn pod(name: &str, namespace: &str, phase: &str) -> Pod {
    let mut pod = Pod {
        phase: phase.to_owned(),
        ..Default::default()
    };
    pod.metadata.name = Some(name.into());
    pod.metadata.namespace = Some(namespace.into());
    pod
}

#[test]
fn parses_and_prints_canonically() {
    let cases: &[(&str, &str)] = &[
        ("", ""),
        (",", ""),
        ("metadata.name=x", "metadata.name=x"),
        ("metadata.name==x", "metadata.name=x"),
        ("metadata.name!=x", "metadata.name!=x"),
        ("metadata.name=", "metadata.name="),
        ("b=1,a=2", "a=2,b=1"),
        ("a=1,a!=2", "a!=2,a=1"),
        ("a=x\\,y", "a=x\\,y"),
        ("a=x\\=y\\\\z", "a=x\\=y\\\\z"),
        ("a=!", "a=!"),
        ("a!=!x", "a!=!x"),
        ("a=b,,c=d,", "a=b,c=d"),
        (" a = b ", " a = b "),
        ("=x", "=x"),
        (
            "spec.nodeName=node-1,status.phase!=Running",
            "spec.nodeName=node-1,status.phase!=Running",
        ),
    ];
    for (input, canonical) in cases {
        let selector = fields::Selector::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(selector.to_string(), *canonical, "input {input:?}");
        assert_eq!(
            fields::Selector::parse(canonical).unwrap(),
            selector,
            "round trip of {input:?}"
        );
    }
}

/// The cases of Go's `TestSelectorParse` and `TestEscapeValue` (apimachinery
/// `fields/selector_test.go`).
#[test]
fn go_parser_test_cases() {
    for good in ["x=a,y=b,z=c", "", "x!=a,y=b", r"x=a||y\=b", r"x=a\=\=b"] {
        let selector = fields::Selector::parse(good).unwrap_or_else(|e| panic!("{good:?}: {e}"));
        assert_eq!(selector.to_string(), good);
    }
    for bad in ["x=a||y=b", "x==a==b", "x=a,b", "x in (a)", "x in (a,b,c)", "x"] {
        assert!(fields::Selector::parse(bad).is_err(), "{bad:?}");
    }
    let escapes = [
        ("", ""),
        ("a", "a"),
        ("=", r"\="),
        (",", r"\,"),
        (r"\", r"\\"),
        (r"\=\,\", r"\\\=\\\,\\"),
    ];
    for (plain, escaped) in escapes {
        assert_eq!(escape_value(plain), escaped);
        assert_eq!(unescape_value(escaped).unwrap(), plain);
    }
    for invalid in [r"\", r"\\\", r"\a"] {
        assert!(
            matches!(unescape_value(invalid), Err(ParseError::InvalidEscape { .. })),
            "{invalid:?}"
        );
    }
    let s = fields::Selector::parse(r"complex=\=value\\\,\\").unwrap();
    assert_eq!(s.requirements()[0].value(), r"=value\,\");
    assert_eq!(
        fields::Selector::parse("x=a,a=x").unwrap().to_string(),
        fields::Selector::parse("a=x,x=a").unwrap().to_string()
    );
    let multibyte = fields::Selector::parse("함=수,목=록").unwrap();
    assert_eq!(multibyte.to_string(), "목=록,함=수");
}

#[test]
fn values_are_unescaped() {
    let s = fields::Selector::parse("a=x\\,y\\=z\\\\,b!=w").unwrap();
    let terms: Vec<(&str, Operator, &str)> = s
        .requirements()
        .iter()
        .map(|r| (r.field(), r.operator(), r.value()))
        .collect();
    assert_eq!(
        terms,
        vec![
            ("a", Operator::Equals, "x,y=z\\"),
            ("b", Operator::NotEquals, "w")
        ]
    );
    // Surrounding whitespace is data, as in Go.
    let s = fields::Selector::parse(" a = b ").unwrap();
    assert_eq!(
        (s.requirements()[0].field(), s.requirements()[0].value()),
        (" a ", " b ")
    );
}

#[test]
fn errors_name_the_term_or_character_and_position() {
    let err = fields::Selector::parse("a=b,nonsense").unwrap_err();
    assert_eq!(
        err,
        ParseError::NoOperator {
            selector: "a=b,nonsense".into(),
            term: "nonsense".into(),
            position: 4
        }
    );
    assert_eq!(
        err.to_string(),
        "invalid selector: 'a=b,nonsense'; can't understand 'nonsense' at byte 4"
    );

    let err = fields::Selector::parse("a=b,c=x\\y").unwrap_err();
    assert_eq!(
        err,
        ParseError::InvalidEscape {
            sequence: "\\y".into(),
            position: 7
        }
    );
    assert_eq!(
        err.to_string(),
        "invalid field selector: invalid escape sequence: \\y at byte 7"
    );

    let err = fields::Selector::parse("a=x\\").unwrap_err();
    assert_eq!(
        err,
        ParseError::InvalidEscape {
            sequence: "\\".into(),
            position: 3
        }
    );

    let err = fields::Selector::parse("a=b=c").unwrap_err();
    assert_eq!(
        err,
        ParseError::UnescapedCharacter {
            character: '=',
            position: 3
        }
    );
    assert_eq!(
        err.to_string(),
        "invalid field selector: unescaped character in value: '=' at byte 3"
    );
    assert_eq!(err.position(), 3);

    // `\!` is not an escape Go knows, so it is rejected rather than silently accepted.
    assert!(matches!(
        fields::Selector::parse("a=\\!"),
        Err(ParseError::InvalidEscape { .. })
    ));
}

#[test]
fn escape_and_unescape() {
    assert!(matches!(escape_value("plain"), Cow::Borrowed("plain")));
    assert_eq!(escape_value("a,b=c\\d!"), "a\\,b\\=c\\\\d!");
    assert!(matches!(unescape_value("plain"), Ok(Cow::Borrowed("plain"))));
    assert_eq!(unescape_value("a\\,b\\=c\\\\d!").unwrap(), "a,b=c\\d!");
    assert_eq!(
        unescape_value("a,b"),
        Err(ParseError::UnescapedCharacter {
            character: ',',
            position: 1
        })
    );
}

#[test]
fn matching() {
    let p = pod("web", "prod", "Running");
    let cases: &[(&str, bool)] = &[
        ("", true),
        ("metadata.name=web", true),
        ("metadata.name==web", true),
        ("metadata.name=db", false),
        ("metadata.name!=db", true),
        ("metadata.name!=web", false),
        ("metadata.namespace=prod,status.phase=Running", true),
        ("metadata.namespace=prod,status.phase=Pending", false),
        ("status.phase!=Pending", true),
        // A field the object does not support never matches, whatever the operator.
        ("spec.nodeName=x", false),
        ("spec.nodeName!=x", false),
    ];
    for (input, expected) in cases {
        let selector = fields::Selector::parse(input).unwrap();
        assert_eq!(selector.matches(&p), *expected, "{input:?}");
    }
    let mut dynamic = DynamicObject::default();
    dynamic.metadata.name = Some("x".into());
    assert!(fields::Selector::one_term_equal("metadata.name", "x").matches(&dynamic));
    assert!(!fields::Selector::one_term_not_equal("metadata.name", "x").matches(&dynamic));
    assert!(fields::Selector::parse("metadata.namespace=")
        .unwrap()
        .matches(&dynamic));
}

#[test]
fn exact_match_and_emptiness() {
    let s = fields::Selector::parse("metadata.namespace!=a,metadata.name=b").unwrap();
    assert_eq!(s.requires_exact_match("metadata.name"), Some("b"));
    assert_eq!(s.requires_exact_match("metadata.namespace"), None);
    assert!(!s.is_empty());
    assert!(fields::Selector::everything().is_empty());
    assert_eq!(fields::Selector::everything().to_string(), "");
    assert_eq!(
        fields::Selector::one_term_equal("metadata.name", "a,b").to_string(),
        "metadata.name=a\\,b"
    );
}

fn term_strategy() -> impl Strategy<Value = Requirement> {
    (
        "[a-zA-Z][a-zA-Z0-9.]{0,12}",
        prop_oneof![Just(Operator::Equals), Just(Operator::NotEquals)],
        "[a-z0-9,=!\\\\ ._-]{0,10}",
    )
        .prop_map(|(field, op, value)| Requirement::new(field, op, value))
}

proptest! {
    #[test]
    fn display_parse_round_trip(terms in prop::collection::vec(term_strategy(), 0..5)) {
        let selector = fields::Selector::from_requirements(terms);
        let printed = selector.to_string();
        let parsed = fields::Selector::parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed:?}: {e}")))?;
        prop_assert_eq!(&parsed, &selector, "printed {:?}", printed);
        prop_assert_eq!(parsed.to_string(), printed);
    }

    #[test]
    fn escape_round_trips(value in ".{0,20}") {
        let escaped = escape_value(&value);
        prop_assert_eq!(unescape_value(&escaped).unwrap(), value.as_str());
    }

    #[test]
    fn random_strings_never_panic(input in ".{0,40}") {
        match fields::Selector::parse(&input) {
            Ok(selector) => prop_assert_eq!(fields::Selector::parse(&selector.to_string()).unwrap(), selector),
            Err(err) => prop_assert!(err.position() <= input.len()),
        }
    }

    #[test]
    fn selector_like_strings_never_panic(input in "[ab.,=!\\\\x]{0,20}") {
        match fields::Selector::parse(&input) {
            Ok(selector) => { let _ = selector.to_string(); }
            Err(err) => prop_assert!(err.position() <= input.len()),
        }
    }

    #[test]
    fn matching_agrees_with_model(
        terms in prop::collection::vec(
            (prop_oneof![Just("metadata.name"), Just("status.phase"), Just("spec.nodeName")],
             prop_oneof![Just(Operator::Equals), Just(Operator::NotEquals)],
             prop_oneof![Just("a"), Just("b"), Just("")]),
            0..4),
        name in prop_oneof![Just("a"), Just("b")],
        phase in prop_oneof![Just("a"), Just("")],
    ) {
        let p = pod(name, "ns", phase);
        let reqs: Vec<Requirement> = terms.iter().map(|(f, o, v)| Requirement::new(*f, *o, *v)).collect();
        let expected = terms.iter().all(|(f, o, v)| {
            let got = match *f { "metadata.name" => Some(name), "status.phase" => Some(phase), _ => None };
            match (got, o) {
                (None, _) => false,
                (Some(g), Operator::Equals) => g == *v,
                (Some(g), _) => g != *v,
            }
        });
        prop_assert_eq!(fields::Selector::from_requirements(reqs).matches(&p), expected);
    }
}
