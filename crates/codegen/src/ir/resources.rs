//! Resources, read off the paths as the API server lays them out:
//! `/api/v1` or `/apis/<group>/<version>`, then an optional `watch/` (the deprecated watch paths), an optional
//! `namespaces/{namespace}/` (the resource is namespaced), the plural, an optional `{name}`, and after it an
//! optional subresource with, for proxies, a trailing `{path}`. The kind comes from each operation's
//! `x-kubernetes-group-version-kind` and the verbs from its `x-kubernetes-action`, named as discovery names them
//! (`post` is `create`, `put` is `update`, both watch actions are `watch`; a `connect` subresource's verbs are its
//! HTTP methods, `HEAD` and `OPTIONS` left out, as discovery does).

use std::collections::{BTreeMap, BTreeSet};

use super::{Definition, GroupVersion, Home};
use crate::error::{pointer_child, Error, Problem};
use crate::spec::{Action, Gvk, Method, Spec};

/// A resource: what `kubectl api-resources` lists for one plural.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Its group/version.
    pub gv: GroupVersion,
    /// The plural, `pods`.
    pub plural: String,
    /// The kind, `Pod`.
    pub kind: String,
    /// The spec name of the kind's definition, `io.k8s.api.core.v1.Pod`.
    pub definition: String,
    /// Namespaced or cluster-wide.
    pub scope: Scope,
    /// The verbs, sorted by name.
    pub verbs: BTreeSet<Verb>,
    /// The subresources, sorted by name.
    pub subresources: Vec<Subresource>,
}

impl Resource {
    /// The subresource called `name`, if the resource has one.
    pub fn subresource(&self, name: &str) -> Option<&Subresource> {
        self.subresources.iter().find(|s| s.name == name)
    }
}

/// A subresource: `pods/status`, `deployments/scale`, `pods/log`, `pods/exec`...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subresource {
    /// The name after the object's name, `status`.
    pub name: String,
    /// The kind it reads or writes (`autoscaling/v1 Scale` for `scale`, `policy/v1 Eviction` for `eviction`).
    pub gvk: Gvk,
    /// The verbs, sorted by name.
    pub verbs: BTreeSet<Verb>,
    /// A streaming connection (exec, attach, port-forward, proxy) rather than an object.
    pub connect: bool,
}

/// Whether objects live in a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Under `namespaces/{namespace}/`.
    Namespaced,
    /// Cluster-wide.
    Cluster,
}

/// A verb as discovery names it; ordered by name, as discovery lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verb {
    /// `create` (POST).
    Create,
    /// `delete`.
    Delete,
    /// `deletecollection`.
    DeleteCollection,
    /// `get`.
    Get,
    /// `list`.
    List,
    /// `patch`.
    Patch,
    /// `update` (PUT).
    Update,
    /// `watch`.
    Watch,
}

impl Verb {
    /// The discovery name, `deletecollection`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Create => "create",
            Verb::Delete => "delete",
            Verb::DeleteCollection => "deletecollection",
            Verb::Get => "get",
            Verb::List => "list",
            Verb::Patch => "patch",
            Verb::Update => "update",
            Verb::Watch => "watch",
        }
    }

    fn of_action(action: Action, method: Method) -> Option<Self> {
        Some(match action {
            Action::Get => Verb::Get,
            Action::List => Verb::List,
            Action::Watch | Action::WatchList => Verb::Watch,
            Action::Post => Verb::Create,
            Action::Put => Verb::Update,
            Action::Patch => Verb::Patch,
            Action::Delete => Verb::Delete,
            Action::DeleteCollection => Verb::DeleteCollection,
            Action::Connect => match method {
                Method::Get => Verb::Get,
                Method::Post => Verb::Create,
                Method::Put => Verb::Update,
                Method::Patch => Verb::Patch,
                Method::Delete => Verb::Delete,
                Method::Head | Method::Options => return None,
            },
        })
    }
}

/// What the paths of one resource said so far.
#[derive(Default)]
struct Seen {
    kind: Option<Gvk>,
    namespaced: bool,
    /// Operations on a path without `namespaces/{namespace}/`: (pointer, action), checked once the scope is known.
    cluster_ops: Vec<(String, Action)>,
    verbs: BTreeSet<Verb>,
    subresources: BTreeMap<String, (Gvk, BTreeSet<Verb>, bool)>,
    /// Where the resource was first seen, for errors about it as a whole.
    at: (String, String),
}

/// A path's place: the resource's plural, the subresource if any, and its layout.
struct Place<'p> {
    watch: bool,
    namespaced: bool,
    plural: &'p str,
    subresource: Option<&'p str>,
}

pub(super) fn build(
    spec: &Spec,
    group_versions: &[GroupVersion],
    definitions: &BTreeMap<String, Definition>,
) -> Result<Vec<Resource>, Error> {
    let mut seen: BTreeMap<(usize, String), Seen> = BTreeMap::new();
    for item in &spec.paths {
        let path_at = pointer_child("/paths", &item.path);
        let bad_path = |why: &str| Error::new(&item.file, &path_at, Problem::UnexpectedPath(why.to_owned()));
        let index = spec
            .documents
            .iter()
            .position(|d| d.file == item.file)
            .ok_or_else(|| bad_path("from a document not loaded"))?;
        let gv = &group_versions[index];
        let Some(place) = place(&item.path, gv).map_err(|why| bad_path(&why))? else {
            if item.operations.iter().any(|op| op.action.is_some()) {
                return Err(bad_path(
                    "the group/version's discovery path has a Kubernetes action",
                ));
            }
            continue;
        };
        let acc = seen.entry((index, place.plural.to_owned())).or_default();
        if acc.at.0.is_empty() {
            acc.at = (item.file.clone(), path_at.clone());
        }
        acc.namespaced |= place.namespaced;
        for op in &item.operations {
            let op_at = pointer_child(&path_at, op.method.as_str());
            let inconsistent = |why: String| Error::new(&item.file, &op_at, Problem::Inconsistent(why));
            let Some((action, gvk)) = &op.action else {
                return Err(Error::new(
                    &item.file,
                    &op_at,
                    Problem::MissingKey("x-kubernetes-action"),
                ));
            };
            if place.watch && !matches!(action, Action::Watch | Action::WatchList) {
                return Err(inconsistent(format!("{action:?} on a watch path")));
            }
            let verb = Verb::of_action(*action, op.method);
            let Some(sub) = place.subresource else {
                if *action == Action::Connect {
                    return Err(inconsistent("connect on a resource path".to_owned()));
                }
                if gvk.group != gv.group || gvk.version != gv.version {
                    return Err(inconsistent(format!("kind {gvk:?} of another group/version")));
                }
                match &acc.kind {
                    Some(kind) if kind != gvk => {
                        return Err(inconsistent(format!("kind {gvk:?}, not {kind:?}")))
                    }
                    Some(_) => {}
                    None => acc.kind = Some(gvk.clone()),
                }
                if !place.namespaced {
                    acc.cluster_ops.push((op_at.clone(), *action));
                }
                acc.verbs.extend(verb);
                continue;
            };
            let connect = *action == Action::Connect;
            let entry = acc
                .subresources
                .entry(sub.to_owned())
                .or_insert_with(|| (gvk.clone(), BTreeSet::new(), connect));
            if entry.0 != *gvk || entry.2 != connect {
                return Err(inconsistent(format!("subresource {sub} changes kind or connect")));
            }
            entry.1.extend(verb);
        }
    }
    seen.into_iter()
        .map(|((index, plural), acc)| resource(&group_versions[index], plural, acc, definitions))
        .collect()
}

/// Reads a path's layout; `None` for the group/version's own discovery path.
fn place<'p>(path: &'p str, gv: &GroupVersion) -> Result<Option<Place<'p>>, String> {
    let prefix = if gv.group.is_empty() {
        format!("/api/{}/", gv.version)
    } else {
        format!("/apis/{}/{}/", gv.group, gv.version)
    };
    let rest = path
        .strip_prefix(&prefix)
        .ok_or_else(|| format!("not under {prefix}"))?;
    if rest.is_empty() {
        return Ok(None);
    }
    let mut segments: Vec<&str> = rest.split('/').collect();
    let watch = segments.first() == Some(&"watch");
    if watch {
        segments.remove(0);
    }
    let namespaced = segments.len() >= 2 && segments[0] == "namespaces" && segments[1] == "{namespace}";
    if namespaced {
        segments.drain(..2);
    }
    let word = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let (plural, subresource) = match segments.as_slice() {
        [plural] | [plural, "{name}"] => (*plural, None),
        [plural, "{name}", sub] | [plural, "{name}", sub, "{path}"] if word(sub) => (*plural, Some(*sub)),
        _ => return Err("not <plural>[/{name}[/<subresource>[/{path}]]]".to_owned()),
    };
    if !word(plural) {
        return Err(format!("plural {plural:?} is not a lower-case word"));
    }
    if watch && subresource.is_some() {
        return Err("a watch path of a subresource".to_owned());
    }
    Ok(Some(Place {
        watch,
        namespaced,
        plural,
        subresource,
    }))
}

fn resource(
    gv: &GroupVersion,
    plural: String,
    acc: Seen,
    definitions: &BTreeMap<String, Definition>,
) -> Result<Resource, Error> {
    let (file, at) = &acc.at;
    let inconsistent = |why: String| Error::new(file, at, Problem::Inconsistent(why));
    let kind = acc
        .kind
        .ok_or_else(|| inconsistent(format!("{plural} has subresources but no path of its own")))?;
    if acc.namespaced {
        if let Some((op_at, action)) = acc
            .cluster_ops
            .iter()
            .find(|(_, a)| !matches!(a, Action::List | Action::Watch | Action::WatchList))
        {
            return Err(Error::new(
                file,
                op_at,
                Problem::Inconsistent(format!("{action:?} outside namespaces on namespaced {plural}")),
            ));
        }
    }
    let mut homes = definitions
        .values()
        .filter(|d| d.home == Home::Api(gv.clone()) && d.gvks.contains(&kind));
    let definition = match (homes.next(), homes.next()) {
        (Some(def), None) => def.name.clone(),
        (None, _) => {
            return Err(inconsistent(format!(
                "kind {} of {plural} has no definition",
                kind.kind
            )))
        }
        (Some(a), Some(b)) => {
            return Err(inconsistent(format!(
                "kind {} of {plural} is both {} and {}",
                kind.kind, a.name, b.name
            )))
        }
    };
    Ok(Resource {
        gv: gv.clone(),
        plural,
        kind: kind.kind,
        definition,
        scope: if acc.namespaced {
            Scope::Namespaced
        } else {
            Scope::Cluster
        },
        verbs: acc.verbs,
        subresources: acc
            .subresources
            .into_iter()
            .map(|(name, (gvk, verbs, connect))| Subresource {
                name,
                gvk,
                verbs,
                connect,
            })
            .collect(),
    })
}
