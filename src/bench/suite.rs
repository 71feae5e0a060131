//! The suite (or, for measurement 9, `import`) as a child process of the current executable, for
//! measurements 3 to 9: its wall time (spawn to exit: the embedded service's start and the
//! reports included), its CPU time, its peak resident memory and its `report.json`. Every child is held by a [`Guard`] that kills
//! it on any path that does not reap it.
//!
//! On Linux the child is reaped with `wait4`, which returns that child's own resource usage
//! (`ru_maxrss` is its peak RSS in KiB); `getrusage(RUSAGE_CHILDREN)` would give the largest of
//! all children so far instead. Elsewhere only the wall time is measured.

use std::cell::RefCell;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::outcome::Report;

/// The longest one suite run may take before it is killed and reported, unless its job says.
const LIMIT: Duration = Duration::from_secs(300);
/// Runs longer than this are polled less often: their wall time needs no millisecond.
const FINE_POLLING: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub(crate) struct SuiteRun {
    pub wall: Duration,
    /// Peak resident set size in KiB.
    pub peak_kib: Option<u64>,
    /// User + system CPU time.
    pub cpu: Option<Duration>,
    /// The exit code; `None` if killed by a signal.
    pub code: Option<i32>,
    /// The last lines of the child's stderr, when it did not exit 0.
    pub stderr_tail: String,
    /// Where its reports are.
    pub report_dir: PathBuf,
}

impl SuiteRun {
    /// The run's `report.json`.
    pub(crate) fn report(&self) -> Result<Report, String> {
        crate::report::read_report(&self.report_dir.join("report.json")).map_err(|e| {
            format!(
                "the run (exit code {:?}{}) left no readable report: {e}",
                self.code,
                if self.stderr_tail.is_empty() {
                    String::new()
                } else {
                    format!(", stderr: {}", self.stderr_tail)
                }
            )
        })
    }
}

/// One suite run to make.
pub(crate) struct Job<'a> {
    /// Its folder under the scratch folder.
    pub name: &'a str,
    /// Arguments after `-q --report-dir <dir> [--pack P]`.
    pub args: Vec<String>,
    /// How the command line shows `args`, when not as they are (temporary URLs and files).
    pub shown_args: Option<String>,
    /// Variables set for the child (tokens), with how the command line shows them.
    pub env: Vec<(&'static str, String, String)>,
    pub limit: Duration,
    /// Say on stderr every so often that the run goes on, with this label.
    pub progress: Option<&'a str>,
}

impl<'a> Job<'a> {
    pub(crate) fn new(name: &'a str, args: &[&str]) -> Self {
        Self {
            name,
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            shown_args: None,
            env: Vec::new(),
            limit: LIMIT,
            progress: None,
        }
    }
}

/// A scratch folder for report dirs and the children's stderr; removed on drop. It also keeps
/// the command lines run, for the table's "reproduce" list.
pub(crate) struct Scratch {
    dir: PathBuf,
    exe: PathBuf,
    /// `--pack` for every child.
    pack: Option<String>,
    commands: RefCell<Vec<String>>,
}

impl Scratch {
    pub(crate) fn new(pack: Option<String>) -> Result<Self, String> {
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
        Ok(Self {
            dir,
            exe,
            pack,
            commands: RefCell::new(Vec::new()),
        })
    }

    pub(crate) fn exe(&self) -> &Path {
        &self.exe
    }

    pub(crate) fn pack(&self) -> Option<&str> {
        self.pack.as_deref()
    }

    /// A fresh folder for one run (or one served target) of its own.
    pub(crate) fn folder(&self, name: &str) -> Result<PathBuf, String> {
        let dir = self.dir.join(name);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create the folder {}: {e}", dir.display()))?;
        Ok(dir)
    }

    /// Notes a command line run (as a reader would type it) for the "reproduce" list.
    pub(crate) fn log(&self, line: String) {
        self.commands.borrow_mut().push(line);
    }

    /// The command lines run since the last call.
    pub(crate) fn take_commands(&self) -> Vec<String> {
        std::mem::take(&mut *self.commands.borrow_mut())
    }

    /// `<exe> -q --report-dir <scratch>/<name>/report [--pack P] <extra…>`, measured.
    pub(crate) fn run(&self, name: &str, extra: &[&str]) -> Result<SuiteRun, String> {
        self.run_job(&Job::new(name, extra))
    }

    /// Runs `job` in its own folder (so neither the caller's `reports/` history nor another
    /// run's report is read as this run's history) and measures it.
    pub(crate) fn run_job(&self, job: &Job) -> Result<SuiteRun, String> {
        let folder = self.folder(job.name)?;
        let report_dir = folder.join("report");
        let mut cmd = Command::new(&self.exe);
        cmd.arg("-q").arg("--report-dir").arg(&report_dir);
        if let Some(p) = &self.pack {
            cmd.arg("--pack").arg(p);
        }
        cmd.args(&job.args);
        for (name, value, _) in &job.env {
            cmd.env(name, value);
        }
        self.log(self.shown(job));
        let mut run = measure(cmd, &folder, job.limit, job.progress)?;
        run.report_dir = report_dir;
        Ok(run)
    }

    /// `<exe> <args…>` (another command than the suite: no `-q`, `--report-dir` or `--pack`)
    /// in a folder of its own, measured; `shown` is its line in the "reproduce" list.
    pub(crate) fn run_command(
        &self,
        name: &str,
        args: &[OsString],
        shown: String,
    ) -> Result<SuiteRun, String> {
        let folder = self.folder(name)?;
        let mut cmd = Command::new(&self.exe);
        cmd.args(args);
        self.log(shown);
        measure(cmd, &folder, LIMIT, None)
    }

    /// The job's command line as a reader would type it.
    fn shown(&self, job: &Job) -> String {
        let mut words: Vec<String> = job
            .env
            .iter()
            .map(|(name, _, shown)| format!("{name}={shown}"))
            .collect();
        words.push("graph-conformance -q --report-dir DIR".into());
        if let Some(p) = &self.pack {
            words.push(format!("--pack {p}"));
        }
        match &job.shown_args {
            Some(shown) => words.push(shown.clone()),
            None => words.extend(job.args.iter().cloned()),
        }
        words.join(" ")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A child process that is killed and reaped when dropped, unless it was reaped already: no
/// path out of a measurement (an error, a timeout, a panic unwinding) leaves one running.
pub(crate) struct Guard {
    child: Option<Child>,
}

impl Guard {
    pub(crate) fn new(child: Child) -> Self {
        Self { child: Some(child) }
    }

    pub(crate) fn child(&mut self) -> Option<&mut Child> {
        self.child.as_mut()
    }

    /// The child was reaped (by `wait4`): its pid may be reused, so it must not be killed now.
    /// Dropping a `Child` neither waits nor kills.
    fn reaped(&mut self) {
        self.child = None;
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// While a long run goes on: a line on stderr every so often, with the run's own last line.
struct Progress<'a> {
    label: &'a str,
    stderr: &'a Path,
    next: Instant,
    /// The run's last line as last shown, so that it is shown again only when it changed.
    shown: String,
}

/// How often a long run is reported.
const PROGRESS_EVERY: Duration = Duration::from_secs(15);

impl<'a> Progress<'a> {
    fn new(label: &'a str, stderr: &'a Path) -> Self {
        Self {
            label,
            stderr,
            next: Instant::now() + PROGRESS_EVERY,
            shown: String::new(),
        }
    }

    fn tick(&mut self, started: Instant) {
        if Instant::now() < self.next {
            return;
        }
        self.next += PROGRESS_EVERY;
        let line = tail(self.stderr, 1);
        let last = if line.is_empty() || line == self.shown {
            String::new()
        } else {
            format!(" (its last line: {line})")
        };
        self.shown = line;
        eprintln!(
            "  {}: running for {:.0} s{last}",
            self.label,
            started.elapsed().as_secs_f64()
        );
    }
}

/// Runs `cmd` in `folder` (its stderr kept there, stdout dropped) and measures it; the guard
/// kills it on every path that does not reap it.
fn measure(
    mut cmd: Command,
    folder: &Path,
    limit: Duration,
    progress: Option<&str>,
) -> Result<SuiteRun, String> {
    let stderr_path = folder.join("stderr.txt");
    let stderr = std::fs::File::create(&stderr_path)
        .map_err(|e| format!("cannot create {}: {e}", stderr_path.display()))?;
    cmd.current_dir(folder)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(stderr));
    let started = Instant::now();
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", cmd.get_program().to_string_lossy()))?;
    let mut guard = Guard::new(child);
    let progress = progress.map(|label| Progress::new(label, &stderr_path));
    let mut run = wait(&mut guard, started, limit, progress)?;
    if run.code != Some(0) {
        run.stderr_tail = tail(&stderr_path, 5);
    }
    Ok(run)
}

pub(crate) fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    all[all.len().saturating_sub(lines)..].join(" / ")
}

/// The run with the median wall time (the peak RSS reported is the largest of all runs).
pub(crate) fn median(runs: &[SuiteRun]) -> Option<SuiteRun> {
    let mut sorted = runs.to_vec();
    sorted.sort_by_key(|r| r.wall);
    let mut m = sorted.get(sorted.len() / 2)?.clone();
    m.peak_kib = runs.iter().filter_map(|r| r.peak_kib).max();
    Some(m)
}

/// An exit code for the notes.
pub(crate) fn code(code: Option<i32>) -> String {
    code.map_or_else(|| "none (killed by a signal)".into(), |c| c.to_string())
}

/// The runs' exit codes for the notes.
pub(crate) fn codes(runs: &[SuiteRun]) -> String {
    runs.iter()
        .map(|r| code(r.code))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What went wrong in runs that did not exit 0, for the notes.
pub(crate) fn problems(runs: &[SuiteRun]) -> String {
    runs.iter()
        .filter(|r| r.code != Some(0))
        .map(|r| format!("; a run exited {:?}: {}", r.code, r.stderr_tail))
        .collect()
}

fn pause(started: Instant) -> Duration {
    if started.elapsed() < FINE_POLLING {
        Duration::from_millis(1)
    } else {
        Duration::from_millis(10)
    }
}

#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
mod sys {
    //! `wait4(2)` from the C library std already links (no crate added). Layouts are those of
    //! 64-bit Linux: `time_t`, `suseconds_t` and `long` are all 64 bits.

    #[repr(C)]
    #[derive(Default)]
    pub(crate) struct Timeval {
        pub sec: i64,
        pub usec: i64,
    }

    #[repr(C)]
    #[derive(Default)]
    pub(crate) struct Rusage {
        pub utime: Timeval,
        pub stime: Timeval,
        /// Peak resident set size, KiB.
        pub maxrss: i64,
        pub rest: [i64; 13],
    }

    const WNOHANG: i32 = 1;

    extern "C" {
        fn wait4(pid: i32, status: *mut i32, options: i32, rusage: *mut Rusage) -> i32;
    }

    /// `Ok(None)` while the child runs; `Ok(Some((status, usage)))` once it is reaped.
    pub(crate) fn try_reap(pid: i32) -> std::io::Result<Option<(i32, Rusage)>> {
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

/// Waits for the guarded child, polled (rather than blocking) so that a hung run is killed at
/// `limit`; the guard kills it on every error path.
fn wait(
    guard: &mut Guard,
    started: Instant,
    limit: Duration,
    mut progress: Option<Progress>,
) -> Result<SuiteRun, String> {
    loop {
        if let Some(run) = exited(guard, started)? {
            return Ok(run);
        }
        still_running(started, limit, progress.as_mut())?;
    }
}

/// A suite run not finished yet: an error once it has taken longer than `limit`, else a
/// progress tick and a pause before the next look.
fn still_running(
    started: Instant,
    limit: Duration,
    progress: Option<&mut Progress>,
) -> Result<(), String> {
    if started.elapsed() > limit {
        return Err(format!(
            "a suite run took longer than {} s and was killed",
            limit.as_secs()
        ));
    }
    if let Some(p) = progress {
        p.tick(started);
    }
    std::thread::sleep(pause(started));
    Ok(())
}

/// The run once the child has exited, with its peak memory and CPU time; `None` while it runs.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn exited(guard: &mut Guard, started: Instant) -> Result<Option<SuiteRun>, String> {
    let id = guard.child().map_or(0, |c| c.id());
    let pid = i32::try_from(id).map_err(|_| "child pid out of range".to_owned())?;
    let reaped = sys::try_reap(pid).map_err(|e| format!("cannot wait for the suite run: {e}"))?;
    let Some((status, usage)) = reaped else {
        return Ok(None);
    };
    let wall = started.elapsed();
    guard.reaped();
    let tv = |t: &sys::Timeval| {
        Duration::from_secs(t.sec.max(0) as u64) + Duration::from_micros(t.usec.max(0) as u64)
    };
    Ok(Some(SuiteRun {
        wall,
        peak_kib: Some(usage.maxrss.max(0) as u64),
        cpu: Some(tv(&usage.utime) + tv(&usage.stime)),
        code: (status & 0x7f == 0).then_some((status >> 8) & 0xff),
        stderr_tail: String::new(),
        report_dir: PathBuf::new(),
    }))
}

/// The run once the child has exited (no peak memory or CPU time here); `None` while it runs.
#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn exited(guard: &mut Guard, started: Instant) -> Result<Option<SuiteRun>, String> {
    let child = guard.child().ok_or("the suite run was reaped already")?;
    let status = child
        .try_wait()
        .map_err(|e| format!("cannot wait for the suite run: {e}"))?;
    Ok(status.map(|status| SuiteRun {
        wall: started.elapsed(),
        peak_kib: None,
        cpu: None,
        code: status.code(),
        stderr_tail: String::new(),
        report_dir: PathBuf::new(),
    }))
}
