//! Rebuilds the crate when a migration is added or changed: `embed_migrations!` reads the
//! migration folders while compiling, and cargo only tracks the files it saw then, so a new
//! migration folder was left out of the binary until some source file changed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
