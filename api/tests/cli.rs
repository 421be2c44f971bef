//! The binary as a user runs it: help, bad flags, start-up failures, serving and graceful stop.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_zhaoshang-api");

fn run(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env_remove("ZHAOSHANG_BIND");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run the binary")
}

/// Runs the binary as [`run`] does, with `input` on its standard input.
fn run_with_stdin(args: &[&str], envs: &[(&str, &str)], input: &[u8]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env_remove("ZHAOSHANG_BIND");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write");
    child.wait_with_output().expect("wait")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn help_documents_commands_flags_and_environment() {
    let out = run(&["--help"], &[]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for word in [
        "serve",
        "migrate",
        "openapi",
        "--bind",
        "ZHAOSHANG_BIND",
        "--database-url",
        "DATABASE_URL",
        "--data-dir",
        "ZHAOSHANG_DATA_DIR",
        "RUST_LOG",
        "ZHAOSHANG_LOG_FORMAT",
    ] {
        assert!(help.contains(word), "help mentions {word}:\n{help}");
    }
}

#[test]
fn a_bad_flag_is_one_clear_error() {
    let out = run(&["--no-such-flag"], &[]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.lines()
            .next()
            .is_some_and(|l| l.starts_with("error:") && l.contains("--no-such-flag")),
        "{err}"
    );
}

#[test]
fn an_unreachable_database_fails_fast_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let out = run(
        &[
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--data-dir",
            dir.path().to_str().expect("utf-8"),
        ],
        &[("DATABASE_URL", "postgres://postgres:secret@127.0.0.1:1/zs")],
    );
    assert!(!out.status.success());
    assert!(started.elapsed() < Duration::from_secs(20), "fails fast");
    let err = stderr(&out);
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: cannot connect to postgres://postgres:***@127.0.0.1:1/zs"),
        "{err}"
    );
    assert!(
        !err.contains("secret"),
        "the password is never printed: {err}"
    );
}

#[test]
fn an_unsupported_database_url_is_rejected() {
    let out = run(
        &["migrate"],
        &[("DATABASE_URL", "mysql://root@127.0.0.1/x")],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("unsupported database URL scheme `mysql`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_taken_port_is_one_clear_error() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(
        &[
            "serve",
            "--bind",
            &addr,
            "--data-dir",
            dir.path().to_str().expect("utf-8"),
        ],
        &[],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(&format!("error: cannot listen on {addr}")),
        "{err}"
    );
}

#[test]
fn migrate_creates_and_updates_the_default_sqlite_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("nested/data");
    let data = data.to_str().expect("utf-8");
    let out = run(&["migrate", "--data-dir", data], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("applied 20"), "{stdout}");
    assert!(dir.path().join("nested/data/zhaoshang.db").exists());
    let again = run(&["migrate", "--data-dir", data], &[]);
    assert!(again.status.success());
    assert!(
        !String::from_utf8_lossy(&again.stdout).contains("applied"),
        "nothing pending the second time"
    );
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
    }
}

fn http_get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

#[test]
fn serve_answers_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(BIN)
        .args([
            "--bind",
            "127.0.0.1:0",
            "--data-dir",
            dir.path().to_str().expect("utf-8"),
        ])
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let mut server = Server(child);
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines.next().expect("a start-up line").expect("utf-8");
        assert!(
            !line.contains('\u{1b}'),
            "no colour codes when stderr is not a terminal: {line:?}"
        );
        if let Some(rest) = line.split("listening on http://").nth(1) {
            assert!(line.contains("(sqlite database)"), "{line}");
            break rest.split_whitespace().next().expect("address").to_owned();
        }
    };
    let response = http_get(&addr, "/healthz");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    // The container health check asks the same, through the binary.
    let port = addr.rsplit(':').next().expect("port");
    let health = run(&["healthcheck", "--bind", &format!("0.0.0.0:{port}")], &[]);
    assert!(
        health.status.success(),
        "{}",
        String::from_utf8_lossy(&health.stderr)
    );
    assert!(
        dir.path().join("zhaoshang.db").exists(),
        "default SQLite file in the data dir"
    );

    let pid = server.0.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = server.0.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "server stops within 15 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "graceful stop exits 0: {exit:?}");
    // Drain the log so the child never blocks on a full pipe.
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        rest.iter().any(|l| l.contains("stopped")),
        "logs its stop: {rest:?}"
    );
}

#[test]
fn admin_commands_bootstrap_the_first_admin_and_a_service_client() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().to_str().expect("utf-8");
    let mut child = Command::new(BIN)
        .args([
            "admin",
            "create-user",
            "--username",
            "root",
            "--org-kind",
            "bureau",
            "--org-name",
            "招商局",
            "--role",
            "admin",
            "--password-stdin",
            "--data-dir",
            data,
        ])
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"a long enough password\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("created user root"));

    // The same name again, with a valid password, is refused with one clear line that says why.
    let again = run_with_stdin(
        &[
            "admin",
            "create-user",
            "--username",
            "root",
            "--org-kind",
            "bureau",
            "--org-name",
            "招商局",
            "--role",
            "admin",
            "--password-stdin",
            "--data-dir",
            data,
        ],
        &[],
        b"another long enough password\n",
    );
    assert!(!again.status.success());
    let last = stderr(&again).lines().last().map(str::to_owned);
    assert!(
        last.as_deref()
            .is_some_and(|l| l.starts_with("error:") && l.contains("root is taken")),
        "{}",
        stderr(&again)
    );

    // A role that does not suit the organisation is refused before anything is written.
    let wrong = run(
        &[
            "admin",
            "create-client",
            "--name",
            "OA",
            "--org-kind",
            "agency",
            "--org",
            "某中介",
            "--role",
            "reader",
            "--data-dir",
            data,
        ],
        &[],
    );
    assert!(!wrong.status.success());
    assert!(
        stderr(&wrong).contains("does not suit"),
        "{}",
        stderr(&wrong)
    );

    let out = run(
        &[
            "admin",
            "create-client",
            "--name",
            "市统计局",
            "--org-kind",
            "department",
            "--org",
            "市统计局",
            "--role",
            "reader",
            "--data-dir",
            data,
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let secret = stdout
        .lines()
        .find_map(|l| l.strip_prefix("client_secret="))
        .expect("secret printed");
    assert!(secret.starts_with("zss_") && secret.len() == 68, "{secret}");
    assert!(stdout.lines().any(|l| l.starts_with("client_id=")));
}

#[test]
fn migrate_and_admin_commands_work_on_postgresql() {
    use zhaoshang_api::core::db::{DatabaseUrl, DbKind};
    use zhaoshang_api::testing::TestDb;
    let Some(db) = TestDb::new(DbKind::Postgres) else {
        return; // TestDb printed why (and fails instead when PostgreSQL is required)
    };
    let DatabaseUrl::Postgres(url) = &db.url else {
        panic!("a PostgreSQL database");
    };
    let data = db.data_dir.to_str().expect("utf-8");
    let env = [("DATABASE_URL", url.as_str())];
    let out = run(&["migrate", "--data-dir", data], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("applied"));
    let again = run(&["migrate", "--data-dir", data], &env);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        !String::from_utf8_lossy(&again.stdout).contains("applied"),
        "nothing pending the second time"
    );

    let create_user = || {
        run_with_stdin(
            &[
                "admin",
                "create-user",
                "--username",
                "pgroot",
                "--org-kind",
                "bureau",
                "--org-name",
                "招商局",
                "--role",
                "admin",
                "--password-stdin",
                "--data-dir",
                data,
            ],
            &env,
            b"a long enough password\n",
        )
    };
    let out = create_user();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("created user pgroot"));
    let again = create_user();
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("pgroot is taken"),
        "{}",
        stderr(&again)
    );

    let out = run(
        &[
            "admin",
            "create-client",
            "--name",
            "市统计局",
            "--org-kind",
            "department",
            "--org",
            "市统计局",
            "--role",
            "reader",
            "--data-dir",
            data,
        ],
        &env,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .any(|l| l.starts_with("client_secret=zss_"))
    );
}

#[test]
fn subcommands_offer_only_the_flags_they_use() {
    let help = |args: &[&str]| {
        let out = run(args, &[]);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(help(&["serve", "--help"]).contains("--db-pool-size"));
    for args in [
        &["migrate", "--help"][..],
        &["seed-demo", "--help"],
        &["admin", "create-user", "--help"],
        &["admin", "create-client", "--help"],
    ] {
        let text = help(args);
        assert!(text.contains("--database-url"), "{args:?}:\n{text}");
        assert!(!text.contains("--db-pool-size"), "{args:?}:\n{text}");
    }
}

#[test]
fn healthcheck_fails_when_no_server_answers() {
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    // The listener is closed again: nothing answers there.
    let out = run(
        &["healthcheck", "--bind", &format!("127.0.0.1:{port}")],
        &[],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).starts_with("error: no server answers at 127.0.0.1:"),
        "{}",
        stderr(&out)
    );
}
