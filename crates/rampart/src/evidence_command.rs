//! `rampart evidence verify | keygen`: check a bundle's hashes and
//! signature and the run store's chain; make a signing key.

use std::path::{Path, PathBuf};

use rampart_core::Outcome;
use rampart_report::evidence::signing::{generate_key_pair, read_verifying_key};
use rampart_report::evidence::{SignatureStatus, verify_bundle};
use rampart_report::store::Store;

#[derive(clap::Subcommand)]
pub enum EvidenceCommand {
    /// Check an evidence bundle (every file against manifest.json, and the
    /// signature with --key) and/or the run store's hash chain (--store).
    /// Says what differs; exits 1 when anything does.
    Verify(VerifyArgs),
    /// Write a new Ed25519 key pair for signing bundles: PREFIX.pem (the
    /// private key, kept secret, readable by you only) and PREFIX.pub.
    Keygen {
        /// Where to write the keys, without extension.
        #[arg(long, value_name = "PREFIX", default_value = "rampart-evidence")]
        out: PathBuf,
    },
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The bundle folder (what --evidence wrote).
    dir: Option<PathBuf>,

    /// The public key (PEM) the manifest must be signed with. Without it
    /// a signature is reported but not checked.
    #[arg(long, value_name = "PUB")]
    key: Option<PathBuf>,

    /// A run store to check: every record's hash, and the links between
    /// them. With a bundle, also that the store still holds the record the
    /// bundle names.
    #[arg(long, value_name = "FILE")]
    store: Option<PathBuf>,
}

pub fn run(command: &EvidenceCommand) -> Outcome {
    match command {
        EvidenceCommand::Verify(args) => verify(args),
        EvidenceCommand::Keygen { out } => keygen(out),
    }
}

fn verify(args: &VerifyArgs) -> Outcome {
    if args.dir.is_none() && args.store.is_none() {
        eprintln!("rampart: give a bundle folder, --store FILE, or both");
        return Outcome::Error;
    }
    let key = match args.key.as_deref().map(read_verifying_key).transpose() {
        Ok(key) => key,
        Err(error) => {
            eprintln!("rampart: {error}");
            return Outcome::Error;
        }
    };
    let mut intact = true;
    let mut anchor: Option<(i64, String)> = None;
    if let Some(dir) = &args.dir {
        let verification = match verify_bundle(dir, key.as_ref()) {
            Ok(verification) => verification,
            Err(error) => {
                eprintln!("rampart: {error}");
                return Outcome::Error;
            }
        };
        for problem in &verification.problems {
            println!("{}: {problem}", dir.display());
        }
        let files = verification.manifest.files.len();
        match &verification.signature {
            SignatureStatus::Valid { key } => println!("signature: valid, key {}", short(key)),
            SignatureStatus::Invalid { reason } => println!("signature: INVALID: {reason}"),
            SignatureStatus::NotChecked { key } => {
                println!("signature: present (key {}), not checked: give --key PUB", short(key))
            }
            SignatureStatus::Unsigned if key.is_some() => println!("signature: MISSING, but --key expects one"),
            SignatureStatus::Unsigned => println!("signature: none"),
        }
        if verification.is_intact(key.is_some()) {
            println!(
                "{}: intact: {files} file(s) match manifest.json (created {})",
                dir.display(),
                verification.manifest.created
            );
        } else {
            intact = false;
            println!("{}: NOT intact", dir.display());
        }
        anchor = read_anchor(dir);
    }
    if let Some(path) = &args.store {
        match check_store(path, anchor.as_ref()) {
            Ok(true) => {}
            Ok(false) => intact = false,
            Err(error) => {
                eprintln!("rampart: {}: {error}", path.display());
                return Outcome::Error;
            }
        }
    }
    if intact { Outcome::Pass } else { Outcome::Fail }
}

/// The store record a bundle names (`store.json`).
fn read_anchor(dir: &Path) -> Option<(i64, String)> {
    let text = std::fs::read_to_string(dir.join("store.json")).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    Some((value["seq"].as_i64()?, value["hash"].as_str()?.to_string()))
}

fn check_store(path: &Path, anchor: Option<&(i64, String)>) -> Result<bool, String> {
    if !path.exists() {
        return Err("no such store".to_string());
    }
    let store = Store::open(path)?;
    let (head, mut problems) = store.verify()?;
    if let Some((seq, hash)) = anchor {
        match store.hash_at(*seq)? {
            Some(found) if &found == hash => {}
            Some(found) => problems.push(format!(
                "record {seq}: the bundle names hash {}, the store holds {}",
                short(hash),
                short(&found)
            )),
            None => problems.push(format!(
                "record {seq}: named by the bundle, gone from the store (records were cut off)"
            )),
        }
    }
    for problem in &problems {
        println!("{}: {problem}", path.display());
    }
    match (&head, problems.is_empty()) {
        (Some(head), true) => println!(
            "{}: intact: {} record(s), chain head {}",
            path.display(),
            head.seq,
            short(&head.hash)
        ),
        (None, true) => println!("{}: intact: no records", path.display()),
        (_, false) => println!("{}: NOT intact", path.display()),
    }
    Ok(problems.is_empty())
}

fn short(hash: &str) -> &str {
    hash.get(..16).unwrap_or(hash)
}

fn keygen(prefix: &Path) -> Outcome {
    let private_path = prefix.with_extension("pem");
    let public_path = prefix.with_extension("pub");
    for path in [&private_path, &public_path] {
        if path.exists() {
            eprintln!("rampart: {} exists; choose another --out", path.display());
            return Outcome::Error;
        }
    }
    let (private, public) = match generate_key_pair() {
        Ok(pair) => pair,
        Err(error) => {
            eprintln!("rampart: {error}");
            return Outcome::Error;
        }
    };
    if let Err(error) = write_private(&private_path, &private).and_then(|()| std::fs::write(&public_path, public)) {
        eprintln!("rampart: cannot write the keys: {error}");
        return Outcome::Error;
    }
    eprintln!(
        "rampart: wrote {} (private: keep it in your CI's secret store) and {} (public: verify with --key)",
        private_path.display(),
        public_path.display()
    );
    Outcome::Pass
}

/// Writes the private key readable by its owner only.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    use std::io::Write;
    options.open(path)?.write_all(text.as_bytes())
}
