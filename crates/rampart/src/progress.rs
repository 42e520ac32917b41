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

/// Files checked, for a scan of many files; nothing for a few, or when
/// stderr is not a terminal.
pub struct FilesBar {
    bar: ProgressBar,
}

impl FilesBar {
    /// Below this many files a scan is over before a bar would help.
    const MIN_FILES: usize = 200;

    pub fn new(files: usize) -> Self {
        let bar = if files >= Self::MIN_FILES && std::io::stderr().is_terminal() {
            ProgressBar::with_draw_target(Some(files as u64), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} files checked ({elapsed})").expect("valid template"),
        );
        FilesBar { bar }
    }

    pub fn file_done(&self) {
        self.bar.inc(1);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
