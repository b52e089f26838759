//! Per-caller rate limits, kept in the container: a token bucket for each caller (tenant
//! and `sub`) and kind of request, refilled continuously. It costs no request to any
//! service. It bounds what one caller gets from one container; Lambda runs several
//! containers under load, so the bound a caller sees overall is this one times the
//! containers serving them, and API Gateway's stage throttling bounds the whole API.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::{Principal, Role};
use crate::error::ApiError;

/// Callers remembered at most per container; past it, the buckets that are full again
/// (the same as a caller never seen) are forgotten first.
const MAX_CALLERS: usize = 10_000;
/// The host application (`service`) speaks for every user of the tenant: it gets this
/// many times a person's rate.
const SERVICE_FACTOR: u32 = 10;

/// What a request spends from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// `GET`: threads, the feed, the badge, lists.
    Read,
    /// Everything else: sends, mark read, directory and settings changes.
    Write,
}

impl RequestKind {
    pub fn of_method(method: &str) -> RequestKind {
        if method.eq_ignore_ascii_case("GET") {
            RequestKind::Read
        } else {
            RequestKind::Write
        }
    }
}

/// A bucket's size (the burst) and how many requests a minute refill it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub burst: u32,
    pub per_minute: u32,
}

impl Limit {
    fn scaled(self, factor: u32) -> Limit {
        Limit {
            burst: self.burst.saturating_mul(factor),
            per_minute: self.per_minute.saturating_mul(factor),
        }
    }

    /// `BURST/PER_MINUTE`, e.g. `30/120`.
    pub fn parse(value: &str) -> Option<Limit> {
        let (burst, per_minute) = value.split_once('/')?;
        let limit = Limit {
            burst: burst.trim().parse().ok()?,
            per_minute: per_minute.trim().parse().ok()?,
        };
        (limit.burst > 0 && limit.per_minute > 0).then_some(limit)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub read: Limit,
    pub write: Limit,
}

impl Default for Limits {
    /// Room for a person polling every few seconds from a few tabs, and for typing as fast
    /// as anyone does; far below what would crowd out other tenants.
    fn default() -> Self {
        Limits {
            read: Limit {
                burst: 60,
                per_minute: 300,
            },
            write: Limit {
                burst: 30,
                per_minute: 120,
            },
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Debug)]
pub struct RateLimiter {
    limits: Limits,
    buckets: Mutex<HashMap<(String, String, RequestKind), Bucket>>,
}

impl RateLimiter {
    pub fn new(limits: Limits) -> Self {
        RateLimiter {
            limits,
            buckets: Mutex::default(),
        }
    }

    fn limit(&self, principal: &Principal, kind: RequestKind) -> Limit {
        let limit = match kind {
            RequestKind::Read => self.limits.read,
            RequestKind::Write => self.limits.write,
        };
        if principal.role == Role::Service {
            limit.scaled(SERVICE_FACTOR)
        } else {
            limit
        }
    }

    /// Takes one request from the caller's bucket, or says when one will be there.
    pub fn admit(&self, principal: &Principal, kind: RequestKind) -> Result<(), ApiError> {
        self.admit_at(principal, kind, Instant::now())
    }

    pub fn admit_at(
        &self,
        principal: &Principal,
        kind: RequestKind,
        now: Instant,
    ) -> Result<(), ApiError> {
        let limit = self.limit(principal, kind);
        let burst = f64::from(limit.burst);
        let per_second = f64::from(limit.per_minute) / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_CALLERS {
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_second < burst
            });
        }
        let key = (
            principal.tenant_id.to_string(),
            principal.user_id.to_string(),
            kind,
        );
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let refilled = now.saturating_duration_since(bucket.at).as_secs_f64() * per_second;
        bucket.tokens = (bucket.tokens + refilled).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait = Duration::from_secs_f64((1.0 - bucket.tokens) / per_second);
        Err(ApiError::Throttled {
            retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u32,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(tenant: &str, sub: &str, role: Role) -> Principal {
        Principal {
            tenant_id: tenant.into(),
            user_id: sub.into(),
            role,
            customer_id: None,
            name: None,
        }
    }

    const TIGHT: Limits = Limits {
        read: Limit {
            burst: 2,
            per_minute: 60,
        },
        write: Limit {
            burst: 3,
            per_minute: 30,
        },
    };

    #[test]
    fn a_burst_then_the_refill_rate_with_the_wait_said() {
        let limiter = RateLimiter::new(TIGHT);
        let staff = person("t1", "s1", Role::Staff);
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.admit_at(&staff, RequestKind::Write, start).is_ok());
        }
        match limiter.admit_at(&staff, RequestKind::Write, start) {
            Err(ApiError::Throttled { retry_after_secs }) => assert_eq!(retry_after_secs, 2),
            other => panic!("{other:?}"),
        }
        // Reads have a bucket of their own.
        assert!(limiter.admit_at(&staff, RequestKind::Read, start).is_ok());
        // 30 a minute: one more every 2 s.
        let later = start + Duration::from_secs(2);
        assert!(limiter.admit_at(&staff, RequestKind::Write, later).is_ok());
        assert!(limiter.admit_at(&staff, RequestKind::Write, later).is_err());
    }

    #[test]
    fn callers_are_apart_by_tenant_and_sub_and_the_host_gets_more() {
        let limiter = RateLimiter::new(TIGHT);
        let now = Instant::now();
        for _ in 0..3 {
            limiter
                .admit_at(&person("t1", "s1", Role::Staff), RequestKind::Write, now)
                .unwrap();
        }
        assert!(limiter
            .admit_at(&person("t2", "s1", Role::Staff), RequestKind::Write, now)
            .is_ok());
        assert!(limiter
            .admit_at(&person("t1", "s2", Role::Staff), RequestKind::Write, now)
            .is_ok());
        let host = person("t1", "app", Role::Service);
        for _ in 0..30 {
            assert!(limiter.admit_at(&host, RequestKind::Write, now).is_ok());
        }
        assert!(limiter.admit_at(&host, RequestKind::Write, now).is_err());
    }

    #[test]
    fn limits_are_read_as_burst_over_per_minute() {
        assert_eq!(
            Limit::parse("30/120"),
            Some(Limit {
                burst: 30,
                per_minute: 120
            })
        );
        for bad in ["30", "0/10", "10/0", "a/b", ""] {
            assert_eq!(Limit::parse(bad), None, "{bad}");
        }
    }
}
