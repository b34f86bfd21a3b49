//! client-go's `FIFO` cases of `tools/cache/fifo_test.go`, ported. Go's blocking `Pop` is a
//! non-blocking one here, so the goroutines that feed and drain the Go FIFO become plain calls,
//! and `TestFIFO_PopShouldUnblockWhenClosed` has no counterpart (nothing blocks).

use super::Fifo;
use crate::fifo::ProcessError;
use crate::test_util::{named as obj, named_key as key, Named as Obj};

fn pop_val(f: &mut Fifo<Obj>) -> Option<i64> {
    f.pop(|_, _| Ok::<(), ProcessError<()>>(()))
        .map(|r| r.expect("process never fails").val)
}

#[test]
fn test_fifo_basic() {
    let mut f = Fifo::new(key);
    const AMOUNT: i64 = 500;
    for i in 0..AMOUNT {
        f.add(obj(&format!("a{i}"), i + 1)).unwrap();
        f.add(obj(&format!("b{i}"), -(i + 1))).unwrap();
    }
    let (mut last_pos, mut last_neg) = (0, 0);
    for _ in 0..AMOUNT * 2 {
        let v = pop_val(&mut f).unwrap();
        if v > 0 {
            assert!(v > last_pos, "got {v} out of order, last was {last_pos}");
            last_pos = v;
        } else {
            assert!(v < last_neg, "got {v} out of order, last was {last_neg}");
            last_neg = v;
        }
    }
    assert_eq!(pop_val(&mut f), None);
}

#[test]
fn test_fifo_requeue_on_pop() {
    let mut f = Fifo::new(key);
    f.add(obj("foo", 10)).unwrap();
    let r = f.pop(|o, _| {
        assert_eq!(o.name, "foo");
        Err(ProcessError::Requeue(None::<&str>))
    });
    assert!(matches!(r, Some(Err(None))));
    assert!(f.get_by_key("foo").is_some(), "object should have been requeued");

    let r = f.pop(|_, _| Err(ProcessError::Requeue(Some("test error"))));
    assert!(matches!(r, Some(Err(Some("test error")))));
    assert!(f.get_by_key("foo").is_some(), "object should have been requeued");

    let r = f.pop(|_, _| Ok::<(), ProcessError<()>>(()));
    assert!(matches!(r, Some(Ok(_))));
    assert!(f.get_by_key("foo").is_none(), "object should have been removed");
}

#[test]
fn test_fifo_add_update() {
    let mut f = Fifo::new(key);
    f.add(obj("foo", 10)).unwrap();
    f.update(obj("foo", 15)).unwrap();
    assert_eq!(f.list(), [obj("foo", 15)]);
    assert_eq!(f.list_keys(), ["foo"]);
    assert_eq!(pop_val(&mut f), Some(15), "the updated value");
    assert_eq!(pop_val(&mut f), None, "no second value");
    assert_eq!(f.get(&obj("foo", 0)).unwrap(), None, "item did not get removed");
}

#[test]
fn test_fifo_add_replace() {
    let mut f = Fifo::new(key);
    f.add(obj("foo", 10)).unwrap();
    f.replace(vec![obj("foo", 15)], "15").unwrap();
    assert_eq!(pop_val(&mut f), Some(15));
    assert_eq!(pop_val(&mut f), None);
    assert_eq!(f.get(&obj("foo", 0)).unwrap(), None);
}

#[test]
fn test_fifo_detect_line_jumpers() {
    let mut f = Fifo::new(key);
    f.add(obj("foo", 10)).unwrap();
    f.add(obj("bar", 1)).unwrap();
    f.add(obj("foo", 11)).unwrap();
    f.add(obj("foo", 13)).unwrap();
    f.add(obj("zab", 30)).unwrap();
    assert_eq!(pop_val(&mut f), Some(13));
    f.add(obj("foo", 14)).unwrap(); // ensure foo doesn't jump back in line
    assert_eq!(pop_val(&mut f), Some(1));
    assert_eq!(pop_val(&mut f), Some(30));
    assert_eq!(pop_val(&mut f), Some(14));
}

#[test]
fn test_fifo_add_if_not_present() {
    let mut f = Fifo::new(key);
    f.add(obj("a", 1)).unwrap();
    f.add(obj("b", 2)).unwrap();
    f.add_if_not_present(obj("b", 3)).unwrap();
    f.add_if_not_present(obj("c", 4)).unwrap();
    assert_eq!(f.len(), 3);
    for expected in [1, 2, 4] {
        assert_eq!(pop_val(&mut f), Some(expected));
    }
}

#[test]
fn test_fifo_has_synced() {
    type Action = fn(&mut Fifo<Obj>);
    let add: Action = |f| f.add(obj("a", 1)).unwrap();
    let replace_empty: Action = |f| f.replace(Vec::new(), "0").unwrap();
    let replace_two: Action = |f| f.replace(vec![obj("a", 1), obj("b", 2)], "0").unwrap();
    let pop: Action = |f| {
        pop_val(f).unwrap();
    };
    let cases: [(&[Action], bool); 6] = [
        (&[], false),
        (&[add], true),
        (&[replace_empty], true),
        (&[replace_two], false),
        (&[replace_two, pop], false),
        (&[replace_two, pop, pop], true),
    ];
    for (i, (actions, expected)) in cases.into_iter().enumerate() {
        let mut f = Fifo::new(key);
        for action in actions {
            action(&mut f);
        }
        assert_eq!(f.has_synced(), expected, "case {i}");
    }
}

#[test]
fn a_deleted_object_is_skipped_and_the_initial_list_is_flagged() {
    let mut f = Fifo::new(key);
    f.replace(vec![obj("a", 1), obj("b", 2)], "1").unwrap();
    f.delete(&obj("a", 0)).unwrap();
    let mut initial = None;
    let popped = f.pop(|o, in_initial| {
        initial = Some((o.val, in_initial));
        Ok::<(), ProcessError<()>>(())
    });
    assert!(matches!(popped, Some(Ok(_))));
    assert_eq!(
        initial,
        Some((2, true)),
        "a was deleted; b is from the initial list"
    );
    assert!(f.has_synced());
    f.close();
    assert!(f.is_closed() && f.is_empty());
}
