//! User profiles on the wire (WIRE.md §4.10, §5.7): the standard `Tag_Profile_IM_*` tags, the
//! SDK field each maps to, and the values and limits each accepts (tim-js-sdk's Profile object,
//! Tencent's standard profile fields). The SDK and the server read the same table.

/// What a standard field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string of at most this many UTF-8 bytes.
    Text(usize),
    /// One of these strings.
    Choice(&'static [&'static str]),
    /// An unsigned 32-bit number.
    Number,
}

/// A standard profile field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Wire tag, e.g. `Tag_Profile_IM_Nick`.
    pub tag: &'static str,
    /// Property of the SDK's Profile object, e.g. `nick`.
    pub name: &'static str,
    /// Accepted values.
    pub kind: Kind,
}

/// Longest string value (nick, avatar, signature, custom strings), in bytes.
pub const MAX_VALUE_BYTES: usize = 500;
/// Longest `location`, in bytes.
pub const MAX_LOCATION_BYTES: usize = 16;
/// Most users one profile read may name.
pub const MAX_USERS: usize = 100;
/// Prefix of custom profile tags.
pub const CUSTOM_PREFIX: &str = "Tag_Profile_Custom_";
/// `Tag_Profile_IM_Nick`.
pub const NICK: &str = "Tag_Profile_IM_Nick";
/// `Tag_Profile_IM_Image` (the avatar URL).
pub const IMAGE: &str = "Tag_Profile_IM_Image";
/// `Tag_Profile_IM_AdminForbidType`: only the app admin may set it.
pub const ADMIN_FORBID_TYPE: &str = "Tag_Profile_IM_AdminForbidType";
/// `TIM.TYPES.GENDER_*`.
pub const GENDERS: &[&str] = &["Gender_Type_Unknown", "Gender_Type_Female", "Gender_Type_Male"];
/// `TIM.TYPES.ALLOW_TYPE_*`.
pub const ALLOW_TYPES: &[&str] = &["AllowType_Type_NeedConfirm", "AllowType_Type_AllowAny", "AllowType_Type_DenyAny"];
/// `TIM.TYPES.FORBID_TYPE_*`.
pub const FORBID_TYPES: &[&str] = &["AdminForbid_Type_None", "AdminForbid_Type_SendOut"];

/// The standard fields, in the order tim-js-sdk's Profile object lists them on the wire.
pub const STANDARD: [Field; 12] = [
    Field { tag: NICK, name: "nick", kind: Kind::Text(MAX_VALUE_BYTES) },
    Field { tag: "Tag_Profile_IM_Gender", name: "gender", kind: Kind::Choice(GENDERS) },
    Field { tag: "Tag_Profile_IM_BirthDay", name: "birthday", kind: Kind::Number },
    Field { tag: "Tag_Profile_IM_Location", name: "location", kind: Kind::Text(MAX_LOCATION_BYTES) },
    Field { tag: "Tag_Profile_IM_SelfSignature", name: "selfSignature", kind: Kind::Text(MAX_VALUE_BYTES) },
    Field { tag: "Tag_Profile_IM_AllowType", name: "allowType", kind: Kind::Choice(ALLOW_TYPES) },
    Field { tag: "Tag_Profile_IM_Language", name: "language", kind: Kind::Number },
    Field { tag: IMAGE, name: "avatar", kind: Kind::Text(MAX_VALUE_BYTES) },
    Field { tag: "Tag_Profile_IM_MsgSettings", name: "messageSettings", kind: Kind::Number },
    Field { tag: ADMIN_FORBID_TYPE, name: "adminForbidType", kind: Kind::Choice(FORBID_TYPES) },
    Field { tag: "Tag_Profile_IM_Level", name: "level", kind: Kind::Number },
    Field { tag: "Tag_Profile_IM_Role", name: "role", kind: Kind::Number },
];

/// The standard field with this wire tag.
pub fn by_tag(tag: &str) -> Option<&'static Field> {
    STANDARD.iter().find(|f| f.tag == tag)
}

/// The standard field with this Profile property name.
pub fn by_name(name: &str) -> Option<&'static Field> {
    STANDARD.iter().find(|f| f.name == name)
}
