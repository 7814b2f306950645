//! User profiles (`profile.*`): every standard field stored and returned, validation with
//! Tencent's profile codes, the 100-account read limit, the custom-field registry, the
//! `ProfileDataMod` push to the writer's other sessions, and the REST `portrait_get` /
//! `portrait_set`. Runs on the backend of this run (SQLite, or PostgreSQL with
//! `TIM_TEST_POSTGRES_URL`).

use crate::common::*;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tim_server::store::{self, FieldAdded, ProfileUpdate};
use tim_server::{Config, MultiInstance, Store};

fn cfg() -> Config {
    Config { multi_instance: MultiInstance::Allow, ..config() }
}

fn open() -> Arc<dyn Store> {
    let cfg = config();
    ensure_database_blocking(&cfg);
    store::open(&cfg).unwrap()
}

fn set(items: Value) -> Value {
    json!({ "ProfileItem": items })
}

async fn user(server: &tim_server::ServerHandle, id: &str, inst: &str) -> Client {
    let mut c = Client::connect(server, inst).await;
    c.login(id).await;
    c
}

/// The `{Tag: Value}` map of one `UserProfileItem`.
fn tags(item: &Value) -> serde_json::Map<String, Value> {
    item["ProfileItem"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["Tag"].as_str().unwrap().to_string(), p["Value"].clone()))
        .collect()
}

async fn read(c: &mut Client, ids: &[&str]) -> Value {
    let items: Vec<Value> =
        ids.iter().map(|id| json!({"To_Account": id, "StandardSequence": 0, "CustomSequence": 0})).collect();
    c.call("profile.portrait_get_all", json!({"From_Account": "", "UserItem": items})).await
}

async fn register(server: &tim_server::ServerHandle, fields: Value) -> Value {
    rest(server, "profile/custom_field_add", &json!({ "FieldList": fields })).await
}

const ALL_FIELDS: &str = r#"[
    {"Tag":"Tag_Profile_IM_Nick","Value":"Alice A"},
    {"Tag":"Tag_Profile_IM_Gender","Value":"Gender_Type_Female"},
    {"Tag":"Tag_Profile_IM_BirthDay","Value":20000101},
    {"Tag":"Tag_Profile_IM_Location","Value":"86 44 3 1"},
    {"Tag":"Tag_Profile_IM_SelfSignature","Value":"hello, world"},
    {"Tag":"Tag_Profile_IM_AllowType","Value":"AllowType_Type_NeedConfirm"},
    {"Tag":"Tag_Profile_IM_Language","Value":2052},
    {"Tag":"Tag_Profile_IM_Image","Value":"http://a/alice.png"},
    {"Tag":"Tag_Profile_IM_MsgSettings","Value":1},
    {"Tag":"Tag_Profile_IM_Level","Value":7},
    {"Tag":"Tag_Profile_IM_Role","Value":4294967295}
]"#;

#[test]
fn store_merges_profile_writes_and_keeps_the_registry() {
    let s = open();
    s.ensure_account(1, "alice", 10).unwrap();
    s.ensure_account(1, "bob", 10).unwrap();
    let mut u = ProfileUpdate { nick: Some("Alice".into()), ..ProfileUpdate::default() };
    u.fields.insert("Tag_Profile_IM_Gender".into(), json!("Gender_Type_Female"));
    let p = s.update_profile(1, "alice", &u, 20).unwrap().unwrap();
    assert_eq!((p.nick.as_str(), p.updated), ("Alice", 20));
    // A second write of other fields keeps the first ones.
    let mut u = ProfileUpdate { face_url: Some("http://a".into()), ..ProfileUpdate::default() };
    u.fields.insert("Tag_Profile_IM_Level".into(), json!(3));
    s.update_profile(1, "alice", &u, 30).unwrap().unwrap();
    let mut got = s.profiles(1, &["nobody".into(), "alice".into(), "bob".into()]).unwrap();
    got.sort_by(|a, b| a.user_id.cmp(&b.user_id));
    assert_eq!(got.len(), 2, "unknown accounts are left out");
    let (a, b) = (&got[0], &got[1]);
    assert_eq!((a.nick.as_str(), a.face_url.as_str(), a.updated), ("Alice", "http://a", 30));
    assert_eq!(a.fields.get("Tag_Profile_IM_Gender"), Some(&json!("Gender_Type_Female")));
    assert_eq!(a.fields.get("Tag_Profile_IM_Level"), Some(&json!(3)));
    assert!(b.fields.is_empty() && b.nick.is_empty() && b.updated == 0);
    assert!(s.update_profile(1, "nobody", &ProfileUpdate::default(), 1).unwrap().is_none());
    // Another app's account of the same name is another profile.
    assert!(s.profiles(2, &["alice".into()]).unwrap().is_empty());

    assert_eq!(s.add_profile_field(1, "Tag_Profile_Custom_A", "String", 2, 1).unwrap(), FieldAdded::Added);
    assert_eq!(
        s.add_profile_field(1, "Tag_Profile_Custom_A", "Integer", 2, 1).unwrap(),
        FieldAdded::Exists("String".into())
    );
    assert_eq!(s.add_profile_field(1, "Tag_Profile_Custom_B", "Integer", 2, 1).unwrap(), FieldAdded::Added);
    assert_eq!(s.add_profile_field(1, "Tag_Profile_Custom_C", "String", 2, 1).unwrap(), FieldAdded::Full);
    assert_eq!(s.add_profile_field(2, "Tag_Profile_Custom_C", "String", 2, 1).unwrap(), FieldAdded::Added);
    assert_eq!(
        s.profile_fields(1).unwrap(),
        vec![
            ("Tag_Profile_Custom_A".to_string(), "String".to_string()),
            ("Tag_Profile_Custom_B".into(), "Integer".into())
        ]
    );
}

#[tokio::test]
async fn every_standard_field_is_stored_and_returned() {
    let server = start().await;
    let mut alice = user(&server, "alice", "a").await;
    let mut bob = user(&server, "bob", "b").await;
    let items: Value = serde_json::from_str(ALL_FIELDS).unwrap();
    let rep = alice.call("profile.portrait_set", json!({"From_Account": "alice", "ProfileItem": items})).await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");

    let rep = read(&mut bob, &["alice", "bob", "ghost"]).await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    let list = rep["UserProfileItem"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!((list[0]["To_Account"].as_str(), list[0]["ResultCode"].as_i64()), (Some("alice"), Some(0)));
    let got = tags(&list[0]);
    for item in items.as_array().unwrap() {
        assert_eq!(got.get(item["Tag"].as_str().unwrap()), Some(&item["Value"]), "{item}");
    }
    assert_eq!(got.len(), items.as_array().unwrap().len(), "nothing but what was set: {got:?}");
    // Nick first, as before (and as the SDKs list the fields).
    assert_eq!(list[0]["ProfileItem"][0]["Tag"], "Tag_Profile_IM_Nick");
    // An account that set nothing: nick and avatar only (empty).
    assert_eq!(
        tags(&list[1]),
        json!({"Tag_Profile_IM_Nick": "", "Tag_Profile_IM_Image": ""}).as_object().unwrap().clone()
    );
    // An unknown account: dropped by tim-js-sdk as NOT_FOUND, with 40003.
    assert_eq!((list[2]["To_Account"].as_str(), list[2]["ResultCode"].as_i64()), (Some("@TLS#NOT_FOUND"), Some(40003)));

    // A later write of one field leaves the others, and sendmsg carries the new nick.
    let rep = alice.call("profile.portrait_set", set(json!([{"Tag":"Tag_Profile_IM_Nick","Value":"A2"}]))).await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    let got = tags(&read(&mut bob, &["alice"]).await["UserProfileItem"][0]);
    assert_eq!((got["Tag_Profile_IM_Nick"].as_str(), got["Tag_Profile_IM_Level"].as_u64()), (Some("A2"), Some(7)));
    alice.send_text("bob", "hi", 1, 2).await;
    let m = pushed_c2c(&bob.push(Duration::from_secs(2)).await.unwrap());
    assert_eq!(m["From_AccountNick"], "A2");
    server.shutdown().await;
}

#[tokio::test]
async fn bad_values_get_the_profile_codes_and_change_nothing() {
    let server = start().await;
    let mut alice = user(&server, "alice", "a").await;
    let long = "é".repeat(251); // 502 bytes
    let cases = [
        (json!([{"Tag":"Tag_Profile_IM_Gender","Value":"Gender_Type_Other"}]), 40605),
        (json!([{"Tag":"Tag_Profile_IM_AllowType","Value":"anyone"}]), 40605),
        (json!([{"Tag":"Tag_Profile_IM_Nick","Value": long}]), 40601),
        (json!([{"Tag":"Tag_Profile_IM_SelfSignature","Value": "x".repeat(501)}]), 40601),
        (json!([{"Tag":"Tag_Profile_IM_Image","Value": "x".repeat(501)}]), 40601),
        (json!([{"Tag":"Tag_Profile_IM_Nick","Value": 5}]), 40610),
        (json!([{"Tag":"Tag_Profile_IM_Location","Value": "12345678901234567"}]), 40605),
        (json!([{"Tag":"Tag_Profile_IM_BirthDay","Value": -1}]), 40605),
        (json!([{"Tag":"Tag_Profile_IM_Level","Value": 4294967296u64}]), 40605),
        (json!([{"Tag":"Tag_Profile_IM_Role","Value": 1.5}]), 40605),
        (json!([{"Tag":"Tag_Profile_IM_Language","Value": "2052"}]), 40610),
        (json!([{"Tag":"Tag_Profile_IM_Whatever","Value": "x"}]), 40009),
        (json!([{"Tag":"Tag_Profile_Custom_Nope","Value": "x"}]), 40009),
        (json!([{"Value": "x"}]), 40001),
        (json!([]), 40001),
        (json!("Tag_Profile_IM_Nick"), 40001),
        (json!([{"Tag":"Tag_Profile_IM_AdminForbidType","Value":"AdminForbid_Type_SendOut"}]), 40008),
        // A valid item before an invalid one is not applied either.
        (json!([{"Tag":"Tag_Profile_IM_Nick","Value":"changed"},{"Tag":"Tag_Profile_IM_Gender","Value":"x"}]), 40605),
    ];
    for (items, code) in cases {
        let rep = alice.call("profile.portrait_set", set(items.clone())).await;
        assert_eq!(rep["ErrorCode"], code, "{items} -> {rep}");
        assert_eq!(rep["ActionStatus"], "FAIL");
    }
    let rep = alice.call("profile.portrait_set", json!({"From_Account": "alice"})).await;
    assert_eq!(rep["ErrorCode"], 40001, "{rep}");
    // Another user's profile: only the admin may.
    let rep = alice
        .call(
            "profile.portrait_set",
            json!({"From_Account":"bob","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"x"}]}),
        )
        .await;
    assert_eq!(rep["ErrorCode"], 40004, "{rep}");
    // Echoing the default admin-forbid type is no change, so allowed.
    let rep = alice
        .call(
            "profile.portrait_set",
            set(json!([{"Tag":"Tag_Profile_IM_AdminForbidType","Value":"AdminForbid_Type_None"}])),
        )
        .await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    let got = tags(&read(&mut alice, &["alice"]).await["UserProfileItem"][0]);
    assert_eq!(got["Tag_Profile_IM_Nick"], "", "nothing of the refused writes was stored: {got:?}");
    assert!(!got.contains_key("Tag_Profile_IM_Gender"));
    // Exactly 500 bytes and 16 bytes are fine; the app admin may set the admin-forbid type.
    let rep = alice
        .call(
            "profile.portrait_set",
            set(json!([{"Tag":"Tag_Profile_IM_Nick","Value":"é".repeat(250)},{"Tag":"Tag_Profile_IM_Location","Value":"1234567890123456"}])),
        )
        .await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    let rep = rest(
        &server,
        "profile/portrait_set",
        &json!({"From_Account":"alice","ProfileItem":[{"Tag":"Tag_Profile_IM_AdminForbidType","Value":"AdminForbid_Type_SendOut"}]}),
    )
    .await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    let got = tags(&read(&mut alice, &["alice"]).await["UserProfileItem"][0]);
    assert_eq!(got["Tag_Profile_IM_AdminForbidType"], "AdminForbid_Type_SendOut");
    server.shutdown().await;
}

#[tokio::test]
async fn a_read_names_at_most_100_accounts() {
    let server = start().await;
    let mut alice = user(&server, "alice", "a").await;
    let ids: Vec<String> = (0..101).map(|n| format!("u{n}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let rep = read(&mut alice, &refs).await;
    assert_eq!(rep["ErrorCode"], 40001, "{rep}");
    let rep = read(&mut alice, &refs[..100]).await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    assert_eq!(rep["UserProfileItem"].as_array().unwrap().len(), 100);
    let rep = alice.call("profile.portrait_get_all", json!({"UserItem": "alice"})).await;
    assert_eq!(rep["ErrorCode"], 40001, "{rep}");
    let body = json!({"To_Account": ids, "TagList": ["Tag_Profile_IM_Nick"]});
    assert_eq!(rest(&server, "profile/portrait_get", &body).await["ErrorCode"], 40001);
    server.shutdown().await;
}

#[tokio::test]
async fn custom_fields_only_when_registered() {
    let server = start().await;
    let mut alice = user(&server, "alice", "a").await;
    let mut bob = user(&server, "bob", "b").await;
    let write = |tag: &str, v: Value| set(json!([{"Tag": tag, "Value": v}]));
    let rep = alice.call("profile.portrait_set", write("Tag_Profile_Custom_Hobby", json!("chess"))).await;
    assert_eq!(rep["ErrorCode"], 40009, "unregistered: {rep}");

    // Registration: REST admin only, names and types checked.
    let rep = alice
        .call("profile.custom_field_add", json!({"FieldList":[{"Tag":"Tag_Profile_Custom_Hobby","Type":"String"}]}))
        .await;
    assert_eq!(rep["ErrorCode"], 90009, "{rep}");
    for bad in [
        json!([{"Tag":"Tag_Profile_Custom_TooLongName","Type":"String"}]),
        json!([{"Tag":"Tag_Profile_Custom_","Type":"String"}]),
        json!([{"Tag":"Tag_Profile_Custom_a-b","Type":"String"}]),
        json!([{"Tag":"Hobby","Type":"String"}]),
        json!([{"Tag":"Tag_Profile_Custom_Hobby","Type":"Bytes"}]),
        json!([]),
    ] {
        assert_eq!(register(&server, bad.clone()).await["ErrorCode"], 40001, "{bad}");
    }
    let rep = register(
        &server,
        json!([{"Tag":"Tag_Profile_Custom_Hobby","Type":"String"},{"Tag":"Tag_Profile_Custom_Score","Type":"Integer"}]),
    )
    .await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    assert_eq!(rep["FieldList"].as_array().unwrap().len(), 2);
    // Registering again with the same type is a no-op; another type is refused.
    assert_eq!(register(&server, json!([{"Tag":"Tag_Profile_Custom_Hobby","Type":"String"}])).await["ErrorCode"], 0);
    assert_eq!(
        register(&server, json!([{"Tag":"Tag_Profile_Custom_Hobby","Type":"Integer"}])).await["ErrorCode"],
        40001
    );

    for (item, code) in [
        (write("Tag_Profile_Custom_Hobby", json!("x".repeat(501))), 40601),
        (write("Tag_Profile_Custom_Hobby", json!(5)), 40610),
        (write("Tag_Profile_Custom_Score", json!("ten")), 40610),
        (write("Tag_Profile_Custom_Score", json!(-3)), 40610),
    ] {
        assert_eq!(alice.call("profile.portrait_set", item.clone()).await["ErrorCode"], code, "{item}");
    }
    let rep = alice.call("profile.portrait_set", write("Tag_Profile_Custom_Hobby", json!("chess"))).await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    // tim-js-sdk 2.x sends custom values as strings: digits are taken as the number.
    let rep = alice.call("profile.portrait_set", write("Tag_Profile_Custom_Score", json!("42"))).await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    let got = tags(&read(&mut bob, &["alice"]).await["UserProfileItem"][0]);
    assert_eq!(
        (got["Tag_Profile_Custom_Hobby"].clone(), got["Tag_Profile_Custom_Score"].clone()),
        (json!("chess"), json!(42))
    );
    // Set but empty: not returned.
    let rep = alice.call("profile.portrait_set", write("Tag_Profile_Custom_Hobby", json!(""))).await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    let got = tags(&read(&mut bob, &["alice"]).await["UserProfileItem"][0]);
    assert!(!got.contains_key("Tag_Profile_Custom_Hobby"), "{got:?}");

    // At most 20 per app.
    let more: Vec<Value> =
        (0..18).map(|n| json!({"Tag": format!("Tag_Profile_Custom_F{n}"), "Type": "String"})).collect();
    assert_eq!(register(&server, json!(more)).await["ErrorCode"], 0);
    assert_eq!(register(&server, json!([{"Tag":"Tag_Profile_Custom_F99","Type":"String"}])).await["ErrorCode"], 40001);
    let list = rest(&server, "profile/custom_field_get", &json!({})).await;
    assert_eq!(list["FieldList"].as_array().unwrap().len(), 20, "{list}");
    assert_eq!(list["FieldList"][0], json!({"Tag":"Tag_Profile_Custom_Hobby","Type":"String"}));
    server.shutdown().await;
}

#[tokio::test]
async fn a_write_is_pushed_to_the_other_sessions_not_the_writer() {
    let server = start_with(cfg()).await;
    let mut a1 = user(&server, "alice", "a1").await;
    let mut a2 = user(&server, "alice", "a2").await;
    let mut bob = user(&server, "bob", "b").await;
    let items = json!([{"Tag":"Tag_Profile_IM_Nick","Value":"Alice"},{"Tag":"Tag_Profile_IM_Level","Value":3}]);
    let rep = a1.call("profile.portrait_set", set(items)).await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    let f = a2.push(Duration::from_secs(2)).await.expect("profile push");
    let ev = &f.body["EventArray"][0];
    assert_eq!(ev["Event"], 8, "{}", f.to_json());
    assert_eq!(
        ev["ProfileDataMod"],
        json!([{"Profile_Account":"alice","ProfileList":[{"Tag":"Tag_Profile_IM_Nick","ValueBytes":"Alice"},{"Tag":"Tag_Profile_IM_Level","ValueNum":3}]}])
    );
    a1.no_push(Duration::from_millis(300)).await;
    bob.no_push(Duration::from_millis(100)).await;
    // A refused write pushes nothing; an admin write reaches every session.
    let rep = a1.call("profile.portrait_set", set(json!([{"Tag":"Tag_Profile_IM_Gender","Value":"?"}]))).await;
    assert_eq!(rep["ErrorCode"], 40605);
    a2.no_push(Duration::from_millis(300)).await;
    let rep = rest(
        &server,
        "profile/portrait_set",
        &json!({"From_Account":"alice","ProfileItem":[{"Tag":"Tag_Profile_IM_SelfSignature","Value":"hi"}]}),
    )
    .await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    for c in [&mut a1, &mut a2] {
        let f = c.push(Duration::from_secs(2)).await.expect("admin write push");
        assert_eq!(f.body["EventArray"][0]["ProfileDataMod"][0]["ProfileList"][0]["ValueBytes"], "hi");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn rest_portrait_get_and_set() {
    let server = start().await;
    rest(&server, "im_open_login_svc/account_import", &json!({"UserID":"bob","Nick":"Bob","FaceUrl":"http://b"})).await;
    let rep = rest(
        &server,
        "profile/portrait_set",
        &json!({"From_Account":"bob","ProfileItem":[{"Tag":"Tag_Profile_IM_SelfSignature","Value":"I'm Bob"},{"Tag":"Tag_Profile_IM_AllowType","Value":"AllowType_Type_DenyAny"}]}),
    )
    .await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    let rep = rest(
        &server,
        "profile/portrait_set",
        &json!({"From_Account":"nobody","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"x"}]}),
    )
    .await;
    assert_eq!(rep["ErrorCode"], 40003, "{rep}");

    let rep = rest(
        &server,
        "profile/portrait_get",
        &json!({"To_Account":["bob","nobody"],"TagList":["Tag_Profile_IM_Nick","Tag_Profile_IM_SelfSignature","Tag_Profile_IM_Gender"]}),
    )
    .await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    let list = rep["UserProfileItem"].as_array().unwrap();
    assert_eq!(
        list[0],
        json!({"To_Account":"bob","ResultCode":0,"ResultInfo":"","ProfileItem":[
            {"Tag":"Tag_Profile_IM_Nick","Value":"Bob"},{"Tag":"Tag_Profile_IM_SelfSignature","Value":"I'm Bob"}]})
    );
    assert_eq!((list[1]["To_Account"].as_str(), list[1]["ResultCode"].as_i64()), (Some("nobody"), Some(40003)));
    // No TagList: everything set.
    let rep = rest(&server, "profile/portrait_get", &json!({"To_Account":["bob"]})).await;
    assert_eq!(tags(&rep["UserProfileItem"][0])["Tag_Profile_IM_AllowType"], "AllowType_Type_DenyAny");
    for bad in
        [json!({}), json!({"To_Account":"bob"}), json!({"To_Account":[]}), json!({"To_Account":["bob"],"TagList":"x"})]
    {
        assert_eq!(rest(&server, "profile/portrait_get", &bad).await["ErrorCode"], 40001, "{bad}");
    }
    server.shutdown().await;
}
