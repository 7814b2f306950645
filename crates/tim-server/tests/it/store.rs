//! The store conformance suite: the `Store` trait's contract, each test run on both backends in
//! the same `cargo test` — SQLite always, PostgreSQL when `TIM_TEST_POSTGRES_URL` is set (else
//! its half prints a notice and passes): accounts, dedup, streams, conversations, read times,
//! tickets, migrations on reopen, and concurrent start-up of several instances.

use std::sync::Arc;
use tim_server::store::{
    self, Fanout, Group, GroupInserted, GroupMsg, Inserted, Member, StoredMsg, Ticket, TINY_ID_BASE,
};
use tim_server::{App, Config, Store};

const ALL: Fanout = Fanout { sync_sender: true, count_unread: true, update_last: true };

fn msg(from: &str, to: &str, seq: u64, time: u64) -> StoredMsg {
    StoredMsg {
        sdkappid: 1,
        from: from.into(),
        to: to.into(),
        msg_seq: seq,
        msg_random: seq * 10,
        msg_time: time,
        client_time: time,
        from_tiny_id: 7,
        body: r#"[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]"#.into(),
        flags: 3,
        nick: "N".into(),
        ..Default::default()
    }
}

fn open(cfg: Config) -> (Config, Arc<dyn Store>) {
    let s = store::open(&cfg).unwrap();
    (cfg, s)
}

/// `conformance!(name)` for `fn name(cfg: Config)`: the tests `name::sqlite` and
/// `name::postgres`.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use crate::common::{config_on, Backend};
            #[test]
            fn sqlite() {
                super::$name(config_on(Backend::Sqlite).expect("SQLite is always there"));
            }
            #[test]
            fn postgres() {
                if let Some(cfg) = config_on(Backend::Postgres) {
                    super::$name(cfg);
                }
            }
        }
    )*};
}

conformance!(
    accounts_get_unique_tiny_ids,
    dedup_streams_conversations_and_read,
    tickets_apps_and_migrations_persist_across_reopen,
    instances_starting_at_once_migrate_once_and_share_accounts,
    groups_members_messages_and_unread,
);

fn accounts_get_unique_tiny_ids(cfg: Config) {
    let (_, s) = open(cfg);
    let a = s.ensure_account(1, "alice", 5).unwrap();
    let b = s.ensure_account(1, "bob", 5).unwrap();
    assert_ne!(a.tiny_id, b.tiny_id);
    assert!(a.tiny_id > TINY_ID_BASE);
    assert_eq!(s.ensure_account(1, "alice", 9).unwrap(), a);
    let a2 = s.import_account(1, "alice", "Alice", "http://a", 9).unwrap();
    assert_eq!((a2.tiny_id, a2.nick.as_str(), a2.face_url.as_str()), (a.tiny_id, "Alice", "http://a"));
    assert_eq!(s.account(1, "alice").unwrap(), Some(a2));
    assert!(s.account(2, "alice").unwrap().is_none());
    let c = s.import_account(1, "carol", "Carol", "", 9).unwrap();
    assert_eq!(c.nick, "Carol");
}

fn dedup_streams_conversations_and_read(cfg: Config) {
    let (_, s) = open(cfg);
    let Inserted::New(m1) = s.store_c2c(&msg("alice", "bob", 1, 100), ALL).unwrap() else { panic!("dup") };
    assert_eq!((m1.flags, m1.nick.as_str()), (3, "N"));
    let again = s.store_c2c(&msg("alice", "bob", 1, 200), ALL).unwrap();
    assert_eq!(again, Inserted::Duplicate(m1.clone()));
    s.store_c2c(&msg("alice", "bob", 2, 101), ALL).unwrap();
    s.store_c2c(&msg("bob", "alice", 3, 102), ALL).unwrap();
    // A note to self is in the stream once and is never unread.
    s.store_c2c(&msg("carol", "carol", 4, 103), ALL).unwrap();
    assert_eq!(s.stream_after(1, "carol", 0, 10).unwrap().len(), 1);
    assert_eq!(s.conversations(1, "carol").unwrap()[0].unread, 0);

    let bob = s.stream_after(1, "bob", 0, 10).unwrap();
    assert_eq!(bob.iter().map(|(_, m)| m.msg_seq).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(bob[0].1, m1);
    let rest = s.stream_after(1, "bob", bob[0].0, 10).unwrap();
    assert_eq!(rest.len(), 2);
    assert_eq!(s.stream_after(1, "bob", bob[0].0, 1).unwrap().len(), 1);
    assert!(s.stream_after(1, "bob", bob[2].0, 10).unwrap().is_empty());

    let convs = s.conversations(1, "bob").unwrap();
    assert_eq!(convs.len(), 1);
    assert_eq!((convs[0].peer.as_str(), convs[0].unread), ("alice", 2));
    assert_eq!(convs[0].last.as_ref().map(|m| m.msg_seq), Some(3));
    assert_eq!(s.conversations(1, "alice").unwrap()[0].unread, 1);

    assert_eq!(s.mark_read(1, "bob", "alice", 100).unwrap(), 100);
    assert_eq!(s.conversations(1, "bob").unwrap()[0].unread, 1);
    s.mark_read(1, "bob", "alice", 101).unwrap();
    assert_eq!(s.conversations(1, "bob").unwrap()[0].unread, 0);
    assert_eq!(s.mark_read(1, "bob", "alice", 50).unwrap(), 101);
    assert_eq!(s.read_time(1, "bob", "alice").unwrap(), 101);
    assert_eq!(s.read_time(1, "bob", "nobody").unwrap(), 0);
    assert_eq!(s.conversations(1, "alice").unwrap()[0].peer_read_time, 101);

    let page = s.history(1, "alice", "bob", None, 2).unwrap();
    assert_eq!(page.iter().map(|m| m.msg_seq).collect::<Vec<_>>(), vec![3, 2]);
    let older = s.history(1, "bob", "alice", Some((page[1].msg_time, page[1].id)), 2).unwrap();
    assert_eq!(older.iter().map(|m| m.msg_seq).collect::<Vec<_>>(), vec![1]);
    assert!(s.find_c2c(1, "bob", "alice", 2, 20, 101).unwrap().is_some());
    assert!(s.find_c2c(1, "bob", "alice", 2, 20, 999).unwrap().is_none());

    // Without sync_sender / unread / last: only the receiver's stream, no unread, no last.
    let quiet = Fanout { sync_sender: false, count_unread: false, update_last: false };
    s.store_c2c(&msg("dave", "erin", 5, 104), quiet).unwrap();
    assert!(s.stream_after(1, "dave", 0, 10).unwrap().is_empty());
    let erin = s.conversations(1, "erin").unwrap();
    assert_eq!((erin[0].unread, erin[0].last.is_none()), (0, true));
}

fn tickets_apps_and_migrations_persist_across_reopen(cfg: Config) {
    let (cfg, s) = open(cfg);
    s.put_app(&App { sdkappid: 9, secret_key: "k".into(), admin: "adm".into() }).unwrap();
    s.put_app(&App { sdkappid: 9, secret_key: "k2".into(), admin: "adm".into() }).unwrap();
    let t =
        Ticket { a2: "x".into(), sdkappid: 9, user_id: "u".into(), tiny_id: 1, inst_id: 2, expires: 3, revoked: false };
    s.put_ticket(&t).unwrap();
    s.put_ticket(&Ticket { a2: "y".into(), ..t.clone() }).unwrap();
    assert_eq!(s.ticket("x").unwrap(), Some(t));
    s.revoke_ticket("y").unwrap();
    assert!(s.ticket("y").unwrap().is_some_and(|t| t.revoked));
    s.revoke_user_tickets(9, "u").unwrap();
    drop(s);
    // Reopening runs the migrations again: nothing to do, data kept.
    let s = store::open(&cfg).unwrap();
    assert_eq!(s.apps().unwrap(), vec![App { sdkappid: 9, secret_key: "k2".into(), admin: "adm".into() }]);
    assert!(s.ticket("x").unwrap().is_some_and(|t| t.revoked));
    assert!(s.ticket("nope").unwrap().is_none());
}

fn instances_starting_at_once_migrate_once_and_share_accounts(cfg: Config) {
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let cfg = cfg.clone();
            std::thread::spawn(move || {
                let s = store::open(&cfg).unwrap();
                (0..10).map(|n| s.ensure_account(1, &format!("u{n}"), 1).unwrap().tiny_id).collect::<Vec<_>>()
            })
        })
        .collect();
    let ids: Vec<Vec<u64>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "one account per user: {ids:?}");
    let mut uniq = ids[0].clone();
    uniq.sort_unstable();
    uniq.dedup();
    assert_eq!(uniq.len(), 10);
}

fn groups_members_messages_and_unread(cfg: Config) {
    let (_, s) = open(cfg);
    let group = |id: &str, owner: &str| Group {
        sdkappid: 1,
        group_id: id.into(),
        kind: "Public".into(),
        owner: owner.into(),
        create_time: 10,
        next_msg_seq: 1,
        info: "{}".into(),
        ..Default::default()
    };
    let member = |user: &str, role: &str| Member {
        user: user.into(),
        role: role.into(),
        join_time: 10,
        msg_flag: "AcceptAndNotify".into(),
        ..Default::default()
    };
    assert!(s.create_group(&group("g1", "alice"), &[member("alice", "Owner"), member("bob", "Member")]).unwrap());
    assert!(!s.create_group(&group("g1", "carol"), &[member("carol", "Owner")]).unwrap(), "a group ID is taken once");
    let g = s.group(1, "g1").unwrap().unwrap();
    assert_eq!((g.owner.as_str(), g.kind.as_str()), ("alice", "Public"));
    assert!(s.group(2, "g1").unwrap().is_none(), "groups belong to one app");
    // Members: adding reports only who was not a member; removing only who was.
    let added = s.add_members(1, "g1", &[member("bob", "Member"), member("carol", "Member")]).unwrap();
    assert_eq!(added, ["carol"]);
    let mut users: Vec<String> = s.members(1, "g1").unwrap().into_iter().map(|m| m.user).collect();
    users.sort();
    assert_eq!(users, ["alice", "bob", "carol"]);
    assert_eq!(s.remove_members(1, "g1", &["carol".into(), "nobody".into()]).unwrap(), ["carol"]);
    assert!(s.member(1, "g1", "carol").unwrap().is_none());
    assert_eq!(s.member(1, "g1", "alice").unwrap().map(|m| m.role), Some("Owner".into()));
    let joined = s.joined_groups(1, "bob").unwrap();
    assert_eq!(
        joined.iter().map(|(g, m)| (g.group_id.as_str(), m.role.as_str())).collect::<Vec<_>>(),
        [("g1", "Member")]
    );
    // Messages: dense sequences from 1; a resend (sender, random, client sequence) is the
    // stored one; no group, no message.
    let msg = |from: &str, random: u64, time: u64| GroupMsg {
        sdkappid: 1,
        group_id: "g1".into(),
        from: from.into(),
        random,
        client_seq: random,
        msg_time: time,
        client_time: time,
        body: "[]".into(),
        ..Default::default()
    };
    let seqs: Vec<u64> = [msg("alice", 1, 100), msg("bob", 2, 101), msg("alice", 3, 102)]
        .iter()
        .map(|m| match s.store_group_msg(m).unwrap() {
            GroupInserted::New(m) => m.msg_seq,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert!(matches!(s.store_group_msg(&msg("alice", 1, 105)).unwrap(), GroupInserted::Duplicate(d) if d.msg_seq == 1));
    let lost = GroupMsg { group_id: "nope".into(), ..msg("alice", 4, 106) };
    assert!(matches!(s.store_group_msg(&lost).unwrap(), GroupInserted::NoGroup));
    assert_eq!(s.group(1, "g1").unwrap().unwrap().next_msg_seq, 4);
    // History: newest first, at most `limit`, at or below a sequence.
    let page: Vec<u64> = s.group_msgs(1, "g1", u64::MAX, 2).unwrap().iter().map(|m| m.msg_seq).collect();
    assert_eq!(page, [3, 2]);
    let older: Vec<u64> = s.group_msgs(1, "g1", 1, 10).unwrap().iter().map(|m| m.msg_seq).collect();
    assert_eq!(older, [1]);
    // Unread: messages after a sequence that others sent.
    assert_eq!(s.group_unread(1, "g1", "bob", 0).unwrap(), 2);
    assert_eq!(s.group_unread(1, "g1", "alice", 1).unwrap(), 1);
    // Destroyed: gone with its members.
    assert!(s.destroy_group(1, "g1").unwrap());
    assert!(s.group(1, "g1").unwrap().is_none());
    assert!(s.joined_groups(1, "bob").unwrap().is_empty());
    assert!(!s.destroy_group(1, "g1").unwrap());
}

#[test]
fn postgres_without_url_or_unreachable_is_an_error_not_a_panic() {
    let no_url = Config { storage: tim_server::Storage::Postgres, postgres_url: None, ..Config::default() };
    assert!(store::open(&no_url).is_err());
    let bad = Config { postgres_url: Some("not a url ::".into()), ..no_url.clone() };
    assert!(store::open(&bad).is_err());
    // Nothing listens on port 1.
    let down = Config { postgres_url: Some("postgres://u@127.0.0.1:1/db?connect_timeout=2".into()), ..no_url };
    assert!(store::open(&down).is_err());
}
