//! Large response bodies handed to the connection a slice at a time.
//!
//! actix-http copies a body into the connection's write buffer before sending it, and keeps a
//! buffer of up to 128 kB for the next response on that connection. A body given as one piece is
//! copied whole, so every keep-alive connection that once sent a 75 kB page of the event feed
//! held a buffer of 75–150 kB from then on (64 connections: 5–10 MB of the server's memory). Given
//! in slices, the connection copies slices until its buffer holds 32 kB, sends them and reuses
//! the buffer, which then stays at about 32 kB. The slices share the body's memory (`Bytes`), so
//! nothing is copied twice; the length is announced as before (`Content-Length`).

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::web::Bytes;

/// The size of one slice; bodies no larger go as they are.
pub const SLICE: usize = 16 * 1024;

/// `body` as slices of [`SLICE`] bytes when it is a single piece larger than that; any other
/// body (small, streamed, already compressed) unchanged.
pub fn sliced(body: BoxBody) -> BoxBody {
    match body.size() {
        BodySize::Sized(n) if n > SLICE as u64 => match body.try_into_bytes() {
            Ok(bytes) => BoxBody::new(Slices(bytes)),
            Err(body) => body,
        },
        _ => body,
    }
}

/// The rest of a body still to be handed over. It does not implement `try_into_bytes`, so that
/// actix does not turn it back into a single piece.
struct Slices(Bytes);

impl MessageBody for Slices {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.0.len() as u64)
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let rest = &mut self.get_mut().0;
        if rest.is_empty() {
            return Poll::Ready(None);
        }
        let n = rest.len().min(SLICE);
        Poll::Ready(Some(Ok(rest.split_to(n))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(body: BoxBody) -> Vec<Bytes> {
        let mut body = Box::pin(body);
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut out = Vec::new();
        while let Poll::Ready(Some(piece)) = body.as_mut().poll_next(&mut cx) {
            out.push(piece.unwrap());
        }
        out
    }

    #[test]
    fn a_large_body_goes_in_slices_that_add_up_to_it() {
        let text: Vec<u8> = (0..SLICE * 2 + 5).map(|i| (i % 251) as u8).collect();
        let body = sliced(BoxBody::new(Bytes::from(text.clone())));
        assert_eq!(body.size(), BodySize::Sized(text.len() as u64));
        let pieces = pieces(body);
        let lengths: Vec<usize> = pieces.iter().map(Bytes::len).collect();
        assert_eq!(lengths, [SLICE, SLICE, 5]);
        assert_eq!(pieces.concat(), text);
    }

    #[test]
    fn a_small_or_empty_body_goes_whole() {
        let text = Bytes::from(vec![7u8; SLICE]);
        let pieces = pieces(sliced(BoxBody::new(text.clone())));
        assert_eq!(pieces, [text]);
        let empty = sliced(BoxBody::new(Bytes::new()));
        assert_eq!(empty.size(), BodySize::Sized(0));
        assert!(self::pieces(empty).iter().all(Bytes::is_empty));
    }
}
