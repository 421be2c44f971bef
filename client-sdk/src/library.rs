//! Calls for the shared information library: one typed [`Collection`] per resource.

use std::marker::PhantomData;

use futures_util::Stream;
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use zhaoshang_types::reference::{Division, DivisionQuery, IndustryCode, IndustryCodeQuery};
use zhaoshang_types::{
    AgencyFields, AgencyStats, Batch, BatchResult, ChainGaps, ChainNode, ChainNodeFields,
    ChainTree, Contact, ContactFields, EnterpriseFields, IndustryFields, InvestorFields,
    LibraryQuery, Page, Record, SupplyLink, SupplyLinkFields, TargetRegionFields,
};

use crate::pages::{CursorQuery, stream_pages};
use crate::{Client, Error};

/// A CSV export of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvExport {
    /// The CSV (UTF-8 with BOM), header line first.
    pub csv: Vec<u8>,
    /// More records matched than an export holds: the CSV has the first 100,000.
    pub truncated: bool,
}

/// The records of one resource (`/api/v1/investors`, ...), typed by their fields.
#[derive(Debug, Clone)]
pub struct Collection<'a, T> {
    client: &'a Client,
    path: &'static str,
    _fields: PhantomData<T>,
}

impl<'a, T> Collection<'a, T>
where
    T: Serialize + DeserializeOwned + 'a,
{
    fn item(&self, id: &str) -> String {
        format!("{}/{id}", self.path)
    }

    /// One page of records matching `query`.
    pub async fn list(&self, query: &LibraryQuery) -> Result<Page<Record<T>>, Error> {
        self.client.get(self.path, query).await
    }

    /// Every record matching `query`, following cursors.
    pub fn stream(&self, query: LibraryQuery) -> impl Stream<Item = Result<Record<T>, Error>> + 'a {
        stream_pages(self.client, self.path, query)
    }

    /// Every record matching `query` as CSV (UTF-8 with BOM), as the server renders it.
    pub async fn export_csv(&self, query: &LibraryQuery) -> Result<Vec<u8>, Error> {
        Ok(self.export(query).await?.csv)
    }

    /// The matching records as CSV, and whether more matched than an export holds (100,000;
    /// the server's `Export-Truncated` header).
    pub async fn export(&self, query: &LibraryQuery) -> Result<CsvExport, Error> {
        let mut query = query.clone();
        query.format = Some("csv".to_owned());
        let res = self
            .client
            .execute(Method::GET, self.path, |r| r.query(&query))
            .await?;
        let truncated = res
            .headers()
            .get("export-truncated")
            .is_some_and(|v| v.as_bytes() == b"true");
        Ok(CsvExport {
            csv: res.bytes().await?.to_vec(),
            truncated,
        })
    }

    /// One record by id.
    pub async fn get(&self, id: &str) -> Result<Record<T>, Error> {
        self.client.get(&self.item(id), &()).await
    }

    /// Creates a record; look-alike names come back in `possible_duplicates`.
    pub async fn create(&self, fields: &T) -> Result<Record<T>, Error> {
        self.client
            .send_json(Method::POST, self.path, fields, None)
            .await
    }

    /// Changes a record with a JSON merge patch (absent fields stay, `null` clears). Pass the
    /// version last read as `if_match` so that nobody else's change is overwritten (412).
    pub async fn update(
        &self,
        id: &str,
        patch: &serde_json::Value,
        if_match: Option<i64>,
    ) -> Result<Record<T>, Error> {
        self.client
            .send_json(Method::PATCH, &self.item(id), patch, if_match)
            .await
    }

    /// Changes a record from its current state: sends the difference between `record.fields`
    /// and `changed` as a merge patch, with `If-Match` set to `record.version`.
    pub async fn save(&self, record: &Record<T>, changed: &T) -> Result<Record<T>, Error> {
        let before =
            serde_json::to_value(&record.fields).map_err(|e| Error::Config(e.to_string()))?;
        let after = serde_json::to_value(changed).map_err(|e| Error::Config(e.to_string()))?;
        let patch = diff(&before, &after);
        self.update(&record.id, &patch, Some(record.version)).await
    }

    /// Deletes a record (soft).
    pub async fn delete(&self, id: &str, if_match: Option<i64>) -> Result<(), Error> {
        self.client.delete(&self.item(id), if_match).await
    }

    /// Restores a deleted record (admin and bureau).
    pub async fn restore(&self, id: &str) -> Result<Record<T>, Error> {
        self.client
            .send_json(
                Method::POST,
                &format!("{}/restore", self.item(id)),
                &serde_json::json!({}),
                None,
            )
            .await
    }
}

/// The merge patch that turns `before` into `after`.
fn diff(before: &serde_json::Value, after: &serde_json::Value) -> serde_json::Value {
    use serde_json::{Map, Value};
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let mut out = Map::new();
            for (k, v) in a {
                if b.get(k) != Some(v) {
                    out.insert(k.clone(), v.clone());
                }
            }
            for k in b.keys() {
                if !a.contains_key(k) {
                    out.insert(k.clone(), Value::Null);
                }
            }
            Value::Object(out)
        }
        (_, a) => a.clone(),
    }
}

/// Batch upserts for agency-sourced resources.
impl<'a, T> Collection<'a, T>
where
    T: Serialize + DeserializeOwned + 'a,
{
    /// Upserts up to 1,000 records keyed by (`source_agency_id`, `external_id`), all or
    /// nothing. A rejected batch is an [`Error::Api`] whose `errors` carry `index`.
    pub async fn batch_upsert(&self, items: &[T]) -> Result<BatchResult, Error> {
        let body = Batch {
            items: items.iter().collect::<Vec<_>>(),
        };
        self.client
            .send_json(Method::PUT, &format!("{}:batch", self.path), &body, None)
            .await
    }

    /// Upserts any number of records in batches of `chunk` (at most 1,000): each batch is all
    /// or nothing; the first rejected batch stops the sync.
    pub async fn sync_all(&self, items: &[T], chunk: usize) -> Result<BatchResult, Error> {
        let mut results = Vec::new();
        for (n, part) in items.chunks(chunk.clamp(1, 1000)).enumerate() {
            let mut r = self.batch_upsert(part).await?;
            for item in &mut r.results {
                item.index += n * chunk.clamp(1, 1000);
            }
            results.extend(r.results);
        }
        Ok(BatchResult { results })
    }
}

/// Contacts of investors and agencies.
#[derive(Debug, Clone)]
pub struct Contacts<'a> {
    client: &'a Client,
    base: String,
}

impl Contacts<'_> {
    /// The record's contacts (masked unless the caller is entitled).
    pub async fn list(&self) -> Result<Page<Contact>, Error> {
        self.client.get(&self.base, &()).await
    }

    /// Adds a contact.
    pub async fn create(&self, fields: &ContactFields) -> Result<Contact, Error> {
        self.client
            .send_json(Method::POST, &self.base, fields, None)
            .await
    }

    /// Changes a contact (merge patch).
    pub async fn update(
        &self,
        id: &str,
        patch: &serde_json::Value,
        if_match: Option<i64>,
    ) -> Result<Contact, Error> {
        self.client
            .send_json(
                Method::PATCH,
                &format!("{}/{id}", self.base),
                patch,
                if_match,
            )
            .await
    }

    /// Deletes a contact.
    pub async fn delete(&self, id: &str, if_match: Option<i64>) -> Result<(), Error> {
        self.client
            .delete(&format!("{}/{id}", self.base), if_match)
            .await
    }
}

impl Client {
    /// `/api/v1/investors`: key investors (重点客商).
    pub fn investors(&self) -> Collection<'_, InvestorFields> {
        Collection {
            client: self,
            path: "api/v1/investors",
            _fields: PhantomData,
        }
    }

    /// `/api/v1/agencies`: intermediary agencies (中介机构).
    pub fn agencies(&self) -> Collection<'_, AgencyFields> {
        Collection {
            client: self,
            path: "api/v1/agencies",
            _fields: PhantomData,
        }
    }

    /// `/api/v1/target-regions`: target regions (重点区域).
    pub fn target_regions(&self) -> Collection<'_, TargetRegionFields> {
        Collection {
            client: self,
            path: "api/v1/target-regions",
            _fields: PhantomData,
        }
    }

    /// `/api/v1/industries`: key industries (重点产业).
    pub fn industries(&self) -> Collection<'_, IndustryFields> {
        Collection {
            client: self,
            path: "api/v1/industries",
            _fields: PhantomData,
        }
    }

    /// `/api/v1/enterprises`: enterprises (相关企业).
    pub fn enterprises(&self) -> Collection<'_, EnterpriseFields> {
        Collection {
            client: self,
            path: "api/v1/enterprises",
            _fields: PhantomData,
        }
    }

    /// Contacts of an investor.
    pub fn investor_contacts(&self, investor_id: &str) -> Contacts<'_> {
        Contacts {
            client: self,
            base: format!("api/v1/investors/{investor_id}/contacts"),
        }
    }

    /// Contacts of an agency.
    pub fn agency_contacts(&self, agency_id: &str) -> Contacts<'_> {
        Contacts {
            client: self,
            base: format!("api/v1/agencies/{agency_id}/contacts"),
        }
    }

    /// `GET /api/v1/agencies/{id}/stats`.
    pub async fn agency_stats(&self, agency_id: &str) -> Result<AgencyStats, Error> {
        self.get(&format!("api/v1/agencies/{agency_id}/stats"), &())
            .await
    }

    /// `POST /api/v1/industries/{id}/nodes`.
    pub async fn create_chain_node(
        &self,
        industry_id: &str,
        node: &ChainNodeFields,
    ) -> Result<ChainNode, Error> {
        self.send_json(
            Method::POST,
            &format!("api/v1/industries/{industry_id}/nodes"),
            node,
            None,
        )
        .await
    }

    /// `GET /api/v1/chain-nodes/{id}`.
    pub async fn get_chain_node(&self, id: &str) -> Result<ChainNode, Error> {
        self.get(&format!("api/v1/chain-nodes/{id}"), &()).await
    }

    /// `PATCH /api/v1/chain-nodes/{id}` (merge patch).
    pub async fn update_chain_node(
        &self,
        id: &str,
        patch: &serde_json::Value,
        if_match: Option<i64>,
    ) -> Result<ChainNode, Error> {
        self.send_json(
            Method::PATCH,
            &format!("api/v1/chain-nodes/{id}"),
            patch,
            if_match,
        )
        .await
    }

    /// `DELETE /api/v1/chain-nodes/{id}`.
    pub async fn delete_chain_node(&self, id: &str, if_match: Option<i64>) -> Result<(), Error> {
        self.delete(&format!("api/v1/chain-nodes/{id}"), if_match)
            .await
    }

    /// `GET /api/v1/industries/{id}/chain`: the chain tree with enterprise counts.
    pub async fn chain(&self, industry_id: &str) -> Result<ChainTree, Error> {
        self.get(&format!("api/v1/industries/{industry_id}/chain"), &())
            .await
    }

    /// `GET /api/v1/industries/{id}/gaps`: gap analysis.
    pub async fn chain_gaps(&self, industry_id: &str) -> Result<ChainGaps, Error> {
        self.get(&format!("api/v1/industries/{industry_id}/gaps"), &())
            .await
    }

    /// `GET /api/v1/enterprises/{id}/links`.
    pub async fn supply_links(&self, enterprise_id: &str) -> Result<Page<SupplyLink>, Error> {
        self.get(&format!("api/v1/enterprises/{enterprise_id}/links"), &())
            .await
    }

    /// `POST /api/v1/enterprises/{id}/links`.
    pub async fn create_supply_link(
        &self,
        enterprise_id: &str,
        link: &SupplyLinkFields,
    ) -> Result<SupplyLink, Error> {
        self.send_json(
            Method::POST,
            &format!("api/v1/enterprises/{enterprise_id}/links"),
            link,
            None,
        )
        .await
    }

    /// `DELETE /api/v1/enterprises/{id}/links/{link_id}`.
    pub async fn delete_supply_link(
        &self,
        enterprise_id: &str,
        link_id: &str,
    ) -> Result<(), Error> {
        self.delete(
            &format!("api/v1/enterprises/{enterprise_id}/links/{link_id}"),
            None,
        )
        .await
    }

    /// `GET /api/v1/reference/divisions`.
    pub async fn divisions(&self, query: &DivisionQuery) -> Result<Page<Division>, Error> {
        self.get("api/v1/reference/divisions", query).await
    }

    /// `GET /api/v1/reference/industry-codes`.
    pub async fn industry_codes(
        &self,
        query: &IndustryCodeQuery,
    ) -> Result<Page<IndustryCode>, Error> {
        self.get("api/v1/reference/industry-codes", query).await
    }
}

impl CursorQuery for LibraryQuery {
    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}
