//! The session machine: a command written as straight-line async code that suspends at
//! each effect, driven by the host one step at a time (docs/host-protocol.md).
//!
//! No executor, no threads, no I/O: `resume` polls the command's future once with a waker
//! that does nothing. The future is pending exactly when it asked for an effect; the host
//! does it and resumes with the reply. So the same code runs under napi, pyo3 and wasm.

use super::effects::{Effect, Reply};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

/// The effect a command waits on, and the host's reply once it came.
#[derive(Default)]
struct Slot {
    asked: Option<Effect>,
    reply: Option<Reply>,
}

/// A command's way to its host: `io.ask(effect).await` is the host's reply.
#[derive(Clone)]
pub struct Io {
    slot: Arc<Mutex<Slot>>,
}

impl Io {
    /// Asks the host to do `effect`; resolves to its reply.
    pub fn ask(&self, effect: Effect) -> Ask {
        Ask {
            slot: Arc::clone(&self.slot),
            effect: Some(effect),
        }
    }
}

/// The future of one effect: pending once (the effect goes to the host), then ready with
/// the reply the host gave.
pub struct Ask {
    slot: Arc<Mutex<Slot>>,
    effect: Option<Effect>,
}

impl Future for Ask {
    type Output = Reply;

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Reply> {
        let this = &mut *self;
        let mut slot = this.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(effect) = this.effect.take() {
            slot.asked = Some(effect);
            return Poll::Pending;
        }
        match slot.reply.take() {
            Some(reply) => Poll::Ready(reply),
            // Polled again without a reply: only a host that resumes without one does this.
            None => Poll::Pending,
        }
    }
}

/// What a machine wants next: an effect done, or nothing more (`Done` with its answer).
#[derive(Debug)]
pub enum Step<T> {
    Do(Effect),
    Done(T),
}

type Command<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// One command in progress.
pub struct Machine<T> {
    command: Option<Command<T>>,
    io: Io,
}

impl<T> Machine<T> {
    /// A machine for the command `start` makes from its `Io`; nothing runs until `resume`.
    pub fn new<F>(start: impl FnOnce(Io) -> F) -> Self
    where
        F: Future<Output = T> + Send + 'static,
    {
        let io = Io {
            slot: Arc::new(Mutex::new(Slot::default())),
        };
        Machine {
            command: Some(Box::pin(start(io.clone()))),
            io,
        }
    }

    /// The effect the machine waits on, if any (to check a reply against).
    pub fn waiting_on(&self) -> Option<Effect> {
        let slot = self.io.slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.asked.clone()
    }

    /// Runs the command until it asks for an effect or ends. `reply` answers the effect
    /// it asked for last (None on the first call). A machine that ended stays ended:
    /// `None` then.
    pub fn resume(&mut self, reply: Option<Reply>) -> Option<Step<T>> {
        let command = self.command.as_mut()?;
        {
            let mut slot = self.io.slot.lock().unwrap_or_else(PoisonError::into_inner);
            slot.asked = None;
            slot.reply = reply;
        }
        match command
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(answer) => {
                self.command = None;
                Some(Step::Done(answer))
            }
            Poll::Pending => {
                let asked = self
                    .io
                    .slot
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .asked
                    .clone();
                match asked {
                    Some(effect) => Some(Step::Do(effect)),
                    // A command pending on nothing would never end: only an `Ask` polled
                    // twice without a reply is, and `resume` always brings the reply.
                    None => {
                        self.command = None;
                        None
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::effects::Effect;

    #[test]
    fn a_command_asks_each_effect_in_turn_and_ends_with_its_answer() {
        let mut machine = Machine::new(|io: Io| async move {
            let first = io.ask(Effect::Clock).await;
            let second = io.ask(Effect::Sleep { ms: 5 }).await;
            (first, second)
        });
        let Some(Step::Do(Effect::Clock)) = machine.resume(None) else {
            panic!("first the clock")
        };
        let Some(Step::Do(Effect::Sleep { ms: 5 })) =
            machine.resume(Some(Reply::Clock { ms: 7.0 }))
        else {
            panic!("then the sleep")
        };
        let Some(Step::Done((Reply::Clock { ms }, Reply::Done { error: None }))) =
            machine.resume(Some(Reply::Done { error: None }))
        else {
            panic!("then the answer")
        };
        assert_eq!(ms, 7.0);
        assert!(
            machine.resume(None).is_none(),
            "an ended machine stays ended"
        );
    }
}
