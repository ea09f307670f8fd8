//! [`Receiver`]: a loopback HTTP server for the server under test to call,
//! as a callback receiver or a host of image URLs. It records every request
//! and answers with whatever its handler returns.

use super::wait_for;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as received, and what it was answered.
#[derive(Clone)]
pub struct Request {
    pub method: String,
    /// The URL's path, e.g. `/hook`.
    pub path: String,
    /// Names in lower case.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    /// The HTTP status answered, or `None` if the connection was dropped instead.
    pub answered: Option<u16>,
}

impl Request {
    /// The body as JSON (`Null` if it isn't).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// A header's value; panics if the request did not have it.
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).unwrap_or_else(|| panic!("no {name} header in {self:?}"))
    }

    /// The `challenge` of a callback verification request.
    pub fn challenge(&self) -> Option<String> {
        self.json().get("challenge")?.as_str().map(String::from)
    }

    pub fn answered_2xx(&self) -> bool {
        self.answered.is_some_and(|s| (200..300).contains(&s))
    }
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body = String::from_utf8_lossy(&self.body[..self.body.len().min(400)]).into_owned();
        write!(f, "{} {} -> {:?} {body}", self.method, self.path, self.answered)
    }
}

/// How to answer a request.
#[derive(Clone, Debug)]
pub struct Reply {
    status: u16,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    /// Waited before answering (or dropping).
    delay: Duration,
    /// Close the connection without an answer.
    drop: bool,
}

impl Reply {
    /// This status and an empty body.
    pub fn status(status: u16) -> Reply {
        Reply { status, content_type: None, body: Vec::new(), delay: Duration::ZERO, drop: false }
    }

    /// 200 with a JSON body.
    pub fn json(v: &Value) -> Reply {
        Reply { content_type: Some("application/json"), body: v.to_string().into_bytes(), ..Reply::status(200) }
    }

    /// 200 with these bytes.
    pub fn bytes(body: Vec<u8>) -> Reply {
        Reply { body, ..Reply::status(200) }
    }

    /// 200 `{"challenge": "<challenge>"}`: a callback verification passed.
    pub fn echo(challenge: &str) -> Reply {
        Reply::json(&json!({ "challenge": challenge }))
    }

    /// No answer: the connection is closed.
    pub fn drop_connection() -> Reply {
        Reply { drop: true, ..Reply::status(0) }
    }

    pub fn with_status(self, status: u16) -> Reply {
        Reply { status, ..self }
    }

    /// Answer only after `delay` (a slow receiver).
    pub fn after(self, delay: Duration) -> Reply {
        Reply { delay, ..self }
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

struct Shared {
    log: Mutex<Vec<Request>>,
    handler: Mutex<Arc<Handler>>,
}

/// A server on `127.0.0.1:0`, on a thread and runtime of its own (so it
/// answers while a test blocks). Stops when dropped.
pub struct Receiver {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    /// Answers every request with `handler(request)`; the request is logged
    /// (with that answer) before any delay the reply asks for.
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Receiver {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared { log: Mutex::default(), handler: Mutex::new(Arc::new(handler)) });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = shared.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                tokio::pin!(stopped);
                loop {
                    let sock = tokio::select! {
                        _ = &mut stopped => return,
                        accepted = listener.accept() => match accepted {
                            Ok((sock, _)) => sock,
                            Err(_) => continue,
                        },
                    };
                    let shared = serving.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |req| {
                            let shared = shared.clone();
                            async move { shared.answer(req).await }
                        });
                        let _ =
                            http1::Builder::new().serve_connection(hyper_util::rt::TokioIo::new(sock), service).await;
                    });
                }
            });
        });
        Receiver { addr, shared, stop: Some(stop), thread: Some(thread) }
    }

    /// Serves files: `GET /<name>` answers the first of `dirs` holding `name`, else 404.
    pub fn files(dirs: Vec<PathBuf>) -> Receiver {
        Receiver::start(move |req| {
            let name = req.path.trim_start_matches('/');
            match dirs.iter().find_map(|d| std::fs::read(d.join(name)).ok()) {
                Some(bytes) => Reply::bytes(bytes),
                None => Reply::status(404),
            }
        })
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Answers from now on with `handler`.
    pub fn set_handler(&self, handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) {
        *self.shared.handler.lock().unwrap() = Arc::new(handler);
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.log.lock().unwrap().clone()
    }

    /// Requests for `path` so far.
    pub fn hits(&self, path: &str) -> usize {
        self.requests().iter().filter(|r| r.path == path).count()
    }

    /// Polls the log until `check` finds what it waits for; panics with the
    /// log after `deadline`.
    pub async fn wait_for_log<T>(&self, what: &str, deadline: Duration, check: impl Fn(&[Request]) -> Option<T>) -> T {
        wait_for(what, deadline, async || {
            let log = self.requests();
            check(&log).ok_or(log)
        })
        .await
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.stop.take().map(|s| s.send(()));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Closing the connection without an answer (hyper does so when a service fails).
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

impl Shared {
    async fn answer(&self, req: hyper::Request<Incoming>) -> Result<hyper::Response<Full<Bytes>>, Dropped> {
        let (parts, body) = req.into_parts();
        let body = body.collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
        let headers = parts
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let mut request = Request {
            method: parts.method.to_string(),
            path: parts.uri.path().to_string(),
            headers,
            body,
            answered: None,
        };
        let handler = self.handler.lock().unwrap().clone();
        let reply = handler(&request);
        request.answered = (!reply.drop).then_some(reply.status);
        self.log.lock().unwrap().push(request);
        if !reply.delay.is_zero() {
            tokio::time::sleep(reply.delay).await;
        }
        if reply.drop {
            return Err(Dropped);
        }
        let mut resp = hyper::Response::builder().status(reply.status);
        if let Some(ct) = reply.content_type {
            resp = resp.header("content-type", ct);
        }
        Ok(resp.body(Full::new(Bytes::from(reply.body))).unwrap())
    }
}
