//! File uploads (WIRE.md §1.7, §4.13): where the bytes live ([`BlobStore`]: [`LocalDisk`] or
//! [`S3Store`]), the upload-signature command `im_cos_msg.pre_sig`, and the HTTP routes the
//! official upload plugin talks to:
//!
//! - `PUT /uploads/<key>?token=<expires>-<hmac>`: the raw file bytes, no auth header. The token
//!   is an HMAC-SHA256 with the app's secret key over the app, the key and the expiry, so every
//!   node that serves the app accepts it and nothing else can be written with it.
//! - `GET /uploads/<key>`: the bytes with their content type. Keys hold 128 random bits, so the
//!   URL is the capability, as with COS download URLs written into messages.
//!
//! Keys are `<sdkappid>/<kind>/<32 hex random>/<file name reduced to [A-Za-z0-9._-]>`.

use axum::body::{Body, Bytes};
use axum::extract::{Path as AxPath, Query, State as AxState};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tim_proto::code;

use crate::api::reply::{fail, ok_with, Who};
use crate::config::{Config, UploadBackend};
use crate::{now, State};

/// Content type used when none (or an unusable one) is given.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// Longest key, in bytes.
pub const MAX_KEY_LEN: usize = 512;

/// A validated blob key: `/`-separated segments of `[A-Za-z0-9._-]`, none empty, none starting
/// with `.` (so no `.`/`..`, no hidden files), no leading `/`, at most [`MAX_KEY_LEN`] bytes.
/// The same key is a relative path on disk and an object name in a bucket.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobKey(String);

impl BlobKey {
    /// Validate `key`.
    pub fn parse(key: &str) -> Result<BlobKey, BlobError> {
        let bad = |why: &str| Err(BlobError::InvalidKey(format!("{why}: {:?}", truncate(key, 80))));
        if key.is_empty() || key.len() > MAX_KEY_LEN {
            return bad("key length must be 1 to 512 bytes");
        }
        for seg in key.split('/') {
            if seg.is_empty() {
                return bad("empty path segment (leading, trailing or double '/')");
            }
            if seg.starts_with('.') {
                return bad("a segment may not start with '.'");
            }
            if !seg.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) {
                return bad("only A-Z a-z 0-9 . _ - and '/' are allowed");
            }
        }
        Ok(BlobKey(key.to_string()))
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first segment (the app, for keys made by [`pre_sig`]).
    pub fn first_segment(&self) -> &str {
        self.0.split('/').next().unwrap_or("")
    }
}

impl std::fmt::Display for BlobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn truncate(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A blob store failure.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// No blob under this key.
    #[error("no such blob: {0}")]
    NotFound(String),
    /// The key is not a valid [`BlobKey`].
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// Local disk I/O failed.
    #[error("blob store I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The object store failed (network, credentials, bucket).
    #[error("object store: {0}")]
    Backend(String),
    /// The configuration is incomplete.
    #[error("uploads config: {0}")]
    Config(String),
}

/// A stored blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// The bytes.
    pub data: Bytes,
    /// Its content type.
    pub content_type: String,
}

/// Size and type of a stored blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobMeta {
    /// Size in bytes.
    pub size: u64,
    /// Its content type.
    pub content_type: String,
}

/// Where uploaded files live. Every node of a cluster must see the same store (S3, or one
/// shared directory), because the download may hit any node.
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Store `data` under `key` (replacing what was there), with its content type.
    async fn put(&self, key: &BlobKey, data: Bytes, content_type: &str) -> Result<(), BlobError>;
    /// The blob under `key`.
    async fn get(&self, key: &BlobKey) -> Result<Blob, BlobError>;
    /// Size and content type of the blob under `key`.
    async fn head(&self, key: &BlobKey) -> Result<BlobMeta, BlobError>;
    /// Remove the blob under `key`; removing a missing blob is not an error.
    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError>;
    /// A short description for logs (`local:/path`, `s3:bucket`).
    fn describe(&self) -> String;
}

/// A content type fit to store and to send back as a header: printable ASCII, at most 127
/// bytes, with a `/`. Anything else becomes [`DEFAULT_CONTENT_TYPE`].
pub fn clean_content_type(ct: Option<&str>) -> String {
    match ct.map(str::trim) {
        Some(c)
            if !c.is_empty()
                && c.len() <= 127
                && c.contains('/')
                && c.bytes().all(|b| b.is_ascii_graphic() || b == b' ') =>
        {
            c.to_string()
        }
        _ => DEFAULT_CONTENT_TYPE.to_string(),
    }
}

/// Files under a directory (`<data_dir>/uploads` by default). Each blob is the file at its key;
/// its content type sits beside it in `.<name>.type` (a name no key can have).
#[derive(Debug, Clone)]
pub struct LocalDisk {
    root: PathBuf,
}

impl LocalDisk {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> LocalDisk {
        LocalDisk { root: root.into() }
    }

    /// The root directory.
    pub fn root(&self) -> &std::path::Path {
        &self.root
    }

    /// (file, content-type sidecar) of a key. Keys are validated, so these stay under `root`.
    fn paths(&self, key: &BlobKey) -> (PathBuf, PathBuf) {
        let file = key.as_str().split('/').fold(self.root.clone(), |p, seg| p.join(seg));
        let name = key.as_str().rsplit('/').next().unwrap_or("");
        let meta = file.with_file_name(format!(".{name}.type"));
        (file, meta)
    }
}

fn not_found(key: &BlobKey) -> impl Fn(std::io::Error) -> BlobError + '_ {
    move |e| if e.kind() == std::io::ErrorKind::NotFound { BlobError::NotFound(key.to_string()) } else { e.into() }
}

#[async_trait::async_trait]
impl BlobStore for LocalDisk {
    async fn put(&self, key: &BlobKey, data: Bytes, content_type: &str) -> Result<(), BlobError> {
        let (file, meta) = self.paths(key);
        if let Some(dir) = file.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let name = key.as_str().rsplit('/').next().unwrap_or("");
        let tmp = file.with_file_name(format!(".{name}.tmp-{:016x}", rand::random::<u64>()));
        let ct = clean_content_type(Some(content_type));
        // Write aside, then rename: a reader sees the old blob or the new one, never a part.
        let written = async {
            tokio::fs::write(&tmp, &data).await?;
            tokio::fs::write(&meta, ct.as_bytes()).await?;
            tokio::fs::rename(&tmp, &file).await
        }
        .await;
        if written.is_err() {
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        Ok(written?)
    }

    async fn get(&self, key: &BlobKey) -> Result<Blob, BlobError> {
        let (file, meta) = self.paths(key);
        let data = tokio::fs::read(&file).await.map_err(not_found(key))?;
        let ct = tokio::fs::read_to_string(&meta).await.ok();
        Ok(Blob { data: data.into(), content_type: clean_content_type(ct.as_deref()) })
    }

    async fn head(&self, key: &BlobKey) -> Result<BlobMeta, BlobError> {
        let (file, meta) = self.paths(key);
        let m = tokio::fs::metadata(&file).await.map_err(not_found(key))?;
        if !m.is_file() {
            return Err(BlobError::NotFound(key.to_string()));
        }
        let ct = tokio::fs::read_to_string(&meta).await.ok();
        Ok(BlobMeta { size: m.len(), content_type: clean_content_type(ct.as_deref()) })
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        let (file, meta) = self.paths(key);
        for p in [file, meta] {
            match tokio::fs::remove_file(&p).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!("local:{}", self.root.display())
    }
}

/// S3-compatible object storage through the `object_store` crate.
#[derive(Debug)]
pub struct S3Store {
    store: object_store::aws::AmazonS3,
    bucket: String,
}

/// Settings of an [`S3Store`].
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    /// Bucket (must exist).
    pub bucket: String,
    /// Endpoint of an S3-compatible server; `None` for AWS.
    pub endpoint: Option<String>,
    /// Region (default `us-east-1`).
    pub region: Option<String>,
    /// Access key id.
    pub access_key_id: Option<String>,
    /// Secret access key.
    pub secret_access_key: Option<String>,
    /// Allow `http://` endpoints.
    pub allow_http: bool,
}

impl S3Store {
    /// Build the client (no request is made yet).
    pub fn new(s: &S3Settings) -> Result<S3Store, BlobError> {
        if s.bucket.is_empty() {
            return Err(BlobError::Config("s3_bucket is required for backend = \"s3\"".into()));
        }
        let mut b = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&s.bucket)
            .with_region(s.region.clone().unwrap_or_else(|| "us-east-1".into()))
            .with_allow_http(s.allow_http);
        if let Some(e) = &s.endpoint {
            // S3-compatible servers are addressed path-style (`<endpoint>/<bucket>/<key>`).
            b = b.with_endpoint(e).with_virtual_hosted_style_request(false);
        }
        if let Some(k) = &s.access_key_id {
            b = b.with_access_key_id(k);
        }
        if let Some(k) = &s.secret_access_key {
            b = b.with_secret_access_key(k);
        }
        let store = b.build().map_err(|e| BlobError::Config(e.to_string()))?;
        Ok(S3Store { store, bucket: s.bucket.clone() })
    }

    fn path(key: &BlobKey) -> Result<object_store::path::Path, BlobError> {
        object_store::path::Path::parse(key.as_str()).map_err(|e| BlobError::InvalidKey(e.to_string()))
    }
}

fn backend(key: &BlobKey) -> impl Fn(object_store::Error) -> BlobError + '_ {
    move |e| match e {
        object_store::Error::NotFound { .. } => BlobError::NotFound(key.to_string()),
        e => BlobError::Backend(e.to_string()),
    }
}

fn content_type_of(attrs: &object_store::Attributes) -> String {
    clean_content_type(attrs.get(&object_store::Attribute::ContentType).map(|v| v.as_ref()))
}

#[async_trait::async_trait]
impl BlobStore for S3Store {
    async fn put(&self, key: &BlobKey, data: Bytes, content_type: &str) -> Result<(), BlobError> {
        use object_store::ObjectStore;
        let mut attributes = object_store::Attributes::new();
        attributes.insert(object_store::Attribute::ContentType, clean_content_type(Some(content_type)).into());
        let opts = object_store::PutOptions { attributes, ..Default::default() };
        self.store.put_opts(&Self::path(key)?, data.into(), opts).await.map_err(backend(key))?;
        Ok(())
    }

    async fn get(&self, key: &BlobKey) -> Result<Blob, BlobError> {
        use object_store::ObjectStoreExt;
        let r = self.store.get(&Self::path(key)?).await.map_err(backend(key))?;
        let content_type = content_type_of(&r.attributes);
        let data = r.bytes().await.map_err(backend(key))?;
        Ok(Blob { data, content_type })
    }

    async fn head(&self, key: &BlobKey) -> Result<BlobMeta, BlobError> {
        use object_store::ObjectStore;
        let opts = object_store::GetOptions { head: true, ..Default::default() };
        let r = self.store.get_opts(&Self::path(key)?, opts).await.map_err(backend(key))?;
        Ok(BlobMeta { size: r.meta.size, content_type: content_type_of(&r.attributes) })
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        use object_store::ObjectStoreExt;
        match self.store.delete(&Self::path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(BlobError::Backend(e.to_string())),
        }
    }

    fn describe(&self) -> String {
        format!("s3:{}", self.bucket)
    }
}

/// The blob store `config.uploads` asks for.
pub fn open(config: &Config) -> Result<Arc<dyn BlobStore>, BlobError> {
    let u = &config.uploads;
    Ok(match u.backend {
        UploadBackend::Local => Arc::new(LocalDisk::new(config.data_dir.join("uploads"))),
        UploadBackend::S3 => Arc::new(S3Store::new(&S3Settings {
            bucket: u.s3_bucket.clone().unwrap_or_default(),
            endpoint: u.s3_endpoint.clone(),
            region: u.s3_region.clone(),
            access_key_id: u.s3_access_key_id.clone(),
            secret_access_key: u.s3_secret_access_key.clone(),
            allow_http: u.s3_allow_http,
        })?),
    })
}

// ---- upload URLs -------------------------------------------------------------------------------

fn token_mac(secret_key: &str, sdkappid: u64, key: &str, expires: u64) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret_key.as_bytes()).ok()?;
    mac.update(format!("tim-upload-v1\n{sdkappid}\n{key}\n{expires}").as_bytes());
    Some(mac)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// The upload token for `key`: `<expires>-<hex HMAC-SHA256(secret key, app, key, expires)>`.
pub fn upload_token(secret_key: &str, sdkappid: u64, key: &BlobKey, expires: u64) -> String {
    let sig = token_mac(secret_key, sdkappid, key.as_str(), expires).map(|m| hex(&m.finalize().into_bytes()));
    format!("{expires}-{}", sig.unwrap_or_default())
}

/// Whether `token` allows a `PUT` of `key` at time `now` (constant-time comparison).
pub fn verify_token(secret_key: &str, sdkappid: u64, key: &BlobKey, token: &str, now: u64) -> Result<(), &'static str> {
    let (exp, sig) = token.split_once('-').ok_or("malformed token")?;
    let expires: u64 = exp.parse().map_err(|_| "malformed token")?;
    let sig = unhex(sig).ok_or("malformed token")?;
    let mac = token_mac(secret_key, sdkappid, key.as_str(), expires).ok_or("bad key")?;
    mac.verify_slice(&sig).map_err(|_| "token does not match this upload")?;
    if now >= expires {
        return Err("upload URL expired");
    }
    Ok(())
}

/// `file_type` of `pre_sig` → the key's kind segment.
fn kind(file_type: u64) -> Option<&'static str> {
    Some(match file_type {
        1 => "image",
        2 => "video",
        3 => "audio",
        255 => "file",
        _ => return None,
    })
}

/// The client's file name reduced to a safe key segment: `[A-Za-z0-9._-]`, no leading `.`, at
/// most 64 bytes (the extension kept), `file` when nothing is left.
pub fn safe_name(name: &str) -> String {
    let mapped: String = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' })
        .collect();
    let trimmed = mapped.trim_start_matches('.');
    let mut out = if trimmed.len() > 64 {
        // Keep the extension (up to 16 bytes) and the start of the name.
        match trimmed.rfind('.') {
            Some(dot) if trimmed.len() - dot <= 16 => {
                let ext = &trimmed[dot..];
                format!("{}{ext}", &trimmed[..64 - ext.len()])
            }
            _ => trimmed[..64].to_string(),
        }
    } else {
        trimmed.to_string()
    };
    if out.is_empty() || out.chars().all(|c| c == '_') {
        out = "file".into();
    }
    out
}

/// The base URL of this server as the client reached it: `uploads.public_url`, else
/// `<X-Forwarded-Proto or http>://<X-Forwarded-Host or Host>` when those are sane.
pub fn origin(config: &Config, headers: &HeaderMap) -> Option<String> {
    if let Some(u) = config.uploads.public_url.as_deref().filter(|u| !u.is_empty()) {
        return Some(u.trim_end_matches('/').to_string());
    }
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty());
    let host = h("x-forwarded-host").or_else(|| h("host"))?;
    let host = host.split(',').next().unwrap_or("").trim();
    let sane = !host.is_empty()
        && host.len() <= 255
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']' | b'_'));
    if !sane {
        return None;
    }
    let proto = match h("x-forwarded-proto").map(|p| p.split(',').next().unwrap_or("").trim()) {
        Some("https") => "https",
        _ => "http",
    };
    Some(format!("{proto}://{host}"))
}

/// `im_cos_msg.pre_sig` (WIRE.md §4.13): a fresh key, its upload URL (with a token valid for
/// `min(Duration, url_ttl_secs)` seconds) and its download URL. `origin` is the server's base
/// URL as this client sees it ([`origin`]).
pub fn pre_sig(st: &State, who: &Who, body: &Value, origin: Option<&str>) -> Value {
    let sdkappid = match who {
        Who::User { sdkappid, .. } | Who::Admin { sdkappid, .. } => *sdkappid,
    };
    let Some(app) = st.app(sdkappid) else {
        return fail(code::INVALID_REQUEST, format!("SDKAppID {sdkappid} is not served")).into();
    };
    let Some(kind) = body["file_type"].as_u64().and_then(kind) else {
        return fail(code::INVALID_REQUEST, "file_type must be 1 (image), 2 (video), 3 (audio) or 255 (file)").into();
    };
    let Some(base) = origin.map(|o| o.trim_end_matches('/')).filter(|o| !o.is_empty()) else {
        return fail(code::INVALID_REQUEST, "the server does not know its URL: set uploads.public_url").into();
    };
    let name = safe_name(body["file_name"].as_str().unwrap_or(""));
    let max_ttl = st.config.uploads.url_ttl_secs.max(1);
    let ttl = body["Duration"].as_u64().filter(|d| *d > 0).unwrap_or(max_ttl).min(max_ttl);
    let key = match BlobKey::parse(&format!("{sdkappid}/{kind}/{:032x}/{name}", rand::random::<u128>())) {
        Ok(k) => k,
        Err(e) => return fail(code::INTERNAL_ERROR, e.to_string()).into(),
    };
    let expires = now().saturating_add(ttl);
    let token = upload_token(&app.secret_key, sdkappid, &key, expires);
    tracing::debug!(sdkappid, key = ?key, "upload signed");
    ok_with(json!({
        "upload_url": format!("{base}/uploads/{key}?token={token}"),
        "download_url": format!("{base}/uploads/{key}"),
        "expired_time": expires,
        "request_id": format!("{:032x}", rand::random::<u128>()),
    }))
}

// ---- HTTP routes -------------------------------------------------------------------------------

fn status(code: StatusCode, msg: impl Into<String>) -> Response {
    (code, msg.into()).into_response()
}

/// `PUT /uploads/{key}?token=…`: store the body under `key`.
pub async fn put_upload(
    AxState(st): AxState<Arc<State>>,
    AxPath(key): AxPath<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let key = match BlobKey::parse(&key) {
        Ok(k) => k,
        Err(e) => return status(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let app = key.first_segment().parse::<u64>().ok().and_then(|id| st.app(id));
    let Some(app) = app else {
        return status(StatusCode::FORBIDDEN, "not an upload key of an app served here");
    };
    let token = q.get("token").map(String::as_str).unwrap_or("");
    if let Err(why) = verify_token(&app.secret_key, app.sdkappid, &key, token, now()) {
        return status(StatusCode::FORBIDDEN, why);
    }
    let max = st.config.uploads.max_upload_bytes;
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max) {
        return status(StatusCode::PAYLOAD_TOO_LARGE, format!("uploads are limited to {max} bytes"));
    }
    let mut data = Vec::with_capacity(usize::try_from(declared.unwrap_or(0).min(max)).unwrap_or(0));
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => return status(StatusCode::BAD_REQUEST, format!("upload body: {e}")),
        };
        if u64::try_from(data.len() + chunk.len()).unwrap_or(u64::MAX) > max {
            return status(StatusCode::PAYLOAD_TOO_LARGE, format!("uploads are limited to {max} bytes"));
        }
        data.extend_from_slice(&chunk);
    }
    let ct = clean_content_type(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()));
    let size = data.len();
    match st.blobs.put(&key, data.into(), &ct).await {
        Ok(()) => {
            tracing::info!(sdkappid = app.sdkappid, key = ?key, size, "upload stored");
            StatusCode::OK.into_response()
        }
        Err(e) => {
            tracing::error!(%key, error = %e, "upload not stored");
            status(StatusCode::INTERNAL_SERVER_ERROR, "upload could not be stored")
        }
    }
}

/// `GET /uploads/{key}`: the stored bytes with their content type.
pub async fn get_upload(AxState(st): AxState<Arc<State>>, AxPath(key): AxPath<String>) -> Response {
    let key = match BlobKey::parse(&key) {
        Ok(k) => k,
        Err(e) => return status(StatusCode::BAD_REQUEST, e.to_string()),
    };
    match st.blobs.get(&key).await {
        Ok(blob) => {
            let ct = HeaderValue::from_str(&blob.content_type)
                .unwrap_or_else(|_| HeaderValue::from_static(DEFAULT_CONTENT_TYPE));
            (
                [
                    (header::CONTENT_TYPE, ct),
                    (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
                    // User content on the server's origin: never let it run as a page of ours.
                    (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox")),
                    (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
                ],
                blob.data,
            )
                .into_response()
        }
        Err(BlobError::NotFound(_)) => status(StatusCode::NOT_FOUND, "no such upload"),
        Err(e) => {
            tracing::error!(%key, error = %e, "upload not readable");
            status(StatusCode::INTERNAL_SERVER_ERROR, "upload could not be read")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        for ok in ["a", "1400000001/image/0a1b/photo.jpg", "x-y_z.1/2"] {
            assert!(BlobKey::parse(ok).is_ok(), "{ok}");
        }
        let long = "a".repeat(513);
        for bad in [
            "",
            "/abs",
            "a/",
            "a//b",
            "..",
            "a/../b",
            "./a",
            "a/.hidden",
            "a b",
            "a\\b",
            "a/%2e%2e",
            "ü",
            "a\0b",
            &long,
        ] {
            assert!(matches!(BlobKey::parse(bad), Err(BlobError::InvalidKey(_))), "{bad:?}");
        }
    }

    #[test]
    fn names_and_types() {
        assert_eq!(safe_name("0123abc-1.png"), "0123abc-1.png");
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\x\\évil name.txt"), "_vil_name.txt");
        assert_eq!(safe_name("..."), "file");
        assert_eq!(safe_name(""), "file");
        assert_eq!(safe_name("日本"), "file");
        let long = format!("{}.jpeg", "n".repeat(100));
        assert_eq!(safe_name(&long).len(), 64);
        assert!(safe_name(&long).ends_with(".jpeg"));
        assert_eq!(clean_content_type(Some("image/png")), "image/png");
        assert_eq!(clean_content_type(Some("text/plain\r\nX: y")), DEFAULT_CONTENT_TYPE);
        assert_eq!(clean_content_type(Some("png")), DEFAULT_CONTENT_TYPE);
        assert_eq!(clean_content_type(None), DEFAULT_CONTENT_TYPE);
    }

    #[test]
    fn tokens() {
        let key = BlobKey::parse("1400000001/file/ab/x.bin").expect("key");
        let other = BlobKey::parse("1400000001/file/ab/y.bin").expect("key");
        let t = upload_token("secret", 1_400_000_001, &key, 1000);
        assert_eq!(verify_token("secret", 1_400_000_001, &key, &t, 999), Ok(()));
        assert!(verify_token("secret", 1_400_000_001, &key, &t, 1000).is_err(), "expired");
        assert!(verify_token("secret", 1_400_000_001, &other, &t, 999).is_err(), "other key");
        assert!(verify_token("other", 1_400_000_001, &key, &t, 999).is_err(), "other secret");
        assert!(verify_token("secret", 1_400_000_002, &key, &t, 999).is_err(), "other app");
        let later = t.replacen("1000-", "2000-", 1);
        assert!(verify_token("secret", 1_400_000_001, &key, &later, 999).is_err(), "expiry is signed");
        for junk in ["", "-", "1000", "x-ab", "1000-zz", "1000-abc", "1000-é"] {
            assert!(verify_token("secret", 1_400_000_001, &key, junk, 0).is_err(), "{junk:?}");
        }
    }
}
