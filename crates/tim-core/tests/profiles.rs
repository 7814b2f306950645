//! User profiles through the engine's public API against a real in-process tim-server over real
//! WebSockets: `getMyProfile` (read at login, then held), `updateMyProfile` (local checks as
//! tim-js-sdk, the `portrait_set` frame, PROFILE_UPDATED here and on the user's other instance,
//! server refusals passed through), `getUserProfile` (array required, 100 at most, unknown IDs
//! left out, other users held for 10 minutes) and custom fields.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

async fn multi_server() -> ServerHandle {
    server_with(|c| c.multi_instance = tim_server::config::MultiInstance::Allow).await
}

/// The keys of tim-js-sdk 2.27.6's Profile object.
const PROFILE_KEYS: [&str; 15] = [
    "adminForbidType",
    "allowType",
    "avatar",
    "birthday",
    "gender",
    "language",
    "lastUpdatedTime",
    "level",
    "location",
    "messageSettings",
    "nick",
    "profileCustomField",
    "role",
    "selfSignature",
    "userID",
];

fn keys(p: &Value) -> Vec<String> {
    let mut k: Vec<String> = p.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

/// The frames of `servcmd` the engine sent.
fn sent(d: &Driver, servcmd: &str) -> Vec<Value> {
    d.sent.iter().filter(|f| f["head"]["servcmd"] == servcmd).cloned().collect()
}

/// Pump until the latest PROFILE_UPDATED satisfies `pred`; returns its data.
async fn updated_where(d: &mut Driver, pred: impl Fn(&Value) -> bool) -> Value {
    let ok = d
        .pump_until(10_000, |d| {
            d.events.iter().rev().find(|e| e.0 == "onProfileUpdated").and_then(|e| e.1.as_ref()).is_some_and(&pred)
        })
        .await;
    let last = d.events.iter().rev().find(|e| e.0 == "onProfileUpdated").and_then(|e| e.1.clone());
    assert!(ok, "{}: no PROFILE_UPDATED as expected; last: {last:?}", d.user);
    last.unwrap()
}

#[tokio::test]
async fn own_profile_read_at_login_updated_and_seen_by_others() {
    let server = server().await;
    let (alice, bob) = (uid("palice"), uid("pbob"));
    let (mut a, mut b) = (Driver::new(&server), Driver::new(&server));
    a.login(&alice).await;
    b.login(&bob).await;
    let reads = sent(&a, "profile.portrait_get_all").len();
    assert_eq!(reads, 1, "the login sequence reads the own profile once");

    // Before any change: tim-js-sdk's defaults, from what login read (no request).
    let me = a.call("getMyProfile", json!([])).await.unwrap();
    assert_eq!(keys(&me), PROFILE_KEYS);
    assert_eq!(
        (me["userID"].as_str(), me["nick"].as_str(), me["gender"].as_str(), me["allowType"].as_str()),
        (Some(alice.as_str()), Some(""), Some(""), Some("AllowType_Type_AllowAny"))
    );
    assert_eq!((me["adminForbidType"].as_str(), me["birthday"].as_u64()), (Some("AdminForbid_Type_None"), Some(0)));
    assert_eq!(sent(&a, "profile.portrait_get_all").len(), reads);

    let opts = json!({"nick": "Alice", "avatar": "http://a/a.png", "gender": "Gender_Type_Female",
        "selfSignature": "hi there", "allowType": "AllowType_Type_NeedConfirm", "birthday": 20000101,
        "location": "86 44 3 1", "language": 2052, "messageSettings": 1, "level": 3, "role": 9});
    let p = a.call("updateMyProfile", json!([opts.clone()])).await.unwrap();
    for (k, v) in opts.as_object().unwrap() {
        assert_eq!(&p[k], v, "{k}");
    }
    assert_eq!(keys(&p), PROFILE_KEYS);
    assert!(p["lastUpdatedTime"].as_u64().unwrap() > 0);
    let ev = updated_where(&mut a, |d| d[0]["nick"] == "Alice").await;
    assert_eq!(ev[0], p);
    // The frame: From_Account and one {Tag, Value} per option, nothing else.
    let set = sent(&a, "profile.portrait_set");
    assert_eq!(set.len(), 1);
    assert_eq!(keys(&set[0]["body"]), ["From_Account", "ProfileItem"]);
    assert_eq!(set[0]["body"]["From_Account"], alice.as_str());
    let items = set[0]["body"]["ProfileItem"].as_array().unwrap();
    assert_eq!(items.len(), opts.as_object().unwrap().len());
    assert!(items.contains(&json!({"Tag": "Tag_Profile_IM_Image", "Value": "http://a/a.png"})), "{items:?}");
    assert!(items.contains(&json!({"Tag": "Tag_Profile_IM_BirthDay", "Value": 20000101})), "{items:?}");
    // getMyProfile answers with it, without asking the server.
    assert_eq!(a.call("getMyProfile", json!([])).await.unwrap(), p);
    assert_eq!(sent(&a, "profile.portrait_get_all").len(), reads);
    // Setting the same values again changes nothing: no event.
    a.events.clear();
    a.call("updateMyProfile", json!([{"nick": "Alice"}])).await.unwrap();
    a.pump(200).await;
    assert!(!a.events.iter().any(|e| e.0 == "onProfileUpdated"));

    // bob reads it from the server; the stored fields come back, lastUpdatedTime 0 as for any
    // other user in tim-js-sdk.
    let got = b.call("getUserProfile", json!([{"userIDList": [alice]}])).await.unwrap();
    let got = &got.as_array().unwrap()[0];
    assert_eq!(keys(got), PROFILE_KEYS);
    for (k, v) in opts.as_object().unwrap() {
        assert_eq!(&got[k], v, "{k}");
    }
    assert_eq!(got["lastUpdatedTime"], 0);
    // Messages carry the new nick.
    a.send_text(&bob, "hello").await;
    let m = received_where(&mut b, "alice's message", |m| m["payload"]["text"] == "hello").await;
    assert_eq!((m["nick"].as_str(), m["avatar"].as_str()), (Some("Alice"), Some("http://a/a.png")));
}

#[tokio::test]
async fn profile_updated_on_the_other_instance() {
    let server = multi_server().await;
    let (alice, bob) = (uid("qalice"), uid("qbob"));
    let (mut a1, mut a2, mut b) = (Driver::new(&server), Driver::new(&server), Driver::new(&server));
    a1.login(&alice).await;
    a2.login(&alice).await;
    b.login(&bob).await;
    a1.call("updateMyProfile", json!([{"nick": "A-one", "level": 5}])).await.unwrap();
    let ev = updated_where(&mut a2, |d| d[0]["nick"] == "A-one").await;
    assert_eq!((ev[0]["userID"].as_str(), ev[0]["level"].as_u64()), (Some(alice.as_str()), Some(5)));
    let mine = a2.call("getMyProfile", json!([])).await.unwrap();
    assert_eq!((mine["nick"].as_str(), mine["level"].as_u64()), (Some("A-one"), Some(5)));
    // The other instance's messages carry it too.
    a2.send_text(&bob, "from a2").await;
    let m = received_where(&mut b, "a2's message", |m| m["payload"]["text"] == "from a2").await;
    assert_eq!(m["nick"], "A-one");
    // An admin write reaches both.
    let rep = rest(
        &server,
        "profile/portrait_set",
        &json!({"From_Account": alice, "ProfileItem": [{"Tag": "Tag_Profile_IM_SelfSignature", "Value": "set by admin"}]}),
    )
    .await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    for d in [&mut a1, &mut a2] {
        updated_where(d, |p| p[0]["selfSignature"] == "set by admin").await;
    }
}

#[tokio::test]
async fn get_user_profile_rules() {
    let server = server().await;
    let (alice, bob, carol) = (uid("ralice"), uid("rbob"), uid("rcarol"));
    let (mut a, mut b, mut c) = (Driver::new(&server), Driver::new(&server), Driver::new(&server));
    a.login(&alice).await;
    b.login(&bob).await;
    c.login(&carol).await;
    b.call("updateMyProfile", json!([{"nick": "Bob"}])).await.unwrap();
    c.call("updateMyProfile", json!([{"nick": "Carol"}])).await.unwrap();

    assert_eq!(
        a.call("getUserProfile", json!([{"userIDList": bob}])).await.unwrap_err().code,
        -1,
        "not an array: throws"
    );
    assert_eq!(a.call("getUserProfile", json!([{}])).await.unwrap_err().code, -1);
    assert_eq!(a.call("getUserProfile", json!([{"userIDList": []}])).await.unwrap(), json!([]));

    // Asked order, unknown users left out.
    let got = a.call("getUserProfile", json!([{"userIDList": [carol, "nobody-here", bob]}])).await.unwrap();
    let nicks: Vec<&str> = got.as_array().unwrap().iter().map(|p| p["nick"].as_str().unwrap()).collect();
    assert_eq!(nicks, ["Carol", "Bob"]);
    // Held for 10 minutes: asking again sends nothing.
    let reads = sent(&a, "profile.portrait_get_all").len();
    let again = a.call("getUserProfile", json!([{"userIDList": [bob]}])).await.unwrap();
    assert_eq!(again[0]["nick"], "Bob");
    assert_eq!(sent(&a, "profile.portrait_get_all").len(), reads);
    // The own profile is always read from the server.
    let me = a.call("getUserProfile", json!([{"userIDList": [alice]}])).await.unwrap();
    assert_eq!(me[0]["userID"], alice.as_str());
    assert_eq!(sent(&a, "profile.portrait_get_all").len(), reads + 1);

    // More than 100: the first 100 are asked for, in one request.
    let many: Vec<String> = (0..150).map(|n| format!("{bob}-{n}")).collect();
    let got = a.call("getUserProfile", json!([{"userIDList": many}])).await.unwrap();
    assert_eq!(got, json!([]));
    let last = sent(&a, "profile.portrait_get_all").pop().unwrap();
    let asked = last["body"]["UserItem"].as_array().unwrap();
    assert_eq!(asked.len(), 100);
    assert_eq!(asked[0], json!({"To_Account": many[0], "StandardSequence": 0, "CustomSequence": 0}));
}

#[tokio::test]
async fn update_checks_like_tim_js_sdk_and_passes_server_refusals() {
    let server = server().await;
    let alice = uid("salice");
    let mut a = Driver::new(&server);
    a.login(&alice).await;
    let local = [
        (json!({}), 2721),
        (json!({"nick": 5}), 2721),
        (json!({"nick": "é".repeat(251)}), 2721),
        (json!({"gender": "male"}), 2721),
        (json!({"allowType": "AllowType_Type_Maybe"}), 2721),
        (json!({"adminForbidType": "x"}), 2721),
        (json!({"birthday": "20000101"}), 2721),
        (json!({"messageSettings": 2}), 2721),
        (json!({"location": 1}), 2721),
        (json!({"nick": null}), 2721),
        (json!({"hobby": "chess"}), 2721),
        (json!({"profileCustomField": [{"key": "Hobby", "value": "chess"}]}), 2721),
        (json!({"profileCustomField": [{"key": "Tag_Profile_Custom_Hobby", "value": 1}]}), 2721),
        (json!({"profileCustomField": []}), 2722),
    ];
    for (opts, code) in local {
        assert_eq!(err_code(a.call("updateMyProfile", json!([opts.clone()])).await), code, "{opts}");
    }
    assert_eq!(a.call("updateMyProfile", json!([{"profileCustomField": "x"}])).await.unwrap_err().code, -1);
    assert!(sent(&a, "profile.portrait_set").is_empty(), "refused locally, nothing sent");

    // The server's refusals come back with its codes, and change nothing locally.
    let remote = [
        (json!({"location": "12345678901234567"}), 40605),
        (json!({"avatar": "x".repeat(501)}), 40601),
        (json!({"adminForbidType": "AdminForbid_Type_SendOut"}), 40008),
        (json!({"profileCustomField": [{"key": "Tag_Profile_Custom_Nope", "value": "x"}]}), 40009),
    ];
    a.events.clear();
    for (opts, code) in remote {
        assert_eq!(err_code(a.call("updateMyProfile", json!([opts.clone()])).await), code, "{opts}");
    }
    assert!(!a.events.iter().any(|e| e.0 == "onProfileUpdated"));
    let me = a.call("getMyProfile", json!([])).await.unwrap();
    assert_eq!((me["location"].as_str(), me["avatar"].as_str()), (Some(""), Some("")));
}

#[tokio::test]
async fn custom_fields_round_trip() {
    let server = server().await;
    let (alice, bob) = (uid("talice"), uid("tbob"));
    let (mut a, mut b) = (Driver::new(&server), Driver::new(&server));
    a.login(&alice).await;
    b.login(&bob).await;
    let rep = rest(
        &server,
        "profile/custom_field_add",
        &json!({"FieldList": [{"Tag": "Tag_Profile_Custom_Hobby", "Type": "String"}, {"Tag": "Tag_Profile_Custom_Age", "Type": "Integer"}]}),
    )
    .await;
    assert_eq!(rep["ErrorCode"], 0, "{rep}");
    let p = a
        .call(
            "updateMyProfile",
            json!([{"nick": "A", "profileCustomField": [{"key": "Tag_Profile_Custom_Hobby", "value": "chess"}]}]),
        )
        .await
        .unwrap();
    assert_eq!(p["profileCustomField"], json!([{"key": "Tag_Profile_Custom_Hobby", "value": "chess"}]));
    let p = a
        .call("updateMyProfile", json!([{"profileCustomField": [{"key": "Tag_Profile_Custom_Age", "value": "30"}, {"key": "Tag_Profile_Custom_Hobby", "value": "go"}]}]))
        .await
        .unwrap();
    assert_eq!(
        p["profileCustomField"],
        json!([{"key": "Tag_Profile_Custom_Hobby", "value": "go"}, {"key": "Tag_Profile_Custom_Age", "value": "30"}])
    );
    let got = b.call("getUserProfile", json!([{"userIDList": [alice]}])).await.unwrap();
    let mut fields = got[0]["profileCustomField"].as_array().unwrap().clone();
    fields.sort_by_key(|f| f["key"].as_str().unwrap().to_string());
    assert_eq!(
        fields,
        [
            json!({"key": "Tag_Profile_Custom_Age", "value": 30}),
            json!({"key": "Tag_Profile_Custom_Hobby", "value": "go"})
        ]
    );
}
