//! `tim-server`: a self-hostable IM server that speaks the Tencent Cloud IM Web SDK's WebSocket
//! protocol (`/binfo`, `/info`; see `spec/WIRE.md`) and Tencent's `v4` REST API, so both the
//! official SDK (with `proxyServer`) and tim-wasm work against it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), tim_server::StartError> {
//! let mut config = tim_server::Config::default();
//! config.listen = "127.0.0.1:0".into();
//! config.demo = true;
//! let server = tim_server::Server::start(config).await?;
//! println!("listening on {}", server.local_addr());
//! server.shutdown().await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod api;
pub mod avchatroom;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod conversations;
pub mod error;
pub mod group_admin;
pub mod group_members;
pub mod groups;
pub mod hub;
pub mod limits;
pub mod online;
pub mod outbox;
pub mod profiles;
pub mod rest;
pub mod store;
pub mod topics;
pub mod transport;
pub mod uploads;
pub mod validate;
pub mod ws;

pub use config::{
    AppConfig, ClusterConfig, Config, LimitsConfig, MultiInstance, Storage, UploadBackend, UploadsConfig,
};
pub use store::{App, PgStore, SqliteStore, Store};

use axum::routing::{get, post};
use axum::Router;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use tokio::sync::watch;

/// Current Unix time in seconds.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Current Unix time in milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Shared server state.
pub struct State {
    /// The configuration.
    pub config: Config,
    /// Storage.
    pub store: Arc<dyn Store>,
    /// Online sessions (this node's, or the cluster's).
    pub hub: Arc<dyn hub::Hub>,
    /// Uploaded files.
    pub blobs: Arc<dyn uploads::BlobStore>,
    /// AVChatRoom rate limits (per node).
    pub rooms: avchatroom::Rooms,
    /// Request rate limits (per node).
    pub limits: limits::Limits,
    /// Transport counters and per-IP limits.
    pub transport: transport::Transport,
    apps: RwLock<HashMap<u64, App>>,
    shutdown: watch::Receiver<bool>,
}

impl State {
    /// The app with this SDKAppID.
    pub fn app(&self, sdkappid: u64) -> Option<App> {
        self.apps.read().unwrap_or_else(|e| e.into_inner()).get(&sdkappid).cloned()
    }

    /// The only app, when exactly one is served.
    pub fn single_app(&self) -> Option<App> {
        let apps = self.apps.read().unwrap_or_else(|e| e.into_inner());
        if apps.len() == 1 {
            apps.values().next().cloned()
        } else {
            None
        }
    }
}

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Storage could not be opened.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// The upload store could not be set up (`[uploads]`).
    #[error(transparent)]
    Uploads(#[from] uploads::BlobError),
    /// Cluster mode could not start (Redis unreachable, `node_id` used by a running node).
    #[error("cluster: {0}")]
    Cluster(String),
    /// No app is configured and demo mode is off.
    #[error("no app configured: add [[apps]] to the config file, or enable demo mode (demo = true / TIM_DEMO=1)")]
    NoApps,
}

/// The server.
pub struct Server;

/// A running server.
pub struct ServerHandle {
    addr: SocketAddr,
    state: Arc<State>,
    created_app: Option<App>,
    node_id: Option<String>,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl ServerHandle {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every app served (config file and data dir).
    pub fn apps(&self) -> Vec<App> {
        let mut v: Vec<App> = self.state.apps.read().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
        v.sort_by_key(|a| a.sdkappid);
        v
    }

    /// The app demo mode created on this start, if any.
    pub fn created_app(&self) -> Option<&App> {
        self.created_app.as_ref()
    }

    /// The storage.
    pub fn store(&self) -> Arc<dyn Store> {
        self.state.store.clone()
    }

    /// This node's id in the cluster (`None` without `[cluster]`).
    pub fn node_id(&self) -> Option<&str> {
        self.node_id.as_deref()
    }

    /// Close every socket, stop accepting, withdraw this node's presence and wait until the
    /// server has stopped.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
        self.state.hub.shutdown().await;
    }
}

/// Load the apps to serve: the data dir's persisted apps, overridden by the config file's; in
/// demo mode with none at all, create and persist one. Returns (apps, newly created app).
pub fn load_apps(config: &Config, store: &dyn Store) -> Result<(Vec<App>, Option<App>), StartError> {
    let mut apps: HashMap<u64, App> = store.apps()?.into_iter().map(|a| (a.sdkappid, a)).collect();
    for a in &config.apps {
        apps.insert(a.sdkappid, App { sdkappid: a.sdkappid, secret_key: a.secret_key.clone(), admin: a.admin.clone() });
    }
    let mut created = None;
    if apps.is_empty() {
        if !config.demo {
            return Err(StartError::NoApps);
        }
        let app = App {
            sdkappid: 1_400_000_000 + u64::from(rand::random::<u32>() % 100_000),
            secret_key: format!("{:032x}{:032x}", rand::random::<u128>(), rand::random::<u128>()),
            admin: "administrator".into(),
        };
        store.put_app(&app)?;
        apps.insert(app.sdkappid, app.clone());
        created = Some(app);
    }
    let mut v: Vec<App> = apps.into_values().collect();
    v.sort_by_key(|a| a.sdkappid);
    Ok((v, created))
}

impl Server {
    /// Open the configured storage (SQLite in `config.data_dir`, or PostgreSQL), bind
    /// `config.listen` and serve in the background.
    pub async fn start(config: Config) -> Result<ServerHandle, StartError> {
        // Opening migrates the schema and, for PostgreSQL, connects: blocking work.
        let cfg = config.clone();
        let store = tokio::task::spawn_blocking(move || store::open(&cfg))
            .await
            .map_err(|e| store::StoreError::Pool(format!("storage open task failed: {e}")))??;
        Self::start_with_store(config, store).await
    }

    /// Like [`Server::start`] with a given storage backend.
    pub async fn start_with_store(config: Config, store: Arc<dyn Store>) -> Result<ServerHandle, StartError> {
        let (apps, created_app) = load_apps(&config, store.as_ref())?;
        let blobs = uploads::open(&config)?;
        if config.demo {
            tracing::warn!(
                "DEMO MODE is on: GET /dev/usersig hands out a userSig for any user. \
                 For development only; set `demo = false` in production."
            );
        }
        let listener = tokio::net::TcpListener::bind(&config.listen)
            .await
            .map_err(|source| StartError::Bind { addr: config.listen.clone(), source })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind { addr: config.listen.clone(), source })?;
        let (hub, node_id): (Arc<dyn hub::Hub>, Option<String>) = match &config.cluster.redis_url {
            Some(url) => {
                let h = cluster::RedisHub::start(url, &config, store.clone())
                    .await
                    .map_err(|e| StartError::Cluster(e.to_string()))?;
                let id = h.node_id().to_string();
                (Arc::new(h), Some(id))
            }
            None => (Arc::new(hub::LocalHub::default()), None),
        };
        let (tx, rx) = watch::channel(false);
        let state = Arc::new(State {
            store,
            hub,
            blobs,
            rooms: avchatroom::Rooms::default(),
            limits: limits::Limits::new(&config.limits, config.groups.msg_rate_per_sec),
            transport: transport::Transport::new(&config.transport),
            apps: RwLock::new(apps.into_iter().map(|a| (a.sdkappid, a)).collect()),
            shutdown: rx.clone(),
            config,
        });
        let app = router(state.clone());
        let task = tokio::spawn(transport::serve(listener, app, state.clone(), rx));
        tracing::info!(%addr, node = node_id.as_deref().unwrap_or("-"), uploads = %state.blobs.describe(), "tim-server listening");
        Ok(ServerHandle { addr, state, created_app, node_id, shutdown: tx, task })
    }
}

fn router(state: Arc<State>) -> Router {
    let mut r = Router::new()
        .route("/binfo", get(ws::binfo))
        .route("/info", get(ws::info))
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(transport::metrics))
        .route("/v4/{service}/{command}", post(rest::v4))
        // The upload plugin PUTs from the page's origin: CORS open, the token is the auth.
        .route(
            "/uploads/{*key}",
            axum::routing::put(uploads::put_upload)
                .get(uploads::get_upload)
                .layer(tower_http::cors::CorsLayer::permissive()),
        );
    if state.config.demo {
        r = r.route("/dev/usersig", get(rest::dev_usersig).layer(tower_http::cors::CorsLayer::permissive()));
    }
    if let Some(dir) = &state.config.static_dir {
        r = r.fallback_service(tower_http::services::ServeDir::new(dir));
    }
    r.layer(tower_http::trace::TraceLayer::new_for_http()).with_state(state)
}
