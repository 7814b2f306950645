//! REST `openim/query_online_status`: online state and one `Detail` entry per logged-in socket.

use crate::common::*;
use serde_json::{json, Value};
use std::time::Duration;

async fn query(server: &tim_server::ServerHandle, body: &Value) -> Value {
    rest(server, "openim/query_online_status", body).await
}

/// Wait until the server counts `n` sockets for `user` (a closed socket is removed a bit later).
async fn sockets_become(server: &tim_server::ServerHandle, user: &str, n: usize) -> Value {
    for _ in 0..50 {
        let rep = query(server, &json!({"To_Account": [user], "IsNeedDetail": 1, "IsReturnInstid": 1})).await;
        let got = rep["QueryResult"][0]["Detail"].as_array().map_or(0, Vec::len);
        if got == n {
            return rep;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{user} never had {n} sockets");
}

#[tokio::test]
async fn query_online_status_counts_sockets() {
    let server = start_with(tim_server::Config { multi_instance: tim_server::MultiInstance::Allow, ..config() }).await;
    let (a1, alice) = user(&server, "alice").await;
    let (bob_c, bob) = user(&server, "bob").await;
    drop(bob_c);
    let mut a2 = Client::connect(&server, &format!("inst2-{alice}")).await;
    a2.login(&alice).await;
    rest(&server, "im_open_login_svc/account_import", &json!({"UserID": "carol-off"})).await;

    // Without detail: Status only; unknown accounts in ErrorList with 70107.
    let rep = query(&server, &json!({"To_Account": [alice, "carol-off", "nobody-here"]})).await;
    assert_eq!(rep["ActionStatus"], "OK", "{rep}");
    assert_eq!(rep["ErrorCode"], 0);
    assert_eq!(
        rep["QueryResult"],
        json!([{"To_Account": alice, "Status": "Online"}, {"To_Account": "carol-off", "Status": "Offline"}])
    );
    assert_eq!(rep["ErrorList"], json!([{"To_Account": "nobody-here", "ErrorCode": 70107}]));

    // With detail: one entry per socket, platform Web, instance IDs on request.
    let rep = sockets_become(&server, &alice, 2).await;
    let mut inst: Vec<String> = rep["QueryResult"][0]["Detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["InstId"].as_str().unwrap().to_string())
        .collect();
    inst.sort();
    let mut want = vec![a1.instance_id.clone(), a2.instance_id.clone()];
    want.sort();
    assert_eq!(inst, want);
    assert!(rep["QueryResult"][0]["Detail"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["Platform"] == "Web" && d["Status"] == "Online"));
    let rep = query(&server, &json!({"To_Account": [alice], "IsNeedDetail": 1})).await;
    assert!(rep["QueryResult"][0]["Detail"][0].get("InstId").is_none(), "{rep}");

    // A closed socket is no longer counted; bob's closed socket leaves him offline.
    drop(a1);
    sockets_become(&server, &alice, 1).await;
    sockets_become(&server, &bob, 0).await;
    let rep = query(&server, &json!({"To_Account": [bob], "IsNeedDetail": 1})).await;
    assert_eq!(rep["QueryResult"][0], json!({"To_Account": bob, "Status": "Offline"}));

    // Bad input and non-admin callers are refused with the documented codes.
    assert_eq!(query(&server, &json!({"To_Account": "alice"})).await["ErrorCode"], 90003);
    let many: Vec<String> = (0..501).map(|i| format!("u{i}")).collect();
    assert_eq!(query(&server, &json!({"To_Account": many})).await["ErrorCode"], 90001);
    let rep = a2.call("openim.query_online_status", json!({"To_Account": [alice]})).await;
    assert_eq!(rep["ErrorCode"], tim_proto::code::REST_ADMIN_REQUIRED, "{rep}");
    server.shutdown().await;
}
