//! `run_until`: update a Bevy `App` until a check passes or a deadline does.
//!
//! The app's tests wait on work that happens off the frame (scan tasks, the
//! net runtime, decoder threads); each of them used to hand-write the same
//! update–check–sleep loop with its own deadline message.

use std::time::Duration;

use bevy_app::App;

use crate::wait::{TimedOut, try_wait_until};

/// Updates `app` once, then calls `check`; repeats (pausing
/// [`crate::wait::POLL_PAUSE`] between updates, so background threads run)
/// until `check` returns `Some`, whose value is returned. A predicate returns
/// `cond.then_some(())`; a check may also assert on what it sees.
///
/// # Errors
/// [`TimedOut`] naming `what` when `timeout` passes first.
pub fn try_run_until<T>(
    app: &mut App,
    what: &str,
    timeout: Duration,
    mut check: impl FnMut(&mut App) -> Option<T>,
) -> Result<T, TimedOut> {
    try_wait_until(what, timeout, app, |app| app.update(), |app| check(app))
}

/// [`try_run_until`] for tests: the value, or a panic naming `what`.
///
/// # Panics
/// When `timeout` passes before `check` returns `Some`, with
/// "timed out after … s waiting for {what}".
#[track_caller]
pub fn run_until<T>(
    app: &mut App,
    what: &str,
    timeout: Duration,
    check: impl FnMut(&mut App) -> Option<T>,
) -> T {
    try_run_until(app, what, timeout, check).unwrap_or_else(|e| panic!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_until_the_check_passes() {
        let mut app = App::new();
        let mut checks = 0;
        let got = run_until(&mut app, "the third check", Duration::from_secs(5), |_| {
            checks += 1;
            (checks == 3).then_some(checks)
        });
        assert_eq!(got, 3);
    }

    #[test]
    fn a_timeout_names_what_was_awaited() {
        let mut app = App::new();
        let e = try_run_until(&mut app, "a resource nobody adds", Duration::ZERO, |_| {
            None::<()>
        })
        .unwrap_err();
        assert!(e.to_string().contains("a resource nobody adds"), "{e}");
    }
}
