//! Retrieval: a provider serves its sectors and sensor batches over HTTP, a client fetches
//! them back.
//!
//! The provider's daemon (`daemon --serve ADDRESS`, or `sensor serve` for a provider of
//! sensor data alone) answers `GET` and `HEAD` on `/v1/sectors/0x<root>` for every sector in
//! its `sectors.json`, with `Range: bytes=a-b` requests (one range) answered `206 Partial
//! Content`; and on `/v1/sensor/0x<root>` (`?device=<id>` for one device's, else the lowest
//! device's) with the sensor batch of that root it keeps (`<home>/sensor/0x<root>/<id>.json`:
//! the readings and the device's signed attestation, which the buyer checks,
//! [`crate::sensor::verify`]). Both stream from disk in [`PIECE`]-sized reads (a `HEAD` reads
//! none); nothing about the client is trusted or needed: the root names the data, and the
//! client checks what it gets against it.
//!
//! The client ([`fetch_sector`]) downloads a sector in [`PIECE`]-sized ranges, so a large
//! shard never needs one long response, and hands the bytes back only for the caller to
//! verify against the root before any of it is used (`shards::restore` does); a sensor batch
//! ([`fetch_sensor`]) comes whole, at most as many bytes as the caller allows. Either waits
//! at most [`TIMEOUT`] for the answer and for each piece of its body.

use std::{
	convert::Infallible,
	io::{Read, Seek, SeekFrom},
	net::SocketAddr,
	path::PathBuf,
	time::Duration,
};

use anyhow::{anyhow, bail, Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full, StreamBody};
use hyper::{
	body::{Frame, Incoming},
	header, Method, Request, Response, StatusCode,
};
use hyper_util::{
	client::legacy::{connect::HttpConnector, Client},
	rt::{TokioExecutor, TokioIo},
};
use sp_core::H256;
use tokio::net::TcpListener;

use crate::{
	sector::{SectorData, Sectors},
	sensor::{self, BatchFile},
};

/// Bytes per read on the server and per range request on the client.
pub const PIECE: u64 = 1 << 20;
/// How long the client waits for an answer, and for each piece of its body, before giving up
/// (and trying another provider).
pub const TIMEOUT: Duration = Duration::from_secs(30);

type Body = http_body_util::combinators::BoxBody<Bytes, std::io::Error>;

/// The most connections served at once; more wait to be accepted.
pub const MAX_CONNECTIONS: usize = 256;
/// How long a connection may take to send a request's headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// What a provider serves.
#[derive(Clone, Debug)]
pub struct Served {
	/// The sectors listed in this file (the provider's `sectors.json`).
	pub sectors: PathBuf,
	/// The sensor batches in this folder (`0x<root>/<device>.json` each).
	pub sensor: PathBuf,
}

impl Served {
	/// Everything a provider's home holds: `sectors.json` and the `sensor` folder.
	pub fn home(home: &std::path::Path) -> Self {
		Self { sectors: home.join("sectors.json"), sensor: home.join(sensor::FOLDER) }
	}
}

/// Serves the sectors listed in `served.sectors` (the provider's `sectors.json`, re-read on
/// each request, so newly committed sectors are served at once) and the sensor batches in
/// `served.sensor` on `listener` until the task is dropped. At most [`MAX_CONNECTIONS`] at
/// once, each given [`HEADER_TIMEOUT`] for its headers; a failed accept (out of file
/// descriptors, say) is retried, not fatal.
pub async fn serve(listener: TcpListener, served: Served) -> Result<()> {
	let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
	loop {
		let slot = slots.clone().acquire_owned().await.context("the server is closing")?;
		let stream = match listener.accept().await {
			Ok((stream, _)) => stream,
			Err(error) => {
				eprintln!("retrieval: cannot accept a connection ({error}); retrying");
				tokio::time::sleep(Duration::from_millis(100)).await;
				continue;
			},
		};
		let served = served.clone();
		tokio::spawn(async move {
			let service = hyper::service::service_fn(move |request| {
				let served = served.clone();
				async move {
					let answer = tokio::task::spawn_blocking(move || answer(&request, &served))
						.await
						.unwrap_or_else(|_| text(StatusCode::INTERNAL_SERVER_ERROR, "failed"));
					Ok::<_, Infallible>(answer)
				}
			});
			// A client that goes away mid-response is its own business.
			let _ = hyper::server::conn::http1::Builder::new()
				.timer(hyper_util::rt::TokioTimer::new())
				.header_read_timeout(HEADER_TIMEOUT)
				.serve_connection(TokioIo::new(stream), service)
				.await;
			drop(slot);
		});
	}
}

/// Binds `address` for [`serve`] (port 0 picks a free port: the bound address says which).
pub async fn bind(address: SocketAddr) -> Result<(TcpListener, SocketAddr)> {
	let listener =
		TcpListener::bind(address).await.with_context(|| format!("cannot listen on {address}"))?;
	let bound = listener.local_addr()?;
	Ok((listener, bound))
}

fn text(status: StatusCode, message: impl Into<String>) -> Response<Body> {
	let body =
		Full::new(Bytes::from(message.into() + "\n")).map_err(|never| match never {}).boxed();
	Response::builder()
		.status(status)
		.header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
		.body(body)
		.unwrap_or_else(|_| Response::new(Empty::new().map_err(|never| match never {}).boxed()))
}

/// `bytes=a-b`, `bytes=a-` or `bytes=-n` within `len`, as an inclusive range; `None` for a
/// header that asks for none of the data or for several ranges.
pub fn parse_range(value: &str, len: u64) -> Option<(u64, u64)> {
	let spec = value.trim().strip_prefix("bytes=")?;
	if spec.contains(',') || len == 0 {
		return None;
	}
	let (start, end) = spec.split_once('-')?;
	let (start, end) = match (start.trim(), end.trim()) {
		("", suffix) => {
			let n: u64 = suffix.parse().ok()?;
			if n == 0 {
				return None;
			}
			(len.saturating_sub(n), len - 1)
		},
		(start, "") => (start.parse().ok()?, len - 1),
		(start, end) => (start.parse().ok()?, end.parse::<u64>().ok()?.min(len - 1)),
	};
	(start <= end && start < len).then_some((start, end))
}

fn answer(request: &Request<Incoming>, served: &Served) -> Response<Body> {
	if request.method() != Method::GET && request.method() != Method::HEAD {
		return text(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD");
	}
	if let Some(root) = request.uri().path().strip_prefix("/v1/sensor/") {
		return answer_sensor(request, &served.sensor, root);
	}
	let sectors = served.sectors.as_path();
	let Some(root) = request.uri().path().strip_prefix("/v1/sectors/") else {
		return text(
			StatusCode::NOT_FOUND,
			"sectors are at /v1/sectors/0x<root>, sensor batches at /v1/sensor/0x<root>",
		);
	};
	let Some(root) = parse_root(root) else {
		return text(
			StatusCode::BAD_REQUEST,
			format!("`{root}` is not a root (0x and 64 hex digits)"),
		);
	};
	let found = Sectors::open(sectors).ok().and_then(|all| {
		all.sectors.into_iter().find(|s| parse_root(&s.root) == Some(root)).map(|s| s.path)
	});
	let Some(path) = found else {
		return text(StatusCode::NOT_FOUND, format!("no sector with root {root:?} here"));
	};
	let data = match SectorData::open(&path) {
		Ok(data) => data,
		Err(error) => return text(StatusCode::INTERNAL_SERVER_ERROR, format!("{error:#}")),
	};
	let len = data.len();
	let (status, start, end) = match request.headers().get(header::RANGE) {
		None => (StatusCode::OK, 0, len - 1),
		Some(value) => match value.to_str().ok().and_then(|v| parse_range(v, len)) {
			Some((start, end)) => (StatusCode::PARTIAL_CONTENT, start, end),
			None => {
				let mut response =
					text(StatusCode::RANGE_NOT_SATISFIABLE, "one byte range within the sector");
				if let Ok(value) = header::HeaderValue::from_str(&format!("bytes */{len}")) {
					response.headers_mut().insert(header::CONTENT_RANGE, value);
				}
				return response;
			},
		},
	};
	let count = end - start + 1;
	let body = if request.method() == Method::HEAD {
		Empty::new().map_err(|never| match never {}).boxed()
	} else {
		stream_body(data, start, count)
	};
	let mut builder = Response::builder()
		.status(status)
		.header(header::CONTENT_TYPE, "application/octet-stream")
		.header(header::CONTENT_LENGTH, count)
		.header(header::ACCEPT_RANGES, "bytes");
	if status == StatusCode::PARTIAL_CONTENT {
		builder = builder.header(header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}"));
	}
	builder
		.body(body)
		.unwrap_or_else(|error| text(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()))
}

/// The sensor batch of `root` in `folder` (the one of the device `?device=<id>` names, else
/// the lowest device's), as stored (JSON): the client verifies it. Streamed from disk like a
/// sector; a `HEAD` reads only its length.
fn answer_sensor(
	request: &Request<Incoming>,
	folder: &std::path::Path,
	root: &str,
) -> Response<Body> {
	let Some(root) = parse_root(root) else {
		return text(
			StatusCode::BAD_REQUEST,
			format!("`{root}` is not a root (0x and 64 hex digits)"),
		);
	};
	let device = match request.uri().query().map(device_query) {
		None => None,
		Some(Some(device)) => Some(device),
		Some(None) => {
			return text(StatusCode::BAD_REQUEST, "the only query is ?device=<device number>")
		},
	};
	let not_found =
		|| text(StatusCode::NOT_FOUND, format!("no sensor batch with root {root:?} here"));
	let Some(path) = sensor::find_batch(folder, root, device) else {
		return not_found();
	};
	let file = match std::fs::File::open(&path) {
		Ok(file) => file,
		Err(error) if error.kind() == std::io::ErrorKind::NotFound => return not_found(),
		Err(error) => return text(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()),
	};
	// The length of the file opened: a newer copy renamed over it meanwhile is served next time.
	let len = match file.metadata() {
		Ok(metadata) => metadata.len(),
		Err(error) => return text(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()),
	};
	let body = if request.method() == Method::HEAD {
		Empty::new().map_err(|never| match never {}).boxed()
	} else {
		stream_body(file, 0, len)
	};
	Response::builder()
		.status(StatusCode::OK)
		.header(header::CONTENT_TYPE, "application/json")
		.header(header::CONTENT_LENGTH, len)
		.body(body)
		.unwrap_or_else(|error| text(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()))
}

/// The device a query names: `device=<number>`, nothing else.
fn device_query(query: &str) -> Option<u64> {
	query.strip_prefix("device=")?.parse().ok()
}

/// `count` bytes of `data` from `start`, read on a blocking thread in [`PIECE`]s.
fn stream_body<R: Read + Seek + Send + 'static>(mut data: R, start: u64, count: u64) -> Body {
	let (sender, receiver) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(2);
	tokio::task::spawn_blocking(move || {
		if let Err(error) = data.seek(SeekFrom::Start(start)) {
			let _ = sender.blocking_send(Err(error));
			return;
		}
		let mut left = count;
		while left > 0 {
			let mut piece = vec![0u8; left.min(PIECE) as usize];
			let result = data.read_exact(&mut piece).map(|()| Bytes::from(piece));
			let failed = result.is_err();
			if sender.blocking_send(result).is_err() || failed {
				return;
			}
			left -= PIECE.min(left);
		}
	});
	let frames = futures::stream::unfold(receiver, |mut receiver| async move {
		receiver.recv().await.map(|item| (item.map(Frame::data), receiver))
	});
	BodyExt::boxed(StreamBody::new(frames))
}

/// A root in a URL: 64 hex digits (`0x` first or not): nothing else reaches the disk.
fn parse_root(text: &str) -> Option<H256> {
	crate::report::parse_h256(text).ok()
}

/// An HTTP client for [`fetch_sector`].
pub type HttpClient = Client<HttpConnector, Empty<Bytes>>;

pub fn client() -> HttpClient {
	Client::builder(TokioExecutor::new()).build(HttpConnector::new())
}

/// A `GET` of `url` (of bytes `range` only, if given) that must answer `expect`: its headers
/// and its body, of at most `limit` bytes (more is refused as it arrives, never held). The
/// answer, and then each piece of its body, must come within [`TIMEOUT`]: a slow link is
/// fine, a stalled one is not.
async fn get(
	client: &HttpClient,
	url: &str,
	range: Option<(u64, u64)>,
	expect: StatusCode,
	limit: usize,
) -> Result<(header::HeaderMap, Vec<u8>)> {
	let uri: hyper::Uri = url.parse().with_context(|| format!("`{url}` is not a URL"))?;
	let mut request = Request::get(uri);
	if let Some((start, end)) = range {
		request = request.header(header::RANGE, format!("bytes={start}-{end}"));
	}
	let request = request.body(Empty::new())?;
	let response = tokio::time::timeout(TIMEOUT, client.request(request))
		.await
		.map_err(|_| anyhow!("{url}: no answer in {} s", TIMEOUT.as_secs()))?
		.with_context(|| format!("{url}: cannot connect"))?;
	let (parts, body) = response.into_parts();
	if parts.status != expect {
		let message = collect(body, 4096).await.unwrap_or_default();
		let bytes = range.map_or(String::new(), |(start, end)| format!(" for bytes {start}-{end}"));
		bail!("{url}: {}{bytes} ({})", parts.status, String::from_utf8_lossy(&message).trim());
	}
	let body = collect(body, limit).await.map_err(|e| anyhow!("{url}: {e}"))?;
	Ok((parts.headers, body))
}

/// At most `limit` bytes of `body`, each piece within [`TIMEOUT`] of the last.
async fn collect(body: Incoming, limit: usize) -> Result<Vec<u8>> {
	let mut body = Box::pin(http_body_util::Limited::new(body, limit));
	let mut out = Vec::new();
	loop {
		let frame = tokio::time::timeout(TIMEOUT, body.frame())
			.await
			.map_err(|_| anyhow!("the answer stalled for {} s", TIMEOUT.as_secs()))?;
		let Some(frame) = frame else { return Ok(out) };
		let frame = frame.map_err(|e| {
			anyhow!("the answer broke off or is larger than the {limit} bytes expected: {e}")
		})?;
		if let Ok(data) = frame.into_data() {
			out.extend_from_slice(&data);
		}
	}
}

/// The `len` bytes of the sector with `root` from the provider at `base` (`http://host:port`),
/// in [`PIECE`]-sized range requests; `progress` is told each piece's length. Unverified: the
/// caller checks the bytes against the root.
pub async fn fetch_sector(
	client: &HttpClient,
	base: &str,
	root: H256,
	len: u64,
	mut progress: impl FnMut(u64),
) -> Result<Vec<u8>> {
	let url = format!("{}/v1/sectors/{root:?}", base.trim_end_matches('/'));
	// Grown as verified-length pieces arrive: `len` comes from the manifest, not trusted to
	// size an allocation.
	let mut out = Vec::new();
	let mut start = 0u64;
	while start < len {
		let end = (start + PIECE).min(len) - 1;
		let expected = end - start + 1;
		// Never more than the range asked for is read, whatever the provider sends.
		let (headers, body) =
			get(client, &url, Some((start, end)), StatusCode::PARTIAL_CONTENT, expected as usize)
				.await?;
		let range =
			headers.get(header::CONTENT_RANGE).and_then(|v| v.to_str().ok()).unwrap_or_default();
		if !range.starts_with(&format!("bytes {start}-{end}/")) {
			bail!("{url}: the answer is `{range}`, not bytes {start}-{end}");
		}
		if body.len() as u64 != expected {
			bail!("{url}: {} bytes for a range of {expected}", body.len());
		}
		progress(expected);
		out.extend_from_slice(&body);
		start = end + 1;
	}
	Ok(out)
}

/// The sensor batch of `root` from the provider at `base` (`http://host:port`): `device`'s, or
/// the one the provider picks, of at most `limit` bytes ([`crate::sensor::max_file_bytes`] of
/// the readings and fields expected). Unverified: the caller checks it against the root, the
/// attestation and the chain ([`crate::sensor::verify`]).
pub async fn fetch_sensor(
	client: &HttpClient,
	base: &str,
	root: H256,
	device: Option<u64>,
	limit: usize,
) -> Result<BatchFile> {
	let query = device.map_or(String::new(), |device| format!("?device={device}"));
	let url = format!("{}/v1/sensor/{root:?}{query}", base.trim_end_matches('/'));
	let (_, body) = get(client, &url, None, StatusCode::OK, limit).await?;
	serde_json::from_slice(&body)
		.with_context(|| format!("{url}: the answer is not a sensor batch"))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn ranges_are_read_as_http_says() {
		assert_eq!(parse_range("bytes=0-99", 1000), Some((0, 99)));
		assert_eq!(parse_range("bytes=900-", 1000), Some((900, 999)));
		assert_eq!(parse_range("bytes=-100", 1000), Some((900, 999)));
		assert_eq!(parse_range("bytes=990-2000", 1000), Some((990, 999)));
		assert_eq!(parse_range("bytes=-5000", 1000), Some((0, 999)));
		for bad in
			["bytes=1000-", "bytes=5-4", "bytes=0-1,5-6", "items=0-1", "bytes=-0", "bytes=x-"]
		{
			assert_eq!(parse_range(bad, 1000), None, "{bad}");
		}
	}

	#[tokio::test]
	async fn a_served_sector_comes_back_in_ranges_and_unknown_roots_are_not_found() {
		let dir = tempfile::tempdir().unwrap();
		let data: Vec<u8> = (0..(PIECE as usize * 2 + 5000)).map(|i| (i % 251) as u8).collect();
		let file = dir.path().join("shard.bin");
		std::fs::write(&file, &data).unwrap();
		let (root, chunks) = crate::shards::sector_root(&data).unwrap();
		let mut sectors = Sectors::open(&dir.path().join("sectors.json")).unwrap();
		sectors
			.add(crate::sector::LocalSector {
				device: 1,
				sector: 0,
				root: format!("{root:?}"),
				chunks,
				path: file,
			})
			.unwrap();
		let (listener, address) = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
		let server = tokio::spawn(serve(listener, Served::home(dir.path())));
		let base = format!("http://{address}");
		let http = client();

		let mut pieces = 0;
		let got =
			fetch_sector(&http, &base, root, data.len() as u64, |_| pieces += 1).await.unwrap();
		assert_eq!(got, data);
		assert_eq!(pieces, 3);

		let error = fetch_sector(&http, &base, H256::repeat_byte(7), 10, |_| ()).await.unwrap_err();
		assert!(error.to_string().contains("404"), "{error}");
		// Asking past the end is refused, not padded.
		let error =
			fetch_sector(&http, &base, root, data.len() as u64 + 1, |_| ()).await.unwrap_err();
		assert!(error.to_string().contains("not bytes"), "{error}");
		server.abort();
	}

	#[tokio::test]
	async fn a_served_sensor_batch_comes_back_as_stored_and_unknown_roots_are_not_found() {
		use crate::sensor::{weather, Batch};
		let dir = tempfile::tempdir().unwrap();
		let schema = depin_primitives::sensor::Schema::weather_station();
		let times: Vec<u64> = (0..5).map(|i| 1_800_000_000 + 60 * i).collect();
		let batch = Batch::new(0, 3, weather::readings(&schema, 1, 18.0, &times)).unwrap();
		let folder = dir.path().join(crate::sensor::FOLDER);
		batch.save(&folder, 4).unwrap();
		let len =
			std::fs::metadata(crate::sensor::batch_path(&folder, 4, batch.root())).unwrap().len();
		let (listener, address) = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
		let server = tokio::spawn(serve(listener, Served::home(dir.path())));
		let base = format!("http://{address}");
		let http = client();

		let limit = crate::sensor::max_file_bytes(5, 3);
		let file = fetch_sensor(&http, &base, batch.root(), None, limit).await.unwrap();
		assert_eq!(file, batch.file());
		let back = Batch::from_file(file).unwrap();
		assert_eq!(back.readings, batch.readings);
		let file = fetch_sensor(&http, &base, batch.root(), Some(4), limit).await.unwrap();
		assert_eq!(file, batch.file());
		// Another device's, a body larger than allowed, an unknown root.
		let error = fetch_sensor(&http, &base, batch.root(), Some(5), limit).await.unwrap_err();
		assert!(error.to_string().contains("404"), "{error}");
		let error = fetch_sensor(&http, &base, batch.root(), None, 100).await.unwrap_err();
		assert!(error.to_string().contains("larger than"), "{error}");
		let error =
			fetch_sensor(&http, &base, H256::repeat_byte(7), None, limit).await.unwrap_err();
		assert!(error.to_string().contains("404"), "{error}");
		// A HEAD says the length and sends nothing.
		let uri: hyper::Uri = format!("{base}/v1/sensor/{:?}", batch.root()).parse().unwrap();
		let head = Request::head(uri).body(Empty::new()).unwrap();
		let response = http.request(head).await.unwrap();
		assert_eq!(response.status(), StatusCode::OK);
		assert_eq!(
			response.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()),
			Some(len.to_string().as_str())
		);
		assert!(response.into_body().collect().await.unwrap().to_bytes().is_empty());
		// No way out of the folder: a path that is not a root is refused.
		let uri: hyper::Uri = format!("{base}/v1/sensor/..%2Fsectors.json").parse().unwrap();
		let response = http.request(Request::get(uri).body(Empty::new()).unwrap()).await.unwrap();
		assert_eq!(response.status(), StatusCode::BAD_REQUEST);
		server.abort();
	}
}
