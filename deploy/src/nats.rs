//! A small client of NATS's text protocol: connect, subscribe, publish, request and reply.
//!
//! Enough for an engine's control subjects (a request answered by one host, heartbeats
//! listened to), blocking and bounded in time, with no runtime of its own. Every read has a
//! deadline, and a server that sends more than a frame may hold is refused.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::DeployError;

/// The longest protocol line (`INFO` included) taken from a server.
const MAX_LINE: usize = 64 << 10;
/// The largest payload taken from a server.
const MAX_PAYLOAD: usize = 8 << 20;

/// A message delivered to one of our subscriptions.
#[derive(Debug, Clone)]
pub struct Message {
    /// The subject it was published on.
    pub subject: String,
    /// The subscription it came through.
    pub sid: u64,
    /// The status of a reply with headers (503: nobody listens on the subject).
    pub status: Option<u16>,
    /// Its body.
    pub payload: Vec<u8>,
}

/// One connection to a NATS server.
pub struct Connection {
    url: String,
    stream: TcpStream,
    buffer: Vec<u8>,
    next_sid: u64,
    inbox: String,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("url", &self.url)
            .finish()
    }
}

impl Connection {
    /// Connects to `url` (`nats://host:port`, `host:port` or `host`; port 4222 by default),
    /// waiting at most `timeout` for the server's greeting.
    pub fn connect(url: &str, timeout: Duration) -> Result<Self, DeployError> {
        let address = parse_url(url)?;
        let unreachable = |e: io::Error| DeployError::Nats {
            url: url.into(),
            message: format!("cannot connect: {e}"),
            help:
                "start the engine's NATS server, or give its address with `--nats nats://HOST:PORT`"
                    .into(),
        };
        let addrs: Vec<_> = address.to_socket_addrs().map_err(unreachable)?.collect();
        let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
        let mut stream = None;
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, timeout) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = e,
            }
        }
        let stream = stream.ok_or_else(|| unreachable(last))?;
        stream.set_nodelay(true).ok();
        let mut token = [0u8; 8];
        getrandom::fill(&mut token).map_err(|e| DeployError::Nats {
            url: url.into(),
            message: format!("no randomness for a reply subject: {e}"),
            help: "this machine's random source failed; try again".into(),
        })?;
        let mut connection = Connection {
            url: url.into(),
            stream,
            buffer: Vec::new(),
            next_sid: 1,
            inbox: format!("_INBOX.compose.{}", hex::encode(token)),
        };
        let deadline = Instant::now() + timeout;
        let greeting = connection
            .line(deadline)
            .map_err(|t| connection.silent(t))?;
        if !greeting.starts_with("INFO ") {
            return Err(connection.protocol(format!(
                "expected the server's INFO, got `{}`",
                shorten(&greeting)
            )));
        }
        // Headers and no-responders: a request to a host that is gone answers at once with
        // status 503 instead of waiting out its timeout.
        let connect = serde_json::json!({
            "verbose": false, "pedantic": false, "lang": "rust", "name": "compose",
            "version": env!("CARGO_PKG_VERSION"), "protocol": 1,
            "headers": true, "no_responders": true,
        });
        connection.send(format!("CONNECT {connect}\r\nPING\r\n").as_bytes())?;
        loop {
            let line = connection
                .line(deadline)
                .map_err(|t| connection.silent(t))?;
            match line.as_str() {
                "PONG" => return Ok(connection),
                "+OK" | "PING" => {}
                _ if line.starts_with("INFO ") => {}
                _ => {
                    return Err(
                        connection.protocol(format!("refused the connection: {}", shorten(&line)))
                    )
                }
            }
        }
    }

    /// Subscribes to `subject` (wildcards allowed); its messages come from [`Self::next`].
    pub fn subscribe(&mut self, subject: &str) -> Result<u64, DeployError> {
        let sid = self.next_sid;
        self.next_sid += 1;
        self.send(format!("SUB {subject} {sid}\r\n").as_bytes())?;
        Ok(sid)
    }

    /// Ends a subscription.
    pub fn unsubscribe(&mut self, sid: u64) -> Result<(), DeployError> {
        self.send(format!("UNSUB {sid}\r\n").as_bytes())
    }

    /// Publishes `payload` on `subject`, with a subject to reply to.
    pub fn publish(
        &mut self,
        subject: &str,
        reply: Option<&str>,
        payload: &[u8],
    ) -> Result<(), DeployError> {
        let mut frame = match reply {
            Some(reply) => format!("PUB {subject} {reply} {}\r\n", payload.len()),
            None => format!("PUB {subject} {}\r\n", payload.len()),
        }
        .into_bytes();
        frame.extend_from_slice(payload);
        frame.extend_from_slice(b"\r\n");
        self.send(&frame)
    }

    /// Sends `payload` to whoever answers on `subject` and waits at most `timeout` for the
    /// answer. `None`: nobody listens on it (no responders), or no answer came in time
    /// (`Err` with a clear message is the caller's to make, it knows who should have answered).
    pub fn request(
        &mut self,
        subject: &str,
        payload: &[u8],
        timeout: Duration,
    ) -> Result<Reply, DeployError> {
        let reply = format!("{}.{}", self.inbox, self.next_sid);
        let sid = self.subscribe(&reply)?;
        self.publish(subject, Some(&reply), payload)?;
        let deadline = Instant::now() + timeout;
        let answer = loop {
            match self.next(deadline)? {
                None => break Reply::Timeout,
                Some(m) if m.sid != sid => continue,
                Some(m) if m.status == Some(503) => break Reply::NoResponders,
                Some(m) => break Reply::Answer(m.payload),
            }
        };
        self.unsubscribe(sid)?;
        Ok(answer)
    }

    /// The next message of any subscription, or `None` once `deadline` passed. Answers the
    /// server's keep-alive pings meanwhile.
    pub fn next(&mut self, deadline: Instant) -> Result<Option<Message>, DeployError> {
        loop {
            let line = match self.line(deadline) {
                Ok(line) => line,
                Err(Timeout::Elapsed) => return Ok(None),
                Err(Timeout::Failed(e)) => return Err(e),
            };
            if line == "PING" {
                self.send(b"PONG\r\n")?;
                continue;
            }
            if line == "PONG" || line == "+OK" || line.starts_with("INFO ") {
                continue;
            }
            if let Some(error) = line.strip_prefix("-ERR") {
                return Err(self.protocol(format!("the server said {}", error.trim())));
            }
            let words: Vec<&str> = line.split_ascii_whitespace().collect();
            let (subject, sid, headers, total) = match words.as_slice() {
                ["MSG", subject, sid, size] | ["MSG", subject, sid, _, size] => {
                    (*subject, *sid, 0, *size)
                }
                ["HMSG", subject, sid, header, size] | ["HMSG", subject, sid, _, header, size] => {
                    let header = header.parse::<usize>().ok();
                    match header {
                        Some(h) => (*subject, *sid, h, *size),
                        None => {
                            return Err(self.protocol(format!("bad frame `{}`", shorten(&line))))
                        }
                    }
                }
                _ => {
                    return Err(self.protocol(format!("unexpected `{}`", shorten(&line))));
                }
            };
            let (Ok(sid), Ok(total)) = (sid.parse::<u64>(), total.parse::<usize>()) else {
                return Err(self.protocol(format!("bad frame `{}`", shorten(&line))));
            };
            if total > MAX_PAYLOAD || headers > total {
                return Err(self.protocol(format!(
                    "a message of {total} bytes is more than compose takes ({MAX_PAYLOAD})"
                )));
            }
            let body = self.exact(total + 2, deadline).map_err(|e| match e {
                Timeout::Elapsed => self.protocol("a message stopped half-way".into()),
                Timeout::Failed(e) => e,
            })?;
            let status = (headers > 0).then(|| status_of(&body[..headers])).flatten();
            return Ok(Some(Message {
                subject: subject.to_string(),
                sid,
                status,
                payload: body[headers..total].to_vec(),
            }));
        }
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), DeployError> {
        self.stream
            .set_write_timeout(Some(Duration::from_secs(10)))
            .ok();
        self.stream.write_all(bytes).map_err(|e| DeployError::Nats {
            url: self.url.clone(),
            message: format!("the connection broke: {e}"),
            help: "check that the NATS server is still running".into(),
        })
    }

    fn line(&mut self, deadline: Instant) -> Result<String, Timeout> {
        loop {
            if let Some(end) = self.buffer.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&self.buffer[..end]).into_owned();
                self.buffer.drain(..end + 2);
                return Ok(line);
            }
            if self.buffer.len() > MAX_LINE {
                return Err(Timeout::Failed(
                    self.protocol(format!("a line longer than {MAX_LINE} bytes")),
                ));
            }
            self.fill(deadline)?;
        }
    }

    fn exact(&mut self, n: usize, deadline: Instant) -> Result<Vec<u8>, Timeout> {
        while self.buffer.len() < n {
            self.fill(deadline)?;
        }
        Ok(self.buffer.drain(..n).collect())
    }

    fn fill(&mut self, deadline: Instant) -> Result<(), Timeout> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Timeout::Elapsed);
        }
        self.stream.set_read_timeout(Some(left)).ok();
        let mut chunk = [0u8; 16 << 10];
        match self.stream.read(&mut chunk) {
            Ok(0) => Err(Timeout::Failed(DeployError::Nats {
                url: self.url.clone(),
                message: "the server closed the connection".into(),
                help: "check the NATS server's log".into(),
            })),
            Ok(n) => {
                self.buffer.extend_from_slice(&chunk[..n]);
                Ok(())
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(Timeout::Elapsed)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
            Err(e) => Err(Timeout::Failed(DeployError::Nats {
                url: self.url.clone(),
                message: format!("reading failed: {e}"),
                help: "check that the NATS server is still running".into(),
            })),
        }
    }

    /// A server that said nothing in time while connecting.
    fn silent(&self, t: Timeout) -> DeployError {
        match t {
            Timeout::Elapsed => self.protocol("no answer while connecting".into()),
            Timeout::Failed(e) => e,
        }
    }

    fn protocol(&self, message: String) -> DeployError {
        DeployError::Nats {
            url: self.url.clone(),
            message,
            help: "is this address a NATS server (the engine's, without TLS or credentials)?"
                .into(),
        }
    }
}

/// What came back from a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// The answer's body.
    Answer(Vec<u8>),
    /// Nobody listens on the subject.
    NoResponders,
    /// Nobody answered in time.
    Timeout,
}

enum Timeout {
    Elapsed,
    Failed(DeployError),
}

/// `NATS/1.0 503` → 503.
fn status_of(headers: &[u8]) -> Option<u16> {
    let text = String::from_utf8_lossy(headers);
    let first = text.lines().next()?;
    first
        .strip_prefix("NATS/1.0")?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// `nats://host:port`, `host:port` or `host` → `host:port`.
pub fn parse_url(url: &str) -> Result<String, DeployError> {
    let rest = url.strip_prefix("nats://").unwrap_or(url);
    let bad = |why: &str| DeployError::Nats {
        url: url.into(),
        message: format!("not a NATS address: {why}"),
        help: "write it as `nats://HOST:PORT` (TLS and credentials are not supported yet)".into(),
    };
    if url.contains("://") && !url.starts_with("nats://") {
        return Err(bad("only `nats://` is supported"));
    }
    if rest.contains('@') {
        return Err(bad("credentials in the address are not supported"));
    }
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() || rest.contains('/') {
        return Err(bad("expected HOST:PORT"));
    }
    let has_port = match rest.rsplit_once(':') {
        Some((_, port)) if !rest.ends_with(']') => {
            port.parse::<u16>().map_err(|_| bad("bad port"))?;
            true
        }
        _ => false,
    };
    Ok(if has_port {
        rest.to_string()
    } else {
        format!("{rest}:4222")
    })
}

fn shorten(line: &str) -> String {
    let mut s: String = line.chars().take(120).collect();
    if s.len() < line.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn addresses_take_the_default_port() {
        assert_eq!(
            parse_url("nats://127.0.0.1:4400").unwrap(),
            "127.0.0.1:4400"
        );
        assert_eq!(parse_url("localhost").unwrap(), "localhost:4222");
        assert_eq!(parse_url("nats://[::1]").unwrap(), "[::1]:4222");
        assert!(parse_url("tls://x:1").is_err());
        assert!(parse_url("nats://u:p@x:1").is_err());
        assert!(parse_url("nats://x:port").is_err());
    }

    #[test]
    fn reply_status_is_read_from_the_headers() {
        assert_eq!(status_of(b"NATS/1.0 503\r\n\r\n"), Some(503));
        assert_eq!(status_of(b"NATS/1.0\r\nA: b\r\n\r\n"), None);
    }

    /// A server that greets, then answers a request with `frames`.
    fn server(frames: &'static [u8]) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            s.write_all(b"INFO {\"max_payload\":1048576}\r\n").unwrap();
            let mut seen = Vec::new();
            let mut chunk = [0u8; 4096];
            // CONNECT + PING, then SUB + PUB of the request.
            while !String::from_utf8_lossy(&seen).contains("PING") {
                let n = s.read(&mut chunk).unwrap();
                seen.extend_from_slice(&chunk[..n]);
            }
            s.write_all(b"PONG\r\n").unwrap();
            while !String::from_utf8_lossy(&seen).contains("PUB ") {
                let n = s.read(&mut chunk).unwrap();
                if n == 0 {
                    return;
                }
                seen.extend_from_slice(&chunk[..n]);
            }
            s.write_all(frames).unwrap();
            std::thread::sleep(Duration::from_secs(1));
        });
        addr
    }

    #[test]
    fn a_request_gets_its_answer_and_pings_are_answered() {
        let addr = server(b"PING\r\nMSG _INBOX.x 1 5\r\nhello\r\n");
        let mut c = Connection::connect(&addr, Duration::from_secs(2)).unwrap();
        let reply = c.request("a.b", b"{}", Duration::from_secs(2)).unwrap();
        assert_eq!(reply, Reply::Answer(b"hello".to_vec()));
    }

    #[test]
    fn no_responders_is_told_apart_from_silence() {
        let addr = server(b"HMSG _INBOX.x 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\n");
        let mut c = Connection::connect(&addr, Duration::from_secs(2)).unwrap();
        let reply = c.request("a.b", b"{}", Duration::from_secs(2)).unwrap();
        assert_eq!(reply, Reply::NoResponders);
        let addr = server(b"");
        let mut c = Connection::connect(&addr, Duration::from_secs(2)).unwrap();
        let reply = c.request("a.b", b"{}", Duration::from_millis(200)).unwrap();
        assert_eq!(reply, Reply::Timeout);
    }

    #[test]
    fn a_hostile_server_is_refused() {
        let addr = server(b"MSG _INBOX.x 1 999999999\r\n");
        let mut c = Connection::connect(&addr, Duration::from_secs(2)).unwrap();
        let error = c
            .request("a.b", b"{}", Duration::from_secs(2))
            .unwrap_err()
            .to_string();
        assert!(error.contains("more than compose takes"), "{error}");
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            s.write_all(b"HTTP/1.1 200 OK\r\n\r\n").unwrap();
            std::thread::sleep(Duration::from_secs(1));
        });
        let error = Connection::connect(&addr, Duration::from_secs(2))
            .unwrap_err()
            .to_string();
        assert!(error.contains("expected the server's INFO"), "{error}");
    }
}
