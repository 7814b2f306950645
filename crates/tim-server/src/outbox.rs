//! A socket's outbound queue, bounded in frames and bytes.
//!
//! Pushes are queued by command handlers and fan-outs (any thread) and written by the socket's
//! task. A client that does not read makes its queue grow; once it holds more than
//! `[transport] outbound_queue_frames` frames or `outbound_queue_bytes` bytes, the queue is
//! *overflowed*: it takes no more frames and wakes the socket's task, which closes the socket
//! (close code [`SLOW_CONSUMER_CLOSE`]). Nothing is lost by that: every message is stored before
//! it is pushed, and the client gets it from `openim.getmsg` / the group resync when it is back.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, Notify};

use crate::hub::{Out, SharedFrame};

/// The close code of a socket whose queue overflowed (RFC 6455 1008, policy violation).
pub const SLOW_CONSUMER_CLOSE: u16 = 1008;
/// The close reason sent with [`SLOW_CONSUMER_CLOSE`].
pub const SLOW_CONSUMER_REASON: &str = "slow consumer: outbound queue full";

#[derive(Debug)]
struct Shared {
    frames: AtomicUsize,
    bytes: AtomicUsize,
    max_frames: usize,
    max_bytes: usize,
    overflowed: AtomicBool,
    wake: Notify,
}

/// The sending side (cloned into the socket's hub session).
#[derive(Debug, Clone)]
pub struct OutTx {
    tx: mpsc::UnboundedSender<(Out, usize)>,
    q: Arc<Shared>,
}

/// The receiving side, owned by the socket's task.
#[derive(Debug)]
pub struct OutRx {
    rx: mpsc::UnboundedReceiver<(Out, usize)>,
    q: Arc<Shared>,
}

/// A queue holding at most `max_frames` frames and `max_bytes` bytes of frame JSON (0 = no
/// limit of that kind). `Close` requests are never refused and count for nothing.
pub fn outbox(max_frames: usize, max_bytes: usize) -> (OutTx, OutRx) {
    let (tx, rx) = mpsc::unbounded_channel();
    let q = Arc::new(Shared {
        frames: AtomicUsize::new(0),
        bytes: AtomicUsize::new(0),
        max_frames: if max_frames == 0 { usize::MAX } else { max_frames },
        max_bytes: if max_bytes == 0 { usize::MAX } else { max_bytes },
        overflowed: AtomicBool::new(false),
        wake: Notify::new(),
    });
    (OutTx { tx, q: q.clone() }, OutRx { rx, q })
}

impl OutTx {
    /// Queue `out`. Returns false if it was not queued: the socket is gone, or its queue is
    /// full (it is then marked overflowed and its task woken to close it).
    pub fn send(&self, out: Out) -> bool {
        // A frame is serialised here, once, so its size is known and the writer only copies it.
        let out = match out {
            Out::Frame(f) => Out::Shared(Arc::new(SharedFrame::new(&f))),
            other => other,
        };
        let size = match &out {
            Out::Shared(f) => f.json().len(),
            Out::Frame(_) | Out::Close(_) => 0,
        };
        if !matches!(out, Out::Close(_)) {
            if self.q.overflowed.load(Ordering::Relaxed) {
                return false;
            }
            let frames = self.q.frames.fetch_add(1, Ordering::AcqRel) + 1;
            let bytes = self.q.bytes.fetch_add(size, Ordering::AcqRel) + size;
            if frames > self.q.max_frames || bytes > self.q.max_bytes {
                self.q.frames.fetch_sub(1, Ordering::AcqRel);
                self.q.bytes.fetch_sub(size, Ordering::AcqRel);
                if !self.q.overflowed.swap(true, Ordering::AcqRel) {
                    self.q.wake.notify_one();
                }
                return false;
            }
        }
        match self.tx.send((out, size)) {
            Ok(()) => true,
            Err(mpsc::error::SendError((out, size))) => {
                if !matches!(out, Out::Close(_)) {
                    self.q.frames.fetch_sub(1, Ordering::AcqRel);
                    self.q.bytes.fetch_sub(size, Ordering::AcqRel);
                }
                false
            }
        }
    }

    /// Whether the queue overflowed (the socket is being closed).
    pub fn overflowed(&self) -> bool {
        self.q.overflowed.load(Ordering::Relaxed)
    }
}

/// See [`OutRx::overflow`].
#[derive(Debug)]
pub struct Overflow(Arc<Shared>);

impl Overflow {
    /// Completes once the queue has overflowed (at once if it already has).
    pub async fn wait(&self) {
        if self.0.overflowed.load(Ordering::Acquire) {
            return;
        }
        self.0.wake.notified().await;
    }
}

impl OutRx {
    fn took(&self, item: (Out, usize)) -> Out {
        let (out, size) = item;
        if !matches!(out, Out::Close(_)) {
            self.q.frames.fetch_sub(1, Ordering::AcqRel);
            self.q.bytes.fetch_sub(size, Ordering::AcqRel);
        }
        out
    }

    /// The next queued item; `None` when every sender is gone.
    pub async fn recv(&mut self) -> Option<Out> {
        let item = self.rx.recv().await?;
        Some(self.took(item))
    }

    /// The next queued item if there is one.
    pub fn try_recv(&mut self) -> Option<Out> {
        let item = self.rx.try_recv().ok()?;
        Some(self.took(item))
    }

    /// A handle that tells when the queue overflows (usable while this side receives).
    pub fn overflow(&self) -> Overflow {
        Overflow(self.q.clone())
    }

    /// (frames, bytes) queued now.
    pub fn len(&self) -> (usize, usize) {
        (self.q.frames.load(Ordering::Relaxed), self.q.bytes.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;
    use tim_proto::{Frame, Head};

    fn frame(n: usize) -> Out {
        Out::Frame(Box::new(Frame::new(Head::reply("x.y", 1), json!({"pad": "a".repeat(n)}))))
    }

    #[tokio::test]
    async fn bounded_in_frames_and_bytes_and_close_always_passes() {
        let (tx, mut rx) = outbox(3, 0);
        assert!(tx.send(frame(1)) && tx.send(frame(1)) && tx.send(frame(1)));
        assert_eq!(rx.len().0, 3);
        assert!(!tx.overflowed());
        assert!(!tx.send(frame(1)), "the fourth frame is refused");
        assert!(tx.overflowed());
        // Woken once, and stays overflowed: no more frames even after the queue drains.
        tokio::time::timeout(std::time::Duration::from_secs(1), rx.overflow().wait()).await.unwrap();
        assert!(tx.send(Out::Close(0)), "a close request is never refused");
        assert!(matches!(rx.recv().await, Some(Out::Shared(_))));
        assert!(!tx.send(frame(1)));
        let mut n = 0;
        while let Some(o) = rx.try_recv() {
            n += usize::from(!matches!(o, Out::Close(_)));
        }
        assert_eq!((n, rx.len()), (2, (0, 0)));

        let (tx, mut rx) = outbox(0, 1000);
        assert!(tx.send(frame(500)));
        assert!(!tx.send(frame(500)), "over 1000 bytes");
        assert!(rx.try_recv().is_some());
        assert_eq!(rx.len(), (0, 0));
    }
}
