//! Several writers on one user's sync stream at once, through two storage instances or two
//! servers on one database ("two nodes"): every message appears exactly once, in one order that
//! a reader paging with the getmsg cookie sees too, without skipping any.

use crate::common::*;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tim_server::store::{self, Fanout, Inserted, StoredMsg};
use tim_server::{Storage, Store};

const ALL: Fanout = Fanout { sync_sender: true, count_unread: true, update_last: true };

fn msg(from: &str, to: &str, seq: u64) -> StoredMsg {
    StoredMsg {
        sdkappid: APP,
        from: from.into(),
        to: to.into(),
        msg_seq: seq,
        msg_random: seq + 7,
        msg_time: 1_000 + seq,
        client_time: 1_000 + seq,
        from_tiny_id: 1,
        body: format!(r#"[{{"MsgType":"TIMTextElem","MsgContent":{{"Text":"{from}-{seq}"}}}}]"#),
        ..Default::default()
    }
}

/// Page through `user`'s stream from `cookie` like `openim.getmsg` (page size 7).
fn drain(s: &dyn Store, user: &str, cookie: &mut i64, into: &mut Vec<(i64, StoredMsg)>) {
    loop {
        let page = s.stream_after(APP, user, *cookie, 7).unwrap();
        if page.is_empty() {
            return;
        }
        *cookie = page.last().unwrap().0;
        into.extend(page);
    }
}

#[test]
fn concurrent_writers_on_two_stores_keep_one_gap_free_stream() {
    let cfg = config();
    ensure_database_blocking(&cfg);
    let nodes: Vec<Arc<dyn Store>> = vec![store::open(&cfg).unwrap(), store::open(&cfg).unwrap()];
    const WRITERS: usize = 6;
    const PER: u64 = 30;
    let done = Arc::new(AtomicBool::new(false));

    // A reader polling the hub's stream while the writers run.
    let reader = {
        let (s, done) = (nodes[0].clone(), done.clone());
        std::thread::spawn(move || {
            let (mut cookie, mut seen) = (0, Vec::new());
            while !done.load(Ordering::SeqCst) {
                drain(s.as_ref(), "hub", &mut cookie, &mut seen);
            }
            drain(s.as_ref(), "hub", &mut cookie, &mut seen);
            seen
        })
    };
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let nodes = nodes.clone();
            std::thread::spawn(move || {
                let me = format!("user{w}");
                for n in 0..PER {
                    let seq = (w as u64) * 1000 + n;
                    // Odd writers also get messages from the hub: opposite directions at once
                    // lock both users' streams in both orders.
                    let m = if w % 2 == 1 && n % 3 == 0 { msg("hub", &me, seq) } else { msg(&me, "hub", seq) };
                    let first = nodes[w % 2].store_c2c(&m, ALL).unwrap();
                    let Inserted::New(stored) = first else { panic!("first send was a duplicate") };
                    // The resend arrives at the other node: the original answer.
                    let again = nodes[(w + 1) % 2].store_c2c(&StoredMsg { msg_time: 9_999, ..m }, ALL).unwrap();
                    assert_eq!(again, Inserted::Duplicate(stored));
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let seen = reader.join().unwrap();

    let mut full = Vec::new();
    drain(nodes[1].as_ref(), "hub", &mut 0, &mut full);
    let total = WRITERS * PER as usize;
    assert_eq!(full.len(), total, "every message once in the hub's stream");
    let ids: HashSet<i64> = full.iter().map(|(_, m)| m.id).collect();
    assert_eq!(ids.len(), total, "no message twice");
    // The reader that paged while writers ran saw the same stream: nothing skipped, same order.
    let pos = |v: &[(i64, StoredMsg)]| v.iter().map(|(p, m)| (*p, m.id)).collect::<Vec<_>>();
    assert_eq!(pos(&seen), pos(&full));
    assert!(full.windows(2).all(|w| w[0].0 < w[1].0), "positions increase");
    if cfg.storage == Storage::Postgres {
        let p: Vec<i64> = full.iter().map(|(p, _)| *p).collect();
        assert_eq!(p, (1..=total as i64).collect::<Vec<_>>(), "per-user positions have no gaps");
    }
    // Each writer's messages keep their send order.
    let mut last: HashMap<String, u64> = HashMap::new();
    for (_, m) in &full {
        let peer = if m.from == "hub" { m.to.clone() } else { m.from.clone() };
        if let Some(prev) = last.insert(peer, m.msg_seq) {
            assert!(prev < m.msg_seq);
        }
    }
    // Each writer's own stream has its messages once, in order, too.
    for w in 0..WRITERS {
        let mut own = Vec::new();
        drain(nodes[w % 2].as_ref(), &format!("user{w}"), &mut 0, &mut own);
        let seqs: Vec<u64> = own.iter().map(|(_, m)| m.msg_seq).collect();
        assert_eq!(seqs, (0..PER).map(|n| w as u64 * 1000 + n).collect::<Vec<_>>());
    }
    // Unread counted once per message from each peer.
    let convs = nodes[0].conversations(APP, "hub").unwrap();
    assert_eq!(convs.len(), WRITERS);
    let unread: u64 = convs.iter().map(|c| c.unread).sum();
    let from_hub = (0..WRITERS).filter(|w| w % 2 == 1).count() as u64 * PER.div_ceil(3);
    assert_eq!(unread, total as u64 - from_hub);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_on_two_servers_sending_at_once_reach_getmsg_exactly_once() {
    let cfg = config();
    let a = start_with(cfg.clone()).await;
    // The second node shares the first's storage (same SQLite file / same PostgreSQL database).
    let b = start_with(cfg).await;
    const SENDERS: usize = 4;
    const PER: u64 = 15;
    let mut tasks = Vec::new();
    for s in 0..SENDERS {
        let node = if s % 2 == 0 { &a } else { &b };
        let mut c = Client::connect(node, &format!("sender{s}")).await;
        tasks.push(tokio::spawn(async move {
            c.login(&format!("sender{s}")).await;
            for n in 0..PER {
                let seq = 5_000_000 + s as u64 * 100 + n;
                let r = c.send_text("bob", &format!("{s}:{n}"), seq, seq).await;
                assert_eq!(r["ErrorCode"], 0, "{r}");
                let again = c.send_text("bob", &format!("{s}:{n}"), seq, seq).await;
                assert_eq!(again["MsgKey"], r["MsgKey"]);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut bob = Client::connect(&b, "bob-1").await;
    bob.login("bob").await;
    let (msgs, _) = bob.getmsg_all("").await;
    let got = texts(&msgs);
    assert_eq!(got.len(), SENDERS * PER as usize, "{got:?}");
    assert_eq!(got.iter().collect::<HashSet<_>>().len(), got.len(), "no duplicates");
    for s in 0..SENDERS {
        let mine: Vec<&String> = got.iter().filter(|t| t.starts_with(&format!("{s}:"))).collect();
        let want: Vec<String> = (0..PER).map(|n| format!("{s}:{n}")).collect();
        assert_eq!(mine, want.iter().collect::<Vec<_>>(), "sender {s} in send order");
    }
    a.shutdown().await;
    b.shutdown().await;
}
