//! Cursor-paginated lists.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One page of a list. Follow `next_cursor` (pass it as `?cursor=`) until it is `null`;
/// walking every page returns every row exactly once.
///
/// 分页列表：以 `next_cursor` 作为下一次请求的 `cursor` 参数，直到其为 `null`。
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// Opaque cursor of the next page, `null` on the last page.
    pub next_cursor: Option<String>,
}
