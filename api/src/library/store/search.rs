//! Search terms: the character bigrams of names and the industry codes a record is found by,
//! and how many records hold each term.

use super::*;

/// The distinct bigrams of a text (lower case), within each `\u{1f}`-separated part, without
/// pairs that hold white space.
pub fn grams(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: HashSet<[char; 2]> = HashSet::new();
    for part in text.split('\u{1f}') {
        let chars: Vec<char> = part.to_lowercase().chars().collect();
        for pair in chars.windows(2) {
            let &[a, b] = pair else { continue };
            if a.is_whitespace() || b.is_whitespace() || !seen.insert([a, b]) {
                continue;
            }
            out.push([a, b].iter().collect());
        }
    }
    out
}

/// The term of the search index for records classified under an industry code (or under
/// one of its subclasses). Bigrams have two characters, so the two never meet.
pub fn industry_term(code: &str) -> String {
    format!("industry:{code}")
}

/// A posting of the search index: a term, its record and the record's region code (so that a
/// region filter is tested on the posting).
pub type Posting = (String, String, Option<String>);

/// The `record_grams` rows of a record: the bigrams of its searchable text and a term per
/// industry code it is classified under (ancestors included).
pub fn terms_of_record(row: &RecordRow) -> Vec<Posting> {
    terms(&row.search, &row.industry_codes)
        .into_iter()
        .map(|g| (g, row.id.clone(), row.region_code.clone()))
        .collect()
}

/// The terms of a record's searchable text and its comma-separated industry codes.
pub fn terms(search: &str, industry_codes: &str) -> Vec<String> {
    grams(search)
        .into_iter()
        .chain(
            industry_codes
                .split(',')
                .filter(|c| !c.is_empty())
                .map(industry_term),
        )
        .collect()
}

/// What a record's searchable text, industries and region are, as its postings hold them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Indexed<'a> {
    pub search: &'a str,
    pub industry_codes: &'a str,
    pub region_code: Option<&'a str>,
}

impl<'a> Indexed<'a> {
    /// What `row` holds.
    pub fn of(row: &'a RecordRow) -> Self {
        Self {
            search: &row.search,
            industry_codes: &row.industry_codes,
            region_code: row.region_code.as_deref(),
        }
    }
}

/// Changes to the postings of changed records, gathered record by record and written
/// together. Only the postings that change are touched, each by its key (gram, record): a
/// record's postings are never looked up by record alone, which no index serves.
#[derive(Debug, Default)]
pub struct PostingChanges {
    /// Per record, the terms it no longer has.
    removed: Vec<(String, Vec<String>)>,
    /// Per record, its new region and the terms it keeps.
    moved: Vec<(String, Option<String>, Vec<String>)>,
    /// New postings.
    added: Vec<Posting>,
}

impl PostingChanges {
    /// Adds what record `id` needs to go from `old` to `new` (nothing when they index alike).
    pub fn record(&mut self, id: &str, old: Indexed<'_>, new: Indexed<'_>) {
        if old == new {
            return;
        }
        let before: HashSet<String> = terms(old.search, old.industry_codes).into_iter().collect();
        let after: Vec<String> = terms(new.search, new.industry_codes);
        let after_set: HashSet<&String> = after.iter().collect();
        let removed: Vec<String> = before
            .iter()
            .filter(|t| !after_set.contains(t))
            .cloned()
            .collect();
        if !removed.is_empty() {
            self.removed.push((id.to_owned(), removed));
        }
        let region = new.region_code.map(str::to_owned);
        let (kept, added): (Vec<String>, Vec<String>) =
            after.into_iter().partition(|t| before.contains(t));
        if old.region_code != new.region_code && !kept.is_empty() {
            self.moved.push((id.to_owned(), region.clone(), kept));
        }
        self.added.extend(
            added
                .into_iter()
                .map(|t| (t, id.to_owned(), region.clone())),
        );
    }

    /// Writes the changes: on PostgreSQL a statement each for all removals and all moves
    /// (pairs of arrays, unnested), on SQLite a statement per record (no round trips to save).
    pub fn apply(self, conn: &mut DbConnection) -> Result<(), ApiError> {
        match conn {
            DbConnection::Postgres(c) => {
                use diesel::sql_types::{Array, Nullable, Text};
                let (grams, ids): (Vec<&str>, Vec<&str>) = self
                    .removed
                    .iter()
                    .flat_map(|(id, terms)| terms.iter().map(move |t| (t.as_str(), id.as_str())))
                    .unzip();
                if !grams.is_empty() {
                    diesel::sql_query(
                        "DELETE FROM record_grams g USING \
                         (SELECT unnest($1::text[]) AS gram, unnest($2::text[]) AS record_id) d \
                         WHERE g.gram = d.gram AND g.record_id = d.record_id",
                    )
                    .bind::<Array<Text>, _>(grams)
                    .bind::<Array<Text>, _>(ids)
                    .execute(c)?;
                }
                let mut grams = Vec::new();
                let mut ids = Vec::new();
                let mut regions = Vec::new();
                for (id, region, terms) in &self.moved {
                    for t in terms {
                        grams.push(t.as_str());
                        ids.push(id.as_str());
                        regions.push(region.as_deref());
                    }
                }
                if !grams.is_empty() {
                    diesel::sql_query(
                        "UPDATE record_grams g SET region_code = d.region_code FROM \
                         (SELECT unnest($1::text[]) AS gram, unnest($2::text[]) AS record_id, \
                         unnest($3::text[]) AS region_code) d \
                         WHERE g.gram = d.gram AND g.record_id = d.record_id",
                    )
                    .bind::<Array<Text>, _>(grams)
                    .bind::<Array<Text>, _>(ids)
                    .bind::<Array<Nullable<Text>>, _>(regions)
                    .execute(c)?;
                }
            }
            DbConnection::Sqlite(_) => {
                for (id, terms) in &self.removed {
                    for chunk in terms.chunks(500) {
                        diesel::delete(
                            record_grams::table
                                .filter(record_grams::record_id.eq(id))
                                .filter(record_grams::gram.eq_any(chunk)),
                        )
                        .execute(conn)?;
                    }
                }
                for (id, region, terms) in &self.moved {
                    for chunk in terms.chunks(500) {
                        diesel::update(
                            record_grams::table
                                .filter(record_grams::record_id.eq(id))
                                .filter(record_grams::gram.eq_any(chunk)),
                        )
                        .set(record_grams::region_code.eq(region))
                        .execute(conn)?;
                    }
                }
            }
        }
        insert_grams(conn, self.added)
    }
}

/// Inserts postings, many per statement.
pub fn insert_grams(conn: &mut DbConnection, rows: Vec<Posting>) -> Result<(), ApiError> {
    let rows = rows.into_iter().map(|(g, id, region)| {
        (
            record_grams::gram.eq(g),
            record_grams::record_id.eq(id),
            record_grams::region_code.eq(region),
        )
    });
    Ok(crate::insert_rows!(
        conn,
        record_grams::table,
        rows,
        sqlite = 500,
        postgres = 5000
    )?)
}

/// How many records hold a term, counted up to `cap` (from the index alone).
pub(crate) fn term_frequency(
    conn: &mut DbConnection,
    term: &str,
    cap: i64,
) -> Result<i64, ApiError> {
    use diesel::sql_types::{BigInt, Text};
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let count: Count = match conn {
        DbConnection::Postgres(c) => diesel::sql_query(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM record_grams WHERE gram = $1 LIMIT $2) t",
        )
        .bind::<Text, _>(term)
        .bind::<BigInt, _>(cap)
        .get_result(c)?,
        DbConnection::Sqlite(c) => diesel::sql_query(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM record_grams WHERE gram = ? LIMIT ?) t",
        )
        .bind::<Text, _>(term)
        .bind::<BigInt, _>(cap)
        .get_result(c)?,
    };
    Ok(count.n)
}

/// Terms held by more records than this are not worth driving a list from: matches are dense
/// enough that walking the records themselves in order finds a page as quickly.
pub(crate) const COMMON: i64 = 200_000;
/// In name order the candidates of the driving term are all read and sorted: only when fewer.
pub(crate) const FEW: i64 = 5_000;
/// How long a counted term is trusted: counts only choose the way a list is read, never what
/// it holds, so a stale count costs speed at worst.
pub(crate) const COUNT_TTL: Duration = Duration::from_secs(60);

/// Values kept for [`COUNT_TTL`], at most 10,000 (when full, the stale ones are dropped, or
/// else all).
#[derive(Debug)]
pub(crate) struct Kept<K, V> {
    entries: Mutex<HashMap<K, (V, Instant)>>,
}

impl<K, V> Default for Kept<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + std::hash::Hash, V: Clone> Kept<K, V> {
    const MAX: usize = 10_000;

    pub(crate) fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + std::hash::Hash + ?Sized,
    {
        let entries = self.entries.lock().ok()?;
        let (value, at) = entries.get(key)?;
        (at.elapsed() < COUNT_TTL).then(|| value.clone())
    }

    pub(crate) fn put(&self, key: K, value: V) {
        let now = Instant::now();
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= Self::MAX {
                entries.retain(|_, (_, at)| now.duration_since(*at) < COUNT_TTL);
                if entries.len() >= Self::MAX {
                    entries.clear();
                }
            }
            entries.insert(key, (value, now));
        }
    }
}

/// Posting counts of search terms (capped at [`COMMON`]), counted from the index and kept for
/// a minute: a common bigram or industry costs one index walk a minute instead of one per
/// request. Beside them, where bounded first pages stop (see [`list_bounded`]).
#[derive(Debug, Default)]
pub struct TermCounts {
    counts: Kept<String, i64>,
    /// The record id of a term's `n`-th posting in id order, by (term, n).
    pub(crate) bounds: Kept<(String, i64), String>,
}

impl TermCounts {
    /// The count of a term counted less than a minute ago.
    pub(crate) fn cached(&self, term: &str) -> Option<i64> {
        self.counts.get(term)
    }

    pub(crate) fn get(&self, conn: &mut DbConnection, term: &str) -> Result<i64, ApiError> {
        if let Some(n) = self.cached(term) {
            return Ok(n);
        }
        let n = term_frequency(conn, term, COMMON)?;
        self.counts.put(term.to_owned(), n);
        Ok(n)
    }
}

/// The terms of the search index every match must hold: the bigrams of `q`, the industry
/// filter's.
pub(crate) fn search_terms(f: &ListFilter) -> Vec<String> {
    let mut terms =
        f.q.as_deref()
            .map(|t| grams(&t.to_lowercase()))
            .unwrap_or_default();
    if let Some(code) = &f.industry
        && crate::core::reference::get().industry(code).is_some()
    {
        terms.push(industry_term(code));
    }
    terms
}

/// Of counted terms, those that are not common, rarest first.
pub(crate) fn uncommon(mut counted: Vec<(i64, String)>) -> Vec<(i64, String)> {
    counted.retain(|(n, _)| *n < COMMON);
    counted.sort();
    counted
}
