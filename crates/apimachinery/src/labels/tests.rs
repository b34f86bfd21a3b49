//! Table and property tests for label selectors.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

fn labels(pairs: &[(&str, &str)]) -> crate::StringMap {
    pairs.iter().copied().collect()
}

#[test]
fn parses_every_operator_and_prints_canonically() {
    let cases: &[(&str, &str)] = &[
        ("", ""),
        ("   ", ""),
        ("a", "a"),
        ("!a", "!a"),
        ("! a", "!a"),
        ("a=b", "a=b"),
        ("a==b", "a==b"),
        ("a!=b", "a!=b"),
        ("a = b", "a=b"),
        ("a=", "a="),
        ("a=,b", "a=,b"),
        ("a>5", "a>5"),
        ("a in (x,y)", "a in (x,y)"),
        ("a in (y,x,y)", "a in (x,y)"),
        ("a notin (z)", "a notin (z)"),
        ("a in(x)", "a in (x)"),
        ("a in ()", "a in ()"),
        ("a in (,x)", "a in (,x)"),
        ("a in (x,)", "a in (,x)"),
        ("a in (x,,y)", "a in (,x,y)"),
        ("\ta\n=\r\nb ", "a=b"),
        ("z=1,a=2,m", "a=2,m,z=1"),
        ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),
        ("in in (in,notin)", "in in (in,notin)"),
        ("notin", "notin"),
        ("a=in", "a=in"),
        ("example.com/app=web", "example.com/app=web"),
        ("b=1,a=2,b=0", "a=2,b=1,b=0"),
    ];
    for (input, canonical) in cases {
        let selector = Selector::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(selector.to_string(), *canonical, "input {input:?}");
        let again: Selector = canonical.parse().unwrap();
        assert_eq!(again, selector, "round trip of {input:?}");
    }
}

/// The accept/reject cases of Go's `TestSelectorParse` and `TestSetSelectorParser`
/// (apimachinery `labels/selector_test.go`), with the canonical form Go prints for the accepted ones.
#[test]
fn go_parser_test_cases() {
    let accepted: &[(&str, &str)] = &[
        ("x=a,y=b,z=c", "x=a,y=b,z=c"),
        ("x!=a,y=b", "x!=a,y=b"),
        ("x=", "x="),
        ("x= ", "x="),
        ("x=,z= ", "x=,z="),
        ("x= ,z= ", "x=,z="),
        ("!x", "!x"),
        ("x>1", "x>1"),
        ("x>1,z<5", "x>1,z<5"),
        ("\rx", "x"),
        (
            "this-is-a-dns.domain.com/key-with-dash",
            "this-is-a-dns.domain.com/key-with-dash",
        ),
        (
            "this-is-another-dns.domain.com/key-with-dash in (so,what)",
            "this-is-another-dns.domain.com/key-with-dash in (so,what)",
        ),
        (
            "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
            "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)",
        ),
        ("foo  in\t (abc)", "foo in (abc)"),
        ("x notin\n (abc)", "x notin (abc)"),
        ("x  notin\t\t\t(abc,def)", "x notin (abc,def)"),
        ("x in (abc,)", "x in (,abc)"),
        (
            "x notin (abc,def),bar,z in (),w",
            "bar,w,x notin (abc,def),z in ()",
        ),
        ("x,y in (a)", "x,y in (a)"),
        ("x=a,y!=b,z in (h,i,j)", "x=a,y!=b,z in (h,i,j)"),
        ("x notin ( )", "x notin ()"),
        ("x notin (, a)", "x notin (,a)"),
        ("a ", "a"),
        ("a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)"),
        ("notin=in", "notin=in"),
    ];
    for (input, canonical) in accepted {
        let selector = Selector::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(selector.to_string(), *canonical, "input {input:?}");
    }
    let rejected = [
        "x=a||y=b",
        "x==a==b",
        "!x=a",
        "x<a",
        "x,,y",
        ",x,y",
        "x nott in (y)",
        "a in (xyz),",
        "a in (xyz)b notin ()",
        "a in (xyz abc)",
        "a notin(",
        "a (",
        "(",
    ];
    for input in rejected {
        let err = Selector::parse(input).expect_err(input);
        let position = err.position().expect("parse errors carry a position");
        assert!(position <= input.len(), "{input:?}: {err}");
    }
}

#[test]
fn a_less_than_negative_bound_is_invalid_as_a_label_value() {
    // Go checks the integer first, then the label value syntax, which `-5` fails.
    let err = Selector::parse("a<-5").unwrap_err();
    assert!(
        matches!(err, ParseError::InvalidValue { ref value, position: Some(2), .. } if value == "-5"),
        "{err:?}"
    );
}

#[test]
fn requirements_expose_key_operator_values() {
    let selector = Selector::parse("b in (y,x),a,!c,d>3").unwrap();
    let summary: Vec<(&str, Operator, Vec<&str>)> = selector
        .requirements()
        .iter()
        .map(|r| {
            (
                r.key(),
                r.operator(),
                r.values().iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("a", Operator::Exists, vec![]),
            ("b", Operator::In, vec!["x", "y"]),
            ("c", Operator::DoesNotExist, vec![]),
            ("d", Operator::GreaterThan, vec!["3"]),
        ]
    );
}

#[test]
fn syntax_errors_name_the_token_and_position() {
    let cases: &[(&str, &str, usize, &str)] = &[
        // input, token, byte position, Display
        (
            ",",
            ",",
            0,
            "found ',' at byte 0, expected: !, identifier, or 'end of string'",
        ),
        (
            "a,",
            "",
            2,
            "found end of string at byte 2, expected: identifier after ','",
        ),
        (
            "a,,b",
            ",",
            2,
            "found ',' at byte 2, expected: identifier after ','",
        ),
        (
            "a b",
            "b",
            2,
            "unable to parse requirement: found 'b' at byte 2, expected: in, notin, =, ==, !=, gt, lt",
        ),
        (
            "a in x",
            "x",
            5,
            "unable to parse requirement: found 'x' at byte 5, expected: '('",
        ),
        (
            "a in (x",
            "",
            7,
            "unable to parse requirement: found end of string at byte 7, expected: ',' or ')'",
        ),
        (
            "a in (x y)",
            "y",
            8,
            "unable to parse requirement: found 'y' at byte 8, expected: ',' or ')'",
        ),
        (
            "a in (=)",
            "=",
            6,
            "unable to parse requirement: found '=' at byte 6, expected: ',', ')' or identifier",
        ),
        (
            "a in (x,=)",
            "=",
            8,
            "unable to parse requirement: found '=' at byte 8, expected: ',', or identifier",
        ),
        (
            "a in (x,",
            "",
            8,
            "unable to parse requirement: found end of string at byte 8, expected: ',', or identifier",
        ),
        (
            "a===b",
            "=",
            3,
            "unable to parse requirement: found '=' at byte 3, expected: identifier",
        ),
        (
            "a=b c",
            "c",
            4,
            "found 'c' at byte 4, expected: ',' or 'end of string'",
        ),
        (
            "a=(b)",
            "(",
            2,
            "unable to parse requirement: found '(' at byte 2, expected: identifier",
        ),
        (
            "!",
            "",
            1,
            "unable to parse requirement: found end of string at byte 1, expected: identifier",
        ),
        (
            "!=a",
            "!=",
            0,
            "found '!=' at byte 0, expected: !, identifier, or 'end of string'",
        ),
        (
            "!a=b",
            "=",
            2,
            "found '=' at byte 2, expected: ',' or 'end of string'",
        ),
        (
            "!!a",
            "!",
            1,
            "unable to parse requirement: found '!' at byte 1, expected: identifier",
        ),
        (
            "a in (x))",
            ")",
            8,
            "found ')' at byte 8, expected: ',' or 'end of string'",
        ),
        (
            "(a)",
            "(",
            0,
            "found '(' at byte 0, expected: !, identifier, or 'end of string'",
        ),
        // As in Go, two commas in a row consume the second, so `,,)` ends on an unexpected `)`.
        (
            "a notin (,,)",
            ")",
            11,
            "unable to parse requirement: found ')' at byte 11, expected: ',', or identifier",
        ),
        (
            "a <= 5",
            "=",
            3,
            "unable to parse requirement: found '=' at byte 3, expected: identifier",
        ),
    ];
    for (input, token, position, message) in cases {
        let err = Selector::parse(input).unwrap_err();
        match &err {
            ParseError::Syntax {
                token: t,
                position: p,
                ..
            } => {
                assert_eq!((t.as_str(), *p), (*token, *position), "input {input:?}");
            }
            other => panic!("{input:?}: expected a syntax error, got {other:?}"),
        }
        assert_eq!(err.to_string(), *message, "input {input:?}");
        assert_eq!(err.position(), Some(*position));
    }
}

#[test]
fn invalid_keys_and_values_are_reported_with_positions() {
    let err = Selector::parse("x=1,-a=b").unwrap_err();
    assert!(
        matches!(&err, ParseError::InvalidKey { key, position: Some(4), .. } if key == "-a"),
        "{err:?}"
    );
    assert!(err.to_string().starts_with(
        "unable to parse requirement: invalid label key \"-a\" at byte 4: name part must consist of"
    ));

    let err = Selector::parse("a in (ok, b@d)").unwrap_err();
    assert!(
        matches!(&err, ParseError::InvalidValue { key, value, position: Some(10), .. } if key == "a" && value == "b@d"),
        "{err:?}"
    );
    assert!(err.to_string().starts_with(
        "unable to parse requirement: invalid label value \"b@d\" for key \"a\" at byte 10: a valid label must be an empty string"
    ));

    let long = "v".repeat(64);
    let err = Selector::parse(&format!("a={long}")).unwrap_err();
    assert!(matches!(&err, ParseError::InvalidValue { problem, .. } if problem.is_too_long()));

    let err = Selector::parse("a>x").unwrap_err();
    assert_eq!(
        err.to_string(),
        "unable to parse requirement: invalid value \"x\" for key \"a\" at byte 2: for 'Gt', 'Lt' operators, the value must be an integer"
    );
    assert!(matches!(
        Selector::parse("a>99999999999999999999"),
        Err(ParseError::NotAnInteger { .. })
    ));
    assert!(matches!(
        Selector::parse("a/b/c"),
        Err(ParseError::InvalidKey { .. })
    ));
    assert!(matches!(
        Selector::parse("Example.com/a"),
        Err(ParseError::InvalidKey { .. })
    ));
    assert!(matches!(
        Selector::parse("é"),
        Err(ParseError::InvalidKey {
            position: Some(0),
            ..
        })
    ));
    assert!(matches!(
        Selector::parse("a\0b"),
        Err(ParseError::InvalidKey { .. })
    ));
    assert!(matches!(
        Selector::parse(&"k".repeat(64)),
        Err(ParseError::InvalidKey { .. })
    ));
}

#[test]
fn matching_follows_go_semantics() {
    let l = labels(&[("app", "web"), ("tier", "front"), ("n", "7"), ("bad", "x")]);
    let cases: &[(&str, bool)] = &[
        ("", true),
        ("app", true),
        ("missing", false),
        ("!missing", true),
        ("!app", false),
        ("app=web", true),
        ("app==web", true),
        ("app=db", false),
        ("missing=", false),
        ("app!=db", true),
        ("app!=web", false),
        ("missing!=x", true),
        ("tier in (front,back)", true),
        ("tier in (back)", false),
        ("missing in (x)", false),
        ("tier notin (front)", false),
        ("tier notin (back)", true),
        ("missing notin (x)", true),
        ("n>6", true),
        ("n>7", false),
        ("n<8", true),
        ("n<7", false),
        ("bad>0", false),
        ("bad<0", false),
        ("missing>0", false),
        ("app=web,tier=front", true),
        ("app=web,tier=back", false),
        ("app=web,app=db", false),
    ];
    for (input, expected) in cases {
        let selector = Selector::parse(input).unwrap();
        assert_eq!(selector.matches(&l), *expected, "{input:?}");
    }
}

#[test]
fn matches_object_uses_metadata_labels() {
    let mut object = crate::DynamicObject::default();
    object.metadata.labels = labels(&[("app", "web")]);
    assert!(Selector::parse("app=web").unwrap().matches_object(&object));
    assert!(!Selector::parse("app=db").unwrap().matches_object(&object));
    assert!(Selector::everything().matches_object(&object));
}

#[test]
fn everything_is_empty_and_prints_nothing() {
    assert!(Selector::everything().is_empty());
    assert_eq!(Selector::everything().to_string(), "");
    assert_eq!(Selector::parse("").unwrap(), Selector::everything());
    assert!(!Selector::parse("a").unwrap().is_empty());
}

#[test]
fn requires_exact_match() {
    let s = Selector::parse("a=1,b in (2),c in (3,4),d!=5,e==6").unwrap();
    assert_eq!(s.requires_exact_match("a"), Some("1"));
    assert_eq!(s.requires_exact_match("b"), Some("2"));
    assert_eq!(s.requires_exact_match("c"), None);
    assert_eq!(s.requires_exact_match("d"), None);
    assert_eq!(s.requires_exact_match("e"), Some("6"));
    assert_eq!(s.requires_exact_match("f"), None);
}

#[test]
fn from_set_add_and_requirement_new() {
    let s = Selector::from_set(&labels(&[("b", "2"), ("a", "1")])).unwrap();
    assert_eq!(s.to_string(), "a=1,b=2");
    assert!(matches!(
        Selector::from_set(&labels(&[("a", "-")])),
        Err(ParseError::InvalidValue { position: None, .. })
    ));
    let s = s.add_requirement(Requirement::new("aa", Operator::Exists, Vec::<String>::new()).unwrap());
    assert_eq!(s.to_string(), "a=1,aa,b=2");

    let wrong = Requirement::new("a", Operator::In, Vec::<String>::new()).unwrap_err();
    assert!(matches!(wrong, ParseError::WrongValueCount { count: 0, .. }));
    assert_eq!(
        wrong.to_string(),
        "invalid values for key \"a\" with operator 'in': for 'in', 'notin' operators, values set can't be empty"
    );
    assert!(matches!(
        Requirement::new("a", Operator::Exists, ["x"]),
        Err(ParseError::WrongValueCount { count: 1, .. })
    ));
    assert!(matches!(
        Requirement::new("a", Operator::Equals, ["x", "y"]),
        Err(ParseError::WrongValueCount { count: 2, .. })
    ));
    assert!(matches!(
        Requirement::new("a", Operator::LessThan, ["x"]),
        Err(ParseError::NotAnInteger { position: None, .. })
    ));
    let err = Requirement::new("-", Operator::Exists, Vec::<String>::new()).unwrap_err();
    assert!(
        err.to_string().starts_with("invalid label key \"-\": name part"),
        "{err}"
    );
}

#[test]
fn label_selector_converts_like_go() {
    let json = r#"{"matchLabels":{"app":"web"},"matchExpressions":[
        {"key":"tier","operator":"In","values":["b","a"]},
        {"key":"env","operator":"NotIn","values":["prod"]},
        {"key":"canary","operator":"DoesNotExist"},
        {"key":"owner","operator":"Exists","values":null}]}"#;
    let ls: LabelSelector = serde_json::from_str(json).unwrap();
    assert_eq!(ls.match_expressions[0].operator, LabelSelectorOperator::In);
    let s = ls.to_selector().unwrap();
    assert_eq!(Selector::try_from(&ls).unwrap(), s);
    assert_eq!(
        s.to_string(),
        "app=web,!canary,env notin (prod),owner,tier in (a,b)"
    );

    let back = serde_json::to_value(&ls).unwrap();
    assert_eq!(
        back["matchExpressions"][2],
        serde_json::json!({"key":"canary","operator":"DoesNotExist"})
    );
    assert_eq!(serde_json::to_string(&LabelSelector::default()).unwrap(), "{}");
    assert!(LabelSelector::default().to_selector().unwrap().is_empty());

    let unknown: LabelSelector =
        serde_json::from_str(r#"{"matchExpressions":[{"key":"a","operator":"Gt","values":["1"]}]}"#).unwrap();
    let err = unknown.to_selector().unwrap_err();
    assert_eq!(err.to_string(), "\"Gt\" is not a valid pod selector operator");
    assert_eq!(
        serde_json::to_value(&unknown).unwrap()["matchExpressions"][0]["operator"],
        "Gt"
    );

    let empty_in = LabelSelector {
        match_expressions: vec![LabelSelectorRequirement {
            key: "a".into(),
            operator: LabelSelectorOperator::In,
            values: vec![],
            ..Default::default()
        }],
        ..Default::default()
    };
    assert!(matches!(
        empty_in.to_selector(),
        Err(ParseError::WrongValueCount { .. })
    ));
    let bad_key = LabelSelector {
        match_labels: labels(&[("a b", "c")]),
        ..Default::default()
    };
    assert!(matches!(
        bad_key.to_selector(),
        Err(ParseError::InvalidKey { .. })
    ));
}

// ---- property tests ----

fn key_strategy() -> impl Strategy<Value = String> {
    let name = "[a-zA-Z0-9]([a-zA-Z0-9._-]{0,10}[a-zA-Z0-9])?";
    prop_oneof![
        3 => name.prop_map(String::from),
        1 => ("[a-z0-9]{1,5}(\\.[a-z0-9]{1,5}){0,2}", name).prop_map(|(p, n)| format!("{p}/{n}")),
        1 => Just("in".to_owned()),
        1 => Just("notin".to_owned()),
    ]
}

fn value_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-zA-Z0-9]([a-zA-Z0-9._-]{0,8}[a-zA-Z0-9])?",
        Just("in".to_owned()),
    ]
}

fn requirement_strategy() -> impl Strategy<Value = Requirement> {
    let set = prop::collection::vec(value_strategy(), 1..4);
    (key_strategy(), 0u8..9, set, -100i64..100).prop_map(|(key, op, values, n)| {
        let one = values[0].clone();
        let (operator, values) = match op {
            0 => (Operator::In, values),
            1 => (Operator::NotIn, values),
            2 => (Operator::Equals, vec![one]),
            3 => (Operator::DoubleEquals, vec![one]),
            4 => (Operator::NotEquals, vec![one]),
            5 => (Operator::Exists, vec![]),
            6 => (Operator::DoesNotExist, vec![]),
            7 => (Operator::GreaterThan, vec![n.abs().to_string()]),
            _ => (Operator::LessThan, vec![n.abs().to_string()]),
        };
        Requirement::new(key, operator, values).expect("strategy builds valid requirements")
    })
}

/// The obvious reading of each operator, written independently of `Requirement::matches`.
fn model_matches(r: &Requirement, labels: &BTreeMap<String, String>) -> bool {
    let got = labels.get(r.key());
    let in_set = |v: &String| r.values().contains(v);
    match r.operator() {
        Operator::In | Operator::Equals | Operator::DoubleEquals => got.is_some_and(in_set),
        Operator::NotIn | Operator::NotEquals => got.is_none_or(|v| !in_set(v)),
        Operator::Exists => got.is_some(),
        Operator::DoesNotExist => got.is_none(),
        Operator::GreaterThan | Operator::LessThan => {
            let bound: i64 = r.values()[0].parse().unwrap();
            match got.map(|v| v.parse::<i64>()) {
                Some(Ok(v)) if r.operator() == Operator::GreaterThan => v > bound,
                Some(Ok(v)) => v < bound,
                _ => false,
            }
        }
    }
}

proptest! {
    #[test]
    fn display_parse_round_trip(reqs in prop::collection::vec(requirement_strategy(), 0..5)) {
        let selector = Selector::from_requirements(reqs);
        let printed = selector.to_string();
        let parsed = Selector::parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed:?}: {e}")))?;
        prop_assert_eq!(&parsed, &selector, "printed {:?}", printed);
        prop_assert_eq!(parsed.to_string(), printed);
    }

    #[test]
    fn random_strings_never_panic(input in ".{0,40}") {
        if let Ok(selector) = Selector::parse(&input) {
            // Whatever parses prints to something that parses to the same selector.
            let again = Selector::parse(&selector.to_string()).unwrap();
            prop_assert_eq!(again, selector);
        }
    }

    #[test]
    fn selector_like_strings_never_panic(input in "[a-c !=<>(),in0-2\\t]{0,30}") {
        match Selector::parse(&input) {
            Ok(selector) => prop_assert_eq!(Selector::parse(&selector.to_string()).unwrap(), selector),
            Err(err) => prop_assert!(err.position().is_some_and(|p| p <= input.len())),
        }
    }

    #[test]
    fn matching_agrees_with_model(
        reqs in prop::collection::vec(requirement_strategy(), 0..4),
        label_values in prop::collection::btree_map(key_strategy(), prop_oneof![value_strategy(), (-200i64..200).prop_map(|n| n.to_string())], 0..6),
    ) {
        let selector = Selector::from_requirements(reqs.clone());
        let expected = reqs.iter().all(|r| model_matches(r, &label_values));
        prop_assert_eq!(selector.matches(&label_values), expected);
    }
}
