//! Progress bars on stderr (indicatif) for the session's long operations: hashing large raw data and a
//! cold fingerprint of a large tree. Shown only when stderr is a terminal and diagnostics are text.

use std::io::IsTerminal as _;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kdvc_session::{Progress, Task};

use crate::args::Format;

/// Raw data smaller than this is hashed without a bar.
const HASH_BAR_BYTES: u64 = 64 * 1024 * 1024;
/// A fingerprint run that reads fewer source files than this (a warm cache) shows no bar.
const READ_BAR_FILES: u64 = 200;

/// Whether progress bars are drawn in this process.
pub(crate) fn enabled() -> bool {
    crate::render::format() == Format::Text && std::io::stderr().is_terminal()
}

/// The bars of one session.
#[derive(Debug, Default)]
pub(crate) struct Bars {
    hash: Mutex<Option<ProgressBar>>,
    read: Mutex<ReadState>,
}

#[derive(Debug, Default)]
struct ReadState {
    total: u64,
    done: u64,
    bar: Option<ProgressBar>,
}

fn bar(len: u64, template: &str) -> ProgressBar {
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr()).with_style(style)
}

impl Progress for Bars {
    fn start(&self, task: Task, total: u64) {
        match task {
            Task::HashRawData if total >= HASH_BAR_BYTES => {
                let b = bar(
                    total,
                    "{spinner} hashing raw data [{bar:30}] {bytes}/{total_bytes} ({elapsed})",
                );
                // A single large file is one step: keep the spinner and the time moving.
                b.enable_steady_tick(std::time::Duration::from_millis(120));
                *lock(&self.hash) = Some(b);
            }
            Task::ReadSources => {
                let mut state = lock(&self.read);
                state.total = total;
                if let Some(b) = &state.bar {
                    b.set_length(total);
                }
            }
            _ => {}
        }
    }

    fn advance(&self, task: Task, n: u64) {
        match task {
            Task::HashRawData => {
                if let Some(b) = lock(&self.hash).as_ref() {
                    b.inc(n);
                }
            }
            Task::ReadSources => {
                let mut state = lock(&self.read);
                state.done += n;
                if state.bar.is_none() && state.done >= READ_BAR_FILES {
                    let b = bar(
                        state.total.max(state.done),
                        "{spinner} fingerprinting code [{bar:30}] {pos}/{len} source files read \
                         ({elapsed})",
                    );
                    b.set_position(state.done);
                    // Summarising and hashing go on after the last file is read.
                    b.enable_steady_tick(std::time::Duration::from_millis(120));
                    state.bar = Some(b);
                } else if let Some(b) = &state.bar {
                    b.inc(n);
                }
            }
            _ => {}
        }
    }

    fn finish(&self, task: Task) {
        let bar = match task {
            Task::HashRawData => lock(&self.hash).take(),
            Task::ReadSources => {
                let mut state = lock(&self.read);
                state.done = 0;
                state.bar.take()
            }
            _ => None,
        };
        if let Some(b) = bar {
            b.finish_and_clear();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
