//! The downloader against a real HTTP server on loopback (private hosts
//! allowed, as in development). Refusals are tested with the deny list on a
//! second loopback address, so no traffic leaves 127.0.0.0/8.

use std::net::IpAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;
use videoagent_fetch::{FetchConfig, FetchError, Fetcher};

/// Serves a few behaviours by path; returns the base URL.
async fn test_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
                let head = |status: &str, extra: &str| format!("HTTP/1.1 {status}\r\nConnection: close\r\n{extra}\r\n");
                match path.as_str() {
                    "/ok" => {
                        let body = vec![7u8; 1000];
                        let _ = sock.write_all(head("200 OK", "Content-Length: 1000\r\n").as_bytes()).await;
                        let _ = sock.write_all(&body).await;
                    }
                    "/404" => {
                        let _ = sock.write_all(head("404 Not Found", "Content-Length: 0\r\n").as_bytes()).await;
                    }
                    "/slow" => {
                        // Headers and a little data, then nothing: the total timeout must end it.
                        let _ = sock.write_all(head("200 OK", "Content-Length: 100000\r\n").as_bytes()).await;
                        let _ = sock.write_all(&[1u8; 10]).await;
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    }
                    "/endless" => {
                        // No length, data forever (bounded here so the task ends by itself).
                        let _ = sock.write_all(head("200 OK", "").as_bytes()).await;
                        let chunk = vec![0u8; 64 * 1024];
                        for _ in 0..1000 {
                            if sock.write_all(&chunk).await.is_err() {
                                break;
                            }
                        }
                    }
                    "/declared-huge" => {
                        let _ = sock.write_all(head("200 OK", "Content-Length: 900000000\r\n").as_bytes()).await;
                    }
                    "/loop" => {
                        let _ = sock
                            .write_all(head("302 Found", "Location: /loop\r\nContent-Length: 0\r\n").as_bytes())
                            .await;
                    }
                    "/to-denied" => {
                        let loc = format!("Location: http://127.0.0.2:{port}/ok\r\nContent-Length: 0\r\n");
                        let _ = sock.write_all(head("302 Found", &loc).as_bytes()).await;
                    }
                    p if p.starts_with("/r/") => {
                        let n: u32 = p[3..].parse().unwrap_or(0);
                        let next = if n == 0 { "/ok".to_string() } else { format!("/r/{}", n - 1) };
                        let loc = format!("Location: {next}\r\nContent-Length: 0\r\n");
                        let _ = sock.write_all(head("301 Moved Permanently", &loc).as_bytes()).await;
                    }
                    _ => {
                        let _ =
                            sock.write_all(head("500 Internal Server Error", "Content-Length: 0\r\n").as_bytes()).await;
                    }
                }
            });
        }
    });
    format!("http://127.0.0.1:{port}")
}

fn fetcher() -> Fetcher {
    Fetcher::new(FetchConfig {
        allow_private: true,
        max_bytes: 1024 * 1024,
        connect_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_secs(1),
        max_redirects: 5,
        deny: vec!["127.0.0.2".parse::<IpAddr>().unwrap()],
    })
    .unwrap()
}

async fn get(base: &str, path: &str) -> Result<Vec<u8>, FetchError> {
    fetcher().get_bytes(&Url::parse(&format!("{base}{path}")).unwrap()).await
}

#[tokio::test]
async fn success_and_http_errors() {
    let base = test_server().await;
    assert_eq!(get(&base, "/ok").await.unwrap(), vec![7u8; 1000]);
    assert_eq!(get(&base, "/404").await, Err(FetchError::Status(404)));
    assert_eq!(get(&base, "/404").await.unwrap_err().to_string(), "could not download image (HTTP 404)");
    assert_eq!(get(&base, "/other").await, Err(FetchError::Status(500)));
}

#[tokio::test]
async fn slow_bodies_time_out() {
    let base = test_server().await;
    let started = Instant::now();
    assert_eq!(get(&base, "/slow").await, Err(FetchError::Timeout(1)));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn size_cap_stops_endless_and_declared_bodies() {
    let base = test_server().await;
    assert_eq!(get(&base, "/endless").await, Err(FetchError::TooLarge { limit: 1024 * 1024 }));
    assert_eq!(get(&base, "/declared-huge").await, Err(FetchError::TooLarge { limit: 1024 * 1024 }));
}

#[tokio::test]
async fn redirects_are_followed_counted_and_rechecked() {
    let base = test_server().await;
    // /r/N answers N+1 redirects before /ok.
    assert_eq!(get(&base, "/r/4").await.unwrap().len(), 1000, "5 redirects are allowed");
    assert_eq!(get(&base, "/r/5").await, Err(FetchError::TooManyRedirects(5)));
    assert_eq!(get(&base, "/loop").await, Err(FetchError::TooManyRedirects(5)));
    // A redirect to a refused address is refused before any connection to it.
    assert_eq!(
        get(&base, "/to-denied").await,
        Err(FetchError::RefusedAddress { host: "127.0.0.2".into(), reason: "denied" })
    );
}

#[tokio::test]
async fn refused_without_the_development_switch() {
    let base = test_server().await;
    let strict = Fetcher::new(FetchConfig::default()).unwrap();
    let err = strict.get_bytes(&Url::parse(&format!("{base}/ok")).unwrap()).await.unwrap_err();
    assert_eq!(err, FetchError::RefusedAddress { host: "127.0.0.1".into(), reason: "loopback" });
}
