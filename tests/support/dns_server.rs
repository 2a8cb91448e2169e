//! A real DNS server for tests: hickory-server on 127.0.0.1 (UDP and TCP, same port)
//! serving the zone files of a directory, with fault injection per name.
//!
//! Zone files are `<origin>.zone` (the origin is the file name without `.zone`). Faults come
//! from `faults.toml` in the same directory and from [`FixtureOptions::faults`]; a fault
//! applies to its name and every name below it:
//!
//! ```toml
//! [[fault]]
//! name = "servfail.dnsbl.test"
//! action = "servfail"      # drop | servfail | refused | truncate | malformed | delay
//! delay = "200ms"          # for action = "delay"
//! ```
//!
//! `truncate` answers UDP with the TC bit and no records (the client must retry over TCP,
//! where the real answer comes); `malformed` answers UDP with bytes that cut the answer
//! record in the middle. Used by the integration tests and by `examples/fixture_dns.rs`.

#![allow(dead_code)] // each test crate uses a different part

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hickory_server::Server;
use hickory_server::net::runtime::Time;
use hickory_server::proto::op::{Header, HeaderCounts, Metadata, ResponseCode};
use hickory_server::proto::rr::{LowerName, Name};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::file::{FileConfig, FileZoneHandler};
use hickory_server::zone_handler::{AxfrPolicy, Catalog, MessageResponseBuilder, ZoneType};

/// What to do to the answers for a name and everything below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Never answer.
    Drop,
    ServFail,
    Refused,
    /// UDP: TC bit and no records; TCP: the real answer.
    Truncate,
    /// UDP: the answer record cut in the middle.
    Malformed,
    /// Answer after this much more time.
    Delay(Duration),
}

impl Action {
    pub fn parse(action: &str, delay: Option<&str>) -> Result<Action, String> {
        Ok(match action {
            "drop" => Action::Drop,
            "servfail" => Action::ServFail,
            "refused" => Action::Refused,
            "truncate" => Action::Truncate,
            "malformed" => Action::Malformed,
            "delay" => Action::Delay(parse_duration(
                delay.ok_or("action = \"delay\" needs `delay`")?,
            )?),
            other => return Err(format!("unknown fault action {other:?}")),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Fault {
    /// Lower-case, no trailing dot.
    pub name: String,
    pub action: Action,
}

impl Fault {
    /// `NAME=ACTION` or `NAME=delay:200ms`.
    pub fn parse(text: &str) -> Result<Fault, String> {
        let (name, action) = text
            .split_once('=')
            .ok_or_else(|| format!("{text:?}: expected NAME=ACTION"))?;
        let (action, delay) = match action.split_once(':') {
            Some((action, delay)) => (action, Some(delay)),
            None => (action, None),
        };
        Ok(Fault {
            name: normalise(name),
            action: Action::parse(action, delay)?,
        })
    }
}

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map(|i| text.split_at(i))
        .unwrap_or((text, "ms"));
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 50ms or 2s"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(number)),
        "s" => Ok(Duration::from_secs(number)),
        _ => Err(format!("{text:?}: unit must be ms or s")),
    }
}

fn normalise(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

#[derive(Debug, Clone, Default)]
pub struct FixtureOptions {
    pub zones_dir: PathBuf,
    /// Listen on ::1 instead of 127.0.0.1 (IPv6 transport).
    pub ipv6: bool,
    /// 0: an ephemeral port.
    pub port: u16,
    /// Added to every answer.
    pub delay: Duration,
    /// Applied before those of `faults.toml` (first match wins).
    pub faults: Vec<Fault>,
}

/// A running fixture server; stops when dropped.
pub struct FixtureDns {
    pub address: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FixtureDns {
    /// Starts a server for `fixtures/dns` of this crate on an ephemeral port.
    pub fn start_default() -> FixtureDns {
        FixtureDns::start(FixtureOptions {
            zones_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/dns"),
            ..FixtureOptions::default()
        })
        .expect("the fixture DNS server starts")
    }

    /// Starts a server on its own thread and runtime.
    pub fn start(options: FixtureOptions) -> Result<FixtureDns, String> {
        let (catalog, mut faults) = load(&options.zones_dir)?;
        let mut all_faults = options.faults.clone();
        all_faults.append(&mut faults);
        let (udp, tcp) = bind(options.ipv6, options.port)?;
        let address = udp.local_addr().map_err(|e| e.to_string())?;
        let raw = udp.try_clone().map_err(|e| e.to_string())?;
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), String>>();
        let delay = options.delay;
        let thread = std::thread::spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    let _ = ready_tx.send(Err(e.to_string()));
                    return;
                }
            };
            runtime.block_on(async move {
                let setup = (|| -> Result<_, String> {
                    let udp = tokio::net::UdpSocket::from_std(udp).map_err(|e| e.to_string())?;
                    let raw = tokio::net::UdpSocket::from_std(raw).map_err(|e| e.to_string())?;
                    let tcp = tokio::net::TcpListener::from_std(tcp).map_err(|e| e.to_string())?;
                    Ok((udp, raw, tcp))
                })();
                let (udp, raw, tcp) = match setup {
                    Ok(sockets) => sockets,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let handler = FaultInjector {
                    catalog,
                    faults: all_faults,
                    delay,
                    raw: Arc::new(raw),
                };
                let mut server = Server::new(handler);
                server.register_socket(udp);
                server.register_listener(tcp, Duration::from_secs(5), 65_535);
                let _ = ready_tx.send(Ok(()));
                let _ = stopped.await;
                let _ = server.shutdown_gracefully().await;
            });
        });
        ready_rx
            .recv()
            .map_err(|_| "the fixture DNS thread died".to_string())??;
        Ok(FixtureDns {
            address,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// `127.0.0.1:PORT` (or `[::1]:PORT`), for `--nameserver`.
    pub fn nameserver(&self) -> String {
        self.address.to_string()
    }
}

impl Drop for FixtureDns {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A UDP socket and a TCP listener on the same loopback port.
fn bind(ipv6: bool, port: u16) -> Result<(std::net::UdpSocket, std::net::TcpListener), String> {
    let host: std::net::IpAddr = if ipv6 {
        std::net::Ipv6Addr::LOCALHOST.into()
    } else {
        std::net::Ipv4Addr::LOCALHOST.into()
    };
    for _ in 0..20 {
        let udp = std::net::UdpSocket::bind((host, port))
            .map_err(|e| format!("cannot bind UDP {host} port {port}: {e}"))?;
        let chosen = udp.local_addr().map_err(|e| e.to_string())?.port();
        match std::net::TcpListener::bind((host, chosen)) {
            Ok(tcp) => {
                udp.set_nonblocking(true).map_err(|e| e.to_string())?;
                tcp.set_nonblocking(true).map_err(|e| e.to_string())?;
                return Ok((udp, tcp));
            }
            Err(e) if port != 0 => return Err(format!("cannot bind TCP {host} port {port}: {e}")),
            Err(_) => continue, // the ephemeral port is taken for TCP: pick another
        }
    }
    Err("no loopback port free for both UDP and TCP".to_string())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsFile {
    #[serde(default)]
    fault: Vec<FaultEntry>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultEntry {
    name: String,
    action: String,
    delay: Option<String>,
}

fn load(dir: &Path) -> Result<(Catalog, Vec<Fault>), String> {
    let mut catalog = Catalog::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut loaded = 0;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
            continue;
        };
        let Some(origin) = file.strip_suffix(".zone") else {
            continue;
        };
        let origin = Name::from_ascii(format!("{origin}."))
            .map_err(|e| format!("{}: bad origin: {e}", path.display()))?;
        let handler = FileZoneHandler::try_from_config(
            origin.clone(),
            ZoneType::Primary,
            AxfrPolicy::Deny,
            None,
            &FileConfig {
                zone_path: path.clone(),
            },
        )
        .map_err(|e| format!("{}: {e}", path.display()))?;
        catalog.upsert(LowerName::from(&origin), vec![Arc::new(handler)]);
        loaded += 1;
    }
    if loaded == 0 {
        return Err(format!("{}: no *.zone file", dir.display()));
    }
    let faults_path = dir.join("faults.toml");
    let mut faults = Vec::new();
    if faults_path.exists() {
        let text = std::fs::read_to_string(&faults_path).map_err(|e| e.to_string())?;
        let file: FaultsFile =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", faults_path.display()))?;
        for entry in file.fault {
            faults.push(Fault {
                name: normalise(&entry.name),
                action: Action::parse(&entry.action, entry.delay.as_deref())
                    .map_err(|e| format!("{}: {e}", faults_path.display()))?,
            });
        }
    }
    Ok((catalog, faults))
}

struct FaultInjector {
    catalog: Catalog,
    faults: Vec<Fault>,
    delay: Duration,
    /// The UDP socket the server listens on, for answers hickory would refuse to encode.
    raw: Arc<tokio::net::UdpSocket>,
}

impl FaultInjector {
    fn fault_for(&self, name: &str) -> Option<Action> {
        self.faults
            .iter()
            .find(|f| name == f.name || name.ends_with(&format!(".{}", f.name)))
            .map(|f| f.action)
    }
}

fn header_only(metadata: Metadata) -> ResponseInfo {
    ResponseInfo::from(Header {
        metadata,
        counts: HeaderCounts::default(),
    })
}

/// A response whose answer section is cut inside the first record: a header claiming one
/// answer, the question, the answer's owner name and type, then nothing.
fn malformed_answer(request: &[u8]) -> Vec<u8> {
    let mut bytes = request.to_vec();
    if bytes.len() < 12 {
        return bytes;
    }
    bytes[2] |= 0x80; // QR: response
    bytes[3] = 0x80; // RA, NOERROR
    bytes[6..8].copy_from_slice(&[0, 1]); // ANCOUNT = 1
    bytes[8..12].copy_from_slice(&[0, 0, 0, 0]); // no authority/additional (drops EDNS)
    // Keep the header and the question only.
    let mut end = 12;
    while end < bytes.len() && bytes[end] != 0 {
        end += 1 + bytes[end] as usize;
    }
    let question_end = (end + 5).min(bytes.len());
    bytes.truncate(question_end);
    // Owner name (a pointer to the question), TYPE A, CLASS IN, and the TTL cut short.
    bytes.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0]);
    bytes
}

#[async_trait::async_trait]
impl RequestHandler for FaultInjector {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response_handle: R,
    ) -> ResponseInfo {
        let name = request
            .queries
            .queries()
            .first()
            .map(|q| normalise(&q.name().to_string()))
            .unwrap_or_default();
        let action = self.fault_for(&name);
        let mut delay = self.delay;
        if let Some(Action::Delay(extra)) = action {
            delay += extra;
        }
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let udp = request.protocol() == hickory_server::net::xfer::Protocol::Udp;
        let refuse_with = |code| {
            let builder = MessageResponseBuilder::from_message_request(request);
            builder.error_msg(&request.metadata, code)
        };
        match action {
            Some(Action::Drop) => {
                return header_only(Metadata::response_from_request(&request.metadata));
            }
            Some(Action::ServFail) => {
                let response = refuse_with(ResponseCode::ServFail);
                return response_handle
                    .send_response(response)
                    .await
                    .unwrap_or_else(|_| header_only(request.metadata));
            }
            Some(Action::Refused) => {
                let response = refuse_with(ResponseCode::Refused);
                return response_handle
                    .send_response(response)
                    .await
                    .unwrap_or_else(|_| header_only(request.metadata));
            }
            Some(Action::Truncate) if udp => {
                let mut metadata = Metadata::response_from_request(&request.metadata);
                metadata.truncation = true;
                let response = MessageResponseBuilder::from_message_request(request)
                    .build_no_records(metadata);
                return response_handle
                    .send_response(response)
                    .await
                    .unwrap_or_else(|_| header_only(request.metadata));
            }
            Some(Action::Malformed) if udp => {
                let bytes = malformed_answer(request.as_slice());
                let _ = self.raw.send_to(&bytes, request.src()).await;
                return header_only(Metadata::response_from_request(&request.metadata));
            }
            _ => {}
        }
        self.catalog
            .handle_request::<R, T>(request, response_handle)
            .await
    }
}
