//! Cluster mode against a real Redis: two nodes share one storage (a SQLite data dir, or one
//! PostgreSQL database when `TIM_TEST_POSTGRES_URL` is set) and one Redis
//! (`TIM_TEST_REDIS_URL`, e.g. `redis://127.0.0.1:6390`). Without it every test is skipped with a
//! loud message. Users get a random suffix, so parallel tests and leftovers in Redis never meet.

use crate::common::*;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tim_server::{ClusterConfig, Config, ServerHandle, Storage};

const CONCURRENT: u64 = 25;
const WAIT: Duration = Duration::from_secs(3);

fn redis_url() -> Option<String> {
    match std::env::var("TIM_TEST_REDIS_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            // Straight to stderr: the test harness captures eprintln! of passing tests.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n!!! SKIPPED: cluster test needs a Redis; set TIM_TEST_REDIS_URL=redis://127.0.0.1:6390 \
                 (redis-server --port 6390 --save '' --daemonize yes --bind 127.0.0.1) !!!"
            );
            None
        }
    }
}

fn uniq(name: &str) -> String {
    format!("{name}-{:08x}", rand::random::<u32>())
}

fn node_config(base: &Config, url: &str, node: &str) -> Config {
    Config {
        cluster: ClusterConfig {
            redis_url: Some(url.into()),
            node_id: Some(format!("{node}-{:08x}", rand::random::<u32>())),
            presence_ttl_secs: 5,
            heartbeat_secs: 1,
        },
        ..base.clone()
    }
}

/// Two in-process nodes on one data dir and one Redis.
async fn pair() -> Option<(ServerHandle, ServerHandle)> {
    let url = redis_url()?;
    let base = config();
    let n1 = start_with(node_config(&base, &url, "n1")).await;
    let n2 = start_with(node_config(&base, &url, "n2")).await;
    assert_ne!(n1.node_id(), n2.node_id());
    // A third node with node 1's id is refused (it would never deliver to node 1's sessions).
    let mut twin = node_config(&base, &url, "n1");
    twin.cluster.node_id = n1.node_id().map(str::to_string);
    let err = tim_server::Server::start(twin).await.err().expect("duplicate node id refused");
    assert!(err.to_string().contains("used by another running node"), "{err}");
    Some((n1, n2))
}

fn push_event(f: &tim_proto::Frame) -> &Value {
    &f.body["EventArray"][0]
}

/// The next C2C message push (skipping other pushes).
async fn next_msg(c: &mut Client) -> Value {
    loop {
        let f = c.push(WAIT).await.expect("a message push");
        if push_event(&f)["Event"] == 1 {
            return pushed_c2c(&f);
        }
    }
}

#[tokio::test]
async fn live_messages_and_sync_copies_cross_nodes() {
    let Some((n1, n2)) = pair().await else { return };
    let (alice, bob) = (uniq("alice"), uniq("bob"));
    let mut a1 = Client::connect(&n1, "a-web").await;
    a1.login(&alice).await;
    // Alice's second session on node 2, on another platform (not kicked).
    let mut a2 = Client::connect_url(&n2, "binfo", APP, "a-phone", 2).await;
    a2.login(&alice).await;
    let mut b2 = Client::connect(&n2, "b-web").await;
    b2.login(&bob).await;

    let r = a1.send_text(&bob, "hello from node 1", 1001, 1).await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    let m = next_msg(&mut b2).await;
    assert_eq!(texts(std::slice::from_ref(&m)), ["hello from node 1"]);
    assert_eq!(m["From_Account"], alice.as_str());
    assert_eq!(m["MsgKey"], r["MsgKey"]);
    // IsSyncMsg copy to alice's other session, on the other node, addresses from bob's side.
    let copy = next_msg(&mut a2).await;
    assert_eq!(copy["IsSyncMsg"], 1, "{copy}");
    assert_eq!(
        (copy["From_Account"].as_str(), copy["To_Account"].as_str()),
        (Some(bob.as_str()), Some(alice.as_str()))
    );

    let r = b2.send_text(&alice, "hello from node 2", 2001, 2).await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    // Both of alice's sessions get it: node 1 over Redis, node 2 locally.
    assert_eq!(texts(&[next_msg(&mut a1).await]), ["hello from node 2"]);
    assert_eq!(texts(&[next_msg(&mut a2).await]), ["hello from node 2"]);
    a1.no_push(Duration::from_millis(300)).await;

    // Read receipt from node 1 reaches bob on node 2; profile change reaches alice's node 2 session.
    let rep = a1
        .call(
            "openim.msgreaded",
            json!({"C2CMsgReaded":{"Cookie":"","C2CMsgReadedItem":[{"To_Account": bob, "LastedMsgTime": 0, "Receipt": 1}]}}),
        )
        .await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    let f = b2.push(WAIT).await.expect("read receipt");
    assert!(push_event(&f)["C2cNotifyMsgArray"][0]["C2cReadedReceipt"].is_object(), "{}", f.to_json());
    let f = a2.push(WAIT).await.expect("read sync");
    assert!(push_event(&f)["C2cNotifyMsgArray"][0]["ReadC2cMsgNotify"].is_object(), "{}", f.to_json());
    let rep =
        a1.call("profile.portrait_set", json!({"ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"Alice"}]})).await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    let f = a2.push(WAIT).await.expect("profile push");
    assert_eq!(push_event(&f)["ProfileDataMod"][0]["Profile_Account"], alice.as_str(), "{}", f.to_json());

    // Both nodes see the same stream (from position 0: an empty cookie would bring only what
    // is unread).
    let (h1, _) = a1.getmsg_all("0:0").await;
    let (h2, _) = b2.getmsg_all("0:0").await;
    assert_eq!(texts(&h1), ["hello from node 1", "hello from node 2"]);
    assert_eq!(texts(&h1), texts(&h2));

    // Graceful shutdown withdraws the node's presence entries.
    let url = redis_url().unwrap();
    let n1_id = n1.node_id().unwrap().to_string();
    let key = format!("tim:presence:{APP}:{alice}");
    assert!(presence_fields(&url, &key).await.iter().any(|f| f.starts_with(&format!("{n1_id}/"))));
    n1.shutdown().await;
    let left = presence_fields(&url, &key).await;
    assert!(!left.iter().any(|f| f.starts_with(&format!("{n1_id}/"))), "{left:?}");
    assert_eq!(left.len(), 1, "alice's node 2 session stays: {left:?}");
    n2.shutdown().await;
    assert!(presence_fields(&url, &key).await.is_empty());
}

async fn presence_fields(url: &str, key: &str) -> Vec<String> {
    let client = redis::Client::open(url).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("HKEYS").arg(key).query_async(&mut c).await.unwrap()
}

#[tokio::test]
async fn second_login_on_other_node_kicks() {
    let Some((n1, n2)) = pair().await else { return };
    let alice = uniq("alice");
    let mut old = Client::connect(&n1, "inst-old").await;
    old.login(&alice).await;
    let old_a2 = old.a2.clone();
    let mut new = Client::connect(&n2, "inst-new").await;
    new.login(&alice).await;

    let f = old.push(WAIT).await.expect("kick push");
    let kick = &push_event(&f)["C2cNotifyMsgArray"][0]["KickoutMsgNotify"];
    assert_eq!(kick["KickType"], 1, "{}", f.to_json());
    let rep = old.call("im_open_status.wshello", json!({"is_web_uniapp":0})).await;
    assert_eq!(rep["ErrorCode"], 1002, "{rep}");
    assert_eq!(rep["KickType"], 1);
    // The kicked instance's A2 key is revoked: it cannot come back on any node.
    let mut again = Client::connect(&n2, "inst-old").await;
    let rep = again.relogin_a2(&old_a2, &old.tinyid).await;
    assert_eq!(rep["ErrorCode"], 70001, "{rep}");
    // The new instance stays.
    let rep = new.call("im_open_status.wshello", json!({"is_web_uniapp":0})).await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");

    // REST kick on node 1 reaches the session on node 2.
    let rep = rest(&n1, "im_open_login_svc/kick", &json!({"UserID": alice})).await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    let f = new.push(WAIT).await.expect("rest kick push");
    assert_eq!(push_event(&f)["C2cNotifyMsgArray"][0]["KickoutMsgNotify"]["KickType"], 3, "{}", f.to_json());
    n1.shutdown().await;
    n2.shutdown().await;
}

#[tokio::test]
async fn concurrent_sends_from_both_nodes_exactly_once() {
    let Some((n1, n2)) = pair().await else { return };
    let (carol, dave, erin) = (uniq("carol"), uniq("dave"), uniq("erin"));
    let mut c = Client::connect(&n1, "c").await;
    c.login(&carol).await;
    let mut d = Client::connect(&n1, "d").await;
    d.login(&dave).await;
    let mut e = Client::connect(&n2, "e").await;
    e.login(&erin).await;
    tokio::join!(send_all(&mut d, "d", &carol), send_all(&mut e, "e", &carol));

    // Live: every message pushed once (from node 1 locally, from node 2 over Redis).
    let mut live = Vec::new();
    while live.len() < 2 * CONCURRENT as usize {
        live.push(texts(&[next_msg(&mut c).await]).remove(0));
    }
    c.no_push(Duration::from_millis(300)).await;
    // Sync: every message exactly once, each sender's in order.
    let (all, _) = c.getmsg_all("").await;
    let got = texts(&all);
    assert_eq!(got.len(), 2 * CONCURRENT as usize, "{got:?}");
    let uniq_texts: HashSet<&String> = got.iter().collect();
    assert_eq!(uniq_texts.len(), got.len(), "duplicates in {got:?}");
    assert_eq!(live.iter().collect::<HashSet<_>>(), uniq_texts);
    for tag in ["d", "e"] {
        let order: Vec<&String> = got.iter().filter(|t| t.starts_with(tag)).collect();
        let want: Vec<String> = (0..CONCURRENT).map(|i| format!("{tag}{i}")).collect();
        assert_eq!(order, want.iter().collect::<Vec<_>>());
    }
    n1.shutdown().await;
    n2.shutdown().await;
}

async fn send_all(cl: &mut Client, tag: &str, to: &str) {
    for i in 0..CONCURRENT {
        let r = cl.send_text(to, &format!("{tag}{i}"), 5000 + i, 7).await;
        assert_eq!(r["ErrorCode"], 0, "{r}");
    }
}

/// A `tim-server` process; killed (SIGKILL) on drop.
struct Proc {
    child: Child,
    addr: String,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_node(config_file: &std::path::Path) -> Proc {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tim-server"))
        .args(["serve", "--config"])
        .arg(config_file)
        .env("RUST_LOG", "warn")
        .env_remove("TIM_REDIS_URL")
        .env_remove("TIM_NODE_ID")
        .env_remove("TIM_STORAGE")
        .env_remove("TIM_POSTGRES_URL")
        .env_remove("TIM_DATA_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("WebSocket: ws://") {
                let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
            }
        }
    });
    let addr = rx.recv_timeout(Duration::from_secs(20)).expect("tim-server did not start");
    Proc { child, addr }
}

/// Two `tim-server` processes, one killed with SIGKILL while messages flow. With
/// `TIM_TEST_POSTGRES_URL` set they run the production cluster setup: one fresh PostgreSQL
/// database + Redis, each process with its own data dir (so nothing is shared through files);
/// without it they share a SQLite data dir + Redis.
#[tokio::test]
async fn node_killed_mid_stream_loses_nothing() {
    let Some(url) = redis_url() else { return };
    let dir = temp_dir();
    let base = backend_default();
    ensure_database(&base).await;
    let postgres = match (base.storage, &base.postgres_url) {
        (Storage::Postgres, Some(pg)) => Some(pg.clone()),
        _ => None,
    };
    let conf = |node: &str| {
        let p = dir.join(format!("{node}.toml"));
        let (data, storage) = match &postgres {
            Some(pg) => (
                dir.join(format!("data-{node}")),
                format!("storage = \"postgres\"\npostgres_url = {pg:?}\npostgres_pool_size = 4\n"),
            ),
            None => (dir.join("data"), String::new()),
        };
        let text = format!(
            "listen = \"127.0.0.1:0\"\ndata_dir = {data:?}\nkick_close_delay_ms = 100\n{storage}\
             [[apps]]\nsdkappid = {APP}\nsecret_key = \"{KEY}\"\n\
             [cluster]\nredis_url = \"{url}\"\nnode_id = \"{node}-{:08x}\"\npresence_ttl_secs = 3\nheartbeat_secs = 1\n",
            rand::random::<u32>()
        );
        std::fs::write(&p, text).unwrap();
        p
    };
    let node1 = spawn_node(&conf("p1"));
    let node2 = spawn_node(&conf("p2"));
    let (alice, bob) = (uniq("alice"), uniq("bob"));

    let mut b = Client::connect_addr(&node1.addr, "binfo", APP, "bob-web", 7).await;
    b.login(&bob).await;
    let (_, last) = b.getmsg_all("").await;
    let cookie = last["Cookie"].as_str().unwrap().to_string();
    let mut a = Client::connect_addr(&node2.addr, "binfo", APP, "alice-web", 7).await;
    a.login(&alice).await;

    const N: u64 = 30;
    let mut acked: Vec<String> = Vec::new();
    let mut live: Vec<String> = Vec::new();
    let mut node1 = Some(node1);
    for i in 0..N {
        let text = format!("m{i}");
        let r = a.send_text(&bob, &text, 7000 + i, 3).await;
        if r["ErrorCode"] == 0 {
            acked.push(text);
        }
        if i == N / 3 {
            drop(node1.take()); // kill -9
        }
        // Bob reads what reaches him while his node lives.
        while let Some(f) = b.recv(Duration::from_millis(20)).await {
            if push_event(&f)["Event"] == 1 {
                live.push(texts(&[pushed_c2c(&f)]).remove(0));
            }
        }
    }
    assert_eq!(acked.len(), N as usize, "node 2 kept acknowledging");
    assert!(!live.is_empty() && live.len() < acked.len(), "the kill happened mid-stream: {live:?}");

    // Bob reconnects to node 2 with his A2 key and resyncs from his cookie.
    let mut b2 = Client::connect_addr(&node2.addr, "binfo", APP, "bob-web", 7).await;
    let rep = b2.relogin_a2(&b.a2, &b.tinyid).await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    let (synced, _) = b2.getmsg_all(&cookie).await;
    let synced = texts(&synced);
    assert_eq!(synced, acked, "every acknowledged message exactly once, in order");
    // What came live before the kill is a prefix of the stream; a client deduplicates it by MsgKey.
    assert_eq!(live[..], acked[..live.len()]);

    // Bob is now live on node 2: the next message arrives as a push.
    let r = a.send_text(&bob, "after", 7999, 3).await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    assert_eq!(texts(&[next_msg(&mut b2).await]), ["after"]);
    drop(node2);
    if postgres.is_some() {
        for node in ["p1", "p2"] {
            let sqlite = dir.join(format!("data-{node}")).join("tim.sqlite3");
            assert!(!sqlite.exists(), "{node} ran on PostgreSQL, not on {}", sqlite.display());
        }
    }
}

/// A private `redis-server` process on a free port; killed on drop.
struct OwnRedis {
    child: Child,
}

impl OwnRedis {
    fn start(port: u16) -> Option<OwnRedis> {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .ok()?;
        let r = OwnRedis { child };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(r);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Redis dies and comes back (empty) while both clients stay connected: the message sent
/// meanwhile is stored, its cross-node push is lost, and the receiver is told `Flag: 1` (sync
/// from your cookie) once Redis is back; live delivery resumes.
#[tokio::test]
async fn redis_restart_nudges_clients_to_resync() {
    if redis_url().is_none() {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let Some(redis) = OwnRedis::start(port) else {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "\n!!! SKIPPED redis_restart test: no redis-server binary in PATH !!!");
        return;
    };
    let url = format!("redis://127.0.0.1:{port}");
    let base = config();
    let n1 = start_with(node_config(&base, &url, "r1")).await;
    let n2 = start_with(node_config(&base, &url, "r2")).await;
    let (alice, bob) = (uniq("alice"), uniq("bob"));
    let mut a = Client::connect(&n1, "a").await;
    a.login(&alice).await;
    let mut b = Client::connect(&n2, "b").await;
    b.login(&bob).await;
    let (_, last) = b.getmsg_all("").await;
    let cookie = last["Cookie"].as_str().unwrap().to_string();
    a.send_text(&bob, "before", 1, 1).await;
    assert_eq!(texts(&[next_msg(&mut b).await]), ["before"]);

    drop(redis); // kill -9: presence and subscriptions are gone
    let r = a.send_text(&bob, "during", 2, 2).await;
    assert_eq!(r["ErrorCode"], 0, "sending works without Redis: {r}");
    let redis = OwnRedis::start(port).expect("redis restarts");

    // Bob's node resubscribes and nudges; alice's node nudges the users it could not reach.
    let f = loop {
        let f = b.push(Duration::from_secs(10)).await.expect("a Flag:1 nudge after Redis is back");
        if f.body["Flag"] == 1 {
            break f;
        }
        assert_ne!(push_event(&f)["Event"], 1, "the lost push cannot arrive: {}", f.to_json());
    };
    assert_eq!(f.head.servcmd, "im_open_push.msg_push");
    let (synced, _) = b.getmsg_all(&cookie).await;
    assert_eq!(texts(&synced), ["before", "during"]);

    // Presence is rebuilt: live cross-node delivery again (within a heartbeat or two).
    let mut live = false;
    for i in 0..20u64 {
        a.send_text(&bob, &format!("after{i}"), 10 + i, 3).await;
        if let Some(f) = b.push(Duration::from_millis(300)).await {
            if push_event(&f)["Event"] == 1 {
                live = true;
                break;
            }
        }
    }
    assert!(live, "live delivery resumed after the Redis restart");
    n1.shutdown().await;
    n2.shutdown().await;
    drop(redis);
}

/// The next group message push (Event 3), skipping other pushes.
async fn next_group_msg(c: &mut Client) -> Value {
    loop {
        let f = c.push(WAIT).await.expect("a group message push");
        if push_event(&f)["Event"] == 3 {
            return push_event(&f)["GroupMsgArray"][0].clone();
        }
    }
}

#[tokio::test]
async fn group_fan_out_reaches_every_node_once() {
    let Some((n1, n2)) = pair().await else { return };
    let (alice, bob, carol) = (uniq("alice"), uniq("bob"), uniq("carol"));
    let mut a1 = Client::connect(&n1, "a-web").await;
    a1.login(&alice).await;
    let mut a2 = Client::connect_url(&n2, "binfo", APP, "a-phone", 2).await;
    a2.login(&alice).await;
    let mut b2 = Client::connect(&n2, "b-web").await;
    b2.login(&bob).await;
    let mut b2_phone = Client::connect_url(&n2, "binfo", APP, "b-phone", 2).await;
    b2_phone.login(&bob).await;
    let mut c1 = Client::connect(&n1, "c-web").await;
    c1.login(&carol).await;

    let r = a1
        .call(
            "group_open_http_svc.create_group",
            json!({"Type": "Public", "Name": "g", "ApplyJoinOption": "FreeAccess",
                "MemberList": [{"Member_Account": bob}, {"Member_Account": carol}]}),
        )
        .await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    let g = r["GroupId"].as_str().unwrap().to_string();
    let r = a1
        .call(
            "group_open_http_svc.send_group_msg",
            json!({"GroupId": g, "Random": 7, "ClientSeq": 1,
                "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "to both nodes"}}]}),
        )
        .await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    // Every other session, local (carol) and remote (bob twice, alice's phone), exactly once.
    for c in [&mut b2, &mut b2_phone, &mut c1, &mut a2] {
        let m = next_group_msg(c).await;
        assert_eq!(m["MsgBody"][0]["MsgContent"]["Text"], "to both nodes", "{m}");
        assert_eq!(m["ToGroupId"], g.as_str());
        assert_eq!(m["MsgSeq"], r["MsgSeq"]);
        c.no_push(Duration::from_millis(300)).await;
    }
    // Not back to the sending socket.
    a1.no_push(Duration::from_millis(300)).await;
}
