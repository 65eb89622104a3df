//! The accounts the mock knows: phone number -> account key, LID and linked
//! devices. Kept in memory, and in a JSON file when one is configured.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use wacore::libsignal::protocol::{KeyPair, PrivateKey};
use wacore_binary::Jid;

use crate::wire::keys::{hex_decode, hex_encode};

/// One linked device as the admin API reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// The account's phone number, digits only.
    pub phone: String,
    /// Device number within the account (the phone itself is 0).
    pub device: u16,
    /// Whether a logged-in socket of this device is open now.
    pub connected: bool,
    /// Successful logins since pairing.
    pub logins: u64,
    /// Whether the phone removed this device (logins get 401).
    pub removed: bool,
    /// The account's push name: given at pairing, changed by the phone.
    pub push_name: String,
    /// The last presence the device announced, `None` until it sends one.
    pub presence: Option<Presence>,
    /// How many times the device announced itself `available`.
    pub times_available: u64,
    /// When the device last logged in (milliseconds since the epoch).
    pub last_login_at: Option<u64>,
    /// The most logged-in sockets this device had at once; a well-behaved
    /// client never has more than one.
    pub max_concurrent: u32,
    /// Stanzas written to its sockets since the mock started, redeliveries
    /// included.
    #[serde(default)]
    pub delivered: u64,
    /// Stanzas it acked since the mock started.
    #[serde(default)]
    pub acked: u64,
    /// Stanzas it owes an ack for: queued, delivered and not acked, or
    /// waiting for its prekeys.
    #[serde(default)]
    pub unacked: u64,
    /// One-time prekeys the server holds for it.
    #[serde(default)]
    pub prekeys: usize,
    /// Whether its account is a business account (`<biz>` at pairing).
    #[serde(default)]
    pub business: bool,
}

/// A presence a device announces with `<presence type=…>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    /// Online: the phone stops showing notifications.
    Available,
    /// Offline.
    Unavailable,
}

/// What a login attempt for `phone:device` finds.
pub(crate) enum LoginCheck {
    /// Linked and still valid: log in as this LID.
    Valid { lid: Jid },
    /// Unknown, removed by the phone, or presenting another key.
    NotLinked,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Account {
    /// The phone's account signing key (hex).
    account_key: String,
    lid: u64,
    next_device: u16,
    devices: BTreeMap<u16, Device>,
    /// A personal account (no `<biz>` at pairing); older files hold
    /// business accounts only.
    #[serde(default)]
    personal: bool,
    /// The app-state sync key the phone shares (hex id, hex key), made at
    /// its first personal pairing.
    #[serde(default)]
    sync_key: Option<(String, String)>,
}

/// The app state of a personal account, as its phone holds it.
pub(crate) struct AppState {
    pub key_id: Vec<u8>,
    pub key: Vec<u8>,
    pub push_name: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Device {
    /// The device's static Noise key (hex): logins must present it.
    noise_key: String,
    push_name: String,
    removed: bool,
    logins: u64,
    #[serde(default)]
    presence: Option<Presence>,
    #[serde(default)]
    times_available: u64,
    #[serde(default)]
    last_login_at: Option<u64>,
    #[serde(default)]
    max_concurrent: u32,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    accounts: BTreeMap<String, Account>,
}

/// The registry and where it is saved.
pub(crate) struct Registry {
    file: File,
    path: Option<PathBuf>,
    /// Account keys already decoded: deriving a public key is a scalar
    /// multiplication, too dear for every message.
    keys: HashMap<String, KeyPair>,
}

impl Registry {
    /// Loads `path` if it exists, else starts empty.
    pub fn open(path: Option<&Path>) -> anyhow::Result<Self> {
        let file = match path {
            Some(path) if path.exists() => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read state file `{}`", path.display()))?;
                serde_json::from_str(&text)
                    .with_context(|| format!("state file `{}` is not valid", path.display()))?
            }
            _ => File::default(),
        };
        Ok(Self {
            file,
            path: path.map(Path::to_path_buf),
            keys: HashMap::new(),
        })
    }

    /// The account key pair and LID of `phone`, created on first use.
    pub fn account(&mut self, phone: &str) -> anyhow::Result<(KeyPair, u64)> {
        let account = self
            .file
            .accounts
            .entry(phone.to_string())
            .or_insert_with(|| {
                let pair = wacore::crypto::generate_curve_key_pair();
                Account {
                    account_key: hex_encode(pair.private_key.serialize()),
                    lid: lid_for(phone),
                    next_device: 1,
                    devices: BTreeMap::new(),
                    personal: false,
                    sync_key: None,
                }
            });
        let bytes = hex_decode(&account.account_key).context("corrupt account key")?;
        let private = PrivateKey::deserialize(&bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
        let pair = KeyPair::try_from(private).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok((pair, account.lid))
    }

    /// Reserves the next device number of `phone` (the account must exist).
    pub fn next_device(&mut self, phone: &str) -> u16 {
        let account = self.file.accounts.entry(phone.to_string()).or_default();
        let device = account.next_device.max(1);
        account.next_device = device + 1;
        device
    }

    /// The account key of `phone`, if the account exists.
    pub fn account_key(&mut self, phone: &str) -> Option<KeyPair> {
        if let Some(key) = self.keys.get(phone) {
            return Some(key.clone());
        }
        let account = self.file.accounts.get(phone)?;
        let bytes = hex_decode(&account.account_key)?;
        let private = PrivateKey::deserialize(&bytes).ok()?;
        let key = KeyPair::try_from(private).ok()?;
        self.keys.insert(phone.to_string(), key.clone());
        Some(key)
    }

    /// The app state of `phone` if it is a personal account.
    pub fn app_state(&self, phone: &str) -> Option<AppState> {
        let account = self.file.accounts.get(phone).filter(|a| a.personal)?;
        let (key_id, key) = account.sync_key.as_ref()?;
        Some(AppState {
            key_id: hex_decode(key_id)?,
            key: hex_decode(key)?,
            push_name: account
                .devices
                .values()
                .next_back()
                .map(|d| d.push_name.clone())
                .unwrap_or_default(),
        })
    }

    /// Links a device whose pairing the client confirmed, for a business
    /// account or a personal one.
    pub fn link(
        &mut self,
        phone: &str,
        device: u16,
        noise_key: &[u8],
        push_name: &str,
        business: bool,
    ) {
        let account = self.file.accounts.entry(phone.to_string()).or_default();
        account.personal = !business;
        if !business && account.sync_key.is_none() {
            let key_id: [u8; 6] = rand::random();
            let key: [u8; 32] = rand::random();
            account.sync_key = Some((hex_encode(&key_id), hex_encode(&key)));
        }
        account.devices.insert(
            device,
            Device {
                noise_key: hex_encode(noise_key),
                push_name: push_name.to_string(),
                removed: false,
                logins: 0,
                presence: None,
                times_available: 0,
                last_login_at: None,
                max_concurrent: 0,
            },
        );
        self.save();
    }

    /// Whether `phone:device` presenting `noise_key` may log in.
    pub fn check_login(&self, phone: &str, device: u16, noise_key: &[u8]) -> LoginCheck {
        let Some(account) = self.file.accounts.get(phone) else {
            return LoginCheck::NotLinked;
        };
        match account.devices.get(&device) {
            Some(d) if !d.removed && d.noise_key == hex_encode(noise_key) => LoginCheck::Valid {
                lid: Jid::lid(account.lid.to_string()).with_device(device),
            },
            _ => LoginCheck::NotLinked,
        }
    }

    /// Counts a successful login at `at_ms`, `concurrent` being how many
    /// logged-in sockets the device has with it.
    pub fn record_login(&mut self, phone: &str, device: u16, at_ms: u64, concurrent: u32) {
        if let Some(d) = self.device_mut(phone, device) {
            d.logins += 1;
            d.last_login_at = Some(at_ms);
            d.max_concurrent = d.max_concurrent.max(concurrent);
            self.save();
        }
    }

    /// Keeps the presence `phone:device` announced.
    pub fn record_presence(&mut self, phone: &str, device: u16, presence: Presence) {
        if let Some(d) = self.device_mut(phone, device) {
            if presence == Presence::Available {
                d.times_available += 1;
            }
            d.presence = Some(presence);
            self.save();
        }
    }

    /// The phone changed its push name: every device of the account carries
    /// it. Returns how many devices `phone` has.
    pub fn set_push_name(&mut self, phone: &str, name: &str) -> usize {
        let Some(account) = self.file.accounts.get_mut(phone) else {
            return 0;
        };
        for d in account.devices.values_mut() {
            d.push_name = name.to_string();
        }
        let count = account.devices.len();
        self.save();
        count
    }

    fn device_mut(&mut self, phone: &str, device: u16) -> Option<&mut Device> {
        self.file
            .accounts
            .get_mut(phone)
            .and_then(|a| a.devices.get_mut(&device))
    }

    /// Marks `phone:device` removed; `false` if it was not linked.
    pub fn remove(&mut self, phone: &str, device: u16) -> bool {
        let removed = self
            .device_mut(phone, device)
            .is_some_and(|d| !std::mem::replace(&mut d.removed, true));
        if removed {
            self.save();
        }
        removed
    }

    /// The devices of `phone` still linked.
    pub fn linked(&self, phone: &str) -> Vec<u16> {
        self.file.accounts.get(phone).map_or_else(Vec::new, |a| {
            a.devices
                .iter()
                .filter(|(_, d)| !d.removed)
                .map(|(&n, _)| n)
                .collect()
        })
    }

    /// The phones with at least one device still linked.
    pub fn phones(&self) -> Vec<String> {
        self.file
            .accounts
            .iter()
            .filter(|(_, a)| a.devices.values().any(|d| !d.removed))
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// Every linked device of `phone` (every phone if `None`), removed or not.
    pub fn devices(&self, phone: Option<&str>) -> Vec<DeviceInfo> {
        self.file
            .accounts
            .iter()
            .filter(|(p, _)| phone.is_none_or(|want| want == p.as_str()))
            .flat_map(|(p, account)| {
                account.devices.iter().map(move |(&device, d)| DeviceInfo {
                    phone: p.clone(),
                    device,
                    connected: false,
                    logins: d.logins,
                    removed: d.removed,
                    push_name: d.push_name.clone(),
                    presence: d.presence,
                    times_available: d.times_available,
                    last_login_at: d.last_login_at,
                    max_concurrent: d.max_concurrent,
                    delivered: 0,
                    acked: 0,
                    unacked: 0,
                    prekeys: 0,
                    business: !account.personal,
                })
            })
            .collect()
    }

    fn save(&self) {
        let Some(path) = &self.path else { return };
        if let Err(e) = write_atomically(path, &self.file) {
            tracing::error!("cannot save state file `{}`: {e:#}", path.display());
        }
    }
}

fn write_atomically(path: &Path, file: &File) -> anyhow::Result<()> {
    let text = serde_json::to_vec_pretty(file)?;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// A stable, phone-derived LID so logs stay readable across runs.
fn lid_for(phone: &str) -> u64 {
    let digits: u64 = phone.parse().unwrap_or(0);
    100_000_000_000_000 + digits % 100_000_000_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linked_device_survives_reopen_and_removal_sticks() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.json");
        let mut registry = Registry::open(Some(&path)).expect("open");
        let (key, lid) = registry.account("15550001111").expect("account");
        let device = registry.next_device("15550001111");
        registry.link("15550001111", device, &[7; 32], "Alice", true);

        let mut again = Registry::open(Some(&path)).expect("reopen");
        let (key2, lid2) = again.account("15550001111").expect("account");
        assert_eq!(
            key.public_key.public_key_bytes(),
            key2.public_key.public_key_bytes()
        );
        assert_eq!(lid, lid2);
        assert!(matches!(
            again.check_login("15550001111", device, &[7; 32]),
            LoginCheck::Valid { .. }
        ));
        assert!(matches!(
            again.check_login("15550001111", device, &[8; 32]),
            LoginCheck::NotLinked
        ));
        assert!(again.remove("15550001111", device));
        assert!(!again.remove("15550001111", device));
        let third = Registry::open(Some(&path)).expect("reopen");
        assert!(matches!(
            third.check_login("15550001111", device, &[7; 32]),
            LoginCheck::NotLinked
        ));
        assert!(third.devices(None)[0].removed);
    }

    /// A state file written before presence, login times and concurrency
    /// were kept still opens, and starts keeping them.
    #[test]
    fn an_older_state_file_opens_and_keeps_what_is_new() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.json");
        let key = hex_encode(
            wacore::crypto::generate_curve_key_pair()
                .private_key
                .serialize(),
        );
        let old = serde_json::json!({"accounts": {"15550001111": {
            "account_key": key, "lid": 7, "next_device": 2,
            "devices": {"1": {"noise_key": hex_encode(&[7; 32]), "push_name": "Old",
                              "removed": false, "logins": 3}}}}});
        std::fs::write(&path, old.to_string()).expect("write");
        let mut registry = Registry::open(Some(&path)).expect("open an older file");
        let d = &registry.devices(None)[0];
        assert_eq!((d.logins, d.presence, d.last_login_at), (3, None, None));

        registry.record_login("15550001111", 1, 1_700_000_000_000, 2);
        registry.record_login("15550001111", 1, 1_700_000_001_000, 1);
        registry.record_presence("15550001111", 1, Presence::Unavailable);
        assert_eq!(registry.set_push_name("15550001111", "New"), 1);
        assert_eq!(registry.set_push_name("15550009999", "Nobody"), 0);
        let d = &Registry::open(Some(&path)).expect("reopen").devices(None)[0];
        assert_eq!(d.logins, 5);
        assert_eq!(d.last_login_at, Some(1_700_000_001_000));
        assert_eq!(d.max_concurrent, 2, "the largest count is kept");
        assert_eq!(d.presence, Some(Presence::Unavailable));
        assert_eq!(d.push_name, "New");
    }
}
