//! SIGINT and SIGTERM: the first one cancels the run, so it can restore originals and write a
//! partial report; a second one ends the process at once.

use tokio::sync::watch;

/// Watches for interruptions for the whole run: the first sets `cancel` (in-flight requests
/// end, trials not started are skipped, originals are restored, a partial report is written);
/// a second one exits at once with `exit_code`, for a restore that cannot finish.
pub(crate) async fn watch(cancel: watch::Sender<bool>, exit_code: i32) {
    let mut signals = Signals::new();
    signals.next().await;
    eprintln!(
        "\ninterrupted: finishing in-flight requests, restoring originals, writing a partial report \
         (interrupt again to stop at once, without restoring)"
    );
    let _ = cancel.send(true);
    signals.next().await;
    eprintln!(
        "\ninterrupted again: stopping now. Originals may not have been restored and no report was \
         written: check the overviews named in the ids file on the target by hand"
    );
    std::process::exit(exit_code);
}

/// The process's SIGINT and SIGTERM streams, registered once so none is missed in between.
struct Signals {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let streams = match (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) {
                (Ok(int), Ok(term)) => Some((int, term)),
                _ => None,
            };
            Self { streams }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    /// Resolves on the next signal; never, if they cannot be watched.
    async fn next(&mut self) {
        #[cfg(unix)]
        {
            match &mut self.streams {
                Some((int, term)) => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                None => std::future::pending::<()>().await,
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}
