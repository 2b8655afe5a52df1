//! `depin-provider`: keys, registration, storage sectors and deals, the proving daemon, rewards
//! and a device simulator, against a DePIN node. `depin-provider --help` lists the commands; every
//! command takes `--json` for machine-readable output.

use std::{path::PathBuf, process::ExitCode};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use depin_provider::{
	chain::{Chain, Wait},
	commands::{self, DeviceSpec, Home, JobAction, Kind},
	keystore::Scheme,
	report::Report,
	retrieval, shards, simulator,
};
use indicatif::{ProgressBar, ProgressStyle};
use subxt_signer::{sr25519::Keypair, SecretUri};

#[derive(Parser)]
#[command(name = "depin-provider", version, about = "Run hardware on the DePIN chain")]
struct Cli {
	/// The node's RPC endpoint.
	#[arg(long, global = true, env = "DEPIN_URL", default_value = "ws://127.0.0.1:9944")]
	url: String,
	/// The account that owns the devices and signs transactions, as a secret URI.
	#[arg(
		long,
		global = true,
		env = "DEPIN_SURI",
		default_value = "//Alice",
		hide_env_values = true
	)]
	suri: String,
	/// Where the keystore (keystore.json, mode 0600) and the sector list live [default:
	/// ~/.depin-provider].
	#[arg(long, global = true, env = "DEPIN_PROVIDER_HOME")]
	home: Option<PathBuf>,
	/// Print JSON instead of text.
	#[arg(long, global = true)]
	json: bool,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Device keys.
	#[command(subcommand)]
	Keys(KeysCommand),
	/// Register a device whose key is in the keystore (its key proves possession).
	Register {
		/// The key's name in the keystore.
		#[arg(long)]
		key: String,
		#[arg(long, value_enum)]
		kind: Kind,
		/// H3 cell (hex), resolution 7 to 12.
		#[arg(long)]
		location: String,
		/// Bytes (storage), units (compute), 0 (coverage, sensor).
		#[arg(long, default_value_t = 0)]
		capacity: u64,
		#[arg(long, default_value = "")]
		model: String,
		#[arg(long, default_value = "")]
		firmware: String,
		/// Serial number (only its hash goes on chain).
		#[arg(long, default_value = "")]
		serial: String,
		/// An account allowed to operate the device.
		#[arg(long)]
		manager: Option<String>,
	},
	/// Register many devices in one transaction, from a JSON list of
	/// `{key, kind, location, capacity?, model?, firmware?, serial?, manager?}`.
	RegisterBatch { file: PathBuf },
	/// Storage sectors.
	#[command(subcommand)]
	Storage(StorageCommand),
	/// Storage deals: a client pays a storage device, epoch by epoch, for keeping its data.
	#[command(subcommand)]
	Deal(DealCommand),
	/// Coverage hotspots: the beacon roster and the epoch's beacons.
	#[command(subcommand)]
	Coverage(CoverageCommand),
	/// Compute devices: capacity challenges (a sequential workload run, committed and
	/// spot-checked by the chain each epoch).
	#[command(subcommand)]
	Compute(ComputeCommand),
	/// Sensor devices (weather stations, energy meters): batches of readings attested each
	/// epoch and audited the next, data subscriptions that pay for them, and fetching a bought
	/// batch from its provider.
	#[command(subcommand)]
	Sensor(SensorCommand),
	/// Answer the challenges of every committed sector as they come.
	Daemon {
		/// Stop after this many proving rounds (default: run until stopped).
		#[arg(long)]
		rounds: Option<u32>,
		/// Serve the sectors' data to clients over HTTP at this address (`deal retrieve
		/// --from http://ADDRESS`), as 0.0.0.0:8480 to open it to the network.
		#[arg(long)]
		serve: Option<std::net::SocketAddr>,
	},
	/// Claim every claimable reward of these devices (default: all of the account's).
	Claim {
		/// Device ids.
		devices: Vec<u64>,
	},
	/// The account's devices, proving records and claimable rewards.
	Status,
	/// A device's reward receipts.
	Rewards {
		/// Device id.
		device: u64,
	},
	/// The load harness: start a node on a chain with this many storage devices at genesis,
	/// prove them all every epoch, then saturate blocks with proofs and with transfers;
	/// record every block (bench.json, bench.svg).
	Bench(BenchArgs),
	/// Register simulated devices of every kind on a dev chain and keep the storage ones
	/// proving and the coverage ones beaconing and witnessing, some of them cheating.
	Simulate {
		/// How many devices to simulate (storage, coverage and compute in turn).
		#[arg(long, default_value_t = 12)]
		devices: u32,
		/// The fraction of storage devices that answer with data they do not have, and of
		/// coverage hotspots that witness implausibly.
		#[arg(long, default_value_t = 0.25)]
		cheaters: f64,
		/// Stop after this many epochs (default: run until stopped).
		#[arg(long)]
		epochs: Option<u32>,
		/// Adversaries to play next to the honest devices, each with an account of its own,
		/// their books reported every epoch: `self-deal`, `storage-regenerate`,
		/// `storage-duplicate`, `self-job`, `compute-sybil`, `fault-dodge`, `relay-grief`,
		/// `witness-ring`, `location-spoof`, `sensor-lie`, `sensor-copy` (the last two with
		/// `--stations`; comma-separated), or `all`.
		#[arg(long)]
		adversary: Option<String>,
		/// Honest weather stations near Paris, each with an owner of its own, next to a broken
		/// and a lying one, and a buyer of their data (0: none; `scripts/dev.sh` runs 4).
		#[arg(long, default_value_t = 0)]
		stations: u32,
	},
}

#[derive(clap::Args)]
struct BenchArgs {
	/// The node binary to start (a release build; `scripts/bench.sh` builds one).
	#[arg(long)]
	node: PathBuf,
	/// The chain spec whose runtime code the chain runs.
	#[arg(long, default_value = "chain-specs/local.json")]
	code_spec: PathBuf,
	/// Storage devices, each with one sector committed at genesis.
	#[arg(long, default_value_t = 1_000)]
	devices: u32,
	/// Each sector holds 2^depth chunks of 1 KiB (20: 1 GiB).
	#[arg(long, default_value_t = 20)]
	sector_depth: u32,
	/// Coverage hotspots on the beacon roster from genesis, in groups of 26 (at most 1,274):
	/// after the storage phases, an epoch in which every one beacons with 25 receipts, sent as
	/// fast as blocks take them (0: none).
	#[arg(long, default_value_t = 0)]
	hotspots: u32,
	/// Compute devices of one unit of capacity enrolled from genesis: after the coverage peak,
	/// an epoch in which every challenged one runs its workload (a tenth of a second of a
	/// core each, one after another), commits, and reveals as fast as blocks take them (0:
	/// none). They must finish within the epoch's commit window (half its response window).
	#[arg(long, default_value_t = 0)]
	compute: u32,
	/// Beacon bundles per submit_beacons.
	#[arg(long, default_value_t = 8)]
	bundles: u32,
	/// Blocks of a proving epoch (600 is an hour; the devices proven hourly at the same rate
	/// are `devices × 600 / epoch-blocks`).
	#[arg(long, default_value_t = 10)]
	epoch_blocks: u32,
	/// Epochs of steady proving.
	#[arg(long, default_value_t = 3)]
	epochs: u32,
	/// The share of storage devices audited each epoch, in percent (`proofs.AuditRate` in the
	/// chain's genesis): only the audited devices prove. Without it, the dev chain's: every
	/// device every epoch.
	#[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
	storage_audit: Option<u32>,
	/// Skip the epoch whose proofs are all sent as fast as blocks take them.
	#[arg(long)]
	no_proof_peak: bool,
	/// Blocks of the balance-transfer peak (0: none).
	#[arg(long, default_value_t = 10)]
	transfer_blocks: u32,
	/// Accounts sending the transfers.
	#[arg(long, default_value_t = 1_000)]
	senders: u32,
	/// Proofs per submit_storage_proofs.
	#[arg(long, default_value_t = 100)]
	batch: u32,
	/// Where the spec, the database, bench.json and bench.svg go.
	#[arg(long, default_value = "target/bench")]
	out: PathBuf,
	/// The node's RPC port.
	#[arg(long, default_value_t = 9955)]
	rpc_port: u16,
}

#[derive(Subcommand)]
enum KeysCommand {
	/// Generate a new key.
	Generate {
		#[arg(long)]
		name: String,
		#[arg(long, value_enum, default_value = "sr25519")]
		scheme: Scheme,
	},
	/// Import a key from a secret URI (phrase, 0x seed, //derivation).
	Import {
		#[arg(long)]
		name: String,
		#[arg(long, value_enum, default_value = "sr25519")]
		scheme: Scheme,
		#[arg(long, env = "DEPIN_DEVICE_SECRET", hide_env_values = true)]
		secret: String,
	},
	/// List the stored keys (public halves).
	List,
}

#[derive(Subcommand)]
enum CoverageCommand {
	/// Put a coverage device in the beacon roster, from which the chain draws beaconers.
	Join {
		#[arg(long)]
		device: u64,
	},
	/// Take a device out of the beacon roster.
	Leave {
		#[arg(long)]
		device: u64,
	},
	/// The epoch's beaconers, their challenges, beacons and witnesses.
	Beacons,
}

#[derive(Subcommand)]
enum ComputeCommand {
	/// Enroll a compute device for capacity challenges (from the next epoch on).
	Enroll {
		#[arg(long)]
		device: u64,
	},
	/// Withdraw a compute device from capacity challenges.
	Withdraw {
		#[arg(long)]
		device: u64,
	},
	/// A compute device's challenge in the epoch in progress.
	Challenge {
		#[arg(long)]
		device: u64,
	},
	/// What a unit of declared capacity costs this machine: the workload of `--units` units
	/// run and timed on one core, as an audited device runs it (no chain needed).
	Calibrate {
		/// Units to run.
		#[arg(long, default_value_t = 100)]
		units: u32,
		/// The commit window to size against, in seconds (production: half of the 45-minute
		/// response window).
		#[arg(long, default_value_t = 1_350.0)]
		window_seconds: f64,
	},
	/// Run the workloads of these compute devices (keys in the keystore) each epoch: compute,
	/// commit, and reveal the segments the chain samples.
	Prove {
		/// Device ids.
		#[arg(long, required = true, num_args = 1..)]
		devices: Vec<u64>,
		/// Stop after this many epochs proven (default: run until stopped).
		#[arg(long)]
		epochs: Option<u32>,
	},
	/// Paid jobs: a consumer opens one (its payment held), signs a receipt of the units
	/// delivered, the provider co-signs and submits it, and it pays out after the dispute
	/// window.
	#[command(subcommand)]
	Job(JobCommand),
}

#[derive(Subcommand)]
enum SensorCommand {
	/// Hand the chain a maker's certificate of a sensor device's key, as its owner or manager:
	/// a schema that requires certificates (the dev chain's weather stations) takes devices a
	/// trusted maker certified only. Give the maker's signature (`--certificate`), or its key
	/// (`--maker-key`, the maker's side: the dev chain's maker 0 is `//depin-dev-maker`).
	Certify {
		#[arg(long)]
		device: u64,
		/// The maker's number.
		#[arg(long, default_value_t = 0)]
		maker: u32,
		/// The maker's signature of the device's key (SCALE-encoded, in hex).
		#[arg(long, required_unless_present = "maker_key", conflicts_with = "maker_key")]
		certificate: Option<String>,
		/// The maker's key, as a secret URI, to sign the certificate here.
		#[arg(long)]
		maker_key: Option<String>,
		/// The maker key's scheme.
		#[arg(long, value_enum, default_value = "sr25519")]
		maker_scheme: Scheme,
	},
	/// Enroll a sensor device under a schema (0: weather station, 1: energy meter), as its
	/// owner or manager. Its first reading may be taken a minute after the chain's clock, plus
	/// the schema's interval.
	Enroll {
		#[arg(long)]
		device: u64,
		#[arg(long)]
		schema: u32,
	},
	/// Withdraw a sensor device, as its owner or manager, once no audit of it is open.
	Withdraw {
		#[arg(long)]
		device: u64,
	},
	/// Attest a batch of readings for the epoch in progress, signed with the device key from
	/// the keystore, and keep it in <home>/sensor by its root and device (for the audit and for
	/// buyers). Several devices (their keys here) attest in one transaction; anyone may submit.
	Attest {
		/// Device ids (1,2,3).
		#[arg(long, required = true, value_delimiter = ',', num_args = 1..)]
		device: Vec<u64>,
		/// The readings: CSV (`time,value,…` a line, an optional header) or JSON (a list of
		/// `{"time": …, "values": […]}`); times in Unix seconds, values integers in each
		/// field's unit times 10^decimals (21.37 °C is 2137).
		#[arg(long, required_unless_present = "simulate", conflicts_with = "simulate")]
		readings: Option<PathBuf>,
		/// Simulated readings instead, at every interval since the device's last attested one:
		/// weather around --around °C, or a household's energy registers under a meter's
		/// schema.
		#[arg(long)]
		simulate: bool,
		/// The day's mean temperature of simulated weather, °C.
		#[arg(long, default_value_t = 18.0, requires = "simulate")]
		around: f64,
	},
	/// Reveal the readings the devices' open audits sample, from the batches kept here. A
	/// device that cannot reveal now (its audit not open, its batch not here) is skipped with
	/// its reason; the others are revealed.
	Reveal {
		/// Device ids (1,2,3).
		#[arg(long, required = true, value_delimiter = ',', num_args = 1..)]
		device: Vec<u64>,
	},
	/// A sensor device's record: its schema, last attested reading, the attestation waiting
	/// for its audit (and the readings to reveal), and the subscriptions buying its area's data.
	Status {
		#[arg(long)]
		device: u64,
	},
	/// As a data buyer: subscribe to a schema's data in the area (an H3 cell of resolution 5)
	/// holding a cell, from the current epoch: every audited attestation there pays its
	/// device's owner points × price out of the budget (held), less the protocol fee.
	#[command(visible_alias = "buy")]
	Subscribe {
		#[arg(long)]
		schema: u32,
		/// An H3 cell (hex) of resolution 5 or finer: the area is its parent at resolution 5.
		#[arg(long)]
		cell: String,
		/// The price of a point (a second of coverage at full quality) in DPN, e.g. 0.001.
		#[arg(long)]
		price: String,
		/// The budget in DPN.
		#[arg(long)]
		budget: String,
		/// Epochs bought.
		#[arg(long)]
		epochs: u32,
		/// The first epoch bought (default: the current one).
		#[arg(long)]
		first: Option<u32>,
	},
	/// Close a subscription: by anyone once its span's audits are over, by its buyer once its
	/// budget is spent; its rest and deposit go back to the buyer.
	Close {
		#[arg(long)]
		subscription: u64,
	},
	/// As a data buyer: fetch a batch from a provider's retrieval server and verify it against
	/// the chain's record of its attestation (pending, or its Attested and DataSold events:
	/// the root and the count), the device's signed attestation, and leaf by leaf against the
	/// root, with the attested summaries recomputed. The device and epoch are the
	/// attestation's; --device and --epoch (as `DataSold` reports them) ask for that device's
	/// batch and read the chain's record before the download, which it then bounds.
	Fetch {
		/// The provider's retrieval address (`sensor serve`, `daemon --serve`), http://host:port
		/// (`--url` is the node's).
		#[arg(long)]
		from: String,
		/// The batch's root (0x…), as `DataSold` reports it.
		#[arg(long)]
		root: String,
		#[arg(long, requires = "epoch")]
		device: Option<u64>,
		#[arg(long, requires = "device")]
		epoch: Option<u32>,
		/// Where to write the verified batch (JSON).
		#[arg(long)]
		out: Option<PathBuf>,
	},
	/// Serve the sensor batches (and sectors) kept here over HTTP until stopped, at
	/// /v1/sensor/0x<root> (`daemon --serve` serves them too).
	Serve {
		/// The address to listen on, as 0.0.0.0:8480 to open it to the network.
		#[arg(long, default_value = "127.0.0.1:8480")]
		listen: std::net::SocketAddr,
	},
	/// Energy trades between two meters in one home cell: each epoch both meters' audited
	/// registers settle the smaller of what one produced and the other consumed, paid to the
	/// producing meter's owner after a dispute window.
	#[command(subcommand)]
	Trade(TradeCommand),
}

#[derive(Subcommand)]
enum TradeCommand {
	/// As the consuming meter's owner: offer to buy the producing meter's energy; the budget
	/// and a deposit are held.
	Offer {
		/// The consuming meter (yours).
		#[arg(long)]
		consumer: u64,
		/// The producing meter.
		#[arg(long)]
		producer: u64,
		/// The producer's register field.
		#[arg(long, default_value = "produced")]
		produced_field: String,
		/// The consumer's register field.
		#[arg(long, default_value = "consumed")]
		consumed_field: String,
		/// The price of a unit of the fields (a watt-hour for schema 1) in DPN, e.g. 0.001.
		#[arg(long)]
		price: String,
		/// The most units settled in an epoch.
		#[arg(long)]
		cap: u64,
		/// The budget in DPN.
		#[arg(long)]
		budget: String,
		/// Epochs settled.
		#[arg(long)]
		epochs: u32,
		/// The first epoch settled (default: the next one).
		#[arg(long)]
		first: Option<u32>,
	},
	/// As the producing meter's owner: accept an offer.
	Accept {
		#[arg(long)]
		trade: u64,
	},
	/// As a party: end a trade (an offer or a trade not begun closes at once; a running one
	/// settles nothing after the current epoch).
	End {
		#[arg(long)]
		trade: u64,
	},
	/// As a party: dispute a trade; what is ripe is paid, the rest waits for the dispute
	/// origin's decision.
	Dispute {
		#[arg(long)]
		trade: u64,
	},
	/// Close a trade once it is over (anyone): what is owed is paid, the rest goes back.
	Close {
		#[arg(long)]
		trade: u64,
	},
	/// A trade by number, or the trades a meter is in.
	Show {
		#[arg(long, conflicts_with = "meter", required_unless_present = "meter")]
		trade: Option<u64>,
		#[arg(long)]
		meter: Option<u64>,
	},
}

#[derive(Subcommand)]
enum JobCommand {
	/// Open a job on a compute device as its consumer: `units × price` is held until it
	/// settles.
	Open {
		#[arg(long)]
		device: u64,
		/// The most units the job may bill.
		#[arg(long)]
		units: u64,
		/// The price of a unit in DPN (e.g. 0.5).
		#[arg(long)]
		price: String,
	},
	/// A job as the chain holds it.
	Show { job: u64 },
	/// As the consumer: sign a receipt of the units delivered; prints it as one line of JSON
	/// for the provider (`> receipt.json`).
	Sign {
		job: u64,
		#[arg(long)]
		units: u64,
		/// The block the work was confirmed at (default: the best block).
		#[arg(long)]
		timestamp: Option<u32>,
	},
	/// As the provider: check a consumer's receipt, co-sign it with the device key from the
	/// keystore, and submit it.
	Submit { receipt: PathBuf },
	/// As the consumer: dispute a job's receipt within the dispute window.
	Dispute { job: u64 },
	/// Pay a job's device owner once the dispute window has passed (anyone may).
	Release { job: u64 },
	/// As the consumer: cancel a job that got no receipt in time, releasing its payment.
	Cancel { job: u64 },
}

#[derive(Subcommand)]
enum StorageCommand {
	/// Build the Merkle tree of a file or folder and commit it as a sector of a device.
	Commit {
		/// The storage device the sector belongs to.
		#[arg(long)]
		device: u64,
		path: PathBuf,
	},
}

#[derive(Subcommand)]
enum DealCommand {
	/// As the client (--suri): propose deals for a file. With --providers, the file is
	/// encrypted and cut into shards (--replicas n or --erasure k-of-n), one deal per shard
	/// and device, written to the folder --out with the manifest that retrieves it. With
	/// --device, the data as it is goes to one device, and the signed proposal (JSON) is
	/// written to --out or printed as one line (`> proposal.json`).
	Propose {
		/// The data: a file (or, with --device, a folder read as one stream, as `storage
		/// commit` reads it).
		path: PathBuf,
		/// The storage device to keep the data as it is.
		#[arg(long, required_unless_present = "providers", conflicts_with = "providers")]
		device: Option<u64>,
		/// The storage devices to keep the shards, one each, in shard order (1,2,3).
		#[arg(long, value_delimiter = ',')]
		providers: Vec<u64>,
		/// Full encrypted replicas, one per provider (the default with --providers: one per
		/// listed device).
		#[arg(long, requires = "providers", conflicts_with = "erasure")]
		replicas: Option<u16>,
		/// Reed-Solomon shards: any k of n restore the file (3-of-5).
		#[arg(long, requires = "providers")]
		erasure: Option<String>,
		/// The price of a GiB for an epoch, in planck (an epoch pays at least 1 planck).
		#[arg(long, default_value_t = 1_000_000_000_000)]
		price_per_gib: u128,
		/// Epochs paid for, counted from the sector's first challenge.
		#[arg(long, default_value_t = 24)]
		duration: u32,
		/// Planck held from the operator that publishes the deal: a slice is paid to you for each
		/// missed epoch.
		#[arg(long, default_value_t = 1_000_000_000_000)]
		provider_collateral: u128,
		/// Planck held from you: paid to the provider if you end the deal early.
		#[arg(long, default_value_t = 0)]
		client_collateral: u128,
		/// Blocks from now until the sector must be committed (at most a day of blocks).
		#[arg(long, default_value_t = 600)]
		deadline_blocks: u32,
		/// Pay once, now, for replicas kept for as long as their endowment lasts (Arweave's
		/// model): --price-per-gib is the first schedule year's price, each year after is
		/// cheaper by the chain's `EndowmentDecline`, and each replica's endowment is the most
		/// its schedule can cost; --provider-collateral is what each provider taking a replica
		/// stakes (at least a year of the first year's price). One replica per --device or
		/// shard, meant first for that device (`deal take`), then for any storage device.
		#[arg(long, conflicts_with_all = ["duration", "client_collateral", "deadline_blocks"])]
		permanent: bool,
		/// Where to write the proposal (default: standard output); with --providers, the
		/// folder for the shards, their proposals and the manifest.
		#[arg(long)]
		out: Option<PathBuf>,
	},
	/// As a provider (the device's owner or manager): take an open replica of a permanent deal
	/// for a storage device. The endowment pays a tranche, a term deal to the end of the
	/// schedule year; with --path, the replica's data is checked against its root and
	/// committed, which activates the tranche (the daemon proves it).
	Take {
		/// The permanent deal's number.
		permanent: u64,
		/// The replica's index in the deal.
		#[arg(long, default_value_t = 0)]
		replica: u32,
		/// The storage device to keep it.
		#[arg(long)]
		device: u64,
		/// The replica's data (a shard file, or the data as it is).
		#[arg(long)]
		path: Option<PathBuf>,
	},
	/// As the client: fetch a file stored with `deal propose --providers` from the providers
	/// that answer, verify every shard against its root, and write the original bytes.
	Retrieve {
		/// The manifest `deal propose --providers` wrote (it holds the key).
		manifest: PathBuf,
		/// A provider's retrieval address (`daemon --serve`), as http://host:port; repeat for
		/// several. Each is asked for every shard it may hold.
		#[arg(long, required = true)]
		from: Vec<String>,
		/// Where to write the file (must not exist).
		#[arg(long)]
		out: PathBuf,
	},
	/// Measure, on this machine, sealing, restoring and retrieving a file of random bytes
	/// from a local provider, against copying it (no node needed).
	Bench {
		/// The file's size in MiB.
		#[arg(long, default_value_t = 64)]
		mib: u32,
		/// The erasure code.
		#[arg(long, default_value = "3-of-5")]
		erasure: String,
	},
	/// As the provider (the devices' owner or manager): check clients' proposals, publish them
	/// in one transaction, and commit the sector of each one whose data is given with --path
	/// (which activates the deal; the daemon proves it).
	Publish {
		/// Proposal files (`deal propose` writes them).
		#[arg(required = true)]
		proposals: Vec<PathBuf>,
		/// The data of a proposal, a file or folder (repeat for several).
		#[arg(long)]
		path: Vec<PathBuf>,
	},
	/// The deals of a client (default: the --suri account) or of a storage device.
	List {
		/// A client's SS58 address.
		#[arg(long, conflicts_with = "device")]
		client: Option<String>,
		/// A storage device's id.
		#[arg(long)]
		device: Option<u64>,
	},
	/// A deal as the chain holds it: a term deal by id (0x…), a permanent deal by number.
	Show {
		/// The deal's id (0x…) or a permanent deal's number.
		deal: String,
	},
	/// End a deal early, as its client (your collateral goes to the provider) or its
	/// device's operator (your remaining collateral goes to the client).
	Terminate {
		/// The deal's id (0x…).
		deal: String,
	},
	/// Bring a deal up to date (anyone may): count its missed epochs, fail it if its sector
	/// came too late, complete it, or forget it once it is over.
	Settle {
		/// The deal's id (0x…).
		deal: String,
	},
}

fn home(cli: &Cli) -> Result<Home> {
	match &cli.home {
		Some(dir) => Ok(Home(dir.clone())),
		None => {
			let base = std::env::var_os("HOME").context("set --home or HOME")?;
			Ok(Home(PathBuf::from(base).join(".depin-provider")))
		},
	}
}

fn signer(suri: &str) -> Result<Keypair> {
	let uri: SecretUri =
		suri.parse().map_err(|e| anyhow::anyhow!("--suri is not a secret URI: {e}"))?;
	Keypair::from_uri(&uri).map_err(|e| anyhow::anyhow!("--suri is not an sr25519 secret: {e}"))
}

/// A progress bar of the bytes a command reads (hidden with `--json`), cleared when dropped.
struct Progress(ProgressBar);

impl Progress {
	fn new(json: bool, what: &str) -> Self {
		if json {
			return Self(ProgressBar::hidden());
		}
		let bar = ProgressBar::new(0);
		if let Ok(style) = ProgressStyle::with_template(
			"{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
		) {
			bar.set_style(style.progress_chars("=> "));
		}
		bar.set_message(what.to_string());
		Self(bar)
	}

	/// The callback a command reports `(done, total)` bytes to.
	fn callback(&self) -> impl FnMut(u64, u64) + '_ {
		|done, total| {
			self.0.set_length(total);
			self.0.set_position(done);
		}
	}
}

impl Drop for Progress {
	fn drop(&mut self) {
		self.0.finish_and_clear();
	}
}

async fn run(cli: Cli) -> Result<Report> {
	let home = home(&cli)?;
	match &cli.command {
		Command::Keys(KeysCommand::Generate { name, scheme }) => {
			commands::keys_generate(&home, name, *scheme)
		},
		Command::Keys(KeysCommand::Import { name, scheme, secret }) => {
			commands::keys_import(&home, name, *scheme, secret)
		},
		Command::Keys(KeysCommand::List) => commands::keys_list(&home),
		// Retrieval needs the providers, not the chain.
		Command::Deal(DealCommand::Retrieve { manifest, from, out }) => {
			let bar = Progress::new(cli.json, "fetching");
			commands::deal_retrieve(manifest, from, out, bar.callback()).await
		},
		Command::Deal(DealCommand::Bench { mib, erasure }) => {
			commands::deal_bench(*mib, shards::Layout::parse(erasure)?).await
		},
		// The harness starts its own node.
		Command::Bench(args) => bench(args).await,
		// Serving needs no node.
		Command::Sensor(SensorCommand::Serve { listen }) => {
			let (listener, bound) = retrieval::bind(*listen).await?;
			progress_line(cli.json)(
				serde_json::json!({ "event": "serving", "address": bound.to_string() }),
				format!("serving sensor batches at http://{bound}/v1/sensor/0x<root>"),
			);
			retrieval::serve(listener, retrieval::Served::home(&home.0)).await?;
			Ok(Report::new("stopped", serde_json::json!({ "event": "stopped" })))
		},
		// Calibration times this machine, not the chain.
		Command::Compute(ComputeCommand::Calibrate { units, window_seconds }) => {
			commands::compute_calibrate(*units, *window_seconds)
		},
		command => {
			let signer = signer(&cli.suri)?;
			let chain = Chain::connect(&cli.url).await?;
			match command {
				Command::Register {
					key,
					kind,
					location,
					capacity,
					model,
					firmware,
					serial,
					manager,
				} => {
					let spec = DeviceSpec {
						key: key.clone(),
						kind: *kind,
						location: location.clone(),
						capacity: *capacity,
						model: model.clone(),
						firmware: firmware.clone(),
						serial: serial.clone(),
						manager: manager.clone(),
					};
					commands::register(&chain, &home, &signer, &[spec]).await
				},
				Command::RegisterBatch { file } => {
					let text = std::fs::read_to_string(file)
						.with_context(|| format!("cannot read {}", file.display()))?;
					let specs: Vec<DeviceSpec> = serde_json::from_str(&text)
						.with_context(|| format!("{} is not a list of devices", file.display()))?;
					commands::register(&chain, &home, &signer, &specs).await
				},
				Command::Storage(StorageCommand::Commit { device, path }) => {
					let bar = Progress::new(cli.json, "hashing");
					commands::storage_commit(&chain, &home, &signer, *device, path, bar.callback())
						.await
				},
				Command::Deal(deal) => run_deal(&chain, &home, &signer, deal, cli.json).await,
				Command::Coverage(CoverageCommand::Join { device }) => {
					commands::coverage_roster(&chain, &signer, *device, true).await
				},
				Command::Coverage(CoverageCommand::Leave { device }) => {
					commands::coverage_roster(&chain, &signer, *device, false).await
				},
				Command::Coverage(CoverageCommand::Beacons) => {
					commands::coverage_beacons(&chain).await
				},
				Command::Compute(ComputeCommand::Enroll { device }) => {
					commands::compute_enrolment(&chain, &signer, *device, true).await
				},
				Command::Compute(ComputeCommand::Withdraw { device }) => {
					commands::compute_enrolment(&chain, &signer, *device, false).await
				},
				Command::Compute(ComputeCommand::Challenge { device }) => {
					commands::compute_challenge(&chain, *device).await
				},
				Command::Compute(ComputeCommand::Prove { devices, epochs }) => {
					commands::compute_prove(
						&chain,
						&home,
						&signer,
						devices,
						*epochs,
						progress_line(cli.json),
					)
					.await
				},
				Command::Sensor(sensor) => run_sensor(&chain, &home, &signer, sensor).await,
				Command::Compute(ComputeCommand::Job(job)) => match job {
					JobCommand::Open { device, units, price } => {
						let price = depin_provider::report::parse_dpn(price)?;
						commands::job_open(&chain, &signer, *device, *units, price).await
					},
					JobCommand::Show { job } => commands::job_show(&chain, *job).await,
					JobCommand::Sign { job, units, timestamp } => {
						commands::job_sign(&chain, &signer, *job, *units, *timestamp).await
					},
					JobCommand::Submit { receipt } => {
						commands::job_submit(&chain, &home, &signer, receipt).await
					},
					JobCommand::Dispute { job } => {
						commands::job_action(&chain, &signer, *job, JobAction::Dispute).await
					},
					JobCommand::Release { job } => {
						commands::job_action(&chain, &signer, *job, JobAction::Release).await
					},
					JobCommand::Cancel { job } => {
						commands::job_action(&chain, &signer, *job, JobAction::Cancel).await
					},
				},
				Command::Daemon { rounds, serve } => {
					let mut log = progress_line(cli.json);
					let server = match serve {
						Some(address) => {
							let (listener, bound) = retrieval::bind(*address).await?;
							log(
								serde_json::json!({ "event": "serving", "address": bound.to_string() }),
								format!(
									"serving sectors at http://{bound}/v1/sectors/0x<root> and sensor \
									 batches at http://{bound}/v1/sensor/0x<root>"
								),
							);
							Some(tokio::spawn(retrieval::serve(
								listener,
								retrieval::Served::home(&home.0),
							)))
						},
						None => None,
					};
					let result = commands::daemon(&chain, &home, &signer, *rounds, log).await;
					if let Some(server) = server {
						server.abort();
					}
					result
				},
				Command::Claim { devices } => {
					commands::claim(&chain, &signer, devices, Wait::Finalized).await
				},
				Command::Status => commands::status(&chain, &signer).await,
				Command::Rewards { device } => commands::rewards(&chain, *device).await,
				Command::Simulate { devices, cheaters, epochs, adversary, stations } => {
					let adversaries = match adversary {
						Some(list) => simulator::Strategy::parse_for(list, *stations)?,
						None => Vec::new(),
					};
					let options = simulator::Options {
						devices: *devices,
						cheaters: *cheaters,
						epochs: *epochs,
						adversaries,
						stations: *stations,
					};
					simulator::run(&chain, &signer, options, progress_line(cli.json)).await
				},
				Command::Keys(_)
				| Command::Bench(_)
				| Command::Compute(ComputeCommand::Calibrate { .. }) => unreachable_offline(),
			}
		},
	}
}

async fn run_deal(
	chain: &Chain,
	home: &Home,
	signer: &Keypair,
	command: &DealCommand,
	json: bool,
) -> Result<Report> {
	use depin_provider::deals::parse_deal_id;
	match command {
		DealCommand::Propose {
			path,
			device,
			providers,
			replicas,
			erasure,
			price_per_gib,
			duration,
			provider_collateral,
			client_collateral,
			deadline_blocks,
			permanent,
			out,
		} => {
			let permanent_terms = permanent.then_some(commands::PermanentTerms {
				price_per_gib: *price_per_gib,
				provider_collateral: *provider_collateral,
			});
			let terms = commands::Terms {
				price_per_gib: *price_per_gib,
				duration: *duration,
				provider_collateral: *provider_collateral,
				client_collateral: *client_collateral,
				deadline_blocks: *deadline_blocks,
			};
			let Some(device) = device else {
				let layout = match (erasure, replicas) {
					(Some(code), _) => shards::Layout::parse(code)?,
					(None, Some(n)) => shards::Layout::replicas(*n)?,
					(None, None) => shards::Layout::replicas(
						u16::try_from(providers.len()).context("too many --providers")?,
					)?,
				};
				let out = out.as_deref().context("--providers needs --out FOLDER")?;
				let bar = Progress::new(json, "sealing");
				let offer = match permanent_terms {
					Some(terms) => commands::Offer::Permanent(terms),
					None => commands::Offer::Term(terms),
				};
				return commands::deal_store(
					chain,
					signer,
					path,
					commands::Placement { providers, layout },
					offer,
					out,
					bar.callback(),
				)
				.await;
			};
			let bar = Progress::new(json, "hashing");
			if let Some(terms) = permanent_terms {
				if out.is_some() {
					anyhow::bail!(
						"--permanent with --device makes the deal at once: there is no proposal \
						 to write to --out"
					);
				}
				return commands::permanent_propose(
					chain,
					signer,
					path,
					*device,
					terms,
					bar.callback(),
				)
				.await;
			}
			commands::deal_propose(
				chain,
				signer,
				path,
				*device,
				terms,
				out.as_deref(),
				bar.callback(),
			)
			.await
		},
		DealCommand::Retrieve { manifest, from, out } => {
			let bar = Progress::new(json, "fetching");
			commands::deal_retrieve(manifest, from, out, bar.callback()).await
		},
		DealCommand::Bench { mib, erasure } => {
			commands::deal_bench(*mib, shards::Layout::parse(erasure)?).await
		},
		DealCommand::Publish { proposals, path } => {
			let bar = Progress::new(json, "hashing");
			commands::deal_publish(chain, home, signer, proposals, path, bar.callback()).await
		},
		DealCommand::List { client, device } => {
			let client = client.as_deref().map(commands::parse_account).transpose()?;
			commands::deal_list(chain, signer, client, *device).await
		},
		DealCommand::Show { deal } => match deal.parse::<u64>() {
			Ok(permanent) => commands::permanent_show(chain, permanent).await,
			Err(_) => commands::deal_show(chain, parse_deal_id(deal)?).await,
		},
		DealCommand::Take { permanent, replica, device, path } => {
			let bar = Progress::new(json, "hashing");
			commands::deal_take(
				chain,
				home,
				signer,
				*permanent,
				*replica,
				*device,
				path.as_deref(),
				bar.callback(),
			)
			.await
		},
		DealCommand::Terminate { deal } => {
			commands::deal_terminate(chain, signer, parse_deal_id(deal)?).await
		},
		DealCommand::Settle { deal } => {
			commands::deal_settle(chain, signer, parse_deal_id(deal)?).await
		},
	}
}

async fn run_sensor(
	chain: &Chain,
	home: &Home,
	signer: &Keypair,
	command: &SensorCommand,
) -> Result<Report> {
	match command {
		SensorCommand::Certify { device, maker, certificate, maker_key, maker_scheme } => {
			let source = match (certificate, maker_key) {
				(Some(hex), _) => commands::CertificateSource::Signature(hex),
				(None, Some(uri)) => {
					let pair = maker_scheme.pair(uri)?;
					return commands::sensor_certify(
						chain,
						signer,
						*device,
						*maker,
						commands::CertificateSource::MakerKey(&pair),
					)
					.await;
				},
				(None, None) => anyhow::bail!("give --certificate or --maker-key"),
			};
			commands::sensor_certify(chain, signer, *device, *maker, source).await
		},
		SensorCommand::Enroll { device, schema } => {
			commands::sensor_enroll(chain, signer, *device, *schema).await
		},
		SensorCommand::Withdraw { device } => {
			commands::sensor_withdraw(chain, signer, *device).await
		},
		SensorCommand::Attest { device, readings, simulate: _, around } => {
			let source = match readings {
				Some(path) => commands::Readings::File(path.clone()),
				None => commands::Readings::Simulate { around: *around },
			};
			commands::sensor_attest(chain, home, signer, device, &source).await
		},
		SensorCommand::Reveal { device } => {
			commands::sensor_reveal(chain, home, signer, device).await
		},
		SensorCommand::Status { device } => commands::sensor_status(chain, *device).await,
		SensorCommand::Subscribe { schema, cell, price, budget, epochs, first } => {
			let order = commands::Order {
				schema: *schema,
				cell: cell.clone(),
				price: depin_provider::report::parse_dpn(price)?,
				budget: depin_provider::report::parse_dpn(budget)?,
				epochs: *epochs,
				first: *first,
			};
			commands::sensor_subscribe(chain, signer, &order).await
		},
		SensorCommand::Close { subscription } => {
			commands::sensor_close(chain, signer, *subscription).await
		},
		SensorCommand::Fetch { from, root, device, epoch, out } => {
			let root = depin_provider::report::parse_h256(root)?;
			commands::sensor_fetch(chain, from, root, *device, *epoch, out.as_deref()).await
		},
		SensorCommand::Serve { .. } => unreachable_offline(),
		SensorCommand::Trade(trade) => run_trade(chain, signer, trade).await,
	}
}

async fn run_trade(chain: &Chain, signer: &Keypair, command: &TradeCommand) -> Result<Report> {
	use commands::TradeAction;
	let action = |trade: &u64, action| commands::trade_action(chain, signer, *trade, action);
	match command {
		TradeCommand::Offer {
			consumer,
			producer,
			produced_field,
			consumed_field,
			price,
			cap,
			budget,
			epochs,
			first,
		} => {
			let order = commands::TradeOrder {
				consumer: *consumer,
				producer: *producer,
				produced: produced_field.clone(),
				consumed: consumed_field.clone(),
				price: depin_provider::report::parse_dpn(price)?,
				cap: *cap,
				budget: depin_provider::report::parse_dpn(budget)?,
				epochs: *epochs,
				first: *first,
			};
			commands::trade_offer(chain, signer, &order).await
		},
		TradeCommand::Accept { trade } => action(trade, TradeAction::Accept).await,
		TradeCommand::End { trade } => action(trade, TradeAction::End).await,
		TradeCommand::Dispute { trade } => action(trade, TradeAction::Dispute).await,
		TradeCommand::Close { trade } => action(trade, TradeAction::Close).await,
		TradeCommand::Show { trade, meter } => commands::trade_show(chain, *trade, *meter).await,
	}
}

/// Print each event of a long-running command: its JSON value or its line of text.
fn progress_line(json: bool) -> impl FnMut(serde_json::Value, String) {
	move |value, line| {
		if json {
			out(&value);
		} else {
			out(&line);
		}
	}
}

fn unreachable_offline() -> Result<Report> {
	Err(anyhow::anyhow!("key, calibration and serving commands run without a node"))
}

/// Print a line of output. A reader that went away (`depin-provider status | head`) ends the
/// program quietly, as it would a shell tool, rather than with a panic.
fn out(line: &impl std::fmt::Display) {
	use std::io::Write;
	let mut stdout = std::io::stdout().lock();
	if let Err(e) = writeln!(stdout, "{line}").and_then(|()| stdout.flush()) {
		if e.kind() == std::io::ErrorKind::BrokenPipe {
			std::process::exit(0);
		}
		eprintln!("error: cannot write the output: {e}");
		std::process::exit(1);
	}
}

async fn bench(args: &BenchArgs) -> Result<Report> {
	use depin_provider::bench::{run, spec::Population};
	let options = run::Options {
		node: args.node.clone(),
		code_spec: args.code_spec.clone(),
		population: Population {
			storage: args.devices,
			hotspots: args.hotspots,
			compute: args.compute,
			sector_depth: args.sector_depth,
			senders: args.senders,
			epoch_blocks: args.epoch_blocks,
			storage_audit: args.storage_audit,
		},
		epochs: args.epochs,
		proof_peak: !args.no_proof_peak,
		transfer_blocks: args.transfer_blocks,
		batch: args.batch,
		bundles: args.bundles,
		out: args.out.clone(),
		rpc_port: args.rpc_port,
	};
	let result = run::run(&options, &mut |line| eprintln!("{line}")).await?;
	let text = run::describe(&result, &args.out);
	let mut json = serde_json::to_value(&result)?;
	// The blocks are in bench.json; the report keeps the figures.
	if let Some(object) = json.as_object_mut() {
		object.remove("blocks");
	}
	Ok(Report::new(text, json))
}

#[tokio::main]
async fn main() -> ExitCode {
	let cli = Cli::parse();
	let json = cli.json;
	match run(cli).await {
		Ok(report) => {
			if json {
				out(&report.json);
			} else {
				out(&report.text);
			}
			ExitCode::SUCCESS
		},
		Err(error) => {
			if json {
				out(&serde_json::json!({ "error": format!("{error:#}") }));
			} else {
				eprintln!("error: {error:#}");
			}
			ExitCode::FAILURE
		},
	}
}
