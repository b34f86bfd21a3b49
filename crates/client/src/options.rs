//! Options of the typed verbs, and the patch types.
//!
//! Mirrors apimachinery `metav1.ListOptions`, `GetOptions`, `CreateOptions`, `UpdateOptions`,
//! `PatchOptions`, `DeleteOptions` and `types.PatchType`. Options become query parameters exactly as
//! client-go's parameter codec writes them (zero values are omitted); `DeleteOptions` is the body of a
//! DELETE, as in client-go.

use clientgo_rest::Request;

/// Options of `list` and `watch`. Mirrors `metav1.ListOptions`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListOptions {
    /// `labelSelector`, e.g. `app=web,tier!=db`.
    pub label_selector: String,
    /// `fieldSelector`, e.g. `status.phase=Running`.
    pub field_selector: String,
    /// `resourceVersion`: `""` (most recent, quorum read), `"0"` (any, from cache) or an exact version.
    pub resource_version: String,
    /// `resourceVersionMatch`: `NotOlderThan` or `Exact`.
    pub resource_version_match: String,
    /// `limit`: page size; 0 means everything in one response.
    pub limit: i64,
    /// `continue`: the token from the previous page.
    pub continue_: String,
    /// `timeoutSeconds`: server-side bound of a list or watch.
    pub timeout_seconds: Option<i64>,
    /// `allowWatchBookmarks` (watch only).
    pub allow_watch_bookmarks: bool,
    /// `sendInitialEvents` (watch only; streaming list).
    pub send_initial_events: Option<bool>,
}

impl ListOptions {
    /// Sets the label selector.
    pub fn labels(mut self, selector: impl Into<String>) -> Self {
        self.label_selector = selector.into();
        self
    }

    /// Sets the field selector.
    pub fn fields(mut self, selector: impl Into<String>) -> Self {
        self.field_selector = selector.into();
        self
    }

    /// Sets the page size.
    pub fn limit(mut self, limit: i64) -> Self {
        self.limit = limit;
        self
    }

    /// Sets the continue token.
    pub fn continue_token(mut self, token: impl Into<String>) -> Self {
        self.continue_ = token.into();
        self
    }

    /// Sets the resourceVersion.
    pub fn resource_version(mut self, rv: impl Into<String>) -> Self {
        self.resource_version = rv.into();
        self
    }

    /// Sets timeoutSeconds.
    pub fn timeout_seconds(mut self, secs: i64) -> Self {
        self.timeout_seconds = Some(secs);
        self
    }

    /// Asks for BOOKMARK events on a watch.
    pub fn bookmarks(mut self) -> Self {
        self.allow_watch_bookmarks = true;
        self
    }

    pub(crate) fn apply(&self, mut r: Request) -> Request {
        r = r
            .label_selector(&self.label_selector)
            .field_selector(&self.field_selector);
        if !self.resource_version.is_empty() {
            r = r.param("resourceVersion", &self.resource_version);
        }
        if !self.resource_version_match.is_empty() {
            r = r.param("resourceVersionMatch", &self.resource_version_match);
        }
        if self.limit > 0 {
            r = r.param("limit", &self.limit.to_string());
        }
        if !self.continue_.is_empty() {
            r = r.param("continue", &self.continue_);
        }
        if let Some(t) = self.timeout_seconds {
            r = r.param("timeoutSeconds", &t.to_string());
        }
        if self.allow_watch_bookmarks {
            r = r.param("allowWatchBookmarks", "true");
        }
        if let Some(s) = self.send_initial_events {
            r = r.param("sendInitialEvents", if s { "true" } else { "false" });
        }
        r
    }
}

/// Options of `get`. Mirrors `metav1.GetOptions`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetOptions {
    /// `resourceVersion`: `""` for a quorum read, `"0"` for any cached version.
    pub resource_version: String,
}

impl GetOptions {
    pub(crate) fn apply(&self, r: Request) -> Request {
        if self.resource_version.is_empty() {
            r
        } else {
            r.param("resourceVersion", &self.resource_version)
        }
    }
}

/// Options of `create`, `update` and `update_status`. Mirrors `metav1.CreateOptions`/`UpdateOptions`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteOptions {
    /// `dryRun=All`: validate without persisting.
    pub dry_run: bool,
    /// `fieldManager`: the name recorded in managedFields.
    pub field_manager: String,
}

/// Options of `create`. Mirrors `metav1.CreateOptions`.
pub type CreateOptions = WriteOptions;
/// Options of `update`. Mirrors `metav1.UpdateOptions`.
pub type UpdateOptions = WriteOptions;
/// Options of `patch` (the field manager of an apply patch comes from [`PatchType::Apply`]).
/// Mirrors `metav1.PatchOptions`.
pub type PatchOptions = WriteOptions;

impl WriteOptions {
    /// Sets the field manager.
    pub fn field_manager(mut self, name: impl Into<String>) -> Self {
        self.field_manager = name.into();
        self
    }

    pub(crate) fn apply(&self, mut r: Request) -> Request {
        if self.dry_run {
            r = r.param("dryRun", "All");
        }
        if !self.field_manager.is_empty() {
            r = r.param("fieldManager", &self.field_manager);
        }
        r
    }
}

/// The body of a DELETE (`metav1.DeleteOptions`) and its preconditions, defined in apimachinery
/// beside the other `meta/v1` types and re-exported here, where client-go users look for them.
pub use clientgo_apimachinery::{DeleteOptions, Preconditions};

/// How a patch body is interpreted. Mirrors apimachinery `types.PatchType`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatchType {
    /// RFC 6902 JSON Patch: a list of operations (`application/json-patch+json`).
    Json,
    /// RFC 7386 JSON Merge Patch (`application/merge-patch+json`): `null` deletes, arrays replace.
    Merge,
    /// Kubernetes strategic merge patch (`application/strategic-merge-patch+json`), kubectl's default.
    StrategicMerge,
    /// Server-side apply (`application/apply-patch+yaml`); requires a field manager.
    Apply {
        /// The manager that owns the applied fields, e.g. the controller's name.
        field_manager: String,
        /// Take ownership of fields other managers own instead of failing with a conflict.
        force: bool,
    },
}

impl PatchType {
    /// A server-side apply patch owned by `field_manager`, without force.
    pub fn apply(field_manager: impl Into<String>) -> Self {
        PatchType::Apply {
            field_manager: field_manager.into(),
            force: false,
        }
    }

    /// The request's content type.
    pub fn content_type(&self) -> &'static str {
        match self {
            PatchType::Json => "application/json-patch+json",
            PatchType::Merge => "application/merge-patch+json",
            PatchType::StrategicMerge => "application/strategic-merge-patch+json",
            PatchType::Apply { .. } => "application/apply-patch+yaml",
        }
    }

    pub(crate) fn apply_params(&self, mut r: Request) -> Request {
        if let PatchType::Apply { field_manager, force } = self {
            r = r.param("fieldManager", field_manager);
            if *force {
                r = r.param("force", "true");
            }
        }
        r
    }
}
