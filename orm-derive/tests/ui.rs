//! Compile errors of `#[derive(Model)]` misuse, each pointing at the offending attribute.
//!
//! trybuild compiles the cases with the environment's rustc wrapper. The test command builds the
//! workspace with clippy-driver as that wrapper, which prints some types with their full paths; the
//! cases then run in a child process of this test without it, and read as rustc writes them.

#[test]
fn derive_misuse_fails_to_compile() {
    if std::env::var_os("RUSTC_WORKSPACE_WRAPPER").is_some() {
        let status = std::process::Command::new(std::env::current_exe().expect("the test binary"))
            .args(["derive_misuse_fails_to_compile", "--exact", "--nocapture"])
            .env_remove("RUSTC_WORKSPACE_WRAPPER")
            .env_remove("CLIPPY_ARGS")
            .status()
            .expect("run the cases");
        assert!(status.success(), "a compile-fail case failed (its output is above)");
        return;
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
