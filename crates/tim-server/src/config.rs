//! Server configuration: a TOML file, then environment overrides (`TIM_LISTEN`, `TIM_DATA_DIR`,
//! `TIM_STATIC_DIR`, `TIM_DEMO`, `TIM_STORAGE`, `TIM_POSTGRES_URL`, `TIM_REDIS_URL`, `TIM_NODE_ID`,
//! `TIM_MULTI_INSTANCE`, `TIM_UPLOADS_*`). See `docs/server.md`.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One application (SDKAppID) served by this server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppConfig {
    /// The SDKAppID clients pass to `TIM.create`.
    pub sdkappid: u64,
    /// The secret key userSigs are signed with (TLS-sig v2).
    pub secret_key: String,
    /// The admin identifier allowed to call the REST API.
    #[serde(default = "default_admin")]
    pub admin: String,
}

fn default_admin() -> String {
    "administrator".into()
}

/// What happens when a user logs in on a second web instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MultiInstance {
    /// The older instance of the same platform is kicked (`KickType` 1), like Tencent's default.
    #[default]
    Kick,
    /// Every instance stays online.
    Allow,
}

/// Which storage backend holds the server's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Storage {
    /// SQLite file `tim.sqlite3` in `data_dir` (no services needed).
    #[default]
    Sqlite,
    /// PostgreSQL at `postgres_url`; several server processes can share one database.
    Postgres,
}

/// Several nodes serving one app: presence and cross-node delivery over Redis (`[cluster]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterConfig {
    /// `redis://host:port[/db]`. Unset: single node, everything in process.
    pub redis_url: Option<String>,
    /// This node's id, unique in the cluster. Unset: random at each start.
    pub node_id: Option<String>,
    /// Presence entries not refreshed for this long are dead (a crashed node's sessions).
    pub presence_ttl_secs: u64,
    /// How often presence is refreshed and the Redis subscription is checked.
    pub heartbeat_secs: u64,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig { redis_url: None, node_id: None, presence_ttl_secs: 30, heartbeat_secs: 5 }
    }
}

/// Where uploaded files are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UploadBackend {
    /// Files under `<data_dir>/uploads` (a cluster needs that directory shared).
    #[default]
    Local,
    /// An S3-compatible bucket (AWS S3, MinIO, Ceph, R2, COS…).
    S3,
}

/// File uploads (`im_cos_msg.pre_sig`, `PUT`/`GET /uploads/…`, WIRE.md §4.13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UploadsConfig {
    /// `"local"` (default) or `"s3"`.
    pub backend: UploadBackend,
    /// Largest upload in bytes (default 100 MB); bigger bodies get HTTP 413.
    pub max_upload_bytes: u64,
    /// Longest validity of an upload URL in seconds; the client's `Duration` can only shorten it.
    pub url_ttl_secs: u64,
    /// Base URL clients reach this server at (`https://im.example.com`), used in `upload_url` and
    /// `download_url`. Unset: `http://<Host header of the request>`.
    pub public_url: Option<String>,
    /// S3 bucket.
    pub s3_bucket: Option<String>,
    /// S3 endpoint for S3-compatible servers (`http://127.0.0.1:9000`); unset: AWS.
    pub s3_endpoint: Option<String>,
    /// S3 region (default `us-east-1`).
    pub s3_region: Option<String>,
    /// S3 access key id.
    pub s3_access_key_id: Option<String>,
    /// S3 secret access key.
    pub s3_secret_access_key: Option<String>,
    /// Allow a plain-HTTP endpoint.
    pub s3_allow_http: bool,
}

impl Default for UploadsConfig {
    fn default() -> Self {
        UploadsConfig {
            backend: UploadBackend::Local,
            max_upload_bytes: 100 * 1024 * 1024,
            url_ttl_secs: 900,
            public_url: None,
            s3_bucket: None,
            s3_endpoint: None,
            s3_region: None,
            s3_access_key_id: None,
            s3_secret_access_key: None,
            s3_allow_http: false,
        }
    }
}

/// Group limits (`[groups]`): the "plan" of B-conversations-groups.md §4.1, Ultimate by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GroupsConfig {
    /// Most members of a Work (`Private`), Public or Meeting (`ChatRoom`) group; a larger
    /// `MaxMemberCount` is capped to it.
    pub max_members: u64,
    /// Most members of a Community.
    pub max_members_community: u64,
    /// Most members of an AVChatRoom (0 = unlimited).
    pub max_members_avchatroom: u64,
    /// Messages per second one group accepts (per node; 0 = unlimited); more get 10006.
    pub msg_rate_per_sec: u32,
    /// Most groups one user may be a member of, AVChatRooms not counted (0 = unlimited);
    /// creating or joining beyond it gets 10037, and adds report the user as over the limit.
    pub max_joined_per_user: u64,
    /// New members of Work (`Private`) and Public groups see the messages sent before they
    /// joined (Tencent's console switch, off by default). Meeting (`ChatRoom`) and Community
    /// members always do; AVChatRooms keep no history.
    pub history_before_join: bool,
}

impl Default for GroupsConfig {
    fn default() -> Self {
        GroupsConfig {
            max_members: 2000,
            max_members_community: 100_000,
            max_members_avchatroom: 0,
            msg_rate_per_sec: 40,
            max_joined_per_user: 0,
            history_before_join: false,
        }
    }
}

/// Conversation lists (`[conversations]`, B-conversations-groups.md §3.1, §3.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConversationsConfig {
    /// Most conversations `recentcontact.page_get` lists (Tencent: 100, up to 500).
    pub max_list: usize,
    /// Conversations whose last message is older than this many days are not listed (pinned
    /// ones stay; 0 = kept forever).
    pub retention_days: u64,
    /// Push a deleted conversation to the user's other sessions (`RecentContactMod` `PushType`
    /// 1), Tencent's "Sync Conversation Deletion Across Clients"; off by default.
    pub sync_conversation_deletion: bool,
}

impl Default for ConversationsConfig {
    fn default() -> Self {
        ConversationsConfig { max_list: 100, retention_days: 7, sync_conversation_deletion: false }
    }
}

/// Request rate limits (`[limits]`, docs/security.md): token buckets per node; 0 = unlimited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// WebSocket commands per second of one logged-in user (heartbeats and acks not counted);
    /// more get 60018.
    pub user_cmds_per_sec: u32,
    /// Commands one user may send at once before `user_cmds_per_sec` applies.
    pub user_cmds_burst: u32,
    /// REST calls per second of one app; more get 60007.
    pub rest_per_sec: u32,
    /// REST calls one app may make at once.
    pub rest_burst: u32,
    /// `wslogin` attempts with identifier + userSig per second from one IP address; more get 70050.
    pub logins_per_ip_per_sec: u32,
    /// Logins one IP address may make at once.
    pub logins_per_ip_burst: u32,
    /// Accounts one user may create per second by naming unknown identifiers (sending to them,
    /// adding them to a group), with `auto_import_accounts`; more get 70398.
    pub auto_import_per_user_per_sec: u32,
    /// Accounts one user may create that way at once.
    pub auto_import_per_user_burst: u32,
}

impl LimitsConfig {
    /// Every limit off (benchmarks and load tests that play many users from one address).
    pub fn unlimited() -> Self {
        LimitsConfig {
            user_cmds_per_sec: 0,
            user_cmds_burst: 0,
            rest_per_sec: 0,
            rest_burst: 0,
            logins_per_ip_per_sec: 0,
            logins_per_ip_burst: 0,
            auto_import_per_user_per_sec: 0,
            auto_import_per_user_burst: 0,
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            user_cmds_per_sec: 100,
            user_cmds_burst: 1000,
            rest_per_sec: 1000,
            rest_burst: 2000,
            logins_per_ip_per_sec: 20,
            logins_per_ip_burst: 200,
            auto_import_per_user_per_sec: 1,
            auto_import_per_user_burst: 200,
        }
    }
}

/// The whole server configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on, e.g. `127.0.0.1:8080` (port 0 picks a free port).
    pub listen: String,
    /// Directory for the SQLite database (`tim.sqlite3`).
    pub data_dir: PathBuf,
    /// Storage backend: `"sqlite"` (default) or `"postgres"`.
    pub storage: Storage,
    /// PostgreSQL connection URL (`postgres://user:pass@host:port/db`), for `storage = "postgres"`.
    pub postgres_url: Option<String>,
    /// Most PostgreSQL connections this process opens.
    pub postgres_pool_size: usize,
    /// Directory served over HTTP at `/` (demo page, built SDK). Optional.
    pub static_dir: Option<PathBuf>,
    /// Development mode: creates an app when none exists and serves `GET /dev/usersig`.
    /// Never enable this in production: anyone can get a userSig for any user.
    pub demo: bool,
    /// Apps from the config file. Apps persisted in the data dir are served too.
    pub apps: Vec<AppConfig>,
    /// `HelloInterval` given to clients at login, in seconds.
    pub hello_interval: u64,
    /// Multi-instance policy for web logins.
    pub multi_instance: MultiInstance,
    /// Create accounts on first login, and receivers on first message (Tencent requires an
    /// explicit `account_import`; this is friendlier for demos). Default true.
    pub auto_import_accounts: bool,
    /// Inbound frames larger than this many bytes are dropped; a `COMP` frame that inflates to
    /// more closes the socket (1009).
    pub max_frame_bytes: usize,
    /// Outbound binary frames larger than this are sent `COMP`+zlib when the client allows it.
    pub compress_threshold: usize,
    /// Delay between a kick push and closing the kicked socket, in milliseconds.
    pub kick_close_delay_ms: u64,
    /// Messages per `openim.getmsg` page.
    pub getmsg_page_size: usize,
    /// A socket that sends nothing for this many seconds is closed (the SDK sends
    /// `heartbeat.alive` after 10 s of silence, so only dead clients hit this).
    pub idle_timeout_secs: u64,
    /// Cluster mode (several nodes, Redis).
    pub cluster: ClusterConfig,
    /// File uploads.
    pub uploads: UploadsConfig,
    /// Group limits.
    pub groups: GroupsConfig,
    /// Conversation lists.
    pub conversations: ConversationsConfig,
    /// Request rate limits.
    pub limits: LimitsConfig,
    /// Length of the AVChatRoom recent-member list (`getGroupMemberList` on a room), 1 to 1000.
    pub avchatroom_member_list_max: usize,
    /// An AVChatRoom member whose sockets are all closed leaves the room after this many
    /// seconds (a reconnect within it keeps the membership).
    pub avchatroom_offline_grace_secs: u64,
    /// Transport limits: header-read timeout, per-IP caps, outbound queues, buffers.
    pub transport: crate::transport::TransportConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./.data"),
            static_dir: None,
            storage: Storage::Sqlite,
            postgres_url: None,
            postgres_pool_size: 16,
            demo: false,
            apps: Vec::new(),
            hello_interval: 120,
            multi_instance: MultiInstance::Kick,
            auto_import_accounts: true,
            max_frame_bytes: 1024 * 1024,
            compress_threshold: 1024,
            kick_close_delay_ms: 500,
            getmsg_page_size: 100,
            idle_timeout_secs: 300,
            cluster: ClusterConfig::default(),
            uploads: UploadsConfig::default(),
            groups: GroupsConfig::default(),
            conversations: ConversationsConfig::default(),
            limits: LimitsConfig::default(),
            avchatroom_member_list_max: 30,
            avchatroom_offline_grace_secs: 60,
            transport: crate::transport::TransportConfig::default(),
        }
    }
}

/// The boolean environment variable `name` (`1`/`true`/`yes`/`on`, `0`/`false`/`no`/`off`, any
/// case); `None` when unset or empty.
pub(crate) fn env_bool(get: &impl Fn(&str) -> Option<String>, name: &'static str) -> Result<Option<bool>, ConfigError> {
    let Some(v) = get(name).filter(|v| !v.is_empty()) else { return Ok(None) };
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(Some(true)),
        "0" | "false" | "no" | "off" => Ok(Some(false)),
        _ => Err(ConfigError::EnvBool(name)),
    }
}

/// A configuration that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for [`Config`].
    #[error("invalid config file {path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why.
        source: toml::de::Error,
    },
    /// An environment variable has an invalid value.
    #[error("invalid environment variable {0}")]
    Env(&'static str),
    /// A boolean environment variable has another value.
    #[error("invalid environment variable {0} (use 1/0, true/false, yes/no, on/off)")]
    EnvBool(&'static str),
}

impl Config {
    /// Load from an optional TOML file, then apply environment overrides.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let mut config = match path {
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|source| ConfigError::Read { path: p.to_owned(), source })?;
                Self::from_toml(&text).map_err(|source| ConfigError::Parse { path: p.to_owned(), source })?
            }
            None => Config::default(),
        };
        config.apply_env(|k| std::env::var(k).ok())?;
        Ok(config)
    }

    /// Parse a TOML document.
    pub fn from_toml(text: &str) -> Result<Config, toml::de::Error> {
        toml::from_str(text)
    }

    /// Apply `TIM_LISTEN`, `TIM_DATA_DIR`, `TIM_STATIC_DIR`, `TIM_DEMO`, `TIM_STORAGE`,
    /// `TIM_POSTGRES_URL`, `TIM_REDIS_URL` and `TIM_NODE_ID` from `get`.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(v) = get("TIM_LISTEN").filter(|v| !v.is_empty()) {
            self.listen = v;
        }
        if let Some(v) = get("TIM_DATA_DIR").filter(|v| !v.is_empty()) {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = get("TIM_STATIC_DIR") {
            self.static_dir = if v.is_empty() { None } else { Some(PathBuf::from(v)) };
        }
        if let Some(v) = env_bool(&get, "TIM_DEMO")? {
            self.demo = v;
        }
        if let Some(v) = get("TIM_STORAGE").filter(|v| !v.is_empty()) {
            self.storage = match v.to_ascii_lowercase().as_str() {
                "sqlite" => Storage::Sqlite,
                "postgres" | "postgresql" => Storage::Postgres,
                _ => return Err(ConfigError::Env("TIM_STORAGE (use sqlite or postgres)")),
            };
        }
        if let Some(v) = get("TIM_POSTGRES_URL").filter(|v| !v.is_empty()) {
            self.postgres_url = Some(v);
        }
        if let Some(v) = get("TIM_REDIS_URL") {
            self.cluster.redis_url = if v.is_empty() { None } else { Some(v) };
        }
        if let Some(v) = get("TIM_NODE_ID").filter(|v| !v.is_empty()) {
            self.cluster.node_id = Some(v);
        }
        if let Some(v) = get("TIM_MULTI_INSTANCE").filter(|v| !v.is_empty()) {
            self.multi_instance = match v.as_str() {
                "kick" => MultiInstance::Kick,
                "allow" => MultiInstance::Allow,
                _ => return Err(ConfigError::Env("TIM_MULTI_INSTANCE (use kick or allow)")),
            };
        }
        self.apply_limits_env(&get)?;
        self.transport.apply_env(&get)?;
        self.apply_uploads_env(&get)
    }

    fn apply_limits_env(&mut self, get: &impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let l = &mut self.limits;
        let numbers: [(&'static str, &mut u32); 8] = [
            ("TIM_LIMITS_USER_CMDS_PER_SEC", &mut l.user_cmds_per_sec),
            ("TIM_LIMITS_USER_CMDS_BURST", &mut l.user_cmds_burst),
            ("TIM_LIMITS_REST_PER_SEC", &mut l.rest_per_sec),
            ("TIM_LIMITS_REST_BURST", &mut l.rest_burst),
            ("TIM_LIMITS_LOGINS_PER_IP_PER_SEC", &mut l.logins_per_ip_per_sec),
            ("TIM_LIMITS_LOGINS_PER_IP_BURST", &mut l.logins_per_ip_burst),
            ("TIM_LIMITS_AUTO_IMPORT_PER_USER_PER_SEC", &mut l.auto_import_per_user_per_sec),
            ("TIM_LIMITS_AUTO_IMPORT_PER_USER_BURST", &mut l.auto_import_per_user_burst),
        ];
        for (name, slot) in numbers {
            if let Some(v) = get(name).filter(|v| !v.is_empty()) {
                *slot = v.parse().map_err(|_| ConfigError::Env(name))?;
            }
        }
        Ok(())
    }

    fn apply_uploads_env(&mut self, get: &impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let u = &mut self.uploads;
        if let Some(v) = get("TIM_UPLOADS_BACKEND").filter(|v| !v.is_empty()) {
            u.backend = match v.to_ascii_lowercase().as_str() {
                "local" => UploadBackend::Local,
                "s3" => UploadBackend::S3,
                _ => return Err(ConfigError::Env("TIM_UPLOADS_BACKEND (use local or s3)")),
            };
        }
        if let Some(v) = get("TIM_UPLOADS_MAX_UPLOAD_BYTES").filter(|v| !v.is_empty()) {
            u.max_upload_bytes = v.parse().map_err(|_| ConfigError::Env("TIM_UPLOADS_MAX_UPLOAD_BYTES (a number)"))?;
        }
        if let Some(v) = env_bool(&get, "TIM_UPLOADS_S3_ALLOW_HTTP")? {
            u.s3_allow_http = v;
        }
        let strings: [(&str, &mut Option<String>); 6] = [
            ("TIM_UPLOADS_PUBLIC_URL", &mut u.public_url),
            ("TIM_UPLOADS_S3_BUCKET", &mut u.s3_bucket),
            ("TIM_UPLOADS_S3_ENDPOINT", &mut u.s3_endpoint),
            ("TIM_UPLOADS_S3_REGION", &mut u.s3_region),
            ("TIM_UPLOADS_S3_ACCESS_KEY_ID", &mut u.s3_access_key_id),
            ("TIM_UPLOADS_S3_SECRET_ACCESS_KEY", &mut u.s3_secret_access_key),
        ];
        for (name, slot) in strings {
            if let Some(v) = get(name) {
                *slot = if v.is_empty() { None } else { Some(v) };
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_and_env() {
        let mut c = Config::from_toml(
            r#"
            listen = "0.0.0.0:9000"
            multi_instance = "allow"
            [[apps]]
            sdkappid = 1400000001
            secret_key = "k"
            "#,
        )
        .expect("valid toml");
        assert_eq!(c.apps[0].admin, "administrator");
        assert_eq!(c.multi_instance, MultiInstance::Allow);
        assert_eq!(c.hello_interval, 120);
        c.apply_env(|k| match k {
            "TIM_DEMO" => Some("true".into()),
            "TIM_LISTEN" => Some("127.0.0.1:1".into()),
            _ => None,
        })
        .expect("valid env");
        assert!(c.demo);
        assert_eq!(c.listen, "127.0.0.1:1");
        assert!(c.apply_env(|k| (k == "TIM_DEMO").then(|| "maybe".to_string())).is_err());
        c.apply_env(|k| (k == "TIM_MULTI_INSTANCE").then(|| "kick".to_string())).expect("valid env");
        assert_eq!(c.multi_instance, MultiInstance::Kick);
        assert!(c.apply_env(|k| (k == "TIM_MULTI_INSTANCE").then(|| "sometimes".to_string())).is_err());
        assert!(Config::from_toml("nonsense = 1").is_err());
        assert_eq!(c.storage, Storage::Sqlite);
        let mut p = Config::from_toml("storage = \"postgres\"\npostgres_url = \"postgres://a@h/db\"").expect("toml");
        assert_eq!((p.storage, p.postgres_url.as_deref()), (Storage::Postgres, Some("postgres://a@h/db")));
        p.apply_env(|k| match k {
            "TIM_STORAGE" => Some("sqlite".into()),
            "TIM_POSTGRES_URL" => Some("postgres://b@h/db2".into()),
            _ => None,
        })
        .expect("env");
        assert_eq!((p.storage, p.postgres_url.as_deref()), (Storage::Sqlite, Some("postgres://b@h/db2")));
        assert!(p.apply_env(|k| (k == "TIM_STORAGE").then(|| "mysql".to_string())).is_err());
        assert!(Config::from_toml("storage = \"mysql\"").is_err());
        let c = Config::from_toml("[cluster]\nredis_url = \"redis://127.0.0.1:6379\"\nnode_id = \"n1\"")
            .expect("valid toml");
        assert_eq!(c.cluster.redis_url.as_deref(), Some("redis://127.0.0.1:6379"));
        assert_eq!(c.cluster.presence_ttl_secs, 30);
        assert!(Config::from_toml("[cluster]\nredis = 1").is_err());
        let mut c = Config::default();
        c.apply_env(|k| match k {
            "TIM_REDIS_URL" => Some("redis://r".into()),
            "TIM_NODE_ID" => Some("b".into()),
            _ => None,
        })
        .expect("valid env");
        assert_eq!((c.cluster.redis_url.as_deref(), c.cluster.node_id.as_deref()), (Some("redis://r"), Some("b")));
    }

    #[test]
    fn limits_toml_and_env() {
        assert_eq!(Config::default().limits.user_cmds_per_sec, 100);
        let mut c = Config::from_toml("[limits]\nrest_per_sec = 5\nuser_cmds_burst = 7").expect("valid toml");
        assert_eq!((c.limits.rest_per_sec, c.limits.user_cmds_burst, c.limits.rest_burst), (5, 7, 2000));
        assert!(Config::from_toml("[limits]\nrest = 5").is_err());
        c.apply_env(|k| (k == "TIM_LIMITS_LOGINS_PER_IP_BURST").then(|| "3".to_string())).expect("valid env");
        assert_eq!(c.limits.logins_per_ip_burst, 3);
        assert!(c.apply_env(|k| (k == "TIM_LIMITS_REST_PER_SEC").then(|| "many".to_string())).is_err());
    }

    #[test]
    fn uploads_toml_and_env() {
        let c = Config::default();
        assert_eq!((c.uploads.backend, c.uploads.max_upload_bytes), (UploadBackend::Local, 100 * 1024 * 1024));
        let mut c = Config::from_toml(
            "[uploads]\nbackend = \"s3\"\ns3_bucket = \"b\"\ns3_endpoint = \"http://127.0.0.1:9000\"\ns3_allow_http = true\nmax_upload_bytes = 10",
        )
        .expect("valid toml");
        assert_eq!(c.uploads.backend, UploadBackend::S3);
        assert_eq!(c.uploads.s3_bucket.as_deref(), Some("b"));
        assert!(c.uploads.s3_allow_http);
        assert_eq!(c.uploads.max_upload_bytes, 10);
        assert!(Config::from_toml("[uploads]\nbackend = \"ftp\"").is_err());
        assert!(Config::from_toml("[uploads]\nbucket = \"b\"").is_err());
        c.apply_env(|k| match k {
            "TIM_UPLOADS_BACKEND" => Some("local".into()),
            "TIM_UPLOADS_S3_BUCKET" => Some("other".into()),
            "TIM_UPLOADS_S3_SECRET_ACCESS_KEY" => Some("s".into()),
            "TIM_UPLOADS_MAX_UPLOAD_BYTES" => Some("2048".into()),
            "TIM_UPLOADS_PUBLIC_URL" => Some("https://im.example.com".into()),
            "TIM_UPLOADS_S3_ALLOW_HTTP" => Some("0".into()),
            _ => None,
        })
        .expect("valid env");
        assert_eq!(c.uploads.backend, UploadBackend::Local);
        assert_eq!(c.uploads.s3_bucket.as_deref(), Some("other"));
        assert_eq!(c.uploads.s3_secret_access_key.as_deref(), Some("s"));
        assert_eq!(c.uploads.max_upload_bytes, 2048);
        assert_eq!(c.uploads.public_url.as_deref(), Some("https://im.example.com"));
        assert!(!c.uploads.s3_allow_http);
        assert!(c.apply_env(|k| (k == "TIM_UPLOADS_BACKEND").then(|| "ftp".to_string())).is_err());
        assert!(c.apply_env(|k| (k == "TIM_UPLOADS_MAX_UPLOAD_BYTES").then(|| "lots".to_string())).is_err());
    }
}
