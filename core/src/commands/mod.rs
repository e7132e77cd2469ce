//! What the CLIs say and start: the command line ([`cli`]), every line of text
//! ([`render`]), what `run` spawns ([`run`], with the tools it knows: [`tools`]), and the
//! block `env --write` keeps in a `.env` file ([`env_file`]).

pub mod cli;
pub mod env_file;
pub mod render;
pub mod run;
pub mod tools;
