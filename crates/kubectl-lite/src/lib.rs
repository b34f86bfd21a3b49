//! kubectl-lite: `apply -f`, `delete -f` and `get` for any kind, on clientgo.
//!
//! Port of the seed's cobra program (seed-inventory 5.14), behaving like kubectl where the seed was
//! wrong. Every document's `apiVersion`/`kind` is resolved through discovery ([`RestMapper`]), then
//! applied with the dynamic client using server-side apply. Successes go to stdout as they happen;
//! errors are collected and printed last on stderr in kubectl's words, and the exit code is 1. A
//! server that cannot be reached stops the command at once and is reported once, as kubectl's
//! `CheckErr` does (`The connection to the server HOST was refused - did you specify the right host
//! or port?`); errors kubectl has no words of its own for are printed with their causes.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod cli;
mod errors;
pub mod manifest;
pub mod rest_mapper;

use std::io::{Read, Write};
use std::time::Duration;

use clientgo_apimachinery::{ApiResource, DynamicObject, Object as _};
use clientgo_client::{
    DeleteOptions, DiscoveryClient, DynamicClient, GetOptions, ListOptions, PatchOptions, PatchType,
};
use clientgo_clientcmd::{ClientConfig, ConfigOverrides, LoadingRules};
use serde_json::Value;

use errors::{document_error, error_line, request_error, DocumentError};

pub use cli::{parse, Cli, Command, Parsed};
pub use rest_mapper::RestMapper;

/// How long to wait for a kind that a CRD applied earlier in the same run to appear in discovery.
const CRD_WAIT: Duration = Duration::from_secs(10);
const CRD_POLL: Duration = Duration::from_millis(100);

/// Runs a parsed command line; returns the exit code. Mirrors kubectl's `cmd.Run`.
pub async fn run(cli: &Cli, stdin: &mut dyn Read, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut errors = Vec::new();
    if let Err(e) = execute(cli, stdin, out, &mut errors).await {
        errors.push(e);
    }
    let _ = out.flush();
    for e in &errors {
        let _ = writeln!(err, "{e}");
    }
    i32::from(!errors.is_empty())
}

struct Ctx {
    dynamic: DynamicClient,
    mapper: RestMapper,
    namespace: String,
    namespace_explicit: bool,
}

fn connect(cli: &Cli) -> Result<Ctx, String> {
    let rules = match &cli.kubeconfig {
        Some(p) => LoadingRules::explicit(p),
        None => LoadingRules::from_env(),
    };
    let mut overrides = ConfigOverrides::default();
    if let Some(c) = &cli.context {
        overrides = overrides.context(c);
    }
    if let Some(n) = &cli.namespace {
        overrides = overrides.namespace(n);
    }
    let cc = ClientConfig::from_rules(&rules, overrides).map_err(|e| error_line(&e))?;
    let (namespace, _) = cc.namespace();
    let config = cc.client_config().map_err(|e| error_line(&e))?;
    let discovery = DiscoveryClient::new(&config).map_err(|e| error_line(&e))?;
    let dynamic = DynamicClient::new(&config).map_err(|e| error_line(&e))?;
    Ok(Ctx {
        dynamic,
        mapper: RestMapper::new(discovery),
        namespace,
        namespace_explicit: cli.namespace.is_some(),
    })
}

async fn execute(
    cli: &Cli,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    errors: &mut Vec<String>,
) -> Result<(), String> {
    let io = |e: std::io::Error| error_line(&e);
    match &cli.command {
        Command::Apply(a) => {
            let docs = manifest::read_all(&a.files.filename, stdin)?;
            let mut ctx = connect(cli)?;
            let patch = PatchType::Apply {
                field_manager: a.field_manager.clone(),
                force: a.force_conflicts,
            };
            // Groups of the CRDs applied so far in this run: their kinds may take a moment to appear.
            let mut crd_groups = std::collections::HashSet::new();
            for d in &docs {
                let group = api_group(d.object.get("apiVersion").and_then(Value::as_str));
                let wait = crd_groups.contains(group);
                match apply_one(&mut ctx, d, &patch, wait).await {
                    Ok(line) => writeln!(out, "{line}").map_err(io)?,
                    Err(DocumentError::Document(e)) => errors.push(e),
                    Err(DocumentError::Unreachable(e)) => return Err(e),
                }
                if kind_of(&d.object) == "CustomResourceDefinition" {
                    if let Some(g) = d.object.pointer("/spec/group").and_then(Value::as_str) {
                        crd_groups.insert(g.to_owned());
                    }
                }
            }
        }
        Command::Delete(f) => {
            let docs = manifest::read_all(&f.filename, stdin)?;
            let mut ctx = connect(cli)?;
            for d in &docs {
                match delete_one(&mut ctx, d).await {
                    Ok(line) => writeln!(out, "{line}").map_err(io)?,
                    Err(DocumentError::Document(e)) => errors.push(e),
                    Err(DocumentError::Unreachable(e)) => return Err(e),
                }
            }
        }
        Command::Get(g) => {
            let ctx = connect(cli)?;
            let text = get(&ctx, g).await?;
            out.write_all(text.as_bytes()).map_err(io)?;
        }
    }
    Ok(())
}

/// The group of an `apiVersion` (`""` for `v1`).
fn api_group(api_version: Option<&str>) -> &str {
    api_version
        .and_then(|v| v.rsplit_once('/'))
        .map_or("", |(g, _)| g)
}

fn kind_of(v: &Value) -> &str {
    v.get("kind").and_then(Value::as_str).unwrap_or("")
}

fn name_of(v: &Value) -> &str {
    v.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("")
}

/// `service` or `deployment.apps`, as kubectl prints resources.
fn display_kind(r: &ApiResource) -> String {
    let kind = r.kind.to_ascii_lowercase();
    if r.group.is_empty() {
        kind
    } else {
        format!("{kind}.{}", r.group)
    }
}

/// Resolves a document to its resource and target namespace.
async fn map(
    ctx: &mut Ctx,
    d: &Document,
    wait_for_crd: bool,
) -> Result<(ApiResource, Option<String>), DocumentError> {
    let api_version = d.object.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = kind_of(&d.object);
    let name = name_of(&d.object);
    if api_version.is_empty() || kind.is_empty() {
        return Err(DocumentError::Document(format!(
            "error: error validating \"{}\": error validating data: [apiVersion not set, kind not set]",
            d.source
        )));
    }
    if name.is_empty() {
        return Err(DocumentError::Document(format!(
            "error: error when retrieving current configuration of:\nResource: \"{api_version}, Kind={kind}\"\nfrom server for: \"{}\": resource name may not be empty",
            d.source
        )));
    }
    let started = tokio::time::Instant::now();
    let resource = loop {
        let found = ctx
            .mapper
            .kind_for(api_version, kind)
            .await
            .map_err(|e| document_error(&e, "mapping", &d.source))?;
        match found {
            Some(r) => break r,
            // A CRD applied earlier in this run may not be served yet: the real server establishes
            // it asynchronously, so ask discovery again until it shows the kind.
            None if wait_for_crd && started.elapsed() < CRD_WAIT => {
                ctx.mapper.forget(api_version);
                tokio::time::sleep(CRD_POLL).await;
            }
            None => {
                let ns = d
                    .object
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                return Err(DocumentError::Document(format!(
                    "error: resource mapping not found for name: \"{name}\" namespace: \"{ns}\" from \"{}\": no matches for kind \"{kind}\" in version \"{api_version}\"\nensure CRDs are installed first",
                    d.source
                )));
            }
        }
    };
    let namespace = if resource.namespaced {
        let in_doc = d.object.pointer("/metadata/namespace").and_then(Value::as_str);
        match in_doc {
            Some(ns) if ctx.namespace_explicit && ns != ctx.namespace => {
                return Err(DocumentError::Document(format!(
                    "error: the namespace from the provided object \"{ns}\" does not match the namespace \"{}\". You must pass '--namespace={ns}' to perform this operation.",
                    ctx.namespace
                )));
            }
            Some(ns) => Some(ns.to_owned()),
            None => Some(ctx.namespace.clone()),
        }
    } else {
        None
    };
    Ok((resource, namespace))
}

use manifest::Document;

async fn apply_one(
    ctx: &mut Ctx,
    d: &Document,
    patch: &PatchType,
    wait_for_crd: bool,
) -> Result<String, DocumentError> {
    let (resource, namespace) = map(ctx, d, wait_for_crd).await?;
    let name = name_of(&d.object);
    let mut body = d.object.clone();
    if let (Some(ns), Some(meta)) = (
        &namespace,
        body.get_mut("metadata").and_then(Value::as_object_mut),
    ) {
        meta.insert("namespace".into(), Value::String(ns.clone()));
    }
    let client = ctx.dynamic.resource(&resource, namespace.as_deref());
    let before = match client.get(name, &GetOptions::default()).await {
        Ok(o) => Some(o.resource_version().to_owned()),
        Err(e) if e.is_not_found() => None,
        Err(e) => {
            return Err(document_error(
                &e,
                "retrieving current configuration of",
                &d.source,
            ))
        }
    };
    let mut attempt = 0;
    let after: DynamicObject = loop {
        match client.patch(name, patch, &body, &PatchOptions::default()).await {
            Ok(o) => break o,
            // Right after a CRD is created the real server may answer 404 or 429 for its objects.
            Err(e)
                if wait_for_crd
                    && attempt < 50
                    && e.api_error()
                        .is_some_and(|a| a.code() == 404 || a.is_too_many_requests()) =>
            {
                attempt += 1;
                tokio::time::sleep(CRD_POLL).await;
            }
            Err(e) => return Err(document_error(&e, "applying", &d.source)),
        }
    };
    let status = match before {
        None => "created",
        Some(rv) if rv == after.resource_version() => "unchanged",
        Some(_) => "configured",
    };
    Ok(format!("{}/{name} {status}", display_kind(&resource)))
}

async fn delete_one(ctx: &mut Ctx, d: &Document) -> Result<String, DocumentError> {
    let (resource, namespace) = map(ctx, d, false).await?;
    let name = name_of(&d.object);
    let client = ctx.dynamic.resource(&resource, namespace.as_deref());
    client
        .delete(name, &DeleteOptions::default())
        .await
        .map_err(|e| document_error(&e, "deleting", &d.source))?;
    Ok(format!("{} \"{name}\" deleted", display_kind(&resource)))
}

async fn get(ctx: &Ctx, g: &cli::GetArgs) -> Result<String, String> {
    let typed = g.kind.as_deref().unwrap_or_default();
    let resource = ctx
        .mapper
        .resource_for(typed)
        .await
        .map_err(|e| request_error(&e))?
        .ok_or_else(|| format!("error: the server doesn't have a resource type \"{typed}\""))?;
    let namespace = resource.namespaced.then_some(ctx.namespace.as_str());
    let client = ctx.dynamic.resource(&resource, namespace);
    let items: Vec<DynamicObject> = match &g.name {
        Some(n) => vec![client
            .get(n, &GetOptions::default())
            .await
            .map_err(|e| request_error(&e))?],
        None => {
            client
                .list(&ListOptions::default())
                .await
                .map_err(|e| request_error(&e))?
                .items
        }
    };
    let kind = display_kind(&resource);
    let value = |o: &DynamicObject| serde_json::to_value(o).unwrap_or(Value::Null);
    let doc = if g.name.is_some() && items.len() == 1 {
        items.first().map(value).unwrap_or(Value::Null)
    } else {
        serde_json::json!({
            "apiVersion": "v1",
            "kind": "List",
            "metadata": { "resourceVersion": "" },
            "items": items.iter().map(value).collect::<Vec<_>>(),
        })
    };
    Ok(match g.output.as_deref() {
        Some("json") => {
            let mut s = serde_json::to_string_pretty(&doc).map_err(|e| error_line(&e))?;
            s.push('\n');
            s
        }
        Some("yaml") => serde_yaml::to_string(&doc).map_err(|e| error_line(&e))?,
        Some("name") => items.iter().map(|o| format!("{kind}/{}\n", o.name())).collect(),
        _ if items.is_empty() => match namespace {
            Some(ns) => format!("No resources found in {ns} namespace.\n"),
            None => "No resources found\n".to_owned(),
        },
        _ => {
            let width = items.iter().map(|o| o.name().len()).max().unwrap_or(0).max(4);
            let mut s = format!("{:<width$}   RESOURCEVERSION\n", "NAME");
            for o in &items {
                s.push_str(&format!("{:<width$}   {}\n", o.name(), o.resource_version()));
            }
            s
        }
    })
}
