//! Signed, expiring download URLs: `sig = hex(HMAC-SHA256(secret, "<task_id>.<expires>"))`.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("bad signature")]
    Bad,
    #[error("link expired")]
    Expired,
}

#[derive(Clone)]
pub struct UrlSigner {
    secret: Vec<u8>,
    /// Base URL clients reach this server at, without a trailing slash.
    public_base: String,
}

impl UrlSigner {
    pub fn new(secret: Vec<u8>, public_base: &str) -> Self {
        UrlSigner { secret, public_base: public_base.trim_end_matches('/').to_string() }
    }

    fn sign(&self, task_id: &str, expires: i64) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(task_id.as_bytes());
        mac.update(b".");
        mac.update(expires.to_string().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The download URL of a task's video, valid until `expires` (Unix seconds).
    pub fn video_url(&self, task_id: &str, expires: i64) -> String {
        format!("{}/files/videos/{task_id}.mp4?expires={expires}&sig={}", self.public_base, self.sign(task_id, expires))
    }

    /// Checks a presented signature (constant time) and expiry.
    pub fn verify(&self, task_id: &str, expires: i64, sig: &str, now_secs: i64) -> Result<(), SignatureError> {
        let want = self.sign(task_id, expires);
        if want.as_bytes().ct_eq(sig.as_bytes()).unwrap_u8() != 1 {
            return Err(SignatureError::Bad);
        }
        if now_secs > expires {
            return Err(SignatureError::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify() {
        let s = UrlSigner::new(b"secret".to_vec(), "http://h:1/");
        let url = s.video_url("123", 1000);
        assert!(url.starts_with("http://h:1/files/videos/123.mp4?expires=1000&sig="));
        let sig = url.rsplit("sig=").next().unwrap();
        assert_eq!(s.verify("123", 1000, sig, 999), Ok(()));
        assert_eq!(s.verify("123", 1000, sig, 1001), Err(SignatureError::Expired));
        assert_eq!(s.verify("124", 1000, sig, 999), Err(SignatureError::Bad));
        assert_eq!(s.verify("123", 1001, sig, 999), Err(SignatureError::Bad));
        let other = UrlSigner::new(b"other".to_vec(), "http://h:1");
        assert_eq!(other.verify("123", 1000, sig, 999), Err(SignatureError::Bad));
    }
}
