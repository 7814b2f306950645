//! Conversations through the engine's public API against a real in-process tim-server over
//! real WebSockets, with two devices of one user: ordering (pinned first), list filters,
//! profiles, drafts, exact unread counts (with `excludedFromUnreadCount`), read sync, pin,
//! marks, custom data, deletion and conversation groups, and their sync to the other device.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

/// A server that keeps every instance of a user online (two devices of one user).
async fn multi_server() -> ServerHandle {
    server_with(|c| c.multi_instance = tim_server::config::MultiInstance::Allow).await
}

async fn list(d: &mut Driver, opts: Value) -> Vec<Value> {
    let args = if opts.is_null() { json!([]) } else { json!([opts]) };
    let r = d.call("getConversationList", args).await.unwrap();
    assert_eq!(r["isSyncCompleted"], true);
    r["conversationList"].as_array().unwrap().clone()
}

fn ids(list: &[Value]) -> Vec<String> {
    list.iter().map(|c| c["conversationID"].as_str().unwrap().to_string()).collect()
}

fn conv<'a>(list: &'a [Value], id: &str) -> &'a Value {
    list.iter().find(|c| c["conversationID"] == id).unwrap_or_else(|| panic!("no {id} in {list:?}"))
}

/// Pump until the latest event `name` satisfies `pred`; returns its data.
async fn event_where(d: &mut Driver, name: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let ok = d
        .pump_until(10_000, |d| {
            d.events.iter().rev().find(|e| e.0 == name).and_then(|e| e.1.as_ref()).is_some_and(&pred)
        })
        .await;
    let last = d.events.iter().rev().find(|e| e.0 == name).and_then(|e| e.1.clone());
    assert!(ok, "{}: no {name} as expected; last: {last:?}", d.user);
    last.unwrap()
}

async fn send_with(d: &mut Driver, to: &str, text: &str, opts: Value) -> Value {
    let m = d
        .call("createTextMessage", json!([{"to": to, "conversationType": "C2C", "payload": {"text": text}}]))
        .await
        .unwrap();
    d.call("sendMessage", json!([m, opts])).await.unwrap()["message"].clone()
}

/// alice on two devices; bob then carol have written to her (so the list is carol, bob).
async fn setup(server: &ServerHandle) -> (String, String, String, Driver, Driver) {
    let (alice, bob, carol) = (uid("calice"), uid("cbob"), uid("ccarol"));
    let (mut a1, mut a2, mut b, mut c) =
        (Driver::new(server), Driver::new(server), Driver::new(server), Driver::new(server));
    a1.login(&alice).await;
    a2.login(&alice).await;
    b.login(&bob).await;
    c.login(&carol).await;
    b.send_text(&alice, "from bob").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    c.send_text(&alice, "from carol").await;
    let want = vec![format!("C2C{carol}"), format!("C2C{bob}")];
    for d in [&mut a1, &mut a2] {
        event_where(d, "onConversationListUpdated", |l| {
            l.as_array().unwrap().iter().map(|c| c["conversationID"].as_str().unwrap()).collect::<Vec<_>>() == want
        })
        .await;
    }
    (alice, bob, carol, a1, a2)
}

#[tokio::test]
async fn test_order_filters_profile_draft_and_exact_unread() {
    let server = multi_server().await;
    let (alice, bob, carol) = (uid("oalice"), uid("obob"), uid("ocarol"));
    let (mut a1, mut a2, mut b, mut c) =
        (Driver::new(&server), Driver::new(&server), Driver::new(&server), Driver::new(&server));
    a1.login(&alice).await;
    a2.login(&alice).await;
    b.login(&bob).await;
    c.login(&carol).await;
    b.send_text(&alice, "bob 1").await;
    b.send_text(&alice, "bob 2").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    c.send_text(&alice, "carol 1").await;
    // Not counted as unread for alice, but it is her last message from carol.
    send_with(&mut c, &alice, "carol quiet", json!({"messageControlInfo": {"excludedFromUnreadCount": true}})).await;
    let (cb, cc) = (format!("C2C{bob}"), format!("C2C{carol}"));

    let total = event_where(&mut a1, "onTotalUnreadMessageCountUpdated", |t| *t == 3).await;
    assert_eq!(total, 3);
    assert_eq!(a1.call("getTotalUnreadMessageCount", json!([])).await.unwrap(), 3);
    let l = event_where(&mut a1, "onConversationListUpdated", |l| {
        l.as_array().unwrap().iter().any(|c| c["lastMessage"]["messageForShow"] == "carol quiet")
    })
    .await;
    let l = l.as_array().unwrap().clone();
    assert_eq!(ids(&l), vec![cc.clone(), cb.clone()]);
    assert_eq!(conv(&l, &cb)["unreadCount"], 2);
    assert_eq!(conv(&l, &cc)["unreadCount"], 1);
    assert_eq!(conv(&l, &cb)["lastMessage"]["messageForShow"], "bob 2");

    // excludedFromLastMessage goes out as tim-js-sdk sends it; the receiver keeps its preview.
    send_with(&mut b, &alice, "bob hidden", json!({"messageControlInfo": {"excludedFromLastMessage": true}})).await;
    assert!(b.sent.iter().any(|f| f["head"]["servcmd"] == "openim.sendmsg"
        && f["body"]["SendMsgControl"] == json!(["NoLastMsg"])
        && f["body"]["MsgBody"][0]["MsgContent"]["Text"] == "bob hidden"));
    assert!(c.sent.iter().any(|f| f["body"]["SendMsgControl"] == json!(["NoUnread"])));
    received_where(&mut a1, "bob hidden", |m| m["payload"]["text"] == "bob hidden").await;
    a1.pump(1200).await;
    let l = list(&mut a1, Value::Null).await;
    assert_eq!(conv(&l, &cb)["unreadCount"], 3);
    assert_eq!(conv(&l, &cb)["lastMessage"]["messageForShow"], "bob 2");
    assert_eq!(conv(&l, &cc)["unreadCount"], 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    c.send_text(&alice, "carol 2").await;
    event_where(&mut a1, "onConversationListUpdated", |l| l[0]["lastMessage"]["messageForShow"] == "carol 2").await;

    // Filters: IDs (only those in the cache), type.
    let only = list(&mut a1, json!([cb, "C2Cnobody"])).await;
    assert_eq!(ids(&only), vec![cb.clone()]);
    assert_eq!(ids(&list(&mut a1, json!({"type": "C2C"})).await), vec![cc.clone(), cb.clone()]);
    assert!(list(&mut a1, json!({"type": "GROUP"})).await.is_empty());
    assert!(list(&mut a1, json!({"markType": 1})).await.is_empty());

    // A profile for a peer without a conversation is synthesised and not listed.
    let p = a1.call("getConversationProfile", json!(["C2Cnobody"])).await.unwrap();
    assert_eq!(p["conversation"]["conversationID"], "C2Cnobody");
    assert_eq!(p["conversation"]["unreadCount"], 0);
    assert_eq!(p["conversation"]["userProfile"]["userID"], "nobody");
    let p = a1.call("getConversationProfile", json!([cb])).await.unwrap();
    assert_eq!(p["conversation"]["unreadCount"], 3);
    let p = a1.call("getConversationProfile", json!(["@TIM#SYSTEM"])).await.unwrap();
    assert_eq!(p["conversation"]["type"], "@TIM#SYSTEM");
    assert_eq!(err_code(a1.call("getConversationProfile", json!(["XYZ"])).await), 2503);

    // A draft is local and moves the conversation up.
    a1.call("setConversationDraft", json!([{"conversationID": cb, "draftText": "half"}])).await.unwrap();
    let l = list(&mut a1, Value::Null).await;
    assert_eq!(ids(&l), vec![cb.clone(), cc.clone()]);
    assert_eq!(conv(&l, &cb)["draftText"], "half");
    a2.pump(1500).await;
    assert_eq!(ids(&list(&mut a2, Value::Null).await), vec![cc.clone(), cb.clone()]);

    // Reading bob on device 1 clears it on device 2 too.
    a1.call("setMessageRead", json!([{"conversationID": cb}])).await.unwrap();
    assert_eq!(a1.call("getTotalUnreadMessageCount", json!([])).await.unwrap(), 2);
    event_where(&mut a1, "onTotalUnreadMessageCountUpdated", |t| *t == 2).await;
    let l = list(&mut a1, Value::Null).await;
    assert_eq!((conv(&l, &cb)["unreadCount"].as_u64(), conv(&l, &cc)["unreadCount"].as_u64()), (Some(0), Some(2)));
    event_where(&mut a2, "onConversationListUpdated", |l| {
        l.as_array().unwrap().iter().any(|c| c["conversationID"] == cb.as_str() && c["unreadCount"] == 0)
    })
    .await;
    assert_eq!(a2.call("getTotalUnreadMessageCount", json!([])).await.unwrap(), 2);

    // Own messages are never unread; a new one from bob counts one.
    a1.send_text(&carol, "reply").await;
    b.send_text(&alice, "bob 4").await;
    event_where(&mut a1, "onTotalUnreadMessageCountUpdated", |t| *t == 3).await;
    assert_eq!(a1.call("getTotalUnreadMessageCount", json!([])).await.unwrap(), 3);
    assert_eq!(
        err_code(a1.call("setConversationDraft", json!([{"conversationID": "C2Cnobody", "draftText": "x"}])).await),
        2500
    );
}

#[tokio::test]
async fn test_pin_marks_custom_data_sync_to_the_other_device() {
    let server = multi_server().await;
    let (_alice, bob, carol, mut a1, mut a2) = setup(&server).await;
    let (cb, cc) = (format!("C2C{bob}"), format!("C2C{carol}"));

    // Pinning bob puts him first, on both devices.
    let r = a1.call("pinConversation", json!([{"conversationID": cb, "isPinned": true}])).await.unwrap();
    assert_eq!(r["conversationID"], cb.as_str());
    assert!(a1.sent.iter().any(|f| f["head"]["servcmd"] == "recentcontact.top"
        && f["body"]["OperationType"] == 1
        && f["body"]["RecentContactItem"][0]["To_Account"] == bob.as_str()));
    let want = vec![cb.clone(), cc.clone()];
    for d in [&mut a1, &mut a2] {
        let l = event_where(d, "onConversationListUpdated", |l| ids(l.as_array().unwrap()) == want).await;
        assert_eq!(l[0]["isPinned"], true);
    }
    // Pinning again is answered locally.
    let n = a1.sent.len();
    a1.call("pinConversation", json!([{"conversationID": cb, "isPinned": true}])).await.unwrap();
    assert!(a1.sent[n..].iter().all(|f| f["head"]["servcmd"] != "recentcontact.top"));
    assert_eq!(
        err_code(a1.call("pinConversation", json!([{"conversationID": "C2Cnobody", "isPinned": true}])).await),
        2500
    );

    // Marks: the wire carries the bit index; the other device gets the new bits.
    let r = a1
        .call("markConversation", json!([{"conversationIDList": [cb, "C2Cnobody"], "markType": 1, "enableMark": true}]))
        .await
        .unwrap();
    assert_eq!(r["successConversationIDList"], json!([cb]));
    assert_eq!(r["failureConversationIDList"][0]["conversationID"], "C2Cnobody");
    assert_eq!(r["failureConversationIDList"][0]["code"], 2500);
    assert!(a1.sent.iter().any(|f| f["body"]["MarkItem"][0]["SetMark"] == json!([0])));
    a1.call("markConversation", json!([{"conversationIDList": [cb, cc], "markType": 4, "enableMark": true}]))
        .await
        .unwrap();
    let l = list(&mut a1, Value::Null).await;
    assert_eq!(conv(&l, &cb)["markList"], json!([1, 4]));
    assert_eq!(ids(&list(&mut a1, json!({"markType": 1})).await), vec![cb.clone()]);
    assert_eq!(ids(&list(&mut a1, json!({"markType": 4, "type": "C2C"})).await), want);
    assert!(list(&mut a1, json!({"markType": 4, "type": "GROUP"})).await.is_empty());
    let bob_marks = |l: &Value| {
        l.as_array().unwrap().iter().any(|c| c["conversationID"] == cb.as_str() && c["markList"] == json!([1, 4]))
    };
    event_where(&mut a2, "onConversationListUpdated", bob_marks).await;
    assert_eq!(ids(&list(&mut a2, json!({"markType": 1})).await), vec![cb.clone()]);
    a1.call("markConversation", json!([{"conversationIDList": [cb], "markType": 1, "enableMark": false}]))
        .await
        .unwrap();
    let l = event_where(&mut a2, "onConversationListUpdated", |l| {
        l.as_array().unwrap().iter().any(|c| c["conversationID"] == cb.as_str() && c["markList"] == json!([4]))
    })
    .await;
    assert_eq!(conv(l.as_array().unwrap(), &cc)["markList"], json!([4]));

    // Custom data.
    let r =
        a1.call("setConversationCustomData", json!([{"conversationIDList": [cc], "customData": "vip"}])).await.unwrap();
    assert_eq!(r["successConversationIDList"], json!([cc]));
    assert_eq!(conv(&list(&mut a1, Value::Null).await, &cc)["customData"], "vip");
    event_where(&mut a2, "onConversationListUpdated", |l| {
        l.as_array().unwrap().iter().any(|c| c["conversationID"] == cc.as_str() && c["customData"] == "vip")
    })
    .await;

    // Unpin: back to message order everywhere.
    a2.call("pinConversation", json!([{"conversationID": cb, "isPinned": false}])).await.unwrap();
    let back = vec![cc.clone(), cb.clone()];
    event_where(&mut a1, "onConversationListUpdated", |l| ids(l.as_array().unwrap()) == back).await;

    // A fresh device gets pin state, marks and custom data from page_get.
    a1.call("pinConversation", json!([{"conversationID": cb, "isPinned": true}])).await.unwrap();
    let mut a3 = Driver::new(&server);
    a3.login(&a1.user.clone()).await;
    a3.pump(300).await;
    let l = list(&mut a3, Value::Null).await;
    assert_eq!(ids(&l), want);
    assert_eq!(conv(&l, &cb)["isPinned"], true);
    assert_eq!(conv(&l, &cb)["markList"], json!([4]));
    assert_eq!(conv(&l, &cc)["customData"], "vip");
}

#[tokio::test]
async fn test_conversation_groups_sync_and_errors() {
    let server = multi_server().await;
    let (alice, bob, carol, mut a1, mut a2) = setup(&server).await;
    let (cb, cc) = (format!("C2C{bob}"), format!("C2C{carol}"));

    let r =
        a1.call("createConversationGroup", json!([{"groupName": "work", "conversationIDList": [cb]}])).await.unwrap();
    assert_eq!(r["successConversationIDList"], json!([cb]));
    assert_eq!(r["failureConversationIDList"], json!([]));
    assert_eq!(a1.call("getConversationGroupList", json!([])).await.unwrap(), json!(["work"]));
    event_where(&mut a1, "onConversationGroupListUpdated", |g| *g == json!(["work"])).await;
    event_where(&mut a2, "onConversationGroupListUpdated", |g| *g == json!(["work"])).await;
    event_where(&mut a2, "onConversationListUpdated", |l| {
        conv(l.as_array().unwrap(), &cb)["conversationGroupList"] == json!(["work"])
    })
    .await;
    assert_eq!(a2.call("getConversationGroupList", json!([])).await.unwrap(), json!(["work"]));

    // Add and remove members: CONVERSATION_IN_GROUP_UPDATED on both devices.
    let r =
        a1.call("addConversationsToGroup", json!([{"groupName": "work", "conversationIDList": [cc]}])).await.unwrap();
    assert_eq!(r["successConversationIDList"], json!([cc]));
    for d in [&mut a1, &mut a2] {
        let e =
            event_where(d, "onConversationInGroupUpdated", |e| e["conversationList"].as_array().unwrap().len() == 2)
                .await;
        assert_eq!(e["groupName"], "work");
        assert_eq!(ids(e["conversationList"].as_array().unwrap()), vec![cc.clone(), cb.clone()]);
    }
    assert_eq!(ids(&list(&mut a2, json!({"groupName": "work"})).await), vec![cc.clone(), cb.clone()]);
    assert!(list(&mut a2, json!({"groupName": "work", "markType": 1})).await.is_empty());
    a2.call("deleteConversationsFromGroup", json!([{"groupName": "work", "conversationIDList": [cb]}])).await.unwrap();
    let e =
        event_where(&mut a1, "onConversationInGroupUpdated", |e| e["conversationList"].as_array().unwrap().len() == 1)
            .await;
    assert_eq!(ids(e["conversationList"].as_array().unwrap()), vec![cc.clone()]);
    assert_eq!(ids(&list(&mut a1, json!({"groupName": "work"})).await), vec![cc.clone()]);

    // Rename.
    a1.call("renameConversationGroup", json!([{"oldName": "work", "newName": "job"}])).await.unwrap();
    assert_eq!(a1.call("getConversationGroupList", json!([])).await.unwrap(), json!(["job"]));
    event_where(&mut a2, "onConversationGroupListUpdated", |g| *g == json!(["job"])).await;
    assert_eq!(ids(&list(&mut a2, json!({"groupName": "job"})).await), vec![cc.clone()]);
    assert!(list(&mut a2, json!({"groupName": "work"})).await.is_empty());

    // A fresh device gets the groups and memberships at login.
    let mut a3 = Driver::new(&server);
    a3.login(&alice).await;
    event_where(&mut a3, "onConversationGroupListUpdated", |g| *g == json!(["job"])).await;
    a3.pump(300).await;
    assert_eq!(ids(&list(&mut a3, json!({"groupName": "job"})).await), vec![cc.clone()]);

    // Errors: unknown group 51009, bad name 51011, the 21st group 51010.
    assert_eq!(err_code(a1.call("deleteConversationGroup", json!(["nope"])).await), 51009);
    assert_eq!(
        err_code(a1.call("addConversationsToGroup", json!([{"groupName": "nope", "conversationIDList": [cb]}])).await),
        51009
    );
    let long = "x".repeat(33);
    assert_eq!(
        err_code(a1.call("createConversationGroup", json!([{"groupName": long, "conversationIDList": [cb]}])).await),
        51011
    );
    for i in 1..20 {
        a1.call("createConversationGroup", json!([{"groupName": format!("g{i}"), "conversationIDList": [cb]}]))
            .await
            .unwrap();
    }
    assert_eq!(
        err_code(a1.call("createConversationGroup", json!([{"groupName": "g20", "conversationIDList": [cb]}])).await),
        51010
    );
    assert_eq!(a1.call("getConversationGroupList", json!([])).await.unwrap().as_array().unwrap().len(), 20);

    // Delete: gone from the list and from the conversations, on both devices.
    a1.call("deleteConversationGroup", json!(["job"])).await.unwrap();
    assert!(!a1.call("getConversationGroupList", json!([])).await.unwrap().as_array().unwrap().contains(&json!("job")));
    event_where(&mut a2, "onConversationGroupListUpdated", |g| {
        g.as_array().unwrap().len() == 19 && !g.as_array().unwrap().contains(&json!("job"))
    })
    .await;
    assert!(list(&mut a2, json!({"groupName": "job"})).await.is_empty());
    assert_eq!(conv(&list(&mut a2, Value::Null).await, &cc)["conversationGroupList"], json!([]));
}

#[tokio::test]
async fn test_delete_conversation() {
    let server = multi_server().await;
    let (alice, bob, carol, mut a1, _a2) = setup(&server).await;
    let (cb, cc) = (format!("C2C{bob}"), format!("C2C{carol}"));
    let r = a1.call("deleteConversation", json!([cb])).await.unwrap();
    assert_eq!(r, json!({"conversationID": cb}));
    assert!(a1.sent.iter().any(|f| f["head"]["servcmd"] == "recentcontact.batch_delete"
        && f["body"]["ContactItem"][0]["To_Account"] == bob.as_str()
        && f["body"]["ClearRamble"] == 1));
    event_where(&mut a1, "onConversationListUpdated", |l| ids(l.as_array().unwrap()) == vec![cc.clone()]).await;
    assert_eq!(ids(&list(&mut a1, Value::Null).await), vec![cc.clone()]);
    assert_eq!(err_code(a1.call("deleteConversation", json!([cb])).await), 2500);
    // The list form answers with the list.
    let r = a1.call("deleteConversation", json!([{"conversationIDList": [cc], "clearHistoryMessage": false}])).await;
    assert_eq!(r.unwrap(), json!({"conversationIDList": [cc]}));
    assert!(list(&mut a1, Value::Null).await.is_empty());
    // The deletion is on the server: a fresh login does not list them.
    let mut a3 = Driver::new(&server);
    a3.login(&alice).await;
    a3.pump(300).await;
    assert!(list(&mut a3, Value::Null).await.is_empty());
}

#[tokio::test]
async fn test_set_all_message_read() {
    let server = multi_server().await;
    let (_alice, bob, carol, mut a1, mut a2) = setup(&server).await;
    assert_eq!(a1.call("getTotalUnreadMessageCount", json!([])).await.unwrap(), 2);
    a1.call("setAllMessageRead", json!([{"scope": "readAllC2CMessage"}])).await.unwrap();
    assert!(a1.sent.iter().any(|f| f["head"]["servcmd"] == "openim.read_all_unread_msg"
        && f["body"]["C2CReadAllMsg"] == 1
        && f["body"]["GroupReadInfo"] == json!([])));
    assert_eq!(a1.call("getTotalUnreadMessageCount", json!([])).await.unwrap(), 0);
    let l = list(&mut a1, Value::Null).await;
    for id in [format!("C2C{bob}"), format!("C2C{carol}")] {
        assert_eq!(conv(&l, &id)["unreadCount"], 0);
    }
    event_where(&mut a2, "onTotalUnreadMessageCountUpdated", |t| *t == 0).await;
}

#[tokio::test]
async fn test_a_list_longer_than_one_page_is_synced_whole() {
    // 130 conversations: two page_get pages of the server (100 each), with the SDK sending the
    // cursors of each reply as tim-js-sdk does.
    let server = server_with(|c| c.conversations.max_list = 500).await;
    let alice = uid("palice");
    let mut a = Driver::new(&server);
    a.login(&alice).await;
    let peers: Vec<String> = (0..130).map(|i| uid(&format!("pp{i}_"))).collect();
    for p in &peers {
        a.send_text(p, "hello").await;
    }
    // A device that synced once, reloaded: its cursor brings no message, so the list is what
    // page_get pages bring (and the cached conversations it does not bring are dropped).
    let mut first = Driver::new(&server);
    first.login(&alice).await;
    first.pump(1_200).await;
    let mut fresh = Driver::new(&server);
    fresh.cache = first.snapshot();
    first.call("logout", json!([])).await.unwrap();
    fresh.login(&alice).await;
    fresh.pump(1_200).await;
    let mut got = ids(&list(&mut fresh, Value::Null).await);
    let mut want: Vec<String> = peers.iter().map(|p| format!("C2C{p}")).collect();
    assert_eq!(got.len(), 130);
    got.sort();
    want.sort();
    assert_eq!(got, want);
    let pages = fresh.sent.iter().filter(|f| f["head"]["servcmd"] == "recentcontact.page_get").count();
    assert_eq!(pages, 2, "one request per server page");
}
