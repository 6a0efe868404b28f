//! A static file server for the built site, with the headers Genlab needs:
//! correct MIME types (application/wasm for streaming compilation) and cross-origin
//! isolation (COOP/COEP), which wasm threads will need.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use tiny_http::{Header, Response, StatusCode};

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

fn header(k: &str, v: &str) -> Header {
    Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("valid header")
}

impl Server {
    /// Starts serving `root` on host:port (port 0 picks a free one) in a background thread.
    pub fn start(host: &str, port: u16, root: &Path) -> Result<Server, String> {
        let server = tiny_http::Server::http((host, port))
            .map_err(|e| format!("cannot listen on {host}:{port}: {e}"))?;
        let addr = server
            .server_addr()
            .to_ip()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let server = Arc::new(server);
        let root = root.to_path_buf();
        let handle = std::thread::spawn(move || {
            for req in server.incoming_requests() {
                // Each answer on its own thread: a client that stops reading (a page being
                // closed) must not hold up the requests of every other page.
                let root = root.clone();
                std::thread::spawn(move || respond(req, &root));
            }
        });
        Ok(Server { addr, handle })
    }

    pub fn join(self) {
        let _ = self.handle.join();
    }
}

/// Answers one request from the files under `root`.
fn respond(req: tiny_http::Request, root: &Path) {
    let accept = req
        .headers()
        .iter()
        .find(|h| h.field.equiv("Accept-Encoding"))
        .map(|h| h.value.as_str().to_string())
        .unwrap_or_default();
    let resp = match resolve(root, req.url()).map(|p| {
        let (file, enc) = encoded(&p, &accept);
        (p, file, enc)
    }) {
        Some((p, file, enc)) if file.is_file() => {
            let body = std::fs::read(&file).unwrap_or_default();
            let r = Response::from_data(body)
                .with_header(header("Content-Type", mime(&p)))
                .with_header(header("Vary", "Accept-Encoding"));
            match enc {
                Some(e) => r.with_header(header("Content-Encoding", e)),
                None => r,
            }
        }
        _ => Response::from_data(b"404 not found".to_vec())
            .with_status_code(StatusCode(404))
            .with_header(header("Content-Type", "text/plain")),
    };
    let resp = resp
        .with_header(header("Cross-Origin-Opener-Policy", "same-origin"))
        .with_header(header("Cross-Origin-Embedder-Policy", "require-corp"))
        .with_header(header("Cross-Origin-Resource-Policy", "cross-origin"))
        .with_header(header("Cache-Control", "no-cache"));
    let _ = req.respond(resp);
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
}
