//! `zhaoshang-api healthcheck`: asks a running server's `/healthz` and exits 0 when it answers
//! 200, so that a container image without curl can have a `HEALTHCHECK`.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs as _};
use std::time::Duration;

use anyhow::{Context as _, bail};

/// The address to ask for a server bound to `bind`: an unspecified address (`0.0.0.0`, `::`)
/// is asked on loopback.
pub fn target(bind: &str) -> anyhow::Result<SocketAddr> {
    let mut addr = bind
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {bind}"))?
        .next()
        .with_context(|| format!("{bind} names no address"))?;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    Ok(addr)
}

/// `GET /healthz` on `addr` within `timeout`: Ok when the answer is 200.
pub fn check(addr: SocketAddr, timeout: Duration) -> anyhow::Result<()> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .with_context(|| format!("no server answers at {addr}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = [0u8; 64];
    let n = stream
        .read(&mut head)
        .with_context(|| format!("{addr} did not answer"))?;
    let status_line = String::from_utf8_lossy(head.get(..n).unwrap_or_default());
    let status = status_line.split_whitespace().nth(1).unwrap_or("none");
    if status != "200" {
        bail!("{addr} answered /healthz with status {status}");
    }
    Ok(())
}
