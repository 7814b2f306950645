//! Request rate limits (`[limits]`, docs/security.md "Request limits and validation"): token
//! buckets in memory, per node. A cluster of N nodes behind a load balancer therefore lets up to
//! N times each rate through (a user's socket lives on one node, so the per-user limit holds as
//! long as the user keeps one connection).

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tim_proto::code;

use crate::config::LimitsConfig;
use crate::error::{fail, ApiError};

/// One kind of limit: a `governor` keyed limiter (GCRA, equivalent to a token bucket of `burst`
/// refilled at `per_sec`) per key (user, app, group or IP address), with a bounded key set.
#[derive(Debug)]
pub struct Limiter {
    /// `None` when the limit is off (`per_sec` 0).
    inner: Option<DefaultKeyedRateLimiter<String>>,
    /// Calls so far (when to look at the key count).
    calls: AtomicU64,
    /// The key set was full at the last look: every request is refused until it is not.
    full: AtomicBool,
}

/// Keys tracked before the ones whose state is back to "fresh" (idle for `burst / per_sec`
/// seconds) are dropped. About 100 bytes each: at most ~100 MB per limiter. When that many keys
/// are all still limited, requests are refused (fail closed) until some become fresh again.
const MAX_KEYS: usize = 1_000_000;
const KEY_CHECK_EVERY: u64 = 256;

impl Limiter {
    /// A limiter allowing `per_sec` requests a second per key, and `burst` at once (at least 1,
    /// and at least `per_sec`). `per_sec` 0 disables it.
    pub fn new(per_sec: u32, burst: u32) -> Self {
        let inner = NonZeroU32::new(per_sec).map(|rate| {
            let burst = NonZeroU32::new(burst.max(per_sec)).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        Limiter { inner, calls: AtomicU64::new(0), full: AtomicBool::new(false) }
    }

    /// Count one request under `key`; false when it must be refused.
    pub fn allow(&self, key: impl Into<String>) -> bool {
        let Some(l) = &self.inner else { return true };
        // The key count (a lock of every shard) is looked at once every KEY_CHECK_EVERY calls:
        // the set may pass MAX_KEYS by that many at most.
        if self.calls.fetch_add(1, Ordering::Relaxed).is_multiple_of(KEY_CHECK_EVERY) && l.len() >= MAX_KEYS {
            l.retain_recent();
            l.shrink_to_fit();
            self.full.store(l.len() >= MAX_KEYS, Ordering::Relaxed);
        }
        if self.full.load(Ordering::Relaxed) {
            return false;
        }
        l.check_key(&key.into()).is_ok()
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
    /// Messages sent to one group (`sdkappid:group`), `[groups] msg_rate_per_sec`; more get 10006.
    pub group_msgs: Limiter,
}

impl Limits {
    /// The limiters of a `[limits]` section.
    pub fn new(c: &LimitsConfig, group_msgs_per_sec: u32) -> Self {
        Limits {
            user_cmds: Limiter::new(c.user_cmds_per_sec, c.user_cmds_burst),
            rest: Limiter::new(c.rest_per_sec, c.rest_burst),
            login_ip: Limiter::new(c.logins_per_ip_per_sec, c.logins_per_ip_burst),
            auto_import: Limiter::new(c.auto_import_per_user_per_sec, c.auto_import_per_user_burst),
            group_msgs: Limiter::new(group_msgs_per_sec, group_msgs_per_sec),
        }
    }
}

/// 60018: a user's WebSocket commands come too fast.
pub fn user_limited() -> ApiError {
    fail(code::REQ_FREQ_LIMIT, "too many requests from this user, retry in a moment")
}

/// 60007: an app's REST calls come too fast.
pub fn rest_limited() -> ApiError {
    fail(code::REST_FREQ_LIMIT, "REST API call rate exceeded, retry in a moment")
}

/// 70050: too many logins from one address.
pub fn login_limited() -> ApiError {
    fail(code::ACCOUNT_FREQ_LIMIT, "too many logins from this address, retry in a minute")
}

/// 70398: the user has created too many accounts by naming unknown identifiers.
pub fn auto_import_limited() -> ApiError {
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
