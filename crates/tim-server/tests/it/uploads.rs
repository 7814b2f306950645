//! Uploads (WIRE.md §1.7, §4.13): the `BlobStore` conformance suite on local disk and, when
//! `TIM_TEST_S3_ENDPOINT` + `TIM_TEST_S3_BUCKET` are set, on an S3-compatible server (in this
//! project's test setup that is moto_server — the S3-compatible test server of the PyPI package
//! `moto[server]` that `scripts/services.sh start` runs on loopback; a real HTTP peer speaking the
//! S3 REST API, reached through the same `object_store` client as AWS). Then the whole flow over
//! real HTTP + WebSocket: `pre_sig` on the socket, `PUT upload_url`, `GET download_url`; refusals;
//! and two cluster nodes sharing one blob store (with `TIM_TEST_REDIS_URL`).

use crate::common::*;
use serde_json::{json, Value};
use std::sync::Arc;
use tim_server::uploads::{BlobError, BlobKey, BlobStore, LocalDisk, S3Settings, S3Store};
use tim_server::{ClusterConfig, Config, ServerHandle, UploadBackend};

fn say(msg: &str) {
    // Straight to stderr: the test harness captures eprintln! of passing tests.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n!!! {msg} !!!");
}

/// (endpoint, bucket) of the S3-compatible test server, or a loud skip.
fn s3_env(test: &str) -> Option<(String, String)> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (get("TIM_TEST_S3_ENDPOINT"), get("TIM_TEST_S3_BUCKET")) {
        (Some(e), Some(b)) => Some((e, b)),
        _ => {
            say(&format!(
                "SKIPPED {test}: needs an S3-compatible server; set TIM_TEST_S3_ENDPOINT and TIM_TEST_S3_BUCKET \
                 (eval \"$(scripts/services.sh start)\" runs moto_server)"
            ));
            None
        }
    }
}

fn s3_settings(endpoint: &str, bucket: &str) -> S3Settings {
    S3Settings {
        bucket: bucket.into(),
        endpoint: Some(endpoint.into()),
        region: Some("us-east-1".into()),
        // moto accepts any credentials; requests are still SigV4-signed by object_store.
        access_key_id: Some("testing".into()),
        secret_access_key: Some("testing".into()),
        allow_http: true,
    }
}

fn with_s3(mut c: Config, endpoint: &str, bucket: &str) -> Config {
    c.uploads.backend = UploadBackend::S3;
    c.uploads.s3_bucket = Some(bucket.into());
    c.uploads.s3_endpoint = Some(endpoint.into());
    c.uploads.s3_access_key_id = Some("testing".into());
    c.uploads.s3_secret_access_key = Some("testing".into());
    c.uploads.s3_allow_http = true;
    c
}

fn key(k: &str) -> BlobKey {
    BlobKey::parse(k).unwrap()
}

/// What every `BlobStore` must do. Keys get a random prefix so runs never meet.
async fn conformance(store: &dyn BlobStore) {
    let p = format!("conf-{:016x}", rand::random::<u64>());
    let a = key(&format!("{p}/a/photo.jpg"));
    let b = key(&format!("{p}/b/empty"));
    let missing = key(&format!("{p}/nothing/here"));

    // Missing blobs are NotFound on get and head; deleting one is fine.
    assert!(matches!(store.get(&missing).await, Err(BlobError::NotFound(_))));
    assert!(matches!(store.head(&missing).await, Err(BlobError::NotFound(_))));
    store.delete(&missing).await.unwrap();

    // Exactly the bytes (every byte value), with the content type.
    let data: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    store.put(&a, data.clone().into(), "image/jpeg").await.unwrap();
    let got = store.get(&a).await.unwrap();
    assert_eq!(got.data.as_ref(), &data[..]);
    assert_eq!(got.content_type, "image/jpeg");
    let meta = store.head(&a).await.unwrap();
    assert_eq!((meta.size, meta.content_type.as_str()), (data.len() as u64, "image/jpeg"));

    // Empty blobs; an unusable content type is stored as application/octet-stream.
    store.put(&b, Vec::new().into(), "not a type\r\n").await.unwrap();
    let got = store.get(&b).await.unwrap();
    assert!(got.data.is_empty());
    assert_eq!(got.content_type, "application/octet-stream");
    assert_eq!(store.head(&b).await.unwrap().size, 0);

    // Replacing.
    store.put(&a, b"second".to_vec().into(), "text/plain").await.unwrap();
    let got = store.get(&a).await.unwrap();
    assert_eq!((got.data.as_ref(), got.content_type.as_str()), (&b"second"[..], "text/plain"));

    // Deleting one leaves the other.
    store.delete(&a).await.unwrap();
    assert!(matches!(store.get(&a).await, Err(BlobError::NotFound(_))));
    assert!(matches!(store.head(&a).await, Err(BlobError::NotFound(_))));
    assert!(store.get(&b).await.is_ok());
    store.delete(&b).await.unwrap();
    store.delete(&b).await.unwrap();

    // Concurrent writers to distinct keys.
    let keys: Vec<BlobKey> = (0..8).map(|i| key(&format!("{p}/many/{i}.bin"))).collect();
    let puts = keys.iter().enumerate().map(|(i, k)| store.put(k, vec![i as u8; 1000 + i].into(), "application/x-test"));
    for r in futures_util::future::join_all(puts).await {
        r.unwrap();
    }
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(store.get(k).await.unwrap().data.as_ref(), &vec![i as u8; 1000 + i][..]);
        store.delete(k).await.unwrap();
    }
}

#[tokio::test]
async fn blob_store_conformance_local_disk() {
    let dir = temp_dir();
    let root = dir.join("uploads");
    let store = LocalDisk::new(&root);
    conformance(&store).await;
    // Nothing was written outside the root, and no temporary file is left behind.
    let entries: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries, ["uploads"]);
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().to_string();
            assert!(!name.contains(".tmp-"), "temporary file left: {name}");
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            }
        }
    }
    // Traversal and odd keys never reach the disk: BlobKey refuses them.
    for bad in ["../x", "a/../../x", "/etc/passwd", "a/.type", "a\\..\\x", "a/b c", "a//b"] {
        assert!(matches!(BlobKey::parse(bad), Err(BlobError::InvalidKey(_))), "{bad}");
    }
}

#[tokio::test]
async fn blob_store_conformance_s3() {
    let Some((endpoint, bucket)) = s3_env("S3 conformance") else { return };
    let store = S3Store::new(&s3_settings(&endpoint, &bucket)).unwrap();
    conformance(&store).await;
    // A bucket that does not exist is an error, not a panic.
    let none = S3Store::new(&s3_settings(&endpoint, &format!("missing-{:08x}", rand::random::<u32>()))).unwrap();
    assert!(none.put(&key("x/y"), b"z".to_vec().into(), "text/plain").await.is_err());
    assert!(S3Store::new(&S3Settings::default()).is_err(), "a bucket is required");
}

fn presig_body(file_type: u64, name: &str) -> Value {
    json!({"file_type": file_type, "file_name": name, "upload_method": 0, "Duration": 900})
}

/// pre_sig as the SDK sends it: identifier + usersig in the head, no a2.
async fn pre_sig(c: &mut Client, user: &str, file_type: u64, name: &str) -> Value {
    let rep = c.call_with_usersig("im_cos_msg.pre_sig", user, &sig(user), presig_body(file_type, name)).await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    rep
}

async fn put(url: &str, content_type: &str, body: &[u8]) -> HttpResponse {
    let (host, target) = split_url(url);
    http_bytes(&host, "PUT", &target, &[("Content-Type", content_type)], body, false).await
}

/// A PUT head announcing `len` bytes, no body sent: the status the server answers with.
async fn head_only_put(addr: &str, target: &str, len: usize) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("PUT {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 1024];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), s.read(&mut buf)).await.unwrap().unwrap();
    let text = String::from_utf8_lossy(&buf[..n]).to_string();
    text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

async fn get(url: &str) -> HttpResponse {
    let (host, target) = split_url(url);
    http_bytes(&host, "GET", &target, &[], &[], false).await
}

/// The whole flow against one server, whatever its blob store.
async fn upload_flow(server: &ServerHandle, max: usize) {
    let user = format!("uploader-{:08x}", rand::random::<u32>());
    // Before login (no a2 at all) …
    let mut c = Client::connect(server, "up-web").await;
    let rep = pre_sig(&mut c, &user, 1, "0123456789abcdef0123456789abcdef-1.png").await;
    let up = rep["upload_url"].as_str().unwrap().to_string();
    let down = rep["download_url"].as_str().unwrap().to_string();
    let addr = server.local_addr().to_string();
    assert!(up.starts_with(&format!("http://{addr}/uploads/{APP}/image/")), "{up}");
    assert!(up.starts_with(&format!("{down}?token=")), "{up} vs {down}");
    assert!(down.ends_with("/0123456789abcdef0123456789abcdef-1.png"), "{down}");
    assert!(rep["expired_time"].as_u64().unwrap() > tim_server::now());
    assert!(rep["expired_time"].as_u64().unwrap() <= tim_server::now() + 900);
    assert!(!rep["request_id"].as_str().unwrap().is_empty());

    // Not uploaded yet.
    assert_eq!(get(&down).await.status, 404);
    // The bytes go up and come back exactly, with their type.
    let data: Vec<u8> = (0..max as u32).map(|i| (i * 7 % 256) as u8).collect();
    let r = put(&up, "image/png", &data).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = get(&down).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, data);
    assert_eq!(r.header("content-type"), Some("image/png"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));

    // … and when logged in (the SDK still sends identifier + usersig, no a2).
    c.login(&user).await;
    let rep = pre_sig(&mut c, &user, 255, "../../etc/pass wd.txt").await;
    let up2 = rep["upload_url"].as_str().unwrap().to_string();
    let down2 = rep["download_url"].as_str().unwrap().to_string();
    assert!(down2.contains(&format!("/uploads/{APP}/file/")), "{down2}");
    assert!(down2.ends_with("/pass_wd.txt"), "the client's name is reduced to a safe segment: {down2}");
    assert_ne!(down, down2, "every pre_sig gets a fresh key");

    // Refusals.
    let (_, target) = split_url(&up2);
    let bad_token = format!("{}?token={}", target.split('?').next().unwrap(), "1-00");
    let r = http_bytes(&addr, "PUT", &bad_token, &[], b"x", false).await;
    assert_eq!(r.status, 403, "forged token");
    let no_token = target.split('?').next().unwrap().to_string();
    assert_eq!(http_bytes(&addr, "PUT", &no_token, &[], b"x", false).await.status, 403, "no token");
    // A valid token of another key does not open this one.
    let token1 = up.split_once("?token=").unwrap().1;
    assert_eq!(http_bytes(&addr, "PUT", &format!("{no_token}?token={token1}"), &[], b"x", false).await.status, 403);
    // An expired token (signed right, in the past).
    let k2 = BlobKey::parse(no_token.strip_prefix("/uploads/").unwrap()).unwrap();
    let old = tim_server::uploads::upload_token(KEY, APP, &k2, tim_server::now() - 1);
    assert_eq!(http_bytes(&addr, "PUT", &format!("{no_token}?token={old}"), &[], b"x", false).await.status, 403);
    // Too big: refused on the Content-Length alone (before any body byte), and streamed
    // (chunked) without one.
    let (_, t2) = split_url(&up2);
    assert_eq!(head_only_put(&addr, &t2, max + 1).await, 413);
    let big = vec![1u8; max + 1];
    assert_eq!(http_bytes(&addr, "PUT", &t2, &[], &big, true).await.status, 413, "chunked");
    assert_eq!(get(&down2).await.status, 404, "nothing stored by refused uploads");
    // Traversal and odd keys.
    for target in [
        format!("/uploads/{APP}/..%2F..%2F..%2Fetc%2Fpasswd?token={token1}"),
        format!("/uploads/{APP}/file/%2e%2e/x?token={token1}"),
        "/uploads/..%2FCargo.toml".to_string(),
        format!("/uploads/{APP}/a%20b"),
        format!("/uploads/{APP}//x"),
    ] {
        let r = http_bytes(&addr, "PUT", &target, &[], b"x", false).await;
        assert_eq!(r.status, 400, "PUT {target}: {}", String::from_utf8_lossy(&r.body));
        let r = http_bytes(&addr, "GET", &target, &[], &[], false).await;
        assert_eq!(r.status, 400, "GET {target}");
    }
    // A key of an app this server does not serve.
    assert_eq!(http_bytes(&addr, "PUT", "/uploads/999/file/x?token=1-00", &[], b"x", false).await.status, 403);

    // The valid upload still works after all that, streamed (chunked), and an empty type.
    let small = b"hello, file".to_vec();
    let r = http_bytes(&addr, "PUT", &t2, &[], &small, true).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = get(&down2).await;
    assert_eq!((r.status, &r.body), (200, &small));
    assert_eq!(r.header("content-type"), Some("application/octet-stream"));

    // Bad requests on the socket get errors, not crashes.
    let rep = c.call_with_usersig("im_cos_msg.pre_sig", &user, &sig(&user), presig_body(7, "x")).await;
    assert_ne!(rep["ErrorCode"], 0, "{rep}");
    let rep = c.call_with_usersig("im_cos_msg.pre_sig", &user, &sig(&user), json!({"file_type": "1"})).await;
    assert_ne!(rep["ErrorCode"], 0, "{rep}");
    let mut anon = Client::connect(server, "anon").await;
    let rep = anon.call_with_usersig("im_cos_msg.pre_sig", &user, "forged", presig_body(1, "x")).await;
    assert_eq!(rep["ErrorCode"], 70001, "{rep}");
}

#[tokio::test]
async fn upload_flow_local_disk() {
    let max = 64 * 1024;
    let mut c = config();
    c.uploads.max_upload_bytes = max as u64;
    let data_dir = c.data_dir.clone();
    let server = start_with(c).await;
    upload_flow(&server, max).await;
    assert!(data_dir.join("uploads").join(APP.to_string()).is_dir(), "files under <data_dir>/uploads/<app>");

    // REST: the admin may sign too; public_url unset → the Host header's origin.
    let rep = rest(&server, "im_cos_msg/pre_sig", &presig_body(2, "clip.mp4")).await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    assert!(rep["download_url"].as_str().unwrap().starts_with(&format!("http://localhost/uploads/{APP}/video/")));
    server.shutdown().await;

    // public_url wins over the Host header.
    let mut c = config();
    c.uploads.public_url = Some("https://im.example.com/".into());
    let server = start_with(c).await;
    let mut cl = Client::connect(&server, "pub").await;
    let rep = pre_sig(&mut cl, "pat", 3, "voice.m4a").await;
    assert!(rep["upload_url"].as_str().unwrap().starts_with(&format!("https://im.example.com/uploads/{APP}/audio/")));
    server.shutdown().await;
}

#[tokio::test]
async fn upload_flow_s3() {
    let Some((endpoint, bucket)) = s3_env("upload flow on S3") else { return };
    let max = 64 * 1024;
    let mut c = with_s3(config(), &endpoint, &bucket);
    c.uploads.max_upload_bytes = max as u64;
    let data_dir = c.data_dir.clone();
    let server = start_with(c).await;
    upload_flow(&server, max).await;
    assert!(!data_dir.join("uploads").exists(), "nothing on local disk with backend = s3");
    server.shutdown().await;
}

#[tokio::test]
async fn bad_uploads_config_refuses_to_start() {
    let mut c = config();
    c.uploads.backend = UploadBackend::S3;
    ensure_database(&c).await;
    let err = tim_server::Server::start(c).await.err().expect("s3 without a bucket is refused");
    assert!(err.to_string().contains("s3_bucket"), "{err}");
}

fn redis_url() -> Option<String> {
    match std::env::var("TIM_TEST_REDIS_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            say("SKIPPED cluster upload test: needs TIM_TEST_REDIS_URL (eval \"$(scripts/services.sh start)\")");
            None
        }
    }
}

fn node(base: &Config, url: &str, name: &str) -> Config {
    Config {
        cluster: ClusterConfig {
            redis_url: Some(url.into()),
            node_id: Some(format!("{name}-{:08x}", rand::random::<u32>())),
            presence_ttl_secs: 5,
            heartbeat_secs: 1,
        },
        ..base.clone()
    }
}

/// Upload through node 1, download from node 2 (and the other way round with node 1's token):
/// both nodes use one blob store — a shared data dir, and the S3 bucket when available.
async fn cross_node(base: Config, url: &str) {
    let n1 = start_with(node(&base, url, "u1")).await;
    let n2 = start_with(node(&base, url, "u2")).await;
    let user = format!("x-{:08x}", rand::random::<u32>());
    let mut c = Client::connect(&n1, "x").await;
    c.login(&user).await;
    let rep = pre_sig(&mut c, &user, 1, "a.jpg").await;
    let (up, down) = (rep["upload_url"].as_str().unwrap(), rep["download_url"].as_str().unwrap());
    let n1_addr = n1.local_addr().to_string();
    let n2_addr = n2.local_addr().to_string();
    let on_n2 = |u: &str| u.replacen(&n1_addr, &n2_addr, 1);
    let data = b"\x89PNG cross-node bytes".to_vec();
    assert_eq!(put(up, "image/jpeg", &data).await.status, 200);
    let r = get(&on_n2(down)).await;
    assert_eq!((r.status, &r.body), (200, &data), "node 2 serves node 1's upload");
    assert_eq!(r.header("content-type"), Some("image/jpeg"));
    // Node 1's upload URL is good on node 2 too (the token is the app's, not the node's).
    let rep = pre_sig(&mut c, &user, 255, "b.bin").await;
    let (up, down) = (rep["upload_url"].as_str().unwrap(), rep["download_url"].as_str().unwrap());
    assert_eq!(put(&on_n2(up), "application/zip", b"via node 2").await.status, 200);
    assert_eq!(get(down).await.body, b"via node 2");
    n1.shutdown().await;
    n2.shutdown().await;
}

#[tokio::test]
async fn cluster_upload_on_one_node_downloads_on_the_other() {
    let Some(url) = redis_url() else { return };
    // Local disk: both nodes share the data dir (in production: a shared mount).
    cross_node(config(), &url).await;
    if let Some((endpoint, bucket)) = s3_env("cluster upload on S3") {
        let base = with_s3(config(), &endpoint, &bucket);
        cross_node(base, &url).await;
    }
}

#[tokio::test]
async fn local_disk_is_shared_by_path_only() {
    // Two LocalDisk stores on one directory see each other's blobs (what a shared mount gives a
    // cluster); on different directories they do not.
    let dir = temp_dir();
    let (a, b, other) = (LocalDisk::new(&dir), LocalDisk::new(&dir), LocalDisk::new(temp_dir()));
    let stores: [Arc<dyn BlobStore>; 3] = [Arc::new(a), Arc::new(b), Arc::new(other)];
    stores[0].put(&key("s/k"), b"v".to_vec().into(), "text/plain").await.unwrap();
    assert_eq!(stores[1].get(&key("s/k")).await.unwrap().data.as_ref(), b"v");
    assert!(matches!(stores[2].get(&key("s/k")).await, Err(BlobError::NotFound(_))));
}
