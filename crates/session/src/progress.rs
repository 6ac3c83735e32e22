//! Progress of long operations, for a front end's progress bar: hashing the raw inputs' data and reading
//! Python sources for code fingerprints. A session reports to the [`Progress`] given to
//! [`crate::Session::with_progress`]; without one, nothing is reported.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use kdvc_translate::HashProgress;

use crate::code::{FingerprintError, SourceProvider};

/// A long piece of work a [`Progress`] is told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Task {
    /// Hashing the data of raw inputs as DVC does, counted in bytes (translating, checking).
    HashRawData,
    /// Reading Python source files whose cached summaries cannot be reused (a cold or changed tree),
    /// counted in files (code fingerprints).
    ReadSources,
}

/// Receives the progress of a session's long operations. Calls may come from several threads.
pub trait Progress: Send + Sync + std::fmt::Debug {
    /// `total` units of `task` are known so far (called again, with a larger total, as more is found).
    fn start(&self, task: Task, total: u64);
    /// `n` more units of `task` are done.
    fn advance(&self, task: Task, n: u64);
    /// `task` is over (done or failed).
    fn finish(&self, task: Task);
}

/// Turns translate's hashing events into [`Task::HashRawData`] progress: an input's bytes count as done
/// when the next input starts, or when all are.
pub(crate) fn hash_reporter(progress: &dyn Progress) -> impl Fn(HashProgress<'_>) + '_ {
    let pending = Cell::new(0_u64);
    move |event| match event {
        HashProgress::Start { bytes } => progress.start(Task::HashRawData, bytes),
        HashProgress::Hashing { bytes, .. } => {
            progress.advance(Task::HashRawData, pending.replace(bytes));
        }
        HashProgress::Done => {
            progress.advance(Task::HashRawData, pending.replace(0));
            progress.finish(Task::HashRawData);
        }
    }
}

/// A source provider that reports every Python file it lists and reads as [`Task::ReadSources`].
pub(crate) struct ReportingSource<'a> {
    inner: &'a dyn SourceProvider,
    progress: &'a dyn Progress,
    listed: AtomicU64,
}

impl<'a> ReportingSource<'a> {
    pub(crate) fn new(inner: &'a dyn SourceProvider, progress: &'a dyn Progress) -> Self {
        Self {
            inner,
            progress,
            listed: AtomicU64::new(0),
        }
    }
}

impl Drop for ReportingSource<'_> {
    fn drop(&mut self) {
        self.progress.finish(Task::ReadSources);
    }
}

impl SourceProvider for ReportingSource<'_> {
    fn python_files(&self, dir: &Path) -> Result<Vec<PathBuf>, FingerprintError> {
        let files = self.inner.python_files(dir)?;
        let listed = self.listed.fetch_add(files.len() as u64, Ordering::Relaxed);
        self.progress
            .start(Task::ReadSources, listed + files.len() as u64);
        Ok(files)
    }

    fn read(&self, rel: &Path) -> Result<Option<Vec<u8>>, FingerprintError> {
        let bytes = self.inner.read(rel)?;
        if rel.extension().is_some_and(|e| e == "py") {
            self.progress.advance(Task::ReadSources, 1);
        }
        Ok(bytes)
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn stamp(&self, rel: &Path) -> Option<kdvc_fingerprint::FileStamp> {
        self.inner.stamp(rel)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[derive(Debug, Default)]
    struct Log(Mutex<Vec<String>>);

    impl Progress for Log {
        fn start(&self, task: Task, total: u64) {
            self.0
                .lock()
                .unwrap()
                .push(format!("start {task:?} {total}"));
        }
        fn advance(&self, task: Task, n: u64) {
            self.0.lock().unwrap().push(format!("advance {task:?} {n}"));
        }
        fn finish(&self, task: Task) {
            self.0.lock().unwrap().push(format!("finish {task:?}"));
        }
    }

    #[test]
    fn hashing_counts_an_input_once_it_is_hashed() {
        let log = Log::default();
        let report = hash_reporter(&log);
        report(HashProgress::Start { bytes: 30 });
        report(HashProgress::Hashing {
            path: "a",
            bytes: 10,
        });
        report(HashProgress::Hashing {
            path: "b",
            bytes: 20,
        });
        report(HashProgress::Done);
        assert_eq!(
            *log.0.lock().unwrap(),
            [
                "start HashRawData 30",
                "advance HashRawData 0",
                "advance HashRawData 10",
                "advance HashRawData 20",
                "finish HashRawData"
            ]
        );
    }

    #[test]
    fn sources_are_counted_as_they_are_listed_and_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/p")).unwrap();
        std::fs::write(dir.path().join("src/p/a.py"), "x = 1\n").unwrap();
        std::fs::write(dir.path().join("src/p/b.py"), "y = 2\n").unwrap();
        let fs = crate::code::FsSource::new(dir.path());
        let log = Log::default();
        {
            let src = ReportingSource::new(&fs, &log);
            let files = src.python_files(Path::new("src")).unwrap();
            src.read(&files[0]).unwrap();
            src.read(Path::new("pyproject.toml")).unwrap();
        }
        assert_eq!(
            *log.0.lock().unwrap(),
            [
                "start ReadSources 2",
                "advance ReadSources 1",
                "finish ReadSources"
            ]
        );
    }
}
