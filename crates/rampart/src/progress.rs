//! Progress bars on a terminal for long runs; silent when stderr is not a
//! terminal, so logs and pipes stay clean.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rampart_secrets::HistoryProgress;

/// Walking commits, then searching blobs.
pub struct HistoryBar {
    bar: ProgressBar,
}

impl HistoryBar {
    pub fn new() -> Self {
        let bar = if std::io::stderr().is_terminal() {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template("{spinner} walking history: {pos} commits").expect("valid template"),
        );
        HistoryBar { bar }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl HistoryProgress for HistoryBar {
    fn commits_walked(&self, commits: usize) {
        self.bar.set_position(commits as u64);
    }

    fn blobs_queued(&self, blobs: usize) {
        self.bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} blobs searched ({elapsed})").expect("valid template"),
        );
        self.bar.set_length(blobs as u64);
        self.bar.set_position(0);
    }

    fn blob_searched(&self) {
        self.bar.inc(1);
    }
}

/// Objects read from a cluster or a snapshot, as they arrive: the judges
/// keep up with the reader, so this is the audit's progress.
pub struct ReadingBar {
    bar: ProgressBar,
}

impl ReadingBar {
    /// `what`: `cluster prod`, `snapshot cluster.json`.
    pub fn new(what: &str) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let bar = if terminal {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template("{spinner} reading {msg}: {human_pos} objects ({elapsed})")
                .expect("valid template"),
        );
        bar.set_message(what.to_string());
        if terminal {
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
        }
        ReadingBar { bar }
    }

    pub fn object_read(&self) {
        self.bar.inc(1);
    }
}

impl Drop for ReadingBar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// A scan's bars: files checked (for many files, on a terminal), then
/// the history walked when the run searches it.
pub struct Bars {
    files: ProgressBar,
    history: HistoryBar,
}

impl Bars {
    /// Below this many files a scan is over before a bar would help.
    const MIN_FILES: usize = 200;

    pub fn new() -> Self {
        let files = ProgressBar::hidden();
        files.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} files checked ({elapsed})").expect("valid template"),
        );
        Bars {
            files,
            history: HistoryBar::new(),
        }
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        self.files.finish_and_clear();
        self.history.finish();
    }
}

impl rampart_scan::Progress for Bars {
    fn files_found(&self, files: usize) {
        if files >= Self::MIN_FILES && std::io::stderr().is_terminal() {
            self.files.set_length(files as u64);
            self.files.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn file_done(&self) {
        self.files.inc(1);
    }
}

impl HistoryProgress for Bars {
    fn commits_walked(&self, commits: usize) {
        self.files.finish_and_clear();
        self.history.commits_walked(commits);
    }

    fn blobs_queued(&self, blobs: usize) {
        self.history.blobs_queued(blobs);
    }

    fn blob_searched(&self) {
        self.history.blob_searched();
    }
}
