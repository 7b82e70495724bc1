//! cedc packages as OCI artifacts: `cedc publish` pushes a library's files to a
//! registry, `cedc fetch` pulls them, over the OCI Distribution API.
//!
//! An artifact is an OCI image manifest whose `artifactType` is [`ARTIFACT_TYPE`], with
//! the empty config and one layer: a gzipped tar of the package's files
//! ([`LAYER_TYPE`]), written deterministically (sorted paths, zero times and owners), so
//! publishing the same files twice gives the same digests. Every blob read is checked
//! against its digest; a manifest pinned by digest is checked too.
//!
//! HTTP is ureq's; this file holds only the protocol's few requests: manifests and blobs
//! by digest, the monolithic blob upload (POST, then PUT with the digest), and the
//! registry token handshake (a 401 naming a Bearer realm, answered anonymously or with
//! `CEDC_REGISTRY_USERNAME`/`CEDC_REGISTRY_PASSWORD`). `localhost` and loopback
//! registries are spoken to over plain HTTP, every other one over HTTPS.

use cedc_driver::packages::{self, PackageFiles};
use sha2::{Digest, Sha256};
use std::io::Read;

pub const ARTIFACT_TYPE: &str = "application/vnd.cedc.package.v1";
pub const LAYER_TYPE: &str = "application/vnd.cedc.package.layer.v1.tar+gzip";
const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
const EMPTY_TYPE: &str = "application/vnd.oci.empty.v1+json";
/// Largest manifest read, and largest layer.
const MAX_MANIFEST: u64 = 4 << 20;
const MAX_LAYER: u64 = packages::MAX_BYTES;

/// `registry/repository` split, and the base URL of its API.
struct Repo {
    base: String,
    name: String,
}

impl Repo {
    fn parse(reference: &str) -> Result<Repo, String> {
        let (host, name) = reference
            .split_once('/')
            .filter(|(h, n)| !h.is_empty() && !n.is_empty())
            .ok_or_else(|| format!("`{reference}` is not `registry/repository`"))?;
        let bare = host.rsplit_once(':').map_or(host, |(h, _)| h);
        let local = matches!(bare, "localhost" | "127.0.0.1" | "[::1]");
        let scheme = if local { "http" } else { "https" };
        Ok(Repo { base: format!("{scheme}://{host}/v2/{name}"), name: name.to_string() })
    }
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", packages::hex(&Sha256::digest(bytes)))
}

/// A client for one repository, holding the token the registry handed out.
struct Client {
    agent: ureq::Agent,
    repo: Repo,
    token: Option<String>,
}

type Response = ureq::http::Response<ureq::Body>;

impl Client {
    fn new(reference: &str) -> Result<Client, String> {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(300)))
            .user_agent(concat!("cedc/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Client { agent: config.into(), repo: Repo::parse(reference)?, token: None })
    }

    /// Send a request, and once more with a token when the registry asks for one.
    fn send(
        &mut self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<Response, String> {
        let mut retried = false;
        loop {
            let mut req = ureq::http::Request::builder().method(method).uri(url);
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            if let Some(t) = &self.token {
                req = req.header("Authorization", format!("Bearer {t}"));
            }
            let req =
                req.body(body.unwrap_or_default().to_vec()).map_err(|e| format!("invalid request to {url}: {e}"))?;
            let resp = self.agent.run(req).map_err(|e| format!("{method} {url}: {e}"))?;
            if resp.status() != 401 || retried {
                return Ok(resp);
            }
            let challenge =
                resp.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            self.token = Some(self.authenticate(&challenge)?);
            retried = true;
        }
    }

    /// The token handshake: `Bearer realm="…",service="…",scope="…"`.
    fn authenticate(&self, challenge: &str) -> Result<String, String> {
        let Some(params) = challenge.strip_prefix("Bearer ") else {
            return Err(format!("the registry refused access ({challenge}); cedc speaks only its token protocol"));
        };
        let param = |key: &str| {
            params
                .split(',')
                .find_map(|p| p.trim().strip_prefix(key)?.strip_prefix("=\"")?.strip_suffix('"').map(str::to_string))
        };
        let realm = param("realm").ok_or("the registry's challenge names no realm")?;
        let mut url = realm.clone();
        let mut sep = if url.contains('?') { '&' } else { '?' };
        for key in ["service", "scope"] {
            if let Some(v) = param(key) {
                url.push_str(&format!("{sep}{key}={}", v.replace(' ', "%20")));
                sep = '&';
            }
        }
        let mut req = self.agent.get(&url);
        if let (Ok(user), Ok(password)) =
            (std::env::var("CEDC_REGISTRY_USERNAME"), std::env::var("CEDC_REGISTRY_PASSWORD"))
        {
            use base64::Engine as _;
            let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            req = req.header("Authorization", &format!("Basic {basic}"));
        }
        let mut resp = req.call().map_err(|e| format!("GET {realm}: {e}"))?;
        if resp.status() != 200 {
            return Err(format!(
                "the registry's token service answered {} (set CEDC_REGISTRY_USERNAME and CEDC_REGISTRY_PASSWORD for a private repository)",
                resp.status()
            ));
        }
        let body = resp.body_mut().with_config().limit(1 << 20).read_to_vec().map_err(|e| e.to_string())?;
        let json: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| format!("the token service's answer is not JSON: {e}"))?;
        json.get("token")
            .or_else(|| json.get("access_token"))
            .and_then(|t| t.as_str())
            .map(str::to_string)
            .ok_or_else(|| "the token service's answer holds no token".to_string())
    }

    fn read(resp: &mut Response, limit: u64, what: &str) -> Result<Vec<u8>, String> {
        resp.body_mut().with_config().limit(limit).read_to_vec().map_err(|e| format!("reading {what}: {e}"))
    }

    fn failed(&self, resp: &mut Response, what: &str) -> String {
        let body = Self::read(resp, 4096, what).unwrap_or_default();
        let detail = String::from_utf8_lossy(&body);
        format!("{what}: the registry answered {} {}", resp.status(), detail.trim())
    }

    /// A blob by digest, checked against it.
    fn blob(&mut self, digest: &str, limit: u64) -> Result<Vec<u8>, String> {
        let url = format!("{}/blobs/{digest}", self.repo.base);
        let mut resp = self.send("GET", &url, &[], None)?;
        if resp.status() != 200 {
            return Err(self.failed(&mut resp, &format!("blob {digest} of {}", self.repo.name)));
        }
        let bytes = Self::read(&mut resp, limit, "a blob")?;
        let found = sha256(&bytes);
        if found != digest {
            return Err(format!("the registry sent a blob whose digest is {found}, not the {digest} asked for"));
        }
        Ok(bytes)
    }

    fn upload(&mut self, bytes: &[u8]) -> Result<String, String> {
        let digest = sha256(bytes);
        let url = format!("{}/blobs/{digest}", self.repo.base);
        if self.send("HEAD", &url, &[], None)?.status() == 200 {
            return Ok(digest);
        }
        let start = format!("{}/blobs/uploads/", self.repo.base);
        let mut resp = self.send("POST", &start, &[("Content-Length", "0")], None)?;
        if resp.status() != 202 {
            return Err(self.failed(&mut resp, "starting an upload"));
        }
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or("the registry gave no upload location")?;
        let mut put = if location.starts_with('/') {
            let origin = self.repo.base.split("/v2/").next().unwrap_or_default();
            format!("{origin}{location}")
        } else {
            location.to_string()
        };
        put.push(if put.contains('?') { '&' } else { '?' });
        put.push_str(&format!("digest={}", digest.replace(':', "%3A")));
        let len = bytes.len().to_string();
        let headers = [("Content-Type", "application/octet-stream"), ("Content-Length", len.as_str())];
        let mut resp = self.send("PUT", &put, &headers, Some(bytes))?;
        if resp.status() != 201 {
            return Err(self.failed(&mut resp, "uploading a blob"));
        }
        Ok(digest)
    }
}

/// What a pull found: the manifest's digest and the package's files.
pub struct Pulled {
    pub digest: String,
    pub files: PackageFiles,
}

/// Pull `reference` at `digest` (checked) or `tag`.
pub fn pull(reference: &str, tag: Option<&str>, digest: Option<&str>) -> Result<Pulled, String> {
    let mut c = Client::new(reference)?;
    let target = digest.or(tag).ok_or("neither a tag nor a digest")?;
    let url = format!("{}/manifests/{target}", c.repo.base);
    let mut resp = c.send("GET", &url, &[("Accept", MANIFEST_TYPE)], None)?;
    if resp.status() != 200 {
        return Err(c.failed(&mut resp, &format!("the manifest {reference}:{target}")));
    }
    let bytes = Client::read(&mut resp, MAX_MANIFEST, "the manifest")?;
    let found = sha256(&bytes);
    if let Some(d) = digest
        && d != found
    {
        return Err(format!("the manifest of {reference} has the digest {found}, and cedc.toml pins {d}"));
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("the manifest of {reference} is not JSON: {e}"))?;
    let layer = manifest
        .get("layers")
        .and_then(|l| l.as_array())
        .and_then(|layers| layers.iter().find(|l| l.get("mediaType").and_then(|m| m.as_str()) == Some(LAYER_TYPE)))
        .and_then(|l| l.get("digest"))
        .and_then(|d| d.as_str())
        .ok_or_else(|| format!("{reference}:{target} is not a cedc package: it has no {LAYER_TYPE} layer"))?
        .to_string();
    let blob = c.blob(&layer, MAX_LAYER)?;
    Ok(Pulled { digest: found, files: untar(&blob)? })
}

/// Push a package's files as `reference:tag`; returns the manifest's digest.
pub fn push(reference: &str, tag: &str, files: &PackageFiles) -> Result<String, String> {
    let mut c = Client::new(reference)?;
    let layer = tar_gz(files)?;
    let layer_digest = c.upload(&layer)?;
    let config = b"{}";
    let config_digest = c.upload(config)?;
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "artifactType": ARTIFACT_TYPE,
        "config": { "mediaType": EMPTY_TYPE, "digest": config_digest, "size": config.len() },
        "layers": [{ "mediaType": LAYER_TYPE, "digest": layer_digest, "size": layer.len() }],
        "annotations": { "dev.cedc.package.hash": packages::content_hash(files) },
    });
    let body = serde_json::to_vec(&manifest).map_err(|e| e.to_string())?;
    let url = format!("{}/manifests/{tag}", c.repo.base);
    let len = body.len().to_string();
    let mut resp =
        c.send("PUT", &url, &[("Content-Type", MANIFEST_TYPE), ("Content-Length", len.as_str())], Some(&body))?;
    if resp.status() != 201 {
        return Err(c.failed(&mut resp, &format!("pushing the manifest {reference}:{tag}")));
    }
    Ok(sha256(&body))
}

/// The layer: a tar of the files, sorted, with zero times and owners, gzipped.
fn tar_gz(files: &PackageFiles) -> Result<Vec<u8>, String> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    for (path, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, path, bytes.as_slice()).map_err(|e| format!("packing {path}: {e}"))?;
    }
    let gz = tar.into_inner().map_err(|e| e.to_string())?;
    gz.finish().map_err(|e| e.to_string())
}

/// The package's files out of a tar (a layer, ungzipped, or `git archive`'s output):
/// regular files that belong to a package, within the size limits. Paths are
/// checked: nothing absolute, no `..`.
pub fn untar_files<R: Read>(reader: R) -> Result<PackageFiles, String> {
    let mut archive = tar::Archive::new(reader);
    let mut files = PackageFiles::new();
    let mut total = 0u64;
    for entry in archive.entries().map_err(|e| format!("not a tar archive: {e}"))? {
        let mut entry = entry.map_err(|e| format!("a broken tar entry: {e}"))?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let path =
            entry.path().map_err(|e| format!("a tar entry with a bad path: {e}"))?.to_string_lossy().into_owned();
        let path = path.trim_start_matches("./").to_string();
        if path.starts_with('/') || path.split('/').any(|p| p == "..") || !packages::is_package_file(&path) {
            continue;
        }
        let size = entry.header().size().unwrap_or(u64::MAX);
        total = total.saturating_add(size);
        if files.len() >= packages::MAX_FILES || total > packages::MAX_BYTES {
            return Err(format!(
                "the package holds more than {} files or {} MiB",
                packages::MAX_FILES,
                packages::MAX_BYTES >> 20
            ));
        }
        let mut bytes = Vec::new();
        entry.by_ref().take(size).read_to_end(&mut bytes).map_err(|e| format!("reading {path}: {e}"))?;
        files.insert(path, bytes);
    }
    Ok(files)
}

fn untar(layer: &[u8]) -> Result<PackageFiles, String> {
    untar_files(flate2::read::GzDecoder::new(layer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_are_deterministic_and_read_back() {
        let files: PackageFiles = [("dns.ced", "let a = 1\n"), ("lib/x.ced", "let x = 2\n")]
            .iter()
            .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
            .collect();
        let a = tar_gz(&files).expect("tar");
        let b = tar_gz(&files).expect("tar");
        assert_eq!(sha256(&a), sha256(&b));
        assert_eq!(untar(&a).expect("untar"), files);
    }

    #[test]
    fn registries_on_loopback_are_plain_http() {
        assert_eq!(
            Repo::parse("localhost:5000/platform/net").map(|r| r.base).ok().as_deref(),
            Some("http://localhost:5000/v2/platform/net")
        );
        assert_eq!(
            Repo::parse("ghcr.io/acme/net").map(|r| r.base).ok().as_deref(),
            Some("https://ghcr.io/v2/acme/net")
        );
        assert!(Repo::parse("net").is_err());
    }
}
