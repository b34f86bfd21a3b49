//! `Request::watch`: a response body turned into a stream of typed watch events.
//!
//! Mirrors client-go `rest.Request.Watch` with `watch.StreamWatcher`: frames are found by the sans-IO
//! [`WatchEventDecoder`] from clientgo-apimachinery (bounded frame size, chunk boundaries ignored),
//! this module only feeds it body chunks. The stream ends cleanly when the server closes the body; an
//! ERROR event becomes a typed [`ApiError`](clientgo_apimachinery::ApiError) and ends the stream, as
//! does a frame that cannot be decoded.

use std::collections::VecDeque;

use bytes::Bytes;
use clientgo_apimachinery::watch::WatchEventDecoder;
use clientgo_apimachinery::{ApiError, WatchEvent};
use futures_util::{Stream, StreamExt as _};
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::request::Request;

struct State<S, T> {
    body: S,
    decoder: WatchEventDecoder<T>,
    ready: VecDeque<Result<WatchEvent<T>, Error>>,
    url: String,
    finished: bool,
}

impl<S, T> State<S, T>
where
    S: Stream<Item = Result<Bytes, Error>> + Unpin,
    T: DeserializeOwned,
{
    /// Moves every complete event out of the decoder. Stops at the first failure, which ends the
    /// stream.
    fn drain(&mut self) {
        while let Some(next) = self.decoder.next_event() {
            match next {
                Ok(WatchEvent::Error(status)) => {
                    self.ready.push_back(Err(ApiError::from_status(status).into()));
                    self.finished = true;
                    return;
                }
                Ok(ev) => self.ready.push_back(Ok(ev)),
                Err(e) => {
                    self.ready.push_back(Err(Error::WatchDecode {
                        url: self.url.clone(),
                        source: Box::new(e),
                    }));
                    self.finished = true;
                    return;
                }
            }
        }
    }

    async fn next(&mut self) -> Option<Result<WatchEvent<T>, Error>> {
        loop {
            if let Some(ev) = self.ready.pop_front() {
                return Some(ev);
            }
            if self.finished {
                return None;
            }
            match self.body.next().await {
                Some(Ok(chunk)) => {
                    tracing::trace!(bytes = chunk.len(), "watch chunk");
                    self.decoder.push(&chunk);
                    self.drain();
                }
                Some(Err(e)) => {
                    self.finished = true;
                    return Some(Err(e));
                }
                None => {
                    tracing::debug!(url = %self.url, "watch closed by the server");
                    self.decoder.finish();
                    self.drain();
                    self.finished = true;
                }
            }
        }
    }
}

impl Request {
    /// Starts a watch and returns its events as a stream. Add `watch=true` (and `resourceVersion`,
    /// `allowWatchBookmarks`, `timeoutSeconds`) with [`Request::param`], or use a typed client's
    /// `watch`, which does. The timeout or deadline bounds only the wait for the response headers.
    ///
    /// The stream ends when the server closes the watch. Dropping it closes the connection.
    ///
    /// # Errors
    /// A non-2xx reply (e.g. 410 Gone for a too-old resourceVersion) is returned here as
    /// [`Error::Api`]; ERROR events and undecodable frames arrive as the stream's last item.
    pub async fn watch<T>(
        self,
    ) -> Result<impl Stream<Item = Result<WatchEvent<T>, Error>> + Send + 'static, Error>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let url = self.url();
        let body = self.stream().await?;
        let state = State {
            body,
            decoder: WatchEventDecoder::<T>::new(),
            ready: VecDeque::new(),
            url,
            finished: false,
        };
        Ok(futures_util::stream::unfold(state, |mut s| async move {
            let item = s.next().await?;
            Some((item, s))
        }))
    }
}
