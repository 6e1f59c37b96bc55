//! The WASI context of one run: nothing beyond what its grants list, plus stdout/stderr.

use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder};

use crate::{Grants, RunError};

pub(crate) fn context(program: &str, grants: &Grants) -> Result<WasiCtx, RunError> {
    let mut b = WasiCtxBuilder::new();
    b.inherit_stdout().inherit_stderr();
    let mut args = vec![program.to_string()];
    args.extend(grants.args.iter().cloned());
    b.args(&args);
    for (k, v) in &grants.env {
        b.env(k, v);
    }
    if grants.stdin {
        b.inherit_stdin();
    }
    // wasmtime-wasi denies TCP, UDP and name lookup by default; open only what was granted.
    if !grants.network.is_empty() || !grants.listen.is_empty() {
        let connect = grants.network.clone();
        let listen = grants.listen.clone();
        b.allow_tcp(true)
            .allow_udp(true)
            .socket_addr_check(move |addr, use_| {
                // Connecting binds the socket to an ephemeral port on the unspecified
                // address first, which opens nothing a peer can reach first. Binding a
                // port, listening and accepting need a listen grant: a rule for connecting
                // never lets the guest take connections.
                let ephemeral = addr.ip().is_unspecified() && addr.port() == 0;
                let listens = |a| listen.iter().any(|r| r.allows(a));
                let connects = |a| connect.iter().any(|r| r.allows(a));
                let allowed = match use_ {
                    SocketAddrUse::TcpBind | SocketAddrUse::UdpBind => ephemeral || listens(addr),
                    SocketAddrUse::TcpListen => listens(addr),
                    SocketAddrUse::TcpAccept => !listen.is_empty(),
                    SocketAddrUse::TcpConnect | SocketAddrUse::UdpSend => connects(addr),
                    SocketAddrUse::UdpReceive => connects(addr) || !listen.is_empty(),
                };
                Box::pin(async move { allowed })
            });
    }
    b.allow_ip_name_lookup(grants.name_lookup);
    for d in &grants.dirs {
        let perms = if d.writable {
            FsPerms::ReadWrite
        } else {
            FsPerms::ReadOnly
        };
        b.preopened_dir(&d.host, &d.guest, perms)
            .map_err(|e| RunError::Grant {
                grant: format!("dir {d}"),
                message: format!("{e:#}"),
            })?;
    }
    Ok(b.build())
}
