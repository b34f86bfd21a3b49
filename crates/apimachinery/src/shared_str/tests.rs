use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use proptest::prelude::*;

use super::interner::{clear_front, is_interned, sweep_for, table_len, MIN_SWEEP_AT, SHARDS};
use super::*;

fn hash_of<T: Hash + ?Sized>(v: &T) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

#[test]
fn one_word_wide_with_and_without_option() {
    assert_eq!(size_of::<SharedStr>(), size_of::<usize>());
    assert_eq!(size_of::<Option<SharedStr>>(), size_of::<usize>());
}

#[test]
fn short_strings_are_inline_and_long_ones_are_blocks() {
    for s in ["", "a", "True", "Always", "1234567"] {
        let v = SharedStr::new(s);
        assert_eq!(v.as_str(), s);
        assert_eq!(v.heap_size(), 0, "{s:?} should be inline");
        assert!(!v.shares_with(&v.clone()), "inline strings share nothing");
    }
    let long = SharedStr::new("IfNotPresent");
    assert_eq!(long.as_str(), "IfNotPresent");
    assert_eq!(long.heap_size(), size_of::<Header>() + 12);
    assert_eq!(SharedStr::default(), "");
}

const ALWAYS: SharedStr = SharedStr::from_static(&"Always");
const IF_NOT_PRESENT: SharedStr = SharedStr::from_static(&"IfNotPresent");
static KNOWN: [SharedStr; 2] = [ALWAYS, IF_NOT_PRESENT];

#[test]
fn static_strings_are_built_at_compile_time_and_hold_nothing() {
    assert_eq!(ALWAYS.as_str(), "Always");
    assert_eq!(IF_NOT_PRESENT.as_str(), "IfNotPresent");
    assert!(ALWAYS.is_inline(), "up to 7 bytes stay inline");
    assert!(IF_NOT_PRESENT.is_static() && !IF_NOT_PRESENT.is_block());
    assert_eq!(IF_NOT_PRESENT.heap_size(), 0);
    assert_eq!(KNOWN[1], SharedStr::new("IfNotPresent"));
    assert_eq!(SharedStr::from_static(&""), SharedStr::empty());
    // Cloning and dropping a static string must not touch a count: there is none, and a count
    // written over the `&str` it points to (read-only memory) would crash or corrupt it.
    let copies: Vec<SharedStr> = (0..1000).map(|_| IF_NOT_PRESENT.clone()).collect();
    assert!(copies
        .iter()
        .all(|c| c.shares_with(&IF_NOT_PRESENT) && c == "IfNotPresent"));
    drop(copies);
    assert_eq!(KNOWN[1].clone(), "IfNotPresent");
    // A static string and a block with the same text are equal, but share nothing.
    let interned = SharedStr::interned("IfNotPresent");
    assert_eq!(interned, IF_NOT_PRESENT);
    assert!(!interned.shares_with(&IF_NOT_PRESENT));
    assert_eq!(hash_of(&IF_NOT_PRESENT), hash_of(&interned));
    assert_eq!(
        serde_json::to_string(&IF_NOT_PRESENT).unwrap(),
        r#""IfNotPresent""#
    );
    assert_eq!(
        format!("{IF_NOT_PRESENT:?} {IF_NOT_PRESENT}"),
        r#""IfNotPresent" IfNotPresent"#
    );
}

#[test]
fn clones_share_the_block_and_the_last_drop_frees_it() {
    let a = SharedStr::new("registry.local/envoy:v1.31.2");
    let b = a.clone();
    assert!(a.shares_with(&b));
    assert_eq!(a.share_count(), 2);
    drop(b);
    assert_eq!(a.share_count(), 1);
    // A block of its own is never the interner's.
    assert!(!a.shares_with(&SharedStr::interned(&a)));
}

#[test]
fn interning_returns_the_same_block_until_nobody_holds_it() {
    let text = "shared_str test: interned and swept";
    let a = SharedStr::interned(text);
    let b = SharedStr::interned(String::from(text).as_str());
    assert!(a.shares_with(&b));
    assert_eq!(a.share_count(), 4, "two holders, the table and the front cache");
    clear_front();
    sweep_for(text);
    assert!(is_interned(text), "held strings survive a sweep");
    drop((a, b));
    sweep_for(text);
    assert!(!is_interned(text), "a string only the table holds is swept");
}

#[test]
fn decoding_interns_and_unique_fields_do_not() {
    #[derive(Debug, Deserialize)]
    struct Fields {
        image: SharedStr,
        #[serde(deserialize_with = "unique")]
        uid: SharedStr,
        #[serde(default, deserialize_with = "unique_opt")]
        ip: Option<SharedStr>,
    }
    let json = r#"{"image":"registry.local/decoding-test:v1","uid":"42836be6-fafa-4e0d","ip":null}"#;
    let a: Fields = serde_json::from_str(json).unwrap();
    let b: Fields = serde_json::from_str(json).unwrap();
    assert!(a.image.shares_with(&b.image));
    assert!(!a.uid.shares_with(&b.uid));
    assert_eq!(a.uid, b.uid);
    assert_eq!(a.ip, None);
    let c: Fields = serde_json::from_str(r#"{"image":"x","uid":"y","ip":"10.244.19.129"}"#).unwrap();
    assert_eq!(c.ip.as_deref(), Some("10.244.19.129"));
    let err = serde_json::from_str::<Fields>(r#"{"image":7,"uid":"y"}"#).unwrap_err();
    assert!(err.to_string().contains("expected a string"), "{err}");
}

#[test]
fn decodes_escaped_and_owned_strings() {
    let v: SharedStr = serde_json::from_str(r#""line\nbreak \u00e9 and a long tail""#).unwrap();
    assert_eq!(v, "line\nbreak é and a long tail");
    let v: SharedStr = serde_json::from_value(serde_json::json!("from a value, long")).unwrap();
    assert_eq!(v, "from a value, long");
    let v: Vec<SharedStr> = serde_json::from_reader(&b"[\"a\", \"longer than seven\"]"[..]).unwrap();
    assert_eq!(v, ["a", "longer than seven"]);
}

#[test]
fn interning_from_many_threads_agrees_on_one_block() {
    let texts: Vec<String> = (0..200).map(|i| format!("concurrent interning {i}")).collect();
    let held: Vec<Vec<SharedStr>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    for round in 0..50 {
                        for t in &texts {
                            let s = SharedStr::interned(t);
                            if round == 49 {
                                mine.push(s);
                            }
                        }
                    }
                    mine
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    for i in 0..texts.len() {
        assert_eq!(held[0][i], texts[i]);
        for other in &held[1..] {
            assert!(held[0][i].shares_with(&other[i]), "{}", texts[i]);
        }
    }
}

#[test]
fn sweeping_while_other_threads_intern_and_drop_keeps_every_string_intact() {
    let texts: Vec<String> = (0..2_000).map(|i| format!("sweep race string {i:05}")).collect();
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                for t in texts.iter().step_by(97) {
                    sweep_for(t);
                }
            }
        });
        let workers: Vec<_> = (0..3)
            .map(|w| {
                let texts = &texts;
                scope.spawn(move || {
                    let mut kept = Vec::new();
                    for round in 0..20 {
                        for (i, t) in texts.iter().enumerate() {
                            let s = SharedStr::interned(t);
                            assert_eq!(s, t.as_str());
                            if (i + round + w) % 7 == 0 {
                                kept.push(s);
                            }
                        }
                        // Drop most of what was kept, so blocks die while the sweeper runs.
                        kept.truncate(kept.len() / 4);
                        clear_front();
                    }
                    for s in &kept {
                        assert!(texts.iter().any(|t| s == t.as_str()));
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
}

#[test]
fn strings_nobody_holds_any_more_do_not_pile_up_in_the_table() {
    // 100,000 distinct strings, each interned and dropped at once: without the sweeps the table
    // would keep them all; with them a shard holds at most what it sweeps at.
    for i in 0..100_000 {
        drop(SharedStr::interned(&format!("churned annotation value {i:06}")));
        if i % 1_000 == 0 {
            clear_front();
        }
    }
    clear_front();
    let held = table_len();
    // Other tests running in this process intern a few thousand strings of their own.
    assert!(
        held <= SHARDS * MIN_SWEEP_AT + 10_000,
        "the table holds {held} strings after 100,000 were dropped"
    );
}

proptest! {
    #[test]
    fn behaves_like_str(a in ".{0,40}", b in ".{0,40}") {
        // `from_static` needs text that lives for ever: leaking the inputs (a few KB a run) gives that.
        let leak = |s: &str| -> &'static &'static str { Box::leak(Box::new(&*Box::leak(Box::from(s)))) };
        for (x, y) in [
            (SharedStr::new(&a), SharedStr::new(&b)),
            (SharedStr::interned(&a), SharedStr::interned(&b)),
            (SharedStr::from_static(leak(&a)), SharedStr::from_static(leak(&b))),
        ] {
            prop_assert_eq!(x.as_str(), a.as_str());
            prop_assert_eq!(x.len(), a.len());
            prop_assert_eq!(x == y, a == b);
            prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            prop_assert_eq!(hash_of(&x), hash_of(a.as_str()));
            prop_assert_eq!(x.clone(), x.as_str());
            prop_assert_eq!(String::from(x.clone()), a.clone());
            prop_assert_eq!(format!("{x:?}"), format!("{a:?}"));
            let json = serde_json::to_string(&x).unwrap();
            prop_assert_eq!(&json, &serde_json::to_string(&a).unwrap());
            let back: SharedStr = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, x);
        }
    }

    #[test]
    fn any_json_text_decodes_or_errors_without_panicking(text in ".{0,24}") {
        let _ = serde_json::from_str::<SharedStr>(&text);
    }
}
