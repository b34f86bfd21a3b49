use std::collections::HashMap;
use std::sync::Arc;

use clientgo_apimachinery::Object;

use super::*;
use crate::delta::DeletedFinalStateUnknown;
use crate::test_util::{pod, Obj};

fn add(name: &str, rv: &str) -> Notification<Obj> {
    Notification::Add {
        obj: pod("ns", name, rv),
        is_in_initial_list: false,
    }
}

fn initial(name: &str, rv: &str) -> Notification<Obj> {
    Notification::Add {
        obj: pod("ns", name, rv),
        is_in_initial_list: true,
    }
}

fn update(name: &str, old: &str, new: &str) -> Notification<Obj> {
    Notification::Update {
        old: pod("ns", name, old),
        new: pod("ns", name, new),
    }
}

fn delete(name: &str, rv: &str) -> Notification<Obj> {
    Notification::Delete(DeltaObject::Object(pod("ns", name, rv)))
}

fn describe(n: &Notification<Obj>) -> String {
    match n {
        Notification::Add {
            obj,
            is_in_initial_list,
        } => format!(
            "add {} {}{}",
            obj.name(),
            obj.resource_version(),
            if *is_in_initial_list { " initial" } else { "" }
        ),
        Notification::Update { old, new } => format!(
            "update {} {}->{}",
            new.name(),
            old.resource_version(),
            new.resource_version()
        ),
        Notification::Delete(DeltaObject::Object(o)) => format!("delete {}", o.name()),
        Notification::Delete(DeltaObject::DeletedFinalStateUnknown(t)) => format!("tombstone {}", t.key),
    }
}

fn drain(m: &Mailbox<Obj>) -> Vec<String> {
    let mut out = Vec::new();
    let mut s = m.lock();
    while let Some(n) = m.pop(&mut s) {
        out.push(describe(&n));
    }
    out
}

fn mailbox(capacity: usize) -> Mailbox<Obj> {
    Mailbox::new(Arc::from("test"), capacity)
}

#[test]
fn below_capacity_every_notification_is_kept_in_order() {
    let m = mailbox(8);
    for n in [
        add("a", "1"),
        update("a", "1", "2"),
        add("b", "3"),
        delete("a", "2"),
    ] {
        m.push(n);
    }
    assert_eq!(drain(&m), ["add a 1", "update a 1->2", "add b 3", "delete a"]);
    let stats = m.stats();
    assert!(!stats.lagging);
    assert_eq!((stats.delivered, stats.coalesced, stats.max_pending), (4, 0, 4));
}

#[test]
fn a_full_mailbox_coalesces_per_key_with_delta_fifo_rules() {
    let m = mailbox(2);
    m.push(add("a", "1"));
    m.push(update("a", "1", "2")); // full: coalesces into "add a 2"
    assert!(m.stats().lagging);
    m.push(update("b", "5", "6"));
    m.push(update("b", "6", "7")); // update+update: one update from the first old to the last new
    m.push(update("c", "1", "2"));
    m.push(delete("c", "2")); // update+delete: the delete
    m.push(add("d", "1"));
    m.push(delete("d", "1")); // add+delete: nothing
    m.push(delete("e", "4"));
    m.push(add("e", "9")); // delete then re-creation: both kept
    m.push(update("e", "9", "10")); // merges into the re-creation
    assert_eq!(
        drain(&m),
        ["add a 2", "update b 5->7", "delete c", "delete e", "add e 10"]
    );
    let stats = m.stats();
    assert!(!stats.lagging, "caught up");
    assert_eq!(stats.lag_episodes, 1);
}

#[test]
fn a_tombstone_absorbs_the_updates_before_it() {
    let m = mailbox(1);
    m.push(update("a", "1", "2"));
    m.push(Notification::Delete(DeltaObject::DeletedFinalStateUnknown(
        DeletedFinalStateUnknown {
            key: "ns/a".into(),
            obj: None,
        },
    )));
    assert_eq!(drain(&m), ["tombstone ns/a"]);
}

#[test]
fn the_backlog_stays_within_the_number_of_keys_and_every_key_ends_at_its_last_state() {
    const KEYS: usize = 50;
    let m = mailbox(16);
    let mut last: HashMap<String, String> = HashMap::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for i in 0..KEYS {
        let name = format!("k{i}");
        m.push(add(&name, "0"));
        last.insert(name, "0".into());
    }
    for round in 1..=200u32 {
        for i in (0..KEYS).filter(|i| !(i + round as usize).is_multiple_of(3)) {
            let name = format!("k{i}");
            let old = last[&name].clone();
            let new = round.to_string();
            m.push(update(&name, &old, &new));
            last.insert(name, new);
        }
        // The consumer takes one now and then, checking each update's old is what it saw.
        if round % 7 == 0 {
            let mut s = m.lock();
            if let Some(n) = m.pop(&mut s) {
                apply(&mut seen, &n);
            }
        }
        assert!(m.stats().pending <= KEYS, "round {round}: {:?}", m.stats());
    }
    {
        let mut s = m.lock();
        while let Some(n) = m.pop(&mut s) {
            apply(&mut seen, &n);
        }
    }
    assert_eq!(seen, last);
    assert!(m.stats().max_pending <= KEYS);
}

fn apply(seen: &mut HashMap<String, String>, n: &Notification<Obj>) {
    match n {
        Notification::Add { obj, .. } => {
            assert!(seen
                .insert(obj.name().to_owned(), obj.resource_version().to_owned())
                .is_none());
        }
        Notification::Update { old, new } => {
            let before = seen.insert(new.name().to_owned(), new.resource_version().to_owned());
            assert_eq!(before.as_deref(), Some(old.resource_version()), "chained updates");
        }
        Notification::Delete(_) => unreachable!("no deletes in this test"),
    }
}

#[test]
fn initial_adds_count_until_handled_even_when_coalesced() {
    let m = mailbox(2);
    m.push(initial("a", "1"));
    m.push(initial("b", "1"));
    m.push(update("a", "1", "2")); // merges into the initial add of a
    assert!(!m.initial_list_handled());
    {
        let mut s = m.lock();
        assert_eq!(
            m.pop(&mut s).map(|n| describe(&n)).as_deref(),
            Some("add a 2 initial")
        );
        assert_eq!(
            m.pop(&mut s).map(|n| describe(&n)).as_deref(),
            Some("add b 1 initial")
        );
    }
    assert!(
        !m.initial_list_handled(),
        "the last one is still in the handler's hands"
    );
    m.done();
    assert!(m.initial_list_handled());
    m.push(initial("c", "1"));
    assert!(!m.initial_list_handled());
    m.push(delete("c", "1")); // full: the initial add and its delete cancel out
    assert!(
        m.initial_list_handled(),
        "a cancelled initial add no longer counts"
    );
    m.push(delete("z", "1"));
    assert_eq!(drain(&m), ["delete z"]);
}

#[test]
fn closing_drops_what_waits() {
    let m = mailbox(4);
    m.push(add("a", "1"));
    m.close();
    m.push(add("b", "1"));
    assert!(drain(&m).is_empty());
}
