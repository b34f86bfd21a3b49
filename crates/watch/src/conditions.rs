//! Conditions on watch events, met one after another.
//!
//! Mirrors client-go `tools/watch/until.go`'s `ConditionFunc` and `PreconditionFunc`, and the
//! loop of `UntilWithoutRetry` that walks the chain: each event goes to the first condition not
//! yet met; when it holds, the next condition is checked against the same event before more
//! events are read; an error from a condition ends the wait with that error.

use clientgo_apimachinery::WatchEvent;

use crate::error::{BoxError, Error};

/// A condition on one watch event: `Ok(true)` when it holds, `Ok(false)` to keep waiting, `Err`
/// to give up (e.g. the object was deleted). Mirrors client-go `watchtools.ConditionFunc`.
pub type ConditionFunc<'a, K> = Box<dyn FnMut(&WatchEvent<K>) -> Result<bool, BoxError> + Send + 'a>;

/// Boxes `f` as a [`ConditionFunc`], so conditions of different closure types fit in one `Vec`.
pub fn condition<'a, K, F>(f: F) -> ConditionFunc<'a, K>
where
    F: FnMut(&WatchEvent<K>) -> Result<bool, BoxError> + Send + 'a,
{
    Box::new(f)
}

/// Conditions checked in order, each from the event that met the one before.
pub(crate) struct Chain<'a, K> {
    conditions: Vec<ConditionFunc<'a, K>>,
    next: usize,
}

impl<'a, K> Chain<'a, K> {
    pub(crate) fn new(conditions: Vec<ConditionFunc<'a, K>>) -> Self {
        Chain { conditions, next: 0 }
    }

    /// True once every condition has held (at once for an empty chain).
    pub(crate) fn is_met(&self) -> bool {
        self.next == self.conditions.len()
    }

    /// Checks `event` against the first condition not met yet and, while they hold, the ones
    /// after it; returns whether the whole chain is met now.
    ///
    /// # Errors
    /// [`Error::Condition`] with the error a condition returned.
    pub(crate) fn check(&mut self, event: &WatchEvent<K>) -> Result<bool, Error> {
        while let Some(condition) = self.conditions.get_mut(self.next) {
            if !condition(event).map_err(Error::Condition)? {
                return Ok(false);
            }
            self.next += 1;
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use clientgo_apimachinery::{DynamicObject, ObjectMeta};

    use super::*;

    fn event(name: &str) -> WatchEvent<DynamicObject> {
        WatchEvent::Added(DynamicObject {
            metadata: ObjectMeta {
                name: Some(name.into()),
                ..ObjectMeta::default()
            },
            ..DynamicObject::default()
        })
    }

    fn named(ev: &WatchEvent<DynamicObject>) -> &str {
        match ev {
            WatchEvent::Added(o) => o.metadata.name.as_deref().unwrap_or(""),
            _ => "",
        }
    }

    #[test]
    fn an_empty_chain_is_met_at_once() {
        assert!(Chain::<DynamicObject>::new(Vec::new()).is_met());
    }

    /// The event that meets one condition is checked against the next before any other event.
    #[test]
    fn a_met_condition_hands_its_event_to_the_next() {
        let mut chain = Chain::new(vec![
            condition(|ev| Ok(named(ev).starts_with('a'))),
            condition(|ev| Ok(named(ev).ends_with('z'))),
            condition(|ev| Ok(named(ev) == "end")),
        ]);
        assert!(!chain.check(&event("b")).unwrap());
        assert!(
            !chain.check(&event("az")).unwrap(),
            "the first two hold on one event"
        );
        assert_eq!(chain.next, 2);
        assert!(chain.check(&event("end")).unwrap());
        assert!(chain.is_met());
    }

    #[test]
    fn a_condition_error_ends_the_chain_with_it() {
        let mut chain = Chain::new(vec![condition(|ev: &WatchEvent<DynamicObject>| {
            if named(ev) == "gone" {
                Err("the object was deleted".into())
            } else {
                Ok(false)
            }
        })]);
        assert!(!chain.check(&event("x")).unwrap());
        let err = chain.check(&event("gone")).unwrap_err();
        assert!(matches!(err, Error::Condition(_)));
        let cause = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(
            (err.to_string(), cause.as_deref()),
            (
                "a wait condition failed".to_owned(),
                Some("the object was deleted")
            )
        );
    }
}
