//! Lists: filters, sort orders and keyset cursors, read along search-term postings where a term
//! is rare enough.

use super::*;

/// Sort orders of lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Oldest first (the id order; the default).
    Created,
    /// Newest first.
    CreatedDesc,
    /// By name.
    Name,
    /// By name, Z to A.
    NameDesc,
}

impl Sort {
    /// Parses `sort`.
    pub fn parse(s: Option<&str>) -> Result<Self, ApiError> {
        match s.unwrap_or("created_at") {
            "created_at" | "id" => Ok(Self::Created),
            "-created_at" | "-id" => Ok(Self::CreatedDesc),
            "name" => Ok(Self::Name),
            "-name" => Ok(Self::NameDesc),
            other => Err(ApiError::invalid_field(
                "sort",
                "invalid_value",
                format!("sort {other:?} is not one of name, -name, created_at, -created_at"),
            )),
        }
    }

    /// The name in cursors.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created_at",
            Self::CreatedDesc => "-created_at",
            Self::Name => "name",
            Self::NameDesc => "-name",
        }
    }
}

/// Filters of the library lists.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub resource: &'static str,
    pub q: Option<String>,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub kind: Option<String>,
    pub owner_org_id: Option<String>,
    pub source_agency_id: Option<String>,
    pub external_id: Option<String>,
    pub tag: Option<String>,
    pub updated_since: Option<NaiveDateTime>,
    pub is_local: Option<bool>,
    pub is_leading: Option<bool>,
    pub include_deleted: bool,
    /// For agency callers: only records this agency brought (or the agency itself).
    pub only_agency: Option<String>,
    pub sort: Option<Sort>,
    /// Keyset position: (name, id) or (id).
    pub after: Option<(Option<String>, String)>,
}

/// The upper bound of a prefix range (`3308` → `3309`), for index-friendly prefix filters.
pub(crate) fn prefix_end(prefix: &str) -> String {
    let mut bytes = prefix.as_bytes().to_vec();
    if let Some(last) = bytes.last_mut() {
        *last = last.saturating_add(1);
    }
    String::from_utf8(bytes).unwrap_or_else(|_| format!("{prefix}\u{10ffff}"))
}

/// Applies the filters of a list other than the choice of rows by the search index: every
/// condition is checked on the record itself, so a page is right whichever way its rows were
/// found. A macro because the two query shapes (records alone, records by postings) are
/// different types.
macro_rules! record_filters {
    ($q:expr, $f:expr, $sort:expr) => {{
        let f: &ListFilter = $f;
        let mut q = $q.filter(records::resource.eq(f.resource));
        if !f.include_deleted {
            q = q.filter(records::deleted_at.is_null());
        }
        if let Some(agency) = &f.only_agency {
            q = if f.resource == "agency" {
                q.filter(records::id.eq(agency.clone()))
            } else {
                q.filter(records::source_agency_id.eq(agency.clone()))
            };
        }
        if let Some(text) = &f.q {
            q = q.filter(
                records::search
                    .like(crate::core::db::like_pattern(&text.to_lowercase()))
                    .escape('\\'),
            );
        }
        if let Some(code) = &f.industry {
            q = q.filter(
                records::industry_codes
                    .like(format!("%,{}%", escape_like(code)))
                    .escape('\\'),
            );
        }
        if let Some(region) = &f.region {
            q = q
                .filter(records::region_code.ge(region.clone()))
                .filter(records::region_code.lt(prefix_end(region)));
        }
        if let Some(v) = &f.country {
            q = q.filter(records::country.eq(v.clone()));
        }
        if let Some(v) = &f.status {
            q = q.filter(records::status.eq(v.clone()));
        }
        if let Some(v) = &f.priority {
            q = q.filter(records::priority.eq(v.clone()));
        }
        if let Some(v) = &f.kind {
            q = q.filter(records::kind.eq(v.clone()));
        }
        if let Some(v) = &f.owner_org_id {
            q = q.filter(records::owner_org_id.eq(v.clone()));
        }
        if let Some(v) = &f.source_agency_id {
            q = q.filter(records::source_agency_id.eq(v.clone()));
        }
        if let Some(v) = &f.external_id {
            q = q.filter(records::external_id.eq(v.clone()));
        }
        if let Some(tag) = &f.tag {
            q = q.filter(
                records::tags
                    .like(format!("%,{},%", escape_like(tag)))
                    .escape('\\'),
            );
        }
        if let Some(t) = f.updated_since {
            q = q.filter(records::updated_at.ge(t));
        }
        if let Some(v) = f.is_local {
            q = q.filter(records::is_local.eq(v));
        }
        if let Some(v) = f.is_leading {
            q = q.filter(records::is_leading.eq(v));
        }
        if let Some((name, id)) = &f.after {
            let id = id.clone();
            q = match ($sort, name) {
                (Sort::Created, _) => q.filter(records::id.gt(id)),
                (Sort::CreatedDesc, _) => q.filter(records::id.lt(id)),
                (Sort::Name, Some(n)) => q.filter(
                    records::name
                        .gt(n.clone())
                        .or(records::name.eq(n.clone()).and(records::id.gt(id))),
                ),
                (Sort::NameDesc, Some(n)) => q.filter(
                    records::name
                        .lt(n.clone())
                        .or(records::name.eq(n.clone()).and(records::id.lt(id))),
                ),
                (_, None) => {
                    return Err(ApiError::invalid_field(
                        "cursor",
                        "invalid_cursor",
                        "the cursor does not fit the sort order",
                    ));
                }
            };
        }
        q
    }};
}

impl ListFilter {
    /// Whether a page is simply the first records in its order: no condition that a walk of
    /// the records would test row by row (only the resource, deleted rows, a cursor).
    fn is_plain(&self) -> bool {
        // Every field named (no `..`), so that a new filter is placed on one side or the other.
        matches!(
            self,
            Self {
                resource: _,
                q: None,
                industry: None,
                region: None,
                country: None,
                status: None,
                priority: None,
                kind: None,
                owner_org_id: None,
                source_agency_id: None,
                external_id: None,
                tag: None,
                updated_since: None,
                is_local: None,
                is_leading: None,
                include_deleted: _,
                only_agency: None,
                sort: _,
                after: _,
            }
        )
    }
}

/// Keeps the postings (`record_grams` rows) of a query whose record also holds each of `others`,
/// probed in the index by record id, rarest first.
macro_rules! probe_terms {
    ($q:expr, $others:expr) => {{
        let other_term = diesel::alias!(record_grams as other_term);
        let mut q = $q;
        for (_, other) in $others {
            q = q.filter(diesel::dsl::exists(
                other_term
                    .select(other_term.field(record_grams::gram))
                    .filter(other_term.field(record_grams::gram).eq(other.clone()))
                    .filter(
                        other_term
                            .field(record_grams::record_id)
                            .eq(record_grams::record_id),
                    )
                    .limit(1),
            ));
        }
        q
    }};
}

/// Keeps the postings whose record lies in the filter's region, by the code each posting
/// carries: tested as the postings are walked, before any record is read.
macro_rules! postings_in_region {
    ($q:expr, $f:expr) => {{
        let (q, f): (_, &ListFilter) = ($q, $f);
        match &f.region {
            Some(region) => q
                .filter(record_grams::region_code.ge(region.clone()))
                .filter(record_grams::region_code.lt(prefix_end(region))),
            None => q,
        }
    }};
}

/// Orders a query of postings by record id, ascending or descending, starting after the id
/// `after` (a cursor's position) when there is one.
macro_rules! postings_in_id_order {
    ($q:expr, $after:expr, $ascending:expr) => {{
        let (mut q, after, ascending): (_, Option<String>, bool) = ($q, $after, $ascending);
        if let Some(id) = after {
            q = if ascending {
                q.filter(record_grams::record_id.gt(id))
            } else {
                q.filter(record_grams::record_id.lt(id))
            };
        }
        if ascending {
            q.order(record_grams::record_id.asc())
        } else {
            q.order(record_grams::record_id.desc())
        }
    }};
}

/// A page read from the candidates of a rare term (fewer than [`FEW`]) by key, or else by
/// walking the records in the page's order; on either backend's own connection.
macro_rules! list_on {
    ($c:expr, $f:expr, $sort:expr, $driver:expr, $limit:expr) => {{
        let (c, f, sort, limit) = ($c, $f, $sort, $limit);
        match $driver {
            Some((n, term)) if n < FEW => {
                let candidates: Vec<String> = postings_in_region!(
                    record_grams::table
                        .select(record_grams::record_id)
                        .filter(record_grams::gram.eq(term))
                        .into_boxed(),
                    f
                )
                .load(c)?;
                // Ordering by an expression no index provides keeps the planners from walking
                // the name index and testing each row against the candidates: they look the
                // candidates up and sort those.
                let q = record_filters!(
                    records::table.select(ListRow::as_select()).into_boxed(),
                    f,
                    sort
                )
                .filter(records::id.eq_any(candidates));
                let id = records::id.concat("");
                let name = records::name.concat("");
                let q = match sort {
                    Sort::Created => q.order(id.asc()),
                    Sort::CreatedDesc => q.order(id.desc()),
                    Sort::Name => q.order((name.asc(), id.asc())),
                    Sort::NameDesc => q.order((name.desc(), id.desc())),
                };
                Ok(q.limit(limit).load(c)?)
            }
            _ => {
                let q = record_filters!(
                    records::table.select(ListRow::as_select()).into_boxed(),
                    f,
                    sort
                );
                let q = match sort {
                    Sort::Created => q.order(records::id.asc()),
                    Sort::CreatedDesc => q.order(records::id.desc()),
                    Sort::Name => q.order((records::name.asc(), records::id.asc())),
                    Sort::NameDesc => q.order((records::name.desc(), records::id.desc())),
                };
                Ok(q.limit(limit).load(c)?)
            }
        }
    }};
}
/// One page of records (`limit` rows).
///
/// With a term among the filters that is not common, a page in id order is read along that
/// term's postings, whose records also hold the other terms: on SQLite in one statement (each
/// candidate checked against every filter, stopping at `limit`), on PostgreSQL a chunk of
/// postings at a time. In name order a rare term's candidates are read and sorted. Failing
/// these, records are walked in the page's order through the table's indexes.
///
/// The statements run on the backend's own connection, whose statement cache keeps them by
/// their text (through the `MultiConnection` every list would be parsed again).
pub fn list(
    conn: &mut DbConnection,
    counts: &TermCounts,
    f: &ListFilter,
    limit: i64,
) -> Result<Vec<ListRow>, ApiError> {
    let sort = f.sort.unwrap_or(Sort::Created);
    let terms = uncommon(
        search_terms(f)
            .into_iter()
            .map(|t| Ok((counts.get(conn, &t)?, t)))
            .collect::<Result<_, ApiError>>()?,
    );
    let by_id = matches!(sort, Sort::Created | Sort::CreatedDesc);
    match conn {
        DbConnection::Sqlite(c) => match terms.split_first() {
            Some(((_, term), others)) if by_id => {
                by_postings(c, f, sort, term, others, limit, None)
            }
            _ => list_on!(c, f, sort, terms.into_iter().next(), limit),
        },
        DbConnection::Postgres(c) => match terms.split_first() {
            Some(((_, term), others)) if by_id => {
                by_posting_chunks(c, f, sort, term, others, limit)
            }
            // Planned for the filters' values each time (see `pg_uncached`).
            _ => crate::core::db::pg_uncached(c, |c| {
                list_on!(c, f, sort, terms.into_iter().next(), limit)
            }),
        },
    }
}

/// A page read along the postings of `term` in id order (PostgreSQL), a chunk at a time: the
/// next postings whose records hold the other terms too (index-only: PostgreSQL merges the
/// terms' postings), then those of their records that pass every filter, in id order, until the
/// page is full or the postings end. PostgreSQL plans a join of the postings with the records
/// as a scan of the whole term sorted afterwards (1.1 s for a rare industry at a million,
/// measured), and a walk of the records in id order tests every row (5,000 rows for a page of
/// the bench's filtered list).
pub(crate) fn by_posting_chunks(
    c: &mut diesel::PgConnection,
    f: &ListFilter,
    sort: Sort,
    term: &str,
    others: &[(i64, String)],
    limit: i64,
) -> Result<Vec<ListRow>, ApiError> {
    let ascending = sort == Sort::Created;
    let mut out: Vec<ListRow> = Vec::new();
    let mut after = f.after.as_ref().map(|(_, id)| id.clone());
    // Enough postings for a page when one in four passes the other filters; more each round.
    let mut chunk = (limit * 4).max(200);
    loop {
        let postings = probe_terms!(
            postings_in_region!(
                record_grams::table
                    .select(record_grams::record_id)
                    .filter(record_grams::gram.eq(term.to_owned()))
                    .into_boxed(),
                f
            ),
            others
        );
        let postings = postings_in_id_order!(postings, after.take(), ascending);
        let ids: Vec<String> = postings.limit(chunk).load(c)?;
        let last_chunk = (ids.len() as i64) < chunk;
        after = ids.last().cloned();
        if ids.is_empty() {
            return Ok(out);
        }
        let q = record_filters!(
            records::table.select(ListRow::as_select()).into_boxed(),
            f,
            sort
        )
        .filter(records::id.eq_any(ids));
        let q = if ascending {
            q.order(records::id.asc())
        } else {
            q.order(records::id.desc())
        };
        let wanted = limit - out.len() as i64;
        // Planned for the candidates each time: a plan for any candidates walked an index of
        // the filters and tested every row against them (see `pg_uncached`).
        out.extend(crate::core::db::pg_uncached(c, |c| {
            q.limit(wanted).load(c)
        })?);
        if out.len() as i64 >= limit || last_chunk {
            return Ok(out);
        }
        chunk = (chunk * 2).min(20_000);
    }
}

/// Postings a list may read on the calling worker thread per row it asks for (see
/// [`list_bounded`]): each costs an index step, probes of the other terms when it passes the
/// region, and a read of its record when it passes those, so a page of 50 rows costs a few
/// hundred microseconds at most; never fewer than [`BOUNDED_POSTINGS.0`](BOUNDED_POSTINGS) nor
/// more than [`BOUNDED_POSTINGS.1`](BOUNDED_POSTINGS) (about 2 ms, with a probe or two each).
pub(crate) const BOUNDED_POSTINGS_PER_ROW: i64 = 4;
/// The least and the most postings a bounded list reads.
pub(crate) const BOUNDED_POSTINGS: (i64, i64) = (64, 512);

/// A page, or as much of it as a bounded amount of work finds (see [`list_bounded`]).
#[derive(Debug)]
pub enum Bounded {
    /// The whole page.
    Page(Vec<ListRow>),
    /// The page's first rows; the rest is read with [`list`] and the filter given, which
    /// starts after the postings read.
    Part(Vec<ListRow>, ListFilter),
    /// Nothing read: the page needs work that is not bounded; read it with [`list`].
    Unbounded(ListFilter),
}

/// Reads what of a page a bounded amount of work finds, so that it may run on the worker
/// thread that serves the request instead of being handed to the blocking pool and back
/// (the hand-over cost a fifth of the CPU of a filtered list). Bounded are a plain page (the
/// first records in its order) and, on SQLite, a page in id order along a search term's
/// postings, of which at most `BOUNDED_POSTINGS_PER_ROW` per row are read (see there); a
/// term whose count is not at hand is counted by [`list`]. A plain page skips deleted
/// records as it walks, and is taken to be bounded: records are deleted one by one.
pub fn list_bounded(
    conn: &mut DbConnection,
    counts: &TermCounts,
    mut f: ListFilter,
    limit: i64,
) -> Result<Bounded, ApiError> {
    let DbConnection::Sqlite(c) = conn else {
        return Ok(Bounded::Unbounded(f));
    };
    let sort = f.sort.unwrap_or(Sort::Created);
    if f.is_plain() {
        let rows: Result<Vec<ListRow>, ApiError> =
            list_on!(c, &f, sort, None::<(i64, String)>, limit);
        return Ok(Bounded::Page(rows?));
    }
    let ascending = match sort {
        Sort::Created => true,
        Sort::CreatedDesc => false,
        Sort::Name | Sort::NameDesc => return Ok(Bounded::Unbounded(f)),
    };
    let Some(counted) = search_terms(&f)
        .into_iter()
        .map(|t| counts.cached(&t).map(|n| (n, t)))
        .collect::<Option<Vec<_>>>()
    else {
        return Ok(Bounded::Unbounded(f));
    };
    let terms = uncommon(counted);
    let Some(((_, term), others)) = terms.split_first() else {
        return Ok(Bounded::Unbounded(f));
    };
    // The last posting within the bound, if there are more. Where a first page in id order
    // stops is kept beside the term's count: it only divides the page's work between this
    // thread and the pool, never what the page holds, and new records sort after it.
    let n = (limit * BOUNDED_POSTINGS_PER_ROW).clamp(BOUNDED_POSTINGS.0, BOUNDED_POSTINGS.1);
    let first_page = ascending && f.after.is_none();
    let key = (term.clone(), n);
    let last = match first_page.then(|| counts.bounds.get(&key)).flatten() {
        Some(last) => Some(last),
        None => {
            let after = f.after.as_ref().map(|(_, id)| id.clone());
            let last: Option<String> = postings_in_id_order!(
                record_grams::table
                    .select(record_grams::record_id)
                    .filter(record_grams::gram.eq(term.clone()))
                    .into_boxed(),
                after,
                ascending
            )
            .offset(n - 1)
            .first(c)
            .optional()?;
            // A term with fewer postings is read whole; that is not kept, as new postings
            // would join it.
            if first_page && let Some(last) = &last {
                counts.bounds.put(key, last.clone());
            }
            last
        }
    };
    let rows = by_postings(c, &f, sort, term, others, limit, last.clone())?;
    match last {
        Some(last) if (rows.len() as i64) < limit => {
            f.after = Some((None, last));
            Ok(Bounded::Part(rows, f))
        }
        _ => Ok(Bounded::Page(rows)),
    }
}

/// A page read along the postings of `term` in id order (SQLite): they are the page itself,
/// each candidate checked against every filter, stopping at `limit`, or at the posting of
/// record `through` when there is one.
pub(crate) fn by_postings(
    c: &mut diesel::SqliteConnection,
    f: &ListFilter,
    sort: Sort,
    term: &str,
    others: &[(i64, String)],
    limit: i64,
    through: Option<String>,
) -> Result<Vec<ListRow>, ApiError> {
    let mut q = record_filters!(
        record_grams::table
            .inner_join(records::table.on(records::id.eq(record_grams::record_id)))
            .select(ListRow::as_select())
            .filter(record_grams::gram.eq(term.to_owned()))
            .into_boxed(),
        f,
        sort
    );
    q = postings_in_region!(q, f);
    // The other terms are probed in the index (compact, and near at hand) before a
    // candidate's record is read from the table, rarest first. `LIMIT 1` keeps SQLite
    // (3.53+) from turning each EXISTS into a join whose order it would choose itself
    // without knowing which term is rare: walking a common term's postings for every
    // candidate made a four-character search five times slower.
    q = probe_terms!(q, others);
    // The cursor bounds the postings too, so that their index starts there.
    let ascending = sort == Sort::Created;
    if let Some(id) = through {
        q = if ascending {
            q.filter(record_grams::record_id.le(id))
        } else {
            q.filter(record_grams::record_id.ge(id))
        };
    }
    let after = f.after.as_ref().map(|(_, id)| id.clone());
    let q = postings_in_id_order!(q, after, ascending);
    Ok(q.limit(limit).load(c)?)
}

pub(crate) fn escape_like(text: &str) -> String {
    let pattern = crate::core::db::like_pattern(text);
    // The pattern is the escaped text between two `%`.
    let inner = pattern.strip_prefix('%').unwrap_or(&pattern);
    inner.strip_suffix('%').unwrap_or(inner).to_owned()
}

/// Counts by status (`None` for records without one).
pub type StatusCounts = Vec<(Option<String>, i64)>;
