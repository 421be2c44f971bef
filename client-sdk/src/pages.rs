//! Following cursors: a list as a `Stream` of its rows.

use futures_util::Stream;
use serde::Serialize;
use serde::de::DeserializeOwned;
use zhaoshang_types::Page;

use crate::{Client, Error};

/// A list query that carries a cursor.
pub trait CursorQuery: Serialize + Clone {
    /// Sets the cursor of the page to fetch.
    fn set_cursor(&mut self, cursor: Option<String>);
}

struct State<'a, Q> {
    client: &'a Client,
    path: &'static str,
    query: Q,
    buffer: std::vec::IntoIter<serde_json::Value>,
    done: bool,
}

/// Every row of a list, page after page, until `next_cursor` is `null`. Stops after the
/// first error.
pub fn stream_pages<'a, T, Q>(
    client: &'a Client,
    path: &'static str,
    query: Q,
) -> impl Stream<Item = Result<T, Error>> + 'a
where
    T: DeserializeOwned + 'a,
    Q: CursorQuery + 'a,
{
    let state = State {
        client,
        path,
        query,
        buffer: Vec::new().into_iter(),
        done: false,
    };
    futures_util::stream::try_unfold(state, |mut state| async move {
        loop {
            if let Some(value) = state.buffer.next() {
                let item: T = serde_json::from_value(value).map_err(|e| Error::Decode {
                    status: 200,
                    message: e.to_string(),
                })?;
                return Ok(Some((item, state)));
            }
            if state.done {
                return Ok(None);
            }
            let page: Page<serde_json::Value> = state.client.get(state.path, &state.query).await?;
            state.done = page.next_cursor.is_none();
            state.query.set_cursor(page.next_cursor);
            state.buffer = page.items.into_iter();
        }
    })
}
