//! What the benchmarks' clients share: the app, the request head the official Web SDK sends,
//! `wslogin` with a real userSig, and reading a frame (`COMP` inflated).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::{Error, Message};

pub const APP: u64 = 1_400_000_001;
pub const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// The head of a request, as tim-js-sdk 2.27.6 writes it.
pub fn head(servcmd: &str, seq: u64) -> Value {
    json!({"ver":"v4","platform":7,"websdkappid":537048168,"websdkversion":"1.7.3","sdkappid":APP,
        "contenttype":"json","reqtime":tim_server::now(),"servcmd":servcmd,"seq":seq})
}

/// The JSON bytes of a text or binary frame, `COMP` frames inflated; `None` for other messages.
pub fn frame_bytes(m: Message) -> Option<Vec<u8>> {
    let b = match m {
        Message::Binary(b) => b.to_vec(),
        Message::Text(t) => t.as_bytes().to_vec(),
        _ => return None,
    };
    if let Some(z) = b.strip_prefix(b"COMP") {
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(z).read_to_end(&mut out).ok()?;
        return Some(out);
    }
    Some(b)
}

/// Log `user` in on `ws` (`wslogin` with identifier and a fresh userSig) and wait for the reply;
/// returns the A2 key.
pub async fn login<S>(ws: &mut S, user: &str) -> String
where
    S: Sink<Message, Error = Error> + Stream<Item = Result<Message, Error>> + Unpin,
{
    let mut h = head("im_open_status.wslogin", 1);
    h["status_instid"] = json!(0);
    h["sdkability"] = json!(192371);
    h["tjgID"] = json!("");
    h["identifier"] = json!(user);
    h["usersig"] = json!(tim_proto::usersig::generate(APP, KEY, user, 86400, tim_server::now()));
    let frame = json!({"head": h, "body": {"State":"Online","is_web_uniapp":0,"InstType":0}});
    ws.send(Message::Binary(frame.to_string().into_bytes().into())).await.unwrap();
    loop {
        let Some(b) = frame_bytes(ws.next().await.expect("socket open").unwrap()) else { continue };
        let f = tim_proto::Frame::from_bytes(&b, 64 << 20).unwrap();
        if f.head.servcmd == "im_open_status.wslogin" {
            assert_eq!(f.body["ErrorCode"], 0, "wslogin {user}: {}", f.body);
            return f.body["A2Key"].as_str().unwrap_or("").to_string();
        }
    }
}
