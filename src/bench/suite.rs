//! Measurements 3 and 4: the whole suite as a child process of the current executable, its wall
//! time (spawn to exit: the embedded service's start and the reports included), its CPU time
//! and its peak resident memory.
//!
//! On Linux the child is reaped with `wait4`, which returns that child's own resource usage
//! (`ru_maxrss` is its peak RSS in KiB); `getrusage(RUSAGE_CHILDREN)` would give the largest of
//! all children so far instead. Elsewhere only the wall time is measured.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The longest one suite run may take before it is killed and reported.
const LIMIT: Duration = Duration::from_secs(300);

#[derive(Debug, Clone)]
pub struct SuiteRun {
    pub wall: Duration,
    /// Peak resident set size in KiB.
    pub peak_kib: Option<u64>,
    /// User + system CPU time.
    pub cpu: Option<Duration>,
    /// The exit code; `None` if killed by a signal.
    pub code: Option<i32>,
    /// The last lines of the child's stderr, when it did not exit 0.
    pub stderr_tail: String,
}

/// A scratch folder for report dirs and the children's stderr; removed on drop.
pub struct Scratch {
    dir: PathBuf,
    exe: PathBuf,
}

impl Scratch {
    pub fn new() -> Result<Self, String> {
        let exe = std::env::current_exe()
            .map_err(|e| format!("cannot find the current executable to run the suite: {e}"))?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "graph-conformance-bench-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create the scratch folder {}: {e}", dir.display()))?;
        Ok(Self { dir, exe })
    }

    /// Runs `<exe> -q --report-dir <scratch>/<name> <extra…>` in the scratch folder (so no
    /// `reports/` history of the caller's folder is read) and measures it.
    pub fn run(&self, name: &str, extra: &[&str]) -> Result<SuiteRun, String> {
        let report_dir = self.dir.join(name);
        let stderr_path = self.dir.join(format!("{name}.stderr"));
        let stderr = std::fs::File::create(&stderr_path)
            .map_err(|e| format!("cannot create {}: {e}", stderr_path.display()))?;
        let mut cmd = Command::new(&self.exe);
        cmd.arg("-q")
            .arg("--report-dir")
            .arg(&report_dir)
            .args(extra)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(stderr));
        let started = Instant::now();
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.exe.display()))?;
        let mut run = wait(child, started)?;
        if run.code != Some(0) {
            run.stderr_tail = tail(&stderr_path, 5);
        }
        Ok(run)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join(" / ")
}

/// The run with the median wall time (the peak RSS reported is the largest of all runs).
pub fn median(runs: &[SuiteRun]) -> SuiteRun {
    let mut sorted = runs.to_vec();
    sorted.sort_by_key(|r| r.wall);
    let mut m = sorted[sorted.len() / 2].clone();
    m.peak_kib = runs.iter().filter_map(|r| r.peak_kib).max();
    m
}

/// What went wrong in runs that did not exit 0, for the notes.
pub fn problems(runs: &[SuiteRun]) -> String {
    runs.iter()
        .filter(|r| r.code != Some(0))
        .map(|r| format!("; a run exited {:?}: {}", r.code, r.stderr_tail))
        .collect()
}

#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
mod sys {
    //! `wait4(2)` from the C library std already links (no crate added). Layouts are those of
    //! 64-bit Linux: `time_t`, `suseconds_t` and `long` are all 64 bits.

    #[repr(C)]
    #[derive(Default)]
    pub struct Timeval {
        pub sec: i64,
        pub usec: i64,
    }

    #[repr(C)]
    #[derive(Default)]
    pub struct Rusage {
        pub utime: Timeval,
        pub stime: Timeval,
        /// Peak resident set size, KiB.
        pub maxrss: i64,
        pub rest: [i64; 13],
    }

    pub const WNOHANG: i32 = 1;

    extern "C" {
        fn wait4(pid: i32, status: *mut i32, options: i32, rusage: *mut Rusage) -> i32;
    }

    /// `Ok(None)` while the child runs; `Ok(Some((status, usage)))` once it is reaped.
    pub fn try_reap(pid: i32) -> std::io::Result<Option<(i32, Rusage)>> {
        let mut status = 0i32;
        let mut usage = Rusage::default();
        // SAFETY: both pointers are to live, correctly laid-out locals for the whole call.
        let r = unsafe { wait4(pid, &mut status, WNOHANG, &mut usage) };
        match r {
            0 => Ok(None),
            r if r == pid => Ok(Some((status, usage))),
            _ => {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    Ok(None)
                } else {
                    Err(e)
                }
            }
        }
    }
}

#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn wait(mut child: std::process::Child, started: Instant) -> Result<SuiteRun, String> {
    let pid = i32::try_from(child.id()).map_err(|_| "child pid out of range".to_owned())?;
    loop {
        // Polled (1 ms) rather than blocking, so a hung run can be killed before it is reaped.
        match sys::try_reap(pid) {
            Ok(Some((status, usage))) => {
                let wall = started.elapsed();
                let tv = |t: &sys::Timeval| {
                    Duration::from_secs(t.sec.max(0) as u64)
                        + Duration::from_micros(t.usec.max(0) as u64)
                };
                let code = (status & 0x7f == 0).then_some((status >> 8) & 0xff);
                // `child` was reaped here: dropping it neither waits nor kills.
                drop(child);
                return Ok(SuiteRun {
                    wall,
                    peak_kib: Some(usage.maxrss.max(0) as u64),
                    cpu: Some(tv(&usage.utime) + tv(&usage.stime)),
                    code,
                    stderr_tail: String::new(),
                });
            }
            Ok(None) => {
                if started.elapsed() > LIMIT {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!(
                        "a suite run took longer than {LIMIT:?} and was killed"
                    ));
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => return Err(format!("cannot wait for the suite run: {e}")),
        }
    }
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn wait(mut child: std::process::Child, started: Instant) -> Result<SuiteRun, String> {
    let status = child
        .wait()
        .map_err(|e| format!("cannot wait for the suite run: {e}"))?;
    Ok(SuiteRun {
        wall: started.elapsed(),
        peak_kib: None,
        cpu: None,
        code: status.code(),
        stderr_tail: String::new(),
    })
}
