//! The `accord` binary: parse the command line, load settings, run.

/// mimalloc instead of glibc's allocator: glibc keeps an arena per thread and returns little of
/// it, which doubled the server's resident memory under load (benches/history.md). Its `no_thp`
/// feature keeps it from asking for transparent huge pages, which made 2 MiB of every touched
/// region resident (35 MB on an idle server).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    accord::cli::main()
}
