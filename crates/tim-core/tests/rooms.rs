//! AVChatRooms, group attributes, group counters, communities and topics through the engine's
//! public API against a real in-process tim-server over real WebSockets: resolved data, events,
//! the frames sent, and the SDK-side and server-side error codes.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

async fn create(d: &mut Driver, kind: &str, extra: Value) -> String {
    let mut opts = json!({"type": kind, "name": "R-One"});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        opts[k] = v;
    }
    let r = d.call("createGroup", json!([opts])).await.unwrap();
    r["group"]["groupID"].as_str().unwrap().to_string()
}

/// The body of the last frame sent with `servcmd`.
fn last_body(d: &Driver, servcmd: &str) -> Value {
    d.sent.iter().rev().find(|f| f["head"]["servcmd"] == servcmd).map(|f| f["body"].clone()).unwrap_or(Value::Null)
}

/// Pump until an event `name` whose data satisfies `pred`; returns the data.
async fn event_where(d: &mut Driver, name: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = now() + 8_000;
    loop {
        if let Some(i) = d.events.iter().position(|(n, v)| n == name && v.as_ref().is_some_and(&pred)) {
            return d.events.remove(i).1.unwrap();
        }
        assert!(now() < deadline, "no matching {name}; events: {:?}", d.events);
        d.pump(100).await;
    }
}

async fn group_ids(d: &mut Driver) -> Vec<String> {
    let r = d.call("getGroupList", json!([])).await.unwrap();
    r["groupList"].as_array().unwrap().iter().map(|g| g["groupID"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn test_avchatroom_join_messages_members_single_room_and_ban() {
    let server = server().await;
    let (alice, bob) = (uid("ralice"), uid("rbob"));
    let mut a = Driver::new(&server);
    let mut b = Driver::new(&server);
    a.login(&alice).await;
    b.login(&bob).await;

    let room = create(&mut a, "AVChatRoom", json!({})).await;
    let joined = a.call("joinGroup", json!([{"groupID": room, "type": "AVChatRoom"}])).await.unwrap();
    assert_eq!(joined["status"], "JoinedSuccess", "{joined}");
    assert_eq!(joined["group"]["type"], "AVChatRoom");
    let joined = b.call("joinGroup", json!([{"groupID": room, "type": "AVChatRoom"}])).await.unwrap();
    assert_eq!(joined["status"], "JoinedSuccess", "{joined}");
    assert_eq!(joined["group"]["groupID"], room.as_str());
    // The joined room is in the group list (tim-js-sdk keeps it there), and survives a refresh.
    assert!(group_ids(&mut b).await.contains(&room));

    // Messages arrive over the pushes; an AVChatRoom counts no unread.
    let m = a
        .call("createTextMessage", json!([{"to": room, "conversationType": "GROUP", "payload": {"text": "hi room"}}]))
        .await
        .unwrap();
    a.call("sendMessage", json!([m])).await.unwrap();
    let got = received_where(&mut b, "the room message", |m| m["payload"]["text"] == "hi room").await;
    assert_eq!(got["conversationID"], format!("GROUP{room}"));
    let convs = b.call("getConversationList", json!([])).await.unwrap();
    let conv = convs["conversationList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["conversationID"] == format!("GROUP{room}").as_str())
        .cloned()
        .unwrap();
    assert_eq!(conv["unreadCount"], 0, "{conv}");

    let n = b.call("getGroupOnlineMemberCount", json!([room])).await.unwrap();
    assert_eq!(n["memberCount"], 2, "{n}");
    assert_eq!(last_body(&b, "group_open_http_svc.get_online_member_num"), json!({"GroupId": room}));
    // Not a joined room: 0 without asking the server.
    let sent = b.sent.len();
    assert_eq!(b.call("getGroupOnlineMemberCount", json!(["@TGS#nope"])).await.unwrap()["memberCount"], 0);
    assert_eq!(b.sent.len(), sent);

    let list = b.call("getGroupMemberList", json!([{"groupID": room, "count": 50}])).await.unwrap();
    let users: Vec<&str> =
        list["memberList"].as_array().unwrap().iter().map(|m| m["userID"].as_str().unwrap()).collect();
    assert!(users.contains(&alice.as_str()) && users.contains(&bob.as_str()), "{list}");
    assert!(list["offset"].is_number(), "{list}");
    assert_eq!(last_body(&b, "group_open_avchatroom_http_svc.get_members"), json!({"GroupId": room, "Timestamp": 0}));

    // Member marks: the owner marks online members; the list filters by a mark.
    let marked = a
        .call(
            "markGroupMemberList",
            json!([{"groupID": room, "userIDList": [bob], "markType": 1001, "enableMark": true}]),
        )
        .await
        .unwrap();
    assert_eq!(marked, json!({"successUserIDList": [bob], "failureUserIDList": []}));
    assert_eq!(
        last_body(&a, "group_open_avchatroom_http_svc.modify_user_info"),
        json!({"GroupId": room, "CommandType": 1, "MemberList": [{"Member_Account": bob, "Marks": [1001]}]})
    );
    let only = a.call("getGroupMemberList", json!([{"groupID": room, "filter": 1001}])).await.unwrap();
    let users: Vec<&str> =
        only["memberList"].as_array().unwrap().iter().map(|m| m["userID"].as_str().unwrap()).collect();
    assert_eq!(users, [bob.as_str()], "{only}");
    let not_owner = b
        .call(
            "markGroupMemberList",
            json!([{"groupID": room, "userIDList": [alice], "markType": 1001, "enableMark": true}]),
        )
        .await;
    assert_eq!(err_code(not_owner), 10007);
    let too_small = a
        .call("markGroupMemberList", json!([{"groupID": room, "userIDList": [bob], "markType": 7, "enableMark": true}]))
        .await;
    assert_eq!(err_code(too_small), 10004);
    a.call(
        "markGroupMemberList",
        json!([{"groupID": room, "userIDList": [bob], "markType": 1001, "enableMark": false}]),
    )
    .await
    .unwrap();
    a.pump(3_100).await; // the member list may be read once per 3 s
    let none = a.call("getGroupMemberList", json!([{"groupID": room, "filter": 1001}])).await.unwrap();
    assert_eq!(none["memberList"], json!([]), "{none}");

    // Single-room rule: bob joining a second room quits the first one.
    let room2 = create(&mut a, "AVChatRoom", json!({})).await;
    let joined = b.call("joinGroup", json!([{"groupID": room2}])).await.unwrap();
    assert_eq!(joined["status"], "JoinedSuccess", "{joined}");
    assert_eq!(last_body(&b, "group_open_http_svc.quit_group"), json!({"GroupId": room}));
    let ids = group_ids(&mut b).await;
    assert!(ids.contains(&room2) && !ids.contains(&room), "{ids:?}");
    assert_eq!(b.call("getGroupOnlineMemberCount", json!([room])).await.unwrap()["memberCount"], 0);

    // Removal from an AVChatRoom is a ban with a duration; the banned user drops the room.
    a.call("joinGroup", json!([{"groupID": room2}])).await.unwrap();
    assert_eq!(err_code(a.call("deleteGroupMember", json!([{"groupID": room2, "userIDList": [bob]}])).await), 2686);
    let r = a
        .call("deleteGroupMember", json!([{"groupID": room2, "userIDList": [bob], "duration": 60, "reason": "spam"}]))
        .await
        .unwrap();
    assert_eq!(r["userIDList"], json!([bob]));
    assert_eq!(
        last_body(&a, "group_open_http_svc.ban_group_member"),
        json!({"GroupId": room2, "Members_Account": [bob], "Duration": 60, "Description": "spam"})
    );
    let notice = received_where(&mut b, "the ban notice", |m| m["payload"]["operationType"] == 21).await;
    assert_eq!(notice["conversationID"], "@TIM#SYSTEM");
    assert!(!group_ids(&mut b).await.contains(&room2), "the banned member still has the room");
    // Banned: joining again is refused by the server.
    assert!(b.call("joinGroup", json!([{"groupID": room2}])).await.is_err());
}

#[tokio::test]
async fn test_group_attributes_write_read_events_and_limits() {
    let server = server().await;
    let (alice, bob) = (uid("aalice"), uid("abob"));
    let mut a = Driver::new(&server);
    let mut b = Driver::new(&server);
    a.login(&alice).await;
    b.login(&bob).await;
    let room = create(&mut a, "AVChatRoom", json!({})).await;
    a.call("joinGroup", json!([{"groupID": room}])).await.unwrap();

    // Not joined yet: the server answers 2642.
    let r = b.call("getGroupAttributes", json!([{"groupID": room, "keyList": []}])).await;
    assert_eq!(err_code(r), 2642);
    b.call("joinGroup", json!([{"groupID": room}])).await.unwrap();

    let r = a.call("initGroupAttributes", json!([{"groupID": room, "groupAttributes": {"a": "1", "b": "2"}}])).await;
    assert_eq!(r.unwrap(), json!({"groupAttributes": {"a": "1", "b": "2"}}));
    assert_eq!(
        last_body(&a, "group_open_http_svc.set_group_attr"),
        json!({"GroupId": room, "GroupAttr": [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}], "AttrMainSeq": 0, "AttrControl": ["RaceConflict"]})
    );
    let e = event_where(&mut a, "groupAttributesUpdated", |_| true).await;
    assert_eq!(
        e,
        json!({"groupID": room, "groupAttributes": {"a": "1", "b": "2"}, "updatedKeyList": ["a", "b"], "deletedKeyList": []})
    );
    let e = event_where(&mut b, "groupAttributesUpdated", |_| true).await;
    assert_eq!(e["groupAttributes"], json!({"a": "1", "b": "2"}), "{e}");

    let r = b.call("setGroupAttributes", json!([{"groupID": room, "groupAttributes": {"b": "3"}}])).await;
    assert_eq!(r.unwrap(), json!({"groupAttributes": {"b": "3"}}));
    let sent = last_body(&b, "group_open_http_svc.modify_group_attr");
    assert_eq!(sent["GroupAttr"][0]["key"], "b");
    assert!(sent["GroupAttr"][0]["seq"].is_number(), "{sent}");
    assert_eq!(sent["AttrMainSeq"], 1, "{sent}");
    let e = event_where(&mut a, "groupAttributesUpdated", |e| e["updatedKeyList"] == json!(["b"])).await;
    assert_eq!(e["groupAttributes"], json!({"a": "1", "b": "3"}));

    let r = a.call("deleteGroupAttributes", json!([{"groupID": room, "keyList": ["a"]}])).await.unwrap();
    assert_eq!(r, json!({"keyList": ["a"]}));
    let e = event_where(&mut b, "groupAttributesUpdated", |e| e["deletedKeyList"] == json!(["a"])).await;
    assert_eq!(e["groupAttributes"], json!({"b": "3"}));
    let r = b.call("getGroupAttributes", json!([{"groupID": room, "keyList": []}])).await.unwrap();
    assert_eq!(r, json!({"groupAttributes": {"b": "3"}}));
    let r = a.call("getGroupAttributes", json!([{"groupID": room, "keyList": ["b", "zz"]}])).await.unwrap();
    assert_eq!(r, json!({"groupAttributes": {"b": "3"}}));

    // Delete all: clear_group_attr, resolved with every cached key.
    let r = a.call("deleteGroupAttributes", json!([{"groupID": room, "keyList": []}])).await.unwrap();
    assert_eq!(r, json!({"keyList": ["b"]}));
    assert!(last_body(&a, "group_open_http_svc.clear_group_attr")["GroupAttr"].is_null());
    let e = event_where(&mut b, "groupAttributesUpdated", |e| e["deletedKeyList"] == json!(["b"])).await;
    assert_eq!(e["groupAttributes"], json!({}));

    // Values must be strings (tim-js-sdk's validator).
    assert_eq!(
        err_code(a.call("setGroupAttributes", json!([{"groupID": room, "groupAttributes": {"x": 1}}])).await),
        -1
    );

    // Other group types have attributes too; topics have none (2641, locally).
    let public = create(&mut a, "Public", json!({})).await;
    let r = a.call("initGroupAttributes", json!([{"groupID": public, "groupAttributes": {"x": "1"}}])).await.unwrap();
    assert_eq!(r, json!({"groupAttributes": {"x": "1"}}));
    assert!(last_body(&a, "group_open_http_svc.set_group_attr")["BytesKey"].is_null());
    let r = a.call("getGroupAttributes", json!([{"groupID": public, "keyList": []}])).await.unwrap();
    assert_eq!(r, json!({"groupAttributes": {"x": "1"}}));
    let topic = format!("{}@TOPIC#_t", public.replace("@TGS#", "@TGS#_"));
    let r = a.call("setGroupAttributes", json!([{"groupID": topic, "groupAttributes": {"x": "1"}}])).await;
    assert_eq!(err_code(r), 2641);

    // The SDK-side throttle: 10 writes per 5 s, then 8511 (spaced under the server's 5 per s).
    let mut codes = Vec::new();
    for i in 0..11 {
        let r =
            b.call("setGroupAttributes", json!([{"groupID": room, "groupAttributes": {"k": format!("{i}")}}])).await;
        codes.push(r.err().map_or(0, |e| e.code));
        b.pump(260).await;
    }
    assert_eq!(codes[10], 8511, "{codes:?}");
    assert!(codes[..9].iter().all(|c| *c == 0 || *c == 10056), "{codes:?}");
}

#[tokio::test]
async fn test_group_counters_set_increase_decrease_get_and_events() {
    let server = server().await;
    let (alice, bob) = (uid("calice"), uid("cbob"));
    let mut a = Driver::new(&server);
    let mut b = Driver::new(&server);
    a.login(&alice).await;
    b.login(&bob).await;
    let gid = create(&mut a, "Public", json!({"joinOption": "FreeAccess"})).await;
    b.call("joinGroup", json!([{"groupID": gid}])).await.unwrap();

    let r = a.call("setGroupCounters", json!([{"groupID": gid, "counters": {"likes": 5, "views": 1}}])).await.unwrap();
    assert_eq!(r, json!({"counters": {"likes": 5, "views": 1}}));
    let sent = last_body(&a, "group_open_http_svc.update_group_counter");
    assert_eq!(sent["Mode"], "Set");
    assert_eq!(sent["GroupCounter"], json!([{"Key": "likes", "Value": 5}, {"Key": "views", "Value": 1}]));
    let e = event_where(&mut b, "onGroupCounterUpdated", |e| e["key"] == "likes").await;
    assert_eq!(e, json!({"groupID": gid, "key": "likes", "value": 5}));
    let e = event_where(&mut b, "onGroupCounterUpdated", |e| e["key"] == "views").await;
    assert_eq!(e["value"], 1);

    let r = b.call("increaseGroupCounter", json!([{"groupID": gid, "key": "likes", "value": 2}])).await.unwrap();
    assert_eq!(r, json!({"counters": {"likes": 7}}));
    assert_eq!(last_body(&b, "group_open_http_svc.update_group_counter")["Mode"], "Increase");
    let r = b.call("decreaseGroupCounter", json!([{"groupID": gid, "key": "likes", "value": 1}])).await.unwrap();
    assert_eq!(r, json!({"counters": {"likes": 6}}));
    let e = event_where(&mut a, "onGroupCounterUpdated", |e| e["value"] == 6).await;
    assert_eq!(e["key"], "likes");
    // A missing key starts from 0.
    let r = a.call("increaseGroupCounter", json!([{"groupID": gid, "key": "new", "value": 3}])).await.unwrap();
    assert_eq!(r, json!({"counters": {"new": 3}}));

    // Like tim-js-sdk, reads within 30 s of a counter push come from the cache the pushes fill.
    let sent = a.sent.len();
    let r = a.call("getGroupCounters", json!([{"groupID": gid, "keyList": ["likes"]}])).await.unwrap();
    assert_eq!(r, json!({"counters": {"likes": 6}}));
    assert_eq!(a.sent.len(), sent);
    // A member without a cache reads them all from the server (one request, keys filtered locally).
    let mut c = Driver::new(&server);
    c.login(&uid("ccarol")).await;
    c.call("joinGroup", json!([{"groupID": gid}])).await.unwrap();
    let r = c.call("getGroupCounters", json!([{"groupID": gid}])).await.unwrap();
    assert_eq!(r, json!({"counters": {"likes": 6, "new": 3, "views": 1}}));
    assert_eq!(last_body(&c, "group_open_http_svc.get_group_counter"), json!({"GroupId": gid, "GroupCounterKeys": []}));
    let r = c.call("getGroupCounters", json!([{"groupID": gid, "keyList": ["views"]}])).await.unwrap();
    assert_eq!(r, json!({"counters": {"views": 1}}));

    assert_eq!(err_code(a.call("increaseGroupCounter", json!([{"groupID": gid, "key": "x"}])).await), -1);
    // Not a member: the server refuses.
    let mut d = Driver::new(&server);
    d.login(&uid("cdave")).await;
    assert!(d.call("getGroupCounters", json!([{"groupID": gid}])).await.is_err());
}

#[tokio::test]
async fn test_communities_topics_events_and_topic_messages() {
    let server = server().await;
    let (alice, bob) = (uid("talice"), uid("tbob"));
    let mut a = Driver::new(&server);
    let mut b = Driver::new(&server);
    a.login(&alice).await;
    b.login(&bob).await;

    let gid = create(&mut a, "Community", json!({"isSupportTopic": true})).await;
    assert!(gid.starts_with("@TGS#_"), "{gid}");
    assert!(a.servcmds().contains(&"million_group_open_http_svc.create_group".to_string()));
    let joined = b.call("joinGroup", json!([{"groupID": gid}])).await.unwrap();
    assert_eq!(joined["status"], "JoinedSuccess", "{joined}");
    assert!(b.servcmds().contains(&"million_group_open_http_svc.apply_join_group".to_string()));

    let list = b.call("getJoinedCommunityList", json!([])).await.unwrap();
    let ids: Vec<&str> = list["groupList"].as_array().unwrap().iter().map(|g| g["groupID"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![gid.as_str()], "{list}");
    assert_eq!(list["groupList"][0]["isSupportTopic"], true);
    assert_eq!(last_body(&b, "million_group_open_http_svc.get_joined_group_list")["SupportTopic"], 1);

    // Only a topic ID of the community's form is accepted.
    let r = a.call("createTopicInCommunity", json!([{"groupID": gid, "topicName": "x", "topicID": "bad"}])).await;
    assert_eq!(err_code(r), 3021);
    let r = a
        .call(
            "createTopicInCommunity",
            json!([{"groupID": gid, "topicName": "General", "customData": "{\"category\":\"A\"}"}]),
        )
        .await
        .unwrap();
    let topic = r["topicID"].as_str().unwrap().to_string();
    assert!(topic.starts_with(&format!("{gid}@TOPIC#_")), "{topic}");
    assert_eq!(
        last_body(&a, "million_group_open_http_svc.create_topic"),
        json!({"GroupId": gid, "TopicName": "General", "CustomString": "{\"category\":\"A\"}"})
    );
    let e = event_where(&mut b, "onTopicCreated", |_| true).await;
    assert_eq!(e, json!({"groupID": gid, "topicID": topic}));

    let r = b.call("getTopicList", json!([{"groupID": gid}])).await.unwrap();
    assert_eq!(r["failureTopicList"], json!([]));
    let t = &r["successTopicList"][0];
    assert_eq!(t["topicID"], topic.as_str());
    assert_eq!(t["topicName"], "General");
    assert_eq!(t["customData"], "{\"category\":\"A\"}");
    assert_eq!(t["muteAllMembers"], false);
    assert!(t["selfInfo"].is_object() && t["lastMessage"].is_object(), "{t}");
    assert_eq!(
        last_body(&b, "million_group_open_http_svc.get_topic"),
        json!({"GroupId": gid, "TopicIdList": [], "MemberInfoFilter": ["NoUnreadSeqList"]})
    );
    let r =
        b.call("getTopicList", json!([{"groupID": gid, "topicIDList": [format!("{gid}@TOPIC#_none")]}])).await.unwrap();
    assert_eq!(r["successTopicList"], json!([]));
    assert_eq!(r["failureTopicList"][0]["topicID"], format!("{gid}@TOPIC#_none"));

    let r = a
        .call(
            "updateTopicProfile",
            json!([{"groupID": gid, "topicID": topic, "topicName": "Main", "muteAllMembers": true}]),
        )
        .await
        .unwrap();
    assert_eq!(r["topic"]["topicName"], "Main");
    assert_eq!(r["topic"]["muteAllMembers"], true);
    let sent = last_body(&a, "million_group_open_http_svc.modify_topic");
    assert_eq!(sent, json!({"GroupId": gid, "TopicId": topic, "TopicName": "Main", "ShutUpAllMember": "On"}));
    let e = event_where(&mut b, "onTopicUpdated", |e| e["topic"]["topicName"] == "Main").await;
    assert_eq!(e["groupID"], gid.as_str());
    a.call("updateTopicProfile", json!([{"groupID": gid, "topicID": topic, "muteAllMembers": false}])).await.unwrap();

    // Topic messages: GroupId = the community, TopicId = the topic; conversation GROUP<topicID>.
    let m = a
        .call("createTextMessage", json!([{"to": topic, "conversationType": "GROUP", "payload": {"text": "in topic"}}]))
        .await
        .unwrap();
    a.call("sendMessage", json!([m])).await.unwrap();
    let sent = last_body(&a, "million_group_open_http_svc.send_group_msg");
    assert_eq!(sent["GroupId"], gid.as_str());
    assert_eq!(sent["TopicId"], topic.as_str());
    let got = received_where(&mut b, "the topic message", |m| m["payload"]["text"] == "in topic").await;
    assert_eq!(got["conversationID"], format!("GROUP{topic}"));
    assert_eq!(got["to"], topic.as_str());
    let e = event_where(&mut b, "onTopicUpdated", |e| e["topic"]["lastMessage"]["messageForShow"] == "in topic").await;
    assert!(e["topic"]["unreadCount"].as_u64().unwrap() >= 1, "{e}");
    assert_eq!(e["topic"]["lastMessage"]["fromAccount"], alice.as_str());
    // Topic conversations are not in the conversation list.
    let convs = b.call("getConversationList", json!([])).await.unwrap();
    assert!(
        convs["conversationList"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["conversationID"] != format!("GROUP{topic}").as_str()),
        "{convs}"
    );
    let page = b.call("getMessageList", json!([{"conversationID": format!("GROUP{topic}")}])).await.unwrap();
    assert!(page["messageList"].as_array().unwrap().iter().any(|m| m["payload"]["text"] == "in topic"), "{page}");
    b.call("setMessageRead", json!([{"conversationID": format!("GROUP{topic}")}])).await.unwrap();
    let read = last_body(&b, "million_group_open_http_svc.msg_read_report");
    assert_eq!(read["GroupId"], gid.as_str());
    assert_eq!(read["TopicId"], topic.as_str());
    let e = event_where(&mut b, "onTopicUpdated", |e| e["topic"]["unreadCount"] == 0).await;
    assert_eq!(e["topic"]["topicID"], topic.as_str());

    let r = a.call("deleteTopicFromCommunity", json!([{"groupID": gid, "topicIDList": [topic]}])).await.unwrap();
    assert_eq!(r, json!({"successTopicList": [{"topicID": topic}], "failureTopicList": []}));
    let e = event_where(&mut b, "onTopicDeleted", |_| true).await;
    assert_eq!(e, json!({"groupID": gid, "topicIDList": [topic]}));
    // Ordinary members may not manage topics.
    let r = b.call("createTopicInCommunity", json!([{"groupID": gid, "topicName": "mine"}])).await;
    assert!(r.is_err());

    // A new session lists the topic-enabled community too (the login's million-service list).
    let mut b2 = Driver::new(&server);
    b2.login(&bob).await;
    b2.pump(500).await;
    assert!(group_ids(&mut b2).await.contains(&gid));
    assert_eq!(last_body(&b2, "million_group_open_http_svc.get_joined_group_list")["SupportTopic"], 0);
}

/// `getTopicList` for one topic, read from the server (a new session has no topic cache).
async fn topic_of(d: &mut Driver, gid: &str, topic: &str) -> Value {
    let r = d.call("getTopicList", json!([{"groupID": gid, "topicIDList": [topic]}])).await.unwrap();
    assert_eq!(r["failureTopicList"], json!([]), "{r}");
    r["successTopicList"][0].clone()
}

async fn send_in(d: &mut Driver, topic: &str, text: &str) -> Result<Value, ApiError> {
    let m = d
        .call("createTextMessage", json!([{"to": topic, "conversationType": "GROUP", "payload": {"text": text}}]))
        .await
        .unwrap();
    d.call("sendMessage", json!([m])).await
}

#[tokio::test]
async fn test_topic_mutes_mute_all_unread_at_tips_and_member_operations() {
    let server = server().await;
    let (alice, bob, carol) = (uid("ualice"), uid("ubob"), uid("ucarol"));
    let mut a = Driver::new(&server);
    let mut b = Driver::new(&server);
    a.login(&alice).await;
    b.login(&bob).await;
    let gid = create(&mut a, "Community", json!({"isSupportTopic": true})).await;
    b.call("joinGroup", json!([{"groupID": gid}])).await.unwrap();
    {
        let mut c = Driver::new(&server);
        c.login(&carol).await;
        c.call("joinGroup", json!([{"groupID": gid}])).await.unwrap();
    }
    let r = a.call("createTopicInCommunity", json!([{"groupID": gid, "topicName": "Chat"}])).await.unwrap();
    let topic = r["topicID"].as_str().unwrap().to_string();
    let conv_id = format!("GROUP{topic}");

    // Muting in a topic: owner/admin only (server 10007), sent as GroupId = community plus
    // TopicId, the tip lands in the topic's conversation, and the member cannot send there.
    let r = b.call("setGroupMemberMuteTime", json!([{"groupID": topic, "userID": carol, "muteTime": 60}])).await;
    assert_eq!(err_code(r), 10007);
    a.call("setGroupMemberMuteTime", json!([{"groupID": topic, "userID": bob, "muteTime": 60}])).await.unwrap();
    let sent = last_body(&a, "million_group_open_http_svc.modify_group_member_info");
    assert_eq!(sent, json!({"GroupId": gid, "TopicId": topic, "Member_Account": bob, "ShutUpTime": 60}));
    let tip = received_where(&mut b, "the topic mute tip", |m| {
        m["type"] == "TIMGroupTipElem" && m["payload"]["operationType"] == 7
    })
    .await;
    assert_eq!(tip["conversationID"], conv_id.as_str(), "{tip}");
    assert_eq!(tip["payload"]["operationType"], 7);
    assert_eq!(tip["payload"]["memberList"], json!([{"userID": bob, "muteTime": 60}]), "{tip}");
    assert_eq!(err_code(send_in(&mut b, &topic, "let me talk").await), 10017);
    let t = topic_of(&mut b, &gid, &topic).await;
    let mute = t["selfInfo"]["muteTime"].as_u64().unwrap();
    assert!(mute > now() / 1000 + 50, "muteTime is when the mute ends: {t}");
    a.call("setGroupMemberMuteTime", json!([{"groupID": topic, "userID": bob, "muteTime": 0}])).await.unwrap();
    send_in(&mut b, &topic, "thanks").await.unwrap();

    // The topic's muteAllMembers stops ordinary members, not the owner.
    a.call("updateTopicProfile", json!([{"groupID": gid, "topicID": topic, "muteAllMembers": true}])).await.unwrap();
    assert_eq!(err_code(send_in(&mut b, &topic, "hello?").await), 10017);
    send_in(&mut a, &topic, "owner only").await.unwrap();
    a.call("updateTopicProfile", json!([{"groupID": gid, "topicID": topic, "muteAllMembers": false}])).await.unwrap();

    // @carol while carol is offline: her next session's topic has the @-tip, the last message
    // and the unread count from her read position (never read: everything).
    let m = a
        .call(
            "createTextAtMessage",
            json!([{"to": topic, "conversationType": "GROUP", "payload": {"text": "@carol see this", "atUserList": [carol]}}]),
        )
        .await
        .unwrap();
    let seq = a.call("sendMessage", json!([m])).await.unwrap()["message"]["sequence"].as_u64().unwrap();
    let mut c = Driver::new(&server);
    c.login(&carol).await;
    c.pump(800).await;
    let t = topic_of(&mut c, &gid, &topic).await;
    assert_eq!(t["lastMessage"]["messageForShow"], "@carol see this", "{t}");
    assert_eq!(
        (t["lastMessage"]["fromAccount"].clone(), t["lastMessage"]["lastSequence"].clone()),
        (json!(alice), json!(seq))
    );
    assert_eq!((t["nextMessageSeq"].clone(), t["unreadCount"].clone()), (json!(seq + 1), json!(seq)), "{t}");
    let at = t["groupAtInfoList"].as_array().unwrap().clone();
    assert_eq!(at.len(), 1, "{t}");
    assert_eq!((at[0]["messageSequence"].clone(), at[0]["atTypeArray"].clone()), (json!(seq), json!([1])), "{t}");
    assert_eq!(
        (at[0]["from"].clone(), at[0]["groupID"].clone(), at[0]["topicID"].clone()),
        (json!(alice), json!(gid), json!(topic))
    );
    // Bob, online all along, read up to his own message: unread counts only what came after.
    let t = topic_of(&mut b, &gid, &topic).await;
    assert!(t["unreadCount"].as_u64().unwrap() >= 1, "{t}");
    assert_eq!(t["groupAtInfoList"], json!([]), "bob was not mentioned: {t}");
    // Reading the topic clears the unread count and the @-tip, here and for later sessions.
    c.call("setMessageRead", json!([{"conversationID": conv_id}])).await.unwrap();
    let t = topic_of(&mut c, &gid, &topic).await;
    assert_eq!((t["unreadCount"].clone(), t["groupAtInfoList"].clone()), (json!(0), json!([])), "{t}");
    c.pump(500).await;
    let mut c2 = Driver::new(&server);
    c2.login(&carol).await;
    c2.pump(800).await;
    let t = topic_of(&mut c2, &gid, &topic).await;
    assert_eq!((t["unreadCount"].clone(), t["groupAtInfoList"].clone()), (json!(0), json!([])), "{t}");
    assert_eq!(t["selfInfo"]["readedSequence"], seq);

    // An online member mentioned in the topic gets TOPIC_UPDATED with the @-tip.
    let m = a
        .call(
            "createTextAtMessage",
            json!([{"to": topic, "conversationType": "GROUP", "payload": {"text": "@bob too", "atUserList": [bob]}}]),
        )
        .await
        .unwrap();
    let bob_seq = a.call("sendMessage", json!([m])).await.unwrap()["message"]["sequence"].as_u64().unwrap();
    let e = event_where(&mut b, "onTopicUpdated", |e| {
        e["topic"]["groupAtInfoList"].as_array().is_some_and(|l| !l.is_empty())
    })
    .await;
    assert_eq!(e["topic"]["groupAtInfoList"][0]["messageSequence"], bob_seq, "{e}");
    assert_eq!(e["topic"]["groupAtInfoList"][0]["atTypeArray"], json!([1]));
    let t = topic_of(&mut b, &gid, &topic).await;
    assert_eq!(t["groupAtInfoList"].as_array().map(Vec::len), Some(1), "{t}");
    b.call("setMessageRead", json!([{"conversationID": conv_id}])).await.unwrap();
    let t = topic_of(&mut b, &gid, &topic).await;
    assert_eq!((t["unreadCount"].clone(), t["groupAtInfoList"].clone()), (json!(0), json!([])), "{t}");

    // Member operations given the topic ID act on the community.
    a.call("setGroupMemberNameCard", json!([{"groupID": topic, "userID": bob, "nameCard": "Bobby"}])).await.unwrap();
    assert_eq!(last_body(&a, "million_group_open_http_svc.modify_group_member_info")["TopicId"], topic.as_str());
    a.call(
        "setGroupMemberCustomField",
        json!([{"groupID": topic, "userID": bob, "memberCustomField": [{"key": "k", "value": "v"}]}]),
    )
    .await
    .unwrap();
    a.call("setGroupMemberRole", json!([{"groupID": topic, "userID": carol, "role": "Admin"}])).await.unwrap();
    let p = a.call("getGroupMemberProfile", json!([{"groupID": gid, "userIDList": [bob, carol]}])).await.unwrap();
    let list = p["memberList"].as_array().unwrap();
    let of = |u: &str| list.iter().find(|m| m["userID"] == u).cloned().unwrap();
    assert_eq!(of(&bob)["nameCard"], "Bobby", "{p}");
    assert_eq!(of(&bob)["memberCustomField"], json!([{"key": "k", "value": "v"}]), "{p}");
    assert_eq!(of(&carol)["role"], "Admin", "{p}");
    a.call("deleteGroupMember", json!([{"groupID": topic, "userIDList": [carol]}])).await.unwrap();
    assert_eq!(last_body(&a, "million_group_open_http_svc.delete_group_member")["GroupId"], gid.as_str());
    let p = a.call("getGroupMemberProfile", json!([{"groupID": gid, "userIDList": [carol]}])).await.unwrap();
    assert_eq!(p["memberList"], json!([]), "{p}");
}
