//! Conversations against a real server (both backends via the harness): `page_get` paging with
//! pinned conversations first and the list limit, pin / marks / custom data / conversation
//! groups with their `RecentContactMod` pushes to a second session of the same user, the
//! conversation-group error codes, per-conversation mark failures, and deletion hiding history.

use crate::common::*;
use serde_json::{json, Value};
use std::time::Duration;
use tim_server::config::ConversationsConfig;
use tim_server::{Config, MultiInstance};

fn allow() -> Config {
    Config { multi_instance: MultiInstance::Allow, ..config() }
}

/// A second session of `user` (another web instance).
async fn second(server: &tim_server::ServerHandle, user: &str) -> Client {
    let mut c = Client::connect(server, &format!("inst2-{user}")).await;
    c.login(user).await;
    c
}

/// Every `page_get` page from the start: (items in order, number of pages).
async fn all_pages(c: &mut Client) -> (Vec<Value>, usize) {
    let mut cur = json!({"TimeStamp": 0, "StartIndex": 0, "TopTimeStamp": 0, "TopStartIndex": 0});
    let mut items = Vec::new();
    for pages in 1..50 {
        let mut body = json!({"From_Account": "", "OrderType": 1, "MsgAssistFlags": 15, "AssistFlags": 31});
        for k in ["TimeStamp", "StartIndex", "TopTimeStamp", "TopStartIndex"] {
            body[k] = cur[k].clone();
        }
        let r = c.call("recentcontact.page_get", body).await;
        assert_eq!(r["ErrorCode"], 0, "{r}");
        items.extend(r["SessionItem"].as_array().unwrap().iter().cloned());
        if r["CompleteFlag"] == 1 {
            return (items, pages);
        }
        cur = r;
    }
    panic!("page_get never completed");
}

fn peer_of(i: &Value) -> String {
    if i["Type"] == 1 {
        i["To_Account"].as_str().unwrap().to_string()
    } else {
        i["ToAccount"].as_str().unwrap().to_string()
    }
}

/// Forget every push that arrives within 300 ms.
async fn drain(c: &mut Client) {
    while c.push(Duration::from_millis(300)).await.is_some() {}
}

async fn event11(c: &mut Client) -> Value {
    loop {
        let f = c.push(Duration::from_secs(3)).await.expect("no RecentContactMod push");
        let item = &f.body["EventArray"][0];
        if item["Event"] == 11 {
            return item["RecentContactMod"][0].clone();
        }
    }
}

async fn paging(max_list: usize) -> (Vec<Value>, usize, Vec<String>) {
    let server = start_with(Config {
        conversations: ConversationsConfig { max_list, ..ConversationsConfig::default() },
        ..config()
    })
    .await;
    let (mut a, _alice) = user(&server, "alice").await;
    let peers: Vec<String> = (0..105).map(|n| uniq(&format!("p{n}"))).collect();
    for (n, p) in peers.iter().enumerate() {
        let r = a.send_text(p, &format!("hi {n}"), n as u64 + 1, 1000 + n as u64).await;
        assert_eq!(r["ErrorCode"], 0, "{r}");
    }
    for p in [&peers[3], &peers[50]] {
        let r = a
            .call(
                "recentcontact.top",
                json!({"From_Account": "", "OperationType": 1,
                "RecentContactItem": [{"Type": 1, "To_Account": p}]}),
            )
            .await;
        assert_eq!(r["ErrorCode"], 0, "{r}");
    }
    let (items, pages) = all_pages(&mut a).await;
    (items, pages, peers)
}

#[tokio::test]
async fn page_get_pages_pinned_first_within_the_limit() {
    let (items, pages, peers) = paging(500).await;
    assert_eq!(pages, 2, "105 conversations are two pages of 100");
    let got: Vec<String> = items.iter().map(peer_of).collect();
    // Pinned first (the later pin on top), then the rest, newest message first.
    let mut want = vec![peers[50].clone(), peers[3].clone()];
    want.extend(peers.iter().rev().filter(|p| **p != peers[50] && **p != peers[3]).cloned());
    assert_eq!(got, want);
    assert_eq!(items[0]["TopFlags"], 1);
    assert_eq!(items[1]["TopFlags"], 1);
    assert!(items[2..].iter().all(|i| i["TopFlags"] == 0));
    assert_eq!(items[2]["LastMsg"]["MsgBody"][0]["MsgContent"]["Text"], "hi 104");

    // The configured limit (default 100) ends the list.
    let (items, pages, peers) = paging(100).await;
    assert_eq!((items.len(), pages), (100, 1));
    assert_eq!(peer_of(&items[0]), peers[50]);
    assert_eq!(peer_of(&items[99]), peers[6], "the 5 oldest unpinned conversations are left out");
}

#[tokio::test]
async fn pin_marks_groups_and_their_pushes() {
    let server = start_with(allow()).await;
    let (mut a, alice) = user(&server, "alice").await;
    let (mut b, bob) = user(&server, "bob").await;
    let mut a2 = second(&server, &alice).await;
    assert_eq!(a.send_text(&bob, "hello", 1, 1).await["ErrorCode"], 0);
    let r = b
        .call(
            "group_open_http_svc.create_group",
            json!({"Type": "Public", "Name": "G",
            "MemberList": [{"Member_Account": alice}], "ApplyJoinOption": "FreeAccess"}),
        )
        .await;
    let g = r["GroupId"].as_str().unwrap().to_string();
    let r = b
        .call(
            "group_open_http_svc.send_group_msg",
            json!({"GroupId": g, "Random": 7, "ClientSeq": 1,
            "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "g1"}}]}),
        )
        .await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    drain(&mut a2).await;

    // Pin: PushType 2 to the other session, not to the caller.
    let r = a
        .call(
            "recentcontact.top",
            json!({"From_Account": alice, "OperationType": 1,
            "RecentContactItem": [{"Type": 1, "To_Account": bob}, {"Type": 2, "GroupId": g}]}),
        )
        .await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    let p = event11(&mut a2).await;
    assert_eq!(p["PushType"], 2);
    assert_eq!(
        p["RecentContactTopItem"]["RecentContactList"],
        json!([{"Type": 1, "UserId": bob}, {"Type": 2, "GroupId": g}])
    );
    let nobody = uniq("nobody");
    let r = a
        .call("recentcontact.top", json!({"OperationType": 1, "RecentContactItem": [{"Type": 2, "GroupId": nobody}]}))
        .await;
    assert_eq!(r["ErrorCode"], 2500, "{r}");

    // Marks: per-conversation results, bit validation.
    let r = a
        .call(
            "recentcontact.mark_contact",
            json!({"From_Account": alice, "MarkItem": [
            {"OptType": 1, "ContactItem": {"Type": 1, "To_Account": bob}, "SetMark": [0]},
            {"OptType": 1, "ContactItem": {"Type": 2, "ToGroupId": g}, "SetMark": [33]},
            {"OptType": 1, "ContactItem": {"Type": 1, "To_Account": nobody}, "SetMark": [0]},
            {"OptType": 1, "ContactItem": {"Type": 1, "To_Account": bob}, "SetMark": [5]},
            {"OptType": 2, "ContactItem": {"Type": 1, "To_Account": bob}, "CustomMark": "draft-ish"}]}),
        )
        .await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    let codes: Vec<i64> =
        r["ResultItem"].as_array().unwrap().iter().map(|i| i["ResultCode"].as_i64().unwrap()).collect();
    assert_eq!(codes, vec![0, 0, 2500, 90003, 0]);
    assert_eq!(r["ResultItem"][1]["ContactItem"], json!({"Type": 2, "ToGroupId": g}));
    assert_eq!(r["ResultItem"][2]["ContactItem"], json!({"Type": 1, "To_Account": nobody}));
    let p = event11(&mut a2).await;
    assert_eq!(p["PushType"], 4);
    let marks = p["RecentContactMarkContact"]["RecentContactMarkContactItem"].as_array().unwrap();
    assert_eq!(marks.len(), 3);
    assert_eq!(marks[0]["RecentContactItem"], json!({"Type": 1, "UserId": bob}));
    assert_eq!((marks[0]["OptType"].clone(), marks[0]["StandardMark"].clone()), (json!(1), json!("1")));
    assert_eq!(marks[1]["StandardMark"], format!("1{}", "0".repeat(33)));
    assert_eq!((marks[2]["OptType"].clone(), marks[2]["CustomMark"].clone()), (json!(2), json!("draft-ish")));
    let many: Vec<Value> = (0..101)
        .map(|_| json!({"OptType": 1, "ContactItem": {"Type": 1, "To_Account": bob}, "SetMark": [1]}))
        .collect();
    assert_ne!(a.call("recentcontact.mark_contact", json!({"MarkItem": many})).await["ErrorCode"], 0);

    // Conversation groups.
    let r = a
        .call("recentcontact.create_contact_group", json!({"From_Account": alice, "GroupContactItem": [
            {"GroupName": "work", "ContactItem": [{"Type": 1, "To_Account": bob}, {"Type": 1, "To_Account": nobody}]}]}))
        .await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    let res = &r["GroupResultItem"][0];
    let work = res["GroupItem"]["GroupId"].as_u64().unwrap();
    assert_eq!(res["GroupItem"]["GroupName"], "work");
    assert_eq!(res["ResultItem"][0]["ResultCode"], 0);
    assert_eq!(res["ResultItem"][1]["ResultCode"], 2500);
    let p = event11(&mut a2).await;
    assert_eq!(p["PushType"], 5);
    let item = &p["RecentContactCreateContactGroup"]["MsgContactGroupContactItem"][0];
    assert_eq!(item["MsgGroupItem"], json!({"GroupId": work, "GroupName": "work"}));
    assert_eq!(item["MsgRecentContactItem"], json!([{"Type": 1, "UserId": bob}]));

    let create = |name: String| json!({"GroupContactItem": [{"GroupName": name, "ContactItem": []}]});
    assert_eq!(a.call("recentcontact.create_contact_group", create("work".into())).await["ErrorCode"], 51011);
    assert_eq!(a.call("recentcontact.create_contact_group", create(String::new())).await["ErrorCode"], 51011);
    assert_eq!(a.call("recentcontact.create_contact_group", create("x".repeat(33))).await["ErrorCode"], 51011);
    for n in 1..20 {
        let r = a.call("recentcontact.create_contact_group", create(format!("g{n}"))).await;
        assert_eq!(r["ErrorCode"], 0, "{r}");
    }
    assert_eq!(a.call("recentcontact.create_contact_group", create("g20".into())).await["ErrorCode"], 51010);
    assert_eq!(a.call("recentcontact.del_contact_group", json!({"GroupName": ["missing"]})).await["ErrorCode"], 51009);
    let rename = |old: &str, new: &str| json!({"UpdateType": 1, "UpdateGroup": {"UpdateGroupType": 1, "OldGroupName": old, "NewGroupName": new}});
    assert_eq!(a.call("recentcontact.update_contact_group", rename("missing", "x")).await["ErrorCode"], 51009);
    assert_eq!(a.call("recentcontact.update_contact_group", rename("work", "g1")).await["ErrorCode"], 51011);
    drain(&mut a2).await;

    // Add the group conversation (as tim-js-sdk sends it: GroupName, UpdateItem, OperationType).
    let r = a
        .call(
            "recentcontact.update_contact_group",
            json!({"UpdateType": 1, "UpdateGroup": {"UpdateGroupType": 2,
            "GroupName": "work", "UpdateItem": [{"OperationType": 1, "ContactItem": {"Type": 2, "GroupId": g}}]}}),
        )
        .await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    assert_eq!(r["UpdateGroupResult"]["ContactResultItem"][0]["ContactItem"], json!({"Type": 2, "ToGroupId": g}));
    assert_eq!(r["UpdateGroupResult"]["ContactResultItem"][0]["ResultCode"], 0);
    let p = event11(&mut a2).await;
    assert_eq!(p["PushType"], 7);
    let u = &p["RecentContactUpdateContactGroup"];
    assert_eq!(u["UpdateType"], 1);
    assert_eq!(u["MsgUpdateGroup"]["UpdateGroupType"], 2);
    assert_eq!(u["MsgUpdateGroup"]["OldGroupName"], "work");
    assert_eq!(
        u["MsgUpdateGroup"]["RecentContactUpdateGroupItem"],
        json!([{"ContactOptType": 1, "RecentContactItem": {"Type": 2, "GroupId": g}}])
    );

    let r = a.call("recentcontact.update_contact_group", rename("work", "office")).await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    assert_eq!(r["UpdateGroupResult"]["GroupId"], work);
    let p = event11(&mut a2).await;
    assert_eq!(
        p["RecentContactUpdateContactGroup"]["MsgUpdateGroup"],
        json!({"UpdateGroupType": 1, "GroupId": work, "GroupName": "office", "OldGroupName": "work"})
    );

    // The list and get_contact_group carry it all.
    let (items, _) = all_pages(&mut a).await;
    let bob_item = items.iter().find(|i| i["Type"] == 1 && i["To_Account"] == bob.as_str()).unwrap();
    assert_eq!(bob_item["TopFlags"], 1);
    assert_eq!(bob_item["StandardMark"], "1");
    assert_eq!(bob_item["CustomMark"], "draft-ish");
    assert_eq!(bob_item["ContactGroupId"], json!([work]));
    let g_item = items.iter().find(|i| i["Type"] == 2 && i["ToAccount"] == g.as_str()).unwrap();
    assert_eq!(g_item["ContactGroupId"], json!([work]));
    assert_eq!(g_item["TopFlags"], 1);
    let r = a.call("recentcontact.page_get", json!({"TimeStamp": 0, "StartIndex": 0})).await;
    assert_eq!(r["GroupItem"].as_array().unwrap().len(), 20);
    let r = a.call("recentcontact.get_contact_group", json!({"From_Account": alice, "StartIndex": 0})).await;
    assert_eq!(r["CompleteFlag"], 1);
    assert_eq!(r["GroupItem"][0], json!({"GroupId": work, "GroupName": "office"}));
    let c = r["ContactItem"].as_array().unwrap();
    let cb = c.iter().find(|i| i["To_Account"] == bob.as_str()).unwrap();
    assert_eq!((cb["StandardMark"].clone(), cb["CustomMark"].clone()), (json!("1"), json!("draft-ish")));
    assert_eq!(cb["ContactGroupId"], json!([work]));
    let cg = c.iter().find(|i| i["ToGroupId"] == g.as_str()).unwrap();
    assert_eq!(cg["StandardMark"], format!("1{}", "0".repeat(33)));

    // Remove, delete the group, unpin.
    let r = a
        .call("recentcontact.update_contact_group", json!({"UpdateType": 1, "UpdateGroup": {"UpdateGroupType": 2,
            "GroupName": "office", "UpdateItem": [{"OperationType": 2, "ContactItem": {"Type": 1, "To_Account": bob}}]}}))
        .await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    let p = event11(&mut a2).await;
    assert_eq!(
        p["RecentContactUpdateContactGroup"]["MsgUpdateGroup"]["RecentContactUpdateGroupItem"][0]["ContactOptType"],
        2
    );
    let r = a.call("recentcontact.del_contact_group", json!({"From_Account": alice, "GroupName": ["office"]})).await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    assert_eq!(r["GroupItem"], json!([{"GroupId": work, "GroupName": "office"}]));
    let p = event11(&mut a2).await;
    assert_eq!(p["PushType"], 6);
    assert_eq!(p["RecentContactDelContactGroup"]["MsgGroupItem"], json!([{"GroupId": work, "GroupName": "office"}]));
    let r = a
        .call("recentcontact.top", json!({"OperationType": 2, "RecentContactItem": [{"Type": 1, "To_Account": bob}]}))
        .await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    let p = event11(&mut a2).await;
    assert_eq!(p["PushType"], 3);
    let (items, _) = all_pages(&mut a).await;
    assert_eq!(peer_of(&items[0]), g, "the group stays pinned on top");
    let bob_item = items.iter().find(|i| i["Type"] == 1 && i["To_Account"] == bob.as_str()).unwrap();
    assert_eq!((bob_item["TopFlags"].clone(), bob_item["ContactGroupId"].clone()), (json!(0), json!([])));
    // The caller's own session gets no RecentContactMod.
    while let Some(f) = a.push(Duration::from_millis(200)).await {
        assert_ne!(f.body["EventArray"][0]["Event"], 11, "{}", f.to_json());
    }
}

async fn roam(c: &mut Client, peer: &str) -> Value {
    c.call("openim.getroammsg", json!({"Peer_Account": peer, "MaxCnt": 15, "LastMsgTime": 0, "MsgKey": ""})).await
}

#[tokio::test]
async fn deletion_hides_the_conversation_and_its_history() {
    for sync in [false, true] {
        let server = start_with(Config {
            conversations: ConversationsConfig { sync_conversation_deletion: sync, ..ConversationsConfig::default() },
            ..allow()
        })
        .await;
        let (mut a, alice) = user(&server, "alice").await;
        let (mut b, bob) = user(&server, "bob").await;
        let mut a2 = second(&server, &alice).await;
        for n in 0..3 {
            assert_eq!(b.send_text(&alice, &format!("m{n}"), n + 1, n + 1).await["ErrorCode"], 0);
        }
        let r = b
            .call(
                "group_open_http_svc.create_group",
                json!({"Type": "Public", "Name": "G",
                "MemberList": [{"Member_Account": alice}], "ApplyJoinOption": "FreeAccess"}),
            )
            .await;
        let g = r["GroupId"].as_str().unwrap().to_string();
        for n in 0..2 {
            let r = b
                .call(
                    "group_open_http_svc.send_group_msg",
                    json!({"GroupId": g, "Random": 50 + n, "ClientSeq": n + 1,
                    "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": format!("g{n}")}}]}),
                )
                .await;
            assert_eq!(r["ErrorCode"], 0, "{r}");
        }
        assert_eq!(roam(&mut a, &bob).await["MsgList"].as_array().unwrap().len(), 3);
        drain(&mut a2).await;

        let r = a
            .call("recentcontact.batch_delete", json!({"From_Account": alice, "ClearRamble": 1, "ContactItem": [
                {"Type": 1, "To_Account": bob}, {"Type": 2, "ToGroupid": g}, {"Type": 2, "ToGroupid": uniq("nogroup")}]}))
            .await;
        assert_eq!(r["ErrorCode"], 0, "{r}");
        assert_eq!(r["ResultItem"][0], json!({"Type": 1, "To_Account": bob, "ResultCode": 0, "ResultInfo": ""}));
        assert_eq!(r["ResultItem"][1]["ToGroupid"], g.as_str());
        assert_eq!(r["ResultItem"][1]["ResultCode"], 0);
        assert_eq!(r["ResultItem"][2]["ResultCode"], 2500);
        if sync {
            let p = event11(&mut a2).await;
            assert_eq!(p["PushType"], 1);
            assert_eq!(
                p["RecentContactDeleteItem"]["RecentContactList"],
                json!([{"Type": 1, "UserId": bob}, {"Type": 2, "GroupId": g}])
            );
        } else {
            a2.no_push(Duration::from_millis(300)).await;
        }
        let (items, _) = all_pages(&mut a).await;
        assert!(items.is_empty(), "{items:?}");
        let r = roam(&mut a, &bob).await;
        assert_eq!((r["MsgList"].as_array().unwrap().len(), r["Complete"].clone()), (0, json!(1)));
        assert_eq!(roam(&mut b, &alice).await["MsgList"].as_array().unwrap().len(), 3, "bob keeps his history");
        let r = a.call("group_open_http_svc.group_msg_get", json!({"GroupId": g, "ReqMsgNumber": 20})).await;
        assert_eq!((r["RspMsgList"].as_array().unwrap().len(), r["IsFinished"].clone()), (0, json!(2)), "{r}");
        let (_, last) = a.getmsg_all("").await;
        let unread = last["C2CPairUnreadCount"].as_array().unwrap();
        assert!(unread.iter().all(|u| u["UnreadCount"] == 0), "{unread:?}");

        // A later message brings the conversation back, without the deleted history.
        assert_eq!(b.send_text(&alice, "again", 10, 10).await["ErrorCode"], 0);
        let r = b
            .call(
                "group_open_http_svc.send_group_msg",
                json!({"GroupId": g, "Random": 99, "ClientSeq": 9,
                "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "g-again"}}]}),
            )
            .await;
        assert_eq!(r["ErrorCode"], 0, "{r}");
        let (items, _) = all_pages(&mut a).await;
        // (C2C and group messages of the same second have no defined order.)
        let mut peers: Vec<String> = items.iter().map(peer_of).collect();
        peers.sort();
        let mut want = vec![g.clone(), bob.clone()];
        want.sort();
        assert_eq!(peers, want);
        assert!(items.iter().all(|i| i["UnreadMsgCount"] == 1), "{items:?}");
        assert_eq!(texts(roam(&mut a, &bob).await["MsgList"].as_array().unwrap()), vec!["again".to_string()]);
        let r = a.call("group_open_http_svc.group_msg_get", json!({"GroupId": g, "ReqMsgNumber": 20})).await;
        assert_eq!(r["RspMsgList"].as_array().unwrap().len(), 1, "{r}");
        assert_eq!(r["RspMsgList"][0]["MsgBody"][0]["MsgContent"]["Text"], "g-again");

        // REST equivalents.
        let r =
            rest(&server, "recentcontact/get_list", &json!({"From_Account": alice, "TimeStamp": 0, "StartIndex": 0}))
                .await;
        assert_eq!(r["SessionItem"].as_array().unwrap().len(), 2, "{r}");
        let r =
            rest(&server, "recentcontact/delete", &json!({"From_Account": alice, "Type": 1, "To_Account": bob})).await;
        assert_eq!(r["ErrorCode"], 0, "{r}");
        let r = rest(&server, "recentcontact/get_list", &json!({"From_Account": alice})).await;
        assert_eq!(r["SessionItem"].as_array().unwrap().len(), 1, "{r}");
    }
}

#[tokio::test]
async fn set_all_message_read_clears_unread_and_syncs_other_sessions() {
    let server = start_with(allow()).await;
    let (mut a, alice) = user(&server, "alice").await;
    let (mut b, bob) = user(&server, "bob").await;
    let (mut c, carol) = user(&server, "carol").await;
    let mut a2 = second(&server, &alice).await;
    assert_eq!(b.send_text(&alice, "b1", 1, 1).await["ErrorCode"], 0);
    assert_eq!(c.send_text(&alice, "c1", 1, 2).await["ErrorCode"], 0);
    let r = b
        .call(
            "group_open_http_svc.create_group",
            json!({"Type": "Public", "Name": "G",
            "MemberList": [{"Member_Account": alice}], "ApplyJoinOption": "FreeAccess"}),
        )
        .await;
    let g = r["GroupId"].as_str().unwrap().to_string();
    for n in 0..2u64 {
        let r = b
            .call(
                "group_open_http_svc.send_group_msg",
                json!({"GroupId": g, "Random": 70 + n, "ClientSeq": n + 1,
                "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}]}),
            )
            .await;
        assert_eq!(r["ErrorCode"], 0, "{r}");
    }
    let (items, _) = all_pages(&mut a).await;
    let gi = items.iter().find(|i| i["Type"] == 2).unwrap();
    assert_eq!(gi["UnreadMsgCount"], 2);
    let last = gi["MsgSeq"].as_u64().unwrap();
    drain(&mut a2).await;

    let r = a
        .call(
            "openim.read_all_unread_msg",
            json!({"C2CReadAllMsg": 1, "GroupReadInfo": [
            {"GroupId": g, "MsgSeq": last}, {"GroupId": uniq("@TGS#nogroup"), "MsgSeq": 3}]}),
        )
        .await;
    assert_eq!(r["ErrorCode"], 0, "{r}");
    assert_eq!(r["C2CReadAllMsg"], 1);
    assert_eq!(r["GroupReadInfoArray"][0], json!({"GroupId": g, "MsgSeq": last, "RetCode": 0}));
    assert_ne!(r["GroupReadInfoArray"][1]["RetCode"], 0);
    let f = loop {
        let f = a2.push(Duration::from_secs(3)).await.expect("no Event 14");
        if f.body["EventArray"][0]["Event"] == 14 {
            break f;
        }
    };
    let ev = &f.body["EventArray"][0];
    assert_eq!(ev["C2CReadAllMsg"], 1);
    assert_eq!(ev["GroupReadInfoArray"], json!([{"GroupId": g, "LastReadMsgSeq": last}]));
    let (_, rep) = a.getmsg_all("").await;
    let unread = rep["C2CPairUnreadCount"].as_array().unwrap();
    assert!(unread.iter().all(|u| u["UnreadCount"] == 0), "{unread:?}");
    let (items, _) = all_pages(&mut a).await;
    assert!(items.iter().all(|i| i["UnreadMsgCount"] == 0), "{items:?}");
    let _ = (bob, carol);
}
