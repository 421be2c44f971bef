//! Users: what a new user must satisfy, unique usernames, no hash leaving the server, a user
//! changing their own password, and administrators unable to lock themselves out.

use zhaoshang_api::testing::TestDb;
use zhaoshang_client::Client;
use zhaoshang_e2e::{PASSWORD, TestApp, db_test, problem_field};
use zhaoshang_types::{NewUser, Role, User, UserPatch, UserQuery};

db_test!(users_roles_and_passwords, users_and_passwords);
async fn users_and_passwords(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let admin = app.admin().await;
    let county = app.org_for(&admin, Role::County).await;
    let new_user = |username: &str, role: Role, password: &str| NewUser {
        username: username.into(),
        display_name: "x".into(),
        org_id: county.id.clone(),
        role,
        password: password.into(),
    };
    for (case, user, field, code) in [
        (
            "a role that does not suit the organisation",
            new_user("wrong", Role::Agency, PASSWORD),
            "role",
            "role_mismatch",
        ),
        (
            "a username with a space and capitals",
            new_user("Bad Name", Role::County, PASSWORD),
            "username",
            "invalid_format",
        ),
        (
            "a short password",
            new_user("short-pw", Role::County, "short"),
            "password",
            "too_short",
        ),
    ] {
        let err = admin.create_user(&user).await.expect_err(case);
        assert_eq!(err.status(), Some(422), "{case}");
        assert_eq!(problem_field(&err), (field.into(), code.into()), "{case}");
    }

    let user = admin
        .create_user(&NewUser {
            display_name: "柯城联络员".into(),
            ..new_user("KeCheng.Liaison", Role::County, PASSWORD)
        })
        .await
        .expect("create");
    assert_eq!(user.username, "kecheng.liaison", "usernames are folded");
    let err = admin
        .create_user(&new_user("kecheng.liaison", Role::County, PASSWORD))
        .await
        .expect_err("taken");
    assert_eq!(
        (
            err.status(),
            err.problem().and_then(|p| p.existing_id.clone())
        ),
        (Some(409), Some(user.id.clone()))
    );
    let listed = admin
        .list_users(&UserQuery {
            org_id: Some(county.id.clone()),
            ..UserQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(listed.items.len(), 1);
    assert!(
        !serde_json::to_string(&listed)
            .expect("json")
            .contains("argon2"),
        "no hash leaves the server"
    );
    own_password_changed(&app, &user).await;
    no_self_lockout(&admin).await;
}

/// The user changes their own password: the wrong current one is named, the new one works
/// and the old one no longer does.
async fn own_password_changed(app: &TestApp, user: &User) {
    let me = app.sign_in(&user.username).await;
    let err = me
        .change_password("not my password", "a brand new password")
        .await
        .expect_err("wrong current");
    assert_eq!(problem_field(&err).1, "wrong_password");
    me.change_password(PASSWORD, "a brand new password")
        .await
        .expect("changed");
    Client::with_password(&app.base_url, &user.username, "a brand new password")
        .await
        .expect("new works");
    assert!(
        Client::with_password(&app.base_url, &user.username, PASSWORD)
            .await
            .is_err(),
        "the old password no longer works"
    );
}

/// Administrators cannot deactivate themselves.
async fn no_self_lockout(admin: &Client) {
    let own = admin.me().await.expect("me");
    let err = admin
        .update_user(
            &own.id,
            &UserPatch {
                active: Some(false),
                ..UserPatch::default()
            },
            None,
        )
        .await
        .expect_err("self");
    assert_eq!(problem_field(&err).1, "self_lockout");
}
