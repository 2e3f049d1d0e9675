//! Waiting on background work in tests: check, pause, check again, until the
//! check passes or a deadline does, and then say what was awaited.

use std::fmt;
use std::time::{Duration, Instant};

/// Pause between two checks: short next to any deadline, long enough that a
/// waiting test does not keep a core busy while the work it waits for runs.
pub const POLL_PAUSE: Duration = Duration::from_millis(5);

/// A wait that ran past its deadline; its message names what was awaited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedOut {
    /// What the test waited for, in its own words.
    pub what: String,
    /// How long it waited.
    pub after: Duration,
}

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "timed out after {:.1} s waiting for {}",
            self.after.as_secs_f64(),
            self.what
        )
    }
}

impl std::error::Error for TimedOut {}

/// Calls `step` and then `check` until `check` returns `Some`, pausing
/// [`POLL_PAUSE`] between rounds; the shared loop of [`try_poll_until`] and
/// the Bevy `run_until`.
///
/// # Errors
/// [`TimedOut`] naming `what` when `timeout` passes first. `check` runs at
/// least once, even with a zero timeout.
pub fn try_wait_until<S, T>(
    what: &str,
    timeout: Duration,
    mut state: S,
    mut step: impl FnMut(&mut S),
    mut check: impl FnMut(&mut S) -> Option<T>,
) -> Result<T, TimedOut> {
    let start = Instant::now();
    loop {
        step(&mut state);
        if let Some(done) = check(&mut state) {
            return Ok(done);
        }
        if start.elapsed() >= timeout {
            return Err(TimedOut {
                what: what.to_owned(),
                after: start.elapsed(),
            });
        }
        std::thread::sleep(POLL_PAUSE);
    }
}

/// Calls `check` until it returns `Some` (its value is returned), pausing
/// [`POLL_PAUSE`] between calls. A predicate returns `cond.then_some(())`.
///
/// # Errors
/// [`TimedOut`] naming `what` when `timeout` passes first.
pub fn try_poll_until<T>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> Option<T>,
) -> Result<T, TimedOut> {
    try_wait_until(what, timeout, (), |()| {}, |()| check())
}

/// [`try_poll_until`] for tests: the value, or a panic naming `what`.
///
/// # Panics
/// When `timeout` passes before `check` returns `Some`, with
/// "timed out after … s waiting for {what}".
#[track_caller]
pub fn poll_until<T>(what: &str, timeout: Duration, check: impl FnMut() -> Option<T>) -> T {
    try_poll_until(what, timeout, check).unwrap_or_else(|e| panic!("{e}"))
}

/// Pause between two checks of [`poll_until_async`]: its checks are requests
/// (to a server, a browser), so it asks less often than [`POLL_PAUSE`].
#[cfg(feature = "tokio")]
pub const ASYNC_POLL_PAUSE: Duration = Duration::from_millis(50);

/// [`poll_until`] for async tests: awaits `check` until it returns `Some`
/// (its value is returned), sleeping [`ASYNC_POLL_PAUSE`] on tokio's timer
/// between checks, so the server or browser being waited for keeps running.
///
/// # Panics
/// When `timeout` passes before `check` returns `Some`, with
/// "timed out after … s waiting for {what}".
#[cfg(feature = "tokio")]
pub async fn poll_until_async<T, F>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> F,
) -> T
where
    F: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(done) = check().await {
            return done;
        }
        if start.elapsed() >= timeout {
            let e = TimedOut {
                what: what.to_owned(),
                after: start.elapsed(),
            };
            panic!("{e}");
        }
        tokio::time::sleep(ASYNC_POLL_PAUSE).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_the_first_value_the_check_gives() {
        let mut n = 0;
        let got = poll_until("n to reach 3", Duration::from_secs(5), || {
            n += 1;
            (n == 3).then_some(n * 10)
        });
        assert_eq!(got, 30);
    }

    #[test]
    fn a_timeout_names_what_was_awaited() {
        let e = try_poll_until("the moon", Duration::ZERO, || None::<()>).unwrap_err();
        assert_eq!(e.what, "the moon");
        assert!(e.to_string().contains("waiting for the moon"), "{e}");
    }

    #[test]
    #[should_panic(expected = "waiting for a never")]
    fn poll_until_panics_with_the_message() {
        poll_until("a never", Duration::from_millis(20), || None::<()>);
    }
}
