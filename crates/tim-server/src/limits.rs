//! Request rate limits (`[limits]`, docs/security.md "Request limits and validation"): token
//! buckets in memory, per node. A cluster of N nodes behind a load balancer therefore lets up to
//! N times each rate through (a user's socket lives on one node, so the per-user limit holds as
//! long as the user keeps one connection).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::Value;
use tim_proto::code;

use crate::commands::fail;
use crate::config::LimitsConfig;

/// One kind of limit: a token bucket per key (user, app or IP address).
#[derive(Debug)]
pub struct Limiter {
    /// Tokens added per second (0 = unlimited).
    rate: f64,
    /// Bucket size: how many requests may come at once after a quiet period.
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets kept before idle (full) ones are dropped.
const MAX_KEYS: usize = 100_000;

impl Limiter {
    /// A limiter refilling `per_sec` tokens a second, holding at most `burst` (at least 1, and at
    /// least `per_sec`). `per_sec` 0 disables it.
    pub fn new(per_sec: u32, burst: u32) -> Self {
        let rate = f64::from(per_sec);
        Limiter { rate, burst: f64::from(burst.max(per_sec).max(1)), buckets: Mutex::new(HashMap::new()) }
    }

    /// Take one token for `key`; false when the bucket is empty (the request must be refused).
    pub fn allow(&self, key: &str) -> bool {
        if self.rate <= 0.0 {
            return true;
        }
        let t = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            // A bucket idle long enough to be full again changes nothing when forgotten.
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, b| b.tokens + t.duration_since(b.at).as_secs_f64() * rate < burst);
            if buckets.len() >= MAX_KEYS {
                return false;
            }
        }
        let b = buckets.entry(key.to_string()).or_insert(Bucket { tokens: self.burst, at: t });
        b.tokens = (b.tokens + t.duration_since(b.at).as_secs_f64() * self.rate).min(self.burst);
        b.at = t;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Every request limit of one server (node).
#[derive(Debug)]
pub struct Limits {
    /// WebSocket commands of one logged-in user (`sdkappid:user`).
    pub user_cmds: Limiter,
    /// REST calls of one app (`sdkappid`).
    pub rest: Limiter,
    /// `wslogin` with identifier + userSig, per client IP address.
    pub login_ip: Limiter,
    /// Accounts created by a user sending to (or adding) unknown identifiers (`sdkappid:user`).
    pub auto_import: Limiter,
}

impl Limits {
    /// The limiters of a `[limits]` section.
    pub fn new(c: &LimitsConfig) -> Self {
        Limits {
            user_cmds: Limiter::new(c.user_cmds_per_sec, c.user_cmds_burst),
            rest: Limiter::new(c.rest_per_sec, c.rest_burst),
            login_ip: Limiter::new(c.logins_per_ip_per_sec, c.logins_per_ip_burst),
            auto_import: Limiter::new(c.auto_import_per_user_per_sec, c.auto_import_per_user_burst),
        }
    }
}

/// 60018: a user's WebSocket commands come too fast.
pub fn user_limited() -> Value {
    fail(code::REQ_FREQ_LIMIT, "too many requests from this user, retry in a moment")
}

/// 60007: an app's REST calls come too fast.
pub fn rest_limited() -> Value {
    fail(code::REST_FREQ_LIMIT, "REST API call rate exceeded, retry in a moment")
}

/// 70050: too many logins from one address.
pub fn login_limited() -> Value {
    fail(code::ACCOUNT_FREQ_LIMIT, "too many logins from this address, retry in a minute")
}

/// 70398: the user has created too many accounts by naming unknown identifiers.
pub fn auto_import_limited() -> Value {
    fail(code::ACCOUNT_COUNT_LIMIT, "too many new accounts created by this user, import them first")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_burst_then_refuses_then_refills() {
        let l = Limiter::new(10, 20);
        assert!((0..20).all(|_| l.allow("a")));
        assert!(!l.allow("a"));
        assert!(l.allow("b"), "keys are independent");
        std::thread::sleep(std::time::Duration::from_millis(250));
        assert!(l.allow("a"), "refilled at 10/s");
        let off = Limiter::new(0, 0);
        assert!((0..10_000).all(|_| off.allow("x")));
    }
}
