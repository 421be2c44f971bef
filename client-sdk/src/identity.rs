//! Calls for organisations, users, service clients, the caller and the audit trail.

use futures_util::Stream;
use reqwest::Method;
use zhaoshang_types::{
    AuditEntry, AuditQuery, ClientCreated, ClientPatch, ClientQuery, Me, NewClient, NewOrg,
    NewUser, Org, OrgPatch, OrgQuery, Page, PasswordChange, ServiceClient, User, UserPatch,
    UserQuery,
};

use crate::pages::{CursorQuery, stream_pages};
use crate::{Client, Error};

impl Client {
    /// `GET /api/v1/me`: who the caller is, with role and permissions.
    pub async fn me(&self) -> Result<Me, Error> {
        self.get("api/v1/me", &()).await
    }

    /// `PUT /api/v1/me/password`: change the signed-in user's password.
    pub async fn change_password(
        &self,
        current_password: &str,
        new_password: &str,
    ) -> Result<(), Error> {
        let body = PasswordChange {
            current_password: current_password.to_owned(),
            new_password: new_password.to_owned(),
        };
        self.send_no_content(Method::PUT, "api/v1/me/password", &body)
            .await
    }

    /// `GET /api/v1/orgs`: one page.
    pub async fn list_orgs(&self, query: &OrgQuery) -> Result<Page<Org>, Error> {
        self.get("api/v1/orgs", query).await
    }

    /// Every organisation matching `query`, following cursors.
    pub fn orgs(&self, query: OrgQuery) -> impl Stream<Item = Result<Org, Error>> + '_ {
        stream_pages(self, "api/v1/orgs", query)
    }

    /// `GET /api/v1/orgs/{id}`.
    pub async fn get_org(&self, id: &str) -> Result<Org, Error> {
        self.get(&format!("api/v1/orgs/{id}"), &()).await
    }

    /// `POST /api/v1/orgs`.
    pub async fn create_org(&self, org: &NewOrg) -> Result<Org, Error> {
        self.send_json(Method::POST, "api/v1/orgs", org, None).await
    }

    /// `PATCH /api/v1/orgs/{id}`; with `if_match` the change fails (412) if the record moved on.
    pub async fn update_org(
        &self,
        id: &str,
        patch: &OrgPatch,
        if_match: Option<i64>,
    ) -> Result<Org, Error> {
        self.send_json(Method::PATCH, &format!("api/v1/orgs/{id}"), patch, if_match)
            .await
    }

    /// `DELETE /api/v1/orgs/{id}` (soft).
    pub async fn delete_org(&self, id: &str, if_match: Option<i64>) -> Result<(), Error> {
        self.delete(&format!("api/v1/orgs/{id}"), if_match).await
    }

    /// `GET /api/v1/users`: one page.
    pub async fn list_users(&self, query: &UserQuery) -> Result<Page<User>, Error> {
        self.get("api/v1/users", query).await
    }

    /// Every user matching `query`, following cursors.
    pub fn users(&self, query: UserQuery) -> impl Stream<Item = Result<User, Error>> + '_ {
        stream_pages(self, "api/v1/users", query)
    }

    /// `GET /api/v1/users/{id}`.
    pub async fn get_user(&self, id: &str) -> Result<User, Error> {
        self.get(&format!("api/v1/users/{id}"), &()).await
    }

    /// `POST /api/v1/users`.
    pub async fn create_user(&self, user: &NewUser) -> Result<User, Error> {
        self.send_json(Method::POST, "api/v1/users", user, None)
            .await
    }

    /// `PATCH /api/v1/users/{id}`; `UserPatch { active: Some(false), .. }` deactivates.
    pub async fn update_user(
        &self,
        id: &str,
        patch: &UserPatch,
        if_match: Option<i64>,
    ) -> Result<User, Error> {
        self.send_json(
            Method::PATCH,
            &format!("api/v1/users/{id}"),
            patch,
            if_match,
        )
        .await
    }

    /// `DELETE /api/v1/users/{id}`: deactivates.
    pub async fn delete_user(&self, id: &str, if_match: Option<i64>) -> Result<(), Error> {
        self.delete(&format!("api/v1/users/{id}"), if_match).await
    }

    /// `GET /api/v1/clients`: one page.
    pub async fn list_clients(&self, query: &ClientQuery) -> Result<Page<ServiceClient>, Error> {
        self.get("api/v1/clients", query).await
    }

    /// `GET /api/v1/clients/{id}`.
    pub async fn get_client(&self, id: &str) -> Result<ServiceClient, Error> {
        self.get(&format!("api/v1/clients/{id}"), &()).await
    }

    /// `POST /api/v1/clients`: the answer holds the secret, shown only this once.
    pub async fn create_client(&self, client: &NewClient) -> Result<ClientCreated, Error> {
        self.send_json(Method::POST, "api/v1/clients", client, None)
            .await
    }

    /// `PATCH /api/v1/clients/{id}`.
    pub async fn update_client(
        &self,
        id: &str,
        patch: &ClientPatch,
        if_match: Option<i64>,
    ) -> Result<ServiceClient, Error> {
        self.send_json(
            Method::PATCH,
            &format!("api/v1/clients/{id}"),
            patch,
            if_match,
        )
        .await
    }

    /// `DELETE /api/v1/clients/{id}`: revokes.
    pub async fn revoke_client(&self, id: &str, if_match: Option<i64>) -> Result<(), Error> {
        self.delete(&format!("api/v1/clients/{id}"), if_match).await
    }

    /// `GET /api/v1/audit`: one page.
    pub async fn list_audit(&self, query: &AuditQuery) -> Result<Page<AuditEntry>, Error> {
        self.get("api/v1/audit", query).await
    }

    /// Every audit row matching `query`, oldest first, following cursors.
    pub fn audit(&self, query: AuditQuery) -> impl Stream<Item = Result<AuditEntry, Error>> + '_ {
        stream_pages(self, "api/v1/audit", query)
    }
}

impl CursorQuery for OrgQuery {
    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}

impl CursorQuery for UserQuery {
    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}

impl CursorQuery for ClientQuery {
    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}

impl CursorQuery for AuditQuery {
    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}
