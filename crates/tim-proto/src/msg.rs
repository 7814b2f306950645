//! Messages as they travel (WIRE.md §5.3, §5.4).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One element `{MsgType, MsgContent}`. `MsgContent` is relayed unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MsgElem {
    /// `TIMTextElem`, `TIMCustomElem`, …
    #[serde(rename = "MsgType", default)]
    pub msg_type: String,
    /// The element content, kept as sent.
    #[serde(rename = "MsgContent", default)]
    pub msg_content: Value,
}

/// A C2C message (in `C2cMsgArray`, `getmsg.MsgList`, `getroammsg.MsgList`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct C2cMsg {
    /// Sender (or the peer, on an `IsSyncMsg` push copy).
    #[serde(rename = "From_Account", default)]
    pub from_account: String,
    /// Receiver.
    #[serde(rename = "To_Account", default)]
    pub to_account: String,
    /// The sender's client sequence.
    #[serde(rename = "MsgSeq", default)]
    pub msg_seq: u64,
    /// Random.
    #[serde(rename = "MsgRandom", default)]
    pub msg_random: u64,
    /// Server time.
    #[serde(rename = "MsgTimeStamp", default)]
    pub msg_time_stamp: u64,
    /// Client time at creation.
    #[serde(rename = "MsgClientTime", default)]
    pub msg_client_time: u64,
    /// The sender's TinyId (string).
    #[serde(rename = "TinyId", default)]
    pub tiny_id: String,
    /// `seq_random_time`.
    #[serde(rename = "MsgKey", default)]
    pub msg_key: String,
    /// 8 = recalled.
    #[serde(rename = "MsgFlagBits", default)]
    pub msg_flag_bits: u32,
    /// 2 = recalled placeholder.
    #[serde(rename = "IsPlaceMsg", default)]
    pub is_place_msg: u32,
    /// Elements.
    #[serde(rename = "MsgBody", default)]
    pub msg_body: Vec<MsgElem>,
    /// App data.
    #[serde(rename = "CloudCustomData", default)]
    pub cloud_custom_data: String,
    /// Sender nick.
    #[serde(rename = "From_AccountNick", default)]
    pub from_account_nick: String,
    /// Sender avatar.
    #[serde(rename = "From_AccountHeadurl", default)]
    pub from_account_headurl: String,
    /// 1 = copy of my own message (push only, addresses from the peer's side).
    #[serde(rename = "IsSyncMsg", default, skip_serializing_if = "is_zero")]
    pub is_sync_msg: u32,
    /// History only: the peer has read it.
    #[serde(rename = "IsPeerRead", default, skip_serializing_if = "is_zero")]
    pub is_peer_read: u32,
    /// Read receipt wanted.
    #[serde(rename = "IsNeedReadReceipt", default, skip_serializing_if = "is_zero")]
    pub is_need_read_receipt: u32,
    /// Modification version.
    #[serde(rename = "MsgVersion", default, skip_serializing_if = "is_zero_u64")]
    pub msg_version: u64,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

fn is_zero_u64(v: &u64) -> bool {
    *v == 0
}

/// `MsgFlagBits` bit for a recalled message.
pub const FLAG_RECALLED: u32 = 8;

/// The C2C message key `"<MsgSeq>_<MsgRandom>_<MsgTime>"` (WIRE.md §4.1).
pub fn c2c_msg_key(seq: u64, random: u64, time: u64) -> String {
    format!("{seq}_{random}_{time}")
}

/// The SDK message ID `"<sender TinyId>-<MsgClientTime>-<MsgRandom>"` (WIRE.md §5.3).
pub fn message_id(tiny_id: &str, client_time: u64, random: u64) -> String {
    format!("{tiny_id}-{client_time}-{random}")
}

impl C2cMsg {
    /// The SDK message ID of this message.
    pub fn id(&self) -> String {
        message_id(&self.tiny_id, self.msg_client_time, self.msg_random)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_keeps_unknown_content_and_ids() {
        let text = r#"{"From_Account":"alice","To_Account":"bob","MsgSeq":3057140001,"MsgRandom":90101625,
          "MsgTimeStamp":1795654634,"MsgClientTime":1795654633,"TinyId":"144115200000000002",
          "MsgKey":"3057140001_90101625_1795654634","MsgBody":[{"MsgType":"TIMImageElem","MsgContent":{"UUID":"u","ImageInfoArray":[{"Type":1,"InstanceId":9}]}}]}"#;
        let m: C2cMsg = serde_json::from_str(text).unwrap();
        assert_eq!(m.id(), "144115200000000002-1795654633-90101625");
        assert_eq!(m.msg_key, c2c_msg_key(m.msg_seq, m.msg_random, m.msg_time_stamp));
        let back = serde_json::to_value(&m).unwrap();
        assert_eq!(back["MsgBody"][0]["MsgContent"]["ImageInfoArray"][0]["InstanceId"], 9);
        assert!(back.get("IsSyncMsg").is_none());
    }
}
