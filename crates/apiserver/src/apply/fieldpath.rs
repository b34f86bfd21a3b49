//! Sets of field paths and their `FieldsV1` encoding.
//!
//! A [`FieldSet`] is a tree of [`PathElement`]s whose nodes may be members. In `FieldsV1` a member
//! with no children is `{}`, a member with children carries `".": {}` among them, and a node that is
//! only a prefix has no `"."`: `{"f:data": {".": {}, "f:k": {}}}` owns the map `data` and `data.k`.
//!
//! Mirrors structured-merge-diff `fieldpath.Set`, `fieldpath.PathElement` and `serialize.go`.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

/// One step of a path into an object.
///
/// Variants are ordered as structured-merge-diff orders them (fields, then keys, values, indexes).
///
/// Mirrors structured-merge-diff `fieldpath.PathElement`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathElement {
    /// A field of a map or struct: `f:name`.
    Field(String),
    /// An item of a list-map, by its key fields, as a canonical JSON object with sorted keys:
    /// `k:{"containerPort":80,"protocol":"TCP"}`.
    Key(String),
    /// An item of a set, by its JSON value: `v:"example.com/cleanup"`.
    Value(String),
    /// An item of a list by position: `i:0`.
    Index(usize),
}

impl PathElement {
    /// The key of a list-map item: the named fields of `item` (with their defaults when missing).
    /// `None` when a key without default is missing.
    pub fn key_of(item: &Value, keys: &[&str]) -> Option<PathElement> {
        let mut sorted: Vec<&str> = keys.to_vec();
        sorted.sort_unstable();
        let mut out = String::from("{");
        for (i, key) in sorted.iter().enumerate() {
            let value = match item.get(*key) {
                Some(v) if !v.is_null() => v.clone(),
                _ => crate::patch::schema::key_default(key)?,
            };
            if i > 0 {
                out.push(',');
            }
            out.push_str(&Value::String((*key).to_owned()).to_string());
            out.push(':');
            out.push_str(&value.to_string());
        }
        out.push('}');
        Some(PathElement::Key(out))
    }

    /// The element of a set item.
    pub fn value_of(item: &Value) -> PathElement {
        PathElement::Value(item.to_string())
    }

    /// Whether `item` (a list item) is the one this element names.
    pub fn matches_item(&self, index: usize, item: &Value) -> bool {
        match self {
            PathElement::Field(_) => false,
            PathElement::Index(i) => *i == index,
            PathElement::Value(v) => {
                serde_json::from_str::<Value>(v).is_ok_and(|v| crate::patch::json_equal(&v, item))
            }
            PathElement::Key(k) => match serde_json::from_str::<Value>(k) {
                Ok(Value::Object(fields)) => fields.iter().all(|(name, want)| {
                    let got = match item.get(name) {
                        Some(v) if !v.is_null() => Some(v.clone()),
                        _ => crate::patch::schema::key_default(name),
                    };
                    got.is_some_and(|g| crate::patch::json_equal(&g, want))
                }),
                _ => false,
            },
        }
    }

    fn encode(&self) -> String {
        match self {
            PathElement::Field(name) => format!("f:{name}"),
            PathElement::Key(k) => format!("k:{k}"),
            PathElement::Value(v) => format!("v:{v}"),
            PathElement::Index(i) => format!("i:{i}"),
        }
    }

    fn decode(s: &str) -> Option<PathElement> {
        let (prefix, rest) = s.split_at_checked(2)?;
        match prefix {
            "f:" => Some(PathElement::Field(rest.to_owned())),
            "k:" => Some(PathElement::Key(rest.to_owned())),
            "v:" => Some(PathElement::Value(rest.to_owned())),
            "i:" => rest.parse().ok().map(PathElement::Index),
            _ => None,
        }
    }
}

/// Writes the element as structured-merge-diff prints paths: `.name`, `[name="web"]`, `[="v"]`,
/// `[0]`.
impl fmt::Display for PathElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathElement::Field(name) => write!(f, ".{name}"),
            PathElement::Index(i) => write!(f, "[{i}]"),
            PathElement::Value(v) => write!(f, "[={v}]"),
            PathElement::Key(k) => {
                let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(k) else {
                    return write!(f, "[{k}]");
                };
                let parts: Vec<String> = fields.iter().map(|(n, v)| format!("{n}={v}")).collect();
                write!(f, "[{}]", parts.join(","))
            }
        }
    }
}

/// A path from the object's root.
pub type Path = Vec<PathElement>;

/// Prints a path the way conflict messages show it: `.spec.template.spec.containers[name="web"]`.
pub fn path_string(path: &[PathElement]) -> String {
    path.iter().map(ToString::to_string).collect()
}

/// A set of paths, stored as a tree.
///
/// Mirrors structured-merge-diff `fieldpath.Set`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSet {
    member: bool,
    children: BTreeMap<PathElement, FieldSet>,
}

impl FieldSet {
    /// The empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the set has no members.
    pub fn is_empty(&self) -> bool {
        !self.member && self.children.values().all(FieldSet::is_empty)
    }

    /// Adds `path` (the root itself is never a member).
    pub fn insert(&mut self, path: &[PathElement]) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        // Look up before inserting so existing levels do not clone their key.
        if !self.children.contains_key(first) {
            self.children.insert(first.clone(), FieldSet::default());
        }
        let Some(child) = self.children.get_mut(first) else {
            return;
        };
        if rest.is_empty() {
            child.member = true;
        } else {
            child.insert(rest);
        }
    }

    /// A set whose root is a member: the node for a leaf.
    pub(crate) fn leaf() -> Self {
        FieldSet {
            member: true,
            children: BTreeMap::new(),
        }
    }

    /// Makes the root a member or not.
    pub(crate) fn set_member(&mut self, member: bool) {
        self.member = member;
    }

    /// Adds `child` under `pe`, merging with what is there.
    pub(crate) fn add_child(&mut self, pe: PathElement, child: FieldSet) {
        match self.children.get_mut(&pe) {
            Some(existing) => *existing = existing.union(&child),
            None => {
                self.children.insert(pe, child);
            }
        }
    }

    /// Adds the set `node` at `path` (the root's own membership is never set).
    pub(crate) fn graft(&mut self, path: &[PathElement], node: FieldSet) {
        match path.split_first() {
            None => {
                for (pe, child) in node.children {
                    self.add_child(pe, child);
                }
            }
            Some((first, [])) => self.add_child(first.clone(), node),
            Some((first, rest)) => {
                if !self.children.contains_key(first) {
                    self.children.insert(first.clone(), FieldSet::default());
                }
                if let Some(child) = self.children.get_mut(first) {
                    child.graft(rest, node);
                }
            }
        }
    }

    /// Whether `path` is a member.
    pub fn contains(&self, path: &[PathElement]) -> bool {
        match path.split_first() {
            None => self.member,
            Some((first, rest)) => self.children.get(first).is_some_and(|c| c.contains(rest)),
        }
    }

    /// Whether `path` or any path below it is a member.
    pub fn contains_prefix(&self, path: &[PathElement]) -> bool {
        match path.split_first() {
            None => !self.is_empty(),
            Some((first, rest)) => self.children.get(first).is_some_and(|c| c.contains_prefix(rest)),
        }
    }

    /// The members of `self` or `other`.
    pub fn union(&self, other: &FieldSet) -> FieldSet {
        let mut out = self.clone();
        out.member |= other.member;
        for (pe, child) in &other.children {
            let merged = match out.children.get(pe) {
                Some(mine) => mine.union(child),
                None => child.clone(),
            };
            out.children.insert(pe.clone(), merged);
        }
        out
    }

    /// The members of `self` that are not members of `other`.
    pub fn difference(&self, other: &FieldSet) -> FieldSet {
        let mut out = FieldSet {
            member: self.member && !other.member,
            children: BTreeMap::new(),
        };
        for (pe, child) in &self.children {
            let rest = match other.children.get(pe) {
                Some(theirs) => child.difference(theirs),
                None => child.clone(),
            };
            if !rest.is_empty() {
                out.children.insert(pe.clone(), rest);
            }
        }
        out
    }

    /// The members of both `self` and `other`.
    pub fn intersection(&self, other: &FieldSet) -> FieldSet {
        let mut out = FieldSet {
            member: self.member && other.member,
            children: BTreeMap::new(),
        };
        for (pe, child) in &self.children {
            if let Some(theirs) = other.children.get(pe) {
                let both = child.intersection(theirs);
                if !both.is_empty() {
                    out.children.insert(pe.clone(), both);
                }
            }
        }
        out
    }

    /// The set without `path` and everything under it.
    pub fn without_subtree(&self, path: &[PathElement]) -> FieldSet {
        let mut out = self.clone();
        out.remove_subtree(path);
        out
    }

    fn remove_subtree(&mut self, path: &[PathElement]) {
        match path.split_first() {
            None => *self = FieldSet::default(),
            Some((first, [])) => {
                self.children.remove(first);
            }
            Some((first, rest)) => {
                if let Some(child) = self.children.get_mut(first) {
                    child.remove_subtree(rest);
                }
            }
        }
    }

    /// The members of the set at or under `path`.
    pub fn only_subtree(&self, path: &[PathElement]) -> FieldSet {
        let Some((first, rest)) = path.split_first() else {
            return self.clone();
        };
        let mut out = FieldSet::default();
        if let Some(child) = self.children.get(first) {
            let kept = child.only_subtree(rest);
            if !kept.is_empty() {
                out.children.insert(first.clone(), kept);
            }
        }
        out
    }

    /// Every member path, parents before children, in order.
    pub fn paths(&self) -> Vec<Path> {
        let mut out = Vec::new();
        self.collect(&mut Vec::new(), &mut out);
        out
    }

    fn collect(&self, prefix: &mut Path, out: &mut Vec<Path>) {
        for (pe, child) in &self.children {
            prefix.push(pe.clone());
            if child.member {
                out.push(prefix.clone());
            }
            child.collect(prefix, out);
            prefix.pop();
        }
    }

    /// The `FieldsV1` JSON of the set.
    ///
    /// Mirrors structured-merge-diff `Set.ToJSON`.
    pub fn to_fields_v1(&self) -> Value {
        let mut map = Map::new();
        if self.member && !self.children.is_empty() {
            map.insert(".".to_owned(), Value::Object(Map::new()));
        }
        for (pe, child) in &self.children {
            if !child.is_empty() {
                map.insert(pe.encode(), child.to_fields_v1());
            }
        }
        Value::Object(map)
    }

    /// Parses `FieldsV1` JSON; `None` when it is not a well-formed field set.
    ///
    /// Mirrors structured-merge-diff `Set.FromJSON`.
    pub fn from_fields_v1(value: &Value) -> Option<FieldSet> {
        let map = value.as_object()?;
        let mut set = FieldSet::default();
        for (k, v) in map {
            if k == "." {
                set.member = true;
                continue;
            }
            let pe = PathElement::decode(k)?;
            let mut child = FieldSet::from_fields_v1(v)?;
            if child.children.is_empty() {
                child.member = true;
            }
            set.children.insert(pe, child);
        }
        Some(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(name: &str) -> PathElement {
        PathElement::Field(name.to_owned())
    }

    #[test]
    fn fields_v1_round_trips_transcript_sets() {
        let v = json!({
            "f:data": {".": {}, "f:k": {}},
            "f:metadata": {"f:finalizers": {".": {}, "v:\"example.com/cleanup\"": {}}},
            "f:spec": {"f:ports": {"k:{\"port\":80,\"protocol\":\"TCP\"}": {".": {}, "f:name": {}, "f:port": {}}}}
        });
        let set = FieldSet::from_fields_v1(&v).unwrap();
        assert!(set.contains(&[f("data")]));
        assert!(set.contains(&[f("data"), f("k")]));
        assert!(!set.contains(&[f("metadata")]));
        assert!(set.contains(&[
            f("metadata"),
            f("finalizers"),
            PathElement::Value("\"example.com/cleanup\"".into())
        ]));
        assert_eq!(set.to_fields_v1(), v);
    }

    #[test]
    fn set_algebra() {
        let mut a = FieldSet::new();
        a.insert(&[f("data")]);
        a.insert(&[f("data"), f("k")]);
        let mut b = FieldSet::new();
        b.insert(&[f("data"), f("k")]);
        b.insert(&[f("spec"), f("replicas")]);
        assert_eq!(a.intersection(&b).paths(), vec![vec![f("data"), f("k")]]);
        assert_eq!(a.difference(&b).paths(), vec![vec![f("data")]]);
        assert_eq!(a.union(&b).paths().len(), 3);
        assert!(b.difference(&b).is_empty());
        assert!(a.contains_prefix(&[f("data")]));
        let both = a.union(&b);
        assert_eq!(
            both.without_subtree(&[f("data")]).paths(),
            vec![vec![f("spec"), f("replicas")]]
        );
        assert_eq!(both.only_subtree(&[f("data")]), a);
        assert!(!a.contains_prefix(&[f("spec")]));
    }

    #[test]
    fn keys_are_canonical_and_print_like_smd() {
        let item = json!({"name": "http", "containerPort": 80});
        let pe = PathElement::key_of(&item, &["containerPort", "protocol"]).unwrap();
        assert_eq!(
            pe,
            PathElement::Key("{\"containerPort\":80,\"protocol\":\"TCP\"}".into())
        );
        assert!(pe.matches_item(3, &item));
        assert!(!pe.matches_item(0, &json!({"containerPort": 81})));
        let path = vec![
            f("spec"),
            f("containers"),
            PathElement::Key("{\"name\":\"web\"}".into()),
            f("image"),
        ];
        assert_eq!(path_string(&path), ".spec.containers[name=\"web\"].image");
        assert_eq!(path_string(&[f("data"), f("applied")]), ".data.applied");
    }

    #[test]
    fn malformed_fields_v1_is_rejected() {
        assert!(FieldSet::from_fields_v1(&json!({"x:y": {}})).is_none());
        assert!(FieldSet::from_fields_v1(&json!({"f:a": 1})).is_none());
        assert!(FieldSet::from_fields_v1(&json!([])).is_none());
    }
}
