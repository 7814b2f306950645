//! Fuzz targets for the server's input paths, against a real tim-server:
//! - the REST body parser (`rest::parse_body`), as a pure function;
//! - the REST API end to end (`POST /v4/<service>/<command>?<query>`): every served command with
//!   bodies that are valid templates with mutated fields (wrong types, edge numbers, hostile
//!   strings), dictionary-built objects, and queries with bad credentials;
//! - the WebSocket frame dispatch end to end: a logged-in socket sends heads with mutated fields,
//!   mutated bodies, byte-mutated and `COMP` frames, on `/binfo` and `/info`.
//!
//! Properties: no command panics (a panic in a command handler is a `90994` reply whose text says
//! "panicked" on REST, and a closed socket on WebSocket), every REST answer is a JSON
//! `ActionStatus`/`ErrorCode` object with the documented code for bad credentials, and the server
//! keeps answering. A short run is part of `cargo test`; `TIM_FUZZ_CASES=20000 cargo test
//! --release -p tim-server --test fuzz` is a long run (docs/security.md, "Fuzzing").

use crate::common::{http_bytes, Client, APP, KEY, OTHER_APP, OTHER_KEY};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::io::Write;
use std::time::Duration;
use tim_proto::{cmd, code, usersig};
use tim_server::rest::parse_body;
use tokio_tungstenite::tungstenite::Message;

fn config(default: u32) -> Config {
    let cases = std::env::var("TIM_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    Config { cases, failure_persistence: None, ..Config::default() }
}

// ---- generators ---------------------------------------------------------------------------

/// Body keys the commands read (server sources and tim-proto body types).
const KEYS: &[&str] = &[
    "From_Account",
    "To_Account",
    "MsgSeq",
    "MsgRandom",
    "MsgBody",
    "MsgType",
    "MsgContent",
    "Text",
    "Data",
    "Desc",
    "Ext",
    "CloudCustomData",
    "MsgClientTime",
    "SyncOtherMachine",
    "SendMsgControl",
    "Cookie",
    "SyncFlag",
    "Peer_Account",
    "MaxCnt",
    "LastMsgTime",
    "MsgKey",
    "C2CMsgReaded",
    "C2CMsgReadedItem",
    "PeerAccount",
    "LastedMsgTime",
    "GroupId",
    "Type",
    "Name",
    "Owner_Account",
    "MemberList",
    "Member_Account",
    "Role",
    "Random",
    "ReqMsgSeq",
    "ReqMsgNumber",
    "AppDefinedData",
    "Key",
    "Value",
    "GroupAttr",
    "key",
    "value",
    "ProfileItem",
    "Tag",
    "TagList",
    "UserID",
    "Nick",
    "FaceUrl",
    "TimeStamp",
    "StartIndex",
    "TopTimeStamp",
    "TopStartIndex",
    "AssistFlags",
    "TopicId",
    "TopicName",
    "Members_Account",
    "MuteTime",
    "ShutUpTime",
    "NewOwner_Account",
    "Offset",
    "Limit",
    "NameCard",
    "MsgSeqList",
    "GroupIdList",
    "TopicIdList",
    "ContactItem",
    "ContactGroupId",
    "Marks",
    "MarkItem",
    "GroupCounter",
    "GroupCounterKeys",
    "Mode",
    "CommandType",
    "ApplyJoinOption",
    "MaxMemberCount",
    "Operator_Account",
    "MemberToDel_Account",
    "Silence",
    "Reason",
    "OrderKey",
    "OptType",
    "UpdateGroup",
    "UserItem",
    "ToMembers_Account",
    "Content",
    "DelMsgList",
    "RecentContactItem",
    "ClientSeq",
    "GroupReadInfo",
    "LastMsgSeq",
    "ReqMsgSeq",
    "MsgReadedSeq",
    "AttrControl",
    "AttrMainSeq",
    "file_type",
    "file_name",
    "FieldList",
    "IsNeedDetail",
    "OnlineOnlyFlag",
    "MemberRoleFilter",
    "AppDefinedDataFilter_GroupMember",
    "SupportTopic",
    "StandardMark",
    "CustomMark",
];

/// Element types, documented and not: the ones the server accepts, a group tip (not sendable)
/// and nonsense.
fn elems() -> Vec<&'static str> {
    let mut v = tim_server::validate::KNOWN_ELEMS.to_vec();
    v.extend(["TIMGroupTipElem", "", "X"]);
    v
}

fn arb_string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "alice", "bob", "carol", "administrator", "g1", "@TGS#_g1", "@TGS#_g1@TOPIC#_t1", "Public", "Private",
            "ChatRoom", "AVChatRoom", "Community", "Work", "Meeting", "Tag_Profile_IM_Nick", "Tag_Profile_IM_Image",
            "Admin", "Member", "Owner", "", " ", "0", "-1", "\0", "a\nb", "\u{feff}", "🦀", "1400000001",
        ]).prop_map(String::from),
        1 => prop::sample::select(elems()).prop_map(String::from),
        2 => any::<String>().prop_map(|s| s.chars().take(16).collect()),
        1 => (1usize..3000).prop_map(|n| "x".repeat(n)),
    ]
}

fn arb_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => arb_string().prop_map(Value::from),
        3 => prop::sample::select(vec![
            json!(0), json!(1), json!(2), json!(-1), json!(15), json!(100), json!(4_294_967_295u64),
            json!(4_294_967_296u64), json!(i64::MAX), json!(i64::MIN), json!(u64::MAX), json!(1.5), json!(-0.0),
            json!(1e300), json!(1_700_000_000u64),
        ]),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<bool>().prop_map(Value::from),
        1 => Just(Value::Null),
    ]
}

/// Any JSON value built from the commands' vocabulary.
fn arb_value() -> BoxedStrategy<Value> {
    arb_leaf()
        .prop_recursive(3, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((prop::sample::select(KEYS.to_vec()), inner), 0..5)
                    .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
            ]
        })
        .boxed()
}

fn text_elem(text: &str) -> Value {
    json!({"MsgType": "TIMTextElem", "MsgContent": {"Text": text}})
}

/// A valid body for a command (what its callers send), or `{}`.
fn template(servcmd: &str) -> Value {
    let body = [text_elem("hello")];
    match servcmd {
        cmd::SENDMSG => json!({"SyncOtherMachine": 1, "From_Account": "alice", "To_Account": "bob", "MsgSeq": 1,
            "MsgRandom": 7, "MsgBody": body, "CloudCustomData": "", "MsgClientTime": 1_700_000_000u64}),
        cmd::GETMSG => json!({"Cookie": "", "SyncFlag": 0, "NeedAbstract": 1, "IsOnlineSync": 0}),
        cmd::GETROAMMSG => json!({"Peer_Account": "bob", "MaxCnt": 15, "LastMsgTime": 0, "MsgKey": ""}),
        cmd::MSGREADED => json!({"C2CMsgReaded": {"Cookie": "", "C2CMsgReadedItem": [
            {"PeerAccount": "bob", "LastedMsgTime": 1_700_000_000u64}]}}),
        "group_open_http_svc.create_group" => json!({"Type": "Public", "Name": "g", "GroupId": "g2",
            "Owner_Account": "alice", "MemberList": [{"Member_Account": "bob"}]}),
        "group_open_http_svc.send_group_msg" => json!({"GroupId": "g1", "Random": 1, "MsgBody": body,
            "From_Account": "alice"}),
        "group_open_http_svc.add_group_member" => json!({"GroupId": "g1", "MemberList": [{"Member_Account": "carol"}]}),
        "group_open_http_svc.delete_group_member" => json!({"GroupId": "g1", "MemberToDel_Account": ["carol"]}),
        "group_open_http_svc.group_msg_get" => json!({"GroupId": "g1", "ReqMsgSeq": 10, "ReqMsgNumber": 5}),
        "group_open_http_svc.modify_group_base_info" => json!({"GroupId": "g1", "Name": "n",
            "AppDefinedData": [{"Key": "k", "Value": "v"}]}),
        "group_open_http_svc.set_group_attr" | "group_open_http_svc.modify_group_attr" => {
            json!({"GroupId": "g1", "GroupAttr": [{"key": "k", "value": "v"}]})
        }
        "group_open_http_svc.ban_group_member" => json!({"GroupId": "g1", "Members_Account": ["bob"], "MuteTime": 60}),
        "group_open_http_svc.forbid_send_msg" => json!({"GroupId": "g1", "Members_Account": ["bob"], "ShutUpTime": 60}),
        "group_open_http_svc.change_group_owner" => json!({"GroupId": "g1", "NewOwner_Account": "bob"}),
        "group_open_http_svc.get_group_member_info" => json!({"GroupId": "g1", "Limit": 10, "Offset": 0}),
        "group_open_http_svc.modify_group_member_info" => json!({"GroupId": "g1", "Member_Account": "bob",
            "NameCard": "B", "Role": "Admin"}),
        "group_open_http_svc.update_group_counter" => {
            json!({"GroupId": "g1", "GroupCounter": [{"key": "c", "value": 1}],
            "Mode": "Set"})
        }
        "group_open_http_svc.msg_read_report" => json!({"GroupId": "g1", "MsgReadedSeq": 1}),
        "group_open_http_svc.get_group_info" => json!({"GroupIdList": ["g1"]}),
        "million_group_open_http_svc.create_topic" => json!({"GroupId": "g1", "TopicName": "t"}),
        "profile.portrait_set" => json!({"From_Account": "alice",
            "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "A"}]}),
        "profile.portrait_get" => json!({"To_Account": ["alice", "bob"], "TagList": ["Tag_Profile_IM_Nick"]}),
        cmd::ACCOUNT_IMPORT => json!({"UserID": "carol", "Nick": "c", "FaceUrl": ""}),
        cmd::KICK => json!({"UserID": "dave"}),
        "recentcontact.get_list" => json!({"From_Account": "alice", "TimeStamp": 0, "StartIndex": 0,
            "TopTimeStamp": 0, "TopStartIndex": 0, "AssistFlags": 15}),
        "openim.deletemsg" => json!({"From_Account": "alice", "To_Account": "bob", "MsgKeyList": ["1_2_3"]}),
        _ => json!({}),
    }
}

/// An edit of a body: a path of child choices, and what to do at its end.
#[derive(Clone, Debug)]
enum Edit {
    Set(Vec<prop::sample::Index>, &'static str, Value),
    Remove(Vec<prop::sample::Index>, prop::sample::Index),
    Replace(Vec<prop::sample::Index>, Value),
}

fn arb_edit() -> impl Strategy<Value = Edit> {
    // Paths of 1–3 steps: a field of the body, or of an object inside it.
    let path = || prop::collection::vec(any::<prop::sample::Index>(), 1..4);
    prop_oneof![
        1 => (path(), prop::sample::select(KEYS.to_vec()), arb_value()).prop_map(|(p, k, v)| Edit::Set(p, k, v)),
        1 => (path(), any::<prop::sample::Index>()).prop_map(|(p, i)| Edit::Remove(p, i)),
        // Mostly: a field the command reads, retyped.
        4 => (path(), arb_value()).prop_map(|(p, v)| Edit::Replace(p, v)),
    ]
}

/// Walk into `v` along `path` (each step picks a child of an object or array, while there is one).
fn walk<'a>(mut v: &'a mut Value, path: &[prop::sample::Index]) -> &'a mut Value {
    for i in path {
        let len = match v {
            Value::Object(m) if !m.is_empty() => m.len(),
            Value::Array(a) if !a.is_empty() => a.len(),
            _ => break,
        };
        let at = i.index(len);
        v = match v {
            Value::Object(m) => m.values_mut().nth(at).unwrap(),
            Value::Array(a) => &mut a[at],
            _ => unreachable!(),
        };
    }
    v
}

fn apply(mut body: Value, edits: &[Edit]) -> Value {
    for e in edits {
        match e {
            Edit::Set(p, k, x) => {
                if let Value::Object(m) = walk(&mut body, &p[..p.len().saturating_sub(1)]) {
                    m.insert(k.to_string(), x.clone());
                }
            }
            Edit::Remove(p, i) => {
                let parent = walk(&mut body, &p[..p.len().saturating_sub(1)]);
                if let Value::Object(m) = parent {
                    if !m.is_empty() {
                        let k = m.keys().nth(i.index(m.len())).cloned().unwrap_or_default();
                        m.remove(&k);
                    }
                }
            }
            Edit::Replace(p, x) => *walk(&mut body, p) = x.clone(),
        }
    }
    body
}

/// A servcmd and its body: a mutated template, or an object of the commands' vocabulary.
fn arb_call(servcmds: Vec<&'static str>) -> impl Strategy<Value = (&'static str, Value)> {
    (prop::sample::select(servcmds), prop::collection::vec(arb_edit(), 0..4), arb_value(), prop::bool::weighted(0.75))
        .prop_map(|(servcmd, edits, random, use_template)| {
            let body = if use_template || !random.is_object() { apply(template(servcmd), &edits) } else { random };
            (servcmd, body)
        })
}

/// Bad REST credentials, each with the code it must get.
fn bad_query(which: usize, now: u64) -> (String, i64) {
    let admin = usersig::generate(APP, KEY, "administrator", 3600, now);
    let cases: [(String, i64); 8] = [
        (format!("identifier=administrator&usersig={admin}"), code::REST_INVALID_SDKAPPID),
        (format!("sdkappid=abc&identifier=administrator&usersig={admin}"), code::REST_INVALID_SDKAPPID),
        (format!("sdkappid=-1&identifier=administrator&usersig={admin}"), code::REST_INVALID_SDKAPPID),
        (format!("sdkappid=1&identifier=administrator&usersig={admin}"), code::REST_INVALID_SDKAPPID),
        (
            format!("sdkappid={APP}&identifier=alice&usersig={}", usersig::generate(APP, KEY, "alice", 3600, now)),
            code::REST_ADMIN_REQUIRED,
        ),
        (format!("sdkappid={APP}&identifier=administrator&usersig=eJwrSS0uAQAEXQHB"), code::REST_INVALID_ADMIN),
        (
            format!(
                "sdkappid={APP}&identifier=administrator&usersig={}",
                usersig::generate(OTHER_APP, OTHER_KEY, "administrator", 3600, now)
            ),
            code::REST_INVALID_ADMIN,
        ),
        (
            format!(
                "sdkappid={APP}&identifier=administrator&usersig={}",
                usersig::generate(APP, KEY, "administrator", 1, now - 10)
            ),
            code::ACCOUNT_USERSIG_EXPIRED,
        ),
    ];
    cases[which % cases.len()].clone()
}

// ---- properties ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(2048))]

    /// `parse_body`: an object is the body as sent, an all-whitespace body is `{}`, anything else
    /// is the documented 90001 reply.
    #[test]
    fn rest_body_parser_accepts_objects_only(
        value in arb_value(),
        bytes in prop::collection::vec(any::<u8>(), 0..64),
        space in prop::sample::select(vec!["", " ", "\r\n", "\t"]),
        cut in any::<prop::sample::Index>(),
    ) {
        let text = format!("{space}{value}{space}");
        match parse_body(text.as_bytes()) {
            Ok(v) => { prop_assert!(value.is_object()); prop_assert_eq!(v.to_string(), value.to_string()); }
            Err(e) => { prop_assert!(!value.is_object()); prop_assert_eq!(e.code, code::REST_INVALID_JSON); }
        }
        // A cut object is never accepted (but an empty or all-space cut is `{}`).
        let cut_at = cut.index(text.len());
        if let Some(prefix) = text.get(..cut_at) {
            if let Ok(v) = parse_body(prefix.as_bytes()) {
                prop_assert!(prefix.trim().is_empty() || serde_json::from_str::<Value>(prefix).is_ok_and(|p| p == v));
            }
        }
        match parse_body(&bytes) {
            Ok(v) => prop_assert!(v.is_object()),
            Err(e) => {
                let body = e.body();
                prop_assert_eq!(&body["ActionStatus"], "FAIL");
                prop_assert_eq!(&body["ErrorCode"], code::REST_INVALID_JSON);
            }
        }
    }
}

/// A REST call; `Err` when the answer is not the documented JSON status object.
async fn rest_call(addr: &str, servcmd: &str, query: &str, body: &[u8]) -> Result<Value, TestCaseError> {
    let path = servcmd.replacen('.', "/", 1);
    let target = format!("/v4/{path}?{query}&random=1&contenttype=json");
    let r = http_bytes(addr, "POST", &target, &[("Content-Type", "application/json")], body, false).await;
    prop_assert_eq!(r.status, 200, "{} {}", target, String::from_utf8_lossy(&r.body));
    let v: Value = serde_json::from_slice(&r.body).map_err(|e| TestCaseError::fail(format!("not JSON: {e}")))?;
    prop_assert!(v["ActionStatus"] == "OK" || v["ActionStatus"] == "FAIL", "{}", v);
    prop_assert!(v["ErrorCode"].is_i64(), "{}", v);
    let info = v["ErrorInfo"].as_str().unwrap_or("");
    prop_assert!(!info.contains("panicked"), "{} panicked on {}: {}", servcmd, String::from_utf8_lossy(body), info);
    Ok(v)
}

/// Accounts and a group for the commands to act on.
async fn seed(addr: &str, admin: &str) {
    for user in ["alice", "bob", "carol", "dave"] {
        let body = json!({"UserID": user}).to_string();
        rest_call(addr, cmd::ACCOUNT_IMPORT, admin, body.as_bytes()).await.unwrap();
    }
    let g = json!({"Type": "Public", "Name": "g", "GroupId": "g1", "Owner_Account": "alice",
        "MemberList": [{"Member_Account": "bob"}]});
    rest_call(addr, "group_open_http_svc.create_group", admin, g.to_string().as_bytes()).await.unwrap();
}

/// Every served command over REST with mutated bodies and, sometimes, bad credentials: the
/// documented JSON answer every time, never a panic, and the server keeps serving.
#[test]
fn rest_calls_with_mutated_bodies_never_panic() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(crate::common::start());
    let addr = server.local_addr().to_string();
    let now = tim_server::now();
    let admin = format!(
        "sdkappid={APP}&identifier=administrator&usersig={}",
        usersig::generate(APP, KEY, "administrator", 86400, now)
    );
    rt.block_on(seed(&addr, &admin));
    let mut runner = TestRunner::new(config(384));
    // ErrorCode → answers, printed at the end (which refusals the run reached).
    let codes = RefCell::new(std::collections::BTreeMap::<i64, usize>::new());
    let strategy = (arb_call(cmd::ALL.to_vec()), prop::option::weighted(0.1, any::<usize>()), 0..8u8);
    let result = runner.run(&strategy, |((servcmd, body), bad, packing)| {
        rt.block_on(async {
            let text = body.to_string();
            // Mostly the JSON as sent; sometimes truncated or with a prefix, to reach the parser's
            // refusals through the whole stack.
            let bytes = match packing {
                0 => text.as_bytes()[..text.len() / 2].to_vec(),
                1 => [b"\xef\xbb\xbf".as_slice(), text.as_bytes()].concat(),
                _ => text.into_bytes(),
            };
            match bad {
                Some(which) => {
                    let (query, expected) = bad_query(which, now);
                    let v = rest_call(&addr, servcmd, &query, &bytes).await?;
                    prop_assert_eq!(&v["ErrorCode"], expected, "{}", query);
                }
                None => {
                    let v = rest_call(&addr, servcmd, &admin, &bytes).await?;
                    *codes.borrow_mut().entry(v["ErrorCode"].as_i64().unwrap_or(-1)).or_default() += 1;
                    // Half of a one-character body is empty, which is `{}` (parse_body's rule).
                    if packing <= 1 && !bytes.iter().all(u8::is_ascii_whitespace) {
                        prop_assert_eq!(&v["ErrorCode"], code::REST_INVALID_JSON, "{}", v);
                    }
                }
            }
            Ok(())
        })
    });
    eprintln!("REST answers by ErrorCode: {:?}", codes.borrow());
    if let Err(e) = result {
        panic!("{e}");
    }
    // Still serving.
    let v = rt.block_on(rest_call(&addr, "profile.portrait_get", &admin, br#"{"To_Account":["alice"]}"#)).unwrap();
    assert_eq!(v["ErrorCode"], 0, "{v}");
    rt.block_on(server.shutdown());
}

/// A frame as a client may send it: the SDK's head with 0–3 fields replaced by any value or
/// removed, a mutated body, then sometimes byte mutations or `COMP` packing.
#[derive(Clone, Debug)]
struct WsCase {
    servcmd: &'static str,
    body: Value,
    head_edits: Vec<(prop::sample::Index, Option<Value>)>,
    bytes: Option<(prop::sample::Index, Vec<u8>)>,
    comp: Option<bool>,
}

const HEAD_KEYS: &[&str] = &[
    "ver",
    "platform",
    "websdkappid",
    "websdkversion",
    "identifier",
    "usersig",
    "a2",
    "tinyid",
    "status_instid",
    "sdkappid",
    "contenttype",
    "reqtime",
    "sdkability",
    "tjgID",
    "servcmd",
    "seq",
];

fn arb_ws_case() -> impl Strategy<Value = WsCase> {
    // Logging the socket out would end the run's coverage; wslogout is fuzzed with a bad head only.
    let servcmds: Vec<&'static str> = cmd::ALL.iter().copied().filter(|c| *c != cmd::WSLOGOUT).collect();
    let head_edit = (any::<prop::sample::Index>(), prop::option::weighted(0.8, arb_value()));
    (
        arb_call(servcmds),
        prop::collection::vec(head_edit, 0..3),
        prop::option::weighted(0.15, (any::<prop::sample::Index>(), prop::collection::vec(any::<u8>(), 1..4))),
        prop::option::weighted(0.2, any::<bool>()),
    )
        .prop_map(|((servcmd, body), head_edits, bytes, comp)| WsCase { servcmd, body, head_edits, bytes, comp })
}

fn ws_bytes(c: &Client, case: &WsCase, seq: u64) -> Vec<u8> {
    let mut head: Map<String, Value> = json!({"ver": "v4", "platform": 7, "websdkappid": 537048168,
        "websdkversion": "1.7.3", "a2": c.a2, "tinyid": c.tinyid, "status_instid": c.inst_id, "sdkappid": APP,
        "contenttype": "json", "reqtime": tim_server::now(), "sdkability": 192371, "tjgID": "",
        "servcmd": case.servcmd, "seq": seq})
    .as_object()
    .unwrap()
    .clone();
    for (i, v) in &case.head_edits {
        let key = HEAD_KEYS[i.index(HEAD_KEYS.len())];
        if key == "a2" && case.servcmd == cmd::WSLOGIN {
            continue; // A wslogin with another a2 is a login as someone else: covered by tests/login.rs.
        }
        match v {
            Some(v) => head.insert(key.to_string(), v.clone()),
            None => head.remove(key),
        };
    }
    let mut bytes = json!({"head": head, "body": case.body}).to_string().into_bytes();
    if let Some((at, insert)) = &case.bytes {
        let at = at.index(bytes.len() + 1);
        bytes.splice(at..at, insert.iter().copied());
    }
    match case.comp {
        Some(gzip) => {
            let mut out = b"COMP".to_vec();
            if gzip {
                let mut z = flate2::write::GzEncoder::new(&mut out, flate2::Compression::fast());
                z.write_all(&bytes).unwrap();
                z.finish().unwrap();
            } else {
                let mut z = flate2::write::ZlibEncoder::new(&mut out, flate2::Compression::fast());
                z.write_all(&bytes).unwrap();
                z.finish().unwrap();
            }
            out
        }
        None => bytes,
    }
}

/// Mutated frames on a logged-in socket (binary `/binfo` and text `/info`): the socket stays
/// open and answers the next heartbeat, whatever the frame was.
#[test]
fn ws_frames_with_mutated_heads_and_bodies_never_break_the_socket() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(crate::common::start());
    let addr = server.local_addr().to_string();
    let now = tim_server::now();
    let admin = format!(
        "sdkappid={APP}&identifier=administrator&usersig={}",
        usersig::generate(APP, KEY, "administrator", 86400, now)
    );
    rt.block_on(seed(&addr, &admin));
    let (bin, text) = rt.block_on(async {
        let mut bin = Client::connect_url(&server, "binfo", APP, "fuzz-bin", 7).await;
        bin.login("alice").await;
        let mut text = Client::connect_url(&server, "info", APP, "fuzz-text", 7).await;
        text.login("bob").await;
        (bin, text)
    });
    // No shrinking: the sockets are state, and a case that broke one is the one to report.
    // 256 by default: each case is two frames and a reply (~20 ms in a debug build).
    let mut runner = TestRunner::new(Config { max_shrink_iters: 0, ..config(256) });
    // The runner takes a `Fn`: the sockets are borrowed per case.
    let sockets = RefCell::new([bin, text]);
    let result = runner.run(&(arb_ws_case(), any::<bool>()), |(case, on_text)| {
        let mut sockets = sockets.borrow_mut();
        let c = &mut sockets[usize::from(on_text)];
        if c.closed {
            return Err(TestCaseError::fail("socket closed by an earlier case"));
        }
        rt.block_on(async {
            c.seq += 1;
            let bytes = ws_bytes(c, &case, c.seq);
            let msg = match (on_text, String::from_utf8(bytes)) {
                (true, Ok(s)) => Message::Text(s.into()),
                (_, Ok(s)) => Message::Binary(s.into_bytes().into()),
                (_, Err(e)) => Message::Binary(e.into_bytes().into()),
            };
            c.send_raw(msg).await;
            let seq = c.send(cmd::HEARTBEAT_ALIVE, json!({})).await;
            loop {
                let f = c.recv(Duration::from_secs(10)).await;
                let Some(f) = f else {
                    return Err(TestCaseError::fail(format!(
                        "socket {} after {}",
                        if c.closed { "closed" } else { "silent" },
                        String::from_utf8_lossy(&ws_bytes(c, &case, 0))
                    )));
                };
                if f.head.servcmd == cmd::HEARTBEAT_ALIVE && f.head.seq == seq {
                    break;
                }
            }
            c.pushes.clear();
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // Both sockets are still logged in and served.
    rt.block_on(async {
        for c in sockets.into_inner().iter_mut() {
            let r = c
                .call("profile.portrait_get", json!({"To_Account": ["alice"], "TagList": ["Tag_Profile_IM_Nick"]}))
                .await;
            assert_eq!(r["ErrorCode"], 0, "{r}");
        }
    });
    rt.block_on(server.shutdown());
}
