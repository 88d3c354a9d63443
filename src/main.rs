//! The `accord` binary: parse the command line, load settings, run.

/// mimalloc instead of glibc's allocator: glibc keeps an arena per thread and returns little of
/// it, which doubled the server's resident memory under load (benches/history.md). Its `no_thp`
/// feature keeps it from asking for transparent huge pages, which made 2 MiB of every touched
/// region resident (35 MB on an idle server).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc keeps freed memory for a second before it gives it back (its `purge_delay`), so a
/// burst of large bodies (the event feed's 75 kB pages, on every blocking thread at once) left
/// the server's peak about 10 MB higher than with the memory given back at once, at no measured
/// cost in throughput (benches/history.md, step 19). mimalloc reads the setting only from the
/// environment, when the process starts, and the only call that changes it later is `unsafe`,
/// which this crate forbids; so the process starts itself again, with the same arguments and
/// the same pid, with `MIMALLOC_PURGE_DELAY=0` added. An operator's own value is left as it is.
const PURGE_DELAY: &str = "MIMALLOC_PURGE_DELAY";

#[cfg(unix)]
fn give_freed_memory_back_at_once() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os(PURGE_DELAY).is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut args = std::env::args_os();
    let mut command = std::process::Command::new(exe);
    if let Some(arg0) = args.next() {
        command.arg0(arg0);
    }
    // `exec` returns only when it failed; the process then runs on with mimalloc's default.
    let error = command.args(args).env(PURGE_DELAY, "0").exec();
    eprintln!("accord: could not restart with {PURGE_DELAY}=0 ({error}); running without it");
}

#[cfg(not(unix))]
fn give_freed_memory_back_at_once() {}

fn main() -> std::process::ExitCode {
    give_freed_memory_back_at_once();
    accord::cli::main()
}
