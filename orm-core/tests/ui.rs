//! Compile errors of `#[derive(Model)]` misuse, each pointing at the offending attribute.

#[test]
fn derive_misuse_fails_to_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
