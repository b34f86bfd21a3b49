//! A JSON value with its place (document and pointer), so every check can say where it failed.

use serde_json::{Map, Value};

use crate::error::{pointer_child, Error, Problem};

/// A value of one document, with its JSON pointer.
#[derive(Clone, Copy)]
pub(crate) struct Node<'a> {
    pub(crate) file: &'a str,
    pub(crate) value: &'a Value,
    pointer: &'a str,
}

impl<'a> Node<'a> {
    /// The root of a document.
    pub(crate) fn root(file: &'a str, value: &'a Value) -> Self {
        Self {
            file,
            value,
            pointer: "",
        }
    }

    /// This node's JSON pointer.
    pub(crate) fn pointer(&self) -> &'a str {
        self.pointer
    }

    /// An error at this node.
    pub(crate) fn error(&self, problem: Problem) -> Error {
        Error::new(self.file, self.pointer, problem)
    }

    /// The pointer of `key` below this node.
    pub(crate) fn child_pointer(&self, key: &str) -> String {
        pointer_child(self.pointer, key)
    }

    /// An error at `key` below this node.
    pub(crate) fn error_at(&self, key: &str, problem: Problem) -> Error {
        Error::new(self.file, &self.child_pointer(key), problem)
    }

    /// This node as an object whose keys are all in `allowed`.
    pub(crate) fn object(&self, allowed: &[&str]) -> Result<&'a Map<String, Value>, Error> {
        let map = self
            .value
            .as_object()
            .ok_or_else(|| self.error(Problem::WrongType("an object")))?;
        if let Some(key) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(self.error_at(key, Problem::UnexpectedKey(key.clone())));
        }
        Ok(map)
    }

    /// This node as a string.
    pub(crate) fn str(&self) -> Result<&'a str, Error> {
        self.value
            .as_str()
            .ok_or_else(|| self.error(Problem::WrongType("a string")))
    }

    /// This node as an array of strings.
    pub(crate) fn strings(&self) -> Result<Vec<String>, Error> {
        let items = self
            .value
            .as_array()
            .ok_or_else(|| self.error(Problem::WrongType("an array of strings")))?;
        items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| self.error_at(&i.to_string(), Problem::WrongType("a string")))
            })
            .collect()
    }

    /// Calls `f` with the child `key` of this object node, if present.
    pub(crate) fn with_child<T>(
        &self,
        key: &str,
        f: impl FnOnce(Node<'_>) -> Result<T, Error>,
    ) -> Result<Option<T>, Error> {
        match self.value.get(key) {
            None => Ok(None),
            Some(value) => {
                let pointer = self.child_pointer(key);
                f(Node {
                    file: self.file,
                    value,
                    pointer: &pointer,
                })
                .map(Some)
            }
        }
    }

    /// Calls `f` with the child `key` of this object node, which must be present.
    pub(crate) fn with_required<T>(
        &self,
        key: &'static str,
        f: impl FnOnce(Node<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.with_child(key, f)?
            .ok_or_else(|| self.error(Problem::MissingKey(key)))
    }

    /// Calls `f` with each member of this object node, in key order.
    pub(crate) fn each_member(
        &self,
        mut f: impl FnMut(&'a str, Node<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let map = self
            .value
            .as_object()
            .ok_or_else(|| self.error(Problem::WrongType("an object")))?;
        for (key, value) in map {
            let pointer = self.child_pointer(key);
            f(
                key,
                Node {
                    file: self.file,
                    value,
                    pointer: &pointer,
                },
            )?;
        }
        Ok(())
    }

    /// Calls `f` with each item of this array node.
    pub(crate) fn each_item(&self, mut f: impl FnMut(Node<'_>) -> Result<(), Error>) -> Result<(), Error> {
        let items = self
            .value
            .as_array()
            .ok_or_else(|| self.error(Problem::WrongType("an array")))?;
        for (i, value) in items.iter().enumerate() {
            let pointer = self.child_pointer(&i.to_string());
            f(Node {
                file: self.file,
                value,
                pointer: &pointer,
            })?;
        }
        Ok(())
    }
}
