//! The `orm` command line tool.

fn main() -> std::process::ExitCode {
    orm_cli::main_with_args(std::env::args_os())
}
