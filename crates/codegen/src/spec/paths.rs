//! The `paths` of a document: for each path, its operations with the `x-kubernetes-action` and
//! `x-kubernetes-group-version-kind` that say which verb of which kind it is. Parameters, request bodies and
//! responses are not modelled (their schemas are definitions, whose `$ref`s are checked with the rest).

use super::node::Node;
use super::schema::{parse_gvk, Gvk};
use crate::error::{Error, Problem};

/// One path of a document with its operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathItem {
    /// The document it comes from.
    pub file: String,
    /// The path, e.g. `/api/v1/namespaces/{namespace}/pods/{name}/status`.
    pub path: String,
    /// Its operations, in method order.
    pub operations: Vec<Operation>,
}

/// One operation (HTTP method) of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The HTTP method.
    pub method: Method,
    /// What Kubernetes calls the operation, with the kind it reads or writes; `None` only on the discovery
    /// path of the group/version (`/api/v1/`), which has neither.
    pub action: Option<(Action, Gvk)>,
}

/// An HTTP method a Kubernetes path offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    /// `GET`.
    Get,
    /// `PUT`.
    Put,
    /// `POST`.
    Post,
    /// `DELETE`.
    Delete,
    /// `PATCH`.
    Patch,
    /// `HEAD` (proxy subresources only).
    Head,
    /// `OPTIONS` (proxy subresources only).
    Options,
}

/// `x-kubernetes-action`: the API server's name for what an operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read one object.
    Get,
    /// Read a collection.
    List,
    /// Watch one object (the deprecated `/watch/.../{name}` path).
    Watch,
    /// Watch a collection (the deprecated `/watch/...` path).
    WatchList,
    /// Create (POST).
    Post,
    /// Replace (PUT).
    Put,
    /// Patch.
    Patch,
    /// Delete one object.
    Delete,
    /// Delete a collection.
    DeleteCollection,
    /// A streaming connection (exec, attach, port-forward, proxy).
    Connect,
}

impl Method {
    /// The method's key in a path item, lower case (`get`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Patch => "patch",
            Method::Head => "head",
            Method::Options => "options",
        }
    }
}

const METHODS: [Method; 7] = [
    Method::Get,
    Method::Put,
    Method::Post,
    Method::Delete,
    Method::Patch,
    Method::Head,
    Method::Options,
];

/// Keys of an operation. Only the two extensions are read; the others are known and not modelled.
const OPERATION_KEYS: &[&str] = &[
    "operationId",
    "responses",
    "tags",
    "parameters",
    "requestBody",
    "description",
    "x-kubernetes-action",
    "x-kubernetes-group-version-kind",
];

/// Reads every path of a document's `paths` object.
pub(crate) fn parse_paths(node: Node<'_>) -> Result<Vec<PathItem>, Error> {
    let mut out = Vec::new();
    node.each_member(|path, item| {
        let mut allowed: Vec<&str> = METHODS.iter().map(|m| m.as_str()).collect();
        allowed.push("parameters");
        item.object(&allowed)?;
        let mut operations = Vec::new();
        for method in METHODS {
            if let Some(op) = item.with_child(method.as_str(), |op| parse_operation(method, op))? {
                operations.push(op);
            }
        }
        out.push(PathItem {
            file: node.file.to_owned(),
            path: path.to_owned(),
            operations,
        });
        Ok(())
    })?;
    Ok(out)
}

fn parse_operation(method: Method, node: Node<'_>) -> Result<Operation, Error> {
    node.object(OPERATION_KEYS)?;
    let action = node.with_child("x-kubernetes-action", |n| match n.str()? {
        "get" => Ok(Action::Get),
        "list" => Ok(Action::List),
        "watch" => Ok(Action::Watch),
        "watchlist" => Ok(Action::WatchList),
        "post" => Ok(Action::Post),
        "put" => Ok(Action::Put),
        "patch" => Ok(Action::Patch),
        "delete" => Ok(Action::Delete),
        "deletecollection" => Ok(Action::DeleteCollection),
        "connect" => Ok(Action::Connect),
        other => Err(n.error(Problem::UnknownValue(format!("action {other:?}")))),
    })?;
    let gvk = node.with_child("x-kubernetes-group-version-kind", parse_gvk)?;
    let action = match (action, gvk) {
        (Some(action), Some(gvk)) => Some((action, gvk)),
        (None, None) => None,
        (Some(_), None) => return Err(node.error(Problem::MissingKey("x-kubernetes-group-version-kind"))),
        (None, Some(_)) => return Err(node.error(Problem::MissingKey("x-kubernetes-action"))),
    };
    Ok(Operation { method, action })
}
