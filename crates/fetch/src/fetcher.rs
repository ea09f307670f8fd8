//! The SSRF-guarded downloader.

use crate::classify::{refusal_reason, IpClass};
use futures_util::StreamExt;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use url::{Host, Url};

/// Why a fetch failed, worded for the person who sent the URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("URL must be http or https")]
    BadScheme,
    #[error("URLs with credentials are not allowed")]
    Credentials,
    #[error("host {host} is not allowed ({reason} address)")]
    RefusedAddress { host: String, reason: &'static str },
    #[error("could not resolve host {0}")]
    Resolve(String),
    #[error("could not connect to {0}")]
    Connect(String),
    #[error("could not download image (HTTP {0})")]
    Status(u16),
    #[error("too many redirects (max {0})")]
    TooManyRedirects(usize),
    #[error("redirect without a valid Location")]
    BadRedirect,
    #[error("download timed out after {0} s")]
    Timeout(u64),
    #[error("image is {limit} bytes or more, must be under 20 MB")]
    TooLarge { limit: u64 },
    #[error("download failed: {0}")]
    Body(String),
}

/// Looks up the addresses of a host. Replaceable so tests can play DNS.
pub trait HostResolver: Send + Sync + 'static {
    fn lookup(&self, host: String) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>>;
}

/// The operating system's resolver.
pub struct SystemResolver;

impl HostResolver for SystemResolver {
    fn lookup(&self, host: String) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>> {
        Box::pin(async move { Ok(tokio::net::lookup_host((host.as_str(), 0)).await?.map(|a| a.ip()).collect()) })
    }
}

#[derive(Clone)]
pub struct FetchConfig {
    /// Development switch: allow loopback/private destinations.
    pub allow_private: bool,
    /// Responses of this many bytes or more are refused.
    pub max_bytes: u64,
    pub connect_timeout: Duration,
    /// Whole fetch, redirects included.
    pub total_timeout: Duration,
    pub max_redirects: usize,
    /// Addresses refused even when private hosts are allowed (an operator deny list).
    pub deny: Vec<IpAddr>,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            allow_private: false,
            max_bytes: 20 * 1024 * 1024,
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
            max_redirects: 5,
            deny: Vec::new(),
        }
    }
}

/// A refusal raised inside the DNS step; found again in reqwest's error chain.
#[derive(Debug)]
struct Refused {
    host: String,
    class: IpClass,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} resolves to a refused {} address", self.host, self.class.as_str())
    }
}
impl std::error::Error for Refused {}

/// reqwest's DNS hook: resolves with the configured resolver and refuses the
/// host if any answer is a refused address. reqwest connects to exactly the
/// addresses returned here, so a second (rebinding) lookup can't change them.
struct GuardedDns {
    inner: Arc<dyn HostResolver>,
    allow_private: bool,
    deny: Arc<[IpAddr]>,
}

impl reqwest::dns::Resolve for GuardedDns {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        let lookup = self.inner.lookup(host.clone());
        let (allow_private, deny) = (self.allow_private, self.deny.clone());
        Box::pin(async move {
            let addrs = lookup.await?;
            let checked = check_addrs(&host, &addrs, allow_private, &deny)?;
            let iter: reqwest::dns::Addrs = Box::new(checked.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(iter)
        })
    }
}

/// Why `ip` may not be reached under this policy.
fn refused(ip: IpAddr, allow_private: bool, deny: &[IpAddr]) -> Option<IpClass> {
    if deny.contains(&ip) {
        return Some(IpClass::Denied);
    }
    if allow_private {
        None
    } else {
        refusal_reason(ip)
    }
}

fn check_addrs(
    host: &str,
    addrs: &[IpAddr],
    allow_private: bool,
    deny: &[IpAddr],
) -> Result<Vec<IpAddr>, Box<dyn std::error::Error + Send + Sync>> {
    if addrs.is_empty() {
        return Err(format!("no addresses for {host}").into());
    }
    // One refused answer refuses the host: a name that mixes public and
    // private addresses is an attack or a misconfiguration either way.
    if let Some(class) = addrs.iter().find_map(|ip| refused(*ip, allow_private, deny)) {
        return Err(Box::new(Refused { host: host.to_string(), class }));
    }
    Ok(addrs.to_vec())
}

/// Create-time check without DNS (api.md section 9): http(s), no credentials,
/// and no `localhost` or refused IP literal unless private hosts are allowed.
pub fn check_url_at_create(url: &Url, allow_private: bool) -> Result<(), FetchError> {
    check_url(url, allow_private, &[])
}

fn check_url(url: &Url, allow_private: bool, deny: &[IpAddr]) -> Result<(), FetchError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::BadScheme);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FetchError::Credentials);
    }
    let error = |host: String, class: IpClass| FetchError::RefusedAddress { host, reason: class.as_str() };
    let literal = |ip: IpAddr| refused(ip, allow_private, deny).map_or(Ok(()), |c| Err(error(ip.to_string(), c)));
    match url.host() {
        None => Err(FetchError::BadScheme),
        Some(Host::Ipv4(ip)) => literal(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => literal(IpAddr::V6(ip)),
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            if !allow_private && (d == "localhost" || d.ends_with(".localhost")) {
                Err(error(d, IpClass::Loopback))
            } else {
                Ok(())
            }
        }
    }
}

/// Downloads user-supplied URLs under the rules above.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    config: FetchConfig,
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Result<Self, FetchError> {
        Self::with_resolver(config, Arc::new(SystemResolver))
    }

    pub fn with_resolver(config: FetchConfig, resolver: Arc<dyn HostResolver>) -> Result<Self, FetchError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .no_proxy()
            .user_agent(concat!("videoagent/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(GuardedDns {
                inner: resolver,
                allow_private: config.allow_private,
                deny: config.deny.clone().into(),
            }))
            .build()
            .map_err(|e| FetchError::Body(format!("HTTP client setup failed: {e}")))?;
        Ok(Fetcher { client, config })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// GETs `url`, following up to `max_redirects` redirects (each re-checked),
    /// and returns the body, which is always under `max_bytes`.
    pub async fn get_bytes(&self, url: &Url) -> Result<Vec<u8>, FetchError> {
        let total = self.config.total_timeout;
        match tokio::time::timeout(total, self.get_inner(url.clone())).await {
            Ok(r) => r,
            Err(_) => Err(FetchError::Timeout(total.as_secs().max(1))),
        }
    }

    async fn get_inner(&self, mut url: Url) -> Result<Vec<u8>, FetchError> {
        let mut redirects = 0;
        loop {
            check_url(&url, self.config.allow_private, &self.config.deny)?;
            let resp = self.client.get(url.clone()).send().await.map_err(|e| send_error(&url, &e))?;
            let status = resp.status();
            if status.is_redirection() {
                redirects += 1;
                if redirects > self.config.max_redirects {
                    return Err(FetchError::TooManyRedirects(self.config.max_redirects));
                }
                let location = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or(FetchError::BadRedirect)?;
                url = url.join(location).map_err(|_| FetchError::BadRedirect)?;
                continue;
            }
            if !status.is_success() {
                return Err(FetchError::Status(status.as_u16()));
            }
            return self.read_capped(resp).await;
        }
    }

    /// POSTs a JSON body (callbacks) under the same address rules. Redirects
    /// are not followed (a 3xx is just a non-2xx answer); at most
    /// `max_response` bytes of the answer are read, the rest is ignored, and
    /// with `max_response == 0` the answer is decided by its status line alone.
    pub async fn post_json(
        &self,
        url: &Url,
        headers: &[(&str, String)],
        body: Vec<u8>,
        timeout: Duration,
        max_response: usize,
    ) -> Result<(u16, Vec<u8>), FetchError> {
        let work = async {
            check_url(url, self.config.allow_private, &self.config.deny)?;
            let mut req = self.client.post(url.clone()).header(reqwest::header::CONTENT_TYPE, "application/json");
            for (name, value) in headers {
                req = req.header(*name, value);
            }
            let resp = req.body(body).send().await.map_err(|e| send_error(url, &e))?;
            let status = resp.status().as_u16();
            let mut answer = Vec::new();
            if max_response == 0 {
                return Ok((status, answer));
            }
            let mut stream = resp.bytes_stream();
            while let Some(chunk) = stream.next().await {
                let Ok(chunk) = chunk else { break };
                let room = max_response.saturating_sub(answer.len());
                answer.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if answer.len() >= max_response {
                    break;
                }
            }
            Ok((status, answer))
        };
        match tokio::time::timeout(timeout, work).await {
            Ok(r) => r,
            Err(_) => Err(FetchError::Timeout(timeout.as_secs())),
        }
    }

    async fn read_capped(&self, resp: reqwest::Response) -> Result<Vec<u8>, FetchError> {
        let limit = self.config.max_bytes;
        if resp.content_length().is_some_and(|n| n >= limit) {
            return Err(FetchError::TooLarge { limit });
        }
        let mut body = Vec::new();
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| FetchError::Body(e.without_url().to_string()))?;
            if body.len() as u64 + chunk.len() as u64 >= limit {
                return Err(FetchError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// Maps a send error, finding our own DNS refusal in the chain.
fn send_error(url: &Url, e: &reqwest::Error) -> FetchError {
    let host = url.host_str().unwrap_or("").to_string();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(r) = err.downcast_ref::<Refused>() {
            return FetchError::RefusedAddress { host: r.host.clone(), reason: r.class.as_str() };
        }
        source = err.source();
    }
    if e.is_timeout() {
        FetchError::Connect(format!("{host} (timed out)"))
    } else if e.is_connect() {
        let dns = format!("{e:?}").contains("dns error") || format!("{e:?}").contains("no addresses");
        if dns {
            FetchError::Resolve(host)
        } else {
            FetchError::Connect(host)
        }
    } else {
        FetchError::Body(e.to_string().replace(url.as_str(), "<url>"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct FixedResolver(Vec<IpAddr>);
    impl HostResolver for FixedResolver {
        fn lookup(&self, _host: String) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>> {
            let v = self.0.clone();
            Box::pin(async move { Ok(v) })
        }
    }

    /// Answers a public address first and loopback afterwards (DNS rebinding).
    struct Rebinding(std::sync::atomic::AtomicUsize);
    impl HostResolver for Rebinding {
        fn lookup(&self, _host: String) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>> {
            let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let ip: IpAddr = if n == 0 { "8.8.8.8".parse().unwrap() } else { "127.0.0.1".parse().unwrap() };
            Box::pin(async move { Ok(vec![ip]) })
        }
    }

    #[test]
    fn create_time_checks() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(check_url_at_create(&u("https://example.com/a.jpg"), false).is_ok());
        assert!(check_url_at_create(&u("http://93.184.216.34/a.jpg"), false).is_ok());
        for bad in [
            "http://localhost/x",
            "http://LOCALHOST./x",
            "http://a.localhost/x",
            "http://127.0.0.1/x",
            "http://[::1]/x",
            "http://10.0.0.1/x",
            "http://169.254.169.254/latest",
            "http://[::ffff:192.168.0.1]/x",
            "http://0x7f000001/x",
        ] {
            assert!(matches!(check_url_at_create(&u(bad), false), Err(FetchError::RefusedAddress { .. })), "{bad}");
            assert!(check_url_at_create(&u(bad), true).is_ok(), "{bad} allowed by switch");
        }
        assert_eq!(check_url_at_create(&u("https://a:b@example.com/"), true), Err(FetchError::Credentials));
        assert_eq!(check_url_at_create(&u("ftp://example.com/"), true), Err(FetchError::BadScheme));
    }

    #[test]
    fn mixed_answers_are_refused_whole() {
        let ips: Vec<IpAddr> = vec!["8.8.8.8".parse().unwrap(), "10.0.0.7".parse().unwrap()];
        assert!(check_addrs("h", &ips, false, &[]).is_err());
        assert_eq!(check_addrs("h", &ips, true, &[]).unwrap().len(), 2);
        assert!(check_addrs("h", &ips[..1], false, &[]).is_ok());
        assert!(
            check_addrs("h", &ips[..1], true, &ips[..1]).is_err(),
            "deny list applies even when private is allowed"
        );
    }

    /// The resolver hook is consulted and a refused answer ends the fetch before
    /// any connection is made (no traffic leaves the machine).
    #[tokio::test]
    async fn resolver_hook_refuses_private_answers() {
        let resolver = Arc::new(FixedResolver(vec!["8.8.8.8".parse().unwrap(), "192.168.1.10".parse().unwrap()]));
        let f = Fetcher::with_resolver(FetchConfig::default(), resolver).unwrap();
        let err = f.get_bytes(&Url::parse("http://images.example/x.jpg").unwrap()).await.unwrap_err();
        assert_eq!(err, FetchError::RefusedAddress { host: "images.example".into(), reason: "private" });
    }

    /// The DNS guard's decision is per lookup and the connection uses the
    /// addresses it returned: a second lookup answering loopback is refused.
    #[tokio::test]
    async fn rebinding_second_answer_is_refused() {
        let resolver = Arc::new(Rebinding(Default::default()));
        let dns = GuardedDns { inner: resolver, allow_private: false, deny: Arc::new([]) };
        use reqwest::dns::Resolve;
        let first: Vec<SocketAddr> = dns.resolve("h.example".parse().unwrap()).await.unwrap().collect();
        assert_eq!(first[0].ip().to_string(), "8.8.8.8");
        let second = dns.resolve("h.example".parse().unwrap()).await;
        assert!(second.is_err());
    }
}
