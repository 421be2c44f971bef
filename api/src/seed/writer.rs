//! Writes the 衢州 demo: the walk over its data (see [`super::demo`]) with a sink that creates
//! organisations, users, records (through the library's service, as created by the demo
//! administrator), chain nodes, contacts, supply links and an audit row.

use serde_json::Value;
use zhaoshang_types::{ChainNodeFields, ContactFields};

use super::DEMO_ADMIN;
use super::demo::{Demo, Link, Org, Sink, User, checked};
use crate::core::audit;
use crate::core::db::{self, DbConnection};
use crate::core::error::ApiError;
use crate::identity::store as identity;
use crate::library::Resource;
use crate::library::service::{Prepared, insert_record};
use crate::library::store::{self as store, ContactRow, LinkRow, NodeRow};

/// Writes the demo. `hashes` are the users' password hashes, in the order of the data.
pub(super) fn write(
    conn: &mut DbConnection,
    demo: &Demo,
    hashes: Vec<String>,
) -> Result<(), ApiError> {
    demo.walk(&mut Writer {
        conn,
        admin_id: uuid::Uuid::now_v7().to_string(),
        hashes,
    })
}

/// Creates the demo in the database.
struct Writer<'c> {
    conn: &'c mut DbConnection,
    /// The id of the user [`DEMO_ADMIN`], made before the user is (records name their creator).
    admin_id: String,
    hashes: Vec<String>,
}

impl Sink for Writer<'_> {
    fn org(&mut self, org: &Org, parent: Option<String>) -> Result<String, ApiError> {
        let row =
            identity::OrgRow::new(org.kind, org.name.clone(), org.region_code.clone(), parent);
        identity::insert_org(self.conn, &row)?;
        Ok(row.id)
    }

    fn user(&mut self, index: usize, user: &User, org: String) -> Result<(), ApiError> {
        let hash = self
            .hashes
            .get_mut(index)
            .map(std::mem::take)
            .ok_or_else(|| ApiError::internal("a demo user without a password"))?;
        let mut row = identity::UserRow::new(
            user.username.clone(),
            user.display_name.clone(),
            org,
            user.role,
            hash,
        );
        if user.username == DEMO_ADMIN {
            row.id = self.admin_id.clone();
        }
        identity::insert_user(self.conn, &row)
    }

    fn record<R: Resource>(&mut self, fields: R::Fields) -> Result<String, ApiError> {
        let fields = checked::<R>(fields)?;
        let record = Prepared::<R>::new(fields);
        Ok(insert_record::<R>(self.conn, &record, Some(self.admin_id.clone()))?.id)
    }

    fn node(&mut self, industry: &str, fields: ChainNodeFields) -> Result<String, ApiError> {
        let row = NodeRow::new(industry.to_owned(), &fields);
        store::insert_node(self.conn, &row)?;
        Ok(row.id)
    }

    fn contact(&mut self, record: &str, fields: &ContactFields) -> Result<(), ApiError> {
        let row = ContactRow::new(record.to_owned(), fields.clone());
        store::insert_contact(self.conn, &row)
    }

    fn link(&mut self, supplier: String, customer: String, link: &Link) -> Result<(), ApiError> {
        store::insert_link(
            self.conn,
            &LinkRow {
                id: uuid::Uuid::now_v7().to_string(),
                supplier_id: supplier,
                customer_id: customer,
                product: link.product.clone(),
                notes: link.notes.clone(),
                created_at: db::now(),
                created_by: None,
                deleted_at: None,
            },
        )
    }

    fn finish(&mut self, counts: Value) -> Result<(), ApiError> {
        audit::record(
            self.conn,
            &audit::Actor::cli(),
            "seed",
            "demo",
            None,
            Some(counts),
        )
    }
}
