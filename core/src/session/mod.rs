//! Sessions: every command of both CLIs and every host API call, run once in the core as a
//! machine that asks its host for effects (docs/host-protocol.md). The hosts only do what
//! [`effects::Effect`] names; every decision in between is made here.
//!
//! - [`machine`]: the async machinery (a command suspends at each effect);
//! - [`effects`]: what a host does, and what it answers;
//! - [`facts`]: what a session starts from (the host's facts, the call);
//! - [`host`]: the effects as typed async calls;
//! - [`project`]: the project of a call (config, root, namespace) from what is on disk;
//! - [`store`]: the registry file, its lock, its writes;
//! - [`allocation`]: plan, probe, lease: the order of a writing call;
//! - [`env_write`]: `env --write`;
//! - [`commands`]: the CLIs' commands; [`calls`]: the APIs' calls;
//! - [`answers`]: what a session answers.

pub mod allocation;
pub mod answers;
pub mod calls;
pub mod commands;
pub mod effects;
pub mod env_write;
pub mod exported;
pub mod facts;
pub mod host;
pub mod machine;
pub mod project;
pub mod remembered;
pub mod store;
pub mod test_session;
pub mod who;

use answers::Answer;
use effects::{Effect, Reply};
use facts::{Call, Start};
use host::Host;
use machine::{Machine, Step};
use serde::Serialize;

/// A session: the machine of one call.
pub struct Session {
    machine: Machine<Answer>,
    /// An answer known before anything ran (a request that could not be read).
    ended: Option<Answer>,
}

impl Session {
    /// A session for `start`; nothing runs until the first `step`.
    pub fn new(start: Start) -> Session {
        let Start { host: facts, call } = start;
        let machine = Machine::new(move |io| async move {
            let host = Host::new(io, facts);
            match call {
                Call::Cli { argv } => commands::cli(host, argv).await,
                Call::Ports { names, options } => calls::ports(host, names, options).await,
                Call::Listen {
                    name,
                    options,
                    address,
                    tries,
                } => calls::listen(host, name, options, address, tries).await,
                Call::Release { name, all, options } => {
                    calls::release(host, name, all, options).await
                }
                Call::Leases {} => calls::leases(host).await,
                Call::Registry {} => calls::registry(host).await,
                Call::Plan {
                    names,
                    options,
                    config_text,
                } => calls::plan(host, names, options, config_text).await,
                Call::Serve {
                    name,
                    preview,
                    explicit,
                    options,
                } => calls::serve(host, name, preview, explicit, options).await,
            }
        });
        Session {
            machine,
            ended: None,
        }
    }

    /// A session from its JSON request; one that cannot be read ends at once with the
    /// error.
    pub fn from_json(request: &str) -> Session {
        match crate::input::formats::read_request::<Start>(request) {
            Ok(start) => Session::new(start),
            Err(error) => Session {
                machine: Machine::new(|_| async { Answer::Exit { exit: 0 } }),
                ended: Some(Answer::failed(error)),
            },
        }
    }

    /// The next effect to do, or the answer. `reply` answers the effect asked last (None
    /// at the first step).
    pub fn step(&mut self, reply: Option<Reply>) -> Step<Answer> {
        if let Some(answer) = self.ended.take() {
            return Step::Done(answer);
        }
        match self.machine.resume(reply) {
            Some(step) => step,
            None => Step::Done(Answer::failed(crate::error::PlanError::new(
                crate::error::ErrorKind::InvalidRequest,
                "the session has ended, or its host resumed it without a reply",
            ))),
        }
    }

    /// `step_json`, with the effects `run` can do done by it at once (a native engine's own
    /// I/O): the host sees only the others.
    pub fn step_json_with(
        &mut self,
        reply: Option<&str>,
        mut run: impl FnMut(&Effect) -> Option<Reply>,
    ) -> String {
        let mut reply = self.read_reply(reply).unwrap_or_default();
        loop {
            let step = self.step(reply.take());
            match &step {
                Step::Do(effect) => match run(effect) {
                    Some(done) => reply = Some(done),
                    None => return step_text(&step),
                },
                Step::Done(_) => return step_text(&step),
            }
        }
    }

    /// A reply's JSON text read; a malformed one ends the session with the error.
    fn read_reply(&mut self, reply: Option<&str>) -> Result<Option<Reply>, ()> {
        match reply.map(serde_json::from_str::<Reply>) {
            None => Ok(None),
            Some(Ok(reply)) => Ok(Some(reply)),
            Some(Err(error)) => {
                self.ended = Some(Answer::failed(crate::error::PlanError::new(
                    crate::error::ErrorKind::InvalidRequest,
                    format!("the host's reply is malformed: {error}"),
                )));
                Err(())
            }
        }
    }

    /// `step` with JSON text: the reply as the host wrote it, the step as JSON.
    pub fn step_json(&mut self, reply: Option<&str>) -> String {
        self.step_json_with(reply, |_| None)
    }
}

/// What `step` gives, as its JSON Schema describes it (`step_text` writes it).
#[derive(Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum SessionStep {
    /// An effect for the host to do.
    Do(Effect),
    /// The session's end, with its answer.
    Done { done: Answer },
}

/// A step as JSON: the effect (`{"do": ...}`) or `{"done": answer}`.
pub fn step_text(step: &Step<Answer>) -> String {
    #[derive(Serialize)]
    #[serde(untagged)]
    enum Out<'a> {
        Do(&'a Effect),
        Done { done: &'a Answer },
    }
    let out = match step {
        Step::Do(effect) => Out::Do(effect),
        Step::Done(answer) => Out::Done { done: answer },
    };
    serde_json::to_string(&out).unwrap_or_else(|e| {
        format!("{{\"done\":{{\"error\":{{\"kind\":\"host\",\"message\":\"the step could not be written: {e}\"}}}}}}")
    })
}
