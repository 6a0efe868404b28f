//! A static file server for the built site, with the headers Genlab needs:
//! correct MIME types (application/wasm for streaming compilation) and cross-origin
//! isolation (COOP/COEP), which wasm threads will need.
//!
//! It is our own few lines over `std::net`, one request per connection. The crate it
//! replaced (tiny_http 0.12) now and then left a response unread by Chromium on a busy
//! machine: a wasm chunk's `fetch` never finished and a lesson's widgets never came.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

pub struct Server {
    pub addr: String,
    handle: JoinHandle<()>,
}

pub fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        "md" => "text/markdown; charset=utf-8",
        "safetensors" => "application/octet-stream",
        "woff2" => "font/woff2",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    }
}

/// Maps a request path to a file under `root`, refusing anything that escapes it.
pub fn resolve(root: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let rel = Path::new(path.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let mut p = root.join(rel);
    if p.is_dir() {
        p = p.join("index.html");
    }
    p.is_file().then_some(p)
}

/// The file to send for `path` given the request's `Accept-Encoding`: the `.br` or `.gz`
/// copy `build` wrote beside it where the browser takes that encoding, else the file.
pub fn encoded(path: &Path, accept: &str) -> (PathBuf, Option<&'static str>) {
    let takes = |enc: &str| {
        accept.split(',').any(|a| {
            a.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case(enc)
        })
    };
    for (enc, ext) in [("br", "br"), ("gzip", "gz")] {
        let copy = PathBuf::from(format!("{}.{ext}", path.display()));
        if takes(enc) && copy.is_file() {
            return (copy, Some(enc));
        }
    }
    (path.to_path_buf(), None)
}

impl Server {
    /// Starts serving `root` on host:port (port 0 picks a free one) in a background thread.
    pub fn start(host: &str, port: u16, root: &Path) -> Result<Server, String> {
        let listener = TcpListener::bind((host, port))
            .map_err(|e| format!("cannot listen on {host}:{port}: {e}"))?;
        let addr = listener
            .local_addr()
            .map(|a| a.to_string())
            .map_err(|e| format!("cannot listen on {host}:{port}: {e}"))?;
        let root = root.to_path_buf();
        let handle = std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                // Each connection on its own thread: a client that stops reading (a page
                // being closed) must not hold up the requests of every other page.
                let root = root.clone();
                std::thread::spawn(move || answer(stream, &root));
            }
        });
        Ok(Server { addr, handle })
    }

    pub fn join(self) {
        let _ = self.handle.join();
    }
}

/// The request line and headers of one request, read up to the blank line.
fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut byte).ok()?;
        if n == 0 || head.len() > 64 * 1024 {
            return None;
        }
        head.extend_from_slice(&byte[..n]);
    }
    String::from_utf8(head).ok()
}

/// Answers the one request on `stream` from the files under `root`, then closes the
/// connection. One request per connection, closed cleanly (our side's writing shut
/// first, then the client's end read to its close) so that no answer is cut short by a
/// reset; browsers open a new connection per file, which costs nothing on one machine.
fn answer(mut stream: TcpStream, root: &Path) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Some(head) = read_head(&mut stream) else {
        return;
    };
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let (method, url) = (first.next().unwrap_or(""), first.next().unwrap_or("/"));
    let accept = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("Accept-Encoding"))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    let (status, kind, enc, body) = match (method, resolve(root, url)) {
        ("GET" | "HEAD", Some(p)) => {
            let (file, enc) = encoded(&p, &accept);
            match std::fs::read(&file) {
                Ok(body) => ("200 OK", mime(&p), enc, body),
                Err(_) => (
                    "404 Not Found",
                    "text/plain",
                    None,
                    b"404 not found".to_vec(),
                ),
            }
        }
        ("GET" | "HEAD", None) => (
            "404 Not Found",
            "text/plain",
            None,
            b"404 not found".to_vec(),
        ),
        _ => (
            "405 Method Not Allowed",
            "text/plain",
            None,
            b"405 method not allowed".to_vec(),
        ),
    };
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Vary: Accept-Encoding\r\nCross-Origin-Opener-Policy: same-origin\r\n\
         Cross-Origin-Embedder-Policy: require-corp\r\n\
         Cross-Origin-Resource-Policy: cross-origin\r\nCache-Control: no-cache\r\n\
         Connection: close\r\n",
        body.len()
    );
    if let Some(e) = enc {
        out.push_str(&format!("Content-Encoding: {e}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    if method != "HEAD" {
        bytes.extend_from_slice(&body);
    }
    if stream
        .write_all(&bytes)
        .and_then(|_| stream.flush())
        .is_err()
    {
        return;
    }
    let _ = stream.shutdown(Shutdown::Write);
    // Read until the client closes its end, so our close does not reset the connection.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut sink = [0u8; 1024];
    while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_outside_the_root() {
        let root = std::env::temp_dir().join(format!("genlab-serve-{}", std::process::id()));
        std::fs::create_dir_all(root.join("pkg")).unwrap();
        std::fs::write(root.join("index.html"), "hi").unwrap();
        std::fs::write(root.join("pkg/a.wasm"), "x").unwrap();
        assert_eq!(resolve(&root, "/"), Some(root.join("index.html")));
        assert_eq!(
            resolve(&root, "/pkg/a.wasm?v=1"),
            Some(root.join("pkg/a.wasm"))
        );
        assert_eq!(resolve(&root, "/../etc/passwd"), None);
        assert_eq!(resolve(&root, "/missing"), None);
        assert_eq!(mime(Path::new("x.wasm")), "application/wasm");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn sends_the_compressed_copy_the_browser_accepts() {
        let root = std::env::temp_dir().join(format!("genlab-serve3-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let f = root.join("a.wasm");
        std::fs::write(&f, "x").unwrap();
        std::fs::write(root.join("a.wasm.gz"), "g").unwrap();
        assert_eq!(encoded(&f, ""), (f.clone(), None));
        assert_eq!(
            encoded(&f, "gzip, deflate, br"),
            (root.join("a.wasm.gz"), Some("gzip"))
        );
        std::fs::write(root.join("a.wasm.br"), "b").unwrap();
        assert_eq!(
            encoded(&f, "gzip, deflate, br"),
            (root.join("a.wasm.br"), Some("br"))
        );
        assert_eq!(
            encoded(&f, "deflate;q=1, gzip;q=0.5"),
            (root.join("a.wasm.gz"), Some("gzip"))
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn serves_with_isolation_headers() {
        use std::io::{Read, Write};
        let root = std::env::temp_dir().join(format!("genlab-serve2-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("index.html"), "<p>hi</p>").unwrap();
        let s = Server::start("127.0.0.1", 0, &root).unwrap();
        let mut c = std::net::TcpStream::connect(&s.addr).unwrap();
        c.write_all(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
        let mut resp = String::new();
        c.read_to_string(&mut resp).unwrap();
        assert!(
            resp.starts_with("HTTP/1.1 200") || resp.starts_with("HTTP/1.0 200"),
            "{resp}"
        );
        assert!(resp.contains("Cross-Origin-Opener-Policy: same-origin"));
        assert!(resp.contains("Cross-Origin-Embedder-Policy: require-corp"));
        assert!(resp.ends_with("<p>hi</p>"));
        std::fs::remove_dir_all(&root).unwrap();
    }

    /// Many clients at once each get the whole file, and HEAD gets the headers alone.
    #[test]
    fn every_client_gets_the_whole_file() {
        use std::io::{Read, Write};
        let root = std::env::temp_dir().join(format!("genlab-serve4-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(root.join("big.wasm"), &body).unwrap();
        let s = Server::start("127.0.0.1", 0, &root).unwrap();
        let fetch = |req: &'static str| {
            let mut c = std::net::TcpStream::connect(&s.addr).unwrap();
            c.write_all(req.as_bytes()).unwrap();
            let mut resp = Vec::new();
            c.read_to_end(&mut resp).unwrap();
            resp
        };
        std::thread::scope(|sc| {
            let all: Vec<_> = (0..24)
                .map(|_| sc.spawn(|| fetch("GET /big.wasm HTTP/1.1\r\nHost: x\r\n\r\n")))
                .collect();
            for h in all {
                let resp = h.join().unwrap();
                let split = resp.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                let head = String::from_utf8_lossy(&resp[..split]);
                assert!(head.contains("Content-Type: application/wasm"), "{head}");
                assert!(head.contains("Content-Length: 300000"), "{head}");
                assert_eq!(&resp[split..], &body[..]);
            }
        });
        let head = fetch("HEAD /big.wasm HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(head.ends_with(b"\r\n\r\n"));
        let post = String::from_utf8(fetch("POST / HTTP/1.1\r\nHost: x\r\n\r\n")).unwrap();
        assert!(post.starts_with("HTTP/1.1 405"), "{post}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
