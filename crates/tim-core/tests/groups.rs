//! Groups through the engine's public API against a real in-process tim-server over real
//! WebSockets: create, join, list, messages, tips and notices, read state, history paging,
//! profile changes, members, removal, and the SDK-side and server-side error paths.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

async fn group(d: &mut Driver, kind: &str, extra: Value) -> String {
    let mut opts = json!({"type": kind, "name": "G-One"});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        opts[k] = v;
    }
    let r = d.call("createGroup", json!([opts])).await.unwrap();
    let g = &r["group"];
    assert_eq!(g["type"], kind, "{r}");
    assert_eq!(g["selfInfo"]["role"], "Owner", "{r}");
    assert!(r["overLimitUserIDList"].is_array());
    g["groupID"].as_str().unwrap().to_string()
}

async fn send_group(d: &mut Driver, group: &str, text: &str) -> Value {
    let m = d
        .call("createTextMessage", json!([{"to": group, "conversationType": "GROUP", "payload": {"text": text}}]))
        .await
        .unwrap();
    d.call("sendMessage", json!([m])).await.unwrap()["message"].clone()
}

fn group_ids(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|g| g["groupID"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn test_public_group_create_join_message_tip_read_and_quit() {
    let server = server().await;
    let (alice, bob) = (uid("galice"), uid("gbob"));
    let mut a = Driver::new(&server);
    let mut b = Driver::new(&server);
    a.login(&alice).await;
    b.login(&bob).await;

    let gid = group(&mut a, "Public", json!({"joinOption": "FreeAccess"})).await;
    assert!(gid.starts_with("@TGS#"), "{gid}");
    // Like tim-js-sdk, the creator sends the `group_create` custom message to the new group.
    assert!(a.sent.iter().any(|f| f["head"]["servcmd"] == "group_open_http_svc.send_group_msg"
        && f["body"]["MsgBody"][0]["MsgContent"]["Data"] == "group_create"));
    assert!(
        a.pump_until(5_000, |d| d
            .events
            .iter()
            .any(|e| e.0 == "onGroupListUpdated" && e.1.as_ref().is_some_and(|l| group_ids(l) == vec![gid.clone()])))
            .await,
        "GROUP_LIST_UPDATED with the new group"
    );

    let joined = b.call("joinGroup", json!([{"groupID": gid, "type": "Public"}])).await.unwrap();
    assert_eq!(joined["status"], "JoinedSuccess", "{joined}");
    assert_eq!(joined["group"]["groupID"], gid.as_str());
    assert_eq!(joined["group"]["selfInfo"]["role"], "Member");
    // Joining again answers AlreadyInGroup without an error.
    let again = b.call("joinGroup", json!([{"groupID": gid}])).await.unwrap();
    assert_eq!(again["status"], "AlreadyInGroup");

    // The owner sees bob's join as a group tip in the group conversation.
    let tip = received_where(&mut a, "join tip", |m| m["type"] == "TIMGroupTipElem").await;
    assert_eq!(tip["conversationID"], format!("GROUP{gid}"));
    assert_eq!(tip["payload"]["operationType"], 1);
    assert_eq!(tip["payload"]["userIDList"], json!([bob]));
    assert_eq!(tip["payload"]["groupProfile"]["groupID"], gid.as_str());

    let sent = send_group(&mut a, &gid, "hello group").await;
    assert_eq!(sent["status"], "success");
    assert!(sent["sequence"].as_u64().unwrap() >= 2, "{sent}");
    let got = received_where(&mut b, "group text", |m| m["type"] == "TIMTextElem").await;
    assert_eq!(got["ID"], sent["ID"]);
    assert_eq!((got["conversationID"].as_str(), got["flow"].as_str()), (Some(&*format!("GROUP{gid}")), Some("in")));
    assert_eq!(got["payload"]["text"], "hello group");
    assert_eq!(got["sequence"], sent["sequence"]);

    b.pump(1_200).await;
    let list = b.call("getConversationList", json!([])).await.unwrap();
    let conv = list["conversationList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["conversationID"] == format!("GROUP{gid}").as_str())
        .cloned()
        .unwrap_or_else(|| panic!("no group conversation: {list}"));
    assert_eq!(conv["type"], "GROUP");
    assert_eq!(conv["unreadCount"], 1, "{conv}");
    assert_eq!(conv["lastMessage"]["messageForShow"], "hello group");
    assert_eq!(conv["groupProfile"]["groupID"], gid.as_str());
    assert!(conv.get("userProfile").is_none());
    b.call("setMessageRead", json!([{"conversationID": format!("GROUP{gid}")}])).await.unwrap();
    let read = b.sent.iter().rev().find(|f| f["head"]["servcmd"] == "group_open_http_svc.msg_read_report").unwrap();
    assert_eq!(read["body"]["MsgReadedSeq"], sent["sequence"]);

    // A new instance of bob starts from the server's state: the group listed, 0 unread.
    b.call("logout", json!([])).await.unwrap();
    let mut b = Driver::new(&server);
    b.login(&bob).await;
    let b2 = &mut b;
    let groups = b2.call("getGroupList", json!([])).await.unwrap();
    assert_eq!(group_ids(&groups["groupList"]), vec![gid.clone()]);
    b2.pump(300).await;
    let list = b2.call("getConversationList", json!([])).await.unwrap();
    let conv = list["conversationList"].as_array().unwrap().iter().find(|c| c["type"] == "GROUP").cloned().unwrap();
    assert_eq!(
        (conv["unreadCount"].as_u64(), conv["lastMessage"]["messageForShow"].as_str()),
        (Some(0), Some("hello group"))
    );

    // Members, with roles.
    let members = a.call("getGroupMemberList", json!([{"groupID": gid, "count": 30}])).await.unwrap();
    let mut roles: Vec<(String, String)> = members["memberList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["userID"].as_str().unwrap().to_string(), m["role"].as_str().unwrap().to_string()))
        .collect();
    roles.sort();
    let mut want = vec![(alice.clone(), "Owner".to_string()), (bob.clone(), "Member".to_string())];
    want.sort();
    assert_eq!(roles, want);

    // Error paths: the owner of a Public group cannot quit (server 10009); a member cannot
    // dismiss (server 10007); a group not joined is refused by the SDK (2623).
    assert_eq!(err_code(a.call("quitGroup", json!([gid])).await), 10009);
    assert_eq!(err_code(b.call("dismissGroup", json!([gid])).await), 10007);
    assert_eq!(err_code(b.call("quitGroup", json!(["@TGS#nope"])).await), 2623);

    let left = b.call("quitGroup", json!([gid])).await.unwrap();
    assert_eq!(left["groupID"], gid.as_str());
    let after = b.call("getGroupList", json!([])).await.unwrap();
    assert!(group_ids(&after["groupList"]).is_empty());
    let quit_tip =
        received_where(&mut a, "quit tip", |m| m["type"] == "TIMGroupTipElem" && m["payload"]["operationType"] == 2)
            .await;
    assert_eq!(quit_tip["payload"]["userIDList"], json!([bob]));
}

#[tokio::test]
async fn test_profile_change_removal_and_work_group_rules() {
    let server = server().await;
    let (alice, bob, carol) = (uid("palice"), uid("pbob"), uid("pcarol"));
    let mut a = Driver::new(&server);
    let mut b = Driver::new(&server);
    let mut c = Driver::new(&server);
    a.login(&alice).await;
    b.login(&bob).await;
    c.login(&carol).await;

    // Work group: created with bob as an initial member; carol is added later by a member.
    let gid = group(&mut a, "Private", json!({"memberList": [{"userID": bob}]})).await;
    assert_eq!(err_code(c.call("joinGroup", json!([{"groupID": gid, "type": "Private"}])).await), 2601);
    assert_eq!(err_code(a.call("dismissGroup", json!([gid])).await), 2622);
    b.pump_until(5_000, |d| d.events.iter().any(|e| e.0 == "onGroupListUpdated")).await;
    let added = b.call("addGroupMember", json!([{"groupID": gid, "userIDList": [carol]}])).await.unwrap();
    assert_eq!(added["successUserIDList"], json!([carol]), "{added}");
    // carol is told (notice 7, in @TIM#SYSTEM) and the group appears in her list.
    let notice = received_where(&mut c, "invite notice", |m| m["type"] == "TIMGroupSystemNoticeElem").await;
    assert_eq!(notice["conversationID"], "@TIM#SYSTEM");
    assert_eq!(notice["payload"]["operationType"], 7);
    assert_eq!(notice["payload"]["groupProfile"]["groupID"], gid.as_str());
    assert!(
        c.pump_until(5_000, |d| d.events.iter().any(|e| e.0 == "onGroupListUpdated"
            && e.1.as_ref().is_some_and(|l| l.as_array().unwrap().iter().any(|g| g["groupID"] == gid.as_str()))))
            .await
    );

    // Profile change: members get a type 6 tip with the new name, and their group object follows.
    let updated = a.call("updateGroupProfile", json!([{"groupID": gid, "name": "Renamed"}])).await.unwrap();
    assert_eq!(updated["group"]["name"], "Renamed", "{updated}");
    let tip =
        received_where(&mut b, "profile tip", |m| m["type"] == "TIMGroupTipElem" && m["payload"]["operationType"] == 6)
            .await;
    assert_eq!(tip["payload"]["newGroupProfile"]["groupName"], "Renamed", "{tip}");
    let profile = b.call("getGroupProfile", json!([{"groupID": gid}])).await.unwrap();
    assert_eq!(profile["group"]["name"], "Renamed");
    assert_eq!(profile["group"]["memberCount"], 3);

    // Removal: carol gets notice 4 and loses the group; the others see a kick tip.
    let removed =
        a.call("deleteGroupMember", json!([{"groupID": gid, "userIDList": [carol], "reason": "bye"}])).await.unwrap();
    assert_eq!(removed["userIDList"], json!([carol]));
    let kicked = received_where(&mut c, "kick notice", |m| {
        m["type"] == "TIMGroupSystemNoticeElem" && m["payload"]["operationType"] == 4
    })
    .await;
    assert_eq!(kicked["type"], "TIMGroupSystemNoticeElem");
    c.pump(1_200).await;
    let list = c.call("getGroupList", json!([])).await.unwrap();
    assert!(group_ids(&list["groupList"]).is_empty(), "{list}");
    let kick_tip =
        received_where(&mut b, "kick tip", |m| m["type"] == "TIMGroupTipElem" && m["payload"]["operationType"] == 3)
            .await;
    assert_eq!(kick_tip["payload"]["userIDList"], json!([carol]));
    // A non-member cannot send (server 10007), and an unknown group is 10010 on profile reads.
    let m = c
        .call("createTextMessage", json!([{"to": gid, "conversationType": "GROUP", "payload": {"text": "x"}}]))
        .await
        .unwrap();
    let failed = c.call("sendMessage", json!([m])).await.unwrap_err();
    assert_eq!(failed.code, 10007, "{failed:?}");
    assert_eq!(failed.data.as_ref().unwrap()["message"]["status"], "fail");
    assert_eq!(err_code(a.call("getGroupProfile", json!([{"groupID": "@TGS#missing"}])).await), 10010);
    // Bad arguments throw like tim-js-sdk.
    assert!(a.call("createGroup", json!([{"type": "Public"}])).await.unwrap_err().code == -1);
    assert_eq!(err_code(a.call("createGroup", json!([{"type": "Nope", "name": "x"}])).await), 2600);
}

#[tokio::test]
async fn test_group_history_pages_without_gaps_or_duplicates() {
    let server = server().await;
    let (alice, bob) = (uid("halice"), uid("hbob"));
    let mut a = Driver::new(&server);
    a.login(&alice).await;
    let gid = group(&mut a, "ChatRoom", json!({})).await;
    let mut b = Driver::new(&server);
    b.login(&bob).await;
    assert_eq!(b.call("joinGroup", json!([{"groupID": gid}])).await.unwrap()["status"], "JoinedSuccess");
    for i in 0..20 {
        send_group(&mut a, &gid, &format!("m{i}")).await;
    }
    // bob got the last ones live; history fills the rest from the server, newest page first.
    received_where(&mut b, "m19", |m| m["payload"]["text"] == "m19").await;
    let conv = format!("GROUP{gid}");
    let mut all = Vec::new();
    let mut cursor = String::new();
    for _ in 0..5 {
        let page =
            b.call("getMessageList", json!([{"conversationID": conv, "nextReqMessageID": cursor}])).await.unwrap();
        let msgs = page["messageList"].as_array().unwrap().clone();
        assert!(msgs.len() <= 15);
        let mut batch: Vec<Value> = msgs;
        batch.extend(all);
        all = batch;
        if page["isCompleted"] == true {
            break;
        }
        cursor = page["nextReqMessageID"].as_str().unwrap().to_string();
    }
    let seqs: Vec<u64> = all.iter().map(|m| m["sequence"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "sequences not dense and ascending: {seqs:?}");
    assert_eq!(seqs.first(), Some(&1));
    let texts: Vec<&str> = all.iter().filter_map(|m| m["payload"]["text"].as_str()).collect();
    let want: Vec<String> = (0..20).map(|i| format!("m{i}")).collect();
    assert_eq!(texts.iter().filter(|t| t.starts_with('m')).cloned().collect::<Vec<_>>(), want);
    // Meeting groups count no unread (B-conversations-groups.md §4.1).
    let list = b.call("getConversationList", json!([])).await.unwrap();
    let c = list["conversationList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["conversationID"] == conv.as_str())
        .cloned()
        .unwrap();
    assert_eq!(c["unreadCount"], 0);
}

#[tokio::test]
async fn test_group_messages_missed_while_offline_fill_the_history_and_the_unread_count() {
    let server = server().await;
    let (alice, bob) = (uid("oalice"), uid("obob"));
    let mut a = Driver::new(&server);
    let mut b = Driver::new(&server);
    a.login(&alice).await;
    b.login(&bob).await;
    let gid = group(&mut a, "Public", json!({"joinOption": "FreeAccess"})).await;
    b.call("joinGroup", json!([{"groupID": gid}])).await.unwrap();
    send_group(&mut a, &gid, "before").await;
    received_where(&mut b, "before", |m| m["payload"]["text"] == "before").await;

    // bob's network goes away; alice sends three messages; bob reconnects.
    b.offline = true;
    b.cut();
    b.pump(200).await;
    for t in ["g1", "g2", "g3"] {
        send_group(&mut a, &gid, t).await;
    }
    b.offline = false;
    let from = b.sent.len();
    b.pump_until(10_000, |d| d.sent[from..].iter().any(|f| f["head"]["servcmd"] == "recentcontact.page_get")).await;
    b.pump(500).await;
    send_group(&mut a, &gid, "after").await;
    received_where(&mut b, "after", |m| m["payload"]["text"] == "after").await;
    b.pump(1_200).await;

    // The cache holds "before" and "after" with a hole between them: the page fills it from the
    // server instead of skipping the missed messages.
    let page = b.call("getMessageList", json!([{"conversationID": format!("GROUP{gid}")}])).await.unwrap();
    let texts: Vec<&str> =
        page["messageList"].as_array().unwrap().iter().filter_map(|m| m["payload"]["text"].as_str()).collect();
    assert_eq!(texts, ["before", "g1", "g2", "g3", "after"], "{page}");
    let seqs: Vec<u64> =
        page["messageList"].as_array().unwrap().iter().map(|m| m["sequence"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    // The unread count comes from the server after the reconnect: all five are unread.
    let list = b.call("getConversationList", json!([])).await.unwrap();
    let c = list["conversationList"].as_array().unwrap().iter().find(|c| c["type"] == "GROUP").cloned().unwrap();
    assert_eq!(c["unreadCount"], 5, "{c}");
}

#[tokio::test]
async fn test_joined_group_list_pages_past_fifty_groups() {
    let server = server().await;
    let (alice, bob) = (uid("lalice"), uid("lbob"));
    let mut a = Driver::new(&server);
    a.login(&alice).await;
    let mut b = Driver::new(&server);
    b.login(&bob).await;
    b.call("logout", json!([])).await.unwrap();
    for i in 0..55 {
        let r = a
            .call("createGroup", json!([{"type": "Private", "name": format!("W{i}"), "memberList": [{"userID": bob}]}]))
            .await;
        assert!(r.is_ok(), "{r:?}");
    }
    // A fresh login lists all 55 (two pages of 50), and so does getGroupList with extra fields.
    let mut b = Driver::new(&server);
    b.login(&bob).await;
    let list = b.call("getGroupList", json!([{"groupProfileFilter": ["ownerID", "memberNum"]}])).await.unwrap();
    assert_eq!(list["groupList"].as_array().unwrap().len(), 55);
    assert!(list["groupList"]
        .as_array()
        .unwrap()
        .iter()
        .all(|g| g["ownerID"] == alice.as_str() && g["memberCount"] == 2));
    let mut pages: Vec<u64> = b
        .sent
        .iter()
        .filter(|f| f["head"]["servcmd"] == "group_open_http_svc.get_joined_group_list")
        .map(|f| f["body"]["Offset"].as_u64().unwrap())
        .collect();
    pages.sort();
    assert_eq!(pages, [0, 0, 50, 50], "two pages for the login list and two for the call");
    let last =
        b.sent.iter().rev().find(|f| f["head"]["servcmd"] == "group_open_http_svc.get_joined_group_list").unwrap();
    let filter = last["body"]["ResponseFilter"]["GroupBaseInfoFilter"].as_array().unwrap();
    assert!(filter.iter().any(|f| f == "Owner_Account") && filter.iter().any(|f| f == "MemberNum"), "{filter:?}");
}

#[tokio::test]
async fn test_a_join_request_made_while_the_owner_is_offline_reaches_them_at_login() {
    let server = server().await;
    let (alice, bob) = (uid("nalice"), uid("nbob"));
    let mut a = Driver::new(&server);
    a.login(&alice).await;
    let gid = group(&mut a, "Public", json!({"joinOption": "NeedPermission"})).await;
    a.call("logout", json!([])).await.unwrap();

    let mut b = Driver::new(&server);
    b.login(&bob).await;
    let r = b.call("joinGroup", json!([{"groupID": gid, "applyMessage": "please"}])).await.unwrap();
    assert_eq!(r["status"], "WaitAdminApproval");

    // alice logs in later: the request is filed in @TIM#SYSTEM by the first sync (no
    // MESSAGE_RECEIVED for it, as for other offline messages), and she can approve it from there.
    let mut a = Driver::new(&server);
    a.login(&alice).await;
    a.pump(500).await;
    assert!(a.received().is_empty(), "the first sync raises no MESSAGE_RECEIVED");
    let page = a.call("getMessageList", json!([{"conversationID": "@TIM#SYSTEM"}])).await.unwrap();
    let request = page["messageList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["payload"]["operationType"] == 1)
        .cloned()
        .unwrap_or_else(|| panic!("no join request in @TIM#SYSTEM: {page}"));
    assert_eq!(request["type"], "TIMGroupSystemNoticeElem");
    assert_eq!(request["payload"]["operatorID"], bob.as_str());
    assert_eq!(request["payload"]["handleMessage"], "please");
    let handled =
        a.call("handleGroupApplication", json!([{"handleAction": "Agree", "message": request}])).await.unwrap();
    assert_eq!(handled["group"]["groupID"], gid.as_str());
    // The handled request is deleted (openim.deletemsg, as tim-js-sdk does), here and on the
    // server: a new login of alice does not see it again.
    let del = a.sent.iter().rev().find(|f| f["head"]["servcmd"] == "openim.deletemsg").expect("deletemsg sent");
    assert_eq!(
        del["body"]["DelMsgList"],
        json!([{"From_Account": request["from"], "MsgSeq": request["sequence"], "MsgRandom": request["random"]}])
    );
    a.pump(300).await;
    let page = a.call("getMessageList", json!([{"conversationID": "@TIM#SYSTEM"}])).await.unwrap();
    assert!(page["messageList"].as_array().unwrap().iter().all(|m| m["ID"] != request["ID"]), "{page}");
    a.call("logout", json!([])).await.unwrap();
    let mut a2 = Driver::new(&server);
    a2.login(&alice).await;
    a2.pump(500).await;
    let page = a2.call("getMessageList", json!([{"conversationID": "@TIM#SYSTEM"}])).await.unwrap();
    assert!(page["messageList"].as_array().unwrap().iter().all(|m| m["payload"]["operationType"] != 1), "{page}");
    // bob is online: the approval notice arrives live, and the group joins his list.
    let agreed = received_where(&mut b, "approval", |m| m["payload"]["operationType"] == 2).await;
    assert_eq!(agreed["conversationID"], "@TIM#SYSTEM");
    assert!(
        b.pump_until(5_000, |d| d
            .events
            .iter()
            .any(|e| e.0 == "onGroupListUpdated" && e.1.as_ref().is_some_and(|l| group_ids(l).contains(&gid))))
            .await
    );
    // A later login of bob files the approval again without announcing it, and without a duplicate.
    b.call("logout", json!([])).await.unwrap();
    let mut b = Driver::new(&server);
    b.login(&bob).await;
    b.pump(500).await;
    assert!(b.received().is_empty());
    let page = b.call("getMessageList", json!([{"conversationID": "@TIM#SYSTEM"}])).await.unwrap();
    let approvals =
        page["messageList"].as_array().unwrap().iter().filter(|m| m["payload"]["operationType"] == 2).count();
    assert_eq!(approvals, 1, "{page}");
}

#[tokio::test]
async fn test_at_mentions_reach_the_conversation_and_clear_on_read() {
    let server = server().await;
    let (alice, bob, carol) = (uid("aalice"), uid("abob"), uid("acarol"));
    let mut a = Driver::new(&server);
    let mut b = Driver::new(&server);
    let mut c = Driver::new(&server);
    a.login(&alice).await;
    b.login(&bob).await;
    c.login(&carol).await;
    let gid = group(&mut a, "Private", json!({"memberList": [{"userID": bob}, {"userID": carol}]})).await;
    let m = a
        .call(
            "createTextAtMessage",
            json!([{"to": gid, "conversationType": "GROUP", "payload": {"text": "@bob look", "atUserList": [bob]}}]),
        )
        .await
        .unwrap();
    let sent = a.call("sendMessage", json!([m])).await.unwrap()["message"].clone();
    let seq = sent["sequence"].as_u64().unwrap();
    let body =
        &a.sent.iter().rev().find(|f| f["head"]["servcmd"] == "group_open_http_svc.send_group_msg").unwrap()["body"];
    assert_eq!(body["GroupAtInfo"], json!([{"GroupAtAllFlag": 0, "GroupAt_Account": bob}]));
    let got = received_where(&mut b, "@ message", |m| m["payload"]["text"] == "@bob look").await;
    assert_eq!(got["atUserList"], json!([bob]));
    b.pump(1_200).await;
    let conv = |d: &Driver| {
        d.events
            .iter()
            .rev()
            .find(|e| e.0 == "onConversationListUpdated")
            .and_then(|e| e.1.as_ref())
            .and_then(|l| l.as_array().unwrap().iter().find(|c| c["type"] == "GROUP").cloned())
    };
    let at = conv(&b).unwrap()["groupAtInfoList"].clone();
    assert_eq!(at, json!([{"from": alice, "groupID": gid, "messageSequence": seq, "atTypeArray": [1]}]), "{at}");
    // carol was not mentioned; her conversation has no @-tip.
    received_where(&mut c, "@ message", |m| m["payload"]["text"] == "@bob look").await;
    c.pump(1_200).await;
    assert_eq!(conv(&c).unwrap()["groupAtInfoList"], json!([]));
    // @all reaches carol with type 2; reading clears it.
    let m = a
        .call(
            "createTextAtMessage",
            json!([{"to": gid, "conversationType": "GROUP", "payload": {"text": "all of you", "atUserList": ["__kImSDK_MesssAtALL__"]}}]),
        )
        .await
        .unwrap();
    a.call("sendMessage", json!([m])).await.unwrap();
    assert!(
        c.pump_until(5_000, |d| conv(d).is_some_and(|c| c["groupAtInfoList"].as_array().unwrap().len() == 1)).await
    );
    assert_eq!(conv(&c).unwrap()["groupAtInfoList"][0]["atTypeArray"], json!([2]));
    c.call("setMessageRead", json!([{"conversationID": format!("GROUP{gid}")}])).await.unwrap();
    let list = c.call("getConversationList", json!([])).await.unwrap();
    let g = list["conversationList"].as_array().unwrap().iter().find(|x| x["type"] == "GROUP").cloned().unwrap();
    assert_eq!(g["groupAtInfoList"], json!([]));
}

/// As tim-js-sdk: the group system notice conversation shows `[群系统通知]` (the app's SDKAppID
/// is not an international one), is left out of the total unread, and other non-text last
/// messages show their placeholders; setMessageRead on a conversation not in the list yet (a
/// C2C one just opened, a group just joined) resolves.
#[tokio::test]
async fn test_system_notices_show_their_placeholder_stay_out_of_the_total_and_unlisted_reads_resolve() {
    let server = server().await;
    let (alice, bob) = (uid("palice"), uid("pbob"));
    let mut a = Driver::new(&server);
    let mut b = Driver::new(&server);
    a.login(&alice).await;
    b.login(&bob).await;
    let gated = group(&mut a, "Public", json!({"joinOption": "NeedPermission"})).await;
    let open = group(&mut a, "Public", json!({"joinOption": "FreeAccess"})).await;
    let r = b.call("joinGroup", json!([{"groupID": gated, "applyMessage": "please"}])).await.unwrap();
    assert_eq!(r["status"], "WaitAdminApproval");
    received_where(&mut a, "join request", |m| m["conversationID"] == "@TIM#SYSTEM").await;
    let m = b
        .call(
            "createCustomMessage",
            json!([{"to": alice, "conversationType": "C2C", "payload": {"data": "d", "description": "", "extension": ""}}]),
        )
        .await
        .unwrap();
    b.call("sendMessage", json!([m])).await.unwrap();
    received_where(&mut a, "custom message", |m| m["type"] == "TIMCustomElem").await;
    a.pump(1_200).await;
    let list = a.call("getConversationList", json!([])).await.unwrap();
    let conv =
        |id: &str| list["conversationList"].as_array().unwrap().iter().find(|c| c["conversationID"] == id).cloned();
    let sys = conv("@TIM#SYSTEM").unwrap_or_else(|| panic!("no @TIM#SYSTEM: {list}"));
    assert_eq!(sys["lastMessage"]["messageForShow"], "[群系统通知]");
    assert_eq!(sys["unreadCount"], 1);
    let c2c = conv(&format!("C2C{bob}")).unwrap();
    assert_eq!(c2c["lastMessage"]["messageForShow"], "[自定义消息]");
    assert_eq!(c2c["unreadCount"], 1);
    assert_eq!(a.call("getTotalUnreadMessageCount", json!([])).await.unwrap(), 1, "@TIM#SYSTEM is not counted");

    let r = b.call("setMessageRead", json!([{"conversationID": format!("C2C{}", uid("nobody"))}])).await;
    assert_eq!(r.unwrap(), json!({}), "a just-opened C2C conversation");
    b.call("joinGroup", json!([{"groupID": open}])).await.unwrap();
    let r = b.call("setMessageRead", json!([{"conversationID": format!("GROUP{open}")}])).await;
    assert!(r.is_ok(), "a group just joined: {r:?}");
}
